package sqldb

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// rowScanner is a *sql.Row or *sql.Rows.
type rowScanner interface{ Scan(dest ...any) error }

// optionalRow returns the result of scanning a row that may not exist: no row is nil and no
// error.
func optionalRow[T any](v *T, err error) (*T, error) {
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return v, err
}

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

// nullCol scans a nullable column into *p: NULL leaves it nil, anything else goes through T's
// own Scan.
type nullCol[T any, PT interface {
	*T
	sql.Scanner
}] struct{ p **T }

// nullable returns the scanner of an optional Decimal or Date column.
func nullable[T any, PT interface {
	*T
	sql.Scanner
}](p **T) nullCol[T, PT] {
	return nullCol[T, PT]{p}
}

// Scan implements sql.Scanner.
func (c nullCol[T, PT]) Scan(src any) error {
	if src == nil {
		*c.p = nil
		return nil
	}
	v := new(T)
	if err := PT(v).Scan(src); err != nil {
		return err
	}
	*c.p = v
	return nil
}

// nullText encodes an optional Decimal or Date as its text, nil as NULL.
func nullText[T fmt.Stringer](v *T) any {
	if v == nil {
		return nil
	}
	return (*v).String()
}

// zeroTimeCol scans an optional time into a time.Time: NULL is the zero time.
type zeroTimeCol struct{ t *time.Time }

// Scan implements sql.Scanner.
func (c zeroTimeCol) Scan(src any) error {
	if src == nil {
		*c.t = time.Time{}
		return nil
	}
	return timeCol(c).Scan(src)
}

// zeroTimeArg encodes an optional time.Time, the zero time as NULL.
func (d *dialect) zeroTimeArg(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return d.timeArg(t)
}
