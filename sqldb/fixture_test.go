package sqldb_test

import (
	"context"
	"testing"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/sqldb"
)

// newOrg creates an organization and returns a context scoped to it.
func newOrg(t testing.TB, db *sqldb.DB, name string) context.Context {
	t.Helper()
	org, err := db.CreateOrganization(context.Background(), name)
	if err != nil {
		t.Fatalf("create organization: %v", err)
	}
	return dealdesk.NewContextWithOrgID(context.Background(), org.ID)
}

// productInput is a SaaS product with one contract and one usage dimension.
func productInput(externalID string) dealdesk.ProductInput {
	return dealdesk.ProductInput{
		ExternalID: externalID, ProductCode: "abc123", Title: "Analytics",
		Dimensions: []dealdesk.Dimension{
			{Key: "users", Name: "Users", Unit: "Users", Kind: dealdesk.DimensionEntitled},
			{Key: "api_calls", Name: "API calls", Unit: "Requests", Kind: dealdesk.DimensionMetered},
		},
	}
}

// newProduct creates productInput(externalID) in ctx's organization.
func newProduct(t testing.TB, db *sqldb.DB, ctx context.Context, externalID string) *dealdesk.Product {
	t.Helper()
	p, err := db.CreateProduct(ctx, productInput(externalID))
	if err != nil {
		t.Fatalf("create product: %v", err)
	}
	return p
}

func ptr[T any](v T) *T { return &v }

// completeOffer is a valid CPPO_OUT opportunity for product, with installments.
func completeOffer(productID string) dealdesk.OfferInput {
	return dealdesk.OfferInput{
		Type:               ptr(dealdesk.OfferCPPOOut),
		Name:               ptr("Acme via Reseller"),
		Description:        ptr("Annual contract"),
		ProductID:          ptr(productID),
		ResellerAccountID:  ptr("123456789012"),
		BuyerAccountIDs:    ptr([]string{"210987654321"}),
		Renewal:            ptr(false),
		CommitAmount:       ptr(dealdesk.MustDecimal("12000.00")),
		Currency:           ptr(dealdesk.USD),
		ContractDuration:   ptr("P12M"),
		EntitledDimensions: ptr([]dealdesk.EntitledDimension{{DimensionKey: "users", Quantity: 10}}),
		DimensionPrices:    ptr([]dealdesk.DimensionPrice{{DimensionKey: "api_calls", Price: dealdesk.MustDecimal("0.002")}}),
		ExpiryDate:         ptr(dealdesk.NewDate(2027, 6, 30)),
		OneTime:            ptr(true),
		EULA:               &dealdesk.Document{Type: dealdesk.DocumentStandard},
		ResellerContract:   &dealdesk.Document{Type: dealdesk.DocumentCustom, URL: "https://example.com/contract.pdf"},
		Installments: ptr([]dealdesk.Installment{
			{ChargeDate: dealdesk.NewDate(2027, 7, 15), Amount: dealdesk.MustDecimal("6000.00")},
			{ChargeDate: dealdesk.NewDate(2028, 1, 15), Amount: dealdesk.MustDecimal("6000.00")},
		}),
	}
}

// newOffer creates a complete opportunity.
func newOffer(t *testing.T, db *sqldb.DB, ctx context.Context, productID string) *dealdesk.Offer {
	t.Helper()
	o, err := db.CreateOffer(ctx, completeOffer(productID), false)
	if err != nil {
		t.Fatalf("create offer: %v", err)
	}
	return o
}

// count returns the number of rows of table matching where (SQL with $n arguments).
func count(t *testing.T, db *sqldb.DB, table, where string, args ...any) int {
	t.Helper()
	q := "SELECT COUNT(*) FROM " + table
	if where != "" {
		q += " WHERE " + where
	}
	var n int
	if err := db.SQL().QueryRowContext(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

// wantCode fails unless err carries the domain error code.
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := dealdesk.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
}

// wantField fails unless err is EINVALID naming field.
func wantField(t *testing.T, err error, field string) {
	t.Helper()
	wantCode(t, err, dealdesk.EINVALID)
	for _, f := range dealdesk.ErrorFields(err) {
		if f.Field == field {
			return
		}
	}
	t.Fatalf("error %v does not name field %q", err, field)
}

// setStatus plays the publish job: it moves an offer to status with an AWS identifier.
func setStatus(t testing.TB, db *sqldb.DB, id string, status dealdesk.OfferStatus, externalID string) {
	t.Helper()
	if _, err := db.SQL().ExecContext(context.Background(), `UPDATE offers SET status = $1, external_id = NULLIF($2, '') WHERE id = $3`,
		status, externalID, id); err != nil {
		t.Fatalf("set status: %v", err)
	}
}

// findOffer reads an offer back, failing the test when it cannot.
func findOffer(t *testing.T, db *sqldb.DB, ctx context.Context, id string) *dealdesk.Offer {
	t.Helper()
	o, err := db.FindOfferByID(ctx, id)
	if err != nil {
		t.Fatalf("find offer %s: %v", id, err)
	}
	return o
}

// findEntitlement reads an entitlement back, failing the test when it cannot.
func findEntitlement(t *testing.T, db *sqldb.DB, ctx context.Context, id string) *dealdesk.Entitlement {
	t.Helper()
	e, err := db.FindEntitlementByID(ctx, id)
	if err != nil {
		t.Fatalf("find entitlement %s: %v", id, err)
	}
	return e
}
