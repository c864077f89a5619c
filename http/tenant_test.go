package http_test

import (
	"strings"
	"testing"
	"time"

	"github.com/dealdesk/dealdesk"
)

// TestTenantIsolation checks that organization B's key sees nothing of organization A: lists are
// empty, every read and change of A's resources is 404 and names none of A's data, and A's
// resources are unchanged afterwards.
func TestTenantIsolation(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *env) {
		p := e.createProduct(e.keyA, "prod-secret1")
		opp := e.createOpportunity(e.keyA, p.ID)
		var draft dealdesk.Offer
		e.do(req{method: "POST", path: "/api/v1/offers?draft=true", key: e.keyA,
			body: map[string]any{"type": "CPPO_OUT", "name": "Secret draft"}}).want(t, 201).decode(t, &draft)
		start := testNow.Add(-time.Hour)
		ent, err := e.db.SaveEntitlement(e.ctxA(), &dealdesk.Entitlement{
			Type: dealdesk.EntitlementCPPO, Status: dealdesk.EntitlementActive, ExternalID: "agmt-secret123",
			ProductID: p.ID, BuyerAccountID: "210987654321", ResellerAccountID: "123456789012", StartTime: &start,
		}, "")
		if err != nil {
			t.Fatalf("SaveEntitlement: %v", err)
		}
		e.do(req{method: "PUT", path: "/api/v1/resellers/123456789012", key: e.keyA, body: map[string]any{"legalName": "Secret Reseller"}}).want(t, 200)
		e.do(req{method: "PUT", path: "/api/v1/buyers/210987654321", key: e.keyA, body: map[string]any{"name": "Secret Buyer"}}).want(t, 200)

		// What B must never see of A (the IDs B sends itself may be echoed back).
		secrets := []string{p.ExternalID, p.Title, opp.Name, draft.Name, ent.ExternalID, "Secret", "123456789012", "210987654321"}
		for _, path := range []string{"/api/v1/products", "/api/v1/offers", "/api/v1/offers?type=CPPO_OUT",
			"/api/v1/offers?productId=" + p.ID, "/api/v1/entitlements", "/api/v1/entitlements?productId=" + p.ID,
			"/api/v1/resellers", "/api/v1/buyers"} {
			t.Run("list "+path, func(t *testing.T) {
				e := e.in(t)
				var l listResp[map[string]any]
				e.do(req{method: "GET", path: path, key: e.keyA}).want(t, 200).decode(t, &l)
				if len(l.Items) == 0 {
					t.Fatal("organization A sees nothing here either: the empty list for B would prove nothing")
				}
				e.do(req{method: "GET", path: path, key: e.keyB}).want(t, 200).decode(t, &l)
				if len(l.Items) != 0 {
					t.Errorf("organization B sees %d items", len(l.Items))
				}
			})
		}
		for _, r := range []req{
			{method: "GET", path: "/api/v1/products/" + p.ID},
			{method: "GET", path: "/api/v1/offers/" + opp.ID},
			{method: "GET", path: "/api/v1/offers/" + draft.ID},
			{method: "PATCH", path: "/api/v1/offers/" + draft.ID, body: map[string]any{"name": "Taken over"}},
			{method: "POST", path: "/api/v1/offers/" + draft.ID + "/submit"},
			{method: "POST", path: "/api/v1/offers/" + opp.ID + "/submit"},
			{method: "POST", path: "/api/v1/offers/" + draft.ID + "/cancel"},
			{method: "DELETE", path: "/api/v1/offers/" + draft.ID},
			{method: "DELETE", path: "/api/v1/offers/" + opp.ID},
			{method: "GET", path: "/api/v1/offers/" + opp.ID + "/chain"},
			{method: "GET", path: "/api/v1/entitlements/" + ent.ID},
		} {
			t.Run(r.method+" "+r.path, func(t *testing.T) {
				e := e.in(t)
				r.key = e.keyB
				res := e.do(r).want(t, 404)
				for _, s := range secrets {
					if strings.Contains(string(res.body), s) {
						t.Errorf("404 answer reveals %q: %s", s, res.body)
					}
				}
			})
		}

		// A's data is intact.
		var got dealdesk.Offer
		e.do(req{method: "GET", path: "/api/v1/offers/" + draft.ID, key: e.keyA}).want(t, 200).decode(t, &got)
		if got.Name != "Secret draft" || got.Status != dealdesk.OfferDraft {
			t.Errorf("A's draft after B's attempts: %+v", got)
		}
		e.do(req{method: "GET", path: "/api/v1/offers/" + opp.ID, key: e.keyA}).want(t, 200).decode(t, &got)
		if got.Status != dealdesk.OfferDraft {
			t.Errorf("A's opportunity after B's attempts: status %s", got.Status)
		}
		e.do(req{method: "GET", path: "/api/v1/entitlements/" + ent.ID, key: e.keyA}).want(t, 200)
		e.do(req{method: "GET", path: "/api/v1/products/" + p.ID, key: e.keyA}).want(t, 200)
	})
}
