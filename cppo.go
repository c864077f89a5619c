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

// Terminal reports whether an offer in status s has ended for good: expired, cancelled
// (restricted), or a one-time opportunity used. No report brings it back.
func (s OfferStatus) Terminal() bool {
	return s == OfferExpired || s == OfferCancelled || s == OfferUsed
}

// stage orders the statuses of an offer that AWS reports on along its life: live, accepted by
// a buyer, ended. The statuses of an opportunity before it is on AWS come first.
func (s OfferStatus) stage() int {
	switch {
	case s == OfferActive:
		return 1
	case s == OfferAccepted:
		return 2
	case s.Terminal():
		return 3
	}
	return 0
}

// MergeReport makes o, a report of AWS about a CPPO offer that was stored before as stored, the
// offer to store, by the rules of Entitlement.MergeReport: a report at least as new as the
// stored one sets the fields it carries, an older one only fills missing fields, and the status
// only moves forward along ACTIVE → ACCEPTED → EXPIRED or CANCELLED whatever the reports'
// times, so a late "Offer Released" neither reopens an accepted offer nor revives an ended
// one. Renewal and OneTime, which a report cannot leave empty, stay true once true.
// Afterwards o.ReportedAt is the newer of the two times (decision 014).
func (o *Offer) MergeReport(stored *Offer) {
	newer := !o.ReportedAt.Before(stored.ReportedAt)
	o.Status = mergeStatus(o.Status, stored.Status, newer, OfferStatus.stage)
	merge(&o.Name, stored.Name, newer)
	merge(&o.Description, stored.Description, newer)
	merge(&o.ProductID, stored.ProductID, newer)
	merge(&o.ResellerAccountID, stored.ResellerAccountID, newer)
	mergeList(&o.BuyerAccountIDs, stored.BuyerAccountIDs, newer)
	merge(&o.RenewalChannel, stored.RenewalChannel, newer)
	merge(&o.CommitAmount, stored.CommitAmount, newer)
	merge(&o.Currency, stored.Currency, newer)
	merge(&o.ContractDuration, stored.ContractDuration, newer)
	mergeList(&o.EntitledDimensions, stored.EntitledDimensions, newer)
	mergeList(&o.DimensionPrices, stored.DimensionPrices, newer)
	merge(&o.ExpiryDate, stored.ExpiryDate, newer)
	merge(&o.EULA, stored.EULA, newer)
	merge(&o.ResellerContract, stored.ResellerContract, newer)
	mergeList(&o.Installments, stored.Installments, newer)
	merge(&o.MarkupPercentage, stored.MarkupPercentage, newer)
	o.Renewal = o.Renewal || stored.Renewal
	o.OneTime = o.OneTime || stored.OneTime
	if !newer {
		o.ReportedAt = stored.ReportedAt
	}
}

// mergeStatus returns the status to store from a report's status and the stored one: the one
// further along by stage, and at the same stage the report's when it is newer. An empty status
// is no report.
func mergeStatus[S ~string](report, stored S, newer bool, stage func(S) int) S {
	switch {
	case report == "":
		return stored
	case stored == "":
		return report
	case stage(report) > stage(stored):
		return report
	case stage(report) < stage(stored):
		return stored
	case newer:
		return report
	}
	return stored
}

// merge sets *dst from stored as a report's field: a newer report keeps its value and takes
// stored only where it has none; an older report takes stored wherever stored has a value.
func merge[T comparable](dst *T, stored T, newer bool) {
	var zero T
	if *dst == zero || (!newer && stored != zero) {
		*dst = stored
	}
}

// mergeList is merge for lists, where an empty list is no value.
func mergeList[T any](dst *[]T, stored []T, newer bool) {
	if len(*dst) == 0 || (!newer && len(stored) > 0) {
		*dst = stored
	}
}
