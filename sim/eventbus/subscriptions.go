package eventbus

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/google/uuid"
)

// Subscription statuses, as SNS's GetSubscriptionAttributes reports them.
const (
	SubscriptionPending   = "PendingConfirmation"
	SubscriptionConfirmed = "Confirmed"
)

// Subscription is an sns target's subscription to one topic. Like an SNS HTTP subscription it
// starts PendingConfirmation: the endpoint is sent a signed SubscriptionConfirmation (Token,
// SubscribeURL) and receives notifications only once the SubscribeURL has been visited (SNS
// never delivers to a pending subscription: messages published meanwhile are not delivered, and
// are logged with status "unconfirmed"). See docs/decisions/010-sns-subscription-confirmation.md.
type Subscription struct {
	Arn               string     `json:"subscriptionArn"`
	TopicArn          string     `json:"topicArn"`
	Target            string     `json:"target"`
	Endpoint          string     `json:"endpoint"` // the target's URL when it subscribed
	Status            string     `json:"status"`   // PendingConfirmation or Confirmed
	Token             string     `json:"token"`
	ConfirmationsSent int        `json:"confirmationsSent"`
	ConfirmedAt       *time.Time `json:"confirmedAt,omitempty"`
}

// subscriptionArn is the ARN of target's subscription to topic: stable, so a restart or a
// reconfiguration keeps it.
func subscriptionArn(topic, target string) string {
	return topic + ":" + uuid.NewSHA1(uuid.NameSpaceURL, []byte(topic+"|"+target)).String()
}

// topicsLocked lists the topics an sns target subscribes to when it is configured: the
// EventBridge topic, and the legacy topics of Config.ProductCodes for its legacy streams.
func (b *Bus) topicsLocked(t Target) []string {
	var topics []string
	for _, s := range t.Streams {
		switch s {
		case StreamEventBridge:
			topics = append(topics, b.eventBridgeTopic(t))
		case StreamSubscription:
			for _, code := range b.cfg.ProductCodes {
				topics = append(topics, TopicArn(SubscriptionTopic, code))
			}
		case StreamEntitlement:
			for _, code := range b.cfg.ProductCodes {
				topics = append(topics, TopicArn(EntitlementTopic, code))
			}
		}
	}
	return topics
}

// eventBridgeTopic is the topic EventBridge events reach sns target t through.
func (b *Bus) eventBridgeTopic(t Target) string {
	if t.TopicArn != "" {
		return t.TopicArn
	}
	return "arn:aws:sns:" + Region + ":" + b.cfg.Account + ":" + DefaultTopicName
}

// subscribeLocked makes sure sns target t is subscribed to topic and returns the subscription.
// A new subscription, or one whose endpoint changed, starts pending and is sent a confirmation;
// a pending one is sent the confirmation again (as SNS does when Subscribe is called again) when
// resend is set.
func (b *Bus) subscribeLocked(t Target, topic string, resend bool) *Subscription {
	arn := subscriptionArn(topic, t.Name)
	sub := b.subs[arn]
	switch {
	case sub == nil || sub.Endpoint != t.URL:
		sub = &Subscription{Arn: arn, TopicArn: topic, Target: t.Name, Endpoint: t.URL, Status: SubscriptionPending, Token: b.newToken()}
		b.subs[arn] = sub
	case sub.Status == SubscriptionPending && resend:
	default:
		return sub
	}
	b.sendConfirmationLocked(t, sub)
	return sub
}

// newToken returns a confirmation token: 64 hex digits derived from a fresh ID.
func (b *Bus) newToken() string {
	sum := sha256.Sum256([]byte(b.id() + "|" + b.id()))
	return hex.EncodeToString(sum[:])
}

// syncSubscriptionsLocked subscribes every sns target of b.targets to its topics (resending
// pending confirmations) and forgets the subscriptions of targets no longer configured.
func (b *Bus) syncSubscriptionsLocked() {
	keep := map[string]bool{}
	for _, t := range b.targets.Targets {
		if t.Type != TargetSNS {
			continue
		}
		for _, topic := range b.topicsLocked(t) {
			keep[b.subscribeLocked(t, topic, true).Arn] = true
		}
	}
	for arn, sub := range b.subs {
		if !keep[arn] && !b.hasTarget(sub.Target, sub.Endpoint) {
			delete(b.subs, arn)
		}
	}
}

// hasTarget reports whether an sns target of that name and URL is configured.
func (b *Bus) hasTarget(name, url string) bool {
	return slices.ContainsFunc(b.targets.Targets, func(t Target) bool {
		return t.Type == TargetSNS && t.Name == name && t.URL == url
	})
}

// confirmationRecord is the Event of a logged SubscriptionConfirmation.
type confirmationRecord struct {
	SubscriptionArn string `json:"subscriptionArn"`
	TopicArn        string `json:"topicArn"`
	Token           string `json:"token"`
	SubscribeURL    string `json:"subscribeUrl"`
}

// sendConfirmationLocked logs and queues a signed SubscriptionConfirmation for sub. Delivery
// faults do not apply to it: they are faults of events.
func (b *Bus) sendConfirmationLocked(t Target, sub *Subscription) {
	sub.ConfirmationsSent++
	subscribeURL := b.subscribeURL(sub)
	e := snsEnvelope{
		Type:         "SubscriptionConfirmation",
		MessageID:    b.id(),
		Token:        sub.Token,
		TopicArn:     sub.TopicArn,
		Message:      fmt.Sprintf("You have chosen to subscribe to the topic %s.\nTo confirm the subscription, visit the SubscribeURL included in this message.", sub.TopicArn),
		SubscribeURL: subscribeURL,
		Timestamp:    b.clock().Format(snsTimeLayout),
	}
	event, err := marshal(confirmationRecord{SubscriptionArn: sub.Arn, TopicArn: sub.TopicArn, Token: sub.Token, SubscribeURL: subscribeURL})
	if err != nil { // a struct of strings always encodes
		panic(err)
	}
	rec := b.recordLocked(KindConfirmation, e.MessageID, e.Type, event)
	p, err := b.snsPayloadLocked(t, e)
	del := Delivery{Target: t.Name, Type: t.Type, Status: StatusPending, Copy: 1}
	if err != nil {
		del.Status, del.Error = StatusFailed, err.Error()
		rec.Deliveries = append(rec.Deliveries, del)
		return
	}
	rec.Deliveries = append(rec.Deliveries, del)
	b.startLocked(&delivery{rec: rec, idx: len(rec.Deliveries) - 1, target: t, payload: p, retry: b.targets.Retry}, 0)
}

// subscribeURL is the SubscribeURL of sub's confirmation: SNS's ConfirmSubscription action
// with the topic and the token, at Config.SubscribeURL.
func (b *Bus) subscribeURL(sub *Subscription) string {
	base := b.cfg.SubscribeURL
	if base == "" {
		base = "https://sns." + Region + ".amazonaws.com/"
	}
	return base + "?Action=ConfirmSubscription&TopicArn=" + sub.TopicArn + "&Token=" + sub.Token
}

// Subscriptions returns the sns targets' subscriptions, ordered by ARN.
func (b *Bus) Subscriptions() []Subscription {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.subscriptionsLocked()
}

func (b *Bus) subscriptionsLocked() []Subscription {
	out := make([]Subscription, 0, len(b.subs))
	for _, arn := range slices.Sorted(maps.Keys(b.subs)) {
		s := *b.subs[arn]
		if s.ConfirmedAt != nil {
			at := *s.ConfirmedAt
			s.ConfirmedAt = &at
		}
		out = append(out, s)
	}
	return out
}

// ResendConfirmation sends the SubscriptionConfirmation again to every pending subscription of
// the named sns target and returns them; as in SNS the token stays valid. The error names an
// unknown target, a target that is not sns, or one with nothing pending.
func (b *Bus) ResendConfirmation(target string) ([]Subscription, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	i := slices.IndexFunc(b.targets.Targets, func(t Target) bool { return t.Name == target })
	if i < 0 {
		return nil, fmt.Errorf("%w: no target named %q", ErrNoSubscription, target)
	}
	t := b.targets.Targets[i]
	if t.Type != TargetSNS {
		return nil, fmt.Errorf("%w: target %q is an %s target; only sns targets confirm subscriptions", ErrNoSubscription, target, t.Type)
	}
	var out []Subscription
	for _, arn := range slices.Sorted(maps.Keys(b.subs)) {
		sub := b.subs[arn]
		if sub.Target == target && sub.Status == SubscriptionPending {
			b.sendConfirmationLocked(t, sub)
			out = append(out, *sub)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: target %q has no subscription pending confirmation", ErrNoSubscription, target)
	}
	return out, nil
}

// deliverableLocked reports whether sns target t is confirmed on topic; when it is not, the
// delivery is logged on rec as unconfirmed. An unknown topic (a legacy product missing from
// Config.ProductCodes) is subscribed to now, which sends its confirmation.
func (b *Bus) deliverableLocked(rec *Record, t Target, topic string) bool {
	sub := b.subscribeLocked(t, topic, false)
	if sub.Status == SubscriptionConfirmed {
		return true
	}
	rec.Deliveries = append(rec.Deliveries, Delivery{Target: t.Name, Type: t.Type, Status: StatusUnconfirmed, Copy: 1,
		Error: "subscription " + sub.Arn + " is PendingConfirmation: SNS delivers nothing to it until its SubscribeURL is visited"})
	return false
}
