package sqldb_test

import (
	"context"
	"testing"
	"time"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/sqldb"
)

// usageStart is when the usage fixtures' entitlements start: the tests' clocks start at
// 2026-11-26T09:00Z (newTestClock), and usage may be up to the metering window old.
var usageStart = time.Date(2026, 11, 26, 6, 0, 0, 0, time.UTC)

// usageDeal is one organization's CPPO deal whose usage is metered: a product with a metered
// dimension (api_calls), an entitled-and-metered one (seats) and a contract one (support), an
// active opportunity granting seats and pricing api_calls, the CPPO offer made from it and the
// buyer's entitlement, started at usageStart.
type usageDeal struct {
	ctx                                      context.Context
	product, opportunity, offer, entitlement string
}

// dealTerms are the terms of a usageDeal's opportunity.
type dealTerms struct {
	grantSeats         int64  // entitled quantity of seats
	commit             string // commit amount, USD
	apiPrice           string // USD per api_calls unit
	seatPrice          string // USD per seat beyond the grant
	meterAgainstCommit bool
	identity           dealdesk.MeteringIdentity
}

// defaultTerms grant 100 seats and a $100 commit, priced at $0.5 per api call and $1 per seat,
// not metered against the commit.
var defaultTerms = dealTerms{grantSeats: 100, commit: "100", apiPrice: "0.5", seatPrice: "1"}

func newUsageDeal(t testing.TB, db *sqldb.DB, name string, terms dealTerms) usageDeal {
	t.Helper()
	ctx := newOrg(t, db, name)
	return addUsageDeal(t, db, ctx, name, terms)
}

// addUsageDeal makes a usageDeal in ctx's organization; name keeps AWS identifiers apart.
func addUsageDeal(t testing.TB, db *sqldb.DB, ctx context.Context, name string, terms dealTerms) usageDeal {
	t.Helper()
	p, err := db.CreateProduct(ctx, dealdesk.ProductInput{
		ExternalID: "prod-" + name, ProductCode: "code" + name, Title: "Analytics", MeteringIdentity: terms.identity,
		Dimensions: []dealdesk.Dimension{
			{Key: "api_calls", Name: "API calls", Unit: "Requests", Kind: dealdesk.DimensionMetered},
			{Key: "seats", Name: "Seats", Unit: "Users", Kind: dealdesk.DimensionEntitledAndMetered},
			{Key: "support", Name: "Support", Unit: "Units", Kind: dealdesk.DimensionEntitled},
		},
	})
	if err != nil {
		t.Fatalf("create product: %v", err)
	}
	in := dealdesk.OfferInput{
		Type: ptr(dealdesk.OfferCPPOOut), Name: ptr("Usage deal"), Description: ptr(""), ProductID: ptr(p.ID),
		ResellerAccountID: ptr("123456789012"), BuyerAccountIDs: ptr([]string{"210987654321"}), Renewal: ptr(false),
		CommitAmount: ptr(dealdesk.MustDecimal(terms.commit)), Currency: ptr(dealdesk.USD), ContractDuration: ptr("P12M"),
		EntitledDimensions: ptr([]dealdesk.EntitledDimension{{DimensionKey: "seats", Quantity: terms.grantSeats}}),
		DimensionPrices: ptr([]dealdesk.DimensionPrice{{DimensionKey: "api_calls", Price: dealdesk.MustDecimal(terms.apiPrice)},
			{DimensionKey: "seats", Price: dealdesk.MustDecimal(terms.seatPrice)}}),
		EULA:                    &dealdesk.Document{Type: dealdesk.DocumentStandard},
		MeterUsageAgainstCommit: ptr(terms.meterAgainstCommit),
	}
	if terms.grantSeats == 0 {
		in.EntitledDimensions = ptr([]dealdesk.EntitledDimension{})
	}
	opp, err := db.CreateOffer(ctx, in, true)
	if err != nil {
		t.Fatalf("create opportunity: %v", err)
	}
	if opp.MeterUsageAgainstCommit != terms.meterAgainstCommit {
		t.Fatalf("meterUsageAgainstCommit = %v, want %v", opp.MeterUsageAgainstCommit, terms.meterAgainstCommit)
	}
	setStatus(t, db, opp.ID, dealdesk.OfferActive, "ra-"+name)
	if stored, err := db.FindOfferByID(ctx, opp.ID); err != nil || stored.MeterUsageAgainstCommit != terms.meterAgainstCommit {
		t.Fatalf("stored opportunity %+v, %v: meterUsageAgainstCommit want %v", stored, err, terms.meterAgainstCommit)
	}
	o, err := db.SaveCPPOOffer(ctx, &dealdesk.Offer{ExternalID: "offer-" + name}, "ra-"+name)
	if err != nil {
		t.Fatal(err)
	}
	start := usageStart
	ent, err := db.SaveEntitlement(ctx, &dealdesk.Entitlement{ExternalID: "agmt-" + name, BuyerAccountID: "210987654321",
		LicenseARN: "arn:aws:license-manager::1:license:l-" + name, CustomerIdentifier: "cust-" + name, StartTime: &start}, "offer-"+name)
	if err != nil {
		t.Fatal(err)
	}
	if ent.OpportunityID != opp.ID || ent.ProductID != p.ID {
		t.Fatalf("entitlement not linked: %+v", ent)
	}
	return usageDeal{ctx: ctx, product: p.ID, opportunity: opp.ID, offer: o.ID, entitlement: ent.ID}
}

// group is a usage group of d's entitlement at ts with quantities given as text.
func (d usageDeal) group(id string, ts time.Time, records ...string) dealdesk.UsageGroupInput {
	g := dealdesk.UsageGroupInput{ID: id, EntitlementID: d.entitlement, Timestamp: ts, Records: map[string]dealdesk.Decimal{}}
	for i := 0; i+1 < len(records); i += 2 {
		g.Records[records[i]] = dealdesk.MustDecimal(records[i+1])
	}
	return g
}

// report stores groups and fails the test unless each is stored or answered as stored.
func report(t testing.TB, db *sqldb.DB, ctx context.Context, groups ...dealdesk.UsageGroupInput) []dealdesk.UsageGroupResult {
	t.Helper()
	res, err := db.ReportUsage(ctx, groups)
	if err != nil {
		t.Fatalf("report usage: %v", err)
	}
	for i, r := range res {
		if r.Err != nil || r.Group == nil {
			t.Fatalf("group %d (%s): %+v", i, groups[i].ID, r)
		}
	}
	return res
}
