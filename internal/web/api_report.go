package web

import (
	"net/http"
	"time"

	"tsunagari"
)

// The /api/v1 endpoints of authoring, rounds and reports. Reports carry
// the same released numbers as the pages, and nothing else.

// savedInstrumentJSON answers createInstrument: the stored version, and
// whether saving added it.
type savedInstrumentJSON struct {
	*tsunagari.Instrument
	Added bool `json:"added"`
}

func (s *Server) apiCreateInstrument(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := requireAccount(a); err != nil {
		return err
	}
	var in tsunagari.Instrument
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	added, err := s.Surveys.Author(r.Context(), a, &in)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if added {
		status = http.StatusCreated
	}
	return writeJSON(w, status, savedInstrumentJSON{Instrument: &in, Added: added})
}

type roundListJSON struct {
	roundJSON
	Title  tsunagari.Text `json:"title"`
	Closed bool           `json:"closed"`
}

func (s *Server) apiRounds(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	rounds, err := s.Surveys.Rounds(r.Context(), a)
	if err != nil {
		return err
	}
	now := time.Now()
	out := make([]roundListJSON, 0, len(rounds))
	for _, ri := range rounds {
		j := roundListJSON{roundJSON: newRoundJSON(ri.Round), Title: ri.Instrument.Title, Closed: ri.Round.ClosedAt(now)}
		out = append(out, j)
	}
	return writeJSON(w, http.StatusOK, out)
}

func newRoundJSON(round *tsunagari.Round) roundJSON {
	out := roundJSON{ID: round.ID, InstrumentID: round.InstrumentID, InstrumentVersion: round.InstrumentVersion,
		Mode: round.Mode, OrgID: round.OrgID, OpensAt: round.OpensAt, CreatedAt: round.CreatedAt, Audience: round.Audience}
	if !round.ClosesAt.IsZero() {
		t := round.ClosesAt
		out.ClosesAt = &t
	}
	return out
}

type labelJSON struct {
	ID    string `json:"id"`
	Label string `json:"label"`
}

type countJSON struct {
	Shown bool `json:"shown"`
	Value *int `json:"value"`
}

// groupJSON is one group of a released table: numbers only when shown,
// the reason otherwise.
type groupJSON struct {
	ID          string    `json:"id"`
	Label       string    `json:"label"`
	Shown       bool      `json:"shown"`
	Hidden      string    `json:"hidden,omitempty"`
	Respondents *int      `json:"respondents,omitempty"`
	Means       []float64 `json:"means,omitempty"`
	Counts      []int     `json:"counts,omitempty"`
	Percents    []float64 `json:"percents,omitempty"`
}

type scoresJSON struct {
	Dimensions []labelJSON `json:"dimensions"`
	Groups     []groupJSON `json:"groups"`
	Total      groupJSON   `json:"total"`
}

type reportJSON struct {
	Round         roundJSON      `json:"round"`
	Title         tsunagari.Text `json:"title"`
	K             int            `json:"k"`
	Closed        bool           `json:"closed"`
	Participation countJSON      `json:"participation"`
	Respondents   *int           `json:"respondents,omitempty"`
	Segments      []labelJSON    `json:"segments"`
	Segment       string         `json:"segment,omitempty"`
	Items         []labelJSON    `json:"items"`
	Scores        *scoresJSON    `json:"scores,omitempty"`
}

func (s *Server) apiReport(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	rep, err := s.Surveys.Report(r.Context(), a, r.PathValue("id"), reportQuery(r))
	if err != nil {
		return err
	}
	pr := s.printer(r, a)
	v := s.newReportView(pr, rep, false)
	out := reportJSON{Round: newRoundJSON(rep.Round), Title: rep.Instrument.Title, K: rep.K, Closed: rep.Closed,
		Participation: countJSON{Shown: rep.Participation.Shown}, Segments: []labelJSON{}, Segment: rep.Segment, Items: []labelJSON{}}
	if rep.Participation.Shown {
		n := rep.Participation.Value
		out.Participation.Value = &n
	}
	if rep.Respondents.Shown {
		n := rep.Respondents.Value
		out.Respondents = &n
	}
	for _, c := range v.Segments {
		out.Segments = append(out.Segments, labelJSON(c))
	}
	for _, c := range v.Items {
		out.Items = append(out.Items, labelJSON(c))
	}
	if v.Scores != nil && rep.Scores != nil {
		sc := &scoresJSON{Groups: []groupJSON{}}
		for i, d := range rep.Instrument.Dimensions {
			sc.Dimensions = append(sc.Dimensions, labelJSON{ID: d.ID, Label: v.Scores.Dimensions[i]})
		}
		for _, row := range v.Scores.Rows {
			g := groupJSON{ID: row.ID, Label: row.Label, Shown: row.Shown}
			if row.Shown {
				n := row.Respondents
				g.Respondents = &n
				g.Means = row.Means
			} else {
				g.Hidden = row.Hidden
			}
			if row.Total {
				sc.Total = g
			} else {
				sc.Groups = append(sc.Groups, g)
			}
		}
		out.Scores = sc
	}
	return writeJSON(w, http.StatusOK, out)
}

type crossTabJSON struct {
	Round   roundJSON   `json:"round"`
	Item    labelJSON   `json:"item"`
	Kind    string      `json:"kind"`
	Segment *labelJSON  `json:"segment,omitempty"`
	K       int         `json:"k"`
	Options []labelJSON `json:"options"`
	Groups  []groupJSON `json:"groups"`
	Total   groupJSON   `json:"total"`
}

func (s *Server) apiCrossTab(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	rep, err := s.Surveys.Report(r.Context(), a, r.PathValue("id"), reportQuery(r))
	if err != nil {
		return err
	}
	if err := crossTabReady(rep); err != nil {
		return err
	}
	pr := s.printer(r, a)
	v := s.newReportView(pr, rep, false)
	out := crossTabJSON{Round: newRoundJSON(rep.Round), Item: labelJSON{ID: rep.Item.ID, Label: v.ItemText},
		Kind: string(rep.Item.Kind), K: rep.K, Groups: []groupJSON{}}
	if rep.Segment != "" {
		out.Segment = &labelJSON{ID: rep.Segment, Label: v.SegmentLabel}
	}
	for i, id := range rep.CrossTab.Categories {
		out.Options = append(out.Options, labelJSON{ID: id, Label: v.Cross.Options[i]})
	}
	for _, row := range v.Cross.Rows {
		g := groupJSON{ID: row.ID, Label: row.Label, Shown: row.Shown}
		if row.Shown {
			n := row.Respondents
			g.Respondents = &n
			for _, c := range row.Cells {
				g.Counts = append(g.Counts, c.Count)
				g.Percents = append(g.Percents, c.Percent)
			}
		} else {
			g.Hidden = row.Hidden
		}
		if row.Total {
			out.Total = g
		} else {
			out.Groups = append(out.Groups, g)
		}
	}
	return writeJSON(w, http.StatusOK, out)
}
