package http

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/dealdesk/dealdesk"
)

// Page sizes of list endpoints.
const (
	DefaultLimit = 50
	MaxLimit     = 100
)

// query reads a request's query parameters strictly: each at most once, of the right form, and
// none the endpoint does not know. Problems are gathered and returned together by err.
type query struct {
	values url.Values
	known  []string
	p      dealdesk.Problems
}

// newQuery returns a reader of r's query parameters, which may be those named in known.
func newQuery(r *http.Request, known ...string) *query {
	return &query{values: r.URL.Query(), known: known}
}

// str returns the parameter name, or "".
func (q *query) str(name string) string {
	vs := q.values[name]
	if len(vs) > 1 {
		q.p.Add(name, "must be given at most once")
	}
	if len(vs) == 0 {
		return ""
	}
	return vs[0]
}

// enum returns the parameter name when valid accepts it; allowed lists the values for the message.
func (q *query) enum(name string, valid func(string) bool, allowed ...string) string {
	v := q.str(name)
	if v != "" && !valid(v) {
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

// limit returns the page size: DefaultLimit when absent, else 1..MaxLimit.
func (q *query) limit() int {
	v := q.str("limit")
	if v == "" {
		return DefaultLimit
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > MaxLimit {
		q.p.Add("limit", "must be an integer from 1 to %d", MaxLimit)
		return DefaultLimit
	}
	return n
}

// err reports unknown parameters and the problems met so far.
func (q *query) err() error {
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
