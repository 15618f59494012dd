package match

import "slices"

// ReasonKind is why a consultant may suit a member.
type ReasonKind string

const (
	// ReasonValues: the consultant holds strongly the member's own
	// strongest values (Values: one or two dimension IDs).
	ReasonValues ReasonKind = "values"
	// ReasonClients: experience with people of the member's age band and
	// job family (AgeBand, JobFamily).
	ReasonClients ReasonKind = "clients"
	// ReasonClientsJob: experience with people of the member's job
	// family (JobFamily).
	ReasonClientsJob ReasonKind = "clients_job"
	// ReasonThemes: strong in themes the member chose (Themes: one or
	// two theme IDs).
	ReasonThemes ReasonKind = "themes"
	// ReasonOwnJob: worked in the member's job family themselves
	// (JobFamily).
	ReasonOwnJob ReasonKind = "own_job"
	// ReasonIndustry: knows the member's industry from their own career
	// (Industry).
	ReasonIndustry ReasonKind = "industry"
	// ReasonYears: many years of practice (Count).
	ReasonYears ReasonKind = "years"
	// ReasonCapacity: time free in the next two weeks (Count sessions),
	// when nothing else stands out.
	ReasonCapacity ReasonKind = "capacity"
)

// ReasonYearsFrom is the practice, in years, worth mentioning.
const ReasonYearsFrom = 10

// Reason is one reason, in the member's own terms: their values, their
// background, their themes. The web layer words it.
type Reason struct {
	Kind      ReasonKind `json:"kind"`
	Values    []string   `json:"values,omitempty"`
	Themes    []string   `json:"themes,omitempty"`
	AgeBand   string     `json:"ageBand,omitempty"`
	JobFamily string     `json:"jobFamily,omitempty"`
	Industry  string     `json:"industry,omitempty"`
	Count     int        `json:"count,omitempty"`
}

// reasons returns up to MaxReasons reasons why candidate i suits m, the
// most personal first.
func (ix *Index) reasons(i int, m *member) []Reason {
	c, v := &ix.cands[i], &ix.vecs[i]
	var out []Reason
	if shared := m.valued & v.valued; shared != 0 {
		var dims []int
		for k := range ix.dims {
			if shared&(1<<k) != 0 {
				dims = append(dims, k)
			}
		}
		// The member's strongest first.
		slices.SortStableFunc(dims, func(a, b int) int {
			switch {
			case m.raw[a] > m.raw[b]:
				return -1
			case m.raw[a] < m.raw[b]:
				return 1
			}
			return 0
		})
		r := Reason{Kind: ReasonValues}
		for _, k := range dims[:min(2, len(dims))] {
			r.Values = append(r.Values, ix.dims[k])
		}
		out = append(out, r)
	}
	if m.job >= 0 {
		exact, job := 0, 0
		for _, g := range c.clients {
			if g.job == m.job {
				job += g.n
				if g.age == m.age {
					exact = g.n
				}
			}
		}
		switch {
		case exact >= MinClients:
			out = append(out, Reason{Kind: ReasonClients, AgeBand: m.p.AgeBand, JobFamily: m.p.JobFamily})
		case job >= MinClients:
			out = append(out, Reason{Kind: ReasonClientsJob, JobFamily: m.p.JobFamily})
		}
	}
	if shared := m.themes & v.themes; shared != 0 {
		r := Reason{Kind: ReasonThemes}
		for k, id := range themeIDs {
			if shared&(1<<k) != 0 && len(r.Themes) < 2 {
				r.Themes = append(r.Themes, id)
			}
		}
		out = append(out, r)
	}
	if m.job >= 0 && v.jobs&(1<<m.job) != 0 {
		out = append(out, Reason{Kind: ReasonOwnJob, JobFamily: m.p.JobFamily})
	}
	if m.ind >= 0 && v.industries&(1<<m.ind) != 0 {
		out = append(out, Reason{Kind: ReasonIndustry, Industry: m.p.Industry})
	}
	if c.c.YearsOfPractice >= ReasonYearsFrom {
		out = append(out, Reason{Kind: ReasonYears, Count: c.c.YearsOfPractice})
	}
	if len(out) == 0 && v.capacity > 0 {
		out = append(out, Reason{Kind: ReasonCapacity, Count: int(v.capacity)})
	}
	return out[:min(MaxReasons, len(out))]
}
