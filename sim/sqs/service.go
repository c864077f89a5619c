package sqs

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dealdesk/dealdesk/sim/wire"
)

// ServiceName is the Smithy service shape of SQS, the X-Amz-Target prefix of its operations.
const ServiceName = "AmazonSQS"

// Config wires a Service.
type Config struct {
	// Now is the clock (UTC); nil uses time.Now. Visibility timeouts, delays, retention and the
	// PurgeQueue interval follow it.
	Now func() time.Time
	// Account is the account SendToQueue delivers to (the vendor's seller account).
	Account string
	// Region goes into queue ARNs; default us-east-1.
	Region string
	// BaseURL is the public URL queue URLs start with; empty derives it from each request's Host.
	BaseURL string
	// OnChange is called, without blocking, after each change of the queues (to persist them).
	OnChange func()
	// Logger receives errors no answer can carry; nil discards them.
	Logger *slog.Logger
}

// Service holds the queues of every account. It has its own lock, so a long poll never holds
// the simulator's.
type Service struct {
	cfg    Config
	mu     sync.Mutex
	queues map[string]*Queue // account + "/" + name
	closed chan struct{}
	once   sync.Once
	ops    map[string]operation
	// waiting is the test hook OnLongPollWait sets.
	waiting atomic.Pointer[func()]
}

// operation serves one SQS operation for the calling account acct: it decodes c and returns
// the output or an error (an *Error is answered as it is, anything else as InternalFailure).
type operation func(r *http.Request, acct string, c wire.Call) (any, error)

// New returns a Service with no queues.
func New(cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if cfg.OnChange == nil {
		cfg.OnChange = func() {}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Service{cfg: cfg, queues: map[string]*Queue{}, closed: make(chan struct{})}
	s.ops = map[string]operation{
		"CreateQueue":             s.createQueue,
		"GetQueueUrl":             s.getQueueURL,
		"ListQueues":              s.listQueues,
		"GetQueueAttributes":      s.getQueueAttributes,
		"PurgeQueue":              s.purgeQueue,
		"DeleteQueue":             s.deleteQueue,
		"SendMessage":             s.sendMessage,
		"ReceiveMessage":          s.receiveMessage,
		"DeleteMessage":           s.deleteMessage,
		"ChangeMessageVisibility": s.changeMessageVisibility,
	}
	return s
}

func (s *Service) now() time.Time { return s.cfg.Now().UTC() }

// Close ends the long polls in progress (they answer with no messages). It is safe to call
// more than once.
func (s *Service) Close() { s.once.Do(func() { close(s.closed) }) }

// OnLongPollWait makes f run each time a ReceiveMessage long poll has found no message and is
// about to wait (for a send, a visibility timeout, its deadline or Close); nil removes it. A test
// hook: once f has run, a send or Close is certain to end that wait, not to precede it.
func (s *Service) OnLongPollWait(f func()) {
	if f == nil {
		s.waiting.Store(nil)
		return
	}
	s.waiting.Store(&f)
}

// Operations returns the names of the SQS operations the simulator serves (e.g. "SendMessage"),
// from the table ServeCall routes by, in no particular order.
func (s *Service) Operations() []string {
	ops := make([]string, 0, len(s.ops))
	for op := range s.ops {
		ops = append(ops, op)
	}
	return ops
}

// Handles reports whether op is an SQS operation the simulator serves.
func (s *Service) Handles(op string) bool { return s.ops[op] != nil }

// ServeCall serves the SQS call c of account acct and writes its answer. Calls of operations
// Handles refuses are answered UnknownOperationException.
func (s *Service) ServeCall(w http.ResponseWriter, r *http.Request, acct string, c wire.Call) {
	op := s.ops[c.Operation]
	if op == nil {
		WriteError(w, c, http.StatusBadRequest, "UnknownOperationException", "the simulator does not implement AmazonSQS."+c.Operation)
		return
	}
	out, err := op(r, acct, c)
	if err != nil {
		var e *Error
		if !errors.As(err, &e) {
			s.cfg.Logger.Error("sim/sqs: operation failed", "operation", c.Operation, "err", err)
			e = &Error{Status: http.StatusInternalServerError, Code: "InternalFailure", Message: "internal error"}
		}
		WriteError(w, c, e.Status, e.Code, e.Message)
		return
	}
	wire.WriteResult(w, c, out)
}

// decode decodes c's input into v: malformed JSON is the SerializationException every AWS
// JSON service answers, a member of the wrong type InvalidParameterValue.
func decode(c wire.Call, v any) error {
	err := c.Decode(v)
	var re *wire.RequestError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &re):
		return &Error{Status: re.Status, Code: re.Type, Message: re.Message}
	}
	return newError(errInvalidParameterValue, "%v", err)
}

// Snapshot returns the queues, with their messages, as JSON for the simulator's state file.
func (s *Service) Snapshot() ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return json.Marshal(s.queues)
}

// Restore replaces the queues with a Snapshot. A queue stored under another key, or an empty
// queue or message, is an error and changes nothing. Queues of older state files get the
// attribute defaults they lack.
func (s *Service) Restore(b []byte) error {
	m := map[string]*Queue{}
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	for key, q := range m {
		if q == nil || key != q.key() {
			return fmt.Errorf("queue %q is empty or stored under another name", key)
		}
		for i, msg := range q.Messages {
			if msg == nil {
				return fmt.Errorf("queue %q: message %d is empty", key, i)
			}
		}
	}
	for _, q := range m {
		upgrade(q)
		q.notify = make(chan struct{})
	}
	s.mu.Lock()
	s.queues = m
	s.mu.Unlock()
	return nil
}

// upgrade fills the attributes a queue of an older state file lacks with their defaults.
func upgrade(q *Queue) {
	defaults := map[string]string{attrDelaySeconds: "0", attrMaximumMessageSize: "1048576",
		attrMessageRetentionPeriod: "345600", attrReceiveMessageWaitTimeSeconds: "0", attrVisibilityTimeout: "30",
		attrSqsManagedSseEnabled: "true"}
	if q.LegacyVisibilityTimeout > 0 {
		defaults[attrVisibilityTimeout] = fmt.Sprint(q.LegacyVisibilityTimeout)
		q.LegacyVisibilityTimeout = 0
	}
	if q.Attributes == nil {
		q.Attributes = map[string]string{}
	}
	for k, v := range defaults {
		if _, ok := q.Attributes[k]; !ok {
			q.Attributes[k] = v
		}
	}
	if q.Messages == nil {
		q.Messages = []*Message{}
	}
}

// SendToQueue appends body, with no attributes, to the queue queueName of the configured
// account; it implements eventbus.QueueSender. A missing queue is an error.
func (s *Service) SendToQueue(queueName, body string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.queues[s.cfg.Account+"/"+queueName]
	if q == nil {
		return fmt.Errorf("queue %s does not exist in account %s", queueName, s.cfg.Account)
	}
	in := sendInput{MessageBody: &body}
	if q.fifo() {
		in.MessageGroupID = "events"
		in.MessageDeduplicationID = newMessageID()
	}
	_, err := s.enqueueLocked(q, in, s.cfg.Account)
	return err
}

// baseURL is the public URL of the simulator as the caller sees it.
func (s *Service) baseURL(r *http.Request) string {
	if b := s.cfg.BaseURL; b != "" {
		return strings.TrimSuffix(b, "/")
	}
	return "http://" + r.Host
}

func (s *Service) queueURL(r *http.Request, q *Queue) string {
	return s.baseURL(r) + "/" + q.Account + "/" + q.Name
}

// onQueue runs fn, with s.mu held, on the queue a QueueUrl names.
func (s *Service) onQueue(url string, fn func(q *Queue) (any, error)) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q, err := s.lookupLocked(url)
	if err != nil {
		return nil, err
	}
	return fn(q)
}

// lookupLocked finds the queue a QueueUrl names by its last two path segments (account and
// name): MissingParameter for none, QueueDoesNotExist for an unknown one.
func (s *Service) lookupLocked(url string) (*Queue, error) {
	if url == "" {
		return nil, missing("QueueUrl")
	}
	parts := strings.Split(strings.TrimSuffix(url, "/"), "/")
	if len(parts) >= 2 {
		if q := s.queues[parts[len(parts)-2]+"/"+parts[len(parts)-1]]; q != nil {
			return q, nil
		}
	}
	return nil, queueDoesNotExist()
}
