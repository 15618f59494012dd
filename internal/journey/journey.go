// Package journey runs the member's own line through the platform: a
// private career inventory (キャリアの棚卸し) that the member may share
// with a consultant they booked, and one timeline of their diagnoses,
// inventory updates, consultations, communities and five-powers check-ins
// with a suggested next step. Every method takes the acting account.
//
// The inventory is sealed with the server's key before it is stored, as
// consultation notes are, and only two people ever read it: the member,
// and the consultant of a booking the member shared it with, while the
// share stands and the booking is pending or confirmed. Nobody else, the
// member's employer and the operator included, learns that it exists.
package journey

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"tsunagari"
	"tsunagari/internal/survey"
)

// Sealer encrypts inventories with the server's key, which is never in
// the database (auth.Sealer).
type Sealer interface {
	Seal(plaintext []byte, context string) string
	Open(sealed, context string) ([]byte, error)
	// Reseal returns sealed moved to the current key, or "" if it is
	// there already.
	Reseal(sealed, context string) (string, error)
}

// Service implements the member's journey.
type Service struct {
	Store        tsunagari.InventoryStore
	Accounts     tsunagari.AccountStore
	Consultation tsunagari.ConsultationStore
	Surveys      tsunagari.SurveyStore
	// Communities, if set, adds the communities joined to the timeline.
	Communities tsunagari.CommunityStore
	Sealer      Sealer
	Now         func() time.Time
}

var (
	errSignIn   = tsunagari.NewError(tsunagari.CodeUnauthorized, "auth.sign_in_required")
	errNotFound = tsunagari.NewError(tsunagari.CodeNotFound, "error.not_found")
)

func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Second) }

// sealContext binds a sealed inventory to its member, so that a body
// copied to another member's row does not open.
func sealContext(memberID string) string { return "tsunagari inventory " + memberID }

// open returns inv with its items opened.
func (s *Service) open(inv *tsunagari.Inventory) (*tsunagari.Inventory, error) {
	plain, err := s.Sealer.Open(inv.Body, sealContext(inv.MemberID))
	if err != nil {
		return nil, fmt.Errorf("open inventory of %s: %w", inv.MemberID, err)
	}
	if err := json.Unmarshal(plain, &inv.Items); err != nil {
		return nil, fmt.Errorf("decode inventory of %s: %w", inv.MemberID, err)
	}
	return inv, nil
}

// Inventory returns actor's own inventory, opened, or an empty one with a
// zero UpdatedAt if they have written none.
func (s *Service) Inventory(ctx context.Context, actor *tsunagari.Account) (*tsunagari.Inventory, error) {
	if actor == nil {
		return nil, errSignIn
	}
	inv, err := s.Store.FindInventory(ctx, actor.ID)
	switch {
	case errors.Is(err, tsunagari.ErrNotFound):
		return &tsunagari.Inventory{MemberID: actor.ID}, nil
	case err != nil:
		return nil, err
	}
	return s.open(inv)
}

// SaveInventory checks and seals actor's inventory and stores it.
func (s *Service) SaveInventory(ctx context.Context, actor *tsunagari.Account, items []tsunagari.InventoryItem) (*tsunagari.Inventory, error) {
	if actor == nil {
		return nil, errSignIn
	}
	inv := &tsunagari.Inventory{MemberID: actor.ID, Items: items, UpdatedAt: s.now()}
	if err := inv.Validate(); err != nil {
		return nil, err
	}
	plain, err := json.Marshal(nonNil(inv.Items))
	if err != nil {
		return nil, err
	}
	inv.Body = s.Sealer.Seal(plain, sealContext(actor.ID))
	if err := s.Store.SaveInventory(ctx, inv); err != nil {
		return nil, fmt.Errorf("save inventory: %w", err)
	}
	return inv, nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// DeleteInventory deletes actor's inventory, its history and its shares.
func (s *Service) DeleteInventory(ctx context.Context, actor *tsunagari.Account) error {
	if actor == nil {
		return errSignIn
	}
	err := s.Store.DeleteInventory(ctx, actor.ID)
	if errors.Is(err, tsunagari.ErrNotFound) {
		return errNotFound
	}
	return err
}

// Share is one of actor's bookings that the inventory can be shared with,
// or is.
type Share struct {
	Booking    *tsunagari.Booking
	Consultant string // the consultant's display name
	Shared     bool
	SharedAt   time.Time
	// Open is true while the member can still share: the booking is
	// active and its session has not started.
	Open bool
}

// Shares lists actor's bookings whose session has not ended and that are
// active or shared, soonest first.
func (s *Service) Shares(ctx context.Context, actor *tsunagari.Account) ([]Share, error) {
	if actor == nil {
		return nil, errSignIn
	}
	now := s.now()
	bs, err := s.Consultation.FindBookings(ctx, tsunagari.BookingFilter{MemberID: actor.ID, From: now.Add(-tsunagari.MaxSessionMinutes * time.Minute),
		To: now.Add(tsunagari.BookingHorizon + 24*time.Hour)})
	if err != nil {
		return nil, err
	}
	shares, err := s.Store.FindInventoryShares(ctx, actor.ID)
	if err != nil {
		return nil, err
	}
	byBooking := map[string]*tsunagari.InventoryShare{}
	for _, sh := range shares {
		byBooking[sh.BookingID] = sh
	}
	names := map[string]string{}
	var out []Share
	for _, b := range bs {
		sh := byBooking[b.ID]
		if !b.End.After(now) || (!b.Status.Active() && sh == nil) {
			continue
		}
		v := Share{Booking: b, Shared: sh != nil, Open: b.Status.Active() && b.Start.After(now)}
		if sh != nil {
			v.SharedAt = sh.SharedAt
		}
		if v.Consultant, err = s.consultantName(ctx, names, b.ConsultantID); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// consultantName returns the display name of a consultant, remembering
// it in names.
func (s *Service) consultantName(ctx context.Context, names map[string]string, id string) (string, error) {
	if n, ok := names[id]; ok {
		return n, nil
	}
	c, err := s.Consultation.FindConsultant(ctx, id)
	switch {
	case errors.Is(err, tsunagari.ErrNotFound):
		names[id] = ""
		return "", nil
	case err != nil:
		return "", err
	}
	names[id] = c.DisplayName
	return c.DisplayName, nil
}

// ownBooking returns actor's booking; anyone else's is "not found".
func (s *Service) ownBooking(ctx context.Context, actor *tsunagari.Account, id string) (*tsunagari.Booking, error) {
	if !tsunagari.ValidID(id) {
		return nil, errNotFound
	}
	b, err := s.Consultation.FindBooking(ctx, id)
	switch {
	case errors.Is(err, tsunagari.ErrNotFound):
		return nil, errNotFound
	case err != nil:
		return nil, err
	}
	if b.MemberID != actor.ID {
		return nil, errNotFound
	}
	return b, nil
}

// Share lets the consultant of actor's booking read actor's inventory,
// before the session: the booking must be active and not started, and the
// inventory written.
func (s *Service) Share(ctx context.Context, actor *tsunagari.Account, bookingID string) error {
	if actor == nil {
		return errSignIn
	}
	b, err := s.ownBooking(ctx, actor, bookingID)
	if err != nil {
		return err
	}
	switch {
	case !b.Status.Active():
		return tsunagari.NewError(tsunagari.CodeConflict, "journey.booking_not_active")
	case !b.Start.After(s.now()):
		return tsunagari.NewError(tsunagari.CodeConflict, "journey.session_started")
	}
	if _, err := s.Store.FindInventory(ctx, actor.ID); errors.Is(err, tsunagari.ErrNotFound) {
		return tsunagari.NewError(tsunagari.CodeConflict, "journey.inventory_first")
	} else if err != nil {
		return err
	}
	return s.Store.ShareInventory(ctx, &tsunagari.InventoryShare{BookingID: b.ID, MemberID: actor.ID,
		ConsultantID: b.ConsultantID, SharedAt: s.now()})
}

// Unshare takes back the share of actor's booking, at any time.
func (s *Service) Unshare(ctx context.Context, actor *tsunagari.Account, bookingID string) error {
	if actor == nil {
		return errSignIn
	}
	b, err := s.ownBooking(ctx, actor, bookingID)
	if err != nil {
		return err
	}
	err = s.Store.DeleteInventoryShare(ctx, b.ID)
	if errors.Is(err, tsunagari.ErrNotFound) {
		return errNotFound
	}
	return err
}

// Shared is a member's inventory as the consultant they shared it with
// reads it; SharedWithMe leaves Inventory nil.
type Shared struct {
	Inventory  *tsunagari.Inventory
	Booking    *tsunagari.Booking
	MemberName string
	SharedAt   time.Time
}

// SharedInventory returns the inventory shared for a booking to its
// consultant: while the share stands and the booking is pending or
// confirmed. To anyone else, and otherwise, it is "not found".
func (s *Service) SharedInventory(ctx context.Context, actor *tsunagari.Account, bookingID string) (*Shared, error) {
	if actor == nil {
		return nil, errSignIn
	}
	if !actor.Has(tsunagari.RoleConsultant) || !tsunagari.ValidID(bookingID) {
		return nil, errNotFound
	}
	b, err := s.Consultation.FindBooking(ctx, bookingID)
	switch {
	case errors.Is(err, tsunagari.ErrNotFound):
		return nil, errNotFound
	case err != nil:
		return nil, err
	}
	if b.ConsultantID != actor.ID || !b.Status.Active() {
		return nil, errNotFound
	}
	sh, err := s.Store.FindInventoryShare(ctx, b.ID)
	switch {
	case errors.Is(err, tsunagari.ErrNotFound):
		return nil, errNotFound
	case err != nil:
		return nil, err
	}
	inv, err := s.Store.FindInventory(ctx, b.MemberID)
	switch {
	case errors.Is(err, tsunagari.ErrNotFound):
		return nil, errNotFound
	case err != nil:
		return nil, err
	}
	if inv, err = s.open(inv); err != nil {
		return nil, err
	}
	m, err := s.Accounts.FindAccountByID(ctx, b.MemberID)
	if err != nil {
		return nil, err
	}
	return &Shared{Inventory: inv, Booking: b, MemberName: m.Name, SharedAt: sh.SharedAt}, nil
}

// SharedWithMe lists, for a consultant, the bookings whose members share
// their inventory with them now: active ones, soonest first. Anyone but a
// consultant gets "not found".
func (s *Service) SharedWithMe(ctx context.Context, actor *tsunagari.Account) ([]Shared, error) {
	if actor == nil {
		return nil, errSignIn
	}
	if !actor.Has(tsunagari.RoleConsultant) {
		return nil, errNotFound
	}
	shares, err := s.Store.FindSharesWith(ctx, actor.ID)
	if err != nil {
		return nil, err
	}
	out := []Shared{}
	for _, sh := range shares {
		b, err := s.Consultation.FindBooking(ctx, sh.BookingID)
		if err != nil {
			return nil, fmt.Errorf("booking %s: %w", sh.BookingID, err)
		}
		if b.ConsultantID != actor.ID || !b.Status.Active() {
			continue
		}
		m, err := s.Accounts.FindAccountByID(ctx, b.MemberID)
		if err != nil {
			return nil, err
		}
		out = append(out, Shared{Booking: b, MemberName: m.Name, SharedAt: sh.SharedAt})
	}
	slices.SortFunc(out, func(a, b Shared) int { return a.Booking.Start.Compare(b.Booking.Start) })
	return out, nil
}

// Reseal moves every inventory sealed under a previous key to the current
// one, after a key rotation, and returns how many it moved. Inventories
// under the current key are left alone.
func (s *Service) Reseal(ctx context.Context) (int, error) {
	return s.Store.ResealInventories(ctx, func(memberID, sealed string) (string, error) {
		out, err := s.Sealer.Reseal(sealed, sealContext(memberID))
		if err != nil {
			return "", fmt.Errorf("inventory of %s: %w", memberID, err)
		}
		return out, nil
	})
}

// OpenPersonalRecords opens, in accountID's own copy of their data, the
// career inventory they wrote. It implements privacy.Part.
func (s *Service) OpenPersonalRecords(ctx context.Context, accountID string, recs []tsunagari.PersonalRecord) error {
	for _, r := range recs {
		sealed, ok := r.Fields["items"].(tsunagari.Sealed)
		if r.Kind != tsunagari.PersonalInventory || !ok {
			continue
		}
		inv, err := s.open(&tsunagari.Inventory{MemberID: accountID, Body: string(sealed)})
		if err != nil {
			return err
		}
		r.Fields["items"] = nonNil(inv.Items)
	}
	return nil
}

// ErasureNotices returns no mails: nobody else needs to hear that a
// career inventory is gone. It implements privacy.Part.
func (s *Service) ErasureNotices(context.Context, *tsunagari.Account) ([]*tsunagari.Mail, error) {
	return nil, nil
}

// ItemKind is what happened on a day of the timeline.
type ItemKind string

const (
	ItemDiagnosis    ItemKind = "diagnosis"    // a self-service diagnosis taken (values, isolation)
	ItemCheckIn      ItemKind = "check_in"     // a five-powers check-in
	ItemInventory    ItemKind = "inventory"    // the career inventory written or updated
	ItemConsultation ItemKind = "consultation" // a consultation booked, held or cancelled
	ItemCommunity    ItemKind = "community"    // a community joined
)

// Item is one entry of the timeline.
type Item struct {
	At   time.Time
	Kind ItemKind
	// Response and Instrument of a diagnosis or check-in.
	Response   *tsunagari.Response
	Instrument *tsunagari.Instrument
	// Booking and Consultant (display name) of a consultation; Upcoming
	// when it is still to come.
	Booking    *tsunagari.Booking
	Consultant string
	Upcoming   bool
	// Community and Membership of a community joined.
	Community  *tsunagari.Community
	Membership *tsunagari.Membership
}

// Step is the suggested next step of a timeline.
type Step string

const (
	StepDiagnosis  Step = "diagnosis"  // take the values diagnosis
	StepBook       Step = "book"       // choose a consultant and book a session
	StepInventory  Step = "inventory"  // write the career inventory before the session
	StepShare      Step = "share"      // share it with the consultant of the coming session
	StepCommunity  Step = "community"  // join a third community
	StepCheckIn    Step = "check_in"   // check in on the five powers
	StepRediagnose Step = "rediagnose" // take the values diagnosis again
	StepKeepGoing  Step = "keep_going" // all done for now
)

// Timeline is the member's line through the platform.
type Timeline struct {
	// Items are newest first, with sessions still to come on top.
	Items []Item
	Next  Step
	// Counts by kind, for a summary.
	Counts map[ItemKind]int
}

// Limits of the timeline.
const (
	// MaxItems is how many entries of each kind the timeline reads.
	MaxItems = 100
	// CheckInEvery is how often a five-powers check-in is suggested.
	CheckInEvery = 30 * 24 * time.Hour
	// RediagnoseAfter is when the values diagnosis is suggested again.
	RediagnoseAfter = 180 * 24 * time.Hour
)

// Timeline returns actor's own timeline.
func (s *Service) Timeline(ctx context.Context, actor *tsunagari.Account) (*Timeline, error) {
	if actor == nil {
		return nil, errSignIn
	}
	now := s.now()
	tl := &Timeline{Counts: map[ItemKind]int{}}
	add := func(it Item) {
		tl.Items = append(tl.Items, it)
		tl.Counts[it.Kind]++
	}

	responses, err := s.Surveys.FindResponses(ctx, tsunagari.ResponseFilter{AccountID: actor.ID, Limit: 3 * MaxItems})
	if err != nil {
		return nil, err
	}
	instruments := map[string]*tsunagari.Instrument{}
	var lastValues, lastCheckIn time.Time
	for _, r := range responses {
		key := fmt.Sprintf("%s@%d", r.InstrumentID, r.InstrumentVersion)
		in := instruments[key]
		if in == nil {
			if in, err = s.Surveys.FindInstrument(ctx, r.InstrumentID, r.InstrumentVersion); err != nil {
				return nil, fmt.Errorf("instrument %s: %w", key, err)
			}
			instruments[key] = in
		}
		kind := ItemDiagnosis
		switch r.InstrumentID {
		case survey.FivePowers:
			kind = ItemCheckIn
			lastCheckIn = later(lastCheckIn, r.SubmittedAt)
		case survey.ValuesDiagnosis:
			lastValues = later(lastValues, r.SubmittedAt)
		}
		add(Item{At: r.SubmittedAt, Kind: kind, Response: r, Instrument: in})
	}

	updates, err := s.Store.FindInventoryUpdates(ctx, actor.ID, MaxItems)
	if err != nil {
		return nil, err
	}
	for _, at := range updates {
		add(Item{At: at, Kind: ItemInventory})
	}

	bookings, err := s.Consultation.FindBookings(ctx, tsunagari.BookingFilter{MemberID: actor.ID, Limit: MaxItems})
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	booked, upcoming := false, []*tsunagari.Booking(nil)
	for _, b := range bookings {
		if b.Status == tsunagari.BookingRescheduled {
			continue // its replacement is on the line
		}
		name, err := s.consultantName(ctx, names, b.ConsultantID)
		if err != nil {
			return nil, err
		}
		it := Item{At: b.Start, Kind: ItemConsultation, Booking: b, Consultant: name,
			Upcoming: b.Status.Active() && b.End.After(now)}
		if b.Status.Active() {
			booked = true
			if it.Upcoming {
				upcoming = append(upcoming, b)
			}
		}
		add(it)
	}

	joined := false
	if s.Communities != nil {
		ms, err := s.Communities.FindMemberships(ctx, tsunagari.MembershipFilter{AccountID: actor.ID, Status: tsunagari.MembershipActive})
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			c, err := s.Communities.FindCommunityByID(ctx, m.CommunityID)
			if err != nil {
				return nil, fmt.Errorf("community %s: %w", m.CommunityID, err)
			}
			joined = true
			add(Item{At: m.JoinedAt, Kind: ItemCommunity, Community: c, Membership: m})
		}
	}

	slices.SortStableFunc(tl.Items, func(a, b Item) int {
		switch {
		case a.Upcoming != b.Upcoming:
			if a.Upcoming {
				return -1
			}
			return 1
		case a.Upcoming:
			return a.At.Compare(b.At) // the soonest session first
		}
		return b.At.Compare(a.At)
	})

	tl.Next, err = s.next(ctx, now, lastValues, lastCheckIn, booked, upcoming, len(updates) > 0, joined)
	if err != nil {
		return nil, err
	}
	return tl, nil
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// next suggests the step that comes next on the line: diagnosis, then a
// consultation and the inventory that prepares it, then a community, then
// check-ins and, after a while, the diagnosis again.
func (s *Service) next(ctx context.Context, now, lastValues, lastCheckIn time.Time,
	booked bool, upcoming []*tsunagari.Booking, inventory, joined bool) (Step, error) {
	switch {
	case lastValues.IsZero():
		return StepDiagnosis, nil
	case !booked:
		return StepBook, nil
	case len(upcoming) > 0 && !inventory:
		return StepInventory, nil
	}
	for _, b := range upcoming {
		if !b.Start.After(now) {
			continue
		}
		_, err := s.Store.FindInventoryShare(ctx, b.ID)
		if errors.Is(err, tsunagari.ErrNotFound) {
			return StepShare, nil
		}
		if err != nil {
			return "", err
		}
	}
	switch {
	case s.Communities != nil && !joined:
		return StepCommunity, nil
	case now.Sub(lastCheckIn) >= CheckInEvery:
		return StepCheckIn, nil
	case now.Sub(lastValues) >= RediagnoseAfter:
		return StepRediagnose, nil
	}
	return StepKeepGoing, nil
}
