package http

import (
	"context"
	"net/http"
	"strings"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/inbound"
)

// MarketplaceTopicAccount is the AWS account that owns the legacy topics of every SaaS product,
// arn:aws:sns:us-east-1:287250355862:aws-mp-{subscription,entitlement}-notification-<product
// code> (Seller Guide "Amazon SNS notifications for SaaS products").
const MarketplaceTopicAccount = "287250355862"

// EventsTopicName is the name of the topic, in the seller account and us-east-1, that an
// EventBridge rule publishes AWS Marketplace's events to for the SNS hook: the name the
// simulator's sns targets use by default (sim/eventbus DefaultTopicName), and the one the vendor
// gives its topic on AWS (decision 022).
const EventsTopicName = "dealdesk-marketplace-events"

// topicRegion is the region of every topic the hook accepts: AWS Marketplace's legacy topics
// and its EventBridge events are in us-east-1 (reference §2).
const topicRegion = "us-east-1"

// legacyTopicPrefixes are the names of a product's legacy topics, before its product code.
var legacyTopicPrefixes = []string{"aws-mp-subscription-notification-", "aws-mp-entitlement-notification-"}

// snsTopic is a parsed SNS topic ARN, arn:aws:sns:<region>:<account>:<name>.
type snsTopic struct{ region, account, name string }

// parseTopicArn parses an SNS topic ARN of the aws partition; ok is false for anything else.
func parseTopicArn(arn string) (t snsTopic, ok bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[1] != "aws" || parts[2] != "sns" || parts[5] == "" {
		return snsTopic{}, false
	}
	return snsTopic{region: parts[3], account: parts[4], name: parts[5]}, true
}

// legacyProductCode returns the product code of a legacy aws-mp-* topic of AWS Marketplace's
// account in us-east-1, "" for any other topic.
func (t snsTopic) legacyProductCode() string {
	if t.account != MarketplaceTopicAccount || t.region != topicRegion {
		return ""
	}
	for _, p := range legacyTopicPrefixes {
		if code, ok := strings.CutPrefix(t.name, p); ok {
			return code
		}
	}
	return ""
}

// topicAllowed reports whether the SNS hook of the organization of ctx, whose seller account is
// sellerAccountID ("" when it has no AWS connection), accepts messages of topicArn; only these
// (review F12, decision 022):
//   - arn:aws:sns:us-east-1:<seller account>:dealdesk-marketplace-events (EventsTopicName), the
//     topic its EventBridge rule publishes to;
//   - arn:aws:sns:us-east-1:287250355862:aws-mp-subscription-notification-<code> and
//     aws-mp-entitlement-notification-<code>, where <code> is the product code of one of the
//     organization's products: AWS Marketplace's legacy topics, which only the product's
//     seller may subscribe to.
//
// SNS recommends refusing unexpected topics, since anyone can subscribe an endpoint to a topic
// of their own. A failure to read the products is returned.
func (s *Server) topicAllowed(ctx context.Context, topicArn, sellerAccountID string) (bool, error) {
	t, ok := parseTopicArn(topicArn)
	if !ok || t.region != topicRegion {
		return false, nil
	}
	if sellerAccountID != "" && t.account == sellerAccountID && t.name == EventsTopicName {
		return true, nil
	}
	code := t.legacyProductCode()
	if code == "" {
		return false, nil
	}
	cursor := ""
	for {
		ps, next, err := s.cfg.Products.FindProducts(ctx, dealdesk.ProductFilter{Cursor: cursor, Limit: dealdesk.MaxPageSize})
		if err != nil {
			return false, err
		}
		for _, p := range ps {
			if p.ProductCode != "" && p.ProductCode == code {
				return true, nil
			}
		}
		if next == "" {
			return false, nil
		}
		cursor = next
	}
}

// handleSNSHook takes a message of an SNS HTTP(S) subscription: POST /hooks/aws/sns/{orgKey},
// no API key. Every message is verified (inbound.SNS.Verify: signature, certificate URL on the
// allow-list) and its topic must be one the organization expects (Server.topicAllowed); a refused one
// is 401 and nothing is stored. A SubscriptionConfirmation is confirmed (its SubscribeURL
// visited) and kept in the inbox as UNKNOWN; a Notification is stored raw once, by the event ID
// it carries (the EventBridge event's id, or the MessageId of a legacy message), and processed
// later by an ApplyEventJob; a Notification whose Message cannot be read is stored MALFORMED and
// answered 400. A certificate or confirmation that cannot be had now is 503, which SNS retries.
// A body may have up to inbound.MaxBodyBytes (1 MiB: a 256 KiB message escaped in its
// envelope), and is stored whole; a larger one is 413, before the endpoint is looked up.
func (s *Server) handleSNSHook(w http.ResponseWriter, r *http.Request) {
	if err := newQuery(r).err(); err != nil { // AWS adds no query parameters
		s.error(w, r, err)
		return
	}
	if err := checkContentLength(r, inbound.MaxBodyBytes); err != nil {
		s.error(w, r, err)
		return
	}
	_, ctx, err := s.hookOrg(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	body, err := readHookBody(w, r, inbound.MaxBodyBytes)
	if err != nil {
		s.error(w, r, err)
		return
	}
	m, err := s.cfg.SNS.Verify(ctx, body)
	if err != nil {
		s.snsError(w, r, err)
		return
	}
	seller, err := s.sellerAccount(ctx)
	if err != nil {
		s.error(w, r, err)
		return
	}
	allowed, err := s.topicAllowed(ctx, m.TopicArn, seller)
	if err != nil {
		s.error(w, r, err)
		return
	}
	if !allowed {
		s.error(w, r, dealdesk.Errorf(dealdesk.EUNAUTHORIZED, "SNS message: TopicArn %q is not a topic this organization expects: "+
			"arn:aws:sns:%s:<seller account of its AWS connection>:%s, or AWS Marketplace's aws-mp-subscription-notification-<code> "+
			"or aws-mp-entitlement-notification-<code> topic of one of its products.", dealdesk.Clip(m.TopicArn, 300), topicRegion, EventsTopicName))
		return
	}
	in := &dealdesk.InboxEvent{Channel: dealdesk.ChannelSNS, Body: body, EventID: m.MessageID}
	switch m.Type {
	case inbound.SNSSubscriptionConfirmation:
		arn, err := s.cfg.SNS.Confirm(ctx, m)
		if err != nil {
			s.snsError(w, r, err)
			return
		}
		s.logger.InfoContext(ctx, "confirmed an SNS subscription", "org", dealdesk.OrgIDFromContext(ctx), "topic", m.TopicArn,
			"subscription", arn)
		in.Status, in.Error = dealdesk.InboxUnknown, "SubscriptionConfirmation, confirmed: "+arn
	case inbound.SNSNotification:
		ev, parseErr := m.Event()
		if parseErr != nil {
			in.Status, in.Error = dealdesk.InboxMalformed, dealdesk.ErrorMessage(parseErr)
			s.storeHookEvent(w, r, ctx, in, dealdesk.Errorf(dealdesk.EMALFORMED, "%s (stored as %s).",
				dealdesk.ErrorMessage(parseErr), dealdesk.InboxMalformed))
			return
		}
		markParsed(in, ev, seller)
	default:
		in.Status, in.Error = dealdesk.InboxUnknown, m.Type+" (kept, not acted on)"
	}
	s.storeHookEvent(w, r, ctx, in, nil)
}

// snsError answers an error of inbound.SNS: a malformed message is 400 and a refused one 401;
// anything else (a certificate or a SubscribeURL that did not answer) is 503, for SNS to retry.
func (s *Server) snsError(w http.ResponseWriter, r *http.Request, err error) {
	switch dealdesk.ErrorCode(err) {
	case dealdesk.EMALFORMED, dealdesk.EUNAUTHORIZED:
		s.error(w, r, err)
	default:
		s.logger.WarnContext(r.Context(), "SNS verification could not complete", append(requestAttrs(r), "err", err)...)
		s.error(w, r, dealdesk.Errorf(codeUnavailable, "The SNS signing certificate or SubscribeURL could not be reached; try again."))
	}
}
