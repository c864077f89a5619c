package worker_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/awsmp"
	"github.com/dealdesk/dealdesk/sim"
	"github.com/dealdesk/dealdesk/sqldb"
	"github.com/dealdesk/dealdesk/sqldb/sqldbtest"
	"github.com/dealdesk/dealdesk/worker"
)

// Accounts of the simulator's demo seed.
const (
	seller   = "111122223333"
	reseller = "444455556666"
)

// TestMain gives the process the static credentials the simulator accepts, for connections in
// credentials mode DEFAULT_CHAIN (the store keeps no secret yet), and keeps the SDK away from
// the host's AWS files and instance metadata.
func TestMain(m *testing.M) {
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": "AKIDWORKERTEST000", "AWS_SECRET_ACCESS_KEY": "worker-test-secret-key",
		"AWS_CONFIG_FILE": os.DevNull, "AWS_SHARED_CREDENTIALS_FILE": os.DevNull, "AWS_EC2_METADATA_DISABLED": "true",
	} {
		os.Setenv(k, v)
	}
	os.Unsetenv("AWS_CA_BUNDLE") // the simulator is plain HTTP; a bundle needs the SDK's own transport
	os.Exit(m.Run())
}

// counter counts the simulator's answers per operation and HTTP status.
type counter struct {
	mu     sync.Mutex
	counts map[string]int // "StartChangeSet 429"
	starts []time.Time
	next   http.RoundTripper
}

func (c *counter) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := c.next.RoundTrip(r)
	if err == nil {
		c.mu.Lock()
		c.counts[strings.TrimPrefix(r.URL.Path, "/")+" "+http.StatusText(resp.StatusCode)]++
		if r.URL.Path == "/StartChangeSet" {
			c.starts = append(c.starts, time.Now())
		}
		c.mu.Unlock()
	}
	return resp, err
}

// count returns how many answers op got with HTTP status.
func (c *counter) count(op string, status int) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.counts[op+" "+http.StatusText(status)]
}

// recorder is the workers' PublishRecorder: it hands every outcome to the test.
type recorder struct{ outcomes chan dealdesk.PublishOutcome }

func (r *recorder) RecordPublishOutcome(_ context.Context, o dealdesk.PublishOutcome) error {
	r.outcomes <- o
	return nil
}

// env is a store on one engine, a simulator, an organization connected to it, the demo seed's
// analytics product, and the workers running in-process.
type env struct {
	t       testing.TB
	db      *sqldb.DB
	ctx     context.Context
	sim     *sim.Server
	simURL  string
	http    *counter
	catalog *awsmp.Catalog
	conn    *dealdesk.AWSConnection
	product *dealdesk.Product
	rec     *recorder
	clock   *clock
}

// clock is the expiry job's clock; tests move it.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.now.IsZero() {
		return time.Now()
	}
	return c.now
}

func (c *clock) set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

// newEnv starts everything; simCfg configures the simulator (its change sets end after 200ms
// unless it says otherwise), tune the workers.
func newEnv(t testing.TB, engine string, simCfg sim.Config, tune func(*worker.Config)) *env {
	t.Helper()
	return setup(t, engine, simCfg, tune, true)
}

// setup is newEnv; without connect the organization has no AWS connection (see connect).
func setup(t testing.TB, engine string, simCfg sim.Config, tune func(*worker.Config), connect bool) *env {
	t.Helper()
	if simCfg.ChangeSetDelay == 0 {
		simCfg.ChangeSetDelay = 200 * time.Millisecond
	}
	srv, err := sim.New(simCfg)
	if err != nil {
		t.Fatalf("sim.New: %v", err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		hs.Close()
		srv.Close()
	})
	db := sqldbtest.Open(t, sqldbtest.DSN(t, engine), sqldb.Options{})
	org, err := db.CreateOrganization(context.Background(), "Example Software")
	if err != nil {
		t.Fatal(err)
	}
	ctx := dealdesk.NewContextWithOrgID(context.Background(), org.ID)
	conn := &dealdesk.AWSConnection{OrgID: org.ID, SellerAccountID: seller, Region: "us-east-1",
		CredentialsMode: dealdesk.CredentialsDefaultChain, EndpointURL: hs.URL}
	product, err := db.CreateProduct(ctx, dealdesk.ProductInput{ExternalID: "prod-dd3mo4nalyt1cs",
		ProductCode: "dd3mo4nalyt1cs0000000000a", Title: "Example Analytics Platform", Dimensions: []dealdesk.Dimension{
			{Key: "seats", Name: "Seats", Unit: "Users", Kind: dealdesk.DimensionEntitled},
			{Key: "api_calls", Name: "API calls", Unit: "Requests", Kind: dealdesk.DimensionMetered},
			{Key: "storage_gb", Name: "Storage", Unit: "GB", Kind: dealdesk.DimensionMetered},
		}})
	if err != nil {
		t.Fatalf("create product: %v", err)
	}
	e := &env{t: t, db: db, ctx: ctx, sim: srv, simURL: hs.URL, conn: conn, product: product,
		http: &counter{counts: map[string]int{}, next: http.DefaultTransport}, rec: &recorder{outcomes: make(chan dealdesk.PublishOutcome, 1000)},
		clock: &clock{}}
	if connect {
		e.connect()
	}
	// Each test has its own client-side rate limits: tests run in parallel, each on its own
	// simulator, on the same seller account.
	e.catalog = awsmp.NewCatalog(awsmp.WithLimits(awsmp.NewLimits(awsmp.Quotas)), awsmp.WithRetry(3, 50*time.Millisecond),
		awsmp.WithHTTPClient(&http.Client{Transport: e.http}))
	cfg := worker.Config{Driver: db.RiverDriver(), Store: db, Catalog: e.catalog, Recorder: e.rec, Now: e.clock.Now,
		Logger: sqldbtest.Options(t).Logger, ChangeSetPoll: 100 * time.Millisecond, FetchPollInterval: 20 * time.Millisecond,
		RetryBase: 50 * time.Millisecond, RetryMax: 500 * time.Millisecond, ExpiryInterval: time.Hour}
	if tune != nil {
		tune(&cfg)
	}
	runner, err := worker.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := runner.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := runner.Stop(ctx); err != nil {
			t.Errorf("stop workers: %v", err)
		}
	})
	return e
}

// connect stores the organization's connection to the simulator.
func (e *env) connect() {
	e.t.Helper()
	if _, err := e.db.SaveAWSConnection(e.ctx, dealdesk.AWSConnectionInput{SellerAccountID: e.conn.SellerAccountID,
		Region: e.conn.Region, CredentialsMode: e.conn.CredentialsMode, EndpointURL: e.conn.EndpointURL}); err != nil {
		e.t.Fatalf("save AWS connection: %v", err)
	}
}

// waitUntil polls cond until it holds; the test fails after 60s.
func (e *env) waitUntil(what string, cond func() bool) {
	e.t.Helper()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(60 * time.Second)
	for !cond() {
		select {
		case <-tick.C:
		case <-deadline:
			e.t.Fatalf("%s: not within 60s", what)
		}
	}
}

func ptr[T any](v T) *T { return &v }

// opportunity is a complete one-time opportunity for the analytics product, resold by the
// seed's reseller; dates far ahead so that the simulator, on the wall clock, accepts them.
func (e *env) opportunity(name string) dealdesk.OfferInput {
	return dealdesk.OfferInput{
		Type: ptr(dealdesk.OfferCPPOOut), Name: ptr(name), ProductID: ptr(e.product.ID), ResellerAccountID: ptr(reseller),
		CommitAmount: ptr(dealdesk.MustDecimal("12000.00")), Currency: ptr(dealdesk.USD), ContractDuration: ptr("P12M"),
		EntitledDimensions: ptr([]dealdesk.EntitledDimension{{DimensionKey: "seats", Quantity: 25}}),
		DimensionPrices: ptr([]dealdesk.DimensionPrice{{DimensionKey: "api_calls", Price: dealdesk.MustDecimal("0.000125")},
			{DimensionKey: "storage_gb", Price: dealdesk.MustDecimal("0.023")}}),
		ExpiryDate: ptr(dealdesk.NewDate(2030, 6, 30)), OneTime: ptr(true), EULA: &dealdesk.Document{Type: dealdesk.DocumentStandard},
	}
}

// submit creates and submits an opportunity.
func (e *env) submit(in dealdesk.OfferInput) *dealdesk.Offer {
	e.t.Helper()
	o, err := e.db.CreateOffer(e.ctx, in, false)
	if err != nil {
		e.t.Fatalf("create opportunity: %v", err)
	}
	if o, err = e.db.SubmitOffer(e.ctx, o.ID); err != nil {
		e.t.Fatalf("submit: %v", err)
	}
	return o
}

// outcome waits for the workers' next outcome for offerID (others are kept for later waits
// of other offers only when they are not offerID's).
func (e *env) outcome(offerID string) dealdesk.PublishOutcome {
	e.t.Helper()
	timeout := time.After(60 * time.Second)
	for {
		select {
		case o := <-e.rec.outcomes:
			if o.OfferID == offerID {
				return o
			}
			e.t.Logf("outcome of another offer: %+v", o)
		case <-timeout:
			e.t.Fatalf("no outcome for %s within 60s", offerID)
		}
	}
}

// offer reads an opportunity back.
func (e *env) offer(id string) *dealdesk.Offer {
	e.t.Helper()
	o, err := e.db.FindOfferByID(e.ctx, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return o
}

// resaleAuthorizations returns the resale authorizations the simulator's ListEntities shows
// with name, read with the real Catalog client.
func (e *env) resaleAuthorizations(name string) []*dealdesk.ResaleAuthorization {
	e.t.Helper()
	all, err := awsmp.NewCatalog(awsmp.WithLimits(nil)).ListResaleAuthorizations(context.Background(), e.conn)
	if err != nil {
		e.t.Fatalf("ListResaleAuthorizations: %v", err)
	}
	var out []*dealdesk.ResaleAuthorization
	for _, ra := range all {
		if ra.Name == name {
			out = append(out, ra)
		}
	}
	return out
}

// control calls the simulator's /_sim/ API with body as JSON.
func (e *env) control(method, path string, body any) {
	e.t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		e.t.Fatal(err)
	}
	req, err := http.NewRequest(method, e.simURL+path, bytes.NewReader(b))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		e.t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, raw)
	}
}
