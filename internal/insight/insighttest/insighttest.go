// Package insighttest builds synthetic employers for the tests of
// reports: an org with a department tree of chosen sizes, its employees,
// closed pulse rounds of the five supports they answered, values
// diagnoses and pending invitations. It returns, beside what it stored,
// the truth the tests check releases against: who is in which group.
package insighttest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"tsunagari"
	"tsunagari/internal/survey"
)

// Spec describes an employer to build.
type Spec struct {
	Name string
	// Departments is the number of departments: a quarter of them
	// top-level divisions, the others sections under them.
	Departments int
	// MinSize and MaxSize bound the number of people directly in each
	// department.
	MinSize, MaxSize int
	// K is the org's minimum group size.
	K int
	// Rounds is the number of closed pulse rounds; Respond the share of
	// people who answer each.
	Rounds  int
	Respond float64
	Seed    uint64
	// Now is when the world is built; the org was created two years
	// before.
	Now time.Time
}

// Person is one employee as the test knows them.
type Person struct {
	Account    *tsunagari.Account
	Department string
	AgeBand    string // "" when not given
	JobFamily  string // "" when not given
	Started    time.Time
	// Diagnosed is when they took the values diagnosis; zero if never.
	Diagnosed time.Time
}

// Answer is one pulse answer as the test knows it: the segments stored
// with it and the scores of each dimension.
type Answer struct {
	Person   *Person
	Segments tsunagari.Segments
	Scores   []tsunagari.Score
}

// World is a built employer.
type World struct {
	Org         *tsunagari.Org
	Departments []*tsunagari.Department
	HR          *tsunagari.Account
	People      []*Person
	Rounds      []*tsunagari.Round
	// Answers holds, per round, every answer given.
	Answers [][]Answer
	// Invited holds the invitations nobody has accepted.
	Invited []Invite
}

// Invite is an invitation nobody has accepted: its department and when
// it was sent.
type Invite struct {
	Department string
	At         time.Time
}

// jobs are the job families people of the synthetic orgs give, most
// often the first.
var jobs = []string{"sales", "engineering", "manufacturing", "admin", "finance", "hr", "it", "legal"}

// Build stores an employer as spec says, in stores whose survey
// instruments are installed.
func Build(ctx context.Context, st tsunagari.Stores, spec Spec) (*World, error) {
	r := rand.New(rand.NewPCG(spec.Seed, spec.Seed^0x5eed))
	now := spec.Now.UTC().Truncate(time.Second)
	w := &World{}
	w.Org = &tsunagari.Org{Name: spec.Name, Industry: "manufacturing", DeclaredEmployees: 2000,
		MinGroupSize: max(spec.K, tsunagari.MinMinGroupSize), CreatedAt: now.AddDate(-2, 0, 0)}
	if err := st.Orgs.CreateOrg(ctx, w.Org); err != nil {
		return nil, err
	}
	divisions := max(1, spec.Departments/4)
	for i := 0; i < spec.Departments; i++ {
		d := &tsunagari.Department{OrgID: w.Org.ID, Name: fmt.Sprintf("第%d部", i+1), CreatedAt: w.Org.CreatedAt}
		if i >= divisions {
			parent := w.Departments[(i-divisions)%divisions]
			d.ParentID, d.Name = parent.ID, fmt.Sprintf("%s 第%d課", parent.Name, i-divisions+1)
		}
		if err := st.Orgs.CreateDepartment(ctx, d); err != nil {
			return nil, err
		}
		w.Departments = append(w.Departments, d)
	}
	w.HR = &tsunagari.Account{Email: fmt.Sprintf("hr@%s.example", orgSlug(spec)), Name: "人事 担当",
		Roles: []tsunagari.Role{tsunagari.RoleMember, tsunagari.RoleHRAdmin}, PasswordHash: "$argon2id$test",
		CreatedAt: w.Org.CreatedAt, PasswordChangedAt: w.Org.CreatedAt,
		Employment: &tsunagari.Employment{OrgID: w.Org.ID, StartedAt: w.Org.CreatedAt}}
	var accounts []*tsunagari.Account
	for di, d := range w.Departments {
		size := spec.MinSize + r.IntN(spec.MaxSize-spec.MinSize+1)
		for j := 0; j < size; j++ {
			p := &Person{Department: d.ID}
			if r.IntN(12) > 0 {
				p.AgeBand = tsunagari.AgeBands[weighted(r, []int{3, 4, 4, 3, 1})]
			}
			if r.IntN(10) > 0 {
				p.JobFamily = jobs[weighted(r, []int{6, 4, 3, 3, 2, 1, 1, 1})]
			}
			p.Started = now.Add(-time.Duration(r.Float64()*14*365*24) * time.Hour).Truncate(time.Second)
			p.Account = &tsunagari.Account{Email: fmt.Sprintf("p%d-%d@%s.example", di, j, orgSlug(spec)), Name: "社員",
				Roles: []tsunagari.Role{tsunagari.RoleMember}, PasswordHash: "$argon2id$test", AgeBand: p.AgeBand,
				JobFamily: p.JobFamily, CreatedAt: p.Started, PasswordChangedAt: p.Started,
				Employment: &tsunagari.Employment{OrgID: w.Org.ID, DepartmentID: d.ID, StartedAt: p.Started}}
			w.People = append(w.People, p)
			accounts = append(accounts, p.Account)
		}
	}
	if err := st.Accounts.CreateAccounts(ctx, append(accounts, w.HR)); err != nil {
		return nil, err
	}

	// Values diagnoses, for the funnel.
	standing, err := st.Surveys.FindRounds(ctx, tsunagari.RoundFilter{InstrumentID: survey.ValuesDiagnosis, Standing: ptr(true)})
	if err != nil || len(standing) == 0 {
		return nil, fmt.Errorf("the values diagnosis is not installed: %v", err)
	}
	var diagnoses []*tsunagari.Response
	for _, p := range w.People {
		if r.IntN(2) == 0 {
			continue
		}
		p.Diagnosed = p.Started.Add(time.Duration(r.Float64() * float64(now.Sub(p.Started)))).Truncate(time.Second)
		diagnoses = append(diagnoses, &tsunagari.Response{ID: tsunagari.NewID(), RoundID: standing[0].ID,
			InstrumentID: standing[0].InstrumentID, InstrumentVersion: standing[0].InstrumentVersion,
			AccountID: p.Account.ID, SubmittedAt: p.Diagnosed, Answers: []tsunagari.Answer{}})
	}
	if err := st.Surveys.ImportResponses(ctx, diagnoses); err != nil {
		return nil, err
	}

	// Pulse rounds, closed one after another before now.
	in, err := st.Surveys.FindInstrument(ctx, survey.FiveSupports, 0)
	if err != nil {
		return nil, err
	}
	bias := map[string]float64{}
	for _, d := range w.Departments {
		bias[d.ID] = r.Float64()*1.6 - 0.8
	}
	for ri := 0; ri < spec.Rounds; ri++ {
		closes := now.AddDate(0, -3*(spec.Rounds-ri), 0)
		round := &tsunagari.Round{InstrumentID: in.ID, InstrumentVersion: in.Version, Mode: tsunagari.ModeAttributed,
			OrgID: w.Org.ID, OpensAt: closes.AddDate(0, 0, -14), ClosesAt: closes, CreatedBy: w.HR.ID, CreatedAt: closes.AddDate(0, 0, -14)}
		if err := st.Surveys.CreateRound(ctx, round); err != nil {
			return nil, err
		}
		w.Rounds = append(w.Rounds, round)
		var answers []Answer
		var resps []*tsunagari.Response
		for _, p := range w.People {
			if p.Started.After(round.OpensAt) || r.Float64() >= spec.Respond {
				continue
			}
			var as []tsunagari.Answer
			for _, it := range in.Items() {
				v := 3 + bias[p.Department] + r.NormFloat64()
				as = append(as, tsunagari.Answer{Item: it.ID, Value: tsunagari.Float(float64(min(5, max(1, int(v+0.5)))))})
			}
			seg := tsunagari.Segments{SizeBand: w.Org.SizeBand(), Industry: w.Org.Industry, DepartmentID: p.Department,
				AgeBand: p.AgeBand, JobFamily: p.JobFamily, TenureBand: tsunagari.TenureBandOf(p.Started, round.OpensAt)}
			resps = append(resps, &tsunagari.Response{ID: tsunagari.NewID(), RoundID: round.ID, InstrumentID: in.ID,
				InstrumentVersion: in.Version, AccountID: p.Account.ID, Segments: seg, Answers: as, Scores: in.Score(as)})
			answers = append(answers, Answer{Person: p, Segments: seg, Scores: in.Score(as)})
		}
		if err := st.Surveys.ImportResponses(ctx, resps); err != nil {
			return nil, err
		}
		w.Answers = append(w.Answers, answers)
	}

	// Invitations nobody has accepted yet.
	var invs []*tsunagari.Invitation
	for i := 0; i < len(w.Departments); i++ {
		if r.IntN(3) > 0 {
			continue
		}
		d := w.Departments[r.IntN(len(w.Departments))]
		at := now.Add(-time.Duration(r.IntN(400*24)) * time.Hour)
		invs = append(invs, &tsunagari.Invitation{OrgID: w.Org.ID, DepartmentID: d.ID, Email: fmt.Sprintf("new%d@%s.example", i, orgSlug(spec)),
			Role: tsunagari.RoleMember, TokenHash: tsunagari.NewID(), InvitedBy: w.HR.ID, CreatedAt: at, ExpiresAt: at.AddDate(0, 0, 14)})
		w.Invited = append(w.Invited, Invite{Department: d.ID, At: at.Truncate(time.Second)})
	}
	if len(invs) > 0 {
		if err := st.Orgs.CreateInvitations(ctx, invs, nil); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// Department returns the department with the given ID, or nil.
func (w *World) Department(id string) *tsunagari.Department {
	for _, d := range w.Departments {
		if d.ID == id {
			return d
		}
	}
	return nil
}

// Within reports whether department dept is id or lies under it.
func (w *World) Within(dept, id string) bool {
	for d := w.Department(dept); d != nil; d = w.Department(d.ParentID) {
		if d.ID == id {
			return true
		}
	}
	return false
}

func orgSlug(spec Spec) string { return fmt.Sprintf("org%d", spec.Seed) }

func weighted(r *rand.Rand, ws []int) int {
	sum := 0
	for _, w := range ws {
		sum += w
	}
	x := r.IntN(sum)
	for i, w := range ws {
		if x < w {
			return i
		}
		x -= w
	}
	return len(ws) - 1
}

func ptr[T any](v T) *T { return &v }
