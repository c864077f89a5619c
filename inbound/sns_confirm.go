package inbound

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"

	"github.com/dealdesk/dealdesk"
)

// maxConfirmationBytes bounds SNS's answer to a SubscribeURL (a short XML document).
const maxConfirmationBytes = 64 << 10

// Confirm confirms the subscription a verified SubscriptionConfirmation asks for, by visiting
// its SubscribeURL (an HTTP GET, as the SNS Developer Guide says), and returns the
// SubscriptionArn from SNS's ConfirmSubscriptionResponse. The SubscribeURL must be on the same
// allow-list as certificates: nothing is requested otherwise.
//
// Errors: EUNAUTHORIZED for a message Verify did not return, or a SubscribeURL off the
// allow-list; EMALFORMED for a message that is not a SubscriptionConfirmation; any other error
// (the request failed, or SNS refused it, such as an expired token) names SNS's answer.
func (s *SNS) Confirm(ctx context.Context, m *SNSMessage) (subscriptionArn string, err error) {
	switch {
	case m == nil || !m.verified:
		return "", unauthorized("only a message returned by Verify can be confirmed")
	case m.Type != SNSSubscriptionConfirmation:
		return "", malformed(snsMessageWhat, "Type: only a %s can be confirmed, this is a %s", SNSSubscriptionConfirmation, m.Type)
	}
	if err := s.trusted("SubscribeURL", m.SubscribeURL); err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(ctx, FetchTimeout)
	defer cancel()
	b, err := s.get(ctx, m.SubscribeURL, maxConfirmationBytes)
	var se *statusError
	switch {
	case errors.As(err, &se):
		var e struct {
			Code    string `xml:"Error>Code"`
			Message string `xml:"Error>Message"`
		}
		if xml.Unmarshal(b, &e) == nil && e.Code != "" {
			return "", fmt.Errorf("confirming the subscription to %s: SNS %s: %s: %s", m.TopicArn, se, e.Code, dealdesk.Clip(e.Message, 256))
		}
		return "", fmt.Errorf("confirming the subscription to %s: SNS %s", m.TopicArn, se)
	case err != nil:
		return "", fmt.Errorf("confirming the subscription to %s: %w", m.TopicArn, err)
	}
	var out struct {
		XMLName         xml.Name `xml:"ConfirmSubscriptionResponse"`
		SubscriptionArn string   `xml:"ConfirmSubscriptionResult>SubscriptionArn"`
	}
	if err := xml.Unmarshal(b, &out); err != nil || out.SubscriptionArn == "" {
		return "", fmt.Errorf("confirming the subscription to %s: SNS's answer is not a ConfirmSubscriptionResponse with a SubscriptionArn", m.TopicArn)
	}
	return out.SubscriptionArn, nil
}
