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
	// ReportedAt is AWS's time of the newest report (event or read) the entitlement was changed
	// by; zero for a report without a time. See MergeReport.
	ReportedAt time.Time `json:"reportedAt,omitzero"`
	CreatedAt  time.Time `json:"createdAt"`
	UpdatedAt  time.Time `json:"updatedAt"`
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
	// e is a report of AWS merged into the stored entitlement by Entitlement.MergeReport (an
	// older report fills only what is missing; an ended entitlement stays ended). Each of
	// happened is recorded on the entitlement's timeline in the same transaction (see
	// TimelineService.AddTimelineEntry; the store sets its subject). Returns EINVALID naming
	// every bad field (see ValidateEntitlement and ValidateTimelineEntry).
	SaveEntitlement(ctx context.Context, e *Entitlement, offerExternalID string, happened ...TimelineEntry) (*Entitlement, error)
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

// Terminal reports whether an entitlement in status s has ended for good: an AWS agreement that
// was cancelled or expired does not come back (a renewal or a replacement is a new agreement
// with its own ID; AWS Marketplace Seller Guide, "Amazon EventBridge events").
func (s EntitlementStatus) Terminal() bool {
	return s == EntitlementCancelled || s == EntitlementExpired
}

// stage orders entitlement statuses along an agreement's life: pending, active, ended.
func (s EntitlementStatus) stage() int {
	switch {
	case s == EntitlementPendingStart:
		return 1
	case s == EntitlementActive:
		return 2
	case s.Terminal():
		return 3
	}
	return 0
}

// MergeReport makes e, a report of AWS about an entitlement that was stored before as stored,
// the entitlement to store. Reports come late, twice and out of order (decision 014):
//   - a report at least as new as the stored one (ReportedAt not before stored's) sets every
//     field it carries; the fields it leaves empty keep their stored values;
//   - an older report only fills the fields the stored entitlement does not have yet;
//   - the status only moves forward along PENDING_START → ACTIVE → CANCELLED or EXPIRED,
//     whatever the reports' times: an ended entitlement is never made active again (not even by
//     a newer report, since AWS never amends an ended agreement), and a report of the end is
//     kept even when an amendment with a later time was stored first; between CANCELLED and
//     EXPIRED the newer report decides.
//
// Afterwards e.ReportedAt is the newer of the two times. A report without a time (zero
// ReportedAt) counts as older than any dated one.
func (e *Entitlement) MergeReport(stored *Entitlement) {
	newer := !e.ReportedAt.Before(stored.ReportedAt)
	e.Status = mergeStatus(e.Status, stored.Status, newer, EntitlementStatus.stage)
	merge(&e.Type, stored.Type, newer)
	merge(&e.ProductID, stored.ProductID, newer)
	merge(&e.BuyerAccountID, stored.BuyerAccountID, newer)
	merge(&e.ResellerAccountID, stored.ResellerAccountID, newer)
	merge(&e.LicenseARN, stored.LicenseARN, newer)
	merge(&e.CustomerIdentifier, stored.CustomerIdentifier, newer)
	merge(&e.StartTime, stored.StartTime, newer)
	merge(&e.EndTime, stored.EndTime, newer)
	if !newer {
		e.ReportedAt = stored.ReportedAt
	}
}
