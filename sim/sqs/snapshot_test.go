package sqs_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// TestSnapshotRestore: a restored service has the queues, their attributes, their messages
// with their attributes and the time of the last PurgeQueue.
func TestSnapshotRestore(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	url := e.createQueue("events", map[string]string{"VisibilityTimeout": "45"})
	if _, err := e.sqs.SendMessage(ctx(t), &sqs.SendMessageInput{QueueUrl: url, MessageBody: aws.String("kept"),
		MessageAttributes: map[string]sqstypes.MessageAttributeValue{"kind": str("offer")}}); err != nil {
		t.Fatal(err)
	}
	purged := e.createQueue("purged", nil)
	if _, err := e.sqs.PurgeQueue(ctx(t), &sqs.PurgeQueueInput{QueueUrl: purged}); err != nil {
		t.Fatal(err)
	}
	b, err := e.svc.Snapshot()
	if err != nil {
		t.Fatal(err)
	}

	r := newEnv(t)
	if err := r.svc.Restore(b); err != nil {
		t.Fatal(err)
	}
	if got := r.allAttributes(t, url)["VisibilityTimeout"]; got != "45" {
		t.Errorf("VisibilityTimeout after restore = %q", got)
	}
	m := r.receiveOne(t, url, []string{"All"})
	if aws.ToString(m.Body) != "kept" || aws.ToString(m.MessageAttributes["kind"].StringValue) != "offer" {
		t.Errorf("restored message %q with %v", aws.ToString(m.Body), m.MessageAttributes)
	}
	_, err = r.sqs.PurgeQueue(ctx(t), &sqs.PurgeQueueInput{QueueUrl: purged})
	var busy *sqstypes.PurgeQueueInProgress
	if !errors.As(err, &busy) {
		t.Errorf("PurgeQueue right after a restore: %v, want PurgeQueueInProgress", err)
	}
}

// TestRestoreOlderStateFiles: a queue saved before the attributes were kept whole gets its
// visibility timeout and the defaults of the others.
func TestRestoreOlderStateFiles(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	old := `{"111122223333/events":{"name":"events","account":"111122223333","createdAt":"2026-11-01T00:00:00Z",
		"visibilityTimeout":45,"attributes":{"Policy":"{\"Statement\":[]}"},"messages":[{"id":"m1","body":"b","md5":"92eb5ffee6ae2fec3ad71c777531578f",
		"sentAt":"2026-11-26T08:59:00Z","visibleAt":"2026-11-26T08:59:00Z","receiveCount":0,
		"messageAttributes":{"kind":{"DataType":"String","StringValue":"offer"}}}]}}`
	if err := e.svc.Restore([]byte(old)); err != nil {
		t.Fatal(err)
	}
	url := aws.String(e.url + "/" + account + "/events")
	attrs := e.allAttributes(t, url)
	for k, v := range map[string]string{"VisibilityTimeout": "45", "MaximumMessageSize": "1048576", "MessageRetentionPeriod": "345600",
		"DelaySeconds": "0", "Policy": `{"Statement":[]}`, "ApproximateNumberOfMessages": "1"} {
		if attrs[k] != v {
			t.Errorf("%s = %q, want %q", k, attrs[k], v)
		}
	}
	if m := e.receiveOne(t, url, []string{"kind"}); aws.ToString(m.MD5OfMessageAttributes) == "" {
		t.Errorf("a restored message's attributes have no MD5: %+v", m)
	}
}

// TestRestoreRefusesBrokenQueues: an empty queue or message, or a queue under another key, is
// an error naming it, and the service keeps its queues.
func TestRestoreRefusesBrokenQueues(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	url := e.createQueue("events", nil)
	for _, tc := range []struct{ body, says string }{
		{`{"a/q":null}`, `queue "a/q"`},
		{`{"a/q":{"name":"other","account":"a","messages":[]}}`, `queue "a/q"`},
		{`{"a/q":{"name":"q","account":"a","messages":[null]}}`, "message 0"},
		{`[]`, "cannot unmarshal"},
	} {
		err := e.svc.Restore([]byte(tc.body))
		if err == nil || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("Restore(%s) = %v, want an error saying %q", tc.body, err, tc.says)
		}
	}
	if _, err := e.sqs.GetQueueAttributes(ctx(t), &sqs.GetQueueAttributesInput{QueueUrl: url}); err != nil {
		t.Errorf("the queues were lost: %v", err)
	}
}

// TestSendToQueue: the event bus's path delivers to the configured account's queue (a FIFO
// queue too) and reports a missing queue.
func TestSendToQueue(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	url := e.createQueue("events", nil)
	fifo := e.createQueue("events.fifo", map[string]string{"FifoQueue": "true"})
	drain := func() {
		select {
		case <-e.changes:
		default:
		}
	}
	for _, q := range []struct {
		name string
		url  *string
	}{{"events", url}, {"events.fifo", fifo}} {
		drain()
		if err := e.svc.SendToQueue(q.name, `{"detail-type":"Offer Released"}`); err != nil {
			t.Fatalf("SendToQueue %s: %v", q.name, err)
		}
		select {
		case <-e.changes:
		default:
			t.Errorf("sending to %s did not report a change to persist", q.name)
		}
		if m := e.receiveOne(t, q.url, nil); aws.ToString(m.Body) != `{"detail-type":"Offer Released"}` {
			t.Errorf("%s holds %q", q.name, aws.ToString(m.Body))
		}
	}
	if err := e.svc.SendToQueue("missing", "x"); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("SendToQueue to a missing queue: %v", err)
	}
}
