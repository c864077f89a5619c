package worker_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/sim"
	"github.com/dealdesk/dealdesk/sqldb/sqldbtest"
	"github.com/dealdesk/dealdesk/worker"
)

// brokenStore is the real store with switchable failures, as a crash or a failing database
// would make them: each named method fails (or panics) while its switch is on.
type brokenStore struct {
	dealdesk.PublishStore
	mu sync.Mutex
	// crashAfterPublishSucceeded: PublishSucceeded commits, then returns an error once (a
	// process dying between the commit and what came after it).
	crashAfterPublishSucceeded bool
	panicSetPublishChangeSet   bool
	failPublishAttempt         bool
	failRestrict               bool // SetRestrictChangeSet and RestrictEnded fail
	crashes                    int
}

var errBroken = errors.New("the store failed (test)")

func (s *brokenStore) is(flag *bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return *flag
}

func (s *brokenStore) set(flag *bool, on bool) {
	s.mu.Lock()
	*flag = on
	s.mu.Unlock()
}

func (s *brokenStore) PublishSucceeded(ctx context.Context, offerID, ra string, notes []dealdesk.FieldError, happened ...dealdesk.TimelineEntry) (*dealdesk.Offer, error) {
	o, err := s.PublishStore.PublishSucceeded(ctx, offerID, ra, notes, happened...)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err == nil && s.crashAfterPublishSucceeded {
		s.crashAfterPublishSucceeded = false
		s.crashes++
		return nil, errBroken
	}
	return o, err
}

func (s *brokenStore) SetPublishChangeSet(ctx context.Context, offerID string, attempt int, changeSetID string) error {
	if s.is(&s.panicSetPublishChangeSet) {
		panic("SetPublishChangeSet (test)")
	}
	return s.PublishStore.SetPublishChangeSet(ctx, offerID, attempt, changeSetID)
}

func (s *brokenStore) PublishAttempt(ctx context.Context, offerID string, jobID int64) (*dealdesk.Publication, error) {
	if s.is(&s.failPublishAttempt) {
		return nil, errBroken
	}
	return s.PublishStore.PublishAttempt(ctx, offerID, jobID)
}

func (s *brokenStore) SetRestrictChangeSet(ctx context.Context, offerID string, attempt int, changeSetID string) error {
	if s.is(&s.failRestrict) {
		return errBroken
	}
	return s.PublishStore.SetRestrictChangeSet(ctx, offerID, attempt, changeSetID)
}

func (s *brokenStore) RestrictEnded(ctx context.Context, offerID string, attempt int, result string, happened ...dealdesk.TimelineEntry) error {
	if s.is(&s.failRestrict) {
		return errBroken
	}
	return s.PublishStore.RestrictEnded(ctx, offerID, attempt, result, happened...)
}

// withBroken puts store in front of the real store, with each job given 3 runs.
func withBroken(store *brokenStore) func(*worker.Config) {
	return func(c *worker.Config) {
		fewAttempts(c)
		store.PublishStore = c.Store
		c.Store = store
	}
}

// count returns how many of entries start with prefix.
func count(entries []string, prefix string) int {
	n := 0
	for _, e := range entries {
		if strings.HasPrefix(e, prefix) {
			n++
		}
	}
	return n
}

// TestPublishedOutcomeIsOnTheTimelineAfterACrash (review F3-3): the process dies right after
// the opportunity became ACTIVE. The PUBLISHED entry and its notification were recorded with
// the state change: the timeline has it exactly once, and the job ends.
func TestPublishedOutcomeIsOnTheTimelineAfterACrash(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		store := &brokenStore{crashAfterPublishSucceeded: true}
		e := newPubEnv(t, engine, sim.Config{DisableQuotas: true}, withBroken(store))
		name := "Globex, crash after publishing"
		o := e.submit(e.opportunity(name))
		e.waitUntil("ACTIVE", func() bool { return e.offer(o.ID).Status == dealdesk.OfferActive })
		e.waitUntil("the job ended", func() bool {
			var n int
			err := e.db.SQL().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM river_job WHERE kind = 'publish_opportunity'
				AND state = 'completed'`).Scan(&n)
			return err == nil && n == 1
		})
		if store.crashes != 1 {
			t.Fatalf("%d crashes after PublishSucceeded; want 1", store.crashes)
		}
		entries, notes := e.timeline(o.ID)
		if count(entries, "PUBLISHED ") != 1 || !slices.Contains(notes, "PUBLISHED") {
			t.Fatalf("timeline %q, notifications %q; want PUBLISHED once on both", entries, notes)
		}
		e.checkActive(o.ID, name, 1)
	})
}

// TestPanicOnTheLastAttemptKeepsWaiting (review F3-1): recording the change set panics on
// every run, well past the job's last attempt, after AWS created it. The opportunity is never
// left without a reason nor CREATE_FAILED: it waits, saying so; once the store works the same
// token's change set makes it ACTIVE with one resale authorization.
func TestPanicOnTheLastAttemptKeepsWaiting(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		store := &brokenStore{panicSetPublishChangeSet: true}
		e := newPubEnv(t, engine, sim.Config{DisableQuotas: true}, withBroken(store))
		name := "Hooli, panicking store"
		o := e.submit(e.opportunity(name))
		e.waitUntil("past the last attempt", func() bool {
			return e.http.count("StartChangeSet", 200) > 3 && len(e.offer(o.ID).PublishErrors) == 1
		})
		e.checkWaiting(o.ID)
		if msg := e.offer(o.ID).PublishErrors[0].Message; !strings.Contains(msg, "failed internally") || strings.Contains(msg, "panic") {
			t.Fatalf("publishErrors %q; want the internal failure named, no panic text", msg)
		}
		store.set(&store.panicSetPublishChangeSet, false)
		if got := e.outcome(o.ID); got.Kind != dealdesk.OutcomePublished {
			t.Fatalf("outcome %+v; want PUBLISHED", got)
		}
		e.checkActive(o.ID, name, 1)
	})
}

// TestDiscardedPublishJobIsRestarted (review F3-1): the store fails every run of the publish
// job, its last word included, so River discards it. The orphaned-publications check gives the
// opportunity a new job for the same attempt, which publishes it once the store works.
func TestDiscardedPublishJobIsRestarted(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		store := &brokenStore{failPublishAttempt: true}
		e := newPubEnv(t, engine, sim.Config{DisableQuotas: true}, withBroken(store))
		name := "Initech, discarded job"
		o := e.submit(e.opportunity(name))
		first, err := e.db.FindPublication(e.ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		e.waitUntil("the job discarded", func() bool {
			var state string
			err := e.db.SQL().QueryRowContext(context.Background(), `SELECT state FROM river_job WHERE id = $1`, first.JobID).Scan(&state)
			return err == nil && state == "discarded"
		})
		store.set(&store.failPublishAttempt, false)
		if got := e.outcome(o.ID); got.Kind != dealdesk.OutcomePublished {
			t.Fatalf("outcome %+v; want PUBLISHED", got)
		}
		e.checkActive(o.ID, name, 1)
		if pub, err := e.db.FindPublication(e.ctx, o.ID); err != nil || pub.JobID == first.JobID {
			t.Fatalf("publication %+v, %v; want a new job", pub, err)
		}
	})
}

// TestDiscardedRestrictJobIsToldAndCanBeCancelledAgain (review F3-1): the store fails every run
// of the restrict job, its last word included, so River discards it. The check ends the
// restriction RESTRICT_FAILED (publishErrors, timeline, notification); cancelling again
// restricts the resale authorization.
func TestDiscardedRestrictJobIsToldAndCanBeCancelledAgain(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		store := &brokenStore{}
		e := newPubEnv(t, engine, sim.Config{DisableQuotas: true}, withBroken(store))
		o := e.published("Umbrella, discarded restriction")
		store.set(&store.failRestrict, true)
		if _, err := e.db.CancelOffer(e.ctx, o.ID); err != nil {
			t.Fatal(err)
		}
		e.waitUntil("RESTRICT_FAILED shown", func() bool {
			got := e.offer(o.ID)
			return len(got.PublishErrors) == 1 && got.PublishErrors[0].Field == "restriction" &&
				strings.Contains(got.PublishErrors[0].Message, "stopped before")
		})
		entries, notes := e.timeline(o.ID)
		if count(entries, "RESTRICT_FAILED ") != 1 || !slices.Contains(notes, "RESTRICT_FAILED") {
			t.Fatalf("timeline %q, notifications %q; want RESTRICT_FAILED once on both", entries, notes)
		}
		store.set(&store.failRestrict, false)
		if _, err := e.db.CancelOffer(e.ctx, o.ID); err != nil {
			t.Fatalf("cancel again: %v", err)
		}
		e.checkRestricted(o)
	})
}

// TestRefusedRestrictDescribeWaits (review F3-4, F3-5): while DescribeChangeSet is refused the
// restriction is not ended as failed (its change set may succeed): the cancelled opportunity
// says it waits, and ends RESTRICTED once AWS answers.
func TestRefusedRestrictDescribeWaits(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := newPubEnv(t, engine, sim.Config{DisableQuotas: true}, fewAttempts)
		o := e.published("Soylent, restrict describe refused")
		e.control("PUT", "/_sim/faults", sim.FaultConfig{Operations: map[string]sim.OpFault{
			"DescribeChangeSet": {ErrorRate: 1, ErrorType: "AccessDeniedException", ErrorStatus: 403}}})
		if _, err := e.db.CancelOffer(e.ctx, o.ID); err != nil {
			t.Fatal(err)
		}
		e.waitUntil("the wait shown past the last attempt", func() bool {
			got := e.offer(o.ID)
			return e.http.count("DescribeChangeSet", 403) > 3 && len(got.PublishErrors) == 1 &&
				strings.HasPrefix(got.PublishErrors[0].Message, "Waiting to learn whether")
		})
		if pub, err := e.db.FindPublication(e.ctx, o.ID); err != nil || pub.RestrictResult != "" {
			t.Fatalf("publication %+v, %v; want the restriction not ended", pub, err)
		}
		e.control("PUT", "/_sim/faults", sim.FaultConfig{Operations: map[string]sim.OpFault{}})
		e.checkRestricted(o)
	})
}
