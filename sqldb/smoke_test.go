package sqldb_test

import (
	"context"
	"testing"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/sqldb"
)

func TestSmoke(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, db *sqldb.DB, e engine) {
		ctx := context.Background()
		org, err := db.CreateOrganization(ctx, "Acme")
		if err != nil {
			t.Fatal(err)
		}
		ctx = dealdesk.NewContextWithOrgID(ctx, org.ID)
		p, err := db.CreateProduct(ctx, dealdesk.ProductInput{ExternalID: "prod-abc", ProductCode: "abc", Title: "ABC",
			Dimensions: []dealdesk.Dimension{{Key: "users", Name: "Users", Unit: "Users", Kind: dealdesk.DimensionEntitled}}})
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.FindProductByID(ctx, p.ID)
		if err != nil || got.ExternalID != "prod-abc" {
			t.Fatal(got, err)
		}
	})
}
