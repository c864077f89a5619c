package sim

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/dealdesk/dealdesk/sim/invalid"
)

type entityOutput struct {
	Type       string `json:"Type"`
	Identifier string `json:"Identifier,omitempty"`
}

type changeSummaryOutput struct {
	ChangeType      string          `json:"ChangeType"`
	Entity          entityOutput    `json:"Entity"`
	Details         string          `json:"Details,omitempty"`
	DetailsDocument json.RawMessage `json:"DetailsDocument,omitempty"`
	ErrorDetailList []ErrorDetail   `json:"ErrorDetailList"`
	ChangeName      string          `json:"ChangeName,omitempty"`
}

type describeChangeSetOutput struct {
	ChangeSetID        string                `json:"ChangeSetId"`
	ChangeSetArn       string                `json:"ChangeSetArn"`
	ChangeSetName      string                `json:"ChangeSetName"`
	Intent             string                `json:"Intent"`
	StartTime          string                `json:"StartTime"`
	EndTime            string                `json:"EndTime,omitempty"`
	Status             string                `json:"Status"`
	FailureCode        string                `json:"FailureCode,omitempty"`
	FailureDescription string                `json:"FailureDescription,omitempty"`
	ChangeSet          []changeSummaryOutput `json:"ChangeSet"`
}

func (s *Server) lookupChangeSet(acct string, q map[string][]string) (*ChangeSet, error) {
	if err := checkCatalogParam(q); err != nil {
		return nil, err
	}
	id := first(q, "changeSetId")
	if id == "" {
		return nil, validationError("changeSetId: is required")
	}
	if !resourceIDPattern.MatchString(id) {
		return nil, validationError(fmt.Sprintf("changeSetId: must be 1-255 letters, digits, _ and -, got %.300q", id))
	}
	cs := s.st.ChangeSets[id]
	if cs == nil || cs.Account != acct {
		return nil, newAPIError(http.StatusNotFound, "ResourceNotFoundException", "change set %s does not exist", id)
	}
	return cs, nil
}

// onChangeSet runs fn on the change set q names in acct, with s.mu held and the state advanced
// to now; a bad or unknown change set ID is lookupChangeSet's error.
func (s *Server) onChangeSet(acct string, q map[string][]string, fn func(cs *ChangeSet, now time.Time) (any, error)) (any, error) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advanceLocked(now)
	cs, err := s.lookupChangeSet(acct, q)
	if err != nil {
		return nil, err
	}
	return fn(cs, now)
}

func (s *Server) describeChangeSet(acct string, q map[string][]string) (any, error) {
	return s.onChangeSet(acct, q, s.describeChangeSetLocked)
}

func (s *Server) describeChangeSetLocked(cs *ChangeSet, now time.Time) (any, error) {
	out := describeChangeSetOutput{
		ChangeSetID: cs.ID, ChangeSetArn: s.changeSetArn(cs), ChangeSetName: cs.Name, Intent: cs.Intent,
		StartTime: catalogTime(cs.StartTime), EndTime: catalogTime(cs.EndTime), Status: cs.statusAt(now),
		FailureCode: cs.FailureCode, FailureDescription: cs.FailureDescription,
	}
	for _, c := range cs.Changes {
		co := changeSummaryOutput{ChangeType: c.ChangeType, ChangeName: c.ChangeName,
			Entity: entityOutput{Type: c.EntityType, Identifier: c.Identifier}, ErrorDetailList: c.ErrorDetailList}
		if c.EntityID != "" {
			co.Entity.Identifier = c.EntityID
		} else if _, ref := reference(c.Identifier); ref {
			// The entity the reference names was never created (the change set failed or was
			// cancelled): AWS shows no identifier, never the raw reference.
			co.Entity.Identifier = ""
		}
		raw := c.rawDetails()
		co.Details = string(raw)
		co.DetailsDocument = raw
		if co.ErrorDetailList == nil {
			co.ErrorDetailList = []ErrorDetail{}
		}
		out.ChangeSet = append(out.ChangeSet, co)
	}
	return out, nil
}

func (s *Server) cancelChangeSet(acct string, q map[string][]string) (any, error) {
	return s.onChangeSet(acct, q, s.cancelChangeSetLocked)
}

func (s *Server) cancelChangeSetLocked(cs *ChangeSet, now time.Time) (any, error) {
	switch st := cs.statusAt(now); st {
	case csPreparing:
	case csApplying:
		return nil, newAPIError(http.StatusLocked, "ResourceInUseException", "change set %s is APPLYING and can no longer be cancelled", cs.ID)
	default:
		return nil, validationError(fmt.Sprintf("change set %s has already ended (%s) and cannot be cancelled", cs.ID, st))
	}
	cs.Status = csCancelled
	cs.EndTime = now
	cs.forgetCreated()
	s.unlockLocked(cs)
	s.emitChangeSetLocked(cs)
	s.markDirty()
	return startChangeSetOutput{ChangeSetID: cs.ID, ChangeSetArn: s.changeSetArn(cs)}, nil
}

type filter struct {
	Name      string   `json:"Name"`
	ValueList []string `json:"ValueList"`
}

type sortInput struct {
	SortBy    string `json:"SortBy"`
	SortOrder string `json:"SortOrder"`
}

type listChangeSetsInput struct {
	Catalog    string     `json:"Catalog"`
	FilterList []filter   `json:"FilterList"`
	Sort       *sortInput `json:"Sort"`
	MaxResults *int       `json:"MaxResults"`
	NextToken  *string    `json:"NextToken"`
}

type changeSetSummary struct {
	ChangeSetID   string   `json:"ChangeSetId"`
	ChangeSetArn  string   `json:"ChangeSetArn"`
	ChangeSetName string   `json:"ChangeSetName"`
	StartTime     string   `json:"StartTime"`
	EndTime       string   `json:"EndTime,omitempty"`
	Status        string   `json:"Status"`
	EntityIDList  []string `json:"EntityIdList"`
	FailureCode   string   `json:"FailureCode,omitempty"`
}

func (s *Server) listChangeSets(acct string, body []byte) (any, error) {
	var in listChangeSetsInput
	if err := strictJSON(body, &in); err != nil {
		return nil, validationError("invalid request body: " + err.Error())
	}
	var errs invalid.Fields
	if in.Catalog != catalogName {
		errs.Add("Catalog", "must be AWSMarketplace, got %q", in.Catalog)
	}
	max := 20
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > 20 {
			errs.Add("MaxResults", "must be 1-20, got %d", *in.MaxResults)
		}
		max = *in.MaxResults
	}
	type timeFilter struct {
		field  string
		before bool
		at     time.Time
	}
	var names, statuses, entityIDs map[string]bool
	var times []timeFilter
	set := func(v []string) map[string]bool {
		m := map[string]bool{}
		for _, x := range v {
			m[x] = true
		}
		return m
	}
	checkFilterList(in.FilterList, &errs)
	for i, f := range in.FilterList {
		ff := fmt.Sprintf("FilterList[%d]", i)
		if len(f.ValueList) == 0 {
			continue
		}
		switch f.Name {
		case "ChangeSetName":
			names = set(f.ValueList)
		case "Status":
			for j, v := range f.ValueList {
				if !contains(changeSetStatuses, v) {
					errs.Add(fmt.Sprintf("%s.ValueList[%d]", ff, j), "must be one of %s, got %.100q", strings.Join(changeSetStatuses, ", "), v)
				}
			}
			statuses = set(f.ValueList)
		case "EntityId":
			entityIDs = set(f.ValueList)
		case "BeforeStartTime", "AfterStartTime", "BeforeEndTime", "AfterEndTime":
			t, err := time.Parse(isoSecond, f.ValueList[0])
			if err != nil {
				errs.Add(ff+".ValueList[0]", "must be a date like 2006-01-02T15:04:05Z, got %q", f.ValueList[0])
				continue
			}
			field := "start"
			if f.Name == "BeforeEndTime" || f.Name == "AfterEndTime" {
				field = "end"
			}
			times = append(times, timeFilter{field, f.Name[0] == 'B', t})
		default:
			errs.Add(ff+".Name", "must be ChangeSetName, Status, EntityId, BeforeStartTime, AfterStartTime, BeforeEndTime or AfterEndTime, got %.100q", f.Name)
		}
	}
	sortBy, desc := "StartTime", false
	if in.Sort != nil {
		if in.Sort.SortBy != "" {
			sortBy = in.Sort.SortBy
		}
		if sortBy != "StartTime" && sortBy != "EndTime" {
			errs.Add("Sort.SortBy", "must be StartTime or EndTime, got %q", sortBy)
		}
		switch in.Sort.SortOrder {
		case "", "ASCENDING":
		case "DESCENDING":
			desc = true
		default:
			errs.Add("Sort.SortOrder", "must be ASCENDING or DESCENDING, got %q", in.Sort.SortOrder)
		}
	}
	offset, err := decodeToken(in.NextToken)
	if err != nil {
		errs.Add("NextToken", "is not a token this API returned")
	}
	if len(errs) > 0 {
		return nil, catalogInvalid(errs, "invalid ListChangeSets request")
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advanceLocked(now)
	var list []changeSetSummary
	for _, cs := range s.sortedChangeSets() {
		if cs.Account != acct {
			continue
		}
		status := cs.statusAt(now)
		if names != nil && !names[cs.Name] || statuses != nil && !statuses[status] {
			continue
		}
		ids := cs.entityIDs()
		if entityIDs != nil {
			hit := false
			for _, id := range ids {
				hit = hit || entityIDs[id]
			}
			if !hit {
				continue
			}
		}
		ok := true
		for _, tf := range times {
			t := cs.StartTime
			if tf.field == "end" {
				t = cs.EndTime
				if t.IsZero() {
					ok = false
					break
				}
			}
			if tf.before && !t.Before(tf.at) || !tf.before && !t.After(tf.at) {
				ok = false
			}
		}
		if !ok {
			continue
		}
		if ids == nil {
			ids = []string{}
		}
		list = append(list, changeSetSummary{ChangeSetID: cs.ID, ChangeSetArn: s.changeSetArn(cs), ChangeSetName: cs.Name,
			StartTime: catalogTime(cs.StartTime), EndTime: catalogTime(cs.EndTime), Status: status, EntityIDList: ids, FailureCode: cs.FailureCode})
	}
	sort.SliceStable(list, func(i, j int) bool {
		a, b := list[i].StartTime, list[j].StartTime
		if sortBy == "EndTime" {
			a, b = list[i].EndTime, list[j].EndTime
		}
		if desc {
			return a > b
		}
		return a < b
	})
	page, next := paginate(len(list), offset, max)
	out := map[string]any{"ChangeSetSummaryList": emptyIfNil(list[page[0]:page[1]])}
	if next != "" {
		out["NextToken"] = next
	}
	return out, nil
}

func emptyIfNil[T any](v []T) []T {
	if v == nil {
		return []T{}
	}
	return v
}

// paginate returns the [start, end) of the page at offset and the token of the next page.
func paginate(n, offset, max int) ([2]int, string) {
	if offset > n {
		offset = n
	}
	end := offset + max
	if end >= n {
		return [2]int{offset, n}, ""
	}
	return [2]int{offset, end}, encodeToken(end)
}

func encodeToken(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("sim-offset:" + strconv.Itoa(offset)))
}

func decodeToken(tok *string) (int, error) {
	if tok == nil || *tok == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(*tok)
	if err != nil || len(b) < 11 || string(b[:11]) != "sim-offset:" {
		return 0, fmt.Errorf("invalid token")
	}
	n, err := strconv.Atoi(string(b[11:]))
	if err != nil || n < 0 {
		return 0, fmt.Errorf("invalid token")
	}
	return n, nil
}

func first(q map[string][]string, k string) string {
	if v := q[k]; len(v) > 0 {
		return v[0]
	}
	return ""
}

func checkCatalogParam(q map[string][]string) error {
	if c := first(q, "catalog"); c != catalogName {
		return validationError(fmt.Sprintf("catalog: must be AWSMarketplace, got %q", c))
	}
	return nil
}
