package sqldb_test

import (
	"context"
	"testing"
	"time"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/sqldb"
)

// listed is a product as the Catalog lists it: no product code, the given dimensions.
func listed(externalID, title string, dims ...dealdesk.Dimension) *dealdesk.Product {
	return &dealdesk.Product{ExternalID: externalID, Title: title, Dimensions: dims}
}

func TestSyncProducts(t *testing.T) {
	t.Parallel()
	users := dealdesk.Dimension{Key: "users", Name: "Users", Unit: "Users", Kind: dealdesk.DimensionEntitled}
	calls := dealdesk.Dimension{Key: "api_calls", Name: "API calls", Unit: "Requests", Kind: dealdesk.DimensionMetered}
	forEachEngine(t, func(t *testing.T, db *sqldb.DB, e engine) {
		ctx := newOrg(t, db, "Acme")
		other := newOrg(t, db, "Globex")
		registered := newProduct(t, db, ctx, "prod-abc123")
		theirs := newProduct(t, db, other, "prod-abc123")

		t.Run("an invalid listed product stores nothing and is named", func(t *testing.T) {
			bad := listed("prod-new1", "", dealdesk.Dimension{Key: "x", Name: "X", Unit: "U", Kind: "SOMETIMES"})
			_, err := db.SyncProducts(ctx, []*dealdesk.Product{listed("prod-abc123", "Renamed", users), bad})
			wantField(t, err, "products[1].title")
			wantField(t, err, "products[1].dimensions[0].kind")
			if got := findProduct(t, db, ctx, registered.ID); got.Title != registered.Title || len(got.Dimensions) != 2 {
				t.Errorf("registered product changed to %+v", got)
			}
			if n := count(t, db, "products", "external_id = $1", "prod-new1"); n != 0 {
				t.Errorf("%d products prod-new1 stored", n)
			}
		})

		var removedAt time.Time
		t.Run("a dimension missing from the listing is marked with the time", func(t *testing.T) {
			got, err := db.SyncProducts(ctx, []*dealdesk.Product{listed("prod-abc123", "Analytics", users)})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || got[0].ID != registered.ID || got[0].ProductCode != registered.ProductCode {
				t.Fatalf("synced %+v, want the registered product with its code", got)
			}
			d := findProduct(t, db, ctx, registered.ID).Dimension("api_calls")
			if d == nil || !d.Removed || d.RemovedAt == nil {
				t.Fatalf("api_calls stored as %+v, want kept and marked", d)
			}
			removedAt = *d.RemovedAt
		})
		t.Run("a sync that finds it still missing keeps its first time and changes nothing", func(t *testing.T) {
			before := findProduct(t, db, ctx, registered.ID)
			e.clock.Advance(time.Hour)
			if _, err := db.SyncProducts(ctx, []*dealdesk.Product{listed("prod-abc123", "Analytics", users)}); err != nil {
				t.Fatal(err)
			}
			after := findProduct(t, db, ctx, registered.ID)
			if d := after.Dimension("api_calls"); d == nil || d.RemovedAt == nil || !d.RemovedAt.Equal(removedAt) || !after.UpdatedAt.Equal(before.UpdatedAt) {
				t.Errorf("after a second sync: %+v updated %v, want api_calls removed at %v and no update", d, after.UpdatedAt, removedAt)
			}
		})
		t.Run("a dimension AWS lists again is unmarked", func(t *testing.T) {
			if _, err := db.SyncProducts(ctx, []*dealdesk.Product{listed("prod-abc123", "Analytics", users, calls)}); err != nil {
				t.Fatal(err)
			}
			if d := findProduct(t, db, ctx, registered.ID).Dimension("api_calls"); d == nil || d.Removed || d.RemovedAt != nil {
				t.Errorf("api_calls stored as %+v, want listed again", d)
			}
		})
		t.Run("another organization's product is not touched", func(t *testing.T) {
			if got := findProduct(t, db, other, theirs.ID); got.Dimension("api_calls").Removed || !got.UpdatedAt.Equal(theirs.UpdatedAt) {
				t.Errorf("the other organization's product changed: %+v", got)
			}
		})
		t.Run("without an organization", func(t *testing.T) {
			_, err := db.SyncProducts(context.Background(), nil)
			wantCode(t, err, dealdesk.EUNAUTHORIZED)
			_, err = db.EnqueueProductSync(context.Background())
			wantCode(t, err, dealdesk.EUNAUTHORIZED)
		})
	})
}

func TestEndOpportunity(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, db *sqldb.DB, e engine) {
		ctx := newOrg(t, db, "Acme")
		p := newProduct(t, db, ctx, "prod-abc123")
		opp := newOffer(t, db, ctx, p.ID)
		setStatus(t, db, opp.ID, dealdesk.OfferActive, "resaleauthz-1")
		entry := dealdesk.TimelineEntry{Kind: dealdesk.TimelineRepaired, At: time.Now(), Source: dealdesk.SourceReconcile,
			SourceRef: "ResaleAuthorization:resaleauthz-1:CANCELLED", Summary: "restricted"}

		t.Run("another status is refused", func(t *testing.T) {
			_, err := db.EndOpportunity(ctx, "resaleauthz-1", dealdesk.OfferAccepted, entry)
			wantField(t, err, "status")
		})
		t.Run("an ACTIVE opportunity ends, with its timeline entry", func(t *testing.T) {
			changed, err := db.EndOpportunity(ctx, "resaleauthz-1", dealdesk.OfferCancelled, entry)
			if err != nil || !changed {
				t.Fatalf("EndOpportunity = %v, %v; want changed", changed, err)
			}
			if got := findOffer(t, db, ctx, opp.ID); got.Status != dealdesk.OfferCancelled {
				t.Errorf("status %s, want CANCELLED", got.Status)
			}
			if n := count(t, db, "timeline_entries", "offer_id = $1 AND kind = $2", opp.ID, dealdesk.TimelineRepaired); n != 1 {
				t.Errorf("%d REPAIRED entries, want 1", n)
			}
		})
		t.Run("an ended one is left as it is", func(t *testing.T) {
			changed, err := db.EndOpportunity(ctx, "resaleauthz-1", dealdesk.OfferExpired, entry)
			if err != nil || changed {
				t.Fatalf("EndOpportunity = %v, %v; want unchanged", changed, err)
			}
			if got := findOffer(t, db, ctx, opp.ID); got.Status != dealdesk.OfferCancelled {
				t.Errorf("status %s, want still CANCELLED", got.Status)
			}
		})
	})
}

// findProduct reads a product back, failing the test when it cannot.
func findProduct(t *testing.T, db *sqldb.DB, ctx context.Context, id string) *dealdesk.Product {
	t.Helper()
	p, err := db.FindProductByID(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
