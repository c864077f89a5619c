package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/dealdesk/dealdesk"
	dhttp "github.com/dealdesk/dealdesk/http"
	"github.com/dealdesk/dealdesk/sqldb"
	"github.com/dealdesk/dealdesk/sqldb/sqldbtest"
)

// testNow is where the store's clock starts in every test: date rules are deterministic.
var testNow = time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)

// clock is the store's clock. It stands still at testNow: rows made one after another share a
// timestamp, and their order comes from their IDs alone.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// advance moves the clock on by d, for a test that needs a later write to get a later time.
func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is one API server on its own real database, with two organizations and a key for each.
type env struct {
	t      *testing.T
	db     *sqldb.DB
	clock  *clock
	srv    *httptest.Server
	server *dhttp.Server
	logs   *syncBuffer
	orgA   string
	orgB   string
	keyA   string
	keyB   string
	router routers.Router
}

// in returns a copy of e that reports to t. Inside a subtest, do and the helpers must fail the
// subtest: e.t is the parent, whose FailNow must not be called from the subtest's goroutine.
func (e *env) in(t *testing.T) *env {
	c := *e
	c.t = t
	return &c
}

// newEnv starts a server on a fresh SQLite file.
func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvDSN(t, sqldbtest.SQLiteDSN(t))
}

// forEachEngine runs fn as parallel subtests on a server over a fresh database of each engine
// (sqldbtest.ForEachEngine). An unreachable PostgreSQL fails the test.
func forEachEngine(t *testing.T, fn func(t *testing.T, e *env)) {
	t.Helper()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		fn(t, newEnvDSN(t, sqldbtest.DSN(t, engine)))
	})
}

// testSecretKey is the store's key for the secrets it encrypts (32 bytes).
var testSecretKey = bytes.Repeat([]byte{0x5a}, 32)

func newEnvDSN(t *testing.T, dsn string) *env {
	t.Helper()
	return newEnvConfig(t, dsn, nil)
}

// newEnvConfig starts a server on dsn whose Config configure may change (nil: none).
func newEnvConfig(t *testing.T, dsn string, configure func(*dhttp.Config)) *env {
	t.Helper()
	logs := &syncBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	clk := &clock{t: testNow}
	db := sqldbtest.Open(t, dsn, sqldb.Options{Now: clk.now, Logger: slog.New(slog.DiscardHandler), SecretKey: testSecretKey})
	e := &env{t: t, db: db, clock: clk, logs: logs}
	e.orgA, e.keyA = e.newOrg("Vendor A")
	e.orgB, e.keyB = e.newOrg("Vendor B")
	cfg := dhttp.Config{
		APIKeys: db, Products: db, Parties: db, Offers: db, Entitlements: db,
		AWSConnections: db, Notifications: db, Inbox: db, InboundEndpoints: db,
		ProductSync: db, Usage: db, Metering: db, Ready: db.Ping, Logger: logger,
	}
	if configure != nil {
		configure(&cfg)
	}
	e.server = dhttp.NewServer(cfg)
	e.srv = httptest.NewUnstartedServer(e.server.Handler())
	// The server's own header limit (431), read from its http.Server; its timeouts are left out,
	// so that a slow run (-race, a loaded machine) is not cut off mid-request.
	e.srv.Config.MaxHeaderBytes = e.server.HTTPServer().MaxHeaderBytes
	e.srv.Start()
	t.Cleanup(e.srv.Close)
	e.router = loadRouter(t)
	return e
}

func (e *env) newOrg(name string) (id, key string) {
	e.t.Helper()
	ctx := context.Background()
	org, err := e.db.CreateOrganization(ctx, name)
	if err != nil {
		e.t.Fatalf("create org: %v", err)
	}
	_, secret, err := e.db.CreateAPIKey(ctx, org.ID, "test")
	if err != nil {
		e.t.Fatalf("create key: %v", err)
	}
	return org.ID, secret
}

// ctxA is a context of organization A, for calling the store directly.
func (e *env) ctxA() context.Context {
	return dealdesk.NewContextWithOrgID(context.Background(), e.orgA)
}

// exercised records every operation of the document that a test called ("GET /api/v1/offers/{id}").
var exercised sync.Map

var (
	routerOnce sync.Once
	routerDoc  *openapi3.T
	routerErr  error
)

// loadRouter parses and validates the embedded OpenAPI document once and returns a router over it.
func loadRouter(t *testing.T) routers.Router {
	t.Helper()
	routerOnce.Do(func() {
		loader := openapi3.NewLoader()
		routerDoc, routerErr = loader.LoadFromData(dhttp.OpenAPI)
		if routerErr == nil {
			routerErr = routerDoc.Validate(loader.Context)
		}
	})
	if routerErr != nil {
		t.Fatalf("OpenAPI document: %v", routerErr)
	}
	r, err := legacy.NewRouter(routerDoc)
	if err != nil {
		t.Fatalf("OpenAPI router: %v", err)
	}
	return r
}

// req describes one request of a test.
type req struct {
	method string
	path   string
	key    string // API key; "" sends no Authorization header
	body   any    // string or []byte is sent as is; anything else as JSON
	header map[string]string
	// bad marks a request that deliberately breaks the API contract (bad JSON, unknown fields,
	// invalid values the document constrains): its request is not validated against the
	// document, but its answer still is.
	bad bool
	// undocumented marks a request to a path or method that is not in the document.
	undocumented bool
}

// resp is an answer.
type resp struct {
	status int
	header http.Header
	body   []byte
}

// do sends r to the server, checks the request (unless bad) and the answer against the OpenAPI
// document, and checks that every error answer is a problem that leaks nothing internal.
func (e *env) do(r req) *resp {
	e.t.Helper()
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
			e.t.Fatalf("marshal body: %v", err)
		}
	}
	newRequest := func() *http.Request {
		var rd io.Reader
		if body != nil {
			rd = bytes.NewReader(body)
		}
		hr, err := http.NewRequest(r.method, e.srv.URL+r.path, rd)
		if err != nil {
			e.t.Fatalf("new request: %v", err)
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
		return hr
	}

	hr := newRequest()
	res, err := http.DefaultClient.Do(hr)
	if err != nil {
		e.t.Fatalf("%s %s: %v", r.method, r.path, err)
	}
	defer res.Body.Close()
	out, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatalf("%s %s: read body: %v", r.method, r.path, err)
	}
	got := &resp{status: res.StatusCode, header: res.Header, body: out}

	if res.StatusCode >= 400 {
		checkProblem(e.t, r, got)
	}
	if r.undocumented {
		return got
	}
	vr := newRequest()
	route, params, err := e.router.FindRoute(vr)
	if err != nil {
		e.t.Fatalf("%s %s is not in the OpenAPI document: %v", r.method, r.path, err)
	}
	exercised.Store(route.Method+" "+route.Path, true)
	in := &openapi3filter.RequestValidationInput{
		Request: vr, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true, IncludeResponseStatus: true},
	}
	if !r.bad {
		if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
			e.t.Errorf("%s %s: request does not match the OpenAPI document: %v", r.method, r.path, err)
		}
	}
	rv := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: res.StatusCode, Header: res.Header,
		Body: io.NopCloser(bytes.NewReader(out)), Options: in.Options,
	}
	if err := openapi3filter.ValidateResponse(context.Background(), rv); err != nil {
		e.t.Errorf("%s %s: answer %d does not match the OpenAPI document: %v\n%s", r.method, r.path, res.StatusCode, err, out)
	}
	return got
}

// validateRequest checks a request with a JSON body against the OpenAPI document alone,
// without sending it.
func (e *env) validateRequest(method, path string, body []byte) error {
	e.t.Helper()
	hr, err := http.NewRequest(method, e.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		e.t.Fatalf("new request: %v", err)
	}
	hr.Header.Set("Content-Type", "application/json")
	route, params, err := e.router.FindRoute(hr)
	if err != nil {
		e.t.Fatalf("%s %s is not in the OpenAPI document: %v", method, path, err)
	}
	return openapi3filter.ValidateRequest(context.Background(), &openapi3filter.RequestValidationInput{
		Request: hr, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
	})
}

// leaks are texts that no error answer may contain: traces, Go internals, SQL and driver names.
var leaks = []string{"goroutine", "panic", ".go:", "runtime.", "SELECT", "INSERT", "UPDATE ", "DELETE FROM", " WHERE ", "sqlite", "SQLITE", "pq:", "pgx", "postgres", "database/sql", "sql:"}

// checkProblem checks that an error answer is an RFC 9457 problem with the answer's status and
// none of the leaks.
func checkProblem(t *testing.T, r req, got *resp) {
	t.Helper()
	if ct := got.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("%s %s: error Content-Type = %q, want application/problem+json", r.method, r.path, ct)
	}
	var p problem
	if err := json.Unmarshal(got.body, &p); err != nil {
		t.Errorf("%s %s: error body is not JSON: %v: %s", r.method, r.path, err, got.body)
		return
	}
	if p.Status != got.status || p.Title == "" || p.Type == "" {
		t.Errorf("%s %s: problem %+v does not match status %d or lacks type/title", r.method, r.path, p, got.status)
	}
	for _, s := range leaks {
		if strings.Contains(string(got.body), s) {
			t.Errorf("%s %s: error answer contains %q: %s", r.method, r.path, s, got.body)
		}
	}
}

// problem is the decoded body of an error answer.
type problem struct {
	Type   string                `json:"type"`
	Title  string                `json:"title"`
	Status int                   `json:"status"`
	Detail string                `json:"detail"`
	Code   string                `json:"code"`
	Errors []dealdesk.FieldError `json:"errors"`
}

// problem decodes an error answer.
func (r *resp) problem(t *testing.T) problem {
	t.Helper()
	var p problem
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Fatalf("decode problem: %v: %s", err, r.body)
	}
	return p
}

// hasField reports whether the problem names field.
func (p problem) hasField(field string) bool {
	for _, f := range p.Errors {
		if f.Field == field {
			return true
		}
	}
	return false
}

// decode decodes a JSON answer into v.
func (r *resp) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode answer: %v: %s", err, r.body)
	}
}

// want fails the test unless the answer has status.
func (r *resp) want(t *testing.T, status int) *resp {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d: %s", r.status, status, r.body)
	}
	return r
}

// listResp is the body of a list answer.
type listResp[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"nextCursor"`
}

// offerIDs lists the IDs of every offer the key's organization sees.
func (e *env) offerIDs(key string) []string {
	e.t.Helper()
	var l listResp[dealdesk.Offer]
	e.do(req{method: "GET", path: "/api/v1/offers?limit=100", key: key}).want(e.t, 200).decode(e.t, &l)
	ids := make([]string, len(l.Items))
	for i, o := range l.Items {
		ids[i] = o.ID
	}
	return ids
}

// createProduct registers the standard test product for key's organization: "users" is
// ENTITLED and "api_calls" is METERED.
func (e *env) createProduct(key, externalID string) dealdesk.Product {
	e.t.Helper()
	var p dealdesk.Product
	e.do(req{method: "POST", path: "/api/v1/products", key: key, body: map[string]any{
		"externalId": externalID, "productCode": "code" + strings.TrimPrefix(externalID, "prod-"), "title": "Widget " + externalID,
		"dimensions": []map[string]any{
			{"key": "users", "name": "Users", "unit": "Users", "kind": "ENTITLED"},
			{"key": "api_calls", "name": "API calls", "unit": "Requests", "kind": "METERED"},
		},
	}}).want(e.t, 201).decode(e.t, &p)
	return p
}

// opportunity returns a complete, valid CPPO_OUT request body for productID (today is testNow).
func opportunity(productID string) map[string]any {
	return map[string]any{
		"type":               "CPPO_OUT",
		"name":               "Acme resale FY27",
		"description":        "Annual contract through Reseller Co",
		"productId":          productID,
		"resellerAccountId":  "123456789012",
		"buyerAccountIds":    []any{"210987654321"},
		"renewal":            false,
		"commitAmount":       "12000.00",
		"currency":           "USD",
		"contractDuration":   "P12M",
		"entitledDimensions": []any{map[string]any{"dimensionKey": "users", "quantity": 10}},
		"dimensionPrices":    []any{map[string]any{"dimensionKey": "api_calls", "price": "0.002"}},
		"expiryDate":         "2027-06-30",
		"oneTime":            true,
		"eula":               map[string]any{"type": "STANDARD"},
		"resellerContract":   map[string]any{"type": "STANDARD"},
		"installments": []any{
			map[string]any{"chargeDate": "2027-07-15", "amount": "6000.00"},
			map[string]any{"chargeDate": "2027-08-15", "amount": "6000.00"},
		},
	}
}

// createOpportunity posts a complete opportunity and returns it.
func (e *env) createOpportunity(key, productID string) dealdesk.Offer {
	e.t.Helper()
	var o dealdesk.Offer
	e.do(req{method: "POST", path: "/api/v1/offers", key: key, body: opportunity(productID)}).want(e.t, 201).decode(e.t, &o)
	return o
}

// syncBuffer is a bytes.Buffer safe for concurrent writers (the server logs from its goroutines).
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
