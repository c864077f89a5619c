package worker_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/sqldb/sqldbtest"
	"github.com/dealdesk/dealdesk/worker"
)

// directLicenseEvent is a license event of detail type typ for a direct agreement of the demo
// product: AWS sends license events for every agreement of the product (reference §2.1).
func directLicenseEvent(id, typ string) simEvent {
	body := fmt.Sprintf(`{"version":"0","id":"%s","detail-type":"%s","source":"aws.agreement-marketplace","account":"%s",`+
		`"time":"2030-01-01T00:00:00Z","region":"us-east-1","resources":[],"detail":{"agreement":{"id":"agmt-direct"},`+
		`"product":{"code":"%s","id":"%s"},"license":{"arn":"arn:aws:license-manager::%s:license:l-direct"},`+
		`"acceptor":{"accountId":"999988887777"},"proposer":{"accountId":"%s"},"offer":{"id":"offer-public"}}}`,
		id, typ, seller, productCode, productID, seller, seller)
	return simEvent{ID: id, Type: typ, Body: []byte(body)}
}

// TestApplyEventWorker_LicenseOfDirectAgreement: a license event of an agreement dealdesk has no
// entitlement for, whose offer the Catalog does not show made from a resale authorization, is
// marked UNKNOWN with a note and creates no CPPO entitlement (review 7 F3).
func TestApplyEventWorker_LicenseOfDirectAgreement(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, typ string }{
		{"License Updated", detailLicense},
		{"License Deprovisioned", "License Deprovisioned - Manufacturer"},
	}
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := newEnv(t, engine)
		w := worker.NewApplyEventWorker(e.db, e.cat, nil)
		for i, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				o := e.newOrg(fmt.Sprintf("Org %d", i), true)
				marked := e.deliver(w, o, directLicenseEvent(fmt.Sprintf("ev-direct-%d", i), tc.typ))
				if len(marked) != 1 {
					t.Fatalf("%d events marked, want 1", len(marked))
				}
				if m := marked[0]; m.Status != dealdesk.InboxUnknown || !strings.Contains(m.Error, "agmt-direct") {
					t.Errorf("event marked %s %q, want UNKNOWN with a note naming agmt-direct", m.Status, m.Error)
				}
				ents, _, err := e.db.FindEntitlements(o.ctx, dealdesk.EntitlementFilter{})
				if err != nil || len(ents) != 0 {
					t.Errorf("%d entitlements (%v), want none", len(ents), err)
				}
			})
		}
	})
}
