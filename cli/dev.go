package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/dealdesk/dealdesk/sim"
)

const devUsage = `Usage: dealdesk dev [flags]

Runs the AWS Marketplace simulator and the dealdesk server in one process, wired together, for
trying dealdesk on one machine: a demo organization with an API key, its AWS connection to the
simulator, its inbound endpoint with the simulator's events delivered to it, the simulator's
products registered, and a reseller and a buyer of the simulator's seed saved. Everything is
kept in --data (the SQLite database, the secret key, the simulator's state); a second run on the
same folder resumes with the same organization and key. It writes the values a client needs
(apiUrl, apiKey, simUrl, orgId, productId, resellerAccountId, buyerAccountId) to dev.json in
that folder (mode 0600) and prints them, the API key included: dev is for development only.
The web console is at the server's address; dev makes a demo user (demo@dealdesk.local) with a
random password and writes both to dev.json too (consoleUrl, consoleEmail, consolePassword).
Runs until interrupted (SIGINT or SIGTERM).
`

// devChangeSetDelay is how long the simulator's change sets take under dev, and devPoll how
// often the server checks one: short, so that a walk-through does not wait.
const (
	devChangeSetDelay = time.Second
	devPoll           = 500 * time.Millisecond
	devGrace          = 5 * time.Second
)

// runDev runs the simulator and the server, wired together, until ctx ends (decision 019).
func runDev(ctx context.Context, args []string, env Env) error {
	fs := newFlagSet("dev", devUsage, env)
	dir := fs.String("data", envDefault(env, "DEALDESK_DEV_DATA", "dealdesk-data"), "`folder` holding the database, the secret key, the simulator's state and dev.json; made when missing (DEALDESK_DEV_DATA)")
	addr := fs.String("addr", envDefault(env, "DEALDESK_ADDR", "127.0.0.1:8080"), "`address` the server listens on (DEALDESK_ADDR)")
	simAddr := fs.String("sim-addr", envDefault(env, "DEALDESK_SIM_ADDR", "127.0.0.1:4566"), "`address` the simulator listens on (DEALDESK_SIM_ADDR)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := os.MkdirAll(*dir, 0o700); err != nil {
		return fmt.Errorf("make the data folder: %w", err)
	}
	logger := slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))

	// The simulator first: the server's connection and event target point at it.
	simLn, err := net.Listen("tcp", *simAddr)
	if err != nil {
		return fmt.Errorf("simulator: listen on %s: %w", *simAddr, err)
	}
	simURL := "http://" + simLn.Addr().String()
	simSrv, err := sim.New(sim.Config{StatePath: filepath.Join(*dir, "sim-state.json"), BaseURL: simURL,
		ChangeSetDelay: devChangeSetDelay, Logger: logger})
	if err != nil {
		simLn.Close()
		return fmt.Errorf("simulator: %w", err)
	}
	simHTTP := &http.Server{Handler: simSrv, ReadHeaderTimeout: 10 * time.Second}
	simErr := make(chan error, 1)
	go func() { simErr <- simHTTP.Serve(simLn) }()
	stopSim := func() error {
		shutdownCtx, cancel := context.WithTimeout(context.Background(), devGrace)
		defer cancel()
		closeErr := simSrv.Close() // releases long polls, writes the state
		_ = simHTTP.Shutdown(shutdownCtx)
		if closeErr != nil {
			return fmt.Errorf("simulator: write state: %w", closeErr)
		}
		return nil
	}
	fmt.Fprintf(env.Stdout, "dealdesk dev: simulator listening on %s\n", simURL)

	dsn := filepath.Join(*dir, "dealdesk.db")
	svc, err := startService(ctx, serviceConfig{DSN: dsn, Addr: *addr, SNSOrigins: []string{simURL},
		ChangeSetPoll: devPoll, RescueAfter: 30 * time.Second, SQSRefresh: 5 * time.Second, Logger: logger,
		ConsoleSimulator: newDevSimulator(simURL)}, env)
	if err != nil {
		_ = stopSim()
		return err
	}
	info, err := wireDev(ctx, svc, simSrv.Seed(), simURL, *dir, defaultKeyFile(dsn, svc.db.Engine()))
	if err == nil {
		err = writeDevFile(filepath.Join(*dir, devFileName), info)
	}
	if err != nil {
		_ = svc.stop(devGrace, env)
		_ = stopSim()
		return err
	}
	printDev(env, info, filepath.Join(*dir, devFileName))

	select {
	case err = <-simErr:
		err = fmt.Errorf("simulator: %w", err)
	case err = <-svc.errc:
		err = fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	stopErr := svc.stop(devGrace, env)
	simStopErr := stopSim()
	if err := errors.Join(err, stopErr, simStopErr); err != nil {
		return err
	}
	fmt.Fprintln(env.Stdout, "dealdesk dev: stopped")
	return nil
}
