package cli

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/dealdesk/dealdesk"
)

// checkpoint is FILE.progress: how far a usage import got through FILE. Offset is the byte just
// past the last group of the last answered batch, Line the last line it took, SHA256 the hash of
// FILE's bytes before Offset, so that a changed FILE is not resumed at a wrong place.
type checkpoint struct {
	Offset int64  `json:"offset"`
	Line   int    `json:"line"`
	SHA256 string `json:"sha256"`

	path   string
	h      hash.Hash // over FILE's bytes [0, hashed)
	hashed int64
}

// openCheckpoint reads FILE.progress, if any, and checks it against FILE.
func openCheckpoint(file string) (*checkpoint, error) {
	cp := &checkpoint{path: file + ".progress", h: sha256.New()}
	b, err := os.ReadFile(cp.path)
	if errors.Is(err, os.ErrNotExist) {
		cp.SHA256 = hex.EncodeToString(cp.h.Sum(nil))
		return cp, nil
	}
	bad := func(why string) error {
		return dealdesk.Errorf(dealdesk.EINVALID, "%s %s: remove it to send all of %s again (the server stores no group twice)", cp.path, why, file)
	}
	if err != nil {
		return nil, bad("cannot be read (" + pathError(err).Error() + ")")
	}
	if err := json.Unmarshal(b, cp); err != nil || cp.Offset < 0 || cp.Line < 0 {
		return nil, bad("is not a usage import checkpoint")
	}
	f, err := os.Open(file)
	if err != nil {
		return nil, dealdesk.Errorf(dealdesk.EINVALID, "cannot read %s: %v", file, pathError(err))
	}
	defer f.Close()
	if n, err := io.CopyN(cp.h, f, cp.Offset); err != nil || n != cp.Offset {
		return nil, bad("says more was sent than the file holds: the file changed")
	}
	cp.hashed = cp.Offset
	if hex.EncodeToString(cp.h.Sum(nil)) != cp.SHA256 {
		return nil, bad("does not match the file: what was sent has changed since")
	}
	return cp, nil
}

// save records that f was sent up to end (line line), replacing FILE.progress atomically.
func (cp *checkpoint) save(f *os.File, end int64, line int) error {
	if end > cp.hashed {
		if _, err := io.Copy(cp.h, io.NewSectionReader(f, cp.hashed, end-cp.hashed)); err != nil {
			return fmt.Errorf("hash %s: %w", f.Name(), err)
		}
		cp.hashed = end
	}
	cp.Offset, cp.Line, cp.SHA256 = end, line, hex.EncodeToString(cp.h.Sum(nil))
	b, err := json.Marshal(cp)
	if err != nil {
		return err
	}
	tmp := cp.path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", cp.path, pathError(err))
	}
	if err := os.Rename(tmp, cp.path); err != nil {
		return fmt.Errorf("write %s: %w", cp.path, pathError(err))
	}
	return nil
}

// readJSONLGroups returns a reader of the groups of a JSONL file from offset, the start of
// line+1: one JSON object a line, sent as written. Blank lines are skipped.
func readJSONLGroups(f *os.File, offset int64, line int) (func(yield func(importGroup) bool) error, error) {
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return nil, fmt.Errorf("seek %s: %w", f.Name(), err)
	}
	return func(yield func(importGroup) bool) error {
		br := bufio.NewReaderSize(f, 256<<10)
		end := offset
		for {
			raw, n, tooLong, err := readLine(br)
			if n == 0 && errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil && !errors.Is(err, io.EOF) {
				return fmt.Errorf("read %s: %w", f.Name(), err)
			}
			line++
			end += n
			raw = bytes.TrimSpace(raw)
			g := importGroup{Line: line, EndLine: line, End: end}
			switch {
			case tooLong:
				g.Problem = fmt.Sprintf("the line is longer than %d bytes", maxImportLine)
			case len(raw) == 0:
				continue
			case raw[0] != '{' || !json.Valid(raw):
				g.Problem = "is not one JSON object: a usage group such as {\"id\": \"…\", \"entitlementId\": \"ent_…\", \"timestamp\": \"…\", \"records\": {\"api_calls\": 12}}"
			default:
				g.JSON = append(json.RawMessage(nil), raw...)
			}
			if !yield(g) {
				return nil
			}
		}
	}, nil
}

// readLine reads one line of br (without its end) and the bytes it took (with its end); a line
// over maxImportLine is consumed but not kept.
func readLine(br *bufio.Reader) (line []byte, n int64, tooLong bool, err error) {
	for {
		chunk, err := br.ReadSlice('\n')
		n += int64(len(chunk))
		if !tooLong {
			if len(line)+len(chunk) > maxImportLine+2 {
				tooLong, line = true, nil
			} else {
				line = append(line, chunk...)
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		return line, n, tooLong, err
	}
}

// csvColumns are the columns of a usage CSV file.
var csvColumns = []string{"id", "entitlementId", "timestamp", "dimension", "quantity"}

// jsonNumber is JSON's number grammar: a CSV quantity written so is sent as a JSON number,
// anything else as a string the server explains.
var jsonNumber = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$`)

// readCSVGroups returns a reader of the groups of a CSV file from offset (0: after the header),
// the start of line+1. Adjacent rows with the same id form one group.
func readCSVGroups(f *os.File, offset int64, line int) (func(yield func(importGroup) bool) error, error) {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("seek %s: %w", f.Name(), err)
	}
	hr := csv.NewReader(bufio.NewReader(f))
	header, err := hr.Read()
	if err != nil {
		return nil, dealdesk.Errorf(dealdesk.EINVALID, "%s: no header row naming the columns %s", f.Name(), strings.Join(csvColumns, ","))
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	var idx [5]int
	var missing []string
	for i, c := range csvColumns {
		j, ok := col[strings.ToLower(c)]
		if !ok {
			missing = append(missing, c)
		}
		idx[i] = j
	}
	if len(missing) > 0 {
		return nil, dealdesk.Errorf(dealdesk.EINVALID, "%s: the header row lacks the columns %s (it needs %s)", f.Name(), strings.Join(missing, ", "), strings.Join(csvColumns, ","))
	}
	if offset == 0 {
		offset, line = hr.InputOffset(), 1
	}
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return nil, fmt.Errorf("seek %s: %w", f.Name(), err)
	}
	return func(yield func(importGroup) bool) error {
		r := csv.NewReader(bufio.NewReaderSize(f, 256<<10))
		r.FieldsPerRecord = len(header)
		r.ReuseRecord = true
		var cur *csvGroup
		for {
			row, err := r.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				if pe, ok := errors.AsType[*csv.ParseError](err); ok {
					return dealdesk.Errorf(dealdesk.EINVALID, "%s line %d: %v", f.Name(), line+pe.Line, pe.Err)
				}
				return fmt.Errorf("read %s: %w", f.Name(), err)
			}
			first, _ := r.FieldPos(0)
			last, _ := r.FieldPos(len(row) - 1)
			id := row[idx[0]]
			if cur != nil && id != cur.id {
				if !yield(cur.group()) {
					return nil
				}
				cur = nil
			}
			if cur == nil {
				cur = &csvGroup{id: id, ent: row[idx[1]], ts: row[idx[2]], line: line + first}
			}
			cur.add(row[idx[1]], row[idx[2]], row[idx[3]], row[idx[4]])
			cur.endLine, cur.end = line+last, offset+r.InputOffset()
		}
		if cur != nil {
			yield(cur.group())
		}
		return nil
	}, nil
}

// csvGroup gathers the rows of one group of a CSV file.
type csvGroup struct {
	id, ent, ts   string
	dims, qtys    []string
	problem       string
	line, endLine int
	end           int64
}

func (g *csvGroup) add(ent, ts, dim, qty string) {
	switch {
	case g.problem != "":
	case ent != g.ent:
		g.problem = fmt.Sprintf("rows of id %q name different entitlements (%q, %q): a group is of one entitlement", g.id, g.ent, ent)
	case ts != g.ts:
		g.problem = fmt.Sprintf("rows of id %q have different timestamps (%q, %q): a group has one timestamp", g.id, g.ts, ts)
	default:
		for _, d := range g.dims {
			if d == dim {
				g.problem = fmt.Sprintf("dimension %q is given twice for id %q", dim, g.id)
			}
		}
	}
	g.dims, g.qtys = append(g.dims, dim), append(g.qtys, strings.TrimSpace(qty))
}

// group returns the group as JSON, or why it cannot be sent.
func (g *csvGroup) group() importGroup {
	ig := importGroup{Line: g.line, EndLine: g.endLine, End: g.end, ID: g.id}
	for _, s := range append([]string{g.id, g.ent, g.ts}, g.dims...) {
		if !utf8.ValidString(s) {
			g.problem = "a field is not valid UTF-8 text"
		}
	}
	if g.problem != "" {
		ig.Problem = g.problem
		return ig
	}
	b := make([]byte, 0, 128+32*len(g.dims))
	b = append(b, `{"id":`...)
	b = appendJSONString(b, g.id)
	b = append(b, `,"entitlementId":`...)
	b = appendJSONString(b, g.ent)
	b = append(b, `,"timestamp":`...)
	b = appendJSONString(b, g.ts)
	b = append(b, `,"records":{`...)
	for i, d := range g.dims {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, d)
		b = append(b, ':')
		if q := g.qtys[i]; jsonNumber.MatchString(q) {
			b = append(b, q...)
		} else {
			b = appendJSONString(b, q)
		}
	}
	b = append(b, "}}"...)
	if len(b) > maxImportLine {
		ig.Problem = fmt.Sprintf("the group is larger than %d bytes", maxImportLine)
		return ig
	}
	ig.JSON = b
	return ig
}

// appendJSONString appends s, valid UTF-8, as a JSON string.
func appendJSONString(b []byte, s string) []byte {
	q, _ := json.Marshal(s)
	return append(b, q...)
}
