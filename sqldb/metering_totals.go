package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/dealdesk/dealdesk"
)

// recordTotals are the running sums of one dimension's metering records, kept in
// meter_states.totals (migration 0012) by every close, in the transaction that stores the
// records: what the records reported and what the grant and the commit covered, in units.
type recordTotals struct {
	Reported        dealdesk.Decimal `json:"reported"`
	CoveredByGrant  dealdesk.Decimal `json:"coveredByGrant"`
	CoveredByCommit dealdesk.Decimal `json:"coveredByCommit"`
}

// add adds one record's numbers to t.
func (t *recordTotals) add(usage, grant, commit dealdesk.Decimal) error {
	for _, v := range []struct{ dst, src *dealdesk.Decimal }{{&t.Reported, &usage}, {&t.CoveredByGrant, &grant}, {&t.CoveredByCommit, &commit}} {
		sum := v.src.Decimal
		if v.dst.IsSet() {
			sum = v.dst.Decimal.Add(sum)
		}
		d, err := dealdesk.ParseDecimal(sum.String())
		if err != nil {
			return fmt.Errorf("sqldb: metering totals: %w", err)
		}
		*v.dst = d
	}
	return nil
}

// loadRecordTotals returns the entitlement's record totals by dimension key: as kept in its
// meter state, or, for a state kept before migration 0012 (totals NULL), added up from its
// records, with added true (the caller keeps them: the next close, or MeteringTotals through
// keepAddedTotals). No state: no record yet, empty totals.
func loadRecordTotals(ctx context.Context, tx *sql.Tx, orgID, entitlementID string) (totals map[string]*recordTotals, added bool, err error) {
	var kept sql.NullString
	err = tx.QueryRowContext(ctx, `SELECT totals FROM meter_states WHERE org_id = $1 AND entitlement_id = $2`,
		orgID, entitlementID).Scan(&kept)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return map[string]*recordTotals{}, false, nil
	case err != nil:
		return nil, false, err
	case kept.Valid:
		totals = map[string]*recordTotals{}
		if err := json.Unmarshal([]byte(kept.String), &totals); err != nil {
			return nil, false, fmt.Errorf("sqldb: metering totals of %s: %w", entitlementID, err)
		}
		return totals, false, nil
	}
	totals = map[string]*recordTotals{}
	rows, err := tx.QueryContext(ctx, `SELECT dimension_key, usage, covered_by_grant, covered_by_commit
		FROM metering_records WHERE org_id = $1 AND entitlement_id = $2`, orgID, entitlementID)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		var usage, grant, commit dealdesk.Decimal
		if err := rows.Scan(&k, &usage, &grant, &commit); err != nil {
			return nil, false, err
		}
		if totals[k] == nil {
			totals[k] = &recordTotals{}
		}
		if err := totals[k].add(usage, grant, commit); err != nil {
			return nil, false, err
		}
	}
	return totals, true, rows.Err()
}

// keepAddedTotals stores totals that loadRecordTotals added up from the records read in an
// earlier snapshot, unless a close has kept totals since (totals no longer NULL): a close
// writes them in the transaction that adds records, so NULL still means that no record was
// added after the snapshot, and the sums are right. A failure is left for the next read.
func (db *DB) keepAddedTotals(ctx context.Context, orgID, entitlementID string, totals map[string]*recordTotals) {
	b, err := json.Marshal(totals)
	if err != nil {
		return
	}
	_ = db.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE meter_states SET totals = $1 WHERE org_id = $2 AND entitlement_id = $3 AND totals IS NULL`,
			string(b), orgID, entitlementID)
		return err
	})
}

// saveRecordTotals writes the entitlement's record totals into its meter state (saved first).
func saveRecordTotals(ctx context.Context, tx *sql.Tx, orgID, entitlementID string, totals map[string]*recordTotals) error {
	b, err := json.Marshal(totals)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE meter_states SET totals = $1 WHERE org_id = $2 AND entitlement_id = $3`,
		string(b), orgID, entitlementID)
	return err
}

// MeteringTotals sums the metering of one entitlement of the caller's organization over its
// term, per dimension, all read in one snapshot: the usage reported and covered from the
// record totals its closes keep (loadRecordTotals), the units metered, waiting and failed
// counted by the database per dimension and status, the commit used and carries from its meter
// state, and the usage not yet aggregated. Its cost does not grow with the number of hours
// closed beyond one grouped count. ENOTFOUND for an entitlement that is not the organization's.
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
	var totals map[string]*recordTotals
	var added bool
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
		totals, added, err = loadRecordTotals(ctx, tx, orgID, entitlementID)
		if err != nil {
			return err
		}
		dims := map[string]*dealdesk.DimensionTotals{}
		dim := func(k string) *dealdesk.DimensionTotals {
			if dims[k] == nil {
				zero := dealdesk.MustDecimal("0")
				dims[k] = &dealdesk.DimensionTotals{DimensionKey: k, Reported: zero, CoveredByGrant: zero, CoveredByCommit: zero, Carry: zero}
			}
			return dims[k]
		}
		rows, err := tx.QueryContext(ctx, `SELECT dimension_key, status, maybe_metered, COUNT(*), COALESCE(SUM(quantity), 0)
			FROM metering_records WHERE org_id = $1 AND entitlement_id = $2 GROUP BY dimension_key, status, maybe_metered`, orgID, entitlementID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var k string
			var status dealdesk.MeteringRecordStatus
			var maybe bool
			var n, q int64
			if err := rows.Scan(&k, &status, &maybe, &n, &q); err != nil {
				return err
			}
			out.RecordsByStatus[status] += n
			d := dim(k)
			switch status {
			case dealdesk.MeteringSent:
				d.Metered += q
			case dealdesk.MeteringPending, dealdesk.MeteringSending:
				d.Unsent += q
			case dealdesk.MeteringNotMetered:
			case dealdesk.MeteringExpired:
				if maybe {
					d.Unknown += q
				} else {
					d.Failed += q
				}
			default:
				d.Failed += q
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		for k, t := range totals {
			d := dim(k)
			d.Reported, d.CoveredByGrant, d.CoveredByCommit = t.Reported, t.CoveredByGrant, t.CoveredByCommit
		}
		for k, m := range state.Dimensions {
			if d := dim(k); m.Carry.IsSet() {
				d.Carry = m.Carry
			}
		}
		if out.RecordsByStatus[dealdesk.MeteringPending] > 0 && e.ProductID != "" {
			probe := []*dealdesk.MeteringRecord{{EntitlementID: entitlementID, ProductID: e.ProductID, Status: dealdesk.MeteringPending}}
			if err := markWaiting(ctx, tx, orgID, probe); err != nil {
				return err
			}
			if probe[0].Waiting != "" {
				out.Waiting = fmt.Sprintf("%d pending record(s) wait: %s", out.RecordsByStatus[dealdesk.MeteringPending], probe[0].Waiting)
			}
		}
		if out.Pending, err = pendingUsage(ctx, tx, orgID, entitlementID); err != nil {
			return err
		}
		for _, k := range slices.Sorted(maps.Keys(dims)) {
			out.Dimensions = append(out.Dimensions, *dims[k])
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if added {
		db.keepAddedTotals(ctx, orgID, entitlementID, totals)
	}
	return out, nil
}

// pendingUsage sums, per dimension key, the entitlement's usage not aggregated yet (ACCEPTED
// groups, of hours not closed).
func pendingUsage(ctx context.Context, tx *sql.Tx, orgID, entitlementID string) (map[string]dealdesk.Decimal, error) {
	groups, err := queryRows(ctx, tx, func(s rowScanner) (string, error) {
		var r string
		return r, s.Scan(&r)
	}, `SELECT records FROM usage_groups WHERE org_id = $1 AND entitlement_id = $2 AND status = 'ACCEPTED'`, orgID, entitlementID)
	if err != nil {
		return nil, err
	}
	sums := map[string]*usageSum{}
	for _, records := range groups {
		if err := eachUsageRecord(records, func(key, value string) error {
			if sums[key] == nil {
				sums[key] = &usageSum{}
			}
			return sums[key].add(value)
		}); err != nil {
			return nil, err
		}
	}
	out := make(map[string]dealdesk.Decimal, len(sums))
	for k, s := range sums {
		d, err := s.decimal()
		if err != nil {
			return nil, err
		}
		out[k] = d
	}
	return out, nil
}
