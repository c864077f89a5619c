package dealdesk

import (
	"sort"
	"time"

	"github.com/shopspring/decimal"
)

// Coverage: what of an hour's usage the contract already paid for, and what is overage to meter
// to AWS. Decision 023 records the rules; in short, for each closed hour of an entitlement, in
// hour order, and within the hour in dimension key order:
//  1. the opportunity's grant of the dimension's key (EntitledDimensions, for an
//     ENTITLED_AND_METERED dimension) covers usage until the term has used it up;
//  2. when the opportunity meters usage against its commit (MeterUsageAgainstCommit), what is
//     left is valued at the opportunity's price for the dimension (DimensionPrices, USD) and
//     consumes the commit until it is used up; a partly covered hour covers
//     remaining ÷ price units, rounded down to MaxUsagePlaces decimals;
//  3. the rest is overage; added to the fraction carried from the dimension's previous hour,
//     its integer part is the metering record's Quantity (AWS takes integers only) and its
//     fraction is carried to the next hour.

// MeteringTerms are the parts of a contract that decide what usage it covers: those of the
// opportunity (the CPPO_OUT offer) that the entitlement came from.
type MeteringTerms struct {
	Grants             map[string]int64   // entitled quantity per dimension key, for the term
	Prices             map[string]Decimal // USD per unit per metered dimension key
	CommitAmount       Decimal            // the commit, USD; unset or 0 when none
	MeterAgainstCommit bool               // usage consumes the commit before any is metered
}

// TermsOf returns the metering terms of opportunity o.
func TermsOf(o *Offer) MeteringTerms {
	t := MeteringTerms{Grants: map[string]int64{}, Prices: map[string]Decimal{}, MeterAgainstCommit: o.MeterUsageAgainstCommit}
	for _, d := range o.EntitledDimensions {
		t.Grants[d.DimensionKey] = d.Quantity
	}
	for _, p := range o.DimensionPrices {
		t.Prices[p.DimensionKey] = p.Price
	}
	if o.CommitAmount != nil {
		t.CommitAmount = *o.CommitAmount
	}
	return t
}

// MeterState is what an entitlement's term has used so far: the state coverage carries from
// one hour to the next. It is stored with the metering records it produced, in one transaction.
type MeterState struct {
	CommitUsed Decimal                    // USD of the commit consumed by usage
	Dimensions map[string]*DimensionMeter // by dimension key
	// ClosedThrough is the start of the newest hour closed for the entitlement (zero: none).
	ClosedThrough time.Time
}

// DimensionMeter is the state of one dimension of an entitlement.
type DimensionMeter struct {
	GrantUsed Decimal // units of the grant consumed
	Carry     Decimal // the fraction of a unit of overage not yet metered, in [0, 1)
}

// HourCoverage is the coverage of one dimension in one hour: the numbers a metering record
// keeps, so that what was metered can be explained.
type HourCoverage struct {
	DimensionKey    string
	Usage           Decimal // usage counted in the hour
	CoveredByGrant  Decimal // units covered by the grant
	CoveredByCommit Decimal // units covered by the commit
	CommitAmount    Decimal // USD of the commit these units consumed
	Overage         Decimal // Usage − covered
	CarriedIn       Decimal // fraction carried from the previous hour
	CarriedOut      Decimal // fraction carried to the next hour
	Quantity        int64   // integer units to meter: ⌊CarriedIn + Overage⌋, at most MaxUsageQuantity
}

var zero = decimal.Zero

// fixed returns d as a set Decimal written without trailing zeros ("200", not "200.000000000").
func fixed(d decimal.Decimal) Decimal {
	if d.Exponent() < 0 {
		if n, err := decimal.NewFromString(d.String()); err == nil {
			d = n
		}
	}
	return Decimal{Decimal: d, set: true}
}

// CoverHour computes the coverage of one closed hour of an entitlement from usage (units per
// metered dimension key counted in the hour), the contract's terms and the state before, and
// moves state past the hour. Dimensions are taken in key order; a dimension with no usage gets a
// HourCoverage only when zeroRecords is true (AWS recommends a record for idle hours). Quantities
// above MaxUsageQuantity are capped and the rest is carried. Pure and exact: the same inputs
// always give the same records, so a retried close stores byte-identical records.
func CoverHour(terms MeteringTerms, state *MeterState, hour time.Time, usage map[string]Decimal, metered []string, zeroRecords bool) []HourCoverage {
	if state.Dimensions == nil {
		state.Dimensions = map[string]*DimensionMeter{}
	}
	keys := make([]string, 0, len(usage)+len(metered))
	seen := map[string]bool{}
	for k := range usage {
		keys = append(keys, k)
		seen[k] = true
	}
	if zeroRecords {
		for _, k := range metered {
			if !seen[k] {
				keys = append(keys, k)
				seen[k] = true
			}
		}
	}
	sort.Strings(keys)
	commit := terms.CommitAmount.Decimal
	used := state.CommitUsed.Decimal
	out := make([]HourCoverage, 0, len(keys))
	for _, k := range keys {
		dm := state.Dimensions[k]
		if dm == nil {
			dm = &DimensionMeter{GrantUsed: fixed(zero), Carry: fixed(zero)}
			state.Dimensions[k] = dm
		}
		u := usage[k].Decimal
		left := u
		// 1. The grant.
		byGrant := zero
		if g, ok := terms.Grants[k]; ok {
			if free := decimal.NewFromInt(g).Sub(dm.GrantUsed.Decimal); free.IsPositive() {
				byGrant = decimal.Min(free, left)
			}
		}
		left = left.Sub(byGrant)
		dm.GrantUsed = fixed(dm.GrantUsed.Decimal.Add(byGrant))
		// 2. The commit.
		byCommit, amount := zero, zero
		if terms.MeterAgainstCommit && left.IsPositive() {
			if price, ok := terms.Prices[k]; ok {
				remaining := commit.Sub(used)
				cost := left.Mul(price.Decimal)
				switch {
				case !remaining.IsPositive():
				case cost.LessThanOrEqual(remaining):
					byCommit, amount = left, cost
				default:
					// Truncated, never rounded: the commit is never charged for more than is left.
					byCommit, _ = remaining.QuoRem(price.Decimal, MaxUsagePlaces)
					amount = byCommit.Mul(price.Decimal)
				}
			}
		}
		left = left.Sub(byCommit)
		used = used.Add(amount)
		// 3. Overage, in whole units.
		total := dm.Carry.Decimal.Add(left)
		q := total.Floor()
		if q.GreaterThan(MaxUsageQuantity.Decimal) {
			q = MaxUsageQuantity.Decimal
		}
		c := HourCoverage{DimensionKey: k, Usage: fixed(u), CoveredByGrant: fixed(byGrant), CoveredByCommit: fixed(byCommit),
			CommitAmount: fixed(amount), Overage: fixed(left), CarriedIn: dm.Carry, CarriedOut: fixed(total.Sub(q)), Quantity: q.IntPart()}
		dm.Carry = c.CarriedOut
		out = append(out, c)
	}
	state.CommitUsed = fixed(used)
	if hour.After(state.ClosedThrough) {
		state.ClosedThrough = hour
	}
	return out
}

// Covered returns the units of c that the contract covered.
func (c HourCoverage) Covered() Decimal {
	return fixed(c.CoveredByGrant.Decimal.Add(c.CoveredByCommit.Decimal))
}
