package wire

import (
	"fmt"
	"net/http"
	"strings"
)

// Authentication error shapes AWS answers before it looks at a request's operation: a request
// without a signature, one whose Authorization header cannot be read, and one signed for another
// region or service. They are front-end errors that no service model declares, so the SDKs
// surface them as generic API errors carrying these codes.
const (
	MissingAuthenticationToken = "MissingAuthenticationTokenException"
	IncompleteSignature        = "IncompleteSignatureException"
	InvalidSignature           = "InvalidSignatureException"
)

// sqsAuthCodes are the legacy (awsQuery) codes SQS reports for the authentication errors in its
// x-amzn-query-error header, which the SQS SDKs read in place of __type.
var sqsAuthCodes = map[string]string{
	MissingAuthenticationToken: "MissingAuthenticationToken",
	IncompleteSignature:        "IncompleteSignature",
	InvalidSignature:           "SignatureDoesNotMatch",
}

// Scope is the credential scope a request was signed with: the Credential parameter of a
// SigV4 Authorization header, `AKID/yyyymmdd/region/service/aws4_request`, or of a SigV4a one,
// `AKID/yyyymmdd/service/aws4_request` with the regions in the X-Amz-Region-Set header.
type Scope struct {
	AccessKeyID string
	Date        string   // yyyymmdd
	Regions     []string // one region for SigV4; the region set (possibly "*") for SigV4a
	Service     string   // the signing name, e.g. "aws-marketplace" or "sqs"
}

// Signing algorithms of the Authorization header.
const (
	algSigV4  = "AWS4-HMAC-SHA256"
	algSigV4a = "AWS4-ECDSA-P256-SHA256"
)

// ParseScope reads the credential scope of r from its Authorization header, or from the
// X-Amz-Credential query parameter of a presigned request. A request with neither is a
// *RequestError of type MissingAuthenticationToken; a header that is not a SigV4 or SigV4a
// signature with a well-formed Credential is one of type IncompleteSignature. The signature
// itself is not verified: the simulator has no secrets to verify it with.
func ParseScope(r *http.Request) (Scope, error) {
	auth := strings.TrimSpace(r.Header.Get("Authorization"))
	if auth == "" {
		cred := r.URL.Query().Get("X-Amz-Credential")
		if cred == "" {
			return Scope{}, authError(MissingAuthenticationToken, "Request is missing Authentication Token")
		}
		alg := r.URL.Query().Get("X-Amz-Algorithm")
		return parseCredential(alg, cred, r.Header.Get("X-Amz-Region-Set"))
	}
	alg, params, _ := strings.Cut(auth, " ")
	if alg != algSigV4 && alg != algSigV4a {
		return Scope{}, authError(IncompleteSignature, fmt.Sprintf("Authorization header must use %s or %s, got %.40q", algSigV4, algSigV4a, alg))
	}
	for _, p := range strings.Split(params, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if ok && k == "Credential" {
			return parseCredential(alg, v, r.Header.Get("X-Amz-Region-Set"))
		}
	}
	return Scope{}, authError(IncompleteSignature, "Authorization header requires 'Credential' parameter.")
}

// parseCredential splits a Credential value of algorithm alg.
func parseCredential(alg, cred, regionSet string) (Scope, error) {
	parts := strings.Split(cred, "/")
	bad := authError(IncompleteSignature, fmt.Sprintf("Credential %.200q is not AKID/date/region/service/aws4_request.", cred))
	switch {
	case alg == algSigV4a && len(parts) == 4 && parts[3] == "aws4_request":
		var regions []string
		for _, r := range strings.Split(regionSet, ",") {
			if r = strings.TrimSpace(r); r != "" {
				regions = append(regions, r)
			}
		}
		if len(regions) == 0 {
			return Scope{}, authError(IncompleteSignature, "A SigV4a request requires the X-Amz-Region-Set header.")
		}
		return Scope{AccessKeyID: parts[0], Date: parts[1], Regions: regions, Service: parts[2]}, checkDate(parts[1], bad)
	case alg != algSigV4a && len(parts) == 5 && parts[4] == "aws4_request":
		return Scope{AccessKeyID: parts[0], Date: parts[1], Regions: []string{parts[2]}, Service: parts[3]}, checkDate(parts[1], bad)
	}
	return Scope{}, bad
}

// checkDate returns bad unless date is eight digits.
func checkDate(date string, bad error) error {
	if len(date) != 8 {
		return bad
	}
	for _, c := range date {
		if c < '0' || c > '9' {
			return bad
		}
	}
	return nil
}

// CheckScope checks that r is signed for region and service (its SigV4 signing name). It returns
// nil when it is, else the *RequestError AWS answers: MissingAuthenticationToken,
// IncompleteSignature, or InvalidSignature with AWS's "Credential should be scoped to …" message.
// An empty service skips the service check.
func CheckScope(r *http.Request, region, service string) error {
	sc, err := ParseScope(r)
	if err != nil {
		return err
	}
	if service != "" && sc.Service != service {
		return authError(InvalidSignature, fmt.Sprintf("Credential should be scoped to correct service: '%s'. ", service))
	}
	for _, reg := range sc.Regions {
		if reg == region || reg == "*" {
			return nil
		}
	}
	return authError(InvalidSignature, fmt.Sprintf("Credential should be scoped to a valid region, not '%.40s'. ", strings.Join(sc.Regions, ",")))
}

func authError(typ, msg string) *RequestError {
	return &RequestError{Status: http.StatusForbidden, Type: typ, Message: msg}
}

// SigningName returns the SigV4 signing name of a service shape the simulator serves
// ("aws-marketplace" for the Marketplace services, "sqs" for SQS; the names the SDK clients sign
// with), or "" for an unknown shape.
func SigningName(service string) string {
	switch service {
	case "AWSMPSeymour", "AWSMPMeteringService", "AWSMPEntitlementService", "AWSMPCommerceService_v20200301":
		return "aws-marketplace"
	case "AmazonSQS":
		return "sqs"
	}
	return ""
}

// WriteAuthError answers a request CheckScope refused, in c's protocol: restJson1 with 403 and
// X-Amzn-ErrorType (as AWS's REST front end does), the RPC protocols with 400 and __type (as its
// JSON front end does); SQS also gets the legacy code in x-amzn-query-error.
func WriteAuthError(w http.ResponseWriter, c Call, re *RequestError) {
	if c.Protocol == RestJSON1 || c.Protocol == 0 {
		WriteRESTError(w, http.StatusForbidden, re.Type, re.Message)
		return
	}
	var h http.Header
	if c.Service == "AmazonSQS" {
		h = http.Header{"X-Amzn-Query-Error": []string{sqsAuthCodes[re.Type] + ";Sender"}}
	}
	WriteErrorHeader(w, c, http.StatusBadRequest, re.Type, re.Message, nil, h)
}
