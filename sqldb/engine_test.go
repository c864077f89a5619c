package sqldb_test

import (
	"sync"
	"testing"
	"time"

	"github.com/dealdesk/dealdesk/sqldb"
	"github.com/dealdesk/dealdesk/sqldb/sqldbtest"
)

// testClock is a clock the tests move by hand. It stands still unless a test advances it, so
// rows created one after another may share a timestamp, as they do on a fast machine.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func newTestClock() *testClock {
	return &testClock{now: time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)}
}

// Now returns the current reading.
func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock on by d.
func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
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
	return sqldbtest.Open(t, e.dsn, e.options(t))
}

// forEachEngine runs fn as a parallel subtest on a fresh SQLite file and on a fresh PostgreSQL
// database (sqldbtest.ForEachEngine). An unreachable PostgreSQL fails the test.
func forEachEngine(t *testing.T, fn func(t *testing.T, db *sqldb.DB, e engine)) {
	t.Helper()
	sqldbtest.ForEachEngine(t, func(t *testing.T, name string) {
		e := newEngine(t, name)
		fn(t, e.open(t), e)
	})
}

// newEngine makes a fresh database of the named engine, with its own clock.
func newEngine(t testing.TB, name string) engine {
	t.Helper()
	return engine{name: name, dsn: sqldbtest.DSN(t, name), clock: newTestClock()}
}

func newSQLiteEngine(t testing.TB) engine   { return newEngine(t, sqldb.EngineSQLite) }
func newPostgresEngine(t testing.TB) engine { return newEngine(t, sqldb.EnginePostgres) }

// options returns the engine's clock and the test options of sqldbtest.
func (e engine) options(t testing.TB) sqldb.Options {
	opts := sqldbtest.Options(t)
	opts.Now = e.clock.Now
	return opts
}
