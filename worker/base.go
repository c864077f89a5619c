package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strconv"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/dealdesk/dealdesk"
)

// base is what every worker shares: the configuration and the logger.
type base struct {
	cfg Config
	log *slog.Logger
}

// record tells the Recorder of an outcome the store has recorded, with its timeline entry
// (see happened), in the transaction of the state change. Its failure is logged, not retried:
// the state change and its timeline entry are stored already.
func (b *base) record(ctx context.Context, o dealdesk.PublishOutcome) {
	if o.At.IsZero() {
		o.At = b.cfg.Now().UTC()
	}
	b.log.InfoContext(ctx, "opportunity "+string(o.Kind), "org", o.OrgID, "offer", o.OfferID, "changeSet", o.ChangeSetID, "summary", o.Summary)
	if b.cfg.Recorder == nil {
		return
	}
	if err := b.cfg.Recorder.RecordPublishOutcome(ctx, o); err != nil {
		b.log.ErrorContext(ctx, "record outcome", "org", o.OrgID, "offer", o.OfferID, "kind", o.Kind, "err", err)
	}
}

// happened stamps o with the time (when it has none) and returns the timeline entry the store
// records with the state change that reached it, in the same transaction (review F3-3): no
// crash between the two can leave the outcome off the timeline and unnotified, and an
// outcome recorded twice is recorded once (its Ref is the entry's source reference).
func (b *base) happened(o *dealdesk.PublishOutcome) []dealdesk.TimelineEntry {
	if o.At.IsZero() {
		o.At = b.cfg.Now().UTC()
	}
	kind, ok := outcomeKinds[o.Kind]
	if !ok {
		return nil
	}
	return []dealdesk.TimelineEntry{{Kind: kind, At: o.At, Source: dealdesk.SourceCall,
		SourceRef: dealdesk.Clip(o.Ref, dealdesk.MaxExternalIDLength), Summary: dealdesk.Clip(o.Summary, dealdesk.MaxTimelineSummaryLength)}}
}

// finalFailure reports whether err, returned by a run of job, makes River give the job up:
// the run is the job's last attempt and err is neither a snooze nor a cancel.
func finalFailure(job *rivertype.JobRow, err error) bool {
	if err == nil || !lastAttempt(job) {
		return false
	}
	var snooze *rivertype.JobSnoozeError
	var cancel *rivertype.JobCancelError
	return !errors.As(err, &snooze) && !errors.As(err, &cancel)
}

// recovered turns a panic of a job's run, p, into its error (logged with the stack), so that
// the job's last attempt can leave a visible state (publishWorker.Work, restrictWorker.Work).
// guarded runs work for job in the job's organization's context so that no run ends without a
// visible state: a panic becomes an error, and a run that fails on the job's last attempt ends
// with lastWord (decision 021). The publish and restrict workers run through it.
func guarded[T river.JobArgs](ctx context.Context, b *base, job *river.Job[T], orgID, what string,
	work func(context.Context, *river.Job[T]) error, lastWord func(context.Context, *river.Job[T], error) error) (err error) {
	ctx = dealdesk.NewContextWithOrgID(ctx, orgID)
	defer func() {
		if p := recover(); p != nil {
			err = b.recovered(ctx, what, p)
		}
		if finalFailure(job.JobRow, err) {
			err = lastWord(ctx, job, err)
		}
	}()
	return work(ctx, job)
}

func (b *base) recovered(ctx context.Context, what string, p any) error {
	b.log.ErrorContext(ctx, what+" panicked", "panic", p, "stack", string(debug.Stack()))
	return fmt.Errorf("%s panicked: %v", what, p)
}

// publicMessage is the one line an opportunity shows for a failure of its job: AWS's answer,
// the domain's message, or, for anything else (the store, a panic), a pointer to the logs
// (no SQL or stack in answers).
func publicMessage(err error) string {
	var ae *dealdesk.AWSError
	var de *dealdesk.Error
	if errors.As(err, &ae) || errors.As(err, &de) {
		return awsMessage(err)
	}
	return "dealdesk failed internally (see the service's logs)"
}

// lastAttempt reports whether a failure of this run of job is its last one: River will not
// retry it, so the failure must be recorded now.
func lastAttempt(job *rivertype.JobRow) bool { return job.Attempt >= job.MaxAttempts }

// attempts says how many attempts n is, for people: "1 attempt", "25 attempts".
func attempts(n int) string {
	if n == 1 {
		return "1 attempt"
	}
	return strconv.Itoa(n) + " attempts"
}

// gone reports whether err says the store has nothing for this job to do: the opportunity is
// not there or no longer in the status the job works on (ENOTFOUND, ECONFLICT).
func gone(err error) bool {
	code := dealdesk.ErrorCode(err)
	return code == dealdesk.ENOTFOUND || code == dealdesk.ECONFLICT
}

// awsMessage is the one line an opportunity shows for an AWS call that failed: AWS's code and
// message, or what went wrong before AWS answered.
func awsMessage(err error) string {
	var ae *dealdesk.AWSError
	if errors.As(err, &ae) && ae.Code != "" {
		return ae.Operation + ": " + ae.Code + ": " + ae.Message
	}
	if errors.As(err, &ae) {
		return ae.Operation + ": no answer from AWS"
	}
	var de *dealdesk.Error
	if errors.As(err, &de) {
		return de.Message
	}
	return "the call to AWS could not be made: " + err.Error()
}
