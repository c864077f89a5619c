package dealdesk

import (
	"context"
	"time"
)

// PrefixNotification is the ID prefix of notifications.
const PrefixNotification = "ntf"

// Notification tells the vendor that a step of a deal happened: an opportunity published or
// failed, a partner's offer created, a buyer's acceptance, an entitlement ended, a repair by
// reconciliation. Each comes from one timeline entry whose kind notifies (TimelineKind.Notifies),
// so a step is notified once however often AWS reports it.
type Notification struct {
	ID              string       `json:"id"`
	OrgID           string       `json:"-"`
	Kind            TimelineKind `json:"kind"`
	TimelineEntryID string       `json:"timelineEntryId"`
	OpportunityID   string       `json:"opportunityId,omitempty"`
	OfferID         string       `json:"offerId,omitempty"`       // set when the step is an offer's
	EntitlementID   string       `json:"entitlementId,omitempty"` // set when the step is an entitlement's
	Summary         string       `json:"summary"`
	At              time.Time    `json:"at"` // when the step happened (the entry's At)
	CreatedAt       time.Time    `json:"createdAt"`
	ReadAt          *time.Time   `json:"readAt,omitempty"`
}

// NotificationFilter selects notifications; Cursor and Limit page through them.
type NotificationFilter struct {
	Kind   TimelineKind
	Unread bool // only those not marked read
	Cursor string
	Limit  int
}

// NotificationService lists the notifications of the caller's organization. Every method
// returns EUNAUTHORIZED when the context carries no organization.
type NotificationService interface {
	// FindNotifications lists notifications, newest first, and the cursor of the next page (""
	// at the end). Returns EINVALID naming an unknown kind or a cursor this list did not return.
	FindNotifications(ctx context.Context, f NotificationFilter) ([]*Notification, string, error)
	// MarkNotificationRead sets ReadAt (once: marking again keeps the first time) and returns
	// the notification. Returns ENOTFOUND unless it belongs to the caller's organization.
	MarkNotificationRead(ctx context.Context, id string) (*Notification, error)
	// MarkAllNotificationsRead marks read every unread notification of the caller's
	// organization created at or before upTo (when the feed was shown: one that arrived since
	// stays unread) and returns how many it marked.
	MarkAllNotificationsRead(ctx context.Context, upTo time.Time) (int64, error)
}
