package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"time"

	dhttp "github.com/dealdesk/dealdesk/http"
	"github.com/dealdesk/dealdesk/sqldb"
)

const serveUsage = `Usage: dealdesk serve [flags]

Runs the REST API until interrupted (SIGINT or SIGTERM), then lets the requests in flight
finish (up to --shutdown-timeout) and stops.
On the first start with an empty database it creates an organization and prints its API key.
`

// runServe runs the service until ctx ends, then shuts down gracefully.
func runServe(ctx context.Context, args []string, env Env) error {
	fs := newFlagSet("serve", serveUsage, env)
	addr := fs.String("addr", envDefault(env, "DEALDESK_ADDR", "127.0.0.1:8080"), "`address` to listen on (DEALDESK_ADDR)")
	dsn := dbFlag(fs, env)
	grace, err := envDuration(env, "DEALDESK_SHUTDOWN_TIMEOUT", 15*time.Second)
	if err != nil {
		return err
	}
	fs.DurationVar(&grace, "shutdown-timeout", grace, "how long to let requests in flight finish on shutdown before cutting them off (DEALDESK_SHUTDOWN_TIMEOUT)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if grace < 0 {
		fmt.Fprintf(env.Stderr, "dealdesk serve: --shutdown-timeout must not be negative\n")
		return errUsage
	}
	logger := slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))

	db, err := sqldb.Open(ctx, *dsn, sqldb.Options{Logger: logger})
	if err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	defer db.Close()
	if err := bootstrap(ctx, db, env); err != nil {
		return err
	}

	srv := dhttp.NewServer(dhttp.Config{
		APIKeys:      db,
		Products:     db,
		Parties:      db,
		Offers:       db,
		Entitlements: db,
		Ready:        db.Ping,
		Logger:       logger,
	})
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	fmt.Fprintf(env.Stdout, "dealdesk: %s database %s\n", db.Engine(), sqldb.RedactDSN(*dsn))
	fmt.Fprintf(env.Stdout, "dealdesk: listening on http://%s\n", ln.Addr())

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		if err == nil {
			err = errors.New("server stopped")
		}
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	fmt.Fprintf(env.Stdout, "dealdesk: shutting down: requests in flight have %s to finish (interrupt again to stop at once)\n", grace)
	shutdownCtx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		if !errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("shutdown: %w", err)
		}
		// Cut off what is left: closing the connections ends their requests' contexts, so that
		// their handlers stop instead of running on into a closed database.
		fmt.Fprintf(env.Stderr, "dealdesk: requests still running after %s were cut off\n", grace)
		if err := srv.Close(); err != nil {
			return fmt.Errorf("shutdown: %w", err)
		}
	}
	fmt.Fprintln(env.Stdout, "dealdesk: stopped")
	return nil
}

// dbFlag defines the --db flag that serve and the admin commands share.
func dbFlag(fs *flag.FlagSet, env Env) *string {
	return fs.String("db", envDefault(env, "DEALDESK_DB", "dealdesk.db"), "database: a SQLite file `path`, or a PostgreSQL URL (postgres://...) or keyword/value string (\"host=... dbname=...\") (DEALDESK_DB)")
}

// envDuration returns the duration in the environment variable name, or def when it is unset.
func envDuration(env Env, name string, def time.Duration) (time.Duration, error) {
	v := env.Getenv(name)
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		fmt.Fprintf(env.Stderr, "dealdesk: %s=%q is not a duration such as 15s or 1m\n", name, v)
		return 0, errUsage
	}
	return d, nil
}

// bootstrap creates a default organization and prints an API key for it when the database has
// no organization yet, so that a newcomer can call the API at once. Replicas starting together
// on an empty database create one organization between them.
func bootstrap(ctx context.Context, db *sqldb.DB, env Env) error {
	org, _, secret, err := db.CreateFirstOrganization(ctx, "Default", "initial")
	if err != nil {
		return fmt.Errorf("create the first organization: %w", err)
	}
	if org == nil {
		return nil
	}
	fmt.Fprintf(env.Stdout, "dealdesk: first start: created organization %q (%s)\n", org.Name, org.ID)
	fmt.Fprintf(env.Stdout, "dealdesk: its API key, shown only now: %s\n", secret)
	return nil
}
