package main_test

import (
	"strings"
	"testing"
)

// TestREADMEExamplesHaveNoFixedDates keeps the README's examples from expiring: no example
// that runs (or command in a transcript) holds a literal YYYY-MM-DD date; they compute theirs
// with date(1).
func TestREADMEExamplesHaveNoFixedDates(t *testing.T) {
	t.Parallel()
	if found := fixedDates(readmeBlocks(t)); len(found) > 0 {
		t.Errorf("README.md examples hold fixed dates, which expire; compute them (EXPIRY=$(date -u -d '+3 months' +%%F)):\n%s", strings.Join(found, "\n"))
	}
}

// TestREADMEBlocksAreAllCovered fails fast, without building anything, when the README has a
// block the examples test would neither run, compile nor check.
func TestREADMEBlocksAreAllCovered(t *testing.T) {
	t.Parallel()
	if _, err := planBlocks(readmeBlocks(t)); err != nil {
		t.Error(err)
	}
}

func TestFixedDatesAreFoundInRunnableExamplesOnly(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, readme string
		want         []string
	}{
		{"in a shell block", "prose\n```sh\ncurl -d '{\"expiryDate\":\"2027-06-30\"}'\n```\n", []string{"line 3: 2027-06-30"}},
		{"in a shell block's claim", "```sh\nx\n```\n```sh\ncurl x\n# => {\"endTime\":\"2027-01-01T00:00:00Z\"}\n```\n", []string{"line 6: 2027-01-01"}},
		{"in an indented Go block", "1. step\n\n   ```go\n   d := \"2030-01-02\"\n   ```\n", []string{"line 4: 2030-01-02"}},
		{"in a transcript's command", "```console\n$ dealdesk sim --since 2027-01-01\n2026-11-30 ok\n```\n", []string{"line 2: 2027-01-01"}},
		{"in a transcript's output", "```console\n$ go run ./cmd/dealdesk serve\nstarted 2026-11-30\n```\n", nil},
		{"in prose", "Measured on 2026-11-26.\n```sh\nEXPIRY=$(date -u -d '+3 months' +%F)\n```\n", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			blocks, err := parseBlocks(tc.readme)
			if err != nil {
				t.Fatal(err)
			}
			if got := fixedDates(blocks); strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("fixedDates = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestPlanBlocksRefusesBlocksNoTestCovers(t *testing.T) {
	t.Parallel()
	setUp := "```sh\ngo run ./cmd/dealdesk serve\nbash scripts/test.sh\n```\n"
	for _, tc := range []struct {
		name, readme string
		want         string // the plan, or the error's text
	}{
		{"every kind covered", setUp + "```sh\necho\n```\n```go\nx := 1\n```\n```console\n$ go run ./cmd/dealdesk sim --addr 127.0.0.1:4566\nout\n```\n",
			"set-up script go service"},
		{"a JSON block", setUp + "text\n```json\n{}\n```\n", "line 6: a ```json block is neither run"},
		{"a block without a language", setUp + "```\ndealdesk sim\n```\n", "line 5: a ``` block is neither run"},
		{"a transcript of another command", setUp + "```console\n$ dealdesk admin create-org --name x\norg_1\n```\n", "line 5: a console transcript must start with"},
		{"an empty transcript", setUp + "```console\n```\n", "line 5: a console transcript must start with"},
		{"a shell block first is the set-up", "```sh\nrm -rf /\n```\n", "set-up"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			blocks, err := parseBlocks(tc.readme)
			if err != nil {
				t.Fatal(err)
			}
			kinds, err := planBlocks(blocks)
			got := strings.Join(kinds, " ")
			if err != nil {
				got = err.Error()
			}
			if !strings.Contains(got, tc.want) {
				t.Errorf("planBlocks = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestParseBlocksRefusesAnUnclosedFence(t *testing.T) {
	t.Parallel()
	if _, err := parseBlocks("text\n\n```sh\necho\n"); err == nil || !strings.Contains(err.Error(), "line 3") {
		t.Errorf("parseBlocks of an unclosed block: %v, want an error naming line 3", err)
	}
}

func TestClaimsAreReadFromShellComments(t *testing.T) {
	t.Parallel()
	blocks, err := parseBlocks("x\n   ```sh\n   curl x\n   # => 422 application/problem+json {\"errors\":[\n   #      {\"field\":\"name\"}]}\n   # Next command.\n   echo $X\n   # => SUCCEEDED\n   ```\n")
	if err != nil {
		t.Fatal(err)
	}
	got := claimsOf(blocks[0])
	want := []readmeClaim{
		{Line: 4, End: 5, Status: 422, MediaType: "application/problem+json", Text: `{"errors":[ {"field":"name"}]}`},
		{Line: 8, End: 8, Text: "SUCCEEDED"},
	}
	if len(got) != len(want) {
		t.Fatalf("claims = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("claim %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestClaimHolds(t *testing.T) {
	t.Parallel()
	body := `{"type":"urn:x","status":422,"errors":[{"field":"name","message":"is required"},{"field":"resellerAccountId","message":"must be 12 digits"}]}`
	for _, tc := range []struct {
		name, claim, out string
		want             bool
	}{
		{"an empty claim", "", "anything", true},
		{"the exact output", "SUCCEEDED", "SUCCEEDED\n", true},
		{"another output", "SUCCEEDED", "FAILED\n", false},
		{"white space is ignored", `{"items": [],  "nextCursor": ""}`, "{\n  \"items\":[],\"nextCursor\":\"\"}", true},
		{"fields in order with gaps", `{...,"errors":[{"field":"name","message":"is required"}, ...,{"field":"resellerAccountId",...}]}`, body, true},
		{"fields out of order", `{...,{"field":"resellerAccountId",...},{"field":"name",...}...}`, body, false},
		{"a missing field", `{...,"field":"eula",...}`, body, false},
		{"anchored at the start", `{"status":422,...}`, body, false},
		{"anchored at the end", `{...,"status":422`, body, false},
		{"open at both ends", `...prd_...`, `{"id":"prd_01"}`, true},
		{"the ellipsis character", `resaleauthz-…`, "resaleauthz-abc\n", true},
		{"a prefix that is not there", `resaleauthz-…`, "null\n", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := claimHolds(tc.claim, tc.out); got != tc.want {
				t.Errorf("claimHolds(%q, %q) = %v, want %v", tc.claim, tc.out, got, tc.want)
			}
		})
	}
}
