package http_test

import (
	"testing"

	"github.com/dealdesk/dealdesk"
)

func TestResellers_SaveUpdateList(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var r dealdesk.Reseller
	e.do(req{method: "PUT", path: "/api/v1/resellers/123456789012", key: e.keyA,
		body: map[string]any{"legalName": "Reseller Co"}}).want(t, 200).decode(t, &r)
	if r.AccountID != "123456789012" || r.LegalName != "Reseller Co" || r.ID == "" {
		t.Fatalf("saved reseller = %+v", r)
	}
	var r2 dealdesk.Reseller
	e.do(req{method: "PUT", path: "/api/v1/resellers/123456789012", key: e.keyA,
		body: map[string]any{"legalName": "Reseller Co Ltd"}}).want(t, 200).decode(t, &r2)
	if r2.ID != r.ID || r2.LegalName != "Reseller Co Ltd" {
		t.Errorf("updated reseller = %+v, want same id %s with the new name", r2, r.ID)
	}
	e.do(req{method: "PUT", path: "/api/v1/resellers/000000000001", key: e.keyA,
		body: map[string]any{"legalName": "Another"}}).want(t, 200)
	var l listResp[dealdesk.Reseller]
	e.do(req{method: "GET", path: "/api/v1/resellers", key: e.keyA}).want(t, 200).decode(t, &l)
	if len(l.Items) != 2 || l.Items[0].AccountID != "000000000001" || l.Items[1].LegalName != "Reseller Co Ltd" {
		t.Errorf("resellers = %+v, want two, newest first", l.Items)
	}

	tests := []struct {
		name, path string
		body       any
		field      string
	}{
		{"account ID too short", "/api/v1/resellers/12345", map[string]any{"legalName": "X"}, "accountId"},
		{"legal name missing", "/api/v1/resellers/123456789012", map[string]any{}, "legalName"},
		{"unknown field", "/api/v1/resellers/123456789012", map[string]any{"legalName": "X", "name": "X"}, "name"},
		{"legal name a number", "/api/v1/resellers/123456789012", map[string]any{"legalName": 7}, "legalName"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := e.in(t)
			res := e.refused(t, req{method: "PUT", path: tt.path, key: e.keyA, body: tt.body}, "").want(t, 422)
			if !res.problem(t).hasField(tt.field) {
				t.Errorf("problem does not name %s: %s", tt.field, res.body)
			}
		})
	}
	e.do(req{method: "GET", path: "/api/v1/resellers", key: e.keyA}).want(t, 200).decode(t, &l)
	if len(l.Items) != 2 || l.Items[1].LegalName != "Reseller Co Ltd" {
		t.Errorf("refused saves changed the resellers: %+v", l.Items)
	}
}

func TestBuyers_SaveUpdateList(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var b dealdesk.Buyer
	e.do(req{method: "PUT", path: "/api/v1/buyers/210987654321", key: e.keyA,
		body: map[string]any{"name": "Acme"}}).want(t, 200).decode(t, &b)
	e.do(req{method: "PUT", path: "/api/v1/buyers/210987654321", key: e.keyA,
		body: map[string]any{"name": "Acme Corp"}}).want(t, 200)
	var l listResp[dealdesk.Buyer]
	e.do(req{method: "GET", path: "/api/v1/buyers", key: e.keyA}).want(t, 200).decode(t, &l)
	if len(l.Items) != 1 || l.Items[0].ID != b.ID || l.Items[0].Name != "Acme Corp" {
		t.Errorf("buyers = %+v", l.Items)
	}
	res := e.refused(t, req{method: "PUT", path: "/api/v1/buyers/21098765432x", key: e.keyA, body: map[string]any{"name": "X"}}, "").want(t, 422)
	if !res.problem(t).hasField("accountId") {
		t.Errorf("bad account ID not named: %s", res.body)
	}
	res = e.refused(t, req{method: "PUT", path: "/api/v1/buyers/210987654321", key: e.keyA, body: map[string]any{"name": ""}}, "").want(t, 422)
	if !res.problem(t).hasField("name") {
		t.Errorf("empty name not named: %s", res.body)
	}
}
