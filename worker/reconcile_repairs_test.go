package worker_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/sqldb/sqldbtest"
	"github.com/dealdesk/dealdesk/worker"
)

// Detail types of the simulator's events of a deal.
const (
	typeOfferReleased    = "Offer Released"
	typeAgreementCreated = "Purchase Agreement Created - Manufacturer"
	typeLicenseUpdated   = "License Updated - Manufacturer"
)

// deal is one deal made on the simulator: its opportunity and AWS IDs.
type deal struct {
	opp                         *dealdesk.Offer
	offerID, agreement, license string
}

// makeDeal publishes an opportunity of org, has the reseller release a CPPO offer from it for
// the buyer and the buyer accept it; none of its events is applied.
func (e *env) makeDeal(o *org) deal {
	opp, raID := e.publish(o)
	d := deal{opp: opp, offerID: e.createOffer(raID)}
	d.agreement, d.license = e.accept(d.offerID)
	return d
}

// endAgreement plays AWS ending agreementID as CANCELLED.
func (e *env) endAgreement(agreementID string) {
	e.clock.step()
	e.control(http.MethodPost, "/_sim/agreements/"+agreementID+"/end", map[string]any{"status": "CANCELLED"}, nil)
}

// advance moves the simulator's clock, which the reconcile worker runs on, by d.
func (e *env) advance(d time.Duration) {
	e.clock.mu.Lock()
	e.clock.now = e.clock.now.Add(d)
	e.clock.mu.Unlock()
}

// ents dereferences entitlements for a test's message.
func ents(list []*dealdesk.Entitlement) []dealdesk.Entitlement {
	out := make([]dealdesk.Entitlement, 0, len(list))
	for _, e := range list {
		out = append(out, *e)
	}
	return out
}

// applyOnly applies, of the simulator's events so far, only those of the detail types types.
func (e *env) applyOnly(o *org, types ...string) {
	e.t.Helper()
	var evs []simEvent
	for _, typ := range types {
		evs = append(evs, only(e.events(), typ)...)
	}
	if len(evs) != len(types) {
		e.t.Fatalf("%d events of types %v, want one each", len(evs), types)
	}
	e.deliver(worker.NewApplyEventWorker(e.db, e.cat, nil), o, evs...)
}

// TestReconcileWorker_LicenseWithoutAgreementEvent: of a deal only "License Updated" came
// ("Offer Released" and "Purchase Agreement Created" were lost). The license makes the offer
// ACCEPTED; reconciliation fills the entitlement's end from the license's expiration and the
// offer's buyers, markup and expiry from the Catalog (review of issue 7, findings 1 and 2), and a
// second run repairs nothing.
func TestReconcileWorker_LicenseWithoutAgreementEvent(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := newEnv(t, engine)
		o := e.newOrg("Acme", true)
		d := e.makeDeal(o)
		e.applyOnly(o, typeLicenseUpdated)
		c := e.chain(o, d.opp.ID)
		if len(c.Offers) != 1 || len(c.Entitlements) != 1 {
			t.Fatalf("chain after the license event: %d offers, %d entitlements; want 1 and 1", len(c.Offers), len(c.Entitlements))
		}
		if off, ent := c.Offers[0], c.Entitlements[0]; off.Status != dealdesk.OfferAccepted || ent.OfferID != off.ID ||
			ent.LicenseARN != d.license || ent.EndTime != nil || off.MarkupPercentage != nil {
			t.Fatalf("after the license event: offer %+v, entitlement %+v; want the offer ACCEPTED without markup, the entitlement "+
				"linked with license %s and no end (the events carrying them were lost)", off, ent, d.license)
		}

		w := e.reconciler()
		e.reconcile(w, o)
		c = e.chain(o, d.opp.ID)
		off, ent := c.Offers[0], c.Entitlements[0]
		t.Run("the entitlement's end is the license's expiration", func(t *testing.T) {
			if ent.EndTime == nil || !ent.EndTime.After(e.clock.Now().AddDate(0, 11, 0)) || ent.Status != dealdesk.EntitlementActive {
				t.Errorf("entitlement %+v, want ACTIVE ending about a year ahead (the P12M contract)", ent)
			}
		})
		t.Run("the offer has what the Catalog carries", func(t *testing.T) {
			if off.Status != dealdesk.OfferAccepted || off.OpportunityID != d.opp.ID || len(off.BuyerAccountIDs) != 1 ||
				off.BuyerAccountIDs[0] != buyer || off.MarkupPercentage == nil || off.MarkupPercentage.String() != "5" || off.ExpiryDate == nil {
				t.Errorf("offer %+v, want ACCEPTED, linked, for buyer %s at 5%% markup with an expiry", off, buyer)
			}
		})
		t.Run("a second run repairs nothing", func(t *testing.T) {
			if again := e.reconcile(w, o); len(again) != 0 {
				t.Errorf("second run repaired %+v", again)
			}
		})
	})
}

// TestReconcileWorker_EndsUnlistedEntitlementWithoutEndTime: of a deal only "License Updated"
// came, so its entitlement has no end time, and the agreement was then cancelled ("Purchase
// Agreement Ended" lost too). Once its license is no longer listed, reconciliation ends it:
// CANCELLED while its P12M contract could not have run out yet, EXPIRED after (review of issue
// 7, finding 3).
func TestReconcileWorker_EndsUnlistedEntitlementWithoutEndTime(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		for _, tc := range []struct {
			name  string
			after time.Duration
			want  dealdesk.EntitlementStatus
		}{
			{"before the contract could run out: CANCELLED", worker.UnlistedGrace + 2*time.Minute, dealdesk.EntitlementCancelled},
			{"after it could have: EXPIRED", 400 * 24 * time.Hour, dealdesk.EntitlementExpired},
		} {
			t.Run(tc.name, func(t *testing.T) {
				e := newEnv(t, engine)
				o := e.newOrg("Acme", true)
				d := e.makeDeal(o)
				e.applyOnly(o, typeLicenseUpdated)
				e.endAgreement(d.agreement)
				e.advance(tc.after)
				e.reconcile(e.reconciler(), o)
				c := e.chain(o, d.opp.ID)
				if len(c.Entitlements) != 1 || c.Entitlements[0].Status != tc.want || c.Entitlements[0].LicenseARN != d.license {
					t.Fatalf("entitlements %+v, want one %s with license %s", ents(c.Entitlements), tc.want, d.license)
				}
			})
		}
	})
}

// TestReconcileWorker_EndsEntitlementWhoseLicenseNeverCame: "Purchase Agreement Created" came
// but "License Updated" was lost. While the agreement is in force, reconciliation records the
// license GetEntitlements lists. Once the agreement ended ("Purchase Agreement Ended" lost too)
// no source carries the license any more: reconciliation still ends the entitlement, since its
// buyer holds no license no entitlement holds (review of issue 7, finding 4; decision 024).
func TestReconcileWorker_EndsEntitlementWhoseLicenseNeverCame(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		t.Run("in force: its license is recorded", func(t *testing.T) {
			e := newEnv(t, engine)
			o := e.newOrg("Acme", true)
			d := e.makeDeal(o)
			e.applyOnly(o, typeOfferReleased, typeAgreementCreated)
			e.advance(worker.UnlistedGrace + 2*time.Minute)
			e.reconcile(e.reconciler(), o)
			c := e.chain(o, d.opp.ID)
			if len(c.Entitlements) != 1 || c.Entitlements[0].Status != dealdesk.EntitlementActive || c.Entitlements[0].LicenseARN != d.license {
				t.Fatalf("entitlements %+v, want one ACTIVE with license %s", ents(c.Entitlements), d.license)
			}
		})
		t.Run("ended: it is CANCELLED without its license", func(t *testing.T) {
			e := newEnv(t, engine)
			o := e.newOrg("Acme", true)
			d := e.makeDeal(o)
			e.applyOnly(o, typeOfferReleased, typeAgreementCreated)
			e.endAgreement(d.agreement)
			w := e.reconciler()
			e.reconcile(w, o)
			if c := e.chain(o, d.opp.ID); len(c.Entitlements) != 1 || c.Entitlements[0].Status != dealdesk.EntitlementActive {
				t.Fatalf("entitlements %+v within the grace, want one still ACTIVE", ents(c.Entitlements))
			}
			e.advance(worker.UnlistedGrace + 2*time.Minute)
			e.reconcile(w, o)
			c := e.chain(o, d.opp.ID)
			if len(c.Entitlements) != 1 || c.Entitlements[0].Status != dealdesk.EntitlementCancelled || c.Entitlements[0].LicenseARN != "" {
				t.Fatalf("entitlements %+v, want one CANCELLED (ended before its end time), its license unknown", ents(c.Entitlements))
			}
			var ended bool
			for _, n := range e.repairedNotifications(o) {
				ended = ended || (n.EntitlementID == c.Entitlements[0].ID && strings.Contains(n.Summary, "CANCELLED"))
			}
			if !ended {
				t.Errorf("no REPAIRED notification says the entitlement is CANCELLED: %+v", e.repairedNotifications(o))
			}
			if again := e.reconcile(w, o); len(again) != 0 {
				t.Errorf("second run repaired %+v", again)
			}
		})
	})
}

// TestReconcileWorker_TwoDealsOfOneBuyerLeftUnlinked: two opportunities, each with a CPPO offer
// for the same buyer and product, both accepted, and every event of both lost. GetEntitlements
// gives two licenses of that buyer and names no offer, so which license is which deal's nothing
// says: each is saved unlinked with a notification naming both offers (decision 017), rather
// than linked by a guess. TestRunner_DeliveryFaults gives each deal its own buyer for this.
func TestReconcileWorker_TwoDealsOfOneBuyerLeftUnlinked(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := newEnv(t, engine)
		o := e.newOrg("Acme", true)
		d1, d2 := e.makeDeal(o), e.makeDeal(o)
		e.reconcile(e.reconciler(), o)
		for _, d := range []deal{d1, d2} {
			if c := e.chain(o, d.opp.ID); len(c.Offers) != 1 || len(c.Entitlements) != 0 {
				t.Errorf("chain of %s: %d offers, %d entitlements; want its offer and no entitlement linked by a guess",
					d.opp.ID, len(c.Offers), len(c.Entitlements))
			}
		}
		ents, _, err := e.db.FindEntitlements(o.ctx, dealdesk.EntitlementFilter{})
		if err != nil || len(ents) != 2 {
			t.Fatalf("entitlements %+v (%v), want two", ents, err)
		}
		notes := e.repairedNotifications(o)
		for _, ent := range ents {
			if ent.OfferID != "" || ent.OpportunityID != "" || ent.BuyerAccountID != buyer || (ent.LicenseARN != d1.license && ent.LicenseARN != d2.license) {
				t.Errorf("entitlement %+v, want unlinked, of buyer %s, with one of the two licenses", ent, buyer)
			}
			var about int
			for _, n := range notes {
				if n.EntitlementID == ent.ID && strings.Contains(n.Summary, d1.offerID) && strings.Contains(n.Summary, d2.offerID) &&
					strings.Contains(n.Summary, "unlinked") {
					about++
				}
			}
			if about != 1 {
				t.Errorf("entitlement %s: %d notifications naming both offers and saying it is unlinked, want 1: %+v", ent.ID, about, notes)
			}
		}
	})
}
