package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/sqldb"
)

// recordsPerGroup is how many records (dimensions) each usage group of the ingest holds.
const recordsPerGroup = 2

// usageGroup is the i-th of n groups spread over [start, start+span): api_calls varies, seats
// is a quarter, as in sqldb's BenchmarkCloseUsageHours1M.
func usageGroup(entitlement string, i, n int, start time.Time, span time.Duration) dealdesk.UsageGroupInput {
	return dealdesk.UsageGroupInput{ID: "g-" + strconv.Itoa(i), EntitlementID: entitlement,
		Timestamp: start.Add(time.Duration(int64(span) / int64(n) * int64(i))),
		Records: map[string]dealdesk.Decimal{
			"api_calls": dealdesk.MustDecimal(fmt.Sprintf("%d.%d", i%10, i%7)),
			"seats":     dealdesk.MustDecimal("0.25"),
		}}
}

// batchBody is the JSON of POST /api/v1/usage:batch for groups [from, to) of n, quantities
// as JSON numbers.
func batchBody(buf *bytes.Buffer, entitlement string, from, to, n int, start time.Time, span time.Duration) {
	buf.Reset()
	buf.WriteString(`{"groups":[`)
	for i := from; i < to; i++ {
		g := usageGroup(entitlement, i, n, start, span)
		if i > from {
			buf.WriteByte(',')
		}
		fmt.Fprintf(buf, `{"id":%q,"entitlementId":%q,"timestamp":%q,"records":{"api_calls":%s,"seats":%s}}`,
			g.ID, g.EntitlementID, g.Timestamp.Format(time.RFC3339Nano), g.Records["api_calls"], g.Records["seats"])
	}
	buf.WriteString(`]}`)
}

// server is `dealdesk serve` running as its own process.
type server struct {
	cmd *exec.Cmd
	url string
	log *os.File
}

// startServer runs bin serve on dsn at a free loopback port and waits until it is ready.
func startServer(ctx context.Context, bin, dsn, dir, name string) (*server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	log, err := os.Create(dir + "/" + name + "-serve.log")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "serve", "--db", dsn, "--addr", addr, "--secret-key-file", dir+"/"+name+".secret-key",
		"--key-file", dir+"/"+name+".key")
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{cmd: cmd, url: "http://" + addr, log: log}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(s.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.stop()
	return nil, fmt.Errorf("dealdesk serve did not become ready in 60 s (see %s)", log.Name())
}

// peakRSS is the process's peak resident set (VmHWM), in bytes.
func (s *server) peakRSS() (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("no VmHWM in /proc/%d/status", s.cmd.Process.Pid)
}

// stop ends the server with SIGTERM (SIGKILL after 30 s) and waits for it.
func (s *server) stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
	}
	s.log.Close()
}

// ingestResult is what one engine's ingest measured.
type ingestResult struct {
	records          int
	apiElapsed       time.Duration // the POSTs only, not building their bodies
	rawElapsed       time.Duration
	peakRSS          int64
	apiRate, rawRate float64 // records/s
	ratio            float64
}

// ingestAPI posts n groups in batches of dealdesk.MaxUsageBatchGroups to s, one call at a
// time, and checks that every group is accepted.
func ingestAPI(ctx context.Context, s *server, key, entitlement string, n int, start time.Time, span time.Duration) (time.Duration, error) {
	var buf bytes.Buffer
	var elapsed time.Duration
	client := &http.Client{Timeout: 5 * time.Minute}
	for from := 0; from < n; from += dealdesk.MaxUsageBatchGroups {
		to := min(from+dealdesk.MaxUsageBatchGroups, n)
		batchBody(&buf, entitlement, from, to, n, start, span)
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url+"/api/v1/usage:batch", bytes.NewReader(buf.Bytes()))
		if err != nil {
			return 0, err
		}
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", "application/json")
		t0 := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		elapsed += time.Since(t0)
		if err != nil {
			return 0, err
		}
		var answer struct{ Accepted, Rejected int }
		if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &answer) != nil || answer.Accepted != to-from || answer.Rejected != 0 {
			return 0, fmt.Errorf("POST /api/v1/usage:batch groups %d-%d: %d %.300s", from, to, resp.StatusCode, body)
		}
	}
	return elapsed, nil
}

// ingestRaw inserts the same usage_groups rows as n groups of the API would store, with one
// prepared statement in one transaction (decision 023, the usage store's part: one row per
// group, its quantities as text). Building the rows is not timed.
func ingestRaw(ctx context.Context, b *benchDB, n int, start time.Time, span time.Duration) (time.Duration, error) {
	type row struct {
		id, hash, records string
		ts                any
	}
	timeArg := func(t time.Time) any {
		if b.engine == sqldb.EngineSQLite {
			return t.UTC().Format("2006-01-02T15:04:05.000000000Z")
		}
		return t.UTC()
	}
	rows := make([]row, n)
	for i := range rows {
		g := usageGroup(b.entitlement, i, n, start, span)
		rows[i] = row{id: g.ID, hash: g.Hash(), ts: timeArg(g.Timestamp.Truncate(time.Microsecond)),
			records: `{"api_calls":"` + g.Records["api_calls"].String() + `","seats":"` + g.Records["seats"].String() + `"}`}
	}
	now := timeArg(time.Now())
	t0 := time.Now()
	tx, err := b.db.SQL().BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it does nothing
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO usage_groups (org_id, id, entitlement_id, timestamp, content_hash, records, status, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, 'ACCEPTED', $7)`)
	if err != nil {
		return 0, err
	}
	for _, r := range rows {
		if _, err := stmt.ExecContext(ctx, b.orgID, r.id, b.entitlement, r.ts, r.hash, r.records, now); err != nil {
			return 0, fmt.Errorf("raw insert: %w", err)
		}
	}
	if err := stmt.Close(); err != nil {
		return 0, err
	}
	if err := tx.Commit(); err != nil {
		return 0, err
	}
	return time.Since(t0), nil
}
