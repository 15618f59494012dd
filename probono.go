package tsunagari

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// A pro-bono project (プロボノ案件) is work an NPO or a worker cooperative
// asks professionals to do for free, as a small team: a few hours a week
// for one to six months. Volunteers apply with their skills and the hours
// they can give; tsunagari proposes a team; the organiser adjusts it and
// confirms. Every applicant hears back, and nobody waits past the answer
// deadline: applications still open then are answered "not this time".

// Limits on pro-bono projects and applications.
const (
	MinTeamSize          = 2
	MaxTeamSize          = 6
	MaxProbonoRoles      = 6
	MaxRoleSkills        = 8
	MaxSkillLen          = 30
	MaxRoleNameLen       = 40
	MinProbonoHours      = 1
	MaxProbonoHours      = 20
	MinProbonoMonths     = 1
	MaxProbonoMonths     = 6
	MaxDeliverableLen    = 300
	MaxApplicationSkills = 15
	MaxMotivationLen     = 1000
)

// ProbonoKinds are the community kinds that run pro-bono projects.
var ProbonoKinds = []CommunityKind{CommunityNPO, CommunityWorkerCoop}

// ProbonoStatus is where a project stands.
type ProbonoStatus string

const (
	ProbonoRecruiting ProbonoStatus = "recruiting"
	ProbonoTeamed     ProbonoStatus = "team_confirmed"
	ProbonoClosed     ProbonoStatus = "closed" // the deadline passed without a team
)

// ProbonoRole is a role the team needs, with the skills it takes.
type ProbonoRole struct {
	Name   string   `json:"name"`
	Skills []string `json:"skills"`
}

// ProbonoProject is work an NPO or worker cooperative asks a team of
// volunteers to do.
type ProbonoProject struct {
	ID          string `json:"id"`
	CommunityID string `json:"communityId"`
	Title       string `json:"title"`
	// Deliverable is what the team hands over at the end.
	Deliverable string        `json:"deliverable"`
	Description string        `json:"description"`
	Roles       []ProbonoRole `json:"roles"`
	// TeamSize is how many volunteers the team has, 2 to 6.
	TeamSize int `json:"teamSize"`
	// HoursPerWeek each volunteer gives, about 5.
	HoursPerWeek int `json:"hoursPerWeek"`
	// DurationMonths is how long the project runs, 1 to 6.
	DurationMonths int `json:"durationMonths"`
	// StartsOn is the first day of the work, YYYY-MM-DD in Japan.
	StartsOn string `json:"startsOn"`
	// AnswerBy is when every applicant will have heard back.
	AnswerBy        time.Time     `json:"answerBy"`
	Status          ProbonoStatus `json:"status"`
	CreatedBy       string        `json:"-"`
	CreatedAt       time.Time     `json:"createdAt"`
	TeamConfirmedAt *time.Time    `json:"teamConfirmedAt,omitempty"`

	// Community is the project's community, filled by the stores' reads.
	Community EventCommunity `json:"-"`
}

// SearchText returns the text by which p is found: its title, its roles
// and skills as tags, and the rest (deliverable, description, community
// name). Both stores index exactly this.
func (p *ProbonoProject) SearchText(communityName string) (title string, tags []string, body []string) {
	for _, r := range p.Roles {
		tags = append(tags, r.Name)
		tags = append(tags, r.Skills...)
	}
	return p.Title, tags, []string{p.Deliverable, p.Description, communityName, "プロボノ pro bono"}
}

// Start returns the first moment of the work: StartsOn at midnight in
// Japan.
func (p *ProbonoProject) Start() time.Time {
	t, _ := time.ParseInLocation(time.DateOnly, p.StartsOn, Tokyo)
	return t.UTC()
}

// End returns when the work ends: DurationMonths after Start.
func (p *ProbonoProject) End() time.Time {
	return p.Start().In(Tokyo).AddDate(0, p.DurationMonths, 0).UTC()
}

// NormalizeSkill is how skills are compared: trimmed, with full-width
// letters folded and in lower case. Japanese spellings stay as written.
func NormalizeSkill(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(foldASCII(s)), " "))
}

// cleanSkills trims, folds and de-duplicates a list of skills.
func cleanSkills(list []string) []string {
	return tidyList(list, func(s string) string {
		return strings.Join(strings.Fields(foldASCII(strings.TrimPrefix(strings.TrimSpace(s), "#"))), " ")
	})
}

func skillsContain(list []string, s string) bool {
	n := NormalizeSkill(s)
	return slices.ContainsFunc(list, func(v string) bool { return NormalizeSkill(v) == n })
}

// Clean trims p's text and tidies its roles' skills.
func (p *ProbonoProject) Clean() {
	p.Title = strings.TrimSpace(p.Title)
	p.Deliverable = strings.TrimSpace(p.Deliverable)
	p.Description = strings.TrimSpace(strings.ReplaceAll(p.Description, "\r\n", "\n"))
	p.StartsOn = strings.TrimSpace(p.StartsOn)
	if d, ok := parseDate(p.StartsOn); ok {
		p.StartsOn = d
	}
	p.AnswerBy = p.AnswerBy.UTC().Truncate(time.Second)
	roles := []ProbonoRole{}
	for _, r := range p.Roles {
		r.Name = strings.TrimSpace(r.Name)
		r.Skills = cleanSkills(r.Skills)
		if r.Name != "" || len(r.Skills) > 0 {
			roles = append(roles, r)
		}
	}
	p.Roles = roles
}

// Validate checks p's fields. Whether the deadline lies ahead is for the
// service, which knows the time.
func (p *ProbonoProject) Validate() error {
	if err := checkText("title", p.Title, MaxEventTitleLen, "probono.title_required", "probono.title_too_long"); err != nil {
		return err
	}
	if err := checkText("deliverable", p.Deliverable, MaxDeliverableLen, "probono.deliverable_required", "probono.deliverable_too_long"); err != nil {
		return err
	}
	if utf8.RuneCountInString(p.Description) > MaxEventDescriptionLen {
		return Invalid("description", "probono.description_too_long", MaxEventDescriptionLen)
	}
	if strings.ContainsFunc(p.Description, func(r rune) bool { return r != '\n' && r != '\t' && isControl(r) }) {
		return Invalid("description", "error.control_characters")
	}
	switch {
	case p.TeamSize < MinTeamSize || p.TeamSize > MaxTeamSize:
		return Invalid("teamSize", "probono.team_size_invalid", MinTeamSize, MaxTeamSize)
	case p.HoursPerWeek < MinProbonoHours || p.HoursPerWeek > MaxProbonoHours:
		return Invalid("hoursPerWeek", "probono.hours_invalid", MinProbonoHours, MaxProbonoHours)
	case p.DurationMonths < MinProbonoMonths || p.DurationMonths > MaxProbonoMonths:
		return Invalid("durationMonths", "probono.months_invalid", MinProbonoMonths, MaxProbonoMonths)
	case len(p.Roles) == 0:
		return Invalid("roles", "probono.roles_required")
	case len(p.Roles) > min(MaxProbonoRoles, p.TeamSize):
		return Invalid("roles", "probono.too_many_roles")
	}
	if d, ok := parseDate(p.StartsOn); !ok || d != p.StartsOn {
		return Invalid("startsOn", "probono.start_invalid")
	}
	if p.AnswerBy.IsZero() || !p.AnswerBy.Before(p.Start()) {
		return Invalid("answerBy", "probono.answer_by_invalid")
	}
	var names []string
	for _, r := range p.Roles {
		switch n := utf8.RuneCountInString(r.Name); {
		case n == 0:
			return Invalid("roles", "probono.role_name_required")
		case n > MaxRoleNameLen || strings.ContainsFunc(r.Name, isControl):
			return Invalid("roles", "probono.role_name_invalid", MaxRoleNameLen)
		case slices.Contains(names, NormalizeSkill(r.Name)):
			return Invalid("roles", "probono.role_repeated", r.Name)
		case len(r.Skills) == 0:
			return Invalid("roles", "probono.role_skills_required", r.Name)
		case len(r.Skills) > MaxRoleSkills:
			return Invalid("roles", "probono.too_many_skills", MaxRoleSkills)
		}
		names = append(names, NormalizeSkill(r.Name))
		if err := checkSkills("roles", r.Skills); err != nil {
			return err
		}
	}
	return nil
}

func checkSkills(field string, skills []string) error {
	for _, s := range skills {
		if s == "" || utf8.RuneCountInString(s) > MaxSkillLen || strings.ContainsFunc(s, isControl) {
			return Invalid(field, "probono.skill_invalid", MaxSkillLen)
		}
	}
	return nil
}

// Role returns the role named name, or nil.
func (p *ProbonoProject) Role(name string) *ProbonoRole {
	for i := range p.Roles {
		if p.Roles[i].Name == name {
			return &p.Roles[i]
		}
	}
	return nil
}

// Fits reports how many of role's skills a volunteer with skills has.
func (r *ProbonoRole) Fits(skills []string) int {
	n := 0
	for _, s := range r.Skills {
		if skillsContain(skills, s) {
			n++
		}
	}
	return n
}

// ApplicationStatus is where an application stands.
type ApplicationStatus string

const (
	ApplicationOpen        ApplicationStatus = "applied"
	ApplicationAccepted    ApplicationStatus = "accepted"
	ApplicationNotSelected ApplicationStatus = "not_selected" // "not this time"
)

// ProbonoApplication is a volunteer's offer to join a project's team.
type ProbonoApplication struct {
	ID        string `json:"id"`
	ProjectID string `json:"projectId"`
	AccountID string `json:"-"`
	// Skills the volunteer brings.
	Skills []string `json:"skills"`
	// HoursPerWeek the volunteer can give.
	HoursPerWeek int               `json:"hoursPerWeek"`
	Motivation   string            `json:"motivation"`
	Status       ApplicationStatus `json:"status"`
	// Role is the role the volunteer takes in a confirmed team; "" for a
	// member without a named role.
	Role       string     `json:"role,omitempty"`
	CreatedAt  time.Time  `json:"createdAt"`
	AnsweredAt *time.Time `json:"answeredAt,omitempty"`
	// Automatic marks an answer given at the deadline, not by a person.
	Automatic bool `json:"automatic"`

	// Filled by the stores' reads: who applied, and the background the
	// team proposal weighs. Organisers of the project see them.
	Name      string `json:"-"`
	Email     string `json:"-"`
	Locale    string `json:"-"`
	JobFamily string `json:"-"`
	Industry  string `json:"-"`
	AgeBand   string `json:"-"`
}

// Clean tidies a's skills and text.
func (a *ProbonoApplication) Clean() {
	a.Skills = cleanSkills(a.Skills)
	a.Motivation = strings.TrimSpace(strings.ReplaceAll(a.Motivation, "\r\n", "\n"))
}

// Validate checks a's fields.
func (a *ProbonoApplication) Validate() error {
	switch {
	case len(a.Skills) == 0:
		return Invalid("skills", "probono.skills_required")
	case len(a.Skills) > MaxApplicationSkills:
		return Invalid("skills", "probono.too_many_skills", MaxApplicationSkills)
	case a.HoursPerWeek < MinProbonoHours || a.HoursPerWeek > 40:
		return Invalid("hoursPerWeek", "probono.availability_invalid", 40)
	case utf8.RuneCountInString(a.Motivation) > MaxMotivationLen:
		return Invalid("motivation", "probono.motivation_too_long", MaxMotivationLen)
	case strings.ContainsFunc(a.Motivation, func(r rune) bool { return r != '\n' && r != '\t' && isControl(r) }):
		return Invalid("motivation", "error.control_characters")
	}
	return checkSkills("skills", a.Skills)
}

// TeamMember is one volunteer of a confirmed team and the role they take
// ("" for none in particular).
type TeamMember struct {
	ApplicationID string `json:"applicationId"`
	Role          string `json:"role"`
}

// ProbonoFilter selects projects. Zero fields do not filter.
type ProbonoFilter struct {
	CommunityID string
	Status      ProbonoStatus
	// Query is text as typed, read as package search reads it.
	Query         string
	IncludeHidden bool
	Limit         int
}

// ApplicationNotify returns the message to send about an answer given to
// a, or nil. Stores call it in the transaction that answers.
type ApplicationNotify func(p *ProbonoProject, a *ProbonoApplication) *Mail

// ProbonoStore persists pro-bono projects and applications. It does no
// authorization; package probono does.
type ProbonoStore interface {
	// CreateProject stores p, setting ID, CreatedAt and Status, and
	// indexes it. ErrNotFound if the community or creator does not exist.
	CreateProject(ctx context.Context, p *ProbonoProject) error
	// FindProjectByID returns ErrNotFound if there is no such project.
	FindProjectByID(ctx context.Context, id string) (*ProbonoProject, error)
	// FindProjects returns matching projects, the nearest deadline first
	// (by rank when there is a query).
	FindProjects(ctx context.Context, f ProbonoFilter) ([]*ProbonoProject, error)
	// CreateApplication stores a, setting ID, CreatedAt and Status.
	// ErrConflict if the account applied already, ErrNotFound if the
	// project or account does not exist, ErrStarted if the project no
	// longer recruits.
	CreateApplication(ctx context.Context, a *ProbonoApplication) error
	// FindApplications returns the applications of a project (or, with
	// accountID, that account's own), in order of arrival, with the
	// applicants' names and backgrounds.
	FindApplications(ctx context.Context, projectID, accountID string) ([]*ProbonoApplication, error)
	// Commitments returns, for each account, the hours per week it has
	// promised to confirmed teams of other projects whose work overlaps
	// [from, to).
	Commitments(ctx context.Context, accountIDs []string, from, to time.Time, exceptProject string) (map[string]int, error)
	// ConfirmTeam accepts the team at at, in their roles, answers every
	// other open application "not this time", and marks the project
	// teamed, in one transaction, telling everyone through notify.
	// ErrStarted if the project no longer recruits, ErrNotFound if a
	// member's application is not an open one of the project.
	ConfirmTeam(ctx context.Context, projectID string, team []TeamMember, at time.Time, notify ApplicationNotify) error
	// AnswerOverdue answers "not this time" every open application of a
	// project whose answer deadline is at or before now, and closes such
	// projects that have no team. It is safe to run at once in several
	// processes: every application is answered, and told, once. It
	// returns the number of applications it answered.
	AnswerOverdue(ctx context.Context, now time.Time, notify ApplicationNotify) (int, error)
}
