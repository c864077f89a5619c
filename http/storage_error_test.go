package http_test

import (
	"strings"
	"testing"

	"github.com/dealdesk/dealdesk/sqldb/sqldbtest"
)

func TestStorageErrors(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *env) {
		product := func(externalID, title string) map[string]any {
			return map[string]any{"externalId": externalID, "productCode": "code1", "title": title,
				"dimensions": []map[string]any{{"key": "users", "name": "Users", "unit": "Users", "kind": "ENTITLED"}}}
		}
		t.Run("a CHECK violation is a generic 500, logged as an error", func(t *testing.T) {
			e := e.in(t)
			sqldbtest.AddCheck(t, e.db, "products", "products_title_not_provoked", "title <> 'Provoke a CHECK'")
			r := e.do(req{method: "POST", path: "/api/v1/products", key: e.keyA, body: product("prod-check", "Provoke a CHECK")}).want(t, 500)
			p := r.problem(t)
			if p.Code != "internal" || p.Detail != "Internal error." || len(p.Errors) != 0 || strings.Contains(string(r.body), "provoked") {
				t.Fatalf("answer %s, want the generic internal error", r.body)
			}
			var logged bool
			for _, line := range strings.Split(e.logs.String(), "\n") {
				if strings.Contains(line, "level=ERROR") && strings.Contains(line, "products_title_not_provoked") {
					logged = true
				}
			}
			if !logged {
				t.Fatalf("no error-level log line names the broken CHECK; logs:\n%s", e.logs.String())
			}
		})
		t.Run("a duplicate product is still 409", func(t *testing.T) {
			e := e.in(t)
			e.do(req{method: "POST", path: "/api/v1/products", key: e.keyA, body: product("prod-twice", "Widget")}).want(t, 201)
			p := e.do(req{method: "POST", path: "/api/v1/products", key: e.keyA, body: product("prod-twice", "Widget")}).want(t, 409).problem(t)
			if p.Code != "conflict" || !strings.Contains(p.Detail, "prod-twice") {
				t.Fatalf("problem %+v, want a conflict naming prod-twice", p)
			}
		})
	})
}
