package sim

import (
	"encoding/json"
	"time"
)

// Entity types of the Catalog.
const (
	typeResaleAuthorization = "ResaleAuthorization"
	typeOffer               = "Offer"
	typeSaaSProduct         = "SaaSProduct"
)

// Entity is a Catalog entity the simulator created: a resale authorization or a CPPO offer.
// Products come from the seed.
type Entity struct {
	Type         string    `json:"type"` // ResaleAuthorization or Offer
	ID           string    `json:"id"`
	Owner        string    `json:"owner"` // account that owns the entity
	CreatedAt    time.Time `json:"createdAt"`
	LastModified time.Time `json:"lastModified"`
	// Revision counts the change sets that changed the entity (0 in state files written before
	// revisions were kept, read as 1); DescribeEntity shows EntityId@Revision.
	Revision int                  `json:"revision,omitempty"`
	RA       *ResaleAuthorization `json:"resaleAuthorization,omitempty"`
	Offer    *Offer               `json:"offer,omitempty"`
}

// ResaleAuthorization is the state of a ResaleAuthorization@1.0 entity.
type ResaleAuthorization struct {
	Name                      string                     `json:"name"`
	Description               string                     `json:"description,omitempty"`
	ProductID                 string                     `json:"productId"`
	ResellerAccountID         string                     `json:"resellerAccountId"`
	Status                    string                     `json:"status"` // Draft, Active, Restricted
	PreExistingBuyerAgreement *PreExistingBuyerAgreement `json:"preExistingBuyerAgreement,omitempty"`
	PricingModel              string                     `json:"pricingModel,omitempty"`
	PricingTerms              []PricingTerm              `json:"pricingTerms,omitempty"`
	PaymentSchedule           *PaymentScheduleTerm       `json:"paymentSchedule,omitempty"`
	LegalTerms                []LegalTerm                `json:"legalTerms,omitempty"`
	Validity                  *ValidityTerm              `json:"validity,omitempty"`
	Targeting                 *TargetingTerm             `json:"targeting,omitempty"`
	AvailabilityEndDate       string                     `json:"availabilityEndDate,omitempty"` // YYYY-MM-DD
	OffersMaxQuantity         int                        `json:"offersMaxQuantity,omitempty"`
	OfferCreatedCount         int                        `json:"offerCreatedCount"`
	// TermIDs keeps one stable Id per term type (and "AvailabilityRule", "PartnerTargetingRule").
	TermIDs map[string]string `json:"termIds"`
}

// Offer is the state of a CPPO Offer@1.0 entity created by a reseller.
type Offer struct {
	Name                  string   `json:"name"`
	ProductID             string   `json:"productId"`
	ResaleAuthorizationID string   `json:"resaleAuthorizationId"`
	MarkupPercentage      string   `json:"markupPercentage"`
	BuyerAccountIDs       []string `json:"buyerAccountIds"`
	AvailabilityEndDate   string   `json:"availabilityEndDate"` // YYYY-MM-DD
	State                 string   `json:"state"`               // Released
	// Terms are copied from the resale authorization when the offer is created.
	PricingTerms    []PricingTerm        `json:"pricingTerms,omitempty"`
	PaymentSchedule *PaymentScheduleTerm `json:"paymentSchedule,omitempty"`
	LegalTerms      []LegalTerm          `json:"legalTerms,omitempty"`
	Validity        *ValidityTerm        `json:"validity,omitempty"`
	PreExisting     bool                 `json:"preExisting,omitempty"`
	TermIDs         map[string]string    `json:"termIds"`
	AcceptedCount   int                  `json:"acceptedCount"`
}

// revision returns the entity's revision, at least 1.
func (e *Entity) revision() int {
	return max(e.Revision, 1)
}

// termID returns the stable id of a term type, creating it on first use.
func (ra *ResaleAuthorization) termID(kind string) string {
	if ra.TermIDs == nil {
		ra.TermIDs = map[string]string{}
	}
	id, ok := ra.TermIDs[kind]
	if !ok {
		id = newTermID()
		ra.TermIDs[kind] = id
	}
	return id
}

// pricingTerm returns the pricing term of type t, or nil.
func pricingTermOf(terms []PricingTerm, t string) *PricingTerm {
	for i := range terms {
		if terms[i].Type == t {
			return &terms[i]
		}
	}
	return nil
}

// legalTermOf returns the legal term of type t, or nil.
func legalTermOf(terms []LegalTerm, t string) *LegalTerm {
	for i := range terms {
		if terms[i].Type == t {
			return &terms[i]
		}
	}
	return nil
}

// buyers returns the targeted buyer accounts (none means every buyer).
func (ra *ResaleAuthorization) buyers() []string {
	if ra.Targeting == nil || ra.Targeting.PositiveTargeting == nil {
		return nil
	}
	return ra.Targeting.PositiveTargeting.BuyerAccounts
}

// expired reports whether the authorization's availability ended before now.
func (ra *ResaleAuthorization) expired(now time.Time) bool {
	if ra.AvailabilityEndDate == "" {
		return false
	}
	d, err := parseDay(ra.AvailabilityEndDate)
	return err == nil && now.After(endOfDay(d))
}

// offerExtendedStatus is OfferDetails.OfferExtendedStatus.
func (ra *ResaleAuthorization) offerExtendedStatus() string {
	switch {
	case ra.OfferCreatedCount == 0:
		return "Not Started"
	case ra.OffersMaxQuantity == 1:
		return "Completed-Used"
	default:
		return "Completed-Usable"
	}
}

// clone deep-copies an entity (through JSON, which is all the state is made of).
func (e *Entity) clone() *Entity {
	b, err := json.Marshal(e)
	if err != nil {
		panic("sim: entity does not marshal: " + err.Error())
	}
	var c Entity
	if err := json.Unmarshal(b, &c); err != nil {
		panic("sim: entity does not unmarshal: " + err.Error())
	}
	return &c
}
