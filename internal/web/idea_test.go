package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"tsunagari"
)

// TestIdeaPages: a member posts an idea through the form, two others say
// "me too" with a role, the poster turns it into a community, and the
// supporters find their invitation; bad input answers with a localised
// message and changes nothing.
func TestIdeaPages(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	e.account("poster@example.jp", "")
	fan1, fan2 := e.account("fan1@example.jp", ""), e.account("fan2@example.jp", "")
	poster := e.signIn("poster@example.jp")
	c1, c2 := e.signIn("fan1@example.jp"), e.signIn("fan2@example.jp")

	if res := e.get(poster, "/ideas/new"); res.StatusCode != http.StatusOK || !strings.Contains(res.body, "問題意識を書く") {
		t.Fatalf("GET /ideas/new = %d", res.StatusCode)
	}
	fp := e.fingerprint()
	for _, c := range []struct {
		form url.Values
		want string
	}{
		{url.Values{"title": {""}, "area": {"13"}}, "問題意識を入力してください。"},
		{url.Values{"title": {strings.Repeat("あ", 121)}, "area": {"13"}}, "問題意識は120文字以内で入力してください。"},
		{url.Values{"title": {"学び場"}, "area": {"99"}}, "地域は都道府県かオンラインから選んでください。"},
		{url.Values{"title": {"学び場"}, "area": {"online"}, "threshold": {"1"}}, "人数は2〜50人で入力してください。"},
	} {
		res := e.post(poster, "/ideas", c.form)
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.body, c.want) {
			t.Errorf("POST /ideas %v = %d, want 422 with %q", c.form, res.StatusCode, c.want)
		}
	}
	if e.fingerprint() != fp {
		t.Error("refused ideas changed the database")
	}

	res := e.post(poster, "/ideas", url.Values{"title": {"介護の現場でマネジメントを学べる場がほしい"}, "tags": {"介護、マネジメント"},
		"area": {"15"}, "threshold": {"2"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST /ideas = %d: %.500s", res.StatusCode, res.body)
	}
	path := res.Header.Get("Location")
	page := e.follow(poster, res)
	if !strings.Contains(page.body, "問題意識を投稿しました。") || !strings.Contains(page.body, "新潟県") {
		t.Errorf("the new idea's page lacks the flash or the area:\n%.2000s", page.body)
	}
	// Found with a two-character query.
	if res := e.get(c1, "/ideas?q="+url.QueryEscape("介護")); !strings.Contains(res.body, path[len("/ideas/"):]) {
		t.Errorf("GET /ideas?q=介護 does not list the idea")
	}

	// Bad "me too"s: the poster's own, an unknown role, twice.
	fp = e.fingerprint()
	if res := e.post(poster, path+"/support", url.Values{}); res.StatusCode != http.StatusConflict ||
		!strings.Contains(res.body, "自分の問題意識には") {
		t.Errorf("supporting one's own idea = %d", res.StatusCode)
	}
	if res := e.post(c1, path+"/support", url.Values{"role": {"juggling"}}); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("supporting with an unknown role = %d", res.StatusCode)
	}
	if res := e.post(poster, path+"/convert", url.Values{"kind": {"npo"}}); res.StatusCode != http.StatusConflict ||
		!strings.Contains(res.body, "2人の賛同が必要です") {
		t.Errorf("converting below the threshold = %d", res.StatusCode)
	}
	if e.fingerprint() != fp {
		t.Error("refused actions changed the database")
	}
	if res := e.post(c1, path+"/support", url.Values{"role": {"organise"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("support = %d: %.500s", res.StatusCode, res.body)
	}
	if res := e.post(c1, path+"/support", url.Values{}); res.StatusCode != http.StatusConflict || !strings.Contains(res.body, "すでに") {
		t.Errorf("supporting twice = %d", res.StatusCode)
	}
	if res := e.post(c2, path+"/support", url.Values{"role": {"venue"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("support = %d", res.StatusCode)
	}

	// The poster sees the supporters and the offer to convert; others do
	// not see who supports it.
	page = e.get(poster, path)
	if !strings.Contains(page.body, `id="idea-convert"`) || !strings.Contains(page.body, "会場を提供する") {
		t.Errorf("the poster's page lacks the conversion form or the roles:\n%.3000s", page.body)
	}
	if res := e.get(c2, path); strings.Contains(res.body, "idea-supporter-list") {
		t.Error("a supporter sees who else supports the idea")
	}
	fp = e.fingerprint()
	if res := e.post(c1, path+"/convert", url.Values{"kind": {"npo"}}); res.StatusCode != http.StatusNotFound {
		t.Errorf("converting someone else's idea = %d, want 404", res.StatusCode)
	}
	if e.fingerprint() != fp {
		t.Error("converting someone else's idea changed the database")
	}

	res = e.post(poster, path+"/convert", url.Values{"kind": {"occupational"}, "name": {"介護マネジメントの学び場"}})
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/communities/") {
		t.Fatalf("convert = %d %s: %.500s", res.StatusCode, res.Header.Get("Location"), res.body)
	}
	communityID := strings.TrimPrefix(res.Header.Get("Location"), "/communities/")
	for _, f := range []*tsunagari.Account{fan1, fan2} {
		if _, err := e.stores.Communities.FindMembership(ctx, communityID, f.ID); err == nil {
			t.Errorf("%s became a member without their own act", f.Email)
		}
	}
	for _, f := range []*tsunagari.Account{fan1, fan2} {
		mails, err := e.stores.Outbox.FindMail(ctx, tsunagari.MailFilter{To: f.Email})
		if err != nil || len(mails) != 1 || mails[0].Kind != "idea_invitation" || !strings.Contains(mails[0].Body, "/communities/"+communityID) {
			t.Errorf("mail to %s = %+v, %v; want the invitation to the community", f.Email, mails, err)
		}
	}
	if res := e.get(c2, "/ideas"); !strings.Contains(res.body, `id="idea-invitations"`) || !strings.Contains(res.body, communityID) {
		t.Errorf("the supporter's list shows no invitation to the community:\n%.2000s", res.body)
	}
	if res := e.get(c2, path); !strings.Contains(res.body, `id="idea-invited"`) {
		t.Error("the idea's page does not tell the supporter they are invited")
	}
	if res := e.post(poster, path+"/convert", url.Values{}); res.StatusCode != http.StatusConflict {
		t.Errorf("converting twice = %d", res.StatusCode)
	}

	// English.
	e.post(c2, "/lang", url.Values{"lang": {"en"}, "next": {"/ideas"}})
	if res := e.get(c2, path); !strings.Contains(res.body, "This idea has become a community.") {
		t.Errorf("the English page lacks its wording:\n%.2000s", res.body)
	}
}
