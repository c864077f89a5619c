package sqldb

import (
	"context"
	"database/sql"

	"github.com/dealdesk/dealdesk"
)

// FindOfferChain returns an opportunity with the CPPO offers made from it and their entitlements.
// Given a CPPO offer it returns the chain of that offer's opportunity; when the opportunity is
// not known (or for a PRIVATE offer), Opportunity is nil and Offers holds the offer alone. The
// timeline holds the entries of the opportunity, the offers and the entitlements, in the order
// things happened.
// Everything is read in one read-only transaction, so the parts agree with each other, and the
// entitlements are found with sub-selects over the chain's offers, so the query has the same few
// arguments however many offers the opportunity has.
func (db *DB) FindOfferChain(ctx context.Context, id string) (*dealdesk.OfferChain, error) {
	orgID, err := dealdesk.RequireOrgID(ctx)
	if err != nil {
		return nil, err
	}
	var chain *dealdesk.OfferChain
	err = db.readTx(ctx, func(tx *sql.Tx) error {
		start, err := db.findOffer(ctx, tx, orgID, id, false)
		if err != nil {
			return err
		}
		var opp *offerRow
		switch {
		case start.Type == dealdesk.OfferCPPOOut:
			opp = start
		case start.OpportunityID != "":
			if opp, err = db.findOffer(ctx, tx, orgID, start.OpportunityID, false); err != nil {
				return err
			}
		case start.resaleAuthorizationID != "":
			if opp, err = db.findOfferByExternalID(ctx, tx, orgID, dealdesk.OfferCPPOOut, start.resaleAuthorizationID); err != nil {
				return err
			}
		}
		// offers selects the chain's offers: the CPPO offers linked to the opportunity or made
		// from its resale authorization (linked or not yet), else the start offer alone.
		var w where
		org := w.arg(orgID)
		var offers, byOpportunity string
		if opp != nil {
			oppID := w.arg(opp.ID)
			offers = "org_id = " + org + " AND type = " + w.arg(dealdesk.OfferCPPO) + " AND (opportunity_id = " + oppID +
				" OR resale_authorization_id = NULLIF(" + w.arg(opp.ExternalID) + ", ''))"
			byOpportunity = "opportunity_id = " + oppID + " OR "
		} else {
			offers = "org_id = " + org + " AND id = " + w.arg(start.ID)
		}
		chain = &dealdesk.OfferChain{}
		if opp != nil {
			chain.Opportunity = opp.Offer
		}
		if chain.Offers, err = queryRows(ctx, tx, scanListedOffer, `SELECT `+offerColumns+` FROM offers WHERE `+offers+` ORDER BY id`, w.args...); err != nil {
			return err
		}
		entitlements := `org_id = ` + org + ` AND (` + byOpportunity + `offer_id IN (SELECT id FROM offers WHERE ` + offers + `)
				OR offer_external_id IN (SELECT external_id FROM offers WHERE ` + offers + ` AND external_id IS NOT NULL))`
		if chain.Entitlements, err = queryRows(ctx, tx, scanListedEntitlement, `SELECT `+entitlementColumns+` FROM entitlements
			WHERE `+entitlements+` ORDER BY id`, w.args...); err != nil {
			return err
		}
		// The timeline of every part of the chain, found by subject, so that entries recorded
		// before a part was linked to the chain show as well.
		subjects := `offer_id IN (SELECT id FROM offers WHERE ` + offers + `)`
		if opp != nil {
			subjects = `offer_id = ` + w.arg(opp.ID) + ` OR ` + subjects
		}
		chain.Timeline, err = queryRows(ctx, tx, scanTimelineEntry, `SELECT `+timelineColumns+` FROM timeline_entries
			WHERE org_id = `+org+` AND (`+subjects+` OR entitlement_id IN (SELECT id FROM entitlements WHERE `+entitlements+`))`+
			timelineOrder, w.args...)
		return err
	})
	if err != nil {
		return nil, err
	}
	return chain, nil
}
