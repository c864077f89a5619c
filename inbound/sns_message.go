package inbound

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/dealdesk/dealdesk"
)

// SNS message types, the "Type" of an SNS HTTP(S) message (SNS Developer Guide "Parsing
// message formats").
const (
	SNSNotification             = "Notification"
	SNSSubscriptionConfirmation = "SubscriptionConfirmation"
	SNSUnsubscribeConfirmation  = "UnsubscribeConfirmation"
)

// snsMessageWhat names what the errors about an SNS message are about.
const snsMessageWhat = "SNS message"

// SNSMessage is an SNS HTTP(S) message: the JSON body SNS POSTs to a subscribed endpoint (with
// the header x-amz-sns-message-type), and the body of an SQS message SNS delivers to a queue
// without raw message delivery. SNS.Verify returns it once its signature is checked.
type SNSMessage struct {
	Type      string    // SNSNotification, SNSSubscriptionConfirmation or SNSUnsubscribeConfirmation
	MessageID string    // MessageId: the same on every delivery attempt of one message
	TopicArn  string    // the topic the message was published to
	Subject   string    // Notification only, when the publisher gave one
	Message   string    // the payload: for AWS Marketplace, an EventBridge event or a legacy message, as JSON text
	Timestamp time.Time // when SNS published the message (UTC)
	// Token and SubscribeURL (confirmations only): visiting SubscribeURL (Confirm) confirms the
	// subscription; the token is valid for three days.
	Token            string
	SubscribeURL     string
	UnsubscribeURL   string // Notification only
	SignatureVersion string // "1" (SHA1withRSA) or "2" (SHA256withRSA)
	Signature        string // base64
	SigningCertURL   string // where the signing certificate is

	hasSubject bool   // the body had a Subject: it is then part of the string to sign
	timestamp  string // Timestamp as sent, for the string to sign
	verified   bool   // set by SNS.Verify only
}

type snsWire struct {
	Type             string  `json:"Type"`
	MessageID        string  `json:"MessageId"`
	TopicArn         string  `json:"TopicArn"`
	Subject          *string `json:"Subject"`
	Message          *string `json:"Message"`
	Timestamp        string  `json:"Timestamp"`
	Token            string  `json:"Token"`
	SubscribeURL     string  `json:"SubscribeURL"`
	UnsubscribeURL   string  `json:"UnsubscribeURL"`
	SignatureVersion string  `json:"SignatureVersion"`
	Signature        string  `json:"Signature"`
	SigningCertURL   string  `json:"SigningCertURL"`
}

// parseSNSMessage decodes an SNS message and checks that it has every field its Type needs.
func parseSNSMessage(body []byte) (*SNSMessage, error) {
	if len(body) > MaxBodyBytes {
		return nil, malformed(snsMessageWhat, "(body): %d bytes, more than the %d allowed", len(body), MaxBodyBytes)
	}
	var p problems
	var w snsWire
	if !decodeObject(body, "", &w, &p) {
		return nil, p.err(snsMessageWhat)
	}
	m := &SNSMessage{Type: w.Type, MessageID: w.MessageID, TopicArn: w.TopicArn, timestamp: w.Timestamp,
		Token: w.Token, SubscribeURL: w.SubscribeURL, UnsubscribeURL: w.UnsubscribeURL,
		SignatureVersion: w.SignatureVersion, Signature: w.Signature, SigningCertURL: w.SigningCertURL}
	if w.Subject != nil {
		m.Subject, m.hasSubject = *w.Subject, true
	}
	if w.Message == nil {
		p.add("Message", "is required")
	} else {
		m.Message = *w.Message
	}
	switch w.Type {
	case SNSNotification:
	case SNSSubscriptionConfirmation, SNSUnsubscribeConfirmation:
		required(&p, "Token", w.Token)
		required(&p, "SubscribeURL", w.SubscribeURL)
	case "":
		p.add("Type", "is required")
	default:
		p.add("Type", "must be %s, %s or %s, got %s", SNSNotification, SNSSubscriptionConfirmation, SNSUnsubscribeConfirmation, quote(w.Type))
	}
	required(&p, "MessageId", w.MessageID)
	required(&p, "TopicArn", w.TopicArn)
	required(&p, "Timestamp", w.Timestamp)
	required(&p, "SignatureVersion", w.SignatureVersion)
	required(&p, "Signature", w.Signature)
	required(&p, "SigningCertURL", w.SigningCertURL)
	m.Timestamp = parseTime(&p, "Timestamp", w.Timestamp)
	if err := p.err(snsMessageWhat); err != nil {
		return nil, err
	}
	return m, nil
}

// stringToSign is SNS's canonical form of m (SNS Developer Guide "Verifying the signature of an
// Amazon SNS message"): for a Notification the keys Message, MessageId, Subject (only when the
// message has one), Timestamp, TopicArn, Type; for the confirmations Message, MessageId,
// SubscribeURL, Timestamp, Token, TopicArn, Type; each as "Key\nvalue\n", in that (byte) order.
func (m *SNSMessage) stringToSign() string {
	var b strings.Builder
	add := func(k, v string) {
		b.WriteString(k)
		b.WriteByte('\n')
		b.WriteString(v)
		b.WriteByte('\n')
	}
	add("Message", m.Message)
	add("MessageId", m.MessageID)
	if m.Type == SNSNotification {
		if m.hasSubject {
			add("Subject", m.Subject)
		}
	} else {
		add("SubscribeURL", m.SubscribeURL)
	}
	add("Timestamp", m.timestamp)
	if m.Type != SNSNotification {
		add("Token", m.Token)
	}
	add("TopicArn", m.TopicArn)
	add("Type", m.Type)
	return b.String()
}

// Event parses the Message of a Notification into a domain event: an EventBridge event
// published to an SNS topic (parsed by ParseEventBridge, so its ID and Time are the event's,
// whichever way it came), or a legacy AWS Marketplace message of a product's aws-mp-* topic
// (reference §2.2; its ID is the MessageId, its Time the Timestamp, its Source the TopicArn).
// A legacy message with an action dealdesk does not handle is dealdesk.EventUnknown. Errors
// are EMALFORMED: not a Notification, or a Message that is neither, or not well formed.
func (m *SNSMessage) Event() (*dealdesk.AWSEvent, error) {
	if m.Type != SNSNotification {
		return nil, malformed(snsMessageWhat, "Type: only a %s carries an event, this is a %s", SNSNotification, m.Type)
	}
	var probe struct {
		DetailType *string         `json:"detail-type"`
		Action     json.RawMessage `json:"action"`
	}
	var p problems
	if !decodeObject([]byte(m.Message), "Message", &probe, &p) {
		return nil, p.err(snsMessageWhat)
	}
	switch {
	case probe.DetailType != nil:
		return ParseEventBridge([]byte(m.Message))
	case probe.Action != nil:
		return parseLegacy(m)
	}
	return nil, malformed(snsMessageWhat, "Message: neither an EventBridge event (no \"detail-type\") nor an AWS Marketplace message (no \"action\")")
}
