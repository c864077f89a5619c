package sqldb_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/sqldb"
)

// tenantRefs are the references from one tenant row to another, as the schema declares them.
// Each is a composite key on org_id, so no row can point at another organization's row.
var tenantRefs = []struct {
	table, column, parent string
}{
	{"offers", "product_id", "products"},
	{"offers", "opportunity_id", "offers"},
	{"entitlements", "product_id", "products"},
	{"entitlements", "offer_id", "offers"},
	{"entitlements", "opportunity_id", "offers"},
	{"timeline_entries", "opportunity_id", "offers"},
	{"timeline_entries", "offer_id", "offers"},
	{"timeline_entries", "entitlement_id", "entitlements"},
	{"notifications", "timeline_entry_id", "timeline_entries"},
	{"notifications", "offer_id", "offers"},
	{"notifications", "entitlement_id", "entitlements"},
}

// orgRefTables are the tables whose org_id references organizations (id): the tenant itself.
var orgRefTables = []string{"api_keys", "aws_connections", "buyers", "entitlements", "inbound_endpoints", "inbox_events", "notifications",
	"offers", "products", "resellers", "timeline_entries", "users"}

// chain is one organization's rows: a product, an active opportunity, a CPPO offer made from it
// and an entitlement accepted from that offer, a timeline entry on each of the two and the
// notification of each entry.
type chain struct {
	ctx                                      context.Context
	product, opportunity, offer, entitlement string
	offerEntry, entitlementEntry             string // timeline entries
	offerNote, entitlementNote               string // notifications
}

func newChain(t *testing.T, db *sqldb.DB, name string) chain {
	t.Helper()
	ctx := newOrg(t, db, name)
	p := newProduct(t, db, ctx, "prod-"+name)
	opp := newOffer(t, db, ctx, p.ID)
	setStatus(t, db, opp.ID, dealdesk.OfferActive, "ra-"+name)
	at := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	o, err := db.SaveCPPOOffer(ctx, &dealdesk.Offer{ExternalID: "offer-" + name}, "ra-"+name,
		dealdesk.TimelineEntry{Kind: dealdesk.TimelineCPPOOfferCreated, At: at, Source: dealdesk.SourceEvent, SourceRef: "ev-1"})
	if err != nil {
		t.Fatal(err)
	}
	ent, err := db.SaveEntitlement(ctx, &dealdesk.Entitlement{ExternalID: "agmt-" + name}, "offer-"+name,
		dealdesk.TimelineEntry{Kind: dealdesk.TimelineAccepted, At: at, Source: dealdesk.SourceEvent, SourceRef: "ev-2"})
	if err != nil {
		t.Fatal(err)
	}
	if o.OpportunityID != opp.ID || ent.OfferID != o.ID || ent.OpportunityID != opp.ID || ent.ProductID != p.ID {
		t.Fatalf("chain of %s not linked: offer %+v, entitlement %+v", name, o, ent)
	}
	c := chain{ctx: ctx, product: p.ID, opportunity: opp.ID, offer: o.ID, entitlement: ent.ID}
	full, err := db.FindOfferChain(ctx, opp.ID)
	if err != nil || len(full.Timeline) != 2 || full.Timeline[0].SubjectID != o.ID || full.Timeline[1].SubjectID != ent.ID {
		t.Fatalf("timeline of %s: %s, %v", name, jsonOf(t, full), err)
	}
	c.offerEntry, c.entitlementEntry = full.Timeline[0].ID, full.Timeline[1].ID
	notes, _, err := db.FindNotifications(ctx, dealdesk.NotificationFilter{})
	if err != nil || len(notes) != 2 || notes[0].EntitlementID != ent.ID || notes[1].OfferID != o.ID {
		t.Fatalf("notifications of %s: %s, %v", name, jsonOf(t, notes), err)
	}
	c.entitlementNote, c.offerNote = notes[0].ID, notes[1].ID
	return c
}

// ref returns the ID of c's row that the reference table.column points at.
func (c chain) ref(table, column string) string {
	switch column {
	case "product_id":
		return c.product
	case "opportunity_id":
		return c.opportunity
	case "offer_id":
		return c.offer
	case "entitlement_id":
		return c.entitlement
	case "timeline_entry_id":
		return c.offerEntry
	}
	panic("no such reference " + table + "." + column)
}

// source returns the row of c in table that the test copies to test column: for a timeline
// entry or notification, the one about an entitlement when column is entitlement_id (an entry
// is about an offer or an entitlement, never both).
func (c chain) source(table, column string) string {
	switch table {
	case "entitlements":
		return c.entitlement
	case "timeline_entries":
		if column == "entitlement_id" {
			return c.entitlementEntry
		}
		return c.offerEntry
	case "notifications":
		if column == "entitlement_id" {
			return c.entitlementNote
		}
		return c.offerNote
	}
	return c.offer
}

func TestTenancyKeys(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, db *sqldb.DB, e engine) {
		a, b := newChain(t, db, "acme"), newChain(t, db, "globex")
		n := 0
		for _, ref := range tenantRefs {
			name := ref.table + "." + ref.column + " → " + ref.parent
			t.Run(name+": a raw insert pointing at another organization's row fails", func(t *testing.T) {
				n++
				err := copyRow(t, db, e.name, ref.table, a.source(ref.table, ref.column), n, ref.column, b.ref(ref.table, ref.column))
				wantForeignKey(t, db, err)
				n++
				if err := copyRow(t, db, e.name, ref.table, a.source(ref.table, ref.column), n, ref.column, a.ref(ref.table, ref.column)); err != nil {
					t.Fatalf("the same insert pointing at its own organization's row: %v", err)
				}
			})
			t.Run(name+": a raw update pointing at another organization's row fails", func(t *testing.T) {
				_, err := db.SQL().ExecContext(context.Background(), `UPDATE `+ref.table+` SET `+ref.column+` = $1 WHERE id = $2`,
					b.ref(ref.table, ref.column), a.source(ref.table, ref.column))
				wantForeignKey(t, db, err)
			})
		}
		t.Run("a raw insert into another organization fails", func(t *testing.T) {
			for _, table := range []string{"users", "api_keys"} {
				_, err := db.SQL().ExecContext(context.Background(), `INSERT INTO `+table+` (id, org_id, name, `+
					map[string]string{"users": "email, password_hash", "api_keys": "prefix, secret_hash"}[table]+
					`, created_at) VALUES ('x_1', 'org_none', 'n', 'a', 'b', $1)`, nowArg(e))
				wantForeignKey(t, db, err)
			}
		})
		t.Run("every reference of the schema is a composite tenant key and is tested here", func(t *testing.T) {
			var want []string
			for _, ref := range tenantRefs {
				want = append(want, fmt.Sprintf("%s(org_id,%s) → %s(org_id,id)", ref.table, ref.column, ref.parent))
			}
			for _, table := range orgRefTables {
				want = append(want, table+"(org_id) → organizations(id)")
			}
			// publications (keyed by offer, no id to copy by): TestPublicationTenantKey.
			want = append(want, "publications(org_id,offer_id) → offers(org_id,id)", "publications(org_id) → organizations(id)")
			// The usage and metering tables: TestUsageTenantKeys.
			want = append(want, usageTenantKeys...)
			slices.Sort(want)
			if got := foreignKeys(t, db, e.name); !slices.Equal(got, want) {
				t.Fatalf("the schema's references:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
		t.Run("the organizations' rows are as they were", func(t *testing.T) {
			for _, c := range []chain{a, b} {
				o, err := db.FindOfferByID(c.ctx, c.offer)
				if err != nil || o.ProductID != c.product || o.OpportunityID != c.opportunity {
					t.Fatalf("offer %+v, %v", o, err)
				}
			}
		})
	})
}

// nowArg is a creation time argument in the engine's encoding.
func nowArg(e engine) any {
	if e.name == sqldb.EngineSQLite {
		return e.clock.Now().Format("2006-01-02T15:04:05.000000000Z")
	}
	return e.clock.Now()
}

// wantForeignKey fails unless err is the engine's foreign-key violation, which stays the
// driver's error once mapped (EINTERNAL): only dealdesk itself writes these references.
func wantForeignKey(t *testing.T, db *sqldb.DB, err error) {
	t.Helper()
	if err == nil {
		t.Fatal("the write succeeded")
	}
	if !strings.Contains(strings.ToLower(err.Error()), "foreign key") {
		t.Fatalf("error %v is not a foreign-key violation", err)
	}
	wantCode(t, db.MapError(err), dealdesk.EINTERNAL)
}

// copyRow inserts a copy of row id of table, with a new ID, AWS identifier, timeline source
// reference and summary (made from n) and column set to value.
func copyRow(t *testing.T, db *sqldb.DB, engine, table, id string, n int, column, value string) error {
	t.Helper()
	cols := columns(t, db, engine, table)
	exprs := make([]string, len(cols))
	for i, c := range cols {
		switch c {
		case "id":
			exprs[i] = "$2"
		case "external_id", "source_ref", "summary":
			exprs[i] = "$3"
		case column:
			exprs[i] = "$4"
		default:
			exprs[i] = c
		}
	}
	_, err := db.SQL().ExecContext(context.Background(), `INSERT INTO `+table+` (`+strings.Join(cols, ", ")+`) SELECT `+
		strings.Join(exprs, ", ")+` FROM `+table+` WHERE id = $1`, id, fmt.Sprintf("x_copy%d", n), fmt.Sprintf("copy-%d", n), value)
	return err
}

// columns lists the columns of table in order.
func columns(t *testing.T, db *sqldb.DB, engine, table string) []string {
	t.Helper()
	q := `SELECT name FROM pragma_table_info($1) ORDER BY cid`
	if engine == sqldb.EnginePostgres {
		q = `SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`
	}
	cols := stringRows(t, db, q, table)
	if len(cols) == 0 {
		t.Fatalf("table %s has no columns", table)
	}
	return cols
}

// foreignKeys lists the schema's foreign keys as "table(cols) → parent(cols)", sorted, without
// River's tables.
func foreignKeys(t *testing.T, db *sqldb.DB, engine string) []string {
	t.Helper()
	q := `SELECT m.name || '(' || group_concat(f."from", ',') || ') → ' || f."table" || '(' || group_concat(f."to", ',') || ')'
		FROM sqlite_schema m, pragma_foreign_key_list(m.name) f
		WHERE m.type = 'table' AND m.name NOT LIKE 'river%' GROUP BY m.name, f.id`
	if engine == sqldb.EnginePostgres {
		q = `SELECT c.conrelid::regclass::text || '(' ||
			array_to_string(ARRAY(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY k(n, i)
				JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.i), ',') || ') → ' ||
			c.confrelid::regclass::text || '(' ||
			array_to_string(ARRAY(SELECT a.attname FROM unnest(c.confkey) WITH ORDINALITY k(n, i)
				JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.i), ',') || ')'
			FROM pg_constraint c WHERE c.contype = 'f' AND c.connamespace = current_schema()::regnamespace
			AND c.conrelid::regclass::text NOT LIKE 'river%'`
	}
	fks := stringRows(t, db, q)
	slices.Sort(fks)
	return fks
}

// stringRows runs a query of one text column.
func stringRows(t *testing.T, db *sqldb.DB, q string, args ...any) []string {
	t.Helper()
	rows, err := db.SQL().QueryContext(context.Background(), q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
