package http_test

import (
	"slices"
	"testing"
	"time"

	"github.com/dealdesk/dealdesk"
)

func TestEntitlements_ListAndGet(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *env) {
		p := e.createProduct(e.keyA, "prod-abc123")
		start := testNow.Add(-24 * time.Hour)
		end := start.AddDate(1, 0, 0)
		save := func(agreement string, status dealdesk.EntitlementStatus) *dealdesk.Entitlement {
			ent, err := e.db.SaveEntitlement(e.ctxA(), &dealdesk.Entitlement{
				Type: dealdesk.EntitlementCPPO, Status: status, ExternalID: agreement, ProductID: p.ID,
				BuyerAccountID: "210987654321", ResellerAccountID: "123456789012",
				LicenseARN: "arn:aws:license-manager::294406891311:license:l-" + agreement, StartTime: &start, EndTime: &end,
			}, "")
			if err != nil {
				t.Fatalf("SaveEntitlement: %v", err)
			}
			return ent
		}
		active := save("agmt-aaa111", dealdesk.EntitlementActive)
		ended := save("agmt-bbb222", dealdesk.EntitlementCancelled)
		third := save("agmt-ccc333", dealdesk.EntitlementActive)

		var got dealdesk.Entitlement
		e.do(req{method: "GET", path: "/api/v1/entitlements/" + active.ID, key: e.keyA}).want(t, 200).decode(t, &got)
		if got.ExternalID != "agmt-aaa111" || got.Status != dealdesk.EntitlementActive || got.ProductID != p.ID ||
			got.StartTime == nil || !got.StartTime.Equal(start) {
			t.Errorf("GET entitlement = %+v", got)
		}
		e.do(req{method: "GET", path: "/api/v1/entitlements/ent_00000000000000000000000000", key: e.keyA}).want(t, 404)

		tests := []struct {
			query string
			want  []string
		}{
			{"", []string{third.ID, ended.ID, active.ID}},
			{"status=ACTIVE", []string{third.ID, active.ID}},
			{"status=CANCELLED&type=CPPO", []string{ended.ID}},
			{"status=EXPIRED", nil},
			{"productId=" + p.ID, []string{third.ID, ended.ID, active.ID}},
			{"productId=prd_00000000000000000000000000", nil},
			{"offerId=off_00000000000000000000000000", nil},
		}
		for _, tt := range tests {
			t.Run("filter "+tt.query, func(t *testing.T) {
				e := e.in(t)
				var l listResp[dealdesk.Entitlement]
				e.do(req{method: "GET", path: "/api/v1/entitlements?" + tt.query, key: e.keyA}).want(t, 200).decode(t, &l)
				var ids []string
				for _, x := range l.Items {
					ids = append(ids, x.ID)
				}
				if !slices.Equal(ids, tt.want) {
					t.Errorf("got %v, want %v", ids, tt.want)
				}
			})
		}

		var page listResp[dealdesk.Entitlement]
		e.do(req{method: "GET", path: "/api/v1/entitlements?limit=2", key: e.keyA}).want(t, 200).decode(t, &page)
		if len(page.Items) != 2 || page.NextCursor == "" {
			t.Fatalf("first page: %d items, cursor %q", len(page.Items), page.NextCursor)
		}
		var rest listResp[dealdesk.Entitlement]
		e.do(req{method: "GET", path: "/api/v1/entitlements?limit=2&cursor=" + page.NextCursor, key: e.keyA}).want(t, 200).decode(t, &rest)
		if len(rest.Items) != 1 || rest.Items[0].ID != active.ID || rest.NextCursor != "" {
			t.Errorf("second page: %+v, cursor %q", rest.Items, rest.NextCursor)
		}

		res := e.refused(t, req{method: "GET", path: "/api/v1/entitlements?status=LIVE", key: e.keyA}, "").want(t, 422)
		if !res.problem(t).hasField("status") {
			t.Errorf("bad status filter not named: %s", res.body)
		}
	})
}
