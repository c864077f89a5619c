package eventbus

import (
	"time"

	"github.com/google/uuid"
)

// Builder makes envelopes and messages, taking event IDs, request IDs and times from its clock
// and ID source so tests can pin them. The zero Builder uses the wall clock and random UUIDs.
type Builder struct {
	now   func() time.Time
	newID func() string
}

// NewBuilder returns a Builder with the given clock and ID source; nil means wall clock and
// random UUIDs.
func NewBuilder(now func() time.Time, newID func() string) *Builder {
	return &Builder{now: now, newID: newID}
}

func (b *Builder) clock() time.Time {
	if b == nil || b.now == nil {
		return time.Now().UTC()
	}
	return b.now().UTC()
}

func (b *Builder) id() string {
	if b == nil || b.newID == nil {
		return uuid.NewString()
	}
	return b.newID()
}

// envelope wraps detail in an EventBridge envelope addressed to account.
func (b *Builder) envelope(source, detailType, account string, resources []string, detail any) Envelope {
	return Envelope{
		Version:    envelopeVersion,
		ID:         b.id(),
		DetailType: detailType,
		Source:     source,
		Account:    account,
		Time:       formatTime(b.clock()),
		Region:     Region,
		Resources:  resources,
		Detail:     mustMarshal(detail),
	}
}

// formatTime renders t as AWS's event times (UTC, seconds, "Z"); the zero time is "".
func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(timeLayout)
}

// Party is an account with its display name.
type Party struct {
	AccountID string
	Name      string
}

// accountRef is the {"accountId": ...} object of agreement and license events.
type accountRef struct {
	AccountID string `json:"accountId"`
}

// idRef is the {"id": ...} object of agreement and license events.
type idRef struct {
	ID string `json:"id"`
}
