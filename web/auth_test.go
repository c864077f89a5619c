package web_test

import (
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/sqldb"
	"github.com/dealdesk/dealdesk/sqldb/sqldbtest"
	"github.com/dealdesk/dealdesk/web"
)

func TestSignIn_ASignedOutVisitorReachesOnlyTheSignInPage(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		o := f.draft(t, f.acme, "Hidden")
		c := f.client(t)
		for _, path := range []string{"/", "/offers", "/offers?type=CPPO", "/offers/new", "/offers/" + o.ID, "/no/such/page"} {
			resp, body := f.get(t, c, path)
			loc := resp.Header.Get("Location")
			if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/signin") {
				t.Errorf("GET %s signed out: %s, Location %q; want 303 to /signin", path, resp.Status, loc)
			}
			if strings.Contains(body, "Hidden") {
				t.Errorf("GET %s signed out shows the opportunity", path)
			}
		}
		resp, body := f.get(t, c, "/signin")
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, `<label for="password">`) {
			t.Fatalf("GET /signin: %s\n%s", resp.Status, body)
		}
		// A signed-out post with the session's valid token still reaches nothing.
		token := csrfField.FindStringSubmatch(body)[1]
		resp = f.post(t, c, "/offers/"+o.ID+"/cancel", url.Values{"csrf": {token}})
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/signin") {
			t.Fatalf("signed-out cancel: %s, want 303 to /signin", resp.Status)
		}
		if got, err := f.db.FindOfferByID(f.ctx(f.acme), o.ID); err != nil || got.Status != "DRAFT" {
			t.Fatalf("after a signed-out cancel: %+v, %v", got, err)
		}
	})
}

func TestSignIn_NextPageAndSignOut(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		c := f.client(t)
		resp, _ := f.get(t, c, "/offers?type=CPPO")
		if loc := resp.Header.Get("Location"); loc != "/signin?next=%2Foffers%3Ftype%3DCPPO" {
			t.Fatalf("Location %q", loc)
		}
		token := f.csrf(t, c, "/signin?next=%2Foffers%3Ftype%3DCPPO")
		resp = f.post(t, c, "/signin", url.Values{"csrf": {token}, "email": {f.email}, "password": {testPassword}, "next": {"/offers?type=CPPO"}})
		if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != "/offers?type=CPPO" {
			t.Fatalf("sign in with next: %s, Location %q", resp.Status, loc)
		}
		// Another site as next is ignored.
		c2 := f.client(t)
		token = f.csrf(t, c2, "/signin")
		resp = f.post(t, c2, "/signin", url.Values{"csrf": {token}, "email": {f.email}, "password": {testPassword}, "next": {"//evil.example/"}})
		if loc := resp.Header.Get("Location"); loc != "/offers" {
			t.Fatalf("next=//evil.example/: Location %q, want /offers", loc)
		}

		token = f.csrf(t, c, "/offers")
		resp = f.post(t, c, "/signout", url.Values{"csrf": {token}})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/signin?notice=signed-out" {
			t.Fatalf("sign out: %s", resp.Status)
		}
		// The sign-in page it leads to says so; a plain visit to it does not.
		const signedOut = `<p class="notice" role="status" id="signin-notice">You are signed out.</p>`
		if resp, body := f.get(t, c, resp.Header.Get("Location")); resp.StatusCode != http.StatusOK || !strings.Contains(body, signedOut) {
			t.Fatalf("the sign-in page after sign out: %s, lacks %s:\n%s", resp.Status, signedOut, body)
		}
		if _, body := f.get(t, f.client(t), "/signin"); !strings.Contains(body, "<h1>Sign in</h1>") || strings.Contains(body, "signed out") {
			t.Fatalf("the sign-in page says signed out without a sign-out:\n%s", body)
		}
		if resp, _ := f.get(t, c, "/offers"); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("GET /offers after sign out: %s, want 303 to /signin", resp.Status)
		}
	})
}

func TestSignIn_SessionCookieIsHttpOnlyLaxAndSecureOverTLS(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		check := func(t *testing.T, c *http.Client, base string, secure bool) {
			t.Helper()
			resp, err := c.Get(base + "/signin")
			if err != nil {
				t.Fatal(err)
			}
			readAll(t, resp)
			var signedOut *http.Cookie
			for _, ck := range resp.Cookies() {
				if ck.Name == web.SessionCookie {
					signedOut = ck
				}
			}
			if signedOut == nil {
				t.Fatalf("GET /signin sets no %s cookie: %v", web.SessionCookie, resp.Header["Set-Cookie"])
			}
			raw := strings.Join(resp.Header["Set-Cookie"], "\n")
			if !signedOut.HttpOnly || signedOut.SameSite != http.SameSiteLaxMode || signedOut.Secure != secure || signedOut.Path != "/" {
				t.Fatalf("session cookie %s: want HttpOnly, SameSite=Lax, Path=/, Secure=%v", raw, secure)
			}
		}
		check(t, f.client(t), f.srv.URL, false)

		h, err := web.New(web.Config{Users: f.db, Offers: f.db, Products: f.db, Parties: f.db,
			Entitlements: f.db, Metering: f.db, Notifications: f.db, SecretKey: []byte(strings.Repeat("k", 32))})
		if err != nil {
			t.Fatal(err)
		}
		tls := httptest.NewTLSServer(h)
		defer tls.Close()
		c := tls.Client()
		c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		c.Jar, _ = cookiejar.New(nil)
		check(t, c, tls.URL, true)

		// And the signed-in session's cookie, over TLS.
		resp, err := c.Get(tls.URL + "/signin")
		if err != nil {
			t.Fatal(err)
		}
		token := csrfField.FindStringSubmatch(readAll(t, resp))[1]
		resp, err = c.PostForm(tls.URL+"/signin", url.Values{"csrf": {token}, "email": {f.email}, "password": {testPassword}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		raw := strings.Join(resp.Header["Set-Cookie"], "\n")
		for _, want := range []string{web.SessionCookie + "=", "HttpOnly", "SameSite=Lax", "Secure"} {
			if !strings.Contains(raw, want) {
				t.Fatalf("signed-in Set-Cookie %q lacks %s", raw, want)
			}
		}
	})
}

func TestSignIn_ATamperedCookieIsSignedOut(t *testing.T) {
	t.Parallel()
	f := newFixture(t, sqldb.EngineSQLite)
	c := f.client(t)
	f.signIn(t, c, f.email)
	u, _ := url.Parse(f.srv.URL)
	var value string
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == web.SessionCookie {
			value = ck.Value
		}
	}
	payload, sig, _ := strings.Cut(value, ".")
	// Flip one character of the payload: the signature no longer matches.
	b := []byte(payload)
	b[3] ^= 1
	c.Jar.SetCookies(u, []*http.Cookie{{Name: web.SessionCookie, Value: string(b) + "." + sig, Path: "/"}})
	if resp, _ := f.get(t, c, "/offers"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("GET /offers with a tampered cookie: %s, want 303 to /signin", resp.Status)
	}
}

func TestSignIn_RepeatedFailuresAreRefusedForAWhile(t *testing.T) {
	t.Parallel()
	f := newFixture(t, sqldb.EngineSQLite)
	c := f.client(t)
	token := f.csrf(t, c, "/signin")
	try := func(email, password string) int {
		resp := f.post(t, c, "/signin", url.Values{"csrf": {token}, "email": {email}, "password": {password}})
		return resp.StatusCode
	}
	for i := range 5 {
		if got := try(f.email, "wrong password number"); got != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d, want 401", i+1, got)
		}
	}
	if got := try(f.email, testPassword); got != http.StatusTooManyRequests {
		t.Fatalf("right password after 5 failures: %d, want 429", got)
	}
	if got := try(strings.ToUpper(f.email), testPassword); got != http.StatusTooManyRequests {
		t.Fatalf("the same email in capitals: %d, want 429", got)
	}
	// Another user from the same address is not held up.
	if got := try(f.otherEmail, testPassword); got != http.StatusSeeOther {
		t.Fatalf("another email: %d, want 303", got)
	}
}

func TestCSRF_AFormWithoutItsTokenIsRefusedAndChangesNothing(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		o := f.draft(t, f.acme, "Keep me")
		c := f.client(t)
		token := f.signIn(t, c, f.email)
		other := f.client(t)
		otherToken := f.csrf(t, other, "/signin") // a real token, of another session
		for name, form := range map[string]url.Values{
			"no token":                  {},
			"empty token":               {"csrf": {""}},
			"another session's token":   {"csrf": {otherToken}},
			"token in the query only":   {},
			"a token of the wrong size": {"csrf": {token[:10]}},
		} {
			path := "/offers/" + o.ID + "/cancel"
			if name == "token in the query only" {
				path += "?csrf=" + url.QueryEscape(token)
			}
			resp, body := f.postBody(t, c, path, form)
			if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "reload the page") {
				t.Errorf("%s: %s, want 403 with the page's message", name, resp.Status)
			}
		}
		resp, body := f.postBody(t, c, "/offers", url.Values{"name": {"Sneaky"}, "productId": {f.product.ID}, "action": {"draft"}})
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("create without a token: %s\n%s", resp.Status, body)
		}
		if got, err := f.db.FindOfferByID(f.ctx(f.acme), o.ID); err != nil || got.Status != "DRAFT" {
			t.Fatalf("after refused cancels: %+v, %v; want it DRAFT still", got, err)
		}
		offers, _, err := f.db.FindOffers(f.ctx(f.acme), dealdesk.OfferFilter{})
		if err != nil || len(offers) != 1 {
			t.Fatalf("offers after refused posts: %d, %v; want 1", len(offers), err)
		}
		// With the token, the same post works: the refusals were the token's doing.
		resp = f.post(t, c, "/offers/"+o.ID+"/cancel", url.Values{"csrf": {token}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("cancel with the token: %s", resp.Status)
		}
		if got, err := f.db.FindOfferByID(f.ctx(f.acme), o.ID); err != nil || got.Status != dealdesk.OfferCancelled {
			t.Fatalf("after cancel with the token: %+v, %v", got, err)
		}
	})
}

func TestOffer_AnotherOrganizationsOpportunityIsNotFound(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		theirs := f.draft(t, f.globex, "Globex secret deal")
		ours := f.draft(t, f.acme, "Acme deal")
		c := f.client(t)
		token := f.signIn(t, c, f.email)
		resp, body := f.get(t, c, "/offers/"+theirs.ID)
		if resp.StatusCode != http.StatusNotFound || strings.Contains(body, "Globex secret deal") {
			t.Fatalf("GET another organization's opportunity: %s\n%s", resp.Status, body)
		}
		resp = f.post(t, c, "/offers/"+theirs.ID+"/cancel", url.Values{"csrf": {token}})
		if resp.StatusCode != http.StatusNotFound {
			t.Fatalf("cancel another organization's opportunity: %s, want 404", resp.Status)
		}
		if got, err := f.db.FindOfferByID(f.ctx(f.globex), theirs.ID); err != nil || got.Status != "DRAFT" {
			t.Fatalf("their opportunity after the refused cancel: %+v, %v", got, err)
		}
		resp, body = f.get(t, c, "/offers")
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Acme deal") || strings.Contains(body, "Globex") {
			t.Fatalf("the list shows other organizations' offers, or not ours: %s\n%s", resp.Status, body)
		}
		if resp, body := f.get(t, c, "/offers/"+ours.ID); resp.StatusCode != http.StatusOK || !strings.Contains(body, "Acme deal") {
			t.Fatalf("GET our opportunity: %s", resp.Status)
		}
	})
}

func TestStatic_ServedWithoutASessionCachedByChecksum(t *testing.T) {
	t.Parallel()
	f := newFixture(t, sqldb.EngineSQLite)
	c := f.client(t)
	_, body := f.get(t, c, "/signin")
	m := regexp.MustCompile(`href="(/static/[0-9a-f]{16}/app\.css)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("the layout links no checksummed app.css:\n%s", body)
	}
	resp, css := f.get(t, f.client(t), m[1])
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/css; charset=utf-8" ||
		!strings.Contains(resp.Header.Get("Cache-Control"), "immutable") || len(resp.Cookies()) != 0 || !strings.Contains(css, ".field-error") {
		t.Fatalf("GET %s: %s %q %q, cookies %v", m[1], resp.Status, resp.Header.Get("Content-Type"), resp.Header.Get("Cache-Control"), resp.Cookies())
	}
	if resp, _ := f.get(t, c, "/static/0000000000000000/app.css"); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("a stale checksum: %s, want 404", resp.Status)
	}
}
