package worker_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/sqldb/sqldbtest"
	"github.com/dealdesk/dealdesk/worker"
)

const (
	detailOfferReleased = "Offer Released"
	detailCreated       = "Purchase Agreement Created - Manufacturer"
	detailAmended       = "Purchase Agreement Amended - Manufacturer"
	detailEnded         = "Purchase Agreement Ended - Manufacturer"
	detailLicense       = "License Updated - Manufacturer"
)

// TestApplyEventWorker_DealChain follows one deal made in the simulator, event by event, from
// the published opportunity to the ended entitlement.
func TestApplyEventWorker_DealChain(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := newEnv(t, engine)
		o := e.newOrg("Acme", true)
		w := worker.NewApplyEventWorker(e.db, e.cat, nil)
		opp, raID := e.publish(o)

		offerID := e.createOffer(raID)
		marked := e.deliver(w, o, only(e.events(), detailOfferReleased)...)
		if len(marked) != 1 || marked[0].Status != dealdesk.InboxApplied || marked[0].Error != "" {
			t.Fatalf("Offer Released marked %+v, want one APPLIED without a note", marked)
		}
		c := e.chain(o, opp.ID)
		if len(c.Offers) != 1 {
			t.Fatalf("chain has %d CPPO offers after Offer Released, want 1", len(c.Offers))
		}
		off := c.Offers[0]
		if off.Type != dealdesk.OfferCPPO || off.ExternalID != offerID || off.OpportunityID != opp.ID ||
			off.Status != dealdesk.OfferActive || off.ResellerAccountID != reseller || !slices.Equal(off.BuyerAccountIDs, []string{buyer}) ||
			off.ProductID != o.productID || off.ExpiryDate == nil || off.MarkupPercentage == nil || off.MarkupPercentage.String() != "5" {
			t.Fatalf("CPPO offer %+v: want ACTIVE %s linked to %s, reseller %s, buyer %s, product, expiry, markup 5",
				off, offerID, opp.ID, reseller, buyer)
		}

		agreementID, licenseARN := e.accept(offerID)
		e.deliver(w, o, only(e.events(), detailCreated)...)
		c = e.chain(o, opp.ID)
		if len(c.Entitlements) != 1 {
			t.Fatalf("chain has %d entitlements after the agreement, want 1", len(c.Entitlements))
		}
		ent := c.Entitlements[0]
		if ent.Type != dealdesk.EntitlementCPPO || ent.ExternalID != agreementID || ent.Status != dealdesk.EntitlementActive ||
			ent.OfferID != off.ID || ent.OpportunityID != opp.ID || ent.BuyerAccountID != buyer ||
			ent.ResellerAccountID != reseller || ent.StartTime == nil || ent.EndTime == nil {
			t.Fatalf("entitlement %+v: want ACTIVE CPPO %s linked to %s and %s, buyer %s, reseller %s, start and end",
				ent, agreementID, off.ID, opp.ID, buyer, reseller)
		}
		if c.Offers[0].Status != dealdesk.OfferAccepted {
			t.Errorf("CPPO offer status %s after the agreement, want ACCEPTED", c.Offers[0].Status)
		}

		e.deliver(w, o, only(e.events(), detailLicense)...)
		ent = e.chain(o, opp.ID).Entitlements[0]
		if ent.LicenseARN != licenseARN || licenseARN == "" || ent.ProductID != o.productID {
			t.Fatalf("entitlement license %q product %q, want %q and %s", ent.LicenseARN, ent.ProductID, licenseARN, o.productID)
		}

		e.control(http.MethodPost, "/_sim/agreements/"+agreementID+"/amend", map[string]any{"endDate": "2031-01-31"}, nil)
		evs := e.events()
		e.deliver(w, o, append(only(evs, detailAmended), only(evs, detailLicense)...)...)
		ent = e.chain(o, opp.ID).Entitlements[0]
		if ent.EndTime == nil || ent.EndTime.Format("2006-01-02") != "2031-01-31" {
			t.Fatalf("entitlement ends %v after the amendment, want 2031-01-31", ent.EndTime)
		}

		e.control(http.MethodPost, "/_sim/agreements/"+agreementID+"/end", map[string]any{"status": "CANCELLED"}, nil)
		e.deliver(w, o, only(e.events(), detailEnded)...)
		c = e.chain(o, opp.ID)
		if got := c.Entitlements[0].Status; got != dealdesk.EntitlementCancelled {
			t.Fatalf("entitlement %s after the agreement ended CANCELLED, want CANCELLED", got)
		}
		var kinds []dealdesk.TimelineKind
		for _, te := range c.Timeline {
			if te.Source == dealdesk.SourceEvent {
				kinds = append(kinds, te.Kind)
			}
		}
		// Events of one step share their time (the simulator's clock moves per step), so
		// entries are compared per step: in time order, each step's kinds sorted.
		var steps []string
		for i, te := range c.Timeline {
			if i > 0 && te.At.Before(c.Timeline[i-1].At) {
				t.Fatalf("timeline not in time order at %d: %v after %v", i, te.At, c.Timeline[i-1].At)
			}
		}
		for i := 0; i < len(c.Timeline); {
			j := i
			var step []string
			for ; j < len(c.Timeline) && c.Timeline[j].At.Equal(c.Timeline[i].At); j++ {
				if c.Timeline[j].Source == dealdesk.SourceEvent {
					step = append(step, string(c.Timeline[j].Kind))
				}
			}
			slices.Sort(step)
			if len(step) > 0 {
				steps = append(steps, strings.Join(step, "+"))
			}
			i = j
		}
		want := []string{"CPPO_OFFER_CREATED", "ACCEPTED+LICENSE_UPDATED", "AMENDED+LICENSE_UPDATED", "ENDED"}
		if !slices.Equal(steps, want) || len(kinds) != 6 {
			t.Errorf("timeline from events by step %v (%v), want %v", steps, kinds, want)
		}
	})
}

// fingerprint is a chain without the row IDs and times the store makes, to compare chains
// built in different organizations.
func fingerprint(t *testing.T, c *dealdesk.OfferChain) string {
	t.Helper()
	type off struct {
		Status, ExternalID, Name, Reseller, Expiry, Markup string
		Buyers                                             []string
		Linked                                             bool
	}
	type ent struct {
		Status, ExternalID, Buyer, Reseller, License, Start, End string
		LinkedOffer, LinkedOpp                                   bool
	}
	type entry struct{ Kind, SourceRef, At string }
	var f struct {
		Offers       []off
		Entitlements []ent
		Timeline     []entry
	}
	for _, o := range c.Offers {
		x := off{Status: string(o.Status), ExternalID: o.ExternalID, Name: o.Name, Reseller: o.ResellerAccountID,
			Buyers: o.BuyerAccountIDs, Linked: o.OpportunityID == c.Opportunity.ID}
		if o.ExpiryDate != nil {
			x.Expiry = o.ExpiryDate.String()
		}
		if o.MarkupPercentage != nil {
			x.Markup = o.MarkupPercentage.String()
		}
		f.Offers = append(f.Offers, x)
	}
	for _, e := range c.Entitlements {
		x := ent{Status: string(e.Status), ExternalID: e.ExternalID, Buyer: e.BuyerAccountID, Reseller: e.ResellerAccountID,
			License: e.LicenseARN, LinkedOffer: len(c.Offers) == 1 && e.OfferID == c.Offers[0].ID, LinkedOpp: e.OpportunityID == c.Opportunity.ID}
		if e.StartTime != nil {
			x.Start = e.StartTime.String()
		}
		if e.EndTime != nil {
			x.End = e.EndTime.String()
		}
		f.Entitlements = append(f.Entitlements, x)
	}
	for _, te := range c.Timeline {
		f.Timeline = append(f.Timeline, entry{string(te.Kind), te.SourceRef, te.At.String()})
	}
	slices.SortFunc(f.Timeline, func(a, b entry) int { return strings.Compare(a.SourceRef+string(a.Kind), b.SourceRef+string(b.Kind)) })
	b, err := json.MarshalIndent(f, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestApplyEventWorker_OrderIndependent applies one deal's events in order, in reverse, shuffled
// and twice over, each in its own organization, and gets the same chain every time; in each, a
// late Created after Ended leaves the entitlement ended.
func TestApplyEventWorker_OrderIndependent(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := newEnv(t, engine)
		first := e.newOrg("In order", true)
		w := worker.NewApplyEventWorker(e.db, e.cat, nil)
		firstOpp, raID := e.publish(first)
		offerID := e.createOffer(raID)
		agreementID, _ := e.accept(offerID)
		e.control(http.MethodPost, "/_sim/agreements/"+agreementID+"/amend", map[string]any{"endDate": "2031-01-31"}, nil)
		e.control(http.MethodPost, "/_sim/agreements/"+agreementID+"/end", map[string]any{"status": "EXPIRED"}, nil)
		evs := e.events()
		var deal []simEvent
		for _, ev := range evs {
			if ev.Type != "Change Set Succeeded" {
				deal = append(deal, ev)
			}
		}
		if len(deal) < 6 || len(only(deal, detailEnded)) != 1 || len(only(deal, detailCreated)) != 1 {
			t.Fatalf("the simulator published %d deal events, want Released, Created, License, Amended, License, Ended", len(deal))
		}
		reversed := slices.Clone(deal)
		slices.Reverse(reversed)
		rng := rand.New(rand.NewPCG(7, 11))
		shuffled := slices.Clone(deal)
		rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		twice := append(slices.Clone(reversed), shuffled...)

		orders := []struct {
			name string
			evs  []simEvent
		}{{"in order", deal}, {"reversed", reversed}, {"shuffled", shuffled}, {"twice", twice}}
		var want string
		for i, order := range orders {
			o, opp := first, firstOpp
			if i > 0 {
				o = e.newOrg(fmt.Sprintf("Org %d", i), true)
				opp = e.newOpportunity(o, raID)
			}
			e.deliver(w, o, order.evs...)
			got := fingerprint(t, e.chain(o, opp.ID))
			c := e.chain(o, opp.ID)
			if len(c.Entitlements) != 1 || c.Entitlements[0].Status != dealdesk.EntitlementExpired {
				t.Fatalf("%s: entitlements %+v, want one EXPIRED", order.name, c.Entitlements)
			}
			if i == 0 {
				want = got
				continue
			}
			if got != want {
				t.Errorf("%s: chain\n%s\nwant (in order)\n%s", order.name, got, want)
			}
		}
	})
}
