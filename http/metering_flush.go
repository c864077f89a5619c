package http

import (
	"net/http"

	"github.com/dealdesk/dealdesk"
)

// handleMeteringFlush closes every ended usage hour of the organization and sends what is
// pending now, answering with what it did: POST /api/v1/metering/flush. Without a flusher
// (Config.MeteringFlusher nil: a server without the metering worker) it answers 503.
func (s *Server) handleMeteringFlush(w http.ResponseWriter, r *http.Request) {
	if err := newQuery(r).err(); err != nil {
		s.error(w, r, err)
		return
	}
	if s.cfg.MeteringFlusher == nil {
		s.error(w, r, dealdesk.Errorf(codeUnavailable, "This server does not send metering: it runs without the metering worker."))
		return
	}
	res, err := s.cfg.MeteringFlusher.FlushMetering(r.Context())
	if err != nil {
		s.error(w, r, err)
		return
	}
	if res.Records == nil {
		res.Records = []*dealdesk.MeteringRecord{}
	}
	s.writeJSON(w, r, http.StatusOK, res)
}
