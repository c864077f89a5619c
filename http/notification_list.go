package http

import (
	"net/http"

	"github.com/dealdesk/dealdesk"
)

// timelineKinds are the values of the notification list's kind filter.
var timelineKinds = strs(dealdesk.TimelineKinds)

// handleNotificationList lists the organization's notifications, newest first, with paging:
// GET /api/v1/notifications?kind=&unread=true.
func (s *Server) handleNotificationList(w http.ResponseWriter, r *http.Request) {
	q := newListQuery(r, "kind", "unread")
	f := dealdesk.NotificationFilter{Kind: dealdesk.TimelineKind(q.enum("kind", timelineKinds...)), Unread: q.bool("unread")}
	f.Cursor, f.Limit = q.page()
	if err := q.err(); err != nil {
		s.error(w, r, err)
		return
	}
	ns, next, err := s.cfg.Notifications.FindNotifications(r.Context(), f)
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, newList(ns, next))
}
