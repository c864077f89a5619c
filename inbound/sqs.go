package inbound

import (
	"encoding/json"

	"github.com/dealdesk/dealdesk"
)

// sqsWhat names what ParseSQSBody's errors are about.
const sqsWhat = "SQS message body"

// ParseSQSBody turns the body of an SQS message into a domain event. Two shapes reach a queue:
// an EventBridge event, when an EventBridge rule targets the queue (the body is the envelope,
// parsed by ParseEventBridge), and an SNS Notification envelope, when an SNS topic (EventBridge
// events or a product's legacy aws-mp-* topic) is subscribed by the queue without raw message
// delivery (parsed by SNSMessage.Event). The SNS signature is not checked here: the queue's
// access policy decides who may send to it. A legacy message without its envelope (raw
// message delivery on) has no MessageId or time to deduplicate and order it by, and is
// refused. Errors are EMALFORMED, naming what is wrong.
func ParseSQSBody(body []byte) (*dealdesk.AWSEvent, error) {
	if len(body) > MaxBodyBytes {
		return nil, malformed(sqsWhat, "(body): %d bytes, more than the %d allowed", len(body), MaxBodyBytes)
	}
	var probe struct {
		DetailType *string         `json:"detail-type"`
		Type       *string         `json:"Type"`
		Action     json.RawMessage `json:"action"`
	}
	var p problems
	if !decodeObject(body, "", &probe, &p) {
		return nil, p.err(sqsWhat)
	}
	switch {
	case probe.DetailType != nil:
		return ParseEventBridge(body)
	case probe.Type != nil:
		m, err := parseSNSMessage(body)
		if err != nil {
			return nil, err
		}
		return m.Event()
	case probe.Action != nil:
		return nil, malformed(sqsWhat, "an AWS Marketplace SNS message without its SNS envelope: turn raw message delivery off on the queue's subscription")
	}
	return nil, malformed(sqsWhat, "neither an EventBridge event (no \"detail-type\") nor an SNS message (no \"Type\")")
}
