package worker_test

import (
	"context"
	"testing"
	"time"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/sqldb/sqldbtest"
	"github.com/dealdesk/dealdesk/worker"
)

// notYetListed is an Entitlement Service that does not list a license yet: GetEntitlements is
// eventually consistent with License Manager, so a license event can beat it (review 7 F1).
type notYetListed struct{}

func (notYetListed) GetEntitlements(context.Context, *dealdesk.AWSConnection, string) ([]dealdesk.MarketplaceEntitlement, error) {
	return nil, nil
}

// TestReconcileWorker_UnlistedLicenseGrace: a deal made on the simulator with all its events
// applied (ACTIVE, with its license) is not ended by a reconciliation whose GetEntitlements does
// not list the license yet; one run more than UnlistedGrace after the entitlement's last change
// ends it (CANCELLED: its end time is ahead).
func TestReconcileWorker_UnlistedLicenseGrace(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := newEnv(t, engine)
		o := e.newOrg("Acme", true)
		opp, raID := e.publish(o)
		e.accept(e.createOffer(raID))
		e.deliver(worker.NewApplyEventWorker(e.db, e.cat, nil), o, e.events()...)
		c := e.chain(o, opp.ID)
		if len(c.Entitlements) != 1 || c.Entitlements[0].Status != dealdesk.EntitlementActive || c.Entitlements[0].LicenseARN == "" {
			t.Fatalf("entitlements after the events %+v, want one ACTIVE with its license", c.Entitlements)
		}
		if len(opp.EntitledDimensions) == 0 {
			t.Fatalf("opportunity %+v grants no entitled dimensions: its license is never listed, nothing is tested", opp)
		}
		w := worker.NewReconcileWorker(e.db, e.cat, notYetListed{}, e.clock.Now, nil)

		t.Run("a license not listed yet leaves a just-licensed entitlement ACTIVE", func(t *testing.T) {
			repairs := e.reconcile(w, o)
			for _, r := range repairs {
				if r.SubjectType == dealdesk.SubjectEntitlement {
					t.Errorf("repair %+v of the entitlement, want none", r)
				}
			}
			if got := e.chain(o, opp.ID).Entitlements[0].Status; got != dealdesk.EntitlementActive {
				t.Errorf("entitlement %s, want ACTIVE", got)
			}
		})
		t.Run("a license still not listed after the grace ends the entitlement", func(t *testing.T) {
			e.clock.mu.Lock()
			e.clock.now = e.clock.now.Add(worker.UnlistedGrace + 2*time.Minute)
			e.clock.mu.Unlock()
			e.reconcile(w, o)
			if got := e.chain(o, opp.ID).Entitlements[0].Status; got != dealdesk.EntitlementCancelled {
				t.Errorf("entitlement %s, want CANCELLED", got)
			}
		})
	})
}
