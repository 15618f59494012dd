package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"tsunagari"
	"tsunagari/internal/i18n"
	"tsunagari/internal/recommend"
	"tsunagari/internal/survey"
	"tsunagari/internal/web"
)

// listCommunity creates a community, open to join, meeting in Tokyo and
// online, and waits until the recommender has it.
func (e *testEnv) listCommunity(kind tsunagari.CommunityKind, name, purpose string, edit func(c *tsunagari.Community)) *tsunagari.Community {
	e.t.Helper()
	c := &tsunagari.Community{Kind: kind, Name: name, Purpose: purpose, Tags: []string{}, Prefecture: "13", Online: true,
		Styles: []tsunagari.ActivityStyle{tsunagari.StyleEvents}, Languages: []string{"ja"}, JoinPolicy: tsunagari.JoinOpen,
		HoursPerMonth: 2, Traits: []tsunagari.Trait{}}
	if edit != nil {
		edit(c)
	}
	if err := e.stores.Communities.CreateCommunity(context.Background(), c); err != nil {
		e.t.Fatal(err)
	}
	e.awaitIndexed(c.ID, true)
	return c
}

// awaitIndexed waits up to two seconds until the recommender has, or no
// longer has, the community.
func (e *testEnv) awaitIndexed(id string, want bool) {
	e.t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for e.recommend.Indexed(id) != want {
		if time.Now().After(deadline) {
			e.t.Fatalf("community %s indexed = %v after 2s, want %v", id, !want, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// joinAs makes a an active member of c.
func (e *testEnv) joinAs(c *tsunagari.Community, a *tsunagari.Account) {
	e.t.Helper()
	if err := e.stores.Communities.CreateMembership(context.Background(), &tsunagari.Membership{CommunityID: c.ID, AccountID: a.ID,
		Involvement: tsunagari.InvolvementRegular, Role: tsunagari.CommunityMember, Status: tsunagari.MembershipActive}); err != nil {
		e.t.Fatal(err)
	}
}

// profile sets an account's job family, prefecture and home prefecture.
func (e *testEnv) profile(a *tsunagari.Account, job, lives, home string) *tsunagari.Account {
	e.t.Helper()
	acc, err := e.stores.Accounts.UpdateAccount(context.Background(), a.ID,
		tsunagari.AccountUpdate{JobFamily: &job, Prefecture: &lives, HomePrefecture: &home})
	if err != nil {
		e.t.Fatal(err)
	}
	*a = *acc
	return a
}

func TestRecommendationsPage(t *testing.T) {
	onBoth(t, func(t *testing.T, open func(testing.TB) backend) {
		e := newTestEnvOn(t, open(t))
		niigata := e.listCommunity(tsunagari.CommunityRegionalAlumni, "にいがた県人会 in 東京", "新潟にゆかりのある人が東京でつながる",
			func(c *tsunagari.Community) { c.HomePrefecture = "15" })
		care := e.listCommunity(tsunagari.CommunityOccupational, "介護職の対話カフェ", "介護の現場で働く人が悩みを話し合う",
			func(c *tsunagari.Community) { c.JobFamily = "care"; c.Tags = []string{"介護"} })
		union := e.listCommunity(tsunagari.CommunityUnion, "つながるユニオン", "キャリア相談と転職支援", nil)
		hanako := e.profile(e.account("hanako@example.jp", ""), "public", "13", "15")
		c := e.signIn(hanako.Email)

		res := e.get(c, "/recommendations")
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET /recommendations = %d: %.300s", res.StatusCode, res.body)
		}
		first := strings.Index(res.body, `id="rec-`+niigata.ID+`"`)
		if first < 0 || strings.Index(res.body, `id="rec-`) != first {
			t.Errorf("the 県人会 is not first on the page")
		}
		for _, want := range []string{"新潟県出身の方のコミュニティ", "月2時間から・会費無料", "介護職の対話カフェ"} {
			if !strings.Contains(res.body, want) {
				t.Errorf("page lacks %q", want)
			}
		}

		// Her wish, saved from the settings page, brings the union forward
		// with the words it shares.
		before := e.fingerprint()
		res = e.post(c, "/recommendations/preferences", url.Values{"from": {"settings"}, "wish": {strings.Repeat("長", tsunagari.MaxWishLen+1)}})
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.body, "やりたいことは400文字以内") {
			t.Errorf("too long a wish: %d %.300s", res.StatusCode, res.body)
		}
		res = e.post(c, "/recommendations/preferences", url.Values{"filters": {"1"}, "wish": {"x"}, "prefecture": {"48"}})
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.body, `id="prefs-form"`) {
			t.Errorf("unknown prefecture: %d", res.StatusCode)
		}
		res = e.post(c, "/recommendations/"+tsunagari.NewID()+"/bookmark", nil)
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("bookmark of no community: %d", res.StatusCode)
		}
		if e.fingerprint() != before {
			t.Error("refused input changed the database")
		}
		res = e.post(c, "/recommendations/preferences", url.Values{"from": {"settings"}, "wish": {"転職の相談ができる仲間がほしい"}})
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/settings" {
			t.Fatalf("saving the wish: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		if res := e.get(c, "/settings"); !strings.Contains(res.body, "転職の相談ができる仲間がほしい</textarea>") {
			t.Errorf("the settings page does not show the wish")
		}
		res = e.get(c, "/recommendations")
		if !strings.Contains(res.body, "あなたの「やりたいこと」と重なる言葉: 転職、相談") && !strings.Contains(res.body, "あなたの「やりたいこと」と重なる言葉: 相談、転職") {
			t.Errorf("the union's reasons do not name the shared words: %s", card(res.body, union.ID))
		}

		// Filters from the page: one hour a month leaves nothing.
		res = e.post(c, "/recommendations/preferences", url.Values{"filters": {"1"}, "wish": {"転職"}, "maxHours": {"1"}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("saving filters: %d %.300s", res.StatusCode, res.body)
		}
		if res := e.get(c, "/recommendations"); !strings.Contains(res.body, `id="no-recommendations"`) {
			t.Errorf("with at most one hour a month, recommendations remain")
		}
		e.post(c, "/recommendations/preferences", url.Values{"filters": {"1"}, "wish": {"転職"}})

		// Bookmark the café; dismiss the 県人会, which sinks to the end.
		if res := e.post(c, "/recommendations/"+care.ID+"/bookmark", nil); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("bookmark: %d", res.StatusCode)
		}
		if res := e.post(c, "/recommendations/"+niigata.ID+"/dismiss", nil); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("dismiss: %d", res.StatusCode)
		}
		res = e.get(c, "/recommendations")
		if strings.LastIndex(res.body, `id="rec-`) != strings.Index(res.body, `id="rec-`+niigata.ID+`"`) {
			t.Errorf("the dismissed 県人会 is not last")
		}
		if !strings.Contains(between(res.body, `id="marks"`, "</section>"), "介護職の対話カフェ") {
			t.Errorf("the bookmarked café is not among the marks")
		}
		if res := e.post(c, "/recommendations/"+niigata.ID+"/unmark", nil); res.StatusCode != http.StatusSeeOther {
			t.Errorf("unmark: %d", res.StatusCode)
		}
		if res := e.post(c, "/recommendations/"+niigata.ID+"/unmark", nil); res.StatusCode != http.StatusNotFound {
			t.Errorf("unmark twice: %d", res.StatusCode)
		}

		// The 県人会's next event that welcomes visitors is shown with it.
		start := time.Now().Add(72 * time.Hour).Truncate(time.Minute)
		ev := &tsunagari.Event{CommunityID: niigata.ID, Title: "にいがた交流会（見学歓迎）", StartsAt: start, EndsAt: start.Add(2 * time.Hour),
			Online: true, Capacity: 20, TrialWelcome: true, CreatedAt: time.Now()}
		if err := e.stores.Events.CreateEvent(context.Background(), ev); err != nil {
			t.Fatal(err)
		}
		closed := &tsunagari.Event{CommunityID: care.ID, Title: "見学のない例会", StartsAt: start, EndsAt: start.Add(time.Hour),
			Online: true, CreatedAt: time.Now()}
		if err := e.stores.Events.CreateEvent(context.Background(), closed); err != nil {
			t.Fatal(err)
		}
		res = e.get(c, "/recommendations")
		if c := card(res.body, niigata.ID); !strings.Contains(c, `href="/events/`+ev.ID+`"`) || !strings.Contains(c, "にいがた交流会（見学歓迎）") {
			t.Errorf("the 県人会's card does not show its trial event: %s", c)
		}
		if c := card(res.body, care.ID); strings.Contains(c, "見学のない例会") || c == "" {
			t.Errorf("an event that does not welcome visitors is offered as a trial: %s", c)
		}

		// In English.
		e.post(c, "/lang", url.Values{"lang": {"en"}, "next": {"/recommendations"}})
		res = e.get(c, "/recommendations")
		if !strings.Contains(res.body, "A community for people from Niigata") {
			t.Errorf("English page lacks the home reason: %s", card(res.body, niigata.ID))
		}
	})
}

// card returns the card of a community on the recommendations page.
func card(page, id string) string {
	c := between(page, `id="rec-`+id+`"`, "</ol>")
	if i := strings.Index(c, `<li class="recommendation`); i >= 0 {
		c = c[:i]
	}
	return c
}

// between returns the part of s from the first from to the next to.
func between(s, from, to string) string {
	i := strings.Index(s, from)
	if i < 0 {
		return ""
	}
	j := strings.Index(s[i:], to)
	if j < 0 {
		return s[i:]
	}
	return s[i : i+j]
}

func TestRecommendationsFreshOnJoin(t *testing.T) {
	e := newTestEnv(t)
	cafe := e.listCommunity(tsunagari.CommunityOccupational, "対話カフェ", "働く人の対話", nil)
	me := e.profile(e.account("me@example.jp", ""), "care", "11", "11")
	c := e.signIn(me.Email)
	for i := range 5 {
		e.joinAs(cafe, e.profile(e.account(string(rune('a'+i))+"@example.jp", ""), "care", "13", "13"))
	}
	deadline := time.Now().Add(2 * time.Second)
	for {
		res := e.get(c, "/recommendations")
		if strings.Contains(res.body, "同じ職種（介護・福祉）の参加者が100%") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("five care workers joined, but the page does not say so within 2s: %s", between(res.body, `id="rec-`, "</li>"))
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Once the member joins, it leaves their list.
	e.joinAs(cafe, me)
	if res := e.get(c, "/recommendations"); strings.Contains(res.body, `id="rec-`+cafe.ID) {
		t.Errorf("a member's own community is recommended to them")
	}
}

func TestRecommendWeightsPage(t *testing.T) {
	e := newTestEnv(t)
	e.enrol(e.account("op@example.jp", "", tsunagari.RoleOperator))
	op := e.signIn("op@example.jp")
	member := e.signIn(e.account("m@example.jp", "").Email)
	if res := e.get(member, "/operator/recommendations"); res.StatusCode != http.StatusNotFound {
		t.Errorf("member GET /operator/recommendations = %d, want 404", res.StatusCode)
	}
	res := e.get(op, "/operator/recommendations")
	if res.StatusCode != http.StatusOK || !strings.Contains(res.body, `name="homePrefecture" inputmode="decimal" value="3"`) {
		t.Fatalf("weights page: %d %s", res.StatusCode, between(res.body, `id="weights-form"`, "</form>"))
	}
	form := url.Values{}
	d := tsunagari.DefaultRecommendWeights()
	for _, f := range d.Fields() {
		form.Set(f.Name, "1")
	}
	form.Set("variety", "0.5")
	before := e.fingerprint()
	bad := url.Values{}
	for k, v := range form {
		bad[k] = v
	}
	bad.Set("wish", "たくさん")
	if res := e.post(op, "/operator/recommendations", bad); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.body, "重みは0から10までの数") {
		t.Errorf("a weight that is not a number: %d", res.StatusCode)
	}
	bad.Set("wish", "1")
	bad.Set("variety", "1")
	if res := e.post(op, "/operator/recommendations", bad); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("variety 1: %d", res.StatusCode)
	}
	if res := e.post(member, "/operator/recommendations", form); res.StatusCode != http.StatusNotFound {
		t.Errorf("member POST /operator/recommendations = %d, want 404", res.StatusCode)
	}
	if e.fingerprint() != before {
		t.Error("refused weights changed the database")
	}
	form.Set("jobFamily", "２．５") // full-width, as typed on a Japanese keyboard
	if res := e.post(op, "/operator/recommendations", form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("saving weights: %d %.300s", res.StatusCode, res.body)
	}
	if res := e.get(op, "/operator/recommendations"); !strings.Contains(res.body, `name="jobFamily" inputmode="decimal" value="2.5"`) {
		t.Errorf("saved weights not shown")
	}
}

// TestReasonWording words every reason in both languages with the keys
// it builds at run time, which the catalogue test cannot see.
func TestReasonWording(t *testing.T) {
	c, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, code := range recommend.ReasonCodes {
		keys = append(keys, "recommend.reason."+code)
	}
	keys = append(keys, "recommend.reason.wish_general", "flash.bookmarked", "flash.dismissed", "flash.unmarked")
	for _, g := range survey.GivenUp {
		keys = append(keys, "recommend.given_up."+g)
	}
	for _, tr := range tsunagari.Traits {
		keys = append(keys, "community.trait."+string(tr))
	}
	for _, k := range tsunagari.CommunityKinds {
		keys = append(keys, "community.kind."+string(k))
	}
	d := tsunagari.DefaultRecommendWeights()
	for _, f := range d.Fields() {
		keys = append(keys, "recommend.weight."+f.Name, "recommend.weight."+f.Name+".hint")
	}
	for _, m := range []tsunagari.Mark{tsunagari.MarkBookmark, tsunagari.MarkDismiss} {
		keys = append(keys, "recommend.mark."+string(m))
	}
	for _, lang := range i18n.Languages {
		p := c.Printer(lang)
		for _, k := range keys {
			if !p.Has(k) {
				t.Errorf("%s.json lacks %s", lang, k)
			}
		}
	}
	ja := c.Printer("ja")
	for _, tt := range []struct {
		r    recommend.Reason
		want string
	}{
		{recommend.Reason{Code: recommend.ReasonJobShare, JobFamily: "care", Percent: 42}, "同じ職種（介護・福祉）の参加者が42%"},
		{recommend.Reason{Code: recommend.ReasonHomeCommunity, Prefecture: "15"}, "新潟県出身の方のコミュニティ"},
		{recommend.Reason{Code: recommend.ReasonEffort, Hours: 2}, "月2時間から・会費無料"},
		{recommend.Reason{Code: recommend.ReasonEffort, Fee: 1000}, "関わる時間は自由・月額1,000円"},
		{recommend.Reason{Code: recommend.ReasonGivenUp, GivenUp: "u_turn"}, "「Uターン」を考えているあなたに"},
		{recommend.Reason{Code: recommend.ReasonRatedTrait, Trait: tsunagari.TraitNewcomerSupport, Mean: 4.5, Raters: 8}, "参加者の評価「新規メンバー支援」4.5／5（8人）"},
		{recommend.Reason{Code: recommend.ReasonWish, Terms: []string{"新潟", "地元"}}, "あなたの「やりたいこと」と重なる言葉: 新潟、地元"},
	} {
		if got := web.ReasonText(ja, tt.r); got != tt.want {
			t.Errorf("reason %+v = %q, want %q", tt.r, got, tt.want)
		}
	}
}

// recommendScenario drives the recommendation operations through the
// validator, as part of TestOpenAPIResponsesMatch: member and op are
// signed in, anon is not.
func recommendScenario(t *testing.T, e *testEnv, v *apiValidator, anon, member, op *http.Client) {
	t.Helper()
	niigata := e.listCommunity(tsunagari.CommunityRegionalAlumni, "にいがた県人会 in 東京", "新潟にゆかりのある人が東京でつながる",
		func(c *tsunagari.Community) { c.HomePrefecture = "15"; c.Tags = []string{"Uターン"} })
	e.listCommunity(tsunagari.CommunityOccupational, "介護職の対話カフェ", "介護の現場で働く人が悩みを話し合う",
		func(c *tsunagari.Community) { c.JobFamily, c.MonthlyFee, c.Prefecture = "care", 500, "" })
	v.call(anon, "recommendCommunities", "GET", "/api/v1/recommendations", "", 401)
	recs := decode[struct {
		Recommendations []struct {
			Community struct{ ID string }
			Reasons   []struct{ Code, Text string }
		}
	}](t, v.call(member, "recommendCommunities", "GET", "/api/v1/recommendations", "", 200))
	if len(recs.Recommendations) < 2 || len(recs.Recommendations[0].Reasons) == 0 {
		t.Errorf("recommendCommunities = %+v, want communities with reasons", recs)
	}
	v.call(member, "recommendCommunities", "GET", "/api/v1/recommendations?limit=1&maxFee=0&maxHours=4&online=true&prefecture=13", "", 200)
	v.call(member, "recommendCommunities", "GET", "/api/v1/recommendations?limit=0", "", 422)
	v.call(member, "recommendCommunities", "GET", "/api/v1/recommendations?prefecture=48", "", 422)
	v.call(member, "getRecommendationPreferences", "GET", "/api/v1/me/recommendation-preferences", "", 200)
	v.call(member, "updateRecommendationPreferences", "PUT", "/api/v1/me/recommendation-preferences",
		`{"wish":"いつか新潟に帰って地元の役に立ちたい","maxFee":null,"maxHours":8,"online":false,"prefecture":"13"}`, 200)
	v.call(member, "updateRecommendationPreferences", "PUT", "/api/v1/me/recommendation-preferences", `{"maxFee":-1}`, 422)
	v.call(member, "updateRecommendationPreferences", "PUT", "/api/v1/me/recommendation-preferences", `{"mood":"happy"}`, 422)
	v.call(member, "getRecommendationPreferences", "GET", "/api/v1/me/recommendation-preferences", "", 200)
	v.call(member, "markCommunity", "PUT", "/api/v1/me/community-marks/"+niigata.ID, `{"mark":"bookmark"}`, 200)
	v.call(member, "markCommunity", "PUT", "/api/v1/me/community-marks/"+niigata.ID, `{"mark":"love"}`, 422)
	v.call(member, "markCommunity", "PUT", "/api/v1/me/community-marks/aaaaaaaaaaaaaaaaaaaaaaaaaa", `{"mark":"dismiss"}`, 404)
	v.call(member, "listCommunityMarks", "GET", "/api/v1/me/community-marks", "", 200)
	v.call(member, "recommendCommunities", "GET", "/api/v1/recommendations", "", 200)
	v.call(member, "unmarkCommunity", "DELETE", "/api/v1/me/community-marks/"+niigata.ID, "", 204)
	v.call(member, "unmarkCommunity", "DELETE", "/api/v1/me/community-marks/"+niigata.ID, "", 404)
	const weights = `{"jobFamily":3,"industry":1.5,"ageBand":1,"prefecture":1,"homePrefecture":3.5,"values":1.5,"wish":3,` +
		`"givenUp":2,"area":1,"declaredTraits":0.5,"ratedTraits":1,"variety":0.35}`
	v.call(member, "getRecommendationWeights", "GET", "/api/v1/recommendation-weights", "", 404)
	v.call(member, "updateRecommendationWeights", "PUT", "/api/v1/recommendation-weights", weights, 404)
	v.call(op, "getRecommendationWeights", "GET", "/api/v1/recommendation-weights", "", 200)
	v.call(op, "updateRecommendationWeights", "PUT", "/api/v1/recommendation-weights", `{"wish":1}`, 422)
	v.call(op, "updateRecommendationWeights", "PUT", "/api/v1/recommendation-weights", weights, 200)
	v.call(op, "getRecommendationWeights", "GET", "/api/v1/recommendation-weights", "", 200)
}
