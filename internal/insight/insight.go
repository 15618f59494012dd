// Package insight computes the anonymised reports of employers and
// publishes them to the release ledger, once, when what they report on
// has closed: a pulse round of the five supports, a quarter, a programme.
// It is the only code that reads individual data for reports, and it
// hands everything it reads to package disclosure before anything is
// stored. Nothing that serves HR imports it: HR reads the ledger only.
package insight

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"math"
	"slices"
	"time"

	"tsunagari"
	"tsunagari/internal/disclosure"
	"tsunagari/internal/jatext"
)

// FiveSupports is the instrument of pulse rounds.
const FiveSupports = "five_supports"

// MaxWords is how many words a quarter's word cloud holds at most.
const MaxWords = 60

// Backfill is how many quarters before the current one are published
// when an org has none.
const Backfill = 8

// ConsultedPerson is one member of an org who consulted in a period: the
// themes consultants confirmed for their sessions, and nothing else.
type ConsultedPerson struct {
	Themes []string
}

// ThemeSource reads the confirmed themes of an org's employees'
// consultations: one entry per person who had a session in [from, to).
// Themes lists every theme with its label, in display order.
type ThemeSource interface {
	ConsultedThemes(ctx context.Context, orgID string, from, to time.Time) ([]ConsultedPerson, error)
	Themes() []disclosure.Label
}

// ReflectionSource reads the reflections an org's employees let count in
// statistics: fn is called with one person's shared texts of sessions in
// [from, to), together. Who they are is not told.
type ReflectionSource interface {
	SharedReflections(ctx context.Context, orgID string, from, to time.Time, fn func(texts []string) error) error
}

// Service publishes reports.
type Service struct {
	Surveys    tsunagari.SurveyStore
	Orgs       tsunagari.OrgStore
	Programmes tsunagari.ProgrammeStore
	Releases   tsunagari.ReleaseStore
	Insights   tsunagari.InsightStore
	// Themes and Reflections are optional: without them a quarter
	// reports no themes or no words.
	Themes      ThemeSource
	Reflections ReflectionSource
	// Text analyses reflections; nil reports no words.
	Text   *jatext.Analyzer
	Logger *slog.Logger
	Now    func() time.Time
	// Noise, if set, is the source of noise for orgs that ask for it.
	Noise *disclosure.Noise
	// NewID, if set, gives releases their IDs, so that a seeded demo
	// stays reproducible; tsunagari.NewID otherwise.
	NewID func() string
}

func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Second) }

func (s *Service) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}

// PublishDue publishes whatever has closed and has no release yet: pulse
// rounds, the quarters of every org (up to Backfill before the current
// one, and not before the org existed) and programmes whose after-survey
// has closed. It returns how many releases it published. Several
// processes may run it at once: each release is published by one of them,
// and counted by that one only.
func (s *Service) PublishDue(ctx context.Context) (int, error) {
	now := s.now()
	published := 0
	var errs []error
	rounds, err := s.Insights.PulseRoundsToPublish(ctx, FiveSupports, now)
	if err != nil {
		return 0, fmt.Errorf("pulse rounds to publish: %w", err)
	}
	for _, r := range rounds {
		ok, err := s.PublishPulse(ctx, r)
		if err != nil {
			errs = append(errs, fmt.Errorf("pulse round %s: %w", r.ID, err))
			continue
		}
		if ok {
			published++
		}
	}
	orgs, err := s.Orgs.FindOrgs(ctx)
	if err != nil {
		return published, errors.Join(append(errs, err)...)
	}
	for _, o := range orgs {
		n, err := s.publishOrg(ctx, o, now)
		published += n
		if err != nil {
			errs = append(errs, fmt.Errorf("org %s: %w", o.ID, err))
		}
	}
	if published > 0 {
		s.logger().InfoContext(ctx, "published reports", "releases", published)
	}
	return published, errors.Join(errs...)
}

func (s *Service) publishOrg(ctx context.Context, o *tsunagari.Org, now time.Time) (int, error) {
	published := 0
	done, err := s.Releases.FindReleases(ctx, o.ID, tsunagari.ReleasePeriod)
	if err != nil {
		return 0, err
	}
	have := map[string]bool{}
	for _, r := range done {
		have[r.Subject] = true
	}
	// Quarters in order, oldest first, so that each builds on the last.
	var quarters []string
	q := tsunagari.PreviousQuarter(tsunagari.QuarterOf(now))
	for i := 0; i < Backfill; i++ {
		_, to, _ := tsunagari.QuarterBounds(q)
		if !to.After(o.CreatedAt) {
			break
		}
		quarters = append(quarters, q)
		q = tsunagari.PreviousQuarter(q)
	}
	slices.Reverse(quarters)
	for _, q := range quarters {
		if have[q] {
			continue
		}
		ok, err := s.PublishPeriod(ctx, o, q)
		if err != nil {
			return published, fmt.Errorf("quarter %s: %w", q, err)
		}
		if ok {
			published++
		}
	}
	progs, err := s.Programmes.FindProgrammes(ctx, o.ID)
	if err != nil {
		return published, err
	}
	for _, p := range progs {
		ok, err := s.PublishProgramme(ctx, o, p)
		if err != nil {
			return published, fmt.Errorf("programme %s: %w", p.ID, err)
		}
		if ok {
			published++
		}
	}
	return published, nil
}

// policy returns the disclosure policy of an org.
func (s *Service) policy(ctx context.Context, o *tsunagari.Org) (disclosure.Policy, error) {
	ds, err := s.Releases.DisclosureSettings(ctx, o.ID)
	if err != nil {
		return disclosure.Policy{}, err
	}
	pol := disclosure.NewPolicy(o.MinGroupSize, ds.MinTextGroupSize, ds.NoiseEpsilon, ds.EpsilonBudget)
	pol.Noise = s.Noise
	return pol, nil
}

// tree returns the org's department tree as it is now.
func (s *Service) tree(ctx context.Context, orgID string) (*disclosure.Tree, error) {
	depts, err := s.Orgs.FindDepartments(ctx, orgID)
	if err != nil {
		return nil, err
	}
	nodes := make([]disclosure.DepartmentNode, len(depts))
	for i, d := range depts {
		nodes[i] = disclosure.DepartmentNode{ID: d.ID, ParentID: d.ParentID, Name: d.Name}
	}
	return disclosure.NewTree(nodes), nil
}

// frame lists the values of the menu's dimensions but department.
func frame() disclosure.Frame {
	return disclosure.Frame{AgeBands: tsunagari.AgeBands, TenureBands: tsunagari.TenureBands, JobFamilies: tsunagari.JobFamilies}
}

// publish stores a document in the ledger and reports whether it did. A
// subject published meanwhile by another process is not an error, and is
// not published again.
func (s *Service) publish(ctx context.Context, orgID string, kind tsunagari.ReleaseKind, subject string, k int, eps float64, doc any, audit []byte) (bool, error) {
	body, err := disclosure.Marshal(doc)
	if err != nil {
		return false, err
	}
	r := &tsunagari.Release{OrgID: orgID, Kind: kind, Subject: subject, PublishedAt: s.now(), K: k, Epsilon: eps, Body: body}
	if s.NewID != nil {
		r.ID = s.NewID()
	}
	err = s.Releases.PublishRelease(ctx, r, audit)
	if errors.Is(err, tsunagari.ErrConflict) {
		return false, nil // another process published it first
	}
	return err == nil, err
}

// PublishPulse publishes a closed pulse round: the mean of each of the
// instrument's dimensions by every breakdown of the menu. It reports
// whether it published: false if the round has a release already.
func (s *Service) PublishPulse(ctx context.Context, r *tsunagari.Round) (bool, error) {
	o, err := s.Orgs.FindOrgByID(ctx, r.OrgID)
	if err != nil {
		return false, err
	}
	in, err := s.Surveys.FindInstrument(ctx, r.InstrumentID, r.InstrumentVersion)
	if err != nil {
		return false, err
	}
	pol, err := s.policy(ctx, o)
	if err != nil {
		return false, err
	}
	tree, err := s.tree(ctx, o.ID)
	if err != nil {
		return false, err
	}
	var dims []string
	for _, d := range in.Dimensions {
		dims = append(dims, d.ID)
	}
	var people []disclosure.Person
	err = s.Surveys.EachAnswerSet(ctx, r.ID, func(seg tsunagari.Segments, answers []tsunagari.Answer) error {
		scores := in.Score(answers)
		if len(scores) == 0 {
			return nil
		}
		values := make([]float64, len(dims))
		for i, d := range dims {
			values[i] = math.NaN()
			if v, ok := tsunagari.ScoreOf(scores, d); ok {
				values[i] = v
			}
		}
		people = append(people, disclosure.Person{Department: seg.DepartmentID, AgeBand: seg.AgeBand,
			TenureBand: seg.TenureBand, JobFamily: seg.JobFamily, Stages: 1, Values: values})
		return nil
	})
	if err != nil {
		return false, err
	}
	rel, audit := disclosure.Compute(tree, people, disclosure.Spec{Frame: frame(),
		Stages: []disclosure.Stage{{ID: "respondents", Within: -1}}, Measures: dims}, pol)
	doc := disclosure.PulseDocument{Round: r.ID, Instrument: in.ID, Labels: labels(in), OpensAt: r.OpensAt, ClosesAt: r.ClosesAt, Release: rel}
	auditBody, err := disclosure.Marshal(audit.Known())
	if err != nil {
		return false, err
	}
	return s.publish(ctx, o.ID, tsunagari.ReleasePulse, r.ID, pol.K, rel.Epsilon, doc, auditBody)
}

// PublishPeriod publishes a quarter of an org: the funnel at its end, the
// themes and the words of the reflections of sessions during it. It
// reports whether it published: false if the quarter has a release
// already.
func (s *Service) PublishPeriod(ctx context.Context, o *tsunagari.Org, quarter string) (bool, error) {
	from, to, ok := tsunagari.QuarterBounds(quarter)
	if !ok {
		return false, fmt.Errorf("not a quarter: %q", quarter)
	}
	if to.After(s.now()) {
		return false, fmt.Errorf("quarter %s has not ended", quarter)
	}
	pol, err := s.policy(ctx, o)
	if err != nil {
		return false, err
	}
	tree, err := s.tree(ctx, o.ID)
	if err != nil {
		return false, err
	}
	// The funnel, compared with what earlier quarters let be known.
	audits, err := s.Releases.ReleaseAudits(ctx, o.ID, tsunagari.ReleasePeriod)
	if err != nil {
		return false, err
	}
	previous := map[string]int{}
	latest := ""
	for subject := range audits {
		if subject < quarter && subject > latest {
			latest = subject
		}
	}
	if latest != "" {
		if err := disclosure.Unmarshal(audits[latest], &previous); err != nil {
			return false, fmt.Errorf("audit of %s: %w", latest, err)
		}
	}
	funnel, err := s.Insights.Funnel(ctx, o.ID, to.Add(-time.Second))
	if err != nil {
		return false, err
	}
	// Registered people come first: the ledger admits groups in stage
	// order, and when few invitations are pending, the invited are the
	// ones to hide. The stages after them are people's own choices.
	order := []tsunagari.FunnelStages{tsunagari.StageRegistered, tsunagari.StageInvited, tsunagari.StageDiagnosed,
		tsunagari.StageConsulted, tsunagari.StageJoined, tsunagari.StageAttended}
	stages := make([]disclosure.Stage, len(order))
	for i, st := range order {
		stages[i] = disclosure.Stage{ID: funnelStageID(st), Within: -1}
		if i >= 2 {
			stages[i].Within = 0
		}
	}
	people := make([]disclosure.Person, len(funnel))
	for i, p := range funnel {
		var bits uint64
		for j, st := range order {
			if p.Stages&st != 0 {
				bits |= 1 << j
			}
		}
		people[i] = disclosure.Person{Department: p.DepartmentID, AgeBand: p.AgeBand, JobFamily: p.JobFamily,
			TenureBand: tsunagari.TenureBandOf(p.StartedAt, to), Stages: bits}
	}
	rel, audit := disclosure.Compute(tree, people, disclosure.Spec{Frame: frame(), Stages: stages, Previous: previous}, pol)
	doc := disclosure.PeriodDocument{Period: quarter, From: from, To: to, Funnel: rel, KText: pol.KText}
	eps := rel.Epsilon

	if s.Themes != nil {
		consulted, err := s.Themes.ConsultedThemes(ctx, o.ID, from, to)
		if err != nil {
			return false, err
		}
		themeStages := []disclosure.Stage{{ID: "consulted", Within: -1}}
		index := map[string]int{}
		for _, t := range s.Themes.Themes() {
			if _, dup := index[t.ID]; dup || len(themeStages) == 64 {
				continue
			}
			index[t.ID] = len(themeStages)
			themeStages = append(themeStages, disclosure.Stage{ID: t.ID, Within: -1})
			doc.ThemeLabels = append(doc.ThemeLabels, t)
		}
		people := make([]disclosure.Person, len(consulted))
		for i, c := range consulted {
			st := uint64(1)
			for _, t := range c.Themes {
				if j, ok := index[t]; ok {
					st |= 1 << j
				}
			}
			people[i] = disclosure.Person{Stages: st}
		}
		themes, _ := disclosure.Compute(disclosure.NewTree(nil), people, disclosure.Spec{Stages: themeStages,
			Breakdowns: []disclosure.Breakdown{{}}}, pol)
		themes.Departments = nil
		doc.Themes = themes
		eps += themes.Epsilon
	}
	if s.Reflections != nil && s.Text != nil {
		contributors := map[string]int{}
		err := s.Reflections.SharedReflections(ctx, o.ID, from, to, func(texts []string) error {
			seen := map[string]bool{}
			for _, t := range texts {
				s.Text.Terms(t, func(term string) {
					if !seen[term] {
						seen[term] = true
						contributors[term]++
					}
				})
			}
			return nil
		})
		if err != nil {
			return false, err
		}
		doc.Words = pol.Words(contributors, MaxWords)
	}

	// What this quarter lets be known, carried over what earlier ones did.
	for k, v := range audit.Known() {
		previous[k] = v
	}
	auditBody, err := disclosure.Marshal(previous)
	if err != nil {
		return false, err
	}
	return s.publish(ctx, o.ID, tsunagari.ReleasePeriod, quarter, pol.K, eps, doc, auditBody)
}

// PublishProgramme publishes a programme whose after-survey has closed,
// and reports whether it did: nothing is published before, or twice.
func (s *Service) PublishProgramme(ctx context.Context, o *tsunagari.Org, p *tsunagari.Programme) (bool, error) {
	subject := tsunagari.Subject{Kind: tsunagari.SubjectProgramme, ID: p.ID}
	rounds, err := s.Surveys.FindRounds(ctx, tsunagari.RoundFilter{Subject: &subject})
	if err != nil {
		return false, err
	}
	var pre, post *tsunagari.Round
	for _, r := range rounds {
		switch r.Phase {
		case tsunagari.PhasePre:
			pre = r
		case tsunagari.PhasePost:
			post = r
		}
	}
	if pre == nil || post == nil || !post.ClosedAt(s.now()) {
		return false, nil
	}
	if _, err := s.Releases.FindRelease(ctx, o.ID, tsunagari.ReleaseProgramme, p.ID); err == nil {
		return false, nil
	} else if !errors.Is(err, tsunagari.ErrNotFound) {
		return false, err
	}
	in, err := s.Surveys.FindInstrument(ctx, post.InstrumentID, post.InstrumentVersion)
	if err != nil {
		return false, err
	}
	pol, err := s.policy(ctx, o)
	if err != nil {
		return false, err
	}
	before := make([][]float64, len(in.Dimensions))
	after := make([][]float64, len(in.Dimensions))
	err = s.Surveys.EachAnswerPair(ctx, pre.ID, post.ID, func(_ tsunagari.Segments, a, b []tsunagari.Answer) error {
		sa, sb := in.Score(a), in.Score(b)
		for i, d := range in.Dimensions {
			va, okA := tsunagari.ScoreOf(sa, d.ID)
			vb, okB := tsunagari.ScoreOf(sb, d.ID)
			if okA && okB {
				before[i] = append(before[i], va)
				after[i] = append(after[i], vb)
			}
		}
		return nil
	})
	if err != nil {
		return false, err
	}
	doc := disclosure.ProgrammeDocument{Programme: p.ID, Name: p.Name, Kind: string(p.Kind), StartsOn: p.StartsOn,
		EndsOn: p.EndsOn, Instrument: in.ID, Labels: labels(in), PairK: pol.PairK()}
	for i, d := range in.Dimensions {
		doc.Effects = append(doc.Effects, pol.PairedEffect(d.ID, before[i], after[i], seed(p.ID, d.ID)))
	}
	return s.publish(ctx, o.ID, tsunagari.ReleaseProgramme, p.ID, pol.K, 0, doc, nil)
}

// seed derives the bootstrap seed of one effect from what it is about,
// so that publishing the same data gives the same interval.
func seed(parts ...string) uint64 {
	h := fnv.New64a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return h.Sum64()
}

// funnelStageID names a funnel stage.
func funnelStageID(st tsunagari.FunnelStages) string {
	for i, id := range tsunagari.FunnelStageIDs {
		if st == 1<<i {
			return id
		}
	}
	return ""
}

// labels names the dimensions of an instrument.
func labels(in *tsunagari.Instrument) []disclosure.Label {
	out := make([]disclosure.Label, len(in.Dimensions))
	for i, d := range in.Dimensions {
		out[i] = disclosure.Label{ID: d.ID, Ja: d.Label.Ja, En: d.Label.En}
	}
	return out
}
