package http

import "net/http"

// buyerInput is the body of PUT /api/v1/buyers/{accountId}.
type buyerInput struct {
	Name string `json:"name"`
}

// handleBuyerSave creates the buyer with the account ID or updates its name:
// PUT /api/v1/buyers/{accountId}.
func (s *Server) handleBuyerSave(w http.ResponseWriter, r *http.Request) {
	if err := newQuery(r).err(); err != nil {
		s.error(w, r, err)
		return
	}
	var in buyerInput
	if err := decodeBody(w, r, &in); err != nil {
		s.error(w, r, err)
		return
	}
	b, err := s.cfg.Parties.SaveBuyer(r.Context(), r.PathValue("accountId"), in.Name)
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, b)
}
