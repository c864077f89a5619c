package worker

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/dealdesk/dealdesk"
)

// DefaultSweepInterval is how often the organization sweep runs: the longest an organization
// that sets its AWS connection waits for its first product sync and reconciliation.
const DefaultSweepInterval = time.Minute

// OrgSweepJob is the periodic job that queues each connected organization's product sync and
// reconciliation (decision 022). It carries nothing: the organizations are read when it runs,
// so one connected after the process started is swept like the others.
type OrgSweepJob struct{}

// Kind implements river.JobArgs.
func (OrgSweepJob) Kind() string { return "org_sweep" }

// orgSweepWorker runs OrgSweepJob: for every organization orgs lists it inserts a
// ProductSyncJob unique per organization and SyncInterval period, a ReconcileJob unique
// per organization and ReconcileInterval period, and a MeteringJob unique per organization and
// MeteringInterval period. So sweeps of several replicas, a sweep run
// again after a crash, or a restart within a period queue each job once a period.
type orgSweepWorker struct {
	river.WorkerDefaults[OrgSweepJob]

	orgs                              func(ctx context.Context) ([]string, error)
	sync, reconcile, metering         bool
	syncEvery, reconEvery, meterEvery time.Duration
	logger                            *slog.Logger
}

// Work lists the connected organizations and queues their jobs; a failure to list or to insert
// is returned so River retries the sweep (the inserts are unique, so a retry doubles nothing).
func (w *orgSweepWorker) Work(ctx context.Context, _ *river.Job[OrgSweepJob]) error {
	orgs, err := w.orgs(ctx)
	if err != nil {
		return fmt.Errorf("org sweep: list organizations: %w", err)
	}
	params := make([]river.InsertManyParams, 0, 2*len(orgs))
	for _, org := range orgs {
		if w.sync {
			params = append(params, river.InsertManyParams{Args: dealdesk.ProductSyncJob{OrgID: org},
				InsertOpts: &river.InsertOpts{UniqueOpts: periodUnique(w.syncEvery)}})
		}
		if w.reconcile {
			params = append(params, river.InsertManyParams{Args: dealdesk.ReconcileJob{OrgID: org},
				InsertOpts: &river.InsertOpts{UniqueOpts: periodUnique(w.reconEvery)}})
		}
		if w.metering {
			params = append(params, river.InsertManyParams{Args: dealdesk.MeteringJob{OrgID: org},
				InsertOpts: &river.InsertOpts{UniqueOpts: periodUnique(w.meterEvery)}})
		}
	}
	if len(params) == 0 {
		return nil
	}
	res, err := river.ClientFromContext[*sql.Tx](ctx).InsertMany(ctx, params)
	if err != nil {
		return fmt.Errorf("org sweep: queue jobs: %w", err)
	}
	queued := 0
	for _, r := range res {
		if !r.UniqueSkippedAsDuplicate {
			queued++
		}
	}
	w.logger.DebugContext(ctx, "org sweep", "organizations", len(orgs), "queued", queued)
	return nil
}

// periodUnique makes a job unique by its arguments within each period of length every (River's
// ByPeriod buckets, at least a second), in every state but cancelled and discarded.
func periodUnique(every time.Duration) river.UniqueOpts {
	return river.UniqueOpts{ByArgs: true, ByPeriod: max(every, time.Second)}
}

// newOrgSweepPeriodicJob returns the periodic job inserting OrgSweepJob every interval and at
// start. River's periodic jobs are inserted by the elected leader only; a second sweep (a new
// leader, a restart) queues nothing twice, since what it inserts is unique per period.
func newOrgSweepPeriodicJob(every time.Duration) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(every), func() (river.JobArgs, *river.InsertOpts) {
		return OrgSweepJob{}, nil
	}, &river.PeriodicJobOpts{ID: OrgSweepJob{}.Kind(), RunOnStart: true})
}
