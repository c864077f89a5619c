package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/dealdesk/dealdesk"
	dhttp "github.com/dealdesk/dealdesk/http"
)

// Reasons the OpenAPI document cannot refuse a request the server refuses: the rules that OpenAPI
// 3.0's schemas cannot state, or that the request validator's decoding hides. Each invalid input of
// the validation suite either is refused by the document or names one of these.
const (
	ruleTiesFields   = "a rule that ties two fields together"
	ruleToday        = "a rule that depends on today's date"
	ruleProduct      = "a rule that depends on the product's dimensions"
	ruleOrganization = "a rule that depends on the caller's organization"
	ruleDraft        = "required only without ?draft=true"
	ruleStoredState  = "a rule that depends on stored data"
	ruleQueryClosed  = "OpenAPI 3.0 cannot close the set of query parameters, nor forbid repeating one"
	ruleQuerySyntax  = "the validator parses the query string leniently, dropping pairs it cannot read"
	ruleOneValue     = "the validator reads the first JSON value of a body and ignores what follows"
	ruleDecodedText  = "the validator's JSON decoding replaces invalid UTF-8 and unpaired surrogates before any schema sees them"
)

// refused sends r, a request the server must refuse, after checking it against the OpenAPI
// document alone: the document must refuse it too, so that a client generated from it could not
// send it. When docCannot names a rule the document cannot state, the document must accept the
// request instead, which keeps the list of such exceptions exact.
func (e *env) refused(t *testing.T, r req, docCannot string) *resp {
	t.Helper()
	err := e.checkRequest(t, r)
	switch {
	case docCannot == "" && err == nil:
		t.Errorf("%s %s: the OpenAPI document accepts this request, which the server refuses: %s", r.method, r.path, bodyText(r.body))
	case docCannot != "" && err != nil:
		t.Errorf("%s %s: the OpenAPI document refuses it, though it is marked as %q: %v", r.method, r.path, docCannot, err)
	}
	r.bad = true
	return e.in(t).do(r)
}

// bodyText returns a request body as text for a message, cut short.
func bodyText(body any) string {
	var b []byte
	switch v := body.(type) {
	case string:
		b = []byte(v)
	case []byte:
		b = v
	default:
		b, _ = json.Marshal(v)
	}
	return dealdesk.Clip(string(b), 300)
}

// checkRequest validates r against the OpenAPI document without sending it.
func (e *env) checkRequest(t *testing.T, r req) error {
	t.Helper()
	var body []byte
	switch b := r.body.(type) {
	case nil:
	case string:
		body = []byte(b)
	case []byte:
		body = b
	default:
		var err error
		if body, err = json.Marshal(b); err != nil {
			t.Fatalf("marshal body: %v", err)
		}
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	hr, err := http.NewRequest(r.method, e.srv.URL+r.path, rd)
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	if body != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	if r.key != "" {
		hr.Header.Set("Authorization", "Bearer "+r.key)
	}
	for k, v := range r.header {
		hr.Header.Set(k, v)
	}
	route, params, err := e.router.FindRoute(hr)
	if err != nil {
		t.Fatalf("%s %s is not in the OpenAPI document: %v", r.method, r.path, err)
	}
	return openapi3filter.ValidateRequest(context.Background(), &openapi3filter.RequestValidationInput{
		Request: hr, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
	})
}

// checkExceptions fails when docCannot names a case that tests does not have: a stale exception.
func checkExceptions(t *testing.T, docCannot map[string]string, names []string) {
	t.Helper()
	for name := range docCannot {
		if !slices.Contains(names, name) {
			t.Errorf("exception %q names no case", name)
		}
	}
}

// requestExample returns the example of an operation's JSON request body.
func requestExample(t *testing.T, doc *openapi3.T, method, path string) map[string]any {
	t.Helper()
	op := doc.Paths.Find(path).GetOperation(method)
	schema := op.RequestBody.Value.Content.Get("application/json").Schema.Value
	ex, ok := schema.Example.(map[string]any)
	if !ok {
		t.Fatalf("%s %s: the request body schema has no object example", method, path)
	}
	// A copy: the document is shared by the tests running in parallel (loadRouter validates
	// its examples), and callers change what they get.
	b, err := json.Marshal(ex)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// paramExample returns the example of a path parameter of an operation.
func paramExample(t *testing.T, doc *openapi3.T, path, name string) string {
	t.Helper()
	item := doc.Paths.Find(path)
	for _, p := range item.Parameters {
		if p.Value.Name == name {
			if s, ok := p.Value.Schema.Value.Example.(string); ok {
				return s
			}
		}
	}
	t.Fatalf("%s: parameter %s has no example", path, name)
	return ""
}

// TestOpenAPI_RequestsBuiltFromTheDocumentSucceed builds every write request from what the
// document states (its examples) and requires the server to accept it: a client generated from the
// document can register a product, create, patch and submit an opportunity, and save parties. Only
// the product ID comes from the answer that created the product, as it would for any client.
func TestOpenAPI_RequestsBuiltFromTheDocumentSucceed(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *env) {
		doc := routerDoc
		var p dealdesk.Product
		e.do(req{method: "POST", path: "/api/v1/products", key: e.keyA,
			body: requestExample(t, doc, "POST", "/api/v1/products")}).want(t, 201).decode(t, &p)

		offer := requestExample(t, doc, "POST", "/api/v1/offers")
		offer["productId"] = p.ID
		var o dealdesk.Offer
		e.do(req{method: "POST", path: "/api/v1/offers", key: e.keyA, body: offer}).want(t, 201).decode(t, &o)
		e.do(req{method: "PATCH", path: "/api/v1/offers/" + o.ID, key: e.keyA,
			body: requestExample(t, doc, "PATCH", "/api/v1/offers/{id}")}).want(t, 200)
		e.do(req{method: "POST", path: "/api/v1/offers/" + o.ID + "/submit", key: e.keyA}).want(t, 200)

		for _, path := range []string{"/api/v1/resellers/{accountId}", "/api/v1/buyers/{accountId}"} {
			account := paramExample(t, doc, path, "accountId")
			e.do(req{method: "PUT", path: strings.Replace(path, "{accountId}", account, 1), key: e.keyA,
				body: requestExample(t, doc, "PUT", path)}).want(t, 200)
		}
	})
}

// TestOpenAPI_StatesTheLimitAnswers checks the answers that come before any handler logic against
// the document: 405 with the path's documented methods in Allow, 413 for every operation with a
// body, 431 for a header over MaxHeaderBytes (64 KiB) on the server's own http.Server.
func TestOpenAPI_StatesTheLimitAnswers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	doc := routerDoc
	validate := func(t *testing.T, method, path string, res *http.Response, body []byte) {
		t.Helper()
		hr, err := http.NewRequest(method, e.srv.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		route, params, err := e.router.FindRoute(hr)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		in := &openapi3filter.RequestValidationInput{Request: hr, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, IncludeResponseStatus: true}}
		if err := openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
			RequestValidationInput: in, Status: res.StatusCode, Header: res.Header,
			Body: io.NopCloser(bytes.NewReader(body)), Options: in.Options,
		}); err != nil {
			t.Errorf("%s %s: answer %d does not match the document: %v", method, path, res.StatusCode, err)
		}
	}
	send := func(t *testing.T, method, path string, body io.Reader, header map[string]string) (*http.Response, []byte) {
		t.Helper()
		hr, err := http.NewRequest(method, e.srv.URL+path, body)
		if err != nil {
			t.Fatal(err)
		}
		hr.Header.Set("Authorization", "Bearer "+e.keyA)
		for k, v := range header {
			hr.Header.Set(k, v)
		}
		res, err := http.DefaultClient.Do(hr)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		out, err := io.ReadAll(res.Body)
		if err != nil {
			t.Fatalf("%s %s: read body: %v", method, path, err)
		}
		return res, out
	}
	concrete := func(path string) string {
		r := strings.NewReplacer("{id}", "off_00000000000000000000000000", "{accountId}", "123456789012")
		if strings.HasPrefix(path, "/api/v1/products/") {
			r = strings.NewReplacer("{id}", "prd_00000000000000000000000000")
		} else if strings.HasPrefix(path, "/api/v1/entitlements/") {
			r = strings.NewReplacer("{id}", "ent_00000000000000000000000000")
		}
		return r.Replace(path)
	}

	withBody := 0
	for path, item := range doc.Paths.Map() {
		t.Run("405 "+path, func(t *testing.T) {
			var documented []string
			for method, op := range item.Operations() {
				documented = append(documented, method)
				if op.Responses.Value("405") == nil || op.Responses.Value("431") == nil {
					t.Errorf("%s %s does not document 405 and 431", method, path)
				}
				if op.RequestBody != nil && op.Responses.Value("413") == nil {
					t.Errorf("%s %s takes a body but does not document 413", method, path)
				}
			}
			if slices.Contains(documented, "GET") {
				documented = append(documented, "HEAD")
			}
			slices.Sort(documented)
			other := "DELETE"
			if slices.Contains(documented, other) {
				other = "PUT"
			}
			res, body := send(t, other, concrete(path), nil, nil)
			if res.StatusCode != 405 || res.Header.Get("Allow") != strings.Join(documented, ", ") {
				t.Errorf("%s %s = %d with Allow %q, want 405 with %q: %s", other, path, res.StatusCode, res.Header.Get("Allow"), strings.Join(documented, ", "), body)
			}
			validate(t, documented[0], concrete(path), res, body) // the 405 answer matches the path's schema
		})
		for method, op := range item.Operations() {
			if op.RequestBody == nil {
				continue
			}
			withBody++
			t.Run("413 "+method+" "+path, func(t *testing.T) {
				limit := dhttp.MaxBodyBytes
				if path == "/api/v1/usage:batch" {
					limit = dhttp.MaxUsageBatchBytes
				}
				big := `{"name":"` + strings.Repeat("x", limit) + `"}`
				res, body := send(t, method, concrete(path), strings.NewReader(big), map[string]string{"Content-Type": "application/json"})
				if res.StatusCode != 413 {
					t.Fatalf("%s %s with a body over its limit = %d, want 413: %.300s", method, path, res.StatusCode, body)
				}
				validate(t, method, concrete(path), res, body)
			})
		}
	}
	if withBody == 0 {
		t.Error("the document has no operation with a body: no 413 was checked")
	}
	t.Run("431", func(t *testing.T) {
		res, body := send(t, "GET", "/api/v1/offers", nil, map[string]string{"X-Padding": strings.Repeat("x", dhttp.MaxHeaderBytes+8192)})
		if res.StatusCode != 431 {
			t.Fatalf("a header over 64 KiB = %d, want 431", res.StatusCode)
		}
		validate(t, "GET", "/api/v1/offers", res, body)
		res, body = send(t, "GET", "/api/v1/offers", nil, map[string]string{"X-Padding": strings.Repeat("x", dhttp.MaxHeaderBytes-4096)})
		if res.StatusCode != 200 {
			t.Fatalf("a header under 64 KiB = %d, want 200: %.300s", res.StatusCode, body)
		}
	})
}
