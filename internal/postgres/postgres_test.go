package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"tsunagari"
	"tsunagari/internal/postgres"
	"tsunagari/internal/postgres/pgtest"
	"tsunagari/internal/storetest"
)

func TestStores(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Backend { return MustOpenDB(t) })
}

// The fresh-schema helpers live in pgtest, shared with other packages'
// tests.
var (
	MustOpenDB       = pgtest.MustOpenDB
	MustCreateSchema = pgtest.MustCreateSchema
	exec             = pgtest.Exec
)

// migrations returns the names recorded in schema_migrations.
func migrations(t *testing.T, dsn string) []string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, _ := conn.Query(ctx, `SELECT name FROM schema_migrations ORDER BY name`)
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return names
}

func TestMigrationsRecorded(t *testing.T) {
	dsn := MustCreateSchema(t)
	ctx := context.Background()
	db, err := postgres.Open(ctx, dsn, postgres.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	applied := db.MigratedAtOpen()
	if len(applied) == 0 || applied[0] != "0001_foundation.sql" || !slices.IsSorted(applied) {
		t.Fatalf("Open applied %v, want the migrations from 0001_foundation.sql in order", applied)
	}
	if got := migrations(t, dsn); !slices.Equal(got, applied) {
		t.Errorf("schema_migrations = %v, want %v", got, applied)
	}

	// A second migration applies nothing, and a plain Open accepts the schema.
	if again, err := db.Migrate(ctx); err != nil || len(again) != 0 {
		t.Errorf("Migrate on a current schema = %v, %v; want nothing applied", again, err)
	}
	db2, err := postgres.Open(ctx, dsn, postgres.Options{})
	if err != nil {
		t.Fatalf("Open without Migrate on a current schema: %v", err)
	}
	db2.Close()

	counts, err := db.TableCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"orgs", "departments", "accounts", "account_roles", "employments",
		"sessions", "api_tokens", "password_resets", "invitations", "outbox"} {
		if n, ok := counts[table]; !ok || n != 0 {
			t.Errorf("TableCounts[%s] = %d, %v; want an empty table", table, n, ok)
		}
	}
	if counts["schema_migrations"] != len(applied) {
		t.Errorf("TableCounts[schema_migrations] = %d, want %d", counts["schema_migrations"], len(applied))
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	dsn := MustCreateSchema(t)
	ctx := context.Background()
	db, err := postgres.Open(ctx, dsn, postgres.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	exec(t, dsn, `INSERT INTO schema_migrations (name, applied_at) VALUES ('9999_from_the_future.sql', now())`)

	const want = "database schema is newer than this tsunagari binary (unknown migration 9999_from_the_future.sql); upgrade tsunagari"
	for _, opt := range []postgres.Options{{Migrate: true}, {Migrate: false}} {
		db, err := postgres.Open(ctx, dsn, opt)
		if err == nil {
			db.Close()
			t.Fatalf("Open(%+v) of a newer schema succeeded", opt)
		}
		if !errors.Is(err, postgres.ErrSchemaNewer) || err.Error() != want {
			t.Errorf("Open(%+v) error = %q, want %q", opt, err, want)
		}
	}
}

func TestOpenRefusesPendingSchema(t *testing.T) {
	dsn := MustCreateSchema(t)
	ctx := context.Background()
	db, err := postgres.Open(ctx, dsn, postgres.Options{})
	if err == nil {
		db.Close()
		t.Fatal("Open without Migrate of an empty schema succeeded")
	}
	if !errors.Is(err, postgres.ErrSchemaOutOfDate) || !strings.Contains(err.Error(), "run `tsunagari migrate`") {
		t.Errorf("Open error = %q, want it to say the schema is out of date and to run `tsunagari migrate`", err)
	}
	counts := tableCount(t, dsn)
	if counts != 0 {
		t.Errorf("Open without Migrate created %d tables", counts)
	}

	// A schema with the latest migration forgotten is refused too.
	db, err = postgres.Open(ctx, dsn, postgres.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	applied := migrations(t, dsn)
	exec(t, dsn, fmt.Sprintf(`DELETE FROM schema_migrations WHERE name = '%s'`, applied[len(applied)-1]))
	if db, err := postgres.Open(ctx, dsn, postgres.Options{}); !errors.Is(err, postgres.ErrSchemaOutOfDate) {
		if err == nil {
			db.Close()
		}
		t.Errorf("Open with a pending migration error = %v, want %v", err, postgres.ErrSchemaOutOfDate)
	}
}

// tableCount returns the number of tables in the DSN's schema.
func tableCount(t *testing.T, dsn string) int {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx,
		`SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestConcurrentMigration(t *testing.T) {
	dsn := MustCreateSchema(t)
	ctx := context.Background()
	const nodes = 3
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		applied = make(map[string]int)
		errs    []error
	)
	start := make(chan struct{})
	for range nodes {
		wg.Go(func() {
			<-start
			db, err := postgres.Open(ctx, dsn, postgres.Options{Migrate: true})
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			defer db.Close()
			for _, name := range db.MigratedAtOpen() {
				applied[name]++
			}
		})
	}
	close(start)
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("concurrent Open+Migrate errors: %v", errs)
	}
	recorded := migrations(t, dsn)
	if len(recorded) == 0 {
		t.Fatal("no migration recorded")
	}
	for _, name := range recorded {
		if applied[name] != 1 {
			t.Errorf("migration %s applied %d times, want once", name, applied[name])
		}
	}
	if len(applied) != len(recorded) {
		t.Errorf("applied %v, recorded %v", applied, recorded)
	}
}

func TestFingerprint(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	s := db.Stores()
	fp := func() string {
		t.Helper()
		v, err := db.Fingerprint(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	empty := fp()
	if len(empty) != 64 {
		t.Fatalf("Fingerprint = %q, want 64 hex digits", empty)
	}
	a := &tsunagari.Account{Email: "fp@example.jp", Name: "指紋 太郎", Roles: []tsunagari.Role{tsunagari.RoleMember}}
	if err := s.Accounts.CreateAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	written := fp()
	if written == empty {
		t.Error("Fingerprint did not change when an account was created")
	}
	if _, err := s.Accounts.FindAccountByID(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Accounts.FindAccounts(ctx, tsunagari.AccountFilter{}); err != nil {
		t.Fatal(err)
	}
	if got := fp(); got != written {
		t.Error("Fingerprint changed on a read")
	}
	name := "指紋 花子"
	if _, err := s.Accounts.UpdateAccount(ctx, a.ID, tsunagari.AccountUpdate{Name: &name}); err != nil {
		t.Fatal(err)
	}
	if got := fp(); got == written {
		t.Error("Fingerprint did not change when an account was updated")
	}
	counts, err := db.TableCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if counts["accounts"] != 1 || counts["account_roles"] != 1 {
		t.Errorf("TableCounts = %v, want one account with one role", counts)
	}
}

func TestTimesAreWholeSecondsInUTC(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	s := db.Stores()
	jst := time.FixedZone("JST", 9*60*60)
	created := time.Date(2026, 4, 1, 9, 0, 0, 987654321, jst)
	a := &tsunagari.Account{Email: "time@example.jp", Name: "時刻", CreatedAt: created}
	if err := s.Accounts.CreateAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	got, err := s.Accounts.FindAccountByID(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	if got.CreatedAt != want || a.CreatedAt != want {
		t.Errorf("CreatedAt stored %v, returned %v; want %v", a.CreatedAt, got.CreatedAt, want)
	}
	if !got.PasswordChangedAt.IsZero() || got.Roles == nil || len(got.Roles) != 0 {
		t.Errorf("account without password or roles = %+v", got)
	}
}

func TestCreateAccountsBatch(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	s := db.Stores()
	org := &tsunagari.Org{Name: "大量採用株式会社", DeclaredEmployees: 5000, MinGroupSize: 5}
	if err := s.Orgs.CreateOrg(ctx, org); err != nil {
		t.Fatal(err)
	}
	batch := make([]*tsunagari.Account, 1000)
	for i := range batch {
		batch[i] = &tsunagari.Account{
			Email: fmt.Sprintf("emp%04d@example.jp", i), Name: "社員",
			Roles:      []tsunagari.Role{tsunagari.RoleMember, tsunagari.RoleMember},
			Employment: &tsunagari.Employment{OrgID: org.ID},
		}
	}
	begin := time.Now()
	if err := s.Accounts.CreateAccounts(ctx, batch); err != nil {
		t.Fatal(err)
	}
	t.Logf("CreateAccounts(1000) took %v", time.Since(begin))
	if n, err := s.Orgs.CountEmployees(ctx, org.ID); err != nil || n != 1000 {
		t.Errorf("CountEmployees = %d, %v; want 1000", n, err)
	}
	list, total, err := s.Accounts.FindAccounts(ctx, tsunagari.AccountFilter{OrgID: org.ID, Role: tsunagari.RoleMember, Limit: 10, Offset: 995})
	if err != nil || total != 1000 || len(list) != 5 || list[0].Email != "emp0995@example.jp" {
		t.Errorf("FindAccounts(last page) = %d accounts, total %d, %v", len(list), total, err)
	}
}

// TestResetPasswordOnce checks that concurrent uses of one reset token
// succeed exactly once.
func TestResetPasswordOnce(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	s := db.Stores()
	a := &tsunagari.Account{Email: "race@example.jp", Name: "競争"}
	if err := s.Accounts.CreateAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	r := &tsunagari.PasswordReset{TokenHash: "race", AccountID: a.ID, ExpiresAt: now.Add(time.Hour)}
	if err := s.Sessions.CreatePasswordReset(ctx, r, &tsunagari.Mail{To: a.Email, Subject: "再設定", Body: "link", Kind: "password_reset"}); err != nil {
		t.Fatal(err)
	}
	results := race(8, func(i int) error {
		_, err := s.Sessions.ResetPassword(ctx, "race", fmt.Sprintf("hash-%d", i), now)
		return err
	})
	checkOnce(t, "ResetPassword", results)
}

// TestAcceptInvitationOnce checks that concurrent acceptances of one
// invitation succeed exactly once and leave one current employment.
func TestAcceptInvitationOnce(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	s := db.Stores()
	org := &tsunagari.Org{Name: "招待株式会社", DeclaredEmployees: 10, MinGroupSize: 5}
	if err := s.Orgs.CreateOrg(ctx, org); err != nil {
		t.Fatal(err)
	}
	a := &tsunagari.Account{Email: "join@example.jp", Name: "参加"}
	if err := s.Accounts.CreateAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	inv := &tsunagari.Invitation{OrgID: org.ID, Email: a.Email, Role: tsunagari.RoleMember, TokenHash: "join", ExpiresAt: now.Add(time.Hour)}
	if err := s.Orgs.CreateInvitations(ctx, []*tsunagari.Invitation{inv}, nil); err != nil {
		t.Fatal(err)
	}
	results := race(8, func(int) error { return s.Orgs.AcceptInvitation(ctx, "join", a.ID, now) })
	checkOnce(t, "AcceptInvitation", results)
	if n, err := s.Orgs.CountEmployees(ctx, org.ID); err != nil || n != 1 {
		t.Errorf("CountEmployees = %d, %v; want 1", n, err)
	}
}

// TestConcurrentInvitations checks that two batches inviting one address
// to one org at the same time cannot both succeed.
func TestConcurrentInvitations(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	s := db.Stores()
	org := &tsunagari.Org{Name: "同時招待株式会社", DeclaredEmployees: 10, MinGroupSize: 5}
	if err := s.Orgs.CreateOrg(ctx, org); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	results := race(4, func(i int) error {
		inv := &tsunagari.Invitation{OrgID: org.ID, Email: "same@example.jp", Role: tsunagari.RoleMember,
			TokenHash: fmt.Sprintf("tok-%d", i), CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
		return s.Orgs.CreateInvitations(ctx, []*tsunagari.Invitation{inv}, nil)
	})
	for _, err := range results {
		if err != nil && !errors.Is(err, tsunagari.ErrConflict) {
			t.Fatalf("CreateInvitations error = %v, want nil or ErrConflict", err)
		}
	}
	checkOnce(t, "CreateInvitations", results)
}

// race runs fn from n goroutines at once and returns their errors.
func race(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = fn(i)
		})
	}
	close(start)
	wg.Wait()
	return errs
}

// checkOnce fails the test unless exactly one of results is nil.
func checkOnce(t *testing.T, what string, results []error) {
	t.Helper()
	ok := 0
	for _, err := range results {
		if err == nil {
			ok++
		}
	}
	if ok != 1 {
		t.Errorf("%s succeeded %d times out of %d, want once: %v", what, ok, len(results), results)
	}
}

// BenchmarkScoring scores every stored answer of one anonymous round:
// 1,000 and 41,667 responses of 24 items (about a million answers).
func BenchmarkScoring(b *testing.B) {
	for _, n := range []int{1_000, 41_667} {
		b.Run(fmt.Sprintf("responses=%d", n), func(b *testing.B) {
			storetest.BenchmarkScoring(b, MustOpenDB(b), n)
		})
	}
}

// BenchmarkCrossTab tabulates one choice item by size band over every
// answer of one attributed round: 1,000 and 100,000 responses.
func BenchmarkCrossTab(b *testing.B) {
	for _, n := range []int{1_000, 100_000} {
		b.Run(fmt.Sprintf("responses=%d", n), func(b *testing.B) {
			storetest.BenchmarkCrossTab(b, MustOpenDB(b), n)
		})
	}
}

// BenchmarkCreateBookings books distinct slots, one transaction each with
// its two mails, from one client and from many at once.
func BenchmarkCreateBookings(b *testing.B) {
	b.Run("serial", func(b *testing.B) { storetest.BenchmarkCreateBookings(b, MustOpenDB(b), false) })
	b.Run("parallel", func(b *testing.B) { storetest.BenchmarkCreateBookings(b, MustOpenDB(b), true) })
}
