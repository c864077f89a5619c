package sqldb

import (
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// sqliteBusyTimeoutMS is how long a statement waits for another process's write lock.
const sqliteBusyTimeoutMS = 10000

// openSQLite opens the SQLite file at path with WAL, foreign keys, a busy timeout, immediate
// transactions and synchronous=FULL. The pool holds one connection, as River recommends: SQLite
// runs one writer at a time anyway, and a single connection rules out SQLITE_BUSY between the
// process's own goroutines.
func openSQLite(path string) (*sql.DB, *dialect, riverdriver.Driver[*sql.Tx], error) {
	path = strings.TrimPrefix(path, "file:")
	if i := strings.IndexByte(path, '?'); i >= 0 {
		return nil, nil, nil, fmt.Errorf("sqldb: SQLite path %q must not carry options: dealdesk sets them", path)
	}
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", sqliteBusyTimeoutMS))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Set("_txlock", "immediate")
	// SQLite reads a file: URI's path with %-escapes and ends it at '#': escape both, so that
	// "deals#2.db" is that file and not "deals" without the options.
	uriPath := strings.NewReplacer("%", "%25", "#", "%23").Replace(path)
	db, err := sql.Open("sqlite", "file:"+uriPath+"?"+q.Encode())
	if err != nil {
		return nil, nil, nil, fmt.Errorf("sqldb: open SQLite %q: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	d := &dialect{name: EngineSQLite, textTimes: true, riverMigrationsInTx: true, mapError: mapSQLiteError}
	return db, d, riversqlite.New(db), nil
}

// mapSQLiteError is the one place that turns SQLite's errors into domain errors (decision 005):
// a unique or primary-key violation is ECONFLICT (see duplicateKey), a foreign-key violation
// EINVALID. Everything else, CHECK and NOT NULL violations and type mismatches included, is a
// bug of dealdesk's and comes back unchanged, so callers see EINTERNAL and it is logged.
func mapSQLiteError(err error) error {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return err
	}
	switch e.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return duplicateKey()
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return missingReference()
	}
	return err
}
