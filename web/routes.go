package web

import "net/http"

// route is one entry of the console's route table: a method and path in net/http's pattern
// syntax, whether it needs a signed-in user, and its handler.
type route struct {
	method   string
	path     string
	signedIn bool
	handle   http.HandlerFunc
}

// routes is the route table: every page and form of the console, in one place.
func (h *Handler) routes() []route {
	return []route{
		{"GET", "/signin", false, h.handleSignInShow},
		{"POST", "/signin", false, h.handleSignInSubmit},
		{"POST", "/signout", false, h.handleSignOut},

		{"GET", "/{$}", true, func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/offers", http.StatusSeeOther)
		}},
		{"GET", "/offers", true, h.handleOfferList},
		{"GET", "/offers/new", true, h.handleOpportunityNew},
		{"POST", "/offers", true, h.handleOpportunityCreate},
		{"GET", "/offers/{id}", true, h.handleOfferShow},
		{"GET", "/offers/{id}/cancel", true, h.handleOfferCancelConfirm},
		{"POST", "/offers/{id}/cancel", true, h.handleOfferCancel},

		// entitlements and notifications
		{"GET", "/entitlements", true, h.handleEntitlementList},
		{"GET", "/entitlements/{id}", true, h.handleEntitlementShow},
		{"POST", "/entitlements/{id}/simulate/usage", true, h.handleSimulateUsage},
		{"POST", "/metering-records/{id}/retry", true, h.handleMeteringRetry},
		{"GET", "/notifications", true, h.handleNotificationList},
		{"POST", "/notifications/{id}/read", true, h.handleNotificationRead},
		{"POST", "/notifications/read-all", true, h.handleNotificationReadAll},

		// settings
		{"GET", "/settings", true, func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/settings/aws-connection", http.StatusSeeOther)
		}},
		{"GET", "/settings/aws-connection", true, h.handleAWSConnectionShow},
		{"POST", "/settings/aws-connection", true, h.handleAWSConnectionSave},
		{"GET", "/settings/api-keys", true, h.handleAPIKeyList},
		{"POST", "/settings/api-keys", true, h.handleAPIKeyCreate},
		{"POST", "/settings/api-keys/{id}/revoke", true, h.handleAPIKeyRevoke},
		{"GET", "/settings/inbound", true, h.handleInboundShow},
		{"POST", "/settings/inbound/rotate-secret", true, h.handleInboundRotate},
		{"GET", "/settings/users", true, h.handleUserList},
		{"POST", "/settings/users", true, h.handleUserCreate},
		{"POST", "/settings/users/{id}/end-sessions", true, h.handleUserEndSessions},
		{"GET", "/settings/users/{id}/remove", true, h.handleUserRemoveConfirm},
		{"POST", "/settings/users/{id}/remove", true, h.handleUserRemove},

		// opportunity flow
		{"GET", "/offers/{id}/edit", true, h.handleOpportunityEdit},
		{"POST", "/offers/{id}/edit", true, h.handleOpportunityUpdate},
		{"POST", "/offers/{id}/submit", true, h.handleOpportunitySubmit},
		{"POST", "/offers/{id}/simulate/reseller-offer", true, h.handleSimulateResellerOffer},
		{"POST", "/offers/{id}/simulate/buyer-accepts", true, h.handleSimulateBuyerAccepts},
	}
}

// newMux builds the console's handler: static files without a session; every other path with
// the security headers, the session, the CSRF check of posts, and for the pages of signed-in
// users the sign-in check. A path in no route is the sign-in page for a signed-out visitor and
// 404 for a user.
func (h *Handler) newMux() http.Handler {
	pages := http.NewServeMux()
	for _, rt := range h.routes() {
		hf := rt.handle
		if rt.signedIn {
			hf = requireUser(hf)
		}
		pages.Handle(rt.method+" "+rt.path, hf)
	}
	pages.Handle("/", requireUser(func(w http.ResponseWriter, r *http.Request) {
		h.renderStatus(w, r, http.StatusNotFound, "There is no such page.")
	}))
	root := http.NewServeMux()
	root.HandleFunc("GET /static/{sum}/{name}", h.handleStatic)
	root.Handle("/", h.withSession(h.checkCSRF(pages)))
	return securityHeaders(root)
}

// securityHeaders sets the headers every answer of the console carries: no framing, no
// sniffing, no referrer to other sites, and a content security policy that allows this
// origin's files only.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}
