package web

import (
	"net/http"

	"github.com/dealdesk/dealdesk"
)

// apiKeyCreatedPage is the answer to creating a key: the key's listing fields and, this once,
// the key itself, which is stored only as a hash.
type apiKeyCreatedPage struct {
	Key    *dealdesk.APIKey
	Secret string
}

// handleAPIKeyCreate creates an API key for the organization: POST /settings/api-keys with its
// name, through APIKeyService.CreateAPIKey as the API's POST /api/v1/api-keys. The answer
// page (200, not a redirect, never cached) is the only place the key is ever shown. A refused
// name comes back (422) next to its input on the list.
func (h *Handler) handleAPIKeyCreate(w http.ResponseWriter, r *http.Request) {
	if h.cfg.APIKeys == nil {
		h.settingsUnavailable(w, r)
		return
	}
	name := r.PostForm.Get("name")
	k, secret, err := h.cfg.APIKeys.CreateAPIKey(r.Context(), sessionFrom(r.Context()).OrgID, name)
	if err == nil {
		h.render(w, r, http.StatusOK, "settings_api_key_created", "settings", apiKeyCreatedPage{Key: k, Secret: secret})
		return
	}
	if dealdesk.ErrorCode(err) != dealdesk.EINVALID {
		h.renderError(w, r, err)
		return
	}
	p, perr := h.apiKeysPage(r, "")
	if perr != nil {
		h.renderError(w, r, perr)
		return
	}
	p.Name = name
	p.Errors, p.OtherErrors = formErrors(err, "name")
	h.render(w, r, http.StatusUnprocessableEntity, "settings_api_keys", "settings", p)
}
