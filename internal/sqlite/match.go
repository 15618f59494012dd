package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"tsunagari"
)

// matchStore implements tsunagari.MatchStore.
type matchStore struct{ db *DB }

var _ tsunagari.MatchStore = (*matchStore)(nil)

func (s *matchStore) FindMatchWeights(ctx context.Context) (*tsunagari.MatchWeights, error) {
	var (
		w         tsunagari.MatchWeights
		updatedAt int64
		updatedBy sql.NullString
	)
	err := s.db.read.QueryRowContext(ctx, `
		SELECT values_weight, themes_weight, background_weight, experience_weight, diversity, views_per_session,
			updated_at, updated_by
		FROM match_weights WHERE id = 1`,
	).Scan(&w.Values, &w.Themes, &w.Background, &w.Experience, &w.Diversity, &w.ViewsPerSession, &updatedAt, &updatedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return tsunagari.DefaultMatchWeights(), nil
	}
	if err != nil {
		return nil, err
	}
	w.UpdatedAt, w.UpdatedBy = unixTime(updatedAt), updatedBy.String
	return &w, nil
}

func (s *matchStore) SaveMatchWeights(ctx context.Context, w *tsunagari.MatchWeights) error {
	w.UpdatedAt = s.db.orNow(w.UpdatedAt)
	_, err := s.db.write.ExecContext(ctx, `
		INSERT INTO match_weights (id, values_weight, themes_weight, background_weight, experience_weight, diversity,
			views_per_session, updated_at, updated_by)
		VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET
			values_weight = excluded.values_weight, themes_weight = excluded.themes_weight,
			background_weight = excluded.background_weight, experience_weight = excluded.experience_weight,
			diversity = excluded.diversity, views_per_session = excluded.views_per_session,
			updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
		w.Values, w.Themes, w.Background, w.Experience, w.Diversity, w.ViewsPerSession, w.UpdatedAt.Unix(),
		nullString(w.UpdatedBy))
	return translate(err)
}

func (s *matchStore) MatchVersion(ctx context.Context) (int64, error) {
	var v int64
	err := s.db.read.QueryRowContext(ctx, `SELECT version FROM match_version WHERE id = 1`).Scan(&v)
	return v, err
}

func (s *matchStore) Roster(ctx context.Context, q tsunagari.RosterQuery) ([]*tsunagari.RosterEntry, error) {
	tx, err := s.db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()

	rows, err := tx.QueryContext(ctx, `SELECT `+consultantColumns+` FROM consultants
		WHERE verified_at IS NOT NULL ORDER BY account_id`)
	if err != nil {
		return nil, err
	}
	var out []*tsunagari.RosterEntry
	byID := map[string]*tsunagari.RosterEntry{}
	for rows.Next() {
		c, err := scanConsultant(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		e := &tsunagari.RosterEntry{Consultant: c, Availability: tsunagari.DefaultAvailability(c.AccountID)}
		out = append(out, e)
		byID[c.AccountID] = e
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}

	if err := rosterAvailability(ctx, tx, byID); err != nil {
		return nil, err
	}

	held, err := tx.QueryContext(ctx, `
		SELECT consultant_id, starts_at, blocked_until FROM bookings
		WHERE status IN ('pending', 'confirmed') AND starts_at >= ? AND starts_at < ?
		ORDER BY consultant_id, starts_at`, q.HeldFrom.Unix(), q.HeldTo.Unix())
	if err != nil {
		return nil, err
	}
	for held.Next() {
		var (
			id          string
			start, stop int64
		)
		if err := held.Scan(&id, &start, &stop); err != nil {
			held.Close()
			return nil, err
		}
		if e := byID[id]; e != nil {
			e.Held = append(e.Held, tsunagari.Slot{Start: unixTime(start), End: unixTime(stop)})
		}
	}
	held.Close()
	if err := held.Err(); err != nil {
		return nil, err
	}

	clients, err := tx.QueryContext(ctx, `
		SELECT b.consultant_id, a.age_band, a.job_family, count(DISTINCT b.member_id)
		FROM bookings b JOIN accounts a ON a.id = b.member_id
		WHERE b.status = 'confirmed' AND b.ends_at <= ? AND a.age_band <> '' AND a.job_family <> ''
		GROUP BY b.consultant_id, a.age_band, a.job_family
		ORDER BY b.consultant_id, a.age_band, a.job_family`, q.ClientsBefore.Unix())
	if err != nil {
		return nil, err
	}
	for clients.Next() {
		var (
			id string
			g  tsunagari.ClientGroup
		)
		if err := clients.Scan(&id, &g.AgeBand, &g.JobFamily, &g.Clients); err != nil {
			clients.Close()
			return nil, err
		}
		if e := byID[id]; e != nil {
			e.Clients = append(e.Clients, g)
		}
	}
	clients.Close()
	if err := clients.Err(); err != nil {
		return nil, err
	}

	shown, err := tx.QueryContext(ctx, `
		SELECT consultant_id, sum(shown) FROM consultant_exposures WHERE day >= ? GROUP BY consultant_id`, q.ShownSince)
	if err != nil {
		return nil, err
	}
	defer shown.Close()
	for shown.Next() {
		var (
			id string
			n  int
		)
		if err := shown.Scan(&id, &n); err != nil {
			return nil, err
		}
		if e := byID[id]; e != nil {
			e.Shown = n
		}
	}
	return out, shown.Err()
}

// rosterAvailability fills in the availability of every consultant of
// byID that saved one.
func rosterAvailability(ctx context.Context, tx *sql.Tx, byID map[string]*tsunagari.RosterEntry) error {
	rows, err := tx.QueryContext(ctx, `
		SELECT consultant_id, time_zone, session_minutes, buffer_minutes, weekly_max, closed_on_holidays, updated_at
		FROM availabilities`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var (
			av      tsunagari.Availability
			updated int64
		)
		if err := rows.Scan(&av.ConsultantID, &av.TimeZone, &av.SessionMinutes, &av.BufferMinutes, &av.WeeklyMax,
			&av.ClosedOnHolidays, &updated); err != nil {
			rows.Close()
			return err
		}
		av.UpdatedAt = unixTime(updated)
		if e := byID[av.ConsultantID]; e != nil {
			e.Availability = &av
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}

	rows, err = tx.QueryContext(ctx, `
		SELECT consultant_id, weekday, start_minute, end_minute FROM availability_windows
		ORDER BY consultant_id, weekday, start_minute`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var (
			id               string
			day, start, stop int
		)
		if err := rows.Scan(&id, &day, &start, &stop); err != nil {
			rows.Close()
			return err
		}
		if e := byID[id]; e != nil {
			e.Availability.Weekly = append(e.Availability.Weekly, tsunagari.WeeklyWindow{Weekday: time.Weekday(day),
				Window: tsunagari.Window{Start: tsunagari.Clock(start), End: tsunagari.Clock(stop)}})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}

	rows, err = tx.QueryContext(ctx, `
		SELECT consultant_id, date, start_minute, end_minute FROM availability_exceptions
		ORDER BY consultant_id, date, start_minute`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id, date    string
			start, stop sql.NullInt64
		)
		if err := rows.Scan(&id, &date, &start, &stop); err != nil {
			return err
		}
		e := byID[id]
		if e == nil {
			continue
		}
		av := e.Availability
		if n := len(av.Exceptions); n == 0 || av.Exceptions[n-1].Date != date {
			av.Exceptions = append(av.Exceptions, tsunagari.Exception{Date: date})
		}
		if start.Valid && stop.Valid {
			ex := &av.Exceptions[len(av.Exceptions)-1]
			ex.Windows = append(ex.Windows, tsunagari.Window{Start: tsunagari.Clock(start.Int64), End: tsunagari.Clock(stop.Int64)})
		}
	}
	return rows.Err()
}

func (s *matchStore) RecordShown(ctx context.Context, day int, consultantIDs []string) error {
	if len(consultantIDs) == 0 {
		return nil
	}
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		seen := make(map[string]bool, len(consultantIDs))
		for _, id := range consultantIDs {
			if seen[id] {
				continue
			}
			seen[id] = true
			if _, err := tx.ExecContext(ctx, `
				INSERT INTO consultant_exposures (consultant_id, day, shown)
				SELECT account_id, ?, 1 FROM consultants WHERE account_id = ?
				ON CONFLICT (consultant_id, day) DO UPDATE SET shown = shown + 1`, day, id); err != nil {
				return err
			}
		}
		return nil
	})
}

// Marks.

func (s *matchStore) SetMark(ctx context.Context, m *tsunagari.ConsultantMark) error {
	m.CreatedAt = s.db.orNow(m.CreatedAt)
	_, err := s.db.write.ExecContext(ctx, `
		INSERT INTO consultant_marks (member_id, consultant_id, mark, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (member_id, consultant_id) DO UPDATE SET mark = excluded.mark, created_at = excluded.created_at`,
		m.MemberID, m.ConsultantID, string(m.Kind), m.CreatedAt.Unix())
	return translate(err)
}

func (s *matchStore) DeleteMark(ctx context.Context, memberID, consultantID string) error {
	res, err := s.db.write.ExecContext(ctx,
		`DELETE FROM consultant_marks WHERE member_id = ? AND consultant_id = ?`, memberID, consultantID)
	if err != nil {
		return translate(err)
	}
	return checkAffected(res)
}

func (s *matchStore) FindMarks(ctx context.Context, memberID string) ([]*tsunagari.ConsultantMark, error) {
	rows, err := s.db.read.QueryContext(ctx, `
		SELECT consultant_id, mark, created_at FROM consultant_marks WHERE member_id = ?
		ORDER BY created_at DESC, consultant_id`, memberID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*tsunagari.ConsultantMark
	for rows.Next() {
		m := &tsunagari.ConsultantMark{MemberID: memberID}
		var (
			kind string
			at   int64
		)
		if err := rows.Scan(&m.ConsultantID, &kind, &at); err != nil {
			return nil, err
		}
		m.Kind, m.CreatedAt = tsunagari.MarkKind(kind), unixTime(at)
		out = append(out, m)
	}
	return out, rows.Err()
}
