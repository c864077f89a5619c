package http

import (
	"net/http"
	"slices"
	"strings"

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
		{"POST", "/api/v1/products:sync", true, s.handleProductSync},

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
		{"POST", "/api/v1/entitlements/{id}/usage", true, s.handleUsageReport},
		{"GET", "/api/v1/entitlements/{id}/metering", true, s.handleMeteringTotals},

		{"POST", "/api/v1/usage:batch", true, s.handleUsageBatch},
		{"GET", "/api/v1/usage-groups", true, s.handleUsageGroupList},
		{"GET", "/api/v1/metering-records", true, s.handleMeteringRecordList},
		{"GET", "/api/v1/metering-records/{id}", true, s.handleMeteringRecordGet},
		{"POST", "/api/v1/metering-records/{id}/retry", true, s.handleMeteringRecordRetry},
		{"POST", "/api/v1/metering/flush", true, s.handleMeteringFlush},

		{"PUT", "/api/v1/resellers/{accountId}", true, s.handleResellerSave},
		{"GET", "/api/v1/resellers", true, s.handleResellerList},
		{"PUT", "/api/v1/buyers/{accountId}", true, s.handleBuyerSave},
		{"GET", "/api/v1/buyers", true, s.handleBuyerList},

		{"GET", "/api/v1/aws-connection", true, s.handleAWSConnectionGet},
		{"PUT", "/api/v1/aws-connection", true, s.handleAWSConnectionSave},
		{"GET", "/api/v1/inbound-endpoint", true, s.handleInboundEndpointGet},
		{"POST", "/api/v1/inbound-endpoint:rotate-secret", true, s.handleInboundEndpointRotate},

		{"GET", "/api/v1/notifications", true, s.handleNotificationList},
		{"POST", "/api/v1/notifications/{id}/read", true, s.handleNotificationRead},

		// The webhooks AWS calls: authenticated by the EventBridge secret or the SNS signature,
		// not by an API key (decision 016).
		{"POST", "/hooks/aws/eventbridge/{orgKey}", false, s.handleEventBridgeHook},
		{"POST", "/hooks/aws/sns/{orgKey}", false, s.handleSNSHook},

		{"POST", "/api/v1/api-keys", true, s.handleAPIKeyCreate},
		{"GET", "/api/v1/api-keys", true, s.handleAPIKeyList},
		{"GET", "/api/v1/api-keys/{id}", true, s.handleAPIKeyGet},
		{"DELETE", "/api/v1/api-keys/{id}", true, s.handleAPIKeyRevoke},
	}
}

// newMux registers the route table on a ServeMux, matched once per request. Each path of the
// table also gets a handler for any other method (405 with Allow), and "/" one for paths that
// are not in the table (404): method-less patterns lose to the table's, so they only answer what
// the table does not, with a problem instead of net/http's plain text.
func (s *Server) newMux() http.Handler {
	mux := http.NewServeMux()
	allowed := map[string][]string{}
	for _, rt := range s.routes() {
		var h http.Handler = rt.handle
		if rt.auth {
			h = s.authenticate(h)
		}
		mux.Handle(rt.method+" "+rt.path, h)
		allowed[rt.path] = append(allowed[rt.path], rt.method)
		if rt.method == http.MethodGet {
			allowed[rt.path] = append(allowed[rt.path], http.MethodHead)
		}
	}
	for path, methods := range allowed {
		slices.Sort(methods)
		mux.Handle(path, s.methodNotAllowed(strings.Join(methods, ", ")))
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.error(w, r, dealdesk.Errorf(dealdesk.ENOTFOUND, "No such endpoint: %s %s.", r.Method, r.URL.Path))
	})
	return mux
}

// methodNotAllowed answers 405 for a path that the route table has with other methods, listed
// in allow.
func (s *Server) methodNotAllowed(allow string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		s.error(w, r, dealdesk.Errorf(codeMethodNotAllowed, "%s is not allowed on %s.", r.Method, r.URL.Path))
	}
}
