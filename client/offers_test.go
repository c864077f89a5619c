package client_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/client"
)

// postDraft stores a draft opportunity named name through the API and returns its ID.
func postDraft(t *testing.T, apiURL, key, name string) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, apiURL+"/offers?draft=true", strings.NewReader(`{"type":"CPPO_OUT","name":"`+name+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var o struct{ ID string }
	if err := json.NewDecoder(resp.Body).Decode(&o); err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST /offers: %d, %v", resp.StatusCode, err)
	}
	return o.ID
}

func TestClientOffers(t *testing.T) {
	t.Parallel()
	apiURL, key := startServe(t)
	ctx := context.Background()
	c, err := client.New(apiURL, key, nil)
	if err != nil {
		t.Fatal(err)
	}
	var made []string // newest first, as the API lists them
	for i := range 3 {
		made = slices.Insert(made, 0, postDraft(t, apiURL, key, fmt.Sprintf("Deal %d", i)))
	}

	t.Run("pages follow one another to the end", func(t *testing.T) {
		var got []string
		f := dealdesk.OfferFilter{Limit: 2}
		for pages := 0; ; pages++ {
			offers, next, err := c.FindOffers(ctx, f)
			if err != nil || pages > 3 {
				t.Fatalf("FindOffers(%+v) = %v after %d pages", f, err, pages)
			}
			for _, o := range offers {
				got = append(got, o.ID)
			}
			if next == "" {
				break
			}
			f.Cursor = next
		}
		if !slices.Equal(got, made) {
			t.Fatalf("listed %v, want %v", got, made)
		}
	})
	t.Run("filters are sent", func(t *testing.T) {
		offers, next, err := c.FindOffers(ctx, dealdesk.OfferFilter{NameContains: "deal 1", Status: dealdesk.OfferDraft, Type: dealdesk.OfferCPPOOut})
		if err != nil || next != "" || len(offers) != 1 || offers[0].ID != made[1] || offers[0].Name != "Deal 1" {
			t.Fatalf("FindOffers(name Deal 1) = %+v, %q, %v; want %s", offers, next, err, made[1])
		}
	})
	t.Run("the JSON page is the API's", func(t *testing.T) {
		raw, next, err := c.FindOffersJSON(ctx, dealdesk.OfferFilter{Limit: 1})
		var page struct {
			Items      []struct{ ID string }
			NextCursor string
		}
		if err != nil || json.Unmarshal(raw, &page) != nil || len(page.Items) != 1 || page.Items[0].ID != made[0] || next == "" || next != page.NextCursor {
			t.Fatalf("FindOffersJSON = %s, %q, %v", raw, next, err)
		}
	})
	t.Run("a bad filter names its field", func(t *testing.T) {
		_, _, err := c.FindOffers(ctx, dealdesk.OfferFilter{Status: "SOLD"})
		fields := dealdesk.ErrorFields(err)
		if dealdesk.ErrorCode(err) != dealdesk.EINVALID || len(fields) != 1 || fields[0].Field != "status" {
			t.Fatalf("FindOffers(status SOLD) = %v (%+v), want invalid naming status", err, fields)
		}
	})
	t.Run("a chain", func(t *testing.T) {
		chain, err := c.FindOfferChain(ctx, made[2])
		if err != nil || chain.Opportunity == nil || chain.Opportunity.ID != made[2] || len(chain.Offers) != 0 || len(chain.Entitlements) != 0 {
			t.Fatalf("FindOfferChain = %+v, %v", chain, err)
		}
		raw, err := c.FindOfferChainJSON(ctx, made[2])
		if err != nil || !strings.Contains(string(raw), `"id":"`+made[2]+`"`) || !strings.Contains(string(raw), `"offers":[]`) {
			t.Fatalf("FindOfferChainJSON = %s, %v", raw, err)
		}
	})
	t.Run("another's or no offer is not found", func(t *testing.T) {
		for _, id := range []string{"off_nope", "a/b", ""} {
			if _, err := c.FindOfferChain(ctx, id); dealdesk.ErrorCode(err) != dealdesk.ENOTFOUND {
				t.Errorf("FindOfferChain(%q) = %v, want not_found", id, err)
			}
			if _, err := c.FindOfferChainJSON(ctx, id); dealdesk.ErrorCode(err) != dealdesk.ENOTFOUND {
				t.Errorf("FindOfferChainJSON(%q) = %v, want not_found", id, err)
			}
		}
	})
}
