package dealdesk

import "context"

// ApplyStore is what applying AWS events needs of the store (the sqldb package implements it):
// the stored event, its outcome, the CPPO offers and entitlements the events report, and the
// lookups that turn AWS's identifiers into dealdesk's (products by AWS product ID or product
// code, entitlements by customer identifier). Every method scopes its work to the organization
// in the context (NewContextWithOrgID) and returns EUNAUTHORIZED without one. Decision 017.
type ApplyStore interface {
	FindInboxEventByID(ctx context.Context, id string) (*InboxEvent, error)
	MarkInboxEvent(ctx context.Context, id string, status InboxStatus, errText string) (*InboxEvent, error)
	SaveCPPOOffer(ctx context.Context, o *Offer, resaleAuthorizationID string, happened ...TimelineEntry) (*Offer, error)
	SaveEntitlement(ctx context.Context, e *Entitlement, offerExternalID string, happened ...TimelineEntry) (*Entitlement, error)
	FindEntitlements(ctx context.Context, f EntitlementFilter) ([]*Entitlement, string, error)
	FindProducts(ctx context.Context, f ProductFilter) ([]*Product, string, error)
	// AWSConnectionWithSecret returns the organization's AWS connection with its secret, for
	// Catalog calls; ENOTFOUND when none is set.
	AWSConnectionWithSecret(ctx context.Context) (*AWSConnection, error)
}

// OfferLookup is the part of the Catalog port the apply-event worker uses: reading a CPPO offer
// whose "Offer Released" event did not name its resale authorization. Catalog satisfies it.
type OfferLookup interface {
	DescribeOffer(ctx context.Context, conn *AWSConnection, offerID string) (*CatalogOffer, error)
}

// InboxStore is what the SQS poller needs of the store: storing each received message body once
// (InboxService.StoreInboxEvent), in the organization carried by the context.
type InboxStore interface {
	StoreInboxEvent(ctx context.Context, ev *InboxEvent) (stored *InboxEvent, created bool, err error)
}

// SQSMessage is one message received from an organization's SQS queue.
type SQSMessage struct {
	MessageID     string
	ReceiptHandle string // what DeleteMessage needs
	Body          string
}

// EventQueue receives and deletes the messages of an organization's SQS queue
// (conn.SQSQueueURL), the queue an EventBridge rule delivers AWS Marketplace events to. The AWS
// adapter implements it with SQS ReceiveMessage and DeleteMessage; errors may be *AWSError.
type EventQueue interface {
	// ReceiveMessages long-polls the queue for up to waitSeconds (0..20) and returns at most max
	// (1..10) messages, none when the wait ended empty.
	ReceiveMessages(ctx context.Context, conn *AWSConnection, max, waitSeconds int) ([]SQSMessage, error)
	// DeleteMessage deletes a received message by its receipt handle.
	DeleteMessage(ctx context.Context, conn *AWSConnection, receiptHandle string) error
}
