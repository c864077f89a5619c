package dealdesk

import (
	"context"
	"slices"
	"time"
)

// PrefixInboxEvent is the ID prefix of stored inbound events.
const PrefixInboxEvent = "evt"

// InboxChannel is the way an event reached dealdesk.
type InboxChannel string

// Inbox channels.
const (
	ChannelEventBridge InboxChannel = "EVENTBRIDGE" // an EventBridge API destination calling the webhook
	ChannelSNS         InboxChannel = "SNS"         // an SNS HTTPS subscription calling the webhook
	ChannelSQS         InboxChannel = "SQS"         // the poller of the organization's SQS queue
)

// InboxChannels lists every inbox channel.
var InboxChannels = []InboxChannel{ChannelEventBridge, ChannelSNS, ChannelSQS}

// Valid reports whether c is a known inbox channel.
func (c InboxChannel) Valid() bool { return slices.Contains(InboxChannels, c) }

// InboxStatus is where a stored event is in its processing.
type InboxStatus string

// Inbox statuses.
const (
	InboxReceived  InboxStatus = "RECEIVED"  // stored; the apply job will process it
	InboxApplied   InboxStatus = "APPLIED"   // its changes are stored
	InboxMalformed InboxStatus = "MALFORMED" // it could not be read; Error says why
	InboxUnknown   InboxStatus = "UNKNOWN"   // a well-formed event dealdesk has no handler for
	InboxFailed    InboxStatus = "FAILED"    // applying it failed for good; Error says why
)

// InboxStatuses lists every inbox status.
var InboxStatuses = []InboxStatus{InboxReceived, InboxApplied, InboxMalformed, InboxUnknown, InboxFailed}

// Valid reports whether s is a known inbox status.
func (s InboxStatus) Valid() bool { return slices.Contains(InboxStatuses, s) }

// MaxInboxBodyBytes is the largest raw body the inbox keeps of an EventBridge API destination:
// 256 KiB, the most an EventBridge event can hold.
const MaxInboxBodyBytes = 256 << 10

// MaxInboxEnvelopeBytes is the largest raw body the inbox keeps of the SNS and SQS channels:
// 1 MiB. An SNS message is at most 256 KiB, but the SNS envelope escapes it as a JSON string
// and adds its own fields and signature, which makes a body larger than 256 KiB (every quote
// of an EventBridge event doubles); an SQS message is at most 1 MiB (review F14).
const MaxInboxEnvelopeBytes = 1 << 20

// MaxBodyBytes is the largest raw body the inbox keeps of channel c: MaxInboxEnvelopeBytes for
// SNS and SQS, MaxInboxBodyBytes for EventBridge and any other.
func (c InboxChannel) MaxBodyBytes() int {
	if c == ChannelSNS || c == ChannelSQS {
		return MaxInboxEnvelopeBytes
	}
	return MaxInboxBodyBytes
}

// MaxInboxErrorLength is the longest Error kept with an event, in bytes; longer texts are cut.
const MaxInboxErrorLength = 2000

// InboxEvent is an event from AWS stored raw, once, as it arrived, before anything is made of
// it: an EventBridge envelope, an SNS message, or an SQS message body. EventID is the sender's
// ID (the EventBridge envelope's id, the SNS MessageId) and is unique per organization, across
// channels, so the same EventBridge event delivered by the webhook and through SQS is stored
// once (decision 014). A sender that gives no ID is identified by a digest of the body.
type InboxEvent struct {
	ID         string       `json:"id"`
	OrgID      string       `json:"-"`
	Channel    InboxChannel `json:"channel"`
	EventID    string       `json:"eventId"`
	Body       []byte       `json:"body,omitempty"` // raw bytes, at most Channel.MaxBodyBytes(); lists leave it out
	BodySize   int          `json:"bodySize"`
	ReceivedAt time.Time    `json:"receivedAt"`
	Status     InboxStatus  `json:"status"`
	Error      string       `json:"error,omitempty"`
	AppliedAt  *time.Time   `json:"appliedAt,omitempty"` // when it was marked APPLIED
}

// InboxEventFilter selects stored events; Cursor and Limit page through them.
type InboxEventFilter struct {
	Channel InboxChannel
	Status  InboxStatus
	Cursor  string
	Limit   int
}

// ValidateInboxEvent checks an event before it is stored: a known channel, an event ID, a body
// of 1 to Channel.MaxBodyBytes() bytes (ETOOLARGE above), and a status of RECEIVED (or empty),
// MALFORMED or UNKNOWN. The error lists every bad field.
func ValidateInboxEvent(ev *InboxEvent) error {
	if limit := ev.Channel.MaxBodyBytes(); len(ev.Body) > limit {
		return Errorf(ETOOLARGE, "The event body has %d bytes; at most %d are accepted.", len(ev.Body), limit)
	}
	var p Problems
	if !ev.Channel.Valid() {
		p.Add("channel", "%s", OneOf(InboxChannels))
	}
	checkExternalID(&p, "eventId", ev.EventID, true)
	if len(ev.Body) == 0 {
		p.Add("body", "is required")
	}
	switch ev.Status {
	case "", InboxReceived, InboxMalformed, InboxUnknown:
	default:
		p.Add("status", "must be RECEIVED, MALFORMED or UNKNOWN when an event is stored")
	}
	p.CheckText("error", ev.Error, 0, MaxInboxErrorLength)
	return p.Err()
}

// InboxService keeps the events AWS sends to the caller's organization. Every method returns
// EUNAUTHORIZED when the context carries no organization.
type InboxService interface {
	// StoreInboxEvent stores ev once. A new RECEIVED event is stored with an ApplyEventJob in
	// the same transaction, so it is processed even if the process dies right after; a
	// MALFORMED or UNKNOWN one is only kept. An event whose EventID is stored already is
	// returned as stored, with created false, and nothing is written. Returns EINVALID naming
	// every bad field and ETOOLARGE for a body over its channel's MaxBodyBytes (see ValidateInboxEvent).
	StoreInboxEvent(ctx context.Context, ev *InboxEvent) (stored *InboxEvent, created bool, err error)
	// FindInboxEventByID returns the event with its body. Returns ENOTFOUND unless it belongs to
	// the caller's organization.
	FindInboxEventByID(ctx context.Context, id string) (*InboxEvent, error)
	// FindInboxEvents lists events without their bodies, newest first, and the cursor of the
	// next page ("" at the end). Returns EINVALID naming an unknown channel or status, or a
	// cursor this list did not return.
	FindInboxEvents(ctx context.Context, f InboxEventFilter) ([]*InboxEvent, string, error)
	// MarkInboxEvent records the outcome of processing event id: APPLIED (AppliedAt is set),
	// MALFORMED, UNKNOWN or FAILED, with errText (cut to MaxInboxErrorLength bytes, made valid
	// text). Returns ENOTFOUND for another organization's event and EINVALID for another status.
	MarkInboxEvent(ctx context.Context, id string, status InboxStatus, errText string) (*InboxEvent, error)
}

// ApplyEventJob processes one stored event: it reads it, turns it into a domain event and
// applies it. It carries only IDs (decision 002); its worker marks the event with the outcome.
type ApplyEventJob struct {
	OrgID        string `json:"orgId"`
	InboxEventID string `json:"inboxEventId"`
}

// Kind names the job.
func (ApplyEventJob) Kind() string { return "apply_event" }
