package sqldb_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	"golang.org/x/crypto/bcrypt"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/sqldb"
)

// defaultPostgresURL is the server the suite uses unless DEALDESK_TEST_POSTGRES_URL says otherwise.
const defaultPostgresURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// testClock is a clock the tests move by hand. Each reading advances it by a microsecond, so rows
// created one after another have increasing times.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func newTestClock() *testClock {
	return &testClock{now: time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)}
}

// Now returns the current reading and moves the clock on by a millisecond.
func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(time.Millisecond)
	return c.now
}

// Today returns the clock's date.
func (c *testClock) Today() dealdesk.Date {
	c.mu.Lock()
	defer c.mu.Unlock()
	return dealdesk.DateOf(c.now)
}

// engine is a fresh database of one engine.
type engine struct {
	name  string
	dsn   string
	clock *testClock
}

// open opens the engine's database with the engine's clock.
func (e engine) open(t testing.TB) *sqldb.DB {
	t.Helper()
	db, err := sqldb.Open(context.Background(), e.dsn, e.options(t))
	if err != nil {
		t.Fatalf("open %s: %v", e.name, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// forEachEngine runs fn as a parallel subtest on a fresh SQLite file and on a fresh PostgreSQL
// database. An unreachable PostgreSQL fails the test.
func forEachEngine(t *testing.T, fn func(t *testing.T, db *sqldb.DB, e engine)) {
	t.Helper()
	t.Run(sqldb.EngineSQLite, func(t *testing.T) {
		t.Parallel()
		e := newSQLiteEngine(t)
		fn(t, e.open(t), e)
	})
	t.Run(sqldb.EnginePostgres, func(t *testing.T) {
		t.Parallel()
		e := newPostgresEngine(t)
		fn(t, e.open(t), e)
	})
}

func newSQLiteEngine(t testing.TB) engine {
	return engine{name: sqldb.EngineSQLite, dsn: filepath.Join(t.TempDir(), "dealdesk.db"), clock: newTestClock()}
}

// newPostgresEngine creates a database dd_test_<random> and drops it when the test ends.
func newPostgresEngine(t testing.TB) engine {
	t.Helper()
	admin := os.Getenv("DEALDESK_TEST_POSTGRES_URL")
	if admin == "" {
		admin = defaultPostgresURL
	}
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("DEALDESK_TEST_POSTGRES_URL: %v", err)
	}
	pool, err := sql.Open("pgx", admin)
	if err != nil {
		t.Fatalf("postgres: %v", err)
	}
	defer pool.Close()
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "dd_test_" + hex.EncodeToString(b[:])
	ctx := context.Background()
	if _, err := pool.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("PostgreSQL at %s is needed for the storage suite: %v", u.Host, err)
	}
	t.Cleanup(func() {
		pool, err := sql.Open("pgx", admin)
		if err != nil {
			t.Errorf("drop %s: %v", name, err)
			return
		}
		defer pool.Close()
		if _, err := pool.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return engine{name: sqldb.EnginePostgres, dsn: u.String(), clock: newTestClock()}
}

// options returns the engine's clock and a logger that shows warnings in the test's output.
func (e engine) options(t testing.TB) sqldb.Options {
	return sqldb.Options{Now: e.clock.Now, PasswordCost: bcrypt.MinCost, Logger: slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))}
}
