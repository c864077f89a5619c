package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/client"
)

const usageGroupUsage = `Usage:
  dealdesk usage import FILE.csv|FILE.jsonl   reports the usage in FILE through the API, resumably
Each takes --api-url (DEALDESK_API_URL) and the API key from DEALDESK_API_KEY or --api-key-file.
`

const usageImportSynopsis = `Usage: dealdesk usage import [--batch-size N] [--api-url URL] [--api-key-file PATH] FILE.csv|FILE.jsonl

Reports the usage groups in FILE through POST /api/v1/usage:batch, in batches, with a progress
bar on a terminal. FILE.jsonl holds one group a line:
  {"id": "…", "entitlementId": "ent_…", "timestamp": "2026-11-30T10:17:00Z", "records": {"api_calls": 12}}
FILE.csv has a header row naming the columns id,entitlementId,timestamp,dimension,quantity (in
any order), and one row per dimension: adjacent rows with the same id form one group.

Each group's id is its idempotency key: the server stores a group once and answers 200 for one
already stored. After each answered batch FILE.progress records how far FILE was stored (byte
offset, line, and a hash of what was sent), so a re-run sends only what follows; it stops
before the first group rejected, so that a re-run sends the rejected groups again (a problem
may be temporary), and those after them, which the server answers as already stored. A FILE
changed before that point is refused (remove FILE.progress to send it all again, which stores
nothing twice). Rows after the checkpoint, such as rejected ones, may be corrected before a re-run. Prints how many groups were stored now, already stored and rejected, and the first
rejections with their problems; exits 1 when any group was rejected.
`

// Bounds of a batch the import sends: the server takes at most dealdesk.MaxUsageBatchGroups
// groups and 8 MiB (http.MaxUsageBatchBytes) in one call; half of it leaves room for JSON's
// framing and keeps each answer, and the work a failed call repeats, small.
const (
	defaultImportBatch = 2000
	maxImportBatchJSON = 4 << 20
	// maxImportLine bounds a JSONL line (and a CSV group's JSON): the server reads at most 1 MiB
	// for one group; a longer line is rejected without being sent.
	maxImportLine = 1 << 20
	// shownRejections is how many rejections the import prints in full.
	shownRejections = 10
)

// runUsage runs `dealdesk usage import`.
func runUsage(ctx context.Context, args []string, env Env) error {
	if len(args) == 0 {
		fmt.Fprint(env.Stderr, usageGroupUsage)
		return errUsage
	}
	switch args[0] {
	case "help", "-h", "--help":
		fmt.Fprint(env.Stdout, usageGroupUsage)
		return nil
	case "import":
	default:
		fmt.Fprintf(env.Stderr, "dealdesk usage: unknown command %q\n\n%s", args[0], usageGroupUsage)
		return errUsage
	}
	fs := newFlagSet("usage import", usageImportSynopsis, env)
	newClient := clientFlags(fs, env)
	batchSize := fs.Int("batch-size", defaultImportBatch, fmt.Sprintf("usage groups per call, 1 to %d", dealdesk.MaxUsageBatchGroups))
	// FILE may come before or after the flags.
	var file string
	if rest := args[1:]; len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
		file = rest[0]
		if err := parseFlags(fs, rest[1:]); err != nil {
			return err
		}
	} else {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return err
			}
			return errUsage
		}
		if fs.NArg() > 0 {
			file = fs.Arg(0)
			if err := parseFlags(fs, fs.Args()[1:]); err != nil {
				return err
			}
		}
	}
	var format importFormat
	switch strings.ToLower(filepath.Ext(file)) {
	case ".csv":
		format = formatCSV
	case ".jsonl", ".ndjson":
		format = formatJSONL
	default:
		if file == "" {
			fmt.Fprintln(env.Stderr, "dealdesk usage import: missing FILE.csv or FILE.jsonl")
		} else {
			fmt.Fprintf(env.Stderr, "dealdesk usage import: %s: the file's name must end in .csv or .jsonl\n", file)
		}
		fs.Usage()
		return errUsage
	}
	if *batchSize < 1 || *batchSize > dealdesk.MaxUsageBatchGroups {
		fmt.Fprintf(env.Stderr, "dealdesk usage import: --batch-size must be from 1 to %d\n", dealdesk.MaxUsageBatchGroups)
		fs.Usage()
		return errUsage
	}
	c, err := newClient()
	if err != nil {
		return err
	}
	imp := &usageImport{client: c, file: file, format: format, batchSize: *batchSize, env: env}
	return imp.run(ctx)
}

// usageImport is one run of `dealdesk usage import`.
type usageImport struct {
	client    *client.Client
	file      string
	format    importFormat
	batchSize int
	env       Env

	batch      []json.RawMessage
	batchLines []int          // the line each group of batch starts on
	batchFrom  []importResume // where the file stands just before each group of batch
	batchBytes int

	// held is where the checkpoint stops: just before the first group rejected in this run
	// (nil while none is), so that a re-run sends every rejected group again, whose problem may
	// have been temporary. The checkpoint covers only a contiguous prefix of groups stored or
	// already stored.
	held *importResume

	stored, already, rejected int
	shown                     []string // the first rejections, described
}

// importResume is a place in the file to resume from: the byte offset and the last line before it.
type importResume struct {
	end  int64
	line int
}

// hold stops the checkpoint at from, unless it stops earlier already.
func (imp *usageImport) hold(from importResume) {
	if imp.held == nil || from.end < imp.held.end {
		imp.held = &from
	}
}

// importFormat is how a usage file is written.
type importFormat int

const (
	formatCSV importFormat = iota
	formatJSONL
)

// importGroup is one group read from a usage file: its JSON, the line it starts on, the byte
// offset just past it, or why it cannot be sent (then JSON is nil).
type importGroup struct {
	JSON    json.RawMessage
	Line    int
	EndLine int // the last line it takes
	End     int64
	Problem string
	ID      string
}

func (imp *usageImport) run(ctx context.Context) error {
	f, err := os.Open(imp.file)
	if err != nil {
		return dealdesk.Errorf(dealdesk.EINVALID, "cannot read %s: %v", imp.file, pathError(err))
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return dealdesk.Errorf(dealdesk.EINVALID, "cannot read %s: %v", imp.file, pathError(err))
	}
	cp, err := openCheckpoint(imp.file)
	if err != nil {
		return err
	}
	if cp.Offset > 0 {
		fmt.Fprintf(imp.env.Stdout, "resuming %s after line %d (byte %d), as %s records\n", imp.file, cp.Line, cp.Offset, cp.path)
	}
	bar := newImportBar(imp.env.Stderr, info.Size(), "importing "+filepath.Base(imp.file))
	_ = bar.Set64(cp.Offset)

	var groups func(yield func(importGroup) bool) error
	switch imp.format {
	case formatCSV:
		groups, err = readCSVGroups(f, cp.Offset, cp.Line)
	default:
		groups, err = readJSONLGroups(f, cp.Offset, cp.Line)
	}
	if err != nil {
		return err
	}
	lastEnd, lastLine := cp.Offset, cp.Line
	var sendErr error
	flush := func(end int64, line int) bool {
		if len(imp.batch) > 0 {
			if sendErr = imp.send(ctx); sendErr != nil {
				return false
			}
		}
		if imp.held != nil {
			end, line = imp.held.end, imp.held.line
		}
		if sendErr = cp.save(f, end, line); sendErr != nil {
			return false
		}
		_ = bar.Set64(end)
		return true
	}
	readErr := groups(func(g importGroup) bool {
		if g.JSON == nil {
			imp.hold(importResume{lastEnd, lastLine})
			imp.reject(g.Line, g.ID, g.Problem)
		} else {
			if len(imp.batch) > 0 && imp.batchBytes+len(g.JSON) > maxImportBatchJSON {
				if !flush(lastEnd, lastLine) {
					return false
				}
			}
			imp.batch = append(imp.batch, g.JSON)
			imp.batchLines = append(imp.batchLines, g.Line)
			imp.batchFrom = append(imp.batchFrom, importResume{lastEnd, lastLine})
			imp.batchBytes += len(g.JSON) + 1
		}
		lastEnd, lastLine = g.End, g.EndLine
		if len(imp.batch) >= imp.batchSize {
			return flush(lastEnd, lastLine)
		}
		return true
	})
	if sendErr == nil && readErr == nil {
		flush(lastEnd, lastLine)
	}
	_ = bar.Finish()
	imp.report()
	switch {
	case sendErr != nil:
		return fmt.Errorf("%w; %s keeps what was answered: run the same command again to go on", describe(sendErr), cp.path)
	case readErr != nil:
		return readErr
	case imp.rejected > 0:
		return dealdesk.Errorf(dealdesk.EINVALID, "%d usage groups were rejected", imp.rejected)
	}
	return nil
}

// send sends the batch and counts its answers.
func (imp *usageImport) send(ctx context.Context) error {
	a, err := imp.client.ReportUsageBatchJSON(ctx, imp.batch)
	if err != nil {
		return err
	}
	for i, r := range a.Results {
		switch {
		case r.Status == 201:
			imp.stored++
		case r.Status == 200:
			imp.already++
		default:
			msg := fmt.Sprintf("%d", r.Status)
			if r.Err != nil {
				msg = fmt.Sprintf("%d %s", r.Status, describe(r.Err))
			}
			imp.reject(imp.batchLines[i], r.ID, msg)
			imp.hold(imp.batchFrom[i])
		}
	}
	imp.batch, imp.batchLines, imp.batchFrom, imp.batchBytes = imp.batch[:0], imp.batchLines[:0], imp.batchFrom[:0], 0
	return nil
}

// reject counts a rejected group and keeps its description while few are kept.
func (imp *usageImport) reject(line int, id, problem string) {
	imp.rejected++
	if len(imp.shown) < shownRejections {
		if id != "" {
			id = " (id " + id + ")"
		}
		imp.shown = append(imp.shown, fmt.Sprintf("line %d%s: %s", line, id, problem))
	}
}

// report prints the counts and the first rejections.
func (imp *usageImport) report() {
	w := imp.env.Stdout
	fmt.Fprintf(w, "stored          %d\nalready stored  %d\nrejected        %d\n", imp.stored, imp.already, imp.rejected)
	if len(imp.shown) > 0 {
		fmt.Fprintln(w, "rejections:")
		for _, s := range imp.shown {
			fmt.Fprintf(w, "  %s\n", s)
		}
		if more := imp.rejected - len(imp.shown); more > 0 {
			fmt.Fprintf(w, "  … and %d more\n", more)
		}
	}
}

// newImportBar returns a progress bar over size bytes that draws on w when w is a terminal, and
// draws nothing otherwise (a log or a pipe gets the summary alone).
func newImportBar(w io.Writer, size int64, desc string) *progressbar.ProgressBar {
	f, ok := w.(*os.File)
	visible := ok && term.IsTerminal(int(f.Fd()))
	return progressbar.NewOptions64(size,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetVisibility(visible),
		progressbar.OptionSetDescription(desc),
		progressbar.OptionShowBytes(true),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionClearOnFinish(),
	)
}
