// Package programme runs an employer's programmes and pulse rounds: HR
// administrators create programmes (career training, paid external
// consultations, learning support) with a before/after survey, and
// schedule pulse rounds of the five supports; employees enrol themselves.
// Who enrolled is asked of the store one person at a time, and only for
// that person: nothing here can list who enrolled.
package programme

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"tsunagari"
	"tsunagari/internal/survey"
)

// Service manages programmes and pulse rounds.
type Service struct {
	Store   tsunagari.ProgrammeStore
	Orgs    tsunagari.OrgStore
	Surveys *survey.Service
	Now     func() time.Time
}

func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Second) }

var (
	errSignIn   = tsunagari.NewError(tsunagari.CodeUnauthorized, "auth.sign_in_required")
	errNotFound = tsunagari.NewError(tsunagari.CodeNotFound, "error.not_found")
)

// Survey windows around a programme: the before survey runs from its
// creation until a week after the start, the after survey for three
// weeks from the end.
const (
	PreAfterStart = 7 * 24 * time.Hour
	PostWindow    = 21 * 24 * time.Hour
)

// hrOrg returns the org actor administers.
func hrOrg(actor *tsunagari.Account) (string, error) {
	switch {
	case actor == nil:
		return "", errSignIn
	case !actor.Has(tsunagari.RoleHRAdmin) || actor.OrgID() == "":
		return "", errNotFound
	}
	return actor.OrgID(), nil
}

// Create creates a programme of actor's org, with its before and after
// surveys (the pre_post instrument), both or neither.
func (s *Service) Create(ctx context.Context, actor *tsunagari.Account, p *tsunagari.Programme) error {
	orgID, err := hrOrg(actor)
	if err != nil {
		return err
	}
	now := s.now()
	p.ID, p.OrgID, p.CreatedBy, p.CreatedAt = "", orgID, actor.ID, now
	if err := p.Validate(); err != nil {
		return err
	}
	if !p.EndsOn.After(now) {
		return tsunagari.Invalid("endsOn", "programme.ends_in_past")
	}
	switch err := s.Store.CreateProgramme(ctx, p); {
	case errors.Is(err, tsunagari.ErrNotFound):
		return tsunagari.Invalid("departments", "programme.department_unknown")
	case err != nil:
		return fmt.Errorf("create programme: %w", err)
	}
	preCloses := p.StartsOn.Add(PreAfterStart)
	if !preCloses.After(now) {
		preCloses = now.Add(PreAfterStart)
	}
	postOpens := p.EndsOn
	if postOpens.Before(preCloses) {
		postOpens = preCloses
	}
	pair := survey.Pair{Subject: tsunagari.Subject{Kind: tsunagari.SubjectProgramme, ID: p.ID}, OrgID: orgID,
		PreOpens: now, PreCloses: preCloses, PostOpens: postOpens, PostCloses: postOpens.Add(PostWindow)}
	if _, _, err := s.Surveys.AttachPrePost(ctx, actor, pair); err != nil {
		if derr := s.Store.DeleteProgramme(ctx, orgID, p.ID); derr != nil {
			return errors.Join(err, derr)
		}
		return err
	}
	return nil
}

// Offer is a programme as one person sees it.
type Offer struct {
	*tsunagari.Programme
	// Enrolled says whether the person asking enrolled: never anyone else.
	Enrolled bool `json:"enrolled"`
	// Open is true while the programme has not ended.
	Open bool `json:"open"`
}

// Programmes lists the programmes actor may see: an HR administrator
// every programme of their org, an employee those open to them.
func (s *Service) Programmes(ctx context.Context, actor *tsunagari.Account) ([]Offer, error) {
	if actor == nil {
		return nil, errSignIn
	}
	orgID := actor.OrgID()
	if orgID == "" {
		return []Offer{}, nil
	}
	ps, err := s.Store.FindProgrammes(ctx, orgID)
	if err != nil {
		return nil, err
	}
	hr := actor.Has(tsunagari.RoleHRAdmin)
	within, err := s.departments(ctx, actor)
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := []Offer{}
	for _, p := range ps {
		if !hr && !opensTo(p, within) {
			continue
		}
		enrolled, err := s.Store.Enrolled(ctx, p.ID, actor.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, Offer{Programme: p, Enrolled: enrolled, Open: p.EndsOn.After(now)})
	}
	return out, nil
}

// departments returns the department actor works in and those above it.
func (s *Service) departments(ctx context.Context, actor *tsunagari.Account) ([]string, error) {
	e := actor.Employment
	if e == nil || e.DepartmentID == "" {
		return nil, nil
	}
	depts, err := s.Orgs.FindDepartments(ctx, e.OrgID)
	if err != nil {
		return nil, err
	}
	parent := map[string]string{}
	for _, d := range depts {
		parent[d.ID] = d.ParentID
	}
	var out []string
	for id := e.DepartmentID; id != "" && !slices.Contains(out, id); id = parent[id] {
		out = append(out, id)
	}
	return out, nil
}

// opensTo reports whether a programme is open to someone working in one
// of the given departments.
func opensTo(p *tsunagari.Programme, within []string) bool {
	if len(p.Departments) == 0 {
		return true
	}
	for _, d := range within {
		if slices.Contains(p.Departments, d) {
			return true
		}
	}
	return false
}

// Enrol enrols actor in a programme of their employer that is open to
// them and has not ended. Anyone else is told it does not exist.
func (s *Service) Enrol(ctx context.Context, actor *tsunagari.Account, id string) error {
	if actor == nil {
		return errSignIn
	}
	if !tsunagari.ValidID(id) || actor.OrgID() == "" {
		return errNotFound
	}
	p, err := s.Store.FindProgramme(ctx, actor.OrgID(), id)
	switch {
	case errors.Is(err, tsunagari.ErrNotFound):
		return errNotFound
	case err != nil:
		return err
	}
	within, err := s.departments(ctx, actor)
	if err != nil {
		return err
	}
	if !opensTo(p, within) {
		return errNotFound
	}
	if !p.EndsOn.After(s.now()) {
		return tsunagari.NewError(tsunagari.CodeConflict, "programme.ended")
	}
	switch err := s.Store.Enrol(ctx, p.ID, actor.ID, s.now()); {
	case errors.Is(err, tsunagari.ErrConflict):
		return tsunagari.NewError(tsunagari.CodeConflict, "programme.already_enrolled")
	case err != nil:
		return fmt.Errorf("enrol: %w", err)
	}
	return nil
}

// FiveSupports is the instrument of pulse rounds.
const FiveSupports = survey.FiveSupports

// MaxPulseDays is the longest a pulse round may stay open.
const MaxPulseDays = 60

// CreatePulseRound schedules a round of the five supports for actor's
// org: attributed answers, so that results can be broken down by
// department, and released only once the round has closed.
func (s *Service) CreatePulseRound(ctx context.Context, actor *tsunagari.Account, opens, closes time.Time) (*tsunagari.Round, error) {
	if _, err := hrOrg(actor); err != nil {
		return nil, err
	}
	switch {
	case closes.IsZero():
		return nil, tsunagari.Invalid("closesAt", "pulse.closes_required")
	case !opens.IsZero() && closes.Sub(opens) > MaxPulseDays*24*time.Hour,
		opens.IsZero() && closes.Sub(s.now()) > MaxPulseDays*24*time.Hour:
		return nil, tsunagari.Invalid("closesAt", "pulse.too_long", MaxPulseDays)
	}
	r := &tsunagari.Round{InstrumentID: FiveSupports, Mode: tsunagari.ModeAttributed, OpensAt: opens, ClosesAt: closes}
	if err := s.Surveys.CreateRound(ctx, actor, r); err != nil {
		return nil, err
	}
	return r, nil
}

// PulseRounds lists the pulse rounds of actor's org, newest first.
func (s *Service) PulseRounds(ctx context.Context, actor *tsunagari.Account) ([]*tsunagari.Round, error) {
	orgID, err := hrOrg(actor)
	if err != nil {
		return nil, err
	}
	no := false
	return s.Surveys.Store.FindRounds(ctx, tsunagari.RoundFilter{InstrumentID: FiveSupports, OrgID: orgID, Standing: &no})
}
