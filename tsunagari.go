// Package tsunagari is the domain vocabulary of tsunagari (つながり), a
// platform for career mutual aid (キャリアの共助): accounts and roles,
// organisations, communities, consultation, surveys and anonymised
// reports. It holds types, their validation, the error vocabulary and the
// store interfaces that internal/sqlite and internal/postgres implement.
// It imports only the standard library.
package tsunagari

// Stores bundles every store of one database. Services take only the
// stores they need.
type Stores struct {
	Accounts AccountStore
	Sessions SessionStore
	Orgs     OrgStore
	Outbox   OutboxStore
	Surveys  SurveyStore
	Audit    AuditStore
	MFA      MFAStore
	// Personal exports and erases everything the other stores hold
	// about an account, in one snapshot and one transaction.
	Personal PersonalStore

	Consultation ConsultationStore

	// Communities holds third communities, memberships and the search
	// index.
	Communities CommunityStore

	// Events holds events, their occurrences and RSVPs, and calendar
	// feeds.
	Events EventStore
	// Probono holds pro-bono projects and applications.
	Probono ProbonoStore
	// Ideas holds members' ideas and concerns, their supporters, and
	// their conversion into communities.
	Ideas IdeaStore

	// Recommend holds members' wishes, filters and marks, the weights of
	// the recommender, and the signals it ranks communities by.
	Recommend RecommendStore
	// Match holds the shortlist's weights, marks and appearance counts;
	// Inventory the members' career inventories and their shares.
	Match     MatchStore
	Inventory InventoryStore
	// The employer's side: programmes, the release ledger, and what
	// reports are computed from.
	Programmes ProgrammeStore
	Releases   ReleaseStore
	Insights   InsightStore
}
