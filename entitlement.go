package dealdesk

import (
	"context"
	"slices"
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
func (s EntitlementStatus) Valid() bool { return slices.Contains(EntitlementStatuses, s) }

// EntitlementTypes lists every entitlement type.
var EntitlementTypes = []EntitlementType{EntitlementCPPO}

// EntitlementStatuses lists every entitlement status.
var EntitlementStatuses = []EntitlementStatus{EntitlementPendingStart, EntitlementActive, EntitlementCancelled, EntitlementExpired}

// Valid reports whether t is a known entitlement type.
func (t EntitlementType) Valid() bool { return slices.Contains(EntitlementTypes, t) }

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

// EntitlementService manages the entitlements of the caller's organization. Every method returns
// EUNAUTHORIZED when the context carries no organization.
type EntitlementService interface {
	// FindEntitlementByID returns ENOTFOUND unless it belongs to the caller's organization.
	FindEntitlementByID(ctx context.Context, id string) (*Entitlement, error)
	// FindEntitlements lists entitlements, newest first, and the cursor of the next page ("" at
	// the end). Returns EINVALID naming an unknown type or status, a filter that is not text, or
	// a cursor this list did not return.
	FindEntitlements(ctx context.Context, f EntitlementFilter) ([]*Entitlement, string, error)
	// SaveEntitlement creates or updates the entitlement with e.ExternalID (the agreement ID),
	// linking it to the CPPO offer with offerExternalID and its opportunity when they are known.
	// Fields e leaves empty keep their stored values (see Entitlement.FillFrom). Returns EINVALID
	// naming every bad field (see ValidateEntitlement).
	SaveEntitlement(ctx context.Context, e *Entitlement, offerExternalID string) (*Entitlement, error)
}

// ValidateEntitlement checks an entitlement reported by AWS before it is saved: its agreement
// ID, the offer it accepted, and the fields it carries. The error lists every bad field.
func ValidateEntitlement(e *Entitlement, offerExternalID string) error {
	var p Problems
	checkExternalID(&p, "externalId", e.ExternalID, true)
	checkExternalID(&p, "offerId", offerExternalID, false)
	if e.Type != "" && e.Type != EntitlementCPPO {
		p.Add("type", "must be CPPO")
	}
	if e.Status != "" && !e.Status.Valid() {
		p.Add("status", "%s", OneOf(EntitlementStatuses))
	}
	p.CheckText("productId", e.ProductID, 0, MaxExternalIDLength)
	if e.BuyerAccountID != "" {
		checkAccountID(&p, "buyerAccountId", e.BuyerAccountID)
	}
	if e.ResellerAccountID != "" {
		checkAccountID(&p, "resellerAccountId", e.ResellerAccountID)
	}
	p.CheckText("licenseArn", e.LicenseARN, 0, 2048)
	p.CheckText("customerIdentifier", e.CustomerIdentifier, 0, 255)
	return p.Err()
}

// FillFrom gives the fields e leaves empty the values of stored, the same entitlement as saved
// before: the agreement event and the license event each carry part of it, in either order.
func (e *Entitlement) FillFrom(stored *Entitlement) {
	fill(&e.Type, stored.Type)
	fill(&e.Status, stored.Status)
	fill(&e.ProductID, stored.ProductID)
	fill(&e.BuyerAccountID, stored.BuyerAccountID)
	fill(&e.ResellerAccountID, stored.ResellerAccountID)
	fill(&e.LicenseARN, stored.LicenseARN)
	fill(&e.CustomerIdentifier, stored.CustomerIdentifier)
	fill(&e.StartTime, stored.StartTime)
	fill(&e.EndTime, stored.EndTime)
}
