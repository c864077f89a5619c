package worker

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/riverqueue/river"

	"github.com/dealdesk/dealdesk"
)

// publishWorker publishes a PENDING_CREATE opportunity: it starts the change set that creates
// its resale authorization, records the change set's ID, then follows the change set by
// snoozing the job between DescribeChangeSet calls until it ends (decision 015).
//
// No run creates a second resale authorization: the change set's ClientRequestToken is
// PublishToken(offer, attempt), and the attempt only changes once it is settled
// (Publication.Settled, decision 021): AWS is known to have created nothing under its token.
// A run that dies after StartChangeSet but before its ID was stored is run again with the same
// token and gets the same change set back. While the outcome of an attempt is not known (an
// answer lost, DescribeChangeSet refused) the opportunity stays PENDING_CREATE, saying in
// PublishErrors why it waits, and the job keeps trying, at most RetryMax apart, however many
// attempts River gave it.
type publishWorker struct {
	river.WorkerDefaults[dealdesk.PublishOpportunityJob]
	*base
}

// Work runs one step of the publication. A run that panics or fails with an error on the
// job's last attempt still leaves a visible, truthful state (lastWord); should even that fail,
// the orphaned-publications check gives the opportunity a new job (decision 021).
func (w *publishWorker) Work(ctx context.Context, job *river.Job[dealdesk.PublishOpportunityJob]) error {
	return guarded(ctx, w.base, job, job.Args.OrgID, "publish "+job.Args.OfferID, w.work, w.lastWord)
}

// lastWord is the end of a run on the job's last attempt that failed with err (or panicked):
// River would discard the job and nothing would publish the opportunity. A settled attempt
// (AWS created nothing under its token) makes it CREATE_FAILED saying why; an unsettled one
// keeps it PENDING_CREATE with a note and the job snoozes (wait). When the store fails even
// here, err is returned and the orphaned-publications check restarts the job later.
func (w *publishWorker) lastWord(ctx context.Context, job *river.Job[dealdesk.PublishOpportunityJob], err error) error {
	pub, perr := w.cfg.Store.PublishAttempt(ctx, job.Args.OfferID, job.ID)
	if gone(perr) {
		return nil
	}
	if perr != nil {
		w.log.ErrorContext(ctx, "publish: last attempt failed and its outcome could not be recorded", "org", job.Args.OrgID,
			"offer", job.Args.OfferID, "err", err, "recordErr", perr)
		return err
	}
	w.log.ErrorContext(ctx, "publish: last attempt failed", "org", job.Args.OrgID, "offer", job.Args.OfferID, "err", err)
	problem := dealdesk.FieldError{Field: "opportunity", Message: dealdesk.Clip(publicMessage(err), 512)}
	if pub.Settled && !pub.CarriedOver {
		problem.Message = dealdesk.Clip(fmt.Sprintf("Gave up after %s: %s", attempts(job.Attempt), problem.Message), 512)
		if ferr := w.fail(ctx, job, pub.Attempt, pub.ChangeSetID, []dealdesk.FieldError{problem}); ferr != nil {
			return errors.Join(err, ferr)
		}
		return nil
	}
	werr := w.wait(ctx, job, pub, problem)
	if !isSnooze(werr) {
		return errors.Join(err, werr)
	}
	return werr
}

// work runs one step of the publication.
func (w *publishWorker) work(ctx context.Context, job *river.Job[dealdesk.PublishOpportunityJob]) error {
	offerID := job.Args.OfferID
	pub, err := w.cfg.Store.PublishAttempt(ctx, offerID, job.ID)
	if gone(err) {
		w.log.InfoContext(ctx, "nothing to publish", "org", job.Args.OrgID, "offer", offerID, "reason", err)
		return nil
	}
	if err != nil {
		return err
	}
	conn, err := w.cfg.Store.AWSConnectionWithSecret(ctx)
	if dealdesk.ErrorCode(err) == dealdesk.ENOTFOUND {
		problem := dealdesk.FieldError{Field: "awsConnection", Message: "No AWS connection is set for the organization: " +
			"set one and the publish is retried."}
		if nerr := w.cfg.Store.NotePublishProblem(ctx, offerID, []dealdesk.FieldError{problem}); nerr != nil && !gone(nerr) {
			return nerr
		}
		return w.retryLater(ctx, job, pub, pub.Settled && !pub.CarriedOver, problem, err)
	}
	if err != nil {
		return err
	}
	if pub.ChangeSetID == "" {
		return w.start(ctx, job, conn, pub)
	}
	return w.follow(ctx, job, conn, pub)
}

// start starts the change set of pub's attempt and records its ID. An attempt carried over
// from an earlier submission without a change set ID is started with its own token and the
// opportunity as it is now: if AWS created nothing under that token, this is the one change
// set; if it did, AWS answers that change set (same request) or refuses the token (another
// request), and the job waits (decision 021).
func (w *publishWorker) start(ctx context.Context, job *river.Job[dealdesk.PublishOpportunityJob], conn *dealdesk.AWSConnection, pub *dealdesk.Publication) error {
	offerID := job.Args.OfferID
	o, err := w.cfg.Store.FindOfferByID(ctx, offerID)
	if err != nil {
		return err
	}
	p, err := w.cfg.Store.FindProductByID(ctx, o.ProductID)
	if dealdesk.ErrorCode(err) == dealdesk.ENOTFOUND {
		problem := dealdesk.FieldError{Field: "productId", Message: "The product is no longer there."}
		if !pub.Settled {
			return w.wait(ctx, job, pub, problem)
		}
		return w.fail(ctx, job, pub.Attempt, "", []dealdesk.FieldError{problem})
	}
	if err != nil {
		return err
	}
	first := pub.Settled
	if first {
		// From here on a lost answer may hide a change set: the attempt is settled again only
		// when AWS is known to have created nothing under its token.
		if err := w.cfg.Store.UnsettlePublishAttempt(ctx, offerID, pub.Attempt); err != nil {
			if gone(err) {
				return nil
			}
			return err
		}
		unsettled := *pub
		unsettled.Settled, unsettled.Named = false, true
		pub = &unsettled
	}
	token := dealdesk.PublishToken(offerID, pub.Attempt)
	changeSetID, err := w.cfg.Catalog.StartResaleAuthorization(ctx, conn, o, p, token)
	if err == nil {
		return w.started(ctx, job, pub, changeSetID)
	}
	if dealdesk.ErrorCode(err) == dealdesk.EINVALID && !pub.CarriedOver {
		// Nothing was sent: the opportunity cannot be expressed as a change set.
		return w.fail(ctx, job, pub.Attempt, "", dealdesk.ErrorFields(err))
	}
	problem := dealdesk.FieldError{Field: "opportunity", Message: dealdesk.Clip(awsMessage(err), 512)}
	if !refused(err) && !lastAttempt(job.JobRow) {
		return w.retryLater(ctx, job, pub, false, problem, err)
	}
	// AWS refused the call, or this is the job's last attempt: whether an earlier call of the
	// attempt (its answer lost), or an earlier try of this one, created a change set is for
	// the Catalog's list of change sets to tell, not the message (review F3-2).
	found, lerr := w.cfg.Catalog.FindResaleAuthorizationChangeSet(ctx, conn, token)
	switch {
	case lerr == nil && found != "":
		w.log.WarnContext(ctx, "StartChangeSet failed but its change set exists", "org", job.Args.OrgID, "offer", offerID,
			"attempt", pub.Attempt, "changeSet", found, "err", err)
		return w.started(ctx, job, pub, found)
	case lerr == nil && pub.Named:
		// AWS lists no change set under the token: nothing was created, the attempt is settled.
		if !refused(err) {
			return w.retryLater(ctx, job, pub, true, problem, err)
		}
		if fields := dealdesk.ErrorFields(err); len(fields) > 0 {
			return w.fail(ctx, job, pub.Attempt, "", fields)
		}
		return w.fail(ctx, job, pub.Attempt, "", []dealdesk.FieldError{problem})
	case lerr != nil:
		problem.Message = dealdesk.Clip(problem.Message+"; looking for its change set: "+awsMessage(lerr), 512)
	}
	settles := first && refusedFirstCall(err, pub)
	if refused(err) {
		if settles {
			if fields := dealdesk.ErrorFields(err); len(fields) > 0 {
				return w.fail(ctx, job, pub.Attempt, "", fields)
			}
			return w.fail(ctx, job, pub.Attempt, "", []dealdesk.FieldError{problem})
		}
		return w.wait(ctx, job, pub, problem)
	}
	return w.retryLater(ctx, job, pub, settles, problem, err)
}

// started records changeSetID as the change set of pub's attempt and follows it.
func (w *publishWorker) started(ctx context.Context, job *river.Job[dealdesk.PublishOpportunityJob], pub *dealdesk.Publication, changeSetID string) error {
	if err := w.cfg.Store.SetPublishChangeSet(ctx, job.Args.OfferID, pub.Attempt, changeSetID); err != nil {
		if gone(err) {
			return nil
		}
		return err
	}
	w.log.InfoContext(ctx, "change set started", "org", job.Args.OrgID, "offer", job.Args.OfferID, "attempt", pub.Attempt, "changeSet", changeSetID)
	return river.JobSnooze(w.cfg.ChangeSetPoll)
}

// refusedFirstCall reports whether StartChangeSet's refusal err of the first call of pub's
// attempt, when the Catalog's list of change sets could not be read, still shows that AWS
// created nothing under its token: a 4xx answer to the attempt's first call, unless it names
// the ClientRequestToken (in any case: the token was used for another request) or the attempt
// was carried over from an earlier submission (sent before, perhaps with another request).
// An SDK retry inside that first call after a lost answer is the one case this misjudges;
// the lookup by name, when it can be read, rules it out.
func refusedFirstCall(err error, pub *dealdesk.Publication) bool {
	var ae *dealdesk.AWSError
	if pub.CarriedOver || !errors.As(err, &ae) {
		return false
	}
	if strings.Contains(strings.ToLower(ae.Message), "clientrequesttoken") {
		return false
	}
	return ae.Status >= 400 && ae.Status < 500
}

// follow reads pub's change set and acts on where it is: snooze while it runs, ACTIVE when it
// SUCCEEDED, CREATE_FAILED with AWS's errors mapped to the opportunity's fields when it FAILED
// with CLIENT_ERROR, and a new attempt with a new token after SERVER_FAULT, or after any end
// without effect of an attempt carried over from an earlier submission (the new submission is
// then published).
func (w *publishWorker) follow(ctx context.Context, job *river.Job[dealdesk.PublishOpportunityJob], conn *dealdesk.AWSConnection, pub *dealdesk.Publication) error {
	offerID := job.Args.OfferID
	res, err := w.cfg.Catalog.DescribeChangeSet(ctx, conn, pub.ChangeSetID)
	if err != nil {
		// The change set may still succeed, or have succeeded: its outcome decides.
		problem := dealdesk.FieldError{Field: "opportunity", Message: dealdesk.Clip(awsMessage(err), 512)}
		if refused(err) {
			return w.wait(ctx, job, pub, problem)
		}
		return w.retryLater(ctx, job, pub, false, problem, err)
	}
	switch res.Status {
	case dealdesk.ChangeSetSucceeded:
		if res.ResaleAuthorizationID == "" {
			err := fmt.Errorf("change set %s SUCCEEDED without a resale authorization ID", pub.ChangeSetID)
			problem := dealdesk.FieldError{Field: "opportunity", Message: "AWS says the change set SUCCEEDED but names no resale authorization."}
			return w.retryLater(ctx, job, pub, false, problem, err)
		}
		summary := "Published on AWS Marketplace as resale authorization " + res.ResaleAuthorizationID + "."
		var notes []dealdesk.FieldError
		if pub.CarriedOver {
			note := "The change set " + pub.ChangeSetID + " of an earlier submission, whose outcome was not known when the " +
				"opportunity was submitted again, created resale authorization " + res.ResaleAuthorizationID +
				": the edits submitted since were not published."
			notes = append(notes, dealdesk.FieldError{Field: "opportunity", Message: note})
			summary = "Published on AWS Marketplace as resale authorization " + res.ResaleAuthorizationID + " by the change set of " +
				"an earlier submission; the edits submitted since were not published."
		}
		outcome := dealdesk.PublishOutcome{OrgID: job.Args.OrgID, OfferID: offerID, Kind: dealdesk.OutcomePublished,
			ChangeSetID: pub.ChangeSetID, Ref: pub.ChangeSetID, Summary: summary}
		_, err := w.cfg.Store.PublishSucceeded(ctx, offerID, res.ResaleAuthorizationID, notes, w.happened(&outcome)...)
		if gone(err) {
			return nil
		}
		if err != nil {
			return err
		}
		w.record(ctx, outcome)
		return nil
	case dealdesk.ChangeSetFailed, dealdesk.ChangeSetCancelled:
		if pub.CarriedOver || res.FailureCode == dealdesk.FailureServerFault {
			next, err := w.cfg.Store.NextPublishAttempt(ctx, offerID, pub.Attempt)
			if gone(err) {
				return nil
			}
			if err != nil {
				return err
			}
			w.log.WarnContext(ctx, "change set ended without effect: starting again", "org", job.Args.OrgID, "offer", offerID,
				"changeSet", pub.ChangeSetID, "status", res.Status, "failureCode", res.FailureCode, "carriedOver", pub.CarriedOver,
				"attempt", next.Attempt)
			return w.start(ctx, job, conn, next)
		}
		if res.Status == dealdesk.ChangeSetCancelled {
			return w.fail(ctx, job, pub.Attempt, pub.ChangeSetID, []dealdesk.FieldError{{Field: "opportunity", Message: "The change set was cancelled on AWS before it ended."}})
		}
		problems := res.FieldErrors()
		if len(problems) == 0 {
			problems = []dealdesk.FieldError{{Field: "opportunity", Message: dealdesk.Clip("AWS refused the change set: "+res.FailureCode+": "+res.FailureDescription, 512)}}
		}
		return w.fail(ctx, job, pub.Attempt, pub.ChangeSetID, problems)
	}
	return river.JobSnooze(w.cfg.ChangeSetPoll)
}

// fail makes the opportunity CREATE_FAILED with problems and ends the job. Only for a settled
// attempt: AWS created nothing under its token (decision 021).
func (w *publishWorker) fail(ctx context.Context, job *river.Job[dealdesk.PublishOpportunityJob], attempt int, changeSetID string, problems []dealdesk.FieldError) error {
	summary := "AWS Marketplace refused the opportunity: " + problems[0].Field + ": " + problems[0].Message
	if len(problems) > 1 {
		summary += fmt.Sprintf(" (and %d more)", len(problems)-1)
	}
	ref := changeSetID
	if ref == "" {
		ref = dealdesk.PublishToken(job.Args.OfferID, attempt)
	}
	outcome := dealdesk.PublishOutcome{OrgID: job.Args.OrgID, OfferID: job.Args.OfferID, Kind: dealdesk.OutcomePublishFailed,
		ChangeSetID: changeSetID, Ref: ref, Summary: dealdesk.Clip(summary, 1000)}
	_, err := w.cfg.Store.PublishFailed(ctx, job.Args.OfferID, problems, w.happened(&outcome)...)
	if gone(err) {
		return nil
	}
	if err != nil {
		return err
	}
	w.record(ctx, outcome)
	return nil
}

// retryLater returns err for River to retry the job after a backoff. On the job's last
// attempt it makes the opportunity CREATE_FAILED with problem when settled says AWS created
// nothing under the attempt's token, and otherwise waits (see wait).
func (w *publishWorker) retryLater(ctx context.Context, job *river.Job[dealdesk.PublishOpportunityJob], pub *dealdesk.Publication, settled bool, problem dealdesk.FieldError, err error) error {
	if !lastAttempt(job.JobRow) {
		if !settled && problem.Field != "awsConnection" {
			if err := w.note(ctx, job, pub, problem); err != nil {
				return err
			}
		}
		return fmt.Errorf("publish %s (attempt %d): %w", job.Args.OfferID, pub.Attempt, err)
	}
	if settled {
		problem.Message = dealdesk.Clip(fmt.Sprintf("Gave up after %s: %s", attempts(job.Attempt), problem.Message), 512)
		return w.fail(ctx, job, pub.Attempt, pub.ChangeSetID, []dealdesk.FieldError{problem})
	}
	return w.wait(ctx, job, pub, problem)
}

// wait keeps an opportunity whose attempt is not settled PENDING_CREATE, saying in its
// PublishErrors why, and runs the job again after RetryMax: it never ends while AWS may have
// created the resale authorization (decision 021).
func (w *publishWorker) wait(ctx context.Context, job *river.Job[dealdesk.PublishOpportunityJob], pub *dealdesk.Publication, problem dealdesk.FieldError) error {
	if err := w.note(ctx, job, pub, problem); err != nil {
		return err
	}
	w.log.WarnContext(ctx, "publish outcome unknown: waiting", "org", job.Args.OrgID, "offer", job.Args.OfferID,
		"attempt", pub.Attempt, "changeSet", pub.ChangeSetID, "problem", problem.Message)
	return river.JobSnooze(w.cfg.RetryMax)
}

// note shows in the opportunity's PublishErrors that the outcome of pub's attempt is not known
// yet and why.
func (w *publishWorker) note(ctx context.Context, job *river.Job[dealdesk.PublishOpportunityJob], pub *dealdesk.Publication, problem dealdesk.FieldError) error {
	what := "the change set " + pub.ChangeSetID
	if pub.ChangeSetID == "" {
		what = "the change set with ClientRequestToken " + dealdesk.PublishToken(job.Args.OfferID, pub.Attempt)
	}
	problem.Message = dealdesk.Clip("Waiting to learn whether "+what+" created the resale authorization (it is tried again): "+
		problem.Message, 512)
	if err := w.cfg.Store.NotePublishProblem(ctx, job.Args.OfferID, []dealdesk.FieldError{problem}); err != nil && !gone(err) {
		return err
	}
	return nil
}

// isSnooze reports whether err is River's snooze.
func isSnooze(err error) bool {
	var snooze *river.JobSnoozeError
	return errors.As(err, &snooze)
}

// refused reports whether err is AWS's answer that the same call will never succeed.
func refused(err error) bool {
	var ae *dealdesk.AWSError
	return errors.As(err, &ae) && !ae.Retryable
}
