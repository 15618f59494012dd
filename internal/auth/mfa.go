package auth

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"strings"
	"time"

	"tsunagari"
)

// Two-step sign-in (ASVS 6.3.3): after the password, an account with an
// authenticator gives a one-time code (RFC 6238) or one of its recovery
// codes. Consultants, HR administrators and operators must have one; for
// members it is optional.

// PendingLifetime is how long a sign-in may wait for its second step.
const PendingLifetime = 10 * time.Minute

// pendingPrefix marks the token of a sign-in waiting for its second step;
// Authenticate never accepts it.
const pendingPrefix = "tsm_"

var (
	errMFAExpired     = tsunagari.NewError(tsunagari.CodeUnauthorized, "auth.mfa_expired")
	errMFAUnavailable = tsunagari.NewError(tsunagari.CodeUnavailable, "auth.mfa_unavailable")
	errCodeWrong      = tsunagari.Invalid("code", "auth.mfa_code_wrong")
)

// SignInResult is the outcome of a right password.
type SignInResult struct {
	// Token is a session token, or, with MFAPending, the token of a
	// sign-in that waits for its second step (see CompleteSignIn).
	Token      string
	Account    *tsunagari.Account
	MFAPending bool
}

// SecondStep is the outcome of a right second-step code.
type SecondStep struct {
	Token   string // the new session
	Account *tsunagari.Account
	// RecoveryCodeUsed is set when a recovery code was given instead of a
	// one-time code, and RecoveryCodesLeft says how many remain.
	RecoveryCodeUsed  bool
	RecoveryCodesLeft int
}

// MFARequired reports whether a must use two-step sign-in: accounts whose
// roles reach other people's data or the whole instance, unless exempt.
func (s *Service) MFARequired(a *tsunagari.Account) bool {
	return a.Privileged() && (s.MFAExempt == nil || !s.MFAExempt(a))
}

// totp returns a's authenticator, or nil.
func (s *Service) totp(ctx context.Context, accountID string) (*tsunagari.TOTP, error) {
	if s.MFA == nil {
		return nil, nil
	}
	t, err := s.MFA.FindTOTP(ctx, accountID)
	if errors.Is(err, tsunagari.ErrNotFound) {
		return nil, nil
	}
	return t, err
}

// NeedsEnrolment reports whether a must set up two-step sign-in before
// reaching anything else: its role requires it and it has none yet.
func (s *Service) NeedsEnrolment(ctx context.Context, a *tsunagari.Account) (bool, error) {
	if a == nil || !s.MFARequired(a) {
		return false, nil
	}
	t, err := s.totp(ctx, a.ID)
	if err != nil {
		return false, err
	}
	return !t.Enabled(), nil
}

// startPending records a right password for an account with an
// authenticator and returns the token of the waiting sign-in.
func (s *Service) startPending(ctx context.Context, a *tsunagari.Account, c Client) (string, error) {
	now := s.now()
	token := tsunagari.NewSecret(pendingPrefix)
	sess := &tsunagari.Session{
		TokenHash: HashToken(token), AccountID: a.ID, CreatedAt: now, LastSeenAt: now,
		ExpiresAt: now.Add(PendingLifetime), IdleTimeout: PendingLifetime,
		UserAgent: truncate(c.UserAgent, 200), IP: truncate(c.IP, 64), MFAPending: true,
	}
	if err := s.Sessions.CreateSession(ctx, sess); err != nil {
		return "", fmt.Errorf("start sign-in: %w", err)
	}
	return token, nil
}

// pending returns the session and account of a sign-in waiting for its
// second step, or errMFAExpired.
func (s *Service) pending(ctx context.Context, token string) (*tsunagari.Session, *tsunagari.Account, error) {
	if !strings.HasPrefix(token, pendingPrefix) || len(token) > 80 {
		return nil, nil, errMFAExpired
	}
	hash := HashToken(token)
	sess, err := s.Sessions.FindSession(ctx, hash)
	switch {
	case errors.Is(err, tsunagari.ErrNotFound):
		return nil, nil, errMFAExpired
	case err != nil:
		return nil, nil, err
	}
	if !sess.MFAPending {
		return nil, nil, errMFAExpired
	}
	if sess.Expired(s.now()) {
		_ = s.Sessions.DeleteSession(ctx, hash)
		return nil, nil, errMFAExpired
	}
	a, err := s.Accounts.FindAccountByID(ctx, sess.AccountID)
	if err != nil {
		return nil, nil, err
	}
	if a.DisabledAt != nil || a.PasswordChangedAt.After(sess.CreatedAt) {
		_ = s.Sessions.DeleteSession(ctx, hash)
		return nil, nil, errMFAExpired
	}
	return sess, a, nil
}

// PendingSignIn returns the account of a sign-in waiting for its second
// step.
func (s *Service) PendingSignIn(ctx context.Context, token string) (*tsunagari.Account, error) {
	_, a, err := s.pending(ctx, token)
	return a, err
}

// AbandonSignIn forgets a sign-in waiting for its second step.
func (s *Service) AbandonSignIn(ctx context.Context, token string) error {
	err := s.Sessions.DeleteSession(ctx, HashToken(token))
	if errors.Is(err, tsunagari.ErrNotFound) {
		return nil
	}
	return err
}

// CompleteSignIn finishes a sign-in with a one-time code from the
// account's authenticator or one of its recovery codes, each accepted
// once. The waiting sign-in ends and a new session starts.
func (s *Service) CompleteSignIn(ctx context.Context, token, code string, c Client) (*SecondStep, error) {
	sess, a, err := s.pending(ctx, token)
	if err != nil {
		return nil, err
	}
	if !s.MFAThrottle.Allow(a.ID, s.Now()) {
		return nil, s.failed(ctx, tsunagari.AuditSignInMFA, a.ID, c, "throttled",
			tsunagari.NewError(tsunagari.CodeTooManyRequests, "auth.too_many_attempts"))
	}
	code = normalizeCode(code)
	if code == "" {
		return nil, tsunagari.Invalid("code", "auth.mfa_code_required")
	}
	method, err := s.useCode(ctx, a, code)
	if err != nil {
		return nil, err
	}
	if method == "" {
		return nil, s.failed(ctx, tsunagari.AuditSignInMFA, a.ID, c, "wrong_code", errCodeWrong)
	}
	if err := s.Sessions.DeleteSession(ctx, sess.TokenHash); err != nil && !errors.Is(err, tsunagari.ErrNotFound) {
		return nil, err
	}
	full, err := s.startSession(ctx, a, c)
	if err != nil {
		return nil, err
	}
	if err := s.record(ctx, tsunagari.AuditSignInMFA, a.ID, tsunagari.OutcomeSuccess, c, method); err != nil {
		_ = s.Sessions.DeleteSession(ctx, HashToken(full))
		return nil, err
	}
	out := &SecondStep{Token: full, Account: a, RecoveryCodeUsed: method == "recovery_code"}
	if out.RecoveryCodeUsed {
		if out.RecoveryCodesLeft, err = s.MFA.CountRecoveryCodes(ctx, a.ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// useCode accepts code for a, once, and says how: "totp",
// "recovery_code", or "" if it is not a valid code.
func (s *Service) useCode(ctx context.Context, a *tsunagari.Account, code string) (string, error) {
	if isTOTPCode(code) {
		t, err := s.totp(ctx, a.ID)
		if err != nil || !t.Enabled() {
			return "", err
		}
		if s.Sealer == nil {
			return "", errMFAUnavailable
		}
		key, err := s.Sealer.Open(t.Secret, sealContext(a.ID))
		if err != nil {
			return "", fmt.Errorf("open totp secret: %w", err)
		}
		step, ok := checkTOTP(key, code, s.Now())
		if !ok {
			return "", nil
		}
		switch err := s.MFA.UseTOTPStep(ctx, a.ID, step); {
		case errors.Is(err, tsunagari.ErrConflict), errors.Is(err, tsunagari.ErrNotFound):
			return "", nil // used already, or the authenticator has just gone
		case err != nil:
			return "", err
		}
		return "totp", nil
	}
	if len(code) != recoveryCodeLen {
		return "", nil
	}
	switch err := s.MFA.UseRecoveryCode(ctx, a.ID, HashToken(code), s.now()); {
	case errors.Is(err, tsunagari.ErrNotFound):
		return "", nil
	case err != nil:
		return "", err
	}
	return "recovery_code", nil
}

// sealContext binds a sealed TOTP secret to its account.
func sealContext(accountID string) string { return "tsunagari totp " + accountID }

// Recovery codes: 80 random bits in 16 base32 letters and digits, shown
// in four groups of four.
const recoveryCodeLen = 16

var recoveryEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

func newRecoveryCodes() (shown, hashes []string) {
	for range tsunagari.NumRecoveryCodes {
		var b [10]byte
		rand.Read(b[:])
		c := recoveryEncoding.EncodeToString(b[:])
		shown = append(shown, c[0:4]+"-"+c[4:8]+"-"+c[8:12]+"-"+c[12:16])
		hashes = append(hashes, HashToken(c))
	}
	return shown, hashes
}

// Enrolment is what a person copies into an authenticator app.
type Enrolment struct {
	Secret string // base32
	URI    string // otpauth://
}

// MFAStatus describes an account's two-step sign-in.
type MFAStatus struct {
	Enabled  bool
	Required bool // by the account's role
	// Exempt is set when the role would require it but this account is
	// exempt (demo accounts in demo mode).
	Exempt        bool
	RecoveryCodes int        // unused
	Enrolment     *Enrolment // an enrolment waiting for its first code
}

// MFAStatus returns actor's two-step sign-in status, and the secret of an
// enrolment that waits for confirmation.
func (s *Service) MFAStatus(ctx context.Context, actor *tsunagari.Account) (*MFAStatus, error) {
	if actor == nil {
		return nil, tsunagari.NewError(tsunagari.CodeUnauthorized, "auth.sign_in_required")
	}
	st := &MFAStatus{Required: s.MFARequired(actor), Exempt: actor.Privileged() && !s.MFARequired(actor)}
	t, err := s.totp(ctx, actor.ID)
	if err != nil || t == nil {
		return st, err
	}
	st.Enabled = t.Enabled()
	if st.Enabled {
		if st.RecoveryCodes, err = s.MFA.CountRecoveryCodes(ctx, actor.ID); err != nil {
			return nil, err
		}
		return st, nil
	}
	if s.Sealer == nil {
		return st, nil
	}
	key, err := s.Sealer.Open(t.Secret, sealContext(actor.ID))
	if err != nil {
		return nil, fmt.Errorf("open totp secret: %w", err)
	}
	st.Enrolment = s.enrolment(actor, key)
	return st, nil
}

func (s *Service) enrolment(a *tsunagari.Account, key []byte) *Enrolment {
	secret := secretEncoding.EncodeToString(key)
	return &Enrolment{Secret: secret, URI: OTPAuthURI(s.Issuer, a.Email, secret)}
}

// checkPassword confirms actor's password before a change to how they
// sign in; wrong passwords are recorded under action.
func (s *Service) checkPassword(ctx context.Context, actor *tsunagari.Account, password, action string, c Client) error {
	if !s.AccountThrottle.Allow(actor.Email, s.Now()) {
		return tsunagari.NewError(tsunagari.CodeTooManyRequests, "auth.too_many_attempts")
	}
	ok, err := s.Hasher.Verify(ctx, actor.PasswordHash, password)
	if err != nil {
		return err
	}
	if !ok {
		return s.failed(ctx, action, actor.ID, c, "wrong_password", tsunagari.Invalid("password", "auth.current_password_wrong"))
	}
	return nil
}

func (s *Service) mfaReady(actor *tsunagari.Account) error {
	if actor == nil {
		return tsunagari.NewError(tsunagari.CodeUnauthorized, "auth.sign_in_required")
	}
	if s.MFA == nil || s.Sealer == nil {
		return errMFAUnavailable
	}
	return nil
}

// StartEnrolment gives actor a new authenticator secret to confirm with
// ConfirmEnrolment. Replacing an authenticator that works (after losing
// a phone, say) needs the password; until the new one is confirmed the
// account has none.
func (s *Service) StartEnrolment(ctx context.Context, actor *tsunagari.Account, password string, c Client) (*Enrolment, error) {
	if err := s.mfaReady(actor); err != nil {
		return nil, err
	}
	t, err := s.totp(ctx, actor.ID)
	if err != nil {
		return nil, err
	}
	if t.Enabled() {
		if err := s.checkPassword(ctx, actor, password, tsunagari.AuditMFAEnrol, c); err != nil {
			return nil, err
		}
	}
	key := newTOTPKey()
	if err := s.MFA.SetTOTP(ctx, &tsunagari.TOTP{AccountID: actor.ID, Secret: s.Sealer.Seal(key, sealContext(actor.ID)),
		CreatedAt: s.now()}); err != nil {
		return nil, fmt.Errorf("start enrolment: %w", err)
	}
	return s.enrolment(actor, key), nil
}

// ConfirmEnrolment turns on the authenticator actor is enrolling once it
// shows a valid code, and returns a new set of recovery codes, shown once.
func (s *Service) ConfirmEnrolment(ctx context.Context, actor *tsunagari.Account, code string, c Client) ([]string, error) {
	if err := s.mfaReady(actor); err != nil {
		return nil, err
	}
	t, err := s.totp(ctx, actor.ID)
	if err != nil {
		return nil, err
	}
	if t == nil || t.Enabled() {
		return nil, tsunagari.NewError(tsunagari.CodeConflict, "auth.mfa_no_enrolment")
	}
	if !s.MFAThrottle.Allow(actor.ID, s.Now()) {
		return nil, tsunagari.NewError(tsunagari.CodeTooManyRequests, "auth.too_many_attempts")
	}
	key, err := s.Sealer.Open(t.Secret, sealContext(actor.ID))
	if err != nil {
		return nil, fmt.Errorf("open totp secret: %w", err)
	}
	step, ok := checkTOTP(key, normalizeCode(code), s.Now())
	if !ok {
		return nil, s.failed(ctx, tsunagari.AuditMFAEnrol, actor.ID, c, "wrong_code", errCodeWrong)
	}
	shown, hashes := newRecoveryCodes()
	switch err := s.MFA.ConfirmTOTP(ctx, actor.ID, step, s.now(), hashes); {
	case errors.Is(err, tsunagari.ErrNotFound):
		return nil, tsunagari.NewError(tsunagari.CodeConflict, "auth.mfa_no_enrolment")
	case err != nil:
		return nil, fmt.Errorf("confirm enrolment: %w", err)
	}
	if err := s.Audit.Record(ctx,
		&tsunagari.AuditEvent{ActorID: actor.ID, Action: tsunagari.AuditMFAEnrol, Outcome: tsunagari.OutcomeSuccess, IP: c.IP},
		&tsunagari.AuditEvent{ActorID: actor.ID, Action: tsunagari.AuditRecoveryCodes, Outcome: tsunagari.OutcomeSuccess, IP: c.IP,
			Detail: fmt.Sprintf("count=%d", len(shown))}); err != nil {
		return nil, err
	}
	return shown, nil
}

// RegenerateRecoveryCodes replaces actor's recovery codes; the old ones
// stop working. It needs the password.
func (s *Service) RegenerateRecoveryCodes(ctx context.Context, actor *tsunagari.Account, password string, c Client) ([]string, error) {
	if err := s.mfaReady(actor); err != nil {
		return nil, err
	}
	t, err := s.totp(ctx, actor.ID)
	if err != nil {
		return nil, err
	}
	if !t.Enabled() {
		return nil, tsunagari.NewError(tsunagari.CodeConflict, "auth.mfa_not_enabled")
	}
	if err := s.checkPassword(ctx, actor, password, tsunagari.AuditRecoveryCodes, c); err != nil {
		return nil, err
	}
	shown, hashes := newRecoveryCodes()
	if err := s.MFA.ReplaceRecoveryCodes(ctx, actor.ID, hashes); err != nil {
		return nil, fmt.Errorf("replace recovery codes: %w", err)
	}
	if err := s.record(ctx, tsunagari.AuditRecoveryCodes, actor.ID, tsunagari.OutcomeSuccess, c,
		fmt.Sprintf("count=%d", len(shown))); err != nil {
		return nil, err
	}
	return shown, nil
}

// DisableMFA turns two-step sign-in off for an account whose role does
// not require it. It needs the password.
func (s *Service) DisableMFA(ctx context.Context, actor *tsunagari.Account, password string, c Client) error {
	if err := s.mfaReady(actor); err != nil {
		return err
	}
	if s.MFARequired(actor) {
		return tsunagari.NewError(tsunagari.CodeForbidden, "auth.mfa_required_for_role")
	}
	t, err := s.totp(ctx, actor.ID)
	if err != nil {
		return err
	}
	if t == nil {
		return tsunagari.NewError(tsunagari.CodeConflict, "auth.mfa_not_enabled")
	}
	if err := s.checkPassword(ctx, actor, password, tsunagari.AuditMFADisable, c); err != nil {
		return err
	}
	if err := s.MFA.DeleteTOTP(ctx, actor.ID); err != nil {
		return fmt.Errorf("disable two-step sign-in: %w", err)
	}
	return s.record(ctx, tsunagari.AuditMFADisable, actor.ID, tsunagari.OutcomeSuccess, c, "")
}

// ResealTOTP moves every authenticator secret sealed under a previous key
// of sealer to its current key, and reports how many it moved: part of a
// rotation of the server's key.
func ResealTOTP(ctx context.Context, store tsunagari.MFAStore, sealer *Sealer) (int, error) {
	return store.ResealTOTP(ctx, func(accountID, sealed string) (string, error) {
		moved, err := sealer.Reseal(sealed, sealContext(accountID))
		if err != nil {
			return "", fmt.Errorf("authenticator of %s: %w", accountID, err)
		}
		return moved, nil
	})
}
