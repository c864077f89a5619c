package dealdesk

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

var accountIDPattern = regexp.MustCompile(`^[0-9]{12}$`)

// ValidAccountID reports whether s is a 12-digit AWS account ID.
func ValidAccountID(s string) bool { return accountIDPattern.MatchString(s) }

// checkText adds a problem when s is blank (and min > 0), shorter than min or longer than max characters.
func checkText(p *Problems, field, s string, min, max int) {
	n := utf8.RuneCountInString(s)
	switch {
	case min > 0 && strings.TrimSpace(s) == "":
		p.Add(field, "is required")
	case n < min:
		p.Add(field, "must be at least %d characters", min)
	case n > max:
		p.Add(field, "must be at most %d characters", max)
	}
}
