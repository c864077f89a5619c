package sqldb_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dealdesk/dealdesk/sqldb"
)

func TestMigrations(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, db *sqldb.DB, e engine) {
		ctx := context.Background()
		t.Run("records every version once", func(t *testing.T) {
			if n := count(t, db, "schema_migrations", ""); n != sqldb.SchemaVersion() || n < 1 {
				t.Fatalf("schema_migrations has %d rows, want %d", n, sqldb.SchemaVersion())
			}
			if n := count(t, db, "river_migration", ""); n < 1 {
				t.Fatalf("river_migration has %d rows: River's migrations did not run", n)
			}
		})
		t.Run("opening again keeps the data", func(t *testing.T) {
			if _, err := db.CreateOrganization(ctx, "Before reopen"); err != nil {
				t.Fatal(err)
			}
			again := e.open(t)
			if n, err := again.CountOrganizations(ctx); err != nil || n != 1 {
				t.Fatalf("after reopening: %d organizations, %v", n, err)
			}
			if n := count(t, again, "schema_migrations", ""); n != sqldb.SchemaVersion() {
				t.Fatalf("reopening changed schema_migrations to %d rows", n)
			}
		})
		t.Run("dollar placeholders bind by number", func(t *testing.T) {
			var a, b string
			if err := db.SQL().QueryRowContext(ctx, `SELECT $2 || 'x', $1 || 'y'`, "one", "two").Scan(&a, &b); err != nil {
				t.Fatal(err)
			}
			if a != "twox" || b != "oney" {
				t.Fatalf("got %q %q, want twox oney", a, b)
			}
		})
		t.Run("a newer schema is refused", func(t *testing.T) {
			if _, err := db.SQL().ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
				sqldb.SchemaVersion()+1, "9999_future.sql", "2030-01-01T00:00:00.000000000Z"); err != nil {
				t.Fatal(err)
			}
			_, err := sqldb.Open(ctx, e.dsn, e.options(t))
			if err == nil || !strings.Contains(err.Error(), "newer") && !strings.Contains(err.Error(), "upgrade dealdesk") {
				t.Fatalf("Open of a newer schema: err = %v, want a refusal", err)
			}
		})
	})
}

func TestSQLiteSettings(t *testing.T) {
	t.Parallel()
	e := newSQLiteEngine(t)
	db := e.open(t)
	ctx := context.Background()
	for _, tt := range []struct{ pragma, want string }{
		{"journal_mode", "wal"},
		{"foreign_keys", "1"},
		{"synchronous", "2"}, // FULL
		{"busy_timeout", "10000"},
	} {
		t.Run(tt.pragma, func(t *testing.T) {
			var got string
			if err := db.SQL().QueryRowContext(ctx, "PRAGMA "+tt.pragma).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Fatalf("PRAGMA %s = %s, want %s", tt.pragma, got, tt.want)
			}
		})
	}
	if db.Engine() != sqldb.EngineSQLite {
		t.Fatalf("Engine() = %q", db.Engine())
	}
	if err := db.Ping(ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}
}

func TestSQLitePathIsTakenLiterally(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"deals#2.db", "deal%20desk.db", "Überweisung 東京.db"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			e := engine{name: sqldb.EngineSQLite, dsn: filepath.Join(dir, name), clock: newTestClock()}
			db := e.open(t)
			var fk string
			if err := db.SQL().QueryRow("PRAGMA foreign_keys").Scan(&fk); err != nil || fk != "1" {
				t.Fatalf("foreign_keys = %q, %v: the options were lost", fk, err)
			}
			if _, err := os.Stat(e.dsn); err != nil {
				entries, _ := os.ReadDir(dir)
				var names []string
				for _, en := range entries {
					names = append(names, en.Name())
				}
				t.Fatalf("%v; the directory holds %v", err, names)
			}
		})
	}
}

func TestMigrationsInStep(t *testing.T) {
	t.Parallel()
	names := func(dir string) []string {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range entries {
			out = append(out, e.Name())
		}
		return out
	}
	lite, pg := names("migrations/sqlite"), names("migrations/postgres")
	if fmt.Sprint(lite) != fmt.Sprint(pg) || len(lite) != sqldb.SchemaVersion() {
		t.Fatalf("SQLite migrations %v, PostgreSQL migrations %v, schema version %d", lite, pg, sqldb.SchemaVersion())
	}
}

func TestConcurrentOpens(t *testing.T) {
	t.Parallel()
	for _, newEngine := range []func(testing.TB) engine{newSQLiteEngine, newPostgresEngine} {
		e := newEngine(t)
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			// Replicas (or serve and an admin command) starting together on a fresh database.
			const n = 4
			errs := make(chan error, n)
			dbs := make(chan *sqldb.DB, n)
			for i := 0; i < n; i++ {
				go func() {
					db, err := sqldb.Open(context.Background(), e.dsn, e.options(t))
					errs <- err
					dbs <- db
				}()
			}
			for i := 0; i < n; i++ {
				if err := <-errs; err != nil {
					t.Errorf("concurrent Open: %v", err)
				}
				if db := <-dbs; db != nil {
					defer db.Close()
				}
			}
			if t.Failed() {
				return
			}
			db := e.open(t)
			if v := count(t, db, "schema_migrations", ""); v != sqldb.SchemaVersion() {
				t.Fatalf("schema_migrations has %d rows, want %d", v, sqldb.SchemaVersion())
			}
		})
	}
}
