package cli_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/dealdesk/dealdesk/sqldb/sqldbtest"
)

// meterE2ETerms: a $10 commit that usage consumes at the opportunity's prices, 10
// compute_hours granted for the term.
var meterE2ETerms = meterTerms{commit: "10.00", againstCommit: true, grants: map[string]int64{"seats": 5, "compute_hours": 10},
	prices: map[string]string{"compute_hours": "0.50", "api_calls": "0.01", "storage_gb": "0.25", "egress_gb": "0.09", "gpu_hours": "2.50"}}

// meterE2EUsage is the usage of TestMeteringEndToEnd, by hour before the current one (H-4 is
// the oldest closed hour), several groups an hour. The expected ledger, worked by hand (grant
// first, then the commit, within an hour in key order api_calls, compute_hours, storage_gb):
//
//	H-4  api_calls 250.25 ($2.5025), compute_hours 6.5 (grant), storage_gb 3.3 ($0.825):
//	     all covered, $6.6725 of the commit left: nothing metered
//	H-3  api_calls 400.4 ($4.004), compute_hours 5.75 (3.5 by the grant, 2.25 for $1.125):
//	     covered, $1.5435 left; storage_gb 10.1: 6.174 covered, 3.926 → 3, carry 0.926
//	H-2  api_calls 120.7 → 120 (carry 0.7), compute_hours 3.3 → 3 (0.3),
//	     storage_gb 0.5 + 0.926 → 1 (0.426)
//	H-1  api_calls 0.35 + 0.7 → 1 (0.05), compute_hours 0.8 + 0.3 → 1 (0.1),
//	     storage_gb 2.574 + 0.426 → 3 (0)
var meterE2EUsage = map[int][]map[string]string{
	-4: {{"api_calls": "250", "compute_hours": "6.5"}, {"api_calls": "0.25", "storage_gb": "3.3"}},
	-3: {{"api_calls": "400.4", "compute_hours": "5"}, {"compute_hours": "0.75", "storage_gb": "10.1"}},
	-2: {{"api_calls": "120.7"}, {"compute_hours": "3.3"}, {"storage_gb": "0.5"}},
	-1: {{"api_calls": "0.35", "compute_hours": "0.8", "storage_gb": "2.574"}},
	0:  {{"api_calls": "999"}}, // the open hour: not closed, not sent
}

// meterE2EWant is the ledger worked by hand above, by hour and dimension.
var meterE2EWant = map[string]int64{"H-3 storage_gb": 3, "H-2 api_calls": 120, "H-2 compute_hours": 3, "H-2 storage_gb": 1,
	"H-1 api_calls": 1, "H-1 compute_hours": 1, "H-1 storage_gb": 3}

// TestMeteringEndToEnd is issue 8's first acceptance through real processes: `dealdesk serve`
// and `dealdesk sim` (quotas on), on SQLite and on PostgreSQL. An opportunity granting
// compute_hours (ENTITLED_AND_METERED) with a commit that usage consumes is published, offered
// by the reseller and accepted about 4 hours ago; usage with fractions is reported through the
// HTTP API over those hours; after POST /metering/flush the simulator's ledger holds exactly the
// overage per hour and dimension (computed apart from dealdesk, and by hand above), nothing for
// covered hours, and GET /entitlements/{id}/metering sums it. A second flush sends nothing.
func TestMeteringEndToEnd(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		historyHours(t, 24*time.Hour, 4, 4) // the usage table below spans 4 closed hours
		e := newMeterEnv(t, meterConfig{engine: engine, window: 24 * time.Hour})
		hour := time.Now().UTC().Truncate(time.Hour)
		if time.Until(hour.Add(time.Hour)) < 2*time.Minute {
			// Too near the end of the hour: the open hour would close while the test runs.
			time.Sleep(time.Until(hour.Add(time.Hour)) + time.Second)
			hour = time.Now().UTC().Truncate(time.Hour)
		}
		// The open hour's usage is stamped up to a minute into the hour: it must not be in
		// the future when it is reported (422), as it was right after the wait above.
		if wait := time.Until(hour.Add(time.Minute + time.Second)); wait > 0 {
			time.Sleep(wait)
		}
		ents := e.deal("End to end "+engine, meterE2ETerms, meterBuyers[:1], hour.Add(-4*time.Hour-15*time.Minute))
		ent := ents[0]

		var groups []usageGroup
		for h := -4; h <= 0; h++ {
			for i, recs := range meterE2EUsage[h] {
				groups = append(groups, usageGroup{ID: fmt.Sprintf("e2e-%d-%d", h, i), EntitlementID: ent.ID,
					Timestamp: hour.Add(time.Duration(h)*time.Hour + time.Duration(5+20*i)*time.Second), Records: recs})
			}
		}
		// One group through the single-group endpoint, the rest in a batch.
		one, _ := json.Marshal(map[string]any{"id": groups[0].ID, "timestamp": groups[0].Timestamp, "records": groups[0].Records})
		e.call("POST", "/entitlements/"+ent.ID+"/usage", string(one), http.StatusCreated, nil)
		e.report(groups) // the first is answered as stored before

		var res flushResult
		e.call("POST", "/metering/flush", "", http.StatusOK, &res)
		closedGroups := groups[:len(groups)-1] // not the open hour's
		x := expectMetering(ents, closedGroups)
		want := x.metered()
		byHand := map[meterKey]int64{}
		for k, q := range meterE2EWant {
			var h int
			var dim string
			if _, err := fmt.Sscanf(k, "H%d %s", &h, &dim); err != nil {
				t.Fatal(err)
			}
			byHand[meterKey{ent.LicenseArn, hour.Add(time.Duration(h) * time.Hour), dim}] = q
		}
		if d := diffTotals(want, byHand); d != "" {
			t.Fatalf("the test's own computation differs from the hand-worked ledger:\n%s", d)
		}
		if d := diffTotals(e.ledgerTotals(), want); d != "" {
			t.Fatalf("the simulator's ledger differs from the expected overage:\n%s", d)
		}
		if res.Closed != 12 || res.Sent != len(want) || res.Failed != 0 {
			t.Errorf("flush closed %d, sent %d, failed %d; want 12 closed (4 hours × 3 dimensions), %d sent", res.Closed, res.Sent, res.Failed, len(want))
		}
		e.checkRecords(ents, x)
		e.checkTotals(ents, x)

		var again flushResult
		e.call("POST", "/metering/flush", "", http.StatusOK, &again)
		if again.Closed != 0 || again.Sent != 0 || len(e.ledger()) != len(want) {
			t.Errorf("a second flush closed %d and sent %d, the ledger holds %d records; want nothing more", again.Closed, again.Sent, len(e.ledger()))
		}
	})
}
