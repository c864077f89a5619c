package http

import (
	"net/http"

	"github.com/dealdesk/dealdesk"
)

// meteringRecordStatuses are the values of the metering record list's status filter.
var meteringRecordStatuses = strs(dealdesk.MeteringRecordStatuses)

// handleMeteringRecordList lists metering records, newest hour first, each with the usage
// record sent to AWS and AWS's answer: GET /api/v1/metering-records?entitlementId=&status=&from=&to=
// (hour in [from, to)).
func (s *Server) handleMeteringRecordList(w http.ResponseWriter, r *http.Request) {
	q := newListQuery(r, "entitlementId", "status", "from", "to")
	f := dealdesk.MeteringRecordFilter{
		EntitlementID: q.str("entitlementId"),
		Status:        dealdesk.MeteringRecordStatus(q.enum("status", meteringRecordStatuses...)),
	}
	f.From, f.To = q.timeRange()
	f.Cursor, f.Limit = q.page()
	if err := q.err(); err != nil {
		s.error(w, r, err)
		return
	}
	recs, next, err := s.cfg.Metering.FindMeteringRecords(r.Context(), f)
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, newList(recs, next))
}
