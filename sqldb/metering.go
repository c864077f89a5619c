package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/dealdesk/dealdesk"
)

const meteringColumns = `id, org_id, entitlement_id, product_id, dimension_key, hour, usage, covered_by_grant,
	covered_by_commit, commit_amount, overage, carried_in, carried_out, quantity, status, attempts, metering_record_id,
	request, response, error, sent_at, maybe_metered, created_at, updated_at`

// meteringColumnCount is the number of meteringColumns.
const meteringColumnCount = 24

func scanMeteringRecord(s rowScanner, extra ...any) (*dealdesk.MeteringRecord, error) {
	r := &dealdesk.MeteringRecord{}
	var request, response sql.NullString
	dest := append([]any{&r.ID, &r.OrgID, &r.EntitlementID, &r.ProductID, &r.DimensionKey, timeCol{&r.Hour}, &r.Usage,
		&r.CoveredByGrant, &r.CoveredByCommit, &r.CommitAmount, &r.Overage, &r.CarriedIn, &r.CarriedOut, &r.Quantity,
		&r.Status, &r.Attempts, &r.MeteringRecordID, &request, &response, &r.Error, nullTimeCol{&r.SentAt},
		&r.MaybeMetered, timeCol{&r.CreatedAt}, timeCol{&r.UpdatedAt}}, extra...)
	if err := s.Scan(dest...); err != nil {
		return nil, err
	}
	if request.Valid {
		r.Request = json.RawMessage(request.String)
	}
	if response.Valid {
		r.Response = json.RawMessage(response.String)
	}
	return r, nil
}

// rawArg encodes raw JSON for a TEXT column, byte for byte; empty is NULL.
func rawArg(b json.RawMessage) any {
	if len(b) == 0 {
		return nil
	}
	return string(b)
}

// insertMeteringRecords inserts new metering records, usageInsertChunk to a statement.
func (db *DB) insertMeteringRecords(ctx context.Context, tx *sql.Tx, recs []*dealdesk.MeteringRecord) error {
	for len(recs) > 0 {
		chunk := recs[:min(len(recs), usageInsertChunk)]
		recs = recs[len(chunk):]
		var b strings.Builder
		args := make([]any, 0, len(chunk)*meteringColumnCount)
		b.WriteString(`INSERT INTO metering_records (` + meteringColumns + `, claimed_at) VALUES `)
		for n, r := range chunk {
			if n > 0 {
				b.WriteString(", ")
			}
			b.WriteByte('(')
			db.dialect.params(&b, len(args), meteringColumnCount)
			b.WriteString(", NULL)")
			args = append(args, r.ID, r.OrgID, r.EntitlementID, r.ProductID, r.DimensionKey, db.dialect.timeArg(r.Hour),
				r.Usage, r.CoveredByGrant, r.CoveredByCommit, r.CommitAmount, r.Overage, r.CarriedIn, r.CarriedOut, r.Quantity,
				r.Status, r.Attempts, r.MeteringRecordID, rawArg(r.Request), rawArg(r.Response), r.Error,
				db.dialect.nullTimeArg(r.SentAt), r.MaybeMetered, db.dialect.timeArg(r.CreatedAt), db.dialect.timeArg(r.UpdatedAt))
		}
		if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
			return err
		}
	}
	return nil
}

// FindMeteringRecords lists the organization's metering records matching f, newest first (a
// close makes an entitlement's records hour by hour, so this is newest hour first per
// entitlement), and the next page's cursor.
func (db *DB) FindMeteringRecords(ctx context.Context, f dealdesk.MeteringRecordFilter) ([]*dealdesk.MeteringRecord, string, error) {
	orgID, err := dealdesk.RequireOrgID(ctx)
	if err != nil {
		return nil, "", err
	}
	var p dealdesk.Problems
	checkEnum(&p, "status", f.Status, dealdesk.MeteringRecordStatuses)
	checkRange(&p, f.From, f.To)
	after, err := checkFilters(p, f.Cursor, dealdesk.PrefixMeteringRecord, map[string]string{"entitlementId": f.EntitlementID})
	if err != nil {
		return nil, "", err
	}
	var w where
	w.add("org_id = ?", orgID)
	w.eq("entitlement_id", f.EntitlementID)
	w.eq("status", string(f.Status))
	if f.From != nil {
		w.add("hour >= ?", db.dialect.timeArg(*f.From))
	}
	if f.To != nil {
		w.add("hour < ?", db.dialect.timeArg(*f.To))
	}
	recs, next, err := findPage(ctx, db.db, `SELECT `+meteringColumns+` FROM metering_records`, &w, after, f.Limit,
		func(s rowScanner) (*dealdesk.MeteringRecord, error) { return scanMeteringRecord(s) },
		func(r *dealdesk.MeteringRecord) string { return r.ID })
	if err != nil {
		return nil, "", err
	}
	if err := markWaiting(ctx, db.db, orgID, recs); err != nil {
		return nil, "", err
	}
	return recs, next, nil
}

// markWaiting sets Waiting on the PENDING records whose entitlement names no customer AWS can
// meter yet (see NextMeteringRecords).
func markWaiting(ctx context.Context, q queryer, orgID string, recs []*dealdesk.MeteringRecord) error {
	why := map[[2]string]string{} // by entitlement and product
	for _, r := range recs {
		if r.Status != dealdesk.MeteringPending {
			continue
		}
		k := [2]string{r.EntitlementID, r.ProductID}
		w, ok := why[k]
		if !ok {
			var c meteringCustomer
			var identity dealdesk.MeteringIdentity
			if err := q.QueryRowContext(ctx, `SELECT e.buyer_account_id, e.license_arn, e.customer_identifier, p.metering_identity
				FROM entitlements e, products p WHERE e.org_id = $1 AND e.id = $2 AND p.org_id = $1 AND p.id = $3`,
				orgID, r.EntitlementID, r.ProductID).Scan(&c.account, &c.license, &c.identifier, &identity); err != nil {
				return err
			}
			w = c.waiting(identity)
			why[k] = w
		}
		r.Waiting = w
	}
	return nil
}

// FindMeteringRecordByID returns ENOTFOUND unless the record belongs to the caller's organization.
func (db *DB) FindMeteringRecordByID(ctx context.Context, id string) (*dealdesk.MeteringRecord, error) {
	orgID, err := dealdesk.RequireOrgID(ctx)
	if err != nil {
		return nil, err
	}
	return findMeteringRecord(ctx, db.db, orgID, id)
}

func findMeteringRecord(ctx context.Context, q queryer, orgID, id string) (*dealdesk.MeteringRecord, error) {
	if !dealdesk.ValidText(id) {
		return nil, notFound("metering record", id)
	}
	r, err := scanMeteringRecord(q.QueryRowContext(ctx, `SELECT `+meteringColumns+` FROM metering_records
		WHERE org_id = $1 AND id = $2`, orgID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("metering record", id)
	} else if err != nil {
		return nil, err
	}
	return r, markWaiting(ctx, q, orgID, []*dealdesk.MeteringRecord{r})
}

// RetryMeteringRecord makes a FAILED record PENDING again, for the sender to send it anew; its
// error is cleared, AWS's last answer kept until the next, and its stored request dropped: AWS
// refused its whole batch, so nothing of it was metered, and the request is built again from
// the entitlement as it is now (a corrected license ARN, say). Any other status is ECONFLICT: a
// record sent, refused by AWS for good (DuplicateRecord, CustomerNotSubscribed) or EXPIRED is
// final.
func (db *DB) RetryMeteringRecord(ctx context.Context, id string) (*dealdesk.MeteringRecord, error) {
	orgID, err := dealdesk.RequireOrgID(ctx)
	if err != nil {
		return nil, err
	}
	return inTxValue(ctx, db.inTx, func(tx *sql.Tx) (*dealdesk.MeteringRecord, error) {
		r, err := scanMeteringRecord(tx.QueryRowContext(ctx, `UPDATE metering_records SET status = $1, error = '', claimed_at = NULL, request = NULL,
			updated_at = $2 WHERE org_id = $3 AND id = $4 AND status = $5 RETURNING `+meteringColumns,
			dealdesk.MeteringPending, db.dialect.timeArg(db.now()), orgID, id, dealdesk.MeteringFailed))
		if !errors.Is(err, sql.ErrNoRows) {
			return r, err
		}
		if r, err = findMeteringRecord(ctx, tx, orgID, id); err != nil {
			return nil, err
		}
		return nil, dealdesk.Errorf(dealdesk.ECONFLICT, "Metering record %s is %s; only FAILED records can be retried.", id, r.Status)
	})
}

// MeteringTotals sums the metering of one entitlement of the caller's organization over its
// term, per dimension, from its metering records, its meter state and the usage not yet
// aggregated, all read in one snapshot. ENOTFOUND for an entitlement that is not the
// organization's.
func (db *DB) MeteringTotals(ctx context.Context, entitlementID string) (*dealdesk.MeteringTotals, error) {
	orgID, err := dealdesk.RequireOrgID(ctx)
	if err != nil {
		return nil, err
	}
	if !dealdesk.ValidText(entitlementID) {
		return nil, notFound("entitlement", entitlementID)
	}
	out := &dealdesk.MeteringTotals{EntitlementID: entitlementID, Pending: map[string]dealdesk.Decimal{},
		RecordsByStatus: map[dealdesk.MeteringRecordStatus]int64{}, Dimensions: []dealdesk.DimensionTotals{}}
	err = db.readTx(ctx, func(tx *sql.Tx) error {
		e, err := optionalRow(scanEntitlement(tx.QueryRowContext(ctx, `SELECT `+entitlementColumns+` FROM entitlements
			WHERE org_id = $1 AND id = $2`, orgID, entitlementID)))
		if err != nil {
			return err
		}
		if e == nil {
			return notFound("entitlement", entitlementID)
		}
		if e.OpportunityID != "" {
			opp, err := db.findOffer(ctx, tx, orgID, e.OpportunityID, false)
			if err != nil {
				return err
			}
			out.CommitAmount = opp.CommitAmount
		}
		state, _, err := loadMeterState(ctx, tx, orgID, entitlementID)
		if err != nil {
			return err
		}
		out.CommitUsed = state.CommitUsed
		dims := map[string]*dimensionSums{}
		dim := func(k string) *dimensionSums {
			if dims[k] == nil {
				dims[k] = &dimensionSums{}
			}
			return dims[k]
		}
		rows, err := tx.QueryContext(ctx, `SELECT dimension_key, status, usage, covered_by_grant, covered_by_commit, quantity, maybe_metered
			FROM metering_records WHERE org_id = $1 AND entitlement_id = $2`, orgID, entitlementID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var k string
			var status dealdesk.MeteringRecordStatus
			var usage, grant, commit dealdesk.Decimal
			var q int64
			var maybe bool
			if err := rows.Scan(&k, &status, &usage, &grant, &commit, &q, &maybe); err != nil {
				return err
			}
			out.RecordsByStatus[status]++
			d := dim(k)
			d.reported = d.reported.Add(usage.Decimal)
			d.grant = d.grant.Add(grant.Decimal)
			d.commit = d.commit.Add(commit.Decimal)
			switch status {
			case dealdesk.MeteringSent:
				d.metered += q
			case dealdesk.MeteringPending, dealdesk.MeteringSending:
				d.unsent += q
			case dealdesk.MeteringNotMetered:
			case dealdesk.MeteringExpired:
				if maybe {
					d.unknown += q
				} else {
					d.failed += q
				}
			default:
				d.failed += q
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		if out.RecordsByStatus[dealdesk.MeteringPending] > 0 && e.ProductID != "" {
			probe := []*dealdesk.MeteringRecord{{EntitlementID: entitlementID, ProductID: e.ProductID, Status: dealdesk.MeteringPending}}
			if err := markWaiting(ctx, tx, orgID, probe); err != nil {
				return err
			}
			if probe[0].Waiting != "" {
				out.Waiting = fmt.Sprintf("%d pending record(s) wait: %s", out.RecordsByStatus[dealdesk.MeteringPending], probe[0].Waiting)
			}
		}
		pending := map[string]*usageSum{}
		groups, err := queryRows(ctx, tx, func(s rowScanner) (string, error) {
			var r string
			return r, s.Scan(&r)
		}, `SELECT records FROM usage_groups WHERE org_id = $1 AND entitlement_id = $2 AND status = 'ACCEPTED'`, orgID, entitlementID)
		if err != nil {
			return err
		}
		for _, records := range groups {
			if err := eachUsageRecord(records, func(key, value string) error {
				if pending[key] == nil {
					pending[key] = &usageSum{}
				}
				return pending[key].add(value)
			}); err != nil {
				return err
			}
		}
		for k, s := range pending {
			if out.Pending[k], err = s.decimal(); err != nil {
				return err
			}
		}
		for k := range state.Dimensions {
			dim(k)
		}
		for _, k := range slices.Sorted(maps.Keys(dims)) {
			d := dims[k]
			t := dealdesk.DimensionTotals{DimensionKey: k, Metered: d.metered, Unsent: d.unsent, Failed: d.failed, Unknown: d.unknown,
				Carry: dealdesk.MustDecimal("0")}
			if m := state.Dimensions[k]; m != nil && m.Carry.IsSet() {
				t.Carry = m.Carry
			}
			for _, v := range []struct {
				dst *dealdesk.Decimal
				src decimal.Decimal
			}{{&t.Reported, d.reported}, {&t.CoveredByGrant, d.grant}, {&t.CoveredByCommit, d.commit}} {
				if *v.dst, err = dealdesk.ParseDecimal(v.src.String()); err != nil {
					return err
				}
			}
			out.Dimensions = append(out.Dimensions, t)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// dimensionSums adds up the metering records of one dimension.
type dimensionSums struct {
	reported, grant, commit          decimal.Decimal
	metered, unsent, failed, unknown int64
}
