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
	if f.Type != "" && !f.Type.Valid() {
		p.Add("type", "must be one of CPPO_OUT, CPPO, PRIVATE")
	}
	if f.Status != "" && !f.Status.Valid() {
		p.Add("status", "is not a known offer status")
	}
	checkFilterText(&p, map[string]string{"productId": f.ProductID, "resellerAccountId": f.ResellerAccountID,
		"opportunityId": f.OpportunityID})
	after, cursorErr := decodeCursor(f.Cursor, dealdesk.PrefixOffer)
	p = append(p, dealdesk.ErrorFields(cursorErr)...)
	if err := p.Err(); err != nil {
		return nil, "", err
	}
	var w where
	w.add("org_id = ?", orgID)
	if f.Type != "" {
		w.add("type = ?", f.Type)
	}
	if f.Status != "" {
		w.add("status = ?", f.Status)
	}
	if f.ProductID != "" {
		w.add("product_id = ?", f.ProductID)
	}
	if f.ResellerAccountID != "" {
		w.add("reseller_account_id = ?", f.ResellerAccountID)
	}
	if f.OpportunityID != "" {
		// Linked when saved, or made from the opportunity's resale authorization before it was known.
		w.add("(opportunity_id = ? OR resale_authorization_id IN (SELECT external_id FROM offers"+
			" WHERE org_id = ? AND id = ? AND type = ?))", f.OpportunityID, orgID, f.OpportunityID, dealdesk.OfferCPPOOut)
	}
	if after != "" {
		w.add("id < ?", after)
	}
	limit := pageLimit(f.Limit)
	offers, err := db.queryOffers(ctx, `SELECT `+offerColumns+` FROM offers`+w.String()+
		` ORDER BY id DESC LIMIT `+w.arg(limit+1), w.args...)
	if err != nil {
		return nil, "", err
	}
	return page(offers, limit, func(o *dealdesk.Offer) string { return o.ID })
}

// queryOffers runs a query selecting offerColumns.
func (db *DB) queryOffers(ctx context.Context, query string, args ...any) ([]*dealdesk.Offer, error) {
	rows, err := db.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*dealdesk.Offer{}
	for rows.Next() {
		r, err := scanOffer(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r.Offer)
	}
	return out, rows.Err()
}
