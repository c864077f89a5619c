package cli_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestUsageOutsideWindowRefused: usage older than what can still reach AWS (serve's window is
// 6 hours) and usage on a contract dimension (seats, ENTITLED) are refused with 422 naming
// `timestamp` and `records.seats`, one group at a time and in a batch; nothing is stored, and a
// flush sends nothing to the simulator.
func TestUsageOutsideWindowRefused(t *testing.T) {
	t.Parallel()
	e := newMeterEnv(t, meterConfig{engine: "sqlite", serveArgs: []string{"--metering-window", "6h"}})
	// The simulator's window is its default (6 hours) too: the deal starts 5 hours ago.
	now := time.Now().UTC()
	ents := e.deal("Outside the window", meterE2ETerms, meterBuyers[:1], now.Add(-5*time.Hour-50*time.Minute))
	ent := ents[0]
	tooOld := now.Add(-5*time.Hour - 30*time.Minute) // after the start, before OldestUsage (now − 4h55m at best)
	cases := []struct {
		name, field, says string
		group             map[string]any
	}{
		{"older than the window", "timestamp", "too old", map[string]any{"id": "old-1", "timestamp": tooOld, "records": map[string]string{"api_calls": "10"}}},
		{"a contract dimension", "records.seats", "", map[string]any{"id": "seats-1", "timestamp": now.Add(-2 * time.Hour), "records": map[string]string{"seats": "3"}}},
	}
	for _, c := range cases {
		b, _ := json.Marshal(c.group)
		status, body, err := e.do("POST", "/entitlements/"+ent.ID+"/usage", string(b))
		if err != nil {
			t.Fatal(err)
		}
		var p struct {
			Errors []struct{ Field, Message string }
		}
		if err := json.Unmarshal(body, &p); err != nil || status != http.StatusUnprocessableEntity || len(p.Errors) != 1 ||
			p.Errors[0].Field != c.field || !strings.Contains(p.Errors[0].Message, c.says) {
			t.Errorf("%s: %d %s; want 422 naming %s", c.name, status, body, c.field)
		}
		c.group["entitlementId"] = ent.ID
		bb, _ := json.Marshal(map[string]any{"groups": []any{c.group}})
		var res struct {
			Accepted, Rejected int
			Results            []struct {
				Status  int
				Problem struct {
					Errors []struct{ Field, Message string }
				}
			}
		}
		e.call("POST", "/usage:batch", string(bb), http.StatusOK, &res)
		if res.Accepted != 0 || res.Rejected != 1 || len(res.Results) != 1 || res.Results[0].Status != http.StatusUnprocessableEntity ||
			len(res.Results[0].Problem.Errors) != 1 || res.Results[0].Problem.Errors[0].Field != "groups[0]."+c.field {
			t.Errorf("%s in a batch: %+v; want 422 naming groups[0].%s", c.name, res, c.field)
		}
	}
	var groups struct{ Items []json.RawMessage }
	e.call("GET", "/usage-groups?entitlementId="+ent.ID, "", http.StatusOK, &groups)
	if len(groups.Items) != 0 {
		t.Errorf("usage groups stored: %s; want none", groups.Items)
	}
	var res flushResult
	e.call("POST", "/metering/flush", "", http.StatusOK, &res)
	if res.Closed != 0 || res.Sent != 0 || len(e.records()) != 0 {
		t.Errorf("flush closed %d and sent %d, %d records; want none", res.Closed, res.Sent, len(e.records()))
	}
	if l := e.ledger(); len(l) != 0 {
		t.Errorf("the simulator's ledger holds %+v; want nothing", l)
	}
}
