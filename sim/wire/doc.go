// Package wire speaks the AWS wire protocols the simulator serves: restJson1 (Catalog),
// awsJson 1.0 and 1.1 (Agreement, Metering, Entitlement, SQS) and Smithy RPC v2 CBOR
// (Agreement, Entitlement).
//
// Handlers work in JSON whatever the protocol: ParseCall recognises an RPC request and
// transcodes a CBOR body to JSON, Call.Decode unmarshals it, and WriteResult / WriteError
// encode the answer in the caller's protocol, in the exact form the AWS SDKs parse into
// their typed outputs and exceptions. Timestamps are carried by Time.
//
// API additions beyond the simulator contract: WriteErrorHeader, WriteRequestError,
// RequestError, ReadJSON, WriteRESTErrorFields, CatalogTime, ServiceNamespace.
package wire
