package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/sqldb/sqldbtest"
)

func TestSettingsUsers_AnAddedUserCanSignIn(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newSettingsFixture(t, engine)
		c := f.client(t)
		token := f.signIn(t, c, f.email)
		resp, body := f.get(t, c, "/settings/users")
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, f.email) || strings.Contains(body, f.otherEmail) {
			t.Fatalf("list: %s; want our user and not Globex's\n%s", resp.Status, body)
		}
		users := func() int {
			t.Helper()
			us, _, err := f.db.FindUsers(f.ctx(f.acme), dealdesk.UserFilter{})
			if err != nil {
				t.Fatal(err)
			}
			return len(us)
		}

		const newPassword = "twelve chars ok"
		resp, body = f.postBody(t, c, "/settings/users", url.Values{"csrf": {token}, "email": {"bo@acme.example"}, "name": {"Bo"},
			"password": {"eleven char"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !nextToField("password", "at least 12 characters").MatchString(body) ||
			holds(body, "eleven char") || !strings.Contains(body, `value="bo@acme.example"`) {
			t.Fatalf("a short password: %s\n%s", resp.Status, body)
		}
		resp, body = f.postBody(t, c, "/settings/users", url.Values{"csrf": {token}, "email": {strings.ToUpper(f.email)}, "name": {"Again"},
			"password": {newPassword}})
		if resp.StatusCode != http.StatusConflict || !nextToField("email", "already exists").MatchString(body) {
			t.Fatalf("a taken email: %s\n%s", resp.Status, body)
		}
		if n := users(); n != 1 {
			t.Fatalf("users after refused adds: %d, want 1", n)
		}

		resp = f.post(t, c, "/settings/users", url.Values{"csrf": {token}, "email": {"bo@acme.example"}, "name": {"Bo Builder"},
			"password": {newPassword}})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/settings/users?notice=user-added" {
			t.Fatalf("add: %s", resp.Status)
		}
		if _, body := f.get(t, c, "/settings/users?notice=user-added"); !strings.Contains(withoutLabels(body), "<td>bo@acme.example</td><td>Bo Builder</td>") ||
			holds(body, newPassword) {
			t.Fatalf("the list after adding:\n%s", body)
		}

		bo := f.client(t)
		bt := f.csrf(t, bo, "/signin")
		resp = f.post(t, bo, "/signin", url.Values{"csrf": {bt}, "email": {"bo@acme.example"}, "password": {newPassword}})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/offers" {
			t.Fatalf("the new user signs in: %s", resp.Status)
		}
		if _, body := f.get(t, bo, "/settings/users"); !strings.Contains(body, f.email) {
			t.Fatalf("the new user does not see the organization's users:\n%s", body)
		}
	})
}
