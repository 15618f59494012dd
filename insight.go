package tsunagari

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// The employer's side (PRODUCT.md §5, §7): programmes an employer runs for
// its employees, pulse rounds of the five supports, and anonymised reports
// (report) that HR administrators read. Reports are computed once, when a
// round, a period or a programme closes, through package disclosure, and
// stored frozen in the release ledger (release_ledger): what was published
// never changes, whatever happens to the data afterwards.

// ProgrammeKind is what a programme offers.
type ProgrammeKind string

const (
	// ProgrammeTraining is career training (キャリア研修).
	ProgrammeTraining ProgrammeKind = "training"
	// ProgrammeConsultation pays for external consultations: Sessions per
	// employee.
	ProgrammeConsultation ProgrammeKind = "consultation"
	// ProgrammeLearning supports learning (学び直し支援).
	ProgrammeLearning ProgrammeKind = "learning"
)

// ProgrammeKinds lists the kinds in display order.
var ProgrammeKinds = []ProgrammeKind{ProgrammeTraining, ProgrammeConsultation, ProgrammeLearning}

// Limits on programmes.
const (
	MaxProgrammeNameLen        = 100
	MaxProgrammeDescriptionLen = 2000
	MaxProgrammeSessions       = 24
	MaxProgrammeDays           = 3 * 366
)

// Programme is an employer's programme: training, paid external
// consultations or learning support, open to the whole org or to some
// departments, between two dates, with a before/after survey. Employees
// enrol themselves; who enrolled is never shown to HR.
type Programme struct {
	ID          string        `json:"id"`
	OrgID       string        `json:"-"`
	Kind        ProgrammeKind `json:"kind"`
	Name        string        `json:"name"`
	Description string        `json:"description,omitempty"`
	// Sessions is, for a consultation programme, how many external
	// sessions the employer pays for per employee.
	Sessions int `json:"sessions,omitempty"`
	// Departments limits the audience to these departments and those
	// under them; empty means the whole org.
	Departments []string `json:"departments"`
	// StartsOn and EndsOn are dates (midnight, Asia/Tokyo); the programme
	// runs from the first to the end of the last.
	StartsOn  time.Time `json:"startsOn"`
	EndsOn    time.Time `json:"endsOn"`
	CreatedBy string    `json:"-"`
	CreatedAt time.Time `json:"createdAt"`
}

// Validate checks p's own fields and cleans its text and department list;
// the store checks that the departments are the org's.
func (p *Programme) Validate() error {
	p.Name = strings.TrimSpace(p.Name)
	p.Description = strings.TrimSpace(strings.ReplaceAll(p.Description, "\r\n", "\n"))
	switch n := utf8.RuneCountInString(p.Name); {
	case n == 0:
		return Invalid("name", "programme.name_required")
	case n > MaxProgrammeNameLen:
		return Invalid("name", "programme.name_too_long", MaxProgrammeNameLen)
	case strings.ContainsFunc(p.Name, isControl):
		return Invalid("name", "error.control_characters")
	case utf8.RuneCountInString(p.Description) > MaxProgrammeDescriptionLen:
		return Invalid("description", "programme.description_too_long", MaxProgrammeDescriptionLen)
	case strings.ContainsFunc(p.Description, func(r rune) bool { return r != '\n' && r != '\t' && isControl(r) }):
		return Invalid("description", "error.control_characters")
	case !slices.Contains(ProgrammeKinds, p.Kind):
		return Invalid("kind", "programme.kind_invalid")
	case p.Kind == ProgrammeConsultation && (p.Sessions < 1 || p.Sessions > MaxProgrammeSessions):
		return Invalid("sessions", "programme.sessions_invalid", MaxProgrammeSessions)
	case p.Kind != ProgrammeConsultation && p.Sessions != 0:
		return Invalid("sessions", "programme.sessions_invalid", MaxProgrammeSessions)
	case p.StartsOn.IsZero() || p.EndsOn.IsZero() || p.EndsOn.Before(p.StartsOn):
		return Invalid("endsOn", "programme.dates_invalid")
	case p.EndsOn.Sub(p.StartsOn) > MaxProgrammeDays*24*time.Hour:
		return Invalid("endsOn", "programme.too_long", MaxProgrammeDays)
	}
	seen := map[string]bool{}
	depts := []string{}
	for _, d := range p.Departments {
		if !ValidID(d) {
			return Invalid("departments", "programme.department_unknown")
		}
		if !seen[d] {
			seen[d] = true
			depts = append(depts, d)
		}
	}
	slices.Sort(depts)
	p.Departments = depts
	return nil
}

// ProgrammeStore persists programmes and who enrolled in them. No method
// lists the people enrolled in a programme: the store can only answer
// whether one given person is.
type ProgrammeStore interface {
	// CreateProgramme stores p, setting its ID if empty. It returns
	// ErrNotFound if the org or one of the departments is not the org's.
	CreateProgramme(ctx context.Context, p *Programme) error
	// DeleteProgramme removes a programme nobody has enrolled in yet, and
	// returns ErrConflict once someone has.
	DeleteProgramme(ctx context.Context, orgID, id string) error
	// FindProgramme returns ErrNotFound unless id is a programme of orgID.
	FindProgramme(ctx context.Context, orgID, id string) (*Programme, error)
	// FindProgrammes returns the org's programmes, latest start first.
	FindProgrammes(ctx context.Context, orgID string) ([]*Programme, error)
	// Enrol records that the account enrolled at the given time; it
	// returns ErrConflict if it had, and ErrNotFound if the programme or
	// the account does not exist.
	Enrol(ctx context.Context, programmeID, accountID string, at time.Time) error
	// Enrolled reports whether the account is enrolled in the programme.
	Enrolled(ctx context.Context, programmeID, accountID string) (bool, error)
}

// ReleaseKind is what a release reports on.
type ReleaseKind string

const (
	// ReleasePulse is a closed pulse round of the five supports; its
	// subject is the round's ID.
	ReleasePulse ReleaseKind = "pulse"
	// ReleasePeriod is a closed quarter: the participation funnel,
	// consultation themes and words; its subject is the quarter, such as
	// "2026-Q1".
	ReleasePeriod ReleaseKind = "period"
	// ReleaseProgramme is a programme whose after-survey has closed: the
	// change before and after; its subject is the programme's ID.
	ReleaseProgramme ReleaseKind = "programme"
)

// ReleaseKinds lists the kinds of release.
var ReleaseKinds = []ReleaseKind{ReleasePulse, ReleasePeriod, ReleaseProgramme}

// Release is one entry of the release ledger: what an org's HR may see of
// one subject, computed once and frozen. Body is the released content as
// JSON (package disclosure's types); it is stored and read back byte for
// byte.
type Release struct {
	ID          string      `json:"id"`
	OrgID       string      `json:"-"`
	Kind        ReleaseKind `json:"kind"`
	Subject     string      `json:"subject"`
	PublishedAt time.Time   `json:"publishedAt"`
	// K is the minimum group size it was released under.
	K int `json:"k"`
	// Epsilon is the privacy budget its noise spent, 0 without noise.
	Epsilon float64 `json:"epsilon,omitempty"`
	Body    []byte  `json:"-"`
}

// DisclosureSettings are an org's choices about its reports, beside its
// minimum group size (Org.MinGroupSize): the minimum number of people
// behind anything derived from free text, and optional noise.
type DisclosureSettings struct {
	OrgID string `json:"-"`
	// MinTextGroupSize is k_text: 0 means the default, 10.
	MinTextGroupSize int `json:"minTextGroupSize"`
	// NoiseEpsilon, when above zero, adds Laplace noise of scale
	// 1/NoiseEpsilon to released counts; EpsilonBudget is the most one
	// release may spend. Both zero: no noise (the default).
	NoiseEpsilon  float64   `json:"noiseEpsilon"`
	EpsilonBudget float64   `json:"epsilonBudget"`
	UpdatedAt     time.Time `json:"updatedAt"`
}

// Limits on disclosure settings.
const (
	DefaultMinTextGroupSize = 10
	MaxNoiseEpsilon         = 10
	MaxEpsilonBudget        = 100
)

// Validate checks s.
func (s *DisclosureSettings) Validate() error {
	switch {
	case s.MinTextGroupSize != 0 && (s.MinTextGroupSize < DefaultMinTextGroupSize || s.MinTextGroupSize > 100):
		return Invalid("minTextGroupSize", "disclosure.k_text_invalid", DefaultMinTextGroupSize)
	case s.NoiseEpsilon < 0 || s.NoiseEpsilon > MaxNoiseEpsilon || s.NoiseEpsilon != s.NoiseEpsilon:
		return Invalid("noiseEpsilon", "disclosure.epsilon_invalid", MaxNoiseEpsilon)
	case s.EpsilonBudget < 0 || s.EpsilonBudget > MaxEpsilonBudget || s.EpsilonBudget != s.EpsilonBudget:
		return Invalid("epsilonBudget", "disclosure.budget_invalid", MaxEpsilonBudget)
	case (s.NoiseEpsilon > 0) != (s.EpsilonBudget > 0):
		return Invalid("epsilonBudget", "disclosure.budget_invalid", MaxEpsilonBudget)
	case s.NoiseEpsilon > s.EpsilonBudget:
		return Invalid("epsilonBudget", "disclosure.budget_invalid", MaxEpsilonBudget)
	}
	return nil
}

// ReleaseStore is the release ledger. Releases are written once and never
// changed. On PostgreSQL, FindRelease and FindReleases, the only reads HR
// reports make, run under a database role that may read the ledger and
// nothing else.
type ReleaseStore interface {
	// PublishRelease stores r and its private audit (exact group sizes,
	// never shown) in one transaction, setting r.ID if empty. It returns
	// ErrConflict if the org has a release of that kind and subject
	// already: a subject is published once.
	PublishRelease(ctx context.Context, r *Release, audit []byte) error
	// FindRelease returns ErrNotFound unless the org has a release of
	// that kind and subject.
	FindRelease(ctx context.Context, orgID string, kind ReleaseKind, subject string) (*Release, error)
	// FindReleases returns the org's releases of a kind, latest published
	// first, with their bodies.
	FindReleases(ctx context.Context, orgID string, kind ReleaseKind) ([]*Release, error)
	// ListReleases returns the same releases without their bodies.
	ListReleases(ctx context.Context, orgID string, kind ReleaseKind) ([]*Release, error)
	// ReleaseAudits returns the private audits of the org's releases of a
	// kind, by subject. Only the publisher reads them.
	ReleaseAudits(ctx context.Context, orgID string, kind ReleaseKind) (map[string][]byte, error)

	// DisclosureSettings returns the org's settings, or the defaults if it
	// saved none; ErrNotFound if the org does not exist.
	DisclosureSettings(ctx context.Context, orgID string) (*DisclosureSettings, error)
	// SaveDisclosureSettings creates or replaces the org's settings.
	SaveDisclosureSettings(ctx context.Context, s *DisclosureSettings) error
}

// FunnelPerson is one person of an org's participation funnel at a time:
// an employee then, or someone invited and not yet registered. It carries
// their groups and the stages they have reached, and nothing that names
// them.
type FunnelPerson struct {
	DepartmentID string
	AgeBand      string
	JobFamily    string
	// StartedAt is when their employment began; zero for the invited.
	StartedAt time.Time
	Stages    FunnelStages
}

// FunnelStages is a set of funnel stages.
type FunnelStages uint8

// The stages of the participation funnel, in order: invited → registered →
// diagnosed → consulted → joined a community → attended an event.
const (
	StageInvited FunnelStages = 1 << iota
	StageRegistered
	StageDiagnosed
	StageConsulted
	StageJoined
	StageAttended
)

// FunnelStageIDs names the stages, in order.
var FunnelStageIDs = []string{"invited", "registered", "diagnosed", "consulted", "joined", "attended"}

// InsightStore reads what reports are computed from. Only the publisher
// (package insight) uses it; nothing that serves HR may.
type InsightStore interface {
	// Funnel returns the org's participation funnel at time at: every
	// employee then, with the stages they had reached, and everyone
	// invited by then who had not registered, in an order unrelated to
	// who they are.
	Funnel(ctx context.Context, orgID string, at time.Time) ([]FunnelPerson, error)
	// PulseRoundsToPublish returns the closed, attributed rounds of the
	// instrument sent to orgs, closed at or before at, that have no
	// pulse release yet.
	PulseRoundsToPublish(ctx context.Context, instrumentID string, at time.Time) ([]*Round, error)
}

// Tenure bands (在籍年数) used in reports.
var TenureBands = []string{"lt1", "1to3", "3to5", "5to10", "10plus"}

// TenureBandOf returns the tenure band of an employment that started at
// started, at time at; "" if started is zero or later than at.
func TenureBandOf(started, at time.Time) string {
	if started.IsZero() || started.After(at) {
		return ""
	}
	years := at.Sub(started).Hours() / (24 * 365.25)
	switch {
	case years < 1:
		return "lt1"
	case years < 3:
		return "1to3"
	case years < 5:
		return "3to5"
	case years < 10:
		return "5to10"
	}
	return "10plus"
}

// Reports cover calendar quarters in Japan time, named like "2026-Q1".

// QuarterOf returns the quarter holding t.
func QuarterOf(t time.Time) string {
	t = t.In(Tokyo)
	return fmt.Sprintf("%04d-Q%d", t.Year(), (int(t.Month())-1)/3+1)
}

// QuarterBounds returns the start of quarter q and the start of the next,
// midnight in Japan; ok is false if q does not name a quarter.
func QuarterBounds(q string) (from, to time.Time, ok bool) {
	var year, n int
	if len(q) != 7 || q[4:6] != "-Q" {
		return time.Time{}, time.Time{}, false
	}
	if _, err := fmt.Sscanf(q, "%04d-Q%d", &year, &n); err != nil || n < 1 || n > 4 || year < 2000 || year > 9999 {
		return time.Time{}, time.Time{}, false
	}
	from = time.Date(year, time.Month(3*(n-1)+1), 1, 0, 0, 0, 0, Tokyo)
	return from.UTC(), from.AddDate(0, 3, 0).UTC(), true
}

// PreviousQuarter returns the quarter before q.
func PreviousQuarter(q string) string {
	from, _, ok := QuarterBounds(q)
	if !ok {
		return ""
	}
	return QuarterOf(from.Add(-time.Hour))
}
