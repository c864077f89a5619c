package sim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/dealdesk/dealdesk/sim/eventbus"
	"github.com/dealdesk/dealdesk/sim/invalid"
	"github.com/shopspring/decimal"
)

type createOfferInput struct {
	ResaleAuthorizationID string          `json:"resaleAuthorizationId"`
	MarkupPercentage      json.RawMessage `json:"markupPercentage"`
	BuyerAccountIDs       []string        `json:"buyerAccountIds"`
	ExpiryDate            string          `json:"expiryDate"`
	Name                  string          `json:"name"`
}

var markupPattern = regexp.MustCompile(`^\d{1,3}(\.\d{1,9})?$`)

// createOffer plays a reseller creating a CPPO offer from a resale authorization
// (CreateOfferUsingResaleAuthorization + UpdateMarkup + UpdateTargeting + ReleaseOffer).
func (s *Server) createOffer(r *http.Request, body []byte) (any, error) {
	reseller := r.PathValue("accountId")
	var in createOfferInput
	if err := decodeControl(body, &in); err != nil {
		return nil, err
	}
	var errs invalid.Fields
	bad := errs.Add
	if _, ok := s.seed.resellers[reseller]; !ok {
		bad("accountId", "%q is not a reseller of the seed", reseller)
	}
	if in.ResaleAuthorizationID == "" {
		bad("resaleAuthorizationId", "is required")
	}
	markup := "0"
	if len(in.MarkupPercentage) > 0 && string(in.MarkupPercentage) != "null" {
		m := strings.Trim(string(in.MarkupPercentage), `"`)
		if !markupPattern.MatchString(m) || decimalOf(m).GreaterThan(decimal.NewFromInt(100)) {
			bad("markupPercentage", "must be a percentage between 0 and 100 with at most 9 decimals, got %s", in.MarkupPercentage)
		} else {
			markup = m
		}
	}
	if len(in.BuyerAccountIDs) > 25 {
		bad("buyerAccountIds", "at most 25 buyer accounts, got %d", len(in.BuyerAccountIDs))
	}
	for i, b := range in.BuyerAccountIDs {
		if !accountIDPattern.MatchString(b) {
			bad(fmt.Sprintf("buyerAccountIds[%d]", i), "must be 12 digits, got %q", b)
		}
	}
	now := s.now()
	var expiry time.Time
	if in.ExpiryDate != "" {
		d, err := parseDay(in.ExpiryDate)
		if err != nil {
			bad("expiryDate", "%v", err)
		} else if !endOfDay(d).After(now) {
			bad("expiryDate", "must be in the future, got %s", in.ExpiryDate)
		}
		expiry = d
	}
	if len(errs) > 0 {
		return nil, controlInvalid(errs)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	s.advanceLocked(now)
	e := s.st.Entities[in.ResaleAuthorizationID]
	if e == nil || e.RA == nil {
		return nil, ctlErr(http.StatusNotFound, "RESOURCE_NOT_FOUND", "resale authorization "+in.ResaleAuthorizationID+" does not exist")
	}
	ra := e.RA
	incompatible := func(format string, args ...any) error {
		return ctlErr(http.StatusUnprocessableEntity, "INCOMPATIBLE_RESALE_AUTHORIZATION", fmt.Sprintf(format, args...))
	}
	switch {
	case ra.ResellerAccountID != reseller:
		return nil, incompatible("resale authorization %s is not targeted to reseller %s", e.ID, reseller)
	case ra.Status != "Active":
		return nil, incompatible("resale authorization %s is %s; only an Active one can be used", e.ID, ra.Status)
	case ra.expired(now):
		return nil, incompatible("resale authorization %s expired on %s", e.ID, ra.AvailabilityEndDate)
	case ra.OffersMaxQuantity == 1 && ra.OfferCreatedCount >= 1:
		return nil, incompatible("resale authorization %s is one-time and has already been used", e.ID)
	}
	p := s.seed.byID[ra.ProductID]
	if p == nil || (p.Visibility != "Public" && p.Visibility != "Limited") {
		return nil, ctlErr(http.StatusUnprocessableEntity, "INCOMPATIBLE_PRODUCT", "product "+ra.ProductID+" cannot be resold")
	}
	buyers := in.BuyerAccountIDs
	if allowed := ra.buyers(); len(allowed) > 0 {
		for _, b := range buyers {
			if !contains(allowed, b) {
				return nil, incompatible("buyer %s is not targeted by resale authorization %s", b, e.ID)
			}
		}
		if len(buyers) == 0 {
			buyers = append([]string(nil), allowed...)
		}
	}
	if len(buyers) == 0 {
		return nil, controlInvalid(invalid.Fields{{Field: "buyerAccountIds", Message: "a private offer needs at least one buyer account"}})
	}
	if expiry.IsZero() {
		if ra.AvailabilityEndDate != "" {
			expiry, _ = parseDay(ra.AvailabilityEndDate)
		} else {
			expiry = now.AddDate(0, 0, 30)
		}
	} else if ra.AvailabilityEndDate != "" && expiry.Format(isoDay) > ra.AvailabilityEndDate {
		return nil, incompatible("expiryDate %s is after the resale authorization's end %s", expiry.Format(isoDay), ra.AvailabilityEndDate)
	}
	name := in.Name
	if name == "" {
		name = ra.Name
	}
	offer := &Offer{Name: name, ProductID: ra.ProductID, ResaleAuthorizationID: e.ID, MarkupPercentage: markup,
		BuyerAccountIDs: buyers, AvailabilityEndDate: expiry.Format(isoDay), State: "Released",
		PricingTerms: ra.PricingTerms, PaymentSchedule: ra.PaymentSchedule, LegalTerms: ra.LegalTerms,
		Validity: ra.Validity, PreExisting: ra.PreExistingBuyerAgreement != nil, TermIDs: map[string]string{}}
	for _, kind := range []string{"LegalTerm", "FixedUpfrontPricingTerm", "ConfigurableUpfrontPricingTerm", "UsageBasedPricingTerm", "PaymentScheduleTerm", "TargetingRule", "AvailabilityRule"} {
		offer.TermIDs[kind] = newTermID()
	}
	oe := &Entity{Type: typeOffer, ID: newOfferID(), Owner: reseller, CreatedAt: now, LastModified: now, Offer: offer}
	s.st.Entities[oe.ID] = oe
	ra.OfferCreatedCount++
	e.LastModified = now
	s.bus.Publish(s.bus.OfferReleased(eventbus.OfferReleasedInput{
		Account: e.Owner, OfferID: oe.ID, OfferName: name, ExpirationDate: expiry,
		ProductID: p.ProductID, ProductTitle: p.Title,
		Manufacturer:            eventbus.Party{AccountID: e.Owner, Name: s.seed.legalName(e.Owner)},
		SellerOfRecord:          eventbus.Party{AccountID: reseller, Name: s.seed.legalName(reseller)},
		TargetedBuyerAccountIDs: buyers,
	}))
	s.markDirty()
	return map[string]any{"offerId": oe.ID, "resaleAuthorizationId": e.ID, "buyerAccountIds": buyers,
		"expiryDate": offer.AvailabilityEndDate, "markupPercentage": markup}, nil
}
