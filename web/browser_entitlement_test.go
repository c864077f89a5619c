package web_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/dealdesk/dealdesk/sqldb"
)

// TestBrowser_EntitlementUsageChart signs in with a real headless Chromium, opens an
// entitlement with metered usage from the entitlements list and sees its usage chart (one bar
// group per closed hour), then saves entitlement.png in screenshotDir. Skip and fail rules as
// TestBrowser_SignInCreateCPPOFixAFieldAndSeeTheOpportunity (findChromium).
func TestBrowser_EntitlementUsageChart(t *testing.T) {
	chrome := findChromium(t)
	f := newFixture(t, sqldb.EngineSQLite)
	d := f.meteredDeal(t, f.acme, "browser1")
	dir := screenshotDir(t)

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chrome), chromedp.NoSandbox,
		chromedp.WindowSize(1280, 1000), chromedp.Flag("disable-gpu", true))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancelTimeout := context.WithTimeout(ctx, 30*time.Second)
	defer cancelTimeout()

	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	step := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("browser: %s: %v", what, err)
		}
	}
	step("sign in",
		chromedp.Navigate(f.srv.URL+"/entitlements"),
		chromedp.WaitVisible(css(`#email`)),
		chromedp.SendKeys(css(`#email`), f.email),
		chromedp.SendKeys(css(`#password`), testPassword),
		chromedp.Click(css(`main form button[type="submit"]`)),
		chromedp.WaitVisible(css(`a[href="/entitlements/`+d.entitlement+`"]`)))
	step("open the entitlement",
		chromedp.Click(css(`a[href="/entitlements/`+d.entitlement+`"]`)),
		chromedp.WaitVisible(css(`svg[data-dimension="api_calls"]`)))
	bars, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('svg[data-dimension="api_calls"] g.bar').length`))
	if err != nil || bars != 3 {
		t.Errorf("the api_calls chart shows %d bar groups (%v), want 3", bars, err)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("browser: screenshot: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "entitlement.png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
	if title, err := chromedp.Run(ctx, chromedp.Title()); err != nil || !strings.HasPrefix(title, "Entitlement agmt-browser1") {
		t.Errorf("the entitlement's page title = %q, %v", title, err)
	}
}
