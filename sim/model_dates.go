package sim

import (
	"fmt"
	"time"
)

// AWS date formats used by the Catalog API and its entities.
const (
	isoSecond = "2006-01-02T15:04:05Z"     // DateTimeISO8601 of the Catalog API
	isoMilli  = "2006-01-02T15:04:05.000Z" // entity dates such as CreatedDate, ChargeDate
	isoDay    = "2006-01-02"               // dates in change set details
)

// parseDay accepts YYYY-MM-DD or an RFC 3339 time and returns the UTC day it names.
func parseDay(s string) (time.Time, error) {
	if t, err := time.Parse(isoDay, s); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date (YYYY-MM-DD)", s)
	}
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC), nil
}

// endOfDay returns the last second of the UTC day of d.
func endOfDay(d time.Time) time.Time {
	return time.Date(d.Year(), d.Month(), d.Day(), 23, 59, 59, 0, time.UTC)
}

// addPeriod adds an ISO-8601 period (PnYnMnD) to t.
func addPeriod(t time.Time, p string) (time.Time, bool) {
	y, m, d, ok := parsePeriod(p)
	if !ok {
		return t, false
	}
	return t.AddDate(y, m, d), true
}

// parsePeriod parses ^P(\d+Y)?(\d+M)?(\d+D)?$ with at least one part.
func parsePeriod(p string) (years, months, days int, ok bool) {
	if len(p) < 3 || p[0] != 'P' {
		return 0, 0, 0, false
	}
	rest := p[1:]
	order := "YMD"
	parts := 0
	for len(rest) > 0 {
		n, i := 0, 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			if n > 100000 {
				return 0, 0, 0, false
			}
			n = n*10 + int(rest[i]-'0')
			i++
		}
		if i == 0 || i == len(rest) {
			return 0, 0, 0, false
		}
		unit := rest[i]
		pos := -1
		for k := range order {
			if order[k] == unit {
				pos = k
			}
		}
		if pos < 0 {
			return 0, 0, 0, false
		}
		switch unit {
		case 'Y':
			years = n
		case 'M':
			months = n
		case 'D':
			days = n
		}
		order = order[pos+1:]
		rest = rest[i+1:]
		parts++
	}
	return years, months, days, parts > 0
}
