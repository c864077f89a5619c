package sqldb

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/riverqueue/river/rivermigrate"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFS embed.FS

// migration is one numbered schema change.
type migration struct {
	version int
	name    string
	sql     string
}

// migrations returns the engine's migrations in order. Files are named NNNN_title.sql.
func migrations(engine string) ([]migration, error) {
	dir := "migrations/" + engine
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v < 1 {
			return nil, fmt.Errorf("sqldb: migration %s/%s is not named NNNN_title.sql", dir, e.Name())
		}
		b, err := fs.ReadFile(migrationFS, path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: e.Name(), sql: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	for i, m := range out {
		if m.version != i+1 {
			return nil, fmt.Errorf("sqldb: migration %s: expected version %d", m.name, i+1)
		}
	}
	return out, nil
}

// SchemaVersion returns the newest schema version this binary knows.
func SchemaVersion() int {
	ms, err := migrations(EngineSQLite)
	if err != nil {
		return 0
	}
	return len(ms)
}

// migrate brings dealdesk's schema up to date in one transaction, so a failed migration leaves
// the database as it was, and River's with it (SQLite) or right after it (PostgreSQL).
func (db *DB) migrate(ctx context.Context) error {
	ms, err := migrations(db.dialect.name)
	if err != nil {
		return err
	}
	if db.dialect.lockMigrations != nil {
		unlock, err := db.dialect.lockMigrations(ctx, db.db)
		if err != nil {
			return err
		}
		defer unlock()
	}
	migrator, err := rivermigrate.New(db.driver, &rivermigrate.Config{Logger: db.logger})
	if err != nil {
		return fmt.Errorf("sqldb: river migrator: %w", err)
	}
	err = db.rawTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version    INTEGER PRIMARY KEY,
			name       TEXT NOT NULL,
			applied_at TEXT NOT NULL
		)`); err != nil {
			return fmt.Errorf("sqldb: create schema_migrations: %w", err)
		}
		var current int
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
			return fmt.Errorf("sqldb: read schema version: %w", err)
		}
		if current > len(ms) {
			return fmt.Errorf("sqldb: the database schema is at version %d but this dealdesk knows only up to %d: upgrade dealdesk before using this database", current, len(ms))
		}
		for _, m := range ms[current:] {
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return fmt.Errorf("sqldb: migration %s: %w", m.name, err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
				m.version, m.name, db.now().Format(sqliteTimeLayout)); err != nil {
				return fmt.Errorf("sqldb: record migration %s: %w", m.name, err)
			}
			db.logger.Info("applied migration", "engine", db.dialect.name, "migration", m.name)
		}
		if db.dialect.riverMigrationsInTx {
			//lint:ignore SA1019 MigrateTx is discouraged only because of PostgreSQL's enum migrations.
			if _, err := migrator.MigrateTx(ctx, tx, rivermigrate.DirectionUp, nil); err != nil {
				return fmt.Errorf("sqldb: river migrations: %w", err)
			}
		}
		return nil
	})
	if err != nil || db.dialect.riverMigrationsInTx {
		return err
	}
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("sqldb: river migrations: %w", err)
	}
	return nil
}
