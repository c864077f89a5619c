package sqldb

import (
	"context"
	"database/sql"
	"strconv"
	"time"

	"github.com/dealdesk/dealdesk"
)

const timelineColumns = `id, org_id, opportunity_id, offer_id, entitlement_id, kind, at, source, source_ref, summary, created_at`

func scanTimelineEntry(s rowScanner) (*dealdesk.TimelineEntry, error) {
	e := &dealdesk.TimelineEntry{}
	var offerID, entitlementID string
	err := s.Scan(&e.ID, &e.OrgID, nullStringCol{&e.OpportunityID}, nullStringCol{&offerID}, nullStringCol{&entitlementID},
		&e.Kind, timeCol{&e.At}, &e.Source, &e.SourceRef, &e.Summary, timeCol{&e.CreatedAt})
	if err != nil {
		return nil, err
	}
	e.SubjectType, e.SubjectID = dealdesk.SubjectOffer, offerID
	if entitlementID != "" {
		e.SubjectType, e.SubjectID = dealdesk.SubjectEntitlement, entitlementID
	}
	return e, nil
}

// subjectColumns returns the offer_id and entitlement_id arguments of an entry's subject.
func subjectColumns(e *dealdesk.TimelineEntry) (offerID, entitlementID any) {
	if e.SubjectType == dealdesk.SubjectEntitlement {
		return nil, e.SubjectID
	}
	return e.SubjectID, nil
}

// AddTimelineEntry records e on the timeline of its subject, an offer or an entitlement of the
// caller's organization, and a notification when its kind notifies. When e.OpportunityID is
// empty it is taken from the subject. An entry recorded before (same subject, kind, source and
// source reference) is returned as it was stored, with created false, and nothing is written.
func (db *DB) AddTimelineEntry(ctx context.Context, e dealdesk.TimelineEntry) (*dealdesk.TimelineEntry, bool, error) {
	orgID, err := dealdesk.RequireOrgID(ctx)
	if err != nil {
		return nil, false, err
	}
	if err := validateSubject(&e); err != nil {
		return nil, false, err
	}
	var created bool
	stored, err := inTxValue(ctx, db.inTx, func(tx *sql.Tx) (*dealdesk.TimelineEntry, error) {
		in := e
		in.OrgID = orgID
		var opportunityID string
		var found bool
		var err error
		if in.SubjectType == dealdesk.SubjectOffer {
			var r *offerRow
			if r, err = optionalRow(scanOffer(tx.QueryRowContext(ctx, `SELECT `+offerColumns+` FROM offers
				WHERE org_id = $1 AND id = $2`, orgID, in.SubjectID))); r != nil {
				found, opportunityID = true, r.OpportunityID
				if r.Type == dealdesk.OfferCPPOOut {
					opportunityID = r.ID
				}
			}
		} else {
			var r *entitlementRow
			if r, err = optionalRow(scanEntitlement(tx.QueryRowContext(ctx, `SELECT `+entitlementColumns+` FROM entitlements
				WHERE org_id = $1 AND id = $2`, orgID, in.SubjectID))); r != nil {
				found, opportunityID = true, r.OpportunityID
			}
		}
		if err != nil {
			return nil, err
		}
		if !found {
			var p dealdesk.Problems
			p.Add("subjectId", "is not an offer or entitlement of your organization")
			return nil, p.Err()
		}
		if in.OpportunityID == "" {
			in.OpportunityID = opportunityID
		}
		stored, ok, err := db.addTimelineEntry(ctx, tx, &in)
		created = ok
		return stored, err
	})
	if err != nil {
		return nil, false, err
	}
	return stored, created, nil
}

// validateSubject checks an entry given on its own: the entry's fields and its subject.
func validateSubject(e *dealdesk.TimelineEntry) error {
	var p dealdesk.Problems
	p = append(p, dealdesk.ErrorFields(dealdesk.ValidateTimelineEntry(*e, ""))...)
	switch e.SubjectType {
	case dealdesk.SubjectOffer, dealdesk.SubjectEntitlement:
	default:
		p.Add("subjectType", "%s", dealdesk.OneOf(dealdesk.TimelineSubjects))
	}
	p.CheckText("subjectId", e.SubjectID, 1, dealdesk.MaxExternalIDLength)
	p.CheckText("opportunityId", e.OpportunityID, 0, dealdesk.MaxExternalIDLength)
	return p.Err()
}

// validateHappened checks the entries a save records with its change, naming each bad field
// as happened[i].field.
func validateHappened(happened []dealdesk.TimelineEntry) error {
	var p dealdesk.Problems
	for i, e := range happened {
		p = append(p, dealdesk.ErrorFields(dealdesk.ValidateTimelineEntry(e, "happened["+strconv.Itoa(i)+"]."))...)
	}
	return p.Err()
}

// recordHappened records the entries of a save on the timeline of the row it saved, in the
// save's transaction.
func (db *DB) recordHappened(ctx context.Context, tx *sql.Tx, orgID string, subject dealdesk.TimelineSubject, subjectID,
	opportunityID string, happened []dealdesk.TimelineEntry) error {
	for _, e := range happened {
		e.OrgID, e.SubjectType, e.SubjectID, e.OpportunityID = orgID, subject, subjectID, opportunityID
		if _, _, err := db.addTimelineEntry(ctx, tx, &e); err != nil {
			return err
		}
	}
	return nil
}

// addTimelineEntry inserts e (its organization, subject and opportunity set) in tx unless the
// same entry is recorded already, and the notification of a new entry whose kind notifies. It
// returns the stored entry and whether it is new. Concurrent writers of one entry are kept
// apart by the unique index timeline_entries_once: on PostgreSQL the second insert waits for
// the first to commit and then inserts nothing.
func (db *DB) addTimelineEntry(ctx context.Context, tx *sql.Tx, e *dealdesk.TimelineEntry) (*dealdesk.TimelineEntry, bool, error) {
	now := db.now()
	e.ID, e.CreatedAt = dealdesk.NewID(dealdesk.PrefixTimelineEntry, now), now
	e.At = e.At.UTC().Truncate(time.Microsecond)
	offerID, entitlementID := subjectColumns(e)
	rows, err := queryRows(ctx, tx, func(s rowScanner) (string, error) {
		var id string
		return id, s.Scan(&id)
	}, `INSERT INTO timeline_entries (`+timelineColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
		ON CONFLICT DO NOTHING RETURNING id`,
		e.ID, e.OrgID, nullString(e.OpportunityID), offerID, entitlementID, e.Kind, db.dialect.timeArg(e.At), e.Source,
		e.SourceRef, e.Summary, db.dialect.timeArg(e.CreatedAt))
	if err != nil {
		return nil, false, err
	}
	if len(rows) == 0 {
		stored, err := scanTimelineEntry(tx.QueryRowContext(ctx, `SELECT `+timelineColumns+` FROM timeline_entries
			WHERE org_id = $1 AND COALESCE(offer_id, entitlement_id) = $2 AND kind = $3 AND source = $4 AND source_ref = $5`,
			e.OrgID, e.SubjectID, e.Kind, e.Source, e.SourceRef))
		return stored, false, err
	}
	if e.Kind.Notifies() {
		if err := db.insertNotification(ctx, tx, e); err != nil {
			return nil, false, err
		}
	}
	return e, true, nil
}

// timelineOrder is the order of a timeline: when things happened, then, for steps reported at
// the same instant, by source reference and kind, so that the order does not depend on the
// order the reports arrived in.
const timelineOrder = ` ORDER BY at, source_ref, kind, id`
