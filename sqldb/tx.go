package sqldb

import (
	"context"
	"database/sql"
	"errors"

	"github.com/dealdesk/dealdesk"
)

// inTx runs fn in one transaction and commits it when fn returns nil; any error rolls everything
// back, so a failed write stores nothing.
func (db *DB) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return db.mapError(err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return db.mapError(err)
	}
	return db.mapError(tx.Commit())
}

// mapError turns driver errors into domain errors; domain errors pass unchanged.
func (db *DB) mapError(err error) error {
	var e *dealdesk.Error
	if err == nil || errors.As(err, &e) {
		return err
	}
	return db.dialect.mapError(err)
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
