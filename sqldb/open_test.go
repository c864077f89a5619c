package sqldb_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dealdesk/dealdesk/sqldb"
	"github.com/dealdesk/dealdesk/sqldb/sqldbtest"
)

// TestOpenMustExist opens databases with Options.MustExist, as the admin commands do: only a
// database that exists with this binary's whole schema opens, and a refused one is left as it
// was, no file, table or migration added.
func TestOpenMustExist(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, name string) {
		ctx := context.Background()
		mustExist := func(e engine) sqldb.Options {
			opts := e.options(t)
			opts.MustExist = true
			return opts
		}
		t.Run("a migrated database opens", func(t *testing.T) {
			e := newEngine(t, name)
			e.open(t).Close()
			db, err := sqldb.Open(ctx, e.dsn, mustExist(e))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.CreateOrganization(ctx, "Acme"); err != nil {
				t.Fatal(err)
			}
		})
		t.Run("a database that does not exist or is empty is refused and left alone", func(t *testing.T) {
			e := newEngine(t, name)
			_, err := sqldb.Open(ctx, e.dsn, mustExist(e))
			want := "has no dealdesk schema"
			if name == sqldb.EngineSQLite {
				want = "no SQLite database " + e.dsn
			}
			if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "dealdesk serve") {
				t.Fatalf("err = %v, want one saying %q and how to create it", err, want)
			}
			if name == sqldb.EngineSQLite {
				if entries, err := os.ReadDir(filepath.Dir(e.dsn)); err != nil || len(entries) != 0 {
					t.Fatalf("the directory holds %v (%v), want nothing", entries, err)
				}
				return
			}
			pool, err := sql.Open("pgx", e.dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer pool.Close()
			var tables int
			if err := pool.QueryRow(`SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'`).Scan(&tables); err != nil || tables != 0 {
				t.Fatalf("%d tables (%v) in the refused database, want none", tables, err)
			}
		})
		t.Run("an older schema is refused and not migrated", func(t *testing.T) {
			e := newEngine(t, name)
			old := migrationsBefore(t, 3)
			db, err := sqldb.OpenWithMigrations(ctx, e.dsn, e.options(t), old)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			_, err = sqldb.Open(ctx, e.dsn, mustExist(e))
			if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("schema version 2 and this dealdesk needs %d", schemaVersion(t, name))) {
				t.Fatalf("err = %v, want the versions named", err)
			}
			if n := count(t, db, "schema_migrations", ""); n != 2 {
				t.Fatalf("schema_migrations has %d rows after the refused open, want 2", n)
			}
		})
	})
}

// TestOpenMustExistHidesThePassword refuses an empty PostgreSQL database named by a DSN with a
// password: the error names the DSN with the password hidden.
func TestOpenMustExistHidesThePassword(t *testing.T) {
	t.Parallel()
	e := newPostgresEngine(t)
	dsn := strings.Replace(e.dsn, "postgres@", "postgres:"+password+"@", 1)
	if dsn == e.dsn {
		t.Fatalf("no user info in %s to add a password to", sqldb.RedactDSN(e.dsn))
	}
	opts := e.options(t)
	opts.MustExist = true
	_, err := sqldb.Open(context.Background(), dsn, opts)
	if err == nil || strings.Contains(err.Error(), password) || !strings.Contains(err.Error(), "postgres:xxxxx@") {
		t.Fatalf("err = %v, want the DSN named with its password hidden", err)
	}
}

// TestForeignKeyCheckAtStartup writes, as the sqlite3 shell would (foreign keys off), a row that
// refers to nothing: the next Open refuses the database, naming the tables.
func TestForeignKeyCheckAtStartup(t *testing.T) {
	t.Parallel()
	e := newSQLiteEngine(t)
	e.open(t).Close()
	raw, err := sql.Open("sqlite", e.dsn)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`INSERT INTO users (id, org_id, email, name, password_hash, created_at)
		VALUES ('usr_1', 'org_none', 'a@example.com', '', 'x', 'x')`); err != nil {
		t.Fatalf("the write without foreign keys: %v", err)
	}
	raw.Close()
	_, err = sqldb.Open(context.Background(), e.dsn, e.options(t))
	if err == nil || !strings.Contains(err.Error(), "1 rows of users refer to organizations rows that do not exist") ||
		!strings.Contains(err.Error(), "foreign_keys=ON") {
		t.Fatalf("err = %v, want the broken reference named", err)
	}
}
