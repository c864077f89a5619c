package cli

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/awsmp"
	dhttp "github.com/dealdesk/dealdesk/http"
	"github.com/dealdesk/dealdesk/inbound"
	"github.com/dealdesk/dealdesk/sqldb"
	"github.com/dealdesk/dealdesk/web"
	"github.com/dealdesk/dealdesk/worker"
)

const serveUsage = `Usage: dealdesk serve [flags]

Runs the web console (at /), the REST API (under /api/v1, with the webhooks under /hooks) and the background jobs (publishing opportunities to AWS Marketplace,
restricting cancelled ones, expiring them) until interrupted (SIGINT or SIGTERM), then lets the
requests and jobs in flight finish (up to --shutdown-timeout) and stops. Every replica on the
same database works jobs; each job runs on one of them at a time.
On the first start with an empty database it creates an organization and an API key for it,
writes the key to a new file that only you can read (--key-file) and prints the file's path;
the key itself is neither printed nor logged.
`

// runServe runs the service until ctx ends, then shuts down gracefully.
func runServe(ctx context.Context, args []string, env Env) error {
	fs := newFlagSet("serve", serveUsage, env)
	addr := fs.String("addr", envDefault(env, "DEALDESK_ADDR", "127.0.0.1:8080"), "`address` to listen on (DEALDESK_ADDR)")
	dsn := dbFlag(fs, env)
	keyFile := fs.String("key-file", env.Getenv("DEALDESK_KEY_FILE"), "`path` of the file the first start writes its API key to; it must not exist (DEALDESK_KEY_FILE; default: next to the SQLite file, named after it with .api-key added, or dealdesk.api-key in the current directory for PostgreSQL)")
	secretKeyFile := fs.String("secret-key-file", env.Getenv("DEALDESK_SECRET_KEY_FILE"), "`path` of the server's secret key (32 bytes, 64 hex digits or raw), which encrypts the secrets stored for organizations; made with a new random key (mode 0600) when absent (DEALDESK_SECRET_KEY_FILE; default: next to the SQLite file with .secret-key added, none for PostgreSQL, whose replicas must share one: then no secret can be stored)")
	snsOrigins := fs.String("sns-cert-origins", env.Getenv("DEALDESK_SNS_CERT_ORIGINS"), "comma-separated `origins` (scheme://host:port) trusted for SNS signing certificates and SubscribeURLs besides AWS's SNS hosts, e.g. the simulator's; plain http only for development (DEALDESK_SNS_CERT_ORIGINS)")
	publicURL := fs.String("public-url", env.Getenv("DEALDESK_PUBLIC_URL"), "the server's `URL` as AWS reaches it, for the webhook URLs GET /api/v1/inbound-endpoint gives (DEALDESK_PUBLIC_URL; default: each request's host)")
	allowDefault, err := envBool(env, "DEALDESK_ALLOW_DEFAULT_CREDENTIALS", false)
	if err != nil {
		return err
	}
	fs.BoolVar(&allowDefault, "allow-default-credentials", allowDefault, "let organizations use credentialsMode DEFAULT_CHAIN, i.e. act with this host's own AWS credentials; only for a server with one organization (DEALDESK_ALLOW_DEFAULT_CREDENTIALS)")
	grace, err := envDuration(env, "DEALDESK_SHUTDOWN_TIMEOUT", 15*time.Second)
	if err != nil {
		return err
	}
	fs.DurationVar(&grace, "shutdown-timeout", grace, "how long to let requests in flight finish on shutdown before cutting them off (DEALDESK_SHUTDOWN_TIMEOUT)")
	poll, err := envDuration(env, "DEALDESK_CHANGE_SET_POLL", worker.DefaultChangeSetPoll)
	if err != nil {
		return err
	}
	fs.DurationVar(&poll, "change-set-poll", poll, "how often a running AWS Catalog change set is checked (DEALDESK_CHANGE_SET_POLL)")
	rescue, err := envDuration(env, "DEALDESK_JOB_RESCUE_AFTER", worker.DefaultRescueStuckJobsAfter)
	if err != nil {
		return err
	}
	fs.DurationVar(&rescue, "job-rescue-after", rescue, "how long a job stays claimed by a replica that stopped answering (killed) before another runs it; a job run is cut off after half of it (DEALDESK_JOB_RESCUE_AFTER)")
	replicas, err := envParse(env, "DEALDESK_AWS_REPLICAS", 1, strconv.Atoi, "a whole number of replicas")
	if err != nil {
		return err
	}
	window, err := envDuration(env, "DEALDESK_METERING_WINDOW", time.Duration(dealdesk.DefaultMeteringWindow))
	if err != nil {
		return err
	}
	fs.DurationVar(&window, "metering-window", window, "how far in the past AWS accepts a metering record (BatchMeterUsage; AWS's documents say 6h or 24h): older usage is refused at ingest and a record that can no longer reach AWS in time is EXPIRED, never sent; at least 2h5m, so that usage of the current hour is always accepted (its hour needs an hour to close and send and 5 minutes of margin, and may have begun an hour ago) (DEALDESK_METERING_WINDOW)")
	zeroRecords, err := envBool(env, "DEALDESK_METERING_ZERO_RECORDS", false)
	if err != nil {
		return err
	}
	fs.BoolVar(&zeroRecords, "metering-zero-records", zeroRecords, "send a zero-quantity record for every metered dimension of an active entitlement in every idle hour, as AWS recommends (DEALDESK_METERING_ZERO_RECORDS)")
	lease, err := envDuration(env, "DEALDESK_METERING_LEASE", dealdesk.SendingLease)
	if err != nil {
		return err
	}
	fs.DurationVar(&lease, "metering-lease", lease, "how long a metering record being sent stays claimed by its sender; one still claimed after it (its sender was killed) is sent again, byte-identical; it must exceed the longest BatchMeterUsage call (DEALDESK_METERING_LEASE)")
	fs.IntVar(&replicas, "aws-replicas", replicas, "how many `replicas` of serve call AWS for the same seller accounts; each keeps to AWS's per-account request quotas divided by this number (DEALDESK_AWS_REPLICAS)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if replicas < 1 || replicas > 1000 {
		fmt.Fprintf(env.Stderr, "dealdesk serve: --aws-replicas must be 1 to 1000\n")
		return errUsage
	}
	if window < time.Duration(dealdesk.MinMeteringWindow) || window > 24*time.Hour {
		fmt.Fprintf(env.Stderr, "dealdesk serve: --metering-window must be between %s and 24h: a shorter window refuses usage of the current hour\n",
			time.Duration(dealdesk.MinMeteringWindow))
		return errUsage
	}
	if lease < time.Second || lease > time.Hour {
		fmt.Fprintf(env.Stderr, "dealdesk serve: --metering-lease must be between 1s and 1h\n")
		return errUsage
	}
	if grace < 0 {
		fmt.Fprintf(env.Stderr, "dealdesk serve: --shutdown-timeout must not be negative\n")
		return errUsage
	}
	if poll <= 0 || rescue <= 0 {
		fmt.Fprintf(env.Stderr, "dealdesk serve: --change-set-poll and --job-rescue-after must be positive\n")
		return errUsage
	}
	logger := slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))

	var origins []string
	for o := range strings.SplitSeq(*snsOrigins, ",") {
		if o = strings.TrimSpace(o); o != "" {
			origins = append(origins, o)
		}
	}
	svc, err := startService(ctx, serviceConfig{DSN: *dsn, Addr: *addr, KeyFile: *keyFile, SecretKeyFile: *secretKeyFile,
		SNSOrigins: origins, PublicURL: *publicURL, ChangeSetPoll: poll, RescueAfter: rescue, Logger: logger,
		AllowDefaultCredentials: allowDefault, AWSReplicas: replicas,
		Metering: dealdesk.MeteringOptions{Window: dealdesk.MeteringWindow(window), ZeroRecords: zeroRecords, Lease: lease}}, env)
	if err != nil {
		return err
	}
	if err := svc.wait(ctx); err != nil {
		svc.stop(grace, env)
		return err
	}
	return svc.stop(grace, env)
}

// serviceConfig is what startService needs: serve's flags, parsed.
type serviceConfig struct {
	DSN, Addr, KeyFile, SecretKeyFile, PublicURL string
	SNSOrigins                                   []string
	ChangeSetPoll, RescueAfter                   time.Duration
	// SQSRefresh is how often the SQS poller reads the organizations and their queues again
	// (worker.SQSPollerConfig.Refresh); its default when zero.
	SQSRefresh time.Duration
	Logger     *slog.Logger
	// AllowDefaultCredentials lets organizations use credentialsMode DEFAULT_CHAIN (the host's
	// own AWS identity): the store accepts it and the AWS clients use it (decision 014).
	AllowDefaultCredentials bool
	// AWSReplicas is how many serve processes share the seller accounts' AWS quotas: the AWS
	// clients' rate limits are awsmp.QuotasPerReplica(AWSReplicas); 0 and 1 give the whole
	// quota (decision 022).
	AWSReplicas int
	// Metering are the metering settings (window, zero records, close delay); defaults when
	// zero (decision 023).
	Metering dealdesk.MeteringOptions
	// ConsoleSimulator is the console's web.Config.Simulator: dev's, nil for serve.
	ConsoleSimulator web.Simulator
}

// service is dealdesk's server running: the database, the background jobs, the SQS poller and
// the HTTP server.
type service struct {
	db     *sqldb.DB
	addr   string       // the listener's host:port
	srv    *http.Server // the top-level server: the console at /, the API under /api/ and /hooks/ (newTopServer)
	jobs   *worker.Runner
	poller *worker.SQSPoller
	errc   chan error
}

// startService opens the database (with its secret key), creates the first organization on an
// empty one (bootstrap), starts the background jobs, the SQS poller (for each organization
// whose AWS connection names a queue) and the HTTP server, and returns once it listens. serve
// and dev run it; stop ends it. On an error everything started is stopped again.
func startService(ctx context.Context, cfg serviceConfig, env Env) (_ *service, err error) {
	snsVerifier, err := inbound.NewSNS(inbound.SNSConfig{AllowedOrigins: cfg.SNSOrigins})
	if err != nil {
		fmt.Fprintf(env.Stderr, "dealdesk serve: --sns-cert-origins: %s\n", dealdesk.ErrorMessage(err))
		return nil, errUsage
	}
	// The database's errors come first: a bad DSN names no key file, and a default key file
	// whose folder is missing is the database's missing folder.
	var secretKey []byte
	var keyErr error
	if _, dsnErr := sqldb.DSNEngine(cfg.DSN); dsnErr == nil {
		if cfg.SecretKeyFile == "" {
			cfg.SecretKeyFile = defaultSecretKeyFile(cfg.DSN)
		}
		if cfg.SecretKeyFile != "" {
			var madeKey bool
			secretKey, madeKey, keyErr = loadSecretKey(cfg.SecretKeyFile)
			if madeKey {
				fmt.Fprintf(env.Stdout, "dealdesk: made a new secret key in %s: keep it with the database's backups\n", cfg.SecretKeyFile)
			}
		}
	}

	if cfg.Metering.Window <= 0 {
		cfg.Metering.Window = dealdesk.DefaultMeteringWindow
	}
	db, err := sqldb.Open(ctx, cfg.DSN, sqldb.Options{Logger: cfg.Logger, SecretKey: secretKey,
		AllowDefaultCredentials: cfg.AllowDefaultCredentials, MeteringWindow: cfg.Metering.Window,
		MeteringLease: cfg.Metering.Lease})
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	if keyErr != nil {
		db.Close()
		return nil, keyErr
	}
	s := &service{db: db, errc: make(chan error, 1)}
	defer func() {
		if err != nil {
			s.stop(0, Env{Stdout: io.Discard, Stderr: io.Discard})
		}
	}()
	if cfg.KeyFile == "" {
		cfg.KeyFile = defaultKeyFile(cfg.DSN, db.Engine())
	}
	if err := bootstrap(ctx, db, cfg.KeyFile, env); err != nil {
		return nil, err
	}

	allowDefault := awsmp.WithDefaultCredentials(cfg.AllowDefaultCredentials)
	limits := awsmp.WithLimits(awsmp.SharedLimits)
	if cfg.AWSReplicas > 1 {
		limits = awsmp.WithLimits(awsmp.NewLimits(awsmp.QuotasPerReplica(cfg.AWSReplicas)))
	}
	catalog := awsmp.NewCatalog(allowDefault, limits)
	metering := worker.NewMeteringWorker(db, awsmp.NewMeter(allowDefault, limits), cfg.Metering, nil, cfg.Logger)
	s.jobs, err = worker.New(worker.Config{
		Driver: db.RiverDriver(), Store: db, Catalog: catalog, Recorder: worker.TimelineRecorder{Timeline: db},
		Apply: worker.NewApplyEventWorker(db, catalog, cfg.Logger), Logger: cfg.Logger,
		Sync:          worker.NewProductSyncWorker(db, catalog, cfg.Logger),
		Reconcile:     worker.NewReconcileWorker(db, catalog, awsmp.NewEntitlements(allowDefault, limits), nil, cfg.Logger),
		Metering:      metering,
		Organizations: db.OrganizationsWithAWSConnection,
		ChangeSetPoll: cfg.ChangeSetPoll, RescueStuckJobsAfter: cfg.RescueAfter, JobTimeout: min(worker.DefaultJobTimeout, cfg.RescueAfter/2),
	})
	if err != nil {
		return nil, err
	}
	if err := s.jobs.Start(context.WithoutCancel(ctx)); err != nil {
		s.jobs = nil
		return nil, fmt.Errorf("start background jobs: %w", err)
	}
	s.poller, err = worker.NewSQSPoller(worker.SQSPollerConfig{Store: db, Queue: awsmp.NewQueue(allowDefault, limits),
		Organizations: db.OrganizationsWithSQSQueue, Refresh: cfg.SQSRefresh, Logger: cfg.Logger})
	if err != nil {
		return nil, err
	}
	if err := s.poller.Start(ctx); err != nil {
		return nil, fmt.Errorf("start the SQS poller: %w", err)
	}

	api := dhttp.NewServer(dhttp.Config{
		APIKeys:      db,
		Products:     db,
		Parties:      db,
		Offers:       db,
		Entitlements: db,
		ProductSync:  db,
		Usage:        db,
		Metering:     db,
		// A flush closes and sends the caller's organization's hours inline (decision 023).
		MeteringFlusher: metering,

		AWSConnections:   db,
		Notifications:    db,
		Inbox:            db,
		InboundEndpoints: db,
		SNS:              snsVerifier,
		PublicBaseURL:    cfg.PublicURL,

		Ready:  db.Ping,
		Logger: cfg.Logger,
	})
	console, err := newConsole(db, secretKey, cfg.PublicURL, consoleDev{cfg.ConsoleSimulator, metering, cfg.Metering.Window}, cfg.Logger)
	if err != nil {
		return nil, err
	}
	s.srv = newTopServer(api, console, cfg.Logger)
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		s.srv = nil
		return nil, fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	s.addr = ln.Addr().String()
	fmt.Fprintf(env.Stdout, "dealdesk: %s database %s\n", db.Engine(), sqldb.RedactDSN(cfg.DSN))
	fmt.Fprintf(env.Stdout, "dealdesk: listening on http://%s\n", s.addr)
	go func() {
		err := s.srv.Serve(ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		s.errc <- err
	}()
	return s, nil
}

// wait returns when ctx ends (nil) or the HTTP server stops by itself (its error).
func (s *service) wait(ctx context.Context) error {
	select {
	case err := <-s.errc:
		if err == nil {
			err = errors.New("server stopped")
		}
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
		return nil
	}
}

// stop shuts the service down: it lets requests in flight finish for up to grace (then cuts
// them off), stops the SQS poller and the background jobs, and closes the database.
func (s *service) stop(grace time.Duration, env Env) (err error) {
	defer s.db.Close()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	defer func() {
		if s.poller != nil {
			_ = s.poller.Stop(shutdownCtx)
		}
		if s.jobs != nil {
			if jerr := s.jobs.Stop(shutdownCtx); jerr != nil && err == nil {
				err = fmt.Errorf("stop background jobs: %w", jerr)
			}
		}
		if err == nil && s.srv != nil {
			fmt.Fprintln(env.Stdout, "dealdesk: stopped")
		}
	}()
	if s.srv == nil {
		return nil
	}
	fmt.Fprintf(env.Stdout, "dealdesk: shutting down: requests in flight have %s to finish (interrupt again to stop at once)\n", grace)
	if err := s.srv.Shutdown(shutdownCtx); err != nil {
		if !errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("shutdown: %w", err)
		}
		// Cut off what is left: closing the connections ends their requests' contexts, so that
		// their handlers stop instead of running on into a closed database.
		fmt.Fprintf(env.Stderr, "dealdesk: requests still running after %s were cut off\n", grace)
		if err := s.srv.Close(); err != nil {
			return fmt.Errorf("shutdown: %w", err)
		}
	}
	return nil
}

// dbFlag defines the --db flag that serve and the admin commands share.
func dbFlag(fs *flag.FlagSet, env Env) *string {
	return fs.String("db", envDefault(env, "DEALDESK_DB", "dealdesk.db"), "database: a SQLite file `path`, or a PostgreSQL URL (postgres://...) or keyword/value string (\"host=... dbname=...\") (DEALDESK_DB)")
}

// defaultKeyFile is where the first start writes its API key without --key-file: next to the
// SQLite file, named after it ("dealdesk.db.api-key"), or "dealdesk.api-key" in the current
// directory for PostgreSQL.
func defaultKeyFile(dsn, engine string) string {
	if engine == sqldb.EnginePostgres {
		return "dealdesk.api-key"
	}
	return strings.TrimPrefix(dsn, "file:") + ".api-key"
}

// bootstrap creates a default organization and an API key for it when the database has no
// organization yet, so that a newcomer can call the API at once, and writes the key to keyFile
// (see writeKeyFile); it prints the file's path, never the key. The file is made, written and
// synced inside the transaction that creates the organization, before anything is inserted
// (sqldb's CreateFirstOrganizationKeeping): a key file that exists already or cannot be written
// stops the start with nothing created, and if the transaction fails after all the file is
// removed. Replicas starting together on an empty database create one organization between
// them; only the one that creates it makes the file (decision 007).
func bootstrap(ctx context.Context, db *sqldb.DB, keyFile string, env Env) error {
	n, err := db.CountOrganizations(ctx)
	if err != nil {
		return fmt.Errorf("count organizations: %w", err)
	}
	if n > 0 {
		return nil
	}
	written := false
	org, _, err := db.CreateFirstOrganizationKeeping(ctx, "Default", "initial", func(secret string) error {
		err := writeKeyFile(keyFile, secret)
		switch {
		case errors.Is(err, fs.ErrExist):
			return fmt.Errorf("the key file %s already exists (from an earlier first start?): move it away, or choose another --key-file, and start again; it is never overwritten; nothing was created", keyFile)
		case err != nil:
			return fmt.Errorf("the first API key cannot be written to its key file: %w: choose another --key-file; nothing was created", err)
		}
		written = true
		return nil
	})
	if err != nil {
		if written {
			os.Remove(keyFile) // its key was never stored
		}
		return fmt.Errorf("create the first organization: %w", err)
	}
	if org == nil {
		return nil // another replica was first
	}
	fmt.Fprintf(env.Stdout, "dealdesk: first start: created organization %q (%s)\n", org.Name, org.ID)
	shown := keyFile
	if abs, err := filepath.Abs(keyFile); err == nil {
		shown = abs
	}
	fmt.Fprintf(env.Stdout, "dealdesk: its API key is in a file only you can read: %s\n", shown)
	return nil
}

// writeKeyFile writes secret and a newline to a new file at path, readable and writable by its
// owner only (mode 0600), and syncs it. It never overwrites: an existing path, a symbolic link
// included, is an error (O_EXCL). A file it could not write whole is removed.
func writeKeyFile(path, secret string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.WriteString(secret + "\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
	}
	return err
}

// consoleDev is what the console's dev-only pages need: the simulator (nil: serve, and the
// rest is unused), the metering flusher and the metering window.
type consoleDev struct {
	simulator web.Simulator
	flusher   dealdesk.MeteringFlusher
	window    dealdesk.MeteringWindow
}

// newConsole returns the web console over db. Its session cookies are signed with a key
// derived from the server's secret key; without one (PostgreSQL without --secret-key-file) a
// random key is made for this process, so that sessions end when it stops and are not shared
// between replicas (decision 025).
func newConsole(db *sqldb.DB, secretKey []byte, publicURL string, dev consoleDev, logger *slog.Logger) (*web.Handler, error) {
	if len(secretKey) == 0 {
		secretKey = make([]byte, 32)
		_, _ = rand.Read(secretKey) // never fails (crypto/rand)
		if logger != nil {
			logger.Warn("no secret key: console sign-ins last until this process stops and hold on this replica only; give --secret-key-file")
		}
	}
	return web.New(web.Config{Users: db, Offers: db, Products: db, Parties: db,
		Entitlements: db, Metering: db, Notifications: db,
		AWSConnections: db, APIKeys: db, InboundEndpoints: db, PublicBaseURL: publicURL,
		Simulator: dev.simulator, Usage: db, MeteringFlusher: dev.flusher, MeteringWindow: dev.window,
		SecretKey: secretKey, Logger: logger})
}

// apiPrefixes are the paths the REST API answers (its routes, its 404 and 405 answers); every
// other path is the console's.
var apiPrefixes = []string{"/api/", "/hooks/", "/healthz", "/readyz", "/metrics"}

// newTopServer returns the server of the one listener: a top-level mux that routes the API's
// prefixes to the API (with its own middleware, limits and problem answers) and everything
// else to the console, with the API's limits and timeouts (http.NewServer's) on every request.
func newTopServer(api *dhttp.Server, console http.Handler, logger *slog.Logger) *http.Server {
	mux := http.NewServeMux()
	for _, p := range apiPrefixes {
		mux.Handle(p, api)
	}
	mux.Handle("/", console)
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		MaxHeaderBytes:    dhttp.MaxHeaderBytes,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
}
