package dealdesk

import (
	"context"
	"strconv"
	"time"
)

// Publication is where the publishing of an opportunity (a CPPO_OUT offer) on AWS is: which
// submission is being published, by which job, with which change set, and where the
// restriction of its resale authorization is once it was cancelled (decision 015).
type Publication struct {
	OfferID string
	// Attempt numbers the change sets started for the opportunity (1, 2, ...): the token of the
	// current one is PublishToken(OfferID, Attempt). It goes up with every submission
	// (SubmitOffer, a resubmission after CREATE_FAILED included) and when AWS failed a change
	// set with SERVER_FAULT; never on a retry, so a retry can never create a second resale
	// authorization.
	Attempt int
	// JobID is the publish job of the current submission; any other job has nothing to do.
	JobID int64
	// ChangeSetID is the current attempt's change set, "" until StartChangeSet answered.
	ChangeSetID string
	// Settled reports that AWS is known to have created nothing under the current attempt's
	// token that ChangeSetID does not show: no StartChangeSet was sent with it yet, or AWS
	// refused one synchronously (ValidationException, field errors), or its change set ended
	// FAILED or CANCELLED. It is false from just before the first StartChangeSet until then:
	// an answer lost to a timeout or a 5xx may hide a change set AWS created. A new attempt,
	// so a new token, is only ever started from a settled one (decision 021).
	Settled bool
	// CarriedOver reports that the current attempt was started for an earlier submission and
	// was not settled when the opportunity was submitted again: the job settles it first (its
	// change set, if it SUCCEEDED, is the resale authorization, without the later edits) and
	// only then publishes the new submission under a new attempt (decision 021).
	CarriedOver bool
	// Named reports that the current attempt's change set is named after its token, so that
	// Catalog.FindResaleAuthorizationChangeSet finds it: set when the attempt is unsettled by
	// a version that names change sets so; an attempt started before is never settled by a
	// lookup by name (decision 021).
	Named bool
	// RestrictAttempt numbers the restrictions started for the cancelled opportunity (0 before
	// any): the token of the current one is RestrictAttemptToken(OfferID, RestrictAttempt). It
	// goes up when AWS failed one with SERVER_FAULT and when the vendor cancels again after a
	// restriction failed.
	RestrictAttempt int
	// RestrictChangeSetID is the change set restricting the resale authorization, "" until
	// started; RestrictResult is "" while it runs, then SUCCEEDED or the failure AWS gave.
	RestrictChangeSetID string
	RestrictResult      string
	// RestrictJobID is the restrict job that last worked the restriction; 0 before one ran.
	RestrictJobID int64
	UpdatedAt     time.Time
}

// RestrictFailed reports whether the restriction ended without restricting the resale
// authorization: the vendor may cancel again to start a new one.
func (p *Publication) RestrictFailed() bool {
	return p.RestrictResult != "" && p.RestrictResult != string(ChangeSetSucceeded)
}

// RestrictAttemptToken is the ClientRequestToken of the attempt-th restriction of opportunity
// offerID: RestrictToken for the first (and for 0, before attempts were numbered), then
// "dd-rst-<offerID>-<attempt>", as long as PublishToken's.
func RestrictAttemptToken(offerID string, attempt int) string {
	if attempt <= 1 {
		return RestrictToken(offerID)
	}
	return RestrictToken(offerID) + "-" + strconv.Itoa(attempt)
}

// PublishOutcomeKind says how the publishing, the restriction or the life of an opportunity
// ended. The values are the timeline's kinds of the same steps (PUBLISHED, PUBLISH_FAILED,
// RESTRICTED, EXPIRED), so that recording an outcome on the timeline is a copy.
type PublishOutcomeKind string

// Publish outcome kinds.
const (
	OutcomePublished      PublishOutcomeKind = "PUBLISHED"       // ACTIVE: AWS created the resale authorization
	OutcomePublishFailed  PublishOutcomeKind = "PUBLISH_FAILED"  // CREATE_FAILED: AWS refused it, or it could not be sent
	OutcomeRestricted     PublishOutcomeKind = "RESTRICTED"      // the cancelled opportunity's resale authorization is restricted
	OutcomeRestrictFailed PublishOutcomeKind = "RESTRICT_FAILED" // AWS refused to restrict it
	OutcomeExpired        PublishOutcomeKind = "EXPIRED"         // ACTIVE past its expiry date
)

// PublishOutcome is one end reached by a publish, restrict or expiry job.
type PublishOutcome struct {
	OrgID   string
	OfferID string
	Kind    PublishOutcomeKind
	At      time.Time
	// ChangeSetID is the AWS change set that decided it; "" for an expiry or an error before any.
	ChangeSetID string
	// Ref identifies the step, so that recording it twice records it once: the change set ID,
	// else the ClientRequestToken of the call that failed, else "expiry-<date>".
	Ref     string
	Summary string // one line for people
}

// PublishStore is what the publish, restrict and expiry workers need of the store. Methods
// taking a context read the organization from it (EUNAUTHORIZED without one) and return
// ENOTFOUND for an offer that is not one of its opportunities.
type PublishStore interface {
	// FindOfferByID and FindProductByID read the opportunity and its product.
	FindOfferByID(ctx context.Context, id string) (*Offer, error)
	FindProductByID(ctx context.Context, id string) (*Product, error)
	// AWSConnectionWithSecret returns the organization's AWS connection with its secret access
	// key, to call AWS with; ENOTFOUND when none is set.
	AWSConnectionWithSecret(ctx context.Context) (*AWSConnection, error)

	// PublishAttempt returns the publication of a PENDING_CREATE opportunity for job jobID:
	// the attempt and the change set, if any, that the job is to continue (every run of a job,
	// a retry, a snooze or a rescue after a crash, gets the same ones back). Returns ECONFLICT
	// when the opportunity is not PENDING_CREATE (nothing to publish) or jobID is not the job
	// its submission recorded (OfferService.SubmitOffer starts each attempt with its job).
	PublishAttempt(ctx context.Context, offerID string, jobID int64) (*Publication, error)
	// UnsettlePublishAttempt records, before StartChangeSet is first sent with attempt's token,
	// that the attempt is no longer settled (Publication.Settled). Returns ECONFLICT when
	// attempt is no longer the current one.
	UnsettlePublishAttempt(ctx context.Context, offerID string, attempt int) error
	// SetPublishChangeSet records the change set StartChangeSet answered for attempt. Returns
	// ECONFLICT when attempt is no longer the current one.
	SetPublishChangeSet(ctx context.Context, offerID string, attempt int, changeSetID string) error
	// NextPublishAttempt starts a new, settled attempt after AWS ended attempt's change set
	// without creating anything (FAILED with SERVER_FAULT; or FAILED or CANCELLED for an attempt
	// carried over from an earlier submission) and returns it. Returns ECONFLICT when attempt
	// is no longer the current one.
	NextPublishAttempt(ctx context.Context, offerID string, attempt int) (*Publication, error)
	// NotePublishProblem shows on a PENDING_CREATE opportunity (in PublishErrors) why its
	// publish waits to be retried, e.g. that no AWS connection is set; nil clears it.
	NotePublishProblem(ctx context.Context, offerID string, problems []FieldError) error
	// PublishSucceeded makes a PENDING_CREATE opportunity ACTIVE with ExternalID
	// resaleAuthorizationID and notes as its PublishErrors (e.g. that edits resubmitted while
	// an earlier change set was unsettled were not published). PublishFailed makes it
	// CREATE_FAILED with problems as its PublishErrors and marks its attempt settled: call it
	// only when AWS is known to have created nothing under the attempt's token (decision 021).
	// Both record happened on the opportunity's timeline (and notify) in the same transaction
	// as the state change, so that no crash leaves the outcome untold (review F3-2, decision
	// 021), and return ECONFLICT when it is no longer PENDING_CREATE.
	PublishSucceeded(ctx context.Context, offerID, resaleAuthorizationID string, notes []FieldError, happened ...TimelineEntry) (*Offer, error)
	PublishFailed(ctx context.Context, offerID string, problems []FieldError, happened ...TimelineEntry) (*Offer, error)

	// FindPublication returns an opportunity's publication; ENOTFOUND when it never had one.
	FindPublication(ctx context.Context, offerID string) (*Publication, error)
	// RestrictionJob returns the publication of a CANCELLED opportunity for its restrict job
	// jobID and records jobID as the job working the restriction (so that a job that died can
	// be told, see RestartOrphanedPublications). ENOTFOUND when it never had a publication.
	RestrictionJob(ctx context.Context, offerID string, jobID int64) (*Publication, error)
	// SetRestrictChangeSet records the change set of restriction attempt attempt of a
	// CANCELLED opportunity's resale authorization; NextRestrictAttempt starts a new one after
	// AWS failed attempt's change set with SERVER_FAULT (nothing applied) and returns it. Both
	// return ECONFLICT when attempt is no longer the current one (the vendor cancelled again).
	SetRestrictChangeSet(ctx context.Context, offerID string, attempt int, changeSetID string) error
	NextRestrictAttempt(ctx context.Context, offerID string, attempt int) (*Publication, error)
	// RestrictEnded records how restriction attempt attempt ended (see
	// Publication.RestrictResult); a failure is also shown in the opportunity's PublishErrors
	// (field "restriction") until the vendor cancels again. ECONFLICT when attempt is no
	// longer the current one.
	// happened is recorded on the timeline in the same transaction.
	RestrictEnded(ctx context.Context, offerID string, attempt int, result string, happened ...TimelineEntry) error
	// NoteRestrictProblem shows on a CANCELLED opportunity (in PublishErrors) why restriction
	// attempt attempt waits to be retried; ECONFLICT when attempt is no longer the current one
	// or the restriction has ended.
	NoteRestrictProblem(ctx context.Context, offerID string, attempt int, problems []FieldError) error
	// RestartOrphanedPublications finds, in every organization, the publications whose job
	// died (River discarded or cancelled it, or removed it, after a panic, a crash or a failure
	// on its last attempt) while the opportunity still waits for it, and does not leave them
	// orphaned (decision 021): a PENDING_CREATE opportunity gets a new publish job that owns
	// the same attempt (so the same token) and a PublishErrors note saying so; a CANCELLED
	// opportunity whose restriction has no result ends RESTRICT_FAILED (PublishErrors, the
	// timeline and a notification), so that the vendor can cancel it again. It needs no
	// organization in ctx and returns what it did.
	RestartOrphanedPublications(ctx context.Context) ([]OrphanedPublication, error)

	// ExpireOpportunities moves every organization's ACTIVE opportunities whose expiry date is
	// before today (an opportunity is valid through its expiry date) to EXPIRED, and returns
	// them. It needs no organization in ctx.
	ExpireOpportunities(ctx context.Context, today Date) ([]*Offer, error)
}

// OrphanedPublication is a publication RestartOrphanedPublications found without a live job.
type OrphanedPublication struct {
	OrgID   string
	OfferID string
	// Restrict reports a restriction (ended RESTRICT_FAILED); else a publish (restarted with
	// job NewJobID).
	Restrict  bool
	DeadJobID int64 // the job that died; 0 when none is known
	NewJobID  int64
}

// PublishRecorder is told of every outcome the workers reach, after the store recorded it:
// the hook where the deal's timeline and notifications record them (TimelineService).
type PublishRecorder interface {
	RecordPublishOutcome(ctx context.Context, o PublishOutcome) error
}
