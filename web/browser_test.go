package web_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/dealdesk/dealdesk/sqldb"
)

// screenshotDir is where the browser test saves a PNG of each page it visits:
// $DEALDESK_SCREENSHOTS, or web/testdata/screenshots (ignored by git).
func screenshotDir(t *testing.T) string {
	dir := os.Getenv("DEALDESK_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join("testdata", "screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// findChromium returns the path of Debian's chromium (or another Chrome). Without one the test
// is skipped, except under CI (CI set), where it fails: scripts/test.sh installs chromium.
func findChromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "/usr/bin/chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if ci := os.Getenv("CI"); ci != "" && ci != "false" && ci != "0" {
		t.Fatal("chromium not found, and CI is set: the browser test must run in CI (scripts/test.sh installs Debian's chromium)")
	}
	t.Skip("chromium not found: install Debian's chromium (apt-get install -y chromium; scripts/test.sh does) to run the browser test")
	return ""
}

// TestBrowser_SignInCreateCPPOFixAFieldAndSeeTheOpportunity drives a real headless Chromium
// through the console: sign in, open Create CPPO, submit a bad reseller account ID and see the
// domain's error next to that field, fix it, submit, and land on the opportunity's page. It
// saves a screenshot of each page (screenshotDir).
func TestBrowser_SignInCreateCPPOFixAFieldAndSeeTheOpportunity(t *testing.T) {
	chrome := findChromium(t)
	f := newFixture(t, sqldb.EngineSQLite)
	dir := screenshotDir(t)

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chrome), chromedp.NoSandbox,
		chromedp.WindowSize(1280, 1000), chromedp.Flag("disable-gpu", true))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancelTimeout := context.WithTimeout(ctx, 30*time.Second)
	defer cancelTimeout()

	// shot saves a PNG of the whole page as name.png.
	shot := func(name string) chromedp.Action[chromedp.Void] {
		return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
			png, err := chromedp.FullScreenshot(100)(ctx, tg)
			if err != nil {
				return chromedp.Void{}, err
			}
			return chromedp.Void{}, os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644)
		}
	}
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	expiry := time.Now().UTC().AddDate(0, 2, 0).Format("2006-01-02")
	step := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("browser: %s: %v", what, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Text(css(sel)))
		if err != nil {
			t.Fatalf("browser: text of %s: %v", sel, err)
		}
		return strings.TrimSpace(v)
	}

	step("sign in",
		chromedp.Navigate(f.srv.URL+"/offers"), // signed out: the sign-in page
		chromedp.WaitVisible(css(`#email`)),
		shot("01-signin"),
		chromedp.SendKeys(css(`#email`), f.email),
		chromedp.SendKeys(css(`#password`), testPassword),
		chromedp.Click(css(`main form button[type="submit"]`)),
		chromedp.WaitVisible(css(`a.button[href="/offers/new"]`)),
		shot("02-offers"))
	step("fill Create CPPO with a bad reseller account",
		chromedp.Click(css(`a.button[href="/offers/new"]`)),
		chromedp.WaitVisible(css(`#name`)),
		chromedp.SendKeys(css(`#name`), "Browser deal"),
		chromedp.SendKeys(css(`#resellerAccountId`), "12345"),
		chromedp.SendKeys(css(`#commitAmount`), "12000.00"),
		chromedp.SendKeys(css(`[id="entitled.seats"]`), "10"),
		chromedp.SendKeys(css(`[id="price.api_calls"]`), "0.002"),
		chromedp.SetValue(css(`#expiryDate`), expiry),
		shot("03-create-cppo"),
		chromedp.Click(css(`button[value="submit"]`)),
		chromedp.WaitVisible(css(`#error-resellerAccountId`)),
		shot("04-create-cppo-field-error"))
	if got := text(`#error-resellerAccountId`); got != "must be a 12-digit AWS account ID" {
		t.Errorf("the error next to the reseller account = %q, want the domain's", got)
	}
	step("fix it and submit",
		chromedp.SetValue(css(`#resellerAccountId`), "111122223333"),
		chromedp.Click(css(`button[value="submit"]`)),
		chromedp.WaitVisible(css(`#offer-status`)),
		shot("05-opportunity"))
	if got := text(`#offer-status`); got != "PENDING_CREATE" {
		t.Errorf("the opportunity's status = %q, want PENDING_CREATE", got)
	}
	if title, err := chromedp.Run(ctx, chromedp.Title()); err != nil || !strings.HasPrefix(title, "Browser deal") {
		t.Errorf("the opportunity's page title = %q, %v", title, err)
	}
	for _, name := range []string{"01-signin", "02-offers", "03-create-cppo", "04-create-cppo-field-error", "05-opportunity"} {
		if fi, err := os.Stat(filepath.Join(dir, name+".png")); err != nil || fi.Size() == 0 {
			t.Errorf("screenshot %s: %v", name, err)
		}
	}
}
