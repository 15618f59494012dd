package auth_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"tsunagari"
	"tsunagari/internal/auth"
)

const pw = "a long enough password"

// newMFAService is newService with two-step sign-in available.
func newMFAService(t *testing.T) (*auth.Service, *clock, tsunagari.Stores) {
	s, clk, st := newService(t, cheap)
	sealer, err := auth.NewSealer([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	s.MFA, s.Sealer = st.MFA, sealer
	return s, clk, st
}

// signUpAs creates an account with the given roles.
func signUpAs(t *testing.T, s *auth.Service, st tsunagari.Stores, email string, roles ...tsunagari.Role) *tsunagari.Account {
	t.Helper()
	ctx := context.Background()
	_, a, err := s.SignUp(ctx, auth.SignUp{Email: email, Name: "二段階 認証", Password: pw}, client)
	if err != nil {
		t.Fatal(err)
	}
	if len(roles) > 0 {
		if err := st.Accounts.SetRoles(ctx, a.ID, append([]tsunagari.Role{tsunagari.RoleMember}, roles...)); err != nil {
			t.Fatal(err)
		}
		a.Roles = append([]tsunagari.Role{tsunagari.RoleMember}, roles...)
	}
	return a
}

func code(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := auth.TOTPCode(secret, at)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// enrol sets up an authenticator for a and returns its secret and
// recovery codes.
func enrol(t *testing.T, s *auth.Service, clk *clock, a *tsunagari.Account) (string, []string) {
	t.Helper()
	ctx := context.Background()
	e, err := s.StartEnrolment(ctx, a, "", client)
	if err != nil {
		t.Fatalf("StartEnrolment: %v", err)
	}
	codes, err := s.ConfirmEnrolment(ctx, a, code(t, e.Secret, clk.t), client)
	if err != nil {
		t.Fatalf("ConfirmEnrolment: %v", err)
	}
	return e.Secret, codes
}

func TestMFAEnrolAndSignIn(t *testing.T) {
	s, clk, st := newMFAService(t)
	ctx := context.Background()
	hr := signUpAs(t, s, st, "hr@example.jp", tsunagari.RoleHRAdmin)
	s.MFAThrottle = auth.NewThrottle(time.Second, 100) // TestMFAThrottled tests it

	if !s.MFARequired(hr) {
		t.Fatal("MFARequired(hr admin) = false")
	}
	if need, err := s.NeedsEnrolment(ctx, hr); !need || err != nil {
		t.Fatalf("NeedsEnrolment before enrolment = %v, %v; want true", need, err)
	}
	// Without an authenticator, the password alone signs in: the web
	// then allows nothing but enrolment.
	res, err := s.SignIn(ctx, hr.Email, pw, client)
	if err != nil || res.MFAPending {
		t.Fatalf("SignIn before enrolment = %+v, %v", res, err)
	}

	e, err := s.StartEnrolment(ctx, hr, "", client)
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Secret) != 32 || !strings.HasPrefix(e.URI, "otpauth://totp/tsunagari:hr@example.jp?") ||
		!strings.Contains(e.URI, "secret="+e.Secret) || !strings.Contains(e.URI, "issuer=tsunagari") {
		t.Errorf("enrolment = %+v", e)
	}
	st1, _ := s.MFAStatus(ctx, hr)
	if st1.Enabled || st1.Enrolment == nil || st1.Enrolment.Secret != e.Secret {
		t.Errorf("status while enrolling = %+v, want the pending secret shown again", st1)
	}
	// The secret is stored sealed, never as it is.
	stored, _ := st.MFA.FindTOTP(ctx, hr.ID)
	if !strings.HasPrefix(stored.Secret, "v1.") || strings.Contains(strings.ToUpper(stored.Secret), e.Secret[:8]) {
		t.Errorf("stored secret %q is not sealed", stored.Secret)
	}
	if _, err := s.ConfirmEnrolment(ctx, hr, "000000", client); tsunagari.ErrorCode(err) != tsunagari.CodeInvalid {
		t.Errorf("ConfirmEnrolment(wrong code) = %v, want invalid", err)
	}
	first := code(t, e.Secret, clk.t)
	codes, err := s.ConfirmEnrolment(ctx, hr, first, client)
	if err != nil || len(codes) != tsunagari.NumRecoveryCodes || len(codes[0]) != 19 {
		t.Fatalf("ConfirmEnrolment = %v, %v", codes, err)
	}
	if need, _ := s.NeedsEnrolment(ctx, hr); need {
		t.Error("NeedsEnrolment after enrolment = true")
	}

	// Now a sign-in waits for a code, and its token opens nothing.
	res, err = s.SignIn(ctx, hr.Email, pw, client)
	if err != nil || !res.MFAPending {
		t.Fatalf("SignIn after enrolment = %+v, %v; want a pending sign-in", res, err)
	}
	if _, err := s.Authenticate(ctx, res.Token); !errors.Is(err, tsunagari.ErrNotFound) {
		t.Errorf("Authenticate(pending token) = %v, want ErrNotFound", err)
	}
	// The code that confirmed the enrolment has been used.
	if _, err := s.CompleteSignIn(ctx, res.Token, first, client); tsunagari.ErrorCode(err) != tsunagari.CodeInvalid {
		t.Errorf("CompleteSignIn(code already used) = %v, want invalid", err)
	}
	clk.t = clk.t.Add(auth.TOTPPeriod)
	next := code(t, e.Secret, clk.t)
	done, err := s.CompleteSignIn(ctx, res.Token, " "+next[:3]+" "+next[3:], client)
	if err != nil || done.RecoveryCodeUsed {
		t.Fatalf("CompleteSignIn = %+v, %v", done, err)
	}
	if a, err := s.Authenticate(ctx, done.Token); err != nil || a.ID != hr.ID {
		t.Errorf("Authenticate(after second step) = %v, %v", a, err)
	}
	if _, err := s.CompleteSignIn(ctx, res.Token, next, client); tsunagari.ErrorCode(err) != tsunagari.CodeUnauthorized {
		t.Errorf("second CompleteSignIn with the same pending token = %v, want unauthorized", err)
	}

	// The same code on another sign-in: refused. A code one step ahead:
	// accepted (drift); two steps ahead: refused.
	res, _ = s.SignIn(ctx, hr.Email, pw, client)
	if _, err := s.CompleteSignIn(ctx, res.Token, next, client); tsunagari.ErrorCode(err) != tsunagari.CodeInvalid {
		t.Errorf("replayed code = %v, want invalid", err)
	}
	if _, err := s.CompleteSignIn(ctx, res.Token, code(t, e.Secret, clk.t.Add(2*auth.TOTPPeriod)), client); tsunagari.ErrorCode(err) != tsunagari.CodeInvalid {
		t.Errorf("code two steps ahead = %v, want invalid", err)
	}
	if _, err := s.CompleteSignIn(ctx, res.Token, code(t, e.Secret, clk.t.Add(auth.TOTPPeriod)), client); err != nil {
		t.Errorf("code one step ahead = %v, want accepted", err)
	}

	// A recovery code works once, typed any way.
	res, _ = s.SignIn(ctx, hr.Email, pw, client)
	done, err = s.CompleteSignIn(ctx, res.Token, strings.ToUpper(codes[3]), client)
	if err != nil || !done.RecoveryCodeUsed || done.RecoveryCodesLeft != tsunagari.NumRecoveryCodes-1 {
		t.Fatalf("CompleteSignIn(recovery code) = %+v, %v", done, err)
	}
	res, _ = s.SignIn(ctx, hr.Email, pw, client)
	if _, err := s.CompleteSignIn(ctx, res.Token, codes[3], client); tsunagari.ErrorCode(err) != tsunagari.CodeInvalid {
		t.Errorf("recovery code used twice = %v, want invalid", err)
	}

	// A waiting sign-in expires.
	clk.t = clk.t.Add(auth.PendingLifetime + time.Second)
	if _, err := s.CompleteSignIn(ctx, res.Token, codes[4], client); tsunagari.ErrorCode(err) != tsunagari.CodeUnauthorized {
		t.Errorf("CompleteSignIn after %v = %v, want unauthorized", auth.PendingLifetime, err)
	}

	// A new password does not bypass the second step (ASVS 6.4.3).
	clk.t = clk.t.Add(time.Hour)
	if _, err := s.ChangePassword(ctx, hr, pw, pw+"!", client, true); err != nil {
		t.Fatal(err)
	}
	if res, err := s.SignIn(ctx, hr.Email, pw+"!", client); err != nil || !res.MFAPending {
		t.Errorf("SignIn after a password change = %+v, %v; want a pending sign-in", res, err)
	}
	// HR may not turn it off.
	if err := s.DisableMFA(ctx, hr, pw+"!", client); tsunagari.ErrorCode(err) != tsunagari.CodeForbidden {
		t.Errorf("DisableMFA(hr admin) = %v, want forbidden", err)
	}
}

func TestMFAThrottled(t *testing.T) {
	s, clk, st := newMFAService(t)
	ctx := context.Background()
	m := signUpAs(t, s, st, "m@example.jp")
	secret, _ := enrol(t, s, clk, m)
	res, _ := s.SignIn(ctx, m.Email, pw, client)
	var err error
	for range 6 {
		_, err = s.CompleteSignIn(ctx, res.Token, "111111", client)
	}
	if tsunagari.ErrorCode(err) != tsunagari.CodeTooManyRequests {
		t.Errorf("6th wrong code = %v, want too many requests", err)
	}
	clk.t = clk.t.Add(auth.TOTPPeriod)
	if _, err := s.CompleteSignIn(ctx, res.Token, code(t, secret, clk.t), client); err != nil {
		t.Errorf("right code after the throttle refilled = %v", err)
	}
}

func TestMFARecoveryAndReenrolment(t *testing.T) {
	s, clk, st := newMFAService(t)
	ctx := context.Background()
	c := signUpAs(t, s, st, "consultant@example.jp", tsunagari.RoleConsultant)
	oldSecret, codes := enrol(t, s, clk, c)

	// Lost phone: a recovery code signs in, then a new authenticator
	// replaces the old one, which needs the password.
	res, _ := s.SignIn(ctx, c.Email, pw, client)
	if _, err := s.CompleteSignIn(ctx, res.Token, codes[0], client); err != nil {
		t.Fatal(err)
	}
	if _, err := s.StartEnrolment(ctx, c, "wrong password", client); tsunagari.ErrorCode(err) != tsunagari.CodeInvalid {
		t.Errorf("re-enrolment with a wrong password = %v, want invalid", err)
	}
	e, err := s.StartEnrolment(ctx, c, pw, client)
	if err != nil || e.Secret == oldSecret {
		t.Fatalf("re-enrolment = %+v, %v", e, err)
	}
	if need, _ := s.NeedsEnrolment(ctx, c); !need {
		t.Error("NeedsEnrolment while re-enrolling = false; the old authenticator is gone")
	}
	clk.t = clk.t.Add(auth.TOTPPeriod)
	newCodes, err := s.ConfirmEnrolment(ctx, c, code(t, e.Secret, clk.t), client)
	if err != nil {
		t.Fatal(err)
	}
	clk.t = clk.t.Add(auth.TOTPPeriod)
	res, _ = s.SignIn(ctx, c.Email, pw, client)
	if _, err := s.CompleteSignIn(ctx, res.Token, code(t, oldSecret, clk.t), client); tsunagari.ErrorCode(err) != tsunagari.CodeInvalid {
		t.Errorf("old authenticator after re-enrolment = %v, want invalid", err)
	}
	if _, err := s.CompleteSignIn(ctx, res.Token, codes[1], client); tsunagari.ErrorCode(err) != tsunagari.CodeInvalid {
		t.Errorf("old recovery code after re-enrolment = %v, want invalid", err)
	}
	if _, err := s.CompleteSignIn(ctx, res.Token, newCodes[1], client); err != nil {
		t.Errorf("new recovery code = %v", err)
	}
	// New recovery codes on request, with the password.
	fresh, err := s.RegenerateRecoveryCodes(ctx, c, pw, client)
	if err != nil || len(fresh) != tsunagari.NumRecoveryCodes {
		t.Fatalf("RegenerateRecoveryCodes = %v, %v", fresh, err)
	}
	res, _ = s.SignIn(ctx, c.Email, pw, client)
	if _, err := s.CompleteSignIn(ctx, res.Token, newCodes[2], client); tsunagari.ErrorCode(err) != tsunagari.CodeInvalid {
		t.Errorf("recovery code from before regeneration = %v, want invalid", err)
	}
}

func TestMFAOptionalForMembers(t *testing.T) {
	s, clk, st := newMFAService(t)
	ctx := context.Background()
	m := signUpAs(t, s, st, "member@example.jp")
	if s.MFARequired(m) {
		t.Error("MFARequired(member) = true")
	}
	if need, _ := s.NeedsEnrolment(ctx, m); need {
		t.Error("NeedsEnrolment(member) = true")
	}
	enrol(t, s, clk, m)
	if res, _ := s.SignIn(ctx, m.Email, pw, client); !res.MFAPending {
		t.Error("a member who enrolled is not asked for a code")
	}
	if err := s.DisableMFA(ctx, m, "nope", client); tsunagari.ErrorCode(err) != tsunagari.CodeInvalid {
		t.Errorf("DisableMFA(wrong password) = %v, want invalid", err)
	}
	if err := s.DisableMFA(ctx, m, pw, client); err != nil {
		t.Fatal(err)
	}
	if res, _ := s.SignIn(ctx, m.Email, pw, client); res.MFAPending {
		t.Error("still asked for a code after turning two-step sign-in off")
	}
}

func TestMFAExemption(t *testing.T) {
	s, _, st := newMFAService(t)
	ctx := context.Background()
	op := signUpAs(t, s, st, "operator@tsunagari.example", tsunagari.RoleOperator)
	other := signUpAs(t, s, st, "operator2@example.jp", tsunagari.RoleOperator)
	s.MFAExempt = func(a *tsunagari.Account) bool { return a.Email == "operator@tsunagari.example" }
	if need, _ := s.NeedsEnrolment(ctx, op); need {
		t.Error("an exempt operator must enrol")
	}
	if need, _ := s.NeedsEnrolment(ctx, other); !need {
		t.Error("an operator who is not exempt need not enrol")
	}
	if st, _ := s.MFAStatus(ctx, op); !st.Exempt || st.Required {
		t.Errorf("MFAStatus(exempt) = %+v", st)
	}
}

func TestMFAUnavailableWithoutKey(t *testing.T) {
	s, _, st := newService(t, cheap)
	a := signUpAs(t, s, st, "x@example.jp")
	if _, err := s.StartEnrolment(context.Background(), a, "", client); tsunagari.ErrorCode(err) != tsunagari.CodeUnavailable {
		t.Errorf("StartEnrolment without a key = %v, want unavailable", err)
	}
}
