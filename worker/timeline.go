package worker

import (
	"context"

	"github.com/dealdesk/dealdesk"
)

// TimelineRecorder records the workers' outcomes on the opportunity's timeline (decision 014),
// which also notifies the vendor of PUBLISHED, PUBLISH_FAILED and RESTRICT_FAILED. An outcome
// reported twice (a job run again after a crash) is recorded once: its Ref is the entry's
// source reference.
type TimelineRecorder struct {
	Timeline dealdesk.TimelineService
}

// outcomeKinds are the timeline kinds of the outcomes that go on the timeline.
var outcomeKinds = map[dealdesk.PublishOutcomeKind]dealdesk.TimelineKind{
	dealdesk.OutcomePublished:      dealdesk.TimelinePublished,
	dealdesk.OutcomePublishFailed:  dealdesk.TimelinePublishFailed,
	dealdesk.OutcomeRestricted:     dealdesk.TimelineRestricted,
	dealdesk.OutcomeRestrictFailed: dealdesk.TimelineRestrictFailed,
	dealdesk.OutcomeExpired:        dealdesk.TimelineExpired,
}

// RecordPublishOutcome implements dealdesk.PublishRecorder.
func (r TimelineRecorder) RecordPublishOutcome(ctx context.Context, o dealdesk.PublishOutcome) error {
	kind, ok := outcomeKinds[o.Kind]
	if !ok {
		return nil
	}
	source := dealdesk.SourceCall
	if o.Kind == dealdesk.OutcomeExpired {
		source = dealdesk.SourceReconcile
	}
	_, _, err := r.Timeline.AddTimelineEntry(dealdesk.NewContextWithOrgID(ctx, o.OrgID), dealdesk.TimelineEntry{
		OpportunityID: o.OfferID, SubjectType: dealdesk.SubjectOffer, SubjectID: o.OfferID, Kind: kind, At: o.At,
		Source: source, SourceRef: dealdesk.Clip(o.Ref, dealdesk.MaxExternalIDLength), Summary: dealdesk.Clip(o.Summary, dealdesk.MaxTimelineSummaryLength),
	})
	return err
}
