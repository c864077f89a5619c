package sim_test

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/dealdesk/dealdesk/sim/eventbus"
)

// snsEndpoint is a real HTTP endpoint subscribed as an sns target; it records each message and
// confirms nothing by itself.
type snsEndpoint struct {
	mu   sync.Mutex
	msgs []snsMessage
}

type snsMessage struct {
	header http.Header
	body   []byte
	fields map[string]string
}

func newSNSEndpoint(t *testing.T) (*snsEndpoint, string) {
	t.Helper()
	ep := &snsEndpoint{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		m := snsMessage{header: r.Header.Clone(), body: b}
		if err := json.Unmarshal(b, &m.fields); err != nil {
			http.Error(w, "not an SNS message", http.StatusBadRequest)
			return
		}
		ep.mu.Lock()
		ep.msgs = append(ep.msgs, m)
		ep.mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	return ep, srv.URL
}

// received returns the messages of the given Type.
func (ep *snsEndpoint) received(typ string) []snsMessage {
	ep.mu.Lock()
	defer ep.mu.Unlock()
	var out []snsMessage
	for _, m := range ep.msgs {
		if m.fields["Type"] == typ {
			out = append(out, m)
		}
	}
	return out
}

// verifyIndependently checks an SNS message's signature the way a receiver following AWS's
// documentation does, without the simulator's code: it fetches the certificate at
// SigningCertURL, parses it with crypto/x509, builds the string to sign from the keys of the
// message's Type, and verifies SHA1withRSA (SignatureVersion 1) or SHA256withRSA (2).
func verifyIndependently(t *testing.T, m map[string]string) {
	t.Helper()
	resp, err := http.Get(m["SigningCertURL"])
	if err != nil {
		t.Fatalf("fetching SigningCertURL: %v", err)
	}
	raw, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatalf("reading the certificate at SigningCertURL: %v", err)
	}
	block, _ := pem.Decode(raw)
	if block == nil {
		t.Fatalf("SigningCertURL served no PEM: %q", raw)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatalf("parsing the served certificate: %v", err)
	}
	keys := []string{"Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"}
	if m["Type"] == "SubscriptionConfirmation" {
		keys = []string{"Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"}
	}
	var s strings.Builder
	for _, k := range keys {
		if v, ok := m[k]; ok {
			s.WriteString(k + "\n" + v + "\n")
		}
	}
	sig, err := base64.StdEncoding.DecodeString(m["Signature"])
	if err != nil {
		t.Fatalf("Signature is not base64: %v", err)
	}
	switch m["SignatureVersion"] {
	case "2":
		if err := cert.CheckSignature(x509.SHA256WithRSA, []byte(s.String()), sig); err != nil {
			t.Errorf("%s (version 2) does not verify with the served certificate: %v", m["Type"], err)
		}
	case "1":
		// crypto/x509 refuses SHA-1 signatures in CheckSignature; verify with the certificate's key.
		sum := sha1.Sum([]byte(s.String()))
		if err := rsa.VerifyPKCS1v15(cert.PublicKey.(*rsa.PublicKey), crypto.SHA1, sum[:], sig); err != nil {
			t.Errorf("%s (version 1) does not verify with the served certificate: %v", m["Type"], err)
		}
	default:
		t.Errorf("SignatureVersion %q", m["SignatureVersion"])
	}
}

// eventsView is GET /_sim/events.
type eventsView struct {
	Subscriptions []eventbus.Subscription `json:"subscriptions"`
	Events        []eventbus.Record       `json:"events"`
}

func TestSNSTargetConfirmsItsSubscriptionBeforeNotifications(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withState(filepath.Join(t.TempDir(), "state.json")))
	ep, url := newSNSEndpoint(t)
	e.mustControl(http.MethodPut, "/_sim/events", map[string]any{"targets": []any{
		map[string]any{"name": "v1", "type": "sns", "url": url + "/v1", "signatureVersion": "1"},
		map[string]any{"name": "v2", "type": "sns", "url": url + "/v2", "signatureVersion": "2"},
	}}, nil)
	e.flush()

	confirmations := ep.received("SubscriptionConfirmation")
	if len(confirmations) != 2 || len(ep.received("Notification")) != 0 {
		t.Fatalf("endpoint got %d confirmations and %d notifications, want a confirmation per target first",
			len(confirmations), len(ep.received("Notification")))
	}
	byVersion := map[string]snsMessage{}
	for _, c := range confirmations {
		verifyIndependently(t, c.fields)
		if h := c.header.Get("x-amz-sns-message-type"); h != "SubscriptionConfirmation" {
			t.Errorf("x-amz-sns-message-type %q", h)
		}
		if !strings.HasPrefix(c.fields["SubscribeURL"], e.url+"/_sim/sns?Action=ConfirmSubscription&TopicArn="+c.fields["TopicArn"]+"&Token=") {
			t.Errorf("SubscribeURL %q is not the simulator's ConfirmSubscription", c.fields["SubscribeURL"])
		}
		byVersion[c.fields["SignatureVersion"]] = c
	}
	if len(byVersion) != 2 {
		t.Fatalf("confirmations of signature versions %v, want one of 1 and one of 2", byVersion)
	}

	// An event published before the subscription is confirmed is not delivered, as in SNS.
	e.publish(simpleRA(newProductID, reseller1, "seats", "api_calls", "storage_gb"))
	e.flush()
	if n := len(ep.received("Notification")); n != 0 {
		t.Fatalf("%d notifications reached unconfirmed subscriptions", n)
	}
	var view eventsView
	e.mustControl(http.MethodGet, "/_sim/events", nil, &view)
	if len(view.Events) == 0 {
		t.Fatal("the event log is empty after a published change set")
	}
	last := view.Events[len(view.Events)-1]
	if last.Type != "Change Set Succeeded" || len(last.Deliveries) != 2 ||
		last.Deliveries[0].Status != eventbus.StatusUnconfirmed || last.Deliveries[1].Status != eventbus.StatusUnconfirmed {
		t.Fatalf("last logged event %+v: want Change Set Succeeded unconfirmed at both targets", last)
	}

	// The confirmation can be sent again while it is pending.
	var resent struct {
		Subscriptions []eventbus.Subscription `json:"subscriptions"`
	}
	e.mustControl(http.MethodPost, "/_sim/events/targets/v1/resend-confirmation", nil, &resent)
	e.flush()
	if len(resent.Subscriptions) != 1 || len(ep.received("SubscriptionConfirmation")) != 3 {
		t.Fatalf("resend: %+v, endpoint has %d confirmations, want 3", resent, len(ep.received("SubscriptionConfirmation")))
	}

	// Visiting the SubscribeURL confirms, and SNS's XML answer names the subscription.
	arns := map[string]string{}
	for version, c := range byVersion {
		resp, err := http.Get(c.fields["SubscribeURL"])
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		var out struct {
			XMLName         xml.Name `xml:"http://sns.amazonaws.com/doc/2010-03-31/ ConfirmSubscriptionResponse"`
			SubscriptionArn string   `xml:"ConfirmSubscriptionResult>SubscriptionArn"`
		}
		if err := xml.Unmarshal(body, &out); resp.StatusCode != http.StatusOK || err != nil || !strings.HasPrefix(out.SubscriptionArn, c.fields["TopicArn"]+":") {
			t.Fatalf("ConfirmSubscription: %d %s (%v)", resp.StatusCode, body, err)
		}
		arns[version] = out.SubscriptionArn
	}
	if st := e.control(http.MethodPost, "/_sim/events/targets/v1/resend-confirmation", nil, nil); st != http.StatusNotFound {
		t.Errorf("resending a confirmed subscription: status %d, want 404", st)
	}

	// Confirmations survive a restart; notifications now arrive, signed, for each subscription.
	e.restart()
	e.mustControl(http.MethodGet, "/_sim/events", nil, &view)
	if len(view.Subscriptions) != 2 {
		t.Fatalf("%d subscriptions after restart, want the 2 confirmed ones", len(view.Subscriptions))
	}
	for _, s := range view.Subscriptions {
		if s.Status != eventbus.SubscriptionConfirmed {
			t.Errorf("after restart subscription %s is %s", s.Arn, s.Status)
		}
	}
	e.publish(simpleRA(newProductID, reseller1, "seats", "api_calls", "storage_gb"))
	e.flush()
	notes := ep.received("Notification")
	if len(notes) != 2 {
		t.Fatalf("got %d notifications after confirming, want one per target", len(notes))
	}
	for _, n := range notes {
		verifyIndependently(t, n.fields)
		if got, want := n.header.Get("x-amz-sns-subscription-arn"), arns[n.fields["SignatureVersion"]]; got != want {
			t.Errorf("notification for subscription %q, want %q", got, want)
		}
	}
}

func TestSNSSubscribeURLRefusesAWrongToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ep, url := newSNSEndpoint(t)
	e.mustControl(http.MethodPut, "/_sim/events", map[string]any{"targets": []any{
		map[string]any{"name": "s", "type": "sns", "url": url}}}, nil)
	e.flush()
	c := ep.received("SubscriptionConfirmation")
	if len(c) != 1 {
		t.Fatalf("%d confirmations", len(c))
	}
	forged := strings.Replace(c[0].fields["SubscribeURL"], c[0].fields["Token"], strings.Repeat("f", 64), 1)
	resp, err := http.Get(forged)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "<Code>InvalidParameter</Code>") {
		t.Errorf("forged token: %d %s, want 400 InvalidParameter", resp.StatusCode, body)
	}
	var view eventsView
	e.mustControl(http.MethodGet, "/_sim/events", nil, &view)
	if len(view.Subscriptions) != 1 || view.Subscriptions[0].Status != eventbus.SubscriptionPending {
		t.Errorf("subscriptions %+v, want the one still pending", view.Subscriptions)
	}
}
