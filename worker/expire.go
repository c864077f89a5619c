package worker

import (
	"context"

	"github.com/riverqueue/river"

	"github.com/dealdesk/dealdesk"
)

// ExpireOpportunitiesJob moves ACTIVE opportunities past their expiry date to EXPIRED. It runs
// periodically (Config.ExpiryInterval) on the River leader, for every organization.
type ExpireOpportunitiesJob struct{}

// Kind names the job.
func (ExpireOpportunitiesJob) Kind() string { return "expire_opportunities" }

// expireWorker works ExpireOpportunitiesJob. An opportunity is valid through its expiry date
// (AWS ends the resale authorization's availability at the end of that day, UTC), so it expires
// on the day after.
//
// USED (a one-time opportunity a reseller has made its offer from) is not decided here: it
// needs each resale authorization read from AWS, which the reconciliation job does, and the
// Offer Released event tells it first.
type expireWorker struct {
	river.WorkerDefaults[ExpireOpportunitiesJob]
	*base
}

// Work expires what is due today.
func (w *expireWorker) Work(ctx context.Context, _ *river.Job[ExpireOpportunitiesJob]) error {
	expired, err := w.cfg.Store.ExpireOpportunities(ctx, dealdesk.DateOf(w.cfg.Now()))
	if err != nil {
		return err
	}
	for _, o := range expired {
		w.record(ctx, dealdesk.PublishOutcome{OrgID: o.OrgID, OfferID: o.ID, Kind: dealdesk.OutcomeExpired,
			Ref: "expiry-" + o.ExpiryDate.String(), Summary: "The opportunity passed its expiry date " + o.ExpiryDate.String() + "."})
	}
	return nil
}
