package dealdesk_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/dealdesk/dealdesk"
)

var today = dealdesk.NewDate(2026, 11, 26)

func testProduct() *dealdesk.Product {
	return &dealdesk.Product{
		ID: "prd_1", ExternalID: "prod-abc123", ProductCode: "abc123", Title: "Analytics",
		Dimensions: []dealdesk.Dimension{
			{Key: "users", Name: "Users", Unit: "Users", Kind: dealdesk.DimensionEntitled},
			{Key: "api_calls", Name: "API calls", Unit: "Requests", Kind: dealdesk.DimensionMetered},
		},
	}
}

// mustDate parses a date literal of the fixtures; a malformed literal is a bug in the test, so it
// panics (the fixtures have no t, and the parallel subtests must not FailNow their parent).
func mustDate(s string) dealdesk.Date {
	v, err := dealdesk.ParseDate(s)
	if err != nil {
		panic(fmt.Sprintf("date literal %q: %v", s, err))
	}
	return v
}

func validOpportunity() *dealdesk.Offer {
	d := func(s string) *dealdesk.Date { v := mustDate(s); return &v }
	c := dealdesk.MustDecimal("12000.00")
	return &dealdesk.Offer{
		Type: dealdesk.OfferCPPOOut, Name: "Acme via Partner", ProductID: "prd_1",
		ResellerAccountID: "123456789012", BuyerAccountIDs: []string{"210987654321"},
		CommitAmount: &c, Currency: dealdesk.USD, ContractDuration: "P12M",
		EntitledDimensions: []dealdesk.EntitledDimension{{DimensionKey: "users", Quantity: 10}},
		DimensionPrices:    []dealdesk.DimensionPrice{{DimensionKey: "api_calls", Price: dealdesk.MustDecimal("0.002")}},
		ExpiryDate:         d("2027-06-30"), OneTime: true,
		EULA: &dealdesk.Document{Type: dealdesk.DocumentStandard},
		Installments: []dealdesk.Installment{
			{ChargeDate: *d("2027-07-15"), Amount: dealdesk.MustDecimal("6000.00")},
			{ChargeDate: *d("2028-01-15"), Amount: dealdesk.MustDecimal("6000.00")},
		},
	}
}

func TestValidateOpportunity(t *testing.T) {
	t.Parallel()
	date := mustDate
	cases := []struct {
		name   string
		change func(o *dealdesk.Offer)
		field  string
	}{
		{"reseller not 12 digits", func(o *dealdesk.Offer) { o.ResellerAccountID = "12345" }, "resellerAccountId"},
		{"26 buyers", func(o *dealdesk.Offer) {
			o.BuyerAccountIDs = nil
			for i := range 26 {
				o.BuyerAccountIDs = append(o.BuyerAccountIDs, fmt.Sprintf("1000000000%02d", i))
			}
		}, "buyerAccountIds"},
		{"bad buyer", func(o *dealdesk.Offer) { o.BuyerAccountIDs = []string{"210987654321", "x"} }, "buyerAccountIds[1]"},
		{"renewal without buyers", func(o *dealdesk.Offer) {
			o.Renewal, o.RenewalChannel, o.BuyerAccountIDs = true, dealdesk.RenewalExternal, nil
		}, "buyerAccountIds"},
		{"custom EULA over http", func(o *dealdesk.Offer) {
			o.EULA = &dealdesk.Document{Type: dealdesk.DocumentCustom, URL: "http://example.com/eula.pdf"}
		}, "eula.url"},
		{"expiry in the past", func(o *dealdesk.Offer) { v := date("2026-11-01"); o.ExpiryDate = &v }, "expiryDate"},
		{"negative commit", func(o *dealdesk.Offer) { v := dealdesk.MustDecimal("-1.00"); o.CommitAmount = &v }, "commitAmount"},
		{"commit with 3 decimals", func(o *dealdesk.Offer) { v := dealdesk.MustDecimal("12000.000"); o.CommitAmount = &v }, "commitAmount"},
		{"installments off the commit", func(o *dealdesk.Offer) { o.Installments[1].Amount = dealdesk.MustDecimal("5999.99") }, "installments"},
		{"installments multi-use", func(o *dealdesk.Offer) { o.OneTime = false }, "installments"},
		{"installments without expiry", func(o *dealdesk.Offer) { o.ExpiryDate = nil }, "installments"},
		{"installment dates repeat", func(o *dealdesk.Offer) { o.Installments[1].ChargeDate = o.Installments[0].ChargeDate }, "installments[1].chargeDate"},
		{"installment in the past", func(o *dealdesk.Offer) { o.Installments[0].ChargeDate = date("2026-01-01") }, "installments[0].chargeDate"},
		{"installment before expiry", func(o *dealdesk.Offer) { o.Installments[0].ChargeDate = date("2027-06-30") }, "installments[0].chargeDate"},
		{"installments on a usage-only opportunity", func(o *dealdesk.Offer) {
			c := dealdesk.MustDecimal("0.00")
			o.CommitAmount, o.EntitledDimensions = &c, nil
			o.Installments[0].Amount, o.Installments[1].Amount = c, c
		}, "installments"},
		{"201 entitled dimensions in a draft's list", func(o *dealdesk.Offer) {
			o.EntitledDimensions = nil
			for i := range 201 {
				o.EntitledDimensions = append(o.EntitledDimensions, dealdesk.EntitledDimension{DimensionKey: fmt.Sprint("d", i), Quantity: 1})
			}
		}, "entitledDimensions"},
		{"61 installments", func(o *dealdesk.Offer) {
			o.Installments = nil
			for i := range 61 {
				o.Installments = append(o.Installments, dealdesk.Installment{ChargeDate: date("2027-07-01").AddDays(i), Amount: dealdesk.MustDecimal("0.00")})
			}
		}, "installments"},
		{"metered dimension unpriced", func(o *dealdesk.Offer) { o.DimensionPrices = nil }, "dimensionPrices"},
		{"price for unknown dimension", func(o *dealdesk.Offer) {
			o.DimensionPrices = append(o.DimensionPrices, dealdesk.DimensionPrice{DimensionKey: "gpu", Price: dealdesk.MustDecimal("1")})
		}, "dimensionPrices[1].dimensionKey"},
		{"price for entitled dimension", func(o *dealdesk.Offer) {
			o.DimensionPrices = append(o.DimensionPrices, dealdesk.DimensionPrice{DimensionKey: "users", Price: dealdesk.MustDecimal("1")})
		}, "dimensionPrices[1].dimensionKey"},
		{"entitlement for metered dimension", func(o *dealdesk.Offer) {
			o.EntitledDimensions[0].DimensionKey = "api_calls"
		}, "entitledDimensions[0].dimensionKey"},
		{"unknown currency", func(o *dealdesk.Offer) { o.Currency = "CHF" }, "currency"},
		{"metered price left out", func(o *dealdesk.Offer) { o.DimensionPrices[0].Price = dealdesk.Decimal{} }, "dimensionPrices[0].price"},
		{"installment amount left out", func(o *dealdesk.Offer) { o.Installments[0].Amount = dealdesk.Decimal{} }, "installments[0].amount"},
		{"expiry exactly today", func(o *dealdesk.Offer) { o.ExpiryDate = &today }, "expiryDate"},
		{"installment exactly today", func(o *dealdesk.Offer) { o.Installments[0].ChargeDate = today }, "installments[0].chargeDate"},
		{"price with 9 decimals", func(o *dealdesk.Offer) { o.DimensionPrices[0].Price = dealdesk.MustDecimal("0.000000001") }, "dimensionPrices[0].price"},
		{"JPY with decimals", func(o *dealdesk.Offer) {
			o.Currency, o.DimensionPrices = dealdesk.JPY, nil
		}, "commitAmount"},
		{"bad duration", func(o *dealdesk.Offer) { o.ContractDuration = "12 months" }, "contractDuration"},
		{"zero duration", func(o *dealdesk.Offer) { o.ContractDuration = "P0M" }, "contractDuration"},
		{"NUL in the name", func(o *dealdesk.Offer) { o.Name = "Acme\x00" }, "name"},
		{"invalid UTF-8 in the description", func(o *dealdesk.Offer) { o.Description = "caf\xe9" }, "description"},
		{"invalid UTF-8 in a custom EULA URL", func(o *dealdesk.Offer) {
			o.EULA = &dealdesk.Document{Type: dealdesk.DocumentCustom, URL: "https://example.com/\xff.pdf"}
		}, "eula.url"},
		{"dimension key of 101 characters", func(o *dealdesk.Offer) {
			o.EntitledDimensions[0].DimensionKey = strings.Repeat("u", 101)
		}, "entitledDimensions[0].dimensionKey"},
		{"duration of many digits", func(o *dealdesk.Offer) { o.ContractDuration = "P" + strings.Repeat("9", 40) + "M" }, "contractDuration"},
		{"missing name", func(o *dealdesk.Offer) { o.Name = "" }, "name"},
		{"renewal channel without renewal", func(o *dealdesk.Offer) { o.RenewalChannel = dealdesk.RenewalExternal }, "renewalChannel"},
	}
	if err := dealdesk.ValidateOpportunity(validOpportunity(), testProduct(), today, true); err != nil {
		t.Fatalf("valid opportunity rejected: %v", err)
	}
	unicode := validOpportunity()
	unicode.Name, unicode.Description = "Ünïcødé 東京 via Partner", "Zeile eins\nZeile zwei\t✓"
	if err := dealdesk.ValidateOpportunity(unicode, testProduct(), today, true); err != nil {
		t.Fatalf("unicode text rejected: %v", err)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o := validOpportunity()
			tc.change(o)
			err := dealdesk.ValidateOpportunity(o, testProduct(), today, true)
			if dealdesk.ErrorCode(err) != dealdesk.EINVALID {
				t.Fatalf("got %v, want EINVALID", err)
			}
			fields := []string{}
			for _, f := range dealdesk.ErrorFields(err) {
				fields = append(fields, f.Field)
			}
			if !slices.Contains(fields, tc.field) {
				t.Fatalf("fields %v do not name %q", fields, tc.field)
			}
		})
	}
}

func TestValidateOpportunityDraft(t *testing.T) {
	t.Parallel()
	draft := &dealdesk.Offer{Type: dealdesk.OfferCPPOOut, Name: "Half done"}
	if err := dealdesk.ValidateOpportunity(draft, nil, today, false); err != nil {
		t.Fatalf("draft with missing fields rejected: %v", err)
	}
	if err := dealdesk.ValidateOpportunity(draft, nil, today, true); dealdesk.ErrorCode(err) != dealdesk.EINVALID {
		t.Fatalf("incomplete offer accepted as complete: %v", err)
	}
	draft.Installments = validOpportunity().Installments
	draft.OneTime = true
	if err := dealdesk.ValidateOpportunity(draft, nil, today, false); err != nil {
		t.Fatalf("draft with installments before its expiry date rejected: %v", err)
	}
	draft.Installments, draft.OneTime = nil, false
	draft.ResellerAccountID = "42"
	err := dealdesk.ValidateOpportunity(draft, nil, today, false)
	if f := dealdesk.ErrorFields(err); len(f) != 1 || f[0].Field != "resellerAccountId" {
		t.Fatalf("present field not checked in draft: %v", err)
	}
}

func TestValidateOpportunityListsEveryField(t *testing.T) {
	t.Parallel()
	o := validOpportunity()
	o.ResellerAccountID, o.Currency = "1", "XXX"
	o.EULA = &dealdesk.Document{Type: "OTHER"}
	err := dealdesk.ValidateOpportunity(o, testProduct(), today, true)
	got := map[string]bool{}
	for _, f := range dealdesk.ErrorFields(err) {
		got[f.Field] = true
	}
	for _, want := range []string{"resellerAccountId", "currency", "eula.type"} {
		if !got[want] {
			t.Errorf("missing field %s in %v", want, err)
		}
	}
}

func TestInstallmentSumInTheCurrencysUnits(t *testing.T) {
	t.Parallel()
	o := validOpportunity()
	c := dealdesk.MustDecimal("12000")
	o.Currency, o.CommitAmount, o.DimensionPrices = dealdesk.JPY, &c, nil
	o.Installments[0].Amount, o.Installments[1].Amount = dealdesk.MustDecimal("6000"), dealdesk.MustDecimal("5999")
	for _, f := range dealdesk.ErrorFields(dealdesk.ValidateOpportunity(o, nil, today, false)) {
		if f.Field == "installments" {
			if want := "amounts add up to 11999 but the commit amount is 12000"; f.Message != want {
				t.Fatalf("message %q, want %q", f.Message, want)
			}
			return
		}
	}
	t.Fatal("installments off the commit not reported")
}

func TestDecimalKeepsScale(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"12000.00", "0.002", "0.00000001", "7"} {
		d := dealdesk.MustDecimal(s)
		b, err := d.MarshalJSON()
		if err != nil {
			t.Fatalf("%s: MarshalJSON: %v", s, err)
		}
		if string(b) != `"`+s+`"` {
			t.Errorf("%s marshals to %s", s, b)
		}
	}
	if _, err := dealdesk.ParseDecimal("1e3"); err == nil {
		t.Error("exponent notation accepted")
	}
}

func TestDecimalTellsLeftOutFromZero(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		body string
		set  bool
	}{
		{`{"dimensionKey":"api_calls"}`, false},
		{`{"dimensionKey":"api_calls","price":"0"}`, true},
		{`{"dimensionKey":"api_calls","price":"0.5"}`, true},
	} {
		var dp dealdesk.DimensionPrice
		if err := json.Unmarshal([]byte(tc.body), &dp); err != nil {
			t.Fatalf("%s: %v", tc.body, err)
		}
		if dp.Price.IsSet() != tc.set {
			t.Errorf("%s: IsSet = %v, want %v", tc.body, dp.Price.IsSet(), tc.set)
		}
	}
}

func TestApplyOfferInputClears(t *testing.T) {
	t.Parallel()
	o := validOpportunity()
	name := "Renamed"
	dealdesk.ApplyOfferInput(o, dealdesk.OfferInput{Name: &name,
		Clear: []string{"installments", "expiryDate", "eula", "commitAmount", "buyerAccountIds", "oneTime", "name", "type"}})
	if o.Installments != nil || o.ExpiryDate != nil || o.EULA != nil || o.CommitAmount != nil || o.BuyerAccountIDs != nil || o.OneTime {
		t.Fatalf("not cleared: %+v", o)
	}
	if o.Name != "Renamed" || o.Type != dealdesk.OfferCPPOOut || o.ResellerAccountID == "" {
		t.Fatalf("cleared too much: %+v", o)
	}
}

// TestValidateOfferTypeSaysWhatIsWrong names the one type the API creates: a known type of
// another kind is refused for where it comes from, a typo for what it should be.
func TestValidateOfferTypeSaysWhatIsWrong(t *testing.T) {
	t.Parallel()
	typ := func(s string) *dealdesk.OfferType { v := dealdesk.OfferType(s); return &v }
	for _, tt := range []struct {
		name string
		in   *dealdesk.OfferType
		want string // "" when valid
	}{
		{"the opportunity type", typ("CPPO_OUT"), ""},
		{"left out", nil, "is required"},
		{"empty", typ(""), "is required"},
		{"a type AWS reports", typ("CPPO"), "CPPO offers come from AWS Marketplace"},
		{"a typo", typ("CPPO-OUT"), "must be CPPO_OUT"},
		{"unknown", typ("FOO"), "must be CPPO_OUT"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := dealdesk.ValidateOfferType(tt.in)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("ValidateOfferType = %v, want nil", err)
				}
				return
			}
			fields := dealdesk.ErrorFields(err)
			if len(fields) != 1 || fields[0].Field != "type" || !strings.Contains(fields[0].Message, tt.want) {
				t.Fatalf("ValidateOfferType = %v, want one problem on type saying %q", fields, tt.want)
			}
			if tt.in != nil && *tt.in != "" && *tt.in != "CPPO" && strings.Contains(fields[0].Message, "come from AWS") {
				t.Fatalf("a typo %q is said to come from AWS: %q", *tt.in, fields[0].Message)
			}
		})
	}
}
