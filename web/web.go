// Package web serves dealdesk's console: server-rendered HTML pages from embedded templates,
// on a mux of its own with sessions in signed cookies, a CSRF token on every form and a delay
// after repeated failed sign-ins (decision 025). It takes the domain services as interfaces,
// like the REST API (package http), and never reaches storage or AWS directly.
package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/dealdesk/dealdesk"
)

// Config holds what the console needs: the domain services, the key its session cookies are
// signed with, and a clock.
type Config struct {
	Users    dealdesk.UserService
	Offers   dealdesk.OfferService
	Products dealdesk.ProductService
	Parties  dealdesk.PartyService

	// The entitlement and notification pages' services.
	Entitlements  dealdesk.EntitlementService
	Metering      dealdesk.MeteringService
	Notifications dealdesk.NotificationService

	// The services of the Settings pages. Optional: a page whose service is nil answers 404, so
	// that a console built without them (tests of other pages) still starts.
	AWSConnections   dealdesk.AWSConnectionService
	APIKeys          dealdesk.APIKeyService
	InboundEndpoints dealdesk.InboundEndpointService
	// PublicBaseURL is the server's public base URL, for the webhook URLs the Inbound settings
	// page gives AWS (as serve's --public-url); without it, the scheme and Host of the request.
	PublicBaseURL string

	// SecretKey is the server's secret key (at least 32 bytes); the session cookies are signed
	// with a key derived from it, so that they stay valid across restarts and replicas that
	// share it. Required.
	SecretKey []byte
	// SessionLifetime is how long a session lasts after sign-in; DefaultSessionLifetime when 0.
	SessionLifetime time.Duration
	// SecureCookies marks the cookies Secure on every request, for a server behind a proxy that
	// ends TLS; without it they are Secure when the request itself came over TLS.
	SecureCookies bool

	// Simulator, in `dealdesk dev` only, lets the opportunity page play the reseller and the
	// buyer against the AWS Marketplace simulator; nil (serve): no such buttons nor routes.
	Simulator Simulator
	// Usage and MeteringFlusher serve, with Simulator, the entitlement page's "Simulate: the
	// product reports usage" (usage reported as POST /api/v1/entitlements/{id}/usage does, then
	// a flush as POST /api/v1/metering/flush); without either the button does not show.
	Usage           dealdesk.UsageService
	MeteringFlusher dealdesk.MeteringFlusher
	// MeteringWindow is the window the store takes usage in (serve's --metering-window):
	// simulated acceptances and usage stay within it. DefaultMeteringWindow when 0.
	MeteringWindow dealdesk.MeteringWindow

	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Logger receives the details of internal errors; nil discards.
	Logger *slog.Logger
}

// DefaultSessionLifetime is how long a session lasts when Config.SessionLifetime is 0.
const DefaultSessionLifetime = 12 * time.Hour

// Handler is the console: an http.Handler for every path outside the REST API.
type Handler struct {
	cfg       Config
	logger    *slog.Logger
	now       func() time.Time
	signKey   []byte
	templates *templates
	static    *staticAssets
	limiter   *signInLimiter
	mux       http.Handler
}

// New returns the console for cfg. It returns an error when a service or the secret key is
// missing, or when a template does not parse or uses a partial that is not defined.
func New(cfg Config) (*Handler, error) {
	if cfg.Users == nil || cfg.Offers == nil || cfg.Products == nil || cfg.Parties == nil {
		return nil, errors.New("web: Users, Offers, Products and Parties are required")
	}
	if cfg.Entitlements == nil || cfg.Metering == nil || cfg.Notifications == nil {
		return nil, errors.New("web: Entitlements, Metering and Notifications are required")
	}
	if len(cfg.SecretKey) < 32 {
		return nil, errors.New("web: the secret key must have at least 32 bytes")
	}
	h := &Handler{cfg: cfg, logger: cfg.Logger, now: cfg.Now}
	if h.logger == nil {
		h.logger = slog.New(slog.DiscardHandler)
	}
	if h.now == nil {
		h.now = time.Now
	}
	if h.cfg.SessionLifetime <= 0 {
		h.cfg.SessionLifetime = DefaultSessionLifetime
	}
	// A key of its own for the cookies: the secret key also encrypts stored secrets.
	mac := hmac.New(sha256.New, cfg.SecretKey)
	mac.Write([]byte("dealdesk console session cookies v1"))
	h.signKey = mac.Sum(nil)

	var err error
	if h.static, err = newStaticAssets(); err != nil {
		return nil, err
	}
	if h.templates, err = parseTemplates(h.static); err != nil {
		return nil, err
	}
	h.limiter = newSignInLimiter(h.now)
	h.mux = h.newMux()
	return h, nil
}

// ServeHTTP serves the console.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mux.ServeHTTP(w, r)
}
