package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"tsunagari"
	"tsunagari/internal/search"
)

// EventStore implements tsunagari.EventStore. Every write that touches
// seats locks the occurrence's row (SELECT … FOR UPDATE) first, so that
// such writes of one occurrence happen one at a time, in the order they
// get the lock; the event's row is locked FOR SHARE, so that cancelling
// the event waits for them and they for it. A CHECK constraint refuses
// more confirmed seats than the occurrence's capacity whatever the code
// does.
type EventStore struct {
	db *DB
}

var _ tsunagari.EventStore = (*EventStore)(nil)

const docEvent = "event"

var eventColumns = []string{"id", "community_id", "title", "description", "starts_at", "ends_at", "recurrence", "exceptions",
	"last_ends_at", "online", "venue", "prefecture", "online_url", "capacity", "waitlist", "lottery_hours", "approval",
	"trial_welcome", "created_by", "cancelled_at", "cancel_reason", "created_at"}

var eventSelect = `SELECT e.id, e.community_id, e.title, e.description, e.starts_at, e.ends_at, e.recurrence, e.exceptions,
	e.online, e.venue, e.prefecture, e.online_url, e.capacity, e.waitlist, e.lottery_hours, e.approval, e.trial_welcome,
	e.created_by, e.cancelled_at, e.cancel_reason, e.created_at, c.name, c.kind, c.hidden_at IS NOT NULL
	FROM events e JOIN communities c ON c.id = e.community_id`

func scanEvent(row scanner) (*tsunagari.Event, error) {
	var (
		e         tsunagari.Event
		rule      string
		createdBy *string
	)
	if err := row.Scan(&e.ID, &e.CommunityID, &e.Title, &e.Description, &e.StartsAt, &e.EndsAt, &rule, &e.Exceptions,
		&e.Online, &e.Venue, &e.Prefecture, &e.OnlineURL, &e.Capacity, &e.Waitlist, &e.LotteryHours, &e.Approval, &e.TrialWelcome,
		&createdBy, &e.CancelledAt, &e.CancelReason, &e.CreatedAt, &e.Community.Name, &e.Community.Kind, &e.Community.Hidden); err != nil {
		return nil, err
	}
	e.StartsAt, e.EndsAt, e.CreatedAt, e.CancelledAt = e.StartsAt.UTC(), e.EndsAt.UTC(), e.CreatedAt.UTC(), utcPtr(e.CancelledAt)
	e.CreatedBy, e.Exceptions = nullEmpty(createdBy), nonNil(e.Exceptions)
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
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (*tsunagari.Event, error) { return scanEvent(row) })
}

// lastEnd returns the end of e's last occurrence, nil for a rule without
// end.
func lastEnd(e *tsunagari.Event) *time.Time {
	last, ok := e.Last()
	if !ok {
		return nil
	}
	t := last.Add(e.Duration())
	return &t
}

func ruleText(r *tsunagari.Recurrence) string {
	if r == nil {
		return ""
	}
	return r.String()
}

// CreateEvent stores e and indexes it.
func (s *EventStore) CreateEvent(ctx context.Context, e *tsunagari.Event) error {
	if e.ID == "" {
		e.ID = tsunagari.NewID()
	}
	e.CreatedAt = s.db.orNow(e.CreatedAt)
	e.StartsAt, e.EndsAt, e.CancelledAt = stamp(e.StartsAt), stamp(e.EndsAt), stampPtr(e.CancelledAt)
	e.Exceptions = nonNil(e.Exceptions)
	return wrap("create event", s.db.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, insertSQL("events", eventColumns),
			e.ID, e.CommunityID, e.Title, e.Description, e.StartsAt, e.EndsAt, ruleText(e.Recurrence), e.Exceptions,
			lastEnd(e), e.Online, e.Venue, e.Prefecture, e.OnlineURL, e.Capacity, e.Waitlist, e.LotteryHours, e.Approval,
			e.TrialWelcome, emptyNull(e.CreatedBy), e.CancelledAt, e.CancelReason, e.CreatedAt); err != nil {
			return err
		}
		var name string
		if err := tx.QueryRow(ctx, `SELECT name FROM communities WHERE id = $1`, e.CommunityID).Scan(&name); err != nil {
			return err
		}
		title, tags, body := e.SearchText(name)
		return indexDoc(ctx, tx, docEvent, e.ID, search.NewDoc(title, tags, body...))
	}))
}

// FindEventByID returns ErrNotFound if there is no such event.
func (s *EventStore) FindEventByID(ctx context.Context, id string) (*tsunagari.Event, error) {
	list, err := findEvents(ctx, s.db.pool, eventSelect+` WHERE e.id = $1`, id)
	if err != nil {
		return nil, wrap("find event", err)
	}
	if len(list) == 0 {
		return nil, tsunagari.ErrNotFound
	}
	return list[0], nil
}

// FindEvents returns matching events.
func (s *EventStore) FindEvents(ctx context.Context, f tsunagari.EventFilter) ([]*tsunagari.Event, error) {
	var (
		p     params
		where []string
	)
	q := search.Parse(f.Query)
	from := eventSelect
	order := ` ORDER BY e.starts_at, e.id`
	if !q.Empty() {
		from += ` JOIN (` + matchedDocs(&p, docEvent, q) + `) m ON m.doc_id = e.id`
		order = ` ORDER BY m.score DESC, e.starts_at, e.id`
	}
	if f.CommunityID != "" {
		where = append(where, `e.community_id = `+p.add(f.CommunityID))
	}
	if !f.EndsAfter.IsZero() {
		where = append(where, `(e.last_ends_at IS NULL OR e.last_ends_at > `+p.add(f.EndsAfter)+`)`)
	}
	if f.TrialWelcome {
		where = append(where, `e.trial_welcome`)
	}
	if !f.IncludeHidden {
		where = append(where, `c.hidden_at IS NULL`)
	}
	if !f.IncludeCancelled {
		where = append(where, `e.cancelled_at IS NULL`)
	}
	if len(where) > 0 {
		from += ` WHERE ` + strings.Join(where, " AND ")
	}
	list, err := findEvents(ctx, s.db.pool, from+order+limitOffset(f.Limit, 0), p.args...)
	return list, wrap("find events", err)
}

// eventRules is what a write about seats needs to know of the event.
type eventRules struct {
	capacity, lotteryHours int
	waitlist, approval     bool
	cancelled              bool
}

// loadRules reads the event's rules, locking its row with lock ("FOR
// SHARE" or "FOR UPDATE").
func loadRules(ctx context.Context, tx pgx.Tx, eventID, lock string) (*eventRules, error) {
	var (
		r           eventRules
		cancelledAt *time.Time
	)
	err := tx.QueryRow(ctx, `SELECT capacity, lottery_hours, waitlist, approval, cancelled_at FROM events WHERE id = $1 `+lock,
		eventID).Scan(&r.capacity, &r.lotteryHours, &r.waitlist, &r.approval, &cancelledAt)
	if err != nil {
		return nil, err // pgx.ErrNoRows becomes ErrNotFound
	}
	r.cancelled = cancelledAt != nil
	return &r, nil
}

// occurrenceState is the stored state of an occurrence inside a write.
type occurrenceState struct {
	capacity, confirmed, nextSeq int
	cancelled, drawn             bool
}

// lockOccurrence stores the occurrence with the event's capacity if it is
// not stored yet, locks its row and returns its state, in one statement:
// an upsert that changes nothing still locks the row it finds.
func lockOccurrence(ctx context.Context, tx pgx.Tx, ref tsunagari.OccurrenceRef, capacity int) (*occurrenceState, error) {
	var (
		o                    occurrenceState
		cancelledAt, drawnAt *time.Time
	)
	err := tx.QueryRow(ctx, `
		INSERT INTO event_occurrences AS o (event_id, starts_at, capacity) VALUES ($1, $2, $3)
		ON CONFLICT (event_id, starts_at) DO UPDATE SET next_seq = o.next_seq
		RETURNING o.capacity, o.confirmed, o.next_seq, o.cancelled_at, o.lottery_drawn_at`, ref.EventID, ref.StartsAt, capacity).
		Scan(&o.capacity, &o.confirmed, &o.nextSeq, &cancelledAt, &drawnAt)
	if err != nil {
		return nil, err
	}
	o.cancelled, o.drawn = cancelledAt != nil, drawnAt != nil
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

// CreateRSVP asks for a seat; see tsunagari.EventStore.
func (s *EventStore) CreateRSVP(ctx context.Context, r *tsunagari.RSVP) error {
	r.RequestedAt = s.db.orNow(r.RequestedAt)
	r.UpdatedAt, r.StartsAt, r.CheckedInAt = r.RequestedAt, stamp(r.StartsAt), nil
	ref := tsunagari.OccurrenceRef{EventID: r.EventID, StartsAt: r.StartsAt}
	err := s.db.inTx(ctx, func(tx pgx.Tx) error {
		ev, err := loadRules(ctx, tx, r.EventID, "FOR SHARE")
		if err != nil {
			return err
		}
		switch {
		case ev.cancelled:
			return tsunagari.ErrCancelled
		case !r.RequestedAt.Before(r.StartsAt):
			return tsunagari.ErrStarted
		}
		// The account's own earlier request is looked up before the
		// occurrence is locked, to hold the lock briefly; the unique key
		// refuses a second request that slips in meanwhile.
		var (
			oldID     string
			oldStatus tsunagari.RSVPStatus
		)
		err = tx.QueryRow(ctx, `SELECT id, status FROM event_rsvps WHERE event_id = $1 AND starts_at = $2 AND account_id = $3`,
			r.EventID, r.StartsAt, r.AccountID).Scan(&oldID, &oldStatus)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
		case err != nil:
			return err
		case oldStatus != tsunagari.RSVPCancelled:
			return fmt.Errorf("%w: already %s", tsunagari.ErrConflict, oldStatus)
		}
		o, err := lockOccurrence(ctx, tx, ref, ev.capacity)
		if err != nil {
			return err
		}
		if o.cancelled {
			return tsunagari.ErrCancelled
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
		if _, err := tx.Exec(ctx, `
			UPDATE event_occurrences SET next_seq = $3, confirmed = confirmed + $4 WHERE event_id = $1 AND starts_at = $2`,
			r.EventID, r.StartsAt, r.Seq, seated); err != nil {
			return err
		}
		if oldID != "" {
			r.ID = oldID
			_, err = tx.Exec(ctx, `
				UPDATE event_rsvps SET status = $2, seq = $3, trial = $4, requested_at = $5, updated_at = $6, checked_in_at = NULL
				WHERE id = $1`, r.ID, string(r.Status), r.Seq, r.Trial, r.RequestedAt, r.UpdatedAt)
		} else {
			if r.ID == "" {
				r.ID = tsunagari.NewID()
			}
			_, err = tx.Exec(ctx, `
				INSERT INTO event_rsvps (id, event_id, starts_at, account_id, status, seq, trial, requested_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
				r.ID, r.EventID, r.StartsAt, r.AccountID, string(r.Status), r.Seq, r.Trial, r.RequestedAt, r.UpdatedAt)
		}
		return err
	})
	if err != nil {
		return wrap("create rsvp", err)
	}
	// The place on the waitlist, read once the lock is released: only
	// those ahead who leave the queue can have changed it since.
	r.Position, err = waitlistPosition(ctx, s.db.pool, r)
	return wrap("create rsvp", err)
}

// waitlistPosition returns r's place on the waitlist, or 0 if it is not
// waitlisted.
func waitlistPosition(ctx context.Context, q querier, r *tsunagari.RSVP) (int, error) {
	if r.Status != tsunagari.RSVPWaitlisted {
		return 0, nil
	}
	var n int
	err := q.QueryRow(ctx, `
		SELECT count(*) FROM event_rsvps WHERE event_id = $1 AND starts_at = $2 AND status = 'waitlisted' AND seq <= $3`,
		r.EventID, r.StartsAt, r.Seq).Scan(&n)
	return n, err
}

const rsvpSelect = `SELECT r.id, r.event_id, r.starts_at, r.account_id, r.status, r.seq, r.trial, r.requested_at, r.updated_at,
	r.checked_in_at, a.name, a.email, a.locale,
	CASE WHEN r.status = 'waitlisted' THEN (SELECT count(*) FROM event_rsvps w
		WHERE w.event_id = r.event_id AND w.starts_at = r.starts_at AND w.status = 'waitlisted' AND w.seq <= r.seq) ELSE 0 END
	FROM event_rsvps r JOIN accounts a ON a.id = r.account_id`

func scanRSVP(row scanner) (*tsunagari.RSVP, error) {
	var r tsunagari.RSVP
	if err := row.Scan(&r.ID, &r.EventID, &r.StartsAt, &r.AccountID, &r.Status, &r.Seq, &r.Trial, &r.RequestedAt, &r.UpdatedAt,
		&r.CheckedInAt, &r.Name, &r.Email, &r.Locale, &r.Position); err != nil {
		return nil, err
	}
	r.StartsAt, r.RequestedAt, r.UpdatedAt, r.CheckedInAt = r.StartsAt.UTC(), r.RequestedAt.UTC(), r.UpdatedAt.UTC(), utcPtr(r.CheckedInAt)
	return &r, nil
}

func findRSVPs(ctx context.Context, q querier, where string, args ...any) ([]*tsunagari.RSVP, error) {
	rows, err := q.Query(ctx, rsvpSelect+` WHERE `+where+` ORDER BY r.starts_at, r.event_id, r.seq, r.id`, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (*tsunagari.RSVP, error) { return scanRSVP(row) })
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
func (db *DB) tell(ctx context.Context, tx pgx.Tx, notify tsunagari.Notify, r *tsunagari.RSVP, change tsunagari.RSVPChange) error {
	if notify == nil {
		return nil
	}
	if m := notify(r, change); m != nil {
		return db.insertMail(ctx, tx, m)
	}
	return nil
}

// setStatus changes the status and seq of the request r.
func setStatus(ctx context.Context, tx pgx.Tx, r *tsunagari.RSVP, status tsunagari.RSVPStatus, at time.Time) error {
	r.Status, r.UpdatedAt = status, at
	if status != tsunagari.RSVPConfirmed {
		r.CheckedInAt = nil
	}
	_, err := tx.Exec(ctx, `UPDATE event_rsvps SET status = $2, seq = $3, updated_at = $4, checked_in_at = $5 WHERE id = $1`,
		r.ID, string(status), r.Seq, at, r.CheckedInAt)
	return err
}

// seat adds n to the occurrence's confirmed seats; the database refuses
// more than its capacity.
func seat(ctx context.Context, tx pgx.Tx, ref tsunagari.OccurrenceRef, n int) error {
	_, err := tx.Exec(ctx, `UPDATE event_occurrences SET confirmed = confirmed + $3 WHERE event_id = $1 AND starts_at = $2`,
		ref.EventID, ref.StartsAt, n)
	return err
}

// promote gives free seats of the locked occurrence to the waitlist,
// first come first served, and tells each person promoted.
func (db *DB) promote(ctx context.Context, tx pgx.Tx, ref tsunagari.OccurrenceRef, at time.Time, notify tsunagari.Notify) error {
	for {
		var capacity, confirmed int
		if err := tx.QueryRow(ctx, `SELECT capacity, confirmed FROM event_occurrences WHERE event_id = $1 AND starts_at = $2`,
			ref.EventID, ref.StartsAt).Scan(&capacity, &confirmed); err != nil {
			return err
		}
		if capacity > 0 && confirmed >= capacity {
			return nil
		}
		next, err := findRSVP(ctx, tx, `r.event_id = $1 AND r.starts_at = $2 AND r.status = 'waitlisted'`, ref.EventID, ref.StartsAt)
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

const activeStatuses = `('confirmed', 'waitlisted', 'pending', 'entered')`

// CancelRSVP withdraws the account's active request and promotes the
// waitlist.
func (s *EventStore) CancelRSVP(ctx context.Context, ref tsunagari.OccurrenceRef, accountID string, at time.Time, notify tsunagari.Notify) (*tsunagari.RSVP, error) {
	at, ref.StartsAt = stamp(at), stamp(ref.StartsAt)
	var out *tsunagari.RSVP
	err := s.db.inTx(ctx, func(tx pgx.Tx) error {
		ev, err := loadRules(ctx, tx, ref.EventID, "FOR SHARE")
		if err != nil {
			return err
		}
		o, err := lockOccurrence(ctx, tx, ref, ev.capacity)
		if err != nil {
			return err
		}
		r, err := findRSVP(ctx, tx, `r.event_id = $1 AND r.starts_at = $2 AND r.account_id = $3 AND r.status IN `+activeStatuses,
			ref.EventID, ref.StartsAt, accountID)
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
		if o.cancelled || ev.cancelled {
			return nil // a cancelled occurrence gives no seats
		}
		return s.db.promote(ctx, tx, ref, at, notify)
	})
	return out, wrap("cancel rsvp", err)
}

// DecideRSVP approves or declines a pending request.
func (s *EventStore) DecideRSVP(ctx context.Context, id string, approve bool, at time.Time, notify tsunagari.Notify) (*tsunagari.RSVP, error) {
	at = stamp(at)
	var out *tsunagari.RSVP
	err := s.db.inTx(ctx, func(tx pgx.Tx) error {
		var ref tsunagari.OccurrenceRef
		if err := tx.QueryRow(ctx, `SELECT event_id, starts_at FROM event_rsvps WHERE id = $1`, id).Scan(&ref.EventID, &ref.StartsAt); err != nil {
			return err
		}
		ev, err := loadRules(ctx, tx, ref.EventID, "FOR SHARE")
		if err != nil {
			return err
		}
		o, err := lockOccurrence(ctx, tx, ref, ev.capacity)
		if err != nil {
			return err
		}
		r, err := findRSVP(ctx, tx, `r.id = $1`, id)
		if err != nil {
			return err
		}
		switch {
		case r.Status != tsunagari.RSVPPending:
			return fmt.Errorf("%w: request is %s", tsunagari.ErrConflict, r.Status)
		case o.cancelled || ev.cancelled:
			return tsunagari.ErrCancelled
		case !at.Before(ref.StartsAt):
			return tsunagari.ErrStarted
		}
		out = r
		if !approve {
			if err := setStatus(ctx, tx, r, tsunagari.RSVPDeclined, at); err != nil {
				return err
			}
			return s.db.tell(ctx, tx, notify, r, tsunagari.ChangeDeclined)
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
	return out, wrap("decide rsvp", err)
}

// CheckIn records an arrival.
func (s *EventStore) CheckIn(ctx context.Context, id string, at time.Time) (*tsunagari.RSVP, error) {
	at = stamp(at)
	var out *tsunagari.RSVP
	err := s.db.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT 1 FROM event_rsvps WHERE id = $1 FOR UPDATE`, id); err != nil {
			return err
		}
		r, err := findRSVP(ctx, tx, `r.id = $1`, id)
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
		_, err = tx.Exec(ctx, `UPDATE event_rsvps SET checked_in_at = $2 WHERE id = $1`, id, at)
		return err
	})
	return out, wrap("check in", err)
}

// FindRSVP returns ErrNotFound if there is no such request.
func (s *EventStore) FindRSVP(ctx context.Context, id string) (*tsunagari.RSVP, error) {
	r, err := findRSVP(ctx, s.db.pool, `r.id = $1`, id)
	return r, wrap("find rsvp", err)
}

// FindRSVPs returns matching requests.
func (s *EventStore) FindRSVPs(ctx context.Context, f tsunagari.RSVPFilter) ([]*tsunagari.RSVP, error) {
	var p params
	where := []string{"true"}
	if f.EventID != "" {
		where = append(where, `r.event_id = `+p.add(f.EventID))
		if !f.StartsAt.IsZero() {
			where = append(where, `r.starts_at = `+p.add(f.StartsAt))
		}
	}
	if f.AccountID != "" {
		where = append(where, `r.account_id = `+p.add(f.AccountID))
	}
	if len(f.Statuses) > 0 {
		where = append(where, `r.status = ANY (`+p.add(strs(f.Statuses))+`::text[])`)
	}
	if !f.EndsAfter.IsZero() {
		where = append(where, `r.starts_at + (SELECT e.ends_at - e.starts_at FROM events e WHERE e.id = r.event_id) > `+p.add(f.EndsAfter))
	}
	list, err := findRSVPs(ctx, s.db.pool, strings.Join(where, " AND "), p.args...)
	return list, wrap("find rsvps", err)
}

// cancelOccurrence marks a locked occurrence cancelled and tells everyone
// with an active request.
func (db *DB) cancelOccurrence(ctx context.Context, tx pgx.Tx, ref tsunagari.OccurrenceRef, at time.Time, reason string, notify tsunagari.Notify) error {
	if _, err := tx.Exec(ctx, `UPDATE event_occurrences SET cancelled_at = $3, cancel_reason = $4 WHERE event_id = $1 AND starts_at = $2`,
		ref.EventID, ref.StartsAt, at, reason); err != nil {
		return err
	}
	active, err := findRSVPs(ctx, tx, `r.event_id = $1 AND r.starts_at = $2 AND r.status IN `+activeStatuses, ref.EventID, ref.StartsAt)
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

// CancelOccurrence cancels one occurrence.
func (s *EventStore) CancelOccurrence(ctx context.Context, ref tsunagari.OccurrenceRef, at time.Time, reason string, notify tsunagari.Notify) error {
	at, ref.StartsAt = stamp(at), stamp(ref.StartsAt)
	return wrap("cancel occurrence", s.db.inTx(ctx, func(tx pgx.Tx) error {
		ev, err := loadRules(ctx, tx, ref.EventID, "FOR SHARE")
		if err != nil {
			return err
		}
		o, err := lockOccurrence(ctx, tx, ref, ev.capacity)
		if err != nil {
			return err
		}
		switch {
		case ev.cancelled || o.cancelled:
			return tsunagari.ErrCancelled
		case !at.Before(ref.StartsAt):
			return tsunagari.ErrStarted
		}
		return s.db.cancelOccurrence(ctx, tx, ref, at, reason, notify)
	}))
}

// CancelEvent cancels the event and its future occurrences.
func (s *EventStore) CancelEvent(ctx context.Context, id string, at time.Time, reason string, notify tsunagari.Notify) error {
	at = stamp(at)
	return wrap("cancel event", s.db.inTx(ctx, func(tx pgx.Tx) error {
		ev, err := loadRules(ctx, tx, id, "FOR UPDATE")
		if err != nil {
			return err
		}
		if ev.cancelled {
			return tsunagari.ErrCancelled
		}
		if _, err := tx.Exec(ctx, `UPDATE events SET cancelled_at = $2, cancel_reason = $3 WHERE id = $1`, id, at, reason); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `
			SELECT starts_at FROM event_occurrences WHERE event_id = $1 AND starts_at > $2 AND cancelled_at IS NULL
			ORDER BY starts_at FOR UPDATE`, id, at)
		if err != nil {
			return err
		}
		starts, err := pgx.CollectRows(rows, pgx.RowTo[time.Time])
		if err != nil {
			return err
		}
		for _, t := range starts {
			if err := s.db.cancelOccurrence(ctx, tx, tsunagari.OccurrenceRef{EventID: id, StartsAt: t}, at, reason, notify); err != nil {
				return err
			}
		}
		return nil
	}))
}

// FindOccurrences returns the stored occurrences starting in [from, to).
func (s *EventStore) FindOccurrences(ctx context.Context, eventID string, from, to time.Time) ([]*tsunagari.Occurrence, error) {
	rows, err := s.db.pool.Query(ctx, `
		SELECT o.starts_at, o.capacity, o.confirmed,
			(SELECT count(*) FROM event_rsvps r WHERE r.event_id = o.event_id AND r.starts_at = o.starts_at AND r.status = 'waitlisted'),
			(SELECT count(*) FROM event_rsvps r WHERE r.event_id = o.event_id AND r.starts_at = o.starts_at AND r.status IN ('pending', 'entered')),
			o.cancelled_at, o.cancel_reason, o.lottery_drawn_at, o.lottery_seed
		FROM event_occurrences o
		WHERE o.event_id = $1 AND o.starts_at >= $2 AND o.starts_at < $3
		ORDER BY o.starts_at`, eventID, from, to)
	if err != nil {
		return nil, wrap("find occurrences", err)
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*tsunagari.Occurrence, error) {
		o := &tsunagari.Occurrence{EventID: eventID}
		var seed string
		if err := row.Scan(&o.StartsAt, &o.Capacity, &o.Confirmed, &o.Waitlisted, &o.Requests, &o.CancelledAt, &o.CancelReason,
			&o.LotteryDrawnAt, &seed); err != nil {
			return nil, err
		}
		o.StartsAt, o.CancelledAt, o.LotteryDrawnAt = o.StartsAt.UTC(), utcPtr(o.CancelledAt), utcPtr(o.LotteryDrawnAt)
		if seed != "" {
			v, err := strconv.ParseUint(seed, 16, 64)
			if err != nil {
				return nil, fmt.Errorf("read lottery seed: %w", err)
			}
			o.LotterySeed = v
		}
		return o, nil
	})
	return list, wrap("find occurrences", err)
}

// DueLotteries returns the occurrences whose lottery is due.
func (s *EventStore) DueLotteries(ctx context.Context, now time.Time) ([]tsunagari.OccurrenceRef, error) {
	rows, err := s.db.pool.Query(ctx, `
		SELECT o.event_id, o.starts_at FROM event_occurrences o JOIN events e ON e.id = o.event_id
		WHERE e.lottery_hours > 0 AND o.lottery_drawn_at IS NULL AND o.cancelled_at IS NULL AND e.cancelled_at IS NULL
			AND o.starts_at - make_interval(hours => e.lottery_hours) <= $1
		ORDER BY o.starts_at, o.event_id`, now)
	if err != nil {
		return nil, wrap("due lotteries", err)
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (tsunagari.OccurrenceRef, error) {
		var ref tsunagari.OccurrenceRef
		err := row.Scan(&ref.EventID, &ref.StartsAt)
		ref.StartsAt = ref.StartsAt.UTC()
		return ref, err
	})
	return list, wrap("due lotteries", err)
}

// DrawLottery draws the occurrence's lottery once.
func (s *EventStore) DrawLottery(ctx context.Context, ref tsunagari.OccurrenceRef, seed uint64, at time.Time, notify tsunagari.Notify) (bool, error) {
	at, ref.StartsAt = stamp(at), stamp(ref.StartsAt)
	drew := false
	err := s.db.inTx(ctx, func(tx pgx.Tx) error {
		ev, err := loadRules(ctx, tx, ref.EventID, "FOR SHARE")
		if err != nil {
			return err
		}
		if ev.lotteryHours == 0 {
			return fmt.Errorf("%w: the event has no lottery", tsunagari.ErrConflict)
		}
		if at.Before(ref.StartsAt.Add(-time.Duration(ev.lotteryHours) * time.Hour)) {
			return fmt.Errorf("%w: the lottery is still open", tsunagari.ErrConflict)
		}
		o, err := lockOccurrence(ctx, tx, ref, ev.capacity)
		if err != nil {
			return err
		}
		if o.drawn {
			return nil
		}
		if o.cancelled || ev.cancelled {
			return tsunagari.ErrCancelled
		}
		entries, err := findRSVPs(ctx, tx, `r.event_id = $1 AND r.starts_at = $2 AND r.status = 'entered'`, ref.EventID, ref.StartsAt)
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
		if _, err := tx.Exec(ctx, `
			UPDATE event_occurrences SET confirmed = confirmed + $3, lottery_drawn_at = $4, lottery_seed = $5
			WHERE event_id = $1 AND starts_at = $2`,
			ref.EventID, ref.StartsAt, min(free, len(entries)), at, fmt.Sprintf("%016x", seed)); err != nil {
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
	return drew, wrap("draw lottery", err)
}

// SetCalendarFeed gives the account a feed, replacing any it had.
func (s *EventStore) SetCalendarFeed(ctx context.Context, f *tsunagari.CalendarFeed) error {
	f.CreatedAt = s.db.orNow(f.CreatedAt)
	_, err := s.db.pool.Exec(ctx, `
		INSERT INTO calendar_feeds (account_id, token_hash, created_at) VALUES ($1, $2, $3)
		ON CONFLICT (account_id) DO UPDATE SET token_hash = excluded.token_hash, created_at = excluded.created_at`,
		f.AccountID, f.TokenHash, f.CreatedAt)
	return wrap("set calendar feed", err)
}

// DeleteCalendarFeed revokes the account's feed.
func (s *EventStore) DeleteCalendarFeed(ctx context.Context, accountID string) error {
	return wrap("delete calendar feed", affectedOne(s.db.pool.Exec(ctx, `DELETE FROM calendar_feeds WHERE account_id = $1`, accountID)))
}

// FindCalendarFeed finds a feed by token hash, or by account.
func (s *EventStore) FindCalendarFeed(ctx context.Context, tokenHash, accountID string) (*tsunagari.CalendarFeed, error) {
	where, arg := `token_hash = $1`, tokenHash
	if tokenHash == "" {
		if accountID == "" {
			return nil, tsunagari.ErrNotFound
		}
		where, arg = `account_id = $1`, accountID
	}
	var f tsunagari.CalendarFeed
	err := s.db.pool.QueryRow(ctx, `SELECT account_id, token_hash, created_at FROM calendar_feeds WHERE `+where, arg).
		Scan(&f.AccountID, &f.TokenHash, &f.CreatedAt)
	if err != nil {
		return nil, wrap("find calendar feed", err)
	}
	f.CreatedAt = f.CreatedAt.UTC()
	return &f, nil
}
