package sim_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/marketplaceagreement"
	agtypes "github.com/aws/aws-sdk-go-v2/service/marketplaceagreement/types"
	"github.com/aws/aws-sdk-go-v2/service/marketplacecatalog"
	"github.com/aws/aws-sdk-go-v2/service/marketplacecatalog/types"
	"github.com/aws/aws-sdk-go-v2/service/marketplaceentitlementservice"
	enttypes "github.com/aws/aws-sdk-go-v2/service/marketplaceentitlementservice/types"
)

func TestGetEntitlementsFiltersAndPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ra := e.publish(simpleRA(newProductID, reseller1, "seats", "api_calls", "storage_gb"))
	subs := []subscription{e.subscribe(ra, reseller1, buyer1), e.subscribe(ra, reseller1, buyer2), e.subscribe(ra, reseller1, buyer3)}
	for _, useJSON := range []bool{false, true} {
		c := e.entitlement(useJSON)
		var seen []string
		var token *string
		for page := 0; ; page++ {
			if page == 3 {
				t.Fatalf("json=%v: a fourth page of 2 for 3 entitlements (seen %v)", useJSON, seen)
			}
			out, err := c.GetEntitlements(ctx(t), &marketplaceentitlementservice.GetEntitlementsInput{ProductCode: aws.String(newProductCode), MaxResults: aws.Int32(2), NextToken: token})
			if err != nil {
				t.Fatalf("json=%v page %d: %v", useJSON, page, err)
			}
			for _, en := range out.Entitlements {
				seen = append(seen, aws.ToString(en.CustomerAWSAccountId))
			}
			if out.NextToken == nil {
				break
			}
			token = out.NextToken
		}
		if strings.Join(seen, ",") != buyer1+","+buyer2+","+buyer3 {
			t.Errorf("json=%v: paged through %v", useJSON, seen)
		}
		out, err := c.GetEntitlements(ctx(t), &marketplaceentitlementservice.GetEntitlementsInput{ProductCode: aws.String(newProductCode),
			Filter: map[string][]string{"CUSTOMER_AWS_ACCOUNT_ID": {buyer2, buyer3}, "DIMENSION": {"seats"}}})
		if err != nil || len(out.Entitlements) != 2 {
			t.Errorf("json=%v: filter by two accounts and a dimension: %v %v", useJSON, out, err)
		}
		out, err = c.GetEntitlements(ctx(t), &marketplaceentitlementservice.GetEntitlementsInput{ProductCode: aws.String(newProductCode),
			Filter: map[string][]string{"LICENSE_ARN": {subs[2].LicenseArn}}})
		if err != nil || len(out.Entitlements) != 1 || aws.ToString(out.Entitlements[0].LicenseArn) != subs[2].LicenseArn {
			t.Errorf("json=%v: filter by license: %v %v", useJSON, out, err)
		}
		for name, in := range map[string]*marketplaceentitlementservice.GetEntitlementsInput{
			"mutually exclusive filters": {ProductCode: aws.String(newProductCode), Filter: map[string][]string{"CUSTOMER_IDENTIFIER": {"x"}, "CUSTOMER_AWS_ACCOUNT_ID": {buyer1}}},
			"unknown product":            {ProductCode: aws.String("nosuchproduct")},
			"bad next token":             {ProductCode: aws.String(newProductCode), NextToken: aws.String("garbage")},
			"max results over 25":        {ProductCode: aws.String(newProductCode), MaxResults: aws.Int32(26)},
		} {
			_, err := c.GetEntitlements(ctx(t), in)
			var ip *enttypes.InvalidParameterException
			if !errors.As(err, &ip) {
				t.Errorf("json=%v %s: %v, want InvalidParameterException", useJSON, name, err)
			}
		}
	}
}

func TestAgreementAPIErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ra := e.publish(simpleRA(newProductID, reseller1, "seats", "api_calls", "storage_gb"))
	sub := e.subscribe(ra, reseller1, buyer1)
	for _, useJSON := range []bool{false, true} {
		ag := e.agreement(reseller1, useJSON)
		// The acceptor sees it too.
		acc, err := e.agreement(buyer1, useJSON).SearchAgreements(ctx(t), &marketplaceagreement.SearchAgreementsInput{Catalog: aws.String("AWSMarketplace"),
			Filters: []agtypes.Filter{{Name: aws.String("PartyType"), Values: []string{"Acceptor"}}, {Name: aws.String("AgreementType"), Values: []string{"PurchaseAgreement"}}}})
		if err != nil || len(acc.AgreementViewSummaries) != 1 || aws.ToString(acc.AgreementViewSummaries[0].AgreementId) != sub.AgreementID {
			t.Errorf("json=%v: acceptor search %v %v", useJSON, acc, err)
		}
		cases := []struct {
			name   string
			call   func() error
			reason agtypes.ValidationExceptionReason
		}{
			{"search without AgreementType", func() error {
				_, err := ag.SearchAgreements(ctx(t), &marketplaceagreement.SearchAgreementsInput{Catalog: aws.String("AWSMarketplace"),
					Filters: []agtypes.Filter{{Name: aws.String("PartyType"), Values: []string{"Proposer"}}}})
				return err
			}, agtypes.ValidationExceptionReasonUnsupportedFilters},
			{"unknown filter", func() error {
				_, err := ag.SearchAgreements(ctx(t), &marketplaceagreement.SearchAgreementsInput{Catalog: aws.String("AWSMarketplace"),
					Filters: []agtypes.Filter{{Name: aws.String("Color"), Values: []string{"blue"}}}})
				return err
			}, agtypes.ValidationExceptionReasonInvalidFilterName},
			{"wrong catalog", func() error {
				_, err := ag.SearchAgreements(ctx(t), &marketplaceagreement.SearchAgreementsInput{Catalog: aws.String("Other")})
				return err
			}, agtypes.ValidationExceptionReasonInvalidCatalog},
			{"bad agreement id", func() error {
				_, err := ag.DescribeAgreement(ctx(t), &marketplaceagreement.DescribeAgreementInput{AgreementId: aws.String("agmt id with spaces")})
				return err
			}, agtypes.ValidationExceptionReasonInvalidAgreementId},
			{"terms max results", func() error {
				_, err := ag.GetAgreementTerms(ctx(t), &marketplaceagreement.GetAgreementTermsInput{AgreementId: aws.String(sub.AgreementID), MaxResults: aws.Int32(51)})
				return err
			}, agtypes.ValidationExceptionReasonInvalidMaxResults},
		}
		for _, tc := range cases {
			var ve *agtypes.ValidationException
			if err := tc.call(); !errors.As(err, &ve) || ve.Reason != tc.reason {
				t.Errorf("json=%v %s: %v (reason %v), want ValidationException %s", useJSON, tc.name, err, reasonOf(ve), tc.reason)
			}
		}
		_, err = ag.GetAgreementTerms(ctx(t), &marketplaceagreement.GetAgreementTermsInput{AgreementId: aws.String("agmt-unknown")})
		var nf *agtypes.ResourceNotFoundException
		if !errors.As(err, &nf) || nf.ResourceType != agtypes.ResourceTypeAgreement {
			t.Errorf("json=%v: unknown agreement: %v", useJSON, err)
		}
	}
}

func reasonOf(ve *agtypes.ValidationException) agtypes.ValidationExceptionReason {
	if ve == nil {
		return ""
	}
	return ve.Reason
}

func TestCatalogListsAndBatchDescribe(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cat := e.catalog("")
	a := e.publish(simpleRA(newProductID, reseller1, "seats", "api_calls", "storage_gb"))
	b := e.publish(simpleRA(legacyProductID, reseller2, "hosts", "events"))
	var offer struct {
		OfferID string `json:"offerId"`
	}
	e.mustControl(http.MethodPost, "/_sim/resellers/"+reseller2+"/offers", map[string]any{"resaleAuthorizationId": b, "buyerAccountIds": []string{buyer3}, "markupPercentage": 2.5}, &offer)

	filtered, err := cat.ListEntities(ctx(t), &marketplacecatalog.ListEntitiesInput{Catalog: aws.String("AWSMarketplace"), EntityType: aws.String("ResaleAuthorization"),
		EntityTypeFilters: &types.EntityTypeFiltersMemberResaleAuthorizationFilters{Value: types.ResaleAuthorizationFilters{
			ResellerAccountID: &types.ResaleAuthorizationResellerAccountIDFilter{ValueList: []string{reseller2}},
			Status:            &types.ResaleAuthorizationStatusFilter{ValueList: []types.ResaleAuthorizationStatusString{"Active"}}}}})
	if err != nil || len(filtered.EntitySummaryList) != 1 || *filtered.EntitySummaryList[0].EntityId != b ||
		aws.ToString(filtered.EntitySummaryList[0].ResaleAuthorizationSummary.OfferExtendedStatus) != "Completed-Usable" {
		t.Errorf("filter by reseller and status: %s %v", mustJSON(t, filtered), err)
	}
	page1, err := cat.ListEntities(ctx(t), &marketplacecatalog.ListEntitiesInput{Catalog: aws.String("AWSMarketplace"), EntityType: aws.String("ResaleAuthorization"), MaxResults: aws.Int32(1)})
	if err != nil || len(page1.EntitySummaryList) != 1 || page1.NextToken == nil {
		t.Fatalf("first page: %v %v", page1, err)
	}
	page2, err := cat.ListEntities(ctx(t), &marketplacecatalog.ListEntitiesInput{Catalog: aws.String("AWSMarketplace"), EntityType: aws.String("ResaleAuthorization"), MaxResults: aws.Int32(1), NextToken: page1.NextToken})
	if err != nil || len(page2.EntitySummaryList) != 1 || *page2.EntitySummaryList[0].EntityId == *page1.EntitySummaryList[0].EntityId || page2.NextToken != nil {
		t.Errorf("second page: %v %v", page2, err)
	}
	offers, err := cat.ListEntities(ctx(t), &marketplacecatalog.ListEntitiesInput{Catalog: aws.String("AWSMarketplace"), EntityType: aws.String("Offer"), OwnershipType: types.OwnershipTypeShared,
		EntityTypeFilters: &types.EntityTypeFiltersMemberOfferFilters{Value: types.OfferFilters{ResaleAuthorizationId: &types.OfferResaleAuthorizationIdFilter{ValueList: []string{b}}}}})
	if err != nil || len(offers.EntitySummaryList) != 1 || *offers.EntitySummaryList[0].EntityId != offer.OfferID ||
		strings.Join(offers.EntitySummaryList[0].OfferSummary.BuyerAccounts, ",") != buyer3 {
		t.Errorf("the vendor's view of CPPO offers on its authorization: %s %v", mustJSON(t, offers), err)
	}
	products, err := cat.ListEntities(ctx(t), &marketplacecatalog.ListEntitiesInput{Catalog: aws.String("AWSMarketplace"), EntityType: aws.String("SaaSProduct")})
	if err != nil || len(products.EntitySummaryList) != 2 {
		t.Errorf("products: %v %v", products, err)
	}
	_, err = cat.ListEntities(ctx(t), &marketplacecatalog.ListEntitiesInput{Catalog: aws.String("AWSMarketplace"), EntityType: aws.String("ResaleAuthorization"),
		EntityTypeFilters: &types.EntityTypeFiltersMemberOfferFilters{Value: types.OfferFilters{}}})
	var ve *types.ValidationException
	if !errors.As(err, &ve) || !strings.Contains(*ve.Message, "OfferFilters") {
		t.Errorf("offer filters on resale authorizations: %v", err)
	}

	batch, err := cat.BatchDescribeEntities(ctx(t), &marketplacecatalog.BatchDescribeEntitiesInput{EntityRequestList: []types.EntityRequest{
		{Catalog: aws.String("AWSMarketplace"), EntityId: aws.String(a)}, {Catalog: aws.String("AWSMarketplace"), EntityId: aws.String(offer.OfferID)},
		{Catalog: aws.String("AWSMarketplace"), EntityId: aws.String("resaleauthz-missing")}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(batch.EntityDetails) != 2 || len(batch.Errors) != 1 || aws.ToString(batch.Errors["resaleauthz-missing"].ErrorCode) != "ResourceNotFoundException" {
		t.Fatalf("BatchDescribeEntities = %s", mustJSON(t, batch))
	}
	od, ok := batch.EntityDetails[offer.OfferID]
	if !ok || od.DetailsDocument == nil {
		t.Fatalf("no details for offer %s: %s", offer.OfferID, mustJSON(t, batch))
	}
	raw, err := od.DetailsDocument.MarshalSmithyDocument()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"ResaleAuthorizationId":"` + b + `"`, `"MarkupPercentage":"2.5"`, `"Type":"FixedUpfrontPricingTerm"`, `"Type":"TargetingRule"`} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("offer document %s lacks %s", raw, want)
		}
	}
	if aws.ToString(od.EntityType) != "Offer@1.0" || !strings.Contains(aws.ToString(od.EntityArn), ":"+reseller2+":AWSMarketplace/Offer/") {
		t.Errorf("offer entity %s %s", aws.ToString(od.EntityType), aws.ToString(od.EntityArn))
	}

	cs, err := cat.ListChangeSets(ctx(t), &marketplacecatalog.ListChangeSetsInput{Catalog: aws.String("AWSMarketplace"),
		FilterList: []types.Filter{{Name: aws.String("EntityId"), ValueList: []string{b}}}})
	if err != nil || len(cs.ChangeSetSummaryList) != 1 || cs.ChangeSetSummaryList[0].EntityIdList[0] != b || cs.ChangeSetSummaryList[0].Status != types.ChangeStatusSucceeded {
		t.Errorf("ListChangeSets by entity: %s %v", mustJSON(t, cs), err)
	}
}

func TestControlAPIRejectsBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ra := e.publish(simpleRA(newProductID, reseller1, "seats", "api_calls", "storage_gb"))
	cases := []struct {
		name, method, path string
		body               any
		status             int
		inMsg              string
	}{
		{"unknown property", http.MethodPost, "/_sim/resellers/" + reseller1 + "/offers", map[string]any{"resaleAuthorizationId": ra, "colour": "red"}, 400, `unknown property "colour"`},
		{"bad buyer account", http.MethodPost, "/_sim/resellers/" + reseller1 + "/offers", map[string]any{"resaleAuthorizationId": ra, "buyerAccountIds": []string{"12"}}, 400, "buyerAccountIds[0]"},
		{"negative markup", http.MethodPost, "/_sim/resellers/" + reseller1 + "/offers", map[string]any{"resaleAuthorizationId": ra, "markupPercentage": "-1"}, 400, "markupPercentage"},
		{"expiry in the past", http.MethodPost, "/_sim/resellers/" + reseller1 + "/offers", map[string]any{"resaleAuthorizationId": ra, "expiryDate": "2020-01-01"}, 400, "expiryDate"},
		{"not the authorization's reseller", http.MethodPost, "/_sim/resellers/" + reseller2 + "/offers", map[string]any{"resaleAuthorizationId": ra, "buyerAccountIds": []string{buyer1}}, 422, "not targeted to reseller"},
		{"unknown authorization", http.MethodPost, "/_sim/resellers/" + reseller1 + "/offers", map[string]any{"resaleAuthorizationId": "resaleauthz-nope", "buyerAccountIds": []string{buyer1}}, 404, "resaleauthz-nope"},
		{"accept an unknown offer", http.MethodPost, "/_sim/buyers/" + buyer1 + "/accept", map[string]any{"offerId": "offer-nope"}, 404, "offer-nope"},
		{"accept without offer", http.MethodPost, "/_sim/buyers/" + buyer1 + "/accept", map[string]any{}, 400, "offerId"},
		{"end an unknown agreement", http.MethodPost, "/_sim/agreements/agmt-nope/end", map[string]any{}, 404, "agmt-nope"},
		{"bad event target", http.MethodPut, "/_sim/events", map[string]any{"targets": []any{map[string]any{"name": "x", "type": "carrier-pigeon"}}}, 400, "type"},
		{"unknown control path", http.MethodGet, "/_sim/nothing", nil, 404, "/_sim/nothing"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e.bind(t)
			var out map[string]any
			st := e.control(tc.method, tc.path, tc.body, &out)
			msg, _ := out["message"].(string)
			if st != tc.status || !strings.Contains(msg, tc.inMsg) {
				t.Errorf("%d %v, want %d naming %q", st, out, tc.status, tc.inMsg)
			}
		})
	}
	var offer struct {
		OfferID string `json:"offerId"`
	}
	e.mustControl(http.MethodPost, "/_sim/resellers/"+reseller1+"/offers", map[string]any{"resaleAuthorizationId": ra, "buyerAccountIds": []string{buyer1}}, &offer)
	var out map[string]any
	if st := e.control(http.MethodPost, "/_sim/buyers/"+buyer2+"/accept", map[string]any{"offerId": offer.OfferID}, &out); st != http.StatusForbidden || out["code"] != "BUYER_NOT_TARGETED" {
		t.Errorf("an untargeted buyer accepted: %d %v", st, out)
	}
	var seed map[string]any
	e.mustControl(http.MethodGet, "/_sim/seed", nil, &seed)
	if mustJSON(t, seed["seller"]) != `{"accountId":"111122223333","legalName":"Example Software, Inc."}` || len(seed["products"].([]any)) != 2 ||
		len(seed["resellers"].([]any)) != 2 || len(seed["buyers"].([]any)) != 3 {
		t.Errorf("GET /_sim/seed = %v", seed)
	}
}

func TestManufacturerReadsAgreementsWhenEnabled(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *simConfig) { c.ManufacturerReadsAgreements = true })
	ra := e.publish(simpleRA(newProductID, reseller1, "seats", "api_calls", "storage_gb"))
	sub := e.subscribe(ra, reseller1, buyer1)
	var list struct {
		Agreements []struct {
			AgreementID string `json:"agreementId"`
			Acceptor    string `json:"acceptor"`
		} `json:"agreements"`
	}
	e.mustControl(http.MethodGet, "/_sim/agreements?acceptor="+buyer1, nil, &list)
	if len(list.Agreements) != 1 || list.Agreements[0].AgreementID != sub.AgreementID {
		t.Errorf("GET /_sim/agreements?acceptor= = %+v", list)
	}
	e.mustControl(http.MethodGet, "/_sim/agreements?acceptor="+buyer2, nil, &list)
	if len(list.Agreements) != 0 {
		t.Errorf("filter by another acceptor: %+v", list)
	}
	out, err := e.agreement(seller, true).DescribeAgreement(ctx(t), &marketplaceagreement.DescribeAgreementInput{AgreementId: aws.String(sub.AgreementID)})
	if err != nil || aws.ToString(out.Proposer.AccountId) != reseller1 {
		t.Errorf("the manufacturer's DescribeAgreement with the option: %v %v", out, err)
	}
	_, err = e.agreement(reseller2, true).DescribeAgreement(ctx(t), &marketplaceagreement.DescribeAgreementInput{AgreementId: aws.String(sub.AgreementID)})
	var nf *agtypes.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Errorf("an unrelated reseller: %v, want ResourceNotFoundException", err)
	}
}
