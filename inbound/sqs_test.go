package inbound_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/inbound"
)

// TestParseSQSBodyFromTheSimulatorsQueue plays the CPPO flow with the simulator delivering to
// its own SQS queue (EventBridge events as the body, legacy messages in their signed SNS
// envelope, as an SNS → SQS subscription delivers them), receives with the real SQS client and
// parses every body.
func TestParseSQSBodyFromTheSimulatorsQueue(t *testing.T) {
	t.Parallel()
	e := newSim(t)
	q := sqs.NewFromConfig(aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("AKIDSELLER", "secret", ""),
		Retryer: func() aws.Retryer { return aws.NopRetryer{} }}, func(o *sqs.Options) { o.BaseEndpoint = aws.String(e.url) })
	created, err := q.CreateQueue(testCtx(t), &sqs.CreateQueueInput{QueueName: aws.String("marketplace-events")})
	if err != nil {
		t.Fatalf("CreateQueue: %v", err)
	}
	e.control(t, http.MethodPut, "/_sim/events", map[string]any{"targets": []any{map[string]any{
		"name": "queue", "type": "sqs", "queueName": "marketplace-events",
		"streams": []string{"eventbridge", "subscription", "entitlement"}}}}, nil)

	ra := e.publishResaleAuthorization(t)
	var offer struct {
		OfferID string `json:"offerId"`
	}
	e.control(t, http.MethodPost, "/_sim/resellers/"+simReseller+"/offers", map[string]any{"resaleAuthorizationId": ra, "buyerAccountIds": []string{simBuyer}}, &offer)
	var accepted struct {
		AgreementID string `json:"agreementId"`
	}
	e.control(t, http.MethodPost, "/_sim/buyers/"+simBuyer+"/accept", map[string]any{"offerId": offer.OfferID}, &accepted)

	want := []dealdesk.EventKind{dealdesk.EventChangeSetSucceeded, dealdesk.EventOfferReleased, dealdesk.EventAgreementCreated,
		dealdesk.EventLicenseUpdated, dealdesk.EventSubscribeSuccess, dealdesk.EventEntitlementUpdated}
	got := map[dealdesk.EventKind]*dealdesk.AWSEvent{}
	verifier := newVerifier(t, inbound.SNSConfig{AllowedOrigins: []string{e.url}})
	deadline := time.Now().Add(waitFor)
	for len(got) < len(want) && time.Now().Before(deadline) {
		out, err := q.ReceiveMessage(testCtx(t), &sqs.ReceiveMessageInput{QueueUrl: created.QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
		if err != nil {
			t.Fatalf("ReceiveMessage: %v", err)
		}
		for _, m := range out.Messages {
			body := []byte(aws.ToString(m.Body))
			ev, err := inbound.ParseSQSBody(body)
			if err != nil {
				t.Fatalf("ParseSQSBody: %v\n%s", err, body)
			}
			if ev.Legacy != nil { // in its SNS envelope, which is signed
				if _, err := verifier.Verify(testCtx(t), body); err != nil {
					t.Errorf("Verify of the SNS envelope of %s: %v", ev.Kind, err)
				}
			}
			got[ev.Kind] = ev
		}
	}
	for _, k := range want {
		if got[k] == nil {
			t.Errorf("no %s event in the queue (got %d kinds)", k, len(got))
		}
	}
	if a := got[dealdesk.EventAgreementCreated]; a != nil && (a.Agreement.AgreementID != accepted.AgreementID || a.Agreement.OfferID != offer.OfferID) {
		t.Errorf("agreement %+v, want %s of offer %s", a.Agreement, accepted.AgreementID, offer.OfferID)
	}
	if s := got[dealdesk.EventSubscribeSuccess]; s != nil && (s.ID == "" || s.Legacy.OfferIdentifier != offer.OfferID) {
		t.Errorf("subscribe-success %+v (id %q), want offer %s", s.Legacy, s.ID, offer.OfferID)
	}
}
