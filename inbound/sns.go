package inbound

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/dealdesk/dealdesk"
)

// Bounds of what SNS verification fetches.
const (
	// MaxCertificateBytes bounds a signing certificate (SNS's PEM files are about 2 KB).
	MaxCertificateBytes = 16 << 10
	// FetchTimeout bounds a certificate fetch and a confirmation request.
	FetchTimeout = 10 * time.Second
	// DefaultMaxCertificates is how many signing certificates are cached by default (SNS uses
	// one per region at a time, and rotates it rarely).
	DefaultMaxCertificates = 32
	// minRSABits is the smallest signing key accepted.
	minRSABits = 2048
)

// awsSNSHost matches the hosts SNS serves its signing certificates and SubscribeURLs from:
// sns.<region>.amazonaws.com, and sns.<region>.amazonaws.com.cn in the China regions (SNS
// Developer Guide "Verifying the signatures of Amazon SNS messages": the SigningCertURL must be
// from a trusted AWS domain).
var awsSNSHost = regexp.MustCompile(`^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$`)

// SNSConfig configures SNS. The zero value trusts only AWS's SNS hosts over HTTPS.
type SNSConfig struct {
	// AllowedOrigins are origins ("scheme://host[:port]", such as "http://127.0.0.1:4566" for
	// the simulator) trusted for signing certificates and SubscribeURLs in addition to AWS's
	// SNS hosts (https://sns.<region>.amazonaws.com[.cn]). An http origin is plain HTTP, which
	// lets anyone on the path swap the certificate: only for tests and local development.
	AllowedOrigins []string
	// AllowTopic, when set, reports whether messages of a topic are accepted; SNS recommends
	// rejecting unexpected TopicArns, since anyone can subscribe an endpoint to their own topic.
	// Nil accepts every topic.
	AllowTopic func(topicArn string) bool
	// HTTPClient fetches certificates and visits SubscribeURLs; nil uses one with FetchTimeout.
	// Redirects are never followed, whatever the client says.
	HTTPClient *http.Client
	// Now is the clock certificates' validity is checked against; nil uses time.Now.
	Now func() time.Time
	// MaxCertificates bounds the certificate cache; 0 means DefaultMaxCertificates.
	MaxCertificates int
}

// SNS verifies SNS HTTP(S) messages and confirms subscriptions. It is safe for concurrent use.
type SNS struct {
	origins    map[string]bool
	allowTopic func(string) bool
	client     *http.Client
	now        func() time.Time

	mu      sync.Mutex
	certs   map[string]*x509.Certificate
	order   []string // cache keys, oldest first
	maxCert int
}

// NewSNS returns an SNS verifier. The error names an AllowedOrigins entry that is not an
// http(s) origin.
func NewSNS(cfg SNSConfig) (*SNS, error) {
	s := &SNS{origins: map[string]bool{}, allowTopic: cfg.AllowTopic, now: cfg.Now,
		certs: map[string]*x509.Certificate{}, maxCert: cfg.MaxCertificates}
	for i, o := range cfg.AllowedOrigins {
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
			(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
			return nil, dealdesk.Errorf(dealdesk.EINVALID, "SNS AllowedOrigins[%d]: %s is not an origin such as https://host:port", i, quote(o))
		}
		s.origins[u.Scheme+"://"+strings.ToLower(u.Host)] = true
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.maxCert <= 0 {
		s.maxCert = DefaultMaxCertificates
	}
	c := http.Client{Timeout: FetchTimeout}
	if cfg.HTTPClient != nil {
		c = *cfg.HTTPClient
	}
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	s.client = &c
	return s, nil
}

// trusted reports whether raw is an https URL of AWS's SNS hosts or a URL of an allowed origin;
// the error says why not.
func (s *SNS) trusted(field, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return unauthorized("%s %s is not an absolute URL", field, quote(raw))
	}
	if u.User != nil {
		return unauthorized("%s %s carries user information", field, quote(raw))
	}
	if s.origins[u.Scheme+"://"+strings.ToLower(u.Host)] {
		return nil
	}
	if u.Scheme == "https" && (u.Port() == "" || u.Port() == "443") && awsSNSHost.MatchString(strings.ToLower(u.Hostname())) {
		return nil
	}
	return unauthorized("%s %s is not on the allow-list (https://sns.<region>.amazonaws.com[.cn] and the configured origins)", field, quote(raw))
}

func unauthorized(format string, args ...any) error {
	return dealdesk.Errorf(dealdesk.EUNAUTHORIZED, "%s: %s", snsMessageWhat, fmt.Sprintf(format, args...))
}

// Verify parses an SNS HTTP(S) message (the POST body, at most MaxBodyBytes) and verifies its
// signature as SNS documents it ("Verifying the signatures of Amazon SNS messages"): the
// SigningCertURL must be on the allow-list (checked before anything is fetched), the topic
// allowed, the certificate (fetched over the allowed origin, at most MaxCertificateBytes,
// cached) an RSA key of at least 2048 bits valid now, and the Signature the SHA1withRSA
// (SignatureVersion 1) or SHA256withRSA (2) signature of the message's string to sign.
// The Timestamp is not checked for age: SNS documents no limit, and retries a delivery for up
// to an hour or more under its delivery policy, so an old timestamp is a retry, not an attack
// (a replay is caught by deduplicating on MessageId).
//
// Errors: EMALFORMED for a body that is not an SNS message; EUNAUTHORIZED for a message that is
// refused (signature version, certificate origin, topic, signature, certificate validity); any
// other error is a certificate that could not be had now, and is worth a retry.
func (s *SNS) Verify(ctx context.Context, body []byte) (*SNSMessage, error) {
	m, err := parseSNSMessage(body)
	if err != nil {
		return nil, err
	}
	var hash crypto.Hash
	var sum []byte
	signed := m.stringToSign()
	switch m.SignatureVersion {
	case "1":
		h := sha1.Sum([]byte(signed))
		hash, sum = crypto.SHA1, h[:]
	case "2":
		h := sha256.Sum256([]byte(signed))
		hash, sum = crypto.SHA256, h[:]
	default:
		return nil, unauthorized("SignatureVersion must be \"1\" or \"2\", got %s", quote(m.SignatureVersion))
	}
	if err := s.trusted("SigningCertURL", m.SigningCertURL); err != nil {
		return nil, err
	}
	if s.allowTopic != nil && !s.allowTopic(m.TopicArn) {
		return nil, unauthorized("TopicArn %s is not a topic this endpoint accepts", quote(m.TopicArn))
	}
	sig, err := base64.StdEncoding.DecodeString(m.Signature)
	if err != nil {
		return nil, unauthorized("Signature is not base64")
	}
	cert, err := s.certificate(ctx, m.SigningCertURL)
	if err != nil {
		return nil, err
	}
	if now := s.now(); now.Before(cert.NotBefore) || now.After(cert.NotAfter) {
		return nil, unauthorized("the signing certificate at %s is valid from %s to %s, not now", m.SigningCertURL,
			cert.NotBefore.UTC().Format(time.RFC3339), cert.NotAfter.UTC().Format(time.RFC3339))
	}
	if err := rsa.VerifyPKCS1v15(cert.PublicKey.(*rsa.PublicKey), hash, sum, sig); err != nil {
		return nil, unauthorized("the signature does not match the message (SignatureVersion %s, certificate %s)", m.SignatureVersion, m.SigningCertURL)
	}
	m.verified = true
	return m, nil
}
