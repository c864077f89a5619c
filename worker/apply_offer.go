package worker

import (
	"context"
	"fmt"
	"strings"

	"github.com/dealdesk/dealdesk"
)

// applyOfferReleased stores a channel partner's offer ("Offer Released" with a seller of record
// other than the manufacturer) as a CPPO offer linked to its opportunity. AWS's event does not
// name the resale authorization the offer was made from, nor the reseller's markup: both are
// read from the Catalog (DescribeOffer) with the organization's AWS connection. Without a
// connection, or when the Catalog does not know the offer, the offer is saved unlinked and the
// event's note says so; reconciliation links it later. A retryable Catalog error is returned.
func (w *ApplyEventWorker) applyOfferReleased(ctx context.Context, ev *dealdesk.AWSEvent) (outcome, error) {
	r := ev.Offer
	if !r.IsCPPO() {
		return outcome{status: dealdesk.InboxUnknown,
			note: fmt.Sprintf("offer %s is the manufacturer's own offer, not a channel partner's", r.OfferID)}, nil
	}
	o := &dealdesk.Offer{
		Type: dealdesk.OfferCPPO, Status: dealdesk.OfferActive, ExternalID: r.OfferID, Name: r.OfferName,
		ResellerAccountID: r.SellerOfRecord.AccountID, BuyerAccountIDs: r.TargetedBuyerAccountIDs, ReportedAt: ev.Time,
	}
	if !r.ExpirationDate.IsZero() {
		d := dealdesk.DateOf(r.ExpirationDate)
		o.ExpiryDate = &d
	}
	raID := r.ResaleAuthorizationID
	var notes []string
	if raID == "" || o.MarkupPercentage == nil {
		c, note, err := w.describeOffer(ctx, r.OfferID)
		if err != nil {
			return outcome{}, err
		}
		if note != "" {
			notes = append(notes, note)
		}
		if c != nil {
			if raID == "" {
				raID = c.ResaleAuthorizationID
			}
			o.MarkupPercentage = c.Offer.MarkupPercentage
			if len(o.BuyerAccountIDs) == 0 {
				o.BuyerAccountIDs = c.Offer.BuyerAccountIDs
			}
			if o.ExpiryDate == nil {
				o.ExpiryDate = c.Offer.ExpiryDate
			}
		}
	}
	productID, err := w.productByExternalID(ctx, r.ProductID)
	if err != nil {
		return outcome{}, err
	}
	o.ProductID = productID
	if raID == "" {
		notes = append(notes, "saved without its opportunity: the resale authorization is not known yet")
	}
	summary := fmt.Sprintf("Reseller %s released CPPO offer %s", r.SellerOfRecord.AccountID, r.OfferID)
	if len(r.TargetedBuyerAccountIDs) > 0 {
		summary += " for buyer " + strings.Join(r.TargetedBuyerAccountIDs, ", ")
	}
	if _, err := w.store.SaveCPPOOffer(ctx, o, raID, happened(ev, dealdesk.TimelineCPPOOfferCreated, summary)); err != nil {
		return outcome{}, err
	}
	return applied("%s", strings.Join(notes, "; ")), nil
}

// describeOffer reads offerID from the Catalog with the organization's AWS connection. It
// returns a note instead of the offer when there is no connection or the Catalog does not have
// the offer, and an error for what may succeed later.
func (w *ApplyEventWorker) describeOffer(ctx context.Context, offerID string) (*dealdesk.CatalogOffer, string, error) {
	if w.catalog == nil {
		return nil, "the Catalog is not configured: resale authorization and markup not read", nil
	}
	conn, err := w.store.AWSConnectionWithSecret(ctx)
	if isNotFound(err) {
		return nil, "no AWS connection: resale authorization and markup not read from the Catalog", nil
	} else if err != nil {
		return nil, "", err
	}
	c, err := w.catalog.DescribeOffer(ctx, conn, offerID)
	switch {
	case err == nil && c != nil && c.Offer != nil:
		return c, "", nil
	case err == nil:
		return nil, "the Catalog answered no offer " + offerID, nil
	case dealdesk.Retryable(err):
		return nil, "", err
	case awsNotFound(err):
		return nil, "the Catalog does not show offer " + offerID + " (yet)", nil
	}
	return nil, "reading offer " + offerID + " from the Catalog failed: " + err.Error(), nil
}
