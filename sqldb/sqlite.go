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
		// Not quoted: a near-miss of a PostgreSQL URL could hold a password.
		return nil, nil, nil, errors.New("sqldb: the SQLite path holds '?', which would start SQLite's options: dealdesk sets them itself; use a file name without '?'")
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
		return nil, nil, nil, fmt.Errorf("sqldb: open SQLite %s: %w", RedactDSN(path), err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	// A deferred transaction reads one snapshot from its first read on (WAL).
	d := &dialect{name: EngineSQLite, textTimes: true, riverMigrationsInTx: true, violation: sqliteViolation,
		readTx: &sql.TxOptions{ReadOnly: true}}
	return db, d, riversqlite.New(db), nil
}

// sqliteViolation reads a constraint violation from SQLite's extended result code (decision
// 005). A primary key is never a business key; for another unique key SQLite's message lists the
// columns ("UNIQUE constraint failed: products.org_id, products.external_id"), which name the
// business key.
func sqliteViolation(err error) (violation, *businessKey) {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return noViolation, nil
	}
	switch e.Code() {
	case sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return uniqueViolation, nil
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE:
		_, cols, _ := strings.Cut(e.Error(), "UNIQUE constraint failed: ")
		if i := strings.LastIndex(cols, " ("); i >= 0 {
			cols = cols[:i] // modernc adds the code: "… (2067)"
		}
		for i, k := range businessKeys {
			if k.sqliteName() == cols {
				return uniqueViolation, &businessKeys[i]
			}
		}
		return uniqueViolation, nil
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return foreignKeyViolation, nil
	}
	return noViolation, nil
}
