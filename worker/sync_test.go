package worker_test

import (
	"net/http/httptest"
	"testing"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/sim"
	"github.com/dealdesk/dealdesk/sqldb/sqldbtest"
	"github.com/dealdesk/dealdesk/worker"
)

// serveSim starts a simulator with seed and returns its URL.
func serveSim(t *testing.T, seed sim.Seed) string {
	t.Helper()
	srv, err := sim.New(sim.Config{Seed: &seed, ChangeSetDelay: -1, DisableQuotas: true})
	if err != nil {
		t.Fatalf("sim.New: %v", err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		hs.Close()
		srv.Close()
	})
	return hs.URL
}

// connect points org's AWS connection at the simulator at url.
func (e *env) connect(o *org, url string) {
	e.t.Helper()
	if _, err := e.db.SaveAWSConnection(o.ctx, dealdesk.AWSConnectionInput{SellerAccountID: seller, Region: "us-east-1",
		CredentialsMode: dealdesk.CredentialsStaticKeys, AccessKeyID: "AKIDSELLER000000", SecretAccessKey: "not-a-real-secret-key",
		EndpointURL: url}); err != nil {
		e.t.Fatal(err)
	}
}

// byExternalID indexes products by AWS product ID.
func byExternalID(ps []*dealdesk.Product) map[string]*dealdesk.Product {
	m := map[string]*dealdesk.Product{}
	for _, p := range ps {
		m[p.ExternalID] = p
	}
	return m
}

// TestProductSyncWorker_SyncKeepsIDsAndMarksRemovedDimensions syncs the demo seed into an
// organization that has registered the analytics product by hand, then syncs a Catalog where
// the analytics product lost its api_calls dimension, gained one and changed its title.
func TestProductSyncWorker_SyncKeepsIDsAndMarksRemovedDimensions(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := newEnv(t, engine)
		o := e.newOrg("Acme", true) // analytics registered by hand, connected to the demo seed
		w := worker.NewProductSyncWorker(e.db, e.cat, nil)

		first, err := w.Sync(bg(t), dealdesk.ProductSyncJob{OrgID: o.id})
		if err != nil {
			t.Fatalf("first sync: %v", err)
		}
		got := byExternalID(first)
		analytics, legacy := got[productID], got["prod-dd3mo1egacyl0g"]
		if len(first) != 2 || analytics == nil || legacy == nil {
			t.Fatalf("first sync stored %d products %v, want the seed's analytics and legacy products", len(first), got)
		}
		t.Run("a registered product keeps its ID", func(t *testing.T) {
			if analytics.ID != o.productID || analytics.ProductCode != productCode {
				t.Errorf("analytics product %s code %q, want the registered %s and its code kept", analytics.ID, analytics.ProductCode, o.productID)
			}
		})
		t.Run("a new product is created with the Catalog's dimensions", func(t *testing.T) {
			stored, err := e.db.FindProductByID(o.ctx, legacy.ID)
			if err != nil {
				t.Fatal(err)
			}
			want := []dealdesk.Dimension{
				{Key: "hosts", Name: "Hosts", Unit: "Units", Kind: dealdesk.DimensionEntitled},
				{Key: "events", Name: "Events", Unit: "Units", Kind: dealdesk.DimensionMetered},
			}
			// The Catalog's SaaSProduct details carry no product code: a product new to dealdesk
			// is stored without one (decision 018).
			if stored.ProductCode != "" || stored.Title != "Example Log Shipper (legacy)" || !sameDims(stored.Dimensions, want) {
				t.Errorf("legacy product stored as %+v, want no code, the title and dimensions %+v", stored, want)
			}
		})

		// The Catalog changes: api_calls removed, reports added, a new title.
		seed := sim.DemoSeed()
		p := &seed.Products[0]
		p.Title = "Example Analytics Platform 2"
		p.Dimensions = []sim.Dimension{p.Dimensions[0], p.Dimensions[2],
			{Key: "reports", Name: "Reports", Unit: "Units", Types: []string{sim.DimensionMetered}}}
		e.connect(o, serveSim(t, seed))
		second, err := w.Sync(bg(t), dealdesk.ProductSyncJob{OrgID: o.id})
		if err != nil {
			t.Fatalf("second sync: %v", err)
		}
		again := byExternalID(second)
		t.Run("a second sync keeps every ID", func(t *testing.T) {
			if again[productID] == nil || again[productID].ID != analytics.ID || again["prod-dd3mo1egacyl0g"] == nil ||
				again["prod-dd3mo1egacyl0g"].ID != legacy.ID {
				t.Errorf("second sync: %v, want IDs %s and %s kept", again, analytics.ID, legacy.ID)
			}
			all, _, err := e.db.FindProducts(o.ctx, dealdesk.ProductFilter{})
			if err != nil || len(all) != 2 {
				t.Errorf("the organization has %d products (%v), want 2", len(all), err)
			}
		})
		t.Run("a dimension AWS removed is marked, not deleted", func(t *testing.T) {
			stored, err := e.db.FindProductByID(o.ctx, analytics.ID)
			if err != nil {
				t.Fatal(err)
			}
			if stored.Title != "Example Analytics Platform 2" {
				t.Errorf("title %q, want the Catalog's new title", stored.Title)
			}
			keys := map[string]dealdesk.Dimension{}
			for _, d := range stored.Dimensions {
				keys[d.Key] = d
			}
			gone, ok := keys["api_calls"]
			if !ok || !gone.Removed || gone.RemovedAt == nil {
				t.Errorf("api_calls stored as %+v (present %v), want kept and marked removed with a time", gone, ok)
			}
			for _, k := range []string{"seats", "storage_gb", "reports"} {
				if d, ok := keys[k]; !ok || d.Removed || d.RemovedAt != nil {
					t.Errorf("dimension %s stored as %+v (present %v), want listed and not removed", k, d, ok)
				}
			}
			if len(stored.Dimensions) != 4 {
				t.Errorf("%d dimensions %+v, want 4 (3 listed, 1 removed)", len(stored.Dimensions), stored.Dimensions)
			}
		})
		t.Run("a sync of an unchanged Catalog changes nothing", func(t *testing.T) {
			before, err := e.db.FindProductByID(o.ctx, analytics.ID)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.Sync(bg(t), dealdesk.ProductSyncJob{OrgID: o.id}); err != nil {
				t.Fatal(err)
			}
			after, err := e.db.FindProductByID(o.ctx, analytics.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !after.UpdatedAt.Equal(before.UpdatedAt) || !sameDims(after.Dimensions, before.Dimensions) {
				t.Errorf("third sync changed the product: %+v, was %+v", after, before)
			}
		})
	})
}

// TestProductSyncWorker_NoConnection completes without storing anything.
func TestProductSyncWorker_NoConnection(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := newEnv(t, engine)
		o := e.newOrg("Acme", false)
		got, err := worker.NewProductSyncWorker(e.db, e.cat, nil).Sync(bg(t), dealdesk.ProductSyncJob{OrgID: o.id})
		if err != nil || len(got) != 0 {
			t.Fatalf("Sync without a connection: %v, %v; want nothing and no error", got, err)
		}
		all, _, err := e.db.FindProducts(o.ctx, dealdesk.ProductFilter{})
		if err != nil || len(all) != 1 {
			t.Errorf("%d products (%v), want the one registered", len(all), err)
		}
	})
}

func sameDims(a, b []dealdesk.Dimension) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if x.Key != y.Key || x.Name != y.Name || x.Unit != y.Unit || x.Kind != y.Kind || x.Removed != y.Removed ||
			(x.RemovedAt == nil) != (y.RemovedAt == nil) || (x.RemovedAt != nil && !x.RemovedAt.Equal(*y.RemovedAt)) {
			return false
		}
	}
	return true
}
