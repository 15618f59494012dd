package auth_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tsunagari"
	"tsunagari/internal/auth"
	"tsunagari/internal/i18n"
	"tsunagari/internal/sqlite"
)

var cheap = auth.Params{Time: 1, Memory: 1024, Threads: 1, KeyLen: 32}

// clock is a settable time for session expiry tests.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func newService(t testing.TB, p auth.Params) (*auth.Service, *clock, tsunagari.Stores) {
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "auth.db"), sqlite.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	cat, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	st := db.Stores()
	s := auth.NewService(st.Accounts, st.Sessions, auth.NewHasher(p, 4), cat, slog.New(slog.NewTextHandler(io.Discard, nil)), "https://tsunagari.example")
	c := &clock{t: time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)}
	s.Now = c.now
	return s, c, st
}

var client = auth.Client{IP: "192.0.2.7", UserAgent: "test"}

func TestPasswordHash(t *testing.T) {
	h := auth.NewHasher(cheap, 2)
	ctx := context.Background()
	enc, err := h.Hash(ctx, "パスワードは長いほど良い")
	if err != nil || !strings.HasPrefix(enc, "$argon2id$v=19$m=1024,t=1,p=1$") {
		t.Fatalf("Hash = %q, %v", enc, err)
	}
	if again, _ := h.Hash(ctx, "パスワードは長いほど良い"); again == enc {
		t.Error("two hashes of one password are equal: salt is not random")
	}
	for pw, want := range map[string]bool{"パスワードは長いほど良い": true, "パスワードは長いほど良い ": false, "": false} {
		if ok, err := h.Verify(ctx, enc, pw); ok != want || err != nil {
			t.Errorf("Verify(%q) = %v, %v; want %v", pw, ok, err, want)
		}
	}
	// Hashes made with other parameters still verify.
	other, _ := auth.NewHasher(auth.Params{Time: 2, Memory: 2048, Threads: 2, KeyLen: 32}, 1).Hash(ctx, "x")
	if ok, _ := h.Verify(ctx, other, "x"); !ok {
		t.Error("Verify of a hash with other parameters failed")
	}
	for _, bad := range []string{"", "$argon2id$", "$argon2i$v=19$m=1024,t=1,p=1$c2FsdA$a2V5", "$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5"} {
		if _, err := h.Verify(ctx, bad, "x"); err == nil {
			t.Errorf("Verify(%q) accepted a malformed hash", bad)
		}
	}
}

func TestSessionLifecycle(t *testing.T) {
	s, clk, _ := newService(t, cheap)
	ctx := context.Background()
	tok1, a, err := s.SignUp(ctx, auth.SignUp{Email: " Misaki@Example.JP ", Name: "佐藤 美咲", Password: "a long enough password"}, client)
	if err != nil {
		t.Fatal(err)
	}
	if a.Email != "misaki@example.jp" || !a.Has(tsunagari.RoleMember) {
		t.Errorf("SignUp account = %+v", a)
	}
	// A second sign-in gets a different token; both work.
	tok2, _, err := signIn(s, ctx, "MISAKI@example.jp", "a long enough password", client)
	if err != nil || tok2 == tok1 {
		t.Fatalf("SignIn = %q, %v; want a new token", tok2, err)
	}
	for _, tok := range []string{tok1, tok2} {
		if got, err := s.Authenticate(ctx, tok); err != nil || got.ID != a.ID {
			t.Errorf("Authenticate = %v, %v", got, err)
		}
	}
	// Sign-out ends only that session.
	if err := s.SignOut(ctx, tok1); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, tok1); !errors.Is(err, tsunagari.ErrNotFound) {
		t.Errorf("Authenticate after SignOut = %v, want ErrNotFound", err)
	}
	// A member's session survives a day of inactivity but not eight.
	clk.t = clk.t.Add(24 * time.Hour)
	if _, err := s.Authenticate(ctx, tok2); err != nil {
		t.Errorf("member session after a day idle: %v", err)
	}
	clk.t = clk.t.Add(8 * 24 * time.Hour)
	if _, err := s.Authenticate(ctx, tok2); !errors.Is(err, tsunagari.ErrNotFound) {
		t.Errorf("member session after 8 days idle: %v, want ErrNotFound", err)
	}
	// A password change ends every session but the new one.
	tokA, acc, _ := signIn(s, ctx, "misaki@example.jp", "a long enough password", client)
	tokB, _, _ := signIn(s, ctx, "misaki@example.jp", "a long enough password", client)
	fresh, err := s.ChangePassword(ctx, acc, "a long enough password", "an even longer password", client, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{tokA, tokB} {
		if _, err := s.Authenticate(ctx, tok); !errors.Is(err, tsunagari.ErrNotFound) {
			t.Errorf("old session after password change: %v, want ErrNotFound", err)
		}
	}
	if _, err := s.Authenticate(ctx, fresh); err != nil {
		t.Errorf("new session after password change: %v", err)
	}
	if _, _, err := signIn(s, ctx, "misaki@example.jp", "a long enough password", client); tsunagari.ErrorCode(err) != tsunagari.CodeUnauthorized {
		t.Errorf("old password after change: %v", err)
	}
}

func TestPrivilegedSessionsExpireSooner(t *testing.T) {
	s, clk, st := newService(t, cheap)
	ctx := context.Background()
	_, a, err := s.SignUp(ctx, auth.SignUp{Email: "hr@example.jp", Name: "人事 太郎", Password: "a long enough password"}, client)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Accounts.SetRoles(ctx, a.ID, []tsunagari.Role{tsunagari.RoleMember, tsunagari.RoleHRAdmin}); err != nil {
		t.Fatal(err)
	}
	tok, _, err := signIn(s, ctx, "hr@example.jp", "a long enough password", client)
	if err != nil {
		t.Fatal(err)
	}
	// Active every 20 minutes: alive for a while, but never past 12 hours.
	for i := 0; i < 35; i++ {
		clk.t = clk.t.Add(20 * time.Minute)
		if _, err := s.Authenticate(ctx, tok); err != nil {
			t.Fatalf("privileged session after %d×20 min of activity: %v", i+1, err)
		}
	}
	clk.t = clk.t.Add(20 * time.Minute) // 12 hours in
	if _, err := s.Authenticate(ctx, tok); !errors.Is(err, tsunagari.ErrNotFound) {
		t.Errorf("privileged session past 12 hours: %v, want ErrNotFound", err)
	}
	tok, _, _ = signIn(s, ctx, "hr@example.jp", "a long enough password", client)
	clk.t = clk.t.Add(31 * time.Minute)
	if _, err := s.Authenticate(ctx, tok); !errors.Is(err, tsunagari.ErrNotFound) {
		t.Errorf("privileged session idle 31 minutes: %v, want ErrNotFound", err)
	}
}

func TestAPITokens(t *testing.T) {
	s, clk, _ := newService(t, cheap)
	ctx := context.Background()
	_, a, _ := s.SignUp(ctx, auth.SignUp{Email: "api@example.jp", Name: "API", Password: "a long enough password"}, client)
	tok, rec, err := s.CreateAPIToken(ctx, a, "集計スクリプト")
	if err != nil || !strings.HasPrefix(tok, "tsu_") {
		t.Fatalf("CreateAPIToken = %q, %v", tok, err)
	}
	if got, err := s.AuthenticateAPIToken(ctx, tok); err != nil || got.ID != a.ID {
		t.Errorf("AuthenticateAPIToken = %v, %v", got, err)
	}
	if _, err := s.Authenticate(ctx, tok); err == nil {
		t.Error("an API token was accepted as a session cookie")
	}
	if _, err := s.AuthenticateAPIToken(ctx, tok+"x"); !errors.Is(err, tsunagari.ErrNotFound) {
		t.Errorf("tampered token: %v", err)
	}
	clk.t = rec.ExpiresAt
	if _, err := s.AuthenticateAPIToken(ctx, tok); !errors.Is(err, tsunagari.ErrNotFound) {
		t.Errorf("expired token: %v, want ErrNotFound", err)
	}
	if _, _, err := s.CreateAPIToken(ctx, a, strings.Repeat("名", 61)); tsunagari.ErrorCode(err) != tsunagari.CodeInvalid {
		t.Errorf("61-character token name: %v, want invalid", err)
	}
}

func TestThrottle(t *testing.T) {
	th := auth.NewThrottle(time.Minute, 3)
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for i := range 3 {
		if !th.Allow("k", now) {
			t.Fatalf("attempt %d refused within the burst", i+1)
		}
	}
	if th.Allow("k", now) {
		t.Error("4th immediate attempt allowed")
	}
	if !th.Allow("other", now) {
		t.Error("another key was throttled")
	}
	if !th.Allow("k", now.Add(time.Minute)) {
		t.Error("attempt after the refill interval refused")
	}
}

// BenchmarkSignIn measures a sign-in with the production argon2id
// parameters (t=3, 64 MiB, p=4): hash verification dominates.
func BenchmarkSignIn(b *testing.B) {
	s, _, _ := newService(b, auth.DefaultParams)
	ctx := context.Background()
	if _, _, err := s.SignUp(ctx, auth.SignUp{Email: "bench@example.jp", Name: "B", Password: "a long enough password"}, client); err != nil {
		b.Fatal(err)
	}
	s.AccountThrottle = auth.NewThrottle(time.Nanosecond, 1<<30)
	s.IPThrottle = auth.NewThrottle(time.Nanosecond, 1<<30)
	b.ResetTimer()
	for b.Loop() {
		if _, _, err := signIn(s, ctx, "bench@example.jp", "a long enough password", client); err != nil {
			b.Fatal(err)
		}
	}
}

// signIn signs in an account without an authenticator.
func signIn(s *auth.Service, ctx context.Context, email, password string, c auth.Client) (string, *tsunagari.Account, error) {
	res, err := s.SignIn(ctx, email, password, c)
	if err != nil {
		return "", nil, err
	}
	if res.MFAPending {
		return "", nil, errors.New("sign-in waits for a second step")
	}
	return res.Token, res.Account, nil
}
