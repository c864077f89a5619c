package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/dealdesk/dealdesk"
	dhttp "github.com/dealdesk/dealdesk/http"
)

// TestOpenAPI_ServedDocumentIsValid checks that the server serves the embedded document and that
// it is a valid OpenAPI 3 document.
func TestOpenAPI_ServedDocumentIsValid(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	res := e.do(req{method: "GET", path: "/api/v1/openapi.json"}).want(t, 200)
	if !bytes.Equal(res.body, dhttp.OpenAPI) {
		t.Fatal("served document differs from the embedded one")
	}
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(res.body)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("validate: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Errorf("openapi = %q", doc.OpenAPI)
	}
}

// TestOpenAPI_DescribesEveryRoute checks that every route of the route table is in the document
// and every operation of the document is in the route table.
func TestOpenAPI_DescribesEveryRoute(t *testing.T) {
	t.Parallel()
	doc, err := openapi3.NewLoader().LoadFromData(dhttp.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	var inDoc []string
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			inDoc = append(inDoc, method+" "+path)
			if op.OperationID == "" || op.Summary == "" {
				t.Errorf("%s %s has no operationId or summary", method, path)
			}
			if _, ok := op.Responses.Map()["500"]; !ok && !strings.HasPrefix(path, "/api/v1/openapi") && path != "/healthz" && path != "/readyz" && path != "/metrics" {
				t.Errorf("%s %s does not document 500", method, path)
			}
		}
	}
	inTable := dhttp.RouteTable(dhttp.NewServer(dhttp.Config{}))
	slices.Sort(inDoc)
	slices.Sort(inTable)
	for _, r := range inTable {
		if !slices.Contains(inDoc, r) {
			t.Errorf("route %s is not in the OpenAPI document", r)
		}
	}
	for _, r := range inDoc {
		if !slices.Contains(inTable, r) {
			t.Errorf("the OpenAPI document has %s, which the server does not route", r)
		}
	}
	if len(inTable) < 20 {
		t.Errorf("route table has only %d routes", len(inTable))
	}
}

// TestOpenAPI_FilterEnumsMatchTheServer checks that the enum filters the list endpoints accept
// are the ones the document lists, and that the domain knows each of them.
func TestOpenAPI_FilterEnumsMatchTheServer(t *testing.T) {
	t.Parallel()
	doc, err := openapi3.NewLoader().LoadFromData(dhttp.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	valid := map[string]func(string) bool{
		"/api/v1/offers type":             func(v string) bool { return dealdesk.OfferType(v).Valid() },
		"/api/v1/offers status":           func(v string) bool { return dealdesk.OfferStatus(v).Valid() },
		"/api/v1/entitlements type":       func(v string) bool { return dealdesk.EntitlementType(v) == dealdesk.EntitlementCPPO },
		"/api/v1/entitlements status":     func(v string) bool { return dealdesk.EntitlementStatus(v).Valid() },
		"/api/v1/usage-groups status":     func(v string) bool { return dealdesk.UsageGroupStatus(v).Valid() },
		"/api/v1/metering-records status": func(v string) bool { return dealdesk.MeteringRecordStatus(v).Valid() },
	}
	if keys := slices.Sorted(maps.Keys(dhttp.FilterValues)); !slices.Equal(keys, slices.Sorted(maps.Keys(valid))) {
		t.Fatalf("the server's enum filters are %v, the test knows %v", keys, slices.Sorted(maps.Keys(valid)))
	}
	for key, values := range dhttp.FilterValues {
		t.Run(key, func(t *testing.T) {
			if len(values) == 0 {
				t.Fatalf("the server accepts no %s values", key)
			}
			path, name, _ := strings.Cut(key, " ")
			param := doc.Paths.Find(path).Get.Parameters.GetByInAndName("query", name)
			if param == nil {
				t.Fatalf("the document has no %s parameter", key)
			}
			var inDoc []string
			for _, v := range param.Schema.Value.Enum {
				inDoc = append(inDoc, v.(string))
			}
			if !slices.Equal(inDoc, values) {
				t.Errorf("document enum %v, server accepts %v", inDoc, values)
			}
			for _, v := range values {
				if !valid[key](v) {
					t.Errorf("the domain does not know %s", v)
				}
			}
		})
	}
}

// TestOpenAPI_ProductInputRequiresWhatTheServerRequires checks bodies the server refuses for a
// missing field against the document, which must refuse them too: a client built from the
// document would otherwise think the field optional.
func TestOpenAPI_ProductInputRequiresWhatTheServerRequires(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	full := map[string]any{
		"externalId": "prod-required1", "productCode": "required1", "title": "Required",
		"dimensions": []any{map[string]any{"key": "users", "name": "Users", "unit": "Users", "kind": "ENTITLED"}},
	}
	for _, field := range []string{"externalId", "productCode", "title", "dimensions", "dimensions[]"} {
		t.Run("without "+field, func(t *testing.T) {
			e := e.in(t)
			body := maps.Clone(full)
			if field == "dimensions[]" {
				body["dimensions"] = []any{}
				field = "dimensions"
			} else {
				delete(body, field)
			}
			res := e.refused(t, req{method: "POST", path: "/api/v1/products", key: e.keyA, body: body}, "").want(t, 422)
			if !res.problem(t).hasField(field) {
				t.Errorf("the server does not name %s: %s", field, res.body)
			}
		})
	}
	b, err := json.Marshal(full)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.validateRequest("POST", "/api/v1/products", b); err != nil {
		t.Errorf("the document refuses a complete product: %v", err)
	}
}
