package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/dealdesk/dealdesk"
)

// AWS's statuses of a usage record in a BatchMeterUsage answer (reference §4.2).
const (
	awsSuccess               = "Success"
	awsDuplicateRecord       = "DuplicateRecord"
	awsCustomerNotSubscribed = "CustomerNotSubscribed"
)

// NextMeteringRecords returns up to limit records to send, oldest hour first, each with its
// product and customer: PENDING ones and SENDING ones claimed before staleBefore. A record whose
// entitlement names no customer AWS can meter yet (for a CUSTOMER_IDENTIFIER product the
// customer identifier, for any other the buyer's account and license ARN) is left out while its
// hour is still sendable (the store's window, Options.MeteringWindow), and returned with a zero
// Customer and its Waiting reason once it is not, so that the sender expires it with a
// notification rather than leave it unseen. It claims nothing: MarkMeteringSending does.
func (db *DB) NextMeteringRecords(ctx context.Context, limit int, staleBefore time.Time) ([]*dealdesk.MeteringSend, error) {
	orgID, err := dealdesk.RequireOrgID(ctx)
	if err != nil {
		return nil, err
	}
	if limit <= 0 {
		return nil, nil
	}
	var cols []string
	for c := range strings.SplitSeq(meteringColumns, ",") {
		cols = append(cols, "r."+strings.TrimSpace(c))
	}
	var out []*dealdesk.MeteringSend
	err = db.readTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT `+strings.Join(cols, ", ")+`, e.buyer_account_id, e.license_arn, e.customer_identifier
			FROM metering_records r
			JOIN entitlements e ON e.org_id = r.org_id AND e.id = r.entitlement_id
			JOIN products p ON p.org_id = r.org_id AND p.id = r.product_id
			WHERE r.org_id = $1 AND (r.status = $2 OR (r.status = $3 AND r.claimed_at < $4))
			AND (r.hour < $5 OR (p.metering_identity <> $6 AND e.license_arn <> '' AND e.buyer_account_id <> '')
				OR (p.metering_identity = $6 AND e.customer_identifier <> ''))
			ORDER BY r.hour, r.id LIMIT $7`,
			orgID, dealdesk.MeteringPending, dealdesk.MeteringSending, db.dialect.timeArg(staleBefore),
			db.dialect.timeArg(db.window.FirstSendable(db.now())), dealdesk.MeteringByCustomerIdentifier, limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		var custs []meteringCustomer
		for rows.Next() {
			var c meteringCustomer
			r, err := scanMeteringRecord(rows, &c.account, &c.license, &c.identifier)
			if err != nil {
				return err
			}
			out = append(out, &dealdesk.MeteringSend{Record: r})
			custs = append(custs, c)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		products := map[string]*dealdesk.Product{}
		for i, s := range out {
			p, ok := products[s.Record.ProductID]
			if !ok {
				if p, err = findProduct(ctx, tx, orgID, s.Record.ProductID); err != nil {
					return err
				}
				products[s.Record.ProductID] = p
			}
			s.Product = p
			if s.Record.Waiting = custs[i].waiting(p.MeteringIdentity); s.Record.Waiting != "" {
				continue // a zero Customer: never sent
			}
			if p.MeteringIdentity == dealdesk.MeteringByCustomerIdentifier {
				s.Customer = dealdesk.MeteringCustomer{CustomerIdentifier: custs[i].identifier}
			} else {
				s.Customer = dealdesk.MeteringCustomer{CustomerAWSAccountID: custs[i].account, LicenseARN: custs[i].license}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// meteringCustomer is what an entitlement stores of the customer AWS meters.
type meteringCustomer struct{ account, license, identifier string }

// waiting says why a record of a product metered by identity cannot be sent to the customer c
// yet, or "" when c is named.
func (c meteringCustomer) waiting(identity dealdesk.MeteringIdentity) string {
	switch {
	case identity == dealdesk.MeteringByCustomerIdentifier && c.identifier == "":
		return "the customer identifier never arrived: the entitlement names none, and AWS meters this product by customer identifier"
	case identity != dealdesk.MeteringByCustomerIdentifier && c.license == "":
		return "the customer's license ARN never arrived: the entitlement names none, and AWS meters this product by license"
	case identity != dealdesk.MeteringByCustomerIdentifier && c.account == "":
		return "the buyer's AWS account ID never arrived: the entitlement names none, and AWS meters this product by license"
	}
	return ""
}

// MarkMeteringSending claims records for a BatchMeterUsage call, before the call: each PENDING
// record, or SENDING one whose claim is older than the lease (Options.MeteringLease) at at,
// becomes SENDING, claimed at at, with Attempts + 1 and its request (same index in requests)
// stored. A record keeps the request stored first, whatever its status since (SENDING, or
// PENDING again after an answer that was lost, refused or unprocessed): it may have reached
// AWS, so every later call sends the same bytes. A record
// in any other state, or claimed by another sender within the lease, is skipped. Returns the
// claims taken, in order, each with the request stored: the sender sends exactly those bytes,
// so that a retry is byte-identical. The update is guarded by the status it leaves, so two
// senders never both claim a record.
func (db *DB) MarkMeteringSending(ctx context.Context, ids []string, requests []json.RawMessage, at time.Time) ([]dealdesk.MeteringClaim, error) {
	orgID, err := dealdesk.RequireOrgID(ctx)
	if err != nil {
		return nil, err
	}
	if len(ids) != len(requests) {
		return nil, fmt.Errorf("sqldb: %d metering records and %d requests", len(ids), len(requests))
	}
	at = at.UTC().Truncate(time.Microsecond)
	return inTxValue(ctx, db.inTx, func(tx *sql.Tx) ([]dealdesk.MeteringClaim, error) {
		var claimed []dealdesk.MeteringClaim
		for i, id := range ids {
			var request sql.NullString
			err := tx.QueryRowContext(ctx, `UPDATE metering_records SET status = $1, attempts = attempts + 1,
				request = COALESCE(request, $2),
				claimed_at = $3, updated_at = $3
				WHERE org_id = $4 AND id = $5 AND (status = $6 OR (status = $1 AND claimed_at < $7)) RETURNING request`,
				dealdesk.MeteringSending, rawArg(requests[i]), db.dialect.timeArg(at), orgID, id, dealdesk.MeteringPending,
				db.dialect.timeArg(at.Add(-db.lease))).Scan(&request)
			if errors.Is(err, sql.ErrNoRows) {
				continue
			} else if err != nil {
				return nil, err
			}
			if !request.Valid {
				return nil, fmt.Errorf("sqldb: metering record %s claimed without a request", id)
			}
			claimed = append(claimed, dealdesk.MeteringClaim{ID: id, Request: json.RawMessage(request.String), ClaimedAt: at})
		}
		return claimed, nil
	})
}

// SaveMeteringResults stores AWS's answer for each record (same index in results) still SENDING
// under the claim taken at claimedAt, in one transaction: Success → SENT with AWS's
// MeteringRecordId and SentAt at; DuplicateRecord and CustomerNotSubscribed → their terminal
// statuses; "" (returned unprocessed) → PENDING again; any other status → FAILED. A record no
// longer SENDING under that claim (another sender took it over after the lease, or stored its
// answer) is left as it is.
func (db *DB) SaveMeteringResults(ctx context.Context, ids []string, results []dealdesk.UsageRecordResult, claimedAt, at time.Time) error {
	orgID, err := dealdesk.RequireOrgID(ctx)
	if err != nil {
		return err
	}
	if len(ids) != len(results) {
		return fmt.Errorf("sqldb: %d metering records and %d results", len(ids), len(results))
	}
	at = at.UTC().Truncate(time.Microsecond)
	return db.inTx(ctx, func(tx *sql.Tx) error {
		for i, id := range ids {
			res := results[i]
			status, sentAt, claimed, msg := dealdesk.MeteringFailed, any(nil), any(nil), ""
			switch res.Status {
			case awsSuccess:
				status, sentAt = dealdesk.MeteringSent, db.dialect.timeArg(at)
			case awsDuplicateRecord:
				status, msg = dealdesk.MeteringDuplicateRecord, "AWS answered DuplicateRecord: it holds another record for this customer, dimension and hour"
			case awsCustomerNotSubscribed:
				status, msg = dealdesk.MeteringCustomerNotSubscribed, "AWS answered CustomerNotSubscribed: the customer has no active agreement for the product"
			case "":
				status = dealdesk.MeteringPending
			default:
				msg = "AWS answered " + strconv.Quote(dealdesk.Clip(res.Status, 100))
			}
			if _, err := tx.ExecContext(ctx, `UPDATE metering_records SET status = $1, metering_record_id = $2,
				response = COALESCE($3, response), error = $4, sent_at = $5, claimed_at = $6, updated_at = $7
				WHERE org_id = $8 AND id = $9 AND status = $10 AND claimed_at = $11`,
				status, res.MeteringRecordID, rawArg(res.Response), msg, sentAt, claimed, db.dialect.timeArg(at),
				orgID, id, dealdesk.MeteringSending, db.dialect.timeArg(claimedAt.UTC().Truncate(time.Microsecond))); err != nil {
				return err
			}
		}
		return nil
	})
}

// maybeMeteredReason starts the reason of a record EXPIRED after an earlier call carried it.
const maybeMeteredReason = "may have been metered: AWS's answer was lost"

// FailMeteringRecords ends records with status FAILED or EXPIRED, the reason and AWS's answer if
// any, and records on each entitlement's timeline a METERING_FAILED entry, which notifies, in
// one transaction. With a zero claimedAt it ends records no sender holds: PENDING, or SENDING
// under a claim older than the lease; otherwise only records SENDING under the claim taken at
// claimedAt (the caller's own). Records in other states, or another sender's, are left as they
// are. A record EXPIRED that an earlier call carried (Attempts beyond the caller's own claim) is
// MaybeMetered, its reason starts "may have been metered: AWS's answer was lost", and it is
// notified apart. Each call notifies once per entitlement and kind (the entry's source
// reference names the status, the first record, its attempts and the time). Returns EINVALID
// for another status.
func (db *DB) FailMeteringRecords(ctx context.Context, ids []string, claimedAt time.Time, status dealdesk.MeteringRecordStatus, reason string,
	response json.RawMessage) error {
	orgID, err := dealdesk.RequireOrgID(ctx)
	if err != nil {
		return err
	}
	if status != dealdesk.MeteringFailed && status != dealdesk.MeteringExpired {
		var p dealdesk.Problems
		p.Add("status", "must be FAILED or EXPIRED")
		return p.Err()
	}
	now := db.now()
	reason = dealdesk.Clip(reason, 900)
	maybeReason := maybeMeteredReason
	if reason != "" {
		maybeReason += "; " + reason
	}
	// Attempts beyond ownAttempts were earlier calls: with a claim, the caller's call is one.
	ownAttempts, maybe := 0, status == dealdesk.MeteringExpired
	claim := `(status = $9 OR (status = $10 AND claimed_at < $11))`
	claimArgs := []any{dealdesk.MeteringPending, dealdesk.MeteringSending, db.dialect.timeArg(now.Add(-db.lease))}
	if !claimedAt.IsZero() {
		ownAttempts = 1
		claim = `status = $9 AND claimed_at = $10`
		claimArgs = []any{dealdesk.MeteringSending, db.dialect.timeArg(claimedAt.UTC().Truncate(time.Microsecond))}
	}
	if !maybe {
		ownAttempts = math.MaxInt32
	}
	return db.inTx(ctx, func(tx *sql.Tx) error {
		type failed struct {
			id, dimension string
			hour          time.Time
			attempts      int
		}
		type key struct {
			entitlement string
			maybe       bool
		}
		byKey := map[key][]failed{}
		var order []key
		for _, id := range ids {
			var f failed
			var k key
			args := append([]any{status, reason, rawArg(response), db.dialect.timeArg(now), orgID, id, ownAttempts, maybeReason}, claimArgs...)
			err := tx.QueryRowContext(ctx, `UPDATE metering_records SET status = $1,
				error = CASE WHEN attempts > $7 THEN $8 ELSE $2 END, maybe_metered = (attempts > $7),
				response = COALESCE($3, response), claimed_at = NULL, updated_at = $4
				WHERE org_id = $5 AND id = $6 AND `+claim+`
				RETURNING id, entitlement_id, dimension_key, hour, attempts, maybe_metered`, args...).
				Scan(&f.id, &k.entitlement, &f.dimension, timeCol{&f.hour}, &f.attempts, &k.maybe)
			if errors.Is(err, sql.ErrNoRows) {
				continue
			} else if err != nil {
				return err
			}
			if byKey[k] == nil {
				order = append(order, k)
			}
			byKey[k] = append(byKey[k], f)
		}
		for _, k := range order {
			fs := byKey[k]
			var opportunityID string
			if err := tx.QueryRowContext(ctx, `SELECT COALESCE(opportunity_id, '') FROM entitlements WHERE org_id = $1 AND id = $2`,
				orgID, k.entitlement).Scan(&opportunityID); err != nil {
				return err
			}
			what, kind, why := "failed", string(status), reason
			switch {
			case k.maybe:
				what, kind, why = "expired and "+maybeMeteredReason+" (their outcome is unknown: check AWS's billing before sending the usage again)",
					"MAYBE_METERED", reason
			case status == dealdesk.MeteringExpired:
				what = "expired: their hours left AWS's time window before they could be sent"
			}
			summary := fmt.Sprintf("%d metering record(s) %s (first: %s of %s)", len(fs), what, fs[0].dimension,
				fs[0].hour.Format(time.RFC3339))
			if why != "" {
				summary += ": " + why
			}
			e := &dealdesk.TimelineEntry{OrgID: orgID, OpportunityID: opportunityID, SubjectType: dealdesk.SubjectEntitlement,
				SubjectID: k.entitlement, Kind: dealdesk.TimelineMeteringFailed, At: now, Source: dealdesk.SourceCall,
				SourceRef: fmt.Sprintf("%s:%s#%d@%s", kind, fs[0].id, fs[0].attempts, now.Format(time.RFC3339Nano)), Summary: dealdesk.Clip(summary, dealdesk.MaxTimelineSummaryLength)}
			if _, _, err := db.addTimelineEntry(ctx, tx, e); err != nil {
				return err
			}
		}
		return nil
	})
}
