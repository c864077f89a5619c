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

// fuzzTargets are the JSON-body entry points of the Catalog and control APIs, by index.
var fuzzTargets = []struct{ method, path string }{
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

// FuzzCatalogAndControlBodies sends arbitrary bodies to the Catalog's and the control API's
// JSON operations of one simulator (change sets apply at once, so the asynchronous checks and
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
		{0, string(renewal)},
		{0, `{"Catalog":"AWSMarketplace","ChangeSet":[{"ChangeType":"UpdateBuyerValidityTerms","Entity":{"Type":"ResaleAuthorization@1.0","Identifier":"$A.Entity.Identifier"},"DetailsDocument":{"Terms":[]}},{"ChangeType":"CreateResaleAuthorization","ChangeName":"A","Entity":{"Type":"ResaleAuthorization@1.0"},"Details":"{\"ProductId\":\"prod-dd3mo4nalyt1cs\",\"Name\":\"n\",\"ResellerAccountId\":\"444455556666\"}"}]}`},
		{0, `{"Catalog":"AWSMarketplace","ChangeSet":[{"ChangeType":"UpdatePricingTerms","Entity":{"Type":"ResaleAuthorization@1.0","Identifier":"resaleauthz-x"},"DetailsDocument":{"PricingModel":"Contract","Terms":[{"Type":"ResaleConfigurableUpfrontPricingTerm","CurrencyCode":"USD","RateCards":[{"RateCard":[]}]}]}}]}`},
		{1, `{"Catalog":"AWSMarketplace","EntityType":"ResaleAuthorization","EntityTypeFilters":{"ResaleAuthorizationFilters":{"CreatedDate":{"DateRange":{"AfterValue":"2026-01-01T00:00:00Z"}}}},"MaxResults":1}`},
		{1, `{"Catalog":"AWSMarketplace","EntityType":"Offer","OwnershipType":"SHARED","NextToken":"x"}`},
		{2, `{"Catalog":"AWSMarketplace","FilterList":[{"Name":"AfterStartTime","ValueList":["2026-01-01T00:00:00Z"]}],"Sort":{"SortBy":"EndTime","SortOrder":"DESCENDING"}}`},
		{3, `{"EntityRequestList":[{"Catalog":"AWSMarketplace","EntityId":"prod-dd3mo4nalyt1cs"}]}`},
		{4, `{"resaleAuthorizationId":"resaleauthz-x","markupPercentage":"5.5","buyerAccountIds":["210987654321"],"expiryDate":"2026-12-20"}`},
		{5, `{"offerId":"offer-x"}`},
		{6, `{"grants":[{"dimensionKey":"seats","maxQuantity":0}],"endDate":"2020-01-01"}`},
		{7, `{"seed":1,"operations":{"*":{"errorRate":0.5,"latencyMs":0}}}`},
		{8, `{"targets":[{"name":"q","type":"sqs","queueName":"events"}],"faults":{"dropRate":0.1}}`},
		{9, `{"enabled":false}`},
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
		serve := func(method, path string, body []byte) *httptest.ResponseRecorder {
			req := httptest.NewRequest(method, path, bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
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
