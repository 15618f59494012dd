package sqlite

import (
	"context"
	"database/sql"
	"time"

	"tsunagari"
)

// sessionStore implements tsunagari.SessionStore.
type sessionStore struct{ db *DB }

var _ tsunagari.SessionStore = (*sessionStore)(nil)

// Sessions.

const sessionColumns = `
	token_hash, account_id, created_at, last_seen_at, expires_at,
	idle_timeout_seconds, user_agent, ip, mfa_pending`

func scanSession(rows *sql.Rows) (*tsunagari.Session, error) {
	var (
		s                                  tsunagari.Session
		createdAt, lastSeen, expires, idle int64
	)
	if err := rows.Scan(
		&s.TokenHash, &s.AccountID, &createdAt, &lastSeen, &expires,
		&idle, &s.UserAgent, &s.IP, &s.MFAPending,
	); err != nil {
		return nil, err
	}
	s.CreatedAt = unixTime(createdAt)
	s.LastSeenAt = unixTime(lastSeen)
	s.ExpiresAt = unixTime(expires)
	s.IdleTimeout = time.Duration(idle) * time.Second
	return &s, nil
}

func findSessions(ctx context.Context, q querier, where string, args ...any) ([]*tsunagari.Session, error) {
	rows, err := q.QueryContext(ctx,
		`SELECT `+sessionColumns+` FROM sessions WHERE `+where+` ORDER BY created_at, token_hash`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ss []*tsunagari.Session
	for rows.Next() {
		s, err := scanSession(rows)
		if err != nil {
			return nil, err
		}
		ss = append(ss, s)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return ss, nil
}

// CreateSession stores s. CreatedAt defaults to now and LastSeenAt to
// CreatedAt.
func (st *sessionStore) CreateSession(ctx context.Context, s *tsunagari.Session) error {
	s.CreatedAt = st.db.orNow(s.CreatedAt)
	if s.LastSeenAt.IsZero() {
		s.LastSeenAt = s.CreatedAt
	}
	s.LastSeenAt = stamp(s.LastSeenAt)
	s.ExpiresAt = stamp(s.ExpiresAt)
	s.IdleTimeout = s.IdleTimeout.Truncate(time.Second)
	_, err := st.db.write.ExecContext(ctx, `
		INSERT INTO sessions (`+sessionColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		s.TokenHash, s.AccountID, s.CreatedAt.Unix(), s.LastSeenAt.Unix(), s.ExpiresAt.Unix(),
		int64(s.IdleTimeout/time.Second), s.UserAgent, s.IP, s.MFAPending)
	return translate(err)
}

func (st *sessionStore) FindSession(ctx context.Context, tokenHash string) (*tsunagari.Session, error) {
	ss, err := findSessions(ctx, st.db.read, `token_hash = ?`, tokenHash)
	if err != nil {
		return nil, err
	}
	if len(ss) == 0 {
		return nil, tsunagari.ErrNotFound
	}
	return ss[0], nil
}

// TouchSession returns ErrNotFound if there is no such session.
func (st *sessionStore) TouchSession(ctx context.Context, tokenHash string, at time.Time) error {
	res, err := st.db.write.ExecContext(ctx,
		`UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?`, at.Unix(), tokenHash)
	if err != nil {
		return translate(err)
	}
	return checkAffected(res)
}

// DeleteSession deletes the session if it exists; signing out twice is
// not an error.
func (st *sessionStore) DeleteSession(ctx context.Context, tokenHash string) error {
	_, err := st.db.write.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = ?`, tokenHash)
	return translate(err)
}

func (st *sessionStore) DeleteSessions(ctx context.Context, accountID string) error {
	_, err := st.db.write.ExecContext(ctx, `DELETE FROM sessions WHERE account_id = ?`, accountID)
	return translate(err)
}

func (st *sessionStore) DeleteExpiredSessions(ctx context.Context, now time.Time) (int, error) {
	res, err := st.db.write.ExecContext(ctx, `
		DELETE FROM sessions
		WHERE expires_at <= ?1 OR last_seen_at + idle_timeout_seconds <= ?1`, now.Unix())
	if err != nil {
		return 0, translate(err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// API tokens.

const apiTokenColumns = `
	id, account_id, name, token_hash, created_at, last_used_at, expires_at`

func scanAPIToken(rows *sql.Rows) (*tsunagari.APIToken, error) {
	var (
		t                  tsunagari.APIToken
		createdAt, expires int64
		lastUsed           sql.NullInt64
	)
	if err := rows.Scan(
		&t.ID, &t.AccountID, &t.Name, &t.TokenHash, &createdAt, &lastUsed, &expires,
	); err != nil {
		return nil, err
	}
	t.CreatedAt = unixTime(createdAt)
	t.LastUsedAt = timePtr(lastUsed)
	t.ExpiresAt = unixTime(expires)
	return &t, nil
}

// findAPITokens returns matching tokens, newest first.
func findAPITokens(ctx context.Context, q querier, where string, args ...any) ([]*tsunagari.APIToken, error) {
	rows, err := q.QueryContext(ctx,
		`SELECT `+apiTokenColumns+` FROM api_tokens WHERE `+where+` ORDER BY created_at DESC, rowid DESC`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ts []*tsunagari.APIToken
	for rows.Next() {
		t, err := scanAPIToken(rows)
		if err != nil {
			return nil, err
		}
		ts = append(ts, t)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return ts, nil
}

// CreateAPIToken stores t, setting its ID and CreatedAt if they are empty.
func (st *sessionStore) CreateAPIToken(ctx context.Context, t *tsunagari.APIToken) error {
	if t.ID == "" {
		t.ID = tsunagari.NewID()
	}
	t.CreatedAt = st.db.orNow(t.CreatedAt)
	t.LastUsedAt = stampPtr(t.LastUsedAt)
	t.ExpiresAt = stamp(t.ExpiresAt)
	_, err := st.db.write.ExecContext(ctx, `
		INSERT INTO api_tokens (`+apiTokenColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
		t.ID, t.AccountID, t.Name, t.TokenHash, t.CreatedAt.Unix(), nullUnix(t.LastUsedAt), t.ExpiresAt.Unix())
	return translate(err)
}

func (st *sessionStore) FindAPIToken(ctx context.Context, tokenHash string) (*tsunagari.APIToken, error) {
	ts, err := findAPITokens(ctx, st.db.read, `token_hash = ?`, tokenHash)
	if err != nil {
		return nil, err
	}
	if len(ts) == 0 {
		return nil, tsunagari.ErrNotFound
	}
	return ts[0], nil
}

// FindAPITokens returns the account's tokens, newest first.
func (st *sessionStore) FindAPITokens(ctx context.Context, accountID string) ([]*tsunagari.APIToken, error) {
	return findAPITokens(ctx, st.db.read, `account_id = ?`, accountID)
}

// TouchAPIToken returns ErrNotFound if there is no such token.
func (st *sessionStore) TouchAPIToken(ctx context.Context, id string, at time.Time) error {
	res, err := st.db.write.ExecContext(ctx,
		`UPDATE api_tokens SET last_used_at = ? WHERE id = ?`, at.Unix(), id)
	if err != nil {
		return translate(err)
	}
	return checkAffected(res)
}

func (st *sessionStore) DeleteAPIToken(ctx context.Context, accountID, id string) error {
	res, err := st.db.write.ExecContext(ctx,
		`DELETE FROM api_tokens WHERE id = ? AND account_id = ?`, id, accountID)
	if err != nil {
		return translate(err)
	}
	return checkAffected(res)
}

// Password resets.

// CreatePasswordReset stores r, setting CreatedAt if it is zero, and m if
// it is not nil.
func (st *sessionStore) CreatePasswordReset(ctx context.Context, r *tsunagari.PasswordReset, m *tsunagari.Mail) error {
	r.CreatedAt = st.db.orNow(r.CreatedAt)
	r.ExpiresAt = stamp(r.ExpiresAt)
	return st.db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO password_resets (token_hash, account_id, created_at, expires_at)
			VALUES (?, ?, ?, ?)`,
			r.TokenHash, r.AccountID, r.CreatedAt.Unix(), r.ExpiresAt.Unix()); err != nil {
			return err
		}
		if m == nil {
			return nil
		}
		return st.db.enqueueMail(ctx, tx, m)
	})
}

func (st *sessionStore) ResetPassword(ctx context.Context, tokenHash, passwordHash string, now time.Time) (string, error) {
	now = stamp(now)
	var accountID string
	err := st.db.inTx(ctx, func(tx *sql.Tx) error {
		// The token is consumed by the same statement that checks it.
		err := tx.QueryRowContext(ctx, `
			UPDATE password_resets SET used_at = ?1
			WHERE token_hash = ?2 AND used_at IS NULL AND expires_at > ?1
			RETURNING account_id`,
			now.Unix(), tokenHash).Scan(&accountID)
		if err != nil {
			return err // sql.ErrNoRows becomes ErrNotFound
		}
		if _, err := tx.ExecContext(ctx,
			`DELETE FROM password_resets WHERE account_id = ? AND token_hash <> ?`,
			accountID, tokenHash); err != nil {
			return err
		}
		return setPassword(ctx, tx, accountID, passwordHash, now)
	})
	if err != nil {
		return "", err
	}
	return accountID, nil
}
