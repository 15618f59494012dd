package demo

import (
	"context"
	"fmt"
	"math"
	"time"

	"tsunagari"
	"tsunagari/internal/insight"
	"tsunagari/internal/survey"
)

// The insights step: what an employer's anonymised report rests on, and
// the report itself. Every employer gets earlier five-supports pulses, so
// that the report has a trend; the large employer a finished career
// training with before and after answers (a known effect of about 0.4 SD
// on clarity and self-efficacy), the mid-sized one a running programme of
// external consultations; every employer a few invitations nobody has
// accepted yet. Then everything that has closed is published to the
// release ledger, as the server would have done over the demo's lifetime:
// the demo HR accounts see full reports in which small groups are hidden.

// PulseEvery is the spacing of the demo's earlier pulse rounds.
const PulseEvery = 91 * day

func createInsights(ctx context.Context, p *Population) error {
	if err := survey.Install(ctx, p.Stores.Surveys, p.NewID, p.Opened()); err != nil {
		return err
	}
	if len(p.Employers) < 3 {
		return nil
	}
	five, err := p.Stores.Surveys.FindInstrument(ctx, survey.FiveSupports, 0)
	if err != nil {
		return err
	}
	// Earlier pulses: two at the large employer, before the one the pulse
	// step closed, one at each of the others.
	for _, pl := range []struct {
		e      *Employer
		closes []time.Time
		share  float64
	}{
		{p.Employers[Large], []time.Time{p.Now.Add(-10*day - 2*PulseEvery), p.Now.Add(-10*day - PulseEvery)}, 0.68},
		{p.Employers[Mid], []time.Time{p.Now.Add(-40 * day)}, 0.55},
		{p.Employers[Small], []time.Time{p.Now.Add(-30 * day)}, 0.8},
	} {
		for i, closes := range pl.closes {
			if err := p.pulseRound(ctx, pl.e, five, closes, pl.share, float64(i-len(pl.closes))*2); err != nil {
				return err
			}
		}
	}
	if err := p.trainingProgramme(ctx, p.Employers[Large]); err != nil {
		return err
	}
	if err := p.consultationProgramme(ctx, p.Employers[Mid]); err != nil {
		return err
	}
	for _, e := range p.Employers[:3] {
		if err := p.pendingInvitations(ctx, e); err != nil {
			return err
		}
	}
	pub := &insight.Service{Surveys: p.Stores.Surveys, Orgs: p.Stores.Orgs, Programmes: p.Stores.Programmes,
		Releases: p.Stores.Releases, Insights: p.Stores.Insights, Logger: p.Logger, Now: func() time.Time { return p.Now }, NewID: p.NewID}
	n, err := pub.PublishDue(ctx)
	if err != nil {
		return fmt.Errorf("publish the demo's reports: %w", err)
	}
	p.Logger.Info("demo reports published", "releases", n)
	return nil
}

// hr returns the employer's HR persona, or nil.
func (e *Employer) hr() *tsunagari.Account {
	for _, a := range e.Employees {
		if _, persona := personaByEmail[a.Email]; persona && a.Has(tsunagari.RoleHRAdmin) {
			return a
		}
	}
	return nil
}

// pulseRound stores a closed five-supports round of e's employees, each
// department at its own level, shifted by drift points.
func (p *Population) pulseRound(ctx context.Context, e *Employer, in *tsunagari.Instrument, closes time.Time, share, drift float64) error {
	opens := closes.Add(-14 * day)
	r := &tsunagari.Round{ID: p.NewID(), InstrumentID: in.ID, InstrumentVersion: in.Version, Mode: tsunagari.ModeAttributed,
		OrgID: e.Org.ID, OpensAt: opens, ClosesAt: closes, CreatedAt: opens.Add(-day)}
	if hr := e.hr(); hr != nil {
		r.CreatedBy = hr.ID
	}
	if err := p.Stores.Surveys.CreateRound(ctx, r); err != nil {
		return fmt.Errorf("create a five-supports round: %w", err)
	}
	level := map[string]float64{}
	var batch []*tsunagari.Response
	for _, a := range e.Employees {
		if !a.CreatedAt.Before(opens) || p.Rand.Float64() >= share {
			continue
		}
		seg := tsunagari.Segments{SizeBand: e.Org.SizeBand(), Industry: e.Org.Industry, AgeBand: a.AgeBand, JobFamily: a.JobFamily}
		if a.Employment != nil {
			seg.DepartmentID = a.Employment.DepartmentID
			seg.TenureBand = tsunagari.TenureBandOf(a.Employment.StartedAt, opens)
		}
		var answers []tsunagari.Answer
		for _, it := range in.Items() {
			k := seg.DepartmentID + "/" + it.Dimension
			if _, ok := level[k]; !ok {
				level[k] = 48 + drift + p.Rand.NormFloat64()*11
			}
			answers = append(answers, tsunagari.Answer{Item: it.ID, Value: tsunagari.Float(likertPoint(p, it, level[k]+p.Rand.NormFloat64()*14))})
		}
		clean, err := in.Check(answers)
		if err != nil {
			return fmt.Errorf("demo five-supports answer: %w", err)
		}
		batch = append(batch, &tsunagari.Response{ID: p.NewID(), RoundID: r.ID, InstrumentID: in.ID, InstrumentVersion: in.Version,
			AccountID: a.ID, Answers: clean, Scores: in.Score(clean), Segments: seg})
	}
	p.Rand.Shuffle(len(batch), func(i, j int) { batch[i], batch[j] = batch[j], batch[i] })
	return p.importResponses(ctx, batch)
}

func (p *Population) importResponses(ctx context.Context, rs []*tsunagari.Response) error {
	for len(rs) > 0 {
		n := min(len(rs), BatchSize)
		if err := p.Stores.Surveys.ImportResponses(ctx, rs[:n]); err != nil {
			return err
		}
		rs = rs[n:]
	}
	return nil
}

// Effects of the demo's career training, in standard deviations of each
// measure of the before/after survey.
var trainingEffect = map[string]float64{
	"clarity": 0.45, "self_efficacy": 0.4, "options": 0.3, "connection": 0.2, "perspective": 0.15, "growth": 0.1, "opportunity": 0.05,
}

// trainingProgramme stores a career training that ended two months ago at
// e, with its before and after surveys closed and answered.
func (p *Population) trainingProgramme(ctx context.Context, e *Employer) error {
	starts := p.Now.Add(-150 * day).Truncate(day)
	ends := p.Now.Add(-60 * day).Truncate(day)
	prog := &tsunagari.Programme{ID: p.NewID(), OrgID: e.Org.ID, Kind: tsunagari.ProgrammeTraining, Name: "キャリア自律研修 2026",
		Description: "30代・40代を中心に、自分の価値観と強みを言葉にし、社内外の選択肢を知る3回シリーズの研修です。",
		Departments: []string{}, StartsOn: starts, EndsOn: ends, CreatedAt: starts.Add(-30 * day)}
	if hr := e.hr(); hr != nil {
		prog.CreatedBy = hr.ID
	}
	if err := p.Stores.Programmes.CreateProgramme(ctx, prog); err != nil {
		return fmt.Errorf("create a programme: %w", err)
	}
	in, err := p.Stores.Surveys.FindInstrument(ctx, survey.PrePost, 0)
	if err != nil {
		return err
	}
	subject := &tsunagari.Subject{Kind: tsunagari.SubjectProgramme, ID: prog.ID}
	pre := &tsunagari.Round{ID: p.NewID(), InstrumentID: in.ID, InstrumentVersion: in.Version, Mode: tsunagari.ModeAttributed,
		OrgID: e.Org.ID, OpensAt: prog.CreatedAt, ClosesAt: starts.Add(7 * day), CreatedBy: prog.CreatedBy,
		CreatedAt: prog.CreatedAt, Subject: subject, Phase: tsunagari.PhasePre}
	post := &tsunagari.Round{ID: p.NewID(), InstrumentID: in.ID, InstrumentVersion: in.Version, Mode: tsunagari.ModeAttributed,
		OrgID: e.Org.ID, OpensAt: ends, ClosesAt: ends.Add(21 * day), CreatedBy: prog.CreatedBy,
		CreatedAt: prog.CreatedAt, Subject: subject, Phase: tsunagari.PhasePost}
	if err := p.Stores.Surveys.CreateRounds(ctx, []*tsunagari.Round{pre, post}); err != nil {
		return err
	}
	var batch []*tsunagari.Response
	enrolled := 0
	for _, a := range e.Employees {
		if !a.CreatedAt.Before(prog.CreatedAt) || p.Rand.Float64() >= 0.4 {
			continue
		}
		if err := p.Stores.Programmes.Enrol(ctx, prog.ID, a.ID, prog.CreatedAt.Add(time.Duration(p.Rand.IntN(20*24))*time.Hour)); err != nil {
			return err
		}
		enrolled++
		// Most enrolled people answer before, fewer also after.
		if p.Rand.Float64() >= 0.92 {
			continue
		}
		pairKey := p.NewID()
		seg := tsunagari.Segments{SizeBand: e.Org.SizeBand(), Industry: e.Org.Industry, AgeBand: a.AgeBand, JobFamily: a.JobFamily}
		if a.Employment != nil {
			seg.DepartmentID = a.Employment.DepartmentID
			seg.TenureBand = tsunagari.TenureBandOf(a.Employment.StartedAt, starts)
		}
		person := map[string]float64{}
		for _, d := range in.Dimensions {
			person[d.ID] = 50 + p.Rand.NormFloat64()*14
		}
		answersTo := func(after bool) ([]tsunagari.Answer, error) {
			var as []tsunagari.Answer
			for _, it := range in.Items() {
				target := person[it.Dimension]
				if after {
					target += trainingEffect[it.Dimension]*14 + p.Rand.NormFloat64()*6
				}
				as = append(as, tsunagari.Answer{Item: it.ID, Value: tsunagari.Float(likertPoint(p, it, target))})
			}
			return in.Check(as)
		}
		before, err := answersTo(false)
		if err != nil {
			return err
		}
		batch = append(batch, &tsunagari.Response{ID: p.NewID(), RoundID: pre.ID, InstrumentID: in.ID, InstrumentVersion: in.Version,
			AccountID: a.ID, Answers: before, Scores: in.Score(before), Segments: seg, PairKey: pairKey})
		if p.Rand.Float64() >= 0.85 {
			continue
		}
		after, err := answersTo(true)
		if err != nil {
			return err
		}
		batch = append(batch, &tsunagari.Response{ID: p.NewID(), RoundID: post.ID, InstrumentID: in.ID, InstrumentVersion: in.Version,
			AccountID: a.ID, Answers: after, Scores: in.Score(after), Segments: seg, PairKey: pairKey})
	}
	p.Rand.Shuffle(len(batch), func(i, j int) { batch[i], batch[j] = batch[j], batch[i] })
	if err := p.importResponses(ctx, batch); err != nil {
		return err
	}
	p.Logger.Debug("demo training programme", "enrolled", enrolled, "answers", len(batch))
	return nil
}

// consultationProgramme stores a running programme of external
// consultations at e: three paid sessions per employee, with its before
// survey open.
func (p *Population) consultationProgramme(ctx context.Context, e *Employer) error {
	starts := p.Now.Add(-20 * day).Truncate(day)
	prog := &tsunagari.Programme{ID: p.NewID(), OrgID: e.Org.ID, Kind: tsunagari.ProgrammeConsultation, Name: "社外キャリア面談（年3回まで）",
		Description: "社外の国家資格キャリアコンサルタントとの面談を、1人年3回まで会社の費用で受けられます。面談の内容や利用の有無が会社に伝わることはありません。",
		Sessions:    3, Departments: []string{}, StartsOn: starts, EndsOn: starts.Add(180 * day), CreatedAt: starts.Add(-7 * day)}
	if hr := e.hr(); hr != nil {
		prog.CreatedBy = hr.ID
	}
	if err := p.Stores.Programmes.CreateProgramme(ctx, prog); err != nil {
		return fmt.Errorf("create a programme: %w", err)
	}
	in, err := p.Stores.Surveys.FindInstrument(ctx, survey.PrePost, 0)
	if err != nil {
		return err
	}
	subject := &tsunagari.Subject{Kind: tsunagari.SubjectProgramme, ID: prog.ID}
	rounds := []*tsunagari.Round{
		{ID: p.NewID(), InstrumentID: in.ID, InstrumentVersion: in.Version, Mode: tsunagari.ModeAttributed, OrgID: e.Org.ID,
			OpensAt: prog.CreatedAt, ClosesAt: starts.Add(30 * day), CreatedBy: prog.CreatedBy, CreatedAt: prog.CreatedAt,
			Subject: subject, Phase: tsunagari.PhasePre},
		{ID: p.NewID(), InstrumentID: in.ID, InstrumentVersion: in.Version, Mode: tsunagari.ModeAttributed, OrgID: e.Org.ID,
			OpensAt: prog.EndsOn, ClosesAt: prog.EndsOn.Add(21 * day), CreatedBy: prog.CreatedBy, CreatedAt: prog.CreatedAt,
			Subject: subject, Phase: tsunagari.PhasePost},
	}
	if err := p.Stores.Surveys.CreateRounds(ctx, rounds); err != nil {
		return err
	}
	for _, a := range e.Employees {
		if a.CreatedAt.Before(prog.CreatedAt) && p.Rand.Float64() < 0.06 {
			if err := p.Stores.Programmes.Enrol(ctx, prog.ID, a.ID, starts.Add(time.Duration(p.Rand.IntN(19*24))*time.Hour)); err != nil {
				return err
			}
		}
	}
	return nil
}

// pendingInvitations stores invitations e's HR sent that nobody has
// accepted yet: the first stage of the participation funnel.
func (p *Population) pendingInvitations(ctx context.Context, e *Employer) error {
	if len(e.Departments) == 0 {
		return nil
	}
	n := int(math.Ceil(float64(e.EmployeeCount) * 0.04))
	var invs []*tsunagari.Invitation
	for i := 0; i < n; i++ {
		d := e.Departments[p.Rand.IntN(len(e.Departments))]
		at := p.Now.Add(-time.Duration(1+p.Rand.IntN(300)) * day)
		inv := &tsunagari.Invitation{ID: p.NewID(), OrgID: e.Org.ID, DepartmentID: d.ID,
			Email: fmt.Sprintf("invited%d@%s", p.mailNumber(e.Domain), e.Domain), Role: tsunagari.RoleMember,
			TokenHash: p.NewID(), CreatedAt: at, ExpiresAt: at.Add(14 * day)}
		if hr := e.hr(); hr != nil {
			inv.InvitedBy = hr.ID
		}
		invs = append(invs, inv)
	}
	return p.Stores.Orgs.CreateInvitations(ctx, invs, nil)
}
