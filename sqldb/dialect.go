package sqldb

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"
)

// dialect is everything that differs between the engines once the SQL itself is shared. Both
// engines accept $1-style placeholders, ON CONFLICT and RETURNING, so queries are written once.
type dialect struct {
	name string
	// forUpdate locks the rows a SELECT reads until the transaction ends. SQLite needs no row
	// locks: its transactions are IMMEDIATE, so one writer runs at a time.
	forUpdate string
	// lockMigrations serialises concurrent Opens (several replicas starting) while they migrate,
	// River's migrations included; nil where the migration transaction itself is exclusive.
	lockMigrations func(ctx context.Context, db *sql.DB) (unlock func(), err error)
	// riverMigrationsInTx runs River's migrations in the same transaction as dealdesk's. SQLite
	// allows it; on PostgreSQL one River migration adds an enum value that a later one uses,
	// which cannot share a transaction.
	riverMigrationsInTx bool
	// lockKey takes a lock on the text $1 until the transaction ends, for writers that must take
	// turns on a row that may not exist yet; "" where transactions are exclusive anyway.
	lockKey string
	// checkForeignKeys runs PRAGMA foreign_key_check when the database is opened: SQLite checks
	// foreign keys only on connections that turned them on, which other tools do not.
	checkForeignKeys bool
	// textTimes stores times as fixed-width RFC 3339 text (SQLite) instead of TIMESTAMPTZ.
	textTimes bool
	// violation reads the constraint violation from a driver error, and for a unique violation
	// the business key it broke (nil for any other unique key).
	violation func(error) (violation, *businessKey)
	// readTx are the options of read-only transactions, whose statements must all see one
	// snapshot of the database.
	readTx *sql.TxOptions
	// anonymousParams writes the placeholders of statements with many arguments as "?", in
	// argument order: SQLite looks a "$n" up in a list of the names seen so far, which makes a
	// statement of thousands of "$n" take time that grows with their number squared.
	anonymousParams bool
	// lowerASCII is an expression, with %s for a text column, that lowers the ASCII letters A-Z
	// of the column and nothing else. SQLite's LOWER does just that; PostgreSQL's folds every
	// letter its locale knows, except under the "C" collation. Searches fold the same letters on
	// both engines so that they find the same rows.
	lowerASCII string
}

// params writes n placeholders for the arguments from+1 to from+n, separated by ", ".
func (d *dialect) params(b *strings.Builder, from, n int) {
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		if d.anonymousParams {
			b.WriteByte('?')
		} else {
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(from + i + 1))
		}
	}
}

// lockKey makes tx wait for, and then hold until it ends, the lock named key (see dialect.lockKey).
func (db *DB) lockKey(ctx context.Context, tx *sql.Tx, key string) error {
	if db.dialect.lockKey == "" {
		return nil
	}
	_, err := tx.ExecContext(ctx, db.dialect.lockKey, key)
	return err
}

// sqliteTimeLayout is RFC 3339 with a fixed nine-digit fraction, so that text order is time order.
const sqliteTimeLayout = "2006-01-02T15:04:05.000000000Z"

// timeArg encodes t as a query argument.
func (d *dialect) timeArg(t time.Time) any {
	t = t.UTC()
	if d.textTimes {
		return t.Format(sqliteTimeLayout)
	}
	return t
}

// nullTimeArg encodes an optional time, nil as NULL.
func (d *dialect) nullTimeArg(t *time.Time) any {
	if t == nil {
		return nil
	}
	return d.timeArg(*t)
}
