package http

import "github.com/dealdesk/dealdesk"

// offerJSON returns o ready to encode: its lists are [] rather than null.
func offerJSON(o *dealdesk.Offer) *dealdesk.Offer {
	c := *o
	c.BuyerAccountIDs = nonNil(c.BuyerAccountIDs)
	c.EntitledDimensions = nonNil(c.EntitledDimensions)
	c.DimensionPrices = nonNil(c.DimensionPrices)
	c.Installments = nonNil(c.Installments)
	return &c
}

// offersJSON applies offerJSON to every offer of a list.
func offersJSON(offers []*dealdesk.Offer) []*dealdesk.Offer {
	out := make([]*dealdesk.Offer, len(offers))
	for i, o := range offers {
		out[i] = offerJSON(o)
	}
	return out
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

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
