package awsmp

import (
	"context"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/dealdesk/dealdesk"
)

// Queue implements dealdesk.EventQueue with the SQS client of each connection (SQS
// ReceiveMessage and DeleteMessage on conn.SQSQueueURL). Like Catalog it keeps one client per
// connection; a changed connection gets a new client. Errors are *dealdesk.AWSError.
type Queue struct {
	opts    []Option
	mu      sync.Mutex
	clients map[string]*sqs.Client
}

var _ dealdesk.EventQueue = (*Queue)(nil)

// NewQueue returns a Queue whose clients Config builds with opts.
func NewQueue(opts ...Option) *Queue {
	return &Queue{opts: opts, clients: map[string]*sqs.Client{}}
}

// client returns the SQS client of conn; conn must name a queue.
func (q *Queue) client(ctx context.Context, conn *dealdesk.AWSConnection) (*sqs.Client, error) {
	if conn == nil || conn.SQSQueueURL == "" {
		return nil, fmt.Errorf("awsmp: the AWS connection names no SQS queue")
	}
	key := connectionKey(conn)
	q.mu.Lock()
	defer q.mu.Unlock()
	if cl := q.clients[key]; cl != nil {
		return cl, nil
	}
	cfg, err := Config(ctx, conn, q.opts...)
	if err != nil {
		return nil, err
	}
	cl := SQSClient(cfg)
	q.clients[key] = cl
	return cl, nil
}

// ReceiveMessages long-polls conn's queue for up to waitSeconds (0..20) and returns at most max
// (1..10) messages (SQS ReceiveMessage: WaitTimeSeconds, MaxNumberOfMessages); none when the
// wait ended empty.
func (q *Queue) ReceiveMessages(ctx context.Context, conn *dealdesk.AWSConnection, max, waitSeconds int) ([]dealdesk.SQSMessage, error) {
	cl, err := q.client(ctx, conn)
	if err != nil {
		return nil, err
	}
	out, err := cl.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
		QueueUrl:            aws.String(conn.SQSQueueURL),
		MaxNumberOfMessages: int32(max),
		WaitTimeSeconds:     int32(waitSeconds),
	})
	if err != nil {
		return nil, awsError("ReceiveMessage", err)
	}
	msgs := make([]dealdesk.SQSMessage, 0, len(out.Messages))
	for _, m := range out.Messages {
		msgs = append(msgs, dealdesk.SQSMessage{MessageID: aws.ToString(m.MessageId),
			ReceiptHandle: aws.ToString(m.ReceiptHandle), Body: aws.ToString(m.Body)})
	}
	return msgs, nil
}

// DeleteMessage deletes a received message of conn's queue by its receipt handle (SQS
// DeleteMessage).
func (q *Queue) DeleteMessage(ctx context.Context, conn *dealdesk.AWSConnection, receiptHandle string) error {
	cl, err := q.client(ctx, conn)
	if err != nil {
		return err
	}
	_, err = cl.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(conn.SQSQueueURL), ReceiptHandle: aws.String(receiptHandle)})
	return awsError("DeleteMessage", err)
}
