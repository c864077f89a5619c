package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/sqldb/sqldbtest"
)

// TestSettingsUsers_RemovalAndEndedSessionsSignOutAtOnce: a removed user, or one whose
// sessions were ended, is signed out on their next request, in every browser, although their
// signed cookie has not expired (decision 026); they can sign in again after ending sessions,
// not after removal. Nobody removes themselves, another organization's user is 404, and a post
// without its CSRF token changes nothing.
func TestSettingsUsers_RemovalAndEndedSessionsSignOutAtOnce(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newSettingsFixture(t, engine)
		bo, err := f.db.CreateUser(f.ctx(f.acme), f.acme, "bo@acme.example", "Bo", testPassword)
		if err != nil {
			t.Fatal(err)
		}
		admin := f.client(t)
		token := f.signIn(t, admin, f.email)
		boLaptop, boPhone := f.client(t), f.client(t)
		f.signIn(t, boLaptop, bo.Email)
		f.signIn(t, boPhone, bo.Email)
		signedIn := func(c *http.Client) bool {
			t.Helper()
			resp, _ := f.get(t, c, "/offers")
			return resp.StatusCode == http.StatusOK
		}

		// Refused posts change nothing.
		if resp := f.post(t, admin, "/settings/users/"+bo.ID+"/remove", url.Values{}); resp.StatusCode != http.StatusForbidden {
			t.Fatalf("remove without CSRF: %s", resp.Status)
		}
		if resp := f.post(t, admin, "/settings/users/"+bo.ID+"/end-sessions", url.Values{}); resp.StatusCode != http.StatusForbidden {
			t.Fatalf("end sessions without CSRF: %s", resp.Status)
		}
		gus, _, err := f.db.FindUsers(f.ctx(f.globex), dealdesk.UserFilter{})
		if err != nil || len(gus) != 1 {
			t.Fatal(gus, err)
		}
		for _, action := range []string{"remove", "end-sessions"} {
			if resp := f.post(t, admin, "/settings/users/"+gus[0].ID+"/"+action, url.Values{"csrf": {token}}); resp.StatusCode != http.StatusNotFound {
				t.Fatalf("%s another organization's user: %s", action, resp.Status)
			}
		}
		me, _, err := f.db.FindUsers(f.ctx(f.acme), dealdesk.UserFilter{})
		if err != nil {
			t.Fatal(err)
		}
		var anaID string
		for _, u := range me {
			if u.Email == f.email {
				anaID = u.ID
			}
		}
		if resp, body := f.postBody(t, admin, "/settings/users/"+anaID+"/remove", url.Values{"csrf": {token}}); resp.StatusCode != http.StatusConflict ||
			!strings.Contains(body, "cannot remove yourself") {
			t.Fatalf("remove yourself: %s\n%s", resp.Status, body)
		}
		if !signedIn(boLaptop) || !signedIn(boPhone) || !signedIn(admin) {
			t.Fatal("a refused post signed someone out")
		}
		if u, err := f.db.FindUserByID(f.ctx(f.globex), gus[0].ID); err != nil || u.SessionsEndedAt != nil {
			t.Fatalf("another organization's user changed: %+v, %v", u, err)
		}

		// Ending Bo's sessions signs out both his browsers, a copied cookie too; he can sign in again.
		laptopCookies := boLaptop.Jar.Cookies(mustURL(t, f.srv.URL))
		resp := f.post(t, admin, "/settings/users/"+bo.ID+"/end-sessions", url.Values{"csrf": {token}})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/settings/users?notice=sessions-ended" {
			t.Fatalf("end Bo's sessions: %s %q", resp.Status, resp.Header.Get("Location"))
		}
		if signedIn(boLaptop) || signedIn(boPhone) {
			t.Fatal("Bo is still signed in after his sessions were ended")
		}
		copied := f.client(t)
		copied.Jar.SetCookies(mustURL(t, f.srv.URL), laptopCookies)
		if signedIn(copied) {
			t.Fatal("a copy of Bo's old cookie still signs in")
		}
		if !signedIn(admin) {
			t.Fatal("ending Bo's sessions signed the admin out")
		}
		f.signIn(t, boLaptop, bo.Email)
		if !signedIn(boLaptop) {
			t.Fatal("Bo cannot sign in again after his sessions were ended")
		}

		// Removal asks first: the list links to a page that says what it does; not for oneself
		// or another organization's user.
		if _, body := f.get(t, admin, "/settings/users"); !strings.Contains(body, `href="/settings/users/`+bo.ID+`/remove"`) ||
			strings.Contains(body, `href="/settings/users/`+anaID+`/remove"`) {
			t.Fatalf("the users list should link to Bo's removal and not to one's own:\n%s", body)
		}
		if resp, body := f.get(t, admin, "/settings/users/"+bo.ID+"/remove"); resp.StatusCode != http.StatusOK ||
			!strings.Contains(body, "Remove bo@acme.example?") || !strings.Contains(body, `action="/settings/users/`+bo.ID+`/remove"`) {
			t.Fatalf("the removal's confirmation: %s\n%s", resp.Status, body)
		}
		if resp, _ := f.get(t, admin, "/settings/users/"+anaID+"/remove"); resp.StatusCode != http.StatusConflict {
			t.Fatalf("the confirmation of removing oneself: %s, want 409", resp.Status)
		}
		if resp, _ := f.get(t, admin, "/settings/users/"+gus[0].ID+"/remove"); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("the confirmation of removing another organization's user: %s, want 404", resp.Status)
		}
		if !signedIn(boLaptop) {
			t.Fatal("asking to confirm removed Bo")
		}

		// Removing Bo signs him out at once and for good.
		resp = f.post(t, admin, "/settings/users/"+bo.ID+"/remove", url.Values{"csrf": {token}})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/settings/users?notice=user-removed" {
			t.Fatalf("remove Bo: %s %q", resp.Status, resp.Header.Get("Location"))
		}
		if signedIn(boLaptop) {
			t.Fatal("a removed user is still signed in")
		}
		c := f.client(t)
		ct := f.csrf(t, c, "/signin")
		if resp := f.post(t, c, "/signin", url.Values{"csrf": {ct}, "email": {bo.Email}, "password": {testPassword}}); resp.StatusCode == http.StatusSeeOther {
			t.Fatal("a removed user signed in")
		}
		if _, body := f.get(t, admin, "/settings/users?notice=user-removed"); strings.Contains(body, bo.Email) || !strings.Contains(body, "User removed") {
			t.Fatalf("the users page after removing Bo:\n%s", body)
		}

		// Signing oneself out everywhere leads to the sign-in page and ends this browser's session.
		resp = f.post(t, admin, "/settings/users/"+anaID+"/end-sessions", url.Values{"csrf": {token}})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/signin?notice=signed-out" || signedIn(admin) {
			t.Fatalf("sign me out everywhere: %s %q", resp.Status, resp.Header.Get("Location"))
		}
	})
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
