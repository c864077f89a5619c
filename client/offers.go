package client

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"

	"github.com/dealdesk/dealdesk"
)

// maxChainAnswerBytes bounds the answer of GET /offers/{id}/chain: a deal's offers,
// entitlements and timeline have no fixed bound, so it gets the batch answer's room.
const maxChainAnswerBytes = maxBatchAnswerBytes

// FindOffers lists the organization's offers, newest first (GET /offers), one page of f.Limit
// (the server's default when 0), and the next page's cursor ("" on the last page). EINVALID
// names an unknown type or status, a filter that is not text, a nameContains too long, or a
// cursor this list did not return.
func (c *Client) FindOffers(ctx context.Context, f dealdesk.OfferFilter) ([]*dealdesk.Offer, string, error) {
	var page struct {
		Items      []*dealdesk.Offer `json:"items"`
		NextCursor string            `json:"nextCursor"`
	}
	if _, err := c.send(ctx, http.MethodGet, "/offers", offerQuery(f), nil, &page, maxAnswerBytes); err != nil {
		return nil, "", err
	}
	return page.Items, page.NextCursor, nil
}

// FindOffersJSON is FindOffers answering the page as the API wrote it
// ({"items":[...],"nextCursor":"..."}), for callers that pass it on, and its next cursor.
func (c *Client) FindOffersJSON(ctx context.Context, f dealdesk.OfferFilter) (json.RawMessage, string, error) {
	var raw json.RawMessage
	if _, err := c.send(ctx, http.MethodGet, "/offers", offerQuery(f), nil, &raw, maxAnswerBytes); err != nil {
		return nil, "", err
	}
	var page struct {
		NextCursor string `json:"nextCursor"`
	}
	if err := json.Unmarshal(raw, &page); err != nil {
		return nil, "", err
	}
	return raw, page.NextCursor, nil
}

// FindOfferChain returns a deal whole (GET /offers/{id}/chain): the opportunity id is, or the
// one the CPPO offer id was made from (Opportunity is nil while that is not known), its CPPO
// offers, their entitlements and the timeline, oldest first. ENOTFOUND unless id is an offer
// of the organization's.
func (c *Client) FindOfferChain(ctx context.Context, id string) (*dealdesk.OfferChain, error) {
	var chain dealdesk.OfferChain
	if _, err := c.send(ctx, http.MethodGet, "/offers/"+url.PathEscape(id)+"/chain", nil, nil, &chain, maxChainAnswerBytes); err != nil {
		return nil, err
	}
	return &chain, nil
}

// FindOfferChainJSON is FindOfferChain answering the chain as the API wrote it.
func (c *Client) FindOfferChainJSON(ctx context.Context, id string) (json.RawMessage, error) {
	var raw json.RawMessage
	if _, err := c.send(ctx, http.MethodGet, "/offers/"+url.PathEscape(id)+"/chain", nil, nil, &raw, maxChainAnswerBytes); err != nil {
		return nil, err
	}
	return raw, nil
}

// offerQuery returns the query of an offer list: f's set fields under the API's names.
func offerQuery(f dealdesk.OfferFilter) url.Values {
	q := url.Values{}
	for k, v := range map[string]string{"type": string(f.Type), "status": string(f.Status), "productId": f.ProductID,
		"resellerAccountId": f.ResellerAccountID, "opportunityId": f.OpportunityID, "nameContains": f.NameContains, "cursor": f.Cursor} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if f.Limit > 0 {
		q.Set("limit", strconv.Itoa(f.Limit))
	}
	return q
}
