package inbound_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/marketplacecatalog"
	"github.com/aws/aws-sdk-go-v2/service/marketplacecatalog/document"
	"github.com/aws/aws-sdk-go-v2/service/marketplacecatalog/types"

	"github.com/dealdesk/dealdesk/sim"
)

// The demo seed's parties and product (sim.DemoSeed).
const (
	simProduct  = "prod-dd3mo4nalyt1cs"
	simReseller = "444455556666"
	simBuyer    = "210987654321"
	certPath    = "/_sim/sns/certificate.pem"
	waitFor     = 10 * time.Second
)

// simEnv is the real simulator behind an httptest server that counts the requests for its SNS
// signing certificate and its SubscribeURL.
type simEnv struct {
	url          string
	certFetches  atomic.Int64
	confirmCalls atomic.Int64
}

func newSim(t *testing.T) *simEnv {
	t.Helper()
	e := &simEnv{}
	var h atomic.Pointer[sim.Server]
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case certPath:
			e.certFetches.Add(1)
		case "/_sim/sns":
			e.confirmCalls.Add(1)
		}
		h.Load().ServeHTTP(w, r)
	}))
	e.url = ts.URL
	srv, err := sim.New(sim.Config{BaseURL: ts.URL, DisableQuotas: true, ChangeSetDelay: -1})
	if err != nil {
		t.Fatalf("sim.New: %v", err)
	}
	h.Store(srv)
	t.Cleanup(func() {
		ts.Close()
		if err := srv.Close(); err != nil {
			t.Errorf("closing the simulator: %v", err)
		}
	})
	return e
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// control calls the simulator's control API and decodes a 2xx answer into out.
func (e *simEnv) control(t *testing.T, method, path string, in, out any) {
	t.Helper()
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(testCtx(t), method, e.url+path, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the answer: %v", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: decoding %s: %v", method, path, b, err)
		}
	}
}

// catalog is a real Catalog client of the seller against the simulator.
func (e *simEnv) catalog() *marketplacecatalog.Client {
	return marketplacecatalog.NewFromConfig(aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDSELLER", "secret", ""),
		Retryer:     func() aws.Retryer { return aws.NopRetryer{} },
	}, func(o *marketplacecatalog.Options) { o.BaseEndpoint = aws.String(e.url) })
}

// publishResaleAuthorization publishes a multi-use resale authorization of the demo product for
// the demo reseller and returns its id once the change set has succeeded.
func (e *simEnv) publishResaleAuthorization(t *testing.T) string {
	t.Helper()
	const ref = "$RA.Entity.Identifier"
	change := func(changeType, identifier string, details map[string]any) types.Change {
		c := types.Change{ChangeType: aws.String(changeType), Entity: &types.Entity{Type: aws.String("ResaleAuthorization@1.0")},
			DetailsDocument: document.NewLazyDocument(details)}
		if identifier == "" {
			c.ChangeName = aws.String("RA")
		} else {
			c.Entity.Identifier = aws.String(identifier)
		}
		return c
	}
	terms := []any{
		map[string]any{"Type": "ResaleFixedUpfrontPricingTerm", "CurrencyCode": "USD", "Price": "1000.00", "Duration": "P12M",
			"Grants": []any{map[string]any{"DimensionKey": "seats", "MaxQuantity": 10}}},
		map[string]any{"Type": "ResaleUsageBasedPricingTerm", "CurrencyCode": "USD", "RateCards": []any{map[string]any{"RateCard": []any{
			map[string]any{"DimensionKey": "api_calls", "Price": "0.01"}, map[string]any{"DimensionKey": "storage_gb", "Price": "0.01"}}}}},
	}
	c := e.catalog()
	out, err := c.StartChangeSet(testCtx(t), &marketplacecatalog.StartChangeSetInput{Catalog: aws.String("AWSMarketplace"),
		ChangeSet: []types.Change{
			change("CreateResaleAuthorization", "", map[string]any{"ProductId": simProduct, "Name": "Inbound test", "ResellerAccountId": simReseller}),
			change("UpdatePricingTerms", ref, map[string]any{"PricingModel": "Contract", "Terms": terms}),
			change("UpdateLegalTerms", ref, map[string]any{"Terms": []any{map[string]any{"Type": "BuyerLegalTerm", "Documents": []any{map[string]any{"Type": "StandardEula"}}}}}),
			change("ReleaseResaleAuthorization", ref, map[string]any{}),
		}})
	if err != nil {
		t.Fatalf("StartChangeSet: %v", err)
	}
	// With no change-set delay the simulator ends the change set on the next Catalog call.
	d, err := c.DescribeChangeSet(testCtx(t), &marketplacecatalog.DescribeChangeSetInput{Catalog: aws.String("AWSMarketplace"), ChangeSetId: out.ChangeSetId})
	if err != nil {
		t.Fatalf("DescribeChangeSet: %v", err)
	}
	if d.Status != types.ChangeStatusSucceeded {
		t.Fatalf("change set %s, want SUCCEEDED", d.Status)
	}
	for _, ch := range d.ChangeSet {
		if ch.Entity != nil && strings.HasPrefix(aws.ToString(ch.Entity.Identifier), "resaleauthz-") {
			return aws.ToString(ch.Entity.Identifier)
		}
	}
	t.Fatal("the succeeded change set names no resale authorization")
	return ""
}

// receiver is a webhook endpoint: it answers 200 to every POST and hands the bodies over.
type receiver struct {
	url    string
	bodies chan []byte
}

func newReceiver(t *testing.T) *receiver {
	t.Helper()
	r := &receiver{bodies: make(chan []byte, 256)}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, err := io.ReadAll(http.MaxBytesReader(w, req.Body, 1<<20))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.bodies <- b
	}))
	t.Cleanup(ts.Close)
	r.url = ts.URL
	return r
}

// next returns the next body, failing the test if none comes within waitFor.
func (r *receiver) next(t *testing.T) []byte {
	t.Helper()
	select {
	case b := <-r.bodies:
		return b
	case <-time.After(waitFor):
		t.Fatalf("nothing delivered within %s", waitFor)
		return nil
	}
}
