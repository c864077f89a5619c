package sim_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/marketplacecatalog"
	"github.com/aws/aws-sdk-go-v2/service/marketplacecatalog/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// want422 fails the test unless err is the Catalog's 422 ValidationException whose message
// contains inMsg.
func want422(t *testing.T, what string, err error, inMsg string) {
	t.Helper()
	var ve *types.ValidationException
	var re *smithyhttp.ResponseError
	if !errors.As(err, &ve) || !errors.As(err, &re) || re.HTTPStatusCode() != http.StatusUnprocessableEntity {
		t.Errorf("%s: %v, want a 422 ValidationException", what, err)
		return
	}
	if !strings.Contains(aws.ToString(ve.Message), inMsg) {
		t.Errorf("%s: message %q does not name %q", what, aws.ToString(ve.Message), inMsg)
	}
}

// TestClientRequestTokenIsOneTo64Characters: AWS's ClientRequestToken shape is 1..64 characters
// of [!-~]; the Go SDK does not check it, the simulator does.
func TestClientRequestTokenIsOneTo64Characters(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	start := func(token string) error {
		_, err := e.catalog("").StartChangeSet(ctx(t), &marketplacecatalog.StartChangeSetInput{Catalog: aws.String("AWSMarketplace"),
			ChangeSet: simpleRA(newProductID, reseller1, "seats", "api_calls", "storage_gb"), ClientRequestToken: aws.String(token)})
		return err
	}
	for _, ok := range []string{strings.Repeat("a", 64), strings.Repeat("b", 37), "x"} {
		if err := start(ok); err != nil {
			t.Errorf("token of %d characters: %v, want accepted", len(ok), err)
		}
	}
	for _, bad := range []string{strings.Repeat("c", 65), "with space", "tab\there", "é"} {
		want422(t, fmt.Sprintf("token %.20q", bad), start(bad), "ClientRequestToken")
	}
}

// TestIdsBreakingAWSsPatternsAreValidationErrors: an id that cannot be an id is a 422
// ValidationException (AWS validates the pattern before it looks anything up), not a 404.
func TestIdsBreakingAWSsPatternsAreValidationErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ra := e.publish(simpleRA(newProductID, reseller1, "seats", "api_calls", "storage_gb"))
	cat := e.catalog("")
	describe := func(id string) error {
		_, err := cat.DescribeEntity(ctx(t), &marketplacecatalog.DescribeEntityInput{Catalog: aws.String("AWSMarketplace"), EntityId: aws.String(id)})
		return err
	}
	for _, id := range []string{ra + "@1", "../" + ra, "resaleauthz x", strings.Repeat("a", 256)} {
		want422(t, "DescribeEntity "+id[:min(len(id), 30)], describe(id), "entityId")
	}
	var nf *types.ResourceNotFoundException
	if err := describe("resaleauthz-doesnotexist"); !errors.As(err, &nf) {
		t.Errorf("DescribeEntity of a well-formed unknown id: %v, want ResourceNotFoundException", err)
	}
	for _, id := range []string{"cs id", "cs/1", "cs@1"} {
		_, err := cat.DescribeChangeSet(ctx(t), &marketplacecatalog.DescribeChangeSetInput{Catalog: aws.String("AWSMarketplace"), ChangeSetId: aws.String(id)})
		want422(t, "DescribeChangeSet "+id, err, "changeSetId")
		_, err = cat.CancelChangeSet(ctx(t), &marketplacecatalog.CancelChangeSetInput{Catalog: aws.String("AWSMarketplace"), ChangeSetId: aws.String(id)})
		want422(t, "CancelChangeSet "+id, err, "changeSetId")
	}
	for _, id := range []string{"-" + ra, ra + "@1", "a", "resaleauthz x"} {
		_, err := cat.BatchDescribeEntities(ctx(t), &marketplacecatalog.BatchDescribeEntitiesInput{EntityRequestList: []types.EntityRequest{
			{Catalog: aws.String("AWSMarketplace"), EntityId: aws.String(ra)}, {Catalog: aws.String("AWSMarketplace"), EntityId: aws.String(id)}}})
		want422(t, "BatchDescribeEntities "+id, err, "EntityRequestList[1].EntityId")
	}
	for _, id := range []string{"resaleauthz x", "resaleauthz-a.b", strings.Repeat("r", 256)} {
		_, err := e.start([]types.Change{change("RestrictResaleAuthorization", id, "", map[string]any{}, false)})
		want422(t, "StartChangeSet on "+id[:min(len(id), 30)], err, "Entity.Identifier")
	}
	// EntityId@RevisionId names the entity in a change.
	if id := e.publish([]types.Change{change("RestrictResaleAuthorization", ra+"@1", "", map[string]any{}, false)}); id != ra {
		t.Errorf("a change on %s@1 changed %s", ra, id)
	}
	doc, _ := e.describeRA(ra)
	if doc["Status"] != "Restricted" {
		t.Errorf("after RestrictResaleAuthorization on %s@1: Status %v, want Restricted", ra, doc["Status"])
	}
}

// TestEntityIdentifierIsEntityIdAtRevision: DescribeEntity and BatchDescribeEntities answer
// EntityIdentifier as EntityId@RevisionId; each change set that changes the entity adds a revision.
func TestEntityIdentifierIsEntityIdAtRevision(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ra := e.publish(simpleRA(newProductID, reseller1, "seats", "api_calls", "storage_gb"))
	cat := e.catalog("")
	identifiers := func() (string, string) {
		t.Helper()
		d, err := cat.DescribeEntity(ctx(t), &marketplacecatalog.DescribeEntityInput{Catalog: aws.String("AWSMarketplace"), EntityId: aws.String(ra)})
		if err != nil {
			t.Fatal(err)
		}
		b, err := cat.BatchDescribeEntities(ctx(t), &marketplacecatalog.BatchDescribeEntitiesInput{EntityRequestList: []types.EntityRequest{
			{Catalog: aws.String("AWSMarketplace"), EntityId: aws.String(ra)}, {Catalog: aws.String("AWSMarketplace"), EntityId: aws.String(newProductID)}}})
		if err != nil {
			t.Fatal(err)
		}
		if p := aws.ToString(b.EntityDetails[newProductID].EntityIdentifier); p != newProductID+"@1" {
			t.Errorf("product EntityIdentifier %q, want %s@1", p, newProductID)
		}
		return aws.ToString(d.EntityIdentifier), aws.ToString(b.EntityDetails[ra].EntityIdentifier)
	}
	if d, b := identifiers(); d != ra+"@1" || b != ra+"@1" {
		t.Errorf("after publishing: DescribeEntity %q, BatchDescribeEntities %q, want %s@1", d, b, ra)
	}
	e.publish([]types.Change{change("RestrictResaleAuthorization", ra, "", map[string]any{}, false)})
	if d, b := identifiers(); d != ra+"@2" || b != ra+"@2" {
		t.Errorf("after restricting: DescribeEntity %q, BatchDescribeEntities %q, want %s@2", d, b, ra)
	}
}

// TestListEntitiesOfProductTypesTheVendorHasNoneOf: AMI, container and data products (types AWS
// lists, the simulator does not model) answer an empty list; an unknown type is a 422.
func TestListEntitiesOfProductTypesTheVendorHasNoneOf(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.publish(simpleRA(newProductID, reseller1, "seats", "api_calls", "storage_gb"))
	for _, typ := range []string{"AmiProduct", "ContainerProduct", "DataProduct", "MachineLearningProduct"} {
		out, err := e.catalog("").ListEntities(ctx(t), &marketplacecatalog.ListEntitiesInput{Catalog: aws.String("AWSMarketplace"), EntityType: aws.String(typ)})
		if err != nil || out.EntitySummaryList == nil || len(out.EntitySummaryList) != 0 {
			t.Errorf("ListEntities %s: %v %v, want an empty list", typ, out, err)
		}
	}
	out, err := e.catalog("").ListEntities(ctx(t), &marketplacecatalog.ListEntitiesInput{Catalog: aws.String("AWSMarketplace"), EntityType: aws.String("AmiProduct"),
		EntityTypeFilters: &types.EntityTypeFiltersMemberAmiProductFilters{Value: types.AmiProductFilters{Visibility: &types.AmiProductVisibilityFilter{ValueList: []types.AmiProductVisibilityString{"Public"}}}}})
	if err != nil || len(out.EntitySummaryList) != 0 {
		t.Errorf("ListEntities AmiProduct with AmiProductFilters: %v %v, want an empty list", out, err)
	}
	_, err = e.catalog("").ListEntities(ctx(t), &marketplacecatalog.ListEntitiesInput{Catalog: aws.String("AWSMarketplace"), EntityType: aws.String("Widget")})
	want422(t, "ListEntities Widget", err, "EntityType")
}

// TestEndedChangeSetsShowNoReferences: a FAILED or CANCELLED change set shows no
// $Name.Entity.Identifier: the entity it would have created has no identifier.
func TestEndedChangeSetsShowNoReferences(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	check := func(what string, d *marketplacecatalog.DescribeChangeSetOutput, want types.ChangeStatus) {
		t.Helper()
		if d.Status != want {
			t.Fatalf("%s: status %s, want %s", what, d.Status, want)
		}
		refs := 0
		for _, c := range d.ChangeSet {
			if c.Entity == nil || aws.ToString(c.Entity.Type) != raType {
				t.Errorf("%s: change %s lost its entity type", what, aws.ToString(c.ChangeType))
			}
			if c.Entity != nil && strings.HasPrefix(aws.ToString(c.Entity.Identifier), "$") {
				refs++
			}
		}
		if refs != 0 || len(d.ChangeSet) != 4 {
			t.Errorf("%s: %d of %d changes show a raw reference", what, refs, len(d.ChangeSet))
		}
	}
	// Failed: the reseller account is no channel partner (asynchronous INVALID_RESELLER_ACCOUNT).
	failed, err := e.start(simpleRA(newProductID, "999999999999", "seats", "api_calls", "storage_gb"))
	if err != nil {
		t.Fatal(err)
	}
	check("FAILED", e.finish(*failed.ChangeSetId), types.ChangeStatusFailed)
	cancelled, err := e.start(simpleRA(newProductID, reseller1, "seats", "api_calls", "storage_gb"))
	if err != nil {
		t.Fatal(err)
	}
	cat := e.catalog("")
	if _, err := cat.CancelChangeSet(ctx(t), &marketplacecatalog.CancelChangeSetInput{Catalog: aws.String("AWSMarketplace"), ChangeSetId: cancelled.ChangeSetId}); err != nil {
		t.Fatal(err)
	}
	check("CANCELLED", e.finish(*cancelled.ChangeSetId), types.ChangeStatusCancelled)
}

// TestCatalogDocumentedLimits: ChangeName, filter lists, tags, Details and enum values outside
// the model's limits are 422 ValidationExceptions naming the member.
func TestCatalogDocumentedLimits(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cat := e.catalog("")
	withName := func(name string) []types.Change {
		cs := simpleRA(newProductID, reseller1, "seats", "api_calls", "storage_gb")
		cs[0].ChangeName = aws.String(name)
		ref := "$" + name + ".Entity.Identifier"
		for i := 1; i < len(cs); i++ {
			cs[i].Entity.Identifier = aws.String(ref)
		}
		return cs
	}
	filters := func(n, values int, name string) []types.Filter {
		var fs []types.Filter
		for i := 0; i < n; i++ {
			f := types.Filter{Name: aws.String(name)}
			for j := 0; j < values; j++ {
				f.ValueList = append(f.ValueList, "v")
			}
			fs = append(fs, f)
		}
		return fs
	}
	raFilters := func(f types.ResaleAuthorizationFilters) *types.EntityTypeFiltersMemberResaleAuthorizationFilters {
		return &types.EntityTypeFiltersMemberResaleAuthorizationFilters{Value: f}
	}
	longDetails := change("UpdateInformation", "$RA.Entity.Identifier", "", map[string]any{"Description": strings.Repeat("d", 16400)}, true)
	listChangeSets := func(in *marketplacecatalog.ListChangeSetsInput) error {
		in.Catalog = aws.String("AWSMarketplace")
		_, err := cat.ListChangeSets(ctx(t), in)
		return err
	}
	listRAs := func(in *marketplacecatalog.ListEntitiesInput) error {
		in.Catalog, in.EntityType = aws.String("AWSMarketplace"), aws.String("ResaleAuthorization")
		_, err := cat.ListEntities(ctx(t), in)
		return err
	}
	startWith := func(f func(*marketplacecatalog.StartChangeSetInput)) error {
		in := &marketplacecatalog.StartChangeSetInput{Catalog: aws.String("AWSMarketplace"), ChangeSet: simpleRA(newProductID, reseller1, "seats", "api_calls", "storage_gb")}
		f(in)
		_, err := cat.StartChangeSet(ctx(t), in)
		return err
	}
	cases := []struct {
		name  string
		call  func() error
		inMsg string
	}{
		{"ChangeName of 73 letters", func() error { _, err := e.start(withName(strings.Repeat("N", 73))); return err }, "ChangeName"},
		{"ChangeName with a digit", func() error { _, err := e.start(withName("RA1")); return err }, "ChangeName"},
		{"Details over 16384 characters", func() error {
			_, err := e.start(append(simpleRA(newProductID, reseller1, "seats", "api_calls", "storage_gb")[:1], longDetails))
			return err
		}, "Details"},
		{"Details not an object", func() error {
			c := change("UpdateInformation", "$RA.Entity.Identifier", "", nil, true)
			c.Details = aws.String(`["Name"]`)
			_, err := e.start(append(simpleRA(newProductID, reseller1, "seats", "api_calls", "storage_gb")[:1], c))
			return err
		}, "Details"},
		{"tag key with #", func() error {
			return startWith(func(in *marketplacecatalog.StartChangeSetInput) {
				in.ChangeSetTags = []types.Tag{{Key: aws.String("cost#center"), Value: aws.String("x")}}
			})
		}, "ChangeSetTags[0].Key"},
		{"Intent outside its enum", func() error {
			return startWith(func(in *marketplacecatalog.StartChangeSetInput) { in.Intent = types.Intent("DRYRUN") })
		}, "Intent"},
		{"ListChangeSets with 9 filters", func() error {
			return listChangeSets(&marketplacecatalog.ListChangeSetsInput{FilterList: filters(9, 1, "ChangeSetName")})
		}, "FilterList"},
		{"ListChangeSets with 11 values", func() error {
			return listChangeSets(&marketplacecatalog.ListChangeSetsInput{FilterList: filters(1, 11, "ChangeSetName")})
		}, "FilterList[0].ValueList"},
		{"ListChangeSets with an empty filter list", func() error {
			return listChangeSets(&marketplacecatalog.ListChangeSetsInput{FilterList: []types.Filter{}})
		}, "FilterList"},
		{"ListChangeSets with a value of 256 characters", func() error {
			return listChangeSets(&marketplacecatalog.ListChangeSetsInput{FilterList: []types.Filter{{Name: aws.String("ChangeSetName"), ValueList: []string{strings.Repeat("v", 256)}}}})
		}, "FilterList[0].ValueList[0]"},
		{"ListChangeSets Status outside its enum", func() error {
			return listChangeSets(&marketplacecatalog.ListChangeSetsInput{FilterList: []types.Filter{{Name: aws.String("Status"), ValueList: []string{"DONE"}}}})
		}, "FilterList[0].ValueList[0]"},
		{"ListChangeSets SortOrder outside its enum", func() error {
			return listChangeSets(&marketplacecatalog.ListChangeSetsInput{Sort: &types.Sort{SortBy: aws.String("StartTime"), SortOrder: types.SortOrder("UP")}})
		}, "Sort.SortOrder"},
		{"ListEntities with 9 filters", func() error { return listRAs(&marketplacecatalog.ListEntitiesInput{FilterList: filters(9, 1, "Name")}) }, "FilterList"},
		{"ListEntities filter name not letters", func() error {
			return listRAs(&marketplacecatalog.ListEntitiesInput{FilterList: filters(1, 1, "Entity_Id")})
		}, "FilterList[0].Name"},
		{"resale authorization Status outside its enum", func() error {
			return listRAs(&marketplacecatalog.ListEntitiesInput{EntityTypeFilters: raFilters(types.ResaleAuthorizationFilters{
				Status: &types.ResaleAuthorizationStatusFilter{ValueList: []types.ResaleAuthorizationStatusString{"Expired"}}})})
		}, "Status.ValueList[0]"},
		{"resale authorization filter with 11 values", func() error {
			v := make([]string, 11)
			for i := range v {
				v[i] = fmt.Sprintf("name %d", i)
			}
			return listRAs(&marketplacecatalog.ListEntitiesInput{EntityTypeFilters: raFilters(types.ResaleAuthorizationFilters{
				Name: &types.ResaleAuthorizationNameFilter{ValueList: v}})})
		}, "Name.ValueList"},
		{"two wildcard filters", func() error {
			return listRAs(&marketplacecatalog.ListEntitiesInput{EntityTypeFilters: raFilters(types.ResaleAuthorizationFilters{
				Name:        &types.ResaleAuthorizationNameFilter{WildCardValue: aws.String("Acme")},
				ProductName: &types.ResaleAuthorizationProductNameFilter{WildCardValue: aws.String("Analytics")}})})
		}, "one wildcard"},
		{"OwnershipType outside its enum", func() error {
			return listRAs(&marketplacecatalog.ListEntitiesInput{OwnershipType: types.OwnershipType("EVERYONE")})
		}, "OwnershipType"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { want422(t, tc.name, tc.call(), tc.inMsg) })
	}
	// The limits themselves are allowed.
	if _, err := e.start(withName(strings.Repeat("N", 72))); err != nil {
		t.Errorf("ChangeName of 72 letters: %v", err)
	}
	if err := listChangeSets(&marketplacecatalog.ListChangeSetsInput{FilterList: filters(8, 10, "ChangeSetName")}); err != nil {
		t.Errorf("8 filters of 10 values: %v", err)
	}
}

// goTypeWords are fragments of Go type names that must never reach an error message.
var goTypeWords = []string{"sim.", "wire.", "Go struct", "Go value", "map[", "[]", "int64", "int32", "float64", "*string", "json.RawMessage", "struct {"}

// TestErrorMessagesAreShortAndNameNoGoTypes sends members of the wrong JSON type to every
// operation and a change set with many errors: messages name JSON types only and stay within
// AWS's 2,048 characters.
func TestErrorMessagesAreShortAndNameNoGoTypes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	type req struct{ method, path, target, contentType, body string }
	rest := func(path, body string) req { return req{http.MethodPost, path, "", "application/json", body} }
	rpc := func(target, version, body string) req {
		return req{http.MethodPost, "/", target, "application/x-amz-json-" + version, body}
	}
	var many []string
	for i := 0; i < 20; i++ {
		many = append(many, fmt.Sprintf(`{"ChangeType":"%s","ChangeName":"%s","Entity":{"Type":"ResaleAuthorization@1.0","Identifier":"bad id %d"},"DetailsDocument":{}}`,
			strings.Repeat("x", 200), strings.Repeat("n", 100), i))
	}
	reqs := []req{
		rest("/StartChangeSet", `{"Catalog":"AWSMarketplace","ChangeSet":{}}`),
		rest("/StartChangeSet", `{"Catalog":"AWSMarketplace","ChangeSet":[{"ChangeType":"UpdateInformation","Entity":{"Type":"ResaleAuthorization@1.0","Identifier":"resaleauthz-x"},"DetailsDocument":{"Name":7}}]}`),
		rest("/StartChangeSet", `{"Catalog":"AWSMarketplace","ChangeSet":[{"ChangeType":"UpdateAvailability","Entity":{"Type":"ResaleAuthorization@1.0","Identifier":"resaleauthz-x"},"DetailsDocument":{"OffersMaxQuantity":"one"}}]}`),
		rest("/StartChangeSet", `{"Catalog":"AWSMarketplace","ChangeSet":[`+strings.Join(many, ",")+`]}`),
		rest("/ListChangeSets", `{"Catalog":"AWSMarketplace","MaxResults":"20"}`),
		rest("/ListEntities", `{"Catalog":"AWSMarketplace","EntityType":"ResaleAuthorization","FilterList":{"Name":"x"}}`),
		rest("/ListEntities", `{"Catalog":"AWSMarketplace","EntityType":"ResaleAuthorization","EntityTypeFilters":{"ResaleAuthorizationFilters":{"Status":{"ValueList":"Active"}}}}`),
		rest("/BatchDescribeEntities", `{"EntityRequestList":[{"Catalog":1,"EntityId":"x"}]}`),
		rpc("AWSMPMeteringService.BatchMeterUsage", "1.1", `{"UsageRecords":{}}`),
		rpc("AWSMPMeteringService.BatchMeterUsage", "1.1", `{"UsageRecords":[{"Quantity":"3"}]}`),
		rpc("AWSMPMeteringService.ResolveCustomer", "1.1", `{"RegistrationToken":[1]}`),
		rpc("AWSMPEntitlementService.GetEntitlements", "1.1", `{"ProductCode":"p","Filter":{"DIMENSION":"seats"}}`),
		rpc("AWSMPEntitlementService.GetEntitlements", "1.1", `{"ProductCode":"p","MaxResults":"2"}`),
		rpc("AWSMPCommerceService_v20200301.DescribeAgreement", "1.0", `{"agreementId":7}`),
		rpc("AWSMPCommerceService_v20200301.SearchAgreements", "1.0", `{"catalog":"AWSMarketplace","filters":{}}`),
	}
	for _, r := range reqs {
		status, body := doSigned(t, r.method, e.url+r.path, r.target, r.contentType, r.body)
		var answer map[string]any
		if err := json.Unmarshal([]byte(body), &answer); err != nil {
			t.Fatalf("%s%s: %v", r.path, r.target, err)
		}
		msg, _ := answer["message"].(string)
		if m, ok := answer["Message"].(string); ok {
			msg = m
		}
		if status < 400 || status >= 500 || msg == "" {
			t.Errorf("%s%s %.80s: %d %q, want a 4xx with a message", r.path, r.target, r.body, status, msg)
		}
		if n := utf8.RuneCountInString(msg); n > 2048 {
			t.Errorf("%s%s: message of %d characters, AWS's limit is 2048", r.path, r.target, n)
		}
		for _, w := range goTypeWords {
			if strings.Contains(msg, w) {
				t.Errorf("%s%s %.80s: message names a Go type (%q): %s", r.path, r.target, r.body, w, msg)
			}
		}
	}
}
