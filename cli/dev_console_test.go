package cli

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/sim"
)

// TestDevSimulator_RefusalsCarryTheSimulatorsReasons runs the console's simulator client
// against a real simulator: what the simulator refuses comes back as an error naming its code
// and reason (which the console shows), never as a success.
func TestDevSimulator_RefusalsCarryTheSimulatorsReasons(t *testing.T) {
	t.Parallel()
	s, err := sim.New(sim.Config{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(func() { srv.Close(); _ = s.Close() })
	seed := sim.DemoSeed()
	ds := newDevSimulator(srv.URL + "/")
	ctx := context.Background()
	expiry := dealdesk.DateOf(time.Now().AddDate(0, 1, 0))

	id, err := ds.ResellerCreatesOffer(ctx, "resaleauthz-none", seed.Resellers[0].AccountID, []string{seed.Buyers[0].AccountID}, expiry)
	if err == nil || id != "" || !strings.Contains(err.Error(), "RESOURCE_NOT_FOUND") || !strings.Contains(err.Error(), "resaleauthz-none") {
		t.Errorf("an unknown resale authorization: %q, %v; want the simulator's RESOURCE_NOT_FOUND", id, err)
	}
	_, err = ds.ResellerCreatesOffer(ctx, "resaleauthz-none", "000000000000", []string{"bad"}, expiry)
	if err == nil || !strings.Contains(err.Error(), "buyerAccountIds[0]") {
		t.Errorf("a bad buyer: %v; want the simulator's field", err)
	}
	if err := ds.BuyerAccepts(ctx, seed.Buyers[0].AccountID, "offer-none", time.Now()); err == nil || !strings.Contains(err.Error(), "offer-none") {
		t.Errorf("an unknown offer: %v; want the simulator's refusal", err)
	}
}
