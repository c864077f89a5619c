package worker

import (
	"context"
	"errors"
	"fmt"

	"github.com/riverqueue/river"

	"github.com/dealdesk/dealdesk"
)

// publishWorker publishes a PENDING_CREATE opportunity: it starts the change set that creates
// its resale authorization, records the change set's ID, then follows the change set by
// snoozing the job between DescribeChangeSet calls until it ends (decision 015).
//
// No run creates a second resale authorization: the change set's ClientRequestToken is
// PublishToken(offer, attempt), and the attempt only changes for a new submission or after a
// SERVER_FAULT (which applied nothing). A run that dies after StartChangeSet but before its ID
// was stored is run again with the same token and gets the same change set back.
type publishWorker struct {
	river.WorkerDefaults[dealdesk.PublishOpportunityJob]
	*base
}

// Work runs one step of the publication.
func (w *publishWorker) Work(ctx context.Context, job *river.Job[dealdesk.PublishOpportunityJob]) error {
	ctx = dealdesk.NewContextWithOrgID(ctx, job.Args.OrgID)
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
		return w.retryLater(ctx, job, pub, problem, err)
	}
	if err != nil {
		return err
	}
	if pub.ChangeSetID == "" {
		return w.start(ctx, job, conn, pub)
	}
	return w.follow(ctx, job, conn, pub)
}

// start starts the change set of pub's attempt and records its ID.
func (w *publishWorker) start(ctx context.Context, job *river.Job[dealdesk.PublishOpportunityJob], conn *dealdesk.AWSConnection, pub *dealdesk.Publication) error {
	offerID := job.Args.OfferID
	o, err := w.cfg.Store.FindOfferByID(ctx, offerID)
	if err != nil {
		return err
	}
	p, err := w.cfg.Store.FindProductByID(ctx, o.ProductID)
	if dealdesk.ErrorCode(err) == dealdesk.ENOTFOUND {
		return w.fail(ctx, job, pub.Attempt, "", []dealdesk.FieldError{{Field: "productId", Message: "The product is no longer there."}})
	}
	if err != nil {
		return err
	}
	changeSetID, err := w.cfg.Catalog.StartResaleAuthorization(ctx, conn, o, p, dealdesk.PublishToken(offerID, pub.Attempt))
	if err != nil {
		if fields := dealdesk.ErrorFields(err); len(fields) > 0 {
			return w.fail(ctx, job, pub.Attempt, "", fields)
		}
		if refused(err) {
			return w.fail(ctx, job, pub.Attempt, "", []dealdesk.FieldError{{Field: "opportunity", Message: dealdesk.Clip(awsMessage(err), 512)}})
		}
		return w.retryLater(ctx, job, pub, dealdesk.FieldError{Field: "opportunity", Message: dealdesk.Clip(awsMessage(err), 512)}, err)
	}
	if err := w.cfg.Store.SetPublishChangeSet(ctx, offerID, pub.Attempt, changeSetID); err != nil {
		return err
	}
	w.log.InfoContext(ctx, "change set started", "org", job.Args.OrgID, "offer", offerID, "attempt", pub.Attempt, "changeSet", changeSetID)
	return river.JobSnooze(w.cfg.ChangeSetPoll)
}

// follow reads pub's change set and acts on where it is: snooze while it runs, ACTIVE when it
// SUCCEEDED, CREATE_FAILED with AWS's errors mapped to the opportunity's fields when it FAILED
// with CLIENT_ERROR, and a new attempt with a new token after SERVER_FAULT.
func (w *publishWorker) follow(ctx context.Context, job *river.Job[dealdesk.PublishOpportunityJob], conn *dealdesk.AWSConnection, pub *dealdesk.Publication) error {
	offerID := job.Args.OfferID
	res, err := w.cfg.Catalog.DescribeChangeSet(ctx, conn, pub.ChangeSetID)
	if err != nil {
		if refused(err) {
			return w.fail(ctx, job, pub.Attempt, pub.ChangeSetID, []dealdesk.FieldError{{Field: "opportunity", Message: dealdesk.Clip(awsMessage(err), 512)}})
		}
		return w.retryLater(ctx, job, pub, dealdesk.FieldError{Field: "opportunity", Message: dealdesk.Clip(awsMessage(err), 512)}, err)
	}
	switch res.Status {
	case dealdesk.ChangeSetSucceeded:
		if res.ResaleAuthorizationID == "" {
			return fmt.Errorf("change set %s SUCCEEDED without a resale authorization ID", pub.ChangeSetID)
		}
		o, err := w.cfg.Store.PublishSucceeded(ctx, offerID, res.ResaleAuthorizationID)
		if gone(err) {
			return nil
		}
		if err != nil {
			return err
		}
		w.record(ctx, dealdesk.PublishOutcome{OrgID: o.OrgID, OfferID: offerID, Kind: dealdesk.OutcomePublished,
			ChangeSetID: pub.ChangeSetID, Ref: pub.ChangeSetID, Summary: "Published on AWS Marketplace as resale authorization " + o.ExternalID + "."})
		return nil
	case dealdesk.ChangeSetFailed:
		if res.FailureCode == dealdesk.FailureServerFault {
			next, err := w.cfg.Store.NextPublishAttempt(ctx, offerID, pub.Attempt)
			if gone(err) {
				return nil
			}
			if err != nil {
				return err
			}
			w.log.WarnContext(ctx, "change set failed with SERVER_FAULT: starting again", "org", job.Args.OrgID, "offer", offerID,
				"changeSet", pub.ChangeSetID, "attempt", next.Attempt)
			return w.start(ctx, job, conn, next)
		}
		problems := res.FieldErrors()
		if len(problems) == 0 {
			problems = []dealdesk.FieldError{{Field: "opportunity", Message: dealdesk.Clip("AWS refused the change set: "+res.FailureCode+": "+res.FailureDescription, 512)}}
		}
		return w.fail(ctx, job, pub.Attempt, pub.ChangeSetID, problems)
	case dealdesk.ChangeSetCancelled:
		return w.fail(ctx, job, pub.Attempt, pub.ChangeSetID, []dealdesk.FieldError{{Field: "opportunity", Message: "The change set was cancelled on AWS before it ended."}})
	}
	return river.JobSnooze(w.cfg.ChangeSetPoll)
}

// fail makes the opportunity CREATE_FAILED with problems and ends the job.
func (w *publishWorker) fail(ctx context.Context, job *river.Job[dealdesk.PublishOpportunityJob], attempt int, changeSetID string, problems []dealdesk.FieldError) error {
	o, err := w.cfg.Store.PublishFailed(ctx, job.Args.OfferID, problems)
	if gone(err) {
		return nil
	}
	if err != nil {
		return err
	}
	summary := "AWS Marketplace refused the opportunity: " + problems[0].Field + ": " + problems[0].Message
	if len(problems) > 1 {
		summary += fmt.Sprintf(" (and %d more)", len(problems)-1)
	}
	ref := changeSetID
	if ref == "" {
		ref = dealdesk.PublishToken(o.ID, attempt)
	}
	w.record(ctx, dealdesk.PublishOutcome{OrgID: o.OrgID, OfferID: o.ID, Kind: dealdesk.OutcomePublishFailed,
		ChangeSetID: changeSetID, Ref: ref, Summary: dealdesk.Clip(summary, 1000)})
	return nil
}

// retryLater returns err for River to retry the job after a backoff, or, on the job's last
// attempt, makes the opportunity CREATE_FAILED with problem.
func (w *publishWorker) retryLater(ctx context.Context, job *river.Job[dealdesk.PublishOpportunityJob], pub *dealdesk.Publication, problem dealdesk.FieldError, err error) error {
	if lastAttempt(job.JobRow) {
		problem.Message = dealdesk.Clip(fmt.Sprintf("Gave up after %d attempts: %s", job.Attempt, problem.Message), 512)
		return w.fail(ctx, job, pub.Attempt, pub.ChangeSetID, []dealdesk.FieldError{problem})
	}
	return fmt.Errorf("publish %s (attempt %d): %w", job.Args.OfferID, pub.Attempt, err)
}

// refused reports whether err is AWS's answer that the same call will never succeed.
func refused(err error) bool {
	var ae *dealdesk.AWSError
	return errors.As(err, &ae) && !ae.Retryable
}
