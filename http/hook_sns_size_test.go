package http_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/inbound"
	"github.com/dealdesk/dealdesk/sim/eventbus"
	"github.com/dealdesk/dealdesk/sqldb/sqldbtest"
)

// TestSNSHookLargeMessage (review F14): SNS carries messages of up to 256 KiB, which JSON
// escaping inside the signed envelope grows beyond 256 KiB. A ~250 KiB EventBridge event
// through the SNS hook is stored whole and queued; a body over the hook's bound
// (inbound.MaxBodyBytes) is 413 with a problem naming the bound, and nothing is stored.
func TestSNSHookLargeMessage(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		h := newHookEnv(t, engine)
		topic := "arn:aws:sns:us-east-1:111122223333:" + eventbus.DefaultTopicName
		path := hookPath(h.ep.SNSURL)
		// An event of ~250 KiB made of short strings: each one's quotes are escaped in the
		// envelope, as SNS escapes them.
		pad := strings.TrimSuffix(strings.Repeat(`"abcdef",`, 250<<10/9), ",")
		event := fmt.Sprintf(`{"version":"0","id":"big-1","detail-type":"Change Set Succeeded","source":"aws.marketplacecatalog",`+
			`"account":"111122223333","time":%q,"region":"us-east-1","resources":[],"detail":{"ChangeSetId":"cs-big","Notes":[%s]}}`,
			time.Now().UTC().Format(time.RFC3339), pad)
		if len(event) < 249<<10 || len(event) > 256<<10 {
			t.Fatalf("the event has %d bytes, want about 250 KiB", len(event))
		}
		body := h.signer.notification(t, "sns-big-1", topic, event)
		if len(body) <= dealdesk.MaxInboxBodyBytes {
			t.Fatalf("the envelope has %d bytes: the test wants one larger than 256 KiB", len(body))
		}

		t.Run("a 250 KiB message is stored whole and queued", func(t *testing.T) {
			var a struct {
				InboxEventID string               `json:"inboxEventId"`
				Status       dealdesk.InboxStatus `json:"status"`
			}
			h.in(t).do(req{method: "POST", path: path, body: body}).want(t, 202).decode(t, &a)
			got, err := h.db.FindInboxEventByID(h.ctxA(), a.InboxEventID)
			if err != nil {
				t.Fatal(err)
			}
			if got.EventID != "big-1" || got.Status != dealdesk.InboxReceived || !bytes.Equal(got.Body, body) || h.applyJobs(t) != 1 {
				t.Fatalf("stored %s %s, %d of %d bytes, %d jobs: want the event RECEIVED, whole, with its job",
					got.EventID, got.Status, len(got.Body), len(body), h.applyJobs(t))
			}
			ev, err := inbound.ParseSQSBody(got.Body) // as the apply job reads it
			if err != nil || ev.ID != "big-1" {
				t.Fatalf("the stored body reads as %+v, %v", ev, err)
			}
		})
		t.Run("a body over the bound is 413 and nothing is stored", func(t *testing.T) {
			before := len(h.inbox(t))
			huge := strings.Repeat(`"abcdef",`, inbound.MaxBodyBytes/9)
			big := h.signer.notification(t, "sns-big-2", topic, `{"id":"big-2","pad":[`+huge+`"x"]}`)
			r := h.in(t).do(req{method: "POST", path: path, body: big, bad: true}).want(t, 413)
			var p struct {
				Detail string `json:"detail"`
			}
			if err := json.Unmarshal(r.body, &p); err != nil || !strings.Contains(p.Detail, fmt.Sprint(inbound.MaxBodyBytes)) {
				t.Fatalf("413 answer %s: want a problem naming the bound of %d bytes", r.body, inbound.MaxBodyBytes)
			}
			if len(h.inbox(t)) != before {
				t.Fatal("a body over the bound was stored")
			}
		})
	})
}
