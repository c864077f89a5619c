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
		violation:      postgresViolation,
		// At READ COMMITTED, PostgreSQL's default, each statement takes a new snapshot;
		// REPEATABLE READ keeps the first one, and read-only it never fails to serialize.
		readTx:     &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead},
		lowerASCII: `LOWER(%s COLLATE "C")`,
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

// postgresViolation reads a constraint violation from PostgreSQL's SQLSTATE (decision 005):
// unique_violation (23505), whose constraint name tells the business key, and
// foreign_key_violation (23503). check_violation (23514), not_null_violation (23502), invalid
// text or encoding (22P02, 22021, 22P05), out-of-range values (22003) and the rest are none.
func postgresViolation(err error) (violation, *businessKey) {
	var e *pgconn.PgError
	if !errors.As(err, &e) {
		return noViolation, nil
	}
	switch e.Code {
	case "23505": // unique_violation
		for i, k := range businessKeys {
			if k.postgresName() == e.ConstraintName {
				return uniqueViolation, &businessKeys[i]
			}
		}
		return uniqueViolation, nil
	case "23503": // foreign_key_violation
		return foreignKeyViolation, nil
	}
	return noViolation, nil
}
