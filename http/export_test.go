package http

import "net/http"

// Handler returns the server's root handler, to serve it with httptest.
func (s *Server) Handler() http.Handler { return s.srv.Handler }

// HTTPServer returns the server's own http.Server, so that tests serve with its limits
// (MaxHeaderBytes) rather than httptest's defaults.
func (s *Server) HTTPServer() *http.Server { return s.srv }

// RouteTable returns the server's routes as "METHOD /path" strings, for the OpenAPI coverage test.
func RouteTable(s *Server) []string {
	var out []string
	for _, rt := range s.routes() {
		out = append(out, rt.method+" "+rt.path)
	}
	return out
}

// FilterValues are the values the list endpoints accept in their enum filters, by
// "path parameter".
var FilterValues = map[string][]string{
	"/api/v1/offers type":             offerTypes,
	"/api/v1/offers status":           offerStatuses,
	"/api/v1/entitlements type":       entitlementTypes,
	"/api/v1/entitlements status":     entitlementStatuses,
	"/api/v1/usage-groups status":     usageGroupStatuses,
	"/api/v1/metering-records status": meteringRecordStatuses,
}
