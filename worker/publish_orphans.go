package worker

import (
	"context"
	"time"

	"github.com/riverqueue/river"
)

// OrphanedPublicationsJob finds the publications whose job died and does not leave them
// orphaned (PublishStore.RestartOrphanedPublications, decision 021). It runs periodically,
// every Config.RetryMax (so a PENDING_CREATE opportunity waits at most about as long for a new
// job as a waiting publish job snoozes), and at start, on the River leader.
type OrphanedPublicationsJob struct{}

// Kind names the job.
func (OrphanedPublicationsJob) Kind() string { return "orphaned_publications" }

// orphansWorker works OrphanedPublicationsJob. It is the backstop of the publish and restrict
// jobs' last words (lastWord): a job River discards after a crash on its last attempt (its
// rescue), or whose last word itself failed (the store down), has none; this check runs on
// stored data, whatever killed the job.
type orphansWorker struct {
	river.WorkerDefaults[OrphanedPublicationsJob]
	*base
}

// Work restarts or ends the orphaned publications of every organization.
func (w *orphansWorker) Work(ctx context.Context, _ *river.Job[OrphanedPublicationsJob]) error {
	orphans, err := w.cfg.Store.RestartOrphanedPublications(ctx)
	for _, o := range orphans {
		if o.Restrict {
			// The store recorded RESTRICT_FAILED on the timeline (and notified) with the change.
			w.log.WarnContext(ctx, "restriction job died: restriction ended RESTRICT_FAILED", "org", o.OrgID, "offer", o.OfferID,
				"deadJob", o.DeadJobID)
			continue
		}
		w.log.WarnContext(ctx, "publish job died: a new one continues the attempt", "org", o.OrgID, "offer", o.OfferID,
			"deadJob", o.DeadJobID, "newJob", o.NewJobID)
	}
	return err
}

// orphansPeriodicJob runs OrphanedPublicationsJob every interval and at start.
func orphansPeriodicJob(interval time.Duration) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(interval),
		func() (river.JobArgs, *river.InsertOpts) { return OrphanedPublicationsJob{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true})
}
