package disclosure

import (
	"encoding/json"
	"time"
)

// The documents of the release ledger: what a closed pulse round, a
// closed quarter and a finished programme release to an org's HR. They
// are written once, as JSON, and read back as they were written: every
// page, API answer and CSV cell an HR administrator sees is drawn from
// one of them.

// Label names a measure in Japanese and English, as it read when the
// release was published.
type Label struct {
	ID string `json:"id"`
	Ja string `json:"ja"`
	En string `json:"en"`
}

// In returns the label in lang, Japanese by default.
func (l Label) In(lang string) string {
	if lang == "en" && l.En != "" {
		return l.En
	}
	return l.Ja
}

// PulseDocument is the release of a pulse round of the five supports: the
// mean of each support by every breakdown of the menu.
type PulseDocument struct {
	Round      string    `json:"round"`
	Instrument string    `json:"instrument"`
	Labels     []Label   `json:"labels"`
	OpensAt    time.Time `json:"opensAt"`
	ClosesAt   time.Time `json:"closesAt"`
	// Release holds the respondents (its one stage) and the means of
	// each dimension (its measures).
	Release *Release `json:"release"`
}

// PeriodDocument is the release of a quarter: the participation funnel by
// every breakdown at the quarter's end, the themes people consulted about
// during it, and the words of the reflections they let count.
type PeriodDocument struct {
	Period string    `json:"period"` // such as 2026-Q1
	From   time.Time `json:"from"`
	To     time.Time `json:"to"` // exclusive
	// Funnel's stages are FunnelStageIDs, as of To.
	Funnel *Release `json:"funnel"`
	// Themes has the total only: its first stage is the people who
	// consulted, each further stage those who consulted about a theme.
	Themes *Release `json:"themes,omitempty"`
	// ThemeLabels name the themes of Themes' further stages.
	ThemeLabels []Label `json:"themeLabels,omitempty"`
	// Words are those at least k_text people used; KText is that k.
	Words []Word `json:"words,omitempty"`
	KText int    `json:"kText"`
}

// ProgrammeDocument is the release of a programme once its after-survey
// has closed: the change of each measure among the people who answered
// before and after.
type ProgrammeDocument struct {
	Programme  string    `json:"programme"`
	Name       string    `json:"name"`
	Kind       string    `json:"kind"`
	StartsOn   time.Time `json:"startsOn"`
	EndsOn     time.Time `json:"endsOn"`
	Instrument string    `json:"instrument"`
	Labels     []Label   `json:"labels"`
	// PairK is the least number of pairs an effect is shown for.
	PairK   int      `json:"pairK"`
	Effects []Effect `json:"effects"`
}

// Marshal encodes a document as the ledger stores it.
func Marshal(doc any) ([]byte, error) { return json.Marshal(doc) }

// Unmarshal decodes a document from the ledger.
func Unmarshal(body []byte, doc any) error { return json.Unmarshal(body, doc) }

// Grid returns the grid of breakdown b, or nil.
func (r *Release) Grid(b Breakdown) *Grid {
	if r == nil {
		return nil
	}
	key := b.Key()
	for i := range r.Grids {
		if r.Grids[i].Breakdown == key {
			return &r.Grids[i]
		}
	}
	return nil
}

// Total returns the cells of the total row, or nil.
func (r *Release) Total() []Cell {
	g := r.Grid(Breakdown{})
	if g == nil || len(g.Rows) == 0 {
		return nil
	}
	return g.Rows[0].Cells
}

// Stage returns the index of stage id, or -1.
func (r *Release) Stage(id string) int {
	if r == nil {
		return -1
	}
	for i, s := range r.Stages {
		if s == id {
			return i
		}
	}
	return -1
}

// Department returns the name of department id as released, or "".
func (r *Release) Department(id string) string {
	if r == nil {
		return ""
	}
	for _, d := range r.Departments {
		if d.ID == id {
			return d.Name
		}
	}
	return ""
}
