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

	"github.com/dealdesk/dealdesk/sim/eventbus"
)

func TestSQS(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	q := e.sqs()
	created, err := q.CreateQueue(ctx(t), &sqs.CreateQueueInput{QueueName: aws.String("marketplace-events"), Attributes: map[string]string{"VisibilityTimeout": "30"}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := q.GetQueueUrl(ctx(t), &sqs.GetQueueUrlInput{QueueName: aws.String("marketplace-events")})
	if err != nil || aws.ToString(got.QueueUrl) != aws.ToString(created.QueueUrl) || aws.ToString(got.QueueUrl) != e.url+"/"+seller+"/marketplace-events" {
		t.Fatalf("GetQueueUrl = %v, %v (created %s)", got, err, aws.ToString(created.QueueUrl))
	}
	url := created.QueueUrl

	t.Run("missing queue", func(t *testing.T) {
		_, err := q.GetQueueUrl(ctx(t), &sqs.GetQueueUrlInput{QueueName: aws.String("nope")})
		var ne *sqstypes.QueueDoesNotExist
		if !errors.As(err, &ne) {
			t.Errorf("GetQueueUrl of a missing queue: %v, want QueueDoesNotExist", err)
		}
		_, err = q.SendMessage(ctx(t), &sqs.SendMessageInput{QueueUrl: aws.String(e.url + "/" + seller + "/nope"), MessageBody: aws.String("x")})
		if !errors.As(err, &ne) {
			t.Errorf("SendMessage to a missing queue: %v, want QueueDoesNotExist", err)
		}
	})

	t.Run("visibility timeout and delete", func(t *testing.T) {
		if _, err := q.SendMessage(ctx(t), &sqs.SendMessageInput{QueueUrl: url, MessageBody: aws.String(`{"n":1}`)}); err != nil {
			t.Fatal(err)
		}
		r1, err := q.ReceiveMessage(ctx(t), &sqs.ReceiveMessageInput{QueueUrl: url, MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{"All"}})
		if err != nil || len(r1.Messages) != 1 || aws.ToString(r1.Messages[0].Body) != `{"n":1}` {
			t.Fatalf("receive: %v %v", r1, err)
		}
		r2, err := q.ReceiveMessage(ctx(t), &sqs.ReceiveMessageInput{QueueUrl: url})
		if err != nil || len(r2.Messages) != 0 {
			t.Fatalf("the message is visible during its visibility timeout: %v %v", r2, err)
		}
		e.clock.Advance(31 * time.Second)
		r3, err := q.ReceiveMessage(ctx(t), &sqs.ReceiveMessageInput{QueueUrl: url, MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{"All"}})
		if err != nil || len(r3.Messages) != 1 || r3.Messages[0].Attributes["ApproximateReceiveCount"] != "2" {
			t.Fatalf("after the visibility timeout: %v %v", r3, err)
		}
		_, err = q.DeleteMessage(ctx(t), &sqs.DeleteMessageInput{QueueUrl: url, ReceiptHandle: aws.String("garbage")})
		var bad *sqstypes.ReceiptHandleIsInvalid
		if !errors.As(err, &bad) {
			t.Errorf("delete with a bad receipt handle: %v, want ReceiptHandleIsInvalid", err)
		}
		if _, err := q.DeleteMessage(ctx(t), &sqs.DeleteMessageInput{QueueUrl: url, ReceiptHandle: r3.Messages[0].ReceiptHandle}); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(time.Minute)
		r4, _ := q.ReceiveMessage(ctx(t), &sqs.ReceiveMessageInput{QueueUrl: url})
		if len(r4.Messages) != 0 {
			t.Errorf("a deleted message came back: %v", r4.Messages)
		}
	})

	t.Run("long polling waits for a message", func(t *testing.T) {
		done := make(chan *sqs.ReceiveMessageOutput, 1)
		errc := make(chan error, 1)
		go func() {
			out, err := q.ReceiveMessage(ctx(t), &sqs.ReceiveMessageInput{QueueUrl: url, WaitTimeSeconds: 10})
			errc <- err
			done <- out
		}()
		if _, err := q.SendMessage(ctx(t), &sqs.SendMessageInput{QueueUrl: url, MessageBody: aws.String("late")}); err != nil {
			t.Fatal(err)
		}
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
		out := <-done
		if len(out.Messages) != 1 || aws.ToString(out.Messages[0].Body) != "late" {
			t.Errorf("long poll returned %v", out.Messages)
		}
		_, _ = q.DeleteMessage(ctx(t), &sqs.DeleteMessageInput{QueueUrl: url, ReceiptHandle: out.Messages[0].ReceiptHandle})
	})

	t.Run("events delivered to a queue", func(t *testing.T) {
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
	done := make(chan error, 1)
	go func() {
		c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		out, err := q.ReceiveMessage(c, &sqs.ReceiveMessageInput{QueueUrl: created.QueueUrl, WaitTimeSeconds: 20})
		if err == nil && len(out.Messages) != 0 {
			err = errors.New("a message came from an empty queue")
		}
		done <- err
	}()
	if err := e.srv.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Errorf("long poll across Close: %v, want an empty answer before the client's 10s deadline", err)
	}
}
