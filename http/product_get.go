package http

import "net/http"

// handleProductGet returns one product: GET /api/v1/products/{id}.
func (s *Server) handleProductGet(w http.ResponseWriter, r *http.Request) {
	if err := newQuery(r).err(); err != nil {
		s.error(w, r, err)
		return
	}
	p, err := s.cfg.Products.FindProductByID(r.Context(), r.PathValue("id"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, p)
}
