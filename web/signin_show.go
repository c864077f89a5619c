package web

import (
	"net/http"
	"strings"
)

// signInPage is what the sign-in page shows: Notice is "You are signed out." after a sign-out.
type signInPage struct {
	Email, Next, Error, Notice string
}

// handleSignInShow shows the sign-in form: GET /signin. A signed-in user goes to the offers.
func (h *Handler) handleSignInShow(w http.ResponseWriter, r *http.Request) {
	if sessionFrom(r.Context()).signedIn() {
		http.Redirect(w, r, "/offers", http.StatusSeeOther)
		return
	}
	p := signInPage{Next: localPath(r.URL.Query().Get("next"))}
	if r.URL.Query().Get("notice") == "signed-out" {
		p.Notice = "You are signed out."
	}
	h.render(w, r, http.StatusOK, "signin", "", p)
}

// localPath returns p when it is a path of this site ("/offers?status=ACTIVE"), else "": a
// next parameter never sends anyone to another site.
func localPath(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.ContainsAny(p, "\\\r\n") || len(p) > 2000 {
		return ""
	}
	return p
}
