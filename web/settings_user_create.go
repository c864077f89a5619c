package web

import (
	"net/http"

	"github.com/dealdesk/dealdesk"
)

// handleUserCreate adds a user to the organization: POST /settings/users with email, name and
// password, through UserService.CreateUser, whose rules apply (an email address, a name of
// at most 200 characters, a password of 12 characters to 72 bytes; an email taken in the
// organization is a conflict). A refused form comes back (422, 409 for a taken email) with the
// errors next to their fields, and without the password.
func (h *Handler) handleUserCreate(w http.ResponseWriter, r *http.Request) {
	email, name := r.PostForm.Get("email"), r.PostForm.Get("name")
	_, err := h.cfg.Users.CreateUser(r.Context(), sessionFrom(r.Context()).OrgID, email, name, r.PostForm.Get("password"))
	if err == nil {
		http.Redirect(w, r, "/settings/users?notice=user-added", http.StatusSeeOther)
		return
	}
	code := dealdesk.ErrorCode(err)
	if code != dealdesk.EINVALID && code != dealdesk.ECONFLICT {
		h.renderError(w, r, err)
		return
	}
	p, perr := h.usersPage(r, "")
	if perr != nil {
		h.renderError(w, r, perr)
		return
	}
	p.Email, p.Name = email, name
	status := http.StatusUnprocessableEntity
	if code == dealdesk.ECONFLICT {
		// The only conflict CreateUser has: the email is taken in the organization.
		status = http.StatusConflict
		p.Errors = map[string][]string{"email": {dealdesk.ErrorMessage(err)}}
	} else {
		p.Errors, p.OtherErrors = formErrors(err, "email", "name", "password")
	}
	h.render(w, r, status, "settings_users", "settings", p)
}
