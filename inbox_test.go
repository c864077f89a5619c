package dealdesk_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dealdesk/dealdesk"
)

func TestValidateInboxEvent(t *testing.T) {
	t.Parallel()
	valid := dealdesk.InboxEvent{Channel: dealdesk.ChannelEventBridge, EventID: "6f3b0f4e-1c2d-4e5f-8a9b-0c1d2e3f4a5b", Body: []byte(`{"id":"x"}`)}
	with := func(change func(*dealdesk.InboxEvent)) *dealdesk.InboxEvent {
		ev := valid
		change(&ev)
		return &ev
	}
	for _, tt := range []struct {
		name   string
		ev     *dealdesk.InboxEvent
		code   string
		fields []string
	}{
		{"an EventBridge event", &valid, "", nil},
		{"a body of exactly the limit", with(func(ev *dealdesk.InboxEvent) { ev.Body = bytes.Repeat([]byte("x"), dealdesk.MaxInboxBodyBytes) }), "", nil},
		{"a body that is not text is kept as it is", with(func(ev *dealdesk.InboxEvent) { ev.Body = []byte{0xff, 0x00, 0xfe} }), "", nil},
		{"a malformed event stored as such", with(func(ev *dealdesk.InboxEvent) { ev.Status, ev.Error = dealdesk.InboxMalformed, "not JSON" }), "", nil},
		{"a body over the limit is too large", with(func(ev *dealdesk.InboxEvent) { ev.Body = bytes.Repeat([]byte("x"), dealdesk.MaxInboxBodyBytes+1) }),
			dealdesk.ETOOLARGE, nil},
		{"an SNS envelope of 1 MiB is kept", with(func(ev *dealdesk.InboxEvent) {
			ev.Channel, ev.Body = dealdesk.ChannelSNS, bytes.Repeat([]byte("x"), dealdesk.MaxInboxEnvelopeBytes)
		}), "", nil},
		{"an SQS body over 1 MiB is too large", with(func(ev *dealdesk.InboxEvent) {
			ev.Channel, ev.Body = dealdesk.ChannelSQS, bytes.Repeat([]byte("x"), dealdesk.MaxInboxEnvelopeBytes+1)
		}), dealdesk.ETOOLARGE, nil},
		{"no channel, ID or body", &dealdesk.InboxEvent{}, dealdesk.EINVALID, []string{"body", "channel", "eventId"}},
		{"an ID that is not text", with(func(ev *dealdesk.InboxEvent) { ev.EventID = "a\x00b" }), dealdesk.EINVALID, []string{"eventId"}},
		{"an ID too long", with(func(ev *dealdesk.InboxEvent) { ev.EventID = strings.Repeat("i", 256) }), dealdesk.EINVALID, []string{"eventId"}},
		{"stored as applied before it was processed", with(func(ev *dealdesk.InboxEvent) { ev.Status = dealdesk.InboxApplied }), dealdesk.EINVALID,
			[]string{"status"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := dealdesk.ValidateInboxEvent(tt.ev)
			if got := dealdesk.ErrorCode(err); got != tt.code || !slices.Equal(fieldNames(err), tt.fields) {
				t.Fatalf("ValidateInboxEvent = %v; want code %q naming %v", err, tt.code, tt.fields)
			}
		})
	}
}

func TestValidateTimelineEntry(t *testing.T) {
	t.Parallel()
	at := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	valid := dealdesk.TimelineEntry{Kind: dealdesk.TimelineAccepted, At: at, Source: dealdesk.SourceEvent, SourceRef: "ev-1"}
	if err := dealdesk.ValidateTimelineEntry(valid, ""); err != nil {
		t.Fatalf("a valid entry: %v", err)
	}
	bad := dealdesk.TimelineEntry{Kind: "HAPPENED", Source: "RUMOUR", Summary: strings.Repeat("s", dealdesk.MaxTimelineSummaryLength+1)}
	want := []string{"happened[2].at", "happened[2].kind", "happened[2].source", "happened[2].sourceRef", "happened[2].summary"}
	if got := fieldNames(dealdesk.ValidateTimelineEntry(bad, "happened[2].")); !slices.Equal(got, want) {
		t.Fatalf("bad entry names %v, want %v", got, want)
	}
}

func TestTimelineKindsThatNotify(t *testing.T) {
	t.Parallel()
	var got []dealdesk.TimelineKind
	for _, k := range dealdesk.TimelineKinds {
		if k.Notifies() {
			got = append(got, k)
		}
	}
	// Issue 7: opportunity published or failed, partner offer created, buyer accepted,
	// entitlement ended, reconciliation repaired something; decision 021: a restriction failed;
	// issue 8: metering failed or expired.
	want := []dealdesk.TimelineKind{dealdesk.TimelinePublished, dealdesk.TimelinePublishFailed, dealdesk.TimelineRestrictFailed, dealdesk.TimelineCPPOOfferCreated,
		dealdesk.TimelineAccepted, dealdesk.TimelineEnded, dealdesk.TimelineRepaired, dealdesk.TimelineMeteringFailed}
	if !slices.Equal(got, want) {
		t.Fatalf("kinds that notify: %v, want %v", got, want)
	}
}
