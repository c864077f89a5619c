package http_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dealdesk/dealdesk"
	dhttp "github.com/dealdesk/dealdesk/http"
)

// hugeBadBody is a create request just under 1 MiB listing half a million buyer account IDs of
// the wrong type: half a million problems.
func hugeBadBody() []byte {
	const n = 500000
	var b bytes.Buffer
	b.WriteString(`{"buyerAccountIds":[`)
	b.WriteString(strings.Repeat("1,", n-1))
	b.WriteString(`1]}`)
	return b.Bytes()
}

// postRaw sends body to POST /api/v1/offers with key, bypassing env.do (whose request check
// would itself hold the half million elements), and returns the status and the answer.
func postRaw(url, key string, body []byte) (int, []byte, error) {
	r, err := http.NewRequest("POST", url+"/api/v1/offers", bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Authorization", "Bearer "+key)
	res, err := http.DefaultClient.Do(r)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	out, err := io.ReadAll(res.Body)
	return res.StatusCode, out, err
}

// TestEdges_HalfAMillionBadIDsGetABoundedAnswer pins issue 6 item 9: the answer lists the first
// problems and counts the rest, in under 64 KiB.
func TestEdges_HalfAMillionBadIDsGetABoundedAnswer(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	body := hugeBadBody()
	if len(body) > dhttp.MaxBodyBytes {
		t.Fatalf("test body is %d bytes, over the limit", len(body))
	}
	status, out, err := postRaw(e.srv.URL, e.keyA, body)
	if err != nil {
		t.Fatal(err)
	}
	if status != 422 {
		t.Fatalf("status = %d, want 422: %.300s", status, out)
	}
	if len(out) >= 64<<10 {
		t.Fatalf("answer is %d bytes, want under 64 KiB", len(out))
	}
	var p struct {
		problem
		OmittedErrors int `json:"omittedErrors"`
	}
	if err := json.Unmarshal(out, &p); err != nil {
		t.Fatalf("answer is not a problem: %v", err)
	}
	if len(p.Errors) != dealdesk.MaxProblems || p.Errors[0].Field != "buyerAccountIds[0]" ||
		p.Errors[99].Field != "buyerAccountIds[99]" {
		t.Fatalf("errors = %d, from %v to %v; want buyerAccountIds[0] to [99]", len(p.Errors), p.Errors[0], p.Errors[len(p.Errors)-1])
	}
	if p.OmittedErrors != 500000-dealdesk.MaxProblems || !strings.Contains(p.Detail, "500000") {
		t.Errorf("omittedErrors = %d, detail %q; want %d and the total", p.OmittedErrors, p.Detail, 500000-dealdesk.MaxProblems)
	}
}

// TestEdges_LongEchoedInputIsClipped checks the answers that echo input: an unknown field whose
// name is most of a MiB, and a path of most of the 64 KiB header limit.
func TestEdges_LongEchoedInputIsClipped(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	long := strings.Repeat("<", 900<<10)
	status, out, err := postRaw(e.srv.URL, e.keyA, []byte(`{"`+long+`":1}`))
	if err != nil {
		t.Fatal(err)
	}
	if status != 422 || len(out) >= 4<<10 {
		t.Errorf("unknown field of 900 KiB: status %d, answer %d bytes; want 422 under 4 KiB", status, len(out))
	}
	res := e.do(req{method: "GET", path: "/api/v1/" + strings.Repeat("x", 60<<10), key: e.keyA, undocumented: true}).want(t, 404)
	if len(res.body) >= 4<<10 {
		t.Errorf("404 for a long path is %d bytes, want under 4 KiB", len(res.body))
	}
}

// TestEdges_EightHugeBadBodiesAtOnceStayUnder100MiB pins the memory half of item 9: eight such
// requests at once against the real handler keep the heap in use under 100 MiB. Without the cap
// each collects half a million problems (tens of MB) and encodes a 34 MB answer.
//
// Not parallel: it samples the whole process's heap, which parallel tests would share (Go runs
// them only after the sequential tests).
func TestEdges_EightHugeBadBodiesAtOnceStayUnder100MiB(t *testing.T) {
	e := newEnv(t)
	body := hugeBadBody()
	runtime.GC()

	var peak atomic.Uint64
	stop, sampled := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(sampled)
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()

	type result struct {
		status, size int
		err          error
	}
	results := make(chan result, 8)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			status, out, err := postRaw(e.srv.URL, e.keyA, body)
			results <- result{status, len(out), err}
		})
	}
	wg.Wait()
	close(stop)
	<-sampled
	close(results)
	for r := range results {
		if r.err != nil || r.status != 422 || r.size >= 64<<10 {
			t.Errorf("answer: status %d, %d bytes, err %v; want 422 under 64 KiB", r.status, r.size, r.err)
		}
	}
	const limit = 100 << 20
	t.Logf("peak heap in use: %d MiB", peak.Load()>>20)
	if p := peak.Load(); p >= limit {
		t.Errorf("peak heap in use %d MiB during eight requests, want under 100 MiB", p>>20)
	}
}

// withRaw returns body as JSON with the member at key (a top-level name) written as raw JSON
// text, so that a test controls escapes and bytes that json.Marshal would normalize.
func withRaw(t *testing.T, body map[string]any, key, raw string) string {
	t.Helper()
	const mark = "@@raw@@"
	body[key] = mark
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Replace(string(b), `"`+mark+`"`, raw, 1)
}

// TestEdges_MoneyIsADecimalStringAndNothingElse pins issue 6 item 10 on both engines: numbers and
// loose forms are 422 naming the field and store nothing; escapes in a valid string are read.
// Leading zeros, negative zero and over 40 digits are refused by server and document alike
// (review 2 N4).
func TestEdges_MoneyIsADecimalStringAndNothingElse(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *env) {
		p := e.createProduct(e.keyA, "prod-money1")
		base := func() map[string]any {
			b := opportunity(p.ID)
			delete(b, "installments") // the commit is then free
			return b
		}
		for _, tc := range []struct{ name, field, raw string }{
			{"commit as a JSON number", "commitAmount", `12000.00`},
			{"commit as an integer", "commitAmount", `12000`},
			{"commit with a plus sign", "commitAmount", `"+5"`},
			{"commit without an integer part", "commitAmount", `".5"`},
			{"commit ending in a point", "commitAmount", `"5."`},
			{"commit with an exponent", "commitAmount", `"1e3"`},
			{"commit with spaces", "commitAmount", `" 5"`},
			{"commit with a leading zero", "commitAmount", `"00.5"`},
			{"commit of negative zero", "commitAmount", `"-0"`},
			{"commit of negative zero with decimals", "commitAmount", `"-0.00"`},
			{"commit of a million digits", "commitAmount", `"1` + strings.Repeat("0", 1<<20-2000) + `"`},
		} {
			t.Run(tc.name, func(t *testing.T) {
				e := e.in(t)
				res := e.refused(t, req{method: "POST", path: "/api/v1/offers", key: e.keyA,
					body: withRaw(t, base(), tc.field, tc.raw)}, "").want(t, 422)
				if pr := res.problem(t); !pr.hasField(tc.field) {
					t.Errorf("problem does not name %s: %s", tc.field, res.body)
				}
			})
		}
		for _, tc := range []struct{ name, field, raw string }{
			{"price as a JSON number", "dimensionPrices[0].price", `[{"dimensionKey":"api_calls","price":0.002}]`},
			{"price with a plus sign", "dimensionPrices[0].price", `[{"dimensionKey":"api_calls","price":"+0.002"}]`},
			{"price with a leading zero", "dimensionPrices[0].price", `[{"dimensionKey":"api_calls","price":"00.002"}]`},
			{"price of negative zero", "dimensionPrices[0].price", `[{"dimensionKey":"api_calls","price":"-0.000"}]`},
			{"price of 41 digits", "dimensionPrices[0].price", `[{"dimensionKey":"api_calls","price":"1` + strings.Repeat("0", 32) + `.00000002"}]`},
			{"installment amount with a leading zero", "installments[0].amount",
				`[{"chargeDate":"2027-07-15","amount":"06000.00"},{"chargeDate":"2027-08-15","amount":"6000.00"}]`},
			{"installment amount as a number", "installments[1].amount",
				`[{"chargeDate":"2027-07-15","amount":"6000.00"},{"chargeDate":"2027-08-15","amount":6000}]`},
		} {
			t.Run(tc.name, func(t *testing.T) {
				e := e.in(t)
				key, _, _ := strings.Cut(tc.field, "[")
				res := e.refused(t, req{method: "POST", path: "/api/v1/offers", key: e.keyA,
					body: withRaw(t, opportunity(p.ID), key, tc.raw)}, "").want(t, 422)
				if pr := res.problem(t); !pr.hasField(tc.field) {
					t.Errorf("problem does not name %s: %s", tc.field, res.body)
				}
			})
		}
		if ids := e.offerIDs(e.keyA); len(ids) != 0 {
			t.Fatalf("refused requests stored offers %v", ids)
		}

		var o dealdesk.Offer
		e.do(req{method: "POST", path: "/api/v1/offers", key: e.keyA,
			body: withRaw(t, base(), "commitAmount", `"\u0031\u0032"`)}).want(t, 201).decode(t, &o)
		var got dealdesk.Offer
		e.do(req{method: "GET", path: "/api/v1/offers/" + o.ID, key: e.keyA}).want(t, 200).decode(t, &got)
		if o.CommitAmount == nil || o.CommitAmount.String() != "12" || got.CommitAmount == nil || got.CommitAmount.String() != "12" {
			t.Errorf("escaped \"12\" created %v and stored %v, want 12", o.CommitAmount, got.CommitAmount)
		}
	})
}

// TestEdges_TextIsValidUTF8 pins issue 6 item 11 on both engines: invalid bytes and unpaired
// surrogate escapes are 422 naming the field, never replaced by U+FFFD and stored; a paired
// escape is one character.
func TestEdges_TextIsValidUTF8(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *env) {
		p := e.createProduct(e.keyA, "prod-utf8a1")
		for _, tc := range []struct{ name, key, raw, field, docCannot string }{
			{"invalid byte in the name", "name", "\"Acme \xff resale\"", "name", ruleDecodedText},
			{"truncated sequence in the description", "description", "\"caf\xc3\"", "description", ruleDecodedText},
			{"lone high surrogate", "name", `"Acme \ud83d resale"`, "name", ruleDecodedText},
			{"lone low surrogate", "name", `"Acme \ude00"`, "name", ruleDecodedText},
			{"high surrogate before a non-surrogate", "name", `"\ud83d\u0041"`, "name", ruleDecodedText},
			{"reversed pair", "description", `"\ude00\ud83d"`, "description", ruleDecodedText},
			{"lone surrogate in a list", "buyerAccountIds", `["21098765432\udc00"]`, "buyerAccountIds[0]", ""},
			{"lone surrogate in a nested URL", "eula", `{"type":"CUSTOM","url":"https://example.com/\ud800"}`, "eula.url", ruleDecodedText},
		} {
			t.Run(tc.name, func(t *testing.T) {
				e := e.in(t)
				res := e.refused(t, req{method: "POST", path: "/api/v1/offers", key: e.keyA,
					body: withRaw(t, opportunity(p.ID), tc.key, tc.raw)}, tc.docCannot).want(t, 422)
				if pr := res.problem(t); !pr.hasField(tc.field) {
					t.Errorf("problem does not name %s: %s", tc.field, res.body)
				}
			})
		}
		if ids := e.offerIDs(e.keyA); len(ids) != 0 {
			t.Fatalf("refused requests stored offers %v", ids)
		}
		var o dealdesk.Offer
		e.do(req{method: "POST", path: "/api/v1/offers", key: e.keyA,
			body: withRaw(t, opportunity(p.ID), "name", `"Acme \ud83d\ude00 \\ud800"`)}).want(t, 201).decode(t, &o)
		if want := "Acme \U0001F600 \\ud800"; o.Name != want {
			t.Errorf("name = %q, want %q", o.Name, want)
		}
	})
}

// TestEdges_EmptyQueryValuesAreRefused pins issue 6 item 12 on both engines: a parameter with
// an empty value is 422 naming it, for every parameter of every endpoint, like any ill-formed one.
func TestEdges_EmptyQueryValuesAreRefused(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *env) {
		p := e.createProduct(e.keyA, "prod-emptyq1")
		o := e.createOpportunity(e.keyA, p.ID)
		lists := map[string][]string{
			"/api/v1/offers":       {"type", "status", "productId", "resellerAccountId", "opportunityId", "limit", "cursor"},
			"/api/v1/entitlements": {"type", "status", "productId", "offerId", "opportunityId", "limit", "cursor"},
			"/api/v1/products":     {"externalId", "limit", "cursor"},
		}
		for path, params := range lists {
			for _, name := range params {
				for _, query := range []string{name + "=", name} {
					t.Run(path+"?"+query, func(t *testing.T) {
						e := e.in(t)
						res := e.refused(t, req{method: "GET", path: path + "?" + query, key: e.keyA}, "").want(t, 422)
						if pr := res.problem(t); !pr.hasField(name) {
							t.Errorf("problem does not name %s: %s", name, res.body)
						}
					})
				}
			}
		}
		t.Run("draft= on create", func(t *testing.T) {
			e := e.in(t)
			res := e.refused(t, req{method: "POST", path: "/api/v1/offers?draft=", key: e.keyA,
				body: map[string]any{"type": "CPPO_OUT", "name": "Draft"}}, "").want(t, 422)
			if !res.problem(t).hasField("draft") {
				t.Errorf("problem does not name draft: %s", res.body)
			}
		})
		if ids := e.offerIDs(e.keyA); len(ids) != 1 || ids[0] != o.ID {
			t.Errorf("offers = %v, want only %s", ids, o.ID)
		}
	})
}

// TestEdges_PatchMergesNestedDocuments pins issue 6 item 6 (RFC 7396 all the way down) on both
// engines: a nested object merges member by member, null removes a member or the whole object,
// and arrays are replaced whole.
func TestEdges_PatchMergesNestedDocuments(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *env) {
		p := e.createProduct(e.keyA, "prod-merge1")
		body := opportunity(p.ID)
		body["eula"] = map[string]any{"type": "CUSTOM", "url": "https://example.com/eula-v1.pdf"}
		body["resellerContract"] = map[string]any{"type": "CUSTOM", "url": "https://example.com/rc.pdf"}
		var o dealdesk.Offer
		e.do(req{method: "POST", path: "/api/v1/offers", key: e.keyA, body: body}).want(t, 201).decode(t, &o)
		path := "/api/v1/offers/" + o.ID

		patch := func(t *testing.T, body string) dealdesk.Offer {
			t.Helper()
			var got dealdesk.Offer
			e.do(req{method: "PATCH", path: path, key: e.keyA, body: body}).want(t, 200).decode(t, &got)
			var stored dealdesk.Offer
			e.do(req{method: "GET", path: path, key: e.keyA}).want(t, 200).decode(t, &stored)
			if fmt.Sprint(stored.EULA, stored.ResellerContract) != fmt.Sprint(got.EULA, got.ResellerContract) {
				t.Fatalf("answer %v %v differs from the stored %v %v", got.EULA, got.ResellerContract, stored.EULA, stored.ResellerContract)
			}
			return got
		}
		doc := func(d *dealdesk.Document) string {
			if d == nil {
				return "nil"
			}
			return string(d.Type) + " " + d.URL
		}

		got := patch(t, `{"eula":{"url":"https://example.com/eula-v2.pdf"}}`)
		if doc(got.EULA) != "CUSTOM https://example.com/eula-v2.pdf" || doc(got.ResellerContract) != "CUSTOM https://example.com/rc.pdf" {
			t.Fatalf("a URL alone: eula %s, reseller contract %s; want the type kept and the contract untouched", doc(got.EULA), doc(got.ResellerContract))
		}

		// STANDARD alone keeps the URL, which a STANDARD document may not have: refused, unchanged.
		res := e.refused(t, req{method: "PATCH", path: path, key: e.keyA, body: `{"eula":{"type":"STANDARD"}}`}, ruleStoredState).want(t, 422)
		if !res.problem(t).hasField("eula.url") {
			t.Errorf("STANDARD over a custom URL: problem does not name eula.url: %s", res.body)
		}

		got = patch(t, `{"eula":{"type":"STANDARD","url":null},"resellerContract":{"url":null,"type":"STANDARD"}}`)
		if doc(got.EULA) != "STANDARD " || doc(got.ResellerContract) != "STANDARD " {
			t.Fatalf("null URL with STANDARD: eula %s, reseller contract %s; want both STANDARD without URL", doc(got.EULA), doc(got.ResellerContract))
		}
		got = patch(t, `{"resellerContract":null}`)
		if got.ResellerContract != nil || doc(got.EULA) != "STANDARD " {
			t.Fatalf("null document: reseller contract %s, eula %s", doc(got.ResellerContract), doc(got.EULA))
		}
		got = patch(t, `{"installments":[{"chargeDate":"2027-09-01","amount":"12000.00"}]}`)
		if len(got.Installments) != 1 || got.Installments[0].ChargeDate.String() != "2027-09-01" {
			t.Fatalf("an array is replaced whole: installments %+v", got.Installments)
		}
	})
}
