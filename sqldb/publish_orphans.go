package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/dealdesk/dealdesk"
)

// liveJobStates are the states of a River job that will still run (river_job.state); a job
// in any other state (completed, cancelled, discarded) or no longer in the table will not.
const liveJobStates = `('available', 'pending', 'retryable', 'running', 'scheduled')`

// orphanedPublicationsQuery lists the opportunities of every organization whose publication
// waits for a job that will not run: PENDING_CREATE with a dead publish job, and CANCELLED
// with a resale authorization and a restriction that has not ended, worked by a dead job.
const orphanedPublicationsQuery = `SELECT p.org_id, p.offer_id, o.status, p.job_id, p.restrict_job_id
	FROM publications p JOIN offers o ON o.org_id = p.org_id AND o.id = p.offer_id
	WHERE o.type = $1 AND (
		(o.status = $2 AND NOT EXISTS (SELECT 1 FROM river_job j WHERE j.id = p.job_id AND j.state IN ` + liveJobStates + `))
		OR (o.status = $3 AND o.external_id <> '' AND p.restrict_result = '' AND p.restrict_job_id <> 0
			AND NOT EXISTS (SELECT 1 FROM river_job j WHERE j.id = p.restrict_job_id AND j.state IN ` + liveJobStates + `)))
	ORDER BY p.org_id, p.offer_id`

// RestartOrphanedPublications implements dealdesk.PublishStore: each orphan is handled in its
// own transaction, after locking the opportunity and checking again that its job is dead.
func (db *DB) RestartOrphanedPublications(ctx context.Context) ([]dealdesk.OrphanedPublication, error) {
	type candidate struct {
		orgID, offerID string
		status         dealdesk.OfferStatus
		jobID, rjobID  int64
	}
	found, err := queryRows(ctx, db.db, func(s rowScanner) (candidate, error) {
		var c candidate
		return c, s.Scan(&c.orgID, &c.offerID, &c.status, &c.jobID, &c.rjobID)
	}, orphanedPublicationsQuery, dealdesk.OfferCPPOOut, dealdesk.OfferPendingCreate, dealdesk.OfferCancelled)
	if err != nil {
		return nil, db.mapError(err)
	}
	var out []dealdesk.OrphanedPublication
	var errs []error
	for _, c := range found {
		octx := dealdesk.NewContextWithOrgID(ctx, c.orgID)
		var o *dealdesk.OrphanedPublication
		if c.status == dealdesk.OfferPendingCreate {
			o, err = db.restartPublish(octx, c.offerID, c.jobID)
		} else {
			o, err = db.endOrphanedRestriction(octx, c.offerID, c.rjobID)
		}
		switch {
		case dealdesk.ErrorCode(err) == dealdesk.ECONFLICT || dealdesk.ErrorCode(err) == dealdesk.ENOTFOUND:
			// it moved on meanwhile
		case err != nil:
			errs = append(errs, fmt.Errorf("opportunity %s: %w", c.offerID, err))
		case o != nil:
			out = append(out, *o)
		}
	}
	return out, errors.Join(errs...)
}

// jobLive reports whether River job id will still run.
func jobLive(ctx context.Context, tx *sql.Tx, id int64) (bool, error) {
	var n int
	err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM river_job WHERE id = $1 AND state IN `+liveJobStates, id).Scan(&n)
	return n > 0, err
}

// restartPublish gives PENDING_CREATE opportunity offerID, whose publish job deadJob will not
// run, a new publish job that owns the same attempt (so the same token, settled or not), and
// says so in its PublishErrors; nil when the job is live again or another owns the attempt.
func (db *DB) restartPublish(ctx context.Context, offerID string, deadJob int64) (*dealdesk.OrphanedPublication, error) {
	var out *dealdesk.OrphanedPublication
	err := db.withPublication(ctx, offerID, dealdesk.OfferPendingCreate, func(tx *sql.Tx, r *offerRow, p *dealdesk.Publication) (bool, error) {
		if p.JobID != deadJob {
			return false, nil
		}
		if live, err := jobLive(ctx, tx, p.JobID); err != nil || live {
			return false, err
		}
		res, err := db.river.InsertTx(ctx, tx, dealdesk.PublishOpportunityJob{OrgID: r.OrgID, OfferID: r.ID}, nil)
		if err != nil {
			return false, err
		}
		p.JobID = res.Job.ID
		r.PublishErrors = []dealdesk.FieldError{{Field: "opportunity", Message: "The publish job stopped before the outcome was known " +
			"(see the service's logs); a new one continues the same attempt."}}
		r.UpdatedAt = db.now()
		out = &dealdesk.OrphanedPublication{OrgID: r.OrgID, OfferID: r.ID, DeadJobID: deadJob, NewJobID: res.Job.ID}
		return true, db.updateOfferRow(ctx, tx, r)
	})
	return out, err
}

// endOrphanedRestriction ends the restriction of CANCELLED opportunity offerID, whose restrict
// job deadJob will not run, as failed, so that the vendor sees it and may cancel again (which
// reads the resale authorization first: one restricted already is the restriction's success).
func (db *DB) endOrphanedRestriction(ctx context.Context, offerID string, deadJob int64) (*dealdesk.OrphanedPublication, error) {
	var out *dealdesk.OrphanedPublication
	err := db.withPublication(ctx, offerID, dealdesk.OfferCancelled, func(tx *sql.Tx, r *offerRow, p *dealdesk.Publication) (bool, error) {
		if p.RestrictJobID != deadJob || p.RestrictResult != "" || r.ExternalID == "" {
			return false, nil
		}
		if live, err := jobLive(ctx, tx, deadJob); err != nil || live {
			return false, err
		}
		endRestriction(r, p, "FAILED: the restriction job stopped before AWS's answer was known (see the service's logs).")
		r.UpdatedAt = db.now()
		if err := db.updateOfferRow(ctx, tx, r); err != nil {
			return false, err
		}
		ref := p.RestrictChangeSetID
		if ref == "" {
			ref = dealdesk.RestrictAttemptToken(r.ID, restrictAttempt(p))
		}
		entry := dealdesk.TimelineEntry{Kind: dealdesk.TimelineRestrictFailed, At: db.now(), Source: dealdesk.SourceCall, SourceRef: ref,
			Summary: "The restriction of resale authorization " + r.ExternalID + " stopped before AWS's answer was known: it may still " +
				"be available to the reseller. Cancel the opportunity again to retry."}
		if err := db.recordHappened(ctx, tx, r.OrgID, dealdesk.SubjectOffer, r.ID, r.ID, []dealdesk.TimelineEntry{entry}); err != nil {
			return false, err
		}
		out = &dealdesk.OrphanedPublication{OrgID: r.OrgID, OfferID: r.ID, Restrict: true, DeadJobID: deadJob}
		return true, nil
	})
	return out, err
}
