package web

import (
	"testing"
	"time"

	"github.com/dealdesk/dealdesk"
)

// A product sync that adds or removes metered dimensions must not change what the simulated
// product reports for a dimension in an hour: that report would conflict with the stored one.
func TestSimulateUsage_AQuantityDependsOnlyOnTheEntitlementHourDimensionAndContract(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 10, 0, 0, time.UTC)
	start := now.Add(-5 * time.Hour)
	e := &dealdesk.Entitlement{ID: "ent_1", StartTime: &start}
	terms := dealdesk.MeteringTerms{Grants: map[string]int64{"a": 100},
		Prices:       map[string]dealdesk.Decimal{"a": dealdesk.MustDecimal("0.5"), "b": dealdesk.MustDecimal("0.1")},
		CommitAmount: dealdesk.MustDecimal("1000"), MeterAgainstCommit: true}
	one := simulatedUsage(e, []string{"a"}, terms, dealdesk.DefaultMeteringWindow, now)
	three := simulatedUsage(e, []string{"a", "b", "c"}, terms, dealdesk.DefaultMeteringWindow, now)
	if len(one) == 0 || len(one) != len(three) {
		t.Fatalf("%d and %d groups, want the same hours", len(one), len(three))
	}
	for i := range one {
		if one[i].ID != three[i].ID || !one[i].Records["a"].Equal(three[i].Records["a"].Decimal) {
			t.Errorf("hour %s: a is %s with one metered dimension and %s with three", one[i].ID, one[i].Records["a"], three[i].Records["a"])
		}
	}
	// The commit's share is there: more than the overage and the grant's share.
	if q := one[0].Records["a"]; q.LessThanOrEqual(dealdesk.MustDecimal("109").Decimal) {
		t.Errorf("a's first hour = %s, want the commit's share in it", q)
	}
}
