package web

import (
	"fmt"
	"net/http"
	"time"
)

// handleNotificationReadAll marks read every notification that was there when the feed was
// shown (NotificationService.MarkAllNotificationsRead up to the form's shown time, so that one
// that arrived since stays unread): POST /notifications/read-all with shown (RFC 3339). A
// missing or bad shown time is 400 and marks nothing.
func (h *Handler) handleNotificationReadAll(w http.ResponseWriter, r *http.Request) {
	shown, err := time.Parse(time.RFC3339Nano, r.PostFormValue("shown"))
	if err != nil {
		h.renderStatus(w, r, http.StatusBadRequest, "The form lacks the time the notifications were shown: reload the page and try again. Nothing was marked.")
		return
	}
	n, err := h.cfg.Notifications.MarkAllNotificationsRead(r.Context(), shown)
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/notifications?notice=read-all&marked=%d", n), http.StatusSeeOther)
}
