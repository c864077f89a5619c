package http

import "github.com/dealdesk/dealdesk"

// The values of the offer list's type and status filters.
var (
	offerTypes    = strs(dealdesk.OfferTypes)
	offerStatuses = strs(dealdesk.OfferStatuses)
)

// strs returns the values of a string enum as plain strings.
func strs[T ~string](values []T) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = string(v)
	}
	return out
}
