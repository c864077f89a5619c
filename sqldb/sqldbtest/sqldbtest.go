// Package sqldbtest gives tests real, empty databases of both engines: a fresh SQLite file or a
// fresh PostgreSQL database per test, and ForEachEngine to run a test on each. Every package
// whose tests need a real store uses it, so there is one way to make a test database.
//
// PostgreSQL is the server named by DEALDESK_TEST_POSTGRES_URL, by default the local one
// (DefaultPostgresURL). Each test gets a database of its own, dropped when it ends, so tests run
// in parallel without seeing each other's rows. A PostgreSQL server that cannot be reached fails
// the test: it is never skipped.
package sqldbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"golang.org/x/crypto/bcrypt"

	"github.com/dealdesk/dealdesk/sqldb"
)

// EnvPostgresURL names the environment variable holding the URL of the PostgreSQL server tests
// use; the URL's database is only used to create and drop the tests' databases.
const EnvPostgresURL = "DEALDESK_TEST_POSTGRES_URL"

// DefaultPostgresURL is the server tests use when EnvPostgresURL is not set.
const DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// Engines are the engine names (sqldb.EngineSQLite, sqldb.EnginePostgres) in the order
// ForEachEngine runs them.
var Engines = []string{sqldb.EngineSQLite, sqldb.EnginePostgres}

// ForEachEngine runs fn as a parallel subtest named after each engine ("sqlite", "postgres").
// fn makes its database with DSN(t, engine).
func ForEachEngine(t *testing.T, fn func(t *testing.T, engine string)) {
	t.Helper()
	for _, engine := range Engines {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			fn(t, engine)
		})
	}
}

// DSN returns the DSN of a fresh, empty database of engine for this test: SQLiteDSN or
// PostgresDSN. Another engine name fails the test.
func DSN(t testing.TB, engine string) string {
	t.Helper()
	switch engine {
	case sqldb.EngineSQLite:
		return SQLiteDSN(t)
	case sqldb.EnginePostgres:
		return PostgresDSN(t)
	}
	t.Fatalf("sqldbtest: unknown engine %q: want %q or %q", engine, sqldb.EngineSQLite, sqldb.EnginePostgres)
	return ""
}

// SQLiteDSN returns the path of a SQLite file, not yet created, in the test's temporary
// directory, which is removed when the test ends.
func SQLiteDSN(t testing.TB) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "dealdesk.db")
}

// PostgresDSN creates an empty database dd_test_<random> on the test server and returns its
// URL; the database is dropped when the test ends. An unreachable server fails the test.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	base := postgresURL()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("sqldbtest: %s: %v", EnvPostgresURL, err)
	}
	admin, err := adminPool(base)
	if err != nil {
		t.Fatalf("sqldbtest: open PostgreSQL at %s: %v", u.Redacted(), err)
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	name := "dd_test_" + hex.EncodeToString(b[:])
	if _, err := admin.ExecContext(context.Background(), "CREATE DATABASE "+name); err != nil {
		t.Fatalf("sqldbtest: PostgreSQL at %s is needed (set %s to another server): %v", u.Redacted(), EnvPostgresURL, err)
	}
	t.Cleanup(func() {
		if _, err := admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("sqldbtest: drop database %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return u.String()
}

// postgresURL returns the test server's URL.
func postgresURL() string {
	if s := os.Getenv(EnvPostgresURL); s != "" {
		return s
	}
	return DefaultPostgresURL
}

var (
	adminMu    sync.Mutex
	adminPools = map[string]*sql.DB{}
)

// adminPool returns the process's pool on the server's administrative database, which creates
// and drops the tests' databases. It stays open until the process ends.
func adminPool(base string) (*sql.DB, error) {
	adminMu.Lock()
	defer adminMu.Unlock()
	if db, ok := adminPools[base]; ok {
		return db, nil
	}
	db, err := sql.Open("pgx", base)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(4)
	adminPools[base] = db
	return db, nil
}

// Options returns the options tests open a store with: bcrypt's lowest cost, so passwords hash
// fast, and a logger that writes warnings and errors into the test's output.
func Options(t testing.TB) sqldb.Options {
	return sqldb.Options{
		PasswordCost: bcrypt.MinCost,
		Logger:       slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})),
	}
}

// Open opens (and migrates) the store at dsn with opts and closes it when the test ends. Zero
// fields of opts take Options' values.
func Open(t testing.TB, dsn string, opts sqldb.Options) *sqldb.DB {
	t.Helper()
	def := Options(t)
	if opts.PasswordCost == 0 {
		opts.PasswordCost = def.PasswordCost
	}
	if opts.Logger == nil {
		opts.Logger = def.Logger
	}
	db, err := sqldb.Open(context.Background(), dsn, opts)
	if err != nil {
		t.Fatalf("sqldbtest: open %s store: %v", engineOf(dsn), err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// engineOf names the engine a DSN selects (the DSN itself when it selects none).
func engineOf(dsn string) string {
	engine, err := sqldb.DSNEngine(dsn)
	if err != nil {
		return sqldb.RedactDSN(dsn)
	}
	return engine
}

// AddCheck adds the CHECK constraint name (expr) to table of db, so that a test can make the
// store break a rule of the schema that its own code never breaks. SQLite cannot add a
// constraint with ALTER TABLE: its table definition is rewritten in sqlite_schema, which SQLite
// allows for CHECK constraints because they do not change how rows are stored.
func AddCheck(t testing.TB, db *sqldb.DB, table, name, expr string) {
	t.Helper()
	ctx := context.Background()
	if db.Engine() == sqldb.EnginePostgres {
		if _, err := db.SQL().ExecContext(ctx, `ALTER TABLE `+table+` ADD CONSTRAINT `+name+` CHECK (`+expr+`)`); err != nil {
			t.Fatalf("sqldbtest: add CHECK %s to %s: %v", name, table, err)
		}
		return
	}
	conn, err := db.SQL().Conn(ctx)
	if err != nil {
		t.Fatalf("sqldbtest: add CHECK %s to %s: %v", name, table, err)
	}
	defer conn.Close()
	var def string
	var version int
	steps := []func() error{
		func() error {
			return conn.QueryRowContext(ctx, `SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = $1`, table).Scan(&def)
		},
		func() error { return conn.QueryRowContext(ctx, `PRAGMA schema_version`).Scan(&version) },
		func() error { _, err := conn.ExecContext(ctx, `PRAGMA writable_schema = ON`); return err },
		func() error {
			def = strings.TrimSuffix(strings.TrimSpace(def), ")") + ",\n\tCONSTRAINT " + name + " CHECK (" + expr + ")\n)"
			_, err := conn.ExecContext(ctx, `UPDATE sqlite_schema SET sql = $1 WHERE type = 'table' AND name = $2`, def, table)
			return err
		},
		func() error {
			_, err := conn.ExecContext(ctx, `PRAGMA schema_version = `+strconv.Itoa(version+1))
			return err
		},
		func() error { _, err := conn.ExecContext(ctx, `PRAGMA writable_schema = OFF`); return err },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			t.Fatalf("sqldbtest: add CHECK %s to %s: %v", name, table, err)
		}
	}
}
