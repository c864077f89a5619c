package dealdesk_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/dealdesk/dealdesk"
)

// Each rule is defined once in the domain; every validator that applies it names the field and
// says the same thing.
func TestRulesSayTheSameEverywhere(t *testing.T) {
	t.Parallel()
	const (
		accountID    = "must be a 12-digit AWS account ID"
		dimensionKey = "must be 1 to 100 letters, digits, '_', '.' or '-'"
	)
	longKey := strings.Repeat("k", 101)
	longURL := "https://example.com/" + strings.Repeat("e", 2048)
	for _, tt := range []struct {
		name, field, message string
		err                  error
	}{
		{"party account", "accountId", accountID, dealdesk.ValidateParty("123", "Ana")},
		{"entitlement buyer", "buyerAccountId", accountID,
			dealdesk.ValidateEntitlement(&dealdesk.Entitlement{ExternalID: "agmt-1", BuyerAccountID: "1234567890123"}, "")},
		{"entitlement reseller", "resellerAccountId", accountID,
			dealdesk.ValidateEntitlement(&dealdesk.Entitlement{ExternalID: "agmt-1", ResellerAccountID: "x"}, "")},
		{"entitlement status", "status", "must be one of PENDING_START, ACTIVE, CANCELLED, EXPIRED",
			dealdesk.ValidateEntitlement(&dealdesk.Entitlement{ExternalID: "agmt-1", Status: "GONE"}, "")},
		{"CPPO offer reseller", "resellerAccountId", accountID,
			dealdesk.ValidateCPPOOffer(&dealdesk.Offer{ExternalID: "offer-1", ResellerAccountID: "12345678901a"}, "")},
		{"CPPO offer buyer", "buyerAccountIds[1]", accountID,
			dealdesk.ValidateCPPOOffer(&dealdesk.Offer{ExternalID: "offer-1", BuyerAccountIDs: []string{"111122223333", "1"}}, "")},
		{"CPPO offer dimension key", "entitledDimensions[0].dimensionKey", "must be at most 100 characters",
			dealdesk.ValidateCPPOOffer(&dealdesk.Offer{ExternalID: "offer-1",
				EntitledDimensions: []dealdesk.EntitledDimension{{DimensionKey: longKey, Quantity: 1}}}, "")},
		{"CPPO offer document URL", "eula.url", "must be at most 2048 characters",
			dealdesk.ValidateCPPOOffer(&dealdesk.Offer{ExternalID: "offer-1",
				EULA: &dealdesk.Document{Type: dealdesk.DocumentCustom, URL: longURL}}, "")},
		{"opportunity reseller", "resellerAccountId", accountID,
			validateDraft(&dealdesk.Offer{ResellerAccountID: "12345"})},
		{"opportunity buyer", "buyerAccountIds[0]", accountID,
			validateDraft(&dealdesk.Offer{BuyerAccountIDs: []string{"abc"}})},
		{"opportunity currency", "currency", "must be one of USD, AUD, EUR, GBP, JPY",
			validateDraft(&dealdesk.Offer{Currency: "CHF"})},
		{"opportunity dimension key", "entitledDimensions[0].dimensionKey", dimensionKey,
			validateDraft(&dealdesk.Offer{EntitledDimensions: []dealdesk.EntitledDimension{{DimensionKey: "a b", Quantity: 1}}})},
		{"opportunity long dimension key", "dimensionPrices[0].dimensionKey", dimensionKey,
			validateDraft(&dealdesk.Offer{DimensionPrices: []dealdesk.DimensionPrice{{DimensionKey: longKey, Price: dealdesk.MustDecimal("1")}}})},
		{"opportunity document URL", "eula.url", "must be at most 2048 characters",
			validateDraft(&dealdesk.Offer{EULA: &dealdesk.Document{Type: dealdesk.DocumentCustom, URL: longURL}})},
		{"product dimension key", "dimensions[0].key", dimensionKey, productErr(longKey)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fields := dealdesk.ErrorFields(tt.err)
			if !slices.Contains(fields, dealdesk.FieldError{Field: tt.field, Message: tt.message}) {
				t.Errorf("fields %v; want %s: %s", fields, tt.field, tt.message)
			}
		})
	}
	t.Run("a valid account ID passes everywhere", func(t *testing.T) {
		t.Parallel()
		if err := dealdesk.ValidateParty("111122223333", "Ana"); err != nil {
			t.Errorf("ValidateParty: %v", err)
		}
		if err := validateDraft(&dealdesk.Offer{ResellerAccountID: "111122223333", BuyerAccountIDs: []string{"444455556666"}}); err != nil {
			t.Errorf("ValidateOpportunity: %v", err)
		}
	})
}

func TestCurrencies(t *testing.T) {
	t.Parallel()
	want := []dealdesk.Currency{dealdesk.USD, dealdesk.AUD, dealdesk.EUR, dealdesk.GBP, dealdesk.JPY}
	if !slices.Equal(dealdesk.Currencies, want) {
		t.Errorf("Currencies = %v, want %v", dealdesk.Currencies, want)
	}
	for _, c := range want {
		if !c.Valid() {
			t.Errorf("%s is not valid", c)
		}
	}
	for _, c := range []dealdesk.Currency{"", "usd", "CHF"} {
		if c.Valid() {
			t.Errorf("%q is valid", c)
		}
	}
}

// validateDraft checks o as a draft opportunity, without a product.
func validateDraft(o *dealdesk.Offer) error {
	o.Type = dealdesk.OfferCPPOOut
	return dealdesk.ValidateOpportunity(o, nil, dealdesk.NewDate(2026, 11, 26), false)
}

// productErr is the error of registering a product whose one dimension has key.
func productErr(key string) error {
	_, err := dealdesk.NewProduct(dealdesk.ProductInput{ExternalID: "prod-abc", ProductCode: "abc", Title: "T",
		Dimensions: []dealdesk.Dimension{{Key: key, Name: "N", Unit: "U", Kind: dealdesk.DimensionMetered}}})
	return err
}
