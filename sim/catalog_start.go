package sim

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"time"
	"unicode/utf8"

	"github.com/dealdesk/dealdesk/sim/invalid"
)

type entityInput struct {
	Type       string  `json:"Type"`
	Identifier *string `json:"Identifier,omitempty"`
}

type changeInput struct {
	ChangeType      string          `json:"ChangeType"`
	Entity          *entityInput    `json:"Entity"`
	ChangeName      *string         `json:"ChangeName,omitempty"`
	Details         *string         `json:"Details,omitempty"`
	DetailsDocument json.RawMessage `json:"DetailsDocument,omitempty"`
	EntityTags      []Tag           `json:"EntityTags,omitempty"`
}

type startChangeSetInput struct {
	Catalog            string        `json:"Catalog"`
	ChangeSet          []changeInput `json:"ChangeSet"`
	ChangeSetName      *string       `json:"ChangeSetName,omitempty"`
	ClientRequestToken *string       `json:"ClientRequestToken,omitempty"`
	ChangeSetTags      []Tag         `json:"ChangeSetTags,omitempty"`
	Intent             *string       `json:"Intent,omitempty"`
}

type startChangeSetOutput struct {
	ChangeSetID  string `json:"ChangeSetId"`
	ChangeSetArn string `json:"ChangeSetArn"`
}

var (
	changeSetNamePattern = regexp.MustCompile(`^[\w\s+=.:@-]{1,100}$`)
	changeTypePattern    = regexp.MustCompile(`^[A-Z][\w]{0,254}$`)
	tokenPattern         = regexp.MustCompile(`^[!-~]{1,64}$`)
)

const catalogName = "AWSMarketplace"

func validationError(msg string) *apiError {
	return &apiError{Status: http.StatusUnprocessableEntity, Type: "ValidationException", Message: msg}
}

// startChangeSet validates a change set synchronously (422), honours ClientRequestToken, checks
// entity locks (423) and queues the change set.
func (s *Server) startChangeSet(acct string, body []byte) (any, error) {
	var in startChangeSetInput
	if err := strictJSON(body, &in); err != nil {
		return nil, validationError("invalid request body: " + err.Error())
	}
	var errs invalid.Fields
	if in.Catalog != catalogName {
		errs.Add("Catalog", "must be AWSMarketplace, got %q", in.Catalog)
	}
	if n := len(in.ChangeSet); n < 1 || n > 20 {
		errs.Add("ChangeSet", "must hold 1-20 changes, got %d", n)
	}
	if in.ChangeSetName != nil && !changeSetNamePattern.MatchString(*in.ChangeSetName) {
		errs.Add("ChangeSetName", "must be 1-100 characters of letters, digits, spaces and +=.:@_-")
	}
	if in.ClientRequestToken != nil && !tokenPattern.MatchString(*in.ClientRequestToken) {
		errs.Add("ClientRequestToken", "must be 1-64 printable ASCII characters without spaces, got %d characters", utf8.RuneCountInString(*in.ClientRequestToken))
	}
	intent := "APPLY"
	if in.Intent != nil {
		intent = *in.Intent
		if intent != "APPLY" && intent != "VALIDATE" {
			errs.Add("Intent", "must be APPLY or VALIDATE, got %q", intent)
		}
	}
	validateTags("ChangeSetTags", in.ChangeSetTags, &errs)

	changes := make([]*Change, 0, len(in.ChangeSet))
	details := make([]any, 0, len(in.ChangeSet))
	names := map[string]string{} // ChangeName -> ChangeType
	for i, ci := range in.ChangeSet {
		if ci.ChangeName != nil {
			if !changeNamePattern.MatchString(*ci.ChangeName) {
				errs.Add(fmt.Sprintf("ChangeSet[%d].ChangeName", i), "must be 1-72 letters, got %q", *ci.ChangeName)
			} else if _, dup := names[*ci.ChangeName]; dup {
				errs.Add(fmt.Sprintf("ChangeSet[%d].ChangeName", i), "%q is used by another change", *ci.ChangeName)
			} else {
				names[*ci.ChangeName] = ci.ChangeType
			}
		}
	}
	type target struct{ typ, entity string }
	seenTargets := map[target]bool{}
	for i, ci := range in.ChangeSet {
		f := fmt.Sprintf("ChangeSet[%d]", i)
		c := &Change{ChangeType: ci.ChangeType, Details: ci.Details, EntityTags: ci.EntityTags}
		if ci.ChangeName != nil {
			c.ChangeName = *ci.ChangeName
		}
		validateTags(f+".EntityTags", ci.EntityTags, &errs)
		if !changeTypePattern.MatchString(ci.ChangeType) {
			errs.Add(f+".ChangeType", "is required and must match ^[A-Z][\\w]*$, got %q", ci.ChangeType)
		}
		if ci.Entity == nil || ci.Entity.Type == "" {
			errs.Add(f+".Entity.Type", "is required")
			changes = append(changes, c)
			details = append(details, nil)
			continue
		}
		c.EntityType = ci.Entity.Type
		if ci.Entity.Identifier != nil {
			c.Identifier = *ci.Entity.Identifier
			if _, ref := reference(c.Identifier); !ref && c.Identifier != "" && c.Identifier[0] != '$' {
				if !identifierPattern.MatchString(c.Identifier) {
					errs.Add(f+".Entity.Identifier", "must be 1-255 letters, digits, _, - and @, or a $ChangeName.Entity.Identifier reference, got %q", c.Identifier)
				}
				c.Identifier = entityIDOf(c.Identifier) // EntityId@RevisionId names the entity
			}
		}
		if ci.Details != nil && (utf8.RuneCountInString(*ci.Details) < 2 || utf8.RuneCountInString(*ci.Details) > maxDetailsLength || !detailsPattern.MatchString(*ci.Details)) {
			errs.Add(f+".Details", "must be a JSON object of 2-%d characters", maxDetailsLength)
		}
		if ci.Entity.Type != raEntityType {
			errs.Add(f+".Entity.Type", "the simulator accepts change sets on %s only, got %q", raEntityType, ci.Entity.Type)
		}
		hasDoc := len(bytes.TrimSpace(ci.DetailsDocument)) > 0 && string(bytes.TrimSpace(ci.DetailsDocument)) != "null"
		if ci.Details != nil && hasDoc {
			errs.Add(f, "give either Details or DetailsDocument, not both")
		}
		if hasDoc {
			var compact bytes.Buffer
			if err := json.Compact(&compact, ci.DetailsDocument); err == nil {
				c.DetailsDocument = compact.Bytes()
			} else {
				c.DetailsDocument = ci.DetailsDocument
			}
		}
		var d any
		if ci.Entity.Type == raEntityType && changeTypePattern.MatchString(ci.ChangeType) {
			if newDetails(ci.ChangeType) == nil {
				errs.Add(f+".ChangeType", "%q is not a change type of %s", ci.ChangeType, raEntityType)
			} else {
				var err error
				d, err = decodeDetails(ci.ChangeType, c.rawDetails())
				detailsField := f + ".DetailsDocument"
				if ci.Details != nil {
					detailsField = f + ".Details"
				}
				if err != nil {
					errs.Add(detailsField, "%v", err)
				} else {
					validateDetails(detailsField, ci.ChangeType, d, &errs)
				}
			}
		}
		// Identifier rules: none for Create, a reference or an existing id otherwise.
		switch {
		case ci.ChangeType == ctCreate:
			if c.Identifier != "" {
				errs.Add(f+".Entity.Identifier", "must not be given for %s", ctCreate)
			}
		case c.Identifier == "":
			errs.Add(f+".Entity.Identifier", "is required for %s", ci.ChangeType)
		default:
			if name, ok := reference(c.Identifier); ok {
				if names[name] != ctCreate {
					errs.Add(f+".Entity.Identifier", "%s does not name a %s change of this change set", c.Identifier, ctCreate)
				}
			} else if c.Identifier[0] == '$' {
				errs.Add(f+".Entity.Identifier", "%q is not a $ChangeName.Entity.Identifier reference", c.Identifier)
			}
		}
		key := target{ci.ChangeType, c.Identifier}
		if c.Identifier == "" {
			key.entity = fmt.Sprintf("#create-%d", i)
		}
		if seenTargets[key] {
			errs.Add(f+".ChangeType", "%s is already used on entity %s in this change set", ci.ChangeType, c.Identifier)
		}
		seenTargets[key] = true
		changes = append(changes, c)
		details = append(details, d)
	}
	if len(errs) > 0 {
		return nil, catalogInvalid(errs, "the change set is not valid")
	}

	hash := requestHash(&in)
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advanceLocked(now)

	if in.ClientRequestToken != nil {
		if id, ok := s.st.Tokens[acct+"/"+*in.ClientRequestToken]; ok {
			if cs := s.st.ChangeSets[id]; cs != nil {
				if cs.BodyHash != hash {
					return nil, validationError(fmt.Sprintf("ClientRequestToken %q was already used for change set %s with a different request", *in.ClientRequestToken, id))
				}
				return startChangeSetOutput{ChangeSetID: cs.ID, ChangeSetArn: s.changeSetArn(cs)}, nil
			}
		}
	}
	// Entities a running change set holds are in use (423), including the ones it is creating.
	if intent == "APPLY" {
		for _, c := range changes {
			if _, ref := reference(c.Identifier); c.Identifier == "" || ref {
				continue
			}
			if other, locked := s.locks[c.Identifier]; locked {
				return nil, newAPIError(http.StatusLocked, "ResourceInUseException",
					"entity %s is in use by change set %s; retry when that change set has finished", c.Identifier, other)
			}
		}
	}
	// Existence and ownership of what the changes refer to (404 / 403 / 422).
	for i, c := range changes {
		f := fmt.Sprintf("ChangeSet[%d]", i)
		if cd, ok := details[i].(*createDetails); ok {
			p := s.seed.byID[cd.ProductID]
			if p == nil {
				return nil, newAPIError(http.StatusNotFound, "ResourceNotFoundException", "%s.DetailsDocument.ProductId: product %s does not exist", f, cd.ProductID)
			}
			if acct != s.seed.seed.Seller.AccountID {
				return nil, newAPIError(http.StatusForbidden, "AccessDeniedException", "%s.DetailsDocument.ProductId: product %s does not belong to account %s", f, cd.ProductID, acct)
			}
			if p.Visibility == "Draft" { // reference §1.3: the product must exist and not be Draft
				return nil, validationError(fmt.Sprintf("%s.DetailsDocument.ProductId: product %s is a Draft and cannot be resold", f, cd.ProductID))
			}
		}
		if c.Identifier == "" {
			continue
		}
		if _, ref := reference(c.Identifier); ref {
			continue
		}
		e := s.st.Entities[c.Identifier]
		if e == nil || e.Type != typeResaleAuthorization {
			return nil, newAPIError(http.StatusNotFound, "ResourceNotFoundException", "%s.Entity.Identifier: resale authorization %s does not exist", f, c.Identifier)
		}
		if e.Owner != acct {
			return nil, newAPIError(http.StatusForbidden, "AccessDeniedException", "%s.Entity.Identifier: resale authorization %s does not belong to account %s", f, c.Identifier, acct)
		}
		if c.ChangeType == ctRestrict && e.RA.expired(now) {
			return nil, validationError(fmt.Sprintf("%s: resale authorization %s has expired and cannot be restricted", f, c.Identifier))
		}
	}
	cs := &ChangeSet{
		ID:        newChangeSetID(),
		Account:   acct,
		Intent:    intent,
		BodyHash:  hash,
		StartTime: now,
		DueTime:   now.Add(s.cfg.ChangeSetDelay),
		Status:    csPreparing,
		Changes:   changes,
		Tags:      in.ChangeSetTags,
	}
	if in.ChangeSetName != nil {
		cs.Name = *in.ChangeSetName
	} else {
		cs.Name = "Submitted by " + acct
	}
	// The entities the change set creates get their ids now: DescribeChangeSet shows them and
	// they are locked until the change set ends (nothing exists under them before it succeeds).
	created := map[string]string{}
	for _, c := range changes {
		if c.ChangeType == ctCreate {
			c.EntityID = newResaleAuthorizationID()
			if c.ChangeName != "" {
				created[c.ChangeName] = c.EntityID
			}
		}
	}
	for _, c := range changes {
		if name, ok := reference(c.Identifier); ok {
			c.EntityID = created[name]
		}
	}
	if intent == "APPLY" {
		for _, id := range cs.lockedIDs() {
			s.locks[id] = cs.ID
		}
	}
	if in.ClientRequestToken != nil {
		cs.Token = *in.ClientRequestToken
		s.st.Tokens[acct+"/"+cs.Token] = cs.ID
	}
	cs.ServerFault = s.faults.draw("StartChangeSet", func(f OpFault) float64 { return f.ServerFaultRate })
	s.st.ChangeSets[cs.ID] = cs
	s.advanceLocked(now)
	s.markDirty()
	return startChangeSetOutput{ChangeSetID: cs.ID, ChangeSetArn: s.changeSetArn(cs)}, nil
}

// requestHash identifies a StartChangeSet request apart from its ClientRequestToken.
func requestHash(in *startChangeSetInput) string {
	c := *in
	c.ClientRequestToken = nil
	b, _ := json.Marshal(c)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func validateTags(f string, tags []Tag, errs *invalid.Fields) {
	if tags != nil && (len(tags) == 0 || len(tags) > maxTags) {
		errs.Add(f, "must hold 1-%d tags, got %d", maxTags, len(tags))
	}
	for i, t := range tags {
		if n := utf8.RuneCountInString(t.Key); n < 1 || n > 128 || !catalogTagPattern.MatchString(t.Key) {
			errs.Add(fmt.Sprintf("%s[%d].Key", f, i), "must be 1-128 letters, digits, spaces and _.:/=+-@")
		}
		if utf8.RuneCountInString(t.Value) > 256 || !catalogTagPattern.MatchString(t.Value) {
			errs.Add(fmt.Sprintf("%s[%d].Value", f, i), "must be at most 256 letters, digits, spaces and _.:/=+-@")
		}
	}
}

func (s *Server) changeSetArn(cs *ChangeSet) string {
	return fmt.Sprintf("arn:aws:aws-marketplace:us-east-1:%s:AWSMarketplace/ChangeSet/%s", cs.Account, cs.ID)
}

func entityArn(acct, typ, id string) string {
	return fmt.Sprintf("arn:aws:aws-marketplace:us-east-1:%s:AWSMarketplace/%s/%s", acct, typ, id)
}

// strictJSON decodes b into v, rejecting unknown properties.
func strictJSON(b []byte, v any) error {
	if len(bytes.TrimSpace(b)) == 0 {
		b = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonProblem(err)
	}
	return nil
}

// timeOrZero formats t as a Catalog date, or "" for the zero time.
func catalogTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(isoSecond)
}
