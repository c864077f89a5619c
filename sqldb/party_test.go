package sqldb_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"testing"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/sqldb"
)

func TestPartiesPage(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, db *sqldb.DB, e engine) {
		ctx := newOrg(t, db, "Acme")
		const n = 7
		var resellers, buyers []string
		for i := range n {
			r, err := db.SaveReseller(ctx, fmt.Sprintf("1000000000%02d", n-i), "Reseller")
			if err != nil {
				t.Fatal(err)
			}
			b, err := db.SaveBuyer(ctx, fmt.Sprintf("2000000000%02d", i), "Buyer")
			if err != nil {
				t.Fatal(err)
			}
			resellers, buyers = append(resellers, r.ID), append(buyers, b.ID)
		}
		slices.Reverse(resellers)
		slices.Reverse(buyers)
		for _, tt := range []struct {
			name string
			want []string
			find func(ctx context.Context, cursor string, limit int) ([]string, string, error)
		}{
			{"resellers", resellers, func(ctx context.Context, cursor string, limit int) ([]string, string, error) {
				rs, next, err := db.FindResellers(ctx, dealdesk.ResellerFilter{Cursor: cursor, Limit: limit})
				ids := make([]string, len(rs))
				for i, r := range rs {
					ids[i] = r.ID
				}
				return ids, next, err
			}},
			{"buyers", buyers, func(ctx context.Context, cursor string, limit int) ([]string, string, error) {
				bs, next, err := db.FindBuyers(ctx, dealdesk.BuyerFilter{Cursor: cursor, Limit: limit})
				ids := make([]string, len(bs))
				for i, b := range bs {
					ids[i] = b.ID
				}
				return ids, next, err
			}},
		} {
			t.Run(tt.name+" page newest first, each once", func(t *testing.T) {
				var got []string
				cursor, pages := "", 0
				for {
					ids, next, err := tt.find(ctx, cursor, 3)
					if err != nil {
						t.Fatal(err)
					}
					if len(ids) > 3 {
						t.Fatalf("a page of %d with limit 3", len(ids))
					}
					got, pages = append(got, ids...), pages+1
					if next == "" || pages > n {
						break
					}
					cursor = next
				}
				if !slices.Equal(got, tt.want) || pages != 3 {
					t.Fatalf("%d pages gave %v, want 3 pages of %v", pages, got, tt.want)
				}
			})
			t.Run(tt.name+" without a limit list all seven on one page", func(t *testing.T) {
				ids, next, err := tt.find(ctx, "", 0)
				if err != nil || !slices.Equal(ids, tt.want) || next != "" {
					t.Fatalf("got %v, next %q, %v", ids, next, err)
				}
			})
			t.Run(tt.name+" refuse a cursor they did not return", func(t *testing.T) {
				offerCursor := base64.RawURLEncoding.EncodeToString([]byte("v1:off_01"))
				for _, cursor := range []string{"nonsense", offerCursor} {
					_, _, err := tt.find(ctx, cursor, 3)
					wantField(t, err, "cursor")
				}
			})
		}
	})
}
