package web_test

import (
	"context"
	"net/url"
	"slices"

	"tsunagari"
)

// The authorization matrix's ideas: an idea the actor posted (own) or a
// colleague posted (other); one the actor supports (own) or does not
// (other); and one at its threshold that the actor (own) or a colleague
// (other) posted.
const (
	kindIdea       objectKind = "idea"
	kindIdeaBacked objectKind = "idea_supported"
	kindIdeaReady  objectKind = "idea_ready"
)

func ideaRelations(k objectKind) ([]string, bool) {
	switch k {
	case kindIdea, kindIdeaBacked, kindIdeaReady:
		// Ideas belong to no tenant: the actor's own, or someone else's.
		return []string{relOwn, relOther}, true
	}
	return nil, false
}

func ideaForm(*world, *actor) (string, string) {
	return form(url.Values{"title": {"介護の現場でマネジメントを学べる場がほしい"}, "tags": {"介護、マネジメント"}, "area": {"15"}, "threshold": {"5"}})
}

func ideaSupportForm(*world, *actor) (string, string) {
	return form(url.Values{"role": {"venue"}})
}

func ideaConvertForm(*world, *actor) (string, string) {
	return form(url.Values{"kind": {"occupational"}})
}

// ideaObject creates, for one cell, an idea in relation rel to a.
func (w *world) ideaObject(kind objectKind, rel string, a *actor) (string, bool) {
	if _, ok := ideaRelations(kind); !ok {
		return "", false
	}
	ctx := context.Background()
	st, t := w.e.stores, w.e.t
	self := a.acc
	if self == nil { // anonymous: a member of org A's own
		self = w.actors[slices.IndexFunc(w.actors, func(x *actor) bool { return x.role == "member" })].acc
	}
	poster := a.colleague
	if rel == relOwn && kind != kindIdeaBacked {
		poster = self
	}
	i := &tsunagari.Idea{PosterID: poster.ID, Title: "学び場 " + w.seq(), Tags: []string{"介護"}, Area: "13", Threshold: 2}
	if err := st.Ideas.CreateIdea(ctx, i); err != nil {
		t.Fatal(err)
	}
	support := func(acc *tsunagari.Account) {
		if err := st.Ideas.AddSupport(ctx, &tsunagari.IdeaSupport{IdeaID: i.ID, AccountID: acc.ID}); err != nil {
			t.Fatal(err)
		}
	}
	fresh := func() *tsunagari.Account {
		p := &tsunagari.Account{Email: w.fresh(), Name: "賛同 者", PasswordHash: w.e.hash, Roles: []tsunagari.Role{tsunagari.RoleMember}}
		if err := st.Accounts.CreateAccount(ctx, p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	switch kind {
	case kindIdeaBacked:
		if rel == relOwn {
			support(self)
		} else {
			support(fresh())
		}
	case kindIdeaReady:
		support(fresh())
		support(fresh())
	}
	return i.ID, true
}
