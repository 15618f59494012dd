package survey

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"tsunagari"
	"tsunagari/internal/disclosure"
)

// Reports on rounds. An HR administrator reads the reports of the rounds
// sent to their org's employees; an operator those of every round. While
// a round is open a report shows only how many have answered, hidden
// below the minimum group size and rounded, so that watching the number
// does not tell who answered when. Once the round has closed it shows
// aggregates: mean scores and cross-tabulations by segment, released
// through package disclosure. Nothing in a report is ever about one
// person.

// RoundInfo is a round with the instrument version it asks.
type RoundInfo struct {
	Round      *tsunagari.Round
	Instrument *tsunagari.Instrument
}

// Rounds lists the rounds actor may report on, newest first: for an
// operator every round but the standing ones, for an HR administrator
// those sent to their own org.
func (s *Service) Rounds(ctx context.Context, actor *tsunagari.Account) ([]RoundInfo, error) {
	no := false
	f := tsunagari.RoundFilter{Standing: &no}
	switch {
	case actor == nil:
		return nil, errSignIn
	case actor.Has(tsunagari.RoleOperator):
	case actor.Has(tsunagari.RoleHRAdmin) && actor.OrgID() != "":
		f.OrgID = actor.OrgID()
	default:
		return nil, errNotFound
	}
	rounds, err := s.Store.FindRounds(ctx, f)
	if err != nil {
		return nil, err
	}
	out := make([]RoundInfo, 0, len(rounds))
	cache := map[string]*tsunagari.Instrument{}
	for _, r := range rounds {
		key := fmt.Sprintf("%s@%d", r.InstrumentID, r.InstrumentVersion)
		in := cache[key]
		if in == nil {
			if in, err = s.Store.FindInstrument(ctx, r.InstrumentID, r.InstrumentVersion); err != nil {
				return nil, fmt.Errorf("instrument of round %s: %w", r.ID, err)
			}
			cache[key] = in
		}
		out = append(out, RoundInfo{Round: r, Instrument: in})
	}
	return out, nil
}

// mayReport reports whether actor may read the report of r.
func mayReport(actor *tsunagari.Account, r *tsunagari.Round) bool {
	switch {
	case actor.Has(tsunagari.RoleOperator):
		return !r.Standing
	case actor.Has(tsunagari.RoleHRAdmin):
		return r.OrgID != "" && r.OrgID == actor.OrgID()
	}
	return false
}

// minGroupSize is the minimum group size of r's reports: its org's, or
// the platform default for rounds sent across orgs.
func (s *Service) minGroupSize(ctx context.Context, r *tsunagari.Round) (int, error) {
	if r.OrgID == "" {
		return tsunagari.DefaultMinGroupSize, nil
	}
	o, err := s.Orgs.FindOrgByID(ctx, r.OrgID)
	if err != nil {
		return 0, fmt.Errorf("org of round %s: %w", r.ID, err)
	}
	return max(o.MinGroupSize, tsunagari.MinMinGroupSize), nil
}

// ReportQuery chooses what a report compares: a choice item to
// cross-tabulate and a segment to group by. Empty fields take defaults.
type ReportQuery struct {
	Item    string
	Segment string
}

// Report is what may be shown about a round.
type Report struct {
	Round      *tsunagari.Round
	Instrument *tsunagari.Instrument
	// K is the minimum group size the report is released under.
	K int
	// Closed is true once the round has closed; the aggregates below are
	// filled only then.
	Closed bool
	// Participation is how many have answered: hidden below K, rounded.
	Participation disclosure.Count
	// Respondents is, once the round has closed, how many answers the
	// aggregates rest on: exact, as the totals of the tables show it, and
	// not Shown below K.
	Respondents disclosure.Count
	// Segments are those the report can group by; Segment is the one it
	// does ("" for totals only), with its groups, Unspecified last.
	Segments []string
	Segment  string
	Groups   []string
	// Departments name the groups of the department segment.
	Departments map[string]string
	// Items are the choice items the report can cross-tabulate; Item is
	// the one it does, nil if there are none.
	Items []*tsunagari.Item
	Item  *tsunagari.Item
	// Scores are the mean dimension scores by group, nil if the
	// instrument has no dimensions; CrossTab is Item by group.
	Scores   *disclosure.MeanTable
	CrossTab *disclosure.Table
}

// Report returns the report of round id for actor, grouped and
// cross-tabulated as q asks.
func (s *Service) Report(ctx context.Context, actor *tsunagari.Account, id string, q ReportQuery) (*Report, error) {
	if actor == nil {
		return nil, errSignIn
	}
	if !tsunagari.ValidID(id) {
		return nil, errNotFound
	}
	r, err := s.Store.FindRound(ctx, id)
	switch {
	case errors.Is(err, tsunagari.ErrNotFound):
		return nil, errNotFound
	case err != nil:
		return nil, err
	case !mayReport(actor, r):
		return nil, errNotFound
	}
	rep := &Report{Round: r}
	if rep.Instrument, err = s.Store.FindInstrument(ctx, r.InstrumentID, r.InstrumentVersion); err != nil {
		return nil, fmt.Errorf("instrument of round %s: %w", r.ID, err)
	}
	in := rep.Instrument
	if rep.K, err = s.minGroupSize(ctx, r); err != nil {
		return nil, err
	}
	n, err := s.Store.CountParticipants(ctx, r.ID)
	if err != nil {
		return nil, err
	}
	rep.Participation = disclosure.ReleaseCount(n, rep.K)
	if r.Mode.Linked() {
		return rep, nil // personal answers are never aggregated
	}

	rep.Segments = segmentsOf(r, in)
	rep.Segment = q.Segment
	switch {
	case q.Segment == "" && len(rep.Segments) > 0:
		rep.Segment = rep.Segments[0]
	case q.Segment != "" && !slices.Contains(rep.Segments, q.Segment):
		return nil, tsunagari.Invalid("segment", "report.segment_invalid")
	}
	for _, it := range in.Items() {
		if it.Kind == tsunagari.KindSingle || it.Kind == tsunagari.KindMultiple {
			rep.Items = append(rep.Items, it)
		}
	}
	switch {
	case q.Item == "" && len(rep.Items) > 0:
		rep.Item = rep.Items[0]
	case q.Item != "":
		i := slices.IndexFunc(rep.Items, func(it *tsunagari.Item) bool { return it.ID == q.Item })
		if i < 0 {
			return nil, tsunagari.Invalid("item", "report.item_invalid")
		}
		rep.Item = rep.Items[i]
	}
	if rep.Groups, rep.Departments, err = s.segmentGroups(ctx, r, in, rep.Segment); err != nil {
		return nil, err
	}
	if rep.Closed = r.ClosedAt(s.now()); !rep.Closed {
		return rep, nil
	}

	// One pass over the answers fills every tally.
	var scores *tsunagari.ScoreTally
	if len(in.Dimensions) > 0 {
		scores = tsunagari.NewScoreTally(in, rep.Segment, rep.Groups)
	}
	var tally *tsunagari.Tally
	if rep.Item != nil {
		tally = tsunagari.NewTally(in, rep.Item.ID, rep.Segment, rep.Groups)
	}
	answered := 0
	err = s.Store.EachAnswerSet(ctx, r.ID, func(seg tsunagari.Segments, answers []tsunagari.Answer) error {
		answered++
		if scores != nil {
			scores.Add(seg, answers)
		}
		if tally != nil {
			tally.Add(seg, answers)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if answered >= rep.K {
		rep.Respondents = disclosure.Count{Shown: true, Value: answered}
	}
	if scores != nil {
		m := disclosure.Means(meanTally(scores), rep.K)
		rep.Scores = &m
	}
	if tally != nil {
		t := disclosure.CrossTab(disclosure.Tally{Categories: tally.Options, Groups: tally.Groups,
			Respondents: tally.Respondents, Counts: tally.Counts}, rep.K)
		rep.CrossTab = &t
	}
	rep.Groups = groupsOf(tally, scores, rep.Groups)
	return rep, nil
}

// segmentsOf lists the segments a round's answers can be grouped by: the
// instrument's derived segments first, then, for attributed answers, the
// respondents' snapshot. Within one org the size band and industry are
// the same for everyone; across orgs departments mean nothing.
func segmentsOf(r *tsunagari.Round, in *tsunagari.Instrument) []string {
	var out []string
	for _, d := range in.Segments {
		out = append(out, d.ID)
	}
	if r.Mode != tsunagari.ModeAttributed {
		return out
	}
	for _, s := range tsunagari.SnapshotSegments {
		switch {
		case r.OrgID != "" && (s == tsunagari.SegmentSizeBand || s == tsunagari.SegmentIndustry):
		case r.OrgID == "" && s == tsunagari.SegmentDepartment:
		default:
			out = append(out, s)
		}
	}
	return out
}

// segmentGroups returns the groups of a segment in display order, and the
// names of departments for the department segment.
func (s *Service) segmentGroups(ctx context.Context, r *tsunagari.Round, in *tsunagari.Instrument, segment string) ([]string, map[string]string, error) {
	var groups []string
	var names map[string]string
	switch segment {
	case "":
		return nil, nil, nil
	case tsunagari.SegmentDepartment:
		depts, err := s.Orgs.FindDepartments(ctx, r.OrgID)
		if err != nil {
			return nil, nil, err
		}
		names = make(map[string]string, len(depts))
		for _, d := range depts {
			groups = append(groups, d.ID)
			names[d.ID] = d.Name
		}
	case tsunagari.SegmentAgeBand:
		groups = tsunagari.AgeBands
	case tsunagari.SegmentJobFamily:
		groups = tsunagari.JobFamilies
	case tsunagari.SegmentIndustry:
		groups = tsunagari.Industries
	case tsunagari.SegmentSizeBand:
		groups = []string{string(tsunagari.SizeSmall), string(tsunagari.SizeMid), string(tsunagari.SizeLarge)}
	default:
		groups = in.SegmentGroups(segment)
	}
	return append(slices.Clone(groups), tsunagari.Unspecified), names, nil
}

// groupsOf returns the groups the tallies used, which put Unspecified
// last, or the given ones.
func groupsOf(t *tsunagari.Tally, st *tsunagari.ScoreTally, groups []string) []string {
	switch {
	case t != nil:
		return t.Groups
	case st != nil:
		return st.Groups
	}
	return groups
}

// meanTally hands a score tally to package disclosure.
func meanTally(t *tsunagari.ScoreTally) disclosure.MeanTally {
	return disclosure.MeanTally{Dimensions: t.Dimensions, Groups: t.Groups, Respondents: t.Respondents,
		Sums: t.Sums, Counts: t.Counts}
}
