package dealdesk

import (
	"context"
	"encoding/json"
	"slices"
	"time"
)

// Metering: each closed hour of an entitlement's usage becomes one metering record per
// dimension (coverage.go), sent to AWS with BatchMeterUsage exactly once. Decision 023.

// PrefixMeteringRecord is the ID prefix of metering records.
const PrefixMeteringRecord = "mtr"

// SendingLease is how long a sender's claim on a SENDING record holds: a record claimed longer
// ago is taken to be left by a sender that crashed, and another may claim it and send its stored
// request again (byte-identical, which AWS's idempotency absorbs). Senders pass
// staleBefore = now − SendingLease to MeteringStore.NextMeteringRecords; MarkMeteringSending
// takes over no younger claim.
const SendingLease = 2 * time.Minute

// MeteringRecordStatus is where a metering record is on its way to AWS. Sending is a durable
// state machine: PENDING → SENDING (the exact request stored before the call) → SENT or a
// terminal failure; a SENDING record found after a crash is sent again byte-identical, which
// AWS's idempotency absorbs (reference §4.2).
type MeteringRecordStatus string

// Metering record statuses.
const (
	MeteringPending MeteringRecordStatus = "PENDING" // waiting to be sent, oldest hour first
	MeteringSending MeteringRecordStatus = "SENDING" // in a call whose answer is not stored yet
	MeteringSent    MeteringRecordStatus = "SENT"    // AWS answered Success; MeteringRecordID is AWS's
	// MeteringNotMetered: the hour's whole quantity was covered or carried (Quantity 0) and
	// zero-quantity records are off: nothing to send.
	MeteringNotMetered MeteringRecordStatus = "NOT_METERED"
	// MeteringDuplicateRecord: AWS already holds a record for this customer, dimension and hour
	// with another quantity (another sender's): terminal, never counted as sent.
	MeteringDuplicateRecord MeteringRecordStatus = "DUPLICATE_RECORD"
	// MeteringCustomerNotSubscribed: AWS has no active agreement for the customer at the hour.
	MeteringCustomerNotSubscribed MeteringRecordStatus = "CUSTOMER_NOT_SUBSCRIBED"
	// MeteringExpired: the hour left AWS's time window before the record could be sent.
	MeteringExpired MeteringRecordStatus = "EXPIRED"
	// MeteringFailed: AWS refused the record's batch for good (a client error other than
	// throttling, e.g. InvalidLicenseException); POST /metering-records/{id}/retry sends it again.
	MeteringFailed MeteringRecordStatus = "FAILED"
)

// MeteringRecordStatuses lists every metering record status.
var MeteringRecordStatuses = []MeteringRecordStatus{MeteringPending, MeteringSending, MeteringSent, MeteringNotMetered,
	MeteringDuplicateRecord, MeteringCustomerNotSubscribed, MeteringExpired, MeteringFailed}

// Valid reports whether s is a known metering record status.
func (s MeteringRecordStatus) Valid() bool { return slices.Contains(MeteringRecordStatuses, s) }

// Retryable reports whether a record in status s may be sent again on an operator's request
// (POST /api/v1/metering-records/{id}/retry): only FAILED. Sent and AWS's terminal answers are
// final; an EXPIRED hour can no longer reach AWS.
func (s MeteringRecordStatus) Retryable() bool { return s == MeteringFailed }

// MeteringRecord is one hour of one dimension of an entitlement, metered or to be metered to
// AWS: its coverage (HourCoverage), the usage record sent and AWS's answer.
type MeteringRecord struct {
	ID            string `json:"id"`
	OrgID         string `json:"-"`
	EntitlementID string `json:"entitlementId"`
	ProductID     string `json:"productId"`
	DimensionKey  string `json:"dimensionKey"`
	// Hour is the start of the UTC hour: the record's Timestamp at AWS, so that a retry is
	// byte-identical (AWS Marketplace Seller Guide, "Configuring metering for usage").
	Hour time.Time `json:"hour"`

	Usage           Decimal `json:"usage"`           // units counted in the hour
	CoveredByGrant  Decimal `json:"coveredByGrant"`  // units the grant covered
	CoveredByCommit Decimal `json:"coveredByCommit"` // units the commit covered
	CommitAmount    Decimal `json:"commitAmount"`    // USD of the commit consumed
	Overage         Decimal `json:"overage"`         // Usage − covered
	CarriedIn       Decimal `json:"carriedIn"`       // fraction carried from the previous hour
	CarriedOut      Decimal `json:"carriedOut"`      // fraction carried to the next hour
	Quantity        int64   `json:"quantity"`        // integer units metered

	Status MeteringRecordStatus `json:"status"`
	// Attempts counts the BatchMeterUsage calls that carried the record.
	Attempts int `json:"attempts"`
	// MeteringRecordID is AWS's ID of the record once SENT.
	MeteringRecordID string `json:"meteringRecordId,omitempty"`
	// Request is the BatchMeterUsage usage record as sent (JSON, AWS's member names), with the
	// request's ProductCode when the product meters by customer identifier; Response is AWS's
	// result for the record, or the error that answered its batch.
	Request  json.RawMessage `json:"request,omitempty"`
	Response json.RawMessage `json:"response,omitempty"`
	Error    string          `json:"error,omitempty"` // why it failed or expired, for people
	SentAt   *time.Time      `json:"sentAt,omitempty"`
	// MaybeMetered marks a record EXPIRED after an earlier call carried it whose answer was
	// lost (a sender died while SENDING, or AWS failed or did not answer): AWS may have metered
	// it. It counts as unknown, not failed (DimensionTotals.Unknown).
	MaybeMetered bool `json:"maybeMetered,omitempty"`
	// Waiting says why a PENDING record is not sent yet, when it cannot be: its entitlement
	// names no customer AWS can meter (no license ARN, or no customer identifier) yet.
	Waiting string `json:"waiting,omitempty"`

	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// Covered returns the units of r that the contract covered.
func (r *MeteringRecord) Covered() Decimal {
	return fixed(r.CoveredByGrant.Decimal.Add(r.CoveredByCommit.Decimal))
}

// MeteringRecordFilter selects metering records; Cursor and Limit page through them.
type MeteringRecordFilter struct {
	EntitlementID string
	Status        MeteringRecordStatus
	From, To      *time.Time // Hour in [From, To)
	Cursor        string
	Limit         int
}

// MeteringTotals sums an entitlement's usage and metering over its term, per dimension.
type MeteringTotals struct {
	EntitlementID string            `json:"entitlementId"`
	CommitAmount  *Decimal          `json:"commitAmount,omitempty"` // the contract's commit, USD
	CommitUsed    Decimal           `json:"commitUsed"`             // USD consumed by usage
	Dimensions    []DimensionTotals `json:"dimensions"`
	// Pending is the usage reported in hours not closed yet, per dimension key.
	Pending map[string]Decimal `json:"pendingUsage"`
	// RecordsByStatus counts the entitlement's metering records per status.
	RecordsByStatus map[MeteringRecordStatus]int64 `json:"recordsByStatus"`
	// Waiting says why the entitlement's pending records are not sent, when they cannot be
	// (its customer is not named yet); they expire with a notification once out of the window.
	Waiting string `json:"waiting,omitempty"`
}

// DimensionTotals sums one dimension of an entitlement.
type DimensionTotals struct {
	DimensionKey    string  `json:"dimensionKey"`
	Reported        Decimal `json:"reported"`        // usage counted in closed hours
	CoveredByGrant  Decimal `json:"coveredByGrant"`  // units
	CoveredByCommit Decimal `json:"coveredByCommit"` // units
	Metered         int64   `json:"metered"`         // units AWS accepted (SENT)
	Unsent          int64   `json:"unsent"`          // units PENDING or SENDING
	Failed          int64   `json:"failed"`          // units in terminal failures or EXPIRED
	Unknown         int64   `json:"unknown"`         // units EXPIRED with MaybeMetered: AWS's answer was lost
	Carry           Decimal `json:"carry"`           // fraction waiting for the next hour
}

// MeteringService shows and retries the metering of the caller's organization. Every method
// returns EUNAUTHORIZED when the context carries no organization.
type MeteringService interface {
	// FindMeteringRecords lists metering records, newest hour first, and the next page's cursor.
	FindMeteringRecords(ctx context.Context, f MeteringRecordFilter) ([]*MeteringRecord, string, error)
	// FindMeteringRecordByID returns ENOTFOUND unless it belongs to the caller's organization.
	FindMeteringRecordByID(ctx context.Context, id string) (*MeteringRecord, error)
	// RetryMeteringRecord makes a FAILED record PENDING again; ECONFLICT in any other status.
	RetryMeteringRecord(ctx context.Context, id string) (*MeteringRecord, error)
	// MeteringTotals sums an entitlement's metering; ENOTFOUND for another's entitlement.
	MeteringTotals(ctx context.Context, entitlementID string) (*MeteringTotals, error)
}

// MeteringWindow is how far in the past AWS accepts a metering record's timestamp
// (BatchMeterUsage; reference §4.2: 6 hours in the older documents, 24 in the 2026 model; the
// default is the safer 6). dealdesk never sends a record outside it.
type MeteringWindow time.Duration

// DefaultMeteringWindow is the window dealdesk assumes unless configured.
const DefaultMeteringWindow = MeteringWindow(6 * time.Hour)

// SendMargin is the time kept between the newest hour dealdesk still sends and the edge of the
// window: a record whose hour is within it of leaving the window is EXPIRED, not sent, so that
// no batch is refused whole with TimestampOutOfBoundsException.
const SendMargin = 5 * time.Minute

// Oldest returns the oldest timestamp AWS accepts at now: now − w, and from 06:00 UTC on the
// first of a month not before that month's start (the previous billing month is closed then;
// reference §4.2).
func (w MeteringWindow) Oldest(now time.Time) time.Time {
	now = now.UTC()
	oldest := now.Add(-time.Duration(w))
	if month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC); !now.Before(month.Add(6*time.Hour)) && oldest.Before(month) {
		oldest = month
	}
	return oldest
}

// Sendable reports whether a record of hour can still be sent at now, with SendMargin to spare:
// it is inside the window both SendMargin after the sliding edge and at now + SendMargin, so
// that the month's close at 06:00 UTC on the 1st is kept to with the same margin.
func (w MeteringWindow) Sendable(hour, now time.Time) bool {
	return !hour.Before(w.Oldest(now).Add(SendMargin)) && !hour.Before(w.Oldest(now.Add(SendMargin)))
}

// FirstSendable returns the start of the oldest hour whose record is Sendable at now.
func (w MeteringWindow) FirstSendable(now time.Time) time.Time {
	edge := w.Oldest(now).Add(SendMargin)
	if m := w.Oldest(now.Add(SendMargin)); m.After(edge) {
		edge = m
	}
	h := Hour(edge)
	if h.Before(edge) {
		h = h.Add(time.Hour)
	}
	return h
}

// OldestUsage returns the oldest usage timestamp accepted at now: the start of the first hour
// whose record can still be sent with an hour to spare for closing and sending it (Sendable an
// hour from now). Older usage is refused at ingest (422 naming timestamp) rather than accepted
// and never metered. The month-end rule is anticipated with it: on the 1st, usage of the
// previous month is accepted only while its hour can still be closed and sent, with that hour
// and SendMargin to spare, before 06:00 UTC (from 04:55 UTC, nothing of the previous month).
func (w MeteringWindow) OldestUsage(now time.Time) time.Time {
	now = now.UTC()
	edge := w.Oldest(now).Add(SendMargin + time.Hour)
	if month := w.Oldest(now.Add(time.Hour + SendMargin)); month.After(edge) {
		edge = month
	}
	h := Hour(edge)
	if h.Before(edge) {
		h = h.Add(time.Hour)
	}
	return h
}

// MinMeteringWindow is the shortest window under which usage of the current hour is always
// accepted: OldestUsage keeps an hour and SendMargin to close and send an hour's record, and
// the current hour may have started up to an hour ago, so the window must hold both: 2 hours
// and SendMargin.
const MinMeteringWindow = MeteringWindow(2*time.Hour + SendMargin)

// MeteringOptions are an installation's metering settings (serve flags).
type MeteringOptions struct {
	Window MeteringWindow
	// ZeroRecords sends a zero-quantity record for every metered dimension of an active
	// entitlement in every closed hour, as AWS recommends for idle hours.
	ZeroRecords bool
	// CloseDelay is how long after an hour ends it is closed, so that usage reported a little
	// late still counts in its own hour (default 5 minutes; a flush closes at once).
	CloseDelay time.Duration
	// Lease is how long a sender's claim on a SENDING record holds (default SendingLease); the
	// store must be given the same (sqldb.Options.MeteringLease).
	Lease time.Duration
}

// MeteringJob closes the organization's finished usage hours into metering records and sends
// what is pending to AWS. Run periodically per organization and after a flush.
type MeteringJob struct {
	OrgID string `json:"orgId"`
}

// Kind names the job.
func (MeteringJob) Kind() string { return "metering" }

// UsageRecordResult is AWS's answer for one usage record of a BatchMeterUsage call: Status is
// AWS's (Success, DuplicateRecord, CustomerNotSubscribed), or "" when AWS returned it in
// UnprocessedRecords (to be retried).
type UsageRecordResult struct {
	Status           string
	MeteringRecordID string
	Response         json.RawMessage // AWS's result element for the record
}

// MeteringBatch is one BatchMeterUsage call: at most 25 records of one product and one
// identity mode (AWS: "BatchMeterUsage can process up to 25 UsageRecords at a time").
type MeteringBatch struct {
	Product  *Product
	Identity MeteringIdentity
	Records  []*MeteringRecord
	// Customers holds, per record (same index), the customer as AWS names it: the buyer's
	// account ID and license ARN (MeteringByLicense) or the customer identifier
	// (MeteringByCustomerIdentifier).
	Customers []MeteringCustomer
}

// MeteringCustomer names who a metering record bills.
type MeteringCustomer struct {
	CustomerAWSAccountID string
	LicenseARN           string
	CustomerIdentifier   string
}

// MaxMeteringBatch is BatchMeterUsage's limit of usage records per call.
const MaxMeteringBatch = 25

// Meter is the metering port: the AWS Marketplace Metering Service (awsmp implements it).
type Meter interface {
	// UsageRecordRequest returns the exact JSON of the usage record BatchMeterUsage sends for
	// record i of b: stored before the call, it makes every retry byte-identical.
	UsageRecordRequest(b *MeteringBatch, i int) (json.RawMessage, error)
	// BatchMeterUsage sends b under the seller account's rate limit and returns one result per
	// record, in order. Returns an *AWSError for an answer that refused the whole batch
	// (Retryable for throttling and 5xx).
	BatchMeterUsage(ctx context.Context, conn *AWSConnection, b *MeteringBatch) ([]UsageRecordResult, error)
}

// MeteringSend is a record to send with what its call needs: its product and its customer.
type MeteringSend struct {
	Record   *MeteringRecord
	Product  *Product
	Customer MeteringCustomer
}

// MeteringStore is what the metering worker needs of the store. Methods read the organization
// from the context (EUNAUTHORIZED without one).
type MeteringStore interface {
	// AWSConnectionWithSecret returns the organization's AWS connection; ENOTFOUND when none.
	AWSConnectionWithSecret(ctx context.Context) (*AWSConnection, error)
	// CloseUsageHours closes the organization's usage hours that end at or before closeBefore,
	// and every hour up to the end of an entitlement that ended: per entitlement, in one
	// transaction, it takes the usage not yet aggregated (usage of an hour that is already
	// closed counts in the next hour closed), runs CoverHour hour by hour, oldest first, with
	// the terms of the entitlement's opportunity and its stored MeterState, stores one record per
	// dimension and hour (PENDING; NOT_METERED for quantity 0 unless opts.ZeroRecords) and the
	// new state, and marks the usage AGGREGATED with its MeteredHour. With opts.ZeroRecords,
	// an hour without usage of an active entitlement gets zero-quantity records for every
	// metered dimension. Hours of records already made are never made again. Returns the
	// records made.
	CloseUsageHours(ctx context.Context, closeBefore time.Time, opts MeteringOptions) ([]*MeteringRecord, error)
	// NextMeteringRecords returns up to limit records to send, oldest hour first: PENDING ones,
	// and SENDING ones claimed before staleBefore (a call whose answer was never stored). A
	// record whose entitlement has no customer AWS can name yet (no license ARN, or no customer
	// identifier) is left out while it can still be sent, and returned with a zero Customer and
	// its Waiting reason once it cannot (to be expired).
	NextMeteringRecords(ctx context.Context, limit int, staleBefore time.Time) ([]*MeteringSend, error)
	// MarkMeteringSending stores, before the call, the exact request of each record (same index
	// in requests) and makes it SENDING with Attempts + 1, claimed at at; a SENDING record keeps
	// the request stored first. A record not PENDING, or SENDING under a live claim, is skipped;
	// returns the claims taken, in order, each with the request stored: the bytes to send.
	MarkMeteringSending(ctx context.Context, ids []string, requests []json.RawMessage, at time.Time) ([]MeteringClaim, error)
	// SaveMeteringResults stores AWS's answer for each record (same index in results) still
	// SENDING under the claim taken at claimedAt (a record another sender took over is left as
	// it is): Success → SENT with its MeteringRecordID and SentAt at; DuplicateRecord and
	// CustomerNotSubscribed → their terminal statuses with AWS's answer; "" (unprocessed) →
	// PENDING again. In one transaction.
	SaveMeteringResults(ctx context.Context, ids []string, results []UsageRecordResult, claimedAt, at time.Time) error
	// FailMeteringRecords ends records with status (FAILED or EXPIRED), the reason for people
	// and AWS's answer if any, and records a notification for them, in one transaction. With a
	// zero claimedAt it ends records not claimed: PENDING, or SENDING under a claim older than
	// the lease; otherwise only records SENDING under the claim taken at claimedAt. An EXPIRED
	// record that an earlier call carried is MaybeMetered, and notified as such.
	FailMeteringRecords(ctx context.Context, ids []string, claimedAt time.Time, status MeteringRecordStatus, reason string, response json.RawMessage) error
}

// MeteringClaim is a sender's claim on a SENDING record (MeteringStore.MarkMeteringSending):
// the request stored with it, the exact bytes to send, and when the claim was taken, which ties
// the sender's answer to its claim.
type MeteringClaim struct {
	ID        string
	Request   json.RawMessage
	ClaimedAt time.Time
}

// FlushResult is what a metering flush did: Closed counts the records CloseUsageHours made,
// Sent those AWS accepted (SENT), Failed those that ended in a terminal failure or EXPIRED,
// Unknown those EXPIRED that AWS may have metered (MaybeMetered);
// Records are the records the flush made or sent, as it left them.
type FlushResult struct {
	Closed int `json:"closed"`
	Sent   int `json:"sent"`
	Failed int `json:"failed"`
	// Unknown counts the records EXPIRED whose earlier call's answer was lost (MaybeMetered).
	Unknown int               `json:"unknown"`
	Records []*MeteringRecord `json:"records"`
}

// MeteringFlusher closes the caller's organization's finished usage hours now (without
// MeteringOptions.CloseDelay) and sends every pending record, inline (POST
// /api/v1/metering/flush, `dealdesk metering flush`). The worker implements it. Returns
// EUNAUTHORIZED without an organization in the context, and an *AWSError when AWS kept
// refusing batches (Retryable: the records stay PENDING and a later run sends them).
type MeteringFlusher interface {
	FlushMetering(ctx context.Context) (*FlushResult, error)
}
