package http

import "net/http"

// resellerInput is the body of PUT /api/v1/resellers/{accountId}.
type resellerInput struct {
	LegalName string `json:"legalName"`
}

// handleResellerSave creates the reseller with the account ID or updates its legal name:
// PUT /api/v1/resellers/{accountId}.
func (s *Server) handleResellerSave(w http.ResponseWriter, r *http.Request) {
	if err := newQuery(r).err(); err != nil {
		s.error(w, r, err)
		return
	}
	var in resellerInput
	if err := decodeBody(w, r, &in); err != nil {
		s.error(w, r, err)
		return
	}
	rs, err := s.cfg.Parties.SaveReseller(r.Context(), r.PathValue("accountId"), in.LegalName)
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, rs)
}
