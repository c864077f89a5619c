// Command dealdesk-bench runs dealdesk's metering benchmarks (issue 8) and prints them as the
// markdown table the README keeps: usage ingest through the HTTP batch API on SQLite and
// PostgreSQL beside a raw insert baseline, the server's peak memory while ingesting, closing
// the stored records into hourly metering records, and sending them to the simulator under
// AWS's quotas. Each target is checked: a missed one is named on a "FAIL" line and the command
// exits 1. Run it with scripts/bench.sh, which starts PostgreSQL and builds the server.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strconv"
)

func main() {
	if err := run(context.Background(), os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "dealdesk-bench:", err)
		os.Exit(1)
	}
}

// config is the command's flags.
type config struct {
	records       int    // usage records ingested per engine (2 per group)
	senderRecords int    // metering records the sender benchmark sends
	bin           string // the dealdesk binary
	pg            string // DSN of the PostgreSQL server's postgres database
	dir           string // where the SQLite files and server logs go
}

func run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("dealdesk-bench", flag.ContinueOnError)
	var c config
	fs.IntVar(&c.records, "records", envInt("DEALDESK_BENCH_RECORDS", 1_000_000), "usage `records` ingested per engine, 2 per usage group (DEALDESK_BENCH_RECORDS); the targets are for 1,000,000")
	fs.IntVar(&c.senderRecords, "sender-records", envInt("DEALDESK_BENCH_SENDER_RECORDS", 3000), "metering `records` the sender benchmark sends (DEALDESK_BENCH_SENDER_RECORDS)")
	fs.StringVar(&c.bin, "dealdesk", "dealdesk", "`path` of the dealdesk binary run as the server")
	fs.StringVar(&c.pg, "pg", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "`DSN` of a PostgreSQL server's postgres database; each run creates and drops its own databases")
	fs.StringVar(&c.dir, "dir", "", "`folder` for the SQLite files and server logs (default: a new temporary one, removed after)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if c.records < 2*1000 || c.records%recordsPerGroup != 0 {
		return fmt.Errorf("--records must be an even number of at least 2000, got %d", c.records)
	}
	if c.dir == "" {
		dir, err := os.MkdirTemp("", "dealdesk-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		c.dir = dir
	}
	r := &report{machine: describeMachine(), records: c.records}
	fmt.Fprintf(os.Stderr, "== %s\n", r.machine)
	if err := r.measure(ctx, c); err != nil {
		return err
	}
	r.print(os.Stdout)
	if failed := r.check(os.Stdout); failed > 0 {
		return fmt.Errorf("%d target(s) missed", failed)
	}
	return nil
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return v
	}
	return def
}
