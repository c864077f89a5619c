package http

import (
	"context"
	"fmt"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/dealdesk/dealdesk"
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

// logRequests logs one line per request (method, path, route pattern, status, size, duration and
// organization) and counts it in the metrics under its route pattern. It never logs headers,
// query strings or bodies, so keys and customer data stay out of logs; the method and path, which
// the caller chooses, are clipped (see requestAttrs).
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
		route := routeLabel(inner.Pattern)
		s.metrics.observe(r.Method, route, rw.status, elapsed)
		s.logger.InfoContext(r.Context(), "request", append(requestAttrs(r),
			"route", route, "status", rw.status, "bytes", rw.bytes, "duration", elapsed, "org", info.orgID)...)
	})
}

// Bounds of the caller's text in a log line: a path may be most of the header limit, and a log
// line lands in log shippers and on disk (review 2 G3).
const (
	maxLoggedPath   = 256
	maxLoggedMethod = 32
)

// requestAttrs are the log attributes that name a request: its method and path, clipped, so that
// a log line stays small whatever the caller sends.
func requestAttrs(r *http.Request) []any {
	return []any{"method", dealdesk.Clip(r.Method, maxLoggedMethod), "path", dealdesk.Clip(r.URL.Path, maxLoggedPath)}
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
				s.logger.ErrorContext(r.Context(), "internal error", append(requestAttrs(r), "err", err)...)
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
