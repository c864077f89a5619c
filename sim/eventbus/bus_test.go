package eventbus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestHTTPTargetPostsEnvelopeWithSecret(t *testing.T) {
	t.Parallel()
	rcv := newReceiver(t, nil)
	b := newTestBus(t, Config{})
	configure(t, b, `{"targets":[{"name":"webhook","type":"http","url":"`+rcv.URL+`/hooks/aws",
		"secret":"s3cr3t","headers":{"X-Env":"test"}}]}`)
	e := b.LicenseUpdated(licenseInput())
	b.Publish(e)
	flush(t, b)

	got := rcv.requests()
	if len(got) != 1 {
		t.Fatalf("receiver got %d requests, want 1", len(got))
	}
	r := got[0]
	if r.method != http.MethodPost {
		t.Errorf("method %s, want POST", r.method)
	}
	for k, want := range map[string]string{
		"Content-Type":              "application/json; charset=utf-8",
		"X-Dealdesk-Webhook-Secret": "s3cr3t",
		"X-Env":                     "test",
		"User-Agent":                "Amazon/EventBridge/ApiDestinations",
	} {
		if v := r.header.Get(k); v != want {
			t.Errorf("header %s = %q, want %q", k, v, want)
		}
	}
	if want := mustJSON(t, e); string(r.body) != string(want) {
		t.Errorf("body\n got %s\nwant %s", r.body, want)
	}
	log := b.Log()
	if len(log) != 1 || len(log[0].Deliveries) != 1 {
		t.Fatalf("log %+v, want one record with one delivery", log)
	}
	d := log[0].Deliveries[0]
	if d.Target != "webhook" || d.Status != StatusDelivered || len(d.Attempts) != 1 || d.Attempts[0].StatusCode != 200 {
		t.Errorf("delivery %+v, want webhook delivered in one attempt with 200", d)
	}
	if log[0].ID != e.ID || log[0].Type != LicenseUpdatedType || log[0].Kind != KindEventBridge {
		t.Errorf("record %+v does not describe event %s", log[0], e.ID)
	}
}

func TestSNSTargetSignsEnvelope(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		version   string
		streams   string
		publish   func(t *testing.T, b *Bus) (message string, topicArn string)
		wantTopic string
	}{
		{
			name: "eventbridge event over signature version 1", version: "1", streams: `["eventbridge"]`,
			publish: func(t *testing.T, b *Bus) (string, string) {
				e := b.PurchaseAgreementCreated(agreementInput())
				b.Publish(e)
				return string(mustJSON(t, e)), "arn:aws:sns:us-east-1:111122223333:" + DefaultTopicName
			},
		},
		{
			name: "legacy subscribe-success over signature version 2", version: "2", streams: `["subscription"]`,
			publish: func(t *testing.T, b *Bus) (string, string) {
				m := b.SubscribeSuccess(SubscriptionInput{CustomerIdentifier: customerID, ProductCode: productCode, OfferID: offerID})
				b.PublishMessage(m)
				return string(m.Body), "arn:aws:sns:us-east-1:287250355862:aws-mp-subscription-notification-" + productCode
			},
		},
		{
			name: "legacy entitlement-updated over signature version 1", version: "1", streams: `["entitlement"]`,
			publish: func(t *testing.T, b *Bus) (string, string) {
				m := b.EntitlementUpdated(EntitlementInput{CustomerIdentifier: customerID, ProductCode: productCode})
				b.PublishMessage(m)
				return string(m.Body), "arn:aws:sns:us-east-1:287250355862:aws-mp-entitlement-notification-" + productCode
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			rcv := newReceiver(t, nil)
			b := newTestBus(t, Config{})
			configureConfirmed(t, b, `{"targets":[{"name":"sns-sub","type":"sns","url":"`+rcv.URL+`","signatureVersion":"`+c.version+`","streams":`+c.streams+`}]}`, rcv)
			message, topic := c.publish(t, b)
			flush(t, b)
			got := rcv.requests()
			if len(got) != 1 {
				t.Fatalf("receiver got %d requests, want 1", len(got))
			}
			body := got[0].body
			if err := VerifySNS(body, b.CertificatePEM()); err != nil {
				t.Fatalf("VerifySNS: %v\n%s", err, body)
			}
			var env map[string]string
			if err := json.Unmarshal(body, &env); err != nil {
				t.Fatal(err)
			}
			if env["Type"] != "Notification" || env["Message"] != message || env["TopicArn"] != topic || env["SignatureVersion"] != c.version {
				t.Errorf("envelope %v: want Notification of %s on %s, version %s", env, message, topic, c.version)
			}
			if env["SigningCertURL"] != "http://127.0.0.1:4566/_sim/events/certificate.pem" || !strings.Contains(env["UnsubscribeURL"], "SubscriptionArn="+topic+":") {
				t.Errorf("SigningCertURL %q / UnsubscribeURL %q", env["SigningCertURL"], env["UnsubscribeURL"])
			}
			for k, want := range map[string]string{
				"x-amz-sns-message-type": "Notification",
				"x-amz-sns-message-id":   env["MessageId"],
				"x-amz-sns-topic-arn":    topic,
				"Content-Type":           "text/plain; charset=UTF-8",
			} {
				if v := got[0].header.Get(k); v != want {
					t.Errorf("header %s = %q, want %q", k, v, want)
				}
			}
			checkGolden(t, "sns_envelope_"+strings.ReplaceAll(strings.ReplaceAll(c.name, " ", "_"), "-", "_"), body)
		})
	}
}

func TestVerifySNSRejectsTampering(t *testing.T) {
	t.Parallel()
	rcv := newReceiver(t, nil)
	b := newTestBus(t, Config{})
	configureConfirmed(t, b, `{"targets":[{"name":"s","type":"sns","url":"`+rcv.URL+`","signatureVersion":"2","streams":["subscription"]}]}`, rcv)
	b.PublishMessage(b.SubscribeSuccess(SubscriptionInput{CustomerIdentifier: customerID, ProductCode: productCode}))
	flush(t, b)
	sent := rcv.requests()
	if len(sent) != 1 {
		t.Fatalf("receiver got %d messages, want the subscribe-success notification", len(sent))
	}
	body := sent[0].body
	cert := b.CertificatePEM()
	if err := VerifySNS(body, cert); err != nil {
		t.Fatalf("untampered message: %v", err)
	}
	edit := func(f func(m map[string]string)) []byte {
		var m map[string]string
		if err := json.Unmarshal(body, &m); err != nil {
			t.Fatal(err)
		}
		f(m)
		out, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	other, err := newSigner(nil, fixedNow)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		body []byte
		cert []byte
	}{
		{"message changed", edit(func(m map[string]string) {
			m["Message"] = strings.Replace(m["Message"], "subscribe-success", "unsubscribe-success", 1)
		}), cert},
		{"message id changed", edit(func(m map[string]string) { m["MessageId"] += "0" }), cert},
		{"timestamp changed", edit(func(m map[string]string) { m["Timestamp"] = "2026-11-26T10:00:01.000Z" }), cert},
		{"topic changed", edit(func(m map[string]string) { m["TopicArn"] += "x" }), cert},
		{"subject added", edit(func(m map[string]string) { m["Subject"] = "hello" }), cert},
		{"signature version downgraded", edit(func(m map[string]string) { m["SignatureVersion"] = "1" }), cert},
		{"signature removed", edit(func(m map[string]string) { delete(m, "Signature") }), cert},
		{"signature not base64", edit(func(m map[string]string) { m["Signature"] = "%%%" }), cert},
		{"unknown type", edit(func(m map[string]string) { m["Type"] = "Gossip" }), cert},
		{"another key's certificate", body, other.certPEM},
		{"certificate not PEM", body, []byte("not a certificate")},
		{"body not JSON", []byte("{"), cert},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if err := VerifySNS(c.body, c.cert); err == nil {
				t.Errorf("VerifySNS accepted a %s", c.name)
			}
		})
	}
}

func TestSQSTargetSendsToQueue(t *testing.T) {
	t.Parallel()
	q := &queueRecorder{}
	b := newTestBus(t, Config{QueueSender: q})
	configure(t, b, `{"targets":[{"name":"q","type":"sqs","queueName":"marketplace-events","streams":["eventbridge","entitlement"]}]}`)
	e := b.OfferReleased(offerReleasedInput())
	b.Publish(e)
	m := b.EntitlementUpdated(EntitlementInput{CustomerIdentifier: customerID, ProductCode: productCode})
	b.PublishMessage(m)
	b.PublishMessage(b.SubscribeSuccess(SubscriptionInput{CustomerIdentifier: customerID, ProductCode: productCode})) // not subscribed
	flush(t, b)

	got := q.messages()
	if len(got) != 2 {
		t.Fatalf("queue got %d messages, want 2: %v", len(got), got)
	}
	if got[0].queue != "marketplace-events" || got[0].body != string(mustJSON(t, e)) {
		t.Errorf("first message %+v, want the Offer Released envelope on marketplace-events", got[0])
	}
	if err := VerifySNS([]byte(got[1].body), b.CertificatePEM()); err != nil {
		t.Errorf("legacy message in the queue is not a valid SNS envelope: %v", err)
	}
	var env struct{ Message, TopicArn string }
	if err := json.Unmarshal([]byte(got[1].body), &env); err != nil || env.Message != string(m.Body) || env.TopicArn != m.TopicArn {
		t.Errorf("legacy queue body %s (err %v), want Message %s on %s", got[1].body, err, m.Body, m.TopicArn)
	}
	if log := b.Log(); len(log) != 3 || len(log[2].Deliveries) != 0 {
		t.Errorf("log should hold 3 events, the last with no delivery: %+v", log)
	}
}

func TestFaults(t *testing.T) {
	t.Parallel()
	t.Run("drop rate 1 delivers nothing and logs the drop", func(t *testing.T) {
		t.Parallel()
		rcv := newReceiver(t, nil)
		b := newTestBus(t, Config{})
		configure(t, b, `{"targets":[{"name":"w","type":"http","url":"`+rcv.URL+`"}],"faults":{"dropRate":1}}`)
		for range 3 {
			b.Publish(b.LicenseUpdated(licenseInput()))
		}
		flush(t, b)
		if n := len(rcv.requests()); n != 0 {
			t.Errorf("receiver got %d requests, want none", n)
		}
		log := b.Log()
		if len(log) != 3 {
			t.Fatalf("log has %d records, want 3", len(log))
		}
		for _, r := range log {
			if len(r.Deliveries) != 1 || r.Deliveries[0].Status != StatusDropped || !slices.Equal(r.Deliveries[0].Faults, []string{"drop"}) {
				t.Errorf("record %d deliveries %+v, want one dropped", r.Seq, r.Deliveries)
			}
		}
	})
	t.Run("duplicate rate 1 delivers twice", func(t *testing.T) {
		t.Parallel()
		rcv := newReceiver(t, nil)
		b := newTestBus(t, Config{})
		configure(t, b, `{"targets":[{"name":"w","type":"http","url":"`+rcv.URL+`"}],"faults":{"duplicateRate":1}}`)
		e := b.LicenseUpdated(licenseInput())
		b.Publish(e)
		flush(t, b)
		got := rcv.requests()
		if len(got) != 2 || string(got[0].body) != string(mustJSON(t, e)) || string(got[1].body) != string(got[0].body) {
			t.Fatalf("receiver got %d requests, want the same envelope twice", len(got))
		}
		ds := b.Log()[0].Deliveries
		if len(ds) != 2 || ds[0].Copy != 1 || ds[1].Copy != 2 || ds[0].Status != StatusDelivered || ds[1].Status != StatusDelivered {
			t.Errorf("deliveries %+v, want copies 1 and 2 delivered", ds)
		}
	})
	t.Run("delay waits for the timer", func(t *testing.T) {
		t.Parallel()
		rcv := newReceiver(t, nil)
		tm := newTimers(true)
		b := newTestBus(t, Config{After: tm.After})
		configure(t, b, `{"targets":[{"name":"w","type":"http","url":"`+rcv.URL+`"}],"faults":{"delayRate":1,"maxDelayMs":1000}}`)
		b.Publish(b.LicenseUpdated(licenseInput()))
		wait := tm.next(t)
		if wait <= 0 || wait > time.Second {
			t.Errorf("delay %v, want within (0, 1s]", wait)
		}
		d := b.Log()[0].Deliveries[0]
		if d.Status != StatusPending || d.DelayMs != wait.Milliseconds() || !slices.Contains(d.Faults, "delay") {
			t.Errorf("before the timer fires: delivery %+v, want pending with delayMs %d", d, wait.Milliseconds())
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := b.Flush(ctx); !errors.Is(err, context.Canceled) {
			t.Errorf("Flush with a delayed delivery pending = %v, want context.Canceled", err)
		}
		if n := len(rcv.requests()); n != 0 {
			t.Errorf("delivered %d before the delay ended", n)
		}
		tm.fireAll()
		flush(t, b)
		if n := len(rcv.requests()); n != 1 {
			t.Errorf("delivered %d after the delay, want 1", n)
		}
	})
}

// receivedOrder publishes n events to one target with the reorder fault and returns the order
// in which their ids arrived.
func receivedOrder(t *testing.T, seed uint64, n int) (published, received []string) {
	t.Helper()
	rcv := newReceiver(t, nil)
	b := newTestBus(t, Config{HoldBack: time.Hour})
	configure(t, b, fmt.Sprintf(`{"targets":[{"name":"w","type":"http","url":"%s"}],"faults":{"reorderRate":0.5,"seed":%d}}`, rcv.URL, seed))
	for range n {
		e := b.LicenseUpdated(licenseInput())
		published = append(published, e.ID)
		b.Publish(e)
	}
	flush(t, b)
	for _, r := range rcv.requests() {
		var e Envelope
		if err := json.Unmarshal(r.body, &e); err != nil {
			t.Fatal(err)
		}
		received = append(received, e.ID)
	}
	return published, received
}

func TestReorderIsDeterministicForASeed(t *testing.T) {
	t.Parallel()
	published, first := receivedOrder(t, 7, 12)
	_, again := receivedOrder(t, 7, 12)
	if slices.Equal(first, published) {
		t.Errorf("reorder rate 0.5 left 12 events in order: %v", first)
	}
	if !slices.Equal(slices.Sorted(slices.Values(first)), slices.Sorted(slices.Values(published))) {
		t.Errorf("received %v is not a permutation of published %v", first, published)
	}
	if !slices.Equal(first, again) {
		t.Errorf("same seed, different orders:\n%v\n%v", first, again)
	}
	distinct := map[string]bool{strings.Join(first, ","): true}
	for seed := uint64(8); seed < 12; seed++ {
		_, o := receivedOrder(t, seed, 12)
		distinct[strings.Join(o, ",")] = true
	}
	if len(distinct) < 2 {
		t.Errorf("five seeds gave one order; the seed has no effect")
	}
}

func TestRetries(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		status    func(n int) int
		retry     string
		wantCodes []int
		wantWaits []time.Duration
		want      string
	}{
		{"500 then success", func(n int) int { return map[bool]int{true: 500, false: 200}[n == 1] }, `{}`,
			[]int{500, 200}, []time.Duration{200 * time.Millisecond}, StatusDelivered},
		{"429 is retried", func(n int) int { return map[bool]int{true: 429, false: 204}[n == 1] }, `{"backoffMs":50}`,
			[]int{429, 204}, []time.Duration{50 * time.Millisecond}, StatusDelivered},
		{"gives up after maxAttempts with doubling backoff", func(int) int { return 503 }, `{"maxAttempts":4,"backoffMs":100,"maxBackoffMs":300}`,
			[]int{503, 503, 503, 503}, []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 300 * time.Millisecond}, StatusFailed},
		{"400 is not retried", func(int) int { return 400 }, `{}`, []int{400}, nil, StatusFailed},
		{"a redirect is a failure", func(int) int { return 302 }, `{}`, []int{302}, nil, StatusFailed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			rcv := newReceiver(t, c.status)
			tm := newTimers(false)
			b := newTestBus(t, Config{After: tm.After})
			configure(t, b, `{"targets":[{"name":"w","type":"http","url":"`+rcv.URL+`"}],"retry":`+c.retry+`}`)
			b.Publish(b.LicenseUpdated(licenseInput()))
			flush(t, b)
			d := b.Log()[0].Deliveries[0]
			var codes []int
			for _, a := range d.Attempts {
				codes = append(codes, a.StatusCode)
				if (a.StatusCode >= 300) != (a.Error != "") {
					t.Errorf("attempt %+v: error must be set exactly for failures", a)
				}
			}
			if !slices.Equal(codes, c.wantCodes) || d.Status != c.want {
				t.Errorf("attempts %v status %s, want %v %s", codes, d.Status, c.wantCodes, c.want)
			}
			if waits := tm.recorded(); !slices.Equal(waits, c.wantWaits) {
				t.Errorf("backoff waits %v, want %v", waits, c.wantWaits)
			}
			if len(rcv.requests()) != len(c.wantCodes) {
				t.Errorf("receiver saw %d requests, want %d", len(rcv.requests()), len(c.wantCodes))
			}
			if c.want == StatusFailed && !strings.Contains(d.Error, fmt.Sprint(c.wantCodes[0])) {
				t.Errorf("failed delivery error %q does not name the status", d.Error)
			}
		})
	}
	t.Run("queue send retried after an error", func(t *testing.T) {
		t.Parallel()
		q := &queueRecorder{failFirst: 1}
		b := newTestBus(t, Config{QueueSender: q, After: newTimers(false).After})
		configure(t, b, `{"targets":[{"name":"q","type":"sqs","queueName":"events"}]}`)
		b.Publish(b.LicenseUpdated(licenseInput()))
		flush(t, b)
		d := b.Log()[0].Deliveries[0]
		if len(q.messages()) != 1 || len(d.Attempts) != 2 || d.Attempts[0].Error == "" || d.Status != StatusDelivered {
			t.Errorf("delivery %+v, queue %v: want a failed then a successful attempt", d, q.messages())
		}
	})
}

func TestFiltersByStreamAndDetailType(t *testing.T) {
	t.Parallel()
	rcv := newReceiver(t, nil)
	b := newTestBus(t, Config{})
	configure(t, b, `{"targets":[{"name":"w","type":"http","url":"`+rcv.URL+`","detailTypes":["License Updated - Manufacturer"]}]}`)
	b.Publish(b.OfferReleased(offerReleasedInput()))
	lic := b.LicenseUpdated(licenseInput())
	b.Publish(lic)
	b.PublishMessage(b.EntitlementUpdated(EntitlementInput{CustomerIdentifier: customerID, ProductCode: productCode}))
	flush(t, b)
	got := rcv.requests()
	if len(got) != 1 || string(got[0].body) != string(mustJSON(t, lic)) {
		t.Errorf("receiver got %d requests, want only the License Updated event", len(got))
	}
}

func TestPublishDoesNotWaitForDelivery(t *testing.T) {
	t.Parallel()
	rcv := newReceiver(t, nil)
	rcv.block = make(chan struct{})
	b := newTestBus(t, Config{})
	configure(t, b, `{"targets":[{"name":"w","type":"http","url":"`+rcv.URL+`"}]}`)
	for range 50 {
		b.Publish(b.LicenseUpdated(licenseInput())) // would deadlock here if Publish waited
	}
	pending := 0
	for _, r := range b.Log() {
		if r.Deliveries[0].Status == StatusPending {
			pending++
		}
	}
	if pending != 50 {
		t.Errorf("%d deliveries pending while the receiver is blocked, want 50", pending)
	}
	close(rcv.block)
	flush(t, b)
	if n := len(rcv.requests()); n != 50 {
		t.Errorf("receiver got %d, want 50", n)
	}
}

func TestCloseAbandonsPendingDeliveries(t *testing.T) {
	t.Parallel()
	rcv := newReceiver(t, nil)
	tm := newTimers(true)
	b := New(Config{Clock: fixedClock, NewID: sequentialIDs(), SigningKey: testKey(), After: tm.After})
	configure(t, b, `{"targets":[{"name":"w","type":"http","url":"`+rcv.URL+`"}],"faults":{"delayRate":1,"maxDelayMs":60000}}`)
	b.Publish(b.LicenseUpdated(licenseInput()))
	tm.next(t)
	b.Close()
	b.Close() // a second Close is harmless
	b.Publish(b.LicenseDeprovisioned(licenseInput()))
	log := b.Log()
	if len(log) != 2 {
		t.Fatalf("log has %d records, want 2", len(log))
	}
	for _, r := range log {
		if d := r.Deliveries[0]; d.Status != StatusAbandoned || d.Error == "" {
			t.Errorf("record %d delivery %+v, want abandoned with a reason", r.Seq, d)
		}
	}
	if err := b.Flush(context.Background()); err != nil {
		t.Errorf("Flush after Close: %v", err)
	}
	if n := len(rcv.requests()); n != 0 {
		t.Errorf("receiver got %d after Close", n)
	}
}

func TestSnapshotRestoreRoundTrip(t *testing.T) {
	t.Parallel()
	rcv := newReceiver(t, nil)
	q := &queueRecorder{}
	// A generates its own signing key: the key must survive the restart.
	a := New(Config{Clock: fixedClock, NewID: sequentialIDs(), QueueSender: q, Seed: 42})
	t.Cleanup(a.Close)
	cfg := `{"targets":[{"name":"w","type":"http","url":"` + rcv.URL + `","secret":"x"},
		{"name":"s","type":"sns","url":"` + rcv.URL + `","signatureVersion":"2","streams":["eventbridge","subscription"]},
		{"name":"q","type":"sqs","queueName":"events"}],
		"faults":{"dropRate":0.3,"duplicateRate":0.3},"retry":{"maxAttempts":5}}`
	configureConfirmed(t, a, cfg, rcv)
	for range 4 {
		a.Publish(a.LicenseUpdated(licenseInput()))
	}
	flush(t, a)
	snap, err := a.Snapshot()
	if err != nil {
		t.Fatal(err)
	}

	b := New(Config{Clock: fixedClock, NewID: sequentialIDs(), QueueSender: q, Seed: 1})
	t.Cleanup(b.Close)
	if err := b.Restore(snap); err != nil {
		t.Fatalf("Restore: %v", err)
	}
	if !reflect.DeepEqual(b.Targets(), a.Targets()) {
		t.Errorf("targets after restore %+v, want %+v", b.Targets(), a.Targets())
	}
	if !reflect.DeepEqual(b.Log(), a.Log()) {
		t.Errorf("log after restore differs:\n%s\n%s", mustJSONAny(t, b.Log()), mustJSONAny(t, a.Log()))
	}
	if string(b.CertificatePEM()) != string(a.CertificatePEM()) || len(a.CertificatePEM()) == 0 {
		t.Errorf("signing certificate changed across restore")
	}
	// The fault random source continues where it was: both buses now decide the same.
	for range 6 {
		a.Publish(a.LicenseUpdated(licenseInput()))
		b.Publish(b.LicenseUpdated(licenseInput()))
	}
	flush(t, a)
	flush(t, b)
	la, lb := a.Log(), b.Log()
	if len(la) != len(lb) {
		t.Fatalf("%d log records before the restart, %d after", len(la), len(lb))
	}
	for i := range la {
		if fa, fb := faultsOf(la[i]), faultsOf(lb[i]); fa != fb {
			t.Errorf("record %d: faults %s before restart, %s after", i, fa, fb)
		}
	}
	// An SNS envelope from the restored bus verifies with the original certificate: the restored
	// bus sends exactly one (its sns target alone, without faults; the subscription stays
	// confirmed and ConfigureJSON keeps the restored signing key).
	configure(t, b, `{"targets":[{"name":"s","type":"sns","url":"`+rcv.URL+`","signatureVersion":"2","streams":["eventbridge"]}]}`)
	n := len(rcv.requests())
	b.Publish(b.LicenseUpdated(licenseInput()))
	flush(t, b)
	sent := rcv.requests()[n:]
	if len(sent) != 1 || sent[0].header.Get("x-amz-sns-message-type") != "Notification" {
		t.Fatalf("the restored bus sent %d requests, want one SNS notification", len(sent))
	}
	if err := VerifySNS(sent[0].body, a.CertificatePEM()); err != nil {
		t.Errorf("SNS envelope of the restored bus does not verify with the original certificate: %v", err)
	}
}

func faultsOf(r Record) string {
	var parts []string
	for _, d := range r.Deliveries {
		parts = append(parts, fmt.Sprintf("%s:%d:%v:%s", d.Target, d.Copy, d.Faults, d.Status))
	}
	return strings.Join(parts, " ")
}

func TestRestoreMarksPendingAbandonedAndRejectsBadSnapshots(t *testing.T) {
	t.Parallel()
	rcv := newReceiver(t, nil)
	tm := newTimers(true)
	a := newTestBus(t, Config{After: tm.After})
	configure(t, a, `{"targets":[{"name":"w","type":"http","url":"`+rcv.URL+`"}],"faults":{"delayRate":1,"maxDelayMs":5000}}`)
	a.Publish(a.LicenseUpdated(licenseInput()))
	tm.next(t)
	snap, err := a.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	b := newTestBus(t, Config{})
	if err := b.Restore(snap); err != nil {
		t.Fatal(err)
	}
	if d := b.Log()[0].Deliveries[0]; d.Status != StatusAbandoned {
		t.Errorf("pending delivery restored as %s, want abandoned", d.Status)
	}
	if err := a.Restore(snap); err == nil {
		t.Errorf("Restore with a delivery pending succeeded")
	}

	before, err := b.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	// mutate returns snap with one change, each from a fresh copy of snap.
	mutate := func(f func(st map[string]any)) []byte {
		t.Helper()
		var st map[string]any
		if err := json.Unmarshal(snap, &st); err != nil {
			t.Fatal(err)
		}
		f(st)
		out, err := json.Marshal(st)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	badCert := mutate(func(st map[string]any) {
		st["certPem"] = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
	})
	badVersion := mutate(func(st map[string]any) { st["version"] = 99 })
	badTargets := mutate(func(st map[string]any) {
		st["targets"] = map[string]any{"targets": []any{map[string]any{"name": "w", "type": "carrier-pigeon"}}}
	})
	for name, data := range map[string][]byte{
		"not JSON": []byte("{"), "bad certificate": badCert, "unknown version": badVersion, "bad targets": badTargets,
	} {
		if err := b.Restore(data); err == nil {
			t.Errorf("Restore accepted a snapshot with %s", name)
		}
	}
	after, err := b.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if string(before) != string(after) {
		t.Errorf("failed Restore changed the bus")
	}
}

func mustJSONAny(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
