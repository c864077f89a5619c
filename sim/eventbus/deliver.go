package eventbus

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// delivery is one queued copy of an event for one target.
type delivery struct {
	rec      *Record
	idx      int // index into rec.Deliveries
	target   Target
	payload  payload
	retry    Retry
	attempts int
	reorder  bool // the reorder fault: hold back behind the target's next event
	held     bool
}

// targetQueue holds one target's deliveries in delivery order; one worker drains it.
type targetQueue struct {
	items []*delivery
	wake  chan struct{}
}

func (q *targetQueue) signal() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// releaseLocked lets held-back deliveries go.
func (q *targetQueue) releaseLocked() {
	for _, d := range q.items {
		if d.held {
			d.held = false
			q.signal()
		}
	}
}

// startLocked counts d as pending and queues it now, or after delay.
func (b *Bus) startLocked(d *delivery, delay time.Duration) {
	if b.pending == 0 {
		b.idle = make(chan struct{})
	}
	b.pending++
	if b.closed {
		b.finishLocked(d, StatusAbandoned, "event bus closed before delivery")
		return
	}
	if delay <= 0 {
		b.enqueueLocked(d)
		return
	}
	b.waitThenLocked(delay, func() { b.enqueueLocked(d) }, d)
}

// waitThenLocked runs then (with b.mu held) after wait, unless the bus closes first, in which
// case d is abandoned.
func (b *Bus) waitThenLocked(wait time.Duration, then func(), d *delivery) {
	abandon := func() { b.finishLocked(d, StatusAbandoned, "event bus closed before delivery") }
	b.afterLocked(wait, func() {
		if b.closed {
			abandon()
			return
		}
		then()
	}, abandon)
}

// afterLocked runs fired after wait, or closed (when not nil) if the bus closes first; each
// runs with b.mu held. Close waits for it.
func (b *Bus) afterLocked(wait time.Duration, fired, closed func()) {
	timer := b.cfg.After(wait)
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		select {
		case <-timer:
		case <-b.ctx.Done():
			if closed == nil {
				return
			}
			fired = closed
		}
		b.mu.Lock()
		defer b.mu.Unlock()
		fired()
	}()
}

// enqueueLocked appends d to its target's queue. A delivery held back by the reorder fault is
// overtaken by the next one queued behind it.
func (b *Bus) enqueueLocked(d *delivery) {
	if b.closed {
		b.finishLocked(d, StatusAbandoned, "event bus closed before delivery")
		return
	}
	q := b.queueLocked(d.target.Name)
	n := len(q.items)
	switch {
	case n > 0 && q.items[n-1].held:
		held := q.items[n-1]
		held.held = false
		q.items = append(q.items[:n-1], d, held)
	case d.reorder:
		d.reorder = false
		d.held = true
		del := &d.rec.Deliveries[d.idx]
		del.Faults = append(del.Faults, "reorder")
		q.items = append(q.items, d)
		b.holdTimerLocked(q, d)
	default:
		q.items = append(q.items, d)
	}
	q.signal()
}

// holdTimerLocked releases a held-back delivery after Config.HoldBack if no event overtook it.
func (b *Bus) holdTimerLocked(q *targetQueue, d *delivery) {
	b.afterLocked(b.cfg.HoldBack, func() {
		if d.held {
			d.held = false
			q.signal()
		}
	}, nil)
}

// queueLocked returns the queue of the named target, starting its worker on first use.
func (b *Bus) queueLocked(name string) *targetQueue {
	q, ok := b.queues[name]
	if !ok {
		q = &targetQueue{wake: make(chan struct{}, 1)}
		b.queues[name] = q
		b.wg.Add(1)
		go b.work(q)
	}
	return q
}

// work delivers q's items one at a time, in order.
func (b *Bus) work(q *targetQueue) {
	defer b.wg.Done()
	for {
		b.mu.Lock()
		if b.closed {
			b.mu.Unlock()
			return
		}
		var d *delivery
		if len(q.items) > 0 && !q.items[0].held {
			d = q.items[0]
			q.items[0] = nil
			q.items = q.items[1:]
		}
		b.mu.Unlock()
		if d == nil {
			select {
			case <-q.wake:
			case <-b.ctx.Done():
				return
			}
			continue
		}
		b.attempt(d)
	}
}

// attempt makes one try of d and records it; a retryable failure is queued again after backoff.
// An sns Notification whose subscription changed since it was published is not sent (see
// unsendableLocked).
func (b *Bus) attempt(d *delivery) {
	b.mu.Lock()
	if status, reason := b.unsendableLocked(d); status != "" {
		b.finishLocked(d, status, reason)
		b.mu.Unlock()
		return
	}
	b.mu.Unlock()
	at := b.cfg.Clock().UTC()
	code, err := b.send(d)
	b.mu.Lock()
	defer b.mu.Unlock()
	d.attempts++
	del := &d.rec.Deliveries[d.idx]
	a := Attempt{At: at, StatusCode: code}
	if err != nil {
		a.Error = err.Error()
	}
	del.Attempts = append(del.Attempts, a)
	switch {
	case err == nil:
		b.finishLocked(d, StatusDelivered, "")
	case b.closed:
		b.finishLocked(d, StatusAbandoned, "event bus closed during delivery: "+err.Error())
	case !retryable(d.target.Type, code) || d.attempts >= d.retry.MaxAttempts:
		b.cfg.Logger.Warn("event delivery failed", "event", d.rec.ID, "type", d.rec.Type, "target", d.target.Name, "attempts", d.attempts, "err", err)
		b.finishLocked(d, StatusFailed, err.Error())
	default:
		del.Error = err.Error()
		b.waitThenLocked(backoff(d.retry, d.attempts), func() { b.enqueueLocked(d) }, d)
	}
}

// unsendableLocked returns the final status of an sns Notification that may no longer be sent,
// and why; "" when it may be sent. SNS decides at each send, not at publish: a message waiting
// for a retry, the delay fault or the reorder hold-back while its subscription went back to
// PendingConfirmation (a new URL and back: a new subscription, with a new token), moved to
// another endpoint or was deleted with its target, reaches nobody (decision 010).
func (b *Bus) unsendableLocked(d *delivery) (status, reason string) {
	arn := d.payload.subscription
	if arn == "" {
		return "", ""
	}
	sub := b.subs[arn]
	switch {
	case sub == nil:
		return StatusAbandoned, "subscription " + arn + " was deleted before delivery: its target is no longer configured"
	case sub.Endpoint != d.target.URL:
		return StatusAbandoned, "subscription " + arn + " changed before delivery: its endpoint is now " + sub.Endpoint
	case sub.Status != SubscriptionConfirmed:
		return StatusUnconfirmed, "subscription " + arn + " is PendingConfirmation again: SNS delivers nothing to it until its SubscribeURL is visited"
	case sub.Token != d.payload.subToken:
		return StatusAbandoned, "subscription " + arn + " was made again before delivery: the message was published to the earlier one"
	}
	return "", ""
}

// backoff is the wait before retry number n (1-based): BackoffMs doubled n-1 times, capped.
func backoff(r Retry, n int) time.Duration {
	ms := r.BackoffMs
	for i := 1; i < n && ms < r.MaxBackoffMs; i++ {
		ms *= 2
	}
	return time.Duration(min(ms, r.MaxBackoffMs)) * time.Millisecond
}

// retryable tells whether a failed attempt is tried again, as EventBridge API destinations do:
// network errors (code 0), 401, 407, 409, 429 and 5xx. Queue sends are always retried.
func retryable(targetType string, code int) bool {
	if targetType == TargetSQS || code == 0 {
		return true
	}
	switch code {
	case http.StatusUnauthorized, http.StatusProxyAuthRequired, http.StatusConflict, http.StatusTooManyRequests:
		return true
	}
	return code >= 500
}

// finishLocked ends d with status and counts it done.
func (b *Bus) finishLocked(d *delivery, status, errMsg string) {
	del := &d.rec.Deliveries[d.idx]
	del.Status = status
	del.Error = errMsg
	b.pending--
	if b.pending == 0 {
		close(b.idle)
	}
}

// send makes one attempt; code is the HTTP status for http and sns targets.
func (b *Bus) send(d *delivery) (code int, err error) {
	body, err := d.payload.bytes()
	if err != nil {
		return 0, err
	}
	switch d.target.Type {
	case TargetSQS:
		if b.cfg.QueueSender == nil {
			return 0, errors.New("no queue sender wired to the event bus")
		}
		if err := b.cfg.QueueSender.SendToQueue(d.target.QueueName, string(body)); err != nil {
			return 0, fmt.Errorf("queue %s: %w", d.target.QueueName, err)
		}
		return 0, nil
	default:
		req, err := http.NewRequestWithContext(b.ctx, http.MethodPost, d.target.URL, bytes.NewReader(body))
		if err != nil {
			return 0, err
		}
		for k, v := range d.payload.headers {
			req.Header.Set(k, v)
		}
		resp, err := b.cfg.HTTPClient.Do(req)
		if err != nil {
			return 0, err
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
		_ = resp.Body.Close()
		if resp.StatusCode < 200 || resp.StatusCode > 299 {
			return resp.StatusCode, fmt.Errorf("%s answered %s", d.target.URL, resp.Status)
		}
		return resp.StatusCode, nil
	}
}
