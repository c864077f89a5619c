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

func TestNotifications_ListNewestFirstLinkedAndMarkRead(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		d := f.meteredDeal(t, f.acme, "notify1")
		theirs := f.meteredDeal(t, f.globex, "notify2")
		// A failed record notifies (METERING_FAILED), once per call and entitlement.
		for _, x := range []struct {
			org string
			id  string
		}{{f.acme, d.record(t, "api_calls", 0).ID}, {f.acme, d.record(t, "seats", 2).ID}, {f.globex, theirs.record(t, "api_calls", 0).ID}} {
			if err := f.db.FailMeteringRecords(f.ctx(x.org), []string{x.id}, time.Time{}, dealdesk.MeteringFailed, "AWS refused the batch", nil); err != nil {
				t.Fatal(err)
			}
			time.Sleep(2 * time.Millisecond) // distinct times, for the order
		}
		ours, _, err := f.db.FindNotifications(f.ctx(f.acme), dealdesk.NotificationFilter{})
		if err != nil || len(ours) != 2 {
			t.Fatalf("our notifications: %d, %v; want 2", len(ours), err)
		}
		others, _, err := f.db.FindNotifications(f.ctx(f.globex), dealdesk.NotificationFilter{})
		if err != nil || len(others) != 1 {
			t.Fatalf("their notifications: %d, %v; want 1", len(others), err)
		}
		c := f.client(t)
		token := f.signIn(t, c, f.email)
		resp, body := f.get(t, c, "/notifications")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /notifications: %s", resp.Status)
		}
		first, second := strings.Index(body, `id="notification-`+ours[0].ID+`"`), strings.Index(body, `id="notification-`+ours[1].ID+`"`)
		if first < 0 || second < 0 || first > second {
			t.Fatalf("the feed lacks our notifications, or not newest first:\n%s", body)
		}
		if strings.Contains(body, others[0].ID) {
			t.Fatal("the feed shows another organization's notification")
		}
		if n := strings.Count(body, `<a href="/entitlements/`+d.entitlement+`">`); n != 2 {
			t.Errorf("the feed links the entitlement %d times, want 2", n)
		}
		markRead := `action="/notifications/` + ours[1].ID + `/read"`
		if strings.Count(body, `/read"`) != 2 || !strings.Contains(body, markRead) {
			t.Fatalf("the feed must offer Mark read for each unread notification:\n%s", body)
		}

		if resp := f.post(t, c, "/notifications/"+others[0].ID+"/read", url.Values{"csrf": {token}}); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("mark another organization's notification read: %s, want 404", resp.Status)
		}
		if resp := f.post(t, c, "/notifications/"+ours[1].ID+"/read", url.Values{}); resp.StatusCode != http.StatusForbidden {
			t.Fatalf("mark read without the CSRF token: %s, want 403", resp.Status)
		}
		resp = f.post(t, c, "/notifications/"+ours[1].ID+"/read", url.Values{"csrf": {token}, "unread": {"true"}})
		if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != "/notifications?unread=true&notice=read" {
			t.Fatalf("mark read: %s, Location %q", resp.Status, loc)
		}
		got, _, err := f.db.FindNotifications(f.ctx(f.acme), dealdesk.NotificationFilter{Unread: true})
		if err != nil || len(got) != 1 || got[0].ID != ours[0].ID {
			t.Fatalf("unread after mark read: %v, %v; want only %s", got, err, ours[0].ID)
		}
		if read, _, _ := f.db.FindNotifications(f.ctx(f.globex), dealdesk.NotificationFilter{Unread: true}); len(read) != 1 {
			t.Fatal("their notification was marked read")
		}
		_, body = f.get(t, c, "/notifications?unread=true&notice=read")
		if !strings.Contains(body, "Marked read.") || strings.Contains(body, ours[1].ID) || !strings.Contains(body, ours[0].ID) {
			t.Fatalf("the unread feed after mark read:\n%s", body)
		}
		_, body = f.get(t, c, "/notifications")
		if strings.Contains(body, markRead) || !strings.Contains(body, `id="notification-`+ours[1].ID+`" class="read"`) {
			t.Fatalf("the feed still offers Mark read for a read notification:\n%s", body)
		}
	})
}
