package eventbus

import (
	"bytes"
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/golden files")

// fixedNow is the clock of every test.
var fixedNow = time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)

func fixedClock() time.Time { return fixedNow }

// sequentialIDs returns an ID source giving UUID-shaped IDs 1, 2, 3, ...
func sequentialIDs() func() string {
	var n atomic.Int64
	return func() string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", n.Add(1)) }
}

// testKey is the SNS signing key of the golden files (testdata/sns-test-key.pem).
var testKey = sync.OnceValue(func() *rsa.PrivateKey {
	raw, err := os.ReadFile(filepath.Join("testdata", "sns-test-key.pem"))
	if err != nil {
		panic(err)
	}
	block, _ := pem.Decode(raw)
	if block == nil {
		panic("testdata/sns-test-key.pem holds no PEM block")
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		panic(err)
	}
	return k.(*rsa.PrivateKey)
})

// checkGolden compares got (compact JSON as delivered) with testdata/golden/name.json, which
// holds it indented for reading; -update rewrites the file.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, got, "", "  "); err != nil {
		t.Fatalf("%s: output is not JSON: %v\n%s", name, err, got)
	}
	pretty.WriteByte('\n')
	path := filepath.Join("testdata", "golden", name+".json")
	if *update {
		if err := os.WriteFile(path, pretty.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%s: %v (run go test ./sim/eventbus -update to create it)", name, err)
	}
	if !bytes.Equal(pretty.Bytes(), want) {
		t.Errorf("%s differs from %s\n got: %s\nwant: %s", name, path, pretty.Bytes(), want)
	}
	// The golden file must also hold exactly the delivered bytes, once compacted.
	var compact bytes.Buffer
	if err := json.Compact(&compact, want); err != nil {
		t.Fatalf("%s: golden file is not JSON: %v", path, err)
	}
	if !bytes.Equal(compact.Bytes(), got) {
		t.Errorf("%s: delivered bytes differ from the compacted golden file\n got: %s\nwant: %s", name, got, compact.Bytes())
	}
}

// receiver is a real HTTP endpoint that records what it is sent and answers with status(n) for
// the n-th request (1-based; nil means 200 always).
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	got    []receivedRequest
	status func(n int) int
	block  chan struct{} // when non-nil, every request waits for it to be closed
}

type receivedRequest struct {
	method string
	header http.Header
	body   []byte
}

func newReceiver(t testing.TB, status func(n int) int) *receiver {
	t.Helper()
	r := &receiver{status: status}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if r.block != nil {
			<-r.block
		}
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.got = append(r.got, receivedRequest{method: req.Method, header: req.Header.Clone(), body: body})
		n := len(r.got)
		r.mu.Unlock()
		code := http.StatusOK
		if r.status != nil {
			code = r.status(n)
		}
		w.WriteHeader(code)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) requests() []receivedRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

// reset forgets what the receiver was sent.
func (r *receiver) reset() {
	r.mu.Lock()
	r.got = nil
	r.mu.Unlock()
}

// configureConfirmed configures b, then plays the endpoint of every sns target: it confirms each
// SubscriptionConfirmation the receivers got with its topic and token, and forgets the
// confirmations, so that the test sees only what is sent afterwards.
func configureConfirmed(t *testing.T, b *Bus, body string, rcvs ...*receiver) {
	t.Helper()
	configure(t, b, body)
	flush(t, b)
	confirmed := 0
	for _, rcv := range rcvs {
		for _, r := range rcv.requests() {
			if r.header.Get("x-amz-sns-message-type") != "SubscriptionConfirmation" {
				continue
			}
			var m map[string]string
			if err := json.Unmarshal(r.body, &m); err != nil {
				t.Fatalf("confirmation is not JSON: %v", err)
			}
			if _, err := b.ConfirmSubscription(m["TopicArn"], m["Token"]); err != nil {
				t.Fatalf("ConfirmSubscription: %v", err)
			}
			confirmed++
		}
		rcv.reset()
	}
	subs := b.Subscriptions()
	if len(subs) == 0 || len(subs) != confirmed {
		t.Fatalf("%d subscriptions and %d confirmations, want one confirmation per subscription", len(subs), confirmed)
	}
	for _, s := range subs {
		if s.Status != SubscriptionConfirmed {
			t.Fatalf("subscription %s is %s after confirming %d", s.Arn, s.Status, confirmed)
		}
	}
}

// queueRecorder is a QueueSender that keeps what it was sent, failing the first failFirst sends.
type queueRecorder struct {
	mu        sync.Mutex
	failFirst int
	sends     int
	got       []queuedMessage
}

type queuedMessage struct{ queue, body string }

func (q *queueRecorder) SendToQueue(queueName, body string) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.sends++
	if q.sends <= q.failFirst {
		return errors.New("queue busy")
	}
	q.got = append(q.got, queuedMessage{queueName, body})
	return nil
}

func (q *queueRecorder) messages() []queuedMessage {
	q.mu.Lock()
	defer q.mu.Unlock()
	return slices.Clone(q.got)
}

// timers replaces time.After: each wait is recorded; with manual set, a wait ends only when
// fireAll is called, otherwise at once.
type timers struct {
	manual    bool
	mu        sync.Mutex
	waits     []time.Duration
	pending   []chan time.Time
	requested chan time.Duration
}

func newTimers(manual bool) *timers {
	return &timers{manual: manual, requested: make(chan time.Duration, 1000)}
}

func (tm *timers) After(d time.Duration) <-chan time.Time {
	c := make(chan time.Time, 1)
	tm.mu.Lock()
	tm.waits = append(tm.waits, d)
	if tm.manual {
		tm.pending = append(tm.pending, c)
	} else {
		c <- fixedNow.Add(d)
	}
	tm.mu.Unlock()
	tm.requested <- d
	return c
}

// next returns the duration of the next wait a delivery asks for, failing the test when none
// does within 10 seconds (instead of hanging).
func (tm *timers) next(t *testing.T) time.Duration {
	t.Helper()
	select {
	case d := <-tm.requested:
		return d
	case <-time.After(10 * time.Second):
		t.Fatal("no delivery waited on a timer within 10s")
		return 0
	}
}

func (tm *timers) fireAll() {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	for _, c := range tm.pending {
		c <- fixedNow
	}
	tm.pending = nil
}

func (tm *timers) recorded() []time.Duration {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return slices.Clone(tm.waits)
}

// newTestBus returns a Bus with the fixed clock, sequential IDs and the test signing key,
// closed when the test ends.
func newTestBus(t *testing.T, cfg Config) *Bus {
	t.Helper()
	if cfg.Clock == nil {
		cfg.Clock = fixedClock
	}
	if cfg.NewID == nil {
		cfg.NewID = sequentialIDs()
	}
	if cfg.SigningKey == nil {
		cfg.SigningKey = testKey()
	}
	if cfg.CertURL == "" {
		cfg.CertURL = "http://127.0.0.1:4566/_sim/events/certificate.pem"
	}
	if cfg.Account == "" {
		cfg.Account = vendorAcct
	}
	if cfg.ProductCodes == nil {
		cfg.ProductCodes = []string{productCode}
	}
	b := New(cfg)
	t.Cleanup(b.Close)
	return b
}

func configure(t *testing.T, b *Bus, body string) {
	t.Helper()
	if err := b.ConfigureJSON([]byte(body)); err != nil {
		t.Fatalf("configure: %v", err)
	}
}

func flush(t *testing.T, b *Bus) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := b.Flush(ctx); err != nil {
		t.Fatalf("flush: %v", err)
	}
}

func mustJSON(t *testing.T, e Envelope) []byte {
	t.Helper()
	b, err := e.JSON()
	if err != nil {
		t.Fatal(err)
	}
	return b
}
