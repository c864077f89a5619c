package worker

import (
	"context"

	"github.com/dealdesk/dealdesk"
)

// productByExternalID returns the ID of the organization's product with AWS product ID
// externalID ("prod-…"), or "" when externalID is empty or not registered.
func (w *ApplyEventWorker) productByExternalID(ctx context.Context, externalID string) (string, error) {
	if externalID == "" {
		return "", nil
	}
	ps, _, err := w.store.FindProducts(ctx, dealdesk.ProductFilter{ExternalID: externalID, Limit: 1})
	if err != nil || len(ps) == 0 {
		return "", err
	}
	return ps[0].ID, nil
}

// productByCode returns the ID of the organization's product with AWS product code code, or ""
// when code is empty or no product has it. The store lists products without a product-code
// filter, so the pages are read until it is found (an organization has few products).
func (w *ApplyEventWorker) productByCode(ctx context.Context, code string) (string, error) {
	if code == "" {
		return "", nil
	}
	f := dealdesk.ProductFilter{Limit: dealdesk.MaxPageSize}
	for {
		ps, next, err := w.store.FindProducts(ctx, f)
		if err != nil {
			return "", err
		}
		for _, p := range ps {
			if p.ProductCode == code {
				return p.ID, nil
			}
		}
		if next == "" {
			return "", nil
		}
		f.Cursor = next
	}
}
