package sqldb

import (
	"context"
	"database/sql"
	"io/fs"
	"time"

	"github.com/dealdesk/dealdesk"
)

// JobInsertOpts exposes the job uniqueness options to the tests.
var JobInsertOpts = jobInsertOpts

// PageLimit exposes the page size rule to the tests.
var PageLimit = pageLimit

// MapError exposes the mapping of driver errors to the tests.
func (db *DB) MapError(err error) error { return db.mapError(err) }

// OpenWithMigrations is Open with the migrations of fsys (a directory per engine) instead of
// the embedded ones.
func OpenWithMigrations(ctx context.Context, dsn string, opts Options, fsys fs.FS) (*DB, error) {
	opts.migrations = fsys
	return Open(ctx, dsn, opts)
}

// SchemaVersion returns the newest schema version this binary knows for engine (EngineSQLite or
// EnginePostgres). The engines' migrations are kept in step, so both give the same number; an
// unknown engine is an error.
func SchemaVersion(engine string) (int, error) {
	ms, err := loadMigrations(builtinMigrations(), engine)
	if err == nil {
		err = checkSequence(ms, engine)
	}
	if err != nil {
		return 0, err
	}
	return len(ms), nil
}

// BuiltinMigrations exposes the embedded migrations to the tests.
var BuiltinMigrations = builtinMigrations

// ExecInTx runs one statement in a transaction of the store, whose errors come back mapped as
// the store's methods return them.
func (db *DB) ExecInTx(ctx context.Context, query string, args ...any) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, query, args...)
		return err
	})
}

// BusinessKey is a business key as the tests see it.
type BusinessKey struct{ Table, Columns, Field string }

// BusinessKeys lists the unique keys whose violation is ECONFLICT.
func BusinessKeys() []BusinessKey {
	out := make([]BusinessKey, 0, len(businessKeys))
	for _, k := range businessKeys {
		out = append(out, BusinessKey{k.table, k.columns, k.field})
	}
	return out
}

// ReadTx exposes the store's read-only transaction to the tests.
func (db *DB) ReadTx(ctx context.Context, fn func(tx *sql.Tx) error) error { return db.readTx(ctx, fn) }

// TouchAPIKey exposes the write of last_used_at to the tests.
func (db *DB) TouchAPIKey(ctx context.Context, k *dealdesk.APIKey, now time.Time) error {
	return db.touchAPIKey(ctx, k, now)
}
