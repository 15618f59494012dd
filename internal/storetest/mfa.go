package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"tsunagari"
)

func testMFA(t *testing.T, open func(t *testing.T) Backend) {
	ctx := context.Background()

	t.Run("EnrolConfirmUse", func(t *testing.T) {
		s := open(t).Stores()
		a := mustCreateAccount(t, s, account("mfa@example.jp"))
		_, err := s.MFA.FindTOTP(ctx, a.ID)
		wantErr(t, "FindTOTP before enrolment", err, tsunagari.ErrNotFound)

		if err := s.MFA.SetTOTP(ctx, &tsunagari.TOTP{AccountID: a.ID, Secret: "sealed-1", CreatedAt: t0}); err != nil {
			t.Fatalf("SetTOTP error = %v", err)
		}
		got, err := s.MFA.FindTOTP(ctx, a.ID)
		if err != nil || got.Secret != "sealed-1" || !sameTime(got.CreatedAt, t0) || got.Enabled() || got.LastStep != 0 {
			t.Fatalf("FindTOTP = %+v, %v; want the pending authenticator", got, err)
		}
		wantErr(t, "UseTOTPStep before confirmation", s.MFA.UseTOTPStep(ctx, a.ID, 5), tsunagari.ErrNotFound)

		codes := []string{"h1", "h2", "h3"}
		at := t0.Add(time.Minute)
		if err := s.MFA.ConfirmTOTP(ctx, a.ID, 100, at, codes); err != nil {
			t.Fatalf("ConfirmTOTP error = %v", err)
		}
		wantErr(t, "ConfirmTOTP twice", s.MFA.ConfirmTOTP(ctx, a.ID, 101, at, codes), tsunagari.ErrNotFound)
		got, _ = s.MFA.FindTOTP(ctx, a.ID)
		if !got.Enabled() || !sameTime(*got.ConfirmedAt, at) || got.LastStep != 100 {
			t.Errorf("after ConfirmTOTP = %+v, want confirmed at %v with step 100", got, at)
		}
		// Each step once, and never an earlier one.
		wantErr(t, "UseTOTPStep(100) again", s.MFA.UseTOTPStep(ctx, a.ID, 100), tsunagari.ErrConflict)
		wantErr(t, "UseTOTPStep(99)", s.MFA.UseTOTPStep(ctx, a.ID, 99), tsunagari.ErrConflict)
		wantErr(t, "UseTOTPStep(101)", s.MFA.UseTOTPStep(ctx, a.ID, 101), nil)
		wantErr(t, "UseTOTPStep(101) again", s.MFA.UseTOTPStep(ctx, a.ID, 101), tsunagari.ErrConflict)

		// Recovery codes, once each.
		if n, err := s.MFA.CountRecoveryCodes(ctx, a.ID); n != 3 || err != nil {
			t.Errorf("CountRecoveryCodes = %d, %v; want 3", n, err)
		}
		wantErr(t, "UseRecoveryCode(h2)", s.MFA.UseRecoveryCode(ctx, a.ID, "h2", at), nil)
		wantErr(t, "UseRecoveryCode(h2) again", s.MFA.UseRecoveryCode(ctx, a.ID, "h2", at), tsunagari.ErrNotFound)
		wantErr(t, "UseRecoveryCode(unknown)", s.MFA.UseRecoveryCode(ctx, a.ID, "nope", at), tsunagari.ErrNotFound)
		if n, _ := s.MFA.CountRecoveryCodes(ctx, a.ID); n != 2 {
			t.Errorf("CountRecoveryCodes after one use = %d, want 2", n)
		}

		// Another account's codes are not this one's.
		b := mustCreateAccount(t, s, account("other@example.jp"))
		wantErr(t, "UseRecoveryCode(other account)", s.MFA.UseRecoveryCode(ctx, b.ID, "h1", at), tsunagari.ErrNotFound)
		wantErr(t, "UseTOTPStep(other account)", s.MFA.UseTOTPStep(ctx, b.ID, 500), tsunagari.ErrNotFound)

		if err := s.MFA.ReplaceRecoveryCodes(ctx, a.ID, []string{"n1", "n2"}); err != nil {
			t.Fatal(err)
		}
		wantErr(t, "UseRecoveryCode(old code) after replacement", s.MFA.UseRecoveryCode(ctx, a.ID, "h1", at), tsunagari.ErrNotFound)
		if n, _ := s.MFA.CountRecoveryCodes(ctx, a.ID); n != 2 {
			t.Errorf("CountRecoveryCodes after replacement = %d, want 2", n)
		}

		// Enrolling again replaces the authenticator but keeps the codes
		// until the new one is confirmed.
		if err := s.MFA.SetTOTP(ctx, &tsunagari.TOTP{AccountID: a.ID, Secret: "sealed-2"}); err != nil {
			t.Fatal(err)
		}
		got, _ = s.MFA.FindTOTP(ctx, a.ID)
		if got.Secret != "sealed-2" || got.Enabled() || got.LastStep != 0 {
			t.Errorf("after a second SetTOTP = %+v, want a fresh pending authenticator", got)
		}
		if n, _ := s.MFA.CountRecoveryCodes(ctx, a.ID); n != 2 {
			t.Errorf("CountRecoveryCodes after a second SetTOTP = %d, want 2", n)
		}
		if err := s.MFA.DeleteTOTP(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
		_, err = s.MFA.FindTOTP(ctx, a.ID)
		wantErr(t, "FindTOTP after DeleteTOTP", err, tsunagari.ErrNotFound)
		if n, _ := s.MFA.CountRecoveryCodes(ctx, a.ID); n != 0 {
			t.Errorf("CountRecoveryCodes after DeleteTOTP = %d, want 0", n)
		}
	})

	t.Run("ConcurrentUseOfOneStep", func(t *testing.T) {
		s := open(t).Stores()
		a := mustCreateAccount(t, s, account("race@example.jp"))
		if err := s.MFA.SetTOTP(ctx, &tsunagari.TOTP{AccountID: a.ID, Secret: "sealed"}); err != nil {
			t.Fatal(err)
		}
		if err := s.MFA.ConfirmTOTP(ctx, a.ID, 1, t0, []string{"only"}); err != nil {
			t.Fatal(err)
		}
		const n = 8
		var wg sync.WaitGroup
		stepOK, codeOK := make(chan error, n), make(chan error, n)
		for range n {
			wg.Go(func() {
				stepOK <- s.MFA.UseTOTPStep(ctx, a.ID, 2)
				codeOK <- s.MFA.UseRecoveryCode(ctx, a.ID, "only", t0)
			})
		}
		wg.Wait()
		close(stepOK)
		close(codeOK)
		for name, ch := range map[string]chan error{"UseTOTPStep": stepOK, "UseRecoveryCode": codeOK} {
			ok := 0
			for err := range ch {
				switch {
				case err == nil:
					ok++
				case !errors.Is(err, tsunagari.ErrConflict) && !errors.Is(err, tsunagari.ErrNotFound):
					t.Errorf("%s error = %v", name, err)
				}
			}
			if ok != 1 {
				t.Errorf("%s succeeded %d times out of %d, want once", name, ok, n)
			}
		}
	})

	t.Run("ResealTOTP", func(t *testing.T) {
		s := open(t).Stores()
		a := mustCreateAccount(t, s, account("reseal-a@example.jp"))
		b := mustCreateAccount(t, s, account("reseal-b@example.jp"))
		for _, acc := range []*tsunagari.Account{a, b} {
			if err := s.MFA.SetTOTP(ctx, &tsunagari.TOTP{AccountID: acc.ID, Secret: "old-" + acc.ID}); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.MFA.ConfirmTOTP(ctx, a.ID, 7, t0, nil); err != nil {
			t.Fatal(err)
		}
		seen := map[string]string{}
		n, err := s.MFA.ResealTOTP(ctx, func(id, sealed string) (string, error) {
			seen[id] = sealed
			if id == a.ID {
				return "new-" + id, nil
			}
			return "", nil
		})
		if err != nil || n != 1 || seen[a.ID] != "old-"+a.ID || seen[b.ID] != "old-"+b.ID {
			t.Fatalf("ResealTOTP = %d, %v, saw %v; want one replaced of two", n, err, seen)
		}
		got, _ := s.MFA.FindTOTP(ctx, a.ID)
		if got.Secret != "new-"+a.ID || !got.Enabled() || got.LastStep != 7 {
			t.Errorf("after ResealTOTP = %+v, want the new secret, still confirmed at step 7", got)
		}
		if got, _ := s.MFA.FindTOTP(ctx, b.ID); got.Secret != "old-"+b.ID {
			t.Errorf("an authenticator fn left alone changed: %q", got.Secret)
		}
	})

	t.Run("PendingSessions", func(t *testing.T) {
		s := open(t).Stores()
		a := mustCreateAccount(t, s, account("pending@example.jp"))
		sess := &tsunagari.Session{TokenHash: "pending", AccountID: a.ID, CreatedAt: t0, ExpiresAt: t0.Add(10 * time.Minute),
			IdleTimeout: 10 * time.Minute, MFAPending: true}
		if err := s.Sessions.CreateSession(ctx, sess); err != nil {
			t.Fatal(err)
		}
		mustCreateSession(t, s, a.ID, "full")
		if got, err := s.Sessions.FindSession(ctx, "pending"); err != nil || !got.MFAPending {
			t.Errorf("FindSession(pending) = %+v, %v; want MFAPending", got, err)
		}
		if got, err := s.Sessions.FindSession(ctx, "full"); err != nil || got.MFAPending {
			t.Errorf("FindSession(full) = %+v, %v; want a session without MFAPending", got, err)
		}
	})
}
