package web_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"

	"tsunagari"
)

// mustCommunity creates a community run by organiser directly in the
// store.
func (e *testEnv) community(organiser *tsunagari.Account, kind tsunagari.CommunityKind, name, purpose string) *tsunagari.Community {
	e.t.Helper()
	c := &tsunagari.Community{Kind: kind, Name: name, Purpose: purpose, Prefecture: "13", Online: true,
		JoinPolicy: tsunagari.JoinOpen, Languages: []string{"ja"}, Tags: []string{}, Styles: []tsunagari.ActivityStyle{},
		Traits: []tsunagari.Trait{tsunagari.TraitFreeExit}}
	if kind == tsunagari.CommunityRegionalAlumni {
		c.HomePrefecture = "15"
	}
	if organiser != nil {
		c.Organisers = []tsunagari.Organiser{{AccountID: organiser.ID, Role: tsunagari.CommunityOrganiser}}
	}
	if err := e.stores.Communities.CreateCommunity(context.Background(), c); err != nil {
		e.t.Fatal(err)
	}
	return c
}

func wantStatus(t *testing.T, what string, res response, status int, body ...string) {
	t.Helper()
	if res.StatusCode != status {
		t.Errorf("%s: status %d, want %d\n%.600s", what, res.StatusCode, status, res.body)
		return
	}
	for _, b := range body {
		if !strings.Contains(res.body, b) {
			t.Errorf("%s: body lacks %q\n%.2000s", what, b, res.body)
		}
	}
}

func TestCommunityPages(t *testing.T) {
	e := newTestEnv(t)
	e.account("org@example.jp", "", tsunagari.RoleOrganiser)
	e.account("member@example.jp", "")
	organiser, member := e.signIn("org@example.jp"), e.signIn("member@example.jp")

	// The organiser starts a community through the form.
	wantStatus(t, "new form", e.get(organiser, "/communities/new"), 200, "コミュニティをつくる")
	wantStatus(t, "new form for a member", e.get(member, "/communities/new"), 404)
	res := e.post(organiser, "/communities", url.Values{"kind": {"regional_alumni"}, "name": {"にいがた県人会 in 東京"},
		"purpose": {"新潟にゆかりのある20〜30代がSNSでつながる"}, "prefecture": {"13"}, "online": {"1"}, "homePrefecture": {"15"},
		"tags": {"Uターン、地域"}, "styles": {"online_group", "events"}, "monthlyFee": {"０"}, "hoursPerMonth": {"2"},
		"languages": {"ja"}, "joinPolicy": {"open"}, "traits": {"free_exit", "newcomer_support"}})
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/communities/") {
		t.Fatalf("create: %d %s\n%.500s", res.StatusCode, res.Header.Get("Location"), res.body)
	}
	page := res.Header.Get("Location")

	// A bad form shows the form again with the error and stores nothing.
	fp := e.fingerprint()
	res = e.post(organiser, "/communities", url.Values{"kind": {"regional_alumni"}, "name": {"出身地のない県人会"}, "purpose": {"x"},
		"prefecture": {"13"}, "joinPolicy": {"open"}})
	wantStatus(t, "create without a home region", res, 422, "ゆかりのある都道府県を選んでください")
	if e.fingerprint() != fp {
		t.Error("a refused community changed the database")
	}

	// The member finds it with a two-character query and full-width letters.
	wantStatus(t, "search 新潟", e.get(member, "/communities?q="+url.QueryEscape("新潟")), 200, "にいがた県人会 in 東京", "1件見つかりました")
	wantStatus(t, "search ｕターン", e.get(member, "/communities?q="+url.QueryEscape("ｕターン")), 200, "にいがた県人会 in 東京")
	wantStatus(t, "search too short", e.get(member, "/communities?q="+url.QueryEscape("の")), 200, `id="too-short"`)
	wantStatus(t, "search bad filter", e.get(member, "/communities?pref=99"), 422)
	wantStatus(t, "community page", e.get(member, page), 200, "新潟にゆかりのある20〜30代", "出入り自由", `id="join-form"`)

	// Join as an observer, change involvement, leave in one click.
	res = e.post(member, page+"/join", url.Values{"involvement": {"observer"}})
	wantStatus(t, "join", res, 303)
	wantStatus(t, "after joining", e.get(member, page), 200, `id="leave"`, "見学", `id="rate-later"`)
	wantStatus(t, "join twice", e.post(member, page+"/join", url.Values{"involvement": {"regular"}}), 409, "すでに参加")
	wantStatus(t, "involvement", e.post(member, page+"/involvement", url.Values{"involvement": {"regular"}}), 303)
	wantStatus(t, "mine", e.get(member, "/communities/mine"), 200, "にいがた県人会 in 東京", "参加")
	wantStatus(t, "organiser's members page", e.get(organiser, page+"/members"), 200, "山田 花子")
	wantStatus(t, "member's members page", e.get(member, page+"/members"), 404)
	wantStatus(t, "leave", e.post(member, page+"/leave", url.Values{"from": {"page"}}), 303)
	wantStatus(t, "after leaving", e.get(member, page), 200, `id="join-form"`)
	wantStatus(t, "organiser leaves", e.post(organiser, page+"/leave", nil), 409, "引き継いで")

	// The organiser edits it.
	wantStatus(t, "edit form", e.get(organiser, page+"/edit"), 200, "にいがた県人会 in 東京")
	wantStatus(t, "edit form for a member", e.get(member, page+"/edit"), 404)
	res = e.post(organiser, page+"/edit", url.Values{"kind": {"regional_alumni"}, "name": {"にいがた県人会 TOKYO"},
		"purpose": {"新潟が好きな人のゆるいつながり"}, "prefecture": {"13"}, "homePrefecture": {"15"}, "joinPolicy": {"approval"}})
	wantStatus(t, "edit", res, 303)
	wantStatus(t, "after editing", e.get(member, page), 200, "にいがた県人会 TOKYO", "運営者の承認後に参加")

	// Joining now waits for approval.
	wantStatus(t, "request", e.post(member, page+"/join", url.Values{"involvement": {"regular"}}), 303)
	wantStatus(t, "pending", e.get(member, page), 200, `id="pending"`)
	acc, _ := e.stores.Accounts.FindAccountByEmail(context.Background(), "member@example.jp")
	wantStatus(t, "approve by the member", e.post(member, page+"/members/"+acc.ID+"/approve", nil), 404)
	wantStatus(t, "approve", e.post(organiser, page+"/members/"+acc.ID+"/approve", nil), 303)
	wantStatus(t, "approve twice", e.post(organiser, page+"/members/"+acc.ID+"/approve", nil), 409)
	wantStatus(t, "co-organiser", e.post(organiser, page+"/members/"+acc.ID+"/role", url.Values{"role": {"co_organiser"}}), 303)
	wantStatus(t, "co-organiser sees members", e.get(member, page+"/members"), 200, "共同運営者")
}

// checkCommunityVocabulary checks the community enumerations of the
// OpenAPI document against the Go vocabulary.
func checkCommunityVocabulary(t *testing.T, check func(string, []string), strs func(...any) []string) {
	t.Helper()
	list := func(vs any) []string {
		var out []string
		switch vs := vs.(type) {
		case []tsunagari.CommunityKind:
			for _, v := range vs {
				out = append(out, string(v))
			}
		case []tsunagari.Trait:
			for _, v := range vs {
				out = append(out, string(v))
			}
		case []tsunagari.ActivityStyle:
			for _, v := range vs {
				out = append(out, string(v))
			}
		case []tsunagari.Involvement:
			for _, v := range vs {
				out = append(out, string(v))
			}
		case []tsunagari.CommunityRole:
			for _, v := range vs {
				out = append(out, string(v))
			}
		}
		return out
	}
	check("CommunityKind", list(tsunagari.CommunityKinds))
	check("Trait", list(tsunagari.Traits))
	check("ActivityStyle", list(tsunagari.ActivityStyles))
	check("Involvement", list(tsunagari.Involvements))
	check("CommunityRole", list(tsunagari.CommunityRoles))
	check("MembershipStatus", strs(tsunagari.MembershipActive, tsunagari.MembershipPending))
	check("JoinPolicy", strs(tsunagari.JoinOpen, tsunagari.JoinApproval))
}

func init() {
	// JSON Lines bodies are text to the document's checks.
	openapi3filter.RegisterBodyDecoder("application/x-ndjson", func(r io.Reader, _ http.Header, _ *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
		b, err := io.ReadAll(r)
		return string(b), err
	})
}

// communityScenario drives the community operations of the API through
// the validator: searching, reading, joining, leaving and importing.
func communityScenario(t *testing.T, e *testEnv, v *apiValidator, member, op *http.Client) {
	t.Helper()
	lead := e.account("lead@example.jp", "", tsunagari.RoleOrganiser)
	niigata := e.community(lead, tsunagari.CommunityRegionalAlumni, "にいがた県人会 in 東京", "新潟にゆかりのある20〜30代がSNSでつながる")
	hidden := e.community(lead, tsunagari.CommunityUnion, "非公開のユニオン", "相談")
	now := time.Now()
	if err := e.stores.Communities.SetCommunityHidden(context.Background(), hidden.ID, &now, "規約違反"); err != nil {
		t.Fatal(err)
	}
	anon := e.client()

	v.call(anon, "searchCommunities", "GET", "/api/v1/communities?q=x", "", 401)
	res := decode[struct {
		Total       int
		TooShort    bool
		Communities []struct{ ID string }
	}](t, v.call(member, "searchCommunities", "GET", "/api/v1/communities?q="+url.QueryEscape("新潟")+"&kind=regional_alumni&online=1&maxFee=0", "", 200))
	if res.Total != 1 || res.Communities[0].ID != niigata.ID || res.TooShort {
		t.Errorf("searchCommunities 新潟 = %+v; want the Niigata community", res)
	}
	if short := decode[struct{ TooShort bool }](t, v.call(member, "searchCommunities", "GET", "/api/v1/communities?q="+url.QueryEscape("の"), "", 200)); !short.TooShort {
		t.Error("searchCommunities の: tooShort is false")
	}
	v.call(member, "searchCommunities", "GET", "/api/v1/communities?kind=club", "", 422)
	v.call(member, "searchCommunities", "GET", "/api/v1/communities?limit=500", "", 422)

	v.call(member, "getCommunity", "GET", "/api/v1/communities/"+niigata.ID, "", 200)
	v.call(member, "getCommunity", "GET", "/api/v1/communities/"+hidden.ID, "", 404)
	v.call(op, "getCommunity", "GET", "/api/v1/communities/"+hidden.ID, "", 200)

	fp := e.fingerprint()
	v.call(member, "joinCommunity", "POST", "/api/v1/communities/"+hidden.ID+"/membership", `{"involvement":"observer"}`, 404)
	v.call(member, "joinCommunity", "POST", "/api/v1/communities/"+niigata.ID+"/membership", `{"involvement":"fan"}`, 422)
	v.call(member, "joinCommunity", "POST", "/api/v1/communities/"+niigata.ID+"/membership", `{"involvement":"observer"}`, 403, "Sec-Fetch-Site", "cross-site")
	if e.fingerprint() != fp {
		t.Error("refused joins changed the database")
	}
	v.call(member, "joinCommunity", "POST", "/api/v1/communities/"+niigata.ID+"/membership", `{"involvement":"observer"}`, 201)
	v.call(member, "joinCommunity", "POST", "/api/v1/communities/"+niigata.ID+"/membership", `{}`, 409)
	v.call(member, "getCommunity", "GET", "/api/v1/communities/"+niigata.ID, "", 200)
	v.call(member, "leaveCommunity", "DELETE", "/api/v1/communities/"+niigata.ID+"/membership", "", 204)
	v.call(member, "leaveCommunity", "DELETE", "/api/v1/communities/"+niigata.ID+"/membership", "", 404)

	line := `{"kind":"npo","name":"プロボノで地域を支える会","purpose":"専門性を地域に","prefecture":"新潟","organisers":["lead@example.jp"]}`
	v.call(member, "importCommunities", "POST", "/api/v1/communities/import", line, 404, "Content-Type", "application/x-ndjson")
	fp = e.fingerprint()
	bad := decode[struct{ Details []struct{ Line int } }](t, v.call(op, "importCommunities", "POST", "/api/v1/communities/import",
		line+"\n"+`{"kind":"club","name":"x","purpose":"y","prefecture":"13"}`+"\n"+`{"kind":"union","name":"x","purpose":"y","prefecture":"東京県"}`,
		422, "Content-Type", "application/x-ndjson"))
	if len(bad.Details) != 2 || bad.Details[0].Line != 2 || bad.Details[1].Line != 3 {
		t.Errorf("importCommunities details = %+v; want lines 2 and 3", bad.Details)
	}
	if e.fingerprint() != fp {
		t.Error("an import with an unknown kind and an unknown prefecture changed the database")
	}
	done := decode[struct{ Imported int }](t, v.call(op, "importCommunities", "POST", "/api/v1/communities/import", line+"\n", 201,
		"Content-Type", "application/x-ndjson"))
	if done.Imported != 1 {
		t.Errorf("importCommunities imported %d; want 1", done.Imported)
	}
}
