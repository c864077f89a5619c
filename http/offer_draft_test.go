package http_test

import (
	"testing"
	"time"

	"github.com/dealdesk/dealdesk"
)

func TestOfferDraft_SaveEditSubmit(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *env) {
		p := e.createProduct(e.keyA, "prod-abc123")

		// Without ?draft=true the same incomplete body is refused.
		res := e.refused(t, req{method: "POST", path: "/api/v1/offers", key: e.keyA,
			body: map[string]any{"type": "CPPO_OUT", "name": "Half done"}}, ruleDraft).want(t, 422)
		if !res.problem(t).hasField("productId") {
			t.Errorf("incomplete offer: problem does not name productId: %s", res.body)
		}

		var d dealdesk.Offer
		e.do(req{method: "POST", path: "/api/v1/offers?draft=true", key: e.keyA,
			body: map[string]any{"type": "CPPO_OUT", "name": "Half done"}}).want(t, 201).decode(t, &d)
		if d.Status != dealdesk.OfferDraft || d.Name != "Half done" || d.ProductID != "" {
			t.Fatalf("draft = %+v", d)
		}

		// A draft's present fields are still checked.
		res = e.refused(t, req{method: "POST", path: "/api/v1/offers?draft=true", key: e.keyA,
			body: map[string]any{"type": "CPPO_OUT", "resellerAccountId": "123"}}, "").want(t, 422)
		if !res.problem(t).hasField("resellerAccountId") {
			t.Errorf("draft with a bad field: %s", res.body)
		}

		// Submitting the incomplete draft names what is missing and changes nothing.
		res = e.do(req{method: "POST", path: "/api/v1/offers/" + d.ID + "/submit", key: e.keyA}).want(t, 422)
		if pr := res.problem(t); !pr.hasField("productId") || !pr.hasField("resellerAccountId") {
			t.Errorf("submit of an incomplete draft: %s", res.body)
		}
		var got dealdesk.Offer
		draft := e.do(req{method: "GET", path: "/api/v1/offers/" + d.ID, key: e.keyA}).want(t, 200)
		draft.decode(t, &got)
		if got.Status != dealdesk.OfferDraft {
			t.Errorf("after refused submit status = %s, want DRAFT", got.Status)
		}

		// PATCH with a bad field is refused and changes nothing, not even updatedAt (hence the
		// later clock).
		e.clock.advance(time.Hour)
		e.refused(t, req{method: "PATCH", path: "/api/v1/offers/" + d.ID, key: e.keyA,
			body: map[string]any{"commitAmount": "1.234"}}, "").want(t, 422)
		e.refused(t, req{method: "PATCH", path: "/api/v1/offers/" + d.ID, key: e.keyA,
			body: map[string]any{"colour": "red"}}, "").want(t, 422)
		if after := e.do(req{method: "GET", path: "/api/v1/offers/" + d.ID, key: e.keyA}).want(t, 200); string(after.body) != string(draft.body) {
			t.Errorf("refused PATCHes changed the draft:\n%s\nwas\n%s", after.body, draft.body)
		}

		// PATCH the rest in; fields absent from the PATCH keep their value.
		rest := opportunity(p.ID)
		delete(rest, "name")
		delete(rest, "type")
		var patched dealdesk.Offer
		e.do(req{method: "PATCH", path: "/api/v1/offers/" + d.ID, key: e.keyA, body: rest}).want(t, 200).decode(t, &patched)
		if patched.Name != "Half done" || patched.ProductID != p.ID || patched.CommitAmount.String() != "12000.00" {
			t.Errorf("patched = %+v", patched)
		}

		var sub dealdesk.Offer
		e.do(req{method: "POST", path: "/api/v1/offers/" + d.ID + "/submit", key: e.keyA}).want(t, 200).decode(t, &sub)
		if sub.Status != dealdesk.OfferPendingCreate {
			t.Errorf("submitted status = %s, want PENDING_CREATE", sub.Status)
		}
		var l listResp[dealdesk.Offer]
		e.do(req{method: "GET", path: "/api/v1/offers?status=PENDING_CREATE", key: e.keyA}).want(t, 200).decode(t, &l)
		if len(l.Items) != 1 || l.Items[0].ID != d.ID {
			t.Errorf("status=PENDING_CREATE lists %+v", l.Items)
		}

		// A submitted offer is no longer a draft: no edit, no second submit, no delete.
		for _, r := range []req{
			{method: "PATCH", path: "/api/v1/offers/" + d.ID, key: e.keyA, body: map[string]any{"name": "Renamed"}},
			{method: "POST", path: "/api/v1/offers/" + d.ID + "/submit", key: e.keyA},
			{method: "DELETE", path: "/api/v1/offers/" + d.ID, key: e.keyA},
		} {
			if res := e.do(r); res.status != 409 {
				t.Errorf("%s %s on a submitted offer = %d, want 409: %s", r.method, r.path, res.status, res.body)
			}
		}
		e.do(req{method: "GET", path: "/api/v1/offers/" + d.ID, key: e.keyA}).want(t, 200).decode(t, &got)
		if got.Status != dealdesk.OfferPendingCreate || got.Name != "Half done" {
			t.Errorf("after refused changes: %+v", got)
		}
	})
}

func TestOfferDraft_DeleteAndCancel(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	newDraft := func() dealdesk.Offer {
		var d dealdesk.Offer
		e.do(req{method: "POST", path: "/api/v1/offers?draft=true", key: e.keyA,
			body: map[string]any{"type": "CPPO_OUT", "name": "Draft"}}).want(t, 201).decode(t, &d)
		return d
	}
	d := newDraft()
	e.do(req{method: "DELETE", path: "/api/v1/offers/" + d.ID, key: e.keyA}).want(t, 204)
	e.do(req{method: "GET", path: "/api/v1/offers/" + d.ID, key: e.keyA}).want(t, 404)
	e.do(req{method: "DELETE", path: "/api/v1/offers/" + d.ID, key: e.keyA}).want(t, 404)

	c := newDraft()
	var cancelled dealdesk.Offer
	e.do(req{method: "POST", path: "/api/v1/offers/" + c.ID + "/cancel", key: e.keyA}).want(t, 200).decode(t, &cancelled)
	if cancelled.Status != dealdesk.OfferCancelled {
		t.Errorf("cancelled draft status = %s", cancelled.Status)
	}
	e.do(req{method: "POST", path: "/api/v1/offers/" + c.ID + "/cancel", key: e.keyA}).want(t, 409)
	e.refused(t, req{method: "POST", path: "/api/v1/offers?draft=yes", key: e.keyA,
		body: map[string]any{"type": "CPPO_OUT"}}, "").want(t, 422)
}

func TestOfferDraft_PatchNullRemovesAField(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.createProduct(e.keyA, "prod-abc123")
	o := e.createOpportunity(e.keyA, p.ID)

	// Turning the one-time opportunity with installments into a multi-use one without an expiry
	// date: null removes the installments, the expiry date and the reseller contract.
	var patched dealdesk.Offer
	e.do(req{method: "PATCH", path: "/api/v1/offers/" + o.ID, key: e.keyA, body: `{"installments":null,
		"expiryDate":null,"resellerContract":null,"oneTime":false,"description":"Multi-use now"}`}).want(t, 200).decode(t, &patched)
	if len(patched.Installments) != 0 || patched.ExpiryDate != nil || patched.ResellerContract != nil ||
		patched.OneTime || patched.Description != "Multi-use now" {
		t.Fatalf("patched = %+v", patched)
	}
	if patched.Name != o.Name || patched.EULA == nil || patched.CommitAmount == nil {
		t.Fatalf("fields absent from the patch changed: %+v", patched)
	}
	var got dealdesk.Offer
	e.do(req{method: "GET", path: "/api/v1/offers/" + o.ID, key: e.keyA}).want(t, 200).decode(t, &got)
	if got.ExpiryDate != nil || len(got.Installments) != 0 {
		t.Fatalf("stored = %+v", got)
	}
	// It is still complete: it submits.
	e.do(req{method: "POST", path: "/api/v1/offers/" + o.ID + "/submit", key: e.keyA}).want(t, 200)
}

// TestOfferDraft_PatchCannotChangeOrRemoveTheType pins review 2 N5 on both engines: "type": null
// is refused like another type, naming the field, by server and document alike, and changes
// nothing; a patch sent as application/merge-patch+json (RFC 7396's media type, which the document
// lists) is applied like one sent as application/json.
func TestOfferDraft_PatchCannotChangeOrRemoveTheType(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *env) {
		p := e.createProduct(e.keyA, "prod-typenull1")
		o := e.createOpportunity(e.keyA, p.ID)
		path := "/api/v1/offers/" + o.ID
		before := e.do(req{method: "GET", path: path, key: e.keyA}).want(t, 200)
		e.clock.advance(time.Hour) // a refused patch must not even touch updatedAt
		for _, body := range []string{`{"type":null}`, `{"type":"CPPO"}`, `{"name":"Renamed","type":null}`} {
			t.Run(body, func(t *testing.T) {
				e := e.in(t)
				res := e.refused(t, req{method: "PATCH", path: path, key: e.keyA, body: body}, "").want(t, 422)
				if pr := res.problem(t); !pr.hasField("type") {
					t.Errorf("problem does not name type: %s", res.body)
				}
			})
		}
		if after := e.do(req{method: "GET", path: path, key: e.keyA}).want(t, 200); string(after.body) != string(before.body) {
			t.Fatalf("refused patches changed the offer:\n%s\nwas\n%s", after.body, before.body)
		}
		e.do(req{method: "PATCH", path: "/api/v1/offers/off_00000000000000000000000000", key: e.keyA, body: `{"type":null}`, bad: true}).want(t, 404)

		var got dealdesk.Offer
		e.do(req{method: "PATCH", path: path, key: e.keyA, body: `{"description":null,"name":"Merged"}`,
			header: map[string]string{"Content-Type": "application/merge-patch+json"}}).want(t, 200).decode(t, &got)
		if got.Name != "Merged" || got.Description != "" || got.Type != dealdesk.OfferCPPOOut {
			t.Fatalf("merge-patch+json: name %q, description %q, type %s", got.Name, got.Description, got.Type)
		}
	})
}
