package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"tsunagari"
)

// ConsultationStore implements tsunagari.ConsultationStore.
type ConsultationStore struct {
	db *DB
}

var _ tsunagari.ConsultationStore = (*ConsultationStore)(nil)

// SQLSTATE of an exclusion constraint violation: here, an overlapping
// booking.
const codeExclusionViolation = "23P01"

// toJSON encodes a list for a JSON text column; nil is stored as [].
func toJSON[T any](v []T) string {
	if v == nil {
		return "[]"
	}
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // lists of strings and scores always encode
	}
	return string(b)
}

// fromJSON decodes a JSON text column into a list, never nil.
func fromJSON[T any](s string) ([]T, error) {
	out := []T{}
	if s == "" {
		return out, nil
	}
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		return nil, fmt.Errorf("decode %q: %w", s, err)
	}
	return out, nil
}

var consultantColumns = []string{
	"account_id", "display_name", "registration_number", "verified_at", "verified_by", "years_of_practice",
	"industries", "job_families", "age_band", "gender", "themes", "value_scores", "message", "languages",
	"online", "in_person", "area", "fee_yen", "employer_paid", "auto_accept", "meeting_url", "created_at", "updated_at",
}

var consultantSelect = `SELECT ` + prefixed("", consultantColumns) + ` FROM consultants`

func consultantValues(c *tsunagari.Consultant) []any {
	return []any{c.AccountID, c.DisplayName, c.RegistrationNumber, c.VerifiedAt, emptyNull(c.VerifiedBy), c.YearsOfPractice,
		toJSON(c.Industries), toJSON(c.JobFamilies), c.AgeBand, c.Gender, toJSON(c.Themes), toJSON(c.Values), c.Message,
		toJSON(c.Languages), c.Online, c.InPerson, c.Area, c.FeeYen, c.EmployerPaid, c.AutoAccept, c.MeetingURL,
		c.CreatedAt, c.UpdatedAt}
}

func scanConsultant(row scanner) (*tsunagari.Consultant, error) {
	var (
		c                                                  tsunagari.Consultant
		verifiedBy                                         *string
		industries, jobFamilies, themes, values, languages string
	)
	if err := row.Scan(&c.AccountID, &c.DisplayName, &c.RegistrationNumber, &c.VerifiedAt, &verifiedBy, &c.YearsOfPractice,
		&industries, &jobFamilies, &c.AgeBand, &c.Gender, &themes, &values, &c.Message, &languages,
		&c.Online, &c.InPerson, &c.Area, &c.FeeYen, &c.EmployerPaid, &c.AutoAccept, &c.MeetingURL, &c.CreatedAt, &c.UpdatedAt,
	); err != nil {
		return nil, err
	}
	var err error
	if c.Industries, err = fromJSON[string](industries); err != nil {
		return nil, err
	}
	if c.JobFamilies, err = fromJSON[string](jobFamilies); err != nil {
		return nil, err
	}
	if c.Themes, err = fromJSON[string](themes); err != nil {
		return nil, err
	}
	if c.Values, err = fromJSON[tsunagari.Score](values); err != nil {
		return nil, err
	}
	if c.Languages, err = fromJSON[string](languages); err != nil {
		return nil, err
	}
	c.VerifiedAt, c.VerifiedBy = utcPtr(c.VerifiedAt), nullEmpty(verifiedBy)
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	return &c, nil
}

func (s *ConsultationStore) SaveConsultant(ctx context.Context, c *tsunagari.Consultant) error {
	err := s.db.inTx(ctx, func(tx pgx.Tx) error {
		old, err := scanConsultant(tx.QueryRow(ctx, consultantSelect+` WHERE account_id = $1 FOR UPDATE`, c.AccountID))
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			old = nil
		case err != nil:
			return err
		}
		c.UpdatedAt = s.db.orNow(c.UpdatedAt)
		c.VerifiedAt, c.VerifiedBy = nil, ""
		if old != nil {
			c.CreatedAt = old.CreatedAt
			if old.RegistrationNumber == c.RegistrationNumber {
				c.VerifiedAt, c.VerifiedBy = old.VerifiedAt, old.VerifiedBy
			}
		} else {
			c.CreatedAt = s.db.orNow(c.CreatedAt)
		}
		var set []string
		for _, col := range consultantColumns[1:] {
			if col != "created_at" {
				set = append(set, col+" = excluded."+col)
			}
		}
		_, err = tx.Exec(ctx, insertSQL("consultants", consultantColumns)+
			` ON CONFLICT (account_id) DO UPDATE SET `+strings.Join(set, ", "), consultantValues(c)...)
		return err
	})
	return wrap("save consultant", err)
}

func (s *ConsultationStore) FindConsultant(ctx context.Context, accountID string) (*tsunagari.Consultant, error) {
	c, err := scanConsultant(s.db.pool.QueryRow(ctx, consultantSelect+` WHERE account_id = $1`, accountID))
	if err != nil {
		return nil, wrap("find consultant", err)
	}
	return c, nil
}

func (s *ConsultationStore) FindConsultants(ctx context.Context, f tsunagari.ConsultantFilter) ([]*tsunagari.Consultant, int, error) {
	var (
		conds []string
		args  []any
	)
	if f.Verified {
		conds = append(conds, `verified_at IS NOT NULL`)
	}
	if f.Unverified {
		conds = append(conds, `verified_at IS NULL`)
	}
	if f.Theme != "" {
		args = append(args, f.Theme)
		conds = append(conds, fmt.Sprintf(`themes::jsonb ? $%d`, len(args)))
	}
	where := ""
	if len(conds) > 0 {
		where = ` WHERE ` + strings.Join(conds, ` AND `)
	}
	var (
		out   []*tsunagari.Consultant
		total int
	)
	err := pgx.BeginTxFunc(ctx, s.db.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM consultants`+where, args...).Scan(&total); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, consultantSelect+where+` ORDER BY display_name COLLATE "C", account_id`+
			limitOffset(f.Limit, f.Offset), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			c, err := scanConsultant(rows)
			if err != nil {
				return err
			}
			out = append(out, c)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, 0, wrap("find consultants", err)
	}
	return out, total, nil
}

func (s *ConsultationStore) VerifyConsultant(ctx context.Context, accountID, operatorID string, at time.Time) error {
	var (
		tag pgconn.CommandTag
		err error
	)
	if at.IsZero() {
		tag, err = s.db.pool.Exec(ctx,
			`UPDATE consultants SET verified_at = NULL, verified_by = NULL WHERE account_id = $1`, accountID)
	} else {
		tag, err = s.db.pool.Exec(ctx,
			`UPDATE consultants SET verified_at = $2, verified_by = $3 WHERE account_id = $1`,
			accountID, stamp(at), emptyNull(operatorID))
	}
	return wrap("verify consultant", affectedOne(tag, err))
}

// Availability.

func (s *ConsultationStore) SaveAvailability(ctx context.Context, av *tsunagari.Availability) error {
	av.UpdatedAt = s.db.orNow(av.UpdatedAt)
	err := s.db.inTx(ctx, func(tx pgx.Tx) error {
		if err := consultantExists(ctx, tx, av.ConsultantID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `
			INSERT INTO availabilities (consultant_id, time_zone, session_minutes, buffer_minutes, weekly_max,
				closed_on_holidays, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)
			ON CONFLICT (consultant_id) DO UPDATE SET
				time_zone = excluded.time_zone, session_minutes = excluded.session_minutes,
				buffer_minutes = excluded.buffer_minutes, weekly_max = excluded.weekly_max,
				closed_on_holidays = excluded.closed_on_holidays, updated_at = excluded.updated_at`,
			av.ConsultantID, av.TimeZone, av.SessionMinutes, av.BufferMinutes, av.WeeklyMax, av.ClosedOnHolidays,
			av.UpdatedAt); err != nil {
			return err
		}
		for _, table := range []string{"availability_windows", "availability_exceptions"} {
			if _, err := tx.Exec(ctx, `DELETE FROM `+table+` WHERE consultant_id = $1`, av.ConsultantID); err != nil {
				return err
			}
		}
		for _, w := range av.Weekly {
			if _, err := tx.Exec(ctx, `
				INSERT INTO availability_windows (consultant_id, weekday, start_minute, end_minute) VALUES ($1, $2, $3, $4)`,
				av.ConsultantID, int(w.Weekday), int(w.Start), int(w.End)); err != nil {
				return err
			}
		}
		for _, ex := range av.Exceptions {
			if len(ex.Windows) == 0 {
				if _, err := tx.Exec(ctx, `
					INSERT INTO availability_exceptions (consultant_id, date) VALUES ($1, $2)`, av.ConsultantID, ex.Date); err != nil {
					return err
				}
			}
			for _, w := range ex.Windows {
				if _, err := tx.Exec(ctx, `
					INSERT INTO availability_exceptions (consultant_id, date, start_minute, end_minute) VALUES ($1, $2, $3, $4)`,
					av.ConsultantID, ex.Date, int(w.Start), int(w.End)); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return wrap("save availability", err)
}

func consultantExists(ctx context.Context, q querier, id string) error {
	var ok bool
	if err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM consultants WHERE account_id = $1)`, id).Scan(&ok); err != nil {
		return err
	}
	if !ok {
		return tsunagari.ErrNotFound
	}
	return nil
}

func (s *ConsultationStore) FindAvailability(ctx context.Context, consultantID string) (*tsunagari.Availability, error) {
	av := tsunagari.DefaultAvailability(consultantID)
	err := pgx.BeginTxFunc(ctx, s.db.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		if err := consultantExists(ctx, tx, consultantID); err != nil {
			return err
		}
		err := tx.QueryRow(ctx, `
			SELECT time_zone, session_minutes, buffer_minutes, weekly_max, closed_on_holidays, updated_at
			FROM availabilities WHERE consultant_id = $1`, consultantID,
		).Scan(&av.TimeZone, &av.SessionMinutes, &av.BufferMinutes, &av.WeeklyMax, &av.ClosedOnHolidays, &av.UpdatedAt)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			return nil
		case err != nil:
			return err
		}
		av.UpdatedAt = av.UpdatedAt.UTC()
		rows, err := tx.Query(ctx, `
			SELECT weekday, start_minute, end_minute FROM availability_windows
			WHERE consultant_id = $1 ORDER BY weekday, start_minute`, consultantID)
		if err != nil {
			return err
		}
		var day, start, end int
		_, err = pgx.ForEachRow(rows, []any{&day, &start, &end}, func() error {
			av.Weekly = append(av.Weekly, tsunagari.WeeklyWindow{Weekday: time.Weekday(day),
				Window: tsunagari.Window{Start: tsunagari.Clock(start), End: tsunagari.Clock(end)}})
			return nil
		})
		if err != nil {
			return err
		}
		rows, err = tx.Query(ctx, `
			SELECT date, start_minute, end_minute FROM availability_exceptions
			WHERE consultant_id = $1 ORDER BY date COLLATE "C", start_minute`, consultantID)
		if err != nil {
			return err
		}
		var (
			date           string
			exStart, exEnd *int
		)
		_, err = pgx.ForEachRow(rows, []any{&date, &exStart, &exEnd}, func() error {
			if n := len(av.Exceptions); n == 0 || av.Exceptions[n-1].Date != date {
				av.Exceptions = append(av.Exceptions, tsunagari.Exception{Date: date})
			}
			if exStart != nil && exEnd != nil {
				ex := &av.Exceptions[len(av.Exceptions)-1]
				ex.Windows = append(ex.Windows, tsunagari.Window{Start: tsunagari.Clock(*exStart), End: tsunagari.Clock(*exEnd)})
			}
			return nil
		})
		return err
	})
	if err != nil {
		return nil, wrap("find availability", err)
	}
	return av, nil
}

// Bookings.

var bookingColumns = []string{
	"id", "consultant_id", "member_id", "starts_at", "ends_at", "blocked_until", "status", "themes", "confirmed_themes",
	"meeting_url", "idempotency_key", "created_at", "confirmed_at", "cancelled_at", "cancelled_by", "late_cancel",
	"rescheduled_from", "rescheduled_to", "reminded_at",
}

var bookingSelect = `SELECT ` + prefixed("", bookingColumns) + ` FROM bookings`

func bookingValues(b *tsunagari.Booking) []any {
	return []any{b.ID, b.ConsultantID, b.MemberID, b.Start, b.End, b.BlockedUntil, string(b.Status),
		toJSON(b.Themes), toJSON(b.ConfirmedThemes), b.MeetingURL, emptyNull(b.IdempotencyKey), b.CreatedAt,
		b.ConfirmedAt, b.CancelledAt, emptyNull(b.CancelledBy), b.LateCancel,
		emptyNull(b.RescheduledFrom), emptyNull(b.RescheduledTo), b.RemindedAt}
}

func scanBooking(row scanner) (*tsunagari.Booking, error) {
	var (
		b                                    tsunagari.Booking
		status, themes, confirmedThemes      string
		consultantID, memberID               *string
		key, cancelledBy, movedFrom, movedTo *string
	)
	if err := row.Scan(&b.ID, &consultantID, &memberID, &b.Start, &b.End, &b.BlockedUntil, &status, &themes,
		&confirmedThemes, &b.MeetingURL, &key, &b.CreatedAt, &b.ConfirmedAt, &b.CancelledAt, &cancelledBy, &b.LateCancel,
		&movedFrom, &movedTo, &b.RemindedAt); err != nil {
		return nil, err
	}
	var err error
	if b.Themes, err = fromJSON[string](themes); err != nil {
		return nil, err
	}
	if b.ConfirmedThemes, err = fromJSON[string](confirmedThemes); err != nil {
		return nil, err
	}
	b.Status = tsunagari.BookingStatus(status)
	b.Start, b.End, b.BlockedUntil, b.CreatedAt = b.Start.UTC(), b.End.UTC(), b.BlockedUntil.UTC(), b.CreatedAt.UTC()
	b.ConfirmedAt, b.CancelledAt, b.RemindedAt = utcPtr(b.ConfirmedAt), utcPtr(b.CancelledAt), utcPtr(b.RemindedAt)
	b.ConsultantID, b.MemberID = nullEmpty(consultantID), nullEmpty(memberID)
	b.IdempotencyKey, b.CancelledBy = nullEmpty(key), nullEmpty(cancelledBy)
	b.RescheduledFrom, b.RescheduledTo = nullEmpty(movedFrom), nullEmpty(movedTo)
	return &b, nil
}

// bookingError turns a violation of the exclusion constraint into
// ErrOverlap and other driver errors into the store vocabulary.
func bookingError(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == codeExclusionViolation {
		return fmt.Errorf("%w: %s", tsunagari.ErrOverlap, pgErr.ConstraintName)
	}
	return translate(err)
}

// lockConsultant locks the consultant's profile row until the end of the
// transaction, so that the bookings of one consultant are written one at
// a time: the weekly count and the idempotency check are then exact. It
// returns ErrNotFound if there is no such profile.
func lockConsultant(ctx context.Context, tx pgx.Tx, consultantID string) error {
	var id string
	return tx.QueryRow(ctx, `SELECT account_id FROM consultants WHERE account_id = $1 FOR UPDATE`, consultantID).Scan(&id)
}

// insertBooking writes b, under the lock of lockConsultant, unless the
// weekly cap forbids. The exclusion constraint, not a prior check, keeps
// active bookings from overlapping.
func (db *DB) insertBooking(ctx context.Context, tx pgx.Tx, b *tsunagari.Booking, cap tsunagari.WeekCap) error {
	if b.ID == "" {
		b.ID = tsunagari.NewID()
	}
	b.CreatedAt = db.orNow(b.CreatedAt)
	b.Start, b.End, b.BlockedUntil = stamp(b.Start), stamp(b.End), stamp(b.BlockedUntil)
	b.ConfirmedAt = stampPtr(b.ConfirmedAt)
	if b.Status.Active() && cap.Max > 0 {
		var n int
		if err := tx.QueryRow(ctx, `
			SELECT count(*) FROM bookings
			WHERE consultant_id = $1 AND status IN ('pending', 'confirmed') AND starts_at >= $2 AND starts_at < $3`,
			b.ConsultantID, stamp(cap.Start), stamp(cap.End)).Scan(&n); err != nil {
			return err
		}
		if n >= cap.Max {
			return tsunagari.ErrWeekFull
		}
	}
	_, err := tx.Exec(ctx, insertSQL("bookings", bookingColumns), bookingValues(b)...)
	return err
}

// sameRequest reports whether a booking made earlier with an idempotency
// key answers the request b.
func sameRequest(old, b *tsunagari.Booking) bool {
	return old.ConsultantID == b.ConsultantID && old.Start.Equal(stamp(b.Start))
}

// replay returns the member's booking made with key, or nil.
func replay(ctx context.Context, q querier, memberID, key string) (*tsunagari.Booking, error) {
	b, err := scanBooking(q.QueryRow(ctx, bookingSelect+` WHERE member_id = $1 AND idempotency_key = $2`, memberID, key))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	return b, err
}

func (s *ConsultationStore) CreateBooking(ctx context.Context, b *tsunagari.Booking, cap tsunagari.WeekCap, mails []*tsunagari.Mail) (*tsunagari.Booking, error) {
	out, err := s.createBooking(ctx, b, cap, mails)
	var pgErr *pgconn.PgError
	if b.IdempotencyKey != "" && errors.As(err, &pgErr) && pgErr.Code == codeUniqueViolation {
		// A concurrent request with the same key won; answer as a
		// retry would have been answered.
		old, rerr := replay(ctx, s.db.pool, b.MemberID, b.IdempotencyKey)
		switch {
		case rerr != nil:
			return nil, wrap("create booking", rerr)
		case old == nil:
			return nil, wrap("create booking", err)
		case !sameRequest(old, b):
			return nil, tsunagari.ErrKeyReused
		}
		return old, nil
	}
	if err != nil {
		if tsunagari.IsBookingConflict(err) {
			return nil, err
		}
		return nil, fmt.Errorf("create booking: %w", bookingError(err))
	}
	return out, nil
}

func (s *ConsultationStore) createBooking(ctx context.Context, b *tsunagari.Booking, cap tsunagari.WeekCap, mails []*tsunagari.Mail) (*tsunagari.Booking, error) {
	var out *tsunagari.Booking
	err := s.db.inTx(ctx, func(tx pgx.Tx) error {
		if err := lockConsultant(ctx, tx, b.ConsultantID); err != nil {
			return err
		}
		if b.IdempotencyKey != "" {
			old, err := replay(ctx, tx, b.MemberID, b.IdempotencyKey)
			if err != nil {
				return err
			}
			if old != nil {
				if !sameRequest(old, b) {
					return tsunagari.ErrKeyReused
				}
				out = old
				return nil
			}
		}
		if err := s.db.insertBooking(ctx, tx, b, cap); err != nil {
			return err
		}
		out = b
		return s.db.insertMails(ctx, tx, mails)
	})
	return out, err
}

func (s *ConsultationStore) FindBooking(ctx context.Context, id string) (*tsunagari.Booking, error) {
	b, err := scanBooking(s.db.pool.QueryRow(ctx, bookingSelect+` WHERE id = $1`, id))
	if err != nil {
		return nil, wrap("find booking", err)
	}
	return b, nil
}

func (s *ConsultationStore) FindBookings(ctx context.Context, f tsunagari.BookingFilter) ([]*tsunagari.Booking, error) {
	var (
		conds []string
		args  []any
	)
	add := func(cond string, arg any) {
		args = append(args, arg)
		conds = append(conds, fmt.Sprintf(cond, len(args)))
	}
	if f.ConsultantID != "" {
		add(`consultant_id = $%d`, f.ConsultantID)
	}
	if f.MemberID != "" {
		add(`member_id = $%d`, f.MemberID)
	}
	if f.Active {
		conds = append(conds, `status IN ('pending', 'confirmed')`)
	}
	if !f.From.IsZero() {
		add(`starts_at >= $%d`, f.From)
	}
	if !f.To.IsZero() {
		add(`starts_at < $%d`, f.To)
	}
	if f.NotReminded {
		conds = append(conds, `reminded_at IS NULL`)
	}
	if len(conds) == 0 {
		return nil, fmt.Errorf("find bookings: the filter selects nothing")
	}
	rows, err := s.db.pool.Query(ctx, bookingSelect+` WHERE `+strings.Join(conds, ` AND `)+
		` ORDER BY starts_at, id COLLATE "C"`+limitOffset(f.Limit, 0), args...)
	if err != nil {
		return nil, wrap("find bookings", err)
	}
	defer rows.Close()
	var out []*tsunagari.Booking
	for rows.Next() {
		b, err := scanBooking(rows)
		if err != nil {
			return nil, wrap("find bookings", err)
		}
		out = append(out, b)
	}
	return out, wrap("find bookings", rows.Err())
}

func (s *ConsultationStore) ConfirmBooking(ctx context.Context, id string, at time.Time, mails []*tsunagari.Mail) error {
	err := s.db.inTx(ctx, func(tx pgx.Tx) error {
		if err := affectedOne(tx.Exec(ctx,
			`UPDATE bookings SET status = 'confirmed', confirmed_at = $2 WHERE id = $1 AND status = 'pending'`,
			id, stamp(at))); err != nil {
			return err
		}
		return s.db.insertMails(ctx, tx, mails)
	})
	return wrap("confirm booking", err)
}

// endBooking sets an active booking's status to cancelled or rescheduled.
func endBooking(ctx context.Context, tx pgx.Tx, id string, status tsunagari.BookingStatus, c tsunagari.Cancellation) error {
	return affectedOne(tx.Exec(ctx, `
		UPDATE bookings SET status = $2, cancelled_at = $3, cancelled_by = $4, late_cancel = $5
		WHERE id = $1 AND status IN ('pending', 'confirmed')`,
		id, string(status), stamp(c.At), emptyNull(c.By), c.Late))
}

func (s *ConsultationStore) CancelBooking(ctx context.Context, id string, c tsunagari.Cancellation, mails []*tsunagari.Mail) error {
	err := s.db.inTx(ctx, func(tx pgx.Tx) error {
		if err := endBooking(ctx, tx, id, tsunagari.BookingCancelled, c); err != nil {
			return err
		}
		return s.db.insertMails(ctx, tx, mails)
	})
	return wrap("cancel booking", err)
}

func (s *ConsultationStore) RescheduleBooking(ctx context.Context, oldID string, c tsunagari.Cancellation, nb *tsunagari.Booking, cap tsunagari.WeekCap, mails []*tsunagari.Mail) (*tsunagari.Booking, error) {
	err := s.db.inTx(ctx, func(tx pgx.Tx) error {
		if err := lockConsultant(ctx, tx, nb.ConsultantID); err != nil {
			return err
		}
		if err := endBooking(ctx, tx, oldID, tsunagari.BookingRescheduled, c); err != nil {
			return err
		}
		nb.RescheduledFrom, nb.IdempotencyKey = oldID, ""
		if err := s.db.insertBooking(ctx, tx, nb, cap); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE bookings SET rescheduled_to = $2 WHERE id = $1`, oldID, nb.ID); err != nil {
			return err
		}
		return s.db.insertMails(ctx, tx, mails)
	})
	if err != nil {
		if tsunagari.IsBookingConflict(err) {
			return nil, err
		}
		return nil, fmt.Errorf("reschedule booking: %w", bookingError(err))
	}
	return nb, nil
}

func (s *ConsultationStore) SetMeetingURL(ctx context.Context, id, meetingURL string) error {
	return wrap("set meeting url", affectedOne(s.db.pool.Exec(ctx,
		`UPDATE bookings SET meeting_url = $2 WHERE id = $1 AND status IN ('pending', 'confirmed')`, id, meetingURL)))
}

func (s *ConsultationStore) MarkReminded(ctx context.Context, id string, at time.Time, mails []*tsunagari.Mail) error {
	err := s.db.inTx(ctx, func(tx pgx.Tx) error {
		b, err := scanBooking(tx.QueryRow(ctx, bookingSelect+` WHERE id = $1 FOR UPDATE`, id))
		if err != nil {
			return err
		}
		if !b.Status.Active() {
			return tsunagari.ErrNotFound
		}
		if b.RemindedAt != nil {
			return tsunagari.ErrConflict
		}
		if _, err := tx.Exec(ctx, `UPDATE bookings SET reminded_at = $2 WHERE id = $1`, id, stamp(at)); err != nil {
			return err
		}
		return s.db.insertMails(ctx, tx, mails)
	})
	return wrap("mark reminded", err)
}

// Records.

func (s *ConsultationStore) SaveNote(ctx context.Context, n *tsunagari.Note, confirmedThemes []string) error {
	n.UpdatedAt = s.db.orNow(n.UpdatedAt)
	err := s.db.inTx(ctx, func(tx pgx.Tx) error {
		if err := affectedOne(tx.Exec(ctx, `UPDATE bookings SET confirmed_themes = $3 WHERE id = $1 AND consultant_id = $2`,
			n.BookingID, n.ConsultantID, toJSON(confirmedThemes))); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `
			INSERT INTO consultation_notes (booking_id, consultant_id, body, updated_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (booking_id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at`,
			n.BookingID, n.ConsultantID, n.Body, n.UpdatedAt)
		return err
	})
	return wrap("save note", err)
}

func (s *ConsultationStore) FindNote(ctx context.Context, bookingID string) (*tsunagari.Note, error) {
	n := tsunagari.Note{BookingID: bookingID}
	err := s.db.pool.QueryRow(ctx,
		`SELECT consultant_id, body, updated_at FROM consultation_notes WHERE booking_id = $1`, bookingID,
	).Scan(&n.ConsultantID, &n.Body, &n.UpdatedAt)
	if err != nil {
		return nil, wrap("find note", err)
	}
	n.UpdatedAt = n.UpdatedAt.UTC()
	return &n, nil
}

func (s *ConsultationStore) SaveReflection(ctx context.Context, r *tsunagari.Reflection) error {
	r.UpdatedAt = s.db.orNow(r.UpdatedAt)
	err := s.db.inTx(ctx, func(tx pgx.Tx) error {
		var ok bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM bookings WHERE id = $1 AND member_id = $2)`,
			r.BookingID, r.MemberID).Scan(&ok); err != nil {
			return err
		}
		if !ok {
			return tsunagari.ErrNotFound
		}
		_, err := tx.Exec(ctx, `
			INSERT INTO consultation_reflections (booking_id, member_id, body, rating, share_rating, shared, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)
			ON CONFLICT (booking_id) DO UPDATE SET body = excluded.body, rating = excluded.rating,
				share_rating = excluded.share_rating, shared = excluded.shared, updated_at = excluded.updated_at`,
			r.BookingID, r.MemberID, r.Body, r.Rating, r.ShareRating, toJSON(r.Shared), r.UpdatedAt)
		return err
	})
	return wrap("save reflection", err)
}

func (s *ConsultationStore) FindReflection(ctx context.Context, bookingID string) (*tsunagari.Reflection, error) {
	r := tsunagari.Reflection{BookingID: bookingID}
	var shared string
	err := s.db.pool.QueryRow(ctx, `
		SELECT member_id, body, rating, share_rating, shared, updated_at
		FROM consultation_reflections WHERE booking_id = $1`, bookingID,
	).Scan(&r.MemberID, &r.Body, &r.Rating, &r.ShareRating, &shared, &r.UpdatedAt)
	if err != nil {
		return nil, wrap("find reflection", err)
	}
	if r.Shared, err = fromJSON[string](shared); err != nil {
		return nil, err
	}
	r.UpdatedAt = r.UpdatedAt.UTC()
	return &r, nil
}

func (s *ConsultationStore) Reseal(ctx context.Context, fn func(tsunagari.SealedRecord) (string, error)) (int, error) {
	var recs []tsunagari.SealedRecord
	for _, q := range []struct{ kind, query string }{
		{"note", `SELECT booking_id, consultant_id, body FROM consultation_notes ORDER BY booking_id COLLATE "C"`},
		{"reflection", `SELECT booking_id, member_id, body FROM consultation_reflections ORDER BY booking_id COLLATE "C"`},
	} {
		rows, err := s.db.pool.Query(ctx, q.query)
		if err != nil {
			return 0, wrap("reseal", err)
		}
		var r tsunagari.SealedRecord
		if _, err := pgx.ForEachRow(rows, []any{&r.BookingID, &r.OwnerID, &r.Sealed}, func() error {
			recs = append(recs, tsunagari.SealedRecord{Kind: q.kind, BookingID: r.BookingID, OwnerID: r.OwnerID, Sealed: r.Sealed})
			return nil
		}); err != nil {
			return 0, wrap("reseal", err)
		}
	}
	n := 0
	for _, r := range recs {
		sealed, err := fn(r)
		if err != nil {
			return n, err
		}
		if sealed == "" || sealed == r.Sealed {
			continue
		}
		table := "consultation_notes"
		if r.Kind == "reflection" {
			table = "consultation_reflections"
		}
		tag, err := s.db.pool.Exec(ctx, `UPDATE `+table+` SET body = $1 WHERE booking_id = $2 AND body = $3`,
			sealed, r.BookingID, r.Sealed)
		if err != nil {
			return n, wrap("reseal", err)
		}
		if tag.RowsAffected() == 1 {
			n++
		}
	}
	return n, nil
}

// PurgeKeptNotes deletes the bookings whose member has left and which
// ended before endedBefore; their notes go with them.
func (s *ConsultationStore) PurgeKeptNotes(ctx context.Context, endedBefore time.Time) (int, error) {
	tag, err := s.db.pool.Exec(ctx, `DELETE FROM bookings WHERE member_id IS NULL AND ends_at < $1`, stamp(endedBefore))
	if err != nil {
		return 0, translate(err)
	}
	return int(tag.RowsAffected()), nil
}
