package http

import (
	"net/http"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/inbound"
)

// handleEventBridgeHook takes an event from an EventBridge API destination:
// POST /hooks/aws/eventbridge/{orgKey}, no API key. The header dealdesk.InboundSecretHeader
// must carry the organization's EventBridge secret (compared in constant time); a missing or
// wrong one is 401 and nothing is stored. The body (at most dealdesk.MaxInboxBodyBytes, 413
// above) is stored raw once per event ID, and processed later by an ApplyEventJob: the answer
// is 202 for a new event and for a redelivery alike. A body that is not an EventBridge event is
// stored MALFORMED and answered 400, which EventBridge does not retry (it retries 429 and 5xx
// only); a well-formed event of a kind dealdesk does not handle, or for another AWS account than
// the organization's seller account, is stored UNKNOWN and not applied (decisions 016, 022).
func (s *Server) handleEventBridgeHook(w http.ResponseWriter, r *http.Request) {
	if err := newQuery(r).err(); err != nil { // AWS adds no query parameters
		s.error(w, r, err)
		return
	}
	if err := checkContentLength(r, dealdesk.MaxInboxBodyBytes); err != nil {
		s.error(w, r, err)
		return
	}
	ep, ctx, err := s.hookOrg(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	if !ep.CheckSecret(r.Header.Get(dealdesk.InboundSecretHeader)) {
		s.error(w, r, dealdesk.Errorf(dealdesk.EUNAUTHORIZED, "The header %s must carry this endpoint's EventBridge secret.",
			dealdesk.InboundSecretHeader))
		return
	}
	body, err := readHookBody(w, r, dealdesk.MaxInboxBodyBytes)
	if err != nil {
		s.error(w, r, err)
		return
	}
	in := &dealdesk.InboxEvent{Channel: dealdesk.ChannelEventBridge, Body: body}
	ev, parseErr := inbound.ParseEventBridge(body)
	if parseErr != nil {
		in.EventID, in.Status, in.Error = bodyEventID(body), dealdesk.InboxMalformed, dealdesk.ErrorMessage(parseErr)
		s.storeHookEvent(w, r, ctx, in, dealdesk.Errorf(dealdesk.EMALFORMED, "%s (stored as %s).",
			dealdesk.ErrorMessage(parseErr), dealdesk.InboxMalformed))
		return
	}
	seller, err := s.sellerAccount(ctx)
	if err != nil {
		s.error(w, r, err)
		return
	}
	markParsed(in, ev, seller)
	s.storeHookEvent(w, r, ctx, in, nil)
}
