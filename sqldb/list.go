package sqldb

import (
	"context"
	"encoding/base64"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/dealdesk/dealdesk"
)

// pageLimit returns the page size for a requested limit: dealdesk.DefaultPageSize when unset
// (0 or less), at most dealdesk.MaxPageSize.
func pageLimit(n int) int {
	switch {
	case n <= 0:
		return dealdesk.DefaultPageSize
	case n > dealdesk.MaxPageSize:
		return dealdesk.MaxPageSize
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

// checkEnum adds to p a problem when the filter field is set to a value not among values.
func checkEnum[T ~string](p *dealdesk.Problems, field string, v T, values []T) {
	if v != "" && !slices.Contains(values, v) {
		p.Add(field, "%s", dealdesk.OneOf(values))
	}
}

// checkFilters adds to p the filters (field to value) that no stored text can equal, decodes the
// cursor, and returns the ID it resumes after or the error listing every bad field.
func checkFilters(p dealdesk.Problems, cursor, prefix string, filters map[string]string) (string, error) {
	for _, field := range slices.Sorted(maps.Keys(filters)) {
		if !dealdesk.ValidText(filters[field]) {
			p.Add(field, "must be UTF-8 text without control characters")
		}
	}
	after, err := decodeCursor(cursor, prefix)
	p = append(p, dealdesk.ErrorFields(err)...)
	return after, p.Err()
}

// findOrgPage pages through the rows of the caller's organization that selectFrom selects,
// for lists filtered by nothing but their cursor; prefix is the rows' ID prefix.
func findOrgPage[T any](ctx context.Context, db *DB, selectFrom, prefix, cursor string, limit int,
	scan func(rowScanner) (T, error), id func(T) string) ([]T, string, error) {
	orgID, err := dealdesk.RequireOrgID(ctx)
	if err != nil {
		return nil, "", err
	}
	after, err := checkFilters(nil, cursor, prefix, nil)
	if err != nil {
		return nil, "", err
	}
	var w where
	w.add("org_id = ?", orgID)
	return findPage(ctx, db.db, selectFrom, &w, after, limit, scan, id)
}

// findPage runs a list query (selectFrom and the conditions of w) newest first, after the ID
// after, and returns one page of at most limit rows and the cursor of the next.
func findPage[T any](ctx context.Context, q queryer, selectFrom string, w *where, after string, limit int,
	scan func(rowScanner) (T, error), id func(T) string) ([]T, string, error) {
	return findPageBy(ctx, q, selectFrom, "id", w, after, limit, scan, id)
}

// findPageBy is findPage for rows ordered by the dealdesk ID in column key rather than id.
func findPageBy[T any](ctx context.Context, q queryer, selectFrom, key string, w *where, after string, limit int,
	scan func(rowScanner) (T, error), id func(T) string) ([]T, string, error) {
	if after != "" {
		w.add(key+" < ?", after)
	}
	limit = pageLimit(limit)
	rows, err := queryRows(ctx, q, scan, selectFrom+w.String()+` ORDER BY `+key+` DESC LIMIT `+w.arg(limit+1), w.args...)
	if err != nil {
		return nil, "", err
	}
	if len(rows) <= limit {
		return rows, "", nil
	}
	rows = rows[:limit]
	return rows, encodeCursor(id(rows[limit-1])), nil
}

// queryRows runs query and scans every row; no rows is an empty, non-nil list.
func queryRows[T any](ctx context.Context, q queryer, scan func(rowScanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// where builds a WHERE clause with $n placeholders.
type where struct {
	conds []string
	args  []any
}

// add appends a condition; each "?" in cond becomes the next placeholder.
func (w *where) add(cond string, args ...any) {
	for _, a := range args {
		cond = strings.Replace(cond, "?", w.arg(a), 1)
	}
	w.conds = append(w.conds, cond)
}

// eq appends "column = value" unless value is empty, for optional filters.
func (w *where) eq(column, value string) {
	if value != "" {
		w.add(column+" = ?", value)
	}
}

// contains appends a condition that column holds text, ignoring the case of ASCII letters and
// reading every character of text literally (see dealdesk.OfferFilter.NameContains), unless text
// is empty.
func (w *where) contains(d *dialect, column, text string) {
	if text == "" {
		return
	}
	w.add(fmt.Sprintf(d.lowerASCII, column)+` LIKE ? ESCAPE '\'`, "%"+escapeLike(lowerASCII(text))+"%")
}

// escapeLike escapes the LIKE wildcards % and _, and the escape character \, in s.
func escapeLike(s string) string {
	return likeEscaper.Replace(s)
}

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// lowerASCII lowers the ASCII letters A-Z of s and nothing else, like dialect.lowerASCII.
func lowerASCII(s string) string {
	return strings.Map(func(r rune) rune {
		if 'A' <= r && r <= 'Z' {
			return r + ('a' - 'A')
		}
		return r
	}, s)
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
