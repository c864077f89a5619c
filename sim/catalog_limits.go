package sim

import (
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/dealdesk/dealdesk/sim/invalid"
)

// The Catalog API's documented limits on identifiers and names (smithy model of
// marketplacecatalog, 2018-09-17; decision 009). An input that breaks one is a 422
// ValidationException, never a 404.
var (
	// resourceIDPattern is shape ResourceId: DescribeEntity's entityId, DescribeChangeSet's and
	// CancelChangeSet's changeSetId (1..255).
	resourceIDPattern = regexp.MustCompile(`^[\w\-]{1,255}$`)
	// batchEntityIDPattern is shape EntityId of BatchDescribeEntities (1..255).
	batchEntityIDPattern = regexp.MustCompile(`^[a-zA-Z0-9][.a-zA-Z0-9/-]+[a-zA-Z0-9]$`)
	// identifierPattern is shape Identifier of a change's Entity (1..255); a
	// $Name.Entity.Identifier reference is accepted besides (AWS's own samples use them).
	identifierPattern = regexp.MustCompile(`^[\w\-@]{1,255}$`)
	// changeNamePattern is shape ChangeName (1..72), read as letters only: the model's
	// `^[a-zA-Z]$` would allow a single letter, which AWS's samples contradict.
	changeNamePattern = regexp.MustCompile(`^[a-zA-Z]{1,72}$`)
	// tagPattern is shapes TagKey and TagValue.
	catalogTagPattern = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)
	// filterNamePattern is shape FilterName (1..255).
	filterNamePattern = regexp.MustCompile(`^[a-zA-Z]{1,255}$`)
	// detailsPattern is shape Json: a JSON object as a string of 2..16384 characters.
	detailsPattern = regexp.MustCompile(`^\s*\{[\s\S]*\}\s*$`)
)

// Limits of list members (shapes FilterList, ValueList, FilterValueContent, TagList, Json).
const (
	maxFilters       = 8
	maxFilterValues  = 10
	maxFilterValue   = 255
	maxTags          = 200
	maxDetailsLength = 16384
)

// changeSetStatuses are the values of shape ChangeStatus (ListChangeSets' Status filter).
var changeSetStatuses = []string{csPreparing, csApplying, csSucceeded, csCancelled, csFailed}

// raStatuses are the values of shape ResaleAuthorizationStatusString.
var raStatuses = []string{"Draft", "Active", "Restricted"}

// listedElsewhere are the entity types ListEntities documents that the simulator does not model:
// the vendor has none of them in the simulator, so listing them answers an empty list.
var listedElsewhere = []string{"AmiProduct", "ContainerProduct", "DataProduct", "MachineLearningProduct",
	"ProfessionalServicesProduct", "ProcurementPolicy", "Experience", "Audience", "BrandingSettings",
	"OfferSet", "Seller", "Solution"}

// checkFilterValues adds an error to errs unless values holds 1..10 values of 1..255 characters.
func checkFilterValues(f string, values []string, errs *invalid.Fields) {
	if n := len(values); n < 1 || n > maxFilterValues {
		errs.Add(f, "must hold 1-%d values, got %d", maxFilterValues, n)
	}
	for i, v := range values {
		if n := utf8.RuneCountInString(v); n < 1 || n > maxFilterValue {
			errs.Add(f+"["+strconv.Itoa(i)+"]", "must be 1-%d characters, got %d", maxFilterValue, n)
		}
	}
}

// entityIDOf returns the entity id of an identifier given as `EntityId@RevisionId`.
func entityIDOf(identifier string) string {
	id, _, _ := strings.Cut(identifier, "@")
	return id
}
