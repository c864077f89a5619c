package awsmp_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/dealdesk/dealdesk/awsmp"
)

// TestQueueReceivesAndDeletes: the Queue receives a message sent to the connection's queue of
// the simulator, with its ID, receipt handle and body, and deletes it: a second receive finds
// the queue empty. A connection that names no queue is refused before any call.
func TestQueueReceivesAndDeletes(t *testing.T) {
	t.Parallel()
	e := newSim(t, false)
	ctx := context.Background()
	cfg, err := awsmp.Config(ctx, e.conn)
	if err != nil {
		t.Fatal(err)
	}
	client := awsmp.SQSClient(cfg)
	created, err := client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("marketplace-events")})
	if err != nil {
		t.Fatal(err)
	}
	sent, err := client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: created.QueueUrl, MessageBody: aws.String(`{"id":"ev-1"}`)})
	if err != nil {
		t.Fatal(err)
	}
	conn := *e.conn
	conn.SQSQueueURL = aws.ToString(created.QueueUrl)
	q := awsmp.NewQueue()

	msgs, err := q.ReceiveMessages(ctx, &conn, 10, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 || msgs[0].MessageID != aws.ToString(sent.MessageId) || msgs[0].Body != `{"id":"ev-1"}` || msgs[0].ReceiptHandle == "" {
		t.Fatalf("received %+v, want the message sent (%s)", msgs, aws.ToString(sent.MessageId))
	}
	if err := q.DeleteMessage(ctx, &conn, msgs[0].ReceiptHandle); err != nil {
		t.Fatal(err)
	}
	attrs, err := client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: created.QueueUrl,
		AttributeNames: []sqstypes.QueueAttributeName{"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"}})
	if err != nil {
		t.Fatal(err)
	}
	if attrs.Attributes["ApproximateNumberOfMessages"] != "0" || attrs.Attributes["ApproximateNumberOfMessagesNotVisible"] != "0" {
		t.Fatalf("after DeleteMessage the queue holds %v, want nothing", attrs.Attributes)
	}

	if _, err := q.ReceiveMessages(ctx, e.conn, 10, 0); err == nil {
		t.Fatal("ReceiveMessages on a connection without a queue URL: no error")
	}
}
