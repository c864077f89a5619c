package web_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/sqldb"
)

// screenshotDir is where the browser tests save a PNG of each main page at 1280 and 390 px
// wide (NAME-1280.png, NAME-390.png): $DEALDESK_SCREENSHOTS, or web/testdata/screenshots
// (ignored by git).
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

// browser is a headless Chromium tab driven by a test.
type browser struct {
	t   *testing.T
	ctx context.Context
	dir string
}

// Viewport sizes of the screenshots: a laptop and a phone.
const (
	wideWidth, wideHeight     = 1280, 900
	narrowWidth, narrowHeight = 390, 844
)

// newBrowser starts a headless Chromium for the test, stopped when it ends; every step must end
// within timeout.
func newBrowser(t *testing.T, timeout time.Duration) *browser {
	t.Helper()
	chrome := findChromium(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chrome), chromedp.NoSandbox,
		chromedp.WindowSize(wideWidth, wideHeight), chromedp.Flag("disable-gpu", true), chromedp.Flag("lang", "en-US"))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	ctx, cancelTimeout := context.WithTimeout(ctx, timeout)
	t.Cleanup(cancelTimeout)
	return &browser{t: t, ctx: ctx, dir: screenshotDir(t)}
}

// do runs steps, failing the test with what on an error.
func (b *browser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatalf("browser: %s: %v", what, err)
	}
}

// text returns the text of the first element sel matches.
func (b *browser) text(sel string) string {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("browser: text of %s: %v", sel, err)
	}
	return strings.TrimSpace(v)
}

// eval returns the value of the JavaScript expression js.
func eval[T any](b *browser, js string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](js))
	if err != nil {
		b.t.Fatalf("browser: %s: %v", js, err)
	}
	return v
}

// shots saves PNGs of the whole page as name-1280.png and name-390.png and requires that the
// page needs no sideways scrolling at 390 px.
func (b *browser) shots(name string) {
	b.t.Helper()
	for _, w := range []struct{ width, height int64 }{{narrowWidth, narrowHeight}, {wideWidth, wideHeight}} {
		b.do("viewport "+fmt.Sprint(w.width), chromedp.EmulateViewport(w.width, w.height))
		png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100)) // quality 100 makes a PNG, below a JPEG
		if err != nil {
			b.t.Fatalf("browser: screenshot %s: %v", name, err)
		}
		if len(png) < 8 || string(png[1:4]) != "PNG" {
			b.t.Fatalf("browser: screenshot %s is not a PNG", name)
		}
		file := filepath.Join(b.dir, fmt.Sprintf("%s-%d.png", name, w.width))
		if err := os.WriteFile(file, png, 0o644); err != nil {
			b.t.Fatal(err)
		}
		if w.width == narrowWidth {
			if over := eval[int](b, `document.documentElement.scrollWidth - document.documentElement.clientWidth`); over > 0 {
				wide := eval[[]string](b, `[...document.querySelectorAll("main *")]
					.filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth && e.children.length === 0)
					.slice(0, 5).map(e => e.tagName + "#" + e.id + "." + e.className)`)
				b.t.Errorf("%s at %d px: the page is %d px wider than the window, at %v", name, w.width, over, wide)
			}
		}
	}
}

// axeSource is axe-core's axe.min.js (MPL-2.0, web/testdata/axe-core), read once.
var axeSource = sync.OnceValues(func() ([]byte, error) {
	return os.ReadFile(filepath.Join("testdata", "axe-core", "axe.min.js"))
})

// axeImpacts are the impacts of the violations axe fails a test for.
const axeImpacts = `["serious", "critical"]`

// axe runs axe-core on the page and fails the test for each violation of an impact in
// axeImpacts.
func (b *browser) axe(page string) {
	b.t.Helper()
	src, err := axeSource()
	if err != nil {
		b.t.Fatal(err)
	}
	if _, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](string(src)+";true")); err != nil {
		b.t.Fatalf("browser: inject axe-core: %v", err)
	}
	found, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]string](`axe.run(document).then(r => r.violations
		.filter(v => `+axeImpacts+`.includes(v.impact))
		.map(v => v.impact + " " + v.id + ": " + v.help + " at " + v.nodes.map(n => n.target.join(" ")).join(", ")))`, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("browser: run axe-core on %s: %v", page, err)
	}
	for _, v := range found {
		b.t.Errorf("accessibility of %s: %s", page, v)
	}
}

// tabTo presses Tab until the focused element matches the CSS selector sel (at most 80 times).
func (b *browser) tabTo(sel string) {
	b.t.Helper()
	js := fmt.Sprintf(`document.activeElement !== null && document.activeElement.matches(%q)`, sel)
	for range 80 {
		if eval[bool](b, js) {
			return
		}
		b.do("press Tab", chromedp.KeyEvent("\t"))
	}
	b.t.Fatalf("browser: 80 Tabs never reached %s", sel)
}

// waitFor reloads the page until the JavaScript condition js holds, for up to a minute: the
// page shows what AWS's events and the jobs have done by then.
// A page that waits on AWS also reloads itself (app.js), so a check or a reload may meet a
// page being replaced: such an error is retried until the deadline, and reported then.
func (b *browser) waitFor(what, js string) {
	b.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		ok, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](js))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("browser: waited a minute for %s (last check: %v, %v)", what, ok, err)
		}
		_ = chromedp.Do(b.ctx, chromedp.Sleep(300*time.Millisecond), chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`main`)))
	}
}

// devRun is `dealdesk dev` running for a test, with what dev.json says.
type devRun struct {
	SimURL, ProductID, ResellerAccountID, BuyerAccountID string
	ConsoleURL, ConsoleEmail, ConsolePassword            string
}

// buildDealdesk builds the dealdesk binary once per test run.
var buildDealdesk = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "dealdesk-web-bin-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "dealdesk")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/dealdesk/dealdesk/cmd/dealdesk").CombinedOutput(); err != nil {
		return "", fmt.Errorf("%v: %s", err, out)
	}
	return bin, nil
})

// startDev runs `dealdesk dev` (the simulator and the server with its jobs, wired together, as
// a newcomer runs it) on free ports in a new folder until the test ends, and returns dev.json.
func startDev(t *testing.T) devRun {
	t.Helper()
	bin, err := buildDealdesk()
	if err != nil {
		t.Fatalf("build dealdesk: %v", err)
	}
	dir := t.TempDir()
	cmd := exec.Command(bin, "dev", "--data", dir, "--addr", "127.0.0.1:0", "--sim-addr", "127.0.0.1:0")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir}
	cmd.Stderr = t.Output()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGINT)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "dealdesk dev: ready") {
				ready <- true
			}
		}
		ready <- false
	}()
	select {
	case ok := <-ready:
		if !ok {
			t.Fatal("dealdesk dev stopped before it was ready")
		}
	case <-time.After(90 * time.Second):
		t.Fatal("dealdesk dev was not ready within 90s")
	}
	b, err := os.ReadFile(filepath.Join(dir, "dev.json"))
	if err != nil {
		t.Fatal(err)
	}
	var d devRun
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("dev.json: %v\n%s", err, b)
	}
	return d
}

// TestBrowser_WholeDealInDev walks a whole CPPO deal in a real headless Chromium against
// `dealdesk dev` (the server, its jobs and the simulator, as the README's first screen tells a
// newcomer): sign in with dev.json's user, create a CPPO opportunity through the form with
// installments, see the domain's error next to a bad commit, correct it and submit, watch the
// opportunity become ACTIVE, click "Simulate: reseller creates an offer" and "Simulate: buyer
// accepts", find the CPPO offer and the entitlement on the opportunity page, open the
// entitlement, click "Simulate: the product reports usage" and see its usage charted and
// metered (SENT) to the simulator. Each main page (the entitlements list, the notifications
// and every settings page too) is checked with axe-core (no serious or critical violation) and
// saved as screenshots at 1280 and 390 px.
func TestBrowser_WholeDealInDev(t *testing.T) {
	b := newBrowser(t, 6*time.Minute)
	d := startDev(t)
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	today := time.Now().UTC()
	expiry := today.AddDate(0, 2, 0).Format(time.DateOnly)

	b.do("open the console",
		chromedp.Navigate(d.ConsoleURL+"offers"), // signed out: the sign-in page
		chromedp.WaitVisible(css(`#email`)))
	b.shots("signin")
	b.axe("the sign-in page")
	b.do("sign in with dev.json's user",
		chromedp.SendKeys(css(`#email`), d.ConsoleEmail),
		chromedp.SendKeys(css(`#password`), d.ConsolePassword),
		chromedp.Click(css(`main form button[type="submit"]`)),
		chromedp.WaitVisible(css(`a.button[href="/offers/new"]`)))
	b.shots("offers")
	b.axe("the offers page")

	b.do("open Create CPPO and pick the seed's first product",
		chromedp.Click(css(`a.button[href="/offers/new"]`)),
		chromedp.WaitVisible(css(`#pick-product`)),
		chromedp.SetValue(css(`#pick-product`), d.ProductID),
		chromedp.Click(css(`#choose-product`)),
		chromedp.WaitVisible(css(`[id="price.storage_gb"]`)))
	b.do("fill it in, with a commit that is not a number",
		chromedp.SendKeys(css(`#name`), "Browser CPPO deal"),
		chromedp.SendKeys(css(`#resellerAccountId`), d.ResellerAccountID),
		chromedp.SendKeys(css(`[id="buyerAccountIds[0]"]`), d.BuyerAccountID),
		chromedp.SendKeys(css(`#commitAmount`), "12,000"),
		chromedp.SendKeys(css(`[id="entitled.seats"]`), "10"),
		chromedp.SendKeys(css(`[id="price.api_calls"]`), "0.002"),
		chromedp.SendKeys(css(`[id="price.storage_gb"]`), "0.02"),
		chromedp.SetValue(css(`#expiryDate`), expiry),
		chromedp.Click(css(`#oneTime`)),
		chromedp.SetValue(css(`[id="installments[0].chargeDate"]`), today.AddDate(0, 3, 0).Format(time.DateOnly)),
		chromedp.SendKeys(css(`[id="installments[0].amount"]`), "4000.00"),
		chromedp.SetValue(css(`[id="installments[1].chargeDate"]`), today.AddDate(0, 4, 0).Format(time.DateOnly)),
		chromedp.SendKeys(css(`[id="installments[1].amount"]`), "8000.00"))
	b.shots("create-cppo")
	b.axe("the Create CPPO form")
	b.do("submit it",
		chromedp.Click(css(`button[value="submit"]`)),
		chromedp.WaitVisible(css(`#error-commitAmount`)))
	if got := b.text(`#error-commitAmount`); got == "" {
		t.Error("no error next to the commit 12,000")
	}
	if got := eval[string](b, `document.getElementById("installments[1].amount").value`); got != "8000.00" {
		t.Errorf("the refused form lost the second installment: %q", got)
	}
	b.shots("create-cppo-field-error")
	b.axe("the Create CPPO form with errors")

	b.do("correct the commit and submit",
		chromedp.SetValue(css(`#commitAmount`), "12000.00"),
		chromedp.Click(css(`button[value="submit"]`)),
		chromedp.WaitVisible(css(`#offer-status`)))
	if title, err := chromedp.Run(b.ctx, chromedp.Title()); err != nil || !strings.HasPrefix(title, "Browser CPPO deal") {
		t.Fatalf("after submitting: the page %q, %v; want the opportunity's", title, err)
	}
	b.waitFor("the opportunity ACTIVE", `document.getElementById("offer-status").textContent.trim() !== "PENDING_CREATE"`)
	if got := b.text(`#offer-status`); got != "ACTIVE" {
		t.Fatalf("the published opportunity is %s, want ACTIVE", got)
	}
	if got := b.text(`.details`); !strings.Contains(got, "resaleauthz-") || !strings.Contains(got, "4000") || !strings.Contains(got, "8000") {
		t.Errorf("the opportunity's details lack its resale authorization or installments:\n%s", got)
	}

	b.do("simulate the reseller",
		chromedp.Click(css(`#simulate-reseller`)),
		chromedp.WaitVisible(css(`.notice`)))
	b.waitFor("the reseller's CPPO offer", `document.querySelector(".simulate-buyer") !== null`)
	if got := b.text(`section[aria-labelledby="chain-offers"]`); !strings.Contains(got, "CPPO") {
		t.Errorf("the CPPO offers of the opportunity:\n%s", got)
	}
	b.do("simulate the buyer",
		chromedp.Click(css(`.simulate-buyer`)),
		chromedp.WaitVisible(css(`.notice`)))
	// The section appears with the first entitlement: until then the page may have none.
	b.waitFor("the entitlement", `(document.querySelector('section[aria-labelledby="chain-entitlements"] tbody')?.textContent ?? "").includes("`+d.BuyerAccountID+`")`)
	if got := b.text(`section[aria-labelledby="chain-entitlements"] tbody`); !strings.Contains(got, "ACTIVE") || !strings.Contains(got, d.ResellerAccountID) {
		t.Errorf("the entitlements of the opportunity:\n%s", got)
	}
	if n := eval[int](b, `document.querySelectorAll(".simulate-buyer").length`); n != 0 {
		t.Errorf("%d \"Simulate: buyer accepts\" buttons remain after the acceptance", n)
	}
	b.shots("opportunity")
	b.axe("the opportunity page")

	// The buyer accepted as of 3 whole hours ago: the entitlement starts then, and the
	// simulated product reports those closed hours, which are metered at once.
	accepted := dealdesk.Hour(time.Now()).Add(-3 * time.Hour)
	b.do("open the entitlement",
		chromedp.Click(css(`section[aria-labelledby="chain-entitlements"] tbody a`)),
		chromedp.WaitVisible(css(`#simulate-usage`)))
	if got := eval[string](b, `[...document.querySelectorAll(".details dt")].find(e => e.textContent === "Start").nextElementSibling.textContent`); got != accepted.Format("2006-01-02 15:04 UTC") &&
		got != accepted.Add(-time.Hour).Format("2006-01-02 15:04 UTC") {
		t.Errorf("the entitlement starts %q, want the acceptance %s (3 whole hours before the current one)", got, accepted.Format("2006-01-02 15:04 UTC"))
	}
	b.do("simulate the product's usage",
		chromedp.Click(css(`#simulate-usage`)),
		chromedp.WaitVisible(css(`.notice`)))
	if got := b.text(`.notice`); !strings.Contains(got, "The simulated product reported usage of") || strings.Contains(got, "metering 0 units") {
		t.Errorf("the notice after simulating usage: %q", got)
	}
	// The flush sends at once; should AWS not have named the customer yet, the metering job
	// sends on its next run.
	b.waitFor("usage metered to AWS", `[...document.querySelectorAll("#totals-table tbody tr")].some(tr => Number(tr.cells[4]?.textContent) > 0)`)
	if n := eval[int](b, `document.querySelectorAll("svg[data-dimension] g.bar").length`); n < 3 {
		t.Errorf("the usage charts show %d bars, want one per dimension and closed hour (at least 3)", n)
	}
	if n := eval[int](b, `[...document.querySelectorAll("svg[data-dimension] rect.metered")].filter(r => Number(r.getAttribute("height")) > 0).length`); n == 0 {
		t.Error("no bar of the usage charts shows metered units")
	}
	if n := eval[int](b, `[...document.querySelectorAll("table.chart-data tbody tr")].filter(tr => Number(tr.cells[3]?.textContent) > 0).length`); n == 0 {
		t.Error("no hour of the charts' tables has metered units")
	}
	if n := eval[int](b, `[...document.querySelectorAll("#records-table tbody tr")].filter(tr => tr.cells[4]?.textContent.includes("SENT")).length`); n == 0 {
		t.Errorf("no metering record is SENT:\n%s", b.text(`#records-table`))
	}
	b.shots("entitlement")
	b.axe("the entitlement page")

	// The other main pages.
	for _, p := range []struct{ path, name, what string }{
		{"/entitlements", "entitlements", "the entitlements list"},
		{"/notifications", "notifications", "the notifications"},
		{"/settings/aws-connection", "settings-aws-connection", "the AWS connection settings"},
		{"/settings/api-keys", "settings-api-keys", "the API keys settings"},
		{"/settings/inbound", "settings-inbound", "the inbound settings"},
		{"/settings/users", "settings-users", "the users settings"},
	} {
		b.do("open "+p.what,
			chromedp.Navigate(strings.TrimSuffix(d.ConsoleURL, "/")+p.path),
			chromedp.WaitVisible(css(`main h1`)))
		if got := eval[string](b, `location.pathname`); got != p.path {
			t.Errorf("opening %s landed on %s", p.path, got)
		}
		b.shots(p.name)
		b.axe(p.what)
	}
}

// TestBrowser_CreateCPPOWithTheKeyboardAlone signs in, fills in the Create CPPO form and
// submits it with key presses only (Tab, typing, Enter), and finds the opportunity submitted
// with what was typed.
func TestBrowser_CreateCPPOWithTheKeyboardAlone(t *testing.T) {
	b := newBrowser(t, 2*time.Minute)
	f := newFixture(t, sqldb.EngineSQLite)
	expiry := time.Now().UTC().AddDate(0, 2, 0)
	typeInto := func(sel, text string) {
		t.Helper()
		b.tabTo(sel)
		b.do("type into "+sel, chromedp.KeyEvent(text))
	}

	b.do("open the console", chromedp.Navigate(f.srv.URL+"/offers"), chromedp.WaitVisible(chromedp.CSS(`#email`)))
	typeInto(`#email`, f.email)
	typeInto(`#password`, testPassword)
	b.do("sign in with Enter", chromedp.KeyEvent("\r"), chromedp.WaitVisible(chromedp.CSS(`a.button[href="/offers/new"]`)))

	b.do("open Create CPPO", chromedp.Navigate(f.srv.URL+"/offers/new"), chromedp.WaitVisible(chromedp.CSS(`#name`)))
	typeInto(`#name`, "Keyboard deal")
	typeInto(`#resellerAccountId`, "111122223333")
	typeInto(`#commitAmount`, "12000.00")
	typeInto(`[id="entitled.seats"]`, "10")
	typeInto(`[id="price.api_calls"]`, "0.002")
	typeInto(`#expiryDate`, expiry.Format("01022006")) // the date input's segments: month, day, year
	if got := eval[string](b, `document.getElementById("expiryDate").value`); got != expiry.Format(time.DateOnly) {
		t.Fatalf("the expiry date typed = %q, want %s", got, expiry.Format(time.DateOnly))
	}
	b.tabTo(`button[value="submit"]`)
	b.do("submit with Enter", chromedp.KeyEvent("\r"), chromedp.WaitVisible(chromedp.CSS(`#offer-status`)))
	if got := b.text(`#offer-status`); got != "PENDING_CREATE" {
		t.Errorf("the opportunity's status = %q, want PENDING_CREATE", got)
	}
	offers, _, err := f.db.FindOffers(f.ctx(f.acme), dealdesk.OfferFilter{Type: dealdesk.OfferCPPOOut})
	if err != nil {
		t.Fatal(err)
	}
	if len(offers) != 1 || offers[0].Name != "Keyboard deal" || offers[0].CommitAmount == nil || offers[0].CommitAmount.String() != "12000.00" ||
		offers[0].ExpiryDate == nil || offers[0].ExpiryDate.String() != expiry.Format(time.DateOnly) {
		t.Fatalf("the stored opportunities: %+v", offers)
	}
}

// TestBrowser_AFailedOpportunityIsCorrectedInTheEditForm opens a CREATE_FAILED opportunity
// (AWS's error next to its field), follows "Correct and resubmit" to the form filled in with
// it, corrects the reseller and resubmits it; both pages are checked with axe-core and saved
// as screenshots.
func TestBrowser_AFailedOpportunityIsCorrectedInTheEditForm(t *testing.T) {
	b := newBrowser(t, 2*time.Minute)
	f := newFixture(t, sqldb.EngineSQLite)
	o := f.failedOpportunity(t)
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	b.do("sign in and open the failed opportunity",
		chromedp.Navigate(f.srv.URL+"/offers/"+o.ID), chromedp.WaitVisible(css(`#email`)),
		chromedp.SendKeys(css(`#email`), f.email), chromedp.SendKeys(css(`#password`), testPassword),
		chromedp.Click(css(`main form button[type="submit"]`)), chromedp.WaitVisible(css(`#offer-status`)))
	if got := b.text(`#error-resellerAccountId`); got != "AWS says the reseller is not a CPPO partner" {
		t.Errorf("AWS's error next to the reseller = %q", got)
	}
	b.shots("opportunity-failed")
	b.axe("a failed opportunity's page")
	b.do("open the edit form", chromedp.Click(css(`#edit-opportunity`)), chromedp.WaitVisible(css(`#name`)))
	if got := eval[string](b, `document.getElementById("resellerAccountId").value`); got != "111122223333" {
		t.Errorf("the edit form's reseller = %q, want the opportunity's", got)
	}
	b.shots("opportunity-edit")
	b.axe("the edit form")
	b.do("correct the reseller and resubmit",
		chromedp.SetValue(css(`#resellerAccountId`), "444455556666"),
		chromedp.Click(css(`button[value="submit"]`)),
		chromedp.WaitVisible(css(`#offer-status`)))
	if got := b.text(`#offer-status`); got != "PENDING_CREATE" {
		t.Errorf("after resubmitting: %s, want PENDING_CREATE", got)
	}
	if got, err := f.db.FindOfferByID(f.ctx(f.acme), o.ID); err != nil || got.ResellerAccountID != "444455556666" {
		t.Errorf("the stored reseller after resubmitting: %+v, %v", got, err)
	}
}
