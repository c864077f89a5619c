package web

import (
	"net/http"
	"net/url"

	"github.com/dealdesk/dealdesk"
)

// apiKeysPage is what the API keys page shows: a page of the organization's keys (their
// prefixes, never a key), newest first, revoked ones included, and the form to create one.
type apiKeysPage struct {
	Keys        []*dealdesk.APIKey
	NextURL     string
	Name        string // the create form's name
	Errors      map[string][]string
	OtherErrors []string
	Notice      string
}

// handleAPIKeyList lists the organization's API keys: GET /settings/api-keys[?cursor=].
func (h *Handler) handleAPIKeyList(w http.ResponseWriter, r *http.Request) {
	if h.cfg.APIKeys == nil {
		h.settingsUnavailable(w, r)
		return
	}
	p, err := h.apiKeysPage(r, r.URL.Query().Get("cursor"))
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	p.Notice = settingsNotice(r.URL.Query().Get("notice"))
	h.render(w, r, http.StatusOK, "settings_api_keys", "settings", p)
}

// apiKeysPage returns the page of keys after cursor.
func (h *Handler) apiKeysPage(r *http.Request, cursor string) (*apiKeysPage, error) {
	keys, next, err := h.cfg.APIKeys.FindAPIKeys(r.Context(), dealdesk.APIKeyFilter{Cursor: cursor})
	if err != nil {
		return nil, err
	}
	p := &apiKeysPage{Keys: keys, Errors: map[string][]string{}}
	if next != "" {
		p.NextURL = "/settings/api-keys?cursor=" + url.QueryEscape(next)
	}
	return p, nil
}
