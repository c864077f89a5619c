package worker

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/riverqueue/river"

	"github.com/dealdesk/dealdesk"
)

// ProductSyncWorker runs ProductSyncJob: it lists the organization's SaaS products and their
// dimensions from the Catalog (ListEntities SaaSProduct, DescribeEntity) with the
// organization's AWS connection and stores them with ProductSyncStore.SyncProducts: a product
// already registered keeps its ID, a dimension AWS no longer lists is marked removed, never
// deleted (decision 018). An organization without an AWS connection has nothing to sync: the
// job completes. A retryable AWS error (throttling, 5xx) or a store error is returned so River
// retries; any other AWS error cancels the job, since trying again cannot help.
type ProductSyncWorker struct {
	river.WorkerDefaults[dealdesk.ProductSyncJob]

	store   dealdesk.ProductSyncStore
	catalog dealdesk.ProductReader
	logger  *slog.Logger
}

// NewProductSyncWorker returns the worker of ProductSyncJob over store and catalog. A nil
// logger discards.
func NewProductSyncWorker(store dealdesk.ProductSyncStore, catalog dealdesk.ProductReader, logger *slog.Logger) *ProductSyncWorker {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &ProductSyncWorker{store: store, catalog: catalog, logger: logger}
}

// Work syncs the job's organization's products.
func (w *ProductSyncWorker) Work(ctx context.Context, job *river.Job[dealdesk.ProductSyncJob]) error {
	_, err := w.Sync(ctx, job.Args)
	return err
}

// Sync is Work without River's job wrapper: it returns the stored products of the listing
// (none when the organization has no AWS connection).
func (w *ProductSyncWorker) Sync(ctx context.Context, args dealdesk.ProductSyncJob) ([]*dealdesk.Product, error) {
	if args.OrgID == "" {
		return nil, river.JobCancel(fmt.Errorf("product_sync job without orgId"))
	}
	ctx = dealdesk.NewContextWithOrgID(ctx, args.OrgID)
	conn, err := w.store.AWSConnectionWithSecret(ctx)
	if isNotFound(err) {
		w.logger.InfoContext(ctx, "product sync: no AWS connection", "org", args.OrgID)
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	listed, err := w.catalog.ListSaaSProducts(ctx, conn)
	if err != nil {
		return nil, awsJobError(err)
	}
	stored, err := w.store.SyncProducts(ctx, listed)
	if dealdesk.ErrorCode(err) == dealdesk.EINVALID {
		// The Catalog's listing is what it is: a retry reads the same.
		return nil, river.JobCancel(fmt.Errorf("product sync: %s: %v", dealdesk.ErrorMessage(err), dealdesk.ErrorFields(err)))
	} else if err != nil {
		return nil, err
	}
	w.logger.InfoContext(ctx, "product sync", "org", args.OrgID, "products", len(stored))
	return stored, nil
}

// awsJobError returns err for River to retry when it is retryable, else cancels the job.
func awsJobError(err error) error {
	if dealdesk.Retryable(err) {
		return err
	}
	return river.JobCancel(err)
}
