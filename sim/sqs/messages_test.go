package sqs_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	simsqs "github.com/dealdesk/dealdesk/sim/sqs"
)

func str(v string) sqstypes.MessageAttributeValue {
	return sqstypes.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(v)}
}

// TestMD5OfMessageAttributes: SendMessage and ReceiveMessage answer MD5OfMessageAttributes
// computed as the SQS Developer Guide defines it (the digests of the published examples), and
// leave it out for a message without attributes.
func TestMD5OfMessageAttributes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	url := e.createQueue("events", nil)
	number := sqstypes.MessageAttributeValue{DataType: aws.String("Number.float"), StringValue: aws.String("4563442423554324324264524243.32543234")}
	blob := sqstypes.MessageAttributeValue{DataType: aws.String("Binary"), BinaryValue: []byte("Hello binary world!")}
	cases := []struct {
		name  string
		attrs map[string]sqstypes.MessageAttributeValue
		md5   string
	}{
		{"one string", map[string]sqstypes.MessageAttributeValue{"attribName1": str("attribValue 1")}, "19e27d4e946b072f3f58da80d94fd778"},
		{"custom number type", map[string]sqstypes.MessageAttributeValue{"customNumberTypeAttrib": number}, "9fe1b90bbd9965bdf77bac517c7d2495"},
		{"binary", map[string]sqstypes.MessageAttributeValue{"binaryAttribute": blob}, "31a92b15d92f8db860eda32aceb656c3"},
		{"all three, sorted by name", map[string]sqstypes.MessageAttributeValue{"attribName1": str("attribValue 1"),
			"customNumberTypeAttrib": number, "binaryAttribute": blob}, "c932db14a896c663f83c260297d594ff"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sent, err := e.sqs.SendMessage(ctx(t), &sqs.SendMessageInput{QueueUrl: url, MessageBody: aws.String("x"), MessageAttributes: tc.attrs})
			if err != nil {
				t.Fatal(err)
			}
			if got := aws.ToString(sent.MD5OfMessageAttributes); got != tc.md5 {
				t.Errorf("SendMessage MD5OfMessageAttributes = %q, want %s", got, tc.md5)
			}
			got := e.receiveOne(t, url, []string{"All"})
			if aws.ToString(got.MD5OfMessageAttributes) != tc.md5 || len(got.MessageAttributes) != len(tc.attrs) {
				t.Errorf("ReceiveMessage MD5OfMessageAttributes = %q with %d attributes, want %s with %d",
					aws.ToString(got.MD5OfMessageAttributes), len(got.MessageAttributes), tc.md5, len(tc.attrs))
			}
			e.delete(t, url, got)
		})
	}
	t.Run("no attributes", func(t *testing.T) {
		sent := e.in(t).send(url, "plain")
		if sent.MD5OfMessageAttributes != nil {
			t.Errorf("MD5OfMessageAttributes %q for a message without attributes", aws.ToString(sent.MD5OfMessageAttributes))
		}
		got := e.receiveOne(t, url, []string{"All"})
		if got.MD5OfMessageAttributes != nil || got.MessageAttributes != nil {
			t.Errorf("received %v with MD5 %q", got.MessageAttributes, aws.ToString(got.MD5OfMessageAttributes))
		}
		e.delete(t, url, got)
	})
}

// receiveOne receives exactly one message asking for the message attributes names.
func (e *env) receiveOne(t *testing.T, url *string, names []string) sqstypes.Message {
	t.Helper()
	out, err := e.sqs.ReceiveMessage(ctx(t), &sqs.ReceiveMessageInput{QueueUrl: url, MessageAttributeNames: names, MaxNumberOfMessages: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Messages) != 1 {
		t.Fatalf("received %d messages, want 1", len(out.Messages))
	}
	return out.Messages[0]
}

func (e *env) delete(t *testing.T, url *string, m sqstypes.Message) {
	t.Helper()
	if _, err := e.sqs.DeleteMessage(ctx(t), &sqs.DeleteMessageInput{QueueUrl: url, ReceiptHandle: m.ReceiptHandle}); err != nil {
		t.Fatal(err)
	}
}

// TestReceiveMessageReturnsTheAttributesAskedFor: MessageAttributeNames selects by name, by
// "prefix.*", or all ("All", ".*"); MD5OfMessageAttributes covers what is returned.
func TestReceiveMessageReturnsTheAttributesAskedFor(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	url := e.createQueue("events", map[string]string{"VisibilityTimeout": "0"})
	attrs := map[string]sqstypes.MessageAttributeValue{"kind": str("offer"), "trace.id": str("t-1"), "trace.span": str("s-1"),
		"raw": {DataType: aws.String("Binary"), BinaryValue: []byte{0, 1, 0xfe, 0xff}}}
	if _, err := e.sqs.SendMessage(ctx(t), &sqs.SendMessageInput{QueueUrl: url, MessageBody: aws.String("x"), MessageAttributes: attrs}); err != nil {
		t.Fatal(err)
	}
	only := func(names ...string) map[string]sqstypes.MessageAttributeValue {
		out := map[string]sqstypes.MessageAttributeValue{}
		for _, n := range names {
			out[n] = attrs[n]
		}
		return out
	}
	cases := []struct {
		name  string
		names []string
		want  map[string]sqstypes.MessageAttributeValue
	}{
		{"none asked", nil, nil},
		{"one name", []string{"kind"}, only("kind")},
		{"a name it does not have", []string{"colour"}, nil},
		{"a prefix", []string{"trace.*"}, only("trace.id", "trace.span")},
		{"a name and a prefix", []string{"raw", "trace.*"}, only("raw", "trace.id", "trace.span")},
		{"All", []string{"All"}, attrs},
		{".*", []string{".*"}, attrs},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := e.receiveOne(t, url, tc.names)
			if !slices.Equal(slices.Sorted(maps.Keys(got.MessageAttributes)), slices.Sorted(maps.Keys(tc.want))) {
				t.Fatalf("attributes %v, want %v", slices.Sorted(maps.Keys(got.MessageAttributes)), slices.Sorted(maps.Keys(tc.want)))
			}
			for n, a := range tc.want {
				g := got.MessageAttributes[n]
				if aws.ToString(g.DataType) != aws.ToString(a.DataType) || aws.ToString(g.StringValue) != aws.ToString(a.StringValue) || !bytes.Equal(g.BinaryValue, a.BinaryValue) {
					t.Errorf("%s = %+v, want %+v", n, g, a)
				}
			}
			if len(tc.want) == 0 && got.MD5OfMessageAttributes != nil {
				t.Errorf("MD5OfMessageAttributes %q without attributes", aws.ToString(got.MD5OfMessageAttributes))
			}
			if len(tc.want) > 0 {
				want := e.in(t).sendMD5(tc.want)
				if aws.ToString(got.MD5OfMessageAttributes) != want {
					t.Errorf("MD5OfMessageAttributes %q, want the digest of the returned attributes %q",
						aws.ToString(got.MD5OfMessageAttributes), want)
				}
			}
		})
	}
}

// sendMD5 has a scratch queue digest attrs: it returns the MD5OfMessageAttributes SendMessage
// answers for them, failing the test when there is none.
func (e *env) sendMD5(attrs map[string]sqstypes.MessageAttributeValue) string {
	e.t.Helper()
	url := e.createQueue("scratch", nil)
	got, err := e.sqs.SendMessage(ctx(e.t), &sqs.SendMessageInput{QueueUrl: url, MessageBody: aws.String("x"), MessageAttributes: attrs})
	if err != nil {
		e.t.Fatal(err)
	}
	if got.MD5OfMessageAttributes == nil {
		e.t.Fatalf("SendMessage with %d attributes answered no MD5OfMessageAttributes", len(attrs))
	}
	return *got.MD5OfMessageAttributes
}

// TestSendMessageBodyCharacters: a body with a character outside #x9 | #xA | #xD | #x20-#xD7FF |
// #xE000-#xFFFD | #x10000-#x10FFFF is InvalidMessageContents and not queued; the allowed edges
// round-trip unchanged.
func TestSendMessageBodyCharacters(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	url := e.createQueue("events", nil)
	for _, body := range []string{"\x00", "a\x08b", "ok\x1f", "\uFFFE", "\uFFFF"} {
		t.Run(fmt.Sprintf("refuses %q", body), func(t *testing.T) {
			_, err := e.sqs.SendMessage(ctx(t), &sqs.SendMessageInput{QueueUrl: url, MessageBody: aws.String(body)})
			var bad *sqstypes.InvalidMessageContents
			if !errors.As(err, &bad) {
				t.Fatalf("SendMessage %q: %v, want InvalidMessageContents", body, err)
			}
		})
	}
	if n := e.allAttributes(t, url)["ApproximateNumberOfMessages"]; n != "0" {
		t.Fatalf("refused bodies left %s messages", n)
	}
	body := "\t\n\r \uD7FF\uE000\uFFFD\U00010000\U0010FFFF"
	e.send(url, body)
	if got := e.receiveOne(t, url, nil); aws.ToString(got.Body) != body {
		t.Errorf("body %q came back as %q", body, aws.ToString(got.Body))
	}
}

// TestSendMessageRefusesBadMessageAttributes: every rule of the Developer Guide's "Message
// attribute components" is InvalidParameterValue, naming the attribute.
func TestSendMessageRefusesBadMessageAttributes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	url := e.createQueue("events", nil)
	eleven := map[string]sqstypes.MessageAttributeValue{}
	for i := range 11 {
		eleven[fmt.Sprintf("a%d", i)] = str("v")
	}
	cases := []struct {
		name  string
		attrs map[string]sqstypes.MessageAttributeValue
		says  string
	}{
		{"eleven attributes", eleven, "[11]"},
		{"reserved AWS. prefix", map[string]sqstypes.MessageAttributeValue{"AWS.trace": str("v")}, "AWS.trace"},
		{"reserved amazon. prefix", map[string]sqstypes.MessageAttributeValue{"amazon.x": str("v")}, "amazon.x"},
		{"leading period", map[string]sqstypes.MessageAttributeValue{".x": str("v")}, ".x"},
		{"trailing period", map[string]sqstypes.MessageAttributeValue{"x.": str("v")}, "x."},
		{"two periods", map[string]sqstypes.MessageAttributeValue{"a..b": str("v")}, "a..b"},
		{"a space in the name", map[string]sqstypes.MessageAttributeValue{"a b": str("v")}, "a b"},
		{"name of 257 characters", map[string]sqstypes.MessageAttributeValue{strings.Repeat("n", 257): str("v")}, "nnnn"},
		{"unknown data type", map[string]sqstypes.MessageAttributeValue{"k": {DataType: aws.String("Text"), StringValue: aws.String("v")}}, "'k'"},
		{"empty custom type", map[string]sqstypes.MessageAttributeValue{"k": {DataType: aws.String("Number."), StringValue: aws.String("1")}}, "'k'"},
		{"empty string value", map[string]sqstypes.MessageAttributeValue{"k": str("")}, "'k'"},
		{"number that is not one", map[string]sqstypes.MessageAttributeValue{"k": {DataType: aws.String("Number"), StringValue: aws.String("12abc")}}, "'k'"},
		{"binary without a value", map[string]sqstypes.MessageAttributeValue{"k": {DataType: aws.String("Binary")}}, "'k'"},
		{"string value with a NUL", map[string]sqstypes.MessageAttributeValue{"k": str("a\x00")}, "'k'"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.sqs.SendMessage(ctx(t), &sqs.SendMessageInput{QueueUrl: url, MessageBody: aws.String("x"), MessageAttributes: tc.attrs})
			wantCode(t, err, "InvalidParameterValue")
			if !strings.Contains(err.Error(), tc.says) {
				t.Errorf("error %q does not say %q", err, tc.says)
			}
		})
	}
	if n := e.allAttributes(t, url)["ApproximateNumberOfMessages"]; n != "0" {
		t.Errorf("refused messages left %s in the queue", n)
	}
}

// TestSendMessageSizeFollowsMaximumMessageSize: body and attributes together may take the
// queue's MaximumMessageSize, not a byte more.
func TestSendMessageSizeFollowsMaximumMessageSize(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	url := e.createQueue("small", map[string]string{"MaximumMessageSize": "1024"})
	e.send(url, strings.Repeat("b", 1024))
	_, err := e.sqs.SendMessage(ctx(t), &sqs.SendMessageInput{QueueUrl: url, MessageBody: aws.String(strings.Repeat("b", 1010)),
		MessageAttributes: map[string]sqstypes.MessageAttributeValue{"kind": str("offer")}}) // 1010 + 4 + 6 + 5
	wantCode(t, err, "InvalidParameterValue")
	if !strings.Contains(err.Error(), "1024") {
		t.Errorf("error %q does not give the limit", err)
	}
}

// TestVisibilityTimeoutAndDelete: a received message is hidden for the visibility timeout, then
// comes back with its receive count; a deleted one does not; a bad receipt handle is
// ReceiptHandleIsInvalid.
func TestVisibilityTimeoutAndDelete(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	url := e.createQueue("events", nil)
	e.send(url, `{"n":1}`)
	first := e.receiveOne(t, url, nil)
	if out, err := e.sqs.ReceiveMessage(ctx(t), &sqs.ReceiveMessageInput{QueueUrl: url}); err != nil || len(out.Messages) != 0 {
		t.Fatalf("visible during its visibility timeout: %v %v", out, err)
	}
	e.clock.Advance(30 * time.Second)
	out, err := e.sqs.ReceiveMessage(ctx(t), &sqs.ReceiveMessageInput{QueueUrl: url,
		MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{"ApproximateReceiveCount", "SentTimestamp"}})
	if err != nil || len(out.Messages) != 1 {
		t.Fatalf("after the visibility timeout: %v %v", out, err)
	}
	again := out.Messages[0]
	wantAttrs := map[string]string{"ApproximateReceiveCount": "2", "SentTimestamp": fmt.Sprint(e.clock.Now().Add(-30 * time.Second).UnixMilli())}
	if aws.ToString(again.MessageId) != aws.ToString(first.MessageId) || !maps.Equal(again.Attributes, wantAttrs) {
		t.Errorf("second receive %s with %v, want %s with %v", aws.ToString(again.MessageId), again.Attributes, aws.ToString(first.MessageId), wantAttrs)
	}
	_, err = e.sqs.DeleteMessage(ctx(t), &sqs.DeleteMessageInput{QueueUrl: url, ReceiptHandle: aws.String("garbage")})
	var bad *sqstypes.ReceiptHandleIsInvalid
	if !errors.As(err, &bad) {
		t.Errorf("delete with a bad receipt handle: %v, want ReceiptHandleIsInvalid", err)
	}
	e.delete(t, url, again)
	e.clock.Advance(time.Hour)
	out, err = e.sqs.ReceiveMessage(ctx(t), &sqs.ReceiveMessageInput{QueueUrl: url})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Messages) != 0 {
		t.Errorf("a deleted message came back: %v", out.Messages)
	}
}

// TestChangeMessageVisibility: 0 makes a message receivable at once; the timeout is 0..43200;
// a handle that is not current is ReceiptHandleIsInvalid, a message not in flight
// MessageNotInflight.
func TestChangeMessageVisibility(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	url := e.createQueue("events", nil)
	e.send(url, "m")
	m := e.receiveOne(t, url, nil)
	_, err := e.sqs.ChangeMessageVisibility(ctx(t), &sqs.ChangeMessageVisibilityInput{QueueUrl: url, ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 43201})
	wantCode(t, err, "InvalidParameterValue")
	_, err = e.sqs.ChangeMessageVisibility(ctx(t), &sqs.ChangeMessageVisibilityInput{QueueUrl: url, ReceiptHandle: aws.String("nope#x"), VisibilityTimeout: 10})
	var bad *sqstypes.ReceiptHandleIsInvalid
	if !errors.As(err, &bad) {
		t.Errorf("unknown handle: %v, want ReceiptHandleIsInvalid", err)
	}
	if _, err := e.sqs.ChangeMessageVisibility(ctx(t), &sqs.ChangeMessageVisibilityInput{QueueUrl: url, ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0}); err != nil {
		t.Fatal(err)
	}
	_, err = e.sqs.ChangeMessageVisibility(ctx(t), &sqs.ChangeMessageVisibilityInput{QueueUrl: url, ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 10})
	var idle *sqstypes.MessageNotInflight
	if !errors.As(err, &idle) {
		t.Errorf("a visible message: %v, want MessageNotInflight", err)
	}
	if again := e.receiveOne(t, url, nil); aws.ToString(again.MessageId) != aws.ToString(m.MessageId) {
		t.Errorf("received %s after visibility 0, want %s", aws.ToString(again.MessageId), aws.ToString(m.MessageId))
	}
}

// TestDelays: the queue's DelaySeconds holds new messages back (counted as delayed) unless
// SendMessage gives its own.
func TestDelays(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	url := e.createQueue("slow", map[string]string{"DelaySeconds": "60"})
	e.send(url, "held")
	if _, err := e.sqs.SendMessage(ctx(t), &sqs.SendMessageInput{QueueUrl: url, MessageBody: aws.String("now"), DelaySeconds: 0}); err != nil {
		t.Fatal(err)
	}
	attrs := e.allAttributes(t, url)
	if attrs["ApproximateNumberOfMessagesDelayed"] != "2" {
		// The Go client does not send DelaySeconds 0, so both take the queue's delay.
		t.Errorf("delayed = %s, want 2", attrs["ApproximateNumberOfMessagesDelayed"])
	}
	if _, err := e.sqs.SendMessage(ctx(t), &sqs.SendMessageInput{QueueUrl: url, MessageBody: aws.String("soon"), DelaySeconds: 5}); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(5 * time.Second)
	soon := e.receiveOne(t, url, nil)
	if aws.ToString(soon.Body) != "soon" {
		t.Errorf("received %q, want the message with its own 5 s delay", aws.ToString(soon.Body))
	}
	e.delete(t, url, soon)
	e.clock.Advance(55 * time.Second)
	out, err := e.sqs.ReceiveMessage(ctx(t), &sqs.ReceiveMessageInput{QueueUrl: url, MaxNumberOfMessages: 10})
	if err != nil || len(out.Messages) != 2 {
		t.Errorf("after the queue's delay: %v, %v", out, err)
	}
}

// TestRetention: a message older than MessageRetentionPeriod is gone.
func TestRetention(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	url := e.createQueue("short", map[string]string{"MessageRetentionPeriod": "60"})
	e.send(url, "old")
	e.clock.Advance(59 * time.Second)
	e.send(url, "young")
	e.clock.Advance(time.Second)
	if got := e.receiveOne(t, url, nil); aws.ToString(got.Body) != "young" {
		t.Errorf("received %q, want only the message younger than the retention", aws.ToString(got.Body))
	}
}

// TestDeadLetterQueue: a message received maxReceiveCount times moves to the dead-letter queue
// on its next receive, with DeadLetterQueueSourceArn.
func TestDeadLetterQueue(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	dlq := e.createQueue("dlq", nil)
	url := e.createQueue("work", map[string]string{"VisibilityTimeout": "10",
		"RedrivePolicy": `{"deadLetterTargetArn":"` + dlqArn + `","maxReceiveCount":2}`})
	e.send(url, "poison")
	for range 2 {
		e.receiveOne(t, url, nil)
		e.clock.Advance(10 * time.Second)
	}
	if out, err := e.sqs.ReceiveMessage(ctx(t), &sqs.ReceiveMessageInput{QueueUrl: url}); err != nil || len(out.Messages) != 0 {
		t.Fatalf("third receive from the source: %v %v, want nothing", out, err)
	}
	out, err := e.sqs.ReceiveMessage(ctx(t), &sqs.ReceiveMessageInput{QueueUrl: dlq, MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{"All"}})
	if err != nil || len(out.Messages) != 1 {
		t.Fatalf("dead-letter queue: %v %v", out, err)
	}
	if m := out.Messages[0]; aws.ToString(m.Body) != "poison" || m.Attributes["DeadLetterQueueSourceArn"] != "arn:aws:sqs:us-east-1:"+account+":work" {
		t.Errorf("dead-lettered message %q with %v", aws.ToString(m.Body), m.Attributes)
	}
}

// TestFIFOQueue: MessageGroupId is required; a deduplication ID (or the body, with
// ContentBasedDeduplication) admits a message once in 5 minutes; a group with a message in
// flight gives nothing more until it is deleted; other groups go on.
func TestFIFOQueue(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	url := e.createQueue("orders.fifo", map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true"})
	send := func(group, body, dedup string) (*sqs.SendMessageOutput, error) {
		in := &sqs.SendMessageInput{QueueUrl: url, MessageBody: aws.String(body), MessageGroupId: aws.String(group)}
		if group == "" {
			in.MessageGroupId = nil
		}
		if dedup != "" {
			in.MessageDeduplicationId = aws.String(dedup)
		}
		return e.sqs.SendMessage(ctx(t), in)
	}
	_, err := send("", "a1", "")
	wantCode(t, err, "MissingParameter")
	a1, err := send("a", "a1", "")
	if err != nil || aws.ToString(a1.SequenceNumber) == "" {
		t.Fatalf("first send: %v, %v", a1, err)
	}
	dup, err := send("a", "a1", "")
	if err != nil || aws.ToString(dup.MessageId) != aws.ToString(a1.MessageId) {
		t.Fatalf("duplicate: %v, %v, want the first message's ID", dup, err)
	}
	for _, m := range [][2]string{{"a", "a2"}, {"b", "b1"}} {
		if _, err := send(m[0], m[1], ""); err != nil {
			t.Fatal(err)
		}
	}
	receive := func() ([]string, []sqstypes.Message) {
		out, err := e.sqs.ReceiveMessage(ctx(t), &sqs.ReceiveMessageInput{QueueUrl: url, MaxNumberOfMessages: 1})
		if err != nil {
			t.Fatal(err)
		}
		var bodies []string
		for _, m := range out.Messages {
			bodies = append(bodies, aws.ToString(m.Body))
		}
		return bodies, out.Messages
	}
	got, first := receive()
	if !slices.Equal(got, []string{"a1"}) {
		t.Fatalf("first receive %q, want a1", got)
	}
	// Group a is blocked by a1 in flight; b1 is next.
	if got, _ := receive(); !slices.Equal(got, []string{"b1"}) {
		t.Fatalf("second receive %q, want b1", got)
	}
	if got, _ := receive(); len(got) != 0 {
		t.Fatalf("third receive %q, want nothing while a1 is in flight", got)
	}
	e.delete(t, url, first[0])
	if got, _ := receive(); !slices.Equal(got, []string{"a2"}) {
		t.Fatalf("after deleting a1: %q, want a2", got)
	}
	e.clock.Advance(5 * time.Minute)
	again, err := send("a", "a1", "")
	if err != nil || aws.ToString(again.MessageId) == aws.ToString(a1.MessageId) {
		t.Errorf("after the deduplication interval: %v, %v, want a new message", again, err)
	}

	plain := e.createQueue("plain.fifo", map[string]string{"FifoQueue": "true"})
	_, err = e.sqs.SendMessage(ctx(t), &sqs.SendMessageInput{QueueUrl: plain, MessageBody: aws.String("x"), MessageGroupId: aws.String("g")})
	wantCode(t, err, "InvalidParameterValue")
}

// waiting makes svc report on the returned channel each time a long poll has found nothing and
// is about to wait; the hook is removed when the test ends.
func waiting(t *testing.T, svc *simsqs.Service) <-chan struct{} {
	ch := make(chan struct{}, 1)
	svc.OnLongPollWait(func() {
		select {
		case ch <- struct{}{}:
		default:
		}
	})
	t.Cleanup(func() { svc.OnLongPollWait(nil) })
	return ch
}

// received is the outcome of a ReceiveMessage run in its own goroutine.
type received struct {
	out *sqs.ReceiveMessageOutput
	err error
}

// TestLongPollWaitsForAMessage: a ReceiveMessage with WaitTimeSeconds that found the queue empty
// is answered by a later send.
func TestLongPollWaitsForAMessage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	url := e.createQueue("events", map[string]string{"ReceiveMessageWaitTimeSeconds": "20"})
	polling := waiting(t, e.svc)
	done := make(chan received, 1)
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	go func() {
		out, err := e.sqs.ReceiveMessage(c, &sqs.ReceiveMessageInput{QueueUrl: url}) // the queue's 20 s wait
		done <- received{out, err}
	}()
	select {
	case <-polling: // the poll found nothing: only the send below can answer it within 10 s
	case r := <-done:
		t.Fatalf("ReceiveMessage ended before it waited: %v, %v", r.out, r.err)
	}
	e.send(url, "late")
	r := <-done
	if r.err != nil {
		t.Fatalf("long poll: %v, want the message sent while it waited, before the client's 10 s deadline", r.err)
	}
	if len(r.out.Messages) != 1 || aws.ToString(r.out.Messages[0].Body) != "late" {
		t.Errorf("long poll returned %v", r.out.Messages)
	}
}

// TestCloseEndsLongPolls: Close answers a waiting long poll at once, with no messages.
func TestCloseEndsLongPolls(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	url := e.createQueue("idle", nil)
	polling := waiting(t, e.svc)
	done := make(chan received, 1)
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	go func() {
		out, err := e.sqs.ReceiveMessage(c, &sqs.ReceiveMessageInput{QueueUrl: url, WaitTimeSeconds: 20})
		done <- received{out, err}
	}()
	select {
	case <-polling: // the poll is waiting: only Close can answer it within 10 s
	case r := <-done:
		t.Fatalf("ReceiveMessage ended before it waited: %v, %v", r.out, r.err)
	}
	e.svc.Close()
	r := <-done
	if r.err != nil {
		t.Fatalf("long poll across Close: %v, want an empty answer before the client's 10 s deadline", r.err)
	}
	if len(r.out.Messages) != 0 {
		t.Errorf("a message came from an empty queue: %v", r.out.Messages)
	}
}
