package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"tsunagari"
)

// auditStore implements tsunagari.AuditStore.
type auditStore struct{ db *DB }

var _ tsunagari.AuditStore = (*auditStore)(nil)

const auditColumns = `
	seq, at, actor_id, action, outcome, target_type, target_id, org_id, ip, detail, prev_hash, hash`

func scanAudit(rows *sql.Rows) (*tsunagari.AuditEvent, error) {
	var (
		e                                tsunagari.AuditEvent
		at                               int64
		actor, targetType, target, orgID sql.NullString
		outcome                          string
	)
	if err := rows.Scan(&e.Seq, &at, &actor, &e.Action, &outcome, &targetType, &target, &orgID,
		&e.IP, &e.Detail, &e.PrevHash, &e.Hash); err != nil {
		return nil, err
	}
	e.At, e.Outcome = unixTime(at), tsunagari.Outcome(outcome)
	e.ActorID, e.TargetType, e.TargetID, e.OrgID = actor.String, targetType.String, target.String, orgID.String
	return &e, nil
}

func findAudit(ctx context.Context, q querier, query string, args ...any) ([]*tsunagari.AuditEvent, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var es []*tsunagari.AuditEvent
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return nil, err
		}
		es = append(es, e)
	}
	return es, rows.Err()
}

// AppendAudit chains and stores events. The write transaction begins
// IMMEDIATE, so it holds SQLite's single write lock from reading the last
// entry to committing the new ones: appends are serialised.
func (s *auditStore) AppendAudit(ctx context.Context, events ...*tsunagari.AuditEvent) error {
	if len(events) == 0 {
		return nil
	}
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		var (
			seq  int64
			prev string
		)
		err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1`).Scan(&seq, &prev)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("append audit: %w", err)
		}
		for _, e := range events {
			seq++
			e.Seq, e.PrevHash, e.At = seq, prev, s.db.orNow(e.At)
			e.Hash = e.ChainHash()
			if _, err := tx.ExecContext(ctx, `INSERT INTO audit_events (`+auditColumns+`)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				e.Seq, e.At.Unix(), nullString(e.ActorID), e.Action, string(e.Outcome), nullString(e.TargetType),
				nullString(e.TargetID), nullString(e.OrgID), e.IP, e.Detail, e.PrevHash, e.Hash); err != nil {
				return fmt.Errorf("append audit: %w", err)
			}
			prev = e.Hash
		}
		return nil
	})
}

// FindAuditEvents returns matching entries, newest first.
func (s *auditStore) FindAuditEvents(ctx context.Context, f tsunagari.AuditFilter) ([]*tsunagari.AuditEvent, error) {
	where, args := `1 = 1`, []any{}
	if f.ActorID != "" {
		where, args = where+` AND actor_id = ?`, append(args, f.ActorID)
	}
	if f.Action != "" {
		where, args = where+` AND action = ?`, append(args, f.Action)
	}
	if f.Before > 0 {
		where, args = where+` AND seq < ?`, append(args, f.Before)
	}
	return findAudit(ctx, s.db.read,
		`SELECT `+auditColumns+` FROM audit_events WHERE `+where+` ORDER BY seq DESC`+limitClause(f.Limit, 0), args...)
}

// AuditChain returns entries after the given one, in chain order.
func (s *auditStore) AuditChain(ctx context.Context, after int64, limit int) ([]*tsunagari.AuditEvent, error) {
	return findAudit(ctx, s.db.read,
		`SELECT `+auditColumns+` FROM audit_events WHERE seq > ? ORDER BY seq`+limitClause(limit, 0), after)
}
