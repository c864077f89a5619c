package worker

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivertype"

	"github.com/dealdesk/dealdesk"
)

// Defaults of Config.
const (
	DefaultMaxWorkers           = 100
	DefaultChangeSetPoll        = 5 * time.Second
	DefaultFetchPollInterval    = time.Second
	DefaultRetryBase            = time.Second
	DefaultRetryMax             = 5 * time.Minute
	DefaultMaxAttempts          = 25
	DefaultJobTimeout           = 2 * time.Minute
	DefaultRescueStuckJobsAfter = 5 * time.Minute
	DefaultExpiryInterval       = time.Hour
)

// Config configures a Runner. Driver, Store and Catalog are required; zero durations and
// counts take the defaults above.
type Config struct {
	// Driver is River's driver over the store's database (sqldb.DB.RiverDriver).
	Driver  riverdriver.Driver[*sql.Tx]
	Store   dealdesk.PublishStore
	Catalog dealdesk.Catalog
	// Apply, when set, also works the jobs that apply stored AWS events (decision 017).
	Apply *ApplyEventWorker
	// Recorder, when set, is told of every outcome (the timeline's hook); nil records nothing
	// beyond the store's state.
	Recorder dealdesk.PublishRecorder
	Logger   *slog.Logger
	// Now is the clock of the expiry job; time.Now when nil.
	Now func() time.Time

	// MaxWorkers is how many jobs this process works at once. A job waiting for the AWS rate
	// limits (awsmp.Limits) holds its slot, and River fetches new jobs before snoozed ones, so
	// too few slots make the change sets already started wait behind new starts: 100 (a
	// goroutine each) keeps 100 publications at once within 1.1× of StartChangeSet's quota
	// (BenchmarkPublish100).
	MaxWorkers int
	// ChangeSetPoll is how long a job snoozes between two DescribeChangeSet calls of a change
	// set that has not ended (AWS takes minutes; the simulator seconds).
	ChangeSetPoll time.Duration
	// FetchPollInterval is how often River looks for available jobs (SQLite has no LISTEN).
	FetchPollInterval time.Duration
	// RetryBase and RetryMax bound the backoff after a failed run: RetryBase·2^(n-1) after the
	// n-th failure, at most RetryMax, with ±10% jitter.
	RetryBase, RetryMax time.Duration
	// MaxAttempts is how many failed runs a job gets; the last one records the failure on the
	// opportunity (CREATE_FAILED) instead of retrying.
	MaxAttempts int
	// JobTimeout bounds one run of a job; RescueStuckJobsAfter is when a job still running
	// (its process died) is handed to another run. It must exceed JobTimeout.
	JobTimeout           time.Duration
	RescueStuckJobsAfter time.Duration
	// ExpiryInterval is how often the expiry job runs (also once at start).
	ExpiryInterval time.Duration

	// Sync and Reconcile, when set, work the product sync and reconciliation jobs, and a
	// periodic sweep (OrgSweepJob, every SweepInterval and at start) queues them for every
	// organization Organizations lists when it runs (those with an AWS connection): a sync
	// once per SyncInterval period and a reconciliation once per ReconcileInterval period, so
	// an organization connected while the process runs gets them within SweepInterval, and
	// several replicas queue each once (decision 022). Organizations is required with either.
	Sync              *ProductSyncWorker
	Reconcile         *ReconcileWorker
	Organizations     func(ctx context.Context) ([]string, error)
	SweepInterval     time.Duration
	SyncInterval      time.Duration
	ReconcileInterval time.Duration

	// Metering, when set, works the metering jobs, and every organization of ConnectedOrgs
	// gets a periodic one every MeteringInterval (default DefaultMeteringInterval), also at
	// start.
	Metering         *MeteringWorker
	MeteringInterval time.Duration
}

// Default intervals of the periodic product sync and reconciliation of each organization.
const (
	DefaultSyncInterval      = time.Hour
	DefaultReconcileInterval = 15 * time.Minute
)

func (c Config) withDefaults() Config {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	if c.MaxWorkers <= 0 {
		c.MaxWorkers = DefaultMaxWorkers
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = DefaultMaxAttempts
	}
	def(&c.ChangeSetPoll, DefaultChangeSetPoll)
	def(&c.FetchPollInterval, DefaultFetchPollInterval)
	def(&c.RetryBase, DefaultRetryBase)
	def(&c.RetryMax, DefaultRetryMax)
	def(&c.JobTimeout, DefaultJobTimeout)
	def(&c.RescueStuckJobsAfter, DefaultRescueStuckJobsAfter)
	def(&c.ExpiryInterval, DefaultExpiryInterval)
	def(&c.SyncInterval, DefaultSyncInterval)
	def(&c.ReconcileInterval, DefaultReconcileInterval)
	def(&c.SweepInterval, DefaultSweepInterval)
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// Runner works dealdesk's jobs on one process until stopped.
type Runner struct {
	client *river.Client[*sql.Tx]
}

// New returns a Runner with the publish, restrict and expiry workers (and Config.Apply, Sync
// and Reconcile) registered, not started.
func New(cfg Config) (*Runner, error) {
	if cfg.Driver == nil || cfg.Store == nil || cfg.Catalog == nil {
		return nil, errors.New("worker: Config needs a Driver, a Store and a Catalog")
	}
	cfg = cfg.withDefaults()
	if cfg.RescueStuckJobsAfter <= cfg.JobTimeout {
		return nil, fmt.Errorf("worker: RescueStuckJobsAfter (%s) must exceed JobTimeout (%s)", cfg.RescueStuckJobsAfter, cfg.JobTimeout)
	}
	base := &base{cfg: cfg, log: cfg.Logger}
	workers := river.NewWorkers()
	if err := river.AddWorkerSafely(workers, &publishWorker{base: base}); err != nil {
		return nil, err
	}
	if err := river.AddWorkerSafely(workers, &restrictWorker{base: base}); err != nil {
		return nil, err
	}
	if err := river.AddWorkerSafely(workers, &expireWorker{base: base}); err != nil {
		return nil, err
	}
	if err := river.AddWorkerSafely(workers, &orphansWorker{base: base}); err != nil {
		return nil, err
	}
	if cfg.Apply != nil {
		if err := river.AddWorkerSafely(workers, cfg.Apply); err != nil {
			return nil, err
		}
	}
	periodic := []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(cfg.ExpiryInterval),
		func() (river.JobArgs, *river.InsertOpts) { return ExpireOpportunitiesJob{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true}), orphansPeriodicJob(cfg.RetryMax)}
	if cfg.Sync != nil {
		if err := river.AddWorkerSafely(workers, cfg.Sync); err != nil {
			return nil, err
		}
	}
	if cfg.Reconcile != nil {
		if err := river.AddWorkerSafely(workers, cfg.Reconcile); err != nil {
			return nil, err
		}
	}
	if cfg.Metering != nil {
		if err := river.AddWorkerSafely(workers, cfg.Metering); err != nil {
			return nil, err
		}
	}
	if cfg.Sync != nil || cfg.Reconcile != nil || cfg.Metering != nil {
		if cfg.Organizations == nil {
			return nil, errors.New("worker: Config.Organizations is required with Sync, Reconcile or Metering")
		}
		if err := river.AddWorkerSafely(workers, &orgSweepWorker{orgs: cfg.Organizations, sync: cfg.Sync != nil,
			reconcile: cfg.Reconcile != nil, metering: cfg.Metering != nil, syncEvery: cfg.SyncInterval,
			reconEvery: cfg.ReconcileInterval, meterEvery: cmp.Or(cfg.MeteringInterval, DefaultMeteringInterval),
			logger: cfg.Logger}); err != nil {
			return nil, err
		}
		periodic = append(periodic, newOrgSweepPeriodicJob(cfg.SweepInterval))
	}
	client, err := river.NewClient(cfg.Driver, &river.Config{
		Queues:               map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: cfg.MaxWorkers}},
		Workers:              workers,
		Logger:               cfg.Logger,
		FetchPollInterval:    cfg.FetchPollInterval,
		FetchCooldown:        min(cfg.FetchPollInterval, river.FetchCooldownDefault),
		JobTimeout:           cfg.JobTimeout,
		RescueStuckJobsAfter: cfg.RescueStuckJobsAfter,
		MaxAttempts:          cfg.MaxAttempts,
		RetryPolicy:          &backoff{base: cfg.RetryBase, max: cfg.RetryMax},
		PeriodicJobs:         periodic,
	})
	if err != nil {
		return nil, fmt.Errorf("worker: River client: %w", err)
	}
	return &Runner{client: client}, nil
}

// Start starts working jobs in the background; it returns once River is running. Cancelling
// ctx stops the Runner as Stop does.
func (r *Runner) Start(ctx context.Context) error { return r.client.Start(ctx) }

// Stop stops fetching jobs and waits for the running ones to finish, until ctx ends; then
// their contexts are cancelled. A job cut off is picked up again by a later run.
func (r *Runner) Stop(ctx context.Context) error {
	err := r.client.Stop(ctx)
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return r.client.StopAndCancel(context.Background())
	}
	return err
}

// backoff is River's retry policy: exponential from base, capped at max, with ±10% jitter.
type backoff struct{ base, max time.Duration }

// NextRetry implements river.ClientRetryPolicy.
func (b *backoff) NextRetry(job *rivertype.JobRow) time.Time {
	d := b.max
	if n := max(job.Attempt, 1) - 1; n < 30 && b.base<<n < b.max && b.base<<n > 0 {
		d = b.base << n
	}
	jitter := time.Duration(float64(d) * (rand.Float64()*0.2 - 0.1))
	return time.Now().Add(d + jitter)
}
