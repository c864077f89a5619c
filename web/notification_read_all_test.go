package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/sqldb/sqldbtest"
)

// TestNotifications_MarkAllReadUpToWhenShown: "Mark all read" marks read what the feed showed,
// not a notification that arrived since, nor another organization's; a form without its shown
// time or its CSRF token marks nothing.
func TestNotifications_MarkAllReadUpToWhenShown(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		d := f.meteredDeal(t, f.acme, "readall1")
		theirs := f.meteredDeal(t, f.globex, "readall2")
		fail := func(org, id string) {
			t.Helper()
			if err := f.db.FailMeteringRecords(f.ctx(org), []string{id}, time.Time{}, dealdesk.MeteringFailed, "AWS refused the batch", nil); err != nil {
				t.Fatal(err)
			}
			time.Sleep(2 * time.Millisecond)
		}
		fail(f.acme, d.record(t, "api_calls", 0).ID)
		fail(f.acme, d.record(t, "seats", 2).ID)
		fail(f.globex, theirs.record(t, "api_calls", 0).ID)
		unread := func(org string) int {
			t.Helper()
			ns, _, err := f.db.FindNotifications(f.ctx(org), dealdesk.NotificationFilter{Unread: true})
			if err != nil {
				t.Fatal(err)
			}
			return len(ns)
		}
		if unread(f.acme) != 2 || unread(f.globex) != 1 {
			t.Fatalf("unread before: %d ours, %d theirs; want 2 and 1", unread(f.acme), unread(f.globex))
		}

		c := f.client(t)
		token := f.signIn(t, c, f.email)
		_, body := f.get(t, c, "/notifications")
		m := regexp.MustCompile(`name="shown" value="([^"]+)"`).FindStringSubmatch(body)
		if m == nil || !strings.Contains(body, `id="mark-all-read"`) || strings.Count(body, `class="visually-hidden">Unread:`) != 2 {
			t.Fatalf("the feed should offer Mark all read and mark the 2 unread ones:\n%s", body)
		}
		shown := m[1]
		time.Sleep(2 * time.Millisecond)
		fail(f.acme, d.record(t, "api_calls", 1).ID) // arrives after the feed was shown

		if resp := f.post(t, c, "/notifications/read-all", url.Values{"shown": {shown}}); resp.StatusCode != http.StatusForbidden {
			t.Fatalf("without the CSRF token: %s, want 403", resp.Status)
		}
		if resp := f.post(t, c, "/notifications/read-all", url.Values{"csrf": {token}, "shown": {"yesterday"}}); resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("a bad shown time: %s, want 400", resp.Status)
		}
		if unread(f.acme) != 3 {
			t.Fatalf("refused posts marked notifications read: %d unread, want 3", unread(f.acme))
		}

		resp := f.post(t, c, "/notifications/read-all", url.Values{"csrf": {token}, "shown": {shown}})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/notifications?notice=read-all&marked=2" {
			t.Fatalf("mark all read: %s %q", resp.Status, resp.Header.Get("Location"))
		}
		if unread(f.acme) != 1 || unread(f.globex) != 1 {
			t.Fatalf("unread after: %d ours, %d theirs; want the one that arrived since, and theirs untouched", unread(f.acme), unread(f.globex))
		}
		if _, body := f.get(t, c, "/notifications?notice=read-all&marked=2"); !strings.Contains(body, "Marked 2 notifications read.") {
			t.Fatalf("the notice after marking all read:\n%s", body)
		}
	})
}
