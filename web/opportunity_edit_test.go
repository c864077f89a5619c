package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/sqldb/sqldbtest"
)

// failedOpportunity stores a complete opportunity of Acme that AWS refused (CREATE_FAILED).
func (f *fixture) failedOpportunity(t *testing.T) *dealdesk.Offer {
	t.Helper()
	ctx := f.ctx(f.acme)
	typ, name, desc, reseller, cur, dur := dealdesk.OfferCPPOOut, "Refused deal", "To be emptied", "111122223333", dealdesk.USD, "P12M"
	commit := dealdesk.MustDecimal("100.00")
	expiry := dealdesk.DateOf(time.Now().AddDate(0, 2, 0))
	o, err := f.db.CreateOffer(ctx, dealdesk.OfferInput{Type: &typ, Name: &name, Description: &desc, ProductID: &f.product.ID,
		ResellerAccountID: &reseller, CommitAmount: &commit, Currency: &cur, ContractDuration: &dur, ExpiryDate: &expiry,
		EntitledDimensions: &[]dealdesk.EntitledDimension{{DimensionKey: "seats", Quantity: 1}},
		DimensionPrices:    &[]dealdesk.DimensionPrice{{DimensionKey: "api_calls", Price: dealdesk.MustDecimal("0.01")}},
		EULA:               &dealdesk.Document{Type: dealdesk.DocumentStandard}}, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.SubmitOffer(ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	o, err = f.db.PublishFailed(ctx, o.ID, []dealdesk.FieldError{{Field: "resellerAccountId", Message: "AWS says the reseller is not a CPPO partner"}},
		dealdesk.TimelineEntry{Kind: dealdesk.TimelinePublishFailed, At: time.Now().UTC(), Source: dealdesk.SourceCall,
			SourceRef: "cs-test", Summary: "AWS refused the opportunity"})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// editValues returns the edit form's values for o as the page shows them, with changes.
func editValues(o *dealdesk.Offer, csrf string, changes map[string]string) url.Values {
	v := url.Values{"csrf": {csrf}, "productId": {o.ProductID}, "name": {o.Name}, "description": {o.Description},
		"resellerAccountId": {o.ResellerAccountID}, "commitAmount": {o.CommitAmount.String()}, "currency": {string(o.Currency)},
		"contractDuration": {o.ContractDuration}, "expiryDate": {o.ExpiryDate.String()}, "entitled.seats": {"1"},
		"price.api_calls": {"0.01"}, "eula.type": {"STANDARD"}, "resellerContract.type": {"NONE"}}
	for k, s := range changes {
		v.Set(k, s)
	}
	return v
}

func TestEditOpportunity_AFailedOneIsCorrectedAndResubmitted(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		o := f.failedOpportunity(t)
		c := f.client(t)
		csrf := f.signIn(t, c, f.email)

		_, page := f.get(t, c, "/offers/"+o.ID)
		if !strings.Contains(page, `href="/offers/`+o.ID+`/edit"`) || !strings.Contains(page, `action="/offers/`+o.ID+`/submit"`) {
			t.Fatalf("the failed opportunity's page offers no edit or resubmit:\n%s", page)
		}
		resp, form := f.get(t, c, "/offers/"+o.ID+"/edit")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET edit: %s", resp.Status)
		}
		for _, want := range []string{`action="/offers/` + o.ID + `/edit"`, `value="Refused deal"`, `>To be emptied</textarea>`,
			`value="111122223333"`, `value="100.00"`, `id="entitled.seats" name="entitled.seats" value="1"`, `value="` + o.ExpiryDate.String() + `"`} {
			if !strings.Contains(form, want) {
				t.Errorf("the edit form lacks %s", want)
			}
		}

		// A bad value: the domain's error next to its field, nothing stored.
		resp, body := f.postBody(t, c, "/offers/"+o.ID+"/edit", editValues(o, csrf, map[string]string{"resellerAccountId": "12345", "action": "submit"}))
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="error-resellerAccountId">must be a 12-digit AWS account ID`) {
			t.Fatalf("a bad reseller: %s\n%s", resp.Status, body)
		}
		if got, err := f.db.FindOfferByID(f.ctx(f.acme), o.ID); err != nil || got.Status != dealdesk.OfferCreateFailed || got.ResellerAccountID != "111122223333" {
			t.Fatalf("after a refused edit: %+v, %v; want it unchanged", got, err)
		}

		// Corrected and resubmitted: the emptied description is emptied.
		resp = f.post(t, c, "/offers/"+o.ID+"/edit", editValues(o, csrf, map[string]string{"resellerAccountId": "444455556666", "description": "", "action": "submit"}))
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/offers/"+o.ID+"?notice=submitted" {
			t.Fatalf("a corrected resubmit: %s to %q", resp.Status, resp.Header.Get("Location"))
		}
		got, err := f.db.FindOfferByID(f.ctx(f.acme), o.ID)
		if err != nil || got.Status != dealdesk.OfferPendingCreate || got.ResellerAccountID != "444455556666" || got.Description != "" || len(got.PublishErrors) != 0 {
			t.Fatalf("after the resubmit: %+v, %v; want PENDING_CREATE with the new reseller, no description, no errors", got, err)
		}
		resp, _ = f.get(t, c, "/offers/"+o.ID+"/edit")
		if resp.StatusCode != http.StatusConflict {
			t.Errorf("GET edit of a PENDING_CREATE opportunity: %s, want 409", resp.Status)
		}
	})
}

func TestSubmitOpportunity_ADraftIsSubmittedOrComesBackWithItsErrors(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		c := f.client(t)
		csrf := f.signIn(t, c, f.email)

		d := f.draft(t, f.acme, "Half a deal")
		resp, body := f.postBody(t, c, "/offers/"+d.ID+"/submit", url.Values{"csrf": {csrf}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `action="/offers/`+d.ID+`/edit"`) ||
			!strings.Contains(body, `id="error-resellerAccountId"`) || !strings.Contains(body, `value="Half a deal"`) {
			t.Fatalf("submitting an incomplete draft: %s\n%s", resp.Status, body)
		}
		if got, _ := f.db.FindOfferByID(f.ctx(f.acme), d.ID); got.Status != dealdesk.OfferDraft {
			t.Fatalf("the incomplete draft became %s", got.Status)
		}

		// Completed through the edit form and saved as a draft, then submitted from its page.
		o := f.failedOpportunity(t)
		resp = f.post(t, c, "/offers/"+d.ID+"/edit", editValues(o, csrf, map[string]string{"name": "Whole deal", "action": "draft"}))
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/offers/"+d.ID+"?notice=saved" {
			t.Fatalf("saving the draft: %s to %q", resp.Status, resp.Header.Get("Location"))
		}
		resp = f.post(t, c, "/offers/"+d.ID+"/submit", url.Values{"csrf": {csrf}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("submitting the completed draft: %s", resp.Status)
		}
		if got, _ := f.db.FindOfferByID(f.ctx(f.acme), d.ID); got.Status != dealdesk.OfferPendingCreate || got.Name != "Whole deal" {
			t.Fatalf("the submitted draft: %+v", got)
		}
	})
}

func TestOpportunityFlow_AnotherOrganizationsOpportunityIsNotFoundAndServeHasNoSimulator(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		c := f.client(t)
		csrf := f.signIn(t, c, f.email)
		theirs := f.draft(t, f.globex, "Globex deal")
		if resp, _ := f.get(t, c, "/offers/"+theirs.ID+"/edit"); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET edit of another organization's draft: %s, want 404", resp.Status)
		}
		for _, path := range []string{"/edit", "/submit", "/simulate/reseller-offer", "/simulate/buyer-accepts"} {
			if resp := f.post(t, c, "/offers/"+theirs.ID+path, url.Values{"csrf": {csrf}, "name": {"Taken"}}); resp.StatusCode != http.StatusNotFound {
				t.Errorf("POST %s of another organization's draft: %s, want 404", path, resp.Status)
			}
		}
		if got, _ := f.db.FindOfferByID(f.ctx(f.globex), theirs.ID); got.Name != "Globex deal" || got.Status != dealdesk.OfferDraft {
			t.Errorf("another organization's draft changed: %+v", got)
		}

		// Without Config.Simulator (serve) no Simulate button shows, and its routes are 404.
		o := f.failedOpportunity(t)
		_, page := f.get(t, c, "/offers/"+o.ID)
		if strings.Contains(page, "Simulate") {
			t.Error("the opportunity page offers Simulate without a simulator")
		}
		if resp := f.post(t, c, "/offers/"+o.ID+"/simulate/reseller-offer", url.Values{"csrf": {csrf}}); resp.StatusCode != http.StatusNotFound {
			t.Errorf("simulate without a simulator: %s, want 404", resp.Status)
		}
	})
}
