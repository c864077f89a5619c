package http

import (
	"net/http"
	"time"

	"github.com/dealdesk/dealdesk"
)

// usageGroupStatuses are the values of the usage group list's status filter.
var usageGroupStatuses = strs(dealdesk.UsageGroupStatuses)

// handleUsageGroupList lists usage groups, newest first, with filters and paging: GET
// /api/v1/usage-groups?entitlementId=&status=&from=&to= (timestamp in [from, to)).
func (s *Server) handleUsageGroupList(w http.ResponseWriter, r *http.Request) {
	q := newListQuery(r, "entitlementId", "status", "from", "to")
	f := dealdesk.UsageGroupFilter{
		EntitlementID: q.str("entitlementId"),
		Status:        dealdesk.UsageGroupStatus(q.enum("status", usageGroupStatuses...)),
	}
	f.From, f.To = q.timeRange()
	f.Cursor, f.Limit = q.page()
	if err := q.err(); err != nil {
		s.error(w, r, err)
		return
	}
	groups, next, err := s.cfg.Usage.FindUsageGroups(r.Context(), f)
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, newList(groups, next))
}

// timeRange returns the from and to parameters, RFC 3339 times (nil when absent); to must be
// after from.
func (q *query) timeRange() (from, to *time.Time) {
	from, to = q.time("from"), q.time("to")
	if from != nil && to != nil && !to.After(*from) {
		q.p.Add("to", "must be after from")
	}
	return from, to
}

// time returns the parameter name as an RFC 3339 time, nil when absent.
func (q *query) time(name string) *time.Time {
	v := q.str(name)
	if v == "" {
		return nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		q.p.Add(name, "must be an RFC 3339 time such as 2026-11-30T10:00:00Z")
		return nil
	}
	return &t
}
