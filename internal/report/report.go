// Package report serves an employer's anonymised reports to its HR
// administrators. It reads the release ledger and nothing else: every
// number it returns was computed and frozen by package disclosure when a
// pulse round, a quarter or a programme closed. It cannot read answers,
// notes, bookings or who enrolled, because it is given nothing that can.
package report

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"tsunagari"
	"tsunagari/internal/disclosure"
)

// Ledger is all a report reads: the released documents of one org.
type Ledger interface {
	FindRelease(ctx context.Context, orgID string, kind tsunagari.ReleaseKind, subject string) (*tsunagari.Release, error)
	ListReleases(ctx context.Context, orgID string, kind tsunagari.ReleaseKind) ([]*tsunagari.Release, error)
}

// Service answers HR administrators' questions from the ledger.
type Service struct {
	Ledger Ledger

	mu    sync.Mutex
	cache map[string]any // decoded documents by release ID; releases never change
}

var (
	errSignIn   = tsunagari.NewError(tsunagari.CodeUnauthorized, "auth.sign_in_required")
	errNotFound = tsunagari.NewError(tsunagari.CodeNotFound, "error.not_found")
)

// DefaultBreakdown is the breakdown a report shows first.
const DefaultBreakdown = "department"

// maxCached bounds the decoded documents kept.
const maxCached = 512

// Query chooses what an org report shows. Empty fields take the latest
// period and round and the default breakdown.
type Query struct {
	Period    string
	Round     string
	Breakdown string
}

// orgOf returns the org whose reports actor may read: an HR administrator
// reads their own org's. Everyone else is told "not found".
func orgOf(actor *tsunagari.Account) (string, error) {
	switch {
	case actor == nil:
		return "", errSignIn
	case !actor.Has(tsunagari.RoleHRAdmin) || actor.OrgID() == "":
		return "", errNotFound
	}
	return actor.OrgID(), nil
}

// decode returns the document of a release, read and decoded once: a
// release never changes, so its ID names its document for good.
func decode[T any](ctx context.Context, s *Service, r *tsunagari.Release) (*T, error) {
	s.mu.Lock()
	if d, ok := s.cache[r.ID].(*T); ok {
		s.mu.Unlock()
		return d, nil
	}
	s.mu.Unlock()
	if r.Body == nil {
		full, err := s.Ledger.FindRelease(ctx, r.OrgID, r.Kind, r.Subject)
		if err != nil {
			return nil, err
		}
		r = full
	}
	d := new(T)
	if err := disclosure.Unmarshal(r.Body, d); err != nil {
		return nil, err
	}
	s.mu.Lock()
	if s.cache == nil || len(s.cache) >= maxCached {
		s.cache = map[string]any{}
	}
	s.cache[r.ID] = d
	s.mu.Unlock()
	return d, nil
}

// Group names one group of a table: its value of each dimension of the
// breakdown, "" for the others. Department groups carry the department's
// name as it was when the release was published.
type Group struct {
	Department     string `json:"department,omitempty"`
	DepartmentName string `json:"departmentName,omitempty"`
	Depth          int    `json:"depth,omitempty"`
	AgeBand        string `json:"ageBand,omitempty"`
	TenureBand     string `json:"tenureBand,omitempty"`
	JobFamily      string `json:"jobFamily,omitempty"`
}

// Row is one group of a table with its released cells.
type Row struct {
	Group Group             `json:"group"`
	Cells []disclosure.Cell `json:"cells"`
}

// Table is one breakdown of a released grid: Columns names the cells of
// each row (stages, or the respondents and then the measures).
type Table struct {
	Breakdown string   `json:"breakdown"`
	Columns   []string `json:"columns"`
	Rows      []Row    `json:"rows"`
	// Hidden counts the rows with every cell hidden.
	Hidden int `json:"hidden"`
}

// table turns one grid of a release into a Table whose columns are in
// the given order of stage IDs.
func table(rel *disclosure.Release, b disclosure.Breakdown, columns []string) *Table {
	g := rel.Grid(b)
	if g == nil {
		return nil
	}
	t := &Table{Breakdown: b.Key(), Columns: columns, Rows: []Row{}}
	idx := make([]int, len(columns))
	for i, c := range columns {
		idx[i] = rel.Stage(c)
	}
	depth := map[string]int{}
	for _, d := range rel.Departments {
		depth[d.ID] = d.Depth
	}
	for _, r := range g.Rows {
		row := Row{Group: Group{Department: r.Department, DepartmentName: rel.Department(r.Department), Depth: depth[r.Department],
			AgeBand: r.AgeBand, TenureBand: r.TenureBand, JobFamily: r.JobFamily}}
		hidden := true
		for _, i := range idx {
			c := disclosure.Cell{Hidden: true}
			if i >= 0 && i < len(r.Cells) {
				c = r.Cells[i]
			}
			hidden = hidden && c.Hidden
			row.Cells = append(row.Cells, c)
		}
		if hidden {
			t.Hidden++
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// Period is a quarter with a release.
type Period struct {
	Period string    `json:"period"`
	From   time.Time `json:"from"`
	To     time.Time `json:"to"`
}

// Round is a pulse round with a release.
type Round struct {
	Round    string    `json:"round"`
	OpensAt  time.Time `json:"opensAt"`
	ClosesAt time.Time `json:"closesAt"`
}

// ThemeShare is one consultation theme in a quarter: how many people
// consulted about it, and their share of everyone who consulted, both
// from the released, rounded counts.
type ThemeShare struct {
	Theme  string           `json:"theme"`
	Label  disclosure.Label `json:"label"`
	Count  disclosure.Cell  `json:"count"`
	Share  float64          `json:"share"` // percent; -1 when hidden
	Shares []float64        `json:"trend"` // by OrgReport.Periods, oldest first; -1 when hidden
}

// PeriodView is what a report shows of one quarter.
type PeriodView struct {
	Period    string            `json:"period"`
	From      time.Time         `json:"from"`
	To        time.Time         `json:"to"`
	Funnel    *Table            `json:"funnel"`
	FunnelAll []disclosure.Cell `json:"funnelTotal"`
	Consulted disclosure.Cell   `json:"consulted"`
	Themes    []ThemeShare      `json:"themes"`
	Words     []disclosure.Word `json:"words"`
	KText     int               `json:"kText"`
}

// PulseView is what a report shows of one pulse round.
type PulseView struct {
	Round    string             `json:"round"`
	OpensAt  time.Time          `json:"opensAt"`
	ClosesAt time.Time          `json:"closesAt"`
	Measures []string           `json:"measures"`
	Labels   []disclosure.Label `json:"labels"`
	// Total is the whole org: respondents, then one mean per measure.
	Total disclosure.Cell `json:"total"`
	Table *Table          `json:"table"`
}

// TrendPoint is the org-wide result of one round, for the trend.
type TrendPoint struct {
	Round    string    `json:"round"`
	ClosesAt time.Time `json:"closesAt"`
	Means    []float64 `json:"means"` // -1 where hidden
}

// ProgrammeSummary lists a programme with a release.
type ProgrammeSummary struct {
	Programme string    `json:"programme"`
	Name      string    `json:"name"`
	Kind      string    `json:"kind"`
	StartsOn  time.Time `json:"startsOn"`
	EndsOn    time.Time `json:"endsOn"`
}

// OrgReport is an org's report for HR, as Query chose it.
type OrgReport struct {
	K          int                `json:"k"`
	Breakdown  string             `json:"breakdown"`
	Breakdowns []string           `json:"breakdowns"`
	Periods    []Period           `json:"periods"` // newest first
	Period     *PeriodView        `json:"period,omitempty"`
	Rounds     []Round            `json:"rounds"` // newest first
	Pulse      *PulseView         `json:"pulse,omitempty"`
	PulseTrend []TrendPoint       `json:"pulseTrend"` // oldest first
	Programmes []ProgrammeSummary `json:"programmes"`
}

// FunnelStages are the funnel's stages in display order.
var FunnelStages = tsunagari.FunnelStageIDs

// OrgReport returns the report of actor's org.
func (s *Service) OrgReport(ctx context.Context, actor *tsunagari.Account, q Query) (*OrgReport, error) {
	orgID, err := orgOf(actor)
	if err != nil {
		return nil, err
	}
	if q.Breakdown == "" {
		q.Breakdown = DefaultBreakdown
	}
	b, err := disclosure.ParseBreakdown(q.Breakdown)
	if err != nil {
		return nil, tsunagari.Invalid("breakdown", "orgreport.breakdown_invalid")
	}
	out := &OrgReport{Breakdown: b.Key(), Periods: []Period{}, Rounds: []Round{}, PulseTrend: []TrendPoint{}, Programmes: []ProgrammeSummary{}}
	for _, m := range disclosure.Menu() {
		out.Breakdowns = append(out.Breakdowns, m.Key())
	}

	// Quarters.
	periods, err := s.Ledger.ListReleases(ctx, orgID, tsunagari.ReleasePeriod)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(periods, func(a, b *tsunagari.Release) int { return compare(b.Subject, a.Subject) })
	docs := make([]*disclosure.PeriodDocument, len(periods))
	for i, r := range periods {
		if docs[i], err = decode[disclosure.PeriodDocument](ctx, s, r); err != nil {
			return nil, err
		}
		out.Periods = append(out.Periods, Period{Period: docs[i].Period, From: docs[i].From, To: docs[i].To})
		out.K = max(out.K, r.K)
	}
	if len(docs) > 0 {
		i := 0
		if q.Period != "" {
			if i = slices.IndexFunc(docs, func(d *disclosure.PeriodDocument) bool { return d.Period == q.Period }); i < 0 {
				return nil, tsunagari.Invalid("period", "orgreport.period_invalid")
			}
		}
		out.Period = periodView(docs, i, b)
	} else if q.Period != "" {
		return nil, tsunagari.Invalid("period", "orgreport.period_invalid")
	}

	// Pulse rounds.
	pulses, err := s.Ledger.ListReleases(ctx, orgID, tsunagari.ReleasePulse)
	if err != nil {
		return nil, err
	}
	var pdocs []*disclosure.PulseDocument
	for _, r := range pulses {
		d, err := decode[disclosure.PulseDocument](ctx, s, r)
		if err != nil {
			return nil, err
		}
		pdocs = append(pdocs, d)
		out.K = max(out.K, r.K)
	}
	slices.SortFunc(pdocs, func(a, b *disclosure.PulseDocument) int { return b.ClosesAt.Compare(a.ClosesAt) })
	for _, d := range pdocs {
		out.Rounds = append(out.Rounds, Round{Round: d.Round, OpensAt: d.OpensAt, ClosesAt: d.ClosesAt})
	}
	for i := len(pdocs) - 1; i >= 0; i-- {
		tp := TrendPoint{Round: pdocs[i].Round, ClosesAt: pdocs[i].ClosesAt}
		total := pdocs[i].Release.Total()
		for m := range pdocs[i].Release.Measures {
			v := -1.0
			if len(total) > 0 && !total[0].Hidden && m < len(total[0].Means) {
				v = total[0].Means[m]
			}
			tp.Means = append(tp.Means, v)
		}
		out.PulseTrend = append(out.PulseTrend, tp)
	}
	if len(pdocs) > 0 {
		i := 0
		if q.Round != "" {
			if i = slices.IndexFunc(pdocs, func(d *disclosure.PulseDocument) bool { return d.Round == q.Round }); i < 0 {
				return nil, tsunagari.Invalid("round", "orgreport.round_invalid")
			}
		}
		out.Pulse = pulseView(pdocs[i], b)
	} else if q.Round != "" {
		return nil, tsunagari.Invalid("round", "orgreport.round_invalid")
	}

	// Programmes.
	progs, err := s.Ledger.ListReleases(ctx, orgID, tsunagari.ReleaseProgramme)
	if err != nil {
		return nil, err
	}
	for _, r := range progs {
		d, err := decode[disclosure.ProgrammeDocument](ctx, s, r)
		if err != nil {
			return nil, err
		}
		out.Programmes = append(out.Programmes, ProgrammeSummary{Programme: d.Programme, Name: d.Name, Kind: d.Kind,
			StartsOn: d.StartsOn, EndsOn: d.EndsOn})
	}
	slices.SortFunc(out.Programmes, func(a, b ProgrammeSummary) int { return b.EndsOn.Compare(a.EndsOn) })
	return out, nil
}

func compare(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// periodView shows docs[i], newest first, with the trend of themes over
// all of docs.
func periodView(docs []*disclosure.PeriodDocument, i int, b disclosure.Breakdown) *PeriodView {
	d := docs[i]
	v := &PeriodView{Period: d.Period, From: d.From, To: d.To, Words: d.Words, KText: d.KText, Themes: []ThemeShare{}}
	if v.Words == nil {
		v.Words = []disclosure.Word{}
	}
	v.Funnel = table(d.Funnel, b, FunnelStages)
	if total := table(d.Funnel, disclosure.Breakdown{}, FunnelStages); total != nil && len(total.Rows) > 0 {
		v.FunnelAll = total.Rows[0].Cells
	}
	v.Consulted = disclosure.Cell{Hidden: true}
	if d.Themes == nil {
		return v
	}
	total := d.Themes.Total()
	if len(total) > 0 {
		v.Consulted = total[0]
	}
	for j, th := range d.Themes.Stages[1:] {
		ts := ThemeShare{Theme: th, Label: disclosure.Label{ID: th, Ja: th, En: th}, Count: cellOf(d.Themes, th), Share: share(d.Themes, th)}
		if j < len(d.ThemeLabels) && d.ThemeLabels[j].ID == th {
			ts.Label = d.ThemeLabels[j]
		}
		for j := len(docs) - 1; j >= 0; j-- {
			ts.Shares = append(ts.Shares, share(docs[j].Themes, th))
		}
		v.Themes = append(v.Themes, ts)
	}
	// Most consulted first; hidden ones last, in their own order.
	slices.SortStableFunc(v.Themes, func(a, b ThemeShare) int {
		switch {
		case a.Count.Hidden != b.Count.Hidden:
			if a.Count.Hidden {
				return 1
			}
			return -1
		}
		return b.Count.Count - a.Count.Count
	})
	return v
}

// cellOf returns the total cell of a stage of rel.
func cellOf(rel *disclosure.Release, stage string) disclosure.Cell {
	i := rel.Stage(stage)
	total := rel.Total()
	if i < 0 || i >= len(total) {
		return disclosure.Cell{Hidden: true}
	}
	return total[i]
}

// share returns a theme's share of the people who consulted, in percent
// to one decimal, from released counts; -1 when either is hidden.
func share(rel *disclosure.Release, theme string) float64 {
	if rel == nil {
		return -1
	}
	c, all := cellOf(rel, theme), cellOf(rel, rel.Stages[0])
	if c.Hidden || all.Hidden || all.Count == 0 {
		return -1
	}
	return float64(int(float64(c.Count)*1000/float64(all.Count)+0.5)) / 10
}

func pulseView(d *disclosure.PulseDocument, b disclosure.Breakdown) *PulseView {
	v := &PulseView{Round: d.Round, OpensAt: d.OpensAt, ClosesAt: d.ClosesAt, Measures: d.Release.Measures, Labels: d.Labels}
	v.Total = disclosure.Cell{Hidden: true}
	if total := d.Release.Total(); len(total) > 0 {
		v.Total = total[0]
	}
	v.Table = table(d.Release, b, d.Release.Stages)
	return v
}

// ProgrammeEffect returns the released effect of one of actor's org's
// programmes.
func (s *Service) ProgrammeEffect(ctx context.Context, actor *tsunagari.Account, id string) (*disclosure.ProgrammeDocument, error) {
	orgID, err := orgOf(actor)
	if err != nil {
		return nil, err
	}
	if !tsunagari.ValidID(id) {
		return nil, errNotFound
	}
	r, err := s.Ledger.FindRelease(ctx, orgID, tsunagari.ReleaseProgramme, id)
	switch {
	case errors.Is(err, tsunagari.ErrNotFound):
		return nil, errNotFound
	case err != nil:
		return nil, err
	}
	return decode[disclosure.ProgrammeDocument](ctx, s, r)
}
