package eventbus

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// snsAPI serves b.ServeSNS on a real listener and points b's SubscribeURL at it.
func snsAPI(t *testing.T, cfg Config) (*Bus, string) {
	t.Helper()
	var b *Bus
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { b.ServeSNS(w, r) }))
	t.Cleanup(srv.Close)
	cfg.SubscribeURL = srv.URL + "/sns"
	b = newTestBus(t, cfg)
	return b, srv.URL
}

// snsMessages decodes the SNS envelopes a receiver got, with their message type header.
func snsMessages(t *testing.T, rcv *receiver) []map[string]string {
	t.Helper()
	var out []map[string]string
	for _, r := range rcv.requests() {
		var m map[string]string
		if err := json.Unmarshal(r.body, &m); err != nil {
			t.Fatalf("not an SNS envelope: %v: %s", err, r.body)
		}
		if h := r.header.Get("x-amz-sns-message-type"); h != m["Type"] {
			t.Errorf("x-amz-sns-message-type %q, body Type %q", h, m["Type"])
		}
		m["subscription-header"] = r.header.Get("x-amz-sns-subscription-arn")
		out = append(out, m)
	}
	return out
}

// visit GETs u and returns the status and body.
func visit(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: read answer: %v", u, err)
	}
	return resp.StatusCode, string(body)
}

func TestSNSSubscriptionIsConfirmedBeforeAnyNotification(t *testing.T) {
	t.Parallel()
	rcv := newReceiver(t, nil)
	b, _ := snsAPI(t, Config{})
	configure(t, b, `{"targets":[{"name":"s","type":"sns","url":"`+rcv.URL+`","signatureVersion":"2"}]}`)
	b.Publish(b.LicenseUpdated(licenseInput())) // before confirmation: not delivered
	flush(t, b)

	msgs := snsMessages(t, rcv)
	if len(msgs) != 1 {
		t.Fatalf("receiver got %d messages, want only the SubscriptionConfirmation", len(msgs))
	}
	c := msgs[0]
	topic := "arn:aws:sns:us-east-1:" + vendorAcct + ":" + DefaultTopicName
	if c["Type"] != "SubscriptionConfirmation" || c["TopicArn"] != topic || len(c["Token"]) != 64 || c["UnsubscribeURL"] != "" || c["subscription-header"] != "" {
		t.Fatalf("first message %v: want a SubscriptionConfirmation on %s with a token, and no subscription ARN", c, topic)
	}
	if err := VerifySNS(rcv.requests()[0].body, b.CertificatePEM()); err != nil {
		t.Errorf("confirmation does not verify: %v", err)
	}
	if !strings.HasSuffix(c["SubscribeURL"], "/sns?Action=ConfirmSubscription&TopicArn="+topic+"&Token="+c["Token"]) {
		t.Errorf("SubscribeURL %q", c["SubscribeURL"])
	}
	log := b.Log()
	if len(log) != 2 || log[0].Kind != KindConfirmation || len(log[1].Deliveries) != 1 || log[1].Deliveries[0].Status != StatusUnconfirmed {
		t.Fatalf("log %s: want the confirmation, then the event logged unconfirmed", mustJSONAny(t, log))
	}

	status, body := visit(t, c["SubscribeURL"])
	var ok struct {
		XMLName         xml.Name `xml:"http://sns.amazonaws.com/doc/2010-03-31/ ConfirmSubscriptionResponse"`
		SubscriptionArn string   `xml:"ConfirmSubscriptionResult>SubscriptionArn"`
		RequestID       string   `xml:"ResponseMetadata>RequestId"`
	}
	if err := xml.Unmarshal([]byte(body), &ok); status != http.StatusOK || err != nil || !strings.HasPrefix(ok.SubscriptionArn, topic+":") || ok.RequestID == "" {
		t.Fatalf("visiting SubscribeURL: %d %s (%v)", status, body, err)
	}
	subs := b.Subscriptions()
	if len(subs) != 1 || subs[0].Status != SubscriptionConfirmed || subs[0].Arn != ok.SubscriptionArn || subs[0].ConfirmedAt == nil {
		t.Fatalf("subscriptions %+v, want one confirmed %s", subs, ok.SubscriptionArn)
	}
	if status, again := visit(t, c["SubscribeURL"]); status != http.StatusOK || !strings.Contains(again, ok.SubscriptionArn) {
		t.Errorf("confirming twice: %d %s, want the same subscription", status, again)
	}

	rcv.reset()
	b.Publish(b.LicenseUpdated(licenseInput()))
	flush(t, b)
	msgs = snsMessages(t, rcv)
	if len(msgs) != 1 || msgs[0]["Type"] != "Notification" || msgs[0]["subscription-header"] != ok.SubscriptionArn {
		t.Fatalf("after confirming got %v, want one Notification for %s", msgs, ok.SubscriptionArn)
	}
}

func TestSNSConfirmSubscriptionRefusesBadRequests(t *testing.T) {
	t.Parallel()
	rcv := newReceiver(t, nil)
	b, api := snsAPI(t, Config{})
	configure(t, b, `{"targets":[{"name":"s","type":"sns","url":"`+rcv.URL+`"}]}`)
	flush(t, b)
	subs := b.Subscriptions()
	if len(subs) != 1 {
		t.Fatalf("%d subscriptions, want the sns target's one", len(subs))
	}
	sub := subs[0]
	tests := []struct {
		name, query string
		status      int
		code        string
	}{
		{"wrong token", "Action=ConfirmSubscription&TopicArn=" + sub.TopicArn + "&Token=" + strings.Repeat("0", 64), http.StatusBadRequest, "InvalidParameter"},
		{"no token", "Action=ConfirmSubscription&TopicArn=" + sub.TopicArn, http.StatusBadRequest, "InvalidParameter"},
		{"no topic", "Action=ConfirmSubscription&Token=" + sub.Token, http.StatusBadRequest, "InvalidParameter"},
		{"unknown topic", "Action=ConfirmSubscription&TopicArn=arn:aws:sns:us-east-1:111122223333:other&Token=" + sub.Token, http.StatusNotFound, "NotFound"},
		{"another action", "Action=Subscribe&TopicArn=" + sub.TopicArn + "&Token=" + sub.Token, http.StatusBadRequest, "InvalidAction"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			status, body := visit(t, api+"/sns?"+tt.query)
			var e struct {
				XMLName xml.Name `xml:"ErrorResponse"`
				Type    string   `xml:"Error>Type"`
				Code    string   `xml:"Error>Code"`
				Message string   `xml:"Error>Message"`
			}
			if err := xml.Unmarshal([]byte(body), &e); err != nil || status != tt.status || e.Code != tt.code || e.Type != "Sender" || e.Message == "" {
				t.Errorf("got %d %s (%v), want %d %s", status, body, err, tt.status, tt.code)
			}
		})
	}
	t.Cleanup(func() {
		if s := b.Subscriptions()[0]; s.Status != SubscriptionPending {
			t.Errorf("a refused confirmation changed the subscription to %s", s.Status)
		}
	})
}

func TestSNSConfirmationIsResentWhilePending(t *testing.T) {
	t.Parallel()
	rcv := newReceiver(t, nil)
	b, _ := snsAPI(t, Config{})
	cfg := `{"targets":[{"name":"s","type":"sns","url":"` + rcv.URL + `"},{"name":"w","type":"http","url":"` + rcv.URL + `"}]}`
	configure(t, b, cfg)
	flush(t, b)
	confirmations := snsMessages(t, rcv)
	if len(confirmations) != 1 {
		t.Fatalf("got %d messages, want the one confirmation", len(confirmations))
	}
	first := confirmations[0]

	resent, err := b.ResendConfirmation("s")
	if err != nil || len(resent) != 1 || resent[0].ConfirmationsSent != 2 {
		t.Fatalf("ResendConfirmation: %+v, %v", resent, err)
	}
	configure(t, b, cfg) // subscribing again while pending also resends, as SNS's Subscribe does
	flush(t, b)
	msgs := snsMessages(t, rcv)
	if len(msgs) != 3 {
		t.Fatalf("got %d confirmations, want 3", len(msgs))
	}
	for _, m := range msgs[1:] {
		if m["Type"] != "SubscriptionConfirmation" || m["Token"] != first["Token"] || m["MessageId"] == first["MessageId"] {
			t.Errorf("resent %v: want a new confirmation message with the same token", m)
		}
	}
	for name, target := range map[string]string{"unknown target": "nope", "http target": "w"} {
		if _, err := b.ResendConfirmation(target); !errors.Is(err, ErrNoSubscription) {
			t.Errorf("%s: %v, want ErrNoSubscription", name, err)
		}
	}
	if _, err := b.ConfirmSubscription(first["TopicArn"], first["Token"]); err != nil {
		t.Fatal(err)
	}
	if _, err := b.ResendConfirmation("s"); !errors.Is(err, ErrNoSubscription) {
		t.Errorf("resending a confirmed subscription: %v, want ErrNoSubscription", err)
	}

	rcv.reset()
	configure(t, b, cfg) // confirmed, same URL: nothing is sent
	flush(t, b)
	if n := len(rcv.requests()); n != 0 {
		t.Errorf("reconfiguring a confirmed target sent %d messages", n)
	}
	other := newReceiver(t, nil)
	configure(t, b, `{"targets":[{"name":"s","type":"sns","url":"`+other.URL+`"}]}`)
	flush(t, b)
	if msgs := snsMessages(t, other); len(msgs) != 1 || msgs[0]["Type"] != "SubscriptionConfirmation" || msgs[0]["Token"] == first["Token"] {
		t.Errorf("a new URL got %v, want a new confirmation with a new token", msgs)
	}
	if s := b.Subscriptions(); len(s) != 1 || s[0].Status != SubscriptionPending || s[0].Endpoint != other.URL {
		t.Errorf("subscriptions %+v, want the new endpoint pending", s)
	}
}

func TestSNSLegacyTopicsAreSubscribedPerProduct(t *testing.T) {
	t.Parallel()
	rcv := newReceiver(t, nil)
	b, _ := snsAPI(t, Config{ProductCodes: []string{productCode, "otherproductcode"}})
	configure(t, b, `{"targets":[{"name":"s","type":"sns","url":"`+rcv.URL+`","streams":["subscription","entitlement"]}]}`)
	flush(t, b)
	var topics []string
	for _, s := range b.Subscriptions() {
		topics = append(topics, s.TopicArn)
	}
	want := []string{
		TopicArn(EntitlementTopic, "otherproductcode"), TopicArn(SubscriptionTopic, "otherproductcode"),
		TopicArn(EntitlementTopic, productCode), TopicArn(SubscriptionTopic, productCode),
	}
	if len(topics) != len(want) || len(snsMessages(t, rcv)) != len(want) {
		t.Fatalf("subscribed to %v, want the four legacy topics, each sent a confirmation", topics)
	}
	for _, w := range want {
		if !strings.Contains(strings.Join(topics, " "), w) {
			t.Errorf("no subscription to %s", w)
		}
	}
	// A product the bus was not told of is subscribed to on its first message, which is then not
	// delivered (its subscription is pending).
	rcv.reset()
	m := b.EntitlementUpdated(EntitlementInput{CustomerIdentifier: customerID, ProductCode: "lateproduct"})
	b.PublishMessage(m)
	flush(t, b)
	if msgs := snsMessages(t, rcv); len(msgs) != 1 || msgs[0]["Type"] != "SubscriptionConfirmation" || msgs[0]["TopicArn"] != m.TopicArn {
		t.Errorf("first message of an unknown product's topic: got %v, want only its confirmation", msgs)
	}
}

func TestSNSSubscriptionsSurviveRestore(t *testing.T) {
	t.Parallel()
	rcv := newReceiver(t, nil)
	a, _ := snsAPI(t, Config{})
	configureConfirmed(t, a, `{"targets":[{"name":"s","type":"sns","url":"`+rcv.URL+`"}]}`, rcv)
	snap, err := a.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	b := newTestBus(t, Config{})
	if err := b.Restore(snap); err != nil {
		t.Fatal(err)
	}
	if got, want := mustJSONAny(t, b.Subscriptions()), mustJSONAny(t, a.Subscriptions()); got != want {
		t.Errorf("subscriptions after restore %s, want %s", got, want)
	}

	// A snapshot from before confirmations existed keeps its sns targets delivering.
	var st map[string]any
	if err := json.Unmarshal(snap, &st); err != nil {
		t.Fatal(err)
	}
	delete(st, "subscriptions")
	old, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	c := newTestBus(t, Config{})
	if err := c.Restore(old); err != nil {
		t.Fatal(err)
	}
	if s := c.Subscriptions(); len(s) != 1 || s[0].Status != SubscriptionConfirmed || s[0].Arn != a.Subscriptions()[0].Arn {
		t.Errorf("subscriptions restored from an old snapshot %+v, want the target's one confirmed", s)
	}
	st["subscriptions"] = []map[string]any{{"subscriptionArn": "x", "topicArn": "y", "target": "s", "status": "Maybe"}}
	bad, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Restore(bad); err == nil {
		t.Error("Restore accepted a subscription with an unknown status")
	}
}
