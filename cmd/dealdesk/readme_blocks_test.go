package main_test

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// readmeBlock is one fenced code block of README.md.
type readmeBlock struct {
	Line  int      // 1-based line of the opening fence
	Lang  string   // first word of the fence's info string: sh, console, go, or empty
	Lines []string // the content, without the fence's indentation (blocks inside list items)
}

// firstContentLine is the README line of the block's first content line.
func (b readmeBlock) firstContentLine() int { return b.Line + 1 }

// readmeBlocks returns the fenced blocks of the repository's README.md, in document order.
func readmeBlocks(t *testing.T) []readmeBlock {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks, err := parseBlocks(string(b))
	if err != nil {
		t.Fatalf("README.md: %v", err)
	}
	return blocks
}

// parseBlocks returns the ``` fenced blocks of a Markdown text. A fence may be indented (a
// block inside a list item); its indentation is removed from the block's lines. A fence that is
// never closed is an error naming its line.
func parseBlocks(text string) ([]readmeBlock, error) {
	var blocks []readmeBlock
	var cur *readmeBlock
	indent := 0
	for i, line := range strings.Split(text, "\n") {
		trimmed := strings.TrimLeft(line, " ")
		if cur == nil {
			if info, ok := strings.CutPrefix(trimmed, "```"); ok {
				lang, _, _ := strings.Cut(strings.TrimSpace(info), " ")
				cur = &readmeBlock{Line: i + 1, Lang: lang}
				indent = len(line) - len(trimmed)
			}
			continue
		}
		if strings.TrimSpace(line) == "```" {
			blocks = append(blocks, *cur)
			cur = nil
			continue
		}
		lead := len(line) - len(trimmed)
		cur.Lines = append(cur.Lines, line[min(lead, indent):])
	}
	if cur != nil {
		return nil, fmt.Errorf("the block opened at line %d is not closed", cur.Line)
	}
	return blocks, nil
}

// Kinds of README blocks, by how the examples test accounts for each.
const (
	blockSetUp   = "set-up"  // the first block: TestREADMEFirstCommand runs its first command, CI the second
	blockScript  = "script"  // ```sh: run by bash, in order, as one script
	blockGo      = "go"      // ```go: compiled (and run against the simulator)
	blockService = "service" // ```console starting serve or sim: the test starts it and checks the transcript
)

// serviceCommand is how a console transcript that starts a service begins.
const serviceCommand = "$ go run ./cmd/dealdesk "

// planBlocks says, for each block, how the examples test covers it. A block it would neither
// run, compile nor check is an error naming the block's line, so that no example can be added
// to the README without being executed.
func planBlocks(blocks []readmeBlock) ([]string, error) {
	kinds := make([]string, len(blocks))
	var errs []string
	for i, b := range blocks {
		switch {
		case i == 0 && b.Lang == "sh":
			kinds[i] = blockSetUp
		case b.Lang == "sh":
			kinds[i] = blockScript
		case b.Lang == "go":
			kinds[i] = blockGo
		case b.Lang == "console" && len(b.Lines) > 0 && serviceName(b) != "":
			kinds[i] = blockService
		case b.Lang == "console":
			errs = append(errs, fmt.Sprintf("line %d: a console transcript must start with %q serve or sim, which the test starts and checks", b.Line, serviceCommand))
		default:
			errs = append(errs, fmt.Sprintf("line %d: a ```%s block is neither run (```sh), compiled (```go) nor a checked transcript (```console)", b.Line, b.Lang))
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("README blocks no test covers:\n%s", strings.Join(errs, "\n"))
	}
	return kinds, nil
}

// serviceName is "serve" or "sim" for a transcript that starts that service, else empty.
func serviceName(b readmeBlock) string {
	args, ok := strings.CutPrefix(b.Lines[0], serviceCommand)
	if !ok {
		return ""
	}
	name, _, _ := strings.Cut(args, " ")
	if name != "serve" && name != "sim" {
		return ""
	}
	return name
}

var isoDate = regexp.MustCompile(`\b(\d{4}-\d\d-\d\d)(?:\D|$)`)

// fixedDates lists the literal YYYY-MM-DD dates of the examples: in every line of the blocks
// that are run or compiled, and in the commands ("$ " lines) of transcripts. Such a date expires;
// examples compute theirs. A transcript's output and the prose may hold dates.
func fixedDates(blocks []readmeBlock) []string {
	var found []string
	for _, b := range blocks {
		for j, line := range b.Lines {
			if b.Lang == "console" && !strings.HasPrefix(line, "$ ") {
				continue
			}
			for _, m := range isoDate.FindAllStringSubmatch(line, -1) {
				found = append(found, fmt.Sprintf("line %d: %s", b.firstContentLine()+j, m[1]))
			}
		}
	}
	return found
}

// readmeClaim is a "# =>" comment of a shell block: what the commands before it print or what
// the API answered them.
type readmeClaim struct {
	Line      int    // README line of the "# =>"
	End       int    // README line of its last continuation line
	Status    int    // the HTTP status claimed, or 0
	MediaType string // the Content-Type claimed, or empty
	Text      string // the output claimed, or empty; see claimHolds
}

var (
	statusWord    = regexp.MustCompile(`^[1-5]\d\d$`)
	mediaTypeWord = regexp.MustCompile(`^[a-z]+/[a-z0-9.+-]+$`)
)

// claimsOf returns the claims of a shell block. A claim is a "# =>" line and the lines after it
// that start with "#" and at least two more spaces; it reads [STATUS] [MEDIA-TYPE] [TEXT].
func claimsOf(b readmeBlock) []readmeClaim {
	var claims []readmeClaim
	for j := 0; j < len(b.Lines); j++ {
		rest, ok := strings.CutPrefix(strings.TrimSpace(b.Lines[j]), "# =>")
		if !ok {
			continue
		}
		c := readmeClaim{Line: b.firstContentLine() + j}
		parts := []string{strings.TrimSpace(rest)}
		for j+1 < len(b.Lines) && strings.HasPrefix(b.Lines[j+1], "#   ") {
			j++
			parts = append(parts, strings.TrimSpace(strings.TrimPrefix(b.Lines[j], "#")))
		}
		c.End = b.firstContentLine() + j
		words := strings.Fields(strings.Join(parts, " "))
		if len(words) > 0 && statusWord.MatchString(words[0]) {
			c.Status, _ = strconv.Atoi(words[0])
			words = words[1:]
		}
		if len(words) > 0 && mediaTypeWord.MatchString(words[0]) {
			c.MediaType = words[0]
			words = words[1:]
		}
		c.Text = strings.Join(words, " ")
		claims = append(claims, c)
	}
	return claims
}

// claimHolds reports whether out is what text claims. White space is ignored on both sides;
// "..." (or "…") stands for any text, and ", ...," in a list for any items, none included; a
// claim that neither starts nor ends with "..." must match the start and the end of out. An
// empty claim holds for any output.
func claimHolds(text, out string) bool {
	squash := func(s string) string { return strings.Join(strings.Fields(s), "") }
	text = strings.ReplaceAll(strings.ReplaceAll(squash(text), "…", "..."), ",...,", ",...")
	if text == "" {
		return true
	}
	out = squash(out)
	frags := strings.Split(text, "...")
	if len(frags) == 1 {
		return out == text
	}
	first, last := frags[0], frags[len(frags)-1]
	if !strings.HasPrefix(out, first) {
		return false
	}
	out = out[len(first):]
	for _, f := range frags[1 : len(frags)-1] {
		i := strings.Index(out, f)
		if i < 0 {
			return false
		}
		out = out[i+len(f):]
	}
	return strings.HasSuffix(out, last)
}
