package http_test

import (
	"strings"
	"testing"

	dhttp "github.com/dealdesk/dealdesk/http"
)

// TestQuery_OneRuleOnEveryRoute pins review 2 N3: every route of the table, the health, metrics
// and document endpoints included, refuses a query parameter it does not know, given with or
// without a value, naming it (422), and a query string that does not parse (400).
func TestQuery_OneRuleOnEveryRoute(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ids := strings.NewReplacer("{id}", "off_00000000000000000000000000", "{accountId}", "123456789012")
	routes := dhttp.RouteTable(e.server)
	if len(routes) < 20 {
		t.Fatalf("route table has %d routes", len(routes))
	}
	for _, rt := range routes {
		method, path, _ := strings.Cut(rt, " ")
		path = ids.Replace(path)
		if strings.HasPrefix(path, "/api/v1/api-keys/") {
			path = strings.Replace(path, "off_", "key_", 1)
		}
		var body any
		if method == "POST" || method == "PUT" || method == "PATCH" {
			body = "{}"
		}
		for _, query := range []string{"x=1", "x=", "x"} {
			t.Run(rt+"?"+query, func(t *testing.T) {
				e := e.in(t)
				res := e.do(req{method: method, path: path + "?" + query, key: e.keyA, body: body, bad: true}).want(t, 422)
				if !res.problem(t).hasField("x") {
					t.Errorf("problem does not name x: %s", res.body)
				}
			})
		}
		t.Run(rt+"?%zz", func(t *testing.T) {
			e := e.in(t)
			e.do(req{method: method, path: path + "?%zz", key: e.keyA, body: body, bad: true}).want(t, 400)
		})
	}
}
