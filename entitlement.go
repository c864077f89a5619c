package dealdesk

import (
	"context"
	"time"
)

// EntitlementType says how an entitlement came about.
type EntitlementType string

// Entitlement types.
const (
	EntitlementCPPO EntitlementType = "CPPO" // a buyer accepted a reseller's CPPO offer
)

// EntitlementStatus is where an entitlement is in its life.
type EntitlementStatus string

// Entitlement statuses.
const (
	EntitlementPendingStart EntitlementStatus = "PENDING_START"
	EntitlementActive       EntitlementStatus = "ACTIVE"
	EntitlementCancelled    EntitlementStatus = "CANCELLED"
	EntitlementExpired      EntitlementStatus = "EXPIRED"
)

// Valid reports whether s is a known entitlement status.
func (s EntitlementStatus) Valid() bool {
	switch s {
	case EntitlementPendingStart, EntitlementActive, EntitlementCancelled, EntitlementExpired:
		return true
	}
	return false
}

// Entitlement is a buyer's right to use the product under an AWS agreement.
type Entitlement struct {
	ID                 string            `json:"id"`
	OrgID              string            `json:"-"`
	Type               EntitlementType   `json:"type"`
	Status             EntitlementStatus `json:"status"`
	ExternalID         string            `json:"externalId"` // AWS agreement ID
	ProductID          string            `json:"productId,omitempty"`
	OfferID            string            `json:"offerId,omitempty"`       // the CPPO offer accepted
	OpportunityID      string            `json:"opportunityId,omitempty"` // the CPPO_OUT it came from
	BuyerAccountID     string            `json:"buyerAccountId,omitempty"`
	ResellerAccountID  string            `json:"resellerAccountId,omitempty"`
	LicenseARN         string            `json:"licenseArn,omitempty"`
	CustomerIdentifier string            `json:"customerIdentifier,omitempty"`
	StartTime          *time.Time        `json:"startTime,omitempty"`
	EndTime            *time.Time        `json:"endTime,omitempty"`
	CreatedAt          time.Time         `json:"createdAt"`
	UpdatedAt          time.Time         `json:"updatedAt"`
}

// EntitlementFilter selects entitlements; Cursor and Limit page through them.
type EntitlementFilter struct {
	Type          EntitlementType
	Status        EntitlementStatus
	ProductID     string
	OfferID       string
	OpportunityID string
	Cursor        string
	Limit         int
}

// EntitlementService manages the entitlements of the caller's organization.
type EntitlementService interface {
	// FindEntitlementByID returns ENOTFOUND unless it belongs to the caller's organization.
	FindEntitlementByID(ctx context.Context, id string) (*Entitlement, error)
	// FindEntitlements lists entitlements, newest first, and the cursor of the next page.
	FindEntitlements(ctx context.Context, f EntitlementFilter) ([]*Entitlement, string, error)
	// SaveEntitlement creates or updates the entitlement with e.ExternalID (the agreement ID),
	// linking it to the CPPO offer with offerExternalID and its opportunity when they are known.
	SaveEntitlement(ctx context.Context, e *Entitlement, offerExternalID string) (*Entitlement, error)
}
