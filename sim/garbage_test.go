package sim_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestMalformedRequestsGetClientErrors sends malformed bodies to every operation: each gets a
// 4xx answer (never a 5xx or a dropped connection), but for the few bodies that are valid input
// of an operation, listed in accepted.
func TestMalformedRequestsGetClientErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	bodies := []string{``, `{`, `[]`, `null`, `{"ChangeSet":null}`, `{"ChangeSet":[null]}`, `{"ChangeSet":[{"Entity":null}]}`,
		`{"Catalog":"AWSMarketplace","ChangeSet":[{"ChangeType":"UpdateInformation","Entity":{"Type":"ResaleAuthorization@1.0","Identifier":"$"},"DetailsDocument":[]}]}`,
		`{"Catalog":"AWSMarketplace","ChangeSet":[{"ChangeType":"CreateResaleAuthorization","Entity":{"Type":"ResaleAuthorization@1.0"},"Details":"not json"}]}`,
		`{"Catalog":"AWSMarketplace","EntityType":"ResaleAuthorization","EntityTypeFilters":{"ResaleAuthorizationFilters":null}}`,
		`{"Catalog":"AWSMarketplace","EntityType":"ResaleAuthorization","EntityTypeFilters":{"ResaleAuthorizationFilters":{"Status":{"ValueList":"Active"}}}}`,
		`{"UsageRecords":[{"Timestamp":"soon"}]}`, `{"UsageRecords":[{}]}`, `{"UsageRecords":[null]}`, `{"UsageRecords":{}}`,
		`{"Filter":{"DIMENSION":null},"ProductCode":1}`, `{"filters":[{"name":"PartyType"}],"catalog":"AWSMarketplace"}`,
		`{"agreementId":7}`, `{"QueueUrl":{}}`, `{"RegistrationToken":[1]}`}
	type target struct{ method, path, amzTarget, contentType string }
	var targets []target
	for _, p := range []string{"/StartChangeSet", "/ListChangeSets", "/ListEntities", "/BatchDescribeEntities"} {
		targets = append(targets, target{http.MethodPost, p, "", "application/json"})
	}
	for _, op := range []string{"AWSMPMeteringService.BatchMeterUsage", "AWSMPMeteringService.ResolveCustomer", "AWSMPEntitlementService.GetEntitlements"} {
		targets = append(targets, target{http.MethodPost, "/", op, "application/x-amz-json-1.1"})
	}
	for _, op := range []string{"AWSMPCommerceService_v20200301.SearchAgreements", "AWSMPCommerceService_v20200301.DescribeAgreement",
		"AWSMPCommerceService_v20200301.GetAgreementTerms", "AmazonSQS.SendMessage", "AmazonSQS.ReceiveMessage", "AmazonSQS.CreateQueue"} {
		targets = append(targets, target{http.MethodPost, "/", op, "application/x-amz-json-1.0"})
	}
	for _, p := range []string{"/_sim/resellers/" + reseller1 + "/offers", "/_sim/buyers/" + buyer1 + "/accept", "/_sim/agreements/agmt-x/amend", "/_sim/agreements/agmt-x/end", "/_sim/faults", "/_sim/events", "/_sim/quotas"} {
		m := http.MethodPost
		if strings.HasSuffix(p, "faults") || strings.HasSuffix(p, "events") || strings.HasSuffix(p, "quotas") {
			m = http.MethodPut
		}
		targets = append(targets, target{m, p, "", "application/json"})
	}
	// accepted holds the path and body pairs that are valid input: a null filter is no filter. An
	// empty or null configuration is refused like any other body that is not an object.
	accepted := map[[2]string]bool{
		{"/ListEntities", `{"Catalog":"AWSMarketplace","EntityType":"ResaleAuthorization","EntityTypeFilters":{"ResaleAuthorizationFilters":null}}`}: true,
	}
	for _, tg := range targets {
		for _, body := range bodies {
			req, err := http.NewRequest(tg.method, e.url+tg.path, strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", tg.contentType)
			if tg.amzTarget != "" {
				req.Header.Set("X-Amz-Target", tg.amzTarget)
			}
			signOK(t, req, []byte(body))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Errorf("%s %s %s: %v", tg.path, tg.amzTarget, body, err)
				continue
			}
			resp.Body.Close()
			if accepted[[2]string{tg.path, body}] {
				if resp.StatusCode != http.StatusOK {
					t.Errorf("%s %s: status %d, want 200 for this valid input", tg.path, body, resp.StatusCode)
				}
			} else if resp.StatusCode >= 500 || resp.StatusCode < 400 {
				t.Errorf("%s %s %s: status %d, want a 4xx", tg.path, tg.amzTarget, body, resp.StatusCode)
			}
		}
	}
	for _, q := range []string{"/DescribeEntity?catalog=AWSMarketplace", "/DescribeChangeSet?catalog=x&changeSetId=", "/DescribeEntity?catalog=AWSMarketplace&entityId=%00"} {
		req, err := http.NewRequest(http.MethodGet, e.url+q, nil)
		if err != nil {
			t.Fatal(err)
		}
		signOK(t, req, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Errorf("GET %s: %v", q, err)
			continue
		}
		resp.Body.Close()
		if resp.StatusCode >= 500 || resp.StatusCode < 400 {
			t.Errorf("GET %s: status %d, want a 4xx", q, resp.StatusCode)
		}
	}
}

// TestMalformedJSONIsASerializationException: every awsJson operation answers a body that is
// not JSON with AWS's 400 SerializationException, whichever decoder its handler uses.
func TestMalformedJSONIsASerializationException(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ops := map[string]string{
		"AWSMPMeteringService.BatchMeterUsage": "1.1", "AWSMPMeteringService.ResolveCustomer": "1.1",
		"AWSMPEntitlementService.GetEntitlements":          "1.1",
		"AWSMPCommerceService_v20200301.SearchAgreements":  "1.0",
		"AWSMPCommerceService_v20200301.DescribeAgreement": "1.0",
		"AWSMPCommerceService_v20200301.GetAgreementTerms": "1.0",
		"AmazonSQS.CreateQueue":                            "1.0", "AmazonSQS.GetQueueUrl": "1.0", "AmazonSQS.SendMessage": "1.0",
		"AmazonSQS.ReceiveMessage": "1.0", "AmazonSQS.DeleteMessage": "1.0", "AmazonSQS.DeleteQueue": "1.0",
		"AmazonSQS.PurgeQueue": "1.0", "AmazonSQS.GetQueueAttributes": "1.0", "AmazonSQS.ListQueues": "1.0",
		"AmazonSQS.ChangeMessageVisibility": "1.0",
	}
	for op, version := range ops {
		for _, body := range []string{`{"x":`, `{} trailing`, `{"UsageRecords":[}`} {
			req, err := http.NewRequest(http.MethodPost, e.url+"/", strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/x-amz-json-"+version)
			req.Header.Set("X-Amz-Target", op)
			signOK(t, req, []byte(body))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatalf("%s: %v", op, err)
			}
			b, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatalf("%s: read answer: %v", op, err)
			}
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), "SerializationException") {
				t.Errorf("%s %s: %d %s, want 400 SerializationException", op, body, resp.StatusCode, b)
			}
		}
	}
}
