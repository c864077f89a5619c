package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dealdesk/dealdesk"
)

// prefixUsageGroup is the prefix of a usage group list's cursor, which names the seq of the
// last group of a page (a group's id is its client's key; seq orders groups as they were stored).
const prefixUsageGroup = "usg"

// usageInsertChunk is how many rows one INSERT statement writes: a few thousand arguments, well
// below both engines' limits on the arguments of a statement (SQLite 32,766; PostgreSQL 65,535).
const usageInsertChunk = 1000

const usageGroupColumns = `seq, org_id, id, entitlement_id, timestamp, content_hash, records, status, metered_hour, created_at`

// usageGroupInsertColumns are the columns a new group is inserted with: seq is the database's.
const usageGroupInsertColumns = `org_id, id, entitlement_id, timestamp, content_hash, records, status, created_at`

// usageGroupRow is a usage group with its seq.
type usageGroupRow struct {
	*dealdesk.UsageGroup
	seq int64
}

func scanUsageGroup(s rowScanner) (*usageGroupRow, error) {
	g := &dealdesk.UsageGroup{}
	r := &usageGroupRow{UsageGroup: g}
	var records string
	err := s.Scan(&r.seq, &g.OrgID, &g.ID, &g.EntitlementID, timeCol{&g.Timestamp}, &g.ContentHash, &records,
		&g.Status, nullTimeCol{&g.MeteredHour}, timeCol{&g.CreatedAt})
	if err != nil {
		return nil, err
	}
	if g.Status == dealdesk.UsageAggregated && g.MeteredHour == nil {
		h := dealdesk.Hour(g.Timestamp) // counted in its own hour
		g.MeteredHour = &h
	}
	if g.Records, err = decodeUsageRecords(records); err != nil {
		return nil, err
	}
	return r, nil
}

// encodeUsageRecords writes a group's quantities as stored: a JSON object of decimal strings in
// key order, each with the scale it was reported with. Keys are dimension keys (letters, digits,
// '_', '.', '-'), which JSON needs no escapes for.
func encodeUsageRecords(records map[string]dealdesk.Decimal) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range slices.Sorted(maps.Keys(records)) {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('"')
		b.WriteString(k)
		b.WriteString(`":"`)
		b.WriteString(records[k].String())
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String()
}

// decodeUsageRecords reads what encodeUsageRecords wrote.
func decodeUsageRecords(s string) (map[string]dealdesk.Decimal, error) {
	out := map[string]dealdesk.Decimal{}
	err := eachUsageRecord(s, func(key, value string) error {
		d, err := dealdesk.ParseDecimal(value)
		if err != nil {
			return err
		}
		out[key] = d
		return nil
	})
	return out, err
}

// eachUsageRecord calls fn with each key and quantity text of records as encodeUsageRecords
// wrote them, without decoding JSON: the close of an hour reads a million of them.
func eachUsageRecord(records string, fn func(key, value string) error) error {
	s, ok1 := strings.CutPrefix(records, "{")
	s, ok2 := strings.CutSuffix(s, "}")
	if !ok1 || !ok2 {
		return errors.New("sqldb: bad stored usage records: " + strconv.Quote(dealdesk.Clip(records, 80)))
	}
	for s != "" {
		var item string
		item, s, _ = strings.Cut(s, ",")
		k, v, ok := strings.Cut(item, ":")
		if !ok || len(k) < 2 || len(v) < 2 || k[0] != '"' || k[len(k)-1] != '"' || v[0] != '"' || v[len(v)-1] != '"' {
			return errors.New("sqldb: bad stored usage records: " + strconv.Quote(dealdesk.Clip(records, 80)))
		}
		if err := fn(k[1:len(k)-1], v[1:len(v)-1]); err != nil {
			return err
		}
	}
	return nil
}

// usageCheck holds what a batch of usage looked up once per entitlement and product.
type usageCheck struct {
	tx           *sql.Tx
	orgID        string
	entitlements map[string]*dealdesk.Entitlement // nil: not the organization's
	products     map[string]*dealdesk.Product
	closed       map[string]*time.Time // meter_states.closed_through by entitlement id
}

// entitlement returns the organization's entitlement id, or nil.
func (c *usageCheck) entitlement(ctx context.Context, id string) (*dealdesk.Entitlement, error) {
	if e, ok := c.entitlements[id]; ok {
		return e, nil
	}
	r, err := optionalRow(scanEntitlement(c.tx.QueryRowContext(ctx, `SELECT `+entitlementColumns+` FROM entitlements
		WHERE org_id = $1 AND id = $2`, c.orgID, id)))
	if err != nil {
		return nil, err
	}
	var e *dealdesk.Entitlement
	if r != nil {
		e = r.Entitlement
	}
	c.entitlements[id] = e
	return e, nil
}

// closedThrough returns the newest hour closed of the entitlement id, or nil.
func (c *usageCheck) closedThrough(ctx context.Context, id string) (*time.Time, error) {
	if t, ok := c.closed[id]; ok {
		return t, nil
	}
	var closed *time.Time
	err := c.tx.QueryRowContext(ctx, `SELECT closed_through FROM meter_states WHERE org_id = $1 AND entitlement_id = $2`,
		c.orgID, id).Scan(nullTimeCol{&closed})
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	if c.closed == nil {
		c.closed = map[string]*time.Time{}
	}
	c.closed[id] = closed
	return closed, nil
}

// product returns the organization's product id, or nil.
func (c *usageCheck) product(ctx context.Context, id string) (*dealdesk.Product, error) {
	if p, ok := c.products[id]; ok {
		return p, nil
	}
	p, err := findProduct(ctx, c.tx, c.orgID, id)
	if err != nil {
		return nil, err
	}
	c.products[id] = p
	return p, nil
}

// check checks a usage group against the store: its entitlement is the organization's
// (ENOTFOUND), is active at the group's time and linked to the opportunity whose terms meter it,
// and the records name metered dimensions of its product (EINVALID naming the fields).
func (c *usageCheck) check(ctx context.Context, in *dealdesk.UsageGroupInput, prefix string) error {
	e, err := c.entitlement(ctx, in.EntitlementID)
	if err != nil {
		return err
	}
	if e == nil {
		return notFound("entitlement", in.EntitlementID)
	}
	var product *dealdesk.Product
	if e.ProductID != "" {
		if product, err = c.product(ctx, e.ProductID); err != nil {
			return err
		}
	}
	p := dealdesk.ErrorFields(dealdesk.CheckUsageAgainst(in, prefix, e, product))
	if len(p) == 0 {
		if final, ok := finalHour(e); ok {
			closed, err := c.closedThrough(ctx, e.ID)
			if err != nil {
				return err
			}
			if closed != nil && !closed.Before(final) {
				p = append(p, dealdesk.FieldError{Field: prefix + "timestamp", Message: fmt.Sprintf(
					"the entitlement's final hour was already metered: it ended at %s and its last hour (%s) is closed, so this usage can no longer reach AWS",
					e.EndTime.UTC().Format(time.RFC3339), final.Format(time.RFC3339))})
			}
		}
	}
	if e.OpportunityID == "" {
		p = append(p, dealdesk.FieldError{Field: prefix + "entitlementId",
			Message: "the entitlement is not linked to an opportunity of dealdesk's, whose terms decide what of its usage is metered"})
	}
	return dealdesk.Problems(p).Err()
}

// ReportUsage stores usage groups of the caller's organization, each on its own (see
// dealdesk.UsageService): a group whose id is stored already answers the stored group when its
// content is the same (ContentHash) and ECONFLICT otherwise, whatever its validity now; a new
// group is validated (ValidateUsageGroupInput within the metering window, then its entitlement
// and product) and stored ACCEPTED. Every group of the call is stored in one transaction, so
// what is answered stored is durable when ReportUsage returns, and an invalid group changes
// nothing. Fields are named without a prefix for a call of one group, and as "groups[i]." for
// a batch. The same id twice in one call is one report: the second gets the first's answer
// (not created), or ECONFLICT for other content. Timestamps are kept to the microsecond. New
// groups are inserted first, ON CONFLICT DO NOTHING, and only the groups refused or conflicting
// are looked up: a batch of new usage reads nothing back.
func (db *DB) ReportUsage(ctx context.Context, groups []dealdesk.UsageGroupInput) ([]dealdesk.UsageGroupResult, error) {
	orgID, err := dealdesk.RequireOrgID(ctx)
	if err != nil {
		return nil, err
	}
	if len(groups) > dealdesk.MaxUsageBatchGroups {
		var p dealdesk.Problems
		p.Add("groups", "at most %d usage groups are allowed in one call, got %d", dealdesk.MaxUsageBatchGroups, len(groups))
		return nil, p.Err()
	}
	now := db.now()
	oldest := db.window.OldestUsage(now)
	hashes := make([]string, len(groups))
	for i := range groups {
		hashes[i] = groups[i].Hash()
	}
	var results []dealdesk.UsageGroupResult
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		results = make([]dealdesk.UsageGroupResult, len(groups))
		c := &usageCheck{tx: tx, orgID: orgID, entitlements: map[string]*dealdesk.Entitlement{}, products: map[string]*dealdesk.Product{}}
		first := map[string]int{} // a group's id → the index of its first report in this call
		var fresh, lookup []int   // indexes of the groups to insert; of those refused, which may be stored
		for i := range groups {
			in := &groups[i]
			res := &results[i]
			res.ID = in.ID
			if _, ok := first[in.ID]; ok {
				continue // answered below, once the first is
			}
			first[in.ID] = i
			prefix := ""
			if len(groups) > 1 {
				prefix = "groups[" + strconv.Itoa(i) + "]."
			}
			err := dealdesk.ValidateUsageGroupInput(in, prefix, now, oldest)
			if err == nil {
				err = c.check(ctx, in, prefix)
			}
			switch code := dealdesk.ErrorCode(err); {
			case code == dealdesk.EINTERNAL:
				return err
			case err != nil:
				// A report stored before is answered as such, whatever its validity now.
				res.Err = err
				if in.ID != "" && dealdesk.ValidText(in.ID) {
					lookup = append(lookup, i)
				}
				continue
			}
			res.Group = &dealdesk.UsageGroup{ID: in.ID, OrgID: orgID, EntitlementID: in.EntitlementID,
				Timestamp: in.Timestamp.UTC().Truncate(time.Microsecond), Records: in.Records, Status: dealdesk.UsageAccepted,
				ContentHash: hashes[i], CreatedAt: now}
			res.Created = true
			fresh = append(fresh, i)
		}
		conflicted, err := db.insertUsageGroups(ctx, tx, orgID, results, fresh)
		if err != nil {
			return err
		}
		lookup = append(lookup, conflicted...)
		if err := db.answerStored(ctx, tx, orgID, results, lookup, hashes, conflicted); err != nil {
			return err
		}
		for i := range groups {
			if j := first[groups[i].ID]; j != i {
				results[i] = repeatedReport(results[j], groups[i].ID, hashes[i], hashes[j], j)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return results, nil
}

// sameReport is the answer for a report whose id is stored as g (hash: g's content hash):
// the stored group when the content is the same, ECONFLICT otherwise.
func sameReport(g *dealdesk.UsageGroup, id, hash, storedHash string) dealdesk.UsageGroupResult {
	if hash != storedHash {
		return dealdesk.UsageGroupResult{ID: id, Err: dealdesk.Errorf(dealdesk.ECONFLICT,
			"Usage group %q is stored already with other content: a usage group's id names one report; send new usage with a new id.", id)}
	}
	return dealdesk.UsageGroupResult{ID: id, Group: g}
}

// repeatedReport is the answer for a group whose id an earlier group j of the same call has:
// with the same content, j's answer (a group stored is then not created again); with other
// content, ECONFLICT.
func repeatedReport(first dealdesk.UsageGroupResult, id, hash, firstHash string, j int) dealdesk.UsageGroupResult {
	if hash != firstHash {
		return dealdesk.UsageGroupResult{ID: id, Err: dealdesk.Errorf(dealdesk.ECONFLICT,
			"Usage group %q repeats the id of groups[%d] with other content: a usage group's id names one report.", id, j)}
	}
	first.Created = false
	return first
}

// answerStored answers, as reports of the stored group (sameReport), the groups at the indexes
// lookup whose id is stored: groups refused, which a client may be retrying, and those
// conflicted (a concurrent call stored the id first), which must be stored.
func (db *DB) answerStored(ctx context.Context, tx *sql.Tx, orgID string, results []dealdesk.UsageGroupResult, lookup []int,
	hashes []string, conflicted []int) error {
	if len(lookup) == 0 {
		return nil
	}
	ids := make([]string, 0, len(lookup))
	for _, i := range lookup {
		ids = append(ids, results[i].ID)
	}
	stored, err := db.storedUsageGroups(ctx, tx, orgID, ids)
	if err != nil {
		return err
	}
	for _, i := range lookup {
		if g := stored[results[i].ID]; g != nil {
			results[i] = sameReport(g.UsageGroup, results[i].ID, hashes[i], g.ContentHash)
		}
	}
	for _, i := range conflicted {
		if stored[results[i].ID] == nil {
			return fmt.Errorf("sqldb: usage group %q conflicted on insert and is not stored", results[i].ID)
		}
	}
	return nil
}

// storedUsageGroups returns the organization's stored groups with the given ids, by id.
func (db *DB) storedUsageGroups(ctx context.Context, tx *sql.Tx, orgID string, ids []string) (map[string]*usageGroupRow, error) {
	out := map[string]*usageGroupRow{}
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), usageInsertChunk)]
		ids = ids[len(chunk):]
		args := make([]any, 0, len(chunk)+1)
		args = append(args, orgID)
		for _, id := range chunk {
			args = append(args, id)
		}
		var b strings.Builder
		b.WriteString(`SELECT ` + usageGroupColumns + ` FROM usage_groups WHERE org_id = `)
		db.dialect.params(&b, 0, 1)
		b.WriteString(` AND id IN (`)
		db.dialect.params(&b, 1, len(chunk))
		b.WriteString(`)`)
		rows, err := queryRows(ctx, tx, scanUsageGroup, b.String(), args...)
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			out[r.ID] = r
		}
	}
	return out, nil
}

// insertUsageGroups inserts the groups of results at the indexes fresh, usageInsertChunk to a
// statement, and returns the indexes of those whose id was stored already: by a concurrent call
// (PostgreSQL), or by an earlier one.
func (db *DB) insertUsageGroups(ctx context.Context, tx *sql.Tx, orgID string, results []dealdesk.UsageGroupResult, fresh []int) ([]int, error) {
	var conflicted []int
	for len(fresh) > 0 {
		chunk := fresh[:min(len(fresh), usageInsertChunk)]
		fresh = fresh[len(chunk):]
		var b strings.Builder
		args := make([]any, 0, len(chunk)*8)
		b.WriteString(`INSERT INTO usage_groups (` + usageGroupInsertColumns + `) VALUES `)
		for n, i := range chunk {
			g := results[i].Group
			if n > 0 {
				b.WriteString(", ")
			}
			b.WriteByte('(')
			db.dialect.params(&b, len(args), 8)
			b.WriteByte(')')
			args = append(args, orgID, g.ID, g.EntitlementID, db.dialect.timeArg(g.Timestamp), g.ContentHash,
				encodeUsageRecords(g.Records), g.Status, db.dialect.timeArg(g.CreatedAt))
		}
		b.WriteString(` ON CONFLICT (org_id, id) DO NOTHING RETURNING id`)
		inserted, err := queryRows(ctx, tx, func(s rowScanner) (string, error) {
			var id string
			return id, s.Scan(&id)
		}, b.String(), args...)
		if err != nil {
			return nil, err
		}
		if len(inserted) == len(chunk) {
			continue
		}
		done := make(map[string]bool, len(inserted))
		for _, id := range inserted {
			done[id] = true
		}
		for _, i := range chunk {
			if !done[results[i].ID] {
				conflicted = append(conflicted, i)
			}
		}
	}
	return conflicted, nil
}

// FindUsageGroups lists the organization's usage groups matching f, newest first, and the next
// page's cursor.
func (db *DB) FindUsageGroups(ctx context.Context, f dealdesk.UsageGroupFilter) ([]*dealdesk.UsageGroup, string, error) {
	orgID, err := dealdesk.RequireOrgID(ctx)
	if err != nil {
		return nil, "", err
	}
	var p dealdesk.Problems
	checkEnum(&p, "status", f.Status, dealdesk.UsageGroupStatuses)
	checkRange(&p, f.From, f.To)
	after, err := checkFilters(p, f.Cursor, prefixUsageGroup, map[string]string{"entitlementId": f.EntitlementID})
	if err != nil {
		return nil, "", err
	}
	var w where
	w.add("org_id = ?", orgID)
	if after != "" {
		seq, err := strconv.ParseInt(strings.TrimPrefix(after, prefixUsageGroup+"_"), 10, 64)
		if err != nil {
			p.Add("cursor", "is not a cursor returned by this list")
			return nil, "", p.Err()
		}
		w.add("seq < ?", seq)
	}
	w.eq("entitlement_id", f.EntitlementID)
	w.eq("status", string(f.Status))
	if f.From != nil {
		w.add("timestamp >= ?", db.dialect.timeArg(*f.From))
	}
	if f.To != nil {
		w.add("timestamp < ?", db.dialect.timeArg(*f.To))
	}
	rows, next, err := findPageBy(ctx, db.db, `SELECT `+usageGroupColumns+` FROM usage_groups`, "seq", &w, "", f.Limit, scanUsageGroup,
		func(r *usageGroupRow) string { return prefixUsageGroup + "_" + strconv.FormatInt(r.seq, 10) })
	if err != nil {
		return nil, "", err
	}
	out := make([]*dealdesk.UsageGroup, len(rows))
	for i, r := range rows {
		out[i] = r.UsageGroup
	}
	return out, next, nil
}

// checkRange adds to p a problem when a time range ends before it starts.
func checkRange(p *dealdesk.Problems, from, to *time.Time) {
	if from != nil && to != nil && to.Before(*from) {
		p.Add("to", "must not be before from")
	}
}
