// Package event runs the events of communities: organisers create and
// cancel them, people ask for seats and withdraw, the waitlist moves up
// first come, first served, lotteries are drawn at their deadline with a
// recorded seed, organisers approve requests and check people in, and
// members follow their events in a calendar feed. Every method takes the
// acting account. Who comes to an event is known only to its organisers
// and to each person about themselves.
package event

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"time"

	"tsunagari"
	"tsunagari/internal/audit"
	"tsunagari/internal/auth"
	"tsunagari/internal/i18n"
)

// Service implements events.
type Service struct {
	Store       tsunagari.EventStore
	Communities tsunagari.CommunityStore
	Catalog     *i18n.Catalog
	// BaseURL is the site's address, for links in mail.
	BaseURL string
	Now     func() time.Time
	// Audit records cancellations and lottery draws.
	Audit *audit.Service
	// Seed returns the seed of a lottery draw; nil means crypto/rand.
	Seed func() uint64
}

func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Second) }

// Horizons of what the service lists.
const (
	// Upcoming is how many upcoming occurrences an event's page offers.
	Upcoming = 8
	// CommunityFeedDays is how far ahead a community's calendar feed
	// reaches; MemberFeedPastDays, how far back a member's does.
	CommunityFeedDays  = 120
	MemberFeedPastDays = 30
	// maxListed bounds the events a listing reads before it sorts them
	// by their next occurrence.
	maxListed = 500
)

var (
	errSignIn   = tsunagari.NewError(tsunagari.CodeUnauthorized, "auth.sign_in_required")
	errNotFound = tsunagari.NewError(tsunagari.CodeNotFound, "event.not_found")
)

// runs reports whether actor organises the community.
func (s *Service) runs(ctx context.Context, actor *tsunagari.Account, communityID string) (bool, error) {
	if actor == nil {
		return false, nil
	}
	m, err := s.Communities.FindMembership(ctx, communityID, actor.ID)
	if errors.Is(err, tsunagari.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return m.Status == tsunagari.MembershipActive && m.Role.Runs(), nil
}

// visible returns the event if actor may know of it: anyone, unless its
// community is hidden, when only its organisers and the operators who
// moderate it may. runs says whether actor organises it.
func (s *Service) visible(ctx context.Context, actor *tsunagari.Account, id string) (e *tsunagari.Event, runs bool, err error) {
	if !tsunagari.ValidID(id) {
		return nil, false, errNotFound
	}
	e, err = s.Store.FindEventByID(ctx, id)
	if errors.Is(err, tsunagari.ErrNotFound) {
		return nil, false, errNotFound
	}
	if err != nil {
		return nil, false, err
	}
	if runs, err = s.runs(ctx, actor, e.CommunityID); err != nil {
		return nil, false, err
	}
	if e.Community.Hidden && !runs && !actor.Has(tsunagari.RoleOperator) {
		return nil, false, errNotFound
	}
	return e, runs, nil
}

// organised returns the event if actor organises it, and "not found"
// otherwise.
func (s *Service) organised(ctx context.Context, actor *tsunagari.Account, id string) (*tsunagari.Event, error) {
	if actor == nil {
		return nil, errSignIn
	}
	e, runs, err := s.visible(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if !runs {
		return nil, errNotFound
	}
	return e, nil
}

// Community returns the community if actor organises it, to add events
// to: "not found" if actor does not organise it, and a conflict if it is
// hidden.
func (s *Service) Community(ctx context.Context, actor *tsunagari.Account, id string) (*tsunagari.Community, error) {
	if actor == nil {
		return nil, errSignIn
	}
	notFound := tsunagari.NewError(tsunagari.CodeNotFound, "event.community_not_found")
	if !tsunagari.ValidID(id) {
		return nil, notFound
	}
	c, err := s.Communities.FindCommunityByID(ctx, id)
	if errors.Is(err, tsunagari.ErrNotFound) {
		return nil, notFound
	}
	if err != nil {
		return nil, err
	}
	runs, err := s.runs(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	switch {
	case !runs:
		return nil, notFound
	case c.Hidden():
		return nil, tsunagari.NewError(tsunagari.CodeConflict, "event.community_hidden")
	}
	return c, nil
}

// Create adds e to a community actor organises. The first occurrence
// must lie ahead.
func (s *Service) Create(ctx context.Context, actor *tsunagari.Account, e *tsunagari.Event) error {
	if _, err := s.Community(ctx, actor, e.CommunityID); err != nil {
		return err
	}
	e.Clean()
	if err := e.Validate(); err != nil {
		return err
	}
	first, _ := e.First()
	if !first.After(s.now()) {
		return tsunagari.Invalid("startsAt", "event.starts_in_past")
	}
	e.ID, e.CreatedBy, e.CreatedAt, e.CancelledAt = "", actor.ID, s.now(), nil
	if err := s.Store.CreateEvent(ctx, e); err != nil {
		return fmt.Errorf("create event: %w", err)
	}
	return nil
}

// Occurrence is one occurrence of an event as a person sees it.
type Occurrence struct {
	StartsAt, EndsAt time.Time
	// State is what the store holds about its seats; zero counts when
	// nobody has asked yet.
	State tsunagari.Occurrence
	// Mine is the actor's own request, if any.
	Mine *tsunagari.RSVP
	// LotteryClosesAt is when its lottery is drawn; zero without one.
	LotteryClosesAt time.Time
	// Open says one may still ask for a seat: it is neither cancelled
	// nor started.
	Open bool
}

// Cancelled reports whether the occurrence is called off, alone or with
// its whole event.
func (o *Occurrence) Cancelled() bool { return o.State.CancelledAt != nil }

// Details is an event as its page shows it.
type Details struct {
	Event *tsunagari.Event
	// Runs says the actor organises the event.
	Runs bool
	// Upcoming lists the occurrences that have not ended, first the one
	// asked for if it is further away.
	Upcoming []*Occurrence
	// Selected is the occurrence the page is about: the one asked for,
	// else the next; nil when none is left.
	Selected *Occurrence
}

// ShowsLink reports whether the actor may see the link to join online:
// organisers, and people with a seat at the selected occurrence.
func (d *Details) ShowsLink() bool {
	return d.Event.Online && d.Event.OnlineURL != "" &&
		(d.Runs || d.Selected != nil && d.Selected.Mine != nil && d.Selected.Mine.Status == tsunagari.RSVPConfirmed)
}

// Event returns the event with its upcoming occurrences. at, if not
// zero, selects one occurrence; it must be one of the event's.
func (s *Service) Event(ctx context.Context, actor *tsunagari.Account, id string, at time.Time) (*Details, error) {
	e, runs, err := s.visible(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	now := s.now()
	starts := e.Between(now, now.AddDate(10, 0, 0), Upcoming)
	if e.CancelledAt != nil {
		starts = nil
	}
	if !at.IsZero() {
		if !e.Occurs(at) {
			return nil, tsunagari.NewError(tsunagari.CodeNotFound, "event.no_such_occurrence")
		}
		if !slices.ContainsFunc(starts, at.Equal) {
			starts = append([]time.Time{at}, starts...)
		}
	}
	d := &Details{Event: e, Runs: runs}
	if d.Upcoming, err = s.occurrences(ctx, actor, e, starts); err != nil {
		return nil, err
	}
	for _, o := range d.Upcoming {
		if at.IsZero() || o.StartsAt.Equal(at) {
			d.Selected = o
			break
		}
	}
	return d, nil
}

// occurrences returns the occurrences of e that start at starts, with
// their stored state and actor's own requests.
func (s *Service) occurrences(ctx context.Context, actor *tsunagari.Account, e *tsunagari.Event, starts []time.Time) ([]*Occurrence, error) {
	if len(starts) == 0 {
		return nil, nil
	}
	from, to := slices.MinFunc(starts, time.Time.Compare), slices.MaxFunc(starts, time.Time.Compare)
	stored, err := s.Store.FindOccurrences(ctx, e.ID, from, to.Add(time.Second))
	if err != nil {
		return nil, err
	}
	var mine []*tsunagari.RSVP
	if actor != nil {
		if mine, err = s.Store.FindRSVPs(ctx, tsunagari.RSVPFilter{EventID: e.ID, AccountID: actor.ID}); err != nil {
			return nil, err
		}
	}
	out := make([]*Occurrence, len(starts))
	for i, t := range starts {
		o := &Occurrence{StartsAt: t, EndsAt: t.Add(e.Duration()), State: tsunagari.Occurrence{EventID: e.ID, StartsAt: t, Capacity: e.Capacity}}
		if e.Lottery() {
			o.LotteryClosesAt = e.LotteryClosesAt(t)
		}
		for _, st := range stored {
			if st.StartsAt.Equal(t) {
				o.State = *st
			}
		}
		if o.State.CancelledAt == nil && e.CancelledAt != nil {
			o.State.CancelledAt, o.State.CancelReason = e.CancelledAt, e.CancelReason
		}
		o.Open = o.State.CancelledAt == nil && t.After(s.now())
		for _, r := range mine {
			if r.StartsAt.Equal(t) && r.Status != tsunagari.RSVPCancelled {
				o.Mine = r
			}
		}
		out[i] = o
	}
	return out, nil
}

// ListFilter selects the events a listing shows.
type ListFilter struct {
	CommunityID string
	// TrialOnly lists only events that welcome first-time visitors.
	TrialOnly bool
	Query     string
	Limit     int
}

// Listing is an event in a list, with its next occurrence.
type Listing struct {
	Event *Details
	Next  *Occurrence
}

// List returns upcoming events, the soonest first. Anyone may list them;
// events of hidden communities are left out.
func (s *Service) List(ctx context.Context, actor *tsunagari.Account, f ListFilter) ([]Listing, error) {
	if f.CommunityID != "" && !tsunagari.ValidID(f.CommunityID) {
		return nil, nil
	}
	now := s.now()
	events, err := s.Store.FindEvents(ctx, tsunagari.EventFilter{CommunityID: f.CommunityID, EndsAfter: now,
		TrialWelcome: f.TrialOnly, Query: f.Query, Limit: maxListed})
	if err != nil {
		return nil, err
	}
	type next struct {
		e  *tsunagari.Event
		at time.Time
	}
	var list []next
	for _, e := range events {
		if at, ok := e.Next(now); ok {
			list = append(list, next{e, at})
		}
	}
	if f.Query == "" {
		slices.SortStableFunc(list, func(a, b next) int { return a.at.Compare(b.at) })
	}
	if f.Limit > 0 && len(list) > f.Limit {
		list = list[:f.Limit]
	}
	out := make([]Listing, 0, len(list))
	for _, n := range list {
		occ, err := s.occurrences(ctx, actor, n.e, []time.Time{n.at})
		if err != nil {
			return nil, err
		}
		out = append(out, Listing{Event: &Details{Event: n.e}, Next: occ[0]})
	}
	return out, nil
}

// NextTrial returns the soonest upcoming event of the community that
// welcomes first-time visitors, and false if there is none.
func (s *Service) NextTrial(ctx context.Context, actor *tsunagari.Account, communityID string) (*Listing, bool, error) {
	list, err := s.List(ctx, actor, ListFilter{CommunityID: communityID, TrialOnly: true, Limit: 1})
	if err != nil || len(list) == 0 {
		return nil, false, err
	}
	return &list[0], true, nil
}

// occurrenceOf returns the start of e's occurrence at, or of its next one
// when at is zero, refusing one that has started.
func (s *Service) occurrenceOf(e *tsunagari.Event, at time.Time) (time.Time, error) {
	now := s.now()
	if e.CancelledAt != nil {
		return time.Time{}, tsunagari.NewError(tsunagari.CodeConflict, "event.cancelled")
	}
	if at.IsZero() {
		next, ok := e.Next(now)
		if !ok {
			return time.Time{}, tsunagari.NewError(tsunagari.CodeInvalid, "event.past")
		}
		at = next
	}
	if !e.Occurs(at) {
		return time.Time{}, tsunagari.NewError(tsunagari.CodeNotFound, "event.no_such_occurrence")
	}
	if !at.After(now) {
		return time.Time{}, tsunagari.NewError(tsunagari.CodeInvalid, "event.past")
	}
	return at, nil
}

// storeError turns the event store's refusals into what a person reads.
func storeError(err error, what string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, tsunagari.ErrFull):
		return tsunagari.NewError(tsunagari.CodeConflict, "event.full")
	case errors.Is(err, tsunagari.ErrStarted):
		return tsunagari.NewError(tsunagari.CodeConflict, "event.closed")
	case errors.Is(err, tsunagari.ErrCancelled):
		return tsunagari.NewError(tsunagari.CodeConflict, "event.cancelled")
	case errors.Is(err, tsunagari.ErrConflict):
		return tsunagari.NewError(tsunagari.CodeConflict, "event.already_requested")
	case errors.Is(err, tsunagari.ErrNotFound):
		return errNotFound
	}
	return fmt.Errorf("%s: %w", what, err)
}

// RSVP asks for a seat for actor at the occurrence at (zero: the next),
// as a first-time visitor if trial. Where the request stands depends on
// the event; see tsunagari.EventStore.CreateRSVP.
func (s *Service) RSVP(ctx context.Context, actor *tsunagari.Account, id string, at time.Time, trial bool) (*tsunagari.RSVP, error) {
	if actor == nil {
		return nil, errSignIn
	}
	e, _, err := s.visible(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if e.Community.Hidden {
		return nil, tsunagari.NewError(tsunagari.CodeConflict, "event.hidden_no_requests")
	}
	if at, err = s.occurrenceOf(e, at); err != nil {
		return nil, err
	}
	ref := tsunagari.OccurrenceRef{EventID: e.ID, StartsAt: at}
	if e.Lottery() && !s.now().Before(e.LotteryClosesAt(at)) {
		// The lottery is due: draw it now rather than wait for the job,
		// so that this request queues behind the drawn ones.
		if _, err := s.draw(ctx, e, ref); err != nil {
			return nil, err
		}
	}
	r := &tsunagari.RSVP{EventID: e.ID, StartsAt: at, AccountID: actor.ID, Trial: trial && e.TrialWelcome, RequestedAt: s.now()}
	if err := s.Store.CreateRSVP(ctx, r); err != nil {
		return nil, storeError(err, "rsvp")
	}
	return r, nil
}

// CancelRSVP withdraws actor's request for the occurrence at (zero: the
// next they have one for). A freed seat goes to the first on the
// waitlist, who is told by mail.
func (s *Service) CancelRSVP(ctx context.Context, actor *tsunagari.Account, id string, at time.Time) (*tsunagari.RSVP, error) {
	if actor == nil {
		return nil, errSignIn
	}
	e, _, err := s.visible(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if at.IsZero() {
		mine, err := s.Store.FindRSVPs(ctx, tsunagari.RSVPFilter{EventID: e.ID, AccountID: actor.ID, EndsAfter: s.now(),
			Statuses: []tsunagari.RSVPStatus{tsunagari.RSVPConfirmed, tsunagari.RSVPWaitlisted, tsunagari.RSVPPending, tsunagari.RSVPEntered}})
		if err != nil {
			return nil, err
		}
		if len(mine) == 0 {
			return nil, tsunagari.NewError(tsunagari.CodeNotFound, "event.no_request")
		}
		at = mine[0].StartsAt
	}
	r, err := s.Store.CancelRSVP(ctx, tsunagari.OccurrenceRef{EventID: e.ID, StartsAt: at}, actor.ID, s.now(), s.notifier(e))
	switch {
	case errors.Is(err, tsunagari.ErrNotFound):
		return nil, tsunagari.NewError(tsunagari.CodeNotFound, "event.no_request")
	case errors.Is(err, tsunagari.ErrStarted):
		return nil, tsunagari.NewError(tsunagari.CodeInvalid, "event.past")
	}
	return r, storeError(err, "cancel rsvp")
}

// rsvpOf returns a request and its event if actor organises the event.
func (s *Service) rsvpOf(ctx context.Context, actor *tsunagari.Account, rsvpID string) (*tsunagari.RSVP, *tsunagari.Event, error) {
	if actor == nil {
		return nil, nil, errSignIn
	}
	notFound := tsunagari.NewError(tsunagari.CodeNotFound, "event.no_request")
	if !tsunagari.ValidID(rsvpID) {
		return nil, nil, notFound
	}
	r, err := s.Store.FindRSVP(ctx, rsvpID)
	if errors.Is(err, tsunagari.ErrNotFound) {
		return nil, nil, notFound
	}
	if err != nil {
		return nil, nil, err
	}
	e, err := s.organised(ctx, actor, r.EventID)
	if tsunagari.ErrorCode(err) == tsunagari.CodeNotFound {
		return nil, nil, notFound
	}
	if err != nil {
		return nil, nil, err
	}
	return r, e, nil
}

// Decide approves or declines a request to an event that needs an
// organiser's approval. The person is told by mail.
func (s *Service) Decide(ctx context.Context, actor *tsunagari.Account, rsvpID string, approve bool) (*tsunagari.RSVP, error) {
	_, e, err := s.rsvpOf(ctx, actor, rsvpID)
	if err != nil {
		return nil, err
	}
	r, err := s.Store.DecideRSVP(ctx, rsvpID, approve, s.now(), s.notifier(e))
	switch {
	case errors.Is(err, tsunagari.ErrConflict):
		return nil, tsunagari.NewError(tsunagari.CodeConflict, "event.not_pending")
	case errors.Is(err, tsunagari.ErrStarted):
		return nil, tsunagari.NewError(tsunagari.CodeInvalid, "event.past")
	}
	return r, storeError(err, "decide rsvp")
}

// CheckIn records that a person with a seat has arrived: on the day, from
// tsunagari.CheckInWindow before the start until as long after the end.
func (s *Service) CheckIn(ctx context.Context, actor *tsunagari.Account, rsvpID string) (*tsunagari.RSVP, error) {
	r, e, err := s.rsvpOf(ctx, actor, rsvpID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	if now.Before(r.StartsAt.Add(-tsunagari.CheckInWindow)) || now.After(r.StartsAt.Add(e.Duration()+tsunagari.CheckInWindow)) {
		return nil, tsunagari.NewError(tsunagari.CodeInvalid, "event.check_in_window")
	}
	r, err = s.Store.CheckIn(ctx, rsvpID, now)
	if errors.Is(err, tsunagari.ErrConflict) {
		return nil, tsunagari.NewError(tsunagari.CodeConflict, "event.check_in_no_seat")
	}
	return r, storeError(err, "check in")
}

// Attendees returns the requests for one occurrence of an event actor
// organises (zero at: the next), in queue order, with the occurrence.
func (s *Service) Attendees(ctx context.Context, actor *tsunagari.Account, id string, at time.Time) (*Occurrence, []*tsunagari.RSVP, *tsunagari.Event, error) {
	e, err := s.organised(ctx, actor, id)
	if err != nil {
		return nil, nil, nil, err
	}
	if at.IsZero() {
		next, ok := e.Next(s.now())
		if !ok {
			next, _ = e.Last()
			if next.IsZero() {
				next = e.StartsAt
			}
		}
		at = next
	}
	if !e.Occurs(at) {
		return nil, nil, nil, tsunagari.NewError(tsunagari.CodeNotFound, "event.no_such_occurrence")
	}
	occ, err := s.occurrences(ctx, nil, e, []time.Time{at})
	if err != nil {
		return nil, nil, nil, err
	}
	list, err := s.Store.FindRSVPs(ctx, tsunagari.RSVPFilter{EventID: e.ID, StartsAt: at})
	if err != nil {
		return nil, nil, nil, err
	}
	return occ[0], list, e, nil
}

// Cancel calls off an event actor organises: one occurrence, or with a
// zero at the whole event. Everyone with a request is told by mail.
func (s *Service) Cancel(ctx context.Context, actor *tsunagari.Account, id string, at time.Time, reason string) error {
	e, err := s.organised(ctx, actor, id)
	if err != nil {
		return err
	}
	reason = tsunagari.CleanReason(reason)
	if err := tsunagari.CheckReason("reason", reason); err != nil {
		return err
	}
	told := *e // the mail gives the reason
	told.CancelReason = reason
	detail := "all"
	if at.IsZero() {
		err = s.Store.CancelEvent(ctx, e.ID, s.now(), reason, s.notifier(&told))
	} else {
		if at, err = s.occurrenceOf(e, at); err != nil {
			return err
		}
		detail = "occurrence=" + tsunagari.OccurrenceKey(at)
		err = s.Store.CancelOccurrence(ctx, tsunagari.OccurrenceRef{EventID: e.ID, StartsAt: at}, s.now(), reason, s.notifier(&told))
	}
	if err := storeError(err, "cancel event"); err != nil {
		return err
	}
	return s.Audit.Record(ctx, &tsunagari.AuditEvent{ActorID: actor.ID, Action: tsunagari.AuditEventCancel,
		Outcome: tsunagari.OutcomeSuccess, TargetType: "event", TargetID: e.ID, Detail: detail})
}

// DrawDue draws every lottery whose deadline has passed and returns how
// many it drew. It is the job the server runs every minute; several
// processes may run it at once, and each lottery is drawn once, by one of
// them: a lottery another process drew first is not counted.
func (s *Service) DrawDue(ctx context.Context) (int, error) {
	due, err := s.Store.DueLotteries(ctx, s.now())
	if err != nil {
		return 0, err
	}
	drawn := 0
	for _, ref := range due {
		e, err := s.Store.FindEventByID(ctx, ref.EventID)
		if err != nil {
			return drawn, err
		}
		drew, err := s.draw(ctx, e, ref)
		if err != nil {
			return drawn, err
		}
		if drew {
			drawn++
		}
	}
	return drawn, nil
}

// draw draws the lottery of one occurrence with a fresh seed, unless it
// has been drawn or cancelled, records the seed in the audit trail and
// reports whether it drew.
func (s *Service) draw(ctx context.Context, e *tsunagari.Event, ref tsunagari.OccurrenceRef) (bool, error) {
	seed := s.seed()
	drew, err := s.Store.DrawLottery(ctx, ref, seed, s.now(), s.notifier(e))
	if errors.Is(err, tsunagari.ErrCancelled) {
		return false, nil
	}
	if err != nil || !drew {
		return false, err
	}
	return true, s.Audit.Record(ctx, &tsunagari.AuditEvent{Action: tsunagari.AuditLotteryDraw, Outcome: tsunagari.OutcomeSuccess,
		TargetType: "event", TargetID: e.ID, Detail: fmt.Sprintf("occurrence=%s seed=%016x", tsunagari.OccurrenceKey(ref.StartsAt), seed)})
}

func (s *Service) seed() uint64 {
	if s.Seed != nil {
		return s.Seed()
	}
	var b [8]byte
	rand.Read(b[:])
	return binary.BigEndian.Uint64(b[:])
}

// Calendar feeds.

// FeedTokenPrefix starts every calendar feed token.
const FeedTokenPrefix = "tsf_"

// Feed returns actor's calendar feed; ErrNotFound-coded if they have none.
func (s *Service) Feed(ctx context.Context, actor *tsunagari.Account) (*tsunagari.CalendarFeed, error) {
	if actor == nil {
		return nil, errSignIn
	}
	f, err := s.Store.FindCalendarFeed(ctx, "", actor.ID)
	if errors.Is(err, tsunagari.ErrNotFound) {
		return nil, tsunagari.NewError(tsunagari.CodeNotFound, "feed.none")
	}
	return f, err
}

// CreateFeed gives actor a calendar feed with a new secret address,
// ending any they had, and returns the token, shown this once.
func (s *Service) CreateFeed(ctx context.Context, actor *tsunagari.Account) (string, error) {
	if actor == nil {
		return "", errSignIn
	}
	token := tsunagari.NewSecret(FeedTokenPrefix)
	if err := s.Store.SetCalendarFeed(ctx, &tsunagari.CalendarFeed{AccountID: actor.ID, TokenHash: auth.HashToken(token), CreatedAt: s.now()}); err != nil {
		return "", fmt.Errorf("create feed: %w", err)
	}
	return token, nil
}

// RevokeFeed ends actor's calendar feed: its address answers "not found"
// from now on.
func (s *Service) RevokeFeed(ctx context.Context, actor *tsunagari.Account) error {
	if actor == nil {
		return errSignIn
	}
	err := s.Store.DeleteCalendarFeed(ctx, actor.ID)
	if errors.Is(err, tsunagari.ErrNotFound) {
		return tsunagari.NewError(tsunagari.CodeNotFound, "feed.none")
	}
	return err
}

// Entry is one occurrence in a calendar.
type Entry struct {
	Event            *tsunagari.Event
	StartsAt, EndsAt time.Time
	Cancelled        bool
	// Status is the member's own request, in a member's calendar, and
	// Position its place on the waitlist.
	Status   tsunagari.RSVPStatus
	Position int
}

var errNoFeed = tsunagari.NewError(tsunagari.CodeNotFound, "feed.not_found")

// feedOwner returns the account ID of the feed with token.
func (s *Service) feedOwner(ctx context.Context, token string) (string, error) {
	if len(token) < len(FeedTokenPrefix)+20 || token[:len(FeedTokenPrefix)] != FeedTokenPrefix {
		return "", errNoFeed
	}
	f, err := s.Store.FindCalendarFeed(ctx, auth.HashToken(token), "")
	if errors.Is(err, tsunagari.ErrNotFound) {
		return "", errNoFeed
	}
	if err != nil {
		return "", err
	}
	return f.AccountID, nil
}

// MemberCalendar returns the occurrences the owner of the feed token has
// asked for, from MemberFeedPastDays ago on, with where they stand.
func (s *Service) MemberCalendar(ctx context.Context, token string) ([]Entry, error) {
	owner, err := s.feedOwner(ctx, token)
	if err != nil {
		return nil, err
	}
	return s.entries(ctx, owner, s.now().AddDate(0, 0, -MemberFeedPastDays))
}

// Mine returns the occurrences actor has asked for that have not ended,
// the soonest first, with where actor stands.
func (s *Service) Mine(ctx context.Context, actor *tsunagari.Account) ([]Entry, error) {
	if actor == nil {
		return nil, errSignIn
	}
	return s.entries(ctx, actor.ID, s.now())
}

// entries returns the occurrences that end after since and that the
// account has an active request for.
func (s *Service) entries(ctx context.Context, accountID string, since time.Time) ([]Entry, error) {
	rsvps, err := s.Store.FindRSVPs(ctx, tsunagari.RSVPFilter{AccountID: accountID, EndsAfter: since,
		Statuses: []tsunagari.RSVPStatus{tsunagari.RSVPConfirmed, tsunagari.RSVPWaitlisted, tsunagari.RSVPPending, tsunagari.RSVPEntered}})
	if err != nil {
		return nil, err
	}
	events := map[string]*tsunagari.Event{}
	var out []Entry
	for _, r := range rsvps {
		e := events[r.EventID]
		if e == nil {
			if e, err = s.Store.FindEventByID(ctx, r.EventID); err != nil {
				return nil, err
			}
			events[r.EventID] = e
		}
		if e.Community.Hidden {
			continue
		}
		occ, err := s.occurrences(ctx, nil, e, []time.Time{r.StartsAt})
		if err != nil {
			return nil, err
		}
		out = append(out, Entry{Event: e, StartsAt: r.StartsAt, EndsAt: occ[0].EndsAt, Cancelled: occ[0].Cancelled(), Status: r.Status,
			Position: r.Position})
	}
	return out, nil
}

// CommunityCalendar returns the occurrences of a community's events in
// the next CommunityFeedDays, for the holder of a feed token.
func (s *Service) CommunityCalendar(ctx context.Context, token, communityID string) (*tsunagari.Community, []Entry, error) {
	if _, err := s.feedOwner(ctx, token); err != nil {
		return nil, nil, err
	}
	notFound := tsunagari.NewError(tsunagari.CodeNotFound, "event.community_not_found")
	if !tsunagari.ValidID(communityID) {
		return nil, nil, notFound
	}
	c, err := s.Communities.FindCommunityByID(ctx, communityID)
	if errors.Is(err, tsunagari.ErrNotFound) || err == nil && c.Hidden() {
		return nil, nil, notFound
	}
	if err != nil {
		return nil, nil, err
	}
	now := s.now()
	events, err := s.Store.FindEvents(ctx, tsunagari.EventFilter{CommunityID: communityID, EndsAfter: now, Limit: maxListed})
	if err != nil {
		return nil, nil, err
	}
	var out []Entry
	for _, e := range events {
		occ, err := s.occurrences(ctx, nil, e, e.Between(now, now.AddDate(0, 0, CommunityFeedDays), 100))
		if err != nil {
			return nil, nil, err
		}
		for _, o := range occ {
			out = append(out, Entry{Event: e, StartsAt: o.StartsAt, EndsAt: o.EndsAt, Cancelled: o.Cancelled()})
		}
	}
	slices.SortStableFunc(out, func(a, b Entry) int { return a.StartsAt.Compare(b.StartsAt) })
	return c, out, nil
}

// Cancelled returns the starts of the cancelled occurrences of an event
// actor may see, for its calendar file.
func (s *Service) Cancelled(ctx context.Context, actor *tsunagari.Account, id string) (*tsunagari.Event, []time.Time, error) {
	e, _, err := s.visible(ctx, actor, id)
	if err != nil {
		return nil, nil, err
	}
	stored, err := s.Store.FindOccurrences(ctx, e.ID, e.StartsAt, e.StartsAt.AddDate(20, 0, 0))
	if err != nil {
		return nil, nil, err
	}
	var out []time.Time
	for _, o := range stored {
		if o.CancelledAt != nil {
			out = append(out, o.StartsAt)
		}
	}
	return e, out, nil
}
