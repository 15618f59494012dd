package storetest

import (
	"context"
	"testing"
	"time"

	"tsunagari"
)

func mustCreateSession(t *testing.T, s tsunagari.Stores, accountID, hash string) *tsunagari.Session {
	t.Helper()
	sess := &tsunagari.Session{
		TokenHash: hash, AccountID: accountID, CreatedAt: t0, LastSeenAt: t0,
		ExpiresAt: t0.Add(12 * time.Hour), IdleTimeout: 30 * time.Minute, UserAgent: "Mozilla/5.0", IP: "192.0.2.1",
	}
	if err := s.Sessions.CreateSession(context.Background(), sess); err != nil {
		t.Fatalf("CreateSession error = %v", err)
	}
	return sess
}

func testSessions(t *testing.T, open func(t *testing.T) Backend) {
	ctx := context.Background()

	t.Run("CreateFindTouchDelete", func(t *testing.T) {
		s := open(t).Stores()
		a := mustCreateAccount(t, s, account("s@example.jp"))
		want := mustCreateSession(t, s, a.ID, "hash-1")
		got, err := s.Sessions.FindSession(ctx, "hash-1")
		if err != nil {
			t.Fatalf("FindSession error = %v", err)
		}
		if got.AccountID != a.ID || !sameTime(got.CreatedAt, t0) || !sameTime(got.LastSeenAt, t0) ||
			!sameTime(got.ExpiresAt, want.ExpiresAt) || got.IdleTimeout != 30*time.Minute ||
			got.UserAgent != "Mozilla/5.0" || got.IP != "192.0.2.1" {
			t.Errorf("FindSession = %+v, want %+v", got, want)
		}
		at := t0.Add(10 * time.Minute)
		if err := s.Sessions.TouchSession(ctx, "hash-1", at); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Sessions.FindSession(ctx, "hash-1"); !sameTime(got.LastSeenAt, at) {
			t.Errorf("LastSeenAt after TouchSession = %v, want %v", got.LastSeenAt, at)
		}
		if err := s.Sessions.DeleteSession(ctx, "hash-1"); err != nil {
			t.Fatal(err)
		}
		_, err = s.Sessions.FindSession(ctx, "hash-1")
		wantErr(t, "FindSession after DeleteSession", err, tsunagari.ErrNotFound)
	})

	t.Run("DeleteSessionsOfAccount", func(t *testing.T) {
		s := open(t).Stores()
		a := mustCreateAccount(t, s, account("a@example.jp"))
		b := mustCreateAccount(t, s, account("b@example.jp"))
		mustCreateSession(t, s, a.ID, "a1")
		mustCreateSession(t, s, a.ID, "a2")
		mustCreateSession(t, s, b.ID, "b1")
		if err := s.Sessions.DeleteSessions(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
		for hash, want := range map[string]error{"a1": tsunagari.ErrNotFound, "a2": tsunagari.ErrNotFound, "b1": nil} {
			_, err := s.Sessions.FindSession(ctx, hash)
			wantErr(t, "FindSession("+hash+") after DeleteSessions", err, want)
		}
	})

	t.Run("DeleteExpired", func(t *testing.T) {
		s := open(t).Stores()
		a := mustCreateAccount(t, s, account("e@example.jp"))
		now := t0.Add(40 * time.Minute)
		for _, sess := range []*tsunagari.Session{
			// active 20 minutes ago with a 30-minute idle limit: alive
			{TokenHash: "live", LastSeenAt: now.Add(-20 * time.Minute), ExpiresAt: now.Add(time.Hour)},
			// idle for 40 minutes: expired
			{TokenHash: "idle", LastSeenAt: t0, ExpiresAt: now.Add(time.Hour)},
			// active a minute ago but past its absolute limit: expired
			{TokenHash: "old", LastSeenAt: now.Add(-time.Minute), ExpiresAt: now},
		} {
			sess.AccountID, sess.CreatedAt, sess.IdleTimeout = a.ID, t0, 30*time.Minute
			if err := s.Sessions.CreateSession(ctx, sess); err != nil {
				t.Fatal(err)
			}
			if sess.Expired(now) == (sess.TokenHash == "live") {
				t.Fatalf("Session.Expired disagrees with the test for %s", sess.TokenHash)
			}
		}
		n, err := s.Sessions.DeleteExpiredSessions(ctx, now)
		if err != nil || n != 2 {
			t.Errorf("DeleteExpiredSessions = %d, %v; want 2", n, err)
		}
		for hash, want := range map[string]error{"live": nil, "idle": tsunagari.ErrNotFound, "old": tsunagari.ErrNotFound} {
			_, err := s.Sessions.FindSession(ctx, hash)
			wantErr(t, "FindSession("+hash+") after DeleteExpiredSessions", err, want)
		}
	})

	t.Run("Unknown", func(t *testing.T) {
		s := open(t).Stores()
		_, err := s.Sessions.FindSession(ctx, "never")
		wantErr(t, "FindSession(unknown)", err, tsunagari.ErrNotFound)
	})
}

func testAPITokens(t *testing.T, open func(t *testing.T) Backend) {
	ctx := context.Background()
	s := open(t).Stores()
	a := mustCreateAccount(t, s, account("api@example.jp"))
	b := mustCreateAccount(t, s, account("other@example.jp"))
	tok := &tsunagari.APIToken{AccountID: a.ID, Name: "集計スクリプト", TokenHash: "th-1", CreatedAt: t0, ExpiresAt: t0.Add(90 * 24 * time.Hour)}
	if err := s.Sessions.CreateAPIToken(ctx, tok); err != nil {
		t.Fatalf("CreateAPIToken error = %v", err)
	}
	if !tsunagari.ValidID(tok.ID) {
		t.Fatalf("CreateAPIToken set ID %q", tok.ID)
	}
	got, err := s.Sessions.FindAPIToken(ctx, "th-1")
	if err != nil || got.ID != tok.ID || got.AccountID != a.ID || got.Name != tok.Name || !sameTime(got.ExpiresAt, tok.ExpiresAt) || got.LastUsedAt != nil {
		t.Fatalf("FindAPIToken = %+v, %v; want %+v", got, err, tok)
	}
	at := t0.Add(time.Hour)
	if err := s.Sessions.TouchAPIToken(ctx, tok.ID, at); err != nil {
		t.Fatal(err)
	}
	list, err := s.Sessions.FindAPITokens(ctx, a.ID)
	if err != nil || len(list) != 1 || list[0].LastUsedAt == nil || !sameTime(*list[0].LastUsedAt, at) {
		t.Fatalf("FindAPITokens = %+v, %v; want one token last used %v", list, err, at)
	}
	if list, _ := s.Sessions.FindAPITokens(ctx, b.ID); len(list) != 0 {
		t.Errorf("FindAPITokens(other account) = %d tokens, want 0", len(list))
	}
	wantErr(t, "DeleteAPIToken(another account's)", s.Sessions.DeleteAPIToken(ctx, b.ID, tok.ID), tsunagari.ErrNotFound)
	if err := s.Sessions.DeleteAPIToken(ctx, a.ID, tok.ID); err != nil {
		t.Fatalf("DeleteAPIToken error = %v", err)
	}
	_, err = s.Sessions.FindAPIToken(ctx, "th-1")
	wantErr(t, "FindAPIToken after delete", err, tsunagari.ErrNotFound)
}

func testPasswordResets(t *testing.T, open func(t *testing.T) Backend) {
	ctx := context.Background()
	setup := func(t *testing.T) (Backend, tsunagari.Stores, *tsunagari.Account) {
		b := open(t)
		s := b.Stores()
		a := mustCreateAccount(t, s, account("reset@example.jp"))
		r := &tsunagari.PasswordReset{TokenHash: "r-1", AccountID: a.ID, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
		m := &tsunagari.Mail{To: a.Email, Subject: "パスワードの再設定", Body: "https://example.jp/password/reset?token=x", Kind: "password_reset", CreatedAt: t0}
		if err := s.Sessions.CreatePasswordReset(ctx, r, m); err != nil {
			t.Fatalf("CreatePasswordReset error = %v", err)
		}
		if mails, _ := s.Outbox.FindMail(ctx, tsunagari.MailFilter{To: a.Email}); len(mails) != 1 || mails[0].Kind != "password_reset" {
			t.Fatalf("outbox after CreatePasswordReset = %+v, want the reset mail", mails)
		}
		return b, s, a
	}

	t.Run("Valid", func(t *testing.T) {
		_, s, a := setup(t)
		mustCreateSession(t, s, a.ID, "before")
		id, err := s.Sessions.ResetPassword(ctx, "r-1", "$argon2id$reset", t0.Add(30*time.Minute))
		if err != nil || id != a.ID {
			t.Fatalf("ResetPassword = %q, %v; want %q", id, err, a.ID)
		}
		got, _ := s.Accounts.FindAccountByID(ctx, a.ID)
		if got.PasswordHash != "$argon2id$reset" || !sameTime(got.PasswordChangedAt, t0.Add(30*time.Minute)) {
			t.Errorf("after ResetPassword account = %+v", got)
		}
		_, err = s.Sessions.FindSession(ctx, "before")
		wantErr(t, "FindSession after ResetPassword", err, tsunagari.ErrNotFound)
		_, err = s.Sessions.ResetPassword(ctx, "r-1", "$argon2id$again", t0.Add(31*time.Minute))
		wantErr(t, "ResetPassword(used token)", err, tsunagari.ErrNotFound)
	})

	t.Run("ExpiredOrUnknownChangesNothing", func(t *testing.T) {
		b, s, _ := setup(t)
		fp := fingerprint(t, b)
		_, err := s.Sessions.ResetPassword(ctx, "r-1", "$argon2id$late", t0.Add(time.Hour))
		wantErr(t, "ResetPassword(expired)", err, tsunagari.ErrNotFound)
		_, err = s.Sessions.ResetPassword(ctx, "r-unknown", "$argon2id$x", t0)
		wantErr(t, "ResetPassword(unknown)", err, tsunagari.ErrNotFound)
		unchanged(t, b, fp, "a failed ResetPassword")
	})

	t.Run("ConsumesOtherResets", func(t *testing.T) {
		_, s, a := setup(t)
		r2 := &tsunagari.PasswordReset{TokenHash: "r-2", AccountID: a.ID, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
		if err := s.Sessions.CreatePasswordReset(ctx, r2, &tsunagari.Mail{To: a.Email, Subject: "x", Body: "y", Kind: "password_reset", CreatedAt: t0}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Sessions.ResetPassword(ctx, "r-2", "$argon2id$two", t0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		_, err := s.Sessions.ResetPassword(ctx, "r-1", "$argon2id$one", t0.Add(2*time.Minute))
		wantErr(t, "ResetPassword(sibling token after a reset)", err, tsunagari.ErrNotFound)
	})
}
