package wire_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/dealdesk/dealdesk/sim/wire"
)

func TestCheckScopeReadsEverySignatureForm(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		auth      string // Authorization header
		query     string // raw query of a presigned request
		regionSet string // X-Amz-Region-Set
		wantType  string // "" = accepted
	}{
		{"sigv4 for the region and service", "AWS4-HMAC-SHA256 Credential=AKID/20261126/us-east-1/aws-marketplace/aws4_request, SignedHeaders=host, Signature=ab", "", "", ""},
		{"sigv4 for another region", "AWS4-HMAC-SHA256 Credential=AKID/20261126/eu-west-1/aws-marketplace/aws4_request, SignedHeaders=host, Signature=ab", "", "", wire.InvalidSignature},
		{"sigv4 for another service", "AWS4-HMAC-SHA256 Credential=AKID/20261126/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=ab", "", "", wire.InvalidSignature},
		{"sigv4a with the region in its set", "AWS4-ECDSA-P256-SHA256 Credential=AKID/20261126/aws-marketplace/aws4_request, SignedHeaders=host, Signature=ab", "", "eu-west-1,us-east-1", ""},
		{"sigv4a for every region", "AWS4-ECDSA-P256-SHA256 Credential=AKID/20261126/aws-marketplace/aws4_request, Signature=ab", "", "*", ""},
		{"sigv4a for other regions", "AWS4-ECDSA-P256-SHA256 Credential=AKID/20261126/aws-marketplace/aws4_request, Signature=ab", "", "eu-west-1", wire.InvalidSignature},
		{"sigv4a without a region set", "AWS4-ECDSA-P256-SHA256 Credential=AKID/20261126/aws-marketplace/aws4_request, Signature=ab", "", "", wire.IncompleteSignature},
		{"presigned", "", "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20261126%2Fus-east-1%2Faws-marketplace%2Faws4_request", "", ""},
		{"presigned for another region", "", "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20261126%2Fus-west-2%2Faws-marketplace%2Faws4_request", "", wire.InvalidSignature},
		{"no signature", "", "", "", wire.MissingAuthenticationToken},
		{"another scheme", "Basic dXNlcjpwYXNz", "", "", wire.IncompleteSignature},
		{"no credential", "AWS4-HMAC-SHA256 SignedHeaders=host, Signature=ab", "", "", wire.IncompleteSignature},
		{"short credential", "AWS4-HMAC-SHA256 Credential=AKID/us-east-1/aws-marketplace/aws4_request, Signature=ab", "", "", wire.IncompleteSignature},
		{"bad date", "AWS4-HMAC-SHA256 Credential=AKID/2026-11-2/us-east-1/aws-marketplace/aws4_request, Signature=ab", "", "", wire.IncompleteSignature},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(http.MethodGet, "/DescribeEntity?"+tc.query, nil)
			if tc.auth != "" {
				r.Header.Set("Authorization", tc.auth)
			}
			if tc.regionSet != "" {
				r.Header.Set("X-Amz-Region-Set", tc.regionSet)
			}
			err := wire.CheckScope(r, "us-east-1", "aws-marketplace")
			if tc.wantType == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var re *wire.RequestError
			if !errors.As(err, &re) || re.Type != tc.wantType {
				t.Fatalf("got %v, want %s", err, tc.wantType)
			}
		})
	}
}

func TestSigningNamesAreTheSDKs(t *testing.T) {
	t.Parallel()
	// The signing names of aws-sdk-go-v2's clients (auth.go of each service module).
	want := map[string]string{"AWSMPSeymour": "aws-marketplace", "AWSMPMeteringService": "aws-marketplace",
		"AWSMPEntitlementService": "aws-marketplace", "AWSMPCommerceService_v20200301": "aws-marketplace", "AmazonSQS": "sqs", "Other": ""}
	for shape, name := range want {
		if got := wire.SigningName(shape); got != name {
			t.Errorf("SigningName(%s) = %q, want %q", shape, got, name)
		}
	}
}

func TestErrorMessagesAreCutAtAWSsLimit(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", wire.MaxMessageLength+10)
	for _, p := range []wire.Protocol{wire.RestJSON1, wire.AWSJSON11} {
		w := httptest.NewRecorder()
		wire.WriteError(w, wire.Call{Protocol: p, Service: "AWSMPMeteringService"}, 400, "ValidationException", long, nil)
		body := w.Body.String()
		n := strings.Count(body, "é")
		if n != wire.MaxMessageLength-1 || !strings.Contains(body, "…") {
			t.Errorf("%s: message of %d characters kept %d, want %d and a closing …", p, utf8.RuneCountInString(long), n, wire.MaxMessageLength-1)
		}
	}
}
