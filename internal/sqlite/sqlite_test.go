package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"tsunagari"
	"tsunagari/internal/sqlite"
	"tsunagari/internal/storetest"
)

// MustOpenDB opens a migrated database in a temporary directory and closes
// it when the test ends.
func MustOpenDB(tb testing.TB) *sqlite.DB {
	tb.Helper()
	return mustOpen(tb, filepath.Join(tb.TempDir(), "test.db"))
}

func mustOpen(tb testing.TB, path string) *sqlite.DB {
	tb.Helper()
	db, err := sqlite.Open(context.Background(), path, sqlite.Options{Migrate: true})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Error(err)
		}
	})
	return db
}

func TestStores(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Backend { return MustOpenDB(t) })
}

func TestMigrationsRecorded(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "test.db")
	db := mustOpen(t, path)

	counts, err := db.TableCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if counts["schema_migrations"] < 1 {
		t.Fatalf("schema_migrations holds %d rows, want at least 1", counts["schema_migrations"])
	}
	for _, table := range []string{"orgs", "departments", "accounts", "account_roles", "employments",
		"sessions", "api_tokens", "password_resets", "invitations", "outbox"} {
		if n, ok := counts[table]; !ok || n != 0 {
			t.Errorf("TableCounts()[%s] = %d, %v; want an empty table", table, n, ok)
		}
	}
	if applied, err := db.Migrate(ctx); err != nil || len(applied) != 0 {
		t.Errorf("Migrate() on a migrated database = %v, %v; want nothing applied", applied, err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	// A migrated database opens without Migrate.
	db2, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		t.Fatalf("Open(migrated, Migrate false) error = %v", err)
	}
	if err := db2.Ping(ctx); err != nil {
		t.Error(err)
	}
	db2.Close()
}

func TestOpenRefusesPendingSchema(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "test.db")
	db, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err == nil {
		db.Close()
		t.Fatal("Open(new file, Migrate false) succeeded, want an out-of-date error")
	}
	if !errors.Is(err, sqlite.ErrSchemaOutOfDate) || !strings.Contains(err.Error(), "tsunagari migrate") {
		t.Errorf("Open(new file, Migrate false) error = %v, want it to say run tsunagari migrate", err)
	}
	mustOpen(t, path) // and migrating it then works
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "test.db")
	db, err := sqlite.Open(ctx, path, sqlite.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	// Record a migration from the future through a plain connection.
	if err := recordMigration(path, "9999_from_the_future.sql"); err != nil {
		t.Fatal(err)
	}
	for _, opt := range []sqlite.Options{{Migrate: true}, {Migrate: false}} {
		db, err := sqlite.Open(ctx, path, opt)
		if err == nil {
			db.Close()
			t.Fatalf("Open(%+v) of a newer schema succeeded, want an error", opt)
		}
		if !errors.Is(err, sqlite.ErrSchemaNewer) || !strings.Contains(err.Error(), "newer") ||
			!strings.Contains(err.Error(), "9999_from_the_future.sql") {
			t.Errorf("Open(%+v) error = %v, want it to name the unknown migration", opt, err)
		}
	}
}

func TestFingerprint(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	s := db.Stores()
	fp := func() string {
		t.Helper()
		f, err := db.Fingerprint(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(f) != 64 {
			t.Fatalf("Fingerprint() = %q, want 64 hex digits", f)
		}
		return f
	}

	empty := fp()
	a := &tsunagari.Account{Email: "fp@example.jp", Name: "田中 一郎", Roles: []tsunagari.Role{tsunagari.RoleMember}}
	if err := s.Accounts.CreateAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	written := fp()
	if written == empty {
		t.Fatal("Fingerprint did not change after CreateAccount")
	}
	if _, err := s.Accounts.FindAccountByID(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Accounts.FindAccounts(ctx, tsunagari.AccountFilter{}); err != nil {
		t.Fatal(err)
	}
	if got := fp(); got != written {
		t.Error("Fingerprint changed after reads only")
	}
	name := "田中 一朗"
	if _, err := s.Accounts.UpdateAccount(ctx, a.ID, tsunagari.AccountUpdate{Name: &name}); err != nil {
		t.Fatal(err)
	}
	if got := fp(); got == written {
		t.Error("Fingerprint did not change after UpdateAccount")
	}
}

func TestTimesStoredInWholeSecondsUTC(t *testing.T) {
	ctx := context.Background()
	s := MustOpenDB(t).Stores()
	created := time.Date(2026, 11, 1, 9, 30, 15, 987654321, tsunagari.Tokyo)
	a := &tsunagari.Account{Email: "t@example.jp", Name: "時刻", CreatedAt: created}
	if err := s.Accounts.CreateAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	got, err := s.Accounts.FindAccountByID(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := created.UTC().Truncate(time.Second)
	if !got.CreatedAt.Equal(want) || got.CreatedAt.Location() != time.UTC {
		t.Errorf("CreatedAt = %v, want %v", got.CreatedAt, want)
	}
	if !a.CreatedAt.Equal(want) {
		t.Errorf("CreateAccount left CreatedAt = %v, want it normalised to %v", a.CreatedAt, want)
	}
	if !got.PasswordChangedAt.IsZero() || got.DisabledAt != nil {
		t.Errorf("unset times = %v, %v; want zero and nil", got.PasswordChangedAt, got.DisabledAt)
	}
}

// TestCreateAccountsBulk stores demo-sized batches and checks that the
// write is quick enough to seed a demo instance.
func TestCreateAccountsBulk(t *testing.T) {
	if testing.Short() {
		t.Skip("bulk insert")
	}
	ctx := context.Background()
	db := MustOpenDB(t)
	s := db.Stores()
	org := &tsunagari.Org{Name: "デモ株式会社", DeclaredEmployees: 5000, MinGroupSize: 5}
	if err := s.Orgs.CreateOrg(ctx, org); err != nil {
		t.Fatal(err)
	}
	const batches, size = 5, 1000
	start := time.Now()
	for b := range batches {
		as := make([]*tsunagari.Account, size)
		for i := range as {
			as[i] = &tsunagari.Account{
				Email: fmt.Sprintf("demo%d-%04d@example.jp", b, i), Name: "デモ",
				Roles:      []tsunagari.Role{tsunagari.RoleMember},
				Employment: &tsunagari.Employment{OrgID: org.ID},
			}
		}
		if err := s.Accounts.CreateAccounts(ctx, as); err != nil {
			t.Fatal(err)
		}
	}
	elapsed := time.Since(start)
	if n, err := s.Orgs.CountEmployees(ctx, org.ID); err != nil || n != batches*size {
		t.Fatalf("CountEmployees = %d, %v; want %d", n, err, batches*size)
	}
	t.Logf("%d accounts in %v", batches*size, elapsed)
	if elapsed > 20*time.Second {
		t.Errorf("CreateAccounts took %v for %d accounts", elapsed, batches*size)
	}
}

// TestConcurrentWrites checks that writers queue rather than fail with
// "database is locked".
func TestConcurrentWrites(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	s := db.Stores()
	const n = 40
	errs := make(chan error, n)
	for i := range n {
		go func() {
			errs <- s.Outbox.EnqueueMail(ctx, &tsunagari.Mail{
				To: fmt.Sprintf("c%d@example.jp", i), Subject: "s", Body: "b", Kind: "test"})
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	counts, err := db.TableCounts(ctx)
	if err != nil || counts["outbox"] != n {
		t.Errorf("outbox holds %d, %v; want %d", counts["outbox"], err, n)
	}
	ms, _ := s.Outbox.FindMail(ctx, tsunagari.MailFilter{})
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	slices.Sort(ids)
	if len(slices.Compact(ids)) != n {
		t.Errorf("outbox IDs are not unique")
	}
}

// recordMigration adds name to schema_migrations, as a newer binary would.
func recordMigration(path, name string) error {
	conn, err := sql.Open("sqlite", path) // registered by package sqlite
	if err != nil {
		return err
	}
	defer conn.Close()
	_, err = conn.Exec(`INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)`, name, time.Now().Unix())
	return err
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
