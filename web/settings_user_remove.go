package web

import (
	"net/http"

	"github.com/dealdesk/dealdesk"
)

// handleUserRemoveConfirm asks before removing a user of the organization, which cannot be
// undone: GET /settings/users/{id}/remove shows who, what removal does, and the form that
// posts it. One's own user is 409, another organization's user 404, as for the removal.
func (h *Handler) handleUserRemoveConfirm(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if id == sessionFrom(r.Context()).UserID {
		h.renderError(w, r, errRemoveSelf)
		return
	}
	u, err := h.cfg.Users.FindUserByID(r.Context(), id)
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "settings_user_remove", "settings", u)
}

// errRemoveSelf refuses removing one's own user from the console.
var errRemoveSelf = dealdesk.Errorf(dealdesk.ECONFLICT, "You cannot remove yourself: another user of your organization can.")

// handleUserRemove removes a user of the organization: POST /settings/users/{id}/remove,
// through UserService.RemoveUser. The user's sessions end with it, on their next request
// (decision 026). One's own user is not removed here (409: another user does it, so that
// nobody locks themselves out by a slip), nor the organization's last; another organization's
// user is 404.
func (h *Handler) handleUserRemove(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if id == sessionFrom(r.Context()).UserID {
		h.renderError(w, r, errRemoveSelf)
		return
	}
	if err := h.cfg.Users.RemoveUser(r.Context(), id); err != nil {
		h.renderError(w, r, err)
		return
	}
	http.Redirect(w, r, "/settings/users?notice=user-removed", http.StatusSeeOther)
}
