package sqldb_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/sqldb"
)

// hour returns 2027-01-01 at hour h, the AWS time of a report.
func hour(h int) time.Time { return time.Date(2027, 1, 1, h, 0, 0, 0, time.UTC) }

func TestLateReportsNeverUndoNewerOnes(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, db *sqldb.DB, e engine) {
		ctx := newOrg(t, db, "Acme")
		save := func(t *testing.T, r dealdesk.Entitlement) *dealdesk.Entitlement {
			t.Helper()
			if _, err := db.SaveEntitlement(ctx, &r, ""); err != nil {
				t.Fatal(err)
			}
			var got *dealdesk.Entitlement
			list, _, err := db.FindEntitlements(ctx, dealdesk.EntitlementFilter{})
			for _, ent := range list {
				if ent.ExternalID == r.ExternalID {
					got = ent
				}
			}
			if err != nil || got == nil {
				t.Fatalf("entitlement %s not found: %v", r.ExternalID, err)
			}
			return got
		}
		t.Run("a late Created (t=2) after Ended (t=3) leaves it cancelled", func(t *testing.T) {
			save(t, dealdesk.Entitlement{ExternalID: "agmt-1", Status: dealdesk.EntitlementCancelled, ReportedAt: hour(3)})
			got := save(t, dealdesk.Entitlement{ExternalID: "agmt-1", Status: dealdesk.EntitlementActive, BuyerAccountID: "210987654321", ReportedAt: hour(2)})
			if got.Status != dealdesk.EntitlementCancelled || got.BuyerAccountID != "210987654321" || !got.ReportedAt.Equal(hour(3)) {
				t.Fatalf("after the late Created: %+v", got)
			}
			got = save(t, dealdesk.Entitlement{ExternalID: "agmt-1", Status: dealdesk.EntitlementActive, ReportedAt: hour(9)})
			if got.Status != dealdesk.EntitlementCancelled || !got.ReportedAt.Equal(hour(9)) {
				t.Fatalf("an ended entitlement came back: %+v", got)
			}
		})
		t.Run("an Amended (t=1) after Created (t=2) changes nothing present", func(t *testing.T) {
			end2, end1 := hour(20), hour(10)
			save(t, dealdesk.Entitlement{ExternalID: "agmt-2", Status: dealdesk.EntitlementActive, BuyerAccountID: "210987654321",
				EndTime: &end2, ReportedAt: hour(2)})
			got := save(t, dealdesk.Entitlement{ExternalID: "agmt-2", Status: dealdesk.EntitlementPendingStart, BuyerAccountID: "111111111111",
				EndTime: &end1, LicenseARN: "arn:aws:license-manager::1:license:l-1", ReportedAt: hour(1)})
			if got.Status != dealdesk.EntitlementActive || got.BuyerAccountID != "210987654321" || got.EndTime == nil || !got.EndTime.Equal(end2) ||
				got.LicenseARN != "arn:aws:license-manager::1:license:l-1" || !got.ReportedAt.Equal(hour(2)) {
				t.Fatalf("after the late Amended: %+v", got)
			}
		})
		t.Run("a late Offer Released neither reopens an accepted offer nor overwrites it", func(t *testing.T) {
			if _, err := db.SaveCPPOOffer(ctx, &dealdesk.Offer{ExternalID: "offer-1", Status: dealdesk.OfferAccepted,
				BuyerAccountIDs: []string{"210987654321"}, ReportedAt: hour(5)}, ""); err != nil {
				t.Fatal(err)
			}
			got, err := db.SaveCPPOOffer(ctx, &dealdesk.Offer{ExternalID: "offer-1", Status: dealdesk.OfferActive, Name: "Acme deal",
				BuyerAccountIDs: []string{"111111111111"}, ReportedAt: hour(4).Add(time.Nanosecond)}, "")
			if err != nil {
				t.Fatal(err)
			}
			back := findOffer(t, db, ctx, got.ID)
			if back.Status != dealdesk.OfferAccepted || back.Name != "Acme deal" || len(back.BuyerAccountIDs) != 1 ||
				back.BuyerAccountIDs[0] != "210987654321" || !back.ReportedAt.Equal(hour(5)) {
				t.Fatalf("after the late release: %s", jsonOf(t, back))
			}
		})
	})
}

// Reports of one agreement saved at once, in any order, give the entitlement that merging them
// one after the other gives: the merge runs under the row lock on both engines.
func TestConcurrentReportsOfOneAgreement(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, db *sqldb.DB, e engine) {
		ctx := newOrg(t, db, "Acme")
		start, end := hour(0), hour(100)
		reports := []dealdesk.Entitlement{
			{Status: dealdesk.EntitlementActive, BuyerAccountID: "210987654321", StartTime: &start, ReportedAt: hour(1)}, // Created
			{LicenseARN: "arn:aws:license-manager::1:license:l-1", ReportedAt: hour(2)},                                  // License Updated
			{Status: dealdesk.EntitlementActive, EndTime: &end, ReportedAt: hour(3)},                                     // Amended
			{Status: dealdesk.EntitlementCancelled, ReportedAt: hour(4)},                                                 // Ended
		}
		const rounds = 3
		var wg sync.WaitGroup
		errs := make(chan error, rounds*len(reports))
		for round := range rounds {
			for _, r := range reports {
				wg.Add(1)
				go func() {
					defer wg.Done()
					r.ExternalID = "agmt-" + string(rune('a'+round))
					if _, err := db.SaveEntitlement(ctx, &r, "offer-1"); err != nil {
						errs <- err
					}
				}()
			}
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("save: %v", err)
		}
		list, _, err := db.FindEntitlements(ctx, dealdesk.EntitlementFilter{})
		if err != nil || len(list) != rounds {
			t.Fatalf("%d entitlements, %v", len(list), err)
		}
		for _, got := range list {
			if got.Status != dealdesk.EntitlementCancelled || got.BuyerAccountID != "210987654321" || got.LicenseARN == "" ||
				got.StartTime == nil || !got.StartTime.Equal(start) || got.EndTime == nil || !got.EndTime.Equal(end) ||
				!got.ReportedAt.Equal(hour(4)) {
				t.Fatalf("merged at once: %s", jsonOf(t, got))
			}
		}
	})
}

// TestLicenseReportJoinsItsAgreement: reconciliation reads the stored entitlements, then the
// licenses; an agreement's event stored in between must not leave a second, license-keyed
// entitlement beside the agreement's (review 7: two replicas showed 8 entitlements for 4 deals).
func TestLicenseReportJoinsItsAgreement(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, db *sqldb.DB, e engine) {
		ctx := newOrg(t, db, "Acme")
		const buyer = "210987654321"
		for i, tc := range []struct {
			name            string
			agreementHasARN bool
			offer           string // the CPPO offer the license's report names
		}{
			{"the agreement holds the license", true, ""},
			{"the agreement is of the same CPPO offer, without its license yet", false, "offer-%d"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				offer := fmt.Sprintf("offer-%d", i)
				agreement := fmt.Sprintf("agmt-%d", i)
				arn := fmt.Sprintf("arn:aws:license-manager::1:license:l-%d", i)
				if _, err := db.SaveCPPOOffer(ctx, &dealdesk.Offer{ExternalID: offer, Status: dealdesk.OfferActive,
					BuyerAccountIDs: []string{buyer}}, ""); err != nil {
					t.Fatal(err)
				}
				a := dealdesk.Entitlement{ExternalID: agreement, Status: dealdesk.EntitlementActive, BuyerAccountID: buyer, ReportedAt: hour(2)}
				if tc.agreementHasARN {
					a.LicenseARN = arn
				}
				if _, err := db.SaveEntitlement(ctx, &a, offer); err != nil {
					t.Fatal(err)
				}
				reportOffer := ""
				if tc.offer != "" {
					reportOffer = offer
				}
				end := hour(30)
				got, err := db.SaveEntitlement(ctx, &dealdesk.Entitlement{Type: dealdesk.EntitlementCPPO, Status: dealdesk.EntitlementActive,
					ExternalID: arn, LicenseARN: arn, BuyerAccountID: buyer, EndTime: &end}, reportOffer)
				if err != nil {
					t.Fatal(err)
				}
				list, _, err := db.FindEntitlements(ctx, dealdesk.EntitlementFilter{})
				if err != nil {
					t.Fatal(err)
				}
				n := 0
				for _, ent := range list {
					if ent.BuyerAccountID == buyer && (ent.ExternalID == agreement || ent.ExternalID == arn) {
						n++
					}
				}
				if n != 1 || got.ExternalID != agreement || got.LicenseARN != arn || got.EndTime == nil || !got.EndTime.Equal(end) {
					t.Fatalf("%d entitlements of the deal; the license's report saved %+v, want it on agreement %s with license %s and the end", n, got, agreement, arn)
				}
			})
		}
	})
}

// TestAgreementAbsorbsItsLicenseTwin: reconciliation saved a license-keyed entitlement it could
// not tie to an offer (the buyer had two open offers) while the agreement's Created event was on
// its way; when the agreement's License Updated names that license, one entitlement is left.
func TestAgreementAbsorbsItsLicenseTwin(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, db *sqldb.DB, e engine) {
		ctx := newOrg(t, db, "Acme")
		const buyer, arn = "210987654321", "arn:aws:license-manager::1:license:l-twin"
		if _, err := db.SaveCPPOOffer(ctx, &dealdesk.Offer{ExternalID: "offer-t", Status: dealdesk.OfferActive, BuyerAccountIDs: []string{buyer}}, ""); err != nil {
			t.Fatal(err)
		}
		at := hour(4)
		repair := dealdesk.TimelineEntry{Kind: dealdesk.TimelineRepaired, At: at, Source: dealdesk.SourceReconcile, SourceRef: "License:" + arn}
		end := hour(40)
		if _, err := db.SaveEntitlement(ctx, &dealdesk.Entitlement{Type: dealdesk.EntitlementCPPO, Status: dealdesk.EntitlementActive,
			ExternalID: arn, LicenseARN: arn, BuyerAccountID: buyer, EndTime: &end}, "", repair); err != nil {
			t.Fatal(err)
		}
		// The Created event arrives with no license: two candidates would be ambiguous, so it is
		// stored on its own (adoption needs exactly one).
		if _, err := db.SaveEntitlement(ctx, &dealdesk.Entitlement{Type: dealdesk.EntitlementCPPO, Status: dealdesk.EntitlementActive,
			ExternalID: "agmt-t", BuyerAccountID: "111122223333", ReportedAt: hour(5)}, "offer-t"); err != nil {
			t.Fatal(err)
		}
		got, err := db.SaveEntitlement(ctx, &dealdesk.Entitlement{ExternalID: "agmt-t", LicenseARN: arn, ReportedAt: hour(6)}, "offer-t")
		if err != nil {
			t.Fatal(err)
		}
		list, _, err := db.FindEntitlements(ctx, dealdesk.EntitlementFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 1 || got.ExternalID != "agmt-t" || got.LicenseARN != arn || got.EndTime == nil || !got.EndTime.Equal(end) {
			t.Fatalf("entitlements %s; saved %+v: want one, agmt-t with the license and the twin's end", jsonOf(t, list), got)
		}
		if n := count(t, db, "timeline_entries", "entitlement_id = $1 AND kind = $2", got.ID, dealdesk.TimelineRepaired); n != 1 {
			t.Fatalf("%d repair entries on the kept entitlement: the twin's was lost", n)
		}
	})
}

// TestLicenseOfAnotherBuyerStaysApart: a CPPO offer for two buyers; the first buyer's agreement
// is stored, then reconciliation saves the second buyer's license with the same offer: it is
// the second buyer's entitlement, never merged into the first's.
func TestLicenseOfAnotherBuyerStaysApart(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, db *sqldb.DB, e engine) {
		ctx := newOrg(t, db, "Acme")
		const b1, b2, arn = "210987654321", "111122223333", "arn:aws:license-manager::1:license:l-b2"
		if _, err := db.SaveCPPOOffer(ctx, &dealdesk.Offer{ExternalID: "offer-2b", Status: dealdesk.OfferActive, BuyerAccountIDs: []string{b1, b2}}, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SaveEntitlement(ctx, &dealdesk.Entitlement{ExternalID: "agmt-b1", Status: dealdesk.EntitlementActive, BuyerAccountID: b1, ReportedAt: hour(2)}, "offer-2b"); err != nil {
			t.Fatal(err)
		}
		got, err := db.SaveEntitlement(ctx, &dealdesk.Entitlement{Type: dealdesk.EntitlementCPPO, Status: dealdesk.EntitlementActive,
			ExternalID: arn, LicenseARN: arn, BuyerAccountID: b2}, "offer-2b")
		if err != nil {
			t.Fatal(err)
		}
		list, _, err := db.FindEntitlements(ctx, dealdesk.EntitlementFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 || got.ExternalID != arn || got.BuyerAccountID != b2 {
			t.Fatalf("entitlements %s; the license saved as %+v: want two, the license its own with buyer %s", jsonOf(t, list), got, b2)
		}
	})
}

// TestAgreementBeforeOfferRecordsUsed: the agreement's event links a CPPO offer to its one-time
// opportunity before "Offer Released" came: the opportunity is USED, with the USED entry the
// event brought on its timeline (never a status changed unexplained).
func TestAgreementBeforeOfferRecordsUsed(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, db *sqldb.DB, e engine) {
		ctx := newOrg(t, db, "Acme")
		p := newProduct(t, db, ctx, "prod-used")
		opp := newOffer(t, db, ctx, p.ID) // one-time
		setStatus(t, db, opp.ID, dealdesk.OfferActive, "ra-used")
		at := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
		used := dealdesk.TimelineEntry{Kind: dealdesk.TimelineUsed, At: at, Source: dealdesk.SourceEvent, SourceRef: "ev-agreement"}
		if _, err := db.SaveCPPOOffer(ctx, &dealdesk.Offer{ExternalID: "offer-used", Status: dealdesk.OfferAccepted}, "ra-used", used); err != nil {
			t.Fatal(err)
		}
		// The late Offer Released changes nothing more.
		if _, err := db.SaveCPPOOffer(ctx, &dealdesk.Offer{ExternalID: "offer-used"}, "ra-used",
			dealdesk.TimelineEntry{Kind: dealdesk.TimelineCPPOOfferCreated, At: at.Add(-time.Minute), Source: dealdesk.SourceEvent, SourceRef: "ev-offer"}); err != nil {
			t.Fatal(err)
		}
		chain, err := db.FindOfferChain(ctx, opp.ID)
		if err != nil {
			t.Fatal(err)
		}
		var usedOn []string
		for _, e := range chain.Timeline {
			if e.Kind == dealdesk.TimelineUsed {
				usedOn = append(usedOn, e.SubjectID+" "+e.SourceRef)
			}
		}
		if chain.Opportunity.Status != dealdesk.OfferUsed || len(usedOn) != 1 || usedOn[0] != opp.ID+" ev-agreement" {
			t.Fatalf("opportunity %s, USED entries %v: want USED once, on the opportunity, from ev-agreement", chain.Opportunity.Status, usedOn)
		}
	})
}
