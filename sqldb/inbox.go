package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"unicode"

	"github.com/dealdesk/dealdesk"
)

// inboxColumns are the columns of an event without its body, for lists; inboxBodyColumns add
// the body.
const (
	inboxColumns     = `id, org_id, channel, event_id, length(body), received_at, status, error, applied_at`
	inboxBodyColumns = inboxColumns + `, body`
)

func scanInboxEvent(s rowScanner, body bool) (*dealdesk.InboxEvent, error) {
	ev := &dealdesk.InboxEvent{}
	dest := []any{&ev.ID, &ev.OrgID, &ev.Channel, &ev.EventID, &ev.BodySize, timeCol{&ev.ReceivedAt}, &ev.Status,
		&ev.Error, nullTimeCol{&ev.AppliedAt}}
	if body {
		dest = append(dest, &ev.Body)
	}
	if err := s.Scan(dest...); err != nil {
		return nil, err
	}
	return ev, nil
}

func scanListedInboxEvent(s rowScanner) (*dealdesk.InboxEvent, error) {
	return scanInboxEvent(s, false)
}

// StoreInboxEvent stores ev once per organization and event ID. A new RECEIVED event is
// stored with an ApplyEventJob in the same transaction; a second delivery of a stored event ID
// returns the stored event, with created false, and writes nothing. The body is kept as it
// came, bytes for bytes.
func (db *DB) StoreInboxEvent(ctx context.Context, ev *dealdesk.InboxEvent) (*dealdesk.InboxEvent, bool, error) {
	orgID, err := dealdesk.RequireOrgID(ctx)
	if err != nil {
		return nil, false, err
	}
	if err := dealdesk.ValidateInboxEvent(ev); err != nil {
		return nil, false, err
	}
	var created bool
	stored, err := inTxValue(ctx, db.inTx, func(tx *sql.Tx) (*dealdesk.InboxEvent, error) {
		now := db.now()
		in := *ev
		in.ID, in.OrgID, in.ReceivedAt, in.BodySize, in.AppliedAt = dealdesk.NewID(dealdesk.PrefixInboxEvent, now), orgID, now, len(ev.Body), nil
		in.Body = append([]byte(nil), ev.Body...)
		if in.Status == "" {
			in.Status = dealdesk.InboxReceived
		}
		// A concurrent delivery of the same event waits here for the first to commit (on
		// PostgreSQL; SQLite runs one writer at a time) and then inserts nothing.
		ids, err := queryRows(ctx, tx, scanID, `INSERT INTO inbox_events (id, org_id, channel, event_id, body, received_at,
			status, error, applied_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL)
			ON CONFLICT (org_id, event_id) DO NOTHING RETURNING id`,
			in.ID, orgID, in.Channel, in.EventID, in.Body, db.dialect.timeArg(now), in.Status, in.Error)
		if err != nil {
			return nil, err
		}
		if len(ids) == 0 {
			return scanInboxEvent(tx.QueryRowContext(ctx, `SELECT `+inboxBodyColumns+` FROM inbox_events
				WHERE org_id = $1 AND event_id = $2`, orgID, in.EventID), true)
		}
		created = true
		if in.Status == dealdesk.InboxReceived {
			job := dealdesk.ApplyEventJob{OrgID: orgID, InboxEventID: in.ID}
			if _, err := db.river.InsertTx(ctx, tx, job, jobInsertOpts()); err != nil {
				return nil, err
			}
		}
		return &in, nil
	})
	if err != nil {
		return nil, false, err
	}
	return stored, created, nil
}

// scanID scans a row of one text column.
func scanID(s rowScanner) (string, error) {
	var id string
	return id, s.Scan(&id)
}

// FindInboxEventByID returns the organization's event id with its body, or ENOTFOUND.
func (db *DB) FindInboxEventByID(ctx context.Context, id string) (*dealdesk.InboxEvent, error) {
	orgID, err := dealdesk.RequireOrgID(ctx)
	if err != nil {
		return nil, err
	}
	if !dealdesk.ValidText(id) {
		return nil, notFound("event", id)
	}
	ev, err := scanInboxEvent(db.db.QueryRowContext(ctx, `SELECT `+inboxBodyColumns+` FROM inbox_events
		WHERE org_id = $1 AND id = $2`, orgID, id), true)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("event", id)
	}
	return ev, err
}

// FindInboxEvents lists the organization's events matching f without their bodies, newest
// first, and the next page's cursor.
func (db *DB) FindInboxEvents(ctx context.Context, f dealdesk.InboxEventFilter) ([]*dealdesk.InboxEvent, string, error) {
	orgID, err := dealdesk.RequireOrgID(ctx)
	if err != nil {
		return nil, "", err
	}
	var p dealdesk.Problems
	checkEnum(&p, "channel", f.Channel, dealdesk.InboxChannels)
	checkEnum(&p, "status", f.Status, dealdesk.InboxStatuses)
	after, err := checkFilters(p, f.Cursor, dealdesk.PrefixInboxEvent, nil)
	if err != nil {
		return nil, "", err
	}
	var w where
	w.add("org_id = ?", orgID)
	w.eq("channel", string(f.Channel))
	w.eq("status", string(f.Status))
	return findPage(ctx, db.db, `SELECT `+inboxColumns+` FROM inbox_events`, &w, after, f.Limit, scanListedInboxEvent,
		func(ev *dealdesk.InboxEvent) string { return ev.ID })
}

// MarkInboxEvent records the outcome of processing the organization's event id. AppliedAt is
// set when status is APPLIED and cleared otherwise.
func (db *DB) MarkInboxEvent(ctx context.Context, id string, status dealdesk.InboxStatus, errText string) (*dealdesk.InboxEvent, error) {
	orgID, err := dealdesk.RequireOrgID(ctx)
	if err != nil {
		return nil, err
	}
	if status == dealdesk.InboxReceived || !status.Valid() {
		var p dealdesk.Problems
		p.Add("status", "must be one of APPLIED, MALFORMED, UNKNOWN, FAILED")
		return nil, p.Err()
	}
	if !dealdesk.ValidText(id) {
		return nil, notFound("event", id)
	}
	var appliedAt any
	if status == dealdesk.InboxApplied {
		appliedAt = db.dialect.timeArg(db.now())
	}
	return inTxValue(ctx, db.inTx, func(tx *sql.Tx) (*dealdesk.InboxEvent, error) {
		ev, err := scanInboxEvent(tx.QueryRowContext(ctx, `UPDATE inbox_events SET status = $1, error = $2, applied_at = $3
			WHERE org_id = $4 AND id = $5 RETURNING `+inboxColumns, status, errorText(errText), appliedAt, orgID, id), false)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, notFound("event", id)
		}
		return ev, err
	})
}

// errorText makes s storable text of at most MaxInboxErrorLength bytes: invalid UTF-8 and
// control characters other than tab and line breaks become U+FFFD.
func errorText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) && r != '\t' && r != '\n' && r != '\r' {
			return '\uFFFD'
		}
		return r
	}, s)
	return dealdesk.Clip(s, dealdesk.MaxInboxErrorLength-len("…"))
}
