package http

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/dealdesk/dealdesk"
)

// query reads a request's query parameters strictly: each at most once, of the right form, and
// none the endpoint does not know. Problems are gathered and returned together by err.
type query struct {
	values    url.Values
	known     []string
	malformed bool // the query string does not parse
	p         dealdesk.Problems
}

// newListQuery returns a reader of a list request's query parameters: the filters named in
// filters and the paging parameters, which page reads.
func newListQuery(r *http.Request, filters ...string) *query {
	return newQuery(r, append(filters, "limit", "cursor")...)
}

// newQuery returns a reader of r's query parameters, which may be those named in known.
// r.URL.Query would silently drop the pairs it cannot parse (a bad escape, a ';'), and with them
// a filter the caller meant to apply; err reports such a query string as malformed instead.
func newQuery(r *http.Request, known ...string) *query {
	values, err := url.ParseQuery(r.URL.RawQuery)
	return &query{values: values, known: known, malformed: err != nil}
}

// str returns the parameter name, or "" when it is absent. A parameter given with an empty
// value (?limit=, ?status, ?cursor=) is refused like any ill-formed one, for every parameter:
// reading it as absent would drop a filter the caller meant to apply (decision 006).
func (q *query) str(name string) string {
	vs := q.values[name]
	if len(vs) > 1 {
		q.p.Add(name, "must be given at most once")
	}
	if len(vs) == 0 {
		return ""
	}
	if vs[0] == "" {
		q.p.Add(name, "must not be empty: leave the parameter out instead")
	}
	return vs[0]
}

// enum returns the parameter name, which must be one of allowed when given.
func (q *query) enum(name string, allowed ...string) string {
	v := q.str(name)
	if v != "" && !slices.Contains(allowed, v) {
		q.p.Add(name, "must be one of %s", strings.Join(allowed, ", "))
	}
	return v
}

// bool returns the parameter name as a boolean; absent is false.
func (q *query) bool(name string) bool {
	v := q.str(name)
	if v == "" {
		return false
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		q.p.Add(name, "must be true or false")
	}
	return b
}

// page returns the paging parameters of a list: the cursor of the page and its size.
func (q *query) page() (cursor string, limit int) {
	return q.str("cursor"), q.limit()
}

// limit returns the page size: dealdesk.DefaultPageSize when absent, else
// 1..dealdesk.MaxPageSize.
func (q *query) limit() int {
	v := q.str("limit")
	if v == "" {
		return dealdesk.DefaultPageSize
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > dealdesk.MaxPageSize {
		q.p.Add("limit", "must be an integer from 1 to %d", dealdesk.MaxPageSize)
		return dealdesk.DefaultPageSize
	}
	return n
}

// err reports a malformed query string, else unknown parameters and the problems met so far.
func (q *query) err() error {
	if q.malformed {
		return dealdesk.Errorf(dealdesk.EMALFORMED, "The query string cannot be parsed: use name=value pairs joined by '&', with %%-escapes of two hex digits.")
	}
	var unknown []string
	for name := range q.values {
		if !slices.Contains(q.known, name) {
			unknown = append(unknown, name)
		}
	}
	slices.Sort(unknown)
	for _, name := range unknown {
		q.p.Add(name, "unknown query parameter")
	}
	return q.p.Err()
}
