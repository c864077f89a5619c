package http

import (
	"net/http"

	"github.com/dealdesk/dealdesk"
)

// route is one entry of the route table: a method, a path pattern in net/http's syntax, whether
// it needs an API key, and its handler.
type route struct {
	method string
	path   string
	auth   bool
	handle http.HandlerFunc
}

// routes is the route table: every endpoint the server answers, in one place.
func (s *Server) routes() []route {
	return []route{
		{"GET", "/healthz", false, s.handleHealthz},
		{"GET", "/readyz", false, s.handleReadyz},
		{"GET", "/metrics", false, s.handleMetrics},
		{"GET", "/api/v1/openapi.json", false, s.handleOpenAPI},

		{"POST", "/api/v1/products", true, s.handleProductCreate},
		{"GET", "/api/v1/products", true, s.handleProductList},
		{"GET", "/api/v1/products/{id}", true, s.handleProductGet},

		{"POST", "/api/v1/offers", true, s.handleOfferCreate},
		{"GET", "/api/v1/offers", true, s.handleOfferList},
		{"GET", "/api/v1/offers/{id}", true, s.handleOfferGet},
		{"PATCH", "/api/v1/offers/{id}", true, s.handleOfferUpdate},
		{"DELETE", "/api/v1/offers/{id}", true, s.handleOfferDelete},
		{"POST", "/api/v1/offers/{id}/submit", true, s.handleOfferSubmit},
		{"POST", "/api/v1/offers/{id}/cancel", true, s.handleOfferCancel},
		{"GET", "/api/v1/offers/{id}/chain", true, s.handleOfferChain},

		{"GET", "/api/v1/entitlements", true, s.handleEntitlementList},
		{"GET", "/api/v1/entitlements/{id}", true, s.handleEntitlementGet},

		{"PUT", "/api/v1/resellers/{accountId}", true, s.handleResellerSave},
		{"GET", "/api/v1/resellers", true, s.handleResellerList},
		{"PUT", "/api/v1/buyers/{accountId}", true, s.handleBuyerSave},
		{"GET", "/api/v1/buyers", true, s.handleBuyerList},
	}
}

// newMux registers the route table on a ServeMux. Requests that match no route, or match a path
// with another method, get a problem answer instead of net/http's plain text.
func (s *Server) newMux() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range s.routes() {
		var h http.Handler = rt.handle
		if rt.auth {
			h = s.authenticate(h)
		}
		mux.Handle(rt.method+" "+rt.path, h)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := mux.Handler(r); pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		// No route: let the mux decide between 404 and 405 (it sets Allow for the latter),
		// then answer with a problem.
		rec := &statusRecorder{header: http.Header{}}
		mux.ServeHTTP(rec, r)
		if rec.status == http.StatusMethodNotAllowed {
			w.Header().Set("Allow", rec.header.Get("Allow"))
			s.writeProblem(w, r, problem{
				Status: http.StatusMethodNotAllowed,
				Title:  "Method not allowed",
				Type:   problemType("method_not_allowed"),
				Detail: r.Method + " is not allowed on " + r.URL.Path + ".",
			})
			return
		}
		s.error(w, r, dealdesk.Errorf(dealdesk.ENOTFOUND, "No such endpoint: %s %s.", r.Method, r.URL.Path))
	})
}

// statusRecorder records the header and status that a handler writes and discards its body.
type statusRecorder struct {
	header http.Header
	status int
}

func (r *statusRecorder) Header() http.Header { return r.header }

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return len(b), nil
}

func (r *statusRecorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}
