package http

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/inbound"
)

// Config holds what the server needs: the domain services, a readiness check and a logger.
type Config struct {
	APIKeys      dealdesk.APIKeyService
	Products     dealdesk.ProductService
	Parties      dealdesk.PartyService
	Offers       dealdesk.OfferService
	Entitlements dealdesk.EntitlementService

	AWSConnections   dealdesk.AWSConnectionService
	Notifications    dealdesk.NotificationService
	Inbox            dealdesk.InboxService
	InboundEndpoints dealdesk.InboundEndpointService
	// Usage takes in and lists usage groups; Metering shows and retries metering records
	// (sqldb.DB implements both).
	Usage    dealdesk.UsageService
	Metering dealdesk.MeteringService
	// MeteringFlusher serves POST /api/v1/metering/flush; nil answers 503 (no worker wired).
	MeteringFlusher dealdesk.MeteringFlusher

	// ProductSync queues product syncs (POST /api/v1/products:sync); sqldb.DB implements it.
	ProductSync dealdesk.ProductSyncService

	// SNS verifies the messages of the SNS webhook and confirms its subscriptions. Nil uses one
	// that trusts AWS's SNS hosts only (inbound.SNSConfig's zero value).
	SNS *inbound.SNS

	// PublicBaseURL is the server's URL as AWS reaches it ("https://dealdesk.example.com"), from
	// which the webhook URLs of GET /api/v1/inbound-endpoint are built; empty uses the scheme
	// and Host of each request.
	PublicBaseURL string

	// Ready reports whether the server can serve requests (the database answers); /readyz
	// calls it. Nil means always ready.
	Ready func(ctx context.Context) error

	// Logger receives one line per request and the details of internal errors. Nil discards.
	Logger *slog.Logger
}

// MaxHeaderBytes bounds a request's header (64 KiB; net/http allows 4 KiB more): a larger one is
// answered 431 by net/http before any handler. The path is part of it, so this also bounds what
// a caller can make a 404 echo or a log line hold.
const MaxHeaderBytes = 64 << 10

// Server is the HTTP server of the REST API.
type Server struct {
	cfg     Config
	logger  *slog.Logger
	metrics *metrics
	srv     *http.Server
}

// NewServer returns a server for cfg with its routes registered.
func NewServer(cfg Config) *Server {
	s := &Server{cfg: cfg, logger: cfg.Logger, metrics: newMetrics()}
	if s.cfg.SNS == nil {
		s.cfg.SNS, _ = inbound.NewSNS(inbound.SNSConfig{}) // no origins to refuse
	}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	s.srv = &http.Server{
		Handler:           s.logRequests(s.recoverPanics(s.newMux())),
		ReadHeaderTimeout: 10 * time.Second,
		MaxHeaderBytes:    MaxHeaderBytes,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.logger.Handler(), slog.LevelWarn),
	}
	return s
}

// Serve accepts connections on ln until Shutdown. It returns nil after a shutdown.
func (s *Server) Serve(ln net.Listener) error {
	if err := s.srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Shutdown stops accepting connections and waits for active requests until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error { return s.srv.Shutdown(ctx) }

// Close closes the listeners and every connection at once, cutting off the requests in flight;
// call it when Shutdown's context ends before they finish.
func (s *Server) Close() error { return s.srv.Close() }

// ServeHTTP serves a request with the API's routes and middleware, so that the API can be
// mounted under a top-level mux (cli's serve puts the console beside it on one listener).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.srv.Handler.ServeHTTP(w, r) }
