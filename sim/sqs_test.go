package sim_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"

	"github.com/dealdesk/dealdesk/sim/eventbus"
)

// TestSQSThroughTheSimulator: the simulator routes AmazonSQS.* calls to sim/sqs (queue URLs on
// its base URL in the seller's account), answers its injected faults in SQS's error shape, and
// delivers events to a queue target. The SQS behaviour itself is tested in sim/sqs.
func TestSQSThroughTheSimulator(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	q := e.sqs()
	created, err := q.CreateQueue(ctx(t), &sqs.CreateQueueInput{QueueName: aws.String("marketplace-events")})
	if err != nil {
		t.Fatal(err)
	}
	url := created.QueueUrl
	if aws.ToString(url) != e.url+"/"+seller+"/marketplace-events" {
		t.Errorf("QueueUrl = %s", aws.ToString(url))
	}

	t.Run("missing queue", func(t *testing.T) {
		_, err := q.GetQueueUrl(ctx(t), &sqs.GetQueueUrlInput{QueueName: aws.String("nope")})
		var ne *sqstypes.QueueDoesNotExist
		if !errors.As(err, &ne) || ne.ErrorCode() != "AWS.SimpleQueueService.NonExistentQueue" {
			t.Errorf("GetQueueUrl of a missing queue: %v, want QueueDoesNotExist with its query code", err)
		}
	})

	t.Run("injected fault", func(t *testing.T) {
		e.bind(t)
		e.mustControl(http.MethodPut, "/_sim/faults", map[string]any{"operations": map[string]any{
			"PurgeQueue": map[string]any{"errorRate": 1, "errorType": "PurgeQueueInProgress"}}}, nil)
		defer e.mustControl(http.MethodPut, "/_sim/faults", map[string]any{"operations": map[string]any{}}, nil)
		_, err := q.PurgeQueue(ctx(t), &sqs.PurgeQueueInput{QueueUrl: url})
		var busy *sqstypes.PurgeQueueInProgress
		var ae smithy.APIError
		if !errors.As(err, &busy) || !errors.As(err, &ae) || ae.ErrorCode() != "AWS.SimpleQueueService.PurgeQueueInProgress" {
			t.Errorf("PurgeQueue with an injected fault: %v, want PurgeQueueInProgress with its query code", err)
		}
	})

	t.Run("events delivered to a queue", func(t *testing.T) {
		e.bind(t)
		e.mustControl(http.MethodPut, "/_sim/events", map[string]any{"targets": []any{
			map[string]any{"name": "queue", "type": "sqs", "queueName": "marketplace-events"}}}, nil)
		e.publish(simpleRA(newProductID, reseller1, "seats", "api_calls", "storage_gb"))
		e.flush()
		out, err := q.ReceiveMessage(ctx(t), &sqs.ReceiveMessageInput{QueueUrl: url, MaxNumberOfMessages: 10})
		if err != nil || len(out.Messages) != 1 {
			t.Fatalf("queue holds %v (%v), want the Change Set Succeeded event", out, err)
		}
		var env eventbus.Envelope
		if err := json.Unmarshal([]byte(aws.ToString(out.Messages[0].Body)), &env); err != nil || env.DetailType != "Change Set Succeeded" {
			t.Errorf("queued event %s (%v)", aws.ToString(out.Messages[0].Body), err)
		}
	})
}

// TestCloseEndsLongPolls: Close answers a ReceiveMessage that is long-polling (with no
// messages) instead of holding it for its WaitTimeSeconds; the package's leak check then
// finds none of its goroutines left.
func TestCloseEndsLongPolls(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	q := e.sqs()
	created, err := q.CreateQueue(ctx(t), &sqs.CreateQueueInput{QueueName: aws.String("idle")})
	if err != nil {
		t.Fatal(err)
	}
	polling := make(chan struct{}, 1)
	e.srv.OnSQSLongPollWait(func() {
		select {
		case polling <- struct{}{}:
		default:
		}
	})
	type received struct {
		out *sqs.ReceiveMessageOutput
		err error
	}
	done := make(chan received, 1)
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	go func() {
		out, err := q.ReceiveMessage(c, &sqs.ReceiveMessageInput{QueueUrl: created.QueueUrl, WaitTimeSeconds: 20})
		done <- received{out, err}
	}()
	select {
	case <-polling: // the poll is waiting: only Close can answer it within 10 s
	case r := <-done:
		t.Fatalf("ReceiveMessage ended before it waited: %v, %v", r.out, r.err)
	}
	if err := e.srv.Close(); err != nil {
		t.Fatal(err)
	}
	r := <-done
	if r.err != nil {
		t.Fatalf("long poll across Close: %v, want an empty answer before the client's 10s deadline", r.err)
	}
	if len(r.out.Messages) != 0 {
		t.Errorf("a message came from an empty queue: %v", r.out.Messages)
	}
}
