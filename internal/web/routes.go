package web

import (
	"net/http"
	"slices"

	"tsunagari"
)

// router is a ServeMux that remembers the patterns registered on it, so
// that tests can hold every route to the authorization matrix.
type router struct {
	*http.ServeMux
	patterns []string
}

func (m *router) Handle(pattern string, h http.Handler) {
	m.patterns = append(m.patterns, pattern)
	m.ServeMux.Handle(pattern, h)
}

func (m *router) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	m.Handle(pattern, http.HandlerFunc(h))
}

// Routes returns the pattern of every registered route, in the order of
// registration.
func (s *Server) Routes() []string { return slices.Clone(s.patterns) }

// routes registers every route. The OpenAPI file documents the /api/v1
// ones. The authorization matrix (testdata/authz.csv) states who may do
// what on each of them, and its test fails for a route missing there.
func (s *Server) routes(mux *router) {
	// Operations.
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.Handle("GET /metrics", s.metricsGuard(s.metrics.handler()))
	mux.Handle("GET /static/", s.static)
	mux.Handle("GET /favicon.ico", http.RedirectHandler("/static/favicon.svg", http.StatusMovedPermanently))

	// Pages anyone may see.
	mux.Handle("GET /{$}", s.page(s.home))
	mux.Handle("POST /lang", s.page(s.setLanguage))
	mux.Handle("GET /signin", s.page(s.signInForm))
	mux.Handle("POST /signin", s.page(s.signIn))
	mux.Handle("GET /signin/mfa", s.page(s.mfaForm))
	mux.Handle("POST /signin/mfa", s.page(s.mfaVerify))
	mux.Handle("GET /signup", s.page(s.signUpForm))
	mux.Handle("POST /signup", s.page(s.signUp))
	mux.Handle("POST /signout", s.page(s.signOut))
	mux.Handle("GET /password/forgot", s.page(s.forgotForm))
	mux.Handle("POST /password/forgot", s.page(s.forgot))
	mux.Handle("GET /password/reset", s.page(s.resetForm))
	mux.Handle("POST /password/reset", s.page(s.reset))
	mux.Handle("GET /invite/{token}", s.page(s.invitation))
	mux.Handle("POST /invite/{token}", s.page(s.acceptInvitation))

	// Signed-in pages.
	mux.Handle("GET /dashboard", s.signedIn(s.dashboard))
	mux.Handle("GET /settings", s.signedIn(s.settingsForm))
	mux.Handle("POST /settings", s.signedIn(s.updateSettings))
	mux.Handle("POST /settings/password", s.signedIn(s.changePassword))
	mux.Handle("POST /settings/tokens", s.signedIn(s.createToken))
	mux.Handle("POST /settings/tokens/{id}/delete", s.signedIn(s.deleteToken))
	mux.Handle("GET /settings/mfa", s.signedIn(s.mfaSettings))
	mux.Handle("POST /settings/mfa", s.signedIn(s.mfaStart))
	mux.Handle("POST /settings/mfa/confirm", s.signedIn(s.mfaConfirm))
	mux.Handle("POST /settings/mfa/recovery-codes", s.signedIn(s.mfaRecoveryCodes))
	mux.Handle("POST /settings/mfa/delete", s.signedIn(s.mfaDisable))

	// A person's own data: the copy, to read and to download, and deleting
	// the account with it.
	mux.Handle("GET /settings/data", s.signedIn(s.myData))
	mux.Handle("GET /settings/data.json", s.signedIn(s.myDataJSON))
	mux.Handle("GET /settings/delete", s.signedIn(s.deleteAccountForm))
	mux.Handle("POST /settings/delete", s.signedIn(s.deleteAccount))

	// Surveys: diagnoses a member takes any time, and rounds sent to them.
	mux.Handle("GET /surveys", s.signedIn(s.surveys))
	mux.Handle("GET /surveys/{instrument}", s.signedIn(s.results))
	mux.Handle("GET /rounds/{id}", s.signedIn(s.roundForm))
	mux.Handle("POST /rounds/{id}", s.signedIn(s.respond))

	// External consultation: consultants, booking, and the records of a
	// session, which only its two sides reach.
	mux.Handle("GET /consultants", s.signedIn(s.consultants))
	mux.Handle("GET /consultants/{id}", s.signedIn(s.consultant))
	mux.Handle("POST /consultants/{id}/book", s.signedIn(s.book))
	mux.Handle("GET /bookings", s.signedIn(s.bookings))
	mux.Handle("GET /bookings/{id}", s.signedIn(s.booking))
	mux.Handle("GET /bookings/{id}/ics", s.signedIn(s.bookingICS))
	mux.Handle("POST /bookings/{id}/cancel", s.signedIn(s.cancelBooking))
	mux.Handle("POST /bookings/{id}/confirm", s.signedIn(s.confirmBooking))
	mux.Handle("POST /bookings/{id}/reschedule", s.signedIn(s.rescheduleBooking))
	mux.Handle("POST /bookings/{id}/meeting-url", s.signedIn(s.setMeetingURL))
	mux.Handle("POST /bookings/{id}/note", s.signedIn(s.writeNote))
	mux.Handle("POST /bookings/{id}/reflection", s.signedIn(s.writeReflection))
	mux.Handle("GET /consultant/schedule", s.signedIn(s.schedule))
	mux.Handle("GET /consultant/profile", s.signedIn(s.profile))
	mux.Handle("POST /consultant/profile", s.signedIn(s.saveProfile))
	mux.Handle("GET /consultant/availability", s.signedIn(s.availability))
	mux.Handle("POST /consultant/availability", s.signedIn(s.saveAvailability))

	// Third communities: the directory, a community's page, joining and
	// leaving, organisers' pages and the operator's moderation.
	mux.Handle("GET /communities", s.signedIn(s.communities))
	mux.Handle("GET /communities/mine", s.signedIn(s.myCommunities))
	mux.Handle("GET /communities/new", s.signedIn(s.newCommunityForm))
	mux.Handle("POST /communities", s.signedIn(s.createCommunity))
	mux.Handle("GET /communities/{id}", s.signedIn(s.showCommunity))
	mux.Handle("GET /communities/{id}/edit", s.signedIn(s.editCommunityForm))
	mux.Handle("POST /communities/{id}/edit", s.signedIn(s.updateCommunity))
	mux.Handle("POST /communities/{id}/join", s.signedIn(s.joinCommunity))
	mux.Handle("POST /communities/{id}/leave", s.signedIn(s.leaveCommunity))
	mux.Handle("POST /communities/{id}/involvement", s.signedIn(s.setInvolvement))
	mux.Handle("POST /communities/{id}/rating", s.signedIn(s.rateCommunity))
	mux.Handle("GET /communities/{id}/members", s.signedIn(s.communityMembers))
	mux.Handle("POST /communities/{id}/members/{account}/approve", s.signedIn(s.approveMember))
	mux.Handle("POST /communities/{id}/members/{account}/remove", s.signedIn(s.removeMember))
	mux.Handle("POST /communities/{id}/members/{account}/role", s.signedIn(s.setMemberRole))
	mux.Handle("POST /communities/{id}/hide", s.signedIn(s.hideCommunity))
	mux.Handle("POST /communities/{id}/show", s.signedIn(s.showHiddenCommunity))
	mux.Handle("GET /operator/communities", s.signedIn(s.operatorCommunities))
	mux.Handle("POST /operator/communities/import", s.signedIn(s.importCommunities))
	// Community recommendations: a member's own list, wish, filters and
	// marks.
	mux.Handle("GET /recommendations", s.signedIn(s.recommendations))
	mux.Handle("POST /recommendations/preferences", s.signedIn(s.savePreferences))
	mux.Handle("POST /recommendations/{id}/bookmark", s.signedIn(s.markCommunity(tsunagari.MarkBookmark, "flash.bookmarked")))
	mux.Handle("POST /recommendations/{id}/dismiss", s.signedIn(s.markCommunity(tsunagari.MarkDismiss, "flash.dismissed")))
	mux.Handle("POST /recommendations/{id}/unmark", s.signedIn(s.unmarkCommunity))

	// Events of communities: anyone may look; requests need an account;
	// organisers manage their own events. Calendar feeds are read with
	// the secret in their address instead of a session.
	mux.Handle("GET /events", s.page(s.eventsList))
	mux.Handle("GET /events/{id}", s.page(s.eventShow))
	mux.Handle("GET /events/{id}/event.ics", s.page(s.eventICal))
	mux.Handle("POST /events/{id}/rsvp", s.signedIn(s.eventRSVP))
	mux.Handle("POST /events/{id}/rsvp/cancel", s.signedIn(s.eventRSVPCancel))
	mux.Handle("POST /events/{id}/cancel", s.signedIn(s.eventCancel))
	mux.Handle("GET /events/{id}/attendees", s.signedIn(s.eventAttendees))
	mux.Handle("GET /events/{id}/attendees.csv", s.signedIn(s.attendeesCSV))
	mux.Handle("POST /rsvps/{id}/check-in", s.signedIn(s.rsvpAction(s.rsvpCheckIn, "flash.checked_in")))
	mux.Handle("POST /rsvps/{id}/approve", s.signedIn(s.rsvpAction(s.rsvpApprove, "flash.rsvp_approved")))
	mux.Handle("POST /rsvps/{id}/decline", s.signedIn(s.rsvpAction(s.rsvpDecline, "flash.rsvp_declined")))
	mux.Handle("GET /communities/{id}/events/new", s.signedIn(s.eventNew))
	mux.Handle("POST /communities/{id}/events", s.signedIn(s.eventCreate))
	mux.Handle("GET /settings/calendar", s.signedIn(s.calendarSettings))
	mux.Handle("POST /settings/calendar", s.signedIn(s.calendarCreate))
	mux.Handle("POST /settings/calendar/delete", s.signedIn(s.calendarRevoke))
	mux.Handle("GET /feeds/{token}/member.ics", s.page(s.memberFeed))
	mux.Handle("GET /feeds/{token}/communities/{id}/events.ics", s.page(s.communityFeed))

	// Pro-bono projects of NPOs and worker cooperatives.
	mux.Handle("GET /probono", s.page(s.probonoList))
	mux.Handle("GET /probono/{id}", s.page(s.probonoShow))
	mux.Handle("POST /probono/{id}/apply", s.signedIn(s.probonoApply))
	mux.Handle("GET /probono/{id}/team", s.signedIn(s.probonoTeam))
	mux.Handle("POST /probono/{id}/team", s.signedIn(s.probonoConfirm))
	mux.Handle("GET /communities/{id}/probono/new", s.signedIn(s.probonoNew))
	mux.Handle("POST /communities/{id}/probono", s.signedIn(s.probonoCreate))

	// Ideas and concerns (問題意識) that become communities.
	mux.Handle("GET /ideas", s.signedIn(s.ideasList))
	mux.Handle("GET /ideas/new", s.signedIn(s.ideaNew))
	mux.Handle("POST /ideas", s.signedIn(s.ideaCreate))
	mux.Handle("GET /ideas/{id}", s.signedIn(s.ideaShow))
	mux.Handle("POST /ideas/{id}/support", s.signedIn(s.ideaSupport))
	mux.Handle("POST /ideas/{id}/withdraw", s.signedIn(s.ideaWithdraw))
	mux.Handle("POST /ideas/{id}/convert", s.signedIn(s.ideaConvert))

	// HR administration of one's own org.
	mux.Handle("GET /hr/departments", s.signedIn(s.departments))
	mux.Handle("POST /hr/departments", s.signedIn(s.createDepartment))
	mux.Handle("GET /hr/departments/{id}", s.signedIn(s.department))
	mux.Handle("GET /hr/invitations", s.signedIn(s.invitations))
	mux.Handle("POST /hr/invitations", s.signedIn(s.invite))
	mux.Handle("POST /hr/invitations/csv", s.signedIn(s.inviteCSV))
	mux.Handle("GET /hr/invitations/{id}", s.signedIn(s.invitationDetail))

	// Rounds an HR administrator or an operator sends, their reports, and
	// the instruments they author.
	mux.Handle("GET /hr/rounds", s.signedIn(s.hrRounds))
	mux.Handle("POST /hr/rounds", s.signedIn(s.scheduleHRRound))
	mux.Handle("GET /operator/rounds", s.signedIn(s.operatorRounds))
	mux.Handle("POST /operator/rounds", s.signedIn(s.scheduleOperatorRound))
	mux.Handle("GET /reports/{id}", s.signedIn(s.report))
	mux.Handle("GET /reports/{id}/crosstab.csv", s.signedIn(s.crossTabCSV))
	mux.Handle("GET /instruments", s.signedIn(s.instruments))
	mux.Handle("GET /instruments/new", s.signedIn(s.newInstrumentForm))
	mux.Handle("GET /instruments/{id}/edit", s.signedIn(s.editInstrumentForm))
	mux.Handle("POST /instruments", s.signedIn(s.saveInstrument))

	// The employer's side: anonymised reports, programmes and pulse
	// rounds; employees enrol in programmes themselves.
	mux.Handle("GET /hr/report", s.signedIn(s.orgReport))
	mux.Handle("GET /hr/programmes", s.signedIn(s.hrProgrammes))
	mux.Handle("POST /hr/programmes", s.signedIn(s.createProgramme))
	mux.Handle("GET /hr/programmes/{id}/effect", s.signedIn(s.programmeEffect))
	mux.Handle("GET /hr/pulse", s.signedIn(s.hrPulse))
	mux.Handle("POST /hr/pulse", s.signedIn(s.createPulse))
	mux.Handle("GET /programmes", s.signedIn(s.myProgrammes))
	mux.Handle("POST /programmes/{id}/enrol", s.signedIn(s.enrol))

	// The platform operator.
	mux.Handle("GET /operator/orgs", s.signedIn(s.orgs))
	mux.Handle("POST /operator/orgs", s.signedIn(s.createOrg))
	mux.Handle("GET /operator/outbox", s.signedIn(s.outbox))
	mux.Handle("GET /operator/audit", s.signedIn(s.auditLog))
	mux.Handle("GET /operator/audit.csv", s.signedIn(s.auditCSV))
	mux.Handle("GET /operator/consultants", s.signedIn(s.verification))
	mux.Handle("POST /operator/consultants/{id}/verify", s.signedIn(s.verify))
	mux.Handle("GET /operator/recommendations", s.signedIn(s.recommendWeights))
	mux.Handle("POST /operator/recommendations", s.signedIn(s.saveRecommendWeights))

	// JSON API.
	mux.Handle("GET /api/v1/openapi.json", s.api(s.apiOpenAPI))
	mux.Handle("POST /api/v1/login", s.api(s.apiLogin))
	mux.Handle("POST /api/v1/logout", s.api(s.apiLogout))
	mux.Handle("POST /api/v1/signup", s.api(s.apiSignUp))
	mux.Handle("POST /api/v1/password-resets", s.api(s.apiRequestReset))
	mux.Handle("POST /api/v1/password-resets/confirm", s.api(s.apiReset))
	mux.Handle("GET /api/v1/me", s.api(s.apiMe))
	mux.Handle("PATCH /api/v1/me", s.api(s.apiUpdateMe))
	mux.Handle("POST /api/v1/me/password", s.api(s.apiChangePassword))
	mux.Handle("GET /api/v1/me/data", s.api(s.apiMyData))
	mux.Handle("DELETE /api/v1/me", s.api(s.apiDeleteMe))
	mux.Handle("GET /api/v1/tokens", s.api(s.apiTokens))
	mux.Handle("POST /api/v1/tokens", s.api(s.apiCreateToken))
	mux.Handle("DELETE /api/v1/tokens/{id}", s.api(s.apiDeleteToken))
	mux.Handle("GET /api/v1/org", s.api(s.apiMyOrg))
	mux.Handle("GET /api/v1/org/departments", s.api(s.apiDepartments))
	mux.Handle("POST /api/v1/org/departments", s.api(s.apiCreateDepartment))
	mux.Handle("GET /api/v1/org/departments/{id}", s.api(s.apiDepartment))
	mux.Handle("GET /api/v1/org/invitations", s.api(s.apiInvitations))
	mux.Handle("POST /api/v1/org/invitations", s.api(s.apiInvite))
	mux.Handle("GET /api/v1/org/invitations/{id}", s.api(s.apiInvitation))
	mux.Handle("POST /api/v1/invitations/{token}/accept", s.api(s.apiAcceptInvitation))
	mux.Handle("GET /api/v1/orgs", s.api(s.apiOrgs))
	mux.Handle("POST /api/v1/orgs", s.api(s.apiCreateOrg))
	mux.Handle("GET /api/v1/orgs/{id}", s.api(s.apiOrg))
	mux.Handle("GET /api/v1/outbox", s.api(s.apiOutbox))
	mux.Handle("GET /api/v1/instruments", s.api(s.apiInstruments))
	mux.Handle("GET /api/v1/instruments/{id}", s.api(s.apiInstrument))
	mux.Handle("GET /api/v1/instruments/{id}/results", s.api(s.apiMyResults))
	mux.Handle("POST /api/v1/rounds", s.api(s.apiCreateRound))
	mux.Handle("POST /api/v1/rounds/{id}/responses", s.api(s.apiSubmitResponse))
	mux.Handle("POST /api/v1/instruments", s.api(s.apiCreateInstrument))
	mux.Handle("GET /api/v1/rounds", s.api(s.apiRounds))
	mux.Handle("GET /api/v1/rounds/{id}/report", s.api(s.apiReport))
	mux.Handle("GET /api/v1/rounds/{id}/crosstab", s.api(s.apiCrossTab))
	mux.Handle("GET /api/v1/rounds/{id}/crosstab.csv", s.api(s.crossTabCSV))
	mux.Handle("GET /api/v1/audit-events", s.api(s.apiAuditEvents))
	mux.Handle("GET /api/v1/consultants", s.api(s.apiConsultants))
	mux.Handle("GET /api/v1/consultants/{id}", s.api(s.apiConsultant))
	mux.Handle("GET /api/v1/consultants/{id}/slots", s.api(s.apiSlots))
	mux.Handle("GET /api/v1/bookings", s.api(s.apiBookings))
	mux.Handle("POST /api/v1/bookings", s.api(s.apiCreateBooking))
	mux.Handle("GET /api/v1/bookings/{id}", s.api(s.apiBooking))
	mux.Handle("POST /api/v1/bookings/{id}/cancel", s.api(s.apiCancelBooking))
	mux.Handle("POST /api/v1/bookings/{id}/confirm", s.api(s.apiConfirmBooking))
	mux.Handle("POST /api/v1/bookings/{id}/reschedule", s.api(s.apiRescheduleBooking))
	mux.Handle("GET /api/v1/bookings/{id}/note", s.api(s.apiNote))
	mux.Handle("PUT /api/v1/bookings/{id}/note", s.api(s.apiWriteNote))
	mux.Handle("GET /api/v1/bookings/{id}/reflection", s.api(s.apiReflection))
	mux.Handle("PUT /api/v1/bookings/{id}/reflection", s.api(s.apiWriteReflection))

	// The shortlist of ten, keyword search and marks; the operator's
	// weights.
	mux.Handle("GET /shortlist", s.signedIn(s.shortlistPage))
	mux.Handle("GET /shortlist/search", s.signedIn(s.searchPage))
	mux.Handle("GET /shortlist/{id}", s.signedIn(s.consultantFit))
	mux.Handle("POST /shortlist/{id}/mark", s.signedIn(s.markConsultant))
	mux.Handle("GET /operator/matching", s.signedIn(s.matching))
	mux.Handle("POST /operator/matching", s.signedIn(s.saveMatching))
	mux.Handle("GET /api/v1/shortlist", s.api(s.apiShortlist))
	mux.Handle("GET /api/v1/consultant-search", s.api(s.apiSearchConsultants))
	mux.Handle("GET /api/v1/consultant-marks", s.api(s.apiMarks))
	mux.Handle("PUT /api/v1/consultant-marks/{id}", s.api(s.apiMark))
	mux.Handle("DELETE /api/v1/consultant-marks/{id}", s.api(s.apiUnmark))
	mux.Handle("GET /api/v1/match-weights", s.api(s.apiWeights))
	mux.Handle("PUT /api/v1/match-weights", s.api(s.apiSaveWeights))

	// The member's journey: the career inventory, its shares with a
	// booked consultant, and the timeline.
	mux.Handle("GET /inventory", s.signedIn(s.inventory))
	mux.Handle("POST /inventory", s.signedIn(s.saveInventory))
	mux.Handle("POST /inventory/delete", s.signedIn(s.deleteInventory))
	mux.Handle("POST /inventory/shares/{id}", s.signedIn(s.shareInventory))
	mux.Handle("POST /inventory/shares/{id}/delete", s.signedIn(s.unshareInventory))
	mux.Handle("GET /inventory/shared", s.signedIn(s.sharedInventories))
	mux.Handle("GET /inventory/shared/{id}", s.signedIn(s.sharedInventory))
	mux.Handle("GET /journey", s.signedIn(s.journey))
	mux.Handle("GET /api/v1/inventory", s.api(s.apiInventory))
	mux.Handle("PUT /api/v1/inventory", s.api(s.apiSaveInventory))
	mux.Handle("DELETE /api/v1/inventory", s.api(s.apiDeleteInventory))
	mux.Handle("GET /api/v1/inventory/shares", s.api(s.apiShares))
	mux.Handle("PUT /api/v1/inventory/shares/{id}", s.api(s.apiShare))
	mux.Handle("DELETE /api/v1/inventory/shares/{id}", s.api(s.apiUnshare))
	mux.Handle("GET /api/v1/shared-inventories", s.api(s.apiSharedInventories))
	mux.Handle("GET /api/v1/shared-inventories/{id}", s.api(s.apiSharedInventory))
	mux.Handle("GET /api/v1/timeline", s.api(s.apiTimeline))

	mux.Handle("GET /api/v1/communities", s.api(s.apiSearchCommunities))
	mux.Handle("GET /api/v1/communities/{id}", s.api(s.apiCommunity))
	mux.Handle("POST /api/v1/communities/{id}/membership", s.api(s.apiJoinCommunity))
	mux.Handle("DELETE /api/v1/communities/{id}/membership", s.api(s.apiLeaveCommunity))
	mux.Handle("POST /api/v1/communities/import", s.api(s.apiImportCommunities))
	mux.Handle("GET /api/v1/recommendations", s.api(s.apiRecommend))
	mux.Handle("GET /api/v1/me/recommendation-preferences", s.api(s.apiRecommendPrefs))
	mux.Handle("PUT /api/v1/me/recommendation-preferences", s.api(s.apiSaveRecommendPrefs))
	mux.Handle("GET /api/v1/me/community-marks", s.api(s.apiCommunityMarks))
	mux.Handle("PUT /api/v1/me/community-marks/{id}", s.api(s.apiMarkCommunity))
	mux.Handle("DELETE /api/v1/me/community-marks/{id}", s.api(s.apiUnmarkCommunity))
	mux.Handle("GET /api/v1/recommendation-weights", s.api(s.apiRecommendWeights))
	mux.Handle("PUT /api/v1/recommendation-weights", s.api(s.apiSaveRecommendWeights))

	mux.Handle("GET /api/v1/events", s.api(s.apiListEvents))
	mux.Handle("POST /api/v1/communities/{id}/events", s.api(s.apiCreateEvent))
	mux.Handle("GET /api/v1/events/{id}", s.api(s.apiGetEvent))
	mux.Handle("POST /api/v1/events/{id}/rsvp", s.api(s.apiRSVP))
	mux.Handle("DELETE /api/v1/events/{id}/rsvp", s.api(s.apiCancelRSVP))
	mux.Handle("POST /api/v1/events/{id}/cancel", s.api(s.apiCancelEvent))
	mux.Handle("GET /api/v1/events/{id}/attendees", s.api(s.apiAttendees))
	mux.Handle("GET /api/v1/events/{id}/attendees.csv", s.api(s.apiExportAttendees))
	mux.Handle("POST /api/v1/rsvps/{id}/check-in", s.api(s.apiCheckIn))
	mux.Handle("POST /api/v1/rsvps/{id}/decision", s.api(s.apiDecideRSVP))
	mux.Handle("GET /api/v1/me/calendar-feed", s.api(s.apiGetFeed))
	mux.Handle("POST /api/v1/me/calendar-feed", s.api(s.apiCreateFeed))
	mux.Handle("DELETE /api/v1/me/calendar-feed", s.api(s.apiRevokeFeed))
	mux.Handle("GET /api/v1/probono-projects", s.api(s.apiListProjects))
	mux.Handle("POST /api/v1/communities/{id}/probono-projects", s.api(s.apiCreateProject))
	mux.Handle("GET /api/v1/probono-projects/{id}", s.api(s.apiGetProject))
	mux.Handle("POST /api/v1/probono-projects/{id}/applications", s.api(s.apiApply))
	mux.Handle("GET /api/v1/probono-projects/{id}/team-proposal", s.api(s.apiProposeTeam))
	mux.Handle("POST /api/v1/probono-projects/{id}/team", s.api(s.apiConfirmTeam))
	mux.Handle("GET /api/v1/ideas", s.api(s.apiListIdeas))
	mux.Handle("POST /api/v1/ideas", s.api(s.apiCreateIdea))
	mux.Handle("GET /api/v1/ideas/{id}", s.api(s.apiGetIdea))
	mux.Handle("POST /api/v1/ideas/{id}/support", s.api(s.apiSupportIdea))
	mux.Handle("DELETE /api/v1/ideas/{id}/support", s.api(s.apiWithdrawIdeaSupport))
	mux.Handle("POST /api/v1/ideas/{id}/conversion", s.api(s.apiConvertIdea))
	mux.Handle("GET /api/v1/org/report", s.api(s.apiOrgReport))
	mux.Handle("GET /api/v1/org/report/csv", s.api(s.apiReportCSV))
	mux.Handle("GET /api/v1/org/programmes/{id}/effect", s.api(s.apiProgrammeEffect))
	mux.Handle("POST /api/v1/org/programmes", s.api(s.apiCreateProgramme))
	mux.Handle("GET /api/v1/programmes", s.api(s.apiProgrammes))
	mux.Handle("POST /api/v1/programmes/{id}/enrolment", s.api(s.apiEnrol))
	mux.Handle("POST /api/v1/org/pulse-rounds", s.api(s.apiCreatePulseRound))
	mux.Handle("/api/", s.api(s.apiNotFound))
	mux.Handle("/", s.page(s.notFound))
}
