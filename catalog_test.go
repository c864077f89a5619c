package dealdesk_test

import (
	"errors"
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/dealdesk/dealdesk"
)

func TestRetryable(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		err  error
		want bool
	}{
		{"retryable AWS error", &dealdesk.AWSError{Code: "ThrottlingException", Retryable: true}, true},
		{"wrapped", fmt.Errorf("publish: %w", &dealdesk.AWSError{Code: "ResourceInUseException", Status: 423, Retryable: true}), true},
		{"terminal AWS error", &dealdesk.AWSError{Code: "ValidationException", Status: 422}, false},
		{"other error", errors.New("boom"), false},
		{"nil", nil, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := dealdesk.Retryable(tc.err); got != tc.want {
				t.Errorf("Retryable(%v) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
}

// TestTokensAreValidClientRequestTokens: tokens of the longest offer IDs fit AWS's 1..64
// printable ASCII, and differ per attempt.
func TestTokensAreValidClientRequestTokens(t *testing.T) {
	t.Parallel()
	id := dealdesk.NewID(dealdesk.PrefixOffer, time.Now())
	pattern := regexp.MustCompile(`^[!-~]{1,64}$`)
	a, b, r := dealdesk.PublishToken(id, 1), dealdesk.PublishToken(id, 60), dealdesk.RestrictToken(id)
	for _, tok := range []string{a, b, r} {
		if !pattern.MatchString(tok) {
			t.Errorf("token %q is not 1..64 printable ASCII", tok)
		}
	}
	if a == b || a == r || a != dealdesk.PublishToken(id, 1) {
		t.Errorf("tokens %q %q %q: want one per attempt, stable", a, b, r)
	}
}

func TestChangeSetStatusEnded(t *testing.T) {
	t.Parallel()
	for s, want := range map[dealdesk.ChangeSetStatus]bool{dealdesk.ChangeSetPreparing: false, dealdesk.ChangeSetApplying: false,
		dealdesk.ChangeSetSucceeded: true, dealdesk.ChangeSetFailed: true, dealdesk.ChangeSetCancelled: true} {
		if s.Ended() != want {
			t.Errorf("%s.Ended() = %v, want %v", s, !want, want)
		}
	}
}

func TestChangeSetResultFieldErrors(t *testing.T) {
	t.Parallel()
	r := &dealdesk.ChangeSetResult{Errors: []dealdesk.ChangeSetError{
		{Field: "dimensionPrices[1].price", Code: "INVALID_RATE_CARD", Message: "bad"},
		{Field: "", Code: "INCOMPATIBLE_STATUS", Message: "released"},
	}}
	got := r.FieldErrors()
	if len(got) != 2 || got[0].Field != "dimensionPrices[1].price" || got[0].Message != "INVALID_RATE_CARD: bad" || got[1].Field != "opportunity" {
		t.Fatalf("FieldErrors = %+v", got)
	}
}

func TestResaleAuthorizationUsed(t *testing.T) {
	t.Parallel()
	cases := []struct {
		ra   dealdesk.ResaleAuthorization
		want bool
	}{
		{dealdesk.ResaleAuthorization{OfferExtendedState: "Completed-Used"}, true},
		{dealdesk.ResaleAuthorization{OneTime: true, OfferCreatedCount: 1}, true},
		{dealdesk.ResaleAuthorization{OneTime: false, OfferCreatedCount: 3, OfferExtendedState: "Completed-Usable"}, false},
		{dealdesk.ResaleAuthorization{OneTime: true, OfferExtendedState: "Not Started"}, false},
	}
	for _, tc := range cases {
		if got := tc.ra.Used(); got != tc.want {
			t.Errorf("%+v.Used() = %v, want %v", tc.ra, got, tc.want)
		}
	}
}
