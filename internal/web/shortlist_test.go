package web_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"tsunagari"
	"tsunagari/internal/i18n"
	"tsunagari/internal/journey"
	"tsunagari/internal/match"
	"tsunagari/internal/survey"
)

// registrations numbers the consultants the tests create.
var registrations atomic.Int64

var valueDims = []string{"expertise", "autonomy", "stability", "challenge", "contribution", "balance", "creating", "leading"}

// newVerifiedConsultant creates a verified consultant open on weekdays
// 10:00–16:00 Tokyo time, with values by valueDims.
func (e *testEnv) newVerifiedConsultant(email, name string, values []float64, edit func(c *tsunagari.Consultant)) *tsunagari.Consultant {
	e.t.Helper()
	ctx := context.Background()
	a := e.account(email, "", tsunagari.RoleConsultant)
	c := &tsunagari.Consultant{AccountID: a.ID, DisplayName: name, RegistrationNumber: fmt.Sprintf("%08d", 18000000+registrations.Add(1)),
		YearsOfPractice: 8, Languages: []string{"ja"}, Online: true, Themes: []string{"learning"}, FeeYen: 5500,
		Message: "一緒に考えましょう。"}
	for i, v := range values {
		c.Values = append(c.Values, tsunagari.Score{Dimension: valueDims[i], Value: v, Items: 3})
	}
	if edit != nil {
		edit(c)
	}
	if err := c.Validate(); err != nil {
		e.t.Fatal(err)
	}
	if err := e.stores.Consultation.SaveConsultant(ctx, c); err != nil {
		e.t.Fatal(err)
	}
	if err := e.stores.Consultation.VerifyConsultant(ctx, a.ID, "", time.Now()); err != nil {
		e.t.Fatal(err)
	}
	av := tsunagari.DefaultAvailability(a.ID)
	av.ClosedOnHolidays = false
	for d := time.Monday; d <= time.Friday; d++ {
		av.Weekly = append(av.Weekly, tsunagari.WeeklyWindow{Weekday: d, Window: tsunagari.Window{Start: 600, End: 960}})
	}
	if err := e.stores.Consultation.SaveAvailability(ctx, av); err != nil {
		e.t.Fatal(err)
	}
	return c
}

// diagnose submits the values diagnosis through the form, agreeing with
// the items of the dimensions in high.
func (e *testEnv) diagnose(c *http.Client, a *tsunagari.Account, high ...string) {
	e.t.Helper()
	round, in := e.standing(a, survey.ValuesDiagnosis)
	v := url.Values{}
	for _, it := range in.Items() {
		p := 2
		for _, h := range high {
			if it.Dimension == h {
				p = 5
			}
		}
		if it.Reverse {
			p = 6 - p
		}
		v.Set(it.ID, fmt.Sprint(p))
	}
	if res := e.post(c, "/rounds/"+round.ID, v); res.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("diagnosis: %d %s", res.StatusCode, res.body)
	}
}

// roster fills the database with a consultant who shares autonomy and
// contribution, fourteen others, and one who meets in person only.
func (e *testEnv) roster() (kindred *tsunagari.Consultant) {
	e.t.Helper()
	kindred = e.newVerifiedConsultant("kindred@example.jp", "共感 陽子", []float64{40, 90, 30, 40, 90, 40, 30, 30}, func(c *tsunagari.Consultant) {
		c.Themes = []string{"care_balance", "job_change"}
		c.Message = "育児と仕事の両立、転職のご相談をお受けしています。"
	})
	for i := range 14 {
		e.newVerifiedConsultant(fmt.Sprintf("c%02d@example.jp", i), fmt.Sprintf("相談員 %02d", i),
			[]float64{90, 30, 80, 40, 20, 50, 30, float64(40 + i)}, nil)
	}
	e.newVerifiedConsultant("offline@example.jp", "対面 専門", []float64{40, 90, 30, 40, 90, 40, 30, 30}, func(c *tsunagari.Consultant) {
		c.Online, c.InPerson, c.Area = false, true, "13"
	})
	return kindred
}

var cardRE = regexp.MustCompile(`<li class="consultant" id="consultant-([a-z2-7]{26})">`)

func TestShortlistPage(t *testing.T) {
	onBoth(t, func(t *testing.T, open func(testing.TB) backend) {
		e := newTestEnvOn(t, open(t))
		kindred := e.roster()
		me := e.account("member@example.jp", "")
		c := e.signIn("member@example.jp")

		// Before the diagnosis: a list, and a nudge to take it.
		res := e.get(c, "/shortlist")
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET /shortlist = %d", res.StatusCode)
		}
		mustContain(t, "the shortlist before a diagnosis", res.body, `id="take-diagnosis"`)

		e.diagnose(c, me, "autonomy", "contribution")
		res = e.get(c, "/shortlist?theme=care_balance&mode=online")
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET /shortlist = %d: %s", res.StatusCode, res.body)
		}
		cards := cardRE.FindAllStringSubmatch(res.body, -1)
		if len(cards) != 10 {
			t.Fatalf("the shortlist shows %d consultants; want 10", len(cards))
		}
		if cards[0][1] != kindred.AccountID {
			t.Errorf("the first card is %s; want the consultant who shares the member's values", cards[0][1])
		}
		mustContain(t, "the shortlist", html.UnescapeString(res.body), "あなたが大切にする『自律』と『社会貢献』を同じく重視",
			"『育児・介護との両立』が得意", "登録番号確認済み")
		if strings.Contains(res.body, "対面 専門") {
			t.Error("an in-person-only consultant is in an online-only shortlist")
		}
		if strings.Contains(res.body, "take-diagnosis") {
			t.Error("the nudge to take the diagnosis stays after it was taken")
		}

		// In English.
		req, _ := http.NewRequest("GET", e.ts.URL+"/shortlist?theme=care_balance", nil)
		req.Header.Set("Accept-Language", "en")
		en := e.do(c, req)
		mustContain(t, "the English shortlist", html.UnescapeString(en.body), "Also values Autonomy and Social contribution, as you do",
			"Strong in: Balancing childcare or caregiving")

		// One consultant, with the reasons.
		one := e.get(c, "/shortlist/"+kindred.AccountID)
		if one.StatusCode != http.StatusOK {
			t.Fatalf("GET /shortlist/{id} = %d", one.StatusCode)
		}
		mustContain(t, "the consultant page", html.UnescapeString(one.body), "共感 陽子", "あなたに合う理由",
			"育児と仕事の両立、転職のご相談をお受けしています。", "1回 5,500円")

		// Ignore: gone from the ten.
		mark := e.post(c, "/shortlist/"+kindred.AccountID+"/mark", url.Values{"mark": {"ignore"}, "next": {"/shortlist"}})
		if mark.StatusCode != http.StatusSeeOther || mark.Header.Get("Location") != "/shortlist" {
			t.Fatalf("POST mark = %d %s", mark.StatusCode, mark.Header.Get("Location"))
		}
		if res = e.get(c, "/shortlist"); strings.Contains(res.body, "consultant-"+kindred.AccountID) {
			t.Error("an ignored consultant is still in the shortlist")
		}
		// Bookmark: listed apart.
		e.post(c, "/shortlist/"+kindred.AccountID+"/mark", url.Values{"mark": {"bookmark"}})
		res = e.get(c, "/shortlist")
		mustContain(t, "the shortlist with a bookmark", res.body, `id="bookmarks"`, "consultant-"+kindred.AccountID)
		e.post(c, "/shortlist/"+kindred.AccountID+"/mark", url.Values{"mark": {"none"}})
		if marks, _ := e.stores.Match.FindMarks(context.Background(), me.ID); len(marks) != 0 {
			t.Errorf("after mark=none: %+v", marks)
		}

		// Bad input: a clear message, nothing stored.
		fp := e.fingerprint()
		bad := e.get(c, "/shortlist?theme=no_such_theme")
		if bad.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("GET /shortlist with an unknown theme = %d; want 422", bad.StatusCode)
		}
		mustContain(t, "the refused shortlist", bad.body, "相談テーマが正しくありません")
		if res := e.post(c, "/shortlist/"+kindred.AccountID+"/mark", url.Values{"mark": {"love"}}); res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("POST an unknown mark = %d; want 422", res.StatusCode)
		}
		if res := e.post(c, "/shortlist/"+tsunagari.NewID()+"/mark", url.Values{"mark": {"bookmark"}}); res.StatusCode != http.StatusNotFound {
			t.Errorf("POST a mark of nobody = %d; want 404", res.StatusCode)
		}
		if res := e.get(c, "/shortlist/"+me.ID); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET /shortlist/{a member who is no consultant} = %d; want 404", res.StatusCode)
		}
		if e.fingerprint() != fp {
			t.Error("refused shortlist requests changed the database")
		}
	})
}

func TestConsultantSearchPage(t *testing.T) {
	e := newTestEnv(t)
	kindred := e.roster()
	e.account("member@example.jp", "")
	c := e.signIn("member@example.jp")
	for q, want := range map[string]int{"転職": 1, "育児": 1, "相談員": 14, "ソウダン": 0, "法務": 0} {
		res := e.get(c, "/shortlist/search?q="+url.QueryEscape(q))
		if res.StatusCode != http.StatusOK {
			t.Fatalf("search %q = %d", q, res.StatusCode)
		}
		got := len(cardRE.FindAllString(res.body, -1))
		if want > 20 {
			want = 20
		}
		if got != min(want, 20) {
			t.Errorf("search %q shows %d; want %d", q, got, want)
		}
	}
	res := e.get(c, "/shortlist/search?q=%E8%BB%A2%E8%81%B7") // 転職
	mustContain(t, "the search for 転職", res.body, "consultant-"+kindred.AccountID)
	res = e.get(c, "/shortlist/search?q="+url.QueryEscape("相談員"))
	mustContain(t, "the search for 相談員", html.UnescapeString(res.body), "14人が見つかりました (1〜14人目)")
	res = e.get(c, "/shortlist/search?q="+url.QueryEscape("の"))
	mustContain(t, "a one-kana search", res.body, `id="search-too-short"`)
}

func TestMatchingSettings(t *testing.T) {
	e := newTestEnv(t)
	e.roster()
	e.account("member@example.jp", "")
	op := e.account("operator@example.jp", "", tsunagari.RoleOperator)
	e.enrol(op)
	member := e.signIn("member@example.jp")
	if res := e.get(member, "/operator/matching"); res.StatusCode != http.StatusNotFound {
		t.Errorf("a member gets the operator's settings: %d", res.StatusCode)
	}
	c := e.signIn("operator@example.jp")
	res := e.get(c, "/operator/matching")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /operator/matching = %d", res.StatusCode)
	}
	mustContain(t, "the settings", res.body, `name="values" type="number"`, `value="40"`, `id="roster-stats"`, "<dd>16</dd>")
	fp := e.fingerprint()
	bad := e.post(c, "/operator/matching", url.Values{"values": {"101"}, "themes": {"1"}, "background": {"1"}, "experience": {"1"},
		"diversity": {"1"}, "viewsPerSession": {"1"}})
	if bad.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("a weight of 101 = %d; want 422", bad.StatusCode)
	}
	mustContain(t, "the refused settings", bad.body, "重みは0〜100の整数で入力してください", `value="101"`)
	if e.fingerprint() != fp {
		t.Error("refused settings changed the database")
	}
	ok := e.post(c, "/operator/matching", url.Values{"values": {"10"}, "themes": {"20"}, "background": {"３０"}, "experience": {"0"},
		"diversity": {"50"}, "viewsPerSession": {"3"}})
	if ok.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST /operator/matching = %d: %s", ok.StatusCode, ok.body)
	}
	w, err := e.stores.Match.FindMatchWeights(context.Background())
	if err != nil || w.Background != 30 || w.ViewsPerSession != 3 || w.UpdatedBy != op.ID {
		t.Errorf("saved weights = %+v, %v", w, err)
	}
}

func TestInventoryAndSharing(t *testing.T) {
	onBoth(t, func(t *testing.T, open func(testing.TB) backend) {
		e := newTestEnvOn(t, open(t))
		ctx := context.Background()
		o, _ := e.org("つながり商事")
		me := e.account("member@example.jp", o.ID)
		e.enrol(e.account("hr@example.jp", o.ID, tsunagari.RoleHRAdmin))
		cons := e.newVerifiedConsultant("consultant@example.jp", "田中 恵子", []float64{50, 50, 50, 50, 50, 50, 50, 50}, nil)
		e.enrol(&tsunagari.Account{ID: cons.AccountID, Email: "consultant@example.jp"})
		other := e.newVerifiedConsultant("other@example.jp", "別の 相談員", []float64{50, 50, 50, 50, 50, 50, 50, 50}, nil)
		e.enrol(&tsunagari.Account{ID: other.AccountID, Email: "other@example.jp"})
		start := time.Now().Add(72 * time.Hour).UTC().Truncate(time.Hour)
		b, err := e.stores.Consultation.CreateBooking(ctx, &tsunagari.Booking{ConsultantID: cons.AccountID, MemberID: me.ID,
			Start: start, End: start.Add(time.Hour), BlockedUntil: start.Add(time.Hour), Status: tsunagari.BookingConfirmed,
			Themes: []string{"job_change"}, CreatedAt: time.Now()}, tsunagari.WeekCap{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		c := e.signIn("member@example.jp")
		e.diagnose(c, me, "balance")

		page := e.get(c, "/inventory")
		mustContain(t, "the inventory page", page.body, `name="want"`, "田中 恵子", `id="share-`+b.ID)
		// Sharing before writing: refused on the page, nothing stored.
		fp := e.fingerprint()
		if res := e.post(c, "/inventory/shares/"+b.ID, nil); res.StatusCode != http.StatusConflict {
			t.Errorf("sharing before writing = %d; want 409", res.StatusCode)
		} else {
			mustContain(t, "the refused share", res.body, "共有する前に、キャリアの棚卸しを書いて保存してください")
		}
		if res := e.post(c, "/inventory", url.Values{"want": {strings.Repeat("あ", tsunagari.MaxInventoryItemLen+1)}}); res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("a text over the limit = %d; want 422", res.StatusCode)
		}
		if e.fingerprint() != fp {
			t.Error("refused inventory writes changed the database")
		}

		const canary = "カナリア・ツグミ製薬への転職"
		if res := e.post(c, "/inventory", url.Values{"want": {canary}, "strengths": {"聞くこと"}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("POST /inventory = %d: %s", res.StatusCode, res.body)
		}
		mustContain(t, "the saved inventory", e.get(c, "/inventory").body, canary, "聞くこと")
		if res := e.post(c, "/inventory/shares/"+b.ID, nil); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("POST share = %d: %s", res.StatusCode, res.body)
		}

		// The consultant reads it; nobody else learns it exists.
		cc := e.signIn("consultant@example.jp")
		read := e.get(cc, "/inventory/shared/"+b.ID)
		if read.StatusCode != http.StatusOK {
			t.Fatalf("the consultant reads the shared inventory: %d", read.StatusCode)
		}
		mustContain(t, "the shared inventory", read.body, canary, "山田 花子")
		mustContain(t, "the consultant's list", e.get(cc, "/inventory/shared").body, `href="/inventory/shared/`+b.ID+`"`)
		hr := e.signIn("hr@example.jp")
		oc := e.signIn("other@example.jp")
		for who, client := range map[string]*http.Client{"HR": hr, "another consultant": oc, "the member": c} {
			res := e.get(client, "/inventory/shared/"+b.ID)
			if res.StatusCode != http.StatusNotFound || strings.Contains(res.body, canary) {
				t.Errorf("%s reads the shared inventory: %d", who, res.StatusCode)
			}
			if list := e.get(client, "/inventory/shared"); strings.Contains(list.body, b.ID) {
				t.Errorf("%s sees the booking among shared inventories", who)
			}
			api := e.api(client, "GET", "/api/v1/shared-inventories/"+b.ID, "")
			if api.StatusCode != http.StatusNotFound || strings.Contains(api.body, canary) {
				t.Errorf("%s reads the shared inventory by API: %d", who, api.StatusCode)
			}
		}
		// HR's pages hold no trace of it.
		for _, path := range []string{"/dashboard", "/hr/departments", "/hr/invitations"} {
			if strings.Contains(e.get(hr, path).body, canary) {
				t.Errorf("HR's %s shows the canary", path)
			}
		}
		// Taking it back ends the consultant's access.
		if res := e.post(c, "/inventory/shares/"+b.ID+"/delete", nil); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("POST unshare = %d", res.StatusCode)
		}
		if res := e.get(cc, "/inventory/shared/"+b.ID); res.StatusCode != http.StatusNotFound {
			t.Errorf("after unsharing, the consultant reads it: %d", res.StatusCode)
		}
		// The member's timeline shows it all, and suggests sharing again.
		tl := e.get(c, "/journey")
		mustContain(t, "the timeline", html.UnescapeString(tl.body), "田中 恵子さんとのキャリア面談", "キャリアの棚卸しを更新",
			"棚卸しを相談員と共有する")
		if res := e.post(c, "/inventory/delete", nil); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("POST /inventory/delete = %d", res.StatusCode)
		}
		if strings.Contains(e.get(c, "/inventory").body, canary) {
			t.Error("the inventory shows after it was deleted")
		}
	})
}

// TestShortlistWording checks the message keys the shortlist and journey
// build from parts: every reason, step, kind and heading, in both
// languages.
func TestShortlistWording(t *testing.T) {
	c, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	keys := []string{}
	for _, k := range []match.ReasonKind{match.ReasonValues, match.ReasonClients, match.ReasonClientsJob, match.ReasonThemes,
		match.ReasonOwnJob, match.ReasonIndustry, match.ReasonYears, match.ReasonCapacity} {
		switch k {
		case match.ReasonValues, match.ReasonThemes:
			keys = append(keys, "shortlist.reason."+string(k)+"1", "shortlist.reason."+string(k)+"2")
		default:
			keys = append(keys, "shortlist.reason."+string(k))
		}
	}
	for _, st := range []journey.Step{journey.StepDiagnosis, journey.StepBook, journey.StepInventory, journey.StepShare,
		journey.StepCommunity, journey.StepCheckIn, journey.StepRediagnose, journey.StepKeepGoing} {
		keys = append(keys, "journey.step."+string(st), "journey.step."+string(st)+".text", "journey.step."+string(st)+".action")
	}
	for _, k := range []journey.ItemKind{journey.ItemDiagnosis, journey.ItemCheckIn, journey.ItemInventory,
		journey.ItemConsultation, journey.ItemCommunity} {
		keys = append(keys, "journey.kind."+string(k))
	}
	for _, st := range []tsunagari.BookingStatus{tsunagari.BookingPending, tsunagari.BookingConfirmed, tsunagari.BookingCancelled,
		tsunagari.BookingRescheduled} {
		keys = append(keys, "journey.booking."+string(st))
	}
	for _, it := range tsunagari.InventoryItems {
		keys = append(keys, "inventory.hint."+it.ID)
	}
	for _, f := range []string{"values", "themes", "background", "experience", "diversity"} {
		keys = append(keys, "matching.field."+f, "matching.hint."+f)
	}
	for _, g := range tsunagari.Genders {
		keys = append(keys, "gender."+g)
	}
	for _, l := range tsunagari.ConsultationLanguages {
		keys = append(keys, "language."+l)
	}
	for _, k := range keys {
		for _, lang := range i18n.Languages {
			if !c.Printer(lang).Has(k) {
				t.Errorf("%s.json lacks %q", lang, k)
			}
		}
	}
}

// shortlistScenario drives the shortlist and journey operations through
// the API validator of TestOpenAPIResponsesMatch. The operator
// operator@example.jp exists already.
func shortlistScenario(t *testing.T, e *testEnv, v *apiValidator) {
	t.Helper()
	ctx := context.Background()
	kindred := e.roster()
	e.enrol(&tsunagari.Account{ID: kindred.AccountID, Email: "kindred@example.jp"})
	member := e.account("shortlister@example.jp", "")
	c := e.signIn("shortlister@example.jp")
	anon := e.client()
	e.diagnose(c, member, "autonomy", "contribution")

	v.call(anon, "recommendConsultants", "GET", "/api/v1/shortlist", "", 401)
	ten := decode[struct {
		Diagnosed   bool
		Consultants []struct {
			ID      string
			Reasons []struct{ Kind, Text string }
		}
	}](t, v.call(c, "recommendConsultants", "GET", "/api/v1/shortlist?theme=care_balance&theme=job_change&mode=online&language=ja", "", 200))
	if !ten.Diagnosed || len(ten.Consultants) != 10 || ten.Consultants[0].ID != kindred.AccountID ||
		ten.Consultants[0].Reasons[0].Text != "あなたが大切にする『自律』と『社会貢献』を同じく重視" {
		t.Errorf("recommendConsultants = %+v", ten)
	}
	v.call(c, "recommendConsultants", "GET", "/api/v1/shortlist?theme=no_such_theme", "", 422)
	v.call(c, "recommendConsultants", "GET", "/api/v1/shortlist?mode=in_person&area=13", "", 200)
	found := decode[struct{ Total int }](t, v.call(c, "searchConsultants", "GET", "/api/v1/consultant-search?q=%E8%BB%A2%E8%81%B7", "", 200))
	if found.Total != 1 {
		t.Errorf("searchConsultants(転職) found %d; want 1", found.Total)
	}
	v.call(c, "searchConsultants", "GET", "/api/v1/consultant-search?limit=5&offset=5&gender=female", "", 200)
	v.call(c, "searchConsultants", "GET", "/api/v1/consultant-search?language=xx", "", 422)
	v.call(anon, "searchConsultants", "GET", "/api/v1/consultant-search?q=x", "", 401)

	mark := "/api/v1/consultant-marks/" + kindred.AccountID
	v.call(c, "markConsultant", "PUT", mark, `{"mark":"bookmark"}`, 204)
	v.call(c, "markConsultant", "PUT", mark, `{"mark":"love"}`, 422)
	v.call(c, "markConsultant", "PUT", "/api/v1/consultant-marks/"+member.ID, `{"mark":"bookmark"}`, 404)
	v.call(c, "markConsultant", "PUT", mark, `{"mark":"ignore"}`, 403, "Sec-Fetch-Site", "cross-site")
	v.call(c, "listConsultantMarks", "GET", "/api/v1/consultant-marks", "", 200)
	v.call(c, "unmarkConsultant", "DELETE", mark, "", 204)
	v.call(c, "unmarkConsultant", "DELETE", mark, "", 404)

	op := e.signIn("operator@example.jp")
	v.call(c, "getMatchWeights", "GET", "/api/v1/match-weights", "", 404)
	v.call(op, "getMatchWeights", "GET", "/api/v1/match-weights", "", 200)
	weights := `{"values":40,"themes":30,"background":20,"experience":10,"diversity":30,"viewsPerSession":10}`
	v.call(c, "updateMatchWeights", "PUT", "/api/v1/match-weights", weights, 404)
	v.call(op, "updateMatchWeights", "PUT", "/api/v1/match-weights", weights, 200)
	v.call(op, "updateMatchWeights", "PUT", "/api/v1/match-weights", `{"values":1}`, 422)

	v.call(c, "getInventory", "GET", "/api/v1/inventory", "", 200)
	v.call(c, "saveInventory", "PUT", "/api/v1/inventory", `{"items":[{"id":"want","text":"学び直したい"},{"id":"can","text":""}]}`, 200)
	v.call(c, "saveInventory", "PUT", "/api/v1/inventory", `{"items":[{"id":"salary","text":"x"}]}`, 422)
	v.call(c, "getInventory", "GET", "/api/v1/inventory", "", 200)
	start := time.Now().Add(96 * time.Hour).UTC().Truncate(time.Hour)
	b, err := e.stores.Consultation.CreateBooking(ctx, &tsunagari.Booking{ConsultantID: kindred.AccountID, MemberID: member.ID,
		Start: start, End: start.Add(time.Hour), BlockedUntil: start.Add(time.Hour), Status: tsunagari.BookingPending,
		Themes: []string{"care_balance"}, CreatedAt: time.Now()}, tsunagari.WeekCap{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	v.call(c, "listInventoryShares", "GET", "/api/v1/inventory/shares", "", 200)
	share := "/api/v1/inventory/shares/" + b.ID
	v.call(c, "shareInventory", "PUT", share, "", 204)
	v.call(c, "listInventoryShares", "GET", "/api/v1/inventory/shares", "", 200)
	kc := e.signIn("kindred@example.jp")
	v.call(kc, "getSharedInventory", "GET", "/api/v1/shared-inventories/"+b.ID, "", 200)
	v.call(kc, "listSharedInventories", "GET", "/api/v1/shared-inventories", "", 200)
	v.call(c, "listSharedInventories", "GET", "/api/v1/shared-inventories", "", 404)
	v.call(c, "getSharedInventory", "GET", "/api/v1/shared-inventories/"+b.ID, "", 404)
	v.call(op, "getSharedInventory", "GET", "/api/v1/shared-inventories/"+b.ID, "", 404)
	v.call(c, "getTimeline", "GET", "/api/v1/timeline", "", 200)
	v.call(anon, "getTimeline", "GET", "/api/v1/timeline", "", 401)
	v.call(c, "unshareInventory", "DELETE", share, "", 204)
	v.call(c, "unshareInventory", "DELETE", share, "", 404)
	v.call(kc, "getSharedInventory", "GET", "/api/v1/shared-inventories/"+b.ID, "", 404)
	v.call(c, "deleteInventory", "DELETE", "/api/v1/inventory", "", 204)
	v.call(c, "deleteInventory", "DELETE", "/api/v1/inventory", "", 404)
	v.call(c, "shareInventory", "PUT", share, "", 409) // nothing to share
	v.call(kc, "shareInventory", "PUT", share, "", 404)
}

// TestOpenAPIShortlistVocabulary holds the enumerations of the shortlist
// and journey schemas to the Go vocabulary they describe.
func TestOpenAPIShortlistVocabulary(t *testing.T) {
	doc := loadOpenAPI(t)
	enum := func(schema *openapi3.Schema) []string {
		var out []string
		for _, v := range schema.Enum {
			out = append(out, fmt.Sprint(v))
		}
		return out
	}
	schema := func(name string) *openapi3.Schema {
		ref := doc.Components.Schemas[name]
		if ref == nil || ref.Value == nil {
			t.Fatalf("schema %s is missing", name)
		}
		return ref.Value
	}
	prop := func(name, field string) *openapi3.Schema { return schema(name).Properties[field].Value }
	strs := func(n int, f func(i int) string) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = f(i)
		}
		return out
	}
	for _, c := range []struct {
		what      string
		got, want []string
	}{
		{"Theme", enum(schema("Theme")), strs(len(tsunagari.Themes), func(i int) string { return tsunagari.Themes[i].ID })},
		{"ConsultationLanguage", enum(schema("ConsultationLanguage")), tsunagari.ConsultationLanguages},
		{"Gender", enum(schema("Gender")), tsunagari.Genders},
		{"MarkKind", enum(schema("MarkKind")), []string{string(tsunagari.ConsultantBookmark), string(tsunagari.ConsultantIgnore)}},
		{"InventoryItem.id", enum(prop("InventoryItem", "id")),
			strs(len(tsunagari.InventoryItems), func(i int) string { return tsunagari.InventoryItems[i].ID })},
		{"ConsultantReason.kind", enum(prop("ConsultantReason", "kind")), []string{string(match.ReasonValues), string(match.ReasonClients),
			string(match.ReasonClientsJob), string(match.ReasonThemes), string(match.ReasonOwnJob), string(match.ReasonIndustry),
			string(match.ReasonYears), string(match.ReasonCapacity)}},
		{"Timeline.next", enum(prop("Timeline", "next")), []string{string(journey.StepDiagnosis), string(journey.StepBook),
			string(journey.StepInventory), string(journey.StepShare), string(journey.StepCommunity), string(journey.StepCheckIn),
			string(journey.StepRediagnose), string(journey.StepKeepGoing)}},
		{"TimelineItem.kind", enum(prop("TimelineItem", "kind")), []string{string(journey.ItemDiagnosis), string(journey.ItemCheckIn),
			string(journey.ItemInventory), string(journey.ItemConsultation), string(journey.ItemCommunity)}},
		{"InventoryShare.status", enum(prop("InventoryShare", "status")), []string{string(tsunagari.BookingPending),
			string(tsunagari.BookingConfirmed), string(tsunagari.BookingCancelled), string(tsunagari.BookingRescheduled)}},
	} {
		if strings.Join(c.got, " ") != strings.Join(c.want, " ") {
			t.Errorf("%s enumerates %q, want %q", c.what, c.got, c.want)
		}
	}
	if got := int(*prop("ConsultantMatch", "reasons").MaxItems); got != match.MaxReasons {
		t.Errorf("ConsultantMatch.reasons has maxItems %d, want %d", got, match.MaxReasons)
	}
	if got := int(*prop("Shortlist", "consultants").MaxItems); got != tsunagari.ShortlistSize {
		t.Errorf("Shortlist.consultants has maxItems %d, want %d", got, tsunagari.ShortlistSize)
	}
}
