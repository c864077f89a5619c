package awsmp_test

import (
	"context"
	"slices"
	"testing"

	"github.com/dealdesk/dealdesk"
)

// TestDescribeChangeSetMapsErrorsToFields: a change set AWS fails asynchronously ends FAILED
// with CLIENT_ERROR, and its errors name the opportunity's fields.
func TestDescribeChangeSetMapsErrorsToFields(t *testing.T) {
	t.Parallel()
	e := newSim(t, false)
	cat := e.catalog()
	ctx := context.Background()
	o := opportunities()[0].offer
	o.DimensionPrices = []dealdesk.DimensionPrice{{DimensionKey: "api_calls", Price: dealdesk.MustDecimal("0.1")},
		{DimensionKey: "seats", Price: dealdesk.MustDecimal("0.2")}} // seats is entitled; storage_gb unpriced
	id, err := cat.StartResaleAuthorization(ctx, e.conn, o, analytics, "dd-pub-bad-1")
	if err != nil {
		t.Fatalf("StartResaleAuthorization: %v", err)
	}
	r, err := cat.DescribeChangeSet(ctx, e.conn, id)
	if err != nil {
		t.Fatal(err)
	}
	var fields []string
	for _, ce := range r.Errors {
		fields = append(fields, ce.Field)
	}
	if r.Status != dealdesk.ChangeSetFailed || r.FailureCode != dealdesk.FailureClientError || r.ResaleAuthorizationID != "" ||
		!slices.Contains(fields, "dimensionPrices[1].dimensionKey") || !slices.Contains(fields, "dimensionPrices") {
		t.Fatalf("result = %+v (fields %v), want FAILED CLIENT_ERROR naming dimensionPrices[1].dimensionKey and dimensionPrices", r, fields)
	}
	if fe := r.FieldErrors(); len(fe) != len(r.Errors) || fe[0].Message == "" {
		t.Errorf("field errors = %+v", fe)
	}
}

// TestRestrictResaleAuthorization restricts a published resale authorization, once per token.
func TestRestrictResaleAuthorization(t *testing.T) {
	t.Parallel()
	e := newSim(t, false)
	cat := e.catalog()
	ctx := context.Background()
	tc := opportunities()[1]
	id, err := cat.StartResaleAuthorization(ctx, e.conn, tc.offer, tc.product, dealdesk.PublishToken(tc.offer.ID, 1))
	if err != nil {
		t.Fatal(err)
	}
	r, err := cat.DescribeChangeSet(ctx, e.conn, id)
	if err != nil || r.ResaleAuthorizationID == "" {
		t.Fatalf("publish: %+v, %v", r, err)
	}
	token := dealdesk.RestrictToken(tc.offer.ID)
	first, err := cat.RestrictResaleAuthorization(ctx, e.conn, r.ResaleAuthorizationID, token)
	if err != nil {
		t.Fatalf("RestrictResaleAuthorization: %v", err)
	}
	again, err := cat.RestrictResaleAuthorization(ctx, e.conn, r.ResaleAuthorizationID, token)
	if err != nil || again != first {
		t.Fatalf("the same token again = %s, %v; want %s", again, err, first)
	}
	if rr, err := cat.DescribeChangeSet(ctx, e.conn, first); err != nil || rr.Status != dealdesk.ChangeSetSucceeded {
		t.Fatalf("restrict change set = %+v, %v", rr, err)
	}
	ra, err := cat.DescribeResaleAuthorization(ctx, e.conn, r.ResaleAuthorizationID)
	if err != nil || ra.Status != dealdesk.ResaleAuthorizationRestricted {
		t.Fatalf("resale authorization = %+v, %v; want Restricted", ra, err)
	}
}

// TestDescribeUnknownResaleAuthorizationIsNotFound: a 404 is a terminal, not-found AWSError.
func TestDescribeUnknownResaleAuthorizationIsNotFound(t *testing.T) {
	t.Parallel()
	e := newSim(t, false)
	_, err := e.catalog().DescribeResaleAuthorization(context.Background(), e.conn, "resaleauthz-doesnotexist")
	var ae *dealdesk.AWSError
	if !asAWSError(err, &ae) || !ae.NotFound() || dealdesk.Retryable(err) {
		t.Fatalf("err = %v, want a terminal not-found AWSError", err)
	}
}

// TestListSaaSProducts reads the seed's products with their dimensions, entitled and metered.
func TestListSaaSProducts(t *testing.T) {
	t.Parallel()
	e := newSim(t, false)
	products, err := e.catalog().ListSaaSProducts(context.Background(), e.conn)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]*dealdesk.Product{}
	for _, p := range products {
		byID[p.ExternalID] = p
	}
	for _, want := range []*dealdesk.Product{analytics, logShipper} {
		got := byID[want.ExternalID]
		if got == nil || got.Title != want.Title || !slices.Equal(got.Dimensions, want.Dimensions) {
			t.Errorf("product %s = %+v, want title %q and dimensions %+v", want.ExternalID, got, want.Title, want.Dimensions)
		}
	}
	if len(products) != 2 {
		t.Errorf("%d products, want the seed's 2", len(products))
	}
}

// TestListCPPOOffers: an offer the reseller made from a resale authorization is listed, with
// its resale authorization, reseller, buyers, expiry and markup.
func TestListCPPOOffers(t *testing.T) {
	t.Parallel()
	e := newSim(t, false)
	cat := e.catalog()
	ctx := context.Background()
	tc := opportunities()[1]
	id, err := cat.StartResaleAuthorization(ctx, e.conn, tc.offer, tc.product, dealdesk.PublishToken(tc.offer.ID, 1))
	if err != nil {
		t.Fatal(err)
	}
	r, err := cat.DescribeChangeSet(ctx, e.conn, id)
	if err != nil || r.ResaleAuthorizationID == "" {
		t.Fatalf("publish: %+v, %v", r, err)
	}
	var made struct {
		OfferID string `json:"offerId"`
	}
	e.control("POST", "/_sim/resellers/"+reseller+"/offers", map[string]any{"resaleAuthorizationId": r.ResaleAuthorizationID,
		"markupPercentage": "7.5", "buyerAccountIds": []string{buyer1}, "expiryDate": "2030-08-31", "name": "Globex via Northwind"}, &made)
	offers, err := cat.ListCPPOOffers(ctx, e.conn)
	if err != nil {
		t.Fatal(err)
	}
	if len(offers) != 1 {
		t.Fatalf("%d offers, want 1", len(offers))
	}
	got := offers[0]
	o := got.Offer
	if got.ResaleAuthorizationID != r.ResaleAuthorizationID || got.ProductExternalID != tc.product.ExternalID ||
		o.Type != dealdesk.OfferCPPO || o.ExternalID == "" || (made.OfferID != "" && o.ExternalID != made.OfferID) ||
		o.ResellerAccountID != reseller || !slices.Equal(o.BuyerAccountIDs, []string{buyer1}) ||
		o.ExpiryDate == nil || o.ExpiryDate.String() != "2030-08-31" || o.MarkupPercentage == nil || o.MarkupPercentage.String() != "7.5" {
		t.Fatalf("offer = %+v (%+v), want the reseller's offer on %s", got, o, r.ResaleAuthorizationID)
	}
	one, err := cat.DescribeOffer(ctx, e.conn, o.ExternalID)
	if err != nil || one.Offer.ExternalID != o.ExternalID || one.ResaleAuthorizationID != r.ResaleAuthorizationID {
		t.Fatalf("DescribeOffer = %+v, %v", one, err)
	}
}
