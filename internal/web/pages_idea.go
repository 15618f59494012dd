package web

import (
	"net/http"
	"net/url"

	"tsunagari"
	"tsunagari/internal/idea"
)

// Idea pages (問題意識): the list with its search and the visitor's
// invitations, the form to post one, and an idea's page where others say
// "me too" and its poster turns it into a community.

type ideaVocab struct {
	Prefectures []tsunagari.Prefecture
	Roles       []tsunagari.IdeaRole
	Kinds       []tsunagari.CommunityKind
	Min, Max    int
}

var ivocab = ideaVocab{Prefectures: tsunagari.Prefectures, Roles: tsunagari.IdeaRoles, Kinds: tsunagari.CommunityKinds,
	Min: tsunagari.MinIdeaThreshold, Max: tsunagari.MaxIdeaThreshold}

type ideasPage struct {
	Ideas       []*tsunagari.Idea
	Invitations []*tsunagari.Idea
	Query       string
}

func (s *Server) ideasList(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	q := r.URL.Query().Get("q")
	list, err := s.Ideas.Search(r.Context(), a, tsunagari.IdeaFilter{Query: q})
	if err != nil {
		return err
	}
	inv, err := s.Ideas.Invitations(r.Context(), a)
	if err != nil {
		return err
	}
	return s.render(w, r, a, http.StatusOK, "ideas", "ideas.title", ideasPage{Ideas: list, Invitations: inv, Query: q})
}

type ideaFormPage struct {
	Vocab ideaVocab
	Form  *form
}

func (s *Server) ideaFormView(w http.ResponseWriter, r *http.Request, a *tsunagari.Account, status int, f *form) error {
	if f == nil {
		f = &form{Values: url.Values{"threshold": {"5"}}}
	}
	return s.render(w, r, a, status, "idea_new", "idea.new.title", ideaFormPage{Vocab: ivocab, Form: f})
}

func (s *Server) ideaNew(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	return s.ideaFormView(w, r, a, http.StatusOK, nil)
}

func (s *Server) ideaCreate(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	v := r.PostForm
	i := &tsunagari.Idea{Title: v.Get("title"), Description: v.Get("description"), Tags: splitList(v.Get("tags")), Area: v.Get("area")}
	n, err := formNumber(v, "threshold", "idea.threshold_invalid", tsunagari.MinIdeaThreshold, tsunagari.MaxIdeaThreshold)
	if err == nil {
		i.Threshold = n
		err = s.Ideas.Create(r.Context(), a, i)
	}
	if err != nil {
		f, status, err := s.formError(r, a, err)
		if err != nil {
			return err
		}
		return s.ideaFormView(w, r, a, status, f)
	}
	return s.redirect(w, r, "/ideas/"+i.ID, "flash.idea_created")
}

type ideaPage struct {
	*idea.Details
	Vocab ideaVocab
	Form  *form
}

func (s *Server) ideaView(w http.ResponseWriter, r *http.Request, a *tsunagari.Account, status int, f *form) error {
	d, err := s.Ideas.Idea(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	if f == nil {
		f = &form{Values: url.Values{"kind": {string(d.Suggested)}, "name": {d.Idea.Title}}}
	}
	return s.renderPage(w, r, a, status, "idea", page{Title: "idea.title", TitleText: d.Idea.Title,
		Data: ideaPage{Details: d, Vocab: ivocab, Form: f}})
}

func (s *Server) ideaShow(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	return s.ideaView(w, r, a, http.StatusOK, nil)
}

// ideaAction runs one form action on an idea and comes back to its page,
// or shows the page with the error.
func (s *Server) ideaAction(w http.ResponseWriter, r *http.Request, a *tsunagari.Account, flash string, act func() (string, error)) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	to, err := act()
	if err != nil {
		f, status, err := s.formError(r, a, err)
		if err != nil {
			return err
		}
		return s.ideaView(w, r, a, status, f)
	}
	return s.redirect(w, r, to, flash)
}

func (s *Server) ideaSupport(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	return s.ideaAction(w, r, a, "flash.idea_supported", func() (string, error) {
		_, err := s.Ideas.Support(r.Context(), a, r.PathValue("id"), tsunagari.IdeaRole(r.PostForm.Get("role")))
		return "/ideas/" + r.PathValue("id"), err
	})
}

func (s *Server) ideaWithdraw(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	return s.ideaAction(w, r, a, "flash.idea_withdrawn", func() (string, error) {
		err := s.Ideas.Withdraw(r.Context(), a, r.PathValue("id"))
		return "/ideas/" + r.PathValue("id"), err
	})
}

func (s *Server) ideaConvert(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	return s.ideaAction(w, r, a, "flash.idea_converted", func() (string, error) {
		v := r.PostForm
		c, err := s.Ideas.Convert(r.Context(), a, r.PathValue("id"),
			idea.Conversion{Kind: tsunagari.CommunityKind(v.Get("kind")), Name: v.Get("name"), Purpose: v.Get("purpose")})
		if err != nil {
			return "", err
		}
		return "/communities/" + c.ID, nil
	})
}
