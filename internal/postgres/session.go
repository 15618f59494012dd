package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"tsunagari"
)

// SessionStore implements tsunagari.SessionStore.
type SessionStore struct {
	db *DB
}

var _ tsunagari.SessionStore = (*SessionStore)(nil)

// sessionColumns are the columns of sessions, in the order of
// sessionValues and scanSession.
var sessionColumns = []string{
	"token_hash", "account_id", "created_at", "last_seen_at", "expires_at",
	"idle_timeout_seconds", "user_agent", "ip", "mfa_pending",
}

var sessionSelect = `SELECT ` + prefixed("", sessionColumns) + ` FROM sessions`

func sessionValues(s *tsunagari.Session) []any {
	return []any{
		s.TokenHash, s.AccountID, s.CreatedAt, s.LastSeenAt, s.ExpiresAt,
		int64(s.IdleTimeout / time.Second), s.UserAgent, s.IP, s.MFAPending,
	}
}

func scanSession(row scanner) (*tsunagari.Session, error) {
	var s tsunagari.Session
	var idle int64
	if err := row.Scan(&s.TokenHash, &s.AccountID, &s.CreatedAt, &s.LastSeenAt, &s.ExpiresAt,
		&idle, &s.UserAgent, &s.IP, &s.MFAPending); err != nil {
		return nil, err
	}
	s.CreatedAt, s.LastSeenAt, s.ExpiresAt = s.CreatedAt.UTC(), s.LastSeenAt.UTC(), s.ExpiresAt.UTC()
	s.IdleTimeout = time.Duration(idle) * time.Second
	return &s, nil
}

// CreateSession stores s. It sets s.CreatedAt if zero, and s.LastSeenAt
// to s.CreatedAt if zero; the idle timeout is kept in whole seconds. It
// returns ErrConflict if the token hash is taken and ErrNotFound if the
// account does not exist.
func (s *SessionStore) CreateSession(ctx context.Context, sess *tsunagari.Session) error {
	sess.CreatedAt = s.db.orNow(sess.CreatedAt)
	if sess.LastSeenAt.IsZero() {
		sess.LastSeenAt = sess.CreatedAt
	}
	sess.LastSeenAt, sess.ExpiresAt = stamp(sess.LastSeenAt), stamp(sess.ExpiresAt)
	sess.IdleTimeout = sess.IdleTimeout.Truncate(time.Second)
	_, err := s.db.pool.Exec(ctx, insertSQL("sessions", sessionColumns), sessionValues(sess)...)
	return wrap("create session", err)
}

// FindSession returns ErrNotFound if there is no such session. It does not
// check expiry; see tsunagari.Session.Expired.
func (s *SessionStore) FindSession(ctx context.Context, tokenHash string) (*tsunagari.Session, error) {
	sess, err := scanSession(s.db.pool.QueryRow(ctx, sessionSelect+` WHERE token_hash = $1`, tokenHash))
	return sess, wrap("find session", err)
}

// TouchSession records activity on a session; ErrNotFound if there is no
// such session.
func (s *SessionStore) TouchSession(ctx context.Context, tokenHash string, at time.Time) error {
	err := affectedOne(s.db.pool.Exec(ctx,
		`UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1`, tokenHash, stamp(at)))
	return wrap("touch session", err)
}

// DeleteSession deletes a session. Deleting one that does not exist is not
// an error, so signing out twice is harmless.
func (s *SessionStore) DeleteSession(ctx context.Context, tokenHash string) error {
	_, err := s.db.pool.Exec(ctx, `DELETE FROM sessions WHERE token_hash = $1`, tokenHash)
	return wrap("delete session", err)
}

// DeleteSessions deletes every session of an account.
func (s *SessionStore) DeleteSessions(ctx context.Context, accountID string) error {
	_, err := s.db.pool.Exec(ctx, `DELETE FROM sessions WHERE account_id = $1`, accountID)
	return wrap("delete sessions", err)
}

// DeleteExpiredSessions deletes sessions past their absolute expiry or
// idle timeout at now and reports how many.
func (s *SessionStore) DeleteExpiredSessions(ctx context.Context, now time.Time) (int, error) {
	tag, err := s.db.pool.Exec(ctx, `
		DELETE FROM sessions
		WHERE expires_at <= $1
		   OR last_seen_at + idle_timeout_seconds * interval '1 second' <= $1`,
		stamp(now))
	if err != nil {
		return 0, wrap("delete expired sessions", err)
	}
	return int(tag.RowsAffected()), nil
}

// apiTokenColumns are the columns of api_tokens, in the order of
// apiTokenValues and scanAPIToken.
var apiTokenColumns = []string{
	"id", "account_id", "name", "token_hash", "created_at", "last_used_at", "expires_at",
}

var apiTokenSelect = `SELECT ` + prefixed("", apiTokenColumns) + ` FROM api_tokens`

func apiTokenValues(t *tsunagari.APIToken) []any {
	return []any{t.ID, t.AccountID, t.Name, t.TokenHash, t.CreatedAt, t.LastUsedAt, t.ExpiresAt}
}

func scanAPIToken(row scanner) (*tsunagari.APIToken, error) {
	var t tsunagari.APIToken
	if err := row.Scan(&t.ID, &t.AccountID, &t.Name, &t.TokenHash, &t.CreatedAt, &t.LastUsedAt, &t.ExpiresAt); err != nil {
		return nil, err
	}
	t.CreatedAt, t.ExpiresAt, t.LastUsedAt = t.CreatedAt.UTC(), t.ExpiresAt.UTC(), utcPtr(t.LastUsedAt)
	return &t, nil
}

// CreateAPIToken stores t, setting t.ID unless preset and t.CreatedAt if
// zero. It returns ErrConflict if the ID or token hash is taken.
func (s *SessionStore) CreateAPIToken(ctx context.Context, t *tsunagari.APIToken) error {
	if t.ID == "" {
		t.ID = tsunagari.NewID()
	}
	t.CreatedAt = s.db.orNow(t.CreatedAt)
	t.ExpiresAt, t.LastUsedAt = stamp(t.ExpiresAt), stampPtr(t.LastUsedAt)
	_, err := s.db.pool.Exec(ctx, insertSQL("api_tokens", apiTokenColumns), apiTokenValues(t)...)
	return wrap("create API token", err)
}

// FindAPIToken returns ErrNotFound if there is no such token. It does not
// check expiry.
func (s *SessionStore) FindAPIToken(ctx context.Context, tokenHash string) (*tsunagari.APIToken, error) {
	t, err := scanAPIToken(s.db.pool.QueryRow(ctx, apiTokenSelect+` WHERE token_hash = $1`, tokenHash))
	return t, wrap("find API token", err)
}

// FindAPITokens returns the account's tokens, newest first.
func (s *SessionStore) FindAPITokens(ctx context.Context, accountID string) ([]*tsunagari.APIToken, error) {
	rows, err := s.db.pool.Query(ctx,
		apiTokenSelect+` WHERE account_id = $1 ORDER BY created_at DESC, id`, accountID)
	if err != nil {
		return nil, wrap("find API tokens", err)
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*tsunagari.APIToken, error) {
		return scanAPIToken(row)
	})
	return list, wrap("find API tokens", err)
}

// TouchAPIToken records a use of a token; ErrNotFound if there is no such
// token.
func (s *SessionStore) TouchAPIToken(ctx context.Context, id string, at time.Time) error {
	err := affectedOne(s.db.pool.Exec(ctx,
		`UPDATE api_tokens SET last_used_at = $2 WHERE id = $1`, id, stamp(at)))
	return wrap("touch API token", err)
}

// DeleteAPIToken deletes the account's token; ErrNotFound if the account
// has no token with that ID.
func (s *SessionStore) DeleteAPIToken(ctx context.Context, accountID, id string) error {
	err := affectedOne(s.db.pool.Exec(ctx,
		`DELETE FROM api_tokens WHERE account_id = $1 AND id = $2`, accountID, id))
	return wrap("delete API token", err)
}

// passwordResetColumns are the columns of password_resets written on
// creation. Resets are never read back whole: ResetPassword consumes them
// in place.
var passwordResetColumns = []string{"token_hash", "account_id", "created_at", "expires_at"}

func passwordResetValues(r *tsunagari.PasswordReset) []any {
	return []any{r.TokenHash, r.AccountID, r.CreatedAt, r.ExpiresAt}
}

// CreatePasswordReset stores r and the mail that carries its token in one
// transaction. It sets r.CreatedAt if zero, and the mail's ID and
// CreatedAt as EnqueueMail does.
func (s *SessionStore) CreatePasswordReset(ctx context.Context, r *tsunagari.PasswordReset, m *tsunagari.Mail) error {
	r.CreatedAt, r.ExpiresAt = s.db.orNow(r.CreatedAt), stamp(r.ExpiresAt)
	err := s.db.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, insertSQL("password_resets", passwordResetColumns), passwordResetValues(r)...); err != nil {
			return err
		}
		if m == nil {
			return nil
		}
		return s.db.insertMail(ctx, tx, m)
	})
	return wrap("create password reset", err)
}

// ResetPassword consumes a reset token that is unused and unexpired at
// now, sets the account's password hash, and deletes all of the account's
// sessions, API tokens and other reset tokens, in one transaction. The
// token is consumed by a single conditional UPDATE, so of two concurrent
// uses only one succeeds. It returns the account ID, or ErrNotFound if the
// token is unknown, used or expired.
func (s *SessionStore) ResetPassword(ctx context.Context, tokenHash, passwordHash string, now time.Time) (string, error) {
	now = stamp(now)
	var accountID string
	err := s.db.inTx(ctx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `
			UPDATE password_resets SET used_at = $2
			WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2
			RETURNING account_id`,
			tokenHash, now).Scan(&accountID); err != nil {
			return err
		}
		if err := setPassword(ctx, tx, accountID, passwordHash, now); err != nil {
			return err
		}
		_, err := tx.Exec(ctx,
			`DELETE FROM password_resets WHERE account_id = $1 AND token_hash <> $2`,
			accountID, tokenHash)
		return err
	})
	if err != nil {
		return "", wrap("reset password", err)
	}
	return accountID, nil
}
