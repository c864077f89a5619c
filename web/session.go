package web

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/dealdesk/dealdesk"
)

// SessionCookie is the name of the console's session cookie.
const SessionCookie = "dealdesk_session"

// session is what the session cookie holds, signed (decision 025): the signed-in user, if any,
// the CSRF token every form of the session carries, and when it ends. A visitor who has not
// signed in has a session too, without a user, so that the sign-in form has a token as well.
type session struct {
	UserID  string `json:"u,omitempty"`
	OrgID   string `json:"o,omitempty"`
	Email   string `json:"e,omitempty"`
	CSRF    string `json:"c"`
	Expires int64  `json:"x"` // Unix seconds
	// Issued is when the user signed in, in Unix milliseconds: a session issued before the
	// user's SessionsEndedAt is refused (decision 026).
	Issued int64 `json:"i,omitempty"`
}

// signedIn reports whether the session belongs to a user.
func (s *session) signedIn() bool { return s.UserID != "" && s.OrgID != "" }

type sessionKey struct{}

// sessionFrom returns the request's session, set by withSession.
func sessionFrom(ctx context.Context) *session {
	s, _ := ctx.Value(sessionKey{}).(*session)
	if s == nil {
		return &session{}
	}
	return s
}

// newSession returns a session for user (nil: signed out) with a fresh CSRF token.
func (h *Handler) newSession(user *dealdesk.User) *session {
	now := h.now()
	s := &session{CSRF: randomToken(), Expires: now.Add(h.cfg.SessionLifetime).Unix()}
	if user != nil {
		s.UserID, s.OrgID, s.Email, s.Issued = user.ID, user.OrgID, user.Email, now.UnixMilli()
	}
	return s
}

// randomToken returns 32 random bytes, base64url-encoded.
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}

// encodeSession returns the cookie value of s: its JSON and an HMAC-SHA256 of it, both
// base64url-encoded, joined by a dot.
func (h *Handler) encodeSession(s *session) string {
	payload, _ := json.Marshal(s)
	p := base64.RawURLEncoding.EncodeToString(payload)
	return p + "." + base64.RawURLEncoding.EncodeToString(h.sign(p))
}

// decodeSession returns the session of a cookie value, or nil when it is malformed, its
// signature is wrong or it has expired.
func (h *Handler) decodeSession(v string) *session {
	p, sig, ok := strings.Cut(v, ".")
	if !ok || len(v) > 4096 {
		return nil
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, h.sign(p)) {
		return nil
	}
	payload, err := base64.RawURLEncoding.DecodeString(p)
	if err != nil {
		return nil
	}
	var s session
	if err := json.Unmarshal(payload, &s); err != nil || s.CSRF == "" || h.now().Unix() >= s.Expires {
		return nil
	}
	return &s
}

func (h *Handler) sign(p string) []byte {
	mac := hmac.New(sha256.New, h.signKey)
	mac.Write([]byte(p))
	return mac.Sum(nil)
}

// setSessionCookie sends s as the session cookie: HttpOnly, SameSite=Lax, and Secure over TLS
// (or always, with Config.SecureCookies).
func (h *Handler) setSessionCookie(w http.ResponseWriter, r *http.Request, s *session) {
	http.SetCookie(w, &http.Cookie{
		Name: SessionCookie, Value: h.encodeSession(s), Path: "/",
		Expires: time.Unix(s.Expires, 0), MaxAge: int(time.Until(time.Unix(s.Expires, 0)).Seconds()),
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil || h.cfg.SecureCookies,
	})
}

// withSession reads the session cookie, or starts a signed-out session (and sends its cookie)
// when there is no valid one, and puts the session, and its organization, in the request's
// context. A signed-in session is checked against its user on every request (decision 026): a
// removed user, or one whose sessions were ended after this one was issued, is signed out.
func (h *Handler) withSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var s *session
		if c, err := r.Cookie(SessionCookie); err == nil {
			s = h.decodeSession(c.Value)
		}
		if s != nil && s.signedIn() {
			live, err := h.sessionLive(r.Context(), s)
			if err != nil {
				h.renderError(w, r, err) // logged; the page says only that it went wrong
				return
			}
			if !live {
				s = nil
			}
		}
		if s == nil {
			s = h.newSession(nil)
			h.setSessionCookie(w, r, s)
		}
		ctx := context.WithValue(r.Context(), sessionKey{}, s)
		if s.signedIn() {
			ctx = dealdesk.NewContextWithOrgID(ctx, s.OrgID)
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// sessionLive reports whether the signed-in session s still holds: its user exists in its
// organization and its sessions were not ended after s was issued. The user's email is
// refreshed from the store. An error is the store's, not the session's.
func (h *Handler) sessionLive(ctx context.Context, s *session) (bool, error) {
	u, err := h.cfg.Users.FindUserByID(dealdesk.NewContextWithOrgID(ctx, s.OrgID), s.UserID)
	switch {
	case dealdesk.ErrorCode(err) == dealdesk.ENOTFOUND:
		return false, nil
	case err != nil:
		return false, err
	case u.SessionsEndedAt != nil && s.Issued <= u.SessionsEndedAt.UnixMilli(): // the same millisecond ends it too
		return false, nil
	}
	s.Email = u.Email
	return true, nil
}

// requireUser sends a signed-out visitor to the sign-in page (303), with the page asked for as
// next when it was a GET.
func requireUser(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !sessionFrom(r.Context()).signedIn() {
			to := "/signin"
			if r.Method == http.MethodGet && r.URL.Path != "/" {
				to += "?next=" + url.QueryEscape(r.URL.RequestURI())
			}
			http.Redirect(w, r, to, http.StatusSeeOther)
			return
		}
		next(w, r)
	}
}

// maxFormBytes bounds the body of a form post.
const maxFormBytes = 1 << 20

// checkCSRF refuses (403) a request other than GET and HEAD whose form's csrf field is not the
// session's token, before its handler runs; it also refuses cross-origin posts by their
// browser's headers (net/http's CrossOriginProtection).
func (h *Handler) checkCSRF(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.renderStatus(w, r, http.StatusForbidden, "This form was posted from another site and was refused.")
	}))
	return cop.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			next.ServeHTTP(w, r)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		if err := r.ParseForm(); err != nil {
			h.renderStatus(w, r, http.StatusBadRequest, "The form could not be read.")
			return
		}
		want := sessionFrom(r.Context()).CSRF
		if got := r.PostForm.Get("csrf"); got == "" || !hmac.Equal([]byte(got), []byte(want)) {
			h.renderStatus(w, r, http.StatusForbidden, "This form has expired or did not come from this site: reload the page and try again.")
			return
		}
		next.ServeHTTP(w, r)
	}))
}
