package sim

import (
	"errors"
	"io"
	"net/http"

	"github.com/dealdesk/dealdesk/sim/wire"
)

// catalogRoute is one restJson1 operation of the Catalog API.
type catalogRoute struct {
	method string
	op     string
	query  func(acct string, q map[string][]string) (any, error)
	body   func(acct string, body []byte) (any, error)
}

func (s *Server) catalogRoutes() map[string]catalogRoute {
	return map[string]catalogRoute{
		"/StartChangeSet":        {method: http.MethodPost, op: "StartChangeSet", body: s.startChangeSet},
		"/DescribeChangeSet":     {method: http.MethodGet, op: "DescribeChangeSet", query: s.describeChangeSet},
		"/CancelChangeSet":       {method: http.MethodPatch, op: "CancelChangeSet", query: s.cancelChangeSet},
		"/ListChangeSets":        {method: http.MethodPost, op: "ListChangeSets", body: s.listChangeSets},
		"/DescribeEntity":        {method: http.MethodGet, op: "DescribeEntity", query: s.describeEntity},
		"/ListEntities":          {method: http.MethodPost, op: "ListEntities", body: s.listEntities},
		"/BatchDescribeEntities": {method: http.MethodPost, op: "BatchDescribeEntities", body: s.batchDescribeEntities},
	}
}

func (s *Server) serveCatalog(w http.ResponseWriter, r *http.Request) {
	route, ok := s.catalog[r.URL.Path]
	if !ok {
		wire.WriteRESTError(w, http.StatusNotFound, "UnknownOperationException", "no operation at "+r.Method+" "+r.URL.Path)
		return
	}
	if r.Method != route.method {
		wire.WriteRESTError(w, http.StatusMethodNotAllowed, "UnknownOperationException", route.op+" is "+route.method+" "+r.URL.Path)
		return
	}
	acct := s.caller(r)
	if ae := s.guard(r, svcCatalog, route.op, acct); ae != nil {
		writeCatalogError(w, ae)
		return
	}
	var out any
	var err error
	if route.query != nil {
		out, err = route.query(acct, r.URL.Query())
	} else {
		body, rerr := io.ReadAll(io.LimitReader(r.Body, maxRequestBody+1))
		if rerr != nil || len(body) > maxRequestBody {
			wire.WriteRESTError(w, http.StatusRequestEntityTooLarge, "ValidationException", "the request body is unreadable or larger than 1 MiB")
			return
		}
		out, err = route.body(acct, body)
	}
	if err != nil {
		var ae *apiError
		if !errors.As(err, &ae) {
			s.log.Error("sim: catalog handler failed", "operation", route.op, "err", err)
			ae = &apiError{Status: 500, Type: "InternalServiceException", Message: "internal error"}
		}
		writeCatalogError(w, ae)
		return
	}
	wire.WriteREST(w, http.StatusOK, out)
}

func writeCatalogError(w http.ResponseWriter, ae *apiError) {
	wire.WriteRESTErrorFields(w, ae.Status, ae.Type, ae.Message, ae.Extra)
}
