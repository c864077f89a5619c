package http_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/dealdesk/dealdesk"
)

func TestNotifications_PageAndStayInTheirOrganization(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *env) {
		e = e.in(t)
		p := e.createProduct(e.keyA, "prod-notify1")
		o := e.createOpportunity(e.keyA, p.ID)
		for i, kind := range []dealdesk.TimelineKind{dealdesk.TimelinePublished, dealdesk.TimelineCPPOOfferCreated, dealdesk.TimelineAccepted} {
			if _, _, err := e.db.AddTimelineEntry(e.ctxA(), dealdesk.TimelineEntry{SubjectType: dealdesk.SubjectOffer, SubjectID: o.ID,
				Kind: kind, At: testNow.Add(time.Duration(i) * time.Minute), Source: dealdesk.SourceCall, SourceRef: fmt.Sprintf("cs-%d", i),
				Summary: string(kind)}); err != nil {
				t.Fatal(err)
			}
		}
		var page1, page2 listResp[dealdesk.Notification]
		e.do(req{method: "GET", path: "/api/v1/notifications?limit=2", key: e.keyA}).want(t, 200).decode(t, &page1)
		if len(page1.Items) != 2 || page1.NextCursor == "" {
			t.Fatalf("first page %+v: want 2 and a cursor", page1)
		}
		e.do(req{method: "GET", path: "/api/v1/notifications?limit=2&cursor=" + page1.NextCursor, key: e.keyA}).want(t, 200).decode(t, &page2)
		if len(page2.Items) != 1 || page2.NextCursor != "" || page2.Items[0].ID == page1.Items[0].ID || page2.Items[0].ID == page1.Items[1].ID {
			t.Fatalf("second page %+v after %+v", page2, page1)
		}

		t.Run("another organization sees none and cannot mark them", func(t *testing.T) {
			e := e.in(t)
			var l listResp[dealdesk.Notification]
			e.do(req{method: "GET", path: "/api/v1/notifications", key: e.keyB}).want(t, 200).decode(t, &l)
			if len(l.Items) != 0 {
				t.Fatalf("organization B sees %+v", l.Items)
			}
			e.do(req{method: "POST", path: "/api/v1/notifications/" + page2.Items[0].ID + "/read", key: e.keyB}).want(t, 404)
		})
		t.Run("read ones leave the unread filter", func(t *testing.T) {
			e := e.in(t)
			var n dealdesk.Notification
			e.do(req{method: "POST", path: "/api/v1/notifications/" + page2.Items[0].ID + "/read", key: e.keyA}).want(t, 200).decode(t, &n)
			if n.ReadAt == nil {
				t.Fatalf("marked %+v has no readAt", n)
			}
			var l listResp[dealdesk.Notification]
			e.do(req{method: "GET", path: "/api/v1/notifications?unread=true", key: e.keyA}).want(t, 200).decode(t, &l)
			if len(l.Items) != 2 {
				t.Fatalf("unread %+v: want the 2 not marked", l.Items)
			}
			for _, it := range l.Items {
				if it.ID == n.ID {
					t.Fatalf("the read notification is listed as unread")
				}
			}
			var kinds listResp[dealdesk.Notification]
			e.do(req{method: "GET", path: "/api/v1/notifications?kind=ACCEPTED", key: e.keyA}).want(t, 200).decode(t, &kinds)
			if len(kinds.Items) != 1 || kinds.Items[0].Kind != dealdesk.TimelineAccepted {
				t.Fatalf("kind filter %+v", kinds.Items)
			}
			e.do(req{method: "GET", path: "/api/v1/notifications?unread=maybe", key: e.keyA, bad: true}).want(t, 422)
		})
	})
}
