package sim_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestControlConfigurationPutsNeedAnObject pins one rule for the PUTs that replace a
// configuration (/_sim/events, /_sim/faults, /_sim/quotas): the body must be a JSON object. An
// empty body, blanks or null used to clear the faults (and null the event targets) while an empty
// body was refused for the targets; now each is a 400 VALIDATION and the configuration in force
// stays. {} (with enabled for quotas) is accepted.
func TestControlConfigurationPutsNeedAnObject(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	put := func(t *testing.T, path, body string) (int, map[string]any) {
		t.Helper()
		req, err := http.NewRequest(http.MethodPut, e.url+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		var out map[string]any
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatalf("PUT %s %q: answer is not a JSON object: %v: %s", path, body, err, raw)
		}
		return resp.StatusCode, out
	}
	configs := []struct{ path, set, reset, kept string }{
		{"/_sim/events", `{"faults":{"dropRate":0.5}}`, `{}`, `"dropRate":0.5`},
		{"/_sim/faults", `{"operations":{"DescribeEntity":{"latencyMs":300}}}`, `{}`, `"latencyMs":300`},
		{"/_sim/quotas", `{"enabled":true}`, `{"enabled":false}`, `"enabled":true`},
	}
	for _, c := range configs {
		t.Run(c.path, func(t *testing.T) {
			if st, out := put(t, c.path, c.set); st != http.StatusOK {
				t.Fatalf("PUT %s %s = %d %v", c.path, c.set, st, out)
			}
			for _, body := range []string{``, " \n ", `null`, `[]`, `"x"`} {
				st, out := put(t, c.path, body)
				if st != http.StatusBadRequest || out["code"] != "VALIDATION" || !strings.Contains(out["message"].(string), "JSON object") {
					t.Errorf("PUT %s %q = %d %v, want 400 VALIDATION asking for a JSON object", c.path, body, st, out)
				}
			}
			got, err := http.Get(e.url + c.path)
			if err != nil {
				t.Fatal(err)
			}
			raw, err := io.ReadAll(got.Body)
			got.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			if compact := strings.Join(strings.Fields(string(raw)), ""); !strings.Contains(compact, c.kept) {
				t.Errorf("after refused PUTs GET %s lacks %s: %s", c.path, c.kept, raw)
			}
			if st, out := put(t, c.path, c.reset); st != http.StatusOK {
				t.Errorf("PUT %s %s = %d %v, want 200", c.path, c.reset, st, out)
			}
		})
	}
}
