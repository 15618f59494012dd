package tsunagari

import (
	"fmt"
	"slices"
)

// Segments of a report. Answers are compared between the groups of one
// segment at a time: either a respondent attribute snapshotted with an
// attributed answer (SnapshotSegments), or a segment an instrument derives
// from the answers themselves, such as "implementing or not" in the HR
// survey.

// The snapshot segments, by ID.
const (
	SegmentSizeBand   = "size_band"
	SegmentIndustry   = "industry"
	SegmentDepartment = "department"
	SegmentAgeBand    = "age_band"
	SegmentJobFamily  = "job_family"
)

// SnapshotSegments lists the segments stored with attributed answers, in
// display order.
var SnapshotSegments = []string{SegmentDepartment, SegmentAgeBand, SegmentJobFamily, SegmentSizeBand, SegmentIndustry}

// Unspecified is the group of respondents whose segment is not known: an
// attribute they did not give, or a deriving item they did not answer.
const Unspecified = "unspecified"

// DerivedSegment groups respondents by their answer to a single-choice
// item: a respondent belongs to the first group that lists the option
// they chose, and to Unspecified if none does.
type DerivedSegment struct {
	ID     string         `json:"id"`
	Label  Text           `json:"label"`
	Item   string         `json:"item"`
	Groups []SegmentGroup `json:"groups"`
}

// SegmentGroup is one group of a derived segment.
type SegmentGroup struct {
	ID    string   `json:"id"`
	Label Text     `json:"label"`
	AnyOf []string `json:"anyOf"`
}

// Segment returns the derived segment with the given ID, or nil.
func (in *Instrument) Segment(id string) *DerivedSegment {
	for i := range in.Segments {
		if in.Segments[i].ID == id {
			return &in.Segments[i]
		}
	}
	return nil
}

func (s *DerivedSegment) validate(v *instrumentCheck, path string, items map[string]*Item, seen map[string]bool) {
	switch {
	case !validSurveyID(s.ID):
		v.add(path+".id", "instrument.id_invalid", maxSurveyIDLen)
	case slices.Contains(SnapshotSegments, s.ID):
		v.add(path+".id", "instrument.segment_reserved", s.ID)
	case seen[s.ID]:
		v.add(path+".id", "instrument.id_repeated", s.ID)
	}
	seen[s.ID] = true
	v.wording(path+".label", s.Label, true)
	it := items[s.Item]
	if it == nil || it.Kind != KindSingle {
		v.add(path+".item", "instrument.segment_item", s.Item)
		return
	}
	if len(s.Groups) < 2 {
		v.add(path+".groups", "instrument.segment_groups")
	}
	groups := map[string]bool{}
	used := map[string]bool{}
	for i, g := range s.Groups {
		gp := fmt.Sprintf("%s.groups[%d]", path, i)
		switch {
		case !validSurveyID(g.ID) || g.ID == Unspecified:
			v.add(gp+".id", "instrument.id_invalid", maxSurveyIDLen)
		case groups[g.ID]:
			v.add(gp+".id", "instrument.id_repeated", g.ID)
		}
		groups[g.ID] = true
		v.wording(gp+".label", g.Label, true)
		if len(g.AnyOf) == 0 {
			v.add(gp+".anyOf", "instrument.condition_empty")
		}
		for _, o := range g.AnyOf {
			switch {
			case it.Option(o) == nil:
				v.add(gp+".anyOf", "instrument.condition_option", o)
			case used[o]:
				v.add(gp+".anyOf", "instrument.segment_option_twice", o)
			}
			used[o] = true
		}
	}
}

// SegmentGroups returns the group IDs of a segment of in, in display
// order, without Unspecified; nil for a segment whose groups are not fixed
// (department, industry, age band, job family and size band are listed by
// the caller from its vocabulary) or unknown.
func (in *Instrument) SegmentGroups(segment string) []string {
	s := in.Segment(segment)
	if s == nil {
		return nil
	}
	out := make([]string, len(s.Groups))
	for i, g := range s.Groups {
		out[i] = g.ID
	}
	return out
}

// SegmentOf returns the group of segment a respondent with the given
// snapshot and answers belongs to, or Unspecified.
func (in *Instrument) SegmentOf(segment string, seg Segments, answers []Answer) string {
	var v string
	switch segment {
	case SegmentSizeBand:
		v = string(seg.SizeBand)
	case SegmentIndustry:
		v = seg.Industry
	case SegmentDepartment:
		v = seg.DepartmentID
	case SegmentAgeBand:
		v = seg.AgeBand
	case SegmentJobFamily:
		v = seg.JobFamily
	default:
		d := in.Segment(segment)
		if d == nil {
			return Unspecified
		}
		for i := range answers {
			if answers[i].Item != d.Item {
				continue
			}
			for _, g := range d.Groups {
				for _, c := range answers[i].Choices {
					if slices.Contains(g.AnyOf, c) {
						return g.ID
					}
				}
			}
			break
		}
	}
	if v == "" {
		return Unspecified
	}
	return v
}
