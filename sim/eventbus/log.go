package eventbus

import (
	"encoding/json"
	"slices"
	"time"
)

// Kinds of logged events.
const (
	KindEventBridge  = "eventbridge"
	KindSNS          = "sns"
	KindConfirmation = "confirmation" // an SNS SubscriptionConfirmation sent to an sns target
)

// Delivery statuses.
const (
	StatusPending     = "pending"     // queued, delayed, held back or waiting for a retry
	StatusDelivered   = "delivered"   // the target accepted it
	StatusFailed      = "failed"      // every attempt failed, or the failure is not retryable
	StatusDropped     = "dropped"     // the drop fault discarded it
	StatusAbandoned   = "abandoned"   // the bus closed or the simulator restarted before delivery
	StatusUnconfirmed = "unconfirmed" // not sent: the sns target's subscription is pending confirmation
)

// Record is one emitted event in the log, with its delivery to every target it matched.
type Record struct {
	Seq         int64           `json:"seq"`
	ID          string          `json:"id"`   // envelope id, or the SNS MessageId of a legacy message
	Kind        string          `json:"kind"` // eventbridge, sns or confirmation
	Type        string          `json:"type"` // detail-type, the legacy action, or SubscriptionConfirmation
	PublishedAt time.Time       `json:"publishedAt"`
	Event       json.RawMessage `json:"event"` // the envelope, the legacy Message, or the confirmation's subscription, token and SubscribeURL
	Error       string          `json:"error,omitempty"`
	Deliveries  []Delivery      `json:"deliveries"`
}

// Delivery is the outcome of one copy of an event for one target.
type Delivery struct {
	Target   string    `json:"target"`
	Type     string    `json:"type"` // http, sns or sqs
	Copy     int       `json:"copy"` // 1, or 2 for the copy the duplicate fault adds
	Faults   []string  `json:"faults,omitempty"`
	DelayMs  int64     `json:"delayMs,omitempty"`
	Status   string    `json:"status"`
	Attempts []Attempt `json:"attempts"`
	Error    string    `json:"error,omitempty"` // the last error
}

// Attempt is one try of a delivery.
type Attempt struct {
	At         time.Time `json:"at"`
	StatusCode int       `json:"statusCode,omitempty"` // HTTP status of http and sns targets
	Error      string    `json:"error,omitempty"`
}

func (r *Record) clone() Record {
	c := *r
	c.Event = slices.Clone(r.Event)
	c.Deliveries = make([]Delivery, len(r.Deliveries))
	for i, d := range r.Deliveries {
		d.Faults = slices.Clone(d.Faults)
		d.Attempts = slices.Clone(d.Attempts)
		if d.Attempts == nil {
			d.Attempts = []Attempt{}
		}
		c.Deliveries[i] = d
	}
	return c
}
