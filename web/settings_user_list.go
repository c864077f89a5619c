package web

import (
	"net/http"
	"net/url"

	"github.com/dealdesk/dealdesk"
)

// usersPage is what the Users page shows: a page of the organization's users, newest first,
// and the form to add one (never filled back with a password).
type usersPage struct {
	Users       []*dealdesk.User
	Me          string // the signed-in user's ID: their row offers no Remove
	NextURL     string
	Email, Name string // the add form's values
	Errors      map[string][]string
	OtherErrors []string
	Notice      string
}

// handleUserList lists the organization's users: GET /settings/users[?cursor=].
func (h *Handler) handleUserList(w http.ResponseWriter, r *http.Request) {
	p, err := h.usersPage(r, r.URL.Query().Get("cursor"))
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	p.Notice = settingsNotice(r.URL.Query().Get("notice"))
	h.render(w, r, http.StatusOK, "settings_users", "settings", p)
}

// usersPage returns the page of users after cursor.
func (h *Handler) usersPage(r *http.Request, cursor string) (*usersPage, error) {
	users, next, err := h.cfg.Users.FindUsers(r.Context(), dealdesk.UserFilter{Cursor: cursor})
	if err != nil {
		return nil, err
	}
	p := &usersPage{Users: users, Me: sessionFrom(r.Context()).UserID, Errors: map[string][]string{}}
	if next != "" {
		p.NextURL = "/settings/users?cursor=" + url.QueryEscape(next)
	}
	return p, nil
}
