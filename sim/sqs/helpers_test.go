package sqs_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/smithy-go"

	simsqs "github.com/dealdesk/dealdesk/sim/sqs"
	"github.com/dealdesk/dealdesk/sim/wire"
)

// account is the caller of every test request.
const account = "111122223333"

// clock is a controllable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// env is one SQS service behind a loopback HTTP server, routed as the simulator routes it.
type env struct {
	t     *testing.T
	svc   *simsqs.Service
	url   string
	clock *clock
	sqs   *sqs.Client
	// changes counts OnChange calls.
	changes chan struct{}
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, clock: &clock{t: time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)}, changes: make(chan struct{}, 1)}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, ok, err := wire.ParseCall(r, 4<<20)
		switch {
		case !ok:
			http.NotFound(w, r)
		case err != nil:
			wire.WriteRequestError(w, c, err)
		default:
			e.svc.ServeCall(w, r, account, c)
		}
	}))
	// The service exists before the server serves: requests from another process (boto3) are
	// not ordered after this goroutine's writes by anything the race detector sees.
	e.url = "http://" + srv.Listener.Addr().String()
	e.svc = simsqs.New(simsqs.Config{Now: e.clock.Now, Account: account, BaseURL: e.url, OnChange: func() {
		select {
		case e.changes <- struct{}{}:
		default:
		}
	}})
	srv.Start()
	e.sqs = sqs.NewFromConfig(aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
		Retryer:     func() aws.Retryer { return aws.NopRetryer{} },
	}, func(o *sqs.Options) { o.BaseEndpoint = aws.String(e.url) })
	t.Cleanup(func() {
		e.svc.Close()
		srv.Close()
	})
	return e
}

// in returns a copy of e whose helpers (createQueue, send, raw) report to t: inside a subtest
// they must fail the subtest, never call the parent's FailNow from the subtest's goroutine.
func (e *env) in(t *testing.T) *env {
	c := *e
	c.t = t
	return &c
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}

// createQueue creates a queue and returns its URL, failing the test on error.
func (e *env) createQueue(name string, attrs map[string]string) *string {
	e.t.Helper()
	out, err := e.sqs.CreateQueue(ctx(e.t), &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs})
	if err != nil {
		e.t.Fatalf("CreateQueue %s: %v", name, err)
	}
	return out.QueueUrl
}

// send sends body to url and returns the answer, failing the test on error.
func (e *env) send(url *string, body string) *sqs.SendMessageOutput {
	e.t.Helper()
	out, err := e.sqs.SendMessage(ctx(e.t), &sqs.SendMessageInput{QueueUrl: url, MessageBody: aws.String(body)})
	if err != nil {
		e.t.Fatalf("SendMessage: %v", err)
	}
	return out
}

// wantCode fails the test unless err is an AWS API error with the code (the awsQuery code when
// SQS gives one, e.g. AWS.SimpleQueueService.NonExistentQueue).
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("error %v (%T), want API error %s", err, err, code)
	}
	if ae.ErrorCode() != code {
		t.Fatalf("error code %q (%v), want %s", ae.ErrorCode(), err, code)
	}
}

// rawAnswer is an awsJson answer read without an SDK.
type rawAnswer struct {
	Status     int
	Type       string // __type
	Message    string
	QueryError string // x-amzn-query-error
	Body       map[string]any
}

// raw posts an awsJson 1.0 call of AmazonSQS.op with body, as a client that does not validate
// its input would.
func (e *env) raw(op, body string) rawAnswer {
	e.t.Helper()
	req, err := http.NewRequestWithContext(ctx(e.t), http.MethodPost, e.url+"/", strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "AmazonSQS."+op)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatalf("%s: read answer: %v", op, err)
	}
	a := rawAnswer{Status: resp.StatusCode, QueryError: resp.Header.Get("X-Amzn-Query-Error"), Body: map[string]any{}}
	if err := json.Unmarshal(b, &a.Body); err != nil {
		e.t.Fatalf("%s answered %s: %v", op, b, err)
	}
	a.Type, _ = a.Body["__type"].(string)
	a.Message, _ = a.Body["message"].(string)
	return a
}

// wantRawError fails the test unless a is a 400 of the shape typ with the awsQuery code.
func wantRawError(t *testing.T, a rawAnswer, typ, queryCode, inMessage string) {
	t.Helper()
	if a.Status != http.StatusBadRequest || a.Type != "com.amazonaws.sqs#"+typ || a.QueryError != queryCode+";Sender" {
		t.Errorf("answer %d %q (query error %q), want 400 %s (%s;Sender)", a.Status, a.Type, a.QueryError, typ, queryCode)
	}
	if !strings.Contains(a.Message, inMessage) {
		t.Errorf("message %q does not say %q", a.Message, inMessage)
	}
}
