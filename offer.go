package dealdesk

import (
	"context"
	"encoding/json"
	"slices"
	"time"
)

// OfferType says what an offer is.
type OfferType string

// Offer types.
const (
	OfferCPPOOut OfferType = "CPPO_OUT" // a resell opportunity: the vendor authorizes a reseller (AWS resale authorization)
	OfferCPPO    OfferType = "CPPO"     // a private offer a reseller made to a buyer from an opportunity
	OfferPrivate OfferType = "PRIVATE"  // a private offer the vendor made to a buyer directly
)

// Valid reports whether t is a known offer type.
func (t OfferType) Valid() bool { return slices.Contains(OfferTypes, t) }

// OfferTypes lists every offer type.
var OfferTypes = []OfferType{OfferCPPOOut, OfferCPPO, OfferPrivate}

// OfferStatus is where an offer is in its life.
type OfferStatus string

// Offer statuses.
const (
	OfferDraft         OfferStatus = "DRAFT"          // being edited; not on AWS
	OfferPendingCreate OfferStatus = "PENDING_CREATE" // submitted; the publish job will create it on AWS
	OfferCreateFailed  OfferStatus = "CREATE_FAILED"  // AWS refused it; the errors say why; editable again
	OfferActive        OfferStatus = "ACTIVE"         // live on AWS
	OfferUsed          OfferStatus = "USED"           // a one-time opportunity that a reseller has used
	OfferExpired       OfferStatus = "EXPIRED"        // past its expiry date
	OfferCancelled     OfferStatus = "CANCELLED"      // withdrawn by the vendor
	OfferAccepted      OfferStatus = "ACCEPTED"       // a private offer the buyer accepted
)

// Valid reports whether s is a known offer status.
func (s OfferStatus) Valid() bool { return slices.Contains(OfferStatuses, s) }

// OfferStatuses lists every offer status.
var OfferStatuses = []OfferStatus{OfferDraft, OfferPendingCreate, OfferCreateFailed, OfferActive, OfferUsed,
	OfferExpired, OfferCancelled, OfferAccepted}

// Editable reports whether an offer in status s may still be changed, submitted or deleted.
func (s OfferStatus) Editable() bool { return s == OfferDraft || s == OfferCreateFailed }

// RenewalChannel says where a renewal opportunity's pre-existing buyer agreement was made.
type RenewalChannel string

// Renewal channels.
const (
	RenewalAWSMarketplace RenewalChannel = "AWS_MARKETPLACE"
	RenewalExternal       RenewalChannel = "EXTERNAL"
)

// DocumentType says whether a legal document is AWS's standard one or the vendor's own.
type DocumentType string

// Legal document types.
const (
	DocumentStandard DocumentType = "STANDARD"
	DocumentCustom   DocumentType = "CUSTOM"
)

// Document is a legal document: the buyer's EULA or the reseller's contract.
type Document struct {
	Type DocumentType `json:"type"`
	URL  string       `json:"url,omitempty"` // https URL, only for CUSTOM
}

// EntitledDimension is a contract dimension and the quantity the commit buys.
type EntitledDimension struct {
	DimensionKey string `json:"dimensionKey"`
	Quantity     int64  `json:"quantity"`
}

// DimensionPrice is the wholesale price of one unit of a metered dimension, in USD.
type DimensionPrice struct {
	DimensionKey string  `json:"dimensionKey"`
	Price        Decimal `json:"price"`
}

// Installment is one dated charge of a flexible payment schedule.
type Installment struct {
	ChargeDate Date    `json:"chargeDate"`
	Amount     Decimal `json:"amount"`
}

// Offer is an offer of any type. A CPPO_OUT offer is a resell opportunity (an AWS resale
// authorization); its CPPO offers point back to it with OpportunityID.
type Offer struct {
	ID          string      `json:"id"`
	OrgID       string      `json:"-"`
	Type        OfferType   `json:"type"`
	Status      OfferStatus `json:"status"`
	ExternalID  string      `json:"externalId,omitempty"` // resale authorization ID (CPPO_OUT) or offer ID (CPPO)
	Name        string      `json:"name,omitempty"`
	Description string      `json:"description,omitempty"`
	ProductID   string      `json:"productId,omitempty"`

	ResellerAccountID  string              `json:"resellerAccountId,omitempty"`
	BuyerAccountIDs    []string            `json:"buyerAccountIds"`
	Renewal            bool                `json:"renewal"`
	RenewalChannel     RenewalChannel      `json:"renewalChannel,omitempty"`
	CommitAmount       *Decimal            `json:"commitAmount,omitempty"`
	Currency           Currency            `json:"currency,omitempty"`
	ContractDuration   string              `json:"contractDuration,omitempty"` // ISO 8601 period such as P12M
	EntitledDimensions []EntitledDimension `json:"entitledDimensions"`
	DimensionPrices    []DimensionPrice    `json:"dimensionPrices"`
	ExpiryDate         *Date               `json:"expiryDate,omitempty"`
	OneTime            bool                `json:"oneTime"`
	EULA               *Document           `json:"eula,omitempty"`
	ResellerContract   *Document           `json:"resellerContract,omitempty"`
	Installments       []Installment       `json:"installments"`
	// MeterUsageAgainstCommit says that usage consumes the commit, valued at DimensionPrices,
	// before any is metered to AWS as overage (Suger's isMeteringOverageCommit: a $100 commit
	// and $120 of usage meter $20). Default false: usage beyond the grants is metered.
	MeterUsageAgainstCommit bool `json:"meterUsageAgainstCommit"`

	OpportunityID    string   `json:"opportunityId,omitempty"`    // CPPO: the CPPO_OUT offer it was made from
	MarkupPercentage *Decimal `json:"markupPercentage,omitempty"` // CPPO: the reseller's markup, where known

	// PublishErrors are AWS's reasons for CREATE_FAILED, mapped to the fields they concern; while PENDING_CREATE, why the publish waits (decision 015).
	PublishErrors []FieldError `json:"publishErrors,omitempty"`
	// ReportedAt is, for a CPPO offer, AWS's time of the newest report it was changed by; zero
	// for an opportunity and for reports without a time. See MergeReport.
	ReportedAt time.Time `json:"reportedAt,omitzero"`

	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// NormalizeLists gives o's list fields empty rather than nil values: an offer shows its lists as
// [] in JSON and the store keeps [] for them, never null. It is the one place that knows which
// fields of an offer are lists.
func (o *Offer) NormalizeLists() {
	o.BuyerAccountIDs = nonNil(o.BuyerAccountIDs)
	o.EntitledDimensions = nonNil(o.EntitledDimensions)
	o.DimensionPrices = nonNil(o.DimensionPrices)
	o.Installments = nonNil(o.Installments)
	o.PublishErrors = nonNil(o.PublishErrors)
}

// MarshalJSON writes the offer with its lists as [] rather than null (see NormalizeLists).
func (o Offer) MarshalJSON() ([]byte, error) {
	type plain Offer // without this method
	o.NormalizeLists()
	return json.Marshal(plain(o))
}

// nonNil returns s, or an empty slice when s is nil.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// OfferInput is the body of a create or update request. Nil fields are absent: on create they
// stay unset, on update they keep their value.
type OfferInput struct {
	Type                    *OfferType           `json:"type"`
	Name                    *string              `json:"name"`
	Description             *string              `json:"description"`
	ProductID               *string              `json:"productId"`
	ResellerAccountID       *string              `json:"resellerAccountId"`
	BuyerAccountIDs         *[]string            `json:"buyerAccountIds"`
	Renewal                 *bool                `json:"renewal"`
	RenewalChannel          *RenewalChannel      `json:"renewalChannel"`
	CommitAmount            *Decimal             `json:"commitAmount"`
	Currency                *Currency            `json:"currency"`
	ContractDuration        *string              `json:"contractDuration"`
	EntitledDimensions      *[]EntitledDimension `json:"entitledDimensions"`
	DimensionPrices         *[]DimensionPrice    `json:"dimensionPrices"`
	ExpiryDate              *Date                `json:"expiryDate"`
	OneTime                 *bool                `json:"oneTime"`
	EULA                    *Document            `json:"eula"`
	ResellerContract        *Document            `json:"resellerContract"`
	Installments            *[]Installment       `json:"installments"`
	MeterUsageAgainstCommit *bool                `json:"meterUsageAgainstCommit"`

	// Clear names fields, by their JSON names, that an update resets to empty: a JSON null in a
	// PATCH body, as in JSON merge patch. The members of a legal document are named by their
	// paths ("eula.url"): a document in the input is merged member by member into the stored one
	// (RFC 7396), so a member is emptied only through Clear. A field both cleared and present
	// takes the present value.
	Clear []string `json:"-"`
}

// MaxOfferNameLength is the most characters an offer's name may have, and so the longest
// NameContains of an OfferFilter.
const MaxOfferNameLength = 100

// OfferFilter selects offers; Cursor and Limit page through them. Empty fields select every
// offer; the others must all match.
type OfferFilter struct {
	Type              OfferType
	Status            OfferStatus
	ProductID         string
	ResellerAccountID string
	OpportunityID     string
	// NameContains selects the offers whose name contains this text, ignoring the case of the
	// ASCII letters A-Z only (other letters match exactly, alike on every engine). Every
	// character is literal: % and _ are not wildcards. At most MaxOfferNameLength characters of
	// valid text (ValidText); the REST API and the console name it nameContains.
	NameContains string
	Cursor       string
	Limit        int
}

// OfferChain is one deal seen whole: the opportunity, the CPPO offers made from it and the
// entitlements those offers became, with the timeline of all of them in the order things
// happened (TimelineEntry.At).
type OfferChain struct {
	Opportunity  *Offer           `json:"opportunity"`
	Offers       []*Offer         `json:"offers"`
	Entitlements []*Entitlement   `json:"entitlements"`
	Timeline     []*TimelineEntry `json:"timeline,omitempty"`
}

// MarshalJSON writes the chain with its lists as [] rather than null.
func (c OfferChain) MarshalJSON() ([]byte, error) {
	type plain OfferChain // without this method
	c.Offers, c.Entitlements = nonNil(c.Offers), nonNil(c.Entitlements)
	return json.Marshal(plain(c))
}

// OfferService manages the offers of the caller's organization. Every method returns
// EUNAUTHORIZED when the context carries no organization, and ENOTFOUND for an offer ID that is
// not one of the organization's.
type OfferService interface {
	// CreateOffer validates and stores a CPPO_OUT opportunity as DRAFT. With draft set, missing
	// fields are allowed but the present ones are still checked. Returns EINVALID naming every
	// bad field (an unknown product, or one of another organization, is a bad productId).
	CreateOffer(ctx context.Context, in OfferInput, draft bool) (*Offer, error)
	// FindOfferByID returns ENOTFOUND unless the offer belongs to the caller's organization.
	FindOfferByID(ctx context.Context, id string) (*Offer, error)
	// FindOffers lists offers, newest first, and the cursor of the next page ("" at the end).
	// Returns EINVALID naming an unknown type or status, a filter that is not text, a
	// NameContains longer than MaxOfferNameLength (as nameContains), or a cursor this list did
	// not return.
	FindOffers(ctx context.Context, f OfferFilter) ([]*Offer, string, error)
	// UpdateOffer changes the present fields of a DRAFT or CREATE_FAILED opportunity, which
	// becomes DRAFT; the result is checked as a draft. Returns ECONFLICT in other statuses and for
	// offers from AWS, and EINVALID naming every bad field (a changed type is one).
	UpdateOffer(ctx context.Context, id string, in OfferInput) (*Offer, error)
	// SubmitOffer validates the offer completely and moves it to PENDING_CREATE, recording the
	// publish job in the same transaction. Returns ECONFLICT unless a DRAFT or CREATE_FAILED
	// opportunity, and EINVALID naming every field missing or bad.
	SubmitOffer(ctx context.Context, id string) (*Offer, error)
	// CancelOffer withdraws an offer: a draft at once; an active opportunity becomes CANCELLED
	// and a job to restrict its resale authorization is recorded in the same transaction.
	// Returns ECONFLICT while a publish is pending, for ended offers and for offers from AWS.
	CancelOffer(ctx context.Context, id string) (*Offer, error)
	// DeleteOffer deletes a DRAFT or CREATE_FAILED opportunity. Returns ECONFLICT in other
	// statuses and for offers from AWS.
	DeleteOffer(ctx context.Context, id string) error
	// FindOfferChain returns the chain of an opportunity, or of the opportunity a CPPO offer was
	// made from; Opportunity is nil while that is not known.
	FindOfferChain(ctx context.Context, id string) (*OfferChain, error)
	// SaveCPPOOffer creates or updates the CPPO offer with o.ExternalID, linking it to the
	// opportunity whose resale authorization is resaleAuthorizationID when that is known. o is a
	// report of AWS merged into the stored offer by Offer.MergeReport. Each of happened is
	// recorded on the offer's timeline in the same transaction (the store sets its subject),
	// except an entry of kind USED: a linked one-time opportunity still ACTIVE becomes USED (its
	// one offer was made) in the same transaction, recorded on the opportunity's timeline with
	// the USED entry's time, source and reference (or, without one, the first entry's).
	// Returns EINVALID naming every bad field (see ValidateCPPOOffer and ValidateTimelineEntry)
	// and ECONFLICT when the ID is an opportunity's.
	SaveCPPOOffer(ctx context.Context, o *Offer, resaleAuthorizationID string, happened ...TimelineEntry) (*Offer, error)
}

// Page sizes of every list: the Limit of a filter is 1..MaxPageSize, DefaultPageSize when unset.
const (
	DefaultPageSize = 50
	MaxPageSize     = 200
)
