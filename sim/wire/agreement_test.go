package wire_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/marketplaceagreement"
	agschemas "github.com/aws/aws-sdk-go-v2/service/marketplaceagreement/schemas"
	agtypes "github.com/aws/aws-sdk-go-v2/service/marketplaceagreement/types"
	"github.com/aws/smithy-go/transport/http/protocol/awsjson"

	"github.com/dealdesk/dealdesk/sim/wire"
)

const agreementService = "AWSMPCommerceService_v20200301"

// The output shapes below are written the way a simulator handler writes them: structs with
// json tags, *wire.Time for optional timestamps, unions as structs of optional members.

type agAccount struct {
	AccountID string `json:"accountId"`
}

type agResource struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}

type agProposal struct {
	OfferID   string       `json:"offerId"`
	Resources []agResource `json:"resources"`
}

type agCharges struct {
	CurrencyCode   string `json:"currencyCode"`
	AgreementValue string `json:"agreementValue"`
}

type describeAgreementOutput struct {
	AgreementID        string      `json:"agreementId"`
	AgreementType      string      `json:"agreementType"`
	Status             string      `json:"status"`
	AcceptanceTime     *wire.Time  `json:"acceptanceTime,omitempty"`
	StartTime          wire.Time   `json:"startTime"`
	EndTime            *wire.Time  `json:"endTime,omitempty"`
	Acceptor           *agAccount  `json:"acceptor,omitempty"`
	Proposer           *agAccount  `json:"proposer,omitempty"`
	ProposalSummary    *agProposal `json:"proposalSummary,omitempty"`
	EstimatedCharges   *agCharges  `json:"estimatedCharges,omitempty"`
	InitialAgreementID string      `json:"initialAgreementId,omitempty"`
}

type agDocument struct {
	Type    string `json:"type"`
	URL     string `json:"url,omitempty"`
	Version string `json:"version,omitempty"`
}

type agLegalTerm struct {
	ID        string       `json:"id"`
	Type      string       `json:"type"`
	Documents []agDocument `json:"documents"`
}

type agValidityTerm struct {
	ID                 string     `json:"id"`
	Type               string     `json:"type"`
	AgreementDuration  string     `json:"agreementDuration,omitempty"`
	AgreementStartDate *wire.Time `json:"agreementStartDate,omitempty"`
	AgreementEndDate   *wire.Time `json:"agreementEndDate,omitempty"`
}

type agScheduleItem struct {
	ChargeDate   wire.Time `json:"chargeDate"`
	ChargeAmount string    `json:"chargeAmount"`
}

type agPaymentScheduleTerm struct {
	ID           string           `json:"id"`
	Type         string           `json:"type"`
	CurrencyCode string           `json:"currencyCode"`
	Schedule     []agScheduleItem `json:"schedule"`
}

type agGrant struct {
	DimensionKey string `json:"dimensionKey"`
	MaxQuantity  int32  `json:"maxQuantity"`
}

type agFreeTrialTerm struct {
	ID       string    `json:"id"`
	Type     string    `json:"type"`
	Duration string    `json:"duration"`
	Grants   []agGrant `json:"grants"`
}

// agAcceptedTerm is the AcceptedTerm union: exactly one member is set.
type agAcceptedTerm struct {
	LegalTerm            *agLegalTerm           `json:"legalTerm,omitempty"`
	ValidityTerm         *agValidityTerm        `json:"validityTerm,omitempty"`
	PaymentScheduleTerm  *agPaymentScheduleTerm `json:"paymentScheduleTerm,omitempty"`
	FreeTrialPricingTerm *agFreeTrialTerm       `json:"freeTrialPricingTerm,omitempty"`
}

// agreementHandler serves DescribeAgreement and GetAgreementTerms in whatever protocol the
// call came in, and answers the error agreement IDs with their exceptions.
func agreementHandler(want wire.Protocol, inputs chan<- map[string]any) rpcHandler {
	return func(w http.ResponseWriter, c wire.Call) {
		if c.Protocol != want || c.Service != agreementService {
			expectCall(w, c, want, agreementService, c.Operation)
			return
		}
		var in map[string]any
		if err := c.Decode(&in); err != nil {
			wire.WriteError(w, c, http.StatusBadRequest, "ValidationException", err.Error(), nil)
			return
		}
		inputs <- in
		id, _ := in["agreementId"].(string)
		switch id {
		case "agmt-missing":
			wire.WriteError(w, c, http.StatusNotFound, "ResourceNotFoundException", "agreement agmt-missing not found",
				map[string]any{"resourceId": id, "resourceType": "Agreement", "requestId": "req-1"})
			return
		case "agmt-bad":
			wire.WriteError(w, c, http.StatusBadRequest, "ValidationException", "agreementId is malformed",
				map[string]any{"reason": "INVALID_AGREEMENT_ID", "requestId": "req-2",
					"fields": []map[string]string{{"name": "agreementId", "message": "must start with agmt-"}}})
			return
		case "agmt-throttle":
			wire.WriteError(w, c, http.StatusTooManyRequests, "ThrottlingException", "Rate exceeded", nil)
			return
		case "agmt-denied":
			wire.WriteError(w, c, http.StatusForbidden, "com.amazonaws.marketplaceagreement#AccessDeniedException",
				"not your agreement", map[string]any{"reason": "INVALID_ACCOUNT_STATE"})
			return
		}
		switch c.Operation {
		case "DescribeAgreement":
			wire.WriteResult(w, c, describeAgreementOutput{
				AgreementID:    id,
				AgreementType:  "PurchaseAgreement",
				Status:         "ACTIVE",
				AcceptanceTime: wire.TimePtr(t0.Add(250 * time.Millisecond)),
				StartTime:      wire.NewTime(t0),
				EndTime:        wire.TimePtr(t0.AddDate(1, 0, 0)),
				Acceptor:       &agAccount{AccountID: "111122223333"},
				Proposer:       &agAccount{AccountID: "444455556666"},
				ProposalSummary: &agProposal{OfferID: "offer-abc", Resources: []agResource{
					{ID: "prod-123", Type: "SaaSProduct"}, {ID: "resaleauthz-9", Type: "ResaleAuthorization"}}},
				EstimatedCharges: &agCharges{CurrencyCode: "USD", AgreementValue: "12000.00"},
			})
		case "GetAgreementTerms":
			terms := []any{
				agAcceptedTerm{LegalTerm: &agLegalTerm{ID: "term-legal", Type: "LegalTerm",
					Documents: []agDocument{{Type: "CustomEula", URL: "https://example.com/eula.pdf"}}}},
				agAcceptedTerm{ValidityTerm: &agValidityTerm{ID: "term-validity", Type: "ValidityTerm",
					AgreementDuration: "P365D", AgreementStartDate: wire.TimePtr(t0), AgreementEndDate: wire.TimePtr(t0.AddDate(1, 0, 0))}},
				agAcceptedTerm{PaymentScheduleTerm: &agPaymentScheduleTerm{ID: "term-pay", Type: "PaymentScheduleTerm", CurrencyCode: "USD",
					Schedule: []agScheduleItem{{ChargeDate: wire.NewTime(t0), ChargeAmount: "6000.00"},
						{ChargeDate: wire.NewTime(t0.AddDate(0, 6, 0)), ChargeAmount: "6000.00"}}}},
				agAcceptedTerm{FreeTrialPricingTerm: &agFreeTrialTerm{ID: "term-trial", Type: "FreeTrialPricingTerm",
					Duration: "P30D", Grants: []agGrant{{DimensionKey: "users", MaxQuantity: 10}}}},
				// A union member built as a generic map, the way JSON-shaped state may be kept:
				// the whole number must still reach the SDK as an integer.
				map[string]any{"renewalTerm": map[string]any{"id": "term-renew", "type": "RenewalTerm", "maxRenewals": float64(3)}},
				// And one carried as raw JSON.
				map[string]any{"supportTerm": json.RawMessage(`{"id":"term-support","type":"SupportTerm","refundPolicy":"No refunds"}`)},
			}
			wire.WriteResult(w, c, map[string]any{"acceptedTerms": terms, "nextToken": "page-2"})
		default:
			wire.WriteError(w, c, http.StatusBadRequest, "UnknownOperationException", "unknown operation "+c.Operation, nil)
		}
	}
}

// agreementProtocols are the two ways the Agreement client talks to the simulator.
var agreementProtocols = []struct {
	name  string
	proto wire.Protocol
	pin   func(*marketplaceagreement.Options)
}{
	{"default RPC v2 CBOR client", wire.RPCv2CBOR, func(*marketplaceagreement.Options) {}},
	{"client pinned to awsJson 1.0", wire.AWSJSON10, func(o *marketplaceagreement.Options) {
		o.Protocol = awsjson.New10(agschemas.AWSMPCommerceService_v20200301)
	}},
}

func newAgreementClient(url string, pin func(*marketplaceagreement.Options)) *marketplaceagreement.Client {
	return marketplaceagreement.NewFromConfig(awsConfig(), func(o *marketplaceagreement.Options) {
		o.BaseEndpoint = aws.String(url)
		pin(o)
	})
}

func TestAgreementDescribeAgreement(t *testing.T) {
	t.Parallel()
	for _, p := range agreementProtocols {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			inputs := make(chan map[string]any, 1)
			client := newAgreementClient(newRPCServer(t, agreementHandler(p.proto, inputs)), p.pin)

			out, err := client.DescribeAgreement(context.Background(), &marketplaceagreement.DescribeAgreementInput{
				AgreementId: aws.String("agmt-1"),
			})
			if err != nil {
				t.Fatalf("DescribeAgreement: %v", err)
			}
			if in := decoded(t, inputs); in["agreementId"] != "agmt-1" || len(in) != 1 {
				t.Errorf("handler decoded input %v, want only agreementId agmt-1", in)
			}
			checks := []struct {
				field     string
				got, want any
			}{
				{"agreementId", aws.ToString(out.AgreementId), "agmt-1"},
				{"agreementType", aws.ToString(out.AgreementType), "PurchaseAgreement"},
				{"status", out.Status, agtypes.AgreementStatusActive},
				{"acceptanceTime", aws.ToTime(out.AcceptanceTime).UTC(), t0.Add(250 * time.Millisecond)},
				{"startTime", aws.ToTime(out.StartTime).UTC(), t0},
				{"endTime", aws.ToTime(out.EndTime).UTC(), t0.AddDate(1, 0, 0)},
				{"acceptor", aws.ToString(out.Acceptor.AccountId), "111122223333"},
				{"proposer", aws.ToString(out.Proposer.AccountId), "444455556666"},
				{"offerId", aws.ToString(out.ProposalSummary.OfferId), "offer-abc"},
				{"offerSetId omitted", out.ProposalSummary.OfferSetId, (*string)(nil)},
				{"resources", len(out.ProposalSummary.Resources), 2},
				{"resource[1].id", aws.ToString(out.ProposalSummary.Resources[1].Id), "resaleauthz-9"},
				{"resource[1].type", aws.ToString(out.ProposalSummary.Resources[1].Type), "ResaleAuthorization"},
				{"currency", aws.ToString(out.EstimatedCharges.CurrencyCode), "USD"},
				{"agreementValue", aws.ToString(out.EstimatedCharges.AgreementValue), "12000.00"},
				{"initialAgreementId omitted", out.InitialAgreementId, (*string)(nil)},
				{"endTimeBehavior omitted", out.EndTimeBehavior, (*agtypes.EndTimeBehavior)(nil)},
			}
			for _, c := range checks {
				if c.got != c.want {
					t.Errorf("%s = %v, want %v", c.field, c.got, c.want)
				}
			}
		})
	}
}

func TestAgreementGetAgreementTermsUnionList(t *testing.T) {
	t.Parallel()
	for _, p := range agreementProtocols {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			inputs := make(chan map[string]any, 1)
			client := newAgreementClient(newRPCServer(t, agreementHandler(p.proto, inputs)), p.pin)

			out, err := client.GetAgreementTerms(context.Background(), &marketplaceagreement.GetAgreementTermsInput{
				AgreementId: aws.String("agmt-1"),
				MaxResults:  aws.Int32(7),
			})
			if err != nil {
				t.Fatalf("GetAgreementTerms: %v", err)
			}
			in := decoded(t, inputs)
			if in["agreementId"] != "agmt-1" || in["maxResults"] != float64(7) {
				t.Errorf("handler decoded input %v, want agreementId agmt-1 and maxResults 7", in)
			}
			if aws.ToString(out.NextToken) != "page-2" {
				t.Errorf("nextToken = %q, want page-2", aws.ToString(out.NextToken))
			}
			if len(out.AcceptedTerms) != 6 {
				t.Fatalf("got %d accepted terms (%#v), want 6", len(out.AcceptedTerms), out.AcceptedTerms)
			}

			legal, ok := out.AcceptedTerms[0].(*agtypes.AcceptedTermMemberLegalTerm)
			if !ok {
				t.Fatalf("term 0 is %T, want legal term", out.AcceptedTerms[0])
			}
			if aws.ToString(legal.Value.Id) != "term-legal" || len(legal.Value.Documents) != 1 ||
				aws.ToString(legal.Value.Documents[0].Url) != "https://example.com/eula.pdf" ||
				legal.Value.Documents[0].Version != nil {
				t.Errorf("legal term = %+v", legal.Value)
			}

			validity, ok := out.AcceptedTerms[1].(*agtypes.AcceptedTermMemberValidityTerm)
			if !ok {
				t.Fatalf("term 1 is %T, want validity term", out.AcceptedTerms[1])
			}
			if !aws.ToTime(validity.Value.AgreementStartDate).Equal(t0) ||
				!aws.ToTime(validity.Value.AgreementEndDate).Equal(t0.AddDate(1, 0, 0)) ||
				aws.ToString(validity.Value.AgreementDuration) != "P365D" {
				t.Errorf("validity term = %+v", validity.Value)
			}

			pay, ok := out.AcceptedTerms[2].(*agtypes.AcceptedTermMemberPaymentScheduleTerm)
			if !ok {
				t.Fatalf("term 2 is %T, want payment schedule term", out.AcceptedTerms[2])
			}
			if len(pay.Value.Schedule) != 2 || !aws.ToTime(pay.Value.Schedule[1].ChargeDate).Equal(t0.AddDate(0, 6, 0)) ||
				aws.ToString(pay.Value.Schedule[1].ChargeAmount) != "6000.00" {
				t.Errorf("payment schedule term = %+v", pay.Value)
			}

			trial, ok := out.AcceptedTerms[3].(*agtypes.AcceptedTermMemberFreeTrialPricingTerm)
			if !ok {
				t.Fatalf("term 3 is %T, want free trial term", out.AcceptedTerms[3])
			}
			if len(trial.Value.Grants) != 1 || aws.ToInt32(trial.Value.Grants[0].MaxQuantity) != 10 {
				t.Errorf("free trial term = %+v", trial.Value)
			}

			renewal, ok := out.AcceptedTerms[4].(*agtypes.AcceptedTermMemberRenewalTerm)
			if !ok {
				t.Fatalf("term 4 is %T, want renewal term", out.AcceptedTerms[4])
			}
			if aws.ToInt32(renewal.Value.MaxRenewals) != 3 || aws.ToString(renewal.Value.Id) != "term-renew" {
				t.Errorf("renewal term = %+v", renewal.Value)
			}

			support, ok := out.AcceptedTerms[5].(*agtypes.AcceptedTermMemberSupportTerm)
			if !ok {
				t.Fatalf("term 5 is %T, want support term", out.AcceptedTerms[5])
			}
			if aws.ToString(support.Value.RefundPolicy) != "No refunds" {
				t.Errorf("support term = %+v", support.Value)
			}
		})
	}
}

func TestAgreementErrorsAreTyped(t *testing.T) {
	t.Parallel()
	for _, p := range agreementProtocols {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			inputs := make(chan map[string]any, 16)
			client := newAgreementClient(newRPCServer(t, agreementHandler(p.proto, inputs)), p.pin)
			describe := func(id string) error {
				_, err := client.DescribeAgreement(context.Background(), &marketplaceagreement.DescribeAgreementInput{AgreementId: aws.String(id)})
				return err
			}

			t.Run("ValidationException carries reason and fields", func(t *testing.T) {
				var e *agtypes.ValidationException
				if err := describe("agmt-bad"); !errors.As(err, &e) {
					t.Fatalf("error %v (%T) is not a ValidationException", err, err)
				}
				if e.Reason != agtypes.ValidationExceptionReasonInvalidAgreementId || e.ErrorMessage() != "agreementId is malformed" ||
					aws.ToString(e.RequestId) != "req-2" || len(e.Fields) != 1 || aws.ToString(e.Fields[0].Name) != "agreementId" ||
					aws.ToString(e.Fields[0].Message) != "must start with agmt-" || e.ErrorCode() != "ValidationException" {
					t.Errorf("ValidationException = %+v", e)
				}
			})
			t.Run("ResourceNotFoundException carries the resource", func(t *testing.T) {
				var e *agtypes.ResourceNotFoundException
				if err := describe("agmt-missing"); !errors.As(err, &e) {
					t.Fatalf("error %v (%T) is not a ResourceNotFoundException", err, err)
				}
				if aws.ToString(e.ResourceId) != "agmt-missing" || e.ResourceType != agtypes.ResourceTypeAgreement ||
					e.ErrorMessage() != "agreement agmt-missing not found" {
					t.Errorf("ResourceNotFoundException = %+v", e)
				}
			})
			t.Run("ThrottlingException", func(t *testing.T) {
				var e *agtypes.ThrottlingException
				if err := describe("agmt-throttle"); !errors.As(err, &e) {
					t.Fatalf("error %v (%T) is not a ThrottlingException", err, err)
				}
				if e.ErrorMessage() != "Rate exceeded" || aws.ToString(e.RequestId) == "" {
					t.Errorf("ThrottlingException = %+v, want its message and a request ID", e)
				}
			})
			t.Run("AccessDeniedException from a qualified __type", func(t *testing.T) {
				var e *agtypes.AccessDeniedException
				if err := describe("agmt-denied"); !errors.As(err, &e) {
					t.Fatalf("error %v (%T) is not an AccessDeniedException", err, err)
				}
				if e.Reason != agtypes.AccessDeniedExceptionReasonInvalidAccountState || e.ErrorMessage() != "not your agreement" {
					t.Errorf("AccessDeniedException = %+v", e)
				}
			})
		})
	}
}
