package sqldb_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/sqldb"
	"github.com/dealdesk/dealdesk/sqldb/sqldbtest"
)

// TestDriverErrors is the conformance test of the mapping of driver errors: both engines map
// the same violations to the same domain codes, and only the violation of a business key
// becomes a client error; a collision of IDs or a broken reference is dealdesk's bug.
func TestDriverErrors(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, db *sqldb.DB, e engine) {
		ctx := context.Background()
		org, err := db.CreateOrganization(ctx, "Acme")
		if err != nil {
			t.Fatal(err)
		}
		at := nowArg(e)
		for _, tt := range []struct {
			name  string
			code  string
			query string
			args  []any
		}{
			{"a duplicate primary key is internal", dealdesk.EINTERNAL,
				`INSERT INTO organizations (id, org_id, name, created_at) VALUES ($1, $1, 'Again', $2)`, []any{org.ID, at}},
			{"a product ID collision is internal, not a duplicate externalId", dealdesk.EINTERNAL,
				`INSERT INTO products (id, org_id, external_id, product_code, title, metering_identity, dimensions, created_at, updated_at)
				SELECT id, org_id, 'prod-2', product_code, title, metering_identity, dimensions, created_at, updated_at
				FROM products WHERE external_id = 'prod-1'`, nil},
			{"a duplicate business key is a conflict", dealdesk.ECONFLICT,
				`INSERT INTO products (id, org_id, external_id, product_code, title, metering_identity, dimensions, created_at, updated_at)
				SELECT 'prd_2', org_id, external_id, product_code, title, metering_identity, dimensions, created_at, updated_at
				FROM products WHERE external_id = 'prod-1'`, nil},
			{"a reference to a missing row is internal", dealdesk.EINTERNAL,
				`INSERT INTO users (id, org_id, email, name, password_hash, created_at) VALUES ('usr_1', 'org_none', 'a@example.com', '', 'x', $1)`, []any{at}},
			{"a row of dealdesk's referring to a missing one is internal", dealdesk.EINTERNAL,
				`INSERT INTO entitlements (id, org_id, type, status, external_id, offer_id, offer_external_id, buyer_account_id,
					reseller_account_id, license_arn, customer_identifier, created_at, updated_at)
				VALUES ('ent_1', $1, 'CPPO', 'ACTIVE', 'agmt-1', 'off_none', '', '', '', '', '', $2, $2)`, []any{org.ID, at}},
			{"a CHECK violation is internal", dealdesk.EINTERNAL,
				`INSERT INTO organizations (id, org_id, name, created_at) VALUES ('org_a', 'org_b', 'Odd', $1)`, []any{at}},
			{"a NOT NULL violation is internal", dealdesk.EINTERNAL,
				`INSERT INTO organizations (id, org_id, name, created_at) VALUES ('org_c', 'org_c', NULL, $1)`, []any{at}},
			{"a value of the wrong type is internal", dealdesk.EINTERNAL,
				`INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES ($1, 'x', 'x', 'x')`, []any{"not a number"}},
		} {
			t.Run(tt.name, func(t *testing.T) {
				if count(t, db, "products", "") == 0 {
					newProduct(t, db, dealdesk.NewContextWithOrgID(ctx, org.ID), "prod-1")
				}
				err := db.ExecInTx(ctx, tt.query, tt.args...)
				if err == nil {
					t.Fatal("the statement succeeded")
				}
				wantCode(t, err, tt.code)
				var de *dealdesk.Error
				if tt.code == dealdesk.EINTERNAL && (errors.As(err, &de) || dealdesk.ErrorMessage(err) != "Internal error.") {
					t.Fatalf("a bug's error %v must reach the caller as the driver's error, shown as \"Internal error.\"", err)
				}
			})
		}
		t.Run("a store method breaking a CHECK is internal, not invalid", func(t *testing.T) {
			sqldbtest.AddCheck(t, db, "products", "products_title_not_provoked", "title <> 'Provoke a CHECK'")
			ctx := dealdesk.NewContextWithOrgID(ctx, org.ID)
			in := productInput("prod-check")
			in.Title = "Provoke a CHECK"
			_, err := db.CreateProduct(ctx, in)
			wantCode(t, err, dealdesk.EINTERNAL)
			in.Title = "Fine"
			if _, err := db.CreateProduct(ctx, in); err != nil {
				t.Fatalf("a product within the CHECK: %v", err)
			}
			_, err = db.CreateProduct(ctx, in)
			wantCode(t, err, dealdesk.ECONFLICT)
			if msg := dealdesk.ErrorMessage(err); msg != `A product with externalId "prod-check" already exists.` {
				t.Fatalf("message %q", msg)
			}
		})
	})
}

// TestBusinessKeys provokes, on both engines, a violation of every business key and a collision
// of every table's ID: each business key is ECONFLICT naming its field and not the value, each
// ID collision EINTERNAL. It also reads the schema's unique keys, so that a new one that is
// neither a business key nor one of dealdesk's own (id, (org_id, id), an API key's hash) fails.
func TestBusinessKeys(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, db *sqldb.DB, e engine) {
		ctx := newOrg(t, db, "Acme")
		orgID := dealdesk.OrgIDFromContext(ctx)
		product := newProduct(t, db, ctx, "prod-1")
		if _, err := db.SaveReseller(ctx, "123456789012", "Reseller"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SaveBuyer(ctx, "210987654321", "Buyer"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SaveCPPOOffer(ctx, &dealdesk.Offer{ExternalID: "offer-1", ProductID: product.ID}, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SaveEntitlement(ctx, &dealdesk.Entitlement{ExternalID: "agmt-1"}, "offer-1"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreateUser(context.Background(), orgID, "ana@example.com", "Ana", "correct horse battery"); err != nil {
			t.Fatal(err)
		}
		keys := sqldb.BusinessKeys()
		if len(keys) == 0 {
			t.Fatal("no business keys")
		}
		for _, k := range keys {
			t.Run(k.Table+" ("+k.Columns+") is a conflict naming "+k.Field, func(t *testing.T) {
				value := firstValue(t, db, k.Table, k.Columns)
				err := copyFirstRow(t, db, k.Table, map[string]string{"id": "'dup_1'"})
				wantCode(t, err, dealdesk.ECONFLICT)
				msg := dealdesk.ErrorMessage(err)
				if !strings.Contains(msg, k.Field) || strings.Contains(msg, value) {
					t.Fatalf("message %q: want the field %s named and the value %q not shown", msg, k.Field, value)
				}
			})
			t.Run(k.Table+" ID collision is internal", func(t *testing.T) {
				key := strings.TrimPrefix(k.Columns, "org_id, ")
				err := copyFirstRow(t, db, k.Table, map[string]string{key: "'another'"})
				wantCode(t, err, dealdesk.EINTERNAL)
			})
		}
		t.Run("every unique key of the schema is classified", func(t *testing.T) {
			business := map[string]bool{}
			for _, k := range keys {
				business[k.Table+" ("+k.Columns+")"] = true
			}
			found := uniqueKeys(t, db)
			for _, u := range found {
				table, cols, _ := strings.Cut(strings.TrimSuffix(u, ")"), " (")
				// dealdesk's own keys: IDs, and keys whose conflicts never reach a caller (an
				// idempotency key absorbed by ON CONFLICT DO NOTHING, or one taken under a key lock).
				own := cols == "id" || cols == "org_id, id" || slices.Contains([]string{
					"api_keys (secret_hash)",
					"aws_connections (org_id)",
					"inbox_events (org_id, event_id)",
					"inbound_endpoints (org_id)",            // absorbed by ON CONFLICT DO NOTHING
					"inbound_endpoints (org_key)",           // 256 random bits: never collides
					"publications (org_id, offer_id)",       // written by upsert (sqldb/publish.go)
					"usage_groups (seq)",                    // the database's own sequence
					"meter_states (org_id, entitlement_id)", // written by upsert under the entitlement's key lock
					// an hour of a dimension is closed once, under the entitlement's key lock: a
					// violation is a bug of the close, never a caller's conflict
					"metering_records (org_id, entitlement_id, dimension_key, hour)",
				}, u) || strings.HasPrefix(u, "timeline_entries (org_id, kind, source, ")
				if !own && !business[u] {
					t.Errorf("unique key %s is neither a business key (sqldb's businessKeys) nor one of dealdesk's own", u)
				}
				delete(business, table+" ("+cols+")")
			}
			if len(business) != 0 || len(found) < 10 {
				t.Fatalf("business keys missing from the schema: %v (the schema has %v)", business, found)
			}
		})
	})
}

// firstValue returns the value of the business key columns (the last one) of table's first row.
func firstValue(t *testing.T, db *sqldb.DB, table, columns string) string {
	t.Helper()
	cols := strings.Split(columns, ", ")
	var v string
	if err := db.SQL().QueryRow(`SELECT ` + cols[len(cols)-1] + ` FROM ` + table + ` ORDER BY id LIMIT 1`).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// copyFirstRow inserts, through the store's error mapping, a copy of table's first row with the
// columns of set replaced by SQL expressions, and returns the error.
func copyFirstRow(t *testing.T, db *sqldb.DB, table string, set map[string]string) error {
	t.Helper()
	rows, err := db.SQL().Query(`SELECT * FROM ` + table + ` LIMIT 0`)
	if err != nil {
		t.Fatal(err)
	}
	cols, err := rows.Columns()
	rows.Close()
	if err != nil {
		t.Fatal(err)
	}
	exprs := make([]string, len(cols))
	replaced := 0
	for i, c := range cols {
		exprs[i] = c
		if x, ok := set[c]; ok {
			exprs[i] = x
			replaced++
		}
	}
	if replaced != len(set) {
		t.Fatalf("table %s has columns %v, not all of %v", table, cols, set)
	}
	err = db.ExecInTx(context.Background(), `INSERT INTO `+table+` (`+strings.Join(cols, ", ")+`) SELECT `+
		strings.Join(exprs, ", ")+` FROM `+table+` WHERE id = (SELECT MIN(id) FROM `+table+`)`)
	if err == nil {
		t.Fatalf("the copy of a %s row was stored", table)
	}
	return err
}

// uniqueKeys lists the unique keys (primary keys included) of dealdesk's tables as
// "table (col, col)", read from the engine's catalog.
func uniqueKeys(t *testing.T, db *sqldb.DB) []string {
	t.Helper()
	q := `SELECT c.conrelid::regclass::text || ' (' || (SELECT string_agg(a.attname, ', ' ORDER BY k.ord)
			FROM unnest(c.conkey) WITH ORDINALITY AS k(n, ord)
			JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n) || ')'
		FROM pg_constraint c
		WHERE c.contype IN ('u', 'p') AND c.connamespace = 'public'::regnamespace
			AND c.conrelid::regclass::text NOT LIKE 'river%' AND c.conrelid::regclass::text <> 'schema_migrations'
		UNION ALL
		SELECT t.relname || ' (' || (SELECT string_agg(a.attname, ', ' ORDER BY k.ord)
			FROM unnest(i.indkey) WITH ORDINALITY AS k(n, ord)
			JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n) || ')'
		FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid JOIN pg_class x ON x.oid = i.indexrelid
		WHERE i.indisunique AND t.relnamespace = 'public'::regnamespace AND t.relname NOT LIKE 'river%'
			AND t.relname <> 'schema_migrations'
			AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)`
	if db.Engine() == sqldb.EngineSQLite {
		q = `SELECT m.name || ' (' || (SELECT group_concat(name, ', ') FROM (SELECT ii.name FROM pragma_index_info(il.name) ii ORDER BY ii.seqno)) || ')'
			FROM sqlite_schema m, pragma_index_list(m.name) il
			WHERE m.type = 'table' AND m.name NOT LIKE 'river%' AND m.name NOT LIKE 'sqlite%'
				AND m.name <> 'schema_migrations' AND il."unique" = 1`
	}
	rows, err := db.SQL().Query(q)
	if err != nil {
		t.Fatal(err)
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
