package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"tsunagari"
	"tsunagari/internal/survey"
)

// formFor answers every visible item of the instrument the way a person
// clicking through the form would: Likert items with point, choice items
// with their first option.
func formFor(in *tsunagari.Instrument, point int) url.Values {
	v := url.Values{}
	for _, it := range in.Items() {
		switch it.Kind {
		case tsunagari.KindLikert:
			v.Set(it.ID, fmt.Sprint(point))
		case tsunagari.KindSingle, tsunagari.KindMultiple:
			if it.When == nil {
				v.Set(it.ID, it.Options[0].ID)
			}
		}
	}
	return v
}

// standing returns the standing round and instrument of a self-service
// instrument.
func (e *testEnv) standing(a *tsunagari.Account, id string) (*tsunagari.Round, *tsunagari.Instrument) {
	e.t.Helper()
	r, in, err := e.srv.Surveys.StandingRound(context.Background(), a, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return r, in
}

func mustContain(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
}

func TestValuesDiagnosisInTheBrowser(t *testing.T) {
	e := newTestEnv(t)
	me := e.account("member@example.jp", "")
	c := e.signIn("member@example.jp")

	list := e.get(c, "/surveys")
	if list.StatusCode != http.StatusOK {
		t.Fatalf("GET /surveys = %d", list.StatusCode)
	}
	mustContain(t, "the survey list", list.body, "価値観診断", "キャリアの孤立チェック", "5つのパワー", "本人のみ")

	round, in := e.standing(me, survey.ValuesDiagnosis)
	form := e.get(c, "/rounds/"+round.ID)
	mustContain(t, "the form", form.body, "答えと結果は、あなたにしか見えません", `name="ve1"`, `type="radio"`, "とてもよくあてはまる")
	if strings.Contains(form.body, "style=") {
		t.Error("the form has inline styles, which the CSP forbids")
	}

	// First result: mostly 4s, with expertise items raised.
	v := formFor(in, 4)
	v.Set("ve1", "5")
	v.Set("ve2", "5")
	v.Set("ve3", "1") // reverse-scored: disagreeing raises expertise
	res := e.post(c, "/rounds/"+round.ID, v)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/surveys/values_diagnosis" {
		t.Fatalf("POST answers = %d to %q:\n%s", res.StatusCode, res.Header.Get("Location"), res.body)
	}
	page := e.get(c, "/surveys/values_diagnosis")
	mustContain(t, "the result page", page.body,
		"回答を保存しました", "あなたが大切にしている価値観 トップ3", "<svg", `role="img"`, "<title id=\"values-chart-title\">",
		"専門性", "ひとつの分野を深め", `id="scores-table"`, "今回がはじめての結果です")
	if top := regexp.MustCompile(`(?s)<ol class="top-values">(.*?)</ol>`).FindStringSubmatch(page.body); top == nil ||
		strings.Count(top[1], "<li>") != 3 || !strings.Contains(top[1], "専門性") {
		t.Errorf("top three values missing or without expertise first:\n%s", page.body)
	}
	if strings.Contains(page.body, "style=") {
		t.Error("the result page has inline styles, which the CSP forbids")
	}

	// Retaking shows the history and the earlier result on the radar.
	res = e.post(c, "/rounds/"+round.ID, formFor(in, 2))
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("second POST = %d", res.StatusCode)
	}
	page = e.get(c, "/surveys/values_diagnosis")
	mustContain(t, "the result page after a retake", page.body, "これまでの結果", "前回", `class="series series-1"`)
	if rows := strings.Count(page.body[strings.Index(page.body, `id="history"`):], `<th scope="row">`); rows != 2 {
		t.Errorf("history has %d rows, want 2", rows)
	}

	// English.
	req, _ := http.NewRequest("GET", e.ts.URL+"/surveys/values_diagnosis", nil)
	req.Header.Set("Accept-Language", "en")
	_, _ = e.stores.Accounts.UpdateAccount(context.Background(), me.ID, tsunagari.AccountUpdate{Locale: ptr("en")})
	en := e.do(c, req)
	mustContain(t, "the English result page", en.body, "Your top three values", "Expertise", "Earlier results")
}

func ptr(s string) *string { return &s }

func TestSurveyFormErrorsKeepAnswers(t *testing.T) {
	e := newTestEnv(t)
	me := e.account("member@example.jp", "")
	c := e.signIn("member@example.jp")
	round, in := e.standing(me, survey.ValuesDiagnosis)
	fp := e.fingerprint()

	v := formFor(in, 4)
	v.Del("va2")      // required, missing
	v.Set("vs1", "9") // out of range
	v.Set("ve1", "３") // full-width digit, as a Japanese keyboard types it: accepted
	res := e.post(c, "/rounds/"+round.ID, v)
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("POST with errors = %d, want 422", res.StatusCode)
	}
	mustContain(t, "the form with errors", res.body,
		"回答に2件、確認が必要なところがあります。", "この質問にお答えください。", "1から5のうち、どれかを選んでください。",
		`id="err-va2"`, `id="err-vs1"`)
	// The answers given are kept.
	if !regexp.MustCompile(`name="vb1" value="4" checked`).MatchString(res.body) {
		t.Error("the form lost the answers that were given")
	}
	if e.fingerprint() != fp {
		t.Error("a rejected form changed the database")
	}
	// In English too.
	_, _ = e.stores.Accounts.UpdateAccount(context.Background(), me.ID, tsunagari.AccountUpdate{Locale: ptr("en")})
	res = e.post(c, "/rounds/"+round.ID, v)
	mustContain(t, "the English form with errors", res.body, "2 answers need your attention.", "Please answer this question.")
}

func TestIsolationCheckResult(t *testing.T) {
	e := newTestEnv(t)
	me := e.account("member@example.jp", "")
	c := e.signIn("member@example.jp")
	round, _ := e.standing(me, survey.IsolationCheck)
	v := url.Values{"given_up": {"u_turn", "learning"}, "reasons": {"no_one", "other"}, "reasons.other": {"親の介護"},
		"supporters": {"nobody"}, "i1": {"5"}, "i2": {"1"}, "i3": {"5"}, "i4": {"2"}}
	res := e.post(c, "/rounds/"+round.ID, v)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST isolation check = %d:\n%s", res.StatusCode, res.body)
	}
	page := e.get(c, "/surveys/isolation_check")
	mustContain(t, "the isolation result", page.body, "キャリアのことを、一人で抱えていませんか", "キャリアの孤立",
		"あきらめている挑戦: 学び直し、Uターン・地方への移住", "社外のキャリアコンサルタントと話してみる", `id="isolation-chart-title"`)

	// "Nobody" together with "family" is refused.
	v.Set("supporters", "nobody")
	v.Add("supporters", "family")
	res = e.post(c, "/rounds/"+round.ID, v)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.body, "ほかと一緒には選べません") {
		t.Errorf("nobody and family: %d, want 422 with a message", res.StatusCode)
	}
}

func TestFivePowersTrend(t *testing.T) {
	e := newTestEnv(t)
	me := e.account("member@example.jp", "")
	c := e.signIn("member@example.jp")
	round, in := e.standing(me, survey.FivePowers)
	for _, p := range []int{2, 3, 4} {
		if res := e.post(c, "/rounds/"+round.ID, formFor(in, p)); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("POST five powers = %d", res.StatusCode)
		}
	}
	page := e.get(c, "/surveys/five_powers")
	mustContain(t, "the five powers page", page.body, "これまでの推移", `id="trend-chart-title"`, "人とのつながり", "新たな仕事機会")
}

// TestRoundsRefuse covers a closed round and a second answer to an
// anonymous round, in the browser and the API: a clear message, and
// nothing stored.
func TestRoundsRefuse(t *testing.T) {
	e := newTestEnv(t)
	o, _ := e.org("みなと精機")
	hr := e.account("hr@minato.example", o.ID, tsunagari.RoleHRAdmin)
	e.enrol(hr)
	e.account("staff@minato.example", o.ID)
	c := e.signIn("staff@minato.example")
	ctx := context.Background()

	anon := &tsunagari.Round{InstrumentID: survey.FivePowers, Mode: tsunagari.ModeAnonymous, ClosesAt: time.Now().Add(time.Hour)}
	if err := e.srv.Surveys.CreateRound(ctx, hr, anon); err != nil {
		t.Fatal(err)
	}
	closed := &tsunagari.Round{InstrumentID: survey.FivePowers, Mode: tsunagari.ModeAnonymous,
		OpensAt: time.Now().Add(time.Hour), ClosesAt: time.Now().Add(2 * time.Hour)}
	if err := e.srv.Surveys.CreateRound(ctx, hr, closed); err != nil {
		t.Fatal(err)
	}
	_, in, _ := e.srv.Surveys.Round(ctx, hr, anon.ID)

	form := e.get(c, "/rounds/"+anon.ID)
	mustContain(t, "the anonymous form", form.body, "匿名", "あなたとまったく結びつかない形で保存されます")
	res := e.post(c, "/rounds/"+anon.ID, formFor(in, 3))
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/surveys" {
		t.Fatalf("first anonymous answer = %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	if list := e.get(c, "/surveys"); !strings.Contains(list.body, "回答済み") {
		t.Error("the list does not show the round as answered")
	}

	fp := e.fingerprint()
	res = e.post(c, "/rounds/"+anon.ID, formFor(in, 5))
	if res.StatusCode != http.StatusConflict || !strings.Contains(res.body, "このアンケートにはすでに回答しています。") {
		t.Errorf("second anonymous answer = %d, want 409 with a message:\n%s", res.StatusCode, res.body)
	}
	res = e.post(c, "/rounds/"+closed.ID, formFor(in, 5))
	if res.StatusCode != http.StatusConflict || !strings.Contains(res.body, "このアンケートはいま回答を受け付けていません。") {
		t.Errorf("answer to a round not open = %d, want 409 with a message", res.StatusCode)
	}
	body, _ := json.Marshal(map[string]any{"answers": []map[string]any{{"item": "fc1", "value": 3}}})
	api := e.api(c, "POST", "/api/v1/rounds/"+anon.ID+"/responses", string(body))
	if want := `{"code":"conflict","message":"このアンケートにはすでに回答しています。`; api.StatusCode != http.StatusConflict || !strings.HasPrefix(api.body, want) {
		t.Errorf("API second answer = %d %s", api.StatusCode, api.body)
	}
	if e.fingerprint() != fp {
		t.Error("refused answers changed the database")
	}

	// Someone from another employer cannot even see the round.
	other, _ := e.org("さくら介護")
	e.account("carer@sakura.example", other.ID)
	oc := e.signIn("carer@sakura.example")
	if res := e.get(oc, "/rounds/"+anon.ID); res.StatusCode != http.StatusNotFound {
		t.Errorf("another employer's round = %d, want 404", res.StatusCode)
	}
}

func TestSurveyAPI(t *testing.T) {
	e := newTestEnv(t)
	o, _ := e.org("みなと精機")
	other, _ := e.org("さくら介護")
	e.enrol(e.account("hr@minato.example", o.ID, tsunagari.RoleHRAdmin))
	me := e.account("staff@minato.example", o.ID)
	hc, c := e.signIn("hr@minato.example"), e.signIn("staff@minato.example")

	if res := e.api(e.client(), "GET", "/api/v1/instruments", ""); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("signed-out listInstruments = %d, want 401", res.StatusCode)
	}
	res := e.api(c, "GET", "/api/v1/instruments", "")
	var offers []struct {
		ID, RoundID, Mode string
		SelfService       bool
		Items             int
	}
	if err := json.Unmarshal([]byte(res.body), &offers); err != nil || len(offers) != 3 || offers[0].ID != "values_diagnosis" ||
		!offers[0].SelfService || offers[0].Items != 24 || offers[0].Mode != "personal" {
		t.Fatalf("listInstruments = %d %s", res.StatusCode, res.body)
	}
	res = e.api(c, "GET", "/api/v1/instruments/isolation_check", "")
	if res.StatusCode != http.StatusOK || !strings.Contains(res.body, `"id":"given_up"`) || !strings.Contains(res.body, `"exclusive":true`) {
		t.Errorf("getInstrument = %d %s", res.StatusCode, res.body)
	}
	if res := e.api(c, "GET", "/api/v1/instruments/nothing", ""); res.StatusCode != http.StatusNotFound {
		t.Errorf("getInstrument(unknown) = %d, want 404", res.StatusCode)
	}

	// submitResponse: a personal answer comes back with its ID and scores.
	round, in := e.standing(me, survey.FivePowers)
	var answers []map[string]any
	for _, it := range in.Items() {
		answers = append(answers, map[string]any{"item": it.ID, "value": 4})
	}
	body, _ := json.Marshal(map[string]any{"answers": answers})
	res = e.api(c, "POST", "/api/v1/rounds/"+round.ID+"/responses", string(body))
	if res.StatusCode != http.StatusCreated || !strings.Contains(res.body, `"mode":"personal"`) || !strings.Contains(res.body, `"id":"`) ||
		!strings.Contains(res.body, `{"dimension":"perspective","value":75,"items":2}`) {
		t.Errorf("submitResponse = %d %s", res.StatusCode, res.body)
	}
	// Validation errors name each item.
	fp := e.fingerprint()
	res = e.api(c, "POST", "/api/v1/rounds/"+round.ID+"/responses", `{"answers":[{"item":"fc1","value":8},{"item":"zz","value":1}]}`)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.body, `{"field":"fc1","message":"1から5のうち、どれかを選んでください。"}`) ||
		!strings.Contains(res.body, `{"field":"zz","message":"「zz」という質問はありません。"}`) ||
		!strings.Contains(res.body, `{"field":"fp1","message":"この質問にお答えください。"}`) {
		t.Errorf("submitResponse with errors = %d %s", res.StatusCode, res.body)
	}
	if e.fingerprint() != fp {
		t.Error("a rejected submission changed the database")
	}

	res = e.api(c, "GET", "/api/v1/instruments/five_powers/results", "")
	if res.StatusCode != http.StatusOK || !strings.Contains(res.body, `"instrumentId":"five_powers"`) || strings.Count(res.body, `"submittedAt"`) != 1 {
		t.Errorf("getMyResults = %d %s", res.StatusCode, res.body)
	}

	// createRound: HR for its own org only; members not at all.
	res = e.api(hc, "POST", "/api/v1/rounds", `{"instrumentId":"five_powers","mode":"anonymous","closesAt":"2099-01-01T00:00:00Z"}`)
	if res.StatusCode != http.StatusCreated || !strings.Contains(res.body, `"orgId":"`+o.ID+`"`) {
		t.Fatalf("createRound(HR) = %d %s", res.StatusCode, res.body)
	}
	var created struct{ ID string }
	json.Unmarshal([]byte(res.body), &created)
	if res := e.api(hc, "POST", "/api/v1/rounds", `{"instrumentId":"five_powers","mode":"anonymous","orgId":"`+other.ID+`"}`); res.StatusCode != http.StatusNotFound {
		t.Errorf("createRound(HR, another org) = %d, want 404", res.StatusCode)
	}
	if res := e.api(c, "POST", "/api/v1/rounds", `{"instrumentId":"five_powers","mode":"anonymous"}`); res.StatusCode != http.StatusForbidden {
		t.Errorf("createRound(member) = %d, want 403", res.StatusCode)
	}
	if res := e.api(hc, "POST", "/api/v1/rounds", `{"instrumentId":"five_powers","mode":"secret"}`); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("createRound(bad mode) = %d, want 422", res.StatusCode)
	}

	// An anonymous answer comes back with neither ID nor time.
	res = e.api(c, "POST", "/api/v1/rounds/"+created.ID+"/responses", string(body))
	if res.StatusCode != http.StatusCreated || strings.Contains(res.body, `"id"`) || strings.Contains(res.body, "submittedAt") {
		t.Errorf("anonymous submitResponse = %d %s", res.StatusCode, res.body)
	}
	res = e.api(c, "GET", "/api/v1/instruments", "")
	if !strings.Contains(res.body, `"roundId":"`+created.ID+`"`) || !strings.Contains(res.body, `"answered":true`) {
		t.Errorf("listInstruments after answering = %s", res.body)
	}
}
