package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"tsunagari"
)

// recommendFixture lists a small directory across the six kinds, with
// members whose make-up the recommendations will quote, in the database
// of m.
func recommendFixture(t *testing.T, m *Main) map[string]*tsunagari.Community {
	t.Helper()
	ctx := context.Background()
	st := m.db.Stores()
	person := func(i int, job, lives, home string) *tsunagari.Account {
		a := &tsunagari.Account{Email: fmt.Sprintf("member%d@example.jp", i), Name: fmt.Sprintf("会員 %d", i),
			Roles: []tsunagari.Role{tsunagari.RoleMember}, JobFamily: job, Industry: "services", Prefecture: lives,
			HomePrefecture: home, AgeBand: "30s"}
		if err := st.Accounts.CreateAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
		return a
	}
	out := map[string]*tsunagari.Community{}
	n := 0
	list := func(key string, kind tsunagari.CommunityKind, name, purpose string, members int, member func(i int) *tsunagari.Account,
		edit func(c *tsunagari.Community)) {
		c := &tsunagari.Community{Kind: kind, Name: name, Purpose: purpose, Tags: []string{}, Prefecture: "13", Online: true,
			Styles: []tsunagari.ActivityStyle{tsunagari.StyleEvents}, Languages: []string{"ja"}, JoinPolicy: tsunagari.JoinOpen,
			HoursPerMonth: 2, Traits: []tsunagari.Trait{tsunagari.TraitFreeExit, tsunagari.TraitNewcomerSupport}}
		if edit != nil {
			edit(c)
		}
		if err := st.Communities.CreateCommunity(ctx, c); err != nil {
			t.Fatal(err)
		}
		for i := range members {
			n++
			if err := st.Communities.CreateMembership(ctx, &tsunagari.Membership{CommunityID: c.ID, AccountID: member(i).ID,
				Involvement: tsunagari.InvolvementRegular, Role: tsunagari.CommunityMember, Status: tsunagari.MembershipActive}); err != nil {
				t.Fatal(err)
			}
		}
		out[key] = c
	}
	office := func(i int) *tsunagari.Account { return person(n, []string{"sales", "it", "admin"}[i%3], "13", "13") }
	list("niigata", tsunagari.CommunityRegionalAlumni, "にいがた県人会 in 東京", "新潟にゆかりのある人が東京でつながり、地元との関わり方を一緒に考える", 12,
		func(i int) *tsunagari.Account { return person(n, "sales", "13", "15") },
		func(c *tsunagari.Community) { c.HomePrefecture, c.Tags = "15", []string{"Uターン", "県人会"} })
	list("osaka", tsunagari.CommunityRegionalAlumni, "大阪ゆかりの会", "大阪出身者の交流と情報交換", 15,
		func(i int) *tsunagari.Account { return person(n, "sales", "13", "27") },
		func(c *tsunagari.Community) { c.HomePrefecture = "27" })
	list("care", tsunagari.CommunityOccupational, "介護職の対話カフェ", "介護の現場で働く人が月に一度、悩みを話し合う", 10,
		func(i int) *tsunagari.Account {
			if i < 7 {
				return person(n, "care", "13", "13")
			}
			return person(n, "medical", "13", "13")
		},
		func(c *tsunagari.Community) { c.JobFamily, c.Tags = "care", []string{"介護", "対話"} })
	list("it", tsunagari.CommunityOccupational, "ITエンジニア勉強会", "エンジニアの学び直しと情報交換", 20,
		func(i int) *tsunagari.Account { return person(n, "it", "13", "13") }, nil)
	list("union", tsunagari.CommunityUnion, "つながるユニオン", "キャリア相談と転職支援を行うオンラインの労働組合", 25, office, nil)
	list("npo", tsunagari.CommunityNPO, "プロボノ東京", "週5時間のプロボノで社会課題に取り組む", 18, office, nil)
	list("coop", tsunagari.CommunityWorkerCoop, "まちの協同労働", "地域で一緒に出資し、働き、決める", 8, office,
		func(c *tsunagari.Community) { c.Prefecture = "14" })
	list("alumni", tsunagari.CommunityCorporateAlumni, "相和精機アルムナイ", "元社員のつながりと再雇用・協業", 30, office, nil)
	return out
}

// TestRecommendationsInChromium: a new member from Niigata living in
// Tokyo, who gave up a U-turn, finds the Niigata 県人会 among the top
// three with a reason naming Niigata; a care worker finds the care café
// with a reason.
func TestRecommendationsInChromium(t *testing.T) {
	ctx := surveyBrowser(t)
	m := surveyServer(t)
	base := m.URL()
	dir := recommendFixture(t, m)
	start := time.Now()
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s (at %v): %v", what, time.Since(start).Round(time.Millisecond), err)
		}
	}
	texts := func(sel string) []string {
		t.Helper()
		out, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](
			fmt.Sprintf(`Array.from(document.querySelectorAll(%q)).map(e => e.textContent.trim())`, sel)))
		if err != nil {
			t.Fatalf("%s: %v", sel, err)
		}
		return out
	}
	ranked := func() []string {
		t.Helper()
		ids, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](
			`Array.from(document.querySelectorAll('#recommendations > li')).map(e => e.id.slice(4))`))
		if err != nil {
			t.Fatal(err)
		}
		return ids
	}
	// awaitListed waits, reloading, until the recommendations page lists
	// the community: the index follows new data within two seconds.
	awaitListed := func(id string) {
		t.Helper()
		deadline := time.Now().Add(3 * time.Second)
		for {
			do("open recommendations", chromedp.Navigate(base+"/recommendations"), chromedp.WaitVisible(chromedp.ID("main")))
			for _, got := range ranked() {
				if got == id {
					return
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("community %s never listed; page has %v", id, ranked())
			}
			time.Sleep(100 * time.Millisecond)
		}
	}

	do("sign up as Hanako",
		chromedp.Navigate(base+"/signup"),
		chromedp.SendKeys(chromedp.ID("name"), "佐藤 花子"),
		chromedp.SendKeys(chromedp.ID("email"), "hanako@example.jp"),
		chromedp.SendKeys(chromedp.ID("password"), "tsunagari-e2e-password"),
		chromedp.Submit(chromedp.ID("password")),
		chromedp.WaitVisible(chromedp.ID("dashboard-title")),
	)
	do("say she lives in Tokyo and comes from Niigata",
		chromedp.Navigate(base+"/settings"),
		chromedp.SetValue(chromedp.ID("jobFamily"), "public"),
		chromedp.SetValue(chromedp.ID("prefecture"), "13"),
		chromedp.SetValue(chromedp.ID("homePrefecture"), "15"),
		chromedp.Click(chromedp.ID("save-settings")),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
	)
	do("answer the isolation check: she gave up a U-turn",
		chromedp.Navigate(base+"/surveys"),
		chromedp.Click(chromedp.CSS("#offer-isolation_check a.button")),
		chromedp.WaitVisible(chromedp.ID("survey-form")),
		chromedp.Click(chromedp.CSS(`input[name="given_up"][value="u_turn"]`)),
		chromedp.Click(chromedp.CSS(`input[name="supporters"][value="nobody"]`)),
		answerAll(func(string) int { return 4 }),
		chromedp.Click(chromedp.ID("submit-survey")),
		chromedp.WaitVisible(chromedp.ID("isolation-reading")),
	)
	do("open her recommendations",
		chromedp.Click(chromedp.ID("nav-recommendations")),
		chromedp.WaitVisible(chromedp.ID("recommendations")),
		screenshot("recommendations-niigata"),
	)
	top := ranked()
	rank := -1
	for i, id := range top {
		if id == dir["niigata"].ID {
			rank = i
		}
	}
	if rank < 0 || rank > 2 {
		t.Fatalf("the Niigata 県人会 ranks %d in %v, want among the top three", rank+1, top)
	}
	reasons := texts(fmt.Sprintf("#rec-%s ul.reasons li", dir["niigata"].ID))
	if !strings.Contains(strings.Join(reasons, "\n"), "新潟") {
		t.Errorf("the 県人会's reasons do not name Niigata: %q", reasons)
	}
	t.Logf("Hanako's list: 県人会 at %d; its reasons %q", rank+1, reasons)
	if kinds := texts("#recommendations > li .kind .badge"); len(kinds) < 4 {
		t.Errorf("kinds on the page: %q", kinds)
	}

	// Her wish, in her own words; bookmark the 県人会, set another aside.
	do("write what she wants",
		chromedp.Click(chromedp.CSS("details.prefs summary")),
		chromedp.SendKeys(chromedp.ID("wish"), "いつか新潟に帰って、地元の役に立ちたい"),
		chromedp.Click(chromedp.ID("save-prefs")),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
	)
	if got := ranked(); len(got) == 0 || got[0] != dir["niigata"].ID {
		t.Errorf("with her wish, the 県人会 is not first: %v", got)
	}
	reasons = texts(fmt.Sprintf("#rec-%s ul.reasons li", dir["niigata"].ID))
	if !strings.Contains(strings.Join(reasons, "\n"), "新潟県出身の方のコミュニティ") {
		t.Errorf("reasons = %q, want 新潟県出身の方のコミュニティ", reasons)
	}
	do("bookmark the 県人会",
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`#rec-%s form[action$="/bookmark"] button`, dir["niigata"].ID))),
		chromedp.WaitVisible(chromedp.ID("marks")),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
	)
	second := ranked()[1]
	do("set the second one aside",
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`#rec-%s form[action$="/dismiss"] button`, second))),
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`#rec-%s.dismissed`, second))),
		screenshot("recommendations-marked"),
	)
	if got := ranked(); got[len(got)-1] != second {
		t.Errorf("the dismissed community is not last: %v", got)
	}
	if saved := texts("#marks li"); len(saved) != 2 {
		t.Errorf("marks = %q, want the bookmark and the dismissal", saved)
	}

	do("sign out", chromedp.Click(chromedp.ID("signout")), chromedp.WaitVisible(chromedp.ID("signin-link")))
	do("sign up as a care worker",
		chromedp.Navigate(base+"/signup"),
		chromedp.SendKeys(chromedp.ID("name"), "鈴木 一郎"),
		chromedp.SendKeys(chromedp.ID("email"), "ichiro@example.jp"),
		chromedp.SendKeys(chromedp.ID("password"), "tsunagari-e2e-password"),
		chromedp.Submit(chromedp.ID("password")),
		chromedp.WaitVisible(chromedp.ID("dashboard-title")),
		chromedp.Navigate(base+"/settings"),
		chromedp.SetValue(chromedp.ID("jobFamily"), "care"),
		chromedp.SetValue(chromedp.ID("industry"), "healthcare_welfare"),
		chromedp.SetValue(chromedp.ID("prefecture"), "11"),
		chromedp.Click(chromedp.ID("save-settings")),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
	)
	awaitListed(dir["care"].ID)
	do("look", screenshot("recommendations-care"))
	if got := ranked(); got[0] != dir["care"].ID {
		t.Errorf("the care worker's first recommendation is %s, want the care café (%v)", got[0], got)
	}
	reasons = texts(fmt.Sprintf("#rec-%s ul.reasons li", dir["care"].ID))
	joined := strings.Join(reasons, "\n")
	if !strings.Contains(joined, "介護・福祉の仕事をする人のためのコミュニティ") || !strings.Contains(joined, "同じ職種") && !strings.Contains(joined, "月2時間から") {
		t.Errorf("the care café's reasons = %q", reasons)
	}
	t.Logf("the care worker's reasons for the café: %q", reasons)
}
