package http

import (
	"context"
	"fmt"
	"net/http"
	"runtime/debug"
	"time"
)

// requestInfo collects what the request log line reports and handlers learn late (the caller's
// organization).
type requestInfo struct {
	orgID string
}

type requestInfoKey struct{}

func requestInfoFrom(ctx context.Context) *requestInfo {
	info, _ := ctx.Value(requestInfoKey{}).(*requestInfo)
	return info
}

// logRequests logs one line per request (method, path, status, size, duration and organization)
// and counts it in the metrics under its route pattern. It never logs headers, query strings or
// bodies, so keys and customer data stay out of logs.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		info := &requestInfo{}
		rw := &responseWriter{ResponseWriter: w}
		inner := r.WithContext(context.WithValue(r.Context(), requestInfoKey{}, info))
		next.ServeHTTP(rw, inner) // the mux sets inner.Pattern
		if rw.status == 0 {
			rw.status = http.StatusOK
		}
		elapsed := time.Since(start)
		s.metrics.observe(r.Method, inner.Pattern, rw.status, elapsed)
		s.logger.InfoContext(r.Context(), "request",
			"method", r.Method, "path", r.URL.Path, "status", rw.status, "bytes", rw.bytes,
			"duration", elapsed, "org", info.orgID)
	})
}

// recoverPanics turns a handler's panic into a logged internal error and a generic 500 answer.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			err := fmt.Errorf("panic: %v\n%s", v, debug.Stack())
			if rw, ok := w.(*responseWriter); ok && rw.status != 0 {
				// Too late for an error answer: only log it.
				s.logger.ErrorContext(r.Context(), "internal error", "method", r.Method, "path", r.URL.Path, "err", err)
				return
			}
			s.error(w, r, err)
		}()
		next.ServeHTTP(w, r)
	})
}

// responseWriter records the status and size of an answer.
type responseWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *responseWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *responseWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *responseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
