package http

import (
	"encoding/json"
	"net/http"
)

// list is the body of every list answer. NextCursor is "" on the last page.
type list[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"nextCursor"`
}

// newList returns a list of items that encodes as [] rather than null when empty.
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
