package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"tsunagari"
	"tsunagari/internal/community"
	"tsunagari/internal/event"
)

// Community pages: the directory with its search, a community's page with
// joining, leaving and rating, the organisers' pages, and the operator's
// moderation and import.

// communityVocab is what the community forms offer.
type communityVocab struct {
	Kinds        []tsunagari.CommunityKind
	Styles       []tsunagari.ActivityStyle
	Traits       []tsunagari.Trait
	Involvements []tsunagari.Involvement
	Prefectures  []tsunagari.Prefecture
	JobFamilies  []string
	Industries   []string
	Languages    []string
	Fees         []int
	Hours        []int
}

var cvocab = communityVocab{
	Kinds: tsunagari.CommunityKinds, Styles: tsunagari.ActivityStyles, Traits: tsunagari.Traits,
	Involvements: tsunagari.Involvements, Prefectures: tsunagari.Prefectures,
	JobFamilies: tsunagari.JobFamilies, Industries: tsunagari.Industries,
	Languages: []string{"ja", "en", "zh", "ko", "vi", "pt"},
	Fees:      []int{0, 1000, 3000, 5000},
	Hours:     []int{2, 5, 10, 20},
}

// searchFromQuery reads the directory's filters from a URL query. Values
// that cannot be read are passed on as they are, for the service to
// refuse.
func searchFromQuery(v url.Values) (tsunagari.CommunitySearch, error) {
	f := tsunagari.CommunitySearch{Query: v.Get("q"), Prefecture: v.Get("pref"), Online: v.Get("online") != ""}
	for _, k := range v["kind"] {
		if k != "" {
			f.Kinds = append(f.Kinds, tsunagari.CommunityKind(k))
		}
	}
	for _, t := range v["trait"] {
		if t != "" {
			f.Traits = append(f.Traits, tsunagari.Trait(t))
		}
	}
	num := func(field string) (*int, error) {
		raw := strings.TrimSpace(v.Get(field))
		if raw == "" {
			return nil, nil
		}
		n, err := strconv.Atoi(normalizeDigits(raw))
		if err != nil {
			return nil, tsunagari.Invalid(field, "community.filter_number")
		}
		return &n, nil
	}
	var err error
	if f.MaxFee, err = num("maxFee"); err != nil {
		return f, err
	}
	if f.MaxHours, err = num("maxHours"); err != nil {
		return f, err
	}
	if p, _ := strconv.Atoi(v.Get("page")); p > 1 {
		f.Offset = (p - 1) * community.PageSize
	}
	return f, nil
}

type communitiesPage struct {
	Results  *community.Results
	Values   url.Values
	Vocab    communityVocab
	MayStart bool
	Page     int
	Pages    int
	Prev     string
	Next     string
}

func (s *Server) communities(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	q := r.URL.Query()
	f, err := searchFromQuery(q)
	if err != nil {
		return err
	}
	res, err := s.Communities.Search(r.Context(), a, f)
	if err != nil {
		return err
	}
	p := communitiesPage{Results: res, Values: q, Vocab: cvocab, MayStart: community.MayCreate(a)}
	p.Page = res.Offset/community.PageSize + 1
	p.Pages = (res.Total + community.PageSize - 1) / community.PageSize
	link := func(page int) string {
		v := url.Values{}
		for k, vs := range q {
			if k != "page" {
				v[k] = vs
			}
		}
		v.Set("page", strconv.Itoa(page))
		return "/communities?" + v.Encode()
	}
	if p.Page > 1 {
		p.Prev = link(p.Page - 1)
	}
	if p.Page < p.Pages {
		p.Next = link(p.Page + 1)
	}
	return s.render(w, r, a, http.StatusOK, "communities", "communities.title", p)
}

type mineEntry struct {
	Community  *tsunagari.Community
	Membership *tsunagari.Membership
}

func (s *Server) myCommunities(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	list, ms, err := s.Communities.Mine(r.Context(), a)
	if err != nil {
		return err
	}
	var out []mineEntry
	for _, c := range list {
		out = append(out, mineEntry{Community: c, Membership: ms[c.ID]})
	}
	return s.render(w, r, a, http.StatusOK, "communities_mine", "communities.mine", out)
}

type communityPage struct {
	*community.View
	Vocab communityVocab
	Form  *form // the rating, hiding or membership form that failed, if any
	// Events are its next events, and Projects its pro-bono projects that
	// recruit; Probono says it may run such projects.
	Events   []event.Listing
	Projects []*tsunagari.ProbonoProject
	Probono  bool
}

func (s *Server) communityPage(w http.ResponseWriter, r *http.Request, a *tsunagari.Account, status int, f *form) error {
	v, err := s.Communities.Community(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	if f == nil {
		f = &form{Values: url.Values{}, Fields: map[string]string{}}
	}
	p := communityPage{View: v, Vocab: cvocab, Form: f, Probono: slices.Contains(tsunagari.ProbonoKinds, v.Community.Kind)}
	if p.Events, err = s.Events.List(r.Context(), a, event.ListFilter{CommunityID: v.Community.ID, Limit: 5}); err != nil {
		return err
	}
	if p.Probono {
		if p.Projects, err = s.Probono.List(r.Context(), a, v.Community.ID, ""); err != nil {
			return err
		}
		p.Projects = slices.DeleteFunc(p.Projects, func(x *tsunagari.ProbonoProject) bool { return x.Status != tsunagari.ProbonoRecruiting })
	}
	return s.renderPage(w, r, a, status, "community", page{Title: "communities.title", TitleText: v.Community.Name, Data: p})
}

func (s *Server) showCommunity(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	return s.communityPage(w, r, a, http.StatusOK, nil)
}

// communityAction runs a form post on a community page and goes back to
// the page with a notice, or shows the page again with the error.
func (s *Server) communityAction(w http.ResponseWriter, r *http.Request, a *tsunagari.Account, flash string,
	do func() error) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	if err := do(); err != nil {
		if tsunagari.ErrorCode(err) == tsunagari.CodeNotFound {
			return err
		}
		f, status, ferr := s.formError(r, a, err)
		if ferr != nil {
			return ferr
		}
		return s.communityPage(w, r, a, status, f)
	}
	return s.redirect(w, r, "/communities/"+r.PathValue("id"), flash)
}

func (s *Server) joinCommunity(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	return s.communityAction(w, r, a, "flash.community_joined", func() error {
		m, err := s.Communities.Join(r.Context(), a, r.PathValue("id"), tsunagari.Involvement(r.PostForm.Get("involvement")))
		if err == nil && m.Status == tsunagari.MembershipPending {
			s.setFlash(w, "flash.community_requested")
		}
		return err
	})
}

func (s *Server) leaveCommunity(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	if err := s.Communities.Leave(r.Context(), a, r.PathValue("id")); err != nil {
		if tsunagari.ErrorCode(err) != tsunagari.CodeConflict {
			return err
		}
		f, status, ferr := s.formError(r, a, err)
		if ferr != nil {
			return ferr
		}
		return s.communityPage(w, r, a, status, f)
	}
	// Back to where the person left from: the list of their communities
	// or the community's page (which a hidden community does not show).
	to := "/communities/mine"
	if r.PostForm.Get("from") == "page" {
		to = "/communities/" + r.PathValue("id")
	}
	return s.redirect(w, r, to, "flash.community_left")
}

func (s *Server) setInvolvement(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	return s.communityAction(w, r, a, "flash.involvement_changed", func() error {
		return s.Communities.SetInvolvement(r.Context(), a, r.PathValue("id"), tsunagari.Involvement(r.PostForm.Get("involvement")))
	})
}

func (s *Server) rateCommunity(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	return s.communityAction(w, r, a, "flash.community_rated", func() error {
		scores := map[tsunagari.Trait]int{}
		for _, t := range tsunagari.Traits {
			raw := strings.TrimSpace(r.PostForm.Get(string(t)))
			if raw == "" {
				continue
			}
			n, err := strconv.Atoi(normalizeDigits(raw))
			if err != nil {
				n = -1
			}
			scores[t] = n
		}
		return s.Communities.Rate(r.Context(), a, r.PathValue("id"), scores)
	})
}

func (s *Server) hideCommunity(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	return s.communityAction(w, r, a, "flash.community_hidden", func() error {
		return s.Communities.Hide(r.Context(), a, r.PathValue("id"), r.PostForm.Get("reason"))
	})
}

func (s *Server) showHiddenCommunity(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	return s.communityAction(w, r, a, "flash.community_shown", func() error {
		return s.Communities.Show(r.Context(), a, r.PathValue("id"))
	})
}

// The community form, for starting and editing one.

type communityFormPage struct {
	Community *tsunagari.Community // nil when starting one
	Form      *form
	Vocab     communityVocab
}

// communityFromForm reads the fields of the community form.
func communityFromForm(v url.Values) *tsunagari.Community {
	c := &tsunagari.Community{
		Kind: tsunagari.CommunityKind(v.Get("kind")), Name: v.Get("name"), Purpose: v.Get("purpose"),
		Description: v.Get("description"), Prefecture: v.Get("prefecture"), Online: v.Get("online") != "",
		HomePrefecture: v.Get("homePrefecture"), OrgID: strings.TrimSpace(v.Get("orgId")), JobFamily: v.Get("jobFamily"),
		Industry: v.Get("industry"), Languages: v["languages"], JoinPolicy: tsunagari.JoinPolicy(v.Get("joinPolicy")),
		Tags: strings.FieldsFunc(v.Get("tags"), func(r rune) bool { return r == ',' || r == '、' || r == '，' || r == '\n' }),
	}
	c.MonthlyFee = atoiOr(v.Get("monthlyFee"), 0)
	c.HoursPerMonth = atoiOr(v.Get("hoursPerMonth"), 0)
	for _, st := range v["styles"] {
		c.Styles = append(c.Styles, tsunagari.ActivityStyle(st))
	}
	for _, t := range v["traits"] {
		c.Traits = append(c.Traits, tsunagari.Trait(t))
	}
	return c
}

// communityValues fills the community form with c's fields.
func communityValues(c *tsunagari.Community) url.Values {
	v := url.Values{
		"kind": {string(c.Kind)}, "name": {c.Name}, "purpose": {c.Purpose}, "description": {c.Description},
		"prefecture": {c.Prefecture}, "homePrefecture": {c.HomePrefecture}, "orgId": {c.OrgID},
		"jobFamily": {c.JobFamily}, "industry": {c.Industry}, "monthlyFee": {strconv.Itoa(c.MonthlyFee)},
		"hoursPerMonth": {strconv.Itoa(c.HoursPerMonth)}, "joinPolicy": {string(c.JoinPolicy)},
		"tags": {strings.Join(c.Tags, ", ")}, "languages": c.Languages,
	}
	if c.Online {
		v.Set("online", "1")
	}
	for _, st := range c.Styles {
		v.Add("styles", string(st))
	}
	for _, t := range c.Traits {
		v.Add("traits", string(t))
	}
	return v
}

func (s *Server) newCommunityForm(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if !community.MayCreate(a) {
		return tsunagari.NewError(tsunagari.CodeNotFound, "error.not_found")
	}
	v := url.Values{"joinPolicy": {string(tsunagari.JoinOpen)}, "languages": {"ja"}, "monthlyFee": {"0"}, "hoursPerMonth": {"2"}}
	return s.render(w, r, a, http.StatusOK, "community_form", "communities.new",
		communityFormPage{Form: &form{Values: v, Fields: map[string]string{}}, Vocab: cvocab})
}

func (s *Server) createCommunity(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	c := communityFromForm(r.PostForm)
	if err := s.Communities.Create(r.Context(), a, c); err != nil {
		if tsunagari.ErrorCode(err) == tsunagari.CodeNotFound {
			return err
		}
		f, status, ferr := s.formError(r, a, err)
		if ferr != nil {
			return ferr
		}
		return s.render(w, r, a, status, "community_form", "communities.new", communityFormPage{Form: f, Vocab: cvocab})
	}
	return s.redirect(w, r, "/communities/"+c.ID, "flash.community_created")
}

func (s *Server) editCommunityForm(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	v, err := s.Communities.Community(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	if !v.Runs {
		return tsunagari.NewError(tsunagari.CodeNotFound, "community.not_found")
	}
	return s.render(w, r, a, http.StatusOK, "community_form", "communities.edit",
		communityFormPage{Community: v.Community, Form: &form{Values: communityValues(v.Community), Fields: map[string]string{}}, Vocab: cvocab})
}

func (s *Server) updateCommunity(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	c := communityFromForm(r.PostForm)
	c.ID = r.PathValue("id")
	if _, err := s.Communities.Update(r.Context(), a, c); err != nil {
		if tsunagari.ErrorCode(err) == tsunagari.CodeNotFound {
			return err
		}
		f, status, ferr := s.formError(r, a, err)
		if ferr != nil {
			return ferr
		}
		return s.render(w, r, a, status, "community_form", "communities.edit", communityFormPage{Community: c, Form: f, Vocab: cvocab})
	}
	return s.redirect(w, r, "/communities/"+c.ID, "flash.community_saved")
}

// Members, for organisers.

type membersPage struct {
	Community *tsunagari.Community
	Members   []*tsunagari.Membership
	Me        *tsunagari.Membership
	Pending   int
	Form      *form
}

func (s *Server) membersPage(w http.ResponseWriter, r *http.Request, a *tsunagari.Account, status int, f *form) error {
	c, list, me, err := s.Communities.Members(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	if f == nil {
		f = &form{Values: url.Values{}}
	}
	p := membersPage{Community: c, Members: list, Me: me, Form: f}
	for _, m := range list {
		if m.Status == tsunagari.MembershipPending {
			p.Pending++
		}
	}
	return s.renderPage(w, r, a, status, "community_members", page{Title: "members.title", TitleText: c.Name, Data: p})
}

func (s *Server) communityMembers(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	return s.membersPage(w, r, a, http.StatusOK, nil)
}

// memberAction runs an organiser's action on one member and goes back to
// the members page.
func (s *Server) memberAction(w http.ResponseWriter, r *http.Request, a *tsunagari.Account, flash string, do func(id, accountID string) error) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id := r.PathValue("id")
	if err := do(id, r.PathValue("account")); err != nil {
		if tsunagari.ErrorCode(err) == tsunagari.CodeNotFound {
			return err
		}
		f, status, ferr := s.formError(r, a, err)
		if ferr != nil {
			return ferr
		}
		return s.membersPage(w, r, a, status, f)
	}
	return s.redirect(w, r, "/communities/"+id+"/members", flash)
}

func (s *Server) approveMember(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	return s.memberAction(w, r, a, "flash.member_approved", func(id, accountID string) error {
		return s.Communities.Approve(r.Context(), a, id, accountID)
	})
}

func (s *Server) removeMember(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	return s.memberAction(w, r, a, "flash.member_removed", func(id, accountID string) error {
		return s.Communities.Remove(r.Context(), a, id, accountID)
	})
}

func (s *Server) setMemberRole(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	return s.memberAction(w, r, a, "flash.member_role_changed", func(id, accountID string) error {
		return s.Communities.SetRole(r.Context(), a, id, accountID, tsunagari.CommunityRole(r.PostForm.Get("role")))
	})
}

// Operators: importing a directory.

type importPage struct {
	Form     *form
	Imported int
}

func (s *Server) operatorCommunities(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if a == nil || !a.Has(tsunagari.RoleOperator) {
		return tsunagari.NewError(tsunagari.CodeNotFound, "error.not_found")
	}
	return s.render(w, r, a, http.StatusOK, "communities_import", "communities.import", importPage{Form: &form{Values: url.Values{}}})
}

// importCommunities imports an uploaded JSONL file as a whole: every bad
// line is listed with its number and nothing is stored until all are good.
func (s *Server) importCommunities(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxUploadBytes)
	data, err := readUpload(r, "file", maxUploadBytes)
	if err == nil {
		var n int
		if n, err = s.Communities.Import(r.Context(), a, strings.NewReader(string(data))); err == nil {
			return s.render(w, r, a, http.StatusCreated, "communities_import", "communities.import",
				importPage{Form: &form{Values: url.Values{}}, Imported: n})
		}
	}
	if tsunagari.ErrorCode(err) == tsunagari.CodeNotFound {
		return err
	}
	f, status, ferr := s.formError(r, a, err)
	if ferr != nil {
		return ferr
	}
	return s.render(w, r, a, status, "communities_import", "communities.import", importPage{Form: f})
}

// Template helpers.

func init() {
	funcs["kindKey"] = func(k tsunagari.CommunityKind) string { return "community.kind." + string(k) }
	funcs["traitKey"] = func(t tsunagari.Trait) string { return "community.trait." + string(t) }
	funcs["styleKey"] = func(st tsunagari.ActivityStyle) string { return "community.style." + string(st) }
	funcs["involvementKey"] = func(v tsunagari.Involvement) string { return "community.involvement." + string(v) }
	funcs["communityRoleKey"] = func(r tsunagari.CommunityRole) string { return "community.role." + string(r) }
	funcs["langKey"] = func(l string) string { return "language." + l }
	funcs["mean"] = func(v float64) string { return fmt.Sprintf("%.1f", v) }
	funcs["intStr"] = strconv.Itoa
	funcs["meter"] = func(v float64) string { return fmt.Sprintf("meter-%d", int(v*2+0.5)) }
	funcs["args"] = func(p page, c *tsunagari.Community) factsArgs { return factsArgs{P: p, C: c} }
}

// factsArgs carries a page and one community into the template that
// writes the community's facts.
type factsArgs struct {
	P page
	C *tsunagari.Community
}
