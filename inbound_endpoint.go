package dealdesk

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"time"
)

// InboundSecretHeader is the header the EventBridge webhook reads the organization's secret
// from. An EventBridge API destination sends it when its connection uses API-key authorization
// with this header name and the secret as value (decision 016).
const InboundSecretHeader = "X-Dealdesk-Secret"

// InboundEndpoint is where AWS delivers an organization's events: the webhooks
// /hooks/aws/eventbridge/{orgKey} and /hooks/aws/sns/{orgKey}. OrgKey is public (it is part of
// the URLs given to AWS) and random, not the organization's ID. The EventBridge secret is
// write-once: only its SHA-256 is kept (SecretHash), and it is shown once, when made
// (RotateInboundSecret). Until one is made, the EventBridge webhook refuses every call.
type InboundEndpoint struct {
	OrgID           string     `json:"-"`
	OrgKey          string     `json:"orgKey"`
	SecretHash      []byte     `json:"-"`
	HasSecret       bool       `json:"hasSecret"`
	SecretRotatedAt *time.Time `json:"secretRotatedAt,omitempty"`
	CreatedAt       time.Time  `json:"createdAt"`
}

// inboundRandomBytes is how many random bytes an org key and a secret hold (256 bits).
const inboundRandomBytes = 32

// NewInboundOrgKey returns a new org key: 32 random bytes, URL-safe base64 without padding (43
// characters).
func NewInboundOrgKey() string { return randomToken() }

// NewInboundSecret returns a new EventBridge secret (32 random bytes, URL-safe base64 without
// padding, 43 characters) and the hash to store (HashInboundSecret).
func NewInboundSecret() (secret string, hash []byte) {
	secret = randomToken()
	return secret, HashInboundSecret(secret)
}

// HashInboundSecret returns the stored form of an EventBridge secret: its SHA-256.
func HashInboundSecret(secret string) []byte {
	sum := sha256.Sum256([]byte(secret))
	return sum[:]
}

// CheckSecret reports whether secret is the endpoint's EventBridge secret, in time independent
// of where they differ (the hashes are compared with subtle.ConstantTimeCompare). An endpoint
// with no secret accepts none.
func (e *InboundEndpoint) CheckSecret(secret string) bool {
	if len(e.SecretHash) != sha256.Size || secret == "" {
		return false
	}
	return subtle.ConstantTimeCompare(HashInboundSecret(secret), e.SecretHash) == 1
}

func randomToken() string {
	b := make([]byte, inboundRandomBytes)
	_, _ = rand.Read(b) // crypto/rand does not fail
	return base64.RawURLEncoding.EncodeToString(b)
}

// InboundEndpointService keeps each organization's inbound endpoint.
type InboundEndpointService interface {
	// FindInboundEndpoint returns the caller's organization's endpoint, made (with a new org
	// key and no secret) on first call. Returns EUNAUTHORIZED when the context carries no
	// organization.
	FindInboundEndpoint(ctx context.Context) (*InboundEndpoint, error)
	// RotateInboundSecret makes a new EventBridge secret for the caller's organization (making
	// the endpoint if needed), keeps its hash in place of the old one, and returns the endpoint
	// and the secret, which is not stored and cannot be read again.
	RotateInboundSecret(ctx context.Context) (*InboundEndpoint, string, error)
	// FindInboundEndpointByKey returns the endpoint of orgKey, with its SecretHash, for the
	// webhooks, which carry no API key; the context needs no organization. Returns ENOTFOUND
	// for a key no organization has.
	FindInboundEndpointByKey(ctx context.Context, orgKey string) (*InboundEndpoint, error)
}
