package sim_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/marketplaceagreement"
	agschemas "github.com/aws/aws-sdk-go-v2/service/marketplaceagreement/schemas"
	agtypes "github.com/aws/aws-sdk-go-v2/service/marketplaceagreement/types"
	"github.com/aws/aws-sdk-go-v2/service/marketplacecatalog"
	"github.com/aws/aws-sdk-go-v2/service/marketplaceentitlementservice"
	"github.com/aws/aws-sdk-go-v2/service/marketplacemetering"
	mtypes "github.com/aws/aws-sdk-go-v2/service/marketplacemetering/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/aws/smithy-go/transport/http/protocol/awsjson"
)

// clientCall is one operation of a real SDK client against the simulator, made with cfg.
type clientCall struct {
	name string
	call func(e *env, cfg aws.Config) error
}

// sdkCalls makes one read (or harmless) call with every SDK client, in every protocol the
// simulator serves.
func sdkCalls() []clientCall {
	return []clientCall{
		{"catalog (restJson1)", func(e *env, cfg aws.Config) error {
			_, err := marketplacecatalog.NewFromConfig(cfg, func(o *marketplacecatalog.Options) { o.BaseEndpoint = aws.String(e.url) }).
				ListChangeSets(ctx(e.t), &marketplacecatalog.ListChangeSetsInput{Catalog: aws.String("AWSMarketplace")})
			return err
		}},
		{"metering (awsJson 1.1)", func(e *env, cfg aws.Config) error {
			_, err := marketplacemetering.NewFromConfig(cfg, func(o *marketplacemetering.Options) { o.BaseEndpoint = aws.String(e.url) }).
				BatchMeterUsage(ctx(e.t), &marketplacemetering.BatchMeterUsageInput{UsageRecords: []mtypes.UsageRecord{}})
			return err
		}},
		{"entitlement (rpcv2Cbor)", func(e *env, cfg aws.Config) error {
			_, err := marketplaceentitlementservice.NewFromConfig(cfg, func(o *marketplaceentitlementservice.Options) { o.BaseEndpoint = aws.String(e.url) }).
				GetEntitlements(ctx(e.t), &marketplaceentitlementservice.GetEntitlementsInput{ProductCode: aws.String(newProductCode)})
			return err
		}},
		{"agreement (rpcv2Cbor)", func(e *env, cfg aws.Config) error { return searchAgreements(e, cfg, false) }},
		{"agreement (awsJson 1.0)", func(e *env, cfg aws.Config) error { return searchAgreements(e, cfg, true) }},
		{"sqs (awsJson 1.0)", func(e *env, cfg aws.Config) error {
			_, err := sqs.NewFromConfig(cfg, func(o *sqs.Options) { o.BaseEndpoint = aws.String(e.url) }).ListQueues(ctx(e.t), &sqs.ListQueuesInput{})
			return err
		}},
	}
}

// searchAgreements runs SearchAgreements with an Agreement client made from cfg, in CBOR (the
// SDK's default) or pinned to awsJson 1.0.
func searchAgreements(e *env, cfg aws.Config, json bool) error {
	c := marketplaceagreement.NewFromConfig(cfg, func(o *marketplaceagreement.Options) {
		o.BaseEndpoint = aws.String(e.url)
		if json {
			o.Protocol = awsjson.New10(agschemas.AWSMPCommerceService_v20200301)
		}
	})
	_, err := c.SearchAgreements(ctx(e.t), &marketplaceagreement.SearchAgreementsInput{Catalog: aws.String("AWSMarketplace"),
		Filters: []agtypes.Filter{{Name: aws.String("PartyType"), Values: []string{"Proposer"}}, {Name: aws.String("AgreementType"), Values: []string{"PurchaseAgreement"}}}})
	return err
}

// apiError returns the error code and HTTP status of an SDK error, failing the test when err is
// not an AWS API error.
func apiError(t *testing.T, what string, err error) (string, int) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("%s: %v, want an AWS API error", what, err)
	}
	status := 0
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) {
		status = re.HTTPStatusCode()
	}
	return ae.ErrorCode(), status
}

// TestSignatureScopeIsChecked: every SDK client, in every protocol, is refused with AWS's
// authentication errors when it signs for another region or does not sign at all, and served
// when it signs like AWS expects (region us-east-1, its own signing name).
func TestSignatureScopeIsChecked(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	wrongRegion := awsConfig(seller)
	wrongRegion.Region = "us-west-2"
	anonymous := awsConfig(seller)
	anonymous.Credentials = aws.AnonymousCredentials{}
	for _, c := range sdkCalls() {
		t.Run(c.name, func(t *testing.T) {
			e := &env{t: t, url: e.url}
			if err := c.call(e, awsConfig(seller)); err != nil {
				t.Fatalf("signed for us-east-1: %v", err)
			}
			sqsCall := strings.HasPrefix(c.name, "sqs")
			// SQS reports its legacy (awsQuery) codes, which its SDK reads from x-amzn-query-error.
			wantRegion, wantMissing := "InvalidSignatureException", "MissingAuthenticationTokenException"
			if sqsCall {
				wantRegion, wantMissing = "SignatureDoesNotMatch", "MissingAuthenticationToken"
			}
			wantStatus := http.StatusBadRequest
			if strings.HasPrefix(c.name, "catalog") {
				wantStatus = http.StatusForbidden
			}
			code, status := apiError(t, "signed for us-west-2", c.call(e, wrongRegion))
			if code != wantRegion || status != wantStatus {
				t.Errorf("signed for us-west-2: %s %d, want %s %d", code, status, wantRegion, wantStatus)
			}
			code, status = apiError(t, "unsigned", c.call(e, anonymous))
			if code != wantMissing || status != wantStatus {
				t.Errorf("unsigned: %s %d, want %s %d", code, status, wantMissing, wantStatus)
			}
		})
	}
}

// TestSignatureForAnotherServiceIsRefused signs raw requests with the SDK's v4 signer for the
// wrong signing name (and region): each protocol answers InvalidSignatureException naming the
// service it expects, and nothing is done.
func TestSignatureForAnotherServiceIsRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cases := []struct {
		name, method, path, target, contentType, body string
		service, region                               string
		wantStatus                                    int
		wantType, wantMessage                         string
	}{
		{"catalog signed for sqs", http.MethodPost, "/StartChangeSet", "", "application/json", startBody(), "sqs", "us-east-1",
			http.StatusForbidden, "InvalidSignatureException", "Credential should be scoped to correct service: 'aws-marketplace'"},
		{"catalog signed for eu-west-1", http.MethodPost, "/StartChangeSet", "", "application/json", startBody(), "aws-marketplace", "eu-west-1",
			http.StatusForbidden, "InvalidSignatureException", "Credential should be scoped to a valid region, not 'eu-west-1'"},
		{"metering signed for execute-api", http.MethodPost, "/", "AWSMPMeteringService.BatchMeterUsage", "application/x-amz-json-1.1", `{"UsageRecords":[]}`, "execute-api", "us-east-1",
			http.StatusBadRequest, "InvalidSignatureException", "'aws-marketplace'"},
		{"entitlement signed for marketplace", http.MethodPost, "/", "AWSMPEntitlementService.GetEntitlements", "application/x-amz-json-1.1", `{"ProductCode":"` + newProductCode + `"}`, "marketplace", "us-east-1",
			http.StatusBadRequest, "InvalidSignatureException", "'aws-marketplace'"},
		{"agreement signed for sqs", http.MethodPost, "/", "AWSMPCommerceService_v20200301.DescribeAgreement", "application/x-amz-json-1.0", `{"agreementId":"agmt-x"}`, "sqs", "us-east-1",
			http.StatusBadRequest, "InvalidSignatureException", "'aws-marketplace'"},
		{"sqs signed for aws-marketplace", http.MethodPost, "/", "AmazonSQS.CreateQueue", "application/x-amz-json-1.0", `{"QueueName":"signed-wrong"}`, "aws-marketplace", "us-east-1",
			http.StatusBadRequest, "InvalidSignatureException", "Credential should be scoped to correct service: 'sqs'"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, e.url+tc.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", tc.contentType)
			if tc.target != "" {
				req.Header.Set("X-Amz-Target", tc.target)
			}
			sign(t, req, []byte(tc.body), tc.service, tc.region)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body map[string]any
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
				t.Fatal(err)
			}
			msg, _ := body["message"].(string)
			if m, ok := body["Message"].(string); ok {
				msg = m
			}
			if resp.StatusCode != tc.wantStatus || body["__type"] != tc.wantType || !strings.Contains(msg, tc.wantMessage) {
				t.Errorf("%d %v, want %d %s %q", resp.StatusCode, body, tc.wantStatus, tc.wantType, tc.wantMessage)
			}
		})
	}
	// Nothing was done: no change set was started and no queue created.
	list, err := e.catalog("").ListChangeSets(ctx(t), &marketplacecatalog.ListChangeSetsInput{Catalog: aws.String("AWSMarketplace")})
	if err != nil || len(list.ChangeSetSummaryList) != 0 {
		t.Errorf("change sets after refused StartChangeSets: %v %v, want none", list, err)
	}
	if _, err := e.sqs().GetQueueUrl(ctx(t), &sqs.GetQueueUrlInput{QueueName: aws.String("signed-wrong")}); err == nil {
		t.Error("the queue of a refused CreateQueue exists")
	}
}

// startBody is a valid StartChangeSet body.
func startBody() string {
	return `{"Catalog":"AWSMarketplace","ChangeSet":[{"ChangeType":"CreateResaleAuthorization","Entity":{"Type":"ResaleAuthorization@1.0"},` +
		`"DetailsDocument":{"ProductId":"` + newProductID + `","Name":"n","ResellerAccountId":"` + reseller1 + `"}}]}`
}

// TestMalformedAuthorizationIsAnIncompleteSignature: a header that is not a SigV4 signature, or
// has no Credential, gets IncompleteSignatureException; the control API needs no signature.
func TestMalformedAuthorizationIsAnIncompleteSignature(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, auth := range []string{"Bearer abc", "AWS4-HMAC-SHA256 SignedHeaders=host, Signature=00",
		"AWS4-HMAC-SHA256 Credential=AKID/2026/us-east-1/aws-marketplace/aws4_request, Signature=00",
		"AWS4-HMAC-SHA256 Credential=AKID/20261126/us-east-1/aws-marketplace, Signature=00"} {
		req, err := http.NewRequestWithContext(ctx(t), http.MethodGet, e.url+"/DescribeEntity?catalog=AWSMarketplace&entityId="+newProductID, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", auth)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden || resp.Header.Get("X-Amzn-ErrorType") != "IncompleteSignatureException" {
			t.Errorf("Authorization %q: %d %s, want 403 IncompleteSignatureException", auth, resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"))
		}
	}
	resp, err := http.Get(e.url + "/_sim/seed")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("unsigned GET /_sim/seed: %d, want 200", resp.StatusCode)
	}
}

// TestConfiguredRegionIsTheSigningRegion: a simulator configured for eu-west-1 serves clients
// signing for eu-west-1 and refuses those signing for us-east-1.
func TestConfiguredRegionIsTheSigningRegion(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *simConfig) { c.Region = "eu-west-1" })
	eu := awsConfig(seller)
	eu.Region = "eu-west-1"
	list := func(cfg aws.Config) error {
		_, err := marketplacemetering.NewFromConfig(cfg, func(o *marketplacemetering.Options) { o.BaseEndpoint = aws.String(e.url) }).
			BatchMeterUsage(ctx(t), &marketplacemetering.BatchMeterUsageInput{UsageRecords: []mtypes.UsageRecord{}})
		return err
	}
	if err := list(eu); err != nil {
		t.Fatalf("signed for eu-west-1: %v", err)
	}
	if code, _ := apiError(t, "signed for us-east-1", list(awsConfig(seller))); code != "InvalidSignatureException" {
		t.Errorf("signed for us-east-1: %s, want InvalidSignatureException", code)
	}
}
