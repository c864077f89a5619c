package awsmp

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/marketplacecatalog"
	"github.com/aws/aws-sdk-go-v2/service/marketplacecatalog/document"

	"github.com/dealdesk/dealdesk"
)

// catalogName is the only catalog of the Catalog API.
const catalogName = "AWSMarketplace"

// tokenPattern is a ClientRequestToken: 1 to 64 printable ASCII characters without spaces
// (decision 009).
var tokenPattern = regexp.MustCompile(`^[!-~]{1,64}$`)

// Catalog implements dealdesk.Catalog with the Marketplace Catalog client of each connection.
// It keeps one client per connection (and so one credentials cache: an assumed role is not
// assumed again for every call); a changed connection gets a new client.
type Catalog struct {
	opts    []Option
	mu      sync.Mutex
	clients map[string]*marketplacecatalog.Client
}

var _ dealdesk.Catalog = (*Catalog)(nil)

// NewCatalog returns a Catalog whose clients Config builds with opts.
func NewCatalog(opts ...Option) *Catalog {
	return &Catalog{opts: opts, clients: map[string]*marketplacecatalog.Client{}}
}

// client returns the Catalog client of conn.
func (c *Catalog) client(ctx context.Context, conn *dealdesk.AWSConnection) (*marketplacecatalog.Client, error) {
	if conn == nil {
		return nil, fmt.Errorf("awsmp: no AWS connection")
	}
	key := connectionKey(conn)
	c.mu.Lock()
	defer c.mu.Unlock()
	if cl := c.clients[key]; cl != nil {
		return cl, nil
	}
	cfg, err := Config(ctx, conn, c.opts...)
	if err != nil {
		return nil, err
	}
	cl := CatalogClient(cfg)
	c.clients[key] = cl
	return cl, nil
}

// connectionKey identifies everything of conn a client depends on, hashed so that the map
// holds no secret.
func connectionKey(conn *dealdesk.AWSConnection) string {
	h := sha256.New()
	for _, s := range []string{conn.OrgID, conn.SellerAccountID, conn.Region, string(conn.CredentialsMode), conn.AccessKeyID,
		conn.SecretAccessKey, conn.RoleARN, conn.ExternalID, conn.EndpointURL} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// checkToken refuses a ClientRequestToken AWS would refuse.
func checkToken(token string) error {
	if !tokenPattern.MatchString(token) {
		return fmt.Errorf("awsmp: ClientRequestToken must be 1 to 64 printable ASCII characters without spaces, got %d characters", len(token))
	}
	return nil
}

// StartResaleAuthorization starts the change set BuildResaleAuthorizationChangeSet makes of o
// and p, with ClientRequestToken token and the change set name ChangeSetName(token), by which
// FindResaleAuthorizationChangeSet finds it.
func (c *Catalog) StartResaleAuthorization(ctx context.Context, conn *dealdesk.AWSConnection, o *dealdesk.Offer, p *dealdesk.Product, token string) (string, error) {
	changes, err := BuildResaleAuthorizationChangeSet(o, p)
	if err != nil {
		return "", err
	}
	if err := checkToken(token); err != nil {
		return "", err
	}
	cl, err := c.client(ctx, conn)
	if err != nil {
		return "", err
	}
	in := &marketplacecatalog.StartChangeSetInput{
		Catalog:            aws.String(catalogName),
		ChangeSet:          sdkChanges(changes),
		ClientRequestToken: aws.String(token),
	}
	in.ChangeSetName = aws.String(ChangeSetName(token))
	out, err := cl.StartChangeSet(ctx, in)
	if err != nil {
		return "", awsError("StartChangeSet", err)
	}
	return aws.ToString(out.ChangeSetId), nil
}

// RestrictResaleAuthorization starts a change set of one RestrictResaleAuthorization change
// (its DetailsDocument must be empty) with ClientRequestToken token.
func (c *Catalog) RestrictResaleAuthorization(ctx context.Context, conn *dealdesk.AWSConnection, resaleAuthorizationID, token string) (string, error) {
	if resaleAuthorizationID == "" {
		return "", fmt.Errorf("awsmp: no resale authorization ID to restrict")
	}
	if err := checkToken(token); err != nil {
		return "", err
	}
	cl, err := c.client(ctx, conn)
	if err != nil {
		return "", err
	}
	out, err := cl.StartChangeSet(ctx, &marketplacecatalog.StartChangeSetInput{
		Catalog: aws.String(catalogName),
		ChangeSet: sdkChanges([]Change{{ChangeType: ChangeRestrict,
			Entity: Entity{Type: ResaleAuthorizationType, Identifier: resaleAuthorizationID}, DetailsDocument: emptyDetails{}}}),
		ClientRequestToken: aws.String(token),
	})
	if err != nil {
		return "", awsError("StartChangeSet", err)
	}
	return aws.ToString(out.ChangeSetId), nil
}

// DescribeChangeSet reads a change set: its status, the resale authorization its Create
// change made (once SUCCEEDED) and every ErrorDetailList entry with the opportunity's field it
// concerns (errorFields).
func (c *Catalog) DescribeChangeSet(ctx context.Context, conn *dealdesk.AWSConnection, changeSetID string) (*dealdesk.ChangeSetResult, error) {
	cl, err := c.client(ctx, conn)
	if err != nil {
		return nil, err
	}
	out, err := cl.DescribeChangeSet(ctx, &marketplacecatalog.DescribeChangeSetInput{
		Catalog: aws.String(catalogName), ChangeSetId: aws.String(changeSetID),
	})
	if err != nil {
		return nil, awsError("DescribeChangeSet", err)
	}
	r := &dealdesk.ChangeSetResult{
		ChangeSetID:        aws.ToString(out.ChangeSetId),
		Status:             dealdesk.ChangeSetStatus(out.Status),
		FailureCode:        string(out.FailureCode),
		FailureDescription: aws.ToString(out.FailureDescription),
	}
	for _, ch := range out.ChangeSet {
		changeType := aws.ToString(ch.ChangeType)
		if changeType == ChangeCreate && r.Status == dealdesk.ChangeSetSucceeded && ch.Entity != nil {
			if id := entityID(aws.ToString(ch.Entity.Identifier)); id != "" && !strings.HasPrefix(id, "$") {
				r.ResaleAuthorizationID = id
			}
		}
		if len(ch.ErrorDetailList) == 0 {
			continue
		}
		details := detailsJSON(ch.DetailsDocument, ch.Details)
		for _, e := range ch.ErrorDetailList {
			code, msg := aws.ToString(e.ErrorCode), aws.ToString(e.ErrorMessage)
			r.Errors = append(r.Errors, dealdesk.ChangeSetError{
				Field: errorField(changeType, code, msg, details), ChangeType: changeType, Code: code, Message: msg,
			})
		}
	}
	return r, nil
}

// entityID returns the entity ID of an identifier written EntityId@RevisionId.
func entityID(identifier string) string {
	id, _, _ := strings.Cut(identifier, "@")
	return id
}

// detailsJSON returns an entity's or change's details as JSON: the DetailsDocument when
// present, else the Details string; nil when neither can be read.
func detailsJSON(doc document.Interface, details *string) []byte {
	if doc != nil {
		if b, err := doc.MarshalSmithyDocument(); err == nil {
			return b
		}
	}
	if details != nil {
		return []byte(*details)
	}
	return nil
}
