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

// The HR survey step: the operator's survey of HR departments across
// organisations, closed, with 246 answers shaped like the published JAIC
// survey of 2022 (PRODUCT.md §7). The shares by company size are exact:
// 58% see employees' career autonomy as a management concern (30% of
// companies of 1,001 or more "strongly"), about 40% run initiatives (13%
// primarily for autonomy, 26% related; 60% of the largest), and 8% can
// verify their effect while 51% are not yet at that stage. The other
// answers are drawn around the published picture: performance,
// motivation and engagement as the leading purposes, retention standing
// out among mid-sized companies, career training as the first measure,
// the largest companies aiming at all employees.

// HRSurveyRespondents is the number of answers to the demo HR survey.
const HRSurveyRespondents = 246

// hrBand is how the companies of one size answered the three questions
// the published shares are about: counts per option, in option order.
type hrBand struct {
	size                           tsunagari.SizeBand
	interest, initiatives, effects []int
}

// hrBands hold the exact counts, 98 + 68 + 80 = 246 companies.
var hrBands = []hrBand{
	{tsunagari.SizeSmall, []int{10, 42, 30, 16}, []int{8, 17, 28, 45}, []int{5, 14, 56, 23}},
	{tsunagari.SizeMid, []int{12, 27, 19, 10}, []int{8, 17, 20, 23}, []int{5, 13, 35, 15}},
	{tsunagari.SizeLarge, []int{24, 28, 19, 9}, []int{16, 32, 18, 14}, []int{10, 22, 34, 14}},
}

// The demo HR survey runs for a month and closed six weeks ago.
const (
	hrSurveyOpenFor  = 30 * day
	hrSurveyClosedAt = 45 * day
)

func createHRSurvey(ctx context.Context, p *Population) error {
	if err := survey.Install(ctx, p.Stores.Surveys, p.NewID, p.Opened()); err != nil {
		return err
	}
	in, err := p.Stores.Surveys.FindInstrument(ctx, survey.HRAutonomySurvey, 0)
	if err != nil {
		return err
	}
	closes := p.Now.Add(-hrSurveyClosedAt)
	r := &tsunagari.Round{ID: p.NewID(), InstrumentID: in.ID, InstrumentVersion: in.Version, Mode: tsunagari.ModeAttributed,
		Audience: tsunagari.RoleHRAdmin, OpensAt: closes.Add(-hrSurveyOpenFor), ClosesAt: closes, CreatedAt: closes.Add(-hrSurveyOpenFor - day)}
	for _, a := range p.Personas {
		if a.Has(tsunagari.RoleOperator) {
			r.CreatedBy = a.ID
		}
	}
	if err := p.Stores.Surveys.CreateRound(ctx, r); err != nil {
		return fmt.Errorf("create the HR survey round: %w", err)
	}
	g := &hrAnswerer{p: p, in: in}
	var batch []*tsunagari.Response
	for _, band := range hrBands {
		rs, err := g.band(band)
		if err != nil {
			return err
		}
		for _, resp := range rs {
			resp.RoundID = r.ID
		}
		batch = append(batch, rs...)
	}
	if len(batch) != HRSurveyRespondents {
		return fmt.Errorf("the HR survey has %d answers, want %d", len(batch), HRSurveyRespondents)
	}
	// Stored in random order: nothing about who answered first.
	p.Rand.Shuffle(len(batch), func(i, j int) { batch[i], batch[j] = batch[j], batch[i] })
	return p.Stores.Surveys.ImportResponses(ctx, batch)
}

type hrAnswerer struct {
	p  *Population
	in *tsunagari.Instrument
}

// spread lists option IDs by their counts, in option order.
func spread(options []tsunagari.Option, counts []int) []string {
	var out []string
	for i, n := range counts {
		for range n {
			out = append(out, options[i].ID)
		}
	}
	return out
}

// jostle swaps neighbours at random, so that answers given by position
// go together only loosely; the counts stay exact.
func (g *hrAnswerer) jostle(s []string) {
	for i := 0; i+1 < len(s); i++ {
		if g.p.Rand.Float64() < 0.3 {
			s[i], s[i+1] = s[i+1], s[i]
		}
	}
}

// band answers for the companies of one size. Companies are lined up from
// the most engaged: those that run initiatives first, and they are the
// likelier to care strongly and to verify their effect.
func (g *hrAnswerer) band(b hrBand) ([]*tsunagari.Response, error) {
	in := g.in
	n := 0
	for _, c := range b.interest {
		n += c
	}
	initiatives := spread(in.Item("initiatives").Options, b.initiatives)
	interest := spread(in.Item("interest").Options, b.interest)
	effects := spread(in.Item("effect").Options, b.effects)
	if len(initiatives) != n || len(effects) != n {
		return nil, fmt.Errorf("HR survey band %s does not add up", b.size)
	}
	g.jostle(interest)
	g.jostle(effects)
	var out []*tsunagari.Response
	for i := range n {
		implementing := initiatives[i] == "primary" || initiatives[i] == "related"
		answers := []tsunagari.Answer{
			{Item: "company_size", Choices: []string{string(b.size)}},
			{Item: "interest", Choices: []string{interest[i]}},
			{Item: "initiatives", Choices: []string{initiatives[i]}},
		}
		if implementing {
			answers = append(answers,
				g.pick("purposes", b.size, true),
				g.pick("measures", b.size, true),
				g.pick("targets", b.size, true))
		}
		answers = append(answers,
			tsunagari.Answer{Item: "effect", Choices: []string{effects[i]}},
			g.pick("voices", b.size, implementing),
			g.pick("expectations", b.size, implementing),
			g.pick("obstacles", b.size, implementing),
			tsunagari.Answer{Item: "plans", Choices: []string{g.plan(initiatives[i])}})
		clean, err := in.Check(answers)
		if err != nil {
			return nil, fmt.Errorf("demo HR survey answer: %w", err)
		}
		industry := tsunagari.Industries[g.p.Rand.IntN(len(tsunagari.Industries)-2)] // neither NPO nor other
		out = append(out, &tsunagari.Response{ID: g.p.NewID(), InstrumentID: in.ID, InstrumentVersion: in.Version,
			Segments: tsunagari.Segments{SizeBand: b.size, Industry: industry, JobFamily: "hr"}, Answers: clean})
	}
	return out, nil
}

// hrShares are the chances of each option of the multiple-choice items,
// with the published differences by company size.
var hrShares = map[string]map[string]float64{
	"purposes": {"performance": 0.64, "motivation": 0.62, "engagement": 0.66, "retention": 0.42, "leaders": 0.38,
		"adaptability": 0.3, "other": 0.03},
	"measures": {"career_training": 0.62, "internal_posting": 0.34, "learning_environment": 0.36, "self_development": 0.35,
		"career_interview": 0.32, "one_on_one": 0.3, "external_mentor": 0.12, "side_job": 0.1, "other": 0.02},
	"targets": {"all_employees": 0.3, "next_leaders": 0.52, "young": 0.36, "mid_career": 0.28, "senior": 0.18,
		"managers": 0.3, "other": 0.02},
	"voices": {"market_value": 0.42, "what_i_want": 0.38, "options": 0.33, "nobody": 0.3, "concrete": 0.35,
		"too_busy": 0.4, "transfer": 0.2, "other": 0.02},
	"expectations": {"learning": 0.5, "side_jobs": 0.3, "flexible_hours": 0.45, "placement": 0.4,
		"honest_consultation": 0.35, "explain_evaluation": 0.3, "role_skills": 0.33, "other": 0.02},
	"obstacles": {"awareness": 0.5, "workload": 0.45, "know_how": 0.35, "leadership": 0.25, "budget": 0.3,
		"resignations": 0.2, "wishes": 0.2, "other": 0.02},
}

// hrOthers are what respondents wrote beside "other".
var hrOthers = []string{"組合との協議", "グループ会社との連携", "経営計画との連動", "制度の周知"}

// pick answers a multiple-choice item of the HR survey.
func (g *hrAnswerer) pick(item string, size tsunagari.SizeBand, implementing bool) tsunagari.Answer {
	it := g.in.Item(item)
	a := tsunagari.Answer{Item: item}
	for _, o := range it.Options {
		share, ok := hrShares[item][o.ID]
		if !ok {
			continue // "none of these" is what is left
		}
		switch {
		case item == "purposes" && o.ID == "retention" && size == tsunagari.SizeMid:
			share = 0.68 // retention stands out at 301–1,000
		case item == "targets" && o.ID == "all_employees" && size == tsunagari.SizeLarge:
			share = 0.6 // the largest companies aim at everyone
		case item == "measures" && o.ID == "internal_posting" && size == tsunagari.SizeLarge:
			share = 0.55
		case item == "obstacles" && o.ID == "know_how" && !implementing:
			share = 0.5
		}
		if g.p.Rand.Float64() < share {
			a.Choices = append(a.Choices, o.ID)
			if o.Other {
				a.Other = hrOthers[g.p.Rand.IntN(len(hrOthers))]
			}
		}
	}
	if len(a.Choices) == 0 {
		if i := slices.IndexFunc(it.Options, func(o tsunagari.Option) bool { return o.Exclusive }); i >= 0 {
			a.Choices = []string{it.Options[i].ID}
		} else {
			a.Choices = []string{it.Options[0].ID}
		}
	}
	return a
}

// plan answers what a company means to do next, from what it does now.
func (g *hrAnswerer) plan(initiative string) string {
	x := g.p.Rand.Float64()
	switch initiative {
	case "primary", "related":
		switch {
		case x < 0.38:
			return "expand"
		case x < 0.88:
			return "continue"
		}
		return "undecided"
	case "planning":
		if x < 0.6 {
			return "start"
		}
		return "undecided"
	}
	if x < 0.45 {
		return "undecided"
	}
	return "no_plan"
}

// The pulse step: the five-supports pulse by department at the large
// employer, closed with results, and an open one at the mid-sized
// employer that HR can watch fill up. Levels differ by department, so
// that the report by department says something.
func createPulses(ctx context.Context, p *Population) error {
	if err := survey.Install(ctx, p.Stores.Surveys, p.NewID, p.Opened()); err != nil {
		return err
	}
	if len(p.Employers) < 2 {
		return nil
	}
	in, err := p.Stores.Surveys.FindInstrument(ctx, survey.FiveSupports, 0)
	if err != nil {
		return err
	}
	closed := p.Now.Add(-10 * day)
	rounds := []struct {
		e             *Employer
		opens, closes time.Time
		share         float64
	}{
		{p.Employers[Large], closed.Add(-21 * day), closed, 0.72},
		{p.Employers[Mid], p.Now.Add(-5 * day), p.Now.Add(16 * day), 0.35},
	}
	for _, rr := range rounds {
		r := &tsunagari.Round{ID: p.NewID(), InstrumentID: in.ID, InstrumentVersion: in.Version, Mode: tsunagari.ModeAttributed,
			OrgID: rr.e.Org.ID, OpensAt: rr.opens, ClosesAt: rr.closes, CreatedAt: rr.opens.Add(-day)}
		for _, a := range rr.e.Employees {
			if _, persona := personaByEmail[a.Email]; persona && a.Has(tsunagari.RoleHRAdmin) {
				r.CreatedBy = a.ID
			}
		}
		if err := p.Stores.Surveys.CreateRound(ctx, r); err != nil {
			return fmt.Errorf("create a five-supports round: %w", err)
		}
		level := map[string]float64{} // by department, then dimension
		var batch []*tsunagari.Response
		for _, a := range rr.e.Employees {
			if !a.CreatedAt.Before(rr.opens) || p.Rand.Float64() >= rr.share {
				continue
			}
			dept, tenure := "", ""
			if a.Employment != nil {
				dept = a.Employment.DepartmentID
				tenure = tsunagari.TenureBandOf(a.Employment.StartedAt, rr.opens)
			}
			target := map[string]float64{}
			for _, d := range in.Dimensions {
				k := dept + "/" + d.ID
				if _, ok := level[k]; !ok {
					level[k] = 45 + p.Rand.NormFloat64()*12
				}
				target[d.ID] = level[k] + p.Rand.NormFloat64()*14
			}
			var answers []tsunagari.Answer
			for _, it := range in.Items() {
				answers = append(answers, tsunagari.Answer{Item: it.ID, Value: tsunagari.Float(likertPoint(p, it, target[it.Dimension]))})
			}
			clean, err := in.Check(answers)
			if err != nil {
				return fmt.Errorf("demo five-supports answer: %w", err)
			}
			resp := &tsunagari.Response{ID: p.NewID(), RoundID: r.ID, InstrumentID: in.ID, InstrumentVersion: in.Version,
				AccountID: a.ID, Answers: clean, Scores: in.Score(clean),
				Segments: tsunagari.Segments{SizeBand: rr.e.Org.SizeBand(), Industry: rr.e.Org.Industry, DepartmentID: dept,
					AgeBand: a.AgeBand, JobFamily: a.JobFamily, TenureBand: tenure}}
			batch = append(batch, resp)
			if len(batch) >= BatchSize {
				if err := p.Stores.Surveys.ImportResponses(ctx, batch); err != nil {
					return err
				}
				batch = batch[:0]
			}
		}
		p.Rand.Shuffle(len(batch), func(i, j int) { batch[i], batch[j] = batch[j], batch[i] })
		if err := p.Stores.Surveys.ImportResponses(ctx, batch); err != nil {
			return err
		}
	}
	return nil
}

// likertPoint picks the point of a Likert item that says target (0–100),
// with a little noise, from the other end for reverse-scored items.
func likertPoint(p *Population, it *tsunagari.Item, target float64) float64 {
	t := math.Max(0, math.Min(100, target)) / 100
	if it.Reverse {
		t = 1 - t
	}
	v := math.Round(1 + t*float64(it.Points-1) + p.Rand.NormFloat64()*0.45)
	return math.Max(1, math.Min(float64(it.Points), v))
}
