package sqldb

import (
	"context"
	"strings"

	"github.com/dealdesk/dealdesk"
)

// FindOfferChain returns an opportunity with the CPPO offers made from it and their entitlements.
// Given a CPPO offer it returns the chain of that offer's opportunity; when the opportunity is
// not known (or for a PRIVATE offer), Opportunity is nil and Offers holds the offer alone.
func (db *DB) FindOfferChain(ctx context.Context, id string) (*dealdesk.OfferChain, error) {
	orgID, err := dealdesk.RequireOrgID(ctx)
	if err != nil {
		return nil, err
	}
	start, err := db.findOffer(ctx, db.db, orgID, id, false)
	if err != nil {
		return nil, err
	}
	var opp *offerRow
	switch {
	case start.Type == dealdesk.OfferCPPOOut:
		opp = start
	case start.OpportunityID != "":
		if opp, err = db.findOffer(ctx, db.db, orgID, start.OpportunityID, false); err != nil {
			return nil, err
		}
	case start.resaleAuthorizationID != "":
		if opp, err = db.findOfferByExternalID(ctx, db.db, orgID, dealdesk.OfferCPPOOut, start.resaleAuthorizationID); err != nil {
			return nil, err
		}
	}
	chain := &dealdesk.OfferChain{Offers: []*dealdesk.Offer{start.Offer}}
	if opp != nil {
		chain.Opportunity = opp.Offer
		var w where
		w.add("org_id = ?", orgID)
		w.add("type = ?", dealdesk.OfferCPPO)
		if opp.ExternalID != "" {
			w.add("(opportunity_id = ? OR resale_authorization_id = ?)", opp.ID, opp.ExternalID)
		} else {
			w.add("opportunity_id = ?", opp.ID)
		}
		if chain.Offers, err = queryRows(ctx, db.db, scanListedOffer, `SELECT `+offerColumns+` FROM offers`+w.String()+` ORDER BY id`, w.args...); err != nil {
			return nil, err
		}
	}
	var w where
	w.add("org_id = ?", orgID)
	var or []string
	if opp != nil {
		or = append(or, "opportunity_id = "+w.arg(opp.ID))
	}
	for _, o := range chain.Offers {
		or = append(or, "offer_id = "+w.arg(o.ID))
		if o.ExternalID != "" {
			or = append(or, "offer_external_id = "+w.arg(o.ExternalID))
		}
	}
	w.conds = append(w.conds, "("+strings.Join(or, " OR ")+")")
	if chain.Entitlements, err = queryRows(ctx, db.db, scanListedEntitlement, `SELECT `+entitlementColumns+` FROM entitlements`+w.String()+` ORDER BY id`, w.args...); err != nil {
		return nil, err
	}
	return chain, nil
}
