// Package wire speaks the AWS wire protocols the simulator serves: restJson1 (Catalog),
// awsJson 1.0 and 1.1 (Agreement, Metering, Entitlement, SQS) and Smithy RPC v2 CBOR
// (Agreement, Entitlement).
//
// Handlers work in JSON whatever the protocol: ParseCall recognises an RPC request and
// transcodes a CBOR body to JSON, Call.Decode unmarshals it, and WriteResult / WriteError
// encode the answer in the caller's protocol, in the exact form the AWS SDKs parse into their
// typed outputs and exceptions. Timestamps are carried by Time (epoch seconds in JSON, CBOR
// tag 1 in CBOR); []byte members are base64 in JSON and byte strings in CBOR; unions are
// structs (or maps) with exactly one member set, keyed by the member name.
//
// CBOR outputs are encoded from the handler's value with github.com/fxamacker/cbor, honouring
// json struct tags and encoding/json's omitempty rules. Generic JSON-shaped numbers (float64 or
// json.Number held in an `any`) are written as CBOR integers when whole, so that integer
// members decode; typed float64 fields stay floats.
//
// Additions to the simulator contract's API (none of its names changed): RequestError and
// WriteRequestError (answering a refused request), WriteErrorHeader (extra headers, for SQS's
// x-amzn-query-error), WriteRESTErrorFields, NewTime and TimePtr, Protocol.String and
// Protocol.ContentType, the content-type constants; the SigV4 scope check (Scope, ParseScope, CheckScope, SigningName,
// WriteAuthError and the authentication error codes); MaxMessageLength (every written error
// message is cut to it), JSONTypeName and TypeMismatch.
package wire
