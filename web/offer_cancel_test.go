package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/sqldb/sqldbtest"
)

// TestOfferCancel_AsksFirst: the opportunity page links to a confirmation that says what
// cancelling does; only its form cancels; an opportunity that cannot be cancelled, or another
// organization's, has no such page.
func TestOfferCancel_AsksFirst(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		c := f.client(t)
		token := f.signIn(t, c, f.email)
		o := f.draft(t, f.acme, "Cancel me")
		theirs := f.draft(t, f.globex, "Not yours")

		if _, body := f.get(t, c, "/offers/"+o.ID); !strings.Contains(body, `href="/offers/`+o.ID+`/cancel"`) ||
			strings.Contains(body, `action="/offers/`+o.ID+`/cancel"`) {
			t.Fatalf("the opportunity page should link to the confirmation, not post the cancel:\n%s", body)
		}
		resp, body := f.get(t, c, "/offers/"+o.ID+"/cancel")
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Cancel “Cancel me”?") || !strings.Contains(body, "cannot be undone") ||
			!strings.Contains(body, `action="/offers/`+o.ID+`/cancel"`) {
			t.Fatalf("the confirmation: %s\n%s", resp.Status, body)
		}
		if got, err := f.db.FindOfferByID(f.ctx(f.acme), o.ID); err != nil || got.Status != dealdesk.OfferDraft {
			t.Fatalf("showing the confirmation changed the opportunity: %+v, %v", got, err)
		}
		if resp, _ := f.get(t, c, "/offers/"+theirs.ID+"/cancel"); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("another organization's confirmation: %s, want 404", resp.Status)
		}

		if resp := f.post(t, c, "/offers/"+o.ID+"/cancel", url.Values{"csrf": {token}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("confirm: %s", resp.Status)
		}
		if got, err := f.db.FindOfferByID(f.ctx(f.acme), o.ID); err != nil || got.Status != dealdesk.OfferCancelled {
			t.Fatalf("after confirming: %+v, %v; want CANCELLED", got, err)
		}
		if resp, body := f.get(t, c, "/offers/"+o.ID+"/cancel"); resp.StatusCode != http.StatusConflict || !strings.Contains(body, "cannot be cancelled") {
			t.Fatalf("the confirmation of a cancelled opportunity: %s\n%s", resp.Status, body)
		}
		if _, body := f.get(t, c, "/offers/"+o.ID); strings.Contains(body, `/cancel"`) {
			t.Fatalf("a cancelled opportunity still offers to cancel:\n%s", body)
		}
	})
}
