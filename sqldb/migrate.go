package sqldb

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/riverqueue/river/rivermigrate"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var embeddedMigrations embed.FS

// builtinMigrations is the tree of this binary's migrations: a directory per engine, holding
// files named NNNN_title.sql.
func builtinMigrations() fs.FS {
	sub, err := fs.Sub(embeddedMigrations, "migrations")
	if err != nil {
		panic(err) // the directory is embedded at build time
	}
	return sub
}

// migration is one numbered schema change.
type migration struct {
	version  int
	name     string
	sql      string
	checksum string // hex SHA-256 of the file
}

// loadMigrations returns the engine's migrations of fsys in version order. Files are named
// NNNN_title.sql; that they are numbered 1, 2, 3… without gaps is checked by checkSequence,
// after the database's applied migrations, so that a file removed from the middle is reported
// by the name the database recorded for it.
func loadMigrations(fsys fs.FS, engine string) ([]migration, error) {
	entries, err := fs.ReadDir(fsys, engine)
	if err != nil {
		return nil, fmt.Errorf("sqldb: no migrations for engine %q: %w", engine, err)
	}
	var out []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v < 1 || !strings.HasSuffix(e.Name(), ".sql") {
			return nil, fmt.Errorf("sqldb: migration %s/%s is not named NNNN_title.sql", engine, e.Name())
		}
		b, err := fs.ReadFile(fsys, path.Join(engine, e.Name()))
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(b)
		out = append(out, migration{version: v, name: e.Name(), sql: string(b), checksum: hex.EncodeToString(sum[:])})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out, nil
}

// checkSequence returns an error unless ms, in version order, are numbered 1, 2, 3… with no
// gap and no version twice.
func checkSequence(ms []migration, engine string) error {
	for i, m := range ms {
		if m.version != i+1 {
			return fmt.Errorf("sqldb: migration %s/%s: expected version %d: this dealdesk's migrations must be numbered 1, 2, 3… without gaps", engine, m.name, i+1)
		}
	}
	return nil
}

// appliedMigration is a row of schema_migrations.
type appliedMigration struct {
	version        int
	name, checksum string
}

// checkApplied compares what the database has applied with the migrations this binary knows:
// each applied migration must still exist under the same version and name and with the same
// SHA-256, because migrations are append-only (decision 005). The error names the migration.
// Versions are matched, not positions, so that a file missing from the middle of known is
// reported by its applied name.
func checkApplied(applied []appliedMigration, known []migration) error {
	byVersion := map[int]migration{}
	newest := 0
	for _, m := range known {
		byVersion[m.version] = m
		newest = max(newest, m.version)
	}
	for i, a := range applied {
		m, ok := byVersion[a.version]
		switch {
		case a.version != i+1:
			return fmt.Errorf("sqldb: schema_migrations records %s as version %d where version %d was expected: the table was edited by hand", a.name, a.version, i+1)
		case a.version > newest:
			return fmt.Errorf("sqldb: the database has migration %s applied, which this dealdesk does not have: the database schema is at version %d but this dealdesk knows only up to %d: upgrade dealdesk before using this database",
				a.name, applied[len(applied)-1].version, newest)
		case !ok:
			return fmt.Errorf("sqldb: migration %s was applied to this database but is missing from this dealdesk (it has no version %d): applied migrations must not be renamed or removed",
				a.name, a.version)
		case m.name != a.name:
			return fmt.Errorf("sqldb: migration %s was applied to this database but is missing from this dealdesk (its version %d is %s here): applied migrations must not be renamed or removed",
				a.name, a.version, m.name)
		case m.checksum != a.checksum:
			return fmt.Errorf("sqldb: migration %s was changed after it was applied to this database (SHA-256 %s when applied, %s now): migrations are append-only: restore the file and put the change in a new migration",
				a.name, a.checksum, m.checksum)
		}
	}
	return nil
}

// readApplied returns the rows of schema_migrations in version order.
func readApplied(ctx context.Context, tx queryer) ([]appliedMigration, error) {
	rows, err := tx.QueryContext(ctx, `SELECT version, name, checksum FROM schema_migrations ORDER BY version`)
	if err != nil {
		return nil, fmt.Errorf("sqldb: read the applied migrations (a database made before migration checksums must be made anew): %w", err)
	}
	defer rows.Close()
	var out []appliedMigration
	for rows.Next() {
		var a appliedMigration
		if err := rows.Scan(&a.version, &a.name, &a.checksum); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// checkSchema is migrate for a database that must already be migrated (Options.MustExist): it
// changes nothing and returns an error, naming the DSN through RedactDSN, unless the migrations
// applied are exactly this binary's.
func (db *DB) checkSchema(ctx context.Context, fsys fs.FS, dsn string) error {
	ms, err := loadMigrations(fsys, db.dialect.name)
	if err != nil {
		return err
	}
	var exists bool
	q := `SELECT EXISTS (SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'schema_migrations')`
	if db.dialect.name == EngineSQLite {
		q = `SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations')`
	}
	if err := db.db.QueryRowContext(ctx, q).Scan(&exists); err != nil {
		return fmt.Errorf("sqldb: read the schema of %s: %w", RedactDSN(dsn), err)
	}
	if !exists {
		return fmt.Errorf("sqldb: the %s database %s has no dealdesk schema: check --db; this command neither creates nor migrates a database: 'dealdesk serve' does on its first start",
			db.dialect.name, RedactDSN(dsn))
	}
	applied, err := readApplied(ctx, db.db)
	if err != nil {
		return err
	}
	if err := checkApplied(applied, ms); err != nil {
		return err
	}
	if err := checkSequence(ms, db.dialect.name); err != nil {
		return err
	}
	if len(applied) != len(ms) {
		return fmt.Errorf("sqldb: the %s database %s has schema version %d and this dealdesk needs %d: this command does not migrate: start 'dealdesk serve' of this version once to migrate it",
			db.dialect.name, RedactDSN(dsn), len(applied), len(ms))
	}
	return nil
}

// migrate checks the migrations the database has applied, then brings dealdesk's schema up to
// date in one transaction, so a failed migration leaves the database as it was, and River's with
// it (SQLite) or right after it (PostgreSQL). schema_migrations, which records each migration's
// version, name and SHA-256, is the machinery's own table and is created here.
func (db *DB) migrate(ctx context.Context, fsys fs.FS) error {
	ms, err := loadMigrations(fsys, db.dialect.name)
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
			checksum   TEXT NOT NULL,
			applied_at TEXT NOT NULL
		)`); err != nil {
			return fmt.Errorf("sqldb: create schema_migrations: %w", err)
		}
		applied, err := readApplied(ctx, tx)
		if err != nil {
			return err
		}
		if err := checkApplied(applied, ms); err != nil {
			return err
		}
		if err := checkSequence(ms, db.dialect.name); err != nil {
			return err
		}
		for _, m := range ms[len(applied):] {
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return fmt.Errorf("sqldb: migration %s: %w", m.name, err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES ($1, $2, $3, $4)`,
				m.version, m.name, m.checksum, db.now().Format(sqliteTimeLayout)); err != nil {
				return fmt.Errorf("sqldb: record migration %s: %w", m.name, err)
			}
			db.logger.Info("applied migration", "engine", db.dialect.name, "migration", m.name, "sha256", m.checksum)
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
