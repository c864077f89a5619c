package web

import (
	"context"
	"net/http"

	"github.com/dealdesk/dealdesk"
)

// awsConnectionPage is what the AWS connection page shows: the form's values (never a secret
// access key: it is write-only), the stored connection (nil before the first save; it says
// whether a secret is kept and gives the external ID), the products with their metering
// identity, and the domain's errors by field.
type awsConnectionPage struct {
	Form        dealdesk.AWSConnectionInput // SecretAccessKey is always ""
	Stored      *dealdesk.AWSConnection
	Modes       []dealdesk.CredentialsMode
	Products    []*dealdesk.Product
	MoreProds   bool // more products than the page lists
	Errors      map[string][]string
	OtherErrors []string
	Notice      string
}

// awsConnectionInputs are the form's inputs, by the API's JSON names, so that the domain's
// errors about them show next to them.
var awsConnectionInputs = []string{"sellerAccountId", "region", "credentialsMode", "accessKeyId", "secretAccessKey",
	"roleArn", "endpointUrl", "sqsQueueUrl"}

// handleAWSConnectionShow shows the organization's AWS connection in its form:
// GET /settings/aws-connection. The secret access key is never shown or filled back.
func (h *Handler) handleAWSConnectionShow(w http.ResponseWriter, r *http.Request) {
	if h.cfg.AWSConnections == nil {
		h.settingsUnavailable(w, r)
		return
	}
	p, err := h.awsConnectionPage(r.Context())
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	if p.Stored != nil {
		c := p.Stored
		p.Form = dealdesk.AWSConnectionInput{SellerAccountID: c.SellerAccountID, Region: c.Region,
			CredentialsMode: c.CredentialsMode, AccessKeyID: c.AccessKeyID, RoleARN: c.RoleARN,
			EndpointURL: c.EndpointURL, SQSQueueURL: c.SQSQueueURL}
	} else {
		p.Form = dealdesk.AWSConnectionInput{Region: "us-east-1", CredentialsMode: dealdesk.CredentialsAssumeRole}
	}
	p.Notice = settingsNotice(r.URL.Query().Get("notice"))
	h.render(w, r, http.StatusOK, "settings_aws_connection", "settings", p)
}

// awsConnectionPage returns the page with the stored connection (nil when none is set) and the
// organization's products, without the form's values.
func (h *Handler) awsConnectionPage(ctx context.Context) (*awsConnectionPage, error) {
	p := &awsConnectionPage{Modes: dealdesk.CredentialsModes, Errors: map[string][]string{}}
	c, err := h.cfg.AWSConnections.FindAWSConnection(ctx)
	switch {
	case err == nil:
		p.Stored = c
	case dealdesk.ErrorCode(err) != dealdesk.ENOTFOUND:
		return nil, err
	}
	products, next, err := h.cfg.Products.FindProducts(ctx, dealdesk.ProductFilter{Limit: dealdesk.MaxPageSize})
	if err != nil {
		return nil, err
	}
	p.Products, p.MoreProds = products, next != ""
	return p, nil
}
