package web

import (
	"net/http"
	"strings"
)

// handleNotificationRead marks a notification read (NotificationService.MarkNotificationRead,
// which keeps the first time) and shows the feed again at the page it was on: POST
// /notifications/{id}/read, with the form's unread and cursor. Another organization's
// notification is 404.
func (h *Handler) handleNotificationRead(w http.ResponseWriter, r *http.Request) {
	if _, err := h.cfg.Notifications.MarkNotificationRead(r.Context(), r.PathValue("id")); err != nil {
		h.renderError(w, r, err)
		return
	}
	back := notificationListURL(r.PostFormValue("unread") == "true", r.PostFormValue("cursor"))
	sep := "?"
	if strings.Contains(back, "?") {
		sep = "&"
	}
	http.Redirect(w, r, back+sep+"notice=read", http.StatusSeeOther)
}
