package worker_test

import (
	"testing"
	"time"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/awsmp"
	"github.com/dealdesk/dealdesk/sim"
	"github.com/dealdesk/dealdesk/sqldb"
	"github.com/dealdesk/dealdesk/sqldb/sqldbtest"
	"github.com/dealdesk/dealdesk/worker"
)

// TestRunnerSweepsOrganizationsConnectedLater (review F8): the Runner starts while the
// organization has no AWS connection; once it sets one, the sweep queues its product sync and
// its reconciliation, and both run, without a restart. Sweeps repeated within one
// reconciliation period queue no second reconciliation.
func TestRunnerSweepsOrganizationsConnectedLater(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := setupPub(t, engine, sim.Config{DisableQuotas: true}, func(c *worker.Config) {
			store := c.Store.(*sqldb.DB)
			c.Sync = worker.NewProductSyncWorker(store, c.Catalog.(*awsmp.Catalog), nil)
			c.Reconcile = worker.NewReconcileWorker(store, c.Catalog.(*awsmp.Catalog), awsmp.NewEntitlements(), nil, nil)
			c.Organizations = store.OrganizationsWithAWSConnection
			c.SweepInterval = 50 * time.Millisecond
			// Uniqueness is per period, and periods are aligned to the clock: long ones keep
			// the test (a second or two) from straddling a boundary, where a second job is right.
			c.SyncInterval, c.ReconcileInterval = 24*time.Hour, 24*time.Hour
		}, false)
		jobs := func(kind, state string) int {
			var n int
			q := `SELECT count(*) FROM river_job WHERE kind = '` + kind + `'`
			if state != "" {
				q += ` AND state = '` + state + `'`
			}
			if err := e.db.SQL().QueryRowContext(e.ctx, q).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		e.waitUntil("a few sweeps", func() bool { return jobs("org_sweep", "completed") >= 2 })
		if n := jobs("product_sync", "") + jobs("reconcile", ""); n != 0 {
			t.Fatalf("%d sync/reconcile jobs before the organization has a connection, want 0", n)
		}
		e.connect()
		// The demo seed has two products; the test registered one: the sync adds the other.
		e.waitUntil("the products synced after the connection was set", func() bool {
			ps, _, err := e.db.FindProducts(e.ctx, dealdesk.ProductFilter{})
			return err == nil && len(ps) == 2
		})
		e.waitUntil("the reconciliation run after the connection was set", func() bool { return jobs("reconcile", "completed") == 1 })
		sweeps := jobs("org_sweep", "completed")
		e.waitUntil("more sweeps", func() bool { return jobs("org_sweep", "completed") >= sweeps+3 })
		if n, s := jobs("reconcile", ""), jobs("product_sync", ""); n != 1 || s != 1 {
			t.Errorf("%d reconcile and %d product_sync jobs after several sweeps in one period, want 1 and 1", n, s)
		}
	})
}
