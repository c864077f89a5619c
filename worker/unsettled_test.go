package worker_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/sim"
	"github.com/dealdesk/dealdesk/sqldb/sqldbtest"
	"github.com/dealdesk/dealdesk/worker"
)

// fewAttempts gives each job 3 runs, so that tests get past River's last attempt quickly.
func fewAttempts(c *worker.Config) { c.MaxAttempts = 3 }

// checkWaiting checks that opportunity id is PENDING_CREATE, saying it waits for the outcome of
// its change set, and that it cannot be submitted again meanwhile.
func (e *pubEnv) checkWaiting(id string) {
	e.t.Helper()
	o := e.offer(id)
	if o.Status != dealdesk.OfferPendingCreate || len(o.PublishErrors) != 1 || !strings.HasPrefix(o.PublishErrors[0].Message, "Waiting to learn whether") {
		e.t.Fatalf("opportunity: status %s, publishErrors %+v; want PENDING_CREATE waiting for the change set's outcome", o.Status, o.PublishErrors)
	}
	if _, err := e.db.SubmitOffer(e.ctx, id); dealdesk.ErrorCode(err) != dealdesk.ECONFLICT {
		e.t.Fatalf("submitting again while waiting: %v; want ECONFLICT", err)
	}
}

// TestLostStartChangeSetAnswerMakesOneResaleAuthorization (review F2, decision 021): AWS
// creates the change set but every answer of StartChangeSet is lost, well past the job's last
// attempt. The opportunity is never CREATE_FAILED (which would let a resubmission use a new
// token): it stays PENDING_CREATE saying why, and once an answer comes through the same token
// gives the same change set: one resale authorization.
func TestLostStartChangeSetAnswerMakesOneResaleAuthorization(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := newPubEnv(t, engine, sim.Config{DisableQuotas: true}, fewAttempts)
		e.http.setLose("StartChangeSet", true)
		name := "Soylent, answer lost"
		o := e.submit(e.opportunity(name))
		// 3 runs of 3 tries each (the SDK's retries), then at least one more run after the last.
		e.waitUntil("answers lost past the last attempt", func() bool {
			return e.http.lostAnswers("StartChangeSet") > 9 && len(e.offer(o.ID).PublishErrors) == 1
		})
		e.checkWaiting(o.ID)
		if ras := e.resaleAuthorizations(name); len(ras) != 1 {
			t.Fatalf("the simulator lists %d resale authorizations; want the one the lost answers hid", len(ras))
		}
		e.http.setLose("StartChangeSet", false)
		if got := e.outcome(o.ID); got.Kind != dealdesk.OutcomePublished {
			t.Fatalf("outcome %+v; want PUBLISHED", got)
		}
		e.checkActive(o.ID, name, 1)
	})
}

// TestRefusedDescribeChangeSetWaitsForTheOutcome (review F2, decision 021): while
// DescribeChangeSet is refused (access denied, or throttled past the job's last attempt) the
// change set succeeds on AWS; the opportunity waits in PENDING_CREATE instead of failing, and
// becomes ACTIVE with that one resale authorization once AWS answers.
func TestRefusedDescribeChangeSetWaitsForTheOutcome(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		errorType string
		status    int
	}{
		{"AccessDeniedException", 403},
		{"ThrottlingException", 429},
	} {
		t.Run(tc.errorType, func(t *testing.T) {
			t.Parallel()
			sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
				e := newPubEnv(t, engine, sim.Config{DisableQuotas: true}, fewAttempts)
				e.control("PUT", "/_sim/faults", sim.FaultConfig{Operations: map[string]sim.OpFault{
					"DescribeChangeSet": {ErrorRate: 1, ErrorType: tc.errorType, ErrorStatus: tc.status}}})
				name := "Tyrell, describe " + tc.errorType
				o := e.submit(e.opportunity(name))
				e.waitUntil("DescribeChangeSet refused past the last attempt", func() bool {
					return e.http.count("DescribeChangeSet", tc.status) > 9 && len(e.offer(o.ID).PublishErrors) == 1
				})
				e.checkWaiting(o.ID)
				e.control("PUT", "/_sim/faults", sim.FaultConfig{Operations: map[string]sim.OpFault{}})
				if got := e.outcome(o.ID); got.Kind != dealdesk.OutcomePublished {
					t.Fatalf("outcome %+v; want PUBLISHED", got)
				}
				e.checkActive(o.ID, name, 1)
			})
		})
	}
}

// TestResubmittedUnsettledAttemptIsSettledFirst (decision 021): an opportunity left
// CREATE_FAILED with its attempt unsettled (as versions before decision 021 left it when
// DescribeChangeSet kept failing) is edited and submitted again. The job settles the old
// change set first: it SUCCEEDED, so the opportunity becomes ACTIVE with its resale
// authorization, saying that the edits were not published, and no second one is created.
func TestResubmittedUnsettledAttemptIsSettledFirst(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := newPubEnv(t, engine, sim.Config{DisableQuotas: true}, fewAttempts)
		e.control("PUT", "/_sim/faults", sim.FaultConfig{Operations: map[string]sim.OpFault{
			"DescribeChangeSet": {ErrorRate: 1, ErrorType: "AccessDeniedException", ErrorStatus: 403}}})
		name := "Cyberdyne, first submission"
		o := e.submit(e.opportunity(name))
		e.waitUntil("the wait shown", func() bool { return len(e.offer(o.ID).PublishErrors) == 1 })
		e.checkWaiting(o.ID)
		pub, err := e.db.FindPublication(e.ctx, o.ID)
		if err != nil || pub.ChangeSetID == "" || pub.Settled {
			t.Fatalf("publication %+v, %v; want the change set, unsettled", pub, err)
		}
		// What an earlier version did on the last attempt: CREATE_FAILED, the attempt unsettled.
		if _, err := e.db.SQL().ExecContext(context.Background(), `UPDATE offers SET status = $1 WHERE id = $2`, dealdesk.OfferCreateFailed, o.ID); err != nil {
			t.Fatal(err)
		}
		e.control("PUT", "/_sim/faults", sim.FaultConfig{Operations: map[string]sim.OpFault{}})
		if _, err := e.db.UpdateOffer(e.ctx, o.ID, dealdesk.OfferInput{Name: ptr("Cyberdyne, edited")}); err != nil {
			t.Fatalf("edit: %v", err)
		}
		if _, err := e.db.SubmitOffer(e.ctx, o.ID); err != nil {
			t.Fatalf("resubmit: %v", err)
		}
		got := e.outcome(o.ID)
		if got.Kind != dealdesk.OutcomePublished || got.ChangeSetID != pub.ChangeSetID || !strings.Contains(got.Summary, "not published") {
			t.Fatalf("outcome %+v; want PUBLISHED by the first change set %s, saying the edits were not published", got, pub.ChangeSetID)
		}
		active := e.offer(o.ID)
		ras := e.resaleAuthorizations(name)
		if active.Status != dealdesk.OfferActive || len(ras) != 1 || ras[0].ID != active.ExternalID || len(e.resaleAuthorizations("Cyberdyne, edited")) != 0 {
			t.Fatalf("opportunity %s %q, resale authorizations %+v; want ACTIVE with the first submission's one, and no other", active.Status, active.ExternalID, ras)
		}
		if len(active.PublishErrors) != 1 || !strings.Contains(active.PublishErrors[0].Message, "were not published") {
			t.Fatalf("publishErrors %+v; want the note that the edits were not published", active.PublishErrors)
		}
		if after, err := e.db.FindPublication(e.ctx, o.ID); err != nil || after.Attempt != 1 || !after.Settled || after.CarriedOver {
			t.Fatalf("publication %+v, %v; want attempt 1, settled", after, err)
		}
	})
}

// TestResubmittedUnsettledFailedAttemptPublishesTheEdits (decision 021): when the carried-over
// change set ended without effect, the resubmission is published under the next attempt.
func TestResubmittedUnsettledFailedAttemptPublishesTheEdits(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := newPubEnv(t, engine, sim.Config{DisableQuotas: true}, fewAttempts)
		e.control("PUT", "/_sim/faults", sim.FaultConfig{Operations: map[string]sim.OpFault{
			"DescribeChangeSet": {ErrorRate: 1, ErrorType: "AccessDeniedException", ErrorStatus: 403}}})
		in := e.opportunity("Wonka via an unknown partner")
		in.ResellerAccountID = ptr("999988887777") // the change set FAILs with CLIENT_ERROR
		o := e.submit(in)
		e.waitUntil("the wait shown", func() bool { return len(e.offer(o.ID).PublishErrors) == 1 })
		if _, err := e.db.SQL().ExecContext(context.Background(), `UPDATE offers SET status = $1 WHERE id = $2`, dealdesk.OfferCreateFailed, o.ID); err != nil {
			t.Fatal(err)
		}
		e.control("PUT", "/_sim/faults", sim.FaultConfig{Operations: map[string]sim.OpFault{}})
		if _, err := e.db.UpdateOffer(e.ctx, o.ID, dealdesk.OfferInput{ResellerAccountID: ptr(reseller)}); err != nil {
			t.Fatalf("edit: %v", err)
		}
		if _, err := e.db.SubmitOffer(e.ctx, o.ID); err != nil {
			t.Fatalf("resubmit: %v", err)
		}
		if got := e.outcome(o.ID); got.Kind != dealdesk.OutcomePublished || strings.Contains(got.Summary, "not published") {
			t.Fatalf("outcome %+v; want PUBLISHED with the edits", got)
		}
		e.checkActive(o.ID, "Wonka via an unknown partner", 2)
	})
}

// published submits an opportunity named name and waits for it to be ACTIVE.
func (e *pubEnv) published(name string) *dealdesk.Offer {
	e.t.Helper()
	o := e.submit(e.opportunity(name))
	if got := e.outcome(o.ID); got.Kind != dealdesk.OutcomePublished {
		e.t.Fatalf("outcome %+v; want PUBLISHED", got)
	}
	return e.offer(o.ID)
}

// checkRestricted waits for the RESTRICTED outcome of o and checks the resale authorization is
// Restricted on the simulator and nothing is left in publishErrors.
func (e *pubEnv) checkRestricted(o *dealdesk.Offer) *dealdesk.Publication {
	e.t.Helper()
	if got := e.outcome(o.ID); got.Kind != dealdesk.OutcomeRestricted {
		e.t.Fatalf("outcome %+v; want RESTRICTED", got)
	}
	if ras := e.resaleAuthorizations(o.Name); len(ras) != 1 || ras[0].Status != dealdesk.ResaleAuthorizationRestricted {
		e.t.Fatalf("resale authorizations %+v; want one, Restricted", ras)
	}
	if got := e.offer(o.ID); got.Status != dealdesk.OfferCancelled || len(got.PublishErrors) != 0 {
		e.t.Fatalf("opportunity %s %+v; want CANCELLED without publishErrors", got.Status, got.PublishErrors)
	}
	pub, err := e.db.FindPublication(e.ctx, o.ID)
	if err != nil || pub.RestrictResult != "SUCCEEDED" {
		e.t.Fatalf("publication %+v, %v; want the restriction SUCCEEDED", pub, err)
	}
	return pub
}

// TestRestrictionServerFaultStartsAgain (review F7): a restriction change set FAILED with
// SERVER_FAULT applied nothing; the worker starts a new one with the next token and the resale
// authorization ends Restricted.
func TestRestrictionServerFaultStartsAgain(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := newPubEnv(t, engine, sim.Config{DisableQuotas: true}, nil)
		o := e.published("Initrode, server fault on restrict")
		seed := uint64(3)
		e.control("PUT", "/_sim/faults", sim.FaultConfig{Seed: &seed, Operations: map[string]sim.OpFault{"StartChangeSet": {ServerFaultRate: 0.7}}})
		if _, err := e.db.CancelOffer(e.ctx, o.ID); err != nil {
			t.Fatal(err)
		}
		if pub := e.checkRestricted(o); pub.RestrictAttempt < 2 {
			t.Fatalf("restriction attempt %d; want at least 2 (the first FAILED with SERVER_FAULT)", pub.RestrictAttempt)
		}
	})
}

// TestFailedRestrictionIsToldAndCanBeStartedAgain (review F7): a restriction AWS refuses, or
// that is throttled past the job's last attempt, ends RESTRICT_FAILED: the timeline and a
// notification say so, the cancelled opportunity's publishErrors name the restriction, and
// cancelling it again starts a new restriction that restricts the resale authorization.
func TestFailedRestrictionIsToldAndCanBeStartedAgain(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		fault sim.OpFault
	}{
		{"refused", sim.OpFault{ErrorRate: 1, ErrorType: "AccessDeniedException", ErrorStatus: 403}},
		{"throttled past the last attempt", sim.OpFault{ErrorRate: 1, ErrorType: "ThrottlingException"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
				e := newPubEnv(t, engine, sim.Config{DisableQuotas: true}, fewAttempts)
				o := e.published("Vandelay, restrict " + tc.name)
				e.control("PUT", "/_sim/faults", sim.FaultConfig{Operations: map[string]sim.OpFault{"StartChangeSet": tc.fault}})
				if _, err := e.db.CancelOffer(e.ctx, o.ID); err != nil {
					t.Fatal(err)
				}
				failed := e.outcome(o.ID)
				if failed.Kind != dealdesk.OutcomeRestrictFailed {
					t.Fatalf("outcome %+v; want RESTRICT_FAILED", failed)
				}
				got := e.offer(o.ID)
				if got.Status != dealdesk.OfferCancelled || len(got.PublishErrors) != 1 || got.PublishErrors[0].Field != "restriction" {
					t.Fatalf("opportunity %s %+v; want CANCELLED naming the restriction's failure", got.Status, got.PublishErrors)
				}
				if ras := e.resaleAuthorizations(o.Name); len(ras) != 1 || ras[0].Status != dealdesk.ResaleAuthorizationActive {
					t.Fatalf("resale authorizations %+v; want one, still Active", ras)
				}
				entries, notes := e.timeline(o.ID)
				if !slices.ContainsFunc(entries, func(s string) bool { return strings.HasPrefix(s, "RESTRICT_FAILED ") }) ||
					!slices.Contains(notes, "RESTRICT_FAILED") {
					t.Fatalf("timeline %q, notifications %q; want RESTRICT_FAILED on both", entries, notes)
				}

				e.control("PUT", "/_sim/faults", sim.FaultConfig{Operations: map[string]sim.OpFault{}})
				if _, err := e.db.CancelOffer(e.ctx, o.ID); err != nil {
					t.Fatalf("cancel again: %v", err)
				}
				if pub := e.checkRestricted(o); pub.RestrictAttempt != 2 {
					t.Fatalf("restriction attempt %d; want 2", pub.RestrictAttempt)
				}
				if _, err := e.db.CancelOffer(e.ctx, o.ID); dealdesk.ErrorCode(err) != dealdesk.ECONFLICT {
					t.Fatalf("cancelling a restricted opportunity again: %v; want ECONFLICT", err)
				}
			})
		})
	}
}

// TestValidationAfterLostAnswerFindsTheChangeSet (review F3-2): StartChangeSet's answers are
// lost after AWS created the change set; the next call is refused with a ValidationException
// that does not name the ClientRequestToken. The attempt is not settled on the message: the
// change set is found by its name, and the opportunity becomes ACTIVE with one resale
// authorization, never CREATE_FAILED.
func TestValidationAfterLostAnswerFindsTheChangeSet(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := newPubEnv(t, engine, sim.Config{DisableQuotas: true}, fewAttempts)
		e.http.setLose("StartChangeSet", true)
		name := "Tyrell, validation after a lost answer"
		o := e.submit(e.opportunity(name))
		e.waitUntil("an answer lost", func() bool {
			return e.http.lostAnswers("StartChangeSet") > 0 && len(e.offer(o.ID).PublishErrors) == 1
		})
		e.control("PUT", "/_sim/faults", sim.FaultConfig{Operations: map[string]sim.OpFault{"StartChangeSet": {ErrorRate: 1,
			ErrorType: "ValidationException", ErrorStatus: 422, ErrorMessage: "The request is not valid."}}})
		e.http.setLose("StartChangeSet", false)
		got := e.outcome(o.ID)
		refused := e.http.count("StartChangeSet", 422)
		e.control("PUT", "/_sim/faults", sim.FaultConfig{Operations: map[string]sim.OpFault{}})
		if got.Kind != dealdesk.OutcomePublished || refused == 0 {
			t.Fatalf("outcome %+v after %d ValidationExceptions; want PUBLISHED after at least one", got, refused)
		}
		e.checkActive(o.ID, name, 1)
	})
}
