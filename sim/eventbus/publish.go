package eventbus

import (
	"crypto/rsa"
	"fmt"
	"slices"
	"time"
)

// Publish logs e and queues its delivery to every target that takes EventBridge events of its
// detail type. It never waits for delivery.
func (b *Bus) Publish(e Envelope) {
	body, err := e.JSON()
	b.mu.Lock()
	defer b.mu.Unlock()
	rec := b.recordLocked(KindEventBridge, e.ID, e.DetailType, body)
	if err != nil {
		rec.Error = err.Error()
		return
	}
	for _, t := range b.targets.Targets {
		if !slices.Contains(t.Streams, StreamEventBridge) {
			continue
		}
		if len(t.DetailTypes) > 0 && !slices.Contains(t.DetailTypes, e.DetailType) {
			continue
		}
		var p payload
		if t.Type == TargetSNS {
			topic := b.eventBridgeTopic(t)
			if !b.deliverableLocked(rec, t, topic) {
				continue
			}
			p, err = b.snsPayloadLocked(t, snsEnvelope{
				Type:      "Notification",
				MessageID: b.id(),
				TopicArn:  topic,
				Message:   string(body),
				Timestamp: b.clock().Format(snsTimeLayout),
			})
		} else {
			p = b.rawPayload(t, body)
		}
		b.dispatchLocked(rec, t, p, err)
	}
}

// PublishMessage logs a legacy SNS message and queues it, in its SNS envelope, to every sns or
// sqs target that takes its topic's stream. It never waits for delivery.
func (b *Bus) PublishMessage(m Message) {
	stream := ""
	switch m.Topic {
	case SubscriptionTopic:
		stream = StreamSubscription
	case EntitlementTopic:
		stream = StreamEntitlement
	}
	event, err := marshal(m)
	b.mu.Lock()
	defer b.mu.Unlock()
	rec := b.recordLocked(KindSNS, m.ID, m.Action, event)
	switch {
	case err != nil:
		rec.Error = fmt.Sprintf("message %s: body is not JSON: %v", m.ID, err)
		return
	case stream == "":
		rec.Error = fmt.Sprintf("message %s: unknown topic %q; want %s or %s", m.ID, m.Topic, SubscriptionTopic, EntitlementTopic)
		return
	}
	for _, t := range b.targets.Targets {
		if !slices.Contains(t.Streams, stream) {
			continue
		}
		if t.Type == TargetSNS && !b.deliverableLocked(rec, t, m.TopicArn) {
			continue
		}
		p, err := b.snsPayloadLocked(t, snsEnvelope{
			Type:      "Notification",
			MessageID: m.ID,
			TopicArn:  m.TopicArn,
			Message:   string(m.Body),
			Timestamp: m.Time,
		})
		b.dispatchLocked(rec, t, p, err)
	}
}

// recordLocked appends a new record to the log, trimming the oldest beyond MaxLog.
func (b *Bus) recordLocked(kind, id, typ string, event []byte) *Record {
	b.seq++
	rec := &Record{
		Seq:         b.seq,
		ID:          id,
		Kind:        kind,
		Type:        typ,
		PublishedAt: b.clock(),
		Event:       event,
		Deliveries:  []Delivery{},
	}
	b.log = append(b.log, rec)
	if over := len(b.log) - b.cfg.MaxLog; over > 0 {
		clear(b.log[:over])
		b.log = b.log[over:]
	}
	return rec
}

// payload is what one delivery sends. An SNS envelope is signed by the target's worker on
// first use (signing takes about a millisecond; Publish must stay cheap).
type payload struct {
	body    []byte
	headers map[string]string
	sns     *snsEnvelope    // unsigned; nil for raw payloads
	key     *rsa.PrivateKey // signs sns
	// subscription and subToken name the subscription an sns target's Notification is sent
	// under, as it was when the message was published; "" for every other payload. The worker
	// checks it again before each attempt (see Bus.unsendableLocked).
	subscription string
	subToken     string
}

// bytes returns the body, signing and encoding the SNS envelope on first use. Only the worker
// of the delivery's target calls it.
func (p *payload) bytes() ([]byte, error) {
	if p.body != nil || p.sns == nil {
		return p.body, nil
	}
	e := *p.sns
	if err := e.sign(p.key); err != nil {
		return nil, err
	}
	body, err := marshal(e)
	if err != nil {
		return nil, err
	}
	p.body = body
	return body, nil
}

func (b *Bus) rawPayload(t Target, body []byte) payload {
	p := payload{body: body}
	if t.Type == TargetHTTP {
		p.headers = map[string]string{
			"Content-Type": "application/json; charset=utf-8",
			"User-Agent":   "Amazon/EventBridge/ApiDestinations",
		}
		if t.SecretHeader != "" {
			p.headers[t.SecretHeader] = t.Secret
		}
		for k, v := range t.Headers {
			p.headers[k] = v
		}
	}
	return p
}

// snsPayloadLocked completes an SNS envelope for target t; its worker signs it. A Notification
// carries its UnsubscribeURL and the x-amz-sns-subscription-arn header; a SubscriptionConfirmation
// carries neither (its Token and SubscribeURL are set by the caller).
func (b *Bus) snsPayloadLocked(t Target, e snsEnvelope) (payload, error) {
	s, err := b.signerLocked()
	if err != nil {
		return payload{}, err
	}
	subscription := subscriptionArn(e.TopicArn, t.Name)
	e.SignatureVersion = t.SignatureVersion
	e.SigningCertURL = b.cfg.CertURL
	if e.Type == "Notification" {
		base := b.cfg.UnsubscribeURL
		if base == "" {
			base = "https://sns." + Region + ".amazonaws.com/"
		}
		e.UnsubscribeURL = base + "?Action=Unsubscribe&SubscriptionArn=" + subscription
	}
	p := payload{sns: &e, key: s.key}
	if t.Type == TargetSNS {
		p.headers = map[string]string{
			"Content-Type":           "text/plain; charset=UTF-8",
			"User-Agent":             "Amazon Simple Notification Service Agent",
			"x-amz-sns-message-type": e.Type,
			"x-amz-sns-message-id":   e.MessageID,
			"x-amz-sns-topic-arn":    e.TopicArn,
		}
		if e.Type == "Notification" {
			p.headers["x-amz-sns-subscription-arn"] = subscription
			p.subscription = subscription
			if sub := b.subs[subscription]; sub != nil {
				p.subToken = sub.Token
			}
		}
		for k, v := range t.Headers {
			p.headers[k] = v
		}
	}
	return p, nil
}

// dispatchLocked draws the faults for one event and target, logs the delivery (or deliveries,
// when duplicated) and queues them. buildErr is a failure to build the payload.
func (b *Bus) dispatchLocked(rec *Record, t Target, p payload, buildErr error) {
	f := b.targets.Faults
	// Always draw the same number of values, so one fault's outcome never shifts the others.
	drop := b.rng.Float64() < f.DropRate
	dup := b.rng.Float64() < f.DuplicateRate
	delayHit := b.rng.Float64() < f.DelayRate
	delayFrac := b.rng.Float64()
	reorder := b.rng.Float64() < f.ReorderRate

	base := Delivery{Target: t.Name, Type: t.Type, Status: StatusPending, Copy: 1}
	if buildErr != nil {
		base.Status = StatusFailed
		base.Error = buildErr.Error()
		rec.Deliveries = append(rec.Deliveries, base)
		return
	}
	if drop {
		base.Status = StatusDropped
		base.Faults = []string{"drop"}
		rec.Deliveries = append(rec.Deliveries, base)
		return
	}
	var delay time.Duration
	if delayHit {
		delay = time.Duration(delayFrac * float64(f.MaxDelayMs) * float64(time.Millisecond))
	}
	copies := 1
	if dup {
		copies = 2
	}
	for c := 1; c <= copies; c++ {
		del := base
		del.Copy = c
		if dup {
			del.Faults = append(del.Faults, "duplicate")
		}
		if delayHit {
			del.Faults = append(del.Faults, "delay")
			del.DelayMs = delay.Milliseconds()
		}
		d := &delivery{rec: rec, idx: len(rec.Deliveries), target: t, payload: p, retry: b.targets.Retry}
		if reorder && c == 1 {
			d.reorder = true
		}
		rec.Deliveries = append(rec.Deliveries, del)
		b.startLocked(d, delay)
	}
}
