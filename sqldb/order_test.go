package sqldb_test

import (
	"slices"
	"testing"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/sqldb"
)

func TestNewestFirstInOneMillisecond(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, db *sqldb.DB, e engine) {
		ctx := newOrg(t, db, "Acme")
		const n = 1000
		created := make([]string, n)
		for i := range created {
			o, err := db.CreateOffer(ctx, dealdesk.OfferInput{Type: ptr(dealdesk.OfferCPPOOut), Name: ptr("Same millisecond")}, true)
			if err != nil {
				t.Fatalf("create offer %d: %v", i, err)
			}
			if !o.CreatedAt.Equal(e.clock.Now()) {
				t.Fatalf("offer %d created at %v, want the fixed clock's %v", i, o.CreatedAt, e.clock.Now())
			}
			created[i] = o.ID
		}
		newestFirst := slices.Clone(created)
		slices.Reverse(newestFirst)

		t.Run("one page lists them newest first", func(t *testing.T) {
			for range 2 {
				offers, _, err := db.FindOffers(ctx, dealdesk.OfferFilter{Limit: dealdesk.MaxPageSize})
				if err != nil {
					t.Fatal(err)
				}
				if got := offerIDs(offers); !slices.Equal(got, newestFirst[:dealdesk.MaxPageSize]) {
					t.Fatalf("first page is not the newest %d in creation order:\n got %v\nwant %v", dealdesk.MaxPageSize, got[:5], newestFirst[:5])
				}
			}
		})
		t.Run("limit defaults to 50 and is capped at 200", func(t *testing.T) {
			for _, tt := range []struct{ limit, want int }{{0, dealdesk.DefaultPageSize}, {-1, dealdesk.DefaultPageSize}, {n, dealdesk.MaxPageSize}} {
				offers, next, err := db.FindOffers(ctx, dealdesk.OfferFilter{Limit: tt.limit})
				if err != nil {
					t.Fatal(err)
				}
				if got := offerIDs(offers); !slices.Equal(got, newestFirst[:tt.want]) || next == "" {
					t.Fatalf("limit %d: %d offers, next %q; want the newest %d and a cursor", tt.limit, len(got), next, tt.want)
				}
			}
		})
		t.Run("paging gives each offer once, in order", func(t *testing.T) {
			var got []string
			cursor, pages := "", 0
			for {
				offers, next, err := db.FindOffers(ctx, dealdesk.OfferFilter{Limit: 37, Cursor: cursor})
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, offerIDs(offers)...)
				pages++
				if next == "" {
					break
				}
				if pages > n {
					t.Fatal("paging does not end")
				}
				cursor = next
			}
			if !slices.Equal(got, newestFirst) || pages != (n+36)/37 {
				t.Fatalf("%d pages gave %d offers, want %d pages and all %d newest first", pages, len(got), (n+36)/37, n)
			}
		})
	})
}

// offerIDs returns the IDs of offers in order.
func offerIDs(offers []*dealdesk.Offer) []string {
	ids := make([]string, len(offers))
	for i, o := range offers {
		ids[i] = o.ID
	}
	return ids
}
