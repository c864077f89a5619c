package web

import (
	"net"
	"net/http"
	"strings"

	"github.com/dealdesk/dealdesk"
)

// handleSignInSubmit signs a user in with email and password: POST /signin. After
// signInBurst failures for the same email from the same address, attempts are refused (429)
// for a while (signInLimiter). A success starts a new session, with a new CSRF token, and goes
// to next or the offers.
func (h *Handler) handleSignInSubmit(w http.ResponseWriter, r *http.Request) {
	email := strings.TrimSpace(r.PostForm.Get("email"))
	page := signInPage{Email: email, Next: localPath(r.PostForm.Get("next"))}
	key := strings.ToLower(email) + "\x00" + clientAddress(r)
	if !h.limiter.allow(key) {
		page.Error = "Too many failed sign-ins for this email: wait a minute and try again."
		h.render(w, r, http.StatusTooManyRequests, "signin", "", page)
		return
	}
	user, err := h.cfg.Users.AuthenticateUser(r.Context(), email, r.PostForm.Get("password"))
	if dealdesk.ErrorCode(err) == dealdesk.EUNAUTHORIZED {
		h.limiter.fail(key)
		page.Error = dealdesk.ErrorMessage(err)
		h.render(w, r, http.StatusUnauthorized, "signin", "", page)
		return
	}
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	h.limiter.succeed(key)
	h.setSessionCookie(w, r, h.newSession(user))
	to := page.Next
	if to == "" {
		to = "/offers"
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// clientAddress is the address the request came from, without its port.
func clientAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
