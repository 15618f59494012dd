// Package auth signs people up and in: argon2id passwords, server-side
// sessions with idle and absolute timeouts, personal API tokens, password
// resets by emailed token, and throttling of sign-in attempts.
package auth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"tsunagari"
	"tsunagari/internal/audit"
	"tsunagari/internal/i18n"
)

// Session lifetimes. Roles that reach other people's data (consultant, HR,
// operator) get short sessions; members stay signed in on their phone.
const (
	PrivilegedIdle     = 30 * time.Minute
	PrivilegedAbsolute = 12 * time.Hour
	MemberIdle         = 7 * 24 * time.Hour
	MemberAbsolute     = 30 * 24 * time.Hour

	ResetLifetime    = time.Hour
	APITokenLifetime = 90 * 24 * time.Hour

	// touchEvery limits writes for session activity to one a minute.
	touchEvery = time.Minute
)

// Token prefixes make leaked secrets recognisable.
const (
	sessionPrefix = "tss_"
	apiPrefix     = "tsu_"
	resetPrefix   = "tsr_"
)

// Service implements sign-up, sign-in and the account settings a person
// manages themselves.
type Service struct {
	Accounts tsunagari.AccountStore
	Sessions tsunagari.SessionStore
	Hasher   *Hasher
	Catalog  *i18n.Catalog
	Logger   *slog.Logger
	// Audit records sign-ins, their failures and credential changes.
	Audit *audit.Service
	// MFA and Sealer store authenticators; without them two-step sign-in
	// is unavailable. Sealer holds the server's secret key.
	MFA    tsunagari.MFAStore
	Sealer *Sealer
	// MFAExempt, if set, exempts accounts from the two-step sign-in their
	// role requires. Demo mode sets it for the shared demo accounts only.
	MFAExempt func(*tsunagari.Account) bool
	// Issuer names this site in authenticator apps.
	Issuer string
	// BaseURL is the public address used in emailed links.
	BaseURL string
	Now     func() time.Time

	// Per email address and per client IP.
	AccountThrottle *Throttle
	IPThrottle      *Throttle
	ResetThrottle   *Throttle
	// MFAThrottle limits second-step codes per account.
	MFAThrottle *Throttle
}

// NewService returns a Service with production throttles: 10 attempts per
// address then one every 90 s, 30 per IP then one every 10 s, 3 reset
// mails per address then one every 20 minutes, and 5 second-step codes per
// account then one every 30 s. Two-step sign-in needs MFA and Sealer set.
func NewService(accounts tsunagari.AccountStore, sessions tsunagari.SessionStore, h *Hasher, c *i18n.Catalog, logger *slog.Logger, baseURL string) *Service {
	return &Service{
		Accounts: accounts, Sessions: sessions, Hasher: h, Catalog: c, Logger: logger, BaseURL: strings.TrimRight(baseURL, "/"),
		Now:             time.Now,
		AccountThrottle: NewThrottle(90*time.Second, 10),
		IPThrottle:      NewThrottle(10*time.Second, 30),
		ResetThrottle:   NewThrottle(20*time.Minute, 3),
		MFAThrottle:     NewThrottle(30*time.Second, 5),
		Issuer:          "tsunagari",
	}
}

// Client describes where a request comes from.
type Client struct {
	IP        string
	UserAgent string
}

// HashToken returns the stored form of a secret token.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Second) }

var errInvalidCredentials = tsunagari.NewError(tsunagari.CodeUnauthorized, "auth.invalid_credentials")

// record writes one audit event about accountID.
func (s *Service) record(ctx context.Context, action, accountID string, outcome tsunagari.Outcome, c Client, detail string) error {
	return s.Audit.Record(ctx, &tsunagari.AuditEvent{ActorID: accountID, Action: action, Outcome: outcome,
		IP: c.IP, Detail: detail})
}

// failed records a failed attempt and returns the error the caller gets;
// if the attempt cannot be recorded, that error wins.
func (s *Service) failed(ctx context.Context, action, accountID string, c Client, detail string, err error) error {
	if rerr := s.record(ctx, action, accountID, tsunagari.OutcomeFailure, c, detail); rerr != nil {
		return rerr
	}
	return err
}

// SignUp is what a person gives to create an account.
type SignUp struct {
	Email    string
	Name     string
	Password string
	Locale   string
}

// SignUp creates a member account and signs it in.
func (s *Service) SignUp(ctx context.Context, in SignUp, c Client) (token string, a *tsunagari.Account, err error) {
	a = &tsunagari.Account{
		Email: tsunagari.NormalizeEmail(in.Email), Name: strings.TrimSpace(in.Name),
		Roles: []tsunagari.Role{tsunagari.RoleMember}, Locale: in.Locale,
	}
	if err := a.Validate(); err != nil {
		return "", nil, err
	}
	if err := tsunagari.ValidatePassword("password", in.Password); err != nil {
		return "", nil, err
	}
	if !s.IPThrottle.Allow("signup:"+c.IP, s.Now()) {
		return "", nil, tsunagari.NewError(tsunagari.CodeTooManyRequests, "auth.too_many_attempts")
	}
	if a.PasswordHash, err = s.Hasher.Hash(ctx, in.Password); err != nil {
		return "", nil, err
	}
	a.CreatedAt = s.now()
	a.PasswordChangedAt = a.CreatedAt
	switch err := s.Accounts.CreateAccount(ctx, a); {
	case errors.Is(err, tsunagari.ErrConflict):
		return "", nil, tsunagari.Invalid("email", "account.email_taken")
	case err != nil:
		return "", nil, fmt.Errorf("sign up: %w", err)
	}
	token, err = s.startSession(ctx, a, c)
	return token, a, err
}

// SignIn checks an email and password. For an account without an
// authenticator it starts a new session; for one with, a sign-in that
// waits for its second step (CompleteSignIn). Unknown addresses and wrong
// passwords get the same answer after the same work.
func (s *Service) SignIn(ctx context.Context, email, password string, c Client) (*SignInResult, error) {
	email = tsunagari.NormalizeEmail(email)
	if email == "" || password == "" {
		return nil, tsunagari.NewError(tsunagari.CodeInvalid, "auth.email_and_password_required")
	}
	if utf8.RuneCountInString(email) > tsunagari.MaxEmailLen || utf8.RuneCountInString(password) > tsunagari.MaxPasswordLen {
		return nil, errInvalidCredentials
	}
	now := s.Now()
	if !s.IPThrottle.Allow("signin:"+c.IP, now) || !s.AccountThrottle.Allow(email, now) {
		s.Logger.WarnContext(ctx, "sign-in throttled", "ip", c.IP)
		return nil, s.failed(ctx, tsunagari.AuditSignIn, "", c, "throttled",
			tsunagari.NewError(tsunagari.CodeTooManyRequests, "auth.too_many_attempts"))
	}
	a, err := s.Accounts.FindAccountByEmail(ctx, email)
	switch {
	case errors.Is(err, tsunagari.ErrNotFound):
		s.Hasher.VerifyNothing(ctx, password)
		// The address typed is not recorded: people type passwords
		// into the wrong field.
		return nil, s.failed(ctx, tsunagari.AuditSignIn, "", c, "unknown_account", errInvalidCredentials)
	case err != nil:
		return nil, fmt.Errorf("sign in: %w", err)
	}
	ok, err := s.Hasher.Verify(ctx, a.PasswordHash, password)
	if err != nil {
		return nil, fmt.Errorf("sign in: %w", err)
	}
	switch {
	case !ok:
		return nil, s.failed(ctx, tsunagari.AuditSignIn, a.ID, c, "wrong_password", errInvalidCredentials)
	case a.DisabledAt != nil:
		return nil, s.failed(ctx, tsunagari.AuditSignIn, a.ID, c, "disabled", errInvalidCredentials)
	}
	t, err := s.totp(ctx, a.ID)
	if err != nil {
		return nil, fmt.Errorf("sign in: %w", err)
	}
	res := &SignInResult{Account: a, MFAPending: t.Enabled()}
	detail := ""
	if res.MFAPending {
		res.Token, err = s.startPending(ctx, a, c)
		detail = "second_step_pending"
	} else {
		res.Token, err = s.startSession(ctx, a, c)
	}
	if err != nil {
		return nil, err
	}
	if err := s.record(ctx, tsunagari.AuditSignIn, a.ID, tsunagari.OutcomeSuccess, c, detail); err != nil {
		_ = s.Sessions.DeleteSession(ctx, HashToken(res.Token))
		return nil, err
	}
	return res, nil
}

func (s *Service) startSession(ctx context.Context, a *tsunagari.Account, c Client) (string, error) {
	now := s.now()
	idle, absolute := MemberIdle, MemberAbsolute
	if a.Privileged() {
		idle, absolute = PrivilegedIdle, PrivilegedAbsolute
	}
	token := tsunagari.NewSecret(sessionPrefix)
	sess := &tsunagari.Session{
		TokenHash: HashToken(token), AccountID: a.ID, CreatedAt: now, LastSeenAt: now,
		ExpiresAt: now.Add(absolute), IdleTimeout: idle,
		UserAgent: truncate(c.UserAgent, 200), IP: truncate(c.IP, 64),
	}
	if err := s.Sessions.CreateSession(ctx, sess); err != nil {
		return "", fmt.Errorf("start session: %w", err)
	}
	return token, nil
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// Authenticate returns the account signed in with a session token. It
// returns ErrNotFound for unknown, expired or revoked sessions.
func (s *Service) Authenticate(ctx context.Context, token string) (*tsunagari.Account, error) {
	if !strings.HasPrefix(token, sessionPrefix) || len(token) > 80 {
		return nil, tsunagari.ErrNotFound
	}
	hash := HashToken(token)
	sess, err := s.Sessions.FindSession(ctx, hash)
	if err != nil {
		return nil, err
	}
	now := s.now()
	if sess.MFAPending {
		return nil, tsunagari.ErrNotFound
	}
	if sess.Expired(now) {
		_ = s.Sessions.DeleteSession(ctx, hash)
		return nil, tsunagari.ErrNotFound
	}
	a, err := s.Accounts.FindAccountByID(ctx, sess.AccountID)
	if err != nil {
		return nil, err
	}
	if a.DisabledAt != nil || a.PasswordChangedAt.After(sess.CreatedAt) {
		_ = s.Sessions.DeleteSession(ctx, hash)
		return nil, tsunagari.ErrNotFound
	}
	if now.Sub(sess.LastSeenAt) >= touchEvery {
		if err := s.Sessions.TouchSession(ctx, hash, now); err != nil {
			return nil, fmt.Errorf("touch session: %w", err)
		}
	}
	return a, nil
}

// SignOut ends the session of token. Ending an unknown session is not an
// error: the person is signed out either way.
func (s *Service) SignOut(ctx context.Context, token string) error {
	hash := HashToken(token)
	sess, err := s.Sessions.FindSession(ctx, hash)
	switch {
	case errors.Is(err, tsunagari.ErrNotFound):
		return nil
	case err != nil:
		return err
	}
	if err := s.Sessions.DeleteSession(ctx, hash); err != nil && !errors.Is(err, tsunagari.ErrNotFound) {
		return err
	}
	return s.record(ctx, tsunagari.AuditSignOut, sess.AccountID, tsunagari.OutcomeSuccess, Client{}, "")
}

// ChangePassword replaces actor's password after checking the current one.
// Every session and API token of the account ends; with newSession, the
// caller's browser gets a fresh session, returned as token.
func (s *Service) ChangePassword(ctx context.Context, actor *tsunagari.Account, current, next string, c Client, newSession bool) (token string, err error) {
	if actor == nil {
		return "", tsunagari.NewError(tsunagari.CodeUnauthorized, "auth.sign_in_required")
	}
	if err := tsunagari.ValidatePassword("newPassword", next); err != nil {
		return "", err
	}
	if !s.AccountThrottle.Allow(actor.Email, s.Now()) {
		return "", tsunagari.NewError(tsunagari.CodeTooManyRequests, "auth.too_many_attempts")
	}
	ok, err := s.Hasher.Verify(ctx, actor.PasswordHash, current)
	if err != nil {
		return "", fmt.Errorf("change password: %w", err)
	}
	if !ok {
		return "", s.failed(ctx, tsunagari.AuditPasswordChange, actor.ID, c, "wrong_password",
			tsunagari.Invalid("currentPassword", "auth.current_password_wrong"))
	}
	hash, err := s.Hasher.Hash(ctx, next)
	if err != nil {
		return "", err
	}
	now := s.now()
	if err := s.Accounts.SetPassword(ctx, actor.ID, hash, now); err != nil {
		return "", fmt.Errorf("change password: %w", err)
	}
	if err := s.record(ctx, tsunagari.AuditPasswordChange, actor.ID, tsunagari.OutcomeSuccess, c, ""); err != nil {
		return "", err
	}
	actor.PasswordHash, actor.PasswordChangedAt = hash, now
	if !newSession {
		return "", nil
	}
	return s.startSession(ctx, actor, c)
}

// RequestPasswordReset emails a single-use reset link if the address has
// an account. It answers the same whether or not it does.
func (s *Service) RequestPasswordReset(ctx context.Context, email, lang string, c Client) error {
	email = tsunagari.NormalizeEmail(email)
	if err := tsunagari.ValidateEmail("email", email); err != nil {
		return err
	}
	now := s.Now()
	if !s.IPThrottle.Allow("reset:"+c.IP, now) {
		return tsunagari.NewError(tsunagari.CodeTooManyRequests, "auth.too_many_attempts")
	}
	if !s.ResetThrottle.Allow(email, now) {
		return nil // quietly: the person already has recent links
	}
	a, err := s.Accounts.FindAccountByEmail(ctx, email)
	switch {
	case errors.Is(err, tsunagari.ErrNotFound):
		return nil
	case err != nil:
		return fmt.Errorf("request password reset: %w", err)
	}
	if a.Locale != "" {
		lang = a.Locale
	}
	token := tsunagari.NewSecret(resetPrefix)
	at := s.now()
	r := &tsunagari.PasswordReset{TokenHash: HashToken(token), AccountID: a.ID, CreatedAt: at, ExpiresAt: at.Add(ResetLifetime)}
	p := s.Catalog.Printer(lang)
	m := &tsunagari.Mail{
		To: a.Email, Kind: "password_reset", CreatedAt: at,
		Subject: p.T("mail.reset.subject"),
		Body:    p.T("mail.reset.body", a.Name, s.BaseURL+"/password/reset?token="+token, int(ResetLifetime.Minutes())),
	}
	if err := s.Sessions.CreatePasswordReset(ctx, r, m); err != nil {
		return fmt.Errorf("request password reset: %w", err)
	}
	return s.record(ctx, tsunagari.AuditPasswordResetRequest, a.ID, tsunagari.OutcomeSuccess, c, "")
}

// ResetPassword sets a new password with an emailed token. Every session
// of the account ends.
func (s *Service) ResetPassword(ctx context.Context, token, password string) error {
	if err := tsunagari.ValidatePassword("password", password); err != nil {
		return err
	}
	if !strings.HasPrefix(token, resetPrefix) || len(token) > 80 {
		return tsunagari.NewError(tsunagari.CodeInvalid, "auth.reset_token_invalid")
	}
	hash, err := s.Hasher.Hash(ctx, password)
	if err != nil {
		return err
	}
	id, err := s.Sessions.ResetPassword(ctx, HashToken(token), hash, s.now())
	switch {
	case errors.Is(err, tsunagari.ErrNotFound):
		return s.failed(ctx, tsunagari.AuditPasswordReset, "", Client{}, "invalid_link",
			tsunagari.NewError(tsunagari.CodeInvalid, "auth.reset_token_invalid"))
	case err != nil:
		return fmt.Errorf("reset password: %w", err)
	}
	return s.record(ctx, tsunagari.AuditPasswordReset, id, tsunagari.OutcomeSuccess, Client{}, "")
}

// UpdateSettings changes the fields a person manages on their own account.
func (s *Service) UpdateSettings(ctx context.Context, actor *tsunagari.Account, upd tsunagari.AccountUpdate) (*tsunagari.Account, error) {
	if actor == nil {
		return nil, tsunagari.NewError(tsunagari.CodeUnauthorized, "auth.sign_in_required")
	}
	next := *actor
	upd.Apply(&next)
	if err := next.Validate(); err != nil {
		return nil, err
	}
	return s.Accounts.UpdateAccount(ctx, actor.ID, upd)
}

// CreateAPIToken issues a personal API token for actor. The token is
// returned once and only its hash is kept.
func (s *Service) CreateAPIToken(ctx context.Context, actor *tsunagari.Account, name string) (string, *tsunagari.APIToken, error) {
	if actor == nil {
		return "", nil, tsunagari.NewError(tsunagari.CodeUnauthorized, "auth.sign_in_required")
	}
	name = strings.TrimSpace(name)
	switch n := utf8.RuneCountInString(name); {
	case n == 0:
		return "", nil, tsunagari.Invalid("name", "token.name_required")
	case n > tsunagari.MaxTokenNameLen:
		return "", nil, tsunagari.Invalid("name", "token.name_too_long", tsunagari.MaxTokenNameLen)
	}
	token := tsunagari.NewSecret(apiPrefix)
	now := s.now()
	t := &tsunagari.APIToken{AccountID: actor.ID, Name: name, TokenHash: HashToken(token), CreatedAt: now, ExpiresAt: now.Add(APITokenLifetime)}
	if err := s.Sessions.CreateAPIToken(ctx, t); err != nil {
		return "", nil, fmt.Errorf("create api token: %w", err)
	}
	if err := s.Audit.Record(ctx, &tsunagari.AuditEvent{ActorID: actor.ID, Action: tsunagari.AuditTokenCreate,
		Outcome: tsunagari.OutcomeSuccess, TargetType: "api_token", TargetID: t.ID}); err != nil {
		return "", nil, err
	}
	return token, t, nil
}

// AuthenticateAPIToken returns the account of a personal API token.
func (s *Service) AuthenticateAPIToken(ctx context.Context, token string) (*tsunagari.Account, error) {
	if !strings.HasPrefix(token, apiPrefix) || len(token) > 80 {
		return nil, tsunagari.ErrNotFound
	}
	t, err := s.Sessions.FindAPIToken(ctx, HashToken(token))
	if err != nil {
		return nil, err
	}
	now := s.now()
	if !now.Before(t.ExpiresAt) {
		return nil, tsunagari.ErrNotFound
	}
	a, err := s.Accounts.FindAccountByID(ctx, t.AccountID)
	if err != nil {
		return nil, err
	}
	if a.DisabledAt != nil {
		return nil, tsunagari.ErrNotFound
	}
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) >= touchEvery {
		if err := s.Sessions.TouchAPIToken(ctx, t.ID, now); err != nil {
			return nil, fmt.Errorf("touch api token: %w", err)
		}
	}
	return a, nil
}

// APITokens lists actor's tokens.
func (s *Service) APITokens(ctx context.Context, actor *tsunagari.Account) ([]*tsunagari.APIToken, error) {
	if actor == nil {
		return nil, tsunagari.NewError(tsunagari.CodeUnauthorized, "auth.sign_in_required")
	}
	return s.Sessions.FindAPITokens(ctx, actor.ID)
}

// RevokeAPIToken deletes one of actor's tokens.
func (s *Service) RevokeAPIToken(ctx context.Context, actor *tsunagari.Account, id string) error {
	if actor == nil {
		return tsunagari.NewError(tsunagari.CodeUnauthorized, "auth.sign_in_required")
	}
	if err := s.Sessions.DeleteAPIToken(ctx, actor.ID, id); err != nil {
		return err
	}
	return s.Audit.Record(ctx, &tsunagari.AuditEvent{ActorID: actor.ID, Action: tsunagari.AuditTokenRevoke,
		Outcome: tsunagari.OutcomeSuccess, TargetType: "api_token", TargetID: id})
}
