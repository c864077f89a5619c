package web

import "net/http"

// handleAPIKeyRevoke revokes an API key of the organization: POST
// /settings/api-keys/{id}/revoke, through APIKeyService.RevokeAPIKey as the API's DELETE
// /api/v1/api-keys/{id}. Every later request with the key is refused; the key stays listed,
// marked revoked. Another organization's key is 404.
func (h *Handler) handleAPIKeyRevoke(w http.ResponseWriter, r *http.Request) {
	if h.cfg.APIKeys == nil {
		h.settingsUnavailable(w, r)
		return
	}
	if _, err := h.cfg.APIKeys.RevokeAPIKey(r.Context(), r.PathValue("id")); err != nil {
		h.renderError(w, r, err)
		return
	}
	http.Redirect(w, r, "/settings/api-keys?notice=revoked", http.StatusSeeOther)
}
