package tsunagari

import (
	"context"
	"time"
)

// The shortlist (PRODUCT.md §6): from a member's values diagnosis,
// background, chosen themes and constraints, the platform proposes ten
// verified consultants, each with its reasons in the member's own terms.
// The scoring itself is pure (internal/match); what is stored here is the
// operator's weights, the member's bookmarks and ignores, and how often
// each consultant was shown, so that nobody is proposed more often than
// their free time can serve.

// MatchWeights are the operator's settings of the shortlist. The four
// relevance weights are relative: only their proportions matter.
type MatchWeights struct {
	// Values weighs how closely the consultant's own values diagnosis
	// matches the member's.
	Values int `json:"values"`
	// Themes weighs the share of the member's chosen themes the
	// consultant is strong in.
	Themes int `json:"themes"`
	// Background weighs experience with people like the member (age band
	// and job family of past clients) and the consultant's own career in
	// the member's job family and industry.
	Background int `json:"background"`
	// Experience weighs the consultant's years of practice.
	Experience int `json:"experience"`
	// Diversity, 0–100, is how much the ten are made to differ from one
	// another: 0 ranks by relevance alone, 100 by difference alone.
	Diversity int `json:"diversity"`
	// ViewsPerSession is how many times a consultant may be shown in
	// shortlists, over ExposureWindow, for each session they have free in
	// the next CapacityHorizon.
	ViewsPerSession int       `json:"viewsPerSession"`
	UpdatedAt       time.Time `json:"updatedAt,omitzero"`
	UpdatedBy       string    `json:"-"`
}

// Bounds of MatchWeights.
const (
	MaxMatchWeight     = 100
	MaxViewsPerSession = 100
	// CapacityHorizon is how far ahead free sessions count as capacity.
	CapacityHorizon = 14 * 24 * time.Hour
	// ExposureWindow is how far back shortlist appearances count against
	// a consultant's capacity: as long as the horizon they are measured
	// against.
	ExposureWindow = 14
	// ShortlistSize is how many consultants a shortlist proposes.
	ShortlistSize = 10
)

// DefaultMatchWeights are the weights until an operator saves others.
func DefaultMatchWeights() *MatchWeights {
	return &MatchWeights{Values: 40, Themes: 30, Background: 20, Experience: 10, Diversity: 30, ViewsPerSession: 10}
}

// Validate checks the bounds of w.
func (w *MatchWeights) Validate() error {
	for _, f := range []struct {
		field string
		v     int
	}{{"values", w.Values}, {"themes", w.Themes}, {"background", w.Background}, {"experience", w.Experience},
		{"diversity", w.Diversity}} {
		if f.v < 0 || f.v > MaxMatchWeight {
			return Invalid(f.field, "shortlist.weight_invalid", MaxMatchWeight)
		}
	}
	if w.Values+w.Themes+w.Background+w.Experience == 0 {
		return Invalid("values", "shortlist.weights_all_zero")
	}
	if w.ViewsPerSession < 1 || w.ViewsPerSession > MaxViewsPerSession {
		return Invalid("viewsPerSession", "shortlist.views_invalid", MaxViewsPerSession)
	}
	return nil
}

// MarkKind is what a member said about a consultant.
type MarkKind string

const (
	// ConsultantBookmark keeps a consultant at hand.
	ConsultantBookmark MarkKind = "bookmark"
	// ConsultantIgnore takes a consultant out of the member's shortlists; in
	// keyword search the consultant sinks to the end.
	ConsultantIgnore MarkKind = "ignore"
)

// Valid reports whether k is a known mark.
func (k MarkKind) Valid() bool { return k == ConsultantBookmark || k == ConsultantIgnore }

// ConsultantMark is one member's bookmark or ignore of one consultant.
// Only the member reads their marks.
type ConsultantMark struct {
	MemberID     string    `json:"-"`
	ConsultantID string    `json:"consultantId"`
	Kind         MarkKind  `json:"mark"`
	CreatedAt    time.Time `json:"createdAt"`
}

// ClientGroup counts the distinct past clients of a consultant of one age
// band and job family: the "experience with people like you" of the
// shortlist. Only sessions that took place count.
type ClientGroup struct {
	AgeBand   string
	JobFamily string
	Clients   int
}

// RosterEntry is what the shortlist needs of one verified consultant.
type RosterEntry struct {
	Consultant   *Consultant
	Availability *Availability
	// Held are the times [Start, BlockedUntil) of the consultant's active
	// bookings starting in the window asked for, as slots.
	Held []Slot
	// Clients are the consultant's past clients by age band and job
	// family.
	Clients []ClientGroup
	// Shown is how many times the consultant was shown in shortlists
	// since the day asked for.
	Shown int
}

// RosterQuery says which bookings and appearances Roster counts.
type RosterQuery struct {
	// HeldFrom and HeldTo select the active bookings starting in
	// [HeldFrom, HeldTo).
	HeldFrom, HeldTo time.Time
	// ClientsBefore counts as past clients the members of confirmed
	// bookings that ended before it.
	ClientsBefore time.Time
	// ShownSince counts appearances from this day on (see Day).
	ShownSince int
}

// Day numbers the UTC day of t, counting from 1970-01-01: the unit in
// which shortlist appearances are counted.
func Day(t time.Time) int { return int(t.Unix() / 86400) }

// MatchStore persists what the shortlist keeps: the operator's weights,
// members' marks and daily appearance counts, and reads the roster of
// verified consultants in one go. It does no authorization; package
// shortlist does.
type MatchStore interface {
	// FindMatchWeights returns the saved weights, or DefaultMatchWeights
	// if none were ever saved.
	FindMatchWeights(ctx context.Context) (*MatchWeights, error)
	// SaveMatchWeights replaces the weights, setting UpdatedAt if zero.
	SaveMatchWeights(ctx context.Context, w *MatchWeights) error

	// MatchVersion returns a number that changes whenever a consultant's
	// profile, verification or availability, or a booking, changes: the
	// shortlist rebuilds its roster when it moves.
	MatchVersion(ctx context.Context) (int64, error)
	// Roster returns every verified consultant with what q asks for,
	// ordered by account ID, read in one snapshot.
	Roster(ctx context.Context, q RosterQuery) ([]*RosterEntry, error)
	// RecordShown adds one appearance on day to each of the consultants,
	// in one transaction. Unknown consultants are skipped.
	RecordShown(ctx context.Context, day int, consultantIDs []string) error

	// SetMark creates or replaces the member's mark of a consultant,
	// setting CreatedAt if zero. It returns ErrNotFound if the member or
	// the consultant does not exist.
	SetMark(ctx context.Context, m *ConsultantMark) error
	// DeleteMark removes the member's mark of a consultant; ErrNotFound
	// if there is none.
	DeleteMark(ctx context.Context, memberID, consultantID string) error
	// FindMarks returns the member's marks, newest first.
	FindMarks(ctx context.Context, memberID string) ([]*ConsultantMark, error)
}
