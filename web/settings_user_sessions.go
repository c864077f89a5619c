package web

import "net/http"

// handleUserEndSessions ends every console session of a user of the organization, in every
// browser and on every replica: POST /settings/users/{id}/end-sessions, through
// UserService.EndUserSessions (decision 026). Ending one's own sessions signs this browser out
// too, and leads to the sign-in page. Another organization's user is 404.
func (h *Handler) handleUserEndSessions(w http.ResponseWriter, r *http.Request) {
	u, err := h.cfg.Users.EndUserSessions(r.Context(), r.PathValue("id"))
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	if u.ID == sessionFrom(r.Context()).UserID {
		h.setSessionCookie(w, r, h.newSession(nil))
		http.Redirect(w, r, "/signin?notice=signed-out", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/settings/users?notice=sessions-ended", http.StatusSeeOther)
}
