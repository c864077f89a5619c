package sqs_test

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// TestRequiredParameters: input the Go client refuses to send, sent as raw awsJson 1.0: a
// missing required parameter is MissingParameter naming it (query code MissingParameter), and
// nothing changes.
func TestRequiredParameters(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	url := e.createQueue("events", nil)
	e.send(url, "m")
	m := e.receiveOne(t, url, nil)
	ref := func(extra map[string]any) string {
		in := map[string]any{"QueueUrl": aws.ToString(url)}
		for k, v := range extra {
			in[k] = v
		}
		b, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err) // ref runs in the test's goroutine, while the cases are built
		}
		return string(b)
	}
	cases := []struct{ name, op, body, param string }{
		{"GetQueueUrl without a name", "GetQueueUrl", `{}`, "QueueName"},
		{"GetQueueUrl with an empty name", "GetQueueUrl", `{"QueueName":""}`, "QueueName"},
		{"CreateQueue without a name", "CreateQueue", `{"Attributes":{"VisibilityTimeout":"5"}}`, "QueueName"},
		{"ChangeMessageVisibility without VisibilityTimeout", "ChangeMessageVisibility", ref(map[string]any{"ReceiptHandle": aws.ToString(m.ReceiptHandle)}), "VisibilityTimeout"},
		{"ChangeMessageVisibility without ReceiptHandle", "ChangeMessageVisibility", ref(map[string]any{"VisibilityTimeout": 0}), "ReceiptHandle"},
		{"DeleteMessage without ReceiptHandle", "DeleteMessage", ref(nil), "ReceiptHandle"},
		{"SendMessage without a body", "SendMessage", ref(nil), "MessageBody"},
		{"SendMessage with an empty body", "SendMessage", ref(map[string]any{"MessageBody": ""}), "MessageBody"},
		{"ReceiveMessage without QueueUrl", "ReceiveMessage", `{}`, "QueueUrl"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wantRawError(t, e.in(t).raw(tc.op, tc.body), "MissingParameter", "MissingParameter", "The request must contain the parameter "+tc.param+".")
		})
	}
	attrs := e.allAttributes(t, url)
	if attrs["ApproximateNumberOfMessagesNotVisible"] != "1" || attrs["ApproximateNumberOfMessages"] != "0" {
		t.Errorf("refused calls changed the queue: %v", attrs)
	}
}

// TestRawErrors: the other answers a raw client can provoke keep SQS's shapes and codes.
func TestRawErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	url := aws.ToString(e.createQueue("events", nil))
	cases := []struct {
		name, op, body     string
		typ, code, message string
	}{
		{"malformed JSON", "SendMessage", `{"QueueUrl":`, "SerializationException", "SerializationException", "malformed"},
		{"member of the wrong type", "GetQueueUrl", `{"QueueName":5}`, "InvalidParameterValue", "InvalidParameterValue", "QueueName"},
		{"unknown operation", "SendMessageBatch", `{}`, "UnknownOperationException", "UnknownOperationException", "SendMessageBatch"},
		{"missing queue", "PurgeQueue", `{"QueueUrl":"` + url + `-gone"}`, "QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue", "does not exist"},
		{"NUL in a body", "SendMessage", `{"QueueUrl":"` + url + `","MessageBody":"a\u0000"}`, "InvalidMessageContents", "InvalidMessageContents", "U+0000"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wantRawError(t, e.in(t).raw(tc.op, tc.body), tc.typ, tc.code, tc.message)
		})
	}
	t.Run("a queue answer", func(t *testing.T) {
		a := e.in(t).raw("GetQueueUrl", `{"QueueName":"events"}`)
		if a.Status != http.StatusOK || a.Body["QueueUrl"] != url {
			t.Errorf("GetQueueUrl = %d %v", a.Status, a.Body)
		}
	})
}

// TestMessageTextIsCheckedAsSent pins review 2 N8: encoding/json would read an unpaired
// surrogate escape or a byte that is not UTF-8 as U+FFFD, which SQS allows; SQS refuses the
// character itself. The body is InvalidMessageContents naming it, an attribute value
// InvalidParameterValue naming the attribute, and nothing is queued; a paired escape is one
// character, and MD5OfMessageBody covers it.
func TestMessageTextIsCheckedAsSent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	url := aws.ToString(e.createQueue("events", nil))
	send := func(body, attrs string) string {
		return `{"QueueUrl":"` + url + `","MessageBody":` + body + attrs + `}`
	}
	cases := []struct {
		name, body         string
		typ, code, message string
	}{
		{"lone high surrogate", send(`"a\ud800"`, ""), "InvalidMessageContents", "InvalidMessageContents", "U+D800"},
		{"lone low surrogate", send(`"\udc00a"`, ""), "InvalidMessageContents", "InvalidMessageContents", "U+DC00"},
		{"high surrogate before a letter", send(`"\ud83d\u0041"`, ""), "InvalidMessageContents", "InvalidMessageContents", "U+D83D"},
		{"reversed pair", send(`"\ude00\ud83d"`, ""), "InvalidMessageContents", "InvalidMessageContents", "U+DE00"},
		{"byte that is not UTF-8", send("\"a\xffb\"", ""), "InvalidMessageContents", "InvalidMessageContents", "U+FFFD"},
		{"lone surrogate in an attribute", send(`"ok"`, `,"MessageAttributes":{"who":{"DataType":"String","StringValue":"x\udfff"}}`),
			"InvalidParameterValue", "InvalidParameterValue", "'who' holds the character U+DFFF"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wantRawError(t, e.in(t).raw("SendMessage", tc.body), tc.typ, tc.code, tc.message)
		})
	}
	if attrs := e.allAttributes(t, aws.String(url)); attrs["ApproximateNumberOfMessages"] != "0" {
		t.Fatalf("refused sends queued messages: %v", attrs)
	}
	a := e.raw("SendMessage", send(`"smile \ud83d\ude00 \\ud800"`, ""))
	sum := md5.Sum([]byte("smile \U0001F600 \\ud800"))
	if a.Status != http.StatusOK || a.Body["MD5OfMessageBody"] != hex.EncodeToString(sum[:]) {
		t.Fatalf("a paired escape: %d %v, want 200 with the MD5 of the decoded text", a.Status, a.Body)
	}
}
