package worker_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
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

// counter counts the simulator's answers per operation and HTTP status, as the simulator's
// handler writes them.
type counter struct {
	mu     sync.Mutex
	counts map[string]int // "StartChangeSet Too Many Requests"
	starts []time.Time    // when StartChangeSet answered
	next   http.Handler
	// lose names the operations whose answers are lost: the simulator serves the request (and
	// so acts on it), then the client gets a 502 instead of its answer, as when a proxy or the
	// network fails after AWS handled the call. lost counts them per operation.
	lose map[string]bool
	lost map[string]int
}

// setLose starts (on) or stops losing op's answers.
func (c *counter) setLose(op string, on bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.lose == nil {
		c.lose, c.lost = map[string]bool{}, map[string]int{}
	}
	c.lose[op] = on
}

// lostAnswers returns how many of op's answers were lost.
func (c *counter) lostAnswers(op string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lost[op]
}

// statusWriter keeps the status a handler writes.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(status int) {
	w.status = status
	w.ResponseWriter.WriteHeader(status)
}

func (c *counter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op := strings.TrimPrefix(r.URL.Path, "/")
	c.mu.Lock()
	lose := c.lose[op]
	c.mu.Unlock()
	sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	if lose {
		rec := httptest.NewRecorder()
		c.next.ServeHTTP(rec, r)
		sw.status = rec.Code
		http.Error(w, "bad gateway: the answer was lost", http.StatusBadGateway)
	} else {
		c.next.ServeHTTP(sw, r)
	}
	c.mu.Lock()
	if lose {
		c.lost[op]++
	}
	c.counts[op+" "+http.StatusText(sw.status)]++
	if op == "StartChangeSet" {
		c.starts = append(c.starts, time.Now())
	}
	c.mu.Unlock()
}

// count returns how many answers op got with HTTP status.
func (c *counter) count(op string, status int) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.counts[op+" "+http.StatusText(status)]
}

// recorders tells each of its recorders of every outcome, in order.
type recorders []dealdesk.PublishRecorder

func (rs recorders) RecordPublishOutcome(ctx context.Context, o dealdesk.PublishOutcome) error {
	for _, r := range rs {
		if err := r.RecordPublishOutcome(ctx, o); err != nil {
			return err
		}
	}
	return nil
}

// recorder hands every outcome to the test.
type recorder struct{ outcomes chan dealdesk.PublishOutcome }

func (r *recorder) RecordPublishOutcome(_ context.Context, o dealdesk.PublishOutcome) error {
	r.outcomes <- o
	return nil
}

// pubEnv is a store on one engine, a simulator, an organization connected to it, the demo seed's
// analytics product, and the workers running in-process.
type pubEnv struct {
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
	clock   *expiryClock
}

// clock is the expiry job's clock; tests move it.
type expiryClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *expiryClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.now.IsZero() {
		return time.Now()
	}
	return c.now
}

func (c *expiryClock) set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

// newEnv starts everything; simCfg configures the simulator (its change sets end after 200ms
// unless it says otherwise), tune the workers.
func newPubEnv(t testing.TB, engine string, simCfg sim.Config, tune func(*worker.Config)) *pubEnv {
	t.Helper()
	return setupPub(t, engine, simCfg, tune, true)
}

// setupPub is newPubEnv; without connect the organization has no AWS connection (see connect).
func setupPub(t testing.TB, engine string, simCfg sim.Config, tune func(*worker.Config), connect bool) *pubEnv {
	t.Helper()
	if simCfg.ChangeSetDelay == 0 {
		simCfg.ChangeSetDelay = 200 * time.Millisecond
	}
	srv, err := sim.New(simCfg)
	if err != nil {
		t.Fatalf("sim.New: %v", err)
	}
	count := &counter{counts: map[string]int{}, next: srv}
	hs := httptest.NewServer(count)
	t.Cleanup(func() {
		hs.Close()
		srv.Close()
	})
	db := sqldbtest.Open(t, sqldbtest.DSN(t, engine), sqldb.Options{SecretKey: bytes.Repeat([]byte{9}, 32)})
	org, err := db.CreateOrganization(context.Background(), "Example Software")
	if err != nil {
		t.Fatal(err)
	}
	ctx := dealdesk.NewContextWithOrgID(context.Background(), org.ID)
	conn := &dealdesk.AWSConnection{OrgID: org.ID, SellerAccountID: seller, Region: "us-east-1",
		CredentialsMode: dealdesk.CredentialsStaticKeys, AccessKeyID: "AKIDPUBLISHTEST00", SecretAccessKey: "publish-test-secret-key",
		EndpointURL: hs.URL}
	product, err := db.CreateProduct(ctx, dealdesk.ProductInput{ExternalID: "prod-dd3mo4nalyt1cs",
		ProductCode: "dd3mo4nalyt1cs0000000000a", Title: "Example Analytics Platform", Dimensions: []dealdesk.Dimension{
			{Key: "seats", Name: "Seats", Unit: "Users", Kind: dealdesk.DimensionEntitled},
			{Key: "api_calls", Name: "API calls", Unit: "Requests", Kind: dealdesk.DimensionMetered},
			{Key: "storage_gb", Name: "Storage", Unit: "GB", Kind: dealdesk.DimensionMetered},
		}})
	if err != nil {
		t.Fatalf("create product: %v", err)
	}
	e := &pubEnv{t: t, db: db, ctx: ctx, sim: srv, simURL: hs.URL, conn: conn, product: product,
		http: count, rec: &recorder{outcomes: make(chan dealdesk.PublishOutcome, 1000)},
		clock: &expiryClock{}}
	if connect {
		e.connect()
	}
	// Each test has its own client-side rate limits: tests run in parallel, each on its own
	// simulator, on the same seller account.
	e.catalog = awsmp.NewCatalog(awsmp.WithLimits(awsmp.NewLimits(awsmp.Quotas)), awsmp.WithRetry(3, 50*time.Millisecond))
	cfg := worker.Config{Driver: db.RiverDriver(), Store: db, Catalog: e.catalog, Now: e.clock.Now,
		Apply:    worker.NewApplyEventWorker(db, e.catalog, sqldbtest.Options(t).Logger),
		Recorder: recorders{worker.TimelineRecorder{Timeline: db}, e.rec}, // the timeline first: e.rec signals the test
		Logger:   sqldbtest.Options(t).Logger, ChangeSetPoll: 100 * time.Millisecond, FetchPollInterval: 20 * time.Millisecond,
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
func (e *pubEnv) connect() {
	e.t.Helper()
	if _, err := e.db.SaveAWSConnection(e.ctx, dealdesk.AWSConnectionInput{SellerAccountID: e.conn.SellerAccountID,
		Region: e.conn.Region, CredentialsMode: e.conn.CredentialsMode, AccessKeyID: e.conn.AccessKeyID,
		SecretAccessKey: e.conn.SecretAccessKey, EndpointURL: e.conn.EndpointURL}); err != nil {
		e.t.Fatalf("save AWS connection: %v", err)
	}
}

// waitUntil polls cond until it holds; the test fails after 60s.
func (e *pubEnv) waitUntil(what string, cond func() bool) {
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
func (e *pubEnv) opportunity(name string) dealdesk.OfferInput {
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
func (e *pubEnv) submit(in dealdesk.OfferInput) *dealdesk.Offer {
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
func (e *pubEnv) outcome(offerID string) dealdesk.PublishOutcome {
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

// timeline returns the kinds and source references of the opportunity's timeline, in order,
// and the kinds of the organization's notifications, newest first.
func (e *pubEnv) timeline(id string) (entries, notes []string) {
	e.t.Helper()
	chain, err := e.db.FindOfferChain(e.ctx, id)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, en := range chain.Timeline {
		entries = append(entries, string(en.Kind)+" "+en.SourceRef)
	}
	ns, _, err := e.db.FindNotifications(e.ctx, dealdesk.NotificationFilter{})
	if err != nil {
		e.t.Fatal(err)
	}
	for _, n := range ns {
		notes = append(notes, string(n.Kind))
	}
	return entries, notes
}

// offer reads an opportunity back.
func (e *pubEnv) offer(id string) *dealdesk.Offer {
	e.t.Helper()
	o, err := e.db.FindOfferByID(e.ctx, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return o
}

// resaleAuthorizations returns the resale authorizations the simulator's ListEntities shows
// with name, read with the real Catalog client.
func (e *pubEnv) resaleAuthorizations(name string) []*dealdesk.ResaleAuthorization {
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
func (e *pubEnv) control(method, path string, body any) {
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
