package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"syscall"
	"time"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/sqldb"
	"github.com/shopspring/decimal"
)

// The targets (issue 8, item 8).
const (
	minIngestRatio = 0.5
	maxClose       = 5 * time.Second
	minSenderShare = 0.95
	maxPeakRSS     = 256 << 20
)

// report is one run's measurements.
type report struct {
	machine  string
	records  int
	ingest   map[string]*ingestResult // by engine
	close    time.Duration
	closeCPU time.Duration
	sender   *senderResult
}

var engines = []string{sqldb.EngineSQLite, sqldb.EnginePostgres}

// measure runs every benchmark.
func (r *report) measure(ctx context.Context, c config) error {
	hour := time.Now().UTC().Truncate(time.Hour)
	// Usage over the four hours before this one: closed, and inside AWS's 6-hour window.
	const span = 4 * time.Hour
	start := hour.Add(-span)
	groups := c.records / recordsPerGroup
	r.ingest = map[string]*ingestResult{}
	var closeDSN string
	for _, engine := range engines {
		res := &ingestResult{records: c.records}
		r.ingest[engine] = res
		for _, raw := range []bool{true, false} {
			name := engine + map[bool]string{true: "-raw", false: "-api"}[raw]
			dsn, drop := newSQLiteDSN(c.dir, name)
			if engine == sqldb.EnginePostgres {
				var err error
				if dsn, drop, err = newPostgresDSN(ctx, c.pg, map[bool]string{true: "raw", false: "api"}[raw]); err != nil {
					return err
				}
			}
			b, err := seed(ctx, engine, dsn, start, drop)
			if err != nil {
				drop()
				return err
			}
			if raw {
				fmt.Fprintf(os.Stderr, "== %s: raw baseline, %d records\n", engine, c.records)
				res.rawElapsed, err = ingestRaw(ctx, b, groups, start, span)
				b.close()
				if err != nil {
					return err
				}
				continue
			}
			b.db.Close()
			fmt.Fprintf(os.Stderr, "== %s: %d records through POST /api/v1/usage:batch to dealdesk serve\n", engine, c.records)
			s, err := startServer(ctx, c.bin, dsn, c.dir, name)
			if err != nil {
				drop()
				return err
			}
			res.apiElapsed, err = ingestAPI(ctx, s, b.apiKey, b.entitlement, groups, start, span)
			if err == nil {
				res.peakRSS, err = s.peakRSS()
			}
			s.stop()
			if engine == sqldb.EngineSQLite {
				closeDSN = dsn
			}
			drop()
			if err != nil {
				return err
			}
		}
		res.apiRate = float64(c.records) / res.apiElapsed.Seconds()
		res.rawRate = float64(c.records) / res.rawElapsed.Seconds()
		res.ratio = res.apiRate / res.rawRate
	}

	fmt.Fprintf(os.Stderr, "== sqlite: CloseUsageHours of the %d records ingested\n", c.records)
	if err := r.measureClose(ctx, closeDSN, hour, groups); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "== sender: %d metering records to the simulator, quotas on\n", c.senderRecords)
	var err error
	r.sender, err = benchSender(ctx, c.dir, c.senderRecords)
	return err
}

// measureClose times closing every stored hour of the SQLite database at dsn, in wall and in
// this process's CPU time, and checks what it made: one record per hour and dimension.
func (r *report) measureClose(ctx context.Context, dsn string, hour time.Time, groups int) error {
	db, err := sqldb.Open(ctx, dsn, sqldb.Options{MustExist: true, Logger: quiet})
	if err != nil {
		return err
	}
	defer db.Close()
	var orgID string
	if err := db.SQL().QueryRowContext(ctx, `SELECT id FROM organizations`).Scan(&orgID); err != nil {
		return err
	}
	octx := dealdesk.NewContextWithOrgID(ctx, orgID)
	cpu0, t0 := cpuTime(), time.Now()
	recs, err := db.CloseUsageHours(octx, hour, dealdesk.MeteringOptions{})
	r.close, r.closeCPU = time.Since(t0), cpuTime()-cpu0
	if err != nil {
		return fmt.Errorf("CloseUsageHours: %w", err)
	}
	if len(recs) != 8 {
		return fmt.Errorf("CloseUsageHours made %d metering records; want 8 (4 hours, 2 dimensions)", len(recs))
	}
	seats := decimal.Zero
	for _, rec := range recs {
		if rec.DimensionKey == "seats" {
			seats = seats.Add(rec.Usage.Decimal)
		}
	}
	if want := decimal.NewFromInt(int64(groups)).Div(decimal.NewFromInt(4)); !seats.Equal(want) {
		return fmt.Errorf("CloseUsageHours counted %s seats; want %s", seats, want)
	}
	return nil
}

// cpuTime is the CPU time (user and system) this process has used.
func cpuTime() time.Duration {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		return 0
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}

// print writes the markdown table.
func (r *report) print(w io.Writer) {
	s, p := r.ingest[sqldb.EngineSQLite], r.ingest[sqldb.EnginePostgres]
	fmt.Fprintf(w, "\nMachine: %s\n\n", r.machine)
	fmt.Fprintln(w, "| benchmark | SQLite | PostgreSQL | target |")
	fmt.Fprintln(w, "|---|---|---|---|")
	fmt.Fprintf(w, "| ingest: %s records through `POST /api/v1/usage:batch` to `dealdesk serve` (10,000 groups of 2 records a call) | %s records/s | %s records/s | |\n",
		count(r.records), count(int(s.apiRate)), count(int(p.apiRate)))
	fmt.Fprintf(w, "| raw baseline: the same `usage_groups` rows, one prepared `INSERT`, one transaction | %s records/s | %s records/s | |\n",
		count(int(s.rawRate)), count(int(p.rawRate)))
	fmt.Fprintf(w, "| ingest ÷ raw baseline | %.2f | %.2f | ≥ %.1f |\n", s.ratio, p.ratio, minIngestRatio)
	fmt.Fprintf(w, "| server's peak RSS (VmHWM) while ingesting | %.0f MiB | %.0f MiB | ≤ %d MiB |\n",
		mib(s.peakRSS), mib(p.peakRSS), maxPeakRSS>>20)
	fmt.Fprintf(w, "| `CloseUsageHours`: %s stored records into hourly metering records | %.2f s (%.2f s CPU) | | ≤ %.0f s (SQLite) |\n",
		count(r.records), r.close.Seconds(), r.closeCPU.Seconds(), maxClose.Seconds())
	fmt.Fprintf(w, "| sender: %s metering records to the simulator, quotas on (BatchMeterUsage 10/s × 25) | %.1f records/s, %.1f%% of %.0f; %d calls, %d throttled | | ≥ %.0f%%, 0 throttled |\n",
		count(r.sender.records), r.sender.rate, 100*r.sender.rate/r.sender.quota, r.sender.quota, r.sender.calls, r.sender.throttled, 100*minSenderShare)
	fmt.Fprintln(w)
}

// check writes a line per target, "ok" or "FAIL", and returns how many failed.
func (r *report) check(w io.Writer) int {
	failed := 0
	line := func(ok bool, format string, args ...any) {
		status := "ok  "
		if !ok {
			status = "FAIL"
			failed++
		}
		fmt.Fprintf(w, "%s %s\n", status, fmt.Sprintf(format, args...))
	}
	for _, e := range engines {
		res := r.ingest[e]
		line(res.ratio >= minIngestRatio, "%s ingest: %.2f of the raw baseline (%s vs %s records/s); target ≥ %.1f", e, res.ratio,
			count(int(res.apiRate)), count(int(res.rawRate)), minIngestRatio)
		line(res.peakRSS <= maxPeakRSS, "%s server peak RSS while ingesting %s records: %.0f MiB; target ≤ %d MiB", e, count(r.records),
			mib(res.peakRSS), maxPeakRSS>>20)
	}
	line(r.close <= maxClose, "sqlite CloseUsageHours of %s records: %.2f s; target ≤ %.0f s", count(r.records), r.close.Seconds(), maxClose.Seconds())
	line(r.sender.rate >= minSenderShare*r.sender.quota, "sender: %.1f records/s, %.1f%% of the quota's %.0f; target ≥ %.0f%%",
		r.sender.rate, 100*r.sender.rate/r.sender.quota, r.sender.quota, 100*minSenderShare)
	line(r.sender.throttled == 0, "sender: %d ThrottlingException answers; target 0", r.sender.throttled)
	return failed
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

// count writes n with thousands separators.
func count(n int) string {
	s := fmt.Sprintf("%d", n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
