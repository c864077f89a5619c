package web

import "net/http"

// handleSignOut ends the session: POST /signout. The cookie is replaced by a signed-out
// session's, so the old token no longer posts a form from this browser; the sign-in page it
// goes to says so (?notice=signed-out).
func (h *Handler) handleSignOut(w http.ResponseWriter, r *http.Request) {
	h.setSessionCookie(w, r, h.newSession(nil))
	http.Redirect(w, r, "/signin?notice=signed-out", http.StatusSeeOther)
}
