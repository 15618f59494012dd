package web_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"tsunagari"
	"tsunagari/internal/demo"
	"tsunagari/internal/survey"
)

// closedRound stores a round of instrument for org that closed an hour
// ago, with answers given by answer for each of n respondents.
func (e *testEnv) closedRound(instrument, orgID string, n int, answer func(i int) (tsunagari.Segments, []tsunagari.Answer)) *tsunagari.Round {
	e.t.Helper()
	ctx := context.Background()
	in, err := e.stores.Surveys.FindInstrument(ctx, instrument, 0)
	if err != nil {
		e.t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	r := &tsunagari.Round{InstrumentID: in.ID, InstrumentVersion: in.Version, Mode: tsunagari.ModeAttributed, OrgID: orgID,
		OpensAt: now.Add(-72 * time.Hour), ClosesAt: now.Add(-time.Hour), CreatedAt: now.Add(-73 * time.Hour)}
	if err := e.stores.Surveys.CreateRound(ctx, r); err != nil {
		e.t.Fatal(err)
	}
	var rs []*tsunagari.Response
	for i := range n {
		seg, answers := answer(i)
		clean, err := in.Check(answers)
		if err != nil {
			e.t.Fatalf("answer %d: %v", i, err)
		}
		rs = append(rs, &tsunagari.Response{RoundID: r.ID, InstrumentID: in.ID, InstrumentVersion: in.Version,
			Segments: seg, Answers: clean, Scores: in.Score(clean)})
	}
	if err := e.stores.Surveys.ImportResponses(ctx, rs); err != nil {
		e.t.Fatal(err)
	}
	return r
}

// likertAll answers every Likert item of instrument with point.
func (e *testEnv) likertAll(instrument string, point float64) []tsunagari.Answer {
	in, err := e.stores.Surveys.FindInstrument(context.Background(), instrument, 0)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []tsunagari.Answer
	for _, it := range in.Items() {
		if it.Kind == tsunagari.KindLikert {
			out = append(out, tsunagari.Answer{Item: it.ID, Value: tsunagari.Float(point)})
		}
	}
	return out
}

func TestHRRoundsAndReports(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	own, sales := e.org("つながり商事")
	other, _ := e.org("よそ株式会社")
	e.enrol(e.account("hr@example.jp", own.ID, tsunagari.RoleHRAdmin))
	e.enrol(e.account("hr@other.example", other.ID, tsunagari.RoleHRAdmin))
	hr, theirHR := e.signIn("hr@example.jp"), e.signIn("hr@other.example")

	res := e.get(hr, "/hr/rounds")
	mustContain(t, "HR rounds page", res.body, "アンケートの配信", `value="five_supports"`, "5つの支援 パルスサーベイ")

	// A bad schedule says what is wrong and stores nothing.
	fp := e.fingerprint()
	res = e.post(hr, "/hr/rounds", url.Values{"instrumentId": {"five_supports"}, "mode": {"attributed"}, "closesOn": {"2020-01-01"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.body, "回答期間を確認してください") {
		t.Errorf("POST /hr/rounds closing in the past = %d:\n%.400s", res.StatusCode, res.body)
	}
	res = e.post(hr, "/hr/rounds", url.Values{"instrumentId": {"five_supports"}, "mode": {"attributed"}, "closesOn": {"30日後"}})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("POST /hr/rounds with a closing day that is no date = %d", res.StatusCode)
	}
	if e.fingerprint() != fp {
		t.Error("refused schedules changed the database")
	}

	closes := time.Now().In(tsunagari.Tokyo).AddDate(0, 0, 14).Format("2006-01-02")
	res = e.post(hr, "/hr/rounds", url.Values{"instrumentId": {"five_supports"}, "mode": {"attributed"}, "closesOn": {closes}})
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/reports/") {
		t.Fatalf("POST /hr/rounds = %d, Location %q:\n%.400s", res.StatusCode, res.Header.Get("Location"), res.body)
	}
	report := res.Header.Get("Location")
	id := strings.TrimPrefix(report, "/reports/")
	res = e.get(hr, report)
	mustContain(t, "open report", res.body, "配信を予約しました。", "回答者が5人に満たないため", `id="report-not-closed"`)
	if strings.Contains(res.body, `id="scores"`) {
		t.Error("an open round shows scores")
	}

	// Employees answer; the count shows from five, rounded.
	_, in, err := e.srv.Surveys.Round(ctx, e.account("first@example.jp", own.ID), id)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 7 {
		a := e.account(fmt.Sprintf("emp%d@example.jp", i), own.ID)
		if _, err := e.srv.Surveys.Respond(ctx, a, id, e.likertAll(in.ID, 4)); err != nil {
			t.Fatal(err)
		}
	}
	res = e.get(hr, report)
	mustContain(t, "report after 7 answers", res.body, "約5人が回答")
	if res := e.get(hr, report+"/crosstab.csv"); res.StatusCode != http.StatusConflict {
		t.Errorf("CSV of an open round = %d, want 409", res.StatusCode)
	}
	for _, path := range []string{report, report + "/crosstab.csv", "/api/v1/rounds/" + id + "/report"} {
		if res := e.get(theirHR, path); res.StatusCode != http.StatusNotFound {
			t.Errorf("another org's HR GET %s = %d, want 404", path, res.StatusCode)
		}
	}

	// A closed pulse by department: a department of two is hidden, and so
	// is the next smallest, so that the total does not give it away.
	dept := func(name string) *tsunagari.Department {
		d := &tsunagari.Department{OrgID: own.ID, Name: name}
		if err := e.stores.Orgs.CreateDepartment(ctx, d); err != nil {
			t.Fatal(err)
		}
		return d
	}
	design, legal := dept("デザイン室"), dept("法務部")
	closed := e.closedRound(survey.FiveSupports, own.ID, 20, func(i int) (tsunagari.Segments, []tsunagari.Answer) {
		d, point := sales.ID, 4.0
		switch {
		case i >= 18:
			d, point = legal.ID, 1
		case i >= 12:
			d, point = design.ID, 5
		}
		return tsunagari.Segments{DepartmentID: d, AgeBand: "30s"}, e.likertAll(survey.FiveSupports, point)
	})
	res = e.get(hr, "/reports/"+closed.ID)
	mustContain(t, "closed report", res.body, `id="scores-table"`, "人事部", "5人未満のため非表示", "ほかの5人未満の集団を守るため非表示",
		"安全道路", `<svg`, "部署")
	rows := tableRows(t, res.body, "scores-table")
	if got := rows["人事部"]; len(got) < 2 || got[0] != "12" {
		t.Errorf("scores of 人事部 = %v, want 12 respondents and their means", got)
	}
	if got := rows["全体"]; len(got) < 2 || got[0] != "20" {
		t.Errorf("scores of all = %v, want 20 respondents", got)
	}
	var rep struct {
		Closed bool
		Scores struct {
			Groups []struct {
				ID, Hidden  string
				Shown       bool
				Respondents *int
				Means       []float64
			}
		}
	}
	if err := json.Unmarshal([]byte(e.api(hr, "GET", "/api/v1/rounds/"+closed.ID+"/report", "").body), &rep); err != nil {
		t.Fatal(err)
	}
	hidden := map[string]string{}
	for _, g := range rep.Scores.Groups {
		if !g.Shown {
			hidden[g.ID] = g.Hidden
			if g.Respondents != nil || g.Means != nil {
				t.Errorf("hidden group %s carries numbers: %+v", g.ID, g)
			}
		}
	}
	if !rep.Closed || hidden[legal.ID] != "small" || hidden[design.ID] != "complement" {
		t.Errorf("API report hidden groups = %v, want legal small and design complement", hidden)
	}
	res = e.get(hr, "/reports/"+closed.ID+"?segment=religion")
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.body, "その区分で集計できません") {
		t.Errorf("report by an unknown segment = %d", res.StatusCode)
	}

	// The list shows both rounds, newest first.
	res = e.get(hr, "/hr/rounds")
	mustContain(t, "rounds list", res.body, "/reports/"+id, "/reports/"+closed.ID, "回答受付中", "締切済み")
	var list []struct{ ID string }
	json.Unmarshal([]byte(e.api(hr, "GET", "/api/v1/rounds", "").body), &list)
	if len(list) != 2 {
		t.Errorf("GET /api/v1/rounds = %v, want the two rounds of the org", list)
	}
}

// tableRows returns the cells of each row of the table with the given
// id, by the row's header text, with tags stripped.
func tableRows(t *testing.T, body, id string) map[string][]string {
	t.Helper()
	start := strings.Index(body, `id="`+id+`"`)
	if start < 0 {
		t.Fatalf("no table %s in:\n%.500s", id, body)
	}
	table := body[start:]
	table = table[:strings.Index(table, "</table>")]
	out := map[string][]string{}
	row := regexp.MustCompile(`(?s)<tr[^>]*><th scope="row">(.*?)</th>(.*?)</tr>`)
	cell := regexp.MustCompile(`(?s)<td[^>]*>(.*?)</td>`)
	tag := regexp.MustCompile(`<[^>]+>`)
	for _, m := range row.FindAllStringSubmatch(table, -1) {
		var cells []string
		for _, c := range cell.FindAllStringSubmatch(m[2], -1) {
			cells = append(cells, strings.TrimSpace(tag.ReplaceAllString(c[1], "")))
		}
		out[tag.ReplaceAllString(m[1], "")] = cells
	}
	return out
}

// TestCrossTabReproducesPublishedShares loads the demo's HR survey and
// reads its cross-tabs as the operator does, on the page and as CSV: the
// published shares come back by company size, within rounding.
func TestCrossTabReproducesPublishedShares(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	var steps []demo.Step
	for _, s := range demo.DefaultSteps() {
		if s.Name == "hr_survey" {
			steps = append(steps, s)
		}
	}
	if len(steps) != 1 {
		t.Fatal("the demo has no HR survey step")
	}
	g := &demo.Generator{Stores: e.stores, Seed: 1, Now: time.Now(), PasswordHash: e.hash, Steps: steps}
	if _, err := g.Run(ctx); err != nil {
		t.Fatal(err)
	}
	no := false
	rounds, err := e.stores.Surveys.FindRounds(ctx, tsunagari.RoundFilter{InstrumentID: survey.HRAutonomySurvey, Standing: &no})
	if err != nil || len(rounds) != 1 {
		t.Fatalf("HR survey rounds = %v, %v", rounds, err)
	}
	id := rounds[0].ID
	e.enrol(e.account("operator@example.jp", "", tsunagari.RoleOperator))
	op := e.signIn("operator@example.jp")

	// share reads one option's percentage of a group from a page's table
	// and from the CSV, and checks that both say the same.
	type table struct {
		page map[string][]string
		csv  map[string][]string
	}
	get := func(item, segment string) table {
		t.Helper()
		q := "?item=" + item + "&segment=" + segment
		res := e.get(op, "/reports/"+id+q)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET report %s = %d", q, res.StatusCode)
		}
		mustContain(t, "cross-tab page", res.body, `id="crosstab-chart-title"`, `role="img"`, `id="crosstab-table"`)
		csvRes := e.get(op, "/reports/"+id+"/crosstab.csv"+q)
		if csvRes.StatusCode != http.StatusOK || !strings.HasPrefix(csvRes.Header.Get("Content-Type"), "text/csv") {
			t.Fatalf("GET CSV %s = %d %s", q, csvRes.StatusCode, csvRes.Header.Get("Content-Type"))
		}
		if !strings.HasPrefix(csvRes.body, "\uFEFF") || !strings.Contains(csvRes.body, "\r\n") {
			t.Errorf("the CSV does not start with a byte-order mark and use CRLF: %q", csvRes.body[:min(40, len(csvRes.body))])
		}
		recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(csvRes.body, "\uFEFF"))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		tb := table{page: tableRows(t, res.body, "crosstab-table"), csv: map[string][]string{}}
		for _, rec := range recs[1:] {
			tb.csv[rec[0]] = rec[1:]
		}
		tb.csv["header"] = recs[0]
		return tb
	}
	// percent returns the share of option (by its position) in group, as
	// the page and the CSV show it.
	percent := func(tb table, group string, option int) float64 {
		t.Helper()
		cells, rec := tb.page[group], tb.csv[group]
		if len(cells) <= option+1 || len(rec) <= 2+2*option {
			t.Fatalf("group %s: page %v, CSV %v", group, cells, rec)
		}
		onPage, err := strconv.ParseFloat(strings.TrimSuffix(strings.Fields(cells[1+option])[0], "%"), 64)
		if err != nil {
			t.Fatal(err)
		}
		inCSV, err := strconv.ParseFloat(rec[2+2*option], 64)
		if err != nil {
			t.Fatal(err)
		}
		if onPage != inCSV {
			t.Errorf("group %s option %d: the page says %v%%, the CSV %v%%", group, option, onPage, inCSV)
		}
		return onPage
	}
	near := func(what string, got, want float64) {
		t.Helper()
		if math.Abs(got-want) >= 1 {
			t.Errorf("%s = %.1f%%, want %.0f%% within rounding", what, got, want)
		}
	}

	mustContain(t, "closed HR survey", e.get(op, "/reports/"+id).body, "246人が回答")
	interest := get("interest", "company_size")
	if h := interest.csv["header"]; h[0] != "企業規模" || h[1] != "回答者数" || h[2] != "強く感じる（人）" || h[3] != "強く感じる（%）" {
		t.Errorf("CSV header = %v", h)
	}
	if n := interest.csv["全体"][0]; n != "246" {
		t.Errorf("CSV respondents of all = %s, want 246", n)
	}
	near("interested overall (strongly + to some extent)", percent(interest, "全体", 0)+percent(interest, "全体", 1), 58)
	near("strongly interested at 1,001+", percent(interest, "1,001名以上", 0), 30)
	for _, size := range []string{"300名以下", "301〜1,000名", "1,001名以上"} {
		if len(interest.page[size]) != 5 || len(interest.csv[size]) != 10 {
			t.Errorf("group %s: page %v, CSV %v; want it shown with every option", size, interest.page[size], interest.csv[size])
		}
	}

	initiatives := get("initiatives", "company_size")
	near("implementing overall", percent(initiatives, "全体", 0)+percent(initiatives, "全体", 1), 40)
	near("primarily for autonomy", percent(initiatives, "全体", 0), 13)
	near("implementing at 1,001+", percent(initiatives, "1,001名以上", 0)+percent(initiatives, "1,001名以上", 1), 60)

	effect := get("effect", "company_size")
	near("able to verify the effect", percent(effect, "全体", 0), 8)
	near("not yet at that stage", percent(effect, "全体", 2), 51)

	// The derived segment: implementing or not.
	byImpl := get("interest", "implementing")
	if byImpl.csv["実施している"][0] != "98" || byImpl.csv["実施していない"][0] != "148" {
		t.Errorf("implementing / not implementing = %v / %v, want 98 and 148", byImpl.csv["実施している"], byImpl.csv["実施していない"])
	}
	// Multiple choice: shares of respondents, drawn as grouped bars.
	res := e.get(op, "/reports/"+id+"?item=purposes&segment=company_size")
	mustContain(t, "multiple choice", res.body, `class="chart grouped"`, "いくつでも選べるため")

	// The JSON cross-tab gives the same numbers.
	var ct struct {
		Total struct {
			Respondents int
			Percents    []float64
		}
	}
	if err := json.Unmarshal([]byte(e.api(op, "GET", "/api/v1/rounds/"+id+"/crosstab?item=effect&segment=company_size", "").body), &ct); err != nil {
		t.Fatal(err)
	}
	if ct.Total.Respondents != 246 || len(ct.Total.Percents) != 4 || ct.Total.Percents[0] != percent(effect, "全体", 0) {
		t.Errorf("JSON cross-tab total = %+v", ct.Total)
	}

	// In English, the labels change and the numbers do not.
	req, _ := http.NewRequest("GET", e.ts.URL+"/reports/"+id+"/crosstab.csv?item=interest&segment=company_size", nil)
	req.Header.Set("Accept-Language", "en")
	en := e.do(op, req)
	recs, _ := csv.NewReader(bytes.NewReader([]byte(strings.TrimPrefix(en.body, "\uFEFF")))).ReadAll()
	if len(recs) < 5 || recs[0][0] != "Company size" || recs[0][2] != "Strongly (people)" || recs[3][0] != "1,001 or more" {
		t.Errorf("English CSV = %v", recs)
	}
}

func TestAuthoringInTheBrowser(t *testing.T) {
	e := newTestEnv(t)
	own, _ := e.org("つながり商事")
	e.enrol(e.account("hr@example.jp", own.ID, tsunagari.RoleHRAdmin))
	hr := e.signIn("hr@example.jp")
	member := e.client()
	e.startSession(member, e.account("member@example.jp", own.ID))

	res := e.get(hr, "/instruments/new")
	mustContain(t, "new instrument form", res.body, `name="item.0.id"`, `name="item.2.textJa"`, `name="definition"`, "JSONで編集する")
	if res := e.get(member, "/instruments/new"); res.StatusCode != http.StatusNotFound {
		t.Errorf("a member opening the editor = %d, want 404", res.StatusCode)
	}

	form := url.Values{
		"id": {"onboarding"}, "titleJa": {"入社後チェック"}, "titleEn": {"Onboarding check"}, "minutes": {"２"},
		"dimensions": {"fit | なじみ | Fit | 職場になじめているか | Feeling at home"},
		"slots":      {"3"},
		"item.0.id":  {"q1"}, "item.0.kind": {"likert"}, "item.0.required": {"1"}, "item.0.dimension": {"fit"},
		"item.0.textJa": {"職場になじめている"}, "item.0.textEn": {"I feel at home here"},
		"item.1.id": {"q2"}, "item.1.kind": {"single"}, "item.1.textJa": {"入社経路"}, "item.1.textEn": {"How I joined"},
		"item.1.options": {"new_grad | 新卒 | New graduate\nmid_career | 中途 | Mid-career\nother | その他 | Other | other"},
	}
	// Problems first: every one listed with its place, nothing stored.
	bad := url.Values{}
	for k, v := range form {
		bad[k] = v
	}
	bad.Set("item.0.textEn", "")
	bad.Set("item.1.options", "new_grad | 新卒\nmid_career | 中途 | Mid-career | exclusive")
	bad.Set("item.2.id", "q3")
	bad.Set("item.2.kind", "number")
	bad.Set("item.2.textJa", "年数")
	bad.Set("item.2.textEn", "Years")
	bad.Set("item.2.min", "十")
	fp := e.fingerprint()
	res = e.post(hr, "/instruments", bad)
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("POST /instruments with problems = %d", res.StatusCode)
	}
	mustContain(t, "problems", res.body, `id="problems"`, "6件の問題があります",
		"質問欄 2 › 選択肢: 1行目を「ID | 日本語 | English」の形で書いてください。",
		"質問欄 3 › 最小値: 数値で入れてください。",
		"質問欄 1 › 質問文: 日本語と英語の両方を入れてください。",
		"質問欄 2 › 選択肢: 選択肢は2〜40個にしてください。")
	if e.fingerprint() != fp {
		t.Error("a refused instrument changed the database")
	}
	bad = url.Values{}
	for k, v := range form {
		bad[k] = v
	}
	bad.Set("item.0.textEn", "")
	bad.Set("item.1.when", "q9: x")
	res = e.post(hr, "/instruments", bad)
	mustContain(t, "validation problems", res.body, "2件の問題があります",
		"質問欄 1 › 質問文: 日本語と英語の両方を入れてください。",
		"質問欄 2 › 表示条件 › 質問: 表示条件の「q9」は、この質問より前にある選択式の質問ではありません。",
		`id="slot-1"`, `class="item-editor invalid"`)

	res = e.post(hr, "/instruments", form)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/instruments" {
		t.Fatalf("POST /instruments = %d %s:\n%.600s", res.StatusCode, res.Header.Get("Location"), res.body)
	}
	res = e.get(hr, "/instruments")
	mustContain(t, "instrument list", res.body, "質問票を保存しました。", "入社後チェック", "/instruments/onboarding/edit")
	saved, err := e.stores.Surveys.FindInstrument(context.Background(), "onboarding", 0)
	if err != nil || saved.Version != 1 || saved.OrgID != own.ID || saved.Minutes != 2 || len(saved.Items()) != 2 ||
		!saved.Item("q2").Options[2].Other || saved.Sections[0].Title.Ja != "入社後チェック" {
		t.Fatalf("stored = %+v, %v", saved, err)
	}

	// Editing shows the stored version; saving it unchanged adds nothing,
	// a change adds version 2.
	res = e.get(hr, "/instruments/onboarding/edit")
	mustContain(t, "editor", res.body, "いまの版は1版です", `value="職場になじめている"`, "other | その他 | Other | other")
	res = e.post(hr, "/instruments", form)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatal(res.StatusCode)
	}
	mustContain(t, "unchanged", e.get(hr, "/instruments").body, "変更がなかったので、新しい版は作りませんでした。")
	form.Set("item.0.reverse", "1")
	e.post(hr, "/instruments", form)
	if v2, _ := e.stores.Surveys.FindInstrument(context.Background(), "onboarding", 0); v2.Version != 2 || !v2.Item("q1").Reverse {
		t.Errorf("after a change the latest is %+v, want version 2 with q1 reversed", v2)
	}

	// The JSON editor: a syntax error names its line; a valid definition
	// saves like the form.
	res = e.post(hr, "/instruments", url.Values{"action": {"json"}, "definition": {"{\n  \"id\": \"pulse2\",\n  \"title\": ,\n}"}})
	mustContain(t, "JSON syntax", res.body, "JSONの書き方に誤りがあります（3行目あたり）。", `id="json-editor" open`)
	res = e.post(hr, "/instruments", url.Values{"action": {"json"}, "definition": {`{"id":"values_diagnosis","title":{"ja":"改","en":"Changed"},"sections":[]}`}})
	mustContain(t, "built-in", res.body, "組み込みの質問票のIDです", "質問がありません")
	def := `{"id":"pulse2","title":{"ja":"パルス","en":"Pulse"},"sections":[{"id":"s","title":{"ja":"節","en":"Section"},` +
		`"items":[{"id":"q","kind":"text","text":{"ja":"ひとこと","en":"A word"}}]}]}`
	if res := e.post(hr, "/instruments", url.Values{"action": {"json"}, "definition": {def}}); res.StatusCode != http.StatusSeeOther {
		t.Errorf("saving JSON = %d:\n%.500s", res.StatusCode, res.body)
	}
	// "More" adds question blocks and saves nothing.
	fp = e.fingerprint()
	res = e.post(hr, "/instruments", url.Values{"action": {"more"}, "slots": {"3"}})
	mustContain(t, "more blocks", res.body, `name="item.7.id"`)
	if e.fingerprint() != fp {
		t.Error("adding question blocks changed the database")
	}
}

func TestCreateInstrumentAPI(t *testing.T) {
	e := newTestEnv(t)
	own, _ := e.org("つながり商事")
	e.enrol(e.account("hr@example.jp", own.ID, tsunagari.RoleHRAdmin))
	hr := e.signIn("hr@example.jp")
	fp := e.fingerprint()
	req, _ := http.NewRequest("POST", e.ts.URL+"/api/v1/instruments", strings.NewReader(
		`{"id":"pulse","title":{"ja":"パルス","en":""},"sections":[{"id":"s","title":{"ja":"節","en":"Section"},"items":[`+
			`{"id":"q1","kind":"likert","points":6,"text":{"ja":"問","en":"Q"}},`+
			`{"id":"q1","kind":"single","text":{"ja":"問","en":"Q"},"options":[{"id":"a","label":{"ja":"あ","en":"A"}}]}]}]}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept-Language", "en")
	res := e.do(hr, req)
	var body struct {
		Code    string
		Message string
		Details []struct{ Field, Message string }
	}
	json.Unmarshal([]byte(res.body), &body)
	want := map[string]string{
		"title":                        "Write it in both Japanese and English.",
		"sections[0].items[0].points":  "A scale has 5 or 7 points.",
		"sections[0].items[1].id":      "The ID q1 is used twice.",
		"sections[0].items[1].options": "Give 2 to 40 options.",
	}
	got := map[string]string{}
	for _, d := range body.Details {
		got[d.Field] = d.Message
	}
	if res.StatusCode != http.StatusUnprocessableEntity || body.Message != "The questionnaire definition has 4 problems." || len(got) != len(want) {
		t.Errorf("createInstrument with problems = %d %s %v", res.StatusCode, body.Message, got)
	}
	for f, m := range want {
		if got[f] != m {
			t.Errorf("problem at %s = %q, want %q", f, got[f], m)
		}
	}
	if e.fingerprint() != fp {
		t.Error("a refused instrument changed the database")
	}
}

// hrAnswers is the i-th made-up answer to the HR survey: sizes and
// initiatives in turn.
func hrAnswers(i int) (tsunagari.Segments, []tsunagari.Answer) {
	size := []string{"size_small", "size_mid", "size_large"}[i%3]
	initiative := []string{"primary", "related", "planning", "none"}[i%4]
	answers := []tsunagari.Answer{
		{Item: "company_size", Choices: []string{size}},
		{Item: "interest", Choices: []string{[]string{"strong", "somewhat", "little"}[i%3]}},
		{Item: "initiatives", Choices: []string{initiative}},
		{Item: "effect", Choices: []string{[]string{"verified", "not_yet", "not_yet", "unknown"}[i%4]}},
		{Item: "voices", Choices: []string{"market_value", "too_busy"}},
		{Item: "expectations", Choices: []string{"learning"}},
		{Item: "obstacles", Choices: []string{"none"}},
		{Item: "plans", Choices: []string{"continue"}},
	}
	if initiative == "primary" || initiative == "related" {
		answers = append(answers, tsunagari.Answer{Item: "purposes", Choices: []string{"engagement"}},
			tsunagari.Answer{Item: "measures", Choices: []string{"career_training", "other"}, Other: "社内大学"},
			tsunagari.Answer{Item: "targets", Choices: []string{"all_employees"}})
	}
	return tsunagari.Segments{SizeBand: tsunagari.SizeBand(size), JobFamily: "hr"}, answers
}

// TestCrossTabCSVKeepsFormulasOut checks that labels an author wrote come
// out of the CSV as text, never as a spreadsheet formula.
func TestCrossTabCSVKeepsFormulasOut(t *testing.T) {
	e := newTestEnv(t)
	own, _ := e.org("つながり商事")
	hrAcc := e.account("hr@example.jp", own.ID, tsunagari.RoleHRAdmin)
	e.enrol(hrAcc)
	in := &tsunagari.Instrument{ID: "formula", Title: tsunagari.Text{Ja: "式", En: "Formula"},
		Sections: []tsunagari.Section{{ID: "s", Title: tsunagari.Text{Ja: "節", En: "Section"}, Items: []tsunagari.Item{
			{ID: "q", Kind: tsunagari.KindSingle, Text: tsunagari.Text{Ja: "問", En: "Q"}, Options: []tsunagari.Option{
				{ID: "a", Label: tsunagari.Text{Ja: "=HYPERLINK(\"http://example.com\")", En: "=1+1"}},
				{ID: "b", Label: tsunagari.Text{Ja: "@SUM(A1)", En: "@SUM(A1)"}}}}}}}}
	if _, err := e.srv.Surveys.Author(context.Background(), hrAcc, in); err != nil {
		t.Fatal(err)
	}
	r := e.closedRound("formula", own.ID, 6, func(i int) (tsunagari.Segments, []tsunagari.Answer) {
		return tsunagari.Segments{}, []tsunagari.Answer{{Item: "q", Choices: []string{[]string{"a", "b"}[i%2]}}}
	})
	hr := e.signIn("hr@example.jp")
	res := e.get(hr, "/reports/"+r.ID+"/crosstab.csv?item=q&segment=age_band")
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(res.body, "\uFEFF"))).ReadAll()
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("CSV = %d %v", res.StatusCode, err)
	}
	for _, rec := range recs {
		for _, cell := range rec {
			if cell != "" && strings.ContainsRune("=+-@", rune(cell[0])) {
				t.Errorf("CSV cell %q would be read as a formula", cell)
			}
		}
	}
	if h := recs[0]; h[2] != `'=HYPERLINK("http://example.com")（人）` || h[4] != "'@SUM(A1)（人）" {
		t.Errorf("CSV header = %q", h)
	}
}
