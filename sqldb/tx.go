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

// readTx runs fn in one read-only transaction, so that several reads see one state of the
// database, and ends it. On SQLite it is a deferred transaction, which takes no write lock.
func (db *DB) readTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// inTxRetry is inTx for idempotent upserts: when a concurrent writer inserted the same key first
// (a unique violation on PostgreSQL, where two transactions can both see no row), fn runs again
// and finds the row. A conflict fn reports itself is final and not retried.
func (db *DB) inTxRetry(ctx context.Context, fn func(tx *sql.Tx) error) error {
	err := db.inTx(ctx, fn)
	for attempt := 1; attempt < 3 && errors.As(err, new(duplicateKeyError)); attempt++ {
		err = db.inTx(ctx, fn)
	}
	return err
}

// duplicateKeyError is the ECONFLICT of a unique violation reported by the database, which
// inTxRetry tells from the conflicts the store reports itself.
type duplicateKeyError struct{ err *dealdesk.Error }

// Error implements the error interface.
func (e duplicateKeyError) Error() string { return e.err.Error() }

// Unwrap lets errors.As find the domain error.
func (e duplicateKeyError) Unwrap() error { return e.err }

// duplicateKey returns the error of a unique violation.
func duplicateKey() error {
	return duplicateKeyError{&dealdesk.Error{Code: dealdesk.ECONFLICT, Message: "A resource with this identifier already exists."}}
}

// missingReference returns the error of a foreign-key violation: the row refers to a row that
// does not exist in its organization.
func missingReference() error {
	return &dealdesk.Error{Code: dealdesk.EINVALID, Message: "The request refers to a resource that does not exist."}
}

// mapError turns driver errors into domain errors with the engine's one mapping function;
// domain errors pass unchanged.
func (db *DB) mapError(err error) error {
	var e *dealdesk.Error
	if err == nil || errors.As(err, &e) {
		return err
	}
	mapped := db.dialect.mapError(err)
	if errors.As(mapped, &e) {
		db.logger.Debug("driver error mapped", "code", dealdesk.ErrorCode(mapped), "err", err)
	}
	return mapped
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
