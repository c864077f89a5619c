package sim

import (
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
