package awsmp

import (
	"encoding/json"
	"testing"
)

// TestErrorField maps AWS's asynchronous error codes to the opportunity's fields, finding the
// element a message names in the details AWS echoes.
func TestErrorField(t *testing.T) {
	t.Parallel()
	pricing, _ := json.Marshal(pricingDetails{PricingModel: "Contract", Terms: []pricingTerm{
		{Type: "ResaleFixedUpfrontPricingTerm", CurrencyCode: "USD", Price: "1.00", Duration: "P12M", Grants: []grant{{DimensionKey: "seats", MaxQuantity: 5}}},
		{Type: "ResaleUsageBasedPricingTerm", CurrencyCode: "USD", RateCards: []rateCard{{RateCard: []rateItem{{"api_calls", "0.1"}, {"storage_gb", "0.2"}}}}},
	}})
	payment, _ := json.Marshal(paymentDetails{Terms: []paymentScheduleTerm{{Type: "ResalePaymentScheduleTerm", CurrencyCode: "USD",
		Schedule: []charge{{"2030-04-15", "1.00"}, {"2030-10-15", "2.00"}}}}})
	targeting, _ := json.Marshal(targetingDetails{Terms: []targetingTerm{{Type: "BuyerTargetingTerm",
		PositiveTargeting: positiveTargeting{BuyerAccounts: []string{"210987654321", "123456789012"}}}}})
	cases := []struct {
		name, changeType, code, message string
		details                         []byte
		want                            string
	}{
		{"reseller", ChangeCreate, "INVALID_RESELLER_ACCOUNT", "Provide a valid reseller account.", nil, "resellerAccountId"},
		{"create default", ChangeCreate, "SOMETHING_NEW", "x", nil, "productId"},
		{"renewal without buyers", ChangeUpdateInformation, "INCOMPATIBLE_BUYER_TARGETING", "x", nil, "buyerAccountIds"},
		{"currency", ChangeUpdatePricing, "INVALID_CURRENCY_CODE", "x", pricing, "currency"},
		{"duration", ChangeUpdatePricing, "INVALID_DURATION", "x", pricing, "contractDuration"},
		{"usage dimension named", ChangeUpdatePricing, "INVALID_RATE_CARD", "Dimension storage_gb is not a ExternallyMetered dimension.", pricing, "dimensionPrices[1].dimensionKey"},
		{"usage price named", ChangeUpdatePricing, "INVALID_RATE_CARD", "The price of storage_gb is not valid", pricing, "dimensionPrices[1].price"},
		{"unpriced dimension", ChangeUpdatePricing, "INVALID_RATE_CARD", "Metered dimension events has no price.", pricing, "dimensionPrices"},
		{"entitled dimension named", ChangeUpdatePricing, "INCOMPATIBLE_PRODUCT", "Dimension seats is not an entitled dimension.", pricing, "entitledDimensions[0].dimensionKey"},
		{"pricing default", ChangeUpdatePricing, "INCOMPATIBLE_TERMS", "x", pricing, "commitAmount"},
		{"charge date named", ChangeUpdatePayment, "INVALID_CHARGE_DATES", "ChargeDate 2030-10-15 must be after AvailabilityEndDate 2030-12-31.", payment, "installments[1].chargeDate"},
		{"schedule needs one-time", ChangeUpdatePayment, "INCOMPATIBLE_TERMS", "OffersMaxQuantity and AvailabilityEndDate must be present", payment, "oneTime"},
		{"expiry", ChangeUpdateAvailability, "INVALID_AVAILABILITY_END_DATE", "x", nil, "expiryDate"},
		{"custom EULA", ChangeUpdateLegal, "INVALID_BUYER_LEGAL_DOCUMENTS", "x", nil, "eula.url"},
		{"reseller contract", ChangeUpdateLegal, "INVALID_RESALE_LEGAL_DOCUMENTS", "x", nil, "resellerContract.url"},
		{"buyer named", ChangeUpdateTargeting, "INCOMPATIBLE_BUYER_TARGETING", "Account 123456789012 cannot be targeted.", targeting, "buyerAccountIds[1]"},
		{"release misses EULA", ChangeRelease, "MISSING_MANDATORY_TERMS", "Provide a BuyerLegalTerm.", nil, "eula"},
		{"release misses pricing", ChangeRelease, "MISSING_MANDATORY_TERMS", "Provide at least one of [ResaleFixedUpfrontPricingTerm].", nil, "commitAmount"},
		{"release of a draft product", ChangeRelease, "INCOMPATIBLE_PRODUCT", "x", nil, "productId"},
		{"release default", ChangeRelease, "INCOMPATIBLE_STATUS", "x", nil, ""},
		{"unreadable details", ChangeUpdatePricing, "INVALID_RATE_CARD", "Dimension storage_gb", []byte("{"), "dimensionPrices"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := errorField(tc.changeType, tc.code, tc.message, tc.details); got != tc.want {
				t.Errorf("errorField(%s, %s, %q) = %q, want %q", tc.changeType, tc.code, tc.message, got, tc.want)
			}
		})
	}
}

// TestErrorFieldPrefersTheListTheCodeConcerns: a dimension both granted and priced is found in
// the list the error code is about.
func TestErrorFieldPrefersTheListTheCodeConcerns(t *testing.T) {
	t.Parallel()
	both, _ := json.Marshal(pricingDetails{Terms: []pricingTerm{
		{Grants: []grant{{DimensionKey: "seats", MaxQuantity: 1}}},
		{RateCards: []rateCard{{RateCard: []rateItem{{"api_calls", "1"}, {"seats", "1"}}}}},
	}})
	if got := errorField(ChangeUpdatePricing, "INVALID_RATE_CARD", "Dimension seats is not metered.", both); got != "dimensionPrices[1].dimensionKey" {
		t.Errorf("INVALID_RATE_CARD on seats = %q, want dimensionPrices[1].dimensionKey", got)
	}
	if got := errorField(ChangeUpdatePricing, "INCOMPATIBLE_PRODUCT", "Dimension seats is not entitled.", both); got != "entitledDimensions[0].dimensionKey" {
		t.Errorf("INCOMPATIBLE_PRODUCT on seats = %q, want entitledDimensions[0].dimensionKey", got)
	}
}
