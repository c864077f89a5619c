package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/web"
)

// devSimulator is the console's web.Simulator under `dealdesk dev`: it plays the reseller and
// the buyer through the simulator's control API (/_sim/) at url.
type devSimulator struct {
	url    string
	client *http.Client
}

var _ web.Simulator = (*devSimulator)(nil)

// newDevSimulator returns the console's simulator of the simulator at simURL.
func newDevSimulator(simURL string) *devSimulator {
	return &devSimulator{url: strings.TrimSuffix(simURL, "/"), client: &http.Client{Timeout: 15 * time.Second}}
}

// ResellerCreatesOffer posts /_sim/resellers/{reseller}/offers: the reseller makes and releases
// a CPPO offer from the resale authorization to buyers, until expiry, without markup.
func (s *devSimulator) ResellerCreatesOffer(ctx context.Context, resaleAuthorizationID, reseller string, buyers []string, expiry dealdesk.Date) (string, error) {
	var out struct {
		OfferID string `json:"offerId"`
	}
	err := s.call(ctx, "/_sim/resellers/"+url.PathEscape(reseller)+"/offers", map[string]any{
		"resaleAuthorizationId": resaleAuthorizationID, "buyerAccountIds": buyers, "expiryDate": expiry.String()}, &out)
	if err == nil && out.OfferID == "" {
		err = fmt.Errorf("the simulator answered no offerId")
	}
	return out.OfferID, err
}

// BuyerAccepts posts /_sim/buyers/{buyer}/accept {"offerId", "acceptanceTime"}: the buyer
// accepts the offer as of acceptedAt (the agreement starts then; the simulator refuses a time
// in the future or outside its metering window).
func (s *devSimulator) BuyerAccepts(ctx context.Context, buyer, offerID string, acceptedAt time.Time) error {
	return s.call(ctx, "/_sim/buyers/"+url.PathEscape(buyer)+"/accept", map[string]any{"offerId": offerID,
		"acceptanceTime": acceptedAt.UTC().Format(time.RFC3339)}, nil)
}

// call posts body as JSON to the simulator's path and decodes its answer into out (nil:
// ignored); an answer other than 200 is an error holding the simulator's message.
func (s *devSimulator) call(ctx context.Context, path string, body, out any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url+path, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		return fmt.Errorf("reach the simulator: %w", err)
	}
	defer resp.Body.Close()
	rb, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("read the simulator's answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Code, Message string
			Fields        []struct{ Field, Message string }
		}
		if json.Unmarshal(rb, &e) == nil && e.Message != "" {
			msg := e.Code + ": " + e.Message
			for _, f := range e.Fields {
				msg += "; " + f.Field + " " + f.Message
			}
			return errors.New(msg)
		}
		return fmt.Errorf("%s: %s", resp.Status, bytes.TrimSpace(rb))
	}
	if out != nil {
		return json.Unmarshal(rb, out)
	}
	return nil
}
