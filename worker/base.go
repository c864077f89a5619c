package worker

import (
	"context"
	"errors"
	"log/slog"

	"github.com/riverqueue/river/rivertype"

	"github.com/dealdesk/dealdesk"
)

// base is what every worker shares: the configuration and the logger.
type base struct {
	cfg Config
	log *slog.Logger
}

// record tells the Recorder of an outcome the store has recorded. Its failure is logged, not
// retried: the state change it reports is already stored.
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

// lastAttempt reports whether a failure of this run of job is its last one: River will not
// retry it, so the failure must be recorded now.
func lastAttempt(job *rivertype.JobRow) bool { return job.Attempt >= job.MaxAttempts }

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
