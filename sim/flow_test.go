package sim_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/marketplaceagreement"
	agtypes "github.com/aws/aws-sdk-go-v2/service/marketplaceagreement/types"
	"github.com/aws/aws-sdk-go-v2/service/marketplaceentitlementservice"
	"github.com/aws/aws-sdk-go-v2/service/marketplacemetering"
	mtypes "github.com/aws/aws-sdk-go-v2/service/marketplacemetering/types"

	"github.com/dealdesk/dealdesk/sim/eventbus"
)

// hook is an HTTP event target that records what it receives.
type hook struct {
	mu     sync.Mutex
	bodies [][]byte
	secret []string
}

func newHook(t *testing.T) (*hook, string) {
	h := &hook{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		h.bodies = append(h.bodies, b)
		h.secret = append(h.secret, r.Header.Get(eventbus.DefaultSecretHeader))
		h.mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	return h, srv.URL
}

func (h *hook) envelopes(t *testing.T) []eventbus.Envelope {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []eventbus.Envelope
	for _, b := range h.bodies {
		var e eventbus.Envelope
		if err := json.Unmarshal(b, &e); err != nil {
			t.Fatalf("event is not an envelope: %v: %s", err, b)
		}
		out = append(out, e)
	}
	return out
}

// normalized blanks the random parts of an envelope (id, detail.requestId).
func normalized(t *testing.T, e eventbus.Envelope) string {
	t.Helper()
	e.ID = ""
	var d map[string]any
	if err := json.Unmarshal(e.Detail, &d); err != nil {
		t.Fatal(err)
	}
	delete(d, "requestId")
	var err error
	if e.Detail, err = json.Marshal(d); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func (e *env) flush() {
	e.t.Helper()
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.srv.Bus().Flush(c); err != nil {
		e.t.Fatalf("flush events: %v", err)
	}
}

func TestCPPOFlowEmitsEventsInOrder(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withDelay(2*time.Second))
	h, hookURL := newHook(t)
	e.mustControl(http.MethodPut, "/_sim/events", map[string]any{"targets": []any{
		map[string]any{"name": "hook", "type": "http", "url": hookURL, "secret": "s3cret"}}}, nil)

	// Expected envelopes are built with EVENTS' builder on the same clock readings.
	var expected []eventbus.Envelope
	at := func() time.Time { return e.clock.Now() }
	b := eventbus.NewBuilder(at, func() string { return "x" })

	// 1. The vendor publishes the resale authorization.
	start := e.clock.Now()
	out, err := e.start(renewalChangeSet())
	if err != nil {
		t.Fatal(err)
	}
	d := e.finish(*out.ChangeSetId)
	raID := *d.ChangeSet[0].Entity.Identifier
	expected = append(expected, b.ChangeSetSucceeded(eventbus.ChangeSetInput{Account: seller, ChangeSetID: *out.ChangeSetId,
		ChangeSetName: "Submitted by " + seller, StartTime: start, EndTime: start.Add(2 * time.Second)}))
	expected[0].Time = start.Add(2 * time.Second).Format("2006-01-02T15:04:05Z") // emitted when the change set ended

	// 2. The reseller creates a CPPO offer from it.
	var offer struct {
		OfferID string `json:"offerId"`
	}
	e.mustControl(http.MethodPost, "/_sim/resellers/"+reseller1+"/offers", map[string]any{
		"resaleAuthorizationId": raID, "markupPercentage": "5", "buyerAccountIds": []string{buyer1}, "expiryDate": "2026-12-20"}, &offer)
	expected = append(expected, b.OfferReleased(eventbus.OfferReleasedInput{OfferID: offer.OfferID, OfferName: "Acme renewal 2027",
		ExpirationDate: time.Date(2026, 12, 20, 0, 0, 0, 0, time.UTC), ProductID: newProductID, ProductTitle: "Example Analytics Platform",
		Manufacturer:   eventbus.Party{AccountID: seller, Name: "Example Software, Inc."},
		SellerOfRecord: eventbus.Party{AccountID: reseller1, Name: "Northwind Cloud Partners LLC"}, TargetedBuyerAccountIDs: []string{buyer1}}))
	doc, _ := e.describeRA(raID)
	if got := mustJSON(t, doc["OfferDetails"]); got != `{"OfferCreatedCount":1,"OfferExtendedStatus":"Completed-Used"}` {
		t.Errorf("OfferDetails after the offer = %s", got)
	}
	var ce map[string]any
	if st := e.control(http.MethodPost, "/_sim/resellers/"+reseller1+"/offers", map[string]any{"resaleAuthorizationId": raID}, &ce); st != http.StatusUnprocessableEntity || ce["code"] != "INCOMPATIBLE_RESALE_AUTHORIZATION" {
		t.Errorf("second offer from a one-time authorization: %d %v", st, ce)
	}

	// 3. The buyer accepts.
	e.clock.Advance(time.Minute)
	var acc struct {
		AgreementID, LicenseArn, CustomerIdentifier, RegistrationToken string
	}
	e.mustControl(http.MethodPost, "/_sim/buyers/"+buyer1+"/accept", map[string]any{"offerId": offer.OfferID}, &acc)
	accepted := e.clock.Now()
	end := accepted.AddDate(1, 0, 0)
	agIn := eventbus.AgreementInput{Account: seller, AgreementID: acc.AgreementID, Intent: "RENEW", AcceptanceTime: accepted, StartTime: accepted,
		EndTime: end, ResaleAuthorizationID: raID, AcceptorAccountID: buyer1, ProposerAccountID: reseller1, OfferID: offer.OfferID}
	licIn := eventbus.LicenseInput{Account: seller, AgreementID: acc.AgreementID, ProductCode: newProductCode, ProductID: newProductID,
		LicenseArn: acc.LicenseArn, AcceptorAccountID: buyer1, ProposerAccountID: reseller1, OfferID: offer.OfferID}
	expected = append(expected, b.PurchaseAgreementCreated(agIn), b.LicenseUpdated(licIn))

	// The vendor resolves the customer, reads entitlements (CBOR and JSON), meters usage.
	rc, err := e.metering().ResolveCustomer(ctx(t), &marketplacemetering.ResolveCustomerInput{RegistrationToken: &acc.RegistrationToken})
	if err != nil {
		t.Fatalf("ResolveCustomer: %v", err)
	}
	if aws.ToString(rc.CustomerAWSAccountId) != buyer1 || aws.ToString(rc.LicenseArn) != acc.LicenseArn || aws.ToString(rc.ProductCode) != newProductCode || rc.CustomerIdentifier != nil {
		t.Errorf("ResolveCustomer = %+v", rc)
	}
	checkSeats := func(want int32) {
		t.Helper()
		for _, useJSON := range []bool{false, true} {
			out, err := e.entitlement(useJSON).GetEntitlements(ctx(t), &marketplaceentitlementservice.GetEntitlementsInput{
				ProductCode: aws.String(newProductCode), Filter: map[string][]string{"LICENSE_ARN": {acc.LicenseArn}}})
			if err != nil {
				t.Fatalf("GetEntitlements (json=%v): %v", useJSON, err)
			}
			if want == 0 {
				if len(out.Entitlements) != 0 {
					t.Errorf("json=%v: entitlements after the end: %d", useJSON, len(out.Entitlements))
				}
				continue
			}
			if len(out.Entitlements) != 1 || aws.ToString(out.Entitlements[0].Dimension) != "seats" ||
				out.Entitlements[0].Value == nil || aws.ToInt32(out.Entitlements[0].Value.IntegerValue) != want ||
				aws.ToString(out.Entitlements[0].CustomerAWSAccountId) != buyer1 || !out.Entitlements[0].ExpirationDate.Equal(end) {
				t.Errorf("json=%v: entitlements = %s, want seats=%d until %s", useJSON, mustJSON(t, out.Entitlements), want, end)
			}
		}
	}
	checkSeats(100)
	hour := accepted.Truncate(time.Hour)
	meter := func(q int32) mtypes.UsageRecordResultStatus {
		t.Helper()
		out, err := e.metering().BatchMeterUsage(ctx(t), &marketplacemetering.BatchMeterUsageInput{UsageRecords: []mtypes.UsageRecord{{
			Timestamp: aws.Time(hour), Dimension: aws.String("api_calls"), Quantity: aws.Int32(q),
			CustomerAWSAccountId: aws.String(buyer1), LicenseArn: aws.String(acc.LicenseArn)}}})
		if err != nil {
			t.Fatalf("BatchMeterUsage: %v", err)
		}
		if len(out.Results) != 1 {
			t.Fatalf("%d results for 1 record: %s", len(out.Results), mustJSON(t, out))
		}
		return out.Results[0].Status
	}
	if st := meter(42); st != mtypes.UsageRecordResultStatusSuccess {
		t.Errorf("metering: %s", st)
	}

	// 4. The agreement is amended (upgrade to 150 seats), then ends.
	e.clock.Advance(time.Hour)
	e.mustControl(http.MethodPost, "/_sim/agreements/"+acc.AgreementID+"/amend", map[string]any{"grants": []any{map[string]any{"dimensionKey": "seats", "maxQuantity": 150}}}, nil)
	amIn := agIn
	amIn.ProductID, amIn.ProductTitle = newProductID, "Example Analytics Platform"
	expected = append(expected, b.PurchaseAgreementAmended(amIn), b.LicenseUpdated(licIn))
	checkSeats(150)
	e.clock.Advance(time.Hour)
	e.mustControl(http.MethodPost, "/_sim/agreements/"+acc.AgreementID+"/end", map[string]any{}, nil)
	expected = append(expected, b.PurchaseAgreementEnded(agIn))
	checkSeats(0)
	// License Deprovisioned marks the end of the hour of final metering (reference §2.1): it is
	// sent when that hour has passed, dated then, not with the Ended event.
	e.flush()
	if n := len(h.envelopes(t)); n != len(expected) {
		t.Errorf("%d events right after the end, want %d (no License Deprovisioned yet)", n, len(expected))
	}
	ended := e.clock.Now()
	e.clock.Advance(2 * time.Hour)
	e.srv.Advance()
	deprov := b.LicenseDeprovisioned(licIn)
	deprov.Time = ended.Add(time.Hour).Format("2006-01-02T15:04:05Z")
	expected = append(expected, deprov)
	hour = e.clock.Now().Truncate(time.Hour)
	if st := meter(1); st != mtypes.UsageRecordResultStatusCustomerNotSubscribed {
		t.Errorf("metering after the end: %s, want CustomerNotSubscribed", st)
	}

	e.flush()
	got := h.envelopes(t)
	if len(got) != len(expected) {
		var types []string
		for _, g := range got {
			types = append(types, g.DetailType)
		}
		t.Fatalf("received %d events %v, want %d", len(got), types, len(expected))
	}
	for i := range expected {
		if g, w := normalized(t, got[i]), normalized(t, expected[i]); g != w {
			t.Errorf("event %d:\n got %s\nwant %s", i, g, w)
		}
	}
	for _, s := range h.secret {
		if s != "s3cret" {
			t.Errorf("event delivered with secret %q", s)
		}
	}
	var log struct {
		Events []eventbus.Record `json:"events"`
	}
	e.mustControl(http.MethodGet, "/_sim/events", nil, &log)
	var subs int
	var legacy []string
	for _, r := range log.Events {
		if r.Kind == "sns" {
			subs++
			legacy = append(legacy, r.Type)
		}
	}
	if got := strings.Join(legacy, ","); got != "subscribe-success,entitlement-updated,entitlement-updated,unsubscribe-pending,entitlement-updated,unsubscribe-success" {
		t.Errorf("legacy SNS messages: %s", got)
	}
	if len(log.Events) != len(expected)+subs || subs == 0 {
		t.Errorf("event log has %d records (%d legacy), want %d EventBridge events plus legacy messages", len(log.Events), subs, len(expected))
	}
	var ledger struct {
		Count         int   `json:"count"`
		TotalQuantity int64 `json:"totalQuantity"`
	}
	e.mustControl(http.MethodGet, "/_sim/metering/ledger?licenseArn="+acc.LicenseArn, nil, &ledger)
	if ledger.Count != 1 || ledger.TotalQuantity != 42 {
		t.Errorf("ledger = %+v, want one record of 42", ledger)
	}

	// The Agreement API shows the agreement to its proposer, in CBOR and JSON, not to the vendor.
	for _, useJSON := range []bool{false, true} {
		ag := e.agreement(reseller1, useJSON)
		da, err := ag.DescribeAgreement(ctx(t), &marketplaceagreement.DescribeAgreementInput{AgreementId: &acc.AgreementID})
		if err != nil {
			t.Fatalf("DescribeAgreement json=%v: %v", useJSON, err)
		}
		if aws.ToString(da.Proposer.AccountId) != reseller1 || aws.ToString(da.Acceptor.AccountId) != buyer1 || da.Status != agtypes.AgreementStatusCancelled ||
			aws.ToString(da.EstimatedCharges.AgreementValue) != "12600.00" || !da.AcceptanceTime.Equal(accepted) ||
			aws.ToString(da.ProposalSummary.OfferId) != offer.OfferID {
			t.Errorf("json=%v: DescribeAgreement = %s", useJSON, mustJSON(t, da))
		}
		sa, err := ag.SearchAgreements(ctx(t), &marketplaceagreement.SearchAgreementsInput{Catalog: aws.String("AWSMarketplace"), Filters: []agtypes.Filter{
			{Name: aws.String("PartyType"), Values: []string{"Proposer"}}, {Name: aws.String("AgreementType"), Values: []string{"PurchaseAgreement"}}}})
		if err != nil || len(sa.AgreementViewSummaries) != 1 || aws.ToString(sa.AgreementViewSummaries[0].AgreementId) != acc.AgreementID {
			t.Errorf("json=%v: SearchAgreements = %v, %v", useJSON, sa, err)
		}
		terms, err := ag.GetAgreementTerms(ctx(t), &marketplaceagreement.GetAgreementTermsInput{AgreementId: &acc.AgreementID})
		if err != nil {
			t.Fatalf("GetAgreementTerms json=%v: %v", useJSON, err)
		}
		var kinds []string
		for _, term := range terms.AcceptedTerms {
			switch v := term.(type) {
			case *agtypes.AcceptedTermMemberFixedUpfrontPricingTerm:
				kinds = append(kinds, "fixed:"+aws.ToString(v.Value.Duration)+":"+aws.ToString(v.Value.Grants[0].DimensionKey))
			case *agtypes.AcceptedTermMemberPaymentScheduleTerm:
				kinds = append(kinds, "schedule:"+aws.ToString(v.Value.Schedule[0].ChargeAmount)+"@"+v.Value.Schedule[0].ChargeDate.Format("2006-01-02"))
			case *agtypes.AcceptedTermMemberUsageBasedPricingTerm:
				kinds = append(kinds, "usage:"+aws.ToString(v.Value.RateCards[0].RateCard[0].Price))
			case *agtypes.AcceptedTermMemberLegalTerm:
				kinds = append(kinds, "legal:"+aws.ToString(v.Value.Documents[0].Type))
			case *agtypes.AcceptedTermMemberValidityTerm:
				kinds = append(kinds, "validity")
			}
		}
		want := "legal:CustomEula,fixed:P12M:seats,usage:0.00010500,schedule:6300.00@2027-01-15,validity"
		if got := strings.Join(kinds, ","); got != want {
			t.Errorf("json=%v: terms %s, want %s", useJSON, got, want)
		}
		_, err = e.agreement(seller, useJSON).DescribeAgreement(ctx(t), &marketplaceagreement.DescribeAgreementInput{AgreementId: &acc.AgreementID})
		var nf *agtypes.ResourceNotFoundException
		if !errors.As(err, &nf) || aws.ToString(nf.ResourceId) != acc.AgreementID {
			t.Errorf("json=%v: the manufacturer's DescribeAgreement: %v, want ResourceNotFoundException", useJSON, err)
		}
	}
}

// TestEventsThatFellDueComeFirst: an event that fell due while nothing ran (here License
// Deprovisioned, an hour after an agreement ended) is emitted before the events of the next
// call, in the order AWS would have sent them, even when the background ticker has not run.
func TestEventsThatFellDueComeFirst(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *simConfig) { c.TickInterval = time.Hour })
	h, hookURL := newHook(t)
	ra := e.publish(simpleRA(newProductID, reseller1, "seats", "api_calls", "storage_gb"))
	var first, second struct {
		OfferID string `json:"offerId"`
	}
	e.mustControl(http.MethodPost, "/_sim/resellers/"+reseller1+"/offers", map[string]any{"resaleAuthorizationId": ra, "buyerAccountIds": []string{buyer1}}, &first)
	e.mustControl(http.MethodPost, "/_sim/resellers/"+reseller1+"/offers", map[string]any{"resaleAuthorizationId": ra, "buyerAccountIds": []string{buyer2}}, &second)
	var acc subscription
	e.mustControl(http.MethodPost, "/_sim/buyers/"+buyer1+"/accept", map[string]any{"offerId": first.OfferID}, &acc)
	e.mustControl(http.MethodPost, "/_sim/agreements/"+acc.AgreementID+"/end", map[string]any{}, nil)
	e.flush()
	e.mustControl(http.MethodPut, "/_sim/events", map[string]any{"targets": []any{
		map[string]any{"name": "hook", "type": "http", "url": hookURL, "secret": "s"}}}, nil)
	e.clock.Advance(2 * time.Hour)
	e.mustControl(http.MethodPost, "/_sim/buyers/"+buyer2+"/accept", map[string]any{"offerId": second.OfferID}, nil)
	e.flush()
	var got []string
	for _, env := range h.envelopes(t) {
		got = append(got, env.DetailType)
	}
	want := "License Deprovisioned - Manufacturer,Purchase Agreement Created - Manufacturer,License Updated - Manufacturer"
	if strings.Join(got, ",") != want {
		t.Errorf("events %v, want %s", got, want)
	}
}

// TestAgreementExpiresAtItsEnd: an agreement whose end time passes ends by itself, as AWS ends
// it: EXPIRED, Purchase Agreement Ended dated at the end, no more entitlements or metering
// beyond the grace hour, then License Deprovisioned.
func TestAgreementExpiresAtItsEnd(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *simConfig) { c.TickInterval = time.Hour })
	h, hookURL := newHook(t)
	e.mustControl(http.MethodPut, "/_sim/events", map[string]any{"targets": []any{
		map[string]any{"name": "hook", "type": "http", "url": hookURL, "secret": "s"}}}, nil)
	ra := e.publish(simpleRA(newProductID, reseller1, "seats", "api_calls", "storage_gb"))
	acc := e.subscribe(ra, reseller1, buyer1)
	e.mustControl(http.MethodPost, "/_sim/agreements/"+acc.AgreementID+"/amend", map[string]any{"endDate": "2026-11-27"}, nil)
	end := time.Date(2026, 11, 27, 23, 59, 59, 0, time.UTC)
	e.flush()
	before := len(h.envelopes(t))

	e.clock.Advance(end.Sub(e.clock.Now()) + 30*time.Minute)
	// Usage after the end is refused even before the simulator has noticed the end.
	after, err := e.metering().BatchMeterUsage(ctx(t), &marketplacemetering.BatchMeterUsageInput{UsageRecords: []mtypes.UsageRecord{
		byLicense(rec(end.Add(time.Second), "api_calls", 1), buyer1, acc.LicenseArn)}})
	if err != nil || len(after.Results) != 1 || after.Results[0].Status != mtypes.UsageRecordResultStatusCustomerNotSubscribed {
		t.Errorf("usage after the end time: %v %v, want CustomerNotSubscribed", after, err)
	}
	e.srv.Advance()
	var view struct {
		Status string `json:"status"`
	}
	e.mustControl(http.MethodGet, "/_sim/agreements/"+acc.AgreementID, nil, &view)
	if view.Status != "EXPIRED" {
		t.Errorf("status after the end = %s, want EXPIRED", view.Status)
	}
	out, err := e.entitlement(true).GetEntitlements(ctx(t), &marketplaceentitlementservice.GetEntitlementsInput{ProductCode: aws.String(newProductCode),
		Filter: map[string][]string{"LICENSE_ARN": {acc.LicenseArn}}})
	if err != nil || len(out.Entitlements) != 0 {
		t.Errorf("entitlements after the end: %v %v, want none", out, err)
	}
	e.clock.Advance(time.Hour)
	e.srv.Advance()
	st, err := e.metering().BatchMeterUsage(ctx(t), &marketplacemetering.BatchMeterUsageInput{UsageRecords: []mtypes.UsageRecord{
		byLicense(rec(end.Truncate(time.Hour), "api_calls", 1), buyer1, acc.LicenseArn)}})
	if err != nil || len(st.Results) != 1 || st.Results[0].Status != mtypes.UsageRecordResultStatusCustomerNotSubscribed {
		t.Errorf("metering after the grace hour: %v %v, want CustomerNotSubscribed", st, err)
	}
	e.flush()
	var got []string
	for _, env := range h.envelopes(t)[before:] {
		got = append(got, env.DetailType+"@"+env.Time)
	}
	want := "Purchase Agreement Ended - Manufacturer@2026-11-27T23:59:59Z,License Deprovisioned - Manufacturer@2026-11-28T00:59:59Z"
	if strings.Join(got, ",") != want {
		t.Errorf("events %v, want %s", got, want)
	}
}
