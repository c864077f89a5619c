package sqldb

import (
	"context"

	"github.com/dealdesk/dealdesk"
)

// FindOffers lists the organization's offers matching f, newest first, and the next page's cursor.
func (db *DB) FindOffers(ctx context.Context, f dealdesk.OfferFilter) ([]*dealdesk.Offer, string, error) {
	orgID, err := dealdesk.RequireOrgID(ctx)
	if err != nil {
		return nil, "", err
	}
	var p dealdesk.Problems
	checkEnum(&p, "type", f.Type, dealdesk.OfferTypes)
	checkEnum(&p, "status", f.Status, dealdesk.OfferStatuses)
	p.CheckText("nameContains", f.NameContains, 0, dealdesk.MaxOfferNameLength)
	after, err := checkFilters(p, f.Cursor, dealdesk.PrefixOffer, map[string]string{
		"productId": f.ProductID, "resellerAccountId": f.ResellerAccountID, "opportunityId": f.OpportunityID})
	if err != nil {
		return nil, "", err
	}
	var w where
	w.add("org_id = ?", orgID)
	w.eq("type", string(f.Type))
	w.eq("status", string(f.Status))
	w.eq("product_id", f.ProductID)
	w.eq("reseller_account_id", f.ResellerAccountID)
	w.contains(db.dialect, "name", f.NameContains)
	if f.OpportunityID != "" {
		// Linked when saved, or made from the opportunity's resale authorization before it was known.
		w.add("(opportunity_id = ? OR resale_authorization_id IN (SELECT external_id FROM offers"+
			" WHERE org_id = ? AND id = ? AND type = ?))", f.OpportunityID, orgID, f.OpportunityID, dealdesk.OfferCPPOOut)
	}
	return findPage(ctx, db.db, `SELECT `+offerColumns+` FROM offers`, &w, after, f.Limit, scanListedOffer,
		func(o *dealdesk.Offer) string { return o.ID })
}

// scanListedOffer scans an offer without the columns only the store uses, for lists.
func scanListedOffer(s rowScanner) (*dealdesk.Offer, error) {
	r, err := scanOffer(s)
	if err != nil {
		return nil, err
	}
	return r.Offer, nil
}
