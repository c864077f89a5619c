package worker

import (
	"context"
	"fmt"
	"strings"

	"github.com/riverqueue/river"

	"github.com/dealdesk/dealdesk"
)

// restrictWorker restricts the resale authorization of a CANCELLED opportunity: it starts the
// RestrictResaleAuthorization change set with RestrictAttemptToken (so a retry starts no
// second one), records its ID, and follows it to its end by snoozing, as the publish worker
// does. The opportunity stays CANCELLED whatever AWS answers; the result is recorded on its
// publication (Publication.RestrictResult) and reported to the Recorder (decision 021):
//   - throttling, locked entities, 5xx and lost answers are retried by River;
//   - a change set FAILED with SERVER_FAULT applied nothing: a new restriction attempt (a new
//     token) starts at once;
//   - a refusal, a change set FAILED with CLIENT_ERROR or CANCELLED, or River's last attempt
//     failing ends it RESTRICT_FAILED: the opportunity's PublishErrors say so, the timeline
//     and a notification tell the vendor, who may cancel again to start a new attempt.
//
// Before starting a change set, and when AWS refuses one, the worker reads the resale
// authorization: one that is Restricted already (by an earlier attempt whose answer was lost,
// or on AWS's console) is the restriction's success.
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
	pub.RestrictAttempt = max(pub.RestrictAttempt, 1)
	conn, err := w.cfg.Store.AWSConnectionWithSecret(ctx)
	if err != nil {
		return w.retryLater(ctx, job, pub, err)
	}
	if pub.RestrictChangeSetID == "" {
		return w.start(ctx, job, conn, o, pub)
	}
	res, err := w.cfg.Catalog.DescribeChangeSet(ctx, conn, pub.RestrictChangeSetID)
	if refused(err) {
		return w.end(ctx, job, pub, "FAILED: "+awsMessage(err))
	}
	if err != nil {
		return w.retryLater(ctx, job, pub, err)
	}
	switch res.Status {
	case dealdesk.ChangeSetSucceeded:
		return w.end(ctx, job, pub, string(dealdesk.ChangeSetSucceeded))
	case dealdesk.ChangeSetFailed, dealdesk.ChangeSetCancelled:
		if res.Status == dealdesk.ChangeSetFailed && res.FailureCode == dealdesk.FailureServerFault {
			next, err := w.cfg.Store.NextRestrictAttempt(ctx, offerID, pub.RestrictAttempt)
			if gone(err) {
				return nil
			}
			if err != nil {
				return err
			}
			w.log.WarnContext(ctx, "restriction failed with SERVER_FAULT: starting again", "org", job.Args.OrgID, "offer", offerID,
				"changeSet", pub.RestrictChangeSetID, "attempt", next.RestrictAttempt)
			return w.start(ctx, job, conn, o, next)
		}
		msgs := []string{string(res.Status), res.FailureCode, res.FailureDescription}
		for _, e := range res.Errors {
			msgs = append(msgs, e.Code+": "+e.Message)
		}
		return w.end(ctx, job, pub, strings.Join(msgs, " "))
	}
	return river.JobSnooze(w.cfg.ChangeSetPoll)
}

// start starts the change set of pub's restriction attempt and records its ID, unless the
// resale authorization is Restricted already.
func (w *restrictWorker) start(ctx context.Context, job *river.Job[dealdesk.RestrictOpportunityJob], conn *dealdesk.AWSConnection, o *dealdesk.Offer, pub *dealdesk.Publication) error {
	if done, err := w.restricted(ctx, conn, o); err != nil && !refused(err) {
		return w.retryLater(ctx, job, pub, err)
	} else if done {
		return w.end(ctx, job, pub, string(dealdesk.ChangeSetSucceeded))
	}
	changeSetID, err := w.cfg.Catalog.RestrictResaleAuthorization(ctx, conn, o.ExternalID, dealdesk.RestrictAttemptToken(o.ID, pub.RestrictAttempt))
	if refused(err) {
		if done, rerr := w.restricted(ctx, conn, o); rerr == nil && done {
			return w.end(ctx, job, pub, string(dealdesk.ChangeSetSucceeded))
		}
		return w.end(ctx, job, pub, "FAILED: "+awsMessage(err))
	}
	if err != nil {
		return w.retryLater(ctx, job, pub, err)
	}
	if err := w.cfg.Store.SetRestrictChangeSet(ctx, o.ID, pub.RestrictAttempt, changeSetID); err != nil {
		if gone(err) {
			return nil
		}
		return err
	}
	return river.JobSnooze(w.cfg.ChangeSetPoll)
}

// restricted reports whether AWS shows o's resale authorization Restricted.
func (w *restrictWorker) restricted(ctx context.Context, conn *dealdesk.AWSConnection, o *dealdesk.Offer) (bool, error) {
	ra, err := w.cfg.Catalog.DescribeResaleAuthorization(ctx, conn, o.ExternalID)
	if err != nil {
		return false, err
	}
	return ra.Status == dealdesk.ResaleAuthorizationRestricted, nil
}

// end records how pub's restriction attempt ended and reports it: RESTRICTED, or
// RESTRICT_FAILED, which the timeline notifies.
func (w *restrictWorker) end(ctx context.Context, job *river.Job[dealdesk.RestrictOpportunityJob], pub *dealdesk.Publication, result string) error {
	if err := w.cfg.Store.RestrictEnded(ctx, job.Args.OfferID, pub.RestrictAttempt, result); err != nil {
		if gone(err) {
			return nil // the vendor cancelled again: a newer attempt's job reports
		}
		return err
	}
	kind, summary := dealdesk.OutcomeRestricted, "The resale authorization is restricted on AWS Marketplace: no new offer can be made from it."
	if result != string(dealdesk.ChangeSetSucceeded) {
		kind, summary = dealdesk.OutcomeRestrictFailed, dealdesk.Clip("AWS Marketplace did not restrict the resale authorization, "+
			"which stays available to the reseller: "+result+" Cancel the opportunity again to retry.", 1000)
	}
	changeSetID := pub.RestrictChangeSetID
	ref := changeSetID
	if ref == "" {
		ref = dealdesk.RestrictAttemptToken(job.Args.OfferID, pub.RestrictAttempt)
	}
	w.record(ctx, dealdesk.PublishOutcome{OrgID: job.Args.OrgID, OfferID: job.Args.OfferID, Kind: kind, ChangeSetID: changeSetID,
		Ref: ref, Summary: summary})
	return nil
}

// retryLater returns err for River to retry, or records the failure on the job's last attempt.
func (w *restrictWorker) retryLater(ctx context.Context, job *river.Job[dealdesk.RestrictOpportunityJob], pub *dealdesk.Publication, err error) error {
	if lastAttempt(job.JobRow) {
		return w.end(ctx, job, pub, fmt.Sprintf("FAILED: gave up after %d attempts: %s", job.Attempt, awsMessage(err)))
	}
	return fmt.Errorf("restrict %s: %w", job.Args.OfferID, err)
}
