package http_test

import (
	"context"
	"encoding/json"
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

	"github.com/dealdesk/dealdesk"
	dhttp "github.com/dealdesk/dealdesk/http"
	"github.com/dealdesk/dealdesk/inbound"
	"github.com/dealdesk/dealdesk/sim"
	"github.com/dealdesk/dealdesk/sqldb/sqldbtest"
)

// hookEnv is a server whose SNS webhook trusts the simulator's certificate, with the simulator.
type hookEnv struct {
	*env
	simURL string
	ep     inboundEndpointView
	signer *snsSigner // trusted by the SNS hook too
}

type inboundEndpointView struct {
	dealdesk.InboundEndpoint
	EventBridgeURL string `json:"eventBridgeUrl"`
	SNSURL         string `json:"snsUrl"`
	SecretHeader   string `json:"secretHeader"`
	Secret         string `json:"secret"`
}

func newHookEnv(t *testing.T, engine string) *hookEnv {
	t.Helper()
	var h atomic.Pointer[sim.Server]
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.Load().ServeHTTP(w, r) }))
	srv, err := sim.New(sim.Config{BaseURL: ts.URL, DisableQuotas: true, ChangeSetDelay: -1})
	if err != nil {
		t.Fatal(err)
	}
	h.Store(srv)
	t.Cleanup(func() { ts.Close(); srv.Close() })
	signer := newSNSSigner(t)
	verifier, err := inbound.NewSNS(inbound.SNSConfig{AllowedOrigins: []string{ts.URL, signer.origin}})
	if err != nil {
		t.Fatal(err)
	}
	e := newEnvConfig(t, sqldbtest.DSN(t, engine), func(c *dhttp.Config) { c.SNS = verifier })
	he := &hookEnv{env: e, simURL: ts.URL, signer: signer}
	e.do(req{method: "PUT", path: "/api/v1/aws-connection", key: e.keyA, body: map[string]any{
		"sellerAccountId": "111122223333", "region": "us-east-1", "credentialsMode": "STATIC_KEYS",
		"accessKeyId": "AKIAIOSFODNN7EXAMPLE", "secretAccessKey": awsSecret, "endpointUrl": ts.URL}}).want(t, 200)
	e.do(req{method: "POST", path: "/api/v1/inbound-endpoint:rotate-secret", key: e.keyA}).want(t, 200).decode(t, &he.ep)
	return he
}

// control calls the simulator's control API.
func (h *hookEnv) control(t *testing.T, method, path string, in, out any) {
	t.Helper()
	var body *strings.Reader
	b, _ := json.Marshal(in)
	body = strings.NewReader(string(b))
	r, err := http.NewRequest(method, h.simURL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode/100 != 2 {
		t.Fatalf("%s %s: %d", method, path, res.StatusCode)
	}
	if out != nil {
		if err := json.NewDecoder(res.Body).Decode(out); err != nil {
			t.Fatal(err)
		}
	}
}

// waitFor checks cond on every tick until it holds or 15 s pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(15 * time.Second)
	for !cond() {
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("waited 15s for %s", what)
		}
	}
}

// inbox lists organization A's stored events.
func (h *hookEnv) inbox(t *testing.T) []*dealdesk.InboxEvent {
	t.Helper()
	evs, _, err := h.db.FindInboxEvents(h.ctxA(), dealdesk.InboxEventFilter{Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func (h *hookEnv) applyJobs(t *testing.T) int {
	t.Helper()
	var n int
	if err := h.db.SQL().QueryRowContext(context.Background(), `SELECT count(*) FROM river_job WHERE kind = 'apply_event'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// publishResaleAuthorization makes the simulator end a change set, which sends "Change Set
// Succeeded" to the seller.
func (h *hookEnv) publishResaleAuthorization(t *testing.T) {
	t.Helper()
	c := marketplacecatalog.NewFromConfig(aws.Config{Region: "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDSELLER", "secret", ""),
		Retryer:     func() aws.Retryer { return aws.NopRetryer{} }}, func(o *marketplacecatalog.Options) { o.BaseEndpoint = aws.String(h.simURL) })
	const ref = "$RA.Entity.Identifier"
	change := func(changeType, id string, details map[string]any) types.Change {
		ch := types.Change{ChangeType: aws.String(changeType), Entity: &types.Entity{Type: aws.String("ResaleAuthorization@1.0")},
			DetailsDocument: document.NewLazyDocument(details)}
		if id == "" {
			ch.ChangeName = aws.String("RA")
		} else {
			ch.Entity.Identifier = aws.String(id)
		}
		return ch
	}
	terms := []any{map[string]any{"Type": "ResaleFixedUpfrontPricingTerm", "CurrencyCode": "USD", "Price": "1000.00", "Duration": "P12M",
		"Grants": []any{map[string]any{"DimensionKey": "seats", "MaxQuantity": 10}}}}
	out, err := c.StartChangeSet(context.Background(), &marketplacecatalog.StartChangeSetInput{Catalog: aws.String("AWSMarketplace"),
		ChangeSet: []types.Change{
			change("CreateResaleAuthorization", "", map[string]any{"ProductId": "prod-dd3mo4nalyt1cs", "Name": "Hook test", "ResellerAccountId": "444455556666"}),
			change("UpdatePricingTerms", ref, map[string]any{"PricingModel": "Contract", "Terms": terms}),
			change("UpdateLegalTerms", ref, map[string]any{"Terms": []any{map[string]any{"Type": "BuyerLegalTerm", "Documents": []any{map[string]any{"Type": "StandardEula"}}}}}),
			change("ReleaseResaleAuthorization", ref, map[string]any{}),
		}})
	if err != nil {
		t.Fatalf("StartChangeSet: %v", err)
	}
	if _, err := c.DescribeChangeSet(context.Background(), &marketplacecatalog.DescribeChangeSetInput{Catalog: aws.String("AWSMarketplace"), ChangeSetId: out.ChangeSetId}); err != nil {
		t.Fatalf("DescribeChangeSet: %v", err)
	}
}

func hookPath(url string) string { return url[strings.Index(url, "/hooks/"):] }

func TestEventBridgeHook(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		h := newHookEnv(t, engine)
		if h.ep.Secret == "" || h.ep.SecretHeader != dealdesk.InboundSecretHeader || !strings.HasSuffix(h.ep.EventBridgeURL, "/hooks/aws/eventbridge/"+h.ep.OrgKey) {
			t.Fatalf("rotated endpoint %+v", h.ep)
		}
		var got inboundEndpointView
		r := h.do(req{method: "GET", path: "/api/v1/inbound-endpoint", key: h.keyA}).want(t, 200)
		r.decode(t, &got)
		if got.OrgKey != h.ep.OrgKey || !got.HasSecret || strings.Contains(string(r.body), h.ep.Secret) {
			t.Fatalf("GET answer %s: want the same key, hasSecret, and never the secret", r.body)
		}
		// The simulator plays an EventBridge API destination with API-key authorization.
		h.control(t, "PUT", "/_sim/events", map[string]any{"targets": []any{map[string]any{"name": "dealdesk", "type": "http",
			"url": h.ep.EventBridgeURL, "secretHeader": dealdesk.InboundSecretHeader, "secret": h.ep.Secret}}}, nil)
		h.publishResaleAuthorization(t)
		waitFor(t, "the event", func() bool { return len(h.inbox(t)) == 1 })
		stored := h.inbox(t)[0]
		if stored.Channel != dealdesk.ChannelEventBridge || stored.Status != dealdesk.InboxReceived || h.applyJobs(t) != 1 {
			t.Fatalf("stored %+v with %d jobs: want one RECEIVED EventBridge event and one job", stored, h.applyJobs(t))
		}
		full, err := h.db.FindInboxEventByID(h.ctxA(), stored.ID)
		if err != nil {
			t.Fatal(err)
		}
		path := hookPath(h.ep.EventBridgeURL)

		t.Run("a redelivery is stored once with one job", func(t *testing.T) {
			var a struct {
				InboxEventID string `json:"inboxEventId"`
				Created      bool   `json:"created"`
			}
			h.in(t).do(req{method: "POST", path: path, body: full.Body, header: map[string]string{dealdesk.InboundSecretHeader: h.ep.Secret}}).want(t, 202).decode(t, &a)
			if a.Created || a.InboxEventID != stored.ID || len(h.inbox(t)) != 1 || h.applyJobs(t) != 1 {
				t.Fatalf("answer %+v, %d events, %d jobs: want the stored one, nothing new", a, len(h.inbox(t)), h.applyJobs(t))
			}
		})
		t.Run("a wrong or missing secret is 401 and stores nothing", func(t *testing.T) {
			body := strings.Replace(string(full.Body), full.EventID, "11111111-2222-3333-4444-555555555555", 1)
			for name, hdr := range map[string]map[string]string{
				"missing": nil, "wrong": {dealdesk.InboundSecretHeader: h.ep.Secret + "x"}, "empty": {dealdesk.InboundSecretHeader: ""},
				"another organization's key header": {"Authorization": "Bearer " + h.keyA},
			} {
				h.in(t).do(req{method: "POST", path: path, body: body, header: hdr}).want(t, 401)
				if n := len(h.inbox(t)); n != 1 {
					t.Fatalf("%s secret: %d events stored, want still 1", name, n)
				}
			}
			h.in(t).do(req{method: "POST", path: "/hooks/aws/eventbridge/nokey", body: body,
				header: map[string]string{dealdesk.InboundSecretHeader: h.ep.Secret}}).want(t, 404)
		})
		t.Run("a rotated secret replaces the old one", func(t *testing.T) {
			var ep inboundEndpointView
			h.in(t).do(req{method: "POST", path: "/api/v1/inbound-endpoint:rotate-secret", key: h.keyA}).want(t, 200).decode(t, &ep)
			h.in(t).do(req{method: "POST", path: path, body: full.Body, header: map[string]string{dealdesk.InboundSecretHeader: h.ep.Secret}}).want(t, 401)
			h.in(t).do(req{method: "POST", path: path, body: full.Body, header: map[string]string{dealdesk.InboundSecretHeader: ep.Secret}}).want(t, 202)
			h.ep.Secret = ep.Secret
		})
		t.Run("an event of another AWS account is stored UNKNOWN and not applied", func(t *testing.T) {
			var m map[string]any
			if err := json.Unmarshal(full.Body, &m); err != nil {
				t.Fatal(err)
			}
			if m["account"] != "111122223333" {
				t.Fatalf("the simulator's event is for account %v, want the seller's", m["account"])
			}
			m["id"], m["account"] = "22222222-3333-4444-5555-666666666666", "999988887777"
			jobs := h.applyJobs(t)
			var a struct {
				InboxEventID string               `json:"inboxEventId"`
				Status       dealdesk.InboxStatus `json:"status"`
			}
			h.in(t).do(req{method: "POST", path: path, body: m, header: map[string]string{dealdesk.InboundSecretHeader: h.ep.Secret}}).
				want(t, 202).decode(t, &a)
			got, err := h.db.FindInboxEventByID(h.ctxA(), a.InboxEventID)
			if err != nil {
				t.Fatal(err)
			}
			if a.Status != dealdesk.InboxUnknown || got.Status != dealdesk.InboxUnknown || !strings.Contains(got.Error, "999988887777") ||
				!strings.Contains(got.Error, "not applied") || h.applyJobs(t) != jobs {
				t.Fatalf("stored %s (%q), %d jobs (were %d): want it kept UNKNOWN, naming the account, without a job", got.Status, got.Error, h.applyJobs(t), jobs)
			}
			evs, _, err := h.db.FindInboxEvents(h.ctxA(), dealdesk.InboxEventFilter{Status: dealdesk.InboxUnknown})
			if err != nil || len(evs) != 1 || evs[0].ID != got.ID {
				t.Fatalf("UNKNOWN events %+v, %v: want it listed with the other marked events", evs, err)
			}
		})
		t.Run("a malformed body is stored MALFORMED and answered 400", func(t *testing.T) {
			body := `{"id":"bad-1","detail-type":"Offer Released"}`
			hdr := map[string]string{dealdesk.InboundSecretHeader: h.ep.Secret}
			h.in(t).do(req{method: "POST", path: path, body: body, header: hdr, bad: true}).want(t, 400)
			h.in(t).do(req{method: "POST", path: path, body: body, header: hdr, bad: true}).want(t, 400)
			evs, _, err := h.db.FindInboxEvents(h.ctxA(), dealdesk.InboxEventFilter{Status: dealdesk.InboxMalformed})
			if err != nil {
				t.Fatal(err)
			}
			if len(evs) != 1 || evs[0].EventID != "bad-1" || evs[0].Error == "" || h.applyJobs(t) != 1 {
				t.Fatalf("malformed events %+v, %d jobs: want one, marked with why, and no job", evs, h.applyJobs(t))
			}
		})
		t.Run("a body over 256 KiB is 413", func(t *testing.T) {
			h.in(t).do(req{method: "POST", path: path, body: `{"id":"` + strings.Repeat("x", dealdesk.MaxInboxBodyBytes) + `"}`,
				header: map[string]string{dealdesk.InboundSecretHeader: h.ep.Secret}, bad: true}).want(t, 413)
		})
		if strings.Contains(h.logs.String(), h.ep.Secret) {
			t.Fatal("the logs hold the EventBridge secret")
		}
	})
}

func TestSNSHook(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		h := newHookEnv(t, engine)
		h.control(t, "PUT", "/_sim/events", map[string]any{"targets": []any{map[string]any{"name": "dealdesk", "type": "sns",
			"url": h.ep.SNSURL, "signatureVersion": "2", "streams": []string{"eventbridge"}}}}, nil)
		type subs struct {
			Subscriptions []struct {
				TopicArn string `json:"topicArn"`
				Status   string `json:"status"`
			} `json:"subscriptions"`
		}
		// The hook confirms (the simulator then shows Confirmed) before it records the
		// confirmation in the inbox: wait for both.
		waitFor(t, "the subscription's confirmation, confirmed and recorded", func() bool {
			var v subs
			h.control(t, "GET", "/_sim/events", nil, &v)
			return len(v.Subscriptions) == 1 && v.Subscriptions[0].Status == "Confirmed" && len(h.inbox(t)) > 0
		})
		evs := h.inbox(t)
		if len(evs) != 1 || evs[0].Status != dealdesk.InboxUnknown || !strings.Contains(evs[0].Error, "confirmed") || h.applyJobs(t) != 0 {
			t.Fatalf("after the confirmation: %+v, %d jobs: want it recorded, not processed", evs, h.applyJobs(t))
		}
		h.publishResaleAuthorization(t)
		waitFor(t, "the notification", func() bool { return len(h.inbox(t)) == 2 })
		n := h.inbox(t)[0]
		if n.Channel != dealdesk.ChannelSNS || n.Status != dealdesk.InboxReceived || h.applyJobs(t) != 1 {
			t.Fatalf("notification stored %+v, %d jobs", n, h.applyJobs(t))
		}
		full, err := h.db.FindInboxEventByID(h.ctxA(), n.ID)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(full.Body, &m); err != nil || !strings.Contains(m["Message"].(string), `"`+full.EventID+`"`) {
			t.Fatalf("stored body %s: want the SNS envelope of EventBridge event %s", full.Body, full.EventID)
		}
		path := hookPath(h.ep.SNSURL)

		t.Run("a redelivery is stored once", func(t *testing.T) {
			h.in(t).do(req{method: "POST", path: path, body: full.Body}).want(t, 202)
			if len(h.inbox(t)) != 2 || h.applyJobs(t) != 1 {
				t.Fatalf("%d events, %d jobs after a redelivery", len(h.inbox(t)), h.applyJobs(t))
			}
		})
		refused := []struct {
			name string
			edit func(m map[string]any)
		}{
			{"tampered message", func(m map[string]any) {
				m["Message"] = strings.Replace(m["Message"].(string), full.EventID, "11111111-2222-3333-4444-555555555555", 1)
			}},
			{"certificate off the allow-list", func(m map[string]any) {
				m["SigningCertURL"] = "https://attacker.example/cert.pem"
				m["MessageId"] = "another"
			}},
			{"tampered signature", func(m map[string]any) { m["Signature"] = "AAAA" + m["Signature"].(string)[4:]; m["MessageId"] = "x2" }},
		}
		for _, c := range refused {
			t.Run(c.name+" is 401 and stores nothing", func(t *testing.T) {
				var mm map[string]any
				if err := json.Unmarshal(full.Body, &mm); err != nil {
					t.Fatal(err)
				}
				c.edit(mm)
				h.in(t).do(req{method: "POST", path: path, body: mm}).want(t, 401)
				if len(h.inbox(t)) != 2 || h.applyJobs(t) != 1 {
					t.Fatalf("%d events, %d jobs after a refused message", len(h.inbox(t)), h.applyJobs(t))
				}
			})
		}
		t.Run("another organization's topic is 401", func(t *testing.T) {
			h.in(t).do(req{method: "PUT", path: "/api/v1/aws-connection", key: h.keyA, body: map[string]any{
				"sellerAccountId": "999988887777", "region": "us-east-1", "credentialsMode": "STATIC_KEYS",
				"accessKeyId": "AKIAIOSFODNN7EXAMPLE", "secretAccessKey": awsSecret}}).want(t, 200)
			h.in(t).do(req{method: "POST", path: path, body: full.Body}).want(t, 401)
			if len(h.inbox(t)) != 2 {
				t.Fatalf("%d events after a message of an unexpected topic", len(h.inbox(t)))
			}
		})
	})
}
