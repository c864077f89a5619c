package http

import (
	"net/http"
	"strings"

	"github.com/dealdesk/dealdesk"
)

// authenticate lets a request through only with a valid API key ("Authorization: Bearer
// <key>"), and puts the key's organization in the request context. The key itself is never
// logged.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		secret, ok := bearerToken(r.Header.Get("Authorization"))
		if !ok {
			s.error(w, r, dealdesk.Errorf(dealdesk.EUNAUTHORIZED, "An API key is required: send the header \"Authorization: Bearer <key>\"."))
			return
		}
		key, err := s.cfg.APIKeys.AuthenticateAPIKey(r.Context(), secret)
		if err != nil {
			if code := dealdesk.ErrorCode(err); code != dealdesk.EINTERNAL {
				err = dealdesk.Errorf(dealdesk.EUNAUTHORIZED, "The API key is not valid.")
			}
			s.error(w, r, err)
			return
		}
		if info := requestInfoFrom(r.Context()); info != nil {
			info.orgID = key.OrgID
		}
		next.ServeHTTP(w, r.WithContext(dealdesk.NewContextWithOrgID(r.Context(), key.OrgID)))
	})
}

// bearerToken returns the token of an "Authorization: Bearer <token>" header value.
func bearerToken(header string) (string, bool) {
	scheme, token, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	if token == "" || strings.ContainsAny(token, " \t") {
		return "", false
	}
	return token, true
}
