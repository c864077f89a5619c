package cli_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"testing"
	"time"
)

// meterBulkTerms: no commit metering, 40 compute_hours granted; every metered dimension priced.
var meterBulkTerms = meterTerms{commit: "1000.00", grants: map[string]int64{"compute_hours": 40},
	prices: map[string]string{"compute_hours": "0.50", "api_calls": "0.01", "storage_gb": "0.25", "egress_gb": "0.09", "gpu_hours": "2.50"}}

// bulkUsage makes usage of every metered dimension of ents in each of the hours closed hours
// before hour: two groups an hour with fractions, so that (the grant spent) nearly every hour
// and dimension meters at least one unit.
func bulkUsage(rng *rand.Rand, ents []*meterEntitlement, hour time.Time, hours int) []usageGroup {
	var groups []usageGroup
	for _, ent := range ents {
		for h := -hours; h < 0; h++ {
			for i := range 2 {
				recs := map[string]string{}
				for _, d := range []string{"compute_hours", "api_calls", "storage_gb", "egress_gb", "gpu_hours"} {
					recs[d] = fraction(4 + rng.IntN(400))
				}
				groups = append(groups, usageGroup{ID: fmt.Sprintf("bulk-%s-%d-%d", ent.ID, h, i), EntitlementID: ent.ID,
					Timestamp: hour.Add(time.Duration(h)*time.Hour + time.Duration(1+30*i)*time.Minute), Records: recs})
			}
		}
	}
	return groups
}

// flushUntilDone calls POST /metering/flush until no record is PENDING or SENDING (a flush may
// answer an error while AWS refuses; a SENDING record waits for its lease) and fails the test
// after timeout.
func (e *meterEnv) flushUntilDone(timeout time.Duration) {
	e.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		status, body, err := e.do("POST", "/metering/flush", "")
		if err != nil {
			e.t.Fatalf("flush: %v", err)
		}
		if status != http.StatusOK {
			e.t.Logf("flush answered %d: %.300s", status, body)
		}
		open := 0
		for _, r := range e.records() {
			if r.Status == "PENDING" || r.Status == "SENDING" {
				open++
			}
		}
		if open == 0 {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("%d metering records still PENDING or SENDING after %s of flushes", open, timeout)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// checkAfterFlushes checks the ledger and dealdesk's records and totals against the usage.
func (e *meterEnv) checkAfterFlushes(ents []*meterEntitlement, groups []usageGroup, minRecords int) {
	e.t.Helper()
	x := expectMetering(ents, groups)
	want := x.metered()
	if len(want) < minRecords {
		e.t.Fatalf("the usage meters %d records, want at least %d for the test to mean something", len(want), minRecords)
	}
	got := e.ledgerTotals()
	if d := diffTotals(got, want); d != "" {
		e.t.Errorf("the simulator's ledger differs from the expected overage:\n%s", d)
	}
	gotSum, wantSum := sumByLicense(got), sumByLicense(want)
	if fmt.Sprint(gotSum) != fmt.Sprint(wantSum) {
		e.t.Errorf("ledger totals by license and dimension = %v, want %v", gotSum, wantSum)
	}
	e.checkRecords(ents, x)
	e.checkTotals(ents, x)
}

// TestMeteringSurvivesSIGKILL is issue 8's second acceptance: `dealdesk serve` killed with
// SIGKILL at a random point of a flush (before, during or after BatchMeterUsage calls: 400
// records in 16 calls, the simulator taking 800 ms a call), 20 times, started again each time
// on the same database; then flushed to the end. The ledger holds exactly the expected overage of every hour and dimension
// (no hour lost, nothing twice), no record is DUPLICATE_RECORD or anything but SENT (or
// NOT_METERED where covered), and the totals match. The metering lease is 3 s so that records
// a killed process left SENDING are taken over within the test.
func TestMeteringSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("kills serve 20 times (about a minute)")
	}
	began := time.Now()
	e := newMeterEnv(t, meterConfig{engine: "sqlite", window: 24 * time.Hour, serveArgs: []string{"--metering-lease", "3s"}})
	hour := time.Now().UTC().Truncate(time.Hour)
	hours := historyHours(t, 24*time.Hour, 20, 4)
	ents := e.deal("Killed while metering", meterBulkTerms, meterBuyers[:4], hour.Add(-time.Duration(hours)*time.Hour-10*time.Minute))
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 8))
	groups := bulkUsage(rng, ents, hour, hours)
	e.report(groups)
	devCall(t, "PUT", e.simURL+"/_sim/faults", "", `{"operations":{"BatchMeterUsage":{"latencyMs":800}}}`, http.StatusOK, nil)

	killedMidCall := 0
	for i := range 20 {
		if i > 0 {
			e.start()
		}
		flushed := make(chan int, 1)
		go func() {
			status, _, err := e.do("POST", "/metering/flush", "")
			if err != nil {
				status = 0 // killed before it answered
			}
			flushed <- status
		}()
		time.Sleep(time.Duration(100+rng.IntN(1500)) * time.Millisecond)
		e.serve.kill(t)
		if status := <-flushed; status == 0 {
			killedMidCall++
		}
	}
	t.Logf("20 kills, %d of them before the flush answered; %s", killedMidCall, time.Since(began).Round(time.Millisecond))
	if killedMidCall < 8 {
		t.Errorf("only %d kills cut a flush short; the test means little", killedMidCall)
	}
	devCall(t, "PUT", e.simURL+"/_sim/faults", "", `{"operations":{}}`, http.StatusOK, nil)
	e.start()
	e.flushUntilDone(30 * time.Second)
	e.checkAfterFlushes(ents, groups, 300*hours/20) // fewer on the 1st of a month (historyHours)
	t.Logf("done in %s", time.Since(began).Round(time.Millisecond))
}

// TestMeteringWithFaults is issue 8's third acceptance: the simulator answers 20% of
// BatchMeterUsage calls with internal errors, throttles 20%, leaves 20% of records unprocessed
// and loses 10% of its answers after metering; flushing until nothing is pending puts exactly
// the expected overage in its ledger, with every record SENT and nothing twice.
func TestMeteringWithFaults(t *testing.T) {
	t.Parallel()
	e := newMeterEnv(t, meterConfig{engine: "sqlite", window: 24 * time.Hour, serveArgs: []string{"--metering-lease", "3s"}})
	hour := time.Now().UTC().Truncate(time.Hour)
	hours := historyHours(t, 24*time.Hour, 5, 2)
	ents := e.deal("Faults", meterBulkTerms, meterBuyers[:2], hour.Add(-time.Duration(hours)*time.Hour-10*time.Minute))
	groups := bulkUsage(rand.New(rand.NewPCG(3, 4)), ents, hour, hours)
	e.report(groups)
	faults, _ := json.Marshal(map[string]any{"seed": 7, "operations": map[string]any{"BatchMeterUsage": map[string]any{
		"errorRate": 0.2, "throttleRate": 0.2, "unprocessedRate": 0.2, "lostAnswerRate": 0.1}}})
	devCall(t, "PUT", e.simURL+"/_sim/faults", "", string(faults), http.StatusOK, nil)
	e.flushUntilDone(60 * time.Second)
	e.checkAfterFlushes(ents, groups, 40*hours/5)
}
