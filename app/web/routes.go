package web

import (
	"doorstep/app"
	"doorstep/app/account"
	"doorstep/app/audit"
	"doorstep/app/city"
	"doorstep/rbac"
)

// mount maps the whole API. Prefixes: /v1/auth and /v1/me (platform-wide),
// /v1/hq (HQ back office, domain hq), /v1/admin (city back office),
// /v1/merchant (merchant back office), /v1/staff (staff app), and the rest
// of /v1 for customers. City endpoints take the city from the host or X-City.
func (s *Server) mount() {
	// System
	s.handle(route{Method: "GET", Path: "/healthz", Summary: "Liveness: the process is up", Tag: "system", Resp: okBody{}}, s.healthz)
	s.handle(route{Method: "GET", Path: "/readyz", Summary: "Readiness: MySQL and Redis reachable", Tag: "system", Resp: readyBody{}}, s.readyz)
	s.handle(route{Method: "GET", Path: "/metrics", Summary: "Prometheus metrics", Tag: "system", Resp: "", Produce: "text/plain"}, s.metrics)
	s.handle(route{Method: "GET", Path: "/openapi.json", Summary: "This API as OpenAPI 3", Tag: "system", Resp: map[string]any{}}, s.openapiJSON())
	s.handle(route{Method: "GET", Path: "/docs", Summary: "This API as a web page", Tag: "system", Resp: "", Produce: "text/html"}, s.docsPage())

	// Sign-in (platform-wide)
	s.handle(route{Method: "POST", Path: "/v1/auth/sms-code", Summary: "Send a 6-digit SMS code (login, reset or bind); same answer for known and unknown numbers", Tag: "auth", Body: sendCodeReq{}, Resp: okBody{}}, s.sendCode)
	s.handle(route{Method: "POST", Path: "/v1/auth/login/sms", Summary: "Sign in (or sign up) with phone and SMS code", Tag: "auth", Body: smsLoginReq{}, Resp: account.Session{}}, s.loginSMS)
	s.handle(route{Method: "POST", Path: "/v1/auth/login/password", Summary: "Sign in with phone or email and password", Tag: "auth", Body: passwordLoginReq{}, Resp: account.Session{}}, s.loginPassword)
	s.handle(route{Method: "POST", Path: "/v1/auth/register/email", Summary: "Sign up with email and password", Tag: "auth", Body: emailRegisterReq{}, Resp: account.Session{}, Status: 201}, s.registerEmail)
	s.handle(route{Method: "POST", Path: "/v1/auth/refresh", Summary: "Rotate a refresh token for a new pair; reuse of a spent one ends the whole chain", Tag: "auth", Body: refreshReq{}, Resp: account.Session{}}, s.refresh)
	s.handle(route{Method: "POST", Path: "/v1/auth/password/reset", Summary: "Set a new password with a reset code", Tag: "auth", Body: resetReq{}, Resp: okBody{}}, s.resetPassword)
	s.handle(route{Method: "GET", Path: "/v1/auth/providers", Summary: "Third-party sign-ins available", Tag: "auth", Resp: providersBody{}}, s.providers)
	s.handle(route{Method: "GET", Path: "/v1/auth/oauth/:provider/start", Summary: "Where to send the browser to sign in with a provider", Tag: "auth", Query: oauthStartQuery{}, Resp: urlBody{}}, s.oauthStart)
	s.handle(route{Method: "POST", Path: "/v1/auth/oauth/:provider/callback", Summary: "Finish a third-party sign-in with the code and state from the redirect", Tag: "auth", Body: oauthCallbackReq{}, Resp: account.Session{}}, s.oauthCallback)
	s.handle(route{Method: "POST", Path: "/v1/auth/switch", Summary: "Act in one of your roles (grant_id) or as a customer (0)", Tag: "auth", Access: signedIn, Body: switchReq{}, Resp: account.Session{}}, s.switchRole)
	s.handle(route{Method: "POST", Path: "/v1/auth/logout", Summary: "End every session of this account", Tag: "auth", Access: signedIn, Resp: okBody{}}, s.logout)

	// Me
	s.handle(route{Method: "GET", Path: "/v1/me", Summary: "Your profile and roles", Tag: "me", Access: signedIn, Resp: account.Profile{}}, s.me)
	s.handle(route{Method: "PATCH", Path: "/v1/me", Summary: "Change your name, avatar, language or notification choices", Tag: "me", Access: signedIn, Body: account.ProfileUpdate{}, Resp: account.Profile{}}, s.updateMe)
	s.handle(route{Method: "POST", Path: "/v1/me/password", Summary: "Set or change your password (ends other sessions)", Tag: "me", Access: signedIn, Body: passwordChangeReq{}, Resp: okBody{}}, s.changePassword)
	s.handle(route{Method: "POST", Path: "/v1/me/phone", Summary: "Bind a phone number with a bind code", Tag: "me", Access: signedIn, Body: bindPhoneReq{}, Resp: okBody{}}, s.bindPhone)

	// Cities, public
	s.handle(route{Method: "GET", Path: "/v1/cities", Summary: "Cities you can pick", Tag: "cities", Resp: []publicCity{}}, s.publicCities)
	s.handle(route{Method: "GET", Path: "/v1/city", Summary: "The current city (from host or X-City)", Tag: "cities", City: true, Resp: publicCity{}}, s.currentCity)

	// HQ: cities, roles, audit
	s.handle(route{Method: "POST", Path: "/v1/hq/cities", Summary: "Onboard a city: create, migrate and seed its schema, invite its first admin", Tag: "hq", Perm: "city:create", Body: city.CreateInput{}, Resp: city.Created{}, Status: 201}, s.createCity)
	s.handle(route{Method: "GET", Path: "/v1/hq/cities", Summary: "Every city", Tag: "hq", Perm: "city:read", Resp: []city.City{}}, s.listCities)
	s.handle(route{Method: "GET", Path: "/v1/hq/placements", Summary: "The MySQL placements cities can live on, with how many each holds", Tag: "hq", Perm: "city:read", Resp: []city.Placement{}}, s.listPlacements)
	s.handle(route{Method: "GET", Path: "/v1/hq/cities/:code", Summary: "One city", Tag: "hq", Perm: "city:read", Resp: city.City{}}, s.getCity)
	s.handle(route{Method: "PATCH", Path: "/v1/hq/cities/:code", Summary: "Rename a city or change its commission default", Tag: "hq", Perm: "city:update", Body: city.Update{}, Resp: city.City{}}, s.editCity)
	s.handle(route{Method: "POST", Path: "/v1/hq/cities/:code/suspend", Summary: "Suspend a city: its pages say so and take no bookings", Tag: "hq", Perm: "city:update", Resp: city.City{}}, s.citySetStatus("suspended"))
	s.handle(route{Method: "POST", Path: "/v1/hq/cities/:code/resume", Summary: "Resume a suspended city", Tag: "hq", Perm: "city:update", Resp: city.City{}}, s.citySetStatus("active"))
	s.handle(route{Method: "GET", Path: "/v1/hq/grants", Summary: "Roles of a person, or of a domain", Tag: "hq", Perm: "role:read", Query: grantQuery{}, Resp: []rbac.Grant{}}, s.hqGrants)
	s.handle(route{Method: "POST", Path: "/v1/hq/grants", Summary: "Give a person (by account id or phone) a role anywhere", Tag: "hq", Perm: "role:grant", Body: grantReq{}, Resp: rbac.Grant{}, Status: 201}, s.hqGrant)
	s.handle(route{Method: "DELETE", Path: "/v1/hq/grants", Summary: "Take a role away", Tag: "hq", Perm: "role:grant", Body: revokeReq{}, Resp: okBody{}}, s.hqRevoke)
	s.handle(route{Method: "GET", Path: "/v1/hq/audit", Summary: "Audit log of every city", Tag: "hq", Perm: "audit:read", Query: auditQuery{}, Resp: app.List[audit.Entry]{}}, s.hqAudit)
	s.handle(route{Method: "POST", Path: "/v1/hq/accounts/:id/status", Summary: "Disable or enable an account (disabling ends its sessions)", Tag: "hq", Perm: "role:grant", Body: accountStatusReq{}, Resp: okBody{}}, s.accountStatus)

	// City back office: operators and audit
	s.handle(route{Method: "GET", Path: "/v1/admin/operators", Summary: "The city's admins and operators", Tag: "city admin", City: true, Perm: "role:read", Resp: []rbac.Grant{}}, s.cityOperators)
	s.handle(route{Method: "POST", Path: "/v1/admin/operators", Summary: "Make a person (by phone) a city admin or operator", Tag: "city admin", City: true, Perm: "role:grant", Body: operatorReq{}, Resp: rbac.Grant{}, Status: 201}, s.addCityOperator)
	s.handle(route{Method: "DELETE", Path: "/v1/admin/operators/:account_id", Summary: "Remove a city admin or operator", Tag: "city admin", City: true, Perm: "role:grant", Query: operatorRemoveQuery{}, Resp: okBody{}}, s.removeCityOperator)
	s.handle(route{Method: "GET", Path: "/v1/admin/audit", Summary: "Audit log of this city", Tag: "city admin", City: true, Perm: "audit:read", Query: auditQuery{}, Resp: app.List[audit.Entry]{}}, s.cityAudit)

	// Capabilities: each area maps its endpoints in its own handler file.
	s.mountCatalog()    // catalog.go: categories, skills, service items, browse and search
	s.mountMerchants()  // merchants.go: applications, review, shop, dispatchers
	s.mountStaff()      // staff.go: staff, certifications, availability, duty, public profiles
	s.mountBooking()    // booking.go: addresses, orders, cancel, after-sales, live status
	s.mountDispatch()   // dispatch.go: dispatch policy, decisions, board, staff offers
	s.mountPayments()   // payments.go: pay, gateway notifications, refunds, sandbox gateway
	s.mountReviews()    // reviews.go: reviews, replies, reports, moderation
	s.mountInbox()      // inbox.go: in-app notifications
	s.mountSettlement() // settlement.go: ledger, balances, settlements, payouts, reconciliation
	s.mountStats()      // stats.go: figures, trends, rollup on demand, CSV exports
	s.mountHQ()         // hq.go: cross-city lists, policies, moving a city, personal data
	s.mountMarketing()  // marketing.go: coupons, claims, grants, referral codes and rewards
	s.mountStorefront() // storefront.go: shop and city pages: drafts, publish, templates, public pages

	// Sandbox (outside production only)
	if !s.cfg.Production {
		if s.d.SMSBox != nil {
			s.handle(route{Method: "GET", Path: "/v1/sandbox/sms", Summary: "Sandbox only: SMS messages sent to a phone (read your sign-in code here)", Tag: "sandbox", Query: sandboxSMSQuery{}, Resp: []sandboxMessage{}}, s.sandboxSMS)
		}
		if s.d.OAuthSbx != nil {
			s.handle(route{Method: "GET", Path: "/sandbox/oauth/authorize", Summary: "Sandbox third-party sign-in page", Tag: "sandbox", Resp: "", Produce: "text/html"}, s.sandboxAuthorize)
			s.handle(route{Method: "POST", Path: "/sandbox/oauth/authorize", Summary: "Sandbox third-party sign-in: approve", Tag: "sandbox", Resp: "", Produce: "text/html", Status: 302}, s.sandboxApprove)
		}
	}
	s.mountFrontend() // frontend.go: the web pages, after every other route
}
