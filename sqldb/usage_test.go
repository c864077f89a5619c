package sqldb_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/sqldb"
)

func TestReportUsage(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, db *sqldb.DB, e engine) {
		d := newUsageDeal(t, db, "acme", defaultTerms)
		at := e.clock.Now().Add(-90 * time.Minute) // 07:30
		t.Run("a new group is stored, accepted, in its hour", func(t *testing.T) {
			res := report(t, db, d.ctx, d.group("g-1", at, "api_calls", "12.50", "seats", "3"))
			g := res[0].Group
			if !res[0].Created || g.ID != "g-1" || g.EntitlementID != d.entitlement || !g.Timestamp.Equal(at) ||
				g.Status != dealdesk.UsageAccepted || g.MeteredHour != nil || g.Records["api_calls"].String() != "12.50" {
				t.Fatalf("stored %+v", res[0])
			}
			if n := count(t, db, "usage_groups", "id = 'g-1'"); n != 1 {
				t.Fatalf("%d rows", n)
			}
		})
		t.Run("the same report again answers the stored group, not created (200)", func(t *testing.T) {
			// 12.5 is the same quantity as 12.50, and the records' order does not matter.
			res := report(t, db, d.ctx, d.group("g-1", at, "seats", "3", "api_calls", "12.5"))
			if res[0].Created || res[0].Group.Records["api_calls"].String() != "12.50" {
				t.Fatalf("answer %+v", res[0])
			}
			if n := count(t, db, "usage_groups", ""); n != 1 {
				t.Fatalf("%d rows", n)
			}
		})
		t.Run("other content under a stored id is a conflict (409), and changes nothing", func(t *testing.T) {
			for _, g := range []dealdesk.UsageGroupInput{
				d.group("g-1", at, "api_calls", "12.51", "seats", "3"),
				d.group("g-1", at.Add(time.Second), "api_calls", "12.50", "seats", "3"),
				d.group("g-1", at, "api_calls", "12.50"),
			} {
				res, err := db.ReportUsage(d.ctx, []dealdesk.UsageGroupInput{g})
				if err != nil {
					t.Fatal(err)
				}
				wantCode(t, res[0].Err, dealdesk.ECONFLICT)
			}
			gs, _, err := db.FindUsageGroups(d.ctx, dealdesk.UsageGroupFilter{})
			if err != nil || len(gs) != 1 || gs[0].Records["api_calls"].String() != "12.50" || len(gs[0].Records) != 2 {
				t.Fatalf("groups %+v, %v", gs, err)
			}
		})
		t.Run("a stored report is answered even when it could no longer be stored", func(t *testing.T) {
			// Hours later the timestamp is out of the window, yet a retry of the report is
			// the stored group, not a 422 that would make the client think it was lost.
			e.clock.Advance(10 * time.Hour)
			defer e.clock.Advance(-10 * time.Hour)
			res := report(t, db, d.ctx, d.group("g-1", at, "api_calls", "12.50", "seats", "3"))
			if res[0].Created {
				t.Fatalf("answer %+v", res[0])
			}
		})
		t.Run("invalid groups are refused naming the field and change nothing; the valid ones of the batch are stored", func(t *testing.T) {
			now := e.clock.Now()
			other := newUsageDeal(t, db, "globex", defaultTerms)
			batch := []dealdesk.UsageGroupInput{
				d.group("b-ok", at, "api_calls", "1"),
				d.group("b-future", now.Add(time.Minute), "api_calls", "1"),
				d.group("b-old", now.Add(-7*time.Hour), "api_calls", "1"),
				d.group("b-contract", at, "support", "1"),
				d.group("b-unknown", at, "nope", "1"),
				d.group("b-negative", at, "api_calls", "-1"),
				d.group("b-fine", at, "api_calls", "0.0000000001"),
				d.group("", at, "api_calls", "1"),
				d.group("b-empty", at),
				other.group("b-foreign", at, "api_calls", "1"),
				d.group("b-before-start", usageStart.Add(-time.Minute), "api_calls", "1"),
				d.group("b-ok2", at, "seats", "0"),
			}
			want := []struct{ code, field string }{
				{"", ""},
				{dealdesk.EINVALID, "groups[1].timestamp"},
				{dealdesk.EINVALID, "groups[2].timestamp"},
				{dealdesk.EINVALID, "groups[3].records.support"},
				{dealdesk.EINVALID, "groups[4].records.nope"},
				{dealdesk.EINVALID, "groups[5].records.api_calls"},
				{dealdesk.EINVALID, "groups[6].records.api_calls"},
				{dealdesk.EINVALID, "groups[7].id"},
				{dealdesk.EINVALID, "groups[8].records"},
				{dealdesk.ENOTFOUND, ""},
				{dealdesk.EINVALID, "groups[10].timestamp"},
				{"", ""},
			}
			// b-before-start is within the window, before the entitlement started.
			res, err := db.ReportUsage(d.ctx, batch)
			if err != nil {
				t.Fatal(err)
			}
			for i, w := range want {
				r := res[i]
				if r.ID != batch[i].ID {
					t.Fatalf("result %d is of %q", i, r.ID)
				}
				switch {
				case w.code == "":
					if r.Err != nil || !r.Created {
						t.Fatalf("group %d: %+v", i, r)
					}
				case w.field == "":
					wantCode(t, r.Err, w.code)
				default:
					wantField(t, r.Err, w.field)
				}
			}
			if n := count(t, db, "usage_groups", ""); n != 3 {
				t.Fatalf("%d groups stored, want 3", n)
			}
			if n := count(t, db, "usage_groups", "org_id = (SELECT org_id FROM entitlements WHERE id = $1)", other.entitlement); n != 0 {
				t.Fatalf("%d groups stored in the other organization", n)
			}
		})
		t.Run("the same id twice in a call is one report", func(t *testing.T) {
			res, err := db.ReportUsage(d.ctx, []dealdesk.UsageGroupInput{
				d.group("dup", at, "api_calls", "2"), d.group("dup", at, "api_calls", "2.0"), d.group("dup", at, "api_calls", "3"),
			})
			if err != nil {
				t.Fatal(err)
			}
			if !res[0].Created || res[1].Created || res[1].Group == nil || res[1].Err != nil {
				t.Fatalf("answers %+v", res)
			}
			wantCode(t, res[2].Err, dealdesk.ECONFLICT)
			if n := count(t, db, "usage_groups", "id = 'dup'"); n != 1 {
				t.Fatalf("%d rows", n)
			}
		})
		t.Run("more groups than a batch allows is refused whole", func(t *testing.T) {
			_, err := db.ReportUsage(d.ctx, make([]dealdesk.UsageGroupInput, dealdesk.MaxUsageBatchGroups+1))
			wantField(t, err, "groups")
		})
		t.Run("without an organization", func(t *testing.T) {
			_, err := db.ReportUsage(context.Background(), []dealdesk.UsageGroupInput{d.group("x", at, "api_calls", "1")})
			wantCode(t, err, dealdesk.EUNAUTHORIZED)
		})
		t.Run("an entitlement not linked to an opportunity is refused naming entitlementId", func(t *testing.T) {
			start := usageStart
			ent, err := db.SaveEntitlement(d.ctx, &dealdesk.Entitlement{ExternalID: "agmt-loose", ProductID: d.product, StartTime: &start}, "")
			if err != nil {
				t.Fatal(err)
			}
			res, err := db.ReportUsage(d.ctx, []dealdesk.UsageGroupInput{{ID: "loose", EntitlementID: ent.ID, Timestamp: at,
				Records: map[string]dealdesk.Decimal{"api_calls": dealdesk.MustDecimal("1")}}})
			if err != nil {
				t.Fatal(err)
			}
			wantField(t, res[0].Err, "entitlementId")
		})
	})
}

func TestFindUsageGroups(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, db *sqldb.DB, e engine) {
		d := newUsageDeal(t, db, "acme", defaultTerms)
		d2 := addUsageDeal(t, db, d.ctx, "acme2", defaultTerms)
		now := e.clock.Now()
		var batch []dealdesk.UsageGroupInput
		for i := range 5 {
			batch = append(batch, d.group(fmt.Sprintf("a-%d", i), now.Add(-time.Duration(i+1)*time.Minute), "api_calls", "1"))
			batch = append(batch, d2.group(fmt.Sprintf("b-%d", i), now.Add(-time.Duration(i+1)*time.Minute), "api_calls", "1"))
		}
		report(t, db, d.ctx, batch...)
		var ids []string
		f := dealdesk.UsageGroupFilter{EntitlementID: d.entitlement, Limit: 2}
		for {
			gs, next, err := db.FindUsageGroups(d.ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			for _, g := range gs {
				ids = append(ids, g.ID)
			}
			if next == "" {
				break
			}
			f.Cursor = next
		}
		if fmt.Sprint(ids) != "[a-4 a-3 a-2 a-1 a-0]" {
			t.Fatalf("pages: %v", ids)
		}
		from, to := now.Add(-3*time.Minute), now.Add(-time.Minute)
		gs, _, err := db.FindUsageGroups(d.ctx, dealdesk.UsageGroupFilter{EntitlementID: d2.entitlement, From: &from, To: &to,
			Status: dealdesk.UsageAccepted})
		if err != nil || len(gs) != 2 || gs[0].ID != "b-2" || gs[1].ID != "b-1" {
			t.Fatalf("time range: %+v, %v", gs, err)
		}
		_, _, err = db.FindUsageGroups(d.ctx, dealdesk.UsageGroupFilter{Status: "SENT", Cursor: "nope", From: &to, To: &from})
		for _, field := range []string{"status", "cursor", "to"} {
			wantField(t, err, field)
		}
		other := newOrg(t, db, "globex")
		if gs, _, err := db.FindUsageGroups(other, dealdesk.UsageGroupFilter{}); err != nil || len(gs) != 0 {
			t.Fatalf("another organization sees %+v, %v", gs, err)
		}
	})
}
