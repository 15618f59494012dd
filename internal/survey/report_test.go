package survey_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"tsunagari"
	"tsunagari/internal/disclosure"
	"tsunagari/internal/survey"
)

func TestNewBuiltins(t *testing.T) {
	ins, err := survey.Builtins()
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]*tsunagari.Instrument{}
	for _, in := range ins {
		byID[in.ID] = in
	}

	fs := byID[survey.FiveSupports]
	perSupport := map[string]int{}
	for _, it := range fs.Items() {
		if it.Kind != tsunagari.KindLikert || !it.Required {
			t.Errorf("five supports item %s is not a required Likert item", it.ID)
		}
		perSupport[it.Dimension]++
	}
	for _, id := range []string{"safe_road", "backing", "forward_drive", "contribution", "future_view"} {
		if n := perSupport[id]; n < 2 || n > 3 {
			t.Errorf("five supports: %d items on %s, want 2–3", n, id)
		}
	}
	if len(perSupport) != 5 || len(fs.Dimensions) != 5 {
		t.Errorf("five supports dimensions = %v", perSupport)
	}

	pp := byID[survey.PrePost]
	var dims []string
	for _, d := range pp.Dimensions {
		dims = append(dims, d.ID)
	}
	if want := []string{"clarity", "self_efficacy", "connection", "perspective", "growth", "options", "opportunity"}; !slices.Equal(dims, want) {
		t.Errorf("pre_post dimensions = %v, want %v", dims, want)
	}

	hr := byID[survey.HRAutonomySurvey]
	for _, id := range []string{"interest", "initiatives", "purposes", "measures", "targets", "effect", "voices", "expectations", "obstacles", "plans"} {
		if it := hr.Item(id); it == nil || (it.Kind != tsunagari.KindSingle && it.Kind != tsunagari.KindMultiple) {
			t.Errorf("hr_autonomy_survey lacks the choice item %s", id)
		}
	}
	if got := hr.SegmentGroups("company_size"); !slices.Equal(got, []string{"size_small", "size_mid", "size_large"}) {
		t.Errorf("company_size groups = %v, want the size bands", got)
	}
	for _, o := range hr.Item("company_size").Options {
		if tsunagari.SizeBand(o.ID) != tsunagari.SizeSmall && tsunagari.SizeBand(o.ID) != tsunagari.SizeMid && tsunagari.SizeBand(o.ID) != tsunagari.SizeLarge {
			t.Errorf("company_size option %s is not a size band", o.ID)
		}
	}
	answers := func(initiative string) []tsunagari.Answer {
		return []tsunagari.Answer{{Item: "initiatives", Choices: []string{initiative}}}
	}
	for initiative, want := range map[string]string{"primary": "implementing", "related": "implementing",
		"planning": "not_implementing", "none": "not_implementing"} {
		if got := hr.SegmentOf("implementing", tsunagari.Segments{}, answers(initiative)); got != want {
			t.Errorf("implementing segment of %s = %s, want %s", initiative, got, want)
		}
	}
	// Purposes, measures and targets are asked of those who run initiatives.
	for _, id := range []string{"purposes", "measures", "targets"} {
		if w := hr.Item(id).When; w == nil || w.Item != "initiatives" || !slices.Equal(w.AnyOf, []string{"primary", "related"}) {
			t.Errorf("%s is shown %+v, want only to those implementing", id, w)
		}
	}
}

// custom is an instrument an HR administrator might write.
func custom(id, title string) *tsunagari.Instrument {
	t := func(ja, en string) tsunagari.Text { return tsunagari.Text{Ja: ja, En: en} }
	return &tsunagari.Instrument{ID: id, Title: t(title, "Onboarding check"), Minutes: 1,
		Dimensions: []tsunagari.Dimension{{ID: "fit", Label: t("なじみ", "Fit")}},
		Sections: []tsunagari.Section{{ID: "s", Title: t("入社して", "Since joining"), Items: []tsunagari.Item{
			{ID: "q1", Kind: tsunagari.KindLikert, Points: 5, Dimension: "fit", Required: true, Text: t("職場になじめている", "I fit in")},
			{ID: "q2", Kind: tsunagari.KindSingle, Text: t("入社経路", "How I joined"), Options: []tsunagari.Option{
				{ID: "new_grad", Label: t("新卒", "New graduate")}, {ID: "mid_career", Label: t("中途", "Mid-career")}}},
		}}}}
}

func TestAuthoring(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	other := &tsunagari.Org{Name: "さくら介護", DeclaredEmployees: 200, MinGroupSize: 5}
	if err := e.st.Orgs.CreateOrg(ctx, other); err != nil {
		t.Fatal(err)
	}
	hr := e.account(t, "hr@example.jp", e.org.ID, tsunagari.RoleHRAdmin)
	theirHR := e.account(t, "hr@sakura.example", other.ID, tsunagari.RoleHRAdmin)
	op := e.account(t, "op@example.jp", "", tsunagari.RoleOperator)
	me := e.account(t, "me@example.jp", e.org.ID)
	outsider := e.account(t, "out@example.jp", other.ID)

	// Refusals store nothing, and list every problem.
	fp := e.fingerprint(t)
	if _, err := e.svc.Author(ctx, me, custom("onboarding", "入社後チェック")); tsunagari.ErrorCode(err) != tsunagari.CodeForbidden {
		t.Errorf("a member authoring: %v, want forbidden", err)
	}
	bad := custom("Onboarding", "")
	bad.SelfService = true
	bad.Sections[0].Items[0].Points = 4
	_, err := e.svc.Author(ctx, hr, bad)
	if got := problemKeys(err); !slices.Equal(got, []string{"id:instrument.id_invalid", "title:instrument.wording_required",
		"sections[0].items[0].points:instrument.points_invalid", "selfService:instrument.self_service"}) {
		t.Errorf("Author(bad) problems = %v (%v)", got, err)
	}
	_, err = e.svc.Author(ctx, op, custom(survey.FivePowers, "改変"))
	if got := problemKeys(err); len(got) != 1 || got[0] != "id:instrument.builtin" {
		t.Errorf("Author(a built-in ID) problems = %v", got)
	}
	if e.fingerprint(t) != fp {
		t.Error("refused authoring changed the database")
	}

	in := custom("onboarding", "入社後チェック")
	if added, err := e.svc.Author(ctx, hr, in); err != nil || !added || in.Version != 1 || in.OrgID != e.org.ID {
		t.Fatalf("Author = %v, %v (version %d, org %q); want version 1 of the HR's org", added, err, in.Version, in.OrgID)
	}
	if added, err := e.svc.Author(ctx, hr, custom("onboarding", "入社後チェック")); err != nil || added {
		t.Errorf("Author(unchanged) = %v, %v; want nothing added", added, err)
	}
	if _, err := e.svc.Author(ctx, theirHR, custom("onboarding", "盗用")); keyOf(err) != "instrument.id_taken" {
		t.Errorf("another org's HR taking the ID: %v, want instrument.id_taken", err)
	}
	if _, err := e.svc.Author(ctx, op, custom("onboarding", "盗用")); keyOf(err) != "instrument.id_taken" {
		t.Errorf("an operator taking an org's ID: %v, want instrument.id_taken", err)
	}

	// A round of version 1, answered in personal mode, keeps its version
	// after the instrument changes.
	r1 := &tsunagari.Round{InstrumentID: "onboarding", Mode: tsunagari.ModePersonal}
	if err := e.svc.CreateRound(ctx, hr, r1); err != nil || r1.InstrumentVersion != 1 {
		t.Fatalf("CreateRound(onboarding) = %v, version %d", err, r1.InstrumentVersion)
	}
	_, v1, _ := e.svc.Round(ctx, me, r1.ID)
	if _, err := e.svc.Respond(ctx, me, r1.ID, all(v1, 4)); err != nil {
		t.Fatal(err)
	}
	changed := custom("onboarding", "入社後チェック（改訂）")
	changed.Sections[0].Items = append(changed.Sections[0].Items, tsunagari.Item{ID: "q3", Kind: tsunagari.KindLikert, Points: 5,
		Dimension: "fit", Text: tsunagari.Text{Ja: "相談できる先輩がいる", En: "I have someone to ask"}})
	if added, err := e.svc.Author(ctx, hr, changed); err != nil || !added || changed.Version != 2 {
		t.Fatalf("Author(changed) = %v, %v, version %d; want version 2", added, err, changed.Version)
	}
	mine, err := e.st.Surveys.FindResponses(ctx, tsunagari.ResponseFilter{AccountID: me.ID, InstrumentID: "onboarding"})
	if err != nil || len(mine) != 1 || mine[0].InstrumentVersion != 1 {
		t.Errorf("after version 2 the answer is on version %v, %v; want 1", mine, err)
	}
	if _, in1, _ := e.svc.Round(ctx, me, r1.ID); in1.Version != 1 || in1.Item("q3") != nil {
		t.Errorf("round 1 asks version %d; want it to keep version 1", in1.Version)
	}
	r2 := &tsunagari.Round{InstrumentID: "onboarding", Mode: tsunagari.ModeAttributed}
	if err := e.svc.CreateRound(ctx, hr, r2); err != nil || r2.InstrumentVersion != 2 {
		t.Errorf("a new round asks version %d, %v; want 2", r2.InstrumentVersion, err)
	}

	// An org's instrument is that org's: others neither read nor send it.
	if _, err := e.svc.Instrument(ctx, outsider, "onboarding", 0); tsunagari.ErrorCode(err) != tsunagari.CodeNotFound {
		t.Errorf("another org's employee reading it: %v, want not found", err)
	}
	if _, err := e.svc.Instrument(ctx, me, "onboarding", 1); err != nil {
		t.Errorf("its own employee reading version 1: %v", err)
	}
	for _, tt := range []struct {
		who *tsunagari.Account
		r   *tsunagari.Round
	}{
		{theirHR, &tsunagari.Round{InstrumentID: "onboarding", Mode: tsunagari.ModeAttributed}},
		{op, &tsunagari.Round{InstrumentID: "onboarding", Mode: tsunagari.ModeAttributed}}, // to everyone
	} {
		if err := e.svc.CreateRound(ctx, tt.who, tt.r); keyOf(err) != "survey.instrument_unknown" {
			t.Errorf("%s sending another org's instrument: %v, want survey.instrument_unknown", tt.who.Email, err)
		}
	}

	list := func(f func(context.Context, *tsunagari.Account) ([]*tsunagari.Instrument, error), a *tsunagari.Account) []string {
		t.Helper()
		ins, err := f(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, in := range ins {
			out = append(out, fmt.Sprintf("%s@%d", in.ID, in.Version))
		}
		return out
	}
	if got := list(e.svc.Authorable, hr); !slices.Equal(got, []string{"onboarding@2"}) {
		t.Errorf("Authorable(HR) = %v", got)
	}
	if got := list(e.svc.Authorable, theirHR); len(got) != 0 {
		t.Errorf("Authorable(other HR) = %v, want none", got)
	}
	if got := list(e.svc.Authorable, op); len(got) != 0 {
		t.Errorf("Authorable(operator) = %v, want none: the built-in ones are nobody's to change", got)
	}
	sched := list(e.svc.Schedulable, hr)
	if len(sched) != 7 || sched[0] != "values_diagnosis@1" || sched[6] != "onboarding@2" {
		t.Errorf("Schedulable(HR) = %v, want the six built-in ones, then the org's own", sched)
	}
	if got := list(e.svc.Schedulable, theirHR); slices.Contains(got, "onboarding@2") || len(got) != 6 {
		t.Errorf("Schedulable(other HR) = %v, want the built-in ones only", got)
	}
}

func problemKeys(err error) []string {
	var out []string
	if e, ok := err.(*tsunagari.Error); ok {
		for _, d := range e.Details {
			out = append(out, d.Field+":"+d.Key)
		}
	}
	return out
}

func keyOf(err error) string { return errKey(err) }

// TestHRRoundReport follows a five-supports round from scheduling to its
// report: counts only from k, results only once closed, small groups
// hidden together with the next smallest.
func TestHRRoundReport(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	hr := e.account(t, "hr@example.jp", e.org.ID, tsunagari.RoleHRAdmin)
	other := &tsunagari.Org{Name: "さくら介護", DeclaredEmployees: 200, MinGroupSize: 5}
	if err := e.st.Orgs.CreateOrg(ctx, other); err != nil {
		t.Fatal(err)
	}
	theirHR := e.account(t, "hr@sakura.example", other.ID, tsunagari.RoleHRAdmin)
	op := e.account(t, "op@example.jp", "", tsunagari.RoleOperator)
	dept := func(name string) *tsunagari.Department {
		d := &tsunagari.Department{OrgID: e.org.ID, Name: name}
		if err := e.st.Orgs.CreateDepartment(ctx, d); err != nil {
			t.Fatal(err)
		}
		return d
	}
	sales, design, legal := dept("営業部"), dept("デザイン室"), dept("法務部")
	r := &tsunagari.Round{InstrumentID: survey.FiveSupports, Mode: tsunagari.ModeAttributed, ClosesAt: now.Add(14 * 24 * time.Hour)}
	if err := e.svc.CreateRound(ctx, hr, r); err != nil {
		t.Fatal(err)
	}
	_, in, _ := e.svc.Round(ctx, hr, r.ID)

	seq := 0
	answer := func(n int, d *tsunagari.Department, point float64) {
		for range n {
			seq++
			a := e.account(t, fmt.Sprintf("p%d@example.jp", seq), e.org.ID)
			a.Employment.DepartmentID = d.ID
			if _, err := e.svc.Respond(ctx, a, r.ID, all(in, point)); err != nil {
				t.Fatal(err)
			}
		}
	}
	answer(3, sales, 4)
	rep, err := e.svc.Report(ctx, hr, r.ID, survey.ReportQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Participation.Shown || rep.Closed || rep.Scores != nil || rep.K != 5 {
		t.Errorf("report with 3 answers = %+v; want the count hidden and no results", rep)
	}
	answer(9, sales, 4) // 12 in sales, all "4": 75 points everywhere but the reversed items
	answer(6, design, 5)
	answer(2, legal, 1)
	rep, _ = e.svc.Report(ctx, hr, r.ID, survey.ReportQuery{})
	if !rep.Participation.Shown || rep.Participation.Value != 20 || rep.Scores != nil || rep.CrossTab != nil {
		t.Errorf("open round with 20 answers: participation %+v, scores %v; want 20 and no results yet", rep.Participation, rep.Scores)
	}
	if rep.Segment != tsunagari.SegmentDepartment || !slices.Contains(rep.Segments, tsunagari.SegmentAgeBand) ||
		slices.Contains(rep.Segments, tsunagari.SegmentSizeBand) || rep.Departments[legal.ID] != "法務部" {
		t.Errorf("segments %v (%s), departments %v; want departments first, and no size band within one org", rep.Segments, rep.Segment, rep.Departments)
	}

	now = now.Add(15 * 24 * time.Hour) // the round has closed
	rep, err = e.svc.Report(ctx, hr, r.ID, survey.ReportQuery{})
	if err != nil || !rep.Closed || rep.Scores == nil {
		t.Fatalf("closed report = %+v, %v", rep, err)
	}
	byID := map[string]disclosure.MeanColumn{}
	for _, c := range rep.Scores.Groups {
		byID[c.ID] = c
	}
	if s := byID[sales.ID]; !s.Shown || s.Respondents != 12 || len(s.Means) != 5 {
		t.Errorf("sales = %+v, want 12 respondents and five means", s)
	}
	if l := byID[legal.ID]; l.Shown || l.Hidden != disclosure.HiddenSmall {
		t.Errorf("legal (2 people) = %+v, want hidden", l)
	}
	if d := byID[design.ID]; d.Shown || d.Hidden != disclosure.HiddenComplement {
		t.Errorf("design (6 people) = %+v, want hidden so that legal cannot be worked out", d)
	}
	if tot := rep.Scores.Total; !tot.Shown || tot.Respondents != 20 {
		t.Errorf("total = %+v, want 20", tot)
	}
	if len(rep.Items) != 0 || rep.CrossTab != nil {
		t.Errorf("five supports has no choice items, yet items %v and cross-tab %v", rep.Items, rep.CrossTab)
	}

	// Nobody else reads it; bad queries say what is wrong.
	for _, who := range []*tsunagari.Account{theirHR, e.account(t, "member@example.jp", e.org.ID)} {
		if _, err := e.svc.Report(ctx, who, r.ID, survey.ReportQuery{}); tsunagari.ErrorCode(err) != tsunagari.CodeNotFound {
			t.Errorf("%s reading the report: %v, want not found", who.Email, err)
		}
	}
	if _, err := e.svc.Report(ctx, op, r.ID, survey.ReportQuery{}); err != nil {
		t.Errorf("the operator reading it: %v", err)
	}
	if _, err := e.svc.Report(ctx, hr, r.ID, survey.ReportQuery{Segment: "religion"}); keyOf(err) != "report.segment_invalid" {
		t.Errorf("unknown segment: %v", err)
	}
	if _, err := e.svc.Report(ctx, hr, r.ID, survey.ReportQuery{Item: "fs_safe1"}); keyOf(err) != "report.item_invalid" {
		t.Errorf("a Likert item to cross-tabulate: %v", err)
	}
	rounds, err := e.svc.Rounds(ctx, hr)
	if err != nil || len(rounds) != 1 || rounds[0].Round.ID != r.ID || rounds[0].Instrument.ID != survey.FiveSupports {
		t.Errorf("Rounds(HR) = %v, %v", rounds, err)
	}
	if rounds, _ := e.svc.Rounds(ctx, theirHR); len(rounds) != 0 {
		t.Errorf("Rounds(other HR) = %v, want none", rounds)
	}
}

// TestHRDepartmentSurvey sends the HR survey to HR administrators only and
// cross-tabulates it by a segment derived from the answers.
func TestHRDepartmentSurvey(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	op := e.account(t, "op@example.jp", "", tsunagari.RoleOperator)
	member := e.account(t, "member@example.jp", e.org.ID)
	hrSurvey := &tsunagari.Round{InstrumentID: survey.HRAutonomySurvey, Mode: tsunagari.ModeAttributed,
		Audience: tsunagari.RoleHRAdmin, ClosesAt: now.Add(time.Hour)}
	hr := e.account(t, "hr@example.jp", e.org.ID, tsunagari.RoleHRAdmin)
	if err := e.svc.CreateRound(ctx, hr, &tsunagari.Round{InstrumentID: survey.FiveSupports, Mode: tsunagari.ModeAttributed,
		Audience: tsunagari.RoleHRAdmin}); keyOf(err) != "survey.audience_invalid" {
		t.Errorf("HR choosing an audience: %v, want survey.audience_invalid", err)
	}
	if err := e.svc.CreateRound(ctx, op, hrSurvey); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.svc.Round(ctx, member, hrSurvey.ID); tsunagari.ErrorCode(err) != tsunagari.CodeNotFound {
		t.Errorf("a member opening the HR survey: %v, want not found", err)
	}
	offers, _ := e.svc.Instruments(ctx, member)
	for _, o := range offers {
		if o.Round.ID == hrSurvey.ID {
			t.Error("the HR survey is offered to a member")
		}
	}
	if _, _, err := e.svc.Round(ctx, hr, hrSurvey.ID); err != nil {
		t.Fatal(err)
	}
	offers, _ = e.svc.Instruments(ctx, hr)
	if !slices.ContainsFunc(offers, func(o survey.Offer) bool { return o.Round.ID == hrSurvey.ID }) {
		t.Error("the HR survey is not offered to an HR administrator")
	}
	// Six HR administrators answer: four implementing, two not.
	for i, initiative := range []string{"primary", "related", "related", "related", "none", "planning"} {
		a := hr
		if i > 0 {
			a = e.account(t, fmt.Sprintf("hr%d@example.jp", i), e.org.ID, tsunagari.RoleHRAdmin)
		}
		answers := []tsunagari.Answer{{Item: "company_size", Choices: []string{"size_large"}},
			{Item: "interest", Choices: []string{"strong"}}, {Item: "initiatives", Choices: []string{initiative}},
			{Item: "effect", Choices: []string{"not_yet"}}, {Item: "voices", Choices: []string{"market_value"}},
			{Item: "expectations", Choices: []string{"learning"}}, {Item: "obstacles", Choices: []string{"budget"}},
			{Item: "plans", Choices: []string{"expand"}}}
		if initiative == "primary" || initiative == "related" {
			answers = append(answers, tsunagari.Answer{Item: "purposes", Choices: []string{"engagement", "retention"}},
				tsunagari.Answer{Item: "measures", Choices: []string{"career_training"}},
				tsunagari.Answer{Item: "targets", Choices: []string{"all_employees"}})
		}
		if _, err := e.svc.Respond(ctx, a, hrSurvey.ID, answers); err != nil {
			t.Fatalf("HR answer %d: %v", i, err)
		}
	}
	now = now.Add(2 * time.Hour)
	rep, err := e.svc.Report(ctx, op, hrSurvey.ID, survey.ReportQuery{Item: "interest", Segment: "implementing"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rep.Segments[:2], []string{"company_size", "implementing"}) || !slices.Contains(rep.Segments, tsunagari.SegmentSizeBand) ||
		slices.Contains(rep.Segments, tsunagari.SegmentDepartment) {
		t.Errorf("segments of a survey across orgs = %v", rep.Segments)
	}
	ct := rep.CrossTab
	if ct == nil || !slices.Equal(rep.Groups, []string{"implementing", "not_implementing", tsunagari.Unspecified}) {
		t.Fatalf("cross-tab %v over groups %v", ct, rep.Groups)
	}
	// Implementing has 4 (< 5): hidden; not implementing, with 2, too.
	if ct.Groups[0].Shown || ct.Groups[1].Shown || !ct.Total.Shown || ct.Total.Respondents != 6 || ct.Total.Counts[0] != 6 {
		t.Errorf("cross-tab = %+v", ct)
	}
	rep, err = e.svc.Report(ctx, op, hrSurvey.ID, survey.ReportQuery{Item: "purposes", Segment: "company_size"})
	if err != nil || rep.CrossTab.Total.Shown || rep.CrossTab.Total.Respondents != 0 || rep.CrossTab.Groups[2].Shown {
		t.Errorf("purposes (asked of 4) = %+v, %v; want nothing shown below k", rep.CrossTab, err)
	}
}

func TestPrePost(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	hr := e.account(t, "hr@example.jp", e.org.ID, tsunagari.RoleHRAdmin)
	subject := tsunagari.Subject{Kind: tsunagari.SubjectProgramme, ID: "career-workshop-11"}
	pair := survey.Pair{Subject: subject, PreCloses: now.Add(24 * time.Hour),
		PostOpens: now.Add(48 * time.Hour), PostCloses: now.Add(30 * 24 * time.Hour)}

	fp := e.fingerprint(t)
	anon := pair
	anon.Mode = tsunagari.ModeAnonymous
	if _, _, err := e.svc.AttachPrePost(ctx, hr, anon); keyOf(err) != "survey.pair_mode" {
		t.Errorf("an anonymous pair: %v, want survey.pair_mode", err)
	}
	backwards := pair
	backwards.PostOpens = now.Add(-time.Hour)
	if _, _, err := e.svc.AttachPrePost(ctx, hr, backwards); tsunagari.ErrorCode(err) != tsunagari.CodeInvalid {
		t.Errorf("after opening before before: %v, want invalid", err)
	}
	if e.fingerprint(t) != fp {
		t.Error("refused pairs changed the database")
	}
	pre, post, err := e.svc.AttachPrePost(ctx, hr, pair)
	if err != nil || pre.Phase != tsunagari.PhasePre || post.Phase != tsunagari.PhasePost || pre.InstrumentID != survey.PrePost ||
		pre.OrgID != e.org.ID || *post.Subject != subject {
		t.Fatalf("AttachPrePost = %+v, %+v, %v", pre, post, err)
	}
	if _, _, err := e.svc.AttachPrePost(ctx, hr, pair); keyOf(err) != "survey.pair_exists" {
		t.Errorf("a second pair for the subject: %v, want survey.pair_exists", err)
	}
	_, in, _ := e.svc.Round(ctx, hr, pre.ID)

	// Without the secret nobody can answer a pooled pair.
	e.svc.PairSecret = nil
	someone := e.account(t, "someone@example.jp", e.org.ID)
	if _, err := e.svc.Respond(ctx, someone, pre.ID, all(in, 2)); tsunagari.ErrorCode(err) != tsunagari.CodeUnavailable {
		t.Errorf("answering without a pair secret: %v, want unavailable", err)
	}
	e.svc.PairSecret = []byte("survey test pair secret")

	// Eleven people answer before (2) and after (4); one answers only
	// after, and one only before.
	people := make([]*tsunagari.Account, 13)
	for i := range people {
		people[i] = e.account(t, fmt.Sprintf("p%02d@example.jp", i), e.org.ID)
		if i < 12 {
			if _, err := e.svc.Respond(ctx, people[i], pre.ID, all(in, 2)); err != nil {
				t.Fatal(err)
			}
		}
	}
	now = now.Add(48 * time.Hour)
	for i, p := range people {
		if i == 0 {
			continue
		}
		if _, err := e.svc.Respond(ctx, p, post.ID, all(in, 4)); err != nil {
			t.Fatal(err)
		}
	}
	if eff, err := e.svc.Effect(ctx, hr, subject); err != nil || eff.Closed {
		t.Errorf("Effect while the after round is open = %+v, %v; want nothing yet", eff, err)
	}
	now = now.Add(31 * 24 * time.Hour)
	eff, err := e.svc.Effect(ctx, hr, subject)
	if err != nil || !eff.Closed {
		t.Fatalf("Effect = %+v, %v", eff, err)
	}
	if eff.Before.K != disclosure.MinPairedGroupSize || eff.Before.Total.Respondents != 11 || eff.After.Total.Respondents != 11 {
		t.Errorf("Effect pairs = %d and %d under k %d; want the 11 who answered both, under k 10",
			eff.Before.Total.Respondents, eff.After.Total.Respondents, eff.Before.K)
	}
	// Point 2 scores 25 and point 4 scores 75, the reversed item the other
	// way round: clarity is (25+75)/2 = 50 before and (75+25)/2 after.
	if b, a := eff.Before.Total.Means, eff.After.Total.Means; len(b) != 7 || b[1] != 25 || a[1] != 75 || b[0] != 50 || a[0] != 50 {
		t.Errorf("Effect means before %v after %v", b, a)
	}
	member := e.account(t, "member@example.jp", e.org.ID)
	if _, err := e.svc.Effect(ctx, member, subject); tsunagari.ErrorCode(err) != tsunagari.CodeNotFound {
		t.Errorf("a member reading the effect: %v, want not found", err)
	}
	if _, err := e.svc.Effect(ctx, hr, tsunagari.Subject{Kind: tsunagari.SubjectEvent, ID: "nothing"}); tsunagari.ErrorCode(err) != tsunagari.CodeNotFound {
		t.Errorf("the effect of a subject without a pair: %v, want not found", err)
	}

	// With fewer than ten pairs nothing is shown.
	small := tsunagari.Subject{Kind: tsunagari.SubjectEvent, ID: "small-event"}
	pre2, post2, err := e.svc.AttachPrePost(ctx, hr, survey.Pair{Subject: small, PostCloses: now.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range people[:9] {
		e.svc.Respond(ctx, p, pre2.ID, all(in, 3))
		e.svc.Respond(ctx, p, post2.ID, all(in, 5))
	}
	now = now.Add(2 * time.Hour)
	eff, err = e.svc.Effect(ctx, hr, small)
	if err != nil || eff.Before.Total.Shown || eff.After.Total.Shown {
		t.Errorf("Effect of 9 pairs = %+v, %v; want nothing shown", eff, err)
	}
}
