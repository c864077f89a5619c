package http_test

import (
	"strings"
	"testing"
)

func TestHealth_ReadyOnlyWhileTheDatabaseAnswers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.do(req{method: "GET", path: "/healthz"}).want(t, 200)
	e.do(req{method: "GET", path: "/readyz"}).want(t, 200)

	if err := e.db.Close(); err != nil {
		t.Fatal(err)
	}
	e.do(req{method: "GET", path: "/healthz"}).want(t, 200)
	if p := e.do(req{method: "GET", path: "/readyz"}).want(t, 503).problem(t); p.Code != "unavailable" {
		t.Errorf("503 code = %q, want unavailable", p.Code)
	}

	// With the database gone, API calls are internal errors: logged in full, answered generically.
	res := e.do(req{method: "GET", path: "/api/v1/offers", key: e.keyA}).want(t, 500)
	if p := res.problem(t); p.Detail != "Internal error." {
		t.Errorf("500 detail = %q, want the generic message", p.Detail)
	}
	if logs := e.logs.String(); !strings.Contains(logs, "internal error") || !strings.Contains(logs, "closed") {
		t.Errorf("the real error is not logged: %s", logs)
	}
}

func TestRouting_UnknownPathsAndMethodsAreProblems(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.do(req{method: "GET", path: "/api/v1/nothing", key: e.keyA, undocumented: true}).want(t, 404)
	e.do(req{method: "GET", path: "/", undocumented: true}).want(t, 404)
	res := e.do(req{method: "PUT", path: "/api/v1/offers", key: e.keyA, undocumented: true}).want(t, 405)
	if allow := res.header.Get("Allow"); !strings.Contains(allow, "GET") || !strings.Contains(allow, "POST") {
		t.Errorf("Allow = %q", allow)
	}
	if p := res.problem(t); p.Code != "method_not_allowed" {
		t.Errorf("405 code = %q, want method_not_allowed", p.Code)
	}
	e.do(req{method: "GET", path: "/api/v1/offers/off_nope/publish", key: e.keyA, undocumented: true}).want(t, 404)
}
