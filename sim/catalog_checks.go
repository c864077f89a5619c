package sim

import (
	"fmt"
	"time"
)

// checkPricing runs the asynchronous checks of UpdatePricingTerms against the product.
func (s *Server) checkPricing(ra *ResaleAuthorization, d *pricingDetails) []ErrorDetail {
	var errs []ErrorDetail
	add := func(code, format string, args ...any) {
		errs = append(errs, ErrorDetail{ErrorCode: code, ErrorMessage: fmt.Sprintf(format, args...)})
	}
	p := s.seed.byID[ra.ProductID]
	types := map[string]int{}
	currency := ""
	for _, t := range d.Terms {
		types[t.Type]++
		if types[t.Type] == 2 {
			add("INCOMPATIBLE_TERMS", "%s is given more than once.", t.Type)
		}
		if !supportedCurrency[t.CurrencyCode] {
			add("INVALID_CURRENCY_CODE", "CurrencyCode %s is not supported; use USD, AUD, EUR, GBP or JPY.", t.CurrencyCode)
		} else if t.Type == "ResaleUsageBasedPricingTerm" && t.CurrencyCode != "USD" {
			add("INVALID_CURRENCY_CODE", "ResaleUsageBasedPricingTerm supports USD only, got %s.", t.CurrencyCode)
		}
		if currency != "" && t.CurrencyCode != currency {
			add("INCOMPATIBLE_CURRENCY_CODE", "All pricing terms must use one currency; got %s and %s.", currency, t.CurrencyCode)
		}
		currency = t.CurrencyCode
		switch t.Type {
		case "ResaleFixedUpfrontPricingTerm":
			if t.Duration == nil || *t.Duration == "" {
				add("MISSING_DURATION", "ResaleFixedUpfrontPricingTerm needs a Duration.")
			} else if _, _, _, ok := parsePeriod(*t.Duration); !ok {
				add("INVALID_DURATION", "Duration %s is not an ISO-8601 period such as P12M.", *t.Duration)
			}
			if len(t.Grants) > 200 {
				add("TOO_MANY_GRANTS", "At most 200 grants, got %d.", len(t.Grants))
			}
			keys := map[string]bool{}
			for _, g := range t.Grants {
				if keys[g.DimensionKey] {
					add("DUPLICATE_DIMENSION_KEYS", "Dimension %s is granted more than once.", g.DimensionKey)
				}
				keys[g.DimensionKey] = true
				if dim, ok := p.dimension(g.DimensionKey); !ok || !dim.has(DimensionEntitled) {
					add("INCOMPATIBLE_PRODUCT", "Dimension %s is not an entitled dimension of product %s.", g.DimensionKey, p.ProductID)
				}
			}
		case "ResaleConfigurableUpfrontPricingTerm":
			if len(t.RateCards) > 5 {
				add("TOO_MANY_RATE_CARDS", "At most 5 rate cards, got %d.", len(t.RateCards))
			}
			selectors := map[string]bool{}
			for _, rc := range t.RateCards {
				if rc.Selector != nil {
					if _, _, _, ok := parsePeriod(rc.Selector.Value); !ok {
						add("INVALID_SELECTOR_DURATION_VALUE", "Selector value %s is not an ISO-8601 period.", rc.Selector.Value)
					}
					if selectors[rc.Selector.Value] {
						add("DUPLICATE_SELECTORS", "Selector %s is used more than once.", rc.Selector.Value)
					}
					selectors[rc.Selector.Value] = true
				}
				if len(rc.RateCard) > 800 {
					add("TOO_MANY_RATES", "At most 800 rates per rate card, got %d.", len(rc.RateCard))
				}
				errs = append(errs, checkRates(p, rc.RateCard, DimensionEntitled, false)...)
			}
		case "ResaleUsageBasedPricingTerm":
			if len(t.RateCards) != 1 {
				add("INVALID_RATE_CARD", "ResaleUsageBasedPricingTerm takes exactly one rate card, got %d.", len(t.RateCards))
			}
			for _, rc := range t.RateCards {
				errs = append(errs, checkRates(p, rc.RateCard, DimensionMetered, true)...)
			}
		}
	}
	fixed, conf, usage := types["ResaleFixedUpfrontPricingTerm"] > 0, types["ResaleConfigurableUpfrontPricingTerm"] > 0, types["ResaleUsageBasedPricingTerm"] > 0
	if fixed && conf {
		add("INCOMPATIBLE_TERMS", "ResaleFixedUpfrontPricingTerm and ResaleConfigurableUpfrontPricingTerm can't be combined.")
	}
	switch d.PricingModel {
	case "Contract":
		if !fixed && !conf {
			add("INCOMPATIBLE_TERMS", "PricingModel Contract needs a ResaleFixedUpfrontPricingTerm or ResaleConfigurableUpfrontPricingTerm.")
		}
	case "Usage":
		if !usage || fixed || conf {
			add("INCOMPATIBLE_TERMS", "PricingModel Usage takes a ResaleUsageBasedPricingTerm only.")
		}
	}
	if ps := ra.PaymentSchedule; ps != nil && currency != "" && ps.CurrencyCode != currency {
		add("INCOMPATIBLE_CURRENCY_CODE", "The payment schedule uses %s but the pricing terms use %s.", ps.CurrencyCode, currency)
	}
	return errs
}

// checkRates checks the dimension keys of a rate card: each a dimension of the product with the
// given type, no key twice, and (for usage) every metered dimension priced.
func checkRates(p *Product, rates []Rate, dimType string, all bool) []ErrorDetail {
	var errs []ErrorDetail
	keys := map[string]bool{}
	for _, r := range rates {
		if keys[r.DimensionKey] {
			errs = append(errs, ErrorDetail{"DUPLICATE_DIMENSION_KEYS", fmt.Sprintf("Dimension %s is priced more than once.", r.DimensionKey)})
		}
		keys[r.DimensionKey] = true
		if dim, ok := p.dimension(r.DimensionKey); !ok || !dim.has(dimType) {
			errs = append(errs, ErrorDetail{"INVALID_RATE_CARD", fmt.Sprintf("Dimension %s is not a %s dimension of product %s.", r.DimensionKey, dimType, p.ProductID)})
		}
	}
	if all {
		for _, dim := range p.Dimensions {
			if dim.has(dimType) && !keys[dim.Key] {
				errs = append(errs, ErrorDetail{"INVALID_RATE_CARD", fmt.Sprintf("Metered dimension %s has no price; every metered dimension must be priced.", dim.Key)})
			}
		}
	}
	return errs
}

// releaseChecks validates the whole resale authorization a change set releases, attributing
// each problem to the change that concerns it (or to the release itself).
func (s *Server) releaseChecks(e *Entity, types map[string]int, release int, errsBy [][]ErrorDetail, at time.Time) {
	ra := e.RA
	if len(errsBy[release]) > 0 { // already released: INCOMPATIBLE_STATUS
		return
	}
	to := func(changeType string) int {
		if i, ok := types[changeType]; ok {
			return i
		}
		return release
	}
	add := func(i int, code, format string, args ...any) {
		errsBy[i] = append(errsBy[i], ErrorDetail{ErrorCode: code, ErrorMessage: fmt.Sprintf(format, args...)})
	}
	if p := s.seed.byID[ra.ProductID]; p != nil && p.Visibility != "Public" && p.Visibility != "Limited" {
		add(release, "INCOMPATIBLE_PRODUCT", "Product %s must be Limited or Public to be resold; it is %s.", p.ProductID, p.Visibility)
	}
	if legalTermOf(ra.LegalTerms, "BuyerLegalTerm") == nil {
		add(release, "MISSING_MANDATORY_TERMS", "Provide a BuyerLegalTerm.")
	}
	if len(ra.PricingTerms) == 0 {
		add(release, "MISSING_MANDATORY_TERMS", "Provide at least one of [ResaleFixedUpfrontPricingTerm, ResaleConfigurableUpfrontPricingTerm, ResaleUsageBasedPricingTerm].")
	}
	if ra.PreExistingBuyerAgreement != nil && len(ra.buyers()) == 0 {
		add(to(ctUpdateInformation), "INCOMPATIBLE_BUYER_TARGETING", "A resale authorization for a pre-existing buyer agreement must target at least one buyer account.")
	}
	if ps := ra.PaymentSchedule; ps != nil && pricingTermOf(ra.PricingTerms, "ResaleFixedUpfrontPricingTerm") == nil {
		if _, ok := types[ctUpdatePayment]; ok {
			add(types[ctUpdatePayment], "MISSING_MANDATORY_TERMS", "Provide a ResaleFixedUpfrontPricingTerm and ResalePaymentScheduleTerm together.")
		} else {
			add(release, "INCOMPATIBLE_PRICING_TERM", "ResalePaymentScheduleTerm and ResaleFixedUpfrontPricingTerm must be given together.")
		}
	}
	scheduleChecks(ra, types, release, errsBy)
	if ra.expired(at) {
		add(to(ctUpdateAvailability), "INVALID_AVAILABILITY_END_DATE", "AvailabilityEndDate %s has passed.", ra.AvailabilityEndDate)
	}
}

// scheduleChecks checks that a payment schedule fits the rest of the resale authorization once
// a change set has applied its changes (reference §1.3): it needs a one-time authorization with
// an availability end date (INCOMPATIBLE_TERMS), every charge date after that end date, and the
// pricing terms' currency. It runs for a change set that sets the schedule or the availability,
// with or without a release; release is the index of the release change, or -1.
func scheduleChecks(ra *ResaleAuthorization, types map[string]int, release int, errsBy [][]ErrorDetail) {
	ps := ra.PaymentSchedule
	pi, setsPayment := types[ctUpdatePayment]
	ai, setsAvailability := types[ctUpdateAvailability]
	if !setsPayment {
		pi = -1
	}
	if !setsAvailability {
		ai = -1
	}
	if ps == nil || (release < 0 && !setsPayment && !setsAvailability) {
		return
	}
	for _, i := range []int{pi, ai, release} {
		if i >= 0 && hasErrorCode(errsBy[i], "INCOMPATIBLE_STATUS") {
			return // not a draft: nothing was applied to check
		}
	}
	// Problems go to the change that made them, else to the release, else to whichever of the
	// schedule and availability changes the change set holds.
	to := func(preferred string) int {
		if i, ok := types[preferred]; ok {
			return i
		}
		if release >= 0 {
			return release
		}
		if setsPayment {
			return pi
		}
		return ai
	}
	add := func(i int, code, format string, args ...any) {
		errsBy[i] = append(errsBy[i], ErrorDetail{ErrorCode: code, ErrorMessage: fmt.Sprintf(format, args...)})
	}
	if ra.OffersMaxQuantity != 1 || ra.AvailabilityEndDate == "" {
		add(to(ctUpdatePayment), "INCOMPATIBLE_TERMS", "OffersMaxQuantity and AvailabilityEndDate must be present with ResalePaymentScheduleTerm.")
	}
	if ra.AvailabilityEndDate != "" {
		for _, in := range ps.Schedule {
			if in.ChargeDate <= ra.AvailabilityEndDate {
				if setsAvailability {
					add(ai, "INVALID_AVAILABILITY_END_DATE", "AvailabilityEndDate %s must be before every ChargeDate; %s is not after it.", ra.AvailabilityEndDate, in.ChargeDate)
				} else {
					add(to(ctUpdatePayment), "INVALID_CHARGE_DATES", "ChargeDate %s must be after AvailabilityEndDate %s.", in.ChargeDate, ra.AvailabilityEndDate)
				}
				break
			}
		}
	}
	for _, t := range ra.PricingTerms {
		if t.CurrencyCode != ps.CurrencyCode {
			add(to(ctUpdatePayment), "INCOMPATIBLE_CURRENCY_CODE", "The payment schedule uses %s but %s uses %s.", ps.CurrencyCode, t.Type, t.CurrencyCode)
			break
		}
	}
}

// hasErrorCode reports whether errs holds code.
func hasErrorCode(errs []ErrorDetail, code string) bool {
	for _, e := range errs {
		if e.ErrorCode == code {
			return true
		}
	}
	return false
}
