package sqs_test

import (
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
