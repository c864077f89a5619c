package worker_test

import (
	"testing"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/sqldb/sqldbtest"
	"github.com/dealdesk/dealdesk/worker"
)

// TestApplyEventWorker_AdoptsReconciledEntitlement: reconciliation learns of an entitlement from
// GetEntitlements, which gives no agreement ID, and keys it by the license ARN; the agreement's
// events, applied before or after, must leave exactly one entitlement, keyed by the agreement
// ID, with the license ARN, linked to its offer and opportunity (issue 7, decision 017).
func TestApplyEventWorker_AdoptsReconciledEntitlement(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name           string
		reconcileFirst bool
		events         []string
	}{
		{"reconcile, then the agreement, then the license", true, []string{detailCreated, detailLicense}},
		{"reconcile, then the license, then the agreement", true, []string{detailLicense, detailCreated}},
		{"reconcile, then the agreement alone", true, []string{detailCreated}},
		{"the agreement and the license, then reconcile", false, []string{detailCreated, detailLicense}},
		{"the license and the agreement, then reconcile", false, []string{detailLicense, detailCreated}},
	}
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				e := newEnv(t, engine)
				o := e.newOrg("Acme", true)
				w := worker.NewApplyEventWorker(e.db, e.cat, nil)
				opp, raID := e.publish(o)
				offerID := e.createOffer(raID)
				agreementID, licenseARN := e.accept(offerID)
				var evs []simEvent
				all := e.events()
				for _, typ := range tc.events {
					evs = append(evs, only(all, typ)...)
				}
				if len(evs) != len(tc.events) {
					t.Fatalf("simulator published %d of the events %v", len(evs), tc.events)
				}
				if tc.reconcileFirst {
					e.reconcile(e.reconciler(), o)
				}
				for _, m := range e.deliver(w, o, evs...) {
					if m.Status != dealdesk.InboxApplied {
						t.Fatalf("event marked %+v, want APPLIED", m)
					}
				}
				if !tc.reconcileFirst {
					e.reconcile(e.reconciler(), o)
				}
				ents, _, err := e.db.FindEntitlements(o.ctx, dealdesk.EntitlementFilter{})
				if err != nil {
					t.Fatal(err)
				}
				if len(ents) != 1 {
					t.Fatalf("%d entitlements %+v, want exactly one", len(ents), ents)
				}
				ent := ents[0]
				c := e.chain(o, opp.ID)
				if ent.ExternalID != agreementID || ent.LicenseARN != licenseARN || ent.BuyerAccountID != buyer ||
					ent.Status != dealdesk.EntitlementActive || len(c.Offers) != 1 || ent.OfferID != c.Offers[0].ID ||
					ent.OpportunityID != opp.ID {
					t.Errorf("entitlement %+v, want ACTIVE, keyed by agreement %s, license %s, buyer %s, linked to offer %s and opportunity %s",
						ent, agreementID, licenseARN, buyer, offerID, opp.ID)
				}
			})
		}
	})
}
