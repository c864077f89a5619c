package sim_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/marketplaceagreement"
	agschemas "github.com/aws/aws-sdk-go-v2/service/marketplaceagreement/schemas"
	"github.com/aws/aws-sdk-go-v2/service/marketplacecatalog"
	"github.com/aws/aws-sdk-go-v2/service/marketplaceentitlementservice"
	entschemas "github.com/aws/aws-sdk-go-v2/service/marketplaceentitlementservice/schemas"
	"github.com/aws/aws-sdk-go-v2/service/marketplacemetering"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/smithy-go/transport/http/protocol/awsjson"

	"github.com/dealdesk/dealdesk/sim"
)

// Accounts of the demo seed.
const (
	seller    = "111122223333"
	reseller1 = "444455556666"
	reseller2 = "777788889999"
	buyer1    = "210987654321"
	buyer2    = "123456789012"
	buyer3    = "345678901234"

	newProductID     = "prod-dd3mo4nalyt1cs"
	newProductCode   = "dd3mo4nalyt1cs0000000000a"
	legacyProductID  = "prod-dd3mo1egacyl0g"
	legacyProductCod = "dd3mo1egacyl0g0000000000b"
)

// t0 is the simulated "now" every test starts from.
var t0 = time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)

// clock is a controllable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: t0} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// swapHandler lets a test replace the handler behind a running listener.
type swapHandler struct{ h atomic.Pointer[http.Handler] }

func (s *swapHandler) set(h http.Handler) { s.h.Store(&h) }

func (s *swapHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h := s.h.Load(); h != nil {
		(*h).ServeHTTP(w, r)
		return
	}
	http.Error(w, "starting", http.StatusServiceUnavailable)
}

// env is one simulator under test with its clients.
type env struct {
	t       testing.TB
	srv     *sim.Server
	http    *httptest.Server
	handler swapHandler
	clock   *clock
	url     string
	cfg     sim.Config
}

// simConfig is sim.Config, for options.
type simConfig = sim.Config

type option func(*sim.Config)

func withState(path string) option { return func(c *sim.Config) { c.StatePath = path } }
func withQuotas() option           { return func(c *sim.Config) { c.DisableQuotas = false } }
func withDelay(d time.Duration) option {
	return func(c *sim.Config) { c.ChangeSetDelay = d }
}

// newEnv starts a simulator on a loopback listener with a test clock, quotas off unless asked.
func newEnv(t testing.TB, opts ...option) *env {
	t.Helper()
	e := &env{t: t, clock: newClock()}
	e.http = httptest.NewServer(&e.handler)
	e.url = e.http.URL
	e.cfg = sim.Config{Now: e.clock.Now, DisableQuotas: true, BaseURL: e.url}
	for _, o := range opts {
		o(&e.cfg)
	}
	e.boot()
	t.Cleanup(func() {
		e.http.Close()
		if e.srv != nil {
			e.srv.Close()
		}
	})
	return e
}

// boot builds a Server from e.cfg and puts it behind the listener.
func (e *env) boot() {
	e.t.Helper()
	srv, err := sim.New(e.cfg)
	if err != nil {
		e.t.Fatalf("sim.New: %v", err)
	}
	e.srv = srv
	e.handler.set(srv)
}

// bind makes e report to t, a sequential subtest's, until that subtest ends, so that a failing
// helper (control, publish, flush...) fails the subtest instead of calling the parent's FailNow
// from the subtest's goroutine. The env cannot be copied per subtest (swapHandler holds an
// atomic.Pointer), and a parallel subtest must not bind.
func (e *env) bind(t *testing.T) {
	parent := e.t
	e.t = t
	t.Cleanup(func() { e.t = parent })
}

// restart closes the server (writing its state) and builds a new one on the same state file.
func (e *env) restart() {
	e.t.Helper()
	e.handler.set(http.NotFoundHandler())
	if err := e.srv.Close(); err != nil {
		e.t.Fatalf("Close: %v", err)
	}
	e.srv = nil
	e.boot()
}

func awsConfig(akid string) aws.Config {
	return aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider(akid, "secret", ""),
		Retryer:     func() aws.Retryer { return aws.NopRetryer{} },
	}
}

// catalog returns a Catalog client acting as account akid ("" = the seller via a non-account key).
func (e *env) catalog(akid string) *marketplacecatalog.Client {
	if akid == "" {
		akid = "AKIDSELLER"
	}
	return marketplacecatalog.NewFromConfig(awsConfig(akid), func(o *marketplacecatalog.Options) { o.BaseEndpoint = aws.String(e.url) })
}

func (e *env) metering() *marketplacemetering.Client {
	return marketplacemetering.NewFromConfig(awsConfig("AKIDSELLER"), func(o *marketplacemetering.Options) { o.BaseEndpoint = aws.String(e.url) })
}

// agreement returns an Agreement client for account akid, in CBOR (default) or pinned JSON.
func (e *env) agreement(akid string, json bool) *marketplaceagreement.Client {
	return marketplaceagreement.NewFromConfig(awsConfig(akid), func(o *marketplaceagreement.Options) {
		o.BaseEndpoint = aws.String(e.url)
		if json {
			o.Protocol = awsjson.New10(agschemas.AWSMPCommerceService_v20200301)
		}
	})
}

func (e *env) entitlement(json bool) *marketplaceentitlementservice.Client {
	return marketplaceentitlementservice.NewFromConfig(awsConfig("AKIDSELLER"), func(o *marketplaceentitlementservice.Options) {
		o.BaseEndpoint = aws.String(e.url)
		if json {
			o.Protocol = awsjson.New11(entschemas.AWSMPEntitlementService)
		}
	})
}

func (e *env) sqs() *sqs.Client {
	return sqs.NewFromConfig(awsConfig(seller), func(o *sqs.Options) { o.BaseEndpoint = aws.String(e.url) })
}

// control calls the /_sim/ API and decodes the JSON answer into out (when not nil); it returns
// the status.
func (e *env) control(method, path string, body any, out any) int {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, e.url+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatalf("%s %s: read answer: %v", method, path, err)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			e.t.Fatalf("%s %s: decode %s: %v", method, path, b, err)
		}
	}
	return resp.StatusCode
}

// mustControl is control that fails the test unless the status is 200.
func (e *env) mustControl(method, path string, body any, out any) {
	e.t.Helper()
	var raw json.RawMessage
	if st := e.control(method, path, body, &raw); st != http.StatusOK {
		e.t.Fatalf("%s %s: status %d: %s", method, path, st, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			e.t.Fatal(err)
		}
	}
}

func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}
