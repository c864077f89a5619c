package sqldb_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/sqldb"
)

func TestProducts(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, db *sqldb.DB, e engine) {
		ctx := newOrg(t, db, "Acme")
		p := newProduct(t, db, ctx, "prod-abc123")
		t.Run("create and find", func(t *testing.T) {
			got, err := db.FindProductByID(ctx, p.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.ExternalID != "prod-abc123" || got.MeteringIdentity != dealdesk.MeteringByLicense ||
				len(got.Dimensions) != 2 || got.Dimensions[1] != productInput("").Dimensions[1] ||
				!got.CreatedAt.Equal(p.CreatedAt) {
				t.Fatalf("found %+v, created %+v", got, p)
			}
		})
		t.Run("duplicate externalId is a conflict", func(t *testing.T) {
			_, err := db.CreateProduct(ctx, productInput("prod-abc123"))
			wantCode(t, err, dealdesk.ECONFLICT)
		})
		t.Run("same externalId in another organization is fine", func(t *testing.T) {
			other := newOrg(t, db, "Other")
			newProduct(t, db, other, "prod-abc123")
		})
		t.Run("invalid product stores nothing", func(t *testing.T) {
			before := count(t, db, "products", "")
			in := productInput("not-a-product")
			in.Dimensions = append(in.Dimensions, dealdesk.Dimension{Key: "users", Name: "Again", Unit: "u", Kind: "FLAT"})
			_, err := db.CreateProduct(ctx, in)
			wantField(t, err, "externalId")
			wantField(t, err, "dimensions[2].kind")
			if n := count(t, db, "products", ""); n != before {
				t.Fatalf("products went from %d to %d", before, n)
			}
		})
		t.Run("unknown product", func(t *testing.T) {
			_, err := db.FindProductByID(ctx, "prd_missing")
			wantCode(t, err, dealdesk.ENOTFOUND)
		})
		t.Run("list pages newest first", func(t *testing.T) {
			ctx := newOrg(t, db, "Many products")
			var want []string
			for i := 0; i < 7; i++ {
				want = append([]string{newProduct(t, db, ctx, fmt.Sprintf("prod-p%d", i)).ID}, want...)
			}
			var got []string
			cursor := ""
			pages := 0
			for {
				if pages > 7 {
					t.Fatal("paging does not end")
				}
				list, next, err := db.FindProducts(ctx, dealdesk.ProductFilter{Limit: 3, Cursor: cursor})
				if err != nil {
					t.Fatal(err)
				}
				pages++
				for _, p := range list {
					got = append(got, p.ID)
				}
				if next == "" {
					break
				}
				cursor = next
			}
			if pages != 3 || fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("%d pages %v, want 3 pages %v", pages, got, want)
			}
			list, _, err := db.FindProducts(ctx, dealdesk.ProductFilter{ExternalID: "prod-p4"})
			if err != nil || len(list) != 1 || list[0].ExternalID != "prod-p4" {
				t.Fatalf("filter by externalId: %v, %v", list, err)
			}
			_, _, err = db.FindProducts(ctx, dealdesk.ProductFilter{Cursor: "garbage"})
			wantField(t, err, "cursor")
		})
	})
}

func TestParties(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, db *sqldb.DB, e engine) {
		ctx := newOrg(t, db, "Acme")
		r1, err := db.SaveReseller(ctx, "123456789012", "Reseller Ltd")
		if err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(time.Second)
		r2, err := db.SaveReseller(ctx, "123456789012", "Reseller Limited")
		if err != nil {
			t.Fatal(err)
		}
		if r2.ID != r1.ID || r2.LegalName != "Reseller Limited" || !r2.CreatedAt.Equal(r1.CreatedAt) || !r2.UpdatedAt.After(r1.UpdatedAt) {
			t.Fatalf("second save %+v did not update %+v", r2, r1)
		}
		if _, err := db.SaveReseller(ctx, "000000000001", "Another"); err != nil {
			t.Fatal(err)
		}
		_, err = db.SaveReseller(ctx, "12345", "")
		wantField(t, err, "accountId")
		wantField(t, err, "legalName")
		list, _, err := db.FindResellers(ctx, dealdesk.ResellerFilter{})
		if err != nil || len(list) != 2 || list[0].AccountID != "000000000001" || list[1].LegalName != "Reseller Limited" {
			t.Fatalf("FindResellers = %+v, %v", list, err)
		}
		b, err := db.SaveBuyer(ctx, "210987654321", "Buyer Inc")
		if err != nil {
			t.Fatal(err)
		}
		buyers, _, err := db.FindBuyers(ctx, dealdesk.BuyerFilter{})
		if err != nil || len(buyers) != 1 || buyers[0].ID != b.ID || buyers[0].Name != "Buyer Inc" {
			t.Fatalf("FindBuyers = %+v, %v", buyers, err)
		}
		other := newOrg(t, db, "Other")
		if rs, _, err := db.FindResellers(other, dealdesk.ResellerFilter{}); err != nil || len(rs) != 0 {
			t.Fatalf("another organization sees resellers %v (%v)", rs, err)
		}
		if bs, _, err := db.FindBuyers(other, dealdesk.BuyerFilter{}); err != nil || len(bs) != 0 {
			t.Fatalf("another organization sees buyers %v (%v)", bs, err)
		}
	})
}
