package awsmp_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/awsmp"
	"github.com/dealdesk/dealdesk/sim"
)

// Accounts and products of the simulator's demo seed.
const (
	seller   = "111122223333"
	reseller = "444455556666"
	buyer1   = "210987654321"
	buyer2   = "123456789012"
)

// simEnv is one simulator behind a loopback listener and a connection to it.
type simEnv struct {
	t    testing.TB
	srv  *sim.Server
	url  string
	conn *dealdesk.AWSConnection
}

// newSim starts a simulator whose change sets end at once, quotas off unless cfg turns them on
// (DisableQuotas false with quotasOn).
func newSim(t testing.TB, quotasOn bool) *simEnv {
	t.Helper()
	srv, err := sim.New(sim.Config{ChangeSetDelay: -1, DisableQuotas: !quotasOn})
	if err != nil {
		t.Fatalf("sim.New: %v", err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		hs.Close()
		srv.Close()
	})
	return &simEnv{t: t, srv: srv, url: hs.URL, conn: &dealdesk.AWSConnection{
		OrgID: "org_test", SellerAccountID: seller, Region: "us-east-1", CredentialsMode: dealdesk.CredentialsStaticKeys,
		AccessKeyID: "AKIDSELLER000000", SecretAccessKey: "not-a-real-secret-key", EndpointURL: hs.URL,
	}}
}

// catalog returns an awsmp.Catalog with its own rate limits (tests run in parallel on one
// seller account) and short retry backoffs.
func (e *simEnv) catalog(opts ...awsmp.Option) *awsmp.Catalog {
	base := []awsmp.Option{awsmp.WithLimits(awsmp.NewLimits(awsmp.Quotas)), awsmp.WithRetry(5, 50*time.Millisecond)}
	return awsmp.NewCatalog(append(base, opts...)...)
}

// control calls the simulator's /_sim/ API with body as JSON and decodes the answer into out.
func (e *simEnv) control(method, path string, body, out any) {
	e.t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		e.t.Fatal(err)
	}
	req, err := http.NewRequest(method, e.url+path, bytes.NewReader(b))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		e.t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			e.t.Fatalf("%s %s: decode %s: %v", method, path, raw, err)
		}
	}
}

func ptr[T any](v T) *T { return &v }

func dec(s string) *dealdesk.Decimal { return ptr(dealdesk.MustDecimal(s)) }

func date(s string) dealdesk.Date {
	d, err := dealdesk.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// analytics is the demo seed's LicenseArn-metered product; logShipper its legacy one.
var (
	analytics = &dealdesk.Product{ID: "prd_analytics", ExternalID: "prod-dd3mo4nalyt1cs", ProductCode: "dd3mo4nalyt1cs0000000000a",
		Title: "Example Analytics Platform", Dimensions: []dealdesk.Dimension{
			{Key: "seats", Name: "Seats", Unit: "Users", Kind: dealdesk.DimensionEntitled},
			{Key: "api_calls", Name: "API calls", Unit: "Requests", Kind: dealdesk.DimensionMetered},
			{Key: "storage_gb", Name: "Storage", Unit: "GB", Kind: dealdesk.DimensionMetered},
		}}
	logShipper = &dealdesk.Product{ID: "prd_logs", ExternalID: "prod-dd3mo1egacyl0g", ProductCode: "dd3mo1egacyl0g0000000000b",
		Title: "Example Log Shipper (legacy)", Dimensions: []dealdesk.Dimension{
			{Key: "hosts", Name: "Hosts", Unit: "Units", Kind: dealdesk.DimensionEntitled},
			{Key: "events", Name: "Events", Unit: "Units", Kind: dealdesk.DimensionMetered},
		}}
)

// opportunity is one golden case: an opportunity, its product, and what the published resale
// authorization must show.
type opportunity struct {
	name    string
	offer   *dealdesk.Offer
	product *dealdesk.Product
	// terms are the term types DescribeEntity must show, in its order.
	terms   []string
	oneTime bool
	expiry  string // the AvailabilityEndDate's day, "" for none
}

// opportunities are the golden cases. Dates are far in the future so that the simulator, on
// the wall clock, accepts them.
func opportunities() []opportunity {
	return []opportunity{
		{
			name: "plain",
			offer: &dealdesk.Offer{ID: "off_plain", Type: dealdesk.OfferCPPOOut, Name: "Acme analytics via Northwind",
				Description: "One year of Example Analytics for Acme", ProductID: analytics.ID, ResellerAccountID: reseller,
				CommitAmount: dec("12000.00"), Currency: dealdesk.USD, ContractDuration: "P12M",
				EntitledDimensions: []dealdesk.EntitledDimension{{DimensionKey: "seats", Quantity: 25}},
				DimensionPrices: []dealdesk.DimensionPrice{{DimensionKey: "api_calls", Price: dealdesk.MustDecimal("0.00012500")},
					{DimensionKey: "storage_gb", Price: dealdesk.MustDecimal("0.023")}},
				ExpiryDate: ptr(date("2030-06-30")), OneTime: true, EULA: &dealdesk.Document{Type: dealdesk.DocumentStandard}},
			product: analytics,
			terms:   []string{"ResaleUsageBasedPricingTerm", "ResaleFixedUpfrontPricingTerm", "BuyerLegalTerm"},
			oneTime: true, expiry: "2030-06-30",
		},
		{
			name: "renewal_with_buyers",
			offer: &dealdesk.Offer{ID: "off_renewal", Type: dealdesk.OfferCPPOOut, Name: "Globex renewal 2030",
				ProductID: analytics.ID, ResellerAccountID: reseller, BuyerAccountIDs: []string{buyer1, buyer2},
				Renewal: true, RenewalChannel: dealdesk.RenewalAWSMarketplace,
				CommitAmount: dec("48000.00"), Currency: dealdesk.USD, ContractDuration: "P24M",
				EntitledDimensions: []dealdesk.EntitledDimension{{DimensionKey: "seats", Quantity: 100}},
				DimensionPrices: []dealdesk.DimensionPrice{{DimensionKey: "api_calls", Price: dealdesk.MustDecimal("0.0001")},
					{DimensionKey: "storage_gb", Price: dealdesk.MustDecimal("0.02")}},
				ExpiryDate: ptr(date("2030-09-30")), EULA: &dealdesk.Document{Type: dealdesk.DocumentStandard},
				ResellerContract: &dealdesk.Document{Type: dealdesk.DocumentStandard}},
			product: analytics,
			terms: []string{"ResaleUsageBasedPricingTerm", "ResaleFixedUpfrontPricingTerm", "BuyerLegalTerm", "ResaleLegalTerm",
				"BuyerTargetingTerm"},
			expiry: "2030-09-30",
		},
		{
			name: "installments_custom_eula_reseller_contract",
			offer: &dealdesk.Offer{ID: "off_installments", Type: dealdesk.OfferCPPOOut, Name: "Initech in two installments",
				ProductID: analytics.ID, ResellerAccountID: reseller, BuyerAccountIDs: []string{buyer1},
				CommitAmount: dec("30000.00"), Currency: dealdesk.USD, ContractDuration: "P12M",
				EntitledDimensions: []dealdesk.EntitledDimension{{DimensionKey: "seats", Quantity: 50}},
				DimensionPrices: []dealdesk.DimensionPrice{{DimensionKey: "api_calls", Price: dealdesk.MustDecimal("0.0002")},
					{DimensionKey: "storage_gb", Price: dealdesk.MustDecimal("0.03")}},
				ExpiryDate: ptr(date("2030-03-31")), OneTime: true,
				EULA:             &dealdesk.Document{Type: dealdesk.DocumentCustom, URL: "https://example.com/legal/eula-2030.pdf"},
				ResellerContract: &dealdesk.Document{Type: dealdesk.DocumentCustom, URL: "https://example.com/legal/reseller-2030.pdf"},
				Installments: []dealdesk.Installment{{ChargeDate: date("2030-04-15"), Amount: dealdesk.MustDecimal("10000.00")},
					{ChargeDate: date("2030-10-15"), Amount: dealdesk.MustDecimal("20000.00")}}},
			product: analytics,
			terms: []string{"ResaleUsageBasedPricingTerm", "ResaleFixedUpfrontPricingTerm", "ResalePaymentScheduleTerm",
				"BuyerLegalTerm", "ResaleLegalTerm", "BuyerTargetingTerm"},
			oneTime: true, expiry: "2030-03-31",
		},
		{
			name: "multi_use_without_buyers",
			offer: &dealdesk.Offer{ID: "off_multi", Type: dealdesk.OfferCPPOOut, Name: "Log Shipper for any Contoso customer",
				ProductID: logShipper.ID, ResellerAccountID: "777788889999",
				CommitAmount: dec("3000.00"), Currency: dealdesk.USD, ContractDuration: "P1M",
				EntitledDimensions: []dealdesk.EntitledDimension{{DimensionKey: "hosts", Quantity: 10}},
				DimensionPrices:    []dealdesk.DimensionPrice{{DimensionKey: "events", Price: dealdesk.MustDecimal("0.50")}},
				EULA:               &dealdesk.Document{Type: dealdesk.DocumentStandard}},
			product: logShipper,
			terms:   []string{"ResaleUsageBasedPricingTerm", "ResaleFixedUpfrontPricingTerm", "BuyerLegalTerm"},
		},
	}
}

func asAWSError(err error, target **dealdesk.AWSError) bool { return errors.As(err, target) }
