package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"tsunagari"
	"tsunagari/internal/recommend"
	"tsunagari/internal/recommender"
)

// The recommendation endpoints of /api/v1. A community is sent as a
// summary: what a member needs to decide whether to look closer.

type communitySummaryJSON struct {
	ID             string                    `json:"id"`
	Kind           tsunagari.CommunityKind   `json:"kind"`
	Name           string                    `json:"name"`
	Purpose        string                    `json:"purpose"`
	Tags           []string                  `json:"tags"`
	Styles         []tsunagari.ActivityStyle `json:"styles"`
	Prefecture     string                    `json:"prefecture,omitempty"`
	HomePrefecture string                    `json:"homePrefecture,omitempty"`
	Online         bool                      `json:"online"`
	MonthlyFee     int                       `json:"monthlyFee"`
	HoursPerMonth  int                       `json:"hoursPerMonth"`
	JoinPolicy     tsunagari.JoinPolicy      `json:"joinPolicy"`
	Traits         []tsunagari.Trait         `json:"traits"`
	MemberCount    int                       `json:"memberCount"`
}

func communitySummary(c *tsunagari.Community) communitySummaryJSON {
	return communitySummaryJSON{ID: c.ID, Kind: c.Kind, Name: c.Name, Purpose: c.Purpose, Tags: nonNil(c.Tags),
		Styles: nonNil(c.Styles), Prefecture: c.Prefecture, HomePrefecture: c.HomePrefecture, Online: c.Online,
		MonthlyFee: c.MonthlyFee, HoursPerMonth: c.HoursPerMonth, JoinPolicy: c.JoinPolicy, Traits: nonNil(c.Traits),
		MemberCount: c.MemberCount}
}

type reasonJSON struct {
	Code string `json:"code"`
	Text string `json:"text"`
}

type trialEventJSON struct {
	ID       string    `json:"id"`
	Title    string    `json:"title"`
	StartsAt time.Time `json:"startsAt"`
	Online   bool      `json:"online"`
}

type recommendationJSON struct {
	Community  communitySummaryJSON `json:"community"`
	Score      float64              `json:"score"`
	Reasons    []reasonJSON         `json:"reasons"`
	Bookmarked bool                 `json:"bookmarked"`
	Dismissed  bool                 `json:"dismissed"`
	NextTrial  *trialEventJSON      `json:"nextTrialEvent,omitempty"`
}

type filterJSON struct {
	MaxFee     *int   `json:"maxFee"`
	MaxHours   *int   `json:"maxHours"`
	Online     bool   `json:"online"`
	Prefecture string `json:"prefecture"`
}

type recommendationsJSON struct {
	Recommendations []recommendationJSON `json:"recommendations"`
	Filter          filterJSON           `json:"filter"`
	GivenUp         []string             `json:"givenUp"`
	Missing         []string             `json:"missing"`
}

// filterQuery reads filters from the query string; nil if none is given,
// so that the member's saved ones apply.
func filterQuery(q map[string][]string) (*tsunagari.RecommendPrefs, error) {
	get := func(k string) (string, bool) {
		v, ok := q[k]
		if !ok || len(v) == 0 {
			return "", false
		}
		return v[0], true
	}
	var f tsunagari.RecommendPrefs
	given := false
	for _, field := range []struct {
		name string
		dst  **int
	}{{"maxFee", &f.MaxFee}, {"maxHours", &f.MaxHours}} {
		if v, ok := get(field.name); ok {
			n, err := strconv.Atoi(v)
			if err != nil {
				return nil, tsunagari.Invalid(field.name, "recommend.filter_invalid")
			}
			*field.dst, given = &n, true
		}
	}
	if v, ok := get("online"); ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return nil, tsunagari.Invalid("online", "recommend.filter_invalid")
		}
		f.Online, given = b, true
	}
	if v, ok := get("prefecture"); ok {
		f.Prefecture, given = v, true
	}
	if !given {
		return nil, nil
	}
	return &f, nil
}

func (s *Server) apiRecommend(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := requireAccount(a); err != nil {
		return err
	}
	q := r.URL.Query()
	opt := recommender.Options{}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return tsunagari.Invalid("limit", "recommend.limit_invalid", recommend.MaxLimit)
		}
		opt.Limit = n
	}
	f, err := filterQuery(q)
	if err != nil {
		return err
	}
	opt.Filter = f
	res, err := s.Recommend.Recommend(r.Context(), a, opt)
	if err != nil {
		return err
	}
	p := s.printer(r, a)
	out := recommendationsJSON{Recommendations: []recommendationJSON{}, GivenUp: nonNil(res.GivenUp), Missing: nonNil(res.Missing),
		Filter: filterJSON{MaxFee: res.Filter.MaxFee, MaxHours: res.Filter.MaxHours, Online: res.Filter.Online, Prefecture: res.Filter.Prefecture}}
	for _, it := range res.Items {
		j := recommendationJSON{Community: communitySummary(it.Community), Score: round2(it.Score), Reasons: []reasonJSON{},
			Bookmarked: it.Bookmarked, Dismissed: it.Dismissed}
		for _, reason := range it.Reasons {
			j.Reasons = append(j.Reasons, reasonJSON{Code: reason.Code, Text: reasonText(p, reason)})
		}
		if t := it.NextTrial; t != nil {
			j.NextTrial = &trialEventJSON{ID: t.ID, Title: t.Title, StartsAt: t.StartsAt.UTC(), Online: t.Online}
		}
		out.Recommendations = append(out.Recommendations, j)
	}
	return writeJSON(w, http.StatusOK, out)
}

func round2(v float64) float64 {
	n, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'f', 2, 64), 64)
	return n
}

type prefsJSON struct {
	Wish       string     `json:"wish"`
	MaxFee     *int       `json:"maxFee"`
	MaxHours   *int       `json:"maxHours"`
	Online     bool       `json:"online"`
	Prefecture string     `json:"prefecture"`
	UpdatedAt  *time.Time `json:"updatedAt"`
}

func prefsOf(p *tsunagari.RecommendPrefs) prefsJSON {
	j := prefsJSON{Wish: p.Wish, MaxFee: p.MaxFee, MaxHours: p.MaxHours, Online: p.Online, Prefecture: p.Prefecture}
	if !p.UpdatedAt.IsZero() {
		t := p.UpdatedAt.UTC()
		j.UpdatedAt = &t
	}
	return j
}

func (s *Server) apiRecommendPrefs(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	p, err := s.Recommend.Preferences(r.Context(), a)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, prefsOf(p))
}

// prefsRequest replaces every preference; a missing or null bound is no
// bound.
type prefsRequest struct {
	Wish       string `json:"wish"`
	MaxFee     *int   `json:"maxFee"`
	MaxHours   *int   `json:"maxHours"`
	Online     bool   `json:"online"`
	Prefecture string `json:"prefecture"`
}

func (s *Server) apiSaveRecommendPrefs(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := requireAccount(a); err != nil {
		return err
	}
	var in prefsRequest
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	upd := tsunagari.RecommendPrefsUpdate{Wish: &in.Wish, MaxFee: in.MaxFee, ClearMaxFee: in.MaxFee == nil,
		MaxHours: in.MaxHours, ClearMaxHours: in.MaxHours == nil, Online: &in.Online, Prefecture: &in.Prefecture}
	p, err := s.Recommend.SavePreferences(r.Context(), a, upd)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, prefsOf(p))
}

type markJSON struct {
	Community communitySummaryJSON `json:"community"`
	Mark      tsunagari.Mark       `json:"mark"`
	MarkedAt  time.Time            `json:"markedAt"`
}

func (s *Server) apiCommunityMarks(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	marks, err := s.Recommend.Marks(r.Context(), a)
	if err != nil {
		return err
	}
	out := make([]markJSON, 0, len(marks))
	for _, m := range marks {
		out = append(out, markJSON{Community: communitySummary(m.Community), Mark: m.Mark.Mark, MarkedAt: m.Mark.MarkedAt.UTC()})
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiMarkCommunity(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := requireAccount(a); err != nil {
		return err
	}
	var in struct {
		Mark tsunagari.Mark `json:"mark"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	in.Mark = tsunagari.Mark(strings.TrimSpace(string(in.Mark)))
	m, err := s.Recommend.Mark(r.Context(), a, r.PathValue("id"), in.Mark)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, struct {
		CommunityID string         `json:"communityId"`
		Mark        tsunagari.Mark `json:"mark"`
		MarkedAt    time.Time      `json:"markedAt"`
	}{m.CommunityID, m.Mark, m.MarkedAt.UTC()})
}

func (s *Server) apiUnmarkCommunity(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := s.Recommend.Unmark(r.Context(), a, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type weightsJSON struct {
	JobFamily      float64    `json:"jobFamily"`
	Industry       float64    `json:"industry"`
	AgeBand        float64    `json:"ageBand"`
	Prefecture     float64    `json:"prefecture"`
	HomePrefecture float64    `json:"homePrefecture"`
	Values         float64    `json:"values"`
	Wish           float64    `json:"wish"`
	GivenUp        float64    `json:"givenUp"`
	Area           float64    `json:"area"`
	DeclaredTraits float64    `json:"declaredTraits"`
	RatedTraits    float64    `json:"ratedTraits"`
	Variety        float64    `json:"variety"`
	UpdatedAt      *time.Time `json:"updatedAt"`
}

func weightsOf(w *tsunagari.RecommendWeights) weightsJSON {
	j := weightsJSON{JobFamily: w.JobFamily, Industry: w.Industry, AgeBand: w.AgeBand, Prefecture: w.Prefecture,
		HomePrefecture: w.HomePrefecture, Values: w.Values, Wish: w.Wish, GivenUp: w.GivenUp, Area: w.Area,
		DeclaredTraits: w.DeclaredTraits, RatedTraits: w.RatedTraits, Variety: w.Variety}
	if !w.UpdatedAt.IsZero() {
		t := w.UpdatedAt.UTC()
		j.UpdatedAt = &t
	}
	return j
}

func (s *Server) apiRecommendWeights(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	cur, err := s.Recommend.Weights(r.Context(), a)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, weightsOf(cur))
}

func (s *Server) apiSaveRecommendWeights(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	// Whoever may not set the weights learns nothing, whatever they send.
	if _, err := s.Recommend.Weights(r.Context(), a); err != nil {
		return err
	}
	var in struct {
		JobFamily      *float64 `json:"jobFamily"`
		Industry       *float64 `json:"industry"`
		AgeBand        *float64 `json:"ageBand"`
		Prefecture     *float64 `json:"prefecture"`
		HomePrefecture *float64 `json:"homePrefecture"`
		Values         *float64 `json:"values"`
		Wish           *float64 `json:"wish"`
		GivenUp        *float64 `json:"givenUp"`
		Area           *float64 `json:"area"`
		DeclaredTraits *float64 `json:"declaredTraits"`
		RatedTraits    *float64 `json:"ratedTraits"`
		Variety        *float64 `json:"variety"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	// Every weight is required: a forgotten one must not become 0.
	nw := tsunagari.RecommendWeights{}
	for _, f := range []struct {
		name string
		src  *float64
		dst  *float64
	}{
		{"jobFamily", in.JobFamily, &nw.JobFamily}, {"industry", in.Industry, &nw.Industry}, {"ageBand", in.AgeBand, &nw.AgeBand},
		{"prefecture", in.Prefecture, &nw.Prefecture}, {"homePrefecture", in.HomePrefecture, &nw.HomePrefecture},
		{"values", in.Values, &nw.Values}, {"wish", in.Wish, &nw.Wish}, {"givenUp", in.GivenUp, &nw.GivenUp},
		{"area", in.Area, &nw.Area}, {"declaredTraits", in.DeclaredTraits, &nw.DeclaredTraits},
		{"ratedTraits", in.RatedTraits, &nw.RatedTraits}, {"variety", in.Variety, &nw.Variety},
	} {
		if f.src == nil {
			return tsunagari.Invalid(f.name, "recommend.weight_required")
		}
		*f.dst = *f.src
	}
	if err := s.Recommend.SaveWeights(r.Context(), a, &nw); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, weightsOf(&nw))
}
