package eventbus

import (
	"encoding/xml"
	"errors"
	"net/http"
)

// ErrNoSubscription is returned by ResendConfirmation when there is nothing to resend.
var ErrNoSubscription = errors.New("no subscription to confirm")

// SNSError is an error answer of SNS's query API: HTTP status, code and message, as SNS writes
// them in an ErrorResponse document.
type SNSError struct {
	Status  int
	Code    string // InvalidAction, InvalidParameter, NotFound
	Message string
}

func (e *SNSError) Error() string { return e.Code + ": " + e.Message }

// ConfirmSubscription is SNS's ConfirmSubscription action: it confirms the subscription to
// topicArn whose confirmation carried token, and returns it. Confirming again with the same
// token returns the same subscription, as SNS does. Errors are *SNSError: NotFound (404) when no
// subscription of topicArn exists, InvalidParameter (400) for a missing parameter or a token
// that no subscription of the topic was sent.
func (b *Bus) ConfirmSubscription(topicArn, token string) (Subscription, error) {
	switch {
	case topicArn == "":
		return Subscription{}, &SNSError{Status: http.StatusBadRequest, Code: "InvalidParameter", Message: "Invalid parameter: TopicArn is required"}
	case token == "":
		return Subscription{}, &SNSError{Status: http.StatusBadRequest, Code: "InvalidParameter", Message: "Invalid parameter: Token is required"}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	var found bool
	for _, sub := range b.subs {
		if sub.TopicArn != topicArn {
			continue
		}
		found = true
		if sub.Token != token {
			continue
		}
		if sub.Status != SubscriptionConfirmed {
			at := b.clock()
			sub.Status, sub.ConfirmedAt = SubscriptionConfirmed, &at
		}
		return *sub, nil
	}
	if !found {
		return Subscription{}, &SNSError{Status: http.StatusNotFound, Code: "NotFound", Message: "Topic does not exist"}
	}
	return Subscription{}, &SNSError{Status: http.StatusBadRequest, Code: "InvalidParameter", Message: "Invalid token"}
}

// snsNamespace is the XML namespace of SNS's query API answers.
const snsNamespace = "http://sns.amazonaws.com/doc/2010-03-31/"

type confirmSubscriptionResponse struct {
	XMLName         xml.Name `xml:"ConfirmSubscriptionResponse"`
	Xmlns           string   `xml:"xmlns,attr"`
	SubscriptionArn string   `xml:"ConfirmSubscriptionResult>SubscriptionArn"`
	RequestID       string   `xml:"ResponseMetadata>RequestId"`
}

type snsErrorResponse struct {
	XMLName   xml.Name `xml:"ErrorResponse"`
	Xmlns     string   `xml:"xmlns,attr"`
	Type      string   `xml:"Error>Type"`
	Code      string   `xml:"Error>Code"`
	Message   string   `xml:"Error>Message"`
	RequestID string   `xml:"RequestId"`
}

// ServeSNS answers the SubscribeURL of a confirmation (GET with the query
// Action=ConfirmSubscription&TopicArn=...&Token=...) as SNS's query API does: a
// ConfirmSubscriptionResponse XML document with the SubscriptionArn, or an ErrorResponse with
// the status of the *SNSError. It reports whether the answer was a success, so that the caller
// can persist the confirmation.
func (b *Bus) ServeSNS(w http.ResponseWriter, r *http.Request) (confirmed bool) {
	q := r.URL.Query()
	requestID := b.id()
	var sub Subscription
	var err error
	if action := q.Get("Action"); action != "ConfirmSubscription" {
		err = &SNSError{Status: http.StatusBadRequest, Code: "InvalidAction", Message: "The action " + action + " is not valid for this endpoint; the simulator serves ConfirmSubscription"}
	} else {
		sub, err = b.ConfirmSubscription(q.Get("TopicArn"), q.Get("Token"))
	}
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("X-Amzn-Requestid", requestID)
	var doc any
	status := http.StatusOK
	var se *SNSError
	switch {
	case err == nil:
		doc = confirmSubscriptionResponse{Xmlns: snsNamespace, SubscriptionArn: sub.Arn, RequestID: requestID}
	case errors.As(err, &se):
		status = se.Status
		doc = snsErrorResponse{Xmlns: snsNamespace, Type: "Sender", Code: se.Code, Message: se.Message, RequestID: requestID}
	}
	body, merr := xml.Marshal(doc)
	if merr != nil { // the documents are structs of strings
		http.Error(w, "internal error", http.StatusInternalServerError)
		return false
	}
	w.WriteHeader(status)
	_, _ = w.Write([]byte(xml.Header))
	_, _ = w.Write(body)
	return err == nil
}
