package http_test

import (
	"testing"

	"github.com/dealdesk/dealdesk"
)

// TestProductSync_QueuesOneJob: POST /api/v1/products:sync answers 202 with a queued
// product_sync job; asked again while it waits, it answers the same job as a duplicate; an
// organization without an AWS connection gets 404 and an option it does not know 422.
func TestProductSync_QueuesOneJob(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *env) {
		e = e.in(t)
		e.do(req{method: "POST", path: "/api/v1/products:sync", key: e.keyA}).want(t, 404)

		e.do(req{method: "PUT", path: "/api/v1/aws-connection", key: e.keyA, body: map[string]any{"sellerAccountId": "111122223333",
			"region": "us-east-1", "credentialsMode": "STATIC_KEYS", "accessKeyId": "AKIAIOSFODNN7EXAMPLE", "secretAccessKey": awsSecret}}).want(t, 200)
		var first, second dealdesk.JobState
		e.do(req{method: "POST", path: "/api/v1/products:sync", key: e.keyA}).want(t, 202).decode(t, &first)
		if first.JobID == 0 || first.Kind != "product_sync" || first.State != "available" || first.Duplicate {
			t.Fatalf("first sync %+v, want a new available product_sync job", first)
		}
		e.do(req{method: "POST", path: "/api/v1/products:sync", key: e.keyA, body: map[string]any{}}).want(t, 202).decode(t, &second)
		if second.JobID != first.JobID || !second.Duplicate {
			t.Errorf("second sync %+v, want job %d again as a duplicate", second, first.JobID)
		}
		t.Run("an unknown option is named", func(t *testing.T) {
			p := e.in(t).do(req{method: "POST", path: "/api/v1/products:sync", key: e.keyA, bad: true,
				body: map[string]any{"force": true}}).want(t, 422).problem(t)
			if !p.hasField("force") {
				t.Errorf("problem %+v does not name force", p)
			}
		})
		t.Run("another organization's connection does not count", func(t *testing.T) {
			e.in(t).do(req{method: "POST", path: "/api/v1/products:sync", key: e.keyB}).want(t, 404)
		})
	})
}

// TestProductCreate_RefusesRemovedDimension: removed and removedAt are product sync's; a
// product registered through the API cannot set them.
func TestProductCreate_RefusesRemovedDimension(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.do(req{method: "POST", path: "/api/v1/products", key: e.keyA, bad: true, body: map[string]any{
		"externalId": "prod-abc123def456", "productCode": "abc123def456", "title": "Widget Cloud",
		"dimensions": []map[string]any{{"key": "users", "name": "Users", "unit": "Users", "kind": "ENTITLED", "removed": true}},
	}}).want(t, 422).problem(t)
	if !p.hasField("dimensions[0].removed") {
		t.Errorf("problem %+v does not name dimensions[0].removed", p)
	}
	var list struct{ Items []dealdesk.Product }
	e.do(req{method: "GET", path: "/api/v1/products", key: e.keyA}).want(t, 200).decode(t, &list)
	if len(list.Items) != 0 {
		t.Errorf("the refused product was stored: %+v", list.Items)
	}
}
