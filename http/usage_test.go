package http_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dealdesk/dealdesk"
)

// usageDeal is a CPPO deal of organization A whose usage is metered: a product with a metered
// dimension (api_calls), an entitled-and-metered one (seats) and a contract one (support), an
// active opportunity, its CPPO offer and the buyer's entitlement, started three hours before
// testNow.
type usageDeal struct {
	product, opportunity, entitlement string
}

// newUsageDeal makes a usageDeal through the API where it can: the product, the opportunity
// (metered against its commit, then not: meterUsageAgainstCommit is created, returned and
// patched), and through the store what AWS's events would record.
func (e *env) newUsageDeal(name string) usageDeal {
	t := e.t
	t.Helper()
	var p dealdesk.Product
	e.do(req{method: "POST", path: "/api/v1/products", key: e.keyA, body: map[string]any{
		"externalId": "prod-" + name, "productCode": "code" + name, "title": "Analytics " + name,
		"dimensions": []map[string]any{
			{"key": "api_calls", "name": "API calls", "unit": "Requests", "kind": "METERED"},
			{"key": "seats", "name": "Seats", "unit": "Users", "kind": "ENTITLED_AND_METERED"},
			{"key": "support", "name": "Support", "unit": "Units", "kind": "ENTITLED"},
		},
	}}).want(t, 201).decode(t, &p)

	body := opportunity(p.ID)
	body["entitledDimensions"] = []any{map[string]any{"dimensionKey": "seats", "quantity": 10}}
	body["dimensionPrices"] = []any{map[string]any{"dimensionKey": "api_calls", "price": "0.002"}, map[string]any{"dimensionKey": "seats", "price": "1"}}
	body["meterUsageAgainstCommit"] = true
	var opp dealdesk.Offer
	e.do(req{method: "POST", path: "/api/v1/offers", key: e.keyA, body: body}).want(t, 201).decode(t, &opp)
	if !opp.MeterUsageAgainstCommit {
		t.Fatalf("created with meterUsageAgainstCommit true, answered %s", e.do(req{method: "GET", path: "/api/v1/offers/" + opp.ID, key: e.keyA}).body)
	}
	e.do(req{method: "PATCH", path: "/api/v1/offers/" + opp.ID, key: e.keyA, body: map[string]any{"meterUsageAgainstCommit": false}}).want(t, 200).decode(t, &opp)
	if opp.MeterUsageAgainstCommit {
		t.Fatal("PATCH meterUsageAgainstCommit false left it true")
	}
	if _, err := e.db.SQL().ExecContext(e.ctxA(), `UPDATE offers SET status = $1, external_id = $2 WHERE id = $3`, dealdesk.OfferActive, "ra-"+name, opp.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.SaveCPPOOffer(e.ctxA(), &dealdesk.Offer{ExternalID: "offer-" + name}, "ra-"+name); err != nil {
		t.Fatalf("SaveCPPOOffer: %v", err)
	}
	start := testNow.Add(-3 * time.Hour)
	ent, err := e.db.SaveEntitlement(e.ctxA(), &dealdesk.Entitlement{ExternalID: "agmt-" + name, BuyerAccountID: "210987654321",
		LicenseARN: "arn:aws:license-manager::1:license:l-" + name, StartTime: &start}, "offer-"+name)
	if err != nil {
		t.Fatalf("SaveEntitlement: %v", err)
	}
	if ent.OpportunityID != opp.ID {
		t.Fatalf("entitlement not linked to the opportunity: %+v", ent)
	}
	return usageDeal{product: p.ID, opportunity: opp.ID, entitlement: ent.ID}
}

// usageTime is a time within the metering window at testNow.
var usageTime = testNow.Add(-90 * time.Minute).Format(time.RFC3339)

func TestOffer_MeterUsageAgainstCommitDefaultsToFalse(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.createProduct(e.keyA, "prod-mdefault1")
	o := e.createOpportunity(e.keyA, p.ID)
	var raw map[string]any
	e.do(req{method: "GET", path: "/api/v1/offers/" + o.ID, key: e.keyA}).want(t, 200).decode(t, &raw)
	if v, ok := raw["meterUsageAgainstCommit"]; !ok || v != false {
		t.Errorf("meterUsageAgainstCommit = %v (present %v), want false", v, ok)
	}
	// Metering against the commit needs prices to value usage at (the opportunity has them)
	// and a commit: a draft without commit is refused on submit, naming the field.
	body := opportunity(p.ID)
	body["meterUsageAgainstCommit"] = "yes"
	res := e.refused(t, req{method: "POST", path: "/api/v1/offers", key: e.keyA, body: body}, "").want(t, 422)
	if !res.problem(t).hasField("meterUsageAgainstCommit") {
		t.Errorf("a string meterUsageAgainstCommit is not named: %s", res.body)
	}
}

func TestUsage_ReportOneGroup(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *env) {
		d := e.newUsageDeal("one1")
		path := "/api/v1/entitlements/" + d.entitlement + "/usage"
		body := `{"id":"host-7-0830","timestamp":"` + usageTime + `","records":{"api_calls":0.1,"seats":"2.50"}}`
		var g dealdesk.UsageGroup
		e.do(req{method: "POST", path: path, key: e.keyA, body: body}).want(t, 201).decode(t, &g)
		if g.ID != "host-7-0830" || g.EntitlementID != d.entitlement || g.Status != dealdesk.UsageAccepted ||
			g.Records["api_calls"].String() != "0.1" || g.Records["seats"].String() != "2.50" || g.Timestamp.Format(time.RFC3339) != usageTime {
			t.Errorf("stored group = %+v", g)
		}

		t.Run("the same report again answers 200 with the stored group", func(t *testing.T) {
			e := e.in(t)
			for _, again := range []string{body,
				`{"id":"host-7-0830","entitlementId":"` + d.entitlement + `","timestamp":"` + usageTime + `","records":{"seats":2.5,"api_calls":1e-1}}`} {
				var g2 dealdesk.UsageGroup
				e.do(req{method: "POST", path: path, key: e.keyA, body: again}).want(t, 200).decode(t, &g2)
				if g2.ID != g.ID || !g2.CreatedAt.Equal(g.CreatedAt) || g2.Records["seats"].String() != "2.50" {
					t.Errorf("repeat answered %+v, want %+v", g2, g)
				}
			}
		})
		t.Run("the same id with other content is a conflict", func(t *testing.T) {
			e := e.in(t)
			other := strings.Replace(body, "0.1", "0.2", 1)
			res := e.do(req{method: "POST", path: path, key: e.keyA, body: other}).want(t, 409)
			if p := res.problem(t); p.Code != dealdesk.ECONFLICT || !strings.Contains(p.Detail, "host-7-0830") {
				t.Errorf("conflict problem = %+v", p)
			}
		})
		t.Run("bad values are named, each", func(t *testing.T) {
			e := e.in(t)
			old := testNow.Add(-12 * time.Hour).Format(time.RFC3339)
			res := e.refused(t, req{method: "POST", path: path, key: e.keyA,
				body: `{"id":"bad-1","timestamp":"` + old + `","records":{"api_calls":-1,"seats":0.0000000001}}`}, "").want(t, 422)
			p := res.problem(t)
			for _, f := range []string{"timestamp", "records.api_calls", "records.seats"} {
				if !p.hasField(f) {
					t.Errorf("%s is not named: %s", f, res.body)
				}
			}
			res = e.refused(t, req{method: "POST", path: path, key: e.keyA,
				body: `{"id":"bad-2","timestamp":"` + usageTime + `","records":{"support":1,"nope":2}}`}, ruleProduct).want(t, 422)
			if p := res.problem(t); !p.hasField("records.support") || !p.hasField("records.nope") {
				t.Errorf("a contract dimension and an unknown one are not named: %s", res.body)
			}
			res = e.refused(t, req{method: "POST", path: path, key: e.keyA,
				body: `{"id":"bad-3","timestamp":"` + usageTime + `","records":{"api_calls":"NaN","seats":"Infinity"},"extra":1}`}, "").want(t, 422)
			if p := res.problem(t); !p.hasField("records.api_calls") || !p.hasField("records.seats") || !p.hasField("extra") {
				t.Errorf("NaN, Infinity and an unknown field are not named: %s", res.body)
			}
			future := testNow.Add(time.Hour).Format(time.RFC3339)
			res = e.refused(t, req{method: "POST", path: path, key: e.keyA,
				body: `{"id":"bad-4","timestamp":"` + future + `","records":{"api_calls":1}}`}, ruleToday).want(t, 422)
			if !res.problem(t).hasField("timestamp") {
				t.Errorf("a future timestamp is not named: %s", res.body)
			}
			e.do(req{method: "POST", path: path, key: e.keyA, body: `{"id":`, bad: true}).want(t, 400)
			// Nothing of the refused reports was stored.
			var l listResp[dealdesk.UsageGroup]
			e.do(req{method: "GET", path: "/api/v1/usage-groups?entitlementId=" + d.entitlement, key: e.keyA}).want(t, 200).decode(t, &l)
			if len(l.Items) != 1 || l.Items[0].ID != g.ID {
				t.Errorf("stored groups %+v, want only %s", l.Items, g.ID)
			}
		})
		t.Run("an entitlement not the organization's is not found", func(t *testing.T) {
			e := e.in(t)
			e.do(req{method: "POST", path: path, key: e.keyB, body: `{"id":"b-1","timestamp":"` + usageTime + `","records":{"api_calls":1}}`}).want(t, 404)
			e.do(req{method: "POST", path: "/api/v1/entitlements/ent_00000000000000000000000000/usage", key: e.keyA,
				body: `{"id":"b-2","timestamp":"` + usageTime + `","records":{"api_calls":1}}`}).want(t, 404)
			res := e.do(req{method: "POST", path: path, key: e.keyA, bad: true,
				body: `{"id":"b-3","entitlementId":"ent_00000000000000000000000000","timestamp":"` + usageTime + `","records":{"api_calls":1}}`}).want(t, 422)
			if !res.problem(t).hasField("entitlementId") {
				t.Errorf("another entitlement than the path's is not named: %s", res.body)
			}
		})
	})
}

// batchAnswer is the body of a POST /api/v1/usage:batch answer.
type batchAnswer struct {
	Results []struct {
		ID      string               `json:"id"`
		Status  int                  `json:"status"`
		Group   *dealdesk.UsageGroup `json:"group"`
		Problem *problem             `json:"problem"`
	} `json:"results"`
	Accepted int `json:"accepted"`
	Rejected int `json:"rejected"`
}

func TestUsage_BatchAnswersEachGroup(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *env) {
		d := e.newUsageDeal("batch1")
		ent := d.entitlement
		group := func(id, records string) string {
			return `{"id":"` + id + `","entitlementId":"` + ent + `","timestamp":"` + usageTime + `","records":{` + records + `}}`
		}
		e.do(req{method: "POST", path: "/api/v1/entitlements/" + ent + "/usage", key: e.keyA, body: group("stored-before", `"api_calls":5`)}).want(t, 201)

		body := `{"groups":[` + strings.Join([]string{
			group("new-1", `"api_calls":1200,"seats":0.25`),
			group("stored-before", `"api_calls":5`),
			group("stored-before", `"api_calls":6`),
			group("negative", `"api_calls":-3`),
			strings.Replace(group("stranger", `"api_calls":1`), ent, "ent_00000000000000000000000000", 1),
			group("not-a-number", `"api_calls":"NaN"`),
			group("new-2", `"seats":"1e2"`),
		}, ",") + `]}`
		var a batchAnswer
		e.do(req{method: "POST", path: "/api/v1/usage:batch", key: e.keyA, body: body, bad: true}).want(t, 200).decode(t, &a)
		want := []struct {
			id     string
			status int
			field  string
		}{{"new-1", 201, ""}, {"stored-before", 200, ""}, {"stored-before", 409, ""}, {"negative", 422, "groups[3].records.api_calls"},
			{"stranger", 404, ""}, {"not-a-number", 422, "groups[5].records.api_calls"}, {"new-2", 201, ""}}
		if len(a.Results) != len(want) || a.Accepted != 3 || a.Rejected != 4 {
			t.Fatalf("answer: %d results, accepted %d, rejected %d: %+v", len(a.Results), a.Accepted, a.Rejected, a)
		}
		for i, w := range want {
			r := a.Results[i]
			if r.ID != w.id || r.Status != w.status {
				t.Errorf("result %d = %s %d, want %s %d", i, r.ID, r.Status, w.id, w.status)
			}
			if ok := r.Status < 300; ok != (r.Group != nil) || ok == (r.Problem != nil) {
				t.Errorf("result %d has group %v and problem %v", i, r.Group, r.Problem)
			}
			if r.Problem != nil && r.Problem.Status != r.Status {
				t.Errorf("result %d: problem status %d", i, r.Problem.Status)
			}
			if w.field != "" && !r.Problem.hasField(w.field) {
				t.Errorf("result %d does not name %s: %+v", i, w.field, r.Problem)
			}
		}
		if g := a.Results[6].Group; g == nil || g.Records["seats"].String() != "100" {
			t.Errorf("1e2 stored as %+v, want exactly 100", g)
		}

		t.Run("the whole call is refused for a body that is not a batch", func(t *testing.T) {
			e := e.in(t)
			e.refused(t, req{method: "POST", path: "/api/v1/usage:batch", key: e.keyA, body: `{"groups":[]}`}, "").want(t, 422)
			e.refused(t, req{method: "POST", path: "/api/v1/usage:batch", key: e.keyA, body: `{}`}, "").want(t, 422)
			e.do(req{method: "POST", path: "/api/v1/usage:batch", key: e.keyA, body: `{"groups":[{"id":}]}`, bad: true}).want(t, 400)
			var many strings.Builder
			many.WriteString(`{"groups":[`)
			for i := range dealdesk.MaxUsageBatchGroups + 1 {
				if i > 0 {
					many.WriteByte(',')
				}
				many.WriteString(group(fmt.Sprintf("m-%d", i), `"api_calls":1`))
			}
			many.WriteString(`]}`)
			res := e.refused(t, req{method: "POST", path: "/api/v1/usage:batch", key: e.keyA, body: many.String()}, "").want(t, 422)
			if !res.problem(t).hasField("groups") {
				t.Errorf("too many groups are not named: %.300s", res.body)
			}
			e.do(req{method: "POST", path: "/api/v1/usage:batch", body: `{"groups":[]}`, bad: true}).want(t, 401)
		})

		t.Run("a full batch of 10,000 groups is taken in one call", func(t *testing.T) {
			e := e.in(t)
			var b strings.Builder
			b.WriteString(`{"groups":[`)
			for i := range dealdesk.MaxUsageBatchGroups {
				if i > 0 {
					b.WriteByte(',')
				}
				b.WriteString(group(fmt.Sprintf("full-%05d", i), `"api_calls":1,"seats":0.5`))
			}
			b.WriteString(`]}`)
			var a batchAnswer
			e.do(req{method: "POST", path: "/api/v1/usage:batch", key: e.keyA, body: b.String()}).want(t, 200).decode(t, &a)
			if a.Accepted != dealdesk.MaxUsageBatchGroups || a.Rejected != 0 || a.Results[9999].ID != "full-09999" || a.Results[9999].Status != 201 {
				t.Fatalf("accepted %d, rejected %d", a.Accepted, a.Rejected)
			}
		})
	})
}

func TestUsageGroups_ListFiltersAndPages(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *env) {
		d := e.newUsageDeal("list1")
		d2 := e.newUsageDeal("list2")
		at := func(minutes int) string {
			return testNow.Add(time.Duration(-minutes) * time.Minute).Format(time.RFC3339)
		}
		var groups []map[string]any
		for i, m := range []int{150, 120, 90, 60} {
			groups = append(groups, map[string]any{"id": fmt.Sprintf("g%d", i), "entitlementId": d.entitlement, "timestamp": at(m), "records": map[string]any{"api_calls": i + 1}})
		}
		groups = append(groups, map[string]any{"id": "other", "entitlementId": d2.entitlement, "timestamp": at(30), "records": map[string]any{"seats": 1}})
		var a batchAnswer
		e.do(req{method: "POST", path: "/api/v1/usage:batch", key: e.keyA, body: map[string]any{"groups": groups}}).want(t, 200).decode(t, &a)
		if a.Accepted != 5 {
			t.Fatalf("accepted %d: %+v", a.Accepted, a)
		}
		ids := func(query string) []string {
			var l listResp[dealdesk.UsageGroup]
			e.do(req{method: "GET", path: "/api/v1/usage-groups?" + query, key: e.keyA}).want(t, 200).decode(t, &l)
			var out []string
			for _, g := range l.Items {
				out = append(out, g.ID)
			}
			slices.Sort(out)
			return out
		}
		tests := []struct {
			query string
			want  []string
		}{
			{"", []string{"g0", "g1", "g2", "g3", "other"}},
			{"entitlementId=" + d2.entitlement, []string{"other"}},
			{"entitlementId=" + d.entitlement + "&status=ACCEPTED", []string{"g0", "g1", "g2", "g3"}},
			{"status=AGGREGATED", nil},
			{"from=" + at(120) + "&to=" + at(60), []string{"g1", "g2"}},
			{"from=" + at(60), []string{"g3", "other"}},
		}
		for _, tt := range tests {
			if got := ids(tt.query); !slices.Equal(got, tt.want) {
				t.Errorf("%s: got %v, want %v", tt.query, got, tt.want)
			}
		}
		var page listResp[dealdesk.UsageGroup]
		e.do(req{method: "GET", path: "/api/v1/usage-groups?limit=3", key: e.keyA}).want(t, 200).decode(t, &page)
		var rest listResp[dealdesk.UsageGroup]
		e.do(req{method: "GET", path: "/api/v1/usage-groups?limit=3&cursor=" + page.NextCursor, key: e.keyA}).want(t, 200).decode(t, &rest)
		if len(page.Items) != 3 || page.NextCursor == "" || len(rest.Items) != 2 || rest.NextCursor != "" {
			t.Errorf("pages of %d (cursor %q) and %d (cursor %q)", len(page.Items), page.NextCursor, len(rest.Items), rest.NextCursor)
		}
		var other listResp[dealdesk.UsageGroup]
		e.do(req{method: "GET", path: "/api/v1/usage-groups", key: e.keyB}).want(t, 200).decode(t, &other)
		if len(other.Items) != 0 {
			t.Errorf("organization B sees %d of A's groups", len(other.Items))
		}
		for q, field := range map[string]string{"status=DONE": "status", "from=yesterday": "from",
			"from=" + at(60) + "&to=" + at(120): "to", "since=" + at(60): "since"} {
			rule := ""
			if field == "to" {
				rule = ruleTiesFields
			} else if field == "since" {
				rule = ruleQueryClosed
			}
			res := e.refused(t, req{method: "GET", path: "/api/v1/usage-groups?" + q, key: e.keyA}, rule).want(t, 422)
			if !res.problem(t).hasField(field) {
				t.Errorf("%s: %s is not named: %s", q, field, res.body)
			}
		}
	})
}

func TestMetering_FlushWithoutAFlusherIsUnavailable(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	res := e.do(req{method: "POST", path: "/api/v1/metering/flush", key: e.keyA}).want(t, 503)
	if p := res.problem(t); p.Code != "unavailable" || !strings.Contains(p.Detail, "metering") {
		t.Errorf("problem = %+v", p)
	}
	e.do(req{method: "POST", path: "/api/v1/metering/flush"}).want(t, 401)
}
