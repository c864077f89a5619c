package http

import (
	"net/http"
	"strings"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/inbound"
)

// MarketplaceTopicAccount is the AWS account that owns the legacy topics of every SaaS product,
// arn:aws:sns:us-east-1:287250355862:aws-mp-{subscription,entitlement}-notification-<product
// code> (Seller Guide "Amazon SNS notifications for SaaS products").
const MarketplaceTopicAccount = "287250355862"

// legacyTopicPrefixes are the names of a product's legacy topics, before its product code.
var legacyTopicPrefixes = []string{"aws-mp-subscription-notification-", "aws-mp-entitlement-notification-"}

// topicAllowed reports whether the SNS hook of an organization whose seller account is
// sellerAccountID ("" when it has no AWS connection) accepts messages of topicArn: a topic of
// the seller's own account (where the seller makes the topic its EventBridge rule publishes
// to), or a legacy aws-mp-* topic of AWS Marketplace's account, which only a product's seller
// may subscribe to (decision 016). SNS recommends refusing unexpected topics, since anyone can
// subscribe an endpoint to a topic of their own.
func topicAllowed(topicArn, sellerAccountID string) bool {
	parts := strings.SplitN(topicArn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "sns" || parts[5] == "" {
		return false
	}
	account, name := parts[4], parts[5]
	if sellerAccountID != "" && account == sellerAccountID {
		return true
	}
	if account != MarketplaceTopicAccount {
		return false
	}
	for _, p := range legacyTopicPrefixes {
		if strings.HasPrefix(name, p) && len(name) > len(p) {
			return true
		}
	}
	return false
}

// handleSNSHook takes a message of an SNS HTTP(S) subscription: POST /hooks/aws/sns/{orgKey},
// no API key. Every message is verified (inbound.SNS.Verify: signature, certificate URL on the
// allow-list) and its topic must be one the organization expects (topicAllowed); a refused one
// is 401 and nothing is stored. A SubscriptionConfirmation is confirmed (its SubscribeURL
// visited) and kept in the inbox as UNKNOWN; a Notification is stored raw once, by the event ID
// it carries (the EventBridge event's id, or the MessageId of a legacy message), and processed
// later by an ApplyEventJob; a Notification whose Message cannot be read is stored MALFORMED and
// answered 400. A certificate or confirmation that cannot be had now is 503, which SNS retries.
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
	if !topicAllowed(m.TopicArn, seller) {
		s.error(w, r, dealdesk.Errorf(dealdesk.EUNAUTHORIZED, "SNS message: TopicArn %q is not a topic this organization expects: "+
			"a topic of its seller account (set in its AWS connection) or an AWS Marketplace aws-mp-* topic.", dealdesk.Clip(m.TopicArn, 300)))
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
