package dealdesk

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Catalog is what the domain needs of the AWS Marketplace Catalog API for one seller account:
// publish an opportunity as a resale authorization and follow it, restrict it, and read the
// products, resale authorizations and CPPO offers the account can see. Every method may return
// an *AWSError; Retryable tells the caller whether trying again later can succeed (throttling,
// a locked entity, an AWS fault, a network failure) or not (validation, access denied, not
// found). Implemented by the awsmp package.
type Catalog interface {
	// StartResaleAuthorization starts the one change set that creates, prices and releases the
	// resale authorization of opportunity o (a CPPO_OUT offer) for product p, and returns the
	// change set's ID. token is the change set's ClientRequestToken (1..64 printable ASCII, see
	// PublishToken): AWS answers the same change set for the same token and request, so a retry
	// never creates a second resale authorization. Returns EINVALID naming the opportunity's
	// fields when o cannot be expressed as a change set.
	StartResaleAuthorization(ctx context.Context, conn *AWSConnection, o *Offer, p *Product, token string) (changeSetID string, err error)
	// DescribeChangeSet returns where a change set is, and for a FAILED one AWS's errors mapped
	// to the opportunity's own field names.
	DescribeChangeSet(ctx context.Context, conn *AWSConnection, changeSetID string) (*ChangeSetResult, error)
	// FindResaleAuthorizationChangeSet returns the ID of the change set StartResaleAuthorization
	// started with ClientRequestToken token (each is named after its token, so ListChangeSets
	// finds it by name), "" when the Catalog lists none: how a worker learns whether a call
	// whose answer was lost created one (decision 021). When several are listed (not expected),
	// the earliest.
	FindResaleAuthorizationChangeSet(ctx context.Context, conn *AWSConnection, token string) (changeSetID string, err error)
	// RestrictResaleAuthorization starts the change set that restricts (irreversibly) an active
	// resale authorization: no new CPPO offer can be made from it; existing ones stay. token as
	// for StartResaleAuthorization (see RestrictToken).
	RestrictResaleAuthorization(ctx context.Context, conn *AWSConnection, resaleAuthorizationID, token string) (changeSetID string, err error)
	// ListSaaSProducts returns the account's SaaS products with their dimensions (ExternalID,
	// Title, Dimensions set; ProductCode where the Catalog shows it).
	ListSaaSProducts(ctx context.Context, conn *AWSConnection) ([]*Product, error)
	// ListResaleAuthorizations returns every resale authorization the account owns.
	ListResaleAuthorizations(ctx context.Context, conn *AWSConnection) ([]*ResaleAuthorization, error)
	// DescribeResaleAuthorization returns one resale authorization; an *AWSError with status
	// 404 when there is none.
	DescribeResaleAuthorization(ctx context.Context, conn *AWSConnection, id string) (*ResaleAuthorization, error)
	// ListCPPOOffers returns the CPPO offers that resellers made from the account's resale
	// authorizations and that the Catalog shares with it (OwnershipType SHARED).
	ListCPPOOffers(ctx context.Context, conn *AWSConnection) ([]*CatalogOffer, error)
	// ListResaleAuthorizationSummaries lists the resale authorizations the account owns as
	// ListEntities shows them, without describing any (see CatalogEntitySummary).
	ListResaleAuthorizationSummaries(ctx context.Context, conn *AWSConnection) ([]*CatalogEntitySummary, error)
	// ListSharedOfferSummaries lists the offers the Catalog shares with the account as
	// ListEntities shows them, without describing any; offers not made from a resale
	// authorization are among them when the listing does not tell.
	ListSharedOfferSummaries(ctx context.Context, conn *AWSConnection) ([]*CatalogEntitySummary, error)
	// DescribeOffer returns one CPPO offer; an *AWSError with status 404 when there is none.
	DescribeOffer(ctx context.Context, conn *AWSConnection, offerID string) (*CatalogOffer, error)
}

// ChangeSetStatus is where an AWS Catalog change set is.
type ChangeSetStatus string

// Change set statuses (DescribeChangeSet's Status).
const (
	ChangeSetPreparing ChangeSetStatus = "PREPARING"
	ChangeSetApplying  ChangeSetStatus = "APPLYING"
	ChangeSetSucceeded ChangeSetStatus = "SUCCEEDED"
	ChangeSetFailed    ChangeSetStatus = "FAILED"
	ChangeSetCancelled ChangeSetStatus = "CANCELLED"
)

// Ended reports whether a change set in status s will not change any more.
func (s ChangeSetStatus) Ended() bool {
	return s == ChangeSetSucceeded || s == ChangeSetFailed || s == ChangeSetCancelled
}

// Failure codes of a FAILED change set.
const (
	FailureClientError = "CLIENT_ERROR" // the request is wrong: Errors say where; fix and submit again
	FailureServerFault = "SERVER_FAULT" // AWS failed: nothing was applied; start again with a new token
)

// ChangeSetResult is what DescribeChangeSet says about a change set.
type ChangeSetResult struct {
	ChangeSetID string
	Status      ChangeSetStatus
	// ResaleAuthorizationID is the ID of the resale authorization the change set created, set
	// once it SUCCEEDED.
	ResaleAuthorizationID string
	FailureCode           string // FailureClientError or FailureServerFault, when FAILED
	FailureDescription    string
	// Errors are the ErrorDetailList entries of every change, each named by the opportunity's
	// field it concerns.
	Errors []ChangeSetError
}

// ChangeSetError is one error AWS found in a change of a change set.
type ChangeSetError struct {
	// Field is the opportunity's field the error concerns, as the API names it
	// ("commitAmount", "dimensionPrices[1].dimensionKey"); "" when it concerns the
	// opportunity as a whole.
	Field      string
	ChangeType string // e.g. "UpdatePricingTerms"
	Code       string // AWS's ErrorCode, e.g. "INVALID_RATE_CARD"
	Message    string // AWS's ErrorMessage
}

// FieldErrors returns the errors of r as field errors for the opportunity's PublishErrors; an
// error with no field is named "opportunity".
func (r *ChangeSetResult) FieldErrors() []FieldError {
	out := make([]FieldError, 0, len(r.Errors))
	for _, e := range r.Errors {
		field := e.Field
		if field == "" {
			field = "opportunity"
		}
		out = append(out, FieldError{Field: Clip(field, maxFieldBytes), Message: Clip(e.Code+": "+e.Message, maxFieldMessageBytes)})
	}
	return out
}

// ResaleAuthorizationStatus is the status AWS gives a resale authorization.
type ResaleAuthorizationStatus string

// Resale authorization statuses (reference §1.5).
const (
	ResaleAuthorizationDraft      ResaleAuthorizationStatus = "Draft"
	ResaleAuthorizationActive     ResaleAuthorizationStatus = "Active"
	ResaleAuthorizationRestricted ResaleAuthorizationStatus = "Restricted"
)

// ResaleAuthorization is a resale authorization as the Catalog shows it, for reconciliation.
type ResaleAuthorization struct {
	ID                 string // resaleauthz-...
	Name               string
	ProductExternalID  string // AWS product ID, prod-...
	ResellerAccountID  string
	Status             ResaleAuthorizationStatus
	BuyerAccountIDs    []string
	AvailabilityEnd    *time.Time // the expiry, end of that day UTC; nil when it has none
	OneTime            bool       // OffersMaxQuantity 1
	OfferCreatedCount  int
	OfferExtendedState string // "Not Started", "Completed-Used", "Completed-Usable"
	LastModified       time.Time
}

// Used reports whether a one-time resale authorization has been used for its one offer.
func (r *ResaleAuthorization) Used() bool {
	return r.OfferExtendedState == "Completed-Used" || (r.OneTime && r.OfferCreatedCount > 0)
}

// CatalogEntitySummary is an entity as the Catalog's ListEntities shows it, before it is
// described: its ID and last change, and, when the listing carries the entity type's summary
// (Summarized), what reconciliation needs to tell whether describing it can change anything
// (review F10, decision 022).
type CatalogEntitySummary struct {
	ID           string    // resaleauthz-... or offer-...
	LastModified time.Time // zero when the listing does not give it
	Summarized   bool      // the fields below are read from the listing's summary
	// State is an offer's State ("Draft", "Released") or a resale authorization's Status
	// ("Active", "Restricted", ...).
	State string
	// ResaleAuthorizationID is the resale authorization an offer was made from; "" for an
	// offer not made from one.
	ResaleAuthorizationID string
	// OfferExtendedState is a resale authorization's OfferExtendedStatus ("Not Started",
	// "Completed-Used", "Completed-Usable").
	OfferExtendedState string
	// AvailabilityEnd is a resale authorization's availability end; nil when it has none.
	AvailabilityEnd *time.Time
}

// CatalogOffer is a CPPO offer as the Catalog shows it: Offer holds its fields (Type CPPO,
// ExternalID the offer ID, Name, ResellerAccountID, BuyerAccountIDs, ExpiryDate and
// MarkupPercentage where present), with the resale authorization and product it was made from.
type CatalogOffer struct {
	Offer                 *Offer
	ResaleAuthorizationID string
	ProductExternalID     string
	State                 string // "Draft" or "Released"
}

// AWSError is a failed call to an AWS API, classified so that callers need not know the SDK.
type AWSError struct {
	Operation string // e.g. "StartChangeSet"
	Code      string // AWS's error code, e.g. "ThrottlingException"; "" when no answer came
	Status    int    // HTTP status; 0 when no answer came
	Message   string // AWS's message; never holds credentials
	// Retryable says whether the same call may succeed later: throttling, 423
	// ResourceInUseException, 5xx, network failures. Validation, access and not-found errors
	// are not.
	Retryable bool
	Err       error // the SDK's error, for logs
}

// Error implements the error interface.
func (e *AWSError) Error() string {
	switch {
	case e.Code != "":
		return fmt.Sprintf("aws %s: %s (HTTP %d): %s", e.Operation, e.Code, e.Status, e.Message)
	case e.Err != nil:
		return fmt.Sprintf("aws %s: %v", e.Operation, e.Err)
	}
	return fmt.Sprintf("aws %s: %s", e.Operation, e.Message)
}

// Unwrap returns the SDK's error.
func (e *AWSError) Unwrap() error { return e.Err }

// NotFound reports whether AWS answered that the resource does not exist.
func (e *AWSError) NotFound() bool { return e.Status == 404 || e.Code == "ResourceNotFoundException" }

// Retryable reports whether err, or an error it wraps, is an *AWSError that may succeed when
// the same call is made again later.
func Retryable(err error) bool {
	var e *AWSError
	return errors.As(err, &e) && e.Retryable
}

// PublishToken is the ClientRequestToken of the attempt-th submission (1, 2, ...) of the
// opportunity offerID: the same submission retried keeps its token and so can never create a
// second resale authorization, while a resubmission after an edit gets a new one (AWS refuses a
// token reused with a different request).
func PublishToken(offerID string, attempt int) string {
	return "dd-pub-" + offerID + "-" + strconv.Itoa(attempt)
}

// RestrictToken is the ClientRequestToken of the restriction of opportunity offerID.
func RestrictToken(offerID string) string { return "dd-rst-" + offerID }
