package worker

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/riverqueue/river"

	"github.com/dealdesk/dealdesk"
)

// Defaults of MeteringWorker.
const (
	// DefaultMeteringInterval is how often each organization's metering job runs: often enough
	// that an hour is sent minutes after it closes (MeteringOptions.CloseDelay), and that the
	// final usage of an ended agreement reaches AWS within its grace hour.
	DefaultMeteringInterval = 5 * time.Minute
	// DefaultMeteringFetch is how many records a pass of the send loop takes.
	DefaultMeteringFetch = 500
	// DefaultMeteringLease is how long a SENDING record stays claimed (dealdesk.SendingLease):
	// a record still SENDING after it (its sender died before storing AWS's answer) is sent
	// again, byte-identical. It exceeds the longest call (the SDK's 5 attempts with at most
	// 20 s between them).
	DefaultMeteringLease = dealdesk.SendingLease
	// DefaultMeteringBackoff is the first wait after a batch AWS refused with a retryable error
	// (throttling, 5xx) or left wholly unprocessed; it doubles up to DefaultMeteringMaxBackoff.
	DefaultMeteringBackoff    = time.Second
	DefaultMeteringMaxBackoff = 30 * time.Second
	// DefaultMeteringRetries is how many such setbacks in a row a run takes before it gives
	// up and returns the error (River runs the job again after its own backoff).
	DefaultMeteringRetries = 5
)

// MeteringWorker runs dealdesk.MeteringJob and flushes on demand (FlushMetering): it closes the
// organization's finished usage hours into metering records (MeteringStore.CloseUsageHours) and
// sends the pending ones to AWS (decision 023), oldest hour first, as a durable state machine:
//
//  1. NextMeteringRecords takes up to Fetch records: PENDING ones and SENDING ones whose lease
//     (Lease) ran out.
//  2. A record whose hour can no longer be sent in time (MeteringWindow.Sendable) is EXPIRED
//     on its own, with a notification: never put in a batch with good records, whose whole
//     call AWS would refuse (TimestampOutOfBoundsException). The check is made again for each
//     batch right before its claim. A record whose customer is not named yet (Waiting) is
//     never sent; it expires so once out of the window. A record an earlier call carried
//     (Attempts > 0) expires MaybeMetered: AWS may have billed it, its answer was lost.
//  3. The rest are grouped by product and metering identity into batches of at most 25,
//     oldest hour first; each record's exact request (Meter.UsageRecordRequest; the one stored
//     by an earlier attempt, if any) is stored with the record SENDING before the call.
//  4. BatchMeterUsage (at the seller account's rate limit); AWS's answer per record is stored
//     (SaveMeteringResults): Success → SENT, DuplicateRecord and CustomerNotSubscribed
//     terminal, unprocessed → PENDING. A batch refused with a retryable error goes back to
//     PENDING, never SENT, and the loop backs off; one refused for good is FAILED with AWS's
//     answer, except for TimestampOutOfBoundsException: its records out of the window are
//     EXPIRED, the others go back to PENDING. Answers and expiries are tied to the claim
//     (MeteringClaim.ClaimedAt): a sender whose claim was taken over changes nothing. The
//     request sent is the one the claim stored (MeteringClaim.Request), byte for byte.
//
// A crash between any two steps leaves records PENDING or SENDING; the next run sends them
// again byte-identical, which AWS answers as it did the first time, so nothing is lost or
// counted twice.
type MeteringWorker struct {
	river.WorkerDefaults[dealdesk.MeteringJob]

	store  dealdesk.MeteringStore
	meter  dealdesk.Meter
	opts   dealdesk.MeteringOptions
	now    func() time.Time
	logger *slog.Logger

	// Fetch, Lease, Backoff, MaxBackoff and Retries tune the send loop; zero values take the
	// defaults above. Set them before the worker runs.
	Fetch               int
	Lease               time.Duration
	Backoff, MaxBackoff time.Duration
	Retries             int
}

var _ dealdesk.MeteringFlusher = (*MeteringWorker)(nil)

// NewMeteringWorker returns the worker of MeteringJob over store, sending with meter. opts are
// the installation's metering settings (a zero Window is dealdesk.DefaultMeteringWindow, a zero
// CloseDelay 5 minutes); now gives the time (nil: time.Now); a nil logger discards.
func NewMeteringWorker(store dealdesk.MeteringStore, meter dealdesk.Meter, opts dealdesk.MeteringOptions, now func() time.Time, logger *slog.Logger) *MeteringWorker {
	if opts.Window <= 0 {
		opts.Window = dealdesk.DefaultMeteringWindow
	}
	if opts.CloseDelay <= 0 {
		opts.CloseDelay = 5 * time.Minute
	}
	if now == nil {
		now = time.Now
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &MeteringWorker{store: store, meter: meter, opts: opts, now: now, logger: logger}
}

// Work meters the job's organization: hours closed CloseDelay after they end, then the send
// loop. A run cut short by its deadline snoozes so the next one goes on at once.
func (w *MeteringWorker) Work(ctx context.Context, job *river.Job[dealdesk.MeteringJob]) error {
	if job.Args.OrgID == "" {
		return river.JobCancel(fmt.Errorf("metering job without orgId"))
	}
	ctx = dealdesk.NewContextWithOrgID(ctx, job.Args.OrgID)
	_, err := w.run(ctx, w.opts.CloseDelay)
	if errors.Is(err, errOutOfTime) {
		return river.JobSnooze(time.Second)
	}
	return err
}

// FlushMetering implements dealdesk.MeteringFlusher: it closes every hour that has ended, now,
// and sends everything pending for the context's organization.
func (w *MeteringWorker) FlushMetering(ctx context.Context) (*dealdesk.FlushResult, error) {
	if _, err := dealdesk.RequireOrgID(ctx); err != nil {
		return nil, err
	}
	return w.run(ctx, 0)
}

// Flush is FlushMetering for organization orgID.
func (w *MeteringWorker) Flush(ctx context.Context, orgID string) (*dealdesk.FlushResult, error) {
	return w.FlushMetering(dealdesk.NewContextWithOrgID(ctx, orgID))
}

// errOutOfTime ends a run whose context is about to end, before it claims another batch.
var errOutOfTime = errors.New("worker: metering run out of time")

// meteringRun is one run of the send loop of one organization.
type meteringRun struct {
	*MeteringWorker
	conn   *dealdesk.AWSConnection
	result *dealdesk.FlushResult
	seen   map[string]int // index in result.Records by record ID
}

// run closes the hours that ended closeDelay ago or more and sends until nothing is left.
func (w *MeteringWorker) run(ctx context.Context, closeDelay time.Duration) (*dealdesk.FlushResult, error) {
	r := &meteringRun{MeteringWorker: w, result: &dealdesk.FlushResult{Records: []*dealdesk.MeteringRecord{}}, seen: map[string]int{}}
	opts := w.opts
	opts.CloseDelay = closeDelay
	closed, err := w.store.CloseUsageHours(ctx, w.now().UTC().Add(-closeDelay), opts)
	if err != nil {
		return r.result, fmt.Errorf("close usage hours: %w", err)
	}
	r.result.Closed = len(closed)
	for _, rec := range closed {
		r.keep(rec)
	}
	conn, err := w.store.AWSConnectionWithSecret(ctx)
	if isNotFound(err) {
		return r.result, nil // nothing can be sent without a connection; the records wait
	} else if err != nil {
		return r.result, err
	}
	r.conn = conn
	err = r.sendAll(ctx)
	w.logger.InfoContext(ctx, "metering", "org", dealdesk.OrgIDFromContext(ctx), "closed", r.result.Closed, "sent", r.result.Sent,
		"failed", r.result.Failed, "err", err)
	return r.result, err
}

// keep adds rec to the result, or replaces the copy it holds.
func (r *meteringRun) keep(rec *dealdesk.MeteringRecord) {
	if i, ok := r.seen[rec.ID]; ok {
		r.result.Records[i] = rec
		return
	}
	r.seen[rec.ID] = len(r.result.Records)
	r.result.Records = append(r.result.Records, rec)
}

// sendAll is the send loop: fetch, expire, batch, send, until a fetch finds nothing, or AWS
// refuses Retries times in a row.
func (r *meteringRun) sendAll(ctx context.Context) error {
	fetch, lease := cmp.Or(r.Fetch, DefaultMeteringFetch), cmp.Or(r.Lease, r.opts.Lease, DefaultMeteringLease)
	setbacks := 0
	for {
		now := r.now().UTC()
		sends, err := r.store.NextMeteringRecords(ctx, fetch, now.Add(-lease))
		if err != nil {
			return fmt.Errorf("next metering records: %w", err)
		}
		if len(sends) == 0 {
			return nil
		}
		var good []*dealdesk.MeteringSend
		var late []*dealdesk.MeteringRecord
		for _, s := range sends {
			switch {
			case !r.opts.Window.Sendable(s.Record.Hour, now):
				late = append(late, s.Record)
			case s.Record.Waiting == "":
				good = append(good, s)
			}
			// A record still sendable whose customer is not named waits (never sent unnamed).
		}
		if len(late) == 0 && len(good) == 0 {
			return nil // only records waiting for their customer
		}
		if err := r.expire(ctx, late, time.Time{}, now, nil); err != nil {
			return err
		}
		for _, b := range batches(good) {
			if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < lease/4 {
				return errOutOfTime
			}
			sent, err := r.send(ctx, b)
			if err != nil && !dealdesk.Retryable(err) {
				return err
			}
			if err == nil && sent {
				setbacks = 0
				continue
			}
			// AWS throttled, failed or left the whole batch unprocessed: wait, then go on.
			setbacks++
			if setbacks > cmp.Or(r.Retries, DefaultMeteringRetries) {
				if err == nil {
					err = &dealdesk.AWSError{Operation: "BatchMeterUsage", Retryable: true, Message: "AWS left every record of the batch unprocessed"}
				}
				return err
			}
			if err := r.pause(ctx, setbacks); err != nil {
				return err
			}
		}
	}
}

// pause waits before the n-th retry in a row: Backoff·2^(n−1), at most MaxBackoff.
func (r *meteringRun) pause(ctx context.Context, n int) error {
	d, top := cmp.Or(r.Backoff, DefaultMeteringBackoff), cmp.Or(r.MaxBackoff, DefaultMeteringMaxBackoff)
	for i := 1; i < n && d < top; i++ {
		d *= 2
	}
	t := time.NewTimer(min(d, top))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// expire ends the records whose hour left AWS's window, each on its own with a notification:
// records no sender holds (claimedAt zero), or those of the caller's claim. A record an earlier
// call carried may have been metered (its answer was lost): the store marks it MaybeMetered and
// it counts as unknown, not failed.
func (r *meteringRun) expire(ctx context.Context, late []*dealdesk.MeteringRecord, claimedAt, now time.Time, answer json.RawMessage) error {
	if len(late) == 0 {
		return nil
	}
	oldest := r.opts.Window.FirstSendable(now)
	for _, rec := range late {
		reason := fmt.Sprintf("hour %s can no longer reach AWS: BatchMeterUsage accepts hours from %s on (window %s, %s margin)",
			rec.Hour.UTC().Format(time.RFC3339), oldest.Format(time.RFC3339), time.Duration(r.opts.Window), dealdesk.SendMargin)
		if rec.Waiting != "" {
			reason = rec.Waiting + "; " + reason
		}
		if err := r.store.FailMeteringRecords(ctx, []string{rec.ID}, claimedAt, dealdesk.MeteringExpired, reason, answer); err != nil {
			return fmt.Errorf("expire metering record %s: %w", rec.ID, err)
		}
		// rec.Attempts is as fetched, before the caller's claim: any is an earlier call's.
		rec.Status, rec.Error = dealdesk.MeteringExpired, reason
		if rec.Attempts > 0 {
			rec.MaybeMetered, rec.Error = true, "may have been metered: AWS's answer was lost; "+reason
			r.result.Unknown++
		} else {
			r.result.Failed++
		}
		r.keep(rec)
	}
	return nil
}

// batches groups sends by product and metering identity, in batches of at most
// dealdesk.MaxMeteringBatch records, each batch's records oldest hour first and the batches in
// the order of their oldest record.
func batches(sends []*dealdesk.MeteringSend) []*dealdesk.MeteringBatch {
	slices.SortStableFunc(sends, func(a, b *dealdesk.MeteringSend) int { return a.Record.Hour.Compare(b.Record.Hour) })
	type key struct {
		product  string
		identity dealdesk.MeteringIdentity
	}
	open := map[key]*dealdesk.MeteringBatch{}
	held := map[*dealdesk.MeteringBatch]map[string]bool{} // the customer, dimension and hour of each batch's records
	var out []*dealdesk.MeteringBatch
	for _, s := range sends {
		id := s.Product.MeteringIdentity
		if id == "" {
			id = dealdesk.MeteringByLicense
		}
		k := key{s.Product.ID, id}
		// AWS's answer names a record by customer, dimension and timestamp: two records alike
		// (two entitlements of one customer, such as an agreement and its replacement sharing
		// an hour) go in separate batches, so that each answer is matched to its own record.
		same := s.Customer.CustomerIdentifier + "\x00" + s.Customer.CustomerAWSAccountID + "\x00" + s.Customer.LicenseARN +
			"\x00" + s.Record.DimensionKey + "\x00" + s.Record.Hour.UTC().Format(time.RFC3339)
		b := open[k]
		if b == nil || len(b.Records) == dealdesk.MaxMeteringBatch || held[b][same] {
			b = &dealdesk.MeteringBatch{Product: s.Product, Identity: id}
			open[k] = b
			held[b] = map[string]bool{}
			out = append(out, b)
		}
		held[b][same] = true
		b.Records = append(b.Records, s.Record)
		b.Customers = append(b.Customers, s.Customer)
	}
	return out
}

// send sends one batch through the state machine. It reports whether AWS answered at least one
// record for good (sent or a terminal answer); the error is AWS's when it refused the batch.
func (r *meteringRun) send(ctx context.Context, b *dealdesk.MeteringBatch) (bool, error) {
	// The window is checked again right before the claim: a record may have left it since it
	// was fetched, and one record out of bounds would have AWS refuse the whole batch.
	now := r.now().UTC()
	var late []*dealdesk.MeteringRecord
	inTime := &dealdesk.MeteringBatch{Product: b.Product, Identity: b.Identity}
	for i, rec := range b.Records {
		if r.opts.Window.Sendable(rec.Hour, now) {
			inTime.Records = append(inTime.Records, rec)
			inTime.Customers = append(inTime.Customers, b.Customers[i])
		} else {
			late = append(late, rec)
		}
	}
	if err := r.expire(ctx, late, time.Time{}, now, nil); err != nil {
		return false, err
	}
	b = inTime
	// The request of each record: the one an earlier attempt stored is kept by the claim,
	// else the one built now is stored with it.
	var ids []string
	var requests []json.RawMessage
	keep := b.Records[:0:0]
	var customers []dealdesk.MeteringCustomer
	for i, rec := range b.Records {
		req := rec.Request
		if len(req) == 0 {
			var err error
			if req, err = r.meter.UsageRecordRequest(b, i); err != nil {
				// It can never be sent as it is: FAILED on its own, for people to see.
				if ferr := r.store.FailMeteringRecords(ctx, []string{rec.ID}, time.Time{}, dealdesk.MeteringFailed, err.Error(), nil); ferr != nil {
					return false, ferr
				}
				rec.Status, rec.Error = dealdesk.MeteringFailed, err.Error()
				r.result.Failed++
				r.keep(rec)
				continue
			}
		}
		ids = append(ids, rec.ID)
		requests = append(requests, req)
		keep = append(keep, rec)
		customers = append(customers, b.Customers[i])
	}
	if len(ids) == 0 {
		return true, nil
	}
	claims, err := r.store.MarkMeteringSending(ctx, ids, requests, now)
	if err != nil {
		return false, fmt.Errorf("mark metering records sending: %w", err)
	}
	if len(claims) == 0 {
		return true, nil // another sender has them
	}
	mine := map[string]dealdesk.MeteringClaim{}
	for _, c := range claims {
		mine[c.ID] = c
	}
	claimedAt := claims[0].ClaimedAt
	batch := &dealdesk.MeteringBatch{Product: b.Product, Identity: b.Identity}
	for i, rec := range keep {
		if c, ok := mine[rec.ID]; ok {
			rec.Request = c.Request // the bytes the claim stored: exactly those are sent
			rec.Status = dealdesk.MeteringSending
			batch.Records = append(batch.Records, rec)
			batch.Customers = append(batch.Customers, customers[i])
		}
	}
	ids = ids[:0]
	for _, rec := range batch.Records {
		ids = append(ids, rec.ID)
	}

	results, err := r.meter.BatchMeterUsage(ctx, r.conn, batch)
	at := r.now().UTC()
	if err != nil {
		answer := awsAnswer(err)
		if dealdesk.Retryable(err) || !isAWSError(err) {
			// Not refused for good (or not refused by AWS at all: configuration, context): the
			// records go back to PENDING with their requests, to be sent again byte-identical.
			if serr := r.store.SaveMeteringResults(context.WithoutCancel(ctx), ids, unprocessed(len(ids), answer), claimedAt, at); serr != nil {
				return false, errors.Join(err, serr)
			}
			return false, err
		}
		if awsCode(err) == "TimestampOutOfBoundsException" {
			return r.outOfBounds(ctx, batch, err, answer, claimedAt, at)
		}
		reason := awsMessage(err)
		if ferr := r.store.FailMeteringRecords(context.WithoutCancel(ctx), ids, claimedAt, dealdesk.MeteringFailed, reason, answer); ferr != nil {
			return false, errors.Join(err, ferr)
		}
		for _, rec := range batch.Records {
			rec.Status, rec.Error, rec.Response = dealdesk.MeteringFailed, reason, answer
			r.result.Failed++
			r.keep(rec)
		}
		return true, nil
	}
	if err := r.store.SaveMeteringResults(context.WithoutCancel(ctx), ids, results, claimedAt, at); err != nil {
		return false, fmt.Errorf("save metering results: %w", err)
	}
	answered := false
	for i, rec := range batch.Records {
		res := results[i]
		rec.Response = res.Response
		switch res.Status {
		case "Success":
			rec.Status, rec.MeteringRecordID, rec.SentAt = dealdesk.MeteringSent, res.MeteringRecordID, &at
			r.result.Sent++
			answered = true
		case "DuplicateRecord":
			rec.Status = dealdesk.MeteringDuplicateRecord
			r.result.Failed++
			answered = true
		case "CustomerNotSubscribed":
			rec.Status = dealdesk.MeteringCustomerNotSubscribed
			r.result.Failed++
			answered = true
		default:
			rec.Status = dealdesk.MeteringPending
		}
		r.keep(rec)
	}
	return answered, nil
}

// outOfBounds handles a batch AWS refused whole with TimestampOutOfBoundsException: the good
// records of the batch are never FAILED for it. Those outside the window at at are EXPIRED (on
// their own), the others go back to PENDING to be sent in a batch without them. When none is
// outside the window as configured (it is wider than AWS's), all go back to PENDING and the
// refusal counts as a retryable setback: they are sent again until they expire by the window.
func (r *meteringRun) outOfBounds(ctx context.Context, b *dealdesk.MeteringBatch, err error, answer json.RawMessage,
	claimedAt, at time.Time) (bool, error) {
	ctx = context.WithoutCancel(ctx)
	var late []*dealdesk.MeteringRecord
	var back []string
	for _, rec := range b.Records {
		rec.Response = answer
		if r.opts.Window.Sendable(rec.Hour, at) {
			back = append(back, rec.ID)
			rec.Status = dealdesk.MeteringPending
			r.keep(rec)
		} else {
			late = append(late, rec)
		}
	}
	if err := r.store.SaveMeteringResults(ctx, back, unprocessed(len(back), answer), claimedAt, at); err != nil {
		return false, err
	}
	if err := r.expire(ctx, late, claimedAt, at, answer); err != nil {
		return false, err
	}
	if len(late) == 0 {
		return false, &dealdesk.AWSError{Operation: "BatchMeterUsage", Code: "TimestampOutOfBoundsException", Retryable: true,
			Message: "AWS refused the batch's timestamps though every record is within the configured metering window (is --metering-window wider than AWS's?): " +
				awsMessage(err)}
	}
	return true, nil
}

// unprocessed returns n results that put records back to PENDING, with AWS's answer.
func unprocessed(n int, answer json.RawMessage) []dealdesk.UsageRecordResult {
	back := make([]dealdesk.UsageRecordResult, n)
	for i := range back {
		back[i] = dealdesk.UsageRecordResult{Response: answer}
	}
	return back
}

// awsCode returns the code of AWS's error answer, or "".
func awsCode(err error) string {
	var ae *dealdesk.AWSError
	if errors.As(err, &ae) {
		return ae.Code
	}
	return ""
}

func isAWSError(err error) bool {
	var ae *dealdesk.AWSError
	return errors.As(err, &ae)
}

// awsAnswer is the JSON of AWS's error answer, {"__type": code, "message": ...}, as AWS wrote
// it (reference §4.1), or {"error": ...} when AWS did not answer.
func awsAnswer(err error) json.RawMessage {
	var ae *dealdesk.AWSError
	var v any
	switch {
	case errors.As(err, &ae) && ae.Code != "":
		v = map[string]any{"__type": ae.Code, "message": ae.Message, "status": ae.Status}
	case errors.As(err, &ae):
		v = map[string]any{"error": "no answer from AWS: " + ae.Message}
	default:
		v = map[string]any{"error": err.Error()}
	}
	b, _ := json.Marshal(v)
	return b
}
