package sqs

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/dealdesk/dealdesk/internal/jsonraw"
	"github.com/dealdesk/dealdesk/sim/wire"
)

func newMessageID() string { return uuid.NewString() }

func newReceiptHandle(id string) string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return id + "#" + hex.EncodeToString(b)
}

type sendInput struct {
	QueueURL               string                           `json:"QueueUrl"`
	MessageBody            *string                          `json:"MessageBody"`
	DelaySeconds           *int                             `json:"DelaySeconds"`
	MessageAttributes      map[string]MessageAttributeValue `json:"MessageAttributes"`
	MessageGroupID         string                           `json:"MessageGroupId"`
	MessageDeduplicationID string                           `json:"MessageDeduplicationId"`
}

type sendOutput struct {
	MessageID              string `json:"MessageId"`
	MD5OfMessageBody       string `json:"MD5OfMessageBody"`
	MD5OfMessageAttributes string `json:"MD5OfMessageAttributes,omitempty"`
	SequenceNumber         string `json:"SequenceNumber,omitempty"`
}

// sendMessage appends a message. A missing or empty body is MissingParameter; a body holding a
// character SQS does not allow is InvalidMessageContents, checked on the JSON string as sent, so
// that an unpaired surrogate escape is refused rather than decoded to U+FFFD; bad message attributes, a delay
// outside 0..900 s or a message larger than the queue's MaximumMessageSize (body plus
// attributes) are InvalidParameterValue. The answer carries MD5OfMessageAttributes when the
// message has attributes.
func (s *Service) sendMessage(r *http.Request, acct string, c wire.Call) (any, error) {
	var in sendInput
	if err := decode(c, &in); err != nil {
		return nil, err
	}
	if in.MessageBody == nil || *in.MessageBody == "" {
		return nil, missing("MessageBody")
	}
	var raw rawTexts
	if err := json.Unmarshal(c.Body, &raw); err != nil {
		return nil, newError(errInvalidParameterValue, "%v", err) // not reached: c.Body decoded above
	}
	ch, bad := jsonraw.HiddenRune(raw.MessageBody)
	if !bad {
		ch, bad = forbiddenRune(*in.MessageBody)
	}
	if bad {
		return nil, newError(errInvalidMessageContents, "Invalid binary character '%U' was found in the message body, the set of allowed characters is #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF", ch)
	}
	for name, a := range raw.MessageAttributes {
		if r, ok := jsonraw.HiddenRune(a.StringValue); ok {
			return nil, newError(errInvalidParameterValue, "Message (user) attribute '%s' holds the character %U, which SQS does not allow.", name, r)
		}
	}
	if in.DelaySeconds != nil && (*in.DelaySeconds < 0 || *in.DelaySeconds > 900) {
		return nil, newError(errInvalidParameterValue, "Value %d for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900.", *in.DelaySeconds)
	}
	if err := checkMessageAttributes(in.MessageAttributes); err != nil {
		return nil, err
	}
	return s.onQueue(in.QueueURL, func(q *Queue) (any, error) {
		return s.enqueueLocked(q, in, acct)
	})
}

// enqueueLocked applies the queue's own rules to in (size, FIFO group and deduplication) and
// appends the message, with s.mu held.
func (s *Service) enqueueLocked(q *Queue, in sendInput, sender string) (sendOutput, error) {
	body := *in.MessageBody
	if size, limit := len(body)+attributesSize(in.MessageAttributes), q.intAttr(attrMaximumMessageSize); size > limit {
		return sendOutput{}, newError(errInvalidParameterValue, "One or more parameters are invalid. Reason: Message must be shorter than %d bytes.", limit)
	}
	now := s.now()
	s.expireLocked(q, now)
	delay := q.intAttr(attrDelaySeconds)
	m := &Message{ID: newMessageID(), Body: body, SentAt: now, MessageAttributes: in.MessageAttributes, SenderID: sender,
		GroupID: in.MessageGroupID}
	if q.fifo() {
		if in.MessageGroupID == "" {
			return sendOutput{}, missing("MessageGroupId")
		}
		if in.DelaySeconds != nil && *in.DelaySeconds != 0 {
			return sendOutput{}, newError(errInvalidParameterValue, "Value %d for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type.", *in.DelaySeconds)
		}
		dedupID := in.MessageDeduplicationID
		if dedupID == "" {
			if q.Attributes[attrContentBasedDeduplication] != "true" {
				return sendOutput{}, newError(errInvalidParameterValue, "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly")
			}
			sum := sha256.Sum256([]byte(body))
			dedupID = hex.EncodeToString(sum[:])
		}
		key := dedupID
		if q.Attributes[attrDeduplicationScope] == "messageGroup" {
			key = in.MessageGroupID + "/" + dedupID
		}
		if d, ok := q.Dedup[key]; ok {
			// A duplicate within the deduplication interval is accepted and not delivered again.
			return sendOutput{MessageID: d.MessageID, MD5OfMessageBody: md5Hex(body),
				MD5OfMessageAttributes: md5OfMessageAttributes(in.MessageAttributes), SequenceNumber: d.Sequence}, nil
		}
		q.Sequence++
		m.DeduplicationID, m.Sequence = dedupID, fmt.Sprintf("%020d", q.Sequence)
		if q.Dedup == nil {
			q.Dedup = map[string]Dedup{}
		}
		q.Dedup[key] = Dedup{MessageID: m.ID, Sequence: m.Sequence, Expires: now.Add(fifoDedupInterval * time.Second)}
	} else {
		if in.MessageDeduplicationID != "" {
			return sendOutput{}, newError(errInvalidParameterValue, "The request include parameter MessageDeduplicationId that is not valid for this queue type.")
		}
		if in.DelaySeconds != nil {
			delay = *in.DelaySeconds
		}
	}
	m.MD5 = md5Hex(body)
	m.VisibleAt = now.Add(time.Duration(delay) * time.Second)
	q.Messages = append(q.Messages, m)
	q.wake()
	s.cfg.OnChange()
	return sendOutput{MessageID: m.ID, MD5OfMessageBody: m.MD5, MD5OfMessageAttributes: md5OfMessageAttributes(m.MessageAttributes),
		SequenceNumber: m.Sequence}, nil
}

func md5Hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// expireLocked drops the messages older than the queue's MessageRetentionPeriod and the FIFO
// deduplication entries past their interval.
func (s *Service) expireLocked(q *Queue, now time.Time) {
	keep := now.Add(-time.Duration(q.intAttr(attrMessageRetentionPeriod)) * time.Second)
	n := len(q.Messages)
	q.Messages = slices.DeleteFunc(q.Messages, func(m *Message) bool { return !m.SentAt.After(keep) })
	for k, d := range q.Dedup {
		if !now.Before(d.Expires) {
			delete(q.Dedup, k)
		}
	}
	if len(q.Messages) != n {
		s.cfg.OnChange()
	}
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

type receivedMessage struct {
	MessageID              string                           `json:"MessageId"`
	ReceiptHandle          string                           `json:"ReceiptHandle"`
	MD5OfBody              string                           `json:"MD5OfBody"`
	Body                   string                           `json:"Body"`
	Attributes             map[string]string                `json:"Attributes,omitempty"`
	MD5OfMessageAttributes string                           `json:"MD5OfMessageAttributes,omitempty"`
	MessageAttributes      map[string]MessageAttributeValue `json:"MessageAttributes,omitempty"`
}

type receiveOutput struct {
	Messages []receivedMessage `json:"Messages,omitempty"`
}

// receiveMessage returns up to MaxNumberOfMessages receivable messages, hiding each for the
// visibility timeout. Each carries the system attributes (AttributeNames and
// MessageSystemAttributeNames) and message attributes (MessageAttributeNames) asked for, and
// MD5OfMessageAttributes of those it returns. Without WaitTimeSeconds the queue's
// ReceiveMessageWaitTimeSeconds applies; a long poll waits for a send, for a hidden message to
// become visible again, or for the deadline, never spinning.
func (s *Service) receiveMessage(r *http.Request, acct string, c wire.Call) (any, error) {
	var in receiveInput
	if err := decode(c, &in); err != nil {
		return nil, err
	}
	maxN := 1
	if in.MaxNumberOfMessages != nil {
		maxN = *in.MaxNumberOfMessages
		if maxN < 1 || maxN > 10 {
			return nil, newError(errInvalidParameterValue, "Value %d for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.", maxN)
		}
	}
	if in.WaitTimeSeconds != nil && (*in.WaitTimeSeconds < 0 || *in.WaitTimeSeconds > 20) {
		return nil, newError(errInvalidParameterValue, "Value %d for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided.", *in.WaitTimeSeconds)
	}
	if in.VisibilityTimeout != nil && (*in.VisibilityTimeout < 0 || *in.VisibilityTimeout > 43200) {
		return nil, newError(errInvalidParameterValue, "Value %d for parameter VisibilityTimeout is invalid. Reason: Must be >= 0 and <= 43200, if provided.", *in.VisibilityTimeout)
	}
	var deadline <-chan time.Time
	for first := true; ; first = false {
		s.mu.Lock()
		q, err := s.lookupLocked(in.QueueURL)
		if err != nil {
			s.mu.Unlock()
			return nil, err
		}
		if first {
			wait := q.intAttr(attrReceiveMessageWaitTimeSeconds)
			if in.WaitTimeSeconds != nil {
				wait = *in.WaitTimeSeconds
			}
			if wait == 0 {
				msgs, _ := s.takeLocked(q, maxN, in)
				s.mu.Unlock()
				return receiveOutput{msgs}, nil
			}
			t := time.NewTimer(time.Duration(wait) * time.Second)
			defer t.Stop()
			deadline = t.C
		}
		msgs, nextVisible := s.takeLocked(q, maxN, in)
		notify := q.notify
		s.mu.Unlock()
		if len(msgs) > 0 {
			return receiveOutput{msgs}, nil
		}
		var wake <-chan time.Time
		if !nextVisible.IsZero() {
			t := time.NewTimer(nextVisible.Sub(s.now()))
			defer t.Stop()
			wake = t.C
		}
		if f := s.waiting.Load(); f != nil {
			(*f)()
		}
		select {
		case <-notify:
		case <-wake:
		case <-deadline:
			return receiveOutput{}, nil
		case <-r.Context().Done():
			return receiveOutput{}, nil
		case <-s.closed:
			return receiveOutput{}, nil
		}
	}
}

// takeLocked hides and returns up to max receivable messages, and the earliest time a hidden
// message becomes visible. A message received maxReceiveCount times moves to the queue's
// dead-letter queue instead. In a FIFO queue, a message group with a message in flight gives
// nothing until that message is deleted or visible again.
func (s *Service) takeLocked(q *Queue, max int, in receiveInput) ([]receivedMessage, time.Time) {
	now := s.now()
	s.expireLocked(q, now)
	vis := q.intAttr(attrVisibilityTimeout)
	if in.VisibilityTimeout != nil {
		vis = *in.VisibilityTimeout
	}
	dlq, maxReceives := s.deadLetterQueueLocked(q)
	blocked := map[string]bool{}
	if q.fifo() {
		for _, m := range q.Messages {
			if m.inFlight(now) {
				blocked[m.GroupID] = true
			}
		}
	}
	systemNames := append(slices.Clone(in.AttributeNames), in.MessageSystemAttributeNames...)
	var out []receivedMessage
	var next time.Time
	var moved []*Message
	for _, m := range q.Messages {
		if now.Before(m.VisibleAt) {
			if next.IsZero() || m.VisibleAt.Before(next) {
				next = m.VisibleAt
			}
			continue
		}
		if len(out) == max || blocked[m.GroupID] && q.fifo() {
			continue
		}
		if dlq != nil && m.ReceiveCount >= maxReceives {
			moved = append(moved, m)
			continue
		}
		m.ReceiveCount++
		if m.FirstReceiveAt.IsZero() {
			m.FirstReceiveAt = now
		}
		m.VisibleAt = now.Add(time.Duration(vis) * time.Second)
		m.ReceiptHandle = newReceiptHandle(m.ID)
		msg := receivedMessage{MessageID: m.ID, ReceiptHandle: m.ReceiptHandle, MD5OfBody: m.MD5, Body: m.Body,
			Attributes: systemAttributes(m, systemNames)}
		if attrs := selectMessageAttributes(m.MessageAttributes, in.MessageAttributeNames); len(attrs) > 0 {
			msg.MessageAttributes = attrs
			msg.MD5OfMessageAttributes = md5OfMessageAttributes(attrs)
		}
		out = append(out, msg)
	}
	if len(moved) > 0 {
		q.Messages = slices.DeleteFunc(q.Messages, func(m *Message) bool { return slices.Contains(moved, m) })
		for _, m := range moved {
			m.ReceiveCount, m.VisibleAt, m.ReceiptHandle, m.FirstReceiveAt = 0, now, "", time.Time{}
			m.DeadLetterSource = q.arn(s.cfg.Region)
			dlq.Messages = append(dlq.Messages, m)
		}
		dlq.wake()
	}
	if len(out) > 0 || len(moved) > 0 {
		s.cfg.OnChange()
	}
	return out, next
}

// deadLetterQueueLocked returns q's dead-letter queue and maxReceiveCount, or nil when q has
// no RedrivePolicy or its target was deleted.
func (s *Service) deadLetterQueueLocked(q *Queue) (*Queue, int) {
	p := q.Attributes[attrRedrivePolicy]
	if p == "" {
		return nil, 0
	}
	var rp redrivePolicy
	if json.Unmarshal([]byte(p), &rp) != nil {
		return nil, 0
	}
	_, account, name, _ := parseQueueArn(rp.DeadLetterTargetArn)
	return s.queues[account+"/"+name], rp.MaxReceiveCount
}

// systemAttributes returns the message system attributes names asks for ("All" for every one
// the message has); names SQS may add later are ignored.
func systemAttributes(m *Message, names []string) map[string]string {
	if len(names) == 0 {
		return nil
	}
	all := map[string]string{
		"ApproximateReceiveCount":          fmt.Sprint(m.ReceiveCount),
		"ApproximateFirstReceiveTimestamp": fmt.Sprint(m.FirstReceiveAt.UnixMilli()),
		"SentTimestamp":                    fmt.Sprint(m.SentAt.UnixMilli()),
		"SenderId":                         m.SenderID,
	}
	for k, v := range map[string]string{"MessageGroupId": m.GroupID, "MessageDeduplicationId": m.DeduplicationID,
		"SequenceNumber": m.Sequence, "DeadLetterQueueSourceArn": m.DeadLetterSource} {
		if v != "" {
			all[k] = v
		}
	}
	if slices.Contains(names, "All") {
		return all
	}
	out := map[string]string{}
	for _, n := range names {
		if v, ok := all[n]; ok {
			out[n] = v
		}
	}
	return out
}

// messageIDOf returns the message ID a receipt handle names, or false when it is not one of
// the simulator's receipt handles.
func messageIDOf(handle string) (string, bool) {
	id, rest, ok := strings.Cut(handle, "#")
	return id, ok && id != "" && rest != ""
}

func (s *Service) deleteMessage(r *http.Request, acct string, c wire.Call) (any, error) {
	var in struct {
		QueueURL      string `json:"QueueUrl"`
		ReceiptHandle string `json:"ReceiptHandle"`
	}
	if err := decode(c, &in); err != nil {
		return nil, err
	}
	if in.ReceiptHandle == "" {
		return nil, missing("ReceiptHandle")
	}
	return s.onQueue(in.QueueURL, func(q *Queue) (any, error) {
		id, ok := messageIDOf(in.ReceiptHandle)
		if !ok {
			return nil, newError(errReceiptHandleIsInvalid, "The input receipt handle %q is not a valid receipt handle.", in.ReceiptHandle)
		}
		i := slices.IndexFunc(q.Messages, func(m *Message) bool { return m.ID == id })
		if i >= 0 {
			q.Messages = slices.Delete(q.Messages, i, i+1)
			q.wake() // a FIFO group may be free again
			s.cfg.OnChange()
		}
		return struct{}{}, nil // deleting an already deleted message succeeds, as in SQS
	})
}

// changeMessageVisibility sets when a received message becomes visible again. VisibilityTimeout
// and ReceiptHandle are required (MissingParameter); the timeout is 0 to 43200 seconds; a
// handle that is not the message's current one is ReceiptHandleIsInvalid, a message no longer
// in flight MessageNotInflight.
func (s *Service) changeMessageVisibility(r *http.Request, acct string, c wire.Call) (any, error) {
	var in struct {
		QueueURL          string `json:"QueueUrl"`
		ReceiptHandle     string `json:"ReceiptHandle"`
		VisibilityTimeout *int   `json:"VisibilityTimeout"`
	}
	if err := decode(c, &in); err != nil {
		return nil, err
	}
	if in.ReceiptHandle == "" {
		return nil, missing("ReceiptHandle")
	}
	if in.VisibilityTimeout == nil {
		return nil, missing("VisibilityTimeout")
	}
	if v := *in.VisibilityTimeout; v < 0 || v > 43200 {
		return nil, newError(errInvalidParameterValue, "Value %d for parameter VisibilityTimeout is invalid. Reason: Must be >= 0 and <= 43200.", v)
	}
	return s.onQueue(in.QueueURL, func(q *Queue) (any, error) {
		now := s.now()
		i := slices.IndexFunc(q.Messages, func(m *Message) bool { return m.ReceiptHandle == in.ReceiptHandle })
		if i < 0 {
			return nil, newError(errReceiptHandleIsInvalid, "The input receipt handle %q is not a valid receipt handle.", in.ReceiptHandle)
		}
		m := q.Messages[i]
		if !m.inFlight(now) {
			return nil, newError(errMessageNotInflight, "Message %s is not in flight.", m.ID)
		}
		m.VisibleAt = now.Add(time.Duration(*in.VisibilityTimeout) * time.Second)
		if *in.VisibilityTimeout == 0 {
			q.wake()
		}
		s.cfg.OnChange()
		return struct{}{}, nil
	})
}
