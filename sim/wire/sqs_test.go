package wire_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/dealdesk/dealdesk/sim/wire"
)

type sqsAttributeValue struct {
	DataType    string `json:"DataType"`
	StringValue string `json:"StringValue,omitempty"`
	BinaryValue []byte `json:"BinaryValue,omitempty"`
}

type sendMessageInput struct {
	QueueURL          string                       `json:"QueueUrl"`
	MessageBody       string                       `json:"MessageBody"`
	DelaySeconds      int                          `json:"DelaySeconds,omitempty"`
	MessageAttributes map[string]sqsAttributeValue `json:"MessageAttributes,omitempty"`
}

type sqsMessage struct {
	MessageID         string                       `json:"MessageId"`
	ReceiptHandle     string                       `json:"ReceiptHandle"`
	MD5OfBody         string                       `json:"MD5OfBody"`
	Body              string                       `json:"Body"`
	Attributes        map[string]string            `json:"Attributes,omitempty"`
	MessageAttributes map[string]sqsAttributeValue `json:"MessageAttributes,omitempty"`
}

func md5Hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// sqsHandler keeps the last message sent to the "events" queue and hands it back on receive;
// any other queue does not exist.
func sqsHandler(sent chan<- sendMessageInput) rpcHandler {
	var last sendMessageInput // only touched by this handler, one request at a time per subtest
	return func(w http.ResponseWriter, c wire.Call) {
		if c.Protocol != wire.AWSJSON10 || c.Service != "AmazonSQS" {
			expectCall(w, c, wire.AWSJSON10, "AmazonSQS", c.Operation)
			return
		}
		var in struct {
			QueueURL string `json:"QueueUrl"`
		}
		if err := c.Decode(&in); err != nil {
			wire.WriteError(w, c, http.StatusBadRequest, "com.amazonaws.sqs#InvalidParameterValue", err.Error(), nil)
			return
		}
		if in.QueueURL != "http://sqs.local/000000000000/events" {
			hdr := http.Header{"X-Amzn-Query-Error": {"AWS.SimpleQueueService.NonExistentQueue;Sender"}}
			wire.WriteErrorHeader(w, c, http.StatusBadRequest, "com.amazonaws.sqs#QueueDoesNotExist",
				"The specified queue does not exist.", nil, hdr)
			return
		}
		switch c.Operation {
		case "SendMessage":
			if err := c.Decode(&last); err != nil {
				wire.WriteError(w, c, http.StatusBadRequest, "com.amazonaws.sqs#InvalidParameterValue", err.Error(), nil)
				return
			}
			sent <- last
			wire.WriteResult(w, c, map[string]any{"MessageId": "msg-1", "MD5OfMessageBody": md5Hex(last.MessageBody)})
		case "ReceiveMessage":
			wire.WriteResult(w, c, map[string]any{"Messages": []sqsMessage{{
				MessageID: "msg-1", ReceiptHandle: "rh-1", Body: last.MessageBody, MD5OfBody: md5Hex(last.MessageBody),
				Attributes:        map[string]string{"ApproximateReceiveCount": "1", "SentTimestamp": "1772600767000"},
				MessageAttributes: last.MessageAttributes,
			}}})
		default:
			wire.WriteError(w, c, http.StatusBadRequest, "UnknownOperationException", "unknown operation", nil)
		}
	}
}

func TestSQSRoundTrip(t *testing.T) {
	t.Parallel()
	sent := make(chan sendMessageInput, 1)
	url := newRPCServer(t, sqsHandler(sent))
	client := sqs.NewFromConfig(awsConfig(), func(o *sqs.Options) { o.BaseEndpoint = aws.String(url) })
	queue := "http://sqs.local/000000000000/events"
	blob := []byte{0, 1, 2, 0xfe, 0xff, '"', '<'}
	body := `{"detail-type":"Offer Released","detail":{"a":"<b>&"}}`

	out, err := client.SendMessage(context.Background(), &sqs.SendMessageInput{
		QueueUrl:    aws.String(queue),
		MessageBody: aws.String(body),
		MessageAttributes: map[string]sqstypes.MessageAttributeValue{
			"kind": {DataType: aws.String("String"), StringValue: aws.String("offer")},
			"raw":  {DataType: aws.String("Binary"), BinaryValue: blob},
		},
	})
	if err != nil {
		t.Fatalf("SendMessage: %v", err)
	}
	in := <-sent
	if in.MessageBody != body || in.MessageAttributes["kind"].StringValue != "offer" ||
		!bytes.Equal(in.MessageAttributes["raw"].BinaryValue, blob) {
		t.Errorf("handler decoded %+v", in)
	}
	if aws.ToString(out.MessageId) != "msg-1" || aws.ToString(out.MD5OfMessageBody) != md5Hex(body) {
		t.Errorf("SendMessage output = %+v", out)
	}

	got, err := client.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(queue), WaitTimeSeconds: 1})
	if err != nil {
		t.Fatalf("ReceiveMessage: %v", err)
	}
	if len(got.Messages) != 1 {
		t.Fatalf("got %d messages", len(got.Messages))
	}
	m := got.Messages[0]
	if aws.ToString(m.Body) != body || aws.ToString(m.ReceiptHandle) != "rh-1" || m.Attributes["ApproximateReceiveCount"] != "1" ||
		!bytes.Equal(m.MessageAttributes["raw"].BinaryValue, blob) || aws.ToString(m.MessageAttributes["kind"].StringValue) != "offer" {
		t.Errorf("received %+v", m)
	}
}

func TestSQSQueueDoesNotExistIsTyped(t *testing.T) {
	t.Parallel()
	url := newRPCServer(t, sqsHandler(make(chan sendMessageInput, 1)))
	client := sqs.NewFromConfig(awsConfig(), func(o *sqs.Options) { o.BaseEndpoint = aws.String(url) })

	_, err := client.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: aws.String("http://sqs.local/000000000000/nope")})
	var e *sqstypes.QueueDoesNotExist
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not QueueDoesNotExist", err, err)
	}
	if e.ErrorMessage() != "The specified queue does not exist." {
		t.Errorf("message = %q", e.ErrorMessage())
	}
	// The query-compatible header gives the legacy code, as from AWS.
	if e.ErrorCode() != "AWS.SimpleQueueService.NonExistentQueue" {
		t.Errorf("error code = %q, want AWS.SimpleQueueService.NonExistentQueue", e.ErrorCode())
	}
}
