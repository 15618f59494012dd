// Package probono runs pro-bono projects (プロボノ) of NPOs and worker
// cooperatives: organisers describe the work and the roles it needs,
// volunteers apply with their skills and the hours they can give,
// tsunagari proposes a team, and the organiser adjusts and confirms it.
// Every applicant hears back: accepted, or "not this time", at the latest
// at the deadline the organiser set, when a job answers whoever is still
// waiting. Applications are seen by the project's organisers and by the
// applicant, no one else.
package probono

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"tsunagari"
	"tsunagari/internal/audit"
	"tsunagari/internal/i18n"
)

// Service implements pro-bono projects.
type Service struct {
	Store       tsunagari.ProbonoStore
	Communities tsunagari.CommunityStore
	Catalog     *i18n.Catalog
	// BaseURL is the site's address, for links in mail.
	BaseURL string
	Now     func() time.Time
	// Audit records confirmed teams and answers given at deadlines.
	Audit *audit.Service
}

func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Second) }

var (
	errSignIn   = tsunagari.NewError(tsunagari.CodeUnauthorized, "auth.sign_in_required")
	errNotFound = tsunagari.NewError(tsunagari.CodeNotFound, "probono.not_found")
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

// Community returns the community if actor organises it and it may run
// pro-bono projects: "not found" if actor does not organise it, a
// conflict if it is hidden, and invalid if it is not an NPO or a worker
// cooperative.
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
	runs, err := s.runs(ctx, actor, c.ID)
	switch {
	case err != nil:
		return nil, err
	case !runs:
		return nil, notFound
	case c.Hidden():
		return nil, tsunagari.NewError(tsunagari.CodeConflict, "event.community_hidden")
	case !slices.Contains(tsunagari.ProbonoKinds, c.Kind):
		return nil, tsunagari.NewError(tsunagari.CodeConflict, "probono.kind_not_allowed")
	}
	return c, nil
}

// Create adds a project to a community actor organises, which must be an
// NPO or a worker cooperative. Its answer deadline must lie ahead.
func (s *Service) Create(ctx context.Context, actor *tsunagari.Account, p *tsunagari.ProbonoProject) error {
	if _, err := s.Community(ctx, actor, p.CommunityID); err != nil {
		return err
	}
	p.Clean()
	if err := p.Validate(); err != nil {
		return err
	}
	if !p.AnswerBy.After(s.now()) {
		return tsunagari.Invalid("answerBy", "probono.answer_by_past")
	}
	p.ID, p.CreatedBy, p.CreatedAt = "", actor.ID, s.now()
	if err := s.Store.CreateProject(ctx, p); err != nil {
		return fmt.Errorf("create project: %w", err)
	}
	return nil
}

// Details is a project as its page shows it.
type Details struct {
	Project *tsunagari.ProbonoProject
	// Runs says the actor organises it.
	Runs bool
	// Mine is the actor's own application, if any.
	Mine *tsunagari.ProbonoApplication
	// Open says it takes applications now.
	Open bool
}

// project returns the project if actor may know of it: anyone, unless its
// community is hidden, when only its organisers and the operators who
// moderate it may.
func (s *Service) project(ctx context.Context, actor *tsunagari.Account, id string) (*tsunagari.ProbonoProject, bool, error) {
	if !tsunagari.ValidID(id) {
		return nil, false, errNotFound
	}
	p, err := s.Store.FindProjectByID(ctx, id)
	if errors.Is(err, tsunagari.ErrNotFound) {
		return nil, false, errNotFound
	}
	if err != nil {
		return nil, false, err
	}
	runs, err := s.runs(ctx, actor, p.CommunityID)
	if err != nil {
		return nil, false, err
	}
	if p.Community.Hidden && !runs && !actor.Has(tsunagari.RoleOperator) {
		return nil, false, errNotFound
	}
	return p, runs, nil
}

// organised returns the project if actor organises it.
func (s *Service) organised(ctx context.Context, actor *tsunagari.Account, id string) (*tsunagari.ProbonoProject, error) {
	if actor == nil {
		return nil, errSignIn
	}
	p, runs, err := s.project(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if !runs {
		return nil, errNotFound
	}
	return p, nil
}

// Project returns a project with the actor's own application.
func (s *Service) Project(ctx context.Context, actor *tsunagari.Account, id string) (*Details, error) {
	p, runs, err := s.project(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	d := &Details{Project: p, Runs: runs, Open: s.open(p)}
	if actor != nil {
		mine, err := s.Store.FindApplications(ctx, p.ID, actor.ID)
		if err != nil {
			return nil, err
		}
		if len(mine) > 0 {
			d.Mine = mine[0]
		}
	}
	return d, nil
}

func (s *Service) open(p *tsunagari.ProbonoProject) bool {
	return p.Status == tsunagari.ProbonoRecruiting && s.now().Before(p.AnswerBy) && !p.Community.Hidden
}

// List returns the projects that recruit now, the nearest deadline first,
// or those of one community in any state.
func (s *Service) List(ctx context.Context, actor *tsunagari.Account, communityID, query string) ([]*tsunagari.ProbonoProject, error) {
	f := tsunagari.ProbonoFilter{CommunityID: communityID, Query: query, Limit: 200}
	if communityID == "" {
		f.Status = tsunagari.ProbonoRecruiting
	} else if !tsunagari.ValidID(communityID) {
		return nil, nil
	}
	list, err := s.Store.FindProjects(ctx, f)
	if err != nil {
		return nil, err
	}
	out := list[:0]
	for _, p := range list {
		if communityID != "" || s.open(p) {
			out = append(out, p)
		}
	}
	return out, nil
}

// Apply offers actor's skills and hours to a project that recruits.
func (s *Service) Apply(ctx context.Context, actor *tsunagari.Account, projectID string, a *tsunagari.ProbonoApplication) error {
	if actor == nil {
		return errSignIn
	}
	p, _, err := s.project(ctx, actor, projectID)
	if err != nil {
		return err
	}
	if !s.open(p) {
		return tsunagari.NewError(tsunagari.CodeConflict, "probono.closed")
	}
	a.Clean()
	if err := a.Validate(); err != nil {
		return err
	}
	a.ID, a.ProjectID, a.AccountID, a.CreatedAt = "", p.ID, actor.ID, s.now()
	switch err := s.Store.CreateApplication(ctx, a); {
	case errors.Is(err, tsunagari.ErrConflict):
		return tsunagari.NewError(tsunagari.CodeConflict, "probono.already_applied")
	case errors.Is(err, tsunagari.ErrStarted):
		return tsunagari.NewError(tsunagari.CodeConflict, "probono.closed")
	case err != nil:
		return fmt.Errorf("apply: %w", err)
	}
	return nil
}

// Applicant is an application as the organiser weighs it.
type Applicant struct {
	*tsunagari.ProbonoApplication
	// Available is what they can still give each week: what they
	// offered, less what they promised to other teams in the same months.
	Available int
	// Fits names the roles they have a skill for.
	Fits []string
}

// Team is what an organiser sees to form a team: every applicant and
// tsunagari's proposal.
type Team struct {
	Project    *tsunagari.ProbonoProject
	Applicants []*Applicant
	Proposal   Proposal
}

// Team returns a project's applicants and a proposed team; organisers
// only.
func (s *Service) Team(ctx context.Context, actor *tsunagari.Account, id string) (*Team, error) {
	p, err := s.organised(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	apps, err := s.Store.FindApplications(ctx, p.ID, "")
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(apps))
	for i, a := range apps {
		ids[i] = a.AccountID
	}
	promised, err := s.Store.Commitments(ctx, ids, p.Start(), p.End(), p.ID)
	if err != nil {
		return nil, err
	}
	t := &Team{Project: p}
	var cands []Candidate
	for _, a := range apps {
		ap := &Applicant{ProbonoApplication: a, Available: max(a.HoursPerWeek-promised[a.AccountID], 0)}
		for _, r := range p.Roles {
			if r.Fits(a.Skills) > 0 {
				ap.Fits = append(ap.Fits, r.Name)
			}
		}
		t.Applicants = append(t.Applicants, ap)
		if a.Status == tsunagari.ApplicationOpen {
			cands = append(cands, Candidate{ID: a.ID, Skills: a.Skills, Hours: ap.Available, Background: background(a)})
		}
	}
	if p.Status == tsunagari.ProbonoRecruiting {
		t.Proposal = Propose(p.Roles, p.TeamSize, p.HoursPerWeek, cands)
	}
	return t, nil
}

// background returns what an applicant brings from elsewhere, as the
// proposal counts it.
func background(a *tsunagari.ProbonoApplication) []string {
	var out []string
	for _, kv := range [][2]string{{"industry", a.Industry}, {"job", a.JobFamily}, {"age", a.AgeBand}} {
		if kv[1] != "" {
			out = append(out, kv[0]+":"+kv[1])
		}
	}
	return out
}

// Confirm accepts the team an organiser settled on, in their roles, and
// answers every other applicant "not this time"; everyone is told by
// mail. The team has 2 to TeamSize members, every role is taken, and
// nobody is asked for more hours a week than they can give.
func (s *Service) Confirm(ctx context.Context, actor *tsunagari.Account, id string, team []tsunagari.TeamMember) error {
	t, err := s.Team(ctx, actor, id)
	if err != nil {
		return err
	}
	p := t.Project
	if p.Status != tsunagari.ProbonoRecruiting || !s.now().Before(p.AnswerBy) {
		return tsunagari.NewError(tsunagari.CodeConflict, "probono.closed")
	}
	if len(team) < tsunagari.MinTeamSize || len(team) > p.TeamSize {
		return tsunagari.Invalid("team", "probono.team_size_wrong", tsunagari.MinTeamSize, p.TeamSize)
	}
	byID := map[string]*Applicant{}
	for _, a := range t.Applicants {
		if a.Status == tsunagari.ApplicationOpen {
			byID[a.ID] = a
		}
	}
	seen := map[string]bool{}
	taken := map[string]bool{}
	for i := range team {
		m := &team[i]
		m.Role = strings.TrimSpace(m.Role)
		a := byID[m.ApplicationID]
		switch {
		case a == nil:
			return tsunagari.Invalid("team", "probono.member_not_applicant")
		case seen[m.ApplicationID]:
			return tsunagari.Invalid("team", "probono.member_twice", a.Name)
		case m.Role != "" && p.Role(m.Role) == nil:
			return tsunagari.Invalid("team", "probono.role_unknown", m.Role)
		case a.Available < p.HoursPerWeek:
			return tsunagari.Invalid("team", "probono.over_hours", a.Name, a.Available, p.HoursPerWeek)
		}
		seen[m.ApplicationID], taken[m.Role] = true, true
	}
	for _, r := range p.Roles {
		if !taken[r.Name] {
			return tsunagari.Invalid("team", "probono.role_untaken", r.Name)
		}
	}
	switch err := s.Store.ConfirmTeam(ctx, p.ID, team, s.now(), s.notifier()); {
	case errors.Is(err, tsunagari.ErrStarted):
		return tsunagari.NewError(tsunagari.CodeConflict, "probono.closed")
	case errors.Is(err, tsunagari.ErrNotFound):
		return tsunagari.Invalid("team", "probono.member_not_applicant")
	case err != nil:
		return fmt.Errorf("confirm team: %w", err)
	}
	return s.Audit.Record(ctx, &tsunagari.AuditEvent{ActorID: actor.ID, Action: tsunagari.AuditTeamConfirm,
		Outcome: tsunagari.OutcomeSuccess, TargetType: "probono_project", TargetID: p.ID, Detail: fmt.Sprintf("members=%d", len(team))})
}

// AnswerOverdue answers "not this time", kindly, every application still
// open at its project's deadline, and returns how many. It is the job the
// server runs every minute; several processes may run it at once, and
// each applicant is answered once.
func (s *Service) AnswerOverdue(ctx context.Context) (int, error) {
	n, err := s.Store.AnswerOverdue(ctx, s.now(), s.notifier())
	if err != nil || n == 0 {
		return n, err
	}
	return n, s.Audit.Record(ctx, &tsunagari.AuditEvent{Action: tsunagari.AuditProbonoAnswered, Outcome: tsunagari.OutcomeSuccess,
		TargetType: "probono_application", Detail: fmt.Sprintf("answered=%d", n)})
}

// notifier writes the answer to an applicant, in their language or in
// Japanese and English.
func (s *Service) notifier() tsunagari.ApplicationNotify {
	return func(p *tsunagari.ProbonoProject, a *tsunagari.ProbonoApplication) *tsunagari.Mail {
		key := "mail.probono." + string(a.Status)
		if a.Automatic {
			key += "_deadline"
		}
		link := s.BaseURL + "/probono/" + p.ID
		var subjects, bodies []string
		for _, pr := range s.printers(a.Locale) {
			subjects = append(subjects, pr.T(key+".subject", p.Title))
			bodies = append(bodies, pr.T(key+".body", a.Name, p.Title, p.Community.Name, a.Role, link))
		}
		return &tsunagari.Mail{To: a.Email, Kind: "probono_" + string(a.Status),
			Subject: strings.Join(subjects, " / "), Body: strings.Join(bodies, "\n\n----\n\n")}
	}
}

// printers returns the printers a message to someone with locale is
// written with: theirs, or Japanese and English.
func (s *Service) printers(locale string) []i18n.Printer {
	switch locale {
	case "ja", "en":
		return []i18n.Printer{s.Catalog.Printer(locale)}
	}
	return []i18n.Printer{s.Catalog.Printer("ja"), s.Catalog.Printer("en")}
}
