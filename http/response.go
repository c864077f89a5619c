package http

import (
	"encoding/json"
	"net/http"

	"github.com/dealdesk/dealdesk"
)

// list is the body of every list answer. NextCursor is "" on the last page.
type list[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"nextCursor"`
}

// newList returns a list of items that encodes as [] rather than null when empty. The lists
// inside an offer, a chain or a product the domain encodes as [] itself (Offer.MarshalJSON).
func newList[T any](items []T, next string) list[T] {
	if items == nil {
		items = []T{}
	}
	return list[T]{Items: items, NextCursor: next}
}

// writeJSON writes v as JSON with status.
func (s *Server) writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(v); err != nil {
		s.logger.DebugContext(r.Context(), "write response", "err", err)
	}
}

// maxErrorsBytes bounds the encoded size of a problem's errors list. The domain keeps at most
// dealdesk.MaxProblems field errors of bounded length, but JSON escaping can still grow them six
// times; the list stops at this budget and the rest are counted in omittedErrors (decision 006).
const maxErrorsBytes = 32 << 10

// withErrors returns p with the field errors of err, as many as fit in maxErrorsBytes, and the
// count of the others.
func (p problem) withErrors(err error) problem {
	fields := dealdesk.ErrorFields(err)
	p.OmittedErrors = dealdesk.ErrorOmitted(err)
	size := 0
	for i, f := range fields {
		b, _ := json.Marshal(f)
		if size += len(b) + 1; size > maxErrorsBytes {
			p.OmittedErrors += len(fields) - i
			fields = fields[:i]
			break
		}
	}
	p.Errors = fields
	return p
}
