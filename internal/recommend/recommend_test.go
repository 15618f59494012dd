package recommend_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"

	"tsunagari"
	"tsunagari/internal/recommend"
)

// sig builds the signals of a community: kind, name, purpose, where it
// meets (a prefecture, "" for online only), and n members made by member.
func sig(kind tsunagari.CommunityKind, name, purpose, pref string, n int, member func(i int) tsunagari.MemberSignals) *tsunagari.CommunitySignals {
	c := &tsunagari.Community{ID: tsunagari.NewID(), Kind: kind, Name: name, Purpose: purpose, Prefecture: pref,
		Online: pref == "", JoinPolicy: tsunagari.JoinOpen, HoursPerMonth: 2, Tags: []string{}, Traits: []tsunagari.Trait{}}
	s := &tsunagari.CommunitySignals{Community: c, Ratings: make([]tsunagari.TraitScore, len(tsunagari.Traits))}
	for i, t := range tsunagari.Traits {
		s.Ratings[i].Trait = t
	}
	for i := range n {
		s.Members = append(s.Members, member(i))
	}
	return s
}

// office is a member profile of an office worker in Tokyo.
func office(int) tsunagari.MemberSignals {
	return tsunagari.MemberSignals{JobFamily: "sales", Industry: "services", AgeBand: "40s", Prefecture: "13", HomePrefecture: "13"}
}

func ids(recs []recommend.Recommendation) []string {
	var out []string
	for _, r := range recs {
		out = append(out, r.Community.Name)
	}
	return out
}

func reason(r recommend.Recommendation, code string) *recommend.Reason {
	for i := range r.Reasons {
		if r.Reasons[i].Code == code {
			return &r.Reasons[i]
		}
	}
	return nil
}

func index(sigs ...*tsunagari.CommunitySignals) *recommend.Index {
	x := recommend.NewIndex()
	for _, s := range sigs {
		x.Put(s)
	}
	return x
}

// directory is a small directory across the six kinds.
func directory() (all []*tsunagari.CommunitySignals, niigata, care *tsunagari.CommunitySignals) {
	niigata = sig(tsunagari.CommunityRegionalAlumni, "にいがた県人会 in 東京", "新潟にゆかりのある人が東京でつながり、地元との関わり方を考える", "13", 12,
		func(i int) tsunagari.MemberSignals {
			m := office(i)
			m.HomePrefecture = "15"
			return m
		})
	niigata.Community.HomePrefecture = "15"
	osaka := sig(tsunagari.CommunityRegionalAlumni, "大阪ゆかりの会", "大阪出身者の交流", "13", 20, func(i int) tsunagari.MemberSignals {
		m := office(i)
		m.HomePrefecture = "27"
		return m
	})
	osaka.Community.HomePrefecture = "27"
	care = sig(tsunagari.CommunityOccupational, "介護職の対話カフェ", "介護の現場で働く人が月に一度、悩みを話し合う", "13", 50, func(i int) tsunagari.MemberSignals {
		m := office(i)
		if i < 21 {
			m.JobFamily, m.Industry = "care", "healthcare_welfare"
		}
		return m
	})
	care.Community.JobFamily = "care"
	care.Community.Tags = []string{"介護", "ケア"}
	it := sig(tsunagari.CommunityOccupational, "IT勉強会", "エンジニアの学び直し", "", 40, func(i int) tsunagari.MemberSignals {
		m := office(i)
		m.JobFamily, m.Industry = "it", "it_telecom"
		return m
	})
	union := sig(tsunagari.CommunityUnion, "つながるユニオン", "キャリア相談と転職支援", "", 30, office)
	npo := sig(tsunagari.CommunityNPO, "プロボノ東京", "週5時間のプロボノで社会課題に取り組む", "13", 25, office)
	coop := sig(tsunagari.CommunityWorkerCoop, "まちの協同労働", "地域で一緒に働き、決める", "14", 8, office)
	alumni := sig(tsunagari.CommunityCorporateAlumni, "相和精機アルムナイ", "元社員のつながりと再雇用", "", 60, office)
	all = []*tsunagari.CommunitySignals{niigata, osaka, care, it, union, npo, coop, alumni}
	return all, niigata, care
}

func TestNiigataUTurn(t *testing.T) {
	all, niigata, _ := directory()
	x := index(all...)
	q := recommend.Query{Weights: tsunagari.DefaultRecommendWeights(), Member: recommend.Member{
		JobFamily: "public", Industry: "public_sector", AgeBand: "30s", Prefecture: "13", HomePrefecture: "15",
		Wish: "いつか新潟に帰って、地元の役に立ちたい", GivenUp: []string{"u_turn"}}}
	recs := x.Rank(q)
	if len(recs) == 0 || recs[0].Community.ID != niigata.Community.ID {
		t.Fatalf("Rank(Niigata-born in Tokyo who gave up a U-turn) = %v, want the Niigata 県人会 first", ids(recs))
	}
	r := reason(recs[0], recommend.ReasonHomeCommunity)
	if r == nil || r.Prefecture != "15" {
		t.Errorf("reasons of the 県人会 = %+v, want %s naming prefecture 15", recs[0].Reasons, recommend.ReasonHomeCommunity)
	}
	if w := reason(recs[0], recommend.ReasonWish); w != nil && !slices.Contains(w.Terms, "新潟") {
		t.Errorf("wish reason terms = %q, want 新潟 among them", w.Terms)
	}
	if last := recs[0].Reasons[len(recs[0].Reasons)-1]; last.Code != recommend.ReasonEffort || last.Hours != 2 {
		t.Errorf("last reason = %+v, want the effort: 2 hours a month", last)
	}
	for _, rec := range recs {
		if len(rec.Reasons) < 1 {
			t.Errorf("%s has no reason", rec.Community.Name)
		}
		if rec.Community.HomePrefecture == "27" && reason(rec, recommend.ReasonGivenUp) != nil {
			t.Errorf("the Osaka group is offered to her for her U-turn to Niigata: %+v", rec.Reasons)
		}
	}
}

func TestCareWorker(t *testing.T) {
	all, _, care := directory()
	x := index(all...)
	q := recommend.Query{Weights: tsunagari.DefaultRecommendWeights(), Member: recommend.Member{
		JobFamily: "care", Industry: "healthcare_welfare", AgeBand: "40s", Prefecture: "11", HomePrefecture: "11"}}
	recs := x.Rank(q)
	if len(recs) == 0 || recs[0].Community.ID != care.Community.ID {
		t.Fatalf("Rank(care worker) = %v, want the care café first", ids(recs))
	}
	if r := reason(recs[0], recommend.ReasonForJobFamily); r == nil || r.JobFamily != "care" {
		t.Errorf("reasons = %+v, want %s naming care", recs[0].Reasons, recommend.ReasonForJobFamily)
	}

	// Without the declaration, the café is found by its members: 21 of 50
	// are care workers.
	care.Community.JobFamily = ""
	x.Put(care)
	recs = x.Rank(q)
	if len(recs) == 0 || recs[0].Community.ID != care.Community.ID {
		t.Fatalf("Rank(care worker), undeclared = %v, want the care café first", ids(recs))
	}
	if r := reason(recs[0], recommend.ReasonJobShare); r == nil || r.Percent != 42 || r.JobFamily != "care" {
		t.Errorf("reasons = %+v, want %s with 42%%", recs[0].Reasons, recommend.ReasonJobShare)
	}
}

func TestSharesNeedAGroup(t *testing.T) {
	small := sig(tsunagari.CommunityOccupational, "小さな会", "介護", "13", recommend.MinGroup-1, func(int) tsunagari.MemberSignals {
		return tsunagari.MemberSignals{JobFamily: "care", HomePrefecture: "15", AgeBand: "30s", Prefecture: "13"}
	})
	big := sig(tsunagari.CommunityOccupational, "大きな会", "介護", "13", recommend.MinGroup, func(int) tsunagari.MemberSignals {
		return tsunagari.MemberSignals{JobFamily: "care", HomePrefecture: "15", AgeBand: "30s", Prefecture: "13"}
	})
	x := index(small, big)
	w := tsunagari.DefaultRecommendWeights()
	recs := x.Rank(recommend.Query{Weights: w, Member: recommend.Member{JobFamily: "care", HomePrefecture: "15", AgeBand: "30s", Prefecture: "13"}})
	if len(recs) != 2 {
		t.Fatalf("Rank = %v", ids(recs))
	}
	for _, r := range recs {
		hasPercent := slices.ContainsFunc(r.Reasons, func(r recommend.Reason) bool { return r.Percent > 0 })
		if want := r.Community.ID == big.Community.ID; hasPercent != want {
			t.Errorf("%s (%d members): reasons with a share = %v, want %v: %+v", r.Community.Name,
				len(map[bool][]tsunagari.MemberSignals{true: big.Members, false: small.Members}[r.Community.ID == big.Community.ID]), hasPercent, want, r.Reasons)
		}
	}
}

func TestFiltersMatchAdmits(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	var sigs []*tsunagari.CommunitySignals
	for i := range 300 {
		pref := fmt.Sprintf("%02d", 1+rng.IntN(47))
		if rng.IntN(4) == 0 {
			pref = ""
		}
		s := sig(tsunagari.CommunityKinds[rng.IntN(6)], fmt.Sprint("会", i), "目的", pref, rng.IntN(8), office)
		s.Community.Online = pref == "" || rng.IntN(2) == 0
		s.Community.MonthlyFee = []int{0, 500, 1000, 3000}[rng.IntN(4)]
		s.Community.HoursPerMonth = rng.IntN(12)
		sigs = append(sigs, s)
	}
	x := index(sigs...)
	fee, hours := 1000, 4
	filters := []tsunagari.RecommendPrefs{
		{}, {MaxFee: &fee}, {MaxHours: &hours}, {Online: true}, {Prefecture: "13"}, {Prefecture: "15", MaxFee: &fee, MaxHours: &hours},
		{Online: true, Prefecture: "27"},
	}
	for _, f := range filters {
		var want []string
		for _, s := range sigs {
			if f.Admits(s.Community) {
				want = append(want, s.Community.ID)
			}
		}
		recs := x.Rank(recommend.Query{Weights: tsunagari.DefaultRecommendWeights(), Filter: f, Limit: recommend.MaxLimit,
			Member: recommend.Member{Prefecture: "13"}})
		for _, r := range recs {
			if !f.Admits(r.Community) {
				t.Errorf("filter %+v let through %+v", f, r.Community)
			}
		}
		if len(recs) != min(len(want), recommend.MaxLimit) {
			t.Errorf("filter %+v: %d recommendations, want %d", f, len(recs), min(len(want), recommend.MaxLimit))
		}
	}
}

func TestOwnDismissedBookmarked(t *testing.T) {
	all, niigata, care := directory()
	x := index(all...)
	m := recommend.Member{Prefecture: "13", HomePrefecture: "15", JobFamily: "care", GivenUp: []string{"u_turn"},
		Exclude: []string{care.Community.ID}, Dismissed: []string{niigata.Community.ID}, Bookmarked: []string{all[3].Community.ID}}
	recs := x.Rank(recommend.Query{Weights: tsunagari.DefaultRecommendWeights(), Member: m, Limit: 20})
	if len(recs) != len(all)-1 {
		t.Fatalf("Rank = %v, want every community but the member's own", ids(recs))
	}
	for _, r := range recs {
		if r.Community.ID == care.Community.ID {
			t.Errorf("the member's own community was recommended")
		}
		if r.Bookmarked != (r.Community.ID == all[3].Community.ID) {
			t.Errorf("%s bookmarked = %v", r.Community.Name, r.Bookmarked)
		}
	}
	if last := recs[len(recs)-1]; last.Community.ID != niigata.Community.ID || !last.Dismissed {
		t.Errorf("last = %s (dismissed %v), want the dismissed 県人会, which otherwise comes first", last.Community.Name, last.Dismissed)
	}
	// The pool of working memory is left clean: the next member's
	// results do not carry these marks.
	again := x.Rank(recommend.Query{Weights: tsunagari.DefaultRecommendWeights(), Member: recommend.Member{Prefecture: "13", HomePrefecture: "15"}, Limit: 20})
	for _, r := range again {
		if r.Bookmarked || r.Dismissed {
			t.Errorf("another member's %s is marked: %+v", r.Community.Name, r)
		}
	}
	if len(again) != len(all) {
		t.Errorf("another member gets %d, want all %d", len(again), len(all))
	}
}

func TestVariety(t *testing.T) {
	var sigs []*tsunagari.CommunitySignals
	for i := range 12 {
		s := sig(tsunagari.CommunityOccupational, fmt.Sprint("営業勉強会", i), "営業の勉強会", "13", 30, office)
		s.Community.JobFamily = "sales"
		sigs = append(sigs, s)
	}
	// The other kinds have fewer salespeople in them.
	other := func(i int) tsunagari.MemberSignals {
		m := office(i)
		if i%2 == 0 {
			m.JobFamily = "care"
		}
		return m
	}
	for _, k := range []tsunagari.CommunityKind{tsunagari.CommunityNPO, tsunagari.CommunityUnion, tsunagari.CommunityWorkerCoop} {
		sigs = append(sigs, sig(k, string(k), "目的", "13", 30, other))
	}
	x := index(sigs...)
	me := recommend.Member{JobFamily: "sales", Industry: "services", AgeBand: "40s", Prefecture: "13"}
	kinds := func(recs []recommend.Recommendation) map[tsunagari.CommunityKind]int {
		m := map[tsunagari.CommunityKind]int{}
		for _, r := range recs {
			m[r.Community.Kind]++
		}
		return m
	}
	w := tsunagari.DefaultRecommendWeights()
	w.Variety = 0
	if k := kinds(x.Rank(recommend.Query{Weights: w, Member: me})); k[tsunagari.CommunityOccupational] != 10 {
		t.Errorf("without variety, kinds = %v, want ten study groups", k)
	}
	w.Variety = tsunagari.DefaultRecommendWeights().Variety
	recs := x.Rank(recommend.Query{Weights: w, Member: me})
	if k := kinds(recs); len(k) != 4 {
		t.Errorf("with variety %.2f, kinds = %v, want all four kinds", w.Variety, k)
	}
	if recs[0].Community.Kind != tsunagari.CommunityOccupational {
		t.Errorf("first = %s, want the best study group still first", recs[0].Community.Name)
	}
}

func TestValuesNeedAGroup(t *testing.T) {
	vals := func(expertise, contribution float64) []tsunagari.Score {
		var out []tsunagari.Score
		for _, d := range recommend.ValueDimensions {
			v := 50.0
			switch d {
			case "expertise":
				v = expertise
			case "contribution":
				v = contribution
			}
			out = append(out, tsunagari.Score{Dimension: d, Value: v})
		}
		return out
	}
	member := func(n int, e, c float64) func(int) tsunagari.MemberSignals {
		return func(i int) tsunagari.MemberSignals {
			m := tsunagari.MemberSignals{}
			if i < n {
				m.Values = vals(e, c)
			}
			return m
		}
	}
	alike := sig(tsunagari.CommunityNPO, "近い", "x", "13", 10, member(recommend.MinGroup, 90, 90))
	unlike := sig(tsunagari.CommunityNPO, "遠い", "x", "13", 10, member(recommend.MinGroup, 10, 10))
	few := sig(tsunagari.CommunityNPO, "少ない", "x", "13", 10, member(recommend.MinGroup-1, 90, 90))
	x := index(alike, unlike, few)
	w := tsunagari.RecommendWeights{Values: 1}
	recs := x.Rank(recommend.Query{Weights: w, Member: recommend.Member{Values: vals(85, 95)}})
	if recs[0].Community.ID != alike.Community.ID || reason(recs[0], recommend.ReasonValues) == nil {
		t.Fatalf("Rank by values = %v (%+v), want 近い first with a values reason", ids(recs), recs[0].Reasons)
	}
	for _, r := range recs[1:] {
		if r.Score > 0.1 || reason(r, recommend.ReasonValues) != nil {
			t.Errorf("%s scores %.2f on values (%+v), want none: too few diagnosed, or opposite", r.Community.Name, r.Score, r.Reasons)
		}
	}
}

// TestScoreIsTheWeightedSignals checks the single pass of Rank against a
// plain reading of the ranking rules, on a random directory.
func TestScoreIsTheWeightedSignals(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var sigs []*tsunagari.CommunitySignals
	purposes := []string{"介護の対話", "新潟の地元", "IT勉強会", "プロボノ", "転職相談", "子育てと仕事"}
	pick := func(list []string) string { return list[rng.IntN(len(list))] }
	prefs := []string{"13", "14", "15", "27", ""}
	for i := range 200 {
		s := sig(tsunagari.CommunityKinds[rng.IntN(6)], fmt.Sprint("会", i), pick(purposes), pick(prefs), rng.IntN(30),
			func(int) tsunagari.MemberSignals {
				return tsunagari.MemberSignals{JobFamily: pick([]string{"care", "it", "sales", ""}), Industry: pick([]string{"services", "it_telecom"}),
					AgeBand: pick([]string{"20s", "30s", "40s"}), Prefecture: pick(prefs), HomePrefecture: pick(prefs)}
			})
		if s.Community.Kind == tsunagari.CommunityRegionalAlumni {
			s.Community.HomePrefecture = pick(prefs[:4])
		}
		s.Community.JobFamily = pick([]string{"", "", "care"})
		s.Community.Traits = tsunagari.Traits[:rng.IntN(6)]
		for k := range s.Ratings {
			s.Ratings[k].Raters, s.Ratings[k].Mean = rng.IntN(5), float64(1+rng.IntN(5))
		}
		sigs = append(sigs, s)
	}
	x := index(sigs...)
	w := tsunagari.DefaultRecommendWeights()
	w.Variety = 0
	m := recommend.Member{JobFamily: "care", Industry: "services", AgeBand: "30s", Prefecture: "13", HomePrefecture: "15"}
	recs := x.Rank(recommend.Query{Weights: w, Member: m, Limit: recommend.MaxLimit})
	byID := map[string]*tsunagari.CommunitySignals{}
	for _, s := range sigs {
		byID[s.Community.ID] = s
	}
	for k, r := range recs {
		want := plainScore(byID[r.Community.ID], m, w)
		if math.Abs(r.Score-want) > 0.02 {
			t.Errorf("%s: Rank's score %.3f, the rules give %.3f", r.Community.Name, r.Score, want)
		}
		if k > 0 && r.Score > recs[k-1].Score+1e-6 {
			t.Errorf("%s (%.3f) ranks below %s (%.3f)", r.Community.Name, r.Score, recs[k-1].Community.Name, recs[k-1].Score)
		}
	}
}

// plainScore reads the ranking rules literally, without the wish and the
// values.
func plainScore(s *tsunagari.CommunitySignals, m recommend.Member, w tsunagari.RecommendWeights) float64 {
	c := s.Community
	n := float64(len(s.Members))
	share := func(get func(tsunagari.MemberSignals) string, v string) float64 {
		if v == "" {
			return 0
		}
		k := 0.0
		for _, mm := range s.Members {
			if get(mm) == v {
				k++
			}
		}
		return k / (n + 2)
	}
	job := share(func(x tsunagari.MemberSignals) string { return x.JobFamily }, m.JobFamily)
	if c.JobFamily == m.JobFamily {
		job = math.Max(job, 0.8)
	}
	ind := share(func(x tsunagari.MemberSignals) string { return x.Industry }, m.Industry)
	home := share(func(x tsunagari.MemberSignals) string { return x.HomePrefecture }, m.HomePrefecture)
	if c.HomePrefecture == m.HomePrefecture {
		home = 1
	}
	area := 0.0
	switch {
	case c.Prefecture == m.Prefecture:
		area = 1
	case c.Online:
		area = 0.5
	}
	rated, nr := 0.0, 0
	for _, r := range s.Ratings {
		if r.Raters >= tsunagari.MinTraitRaters {
			rated += (r.Mean - 1) / 4
			nr++
		}
	}
	if nr > 0 {
		rated /= float64(nr)
	}
	return w.JobFamily*job + w.Industry*ind +
		w.AgeBand*share(func(x tsunagari.MemberSignals) string { return x.AgeBand }, m.AgeBand) +
		w.Prefecture*share(func(x tsunagari.MemberSignals) string { return x.Prefecture }, m.Prefecture) +
		w.HomePrefecture*home + w.Area*area + w.DeclaredTraits*float64(len(c.Traits))/5 + w.RatedTraits*rated +
		0.05*math.Min(1, math.Log1p(n)/math.Log1p(1000))
}

func TestPutReplacesAndRemoves(t *testing.T) {
	a := sig(tsunagari.CommunityNPO, "森の会", "森林の保全", "13", 6, office)
	b := sig(tsunagari.CommunityNPO, "海の会", "海岸の清掃", "13", 6, office)
	x := index(a, b)
	// wish returns the communities the wish fits.
	wish := func(text string) []string {
		var out []string
		for _, r := range x.Rank(recommend.Query{Weights: tsunagari.RecommendWeights{Wish: 1}, Member: recommend.Member{Wish: text}}) {
			if reason(r, recommend.ReasonWish) != nil {
				out = append(out, r.Community.Name)
			}
		}
		return out
	}
	if got := wish("森林を守りたい"); !slices.Equal(got, []string{"森の会"}) {
		t.Fatalf("wish 森林 = %v, want 森の会", got)
	}
	// The forest group turns to rivers: its old words no longer find it.
	a.Community.Name, a.Community.Purpose = "川の会", "河川の保全"
	x.Put(a)
	if got := wish("森林を守りたい"); len(got) != 0 {
		t.Errorf("after the rename, wish 森林 still finds %v", got)
	}
	if got := wish("河川を守りたい"); !slices.Equal(got, []string{"川の会"}) {
		t.Errorf("wish 河川 = %v, want 川の会", got)
	}
	if x.Len() != 2 {
		t.Errorf("Len = %d after a replacement, want 2", x.Len())
	}
	now := a.Community.CreatedAt
	a.Community.HiddenAt = &now
	x.Put(a)
	x.Remove(b.Community.ID)
	x.Remove(tsunagari.NewID())
	if x.Len() != 0 || x.Has(a.Community.ID) {
		t.Errorf("after hiding one and removing the other, Len = %d", x.Len())
	}
	c := sig(tsunagari.CommunityUnion, "新しい組合", "河川", "13", 1, office)
	x.Put(c)
	if got := wish("河川"); !slices.Equal(got, []string{"新しい組合"}) {
		t.Errorf("a community in a reused slot: wish 河川 = %v", got)
	}
}

func TestWishTerms(t *testing.T) {
	all, _, care := directory()
	x := index(all...)
	recs := x.Rank(recommend.Query{Weights: tsunagari.RecommendWeights{Wish: 1}, Member: recommend.Member{
		Wish: "ケアの仕事の悩みを、同じ介護の仲間と話したい"}, Limit: 1})
	if len(recs) != 1 || recs[0].Community.ID != care.Community.ID {
		t.Fatalf("Rank by wish = %v, want the care café", ids(recs))
	}
	r := reason(recs[0], recommend.ReasonWish)
	if r == nil || !slices.Contains(r.Terms, "介護") || !slices.Contains(r.Terms, "ケア") {
		t.Errorf("wish reason = %+v, want the terms 介護 and ケア", r)
	}
	for _, term := range r.Terms {
		if strings.Trim(term, "ぁ-ゖー") == "" {
			t.Errorf("term %q is all hiragana", term)
		}
	}
}

// TestConcurrentUse ranks while communities change; run with -race.
func TestConcurrentUse(t *testing.T) {
	all, _, _ := directory()
	x := index(all...)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 200 {
				if g == 0 {
					s := all[i%len(all)]
					if i%7 == 0 {
						x.Remove(s.Community.ID)
					}
					x.Put(s)
					continue
				}
				x.Rank(recommend.Query{Weights: tsunagari.DefaultRecommendWeights(), Member: recommend.Member{
					Wish: "新潟 介護", HomePrefecture: "15", GivenUp: []string{"u_turn"}, Dismissed: []string{all[0].Community.ID}}})
			}
		})
	}
	wg.Wait()
	if x.Len() != len(all) {
		t.Errorf("Len = %d, want %d", x.Len(), len(all))
	}
}
