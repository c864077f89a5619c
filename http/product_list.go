package http

import (
	"net/http"

	"github.com/dealdesk/dealdesk"
)

// handleProductList lists the organization's products, newest first: GET /api/v1/products.
func (s *Server) handleProductList(w http.ResponseWriter, r *http.Request) {
	q := newListQuery(r, "externalId")
	f := dealdesk.ProductFilter{ExternalID: q.str("externalId")}
	f.Cursor, f.Limit = q.page()
	if err := q.err(); err != nil {
		s.error(w, r, err)
		return
	}
	products, next, err := s.cfg.Products.FindProducts(r.Context(), f)
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, newList(products, next))
}
