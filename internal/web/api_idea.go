package web

import (
	"net/http"
	"time"

	"tsunagari"
	"tsunagari/internal/idea"
)

// The wire types of ideas. Supporters are named to the idea's poster
// only; everyone else sees how many there are.

type ideaJSON struct {
	ID             string     `json:"id"`
	Title          string     `json:"title"`
	Description    string     `json:"description"`
	Tags           []string   `json:"tags"`
	Area           string     `json:"area"`
	Threshold      int        `json:"threshold"`
	SupporterCount int        `json:"supporterCount"`
	Ready          bool       `json:"ready"`
	CommunityID    *string    `json:"communityId"`
	ConvertedAt    *time.Time `json:"convertedAt"`
	CreatedAt      time.Time  `json:"createdAt"`
}

func ideaOf(i *tsunagari.Idea) ideaJSON {
	out := ideaJSON{ID: i.ID, Title: i.Title, Description: i.Description, Tags: nonNilList(i.Tags), Area: i.Area,
		Threshold: i.Threshold, SupporterCount: i.SupporterCount, Ready: i.Ready(), ConvertedAt: i.ConvertedAt, CreatedAt: i.CreatedAt}
	if i.CommunityID != "" {
		out.CommunityID = &i.CommunityID
	}
	return out
}

type supportJSON struct {
	Role      tsunagari.IdeaRole `json:"role"`
	CreatedAt time.Time          `json:"createdAt"`
	InvitedAt *time.Time         `json:"invitedAt"`
}

type supporterJSON struct {
	Name string `json:"name"`
	supportJSON
}

func supportOf(x *tsunagari.IdeaSupport) *supportJSON {
	if x == nil {
		return nil
	}
	return &supportJSON{Role: x.Role, CreatedAt: x.CreatedAt, InvitedAt: x.InvitedAt}
}

func (s *Server) apiListIdeas(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	list, err := s.Ideas.Search(r.Context(), a, tsunagari.IdeaFilter{Query: r.URL.Query().Get("q")})
	if err != nil {
		return err
	}
	out := struct {
		Ideas []ideaJSON `json:"ideas"`
	}{Ideas: []ideaJSON{}}
	for _, i := range list {
		out.Ideas = append(out.Ideas, ideaOf(i))
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiCreateIdea(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := requireAccount(a); err != nil {
		return err
	}
	var in struct {
		Title       string   `json:"title"`
		Description string   `json:"description"`
		Tags        []string `json:"tags"`
		Area        string   `json:"area"`
		Threshold   int      `json:"threshold"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	i := &tsunagari.Idea{Title: in.Title, Description: in.Description, Tags: in.Tags, Area: in.Area, Threshold: in.Threshold}
	if err := s.Ideas.Create(r.Context(), a, i); err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, ideaOf(i))
}

func (s *Server) apiGetIdea(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	d, err := s.Ideas.Idea(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	out := struct {
		ideaJSON
		Mine          bool                    `json:"mine"`
		SuggestedKind tsunagari.CommunityKind `json:"suggestedKind"`
		Support       *supportJSON            `json:"support"`
		Supporters    []supporterJSON         `json:"supporters,omitempty"`
	}{ideaJSON: ideaOf(d.Idea), Mine: d.Mine, SuggestedKind: d.Suggested, Support: supportOf(d.Support)}
	for _, x := range d.Supports {
		out.Supporters = append(out.Supporters, supporterJSON{Name: x.Name, supportJSON: *supportOf(x)})
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiSupportIdea(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := requireAccount(a); err != nil {
		return err
	}
	var in struct {
		Role tsunagari.IdeaRole `json:"role"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	x, err := s.Ideas.Support(r.Context(), a, r.PathValue("id"), in.Role)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, supportOf(x))
}

func (s *Server) apiWithdrawIdeaSupport(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := s.Ideas.Withdraw(r.Context(), a, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) apiConvertIdea(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := requireAccount(a); err != nil {
		return err
	}
	var in struct {
		Kind    tsunagari.CommunityKind `json:"kind"`
		Name    string                  `json:"name"`
		Purpose string                  `json:"purpose"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	c, err := s.Ideas.Convert(r.Context(), a, r.PathValue("id"), idea.Conversion{Kind: in.Kind, Name: in.Name, Purpose: in.Purpose})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, communityOf(c))
}
