package web

import (
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"tsunagari"
	"tsunagari/internal/i18n"
	"tsunagari/internal/recommend"
	"tsunagari/internal/recommender"
)

// Community recommendations: the member's page, the wish on the settings
// page, bookmarks and dismissals, and the operator's weights.

// recommendView is one recommendation as the page shows it.
type recommendView struct {
	Community  *tsunagari.Community
	Reasons    []string
	Bookmarked bool
	Dismissed  bool
	NextTrial  *recommender.TrialEvent
}

type recommendPage struct {
	Items   []recommendView
	Result  *recommender.Result
	Form    *form // the wish and filters
	Marks   []recommender.Marked
	Vocab   vocabulary
	Fees    []int
	Hours   []int
	Missing []string
}

// Choices of the filter form.
var (
	feeChoices  = []int{0, 1000, 3000, 5000, 10000}
	hourChoices = []int{2, 4, 8, 16}
)

// reasonText words a reason in the printer's language.
func reasonText(p i18n.Printer, r recommend.Reason) string {
	pref := func(code string) string {
		pr := tsunagari.PrefectureByCode(code)
		switch {
		case pr == nil:
			return code
		case p.Lang == "en":
			return pr.En
		}
		return pr.Name
	}
	key := "recommend.reason." + r.Code
	switch r.Code {
	case recommend.ReasonHomeCommunity, recommend.ReasonMeetsNearby:
		return p.T(key, pref(r.Prefecture))
	case recommend.ReasonHomeShare, recommend.ReasonPrefShare:
		return p.T(key, pref(r.Prefecture), r.Percent)
	case recommend.ReasonForJobFamily:
		return p.T(key, p.T("job_family."+r.JobFamily))
	case recommend.ReasonJobShare:
		return p.T(key, p.T("job_family."+r.JobFamily), r.Percent)
	case recommend.ReasonForIndustry:
		return p.T(key, p.T("industry."+r.Industry))
	case recommend.ReasonIndustryShare:
		return p.T(key, p.T("industry."+r.Industry), r.Percent)
	case recommend.ReasonAgeShare:
		return p.T(key, p.T("age_band."+r.AgeBand), r.Percent)
	case recommend.ReasonWish:
		if len(r.Terms) == 0 {
			return p.T("recommend.reason.wish_general")
		}
		return p.T(key, strings.Join(r.Terms, p.T("list.sep")))
	case recommend.ReasonGivenUp:
		return p.T(key, p.T(givenUpKey(r.GivenUp)))
	case recommend.ReasonRatedTrait:
		return p.T(key, p.T(traitKey(r.Trait)), r.Mean, r.Raters)
	case recommend.ReasonDeclaredTraits:
		labels := make([]string, len(r.Traits))
		for i, t := range r.Traits {
			labels[i] = p.T(traitKey(t))
		}
		return p.T(key, strings.Join(labels, p.T("list.sep")))
	case recommend.ReasonEffort:
		return p.T(key, effortHours(p, r.Hours), effortFee(p, r.Fee))
	}
	return p.T(key)
}

// traitKey and givenUpKey name the labels of a trait and of a given-up
// challenge as reasons word them.
func traitKey(t tsunagari.Trait) string { return "community.trait." + string(t) }
func givenUpKey(g string) string        { return "recommend.given_up." + g }

func effortHours(p i18n.Printer, hours int) string {
	if hours == 0 {
		return p.T("recommend.effort.any_time")
	}
	return p.T("recommend.effort.hours", hours)
}

func effortFee(p i18n.Printer, fee int) string {
	if fee == 0 {
		return p.T("recommend.effort.free")
	}
	return p.T("recommend.effort.fee", p.Number(fee))
}

// prefsValues fills the preferences form from saved preferences.
func prefsValues(p *tsunagari.RecommendPrefs) url.Values {
	v := url.Values{"wish": {p.Wish}, "prefecture": {p.Prefecture}}
	if p.MaxFee != nil {
		v.Set("maxFee", strconv.Itoa(*p.MaxFee))
	}
	if p.MaxHours != nil {
		v.Set("maxHours", strconv.Itoa(*p.MaxHours))
	}
	if p.Online {
		v.Set("online", "1")
	}
	return v
}

func (s *Server) recommendations(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	return s.recommendPage(w, r, a, http.StatusOK, nil)
}

func (s *Server) recommendPage(w http.ResponseWriter, r *http.Request, a *tsunagari.Account, status int, f *form) error {
	res, err := s.Recommend.Recommend(r.Context(), a, recommender.Options{})
	if err != nil {
		return err
	}
	marks, err := s.Recommend.Marks(r.Context(), a)
	if err != nil {
		return err
	}
	if f == nil {
		f = &form{Values: prefsValues(res.Prefs)}
	}
	p := s.printer(r, a)
	page := recommendPage{Result: res, Form: f, Marks: marks, Vocab: vocab, Fees: feeChoices, Hours: hourChoices,
		Missing: res.Missing}
	for _, it := range res.Items {
		v := recommendView{Community: it.Community, Bookmarked: it.Bookmarked, Dismissed: it.Dismissed, NextTrial: it.NextTrial}
		for _, reason := range it.Reasons {
			v.Reasons = append(v.Reasons, reasonText(p, reason))
		}
		page.Items = append(page.Items, v)
	}
	return s.render(w, r, a, status, "recommendations", "recommend.title", page)
}

// prefsUpdate reads the preferences form. The wish is read if present;
// the filters only from the recommendations page, which says so with
// "filters".
func prefsUpdate(v url.Values) tsunagari.RecommendPrefsUpdate {
	var upd tsunagari.RecommendPrefsUpdate
	if _, ok := v["wish"]; ok {
		wish := v.Get("wish")
		upd.Wish = &wish
	}
	if v.Get("filters") == "" {
		return upd
	}
	number := func(field string, set **int, clear *bool) {
		if s := strings.TrimSpace(v.Get(field)); s == "" {
			*clear = true
		} else {
			n := atoiOr(s, -1)
			*set = &n
		}
	}
	number("maxFee", &upd.MaxFee, &upd.ClearMaxFee)
	number("maxHours", &upd.MaxHours, &upd.ClearMaxHours)
	online := v.Get("online") != ""
	pref := strings.TrimSpace(v.Get("prefecture"))
	upd.Online, upd.Prefecture = &online, &pref
	return upd
}

func (s *Server) savePreferences(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	fromSettings := r.PostForm.Get("from") == "settings"
	if _, err := s.Recommend.SavePreferences(r.Context(), a, prefsUpdate(r.PostForm)); err != nil {
		f, status, err := s.formError(r, a, err)
		if err != nil {
			return err
		}
		if fromSettings {
			return s.settings(w, r, a, status, settingsPage{Wish: f})
		}
		return s.recommendPage(w, r, a, status, f)
	}
	if fromSettings {
		return s.redirect(w, r, "/settings", "flash.wish_saved")
	}
	return s.redirect(w, r, "/recommendations", "flash.recommend_prefs_saved")
}

func (s *Server) markCommunity(mark tsunagari.Mark, flash string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
		if _, err := s.Recommend.Mark(r.Context(), a, r.PathValue("id"), mark); err != nil {
			return err
		}
		return s.redirect(w, r, "/recommendations", flash)
	}
}

func (s *Server) unmarkCommunity(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := s.Recommend.Unmark(r.Context(), a, r.PathValue("id")); err != nil {
		return err
	}
	return s.redirect(w, r, "/recommendations", "flash.unmarked")
}

// weightsPage is the operator's form of the weights.
type weightsPage struct {
	Form     *form
	Fields   []string
	Defaults map[string]string
	Weights  *tsunagari.RecommendWeights
}

func formatWeight(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func weightValues(w *tsunagari.RecommendWeights) url.Values {
	v := url.Values{"variety": {formatWeight(w.Variety)}}
	for _, f := range w.Fields() {
		v.Set(f.Name, formatWeight(*f.Value))
	}
	return v
}

func (s *Server) weightsPage(w http.ResponseWriter, r *http.Request, a *tsunagari.Account, status int, f *form) error {
	cur, err := s.Recommend.Weights(r.Context(), a)
	if err != nil {
		return err
	}
	if f == nil {
		f = &form{Values: weightValues(cur)}
	}
	d := tsunagari.DefaultRecommendWeights()
	page := weightsPage{Form: f, Weights: cur, Defaults: map[string]string{"variety": formatWeight(d.Variety)}}
	for _, fld := range d.Fields() {
		page.Fields = append(page.Fields, fld.Name)
		page.Defaults[fld.Name] = formatWeight(*fld.Value)
	}
	return s.render(w, r, a, status, "recommend_weights", "recommend.weights.title", page)
}

func (s *Server) recommendWeights(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	return s.weightsPage(w, r, a, http.StatusOK, nil)
}

// parseWeight reads a weight typed in a form; NaN if it is not a number,
// which validation refuses.
func parseWeight(s string) float64 {
	v, err := strconv.ParseFloat(normalizeDigits(strings.TrimSpace(s)), 64)
	if err != nil {
		return math.NaN()
	}
	return v
}

func (s *Server) saveRecommendWeights(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	var nw tsunagari.RecommendWeights
	for _, f := range nw.Fields() {
		*f.Value = parseWeight(r.PostForm.Get(f.Name))
	}
	nw.Variety = parseWeight(r.PostForm.Get("variety"))
	if err := s.Recommend.SaveWeights(r.Context(), a, &nw); err != nil {
		f, status, err := s.formError(r, a, err)
		if err != nil {
			return err
		}
		return s.weightsPage(w, r, a, status, f)
	}
	return s.redirect(w, r, "/operator/recommendations", "flash.weights_saved")
}
