package eventbus

import (
	"encoding/json"
	"strconv"
)

// Legacy SNS topics of a SaaS product (reference §2.2); each product has one of each, named
// with its product code as suffix, in an AWS-owned account.
const (
	SubscriptionTopic       = "aws-mp-subscription-notification"
	EntitlementTopic        = "aws-mp-entitlement-notification"
	MarketplaceTopicAccount = "287250355862"
)

// Actions of the legacy subscription and entitlement messages.
const (
	ActionSubscribeSuccess   = "subscribe-success"
	ActionSubscribeFail      = "subscribe-fail"
	ActionUnsubscribePending = "unsubscribe-pending"
	ActionUnsubscribeSuccess = "unsubscribe-success"
	ActionEntitlementUpdated = "entitlement-updated"
)

// Message is one legacy SNS message published to a product's topic. Body is the message JSON;
// SNS delivers it as the string field "Message" of its envelope.
type Message struct {
	Topic    string          `json:"topic"` // SubscriptionTopic or EntitlementTopic
	TopicArn string          `json:"topicArn"`
	ID       string          `json:"id"` // the SNS MessageId
	Time     string          `json:"time"`
	Action   string          `json:"action"`
	Body     json.RawMessage `json:"body"`
}

// TopicArn is the ARN of a product's legacy topic.
func TopicArn(topic, productCode string) string {
	return "arn:aws:sns:" + Region + ":" + MarketplaceTopicAccount + ":" + topic + "-" + productCode
}

// SubscriptionInput describes a buyer's subscription to a product.
type SubscriptionInput struct {
	CustomerIdentifier string
	ProductCode        string
	OfferID            string // optional: "offer-identifier" is omitted when empty
	FreeTrial          bool
}

type subscriptionBody struct {
	Action             string `json:"action"`
	CustomerIdentifier string `json:"customer-identifier"`
	ProductCode        string `json:"product-code"`
	OfferIdentifier    string `json:"offer-identifier,omitempty"`
	FreeTrial          string `json:"isFreeTrialTermPresent"`
}

// SubscribeSuccess builds the subscribe-success message (the buyer may now be metered).
func (b *Builder) SubscribeSuccess(in SubscriptionInput) Message {
	return b.subscription(ActionSubscribeSuccess, in)
}

// SubscribeFail builds the subscribe-fail message (payment failed; do not provision).
func (b *Builder) SubscribeFail(in SubscriptionInput) Message {
	return b.subscription(ActionSubscribeFail, in)
}

// UnsubscribePending builds the unsubscribe-pending message (about an hour left to meter).
func (b *Builder) UnsubscribePending(in SubscriptionInput) Message {
	return b.subscription(ActionUnsubscribePending, in)
}

// UnsubscribeSuccess builds the unsubscribe-success message (no more metering accepted).
func (b *Builder) UnsubscribeSuccess(in SubscriptionInput) Message {
	return b.subscription(ActionUnsubscribeSuccess, in)
}

func (b *Builder) subscription(action string, in SubscriptionInput) Message {
	body := subscriptionBody{
		Action:             action,
		CustomerIdentifier: in.CustomerIdentifier,
		ProductCode:        in.ProductCode,
		OfferIdentifier:    in.OfferID,
		FreeTrial:          strconv.FormatBool(in.FreeTrial),
	}
	return b.message(SubscriptionTopic, in.ProductCode, action, body)
}

// EntitlementInput names the customer whose entitlements changed.
type EntitlementInput struct {
	CustomerIdentifier string
	ProductCode        string
}

type entitlementBody struct {
	Action             string `json:"action"`
	CustomerIdentifier string `json:"customer-identifier"`
	ProductCode        string `json:"product-code"`
}

// EntitlementUpdated builds the entitlement-updated message (call GetEntitlements).
func (b *Builder) EntitlementUpdated(in EntitlementInput) Message {
	body := entitlementBody{
		Action:             ActionEntitlementUpdated,
		CustomerIdentifier: in.CustomerIdentifier,
		ProductCode:        in.ProductCode,
	}
	return b.message(EntitlementTopic, in.ProductCode, ActionEntitlementUpdated, body)
}

func (b *Builder) message(topic, productCode, action string, body any) Message {
	return Message{
		Topic:    topic,
		TopicArn: TopicArn(topic, productCode),
		ID:       b.id(),
		Time:     b.clock().Format(snsTimeLayout),
		Action:   action,
		Body:     mustMarshal(body),
	}
}
