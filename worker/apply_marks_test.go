package worker_test

import (
	"context"
	"testing"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/sqldb/sqldbtest"
	"github.com/dealdesk/dealdesk/worker"
)

// TestApplyEventWorker_Marks checks that events the worker cannot or need not apply are marked,
// and that the job still succeeds.
func TestApplyEventWorker_Marks(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := newEnv(t, engine)
		o := e.newOrg("Acme", true)
		w := worker.NewApplyEventWorker(e.db, e.cat, nil)
		cases := []struct {
			name    string
			channel dealdesk.InboxChannel
			body    string
			want    dealdesk.InboxStatus
		}{
			{"not JSON is malformed", dealdesk.ChannelEventBridge, `{not json`, dealdesk.InboxMalformed},
			{"an envelope without its detail is malformed", dealdesk.ChannelEventBridge,
				`{"version":"0","id":"ev-2","detail-type":"Offer Released","source":"aws.marketplacecatalog","account":"111122223333","time":"2030-01-01T00:00:00Z"}`,
				dealdesk.InboxMalformed},
			{"an SQS body that is neither shape is malformed", dealdesk.ChannelSQS, `{"hello":"world"}`, dealdesk.InboxMalformed},
			{"another detail type is unknown", dealdesk.ChannelEventBridge,
				`{"version":"0","id":"ev-4","detail-type":"Purchase Agreement Created - Proposer","source":"aws.agreement-marketplace","account":"111122223333","time":"2030-01-01T00:00:00Z","detail":{}}`,
				dealdesk.InboxUnknown},
			{"a direct agreement is unknown", dealdesk.ChannelEventBridge,
				`{"version":"0","id":"ev-5","detail-type":"Purchase Agreement Created - Manufacturer","source":"aws.agreement-marketplace","account":"111122223333","time":"2030-01-01T00:00:00Z","detail":{"agreement":{"id":"agmt-direct1","status":"ACTIVE"},"resaleAuthorization":null,"offer":{"id":"offer-direct1"},"acceptor":{"accountId":"210987654321"},"proposer":{"accountId":"111122223333"}}}`,
				dealdesk.InboxUnknown},
			{"a change set event is applied", dealdesk.ChannelEventBridge,
				`{"version":"0","id":"ev-6","detail-type":"Change Set Succeeded","source":"aws.marketplacecatalog","account":"111122223333","time":"2030-01-01T00:00:00Z","detail":{"Catalog":"AWSMarketplace","ChangeSetId":"cs-1","ChangeSetName":"x"}}`,
				dealdesk.InboxApplied},
			{"an agreement with a bad buyer account fails", dealdesk.ChannelEventBridge,
				`{"version":"0","id":"ev-7","detail-type":"Purchase Agreement Created - Manufacturer","source":"aws.agreement-marketplace","account":"111122223333","time":"2030-01-01T00:00:00Z","detail":{"agreement":{"id":"agmt-bad1","status":"ACTIVE"},"resaleAuthorization":{"id":"resaleauthz-x"},"offer":{"id":"offer-bad1"},"acceptor":{"accountId":"12"},"proposer":{"accountId":"444455556666"}}}`,
				dealdesk.InboxFailed},
		}
		for i, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				stored, _, err := e.db.StoreInboxEvent(o.ctx, &dealdesk.InboxEvent{Channel: tc.channel,
					EventID: "mark-" + string(rune('a'+i)), Body: []byte(tc.body)})
				if err != nil {
					t.Fatal(err)
				}
				if err := w.Apply(context.Background(), dealdesk.ApplyEventJob{OrgID: o.id, InboxEventID: stored.ID}); err != nil {
					t.Fatalf("Apply: %v, want the job to succeed", err)
				}
				got, err := e.db.FindInboxEventByID(o.ctx, stored.ID)
				if err != nil {
					t.Fatal(err)
				}
				if got.Status != tc.want {
					t.Fatalf("marked %s (%q), want %s", got.Status, got.Error, tc.want)
				}
				if tc.want != dealdesk.InboxApplied && got.Error == "" {
					t.Errorf("marked %s without saying why", got.Status)
				}
			})
		}
		es, _, err := e.db.FindEntitlements(o.ctx, dealdesk.EntitlementFilter{})
		if err != nil || len(es) != 0 {
			t.Errorf("entitlements after the marked events: %d (%v), want none", len(es), err)
		}
	})
}

// TestApplyEventWorker_Links checks the links made whatever arrives first: an agreement before
// its offer, and an offer whose organization has no AWS connection to look it up with.
func TestApplyEventWorker_Links(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := newEnv(t, engine)
		o := e.newOrg("Acme", true)
		w := worker.NewApplyEventWorker(e.db, e.cat, nil)
		opp, raID := e.publish(o)
		offerID := e.createOffer(raID)
		agreementID, _ := e.accept(offerID)
		evs := e.events()

		t.Run("an agreement before its offer is linked at once and keeps the offer's fields", func(t *testing.T) {
			e.deliver(w, o, only(evs, detailCreated)...)
			c := e.chain(o, opp.ID)
			if len(c.Entitlements) != 1 || len(c.Offers) != 1 {
				t.Fatalf("chain has %d offers and %d entitlements, want 1 and 1", len(c.Offers), len(c.Entitlements))
			}
			if ent := c.Entitlements[0]; ent.ExternalID != agreementID || ent.OfferID != c.Offers[0].ID || ent.OpportunityID != opp.ID {
				t.Fatalf("entitlement %+v not linked to offer %s and opportunity %s", ent, c.Offers[0].ID, opp.ID)
			}
			e.deliver(w, o, only(evs, detailOfferReleased)...)
			off := e.chain(o, opp.ID).Offers[0]
			if off.Status != dealdesk.OfferAccepted || off.Name == "" || len(off.BuyerAccountIDs) != 1 || off.MarkupPercentage == nil {
				t.Fatalf("offer after a late Offer Released %+v: want ACCEPTED with name, buyer and markup", off)
			}
		})

		t.Run("without an AWS connection the offer is saved unlinked with a note", func(t *testing.T) {
			bare := e.newOrg("No connection", false)
			marked := e.deliver(w, bare, only(evs, detailOfferReleased)...)
			if len(marked) != 1 || marked[0].Status != dealdesk.InboxApplied || marked[0].Error == "" {
				t.Fatalf("marked %+v, want APPLIED with a note", marked)
			}
			offs, _, err := e.db.FindOffers(bare.ctx, dealdesk.OfferFilter{Type: dealdesk.OfferCPPO})
			if err != nil || len(offs) != 1 || offs[0].ExternalID != offerID || offs[0].OpportunityID != "" {
				t.Fatalf("CPPO offers %+v (%v), want %s unlinked", offs, err, offerID)
			}
		})
	})
}
