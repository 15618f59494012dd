package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"tsunagari"
)

// AuditStore implements tsunagari.AuditStore.
type AuditStore struct {
	db *DB
}

var _ tsunagari.AuditStore = (*AuditStore)(nil)

var auditColumns = []string{
	"seq", "at", "actor_id", "action", "outcome", "target_type", "target_id", "org_id", "ip", "detail", "prev_hash", "hash",
}

var auditSelect = `SELECT ` + prefixed("", auditColumns) + ` FROM audit_events`

func scanAudit(row scanner) (*tsunagari.AuditEvent, error) {
	var (
		e                                tsunagari.AuditEvent
		actor, targetType, target, orgID *string
		outcome                          string
	)
	if err := row.Scan(&e.Seq, &e.At, &actor, &e.Action, &outcome, &targetType, &target, &orgID,
		&e.IP, &e.Detail, &e.PrevHash, &e.Hash); err != nil {
		return nil, err
	}
	e.At, e.Outcome = e.At.UTC(), tsunagari.Outcome(outcome)
	e.ActorID, e.TargetType, e.TargetID, e.OrgID = nullEmpty(actor), nullEmpty(targetType), nullEmpty(target), nullEmpty(orgID)
	return &e, nil
}

func (s *AuditStore) find(ctx context.Context, query string, args ...any) ([]*tsunagari.AuditEvent, error) {
	rows, err := s.db.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, wrap("find audit events", err)
	}
	es, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*tsunagari.AuditEvent, error) { return scanAudit(row) })
	return es, wrap("find audit events", err)
}

// AppendAudit chains and stores events. The transaction first locks the
// table in SHARE ROW EXCLUSIVE mode, which conflicts with itself but not
// with readers, so concurrent appends queue and each sees the last hash.
func (s *AuditStore) AppendAudit(ctx context.Context, events ...*tsunagari.AuditEvent) error {
	if len(events) == 0 {
		return nil
	}
	err := s.db.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `LOCK TABLE audit_events IN SHARE ROW EXCLUSIVE MODE`); err != nil {
			return err
		}
		var (
			seq  int64
			prev string
		)
		err := tx.QueryRow(ctx, `SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1`).Scan(&seq, &prev)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		for _, e := range events {
			seq++
			e.Seq, e.PrevHash, e.At = seq, prev, s.db.orNow(e.At)
			e.Hash = e.ChainHash()
			if _, err := tx.Exec(ctx, insertSQL("audit_events", auditColumns),
				e.Seq, e.At, emptyNull(e.ActorID), e.Action, string(e.Outcome), emptyNull(e.TargetType),
				emptyNull(e.TargetID), emptyNull(e.OrgID), e.IP, e.Detail, e.PrevHash, e.Hash); err != nil {
				return err
			}
			prev = e.Hash
		}
		return nil
	})
	return wrap("append audit", err)
}

// FindAuditEvents returns matching entries, newest first.
func (s *AuditStore) FindAuditEvents(ctx context.Context, f tsunagari.AuditFilter) ([]*tsunagari.AuditEvent, error) {
	return s.find(ctx, auditSelect+`
		WHERE ($1 = '' OR actor_id = $1) AND ($2 = '' OR action = $2) AND ($3 = 0 OR seq < $3)
		ORDER BY seq DESC`+limitOffset(f.Limit, 0), f.ActorID, f.Action, f.Before)
}

// AuditChain returns entries after the given one, in chain order.
func (s *AuditStore) AuditChain(ctx context.Context, after int64, limit int) ([]*tsunagari.AuditEvent, error) {
	return s.find(ctx, auditSelect+` WHERE seq > $1 ORDER BY seq`+limitOffset(limit, 0), after)
}
