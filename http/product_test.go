package http_test

import (
	"testing"

	"github.com/dealdesk/dealdesk"
)

func TestProducts_CreateGetList(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.createProduct(e.keyA, "prod-abc123")
	if p.ID == "" || p.MeteringIdentity != dealdesk.MeteringByLicense || len(p.Dimensions) != 2 || p.Dimensions[1].Kind != dealdesk.DimensionMetered {
		t.Fatalf("created product = %+v", p)
	}
	var got dealdesk.Product
	e.do(req{method: "GET", path: "/api/v1/products/" + p.ID, key: e.keyA}).want(t, 200).decode(t, &got)
	if got.ID != p.ID || got.ExternalID != "prod-abc123" || len(got.Dimensions) != 2 {
		t.Errorf("GET product = %+v", got)
	}
	e.do(req{method: "GET", path: "/api/v1/products/prd_00000000000000000000000000", key: e.keyA}).want(t, 404)

	q := e.createProduct(e.keyA, "prod-def456")
	var l listResp[dealdesk.Product]
	e.do(req{method: "GET", path: "/api/v1/products", key: e.keyA}).want(t, 200).decode(t, &l)
	if len(l.Items) != 2 || l.Items[0].ID != q.ID || l.Items[1].ID != p.ID || l.NextCursor != "" {
		t.Errorf("products = %+v, want newest first", l.Items)
	}
	e.do(req{method: "GET", path: "/api/v1/products?externalId=prod-def456", key: e.keyA}).want(t, 200).decode(t, &l)
	if len(l.Items) != 1 || l.Items[0].ID != q.ID {
		t.Errorf("externalId filter = %+v", l.Items)
	}
	e.do(req{method: "GET", path: "/api/v1/products?limit=1", key: e.keyA}).want(t, 200).decode(t, &l)
	if len(l.Items) != 1 || l.NextCursor == "" {
		t.Errorf("limit=1: %d items, cursor %q", len(l.Items), l.NextCursor)
	}
}

func TestProducts_InvalidAndDuplicate(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.createProduct(e.keyA, "prod-abc123")
	dims := []map[string]any{{"key": "users", "name": "Users", "unit": "Users", "kind": "ENTITLED"}}
	tests := []struct {
		name  string
		body  map[string]any
		field string
	}{
		{"bad external ID", map[string]any{"externalId": "abc", "productCode": "c1", "title": "T", "dimensions": dims}, "externalId"},
		{"no dimensions", map[string]any{"externalId": "prod-x1", "productCode": "c1", "title": "T", "dimensions": []any{}}, "dimensions"},
		{"bad dimension kind", map[string]any{"externalId": "prod-x1", "productCode": "c1", "title": "T",
			"dimensions": []map[string]any{{"key": "users", "name": "Users", "unit": "Users", "kind": "FLAT"}}}, "dimensions[0].kind"},
		{"unknown dimension field", map[string]any{"externalId": "prod-x1", "productCode": "c1", "title": "T",
			"dimensions": []map[string]any{{"key": "users", "name": "Users", "unit": "Users", "kind": "ENTITLED", "price": "1"}}}, "dimensions[0].price"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := e.in(t)
			res := e.refused(t, req{method: "POST", path: "/api/v1/products", key: e.keyA, body: tt.body}, "").want(t, 422)
			if !res.problem(t).hasField(tt.field) {
				t.Errorf("problem does not name %s: %s", tt.field, res.body)
			}
		})
	}
	e.do(req{method: "POST", path: "/api/v1/products", key: e.keyA, body: map[string]any{
		"externalId": "prod-abc123", "productCode": "c1", "title": "Again", "dimensions": dims}}).want(t, 409)
	// Another organization may register the same AWS product.
	e.createProduct(e.keyB, "prod-abc123")
	var l listResp[dealdesk.Product]
	e.do(req{method: "GET", path: "/api/v1/products", key: e.keyA}).want(t, 200).decode(t, &l)
	if len(l.Items) != 1 {
		t.Errorf("organization A has %d products, want 1", len(l.Items))
	}
}
