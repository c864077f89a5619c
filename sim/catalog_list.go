package sim

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/dealdesk/dealdesk/sim/invalid"
)

type listEntitiesInput struct {
	Catalog           string                                `json:"Catalog"`
	EntityType        string                                `json:"EntityType"`
	FilterList        []filter                              `json:"FilterList"`
	Sort              *sortInput                            `json:"Sort"`
	MaxResults        *int                                  `json:"MaxResults"`
	NextToken         *string                               `json:"NextToken"`
	OwnershipType     string                                `json:"OwnershipType"`
	EntityTypeFilters map[string]map[string]json.RawMessage `json:"EntityTypeFilters"`
	EntityTypeSort    map[string]sortInput                  `json:"EntityTypeSort"`
}

// attrFilter is one attribute filter of EntityTypeFilters.
type attrFilter struct {
	ValueList     []string `json:"ValueList"`
	WildCardValue *string  `json:"WildCardValue"`
	DateRange     *struct {
		AfterValue  *string `json:"AfterValue"`
		BeforeValue *string `json:"BeforeValue"`
	} `json:"DateRange"`
}

// filterable attributes per entity type (the keys of the *Filters unions and sorts).
var entityAttributes = map[string][]string{
	typeResaleAuthorization: {"EntityId", "Name", "ProductId", "ProductName", "CreatedDate", "AvailabilityEndDate",
		"ManufacturerAccountId", "ManufacturerLegalName", "ResellerAccountID", "ResellerLegalName", "Status",
		"OfferExtendedStatus", "LastModifiedDate"},
	typeOffer: {"EntityId", "Name", "ProductId", "ResaleAuthorizationId", "ReleaseDate", "AvailabilityEndDate",
		"BuyerAccounts", "State", "Targeting", "LastModifiedDate"},
	typeSaaSProduct: {"EntityId", "ProductTitle", "Visibility", "LastModifiedDate"},
}

// listed is one entity as ListEntities sees it.
type listed struct {
	summary map[string]any
	attrs   map[string][]string
}

func (s *Server) listEntities(acct string, body []byte) (any, error) {
	var in listEntitiesInput
	if err := strictJSON(body, &in); err != nil {
		return nil, validationError("invalid request body: " + err.Error())
	}
	var errs invalid.Fields
	if in.Catalog != catalogName {
		errs.Add("Catalog", "must be AWSMarketplace, got %q", in.Catalog)
	}
	typ := strings.TrimSuffix(in.EntityType, "@1.0")
	attrs, known := entityAttributes[typ]
	// A type AWS lists but the simulator does not model has no entities here: an empty list.
	elsewhere := contains(listedElsewhere, typ)
	if !known && !elsewhere {
		errs.Add("EntityType", "must be one of ResaleAuthorization, Offer, SaaSProduct, %s; got %.100q", strings.Join(listedElsewhere, ", "), in.EntityType)
	}
	max := 20
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > 50 {
			errs.Add("MaxResults", "must be 1-50, got %d", *in.MaxResults)
		}
		max = *in.MaxResults
	}
	ownership := in.OwnershipType
	if ownership == "" {
		ownership = "SELF"
	}
	if ownership != "SELF" && ownership != "SHARED" {
		errs.Add("OwnershipType", "must be SELF or SHARED, got %q", in.OwnershipType)
	}
	filters := map[string]attrFilter{}
	if len(in.EntityTypeFilters) > 1 {
		errs.Add("EntityTypeFilters", "is a union: give exactly one member")
	}
	for member, fs := range in.EntityTypeFilters {
		if member != typ+"Filters" {
			errs.Add("EntityTypeFilters."+member, "does not apply to entity type %.100s (use %.100sFilters)", typ, typ)
			continue
		}
		mf := "EntityTypeFilters." + member
		if len(fs) > maxFilters {
			errs.Add(mf, "must hold at most %d filters, got %d", maxFilters, len(fs))
		}
		wildcards := 0
		for name, raw := range fs {
			if !elsewhere && !contains(attrs, name) {
				errs.Add(mf+"."+name, "is not a filter of %s", typ)
				continue
			}
			var af attrFilter
			if err := strictJSON(raw, &af); err != nil {
				errs.Add(mf+"."+name, "%v", err)
				continue
			}
			checkAttrFilter(mf+"."+name, name, typ, af, &errs)
			if af.WildCardValue != nil {
				wildcards++
			}
			filters[name] = af
		}
		if wildcards > 1 {
			errs.Add(mf, "may hold one wildcard filter, got %d", wildcards)
		}
	}
	checkFilterList(in.FilterList, &errs)
	for i, f := range in.FilterList {
		if f.Name != "EntityId" && f.Name != "Name" {
			errs.Add(fmt.Sprintf("FilterList[%d].Name", i), "the simulator supports EntityId and Name, got %.100q", f.Name)
			continue
		}
		filters[f.Name] = attrFilter{ValueList: f.ValueList}
	}
	sortBy, desc := "LastModifiedDate", true
	var so *sortInput
	if in.Sort != nil {
		so = in.Sort
	}
	for member, v := range in.EntityTypeSort {
		if member != typ+"Sort" {
			errs.Add("EntityTypeSort."+member, "does not apply to entity type %s", typ)
			continue
		}
		v := v
		so = &v
	}
	if so != nil {
		if so.SortBy != "" {
			sortBy = so.SortBy
			desc = false
		}
		if !elsewhere && !contains(attrs, sortBy) {
			errs.Add("Sort.SortBy", "is not a sort attribute of %s: %.100q", typ, sortBy)
		}
		switch so.SortOrder {
		case "":
		case "ASCENDING":
			desc = false
		case "DESCENDING":
			desc = true
		default:
			errs.Add("Sort.SortOrder", "must be ASCENDING or DESCENDING, got %q", so.SortOrder)
		}
	}
	offset, err := decodeToken(in.NextToken)
	if err != nil {
		errs.Add("NextToken", "is not a token this API returned")
	}
	if len(errs) > 0 {
		return nil, catalogInvalid(errs, "invalid ListEntities request")
	}

	s.mu.Lock()
	s.advanceLocked(s.now())
	var all []listed
	switch {
	case elsewhere:
	case typ == typeSaaSProduct:
		if ownership == "SELF" && acct == s.seed.seed.Seller.AccountID {
			for i := range s.seed.seed.Products {
				all = append(all, s.productListed(&s.seed.seed.Products[i]))
			}
		}
	default:
		for _, e := range s.st.Entities {
			if e.Type != typ {
				continue
			}
			if ownership == "SELF" && e.Owner != acct || ownership == "SHARED" && !s.sharedWith(acct, e) {
				continue
			}
			all = append(all, s.entityListed(e))
		}
	}
	s.mu.Unlock()

	var hits []listed
	for _, l := range all {
		if matchAll(l.attrs, filters) {
			hits = append(hits, l)
		}
	}
	sort.SliceStable(hits, func(i, j int) bool {
		a, b := strings.Join(hits[i].attrs[sortBy], ","), strings.Join(hits[j].attrs[sortBy], ",")
		if a == b {
			return hits[i].attrs["EntityId"][0] < hits[j].attrs["EntityId"][0]
		}
		if desc {
			return a > b
		}
		return a < b
	})
	page, next := paginate(len(hits), offset, max)
	list := make([]map[string]any, 0, page[1]-page[0])
	for _, l := range hits[page[0]:page[1]] {
		list = append(list, l.summary)
	}
	out := map[string]any{"EntitySummaryList": list}
	if next != "" {
		out["NextToken"] = next
	}
	return out, nil
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// matchAll applies every filter: ValueList (any value equal), WildCardValue (contains, case
// insensitive) and DateRange (ISO dates compare as strings).
func matchAll(attrs map[string][]string, filters map[string]attrFilter) bool {
	for name, f := range filters {
		vals := attrs[name]
		ok := false
		for _, v := range vals {
			switch {
			case f.ValueList != nil:
				ok = ok || contains(f.ValueList, v)
			case f.WildCardValue != nil:
				ok = ok || strings.Contains(strings.ToLower(v), strings.ToLower(strings.Trim(*f.WildCardValue, "*")))
			case f.DateRange != nil:
				in := v != ""
				if f.DateRange.AfterValue != nil && v < *f.DateRange.AfterValue {
					in = false
				}
				if f.DateRange.BeforeValue != nil && v > *f.DateRange.BeforeValue {
					in = false
				}
				ok = ok || in
			default:
				ok = true
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

func (s *Server) productListed(p *Product) listed {
	mod := "2026-01-01T00:00:00Z"
	return listed{
		summary: map[string]any{"Name": p.Title, "EntityType": typeSaaSProduct, "EntityId": p.ProductID,
			"EntityArn":        entityArn(s.seed.seed.Seller.AccountID, typeSaaSProduct, p.ProductID),
			"LastModifiedDate": mod, "Visibility": p.Visibility,
			"SaaSProductSummary": map[string]any{"ProductTitle": p.Title, "Visibility": p.Visibility}},
		attrs: map[string][]string{"EntityId": {p.ProductID}, "ProductTitle": {p.Title}, "Visibility": {p.Visibility}, "LastModifiedDate": {mod}},
	}
}

func (s *Server) entityListed(e *Entity) listed {
	mod := catalogTime(e.LastModified)
	base := map[string]any{"EntityType": e.Type, "EntityId": e.ID, "EntityArn": entityArn(e.Owner, e.Type, e.ID), "LastModifiedDate": mod}
	if ra := e.RA; ra != nil {
		productName := ""
		if p := s.seed.byID[ra.ProductID]; p != nil {
			productName = p.Title
		}
		end := ""
		if ra.AvailabilityEndDate != "" {
			day, _ := parseDay(ra.AvailabilityEndDate)
			end = endOfDay(day).Format(isoSecond)
		}
		sum := map[string]any{"Name": ra.Name, "ProductId": ra.ProductID, "ProductName": productName,
			"ManufacturerAccountId": e.Owner, "ManufacturerLegalName": s.seed.legalName(e.Owner),
			"ResellerAccountID": ra.ResellerAccountID, "ResellerLegalName": s.seed.legalName(ra.ResellerAccountID),
			"Status": ra.Status, "OfferExtendedStatus": ra.offerExtendedStatus(), "CreatedDate": catalogTime(e.CreatedAt),
			"ResellerRole": "ChannelPartner"}
		if end != "" {
			sum["AvailabilityEndDate"] = end
		}
		base["Name"] = ra.Name
		base["ResaleAuthorizationSummary"] = sum
		attrs := map[string][]string{"EntityId": {e.ID}, "LastModifiedDate": {mod}}
		for k, v := range sum {
			if str, ok := v.(string); ok {
				attrs[k] = []string{str}
			}
		}
		return listed{summary: base, attrs: attrs}
	}
	o := e.Offer
	day, _ := parseDay(o.AvailabilityEndDate)
	end := endOfDay(day).Format(isoSecond)
	sum := map[string]any{"Name": o.Name, "ProductId": o.ProductID, "ResaleAuthorizationId": o.ResaleAuthorizationID,
		"ReleaseDate": catalogTime(e.CreatedAt), "AvailabilityEndDate": end, "BuyerAccounts": o.BuyerAccountIDs,
		"State": o.State, "Targeting": []string{"BuyerAccounts"}}
	base["Name"] = o.Name
	base["OfferSummary"] = sum
	attrs := map[string][]string{"EntityId": {e.ID}, "Name": {o.Name}, "ProductId": {o.ProductID},
		"ResaleAuthorizationId": {o.ResaleAuthorizationID}, "ReleaseDate": {catalogTime(e.CreatedAt)},
		"AvailabilityEndDate": {end}, "BuyerAccounts": o.BuyerAccountIDs, "State": {o.State},
		"Targeting": {"BuyerAccounts"}, "LastModifiedDate": {mod}}
	return listed{summary: base, attrs: attrs}
}

// checkFilterList checks a FilterList's documented limits: 1..8 filters, names of letters, and
// 1..10 values of 1..255 characters each.
func checkFilterList(list []filter, errs *invalid.Fields) {
	if list != nil && (len(list) == 0 || len(list) > maxFilters) {
		errs.Add("FilterList", "must hold 1-%d filters, got %d", maxFilters, len(list))
	}
	for i, f := range list {
		ff := fmt.Sprintf("FilterList[%d]", i)
		if !filterNamePattern.MatchString(f.Name) {
			errs.Add(ff+".Name", "must be 1-255 letters, got %.100q", f.Name)
		}
		checkFilterValues(ff+".ValueList", f.ValueList, errs)
	}
}

// checkAttrFilter checks one attribute filter of EntityTypeFilters: its value list's limits, a
// wildcard of 1..255 characters, and enum values (a resale authorization's Status).
func checkAttrFilter(f, name, typ string, af attrFilter, errs *invalid.Fields) {
	if af.ValueList != nil {
		checkFilterValues(f+".ValueList", af.ValueList, errs)
	}
	if w := af.WildCardValue; w != nil && (*w == "" || len(*w) > maxFilterValue) {
		errs.Add(f+".WildCardValue", "must be 1-%d characters", maxFilterValue)
	}
	if typ == typeResaleAuthorization && name == "Status" {
		for i, v := range af.ValueList {
			if !contains(raStatuses, v) {
				errs.Add(fmt.Sprintf("%s.ValueList[%d]", f, i), "must be one of %s, got %.100q", strings.Join(raStatuses, ", "), v)
			}
		}
	}
}
