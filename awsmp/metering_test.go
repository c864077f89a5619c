package awsmp_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/awsmp"
)

// accepted is what the simulator's buyer acceptance answers.
type accepted struct {
	AgreementID          string `json:"agreementId"`
	LicenseArn           string `json:"licenseArn"`
	CustomerIdentifier   string `json:"customerIdentifier"`
	CustomerAWSAccountID string `json:"customerAWSAccountId"`
	ProductCode          string `json:"productCode"`
}

// subscribe publishes opportunity tc's resale authorization, makes the reseller's offer to
// buyer and has the buyer accept it.
func (e *simEnv) subscribe(tc opportunity, buyer string) accepted {
	e.t.Helper()
	ctx := context.Background()
	cat := e.catalog()
	id, err := cat.StartResaleAuthorization(ctx, e.conn, tc.offer, tc.product, dealdesk.PublishToken(tc.offer.ID, 1))
	if err != nil {
		e.t.Fatal(err)
	}
	r, err := cat.DescribeChangeSet(ctx, e.conn, id)
	if err != nil || r.ResaleAuthorizationID == "" {
		e.t.Fatalf("publish: %+v, %v", r, err)
	}
	var made struct {
		OfferID string `json:"offerId"`
	}
	e.control("POST", "/_sim/resellers/"+tc.offer.ResellerAccountID+"/offers", map[string]any{"resaleAuthorizationId": r.ResaleAuthorizationID,
		"markupPercentage": "0", "buyerAccountIds": []string{buyer}, "expiryDate": "2030-08-31", "name": "metered"}, &made)
	var acc accepted
	e.control("POST", "/_sim/buyers/"+buyer+"/accept", map[string]any{"offerId": made.OfferID}, &acc)
	return acc
}

// ledger returns the simulator's metering ledger.
func (e *simEnv) ledger() (records []struct {
	MeteringRecordID string    `json:"meteringRecordId"`
	Dimension        string    `json:"dimension"`
	Quantity         int64     `json:"quantity"`
	Hour             time.Time `json:"hour"`
}) {
	var out struct {
		Records []struct {
			MeteringRecordID string    `json:"meteringRecordId"`
			Dimension        string    `json:"dimension"`
			Quantity         int64     `json:"quantity"`
			Hour             time.Time `json:"hour"`
		} `json:"records"`
	}
	e.control("GET", "/_sim/metering/ledger", nil, &out)
	return out.Records
}

// meterBatch builds a batch of product p with one record per dimension and quantity, all of
// hour, for customer c.
func meterBatch(p *dealdesk.Product, id dealdesk.MeteringIdentity, c dealdesk.MeteringCustomer, hour time.Time, dims []string, qs []int64) *dealdesk.MeteringBatch {
	b := &dealdesk.MeteringBatch{Product: p, Identity: id}
	for i, d := range dims {
		b.Records = append(b.Records, &dealdesk.MeteringRecord{ID: "mr_" + d, DimensionKey: d, Hour: hour, Quantity: qs[i]})
		b.Customers = append(b.Customers, c)
	}
	return b
}

// TestUsageRecordRequestIsExactJSON: the stored request of a record is AWS's usage record with
// the hour's start in epoch seconds, the license and account for a LICENSE_ARN product and the
// customer identifier and product code for a CUSTOMER_IDENTIFIER one, byte for byte; what
// cannot be sent is an error naming the member.
func TestUsageRecordRequestIsExactJSON(t *testing.T) {
	t.Parallel()
	m := awsmp.NewMeter()
	hour := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	lic := "arn:aws:license-manager::111122223333:license:l-0123456789abcdef"
	byLicense := meterBatch(analytics, dealdesk.MeteringByLicense, dealdesk.MeteringCustomer{CustomerAWSAccountID: buyer1, LicenseARN: lic},
		hour, []string{"api_calls", "storage_gb"}, []int64{1250, 0})
	byCustomer := meterBatch(logShipper, dealdesk.MeteringByCustomerIdentifier, dealdesk.MeteringCustomer{CustomerIdentifier: "cust-abc"},
		hour, []string{"events"}, []int64{7})
	for _, tc := range []struct {
		b    *dealdesk.MeteringBatch
		i    int
		want string
	}{
		{byLicense, 0, `{"CustomerAWSAccountId":"210987654321","Dimension":"api_calls","LicenseArn":"` + lic + `","Quantity":1250,"Timestamp":1796029200}`},
		{byLicense, 1, `{"CustomerAWSAccountId":"210987654321","Dimension":"storage_gb","LicenseArn":"` + lic + `","Quantity":0,"Timestamp":1796029200}`},
		{byCustomer, 0, `{"CustomerIdentifier":"cust-abc","Dimension":"events","ProductCode":"dd3mo1egacyl0g0000000000b","Quantity":7,"Timestamp":1796029200}`},
	} {
		for range 3 { // the same record gives the same bytes every time
			got, err := m.UsageRecordRequest(tc.b, tc.i)
			if err != nil || string(got) != tc.want {
				t.Fatalf("UsageRecordRequest(%s) = %s, %v\nwant %s", tc.b.Records[tc.i].DimensionKey, got, err, tc.want)
			}
		}
	}
	if hour.Unix() != 1796029200 {
		t.Fatalf("test hour is %d", hour.Unix())
	}

	bad := func(mut func(b *dealdesk.MeteringBatch), want string) {
		t.Helper()
		b := meterBatch(analytics, dealdesk.MeteringByLicense, dealdesk.MeteringCustomer{CustomerAWSAccountID: buyer1, LicenseARN: lic},
			hour, []string{"api_calls"}, []int64{1})
		mut(b)
		if got, err := m.UsageRecordRequest(b, 0); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("UsageRecordRequest = %s, %v; want an error naming %s", got, err, want)
		}
	}
	bad(func(b *dealdesk.MeteringBatch) { b.Customers[0].LicenseARN = "" }, "LicenseArn")
	bad(func(b *dealdesk.MeteringBatch) { b.Identity = dealdesk.MeteringByCustomerIdentifier }, "CustomerIdentifier")
	bad(func(b *dealdesk.MeteringBatch) { b.Records[0].Hour = hour.Add(time.Minute) }, "Timestamp")
	bad(func(b *dealdesk.MeteringBatch) { b.Records[0].Quantity = 1 << 31 }, "Quantity")
	bad(func(b *dealdesk.MeteringBatch) { b.Records[0].DimensionKey = "" }, "Dimension")
}

// TestMeterAgainstSimulator sends batches with the real Metering client to the simulator: a
// LICENSE_ARN batch and a CUSTOMER_IDENTIFIER one are metered (results in the records' order,
// AWS's IDs, the ledger holds them); the same records again get the same IDs (AWS's
// idempotency); another quantity for the same hour is DuplicateRecord with AWS's answer.
func TestMeterAgainstSimulator(t *testing.T) {
	t.Parallel()
	e := newSim(t, true)
	ctx := context.Background()
	m := awsmp.NewMeter(awsmp.WithLimits(awsmp.NewLimits(awsmp.Quotas)), awsmp.WithRetry(2, 10*time.Millisecond))
	hour := time.Now().UTC().Truncate(time.Hour)

	acc := e.subscribe(opportunities()[1], buyer1)
	lic := meterBatch(analytics, dealdesk.MeteringByLicense, dealdesk.MeteringCustomer{CustomerAWSAccountID: acc.CustomerAWSAccountID, LicenseARN: acc.LicenseArn},
		hour, []string{"storage_gb", "api_calls"}, []int64{3, 1200})
	first, err := m.BatchMeterUsage(ctx, e.conn, lic)
	if err != nil {
		t.Fatal(err)
	}
	if len(first) != 2 || first[0].Status != "Success" || first[1].Status != "Success" || first[0].MeteringRecordID == first[1].MeteringRecordID {
		t.Fatalf("results = %+v, want two Successes with their own IDs", first)
	}
	var echo struct {
		Status      string
		UsageRecord struct {
			Dimension string
			Quantity  int64
		}
	}
	if err := json.Unmarshal(first[1].Response, &echo); err != nil || echo.Status != "Success" || echo.UsageRecord.Dimension != "api_calls" || echo.UsageRecord.Quantity != 1200 {
		t.Fatalf("response of api_calls = %s (%v), want AWS's result for api_calls 1200", first[1].Response, err)
	}

	// A retry of the stored requests gets the same answer.
	for i, r := range lic.Records {
		if r.Request, err = m.UsageRecordRequest(lic, i); err != nil {
			t.Fatal(err)
		}
	}
	again, err := m.BatchMeterUsage(ctx, e.conn, lic)
	if err != nil || again[0].MeteringRecordID != first[0].MeteringRecordID || again[1].MeteringRecordID != first[1].MeteringRecordID {
		t.Fatalf("retry = %+v, %v; want the first call's IDs %+v", again, err, first)
	}
	// The stored request is what goes, whatever the record says now.
	lic.Records[1].Quantity = 999
	if again, err = m.BatchMeterUsage(ctx, e.conn, lic); err != nil || again[1].Status != "Success" || again[1].MeteringRecordID != first[1].MeteringRecordID {
		t.Fatalf("retry of the stored request = %+v, %v; want the first call's answer", again, err)
	}

	// Another quantity for the same customer, dimension and hour.
	dup := meterBatch(analytics, dealdesk.MeteringByLicense, dealdesk.MeteringCustomer{CustomerAWSAccountID: acc.CustomerAWSAccountID, LicenseARN: acc.LicenseArn},
		hour, []string{"api_calls"}, []int64{1201})
	res, err := m.BatchMeterUsage(ctx, e.conn, dup)
	if err != nil || len(res) != 1 || res[0].Status != "DuplicateRecord" || res[0].MeteringRecordID != "" || !strings.Contains(string(res[0].Response), `"DuplicateRecord"`) {
		t.Fatalf("different quantity = %+v, %v; want DuplicateRecord with AWS's answer", res, err)
	}

	// A legacy product meters by customer identifier and product code.
	legacy := e.subscribe(opportunities()[3], buyer2)
	cust := meterBatch(logShipper, dealdesk.MeteringByCustomerIdentifier, dealdesk.MeteringCustomer{CustomerIdentifier: legacy.CustomerIdentifier},
		hour, []string{"events"}, []int64{42})
	if res, err = m.BatchMeterUsage(ctx, e.conn, cust); err != nil || res[0].Status != "Success" || res[0].MeteringRecordID == "" {
		t.Fatalf("customer identifier batch = %+v, %v; want Success", res, err)
	}

	got := map[string]int64{}
	for _, r := range e.ledger() {
		if !r.Hour.Equal(hour) {
			t.Errorf("ledger record %+v is not of hour %s", r, hour)
		}
		got[r.Dimension] += r.Quantity
	}
	if want := map[string]int64{"storage_gb": 3, "api_calls": 1200, "events": 42}; len(got) != len(want) || got["storage_gb"] != 3 || got["api_calls"] != 1200 || got["events"] != 42 {
		t.Fatalf("ledger = %v, want %v", got, want)
	}
}

// TestMeterErrors: AWS's answers that refuse a whole batch come back as *dealdesk.AWSError,
// retryable for throttling and internal errors, not for a timestamp out of the window; a
// record AWS leaves unprocessed gets Status "".
func TestMeterErrors(t *testing.T) {
	t.Parallel()
	e := newSim(t, false)
	ctx := context.Background()
	m := awsmp.NewMeter(awsmp.WithLimits(nil), awsmp.WithRetry(1, time.Millisecond))
	acc := e.subscribe(opportunities()[1], buyer1)
	customer := dealdesk.MeteringCustomer{CustomerAWSAccountID: acc.CustomerAWSAccountID, LicenseARN: acc.LicenseArn}
	hour := time.Now().UTC().Truncate(time.Hour)

	old := meterBatch(analytics, dealdesk.MeteringByLicense, customer, hour, []string{"api_calls", "storage_gb"}, []int64{1, 1})
	old.Records[1].Hour = hour.Add(-30 * time.Hour)
	_, err := m.BatchMeterUsage(ctx, e.conn, old)
	var ae *dealdesk.AWSError
	if !asAWSError(err, &ae) || ae.Code != "TimestampOutOfBoundsException" || ae.Retryable || ae.Operation != "BatchMeterUsage" {
		t.Fatalf("out of the window: %v, want a terminal TimestampOutOfBoundsException", err)
	}

	for _, tc := range []struct {
		fault  map[string]any
		code   string
		status int
	}{
		{map[string]any{"errorRate": 1, "errorType": "ThrottlingException"}, "ThrottlingException", 400},
		{map[string]any{"errorRate": 1}, "InternalServiceErrorException", 500},
		{map[string]any{"errorRate": 1, "errorType": "InvalidUsageDimensionException"}, "InvalidUsageDimensionException", 400},
	} {
		e.control("PUT", "/_sim/faults", map[string]any{"operations": map[string]any{"BatchMeterUsage": tc.fault}}, nil)
		_, err := m.BatchMeterUsage(ctx, e.conn, meterBatch(analytics, dealdesk.MeteringByLicense, customer, hour, []string{"api_calls"}, []int64{5}))
		var ae *dealdesk.AWSError
		want := tc.code != "InvalidUsageDimensionException"
		if !asAWSError(err, &ae) || ae.Code != tc.code || ae.Status != tc.status || ae.Retryable != want {
			t.Errorf("fault %v: %v (%+v), want %s HTTP %d retryable %v", tc.fault, err, ae, tc.code, tc.status, want)
		}
	}

	e.control("PUT", "/_sim/faults", map[string]any{"operations": map[string]any{"BatchMeterUsage": map[string]any{"unprocessedRate": 1}}}, nil)
	res, err := m.BatchMeterUsage(ctx, e.conn, meterBatch(analytics, dealdesk.MeteringByLicense, customer, hour, []string{"api_calls", "storage_gb"}, []int64{5, 6}))
	if err != nil || len(res) != 2 || res[0].Status != "" || res[1].Status != "" || !strings.Contains(string(res[1].Response), `"Unprocessed":true`) {
		t.Fatalf("unprocessed = %+v, %v; want two results with Status \"\"", res, err)
	}
	if n := len(e.ledger()); n != 0 {
		t.Fatalf("ledger holds %d records, want none", n)
	}
}

// TestMeterCallsAWSMeteringEndpoint: pointed at real AWS, BatchMeterUsage signs for
// aws-marketplace in the connection's region and calls
// metering.marketplace.<region>.amazonaws.com with X-Amz-Target
// AWSMPMeteringService.BatchMeterUsage and the stored records; a LICENSE_ARN batch sends no
// ProductCode, a CUSTOMER_IDENTIFIER one sends it once, at the request's level.
func TestMeterCallsAWSMeteringEndpoint(t *testing.T) {
	isolateEnv(t)
	rec := &recorder{}
	conn := &dealdesk.AWSConnection{SellerAccountID: seller, Region: "eu-west-1", CredentialsMode: dealdesk.CredentialsStaticKeys,
		AccessKeyID: "AKIASTATICKEYS00001", SecretAccessKey: "static-secret"}
	m := awsmp.NewMeter(awsmp.WithHTTPClient(rec), awsmp.WithLimits(nil), awsmp.WithRetry(1, time.Millisecond))
	hour := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	lic := "arn:aws:license-manager::111122223333:license:l-0123456789abcdef"
	b := meterBatch(analytics, dealdesk.MeteringByLicense, dealdesk.MeteringCustomer{CustomerAWSAccountID: buyer1, LicenseARN: lic},
		hour, []string{"api_calls"}, []int64{12})
	res, err := m.BatchMeterUsage(context.Background(), conn, b)
	if err != nil || len(res) != 1 || res[0].Status != "" {
		t.Fatalf("an empty answer = %+v, %v; want the record unprocessed", res, err)
	}
	legacy := meterBatch(logShipper, dealdesk.MeteringByCustomerIdentifier, dealdesk.MeteringCustomer{CustomerIdentifier: "cust-abc"},
		hour, []string{"events"}, []int64{7})
	if _, err := m.BatchMeterUsage(context.Background(), conn, legacy); err != nil {
		t.Fatal(err)
	}
	reqs := rec.all()
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want 2: %+v", len(reqs), reqs)
	}
	for _, r := range reqs {
		if r.host != "metering.marketplace.eu-west-1.amazonaws.com" || r.path != "/" || r.target != "AWSMPMeteringService.BatchMeterUsage" ||
			len(r.scope) != 5 || r.scope[0] != "AKIASTATICKEYS00001" || r.scope[2] != "eu-west-1" || r.scope[3] != "aws-marketplace" {
			t.Errorf("request = %+v, want AWSMPMeteringService.BatchMeterUsage to metering.marketplace.eu-west-1.amazonaws.com signed for aws-marketplace", r)
		}
	}
	want := []string{
		`{"UsageRecords":[{"CustomerAWSAccountId":"210987654321","Dimension":"api_calls","LicenseArn":"` + lic + `","Quantity":12,"Timestamp":1796029200}]}`,
		`{"ProductCode":"dd3mo1egacyl0g0000000000b","UsageRecords":[{"CustomerIdentifier":"cust-abc","Dimension":"events","Quantity":7,"Timestamp":1796029200}]}`,
	}
	for i, w := range want {
		var got, exp any
		if err := json.Unmarshal([]byte(reqs[i].body), &got); err != nil {
			t.Fatalf("body %s: %v", reqs[i].body, err)
		}
		_ = json.Unmarshal([]byte(w), &exp)
		if gb, _ := json.Marshal(got); string(gb) != string(mustMarshal(exp)) {
			t.Errorf("body = %s\nwant %s", reqs[i].body, w)
		}
	}
}

func mustMarshal(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

// TestMeterStaysWithinQuota: with the simulator's quotas on, 30 BatchMeterUsage calls of one
// seller account leave at the account's 10 a second (Quotas) and none is throttled, though the
// SDK does not retry.
func TestMeterStaysWithinQuota(t *testing.T) {
	t.Parallel()
	e := newSim(t, true)
	ctx := context.Background()
	m := awsmp.NewMeter(awsmp.WithLimits(awsmp.NewLimits(awsmp.Quotas)), awsmp.WithRetry(1, time.Millisecond))
	acc := e.subscribe(opportunities()[1], buyer1)
	customer := dealdesk.MeteringCustomer{CustomerAWSAccountID: acc.CustomerAWSAccountID, LicenseARN: acc.LicenseArn}
	hour := time.Now().UTC().Truncate(time.Hour)
	began := time.Now()
	for i := range 30 {
		if _, err := m.BatchMeterUsage(ctx, e.conn, meterBatch(analytics, dealdesk.MeteringByLicense, customer, hour, []string{"api_calls"}, []int64{7})); err != nil {
			t.Fatalf("call %d: %v", i+1, err)
		}
	}
	if el := time.Since(began); el < 2800*time.Millisecond {
		t.Errorf("30 calls in %s, want at least 2.9 s at 10 a second", el)
	}
}
