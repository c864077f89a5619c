package sim

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dealdesk/dealdesk/sim/wire"
)

// sqsQueryErrors are the awsQuery codes the SDK expects in x-amzn-query-error.
var sqsQueryErrors = map[string]string{
	"QueueDoesNotExist":      "AWS.SimpleQueueService.NonExistentQueue;Sender",
	"ReceiptHandleIsInvalid": "ReceiptHandleIsInvalid;Sender",
	"InvalidParameterValue":  "InvalidParameterValue;Sender",
	"MissingParameter":       "MissingParameter;Sender",
	"QueueNameExists":        "QueueAlreadyExists;Sender",
}

var queueNamePattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,80}$`)

// Queue is a simulated SQS standard queue.
type Queue struct {
	Name              string            `json:"name"`
	Account           string            `json:"account"`
	CreatedAt         time.Time         `json:"createdAt"`
	VisibilityTimeout int               `json:"visibilityTimeout"` // seconds
	Attributes        map[string]string `json:"attributes,omitempty"`
	Messages          []*queueMessage   `json:"messages"`
	notify            chan struct{}     // closed and replaced when a message arrives
}

type queueMessage struct {
	ID                string          `json:"id"`
	Body              string          `json:"body"`
	MD5               string          `json:"md5"`
	SentAt            time.Time       `json:"sentAt"`
	VisibleAt         time.Time       `json:"visibleAt"`
	ReceiveCount      int             `json:"receiveCount"`
	FirstReceiveAt    time.Time       `json:"firstReceiveAt,omitzero"`
	ReceiptHandle     string          `json:"receiptHandle,omitempty"`
	MessageAttributes json.RawMessage `json:"messageAttributes,omitempty"`
}

// sqsService holds the queues; it has its own lock so long polls never hold the server's.
type sqsService struct {
	s      *Server
	mu     sync.Mutex
	queues map[string]*Queue // account + "/" + name
	closed chan struct{}
	once   sync.Once
}

func newSQSService(s *Server) *sqsService {
	return &sqsService{s: s, queues: map[string]*Queue{}, closed: make(chan struct{})}
}

func (q *sqsService) close() { q.once.Do(func() { close(q.closed) }) }

func (q *sqsService) snapshot() ([]byte, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return json.Marshal(q.queues)
}

func (q *sqsService) restore(b []byte) error {
	m := map[string]*Queue{}
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	for key, qu := range m {
		if qu == nil || key != qu.Account+"/"+qu.Name {
			return fmt.Errorf("queue %q is empty or stored under another name", key)
		}
		for i, msg := range qu.Messages {
			if msg == nil {
				return fmt.Errorf("queue %q: message %d is empty", key, i)
			}
		}
		qu.notify = make(chan struct{})
	}
	q.mu.Lock()
	q.queues = m
	q.mu.Unlock()
	return nil
}

func sqsError(typ, format string, args ...any) *apiError {
	return &apiError{Status: http.StatusBadRequest, Type: typ, Message: fmt.Sprintf(format, args...)}
}

func (q *sqsService) baseURL(r *http.Request) string {
	if b := q.s.cfg.BaseURL; b != "" {
		return strings.TrimSuffix(b, "/")
	}
	return "http://" + r.Host
}

func (q *sqsService) queueURL(r *http.Request, qu *Queue) string {
	return q.baseURL(r) + "/" + qu.Account + "/" + qu.Name
}

// queueRef is the input of the operations that only name a queue.
type queueRef struct {
	QueueURL string `json:"QueueUrl"`
}

// decodeSQS decodes an SQS input; a well-formed body that does not fit is InvalidParameterValue.
func decodeSQS(c wire.Call, v any) error {
	return decodeCall(c, v, func(err error) *apiError { return sqsError("InvalidParameterValue", "%v", err) })
}

// onQueue runs fn, with q.mu held, on the queue a QueueUrl names (QueueDoesNotExist otherwise).
func (q *sqsService) onQueue(url string, fn func(qu *Queue) (any, error)) (any, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	qu, err := q.lookup(url)
	if err != nil {
		return nil, err
	}
	return fn(qu)
}

// lookup finds the queue a QueueUrl names (its last two path segments: account and name).
func (q *sqsService) lookup(url string) (*Queue, error) {
	if url == "" {
		return nil, sqsError("MissingParameter", "QueueUrl is required")
	}
	parts := strings.Split(strings.TrimSuffix(url, "/"), "/")
	if len(parts) >= 2 {
		if qu := q.queues[parts[len(parts)-2]+"/"+parts[len(parts)-1]]; qu != nil {
			return qu, nil
		}
	}
	return nil, sqsError("QueueDoesNotExist", "The specified queue does not exist.")
}

type createQueueInput struct {
	QueueName  string            `json:"QueueName"`
	Attributes map[string]string `json:"Attributes"`
	Tags       map[string]string `json:"tags"`
}

func (q *sqsService) createQueue(r *http.Request, acct string, c wire.Call) (any, error) {
	var in createQueueInput
	if err := decodeSQS(c, &in); err != nil {
		return nil, err
	}
	if !queueNamePattern.MatchString(in.QueueName) {
		return nil, sqsError("InvalidParameterValue", "QueueName must be 1-80 letters, digits, '-' or '_', got %q", in.QueueName)
	}
	vis := 30
	for k, v := range in.Attributes {
		switch k {
		case "VisibilityTimeout":
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || n > 43200 {
				return nil, sqsError("InvalidParameterValue", "Attributes.VisibilityTimeout must be 0-43200, got %q", v)
			}
			vis = n
		case "MessageRetentionPeriod", "DelaySeconds", "ReceiveMessageWaitTimeSeconds", "MaximumMessageSize", "Policy":
		default:
			return nil, sqsError("InvalidParameterValue", "attribute %s is not supported by the simulator", k)
		}
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	key := acct + "/" + in.QueueName
	if qu := q.queues[key]; qu != nil {
		if qu.VisibilityTimeout != vis {
			return nil, sqsError("QueueNameExists", "A queue named %s already exists with different attributes.", in.QueueName)
		}
		return map[string]string{"QueueUrl": q.queueURL(r, qu)}, nil
	}
	qu := &Queue{Name: in.QueueName, Account: acct, CreatedAt: q.s.now(), VisibilityTimeout: vis, Attributes: in.Attributes,
		Messages: []*queueMessage{}, notify: make(chan struct{})}
	q.queues[key] = qu
	q.s.markDirty()
	return map[string]string{"QueueUrl": q.queueURL(r, qu)}, nil
}

func (q *sqsService) getQueueURL(r *http.Request, acct string, c wire.Call) (any, error) {
	var in struct {
		QueueName              string `json:"QueueName"`
		QueueOwnerAWSAccountID string `json:"QueueOwnerAWSAccountId"`
	}
	if err := decodeSQS(c, &in); err != nil {
		return nil, err
	}
	owner := acct
	if in.QueueOwnerAWSAccountID != "" {
		owner = in.QueueOwnerAWSAccountID
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	qu := q.queues[owner+"/"+in.QueueName]
	if qu == nil {
		return nil, sqsError("QueueDoesNotExist", "The specified queue does not exist.")
	}
	return map[string]string{"QueueUrl": q.queueURL(r, qu)}, nil
}

func (q *sqsService) listQueues(r *http.Request, acct string, c wire.Call) (any, error) {
	var in struct {
		QueueNamePrefix string `json:"QueueNamePrefix"`
	}
	if err := decodeSQS(c, &in); err != nil {
		return nil, err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	urls := []string{}
	for _, qu := range q.queues {
		if qu.Account == acct && strings.HasPrefix(qu.Name, in.QueueNamePrefix) {
			urls = append(urls, q.queueURL(r, qu))
		}
	}
	sort.Strings(urls)
	return map[string]any{"QueueUrls": urls}, nil
}

func (q *sqsService) deleteQueue(r *http.Request, acct string, c wire.Call) (any, error) {
	var in queueRef
	if err := decodeSQS(c, &in); err != nil {
		return nil, err
	}
	return q.onQueue(in.QueueURL, func(qu *Queue) (any, error) {
		delete(q.queues, qu.Account+"/"+qu.Name)
		close(qu.notify)
		q.s.markDirty()
		return struct{}{}, nil
	})
}

func (q *sqsService) purgeQueue(r *http.Request, acct string, c wire.Call) (any, error) {
	var in queueRef
	if err := decodeSQS(c, &in); err != nil {
		return nil, err
	}
	return q.onQueue(in.QueueURL, func(qu *Queue) (any, error) {
		qu.Messages = []*queueMessage{}
		q.s.markDirty()
		return struct{}{}, nil
	})
}

func (q *sqsService) getQueueAttributes(r *http.Request, acct string, c wire.Call) (any, error) {
	var in queueRef
	if err := decodeSQS(c, &in); err != nil {
		return nil, err
	}
	return q.onQueue(in.QueueURL, func(qu *Queue) (any, error) {
		now := q.s.now()
		visible, inflight := 0, 0
		for _, m := range qu.Messages {
			if now.Before(m.VisibleAt) {
				inflight++
			} else {
				visible++
			}
		}
		return map[string]any{"Attributes": map[string]string{
			"ApproximateNumberOfMessages":           strconv.Itoa(visible),
			"ApproximateNumberOfMessagesNotVisible": strconv.Itoa(inflight),
			"VisibilityTimeout":                     strconv.Itoa(qu.VisibilityTimeout),
			"CreatedTimestamp":                      strconv.FormatInt(qu.CreatedAt.Unix(), 10),
			"QueueArn":                              "arn:aws:sqs:us-east-1:" + qu.Account + ":" + qu.Name,
		}}, nil
	})
}

// SendToQueue appends body to the vendor's queue name; it implements eventbus.QueueSender.
func (q *sqsService) SendToQueue(queueName, body string) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	qu := q.queues[q.s.seed.seed.Seller.AccountID+"/"+queueName]
	if qu == nil {
		return fmt.Errorf("queue %s does not exist in account %s", queueName, q.s.seed.seed.Seller.AccountID)
	}
	q.enqueueLocked(qu, body, 0, nil)
	return nil
}

func (q *sqsService) enqueueLocked(qu *Queue, body string, delay int, attrs json.RawMessage) *queueMessage {
	sum := md5.Sum([]byte(body))
	now := q.s.now()
	m := &queueMessage{ID: newMeteringRecordID(), Body: body, MD5: hex.EncodeToString(sum[:]), SentAt: now,
		VisibleAt: now.Add(time.Duration(delay) * time.Second), MessageAttributes: attrs}
	qu.Messages = append(qu.Messages, m)
	close(qu.notify)
	qu.notify = make(chan struct{})
	q.s.markDirty()
	return m
}

func (q *sqsService) sendMessage(r *http.Request, acct string, c wire.Call) (any, error) {
	var in struct {
		QueueURL          string          `json:"QueueUrl"`
		MessageBody       *string         `json:"MessageBody"`
		DelaySeconds      int             `json:"DelaySeconds"`
		MessageAttributes json.RawMessage `json:"MessageAttributes"`
	}
	if err := decodeSQS(c, &in); err != nil {
		return nil, err
	}
	if in.MessageBody == nil || *in.MessageBody == "" {
		return nil, sqsError("MissingParameter", "MessageBody is required")
	}
	if len(*in.MessageBody) > 262144 {
		return nil, sqsError("InvalidParameterValue", "MessageBody is longer than 262144 bytes")
	}
	if in.DelaySeconds < 0 || in.DelaySeconds > 900 {
		return nil, sqsError("InvalidParameterValue", "DelaySeconds must be 0-900, got %d", in.DelaySeconds)
	}
	return q.onQueue(in.QueueURL, func(qu *Queue) (any, error) {
		m := q.enqueueLocked(qu, *in.MessageBody, in.DelaySeconds, in.MessageAttributes)
		return map[string]string{"MessageId": m.ID, "MD5OfMessageBody": m.MD5}, nil
	})
}

type receiveInput struct {
	QueueURL                    string   `json:"QueueUrl"`
	MaxNumberOfMessages         *int     `json:"MaxNumberOfMessages"`
	VisibilityTimeout           *int     `json:"VisibilityTimeout"`
	WaitTimeSeconds             *int     `json:"WaitTimeSeconds"`
	AttributeNames              []string `json:"AttributeNames"`
	MessageSystemAttributeNames []string `json:"MessageSystemAttributeNames"`
	MessageAttributeNames       []string `json:"MessageAttributeNames"`
	ReceiveRequestAttemptID     string   `json:"ReceiveRequestAttemptId"`
}

// receiveMessage returns up to MaxNumberOfMessages visible messages, hiding each for the
// visibility timeout. With WaitTimeSeconds it long-polls: it waits for a send, for a hidden
// message to become visible again, or for the deadline, never spinning.
func (q *sqsService) receiveMessage(r *http.Request, acct string, c wire.Call) (any, error) {
	var in receiveInput
	if err := decodeSQS(c, &in); err != nil {
		return nil, err
	}
	max, wait := 1, 0
	if in.MaxNumberOfMessages != nil {
		max = *in.MaxNumberOfMessages
		if max < 1 || max > 10 {
			return nil, sqsError("InvalidParameterValue", "MaxNumberOfMessages must be 1-10, got %d", max)
		}
	}
	if in.WaitTimeSeconds != nil {
		wait = *in.WaitTimeSeconds
		if wait < 0 || wait > 20 {
			return nil, sqsError("InvalidParameterValue", "WaitTimeSeconds must be 0-20, got %d", wait)
		}
	}
	if in.VisibilityTimeout != nil && (*in.VisibilityTimeout < 0 || *in.VisibilityTimeout > 43200) {
		return nil, sqsError("InvalidParameterValue", "VisibilityTimeout must be 0-43200, got %d", *in.VisibilityTimeout)
	}
	deadline := time.NewTimer(time.Duration(wait) * time.Second)
	defer deadline.Stop()
	for {
		q.mu.Lock()
		qu, err := q.lookup(in.QueueURL)
		if err != nil {
			q.mu.Unlock()
			return nil, err
		}
		msgs, nextVisible := q.takeLocked(qu, max, in)
		notify := qu.notify
		q.mu.Unlock()
		if len(msgs) > 0 || wait == 0 {
			return map[string]any{"Messages": emptyIfNil(msgs)}, nil
		}
		var wake <-chan time.Time
		if !nextVisible.IsZero() {
			t := time.NewTimer(nextVisible.Sub(q.s.now()))
			defer t.Stop()
			wake = t.C
		}
		select {
		case <-notify:
		case <-wake:
		case <-deadline.C:
			return map[string]any{"Messages": []any{}}, nil
		case <-r.Context().Done():
			return map[string]any{"Messages": []any{}}, nil
		case <-q.closed:
			return map[string]any{"Messages": []any{}}, nil
		}
	}
}

// takeLocked hides and returns up to max visible messages, and the earliest time a hidden
// message becomes visible.
func (q *sqsService) takeLocked(qu *Queue, max int, in receiveInput) ([]map[string]any, time.Time) {
	now := q.s.now()
	vis := qu.VisibilityTimeout
	if in.VisibilityTimeout != nil {
		vis = *in.VisibilityTimeout
	}
	wantAttrs := len(in.AttributeNames) > 0 || len(in.MessageSystemAttributeNames) > 0
	wantMsgAttrs := len(in.MessageAttributeNames) > 0
	var out []map[string]any
	var next time.Time
	for _, m := range qu.Messages {
		if now.Before(m.VisibleAt) {
			if next.IsZero() || m.VisibleAt.Before(next) {
				next = m.VisibleAt
			}
			continue
		}
		if len(out) == max {
			continue
		}
		m.ReceiveCount++
		if m.FirstReceiveAt.IsZero() {
			m.FirstReceiveAt = now
		}
		m.VisibleAt = now.Add(time.Duration(vis) * time.Second)
		m.ReceiptHandle = m.ID + "#" + randomHex(16)
		msg := map[string]any{"MessageId": m.ID, "ReceiptHandle": m.ReceiptHandle, "MD5OfBody": m.MD5, "Body": m.Body}
		if wantAttrs {
			msg["Attributes"] = map[string]string{
				"ApproximateReceiveCount":          strconv.Itoa(m.ReceiveCount),
				"SentTimestamp":                    strconv.FormatInt(m.SentAt.UnixMilli(), 10),
				"ApproximateFirstReceiveTimestamp": strconv.FormatInt(m.FirstReceiveAt.UnixMilli(), 10),
				"SenderId":                         qu.Account,
			}
		}
		if wantMsgAttrs && len(m.MessageAttributes) > 0 {
			msg["MessageAttributes"] = m.MessageAttributes
		}
		out = append(out, msg)
	}
	if len(out) > 0 {
		q.s.markDirty()
	}
	return out, next
}

func (q *sqsService) deleteMessage(r *http.Request, acct string, c wire.Call) (any, error) {
	var in struct {
		QueueURL      string `json:"QueueUrl"`
		ReceiptHandle string `json:"ReceiptHandle"`
	}
	if err := decodeSQS(c, &in); err != nil {
		return nil, err
	}
	return q.onQueue(in.QueueURL, func(qu *Queue) (any, error) {
		id, _, ok := strings.Cut(in.ReceiptHandle, "#")
		if !ok {
			return nil, sqsError("ReceiptHandleIsInvalid", "The input receipt handle %q is not a valid receipt handle.", in.ReceiptHandle)
		}
		for i, m := range qu.Messages {
			if m.ID == id {
				qu.Messages = append(qu.Messages[:i], qu.Messages[i+1:]...)
				q.s.markDirty()
				return struct{}{}, nil
			}
		}
		return struct{}{}, nil // deleting an already deleted message succeeds, as in SQS
	})
}

func (q *sqsService) changeMessageVisibility(r *http.Request, acct string, c wire.Call) (any, error) {
	var in struct {
		QueueURL          string `json:"QueueUrl"`
		ReceiptHandle     string `json:"ReceiptHandle"`
		VisibilityTimeout int    `json:"VisibilityTimeout"`
	}
	if err := decodeSQS(c, &in); err != nil {
		return nil, err
	}
	if in.VisibilityTimeout < 0 || in.VisibilityTimeout > 43200 {
		return nil, sqsError("InvalidParameterValue", "VisibilityTimeout must be 0-43200, got %d", in.VisibilityTimeout)
	}
	return q.onQueue(in.QueueURL, func(qu *Queue) (any, error) {
		for _, m := range qu.Messages {
			if m.ReceiptHandle == in.ReceiptHandle && in.ReceiptHandle != "" {
				m.VisibleAt = q.s.now().Add(time.Duration(in.VisibilityTimeout) * time.Second)
				if in.VisibilityTimeout == 0 {
					close(qu.notify)
					qu.notify = make(chan struct{})
				}
				q.s.markDirty()
				return struct{}{}, nil
			}
		}
		return nil, sqsError("ReceiptHandleIsInvalid", "The input receipt handle %q is not a valid receipt handle.", in.ReceiptHandle)
	})
}
