package awsmp

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/dealdesk/dealdesk"
)

// Defaults of the SDK retryer every client gets: throttling, 5xx and network failures are
// retried with exponential backoff and jitter (the SDK's standard retryer: 1s base for
// throttling, 50ms otherwise).
const (
	DefaultMaxAttempts = 5
	DefaultMaxBackoff  = 20 * time.Second
)

// Option changes how Config and NewCatalog build clients.
type Option func(*options)

type options struct {
	httpClient  aws.HTTPClient
	maxAttempts int
	maxBackoff  time.Duration
	limits      *Limits
	defaultAWS  bool // DEFAULT_CHAIN allowed
}

func newOptions(opts []Option) options {
	o := options{maxAttempts: DefaultMaxAttempts, maxBackoff: DefaultMaxBackoff, limits: SharedLimits}
	for _, fn := range opts {
		fn(&o)
	}
	return o
}

// WithHTTPClient sends every request through c (tests record requests with it).
func WithHTTPClient(c aws.HTTPClient) Option { return func(o *options) { o.httpClient = c } }

// WithRetry sets the SDK retryer's maximum attempts per call (1 = no retry) and its longest
// backoff between attempts.
func WithRetry(maxAttempts int, maxBackoff time.Duration) Option {
	return func(o *options) { o.maxAttempts, o.maxBackoff = maxAttempts, maxBackoff }
}

// WithDefaultCredentials allows (or not) connections with credentials mode DEFAULT_CHAIN, which
// act with this host's own AWS identity; Config refuses them without it. serve sets it from
// --allow-default-credentials (decision 014).
func WithDefaultCredentials(allow bool) Option { return func(o *options) { o.defaultAWS = allow } }

// WithLimits rate-limits calls with l instead of the process-wide SharedLimits; nil turns
// client-side rate limits off.
func WithLimits(l *Limits) Option { return func(o *options) { o.limits = l } }

// Config returns the AWS configuration of conn: its region; its credentials by mode
// (DEFAULT_CHAIN: the SDK's default chain on this host, only WithDefaultCredentials(true);
// STATIC_KEYS: the stored key pair; ASSUME_ROLE: STS AssumeRole of RoleARN with ExternalID, of
// at least dealdesk.MinExternalIDLength characters, from the default chain, cached and
// refreshed before expiry); its endpoint override as every client's BaseEndpoint (the
// simulator); the SDK's standard retryer; and the client-side rate limits of conn's seller
// account (limits.go). Errors name the connection's problem, never a secret.
func Config(ctx context.Context, conn *dealdesk.AWSConnection, opts ...Option) (aws.Config, error) {
	o := newOptions(opts)
	if conn == nil {
		return aws.Config{}, fmt.Errorf("awsmp: no AWS connection")
	}
	load := []func(*config.LoadOptions) error{
		config.WithRegion(conn.Region),
		config.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(so *retry.StandardOptions) {
				so.MaxAttempts = o.maxAttempts
				so.MaxBackoff = o.maxBackoff
			})
		}),
	}
	if o.httpClient != nil {
		load = append(load, config.WithHTTPClient(o.httpClient))
	}
	switch conn.CredentialsMode {
	case dealdesk.CredentialsDefaultChain:
		if !o.defaultAWS {
			return aws.Config{}, fmt.Errorf("awsmp: credentials mode DEFAULT_CHAIN (this server's own AWS credentials) is not enabled on this server")
		}
	case dealdesk.CredentialsAssumeRole:
		if len(conn.ExternalID) < dealdesk.MinExternalIDLength {
			return aws.Config{}, fmt.Errorf("awsmp: credentials mode ASSUME_ROLE needs an external ID of at least %d characters", dealdesk.MinExternalIDLength)
		}
	case dealdesk.CredentialsStaticKeys:
		if conn.AccessKeyID == "" || conn.SecretAccessKey == "" {
			return aws.Config{}, fmt.Errorf("awsmp: credentials mode STATIC_KEYS needs an access key ID and a secret access key")
		}
		load = append(load, config.WithCredentialsProvider(
			credentials.NewStaticCredentialsProvider(conn.AccessKeyID, conn.SecretAccessKey, "")))
	default:
		return aws.Config{}, fmt.Errorf("awsmp: unknown credentials mode %q", conn.CredentialsMode)
	}
	cfg, err := config.LoadDefaultConfig(ctx, load...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("awsmp: load AWS configuration: %w", err)
	}
	if conn.EndpointURL != "" {
		cfg.BaseEndpoint = aws.String(conn.EndpointURL)
	}
	if o.limits != nil {
		cfg.APIOptions = append(cfg.APIOptions, o.limits.middleware(conn.SellerAccountID))
	}
	if conn.CredentialsMode == dealdesk.CredentialsAssumeRole {
		if conn.RoleARN == "" {
			return aws.Config{}, fmt.Errorf("awsmp: credentials mode ASSUME_ROLE needs a role ARN")
		}
		provider := stscreds.NewAssumeRoleProvider(sts.NewFromConfig(cfg), conn.RoleARN, func(ao *stscreds.AssumeRoleOptions) {
			ao.RoleSessionName = "dealdesk-" + conn.SellerAccountID
			ao.ExternalID = aws.String(conn.ExternalID)
		})
		cfg.Credentials = aws.NewCredentialsCache(provider)
	}
	return cfg, nil
}
