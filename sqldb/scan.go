package sqldb

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/dealdesk/dealdesk"
)

// timeCol scans a time stored as TIMESTAMPTZ or as RFC 3339 text into a UTC time.
type timeCol struct{ t *time.Time }

// Scan implements sql.Scanner.
func (c timeCol) Scan(src any) error {
	switch v := src.(type) {
	case time.Time:
		*c.t = v.UTC()
		return nil
	case string:
		return c.parse(v)
	case []byte:
		return c.parse(string(v))
	}
	return fmt.Errorf("sqldb: cannot scan %T into a time", src)
}

func (c timeCol) parse(s string) error {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fmt.Errorf("sqldb: bad stored time %q: %w", s, err)
	}
	*c.t = t.UTC()
	return nil
}

// nullTimeCol scans an optional time; NULL leaves the pointer nil.
type nullTimeCol struct{ t **time.Time }

// Scan implements sql.Scanner.
func (c nullTimeCol) Scan(src any) error {
	if src == nil {
		*c.t = nil
		return nil
	}
	var t time.Time
	if err := (timeCol{&t}).Scan(src); err != nil {
		return err
	}
	*c.t = &t
	return nil
}

// jsonCol scans JSON text or JSONB into v; NULL leaves v untouched.
type jsonCol struct{ v any }

// Scan implements sql.Scanner.
func (c jsonCol) Scan(src any) error {
	switch s := src.(type) {
	case nil:
		return nil
	case string:
		return json.Unmarshal([]byte(s), c.v)
	case []byte:
		return json.Unmarshal(s, c.v)
	}
	return fmt.Errorf("sqldb: cannot scan %T as JSON", src)
}

// jsonArg encodes v as JSON text for a TEXT or JSONB column; a nil pointer becomes NULL.
func jsonArg(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	if string(b) == "null" {
		return nil, nil
	}
	return string(b), nil
}

// nullString turns "" into NULL, for optional references and external IDs.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// nullStringCol scans a nullable text column into a string ("" for NULL).
type nullStringCol struct{ s *string }

// Scan implements sql.Scanner.
func (c nullStringCol) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*c.s = ""
	case string:
		*c.s = v
	case []byte:
		*c.s = string(v)
	default:
		return fmt.Errorf("sqldb: cannot scan %T into a string", src)
	}
	return nil
}

// nullDecimalCol scans a nullable money column.
type nullDecimalCol struct{ d **dealdesk.Decimal }

// Scan implements sql.Scanner.
func (c nullDecimalCol) Scan(src any) error {
	if src == nil {
		*c.d = nil
		return nil
	}
	var d dealdesk.Decimal
	if err := d.Scan(src); err != nil {
		return err
	}
	*c.d = &d
	return nil
}

// nullDecimalArg encodes an optional decimal.
func nullDecimalArg(d *dealdesk.Decimal) any {
	if d == nil {
		return nil
	}
	return d.String()
}

// nullDateCol scans a nullable date column.
type nullDateCol struct{ d **dealdesk.Date }

// Scan implements sql.Scanner.
func (c nullDateCol) Scan(src any) error {
	if src == nil {
		*c.d = nil
		return nil
	}
	var d dealdesk.Date
	if err := d.Scan(src); err != nil {
		return err
	}
	*c.d = &d
	return nil
}

// nullDateArg encodes an optional date.
func nullDateArg(d *dealdesk.Date) any {
	if d == nil {
		return nil
	}
	return d.String()
}

// Page sizes of Find* methods.
const (
	DefaultLimit = 50
	MaxLimit     = 200
)

// pageLimit returns the page size for a requested limit.
func pageLimit(n int) int {
	switch {
	case n <= 0:
		return DefaultLimit
	case n > MaxLimit:
		return MaxLimit
	}
	return n
}

// encodeCursor makes the opaque cursor that resumes a list after the row with id.
func encodeCursor(id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte("v1:" + id))
}

// decodeCursor returns the ID a cursor resumes after; prefix is the resource's ID prefix.
func decodeCursor(cursor, prefix string) (string, error) {
	if cursor == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	id, ok := strings.CutPrefix(string(b), "v1:")
	if err != nil || !ok || !strings.HasPrefix(id, prefix+"_") || !dealdesk.ValidText(id) {
		var p dealdesk.Problems
		p.Add("cursor", "is not a cursor returned by this list")
		return "", p.Err()
	}
	return id, nil
}

// checkFilterText names the filters (field to value) that no stored text can equal.
func checkFilterText(p *dealdesk.Problems, filters map[string]string) {
	for _, field := range slices.Sorted(maps.Keys(filters)) {
		if !dealdesk.ValidText(filters[field]) {
			p.Add(field, "must be UTF-8 text without control characters")
		}
	}
}

// where builds a WHERE clause with $n placeholders.
type where struct {
	conds []string
	args  []any
}

// add appends a condition; each "?" in cond becomes the next placeholder.
func (w *where) add(cond string, args ...any) {
	for _, a := range args {
		w.args = append(w.args, a)
		cond = strings.Replace(cond, "?", fmt.Sprintf("$%d", len(w.args)), 1)
	}
	w.conds = append(w.conds, cond)
}

// String returns " WHERE a AND b".
func (w *where) String() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// arg appends an argument and returns its placeholder.
func (w *where) arg(a any) string {
	w.args = append(w.args, a)
	return fmt.Sprintf("$%d", len(w.args))
}

// joinOr joins conditions with OR.
func joinOr(conds []string) string { return strings.Join(conds, " OR ") }

// itoa formats an index for a field path.
func itoa(i int) string { return fmt.Sprint(i) }
