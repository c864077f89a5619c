package dealdesk

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"sort"
	"strconv"
	"time"
)

// Usage ingest: a vendor reports what a buyer used, in usage groups; dealdesk meters to AWS only
// what the contract does not cover (coverage.go, metering.go). Decision 023.

// Bounds of usage input.
const (
	MaxUsageGroupIDLength = 64    // a usage group's client idempotency key, in bytes
	MaxUsageBatchGroups   = 10000 // groups in one POST /api/v1/usage:batch
	MaxUsageRecords       = 100   // dimensions in one usage group
	// MaxUsagePlaces is how many decimals a usage quantity may have: quantities are kept exact
	// at this scale (nano-units) and summed exactly; a finer fraction is refused, not rounded.
	MaxUsagePlaces = 9
)

// MaxUsageQuantity bounds one record of a usage group: AWS's largest metering record quantity
// (BatchMeterUsage Quantity, 0..2147483647; reference §4.2).
var MaxUsageQuantity = MustDecimal("2147483647")

// UsageGroupStatus is where a usage group is on its way to AWS.
type UsageGroupStatus string

// Usage group statuses.
const (
	// UsageAccepted: stored, its hour not yet closed; it will be aggregated.
	UsageAccepted UsageGroupStatus = "ACCEPTED"
	// UsageAggregated: counted in the metering records of the hour MeteredHour.
	UsageAggregated UsageGroupStatus = "AGGREGATED"
	// UsageUnmetered: accepted while its ended entitlement's final hour was being closed, so
	// that no hour is left to meter it in (AWS takes one record per hour, and none after the
	// end): never metered, with a notification (decision 023, "Ended entitlements").
	UsageUnmetered UsageGroupStatus = "UNMETERED"
)

// UsageGroupStatuses lists every usage group status.
var UsageGroupStatuses = []UsageGroupStatus{UsageAccepted, UsageAggregated, UsageUnmetered}

// Valid reports whether s is a known usage group status.
func (s UsageGroupStatus) Valid() bool { return slices.Contains(UsageGroupStatuses, s) }

// UsageGroupInput is one usage report of a vendor for one entitlement: its own idempotency key,
// when the usage happened, and a quantity per metered dimension key. JSON:
//
//	{"id": "2026-11-30T10:00-host-7", "entitlementId": "ent_…", "timestamp": "2026-11-30T10:17:00Z",
//	 "records": {"api_calls": 1200, "storage_gb": 0.25}}
//
// EntitlementID is taken from the path for POST /api/v1/entitlements/{id}/usage. Quantities are
// JSON numbers (or decimal strings), read exactly: 0.1 is one tenth, never a float.
type UsageGroupInput struct {
	ID            string             `json:"id"`
	EntitlementID string             `json:"entitlementId"`
	Timestamp     time.Time          `json:"timestamp"`
	Records       map[string]Decimal `json:"records"`
}

// UsageGroup is a stored usage report.
type UsageGroup struct {
	ID            string             `json:"id"` // the client's idempotency key, unique in the organization
	OrgID         string             `json:"-"`
	EntitlementID string             `json:"entitlementId"`
	Timestamp     time.Time          `json:"timestamp"` // when the usage happened, as reported
	Records       map[string]Decimal `json:"records"`
	Status        UsageGroupStatus   `json:"status"`
	// MeteredHour is the start of the hour whose metering records counted the group: the hour of
	// Timestamp, or a later one when usage came in after its own hour was closed (decision 023).
	MeteredHour *time.Time `json:"meteredHour,omitempty"`
	// ContentHash is the SHA-256 of the group's canonical content (UsageGroupInput.Hash): a
	// second report with the same ID is the same report when the hashes are equal.
	ContentHash string    `json:"-"`
	CreatedAt   time.Time `json:"createdAt"`
}

// Hash returns the hex SHA-256 of in's canonical content: entitlement, timestamp (UTC,
// nanoseconds) and records sorted by dimension key with quantities in their exact value (1.50
// and 1.5 are the same quantity). Two reports with the same ID are one report when their hashes
// are equal; otherwise the second is a conflict.
func (in *UsageGroupInput) Hash() string {
	h := sha256.New()
	w := func(s string) { h.Write([]byte(strconv.Itoa(len(s)))); h.Write([]byte{':'}); h.Write([]byte(s)) }
	w(in.EntitlementID)
	w(in.Timestamp.UTC().Format(time.RFC3339Nano))
	keys := make([]string, 0, len(in.Records))
	for k := range in.Records {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		w(k)
		w(in.Records[k].Decimal.String())
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Hour returns the start of the UTC hour that holds t: the timestamp of its metering record.
func Hour(t time.Time) time.Time { return t.UTC().Truncate(time.Hour) }

// ValidateUsageGroupInput checks what can be checked of a usage group without the store: its
// ID, timestamp and records. now is the current time and oldest the earliest timestamp that can
// still reach AWS (MeteringWindow.OldestUsage). Fields are named from prefix ("" for a single
// group, "groups[3]." in a batch). The error lists every bad field.
func ValidateUsageGroupInput(in *UsageGroupInput, prefix string, now, oldest time.Time) error {
	var p Problems
	switch {
	case in.ID == "":
		p.Add(prefix+"id", "is required: it makes a retry of the same report safe")
	case len(in.ID) > MaxUsageGroupIDLength:
		p.Add(prefix+"id", "must be at most %d bytes", MaxUsageGroupIDLength)
	default:
		p.CheckText(prefix+"id", in.ID, 1, MaxUsageGroupIDLength)
	}
	if in.EntitlementID == "" {
		p.Add(prefix+"entitlementId", "is required")
	} else {
		p.CheckText(prefix+"entitlementId", in.EntitlementID, 1, MaxExternalIDLength)
	}
	switch {
	case in.Timestamp.IsZero():
		p.Add(prefix+"timestamp", "is required (RFC 3339, such as 2026-11-30T10:17:00Z)")
	case in.Timestamp.After(now):
		p.Add(prefix+"timestamp", "must not be in the future (it is %s, now is %s)", in.Timestamp.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	case in.Timestamp.Before(oldest):
		p.Add(prefix+"timestamp", "is too old to reach AWS: usage must be after %s (AWS Marketplace accepts metering records only within its time window)", oldest.UTC().Format(time.RFC3339))
	}
	switch {
	case len(in.Records) == 0:
		p.Add(prefix+"records", "at least one dimension's quantity is required")
	case len(in.Records) > MaxUsageRecords:
		p.Add(prefix+"records", "at most %d dimensions are allowed, got %d", MaxUsageRecords, len(in.Records))
	}
	keys := make([]string, 0, len(in.Records))
	for k := range in.Records {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		q := in.Records[k]
		f := prefix + "records." + k
		if !checkDimensionKey(&p, prefix+"records", k) {
			continue
		}
		switch {
		case !q.IsSet():
			p.Add(f, "is required: a number such as 12 or 0.5")
		case q.IsNegative():
			p.Add(f, "must not be negative")
		case q.Places() > MaxUsagePlaces:
			p.Add(f, "must have at most %d decimals", MaxUsagePlaces)
		case q.GreaterThan(MaxUsageQuantity.Decimal):
			p.Add(f, "must be at most %s", MaxUsageQuantity)
		}
	}
	return p.Err()
}

// CheckUsageAgainst checks a usage group against its entitlement and product: the entitlement
// is active at the group's timestamp (started, not ended before it) and every record names a
// metered dimension of the product (a contract-only dimension is refused: the contract paid for
// it). Fields are named from prefix as in ValidateUsageGroupInput.
func CheckUsageAgainst(in *UsageGroupInput, prefix string, e *Entitlement, product *Product) error {
	var p Problems
	switch {
	case e.StartTime != nil && in.Timestamp.Before(*e.StartTime):
		p.Add(prefix+"timestamp", "is before the entitlement started (%s)", e.StartTime.UTC().Format(time.RFC3339))
	case e.EndTime != nil && !in.Timestamp.Before(*e.EndTime):
		p.Add(prefix+"timestamp", "is after the entitlement ended (%s)", e.EndTime.UTC().Format(time.RFC3339))
	case e.StartTime == nil && e.Status != EntitlementActive:
		p.Add(prefix+"entitlementId", "the entitlement is %s, not active", e.Status)
	case e.Status == EntitlementPendingStart:
		p.Add(prefix+"entitlementId", "the entitlement has not started")
	}
	if product == nil {
		p.Add(prefix+"entitlementId", "the entitlement's product is not known yet: sync products first")
		return p.Err()
	}
	keys := make([]string, 0, len(in.Records))
	for k := range in.Records {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		d := product.Dimension(k)
		switch {
		case d == nil:
			p.Add(prefix+"records."+k, "product %s has no dimension %q", product.ProductCode, k)
		case !d.Kind.Metered():
			p.Add(prefix+"records."+k, "dimension %q is a contract dimension (%s): its usage is paid by the contract and is not metered", k, d.Kind)
		}
	}
	return p.Err()
}

// UsageGroupResult is the answer for one usage group: the stored group and whether this call
// stored it, or why it was refused (Err: EINVALID naming the fields, ENOTFOUND for an
// entitlement that is not the organization's, ECONFLICT for another report stored with the same
// ID). The API answers a group 201 when Created, 200 when the same report was stored before.
type UsageGroupResult struct {
	ID      string
	Group   *UsageGroup
	Created bool
	Err     error
}

// UsageGroupFilter selects usage groups; Cursor and Limit page through them.
type UsageGroupFilter struct {
	EntitlementID string
	Status        UsageGroupStatus
	From, To      *time.Time // Timestamp in [From, To)
	Cursor        string
	Limit         int
}

// UsageService takes in and lists the usage of the caller's organization's entitlements. Every
// method returns EUNAUTHORIZED when the context carries no organization.
type UsageService interface {
	// ReportUsage stores usage groups, each on its own: a valid new group is stored (201), one
	// whose ID is stored with the same content answers the stored group (200), one with other
	// content 409, an invalid one 422 naming its fields, one of an unknown entitlement 404.
	// What it answers 200 or 201 for is durable when it returns. Returns one result per group,
	// in order; an error only when nothing could be done (EINVALID for more than
	// MaxUsageBatchGroups groups).
	ReportUsage(ctx context.Context, groups []UsageGroupInput) ([]UsageGroupResult, error)
	// FindUsageGroups lists usage groups, newest first, and the next page's cursor.
	FindUsageGroups(ctx context.Context, f UsageGroupFilter) ([]*UsageGroup, string, error)
}
