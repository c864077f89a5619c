package http_test

import (
	"strings"
	"testing"
)

func TestMetrics_CountRequestsByRoutePattern(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	product := e.createProduct(e.keyA, "prod-metrics1")
	offer := e.createOpportunity(e.keyA, product.ID)
	e.do(req{method: "GET", path: "/api/v1/offers/" + offer.ID, key: e.keyA}).want(t, 200)
	e.do(req{method: "GET", path: "/api/v1/offers/off_00000000000000000000000000", key: e.keyA}).want(t, 404)
	e.do(req{method: "GET", path: "/api/v1/offers", key: "ddk_wrong"}).want(t, 401)
	e.do(req{method: "GET", path: "/nowhere", undocumented: true}).want(t, 404)

	res := e.do(req{method: "GET", path: "/metrics"}).want(t, 200)
	body := string(res.body)
	for _, want := range []string{
		`dealdesk_http_requests_total{method="POST",route="/api/v1/offers",status="201"} 1`,
		`dealdesk_http_requests_total{method="GET",route="/api/v1/offers/{id}",status="200"} 1`,
		`dealdesk_http_requests_total{method="GET",route="/api/v1/offers/{id}",status="404"} 1`,
		`dealdesk_http_requests_total{method="GET",route="/api/v1/offers",status="401"} 1`,
		`dealdesk_http_requests_total{method="GET",route="unmatched",status="404"} 1`,
		`dealdesk_http_request_duration_seconds_count{method="POST",route="/api/v1/products"} 1`,
		"go_goroutines ",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	for _, secret := range []string{offer.ID, product.ID, e.keyA, e.orgA} {
		if strings.Contains(body, secret) {
			t.Errorf("metrics contain %q", secret)
		}
	}
}

// TestMetrics_UnknownMethodsShareOneLabel sends made-up methods: each would otherwise add a
// label value of its own, so that any client could grow the metrics without bound.
func TestMetrics_UnknownMethodsShareOneLabel(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, m := range []string{"BREW", "X-SCAN-1", "X-SCAN-2"} {
		e.do(req{method: m, path: "/api/v1/offers", key: e.keyA, undocumented: true}).want(t, 405)
	}
	body := string(e.do(req{method: "GET", path: "/metrics"}).want(t, 200).body)
	if want := `dealdesk_http_requests_total{method="OTHER",route="unmatched",status="405"} 3`; !strings.Contains(body, want) {
		t.Errorf("metrics lack %s", want)
	}
	for _, m := range []string{"BREW", "X-SCAN-1", "X-SCAN-2"} {
		if strings.Contains(body, `method="`+m+`"`) {
			t.Errorf("metrics have a label for the method %s", m)
		}
	}
}
