package sqldb

import (
	"context"
	"database/sql"
	"errors"

	"github.com/dealdesk/dealdesk"
)

// EndOpportunity moves the caller's organization's ACTIVE opportunity with resale authorization
// resaleAuthorizationID to status and records happened on its timeline, in one transaction
// (dealdesk.ReconcileStore; decision 018). It changes nothing, and reports false, when no such
// opportunity is ACTIVE.
func (db *DB) EndOpportunity(ctx context.Context, resaleAuthorizationID string, status dealdesk.OfferStatus, happened ...dealdesk.TimelineEntry) (bool, error) {
	orgID, err := dealdesk.RequireOrgID(ctx)
	if err != nil {
		return false, err
	}
	var p dealdesk.Problems
	if status != dealdesk.OfferCancelled && status != dealdesk.OfferExpired && status != dealdesk.OfferUsed {
		p.Add("status", "must be CANCELLED, EXPIRED or USED")
	}
	if !dealdesk.ValidText(resaleAuthorizationID) || resaleAuthorizationID == "" {
		p.Add("resaleAuthorizationId", "is required")
	}
	if err := p.Err(); err != nil {
		return false, err
	}
	if err := validateHappened(happened); err != nil {
		return false, err
	}
	now := db.now()
	changed := false
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		var id string
		err := tx.QueryRowContext(ctx, `SELECT id FROM offers WHERE org_id = $1 AND type = $2 AND external_id = $3 AND status = $4`+
			db.dialect.forUpdate, orgID, dealdesk.OfferCPPOOut, resaleAuthorizationID, dealdesk.OfferActive).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		} else if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE offers SET status = $1, updated_at = $2 WHERE org_id = $3 AND id = $4`,
			status, db.dialect.timeArg(now), orgID, id); err != nil {
			return err
		}
		changed = true
		return db.recordHappened(ctx, tx, orgID, dealdesk.SubjectOffer, id, id, happened)
	})
	return changed, err
}
