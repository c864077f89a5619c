package sim

import (
	"encoding/json"
	"time"
)

// Change-set statuses.
const (
	csPreparing = "PREPARING"
	csApplying  = "APPLYING"
	csSucceeded = "SUCCEEDED"
	csFailed    = "FAILED"
	csCancelled = "CANCELLED"
)

// Tag is a Catalog tag.
type Tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

// ErrorDetail is one asynchronous validation error of a change.
type ErrorDetail struct {
	ErrorCode    string `json:"ErrorCode"`
	ErrorMessage string `json:"ErrorMessage"`
}

// ChangeSet is a Catalog change set and its progress.
type ChangeSet struct {
	ID                 string    `json:"id"`
	Name               string    `json:"name"`
	Account            string    `json:"account"`
	Intent             string    `json:"intent"`
	Token              string    `json:"token,omitempty"`
	BodyHash           string    `json:"bodyHash,omitempty"`
	StartTime          time.Time `json:"startTime"`
	DueTime            time.Time `json:"dueTime"` // when it leaves APPLYING
	EndTime            time.Time `json:"endTime,omitzero"`
	Status             string    `json:"status"`
	FailureCode        string    `json:"failureCode,omitempty"`
	FailureDescription string    `json:"failureDescription,omitempty"`
	Changes            []*Change `json:"changes"`
	Tags               []Tag     `json:"tags,omitempty"`
	// ServerFault makes the change set end FAILED with SERVER_FAULT (an injected fault).
	ServerFault bool `json:"serverFault,omitempty"`
}

// Change is one change of a change set, as submitted plus its outcome.
type Change struct {
	ChangeType      string          `json:"changeType"`
	ChangeName      string          `json:"changeName,omitempty"`
	EntityType      string          `json:"entityType"`
	Identifier      string          `json:"identifier,omitempty"` // as given: an id or a $Name.Entity.Identifier reference
	EntityID        string          `json:"entityId,omitempty"`   // the resolved id once applied
	Details         *string         `json:"details,omitempty"`
	DetailsDocument json.RawMessage `json:"detailsDocument,omitempty"`
	EntityTags      []Tag           `json:"entityTags,omitempty"`
	ErrorDetailList []ErrorDetail   `json:"errorDetailList,omitempty"`
}

// rawDetails returns the change's details as JSON bytes.
func (c *Change) rawDetails() []byte {
	if c.Details != nil {
		return []byte(*c.Details)
	}
	if len(c.DetailsDocument) > 0 {
		return c.DetailsDocument
	}
	return []byte("{}")
}

// reference returns the change name a "$Name.Entity.Identifier" identifier points at.
func reference(id string) (string, bool) {
	const suffix = ".Entity.Identifier"
	if len(id) > len(suffix)+1 && id[0] == '$' && id[len(id)-len(suffix):] == suffix {
		return id[1 : len(id)-len(suffix)], true
	}
	return "", false
}

// terminal reports whether the change set has finished.
func (cs *ChangeSet) terminal() bool {
	return cs.Status == csSucceeded || cs.Status == csFailed || cs.Status == csCancelled
}

// statusAt returns the status the change set shows at now, before it is finished by advance.
func (cs *ChangeSet) statusAt(now time.Time) string {
	if cs.terminal() {
		return cs.Status
	}
	half := cs.StartTime.Add(cs.DueTime.Sub(cs.StartTime) / 2)
	if now.Before(half) {
		return csPreparing
	}
	return csApplying
}

// lockedIDs returns the entities the change set targets or creates.
func (cs *ChangeSet) lockedIDs() []string {
	var ids []string
	for _, c := range cs.Changes {
		id := c.EntityID
		if _, ref := reference(c.Identifier); id == "" && !ref {
			id = c.Identifier
		}
		if id != "" {
			ids = append(ids, id)
		}
	}
	return ids
}

// forgetCreated clears the ids of entities the change set would have created, when it did not.
func (cs *ChangeSet) forgetCreated() {
	for _, c := range cs.Changes {
		if _, ref := reference(c.Identifier); ref || c.ChangeType == ctCreate {
			c.EntityID = ""
		}
	}
}

// entityIDs returns every entity id the change set concerns (for ListChangeSets).
func (cs *ChangeSet) entityIDs() []string {
	seen := map[string]bool{}
	var ids []string
	for _, c := range cs.Changes {
		id := c.EntityID
		if id == "" {
			if _, ref := reference(c.Identifier); !ref {
				id = c.Identifier
			}
		}
		if id != "" && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	return ids
}
