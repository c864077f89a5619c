package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/dealdesk/dealdesk"
)

const notificationColumns = `id, org_id, kind, timeline_entry_id, offer_id, entitlement_id, summary, at, created_at, read_at`

func scanNotification(s rowScanner) (*dealdesk.Notification, error) {
	n := &dealdesk.Notification{}
	err := s.Scan(&n.ID, &n.OrgID, &n.Kind, &n.TimelineEntryID, nullStringCol{&n.OfferID}, nullStringCol{&n.EntitlementID},
		&n.Summary, timeCol{&n.At}, timeCol{&n.CreatedAt}, nullTimeCol{&n.ReadAt})
	if err != nil {
		return nil, err
	}
	return n, nil
}

// insertNotification records the notification of the new timeline entry e in tx.
func (db *DB) insertNotification(ctx context.Context, tx *sql.Tx, e *dealdesk.TimelineEntry) error {
	offerID, entitlementID := subjectColumns(e)
	_, err := tx.ExecContext(ctx, `INSERT INTO notifications (`+notificationColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL)`,
		dealdesk.NewID(dealdesk.PrefixNotification, e.CreatedAt), e.OrgID, e.Kind, e.ID, offerID, entitlementID, e.Summary,
		db.dialect.timeArg(e.At), db.dialect.timeArg(e.CreatedAt))
	return err
}

// FindNotifications lists the organization's notifications matching f, newest first, and the
// next page's cursor.
func (db *DB) FindNotifications(ctx context.Context, f dealdesk.NotificationFilter) ([]*dealdesk.Notification, string, error) {
	orgID, err := dealdesk.RequireOrgID(ctx)
	if err != nil {
		return nil, "", err
	}
	var p dealdesk.Problems
	checkEnum(&p, "kind", f.Kind, dealdesk.TimelineKinds)
	after, err := checkFilters(p, f.Cursor, dealdesk.PrefixNotification, nil)
	if err != nil {
		return nil, "", err
	}
	var w where
	w.add("org_id = ?", orgID)
	w.eq("kind", string(f.Kind))
	if f.Unread {
		w.add("read_at IS NULL")
	}
	return findPage(ctx, db.db, `SELECT `+notificationColumns+` FROM notifications`, &w, after, f.Limit, scanNotification,
		func(n *dealdesk.Notification) string { return n.ID })
}

// MarkNotificationRead sets the notification's ReadAt unless it is set already.
func (db *DB) MarkNotificationRead(ctx context.Context, id string) (*dealdesk.Notification, error) {
	orgID, err := dealdesk.RequireOrgID(ctx)
	if err != nil {
		return nil, err
	}
	if !dealdesk.ValidText(id) {
		return nil, notFound("notification", id)
	}
	return inTxValue(ctx, db.inTx, func(tx *sql.Tx) (*dealdesk.Notification, error) {
		n, err := scanNotification(tx.QueryRowContext(ctx, `UPDATE notifications SET read_at = COALESCE(read_at, $1)
			WHERE org_id = $2 AND id = $3 RETURNING `+notificationColumns, db.dialect.timeArg(db.now()), orgID, id))
		if errors.Is(err, sql.ErrNoRows) {
			return nil, notFound("notification", id)
		}
		return n, err
	})
}

// MarkAllNotificationsRead sets read_at to now on the caller's organization's unread
// notifications created at or before upTo, in one statement, and returns how many.
func (db *DB) MarkAllNotificationsRead(ctx context.Context, upTo time.Time) (int64, error) {
	orgID, err := dealdesk.RequireOrgID(ctx)
	if err != nil {
		return 0, err
	}
	var n int64
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE notifications SET read_at = $1 WHERE org_id = $2 AND read_at IS NULL AND created_at <= $3`,
			db.dialect.timeArg(db.now()), orgID, db.dialect.timeArg(upTo))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}
