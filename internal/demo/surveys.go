package demo

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"tsunagari"
	"tsunagari/internal/survey"
)

// The surveys step installs the built-in instruments and gives most people
// their own results: a values diagnosis (some took it twice), an isolation
// check, and for some, five-powers check-ins about once a month. Answers
// follow a profile drawn per person, so that results look like people,
// not noise: an engineer values expertise, a carer contribution, people
// in their twenties challenge; freelancers feel more alone; and those who
// check in on their five powers slowly gain.

// Shares of the people who answered each instrument.
const (
	valuesShare     = 0.82
	valuesTwice     = 0.3
	isolationShare  = 0.7
	fivePowersShare = 0.4
)

func createSurveys(ctx context.Context, p *Population) error {
	if p.Stores.Surveys == nil {
		return fmt.Errorf("missing survey store")
	}
	if err := survey.Install(ctx, p.Stores.Surveys, p.NewID, p.Opened()); err != nil {
		return err
	}
	ins := map[string]*tsunagari.Instrument{}
	rounds := map[string]string{}
	yes := true
	standing, err := p.Stores.Surveys.FindRounds(ctx, tsunagari.RoundFilter{Standing: &yes})
	if err != nil {
		return err
	}
	for _, r := range standing {
		in, err := p.Stores.Surveys.FindInstrument(ctx, r.InstrumentID, r.InstrumentVersion)
		if err != nil {
			return err
		}
		ins[in.ID], rounds[in.ID] = in, r.ID
	}
	for _, id := range []string{survey.ValuesDiagnosis, survey.IsolationCheck, survey.FivePowers} {
		if ins[id] == nil {
			return fmt.Errorf("no standing round of %s", id)
		}
	}
	g := &answerer{p: p, ins: ins, rounds: rounds}
	for a := range p.Accounts() {
		_, persona := personaByEmail[a.Email]
		showcase := persona && a.Has(tsunagari.RoleMember) && len(a.Roles) == 1
		if err := g.person(a, showcase); err != nil {
			return err
		}
		if len(g.batch) >= BatchSize {
			if err := g.flush(ctx); err != nil {
				return err
			}
		}
	}
	return g.flush(ctx)
}

// answerer makes up the answers of one person after another.
type answerer struct {
	p      *Population
	ins    map[string]*tsunagari.Instrument
	rounds map[string]string
	batch  []*tsunagari.Response
	// showcase is set while a persona answers.
	showcase bool
}

func (g *answerer) flush(ctx context.Context) error {
	if len(g.batch) == 0 {
		return nil
	}
	if err := g.p.Stores.Surveys.ImportResponses(ctx, g.batch); err != nil {
		return fmt.Errorf("import responses: %w", err)
	}
	g.batch = g.batch[:0]
	return nil
}

// person answers for a: showcase personas answer everything, with
// history, so that a visitor signing in as them sees every chart.
func (g *answerer) person(a *tsunagari.Account, showcase bool) error {
	p := g.p
	g.showcase = showcase
	from := a.CreatedAt.Add(time.Hour)
	if !from.Before(p.Now) {
		return nil
	}
	values := g.valuesProfile(a)
	if showcase || p.Rand.Float64() < valuesShare {
		first := p.Between(from, p.Now)
		if showcase {
			first = p.Between(from, from.Add(p.Now.Sub(from)/3))
		}
		if err := g.answer(a, survey.ValuesDiagnosis, first, values); err != nil {
			return err
		}
		if showcase || p.Rand.Float64() < valuesTwice {
			// People change a little between two diagnoses.
			later := p.Between(first.Add(30*day), p.Now)
			if later.After(first) && later.Before(p.Now) {
				for _, d := range g.ins[survey.ValuesDiagnosis].Dimensions {
					values[d.ID] += p.Rand.NormFloat64() * 8
				}
				if err := g.answer(a, survey.ValuesDiagnosis, later, values); err != nil {
					return err
				}
			}
		}
	}
	if showcase || p.Rand.Float64() < isolationShare {
		if err := g.answer(a, survey.IsolationCheck, p.Between(from, p.Now), map[string]float64{"isolation": g.isolation(a)}); err != nil {
			return err
		}
	}
	if showcase || p.Rand.Float64() < fivePowersShare {
		months := 3 + p.Rand.IntN(6)
		if showcase {
			months = 7
		}
		start := p.Now.Add(-time.Duration(months) * 30 * day)
		if start.Before(from) {
			start = from
		}
		level := map[string]float64{}
		gain := map[string]float64{}
		for _, d := range g.ins[survey.FivePowers].Dimensions {
			level[d.ID] = 30 + p.Rand.Float64()*25
			gain[d.ID] = 2 + p.Rand.Float64()*4
		}
		for at := start.Add(time.Duration(p.Rand.IntN(10)) * day); at.Before(p.Now); at = at.Add(time.Duration(26+p.Rand.IntN(10)) * day) {
			if err := g.answer(a, survey.FivePowers, at, level); err != nil {
				return err
			}
			for _, d := range g.ins[survey.FivePowers].Dimensions {
				level[d.ID] += gain[d.ID] + p.Rand.NormFloat64()*3
			}
		}
	}
	return nil
}

// valuesProfile draws the eight values of a person from their work and age.
func (g *answerer) valuesProfile(a *tsunagari.Account) map[string]float64 {
	p := g.p
	v := map[string]float64{}
	for _, d := range g.ins[survey.ValuesDiagnosis].Dimensions {
		v[d.ID] = 50 + p.Rand.NormFloat64()*15
	}
	switch a.JobFamily {
	case "engineering", "research", "it", "medical", "legal", "finance":
		v["expertise"] += 18
	case "care", "education", "public":
		v["contribution"] += 20
	case "design", "creative":
		v["creating"] += 18
		v["autonomy"] += 10
	case "management":
		v["leading"] += 20
	case "sales", "marketing":
		v["challenge"] += 10
		v["leading"] += 8
	}
	switch a.AgeBand {
	case "20s":
		v["challenge"] += 12
		v["stability"] -= 5
	case "30s":
		v["balance"] += 8
	case "40s", "50s":
		v["stability"] += 10
		v["balance"] += 6
	case "60s":
		v["contribution"] += 10
	}
	if a.OrgID() == "" {
		v["autonomy"] += 10
	}
	return v
}

// isolation draws how alone a person feels with their career.
func (g *answerer) isolation(a *tsunagari.Account) float64 {
	v := 52 + g.p.Rand.NormFloat64()*18
	if a.OrgID() == "" {
		v += 10 // freelancers, people between jobs, parents on leave
	}
	if a.Prefecture != a.HomePrefecture {
		v += 4
	}
	return v
}

// answer makes up a response to an instrument close to the target scores,
// checks and scores it like any other, and queues it.
func (g *answerer) answer(a *tsunagari.Account, id string, at time.Time, target map[string]float64) error {
	in := g.ins[id]
	var answers []tsunagari.Answer
	for _, it := range in.Items() {
		switch it.Kind {
		case tsunagari.KindLikert:
			answers = append(answers, tsunagari.Answer{Item: it.ID, Value: tsunagari.Float(g.point(it, target[it.Dimension]))})
		case tsunagari.KindSingle, tsunagari.KindMultiple:
			if ans, ok := g.choose(a, it, answers, target); ok {
				answers = append(answers, ans)
			}
		}
	}
	clean, err := in.Check(answers)
	if err != nil {
		return fmt.Errorf("demo answers to %s: %w", id, err)
	}
	g.batch = append(g.batch, &tsunagari.Response{ID: g.p.NewID(), RoundID: g.rounds[id], InstrumentID: in.ID,
		InstrumentVersion: in.Version, AccountID: a.ID, SubmittedAt: at.UTC().Truncate(time.Second),
		Answers: clean, Scores: in.Score(clean)})
	return nil
}

// point picks the Likert point that says target (0–100), with a little
// noise, from the right end for reverse-scored items.
func (g *answerer) point(it *tsunagari.Item, target float64) float64 {
	t := math.Max(0, math.Min(100, target)) / 100
	if it.Reverse {
		t = 1 - t
	}
	v := math.Round(1 + t*float64(it.Points-1) + g.p.Rand.NormFloat64()*0.45)
	return math.Max(1, math.Min(float64(it.Points), v))
}

// Shares of each given-up challenge and supporter, roughly as in the
// research behind the product: about four in ten gave something up, few
// have a third community.
var (
	givenUpShare = map[string]float64{"job_change": 0.2, "side_job": 0.14, "independence": 0.07,
		"startup": 0.05, "learning": 0.16, "u_turn": 0.05}
	supporterShare = map[string]float64{"family": 0.6, "workplace": 0.35, "third_community": 0.12, "other": 0.1}
)

// choose answers the choice items of the isolation check.
func (g *answerer) choose(a *tsunagari.Account, it *tsunagari.Item, soFar []tsunagari.Answer, target map[string]float64) (tsunagari.Answer, bool) {
	p := g.p
	ans := tsunagari.Answer{Item: it.ID}
	lonely := target["isolation"] / 100
	switch it.ID {
	case "given_up":
		for _, o := range it.Options {
			share := givenUpShare[o.ID]
			if o.ID == "u_turn" && a.Prefecture != a.HomePrefecture {
				share = 0.18
				if g.showcase {
					share = 1 // the personas who live away from home weigh a U-turn
				}
			}
			if p.Rand.Float64() < share*(0.3+0.75*lonely) {
				ans.Choices = append(ans.Choices, o.ID)
			}
		}
		if len(ans.Choices) == 0 {
			ans.Choices = []string{"none"}
		}
	case "reasons":
		var given []string
		for _, s := range soFar {
			if s.Item == "given_up" {
				given = s.Choices
			}
		}
		if len(given) == 0 || slices.Equal(given, []string{"none"}) {
			return ans, false
		}
		for n := 1 + p.Rand.IntN(2); len(ans.Choices) < n; {
			o := it.Options[p.Rand.IntN(len(it.Options)-1)] // not "other"
			if !slices.Contains(ans.Choices, o.ID) {
				ans.Choices = append(ans.Choices, o.ID)
			}
		}
	case "supporters":
		if p.Rand.Float64() < 0.1+0.3*lonely {
			ans.Choices = []string{"nobody"}
			break
		}
		for _, o := range it.Options {
			if p.Rand.Float64() < supporterShare[o.ID] {
				ans.Choices = append(ans.Choices, o.ID)
			}
		}
		if slices.Contains(ans.Choices, "other") {
			ans.Other = []string{"学生時代の友人", "前の職場の先輩", "オンラインで知り合った仲間"}[p.Rand.IntN(3)]
		}
		if len(ans.Choices) == 0 {
			ans.Choices = []string{"family"}
		}
	default:
		return ans, false
	}
	return ans, true
}
