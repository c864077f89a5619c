package dealdesk

import (
	"context"
	"time"
)

// ProductSyncJob reads the organization's SaaS products and their dimensions from the AWS
// Marketplace Catalog and stores them (ProductSyncStore.SyncProducts). Run on demand (POST
// /api/v1/products:sync) and periodically. Decision 018.
type ProductSyncJob struct {
	OrgID string `json:"orgId"`
}

// Kind names the job.
func (ProductSyncJob) Kind() string { return "product_sync" }

// ReconcileJob reads what AWS shows the vendor of its deals (resale authorizations, the CPPO
// offers made from them, the buyers' licenses) and repairs what events missed. Run
// periodically per organization. Decision 018.
type ReconcileJob struct {
	OrgID string `json:"orgId"`
}

// Kind names the job.
func (ReconcileJob) Kind() string { return "reconcile" }

// JobState is what the job queue says about a job it was asked to run.
type JobState struct {
	JobID int64  `json:"jobId"`
	Kind  string `json:"kind"`
	State string `json:"state"` // the queue's state: "available", "running", "completed", ...
	// Duplicate is true when an identical job was already waiting or running: that one is
	// answered and no second one was added.
	Duplicate bool      `json:"duplicate"`
	CreatedAt time.Time `json:"createdAt"`
}

// ProductSyncService starts product syncs for the caller's organization.
type ProductSyncService interface {
	// EnqueueProductSync records a ProductSyncJob for the organization in the context, unless one
	// is waiting or running already (then that one is answered with Duplicate true). Returns
	// EUNAUTHORIZED without an organization and ENOTFOUND when it has no AWS connection.
	EnqueueProductSync(ctx context.Context) (*JobState, error)
}

// ProductReader is the part of the Catalog port product sync uses. Catalog satisfies it.
type ProductReader interface {
	ListSaaSProducts(ctx context.Context, conn *AWSConnection) ([]*Product, error)
}

// ProductSyncStore is what product sync needs of the store, scoped to the organization in the
// context (EUNAUTHORIZED without one).
type ProductSyncStore interface {
	AWSConnectionWithSecret(ctx context.Context) (*AWSConnection, error)
	// SyncProducts stores the products the Catalog listed, matched to the organization's
	// products by ExternalID (the AWS product ID): a registered product keeps its ID and gets the
	// listed title and product code (an empty one keeps the stored value); dimensions the listing
	// has are added or updated; a stored dimension the listing lacks is marked Removed (RemovedAt
	// the sync's time), never deleted, and comes back unmarked when AWS lists it again. Products
	// not listed are left as they are. It returns the stored products in the listing's order.
	// Returns EINVALID naming the product and field a listed product gets wrong (nothing is
	// stored then).
	SyncProducts(ctx context.Context, listed []*Product) ([]*Product, error)
}

// MarketplaceEntitlement is one entry of the Entitlement Service's GetEntitlements: one
// entitled dimension of a buyer's license for a product. AWS gives neither the agreement nor
// the offer behind it.
type MarketplaceEntitlement struct {
	ProductCode          string
	Dimension            string
	CustomerIdentifier   string // set for products that meter by customer identifier
	CustomerAWSAccountID string // the buyer
	LicenseARN           string
	ExpirationDate       *time.Time // nil when AWS gives none
}

// EntitlementReader reads the licenses buyers hold for a product (AWS Marketplace Entitlement
// Service, GetEntitlements). Implemented by the awsmp package; errors may be *AWSError.
type EntitlementReader interface {
	// GetEntitlements returns every entitlement in force for the product with productCode,
	// all pages read.
	GetEntitlements(ctx context.Context, conn *AWSConnection, productCode string) ([]MarketplaceEntitlement, error)
}

// ReconcileCatalog is the part of the Catalog port reconciliation uses. Catalog satisfies it.
// Reconciliation lists entities and describes, one by one, only those whose listing says they
// may have changed what dealdesk has (review F10).
type ReconcileCatalog interface {
	ListResaleAuthorizationSummaries(ctx context.Context, conn *AWSConnection) ([]*CatalogEntitySummary, error)
	DescribeResaleAuthorization(ctx context.Context, conn *AWSConnection, id string) (*ResaleAuthorization, error)
	ListSharedOfferSummaries(ctx context.Context, conn *AWSConnection) ([]*CatalogEntitySummary, error)
	DescribeOffer(ctx context.Context, conn *AWSConnection, offerID string) (*CatalogOffer, error)
}

// ReconcileStore is what reconciliation needs of the store, scoped to the organization in the
// context (EUNAUTHORIZED without one).
type ReconcileStore interface {
	AWSConnectionWithSecret(ctx context.Context) (*AWSConnection, error)
	FindProducts(ctx context.Context, f ProductFilter) ([]*Product, string, error)
	FindOffers(ctx context.Context, f OfferFilter) ([]*Offer, string, error)
	FindEntitlements(ctx context.Context, f EntitlementFilter) ([]*Entitlement, string, error)
	SaveCPPOOffer(ctx context.Context, o *Offer, resaleAuthorizationID string, happened ...TimelineEntry) (*Offer, error)
	SaveEntitlement(ctx context.Context, e *Entitlement, offerExternalID string, happened ...TimelineEntry) (*Entitlement, error)
	// EndOpportunity moves the ACTIVE opportunity (CPPO_OUT) with resale authorization
	// resaleAuthorizationID to status (CANCELLED, EXPIRED or USED) and records happened on its
	// timeline, in one transaction. It returns whether it changed anything: an opportunity that
	// is not ACTIVE is left as it is (a terminal status is never undone), as is an unknown
	// resale authorization. Returns EINVALID for another status.
	EndOpportunity(ctx context.Context, resaleAuthorizationID string, status OfferStatus, happened ...TimelineEntry) (bool, error)
}

// SyncDimensions returns the dimensions a product stored with stored has after a sync whose
// listing shows listed (decision 018): every listed dimension, in the listing's order and as
// AWS describes it (unmarked if it was marked removed); then every stored dimension the listing
// lacks, kept and marked Removed, with RemovedAt the time a sync first found it missing (at for
// a dimension newly missing).
func SyncDimensions(stored, listed []Dimension, at time.Time) []Dimension {
	out := make([]Dimension, 0, len(listed)+len(stored))
	seen := make(map[string]bool, len(listed))
	for _, d := range listed {
		d.Removed, d.RemovedAt = false, nil
		out = append(out, d)
		seen[d.Key] = true
	}
	for _, d := range stored {
		if seen[d.Key] {
			continue
		}
		if !d.Removed || d.RemovedAt == nil {
			t := at
			d.Removed, d.RemovedAt = true, &t
		}
		out = append(out, d)
	}
	return out
}
