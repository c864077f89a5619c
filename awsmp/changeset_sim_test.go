package awsmp_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/marketplacecatalog"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/awsmp"
)

// TestGoldenChangeSetsAreAcceptedBySimulator sends each golden change set with the real
// Catalog client to the simulator, which applies AWS's documented validation: the change set
// SUCCEEDS, the details AWS echoes are the golden file's, and DescribeEntity shows an active
// resale authorization with the opportunity's terms, buyers, availability and reseller.
func TestGoldenChangeSetsAreAcceptedBySimulator(t *testing.T) {
	t.Parallel()
	e := newSim(t, false)
	ctx := context.Background()
	cat := e.catalog()
	cfg, err := awsmp.Config(ctx, e.conn)
	if err != nil {
		t.Fatal(err)
	}
	raw := awsmp.CatalogClient(cfg)
	for _, tc := range opportunities() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			id, err := cat.StartResaleAuthorization(ctx, e.conn, tc.offer, tc.product, dealdesk.PublishToken(tc.offer.ID, 1))
			if err != nil {
				t.Fatalf("StartResaleAuthorization: %v", err)
			}
			r, err := cat.DescribeChangeSet(ctx, e.conn, id)
			if err != nil {
				t.Fatalf("DescribeChangeSet: %v", err)
			}
			if r.Status != dealdesk.ChangeSetSucceeded || r.ResaleAuthorizationID == "" || len(r.Errors) != 0 {
				t.Fatalf("change set %s: %+v, want SUCCEEDED with a resale authorization and no errors", id, r)
			}

			// The details the SDK sent are the golden file's.
			golden, err := os.ReadFile(filepath.Join("testdata", tc.name+".golden.json"))
			if err != nil {
				t.Fatal(err)
			}
			var want []struct {
				ChangeType      string
				DetailsDocument any
			}
			if err := json.Unmarshal(golden, &want); err != nil {
				t.Fatal(err)
			}
			echo, err := raw.DescribeChangeSet(ctx, &marketplacecatalog.DescribeChangeSetInput{Catalog: aws.String("AWSMarketplace"), ChangeSetId: aws.String(id)})
			if err != nil {
				t.Fatal(err)
			}
			if len(echo.ChangeSet) != len(want) {
				t.Fatalf("AWS shows %d changes, golden has %d", len(echo.ChangeSet), len(want))
			}
			for i, ch := range echo.ChangeSet {
				b, err := ch.DetailsDocument.MarshalSmithyDocument()
				if err != nil {
					t.Fatal(err)
				}
				var got any
				if err := json.Unmarshal(b, &got); err != nil {
					t.Fatal(err)
				}
				if aws.ToString(ch.ChangeType) != want[i].ChangeType || !reflect.DeepEqual(got, want[i].DetailsDocument) {
					t.Errorf("change %d: AWS echoes %s %s, golden has %s %v", i, aws.ToString(ch.ChangeType), b, want[i].ChangeType, want[i].DetailsDocument)
				}
			}

			// The resale authorization as DescribeEntity shows it.
			ra, err := cat.DescribeResaleAuthorization(ctx, e.conn, r.ResaleAuthorizationID)
			if err != nil {
				t.Fatalf("DescribeResaleAuthorization: %v", err)
			}
			if ra.Status != dealdesk.ResaleAuthorizationActive || ra.ResellerAccountID != tc.offer.ResellerAccountID ||
				ra.ProductExternalID != tc.product.ExternalID || ra.Name != tc.offer.Name || ra.OneTime != tc.oneTime ||
				!reflect.DeepEqual(ra.BuyerAccountIDs, tc.offer.BuyerAccountIDs) {
				t.Errorf("resale authorization = %+v, want active, for %s, reseller %s, one-time %v, buyers %v",
					ra, tc.product.ExternalID, tc.offer.ResellerAccountID, tc.oneTime, tc.offer.BuyerAccountIDs)
			}
			switch {
			case tc.expiry == "" && ra.AvailabilityEnd != nil:
				t.Errorf("availability ends %v, want no end", ra.AvailabilityEnd)
			case tc.expiry != "" && (ra.AvailabilityEnd == nil || ra.AvailabilityEnd.Format(dealdesk.DateLayout) != tc.expiry):
				t.Errorf("availability ends %v, want on %s", ra.AvailabilityEnd, tc.expiry)
			}
			entity, err := raw.DescribeEntity(ctx, &marketplacecatalog.DescribeEntityInput{Catalog: aws.String("AWSMarketplace"), EntityId: aws.String(r.ResaleAuthorizationID)})
			if err != nil {
				t.Fatal(err)
			}
			var doc struct {
				Terms []struct{ Type, Price string }
			}
			b, _ := entity.DetailsDocument.MarshalSmithyDocument()
			if err := json.Unmarshal(b, &doc); err != nil {
				t.Fatal(err)
			}
			var types []string
			price := ""
			for _, term := range doc.Terms {
				types = append(types, term.Type)
				if term.Type == "ResaleFixedUpfrontPricingTerm" {
					price = term.Price
				}
			}
			wantPrice := tc.offer.CommitAmount.String()
			if len(tc.offer.Installments) > 0 {
				wantPrice = "0.00"
			}
			if !reflect.DeepEqual(types, tc.terms) || price != wantPrice {
				t.Errorf("terms = %v with fixed upfront price %q, want %v with %q", types, price, tc.terms, wantPrice)
			}
		})
	}
}
