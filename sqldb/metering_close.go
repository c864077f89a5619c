package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dealdesk/dealdesk"
)

// meterDimension is how a dimension's meter state is stored in meter_states.dimensions.
type meterDimension struct {
	GrantUsed dealdesk.Decimal `json:"grantUsed"`
	Carry     dealdesk.Decimal `json:"carry"`
}

// loadMeterState reads the entitlement's meter state; a new state when none is stored.
func loadMeterState(ctx context.Context, tx *sql.Tx, orgID, entitlementID string) (*dealdesk.MeterState, bool, error) {
	var dims string
	var closed *time.Time
	s := &dealdesk.MeterState{Dimensions: map[string]*dealdesk.DimensionMeter{}}
	err := tx.QueryRowContext(ctx, `SELECT commit_used, dimensions, closed_through FROM meter_states
		WHERE org_id = $1 AND entitlement_id = $2`, orgID, entitlementID).Scan(&s.CommitUsed, &dims, nullTimeCol{&closed})
	if errors.Is(err, sql.ErrNoRows) {
		s.CommitUsed = dealdesk.MustDecimal("0")
		return s, false, nil
	} else if err != nil {
		return nil, false, err
	}
	stored := map[string]meterDimension{}
	if err := json.Unmarshal([]byte(dims), &stored); err != nil {
		return nil, false, fmt.Errorf("sqldb: meter state of %s: %w", entitlementID, err)
	}
	for k, d := range stored {
		s.Dimensions[k] = &dealdesk.DimensionMeter{GrantUsed: d.GrantUsed, Carry: d.Carry}
	}
	if closed != nil {
		s.ClosedThrough = *closed
	}
	return s, true, nil
}

// saveMeterState writes the entitlement's meter state.
func (db *DB) saveMeterState(ctx context.Context, tx *sql.Tx, orgID, entitlementID string, s *dealdesk.MeterState, now time.Time) error {
	stored := map[string]meterDimension{}
	for k, d := range s.Dimensions {
		stored[k] = meterDimension{GrantUsed: d.GrantUsed, Carry: d.Carry}
	}
	dims, err := json.Marshal(stored)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO meter_states (org_id, entitlement_id, commit_used, dimensions, closed_through, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (org_id, entitlement_id) DO UPDATE SET commit_used = excluded.commit_used,
		dimensions = excluded.dimensions, closed_through = excluded.closed_through, updated_at = excluded.updated_at`,
		orgID, entitlementID, s.CommitUsed, string(dims), db.dialect.zeroTimeArg(s.ClosedThrough), db.dialect.timeArg(now))
	return err
}

// CloseUsageHours closes the organization's usage hours that end at or before closeBefore
// (see dealdesk.MeteringStore), one transaction per entitlement, and returns the records made.
// Per entitlement, the hours closed are those after its meter state's ClosedThrough up to the
// last hour that ends by closeBefore (by the end of the entitlement's last hour, once it
// ended): one statement marks its ACCEPTED usage of those hours and of hours closed before
// AGGREGATED (with metered_hour for the latter) and returns it, so a group stored while the close runs is not lost but waits,
// ACCEPTED, for the next close (decision 023). Usage of an hour already closed is counted in
// the first hour this close closes. Quantities are summed exactly in integer units and
// nano-units (at most 2^32 records of MaxUsageQuantity in one hour and dimension).
func (db *DB) CloseUsageHours(ctx context.Context, closeBefore time.Time, opts dealdesk.MeteringOptions) ([]*dealdesk.MeteringRecord, error) {
	orgID, err := dealdesk.RequireOrgID(ctx)
	if err != nil {
		return nil, err
	}
	if opts.Window <= 0 {
		opts.Window = db.window
	}
	now := db.now()
	query := `SELECT DISTINCT entitlement_id FROM usage_groups WHERE org_id = $1 AND status = 'ACCEPTED'`
	args := []any{orgID}
	if opts.ZeroRecords {
		query += ` UNION SELECT id FROM entitlements WHERE org_id = $1 AND opportunity_id IS NOT NULL AND product_id IS NOT NULL
			AND start_time IS NOT NULL AND start_time < $2 AND (end_time IS NULL OR end_time > $3)`
		args = append(args, db.dialect.timeArg(closeBefore), db.dialect.timeArg(opts.Window.Oldest(now)))
	}
	ids, err := queryRows(ctx, db.db, func(s rowScanner) (string, error) {
		var id string
		return id, s.Scan(&id)
	}, query, args...)
	if err != nil {
		return nil, err
	}
	slices.Sort(ids)
	var out []*dealdesk.MeteringRecord
	for _, id := range ids {
		recs, err := inTxValue(ctx, db.inTx, func(tx *sql.Tx) ([]*dealdesk.MeteringRecord, error) {
			return db.closeEntitlementHours(ctx, tx, orgID, id, closeBefore, now, opts)
		})
		if err != nil {
			return out, err
		}
		out = append(out, recs...)
	}
	return out, nil
}

// usageSum is an exact sum of quantities: whole units and nano-units (dealdesk.MaxUsagePlaces).
type usageSum struct{ units, nanos int64 }

// add adds the quantity written as s ("12", "0.25"; at most 9 decimals, validated at ingest).
func (u *usageSum) add(s string) error {
	whole, frac, _ := strings.Cut(s, ".")
	n, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || len(frac) > dealdesk.MaxUsagePlaces {
		return fmt.Errorf("sqldb: bad stored usage quantity %q", s)
	}
	var f int64
	if frac != "" {
		if f, err = strconv.ParseInt(frac, 10, 64); err != nil {
			return fmt.Errorf("sqldb: bad stored usage quantity %q", s)
		}
		for range dealdesk.MaxUsagePlaces - len(frac) {
			f *= 10
		}
	}
	if u.units > math.MaxInt64-n-1 {
		return errors.New("sqldb: usage of one hour and dimension exceeds what can be summed")
	}
	u.units += n
	u.nanos += f
	if u.nanos >= 1e9 {
		u.units, u.nanos = u.units+1, u.nanos-1e9
	}
	return nil
}

// decimal returns the sum, without trailing zeros.
func (u usageSum) decimal() (dealdesk.Decimal, error) {
	s := strconv.FormatInt(u.units, 10)
	if u.nanos != 0 {
		s += "." + strings.TrimRight(fmt.Sprintf("%09d", u.nanos), "0")
	}
	return dealdesk.ParseDecimal(s)
}

// closeEntitlementHours closes the hours of one entitlement in tx (see CloseUsageHours).
func (db *DB) closeEntitlementHours(ctx context.Context, tx *sql.Tx, orgID, entitlementID string, closeBefore, now time.Time,
	opts dealdesk.MeteringOptions) ([]*dealdesk.MeteringRecord, error) {
	// Closes of one entitlement take turns (on SQLite, transactions do).
	if err := db.lockKey(ctx, tx, "meter:"+orgID+":"+entitlementID); err != nil {
		return nil, err
	}
	er, err := optionalRow(scanEntitlement(tx.QueryRowContext(ctx, `SELECT `+entitlementColumns+` FROM entitlements
		WHERE org_id = $1 AND id = $2`, orgID, entitlementID)))
	if err != nil || er == nil || er.OpportunityID == "" || er.ProductID == "" {
		return nil, err // usage is only accepted for entitlements with both
	}
	e := er.Entitlement
	opp, err := db.findOffer(ctx, tx, orgID, e.OpportunityID, false)
	if err != nil {
		return nil, err
	}
	product, err := findProduct(ctx, tx, orgID, e.ProductID)
	if err != nil || product == nil {
		return nil, err
	}
	state, _, err := loadMeterState(ctx, tx, orgID, entitlementID)
	if err != nil {
		return nil, err
	}
	limit := closeBefore
	if e.EndTime != nil && !e.EndTime.After(now) {
		// An ended entitlement gets no more usage: its last hour closes at once.
		if end := ceilHour(*e.EndTime); end.After(limit) {
			limit = end
		}
	}
	last := dealdesk.Hour(limit.Add(-time.Hour))
	// No hour at or after an entitlement's end is ever closed: AWS would answer
	// CustomerNotSubscribed (decision 023, "Ended entitlements").
	if final, ok := finalHour(e); ok && last.After(final) {
		last = final
	}
	var first time.Time // the first hour this close may close; zero: the first with usage
	if !state.ClosedThrough.IsZero() {
		first = state.ClosedThrough.Add(time.Hour)
		if first.After(last) {
			if final, ok := finalHour(e); ok && !state.ClosedThrough.Before(final) {
				return nil, db.unmeterLateUsage(ctx, tx, orgID, e, final, now)
			}
			return nil, nil
		}
	}

	// Take the usage: one statement marks it and returns it (see CloseUsageHours).
	rows, err := tx.QueryContext(ctx, `UPDATE usage_groups SET status = 'AGGREGATED',
		metered_hour = CASE WHEN timestamp < $1 THEN $1 END
		WHERE org_id = $2 AND entitlement_id = $3 AND status = 'ACCEPTED' AND timestamp < $4 RETURNING timestamp, metered_hour, records`,
		db.dialect.timeArg(first), orgID, entitlementID, db.dialect.timeArg(last.Add(time.Hour)))
	if err != nil {
		return nil, err
	}
	sums := map[time.Time]map[string]*usageSum{}
	err = func() error {
		defer rows.Close()
		var ts time.Time
		var late *time.Time
		var records string
		for rows.Next() {
			if err := rows.Scan(timeCol{&ts}, nullTimeCol{&late}, &records); err != nil {
				return err
			}
			hour := dealdesk.Hour(ts)
			if late != nil {
				hour = *late
			}
			byKey := sums[hour]
			if byKey == nil {
				byKey = map[string]*usageSum{}
				sums[hour] = byKey
			}
			if err := eachUsageRecord(records, func(key, value string) error {
				s := byKey[key]
				if s == nil {
					s = &usageSum{}
					byKey[key] = s
				}
				return s.add(value)
			}); err != nil {
				return err
			}
		}
		return rows.Err()
	}()
	if err != nil {
		return nil, err
	}

	// The hours to close: those with usage and, for zero records, every hour of the range
	// in which the entitlement was active and whose record can still reach AWS.
	hours := make([]time.Time, 0, len(sums))
	for h := range sums {
		hours = append(hours, h)
	}
	var metered []string
	for _, d := range product.Dimensions {
		if d.Kind.Metered() && !d.Removed {
			metered = append(metered, d.Key)
		}
	}
	if opts.ZeroRecords && len(metered) > 0 && e.StartTime != nil {
		from := first
		if start := dealdesk.Hour(*e.StartTime); from.Before(start) {
			from = start
		}
		if oldest := dealdesk.Hour(opts.Window.Oldest(now)); from.Before(oldest) {
			from = oldest
		}
		for h := from; !h.After(last); h = h.Add(time.Hour) {
			if _, ok := sums[h]; !ok && (e.EndTime == nil || h.Before(*e.EndTime)) && opts.Window.Sendable(h, now) {
				hours = append(hours, h)
			}
		}
	}
	if len(hours) == 0 {
		return nil, nil
	}
	slices.SortFunc(hours, func(a, b time.Time) int { return a.Compare(b) })

	terms := dealdesk.TermsOf(opp.Offer)
	var recs []*dealdesk.MeteringRecord
	for _, h := range hours {
		usage := make(map[string]dealdesk.Decimal, len(sums[h]))
		for k, s := range sums[h] {
			if usage[k], err = s.decimal(); err != nil {
				return nil, err
			}
		}
		for _, c := range dealdesk.CoverHour(terms, state, h, usage, metered, opts.ZeroRecords) {
			status := dealdesk.MeteringPending
			if c.Quantity == 0 && !opts.ZeroRecords {
				status = dealdesk.MeteringNotMetered
			}
			recs = append(recs, &dealdesk.MeteringRecord{ID: dealdesk.NewID(dealdesk.PrefixMeteringRecord, now), OrgID: orgID,
				EntitlementID: entitlementID, ProductID: product.ID, DimensionKey: c.DimensionKey, Hour: h, Usage: c.Usage,
				CoveredByGrant: c.CoveredByGrant, CoveredByCommit: c.CoveredByCommit, CommitAmount: c.CommitAmount,
				Overage: c.Overage, CarriedIn: c.CarriedIn, CarriedOut: c.CarriedOut, Quantity: c.Quantity, Status: status,
				CreatedAt: now, UpdatedAt: now})
		}
	}
	state.ClosedThrough = last
	// The totals before these records (read before inserting them, so that a state kept before
	// migration 0012 adds up only the older records), then with them.
	totals, _, err := loadRecordTotals(ctx, tx, orgID, entitlementID)
	if err != nil {
		return nil, err
	}
	for _, r := range recs {
		if totals[r.DimensionKey] == nil {
			totals[r.DimensionKey] = &recordTotals{}
		}
		if err := totals[r.DimensionKey].add(r.Usage, r.CoveredByGrant, r.CoveredByCommit); err != nil {
			return nil, err
		}
	}
	if err := db.insertMeteringRecords(ctx, tx, recs); err != nil {
		return nil, err
	}
	if err := db.saveMeterState(ctx, tx, orgID, entitlementID, state, now); err != nil {
		return nil, err
	}
	return recs, saveRecordTotals(ctx, tx, orgID, entitlementID, totals)
}

// ceilHour returns the start of the first hour that begins at or after t.
func ceilHour(t time.Time) time.Time {
	h := dealdesk.Hour(t)
	if h.Before(t) {
		h = h.Add(time.Hour)
	}
	return h
}

// finalHour returns the start of the last hour of an entitlement that has an end: the hour
// that holds the last instant before EndTime. ok is false without an end.
func finalHour(e *dealdesk.Entitlement) (time.Time, bool) {
	if e.EndTime == nil {
		return time.Time{}, false
	}
	return dealdesk.Hour(e.EndTime.Add(-time.Nanosecond)), true
}

// unmeterLateUsage marks UNMETERED the usage of ended entitlement e still ACCEPTED after its
// final hour was closed (stored concurrently with that close, past the check at ingest), and
// notifies on the entitlement's timeline (METERING_FAILED): no hour is left to meter it in,
// since AWS takes one record per hour and none after the end. Decision 023, "Ended
// entitlements".
func (db *DB) unmeterLateUsage(ctx context.Context, tx *sql.Tx, orgID string, e *dealdesk.Entitlement, final, now time.Time) error {
	ids, err := queryRows(ctx, tx, func(s rowScanner) (string, error) {
		var id string
		return id, s.Scan(&id)
	}, `UPDATE usage_groups SET status = $1 WHERE org_id = $2 AND entitlement_id = $3 AND status = $4 RETURNING id`,
		dealdesk.UsageUnmetered, orgID, e.ID, dealdesk.UsageAccepted)
	if err != nil || len(ids) == 0 {
		return err
	}
	slices.Sort(ids)
	summary := fmt.Sprintf("%d usage group(s) came in after the entitlement's final hour (%s) was metered and can never reach AWS: UNMETERED (first: %q)",
		len(ids), final.Format(time.RFC3339), ids[0])
	entry := &dealdesk.TimelineEntry{OrgID: orgID, OpportunityID: e.OpportunityID, SubjectType: dealdesk.SubjectEntitlement,
		SubjectID: e.ID, Kind: dealdesk.TimelineMeteringFailed, At: now, Source: dealdesk.SourceCall,
		SourceRef: fmt.Sprintf("%s:%s@%s", dealdesk.UsageUnmetered, ids[0], now.Format(time.RFC3339Nano)),
		Summary:   dealdesk.Clip(summary, dealdesk.MaxTimelineSummaryLength)}
	_, _, err = db.addTimelineEntry(ctx, tx, entry)
	return err
}
