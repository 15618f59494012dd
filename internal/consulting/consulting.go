// Package consulting runs external career consultation (社外1on1):
// consultant profiles and their verification, availability, free slots,
// bookings with their policy (auto-accept or confirm, cancel and
// reschedule, reminders, calendar files) and the private records of a
// session. Every method takes the acting account and decides what it may
// see: a booking is known only to its member and its consultant, a note
// only to the consultant, a reflection only to the member. Nobody else,
// the member's employer and the operator included, learns that either
// exists.
package consulting

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"tsunagari"
	"tsunagari/internal/audit"
	"tsunagari/internal/i18n"
)

// Sealer encrypts the records of sessions with the server's key, which
// is never in the database (auth.Sealer).
type Sealer interface {
	Seal(plaintext []byte, context string) string
	Open(sealed, context string) ([]byte, error)
	// Reseal returns sealed moved to the current key, or "" if it is
	// there already.
	Reseal(sealed, context string) (string, error)
}

// Service implements consultation.
type Service struct {
	Store    tsunagari.ConsultationStore
	Accounts tsunagari.AccountStore
	Sealer   Sealer
	Catalog  *i18n.Catalog
	// BaseURL is the public address of the site, for links in mail and
	// calendar files.
	BaseURL string
	Audit   *audit.Service
	Now     func() time.Time
}

func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Second) }

var (
	errSignIn   = tsunagari.NewError(tsunagari.CodeUnauthorized, "auth.sign_in_required")
	errNotFound = tsunagari.NewError(tsunagari.CodeNotFound, "error.not_found")
)

// Consultant returns a profile actor may see: a verified one, actor's
// own, or, for the operator, any. Others are "not found".
func (s *Service) Consultant(ctx context.Context, actor *tsunagari.Account, id string) (*tsunagari.Consultant, error) {
	if actor == nil {
		return nil, errSignIn
	}
	if !tsunagari.ValidID(id) {
		return nil, errNotFound
	}
	c, err := s.Store.FindConsultant(ctx, id)
	switch {
	case errors.Is(err, tsunagari.ErrNotFound):
		return nil, errNotFound
	case err != nil:
		return nil, err
	}
	if !c.Verified() && c.AccountID != actor.ID && !actor.Has(tsunagari.RoleOperator) {
		return nil, errNotFound
	}
	return c, nil
}

// Consultants lists the verified consultants, optionally those strong in
// a theme, by name.
func (s *Service) Consultants(ctx context.Context, actor *tsunagari.Account, theme string, limit, offset int) ([]*tsunagari.Consultant, int, error) {
	if actor == nil {
		return nil, 0, errSignIn
	}
	if theme != "" && tsunagari.ThemeByID(theme) == nil {
		return nil, 0, tsunagari.Invalid("theme", "consultation.theme_unknown")
	}
	return s.Store.FindConsultants(ctx, tsunagari.ConsultantFilter{Verified: true, Theme: theme, Limit: limit, Offset: offset})
}

// requireConsultant returns errNotFound unless actor holds the consultant
// role: to anyone else, a consultant's own pages do not exist.
func requireConsultant(actor *tsunagari.Account) error {
	if actor == nil {
		return errSignIn
	}
	if !actor.Has(tsunagari.RoleConsultant) {
		return errNotFound
	}
	return nil
}

// MyProfile returns actor's own profile, or a new unsaved one (with no
// CreatedAt) if actor has none yet.
func (s *Service) MyProfile(ctx context.Context, actor *tsunagari.Account) (*tsunagari.Consultant, error) {
	if err := requireConsultant(actor); err != nil {
		return nil, err
	}
	c, err := s.Store.FindConsultant(ctx, actor.ID)
	if errors.Is(err, tsunagari.ErrNotFound) {
		return &tsunagari.Consultant{AccountID: actor.ID, DisplayName: actor.Name, Languages: []string{"ja"}, Online: true,
			AutoAccept: true}, nil
	}
	return c, err
}

// SaveProfile stores actor's own profile. A new registration number waits
// for the operator's verification again.
func (s *Service) SaveProfile(ctx context.Context, actor *tsunagari.Account, c *tsunagari.Consultant) error {
	if err := requireConsultant(actor); err != nil {
		return err
	}
	c.AccountID, c.CreatedAt, c.UpdatedAt = actor.ID, time.Time{}, s.now()
	if err := c.Validate(); err != nil {
		return err
	}
	err := s.Store.SaveConsultant(ctx, c)
	if errors.Is(err, tsunagari.ErrConflict) {
		return tsunagari.Invalid("registrationNumber", "consultation.registration_number_taken")
	}
	return err
}

// MyAvailability returns actor's own availability, or the defaults while
// actor has no profile yet.
func (s *Service) MyAvailability(ctx context.Context, actor *tsunagari.Account) (*tsunagari.Availability, error) {
	if err := requireConsultant(actor); err != nil {
		return nil, err
	}
	av, err := s.Store.FindAvailability(ctx, actor.ID)
	if errors.Is(err, tsunagari.ErrNotFound) {
		return tsunagari.DefaultAvailability(actor.ID), nil
	}
	return av, err
}

// SaveAvailability replaces actor's own availability. Bookings made
// already stay as they are.
func (s *Service) SaveAvailability(ctx context.Context, actor *tsunagari.Account, av *tsunagari.Availability) error {
	if err := requireConsultant(actor); err != nil {
		return err
	}
	av.ConsultantID, av.UpdatedAt = actor.ID, s.now()
	if err := av.Validate(); err != nil {
		return err
	}
	err := s.Store.SaveAvailability(ctx, av)
	if errors.Is(err, tsunagari.ErrNotFound) {
		return tsunagari.NewError(tsunagari.CodeConflict, "consultation.profile_first")
	}
	return err
}

// PendingVerification lists, for the operator, the profiles whose
// registration number nobody has checked yet, and then the verified ones.
func (s *Service) ForVerification(ctx context.Context, actor *tsunagari.Account) (pending, verified []*tsunagari.Consultant, err error) {
	if err := requireOperator(actor); err != nil {
		return nil, nil, err
	}
	if pending, _, err = s.Store.FindConsultants(ctx, tsunagari.ConsultantFilter{Unverified: true}); err != nil {
		return nil, nil, err
	}
	verified, _, err = s.Store.FindConsultants(ctx, tsunagari.ConsultantFilter{Verified: true})
	return pending, verified, err
}

func requireOperator(actor *tsunagari.Account) error {
	if actor == nil {
		return errSignIn
	}
	if !actor.Has(tsunagari.RoleOperator) {
		return errNotFound
	}
	return nil
}

// Verify records that the operator checked the consultant's registration
// number against the national register, or withdraws that.
func (s *Service) Verify(ctx context.Context, actor *tsunagari.Account, consultantID string, verified bool) error {
	if err := requireOperator(actor); err != nil {
		return err
	}
	if !tsunagari.ValidID(consultantID) {
		return errNotFound
	}
	at := time.Time{}
	detail := "withdrawn"
	if verified {
		at, detail = s.now(), "verified"
	}
	switch err := s.Store.VerifyConsultant(ctx, consultantID, actor.ID, at); {
	case errors.Is(err, tsunagari.ErrNotFound):
		return errNotFound
	case err != nil:
		return err
	}
	return s.Audit.Record(ctx, &tsunagari.AuditEvent{ActorID: actor.ID, Action: tsunagari.AuditConsultantVerify,
		Outcome: tsunagari.OutcomeSuccess, TargetType: "consultant", TargetID: consultantID, Detail: detail})
}

// bookable returns the consultant and availability of a verified profile
// a member may book.
func (s *Service) bookable(ctx context.Context, actor *tsunagari.Account, consultantID string) (*tsunagari.Consultant, *tsunagari.Availability, error) {
	c, err := s.Consultant(ctx, actor, consultantID)
	if err != nil {
		return nil, nil, err
	}
	if !c.Verified() {
		return nil, nil, errNotFound
	}
	av, err := s.Store.FindAvailability(ctx, c.AccountID)
	if errors.Is(err, tsunagari.ErrNotFound) {
		return nil, nil, errNotFound
	}
	return c, av, err
}

// Slots returns the free slots of a verified consultant in [from, to),
// clipped to what can be booked now: from MinBookingLead ahead to
// BookingHorizon ahead. A slot is free if no active booking holds any of
// its time, buffer included, and its week is not full.
func (s *Service) Slots(ctx context.Context, actor *tsunagari.Account, consultantID string, from, to time.Time) ([]tsunagari.Slot, error) {
	_, av, err := s.bookable(ctx, actor, consultantID)
	if err != nil {
		return nil, err
	}
	return s.freeSlots(ctx, av, from, to)
}

func (s *Service) freeSlots(ctx context.Context, av *tsunagari.Availability, from, to time.Time) ([]tsunagari.Slot, error) {
	now := s.now()
	from = later(from, now.Add(tsunagari.MinBookingLead))
	if limit := now.Add(tsunagari.BookingHorizon); to.After(limit) {
		to = limit
	}
	if !to.After(from) {
		return nil, nil
	}
	all := av.Slots(from, to)
	if len(all) == 0 {
		return nil, nil
	}
	// Bookings that could touch these slots, and the weeks they fill.
	weekStart, _ := tsunagari.WeekOf(all[0].Start, av.Location())
	_, weekEnd := tsunagari.WeekOf(all[len(all)-1].Start, av.Location())
	booked, err := s.Store.FindBookings(ctx, tsunagari.BookingFilter{ConsultantID: av.ConsultantID, Active: true,
		From: weekStart.Add(-24 * time.Hour), To: weekEnd})
	if err != nil {
		return nil, err
	}
	perWeek := map[time.Time]int{}
	for _, b := range booked {
		w, _ := tsunagari.WeekOf(b.Start, av.Location())
		perWeek[w]++
	}
	out := all[:0]
	for _, sl := range all {
		w, _ := tsunagari.WeekOf(sl.Start, av.Location())
		if perWeek[w] >= av.WeeklyMax {
			continue
		}
		until := sl.End.Add(av.Buffer())
		if slices.ContainsFunc(booked, func(b *tsunagari.Booking) bool { return b.Overlaps(sl.Start, until) }) {
			continue
		}
		out = append(out, sl)
	}
	return out, nil
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// FreeSlotCount returns how many free slots a verified consultant has
// in the next span of time from now: what a fair recommender looks at
// before it puts someone forward.
func (s *Service) FreeSlotCount(ctx context.Context, consultantID string, span time.Duration) (int, error) {
	av, err := s.Store.FindAvailability(ctx, consultantID)
	if err != nil {
		return 0, err
	}
	now := s.now()
	slots, err := s.freeSlots(ctx, av, now, now.Add(span))
	return len(slots), err
}

// BookingRequest is what a member asks for.
type BookingRequest struct {
	ConsultantID string
	Start        time.Time
	Themes       []string
	// IdempotencyKey identifies the request: retrying it with the same
	// key returns the booking it made.
	IdempotencyKey string
}

// checkSlot checks that av offers a session at start that can be booked
// now, and returns the booking's end, blocked time and week cap.
func (s *Service) checkSlot(av *tsunagari.Availability, start time.Time) (end, blocked time.Time, cap tsunagari.WeekCap, err error) {
	now := s.now()
	start = start.UTC()
	switch {
	case start.IsZero():
		return end, blocked, cap, tsunagari.Invalid("start", "consultation.slot_invalid")
	case !start.After(now):
		return end, blocked, cap, tsunagari.Invalid("start", "consultation.slot_past")
	case start.Before(now.Add(tsunagari.MinBookingLead)):
		return end, blocked, cap, tsunagari.Invalid("start", "consultation.slot_too_soon", int(tsunagari.MinBookingLead.Hours()))
	case start.After(now.Add(tsunagari.BookingHorizon)) || !av.Offers(start):
		return end, blocked, cap, tsunagari.Invalid("start", "consultation.slot_unavailable")
	}
	end = start.Add(av.Session())
	blocked = end.Add(av.Buffer())
	weekStart, weekEnd := tsunagari.WeekOf(start, av.Location())
	return end, blocked, tsunagari.WeekCap{Start: weekStart, End: weekEnd, Max: av.WeeklyMax}, nil
}

// bookingConflict turns the store's booking conflicts into messages.
func bookingConflict(err error) error {
	switch {
	case errors.Is(err, tsunagari.ErrOverlap):
		return tsunagari.NewError(tsunagari.CodeConflict, "consultation.slot_taken")
	case errors.Is(err, tsunagari.ErrWeekFull):
		return tsunagari.NewError(tsunagari.CodeConflict, "consultation.week_full")
	case errors.Is(err, tsunagari.ErrKeyReused):
		return tsunagari.NewError(tsunagari.CodeConflict, "consultation.idempotency_key_reused")
	case errors.Is(err, tsunagari.ErrNotFound):
		return errNotFound
	}
	return err
}

// Book books a slot for actor. It returns the booking and whether it was
// made now: false when the request repeats an earlier one with the same
// idempotency key, whose booking it returns. The confirmation goes to both
// sides through the outbox in the same transaction.
func (s *Service) Book(ctx context.Context, actor *tsunagari.Account, req BookingRequest) (*tsunagari.Booking, bool, error) {
	if actor == nil {
		return nil, false, errSignIn
	}
	c, av, err := s.bookable(ctx, actor, req.ConsultantID)
	if err != nil {
		return nil, false, err
	}
	if c.AccountID == actor.ID {
		return nil, false, tsunagari.Invalid("consultantId", "consultation.own_booking")
	}
	b := &tsunagari.Booking{ConsultantID: c.AccountID, MemberID: actor.ID, Start: req.Start.UTC(), Themes: req.Themes,
		IdempotencyKey: req.IdempotencyKey, MeetingURL: c.MeetingURL, Status: tsunagari.BookingPending}
	// A retry of a booking made earlier is answered before the slot is
	// checked again: by now the slot may be taken, by that very booking.
	if b.IdempotencyKey != "" && tsunagari.ValidIdempotencyKey(b.IdempotencyKey) {
		if prior, err := s.prior(ctx, actor.ID, b); prior != nil || err != nil {
			return prior, false, err
		}
	}
	end, blocked, cap, err := s.checkSlot(av, b.Start)
	if err != nil {
		return nil, false, err
	}
	b.End, b.BlockedUntil = end, blocked
	if err := b.Validate(); err != nil {
		return nil, false, err
	}
	now := s.now()
	b.CreatedAt = now
	if c.AutoAccept {
		b.Status, b.ConfirmedAt = tsunagari.BookingConfirmed, &now
	}
	b.ID = tsunagari.NewID()
	mails, err := s.bookingMails(ctx, b, mailBooked, actor)
	if err != nil {
		return nil, false, err
	}
	out, err := s.Store.CreateBooking(ctx, b, cap, mails)
	if err != nil {
		return nil, false, bookingConflict(err)
	}
	return out, out.ID == b.ID, nil
}

// prior returns actor's booking made with b's idempotency key, nil if
// there is none, or a conflict if the key was used for another request.
func (s *Service) prior(ctx context.Context, memberID string, b *tsunagari.Booking) (*tsunagari.Booking, error) {
	mine, err := s.Store.FindBookings(ctx, tsunagari.BookingFilter{MemberID: memberID, ConsultantID: b.ConsultantID,
		From: b.Start, To: b.Start.Add(time.Second)})
	if err != nil {
		return nil, err
	}
	for _, old := range mine {
		if old.IdempotencyKey == b.IdempotencyKey {
			return old, nil
		}
	}
	return nil, nil
}

// View is a booking as one of its two sides sees it.
type View struct {
	*tsunagari.Booking
	// Consultant is the consultant's profile; empty once they left.
	Consultant *tsunagari.Consultant
	// MemberName is shown to the consultant only.
	MemberName string
	// AsConsultant is true when the viewer is the booking's consultant.
	AsConsultant bool
	// ConsultantLeft and MemberLeft say that the other side deleted
	// their account: the booking stays with the viewer, without them.
	ConsultantLeft, MemberLeft bool
}

// booking returns the booking id if actor is its member or consultant;
// to anyone else it does not exist.
func (s *Service) booking(ctx context.Context, actor *tsunagari.Account, id string) (*tsunagari.Booking, error) {
	if actor == nil {
		return nil, errSignIn
	}
	if !tsunagari.ValidID(id) {
		return nil, errNotFound
	}
	b, err := s.Store.FindBooking(ctx, id)
	switch {
	case errors.Is(err, tsunagari.ErrNotFound):
		return nil, errNotFound
	case err != nil:
		return nil, err
	}
	if b.MemberID != actor.ID && b.ConsultantID != actor.ID {
		return nil, errNotFound
	}
	return b, nil
}

// Booking returns a booking of actor's, as a member or as its consultant.
func (s *Service) Booking(ctx context.Context, actor *tsunagari.Account, id string) (*View, error) {
	b, err := s.booking(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	return s.view(ctx, actor, b)
}

func (s *Service) view(ctx context.Context, actor *tsunagari.Account, b *tsunagari.Booking) (*View, error) {
	vs, err := s.views(ctx, actor, []*tsunagari.Booking{b})
	if err != nil {
		return nil, err
	}
	return vs[0], nil
}

// MyBookings returns actor's bookings as a member, soonest first.
func (s *Service) MyBookings(ctx context.Context, actor *tsunagari.Account) ([]*View, error) {
	if actor == nil {
		return nil, errSignIn
	}
	bs, err := s.Store.FindBookings(ctx, tsunagari.BookingFilter{MemberID: actor.ID})
	if err != nil {
		return nil, err
	}
	return s.views(ctx, actor, bs)
}

// Schedule returns the bookings of actor as a consultant that start in
// [from, to).
func (s *Service) Schedule(ctx context.Context, actor *tsunagari.Account, from, to time.Time) ([]*View, error) {
	if err := requireConsultant(actor); err != nil {
		return nil, err
	}
	bs, err := s.Store.FindBookings(ctx, tsunagari.BookingFilter{ConsultantID: actor.ID, From: from, To: to})
	if err != nil {
		return nil, err
	}
	return s.views(ctx, actor, bs)
}

func (s *Service) views(ctx context.Context, actor *tsunagari.Account, bs []*tsunagari.Booking) ([]*View, error) {
	consultants := map[string]*tsunagari.Consultant{}
	names := map[string]string{}
	out := make([]*View, 0, len(bs))
	for _, b := range bs {
		v := &View{Booking: b, AsConsultant: b.ConsultantID == actor.ID}
		if c, ok := consultants[b.ConsultantID]; ok {
			v.Consultant = c
		} else if b.ConsultantID == "" {
			v.Consultant, v.ConsultantLeft = &tsunagari.Consultant{}, true
		} else {
			c, err := s.Store.FindConsultant(ctx, b.ConsultantID)
			if err != nil {
				return nil, err
			}
			consultants[b.ConsultantID], v.Consultant = c, c
		}
		if v.AsConsultant {
			if b.MemberID == "" {
				v.MemberLeft = true
			} else if n, ok := names[b.MemberID]; ok {
				v.MemberName = n
			} else {
				m, err := s.Accounts.FindAccountByID(ctx, b.MemberID)
				if err != nil {
					return nil, err
				}
				names[b.MemberID], v.MemberName = m.Name, m.Name
			}
		}
		out = append(out, v)
	}
	return out, nil
}

// Confirm confirms a pending booking of actor's as its consultant.
func (s *Service) Confirm(ctx context.Context, actor *tsunagari.Account, id string) error {
	b, err := s.booking(ctx, actor, id)
	if err != nil {
		return err
	}
	if b.ConsultantID != actor.ID {
		return errNotFound
	}
	if b.Status != tsunagari.BookingPending {
		return tsunagari.NewError(tsunagari.CodeConflict, "consultation.not_pending")
	}
	now := s.now()
	if !b.Start.After(now) {
		return tsunagari.NewError(tsunagari.CodeConflict, "consultation.already_started")
	}
	b.Status, b.ConfirmedAt = tsunagari.BookingConfirmed, &now
	mails, err := s.bookingMails(ctx, b, mailConfirmed, actor)
	if err != nil {
		return err
	}
	if err := s.Store.ConfirmBooking(ctx, b.ID, now, mails); errors.Is(err, tsunagari.ErrNotFound) {
		return tsunagari.NewError(tsunagari.CodeConflict, "consultation.not_pending")
	} else if err != nil {
		return err
	}
	return nil
}

// Cancel cancels an active booking of actor's, as its member or its
// consultant (who thereby declines a pending one). A member's
// cancellation inside FreeCancellation is recorded as late.
func (s *Service) Cancel(ctx context.Context, actor *tsunagari.Account, id string) (*tsunagari.Booking, error) {
	b, err := s.booking(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if !b.Status.Active() {
		return nil, tsunagari.NewError(tsunagari.CodeConflict, "consultation.not_active")
	}
	now := s.now()
	if !b.Start.After(now) {
		return nil, tsunagari.NewError(tsunagari.CodeConflict, "consultation.already_started")
	}
	c := tsunagari.Cancellation{By: actor.ID, At: now, Late: b.MemberID == actor.ID && b.Start.Sub(now) < tsunagari.FreeCancellation}
	b.Status, b.CancelledAt, b.CancelledBy, b.LateCancel = tsunagari.BookingCancelled, &now, actor.ID, c.Late
	mails, err := s.bookingMails(ctx, b, mailCancelled, actor)
	if err != nil {
		return nil, err
	}
	if err := s.Store.CancelBooking(ctx, b.ID, c, mails); errors.Is(err, tsunagari.ErrNotFound) {
		return nil, tsunagari.NewError(tsunagari.CodeConflict, "consultation.not_active")
	} else if err != nil {
		return nil, err
	}
	return b, nil
}

// Reschedule moves an active booking of actor's, as its member, to
// another free slot of the same consultant. It is allowed until
// FreeCancellation before the session; the new booking needs the
// consultant's confirmation again unless they accept automatically.
func (s *Service) Reschedule(ctx context.Context, actor *tsunagari.Account, id string, start time.Time) (*tsunagari.Booking, error) {
	old, err := s.booking(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if old.MemberID != actor.ID {
		return nil, errNotFound
	}
	if !old.Status.Active() {
		return nil, tsunagari.NewError(tsunagari.CodeConflict, "consultation.not_active")
	}
	now := s.now()
	if old.Start.Sub(now) < tsunagari.FreeCancellation {
		return nil, tsunagari.NewError(tsunagari.CodeConflict, "consultation.reschedule_too_late", int(tsunagari.FreeCancellation.Hours()))
	}
	c, av, err := s.bookable(ctx, actor, old.ConsultantID)
	if err != nil {
		return nil, err
	}
	end, blocked, cap, err := s.checkSlot(av, start)
	if err != nil {
		return nil, err
	}
	nb := &tsunagari.Booking{ID: tsunagari.NewID(), ConsultantID: c.AccountID, MemberID: actor.ID, Start: start.UTC(), End: end,
		BlockedUntil: blocked, Themes: old.Themes, MeetingURL: old.MeetingURL, Status: tsunagari.BookingPending, CreatedAt: now}
	if c.AutoAccept {
		nb.Status, nb.ConfirmedAt = tsunagari.BookingConfirmed, &now
	}
	if err := nb.Validate(); err != nil {
		return nil, err
	}
	mails, err := s.bookingMails(ctx, nb, mailRescheduled, actor)
	if err != nil {
		return nil, err
	}
	out, err := s.Store.RescheduleBooking(ctx, old.ID, tsunagari.Cancellation{By: actor.ID, At: now}, nb, cap, mails)
	if errors.Is(err, tsunagari.ErrNotFound) {
		return nil, tsunagari.NewError(tsunagari.CodeConflict, "consultation.not_active")
	}
	if err != nil {
		return nil, bookingConflict(err)
	}
	return out, nil
}

// SetMeetingURL sets the meeting link of an active booking of actor's as
// its consultant.
func (s *Service) SetMeetingURL(ctx context.Context, actor *tsunagari.Account, id, meetingURL string) error {
	b, err := s.booking(ctx, actor, id)
	if err != nil {
		return err
	}
	if b.ConsultantID != actor.ID {
		return errNotFound
	}
	if meetingURL != "" && !tsunagari.ValidMeetingURL(meetingURL) {
		return tsunagari.Invalid("meetingUrl", "consultation.meeting_url_invalid")
	}
	if err := s.Store.SetMeetingURL(ctx, b.ID, meetingURL); errors.Is(err, tsunagari.ErrNotFound) {
		return tsunagari.NewError(tsunagari.CodeConflict, "consultation.not_active")
	} else if err != nil {
		return err
	}
	return nil
}

// held checks that the session of b has begun and was confirmed: records
// are written after a session, not before.
func (s *Service) held(b *tsunagari.Booking) error {
	if b.Status != tsunagari.BookingConfirmed {
		return tsunagari.NewError(tsunagari.CodeConflict, "consultation.not_held")
	}
	if b.Start.After(s.now()) {
		return tsunagari.NewError(tsunagari.CodeConflict, "consultation.session_not_yet")
	}
	return nil
}

// The sealing contexts bind a sealed record to its booking and owner: a
// record copied to another booking or person does not open.

func noteContext(bookingID, consultantID string) string {
	return "tsunagari note " + bookingID + " " + consultantID
}

func reflectionContext(bookingID, memberID string) string {
	return "tsunagari reflection " + bookingID + " " + memberID
}

// SealNote returns the stored form of the text of a consultant's note on
// a booking.
func SealNote(sl Sealer, bookingID, consultantID, text string) string {
	return sl.Seal([]byte(text), noteContext(bookingID, consultantID))
}

// SealReflection returns the stored form of the items of a member's
// reflection on a booking.
func SealReflection(sl Sealer, bookingID, memberID string, items []tsunagari.ReflectionItem) (string, error) {
	b, err := json.Marshal(items)
	if err != nil {
		return "", err
	}
	return sl.Seal(b, reflectionContext(bookingID, memberID)), nil
}

// NoteText is a consultant's note as its writer reads it.
type NoteText struct {
	Text      string    `json:"text"`
	UpdatedAt time.Time `json:"updatedAt,omitzero"`
}

// WriteNote stores actor's private note on a session they held, sealed,
// with the themes they confirm the member brought.
func (s *Service) WriteNote(ctx context.Context, actor *tsunagari.Account, id, text string, confirmedThemes []string) error {
	b, err := s.booking(ctx, actor, id)
	if err != nil {
		return err
	}
	if b.ConsultantID != actor.ID {
		return errNotFound
	}
	if text, err = tsunagari.ValidateNote(text); err != nil {
		return err
	}
	if confirmedThemes, err = tsunagari.CleanThemes("confirmedThemes", confirmedThemes, 0); err != nil {
		return err
	}
	if err := s.held(b); err != nil {
		return err
	}
	n := &tsunagari.Note{BookingID: b.ID, ConsultantID: actor.ID, UpdatedAt: s.now(),
		Body: SealNote(s.Sealer, b.ID, actor.ID, text)}
	return s.Store.SaveNote(ctx, n, confirmedThemes)
}

// Note returns actor's own note on a session, empty if none yet. To
// anyone but the booking's consultant it does not exist.
func (s *Service) Note(ctx context.Context, actor *tsunagari.Account, id string) (*NoteText, error) {
	b, err := s.booking(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if b.ConsultantID != actor.ID {
		return nil, errNotFound
	}
	n, err := s.Store.FindNote(ctx, b.ID)
	switch {
	case errors.Is(err, tsunagari.ErrNotFound):
		return &NoteText{}, nil
	case err != nil:
		return nil, err
	}
	plain, err := s.Sealer.Open(n.Body, noteContext(b.ID, n.ConsultantID))
	if err != nil {
		return nil, fmt.Errorf("note of booking %s: %w", b.ID, err)
	}
	return &NoteText{Text: string(plain), UpdatedAt: n.UpdatedAt}, nil
}

// WriteReflection stores actor's private reflection on a session they
// had, sealed; the items they share, and the rating if they share it,
// may count in anonymised statistics.
func (s *Service) WriteReflection(ctx context.Context, actor *tsunagari.Account, id string, r *tsunagari.Reflection) error {
	b, err := s.booking(ctx, actor, id)
	if err != nil {
		return err
	}
	if b.MemberID != actor.ID {
		return errNotFound
	}
	if err := r.Validate(); err != nil {
		return err
	}
	if err := s.held(b); err != nil {
		return err
	}
	r.BookingID, r.MemberID, r.UpdatedAt = b.ID, actor.ID, s.now()
	if r.Body, err = SealReflection(s.Sealer, b.ID, actor.ID, r.Items); err != nil {
		return err
	}
	return s.Store.SaveReflection(ctx, r)
}

// Reflection returns actor's own reflection on a session, empty if none
// yet. To anyone but the booking's member it does not exist.
func (s *Service) Reflection(ctx context.Context, actor *tsunagari.Account, id string) (*tsunagari.Reflection, error) {
	b, err := s.booking(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if b.MemberID != actor.ID {
		return nil, errNotFound
	}
	r, err := s.Store.FindReflection(ctx, b.ID)
	switch {
	case errors.Is(err, tsunagari.ErrNotFound):
		return &tsunagari.Reflection{BookingID: b.ID, MemberID: actor.ID}, nil
	case err != nil:
		return nil, err
	}
	plain, err := s.Sealer.Open(r.Body, reflectionContext(b.ID, r.MemberID))
	if err != nil {
		return nil, fmt.Errorf("reflection of booking %s: %w", b.ID, err)
	}
	if err := json.Unmarshal(plain, &r.Items); err != nil {
		return nil, fmt.Errorf("reflection of booking %s: %w", b.ID, err)
	}
	return r, nil
}

// Reseal moves every note and reflection sealed under a previous key to
// the current one, and reports how many it moved. Run it after a key
// rotation, before the previous key is dropped.
func (s *Service) Reseal(ctx context.Context) (int, error) {
	return s.Store.Reseal(ctx, func(r tsunagari.SealedRecord) (string, error) {
		context := noteContext(r.BookingID, r.OwnerID)
		if r.Kind == "reflection" {
			context = reflectionContext(r.BookingID, r.OwnerID)
		}
		sealed, err := s.Sealer.Reseal(r.Sealed, context)
		if err != nil {
			return "", fmt.Errorf("%s of booking %s: %w", r.Kind, r.BookingID, err)
		}
		return sealed, nil
	})
}

// OpenPersonalRecords opens, in accountID's own copy of their data, the
// reflections they wrote as a member and the notes they wrote as a
// consultant: the copy is theirs, and so are these texts. It implements
// privacy.Part.
func (s *Service) OpenPersonalRecords(ctx context.Context, accountID string, recs []tsunagari.PersonalRecord) error {
	for _, r := range recs {
		bookingID, _ := r.Fields["bookingId"].(string)
		switch r.Kind {
		case tsunagari.PersonalReflection:
			sealed, ok := r.Fields["items"].(tsunagari.Sealed)
			if !ok {
				continue
			}
			plain, err := s.Sealer.Open(string(sealed), reflectionContext(bookingID, accountID))
			if err != nil {
				return fmt.Errorf("reflection of booking %s: %w", bookingID, err)
			}
			var items []tsunagari.ReflectionItem
			if err := json.Unmarshal(plain, &items); err != nil {
				return fmt.Errorf("reflection of booking %s: %w", bookingID, err)
			}
			r.Fields["items"] = items
		case tsunagari.PersonalNote:
			sealed, ok := r.Fields["text"].(tsunagari.Sealed)
			if !ok {
				continue
			}
			plain, err := s.Sealer.Open(string(sealed), noteContext(bookingID, accountID))
			if err != nil {
				return fmt.Errorf("note of booking %s: %w", bookingID, err)
			}
			r.Fields["text"] = string(plain)
		}
	}
	return nil
}

// ErasureNotices returns the mails that tell the other side of each
// upcoming session of a that it is cancelled because a deletes their
// account: the consultant of each booking a made, and the member of each
// booking a holds as consultant. It implements privacy.Part; the mails
// are stored with the erasure, which cancels the sessions.
func (s *Service) ErasureNotices(ctx context.Context, a *tsunagari.Account) ([]*tsunagari.Mail, error) {
	now := s.now()
	var mails []*tsunagari.Mail
	for _, side := range []struct {
		filter tsunagari.BookingFilter
		kind   leftKind
	}{
		{tsunagari.BookingFilter{MemberID: a.ID, Active: true, From: now}, memberLeft},
		{tsunagari.BookingFilter{ConsultantID: a.ID, Active: true, From: now}, consultantLeft},
	} {
		bs, err := s.Store.FindBookings(ctx, side.filter)
		if err != nil {
			return nil, err
		}
		for _, b := range bs {
			otherID := b.ConsultantID
			if side.kind == consultantLeft {
				otherID = b.MemberID
			}
			if otherID == "" {
				continue
			}
			other, err := s.Accounts.FindAccountByID(ctx, otherID)
			if err != nil {
				return nil, fmt.Errorf("erasure notice: %w", err)
			}
			mails = append(mails, s.leftMail(b, other, side.kind))
		}
	}
	return mails, nil
}

// PurgeKeptNotes deletes the notes consultants keep on sessions of
// members who deleted their account, once NoteRetentionYears have passed
// since the session ended, and reports how many it deleted.
func (s *Service) PurgeKeptNotes(ctx context.Context) (int, error) {
	return s.Store.PurgeKeptNotes(ctx, s.now().AddDate(-tsunagari.NoteRetentionYears, 0, 0))
}

// SendReminders writes a reminder to both sides of every confirmed
// booking that starts within ReminderLead from now and has none yet, and
// reports how many bookings it reminded.
func (s *Service) SendReminders(ctx context.Context) (int, error) {
	now := s.now()
	due, err := s.Store.FindBookings(ctx, tsunagari.BookingFilter{Active: true, NotReminded: true,
		From: now, To: now.Add(tsunagari.ReminderLead)})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, b := range due {
		if b.Status != tsunagari.BookingConfirmed {
			continue
		}
		mails, err := s.bookingMails(ctx, b, mailReminder)
		if err != nil {
			return n, err
		}
		switch err := s.Store.MarkReminded(ctx, b.ID, now, mails); {
		case errors.Is(err, tsunagari.ErrConflict), errors.Is(err, tsunagari.ErrNotFound):
			// Reminded, or cancelled, meanwhile.
		case err != nil:
			return n, err
		default:
			n++
		}
	}
	return n, nil
}
