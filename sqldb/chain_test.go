package sqldb_test

import (
	"database/sql"
	"testing"
	"time"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/sqldb"
)

func TestOfferChain(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, db *sqldb.DB, e engine) {
		ctx := newOrg(t, db, "Acme")
		p := newProduct(t, db, ctx, "prod-abc123")
		opp := newOffer(t, db, ctx, p.ID)
		setStatus(t, db, opp.ID, dealdesk.OfferActive, "resaleauthz-1")

		markup := dealdesk.MustDecimal("5.5")
		cppo, err := db.SaveCPPOOffer(ctx, &dealdesk.Offer{ExternalID: "offer-1", BuyerAccountIDs: []string{"210987654321"},
			ExpiryDate: ptr(dealdesk.NewDate(2027, 3, 1)), MarkupPercentage: &markup}, "resaleauthz-1")
		if err != nil {
			t.Fatal(err)
		}
		t.Run("CPPO offer links to its opportunity", func(t *testing.T) {
			if cppo.Type != dealdesk.OfferCPPO || cppo.Status != dealdesk.OfferActive || cppo.OpportunityID != opp.ID ||
				cppo.ProductID != p.ID || cppo.ResellerAccountID != "123456789012" {
				t.Fatalf("saved %+v", cppo)
			}
		})
		t.Run("saving again updates the same offer", func(t *testing.T) {
			again, err := db.SaveCPPOOffer(ctx, &dealdesk.Offer{ExternalID: "offer-1", Status: dealdesk.OfferAccepted,
				BuyerAccountIDs: []string{"210987654321"}}, "")
			if err != nil || again.ID != cppo.ID || again.Status != dealdesk.OfferAccepted || again.OpportunityID != opp.ID {
				t.Fatalf("second save %+v, %v", again, err)
			}
			if n := count(t, db, "offers", "external_id = $1", "offer-1"); n != 1 {
				t.Fatalf("%d rows for offer-1", n)
			}
		})
		start := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
		ent, err := db.SaveEntitlement(ctx, &dealdesk.Entitlement{ExternalID: "agmt-1", BuyerAccountID: "210987654321",
			LicenseARN: "arn:aws:license-manager::123:license:l-1", StartTime: &start}, "offer-1")
		if err != nil {
			t.Fatal(err)
		}
		t.Run("entitlement links to offer and opportunity", func(t *testing.T) {
			if ent.OfferID != cppo.ID || ent.OpportunityID != opp.ID || ent.ProductID != p.ID ||
				ent.Type != dealdesk.EntitlementCPPO || ent.Status != dealdesk.EntitlementActive {
				t.Fatalf("saved %+v", ent)
			}
			got, err := db.FindEntitlementByID(ctx, ent.ID)
			if err != nil || !got.StartTime.Equal(start) || got.EndTime != nil || got.LicenseARN != ent.LicenseARN {
				t.Fatalf("read back %+v, %v", got, err)
			}
		})
		t.Run("chain from the opportunity and from the offer", func(t *testing.T) {
			for _, id := range []string{opp.ID, cppo.ID} {
				chain, err := db.FindOfferChain(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				if chain.Opportunity == nil || chain.Opportunity.ID != opp.ID || len(chain.Offers) != 1 ||
					chain.Offers[0].ID != cppo.ID || len(chain.Entitlements) != 1 || chain.Entitlements[0].ID != ent.ID {
					t.Fatalf("chain of %s: %s", id, jsonOf(t, chain))
				}
			}
			offers, _, err := db.FindOffers(ctx, dealdesk.OfferFilter{OpportunityID: opp.ID})
			if err != nil || len(offers) != 1 || offers[0].ID != cppo.ID {
				t.Fatalf("offers of the opportunity: %v, %v", offers, err)
			}
		})
		t.Run("events in the wrong order link late", func(t *testing.T) {
			// The agreement arrives first, then the offer, then the opportunity is published.
			early, err := db.SaveEntitlement(ctx, &dealdesk.Entitlement{ExternalID: "agmt-2", BuyerAccountID: "210987654321"}, "offer-2")
			if err != nil || early.OfferID != "" {
				t.Fatalf("early entitlement %+v, %v", early, err)
			}
			opp2 := newOffer(t, db, ctx, p.ID)
			late, err := db.SaveCPPOOffer(ctx, &dealdesk.Offer{ExternalID: "offer-2"}, "resaleauthz-2")
			if err != nil || late.OpportunityID != "" {
				t.Fatalf("offer before its opportunity: %+v, %v", late, err)
			}
			got := findEntitlement(t, db, ctx, early.ID)
			if got.OfferID != late.ID {
				t.Fatalf("entitlement not linked to the offer that came later: %+v", got)
			}
			setStatus(t, db, opp2.ID, dealdesk.OfferActive, "resaleauthz-2")
			chain, err := db.FindOfferChain(ctx, opp2.ID)
			if err != nil || len(chain.Offers) != 1 || chain.Offers[0].ID != late.ID || len(chain.Entitlements) != 1 ||
				chain.Entitlements[0].ID != early.ID {
				t.Fatalf("chain after late publish: %s, %v", jsonOf(t, chain), err)
			}
			offers, _, err := db.FindOffers(ctx, dealdesk.OfferFilter{OpportunityID: opp2.ID})
			if err != nil || len(offers) != 1 || offers[0].ID != late.ID {
				t.Fatalf("offers of the opportunity published late: %v, %v", offers, err)
			}
			ents, _, err := db.FindEntitlements(ctx, dealdesk.EntitlementFilter{OpportunityID: opp2.ID})
			if err != nil || len(ents) != 1 || ents[0].ID != early.ID {
				t.Fatalf("entitlements of the opportunity published late: %v, %v", ents, err)
			}
		})
		t.Run("entitlements filter and page", func(t *testing.T) {
			for i := 0; i < 5; i++ {
				if _, err := db.SaveEntitlement(ctx, &dealdesk.Entitlement{ExternalID: "agmt-x" + string(rune('a'+i)),
					Status: dealdesk.EntitlementPendingStart}, "offer-1"); err != nil {
					t.Fatal(err)
				}
			}
			var all []*dealdesk.Entitlement
			f := dealdesk.EntitlementFilter{OpportunityID: opp.ID, Limit: 2}
			for pages := 0; pages < 10; pages++ {
				list, next, err := db.FindEntitlements(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				all = append(all, list...)
				if next == "" {
					break
				}
				f.Cursor = next
			}
			if len(all) != 6 {
				t.Fatalf("%d entitlements of the opportunity, want 6", len(all))
			}
			for i := 1; i < len(all); i++ {
				if all[i].ID >= all[i-1].ID {
					t.Fatalf("not newest first: %s then %s", all[i-1].ID, all[i].ID)
				}
			}
			pending, _, err := db.FindEntitlements(ctx, dealdesk.EntitlementFilter{Status: dealdesk.EntitlementPendingStart, OfferID: cppo.ID})
			if err != nil || len(pending) != 5 {
				t.Fatalf("%d pending entitlements, %v", len(pending), err)
			}
			_, _, err = db.FindEntitlements(ctx, dealdesk.EntitlementFilter{Status: "NOPE"})
			wantField(t, err, "status")
		})
		t.Run("bad CPPO offer and entitlement store nothing", func(t *testing.T) {
			before := count(t, db, "offers", "")
			_, err := db.SaveCPPOOffer(ctx, &dealdesk.Offer{ResellerAccountID: "1"}, "")
			wantField(t, err, "externalId")
			wantField(t, err, "resellerAccountId")
			_, err = db.SaveCPPOOffer(ctx, &dealdesk.Offer{ExternalID: "resaleauthz-1"}, "")
			wantCode(t, err, dealdesk.ECONFLICT)
			_, err = db.SaveEntitlement(ctx, &dealdesk.Entitlement{ExternalID: "agmt-9", ProductID: "prd_nope"}, "")
			wantField(t, err, "productId")
			if count(t, db, "offers", "") != before || count(t, db, "entitlements", "external_id = $1", "agmt-9") != 0 {
				t.Fatal("a refused save stored something")
			}
		})
	})
}

func TestPartialReportsKeepWhatIsKnown(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, db *sqldb.DB, e engine) {
		ctx := newOrg(t, db, "Acme")
		start := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
		t.Run("license event after the agreement event keeps buyer and start", func(t *testing.T) {
			if _, err := db.SaveEntitlement(ctx, &dealdesk.Entitlement{ExternalID: "agmt-1", BuyerAccountID: "210987654321",
				ResellerAccountID: "123456789012", StartTime: &start, Status: dealdesk.EntitlementCancelled}, "offer-1"); err != nil {
				t.Fatal(err)
			}
			got, err := db.SaveEntitlement(ctx, &dealdesk.Entitlement{ExternalID: "agmt-1", LicenseARN: "arn:aws:license-manager::1:license:l-1"}, "")
			if err != nil {
				t.Fatal(err)
			}
			back := findEntitlement(t, db, ctx, got.ID)
			if back.BuyerAccountID != "210987654321" || back.ResellerAccountID != "123456789012" || back.StartTime == nil ||
				!back.StartTime.Equal(start) || back.LicenseARN == "" || back.Status != dealdesk.EntitlementCancelled {
				t.Fatalf("after the license event %+v", back)
			}
		})
		t.Run("a repeated offer event without details keeps them", func(t *testing.T) {
			markup := dealdesk.MustDecimal("5.5")
			if _, err := db.SaveCPPOOffer(ctx, &dealdesk.Offer{ExternalID: "offer-1", Name: "Acme deal", Status: dealdesk.OfferAccepted,
				BuyerAccountIDs: []string{"210987654321"}, ExpiryDate: ptr(dealdesk.NewDate(2027, 3, 1)), MarkupPercentage: &markup}, "resaleauthz-1"); err != nil {
				t.Fatal(err)
			}
			got, err := db.SaveCPPOOffer(ctx, &dealdesk.Offer{ExternalID: "offer-1"}, "")
			if err != nil {
				t.Fatal(err)
			}
			back := findOffer(t, db, ctx, got.ID)
			if back.Name != "Acme deal" || back.Status != dealdesk.OfferAccepted || len(back.BuyerAccountIDs) != 1 ||
				back.ExpiryDate == nil || back.MarkupPercentage == nil || back.MarkupPercentage.String() != "5.5" {
				t.Fatalf("after a bare repeat %s", jsonOf(t, back))
			}
		})
	})
}

// TestReadTxIsOneSnapshot checks what FindOfferChain relies on: every statement of a read-only
// transaction sees the same state, even when another process commits between two of them (on
// PostgreSQL, READ COMMITTED would take a new snapshot per statement).
func TestReadTxIsOneSnapshot(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, db *sqldb.DB, e engine) {
		ctx := newOrg(t, db, "Acme")
		newProduct(t, db, ctx, "prod-1")
		other := e.open(t) // another pool, as another replica would have
		var before, during int
		err := db.ReadTx(ctx, func(tx *sql.Tx) error {
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM products`).Scan(&before); err != nil {
				return err
			}
			if _, err := other.CreateProduct(ctx, productInput("prod-2")); err != nil {
				return err
			}
			return tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM products`).Scan(&during)
		})
		if err != nil {
			t.Fatal(err)
		}
		if before != 1 || during != before {
			t.Fatalf("one read-only transaction counted %d products, then %d after another pool committed one; want 1 both times", before, during)
		}
		if n := count(t, db, "products", ""); n != 2 {
			t.Fatalf("%d products after the transaction, want 2: the other pool's insert did not happen", n)
		}
	})
}
