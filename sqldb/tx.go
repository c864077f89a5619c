package sqldb

import (
	"context"
	"database/sql"
	"errors"

	"github.com/dealdesk/dealdesk"
)

// inTx runs fn in one transaction and commits it when fn returns nil; any error rolls everything
// back, so a failed write stores nothing. Driver errors come back as domain errors.
func (db *DB) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return db.mapError(db.rawTx(ctx, fn))
}

// inTxValue runs fn in one transaction with run (inTx or inTxRetry) and returns fn's value.
func inTxValue[T any](ctx context.Context, run func(context.Context, func(*sql.Tx) error) error, fn func(*sql.Tx) (T, error)) (T, error) {
	var out T
	err := run(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = fn(tx)
		return err
	})
	if err != nil {
		var zero T
		return zero, err
	}
	return out, nil
}

// rawTx is inTx without the mapping of driver errors, for migrations, whose errors must keep
// the database's own words.
func (db *DB) rawTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// readTx runs fn in one read-only transaction whose statements all read one snapshot of the
// database (dialect.readTx), and ends it. On SQLite it is a deferred transaction, which takes no
// write lock; on PostgreSQL it is REPEATABLE READ.
func (db *DB) readTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.db.BeginTx(ctx, db.dialect.readTx)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// inTxRetry is inTx for idempotent upserts: when a concurrent writer inserted the same business
// key first (a unique violation on PostgreSQL, where two transactions can both see no row), fn
// runs again and finds the row. A conflict fn reports itself is final and not retried, and so is
// the violation of any other unique key, which is a bug and not a race.
func (db *DB) inTxRetry(ctx context.Context, fn func(tx *sql.Tx) error) error {
	err := db.inTx(ctx, fn)
	for attempt := 1; attempt < 3 && errors.As(err, new(duplicateKeyError)); attempt++ {
		err = db.inTx(ctx, fn)
	}
	return err
}

// mapError turns driver errors into domain errors (decision 005): the violation of a business
// key is ECONFLICT naming its field; everything else — other unique keys, foreign keys, CHECK and
// NOT NULL constraints, type and encoding errors — is a bug of dealdesk's and comes back
// unchanged, so callers see EINTERNAL and it is logged. Foreign keys a client can break are
// checked before writing, with an error naming the field (checkProductRef), and a parent still
// referenced is reported where it is deleted (deleteParent). Domain errors pass unchanged.
func (db *DB) mapError(err error) error {
	var e *dealdesk.Error
	if err == nil || errors.As(err, &e) {
		return err
	}
	if v, key := db.dialect.violation(err); v == uniqueViolation && key != nil {
		db.logger.Debug("driver error mapped", "code", dealdesk.ECONFLICT, "err", err)
		return duplicateKey(*key)
	}
	return err
}

// queryer is what both *sql.DB and *sql.Tx offer for reads.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// notFound returns the ENOTFOUND error for a missing resource of kind with id.
func notFound(kind, id string) error {
	return dealdesk.Errorf(dealdesk.ENOTFOUND, "No %s %q in your organization.", kind, id)
}
