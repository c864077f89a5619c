package sim_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/marketplaceentitlementservice"
	etypes "github.com/aws/aws-sdk-go-v2/service/marketplaceentitlementservice/types"
	"github.com/aws/aws-sdk-go-v2/service/marketplacemetering"
	mtypes "github.com/aws/aws-sdk-go-v2/service/marketplacemetering/types"
)

// ledgerCount returns how many records the simulator's metering ledger holds.
func (e *env) ledgerCount() int {
	e.t.Helper()
	var ledger struct {
		Count int `json:"count"`
	}
	e.mustControl(http.MethodGet, "/_sim/metering/ledger", nil, &ledger)
	return ledger.Count
}

// TestProductCodeWithLicenseArnRecordsIsRefused: a request-level ProductCode together with
// records carrying a LicenseArn is refused whole (InvalidProductCodeException) and records
// nothing, not even the batch's valid records.
func TestProductCodeWithLicenseArnRecordsIsRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	s := e.subscribe(e.publish(simpleRA(newProductID, reseller1, "seats", "api_calls", "storage_gb")), reseller1, buyer1)
	hour := e.clock.Now().Truncate(time.Hour)
	licensed := byLicense(rec(hour, "api_calls", 3), buyer1, s.LicenseArn)
	cases := []struct {
		name        string
		productCode string
		records     []mtypes.UsageRecord
	}{
		{"the license's own product code", newProductCode, []mtypes.UsageRecord{licensed}},
		{"another product's code", legacyProductCod, []mtypes.UsageRecord{licensed}},
		{"a valid record first", newProductCode, []mtypes.UsageRecord{byLicense(rec(hour, "storage_gb", 1), buyer1, s.LicenseArn), licensed}},
	}
	for _, tc := range cases {
		_, err := e.metering().BatchMeterUsage(ctx(t), &marketplacemetering.BatchMeterUsageInput{ProductCode: aws.String(tc.productCode), UsageRecords: tc.records})
		var pc *mtypes.InvalidProductCodeException
		if !errors.As(err, &pc) || !strings.Contains(aws.ToString(pc.Message), "LicenseArn") {
			t.Errorf("%s: %v, want InvalidProductCodeException naming LicenseArn", tc.name, err)
		}
	}
	if n := e.ledgerCount(); n != 0 {
		t.Errorf("ledger holds %d records after refused batches, want 0", n)
	}
	// Without the ProductCode the same records are metered.
	out, err := e.metering().BatchMeterUsage(ctx(t), &marketplacemetering.BatchMeterUsageInput{UsageRecords: []mtypes.UsageRecord{licensed}})
	if err != nil || len(out.Results) != 1 || out.Results[0].Status != mtypes.UsageRecordResultStatusSuccess || e.ledgerCount() != 1 {
		t.Errorf("without ProductCode: %v %v, want one Success", out, err)
	}
}

// TestMissingUsageRecordsIsAValidationError: the Go SDK refuses a nil UsageRecords itself, so a
// raw request sends it; an empty list is valid and meters nothing.
func TestMissingUsageRecordsIsAValidationError(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if _, err := e.metering().BatchMeterUsage(ctx(t), &marketplacemetering.BatchMeterUsageInput{ProductCode: aws.String(legacyProductCod)}); err == nil {
		t.Fatal("the Go SDK sent a BatchMeterUsage without UsageRecords")
	}
	for _, body := range []string{`{"ProductCode":"` + legacyProductCod + `"}`, `{}`, `{"UsageRecords":null}`} {
		status, answer := doSigned(t, http.MethodPost, e.url+"/", "AWSMPMeteringService.BatchMeterUsage", "application/x-amz-json-1.1", body)
		var got struct {
			Type    string `json:"__type"`
			Message string `json:"message"`
		}
		if err := json.Unmarshal([]byte(answer), &got); err != nil {
			t.Errorf("%s: answer %s is not JSON: %v", body, answer, err)
			continue
		}
		if status != http.StatusBadRequest || got.Type != "ValidationException" || !strings.Contains(got.Message, "usageRecords") {
			t.Errorf("%s: %d %s, want 400 ValidationException naming usageRecords", body, status, answer)
		}
	}
	out, err := e.metering().BatchMeterUsage(ctx(t), &marketplacemetering.BatchMeterUsageInput{UsageRecords: []mtypes.UsageRecord{}})
	if err != nil || len(out.Results) != 0 {
		t.Errorf("empty UsageRecords: %v %v, want no results and no error", out, err)
	}
}

// TestDimensionFilterNeedsACustomerFilter: GetEntitlements with only a DIMENSION filter is an
// InvalidParameterException (in both protocols); with a customer filter it is served.
func TestDimensionFilterNeedsACustomerFilter(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	s := e.subscribe(e.publish(simpleRA(newProductID, reseller1, "seats", "api_calls", "storage_gb")), reseller1, buyer1)
	for _, json := range []bool{false, true} {
		c := e.entitlement(json)
		_, err := c.GetEntitlements(ctx(t), &marketplaceentitlementservice.GetEntitlementsInput{ProductCode: aws.String(newProductCode),
			Filter: map[string][]string{"DIMENSION": {"seats"}}})
		var ip *etypes.InvalidParameterException
		if !errors.As(err, &ip) || !strings.Contains(aws.ToString(ip.Message), "DIMENSION") {
			t.Errorf("json=%v, DIMENSION alone: %v, want InvalidParameterException naming DIMENSION", json, err)
		}
		for _, customer := range []map[string][]string{{"LICENSE_ARN": {s.LicenseArn}}, {"CUSTOMER_AWS_ACCOUNT_ID": {buyer1}}} {
			customer["DIMENSION"] = []string{"seats"}
			out, err := c.GetEntitlements(ctx(t), &marketplaceentitlementservice.GetEntitlementsInput{ProductCode: aws.String(newProductCode), Filter: customer})
			if err != nil || len(out.Entitlements) != 1 || aws.ToString(out.Entitlements[0].Dimension) != "seats" {
				t.Errorf("json=%v, DIMENSION with %v: %v %v, want the seats entitlement", json, customer, out, err)
			}
		}
	}
}
