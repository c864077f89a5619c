package sim

import (
	"fmt"

	"github.com/dealdesk/dealdesk/sim/invalid"
)

// validateDetails runs the synchronous (HTTP 422) checks of one change's details; every problem
// is added to errs with prefix f.
func validateDetails(f string, changeType string, v any, errs *invalid.Fields) {
	switch d := v.(type) {
	case *createDetails:
		if d.ProductID == "" || len(d.ProductID) > 50 {
			errs.Add(f+".ProductId", "is required (1-50 characters)")
		}
		if d.Name == "" || len(d.Name) > 100 || !raNamePattern.MatchString(d.Name) {
			errs.Add(f+".Name", "is required: 1-100 characters, not starting with a space")
		}
		if len(d.Description) > 255 {
			errs.Add(f+".Description", "must be at most 255 characters")
		}
		if !accountIDPattern.MatchString(d.ResellerAccountID) {
			errs.Add(f+".ResellerAccountId", "must be 12 digits, got %q", d.ResellerAccountID)
		}
		if d.BulkRequestID != "" && !uuidPattern.MatchString(d.BulkRequestID) {
			errs.Add(f+".BulkRequestId", "must be a UUID")
		}
	case *informationDetails:
		if d.Name == nil && d.Description == nil && d.PreExistingBuyerAgreement == nil {
			errs.Add(f, "at least one of Name, Description, PreExistingBuyerAgreement is required")
		}
		if d.Name != nil && (*d.Name == "" || len(*d.Name) > 100 || !raNamePattern.MatchString(*d.Name)) {
			errs.Add(f+".Name", "must be 1-100 characters, not starting with a space")
		}
		if d.Description != nil && (*d.Description == "" || len(*d.Description) > 255) {
			errs.Add(f+".Description", "must be 1-255 characters")
		}
		if p := d.PreExistingBuyerAgreement; p != nil {
			if p.AcquisitionChannel != "External" && p.AcquisitionChannel != "AwsMarketplace" {
				errs.Add(f+".PreExistingBuyerAgreement.AcquisitionChannel", "must be External or AwsMarketplace, got %q", p.AcquisitionChannel)
			}
			switch p.PricingModel {
			case "Contract", "Usage", "Byol", "BYOL", "Free":
			default:
				errs.Add(f+".PreExistingBuyerAgreement.PricingModel", "must be Contract, Usage, Byol or Free, got %q", p.PricingModel)
			}
		}
	case *targetingDetails:
		if len(d.Terms) > 1 {
			errs.Add(f+".Terms", "must hold exactly one BuyerTargetingTerm, got %d", len(d.Terms))
		}
		for i, t := range d.Terms {
			tf := fmt.Sprintf("%s.Terms[%d]", f, i)
			if t.Type != "BuyerTargetingTerm" {
				errs.Add(tf+".Type", "must be BuyerTargetingTerm, got %q", t.Type)
			}
			if t.PositiveTargeting == nil {
				errs.Add(tf+".PositiveTargeting", "is required")
				continue
			}
			n := len(t.PositiveTargeting.BuyerAccounts)
			if n == 0 || n > 25 {
				errs.Add(tf+".PositiveTargeting.BuyerAccounts", "must hold 1-25 accounts, got %d", n)
			}
			for j, a := range t.PositiveTargeting.BuyerAccounts {
				if !accountIDPattern.MatchString(a) {
					errs.Add(fmt.Sprintf("%s.PositiveTargeting.BuyerAccounts[%d]", tf, j), "must be 12 digits, got %q", a)
				}
			}
		}
	case *availabilityDetails:
		if d.AvailabilityEndDate == nil && d.OffersMaxQuantity == nil {
			errs.Add(f, "at least one of AvailabilityEndDate, OffersMaxQuantity is required")
		}
		if d.AvailabilityEndDate != nil {
			if _, err := parseDay(*d.AvailabilityEndDate); err != nil {
				errs.Add(f+".AvailabilityEndDate", "%v", err)
			}
		}
		if d.OffersMaxQuantity != nil && *d.OffersMaxQuantity != 1 {
			errs.Add(f+".OffersMaxQuantity", "the only allowed value is 1, got %d", *d.OffersMaxQuantity)
		}
	case *validityDetails:
		if len(d.Terms) != 1 {
			errs.Add(f+".Terms", "must hold exactly one BuyerValidityTerm, got %d", len(d.Terms))
		}
		for i, t := range d.Terms {
			tf := fmt.Sprintf("%s.Terms[%d]", f, i)
			if t.Type != "BuyerValidityTerm" {
				errs.Add(tf+".Type", "must be BuyerValidityTerm, got %q", t.Type)
			}
			if _, err := parseDay(t.MaximumAgreementStartDate); err != nil {
				errs.Add(tf+".MaximumAgreementStartDate", "%v", err)
			}
		}
	case *legalDetails:
		validateLegal(f, d, errs)
	case *pricingDetails:
		validatePricing(f, d, errs)
	case *paymentDetails:
		if len(d.Terms) > 1 {
			errs.Add(f+".Terms", "must hold at most one ResalePaymentScheduleTerm, got %d", len(d.Terms))
		}
		for i, t := range d.Terms {
			tf := fmt.Sprintf("%s.Terms[%d]", f, i)
			if t.Type != "ResalePaymentScheduleTerm" {
				errs.Add(tf+".Type", "must be ResalePaymentScheduleTerm, got %q", t.Type)
			}
			if !currencyPattern.MatchString(t.CurrencyCode) {
				errs.Add(tf+".CurrencyCode", "must be a 3-letter currency code, got %q", t.CurrencyCode)
			}
			if len(t.Schedule) == 0 {
				errs.Add(tf+".Schedule", "must hold at least one installment")
			}
			for j, in := range t.Schedule {
				jf := fmt.Sprintf("%s.Schedule[%d]", tf, j)
				if _, err := parseDay(in.ChargeDate); err != nil {
					errs.Add(jf+".ChargeDate", "%v", err)
				}
				if !chargeAmount.MatchString(in.ChargeAmount) {
					errs.Add(jf+".ChargeAmount", "must be a non-negative amount with at most 2 decimals, got %q", in.ChargeAmount)
				}
			}
		}
	case *emptyDetails:
	default:
		errs.Add(f, "unsupported ChangeType %q", changeType)
	}
}

func validateLegal(f string, d *legalDetails, errs *invalid.Fields) {
	if len(d.Terms) == 0 || len(d.Terms) > 2 {
		errs.Add(f+".Terms", "must hold a BuyerLegalTerm and optionally a ResaleLegalTerm, got %d terms", len(d.Terms))
	}
	seen := map[string]bool{}
	for i, t := range d.Terms {
		tf := fmt.Sprintf("%s.Terms[%d]", f, i)
		var allowed map[string]bool
		switch t.Type {
		case "BuyerLegalTerm":
			allowed = map[string]bool{"StandardEula": false, "EnterpriseEula": false, "CustomEula": true}
		case "ResaleLegalTerm":
			allowed = map[string]bool{"StandardResellerContract": false, "CustomResellerContract": true}
		default:
			errs.Add(tf+".Type", "must be BuyerLegalTerm or ResaleLegalTerm, got %q", t.Type)
			continue
		}
		if seen[t.Type] {
			errs.Add(tf+".Type", "%s is given twice", t.Type)
		}
		seen[t.Type] = true
		if len(t.Documents) != 1 {
			errs.Add(tf+".Documents", "must hold exactly one document, got %d", len(t.Documents))
		}
		for j, doc := range t.Documents {
			df := fmt.Sprintf("%s.Documents[%d]", tf, j)
			needsURL, ok := allowed[doc.Type]
			if !ok {
				errs.Add(df+".Type", "%q is not a document type of %s", doc.Type, t.Type)
				continue
			}
			switch {
			case needsURL && doc.URL == "":
				errs.Add(df+".Url", "is required for %s", doc.Type)
			case !needsURL && doc.URL != "":
				errs.Add(df+".Url", "must not be given for %s", doc.Type)
			case doc.URL != "" && !urlPattern.MatchString(doc.URL):
				errs.Add(df+".Url", "must be an http(s) URL, got %q", doc.URL)
			}
		}
	}
}

func validatePricing(f string, d *pricingDetails, errs *invalid.Fields) {
	switch d.PricingModel {
	case "Contract", "Usage", "Free":
	default:
		errs.Add(f+".PricingModel", "must be Contract, Usage or Free, got %q", d.PricingModel)
	}
	for i, t := range d.Terms {
		tf := fmt.Sprintf("%s.Terms[%d]", f, i)
		if t.CurrencyCode == "" || !currencyPattern.MatchString(t.CurrencyCode) {
			errs.Add(tf+".CurrencyCode", "must be a 3-letter currency code, got %q", t.CurrencyCode)
		}
		switch t.Type {
		case "ResaleFixedUpfrontPricingTerm":
			if t.RateCards != nil {
				errs.Add(tf, "unknown property \"RateCards\" for %s", t.Type)
			}
			if t.Price == nil || !upfrontPrice.MatchString(*t.Price) {
				errs.Add(tf+".Price", "is required: a non-negative amount with at most 3 decimals")
			}
			if len(t.Grants) == 0 {
				errs.Add(tf+".Grants", "must hold at least one grant")
			}
			for j, g := range t.Grants {
				gf := fmt.Sprintf("%s.Grants[%d]", tf, j)
				if g.DimensionKey == "" || len(g.DimensionKey) > 100 {
					errs.Add(gf+".DimensionKey", "is required (1-100 characters)")
				}
				if g.MaxQuantity < 1 || g.MaxQuantity > 2147483646 {
					errs.Add(gf+".MaxQuantity", "must be 1-2147483646, got %d", g.MaxQuantity)
				}
			}
		case "ResaleConfigurableUpfrontPricingTerm", "ResaleUsageBasedPricingTerm":
			if t.Price != nil || t.Duration != nil || t.Grants != nil {
				errs.Add(tf, "Price, Duration and Grants are not properties of %s", t.Type)
			}
			if len(t.RateCards) == 0 {
				errs.Add(tf+".RateCards", "must hold at least one rate card")
			}
			for j, rc := range t.RateCards {
				rf := fmt.Sprintf("%s.RateCards[%d]", tf, j)
				if t.Type == "ResaleUsageBasedPricingTerm" && (rc.Selector != nil || rc.Constraints != nil) {
					errs.Add(rf, "Selector and Constraints are not properties of a usage rate card")
				}
				if t.Type == "ResaleConfigurableUpfrontPricingTerm" {
					if rc.Selector == nil || rc.Selector.Type != "Duration" {
						errs.Add(rf+".Selector", "is required with Type Duration")
					}
					if c := rc.Constraints; c != nil {
						for name, v := range map[string]string{"MultipleDimensionSelection": c.MultipleDimensionSelection, "QuantityConfiguration": c.QuantityConfiguration} {
							if v != "" && v != "Allowed" && v != "Disallowed" {
								errs.Add(rf+".Constraints."+name, "must be Allowed or Disallowed, got %q", v)
							}
						}
					}
				}
				if len(rc.RateCard) == 0 {
					errs.Add(rf+".RateCard", "must hold at least one rate")
				}
				for k, r := range rc.RateCard {
					kf := fmt.Sprintf("%s.RateCard[%d]", rf, k)
					if r.DimensionKey == "" || len(r.DimensionKey) > 100 {
						errs.Add(kf+".DimensionKey", "is required (1-100 characters)")
					}
					if !ratePrice.MatchString(r.Price) {
						errs.Add(kf+".Price", "must be a non-negative price with at most 8 decimals, got %q", r.Price)
					}
				}
			}
		default:
			errs.Add(tf+".Type", "must be ResaleFixedUpfrontPricingTerm, ResaleConfigurableUpfrontPricingTerm or ResaleUsageBasedPricingTerm, got %q", t.Type)
		}
	}
}
