package awsmp

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/marketplaceagreement"
	agschemas "github.com/aws/aws-sdk-go-v2/service/marketplaceagreement/schemas"
	"github.com/aws/aws-sdk-go-v2/service/marketplacecatalog"
	"github.com/aws/aws-sdk-go-v2/service/marketplaceentitlementservice"
	entschemas "github.com/aws/aws-sdk-go-v2/service/marketplaceentitlementservice/schemas"
	"github.com/aws/aws-sdk-go-v2/service/marketplacemetering"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/transport/http/protocol/awsjson"
)

// MarketplaceRegion is the only region the AWS Marketplace Catalog, Agreement and Entitlement
// services are served from ("Supported AWS Regions for the AWS Marketplace Catalog / Agreement /
// Entitlement API", AWS Marketplace developer guide; reference §1.1, §3, §4.5). Their clients
// use it whatever the connection's region; Metering, SQS and STS are regional and use the
// connection's region.
const MarketplaceRegion = "us-east-1"

// Clients are the AWS clients of one connection, all built from the aws.Config that Config
// returns, so they share its credentials, endpoint override, retryer and rate limits; Catalog,
// Agreement and Entitlement call MarketplaceRegion, the others the connection's region.
type Clients struct {
	Catalog     *marketplacecatalog.Client
	Agreement   *marketplaceagreement.Client
	Entitlement *marketplaceentitlementservice.Client
	Metering    *marketplacemetering.Client
	SQS         *sqs.Client
	STS         *sts.Client
}

// NewClients builds every client from cfg.
func NewClients(cfg aws.Config) *Clients {
	return &Clients{
		Catalog:     CatalogClient(cfg),
		Agreement:   AgreementClient(cfg),
		Entitlement: EntitlementClient(cfg),
		Metering:    MeteringClient(cfg),
		SQS:         SQSClient(cfg),
		STS:         STSClient(cfg),
	}
}

// CatalogClient returns the Marketplace Catalog client (restJson1) for MarketplaceRegion.
func CatalogClient(cfg aws.Config) *marketplacecatalog.Client {
	return marketplacecatalog.NewFromConfig(cfg, func(o *marketplacecatalog.Options) {
		o.Region = MarketplaceRegion
	})
}

// AgreementClient returns the Marketplace Agreement client pinned to awsJson 1.0: the SDK's
// default since v1.30.0 is RPC v2 CBOR, and dealdesk keeps every JSON service on JSON
// (reference §3.1, DESIGN "simulator"), for MarketplaceRegion.
func AgreementClient(cfg aws.Config) *marketplaceagreement.Client {
	return marketplaceagreement.NewFromConfig(cfg, func(o *marketplaceagreement.Options) {
		o.Region = MarketplaceRegion
		o.Protocol = awsjson.New10(agschemas.AWSMPCommerceService_v20200301)
	})
}

// EntitlementClient returns the Marketplace Entitlement Service client pinned to awsJson 1.1
// (the SDK's default since v1.37.0 is RPC v2 CBOR; reference §4.5), for MarketplaceRegion.
func EntitlementClient(cfg aws.Config) *marketplaceentitlementservice.Client {
	return marketplaceentitlementservice.NewFromConfig(cfg, func(o *marketplaceentitlementservice.Options) {
		o.Region = MarketplaceRegion
		o.Protocol = awsjson.New11(entschemas.AWSMPEntitlementService)
	})
}

// MeteringClient returns the Marketplace Metering client (awsJson 1.1, regional: the
// connection's region).
func MeteringClient(cfg aws.Config) *marketplacemetering.Client {
	return marketplacemetering.NewFromConfig(cfg)
}

// SQSClient returns the SQS client (awsJson 1.0, the connection's region).
func SQSClient(cfg aws.Config) *sqs.Client { return sqs.NewFromConfig(cfg) }

// STSClient returns the STS client (to check credentials with GetCallerIdentity).
func STSClient(cfg aws.Config) *sts.Client { return sts.NewFromConfig(cfg) }
