package dealdesk

import (
	"context"
	"slices"
	"time"
)

// PrefixTimelineEntry is the ID prefix of timeline entries.
const PrefixTimelineEntry = "tle"

// TimelineSubject says what kind of row a timeline entry is about.
type TimelineSubject string

// Timeline subjects.
const (
	SubjectOffer       TimelineSubject = "OFFER"       // an opportunity (CPPO_OUT) or a CPPO offer
	SubjectEntitlement TimelineSubject = "ENTITLEMENT" // a CPPO entitlement (an AWS agreement)
)

// TimelineSubjects lists every timeline subject.
var TimelineSubjects = []TimelineSubject{SubjectOffer, SubjectEntitlement}

// TimelineKind is what happened to a deal, in the CPPO process's words.
type TimelineKind string

// Timeline kinds.
const (
	TimelinePublished        TimelineKind = "PUBLISHED"          // the opportunity is a resale authorization on AWS
	TimelinePublishFailed    TimelineKind = "PUBLISH_FAILED"     // AWS refused the opportunity's change set
	TimelineRestricted       TimelineKind = "RESTRICTED"         // the resale authorization was restricted (cancelled)
	TimelineRestrictFailed   TimelineKind = "RESTRICT_FAILED"    // the resale authorization of a cancelled opportunity is still live
	TimelineExpired          TimelineKind = "EXPIRED"            // the opportunity or offer passed its expiry date
	TimelineUsed             TimelineKind = "USED"               // a one-time opportunity was used by its reseller
	TimelineCPPOOfferCreated TimelineKind = "CPPO_OFFER_CREATED" // the reseller released a CPPO offer (Offer Released)
	TimelineAccepted         TimelineKind = "ACCEPTED"           // the buyer accepted (Purchase Agreement Created)
	TimelineLicenseUpdated   TimelineKind = "LICENSE_UPDATED"    // License Updated: license ARN and product code
	TimelineAmended          TimelineKind = "AMENDED"            // Purchase Agreement Amended
	TimelineEnded            TimelineKind = "ENDED"              // Purchase Agreement Ended or License Deprovisioned
	TimelineRepaired         TimelineKind = "REPAIRED"           // reconciliation fixed what events missed
	// TimelineMeteringFailed: metering records of the entitlement failed for good or expired
	// before they could be sent (MeteringStore.FailMeteringRecords).
	TimelineMeteringFailed TimelineKind = "METERING_FAILED"
)

// TimelineKinds lists every timeline kind.
var TimelineKinds = []TimelineKind{TimelinePublished, TimelinePublishFailed, TimelineRestricted, TimelineRestrictFailed, TimelineExpired,
	TimelineUsed, TimelineCPPOOfferCreated, TimelineAccepted, TimelineLicenseUpdated, TimelineAmended, TimelineEnded,
	TimelineRepaired, TimelineMeteringFailed}

// Valid reports whether k is a known timeline kind.
func (k TimelineKind) Valid() bool { return slices.Contains(TimelineKinds, k) }

// Notifies reports whether an entry of kind k also makes a notification: the steps issue 7
// names (opportunity published or failed, partner offer created, buyer accepted, entitlement
// ended, reconciliation repaired something), a cancelled opportunity's resale authorization
// left live (decision 021: the vendor has to cancel again) and issue 8's metering that failed or
// expired.
func (k TimelineKind) Notifies() bool {
	switch k {
	case TimelinePublished, TimelinePublishFailed, TimelineRestrictFailed, TimelineCPPOOfferCreated, TimelineAccepted, TimelineEnded, TimelineRepaired,
		TimelineMeteringFailed:
		return true
	}
	return false
}

// TimelineSource says how dealdesk learnt what an entry reports.
type TimelineSource string

// Timeline sources.
const (
	SourceEvent     TimelineSource = "EVENT"     // an AWS event; SourceRef is the event's ID
	SourceCall      TimelineSource = "CALL"      // dealdesk's own AWS call; SourceRef is e.g. the change set ID
	SourceReconcile TimelineSource = "RECONCILE" // a reconciliation read; SourceRef names the run or the read
	SourceUser      TimelineSource = "USER"      // a user's action; SourceRef names the user or API key
)

// TimelineSources lists every timeline source.
var TimelineSources = []TimelineSource{SourceEvent, SourceCall, SourceReconcile, SourceUser}

// Valid reports whether s is a known timeline source.
func (s TimelineSource) Valid() bool { return slices.Contains(TimelineSources, s) }

// TimelineEntry is one thing that happened to an offer or entitlement of a deal: what (Kind),
// when (At: AWS's time when AWS says, else dealdesk's), and how dealdesk knows (Source and
// SourceRef). An entry is identified by what it reports: the same kind, subject, source and
// source reference is recorded once, so a redelivered event or a retried job adds nothing.
type TimelineEntry struct {
	ID            string          `json:"id"`
	OrgID         string          `json:"-"`
	OpportunityID string          `json:"opportunityId,omitempty"` // the deal's CPPO_OUT offer, when known on recording
	SubjectType   TimelineSubject `json:"subjectType"`
	SubjectID     string          `json:"subjectId"` // an offer's or entitlement's ID
	Kind          TimelineKind    `json:"kind"`
	At            time.Time       `json:"at"`
	Source        TimelineSource  `json:"source"`
	SourceRef     string          `json:"sourceRef"` // an event ID, a change set ID, ...
	Summary       string          `json:"summary"`   // one line for people, at most 1,000 characters
	CreatedAt     time.Time       `json:"createdAt"`
}

// MaxTimelineSummaryLength is the longest Summary of a timeline entry, in characters.
const MaxTimelineSummaryLength = 1000

// ValidateTimelineEntry checks an entry before it is recorded: kind, time, source and source
// reference are required; the subject is checked by the store, which sets it when the entry
// comes with a save. The error lists every bad field, under prefix (e.g. "happened[0].").
func ValidateTimelineEntry(e TimelineEntry, prefix string) error {
	var p Problems
	if !e.Kind.Valid() {
		p.Add(prefix+"kind", "%s", OneOf(TimelineKinds))
	}
	if e.At.IsZero() {
		p.Add(prefix+"at", "is required")
	}
	if !e.Source.Valid() {
		p.Add(prefix+"source", "%s", OneOf(TimelineSources))
	}
	p.CheckText(prefix+"sourceRef", e.SourceRef, 1, MaxExternalIDLength)
	p.CheckText(prefix+"summary", e.Summary, 0, MaxTimelineSummaryLength)
	return p.Err()
}

// TimelineService records what happened to the deals of the caller's organization. Every
// method returns EUNAUTHORIZED when the context carries no organization. The timeline is read
// with the deal's chain (OfferService.FindOfferChain).
type TimelineService interface {
	// AddTimelineEntry records e on the timeline of its subject (SubjectType and SubjectID, an
	// offer or entitlement of the organization), and a Notification when e.Kind.Notifies(). It
	// returns the entry as stored and whether it was new: an entry already recorded (same
	// subject, kind, source and source reference) is returned unchanged with created false.
	// Returns EINVALID naming every bad field (see ValidateTimelineEntry; an unknown subject is
	// a bad subjectId). Save methods take entries too, to record them with the change itself.
	AddTimelineEntry(ctx context.Context, e TimelineEntry) (entry *TimelineEntry, created bool, err error)
}
