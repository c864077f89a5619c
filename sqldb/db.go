// Package sqldb stores dealdesk's data in SQLite (the embedded default) or PostgreSQL (chosen by
// a postgres:// DSN). Both engines run the same portable SQL; only the DDL, a few type encodings
// and the mapping of driver errors differ per engine. Durable jobs are River jobs in the same
// database, inserted in the same transaction as the state change that calls for them.
package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"log/slog"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"golang.org/x/crypto/bcrypt"

	"github.com/dealdesk/dealdesk"
)

// Engine names returned by (*DB).Engine.
const (
	EngineSQLite   = "sqlite"
	EnginePostgres = "postgres"
)

// Options configure a DB. The zero value is usable.
type Options struct {
	// Now is the clock; tests control it. Default: time.Now in UTC.
	Now func() time.Time
	// Logger receives the store's and River's logs. Default: slog.Default().
	Logger *slog.Logger
	// PasswordCost is the bcrypt cost of user passwords. Default: bcrypt.DefaultCost; tests
	// lower it to bcrypt.MinCost to stay fast.
	PasswordCost int
	// SecretKey is the 32-byte AES-256 key that secrets stored for organizations (an AWS
	// connection's secret access key) are encrypted with. Without it such secrets cannot be
	// stored or read; Open refuses a key of another length. Keep it out of the database and out
	// of logs; changing it makes the stored secrets unreadable (decision 014).
	SecretKey []byte

	// MustExist opens only a database that exists and whose schema is this binary's, and never
	// creates or migrates one: the SQLite file must exist, and the migrations applied must be
	// exactly this binary's. Administration commands set it, so that a mistyped --db is an error
	// and not a new, empty database (decision 007).
	MustExist bool

	// AllowDefaultCredentials lets organizations save AWS connections with credentialsMode
	// DEFAULT_CHAIN, which act with this server's own AWS identity (serve
	// --allow-default-credentials). Off: such a save is EINVALID (decision 014).
	AllowDefaultCredentials bool

	// MeteringWindow is how far in the past AWS accepts a metering record (serve's metering
	// window): usage older than it can still reach AWS is refused at ingest
	// (dealdesk.MeteringWindow.OldestUsage). Default: dealdesk.DefaultMeteringWindow.
	MeteringWindow dealdesk.MeteringWindow
	// MeteringLease is how long a sender's claim on a SENDING metering record holds before
	// another sender may take it over (serve's metering lease). Default: dealdesk.SendingLease.
	MeteringLease time.Duration

	// migrations replaces the embedded migrations; only this package's tests set it.
	migrations fs.FS
}

// DB is an open database. It implements the service interfaces of package dealdesk.
type DB struct {
	db      *sql.DB
	dialect *dialect
	clock   func() time.Time
	logger  *slog.Logger
	driver  riverdriver.Driver[*sql.Tx]
	river   *river.Client[*sql.Tx]

	secrets       *secretBox
	awsPolicy     dealdesk.AWSConnectionPolicy
	window        dealdesk.MeteringWindow
	lease         time.Duration
	passwordCost  int
	dummyHashOnce sync.Once
	dummyHash     []byte
}

// Compile-time checks that *DB implements every service of the domain.
var (
	_ dealdesk.OrganizationService  = (*DB)(nil)
	_ dealdesk.UserService          = (*DB)(nil)
	_ dealdesk.APIKeyService        = (*DB)(nil)
	_ dealdesk.ProductService       = (*DB)(nil)
	_ dealdesk.PartyService         = (*DB)(nil)
	_ dealdesk.OfferService         = (*DB)(nil)
	_ dealdesk.EntitlementService   = (*DB)(nil)
	_ dealdesk.AWSConnectionService = (*DB)(nil)
	_ dealdesk.InboxService         = (*DB)(nil)
	_ dealdesk.TimelineService      = (*DB)(nil)
	_ dealdesk.NotificationService  = (*DB)(nil)
	_ dealdesk.UsageService         = (*DB)(nil)
	_ dealdesk.MeteringService      = (*DB)(nil)
	_ dealdesk.MeteringStore        = (*DB)(nil)
)

// Open opens the database named by dsn, migrates it (dealdesk's schema and River's) and returns
// it. A PostgreSQL URL or keyword/value string opens PostgreSQL, a file path SQLite, and
// anything else is refused before any file is created (see DSNEngine). Open refuses a database
// whose schema is newer than this binary knows, and one whose applied migrations differ from
// this binary's (an edited, renamed or removed migration file), naming the migration. With
// opts.MustExist it neither creates nor migrates. On SQLite it refuses a database whose rows
// break a foreign key (written by a tool that did not turn foreign keys on), naming the tables.
func Open(ctx context.Context, dsn string, opts Options) (*DB, error) {
	engine, err := DSNEngine(dsn)
	if err != nil {
		return nil, err
	}
	secrets, err := newSecretBox(opts.SecretKey)
	if err != nil {
		return nil, err
	}
	db := &DB{clock: opts.Now, logger: opts.Logger, passwordCost: opts.PasswordCost, secrets: secrets,
		awsPolicy: dealdesk.AWSConnectionPolicy{AllowDefaultChain: opts.AllowDefaultCredentials}}
	if db.window = opts.MeteringWindow; db.window <= 0 {
		db.window = dealdesk.DefaultMeteringWindow
	}
	if db.lease = opts.MeteringLease; db.lease <= 0 {
		db.lease = dealdesk.SendingLease
	}
	if db.passwordCost == 0 {
		db.passwordCost = bcrypt.DefaultCost
	}
	if db.clock == nil {
		db.clock = time.Now
	}
	if db.logger == nil {
		db.logger = slog.Default()
	}
	if engine == EnginePostgres {
		db.db, db.dialect, db.driver, err = openPostgres(dsn)
	} else {
		db.db, db.dialect, db.driver, err = openSQLite(dsn, opts.MustExist)
	}
	if err != nil {
		return nil, err
	}
	if err := db.db.PingContext(ctx); err != nil {
		db.db.Close()
		return nil, fmt.Errorf("sqldb: cannot reach the %s database: %w", db.dialect.name, err)
	}
	if opts.migrations == nil {
		opts.migrations = builtinMigrations()
	}
	if opts.MustExist {
		err = db.checkSchema(ctx, opts.migrations, dsn)
	} else {
		err = db.migrate(ctx, opts.migrations)
	}
	if err == nil && db.dialect.checkForeignKeys {
		err = db.checkForeignKeys(ctx)
	}
	if err != nil {
		db.db.Close()
		return nil, err
	}
	db.river, err = river.NewClient(db.driver, &river.Config{Logger: db.logger})
	if err != nil {
		db.db.Close()
		return nil, fmt.Errorf("sqldb: river client: %w", err)
	}
	return db, nil
}

// Close closes the database.
func (db *DB) Close() error { return db.db.Close() }

// Ping checks that the database answers; /readyz uses it.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	return db.db.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// Engine returns EngineSQLite or EnginePostgres.
func (db *DB) Engine() string { return db.dialect.name }

// SQL returns the underlying pool, for River workers and administration. On SQLite it holds a
// single connection: never use it inside a transaction of the same DB.
func (db *DB) SQL() *sql.DB { return db.db }

// RiverDriver returns the River driver over the same pool, to start River workers on this
// database.
func (db *DB) RiverDriver() riverdriver.Driver[*sql.Tx] { return db.driver }

// River returns the insert-only River client the store uses to record jobs.
func (db *DB) River() *river.Client[*sql.Tx] { return db.river }

// now returns the clock's reading in UTC at the precision both engines keep (microseconds).
func (db *DB) now() time.Time { return db.clock().UTC().Truncate(time.Microsecond) }
