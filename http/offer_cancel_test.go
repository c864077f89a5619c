package http_test

import (
	"testing"

	"github.com/dealdesk/dealdesk"
)

// TestOfferCancel_AgainAfterTheRestrictionFailed (review F7, decision 021): a cancelled
// opportunity whose restriction failed shows it in publishErrors (field "restriction"), and
// cancelling it again starts a new restriction (200, the failure cleared) instead of 409; one
// whose restriction is running or succeeded is 409.
func TestOfferCancel_AgainAfterTheRestrictionFailed(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *env) {
		p := e.createProduct(e.keyA, "prod-abc123")
		o := e.createOpportunity(e.keyA, p.ID)
		e.do(req{method: "POST", path: "/api/v1/offers/" + o.ID + "/submit", key: e.keyA}).want(t, 200)
		if _, err := e.db.PublishSucceeded(e.ctxA(), o.ID, "resaleauthz-1234567890abc", nil); err != nil {
			t.Fatal(err)
		}
		e.do(req{method: "POST", path: "/api/v1/offers/" + o.ID + "/cancel", key: e.keyA}).want(t, 200)
		e.do(req{method: "POST", path: "/api/v1/offers/" + o.ID + "/cancel", key: e.keyA}).want(t, 409) // restricting

		if err := e.db.RestrictEnded(e.ctxA(), o.ID, 1, "FAILED: StartChangeSet: AccessDeniedException: denied"); err != nil {
			t.Fatal(err)
		}
		var got dealdesk.Offer
		e.do(req{method: "GET", path: "/api/v1/offers/" + o.ID, key: e.keyA}).want(t, 200).decode(t, &got)
		if got.Status != dealdesk.OfferCancelled || len(got.PublishErrors) != 1 || got.PublishErrors[0].Field != "restriction" {
			t.Fatalf("GET: %s %+v; want CANCELLED with the restriction's failure", got.Status, got.PublishErrors)
		}
		var again dealdesk.Offer
		e.do(req{method: "POST", path: "/api/v1/offers/" + o.ID + "/cancel", key: e.keyB}).want(t, 404) // another organization
		e.do(req{method: "POST", path: "/api/v1/offers/" + o.ID + "/cancel", key: e.keyA}).want(t, 200).decode(t, &again)
		if again.Status != dealdesk.OfferCancelled || len(again.PublishErrors) != 0 {
			t.Fatalf("cancel again: %s %+v; want CANCELLED, the failure cleared", again.Status, again.PublishErrors)
		}
		pub, err := e.db.FindPublication(e.ctxA(), o.ID)
		if err != nil || pub.RestrictAttempt != 2 || pub.RestrictResult != "" {
			t.Fatalf("publication %+v, %v; want restriction attempt 2 running", pub, err)
		}
		if err := e.db.RestrictEnded(e.ctxA(), o.ID, 2, "SUCCEEDED"); err != nil {
			t.Fatal(err)
		}
		e.do(req{method: "POST", path: "/api/v1/offers/" + o.ID + "/cancel", key: e.keyA}).want(t, 409) // restricted
	})
}
