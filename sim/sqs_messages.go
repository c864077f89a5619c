package sim

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/dealdesk/dealdesk/sim/wire"
)

// SendToQueue appends body to the vendor's queue name; it implements eventbus.QueueSender.
func (q *sqsService) SendToQueue(queueName, body string) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	qu := q.queues[q.s.seed.seed.Seller.AccountID+"/"+queueName]
	if qu == nil {
		return fmt.Errorf("queue %s does not exist in account %s", queueName, q.s.seed.seed.Seller.AccountID)
	}
	q.enqueueLocked(qu, body, 0, nil)
	return nil
}

func (q *sqsService) enqueueLocked(qu *Queue, body string, delay int, attrs json.RawMessage) *queueMessage {
	sum := md5.Sum([]byte(body))
	now := q.s.now()
	m := &queueMessage{ID: newMeteringRecordID(), Body: body, MD5: hex.EncodeToString(sum[:]), SentAt: now,
		VisibleAt: now.Add(time.Duration(delay) * time.Second), MessageAttributes: attrs}
	qu.Messages = append(qu.Messages, m)
	close(qu.notify)
	qu.notify = make(chan struct{})
	q.s.markDirty()
	return m
}

func (q *sqsService) sendMessage(r *http.Request, acct string, c wire.Call) (any, error) {
	var in struct {
		QueueURL          string          `json:"QueueUrl"`
		MessageBody       *string         `json:"MessageBody"`
		DelaySeconds      int             `json:"DelaySeconds"`
		MessageAttributes json.RawMessage `json:"MessageAttributes"`
	}
	if err := decodeSQS(c, &in); err != nil {
		return nil, err
	}
	if in.MessageBody == nil || *in.MessageBody == "" {
		return nil, sqsError("MissingParameter", "MessageBody is required")
	}
	if len(*in.MessageBody) > 262144 {
		return nil, sqsError("InvalidParameterValue", "MessageBody is longer than 262144 bytes")
	}
	if in.DelaySeconds < 0 || in.DelaySeconds > 900 {
		return nil, sqsError("InvalidParameterValue", "DelaySeconds must be 0-900, got %d", in.DelaySeconds)
	}
	return q.onQueue(in.QueueURL, func(qu *Queue) (any, error) {
		m := q.enqueueLocked(qu, *in.MessageBody, in.DelaySeconds, in.MessageAttributes)
		return map[string]string{"MessageId": m.ID, "MD5OfMessageBody": m.MD5}, nil
	})
}

type receiveInput struct {
	QueueURL                    string   `json:"QueueUrl"`
	MaxNumberOfMessages         *int     `json:"MaxNumberOfMessages"`
	VisibilityTimeout           *int     `json:"VisibilityTimeout"`
	WaitTimeSeconds             *int     `json:"WaitTimeSeconds"`
	AttributeNames              []string `json:"AttributeNames"`
	MessageSystemAttributeNames []string `json:"MessageSystemAttributeNames"`
	MessageAttributeNames       []string `json:"MessageAttributeNames"`
	ReceiveRequestAttemptID     string   `json:"ReceiveRequestAttemptId"`
}

// receiveMessage returns up to MaxNumberOfMessages visible messages, hiding each for the
// visibility timeout. With WaitTimeSeconds it long-polls: it waits for a send, for a hidden
// message to become visible again, or for the deadline, never spinning.
func (q *sqsService) receiveMessage(r *http.Request, acct string, c wire.Call) (any, error) {
	var in receiveInput
	if err := decodeSQS(c, &in); err != nil {
		return nil, err
	}
	max, wait := 1, 0
	if in.MaxNumberOfMessages != nil {
		max = *in.MaxNumberOfMessages
		if max < 1 || max > 10 {
			return nil, sqsError("InvalidParameterValue", "MaxNumberOfMessages must be 1-10, got %d", max)
		}
	}
	if in.WaitTimeSeconds != nil {
		wait = *in.WaitTimeSeconds
		if wait < 0 || wait > 20 {
			return nil, sqsError("InvalidParameterValue", "WaitTimeSeconds must be 0-20, got %d", wait)
		}
	}
	if in.VisibilityTimeout != nil && (*in.VisibilityTimeout < 0 || *in.VisibilityTimeout > 43200) {
		return nil, sqsError("InvalidParameterValue", "VisibilityTimeout must be 0-43200, got %d", *in.VisibilityTimeout)
	}
	deadline := time.NewTimer(time.Duration(wait) * time.Second)
	defer deadline.Stop()
	for {
		q.mu.Lock()
		qu, err := q.lookup(in.QueueURL)
		if err != nil {
			q.mu.Unlock()
			return nil, err
		}
		msgs, nextVisible := q.takeLocked(qu, max, in)
		notify := qu.notify
		q.mu.Unlock()
		if len(msgs) > 0 || wait == 0 {
			return map[string]any{"Messages": emptyIfNil(msgs)}, nil
		}
		var wake <-chan time.Time
		if !nextVisible.IsZero() {
			t := time.NewTimer(nextVisible.Sub(q.s.now()))
			defer t.Stop()
			wake = t.C
		}
		select {
		case <-notify:
		case <-wake:
		case <-deadline.C:
			return map[string]any{"Messages": []any{}}, nil
		case <-r.Context().Done():
			return map[string]any{"Messages": []any{}}, nil
		case <-q.closed:
			return map[string]any{"Messages": []any{}}, nil
		}
	}
}

// takeLocked hides and returns up to max visible messages, and the earliest time a hidden
// message becomes visible.
func (q *sqsService) takeLocked(qu *Queue, max int, in receiveInput) ([]map[string]any, time.Time) {
	now := q.s.now()
	vis := qu.VisibilityTimeout
	if in.VisibilityTimeout != nil {
		vis = *in.VisibilityTimeout
	}
	wantAttrs := len(in.AttributeNames) > 0 || len(in.MessageSystemAttributeNames) > 0
	wantMsgAttrs := len(in.MessageAttributeNames) > 0
	var out []map[string]any
	var next time.Time
	for _, m := range qu.Messages {
		if now.Before(m.VisibleAt) {
			if next.IsZero() || m.VisibleAt.Before(next) {
				next = m.VisibleAt
			}
			continue
		}
		if len(out) == max {
			continue
		}
		m.ReceiveCount++
		if m.FirstReceiveAt.IsZero() {
			m.FirstReceiveAt = now
		}
		m.VisibleAt = now.Add(time.Duration(vis) * time.Second)
		m.ReceiptHandle = m.ID + "#" + randomHex(16)
		msg := map[string]any{"MessageId": m.ID, "ReceiptHandle": m.ReceiptHandle, "MD5OfBody": m.MD5, "Body": m.Body}
		if wantAttrs {
			msg["Attributes"] = map[string]string{
				"ApproximateReceiveCount":          strconv.Itoa(m.ReceiveCount),
				"SentTimestamp":                    strconv.FormatInt(m.SentAt.UnixMilli(), 10),
				"ApproximateFirstReceiveTimestamp": strconv.FormatInt(m.FirstReceiveAt.UnixMilli(), 10),
				"SenderId":                         qu.Account,
			}
		}
		if wantMsgAttrs && len(m.MessageAttributes) > 0 {
			msg["MessageAttributes"] = m.MessageAttributes
		}
		out = append(out, msg)
	}
	if len(out) > 0 {
		q.s.markDirty()
	}
	return out, next
}

func (q *sqsService) deleteMessage(r *http.Request, acct string, c wire.Call) (any, error) {
	var in struct {
		QueueURL      string `json:"QueueUrl"`
		ReceiptHandle string `json:"ReceiptHandle"`
	}
	if err := decodeSQS(c, &in); err != nil {
		return nil, err
	}
	return q.onQueue(in.QueueURL, func(qu *Queue) (any, error) {
		id, _, ok := strings.Cut(in.ReceiptHandle, "#")
		if !ok {
			return nil, sqsError("ReceiptHandleIsInvalid", "The input receipt handle %q is not a valid receipt handle.", in.ReceiptHandle)
		}
		for i, m := range qu.Messages {
			if m.ID == id {
				qu.Messages = append(qu.Messages[:i], qu.Messages[i+1:]...)
				q.s.markDirty()
				return struct{}{}, nil
			}
		}
		return struct{}{}, nil // deleting an already deleted message succeeds, as in SQS
	})
}

func (q *sqsService) changeMessageVisibility(r *http.Request, acct string, c wire.Call) (any, error) {
	var in struct {
		QueueURL          string `json:"QueueUrl"`
		ReceiptHandle     string `json:"ReceiptHandle"`
		VisibilityTimeout int    `json:"VisibilityTimeout"`
	}
	if err := decodeSQS(c, &in); err != nil {
		return nil, err
	}
	if in.VisibilityTimeout < 0 || in.VisibilityTimeout > 43200 {
		return nil, sqsError("InvalidParameterValue", "VisibilityTimeout must be 0-43200, got %d", in.VisibilityTimeout)
	}
	return q.onQueue(in.QueueURL, func(qu *Queue) (any, error) {
		for _, m := range qu.Messages {
			if m.ReceiptHandle == in.ReceiptHandle && in.ReceiptHandle != "" {
				m.VisibleAt = q.s.now().Add(time.Duration(in.VisibilityTimeout) * time.Second)
				if in.VisibilityTimeout == 0 {
					close(qu.notify)
					qu.notify = make(chan struct{})
				}
				q.s.markDirty()
				return struct{}{}, nil
			}
		}
		return nil, sqsError("ReceiptHandleIsInvalid", "The input receipt handle %q is not a valid receipt handle.", in.ReceiptHandle)
	})
}
