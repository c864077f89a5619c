package sim_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/marketplacecatalog"
	"github.com/aws/aws-sdk-go-v2/service/marketplacecatalog/document"
	"github.com/aws/aws-sdk-go-v2/service/marketplacecatalog/types"

	"github.com/dealdesk/dealdesk/sim"
)

// replace returns the renewal change set with the change of type changeType given new details
// (nil details drops the change).
func replace(changeType string, details map[string]any) []types.Change {
	var out []types.Change
	for _, c := range renewalChangeSet() {
		if *c.ChangeType != changeType {
			out = append(out, c)
			continue
		}
		if details == nil {
			continue
		}
		id := ""
		if c.Entity.Identifier != nil {
			id = *c.Entity.Identifier
		}
		name := ""
		if c.ChangeName != nil {
			name = *c.ChangeName
		}
		out = append(out, change(changeType, id, name, details, false))
	}
	return out
}

func createDetails(reseller string) map[string]any {
	return map[string]any{"ProductId": newProductID, "Name": "Acme renewal 2027", "ResellerAccountId": reseller}
}

func TestStartChangeSetRejectsInvalidInputSynchronously(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	existing := e.publish(renewalChangeSet())
	both := change("UpdateInformation", existing, "", map[string]any{"Name": "x"}, true)
	both.DetailsDocument = document.NewLazyDocument(map[string]any{"Name": "x"})
	buyers := make([]any, 26)
	for i := range buyers {
		buyers[i] = "1000000000" + string(rune('1'+i/10)) + string(rune('0'+i%10))
	}
	cases := []struct {
		name    string
		changes []types.Change
		as      string // account ("" = seller)
		want    any    // pointer to the expected error type
		inMsg   string
	}{
		{"details and document together", []types.Change{both}, "", &types.ValidationException{}, "not both"},
		{"unknown property", replace("UpdateAvailability", map[string]any{"AvailabilityEndDate": "2026-12-31", "Foo": 1}), "", &types.ValidationException{}, `unknown property "Foo"`},
		{"reseller account not 12 digits", replace("CreateResaleAuthorization", createDetails("12345")), "", &types.ValidationException{}, "ResellerAccountId"},
		{"more than 25 buyers", replace("UpdateBuyerTargetingTerms", map[string]any{"Terms": []any{map[string]any{"Type": "BuyerTargetingTerm", "PositiveTargeting": map[string]any{"BuyerAccounts": buyers}}}}), "", &types.ValidationException{}, "BuyerAccounts"},
		{"offers max quantity other than 1", replace("UpdateAvailability", map[string]any{"OffersMaxQuantity": 2}), "", &types.ValidationException{}, "OffersMaxQuantity"},
		{"custom EULA without URL", replace("UpdateLegalTerms", map[string]any{"Terms": []any{map[string]any{"Type": "BuyerLegalTerm", "Documents": []any{map[string]any{"Type": "CustomEula"}}}}}), "", &types.ValidationException{}, "Documents[0].Url"},
		{"standard EULA with URL", replace("UpdateLegalTerms", map[string]any{"Terms": []any{map[string]any{"Type": "BuyerLegalTerm", "Documents": []any{map[string]any{"Type": "StandardEula", "Url": "https://x.example/e"}}}}}), "", &types.ValidationException{}, "must not be given"},
		{"charge amount with 3 decimals", replace("UpdatePaymentScheduleTerms", map[string]any{"Terms": []any{map[string]any{"Type": "ResalePaymentScheduleTerm", "CurrencyCode": "USD", "Schedule": []any{map[string]any{"ChargeDate": "2027-01-15", "ChargeAmount": "1.005"}}}}}), "", &types.ValidationException{}, "ChargeAmount"},
		{"reference to an unknown change", []types.Change{change("UpdateInformation", "$Nope.Entity.Identifier", "", map[string]any{"Name": "x"}, false)}, "", &types.ValidationException{}, "Identifier"},
		{"unknown change type", []types.Change{change("UpdateExpiryDate", existing, "", map[string]any{}, false)}, "", &types.ValidationException{}, "ChangeType"},
		{"same change type twice on an entity", []types.Change{change("UpdateInformation", existing, "", map[string]any{"Name": "a"}, false), change("UpdateInformation", existing, "", map[string]any{"Name": "b"}, false)}, "", &types.ValidationException{}, "already used"},
		{"update without identifier", []types.Change{change("UpdateInformation", "", "", map[string]any{"Name": "a"}, false)}, "", &types.ValidationException{}, "Entity.Identifier"},
		{"restrict with details", []types.Change{change("RestrictResaleAuthorization", existing, "", map[string]any{"Reason": "x"}, false)}, "", &types.ValidationException{}, "Reason"},
		{"unknown product", replace("CreateResaleAuthorization", map[string]any{"ProductId": "prod-unknown123", "Name": "n", "ResellerAccountId": reseller1}), "", &types.ResourceNotFoundException{}, "prod-unknown123"},
		{"unknown resale authorization", []types.Change{change("UpdateInformation", "resaleauthz-nope", "", map[string]any{"Name": "a"}, false)}, "", &types.ResourceNotFoundException{}, "resaleauthz-nope"},
		{"another account's resale authorization", []types.Change{change("RestrictResaleAuthorization", existing, "", map[string]any{}, false)}, reseller1, &types.AccessDeniedException{}, existing},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.catalog(tc.as).StartChangeSet(ctx(t), &marketplacecatalog.StartChangeSetInput{Catalog: aws.String("AWSMarketplace"), ChangeSet: tc.changes})
			var msg string
			switch want := tc.want.(type) {
			case *types.ValidationException:
				if !errors.As(err, &want) {
					t.Fatalf("err = %v, want ValidationException", err)
				}
				msg = *want.Message
			case *types.ResourceNotFoundException:
				if !errors.As(err, &want) {
					t.Fatalf("err = %v, want ResourceNotFoundException", err)
				}
				msg = *want.Message
			case *types.AccessDeniedException:
				if !errors.As(err, &want) {
					t.Fatalf("err = %v, want AccessDeniedException", err)
				}
				msg = *want.Message
			}
			if !strings.Contains(msg, tc.inMsg) {
				t.Errorf("message %q does not mention %q", msg, tc.inMsg)
			}
		})
	}
	list, err := e.catalog("").ListChangeSets(ctx(t), &marketplacecatalog.ListChangeSetsInput{Catalog: aws.String("AWSMarketplace")})
	if err != nil || len(list.ChangeSetSummaryList) != 1 {
		t.Errorf("rejected requests created change sets: %v (%v)", list, err)
	}
}

func TestChangeSetFailsAsynchronouslyAndAppliesNothing(t *testing.T) {
	t.Parallel()
	usage := func(cards ...any) map[string]any {
		return map[string]any{"PricingModel": "Contract", "Terms": []any{
			map[string]any{"Type": "ResaleFixedUpfrontPricingTerm", "CurrencyCode": "USD", "Price": "0.00", "Duration": "P12M",
				"Grants": []any{map[string]any{"DimensionKey": "seats", "MaxQuantity": 100}}},
			map[string]any{"Type": "ResaleUsageBasedPricingTerm", "CurrencyCode": "USD", "RateCards": []any{map[string]any{"RateCard": cards}}}}}
	}
	schedule := func(dates ...string) map[string]any {
		var s []any
		for _, d := range dates {
			s = append(s, map[string]any{"ChargeDate": d, "ChargeAmount": "100.00"})
		}
		return map[string]any{"Terms": []any{map[string]any{"Type": "ResalePaymentScheduleTerm", "CurrencyCode": "USD", "Schedule": s}}}
	}
	cases := []struct {
		name    string
		changes []types.Change
		code    string
	}{
		{"unknown reseller", replace("CreateResaleAuthorization", createDetails("999999999999")), "INVALID_RESELLER_ACCOUNT"},
		{"availability end in the past", replace("UpdateAvailability", map[string]any{"AvailabilityEndDate": "2026-01-01", "OffersMaxQuantity": 1}), "INVALID_AVAILABILITY_END_DATE"},
		{"installments on a multi-use authorization", replace("UpdateAvailability", map[string]any{"AvailabilityEndDate": "2026-12-31"}), "INCOMPATIBLE_TERMS"},
		{"no buyer legal term", replace("UpdateLegalTerms", nil), "MISSING_MANDATORY_TERMS"},
		{"metered dimension not priced", replace("UpdatePricingTerms", usage(map[string]any{"DimensionKey": "api_calls", "Price": "0.1"})), "INVALID_RATE_CARD"},
		{"renewal without buyers", replace("UpdateBuyerTargetingTerms", nil), "INCOMPATIBLE_BUYER_TARGETING"},
		{"duplicate charge dates", replace("UpdatePaymentScheduleTerms", schedule("2027-01-15", "2027-01-15")), "DUPLICATE_CHARGE_DATES"},
		{"charge date before the availability end", replace("UpdatePaymentScheduleTerms", schedule("2026-12-15")), "INVALID_AVAILABILITY_END_DATE"},
		{"charge date in the past", replace("UpdatePaymentScheduleTerms", schedule("2026-11-01")), "INVALID_CHARGE_DATES"},
		{"unsupported currency", replace("UpdatePaymentScheduleTerms", map[string]any{"Terms": []any{map[string]any{"Type": "ResalePaymentScheduleTerm", "CurrencyCode": "CHF", "Schedule": []any{map[string]any{"ChargeDate": "2027-01-15", "ChargeAmount": "1.00"}}}}}), "INVALID_CURRENCY_CODE"},
		{"grant on a metered dimension", replace("UpdatePricingTerms", map[string]any{"PricingModel": "Contract", "Terms": []any{map[string]any{"Type": "ResaleFixedUpfrontPricingTerm", "CurrencyCode": "USD", "Price": "0.00", "Duration": "P12M", "Grants": []any{map[string]any{"DimensionKey": "api_calls", "MaxQuantity": 1}}}}}), "INCOMPATIBLE_PRODUCT"},
		{"fixed term without duration", replace("UpdatePricingTerms", map[string]any{"PricingModel": "Contract", "Terms": []any{map[string]any{"Type": "ResaleFixedUpfrontPricingTerm", "CurrencyCode": "USD", "Price": "0.00", "Grants": []any{map[string]any{"DimensionKey": "seats", "MaxQuantity": 1}}}}}), "MISSING_DURATION"},
		{"installments without fixed upfront term", replace("UpdatePricingTerms", map[string]any{"PricingModel": "Usage", "Terms": []any{map[string]any{"Type": "ResaleUsageBasedPricingTerm", "CurrencyCode": "USD", "RateCards": []any{map[string]any{"RateCard": []any{map[string]any{"DimensionKey": "api_calls", "Price": "0.1"}, map[string]any{"DimensionKey": "storage_gb", "Price": "0.1"}}}}}}}), "MISSING_MANDATORY_TERMS"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			codes := e.asyncErrors(tc.changes)
			if !strings.Contains(strings.Join(codes, ","), tc.code) {
				t.Errorf("error codes %v, want %s", codes, tc.code)
			}
			if got := eventTypes(e); got != "Change Set Failed" {
				t.Errorf("events: %s, want Change Set Failed", got)
			}
			list, err := e.catalog("").ListEntities(ctx(t), &marketplacecatalog.ListEntitiesInput{Catalog: aws.String("AWSMarketplace"), EntityType: aws.String("ResaleAuthorization")})
			if err != nil || len(list.EntitySummaryList) != 0 {
				t.Errorf("a failed change set left entities: %v (%v)", list, err)
			}
		})
	}
}

// without returns changes minus those of the given change types.
func without(changes []types.Change, drop ...string) []types.Change {
	var out []types.Change
	for _, c := range changes {
		keep := true
		for _, d := range drop {
			keep = keep && *c.ChangeType != d
		}
		if keep {
			out = append(out, c)
		}
	}
	return out
}

// TestPaymentScheduleIsCheckedWithoutARelease: the payment schedule's asynchronous rules
// (reference §1.3) belong to UpdatePaymentScheduleTerms and UpdateAvailability themselves, so
// a draft change set that does not release is checked too, and the error sits on that change.
func TestPaymentScheduleIsCheckedWithoutARelease(t *testing.T) {
	t.Parallel()
	draft := without(renewalChangeSet(), "ReleaseResaleAuthorization")
	cases := []struct {
		name    string
		prepare []types.Change // a first change set that must succeed ("" = none); its RA is the target
		changes func(ra string) []types.Change
		on      string // change type carrying the error
		code    string
	}{
		{"schedule on a draft without availability", nil,
			func(string) []types.Change { return without(draft, "UpdateAvailability") }, "UpdatePaymentScheduleTerms", "INCOMPATIBLE_TERMS"},
		{"schedule on a draft with an end date but multi-use", nil,
			func(string) []types.Change {
				return append(without(draft, "UpdateAvailability"), change("UpdateAvailability", ref, "", map[string]any{"AvailabilityEndDate": "2026-12-31"}, false))
			}, "UpdatePaymentScheduleTerms", "INCOMPATIBLE_TERMS"},
		{"availability end moved past a charge date", draft,
			func(ra string) []types.Change {
				return []types.Change{change("UpdateAvailability", ra, "", map[string]any{"AvailabilityEndDate": "2027-03-01"}, false)}
			}, "UpdateAvailability", "INVALID_AVAILABILITY_END_DATE"},
		{"charge date moved before the availability end", draft,
			func(ra string) []types.Change {
				return []types.Change{change("UpdatePaymentScheduleTerms", ra, "", map[string]any{"Terms": []any{map[string]any{
					"Type": "ResalePaymentScheduleTerm", "CurrencyCode": "USD", "Schedule": []any{map[string]any{"ChargeDate": "2026-12-20", "ChargeAmount": "1.00"}}}}}, false)}
			}, "UpdatePaymentScheduleTerms", "INVALID_CHARGE_DATES"},
		{"usage pricing in another currency than USD", nil,
			func(string) []types.Change {
				return append(without(draft, "UpdatePricingTerms", "UpdatePaymentScheduleTerms"), change("UpdatePricingTerms", ref, "", map[string]any{"PricingModel": "Usage", "Terms": []any{
					map[string]any{"Type": "ResaleUsageBasedPricingTerm", "CurrencyCode": "EUR", "RateCards": []any{map[string]any{"RateCard": []any{
						map[string]any{"DimensionKey": "api_calls", "Price": "0.1"}, map[string]any{"DimensionKey": "storage_gb", "Price": "0.1"}}}}}}}, false))
			}, "UpdatePricingTerms", "INVALID_CURRENCY_CODE"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			ra := ""
			if tc.prepare != nil {
				out, err := e.start(tc.prepare)
				if err != nil {
					t.Fatal(err)
				}
				d := e.finish(*out.ChangeSetId)
				if d.Status != types.ChangeStatusSucceeded {
					t.Fatalf("preparing change set ended %s: %+v", d.Status, d.ChangeSet)
				}
				ra = *d.ChangeSet[0].Entity.Identifier
			}
			before := ""
			if ra != "" {
				before = e.describeRAJSON(ra)
			}
			found := e.asyncErrors(tc.changes(ra))
			if want := tc.on + ":" + tc.code; !strings.Contains(strings.Join(found, ","), want) {
				t.Errorf("errors %v, want %s", found, want)
			}
			if ra == "" {
				list, err := e.catalog("").ListEntities(ctx(t), &marketplacecatalog.ListEntitiesInput{
					Catalog: aws.String("AWSMarketplace"), EntityType: aws.String("ResaleAuthorization")})
				if err != nil || len(list.EntitySummaryList) != 0 {
					t.Errorf("a failed change set left entities: %v (%v)", list, err)
				}
			} else if after := e.describeRAJSON(ra); after != before {
				t.Errorf("the failed change set changed the entity:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
}

// describeRAJSON returns the DetailsDocument of id as JSON; describeRA fails the test on errors.
func (e *env) describeRAJSON(id string) string {
	e.t.Helper()
	doc, _ := e.describeRA(id) // the second value is the API output
	return mustJSON(e.t, doc)
}

// TestCreateOnADraftProductIsRefusedSynchronously: CreateResaleAuthorization needs a product that
// exists and is not a Draft (reference §1.3, a 422), before any change set is made.
func TestCreateOnADraftProductIsRefusedSynchronously(t *testing.T) {
	t.Parallel()
	seed := sim.DemoSeed()
	seed.Products[0].Visibility = "Draft"
	e := newEnv(t, func(c *simConfig) { c.Seed = &seed })
	_, err := e.start([]types.Change{change("CreateResaleAuthorization", "", "RA", map[string]any{
		"ProductId": seed.Products[0].ProductID, "Name": "n", "ResellerAccountId": reseller1}, false)})
	var ve *types.ValidationException
	if !errors.As(err, &ve) || !strings.Contains(aws.ToString(ve.Message), "Draft") {
		t.Fatalf("err = %v, want a ValidationException naming the Draft product", err)
	}
	list, err := e.catalog("").ListChangeSets(ctx(t), &marketplacecatalog.ListChangeSetsInput{Catalog: aws.String("AWSMarketplace")})
	if err != nil || len(list.ChangeSetSummaryList) != 0 {
		t.Errorf("the refused request created change sets: %v (%v)", list, err)
	}
}

// asyncErrors starts changes, which must be accepted and then end FAILED with CLIENT_ERROR, and
// returns their asynchronous errors as "ChangeType:ERROR_CODE".
func (e *env) asyncErrors(changes []types.Change) []string {
	e.t.Helper()
	out, err := e.start(changes)
	if err != nil {
		e.t.Fatalf("StartChangeSet: %v (the error is asynchronous)", err)
	}
	d := e.finish(*out.ChangeSetId)
	if d.Status != types.ChangeStatusFailed || d.FailureCode != types.FailureCodeClientError {
		e.t.Fatalf("status %s / %s, want FAILED / CLIENT_ERROR", d.Status, d.FailureCode)
	}
	var found []string
	for _, c := range d.ChangeSet {
		for _, ed := range c.ErrorDetailList {
			found = append(found, *c.ChangeType+":"+*ed.ErrorCode)
		}
	}
	return found
}
