package worker_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/awsmp"
	"github.com/dealdesk/dealdesk/sqldb"
	"github.com/dealdesk/dealdesk/sqldb/sqldbtest"
	"github.com/dealdesk/dealdesk/worker"
)

// sdkQueue is dealdesk.EventQueue over the real SDK's SQS client, built by awsmp from the
// connection, as the AWS adapter does.
type sdkQueue struct{}

func (sdkQueue) client(ctx context.Context, conn *dealdesk.AWSConnection) (*sqs.Client, error) {
	cfg, err := awsmp.Config(ctx, conn)
	if err != nil {
		return nil, err
	}
	return awsmp.SQSClient(cfg), nil
}

func (q sdkQueue) ReceiveMessages(ctx context.Context, conn *dealdesk.AWSConnection, max, wait int) ([]dealdesk.SQSMessage, error) {
	c, err := q.client(ctx, conn)
	if err != nil {
		return nil, err
	}
	out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(conn.SQSQueueURL),
		MaxNumberOfMessages: int32(max), WaitTimeSeconds: int32(wait)})
	if err != nil {
		return nil, err
	}
	msgs := make([]dealdesk.SQSMessage, 0, len(out.Messages))
	for _, m := range out.Messages {
		msgs = append(msgs, dealdesk.SQSMessage{MessageID: aws.ToString(m.MessageId), ReceiptHandle: aws.ToString(m.ReceiptHandle), Body: aws.ToString(m.Body)})
	}
	return msgs, nil
}

func (q sdkQueue) DeleteMessage(ctx context.Context, conn *dealdesk.AWSConnection, receipt string) error {
	c, err := q.client(ctx, conn)
	if err != nil {
		return err
	}
	_, err = c.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(conn.SQSQueueURL), ReceiptHandle: aws.String(receipt)})
	return err
}

// signalQueue is sdkQueue, telling the test of every message deleted.
type signalQueue struct {
	sdkQueue
	deleted chan string
}

func (q signalQueue) DeleteMessage(ctx context.Context, conn *dealdesk.AWSConnection, receipt string) error {
	err := q.sdkQueue.DeleteMessage(ctx, conn, receipt)
	if err == nil {
		q.deleted <- receipt
	}
	return err
}

// signalStore is the store, telling the test of every inbox event stored.
type signalStore struct {
	*sqldb.DB
	stored chan *dealdesk.InboxEvent
}

func (s *signalStore) StoreInboxEvent(ctx context.Context, ev *dealdesk.InboxEvent) (*dealdesk.InboxEvent, bool, error) {
	got, created, err := s.DB.StoreInboxEvent(ctx, ev)
	if err == nil {
		s.stored <- got
	}
	return got, created, err
}

// sqsSetup makes the simulator deliver its EventBridge events to a queue named in org's AWS
// connection, and returns the connection and an SQS client.
func (e *env) sqsSetup(o *org) (*dealdesk.AWSConnection, *sqs.Client) {
	t := e.t
	t.Helper()
	conn, err := e.db.AWSConnectionWithSecret(o.ctx)
	if err != nil {
		t.Fatal(err)
	}
	c, err := sdkQueue{}.client(o.ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	q, err := c.CreateQueue(o.ctx, &sqs.CreateQueueInput{QueueName: aws.String("dealdesk-events")})
	if err != nil {
		t.Fatalf("CreateQueue: %v", err)
	}
	if _, err := e.db.SaveAWSConnection(o.ctx, dealdesk.AWSConnectionInput{SellerAccountID: seller, Region: "us-east-1",
		CredentialsMode: dealdesk.CredentialsStaticKeys, AccessKeyID: conn.AccessKeyID, EndpointURL: e.url,
		SQSQueueURL: aws.ToString(q.QueueUrl)}); err != nil {
		t.Fatal(err)
	}
	e.control("PUT", "/_sim/events", map[string]any{"targets": []any{map[string]any{"name": "queue", "type": "sqs", "queueName": "dealdesk-events"}}}, nil)
	conn, err = e.db.AWSConnectionWithSecret(o.ctx)
	if err != nil {
		t.Fatal(err)
	}
	return conn, c
}

// queued returns how many messages conn's queue holds, visible or in flight.
func queued(t *testing.T, ctx context.Context, c *sqs.Client, conn *dealdesk.AWSConnection) int {
	t.Helper()
	out, err := c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(conn.SQSQueueURL),
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameApproximateNumberOfMessages,
			sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible}})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, v := range out.Attributes {
		k, _ := strconv.Atoi(v)
		n += k
	}
	return n
}

// TestSQSPoller stores what the simulator delivers to the organization's queue and deletes each
// message once stored; a body that is no event is stored MALFORMED and deleted too.
func TestSQSPoller(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := newEnv(t, engine)
		o := e.newOrg("Acme", true)
		conn, c := e.sqsSetup(o)
		_, raID := e.publish(o)
		offerID := e.createOffer(raID)
		e.accept(offerID)
		if _, err := c.SendMessage(o.ctx, &sqs.SendMessageInput{QueueUrl: aws.String(conn.SQSQueueURL), MessageBody: aws.String("not an event")}); err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, ev := range e.events() {
			want = append(want, ev.ID)
		}
		store := &signalStore{DB: e.db, stored: make(chan *dealdesk.InboxEvent, 100)}
		queue := signalQueue{deleted: make(chan string, 100)}
		p, err := worker.NewSQSPoller(worker.SQSPollerConfig{Store: store, Queue: queue,
			Organizations: func(context.Context) ([]string, error) { return []string{o.id}, nil }})
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		timeout := time.After(30 * time.Second)
		for deleted := 0; deleted < len(want)+1; {
			select {
			case <-queue.deleted:
				deleted++
			case <-timeout:
				t.Fatalf("deleted %d messages within 30s, want %d", deleted, len(want)+1)
			}
		}
		stopCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := p.Stop(stopCtx); err != nil {
			t.Fatalf("Stop: %v", err)
		}
		close(store.stored)
		got := map[string]*dealdesk.InboxEvent{}
		for ev := range store.stored {
			if got[ev.EventID] != nil {
				t.Errorf("event %s stored twice", ev.EventID)
			}
			got[ev.EventID] = ev
		}
		if len(got) != len(want)+1 {
			t.Errorf("stored %d events, want %d", len(got), len(want)+1)
		}
		for _, id := range want {
			ev := got[id]
			if ev == nil || ev.Channel != dealdesk.ChannelSQS || ev.Status != dealdesk.InboxReceived {
				t.Errorf("event %s stored as %+v, want RECEIVED from SQS", id, ev)
			}
		}
		malformed := 0
		for _, ev := range got {
			if ev.Status == dealdesk.InboxMalformed && string(ev.Body) == "not an event" && ev.Error != "" {
				malformed++
			}
		}
		if malformed != 1 {
			t.Errorf("%d malformed bodies stored, want 1", malformed)
		}
		if n := queued(t, o.ctx, c, conn); n != 0 {
			t.Errorf("%d messages left on the queue, want 0 (each deleted once stored)", n)
		}
	})
}

// TestSQSPoller_ForeignAccount (review F13): an event on the queue whose EventBridge account is
// not the organization's seller account is stored UNKNOWN with the reason, not queued for
// applying; one of the seller account is stored RECEIVED.
func TestSQSPoller_ForeignAccount(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := newEnv(t, engine)
		o := e.newOrg("Acme", true)
		conn, c := e.sqsSetup(o)
		event := func(id, account string) string {
			return `{"version":"0","id":"` + id + `","detail-type":"Change Set Succeeded","source":"aws.marketplacecatalog",` +
				`"account":"` + account + `","time":"2026-01-02T03:04:05Z","region":"us-east-1","resources":[],"detail":{"ChangeSetId":"cs-1"}}`
		}
		for _, body := range []string{event("mine-1", seller), event("theirs-1", "999988887777")} {
			if _, err := c.SendMessage(o.ctx, &sqs.SendMessageInput{QueueUrl: aws.String(conn.SQSQueueURL), MessageBody: aws.String(body)}); err != nil {
				t.Fatal(err)
			}
		}
		p, err := worker.NewSQSPoller(worker.SQSPollerConfig{Store: e.db, Queue: sdkQueue{},
			Organizations: func(context.Context) ([]string, error) { return nil, nil }})
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 5 && queued(t, o.ctx, c, conn) > 0; i++ {
			if err := p.PollOnce(o.ctx, conn); err != nil {
				t.Fatalf("PollOnce: %v", err)
			}
		}
		evs, _, err := e.db.FindInboxEvents(o.ctx, dealdesk.InboxEventFilter{})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]*dealdesk.InboxEvent{}
		for _, ev := range evs {
			got[ev.EventID] = ev
		}
		if ev := got["mine-1"]; ev == nil || ev.Status != dealdesk.InboxReceived {
			t.Errorf("the seller account's event stored as %+v, want RECEIVED", ev)
		}
		if ev := got["theirs-1"]; ev == nil || ev.Status != dealdesk.InboxUnknown || !strings.Contains(ev.Error, "999988887777") {
			t.Errorf("another account's event stored as %+v, want UNKNOWN naming the account", ev)
		}
	})
}
