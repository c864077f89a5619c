package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
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
// process's own goroutines. With mustExist, a file that does not exist is an error and is not
// created (SQLite's mode=rw as well, should it vanish between the check and the open).
func openSQLite(path string, mustExist bool) (*sql.DB, *dialect, riverdriver.Driver[*sql.Tx], error) {
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
	if mustExist {
		if _, err := os.Stat(path); err != nil {
			return nil, nil, nil, fmt.Errorf("sqldb: no SQLite database %s (%w): check --db; this command does not create one: 'dealdesk serve' creates and migrates it on its first start",
				RedactDSN(path), errors.Unwrap(err))
		}
		q.Set("mode", "rw")
	}
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
		readTx: &sql.TxOptions{ReadOnly: true}, checkForeignKeys: true, anonymousParams: true,
		lowerASCII: `LOWER(%s)`}
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

// checkForeignKeys refuses a SQLite database whose rows break a foreign key, naming each child
// and parent table and how many rows: SQLite enforces foreign keys only on connections that ran
// PRAGMA foreign_keys=ON, as dealdesk's do and the sqlite3 shell's and other tools' do not, so
// such a tool may have written rows that point at nothing or across organizations (decision 005).
// The check reads every row that holds a reference, once, at start-up.
func (db *DB) checkForeignKeys(ctx context.Context) error {
	rows, err := db.db.QueryContext(ctx, `SELECT "table", parent, COUNT(*) FROM pragma_foreign_key_check GROUP BY 1, 2 ORDER BY 1, 2`)
	if err != nil {
		return fmt.Errorf("sqldb: check foreign keys: %w", err)
	}
	defer rows.Close()
	var broken []string
	for rows.Next() {
		var table, parent string
		var n int
		if err := rows.Scan(&table, &parent, &n); err != nil {
			return fmt.Errorf("sqldb: check foreign keys: %w", err)
		}
		broken = append(broken, fmt.Sprintf("%d rows of %s refer to %s rows that do not exist", n, table, parent))
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqldb: check foreign keys: %w", err)
	}
	if len(broken) > 0 {
		return fmt.Errorf("sqldb: the SQLite database breaks its foreign keys: %s; a tool that writes without PRAGMA foreign_keys=ON did this: find the rows with PRAGMA foreign_key_check and repair them before starting dealdesk",
			strings.Join(broken, "; "))
	}
	return nil
}
