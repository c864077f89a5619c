package sqldb

import (
	"context"
	"database/sql"
	"errors"

	"github.com/dealdesk/dealdesk"
)

// The publication of each opportunity on AWS (dealdesk.PublishStore, decision 015).

var _ dealdesk.PublishStore = (*DB)(nil)

const publicationColumns = `offer_id, attempt, job_id, change_set_id, restrict_change_set_id, restrict_result, updated_at`

func scanPublication(s rowScanner) (*dealdesk.Publication, error) {
	p := &dealdesk.Publication{}
	err := s.Scan(&p.OfferID, &p.Attempt, &p.JobID, &p.ChangeSetID, &p.RestrictChangeSetID, &p.RestrictResult,
		timeCol{&p.UpdatedAt})
	return p, err
}

// findPublication returns the publication of offerID in orgID, or nil when there is none.
func (db *DB) findPublication(ctx context.Context, q queryer, orgID, offerID string) (*dealdesk.Publication, error) {
	return optionalRow(scanPublication(q.QueryRowContext(ctx,
		`SELECT `+publicationColumns+` FROM publications WHERE org_id = $1 AND offer_id = $2`, orgID, offerID)))
}

// savePublication inserts or replaces the publication p of orgID.
func (db *DB) savePublication(ctx context.Context, tx *sql.Tx, orgID string, p *dealdesk.Publication) error {
	p.UpdatedAt = db.now()
	_, err := tx.ExecContext(ctx, `INSERT INTO publications (org_id, `+publicationColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (org_id, offer_id) DO UPDATE SET attempt = $3, job_id = $4, change_set_id = $5,
			restrict_change_set_id = $6, restrict_result = $7, updated_at = $8`,
		orgID, p.OfferID, p.Attempt, p.JobID, p.ChangeSetID, p.RestrictChangeSetID, p.RestrictResult,
		db.dialect.timeArg(p.UpdatedAt))
	return err
}

// withPublication locks opportunity offerID of the caller's organization, checks that it is
// in status want, and runs fn with it and its publication (a new, empty one when there is none).
// fn's publication is saved when fn returns true.
func (db *DB) withPublication(ctx context.Context, offerID string, want dealdesk.OfferStatus,
	fn func(tx *sql.Tx, r *offerRow, p *dealdesk.Publication) (save bool, err error)) error {
	orgID, err := dealdesk.RequireOrgID(ctx)
	if err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *sql.Tx) error {
		r, err := db.findOffer(ctx, tx, orgID, offerID, true)
		if err != nil {
			return err
		}
		if r.Type != dealdesk.OfferCPPOOut {
			return notFound("opportunity", offerID)
		}
		if r.Status != want {
			return dealdesk.Errorf(dealdesk.ECONFLICT, "Opportunity %s is %s, not %s.", offerID, r.Status, want)
		}
		p, err := db.findPublication(ctx, tx, orgID, offerID)
		if err != nil {
			return err
		}
		if p == nil {
			p = &dealdesk.Publication{OfferID: offerID}
		}
		save, err := fn(tx, r, p)
		if err != nil || !save {
			return err
		}
		return db.savePublication(ctx, tx, orgID, p)
	})
}

// submitForPublishing writes the submitted opportunity r, inserts its publish job and makes
// that job the owner of a new publish attempt (decision 015). The job is not unique by its
// arguments: the locked status check already makes one job per submission, and a unique insert
// would be skipped while the previous submission's job, which has just made the opportunity
// CREATE_FAILED, is still being marked completed, leaving the new submission without a job.
func (db *DB) submitForPublishing(ctx context.Context, tx *sql.Tx, r *offerRow) error {
	if err := db.updateOfferRow(ctx, tx, r); err != nil {
		return err
	}
	res, err := db.river.InsertTx(ctx, tx, dealdesk.PublishOpportunityJob{OrgID: r.OrgID, OfferID: r.ID}, nil)
	if err != nil {
		return err
	}
	p, err := db.findPublication(ctx, tx, r.OrgID, r.ID)
	if err != nil {
		return err
	}
	if p == nil {
		p = &dealdesk.Publication{OfferID: r.ID}
	}
	p.Attempt, p.JobID, p.ChangeSetID = p.Attempt+1, res.Job.ID, ""
	return db.savePublication(ctx, tx, r.OrgID, p)
}

// PublishAttempt returns the publication of a PENDING_CREATE opportunity for its job jobID.
func (db *DB) PublishAttempt(ctx context.Context, offerID string, jobID int64) (*dealdesk.Publication, error) {
	var out dealdesk.Publication
	err := db.withPublication(ctx, offerID, dealdesk.OfferPendingCreate, func(_ *sql.Tx, _ *offerRow, p *dealdesk.Publication) (bool, error) {
		if p.JobID != jobID {
			return false, dealdesk.Errorf(dealdesk.ECONFLICT, "Job %d is not the publish job of opportunity %s's submission.", jobID, offerID)
		}
		out = *p
		return false, nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// staleAttempt is the error of a write for an attempt that is no longer the current one.
func staleAttempt(offerID string, attempt, current int) error {
	return dealdesk.Errorf(dealdesk.ECONFLICT, "Opportunity %s is at publish attempt %d, not %d.", offerID, current, attempt)
}

// SetPublishChangeSet records the change set of the current attempt.
func (db *DB) SetPublishChangeSet(ctx context.Context, offerID string, attempt int, changeSetID string) error {
	return db.withPublication(ctx, offerID, dealdesk.OfferPendingCreate, func(_ *sql.Tx, _ *offerRow, p *dealdesk.Publication) (bool, error) {
		if p.Attempt != attempt {
			return false, staleAttempt(offerID, attempt, p.Attempt)
		}
		p.ChangeSetID = changeSetID
		return true, nil
	})
}

// NextPublishAttempt starts the attempt after attempt, with no change set yet.
func (db *DB) NextPublishAttempt(ctx context.Context, offerID string, attempt int) (*dealdesk.Publication, error) {
	var out dealdesk.Publication
	err := db.withPublication(ctx, offerID, dealdesk.OfferPendingCreate, func(_ *sql.Tx, _ *offerRow, p *dealdesk.Publication) (bool, error) {
		if p.Attempt != attempt {
			return false, staleAttempt(offerID, attempt, p.Attempt)
		}
		p.Attempt, p.ChangeSetID = p.Attempt+1, ""
		out = *p
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// NotePublishProblem sets the PublishErrors of a PENDING_CREATE opportunity.
func (db *DB) NotePublishProblem(ctx context.Context, offerID string, problems []dealdesk.FieldError) error {
	return db.withPublication(ctx, offerID, dealdesk.OfferPendingCreate, func(tx *sql.Tx, r *offerRow, _ *dealdesk.Publication) (bool, error) {
		r.PublishErrors = problems
		return false, db.updateOfferRow(ctx, tx, r)
	})
}

// endPublish moves a PENDING_CREATE opportunity to status with externalID and problems.
func (db *DB) endPublish(ctx context.Context, offerID string, status dealdesk.OfferStatus, externalID string, problems []dealdesk.FieldError) (*dealdesk.Offer, error) {
	var out *dealdesk.Offer
	err := db.withPublication(ctx, offerID, dealdesk.OfferPendingCreate, func(tx *sql.Tx, r *offerRow, _ *dealdesk.Publication) (bool, error) {
		r.Status, r.PublishErrors, r.UpdatedAt = status, problems, db.now()
		if externalID != "" {
			r.ExternalID = externalID
		}
		out = r.Offer
		return false, db.updateOfferRow(ctx, tx, r)
	})
	return out, err
}

// PublishSucceeded makes a PENDING_CREATE opportunity ACTIVE with its resale authorization ID.
func (db *DB) PublishSucceeded(ctx context.Context, offerID, resaleAuthorizationID string) (*dealdesk.Offer, error) {
	if resaleAuthorizationID == "" {
		return nil, errors.New("sqldb: PublishSucceeded needs the resale authorization ID")
	}
	return db.endPublish(ctx, offerID, dealdesk.OfferActive, resaleAuthorizationID, nil)
}

// PublishFailed makes a PENDING_CREATE opportunity CREATE_FAILED with problems as its
// PublishErrors.
func (db *DB) PublishFailed(ctx context.Context, offerID string, problems []dealdesk.FieldError) (*dealdesk.Offer, error) {
	return db.endPublish(ctx, offerID, dealdesk.OfferCreateFailed, "", problems)
}

// FindPublication returns an opportunity's publication; ENOTFOUND when it has none.
func (db *DB) FindPublication(ctx context.Context, offerID string) (*dealdesk.Publication, error) {
	orgID, err := dealdesk.RequireOrgID(ctx)
	if err != nil {
		return nil, err
	}
	p, err := db.findPublication(ctx, db.db, orgID, offerID)
	if err != nil {
		return nil, db.mapError(err)
	}
	if p == nil {
		return nil, notFound("publication of opportunity", offerID)
	}
	return p, nil
}

// SetRestrictChangeSet records the change set restricting a CANCELLED opportunity's resale
// authorization.
func (db *DB) SetRestrictChangeSet(ctx context.Context, offerID, changeSetID string) error {
	return db.withPublication(ctx, offerID, dealdesk.OfferCancelled, func(_ *sql.Tx, _ *offerRow, p *dealdesk.Publication) (bool, error) {
		p.RestrictChangeSetID, p.RestrictResult = changeSetID, ""
		return true, nil
	})
}

// RestrictEnded records how the restriction of a CANCELLED opportunity ended.
func (db *DB) RestrictEnded(ctx context.Context, offerID, result string) error {
	return db.withPublication(ctx, offerID, dealdesk.OfferCancelled, func(_ *sql.Tx, _ *offerRow, p *dealdesk.Publication) (bool, error) {
		p.RestrictResult = dealdesk.Clip(result, 1000)
		return true, nil
	})
}

// ExpireOpportunities moves ACTIVE opportunities of every organization whose expiry date is
// before today to EXPIRED and returns them.
func (db *DB) ExpireOpportunities(ctx context.Context, today dealdesk.Date) ([]*dealdesk.Offer, error) {
	var out []*dealdesk.Offer
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT `+offerColumns+` FROM offers
			WHERE type = $1 AND status = $2 AND expiry_date < $3 ORDER BY id`+db.dialect.forUpdate,
			dealdesk.OfferCPPOOut, dealdesk.OfferActive, today.String())
		if err != nil {
			return err
		}
		var expired []*offerRow
		for rows.Next() {
			r, err := scanOffer(rows)
			if err != nil {
				rows.Close()
				return err
			}
			expired = append(expired, r)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return err
		}
		now := db.now()
		for _, r := range expired {
			r.Status, r.UpdatedAt = dealdesk.OfferExpired, now
			if err := db.updateOfferRow(ctx, tx, r); err != nil {
				return err
			}
			out = append(out, r.Offer)
		}
		return nil
	})
	return out, err
}
