package awsmp

import (
	"context"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/marketplaceentitlementservice"

	"github.com/dealdesk/dealdesk"
)

// Entitlements implements dealdesk.EntitlementReader with the Marketplace Entitlement Service
// client of each connection (awsJson 1.1, EntitlementClient), under the same client-side rate
// limits as the Catalog when built with WithLimits (GetEntitlements: 20 a second per account).
type Entitlements struct {
	opts    []Option
	mu      sync.Mutex
	clients map[string]*marketplaceentitlementservice.Client
}

var _ dealdesk.EntitlementReader = (*Entitlements)(nil)

// NewEntitlements returns an Entitlements whose clients Config builds with opts.
func NewEntitlements(opts ...Option) *Entitlements {
	return &Entitlements{opts: opts, clients: map[string]*marketplaceentitlementservice.Client{}}
}

func (e *Entitlements) client(ctx context.Context, conn *dealdesk.AWSConnection) (*marketplaceentitlementservice.Client, error) {
	if conn == nil {
		return nil, fmt.Errorf("awsmp: no AWS connection")
	}
	key := connectionKey(conn)
	e.mu.Lock()
	defer e.mu.Unlock()
	if cl := e.clients[key]; cl != nil {
		return cl, nil
	}
	cfg, err := Config(ctx, conn, e.opts...)
	if err != nil {
		return nil, err
	}
	cl := EntitlementClient(cfg)
	e.clients[key] = cl
	return cl, nil
}

// GetEntitlements pages through GetEntitlements of productCode (25 a page, AWS's maximum) and
// returns every entry: one per entitled dimension of each buyer's license.
func (e *Entitlements) GetEntitlements(ctx context.Context, conn *dealdesk.AWSConnection, productCode string) ([]dealdesk.MarketplaceEntitlement, error) {
	cl, err := e.client(ctx, conn)
	if err != nil {
		return nil, err
	}
	pages := marketplaceentitlementservice.NewGetEntitlementsPaginator(cl, &marketplaceentitlementservice.GetEntitlementsInput{
		ProductCode: aws.String(productCode), MaxResults: aws.Int32(25),
	})
	var out []dealdesk.MarketplaceEntitlement
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, awsError("GetEntitlements", err)
		}
		for _, en := range page.Entitlements {
			m := dealdesk.MarketplaceEntitlement{
				ProductCode: aws.ToString(en.ProductCode), Dimension: aws.ToString(en.Dimension),
				CustomerIdentifier: aws.ToString(en.CustomerIdentifier), CustomerAWSAccountID: aws.ToString(en.CustomerAWSAccountId),
				LicenseARN: aws.ToString(en.LicenseArn),
			}
			if en.ExpirationDate != nil {
				t := en.ExpirationDate.UTC()
				m.ExpirationDate = &t
			}
			out = append(out, m)
		}
	}
	return out, nil
}
