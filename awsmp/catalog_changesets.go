package awsmp

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/marketplacecatalog"
	"github.com/aws/aws-sdk-go-v2/service/marketplacecatalog/types"

	"github.com/dealdesk/dealdesk"
)

// ChangeSetName is the name of the change set StartResaleAuthorization starts with
// ClientRequestToken token: "dealdesk <token>", one name per token (the token is at most 64
// printable characters, the name at most 100 of letters, digits, spaces and +=.:@_-), so that
// ListChangeSets filtered by name finds the change set a call whose answer was lost created
// (decision 021). Change sets of versions before it were named "dealdesk <offer ID>".
func ChangeSetName(token string) string { return "dealdesk " + token }

// FindResaleAuthorizationChangeSet lists the account's change sets named ChangeSetName(token)
// (ListChangeSets, FilterList ChangeSetName) and returns the earliest one's ID, "" when there
// is none.
func (c *Catalog) FindResaleAuthorizationChangeSet(ctx context.Context, conn *dealdesk.AWSConnection, token string) (string, error) {
	if err := checkToken(token); err != nil {
		return "", err
	}
	cl, err := c.client(ctx, conn)
	if err != nil {
		return "", err
	}
	out, err := cl.ListChangeSets(ctx, &marketplacecatalog.ListChangeSetsInput{
		Catalog:    aws.String(catalogName),
		FilterList: []types.Filter{{Name: aws.String("ChangeSetName"), ValueList: []string{ChangeSetName(token)}}},
		Sort:       &types.Sort{SortBy: aws.String("StartTime"), SortOrder: types.SortOrderAscending},
		MaxResults: aws.Int32(1),
	})
	if err != nil {
		return "", awsError("ListChangeSets", err)
	}
	if len(out.ChangeSetSummaryList) == 0 {
		return "", nil
	}
	return aws.ToString(out.ChangeSetSummaryList[0].ChangeSetId), nil
}
