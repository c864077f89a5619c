package sqldb

import (
	"context"
	"database/sql"
	"time"

	"github.com/dealdesk/dealdesk"
)

// findOfferByExternalID returns the offer of type t with an AWS identifier in orgID, or nil.
func (db *DB) findOfferByExternalID(ctx context.Context, q queryer, orgID string, t dealdesk.OfferType, externalID string) (*offerRow, error) {
	if !dealdesk.ValidText(externalID) {
		return nil, nil
	}
	return optionalRow(scanOffer(q.QueryRowContext(ctx, `SELECT `+offerColumns+` FROM offers
		WHERE org_id = $1 AND external_id = $2 AND type = $3`, orgID, externalID, t)))
}

// offerLinkKey names the lock that SaveCPPOOffer and SaveEntitlement take on an AWS offer ID.
func offerLinkKey(orgID, offerExternalID string) string {
	return "offer link " + orgID + " " + offerExternalID
}

// SaveCPPOOffer creates or updates the CPPO offer with o.ExternalID (the AWS offer ID) and links
// it to the opportunity whose resale authorization is resaleAuthorizationID when that is known.
// The resale authorization is kept, so an offer that arrives before its opportunity is published
// still shows in the opportunity's chain; entitlements that arrived before the offer are linked
// to it now. o is merged into the stored offer under its row lock by Offer.MergeReport, so a
// late report never undoes a newer one; a new offer without a status is ACTIVE. The entries of
// happened are recorded on the offer's timeline in the same transaction.
func (db *DB) SaveCPPOOffer(ctx context.Context, o *dealdesk.Offer, resaleAuthorizationID string, happened ...dealdesk.TimelineEntry) (*dealdesk.Offer, error) {
	orgID, err := dealdesk.RequireOrgID(ctx)
	if err != nil {
		return nil, err
	}
	if err := dealdesk.ValidateCPPOOffer(o, resaleAuthorizationID); err != nil {
		return nil, err
	}
	if err := validateHappened(happened); err != nil {
		return nil, err
	}
	base := *o
	base.ReportedAt = reportTime(base.ReportedAt)
	now := db.now()
	return inTxValue(ctx, db.inTxRetry, func(tx *sql.Tx) (*dealdesk.Offer, error) {
		// Takes turns with SaveEntitlement of an agreement on this offer, so that whichever
		// commits last sees the other and links the entitlement.
		if err := db.lockKey(ctx, tx, offerLinkKey(orgID, base.ExternalID)); err != nil {
			return nil, err
		}
		in := base
		existing, err := optionalRow(scanOffer(tx.QueryRowContext(ctx, `SELECT `+offerColumns+` FROM offers
			WHERE org_id = $1 AND external_id = $2`+db.dialect.forUpdate, orgID, in.ExternalID)))
		if err != nil {
			return nil, err
		}
		if existing != nil && existing.Type != dealdesk.OfferCPPO {
			return nil, dealdesk.Errorf(dealdesk.ECONFLICT, "The identifier %q belongs to a %s offer.", in.ExternalID, existing.Type)
		}
		r := &offerRow{Offer: &in, resaleAuthorizationID: resaleAuthorizationID}
		in.Type, in.OrgID, in.UpdatedAt, in.OpportunityID = dealdesk.OfferCPPO, orgID, now, ""
		if existing != nil {
			in.ID, in.CreatedAt, in.OpportunityID = existing.ID, existing.CreatedAt, existing.OpportunityID
			if r.resaleAuthorizationID == "" {
				r.resaleAuthorizationID = existing.resaleAuthorizationID
			}
			in.MergeReport(existing.Offer)
		} else {
			in.ID, in.CreatedAt = dealdesk.NewID(dealdesk.PrefixOffer, now), now
			if in.Status == "" {
				in.Status = dealdesk.OfferActive
			}
		}
		if r.resaleAuthorizationID != "" {
			opp, err := db.findOfferByExternalID(ctx, tx, orgID, dealdesk.OfferCPPOOut, r.resaleAuthorizationID)
			if err != nil {
				return nil, err
			}
			if opp != nil {
				in.OpportunityID = opp.ID
				if in.ProductID == "" {
					in.ProductID = opp.ProductID
				}
				if in.ResellerAccountID == "" {
					in.ResellerAccountID = opp.ResellerAccountID
				}
			}
		}
		if err := checkProductRef(ctx, tx, orgID, in.ProductID); err != nil {
			return nil, err
		}
		if existing == nil {
			err = db.insertOffer(ctx, tx, r)
		} else {
			err = db.updateOfferRow(ctx, tx, r)
		}
		if err != nil {
			return nil, err
		}
		// Entitlements whose agreement arrived before this offer.
		if _, err := tx.ExecContext(ctx, `UPDATE entitlements SET offer_id = $1,
			opportunity_id = COALESCE($2, opportunity_id), product_id = COALESCE(product_id, $3), updated_at = $4
			WHERE org_id = $5 AND offer_external_id = $6 AND (offer_id IS NULL OR offer_id <> $1 OR opportunity_id IS NULL)`,
			in.ID, nullString(in.OpportunityID), nullString(in.ProductID), db.dialect.timeArg(now), orgID, in.ExternalID); err != nil {
			return nil, err
		}
		onOffer, used := splitUsed(happened)
		if err := db.recordHappened(ctx, tx, orgID, dealdesk.SubjectOffer, in.ID, in.OpportunityID, onOffer); err != nil {
			return nil, err
		}
		if err := db.useOneTimeOpportunity(ctx, tx, orgID, in.OpportunityID, in.ExternalID, append(used, onOffer...), now); err != nil {
			return nil, err
		}
		return r.Offer, nil
	})
}

// reportTime is a report's time as the store keeps it: UTC, to the microsecond (decision 001).
func reportTime(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC().Truncate(time.Microsecond)
}

// splitUsed separates the entries of kind USED, which are about the opportunity, from those
// recorded on the CPPO offer (dealdesk.OfferService.SaveCPPOOffer).
func splitUsed(happened []dealdesk.TimelineEntry) (onOffer, used []dealdesk.TimelineEntry) {
	for _, e := range happened {
		if e.Kind == dealdesk.TimelineUsed {
			used = append(used, e)
		} else {
			onOffer = append(onOffer, e)
		}
	}
	return onOffer, used
}

// useOneTimeOpportunity moves the one-time opportunity oppID, when ACTIVE, to USED: a reseller
// made its one offer (offerExternalID) from it, and AWS lets a one-time resale authorization
// make no other (AWS Marketplace Seller Guide, "Channel partner private offers": single-use
// authorizations). The move is recorded on the opportunity's timeline with the time, source and
// reference of the report that linked the offer (happened[0]: its USED entry, or its first); it
// is not made without one, so that no status changes unexplained. Reconciliation makes the same
// move from the Catalog when every such report was lost.
func (db *DB) useOneTimeOpportunity(ctx context.Context, tx *sql.Tx, orgID, oppID, offerExternalID string, happened []dealdesk.TimelineEntry, now time.Time) error {
	if oppID == "" || len(happened) == 0 {
		return nil
	}
	res, err := tx.ExecContext(ctx, `UPDATE offers SET status = $1, updated_at = $2
		WHERE org_id = $3 AND id = $4 AND type = $5 AND status = $6 AND one_time`,
		dealdesk.OfferUsed, db.dialect.timeArg(now), orgID, oppID, dealdesk.OfferCPPOOut, dealdesk.OfferActive)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return err
	}
	e := happened[0]
	e.Kind = dealdesk.TimelineUsed
	e.Summary = "The one-time opportunity was used: the reseller made CPPO offer " + offerExternalID + " from it."
	return db.recordHappened(ctx, tx, orgID, dealdesk.SubjectOffer, oppID, oppID, []dealdesk.TimelineEntry{e})
}
