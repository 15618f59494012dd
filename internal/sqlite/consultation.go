package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"tsunagari"
)

// consultationStore implements tsunagari.ConsultationStore.
type consultationStore struct{ db *DB }

// readStmt returns query prepared on the read pool, once: the reads of a
// booking (profile, availability, bookings) then cost no parsing.
func (db *DB) readStmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := db.readStmts.Load(query); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := db.read.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if old, loaded := db.readStmts.LoadOrStore(query, st); loaded {
		st.Close()
		return old.(*sql.Stmt), nil
	}
	return st, nil
}

var _ tsunagari.ConsultationStore = (*consultationStore)(nil)

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

const consultantColumns = `
	account_id, display_name, registration_number, verified_at, verified_by, years_of_practice,
	industries, job_families, age_band, gender, themes, value_scores, message, languages,
	online, in_person, area, fee_yen, employer_paid, auto_accept, meeting_url, created_at, updated_at`

func scanConsultant(row interface{ Scan(...any) error }) (*tsunagari.Consultant, error) {
	var (
		c                                                  tsunagari.Consultant
		verifiedAt                                         sql.NullInt64
		verifiedBy                                         sql.NullString
		industries, jobFamilies, themes, values, languages string
		createdAt, updatedAt                               int64
	)
	if err := row.Scan(&c.AccountID, &c.DisplayName, &c.RegistrationNumber, &verifiedAt, &verifiedBy, &c.YearsOfPractice,
		&industries, &jobFamilies, &c.AgeBand, &c.Gender, &themes, &values, &c.Message, &languages,
		&c.Online, &c.InPerson, &c.Area, &c.FeeYen, &c.EmployerPaid, &c.AutoAccept, &c.MeetingURL, &createdAt, &updatedAt,
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
	c.VerifiedAt, c.VerifiedBy = timePtr(verifiedAt), verifiedBy.String
	c.CreatedAt, c.UpdatedAt = unixTime(createdAt), unixTime(updatedAt)
	return &c, nil
}

func (s *consultationStore) SaveConsultant(ctx context.Context, c *tsunagari.Consultant) error {
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		old, err := scanConsultant(tx.QueryRowContext(ctx,
			`SELECT `+consultantColumns+` FROM consultants WHERE account_id = ?`, c.AccountID))
		switch {
		case errors.Is(err, sql.ErrNoRows):
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
		_, err = tx.ExecContext(ctx, `
			INSERT INTO consultants (`+consultantColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (account_id) DO UPDATE SET
				display_name = excluded.display_name, registration_number = excluded.registration_number,
				verified_at = excluded.verified_at, verified_by = excluded.verified_by,
				years_of_practice = excluded.years_of_practice, industries = excluded.industries,
				job_families = excluded.job_families, age_band = excluded.age_band, gender = excluded.gender,
				themes = excluded.themes, value_scores = excluded.value_scores, message = excluded.message,
				languages = excluded.languages, online = excluded.online, in_person = excluded.in_person,
				area = excluded.area, fee_yen = excluded.fee_yen, employer_paid = excluded.employer_paid,
				auto_accept = excluded.auto_accept, meeting_url = excluded.meeting_url, updated_at = excluded.updated_at`,
			c.AccountID, c.DisplayName, c.RegistrationNumber, nullUnix(c.VerifiedAt), nullString(c.VerifiedBy), c.YearsOfPractice,
			toJSON(c.Industries), toJSON(c.JobFamilies), c.AgeBand, c.Gender, toJSON(c.Themes), toJSON(c.Values), c.Message,
			toJSON(c.Languages), c.Online, c.InPerson, c.Area, c.FeeYen, c.EmployerPaid, c.AutoAccept, c.MeetingURL,
			c.CreatedAt.Unix(), c.UpdatedAt.Unix())
		return err
	})
}

func (s *consultationStore) FindConsultant(ctx context.Context, accountID string) (*tsunagari.Consultant, error) {
	st, err := s.db.readStmt(ctx, `SELECT `+consultantColumns+` FROM consultants WHERE account_id = ?`)
	if err != nil {
		return nil, err
	}
	c, err := scanConsultant(st.QueryRowContext(ctx, accountID))
	return c, translate(err)
}

func (s *consultationStore) FindConsultants(ctx context.Context, f tsunagari.ConsultantFilter) ([]*tsunagari.Consultant, int, error) {
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
		conds, args = append(conds, `EXISTS (SELECT 1 FROM json_each(themes) WHERE value = ?)`), append(args, f.Theme)
	}
	where := ""
	if len(conds) > 0 {
		where = ` WHERE ` + strings.Join(conds, ` AND `)
	}
	tx, err := s.db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, 0, err
	}
	defer tx.Rollback()
	var total int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM consultants`+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count consultants: %w", err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+consultantColumns+` FROM consultants`+where+
		` ORDER BY display_name, account_id`+limitClause(f.Limit, f.Offset), args...)
	if err != nil {
		return nil, 0, fmt.Errorf("find consultants: %w", err)
	}
	defer rows.Close()
	var out []*tsunagari.Consultant
	for rows.Next() {
		c, err := scanConsultant(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, c)
	}
	return out, total, rows.Err()
}

func (s *consultationStore) VerifyConsultant(ctx context.Context, accountID, operatorID string, at time.Time) error {
	var (
		res sql.Result
		err error
	)
	if at.IsZero() {
		res, err = s.db.write.ExecContext(ctx,
			`UPDATE consultants SET verified_at = NULL, verified_by = NULL WHERE account_id = ?`, accountID)
	} else {
		res, err = s.db.write.ExecContext(ctx,
			`UPDATE consultants SET verified_at = ?, verified_by = ? WHERE account_id = ?`,
			stamp(at).Unix(), nullString(operatorID), accountID)
	}
	if err != nil {
		return translate(err)
	}
	return checkAffected(res)
}

// Availability.

func (s *consultationStore) SaveAvailability(ctx context.Context, av *tsunagari.Availability) error {
	av.UpdatedAt = s.db.orNow(av.UpdatedAt)
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		if err := consultantExists(ctx, tx, av.ConsultantID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO availabilities (consultant_id, time_zone, session_minutes, buffer_minutes, weekly_max,
				closed_on_holidays, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (consultant_id) DO UPDATE SET
				time_zone = excluded.time_zone, session_minutes = excluded.session_minutes,
				buffer_minutes = excluded.buffer_minutes, weekly_max = excluded.weekly_max,
				closed_on_holidays = excluded.closed_on_holidays, updated_at = excluded.updated_at`,
			av.ConsultantID, av.TimeZone, av.SessionMinutes, av.BufferMinutes, av.WeeklyMax, av.ClosedOnHolidays,
			av.UpdatedAt.Unix()); err != nil {
			return err
		}
		for _, table := range []string{"availability_windows", "availability_exceptions"} {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE consultant_id = ?`, av.ConsultantID); err != nil {
				return err
			}
		}
		for _, w := range av.Weekly {
			if _, err := tx.ExecContext(ctx, `
				INSERT INTO availability_windows (consultant_id, weekday, start_minute, end_minute) VALUES (?, ?, ?, ?)`,
				av.ConsultantID, int(w.Weekday), int(w.Start), int(w.End)); err != nil {
				return err
			}
		}
		for _, ex := range av.Exceptions {
			if len(ex.Windows) == 0 {
				if _, err := tx.ExecContext(ctx, `
					INSERT INTO availability_exceptions (consultant_id, date) VALUES (?, ?)`, av.ConsultantID, ex.Date); err != nil {
					return err
				}
			}
			for _, w := range ex.Windows {
				if _, err := tx.ExecContext(ctx, `
					INSERT INTO availability_exceptions (consultant_id, date, start_minute, end_minute) VALUES (?, ?, ?, ?)`,
					av.ConsultantID, ex.Date, int(w.Start), int(w.End)); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

func consultantExists(ctx context.Context, q querier, id string) error {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM consultants WHERE account_id = ?`, id).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return tsunagari.ErrNotFound
	}
	return nil
}

// The queries of FindAvailability, prepared once on the read pool.
var availabilityQueries = [...]string{
	`SELECT count(*) FROM consultants WHERE account_id = ?`,
	`SELECT time_zone, session_minutes, buffer_minutes, weekly_max, closed_on_holidays, updated_at
	FROM availabilities WHERE consultant_id = ?`,
	`SELECT weekday, start_minute, end_minute FROM availability_windows
	WHERE consultant_id = ? ORDER BY weekday, start_minute`,
	`SELECT date, start_minute, end_minute FROM availability_exceptions
	WHERE consultant_id = ? ORDER BY date, start_minute`,
}

func (s *consultationStore) FindAvailability(ctx context.Context, consultantID string) (*tsunagari.Availability, error) {
	var stmts [len(availabilityQueries)]*sql.Stmt
	for i, q := range availabilityQueries {
		st, err := s.db.readStmt(ctx, q)
		if err != nil {
			return nil, err
		}
		stmts[i] = st
	}
	tx, err := s.db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var exists int
	if err := tx.StmtContext(ctx, stmts[0]).QueryRowContext(ctx, consultantID).Scan(&exists); err != nil {
		return nil, err
	}
	if exists == 0 {
		return nil, tsunagari.ErrNotFound
	}
	av := tsunagari.DefaultAvailability(consultantID)
	var updated int64
	err = tx.StmtContext(ctx, stmts[1]).QueryRowContext(ctx, consultantID).Scan(&av.TimeZone, &av.SessionMinutes, &av.BufferMinutes, &av.WeeklyMax, &av.ClosedOnHolidays, &updated)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return av, nil
	case err != nil:
		return nil, err
	}
	av.UpdatedAt = unixTime(updated)
	rows, err := tx.StmtContext(ctx, stmts[2]).QueryContext(ctx, consultantID)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var w tsunagari.WeeklyWindow
		var day, start, end int
		if err := rows.Scan(&day, &start, &end); err != nil {
			rows.Close()
			return nil, err
		}
		w.Weekday, w.Start, w.End = time.Weekday(day), tsunagari.Clock(start), tsunagari.Clock(end)
		av.Weekly = append(av.Weekly, w)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = tx.StmtContext(ctx, stmts[3]).QueryContext(ctx, consultantID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			date       string
			start, end sql.NullInt64
		)
		if err := rows.Scan(&date, &start, &end); err != nil {
			return nil, err
		}
		if n := len(av.Exceptions); n == 0 || av.Exceptions[n-1].Date != date {
			av.Exceptions = append(av.Exceptions, tsunagari.Exception{Date: date})
		}
		if start.Valid {
			ex := &av.Exceptions[len(av.Exceptions)-1]
			ex.Windows = append(ex.Windows, tsunagari.Window{Start: tsunagari.Clock(start.Int64), End: tsunagari.Clock(end.Int64)})
		}
	}
	return av, rows.Err()
}

// Bookings.

const bookingColumns = `
	id, consultant_id, member_id, starts_at, ends_at, blocked_until, status, themes, confirmed_themes,
	meeting_url, idempotency_key, created_at, confirmed_at, cancelled_at, cancelled_by, late_cancel,
	rescheduled_from, rescheduled_to, reminded_at`

func scanBooking(row interface{ Scan(...any) error }) (*tsunagari.Booking, error) {
	var (
		b                                    tsunagari.Booking
		start, end, blocked, created         int64
		themes, confirmedThemes              string
		consultantID, memberID               sql.NullString
		key, cancelledBy, movedFrom, movedTo sql.NullString
		confirmedAt, cancelledAt, remindedAt sql.NullInt64
	)
	if err := row.Scan(&b.ID, &consultantID, &memberID, &start, &end, &blocked, &b.Status, &themes, &confirmedThemes,
		&b.MeetingURL, &key, &created, &confirmedAt, &cancelledAt, &cancelledBy, &b.LateCancel,
		&movedFrom, &movedTo, &remindedAt); err != nil {
		return nil, err
	}
	var err error
	if b.Themes, err = fromJSON[string](themes); err != nil {
		return nil, err
	}
	if b.ConfirmedThemes, err = fromJSON[string](confirmedThemes); err != nil {
		return nil, err
	}
	b.Start, b.End, b.BlockedUntil, b.CreatedAt = unixTime(start), unixTime(end), unixTime(blocked), unixTime(created)
	b.ConsultantID, b.MemberID = consultantID.String, memberID.String
	b.IdempotencyKey, b.CancelledBy = key.String, cancelledBy.String
	b.RescheduledFrom, b.RescheduledTo = movedFrom.String, movedTo.String
	b.ConfirmedAt, b.CancelledAt, b.RemindedAt = timePtr(confirmedAt), timePtr(cancelledAt), timePtr(remindedAt)
	return &b, nil
}

func findBooking(ctx context.Context, q querier, id string) (*tsunagari.Booking, error) {
	return scanBooking(q.QueryRowContext(ctx, `SELECT `+bookingColumns+` FROM bookings WHERE id = ?`, id))
}

// bookingStatements are the statements of a booking write, prepared once
// on the writer's single connection: a burst of bookings then spends its
// time on the data, not on parsing SQL (the overlap trigger makes the
// INSERT costly to compile).
type bookingStatements struct {
	mu                         sync.Mutex
	ready                      bool
	replay, week, insert, mail *sql.Stmt
}

// prepare prepares the statements once; a failure is retried next time.
func (st *bookingStatements) prepare(ctx context.Context, db *DB) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.ready {
		return nil
	}
	var stmts []*sql.Stmt
	for _, q := range []string{
		`SELECT ` + bookingColumns + ` FROM bookings WHERE member_id = ? AND idempotency_key = ?`,
		`SELECT count(*) FROM bookings
		WHERE consultant_id = ? AND status IN ('pending', 'confirmed') AND starts_at >= ? AND starts_at < ?`,
		`INSERT INTO bookings (` + bookingColumns + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		`INSERT INTO outbox (` + mailColumns + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
	} {
		stmt, err := db.write.PrepareContext(ctx, q)
		if err != nil {
			for _, s := range stmts {
				s.Close()
			}
			return err
		}
		stmts = append(stmts, stmt)
	}
	st.replay, st.week, st.insert, st.mail = stmts[0], stmts[1], stmts[2], stmts[3]
	st.ready = true
	return nil
}

// insertBooking writes b unless the weekly cap forbids. The trigger on
// bookings refuses an overlap, and the foreign key an unknown consultant:
// the database, not a check before the write, keeps the rule.
//
// The statements must have been prepared before the transaction began:
// preparing needs the writer's one connection, which the transaction
// holds.
func (db *DB) insertBooking(ctx context.Context, tx *sql.Tx, b *tsunagari.Booking, cap tsunagari.WeekCap) error {
	if b.ID == "" {
		b.ID = tsunagari.NewID()
	}
	b.CreatedAt = db.orNow(b.CreatedAt)
	b.Start, b.End, b.BlockedUntil = stamp(b.Start), stamp(b.End), stamp(b.BlockedUntil)
	b.ConfirmedAt = stampPtr(b.ConfirmedAt)
	if b.Status.Active() && cap.Max > 0 {
		var n int
		if err := tx.StmtContext(ctx, db.bookingStmts.week).QueryRowContext(ctx,
			b.ConsultantID, stamp(cap.Start).Unix(), stamp(cap.End).Unix()).Scan(&n); err != nil {
			return err
		}
		if n >= cap.Max {
			return tsunagari.ErrWeekFull
		}
	}
	_, err := tx.StmtContext(ctx, db.bookingStmts.insert).ExecContext(ctx,
		b.ID, b.ConsultantID, b.MemberID, b.Start.Unix(), b.End.Unix(), b.BlockedUntil.Unix(), string(b.Status),
		toJSON(b.Themes), toJSON(b.ConfirmedThemes), b.MeetingURL, nullString(b.IdempotencyKey), b.CreatedAt.Unix(),
		nullUnix(b.ConfirmedAt), nullUnix(b.CancelledAt), nullString(b.CancelledBy), b.LateCancel,
		nullString(b.RescheduledFrom), nullString(b.RescheduledTo), nullUnix(b.RemindedAt))
	return bookingError(err)
}

// insertMails writes the mails of a booking with the prepared statement.
func (db *DB) insertMails(ctx context.Context, tx *sql.Tx, mails []*tsunagari.Mail) error {
	stmt := tx.StmtContext(ctx, db.bookingStmts.mail)
	for _, m := range mails {
		if m.ID == "" {
			m.ID = tsunagari.NewID()
		}
		m.CreatedAt = db.orNow(m.CreatedAt)
		m.SentAt = stampPtr(m.SentAt)
		if _, err := stmt.ExecContext(ctx, m.ID, m.To, m.Subject, m.Body, m.Kind, m.CreatedAt.Unix(), nullUnix(m.SentAt),
			m.Attempts, m.LastError); err != nil {
			return err
		}
	}
	return nil
}

// bookingError turns the overlap trigger's abort into ErrOverlap, and a
// booking of an unknown consultant into ErrNotFound.
func bookingError(err error) error {
	var e *sqlite.Error
	if errors.As(err, &e) && e.Code() == sqlite3.SQLITE_CONSTRAINT_TRIGGER {
		return fmt.Errorf("%w: %v", tsunagari.ErrOverlap, err)
	}
	return translate(err)
}

// sameRequest reports whether a booking made earlier with an idempotency
// key answers the request b.
func sameRequest(old, b *tsunagari.Booking) bool {
	return old.ConsultantID == b.ConsultantID && old.Start.Equal(stamp(b.Start))
}

// CreateBooking runs in a group commit: bookings made at the same time
// share one durable commit, each in its own savepoint (group.go).
func (s *consultationStore) CreateBooking(ctx context.Context, b *tsunagari.Booking, cap tsunagari.WeekCap, mails []*tsunagari.Mail) (*tsunagari.Booking, error) {
	if err := s.db.bookingStmts.prepare(ctx, s.db); err != nil {
		return nil, err
	}
	var out *tsunagari.Booking
	err := s.db.inGroupTx(ctx, func(tx *sql.Tx) error {
		if b.IdempotencyKey != "" {
			old, err := scanBooking(tx.StmtContext(ctx, s.db.bookingStmts.replay).QueryRowContext(ctx, b.MemberID, b.IdempotencyKey))
			switch {
			case errors.Is(err, sql.ErrNoRows):
			case err != nil:
				return err
			case !sameRequest(old, b):
				return tsunagari.ErrKeyReused
			default:
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
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (db *DB) enqueueMails(ctx context.Context, q querier, mails []*tsunagari.Mail) error {
	for _, m := range mails {
		if err := db.enqueueMail(ctx, q, m); err != nil {
			return err
		}
	}
	return nil
}

func (s *consultationStore) FindBooking(ctx context.Context, id string) (*tsunagari.Booking, error) {
	st, err := s.db.readStmt(ctx, `SELECT `+bookingColumns+` FROM bookings WHERE id = ?`)
	if err != nil {
		return nil, err
	}
	b, err := scanBooking(st.QueryRowContext(ctx, id))
	return b, translate(err)
}

func (s *consultationStore) FindBookings(ctx context.Context, f tsunagari.BookingFilter) ([]*tsunagari.Booking, error) {
	var (
		conds []string
		args  []any
	)
	if f.ConsultantID != "" {
		conds, args = append(conds, `consultant_id = ?`), append(args, f.ConsultantID)
	}
	if f.MemberID != "" {
		conds, args = append(conds, `member_id = ?`), append(args, f.MemberID)
	}
	if f.Active {
		conds = append(conds, `status IN ('pending', 'confirmed')`)
	}
	if !f.From.IsZero() {
		conds, args = append(conds, `starts_at >= ?`), append(args, f.From.Unix())
	}
	if !f.To.IsZero() {
		conds, args = append(conds, `starts_at < ?`), append(args, f.To.Unix())
	}
	if f.NotReminded {
		conds = append(conds, `reminded_at IS NULL`)
	}
	if len(conds) == 0 {
		return nil, fmt.Errorf("find bookings: the filter selects nothing")
	}
	// The filter's shape makes the query; there are few shapes, each
	// prepared once.
	st, err := s.db.readStmt(ctx, `SELECT `+bookingColumns+` FROM bookings WHERE `+strings.Join(conds, ` AND `)+
		` ORDER BY starts_at, id`+limitClause(f.Limit, 0))
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*tsunagari.Booking
	for rows.Next() {
		b, err := scanBooking(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

func (s *consultationStore) ConfirmBooking(ctx context.Context, id string, at time.Time, mails []*tsunagari.Mail) error {
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx,
			`UPDATE bookings SET status = 'confirmed', confirmed_at = ? WHERE id = ? AND status = 'pending'`,
			stamp(at).Unix(), id)
		if err != nil {
			return err
		}
		if err := checkAffected(res); err != nil {
			return err
		}
		return s.db.enqueueMails(ctx, tx, mails)
	})
}

// endBooking sets an active booking's status to cancelled or rescheduled.
func endBooking(ctx context.Context, tx *sql.Tx, id string, status tsunagari.BookingStatus, c tsunagari.Cancellation) error {
	res, err := tx.ExecContext(ctx, `
		UPDATE bookings SET status = ?, cancelled_at = ?, cancelled_by = ?, late_cancel = ?
		WHERE id = ? AND status IN ('pending', 'confirmed')`,
		string(status), stamp(c.At).Unix(), nullString(c.By), c.Late, id)
	if err != nil {
		return err
	}
	return checkAffected(res)
}

func (s *consultationStore) CancelBooking(ctx context.Context, id string, c tsunagari.Cancellation, mails []*tsunagari.Mail) error {
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		if err := endBooking(ctx, tx, id, tsunagari.BookingCancelled, c); err != nil {
			return err
		}
		return s.db.enqueueMails(ctx, tx, mails)
	})
}

func (s *consultationStore) RescheduleBooking(ctx context.Context, oldID string, c tsunagari.Cancellation, nb *tsunagari.Booking, cap tsunagari.WeekCap, mails []*tsunagari.Mail) (*tsunagari.Booking, error) {
	if err := s.db.bookingStmts.prepare(ctx, s.db); err != nil {
		return nil, err
	}
	err := s.db.inTx(ctx, func(tx *sql.Tx) error {
		if err := endBooking(ctx, tx, oldID, tsunagari.BookingRescheduled, c); err != nil {
			return err
		}
		nb.RescheduledFrom, nb.IdempotencyKey = oldID, ""
		if err := s.db.insertBooking(ctx, tx, nb, cap); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE bookings SET rescheduled_to = ? WHERE id = ?`, nb.ID, oldID); err != nil {
			return err
		}
		return s.db.insertMails(ctx, tx, mails)
	})
	if err != nil {
		return nil, err
	}
	return nb, nil
}

func (s *consultationStore) SetMeetingURL(ctx context.Context, id, meetingURL string) error {
	res, err := s.db.write.ExecContext(ctx,
		`UPDATE bookings SET meeting_url = ? WHERE id = ? AND status IN ('pending', 'confirmed')`, meetingURL, id)
	if err != nil {
		return translate(err)
	}
	return checkAffected(res)
}

func (s *consultationStore) MarkReminded(ctx context.Context, id string, at time.Time, mails []*tsunagari.Mail) error {
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		b, err := findBooking(ctx, tx, id)
		if err != nil {
			return err
		}
		if !b.Status.Active() {
			return tsunagari.ErrNotFound
		}
		if b.RemindedAt != nil {
			return tsunagari.ErrConflict
		}
		if _, err := tx.ExecContext(ctx, `UPDATE bookings SET reminded_at = ? WHERE id = ?`, stamp(at).Unix(), id); err != nil {
			return err
		}
		return s.db.enqueueMails(ctx, tx, mails)
	})
}

// Records.

func (s *consultationStore) SaveNote(ctx context.Context, n *tsunagari.Note, confirmedThemes []string) error {
	n.UpdatedAt = s.db.orNow(n.UpdatedAt)
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE bookings SET confirmed_themes = ? WHERE id = ? AND consultant_id = ?`,
			toJSON(confirmedThemes), n.BookingID, n.ConsultantID)
		if err != nil {
			return err
		}
		if err := checkAffected(res); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `
			INSERT INTO consultation_notes (booking_id, consultant_id, body, updated_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (booking_id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at`,
			n.BookingID, n.ConsultantID, n.Body, n.UpdatedAt.Unix())
		return err
	})
}

func (s *consultationStore) FindNote(ctx context.Context, bookingID string) (*tsunagari.Note, error) {
	n := tsunagari.Note{BookingID: bookingID}
	var updated int64
	err := s.db.read.QueryRowContext(ctx,
		`SELECT consultant_id, body, updated_at FROM consultation_notes WHERE booking_id = ?`, bookingID,
	).Scan(&n.ConsultantID, &n.Body, &updated)
	if err != nil {
		return nil, translate(err)
	}
	n.UpdatedAt = unixTime(updated)
	return &n, nil
}

func (s *consultationStore) SaveReflection(ctx context.Context, r *tsunagari.Reflection) error {
	r.UpdatedAt = s.db.orNow(r.UpdatedAt)
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM bookings WHERE id = ? AND member_id = ?`,
			r.BookingID, r.MemberID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return tsunagari.ErrNotFound
		}
		_, err := tx.ExecContext(ctx, `
			INSERT INTO consultation_reflections (booking_id, member_id, body, rating, share_rating, shared, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (booking_id) DO UPDATE SET body = excluded.body, rating = excluded.rating,
				share_rating = excluded.share_rating, shared = excluded.shared, updated_at = excluded.updated_at`,
			r.BookingID, r.MemberID, r.Body, r.Rating, r.ShareRating, toJSON(r.Shared), r.UpdatedAt.Unix())
		return err
	})
}

func (s *consultationStore) FindReflection(ctx context.Context, bookingID string) (*tsunagari.Reflection, error) {
	r := tsunagari.Reflection{BookingID: bookingID}
	var (
		updated int64
		shared  string
	)
	err := s.db.read.QueryRowContext(ctx, `
		SELECT member_id, body, rating, share_rating, shared, updated_at
		FROM consultation_reflections WHERE booking_id = ?`, bookingID,
	).Scan(&r.MemberID, &r.Body, &r.Rating, &r.ShareRating, &shared, &updated)
	if err != nil {
		return nil, translate(err)
	}
	if r.Shared, err = fromJSON[string](shared); err != nil {
		return nil, err
	}
	r.UpdatedAt = unixTime(updated)
	return &r, nil
}

func (s *consultationStore) Reseal(ctx context.Context, fn func(tsunagari.SealedRecord) (string, error)) (int, error) {
	var recs []tsunagari.SealedRecord
	for _, q := range []struct{ kind, query string }{
		{"note", `SELECT booking_id, consultant_id, body FROM consultation_notes ORDER BY booking_id`},
		{"reflection", `SELECT booking_id, member_id, body FROM consultation_reflections ORDER BY booking_id`},
	} {
		rows, err := s.db.read.QueryContext(ctx, q.query)
		if err != nil {
			return 0, err
		}
		for rows.Next() {
			r := tsunagari.SealedRecord{Kind: q.kind}
			if err := rows.Scan(&r.BookingID, &r.OwnerID, &r.Sealed); err != nil {
				rows.Close()
				return 0, err
			}
			recs = append(recs, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return 0, err
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
		res, err := s.db.write.ExecContext(ctx, `UPDATE `+table+` SET body = ? WHERE booking_id = ? AND body = ?`,
			sealed, r.BookingID, r.Sealed)
		if err != nil {
			return n, translate(err)
		}
		if k, _ := res.RowsAffected(); k == 1 {
			n++
		}
	}
	return n, nil
}

func (s *consultationStore) PurgeKeptNotes(ctx context.Context, endedBefore time.Time) (int, error) {
	var n int64
	err := s.db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM bookings WHERE member_id IS NULL AND ends_at < ?`, stamp(endedBefore).Unix())
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), translate(err)
}
