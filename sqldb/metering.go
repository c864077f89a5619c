package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"

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
