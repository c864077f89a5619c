package inbound

import (
	"encoding/json"

	"github.com/dealdesk/dealdesk"
)

// legacyWhat names what the errors about a legacy message are about.
const legacyWhat = "AWS Marketplace SNS message"

// legacyKinds maps the action of a legacy SNS message to its kind (Seller Guide "Amazon SNS
// notifications for SaaS products"; reference §2.2).
var legacyKinds = map[string]dealdesk.EventKind{
	"subscribe-success":   dealdesk.EventSubscribeSuccess,
	"subscribe-fail":      dealdesk.EventSubscribeFail,
	"unsubscribe-pending": dealdesk.EventUnsubscribePending,
	"unsubscribe-success": dealdesk.EventUnsubscribeSuccess,
	"entitlement-updated": dealdesk.EventEntitlementUpdated,
}

// legacyMessage is the Message of a product's aws-mp-subscription-notification or
// aws-mp-entitlement-notification topic.
type legacyMessage struct {
	Action             string          `json:"action"`
	CustomerIdentifier string          `json:"customer-identifier"`
	ProductCode        string          `json:"product-code"`
	OfferIdentifier    string          `json:"offer-identifier"`
	FreeTrial          json.RawMessage `json:"isFreeTrialTermPresent"`
}

// parseLegacy turns the legacy message of Notification m into an event: ID the MessageId,
// Time the Timestamp, Source the TopicArn, DetailType the action. A known action needs
// customer-identifier and product-code; an unknown one is dealdesk.EventUnknown.
func parseLegacy(m *SNSMessage) (*dealdesk.AWSEvent, error) {
	var p problems
	var l legacyMessage
	if !decodeObject([]byte(m.Message), "Message", &l, &p) {
		return nil, p.err(legacyWhat)
	}
	required(&p, "Message.action", l.Action)
	ev := &dealdesk.AWSEvent{ID: m.MessageID, Source: m.TopicArn, DetailType: l.Action, Time: m.Timestamp,
		Resources: []string{}, Kind: dealdesk.EventUnknown}
	if kind, ok := legacyKinds[l.Action]; ok {
		ev.Kind = kind
		required(&p, "Message.customer-identifier", l.CustomerIdentifier)
		required(&p, "Message.product-code", l.ProductCode)
		ev.Legacy = &dealdesk.LegacyReport{TopicArn: m.TopicArn, Action: l.Action,
			CustomerIdentifier: l.CustomerIdentifier, ProductCode: l.ProductCode,
			OfferIdentifier: l.OfferIdentifier, FreeTrial: freeTrial(&p, l.FreeTrial)}
	}
	if err := p.err(legacyWhat); err != nil {
		return nil, err
	}
	return ev, nil
}

// freeTrial reads isFreeTrialTermPresent, which AWS sends as the string "true" or "false"; a
// JSON boolean is taken too, and absent or null is false.
func freeTrial(p *problems, raw json.RawMessage) bool {
	switch string(raw) {
	case "", "null", `"false"`, "false":
		return false
	case `"true"`, "true":
		return true
	}
	p.add("Message.isFreeTrialTermPresent", "must be \"true\" or \"false\", got %s", dealdesk.Clip(string(raw), 64))
	return false
}
