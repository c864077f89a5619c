package http_test

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/dealdesk/dealdesk"
)

func TestOfferCreate_CompleteOpportunityIsStoredAndListed(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *env) {
		p := e.createProduct(e.keyA, "prod-abc123")

		res := e.do(req{method: "POST", path: "/api/v1/offers", key: e.keyA, body: opportunity(p.ID)}).want(t, 201)
		var o dealdesk.Offer
		res.decode(t, &o)
		if !strings.HasPrefix(o.ID, "off_") || o.Status != dealdesk.OfferDraft || o.Type != dealdesk.OfferCPPOOut {
			t.Errorf("created offer id=%q status=%q type=%q, want off_..., DRAFT, CPPO_OUT", o.ID, o.Status, o.Type)
		}
		if !o.CreatedAt.Equal(testNow) || !o.UpdatedAt.Equal(testNow) {
			t.Errorf("createdAt=%v updatedAt=%v, want the store clock %v", o.CreatedAt, o.UpdatedAt, testNow)
		}
		if got := res.header.Get("Location"); got != "/api/v1/offers/"+o.ID {
			t.Errorf("Location = %q", got)
		}
		if o.CommitAmount == nil || o.CommitAmount.String() != "12000.00" || len(o.Installments) != 2 ||
			o.Installments[1].ChargeDate.String() != "2027-08-15" || o.DimensionPrices[0].Price.String() != "0.002" {
			t.Errorf("offer does not echo its money and dates exactly: %s", res.body)
		}

		var l listResp[dealdesk.Offer]
		e.do(req{method: "GET", path: "/api/v1/offers?type=CPPO_OUT", key: e.keyA}).want(t, 200).decode(t, &l)
		if len(l.Items) != 1 || l.Items[0].ID != o.ID || l.Items[0].Name != "Acme resale FY27" {
			t.Fatalf("GET /api/v1/offers?type=CPPO_OUT = %+v, want the new offer", l.Items)
		}
		var got dealdesk.Offer
		e.do(req{method: "GET", path: "/api/v1/offers/" + o.ID, key: e.keyA}).want(t, 200).decode(t, &got)
		if got.ID != o.ID || got.CommitAmount.String() != "12000.00" || got.ExpiryDate.String() != "2027-06-30" {
			t.Errorf("GET offer = %+v", got)
		}
		for _, typ := range []string{"CPPO", "PRIVATE"} {
			e.do(req{method: "GET", path: "/api/v1/offers?type=" + typ, key: e.keyA}).want(t, 200).decode(t, &l)
			if len(l.Items) != 0 {
				t.Errorf("type=%s lists %d offers, want 0", typ, len(l.Items))
			}
		}
	})
}

// TestOfferCreate_InvalidIsRefusedNamingTheField covers every rule of a resell opportunity that
// issue 2 lists: each mutation of a valid request is 422 naming the field, and nothing is stored.
func TestOfferCreate_InvalidIsRefusedNamingTheField(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *env) {
		p := e.createProduct(e.keyA, "prod-abc123")
		other := e.createProduct(e.keyB, "prod-other1")
		e.createOpportunity(e.keyA, p.ID) // the list is not empty, so "unchanged" means something

		installments := func(dates ...string) []any {
			var out []any
			for _, d := range dates {
				out = append(out, map[string]any{"chargeDate": d, "amount": "6000.00"})
			}
			return out
		}
		many := make([]any, 61)
		for i := range many {
			many[i] = map[string]any{"chargeDate": fmt.Sprintf("2028-%02d-%02d", i/28+1, i%28+1), "amount": "0.00"}
		}
		many[0] = map[string]any{"chargeDate": "2028-01-01", "amount": "12000.00"}
		buyers := make([]any, 26)
		for i := range buyers {
			buyers[i] = fmt.Sprintf("2109876543%02d", i)
		}

		tests := []struct {
			name   string
			change map[string]any // fields to set; nil values delete the field
			field  string
		}{
			{"reseller account not 12 digits", map[string]any{"resellerAccountId": "12345678901"}, "resellerAccountId"},
			{"reseller account with letters", map[string]any{"resellerAccountId": "12345678901a"}, "resellerAccountId"},
			{"26 buyer accounts", map[string]any{"buyerAccountIds": buyers}, "buyerAccountIds"},
			{"buyer account not 12 digits", map[string]any{"buyerAccountIds": []any{"210987654321", "42"}}, "buyerAccountIds[1]"},
			{"renewal without buyers", map[string]any{"renewal": true, "renewalChannel": "AWS_MARKETPLACE", "buyerAccountIds": []any{}}, "buyerAccountIds"},
			{"custom EULA without URL", map[string]any{"eula": map[string]any{"type": "CUSTOM"}}, "eula.url"},
			{"custom EULA with http URL", map[string]any{"eula": map[string]any{"type": "CUSTOM", "url": "http://example.com/eula"}}, "eula.url"},
			{"custom reseller contract not a URL", map[string]any{"resellerContract": map[string]any{"type": "CUSTOM", "url": "contract.pdf"}}, "resellerContract.url"},
			{"expiry date in the past", map[string]any{"expiryDate": "2026-11-01"}, "expiryDate"},
			{"expiry date today", map[string]any{"expiryDate": "2026-11-26"}, "expiryDate"},
			{"negative commit", map[string]any{"commitAmount": "-12000.00", "installments": nil}, "commitAmount"},
			{"commit with 3 decimals", map[string]any{"commitAmount": "12000.001", "installments": nil}, "commitAmount"},
			{"installments sum differs from commit", map[string]any{"installments": []any{
				map[string]any{"chargeDate": "2027-07-15", "amount": "6000.00"},
				map[string]any{"chargeDate": "2027-08-15", "amount": "5999.99"}}}, "installments"},
			{"installments on a multi-use opportunity", map[string]any{"oneTime": false}, "installments"},
			{"installments without expiry date", map[string]any{"expiryDate": nil}, "installments"},
			{"installment dates duplicated", map[string]any{"installments": installments("2027-07-15", "2027-07-15")}, "installments[1].chargeDate"},
			{"installment date in the past", map[string]any{"installments": installments("2026-10-01", "2027-08-15")}, "installments[0].chargeDate"},
			{"installment date on the expiry date", map[string]any{"installments": installments("2027-06-30", "2027-08-15")}, "installments[0].chargeDate"},
			{"installment date before the expiry date", map[string]any{"installments": installments("2027-01-15", "2027-08-15")}, "installments[0].chargeDate"},
			{"61 installments", map[string]any{"installments": many}, "installments"},
			{"metered dimension without price", map[string]any{"dimensionPrices": []any{}}, "dimensionPrices"},
			{"price for a dimension the product lacks", map[string]any{"dimensionPrices": []any{
				map[string]any{"dimensionKey": "api_calls", "price": "0.002"},
				map[string]any{"dimensionKey": "gpu_hours", "price": "1.00"}}}, "dimensionPrices[1].dimensionKey"},
			{"price for an entitled dimension", map[string]any{"dimensionPrices": []any{
				map[string]any{"dimensionKey": "api_calls", "price": "0.002"},
				map[string]any{"dimensionKey": "users", "price": "1.00"}}}, "dimensionPrices[1].dimensionKey"},
			{"price with 9 decimals", map[string]any{"dimensionPrices": []any{map[string]any{"dimensionKey": "api_calls", "price": "0.000000001"}}}, "dimensionPrices[0].price"},
			{"entitlement for a dimension the product lacks", map[string]any{"entitledDimensions": []any{map[string]any{"dimensionKey": "seats", "quantity": 10}}}, "entitledDimensions[0].dimensionKey"},
			{"entitlement for a metered dimension", map[string]any{"entitledDimensions": []any{map[string]any{"dimensionKey": "api_calls", "quantity": 10}}}, "entitledDimensions[0].dimensionKey"},
			{"entitlement quantity zero", map[string]any{"entitledDimensions": []any{map[string]any{"dimensionKey": "users", "quantity": 0}}}, "entitledDimensions[0].quantity"},
			{"unknown currency", map[string]any{"currency": "XYZ"}, "currency"},
			{"unknown JSON field", map[string]any{"colour": "red"}, "colour"},
			{"unknown nested JSON field", map[string]any{"eula": map[string]any{"type": "STANDARD", "colour": "red"}}, "eula.colour"},
			{"product of another organization", map[string]any{"productId": other.ID}, "productId"},
			{"unknown product", map[string]any{"productId": "prd_nope"}, "productId"},
			{"type CPPO", map[string]any{"type": "CPPO"}, "type"},
			{"type PRIVATE", map[string]any{"type": "PRIVATE"}, "type"},
			{"type missing", map[string]any{"type": nil}, "type"},
			{"name missing", map[string]any{"name": nil}, "name"},
			{"bad decimal", map[string]any{"commitAmount": "12.x"}, "commitAmount"},
			{"commit as a boolean", map[string]any{"commitAmount": true}, "commitAmount"},
			{"bad date in an installment", map[string]any{"installments": []any{
				map[string]any{"chargeDate": "2027-07-15", "amount": "6000.00"},
				map[string]any{"chargeDate": "2027-02-30", "amount": "6000.00"}}}, "installments[1].chargeDate"},
			{"bad amount in an installment", map[string]any{"installments": []any{
				map[string]any{"chargeDate": "2027-07-15", "amount": "6000.00"},
				map[string]any{"chargeDate": "2027-08-15", "amount": "six"}}}, "installments[1].amount"},
			{"quantity as a string", map[string]any{"entitledDimensions": []any{map[string]any{"dimensionKey": "users", "quantity": "10"}}}, "entitledDimensions[0].quantity"},
			{"quantity with a fraction", map[string]any{"entitledDimensions": []any{map[string]any{"dimensionKey": "users", "quantity": 1.5}}}, "entitledDimensions[0].quantity"},
			{"renewal as a string", map[string]any{"renewal": "yes"}, "renewal"},
			{"buyers as a string", map[string]any{"buyerAccountIds": "210987654321"}, "buyerAccountIds"},
			{"eula as a string", map[string]any{"eula": "STANDARD"}, "eula"},
		}
		// The rules the OpenAPI document cannot state; it must refuse every other case (issue 6 item 13).
		docCannot := map[string]string{
			"renewal without buyers":                        ruleTiesFields,
			"installments sum differs from commit":          ruleTiesFields,
			"installments on a multi-use opportunity":       ruleTiesFields,
			"installments without expiry date":              ruleTiesFields,
			"installment date on the expiry date":           ruleTiesFields,
			"installment date before the expiry date":       ruleTiesFields,
			"expiry date in the past":                       ruleToday,
			"expiry date today":                             ruleToday,
			"installment date in the past":                  ruleToday,
			"metered dimension without price":               ruleProduct,
			"price for a dimension the product lacks":       ruleProduct,
			"price for an entitled dimension":               ruleProduct,
			"entitlement for a dimension the product lacks": ruleProduct,
			"entitlement for a metered dimension":           ruleProduct,
			"product of another organization":               ruleOrganization,
			"name missing":                                  ruleDraft,
		}
		var names []string
		for _, tt := range tests {
			names = append(names, tt.name)
		}
		checkExceptions(t, docCannot, names)
		before := e.offerIDs(e.keyA)
		if len(before) != 1 {
			t.Fatalf("organization A has offers %v, want the one created first", before)
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				e := e.in(t)
				body := maps.Clone(opportunity(p.ID))
				for k, v := range tt.change {
					if v == nil {
						delete(body, k)
					} else {
						body[k] = v
					}
				}
				res := e.refused(t, req{method: "POST", path: "/api/v1/offers", key: e.keyA, body: body}, docCannot[tt.name]).want(t, 422)
				if pr := res.problem(t); !pr.hasField(tt.field) {
					t.Errorf("problem does not name %s: %s", tt.field, res.body)
				}
				if after := e.offerIDs(e.keyA); !slices.Equal(after, before) {
					t.Errorf("offers changed from %v to %v", before, after)
				}
			})
		}
		if n := len(e.offerIDs(e.keyB)); n != 0 {
			t.Errorf("organization B has %d offers, want 0", n)
		}
	})
}

func TestOfferCreate_UnknownFieldMessage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.createProduct(e.keyA, "prod-abc123")
	body := opportunity(p.ID)
	body["colour"] = "red"
	res := e.refused(t, req{method: "POST", path: "/api/v1/offers", key: e.keyA, body: body}, "").want(t, 422)
	pr := res.problem(t)
	if len(pr.Errors) != 1 || pr.Errors[0] != (dealdesk.FieldError{Field: "colour", Message: "unknown field"}) {
		t.Errorf("errors = %+v, want exactly colour: unknown field", pr.Errors)
	}
	if pr.Type != "urn:dealdesk:problem:invalid" || pr.Code != dealdesk.EINVALID {
		t.Errorf("problem type/code = %q/%q", pr.Type, pr.Code)
	}
}

// TestOfferCreate_BadBodies covers bodies that cannot be decoded at all: 400, or 413 when too large.
func TestOfferCreate_BadBodies(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *env) {
		p := e.createProduct(e.keyA, "prod-abc123")
		big := `{"name":"` + strings.Repeat("x", 1<<20) + `"}`
		tests := []struct {
			name   string
			body   string
			status int
		}{
			{"truncated object", `{"type":"CPPO_OUT",`, 400},
			{"missing value", `{"type":}`, 400},
			{"not JSON", `type=CPPO_OUT`, 400},
			{"empty body", ``, 400},
			{"array instead of object", `[{"type":"CPPO_OUT"}]`, 400},
			{"string instead of object", `"CPPO_OUT"`, 400},
			{"null instead of object", `null`, 400},
			{"data after the object", `{"type":"CPPO_OUT"} {"type":"CPPO"}`, 400},
			{"garbage after the object", `{"type":"CPPO_OUT"}x`, 400},
			{"body over 1 MiB", big, 413},
		}
		docCannot := map[string]string{
			"data after the object":    ruleOneValue,
			"garbage after the object": ruleOneValue,
		}
		var names []string
		for _, tt := range tests {
			names = append(names, tt.name)
		}
		checkExceptions(t, docCannot, names)
		before := e.offerIDs(e.keyA)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				e := e.in(t)
				res := e.refused(t, req{method: "POST", path: "/api/v1/offers", key: e.keyA, body: tt.body}, docCannot[tt.name]).want(t, tt.status)
				if pr := res.problem(t); pr.Detail == "" {
					t.Errorf("problem has no detail: %s", res.body)
				}
			})
		}
		// A big but valid body under the limit is decoded (and refused only for its long name).
		body := opportunity(p.ID)
		body["name"] = strings.Repeat("x", 1<<19)
		res := e.refused(t, req{method: "POST", path: "/api/v1/offers", key: e.keyA, body: body}, "").want(t, 422)
		if !res.problem(t).hasField("name") {
			t.Errorf("long name not named: %.300s", res.body)
		}
		if after := e.offerIDs(e.keyA); !slices.Equal(after, before) {
			t.Errorf("offers changed from %v to %v", before, after)
		}
	})
}
