package dealdesk

import "strconv"

// ValidateCPPOOffer checks a CPPO offer reported by AWS before it is saved: its offer ID, the
// resale authorization it was made from, and the fields it carries. The error lists every bad
// field.
func ValidateCPPOOffer(o *Offer, resaleAuthorizationID string) error {
	var p Problems
	checkExternalID(&p, "externalId", o.ExternalID, true)
	checkExternalID(&p, "resaleAuthorizationId", resaleAuthorizationID, false)
	if o.Type != "" && o.Type != OfferCPPO {
		p.Add("type", "must be CPPO")
	}
	if o.Status != "" && !o.Status.Valid() {
		p.Add("status", "is not a known offer status")
	}
	p.CheckText("name", o.Name, 0, 255)
	p.CheckText("description", o.Description, 0, 5000)
	p.CheckText("productId", o.ProductID, 0, MaxExternalIDLength)
	if o.ResellerAccountID != "" {
		checkAccountID(&p, "resellerAccountId", o.ResellerAccountID)
	}
	for i, id := range o.BuyerAccountIDs {
		checkAccountID(&p, "buyerAccountIds["+strconv.Itoa(i)+"]", id)
	}
	p.CheckText("currency", string(o.Currency), 0, 3)
	p.CheckText("contractDuration", o.ContractDuration, 0, 32)
	for i, d := range o.EntitledDimensions {
		p.CheckText("entitledDimensions["+strconv.Itoa(i)+"].dimensionKey", d.DimensionKey, 0, maxDimensionKeyLength)
	}
	for i, d := range o.DimensionPrices {
		p.CheckText("dimensionPrices["+strconv.Itoa(i)+"].dimensionKey", d.DimensionKey, 0, maxDimensionKeyLength)
	}
	for _, d := range []struct {
		field string
		doc   *Document
	}{{"eula", o.EULA}, {"resellerContract", o.ResellerContract}} {
		if d.doc != nil {
			p.CheckText(d.field+".type", string(d.doc.Type), 0, 32)
			p.CheckText(d.field+".url", d.doc.URL, 0, maxDocumentURLLength)
		}
	}
	return p.Err()
}

// FillFrom gives the fields o leaves empty the values of stored, the same offer as saved before.
// AWS events each carry part of an offer and may come late or twice: a later one must not erase
// what an earlier one said.
func (o *Offer) FillFrom(stored *Offer) {
	fill(&o.Status, stored.Status)
	fill(&o.Name, stored.Name)
	fill(&o.Description, stored.Description)
	fill(&o.ProductID, stored.ProductID)
	fill(&o.ResellerAccountID, stored.ResellerAccountID)
	fillList(&o.BuyerAccountIDs, stored.BuyerAccountIDs)
	fill(&o.RenewalChannel, stored.RenewalChannel)
	fill(&o.CommitAmount, stored.CommitAmount)
	fill(&o.Currency, stored.Currency)
	fill(&o.ContractDuration, stored.ContractDuration)
	fillList(&o.EntitledDimensions, stored.EntitledDimensions)
	fillList(&o.DimensionPrices, stored.DimensionPrices)
	fill(&o.ExpiryDate, stored.ExpiryDate)
	fill(&o.EULA, stored.EULA)
	fill(&o.ResellerContract, stored.ResellerContract)
	fillList(&o.Installments, stored.Installments)
	fill(&o.MarkupPercentage, stored.MarkupPercentage)
	o.Renewal = o.Renewal || stored.Renewal
	o.OneTime = o.OneTime || stored.OneTime
}

// fill sets *dst to v when *dst is the zero value.
func fill[T comparable](dst *T, v T) {
	var zero T
	if *dst == zero {
		*dst = v
	}
}

// fillList sets *dst to v when *dst is empty.
func fillList[T any](dst *[]T, v []T) {
	if len(*dst) == 0 {
		*dst = v
	}
}
