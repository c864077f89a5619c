package http

import (
	"net/http"

	"github.com/dealdesk/dealdesk"
)

// handleProductCreate registers a product with its dimensions: POST /api/v1/products.
func (s *Server) handleProductCreate(w http.ResponseWriter, r *http.Request) {
	if err := newQuery(r).err(); err != nil {
		s.error(w, r, err)
		return
	}
	var in dealdesk.ProductInput
	if err := decodeBody(w, r, &in); err != nil {
		s.error(w, r, err)
		return
	}
	p, err := s.cfg.Products.CreateProduct(r.Context(), in)
	if err != nil {
		s.error(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/products/"+p.ID)
	s.writeJSON(w, r, http.StatusCreated, p)
}
