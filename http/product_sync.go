package http

import (
	"net/http"

	"github.com/dealdesk/dealdesk"
)

// handleProductSync queues a sync of the organization's products from AWS's Catalog and answers
// 202 with the job's state: POST /api/v1/products:sync. The body is optional and, when sent,
// must be an empty JSON object. A sync already waiting or running is answered instead of a
// second one (duplicate true). Without an AWS connection it answers 404. The sync runs in the
// worker (ProductSyncJob): GET /api/v1/products shows its result (decision 018).
func (s *Server) handleProductSync(w http.ResponseWriter, r *http.Request) {
	if err := newQuery(r).err(); err != nil {
		s.error(w, r, err)
		return
	}
	body, err := readBody(w, r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	if len(body) > 0 {
		var in struct{}
		if err := decodeJSON(body, &in); err != nil {
			s.error(w, r, err)
			return
		}
	}
	if s.cfg.ProductSync == nil {
		s.error(w, r, dealdesk.Errorf(dealdesk.EINTERNAL, "product sync is not configured"))
		return
	}
	job, err := s.cfg.ProductSync.EnqueueProductSync(r.Context())
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusAccepted, job)
}
