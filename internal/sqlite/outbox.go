package sqlite

import (
	"context"
	"database/sql"
	"time"

	"tsunagari"
)

// outboxStore implements tsunagari.OutboxStore.
type outboxStore struct{ db *DB }

var _ tsunagari.OutboxStore = (*outboxStore)(nil)

const mailColumns = `
	id, to_address, subject, body, kind, created_at, sent_at, attempts, last_error`

func scanMail(rows *sql.Rows) (*tsunagari.Mail, error) {
	var (
		m         tsunagari.Mail
		createdAt int64
		sentAt    sql.NullInt64
	)
	if err := rows.Scan(
		&m.ID, &m.To, &m.Subject, &m.Body, &m.Kind, &createdAt, &sentAt, &m.Attempts, &m.LastError,
	); err != nil {
		return nil, err
	}
	m.CreatedAt = unixTime(createdAt)
	m.SentAt = timePtr(sentAt)
	return &m, nil
}

// findMail returns matching messages, newest first, followed by tail
// (LIMIT).
func findMail(ctx context.Context, q querier, where, tail string, args ...any) ([]*tsunagari.Mail, error) {
	query := `SELECT ` + mailColumns + ` FROM outbox`
	if where != "" {
		query += ` WHERE ` + where
	}
	rows, err := q.QueryContext(ctx, query+` ORDER BY created_at DESC, rowid DESC`+tail, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ms []*tsunagari.Mail
	for rows.Next() {
		m, err := scanMail(rows)
		if err != nil {
			return nil, err
		}
		ms = append(ms, m)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return ms, nil
}

// enqueueMail stores m, setting its ID and CreatedAt if they are empty.
func (db *DB) enqueueMail(ctx context.Context, q querier, m *tsunagari.Mail) error {
	if m.ID == "" {
		m.ID = tsunagari.NewID()
	}
	m.CreatedAt = db.orNow(m.CreatedAt)
	m.SentAt = stampPtr(m.SentAt)
	_, err := q.ExecContext(ctx, `
		INSERT INTO outbox (`+mailColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		m.ID, m.To, m.Subject, m.Body, m.Kind, m.CreatedAt.Unix(), nullUnix(m.SentAt), m.Attempts, m.LastError)
	return translate(err)
}

func (s *outboxStore) EnqueueMail(ctx context.Context, m *tsunagari.Mail) error {
	return s.db.enqueueMail(ctx, s.db.write, m)
}

// FindMail returns messages newest first; Limit 0 means all.
func (s *outboxStore) FindMail(ctx context.Context, f tsunagari.MailFilter) ([]*tsunagari.Mail, error) {
	var (
		where string
		args  []any
	)
	if f.To != "" {
		where, args = `to_address = ?`, append(args, f.To)
	}
	if f.Unsent {
		if where != "" {
			where += ` AND `
		}
		where += `sent_at IS NULL`
	}
	return findMail(ctx, s.db.read, where, limitClause(f.Limit, 0), args...)
}

// MarkMailSent returns ErrNotFound if there is no such message. Attempts
// counts failed deliveries, so it is left as it is, and so is the last
// error.
func (s *outboxStore) MarkMailSent(ctx context.Context, id string, at time.Time) error {
	res, err := s.db.write.ExecContext(ctx,
		`UPDATE outbox SET sent_at = ?, body = '' WHERE id = ?`,
		at.Unix(), id)
	if err != nil {
		return translate(err)
	}
	return checkAffected(res)
}

// MarkMailFailed counts a failed attempt; ErrNotFound if there is no such
// message.
func (s *outboxStore) MarkMailFailed(ctx context.Context, id string, errText string) error {
	res, err := s.db.write.ExecContext(ctx,
		`UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE id = ?`, errText, id)
	if err != nil {
		return translate(err)
	}
	return checkAffected(res)
}

// ClaimMail claims the oldest message free to send, in one statement on
// the one writer connection.
func (s *outboxStore) ClaimMail(ctx context.Context, c tsunagari.MailClaim) (*tsunagari.Mail, error) {
	rows, err := s.db.write.QueryContext(ctx, `
		UPDATE outbox SET claimed_until = ?
		WHERE id = (
			SELECT id FROM outbox
			WHERE sent_at IS NULL AND attempts < ? AND (claimed_until IS NULL OR claimed_until <= ?)
			ORDER BY created_at, rowid
			LIMIT 1)
		RETURNING `+mailColumns, c.Until.Unix(), c.MaxAttempts, c.Now.Unix())
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, translate(err)
		}
		return nil, tsunagari.ErrNotFound
	}
	m, err := scanMail(rows)
	if err != nil {
		return nil, translate(err)
	}
	return m, translate(rows.Close())
}
