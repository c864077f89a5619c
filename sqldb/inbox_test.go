package sqldb_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/sqldb"
)

// applyJobs returns the arguments of the apply_event jobs recorded in db.
func applyJobs(t *testing.T, db *sqldb.DB) []dealdesk.ApplyEventJob {
	t.Helper()
	args := "args::text"
	if db.Engine() == sqldb.EngineSQLite {
		args = "json(args)" // River keeps SQLite's binary JSON
	}
	rows, err := db.SQL().QueryContext(context.Background(), `SELECT `+args+` FROM river_job WHERE kind = $1 ORDER BY id`, dealdesk.ApplyEventJob{}.Kind())
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var jobs []dealdesk.ApplyEventJob
	for rows.Next() {
		var raw string
		var job dealdesk.ApplyEventJob
		if err := rows.Scan(&raw); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(raw), &job); err != nil {
			t.Fatalf("job args %s: %v", raw, err)
		}
		jobs = append(jobs, job)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return jobs
}

// eventBridgeEvent is a raw event as an EventBridge API destination posts it.
func eventBridgeEvent(id string) *dealdesk.InboxEvent {
	return &dealdesk.InboxEvent{Channel: dealdesk.ChannelEventBridge, EventID: id,
		Body: []byte(`{"version":"0","id":"` + id + `","detail-type":"Offer Released","source":"aws.marketplacecatalog"}`)}
}

func TestInbox(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, db *sqldb.DB, e engine) {
		ctx := newOrg(t, db, "Acme")
		orgID := dealdesk.OrgIDFromContext(ctx)
		first, created, err := db.StoreInboxEvent(ctx, eventBridgeEvent("ev-1"))
		if err != nil || !created {
			t.Fatalf("store: %+v, %v, %v", first, created, err)
		}
		t.Run("a new event is stored with its apply job", func(t *testing.T) {
			if first.Status != dealdesk.InboxReceived || !strings.HasPrefix(first.ID, "evt_") || first.OrgID != orgID ||
				!first.ReceivedAt.Equal(e.clock.Now()) || first.BodySize != len(eventBridgeEvent("ev-1").Body) {
				t.Fatalf("stored %+v", first)
			}
			jobs := applyJobs(t, db)
			if len(jobs) != 1 || jobs[0] != (dealdesk.ApplyEventJob{OrgID: orgID, InboxEventID: first.ID}) {
				t.Fatalf("jobs %+v", jobs)
			}
		})
		t.Run("a second delivery returns the stored event and adds nothing", func(t *testing.T) {
			e.clock.Advance(time.Minute)
			again := eventBridgeEvent("ev-1")
			again.Channel = dealdesk.ChannelSQS // the same EventBridge event, through the queue
			dup, created, err := db.StoreInboxEvent(ctx, again)
			if err != nil || created || dup.ID != first.ID || dup.Channel != dealdesk.ChannelEventBridge || !dup.ReceivedAt.Equal(first.ReceivedAt) {
				t.Fatalf("second delivery: %+v, %v, %v", dup, created, err)
			}
			if n := count(t, db, "inbox_events", ""); n != 1 {
				t.Fatalf("%d events stored", n)
			}
			if jobs := applyJobs(t, db); len(jobs) != 1 {
				t.Fatalf("%d jobs", len(jobs))
			}
		})
		t.Run("the body is kept byte for byte", func(t *testing.T) {
			raw := append([]byte{0xff, 0x00, '{'}, bytes.Repeat([]byte{0x80}, 1000)...)
			ev, _, err := db.StoreInboxEvent(ctx, &dealdesk.InboxEvent{Channel: dealdesk.ChannelSNS, EventID: "sns-raw",
				Body: raw, Status: dealdesk.InboxMalformed, Error: "not JSON"})
			if err != nil {
				t.Fatal(err)
			}
			got, err := db.FindInboxEventByID(ctx, ev.ID)
			if err != nil || !bytes.Equal(got.Body, raw) || got.Status != dealdesk.InboxMalformed || got.Error != "not JSON" || got.BodySize != len(raw) {
				t.Fatalf("read back %+v, %v", got, err)
			}
			if jobs := applyJobs(t, db); len(jobs) != 1 {
				t.Fatalf("a malformed event got a job: %+v", jobs)
			}
		})
		t.Run("a body over its channel's limit is refused and nothing is stored", func(t *testing.T) {
			before := count(t, db, "inbox_events", "")
			_, _, err := db.StoreInboxEvent(ctx, &dealdesk.InboxEvent{Channel: dealdesk.ChannelSQS, EventID: "big",
				Body: bytes.Repeat([]byte("x"), dealdesk.MaxInboxEnvelopeBytes+1)})
			wantCode(t, err, dealdesk.ETOOLARGE)
			_, _, err = db.StoreInboxEvent(ctx, &dealdesk.InboxEvent{Channel: dealdesk.ChannelEventBridge, EventID: "big",
				Body: bytes.Repeat([]byte("x"), dealdesk.MaxInboxBodyBytes+1)})
			wantCode(t, err, dealdesk.ETOOLARGE)
			_, _, err = db.StoreInboxEvent(ctx, &dealdesk.InboxEvent{Channel: "EMAIL", EventID: "e"})
			wantField(t, err, "channel")
			wantField(t, err, "body")
			if count(t, db, "inbox_events", "") != before {
				t.Fatal("a refused event was stored")
			}
		})
		t.Run("marking records the outcome", func(t *testing.T) {
			e.clock.Advance(time.Minute)
			ev, err := db.MarkInboxEvent(ctx, first.ID, dealdesk.InboxApplied, "")
			if err != nil || ev.Status != dealdesk.InboxApplied || ev.AppliedAt == nil || !ev.AppliedAt.Equal(e.clock.Now()) {
				t.Fatalf("mark applied: %+v, %v", ev, err)
			}
			ev, err = db.MarkInboxEvent(ctx, first.ID, dealdesk.InboxFailed, "boom\x00"+strings.Repeat("é", 3000))
			if err != nil || ev.Status != dealdesk.InboxFailed || ev.AppliedAt != nil || !strings.HasPrefix(ev.Error, "boom\uFFFD") ||
				len(ev.Error) > dealdesk.MaxInboxErrorLength || !dealdesk.ValidText(ev.Error) {
				t.Fatalf("mark failed: %+v, %v", ev, err)
			}
			_, err = db.MarkInboxEvent(ctx, first.ID, dealdesk.InboxReceived, "")
			wantField(t, err, "status")
			_, err = db.MarkInboxEvent(ctx, "evt_nope", dealdesk.InboxApplied, "")
			wantCode(t, err, dealdesk.ENOTFOUND)
			_, err = db.MarkInboxEvent(newOrg(t, db, "Globex"), first.ID, dealdesk.InboxApplied, "")
			wantCode(t, err, dealdesk.ENOTFOUND)
		})
		t.Run("the same event ID in another organization is another event", func(t *testing.T) {
			other := newOrg(t, db, "Initech")
			ev, created, err := db.StoreInboxEvent(other, eventBridgeEvent("ev-1"))
			if err != nil || !created || ev.ID == first.ID {
				t.Fatalf("other organization: %+v, %v, %v", ev, created, err)
			}
			_, err = db.FindInboxEventByID(other, first.ID)
			wantCode(t, err, dealdesk.ENOTFOUND)
		})
		t.Run("lists filter and page newest first without bodies", func(t *testing.T) {
			ctx := newOrg(t, db, "Lister")
			for i := range 5 {
				if _, _, err := db.StoreInboxEvent(ctx, eventBridgeEvent(fmt.Sprintf("list-%d", i))); err != nil {
					t.Fatal(err)
				}
			}
			if _, _, err := db.StoreInboxEvent(ctx, &dealdesk.InboxEvent{Channel: dealdesk.ChannelSNS, EventID: "sns-1", Body: []byte("{}")}); err != nil {
				t.Fatal(err)
			}
			var all []*dealdesk.InboxEvent
			f := dealdesk.InboxEventFilter{Channel: dealdesk.ChannelEventBridge, Limit: 2}
			for range 10 {
				page, next, err := db.FindInboxEvents(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				all = append(all, page...)
				if next == "" {
					break
				}
				f.Cursor = next
			}
			if len(all) != 5 || all[0].EventID != "list-4" || all[4].EventID != "list-0" {
				t.Fatalf("EventBridge events: %s", jsonOf(t, all))
			}
			for _, ev := range all {
				if ev.Body != nil || ev.BodySize == 0 {
					t.Fatalf("a listed event %+v", ev)
				}
			}
			received, _, err := db.FindInboxEvents(ctx, dealdesk.InboxEventFilter{Status: dealdesk.InboxReceived})
			if err != nil || len(received) != 6 {
				t.Fatalf("%d received events, %v", len(received), err)
			}
			_, _, err = db.FindInboxEvents(ctx, dealdesk.InboxEventFilter{Status: "LOST", Channel: "FAX", Cursor: "x"})
			wantField(t, err, "status")
			wantField(t, err, "channel")
			wantField(t, err, "cursor")
		})
	})
}

func TestConcurrentDeliveriesOfOneEvent(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, db *sqldb.DB, e engine) {
		ctx := newOrg(t, db, "Acme")
		const deliveries = 8
		var wg sync.WaitGroup
		var mu sync.Mutex
		var created int
		ids := map[string]bool{}
		errs := make(chan error, deliveries)
		for range deliveries {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ev, ok, err := db.StoreInboxEvent(ctx, eventBridgeEvent("ev-dup"))
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				defer mu.Unlock()
				ids[ev.ID] = true
				if ok {
					created++
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("delivery: %v", err)
		}
		if created != 1 || len(ids) != 1 {
			t.Fatalf("%d deliveries created the event, %d IDs returned", created, len(ids))
		}
		if n := count(t, db, "inbox_events", ""); n != 1 {
			t.Fatalf("%d events stored", n)
		}
		if jobs := applyJobs(t, db); len(jobs) != 1 {
			t.Fatalf("%d apply jobs", len(jobs))
		}
	})
}
