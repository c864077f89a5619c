package sqldb_test

import (
	"slices"
	"testing"
	"time"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/sqldb"
	"github.com/dealdesk/dealdesk/sqldb/sqldbtest"
)

// happened is a timeline entry from the AWS event ref, at hour h of 2027-01-01.
func happened(kind dealdesk.TimelineKind, h int, ref string) dealdesk.TimelineEntry {
	return dealdesk.TimelineEntry{Kind: kind, At: time.Date(2027, 1, 1, h, 0, 0, 0, time.UTC), Source: dealdesk.SourceEvent,
		SourceRef: ref, Summary: string(kind) + " from " + ref}
}

// kinds returns the kinds of a timeline in order.
func kinds(timeline []*dealdesk.TimelineEntry) []dealdesk.TimelineKind {
	out := []dealdesk.TimelineKind{}
	for _, e := range timeline {
		out = append(out, e.Kind)
	}
	return out
}

func TestTimeline(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, db *sqldb.DB, e engine) {
		ctx := newOrg(t, db, "Acme")
		p := newProduct(t, db, ctx, "prod-abc123")
		opp := newOffer(t, db, ctx, p.ID)
		setStatus(t, db, opp.ID, dealdesk.OfferActive, "resaleauthz-1")
		published, created, err := db.AddTimelineEntry(ctx, dealdesk.TimelineEntry{SubjectType: dealdesk.SubjectOffer, SubjectID: opp.ID,
			Kind: dealdesk.TimelinePublished, At: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), Source: dealdesk.SourceCall, SourceRef: "cs-1"})
		if err != nil || !created || published.OpportunityID != opp.ID {
			t.Fatalf("add PUBLISHED: %+v, %v, %v", published, created, err)
		}

		// The events arrive in the wrong order: the agreement (hour 3) and the license (hour 4)
		// before the offer (hour 2), and the agreement twice.
		ent, err := db.SaveEntitlement(ctx, &dealdesk.Entitlement{ExternalID: "agmt-1", BuyerAccountID: "210987654321"}, "offer-1",
			happened(dealdesk.TimelineAccepted, 3, "ev-agreement"))
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range []dealdesk.TimelineEntry{happened(dealdesk.TimelineLicenseUpdated, 4, "ev-license"), happened(dealdesk.TimelineAccepted, 3, "ev-agreement")} {
			if _, err := db.SaveEntitlement(ctx, &dealdesk.Entitlement{ExternalID: "agmt-1"}, "", h); err != nil {
				t.Fatal(err)
			}
		}
		cppo, err := db.SaveCPPOOffer(ctx, &dealdesk.Offer{ExternalID: "offer-1"}, "resaleauthz-1",
			happened(dealdesk.TimelineCPPOOfferCreated, 2, "ev-offer"))
		if err != nil {
			t.Fatal(err)
		}

		t.Run("the chain shows every entry once, in the order things happened", func(t *testing.T) {
			for _, id := range []string{opp.ID, cppo.ID} {
				chain, err := db.FindOfferChain(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				// The one-time opportunity is USED by its CPPO offer, in the offer's save.
				want := []dealdesk.TimelineKind{dealdesk.TimelinePublished, dealdesk.TimelineCPPOOfferCreated, dealdesk.TimelineUsed,
					dealdesk.TimelineAccepted, dealdesk.TimelineLicenseUpdated}
				if got := kinds(chain.Timeline); !slices.Equal(got, want) {
					t.Fatalf("timeline of %s: %v, want %v", id, got, want)
				}
				tl := chain.Timeline
				if tl[1].SubjectType != dealdesk.SubjectOffer || tl[1].SubjectID != cppo.ID || tl[1].OpportunityID != opp.ID ||
					tl[2].SubjectID != opp.ID || tl[3].SubjectType != dealdesk.SubjectEntitlement || tl[3].SubjectID != ent.ID ||
					tl[3].Source != dealdesk.SourceEvent || tl[3].SourceRef != "ev-agreement" || tl[3].Summary != "ACCEPTED from ev-agreement" ||
					!tl[0].CreatedAt.Equal(e.clock.Now()) {
					t.Fatalf("timeline %s", jsonOf(t, tl))
				}
			}
		})
		t.Run("an entry added again is the stored one", func(t *testing.T) {
			again, created, err := db.AddTimelineEntry(ctx, dealdesk.TimelineEntry{SubjectType: dealdesk.SubjectOffer, SubjectID: opp.ID,
				Kind: dealdesk.TimelinePublished, At: time.Date(2027, 1, 1, 9, 0, 0, 0, time.UTC), Source: dealdesk.SourceCall, SourceRef: "cs-1"})
			if err != nil || created || again.ID != published.ID || !again.At.Equal(published.At) {
				t.Fatalf("second add: %+v, %v, %v", again, created, err)
			}
			if n := count(t, db, "timeline_entries", ""); n != 5 {
				t.Fatalf("%d entries", n)
			}
		})
		t.Run("a save that fails records nothing", func(t *testing.T) {
			before := count(t, db, "timeline_entries", "")
			_, err := db.SaveEntitlement(ctx, &dealdesk.Entitlement{ExternalID: "agmt-2", ProductID: "prd_nope"}, "",
				happened(dealdesk.TimelineAccepted, 5, "ev-5"))
			wantField(t, err, "productId")
			_, err = db.SaveCPPOOffer(ctx, &dealdesk.Offer{ExternalID: "offer-9"}, "", dealdesk.TimelineEntry{Kind: "GOSSIP"})
			wantField(t, err, "happened[0].kind")
			wantField(t, err, "happened[0].sourceRef")
			if count(t, db, "timeline_entries", "") != before || count(t, db, "offers", "external_id = $1", "offer-9") != 0 {
				t.Fatal("a refused save recorded something")
			}
		})
		t.Run("an entry that cannot be recorded undoes its save", func(t *testing.T) {
			sqldbtest.AddCheck(t, db, "timeline_entries", "no_boom", "summary <> 'boom'")
			boom := happened(dealdesk.TimelineEnded, 6, "ev-6")
			boom.Summary = "boom"
			_, err := db.SaveEntitlement(ctx, &dealdesk.Entitlement{ExternalID: "agmt-1", Status: dealdesk.EntitlementCancelled,
				ReportedAt: time.Date(2027, 1, 1, 6, 0, 0, 0, time.UTC)}, "", boom)
			wantCode(t, err, dealdesk.EINTERNAL)
			if got := findEntitlement(t, db, ctx, ent.ID); got.Status != dealdesk.EntitlementActive || !got.ReportedAt.IsZero() {
				t.Fatalf("the save stayed without its entry: %+v", got)
			}
			if n := count(t, db, "notifications", "kind = $1", dealdesk.TimelineEnded); n != 0 {
				t.Fatalf("%d ENDED notifications", n)
			}
		})
		t.Run("a bad entry names its fields; an unknown or foreign subject is a bad subjectId", func(t *testing.T) {
			_, _, err := db.AddTimelineEntry(ctx, dealdesk.TimelineEntry{SubjectType: "USER", Kind: dealdesk.TimelineEnded})
			for _, f := range []string{"subjectType", "subjectId", "at", "source", "sourceRef"} {
				wantField(t, err, f)
			}
			other := newOrg(t, db, "Globex")
			for _, c := range []struct {
				subject dealdesk.TimelineSubject
				id      string
			}{{dealdesk.SubjectOffer, opp.ID}, {dealdesk.SubjectEntitlement, ent.ID}, {dealdesk.SubjectOffer, "off_nope"}} {
				_, _, err = db.AddTimelineEntry(other, dealdesk.TimelineEntry{SubjectType: c.subject, SubjectID: c.id,
					Kind: dealdesk.TimelineEnded, At: time.Now(), Source: dealdesk.SourceUser, SourceRef: "usr_1"})
				wantField(t, err, "subjectId")
			}
			if n := count(t, db, "timeline_entries", ""); n != 5 {
				t.Fatalf("%d entries", n)
			}
		})
		t.Run("notable steps notify once each", func(t *testing.T) {
			notes, next, err := db.FindNotifications(ctx, dealdesk.NotificationFilter{})
			if err != nil || next != "" {
				t.Fatal(err)
			}
			// PUBLISHED, ACCEPTED (recorded before the offer) and CPPO_OFFER_CREATED, newest first;
			// LICENSE_UPDATED does not notify, the repeated ACCEPTED is the same step.
			want := []dealdesk.TimelineKind{dealdesk.TimelineCPPOOfferCreated, dealdesk.TimelineAccepted, dealdesk.TimelinePublished}
			var got []dealdesk.TimelineKind
			for _, n := range notes {
				got = append(got, n.Kind)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("notifications %s", jsonOf(t, notes))
			}
			if notes[0].OfferID != cppo.ID || notes[1].EntitlementID != ent.ID || notes[1].Summary != "ACCEPTED from ev-agreement" ||
				notes[2].OfferID != opp.ID || notes[0].ReadAt != nil || notes[2].TimelineEntryID != published.ID {
				t.Fatalf("notifications %s", jsonOf(t, notes))
			}
			e.clock.Advance(time.Minute)
			read, err := db.MarkNotificationRead(ctx, notes[1].ID)
			if err != nil || read.ReadAt == nil || !read.ReadAt.Equal(e.clock.Now()) {
				t.Fatalf("mark read: %+v, %v", read, err)
			}
			e.clock.Advance(time.Minute)
			if again, err := db.MarkNotificationRead(ctx, notes[1].ID); err != nil || !again.ReadAt.Equal(*read.ReadAt) {
				t.Fatalf("mark read again: %+v, %v", again, err)
			}
			unread, _, err := db.FindNotifications(ctx, dealdesk.NotificationFilter{Unread: true, Limit: 1})
			if err != nil || len(unread) != 1 || unread[0].ID != notes[0].ID {
				t.Fatalf("unread page: %s, %v", jsonOf(t, unread), err)
			}
			page, cursor, err := db.FindNotifications(ctx, dealdesk.NotificationFilter{Limit: 2})
			if err != nil || len(page) != 2 || cursor == "" {
				t.Fatalf("first page: %d, %q, %v", len(page), cursor, err)
			}
			rest, cursor, err := db.FindNotifications(ctx, dealdesk.NotificationFilter{Limit: 2, Cursor: cursor})
			if err != nil || len(rest) != 1 || rest[0].ID != notes[2].ID || cursor != "" {
				t.Fatalf("second page: %s, %q, %v", jsonOf(t, rest), cursor, err)
			}
			byKind, _, err := db.FindNotifications(ctx, dealdesk.NotificationFilter{Kind: dealdesk.TimelinePublished})
			if err != nil || len(byKind) != 1 || byKind[0].ID != notes[2].ID {
				t.Fatalf("by kind: %s, %v", jsonOf(t, byKind), err)
			}
			_, _, err = db.FindNotifications(ctx, dealdesk.NotificationFilter{Kind: "RUMOUR"})
			wantField(t, err, "kind")
			_, err = db.MarkNotificationRead(newOrg(t, db, "Initech"), notes[0].ID)
			wantCode(t, err, dealdesk.ENOTFOUND)
		})
	})
}
