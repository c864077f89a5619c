package sim

import (
	"errors"
	"net/http"

	"github.com/dealdesk/dealdesk/sim/eventbus"
)

// snsPath is where the simulator serves SNS's ConfirmSubscription, the SubscribeURL of the
// confirmations sns targets receive (docs/decisions/010-sns-subscription-confirmation.md).
const snsPath = "/_sim/sns"

// snsRoutes adds the SNS subscription routes to the control API: the SubscribeURL
// (GET /_sim/sns?Action=ConfirmSubscription&TopicArn=...&Token=..., answered in SNS's XML) and
// POST /_sim/events/targets/{name}/resend-confirmation, which sends a pending subscription's
// confirmation again.
func (s *Server) snsRoutes(m *http.ServeMux) {
	m.HandleFunc("GET "+snsPath, func(w http.ResponseWriter, r *http.Request) {
		if s.bus.ServeSNS(w, r) {
			s.markDirty()
		}
	})
	m.HandleFunc("POST /_sim/events/targets/{name}/resend-confirmation", s.ctl1(func(r *http.Request, _ []byte) (any, error) {
		subs, err := s.bus.ResendConfirmation(r.PathValue("name"))
		if errors.Is(err, eventbus.ErrNoSubscription) {
			return nil, ctlErr(http.StatusNotFound, "NOT_FOUND", err.Error())
		}
		if err != nil {
			return nil, err
		}
		s.markDirty()
		return map[string]any{"subscriptions": subs}, nil
	}))
}

// productCodes lists the product codes of the seed, whose legacy SNS topics sns targets
// subscribe to.
func (s Seed) productCodes() []string {
	codes := make([]string, len(s.Products))
	for i, p := range s.Products {
		codes[i] = p.ProductCode
	}
	return codes
}
