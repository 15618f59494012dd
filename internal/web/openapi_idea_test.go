package web_test

import (
	"net/http"
	"net/url"
	"testing"
)

// ideaScenario drives the idea operations of /api/v1 through the
// validator: a member posts an idea, two others say "me too" (one takes
// it back and says it again), the bad inputs are refused, and the poster
// turns it into a community that invites the supporters.
func ideaScenario(t *testing.T, e *testEnv, v *apiValidator, poster, anon *http.Client) {
	t.Helper()
	e.account("idea-fan1@example.jp", "")
	e.account("idea-fan2@example.jp", "")
	fan1, fan2 := e.signIn("idea-fan1@example.jp"), e.signIn("idea-fan2@example.jp")

	v.call(anon, "createIdea", "POST", "/api/v1/ideas", `{"title":"学び場","area":"online"}`, 401)
	v.call(poster, "createIdea", "POST", "/api/v1/ideas", `{"title":"","area":"online"}`, 422)
	v.call(poster, "createIdea", "POST", "/api/v1/ideas", `{"title":"学び場","area":"mars"}`, 422)
	v.call(poster, "createIdea", "POST", "/api/v1/ideas", `{"title":"学び場","area":"13","threshold":51}`, 422)
	i := decode[struct {
		ID        string
		Threshold int
	}](t, v.call(poster, "createIdea", "POST", "/api/v1/ideas",
		`{"title":"介護の現場でマネジメントを学べる場がほしい","tags":["介護","マネジメント"],"area":"15","threshold":2}`, 201))
	path := "/api/v1/ideas/" + i.ID

	v.call(anon, "listIdeas", "GET", "/api/v1/ideas", "", 401)
	found := decode[struct{ Ideas []idJSON }](t, v.call(fan1, "listIdeas", "GET", "/api/v1/ideas?q="+url.QueryEscape("介護"), "", 200))
	if len(found.Ideas) != 1 || found.Ideas[0].ID != i.ID {
		t.Errorf("listIdeas(介護) = %v, want the idea", found.Ideas)
	}
	v.call(fan1, "getIdea", "GET", path, "", 200)
	v.call(fan1, "getIdea", "GET", "/api/v1/ideas/aaaaaaaaaaaaaaaaaaaaaaaaaa", "", 404)

	v.call(poster, "supportIdea", "POST", path+"/support", `{}`, 409) // one's own
	v.call(fan1, "supportIdea", "POST", path+"/support", `{"role":"juggling"}`, 422)
	v.call(fan1, "supportIdea", "POST", path+"/support", `{"role":"organise"}`, 201)
	v.call(fan1, "supportIdea", "POST", path+"/support", `{"role":"speak"}`, 409) // twice
	v.call(poster, "convertIdea", "POST", path+"/conversion", `{}`, 409)          // below the threshold
	v.call(fan2, "withdrawIdeaSupport", "DELETE", path+"/support", "", 409)       // not supporting
	v.call(fan2, "supportIdea", "POST", path+"/support", `{}`, 201)
	v.call(fan2, "withdrawIdeaSupport", "DELETE", path+"/support", "", 204)
	v.call(fan2, "supportIdea", "POST", path+"/support", `{"role":"venue"}`, 201)

	v.call(fan1, "convertIdea", "POST", path+"/conversion", `{"kind":"npo"}`, 404) // not the poster
	v.call(poster, "convertIdea", "POST", path+"/conversion", `{"kind":"guild"}`, 422)
	c := decode[idJSON](t, v.call(poster, "convertIdea", "POST", path+"/conversion", `{"kind":"occupational","name":"介護マネジメントの学び場"}`, 201))
	v.call(poster, "convertIdea", "POST", path+"/conversion", `{}`, 409) // once
	v.call(fan1, "withdrawIdeaSupport", "DELETE", path+"/support", "", 409)

	got := decode[struct {
		CommunityID string
		Support     struct{ InvitedAt *string }
	}](t, v.call(fan2, "getIdea", "GET", path, "", 200))
	if got.CommunityID != c.ID || got.Support.InvitedAt == nil {
		t.Errorf("getIdea after conversion = %+v, want community %s and the supporter invited", got, c.ID)
	}
	mine := decode[struct{ Supporters []struct{ Name string } }](t, v.call(poster, "getIdea", "GET", path, "", 200))
	if len(mine.Supporters) != 2 {
		t.Errorf("the poster sees %d supporters, want 2", len(mine.Supporters))
	}
	// Invited, not a member: the community has its organiser only.
	comm := decode[struct{ MemberCount int }](t, v.call(fan2, "getCommunity", "GET", "/api/v1/communities/"+c.ID, "", 200))
	if comm.MemberCount != 1 {
		t.Errorf("memberCount = %d, want the organiser only", comm.MemberCount)
	}
}
