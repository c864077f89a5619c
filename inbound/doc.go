// Package inbound turns what AWS Marketplace sends a vendor into domain events
// (dealdesk.AWSEvent): EventBridge envelopes as an API destination POSTs them or an SQS queue
// holds them (ParseEventBridge, ParseSQSBody), and SNS HTTP(S) messages, whose signature it
// verifies against a signing certificate fetched only from an allow-listed origin (SNS.Verify),
// whose subscription it confirms (SNS.Confirm), and whose Message it parses (SNSMessage.Event):
// an EventBridge event published to a topic, or a legacy aws-mp-* message.
//
// It has no database and no AWS SDK: the caller stores each raw body (deduplicated by
// AWSEvent.ID) and hands it to a job. Errors are *dealdesk.Error: EMALFORMED for a body that is
// not what AWS sends (store it and mark it; retrying will not help), EUNAUTHORIZED for an SNS
// message whose signature, certificate origin or topic is refused; any other error (a
// certificate that could not be fetched) is transient. See
// docs/decisions/013-inbound-events.md.
package inbound

// MaxBodyBytes bounds every body this package reads: an EventBridge event is at most 256 KB and
// an SNS message 256 KB, which JSON escaping inside an SNS envelope can grow; a larger body is
// refused as EMALFORMED before it is decoded. Callers reading from a network should stop at the
// same size (http.MaxBytesReader). It equals dealdesk.MaxInboxEnvelopeBytes, what the inbox
// keeps of an SNS or SQS body.
const MaxBodyBytes = 1 << 20
