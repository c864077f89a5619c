package sim_test

import (
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/marketplacecatalog/types"
	"github.com/aws/aws-sdk-go-v2/service/marketplaceentitlementservice"
	"github.com/aws/aws-sdk-go-v2/service/marketplacemetering"
	mtypes "github.com/aws/aws-sdk-go-v2/service/marketplacemetering/types"
	"github.com/aws/smithy-go"
)

// simpleRA is a multi-use contract resale authorization for product: entitled grants plus usage
// prices for every metered dimension.
func simpleRA(productID, reseller, entitled string, metered ...string) []types.Change {
	var rates []any
	for _, m := range metered {
		rates = append(rates, map[string]any{"DimensionKey": m, "Price": "0.01"})
	}
	terms := []any{map[string]any{"Type": "ResaleFixedUpfrontPricingTerm", "CurrencyCode": "USD", "Price": "1000.00", "Duration": "P12M",
		"Grants": []any{map[string]any{"DimensionKey": entitled, "MaxQuantity": 10}}}}
	if len(rates) > 0 {
		terms = append(terms, map[string]any{"Type": "ResaleUsageBasedPricingTerm", "CurrencyCode": "USD", "RateCards": []any{map[string]any{"RateCard": rates}}})
	}
	return []types.Change{
		change("CreateResaleAuthorization", "", "RA", map[string]any{"ProductId": productID, "Name": "Multi-use " + productID, "ResellerAccountId": reseller}, false),
		change("UpdatePricingTerms", ref, "", map[string]any{"PricingModel": "Contract", "Terms": terms}, false),
		change("UpdateLegalTerms", ref, "", map[string]any{"Terms": []any{map[string]any{"Type": "BuyerLegalTerm", "Documents": []any{map[string]any{"Type": "StandardEula"}}}}}, false),
		change("ReleaseResaleAuthorization", ref, "", map[string]any{}, false),
	}
}

type subscription struct {
	AgreementID          string `json:"agreementId"`
	LicenseArn           string `json:"licenseArn"`
	CustomerIdentifier   string `json:"customerIdentifier"`
	CustomerAWSAccountID string `json:"customerAWSAccountId"`
	RegistrationToken    string `json:"registrationToken"`
}

// subscribe runs the CPPO flow for buyer on a multi-use authorization of raID (published once).
func (e *env) subscribe(raID, reseller, buyer string) subscription {
	e.t.Helper()
	var offer struct {
		OfferID string `json:"offerId"`
	}
	e.mustControl(http.MethodPost, "/_sim/resellers/"+reseller+"/offers", map[string]any{"resaleAuthorizationId": raID, "buyerAccountIds": []string{buyer}}, &offer)
	var s subscription
	e.mustControl(http.MethodPost, "/_sim/buyers/"+buyer+"/accept", map[string]any{"offerId": offer.OfferID}, &s)
	return s
}

func rec(ts time.Time, dim string, q int32) mtypes.UsageRecord {
	return mtypes.UsageRecord{Timestamp: aws.Time(ts), Dimension: aws.String(dim), Quantity: aws.Int32(q)}
}

func byLicense(r mtypes.UsageRecord, buyer, license string) mtypes.UsageRecord {
	r.CustomerAWSAccountId, r.LicenseArn = aws.String(buyer), aws.String(license)
	return r
}

func byCustomer(r mtypes.UsageRecord, customer string) mtypes.UsageRecord {
	r.CustomerIdentifier = aws.String(customer)
	return r
}

func TestBatchMeterUsage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	newRA := e.publish(simpleRA(newProductID, reseller1, "seats", "api_calls", "storage_gb"))
	legacyRA := e.publish(simpleRA(legacyProductID, reseller2, "hosts", "events"))
	a := e.subscribe(newRA, reseller1, buyer1)
	b := e.subscribe(newRA, reseller1, buyer2)
	legacy := e.subscribe(legacyRA, reseller2, buyer3)
	e.clock.Advance(45 * time.Minute)
	now := e.clock.Now()
	hour := now.Truncate(time.Hour)
	m := e.metering()
	batch := func(productCode string, records ...mtypes.UsageRecord) (*marketplacemetering.BatchMeterUsageOutput, error) {
		in := &marketplacemetering.BatchMeterUsageInput{UsageRecords: records}
		if productCode != "" {
			in.ProductCode = aws.String(productCode)
		}
		return m.BatchMeterUsage(ctx(t), in)
	}

	t.Run("results per record", func(t *testing.T) {
		e.bind(t)
		first, err := batch("", byLicense(rec(hour, "api_calls", 10), buyer1, a.LicenseArn), byLicense(rec(hour, "storage_gb", 3), buyer1, a.LicenseArn))
		if err != nil {
			t.Fatal(err)
		}
		if len(first.Results) != 2 {
			t.Fatalf("%d results for 2 records: %s", len(first.Results), mustJSON(t, first))
		}
		for _, r := range first.Results {
			if r.Status != mtypes.UsageRecordResultStatusSuccess || aws.ToString(r.MeteringRecordId) == "" {
				t.Errorf("new record: %s %v", r.Status, r.MeteringRecordId)
			}
		}
		if len(first.UnprocessedRecords) != 0 {
			t.Errorf("unprocessed: %v", first.UnprocessedRecords)
		}
		// An identical retry, and the same usage stamped later in the same hour, return the same id.
		retry, err := batch("", byLicense(rec(hour, "api_calls", 10), buyer1, a.LicenseArn), byLicense(rec(hour.Add(30*time.Minute), "storage_gb", 3), buyer1, a.LicenseArn))
		if err != nil {
			t.Fatal(err)
		}
		if len(retry.Results) != len(first.Results) {
			t.Fatalf("%d results for the retry of %d records", len(retry.Results), len(first.Results))
		}
		for i, r := range retry.Results {
			if r.Status != mtypes.UsageRecordResultStatusSuccess || aws.ToString(r.MeteringRecordId) != aws.ToString(first.Results[i].MeteringRecordId) {
				t.Errorf("retry %d: %s %v, want Success %v", i, r.Status, aws.ToString(r.MeteringRecordId), aws.ToString(first.Results[i].MeteringRecordId))
			}
		}
		_, err = batch("",
			byLicense(rec(hour, "api_calls", 11), buyer1, a.LicenseArn),   // other quantity
			byLicense(rec(hour, "api_calls", 11), buyer2, b.LicenseArn),   // another customer
			byCustomer(rec(hour, "events", 5), legacy.CustomerIdentifier), // wrong: no product code here
		)
		var pc *mtypes.InvalidProductCodeException
		if !errors.As(err, &pc) {
			t.Fatalf("CustomerIdentifier without ProductCode: %v, want InvalidProductCodeException", err)
		}
		dup, err := batch("", byLicense(rec(hour, "api_calls", 11), buyer1, a.LicenseArn), byLicense(rec(hour, "api_calls", 11), buyer2, b.LicenseArn))
		if err != nil {
			t.Fatal(err)
		}
		if len(dup.Results) != 2 {
			t.Fatalf("%d results for 2 records: %s", len(dup.Results), mustJSON(t, dup))
		}
		if dup.Results[0].Status != mtypes.UsageRecordResultStatusDuplicateRecord || dup.Results[0].MeteringRecordId != nil {
			t.Errorf("same customer, dimension and hour with another quantity: %s", dup.Results[0].Status)
		}
		if dup.Results[1].Status != mtypes.UsageRecordResultStatusSuccess {
			t.Errorf("another customer: %s", dup.Results[1].Status)
		}
		leg, err := batch(legacyProductCod, byCustomer(rec(hour, "events", 5), legacy.CustomerIdentifier), byCustomer(rec(hour, "events", 5), "UNKNOWNCUST1"))
		if err != nil {
			t.Fatal(err)
		}
		if len(leg.Results) != 2 {
			t.Fatalf("%d results for 2 records: %s", len(leg.Results), mustJSON(t, leg))
		}
		if leg.Results[0].Status != mtypes.UsageRecordResultStatusSuccess || leg.Results[1].Status != mtypes.UsageRecordResultStatusCustomerNotSubscribed {
			t.Errorf("legacy records: %s, %s", leg.Results[0].Status, leg.Results[1].Status)
		}
		alloc := byLicense(rec(hour, "storage_gb", 4), buyer2, b.LicenseArn)
		alloc.UsageAllocations = []mtypes.UsageAllocation{
			{AllocatedUsageQuantity: aws.Int32(1), Tags: []mtypes.Tag{{Key: aws.String("team"), Value: aws.String("a")}}},
			{AllocatedUsageQuantity: aws.Int32(3), Tags: []mtypes.Tag{{Key: aws.String("team"), Value: aws.String("b")}}}}
		if out, err := batch("", alloc); err != nil || len(out.Results) != 1 || out.Results[0].Status != mtypes.UsageRecordResultStatusSuccess {
			t.Errorf("allocations summing to the quantity: %v %v", out, err)
		}
		var ledger struct {
			Count         int   `json:"count"`
			TotalQuantity int64 `json:"totalQuantity"`
		}
		e.mustControl(http.MethodGet, "/_sim/metering/ledger", nil, &ledger)
		if ledger.Count != 5 || ledger.TotalQuantity != 10+3+11+5+4 {
			t.Errorf("ledger = %+v, want 5 records totalling 33", ledger)
		}
	})

	sixTags := make([]mtypes.Tag, 6)
	for i := range sixTags {
		sixTags[i] = mtypes.Tag{Key: aws.String(fmt.Sprintf("k%d", i)), Value: aws.String("v")}
	}
	tooMany := make([]mtypes.UsageRecord, 26)
	for i := range tooMany {
		tooMany[i] = byLicense(rec(hour, "api_calls", 1), buyer1, a.LicenseArn)
	}
	good := byLicense(rec(hour.Add(-time.Hour), "api_calls", 1), buyer2, b.LicenseArn)
	withAlloc := func(q int32, allocs ...mtypes.UsageAllocation) mtypes.UsageRecord {
		r := byLicense(rec(hour, "api_calls", q), buyer2, b.LicenseArn)
		r.UsageAllocations = allocs
		return r
	}
	cases := []struct {
		name    string
		product string
		records []mtypes.UsageRecord
		code    string
		typed   func(error) bool
	}{
		{"more than 25 records", "", tooMany, "ValidationException", nil},
		{"one record outside the time window", "", []mtypes.UsageRecord{good, byLicense(rec(now.Add(-7*time.Hour), "api_calls", 1), buyer2, b.LicenseArn)},
			"TimestampOutOfBoundsException", func(err error) bool { var x *mtypes.TimestampOutOfBoundsException; return errors.As(err, &x) }},
		{"unknown dimension", "", []mtypes.UsageRecord{good, byLicense(rec(hour, "nope", 1), buyer2, b.LicenseArn)},
			"InvalidUsageDimensionException", func(err error) bool { var x *mtypes.InvalidUsageDimensionException; return errors.As(err, &x) }},
		{"entitled dimension", "", []mtypes.UsageRecord{byLicense(rec(hour, "seats", 1), buyer2, b.LicenseArn)},
			"InvalidUsageDimensionException", func(err error) bool { var x *mtypes.InvalidUsageDimensionException; return errors.As(err, &x) }},
		{"six tags", "", []mtypes.UsageRecord{withAlloc(1, mtypes.UsageAllocation{AllocatedUsageQuantity: aws.Int32(1), Tags: sixTags})},
			"InvalidTagException", func(err error) bool { var x *mtypes.InvalidTagException; return errors.As(err, &x) }},
		{"allocations not summing to the quantity", "", []mtypes.UsageRecord{withAlloc(5, mtypes.UsageAllocation{AllocatedUsageQuantity: aws.Int32(4), Tags: sixTags[:1]})},
			"InvalidUsageAllocationsException", func(err error) bool { var x *mtypes.InvalidUsageAllocationsException; return errors.As(err, &x) }},
		{"unknown product code", "nosuchproduct", []mtypes.UsageRecord{byCustomer(rec(hour, "events", 1), legacy.CustomerIdentifier)},
			"InvalidProductCodeException", func(err error) bool { var x *mtypes.InvalidProductCodeException; return errors.As(err, &x) }},
		{"account without license", "", []mtypes.UsageRecord{func() mtypes.UsageRecord {
			r := rec(hour, "api_calls", 1)
			r.CustomerAWSAccountId = aws.String(buyer1)
			return r
		}()},
			"InvalidLicenseException", func(err error) bool { var x *mtypes.InvalidLicenseException; return errors.As(err, &x) }},
		{"license of another customer", "", []mtypes.UsageRecord{byLicense(rec(hour, "api_calls", 1), buyer2, a.LicenseArn)},
			"InvalidLicenseException", func(err error) bool { var x *mtypes.InvalidLicenseException; return errors.As(err, &x) }},
		{"customer identifier and account together", legacyProductCod, []mtypes.UsageRecord{func() mtypes.UsageRecord {
			r := byCustomer(rec(hour, "events", 1), legacy.CustomerIdentifier)
			r.CustomerAWSAccountId = aws.String(buyer3)
			return r
		}()}, "InvalidCustomerIdentifierException", func(err error) bool { var x *mtypes.InvalidCustomerIdentifierException; return errors.As(err, &x) }},
		{"both identity modes in one batch, for two products", legacyProductCod, []mtypes.UsageRecord{
			byCustomer(rec(hour, "events", 1), legacy.CustomerIdentifier), byLicense(rec(hour, "api_calls", 1), buyer2, b.LicenseArn)},
			"InvalidProductCodeException", func(err error) bool { var x *mtypes.InvalidProductCodeException; return errors.As(err, &x) }},
		{"customer identifier on a license product", newProductCode, []mtypes.UsageRecord{byCustomer(rec(hour, "api_calls", 1), "X")},
			"InvalidCustomerIdentifierException", func(err error) bool { var x *mtypes.InvalidCustomerIdentifierException; return errors.As(err, &x) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e.bind(t)
			var before struct {
				Count int `json:"count"`
			}
			e.mustControl(http.MethodGet, "/_sim/metering/ledger", nil, &before)
			_, err := batch(tc.product, tc.records...)
			var api smithy.APIError
			if !errors.As(err, &api) || api.ErrorCode() != tc.code {
				t.Fatalf("err = %v, want %s", err, tc.code)
			}
			if tc.typed != nil && !tc.typed(err) {
				t.Errorf("err %T is not the SDK's typed %s", err, tc.code)
			}
			var after struct {
				Count int `json:"count"`
			}
			e.mustControl(http.MethodGet, "/_sim/metering/ledger", nil, &after)
			if after.Count != before.Count {
				t.Errorf("a rejected batch recorded %d records", after.Count-before.Count)
			}
		})
	}

	t.Run("resolve customer", func(t *testing.T) {
		out, err := m.ResolveCustomer(ctx(t), &marketplacemetering.ResolveCustomerInput{RegistrationToken: aws.String(legacy.RegistrationToken)})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(out.CustomerIdentifier) != legacy.CustomerIdentifier || aws.ToString(out.ProductCode) != legacyProductCod || aws.ToString(out.CustomerAWSAccountId) != buyer3 {
			t.Errorf("legacy ResolveCustomer = %s", mustJSON(t, out))
		}
		_, err = m.ResolveCustomer(ctx(t), &marketplacemetering.ResolveCustomerInput{RegistrationToken: aws.String("bogus")})
		var it *mtypes.InvalidTokenException
		if !errors.As(err, &it) {
			t.Errorf("bogus token: %v, want InvalidTokenException", err)
		}
	})
}

func TestMeteringWindowIsConfigurable(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *simConfig) { c.MeteringWindow = time.Hour })
	ra := e.publish(simpleRA(newProductID, reseller1, "seats", "api_calls", "storage_gb"))
	a := e.subscribe(ra, reseller1, buyer1)
	e.clock.Advance(90 * time.Minute)
	now := e.clock.Now()
	_, err := e.metering().BatchMeterUsage(ctx(t), &marketplacemetering.BatchMeterUsageInput{UsageRecords: []mtypes.UsageRecord{
		byLicense(rec(now.Add(-90*time.Minute), "api_calls", 1), buyer1, a.LicenseArn)}})
	var x *mtypes.TimestampOutOfBoundsException
	if !errors.As(err, &x) {
		t.Errorf("90 minutes old with a 1h window: %v, want TimestampOutOfBoundsException", err)
	}
	out, err := e.metering().BatchMeterUsage(ctx(t), &marketplacemetering.BatchMeterUsageInput{UsageRecords: []mtypes.UsageRecord{
		byLicense(rec(now.Add(-30*time.Minute), "api_calls", 1), buyer1, a.LicenseArn)}})
	if err != nil || len(out.Results) != 1 || out.Results[0].Status != mtypes.UsageRecordResultStatusSuccess {
		t.Errorf("30 minutes old: %v %v", out, err)
	}
}

func TestLegacyCustomerAndMeteringGraceAfterTheEnd(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ra := e.publish(simpleRA(legacyProductID, reseller2, "hosts", "events"))
	s := e.subscribe(ra, reseller2, buyer3)
	for _, useJSON := range []bool{false, true} {
		out, err := e.entitlement(useJSON).GetEntitlements(ctx(t), &marketplaceentitlementservice.GetEntitlementsInput{ProductCode: aws.String(legacyProductCod),
			Filter: map[string][]string{"CUSTOMER_IDENTIFIER": {s.CustomerIdentifier}}})
		if err != nil || len(out.Entitlements) != 1 || aws.ToString(out.Entitlements[0].CustomerIdentifier) != s.CustomerIdentifier ||
			aws.ToString(out.Entitlements[0].Dimension) != "hosts" || aws.ToInt32(out.Entitlements[0].Value.IntegerValue) != 10 {
			t.Errorf("json=%v: legacy entitlements %s %v", useJSON, mustJSON(t, out), err)
		}
	}
	e.clock.Advance(2 * time.Hour)
	hour := e.clock.Now().Truncate(time.Hour)
	e.clock.Advance(30 * time.Minute)
	e.mustControl(http.MethodPost, "/_sim/agreements/"+s.AgreementID+"/end", map[string]any{"status": "EXPIRED"}, nil)
	e.clock.Advance(20 * time.Minute)
	meter := func(ts time.Time) mtypes.UsageRecordResultStatus {
		t.Helper()
		out, err := e.metering().BatchMeterUsage(ctx(t), &marketplacemetering.BatchMeterUsageInput{ProductCode: aws.String(legacyProductCod),
			UsageRecords: []mtypes.UsageRecord{byCustomer(rec(ts, "events", 3), s.CustomerIdentifier)}})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Results) != 1 {
			t.Fatalf("%d results for 1 record: %s", len(out.Results), mustJSON(t, out))
		}
		return out.Results[0].Status
	}
	if st := meter(hour); st != mtypes.UsageRecordResultStatusSuccess {
		t.Errorf("final usage for the hour before the end, within the grace hour: %s", st)
	}
	e.clock.Advance(time.Hour)
	if st := meter(hour.Add(-time.Hour)); st != mtypes.UsageRecordResultStatusCustomerNotSubscribed {
		t.Errorf("usage after the grace hour: %s, want CustomerNotSubscribed", st)
	}
	// Identical requests are idempotent (reference §4.2): a retry of the accepted final usage
	// still gets Success, not CustomerNotSubscribed.
	if st := meter(hour); st != mtypes.UsageRecordResultStatusSuccess {
		t.Errorf("identical retry of accepted usage after the grace hour: %s, want Success", st)
	}
	var out map[string]any
	if st := e.control(http.MethodPost, "/_sim/agreements/"+s.AgreementID+"/amend", map[string]any{}, &out); st != http.StatusConflict {
		t.Errorf("amending an ended agreement: %d %v", st, out)
	}
}

// TestPreviousMonthClosesAtSixOnTheFirst: usage of the previous billing month is accepted only
// until 06:00 UTC on the 1st, whatever the window (reference §4.2); the whole batch is rejected.
func TestPreviousMonthClosesAtSixOnTheFirst(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *simConfig) { c.MeteringWindow = 24 * time.Hour })
	ra := e.publish(simpleRA(newProductID, reseller1, "seats", "api_calls", "storage_gb"))
	a := e.subscribe(ra, reseller1, buyer1)
	e.clock.Advance(time.Date(2026, 12, 1, 5, 0, 0, 0, time.UTC).Sub(e.clock.Now()))
	lastHour := time.Date(2026, 11, 30, 23, 0, 0, 0, time.UTC)
	out, err := e.metering().BatchMeterUsage(ctx(t), &marketplacemetering.BatchMeterUsageInput{UsageRecords: []mtypes.UsageRecord{
		byLicense(rec(lastHour, "api_calls", 1), buyer1, a.LicenseArn)}})
	if err != nil || len(out.Results) != 1 || out.Results[0].Status != mtypes.UsageRecordResultStatusSuccess {
		t.Fatalf("November usage at 05:00 on December 1st: %v %v, want Success", out, err)
	}
	e.clock.Advance(2 * time.Hour) // 07:00
	_, err = e.metering().BatchMeterUsage(ctx(t), &marketplacemetering.BatchMeterUsageInput{UsageRecords: []mtypes.UsageRecord{
		byLicense(rec(time.Date(2026, 12, 1, 6, 0, 0, 0, time.UTC), "api_calls", 1), buyer1, a.LicenseArn),
		byLicense(rec(lastHour.Add(-time.Hour), "api_calls", 1), buyer1, a.LicenseArn)}})
	var x *mtypes.TimestampOutOfBoundsException
	if !errors.As(err, &x) {
		t.Errorf("November usage at 07:00 on December 1st: %v, want TimestampOutOfBoundsException", err)
	}
}

// TestOnlyTheSellerMeters: BatchMeterUsage from another account (here the reseller of the
// CPPO) does not reach the seller's product code or licenses.
func TestOnlyTheSellerMeters(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ra := e.publish(simpleRA(newProductID, reseller1, "seats", "api_calls", "storage_gb"))
	legacyRA := e.publish(simpleRA(legacyProductID, reseller2, "hosts", "events"))
	a := e.subscribe(ra, reseller1, buyer1)
	legacy := e.subscribe(legacyRA, reseller2, buyer3)
	hour := e.clock.Now().Truncate(time.Hour)
	asReseller := marketplacemetering.NewFromConfig(awsConfig(reseller1), func(o *marketplacemetering.Options) { o.BaseEndpoint = aws.String(e.url) })
	_, err := asReseller.BatchMeterUsage(ctx(t), &marketplacemetering.BatchMeterUsageInput{UsageRecords: []mtypes.UsageRecord{
		byLicense(rec(hour, "api_calls", 1), buyer1, a.LicenseArn)}})
	var il *mtypes.InvalidLicenseException
	if !errors.As(err, &il) {
		t.Errorf("license record from the reseller: %v, want InvalidLicenseException", err)
	}
	_, err = asReseller.BatchMeterUsage(ctx(t), &marketplacemetering.BatchMeterUsageInput{ProductCode: aws.String(legacyProductCod),
		UsageRecords: []mtypes.UsageRecord{byCustomer(rec(hour, "events", 1), legacy.CustomerIdentifier)}})
	var pc *mtypes.InvalidProductCodeException
	if !errors.As(err, &pc) {
		t.Errorf("product code record from the reseller: %v, want InvalidProductCodeException", err)
	}
	var ledger struct {
		Count int `json:"count"`
	}
	e.mustControl(http.MethodGet, "/_sim/metering/ledger", nil, &ledger)
	if ledger.Count != 0 {
		t.Errorf("the reseller's calls recorded %d records", ledger.Count)
	}
}
