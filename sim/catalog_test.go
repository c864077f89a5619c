package sim_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/marketplacecatalog"
	"github.com/aws/aws-sdk-go-v2/service/marketplacecatalog/document"
	"github.com/aws/aws-sdk-go-v2/service/marketplacecatalog/types"
)

const raType = "ResaleAuthorization@1.0"

// change builds a Change whose details are given as a DetailsDocument (doc) or, when asString,
// as the Details string.
func change(changeType, identifier, name string, details map[string]any, asString bool) types.Change {
	c := types.Change{ChangeType: aws.String(changeType), Entity: &types.Entity{Type: aws.String(raType)}}
	if identifier != "" {
		c.Entity.Identifier = aws.String(identifier)
	}
	if name != "" {
		c.ChangeName = aws.String(name)
	}
	if asString {
		b, err := json.Marshal(details)
		if err != nil {
			panic(fmt.Sprintf("details of %s: %v", changeType, err)) // a bug in the fixture
		}
		c.Details = aws.String(string(b))
	} else {
		c.DetailsDocument = document.NewLazyDocument(details)
	}
	return c
}

const ref = "$RA.Entity.Identifier"

// renewalChangeSet publishes a one-time renewal resale authorization with installments, a custom
// EULA and targeted buyers, in one change set (Release first, to show order does not matter).
func renewalChangeSet() []types.Change {
	return []types.Change{
		change("ReleaseResaleAuthorization", ref, "", map[string]any{}, false),
		change("CreateResaleAuthorization", "", "RA", map[string]any{
			"ProductId": newProductID, "Name": "Acme renewal 2027", "Description": "Renewal through Northwind",
			"ResellerAccountId": reseller1}, false),
		change("UpdateInformation", ref, "", map[string]any{
			"PreExistingBuyerAgreement": map[string]any{"AcquisitionChannel": "AwsMarketplace", "PricingModel": "Contract"}}, true),
		change("UpdatePricingTerms", ref, "", map[string]any{"PricingModel": "Contract", "Terms": []any{
			map[string]any{"Type": "ResaleFixedUpfrontPricingTerm", "CurrencyCode": "USD", "Price": "0.00", "Duration": "P12M",
				"Grants": []any{map[string]any{"DimensionKey": "seats", "MaxQuantity": 100}}},
			map[string]any{"Type": "ResaleUsageBasedPricingTerm", "CurrencyCode": "USD", "RateCards": []any{
				map[string]any{"RateCard": []any{
					map[string]any{"DimensionKey": "api_calls", "Price": "0.00010000"},
					map[string]any{"DimensionKey": "storage_gb", "Price": "0.023"}}}}},
		}}, false),
		change("UpdatePaymentScheduleTerms", ref, "", map[string]any{"Terms": []any{map[string]any{
			"Type": "ResalePaymentScheduleTerm", "CurrencyCode": "USD", "Schedule": []any{
				map[string]any{"ChargeDate": "2027-01-15", "ChargeAmount": "6000.00"},
				map[string]any{"ChargeDate": "2027-07-15", "ChargeAmount": "6000.00"}}}}}, true),
		change("UpdateAvailability", ref, "", map[string]any{"AvailabilityEndDate": "2026-12-31", "OffersMaxQuantity": 1}, false),
		change("UpdateLegalTerms", ref, "", map[string]any{"Terms": []any{
			map[string]any{"Type": "BuyerLegalTerm", "Documents": []any{map[string]any{"Type": "CustomEula", "Url": "https://example.com/eula.pdf"}}},
			map[string]any{"Type": "ResaleLegalTerm", "Documents": []any{map[string]any{"Type": "StandardResellerContract"}}},
		}}, false),
		change("UpdateBuyerTargetingTerms", ref, "", map[string]any{"Terms": []any{map[string]any{
			"Type": "BuyerTargetingTerm", "PositiveTargeting": map[string]any{"BuyerAccounts": []any{buyer1, buyer2}}}}}, false),
	}
}

// start runs StartChangeSet as the seller.
func (e *env) start(changes []types.Change) (*marketplacecatalog.StartChangeSetOutput, error) {
	return e.catalog("").StartChangeSet(ctx(e.t), &marketplacecatalog.StartChangeSetInput{
		Catalog: aws.String("AWSMarketplace"), ChangeSet: changes})
}

// finish advances the clock past the change-set delay and returns the described change set.
func (e *env) finish(id string) *marketplacecatalog.DescribeChangeSetOutput {
	e.t.Helper()
	e.clock.Advance(time.Hour)
	out, err := e.catalog("").DescribeChangeSet(ctx(e.t), &marketplacecatalog.DescribeChangeSetInput{
		Catalog: aws.String("AWSMarketplace"), ChangeSetId: aws.String(id)})
	if err != nil {
		e.t.Fatalf("DescribeChangeSet: %v", err)
	}
	return out
}

// publish starts a change set, lets it finish, and requires SUCCEEDED; it returns the id of
// the entity of the first change that has one.
func (e *env) publish(changes []types.Change) string {
	e.t.Helper()
	out, err := e.start(changes)
	if err != nil {
		e.t.Fatalf("StartChangeSet: %v", err)
	}
	d := e.finish(*out.ChangeSetId)
	if d.Status != types.ChangeStatusSucceeded {
		b, _ := json.Marshal(d.ChangeSet)
		e.t.Fatalf("change set %s ended %s: %s", *out.ChangeSetId, d.Status, b)
	}
	for _, c := range d.ChangeSet {
		if c.Entity != nil && c.Entity.Identifier != nil && strings.HasPrefix(*c.Entity.Identifier, "resaleauthz-") {
			return *c.Entity.Identifier
		}
	}
	e.t.Fatal("no entity id in the change set")
	return ""
}

func (e *env) describeRA(id string) (map[string]any, *marketplacecatalog.DescribeEntityOutput) {
	e.t.Helper()
	out, err := e.catalog("").DescribeEntity(ctx(e.t), &marketplacecatalog.DescribeEntityInput{
		Catalog: aws.String("AWSMarketplace"), EntityId: aws.String(id)})
	if err != nil {
		e.t.Fatalf("DescribeEntity %s: %v", id, err)
	}
	// The document and the string must say the same; assertions read the string (the smithy
	// document decoder turns numbers into document.Number).
	raw, err := out.DetailsDocument.MarshalSmithyDocument()
	if err != nil {
		e.t.Fatal(err)
	}
	var doc, fromString any
	if err := json.Unmarshal(raw, &doc); err != nil {
		e.t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(*out.Details), &fromString); err != nil {
		e.t.Fatalf("Details is not JSON: %v", err)
	}
	if a, b := mustJSON(e.t, doc), mustJSON(e.t, fromString); a != b {
		e.t.Errorf("Details and DetailsDocument differ:\n%s\n%s", a, b)
	}
	return fromString.(map[string]any), out
}

// byType indexes a DetailsDocument's Terms or Rules by Type.
func byType(t *testing.T, doc map[string]any, key string) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	list, _ := doc[key].([]any)
	for _, x := range list {
		m := x.(map[string]any)
		out[m["Type"].(string)] = m
	}
	return out
}

func TestRenewalResaleAuthorizationPublishesInOneChangeSet(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withDelay(2*time.Second))
	cat := e.catalog("")
	out, err := e.start(renewalChangeSet())
	if err != nil {
		t.Fatalf("StartChangeSet: %v", err)
	}
	if !strings.HasSuffix(*out.ChangeSetArn, ":"+seller+":AWSMarketplace/ChangeSet/"+*out.ChangeSetId) {
		t.Errorf("ChangeSetArn = %s", *out.ChangeSetArn)
	}
	d, err := cat.DescribeChangeSet(ctx(t), &marketplacecatalog.DescribeChangeSetInput{Catalog: aws.String("AWSMarketplace"), ChangeSetId: out.ChangeSetId})
	if err != nil {
		t.Fatal(err)
	}
	if d.Status != types.ChangeStatusPreparing {
		t.Errorf("status right after start = %s, want PREPARING", d.Status)
	}
	e.clock.Advance(1500 * time.Millisecond)
	d, err = cat.DescribeChangeSet(ctx(t), &marketplacecatalog.DescribeChangeSetInput{Catalog: aws.String("AWSMarketplace"), ChangeSetId: out.ChangeSetId})
	if err != nil {
		t.Fatal(err)
	}
	if d.Status != types.ChangeStatusApplying {
		t.Errorf("status after 1.5s of 2s = %s, want APPLYING", d.Status)
	}
	d = e.finish(*out.ChangeSetId)
	if d.Status != types.ChangeStatusSucceeded {
		b, _ := json.Marshal(d.ChangeSet)
		t.Fatalf("status = %s, want SUCCEEDED: %s", d.Status, b)
	}
	if *d.StartTime != "2026-11-26T09:00:00Z" || *d.EndTime != "2026-11-26T09:00:02Z" {
		t.Errorf("StartTime/EndTime = %s/%s", *d.StartTime, *d.EndTime)
	}
	var id string
	for _, c := range d.ChangeSet {
		if c.Entity.Identifier == nil || !strings.HasPrefix(*c.Entity.Identifier, "resaleauthz-") {
			t.Errorf("change %s: entity identifier %v not resolved", *c.ChangeType, c.Entity.Identifier)
			continue
		}
		if id == "" {
			id = *c.Entity.Identifier
		} else if id != *c.Entity.Identifier {
			t.Errorf("changes resolved to different entities: %s and %s", id, *c.Entity.Identifier)
		}
	}

	doc, desc := e.describeRA(id)
	if *desc.EntityType != raType || *desc.EntityIdentifier != id+"@1" ||
		*desc.EntityArn != "arn:aws:aws-marketplace:us-east-1:"+seller+":AWSMarketplace/ResaleAuthorization/"+id {
		t.Errorf("entity header = %s %s %s", *desc.EntityType, *desc.EntityIdentifier, *desc.EntityArn)
	}
	if *desc.LastModifiedDate != "2026-11-26T09:00:02Z" {
		t.Errorf("LastModifiedDate = %s", *desc.LastModifiedDate)
	}
	for k, want := range map[string]any{"Status": "Active", "Name": "Acme renewal 2027", "ProductId": newProductID,
		"ProductName": "Example Analytics Platform", "ManufacturerAccountId": seller, "ManufacturerLegalName": "Example Software, Inc.",
		"CreatedDate": "2026-11-26T09:00:02.000Z", "PricingModel": "Contract"} {
		if doc[k] != want {
			t.Errorf("%s = %v, want %v", k, doc[k], want)
		}
	}
	if got := mustJSON(t, doc["PreExistingBuyerAgreement"]); got != `{"AcquisitionChannel":"AwsMarketplace","PricingModel":"Contract"}` {
		t.Errorf("PreExistingBuyerAgreement = %s", got)
	}
	if got := mustJSON(t, doc["OfferDetails"]); got != `{"OfferCreatedCount":0,"OfferExtendedStatus":"Not Started"}` {
		t.Errorf("OfferDetails = %s", got)
	}
	terms := byType(t, doc, "Terms")
	for _, typ := range []string{"ResaleFixedUpfrontPricingTerm", "ResaleUsageBasedPricingTerm", "ResalePaymentScheduleTerm",
		"BuyerLegalTerm", "ResaleLegalTerm", "BuyerTargetingTerm"} {
		term, ok := terms[typ]
		if !ok {
			t.Errorf("term %s missing", typ)
			continue
		}
		if id, _ := term["Id"].(string); !strings.HasPrefix(id, "term-") {
			t.Errorf("term %s has Id %v", typ, term["Id"])
		}
	}
	checks := map[string]string{
		"ResaleFixedUpfrontPricingTerm": `"Duration":"P12M","Grants":[{"DimensionKey":"seats","MaxQuantity":100}]`,
		"ResalePaymentScheduleTerm":     `"Schedule":[{"ChargeAmount":"6000.00","ChargeDate":"2027-01-15T00:00:00.000Z"},{"ChargeAmount":"6000.00","ChargeDate":"2027-07-15T00:00:00.000Z"}]`,
		"BuyerLegalTerm":                `"Documents":[{"Type":"CustomEula","Url":"https://example.com/eula.pdf"}]`,
		"BuyerTargetingTerm":            `"PositiveTargeting":{"BuyerAccounts":[{"AwsAccountId":"210987654321","LegalName":"Acme Corporation"},{"AwsAccountId":"123456789012","LegalName":"Globex Inc."}]}`,
		"ResaleUsageBasedPricingTerm":   `"RateCards":[{"RateCard":[{"DimensionKey":"api_calls","Price":"0.00010000"},{"DimensionKey":"storage_gb","Price":"0.023"}]}]`,
	}
	for typ, want := range checks {
		if got := mustJSON(t, terms[typ]); !strings.Contains(got, want) {
			t.Errorf("%s = %s\nwant it to contain %s", typ, got, want)
		}
	}
	rules := byType(t, doc, "Rules")
	if got := rules["AvailabilityRule"]; got["AvailabilityEndDate"] != "2026-12-31T23:59:59Z" || got["OffersMaxQuantity"] != float64(1) || got["Usage"] != "Limited" {
		t.Errorf("AvailabilityRule = %v", got)
	}
	if got := rules["PartnerTargetingRule"]; got["ResellerAccountId"] != reseller1 || got["ResellerLegalName"] != "Northwind Cloud Partners LLC" {
		t.Errorf("PartnerTargetingRule = %v", got)
	}

	// The resale authorization is shared with its reseller, not with the other one.
	shared, err := e.catalog(reseller1).ListEntities(ctx(t), &marketplacecatalog.ListEntitiesInput{Catalog: aws.String("AWSMarketplace"),
		EntityType: aws.String("ResaleAuthorization"), OwnershipType: types.OwnershipTypeShared})
	if err != nil || len(shared.EntitySummaryList) != 1 || *shared.EntitySummaryList[0].EntityId != id {
		t.Errorf("reseller's SHARED list = %v, %v", shared, err)
	}
	other, err := e.catalog(reseller2).ListEntities(ctx(t), &marketplacecatalog.ListEntitiesInput{Catalog: aws.String("AWSMarketplace"),
		EntityType: aws.String("ResaleAuthorization"), OwnershipType: types.OwnershipTypeShared})
	if err != nil || len(other.EntitySummaryList) != 0 {
		t.Errorf("other reseller sees %v, %v", other, err)
	}
}

// eventTypes lists the types of the events emitted so far, comma-separated.
func eventTypes(e *env) string {
	var types []string
	for _, r := range e.srv.Bus().Log() {
		types = append(types, r.Type)
	}
	return strings.Join(types, ",")
}

func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestChangeSetLocksItsEntities(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withDelay(2*time.Second))
	cat := e.catalog("")
	// While the publishing change set runs, the resale authorization it creates is named in
	// DescribeChangeSet, does not exist yet, and is locked.
	publishing, err := e.start(renewalChangeSet())
	if err != nil {
		t.Fatal(err)
	}
	running, err := cat.DescribeChangeSet(ctx(t), &marketplacecatalog.DescribeChangeSetInput{Catalog: aws.String("AWSMarketplace"), ChangeSetId: publishing.ChangeSetId})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(running.ChangeSet[1].Entity.Identifier)
	if !strings.HasPrefix(id, "resaleauthz-") {
		t.Fatalf("running change set names entity %q", id)
	}
	_, err = cat.DescribeEntity(ctx(t), &marketplacecatalog.DescribeEntityInput{Catalog: aws.String("AWSMarketplace"), EntityId: aws.String(id)})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Errorf("DescribeEntity while it is being created: %v, want ResourceNotFoundException", err)
	}
	_, err = e.start([]types.Change{change("UpdateInformation", id, "", map[string]any{"Name": "other"}, false)})
	var busy *types.ResourceInUseException
	if !errors.As(err, &busy) {
		t.Fatalf("second change set on it while the first runs: %v, want ResourceInUseException", err)
	}
	if d := e.finish(*publishing.ChangeSetId); d.Status != types.ChangeStatusSucceeded || aws.ToString(d.ChangeSet[0].Entity.Identifier) != id {
		t.Fatalf("publishing ended %s on %v", d.Status, d.ChangeSet[0].Entity.Identifier)
	}
	first, err := e.start([]types.Change{change("RestrictResaleAuthorization", id, "", map[string]any{}, false)})
	if err != nil {
		t.Fatalf("first change set: %v", err)
	}
	_, err = e.start([]types.Change{change("RestrictResaleAuthorization", id, "", map[string]any{}, false)})
	var inUse *types.ResourceInUseException
	if !errors.As(err, &inUse) {
		t.Fatalf("second change set while the first runs: err = %v, want ResourceInUseException", err)
	}
	if !strings.Contains(*inUse.Message, id) {
		t.Errorf("message %q does not name the entity", *inUse.Message)
	}
	if d := e.finish(*first.ChangeSetId); d.Status != types.ChangeStatusSucceeded {
		t.Fatalf("restrict ended %s", d.Status)
	}
	if doc, _ := e.describeRA(id); doc["Status"] != "Restricted" {
		t.Errorf("Status = %v, want Restricted", doc["Status"])
	}
	// The lock is gone: a new change set is accepted (and fails asynchronously: already restricted).
	again, err := e.start([]types.Change{change("RestrictResaleAuthorization", id, "", map[string]any{}, false)})
	if err != nil {
		t.Fatalf("after the first ended: %v", err)
	}
	d := e.finish(*again.ChangeSetId)
	if d.Status != types.ChangeStatusFailed || d.FailureCode != types.FailureCodeClientError || d.ChangeSet[0].ErrorDetailList[0].ErrorCode == nil ||
		*d.ChangeSet[0].ErrorDetailList[0].ErrorCode != "INCOMPATIBLE_STATUS" {
		t.Errorf("restricting twice: %s %v %s", d.Status, d.FailureCode, mustJSON(t, d.ChangeSet))
	}
}

func TestCancelChangeSet(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withDelay(2*time.Second))
	cat := e.catalog("")
	out, err := e.start(renewalChangeSet())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cat.CancelChangeSet(ctx(t), &marketplacecatalog.CancelChangeSetInput{Catalog: aws.String("AWSMarketplace"), ChangeSetId: out.ChangeSetId}); err != nil {
		t.Fatalf("cancel while PREPARING: %v", err)
	}
	d := e.finish(*out.ChangeSetId)
	if d.Status != types.ChangeStatusCancelled {
		t.Errorf("status = %s, want CANCELLED", d.Status)
	}
	if got := eventTypes(e); got != "Change Set Cancelled" {
		t.Errorf("events after a cancellation: %s", got)
	}
	list, err := cat.ListEntities(ctx(t), &marketplacecatalog.ListEntitiesInput{Catalog: aws.String("AWSMarketplace"), EntityType: aws.String("ResaleAuthorization")})
	if err != nil || len(list.EntitySummaryList) != 0 {
		t.Errorf("a cancelled change set created %v (%v)", list, err)
	}
	// APPLYING can no longer be cancelled.
	out2, err := e.start(renewalChangeSet())
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(1500 * time.Millisecond)
	_, err = cat.CancelChangeSet(ctx(t), &marketplacecatalog.CancelChangeSetInput{Catalog: aws.String("AWSMarketplace"), ChangeSetId: out2.ChangeSetId})
	var inUse *types.ResourceInUseException
	if !errors.As(err, &inUse) {
		t.Errorf("cancel while APPLYING: %v, want ResourceInUseException", err)
	}
	_, err = cat.CancelChangeSet(ctx(t), &marketplacecatalog.CancelChangeSetInput{Catalog: aws.String("AWSMarketplace"), ChangeSetId: aws.String("nope")})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Errorf("cancel unknown: %v, want ResourceNotFoundException", err)
	}
}

func TestClientRequestTokenIdempotency(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cat := e.catalog("")
	in := &marketplacecatalog.StartChangeSetInput{Catalog: aws.String("AWSMarketplace"), ChangeSet: renewalChangeSet(), ClientRequestToken: aws.String("token-1")}
	a, err := cat.StartChangeSet(ctx(t), in)
	if err != nil {
		t.Fatal(err)
	}
	b, err := cat.StartChangeSet(ctx(t), in)
	if err != nil {
		t.Fatalf("same token, same body: %v", err)
	}
	if *a.ChangeSetId != *b.ChangeSetId {
		t.Errorf("same token and body gave change sets %s and %s", *a.ChangeSetId, *b.ChangeSetId)
	}
	in.ChangeSetName = aws.String("other")
	_, err = cat.StartChangeSet(ctx(t), in)
	var ve *types.ValidationException
	if !errors.As(err, &ve) || !strings.Contains(*ve.Message, "ClientRequestToken") {
		t.Errorf("same token, other body: %v, want ValidationException naming ClientRequestToken", err)
	}
	e.finish(*a.ChangeSetId)
	list, err := cat.ListChangeSets(ctx(t), &marketplacecatalog.ListChangeSetsInput{Catalog: aws.String("AWSMarketplace")})
	if err != nil || len(list.ChangeSetSummaryList) != 1 {
		t.Errorf("ListChangeSets = %v, %v; want exactly one change set", list, err)
	}
	ents, err := cat.ListEntities(ctx(t), &marketplacecatalog.ListEntitiesInput{Catalog: aws.String("AWSMarketplace"), EntityType: aws.String("ResaleAuthorization")})
	if err != nil {
		t.Fatal(err)
	}
	if len(ents.EntitySummaryList) != 1 {
		t.Errorf("%d resale authorizations, want 1", len(ents.EntitySummaryList))
	}
}

func TestValidateIntentAppliesNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cat := e.catalog("")
	out, err := cat.StartChangeSet(ctx(t), &marketplacecatalog.StartChangeSetInput{Catalog: aws.String("AWSMarketplace"),
		ChangeSet: renewalChangeSet(), Intent: types.IntentValidate, ChangeSetName: aws.String("dry run")})
	if err != nil {
		t.Fatal(err)
	}
	d := e.finish(*out.ChangeSetId)
	if d.Status != types.ChangeStatusSucceeded || d.Intent != types.IntentValidate || aws.ToString(d.ChangeSetName) != "dry run" {
		t.Errorf("VALIDATE change set: %s %s %s", d.Status, d.Intent, aws.ToString(d.ChangeSetName))
	}
	list, err := cat.ListEntities(ctx(t), &marketplacecatalog.ListEntitiesInput{Catalog: aws.String("AWSMarketplace"), EntityType: aws.String("ResaleAuthorization")})
	if err != nil || len(list.EntitySummaryList) != 0 {
		t.Errorf("VALIDATE created entities: %v %v", list, err)
	}
	byStatus, err := cat.ListChangeSets(ctx(t), &marketplacecatalog.ListChangeSetsInput{Catalog: aws.String("AWSMarketplace"),
		FilterList: []types.Filter{{Name: aws.String("Status"), ValueList: []string{"FAILED"}}}})
	if err != nil || len(byStatus.ChangeSetSummaryList) != 0 {
		t.Errorf("ListChangeSets Status=FAILED: %v %v", byStatus, err)
	}
	_, err = cat.ListChangeSets(ctx(t), &marketplacecatalog.ListChangeSetsInput{Catalog: aws.String("AWSMarketplace"),
		FilterList: []types.Filter{{Name: aws.String("Colour"), ValueList: []string{"x"}}}})
	var ve *types.ValidationException
	if !errors.As(err, &ve) || !strings.Contains(*ve.Message, "FilterList[0].Name") {
		t.Errorf("unknown ListChangeSets filter: %v", err)
	}
}
