// Package storetest is the executable contract of the store interfaces in
// package tsunagari. Every backend runs Run from its own tests, so SQLite
// and PostgreSQL behave the same.
package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"tsunagari"
)

// Backend is an opened, migrated, empty database.
type Backend interface {
	Stores() tsunagari.Stores
	// Fingerprint hashes every table's contents.
	Fingerprint(ctx context.Context) (string, error)
	// Dump returns every table's contents as text: per table, the column
	// names and then the rows.
	Dump(ctx context.Context) (map[string][][]string, error)
	// AccountReferences returns, by table, the columns whose foreign
	// keys refer to accounts.
	AccountReferences(ctx context.Context) (map[string][]string, error)
}

// Run tests every store of the backends that open returns. open must return
// a new, empty, migrated database each time it is called.
func Run(t *testing.T, open func(t *testing.T) Backend) {
	t.Run("Accounts", func(t *testing.T) { testAccounts(t, open) })
	t.Run("Sessions", func(t *testing.T) { testSessions(t, open) })
	t.Run("APITokens", func(t *testing.T) { testAPITokens(t, open) })
	t.Run("PasswordResets", func(t *testing.T) { testPasswordResets(t, open) })
	t.Run("Orgs", func(t *testing.T) { testOrgs(t, open) })
	t.Run("Invitations", func(t *testing.T) { testInvitations(t, open) })
	t.Run("Outbox", func(t *testing.T) { testOutbox(t, open) })
	t.Run("OutboxClaims", func(t *testing.T) { testOutboxClaims(t, open) })
	t.Run("Surveys", func(t *testing.T) { testSurveys(t, open) })
	t.Run("Audit", func(t *testing.T) { testAudit(t, open) })
	t.Run("MFA", func(t *testing.T) { testMFA(t, open) })
	t.Run("PersonalData", func(t *testing.T) { testPersonalData(t, open) })
	t.Run("Consultants", func(t *testing.T) { testConsultants(t, open) })
	t.Run("Bookings", func(t *testing.T) { testBookings(t, open) })
	t.Run("Records", func(t *testing.T) { testRecords(t, open) })
	t.Run("Communities", func(t *testing.T) { testCommunities(t, open) })
	t.Run("Recommend", func(t *testing.T) { testRecommend(t, open) })
	t.Run("Events", func(t *testing.T) { testEvents(t, open) })
	t.Run("Probono", func(t *testing.T) { testProbono(t, open) })
	t.Run("Ideas", func(t *testing.T) { testIdeas(t, open) })
	t.Run("Match", func(t *testing.T) { testMatch(t, open) })
	t.Run("Inventory", func(t *testing.T) { testInventory(t, open) })
	t.Run("Insights", func(t *testing.T) { testInsights(t, open) })
}

// t0 is the fixed clock of the contract tests: whole seconds, UTC.
var t0 = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

func account(email string, roles ...tsunagari.Role) *tsunagari.Account {
	if len(roles) == 0 {
		roles = []tsunagari.Role{tsunagari.RoleMember}
	}
	return &tsunagari.Account{
		Email: email, Name: "佐藤 美咲", PasswordHash: "$argon2id$test", Roles: roles,
		Locale: "ja", TimeZone: "Asia/Tokyo", JobFamily: "care", Industry: "healthcare_welfare",
		Prefecture: "13", HomePrefecture: "15", AgeBand: "30s", CreatedAt: t0, PasswordChangedAt: t0,
	}
}

func mustCreateAccount(t *testing.T, s tsunagari.Stores, a *tsunagari.Account) *tsunagari.Account {
	t.Helper()
	if err := s.Accounts.CreateAccount(context.Background(), a); err != nil {
		t.Fatalf("CreateAccount(%s) error = %v", a.Email, err)
	}
	return a
}

func mustCreateOrg(t *testing.T, s tsunagari.Stores, name string) *tsunagari.Org {
	t.Helper()
	o := &tsunagari.Org{Name: name, Industry: "manufacturing", DeclaredEmployees: 1200, MinGroupSize: 5, CreatedAt: t0}
	if err := s.Orgs.CreateOrg(context.Background(), o); err != nil {
		t.Fatalf("CreateOrg(%s) error = %v", name, err)
	}
	return o
}

func mustCreateDepartment(t *testing.T, s tsunagari.Stores, orgID, parentID, name string) *tsunagari.Department {
	t.Helper()
	d := &tsunagari.Department{OrgID: orgID, ParentID: parentID, Name: name, CreatedAt: t0}
	if err := s.Orgs.CreateDepartment(context.Background(), d); err != nil {
		t.Fatalf("CreateDepartment(%s) error = %v", name, err)
	}
	return d
}

func fingerprint(t *testing.T, b Backend) string {
	t.Helper()
	fp, err := b.Fingerprint(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return fp
}

// unchanged fails the test if the database changed since fp was taken.
func unchanged(t *testing.T, b Backend, fp, what string) {
	t.Helper()
	if got := fingerprint(t, b); got != fp {
		t.Errorf("%s changed the database", what)
	}
}

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s error = %v, want %v", what, err, want)
	}
}

func sameTime(a, b time.Time) bool { return a.Equal(b) && a.Location() == time.UTC }
