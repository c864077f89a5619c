package http

import (
	"net/http"

	"github.com/dealdesk/dealdesk"
)

// apiKeyCreated is the answer to creating a key: the key's listing fields and, this once, the
// key itself.
type apiKeyCreated struct {
	*dealdesk.APIKey
	Key string `json:"key"`
}

// handleAPIKeyCreate creates an API key for the caller's organization: POST /api/v1/api-keys.
// Only its hash is stored, so the answer is the only place the key is ever shown.
func (s *Server) handleAPIKeyCreate(w http.ResponseWriter, r *http.Request) {
	if err := newQuery(r).err(); err != nil {
		s.error(w, r, err)
		return
	}
	var in dealdesk.APIKeyInput
	if err := decodeBody(w, r, &in); err != nil {
		s.error(w, r, err)
		return
	}
	orgID, err := dealdesk.RequireOrgID(r.Context())
	if err != nil {
		s.error(w, r, err)
		return
	}
	k, secret, err := s.cfg.APIKeys.CreateAPIKey(r.Context(), orgID, in.Name)
	if err != nil {
		s.error(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/api-keys/"+k.ID)
	s.writeJSON(w, r, http.StatusCreated, apiKeyCreated{APIKey: k, Key: secret})
}
