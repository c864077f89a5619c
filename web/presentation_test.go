package web_test

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/sqldb"
	"github.com/dealdesk/dealdesk/sqldb/sqldbtest"
	"github.com/dealdesk/dealdesk/web"
)

var (
	dataLabelAttr = regexp.MustCompile(` data-label="[^"]*"`)
	listTable     = regexp.MustCompile(`(?s)<table class="list[ "][^>]*>.*?</table>`)
	headerCell    = regexp.MustCompile(`(?s)<th[ >].*?</th>`)
	bodyRow       = regexp.MustCompile(`(?s)<tbody>.*?</tbody>`)
	tableRow      = regexp.MustCompile(`(?s)<tr[ >].*?</tr>`)
	dataCellTag   = regexp.MustCompile(`<td(?:\s[^>]*)?>`)
	anyTag        = regexp.MustCompile(`<[^>]*>`)
	attrOf        = func(tag, name string) (string, bool) {
		m := regexp.MustCompile(`\s` + name + `="([^"]*)"`).FindStringSubmatch(tag)
		if m == nil {
			return "", false
		}
		return html.UnescapeString(m[1]), true
	}
)

// withoutLabels is body without the cells' data-label attributes, for tests that look for a
// row's cells as they were before the labels.
func withoutLabels(body string) string { return dataLabelAttr.ReplaceAllString(body, "") }

// listTableProblems checks every table.list of a page: each data cell names its column in
// data-label, as its column's header says it (the text of the th; "" for a column whose
// header is for screen readers only, a column of buttons); a cell spanning every column (a
// "None." row) needs none. It returns the problems and how many labelled cells it saw.
func listTableProblems(body string) (problems []string, labelled int) {
	for ti, table := range listTable.FindAllString(body, -1) {
		var headers []string
		var hidden []bool
		for _, th := range headerCell.FindAllString(table, -1) {
			headers = append(headers, strings.TrimSpace(html.UnescapeString(anyTag.ReplaceAllString(th, ""))))
			hidden = append(hidden, strings.Contains(th, `class="visually-hidden"`))
		}
		if len(headers) == 0 {
			problems = append(problems, fmt.Sprintf("table %d has no column headers", ti))
			continue
		}
		for _, row := range tableRow.FindAllString(bodyRow.FindString(table), -1) {
			col := 0
			for _, td := range dataCellTag.FindAllString(row, -1) {
				span := 1
				if s, ok := attrOf(td, "colspan"); ok {
					span, _ = strconv.Atoi(s)
				}
				label, ok := attrOf(td, "data-label")
				switch {
				case span == len(headers) && col == 0:
				case col >= len(headers):
					problems = append(problems, fmt.Sprintf("table %d: a row has more cells than headers: %s", ti, row))
				case !ok:
					problems = append(problems, fmt.Sprintf("table %d: a cell of column %q has no data-label: %s", ti, headers[col], row))
				case label != headers[col] && !(hidden[col] && label == ""):
					problems = append(problems, fmt.Sprintf("table %d: a cell of column %q is labelled %q", ti, headers[col], label))
				default:
					labelled++
				}
				col += span
			}
		}
	}
	return problems, labelled
}

func TestListTableProblems_FindsACellWithoutItsColumnsName(t *testing.T) {
	t.Parallel()
	head := `<table class="list"><thead><tr><th scope="col">Name</th><th scope="col"><span class="visually-hidden">Action</span></th></tr></thead><tbody>`
	for name, c := range map[string]struct {
		rows     string
		problems int
	}{
		"labelled":           {`<tr><td data-label="Name">a</td><td data-label=""><button>Go</button></td></tr>`, 0},
		"a None. row":        {`<tr><td colspan="2">None.</td></tr>`, 0},
		"a bare cell":        {`<tr><td data-label="Name">a</td><td>b</td></tr>`, 1},
		"another column":     {`<tr><td data-label="Expires">a</td><td data-label=""></td></tr>`, 1},
		"empty for a header": {`<tr><td data-label="">a</td><td data-label=""></td></tr>`, 1},
	} {
		if p, _ := listTableProblems(head + c.rows + `</tbody></table>`); len(p) != c.problems {
			t.Errorf("%s: %d problems %v, want %d", name, len(p), p, c.problems)
		}
	}
}

// shownDeal is a meteredDeal whose records have AWS's answers (one SENT after one call, one
// FAILED on an error), with a timeline entry of each source on the opportunity, in a console
// with the Settings services and an API key, so that every list table has rows.
type shownDeal struct {
	meteredDeal
	f            *fixture
	sent, failed *dealdesk.MeteringRecord
}

func newShownDeal(t *testing.T, engine string) shownDeal {
	t.Helper()
	f := newFixture(t, engine, func(c *web.Config, db *sqldb.DB) {
		c.AWSConnections, c.APIKeys, c.InboundEndpoints = db, db, db
	})
	d := shownDeal{meteredDeal: f.meteredDeal(t, f.acme, "shown1"), f: f}
	ctx := f.ctx(f.acme)
	d.sent, d.failed = d.record(t, "seats", 0), d.record(t, "api_calls", 2)
	claims, err := f.db.MarkMeteringSending(ctx, []string{d.sent.ID}, []json.RawMessage{json.RawMessage(`{"Dimension":"seats"}`)}, time.Now())
	if err != nil || len(claims) != 1 {
		t.Fatalf("claim: %v, %v", claims, err)
	}
	if err := f.db.SaveMeteringResults(ctx, []string{d.sent.ID}, []dealdesk.UsageRecordResult{{Status: "Success", MeteringRecordID: "mr-shown-1",
		Response: json.RawMessage(`{"MeteringRecordId":"mr-shown-1","Status":"Success","UsageRecord":{"Dimension":"seats","Quantity":2}}`)}},
		claims[0].ClaimedAt, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := f.db.FailMeteringRecords(ctx, []string{d.failed.ID}, time.Time{}, dealdesk.MeteringFailed, "AWS refused the batch",
		json.RawMessage(`{"__type":"InvalidUsageDimensionException","message":"no such dimension","status":400}`)); err != nil {
		t.Fatal(err)
	}
	for i, s := range dealdesk.TimelineSources {
		if _, _, err := f.db.AddTimelineEntry(ctx, dealdesk.TimelineEntry{SubjectType: dealdesk.SubjectOffer, SubjectID: d.opportunity,
			Kind: dealdesk.TimelinePublished, At: time.Now().Add(time.Duration(i) * time.Minute), Source: s, SourceRef: "ref-" + string(s),
			Summary: "entry from " + string(s)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := f.db.CreateAPIKey(ctx, f.acme, "CI key"); err != nil {
		t.Fatal(err)
	}
	return d
}

func TestPages_EveryListCellIsNamedByItsColumn(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		d := newShownDeal(t, engine)
		c := d.f.client(t)
		d.f.signIn(t, c, d.f.email)
		for _, p := range []struct {
			path   string
			tables int // table.list on the page
		}{
			{"/offers", 1},
			{"/offers?type=CPPO", 1},
			{"/offers/" + d.opportunity, 2},
			{"/offers/" + d.offer, 2},
			{"/entitlements", 1},
			{"/entitlements/" + d.entitlement, 4}, // totals, a chart table per dimension, records
			{"/settings/aws-connection", 1},
			{"/settings/api-keys", 1},
			{"/settings/users", 1},
		} {
			resp, body := d.f.get(t, c, p.path)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET %s: %s", p.path, resp.Status)
			}
			if n := len(listTable.FindAllString(body, -1)); n != p.tables {
				t.Errorf("%s has %d list tables, want %d", p.path, n, p.tables)
			}
			problems, labelled := listTableProblems(body)
			for _, pr := range problems {
				t.Errorf("%s: %s", p.path, pr)
			}
			if labelled < p.tables {
				t.Errorf("%s: only %d labelled cells in %d tables", p.path, labelled, p.tables)
			}
		}
	})
}

func TestOfferShow_NamesTheProductSaysWhatIsNotKnownAndWhereEntriesCameFrom(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		d := newShownDeal(t, engine)
		c := d.f.client(t)
		d.f.signIn(t, c, d.f.email)
		_, body := d.f.get(t, c, "/offers/"+d.opportunity)
		product := `<dt>Product</dt><dd>Metered shown1 (AWS <code>prod-shown1</code>)</dd>`
		if !strings.Contains(body, product) {
			t.Errorf("the opportunity lacks its product's title and AWS ID %s", product)
		}
		// The reseller's CPPO offer: its commit is the reseller's, not known to the vendor.
		notKnown := `<td data-label="Commit"><span aria-hidden="true">—</span><span class="visually-hidden">not known</span></td>`
		if !strings.Contains(body, notKnown) {
			t.Errorf("the CPPO offer's empty commit is not a dash saying not known (%s)", notKnown)
		}
		for s, words := range map[dealdesk.TimelineSource]string{dealdesk.SourceEvent: "from AWS's event",
			dealdesk.SourceCall: "from dealdesk's call to AWS", dealdesk.SourceReconcile: "found by reconciliation", dealdesk.SourceUser: "by a user"} {
			want := fmt.Sprintf(`entry from %s <span class="source">(%s)</span>`, s, html.EscapeString(words))
			if !strings.Contains(body, want) {
				t.Errorf("the timeline lacks %s", want)
			}
		}
		if strings.Contains(body, "(EVENT)") || strings.Contains(body, "(CALL)") {
			t.Errorf("the timeline still shows a source's code")
		}
	})
}

func TestEntitlementShow_RecordsShowAWSAnswerInShortAndTheRawAnswerOnRequest(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		d := newShownDeal(t, engine)
		c := d.f.client(t)
		d.f.signIn(t, c, d.f.email)
		_, body := d.f.get(t, c, "/entitlements/"+d.entitlement)
		row := func(id string) string {
			m := regexp.MustCompile(`(?s)<tr id="record-` + regexp.QuoteMeta(id) + `">.*?</tr>`).FindString(body)
			if m == "" {
				t.Fatalf("no row of record %s in:\n%s", id, body)
			}
			return m
		}
		sent, failed := row(d.sent.ID), row(d.failed.ID)
		for what, want := range map[string]string{
			"the SENT record's one attempt": `SENT</span> (1 attempt)</td>`,
			"AWS's status and record ID":    `<div class="answer-summary">Success · record <code>mr-shown-1</code></div>`,
			"the raw answer on request":     `<details class="raw-answer"><summary>Raw answer</summary><pre>{` + "\n" + `  &#34;MeteringRecordId&#34;: &#34;mr-shown-1&#34;,`,
		} {
			if !strings.Contains(sent, want) {
				t.Errorf("the SENT record lacks %s (%s):\n%s", what, want, sent)
			}
		}
		for what, want := range map[string]string{
			"the error's code and message": `<div class="error"><code>InvalidUsageDimensionException</code>: no such dimension</div>`,
			"why it failed":                `<div class="error">AWS refused the batch</div>`,
			"the raw answer on request":    `<summary>Raw answer</summary><pre>{`,
		} {
			if !strings.Contains(failed, want) {
				t.Errorf("the FAILED record lacks %s (%s):\n%s", what, want, failed)
			}
		}
		// Outside its details, no row shows AWS's JSON.
		for _, r := range []string{sent, failed} {
			if outside := regexp.MustCompile(`(?s)<details.*?</details>`).ReplaceAllString(r, ""); strings.Contains(outside, "&#34;") {
				t.Errorf("a row shows JSON outside its details:\n%s", r)
			}
		}
		// A record never sent says there is no answer yet.
		if pending := row(d.record(t, "api_calls", 0).ID); !strings.Contains(pending, `<span class="visually-hidden">no answer yet</span>`) ||
			strings.Contains(pending, "attempt") || strings.Contains(pending, "<details") {
			t.Errorf("a PENDING record's answer cell:\n%s", pending)
		}
	})
}

func TestLayout_LinksAFaviconThatIsServed(t *testing.T) {
	t.Parallel()
	f := newFixture(t, sqldb.EngineSQLite)
	c := f.client(t)
	for _, path := range []string{"/signin", "/offers"} {
		if path == "/offers" {
			f.signIn(t, c, f.email)
		}
		_, body := f.get(t, c, path)
		m := regexp.MustCompile(`<link rel="icon" type="image/svg\+xml" href="(/static/[0-9a-f]{16}/favicon\.svg)">`).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("%s links no favicon:\n%s", path, body)
		}
		resp, svg := f.get(t, c, m[1])
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/svg+xml" || !strings.HasPrefix(svg, "<svg") {
			t.Fatalf("GET %s: %s, %s, %.40q", m[1], resp.Status, resp.Header.Get("Content-Type"), svg)
		}
	}
}
