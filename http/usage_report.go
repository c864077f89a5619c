package http

import (
	"net/http"

	"github.com/dealdesk/dealdesk"
)

// handleUsageReport takes in one usage group of an entitlement: POST
// /api/v1/entitlements/{id}/usage. 201 with the stored group, 200 with it when the same report
// was stored before under its id, 409 when another report holds that id, 422 naming every bad
// field, 404 for an entitlement that is not the organization's.
func (s *Server) handleUsageReport(w http.ResponseWriter, r *http.Request) {
	if err := newQuery(r).err(); err != nil {
		s.error(w, r, err)
		return
	}
	body, err := readBody(w, r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	in := make([]dealdesk.UsageGroupInput, 1)
	if err := decodeUsageGroup(body, &in[0], r.PathValue("id")); err != nil {
		s.error(w, r, err)
		return
	}
	results, err := s.cfg.Usage.ReportUsage(r.Context(), in)
	if err == nil && len(results) != 1 {
		err = dealdesk.Errorf(dealdesk.EINTERNAL, "ReportUsage answered %d results for 1 group", len(results))
	}
	if err != nil {
		s.error(w, r, err)
		return
	}
	res := results[0]
	if res.Err != nil {
		s.error(w, r, res.Err)
		return
	}
	status := http.StatusOK
	if res.Created {
		status = http.StatusCreated
	}
	s.writeJSON(w, r, status, res.Group)
}
