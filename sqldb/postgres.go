package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
)

// migrationLockKey is the advisory lock that serialises migrations across replicas.
const migrationLockKey = 7405217301

// openPostgres opens PostgreSQL through pgx's database/sql driver.
func openPostgres(dsn string) (*sql.DB, *dialect, riverdriver.Driver[*sql.Tx], error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("sqldb: open PostgreSQL: %w", err)
	}
	db.SetMaxOpenConns(20)
	db.SetMaxIdleConns(5)
	d := &dialect{
		name:           EnginePostgres,
		forUpdate:      " FOR UPDATE",
		lockMigrations: lockPostgresMigrations,
		lockKey:        `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`,
		mapError:       mapPostgresError,
	}
	return db, d, riverdatabasesql.New(db), nil
}

// lockPostgresMigrations holds a session advisory lock on a connection of its own until unlock
// is called, so that replicas starting together migrate one after the other.
func lockPostgresMigrations(ctx context.Context, db *sql.DB) (func(), error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, int64(migrationLockKey)); err != nil {
		conn.Close()
		return nil, fmt.Errorf("sqldb: lock migrations: %w", err)
	}
	return func() {
		_, _ = conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock($1)`, int64(migrationLockKey))
		conn.Close()
	}, nil
}

// mapPostgresError is the one place that turns PostgreSQL's errors into domain errors (decision
// 005), the same way as mapSQLiteError: unique_violation (23505) is ECONFLICT,
// foreign_key_violation (23503) EINVALID. Everything else, check_violation (23514),
// not_null_violation (23502), invalid text or encoding (22P02, 22021, 22P05) and out-of-range
// values (22003) included, is a bug of dealdesk's and comes back unchanged, so callers see
// EINTERNAL and it is logged.
func mapPostgresError(err error) error {
	var e *pgconn.PgError
	if !errors.As(err, &e) {
		return err
	}
	switch e.Code {
	case "23505": // unique_violation
		return duplicateKey()
	case "23503": // foreign_key_violation
		return missingReference()
	}
	return err
}
