package http

import (
	"bufio"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/dealdesk/dealdesk"
)

// usageBatchResult is the answer for one group of a batch: its id, the status a single report
// would have had (201, 200, 409, 422, 404), and the stored group or the problem. A problem names
// fields by their path in the body ("groups[3].records.api_calls").
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
		err := groupFields(slot.Err, -1, false, i)
		if slot.Input >= 0 {
			g := results[slot.Input]
			err = groupFields(g.Err, slot.Input, len(results) > 1, i)
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

// groupFields returns err with its fields named by their path in the batch body, as group i.
// The store named them as its group j of the groups it was given ("groups[j]." when it was
// given more than one: prefixed), and it was not given the groups the decoder refused, so the
// indexes may differ; the decoder (j -1) named them within the group.
func groupFields(err error, j int, prefixed bool, i int) error {
	fields := dealdesk.ErrorFields(err)
	if len(fields) == 0 {
		return err
	}
	from := ""
	if j >= 0 && prefixed {
		from = "groups[" + strconv.Itoa(j) + "]."
	}
	to := "groups[" + strconv.Itoa(i) + "]."
	e := dealdesk.Errorf(dealdesk.ErrorCode(err), "%s", dealdesk.ErrorMessage(err))
	e.Omitted = dealdesk.ErrorOmitted(err)
	e.Fields = make([]dealdesk.FieldError, len(fields))
	for k, f := range fields {
		name, _ := strings.CutPrefix(f.Field, from)
		if name == "" {
			f.Field = strings.TrimSuffix(to, ".")
		} else {
			f.Field = to + name
		}
		e.Fields[k] = f
	}
	return e
}
