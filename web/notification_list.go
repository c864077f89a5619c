package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/dealdesk/dealdesk"
)

// notificationListPageSize is how many notifications a page of the feed shows.
const notificationListPageSize = 25

// notificationListPage is what the notifications feed shows.
type notificationListPage struct {
	Unread        bool   // only those not read yet
	Cursor        string // this page's cursor, for the mark-read forms to come back to it
	Notifications []*dealdesk.Notification
	AllURL        string
	UnreadURL     string
	NextURL       string // the next page, "" on the last
	FirstURL      string // the first page, "" on it
	Notice        string
	Shown         string // when the feed was read, RFC 3339: Mark all read marks up to it
	AnyUnread     bool   // some notification of this page is unread
}

// handleNotificationList shows the organization's notifications, newest first: GET
// /notifications, with ?unread=true for those not read yet and the cursor of a page.
func (h *Handler) handleNotificationList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p := notificationListPage{Unread: q.Get("unread") == "true", Cursor: q.Get("cursor"),
		AllURL: notificationListURL(false, ""), UnreadURL: notificationListURL(true, "")}
	switch q.Get("notice") {
	case "read":
		p.Notice = "Marked read."
	case "read-all":
		p.Notice = "All marked read."
		if n, err := strconv.Atoi(q.Get("marked")); err == nil && n >= 0 && strconv.Itoa(n) == q.Get("marked") {
			p.Notice = fmt.Sprintf("Marked %d notification%s read.", n, plural(n))
		}
	}
	p.Shown = h.now().UTC().Format(time.RFC3339Nano)
	ns, next, err := h.cfg.Notifications.FindNotifications(r.Context(), dealdesk.NotificationFilter{Unread: p.Unread,
		Cursor: p.Cursor, Limit: notificationListPageSize})
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	p.Notifications = ns
	for _, n := range ns {
		p.AnyUnread = p.AnyUnread || n.ReadAt == nil
	}
	if next != "" {
		p.NextURL = notificationListURL(p.Unread, next)
	}
	if p.Cursor != "" {
		p.FirstURL = notificationListURL(p.Unread, "")
	}
	h.render(w, r, http.StatusOK, "notification_list", "notifications", p)
}

// notificationListURL is the URL of a page of the notifications feed.
func notificationListURL(unread bool, cursor string) string {
	v := url.Values{}
	if unread {
		v.Set("unread", "true")
	}
	if cursor != "" {
		v.Set("cursor", cursor)
	}
	if len(v) == 0 {
		return "/notifications"
	}
	return "/notifications?" + v.Encode()
}
