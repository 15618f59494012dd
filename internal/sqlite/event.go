package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"tsunagari"
	"tsunagari/internal/search"
)

// eventStore implements tsunagari.EventStore. Every write that touches
// seats runs in one BEGIN IMMEDIATE transaction, so writers are
// serialised: a seat counted free is still free when it is taken, and the
// queue numbers follow the order in which the writes reach the database.
type eventStore struct{ db *DB }

var _ tsunagari.EventStore = (*eventStore)(nil)

const eventColumns = `e.id, e.community_id, e.title, e.description, e.starts_at, e.ends_at, e.recurrence, e.exceptions,
	e.online, e.venue, e.prefecture, e.online_url, e.capacity, e.waitlist, e.lottery_hours, e.approval, e.trial_welcome,
	e.created_by, e.cancelled_at, e.cancel_reason, e.created_at, c.name, c.kind, c.hidden_at IS NOT NULL`

const eventFrom = ` FROM events e JOIN communities c ON c.id = e.community_id`

// rowScanner is a *sql.Row or the current row of *sql.Rows.
type rowScanner interface{ Scan(dest ...any) error }

func scanEvent(row rowScanner, extra ...any) (*tsunagari.Event, error) {
	var (
		e                             tsunagari.Event
		startsAt, endsAt, createdAt   int64
		rule, exceptions              string
		createdBy                     sql.NullString
		cancelledAt                   sql.NullInt64
		online, waitlist, approval, t bool
	)
	if err := row.Scan(append([]any{&e.ID, &e.CommunityID, &e.Title, &e.Description, &startsAt, &endsAt, &rule, &exceptions,
		&online, &e.Venue, &e.Prefecture, &e.OnlineURL, &e.Capacity, &waitlist, &e.LotteryHours, &approval, &t,
		&createdBy, &cancelledAt, &e.CancelReason, &createdAt, &e.Community.Name, &e.Community.Kind, &e.Community.Hidden}, extra...)...); err != nil {
		return nil, err
	}
	e.Online, e.Waitlist, e.Approval, e.TrialWelcome = online, waitlist, approval, t
	e.StartsAt, e.EndsAt, e.CreatedAt = unixTime(startsAt), unixTime(endsAt), unixTime(createdAt)
	e.CreatedBy, e.CancelledAt = createdBy.String, timePtr(cancelledAt)
	if err := json.Unmarshal([]byte(exceptions), &e.Exceptions); err != nil {
		return nil, fmt.Errorf("read event %s: %w", e.ID, err)
	}
	if rule != "" {
		r, err := tsunagari.ParseRecurrence(rule)
		if err != nil {
			return nil, fmt.Errorf("read event %s: recurrence %q: %w", e.ID, rule, err)
		}
		e.Recurrence = r
	}
	return &e, nil
}

func findEvents(ctx context.Context, q querier, query string, args ...any) ([]*tsunagari.Event, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var list []*tsunagari.Event
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, err
		}
		list = append(list, e)
	}
	return list, rows.Err()
}

// lastEnd returns the stored end of e's last occurrence: NULL for a rule
// without end.
func lastEnd(e *tsunagari.Event) sql.NullInt64 {
	last, ok := e.Last()
	if !ok {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: last.Add(e.Duration()).Unix(), Valid: true}
}

func ruleText(r *tsunagari.Recurrence) string {
	if r == nil {
		return ""
	}
	return r.String()
}

func (s *eventStore) CreateEvent(ctx context.Context, e *tsunagari.Event) error {
	if e.ID == "" {
		e.ID = tsunagari.NewID()
	}
	e.CreatedAt = s.db.orNow(e.CreatedAt)
	e.StartsAt, e.EndsAt, e.CancelledAt = stamp(e.StartsAt), stamp(e.EndsAt), stampPtr(e.CancelledAt)
	if e.Exceptions == nil {
		e.Exceptions = []string{}
	}
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO events (id, community_id, title, description, starts_at, ends_at, recurrence, exceptions, last_ends_at,
				online, venue, prefecture, online_url, capacity, waitlist, lottery_hours, approval, trial_welcome,
				created_by, cancelled_at, cancel_reason, created_at)
			VALUES (`+placeholders(22)+`)`,
			e.ID, e.CommunityID, e.Title, e.Description, e.StartsAt.Unix(), e.EndsAt.Unix(), ruleText(e.Recurrence),
			jsonList(e.Exceptions), lastEnd(e), e.Online, e.Venue, e.Prefecture, e.OnlineURL, e.Capacity, e.Waitlist,
			e.LotteryHours, e.Approval, e.TrialWelcome, nullString(e.CreatedBy), nullUnix(e.CancelledAt), e.CancelReason,
			e.CreatedAt.Unix()); err != nil {
			return err
		}
		var name string
		if err := tx.QueryRowContext(ctx, `SELECT name FROM communities WHERE id = ?`, e.CommunityID).Scan(&name); err != nil {
			return err
		}
		title, tags, body := e.SearchText(name)
		return indexDoc(ctx, tx, docEvent, e.ID, search.NewDoc(title, tags, body...))
	})
}

func (s *eventStore) FindEventByID(ctx context.Context, id string) (*tsunagari.Event, error) {
	list, err := findEvents(ctx, s.db.read, `SELECT `+eventColumns+eventFrom+` WHERE e.id = ?`, id)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, tsunagari.ErrNotFound
	}
	return list[0], nil
}

func (s *eventStore) FindEvents(ctx context.Context, f tsunagari.EventFilter) ([]*tsunagari.Event, error) {
	var (
		where []string
		args  []any
	)
	if f.CommunityID != "" {
		where, args = append(where, `e.community_id = ?`), append(args, f.CommunityID)
	}
	if !f.EndsAfter.IsZero() {
		where, args = append(where, `(e.last_ends_at IS NULL OR e.last_ends_at > ?)`), append(args, f.EndsAfter.Unix())
	}
	if f.TrialWelcome {
		where = append(where, `e.trial_welcome = 1`)
	}
	if !f.IncludeHidden {
		where = append(where, `c.hidden_at IS NULL`)
	}
	if !f.IncludeCancelled {
		where = append(where, `e.cancelled_at IS NULL`)
	}
	cond := ""
	if len(where) > 0 {
		cond = ` WHERE ` + strings.Join(where, " AND ")
	}
	q := search.Parse(f.Query)
	if q.Empty() {
		return findEvents(ctx, s.db.read, `SELECT `+eventColumns+eventFrom+cond+` ORDER BY e.starts_at, e.id`+
			limitClause(f.Limit, 0), args...)
	}
	matched, margs := matchedDocs(eventBase, q)
	return findEvents(ctx, s.db.read, `SELECT `+eventColumns+eventFrom+` JOIN (`+matched+`) m ON e.seq = m.r - ?`+cond+
		` ORDER BY m.score DESC, e.starts_at, e.id`+limitClause(f.Limit, 0), append(append(margs, eventBase), args...)...)
}

// eventRules is what a write about seats needs to know of the event.
type eventRules struct {
	capacity, lotteryHours int
	waitlist, approval     bool
	cancelled              bool
	duration               time.Duration
	startsAt               time.Time
	recurring              bool
}

func loadRules(ctx context.Context, q querier, eventID string) (*eventRules, error) {
	var (
		r                eventRules
		startsAt, endsAt int64
		rule             string
		cancelledAt      sql.NullInt64
	)
	err := q.QueryRowContext(ctx, `
		SELECT capacity, lottery_hours, waitlist, approval, cancelled_at, starts_at, ends_at, recurrence
		FROM events WHERE id = ?`, eventID).Scan(&r.capacity, &r.lotteryHours, &r.waitlist, &r.approval, &cancelledAt,
		&startsAt, &endsAt, &rule)
	if err != nil {
		return nil, err // sql.ErrNoRows becomes ErrNotFound
	}
	r.cancelled = cancelledAt.Valid
	r.startsAt, r.duration = unixTime(startsAt), time.Duration(endsAt-startsAt)*time.Second
	r.recurring = rule != ""
	return &r, nil
}

// occurrenceState is the stored state of an occurrence inside a write.
type occurrenceState struct {
	capacity, confirmed, nextSeq int
	cancelled, drawn             bool
}

// occurrence returns the occurrence's state, storing it first with the
// event's capacity if it is not stored yet.
func occurrence(ctx context.Context, tx *sql.Tx, ref tsunagari.OccurrenceRef, capacity int) (*occurrenceState, error) {
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO event_occurrences (event_id, starts_at, capacity) VALUES (?, ?, ?)
		ON CONFLICT (event_id, starts_at) DO NOTHING`, ref.EventID, ref.StartsAt.Unix(), capacity); err != nil {
		return nil, err
	}
	var (
		o                occurrenceState
		cancelled, drawn sql.NullInt64
	)
	err := tx.QueryRowContext(ctx, `
		SELECT capacity, confirmed, next_seq, cancelled_at, lottery_drawn_at FROM event_occurrences
		WHERE event_id = ? AND starts_at = ?`, ref.EventID, ref.StartsAt.Unix()).Scan(&o.capacity, &o.confirmed, &o.nextSeq, &cancelled, &drawn)
	if err != nil {
		return nil, err
	}
	o.cancelled, o.drawn = cancelled.Valid, drawn.Valid
	return &o, nil
}

// seatStatus decides where a new request stands, or returns ErrFull.
func seatStatus(ev *eventRules, o *occurrenceState, ref tsunagari.OccurrenceRef, at time.Time) (tsunagari.RSVPStatus, error) {
	switch {
	case ev.approval:
		return tsunagari.RSVPPending, nil
	case ev.lotteryHours > 0 && !o.drawn:
		if at.Before(ref.StartsAt.Add(-time.Duration(ev.lotteryHours) * time.Hour)) {
			return tsunagari.RSVPEntered, nil
		}
		// The lottery has closed but is not drawn yet: nobody may join
		// the queue ahead of the draw.
		return "", fmt.Errorf("%w: the lottery is being drawn", tsunagari.ErrStarted)
	case o.capacity == 0 || o.confirmed < o.capacity:
		return tsunagari.RSVPConfirmed, nil
	case ev.waitlist:
		return tsunagari.RSVPWaitlisted, nil
	}
	return "", tsunagari.ErrFull
}

func (s *eventStore) CreateRSVP(ctx context.Context, r *tsunagari.RSVP) error {
	r.RequestedAt = s.db.orNow(r.RequestedAt)
	r.UpdatedAt, r.StartsAt = r.RequestedAt, stamp(r.StartsAt)
	r.CheckedInAt = nil
	ref := tsunagari.OccurrenceRef{EventID: r.EventID, StartsAt: r.StartsAt}
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		ev, err := loadRules(ctx, tx, r.EventID)
		if err != nil {
			return err
		}
		switch {
		case ev.cancelled:
			return tsunagari.ErrCancelled
		case !r.RequestedAt.Before(r.StartsAt):
			return tsunagari.ErrStarted
		}
		o, err := occurrence(ctx, tx, ref, ev.capacity)
		if err != nil {
			return err
		}
		if o.cancelled {
			return tsunagari.ErrCancelled
		}
		var (
			oldID     string
			oldStatus tsunagari.RSVPStatus
		)
		err = tx.QueryRowContext(ctx, `SELECT id, status FROM event_rsvps WHERE event_id = ? AND starts_at = ? AND account_id = ?`,
			r.EventID, r.StartsAt.Unix(), r.AccountID).Scan(&oldID, &oldStatus)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return err
		case oldStatus != tsunagari.RSVPCancelled:
			return fmt.Errorf("%w: already %s", tsunagari.ErrConflict, oldStatus)
		}
		status, err := seatStatus(ev, o, ref, r.RequestedAt)
		if err != nil {
			return err
		}
		r.Status, r.Seq = status, o.nextSeq+1
		seated := 0
		if status == tsunagari.RSVPConfirmed {
			seated = 1
		}
		if _, err := tx.ExecContext(ctx, `
			UPDATE event_occurrences SET next_seq = ?, confirmed = confirmed + ? WHERE event_id = ? AND starts_at = ?`,
			r.Seq, seated, r.EventID, r.StartsAt.Unix()); err != nil {
			return err
		}
		if oldID != "" {
			r.ID = oldID
			_, err = tx.ExecContext(ctx, `
				UPDATE event_rsvps SET status = ?, seq = ?, trial = ?, requested_at = ?, updated_at = ?, checked_in_at = NULL
				WHERE id = ?`, string(r.Status), r.Seq, r.Trial, r.RequestedAt.Unix(), r.UpdatedAt.Unix(), r.ID)
		} else {
			if r.ID == "" {
				r.ID = tsunagari.NewID()
			}
			_, err = tx.ExecContext(ctx, `
				INSERT INTO event_rsvps (id, event_id, starts_at, account_id, status, seq, trial, requested_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				r.ID, r.EventID, r.StartsAt.Unix(), r.AccountID, string(r.Status), r.Seq, r.Trial, r.RequestedAt.Unix(), r.UpdatedAt.Unix())
		}
		if err != nil {
			return err
		}
		r.Position, err = waitlistPosition(ctx, tx, r)
		return err
	})
}

// waitlistPosition returns r's place on the waitlist, or 0 if it is not
// waitlisted.
func waitlistPosition(ctx context.Context, q querier, r *tsunagari.RSVP) (int, error) {
	if r.Status != tsunagari.RSVPWaitlisted {
		return 0, nil
	}
	var n int
	err := q.QueryRowContext(ctx, `
		SELECT count(*) FROM event_rsvps WHERE event_id = ? AND starts_at = ? AND status = 'waitlisted' AND seq <= ?`,
		r.EventID, r.StartsAt.Unix(), r.Seq).Scan(&n)
	return n, err
}

const rsvpColumns = `r.id, r.event_id, r.starts_at, r.account_id, r.status, r.seq, r.trial, r.requested_at, r.updated_at,
	r.checked_in_at, a.name, a.email, a.locale,
	CASE WHEN r.status = 'waitlisted' THEN (SELECT count(*) FROM event_rsvps w
		WHERE w.event_id = r.event_id AND w.starts_at = r.starts_at AND w.status = 'waitlisted' AND w.seq <= r.seq) ELSE 0 END`

const rsvpFrom = ` FROM event_rsvps r JOIN accounts a ON a.id = r.account_id`

func scanRSVP(row rowScanner) (*tsunagari.RSVP, error) {
	var (
		r                                tsunagari.RSVP
		startsAt, requestedAt, updatedAt int64
		checkedIn                        sql.NullInt64
	)
	if err := row.Scan(&r.ID, &r.EventID, &startsAt, &r.AccountID, &r.Status, &r.Seq, &r.Trial, &requestedAt, &updatedAt,
		&checkedIn, &r.Name, &r.Email, &r.Locale, &r.Position); err != nil {
		return nil, err
	}
	r.StartsAt, r.RequestedAt, r.UpdatedAt = unixTime(startsAt), unixTime(requestedAt), unixTime(updatedAt)
	r.CheckedInAt = timePtr(checkedIn)
	return &r, nil
}

func findRSVPs(ctx context.Context, q querier, where string, args ...any) ([]*tsunagari.RSVP, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+rsvpColumns+rsvpFrom+` WHERE `+where+
		` ORDER BY r.starts_at, r.event_id, r.seq, r.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var list []*tsunagari.RSVP
	for rows.Next() {
		r, err := scanRSVP(rows)
		if err != nil {
			return nil, err
		}
		list = append(list, r)
	}
	return list, rows.Err()
}

func findRSVP(ctx context.Context, q querier, where string, args ...any) (*tsunagari.RSVP, error) {
	list, err := findRSVPs(ctx, q, where, args...)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, tsunagari.ErrNotFound
	}
	return list[0], nil
}

// tell sends the message notify writes about r, if any, through the
// outbox in the transaction.
func (db *DB) tell(ctx context.Context, tx *sql.Tx, notify tsunagari.Notify, r *tsunagari.RSVP, change tsunagari.RSVPChange) error {
	if notify == nil {
		return nil
	}
	if m := notify(r, change); m != nil {
		return db.enqueueMail(ctx, tx, m)
	}
	return nil
}

// setStatus changes the status of the request r, keeping its seq.
func setStatus(ctx context.Context, tx *sql.Tx, r *tsunagari.RSVP, status tsunagari.RSVPStatus, at time.Time) error {
	r.Status, r.UpdatedAt = status, at
	if status != tsunagari.RSVPConfirmed {
		r.CheckedInAt = nil
	}
	_, err := tx.ExecContext(ctx, `UPDATE event_rsvps SET status = ?, seq = ?, updated_at = ?, checked_in_at = ? WHERE id = ?`,
		string(status), r.Seq, at.Unix(), nullUnix(r.CheckedInAt), r.ID)
	return err
}

// seat adds n to the occurrence's confirmed seats; the database refuses
// more than its capacity.
func seat(ctx context.Context, tx *sql.Tx, ref tsunagari.OccurrenceRef, n int) error {
	_, err := tx.ExecContext(ctx, `UPDATE event_occurrences SET confirmed = confirmed + ? WHERE event_id = ? AND starts_at = ?`,
		n, ref.EventID, ref.StartsAt.Unix())
	return err
}

// promote gives free seats of the occurrence to the waitlist, first come
// first served, and tells each person promoted.
func (db *DB) promote(ctx context.Context, tx *sql.Tx, ref tsunagari.OccurrenceRef, at time.Time, notify tsunagari.Notify) error {
	for {
		var capacity, confirmed int
		if err := tx.QueryRowContext(ctx, `SELECT capacity, confirmed FROM event_occurrences WHERE event_id = ? AND starts_at = ?`,
			ref.EventID, ref.StartsAt.Unix()).Scan(&capacity, &confirmed); err != nil {
			return err
		}
		if capacity > 0 && confirmed >= capacity {
			return nil
		}
		next, err := findRSVP(ctx, tx, `r.event_id = ? AND r.starts_at = ? AND r.status = 'waitlisted'`, ref.EventID, ref.StartsAt.Unix())
		if errors.Is(err, tsunagari.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := setStatus(ctx, tx, next, tsunagari.RSVPConfirmed, at); err != nil {
			return err
		}
		next.Position = 0
		if err := seat(ctx, tx, ref, 1); err != nil {
			return err
		}
		if err := db.tell(ctx, tx, notify, next, tsunagari.ChangePromoted); err != nil {
			return err
		}
	}
}

// occurrenceOpen returns the state of a stored occurrence that is neither
// cancelled nor started at at.
func occurrenceOpen(ctx context.Context, tx *sql.Tx, ref tsunagari.OccurrenceRef, at time.Time) error {
	var cancelled sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT cancelled_at FROM event_occurrences WHERE event_id = ? AND starts_at = ?`,
		ref.EventID, ref.StartsAt.Unix()).Scan(&cancelled); err != nil {
		return err
	}
	switch {
	case cancelled.Valid:
		return tsunagari.ErrCancelled
	case !at.Before(ref.StartsAt):
		return tsunagari.ErrStarted
	}
	return nil
}

func (s *eventStore) CancelRSVP(ctx context.Context, ref tsunagari.OccurrenceRef, accountID string, at time.Time, notify tsunagari.Notify) (*tsunagari.RSVP, error) {
	at, ref.StartsAt = stamp(at), stamp(ref.StartsAt)
	var out *tsunagari.RSVP
	err := s.db.inTx(ctx, func(tx *sql.Tx) error {
		r, err := findRSVP(ctx, tx, `r.event_id = ? AND r.starts_at = ? AND r.account_id = ? AND r.status IN ('confirmed', 'waitlisted', 'pending', 'entered')`,
			ref.EventID, ref.StartsAt.Unix(), accountID)
		if err != nil {
			return err
		}
		if !at.Before(ref.StartsAt) {
			return tsunagari.ErrStarted
		}
		held := r.Status == tsunagari.RSVPConfirmed
		if err := setStatus(ctx, tx, r, tsunagari.RSVPCancelled, at); err != nil {
			return err
		}
		r.Position, out = 0, r
		if !held {
			return nil
		}
		if err := seat(ctx, tx, ref, -1); err != nil {
			return err
		}
		switch err := occurrenceOpen(ctx, tx, ref, at); {
		case errors.Is(err, tsunagari.ErrCancelled):
			return nil // a cancelled occurrence gives no seats
		case err != nil:
			return err
		}
		return s.db.promote(ctx, tx, ref, at, notify)
	})
	return out, err
}

func (s *eventStore) DecideRSVP(ctx context.Context, id string, approve bool, at time.Time, notify tsunagari.Notify) (*tsunagari.RSVP, error) {
	at = stamp(at)
	var out *tsunagari.RSVP
	err := s.db.inTx(ctx, func(tx *sql.Tx) error {
		r, err := findRSVP(ctx, tx, `r.id = ?`, id)
		if err != nil {
			return err
		}
		if r.Status != tsunagari.RSVPPending {
			return fmt.Errorf("%w: request is %s", tsunagari.ErrConflict, r.Status)
		}
		ref := tsunagari.OccurrenceRef{EventID: r.EventID, StartsAt: r.StartsAt}
		if err := occurrenceOpen(ctx, tx, ref, at); err != nil {
			return err
		}
		out = r
		if !approve {
			if err := setStatus(ctx, tx, r, tsunagari.RSVPDeclined, at); err != nil {
				return err
			}
			return s.db.tell(ctx, tx, notify, r, tsunagari.ChangeDeclined)
		}
		ev, err := loadRules(ctx, tx, r.EventID)
		if err != nil {
			return err
		}
		o, err := occurrence(ctx, tx, ref, ev.capacity)
		if err != nil {
			return err
		}
		change := tsunagari.ChangeApproved
		switch {
		case o.capacity == 0 || o.confirmed < o.capacity:
			if err := setStatus(ctx, tx, r, tsunagari.RSVPConfirmed, at); err != nil {
				return err
			}
			if err := seat(ctx, tx, ref, 1); err != nil {
				return err
			}
		case ev.waitlist:
			// The waitlist goes by arrival: the request keeps its place.
			if err := setStatus(ctx, tx, r, tsunagari.RSVPWaitlisted, at); err != nil {
				return err
			}
			change = tsunagari.ChangeApprovedQueued
		default:
			return tsunagari.ErrFull
		}
		if r.Position, err = waitlistPosition(ctx, tx, r); err != nil {
			return err
		}
		return s.db.tell(ctx, tx, notify, r, change)
	})
	return out, err
}

func (s *eventStore) CheckIn(ctx context.Context, id string, at time.Time) (*tsunagari.RSVP, error) {
	at = stamp(at)
	var out *tsunagari.RSVP
	err := s.db.inTx(ctx, func(tx *sql.Tx) error {
		r, err := findRSVP(ctx, tx, `r.id = ?`, id)
		if err != nil {
			return err
		}
		if r.Status != tsunagari.RSVPConfirmed {
			return fmt.Errorf("%w: request is %s", tsunagari.ErrConflict, r.Status)
		}
		out = r
		if r.CheckedInAt != nil {
			return nil // checked in already: the first arrival counts
		}
		r.CheckedInAt = &at
		_, err = tx.ExecContext(ctx, `UPDATE event_rsvps SET checked_in_at = ? WHERE id = ?`, at.Unix(), id)
		return err
	})
	return out, err
}

func (s *eventStore) FindRSVP(ctx context.Context, id string) (*tsunagari.RSVP, error) {
	return findRSVP(ctx, s.db.read, `r.id = ?`, id)
}

func (s *eventStore) FindRSVPs(ctx context.Context, f tsunagari.RSVPFilter) ([]*tsunagari.RSVP, error) {
	where, args := []string{"1 = 1"}, []any{}
	if f.EventID != "" {
		where, args = append(where, `r.event_id = ?`), append(args, f.EventID)
		if !f.StartsAt.IsZero() {
			where, args = append(where, `r.starts_at = ?`), append(args, f.StartsAt.Unix())
		}
	}
	if f.AccountID != "" {
		where, args = append(where, `r.account_id = ?`), append(args, f.AccountID)
	}
	if len(f.Statuses) > 0 {
		where = append(where, `r.status IN (`+placeholders(len(f.Statuses))+`)`)
		for _, st := range f.Statuses {
			args = append(args, string(st))
		}
	}
	if !f.EndsAfter.IsZero() {
		where = append(where, `r.starts_at + (SELECT e.ends_at - e.starts_at FROM events e WHERE e.id = r.event_id) > ?`)
		args = append(args, f.EndsAfter.Unix())
	}
	return findRSVPs(ctx, s.db.read, strings.Join(where, " AND "), args...)
}

// cancelOccurrence marks a stored occurrence cancelled and tells everyone
// with an active request.
func (db *DB) cancelOccurrence(ctx context.Context, tx *sql.Tx, ref tsunagari.OccurrenceRef, at time.Time, reason string, notify tsunagari.Notify) error {
	if _, err := tx.ExecContext(ctx, `UPDATE event_occurrences SET cancelled_at = ?, cancel_reason = ? WHERE event_id = ? AND starts_at = ?`,
		at.Unix(), reason, ref.EventID, ref.StartsAt.Unix()); err != nil {
		return err
	}
	active, err := findRSVPs(ctx, tx, `r.event_id = ? AND r.starts_at = ? AND r.status IN ('confirmed', 'waitlisted', 'pending', 'entered')`,
		ref.EventID, ref.StartsAt.Unix())
	if err != nil {
		return err
	}
	for _, r := range active {
		if err := db.tell(ctx, tx, notify, r, tsunagari.ChangeCancelled); err != nil {
			return err
		}
	}
	return nil
}

func (s *eventStore) CancelOccurrence(ctx context.Context, ref tsunagari.OccurrenceRef, at time.Time, reason string, notify tsunagari.Notify) error {
	at, ref.StartsAt = stamp(at), stamp(ref.StartsAt)
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		ev, err := loadRules(ctx, tx, ref.EventID)
		if err != nil {
			return err
		}
		if ev.cancelled {
			return tsunagari.ErrCancelled
		}
		if _, err := occurrence(ctx, tx, ref, ev.capacity); err != nil {
			return err
		}
		if err := occurrenceOpen(ctx, tx, ref, at); err != nil {
			return err
		}
		return s.db.cancelOccurrence(ctx, tx, ref, at, reason, notify)
	})
}

func (s *eventStore) CancelEvent(ctx context.Context, id string, at time.Time, reason string, notify tsunagari.Notify) error {
	at = stamp(at)
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		ev, err := loadRules(ctx, tx, id)
		if err != nil {
			return err
		}
		if ev.cancelled {
			return tsunagari.ErrCancelled
		}
		if _, err := tx.ExecContext(ctx, `UPDATE events SET cancelled_at = ?, cancel_reason = ? WHERE id = ?`, at.Unix(), reason, id); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT starts_at FROM event_occurrences WHERE event_id = ? AND starts_at > ? AND cancelled_at IS NULL ORDER BY starts_at`,
			id, at.Unix())
		if err != nil {
			return err
		}
		var starts []int64
		for rows.Next() {
			var t int64
			if err := rows.Scan(&t); err != nil {
				rows.Close()
				return err
			}
			starts = append(starts, t)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, t := range starts {
			if err := s.db.cancelOccurrence(ctx, tx, tsunagari.OccurrenceRef{EventID: id, StartsAt: unixTime(t)}, at, reason, notify); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *eventStore) FindOccurrences(ctx context.Context, eventID string, from, to time.Time) ([]*tsunagari.Occurrence, error) {
	rows, err := s.db.read.QueryContext(ctx, `
		SELECT o.starts_at, o.capacity, o.confirmed,
			(SELECT count(*) FROM event_rsvps r WHERE r.event_id = o.event_id AND r.starts_at = o.starts_at AND r.status = 'waitlisted'),
			(SELECT count(*) FROM event_rsvps r WHERE r.event_id = o.event_id AND r.starts_at = o.starts_at AND r.status IN ('pending', 'entered')),
			o.cancelled_at, o.cancel_reason, o.lottery_drawn_at, o.lottery_seed
		FROM event_occurrences o
		WHERE o.event_id = ? AND o.starts_at >= ? AND o.starts_at < ?
		ORDER BY o.starts_at`, eventID, from.Unix(), to.Unix())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var list []*tsunagari.Occurrence
	for rows.Next() {
		var (
			o                = &tsunagari.Occurrence{EventID: eventID}
			startsAt         int64
			cancelled, drawn sql.NullInt64
			seed             string
		)
		if err := rows.Scan(&startsAt, &o.Capacity, &o.Confirmed, &o.Waitlisted, &o.Requests, &cancelled, &o.CancelReason,
			&drawn, &seed); err != nil {
			return nil, err
		}
		o.StartsAt, o.CancelledAt, o.LotteryDrawnAt = unixTime(startsAt), timePtr(cancelled), timePtr(drawn)
		if seed != "" {
			if o.LotterySeed, err = strconv.ParseUint(seed, 16, 64); err != nil {
				return nil, fmt.Errorf("read lottery seed: %w", err)
			}
		}
		list = append(list, o)
	}
	return list, rows.Err()
}

// Lotteries.

func (s *eventStore) DueLotteries(ctx context.Context, now time.Time) ([]tsunagari.OccurrenceRef, error) {
	rows, err := s.db.read.QueryContext(ctx, `
		SELECT o.event_id, o.starts_at FROM event_occurrences o JOIN events e ON e.id = o.event_id
		WHERE e.lottery_hours > 0 AND o.lottery_drawn_at IS NULL AND o.cancelled_at IS NULL AND e.cancelled_at IS NULL
			AND o.starts_at - e.lottery_hours * 3600 <= ?
		ORDER BY o.starts_at, o.event_id`, now.Unix())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []tsunagari.OccurrenceRef
	for rows.Next() {
		var ref tsunagari.OccurrenceRef
		var t int64
		if err := rows.Scan(&ref.EventID, &t); err != nil {
			return nil, err
		}
		ref.StartsAt = unixTime(t)
		out = append(out, ref)
	}
	return out, rows.Err()
}

func (s *eventStore) DrawLottery(ctx context.Context, ref tsunagari.OccurrenceRef, seed uint64, at time.Time, notify tsunagari.Notify) (bool, error) {
	at, ref.StartsAt = stamp(at), stamp(ref.StartsAt)
	drew := false
	err := s.db.inTx(ctx, func(tx *sql.Tx) error {
		ev, err := loadRules(ctx, tx, ref.EventID)
		if err != nil {
			return err
		}
		if ev.lotteryHours == 0 {
			return fmt.Errorf("%w: the event has no lottery", tsunagari.ErrConflict)
		}
		if at.Before(ref.StartsAt.Add(-time.Duration(ev.lotteryHours) * time.Hour)) {
			return fmt.Errorf("%w: the lottery is still open", tsunagari.ErrConflict)
		}
		o, err := occurrence(ctx, tx, ref, ev.capacity)
		if err != nil {
			return err
		}
		if o.drawn {
			return nil
		}
		if o.cancelled || ev.cancelled {
			return tsunagari.ErrCancelled
		}
		entries, err := findRSVPs(ctx, tx, `r.event_id = ? AND r.starts_at = ? AND r.status = 'entered'`, ref.EventID, ref.StartsAt.Unix())
		if err != nil {
			return err
		}
		free := o.capacity - o.confirmed
		type told struct {
			r      *tsunagari.RSVP
			change tsunagari.RSVPChange
		}
		var results []told
		for rank, i := range tsunagari.DrawOrder(seed, len(entries)) {
			r := entries[i]
			r.Seq = rank + 1
			status, change := tsunagari.RSVPConfirmed, tsunagari.ChangeWon
			switch {
			case rank < free:
			case ev.waitlist:
				status, change = tsunagari.RSVPWaitlisted, tsunagari.ChangeDrawnQueued
			default:
				status, change = tsunagari.RSVPNotSelected, tsunagari.ChangeNotSelected
			}
			if err := setStatus(ctx, tx, r, status, at); err != nil {
				return err
			}
			results = append(results, told{r, change})
		}
		if _, err := tx.ExecContext(ctx, `
			UPDATE event_occurrences SET confirmed = confirmed + ?, lottery_drawn_at = ?, lottery_seed = ?
			WHERE event_id = ? AND starts_at = ?`,
			min(free, len(entries)), at.Unix(), fmt.Sprintf("%016x", seed), ref.EventID, ref.StartsAt.Unix()); err != nil {
			return err
		}
		for _, t := range results {
			if t.r.Position, err = waitlistPosition(ctx, tx, t.r); err != nil {
				return err
			}
			if err := s.db.tell(ctx, tx, notify, t.r, t.change); err != nil {
				return err
			}
		}
		drew = true
		return nil
	})
	return drew, err
}

// Calendar feeds.

func (s *eventStore) SetCalendarFeed(ctx context.Context, f *tsunagari.CalendarFeed) error {
	f.CreatedAt = s.db.orNow(f.CreatedAt)
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `
			INSERT INTO calendar_feeds (account_id, token_hash, created_at) VALUES (?, ?, ?)
			ON CONFLICT (account_id) DO UPDATE SET token_hash = excluded.token_hash, created_at = excluded.created_at`,
			f.AccountID, f.TokenHash, f.CreatedAt.Unix())
		return err
	})
}

func (s *eventStore) DeleteCalendarFeed(ctx context.Context, accountID string) error {
	res, err := s.db.write.ExecContext(ctx, `DELETE FROM calendar_feeds WHERE account_id = ?`, accountID)
	if err != nil {
		return translate(err)
	}
	return checkAffected(res)
}

func (s *eventStore) FindCalendarFeed(ctx context.Context, tokenHash, accountID string) (*tsunagari.CalendarFeed, error) {
	where, arg := `token_hash = ?`, tokenHash
	if tokenHash == "" {
		if accountID == "" {
			return nil, tsunagari.ErrNotFound
		}
		where, arg = `account_id = ?`, accountID
	}
	var (
		f         tsunagari.CalendarFeed
		createdAt int64
	)
	err := s.db.read.QueryRowContext(ctx, `SELECT account_id, token_hash, created_at FROM calendar_feeds WHERE `+where, arg).
		Scan(&f.AccountID, &f.TokenHash, &createdAt)
	if err != nil {
		return nil, translate(err)
	}
	f.CreatedAt = unixTime(createdAt)
	return &f, nil
}
