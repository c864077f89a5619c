package worker

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/inbound"
)

// SQS ReceiveMessage limits the poller uses: the longest long poll and the most messages one
// call returns (Amazon SQS API Reference, ReceiveMessage).
const (
	SQSWaitSeconds = 20
	SQSMaxMessages = 10
)

// SQSPollerStore is what the SQS poller needs of the store: each organization's AWS connection
// (with its secret, for the SQS calls) and the inbox.
type SQSPollerStore interface {
	dealdesk.InboxStore
	AWSConnectionWithSecret(ctx context.Context) (*dealdesk.AWSConnection, error)
}

// SQSPollerConfig configures an SQSPoller. Store, Queue and Organizations are required.
type SQSPollerConfig struct {
	Store SQSPollerStore
	Queue dealdesk.EventQueue
	// Organizations lists the IDs of the organizations whose queues are polled: each one whose
	// AWS connection has an SQSQueueURL.
	Organizations func(ctx context.Context) ([]string, error)
	// Refresh is how often the organizations and their connections are read again (a queue
	// URL set, changed or removed takes effect then); one minute when zero.
	Refresh time.Duration
	// Backoff is the pause after a failed receive, store or list; five seconds when zero.
	Backoff time.Duration
	Logger  *slog.Logger
}

// SQSPoller takes AWS Marketplace events in from each organization's SQS queue (an EventBridge
// rule targeting the queue; decision 017): it long-polls the queue (ReceiveMessage with
// WaitTimeSeconds 20 and MaxNumberOfMessages 10), stores each body in the inbox with channel
// SQS, and deletes a message only once it is stored, so a message is never lost: one not
// deleted comes back after its visibility timeout and is stored once (the inbox deduplicates
// by event ID). A body that cannot be read is stored MALFORMED, under the digest of its bytes,
// and deleted too. One goroutine polls each queue.
type SQSPoller struct {
	cfg SQSPollerConfig

	mu     sync.Mutex
	cancel context.CancelFunc
	done   chan struct{}
}

// orgPoll is the goroutine polling one organization's queue.
type orgPoll struct {
	cancel context.CancelFunc
	done   chan struct{}
}

// NewSQSPoller returns a poller; Start runs it.
func NewSQSPoller(cfg SQSPollerConfig) (*SQSPoller, error) {
	if cfg.Store == nil || cfg.Queue == nil || cfg.Organizations == nil {
		return nil, errors.New("worker: SQSPollerConfig needs Store, Queue and Organizations")
	}
	if cfg.Refresh <= 0 {
		cfg.Refresh = time.Minute
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = 5 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &SQSPoller{cfg: cfg}, nil
}

// Start starts polling in the background; it returns at once. A second Start while running
// does nothing. ctx ends the poller like Stop.
func (p *SQSPoller) Start(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cancel != nil {
		return nil
	}
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	p.cancel, p.done = cancel, make(chan struct{})
	go p.supervise(ctx, p.done)
	return nil
}

// Stop stops polling and waits for the goroutines to end, or for ctx to end first (then it
// returns ctx's error). A message being stored when Stop is called is stored or left on the
// queue, never lost.
func (p *SQSPoller) Stop(ctx context.Context) error {
	p.mu.Lock()
	cancel, done := p.cancel, p.done
	p.cancel = nil
	p.mu.Unlock()
	if cancel == nil {
		return nil
	}
	cancel()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// supervise keeps one goroutine per listed organization until ctx ends.
func (p *SQSPoller) supervise(ctx context.Context, done chan struct{}) {
	defer close(done)
	running := map[string]*orgPoll{}
	defer func() {
		for _, r := range running {
			r.cancel()
			<-r.done
		}
	}()
	for {
		orgs, err := p.cfg.Organizations(ctx)
		if err != nil && ctx.Err() == nil {
			p.cfg.Logger.Error("sqs poller: listing organizations", "err", err)
		}
		if err == nil {
			keep := map[string]bool{}
			for _, org := range orgs {
				keep[org] = true
				if running[org] == nil {
					octx, cancel := context.WithCancel(dealdesk.NewContextWithOrgID(ctx, org))
					r := &orgPoll{cancel: cancel, done: make(chan struct{})}
					running[org] = r
					go p.pollOrg(octx, org, r.done)
				}
			}
			for org, r := range running {
				if !keep[org] {
					r.cancel()
					<-r.done
					delete(running, org)
				}
			}
		}
		if !sleep(ctx, p.cfg.Refresh) {
			return
		}
	}
}

// pollOrg polls the queue of one organization (ctx carries it) until ctx ends, reading its
// connection again every Refresh.
func (p *SQSPoller) pollOrg(ctx context.Context, org string, done chan struct{}) {
	defer close(done)
	log := p.cfg.Logger.With("org", org)
	for ctx.Err() == nil {
		conn, err := p.cfg.Store.AWSConnectionWithSecret(ctx)
		switch {
		case err != nil && !isNotFound(err):
			log.Error("sqs poller: reading the AWS connection", "err", err)
			sleep(ctx, p.cfg.Backoff)
			continue
		case err != nil || conn.SQSQueueURL == "":
			sleep(ctx, p.cfg.Refresh)
			continue
		}
		until := time.Now().Add(p.cfg.Refresh)
		for ctx.Err() == nil && time.Now().Before(until) {
			if err := p.PollOnce(ctx, conn); err != nil && ctx.Err() == nil {
				log.Error("sqs poller", "queue", conn.SQSQueueURL, "err", err)
				sleep(ctx, p.cfg.Backoff)
			}
		}
	}
}

// PollOnce receives one batch from conn's queue, in the organization ctx carries, stores every
// message and deletes each one stored. It returns the first error; the messages before it are
// stored and deleted, the others stay on the queue.
func (p *SQSPoller) PollOnce(ctx context.Context, conn *dealdesk.AWSConnection) error {
	msgs, err := p.cfg.Queue.ReceiveMessages(ctx, conn, SQSMaxMessages, SQSWaitSeconds)
	if err != nil {
		return err
	}
	for _, m := range msgs {
		if _, _, err := p.cfg.Store.StoreInboxEvent(ctx, inboxEventOf(m, conn.SellerAccountID)); err != nil {
			return err
		}
		if err := p.cfg.Queue.DeleteMessage(ctx, conn, m.ReceiptHandle); err != nil {
			return err
		}
	}
	return nil
}

// inboxEventOf is the inbox event of an SQS message: its event ID is the event's (the
// EventBridge id, or the SNS MessageId), so the same event through the webhook and the queue
// is stored once. An event of another AWS account than sellerAccountID is stored UNKNOWN with
// the reason and never applied (inbound.ForeignAccount). A body that cannot be read is stored
// MALFORMED with the reason, identified by the SHA-256 digest of its bytes; a body too large
// for the inbox is cut to the limit.
func inboxEventOf(m dealdesk.SQSMessage, sellerAccountID string) *dealdesk.InboxEvent {
	body := []byte(m.Body)
	ev := &dealdesk.InboxEvent{Channel: dealdesk.ChannelSQS, Body: body, Status: dealdesk.InboxReceived}
	parsed, err := inbound.ParseSQSBody(body)
	if err == nil && dealdesk.ValidText(parsed.ID) && len(parsed.ID) <= dealdesk.MaxExternalIDLength {
		ev.EventID = parsed.ID
		if why := inbound.ForeignAccount(parsed, sellerAccountID); why != "" {
			ev.Status, ev.Error = dealdesk.InboxUnknown, why
		}
		return ev
	}
	sum := sha256.Sum256(body)
	ev.EventID = "sha256:" + hex.EncodeToString(sum[:])
	ev.Status = dealdesk.InboxMalformed
	ev.Error = dealdesk.Clip(dealdesk.ErrorMessage(err), dealdesk.MaxInboxErrorLength)
	if err == nil {
		ev.Error = "the event ID is not storable text of at most 255 bytes"
	}
	if limit := dealdesk.ChannelSQS.MaxBodyBytes(); len(body) > limit {
		ev.Body = body[:limit] // SQS holds at most 1 MiB: not expected
	}
	if len(ev.Body) == 0 {
		ev.Body = []byte(" ")
	}
	return ev
}

// sleep waits d or until ctx ends, and reports whether ctx is still live.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
