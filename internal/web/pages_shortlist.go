package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"tsunagari"
	"tsunagari/internal/i18n"
	"tsunagari/internal/match"
	"tsunagari/internal/shortlist"
	"tsunagari/internal/survey"
)

// The shortlist pages: the ten consultants proposed to a member, keyword
// search, one consultant with the reasons they may suit the member, the
// member's marks, and the operator's weights.

// card is a consultant as the shortlist pages show one.
type card struct {
	ID           string
	Name         string
	Verified     bool
	Years        int
	AgeBand      string
	Gender       string
	Themes       []string // labels
	Languages    []string // labels
	Online       bool
	InPerson     bool
	Area         string
	FeeYen       int
	EmployerPaid bool
	Message      string
	Reasons      []string
	Capacity     int
	Mark         tsunagari.MarkKind
	Rank         int
	// L and Next are for the card's template: the words, and where the
	// mark buttons come back to. Link leads to the consultant's page,
	// with the themes the member chose.
	L    i18n.Printer
	Next string
	Link string
}

// wording turns the reasons of package match into the member's language:
// the names of their values, themes, age band, job family and industry.
type wording struct {
	p    i18n.Printer
	dims map[string]string
}

// wording returns the words of reasons for a's language.
func (s *Server) wording(ctx context.Context, r *http.Request, a *tsunagari.Account) wording {
	wd := wording{p: s.printer(r, a), dims: map[string]string{}}
	if in, err := s.Surveys.Instrument(ctx, a, survey.ValuesDiagnosis, 0); err == nil {
		for _, d := range in.Dimensions {
			wd.dims[d.ID] = d.Label.In(wd.p.Lang)
		}
	}
	return wd
}

func (wd wording) theme(id string) string {
	if t := tsunagari.ThemeByID(id); t != nil {
		return t.Label.In(wd.p.Lang)
	}
	return id
}

// reason words one reason.
func (wd wording) reason(r match.Reason) string {
	p := wd.p
	switch r.Kind {
	case match.ReasonValues:
		if len(r.Values) > 1 {
			return p.T("shortlist.reason.values2", wd.dims[r.Values[0]], wd.dims[r.Values[1]])
		}
		if len(r.Values) == 1 {
			return p.T("shortlist.reason.values1", wd.dims[r.Values[0]])
		}
	case match.ReasonClients:
		return p.T("shortlist.reason.clients", p.T("age_band."+r.AgeBand), p.T("job_family."+r.JobFamily))
	case match.ReasonClientsJob:
		return p.T("shortlist.reason.clients_job", p.T("job_family."+r.JobFamily))
	case match.ReasonThemes:
		if len(r.Themes) > 1 {
			return p.T("shortlist.reason.themes2", wd.theme(r.Themes[0]), wd.theme(r.Themes[1]))
		}
		if len(r.Themes) == 1 {
			return p.T("shortlist.reason.themes1", wd.theme(r.Themes[0]))
		}
	case match.ReasonOwnJob:
		return p.T("shortlist.reason.own_job", p.T("job_family."+r.JobFamily))
	case match.ReasonIndustry:
		return p.T("shortlist.reason.industry", p.T("industry."+r.Industry))
	case match.ReasonYears:
		return p.T("shortlist.reason.years", r.Count)
	case match.ReasonCapacity:
		return p.T("shortlist.reason.capacity", r.Count)
	}
	return ""
}

// card lays out a pick for the pages.
func (wd wording) card(pk match.Pick, mark tsunagari.MarkKind) card {
	c := pk.Consultant
	v := card{ID: c.AccountID, Name: c.DisplayName, Verified: c.Verified(), Years: c.YearsOfPractice, AgeBand: c.AgeBand,
		Gender: c.Gender, Online: c.Online, InPerson: c.InPerson, Area: c.Area, FeeYen: c.FeeYen, EmployerPaid: c.EmployerPaid,
		Message: c.Message, Capacity: pk.Capacity, Mark: mark, L: wd.p, Link: "/shortlist/" + c.AccountID}
	for _, t := range c.Themes {
		v.Themes = append(v.Themes, wd.theme(t))
	}
	for _, l := range c.Languages {
		v.Languages = append(v.Languages, wd.p.T("language."+l))
	}
	for _, r := range pk.Reasons {
		if text := wd.reason(r); text != "" {
			v.Reasons = append(v.Reasons, text)
		}
	}
	return v
}

// fitLink is the address of a consultant's page, with the themes chosen
// in the query string q.
func fitLink(id string, q url.Values) string {
	if len(q["theme"]) == 0 {
		return "/shortlist/" + id
	}
	return "/shortlist/" + id + "?" + url.Values{"theme": q["theme"]}.Encode()
}

// choices are the vocabularies of the shortlist's form.
type choices struct {
	Themes      []tsunagari.Theme
	Genders     []string
	Languages   []string
	Prefectures []tsunagari.Prefecture
	MaxThemes   int
}

var shortlistChoices = choices{Themes: tsunagari.Themes, Genders: tsunagari.Genders, Languages: tsunagari.ConsultationLanguages,
	Prefectures: tsunagari.Prefectures, MaxThemes: tsunagari.MaxBookingThemes}

// requestFrom reads the shortlist's constraints from a query string.
func requestFrom(v url.Values) shortlist.Request {
	return shortlist.Request{Themes: v["theme"], Mode: v.Get("mode"), Area: v.Get("area"), Gender: v.Get("gender"),
		Language: v.Get("language")}
}

// filters is what the template of the shortlist's constraints needs.
type filters struct {
	Form    *form
	Choices choices
	L       i18n.Printer
}

// Filters returns the constraints' template data, in l's words.
func (p shortlistPage) Filters(l i18n.Printer) filters {
	return filters{Form: p.Form, Choices: p.Choices, L: l}
}

// Filters returns the constraints' template data, in l's words.
func (p searchPage) Filters(l i18n.Printer) filters {
	return filters{Form: p.Form, Choices: p.Choices, L: l}
}

type shortlistPage struct {
	Cards     []card
	Bookmarks []card
	Diagnosed bool
	Roster    int
	Form      *form
	Choices   choices
	Query     string // the query string, for links that keep the choices
}

func (s *Server) shortlistPage(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	ctx := r.Context()
	q := r.URL.Query()
	p := shortlistPage{Form: &form{Values: q, Fields: map[string]string{}}, Choices: shortlistChoices, Query: q.Encode(),
		Diagnosed: true}
	status := http.StatusOK
	wd := s.wording(ctx, r, a)
	res, err := s.Shortlist.Recommend(ctx, a, requestFrom(q))
	if err != nil {
		f, st, err := s.formError(r, a, err)
		if err != nil {
			return err
		}
		f.Values, p.Form, status = q, f, st
	} else {
		p.Diagnosed, p.Roster = res.Diagnosed, res.Roster
		for i, pk := range res.Picks {
			c := wd.card(pk, "")
			c.Rank = i + 1
			p.Cards = append(p.Cards, c)
		}
	}
	marks, err := s.Shortlist.Marks(ctx, a)
	if err != nil {
		return err
	}
	for _, m := range marks {
		if m.Kind == tsunagari.ConsultantBookmark && m.Match != nil {
			p.Bookmarks = append(p.Bookmarks, wd.card(m.Match.Pick, m.Kind))
		}
	}
	for i := range p.Cards {
		for _, m := range marks {
			if m.ConsultantID == p.Cards[i].ID {
				p.Cards[i].Mark = m.Kind
			}
		}
		p.Cards[i].Next = r.URL.RequestURI()
		p.Cards[i].Link = fitLink(p.Cards[i].ID, q)
	}
	for i := range p.Bookmarks {
		p.Bookmarks[i].Next = r.URL.RequestURI()
	}
	return s.render(w, r, a, status, "shortlist", "shortlist.title", p)
}

type searchPage struct {
	Cards    []card
	Total    int
	TooShort bool
	Searched bool
	Form     *form
	Choices  choices
	Prev     string // query strings of the neighbouring pages, or ""
	Next     string
	From, To int
}

func (s *Server) searchPage(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	ctx := r.Context()
	q := r.URL.Query()
	p := searchPage{Form: &form{Values: q, Fields: map[string]string{}}, Choices: shortlistChoices}
	status := http.StatusOK
	offset := max(atoiOr(q.Get("offset"), 0), 0)
	const limit = 20
	res, err := s.Shortlist.Search(ctx, a, shortlist.SearchRequest{Query: q.Get("q"), Request: requestFrom(q),
		Limit: limit, Offset: offset})
	if err != nil {
		f, st, err := s.formError(r, a, err)
		if err != nil {
			return err
		}
		f.Values, p.Form, status = q, f, st
	} else {
		wd := s.wording(ctx, r, a)
		p.Total, p.TooShort, p.Searched = res.Total, res.TooShort, q.Has("q")
		for _, m := range res.Matches {
			c := wd.card(m.Pick, m.Mark)
			c.Next, c.Link = r.URL.RequestURI(), fitLink(c.ID, q)
			p.Cards = append(p.Cards, c)
		}
		page := func(off int) string {
			v := url.Values{}
			for k, vs := range q {
				v[k] = vs
			}
			v.Set("offset", strconv.Itoa(off))
			return v.Encode()
		}
		if offset > 0 {
			p.Prev = page(max(offset-limit, 0))
		}
		if offset+limit < res.Total {
			p.Next = page(offset + limit)
		}
		if len(p.Cards) > 0 {
			p.From, p.To = offset+1, offset+len(p.Cards)
		}
	}
	return s.render(w, r, a, status, "shortlist_search", "shortlist.search.title", p)
}

type fitPage struct {
	Card card
}

func (s *Server) consultantFit(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	ctx := r.Context()
	m, err := s.Shortlist.Consultant(ctx, a, r.PathValue("id"), r.URL.Query()["theme"])
	if err != nil {
		return err
	}
	c := s.wording(ctx, r, a).card(m.Pick, m.Mark)
	c.Next = r.URL.RequestURI()
	return s.renderPage(w, r, a, http.StatusOK, "shortlist_consultant",
		page{Title: "shortlist.consultant.title", TitleText: m.Consultant.DisplayName, Data: fitPage{Card: c}})
}

// markConsultant handles the bookmark, ignore and "neither" buttons.
func (s *Server) markConsultant(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id := r.PathValue("id")
	var (
		err   error
		flash string
	)
	switch mark := r.PostForm.Get("mark"); mark {
	case "", "none":
		err, flash = s.Shortlist.Unmark(r.Context(), a, id), "flash.mark_removed"
		if tsunagari.ErrorCode(err) == tsunagari.CodeNotFound {
			// Nothing to remove is fine, if the consultant is there.
			if _, cerr := s.Shortlist.Consultant(r.Context(), a, id, nil); cerr == nil {
				err = nil
			}
		}
	case string(tsunagari.ConsultantBookmark):
		err, flash = s.Shortlist.Mark(r.Context(), a, id, tsunagari.ConsultantBookmark), "flash.marked_bookmark"
	default:
		err, flash = s.Shortlist.Mark(r.Context(), a, id, tsunagari.MarkKind(mark)), "flash.marked_ignore"
	}
	if err != nil {
		return err
	}
	next := r.PostForm.Get("next")
	if next == "" {
		next = "/shortlist/" + id
	}
	return s.redirect(w, r, localPath(next), flash)
}

// The operator's weights.

type matchingPage struct {
	// Fields are the percentage fields of the form, in order.
	Fields  []string
	Weights *tsunagari.MatchWeights
	Stats   *shortlist.Stats
	Form    *form
	Max     int
	MaxView int
}

func (s *Server) matchingPage(w http.ResponseWriter, r *http.Request, a *tsunagari.Account, status int, f *form) error {
	wts, st, err := s.Shortlist.Weights(r.Context(), a)
	if err != nil {
		return err
	}
	if f == nil {
		f = &form{Values: url.Values{}, Fields: map[string]string{}}
		for k, v := range map[string]int{"values": wts.Values, "themes": wts.Themes, "background": wts.Background,
			"experience": wts.Experience, "diversity": wts.Diversity, "viewsPerSession": wts.ViewsPerSession} {
			f.Values.Set(k, strconv.Itoa(v))
		}
	}
	return s.render(w, r, a, status, "matching", "matching.title",
		matchingPage{Fields: []string{"values", "themes", "background", "experience", "diversity"}, Weights: wts, Stats: st, Form: f, Max: tsunagari.MaxMatchWeight, MaxView: tsunagari.MaxViewsPerSession})
}

func (s *Server) matching(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	return s.matchingPage(w, r, a, http.StatusOK, nil)
}

func (s *Server) saveMatching(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	v := r.PostForm
	wts := &tsunagari.MatchWeights{Values: atoiOr(v.Get("values"), -1), Themes: atoiOr(v.Get("themes"), -1),
		Background: atoiOr(v.Get("background"), -1), Experience: atoiOr(v.Get("experience"), -1),
		Diversity: atoiOr(v.Get("diversity"), -1), ViewsPerSession: atoiOr(v.Get("viewsPerSession"), -1)}
	if err := s.Shortlist.SaveWeights(r.Context(), a, wts); err != nil {
		f, status, err := s.formError(r, a, err)
		if err != nil {
			return err
		}
		return s.matchingPage(w, r, a, status, f)
	}
	return s.redirect(w, r, "/operator/matching", "flash.weights_saved")
}
