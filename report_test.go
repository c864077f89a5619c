package dealdesk_test

import (
	"slices"
	"testing"
	"time"

	"github.com/dealdesk/dealdesk"
)

// at returns 2027-01-01 plus h hours, a report's time.
func at(h int) time.Time { return time.Date(2027, 1, 1, h, 0, 0, 0, time.UTC) }

func TestEntitlementMergeReport(t *testing.T) {
	t.Parallel()
	start1, start2 := at(1), at(2)
	for _, tt := range []struct {
		name             string
		stored, report   dealdesk.Entitlement
		want             dealdesk.Entitlement
		wantReportedHour int
	}{
		{
			name:             "a newer report overwrites what it carries and keeps the rest",
			stored:           dealdesk.Entitlement{Status: dealdesk.EntitlementActive, BuyerAccountID: "111111111111", StartTime: &start1, ReportedAt: at(1)},
			report:           dealdesk.Entitlement{BuyerAccountID: "222222222222", LicenseARN: "arn:l-1", ReportedAt: at(2)},
			want:             dealdesk.Entitlement{Status: dealdesk.EntitlementActive, BuyerAccountID: "222222222222", LicenseARN: "arn:l-1", StartTime: &start1},
			wantReportedHour: 2,
		},
		{
			name:             "an older report (Amended at 1 after Created at 2) only fills what is missing",
			stored:           dealdesk.Entitlement{Status: dealdesk.EntitlementActive, BuyerAccountID: "111111111111", StartTime: &start2, ReportedAt: at(2)},
			report:           dealdesk.Entitlement{Status: dealdesk.EntitlementActive, BuyerAccountID: "222222222222", StartTime: &start1, LicenseARN: "arn:l-1", ReportedAt: at(1)},
			want:             dealdesk.Entitlement{Status: dealdesk.EntitlementActive, BuyerAccountID: "111111111111", StartTime: &start2, LicenseARN: "arn:l-1"},
			wantReportedHour: 2,
		},
		{
			name:             "a report of the same time counts as newer",
			stored:           dealdesk.Entitlement{BuyerAccountID: "111111111111", ReportedAt: at(2)},
			report:           dealdesk.Entitlement{BuyerAccountID: "222222222222", ReportedAt: at(2)},
			want:             dealdesk.Entitlement{BuyerAccountID: "222222222222"},
			wantReportedHour: 2,
		},
		{
			name:             "a late Created (2) after Ended (3) leaves it cancelled",
			stored:           dealdesk.Entitlement{Status: dealdesk.EntitlementCancelled, ReportedAt: at(3)},
			report:           dealdesk.Entitlement{Status: dealdesk.EntitlementActive, BuyerAccountID: "111111111111", ReportedAt: at(2)},
			want:             dealdesk.Entitlement{Status: dealdesk.EntitlementCancelled, BuyerAccountID: "111111111111"},
			wantReportedHour: 3,
		},
		{
			name:             "not even a newer report makes an ended entitlement active",
			stored:           dealdesk.Entitlement{Status: dealdesk.EntitlementExpired, ReportedAt: at(3)},
			report:           dealdesk.Entitlement{Status: dealdesk.EntitlementActive, ReportedAt: at(4)},
			want:             dealdesk.Entitlement{Status: dealdesk.EntitlementExpired},
			wantReportedHour: 4,
		},
		{
			name:             "an end reported with an older time than a stored amendment still ends it",
			stored:           dealdesk.Entitlement{Status: dealdesk.EntitlementActive, ReportedAt: at(4)},
			report:           dealdesk.Entitlement{Status: dealdesk.EntitlementCancelled, ReportedAt: at(3)},
			want:             dealdesk.Entitlement{Status: dealdesk.EntitlementCancelled},
			wantReportedHour: 4,
		},
		{
			name:             "between two ends the newer report decides",
			stored:           dealdesk.Entitlement{Status: dealdesk.EntitlementExpired, ReportedAt: at(3)},
			report:           dealdesk.Entitlement{Status: dealdesk.EntitlementCancelled, ReportedAt: at(4)},
			want:             dealdesk.Entitlement{Status: dealdesk.EntitlementCancelled},
			wantReportedHour: 4,
		},
		{
			name:             "an older end does not replace a newer one",
			stored:           dealdesk.Entitlement{Status: dealdesk.EntitlementCancelled, ReportedAt: at(4)},
			report:           dealdesk.Entitlement{Status: dealdesk.EntitlementExpired, ReportedAt: at(3)},
			want:             dealdesk.Entitlement{Status: dealdesk.EntitlementCancelled},
			wantReportedHour: 4,
		},
		{
			name:             "a pending start never follows the start",
			stored:           dealdesk.Entitlement{Status: dealdesk.EntitlementActive, ReportedAt: at(1)},
			report:           dealdesk.Entitlement{Status: dealdesk.EntitlementPendingStart, ReportedAt: at(2)},
			want:             dealdesk.Entitlement{Status: dealdesk.EntitlementActive},
			wantReportedHour: 2,
		},
		{
			name:             "a report without a time counts as older than a dated one",
			stored:           dealdesk.Entitlement{Status: dealdesk.EntitlementActive, BuyerAccountID: "111111111111", ReportedAt: at(1)},
			report:           dealdesk.Entitlement{BuyerAccountID: "222222222222", LicenseARN: "arn:l-1"},
			want:             dealdesk.Entitlement{Status: dealdesk.EntitlementActive, BuyerAccountID: "111111111111", LicenseARN: "arn:l-1"},
			wantReportedHour: 1,
		},
		{
			name:             "between reports without a time the later one sets what it carries",
			stored:           dealdesk.Entitlement{BuyerAccountID: "111111111111"},
			report:           dealdesk.Entitlement{BuyerAccountID: "222222222222"},
			want:             dealdesk.Entitlement{BuyerAccountID: "222222222222"},
			wantReportedHour: -1,
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := tt.report
			got.MergeReport(&tt.stored)
			wantAt := time.Time{}
			if tt.wantReportedHour >= 0 {
				wantAt = at(tt.wantReportedHour)
			}
			if got.Status != tt.want.Status || got.BuyerAccountID != tt.want.BuyerAccountID || got.LicenseARN != tt.want.LicenseARN ||
				!samePtrTime(got.StartTime, tt.want.StartTime) || !got.ReportedAt.Equal(wantAt) {
				t.Fatalf("merged %+v\nwant   %+v reported at %v", got, tt.want, wantAt)
			}
		})
	}
}

func samePtrTime(a, b *time.Time) bool { return (a == nil) == (b == nil) && (a == nil || a.Equal(*b)) }

func TestOfferMergeReport(t *testing.T) {
	t.Parallel()
	expiry1, expiry2 := dealdesk.NewDate(2027, 3, 1), dealdesk.NewDate(2027, 4, 1)
	for _, tt := range []struct {
		name           string
		stored, report dealdesk.Offer
		want           dealdesk.Offer
	}{
		{
			name:   "a newer report overwrites what it carries and keeps the rest",
			stored: dealdesk.Offer{Status: dealdesk.OfferActive, Name: "Deal", BuyerAccountIDs: []string{"111111111111"}, ExpiryDate: &expiry1, ReportedAt: at(1)},
			report: dealdesk.Offer{BuyerAccountIDs: []string{"222222222222"}, ExpiryDate: &expiry2, ReportedAt: at(2)},
			want:   dealdesk.Offer{Status: dealdesk.OfferActive, Name: "Deal", BuyerAccountIDs: []string{"222222222222"}, ExpiryDate: &expiry2, ReportedAt: at(2)},
		},
		{
			name:   "an older report only fills what is missing",
			stored: dealdesk.Offer{Status: dealdesk.OfferActive, BuyerAccountIDs: []string{"111111111111"}, ExpiryDate: &expiry1, ReportedAt: at(2)},
			report: dealdesk.Offer{Name: "Deal", BuyerAccountIDs: []string{"222222222222"}, ExpiryDate: &expiry2, ReportedAt: at(1)},
			want:   dealdesk.Offer{Status: dealdesk.OfferActive, Name: "Deal", BuyerAccountIDs: []string{"111111111111"}, ExpiryDate: &expiry1, ReportedAt: at(2)},
		},
		{
			name:   "a late Offer Released does not reopen an accepted offer",
			stored: dealdesk.Offer{Status: dealdesk.OfferAccepted, ReportedAt: at(2)},
			report: dealdesk.Offer{Status: dealdesk.OfferActive, Name: "Deal", ReportedAt: at(1)},
			want:   dealdesk.Offer{Status: dealdesk.OfferAccepted, Name: "Deal", ReportedAt: at(2)},
		},
		{
			name:   "an acceptance reported before the release still counts",
			stored: dealdesk.Offer{Status: dealdesk.OfferActive, ReportedAt: at(3)},
			report: dealdesk.Offer{Status: dealdesk.OfferAccepted, ReportedAt: at(2)},
			want:   dealdesk.Offer{Status: dealdesk.OfferAccepted, ReportedAt: at(3)},
		},
		{
			name:   "no report revives an expired offer",
			stored: dealdesk.Offer{Status: dealdesk.OfferExpired, ReportedAt: at(1)},
			report: dealdesk.Offer{Status: dealdesk.OfferActive, ReportedAt: at(5)},
			want:   dealdesk.Offer{Status: dealdesk.OfferExpired, ReportedAt: at(5)},
		},
		{
			name:   "renewal and one-time stay true",
			stored: dealdesk.Offer{Renewal: true, OneTime: true, ReportedAt: at(1)},
			report: dealdesk.Offer{ReportedAt: at(2)},
			want:   dealdesk.Offer{Renewal: true, OneTime: true, ReportedAt: at(2)},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := tt.report
			got.MergeReport(&tt.stored)
			if got.Status != tt.want.Status || got.Name != tt.want.Name || !slices.Equal(got.BuyerAccountIDs, tt.want.BuyerAccountIDs) ||
				!sameDate(got.ExpiryDate, tt.want.ExpiryDate) || got.Renewal != tt.want.Renewal || got.OneTime != tt.want.OneTime ||
				!got.ReportedAt.Equal(tt.want.ReportedAt) {
				t.Fatalf("merged %+v\nwant   %+v", got, tt.want)
			}
		})
	}
}

func sameDate(a, b *dealdesk.Date) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

// Whatever order the reports of one agreement arrive in, the merged entitlement is the same.
func TestMergeReportIsOrderIndependent(t *testing.T) {
	t.Parallel()
	start, end := at(0), at(100)
	reports := []dealdesk.Entitlement{
		{Status: dealdesk.EntitlementActive, BuyerAccountID: "111111111111", StartTime: &start, ReportedAt: at(1)}, // Created
		{LicenseARN: "arn:l-1", ReportedAt: at(2)},                             // License Updated
		{Status: dealdesk.EntitlementActive, EndTime: &end, ReportedAt: at(3)}, // Amended
		{Status: dealdesk.EntitlementCancelled, ReportedAt: at(4)},             // Ended
	}
	var want *dealdesk.Entitlement
	permute(len(reports), func(order []int) {
		merged := dealdesk.Entitlement{}
		for _, i := range order {
			r := reports[i]
			r.MergeReport(&merged)
			merged = r
		}
		if want == nil {
			want = &merged
			if want.Status != dealdesk.EntitlementCancelled || want.LicenseARN != "arn:l-1" || want.EndTime == nil || !want.ReportedAt.Equal(at(4)) {
				t.Fatalf("merged in order %v: %+v", order, merged)
			}
			return
		}
		if merged.Status != want.Status || merged.BuyerAccountID != want.BuyerAccountID || merged.LicenseARN != want.LicenseARN ||
			!samePtrTime(merged.StartTime, want.StartTime) || !samePtrTime(merged.EndTime, want.EndTime) || !merged.ReportedAt.Equal(want.ReportedAt) {
			t.Fatalf("merged in order %v: %+v; in the first order %+v", order, merged, *want)
		}
	})
	if want == nil {
		t.Fatal("no order was tried")
	}
}

// permute calls fn with every permutation of 0..n-1.
func permute(n int, fn func([]int)) {
	var rec func(prefix []int, rest []int)
	rec = func(prefix, rest []int) {
		if len(rest) == 0 {
			fn(prefix)
			return
		}
		for i := range rest {
			next := append(append([]int(nil), rest[:i]...), rest[i+1:]...)
			rec(append(append([]int(nil), prefix...), rest[i]), next)
		}
	}
	all := make([]int, n)
	for i := range all {
		all[i] = i
	}
	rec(nil, all)
}
