package sim_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/marketplaceagreement"
	agtypes "github.com/aws/aws-sdk-go-v2/service/marketplaceagreement/types"
	"github.com/aws/aws-sdk-go-v2/service/marketplacecatalog"
	"github.com/aws/aws-sdk-go-v2/service/marketplacecatalog/types"
	"github.com/aws/aws-sdk-go-v2/service/marketplaceentitlementservice"
	enttypes "github.com/aws/aws-sdk-go-v2/service/marketplaceentitlementservice/types"
	"github.com/aws/aws-sdk-go-v2/service/marketplacemetering"
	mtypes "github.com/aws/aws-sdk-go-v2/service/marketplacemetering/types"
)

func TestQuotasThrottleBeyondAWSRates(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withQuotas())
	listEntities := func() error {
		_, err := e.catalog("").ListEntities(ctx(t), &marketplacecatalog.ListEntitiesInput{Catalog: aws.String("AWSMarketplace"), EntityType: aws.String("ResaleAuthorization")})
		return err
	}
	meter := func() error {
		_, err := e.metering().BatchMeterUsage(ctx(t), &marketplacemetering.BatchMeterUsageInput{UsageRecords: []mtypes.UsageRecord{}})
		return err
	}
	entitlements := func() error {
		_, err := e.entitlement(false).GetEntitlements(ctx(t), &marketplaceentitlementservice.GetEntitlementsInput{ProductCode: aws.String(newProductCode)})
		return err
	}
	describeAgreement := func() error {
		_, err := e.agreement(reseller1, false).DescribeAgreement(ctx(t), &marketplaceagreement.DescribeAgreementInput{AgreementId: aws.String("agmt-none")})
		var nf *agtypes.ResourceNotFoundException
		if errors.As(err, &nf) {
			return nil
		}
		return err
	}
	cases := []struct {
		name      string
		call      func() error
		rate      int
		throttled func(error) bool
	}{
		{"ListEntities 10/s", listEntities, 10, func(err error) bool { var x *types.ThrottlingException; return errors.As(err, &x) }},
		{"BatchMeterUsage 10/s", meter, 10, func(err error) bool { var x *mtypes.ThrottlingException; return errors.As(err, &x) }},
		{"GetEntitlements 20/s", entitlements, 20, func(err error) bool { var x *enttypes.ThrottlingException; return errors.As(err, &x) }},
		{"DescribeAgreement 5/s", describeAgreement, 5, func(err error) bool { var x *agtypes.ThrottlingException; return errors.As(err, &x) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for i := 0; i < tc.rate; i++ {
				if err := tc.call(); err != nil {
					t.Fatalf("call %d within the rate: %v", i+1, err)
				}
			}
			if err := tc.call(); !tc.throttled(err) {
				t.Fatalf("call %d beyond the rate: %v, want ThrottlingException", tc.rate+1, err)
			}
			e.clock.Advance(time.Second)
			if err := tc.call(); err != nil {
				t.Errorf("after a second: %v", err)
			}
		})
	}
	e.mustControl(http.MethodPut, "/_sim/quotas", map[string]any{"enabled": false}, nil)
	for i := 0; i < 30; i++ {
		if err := meter(); err != nil {
			t.Fatalf("quotas off, call %d: %v", i+1, err)
		}
	}
}

func TestFaultInjection(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.mustControl(http.MethodPut, "/_sim/faults", map[string]any{"operations": map[string]any{
		"BatchMeterUsage": map[string]any{"errorRate": 1, "errorType": "InternalServiceErrorException"},
		"DescribeEntity":  map[string]any{"errorRate": 1, "errorType": "ThrottlingException"},
		"GetEntitlements": map[string]any{"timeoutRate": 1},
		"ListEntities":    map[string]any{"latencyMs": 50},
	}}, nil)
	_, err := e.metering().BatchMeterUsage(ctx(t), &marketplacemetering.BatchMeterUsageInput{UsageRecords: []mtypes.UsageRecord{}})
	var ise *mtypes.InternalServiceErrorException
	if !errors.As(err, &ise) {
		t.Errorf("BatchMeterUsage with errorRate 1: %v, want InternalServiceErrorException", err)
	}
	_, err = e.catalog("").DescribeEntity(ctx(t), &marketplacecatalog.DescribeEntityInput{Catalog: aws.String("AWSMarketplace"), EntityId: aws.String(newProductID)})
	var th *types.ThrottlingException
	if !errors.As(err, &th) {
		t.Errorf("DescribeEntity with an injected ThrottlingException: %v", err)
	}
	c, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err = e.entitlement(true).GetEntitlements(c, &marketplaceentitlementservice.GetEntitlementsInput{ProductCode: aws.String(newProductCode)})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("GetEntitlements with timeoutRate 1: %v, want the client's deadline", err)
	}
	began := time.Now()
	if _, err := e.catalog("").ListEntities(ctx(t), &marketplacecatalog.ListEntitiesInput{Catalog: aws.String("AWSMarketplace"), EntityType: aws.String("SaaSProduct")}); err != nil {
		t.Errorf("ListEntities with latency: %v", err)
	}
	if el := time.Since(began); el < 50*time.Millisecond {
		t.Errorf("ListEntities answered in %s despite 50ms of injected latency", el)
	}
	var bad map[string]any
	st := e.control(http.MethodPut, "/_sim/faults", map[string]any{"operations": map[string]any{"Nope": map[string]any{"errorRate": 2}}}, &bad)
	if msg, _ := bad["message"].(string); st != http.StatusBadRequest || !strings.Contains(msg, "operations.Nope") || !strings.Contains(msg, "operations.Nope.errorRate") {
		t.Errorf("bad fault config: %d %v", st, bad)
	}
	// Clearing the faults restores service.
	e.mustControl(http.MethodPut, "/_sim/faults", map[string]any{"operations": map[string]any{}}, nil)
	if _, err := e.metering().BatchMeterUsage(ctx(t), &marketplacemetering.BatchMeterUsageInput{UsageRecords: []mtypes.UsageRecord{}}); err != nil {
		t.Errorf("after clearing faults: %v", err)
	}
}

func TestUnprocessedRecordsFault(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ra := e.publish(simpleRA(newProductID, reseller1, "seats", "api_calls", "storage_gb"))
	s := e.subscribe(ra, reseller1, buyer1)
	e.mustControl(http.MethodPut, "/_sim/faults", map[string]any{"seed": 7, "operations": map[string]any{"BatchMeterUsage": map[string]any{"unprocessedRate": 0.5}}}, nil)
	e.clock.Advance(3 * time.Hour) // four whole hours of subscription
	hour := e.clock.Now().Truncate(time.Hour)
	var records []mtypes.UsageRecord
	for h := 0; h < 4; h++ {
		for _, dim := range []string{"api_calls", "storage_gb"} {
			records = append(records, byLicense(rec(hour.Add(-time.Duration(h)*time.Hour), dim, int32(h+1)), buyer1, s.LicenseArn))
		}
	}
	out, err := e.metering().BatchMeterUsage(ctx(t), &marketplacemetering.BatchMeterUsageInput{UsageRecords: records})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.UnprocessedRecords) == 0 || len(out.Results) == 0 || len(out.Results)+len(out.UnprocessedRecords) != len(records) {
		t.Fatalf("%d results and %d unprocessed of %d records", len(out.Results), len(out.UnprocessedRecords), len(records))
	}
	var ledger struct {
		Count int `json:"count"`
	}
	e.mustControl(http.MethodGet, "/_sim/metering/ledger", nil, &ledger)
	if ledger.Count != len(out.Results) {
		t.Errorf("ledger holds %d records, want only the %d processed", ledger.Count, len(out.Results))
	}
	e.mustControl(http.MethodPut, "/_sim/faults", map[string]any{"operations": map[string]any{}}, nil)
	retry, err := e.metering().BatchMeterUsage(ctx(t), &marketplacemetering.BatchMeterUsageInput{UsageRecords: out.UnprocessedRecords})
	if err != nil || len(retry.UnprocessedRecords) != 0 || len(retry.Results) != len(out.UnprocessedRecords) {
		t.Errorf("retrying the unprocessed records: %v %v", retry, err)
	}
}

func TestServerFaultChangeSet(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.mustControl(http.MethodPut, "/_sim/faults", map[string]any{"operations": map[string]any{"StartChangeSet": map[string]any{"serverFaultRate": 1}}}, nil)
	out, err := e.start(renewalChangeSet())
	if err != nil {
		t.Fatal(err)
	}
	d := e.finish(*out.ChangeSetId)
	if d.Status != types.ChangeStatusFailed || d.FailureCode != types.FailureCodeServerFault {
		t.Errorf("status %s / %s, want FAILED / SERVER_FAULT", d.Status, d.FailureCode)
	}
	list, err := e.catalog("").ListEntities(ctx(t), &marketplacecatalog.ListEntitiesInput{Catalog: aws.String("AWSMarketplace"), EntityType: aws.String("ResaleAuthorization")})
	if err != nil || len(list.EntitySummaryList) != 0 {
		t.Errorf("a SERVER_FAULT change set created %v (%v)", list, err)
	}
	e.mustControl(http.MethodPut, "/_sim/faults", map[string]any{"operations": map[string]any{}}, nil)
	e.publish(renewalChangeSet())
}
