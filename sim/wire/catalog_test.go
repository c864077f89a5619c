package wire_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/marketplacecatalog"
	ctypes "github.com/aws/aws-sdk-go-v2/service/marketplacecatalog/types"

	"github.com/dealdesk/dealdesk/sim/wire"
)

type describeEntityOutput struct {
	EntityType       string          `json:"EntityType"`
	EntityIdentifier string          `json:"EntityIdentifier"`
	EntityArn        string          `json:"EntityArn"`
	LastModifiedDate string          `json:"LastModifiedDate"`
	Details          string          `json:"Details"`
	DetailsDocument  json.RawMessage `json:"DetailsDocument"`
}

const raDetails = `{"Name":"Reseller A","Status":"Active","Terms":[{"Type":"ResaleFixedUpfrontPricingTerm","Price":"1000.00","Grants":[{"DimensionKey":"users","MaxQuantity":10}]}],"OfferDetails":{"OfferCreatedCount":0}}`

// catalogServer routes restJson1 Catalog requests by path, as the simulator does.
func catalogServer(t *testing.T) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /DescribeEntity", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("catalog") != "AWSMarketplace" || q.Get("entityId") != "resaleauthz-1" {
			wire.WriteRESTError(w, http.StatusNotFound, "ResourceNotFoundException", "no entity "+q.Get("entityId"))
			return
		}
		wire.WriteREST(w, 0, describeEntityOutput{
			EntityType: "ResaleAuthorization@1.0", EntityIdentifier: "resaleauthz-1@1",
			EntityArn:        "arn:aws:aws-marketplace:us-east-1:111122223333:AWSMarketplace/ResaleAuthorization/resaleauthz-1",
			LastModifiedDate: t0.UTC().Format("2006-01-02T15:04:05Z"), Details: raDetails, DetailsDocument: json.RawMessage(raDetails),
		})
	})
	mux.HandleFunc("POST /StartChangeSet", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Catalog   string
			ChangeSet []struct {
				ChangeType string
				Entity     struct{ Identifier string }
			}
		}
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody)).Decode(&in); err != nil {
			wire.WriteRESTError(w, http.StatusUnprocessableEntity, "ValidationException", err.Error())
			return
		}
		if len(in.ChangeSet) == 0 || in.ChangeSet[0].ChangeType == "" {
			wire.WriteRESTErrorFields(w, http.StatusUnprocessableEntity, "ValidationException", "ChangeSet is invalid",
				map[string]any{"ValidationExceptionFieldList": []map[string]string{
					{"Reason": "FieldValidationFailed", "Field": "ChangeType", "Message": "ChangeType is required"}}})
			return
		}
		wire.WriteRESTError(w, http.StatusLocked, "ResourceInUseException",
			"entity "+in.ChangeSet[0].Entity.Identifier+" is locked by change set cs-1")
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestCatalogRestJSON(t *testing.T) {
	t.Parallel()
	url := catalogServer(t)
	client := marketplacecatalog.NewFromConfig(awsConfig(), func(o *marketplacecatalog.Options) { o.BaseEndpoint = aws.String(url) })
	ctx := context.Background()

	t.Run("DescribeEntity parses with its DetailsDocument", func(t *testing.T) {
		out, err := client.DescribeEntity(ctx, &marketplacecatalog.DescribeEntityInput{
			Catalog: aws.String("AWSMarketplace"), EntityId: aws.String("resaleauthz-1")})
		if err != nil {
			t.Fatalf("DescribeEntity: %v", err)
		}
		if aws.ToString(out.EntityType) != "ResaleAuthorization@1.0" || aws.ToString(out.EntityIdentifier) != "resaleauthz-1@1" ||
			aws.ToString(out.LastModifiedDate) != "2026-03-04T05:06:07Z" || aws.ToString(out.Details) != raDetails {
			t.Errorf("DescribeEntity = %+v", out)
		}
		type grant struct {
			DimensionKey string
			MaxQuantity  int
		}
		type term struct {
			Type, Price string
			Grants      []grant
		}
		var doc struct {
			Name, Status string
			Terms        []term
			OfferDetails struct{ OfferCreatedCount int }
		}
		if err := out.DetailsDocument.UnmarshalSmithyDocument(&doc); err != nil {
			t.Fatalf("DetailsDocument: %v", err)
		}
		if doc.Name != "Reseller A" || doc.Status != "Active" || len(doc.Terms) != 1 || doc.Terms[0].Price != "1000.00" ||
			!reflect.DeepEqual(doc.Terms[0].Grants, []grant{{"users", 10}}) || doc.OfferDetails.OfferCreatedCount != 0 {
			t.Errorf("DetailsDocument = %+v", doc)
		}
	})
	t.Run("ResourceNotFoundException is typed", func(t *testing.T) {
		_, err := client.DescribeEntity(ctx, &marketplacecatalog.DescribeEntityInput{
			Catalog: aws.String("AWSMarketplace"), EntityId: aws.String("resaleauthz-404")})
		var e *ctypes.ResourceNotFoundException
		if !errors.As(err, &e) || e.ErrorMessage() != "no entity resaleauthz-404" {
			t.Fatalf("error %v (%T), want ResourceNotFoundException", err, err)
		}
	})
	t.Run("ResourceInUseException 423 is typed", func(t *testing.T) {
		_, err := client.StartChangeSet(ctx, &marketplacecatalog.StartChangeSetInput{
			Catalog: aws.String("AWSMarketplace"),
			ChangeSet: []ctypes.Change{{ChangeType: aws.String("UpdateInformation"),
				Entity: &ctypes.Entity{Type: aws.String("ResaleAuthorization@1.0"), Identifier: aws.String("resaleauthz-1")}}},
		})
		var e *ctypes.ResourceInUseException
		if !errors.As(err, &e) || e.ErrorMessage() != "entity resaleauthz-1 is locked by change set cs-1" {
			t.Fatalf("error %v (%T), want ResourceInUseException", err, err)
		}
	})
	t.Run("ValidationException 422 is typed with its field list", func(t *testing.T) {
		_, err := client.StartChangeSet(ctx, &marketplacecatalog.StartChangeSetInput{
			Catalog: aws.String("AWSMarketplace"),
			ChangeSet: []ctypes.Change{{ChangeType: aws.String(""),
				Entity: &ctypes.Entity{Type: aws.String("ResaleAuthorization@1.0")}}},
		})
		var e *ctypes.ValidationException
		if !errors.As(err, &e) {
			t.Fatalf("error %v (%T), want ValidationException", err, err)
		}
		if e.ErrorMessage() != "ChangeSet is invalid" || len(e.ValidationExceptionFieldList) != 1 ||
			e.ValidationExceptionFieldList[0].Reason != ctypes.ValidationExceptionReasonFieldValidationFailed ||
			aws.ToString(e.ValidationExceptionFieldList[0].Field) != "ChangeType" {
			t.Errorf("ValidationException = %+v", e)
		}
	})
}
