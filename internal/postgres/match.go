package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"tsunagari"
)

// MatchStore implements tsunagari.MatchStore.
type MatchStore struct {
	db *DB
}

var _ tsunagari.MatchStore = (*MatchStore)(nil)

func (s *MatchStore) FindMatchWeights(ctx context.Context) (*tsunagari.MatchWeights, error) {
	var (
		w         tsunagari.MatchWeights
		updatedBy *string
	)
	err := s.db.pool.QueryRow(ctx, `
		SELECT values_weight, themes_weight, background_weight, experience_weight, diversity, views_per_session,
			updated_at, updated_by
		FROM match_weights WHERE id = 1`,
	).Scan(&w.Values, &w.Themes, &w.Background, &w.Experience, &w.Diversity, &w.ViewsPerSession, &w.UpdatedAt, &updatedBy)
	if errors.Is(err, pgx.ErrNoRows) {
		return tsunagari.DefaultMatchWeights(), nil
	}
	if err != nil {
		return nil, wrap("find match weights", err)
	}
	w.UpdatedAt, w.UpdatedBy = w.UpdatedAt.UTC(), nullEmpty(updatedBy)
	return &w, nil
}

func (s *MatchStore) SaveMatchWeights(ctx context.Context, w *tsunagari.MatchWeights) error {
	w.UpdatedAt = s.db.orNow(w.UpdatedAt)
	_, err := s.db.pool.Exec(ctx, `
		INSERT INTO match_weights (id, values_weight, themes_weight, background_weight, experience_weight, diversity,
			views_per_session, updated_at, updated_by)
		VALUES (1, $1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (id) DO UPDATE SET
			values_weight = excluded.values_weight, themes_weight = excluded.themes_weight,
			background_weight = excluded.background_weight, experience_weight = excluded.experience_weight,
			diversity = excluded.diversity, views_per_session = excluded.views_per_session,
			updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
		w.Values, w.Themes, w.Background, w.Experience, w.Diversity, w.ViewsPerSession, w.UpdatedAt, emptyNull(w.UpdatedBy))
	return wrap("save match weights", err)
}

func (s *MatchStore) MatchVersion(ctx context.Context) (int64, error) {
	// A fresh sequence reports last_value 1 before its first nextval, as
	// after it: is_called tells the two apart.
	var v int64
	err := s.db.pool.QueryRow(ctx, `SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM match_version`).Scan(&v)
	return v, wrap("match version", err)
}

func (s *MatchStore) Roster(ctx context.Context, q tsunagari.RosterQuery) ([]*tsunagari.RosterEntry, error) {
	var out []*tsunagari.RosterEntry
	byID := map[string]*tsunagari.RosterEntry{}
	err := pgx.BeginTxFunc(ctx, s.db.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, consultantSelect+` WHERE verified_at IS NOT NULL ORDER BY account_id COLLATE "C"`)
		if err != nil {
			return err
		}
		for rows.Next() {
			c, err := scanConsultant(rows)
			if err != nil {
				rows.Close()
				return err
			}
			e := &tsunagari.RosterEntry{Consultant: c, Availability: tsunagari.DefaultAvailability(c.AccountID)}
			out = append(out, e)
			byID[c.AccountID] = e
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}

		var av tsunagari.Availability
		rows, err = tx.Query(ctx, `
			SELECT consultant_id, time_zone, session_minutes, buffer_minutes, weekly_max, closed_on_holidays, updated_at
			FROM availabilities`)
		if err != nil {
			return err
		}
		if _, err := pgx.ForEachRow(rows, []any{&av.ConsultantID, &av.TimeZone, &av.SessionMinutes, &av.BufferMinutes,
			&av.WeeklyMax, &av.ClosedOnHolidays, &av.UpdatedAt}, func() error {
			if e := byID[av.ConsultantID]; e != nil {
				a := av
				a.UpdatedAt = a.UpdatedAt.UTC()
				e.Availability = &a
			}
			return nil
		}); err != nil {
			return err
		}

		var (
			id               string
			day, start, stop int
		)
		rows, err = tx.Query(ctx, `
			SELECT consultant_id, weekday, start_minute, end_minute FROM availability_windows
			ORDER BY consultant_id COLLATE "C", weekday, start_minute`)
		if err != nil {
			return err
		}
		if _, err := pgx.ForEachRow(rows, []any{&id, &day, &start, &stop}, func() error {
			if e := byID[id]; e != nil {
				e.Availability.Weekly = append(e.Availability.Weekly, tsunagari.WeeklyWindow{Weekday: time.Weekday(day),
					Window: tsunagari.Window{Start: tsunagari.Clock(start), End: tsunagari.Clock(stop)}})
			}
			return nil
		}); err != nil {
			return err
		}

		var (
			date           string
			exStart, exEnd *int
		)
		rows, err = tx.Query(ctx, `
			SELECT consultant_id, date, start_minute, end_minute FROM availability_exceptions
			ORDER BY consultant_id COLLATE "C", date COLLATE "C", start_minute`)
		if err != nil {
			return err
		}
		if _, err := pgx.ForEachRow(rows, []any{&id, &date, &exStart, &exEnd}, func() error {
			e := byID[id]
			if e == nil {
				return nil
			}
			a := e.Availability
			if n := len(a.Exceptions); n == 0 || a.Exceptions[n-1].Date != date {
				a.Exceptions = append(a.Exceptions, tsunagari.Exception{Date: date})
			}
			if exStart != nil && exEnd != nil {
				ex := &a.Exceptions[len(a.Exceptions)-1]
				ex.Windows = append(ex.Windows, tsunagari.Window{Start: tsunagari.Clock(*exStart), End: tsunagari.Clock(*exEnd)})
			}
			return nil
		}); err != nil {
			return err
		}

		var from, until time.Time
		rows, err = tx.Query(ctx, `
			SELECT consultant_id, starts_at, blocked_until FROM bookings
			WHERE status IN ('pending', 'confirmed') AND starts_at >= $1 AND starts_at < $2
			ORDER BY consultant_id COLLATE "C", starts_at`, q.HeldFrom, q.HeldTo)
		if err != nil {
			return err
		}
		if _, err := pgx.ForEachRow(rows, []any{&id, &from, &until}, func() error {
			if e := byID[id]; e != nil {
				e.Held = append(e.Held, tsunagari.Slot{Start: from.UTC(), End: until.UTC()})
			}
			return nil
		}); err != nil {
			return err
		}

		var g tsunagari.ClientGroup
		rows, err = tx.Query(ctx, `
			SELECT b.consultant_id, a.age_band, a.job_family, count(DISTINCT b.member_id)
			FROM bookings b JOIN accounts a ON a.id = b.member_id
			WHERE b.status = 'confirmed' AND b.ends_at <= $1 AND a.age_band <> '' AND a.job_family <> ''
			GROUP BY b.consultant_id, a.age_band, a.job_family
			ORDER BY b.consultant_id COLLATE "C", a.age_band COLLATE "C", a.job_family COLLATE "C"`, q.ClientsBefore)
		if err != nil {
			return err
		}
		if _, err := pgx.ForEachRow(rows, []any{&id, &g.AgeBand, &g.JobFamily, &g.Clients}, func() error {
			if e := byID[id]; e != nil {
				e.Clients = append(e.Clients, g)
			}
			return nil
		}); err != nil {
			return err
		}

		var shown int
		rows, err = tx.Query(ctx, `
			SELECT consultant_id, sum(shown)::integer FROM consultant_exposures WHERE day >= $1 GROUP BY consultant_id`,
			q.ShownSince)
		if err != nil {
			return err
		}
		_, err = pgx.ForEachRow(rows, []any{&id, &shown}, func() error {
			if e := byID[id]; e != nil {
				e.Shown = shown
			}
			return nil
		})
		return err
	})
	if err != nil {
		return nil, wrap("roster", err)
	}
	return out, nil
}

func (s *MatchStore) RecordShown(ctx context.Context, day int, consultantIDs []string) error {
	if len(consultantIDs) == 0 {
		return nil
	}
	// One statement over the sorted IDs: concurrent calls lock the rows
	// in the same order and never deadlock.
	_, err := s.db.pool.Exec(ctx, `
		INSERT INTO consultant_exposures (consultant_id, day, shown)
		SELECT c.account_id, $1, 1 FROM consultants c
		WHERE c.account_id = ANY ($2::text[])
		ORDER BY c.account_id COLLATE "C"
		ON CONFLICT (consultant_id, day) DO UPDATE SET shown = consultant_exposures.shown + 1`,
		day, dedupe(consultantIDs))
	return wrap("record shown", err)
}

// dedupe returns ids without repeats, in order.
func dedupe(ids []string) []string {
	seen := make(map[string]bool, len(ids))
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// Marks.

func (s *MatchStore) SetMark(ctx context.Context, m *tsunagari.ConsultantMark) error {
	m.CreatedAt = s.db.orNow(m.CreatedAt)
	_, err := s.db.pool.Exec(ctx, `
		INSERT INTO consultant_marks (member_id, consultant_id, mark, created_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (member_id, consultant_id) DO UPDATE SET mark = excluded.mark, created_at = excluded.created_at`,
		m.MemberID, m.ConsultantID, string(m.Kind), m.CreatedAt)
	return wrap("set mark", err)
}

func (s *MatchStore) DeleteMark(ctx context.Context, memberID, consultantID string) error {
	return wrap("delete mark", affectedOne(s.db.pool.Exec(ctx,
		`DELETE FROM consultant_marks WHERE member_id = $1 AND consultant_id = $2`, memberID, consultantID)))
}

func (s *MatchStore) FindMarks(ctx context.Context, memberID string) ([]*tsunagari.ConsultantMark, error) {
	rows, err := s.db.pool.Query(ctx, `
		SELECT consultant_id, mark, created_at FROM consultant_marks WHERE member_id = $1
		ORDER BY created_at DESC, consultant_id COLLATE "C"`, memberID)
	if err != nil {
		return nil, wrap("find marks", err)
	}
	var (
		out  []*tsunagari.ConsultantMark
		id   string
		kind string
		at   time.Time
	)
	if _, err := pgx.ForEachRow(rows, []any{&id, &kind, &at}, func() error {
		out = append(out, &tsunagari.ConsultantMark{MemberID: memberID, ConsultantID: id, Kind: tsunagari.MarkKind(kind), CreatedAt: at.UTC()})
		return nil
	}); err != nil {
		return nil, wrap("find marks", err)
	}
	return out, nil
}
