package sqldb_test

import (
	"context"
	"errors"
	"testing"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/sqldb"
	"github.com/dealdesk/dealdesk/sqldb/sqldbtest"
)

// TestDriverErrors is the conformance test of the mapping of driver errors: both engines map
// the same violations to the same domain codes, and only real conflicts become client errors.
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
			{"a duplicate primary key is a conflict", dealdesk.ECONFLICT,
				`INSERT INTO organizations (id, org_id, name, created_at) VALUES ($1, $1, 'Again', $2)`, []any{org.ID, at}},
			{"a duplicate unique key is a conflict", dealdesk.ECONFLICT,
				`INSERT INTO products (id, org_id, external_id, product_code, title, metering_identity, dimensions, created_at, updated_at)
				SELECT 'prd_2', org_id, external_id, product_code, title, metering_identity, dimensions, created_at, updated_at
				FROM products WHERE external_id = 'prod-1'`, nil},
			{"a reference to a missing row is invalid", dealdesk.EINVALID,
				`INSERT INTO users (id, org_id, email, name, password_hash, created_at) VALUES ('usr_1', 'org_none', 'a@example.com', '', 'x', $1)`, []any{at}},
			{"a CHECK violation is internal", dealdesk.EINTERNAL,
				`INSERT INTO organizations (id, org_id, name, created_at) VALUES ('org_a', 'org_b', 'Odd', $1)`, []any{at}},
			{"a NOT NULL violation is internal", dealdesk.EINTERNAL,
				`INSERT INTO organizations (id, org_id, name, created_at) VALUES ('org_c', 'org_c', NULL, $1)`, []any{at}},
			{"a value of the wrong type is internal", dealdesk.EINTERNAL,
				`INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES ($1, 'x', 'x', 'x')`, []any{"not a number"}},
		} {
			t.Run(tt.name, func(t *testing.T) {
				if tt.code == dealdesk.ECONFLICT && count(t, db, "products", "") == 0 {
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
		})
	})
}
