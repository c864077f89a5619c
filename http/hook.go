package http

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/inbound"
)

// hookAnswer is the body of a webhook's answer: the stored event and whether this delivery
// stored it (false for a redelivery of an event stored already).
type hookAnswer struct {
	InboxEventID string               `json:"inboxEventId"`
	EventID      string               `json:"eventId"`
	Status       dealdesk.InboxStatus `json:"status"`
	Created      bool                 `json:"created"`
}

// hookOrg finds the endpoint of the path's orgKey and returns it with a context of its
// organization, which the request log line reports too. An unknown key is ENOTFOUND.
func (s *Server) hookOrg(r *http.Request) (*dealdesk.InboundEndpoint, context.Context, error) {
	ep, err := s.cfg.InboundEndpoints.FindInboundEndpointByKey(r.Context(), r.PathValue("orgKey"))
	if err != nil {
		return nil, nil, err
	}
	if info := requestInfoFrom(r.Context()); info != nil {
		info.orgID = ep.OrgID
	}
	return ep, dealdesk.NewContextWithOrgID(r.Context(), ep.OrgID), nil
}

// checkContentLength refuses a body whose declared length is over limit (ETOOLARGE) before
// anything else is done for it; readHookBody bounds a body of unknown length.
func checkContentLength(r *http.Request, limit int64) error {
	if r.ContentLength > limit {
		return dealdesk.Errorf(dealdesk.ETOOLARGE, "The request body is larger than %d bytes.", limit)
	}
	return nil
}

// readHookBody reads a webhook's body, at most limit bytes (ETOOLARGE above; EMALFORMED when
// empty).
func readHookBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return nil, dealdesk.Errorf(dealdesk.ETOOLARGE, "The request body is larger than %d bytes.", limit)
		}
		return nil, dealdesk.Errorf(dealdesk.EMALFORMED, "The request body could not be read.")
	}
	if len(body) == 0 {
		return nil, dealdesk.Errorf(dealdesk.EMALFORMED, "The request body is empty: an event is expected.")
	}
	return body, nil
}

// bodyEventID is the event ID of a body whose sender's ID cannot be read: its top-level "id"
// when it is a JSON object with a usable one, else "sha256:" and the hex SHA-256 of the body,
// so that the same malformed body delivered twice is stored once.
func bodyEventID(body []byte) string {
	var probe struct {
		ID any `json:"id"`
	}
	if json.Unmarshal(body, &probe) == nil {
		if id, ok := probe.ID.(string); ok && id != "" && len(id) <= dealdesk.MaxExternalIDLength && dealdesk.ValidText(id) {
			return id
		}
	}
	sum := sha256.Sum256(body)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// storeHookEvent stores ev in the organization of ctx and answers: 202 with the stored event,
// or, when refusal is not nil (the body is malformed), refusal once the event is stored, so the
// sender does not retry what will never be read.
func (s *Server) storeHookEvent(w http.ResponseWriter, r *http.Request, ctx context.Context, ev *dealdesk.InboxEvent, refusal error) {
	stored, created, err := s.cfg.Inbox.StoreInboxEvent(ctx, ev)
	if err != nil {
		s.error(w, r, err)
		return
	}
	if refusal != nil {
		s.error(w, r, refusal)
		return
	}
	s.writeJSON(w, r, http.StatusAccepted, hookAnswer{InboxEventID: stored.ID, EventID: stored.EventID, Status: stored.Status, Created: created})
}

// sellerAccount returns the seller account of the organization of ctx, "" when it has no AWS
// connection.
func (s *Server) sellerAccount(ctx context.Context) (string, error) {
	conn, err := s.cfg.AWSConnections.FindAWSConnection(ctx)
	switch {
	case err == nil:
		return conn.SellerAccountID, nil
	case dealdesk.ErrorCode(err) == dealdesk.ENOTFOUND:
		return "", nil
	default:
		return "", err
	}
}

// markParsed sets the event ID and status of in from the event parsed from it: RECEIVED (an
// ApplyEventJob will process it), UNKNOWN for a kind dealdesk does not handle, or UNKNOWN with
// the reason for an event of another AWS account than the organization's seller account, which
// is kept and never applied (inbound.ForeignAccount, review F13).
func markParsed(in *dealdesk.InboxEvent, ev *dealdesk.AWSEvent, sellerAccountID string) {
	in.EventID, in.Status = ev.ID, inboxStatus(ev.Kind)
	if why := inbound.ForeignAccount(ev, sellerAccountID); why != "" {
		in.Status, in.Error = dealdesk.InboxUnknown, why
	}
}

// inboxStatus is the status an event is stored with: UNKNOWN for a kind dealdesk has no
// handler for (kept, not processed), else RECEIVED (processed by an ApplyEventJob).
func inboxStatus(kind dealdesk.EventKind) dealdesk.InboxStatus {
	if kind == dealdesk.EventUnknown {
		return dealdesk.InboxUnknown
	}
	return dealdesk.InboxReceived
}
