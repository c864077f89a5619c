package worker_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
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

// The simulator's demo seed: the seller, a reseller, a buyer and the analytics product.
const (
	seller      = "111122223333"
	reseller    = "444455556666"
	buyer       = "210987654321"
	productID   = "prod-dd3mo4nalyt1cs"
	productCode = "dd3mo4nalyt1cs0000000000a"
)

// clock is the simulator's clock: each step of a test moves it a minute on, so that the events
// of a deal have distinct times (EventBridge times are in seconds).
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) step()          { c.mu.Lock(); c.now = c.now.Add(time.Minute); c.mu.Unlock() }

// env is one simulator and one store of an engine.
type env struct {
	t     *testing.T
	clock *clock
	url   string
	db    *sqldb.DB
	cat   *awsmp.Catalog
}

func newEnv(t *testing.T, engine string) *env {
	t.Helper()
	c := &clock{now: time.Now().UTC().Truncate(time.Second)}
	srv, err := sim.New(sim.Config{ChangeSetDelay: -1, DisableQuotas: true, Now: c.Now})
	if err != nil {
		t.Fatalf("sim.New: %v", err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		hs.Close()
		srv.Close()
	})
	return &env{t: t, clock: c, url: hs.URL, db: sqldbtest.Open(t, sqldbtest.DSN(t, engine), sqldb.Options{SecretKey: bytes.Repeat([]byte{7}, 32)}),
		cat: awsmp.NewCatalog(awsmp.WithLimits(awsmp.NewLimits(awsmp.Quotas)), awsmp.WithRetry(3, 20*time.Millisecond))}
}

func bg(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// org is an organization of the store with the demo product registered.
type org struct {
	id        string
	ctx       context.Context
	productID string // dealdesk's ID of the analytics product
}

// newOrg creates an organization with the analytics product and, when withConn, an AWS
// connection to the simulator.
func (e *env) newOrg(name string, withConn bool) *org {
	t := e.t
	t.Helper()
	o, err := e.db.CreateOrganization(bg(t), name)
	if err != nil {
		t.Fatal(err)
	}
	ctx := dealdesk.NewContextWithOrgID(bg(t), o.ID)
	if withConn {
		if _, err := e.db.SaveAWSConnection(ctx, dealdesk.AWSConnectionInput{SellerAccountID: seller, Region: "us-east-1",
			CredentialsMode: dealdesk.CredentialsStaticKeys, AccessKeyID: "AKIDSELLER000000", SecretAccessKey: "not-a-real-secret-key",
			EndpointURL: e.url}); err != nil {
			t.Fatal(err)
		}
	}
	p, err := e.db.CreateProduct(ctx, dealdesk.ProductInput{ExternalID: productID, ProductCode: productCode, Title: "Example Analytics Platform",
		Dimensions: []dealdesk.Dimension{
			{Key: "seats", Name: "Seats", Unit: "Users", Kind: dealdesk.DimensionEntitled},
			{Key: "api_calls", Name: "API calls", Unit: "Requests", Kind: dealdesk.DimensionMetered},
			{Key: "storage_gb", Name: "Storage", Unit: "GB", Kind: dealdesk.DimensionMetered},
		}})
	if err != nil {
		t.Fatal(err)
	}
	return &org{id: o.ID, ctx: ctx, productID: p.ID}
}

// opportunityInput is a valid multi-use opportunity for the demo reseller.
func (o *org) opportunityInput() dealdesk.OfferInput {
	typ, name, resellerID := dealdesk.OfferCPPOOut, "Acme analytics via Northwind", reseller
	commit, cur, dur := dealdesk.MustDecimal("12000.00"), dealdesk.USD, "P12M"
	expiry, _ := dealdesk.ParseDate("2030-06-30")
	return dealdesk.OfferInput{Type: &typ, Name: &name, ProductID: &o.productID, ResellerAccountID: &resellerID,
		CommitAmount: &commit, Currency: &cur, ContractDuration: &dur,
		EntitledDimensions: &[]dealdesk.EntitledDimension{{DimensionKey: "seats", Quantity: 25}},
		DimensionPrices: &[]dealdesk.DimensionPrice{{DimensionKey: "api_calls", Price: dealdesk.MustDecimal("0.000125")},
			{DimensionKey: "storage_gb", Price: dealdesk.MustDecimal("0.023")}},
		ExpiryDate: &expiry, EULA: &dealdesk.Document{Type: dealdesk.DocumentStandard}}
}

// publish creates an opportunity in org, publishes it through awsmp to the simulator and
// returns it with the resale authorization ID.
func (e *env) publish(o *org) (*dealdesk.Offer, string) {
	t := e.t
	t.Helper()
	opp, err := e.db.CreateOffer(o.ctx, o.opportunityInput(), false)
	if err != nil {
		t.Fatalf("CreateOffer: %v", err)
	}
	conn, err := e.db.AWSConnectionWithSecret(o.ctx)
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.db.FindProductByID(o.ctx, o.productID)
	if err != nil {
		t.Fatal(err)
	}
	csID, err := e.cat.StartResaleAuthorization(o.ctx, conn, opp, p, dealdesk.PublishToken(opp.ID, 1))
	if err != nil {
		t.Fatalf("StartResaleAuthorization: %v", err)
	}
	res, err := e.cat.DescribeChangeSet(o.ctx, conn, csID)
	if err != nil || res.Status != dealdesk.ChangeSetSucceeded || res.ResaleAuthorizationID == "" {
		t.Fatalf("DescribeChangeSet: %+v, %v", res, err)
	}
	e.activate(o, opp.ID, res.ResaleAuthorizationID)
	return opp, res.ResaleAuthorizationID
}

// newOpportunity creates, in org, an ACTIVE opportunity whose resale authorization is raID.
func (e *env) newOpportunity(o *org, raID string) *dealdesk.Offer {
	e.t.Helper()
	opp, err := e.db.CreateOffer(o.ctx, o.opportunityInput(), false)
	if err != nil {
		e.t.Fatalf("CreateOffer: %v", err)
	}
	e.activate(o, opp.ID, raID)
	return opp
}

// activate stores what the publish job stores on success (that job is another worker's):
// ACTIVE, with the resale authorization as externalId.
func (e *env) activate(o *org, oppID, raID string) {
	e.t.Helper()
	if _, err := e.db.SQL().ExecContext(o.ctx, `UPDATE offers SET status = $1, external_id = $2 WHERE org_id = $3 AND id = $4`,
		string(dealdesk.OfferActive), raID, o.id, oppID); err != nil {
		e.t.Fatal(err)
	}
}

// control calls the simulator's control API and decodes a 2xx answer into out; the clock moves
// on a minute first.
func (e *env) control(method, path string, body, out any) {
	t := e.t
	t.Helper()
	e.clock.step()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(bg(t), method, e.url+path, bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: decode %s: %v", method, path, raw, err)
		}
	}
}

// createOffer plays the reseller releasing a CPPO offer from raID for the buyer at 5% markup.
func (e *env) createOffer(raID string) string {
	var out struct{ OfferID string }
	e.control(http.MethodPost, "/_sim/resellers/"+reseller+"/offers",
		map[string]any{"resaleAuthorizationId": raID, "buyerAccountIds": []string{buyer}, "markupPercentage": "5"}, &out)
	return out.OfferID
}

// accept plays the buyer accepting offerID.
func (e *env) accept(offerID string) (agreementID, licenseARN string) {
	var out struct{ AgreementID, LicenseArn string }
	e.control(http.MethodPost, "/_sim/buyers/"+buyer+"/accept", map[string]any{"offerId": offerID}, &out)
	return out.AgreementID, out.LicenseArn
}

// simEvent is one EventBridge event of the simulator's log.
type simEvent struct {
	ID, Type string
	Body     json.RawMessage
}

// events returns the EventBridge events the simulator published, in order, from its log.
func (e *env) events() []simEvent {
	var out struct {
		Events []struct {
			ID, Kind, Type string
			Event          json.RawMessage
		}
	}
	req, _ := http.NewRequestWithContext(bg(e.t), http.MethodGet, e.url+"/_sim/events", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		e.t.Fatal(err)
	}
	var evs []simEvent
	for _, r := range out.Events {
		if r.Kind == "eventbridge" {
			evs = append(evs, simEvent{ID: r.ID, Type: r.Type, Body: r.Event})
		}
	}
	return evs
}

// only returns the events of evs of detail type typ.
func only(evs []simEvent, typ string) []simEvent {
	var out []simEvent
	for _, ev := range evs {
		if ev.Type == typ {
			out = append(out, ev)
		}
	}
	return out
}

// deliver stores each event in org's inbox as the EventBridge webhook does and runs the apply
// job on it, failing the test if the job fails; it returns the stored events as marked.
func (e *env) deliver(w *worker.ApplyEventWorker, o *org, evs ...simEvent) []*dealdesk.InboxEvent {
	t := e.t
	t.Helper()
	var out []*dealdesk.InboxEvent
	for _, ev := range evs {
		stored, _, err := e.db.StoreInboxEvent(o.ctx, &dealdesk.InboxEvent{Channel: dealdesk.ChannelEventBridge, EventID: ev.ID, Body: ev.Body})
		if err != nil {
			t.Fatalf("StoreInboxEvent %s: %v", ev.Type, err)
		}
		if err := w.Apply(context.Background(), dealdesk.ApplyEventJob{OrgID: o.id, InboxEventID: stored.ID}); err != nil {
			t.Fatalf("applying %s: %v", ev.Type, err)
		}
		marked, err := e.db.FindInboxEventByID(o.ctx, stored.ID)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, marked)
	}
	return out
}

// chain returns the chain of opportunity oppID in org.
func (e *env) chain(o *org, oppID string) *dealdesk.OfferChain {
	e.t.Helper()
	c, err := e.db.FindOfferChain(o.ctx, oppID)
	if err != nil {
		e.t.Fatalf("FindOfferChain: %v", err)
	}
	return c
}
