package sqldb_test

import (
	"context"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/sqldb"
)

// publishWorker reports the jobs it works on a channel.
type publishWorker struct {
	river.WorkerDefaults[dealdesk.PublishOpportunityJob]
	done chan dealdesk.PublishOpportunityJob
}

func (w *publishWorker) Work(ctx context.Context, job *river.Job[dealdesk.PublishOpportunityJob]) error {
	w.done <- job.Args
	return nil
}

// TestRiverWorkersRunOnTheStore shows that a later River worker can run on the store's own pool
// and driver (a single connection on SQLite) and receives the job a submit recorded.
func TestRiverWorkersRunOnTheStore(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, db *sqldb.DB, e engine) {
		ctx := newOrg(t, db, "Acme")
		p := newProduct(t, db, ctx, "prod-abc123")
		o := newOffer(t, db, ctx, p.ID)
		if _, err := db.SubmitOffer(ctx, o.ID); err != nil {
			t.Fatal(err)
		}
		w := &publishWorker{done: make(chan dealdesk.PublishOpportunityJob, 1)}
		workers := river.NewWorkers()
		river.AddWorker(workers, w)
		client, err := river.NewClient(db.RiverDriver(), &river.Config{
			Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 1}},
			Workers:           workers,
			FetchPollInterval: 20 * time.Millisecond,
			FetchCooldown:     20 * time.Millisecond,
			Logger:            e.options(t).Logger,
		})
		if err != nil {
			t.Fatal(err)
		}
		runCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := client.Start(runCtx); err != nil {
			t.Fatal(err)
		}
		defer func() {
			stopCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := client.Stop(stopCtx); err != nil {
				t.Errorf("stop River: %v", err)
			}
		}()
		select {
		case got := <-w.done:
			if got.OfferID != o.ID || got.OrgID != dealdesk.OrgIDFromContext(ctx) {
				t.Fatalf("worker got %+v, want offer %s", got, o.ID)
			}
		case <-runCtx.Done():
			t.Fatal("the publish job was not worked within 30 s")
		}
	})
}
