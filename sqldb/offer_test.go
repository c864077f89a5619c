package sqldb_test

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/sqldb"
)

func TestCreateOffer(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, db *sqldb.DB, e engine) {
		ctx := newOrg(t, db, "Acme")
		p := newProduct(t, db, ctx, "prod-abc123")

		t.Run("complete opportunity is stored as DRAFT and reads back equal", func(t *testing.T) {
			o := newOffer(t, db, ctx, p.ID)
			if o.Status != dealdesk.OfferDraft || o.Type != dealdesk.OfferCPPOOut || o.OrgID == "" {
				t.Fatalf("created %+v", o)
			}
			got, err := db.FindOfferByID(ctx, o.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(jsonOf(t, got), jsonOf(t, o)) {
				t.Fatalf("read back\n%s\nwant\n%s", jsonOf(t, got), jsonOf(t, o))
			}
		})

		t.Run("draft may miss fields", func(t *testing.T) {
			o, err := db.CreateOffer(ctx, dealdesk.OfferInput{Type: ptr(dealdesk.OfferCPPOOut), Name: ptr("Half done")}, true)
			if err != nil {
				t.Fatal(err)
			}
			got, err := db.FindOfferByID(ctx, o.ID)
			if err != nil || got.Name != "Half done" || got.CommitAmount != nil || got.ExpiryDate != nil ||
				got.EULA != nil || got.ProductID != "" || got.BuyerAccountIDs == nil {
				t.Fatalf("draft read back %+v, %v", got, err)
			}
			_, err = db.CreateOffer(ctx, dealdesk.OfferInput{Type: ptr(dealdesk.OfferCPPOOut), Name: ptr("Half done")}, false)
			wantField(t, err, "resellerAccountId")
		})

		t.Run("draft fields present are still checked", func(t *testing.T) {
			_, err := db.CreateOffer(ctx, dealdesk.OfferInput{Type: ptr(dealdesk.OfferCPPOOut), ResellerAccountID: ptr("12")}, true)
			wantField(t, err, "resellerAccountId")
		})

		other := newOrg(t, db, "Other")
		otherProduct := newProduct(t, db, other, "prod-other")
		tooManyBuyers := make([]string, 26)
		for i := range tooManyBuyers {
			tooManyBuyers[i] = "1000000000" + string(rune('0'+i/10)) + string(rune('0'+i%10))
		}
		for _, tt := range []struct {
			name   string
			field  string
			change func(in *dealdesk.OfferInput)
		}{
			{"reseller account not 12 digits", "resellerAccountId", func(in *dealdesk.OfferInput) { in.ResellerAccountID = ptr("12345678901") }},
			{"26 buyer accounts", "buyerAccountIds", func(in *dealdesk.OfferInput) { in.BuyerAccountIDs = &tooManyBuyers }},
			{"renewal without buyers", "buyerAccountIds", func(in *dealdesk.OfferInput) {
				in.Renewal, in.RenewalChannel, in.BuyerAccountIDs = ptr(true), ptr(dealdesk.RenewalExternal), &[]string{}
			}},
			{"custom EULA without https", "eula.url", func(in *dealdesk.OfferInput) {
				in.EULA = &dealdesk.Document{Type: dealdesk.DocumentCustom, URL: "http://example.com/eula"}
			}},
			{"expiry date in the past", "expiryDate", func(in *dealdesk.OfferInput) { in.ExpiryDate = ptr(dealdesk.NewDate(2026, 1, 1)) }},
			{"negative commit", "commitAmount", func(in *dealdesk.OfferInput) { in.CommitAmount = ptr(dealdesk.MustDecimal("-1.00")) }},
			{"commit with 3 decimals", "commitAmount", func(in *dealdesk.OfferInput) { in.CommitAmount = ptr(dealdesk.MustDecimal("12000.001")) }},
			{"installments not adding up", "installments", func(in *dealdesk.OfferInput) {
				(*in.Installments)[1].Amount = dealdesk.MustDecimal("5999.99")
			}},
			{"installments on a multi-use opportunity", "installments", func(in *dealdesk.OfferInput) { in.OneTime = ptr(false) }},
			{"metered dimension without price", "dimensionPrices", func(in *dealdesk.OfferInput) { in.DimensionPrices = &[]dealdesk.DimensionPrice{} }},
			{"price for an entitled dimension", "dimensionPrices[0].dimensionKey", func(in *dealdesk.OfferInput) {
				in.DimensionPrices = &[]dealdesk.DimensionPrice{{DimensionKey: "users", Price: dealdesk.MustDecimal("1")}}
			}},
			{"unknown currency", "currency", func(in *dealdesk.OfferInput) { in.Currency = ptr(dealdesk.Currency("XYZ")) }},
			{"product of another organization", "productId", func(in *dealdesk.OfferInput) { in.ProductID = &otherProduct.ID }},
			{"type other than CPPO_OUT", "type", func(in *dealdesk.OfferInput) { in.Type = ptr(dealdesk.OfferPrivate) }},
		} {
			t.Run(tt.name+" stores nothing", func(t *testing.T) {
				before := count(t, db, "offers", "")
				in := completeOffer(p.ID)
				tt.change(&in)
				_, err := db.CreateOffer(ctx, in, false)
				wantField(t, err, tt.field)
				_, err = db.CreateOffer(ctx, in, true)
				if draftOK := tt.name == "metered dimension without price"; draftOK {
					if err != nil {
						t.Fatalf("a draft may be saved with this gap: %v", err)
					}
					before++
				} else {
					wantField(t, err, tt.field)
				}
				if n := count(t, db, "offers", ""); n != before {
					t.Fatalf("offers went from %d to %d", before, n)
				}
			})
		}
	})
}

// jsonOf renders v as the API would, for comparisons.
func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestMoneyIsExact(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, db *sqldb.DB, e engine) {
		ctx := newOrg(t, db, "Acme")
		p := newProduct(t, db, ctx, "prod-abc123")
		in := completeOffer(p.ID)
		in.DimensionPrices = &[]dealdesk.DimensionPrice{{DimensionKey: "api_calls", Price: dealdesk.MustDecimal("0.00000001")}}
		o, err := db.CreateOffer(ctx, in, false)
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.FindOfferByID(ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		if s := got.CommitAmount.String(); s != "12000.00" {
			t.Fatalf("commit read back as %q, want 12000.00", s)
		}
		if s := got.DimensionPrices[0].Price.String(); s != "0.00000001" {
			t.Fatalf("price read back as %q, want 0.00000001", s)
		}
		if s := got.Installments[0].Amount.String(); s != "6000.00" {
			t.Fatalf("installment read back as %q, want 6000.00", s)
		}
		var stored string
		if err := db.SQL().QueryRowContext(context.Background(), `SELECT CAST(commit_amount AS TEXT) FROM offers WHERE id = $1`, o.ID).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if stored != "12000.00" {
			t.Fatalf("commit stored as %q, want the exact text 12000.00", stored)
		}
		markup := dealdesk.MustDecimal("0.00000001")
		cppo, err := db.SaveCPPOOffer(ctx, &dealdesk.Offer{ExternalID: "offer-money", MarkupPercentage: &markup, CommitAmount: ptr(dealdesk.MustDecimal("99999999.99"))}, "")
		if err != nil {
			t.Fatal(err)
		}
		back, err := db.FindOfferByID(ctx, cppo.ID)
		if err != nil || back.MarkupPercentage.String() != "0.00000001" || back.CommitAmount.String() != "99999999.99" {
			t.Fatalf("CPPO money read back %v %v, %v", back.MarkupPercentage, back.CommitAmount, err)
		}
	})
}
