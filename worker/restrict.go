package worker

import (
	"context"
	"errors"
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
//   - a refusal of StartChangeSet, a change set FAILED with CLIENT_ERROR or CANCELLED, or
//     River's last attempt failing before a change set is known ends it RESTRICT_FAILED: the
//     opportunity's PublishErrors say so, the timeline and a notification tell the vendor,
//     who may cancel again to start a new attempt;
//   - once a change set is known its outcome decides: a refused DescribeChangeSet, or River's
//     last attempt failing, keeps following it (snoozing RetryMax) with a PublishErrors note,
//     as an unsettled publish attempt does (decision 021);
//   - a job that dies anyway (River discards it, a crash on its last attempt) is found by the
//     orphaned-publications check, which ends the restriction RESTRICT_FAILED.
//
// Before starting a change set, and when AWS refuses one, the worker reads the resale
// authorization: one that is Restricted already (by an earlier attempt whose answer was lost,
// or on AWS's console) is the restriction's success.
type restrictWorker struct {
	river.WorkerDefaults[dealdesk.RestrictOpportunityJob]
	*base
}

// Work runs one step of the restriction; a run that panics or fails on the job's last
// attempt leaves a visible state (lastWord).
func (w *restrictWorker) Work(ctx context.Context, job *river.Job[dealdesk.RestrictOpportunityJob]) error {
	return guarded(ctx, w.base, job, job.Args.OrgID, "restrict "+job.Args.OfferID, w.work, w.lastWord)
}

// lastWord is the end of a run on the job's last attempt that failed with err: the restriction
// keeps following its change set when one is known (wait), and ends RESTRICT_FAILED otherwise.
// When the store fails even here, the orphaned-publications check ends it later.
func (w *restrictWorker) lastWord(ctx context.Context, job *river.Job[dealdesk.RestrictOpportunityJob], err error) error {
	w.log.ErrorContext(ctx, "restrict: last attempt failed", "org", job.Args.OrgID, "offer", job.Args.OfferID, "err", err)
	pub, perr := w.cfg.Store.RestrictionJob(ctx, job.Args.OfferID, job.ID)
	if gone(perr) || perr == nil && pub.RestrictResult != "" {
		return nil
	}
	if perr != nil {
		return errors.Join(err, perr)
	}
	pub.RestrictAttempt = max(pub.RestrictAttempt, 1)
	var rerr error
	if pub.RestrictChangeSetID != "" {
		rerr = w.wait(ctx, job, pub, publicMessage(err))
		if isSnooze(rerr) {
			return rerr
		}
	} else {
		rerr = w.end(ctx, job, pub, fmt.Sprintf("FAILED: gave up after %s: %s", attempts(job.Attempt), publicMessage(err)))
	}
	if rerr != nil {
		return errors.Join(err, rerr)
	}
	return nil
}

// work runs one step of the restriction.
func (w *restrictWorker) work(ctx context.Context, job *river.Job[dealdesk.RestrictOpportunityJob]) error {
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
	pub, err := w.cfg.Store.RestrictionJob(ctx, offerID, job.ID)
	switch {
	case gone(err):
		return nil
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
		// The change set may still succeed, or have succeeded: its outcome decides.
		return w.wait(ctx, job, pub, awsMessage(err))
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
	outcome := dealdesk.PublishOutcome{OrgID: job.Args.OrgID, OfferID: job.Args.OfferID, Kind: kind, ChangeSetID: changeSetID,
		Ref: ref, Summary: summary}
	if err := w.cfg.Store.RestrictEnded(ctx, job.Args.OfferID, pub.RestrictAttempt, result, w.happened(&outcome)...); err != nil {
		if gone(err) {
			return nil // the vendor cancelled again: a newer attempt's job reports
		}
		return err
	}
	w.record(ctx, outcome)
	return nil
}

// retryLater returns err for River to retry, saying so in the opportunity's PublishErrors. On
// the job's last attempt it keeps following a change set already started (wait), and ends the
// restriction as failed when none is known.
func (w *restrictWorker) retryLater(ctx context.Context, job *river.Job[dealdesk.RestrictOpportunityJob], pub *dealdesk.Publication, err error) error {
	if !lastAttempt(job.JobRow) {
		if nerr := w.note(ctx, job, pub, "Restricting the resale authorization is retried: "+awsMessage(err)); nerr != nil {
			return nerr
		}
		return fmt.Errorf("restrict %s: %w", job.Args.OfferID, err)
	}
	if pub.RestrictChangeSetID != "" {
		return w.wait(ctx, job, pub, awsMessage(err))
	}
	return w.end(ctx, job, pub, fmt.Sprintf("FAILED: gave up after %s: %s", attempts(job.Attempt), awsMessage(err)))
}

// wait keeps following pub's restriction change set, whose outcome is not known yet: it says
// so in the opportunity's PublishErrors and runs the job again after RetryMax (decision 021).
func (w *restrictWorker) wait(ctx context.Context, job *river.Job[dealdesk.RestrictOpportunityJob], pub *dealdesk.Publication, why string) error {
	if err := w.note(ctx, job, pub, "Waiting to learn whether the change set "+pub.RestrictChangeSetID+
		" restricted the resale authorization (it is tried again): "+why); err != nil {
		return err
	}
	w.log.WarnContext(ctx, "restriction outcome unknown: waiting", "org", job.Args.OrgID, "offer", job.Args.OfferID,
		"attempt", pub.RestrictAttempt, "changeSet", pub.RestrictChangeSetID, "problem", why)
	return river.JobSnooze(w.cfg.RetryMax)
}

// note shows message in the cancelled opportunity's PublishErrors while its restriction runs.
func (w *restrictWorker) note(ctx context.Context, job *river.Job[dealdesk.RestrictOpportunityJob], pub *dealdesk.Publication, message string) error {
	err := w.cfg.Store.NoteRestrictProblem(ctx, job.Args.OfferID, pub.RestrictAttempt,
		[]dealdesk.FieldError{{Field: "restriction", Message: dealdesk.Clip(message, 512)}})
	if err != nil && !gone(err) {
		return err
	}
	return nil
}
