package sim

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

// Main runs `dealdesk sim`: it serves the simulator on --addr until ctx is cancelled, then
// shuts down cleanly and writes the state file.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("dealdesk sim", flag.ContinueOnError)
	fs.SetOutput(stdout)
	env := func(name, def string) string {
		if v, ok := os.LookupEnv("DEALDESK_SIM_" + name); ok {
			return v
		}
		return def
	}
	addr := fs.String("addr", env("ADDR", "127.0.0.1:4566"), "listen address `host:port` (env DEALDESK_SIM_ADDR)")
	statePath := fs.String("state", env("STATE", ""), "state `file` kept across restarts; empty keeps state in memory (env DEALDESK_SIM_STATE)")
	seedPath := fs.String("seed", env("SEED", ""), "seed `file` (JSON: seller, products, resellers, buyers); empty uses the built-in demo seed (env DEALDESK_SIM_SEED)")
	region := fs.String("region", env("REGION", DefaultRegion), "AWS `region` requests must be signed for (env DEALDESK_SIM_REGION)")
	baseURL := fs.String("base-url", env("BASE_URL", ""), "public `URL` of the simulator, for SQS queue URLs and the SNS certificate URL; default http://<addr> (env DEALDESK_SIM_BASE_URL)")
	var window, delay time.Duration
	var quotasOn, manufacturerReads bool
	var parseErrs []string
	durationEnv := func(name string, def time.Duration) time.Duration {
		v, ok := os.LookupEnv("DEALDESK_SIM_" + name)
		if !ok {
			return def
		}
		d, err := time.ParseDuration(v)
		if err != nil {
			parseErrs = append(parseErrs, fmt.Sprintf("DEALDESK_SIM_%s: %q is not a duration such as 6h or 500ms", name, v))
			return def
		}
		return d
	}
	boolEnv := func(name string, def bool) bool {
		v, ok := os.LookupEnv("DEALDESK_SIM_" + name)
		if !ok {
			return def
		}
		b, err := strconv.ParseBool(v)
		if err != nil {
			parseErrs = append(parseErrs, fmt.Sprintf("DEALDESK_SIM_%s: %q is not true or false", name, v))
			return def
		}
		return b
	}
	fs.DurationVar(&window, "metering-window", durationEnv("METERING_WINDOW", DefaultMeteringWindow),
		"how far in the past BatchMeterUsage accepts a timestamp (env DEALDESK_SIM_METERING_WINDOW)")
	fs.DurationVar(&delay, "changeset-delay", durationEnv("CHANGESET_DELAY", DefaultChangeSetDelay),
		"time a Catalog change set takes from PREPARING to its end; 0 ends it at once (env DEALDESK_SIM_CHANGESET_DELAY)")
	fs.BoolVar(&quotasOn, "quotas", boolEnv("QUOTAS", true),
		"enforce AWS's per-operation request rates with ThrottlingException (env DEALDESK_SIM_QUOTAS)")
	fs.BoolVar(&manufacturerReads, "manufacturer-reads-agreements", boolEnv("MANUFACTURER_READS_AGREEMENTS", false),
		"let the vendor DescribeAgreement/GetAgreementTerms CPPO agreements it is not a party to; AWS does not document this (env DEALDESK_SIM_MANUFACTURER_READS_AGREEMENTS)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), `Usage: dealdesk sim [flags]

Runs a local AWS Marketplace simulator speaking the real wire protocols of the Catalog,
Agreement, Metering, Entitlement and SQS APIs (point aws-sdk clients at it with BaseEndpoint),
plus a control API under /_sim/ that plays resellers and buyers (see README).

Flags (each also read from the environment variable named in its description):
`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if len(parseErrs) > 0 {
		return errors.New(strings.Join(parseErrs, "; "))
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	if window <= 0 {
		return fmt.Errorf("--metering-window must be positive, got %s", window)
	}
	if delay < 0 {
		return fmt.Errorf("--changeset-delay must not be negative, got %s", delay)
	}
	cfg := Config{StatePath: *statePath, MeteringWindow: window, ChangeSetDelay: delay, DisableQuotas: !quotasOn,
		ManufacturerReadsAgreements: manufacturerReads, Region: *region,
		Logger: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))}
	if delay == 0 {
		cfg.ChangeSetDelay = -1
	}
	if *seedPath != "" {
		seed, err := LoadSeed(*seedPath)
		if err != nil {
			return err
		}
		cfg.Seed = &seed
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	cfg.BaseURL = *baseURL
	if cfg.BaseURL == "" {
		cfg.BaseURL = "http://" + ln.Addr().String()
	}
	srv, err := New(cfg)
	if err != nil {
		ln.Close()
		return err
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(stdout, "dealdesk sim listening on %s\n", cfg.BaseURL)
	printSeed(stdout, srv.Seed())
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		srv.Close()
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	srv.faults.close() // release requests held by injected timeouts
	srv.sqs.Close()    // and long polls
	shutErr := hs.Shutdown(shutdownCtx)
	if err := srv.Close(); err != nil {
		return fmt.Errorf("write state: %w", err)
	}
	if shutErr != nil && !errors.Is(shutErr, context.DeadlineExceeded) {
		return shutErr
	}
	fmt.Fprintln(stdout, "dealdesk sim stopped")
	return nil
}

// printSeed writes a short summary of the seed.
func printSeed(w io.Writer, s Seed) {
	fmt.Fprintf(w, "seller   %s  %s\n", s.Seller.AccountID, s.Seller.LegalName)
	for _, p := range s.Products {
		var ent, met []string
		for _, d := range p.Dimensions {
			if d.has(DimensionEntitled) {
				ent = append(ent, d.Key)
			}
			if d.has(DimensionMetered) {
				met = append(met, d.Key)
			}
		}
		fmt.Fprintf(w, "product  %s  code %s  %q  metering %s  entitled [%s]  metered [%s]\n",
			p.ProductID, p.ProductCode, p.Title, p.MeteringMode, strings.Join(ent, ", "), strings.Join(met, ", "))
	}
	for _, p := range s.Resellers {
		fmt.Fprintf(w, "reseller %s  %s\n", p.AccountID, p.LegalName)
	}
	for _, p := range s.Buyers {
		fmt.Fprintf(w, "buyer    %s  %s\n", p.AccountID, p.LegalName)
	}
}
