package worker

import (
	"context"
	"fmt"
	"strings"

	"github.com/riverqueue/river"

	"github.com/dealdesk/dealdesk"
)

// restrictWorker restricts the resale authorization of a CANCELLED opportunity: it starts the
// RestrictResaleAuthorization change set with RestrictToken (so a retry starts no second one),
// records its ID, and follows it to its end by snoozing, as the publish worker does. The
// opportunity stays CANCELLED whatever AWS answers; the result is recorded on its publication
// (Publication.RestrictResult) and reported to the Recorder.
type restrictWorker struct {
	river.WorkerDefaults[dealdesk.RestrictOpportunityJob]
	*base
}

// Work runs one step of the restriction.
func (w *restrictWorker) Work(ctx context.Context, job *river.Job[dealdesk.RestrictOpportunityJob]) error {
	ctx = dealdesk.NewContextWithOrgID(ctx, job.Args.OrgID)
	offerID := job.Args.OfferID
	o, err := w.cfg.Store.FindOfferByID(ctx, offerID)
	if gone(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if o.Status != dealdesk.OfferCancelled || o.ExternalID == "" {
		w.log.InfoContext(ctx, "nothing to restrict", "org", job.Args.OrgID, "offer", offerID, "status", o.Status)
		return nil
	}
	pub, err := w.cfg.Store.FindPublication(ctx, offerID)
	switch {
	case dealdesk.ErrorCode(err) == dealdesk.ENOTFOUND:
		pub = &dealdesk.Publication{OfferID: offerID}
	case err != nil:
		return err
	case pub.RestrictResult != "":
		return nil // ended already
	}
	conn, err := w.cfg.Store.AWSConnectionWithSecret(ctx)
	if err != nil {
		return w.retryLater(ctx, job, pub, err)
	}
	if pub.RestrictChangeSetID == "" {
		changeSetID, err := w.cfg.Catalog.RestrictResaleAuthorization(ctx, conn, o.ExternalID, dealdesk.RestrictToken(offerID))
		if refused(err) {
			return w.end(ctx, job, "", "FAILED: "+awsMessage(err))
		}
		if err != nil {
			return w.retryLater(ctx, job, pub, err)
		}
		if err := w.cfg.Store.SetRestrictChangeSet(ctx, offerID, changeSetID); err != nil {
			return err
		}
		return river.JobSnooze(w.cfg.ChangeSetPoll)
	}
	res, err := w.cfg.Catalog.DescribeChangeSet(ctx, conn, pub.RestrictChangeSetID)
	if refused(err) {
		return w.end(ctx, job, pub.RestrictChangeSetID, "FAILED: "+awsMessage(err))
	}
	if err != nil {
		return w.retryLater(ctx, job, pub, err)
	}
	switch res.Status {
	case dealdesk.ChangeSetSucceeded:
		return w.end(ctx, job, pub.RestrictChangeSetID, string(dealdesk.ChangeSetSucceeded))
	case dealdesk.ChangeSetFailed, dealdesk.ChangeSetCancelled:
		msgs := []string{string(res.Status), res.FailureCode, res.FailureDescription}
		for _, e := range res.Errors {
			msgs = append(msgs, e.Code+": "+e.Message)
		}
		return w.end(ctx, job, pub.RestrictChangeSetID, strings.Join(msgs, " "))
	}
	return river.JobSnooze(w.cfg.ChangeSetPoll)
}

// end records how the restriction ended and reports it.
func (w *restrictWorker) end(ctx context.Context, job *river.Job[dealdesk.RestrictOpportunityJob], changeSetID, result string) error {
	if err := w.cfg.Store.RestrictEnded(ctx, job.Args.OfferID, result); err != nil && !gone(err) {
		return err
	}
	kind, summary := dealdesk.OutcomeRestricted, "The resale authorization is restricted on AWS Marketplace: no new offer can be made from it."
	if result != string(dealdesk.ChangeSetSucceeded) {
		kind, summary = dealdesk.OutcomeRestrictFailed, dealdesk.Clip("AWS Marketplace did not restrict the resale authorization: "+result, 1000)
	}
	ref := changeSetID
	if ref == "" {
		ref = dealdesk.RestrictToken(job.Args.OfferID)
	}
	w.record(ctx, dealdesk.PublishOutcome{OrgID: job.Args.OrgID, OfferID: job.Args.OfferID, Kind: kind, ChangeSetID: changeSetID,
		Ref: ref, Summary: summary})
	return nil
}

// retryLater returns err for River to retry, or records the failure on the job's last attempt.
func (w *restrictWorker) retryLater(ctx context.Context, job *river.Job[dealdesk.RestrictOpportunityJob], pub *dealdesk.Publication, err error) error {
	if lastAttempt(job.JobRow) {
		return w.end(ctx, job, pub.RestrictChangeSetID, fmt.Sprintf("FAILED: gave up after %d attempts: %s", job.Attempt, awsMessage(err)))
	}
	return fmt.Errorf("restrict %s: %w", job.Args.OfferID, err)
}
