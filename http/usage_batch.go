package http

import (
	"bufio"
	"encoding/json"
	"net/http"

	"github.com/dealdesk/dealdesk"
)

// usageBatchResult is the answer for one group of a batch: its id, the status a single report
// would have had (201, 200, 409, 422, 404), and the stored group or the problem. A problem names
// fields within the group ("records.api_calls", "timestamp").
type usageBatchResult struct {
	ID      string               `json:"id"`
	Status  int                  `json:"status"`
	Group   *dealdesk.UsageGroup `json:"group,omitempty"`
	Problem *problem             `json:"problem,omitempty"`
}

// handleUsageBatch takes in many usage groups of many entitlements: POST /api/v1/usage:batch
// with {"groups": [...]}, at most dealdesk.MaxUsageBatchGroups. Each group is answered on its
// own, in order; the call answers 200 with {"results": [...], "accepted": n, "rejected": m},
// accepted counting the groups stored now or before (201 and 200).
func (s *Server) handleUsageBatch(w http.ResponseWriter, r *http.Request) {
	if err := newQuery(r).err(); err != nil {
		s.error(w, r, err)
		return
	}
	b, err := decodeUsageBatch(w, r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	var results []dealdesk.UsageGroupResult
	if len(b.Groups) > 0 {
		if results, err = s.cfg.Usage.ReportUsage(r.Context(), b.Groups); err == nil && len(results) != len(b.Groups) {
			err = dealdesk.Errorf(dealdesk.EINTERNAL, "ReportUsage answered %d results for %d groups", len(results), len(b.Groups))
		}
		if err != nil {
			s.error(w, r, err)
			return
		}
	}
	b.Groups = nil // the store has them; what is answered is in results

	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := json.NewEncoder(bw)
	accepted, rejected := 0, 0
	_, _ = bw.WriteString(`{"results":[`)
	for i, slot := range b.Slots {
		res := usageBatchResult{ID: slot.ID}
		err := slot.Err
		if slot.Input >= 0 {
			g := results[slot.Input]
			err = g.Err
			if err == nil {
				res.Group, res.Status = g.Group, http.StatusOK
				if g.Created {
					res.Status = http.StatusCreated
				}
			}
		}
		if err != nil {
			p := s.problemOf(r, err)
			res.Status, res.Problem = p.Status, &p
			rejected++
		} else {
			accepted++
		}
		if i > 0 {
			_ = bw.WriteByte(',')
		}
		if err := enc.Encode(res); err != nil {
			s.logger.DebugContext(r.Context(), "write response", "err", err)
			return
		}
	}
	tail, _ := json.Marshal(struct {
		Accepted int `json:"accepted"`
		Rejected int `json:"rejected"`
	}{accepted, rejected})
	_, _ = bw.WriteString("],")
	_, _ = bw.Write(tail[1:])
	_ = bw.WriteByte('\n')
	if err := bw.Flush(); err != nil {
		s.logger.DebugContext(r.Context(), "write response", "err", err)
	}
}
