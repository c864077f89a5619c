package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/riverqueue/river"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/inbound"
)

// ApplyEventWorker runs ApplyEventJob: it reads a stored inbox event, turns it into a domain
// event (inbound), applies it to the CPPO offers and entitlements of the job's organization,
// and marks the event with the outcome (decision 017):
//   - APPLIED: its changes are stored (or there was nothing to change; Error then says why);
//   - MALFORMED: it could not be read; UNKNOWN: a kind dealdesk does not handle;
//   - FAILED: what it reports cannot be stored (the store refused it as invalid).
//
// Neither a malformed nor an unknown event fails the job: it is marked and the job completes.
// A store error or a retryable AWS error (throttling, 5xx) is returned, so River retries the
// job; every step is idempotent and order-independent (the store merges reports by AWS's time).
type ApplyEventWorker struct {
	river.WorkerDefaults[dealdesk.ApplyEventJob]

	store   dealdesk.ApplyStore
	catalog dealdesk.OfferLookup
	logger  *slog.Logger
}

// NewApplyEventWorker returns the worker of ApplyEventJob over store, which looks CPPO offers up
// in catalog when their event lacks the resale authorization. A nil logger discards.
func NewApplyEventWorker(store dealdesk.ApplyStore, catalog dealdesk.OfferLookup, logger *slog.Logger) *ApplyEventWorker {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &ApplyEventWorker{store: store, catalog: catalog, logger: logger}
}

// outcome is how an applied event is marked: APPLIED unless status says otherwise, with note.
type outcome struct {
	status dealdesk.InboxStatus
	note   string
}

func applied(format string, args ...any) outcome {
	if format == "" {
		return outcome{status: dealdesk.InboxApplied}
	}
	return outcome{status: dealdesk.InboxApplied, note: fmt.Sprintf(format, args...)}
}

// Work applies the job's event. It returns an error only for what may succeed when retried.
func (w *ApplyEventWorker) Work(ctx context.Context, job *river.Job[dealdesk.ApplyEventJob]) error {
	return w.Apply(ctx, job.Args)
}

// Apply applies the event args names, as Work does; it is Work without River's job wrapper.
func (w *ApplyEventWorker) Apply(ctx context.Context, args dealdesk.ApplyEventJob) error {
	if args.OrgID == "" || args.InboxEventID == "" {
		return river.JobCancel(fmt.Errorf("apply_event job without orgId or inboxEventId: %+v", args))
	}
	ctx = dealdesk.NewContextWithOrgID(ctx, args.OrgID)
	stored, err := w.store.FindInboxEventByID(ctx, args.InboxEventID)
	if dealdesk.ErrorCode(err) == dealdesk.ENOTFOUND {
		// Nothing to apply or mark, ever: retrying cannot help.
		return river.JobCancel(err)
	} else if err != nil {
		return err
	}
	var out outcome
	if ev, perr := parseInboxEvent(stored); perr != nil {
		out = outcome{status: dealdesk.InboxMalformed, note: dealdesk.ErrorMessage(perr)}
	} else {
		out, err = w.apply(ctx, ev)
	}
	if err != nil {
		switch dealdesk.ErrorCode(err) {
		case dealdesk.EINVALID, dealdesk.ECONFLICT:
			// The store refuses what the event reports, and will refuse it again.
			out = outcome{status: dealdesk.InboxFailed, note: errorNote(err)}
		default:
			return fmt.Errorf("apply event %s (%s): %w", stored.ID, stored.EventID, err)
		}
	}
	if _, err := w.store.MarkInboxEvent(ctx, stored.ID, out.status, out.note); err != nil {
		return fmt.Errorf("mark event %s %s: %w", stored.ID, out.status, err)
	}
	w.logger.DebugContext(ctx, "event applied", "org", args.OrgID, "event", stored.ID, "status", out.status)
	return nil
}

// errorNote is an error as the inbox keeps it: the message and the fields it names.
func errorNote(err error) string {
	s := dealdesk.ErrorMessage(err)
	for _, f := range dealdesk.ErrorFields(err) {
		s += "; " + f.Field + ": " + f.Message
	}
	return s
}

// parseInboxEvent reads a stored body by the way it came: an EventBridge envelope from the
// webhook, an SNS message (already verified by the webhook) or an SQS message body (either
// shape). Errors are EMALFORMED.
func parseInboxEvent(ev *dealdesk.InboxEvent) (*dealdesk.AWSEvent, error) {
	switch ev.Channel {
	case dealdesk.ChannelEventBridge:
		return inbound.ParseEventBridge(ev.Body)
	case dealdesk.ChannelSNS, dealdesk.ChannelSQS:
		// ParseSQSBody reads an SNS Notification envelope (without checking its signature,
		// which the webhook did before storing it) as well as a raw EventBridge event.
		return inbound.ParseSQSBody(ev.Body)
	}
	return nil, dealdesk.Errorf(dealdesk.EMALFORMED, "unknown channel %q", ev.Channel)
}

// apply dispatches ev by kind.
func (w *ApplyEventWorker) apply(ctx context.Context, ev *dealdesk.AWSEvent) (outcome, error) {
	switch ev.Kind {
	case dealdesk.EventOfferReleased:
		return w.applyOfferReleased(ctx, ev)
	case dealdesk.EventAgreementCreated:
		return w.applyAgreementCreated(ctx, ev)
	case dealdesk.EventAgreementAmended:
		return w.applyAgreementAmended(ctx, ev)
	case dealdesk.EventAgreementEnded:
		return w.applyAgreementEnded(ctx, ev)
	case dealdesk.EventLicenseUpdated, dealdesk.EventLicenseDeprovisioned:
		return w.applyLicense(ctx, ev)
	case dealdesk.EventChangeSetSucceeded, dealdesk.EventChangeSetFailed, dealdesk.EventChangeSetCancelled:
		// The publish and restrict jobs follow their change sets with DescribeChangeSet
		// (decision 017): the event changes nothing they would not read themselves.
		return applied("change set %s: followed by the job that started it", ev.ChangeSet.ChangeSetID), nil
	case dealdesk.EventSubscribeSuccess, dealdesk.EventSubscribeFail, dealdesk.EventUnsubscribePending,
		dealdesk.EventUnsubscribeSuccess, dealdesk.EventEntitlementUpdated:
		return w.applyLegacy(ctx, ev)
	}
	return outcome{status: dealdesk.InboxUnknown, note: fmt.Sprintf("no handler for %q from %q", ev.DetailType, ev.Source)}, nil
}

// happened is the timeline entry an event makes.
func happened(ev *dealdesk.AWSEvent, kind dealdesk.TimelineKind, summary string) dealdesk.TimelineEntry {
	return dealdesk.TimelineEntry{Kind: kind, At: ev.Time, Source: dealdesk.SourceEvent, SourceRef: ev.ID,
		Summary: dealdesk.Clip(summary, dealdesk.MaxTimelineSummaryLength)}
}

// isNotFound reports whether err is dealdesk's ENOTFOUND.
func isNotFound(err error) bool { return dealdesk.ErrorCode(err) == dealdesk.ENOTFOUND }

// awsNotFound reports whether err is AWS's answer that the resource does not exist.
func awsNotFound(err error) bool {
	var e *dealdesk.AWSError
	return errors.As(err, &e) && e.NotFound()
}
