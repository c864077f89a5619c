package http_test

import (
	"strings"
	"testing"
)

func TestAuth_RequiresAValidKey(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *env) {
		tests := []struct {
			name   string
			header string
		}{
			{"no header", ""},
			{"wrong key", "Bearer dd_not_a_real_key"},
			{"key of the wrong shape", "Bearer x"},
			{"empty bearer", "Bearer "},
			{"basic scheme", "Basic " + e.keyA},
			{"key without scheme", e.keyA},
		}
		paths := []req{
			{method: "GET", path: "/api/v1/offers"},
			{method: "GET", path: "/api/v1/products"},
			{method: "GET", path: "/api/v1/entitlements"},
			{method: "POST", path: "/api/v1/offers", body: opportunity("prd_x")},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				e := e.in(t)
				for _, r := range paths {
					if tt.header != "" {
						r.header = map[string]string{"Authorization": tt.header}
					}
					r.bad = true
					res := e.do(r).want(t, 401)
					if got := res.header.Get("WWW-Authenticate"); !strings.HasPrefix(got, "Bearer") {
						t.Errorf("WWW-Authenticate = %q, want Bearer", got)
					}
				}
			})
		}
		if n := len(e.offerIDs(e.keyA)); n != 0 {
			t.Errorf("an unauthenticated POST stored %d offers", n)
		}
		// The scheme is case-insensitive.
		e.do(req{method: "GET", path: "/api/v1/offers", header: map[string]string{"Authorization": "bearer " + e.keyA}}).want(t, 200)
	})
}

func TestAuth_KeysAreNeverLogged(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.do(req{method: "GET", path: "/api/v1/offers", key: e.keyA}).want(t, 200)
	e.do(req{method: "GET", path: "/api/v1/offers", header: map[string]string{"Authorization": "Bearer wrong-secret-value"}, bad: true}).want(t, 401)
	logs := e.logs.String()
	if !strings.Contains(logs, "/api/v1/offers") || !strings.Contains(logs, e.orgA) {
		t.Fatalf("requests not logged with their organization: %s", logs)
	}
	for _, s := range []string{e.keyA, "wrong-secret-value", "Bearer"} {
		if strings.Contains(logs, s) {
			t.Errorf("logs contain %q", s)
		}
	}
}
