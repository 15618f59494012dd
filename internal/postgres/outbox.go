package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"tsunagari"
)

// OutboxStore implements tsunagari.OutboxStore.
type OutboxStore struct {
	db *DB
}

var _ tsunagari.OutboxStore = (*OutboxStore)(nil)

// mailColumns are the columns of outbox, in the order of mailValues and
// scanMail.
var mailColumns = []string{
	"id", "recipient", "subject", "body", "kind", "created_at", "sent_at", "attempts", "last_error",
}

var mailSelect = `SELECT ` + prefixed("", mailColumns) + ` FROM outbox`

func mailValues(m *tsunagari.Mail) []any {
	return []any{m.ID, m.To, m.Subject, m.Body, m.Kind, m.CreatedAt, m.SentAt, m.Attempts, m.LastError}
}

func scanMail(row scanner) (*tsunagari.Mail, error) {
	var m tsunagari.Mail
	if err := row.Scan(&m.ID, &m.To, &m.Subject, &m.Body, &m.Kind, &m.CreatedAt, &m.SentAt, &m.Attempts, &m.LastError); err != nil {
		return nil, err
	}
	m.CreatedAt, m.SentAt = m.CreatedAt.UTC(), utcPtr(m.SentAt)
	return &m, nil
}

// prepareMail sets the ID and CreatedAt the store owns.
func (db *DB) prepareMail(m *tsunagari.Mail) {
	if m.ID == "" {
		m.ID = tsunagari.NewID()
	}
	m.CreatedAt, m.SentAt = db.orNow(m.CreatedAt), stampPtr(m.SentAt)
}

// insertMail writes one message to the outbox.
func (db *DB) insertMail(ctx context.Context, q querier, m *tsunagari.Mail) error {
	db.prepareMail(m)
	_, err := q.Exec(ctx, insertSQL("outbox", mailColumns), mailValues(m)...)
	return err
}

// insertMails writes messages to the outbox with COPY, in their order.
func (db *DB) insertMails(ctx context.Context, tx pgx.Tx, mails []*tsunagari.Mail) error {
	if len(mails) == 0 {
		return nil
	}
	rows := make([][]any, 0, len(mails))
	for _, m := range mails {
		if m == nil {
			continue
		}
		db.prepareMail(m)
		rows = append(rows, mailValues(m))
	}
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"outbox"}, mailColumns, pgx.CopyFromRows(rows))
	return err
}

// EnqueueMail stores m, setting m.ID unless preset and m.CreatedAt if
// zero. It returns ErrConflict if the ID is taken.
func (s *OutboxStore) EnqueueMail(ctx context.Context, m *tsunagari.Mail) error {
	return wrap("enqueue mail", s.db.insertMail(ctx, s.db.pool, m))
}

// FindMail returns messages newest first; a Limit of zero returns all.
func (s *OutboxStore) FindMail(ctx context.Context, f tsunagari.MailFilter) ([]*tsunagari.Mail, error) {
	where, args := []string{"TRUE"}, []any{}
	if f.To != "" {
		args = append(args, f.To)
		where = append(where, fmt.Sprintf("recipient = $%d", len(args)))
	}
	if f.Unsent {
		where = append(where, "sent_at IS NULL")
	}
	rows, err := s.db.pool.Query(ctx, mailSelect+` WHERE `+strings.Join(where, " AND ")+
		` ORDER BY created_at DESC, seq DESC`+limitOffset(f.Limit, 0), args...)
	if err != nil {
		return nil, wrap("find mail", err)
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*tsunagari.Mail, error) {
		return scanMail(row)
	})
	return list, wrap("find mail", err)
}

// MarkMailSent records delivery at the given time and erases the body,
// which may carry a secret link that must not outlive its delivery;
// ErrNotFound if there is no such message.
func (s *OutboxStore) MarkMailSent(ctx context.Context, id string, at time.Time) error {
	err := affectedOne(s.db.pool.Exec(ctx,
		`UPDATE outbox SET sent_at = $2, body = '' WHERE id = $1`, id, stamp(at)))
	return wrap("mark mail sent", err)
}

// MarkMailFailed counts a failed delivery attempt and records its error;
// ErrNotFound if there is no such message.
func (s *OutboxStore) MarkMailFailed(ctx context.Context, id string, errText string) error {
	err := affectedOne(s.db.pool.Exec(ctx,
		`UPDATE outbox SET attempts = attempts + 1, last_error = $2 WHERE id = $1`, id, errText))
	return wrap("mark mail failed", err)
}

// ClaimMail claims the oldest message free to send. SKIP LOCKED passes
// over a message another server is claiming at this instant; a message
// whose claim commits meanwhile fails the recheck of the WHERE clause, so
// no two servers ever claim one message.
func (s *OutboxStore) ClaimMail(ctx context.Context, c tsunagari.MailClaim) (*tsunagari.Mail, error) {
	m, err := scanMail(s.db.pool.QueryRow(ctx, `
		UPDATE outbox SET claimed_until = $2
		WHERE id = (
			SELECT id FROM outbox
			WHERE sent_at IS NULL AND attempts < $3 AND (claimed_until IS NULL OR claimed_until <= $1)
			ORDER BY created_at, seq
			LIMIT 1
			FOR UPDATE SKIP LOCKED)
		RETURNING `+prefixed("", mailColumns), c.Now, c.Until, c.MaxAttempts))
	return m, wrap("claim mail", err)
}
