package sqldb

import (
	"context"
	"database/sql"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/dealdesk/dealdesk"
)

// CreateOffer validates and stores a CPPO_OUT opportunity as DRAFT. With draft set, missing
// fields are allowed but present ones are checked. The product must be in the caller's
// organization; any other productId is a bad field.
func (db *DB) CreateOffer(ctx context.Context, in dealdesk.OfferInput, draft bool) (*dealdesk.Offer, error) {
	orgID, err := dealdesk.RequireOrgID(ctx)
	if err != nil {
		return nil, err
	}
	if err := dealdesk.ValidateOfferType(in.Type); err != nil {
		return nil, err
	}
	now := db.now()
	o := dealdesk.NewOpportunity(in)
	o.ID, o.OrgID, o.Status = dealdesk.NewID(dealdesk.PrefixOffer, now), orgID, dealdesk.OfferDraft
	o.CreatedAt, o.UpdatedAt = now, now
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		if err := db.validateOpportunity(ctx, tx, o, now, !draft); err != nil {
			return err
		}
		return db.insertOffer(ctx, tx, &offerRow{Offer: o})
	})
	if err != nil {
		return nil, err
	}
	return o, nil
}

// validateOpportunity looks the offer's product up in the offer's organization (nil when absent
// or another organization's) and checks the offer against it.
func (db *DB) validateOpportunity(ctx context.Context, tx *sql.Tx, o *dealdesk.Offer, now time.Time, complete bool) error {
	var product *dealdesk.Product
	if o.ProductID != "" {
		var err error
		if product, err = findProduct(ctx, tx, o.OrgID, o.ProductID); err != nil {
			return err
		}
	}
	return dealdesk.ValidateOpportunity(o, product, dealdesk.DateOf(now), complete)
}

// editableOpportunity locks offer id of the caller's organization and checks that it is an
// opportunity that may still be changed.
func (db *DB) editableOpportunity(ctx context.Context, tx *sql.Tx, id, action string) (*offerRow, error) {
	orgID, err := dealdesk.RequireOrgID(ctx)
	if err != nil {
		return nil, err
	}
	r, err := db.findOffer(ctx, tx, orgID, id, true)
	if err != nil {
		return nil, err
	}
	if r.Type != dealdesk.OfferCPPOOut {
		return nil, dealdesk.Errorf(dealdesk.ECONFLICT, "Offer %s is a %s offer from AWS Marketplace and cannot be %s.", id, r.Type, action)
	}
	if !r.Status.Editable() {
		return nil, dealdesk.Errorf(dealdesk.ECONFLICT, "Offer %s is %s; only DRAFT or CREATE_FAILED offers can be %s.", id, r.Status, action)
	}
	return r, nil
}

// UpdateOffer changes the present fields of a DRAFT or CREATE_FAILED opportunity, which becomes
// DRAFT again; the result is checked as a draft.
func (db *DB) UpdateOffer(ctx context.Context, id string, in dealdesk.OfferInput) (*dealdesk.Offer, error) {
	return inTxValue(ctx, db.inTx, func(tx *sql.Tx) (*dealdesk.Offer, error) {
		r, err := db.editableOpportunity(ctx, tx, id, "changed")
		if err != nil {
			return nil, err
		}
		if in.Type != nil && *in.Type != r.Type {
			var p dealdesk.Problems
			p.Add("type", "cannot be changed")
			return nil, p.Err()
		}
		now := db.now()
		dealdesk.ApplyOfferInput(r.Offer, in)
		if err := db.validateOpportunity(ctx, tx, r.Offer, now, false); err != nil {
			return nil, err
		}
		r.Status, r.PublishErrors, r.UpdatedAt = dealdesk.OfferDraft, nil, now
		if err := db.updateOfferRow(ctx, tx, r); err != nil {
			return nil, err
		}
		return r.Offer, nil
	})
}

// jobUniqueStates keep a second identical job out while the first is waiting or running; a
// completed one does not block, so an opportunity whose publish failed can be submitted again.
var jobUniqueStates = []rivertype.JobState{
	rivertype.JobStateAvailable,
	rivertype.JobStatePending,
	rivertype.JobStateRetryable,
	rivertype.JobStateRunning,
	rivertype.JobStateScheduled,
}

// jobInsertOpts makes jobs unique by their arguments.
func jobInsertOpts() *river.InsertOpts {
	return &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: jobUniqueStates}}
}

// SubmitOffer validates the opportunity completely and moves it to PENDING_CREATE, inserting the
// publish job and starting the next publish attempt in the same transaction (publish.go).
func (db *DB) SubmitOffer(ctx context.Context, id string) (*dealdesk.Offer, error) {
	return inTxValue(ctx, db.inTx, func(tx *sql.Tx) (*dealdesk.Offer, error) {
		r, err := db.editableOpportunity(ctx, tx, id, "submitted")
		if err != nil {
			return nil, err
		}
		now := db.now()
		if err := db.validateOpportunity(ctx, tx, r.Offer, now, true); err != nil {
			return nil, err
		}
		r.Status, r.PublishErrors, r.UpdatedAt = dealdesk.OfferPendingCreate, nil, now
		return r.Offer, db.submitForPublishing(ctx, tx, r)
	})
}

// CancelOffer withdraws an opportunity: a DRAFT or CREATE_FAILED one at once; an ACTIVE one
// becomes CANCELLED and a job to restrict its resale authorization is inserted in the same
// transaction; a CANCELLED one whose restriction failed gets a new restriction (decision 021).
// Any other status is ECONFLICT.
func (db *DB) CancelOffer(ctx context.Context, id string) (*dealdesk.Offer, error) {
	orgID, err := dealdesk.RequireOrgID(ctx)
	if err != nil {
		return nil, err
	}
	return inTxValue(ctx, db.inTx, func(tx *sql.Tx) (*dealdesk.Offer, error) {
		r, err := db.findOffer(ctx, tx, orgID, id, true)
		if err != nil {
			return nil, err
		}
		if r.Type != dealdesk.OfferCPPOOut {
			return nil, dealdesk.Errorf(dealdesk.ECONFLICT, "Offer %s is a %s offer from AWS Marketplace and cannot be cancelled here.", id, r.Type)
		}
		var job river.JobArgs
		switch r.Status {
		case dealdesk.OfferDraft, dealdesk.OfferCreateFailed:
		case dealdesk.OfferCancelled: // again, after its restriction failed (publish.go)
			return r.Offer, db.restartRestriction(ctx, tx, r)
		case dealdesk.OfferActive:
			job = dealdesk.RestrictOpportunityJob{OrgID: r.OrgID, OfferID: r.ID}
		default:
			return nil, dealdesk.Errorf(dealdesk.ECONFLICT, "Offer %s is %s and cannot be cancelled.", id, r.Status)
		}
		r.Status, r.UpdatedAt = dealdesk.OfferCancelled, db.now()
		if job == nil {
			return r.Offer, db.updateOfferRow(ctx, tx, r)
		}
		if err := db.updateOfferRow(ctx, tx, r); err != nil {
			return nil, err
		}
		res, err := db.river.InsertTx(ctx, tx, job, jobInsertOpts())
		if err != nil {
			return nil, err
		}
		// The restriction's job, so that the orphaned-publications check finds it if it dies
		// before its first run (decision 021).
		_, err = tx.ExecContext(ctx, `UPDATE publications SET restrict_job_id = $1 WHERE org_id = $2 AND offer_id = $3`,
			res.Job.ID, r.OrgID, r.ID)
		return r.Offer, err
	})
}

// DeleteOffer deletes a DRAFT or CREATE_FAILED opportunity. One that CPPO offers or entitlements
// refer to (a CREATE_FAILED opportunity that AWS gave a resale authorization) is ECONFLICT: it
// can be cancelled instead.
func (db *DB) DeleteOffer(ctx context.Context, id string) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		r, err := db.editableOpportunity(ctx, tx, id, "deleted")
		if err != nil {
			return err
		}
		return db.deleteParent(ctx, tx, "Offer "+r.ID+" cannot be deleted: CPPO offers or entitlements are linked to it; cancel it instead.",
			`DELETE FROM offers WHERE org_id = $1 AND id = $2`, r.OrgID, r.ID)
	})
}
