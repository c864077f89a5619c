package dealdesk

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxExternalIDLength bounds the AWS identifiers dealdesk keeps (offer, agreement and resale
// authorization IDs).
const MaxExternalIDLength = 255

var accountIDPattern = regexp.MustCompile(`^[0-9]{12}$`)

// ValidAccountID reports whether s is a 12-digit AWS account ID.
func ValidAccountID(s string) bool { return accountIDPattern.MatchString(s) }

// checkAccountID adds a problem and returns false when id is not a 12-digit AWS account ID.
func checkAccountID(p *Problems, field, id string) bool {
	if !ValidAccountID(id) {
		p.Add(field, "must be a 12-digit AWS account ID")
		return false
	}
	return true
}

// ValidText reports whether s is UTF-8 without control characters other than tab and line
// breaks. Every text a store keeps must be: PostgreSQL refuses NUL and invalid UTF-8.
func ValidText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	return !strings.ContainsFunc(s, func(r rune) bool {
		return unicode.IsControl(r) && r != '\t' && r != '\n' && r != '\r'
	})
}

// CheckText adds a problem when s is not valid text (see ValidText), is blank while min > 0, or
// has fewer than min or more than max characters. With min 0 the field is optional.
func (p *Problems) CheckText(field, s string, min, max int) {
	n := utf8.RuneCountInString(s)
	switch {
	case !ValidText(s):
		p.Add(field, "must be UTF-8 text without control characters")
	case min > 0 && strings.TrimSpace(s) == "":
		p.Add(field, "is required")
	case n < min:
		p.Add(field, "must be at least %d characters", min)
	case n > max:
		p.Add(field, "must be at most %d characters", max)
	}
}

// checkExternalID checks an AWS identifier; required says whether it may be empty.
func checkExternalID(p *Problems, field, id string, required bool) {
	if id == "" {
		if required {
			p.Add(field, "is required")
		}
		return
	}
	p.CheckText(field, id, 1, MaxExternalIDLength)
}

// Clip returns s cut to at most n bytes on a character boundary, with "…" appended when it was
// cut. Texts that echo a caller's input into an answer (a field path, an unknown key, a path)
// go through it, so the answer's size does not follow the input's.
func Clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
