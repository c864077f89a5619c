package sqldb

import (
	"context"
	"database/sql"
	"errors"

	"github.com/dealdesk/dealdesk"
)

// The publication of each opportunity on AWS (dealdesk.PublishStore, decision 015).

var _ dealdesk.PublishStore = (*DB)(nil)

const publicationColumns = `offer_id, attempt, job_id, change_set_id, restrict_change_set_id, restrict_result, updated_at,
	settled, carried_over, restrict_attempt, restrict_job_id, named`

func scanPublication(s rowScanner) (*dealdesk.Publication, error) {
	p := &dealdesk.Publication{}
	err := s.Scan(&p.OfferID, &p.Attempt, &p.JobID, &p.ChangeSetID, &p.RestrictChangeSetID, &p.RestrictResult,
		timeCol{&p.UpdatedAt}, &p.Settled, &p.CarriedOver, &p.RestrictAttempt, &p.RestrictJobID, &p.Named)
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
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
		ON CONFLICT (org_id, offer_id) DO UPDATE SET attempt = $3, job_id = $4, change_set_id = $5,
			restrict_change_set_id = $6, restrict_result = $7, updated_at = $8, settled = $9, carried_over = $10,
			restrict_attempt = $11, restrict_job_id = $12, named = $13`,
		orgID, p.OfferID, p.Attempt, p.JobID, p.ChangeSetID, p.RestrictChangeSetID, p.RestrictResult,
		db.dialect.timeArg(p.UpdatedAt), p.Settled, p.CarriedOver, p.RestrictAttempt, p.RestrictJobID, p.Named)
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
// that job the owner of a new publish attempt (decision 015); when the current attempt is not
// settled, the job owns that attempt instead, carried over, to settle it before any new token
// is used (decision 021). The job is not unique by its
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
	p.JobID = res.Job.ID
	switch {
	case p.Attempt == 0 || p.Settled:
		p.Attempt, p.ChangeSetID, p.Settled, p.CarriedOver, p.Named = p.Attempt+1, "", true, false, false
	default:
		p.CarriedOver = true
	}
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

// UnsettlePublishAttempt records that StartChangeSet is about to be sent with the current
// attempt's token, its change set named after the token (Publication.Named).
func (db *DB) UnsettlePublishAttempt(ctx context.Context, offerID string, attempt int) error {
	return db.withPublication(ctx, offerID, dealdesk.OfferPendingCreate, func(_ *sql.Tx, _ *offerRow, p *dealdesk.Publication) (bool, error) {
		if p.Attempt != attempt {
			return false, staleAttempt(offerID, attempt, p.Attempt)
		}
		p.Settled, p.Named = false, true
		return true, nil
	})
}

// SetPublishChangeSet records the change set of the current attempt.
func (db *DB) SetPublishChangeSet(ctx context.Context, offerID string, attempt int, changeSetID string) error {
	return db.withPublication(ctx, offerID, dealdesk.OfferPendingCreate, func(_ *sql.Tx, _ *offerRow, p *dealdesk.Publication) (bool, error) {
		if p.Attempt != attempt {
			return false, staleAttempt(offerID, attempt, p.Attempt)
		}
		// A carried-over attempt that StartChangeSet answered is this submission's change set
		// (AWS created it now, or had created it for the same request).
		p.ChangeSetID, p.CarriedOver = changeSetID, false
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
		p.Attempt, p.ChangeSetID, p.Settled, p.CarriedOver, p.Named = p.Attempt+1, "", true, false, false
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

// endPublish moves a PENDING_CREATE opportunity to status with externalID and problems, and
// records happened on its timeline, in one transaction; the attempt it ended on is settled
// either way (nothing more can come of it).
func (db *DB) endPublish(ctx context.Context, offerID string, status dealdesk.OfferStatus, externalID string, problems []dealdesk.FieldError,
	happened []dealdesk.TimelineEntry) (*dealdesk.Offer, error) {
	if err := validateHappened(happened); err != nil {
		return nil, err
	}
	var out *dealdesk.Offer
	err := db.withPublication(ctx, offerID, dealdesk.OfferPendingCreate, func(tx *sql.Tx, r *offerRow, p *dealdesk.Publication) (bool, error) {
		r.Status, r.PublishErrors, r.UpdatedAt = status, problems, db.now()
		if externalID != "" {
			r.ExternalID = externalID
		}
		out = r.Offer
		p.Settled, p.CarriedOver = true, false
		if err := db.updateOfferRow(ctx, tx, r); err != nil {
			return false, err
		}
		return true, db.recordHappened(ctx, tx, r.OrgID, dealdesk.SubjectOffer, r.ID, r.ID, happened)
	})
	return out, err
}

// PublishSucceeded makes a PENDING_CREATE opportunity ACTIVE with its resale authorization ID
// and notes as its PublishErrors, and records happened on its timeline.
func (db *DB) PublishSucceeded(ctx context.Context, offerID, resaleAuthorizationID string, notes []dealdesk.FieldError, happened ...dealdesk.TimelineEntry) (*dealdesk.Offer, error) {
	if resaleAuthorizationID == "" {
		return nil, errors.New("sqldb: PublishSucceeded needs the resale authorization ID")
	}
	if len(notes) == 0 {
		notes = nil
	}
	return db.endPublish(ctx, offerID, dealdesk.OfferActive, resaleAuthorizationID, notes, happened)
}

// PublishFailed makes a PENDING_CREATE opportunity CREATE_FAILED with problems as its
// PublishErrors, its attempt settled, and records happened on its timeline.
func (db *DB) PublishFailed(ctx context.Context, offerID string, problems []dealdesk.FieldError, happened ...dealdesk.TimelineEntry) (*dealdesk.Offer, error) {
	return db.endPublish(ctx, offerID, dealdesk.OfferCreateFailed, "", problems, happened)
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

// RestrictionJob returns the publication of CANCELLED opportunity offerID (a new one when it
// has none) and records jobID as its restriction's job while the restriction runs.
func (db *DB) RestrictionJob(ctx context.Context, offerID string, jobID int64) (*dealdesk.Publication, error) {
	var out dealdesk.Publication
	err := db.withPublication(ctx, offerID, dealdesk.OfferCancelled, func(_ *sql.Tx, _ *offerRow, p *dealdesk.Publication) (bool, error) {
		out = *p
		if p.RestrictJobID == jobID || p.RestrictResult != "" {
			return false, nil
		}
		p.RestrictJobID, out.RestrictJobID = jobID, jobID
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// staleRestrict is the error of a write for a restriction attempt that is no longer current.
func staleRestrict(offerID string, attempt, current int) error {
	return dealdesk.Errorf(dealdesk.ECONFLICT, "Opportunity %s is at restriction attempt %d, not %d.", offerID, current, attempt)
}

// restrictAttempt is p's current restriction attempt: 1 for a row from before attempts were
// numbered (its token is RestrictToken either way).
func restrictAttempt(p *dealdesk.Publication) int { return max(p.RestrictAttempt, 1) }

// withRestriction runs fn on the publication of CANCELLED opportunity offerID when attempt is
// its current restriction attempt.
func (db *DB) withRestriction(ctx context.Context, offerID string, attempt int, fn func(tx *sql.Tx, r *offerRow, p *dealdesk.Publication) error) error {
	return db.withPublication(ctx, offerID, dealdesk.OfferCancelled, func(tx *sql.Tx, r *offerRow, p *dealdesk.Publication) (bool, error) {
		if cur := restrictAttempt(p); cur != attempt {
			return false, staleRestrict(offerID, attempt, cur)
		}
		p.RestrictAttempt = attempt
		return true, fn(tx, r, p)
	})
}

// SetRestrictChangeSet records the change set of restriction attempt attempt.
func (db *DB) SetRestrictChangeSet(ctx context.Context, offerID string, attempt int, changeSetID string) error {
	return db.withRestriction(ctx, offerID, attempt, func(_ *sql.Tx, _ *offerRow, p *dealdesk.Publication) error {
		p.RestrictChangeSetID, p.RestrictResult = changeSetID, ""
		return nil
	})
}

// NextRestrictAttempt starts the restriction attempt after attempt, with no change set yet.
func (db *DB) NextRestrictAttempt(ctx context.Context, offerID string, attempt int) (*dealdesk.Publication, error) {
	var out dealdesk.Publication
	err := db.withRestriction(ctx, offerID, attempt, func(_ *sql.Tx, _ *offerRow, p *dealdesk.Publication) error {
		p.RestrictAttempt, p.RestrictChangeSetID, p.RestrictResult = attempt+1, "", ""
		out = *p
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// RestrictEnded records how restriction attempt attempt of a CANCELLED opportunity ended, and
// happened on its timeline, in one transaction; a failure is shown in its PublishErrors, a
// success clears them.
func (db *DB) RestrictEnded(ctx context.Context, offerID string, attempt int, result string, happened ...dealdesk.TimelineEntry) error {
	if err := validateHappened(happened); err != nil {
		return err
	}
	return db.withRestriction(ctx, offerID, attempt, func(tx *sql.Tx, r *offerRow, p *dealdesk.Publication) error {
		endRestriction(r, p, result)
		r.UpdatedAt = db.now()
		if err := db.updateOfferRow(ctx, tx, r); err != nil {
			return err
		}
		return db.recordHappened(ctx, tx, r.OrgID, dealdesk.SubjectOffer, r.ID, r.ID, happened)
	})
}

// endRestriction sets the result of p's restriction and r's PublishErrors to match.
func endRestriction(r *offerRow, p *dealdesk.Publication, result string) {
	p.RestrictResult = dealdesk.Clip(result, 1000)
	r.PublishErrors = nil
	if p.RestrictFailed() {
		r.PublishErrors = []dealdesk.FieldError{{Field: "restriction", Message: dealdesk.Clip("The resale authorization "+
			r.ExternalID+" is not restricted on AWS Marketplace: "+result+" Cancel the opportunity again to retry.", 512)}}
	}
}

// NoteRestrictProblem sets the PublishErrors of a CANCELLED opportunity whose restriction
// attempt attempt has not ended.
func (db *DB) NoteRestrictProblem(ctx context.Context, offerID string, attempt int, problems []dealdesk.FieldError) error {
	return db.withRestriction(ctx, offerID, attempt, func(tx *sql.Tx, r *offerRow, p *dealdesk.Publication) error {
		if p.RestrictResult != "" {
			return dealdesk.Errorf(dealdesk.ECONFLICT, "The restriction of opportunity %s has ended.", offerID)
		}
		r.PublishErrors = problems
		return db.updateOfferRow(ctx, tx, r)
	})
}

// restartRestriction is CancelOffer on a CANCELLED opportunity r whose restriction failed: it
// starts the next restriction attempt, clears the failure from PublishErrors and inserts the
// restrict job (not unique by its arguments, like the publish job: the failed attempt's job
// may still be being marked completed). Any other CANCELLED opportunity is ECONFLICT.
func (db *DB) restartRestriction(ctx context.Context, tx *sql.Tx, r *offerRow) error {
	p, err := db.findPublication(ctx, tx, r.OrgID, r.ID)
	if err != nil {
		return err
	}
	if p == nil || r.ExternalID == "" || !p.RestrictFailed() {
		return dealdesk.Errorf(dealdesk.ECONFLICT, "Offer %s is CANCELLED and cannot be cancelled again.", r.ID)
	}
	r.PublishErrors, r.UpdatedAt = nil, db.now()
	if err := db.updateOfferRow(ctx, tx, r); err != nil {
		return err
	}
	res, err := db.river.InsertTx(ctx, tx, dealdesk.RestrictOpportunityJob{OrgID: r.OrgID, OfferID: r.ID}, nil)
	if err != nil {
		return err
	}
	p.RestrictAttempt, p.RestrictChangeSetID, p.RestrictResult, p.RestrictJobID = restrictAttempt(p)+1, "", "", res.Job.ID
	return db.savePublication(ctx, tx, r.OrgID, p)
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
