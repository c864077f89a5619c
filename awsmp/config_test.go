package awsmp_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/marketplaceagreement"
	"github.com/aws/aws-sdk-go-v2/service/marketplacecatalog"
	"github.com/aws/aws-sdk-go-v2/service/marketplaceentitlementservice"
	"github.com/aws/aws-sdk-go-v2/service/marketplacemetering"
	meteringtypes "github.com/aws/aws-sdk-go-v2/service/marketplacemetering/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	smithyendpoints "github.com/aws/smithy-go/endpoints"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/awsmp"
)

// recorded is one request the recorder saw.
type recorded struct {
	host, path, target, body string
	scope                    []string // the SigV4 credential scope: AKID, date, region, service, "aws4_request"
}

// recorder is an HTTP client that records requests instead of sending them, and answers each
// with an empty success (STS with credentials, so an assumed role can sign what follows).
type recorder struct {
	mu   sync.Mutex
	reqs []recorded
}

func (r *recorder) Do(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
	}
	rec := recorded{host: req.URL.Host, path: req.URL.Path, target: req.Header.Get("X-Amz-Target"), body: string(body)}
	if auth := req.Header.Get("Authorization"); strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=") {
		cred, _, _ := strings.Cut(strings.TrimPrefix(auth, "AWS4-HMAC-SHA256 Credential="), ",")
		rec.scope = strings.Split(cred, "/")
	}
	r.mu.Lock()
	r.reqs = append(r.reqs, rec)
	r.mu.Unlock()
	answer, ctype := "{}", "application/json"
	if strings.HasPrefix(req.URL.Host, "sts.") || strings.Contains(string(body), "Action=") {
		ctype = "text/xml"
		switch {
		case strings.Contains(string(body), "Action=AssumeRole"):
			answer = `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials>` +
				`<AccessKeyId>ASIAASSUMEDROLE00001</AccessKeyId><SecretAccessKey>assumed-secret</SecretAccessKey>` +
				`<SessionToken>assumed-token</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials>` +
				`<AssumedRoleUser><Arn>arn:aws:sts::111122223333:assumed-role/dealdesk/s</Arn><AssumedRoleId>AROAEXAMPLE:s</AssumedRoleId>` +
				`</AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata></AssumeRoleResponse>`
		default:
			answer = `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>` +
				`<Arn>arn:aws:iam::111122223333:user/x</Arn><UserId>AIDAEXAMPLE</UserId><Account>111122223333</Account>` +
				`</GetCallerIdentityResult><ResponseMetadata><RequestId>r2</RequestId></ResponseMetadata></GetCallerIdentityResponse>`
		}
	}
	return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {ctype}}, Body: io.NopCloser(strings.NewReader(answer)), Request: req}, nil
}

func (r *recorder) all() []recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]recorded(nil), r.reqs...)
}

// isolateEnv keeps the host's AWS configuration out of a test: no shared files, no instance
// metadata, no endpoint override, and the given static keys in the environment.
func isolateEnv(t *testing.T) {
	t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	for _, k := range []string{"AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_SESSION_TOKEN",
		"AWS_ROLE_ARN", "AWS_CA_BUNDLE", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"} {
		t.Setenv(k, "")
	}
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAENVCHAIN0000001")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "env-chain-secret")
}

// resolved returns the host an SDK endpoint resolver gives.
func resolved(t *testing.T, ep smithyendpoints.Endpoint, err error) string {
	t.Helper()
	if err != nil {
		t.Fatalf("resolve endpoint: %v", err)
	}
	return ep.URI.Host
}

// TestConfigCallsAWSDocumentedEndpoints: pointed at real AWS (no endpoint override), every
// client signs for its service's signing name and region, and calls the host that the SDK's
// own endpoint resolver gives, which is AWS's documented endpoint: Catalog, Agreement and
// Entitlement in us-east-1 whatever the connection's region (they are served only there),
// Metering, SQS and STS in the connection's region.
func TestConfigCallsAWSDocumentedEndpoints(t *testing.T) {
	isolateEnv(t)
	ctx := context.Background()
	fips, dual := aws.Bool(false), aws.Bool(false)
	cases := []struct {
		name     string
		call     func(c *awsmp.Clients) error
		resolver func(region *string) string
		regional bool   // served in the connection's region, else only in us-east-1
		host     string // AWS's documented endpoint, REGION standing for the region (reference §1.1, §3.1, §4.1, §4.5)
		service  string // SigV4 signing name
	}{
		{"catalog", func(c *awsmp.Clients) error {
			_, err := c.Catalog.ListEntities(ctx, &marketplacecatalog.ListEntitiesInput{Catalog: aws.String("AWSMarketplace"), EntityType: aws.String("SaaSProduct")})
			return err
		}, func(region *string) string {
			ep, err := marketplacecatalog.NewDefaultEndpointResolverV2().ResolveEndpoint(ctx, marketplacecatalog.EndpointParameters{Region: region, UseFIPS: fips, UseDualStack: dual})
			return resolved(t, ep, err)
		}, false, "catalog.marketplace.us-east-1.amazonaws.com", "aws-marketplace"},
		{"agreement", func(c *awsmp.Clients) error {
			_, err := c.Agreement.DescribeAgreement(ctx, &marketplaceagreement.DescribeAgreementInput{AgreementId: aws.String("agmt-1")})
			return err
		}, func(region *string) string {
			ep, err := marketplaceagreement.NewDefaultEndpointResolverV2().ResolveEndpoint(ctx, marketplaceagreement.EndpointParameters{Region: region, UseFIPS: fips, UseDualStack: dual})
			return resolved(t, ep, err)
		}, false, "agreement-marketplace.us-east-1.amazonaws.com", "aws-marketplace"},
		{"entitlement", func(c *awsmp.Clients) error {
			_, err := c.Entitlement.GetEntitlements(ctx, &marketplaceentitlementservice.GetEntitlementsInput{ProductCode: aws.String("pc")})
			return err
		}, func(region *string) string {
			ep, err := marketplaceentitlementservice.NewDefaultEndpointResolverV2().ResolveEndpoint(ctx, marketplaceentitlementservice.EndpointParameters{Region: region, UseFIPS: fips, UseDualStack: dual})
			return resolved(t, ep, err)
		}, false, "entitlement.marketplace.us-east-1.amazonaws.com", "aws-marketplace"},
		{"metering", func(c *awsmp.Clients) error {
			_, err := c.Metering.BatchMeterUsage(ctx, &marketplacemetering.BatchMeterUsageInput{UsageRecords: []meteringtypes.UsageRecord{}})
			return err
		}, func(region *string) string {
			ep, err := marketplacemetering.NewDefaultEndpointResolverV2().ResolveEndpoint(ctx, marketplacemetering.EndpointParameters{Region: region, UseFIPS: fips, UseDualStack: dual})
			return resolved(t, ep, err)
		}, true, "metering.marketplace.REGION.amazonaws.com", "aws-marketplace"},
		{"sqs", func(c *awsmp.Clients) error {
			_, err := c.SQS.ListQueues(ctx, &sqs.ListQueuesInput{})
			return err
		}, func(region *string) string {
			ep, err := sqs.NewDefaultEndpointResolverV2().ResolveEndpoint(ctx, sqs.EndpointParameters{Region: region, UseFIPS: fips, UseDualStack: dual})
			return resolved(t, ep, err)
		}, true, "sqs.REGION.amazonaws.com", "sqs"},
		{"sts", func(c *awsmp.Clients) error {
			_, err := c.STS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			return err
		}, func(region *string) string {
			ep, err := sts.NewDefaultEndpointResolverV2().ResolveEndpoint(ctx, sts.EndpointParameters{Region: region, UseFIPS: fips, UseDualStack: dual})
			return resolved(t, ep, err)
		}, true, "sts.REGION.amazonaws.com", "sts"},
	}
	for _, connRegion := range []string{"us-east-1", "eu-west-1"} {
		for _, mode := range []dealdesk.CredentialsMode{dealdesk.CredentialsDefaultChain, dealdesk.CredentialsStaticKeys} {
			conn := &dealdesk.AWSConnection{SellerAccountID: seller, Region: connRegion, CredentialsMode: mode}
			wantKey := "AKIAENVCHAIN0000001"
			if mode == dealdesk.CredentialsStaticKeys {
				conn.AccessKeyID, conn.SecretAccessKey = "AKIASTATICKEYS00001", "static-secret"
				wantKey = conn.AccessKeyID
			}
			for _, tc := range cases {
				t.Run(connRegion+"/"+string(mode)+"/"+tc.name, func(t *testing.T) {
					wantRegion := "us-east-1"
					if tc.regional {
						wantRegion = connRegion
					}
					wantHost := strings.ReplaceAll(tc.host, "REGION", wantRegion)
					rec := &recorder{}
					cfg, err := awsmp.Config(ctx, conn, awsmp.WithHTTPClient(rec), awsmp.WithLimits(nil), awsmp.WithDefaultCredentials(true))
					if err != nil {
						t.Fatal(err)
					}
					_ = tc.call(awsmp.NewClients(cfg)) // the empty answers may not decode; the request is what counts
					reqs := rec.all()
					if len(reqs) != 1 {
						t.Fatalf("%d requests sent, want 1: %+v", len(reqs), reqs)
					}
					got := reqs[0]
					if want := tc.resolver(aws.String(wantRegion)); got.host != want || got.host != wantHost {
						t.Errorf("host = %s, want %s (SDK resolver: %s)", got.host, wantHost, want)
					}
					if len(got.scope) != 5 || got.scope[0] != wantKey || got.scope[2] != wantRegion || got.scope[3] != tc.service || got.scope[4] != "aws4_request" {
						t.Errorf("credential scope = %v, want %s/<date>/%s/%s/aws4_request", got.scope, wantKey, wantRegion, tc.service)
					}
				})
			}
		}
	}
}

// TestConfigAssumesRoleWithExternalID: ASSUME_ROLE calls STS AssumeRole (signed by the default
// chain) with the role ARN and external ID, then signs the Catalog call with the role's keys.
func TestConfigAssumesRoleWithExternalID(t *testing.T) {
	isolateEnv(t)
	rec := &recorder{}
	conn := &dealdesk.AWSConnection{SellerAccountID: seller, Region: "us-east-1", CredentialsMode: dealdesk.CredentialsAssumeRole,
		RoleARN: "arn:aws:iam::111122223333:role/dealdesk", ExternalID: "dd-0123456789abcdef0123456789abcdef"}
	cfg, err := awsmp.Config(context.Background(), conn, awsmp.WithHTTPClient(rec), awsmp.WithLimits(nil))
	if err != nil {
		t.Fatal(err)
	}
	_, _ = awsmp.CatalogClient(cfg).ListEntities(context.Background(), &marketplacecatalog.ListEntitiesInput{
		Catalog: aws.String("AWSMarketplace"), EntityType: aws.String("SaaSProduct")})
	reqs := rec.all()
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want AssumeRole then ListEntities: %+v", len(reqs), reqs)
	}
	form, _ := url.ParseQuery(reqs[0].body)
	if reqs[0].host != "sts.us-east-1.amazonaws.com" || form.Get("Action") != "AssumeRole" || form.Get("RoleArn") != conn.RoleARN ||
		form.Get("ExternalId") != conn.ExternalID || form.Get("RoleSessionName") != "dealdesk-"+seller ||
		len(reqs[0].scope) != 5 || reqs[0].scope[0] != "AKIAENVCHAIN0000001" || reqs[0].scope[3] != "sts" {
		t.Errorf("first request = %+v, want STS AssumeRole of %s with ExternalId %s signed by the default chain", reqs[0], conn.RoleARN, conn.ExternalID)
	}
	if reqs[1].host != "catalog.marketplace.us-east-1.amazonaws.com" || len(reqs[1].scope) != 5 || reqs[1].scope[0] != "ASIAASSUMEDROLE00001" {
		t.Errorf("second request = %+v, want the Catalog signed with the assumed role's key", reqs[1])
	}
}

// TestConfigEndpointOverride: the connection's endpoint URL (the simulator) is every client's
// base endpoint, STS's included.
func TestConfigEndpointOverride(t *testing.T) {
	isolateEnv(t)
	rec := &recorder{}
	conn := &dealdesk.AWSConnection{SellerAccountID: seller, Region: "us-east-1", CredentialsMode: dealdesk.CredentialsStaticKeys,
		AccessKeyID: "AKIASTATICKEYS00001", SecretAccessKey: "static-secret", EndpointURL: "http://127.0.0.1:4599"}
	ctx := context.Background()
	cfg, err := awsmp.Config(ctx, conn, awsmp.WithHTTPClient(rec), awsmp.WithLimits(nil))
	if err != nil {
		t.Fatal(err)
	}
	c := awsmp.NewClients(cfg)
	_, _ = c.Catalog.ListEntities(ctx, &marketplacecatalog.ListEntitiesInput{Catalog: aws.String("AWSMarketplace"), EntityType: aws.String("Offer")})
	_, _ = c.Agreement.DescribeAgreement(ctx, &marketplaceagreement.DescribeAgreementInput{AgreementId: aws.String("agmt-1")})
	_, _ = c.Entitlement.GetEntitlements(ctx, &marketplaceentitlementservice.GetEntitlementsInput{ProductCode: aws.String("pc")})
	_, _ = c.Metering.BatchMeterUsage(ctx, &marketplacemetering.BatchMeterUsageInput{UsageRecords: []meteringtypes.UsageRecord{}})
	_, _ = c.SQS.ListQueues(ctx, &sqs.ListQueuesInput{})
	_, _ = c.STS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	reqs := rec.all()
	if len(reqs) != 6 {
		t.Fatalf("%d requests, want 6", len(reqs))
	}
	for _, r := range reqs {
		if r.host != "127.0.0.1:4599" {
			t.Errorf("request %s%s went to %s, want the override 127.0.0.1:4599", r.target, r.path, r.host)
		}
	}
	// Agreement and Entitlement speak JSON (X-Amz-Target), not RPC v2 CBOR.
	if reqs[1].target != "AWSMPCommerceService_v20200301.DescribeAgreement" || reqs[2].target != "AWSMPEntitlementService.GetEntitlements" {
		t.Errorf("targets = %q, %q; want the JSON protocols' X-Amz-Target", reqs[1].target, reqs[2].target)
	}
}

// TestConfigRefusesIncompleteConnection: a STATIC_KEYS connection without its secret, or an
// unknown mode, is an error that names no secret.
func TestConfigRefusesIncompleteConnection(t *testing.T) {
	isolateEnv(t)
	for _, conn := range []*dealdesk.AWSConnection{
		{Region: "us-east-1", CredentialsMode: dealdesk.CredentialsStaticKeys, AccessKeyID: "AKIASTATICKEYS00001"},
		{Region: "us-east-1", CredentialsMode: "MAGIC", SecretAccessKey: "do-not-print-me"},
		{Region: "us-east-1", CredentialsMode: dealdesk.CredentialsAssumeRole},
		nil,
	} {
		_, err := awsmp.Config(context.Background(), conn)
		if err == nil || strings.Contains(err.Error(), "do-not-print-me") {
			t.Errorf("Config(%+v) = %v, want an error without the secret", conn, err)
		}
	}
}

// TestConfigRefusesUnsafeCredentials: without WithDefaultCredentials(true) a DEFAULT_CHAIN
// connection (this host's own AWS identity) is refused before any request, and ASSUME_ROLE needs
// an external ID of at least dealdesk.MinExternalIDLength characters (review 7 F5).
func TestConfigRefusesUnsafeCredentials(t *testing.T) {
	isolateEnv(t)
	role := "arn:aws:iam::111122223333:role/dealdesk"
	for _, tt := range []struct {
		name string
		conn *dealdesk.AWSConnection
		opts []awsmp.Option
		want string // in the error
	}{
		{"the default chain when not enabled", &dealdesk.AWSConnection{SellerAccountID: seller, Region: "us-east-1",
			CredentialsMode: dealdesk.CredentialsDefaultChain}, nil, "DEFAULT_CHAIN"},
		{"the default chain when disabled", &dealdesk.AWSConnection{SellerAccountID: seller, Region: "us-east-1",
			CredentialsMode: dealdesk.CredentialsDefaultChain}, []awsmp.Option{awsmp.WithDefaultCredentials(false)}, "DEFAULT_CHAIN"},
		{"a role without an external ID", &dealdesk.AWSConnection{SellerAccountID: seller, Region: "us-east-1",
			CredentialsMode: dealdesk.CredentialsAssumeRole, RoleARN: role}, nil, "external ID"},
		{"a role with a 15-character external ID", &dealdesk.AWSConnection{SellerAccountID: seller, Region: "us-east-1",
			CredentialsMode: dealdesk.CredentialsAssumeRole, RoleARN: role, ExternalID: "abcdefghijklmno"}, nil, "external ID"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{}
			_, err := awsmp.Config(context.Background(), tt.conn, append(tt.opts, awsmp.WithHTTPClient(rec), awsmp.WithLimits(nil))...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Config = %v, want an error naming %s", err, tt.want)
			}
			if reqs := rec.all(); len(reqs) != 0 {
				t.Fatalf("requests sent: %+v", reqs)
			}
		})
	}
}
