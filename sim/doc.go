// Package sim is dealdesk's local AWS Marketplace simulator ("dealdesk sim").
//
// One HTTP server speaks the real AWS wire protocols for the Marketplace Catalog (restJson1),
// Agreement (awsJson 1.0 and RPC v2 CBOR), Entitlement (awsJson 1.1 and RPC v2 CBOR), Metering
// (awsJson 1.1) and SQS (awsJson 1.0) services, so the unmodified aws-sdk-go-v2 clients can use it
// through BaseEndpoint. A control API under /_sim/ plays the other parties of a Channel Partner
// Private Offer: resellers create offers, buyers accept them, agreements are amended and end. The
// resulting EventBridge events are delivered by sim/eventbus; protocol codecs live in sim/wire; SQS
// lives in sim/sqs.
//
// All state lives in one struct guarded by one mutex and is persisted to a JSON file (temp file
// and rename) in the background, so a restart of the simulator keeps entities, change sets,
// agreements, queues, the metering ledger and the event log.
package sim
