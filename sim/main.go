package sim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// Serve runs the simulator built from cfg on addr until ctx is cancelled, then shuts down
// cleanly and writes the state file. An empty cfg.BaseURL becomes http://<the listener's
// address>. It prints the address, the settings and the seed to stdout. The `dealdesk sim`
// command (package cli) parses its flags into addr and cfg.
func Serve(ctx context.Context, addr string, cfg Config, stdout io.Writer) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
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
	printSettings(stdout, srv.cfg)
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

// printSettings writes the settings that change the simulator's answers, so that a run shows
// what its flags and environment chose.
func printSettings(w io.Writer, c Config) {
	state := "in memory"
	if c.StatePath != "" {
		state = c.StatePath
	}
	fmt.Fprintf(w, "settings metering window %s  change sets take %s  quotas %t  manufacturer reads agreements %t  state %s\n",
		c.MeteringWindow, c.ChangeSetDelay, !c.DisableQuotas, c.ManufacturerReadsAgreements, state)
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
