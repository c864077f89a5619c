package worker_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/awsmp"
	"github.com/dealdesk/dealdesk/sqldb/sqldbtest"
	"github.com/dealdesk/dealdesk/worker"
)

// publicLicenseARN is the license of the buyer's public purchase of the demo product; it sorts
// before the simulator's CPPO licenses (".../license:l-...").
const publicLicenseARN = "arn:aws:license-manager::" + seller + ":license:a-public"

// withPublicPurchase is the simulator's Entitlement Service, read through awsmp, plus a license
// the buyer holds from a public purchase of the product: the simulator makes only CPPO deals,
// while GetEntitlements lists every license of the product (review 7 F6).
type withPublicPurchase struct{ real dealdesk.EntitlementReader }

func (r withPublicPurchase) GetEntitlements(ctx context.Context, conn *dealdesk.AWSConnection, code string) ([]dealdesk.MarketplaceEntitlement, error) {
	got, err := r.real.GetEntitlements(ctx, conn, code)
	if err != nil {
		return nil, err
	}
	return append(got, dealdesk.MarketplaceEntitlement{ProductCode: code, Dimension: "users", CustomerAWSAccountID: buyer, LicenseARN: publicLicenseARN}), nil
}

// TestReconcileWorker_PublicPurchaseLicense: a license of the buyer's public purchase is never
// recorded on a CPPO entitlement nor made into one, whether the buyer's CPPO entitlement lacks
// its license (its License Updated was dropped) or has ended.
func TestReconcileWorker_PublicPurchaseLicense(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		end    bool   // the CPPO agreement ends before reconciliation
		except string // the detail type of the event not delivered
		want   dealdesk.EntitlementStatus
	}{
		{"an entitlement lacking its license does not get the public one", false, detailLicense, dealdesk.EntitlementActive},
		{"an ended CPPO deal is not revived by the public license", true, "", dealdesk.EntitlementExpired},
	}
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				e := newEnv(t, engine)
				o := e.newOrg("Acme", true)
				opp, raID := e.publish(o)
				agreementID, _ := e.accept(e.createOffer(raID))
				if tc.end {
					e.control(http.MethodPost, "/_sim/agreements/"+agreementID+"/end", map[string]any{"status": "EXPIRED"}, nil)
				}
				var evs []simEvent
				for _, ev := range e.events() {
					if ev.Type != tc.except {
						evs = append(evs, ev)
					}
				}
				e.deliver(worker.NewApplyEventWorker(e.db, e.cat, nil), o, evs...)
				w := worker.NewReconcileWorker(e.db, e.cat, withPublicPurchase{awsmp.NewEntitlements(awsmp.WithLimits(awsmp.NewLimits(awsmp.Quotas)),
					awsmp.WithRetry(3, 20*time.Millisecond))}, e.clock.Now, nil)
				e.reconcile(w, o)

				ents, _, err := e.db.FindEntitlements(o.ctx, dealdesk.EntitlementFilter{})
				if err != nil {
					t.Fatal(err)
				}
				if len(ents) != 1 {
					t.Fatalf("%d entitlements, want only the CPPO deal's", len(ents))
				}
				if got := ents[0]; got.ExternalID != agreementID || got.LicenseARN == publicLicenseARN || got.Status != tc.want ||
					got.OpportunityID != opp.ID {
					t.Errorf("entitlement %s %s license %q of opportunity %s; want %s %s of %s without the public license %s",
						got.ExternalID, got.Status, got.LicenseARN, got.OpportunityID, agreementID, tc.want, opp.ID, publicLicenseARN)
				}
			})
		}
	})
}
