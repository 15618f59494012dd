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
}
