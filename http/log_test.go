package http_test

import (
	"strings"
	"testing"
)

// TestLogs_RequestLineIsBoundedAndNamesTheRoute pins review 2 G3: the caller chooses the path and
// the method, so the request log clips both (a path of %01 escapes grows fourfold when logged),
// and names the route pattern that matched. Each request may add at most 2 KiB to the log (256 bytes of
// path, escaped).
func TestLogs_RequestLineIsBoundedAndNamesTheRoute(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	long := "/api/v1/" + strings.Repeat("%01", 20<<10) // 20 KiB of control characters once decoded
	for _, tc := range []struct {
		name, method, path, route string
		status                    int
	}{
		{"long unknown path", "GET", long, "unmatched", 404},
		{"long ID", "GET", "/api/v1/offers/" + strings.Repeat("x", 50<<10), "/api/v1/offers/{id}", 404},
		{"long method", strings.Repeat("M", 30<<10), "/api/v1/offers", "unmatched", 405},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := e.in(t)
			before := len(e.logs.String())
			e.do(req{method: tc.method, path: tc.path, key: e.keyA, undocumented: true}).want(t, tc.status)
			logs := e.logs.String()
			added := logs[before:]
			if len(added) > 2<<10 {
				t.Errorf("one request added %d bytes to the log, want at most 2 KiB: %.300s", len(added), added)
			}
			if !strings.Contains(added, "route="+tc.route+" ") {
				t.Errorf("log line does not name route %s: %.300s", tc.route, added)
			}
		})
	}
}
