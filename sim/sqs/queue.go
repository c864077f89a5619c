package sqs

import (
	"strconv"
	"strings"
	"time"
)

// Queue is one simulated queue. Attributes hold the settable queue attributes (see
// queueAttributes) with their defaults filled in, as strings the way SQS returns them.
type Queue struct {
	Name       string            `json:"name"`
	Account    string            `json:"account"`
	CreatedAt  time.Time         `json:"createdAt"`
	Attributes map[string]string `json:"attributes,omitempty"`
	Tags       map[string]string `json:"tags,omitempty"`
	Messages   []*Message        `json:"messages"`
	// LastPurge is when PurgeQueue last ran; another within 60 s is PurgeQueueInProgress.
	LastPurge time.Time `json:"lastPurge,omitzero"`
	// Sequence is the last SequenceNumber given on a FIFO queue.
	Sequence int64 `json:"sequence,omitempty"`
	// Dedup maps a FIFO queue's deduplication keys to the message they admitted.
	Dedup map[string]Dedup `json:"dedup,omitempty"`
	// LegacyVisibilityTimeout is the visibility timeout of state files written before the
	// attributes were kept whole; it is read once, into Attributes.
	LegacyVisibilityTimeout int `json:"visibilityTimeout,omitempty"`

	notify chan struct{} // closed and replaced when a message may have become receivable
}

// Dedup is a FIFO deduplication entry: the message admitted under the key, until Expires.
type Dedup struct {
	MessageID string    `json:"messageId"`
	Sequence  string    `json:"sequence"`
	Expires   time.Time `json:"expires"`
}

// Message is one message of a queue.
type Message struct {
	ID                string                           `json:"id"`
	Body              string                           `json:"body"`
	MD5               string                           `json:"md5"`
	SentAt            time.Time                        `json:"sentAt"`
	VisibleAt         time.Time                        `json:"visibleAt"`
	ReceiveCount      int                              `json:"receiveCount"`
	FirstReceiveAt    time.Time                        `json:"firstReceiveAt,omitzero"`
	ReceiptHandle     string                           `json:"receiptHandle,omitempty"`
	MessageAttributes map[string]MessageAttributeValue `json:"messageAttributes,omitempty"`
	SenderID          string                           `json:"senderId,omitempty"`
	GroupID           string                           `json:"groupId,omitempty"`
	DeduplicationID   string                           `json:"deduplicationId,omitempty"`
	Sequence          string                           `json:"sequence,omitempty"`
	// DeadLetterSource is the ARN of the queue a dead-lettered message came from.
	DeadLetterSource string `json:"deadLetterSource,omitempty"`
}

// inFlight reports whether m has been received and is hidden by its visibility timeout.
func (m *Message) inFlight(now time.Time) bool {
	return m.ReceiveCount > 0 && now.Before(m.VisibleAt)
}

func (q *Queue) key() string { return q.Account + "/" + q.Name }

// fifo reports whether q is a FIFO queue.
func (q *Queue) fifo() bool { return q.Attributes[attrFifoQueue] == "true" }

// intAttr returns an integer attribute (always valid: attributes are checked when set).
func (q *Queue) intAttr(name string) int {
	n, _ := strconv.Atoi(q.Attributes[name])
	return n
}

// arn is the queue's ARN in region.
func (q *Queue) arn(region string) string {
	return "arn:aws:sqs:" + region + ":" + q.Account + ":" + q.Name
}

// wake tells long polls waiting on q to look again.
func (q *Queue) wake() {
	close(q.notify)
	q.notify = make(chan struct{})
}

// parseQueueArn splits arn:aws:sqs:<region>:<account>:<name>.
func parseQueueArn(arn string) (region, account, name string, ok bool) {
	p := strings.Split(arn, ":")
	if len(p) != 6 || p[0] != "arn" || p[1] == "" || p[2] != "sqs" || p[3] == "" || p[4] == "" || p[5] == "" {
		return "", "", "", false
	}
	return p[3], p[4], p[5], true
}
