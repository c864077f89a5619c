package awsmp

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/marketplacecatalog"
	"github.com/aws/aws-sdk-go-v2/service/marketplacecatalog/types"

	"github.com/dealdesk/dealdesk"
)

// Entity types the reads list (ListEntities' EntityType).
const (
	typeSaaSProduct         = "SaaSProduct"
	typeResaleAuthorization = "ResaleAuthorization"
	typeOffer               = "Offer"
)

// listEntityIDs pages through ListEntities of entity type typ and ownership own (50 a page,
// the maximum) and returns the entities' summaries.
func listEntities(ctx context.Context, cl *marketplacecatalog.Client, typ string, own types.OwnershipType) ([]types.EntitySummary, error) {
	pages := marketplacecatalog.NewListEntitiesPaginator(cl, &marketplacecatalog.ListEntitiesInput{
		Catalog: aws.String(catalogName), EntityType: aws.String(typ), OwnershipType: own, MaxResults: aws.Int32(50),
	})
	var all []types.EntitySummary
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, awsError("ListEntities", err)
		}
		all = append(all, page.EntitySummaryList...)
	}
	return all, nil
}

// describe reads an entity's details into v (JSON field names as AWS writes them) and returns
// the entity's ARN and last-modified date.
func describe(ctx context.Context, cl *marketplacecatalog.Client, id string, v any) (*marketplacecatalog.DescribeEntityOutput, error) {
	out, err := cl.DescribeEntity(ctx, &marketplacecatalog.DescribeEntityInput{Catalog: aws.String(catalogName), EntityId: aws.String(id)})
	if err != nil {
		return nil, awsError("DescribeEntity", err)
	}
	b := detailsJSON(out.DetailsDocument, out.Details)
	if err := json.Unmarshal(b, v); err != nil {
		return nil, &dealdesk.AWSError{Operation: "DescribeEntity", Message: fmt.Sprintf("details of entity %s are not readable: %v", id, err), Err: err}
	}
	return out, nil
}

// saasProductDetails is what dealdesk reads of a SaaSProduct's DetailsDocument.
type saasProductDetails struct {
	ProductCode string `json:"ProductCode"`
	Description struct {
		ProductTitle string `json:"ProductTitle"`
	} `json:"Description"`
	Dimensions []struct {
		Key   string   `json:"Key"`
		Name  string   `json:"Name"`
		Unit  string   `json:"Unit"`
		Types []string `json:"Types"`
	} `json:"Dimensions"`
}

// ListSaaSProducts lists the account's SaaS products (ListEntities SaaSProduct, SELF) and
// describes each: AWS product ID, title, product code when the details carry one, and the
// dimensions, ENTITLED when AWS types them "Entitled" and METERED otherwise
// ("ExternallyMetered").
func (c *Catalog) ListSaaSProducts(ctx context.Context, conn *dealdesk.AWSConnection) ([]*dealdesk.Product, error) {
	cl, err := c.client(ctx, conn)
	if err != nil {
		return nil, err
	}
	list, err := listEntities(ctx, cl, typeSaaSProduct, types.OwnershipTypeSelf)
	if err != nil {
		return nil, err
	}
	products := make([]*dealdesk.Product, 0, len(list))
	for _, s := range list {
		id := aws.ToString(s.EntityId)
		var d saasProductDetails
		if _, err := describe(ctx, cl, id, &d); err != nil {
			return nil, err
		}
		p := &dealdesk.Product{ExternalID: id, ProductCode: d.ProductCode, Title: d.Description.ProductTitle}
		if p.Title == "" {
			p.Title = aws.ToString(s.Name)
		}
		for _, dim := range d.Dimensions {
			kind, ok := dealdesk.DimensionKindOf(dim.Types)
			if !ok {
				continue // neither contract nor usage: nothing dealdesk prices or meters
			}
			p.Dimensions = append(p.Dimensions, dealdesk.Dimension{Key: dim.Key, Name: dim.Name, Unit: dim.Unit, Kind: kind})
		}
		products = append(products, p)
	}
	return products, nil
}

// raDetails is what dealdesk reads of a resale authorization's DetailsDocument (reference §1.5).
type raDetails struct {
	Name         string `json:"Name"`
	ProductID    string `json:"ProductId"`
	Status       string `json:"Status"`
	OfferDetails struct {
		OfferExtendedStatus string `json:"OfferExtendedStatus"`
		OfferCreatedCount   int    `json:"OfferCreatedCount"`
	} `json:"OfferDetails"`
	Terms []struct {
		Type              string `json:"Type"`
		PositiveTargeting *struct {
			BuyerAccounts []struct {
				AwsAccountID string `json:"AwsAccountId"`
			} `json:"BuyerAccounts"`
		} `json:"PositiveTargeting"`
	} `json:"Terms"`
	Rules []struct {
		Type                string `json:"Type"`
		AvailabilityEndDate string `json:"AvailabilityEndDate"`
		OffersMaxQuantity   int    `json:"OffersMaxQuantity"`
		ResellerAccountID   string `json:"ResellerAccountId"`
	} `json:"Rules"`
}

// ListResaleAuthorizations lists the resale authorizations the account owns (ListEntities
// ResaleAuthorization, SELF) and describes each.
func (c *Catalog) ListResaleAuthorizations(ctx context.Context, conn *dealdesk.AWSConnection) ([]*dealdesk.ResaleAuthorization, error) {
	cl, err := c.client(ctx, conn)
	if err != nil {
		return nil, err
	}
	list, err := listEntities(ctx, cl, typeResaleAuthorization, types.OwnershipTypeSelf)
	if err != nil {
		return nil, err
	}
	out := make([]*dealdesk.ResaleAuthorization, 0, len(list))
	for _, s := range list {
		ra, err := describeResaleAuthorization(ctx, cl, aws.ToString(s.EntityId))
		if err != nil {
			return nil, err
		}
		out = append(out, ra)
	}
	return out, nil
}

// ListResaleAuthorizationSummaries lists the resale authorizations the account owns
// (ListEntities ResaleAuthorization, SELF) without describing them: ID, last change, and the
// ResaleAuthorizationSummary's Status, OfferExtendedStatus and AvailabilityEndDate when the
// listing carries it.
func (c *Catalog) ListResaleAuthorizationSummaries(ctx context.Context, conn *dealdesk.AWSConnection) ([]*dealdesk.CatalogEntitySummary, error) {
	return c.listSummaries(ctx, conn, typeResaleAuthorization, types.OwnershipTypeSelf, func(s types.EntitySummary, sum *dealdesk.CatalogEntitySummary) {
		if ra := s.ResaleAuthorizationSummary; ra != nil {
			sum.Summarized, sum.State, sum.OfferExtendedState = true, string(ra.Status), aws.ToString(ra.OfferExtendedStatus)
			if end := catalogTime(aws.ToString(ra.AvailabilityEndDate)); !end.IsZero() {
				sum.AvailabilityEnd = &end
			}
		}
	})
}

// ListSharedOfferSummaries lists the offers shared with the account (ListEntities Offer,
// SHARED) without describing them: ID, last change, and the OfferSummary's State and
// ResaleAuthorizationId when the listing carries it.
func (c *Catalog) ListSharedOfferSummaries(ctx context.Context, conn *dealdesk.AWSConnection) ([]*dealdesk.CatalogEntitySummary, error) {
	return c.listSummaries(ctx, conn, typeOffer, types.OwnershipTypeShared, func(s types.EntitySummary, sum *dealdesk.CatalogEntitySummary) {
		if o := s.OfferSummary; o != nil {
			sum.Summarized, sum.State, sum.ResaleAuthorizationID = true, string(o.State), aws.ToString(o.ResaleAuthorizationId)
		}
	})
}

// listSummaries lists the entities of type typ with ownership own, each as its summary with
// what fill reads from the listing's type-specific summary.
func (c *Catalog) listSummaries(ctx context.Context, conn *dealdesk.AWSConnection, typ string, own types.OwnershipType,
	fill func(types.EntitySummary, *dealdesk.CatalogEntitySummary)) ([]*dealdesk.CatalogEntitySummary, error) {
	cl, err := c.client(ctx, conn)
	if err != nil {
		return nil, err
	}
	list, err := listEntities(ctx, cl, typ, own)
	if err != nil {
		return nil, err
	}
	out := make([]*dealdesk.CatalogEntitySummary, 0, len(list))
	for _, s := range list {
		sum := entitySummary(s)
		fill(s, sum)
		out = append(out, sum)
	}
	return out, nil
}

// entitySummary is the ID and last change of a listed entity.
func entitySummary(s types.EntitySummary) *dealdesk.CatalogEntitySummary {
	return &dealdesk.CatalogEntitySummary{ID: aws.ToString(s.EntityId), LastModified: catalogTime(aws.ToString(s.LastModifiedDate))}
}

// DescribeResaleAuthorization reads one resale authorization (DescribeEntity).
func (c *Catalog) DescribeResaleAuthorization(ctx context.Context, conn *dealdesk.AWSConnection, id string) (*dealdesk.ResaleAuthorization, error) {
	cl, err := c.client(ctx, conn)
	if err != nil {
		return nil, err
	}
	return describeResaleAuthorization(ctx, cl, id)
}

func describeResaleAuthorization(ctx context.Context, cl *marketplacecatalog.Client, id string) (*dealdesk.ResaleAuthorization, error) {
	var d raDetails
	out, err := describe(ctx, cl, id, &d)
	if err != nil {
		return nil, err
	}
	ra := &dealdesk.ResaleAuthorization{
		ID: entityID(aws.ToString(out.EntityIdentifier)), Name: d.Name, ProductExternalID: d.ProductID,
		Status:             dealdesk.ResaleAuthorizationStatus(d.Status),
		OfferCreatedCount:  d.OfferDetails.OfferCreatedCount,
		OfferExtendedState: d.OfferDetails.OfferExtendedStatus,
		LastModified:       catalogTime(aws.ToString(out.LastModifiedDate)),
	}
	if ra.ID == "" {
		ra.ID = id
	}
	for _, t := range d.Terms {
		if t.Type == "BuyerTargetingTerm" && t.PositiveTargeting != nil {
			for _, b := range t.PositiveTargeting.BuyerAccounts {
				ra.BuyerAccountIDs = append(ra.BuyerAccountIDs, b.AwsAccountID)
			}
		}
	}
	for _, r := range d.Rules {
		switch r.Type {
		case "AvailabilityRule":
			if end := catalogTime(r.AvailabilityEndDate); !end.IsZero() {
				ra.AvailabilityEnd = &end
			}
			ra.OneTime = r.OffersMaxQuantity == 1
		case "PartnerTargetingRule":
			ra.ResellerAccountID = r.ResellerAccountID
		}
	}
	return ra, nil
}

// offerDetails is what dealdesk reads of a CPPO offer's DetailsDocument (reference §1.6).
type offerDetails struct {
	ID                    string `json:"Id"`
	Name                  string `json:"Name"`
	ProductID             string `json:"ProductId"`
	ResaleAuthorizationID string `json:"ResaleAuthorizationId"`
	MarkupPercentage      string `json:"MarkupPercentage"`
	State                 string `json:"State"`
	Rules                 []struct {
		Type                string `json:"Type"`
		AvailabilityEndDate string `json:"AvailabilityEndDate"`
		PositiveTargeting   *struct {
			BuyerAccounts []string `json:"BuyerAccounts"`
		} `json:"PositiveTargeting"`
	} `json:"Rules"`
}

// ListCPPOOffers lists the offers the Catalog shares with the account (ListEntities Offer,
// SHARED) and describes each; offers not made from a resale authorization are left out.
func (c *Catalog) ListCPPOOffers(ctx context.Context, conn *dealdesk.AWSConnection) ([]*dealdesk.CatalogOffer, error) {
	cl, err := c.client(ctx, conn)
	if err != nil {
		return nil, err
	}
	list, err := listEntities(ctx, cl, typeOffer, types.OwnershipTypeShared)
	if err != nil {
		return nil, err
	}
	out := make([]*dealdesk.CatalogOffer, 0, len(list))
	for _, s := range list {
		o, err := describeOffer(ctx, cl, aws.ToString(s.EntityId))
		if err != nil {
			return nil, err
		}
		if o.ResaleAuthorizationID != "" {
			out = append(out, o)
		}
	}
	return out, nil
}

// DescribeOffer reads one offer (DescribeEntity).
func (c *Catalog) DescribeOffer(ctx context.Context, conn *dealdesk.AWSConnection, offerID string) (*dealdesk.CatalogOffer, error) {
	cl, err := c.client(ctx, conn)
	if err != nil {
		return nil, err
	}
	return describeOffer(ctx, cl, offerID)
}

// describeOffer reads an offer: its fields as a CPPO Offer (the reseller is the account that
// owns it, from its ARN), with its resale authorization and product.
func describeOffer(ctx context.Context, cl *marketplacecatalog.Client, id string) (*dealdesk.CatalogOffer, error) {
	var d offerDetails
	out, err := describe(ctx, cl, id, &d)
	if err != nil {
		return nil, err
	}
	o := &dealdesk.Offer{Type: dealdesk.OfferCPPO, ExternalID: entityID(aws.ToString(out.EntityIdentifier)), Name: d.Name,
		ResellerAccountID: arnAccount(aws.ToString(out.EntityArn))}
	if o.ExternalID == "" {
		o.ExternalID = id
	}
	if d.State == "Released" {
		o.Status = dealdesk.OfferActive
	}
	if m, err := dealdesk.ParseDecimal(d.MarkupPercentage); err == nil {
		o.MarkupPercentage = &m
	}
	for _, r := range d.Rules {
		switch r.Type {
		case "TargetingRule":
			if r.PositiveTargeting != nil {
				o.BuyerAccountIDs = append(o.BuyerAccountIDs, r.PositiveTargeting.BuyerAccounts...)
			}
		case "AvailabilityRule":
			if len(r.AvailabilityEndDate) >= len(dealdesk.DateLayout) {
				if day, err := dealdesk.ParseDate(r.AvailabilityEndDate[:len(dealdesk.DateLayout)]); err == nil {
					o.ExpiryDate = &day
				}
			}
		}
	}
	o.NormalizeLists()
	return &dealdesk.CatalogOffer{Offer: o, ResaleAuthorizationID: d.ResaleAuthorizationID, ProductExternalID: d.ProductID, State: d.State}, nil
}

// arnAccount returns the account of an ARN (its fifth part), "" when s is not one.
func arnAccount(s string) string {
	parts := strings.SplitN(s, ":", 6)
	if len(parts) < 6 || parts[0] != "arn" {
		return ""
	}
	return parts[4]
}

// catalogTime parses a Catalog date ("2026-05-31T23:59:59Z", with or without milliseconds);
// the zero time when it is not one.
func catalogTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}
