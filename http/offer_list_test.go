package http_test

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/dealdesk/dealdesk"
)

func TestOfferList_PagesWithLimitAndCursor(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *env) {
		var want []string
		for range 5 {
			var d dealdesk.Offer
			e.do(req{method: "POST", path: "/api/v1/offers?draft=true", key: e.keyA,
				body: map[string]any{"type": "CPPO_OUT", "name": "Draft"}}).want(t, 201).decode(t, &d)
			want = append(want, d.ID)
		}
		var got []string
		cursor, pages := "", 0
		for {
			path := "/api/v1/offers?limit=2"
			if cursor != "" {
				path += "&cursor=" + url.QueryEscape(cursor)
			}
			var l listResp[dealdesk.Offer]
			e.do(req{method: "GET", path: path, key: e.keyA}).want(t, 200).decode(t, &l)
			pages++
			if len(l.Items) > 2 {
				t.Fatalf("page of %d items with limit=2", len(l.Items))
			}
			for _, o := range l.Items {
				got = append(got, o.ID)
			}
			if cursor = l.NextCursor; cursor == "" || pages > 5 {
				break
			}
		}
		if pages != 3 {
			t.Errorf("5 offers by 2 took %d pages, want 3", pages)
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("paged through %v, want each of %v once", got, want)
		}
	})
}

func TestOfferList_Filters(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p1 := e.createProduct(e.keyA, "prod-one111")
	p2 := e.createProduct(e.keyA, "prod-two222")
	o1 := e.createOpportunity(e.keyA, p1.ID)
	b2 := opportunity(p2.ID)
	b2["resellerAccountId"] = "999999999999"
	var o2 dealdesk.Offer
	e.do(req{method: "POST", path: "/api/v1/offers", key: e.keyA, body: b2}).want(t, 201).decode(t, &o2)
	e.do(req{method: "POST", path: "/api/v1/offers/" + o2.ID + "/submit", key: e.keyA}).want(t, 200)

	tests := []struct {
		query string
		want  []string
	}{
		{"productId=" + p1.ID, []string{o1.ID}},
		{"productId=" + p2.ID, []string{o2.ID}},
		{"resellerAccountId=999999999999", []string{o2.ID}},
		{"resellerAccountId=123456789012", []string{o1.ID}},
		{"status=DRAFT", []string{o1.ID}},
		{"status=PENDING_CREATE&productId=" + p2.ID, []string{o2.ID}},
		{"status=ACTIVE", nil},
		{"type=CPPO_OUT&status=DRAFT&productId=" + p2.ID, nil},
		{"opportunityId=" + o1.ID, nil},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			e := e.in(t)
			var l listResp[dealdesk.Offer]
			e.do(req{method: "GET", path: "/api/v1/offers?" + tt.query, key: e.keyA}).want(t, 200).decode(t, &l)
			var got []string
			for _, o := range l.Items {
				got = append(got, o.ID)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestOfferList_BadParametersAreNamed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tests := []struct{ query, field, docCannot string }{
		{"type=RESALE", "type", ""},
		{"status=LIVE", "status", ""},
		{"limit=0", "limit", ""},
		{"limit=201", "limit", ""},
		{"limit=ten", "limit", ""},
		{"colour=red", "colour", ruleQueryClosed},
		{"type=CPPO&type=CPPO_OUT", "type", ruleQueryClosed},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			e := e.in(t)
			res := e.refused(t, req{method: "GET", path: "/api/v1/offers?" + tt.query, key: e.keyA}, tt.docCannot).want(t, 422)
			if !res.problem(t).hasField(tt.field) {
				t.Errorf("problem does not name %s: %s", tt.field, res.body)
			}
		})
	}
	res := e.refused(t, req{method: "GET", path: "/api/v1/offers?cursor=not-a-cursor", key: e.keyA}, ruleStoredState)
	if res.status != 422 && res.status != 400 {
		t.Errorf("bad cursor = %d, want 422 or 400: %s", res.status, res.body)
	}
}

// TestOfferList_MalformedQueryIsRefused checks that a query string net/url cannot parse is a 400:
// parsing it leniently would drop the bad pairs, and a filter the caller meant would silently
// not apply.
func TestOfferList_MalformedQueryIsRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	product := e.createProduct(e.keyA, "prod-malformedq")
	e.createOpportunity(e.keyA, product.ID)
	for _, query := range []string{"status=ACTIVE;type=CPPO", "limit=5&%zz=1", "type=%G1"} {
		t.Run(query, func(t *testing.T) {
			e := e.in(t)
			res := e.refused(t, req{method: "GET", path: "/api/v1/offers?" + query, key: e.keyA}, ruleQuerySyntax).want(t, 400)
			if p := res.problem(t); p.Code != "malformed" {
				t.Errorf("code = %q, want malformed", p.Code)
			}
		})
	}
}

// TestOfferList_NameContains checks ?nameContains= on both engines: the letters A-Z in any case,
// % and _ literally, with the other filters and across pages, and never another organization's
// offers.
func TestOfferList_NameContains(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *env) {
		p1 := e.createProduct(e.keyA, "prod-search111")
		p2 := e.createProduct(e.keyA, "prod-search222")
		ids := map[string]string{} // name -> ID
		create := func(key, name, productID string, submit bool) {
			body := opportunity(productID)
			body["name"] = name
			var o dealdesk.Offer
			e.do(req{method: "POST", path: "/api/v1/offers", key: key, body: body}).want(t, 201).decode(t, &o)
			if submit {
				e.do(req{method: "POST", path: "/api/v1/offers/" + o.ID + "/submit", key: key}).want(t, 200)
			}
			ids[name] = o.ID
		}
		create(e.keyA, "100% Uptime", p1.ID, false)
		create(e.keyA, "100X Uptime", p1.ID, false)
		create(e.keyA, "snake_case deal", p1.ID, false)
		create(e.keyA, "snakeXcase deal", p1.ID, false)
		create(e.keyA, "ACME Renewal", p1.ID, true)
		create(e.keyA, "acme pilot", p2.ID, false)
		create(e.keyA, "Acme Seats", p2.ID, true)
		pB := e.createProduct(e.keyB, "prod-search111")
		create(e.keyB, "Acme at B", pB.ID, false)

		tests := []struct {
			query string
			want  []string // names, newest first
		}{
			{"nameContains=acme", []string{"Acme Seats", "acme pilot", "ACME Renewal"}},
			{"nameContains=ACME+r", []string{"ACME Renewal"}},
			{"nameContains=100%25", []string{"100% Uptime"}},
			{"nameContains=e_c", []string{"snake_case deal"}},
			{"nameContains=acme&status=PENDING_CREATE", []string{"Acme Seats", "ACME Renewal"}},
			{"nameContains=acme&productId=" + p2.ID, []string{"Acme Seats", "acme pilot"}},
			{"nameContains=acme&type=CPPO", nil},
			{"nameContains=Acme+at+B", nil},
		}
		for _, tt := range tests {
			t.Run(tt.query, func(t *testing.T) {
				e := e.in(t)
				var got []string
				cursor := ""
				for pages := 1; ; pages++ {
					path := "/api/v1/offers?limit=1&" + tt.query
					if cursor != "" {
						path += "&cursor=" + url.QueryEscape(cursor)
					}
					var l listResp[dealdesk.Offer]
					e.do(req{method: "GET", path: path, key: e.keyA}).want(t, 200).decode(t, &l)
					for _, o := range l.Items {
						if ids[o.Name] != o.ID {
							t.Fatalf("found %s %q, not one of the offers made here", o.ID, o.Name)
						}
						got = append(got, o.Name)
					}
					if cursor = l.NextCursor; cursor == "" || pages > 10 {
						break
					}
				}
				if !slices.Equal(got, tt.want) {
					t.Errorf("got %q, want %q", got, tt.want)
				}
			})
		}
	})
}

func TestOfferList_BadNameContainsIsNamed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, tt := range []struct{ query, docCannot string }{
		{"nameContains=", ""},
		{"nameContains=" + strings.Repeat("a", dealdesk.MaxOfferNameLength+1), ""},
		{"nameContains=a&nameContains=b", ruleQueryClosed},
	} {
		t.Run(dealdesk.Clip(tt.query, 30), func(t *testing.T) {
			e := e.in(t)
			res := e.refused(t, req{method: "GET", path: "/api/v1/offers?" + tt.query, key: e.keyA}, tt.docCannot).want(t, 422)
			if !res.problem(t).hasField("nameContains") {
				t.Errorf("problem does not name nameContains: %s", res.body)
			}
		})
	}
}
