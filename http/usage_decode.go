package http

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/dealdesk/dealdesk"
)

// Usage groups are decoded by hand rather than by decodeJSON's reflection: a batch holds up to
// dealdesk.MaxUsageBatchGroups of them, and quantities are JSON numbers that must be read from
// their text, exactly (dealdesk.Decimal refuses JSON numbers, which is right for money). The
// rules are decodeJSON's: unknown and repeated fields are named, a value of the wrong type is
// named, invalid UTF-8 and unpaired surrogates in text are refused. Decision 023 ("The API, the client and `usage import`").

// MaxUsageBatchBytes bounds the body of POST /api/v1/usage:batch (8 MiB): 10,000 groups of a few
// dimensions take about 2.5 MiB. The body is read as a stream, group by group; what the server
// holds is the decoded groups, at most dealdesk.MaxUsageBatchGroups × dealdesk.MaxUsageRecords
// quantities.
const MaxUsageBatchBytes = 8 << 20

// usageDecoder decodes usage groups. It keeps the strings that repeat from group to group
// (dimension keys, entitlement IDs) and the quantities written the same way, so that a batch
// costs one allocation per distinct text rather than per record.
type usageDecoder struct {
	strs map[string]string
	nums map[string]dealdesk.Decimal
}

// maxInterned bounds each of usageDecoder's caches.
const maxInterned = 4096

func newUsageDecoder() *usageDecoder {
	return &usageDecoder{strs: map[string]string{}, nums: map[string]dealdesk.Decimal{}}
}

// intern returns b as a string, shared with an earlier equal one.
func (d *usageDecoder) intern(b []byte) string {
	if s, ok := d.strs[string(b)]; ok {
		return s
	}
	s := string(b)
	if len(d.strs) < maxInterned {
		d.strs[s] = s
	}
	return s
}

// decodeGroup decodes the JSON object raw, which must be valid JSON (json.Valid or a
// json.Decoder checked it), into in. Problems name fields within the group ("records.api_calls").
// pathEntitlement is the entitlement of the URL path, "" in a batch: then the group names its
// own; with it, the group may repeat it but not name another.
func (d *usageDecoder) decodeGroup(raw []byte, in *dealdesk.UsageGroupInput, pathEntitlement string) error {
	*in = dealdesk.UsageGroupInput{EntitlementID: pathEntitlement}
	var p dealdesk.Problems
	s := scanner{b: raw}
	s.ws()
	if s.peek() != '{' {
		return dealdesk.Errorf(dealdesk.EINVALID, "A usage group must be a JSON object such as {\"id\": \"…\", \"timestamp\": \"…\", \"records\": {\"api_calls\": 12}}.")
	}
	var seen [4]bool
	s.members(func(key []byte, val []byte) {
		name, ok := d.key(key)
		if !ok {
			p.Add("", "a field name must be valid UTF-8 text")
			return
		}
		field := -1
		switch name {
		case "id":
			field = 0
		case "entitlementId":
			field = 1
		case "timestamp":
			field = 2
		case "records":
			field = 3
		default:
			p.Add(name, "unknown field")
			return
		}
		if seen[field] {
			p.Add(name, "is given more than once")
			return
		}
		seen[field] = true
		if bytes.Equal(val, []byte("null")) {
			return
		}
		switch field {
		case 0:
			if v, ok := text(&p, "id", val); ok {
				in.ID = v
			}
		case 1:
			if v, ok := text(&p, "entitlementId", val); ok {
				switch {
				case pathEntitlement == "":
					in.EntitlementID = d.intern([]byte(v))
				case v != pathEntitlement:
					p.Add("entitlementId", "is the entitlement of the path (%s): leave it out or repeat it", pathEntitlement)
				}
			}
		case 2:
			in.Timestamp = timestamp(&p, val)
		case 3:
			in.Records = d.records(&p, val)
		}
	})
	return p.Err()
}

// key returns the text of a JSON object key (with its quotes in raw).
func (d *usageDecoder) key(raw []byte) (string, bool) {
	if bytes.IndexByte(raw, '\\') < 0 && utf8.Valid(raw) {
		return d.intern(raw[1 : len(raw)-1]), true
	}
	if hasHiddenRune(raw) {
		return "", false
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return d.intern([]byte(s)), true
}

// records decodes the records object: a quantity per dimension key. Past
// dealdesk.MaxUsageRecords keys it only counts, so that a group costs bounded memory.
func (d *usageDecoder) records(p *dealdesk.Problems, raw []byte) map[string]dealdesk.Decimal {
	s := scanner{b: raw}
	if s.peek() != '{' {
		p.Add("records", "must be an object of quantities by dimension key, such as {\"api_calls\": 12}")
		return nil
	}
	recs := make(map[string]dealdesk.Decimal, 4)
	n := 0
	s.members(func(key, val []byte) {
		k, ok := d.key(key)
		if !ok {
			p.Add("records", "a dimension key must be valid UTF-8 text")
			return
		}
		if _, dup := recs[k]; dup {
			p.Add("records."+k, "is given more than once")
			return
		}
		if n++; n > dealdesk.MaxUsageRecords {
			return
		}
		var q dealdesk.Decimal
		if !bytes.Equal(val, []byte("null")) {
			var msg string
			q, msg = d.quantity(val)
			if msg != "" {
				p.Add("records."+k, "%s", msg)
			}
		}
		recs[k] = q
	})
	if n > dealdesk.MaxUsageRecords {
		p.Add("records", "at most %d dimensions are allowed, got %d", dealdesk.MaxUsageRecords, n)
	}
	return recs
}

// quantity reads a quantity: a JSON number or a string holding one, exactly. It returns what is
// wrong, in words fit for users, or "".
func (d *usageDecoder) quantity(raw []byte) (dealdesk.Decimal, string) {
	if q, ok := d.nums[string(raw)]; ok {
		return q, ""
	}
	var txt string
	switch c := raw[0]; {
	case c == '"':
		if hasHiddenRune(raw) || json.Unmarshal(raw, &txt) != nil {
			return dealdesk.Decimal{}, errQuantity
		}
		if !jsonNumber.MatchString(txt) {
			return dealdesk.Decimal{}, quantityTextProblem(txt)
		}
	case c == '-' || (c >= '0' && c <= '9'):
		txt = string(raw)
	default:
		return dealdesk.Decimal{}, errQuantity
	}
	q, msg := parseQuantity(txt)
	if msg == "" && len(d.nums) < maxInterned {
		d.nums[string(raw)] = q
	}
	return q, msg
}

// errQuantity says what a quantity must be.
const errQuantity = "must be a number such as 12 or 0.5, or a decimal string such as \"0.5\""

// jsonNumber is JSON's number grammar (RFC 8259 §6); a quantity in a string is written the same.
var jsonNumber = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$`)

// quantityTextProblem says what is wrong with a quantity string that is no JSON number.
func quantityTextProblem(s string) string {
	switch strings.ToLower(strings.TrimLeft(s, "+-")) {
	case "nan", "inf", "infinity":
		return "must be a finite number: NaN and Infinity are not quantities"
	}
	if _, err := dealdesk.ParseDecimal(s); err != nil && strings.Trim(s, "-.0123456789") == "" && s != "" {
		return err.Error() // leading zeros, "5.", ".5": the decimal's own words
	}
	return errQuantity
}

// maxQuantityExponent bounds the exponent of a quantity in exponent form: any larger one is far
// beyond what a quantity may be (dealdesk.MaxUsageQuantity, dealdesk.MaxUsagePlaces decimals),
// and expanding it would cost time and memory.
const maxQuantityExponent = 50

// parseQuantity reads txt, in JSON's number grammar, as an exact decimal. An exponent form is
// accepted and read exactly (1e3 is 1000, 1.5e-7 is 0.00000015), as JavaScript and Python write
// small numbers that way; the value is kept in plain form.
func parseQuantity(txt string) (dealdesk.Decimal, string) {
	if n, err := strconv.ParseInt(txt, 10, 64); err == nil && txt[0] != '-' {
		var q dealdesk.Decimal
		_ = q.Scan(n) // an int64 always scans
		return q, ""
	}
	mant, exp, hasExp := strings.Cut(strings.ToLower(txt), "e")
	if !hasExp {
		q, err := dealdesk.ParseDecimal(txt)
		if err != nil {
			return dealdesk.Decimal{}, err.Error()
		}
		return q, ""
	}
	e, err := strconv.Atoi(strings.TrimPrefix(exp, "+"))
	if err != nil || e > maxQuantityExponent || e < -maxQuantityExponent {
		return dealdesk.Decimal{}, "is out of range: its exponent must be from -50 to 50"
	}
	m, err := dealdesk.ParseDecimal(mant)
	if err != nil {
		return dealdesk.Decimal{}, err.Error()
	}
	v := m.Decimal.Shift(int32(e))
	q, err := dealdesk.ParseDecimal(v.String())
	if err != nil {
		return dealdesk.Decimal{}, err.Error()
	}
	return q, ""
}

// text reads a JSON string value of a usage group field.
func text(p *dealdesk.Problems, field string, raw []byte) (string, bool) {
	if raw[0] != '"' {
		p.Add(field, "must be a string")
		return "", false
	}
	if bytes.IndexByte(raw, '\\') < 0 && utf8.Valid(raw) {
		return string(raw[1 : len(raw)-1]), true
	}
	if hasHiddenRune(raw) {
		p.Add(field, "must be valid UTF-8 text: invalid bytes and unpaired surrogate escapes are refused")
		return "", false
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		p.Add(field, "must be a string")
		return "", false
	}
	return s, true
}

// timestamp reads an RFC 3339 time.
func timestamp(p *dealdesk.Problems, raw []byte) time.Time {
	var t time.Time
	if raw[0] != '"' || t.UnmarshalJSON(raw) != nil {
		p.Add("timestamp", "must be an RFC 3339 time such as 2026-11-30T10:17:00Z")
		return time.Time{}
	}
	return t
}

// scanner walks a JSON text that is known to be valid.
type scanner struct {
	b []byte
	i int
}

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *scanner) peek() byte {
	s.ws()
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

// members calls fn with the raw key (quotes included) and raw value of each member of the
// object at s.
func (s *scanner) members(fn func(key, val []byte)) {
	s.i++ // {
	for {
		switch s.peek() {
		case '}', 0:
			s.i++
			return
		case ',':
			s.i++
			continue
		}
		key := s.value()
		s.peek()
		s.i++ // :
		s.ws()
		fn(key, s.value())
	}
}

// value returns the raw value at s and moves past it.
func (s *scanner) value() []byte {
	s.ws()
	start := s.i
	if s.i >= len(s.b) {
		return nil
	}
	switch s.b[s.i] {
	case '"':
		s.skipString()
	case '{', '[':
		depth := 0
		for s.i < len(s.b) {
			switch s.b[s.i] {
			case '"':
				s.skipString()
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
			}
			s.i++
			if depth == 0 {
				break
			}
		}
	default: // a number, true, false or null
		for s.i < len(s.b) {
			switch s.b[s.i] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				return s.b[start:s.i]
			}
			s.i++
		}
	}
	return s.b[start:s.i]
}

// skipString moves past the string at s.
func (s *scanner) skipString() {
	s.i++
	for s.i < len(s.b) {
		c := s.b[s.i]
		if c == '\\' {
			s.i += 2
			continue
		}
		s.i++
		if c == '"' {
			return
		}
	}
}

// decodeUsageGroup reads the body of POST /api/v1/entitlements/{id}/usage: one usage group of
// the entitlement entitlementID.
func decodeUsageGroup(body []byte, in *dealdesk.UsageGroupInput, entitlementID string) error {
	if err := checkJSONObject(body); err != nil {
		return err
	}
	return newUsageDecoder().decodeGroup(body, in, entitlementID)
}

// checkJSONObject returns decodeJSON's EMALFORMED errors for a body that is not one JSON object.
func checkJSONObject(body []byte) error {
	if json.Valid(body) {
		if b := bytes.TrimSpace(body); b[0] != '{' {
			return dealdesk.Errorf(dealdesk.EMALFORMED, "The request body must be a JSON object.")
		}
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		if errors.Is(err, io.EOF) {
			return dealdesk.Errorf(dealdesk.EMALFORMED, "The request body is empty: a JSON object is expected.")
		}
		return dealdesk.Errorf(dealdesk.EMALFORMED, "The request body is not valid JSON: %s.", syntaxMessage(err))
	}
	return dealdesk.Errorf(dealdesk.EMALFORMED, "The request body has data after the JSON object.")
}
