package web

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"tsunagari"
	"tsunagari/internal/community"
)

// The wire types of communities. Organisers are named, as they are on the
// community's page; members never are.

type organiserJSON struct {
	Name string                  `json:"name"`
	Role tsunagari.CommunityRole `json:"role"`
}

type communityJSON struct {
	ID             string                    `json:"id"`
	Kind           tsunagari.CommunityKind   `json:"kind"`
	Name           string                    `json:"name"`
	Purpose        string                    `json:"purpose"`
	Description    string                    `json:"description"`
	Tags           []string                  `json:"tags"`
	Styles         []tsunagari.ActivityStyle `json:"styles"`
	Prefecture     string                    `json:"prefecture"`
	Online         bool                      `json:"online"`
	HomePrefecture string                    `json:"homePrefecture"`
	OrgID          string                    `json:"orgId"`
	JobFamily      string                    `json:"jobFamily"`
	Industry       string                    `json:"industry"`
	MonthlyFee     int                       `json:"monthlyFee"`
	HoursPerMonth  int                       `json:"hoursPerMonth"`
	Languages      []string                  `json:"languages"`
	JoinPolicy     tsunagari.JoinPolicy      `json:"joinPolicy"`
	Traits         []tsunagari.Trait         `json:"traits"`
	Organisers     []organiserJSON           `json:"organisers"`
	MemberCount    int                       `json:"memberCount"`
	CreatedAt      time.Time                 `json:"createdAt"`
	UpdatedAt      time.Time                 `json:"updatedAt"`
}

func nonNilList[T any](list []T) []T {
	if list == nil {
		return []T{}
	}
	return list
}

func communityOf(c *tsunagari.Community) communityJSON {
	out := communityJSON{ID: c.ID, Kind: c.Kind, Name: c.Name, Purpose: c.Purpose, Description: c.Description,
		Tags: nonNilList(c.Tags), Styles: nonNilList(c.Styles), Prefecture: c.Prefecture, Online: c.Online,
		HomePrefecture: c.HomePrefecture, OrgID: c.OrgID, JobFamily: c.JobFamily, Industry: c.Industry,
		MonthlyFee: c.MonthlyFee, HoursPerMonth: c.HoursPerMonth, Languages: nonNilList(c.Languages),
		JoinPolicy: c.JoinPolicy, Traits: nonNilList(c.Traits), Organisers: []organiserJSON{}, MemberCount: c.MemberCount,
		CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
	for _, o := range c.Organisers {
		out.Organisers = append(out.Organisers, organiserJSON{Name: o.Name, Role: o.Role})
	}
	return out
}

type membershipJSON struct {
	Involvement tsunagari.Involvement      `json:"involvement"`
	Role        tsunagari.CommunityRole    `json:"role"`
	Status      tsunagari.MembershipStatus `json:"status"`
	RequestedAt time.Time                  `json:"requestedAt"`
	JoinedAt    *time.Time                 `json:"joinedAt"`
}

func membershipOf(m *tsunagari.Membership) *membershipJSON {
	if m == nil {
		return nil
	}
	out := &membershipJSON{Involvement: m.Involvement, Role: m.Role, Status: m.Status, RequestedAt: m.RequestedAt}
	if !m.JoinedAt.IsZero() {
		out.JoinedAt = &m.JoinedAt
	}
	return out
}

// traitJSON is one trait as declared and, once enough members rated it,
// as rated.
type traitJSON struct {
	Trait    tsunagari.Trait `json:"trait"`
	Declared bool            `json:"declared"`
	Raters   *int            `json:"raters"` // null until tsunagari.MinTraitRaters members rated it
	Mean     *float64        `json:"mean"`
}

func (s *Server) apiSearchCommunities(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := requireAccount(a); err != nil {
		return err
	}
	q := r.URL.Query()
	f, err := searchFromQuery(q)
	if err != nil {
		return err
	}
	f.Offset = atoiOr(q.Get("offset"), 0)
	f.Limit = atoiOr(q.Get("limit"), community.PageSize)
	if f.Offset < 0 || f.Limit < 1 || f.Limit > 100 {
		return tsunagari.Invalid("limit", "community.filter_number")
	}
	res, err := s.Communities.Search(r.Context(), a, f)
	if err != nil {
		return err
	}
	out := struct {
		Total       int             `json:"total"`
		Offset      int             `json:"offset"`
		Limit       int             `json:"limit"`
		TooShort    bool            `json:"tooShort"`
		Communities []communityJSON `json:"communities"`
	}{Total: res.Total, Offset: res.Offset, Limit: res.Limit, TooShort: res.Query.TooShort(), Communities: []communityJSON{}}
	for _, c := range res.Communities {
		out.Communities = append(out.Communities, communityOf(c))
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiCommunity(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	v, err := s.Communities.Community(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	out := struct {
		communityJSON
		TraitRatings []traitJSON     `json:"traitRatings"`
		Membership   *membershipJSON `json:"membership"`
		Hidden       bool            `json:"hidden"`
	}{communityJSON: communityOf(v.Community), TraitRatings: []traitJSON{}, Membership: membershipOf(v.Membership),
		Hidden: v.Community.Hidden()}
	for _, t := range v.Traits {
		tj := traitJSON{Trait: t.Trait, Declared: t.Declared}
		if t.Shown {
			tj.Raters, tj.Mean = &t.Raters, &t.Mean
		}
		out.TraitRatings = append(out.TraitRatings, tj)
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiJoinCommunity(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := requireAccount(a); err != nil {
		return err
	}
	var in struct {
		Involvement tsunagari.Involvement `json:"involvement"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	m, err := s.Communities.Join(r.Context(), a, r.PathValue("id"), in.Involvement)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, membershipOf(m))
}

func (s *Server) apiLeaveCommunity(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := s.Communities.Leave(r.Context(), a, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// apiImportCommunities imports a JSONL body, one community per line, as a
// whole or not at all.
func (s *Server) apiImportCommunities(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := requireAccount(a); err != nil {
		return err
	}
	ct := r.Header.Get("Content-Type")
	if ct != "" && !strings.HasPrefix(ct, "application/x-ndjson") && !strings.HasPrefix(ct, "application/jsonl") &&
		!strings.HasPrefix(ct, "application/json") && !strings.HasPrefix(ct, "text/plain") {
		return tsunagari.NewError(tsunagari.CodeInvalid, "community.import_content_type")
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxUploadBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return tsunagari.NewError(tsunagari.CodeTooLarge, "error.too_large")
		}
		return err
	}
	n, err := s.Communities.Import(r.Context(), a, strings.NewReader(string(body)))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, struct {
		Imported int `json:"imported"`
	}{n})
}
