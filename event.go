package tsunagari

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// An event (イベント・勉強会) is a gathering of a community: once, or
// weekly or monthly by a recurrence rule. Each occurrence has its own
// seats. People take seats first come, first served; when seats run out
// they may join a waitlist, and the first on it moves up when a seat
// frees. Nobody can pay or be ranked to skip the queue. An organiser may
// instead draw the seats by lottery (抽選) at a deadline, with a recorded
// seed, or approve each request.

// Limits on event fields. Lengths are counted in runes.
const (
	MaxEventTitleLen       = 100
	MaxEventDescriptionLen = 4000
	MaxVenueLen            = 200
	MaxOnlineURLLen        = 500
	MaxCapacity            = 10_000
	MaxEventDuration       = 7 * 24 * time.Hour
	MaxLotteryHours        = 30 * 24
	MaxCancelReasonLen     = 500
	// CheckInWindow is how long before an occurrence starts and after it
	// ends organisers may check people in: on the day.
	CheckInWindow = 12 * time.Hour
)

// Event is a one-off or recurring gathering of a community.
type Event struct {
	ID          string `json:"id"`
	CommunityID string `json:"communityId"`
	Title       string `json:"title"`
	Description string `json:"description"`
	// StartsAt and EndsAt are the first occurrence; every occurrence of a
	// recurring event lasts as long.
	StartsAt time.Time `json:"startsAt"`
	EndsAt   time.Time `json:"endsAt"`
	// Recurrence repeats the event; nil for a one-off event.
	Recurrence *Recurrence `json:"-"`
	// Exceptions are dates (YYYY-MM-DD, in Japan) on which a recurring
	// event does not take place.
	Exceptions []string `json:"exceptions"`
	// Online means one can take part online; Venue, where one meets in
	// person, in Prefecture. An event has one or both.
	Online     bool   `json:"online"`
	Venue      string `json:"venue,omitempty"`
	Prefecture string `json:"prefecture,omitempty"`
	// OnlineURL is the link to join online. Only people with a seat and
	// the organisers see it.
	OnlineURL string `json:"-"`
	// Capacity is the number of seats of each occurrence; 0 is no limit.
	Capacity int `json:"capacity"`
	// Waitlist lets people queue for a seat once the seats are taken.
	Waitlist bool `json:"waitlist"`
	// LotteryHours, if not 0, makes seats go by lottery: requests until
	// that many hours before each occurrence are entries, drawn then.
	LotteryHours int `json:"lotteryHours"`
	// Approval makes every request wait for an organiser's decision.
	Approval bool `json:"approval"`
	// TrialWelcome says first-time visitors (見学) are welcome.
	TrialWelcome bool   `json:"trialWelcome"`
	CreatedBy    string `json:"-"`
	// CancelledAt is set when organisers cancel the whole event.
	CancelledAt  *time.Time `json:"cancelledAt,omitempty"`
	CancelReason string     `json:"cancelReason,omitempty"`
	CreatedAt    time.Time  `json:"createdAt"`

	// Community is the event's community, filled by the stores' reads:
	// its name, kind and whether it is hidden.
	Community EventCommunity `json:"-"`
}

// EventCommunity is what an event's reads tell of its community.
type EventCommunity struct {
	Name   string
	Kind   CommunityKind
	Hidden bool
}

// SearchText returns the text by which e is found: its title, its
// community's name as a tag, and the rest (description, venue and
// prefecture). Both stores index exactly this.
func (e *Event) SearchText(communityName string) (title string, tags []string, body []string) {
	body = []string{e.Description, e.Venue}
	if p := PrefectureByCode(e.Prefecture); p != nil {
		body = append(body, p.Name, p.En)
	}
	if e.Online {
		body = append(body, "オンライン online")
	}
	return e.Title, []string{communityName}, body
}

// Duration returns how long each occurrence lasts.
func (e *Event) Duration() time.Duration { return e.EndsAt.Sub(e.StartsAt) }

// Lottery reports whether seats go by lottery.
func (e *Event) Lottery() bool { return e.LotteryHours > 0 }

// Clean trims e's text fields and drops what the event's form makes
// meaningless: a waitlist without a seat limit, exceptions of a one-off
// event.
func (e *Event) Clean() {
	e.Title = strings.TrimSpace(e.Title)
	e.Description = strings.TrimSpace(strings.ReplaceAll(e.Description, "\r\n", "\n"))
	e.Venue = strings.TrimSpace(e.Venue)
	e.OnlineURL = strings.TrimSpace(e.OnlineURL)
	e.Prefecture = strings.TrimSpace(e.Prefecture)
	e.StartsAt, e.EndsAt = e.StartsAt.UTC().Truncate(time.Second), e.EndsAt.UTC().Truncate(time.Second)
	if e.Capacity == 0 {
		e.Waitlist = false
	}
	if e.Recurrence == nil || e.Exceptions == nil {
		e.Exceptions = []string{}
	}
}

// Validate checks e's fields. Whether its start lies ahead is for the
// service, which knows the time.
func (e *Event) Validate() error {
	if err := checkText("title", e.Title, MaxEventTitleLen, "event.title_required", "event.title_too_long"); err != nil {
		return err
	}
	if utf8.RuneCountInString(e.Description) > MaxEventDescriptionLen {
		return Invalid("description", "event.description_too_long", MaxEventDescriptionLen)
	}
	if strings.ContainsFunc(e.Description, func(r rune) bool { return r != '\n' && r != '\t' && isControl(r) }) {
		return Invalid("description", "error.control_characters")
	}
	switch d := e.Duration(); {
	case e.StartsAt.IsZero():
		return Invalid("startsAt", "event.start_required")
	case d <= 0:
		return Invalid("endsAt", "event.ends_before_start")
	case d > MaxEventDuration:
		return Invalid("endsAt", "event.too_long", int(MaxEventDuration.Hours()))
	}
	switch {
	case !e.Online && e.Venue == "":
		return Invalid("venue", "event.place_required")
	case utf8.RuneCountInString(e.Venue) > MaxVenueLen:
		return Invalid("venue", "event.venue_too_long", MaxVenueLen)
	case strings.ContainsFunc(e.Venue, isControl):
		return Invalid("venue", "error.control_characters")
	case e.Venue != "" && PrefectureByCode(e.Prefecture) == nil:
		return Invalid("prefecture", "event.prefecture_required")
	case e.Venue == "" && e.Prefecture != "":
		return Invalid("prefecture", "event.prefecture_without_venue")
	case e.OnlineURL != "" && !e.Online:
		return Invalid("onlineUrl", "event.url_without_online")
	case e.OnlineURL != "" && !webURL(e.OnlineURL):
		return Invalid("onlineUrl", "event.url_invalid", MaxOnlineURLLen)
	case e.Capacity < 0 || e.Capacity > MaxCapacity:
		return Invalid("capacity", "event.capacity_invalid", MaxCapacity)
	case e.LotteryHours < 0 || e.LotteryHours > MaxLotteryHours:
		return Invalid("lotteryHours", "event.lottery_hours_invalid", MaxLotteryHours)
	case e.Lottery() && e.Capacity == 0:
		return Invalid("lotteryHours", "event.lottery_needs_capacity")
	case e.Lottery() && e.Approval:
		return Invalid("lotteryHours", "event.lottery_and_approval")
	case e.Recurrence == nil && len(e.Exceptions) > 0:
		return Invalid("exceptions", "event.exceptions_without_rule")
	case len(e.Exceptions) > MaxEventExceptions:
		return Invalid("exceptions", "event.too_many_exceptions", MaxEventExceptions)
	}
	for _, d := range e.Exceptions {
		if got, ok := parseDate(d); !ok || got != d {
			return Invalid("exceptions", "event.date_invalid", clip(d))
		}
	}
	if e.Recurrence != nil {
		if _, ok := e.First(); !ok {
			return Invalid("recurrence", "event.rule_no_occurrence")
		}
	}
	return nil
}

func webURL(s string) bool {
	if utf8.RuneCountInString(s) > MaxOnlineURLLen || strings.ContainsFunc(s, func(r rune) bool { return isControl(r) || r == ' ' }) {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

// Each calls yield with the start of every occurrence of e in order, until
// yield returns false. A one-off event has one occurrence, at StartsAt.
func (e *Event) Each(yield func(time.Time) bool) {
	if e.Recurrence == nil {
		yield(e.StartsAt)
		return
	}
	e.Recurrence.Occurrences(e.StartsAt, e.Exceptions, yield)
}

// First returns the start of e's first occurrence, and false if the rule
// leaves none.
func (e *Event) First() (time.Time, bool) {
	var first time.Time
	ok := false
	e.Each(func(t time.Time) bool { first, ok = t, true; return false })
	return first, ok
}

// Last returns the start of e's last occurrence, and false if e repeats
// without end.
func (e *Event) Last() (time.Time, bool) {
	if e.Recurrence != nil && e.Recurrence.Count == 0 && e.Recurrence.Until.IsZero() {
		return time.Time{}, false
	}
	var last time.Time
	ok := false
	e.Each(func(t time.Time) bool { last, ok = t, true; return true })
	return last, ok
}

// Between returns the starts of e's occurrences that have not ended at
// from and start before to, at most limit of them.
func (e *Event) Between(from, to time.Time, limit int) []time.Time {
	var out []time.Time
	d := e.Duration()
	e.Each(func(t time.Time) bool {
		if !t.Before(to) || len(out) >= limit {
			return false
		}
		if t.Add(d).After(from) {
			out = append(out, t)
		}
		return true
	})
	return out
}

// Next returns the first occurrence of e that has not ended at now.
func (e *Event) Next(now time.Time) (time.Time, bool) {
	if e.CancelledAt != nil {
		return time.Time{}, false
	}
	var next time.Time
	ok := false
	d := e.Duration()
	e.Each(func(t time.Time) bool {
		if t.Add(d).After(now) {
			next, ok = t, true
			return false
		}
		return true
	})
	return next, ok
}

// Occurs reports whether an occurrence of e starts at t.
func (e *Event) Occurs(t time.Time) bool {
	found := false
	e.Each(func(o time.Time) bool {
		if !o.Before(t) {
			found = o.Equal(t)
			return false
		}
		return true
	})
	return found
}

// LotteryClosesAt returns when the lottery of the occurrence starting at
// start is drawn.
func (e *Event) LotteryClosesAt(start time.Time) time.Time {
	return start.Add(-time.Duration(e.LotteryHours) * time.Hour)
}

// CleanReason tidies the reason an organiser gives for cancelling.
func CleanReason(s string) string {
	return strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
}

// CheckReason checks a cleaned cancellation reason, which may be empty.
func CheckReason(field, s string) error {
	if utf8.RuneCountInString(s) > MaxCancelReasonLen {
		return Invalid(field, "event.reason_too_long", MaxCancelReasonLen)
	}
	if strings.ContainsFunc(s, func(r rune) bool { return r != '\n' && isControl(r) }) {
		return Invalid(field, "error.control_characters")
	}
	return nil
}

// OccurrenceKey writes the start of an occurrence as it appears in URLs
// and iCalendar's RECURRENCE-ID: 20261121T010000Z.
func OccurrenceKey(t time.Time) string { return t.UTC().Format("20060102T150405Z") }

// ParseOccurrenceKey reads an OccurrenceKey, or an RFC 3339 time.
func ParseOccurrenceKey(s string) (time.Time, bool) {
	if t, err := time.Parse("20060102T150405Z", s); err == nil {
		return t, true
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), true
	}
	return time.Time{}, false
}

// Occurrence is what the store holds about one occurrence of an event
// once anyone has asked for a seat: its seats, queue and state.
type Occurrence struct {
	EventID  string    `json:"-"`
	StartsAt time.Time `json:"startsAt"`
	// Capacity is the event's, copied when the occurrence is first
	// stored; the database refuses more confirmed seats than it.
	Capacity   int `json:"capacity"`
	Confirmed  int `json:"confirmed"`
	Waitlisted int `json:"waitlisted"`
	// Requests counts lottery entries and requests awaiting approval.
	Requests     int        `json:"requests"`
	CancelledAt  *time.Time `json:"cancelledAt,omitempty"`
	CancelReason string     `json:"cancelReason,omitempty"`
	// LotteryDrawnAt is set once the lottery is drawn, with the seed it
	// was drawn with, so that anyone can check the draw (DrawOrder).
	LotteryDrawnAt *time.Time `json:"lotteryDrawnAt,omitempty"`
	LotterySeed    uint64     `json:"-"`
}

// Free returns the number of seats left, or -1 for no limit.
func (o Occurrence) Free() int {
	if o.Capacity == 0 {
		return -1
	}
	return max(o.Capacity-o.Confirmed, 0)
}

// RSVPStatus is where a person stands for one occurrence.
type RSVPStatus string

const (
	RSVPConfirmed   RSVPStatus = "confirmed"    // has a seat
	RSVPWaitlisted  RSVPStatus = "waitlisted"   // queues for a seat
	RSVPPending     RSVPStatus = "pending"      // waits for an organiser's approval
	RSVPEntered     RSVPStatus = "entered"      // entered the lottery, not yet drawn
	RSVPNotSelected RSVPStatus = "not_selected" // not drawn, and no waitlist
	RSVPDeclined    RSVPStatus = "declined"     // an organiser said no
	RSVPCancelled   RSVPStatus = "cancelled"    // withdrew
)

// RSVPStatuses lists the statuses.
var RSVPStatuses = []RSVPStatus{RSVPConfirmed, RSVPWaitlisted, RSVPPending, RSVPEntered, RSVPNotSelected, RSVPDeclined, RSVPCancelled}

// Active reports whether s holds or awaits a seat.
func (s RSVPStatus) Active() bool {
	return s == RSVPConfirmed || s == RSVPWaitlisted || s == RSVPPending || s == RSVPEntered
}

// RSVP is one person's request for a seat at one occurrence.
type RSVP struct {
	ID        string     `json:"id"`
	EventID   string     `json:"eventId"`
	StartsAt  time.Time  `json:"startsAt"`
	AccountID string     `json:"-"`
	Status    RSVPStatus `json:"status"`
	// Seq is the request's place in the occurrence's queue, from 1 in
	// order of arrival (for a drawn lottery, in order of the draw). Seats
	// and waitlist places go by it and nothing else.
	Seq int `json:"-"`
	// Position is the place on the waitlist, from 1, filled on reads of
	// waitlisted requests.
	Position int `json:"position,omitempty"`
	// Trial marks a first visit (見学).
	Trial       bool       `json:"trial"`
	RequestedAt time.Time  `json:"requestedAt"`
	UpdatedAt   time.Time  `json:"updatedAt"`
	CheckedInAt *time.Time `json:"checkedInAt,omitempty"`

	// The person's name, address and language, filled by the stores'
	// reads for organisers' lists and for mail.
	Name   string `json:"-"`
	Email  string `json:"-"`
	Locale string `json:"-"`
}

// RSVPChange says what the store did to someone's request, for the
// message they are sent.
type RSVPChange string

const (
	ChangePromoted       RSVPChange = "promoted"        // moved up from the waitlist to a seat
	ChangeApproved       RSVPChange = "approved"        // approved, with a seat
	ChangeApprovedQueued RSVPChange = "approved_queued" // approved, onto the waitlist
	ChangeDeclined       RSVPChange = "declined"        // declined by an organiser
	ChangeWon            RSVPChange = "won"             // drawn in the lottery
	ChangeDrawnQueued    RSVPChange = "drawn_queued"    // not drawn, onto the waitlist
	ChangeNotSelected    RSVPChange = "not_selected"    // not drawn
	ChangeCancelled      RSVPChange = "event_cancelled" // the occurrence was cancelled
)

// Notify returns the message to send about a change the store made to r,
// or nil for none. Stores call it inside the transaction that makes the
// change and put the message in the outbox in the same transaction.
type Notify func(r *RSVP, change RSVPChange) *Mail

type notifyKey struct{}

// WithNotify returns a copy of ctx that carries notify, for store writes
// that free seats without taking a Notify of their own: the erasure of an
// account (PersonalData.ErasePersonalData) gives the seats the person
// held to the waitlist, as a cancellation does, and tells each person
// promoted through notify.
func WithNotify(ctx context.Context, notify Notify) context.Context {
	return context.WithValue(ctx, notifyKey{}, notify)
}

// NotifyFrom returns the Notify that ctx carries, or nil.
func NotifyFrom(ctx context.Context) Notify {
	n, _ := ctx.Value(notifyKey{}).(Notify)
	return n
}

// ErrFull is returned by EventStore.CreateRSVP when every seat is taken
// and the event has no waitlist.
var ErrFull = errors.New("no seats left")

// ErrStarted is returned by event store writes about an occurrence that
// has started (or, for a lottery, whose drawing is past) when the change
// is no longer possible.
var ErrStarted = errors.New("occurrence has started")

// ErrCancelled is returned by event store writes about a cancelled event
// or occurrence.
var ErrCancelled = errors.New("cancelled")

// EventFilter selects events. Zero fields do not filter.
type EventFilter struct {
	CommunityID string
	// EndsAfter selects events with an occurrence that ends after it:
	// upcoming and ongoing ones.
	EndsAfter time.Time
	// TrialWelcome selects events that welcome first-time visitors.
	TrialWelcome bool
	// Query is text as typed, read as package search reads it; results
	// are then ranked by it.
	Query string
	// IncludeHidden also returns events of hidden communities;
	// IncludeCancelled, cancelled events.
	IncludeHidden    bool
	IncludeCancelled bool
	Limit            int
}

// RSVPFilter selects RSVPs. Zero fields do not filter.
type RSVPFilter struct {
	EventID   string
	StartsAt  time.Time // with EventID: one occurrence
	AccountID string
	// Statuses selects these statuses only.
	Statuses []RSVPStatus
	// EndsAfter selects RSVPs to occurrences that end after it.
	EndsAfter time.Time
}

// OccurrenceRef names one occurrence.
type OccurrenceRef struct {
	EventID  string
	StartsAt time.Time
}

// CalendarFeed is a member's subscribable calendar: a secret link that a
// calendar app reads without signing in. Only the token's hash is kept.
type CalendarFeed struct {
	AccountID string
	TokenHash string
	CreatedAt time.Time
}

// EventStore persists events, their occurrences and RSVPs, and calendar
// feeds. It does no authorization; package event does. Its writes keep
// the seats of every occurrence: under any number of concurrent requests
// no occurrence confirms more people than its capacity, and seats and
// waitlist places go in order of arrival.
type EventStore interface {
	// CreateEvent stores e, setting its ID and CreatedAt if empty, and
	// indexes it for search. It returns ErrNotFound if the community or
	// the creator does not exist.
	CreateEvent(ctx context.Context, e *Event) error
	// FindEventByID returns ErrNotFound if there is no such event.
	FindEventByID(ctx context.Context, id string) (*Event, error)
	// FindEvents returns matching events by first start (by rank when
	// there is a query), then ID.
	FindEvents(ctx context.Context, f EventFilter) ([]*Event, error)
	// CancelEvent cancels the event at at, with every occurrence that
	// has requests and starts after at, and tells everyone with an active
	// request through notify. ErrNotFound if there is no such event,
	// ErrCancelled if it is cancelled already.
	CancelEvent(ctx context.Context, id string, at time.Time, reason string, notify Notify) error
	// CancelOccurrence cancels one occurrence and tells everyone with an
	// active request. ErrCancelled if it is cancelled already, ErrStarted
	// if it has started at at.
	CancelOccurrence(ctx context.Context, ref OccurrenceRef, at time.Time, reason string, notify Notify) error
	// FindOccurrences returns the stored occurrences of the event that
	// start in [from, to), in order.
	FindOccurrences(ctx context.Context, eventID string, from, to time.Time) ([]*Occurrence, error)

	// CreateRSVP asks for a seat for r.AccountID at the occurrence
	// r.EventID, r.StartsAt, at r.RequestedAt, and sets r's ID, Status,
	// Seq and Position. The status follows the event: pending if it needs
	// approval; entered if its lottery is still open; otherwise confirmed
	// while seats are free, then waitlisted if it has a waitlist. It
	// returns ErrFull if there is neither seat nor waitlist, ErrConflict
	// if the account has an active request or was declined, ErrStarted if
	// the occurrence has started, ErrCancelled if it is cancelled, and
	// ErrNotFound if the event or account does not exist. A withdrawn
	// request may be made again; it joins the end of the queue.
	CreateRSVP(ctx context.Context, r *RSVP) error
	// CancelRSVP withdraws the account's active request at at. If it held
	// a seat, the seat goes to the first on the waitlist, who is told
	// through notify. ErrNotFound if there is no active request,
	// ErrStarted if the occurrence has started.
	CancelRSVP(ctx context.Context, ref OccurrenceRef, accountID string, at time.Time, notify Notify) (*RSVP, error)
	// DecideRSVP approves or declines a pending request. Approved, it
	// takes a seat if one is free, else a waitlist place in order of its
	// arrival, else stays pending and DecideRSVP returns ErrFull.
	// ErrNotFound if there is no such request, ErrConflict if it is not
	// pending.
	DecideRSVP(ctx context.Context, id string, approve bool, at time.Time, notify Notify) (*RSVP, error)
	// CheckIn records that the holder of a confirmed seat has arrived.
	// ErrNotFound if there is no such request, ErrConflict if it holds no
	// seat.
	CheckIn(ctx context.Context, id string, at time.Time) (*RSVP, error)
	// FindRSVP returns ErrNotFound if there is no such request.
	FindRSVP(ctx context.Context, id string) (*RSVP, error)
	// FindRSVPs returns matching requests with the people's names: by
	// occurrence, then by queue.
	FindRSVPs(ctx context.Context, f RSVPFilter) ([]*RSVP, error)

	// DueLotteries returns the occurrences, not cancelled, whose lottery
	// closed at or before now and has not been drawn.
	DueLotteries(ctx context.Context, now time.Time) ([]OccurrenceRef, error)
	// DrawLottery draws the occurrence's lottery with seed, once: the
	// entries in the order DrawOrder gives take the seats, the rest join
	// the waitlist in that order (or are not selected without one), and
	// everyone is told. It reports whether it drew; false if the lottery
	// was drawn already, by this or another process.
	DrawLottery(ctx context.Context, ref OccurrenceRef, seed uint64, at time.Time, notify Notify) (bool, error)

	// SetCalendarFeed gives the account a feed, replacing any it had.
	SetCalendarFeed(ctx context.Context, f *CalendarFeed) error
	// DeleteCalendarFeed revokes the account's feed; ErrNotFound if it
	// has none.
	DeleteCalendarFeed(ctx context.Context, accountID string) error
	// FindCalendarFeed returns the feed with the token hash, or the
	// account's feed if tokenHash is empty and accountID is not;
	// ErrNotFound if there is none.
	FindCalendarFeed(ctx context.Context, tokenHash, accountID string) (*CalendarFeed, error)
}

// DrawOrder returns the order in which a lottery with seed draws n
// entries: a permutation of 0..n-1, where the entries are numbered by
// their place in the queue. The same seed and n always give the same
// order, so a recorded draw can be checked by anyone: it is a
// Fisher–Yates shuffle, from the last place down, of the numbers drawn
// from a PCG-DXSM generator seeded with (seed, 0x7473756e61676172),
// each reduced to a place below i+1 by rejection, never by bias.
func DrawOrder(seed uint64, n int) []int {
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	src := rand.NewPCG(seed, 0x7473756e61676172) // "tsunagar"
	for i := n - 1; i > 0; i-- {
		bound := uint64(i + 1)
		limit := -bound % bound // 2^64 mod bound: values below it are rejected
		v := src.Uint64()
		for v < limit {
			v = src.Uint64()
		}
		j := int(v % bound)
		order[i], order[j] = order[j], order[i]
	}
	return order
}
