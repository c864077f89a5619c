package sim_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/marketplacemetering"
	mtypes "github.com/aws/aws-sdk-go-v2/service/marketplacemetering/types"
	"github.com/aws/smithy-go"
)

// makeOffer has reseller make a CPPO offer of raID to buyer and returns its ID.
func (e *env) makeOffer(raID, reseller, buyer string) string {
	e.t.Helper()
	var offer struct {
		OfferID string `json:"offerId"`
	}
	e.mustControl(http.MethodPost, "/_sim/resellers/"+reseller+"/offers", map[string]any{"resaleAuthorizationId": raID, "buyerAccountIds": []string{buyer}}, &offer)
	return offer.OfferID
}

// TestAcceptanceInThePast: an acceptanceTime hours ago starts the agreement, its license and its
// metering then: the closed hours since can be metered, the hour before cannot; the agreement's
// start, end and events are dated from it.
func TestAcceptanceInThePast(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ra := e.publish(simpleRA(newProductID, reseller1, "seats", "api_calls", "storage_gb"))
	at := e.clock.Now().Truncate(time.Hour).Add(-3*time.Hour + 20*time.Minute) // the window being 6 hours
	var s subscription
	e.mustControl(http.MethodPost, "/_sim/buyers/"+buyer1+"/accept", map[string]any{"offerId": e.makeOffer(ra, reseller1, buyer1),
		"acceptanceTime": at.Format(time.RFC3339)}, &s)

	var ag struct {
		StartTime time.Time `json:"startTime"`
		EndTime   time.Time `json:"endTime"`
	}
	e.mustControl(http.MethodGet, "/_sim/agreements/"+s.AgreementID, nil, &ag)
	if !ag.StartTime.Equal(at) || !ag.EndTime.Equal(at.AddDate(1, 0, 0)) {
		t.Errorf("agreement starts %s and ends %s, want %s and a year later", ag.StartTime, ag.EndTime, at)
	}
	var events struct {
		Events []struct {
			Type  string `json:"type"`
			Event struct {
				Time string `json:"time"`
			} `json:"event"`
		} `json:"events"`
	}
	e.mustControl(http.MethodGet, "/_sim/events", nil, &events)
	dated := 0
	for _, ev := range events.Events {
		if strings.HasPrefix(ev.Type, "Purchase Agreement Created") || strings.HasPrefix(ev.Type, "License Updated") {
			if ev.Event.Time != at.Format(time.RFC3339) {
				t.Errorf("%s dated %s, want the acceptance %s", ev.Type, ev.Event.Time, at.Format(time.RFC3339))
			}
			dated++
		}
	}
	if dated != 2 {
		t.Errorf("%d agreement and license events, want 2: %+v", dated, events.Events)
	}

	m := e.metering()
	for _, tc := range []struct {
		hour time.Time
		want mtypes.UsageRecordResultStatus
	}{
		{at.Truncate(time.Hour), mtypes.UsageRecordResultStatusSuccess},                // the acceptance's hour
		{at.Truncate(time.Hour).Add(time.Hour), mtypes.UsageRecordResultStatusSuccess}, // a closed hour since
		{at.Truncate(time.Hour).Add(-time.Hour), mtypes.UsageRecordResultStatusCustomerNotSubscribed},
	} {
		out, err := m.BatchMeterUsage(ctx(t), &marketplacemetering.BatchMeterUsageInput{UsageRecords: []mtypes.UsageRecord{
			byLicense(rec(tc.hour, "api_calls", 4), buyer1, s.LicenseArn)}})
		if err != nil || len(out.Results) != 1 || out.Results[0].Status != tc.want {
			t.Errorf("hour %s: %s, %v; want %s", tc.hour.Format(time.RFC3339), mustJSON(t, out), err, tc.want)
		}
	}
	if n := e.ledgerCount(); n != 2 {
		t.Errorf("ledger holds %d records, want the 2 hours since the acceptance", n)
	}
}

// TestAcceptanceTimeRefused: an acceptanceTime in the future, before the metering window or
// not RFC 3339 is a 400 naming acceptanceTime, and no agreement is made.
func TestAcceptanceTimeRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ra := e.publish(simpleRA(newProductID, reseller1, "seats", "api_calls", "storage_gb"))
	offer := e.makeOffer(ra, reseller1, buyer1)
	now := e.clock.Now()
	for _, tc := range []struct{ at, want string }{
		{now.Add(time.Minute).Format(time.RFC3339), "future"},
		{now.Add(-6*time.Hour - time.Second).Format(time.RFC3339), "metering window"},
		{"2026-11-26 08:00", "RFC 3339"},
	} {
		var out map[string]any
		st := e.control(http.MethodPost, "/_sim/buyers/"+buyer1+"/accept", map[string]any{"offerId": offer, "acceptanceTime": tc.at}, &out)
		if msg := mustJSON(t, out); st != http.StatusBadRequest || !strings.Contains(msg, "acceptanceTime") || !strings.Contains(msg, tc.want) {
			t.Errorf("acceptanceTime %q: %d %s, want 400 naming acceptanceTime (%s)", tc.at, st, msg, tc.want)
		}
	}
	var list struct {
		Agreements []any `json:"agreements"`
	}
	e.mustControl(http.MethodGet, "/_sim/agreements", nil, &list)
	if len(list.Agreements) != 0 {
		t.Fatalf("%d agreements after refused acceptances, want none", len(list.Agreements))
	}
	// The window's edge itself is accepted.
	e.mustControl(http.MethodPost, "/_sim/buyers/"+buyer1+"/accept", map[string]any{"offerId": offer, "acceptanceTime": now.Add(-6 * time.Hour).Format(time.RFC3339)}, nil)
}

// TestMeteringFaultMix: one BatchMeterUsage fault configuration injects internal errors,
// throttling and unprocessed records together (issue 8's "20% errors, throttling and
// unprocessed records"), each answered as AWS answers it; bad rates are refused by name.
func TestMeteringFaultMix(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	s := e.subscribe(e.publish(simpleRA(newProductID, reseller1, "seats", "api_calls", "storage_gb")), reseller1, buyer1)
	e.mustControl(http.MethodPut, "/_sim/faults", map[string]any{"seed": 11, "operations": map[string]any{
		"BatchMeterUsage": map[string]any{"errorRate": 0.1, "throttleRate": 0.1, "unprocessedRate": 0.2}}}, nil)
	hour := e.clock.Now().Truncate(time.Hour)
	m := e.metering()
	counts := map[string]int{}
	const calls = 400
	for i := range calls {
		out, err := m.BatchMeterUsage(ctx(t), &marketplacemetering.BatchMeterUsageInput{UsageRecords: []mtypes.UsageRecord{
			byLicense(rec(hour, "api_calls", int32(i%3)), buyer1, s.LicenseArn)}})
		var ae smithy.APIError
		var re interface{ HTTPStatusCode() int }
		switch {
		case errors.As(err, &ae) && errors.As(err, &re):
			counts[ae.ErrorCode()+"/"+strconv.Itoa(re.HTTPStatusCode())]++
		case err != nil:
			t.Fatalf("call %d: %v", i, err)
		case len(out.UnprocessedRecords) == 1:
			counts["unprocessed"]++
		default:
			counts[string(out.Results[0].Status)]++
		}
	}
	for k, share := range map[string]float64{"InternalServiceErrorException/500": 0.1, "ThrottlingException/400": 0.09, "unprocessed": 0.16} {
		if n := float64(counts[k]) / calls; n < share/2 || n > share*2 {
			t.Errorf("%s: %d of %d calls, want about %.0f%%: %v", k, counts[k], calls, share*100, counts)
		}
	}

	var bad map[string]any
	st := e.control(http.MethodPut, "/_sim/faults", map[string]any{"operations": map[string]any{
		"BatchMeterUsage": map[string]any{"throttleRate": 1.5, "lostAnswerRate": -1}, "DescribeEntity": map[string]any{"lostAnswerRate": 0.5}}}, &bad)
	msg := mustJSON(t, bad)
	for _, f := range []string{"operations.BatchMeterUsage.throttleRate", "operations.BatchMeterUsage.lostAnswerRate", "operations.DescribeEntity.lostAnswerRate"} {
		if st != http.StatusBadRequest || !strings.Contains(msg, f) {
			t.Errorf("bad rates: %d %s, want 400 naming %s", st, msg, f)
		}
	}
}

// TestLostAnswerFault: with lostAnswerRate the records are metered but the caller hears an
// InternalServiceErrorException (500); the byte-identical retry gets the same record, not a
// DuplicateRecord, and the ledger holds it once.
func TestLostAnswerFault(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	s := e.subscribe(e.publish(simpleRA(newProductID, reseller1, "seats", "api_calls", "storage_gb")), reseller1, buyer1)
	e.mustControl(http.MethodPut, "/_sim/faults", map[string]any{"operations": map[string]any{"BatchMeterUsage": map[string]any{"lostAnswerRate": 1}}}, nil)
	in := &marketplacemetering.BatchMeterUsageInput{UsageRecords: []mtypes.UsageRecord{byLicense(rec(e.clock.Now().Truncate(time.Hour), "api_calls", 9), buyer1, s.LicenseArn)}}
	_, err := e.metering().BatchMeterUsage(ctx(t), in)
	var ise *mtypes.InternalServiceErrorException
	if !errors.As(err, &ise) {
		t.Fatalf("lost answer: %v, want InternalServiceErrorException", err)
	}
	if n := e.ledgerCount(); n != 1 {
		t.Fatalf("ledger holds %d records after the lost answer, want the 1 metered", n)
	}
	e.mustControl(http.MethodPut, "/_sim/faults", map[string]any{"operations": map[string]any{}}, nil)
	out, err := e.metering().BatchMeterUsage(ctx(t), in)
	if err != nil || out.Results[0].Status != mtypes.UsageRecordResultStatusSuccess {
		t.Fatalf("retry: %s, %v; want Success", mustJSON(t, out), err)
	}
	if n := e.ledgerCount(); n != 1 {
		t.Fatalf("ledger holds %d records after the retry, want 1", n)
	}
}

// TestBoto3MetersHistory cross-checks the acceptance in the past with boto3: a legacy product's
// buyer who accepted two hours ago is metered for the acceptance's hour (Success), not for the
// hour before (CustomerNotSubscribed), and an injected throttle surfaces as ThrottlingException.
func TestBoto3MetersHistory(t *testing.T) {
	t.Parallel()
	const python = "/usr/bin/python3"
	if out, err := exec.Command(python, "-c", "import boto3").CombinedOutput(); err != nil {
		t.Fatalf("boto3 is not installed for %s (scripts/test.sh installs python3-boto3): %v %s", python, err, out)
	}
	e := newEnv(t)
	ra := e.publish(simpleRA(legacyProductID, reseller2, "hosts", "events"))
	at := e.clock.Now().Truncate(time.Hour).Add(-2*time.Hour + 10*time.Minute)
	var s subscription
	e.mustControl(http.MethodPost, "/_sim/buyers/"+buyer3+"/accept", map[string]any{"offerId": e.makeOffer(ra, reseller2, buyer3),
		"acceptanceTime": at.Format(time.RFC3339)}, &s)
	cmd := exec.CommandContext(ctx(t), python, "testdata/boto3_history.py")
	cmd.Env = append(os.Environ(), "SIM_URL="+e.url, "CUSTOMER="+s.CustomerIdentifier, "PRODUCT_CODE="+legacyProductCod,
		"HOUR="+strconv.FormatInt(at.Truncate(time.Hour).Unix(), 10), "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("boto3 script: %v\n%s", err, stderr)
	}
	var got map[string]string
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("boto3 script printed %s: %v", out, err)
	}
	want := map[string]string{
		"hour of the acceptance": "Success",
		"hour before":            "CustomerNotSubscribed",
		"throttled":              "ThrottlingException",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: boto3 saw %q, want %q", k, got[k], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("the script reported %v, want %d cases", got, len(want))
	}
	if n := e.ledgerCount(); n != 1 {
		t.Errorf("ledger holds %d records, want 1", n)
	}
}
