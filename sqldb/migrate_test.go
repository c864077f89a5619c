package sqldb_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/dealdesk/dealdesk/sqldb"
	"github.com/dealdesk/dealdesk/sqldb/sqldbtest"
)

func TestMigrations(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, db *sqldb.DB, e engine) {
		ctx := context.Background()
		version := schemaVersion(t, e.name)
		t.Run("records every version once", func(t *testing.T) {
			if n := count(t, db, "schema_migrations", ""); n != version || n < 1 {
				t.Fatalf("schema_migrations has %d rows, want %d", n, version)
			}
			if n := count(t, db, "river_migration", ""); n < 1 {
				t.Fatalf("river_migration has %d rows: River's migrations did not run", n)
			}
		})
		t.Run("records the SHA-256 of each file", func(t *testing.T) {
			b, err := os.ReadFile("migrations/" + e.name + "/0001_init.sql")
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(b)
			if n := count(t, db, "schema_migrations", "name = $1 AND checksum = $2", "0001_init.sql", hex.EncodeToString(sum[:])); n != 1 {
				t.Fatalf("schema_migrations does not record 0001_init.sql with its SHA-256 %x", sum)
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
			if n := count(t, again, "schema_migrations", ""); n != version {
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
		for _, tt := range []struct {
			name   string
			change func(fsys fstest.MapFS)
			want   []string
		}{
			{"an edited migration is refused, naming it", func(fsys fstest.MapFS) {
				f := fsys[e.name+"/0001_init.sql"]
				f.Data = append(append([]byte{}, f.Data...), "\nCREATE INDEX offers_name ON offers (name);\n"...)
			}, []string{"0001_init.sql", "changed after it was applied"}},
			{"a whitespace edit is refused too", func(fsys fstest.MapFS) {
				f := fsys[e.name+"/0001_init.sql"]
				f.Data = append(append([]byte{}, f.Data...), ' ')
			}, []string{"0001_init.sql", "changed after it was applied"}},
			{"a missing migration is refused, naming it", func(fsys fstest.MapFS) {
				fsys[e.name+"/0001_start.sql"] = fsys[e.name+"/0001_init.sql"]
				delete(fsys, e.name+"/0001_init.sql")
			}, []string{"0001_init.sql", "missing from this dealdesk"}},
			{"a migration removed from the middle is refused by its applied name", func(fsys fstest.MapFS) {
				delete(fsys, e.name+"/0001_init.sql")
			}, []string{"migration 0001_init.sql was applied", "missing from this dealdesk (it has no version 1)"}},
		} {
			t.Run(tt.name, func(t *testing.T) {
				fsys := copyMigrations(t)
				tt.change(fsys)
				_, err := sqldb.OpenWithMigrations(ctx, e.dsn, e.options(t), fsys)
				for _, want := range tt.want {
					if err == nil || !strings.Contains(err.Error(), want) {
						t.Fatalf("Open after the change: err = %v, want one saying %q", err, want)
					}
				}
				if n := count(t, db, "schema_migrations", ""); n != version {
					t.Fatalf("the refused Open changed schema_migrations to %d rows", n)
				}
			})
		}
		t.Run("a gap in a new database's migrations is refused, naming the file after it", func(t *testing.T) {
			fresh := newEngine(t, e.name)
			fsys := copyMigrations(t)
			delete(fsys, e.name+"/0001_init.sql")
			_, err := sqldb.OpenWithMigrations(ctx, fresh.dsn, fresh.options(t), fsys)
			if err == nil || !strings.Contains(err.Error(), "0002_api_key_revocation.sql: expected version 1") {
				t.Fatalf("Open with a gap: err = %v", err)
			}
		})
		t.Run("a newer schema is refused, naming its migration", func(t *testing.T) {
			newer := newEngine(t, e.name)
			fsys := copyMigrations(t)
			later := fmt.Sprintf("%04d_later.sql", version+1) // one past the binary's newest
			fsys[e.name+"/"+later] = &fstest.MapFile{Data: []byte("CREATE TABLE later (id INTEGER PRIMARY KEY);\n")}
			db, err := sqldb.OpenWithMigrations(ctx, newer.dsn, newer.options(t), fsys)
			if err != nil {
				t.Fatalf("open with a later migration: %v", err)
			}
			db.Close()
			_, err = sqldb.Open(ctx, newer.dsn, newer.options(t))
			if err == nil || !strings.Contains(err.Error(), later) || !strings.Contains(err.Error(), "upgrade dealdesk") {
				t.Fatalf("Open of a newer schema: err = %v, want a refusal naming %s", err, later)
			}
		})
	})
}

// schemaVersion returns sqldb.SchemaVersion(engine) or fails.
func schemaVersion(t *testing.T, engine string) int {
	t.Helper()
	v, err := sqldb.SchemaVersion(engine)
	if err != nil || v < 1 {
		t.Fatalf("SchemaVersion(%q) = %d, %v", engine, v, err)
	}
	return v
}

// migrationsBefore returns a copy of the embedded migrations without version and every later
// one: a binary of an older schema.
func migrationsBefore(t *testing.T, version int) fstest.MapFS {
	t.Helper()
	out := copyMigrations(t)
	for p := range out {
		if n, err := strconv.Atoi(strings.SplitN(path.Base(p), "_", 2)[0]); err != nil || n >= version {
			delete(out, p)
		}
	}
	return out
}

// copyMigrations returns a copy of the embedded migrations that a test may change.
func copyMigrations(t *testing.T) fstest.MapFS {
	t.Helper()
	out := fstest.MapFS{}
	err := fs.WalkDir(sqldb.BuiltinMigrations(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(sqldb.BuiltinMigrations(), p)
		out[p] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil || len(out) < 2 {
		t.Fatalf("copy migrations: %d files, %v", len(out), err)
	}
	return out
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
	if fmt.Sprint(lite) != fmt.Sprint(pg) {
		t.Fatalf("SQLite migrations %v, PostgreSQL migrations %v", lite, pg)
	}
	for _, tt := range []struct {
		engine string
		files  []string
	}{{sqldb.EngineSQLite, lite}, {sqldb.EnginePostgres, pg}} {
		if v, err := sqldb.SchemaVersion(tt.engine); err != nil || v != len(tt.files) {
			t.Errorf("SchemaVersion(%q) = %d, %v; the engine has %d migrations", tt.engine, v, err, len(tt.files))
		}
	}
	if v, err := sqldb.SchemaVersion("oracle"); err == nil || v != 0 {
		t.Errorf("SchemaVersion of an unknown engine = %d, %v; want an error", v, err)
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
			if v, want := count(t, db, "schema_migrations", ""), schemaVersion(t, e.name); v != want {
				t.Fatalf("schema_migrations has %d rows, want %d", v, want)
			}
		})
	}
}

// TestUserEmailMigration opens a database made with migrations up to 0002, when emails were
// unique across organizations, and migrates it: its users keep signing in, and the same email
// may then be used in another organization.
func TestUserEmailMigration(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, name string) {
		e := newEngine(t, name)
		ctx := context.Background()
		old := migrationsBefore(t, 3)
		db, err := sqldb.OpenWithMigrations(ctx, e.dsn, e.options(t), old)
		if err != nil {
			t.Fatal(err)
		}
		acme, err := db.CreateOrganization(ctx, "Acme")
		if err != nil {
			t.Fatal(err)
		}
		const password = "correct horse battery"
		u, err := db.CreateUser(ctx, acme.ID, "ana@example.com", "Ana", password)
		if err != nil {
			t.Fatal(err)
		}
		db.Close()
		db = e.open(t)
		if got, err := db.AuthenticateUser(ctx, "ana@example.com", password); err != nil || got.ID != u.ID || got.Name != "Ana" {
			t.Fatalf("after the migration: %+v, %v", got, err)
		}
		globex, err := db.CreateOrganization(ctx, "Globex")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreateUser(ctx, globex.ID, "ana@example.com", "Ana", "another long password"); err != nil {
			t.Fatalf("the same email in another organization after the migration: %v", err)
		}
	})
}

// TestMigrationsHaveNoCarriageReturns pins the bytes the checksums are taken over: a checkout
// that turned line endings into CRLF (core.autocrlf) would embed different bytes, and the
// binary would refuse every database migrated by another build. .gitattributes keeps
// sqldb/migrations/** out of any conversion.
func TestMigrationsHaveNoCarriageReturns(t *testing.T) {
	t.Parallel()
	n := 0
	err := fs.WalkDir(sqldb.BuiltinMigrations(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(sqldb.BuiltinMigrations(), p)
		if err != nil {
			return err
		}
		n++
		if i := bytes.IndexByte(b, '\r'); i >= 0 {
			t.Errorf("embedded migration %s holds a carriage return at byte %d", p, i)
		}
		return nil
	})
	if err != nil || n < 2 {
		t.Fatalf("read %d embedded migrations: %v", n, err)
	}
	attrs, err := os.ReadFile("../.gitattributes")
	if err != nil || !strings.Contains(string(attrs), "sqldb/migrations/** -text") {
		t.Fatalf(".gitattributes does not keep the migrations' bytes (%v):\n%s", err, attrs)
	}
}
