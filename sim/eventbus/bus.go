package eventbus

import (
	"context"
	"crypto/rsa"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"
)

// QueueSender is implemented by the simulator's SQS: it appends body to the named queue.
type QueueSender interface {
	SendToQueue(queueName, body string) error
}

// Config wires a Bus. Every field is optional.
type Config struct {
	Clock          func() time.Time                     // event times; default time.Now
	NewID          func() string                        // event, request and message IDs; default random UUIDs
	After          func(time.Duration) <-chan time.Time // waits for delays, backoff and hold-back; default time.After
	Seed           uint64                               // seed of the fault random source
	QueueSender    QueueSender                          // the simulator's SQS, for sqs targets
	HTTPClient     *http.Client                         // for http and sns targets; default: 10 s timeout
	Logger         *slog.Logger                         // default: discard
	Account        string                               // the vendor's seller account, for the default SNS topic ARN
	CertURL        string                               // SigningCertURL of SNS envelopes (where the simulator serves CertificatePEM)
	UnsubscribeURL string                               // base of UnsubscribeURL in SNS envelopes
	SubscribeURL   string                               // base of SubscribeURL in SNS confirmations (where the simulator serves ServeSNS)
	ProductCodes   []string                             // products whose legacy topics sns targets subscribe to when configured
	SigningKey     *rsa.PrivateKey                      // SNS signing key; default a new 2048-bit key
	MaxLog         int                                  // records kept in the log, oldest dropped first; default 10000
	HoldBack       time.Duration                        // longest a reordered delivery waits for the next event; default 2 s
}

// DefaultTopicName is the topic EventBridge events are published to for sns targets without a
// topicArn, in the vendor's account.
const DefaultTopicName = "dealdesk-marketplace-events"

// Bus delivers events to targets, with delivery faults, and keeps a log of what was emitted.
// Its builder methods (OfferReleased, ...) use the Bus's clock and ID source.
type Bus struct {
	*Builder
	cfg    Config
	ctx    context.Context // canceled by Close; bounds HTTP requests
	cancel context.CancelFunc

	mu      sync.Mutex
	targets Targets
	pcg     *rand.PCG
	rng     *rand.Rand
	signer  *signer
	log     []*Record
	seq     int64
	queues  map[string]*targetQueue
	subs    map[string]*Subscription // sns subscriptions by ARN
	pending int
	idle    chan struct{} // closed while pending == 0
	closed  bool
	wg      sync.WaitGroup
}

// New returns a running Bus with no targets.
func New(cfg Config) *Bus {
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.After == nil {
		cfg.After = time.After
	}
	if cfg.HTTPClient == nil {
		// Like EventBridge and SNS, do not follow redirects: a 3xx is a failed delivery.
		cfg.HTTPClient = &http.Client{
			Timeout:       10 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.Account == "" {
		cfg.Account = "000000000000"
	}
	if cfg.MaxLog <= 0 {
		cfg.MaxLog = 10_000
	}
	if cfg.HoldBack <= 0 {
		cfg.HoldBack = 2 * time.Second
	}
	ctx, cancel := context.WithCancel(context.Background())
	b := &Bus{
		Builder: NewBuilder(cfg.Clock, cfg.NewID),
		cfg:     cfg,
		ctx:     ctx,
		cancel:  cancel,
		queues:  map[string]*targetQueue{},
		subs:    map[string]*Subscription{},
		idle:    make(chan struct{}),
	}
	close(b.idle)
	b.targets, _ = Targets{}.normalize(true)
	b.seed(cfg.Seed)
	return b
}

func (b *Bus) seed(s uint64) {
	b.pcg = rand.NewPCG(s, s^0x9e3779b97f4a7c15)
	b.rng = rand.New(b.pcg)
}

// Configure replaces the targets, faults and retry policy (the body of PUT /_sim/events). Bad
// input returns an *invalid.Error naming every bad field, and changes nothing. Deliveries
// already queued keep the target settings they were queued with. Each sns target is subscribed
// to its topics: a new subscription, or one still pending, is sent a SubscriptionConfirmation
// (see Subscription); a confirmed one stays confirmed while the target keeps its URL.
func (b *Bus) Configure(t Targets) error {
	n, err := t.normalize(b.cfg.QueueSender != nil)
	if err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, tg := range n.Targets {
		if tg.Type == TargetSNS || tg.Type == TargetSQS {
			// Make the signing key now, not in the first Publish.
			if _, err := b.signerLocked(); err != nil {
				return err
			}
			break
		}
	}
	if n.Faults.Seed != nil {
		b.seed(*n.Faults.Seed)
	}
	b.targets = n
	b.syncSubscriptionsLocked()
	return nil
}

// ConfigureJSON decodes body strictly (DecodeTargets) and applies it (Configure).
func (b *Bus) ConfigureJSON(body []byte) error {
	t, err := DecodeTargets(body)
	if err != nil {
		return err
	}
	return b.Configure(t)
}

// Targets returns the configuration in force, defaults filled in.
func (b *Bus) Targets() Targets {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.targets.clone()
}

// Log returns every event emitted (oldest first, up to Config.MaxLog), with its deliveries.
func (b *Bus) Log() []Record {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]Record, len(b.log))
	for i, r := range b.log {
		out[i] = r.clone()
	}
	return out
}

// CertificatePEM returns the PEM certificate whose key signs SNS envelopes.
func (b *Bus) CertificatePEM() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	s, err := b.signerLocked()
	if err != nil {
		b.cfg.Logger.Error("SNS signing key", "err", err)
		return nil
	}
	return append([]byte(nil), s.certPEM...)
}

// signerLocked returns the signing key, made on first use. b.mu is held.
func (b *Bus) signerLocked() (*signer, error) {
	if b.signer != nil {
		return b.signer, nil
	}
	s, err := newSigner(b.cfg.SigningKey, b.cfg.Clock())
	if err != nil {
		return nil, err
	}
	b.signer = s
	return s, nil
}

// Flush releases held-back deliveries and waits until nothing is pending (queued, delayed or
// waiting for a retry), or ctx ends.
func (b *Bus) Flush(ctx context.Context) error {
	for {
		b.mu.Lock()
		for _, q := range b.queues {
			q.releaseLocked()
		}
		idle := b.idle
		b.mu.Unlock()
		select {
		case <-idle:
			b.mu.Lock()
			done := b.pending == 0
			b.mu.Unlock()
			if done {
				return nil
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Close stops delivery: in-flight requests are canceled, and what is still pending is logged as
// abandoned. Publish after Close logs the event without delivering it.
func (b *Bus) Close() {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return
	}
	b.closed = true
	b.cancel()
	for _, q := range b.queues {
		q.signal()
	}
	b.mu.Unlock()
	b.wg.Wait()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, q := range b.queues {
		for _, d := range q.items {
			b.finishLocked(d, StatusAbandoned, "event bus closed before delivery")
		}
		q.items = nil
	}
}
