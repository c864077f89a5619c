package dealdesk

// Background work recorded in the same transaction as the state change that calls for it. The
// argument types satisfy the job queue's JobArgs interface (a Kind method) without importing it.

// PublishOpportunityJob publishes a submitted opportunity to AWS as a resale authorization.
type PublishOpportunityJob struct {
	OrgID   string `json:"orgId"`
	OfferID string `json:"offerId"`
}

// Kind names the job.
func (PublishOpportunityJob) Kind() string { return "publish_opportunity" }

// RestrictOpportunityJob restricts the resale authorization of a cancelled opportunity on AWS.
type RestrictOpportunityJob struct {
	OrgID   string `json:"orgId"`
	OfferID string `json:"offerId"`
}

// Kind names the job.
func (RestrictOpportunityJob) Kind() string { return "restrict_opportunity" }
