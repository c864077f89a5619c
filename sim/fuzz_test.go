package sim_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/dealdesk/dealdesk/sim"
)

// fuzzTargets are the JSON-body entry points of the Catalog, awsJson and control APIs, by
// index; an awsJson operation has the path "/" and its X-Amz-Target after a space.
var fuzzTargets = []struct{ method, path string }{
	{http.MethodPost, "/ AWSMPMeteringService.BatchMeterUsage"},
	{http.MethodPost, "/ AWSMPEntitlementService.GetEntitlements"},
	{http.MethodPost, "/ AWSMPCommerceService_v20200301.SearchAgreements"},
	{http.MethodPost, "/ AWSMPCommerceService_v20200301.GetAgreementTerms"},
	{http.MethodPost, "/ AmazonSQS.ReceiveMessage"},
	{http.MethodPost, "/StartChangeSet"},
	{http.MethodPost, "/ListEntities"},
	{http.MethodPost, "/ListChangeSets"},
	{http.MethodPost, "/BatchDescribeEntities"},
	{http.MethodPost, "/_sim/resellers/" + reseller1 + "/offers"},
	{http.MethodPost, "/_sim/buyers/" + buyer1 + "/accept"},
	{http.MethodPost, "/_sim/agreements/agmt-x/amend"},
	{http.MethodPut, "/_sim/faults"},
	{http.MethodPut, "/_sim/events"},
	{http.MethodPut, "/_sim/quotas"},
}

// FuzzCatalogAndControlBodies sends arbitrary bodies to the Catalog's, the awsJson services' and
// the control API's JSON operations of one simulator (change sets apply at once, so the asynchronous checks and
// the apply run too): no body may cause a panic or a 5xx. Only the seeds below are kept in the
// repository; run `go test -fuzz FuzzCatalogAndControlBodies ./sim` to explore.
func FuzzCatalogAndControlBodies(f *testing.F) {
	ref := "$RA.Entity.Identifier"
	var changes []map[string]any
	for _, c := range renewalChangeSet() {
		m := map[string]any{"ChangeType": *c.ChangeType, "Entity": map[string]any{"Type": *c.Entity.Type}}
		if c.Entity.Identifier != nil {
			m["Entity"].(map[string]any)["Identifier"] = ref
		}
		if c.ChangeName != nil {
			m["ChangeName"] = *c.ChangeName
		}
		if c.Details != nil {
			m["Details"] = *c.Details
		} else {
			d, err := c.DetailsDocument.MarshalSmithyDocument()
			if err != nil {
				f.Fatal(err)
			}
			m["DetailsDocument"] = json.RawMessage(d)
		}
		changes = append(changes, m)
	}
	renewal, err := json.Marshal(map[string]any{"Catalog": "AWSMarketplace", "ChangeSet": changes})
	if err != nil {
		f.Fatal(err)
	}
	seeds := []struct {
		target int
		body   string
	}{
		{5, string(renewal)},
		{5, `{"Catalog":"AWSMarketplace","ChangeSet":[{"ChangeType":"UpdateBuyerValidityTerms","Entity":{"Type":"ResaleAuthorization@1.0","Identifier":"$A.Entity.Identifier"},"DetailsDocument":{"Terms":[]}},{"ChangeType":"CreateResaleAuthorization","ChangeName":"A","Entity":{"Type":"ResaleAuthorization@1.0"},"Details":"{\"ProductId\":\"prod-dd3mo4nalyt1cs\",\"Name\":\"n\",\"ResellerAccountId\":\"444455556666\"}"}]}`},
		{5, `{"Catalog":"AWSMarketplace","ChangeSet":[{"ChangeType":"UpdatePricingTerms","Entity":{"Type":"ResaleAuthorization@1.0","Identifier":"resaleauthz-x"},"DetailsDocument":{"PricingModel":"Contract","Terms":[{"Type":"ResaleConfigurableUpfrontPricingTerm","CurrencyCode":"USD","RateCards":[{"RateCard":[]}]}]}}]}`},
		{6, `{"Catalog":"AWSMarketplace","EntityType":"ResaleAuthorization","EntityTypeFilters":{"ResaleAuthorizationFilters":{"CreatedDate":{"DateRange":{"AfterValue":"2026-01-01T00:00:00Z"}}}},"MaxResults":1}`},
		{6, `{"Catalog":"AWSMarketplace","EntityType":"Offer","OwnershipType":"SHARED","NextToken":"x"}`},
		{7, `{"Catalog":"AWSMarketplace","FilterList":[{"Name":"AfterStartTime","ValueList":["2026-01-01T00:00:00Z"]}],"Sort":{"SortBy":"EndTime","SortOrder":"DESCENDING"}}`},
		{8, `{"EntityRequestList":[{"Catalog":"AWSMarketplace","EntityId":"prod-dd3mo4nalyt1cs"}]}`},
		{9, `{"resaleAuthorizationId":"resaleauthz-x","markupPercentage":"5.5","buyerAccountIds":["210987654321"],"expiryDate":"2026-12-20"}`},
		{10, `{"offerId":"offer-x"}`},
		{11, `{"grants":[{"dimensionKey":"seats","maxQuantity":0}],"endDate":"2020-01-01"}`},
		{12, `{"seed":1,"operations":{"*":{"errorRate":0.5,"latencyMs":0}}}`},
		{13, `{"targets":[{"name":"q","type":"sqs","queueName":"events"}],"faults":{"dropRate":0.1}}`},
		{14, `{"enabled":false}`},
		{0, `{"UsageRecords":[{"Timestamp":1e300,"Dimension":"api_calls","Quantity":-1,"CustomerAWSAccountId":"210987654321","LicenseArn":"arn:aws:license-manager::1:license:l-1","UsageAllocations":[{"AllocatedUsageQuantity":1,"Tags":[{"Key":"k","Value":"v"}]}]}]}`},
		{0, `{"ProductCode":"dd3mo1egacyl0g0000000000b","UsageRecords":[{"Timestamp":1795000000,"Dimension":"events","CustomerIdentifier":"X"}]}`},
		{1, `{"ProductCode":"dd3mo4nalyt1cs0000000000a","Filter":{"DIMENSION":["seats"],"LICENSE_ARN":[]},"MaxResults":1,"NextToken":"x"}`},
		{2, `{"catalog":"AWSMarketplace","filters":[{"name":"PartyType","values":["Proposer"]},{"name":"AgreementType","values":["PurchaseAgreement"]}],"sort":{"sortBy":"EndTime"}}`},
		{3, `{"agreementId":"agmt-x","maxResults":1}`},
		{4, `{"QueueUrl":"http://x/111122223333/q","WaitTimeSeconds":0,"MaxNumberOfMessages":10}`},
	}
	for _, s := range seeds {
		f.Add(uint8(s.target), []byte(s.body))
	}
	srv, err := sim.New(sim.Config{DisableQuotas: true, ChangeSetDelay: -1, BaseURL: "http://127.0.0.1:1"})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { srv.Close() })
	f.Fuzz(func(t *testing.T, target uint8, body []byte) {
		tg := fuzzTargets[int(target)%len(fuzzTargets)]
		if strings.HasSuffix(tg.path, "ReceiveMessage") && bytes.Contains(body, []byte("Wait")) {
			return // a long poll would only slow the fuzzer down
		}
		serve := func(method, path string, body []byte) *httptest.ResponseRecorder {
			path, amzTarget, _ := strings.Cut(path, " ")
			req := httptest.NewRequest(method, path, bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			if amzTarget != "" {
				req.Header.Set("X-Amz-Target", amzTarget)
				req.Header.Set("Content-Type", "application/x-amz-json-1.1")
				if strings.HasPrefix(amzTarget, "AmazonSQS.") || strings.HasPrefix(amzTarget, "AWSMPCommerce") {
					req.Header.Set("Content-Type", "application/x-amz-json-1.0")
				}
			}
			if !strings.HasPrefix(path, "/_sim/") {
				signOK(t, req, body)
			}
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, req)
			return rec
		}
		if rec := serve(tg.method, tg.path, body); rec.Code >= 500 {
			t.Fatalf("%s %s %q: status %d: %s", tg.method, tg.path, body, rec.Code, rec.Body)
		}
		// Injected faults, event targets and quotas would change what the next inputs get
		// (hanging timeouts, deliveries to arbitrary URLs): undo whatever was accepted.
		switch {
		case strings.HasSuffix(tg.path, "/faults"):
			serve(http.MethodPut, tg.path, []byte(`{"operations":{}}`))
		case strings.HasSuffix(tg.path, "/events"):
			serve(http.MethodPut, tg.path, []byte(`{"targets":[]}`))
		case strings.HasSuffix(tg.path, "/quotas"):
			serve(http.MethodPut, tg.path, []byte(`{"enabled":false}`))
		}
	})
}
