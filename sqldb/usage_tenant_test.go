package sqldb_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/dealdesk/dealdesk/sqldb"
)

// usageTenantKeys are the references of the usage and metering tables (migration 0007).
var usageTenantKeys = []string{
	"usage_groups(org_id) → organizations(id)",
	"usage_groups(org_id,entitlement_id) → entitlements(org_id,id)",
	"meter_states(org_id) → organizations(id)",
	"meter_states(org_id,entitlement_id) → entitlements(org_id,id)",
	"metering_records(org_id) → organizations(id)",
	"metering_records(org_id,entitlement_id) → entitlements(org_id,id)",
	"metering_records(org_id,product_id) → products(org_id,id)",
}

// TestUsageTenantKeys inserts, raw, a row of each usage and metering table of one organization
// that points at another organization's entitlement or product: each fails on the composite
// (org_id, x) key, and the same row pointing at its own organization's row is stored.
func TestUsageTenantKeys(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, db *sqldb.DB, e engine) {
		a, b := newUsageDeal(t, db, "acme", defaultTerms), newUsageDeal(t, db, "globex", defaultTerms)
		orgOf := func(d usageDeal) string {
			return stringRows(t, db, `SELECT org_id FROM entitlements WHERE id = $1`, d.entitlement)[0]
		}
		orgA := orgOf(a)
		now := nowArg(e)
		inserts := []struct {
			name  string
			query string
			args  func(n int, ent, product string) []any
		}{
			{"usage_groups.entitlement_id", `INSERT INTO usage_groups (org_id, id, entitlement_id, timestamp, content_hash, records,
				status, created_at) VALUES ($1, $2, $3, $4, 'h', '{}', 'ACCEPTED', $4)`,
				func(n int, ent, _ string) []any { return []any{orgA, fmt.Sprintf("g-%d", n), ent, now} }},
			{"meter_states.entitlement_id", `INSERT INTO meter_states (org_id, entitlement_id, commit_used, dimensions, closed_through,
				updated_at) VALUES ($1, $2, 0, '{}', NULL, $3)`,
				func(_ int, ent, _ string) []any { return []any{orgA, ent, now} }},
			{"metering_records.entitlement_id", meteringInsert, func(n int, ent, _ string) []any { return []any{fmt.Sprint(n), orgA, ent, a.product, now} }},
			{"metering_records.product_id", meteringInsert, func(n int, _, product string) []any { return []any{fmt.Sprint(n), orgA, a.entitlement, product, now} }},
		}
		n := 0
		for _, in := range inserts {
			t.Run(in.name+": a raw insert pointing at another organization's row fails", func(t *testing.T) {
				n++
				_, err := db.SQL().ExecContext(context.Background(), in.query, in.args(n, b.entitlement, b.product)...)
				wantForeignKey(t, db, err)
				n++
				if _, err := db.SQL().ExecContext(context.Background(), in.query, in.args(n, a.entitlement, a.product)...); err != nil {
					t.Fatalf("the same insert pointing at its own organization's row: %v", err)
				}
			})
		}
	})
}

// meteringInsert inserts a metering record: $1 a number making its ID and hour unique, $2 the
// organization, $3 the entitlement, $4 the product, $5 the time.
const meteringInsert = `INSERT INTO metering_records (id, org_id, entitlement_id, product_id, dimension_key, hour, usage,
	covered_by_grant, covered_by_commit, commit_amount, overage, carried_in, carried_out, quantity, status, attempts,
	metering_record_id, request, response, error, sent_at, claimed_at, created_at, updated_at)
	VALUES ('mtr_' || $1, $2, $3, $4, 'd' || $1, $5, 0, 0, 0, 0, 0, 0, 0, 0, 'PENDING', 0, '', NULL, NULL, '', NULL, NULL, $5, $5)`
