package sim

import (
	"fmt"
	"net/http"
	"sort"
	"time"

	"github.com/dealdesk/dealdesk/sim/eventbus"
	"github.com/dealdesk/dealdesk/sim/invalid"
	"github.com/shopspring/decimal"
)

type acceptInput struct {
	OfferID string `json:"offerId"`
	// AcceptanceTime (RFC 3339, optional) rehearses history: the buyer accepted then, in the
	// past but within the metering window, so that the agreement, its license and its metering
	// start then and the hours since can be metered. Default: now.
	AcceptanceTime string `json:"acceptanceTime"`
}

// acceptOutput is what a buyer's acceptance returns: the agreement, the license, the metering
// customer and the registration token the buyer's browser would post to the vendor.
type acceptOutput struct {
	AgreementID          string `json:"agreementId"`
	LicenseArn           string `json:"licenseArn"`
	CustomerIdentifier   string `json:"customerIdentifier"`
	CustomerAWSAccountID string `json:"customerAWSAccountId"`
	ProductCode          string `json:"productCode"`
	ProductID            string `json:"productId"`
	RegistrationToken    string `json:"registrationToken"`
}

// acceptOffer plays a buyer accepting a CPPO offer.
func (s *Server) acceptOffer(r *http.Request, body []byte) (any, error) {
	buyer := r.PathValue("accountId")
	var in acceptInput
	if err := decodeControl(body, &in); err != nil {
		return nil, err
	}
	var errs invalid.Fields
	if !accountIDPattern.MatchString(buyer) {
		errs.Add("accountId", "must be 12 digits, got %q", buyer)
	}
	if in.OfferID == "" {
		errs.Add("offerId", "is required")
	}
	now := s.now()
	at := now
	if in.AcceptanceTime != "" {
		var ok bool
		if at, ok = s.pastAcceptance(in.AcceptanceTime, now, &errs); !ok {
			at = now
		}
	}
	if len(errs) > 0 {
		return nil, controlInvalid(errs)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advanceLocked(now) // what fell due before this call is emitted before its events
	oe := s.st.Entities[in.OfferID]
	if oe == nil || oe.Offer == nil {
		return nil, ctlErr(http.StatusNotFound, "RESOURCE_NOT_FOUND", "offer "+in.OfferID+" does not exist")
	}
	o := oe.Offer
	if !contains(o.BuyerAccountIDs, buyer) {
		return nil, ctlErr(http.StatusForbidden, "BUYER_NOT_TARGETED", fmt.Sprintf("offer %s is not targeted to buyer %s", oe.ID, buyer))
	}
	if day, _ := parseDay(o.AvailabilityEndDate); at.After(endOfDay(day)) {
		return nil, ctlErr(http.StatusUnprocessableEntity, "OFFER_EXPIRED", fmt.Sprintf("offer %s expired on %s", oe.ID, o.AvailabilityEndDate))
	}
	for _, a := range s.st.Agreements {
		if a.OfferID == oe.ID && a.Acceptor == buyer {
			return nil, ctlErr(http.StatusConflict, "ALREADY_ACCEPTED", fmt.Sprintf("buyer %s already accepted offer %s: agreement %s", buyer, oe.ID, a.ID))
		}
	}
	p := s.seed.byID[o.ProductID]
	if p == nil {
		return nil, ctlErr(http.StatusUnprocessableEntity, "INCOMPATIBLE_PRODUCT", "product "+o.ProductID+" is not in the seed")
	}
	markup := decimalOf(o.MarkupPercentage)
	a := &Agreement{
		ID: newAgreementID(), Seq: len(s.st.Agreements) + 1, OfferID: oe.ID, ProductID: p.ProductID, ProductCode: p.ProductCode, MeteringMode: p.MeteringMode,
		Proposer: oe.Owner, Acceptor: buyer, Manufacturer: s.seed.seed.Seller.AccountID, Status: agreementActive, Intent: "NEW",
		AcceptanceTime: at, StartTime: at, LastUpdateTime: at,
		LicenseArn: newLicenseArn(s.seed.seed.Seller.AccountID), RegistrationToken: newRegistrationToken(),
		MarkupPercentage: o.MarkupPercentage, LegalTerms: o.LegalTerms, Validity: o.Validity, TermIDs: o.TermIDs,
	}
	if raE := s.st.Entities[o.ResaleAuthorizationID]; raE != nil && raE.RA != nil {
		a.ResaleAuthorizationID = raE.ID
		if pre := raE.RA.PreExistingBuyerAgreement; pre != nil && pre.AcquisitionChannel == "AwsMarketplace" {
			a.Intent = "RENEW"
		}
	}
	// One customer identifier per buyer and product, reused across agreements.
	for _, prev := range sortedAgreements(s.st.Agreements) {
		if prev.Acceptor == buyer && prev.ProductCode == p.ProductCode {
			a.CustomerIdentifier = prev.CustomerIdentifier
		}
	}
	if a.CustomerIdentifier == "" {
		a.CustomerIdentifier = newCustomerIdentifier()
	}
	value := decimal.Zero
	for _, t := range o.PricingTerms {
		t2 := t
		a.CurrencyCode = t.CurrencyCode
		if t.Price != nil {
			v := withMarkup(*t.Price, markup, 2)
			t2.Price = &v
			value = value.Add(decimalOf(v))
		}
		if t.Type == "ResaleFixedUpfrontPricingTerm" {
			a.Grants = append([]Grant(nil), t.Grants...)
			if t.Duration != nil {
				if end, ok := addPeriod(at, *t.Duration); ok {
					a.EndTime = end
				}
			}
		}
		t2.RateCards = nil
		for _, rc := range t.RateCards {
			rc2 := rc
			rc2.RateCard = nil
			for _, rate := range rc.RateCard {
				rc2.RateCard = append(rc2.RateCard, Rate{DimensionKey: rate.DimensionKey, Price: withMarkup(rate.Price, markup, 8)})
			}
			t2.RateCards = append(t2.RateCards, rc2)
		}
		a.PricingTerms = append(a.PricingTerms, t2)
	}
	if ps := o.PaymentSchedule; ps != nil {
		ps2 := &PaymentScheduleTerm{Type: ps.Type, CurrencyCode: ps.CurrencyCode}
		for _, in := range ps.Schedule {
			amt := withMarkup(in.ChargeAmount, markup, 2)
			ps2.Schedule = append(ps2.Schedule, Installment{ChargeDate: in.ChargeDate, ChargeAmount: amt})
			value = value.Add(decimalOf(amt))
		}
		a.PaymentSchedule = ps2
		a.CurrencyCode = ps.CurrencyCode
	}
	if a.CurrencyCode != "" {
		a.Value = value.StringFixed(2)
	}
	s.st.Agreements[a.ID] = a
	o.AcceptedCount++
	s.indexAgreementLocked(a)

	// An acceptance in the past is dated then, as AWS would have sent it.
	created, license := s.bus.PurchaseAgreementCreated(s.agreementEvent(a, false)), s.bus.LicenseUpdated(s.licenseEvent(a))
	created.Time, license.Time = at.UTC().Format(isoSecond), at.UTC().Format(isoSecond)
	s.bus.Publish(created)
	s.bus.Publish(license)
	s.bus.PublishMessage(s.bus.SubscribeSuccess(eventbus.SubscriptionInput{CustomerIdentifier: a.CustomerIdentifier, ProductCode: a.ProductCode, OfferID: a.OfferID}))
	s.bus.PublishMessage(s.bus.EntitlementUpdated(eventbus.EntitlementInput{CustomerIdentifier: a.CustomerIdentifier, ProductCode: a.ProductCode}))
	s.markDirty()
	return acceptOutput{AgreementID: a.ID, LicenseArn: a.LicenseArn, CustomerIdentifier: a.CustomerIdentifier,
		CustomerAWSAccountID: buyer, ProductCode: a.ProductCode, ProductID: a.ProductID, RegistrationToken: a.RegistrationToken}, nil
}

// pastAcceptance parses an acceptanceTime: RFC 3339, not after now and not before the oldest
// hour BatchMeterUsage still accepts (now − MeteringWindow), so that every hour of the agreement
// can still be metered. A bad one is added to errs, named acceptanceTime.
func (s *Server) pastAcceptance(v string, now time.Time, errs *invalid.Fields) (time.Time, bool) {
	at, err := time.Parse(time.RFC3339, v)
	if err != nil {
		errs.Add("acceptanceTime", "must be an RFC 3339 time such as 2026-11-26T07:00:00Z, got %.40q", v)
		return time.Time{}, false
	}
	at = at.UTC()
	oldest := now.Add(-s.cfg.MeteringWindow)
	switch {
	case at.After(now):
		errs.Add("acceptanceTime", "must not be in the future: %s is after now (%s)", at.Format(time.RFC3339), now.UTC().Format(time.RFC3339))
		return time.Time{}, false
	case at.Before(oldest):
		errs.Add("acceptanceTime", "must be within the metering window of %s: %s is before %s", s.cfg.MeteringWindow, at.Format(time.RFC3339), oldest.UTC().Format(time.RFC3339))
		return time.Time{}, false
	}
	return at, true
}

type amendInput struct {
	Grants []struct {
		DimensionKey string `json:"dimensionKey"`
		MaxQuantity  int64  `json:"maxQuantity"`
	} `json:"grants"`
	EndDate string `json:"endDate"`
}

// amendAgreement plays an amendment (for example an upgrade): new entitled quantities and/or a
// new end date.
func (s *Server) amendAgreement(r *http.Request, body []byte) (any, error) {
	var in amendInput
	if err := decodeControl(body, &in); err != nil {
		return nil, err
	}
	return s.onActiveAgreement(r, func(a *Agreement, now time.Time) (any, error) {
		return s.amendLocked(a, in, now)
	})
}

// amendLocked applies in to the active agreement a, with s.mu held.
func (s *Server) amendLocked(a *Agreement, in amendInput, now time.Time) (any, error) {
	p := s.seed.byID[a.ProductID]
	var errs invalid.Fields
	var grants []Grant
	for i, g := range in.Grants {
		f := fmt.Sprintf("grants[%d]", i)
		if d, ok := p.dimension(g.DimensionKey); !ok || !d.has(DimensionEntitled) {
			errs.Add(f+".dimensionKey", "%q is not an entitled dimension of %s", g.DimensionKey, p.ProductID)
		}
		if g.MaxQuantity < 1 {
			errs.Add(f+".maxQuantity", "must be at least 1, got %d", g.MaxQuantity)
		}
		grants = append(grants, Grant{DimensionKey: g.DimensionKey, MaxQuantity: g.MaxQuantity})
	}
	var end = a.EndTime
	if in.EndDate != "" {
		d, err := parseDay(in.EndDate)
		if err != nil || !endOfDay(d).After(now) {
			errs.Add("endDate", "must be a future date (YYYY-MM-DD), got %q", in.EndDate)
		}
		end = endOfDay(d)
	}
	if len(errs) > 0 {
		return nil, controlInvalid(errs)
	}
	if len(grants) > 0 {
		a.Grants = grants
	}
	a.EndTime = end
	a.LastUpdateTime = now
	a.Amendments++
	s.bus.Publish(s.bus.PurchaseAgreementAmended(s.agreementEvent(a, true)))
	s.bus.Publish(s.bus.LicenseUpdated(s.licenseEvent(a)))
	s.bus.PublishMessage(s.bus.EntitlementUpdated(eventbus.EntitlementInput{CustomerIdentifier: a.CustomerIdentifier, ProductCode: a.ProductCode}))
	s.markDirty()
	return s.agreementView(a), nil
}

// onActiveAgreement runs fn on the agreement r's path names, which must exist and be active (see
// activeAgreementLocked), with s.mu held and the state advanced to now: what fell due before
// this call is emitted before its events.
func (s *Server) onActiveAgreement(r *http.Request, fn func(a *Agreement, now time.Time) (any, error)) (any, error) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advanceLocked(now)
	a, err := s.activeAgreementLocked(r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	return fn(a, now)
}

// activeAgreementLocked returns the agreement id names, which must exist (404) and be active
// (409). s.mu must be held.
func (s *Server) activeAgreementLocked(id string) (*Agreement, error) {
	a := s.st.Agreements[id]
	if a == nil {
		return nil, ctlErr(http.StatusNotFound, "RESOURCE_NOT_FOUND", "agreement "+id+" does not exist")
	}
	if a.Status != agreementActive {
		return nil, ctlErr(http.StatusConflict, "AGREEMENT_NOT_ACTIVE", fmt.Sprintf("agreement %s is already %s", a.ID, a.Status))
	}
	return a, nil
}

type endInput struct {
	Status string `json:"status"`
}

// endAgreement plays the end of an agreement (cancellation, expiry or termination).
func (s *Server) endAgreement(r *http.Request, body []byte) (any, error) {
	var in endInput
	if err := decodeControl(body, &in); err != nil {
		return nil, err
	}
	if in.Status == "" {
		in.Status = "CANCELLED"
	}
	switch in.Status {
	case "CANCELLED", "EXPIRED", "TERMINATED":
	default:
		return nil, controlInvalid(invalid.Fields{{Field: "status", Message: fmt.Sprintf("must be CANCELLED, EXPIRED or TERMINATED, got %q", in.Status)}})
	}
	return s.onActiveAgreement(r, func(a *Agreement, now time.Time) (any, error) {
		s.endLocked(a, in.Status, now)
		return s.agreementView(a), nil
	})
}

func (s *Server) getAgreement(r *http.Request, _ []byte) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.st.Agreements[r.PathValue("id")]
	if a == nil {
		return nil, ctlErr(http.StatusNotFound, "RESOURCE_NOT_FOUND", "agreement "+r.PathValue("id")+" does not exist")
	}
	return s.agreementView(a), nil
}

// listAgreements serves GET /_sim/agreements, optionally filtered by offerId, acceptor,
// proposer, productCode or status.
func (s *Server) listAgreements(r *http.Request, _ []byte) (any, error) {
	q := r.URL.Query()
	match := func(k, v string) bool { return q.Get(k) == "" || q.Get(k) == v }
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []map[string]any{}
	for _, a := range sortedAgreements(s.st.Agreements) {
		if match("offerId", a.OfferID) && match("acceptor", a.Acceptor) && match("proposer", a.Proposer) &&
			match("productCode", a.ProductCode) && match("status", a.Status) {
			out = append(out, s.agreementView(a))
		}
	}
	return map[string]any{"agreements": out}, nil
}

// agreementView is the control API's view of an agreement.
func (s *Server) agreementView(a *Agreement) map[string]any {
	return map[string]any{"agreementId": a.ID, "status": a.Status, "offerId": a.OfferID,
		"resaleAuthorizationId": a.ResaleAuthorizationID, "proposer": a.Proposer, "acceptor": a.Acceptor,
		"productId": a.ProductID, "productCode": a.ProductCode, "licenseArn": a.LicenseArn,
		"customerIdentifier": a.CustomerIdentifier, "grants": a.Grants, "startTime": a.StartTime,
		"endTime": a.EndTime, "amendments": a.Amendments}
}

// sortedAgreements returns agreements in creation order.
func sortedAgreements(m map[string]*Agreement) []*Agreement {
	out := make([]*Agreement, 0, len(m))
	for _, a := range m {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	return out
}
