package dealdesk_test

import (
	"testing"
	"time"

	"github.com/dealdesk/dealdesk"
)

func dec(s string) dealdesk.Decimal { return dealdesk.MustDecimal(s) }

func usage(kv ...string) map[string]dealdesk.Decimal {
	m := map[string]dealdesk.Decimal{}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i]] = dec(kv[i+1])
	}
	return m
}

// coverHours runs CoverHour over consecutive hours and returns every coverage made.
func coverHours(terms dealdesk.MeteringTerms, state *dealdesk.MeterState, hours ...map[string]dealdesk.Decimal) [][]dealdesk.HourCoverage {
	h0 := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	var out [][]dealdesk.HourCoverage
	for i, u := range hours {
		out = append(out, dealdesk.CoverHour(terms, state, h0.Add(time.Duration(i)*time.Hour), u, nil, false))
	}
	return out
}

func TestCoverHourCommitExample(t *testing.T) {
	// Suger's isMeteringOverageCommit example: a $100 commit and $120 of usage at the
	// opportunity's prices meter $20 of usage.
	terms := dealdesk.MeteringTerms{Prices: map[string]dealdesk.Decimal{"api_calls": dec("0.5")},
		CommitAmount: dec("100"), MeterAgainstCommit: true}
	var st dealdesk.MeterState
	got := coverHours(terms, &st, usage("api_calls", "240"))
	c := got[0][0]
	if c.CoveredByCommit.String() != "200" || c.Overage.String() != "40" || c.Quantity != 40 || c.CommitAmount.String() != "100" {
		t.Errorf("coverage = %+v, want 200 covered by the commit ($100) and 40 units metered ($20)", c)
	}
	if st.CommitUsed.String() != "100" {
		t.Errorf("commit used = %s, want 100", st.CommitUsed)
	}
	// Without the option, the same usage is all metered.
	terms.MeterAgainstCommit = false
	var st2 dealdesk.MeterState
	if c := coverHours(terms, &st2, usage("api_calls", "240"))[0][0]; c.Quantity != 240 || !c.CoveredByCommit.IsZero() {
		t.Errorf("without meterUsageAgainstCommit: %+v, want all 240 metered", c)
	}
}

func TestCoverHourGrantThenCommitThenCarry(t *testing.T) {
	terms := dealdesk.MeteringTerms{
		Grants:             map[string]int64{"seats": 100},
		Prices:             map[string]dealdesk.Decimal{"seats": dec("2"), "api_calls": dec("0.001")},
		CommitAmount:       dec("10"),
		MeterAgainstCommit: true,
	}
	var st dealdesk.MeterState
	got := coverHours(terms, &st,
		usage("seats", "60.5"),                       // grant: 60.5 of 100 used
		usage("seats", "44.25", "api_calls", "1000"), // api_calls first (key order): $1 of the commit; seats: 39.5 by grant, 4.5 by the $9 left, 0.25 over
		usage("seats", "1.7"),                        // the commit is used up: 0.25 carried + 1.7 → 1 metered, 0.95 carried
		usage("seats", "0.4"),                        // 0.95 + 0.4 = 1.35 → 1 metered, 0.35 carried
	)
	want := []struct {
		key                           string
		grant, commit, overage, carry string
		q                             int64
	}{
		{"seats", "60.5", "0", "0", "0", 0},
		{"api_calls", "0", "1000", "0", "0", 0},
		{"seats", "39.5", "4.5", "0.25", "0.25", 0},
		{"seats", "0", "0", "1.7", "0.95", 1},
		{"seats", "0", "0", "0.4", "0.35", 1},
	}
	var flat []dealdesk.HourCoverage
	for _, h := range got {
		flat = append(flat, h...)
	}
	if len(flat) != len(want) {
		t.Fatalf("got %d coverages, want %d: %+v", len(flat), len(want), flat)
	}
	for i, w := range want {
		c := flat[i]
		if c.DimensionKey != w.key || !c.CoveredByGrant.Equal(dec(w.grant).Decimal) || !c.CoveredByCommit.Equal(dec(w.commit).Decimal) ||
			!c.Overage.Equal(dec(w.overage).Decimal) || !c.CarriedOut.Equal(dec(w.carry).Decimal) || c.Quantity != w.q {
			t.Errorf("coverage %d = %+v, want %+v", i, c, w)
		}
	}
	if !st.CommitUsed.Equal(dec("10").Decimal) {
		t.Errorf("commit used = %s, want 10", st.CommitUsed)
	}
	// Everything reported is accounted for: covered + metered + carried.
	var reported, accounted dealdesk.Decimal = dec("0"), dec("0")
	for _, c := range flat {
		reported = dec(reported.Add(c.Usage.Decimal).String())
		accounted = dec(accounted.Add(c.Covered().Decimal).String())
	}
	metered := int64(0)
	for _, c := range flat {
		metered += c.Quantity
	}
	if total := accounted.Add(st.Dimensions["seats"].Carry.Decimal).Add(dec("2").Decimal); !total.Equal(reported.Decimal) || metered != 2 {
		t.Errorf("reported %s, covered %s + metered %d + carried %s do not add up", reported, accounted, metered, st.Dimensions["seats"].Carry)
	}
}

func TestCoverHourPartialCommitRoundsCoverageDown(t *testing.T) {
	// $1 left at $0.3 a unit covers 3.333333333 units (rounded down to 9 decimals): the
	// buyer is never charged the commit for more than it covers.
	terms := dealdesk.MeteringTerms{Prices: map[string]dealdesk.Decimal{"x": dec("0.3")}, CommitAmount: dec("1"), MeterAgainstCommit: true}
	var st dealdesk.MeterState
	c := coverHours(terms, &st, usage("x", "10"))[0][0]
	if c.CoveredByCommit.String() != "3.333333333" || c.Quantity != 6 || c.CarriedOut.String() != "0.666666667" {
		t.Errorf("coverage = %+v", c)
	}
	if st.CommitUsed.GreaterThan(dec("1").Decimal) {
		t.Errorf("commit used %s exceeds the commit", st.CommitUsed)
	}
}

func TestCoverHourNeverChargesTheCommitMoreThanIsLeft(t *testing.T) {
	// $0.999999999999 left at $1 a unit: rounding the quotient to 11 places first would make it
	// 1 unit and charge $1.
	terms := dealdesk.MeteringTerms{Prices: map[string]dealdesk.Decimal{"x": dec("1")}, CommitAmount: dec("1"), MeterAgainstCommit: true}
	st := dealdesk.MeterState{CommitUsed: dec("0.000000000001")}
	c := coverHours(terms, &st, usage("x", "5"))[0][0]
	if c.CoveredByCommit.String() != "0.999999999" || st.CommitUsed.GreaterThan(dec("1").Decimal) {
		t.Errorf("coverage = %+v, commit used %s: want 0.999999999 covered and the commit not exceeded", c, st.CommitUsed)
	}
}

func TestCoverHourZeroRecordsAndCap(t *testing.T) {
	var st dealdesk.MeterState
	h := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	got := dealdesk.CoverHour(dealdesk.MeteringTerms{}, &st, h, usage("b", "3000000000"), []string{"a", "b"}, true)
	if len(got) != 2 || got[0].DimensionKey != "a" || got[0].Quantity != 0 {
		t.Fatalf("zero records: %+v, want a zero record for idle dimension a first", got)
	}
	if got[1].Quantity != 2147483647 || got[1].CarriedOut.String() != "852516353" {
		t.Errorf("capped record = %+v, want 2147483647 sent and the rest carried", got[1])
	}
	if !st.ClosedThrough.Equal(h) {
		t.Errorf("closed through %s, want %s", st.ClosedThrough, h)
	}
	if got := dealdesk.CoverHour(dealdesk.MeteringTerms{}, &st, h.Add(time.Hour), nil, []string{"a"}, false); len(got) != 0 {
		t.Errorf("no usage and zero records off: got %+v, want none", got)
	}
}

func TestMeteringWindow(t *testing.T) {
	w := dealdesk.DefaultMeteringWindow
	now := time.Date(2026, 11, 30, 12, 30, 0, 0, time.UTC)
	if got := w.Oldest(now); !got.Equal(now.Add(-6 * time.Hour)) {
		t.Errorf("oldest = %s", got)
	}
	// From 06:00 on the 1st, the previous month is closed (it matters for a 24-hour window).
	day := dealdesk.MeteringWindow(24 * time.Hour)
	first := time.Date(2026, 12, 1, 7, 0, 0, 0, time.UTC)
	if got := day.Oldest(first); !got.Equal(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("oldest on the 1st at 07:00 = %s, want the month's start", got)
	}
	if got := day.Oldest(first.Add(-2 * time.Hour)); !got.Equal(first.Add(-26 * time.Hour)) {
		t.Errorf("oldest on the 1st at 05:00 = %s, want 24 hours back", got)
	}
	if w.Sendable(time.Date(2026, 11, 30, 6, 30, 0, 0, time.UTC), now) || !w.Sendable(time.Date(2026, 11, 30, 7, 0, 0, 0, time.UTC), now) {
		t.Error("Sendable must keep SendMargin from the window's edge")
	}
	// Usage accepted at now must fall in an hour that can still be closed and sent.
	ou := w.OldestUsage(now)
	if ou.Minute() != 0 || !w.Sendable(ou, now.Add(time.Hour)) {
		t.Errorf("oldest usage %s: its hour must still be sendable an hour later", ou)
	}
}

// TestOldestUsageMonthEnd: on the 1st, usage of the previous month is accepted only while its
// hour can still be closed and sent before 06:00 UTC, when AWS closes that month.
func TestOldestUsageMonthEnd(t *testing.T) {
	day := dealdesk.MeteringWindow(24 * time.Hour)
	feb := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		now  time.Time
		want time.Time
	}{
		{"at 05:58 the previous month is refused", feb.Add(5*time.Hour + 58*time.Minute), feb},
		{"at 04:55 there is no hour left to close and send it", feb.Add(4*time.Hour + 55*time.Minute), feb},
		{"at 04:54 the window holds", feb.Add(4*time.Hour + 54*time.Minute), time.Date(2026, 1, 31, 6, 0, 0, 0, time.UTC)},
		{"from 06:00 the window within the month", feb.Add(6 * time.Hour), feb.Add(2 * time.Hour)},
		{"mid-month the window alone", time.Date(2026, 2, 15, 5, 58, 0, 0, time.UTC), time.Date(2026, 2, 14, 8, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		if got := day.OldestUsage(tt.now); !got.Equal(tt.want) {
			t.Errorf("%s: oldest usage at %s = %s, want %s", tt.name, tt.now.Format(time.RFC3339), got.Format(time.RFC3339), tt.want.Format(time.RFC3339))
		}
	}
	// A record sent at 05:56 would reach AWS too close to 06:00: not Sendable.
	if day.Sendable(time.Date(2026, 1, 31, 23, 0, 0, 0, time.UTC), feb.Add(5*time.Hour+56*time.Minute)) {
		t.Error("a record of the previous month is Sendable within SendMargin of 06:00 on the 1st")
	}
	// Whatever OldestUsage accepts of the previous month is still sendable an hour later.
	for now := feb; now.Before(feb.Add(6 * time.Hour)); now = now.Add(time.Minute) {
		if ou := day.OldestUsage(now); ou.Before(feb) && !day.Sendable(ou, now.Add(time.Hour)) {
			t.Fatalf("at %s usage of %s is accepted but its record expires within the hour", now.Format(time.RFC3339), ou.Format(time.RFC3339))
		}
	}
}

// TestMinMeteringWindow: under MinMeteringWindow, usage of the current hour is accepted at
// every minute of the hour; a minute less and it is refused for part of the hour.
func TestMinMeteringWindow(t *testing.T) {
	accepts := func(w dealdesk.MeteringWindow) bool {
		start := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
		for now := start; now.Before(start.Add(time.Hour)); now = now.Add(time.Second) {
			if w.OldestUsage(now).After(dealdesk.Hour(now)) {
				return false
			}
		}
		return true
	}
	if !accepts(dealdesk.MinMeteringWindow) {
		t.Errorf("window %s refuses usage of the current hour", time.Duration(dealdesk.MinMeteringWindow))
	}
	if accepts(dealdesk.MinMeteringWindow - dealdesk.MeteringWindow(time.Minute)) {
		t.Error("MinMeteringWindow is not the least window that accepts the current hour")
	}
}
