package main

import (
	"strings"
	"testing"
	"time"
)

// TestCheckFailsEachMissedTarget: each target missed is one FAIL line naming it, and only then.
func TestCheckFailsEachMissedTarget(t *testing.T) {
	good := func() *report {
		return &report{records: 1_000_000, close: 4 * time.Second,
			ingest: map[string]*ingestResult{
				"sqlite":   {ratio: 0.6, peakRSS: 100 << 20, apiRate: 60, rawRate: 100},
				"postgres": {ratio: 0.5, peakRSS: 256 << 20, apiRate: 50, rawRate: 100}},
			sender: &senderResult{rate: 237.5, quota: 250}}
	}
	var out strings.Builder
	if n := good().check(&out); n != 0 || strings.Contains(out.String(), "FAIL") {
		t.Fatalf("targets met: %d failed:\n%s", n, out.String())
	}
	for name, miss := range map[string]func(r *report){
		"postgres ingest":     func(r *report) { r.ingest["postgres"].ratio = 0.49 },
		"sqlite server peak":  func(r *report) { r.ingest["sqlite"].peakRSS = 256<<20 + 1 },
		"CloseUsageHours":     func(r *report) { r.close = 5*time.Second + time.Millisecond },
		"% of the quota":      func(r *report) { r.sender.rate = 237 },
		"ThrottlingException": func(r *report) { r.sender.throttled = 1 },
	} {
		r := good()
		miss(r)
		out.Reset()
		n := r.check(&out)
		var fails []string
		for _, l := range strings.Split(out.String(), "\n") {
			if strings.HasPrefix(l, "FAIL") {
				fails = append(fails, l)
			}
		}
		if n != 1 || len(fails) != 1 || !strings.Contains(fails[0], name) {
			t.Errorf("missing %s: %d failed, FAIL lines %q", name, n, fails)
		}
	}
}
