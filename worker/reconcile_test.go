package worker_test

import (
	"strings"
	"testing"
	"time"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/awsmp"
	"github.com/dealdesk/dealdesk/sqldb/sqldbtest"
	"github.com/dealdesk/dealdesk/worker"
)

// reconciler is the reconcile worker of env e, on the simulator's clock.
func (e *env) reconciler() *worker.ReconcileWorker {
	return worker.NewReconcileWorker(e.db, e.cat, awsmp.NewEntitlements(awsmp.WithLimits(awsmp.NewLimits(awsmp.Quotas)),
		awsmp.WithRetry(3, 20*time.Millisecond)), e.clock.Now, nil)
}

// reconcile runs one reconciliation of org and returns its repairs.
func (e *env) reconcile(w *worker.ReconcileWorker, o *org) []worker.Repair {
	e.t.Helper()
	repairs, err := w.Reconcile(bg(e.t), dealdesk.ReconcileJob{OrgID: o.id})
	if err != nil {
		e.t.Fatalf("Reconcile: %v", err)
	}
	return repairs
}

// notifications returns org's REPAIRED notifications.
func (e *env) repairedNotifications(o *org) []*dealdesk.Notification {
	e.t.Helper()
	ns, _, err := e.db.FindNotifications(o.ctx, dealdesk.NotificationFilter{Kind: dealdesk.TimelineRepaired, Limit: dealdesk.MaxPageSize})
	if err != nil {
		e.t.Fatal(err)
	}
	return ns
}

// TestReconcileWorker_RepairsDroppedEvents makes a whole deal in the simulator (published
// through awsmp, the reseller's offer and the buyer's acceptance through the control API) and
// applies none of its events: reconciliation alone must give the linked CPPO offer and the
// linked entitlement with buyer and license, and a second run must change and record nothing.
func TestReconcileWorker_RepairsDroppedEvents(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := newEnv(t, engine)
		o := e.newOrg("Acme", true)
		opp, raID := e.publish(o)
		offerID := e.createOffer(raID)
		agreementID, licenseARN := e.accept(offerID)
		w := e.reconciler()

		first := e.reconcile(w, o)
		c := e.chain(o, opp.ID)
		if len(c.Offers) != 1 || len(c.Entitlements) != 1 {
			t.Fatalf("chain after reconciliation: %d offers, %d entitlements; want 1 and 1", len(c.Offers), len(c.Entitlements))
		}
		offer, ent := c.Offers[0], c.Entitlements[0]
		t.Run("the missing CPPO offer exists, linked to its opportunity and accepted", func(t *testing.T) {
			if offer.ExternalID != offerID || offer.OpportunityID != opp.ID || offer.Status != dealdesk.OfferAccepted ||
				offer.ResellerAccountID != reseller || offer.ProductID != o.productID ||
				len(offer.BuyerAccountIDs) != 1 || offer.BuyerAccountIDs[0] != buyer ||
				offer.MarkupPercentage == nil || offer.MarkupPercentage.String() != "5" {
				t.Errorf("offer %+v, want %s of reseller %s for buyer %s at 5%% markup, linked to %s, ACCEPTED",
					offer, offerID, reseller, buyer, opp.ID)
			}
		})
		t.Run("the missing entitlement exists, linked, with buyer and license", func(t *testing.T) {
			if ent.OfferID != offer.ID || ent.OpportunityID != opp.ID || ent.ProductID != o.productID ||
				ent.BuyerAccountID != buyer || ent.ResellerAccountID != reseller || ent.LicenseARN != licenseARN ||
				ent.Status != dealdesk.EntitlementActive || ent.Type != dealdesk.EntitlementCPPO {
				t.Errorf("entitlement %+v, want ACTIVE CPPO of buyer %s with license %s, linked to offer %s and opportunity %s",
					ent, buyer, licenseARN, offer.ID, opp.ID)
			}
		})
		// What no source reconciliation reads carries: GetEntitlements names the license, not
		// the agreement, and the Agreement API shows no CPPO agreement to the manufacturer. So
		// the agreement ID (externalId, the license ARN stands in), the agreement's start time
		// and AWS's report time are missing; the end time is the license's expiration, when
		// GetEntitlements gives one.
		t.Run("the fields no reconciliation source carries are the agreement's", func(t *testing.T) {
			if ent.ExternalID == agreementID || ent.ExternalID != licenseARN {
				t.Errorf("entitlement externalId %q, want the license ARN %q: no read gives agreement %s", ent.ExternalID, licenseARN, agreementID)
			}
			if ent.StartTime != nil || !ent.ReportedAt.IsZero() {
				t.Errorf("entitlement startTime %v, reportedAt %v: no read carries them", ent.StartTime, ent.ReportedAt)
			}
		})
		t.Run("each repair is on the timeline from RECONCILE with a notification", func(t *testing.T) {
			var repaired []*dealdesk.TimelineEntry
			for _, en := range c.Timeline {
				if en.Kind == dealdesk.TimelineRepaired {
					if en.Source != dealdesk.SourceReconcile {
						t.Errorf("repair %+v from %s, want RECONCILE", en, en.Source)
					}
					repaired = append(repaired, en)
				}
			}
			// The offer saved, the entitlement saved, the offer accepted.
			if len(first) != 3 || len(repaired) != 3 {
				t.Errorf("%d repairs, %d REPAIRED entries %+v; want 3 and 3", len(first), len(repaired), repaired)
			}
			if n := len(e.repairedNotifications(o)); n != 3 {
				t.Errorf("%d REPAIRED notifications, want 3", n)
			}
		})
		t.Run("a second run repairs and records nothing", func(t *testing.T) {
			if again := e.reconcile(w, o); len(again) != 0 {
				t.Errorf("second run repaired %+v", again)
			}
			if c2 := e.chain(o, opp.ID); len(c2.Timeline) != len(c.Timeline) || len(c2.Offers) != 1 || len(c2.Entitlements) != 1 {
				t.Errorf("second run: %d timeline entries, %d offers, %d entitlements; want %d, 1, 1",
					len(c2.Timeline), len(c2.Offers), len(c2.Entitlements), len(c.Timeline))
			}
			if n := len(e.repairedNotifications(o)); n != 3 {
				t.Errorf("%d REPAIRED notifications after the second run, want still 3", n)
			}
		})
	})
}

// TestReconcileWorker_AmbiguousLicenseLeftUnlinked: the reseller made two offers for the same
// buyer and product and the buyer accepted one; GetEntitlements does not say which, so the
// entitlement is saved unlinked, with a notification naming both offers.
func TestReconcileWorker_AmbiguousLicenseLeftUnlinked(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := newEnv(t, engine)
		o := e.newOrg("Acme", true)
		opp, raID := e.publish(o)
		offer1, offer2 := e.createOffer(raID), e.createOffer(raID)
		_, licenseARN := e.accept(offer2)

		e.reconcile(e.reconciler(), o)
		c := e.chain(o, opp.ID)
		if len(c.Offers) != 2 {
			t.Fatalf("chain has %d offers, want both", len(c.Offers))
		}
		ents, _, err := e.db.FindEntitlements(o.ctx, dealdesk.EntitlementFilter{})
		if err != nil || len(ents) != 1 {
			t.Fatalf("entitlements %+v (%v), want one", ents, err)
		}
		ent := ents[0]
		if ent.OfferID != "" || ent.OpportunityID != "" || ent.LicenseARN != licenseARN || ent.BuyerAccountID != buyer || ent.ProductID != o.productID {
			t.Errorf("entitlement %+v, want unlinked, with buyer %s, product and license %s", ent, buyer, licenseARN)
		}
		var about []*dealdesk.Notification
		for _, n := range e.repairedNotifications(o) {
			if n.EntitlementID == ent.ID {
				about = append(about, n)
			}
		}
		if len(about) != 1 || !strings.Contains(about[0].Summary, offer1) || !strings.Contains(about[0].Summary, offer2) ||
			!strings.Contains(about[0].Summary, "unlinked") {
			t.Errorf("notifications about the entitlement %+v, want one naming %s and %s and saying it is unlinked", about, offer1, offer2)
		}
	})
}

// TestReconcileWorker_RestrictedResaleAuthorization: a resale authorization restricted on AWS
// whose event dealdesk missed cancels its ACTIVE opportunity, once.
func TestReconcileWorker_RestrictedResaleAuthorization(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := newEnv(t, engine)
		o := e.newOrg("Acme", true)
		opp, raID := e.publish(o)
		conn, err := e.db.AWSConnectionWithSecret(o.ctx)
		if err != nil {
			t.Fatal(err)
		}
		csID, err := e.cat.RestrictResaleAuthorization(o.ctx, conn, raID, dealdesk.RestrictToken(opp.ID))
		if err != nil {
			t.Fatalf("RestrictResaleAuthorization: %v", err)
		}
		if res, err := e.cat.DescribeChangeSet(o.ctx, conn, csID); err != nil || res.Status != dealdesk.ChangeSetSucceeded {
			t.Fatalf("restrict change set: %+v, %v", res, err)
		}
		w := e.reconciler()
		repairs := e.reconcile(w, o)
		got := e.chain(o, opp.ID).Opportunity
		if got.Status != dealdesk.OfferCancelled || len(repairs) != 1 || repairs[0].SubjectID != opp.ID {
			t.Errorf("opportunity %s after reconciliation, repairs %+v; want CANCELLED by one repair", got.Status, repairs)
		}
		// The timeline says what happened, as the event would have, and that reconciliation
		// found it.
		kinds := map[dealdesk.TimelineKind]int{}
		for _, en := range e.chain(o, opp.ID).Timeline {
			if en.Source == dealdesk.SourceReconcile {
				kinds[en.Kind]++
			}
		}
		if kinds[dealdesk.TimelineRestricted] != 1 || kinds[dealdesk.TimelineRepaired] != 1 || len(kinds) != 2 {
			t.Errorf("reconciliation's timeline entries by kind %v; want one RESTRICTED and one REPAIRED", kinds)
		}
		if again := e.reconcile(w, o); len(again) != 0 {
			t.Errorf("second run repaired %+v", again)
		}
	})
}
