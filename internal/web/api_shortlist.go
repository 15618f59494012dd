package web

import (
	"net/http"
	"time"

	"tsunagari"
	"tsunagari/internal/journey"
	"tsunagari/internal/match"
	"tsunagari/internal/shortlist"
)

// The shortlist and journey endpoints of /api/v1.

// consultantReasonJSON is a reason with its words in the caller's language.
type consultantReasonJSON struct {
	match.Reason
	Text string `json:"text"`
}

// consultantMatchJSON is a consultant as the shortlist and search show
// one: the public profile, the reasons they may suit the caller, their
// free time and the caller's mark.
type consultantMatchJSON struct {
	ID              string                 `json:"id"`
	DisplayName     string                 `json:"displayName"`
	YearsOfPractice int                    `json:"yearsOfPractice"`
	AgeBand         string                 `json:"ageBand,omitempty"`
	Gender          string                 `json:"gender,omitempty"`
	Themes          []string               `json:"themes"`
	Industries      []string               `json:"industries"`
	JobFamilies     []string               `json:"jobFamilies"`
	Languages       []string               `json:"languages"`
	Online          bool                   `json:"online"`
	InPerson        bool                   `json:"inPerson"`
	Area            string                 `json:"area,omitempty"`
	FeeYen          int                    `json:"feeYen"`
	EmployerPaid    bool                   `json:"employerPaid"`
	Message         string                 `json:"message"`
	Relevance       float64                `json:"relevance"`
	FreeSessions    int                    `json:"freeSessions"`
	Reasons         []consultantReasonJSON `json:"reasons"`
	Mark            tsunagari.MarkKind     `json:"mark,omitempty"`
}

func (wd wording) matchJSON(pk match.Pick, mark tsunagari.MarkKind) consultantMatchJSON {
	c := pk.Consultant
	out := consultantMatchJSON{ID: c.AccountID, DisplayName: c.DisplayName, YearsOfPractice: c.YearsOfPractice,
		AgeBand: c.AgeBand, Gender: c.Gender, Themes: nonNil(c.Themes), Industries: nonNil(c.Industries),
		JobFamilies: nonNil(c.JobFamilies), Languages: nonNil(c.Languages), Online: c.Online, InPerson: c.InPerson,
		FeeYen: c.FeeYen, EmployerPaid: c.EmployerPaid, Message: c.Message, Relevance: float64(int(pk.Relevance*1000)) / 1000,
		FreeSessions: pk.Capacity, Reasons: []consultantReasonJSON{}, Mark: mark}
	if c.InPerson {
		out.Area = c.Area
	}
	for _, r := range pk.Reasons {
		out.Reasons = append(out.Reasons, consultantReasonJSON{Reason: r, Text: wd.reason(r)})
	}
	return out
}

type shortlistJSON struct {
	Diagnosed   bool                  `json:"diagnosed"`
	Roster      int                   `json:"roster"`
	Consultants []consultantMatchJSON `json:"consultants"`
}

func (s *Server) apiShortlist(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	res, err := s.Shortlist.Recommend(r.Context(), a, requestFrom(r.URL.Query()))
	if err != nil {
		return err
	}
	marks, err := s.markKinds(r, a)
	if err != nil {
		return err
	}
	wd := s.wording(r.Context(), r, a)
	out := shortlistJSON{Diagnosed: res.Diagnosed, Roster: res.Roster, Consultants: []consultantMatchJSON{}}
	for _, pk := range res.Picks {
		out.Consultants = append(out.Consultants, wd.matchJSON(pk, marks[pk.Consultant.AccountID]))
	}
	return writeJSON(w, http.StatusOK, out)
}

// markKinds returns a's marks by consultant.
func (s *Server) markKinds(r *http.Request, a *tsunagari.Account) (map[string]tsunagari.MarkKind, error) {
	ms, err := s.Shortlist.Marks(r.Context(), a)
	if err != nil {
		return nil, err
	}
	out := make(map[string]tsunagari.MarkKind, len(ms))
	for _, m := range ms {
		out[m.ConsultantID] = m.Kind
	}
	return out, nil
}

type searchJSON struct {
	Total       int                   `json:"total"`
	TooShort    bool                  `json:"tooShort"`
	Terms       []string              `json:"terms"`
	Consultants []consultantMatchJSON `json:"consultants"`
}

func (s *Server) apiSearchConsultants(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	q := r.URL.Query()
	res, err := s.Shortlist.Search(r.Context(), a, shortlist.SearchRequest{Query: q.Get("q"), Request: requestFrom(q),
		Limit: atoiOr(q.Get("limit"), 20), Offset: max(atoiOr(q.Get("offset"), 0), 0)})
	if err != nil {
		return err
	}
	wd := s.wording(r.Context(), r, a)
	out := searchJSON{Total: res.Total, TooShort: res.TooShort, Terms: nonNil(res.Terms), Consultants: []consultantMatchJSON{}}
	for _, m := range res.Matches {
		out.Consultants = append(out.Consultants, wd.matchJSON(m.Pick, m.Mark))
	}
	return writeJSON(w, http.StatusOK, out)
}

type consultantMarkJSON struct {
	ConsultantID string               `json:"consultantId"`
	Mark         tsunagari.MarkKind   `json:"mark"`
	CreatedAt    time.Time            `json:"createdAt"`
	Consultant   *consultantMatchJSON `json:"consultant"`
}

func (s *Server) apiMarks(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	ms, err := s.Shortlist.Marks(r.Context(), a)
	if err != nil {
		return err
	}
	wd := s.wording(r.Context(), r, a)
	out := []consultantMarkJSON{}
	for _, m := range ms {
		j := consultantMarkJSON{ConsultantID: m.ConsultantID, Mark: m.Kind, CreatedAt: m.CreatedAt}
		if m.Match != nil {
			c := wd.matchJSON(m.Match.Pick, m.Kind)
			j.Consultant = &c
		}
		out = append(out, j)
	}
	return writeJSON(w, http.StatusOK, out)
}

type markRequest struct {
	Mark tsunagari.MarkKind `json:"mark"`
}

func (s *Server) apiMark(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := requireAccount(a); err != nil {
		return err
	}
	var in markRequest
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if err := s.Shortlist.Mark(r.Context(), a, r.PathValue("id"), in.Mark); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) apiUnmark(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := s.Shortlist.Unmark(r.Context(), a, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type matchWeightsJSON struct {
	Values          int         `json:"values"`
	Themes          int         `json:"themes"`
	Background      int         `json:"background"`
	Experience      int         `json:"experience"`
	Diversity       int         `json:"diversity"`
	ViewsPerSession int         `json:"viewsPerSession"`
	UpdatedAt       *time.Time  `json:"updatedAt,omitempty"`
	Roster          *rosterJSON `json:"roster,omitempty"`
}

type rosterJSON struct {
	Consultants int       `json:"consultants"`
	WithTime    int       `json:"withFreeTime"`
	BudgetSpent int       `json:"budgetSpent"`
	BuiltAt     time.Time `json:"builtAt"`
}

func toWeightsJSON(wts *tsunagari.MatchWeights, st *shortlist.Stats) matchWeightsJSON {
	out := matchWeightsJSON{Values: wts.Values, Themes: wts.Themes, Background: wts.Background, Experience: wts.Experience,
		Diversity: wts.Diversity, ViewsPerSession: wts.ViewsPerSession}
	if !wts.UpdatedAt.IsZero() {
		t := wts.UpdatedAt
		out.UpdatedAt = &t
	}
	if st != nil {
		out.Roster = &rosterJSON{Consultants: st.Roster, WithTime: st.WithTime, BudgetSpent: st.BudgetSpent, BuiltAt: st.Built}
	}
	return out
}

func (s *Server) apiWeights(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	wts, st, err := s.Shortlist.Weights(r.Context(), a)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toWeightsJSON(wts, st))
}

type weightsRequest struct {
	Values          *int `json:"values"`
	Themes          *int `json:"themes"`
	Background      *int `json:"background"`
	Experience      *int `json:"experience"`
	Diversity       *int `json:"diversity"`
	ViewsPerSession *int `json:"viewsPerSession"`
}

func (s *Server) apiSaveWeights(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	// Authorization first: to anyone but the operator the settings do
	// not exist, whatever they send.
	if _, _, err := s.Shortlist.Weights(r.Context(), a); err != nil {
		return err
	}
	var in weightsRequest
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	get := func(field string, v *int) (int, error) {
		if v == nil {
			return 0, tsunagari.Invalid(field, "shortlist.weight_required")
		}
		return *v, nil
	}
	wts := &tsunagari.MatchWeights{}
	for _, f := range []struct {
		name string
		in   *int
		out  *int
	}{{"values", in.Values, &wts.Values}, {"themes", in.Themes, &wts.Themes}, {"background", in.Background, &wts.Background},
		{"experience", in.Experience, &wts.Experience}, {"diversity", in.Diversity, &wts.Diversity},
		{"viewsPerSession", in.ViewsPerSession, &wts.ViewsPerSession}} {
		v, err := get(f.name, f.in)
		if err != nil {
			return err
		}
		*f.out = v
	}
	if err := s.Shortlist.SaveWeights(r.Context(), a, wts); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toWeightsJSON(wts, nil))
}

// The career inventory.

type inventoryJSON struct {
	Items     []tsunagari.InventoryItem `json:"items"`
	CreatedAt *time.Time                `json:"createdAt,omitempty"`
	UpdatedAt *time.Time                `json:"updatedAt,omitempty"`
}

func toInventoryJSON(inv *tsunagari.Inventory) inventoryJSON {
	out := inventoryJSON{Items: nonNil(inv.Items)}
	if !inv.UpdatedAt.IsZero() {
		c, u := inv.CreatedAt, inv.UpdatedAt
		if c.IsZero() {
			c = u
		}
		out.CreatedAt, out.UpdatedAt = &c, &u
	}
	return out
}

func (s *Server) apiInventory(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	inv, err := s.Journey.Inventory(r.Context(), a)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toInventoryJSON(inv))
}

type inventoryRequest struct {
	Items []tsunagari.InventoryItem `json:"items"`
}

func (s *Server) apiSaveInventory(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := requireAccount(a); err != nil {
		return err
	}
	var in inventoryRequest
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if in.Items == nil {
		return tsunagari.Invalid("items", "journey.items_required")
	}
	inv, err := s.Journey.SaveInventory(r.Context(), a, in.Items)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toInventoryJSON(inv))
}

func (s *Server) apiDeleteInventory(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := s.Journey.DeleteInventory(r.Context(), a); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type shareJSON struct {
	BookingID      string                  `json:"bookingId"`
	ConsultantID   string                  `json:"consultantId"`
	ConsultantName string                  `json:"consultantName"`
	Start          time.Time               `json:"start"`
	End            time.Time               `json:"end"`
	Status         tsunagari.BookingStatus `json:"status"`
	Shared         bool                    `json:"shared"`
	SharedAt       *time.Time              `json:"sharedAt,omitempty"`
	Open           bool                    `json:"open"`
}

func (s *Server) apiShares(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	shares, err := s.Journey.Shares(r.Context(), a)
	if err != nil {
		return err
	}
	out := []shareJSON{}
	for _, sh := range shares {
		j := shareJSON{BookingID: sh.Booking.ID, ConsultantID: sh.Booking.ConsultantID, ConsultantName: sh.Consultant,
			Start: sh.Booking.Start, End: sh.Booking.End, Status: sh.Booking.Status, Shared: sh.Shared, Open: sh.Open}
		if sh.Shared {
			t := sh.SharedAt
			j.SharedAt = &t
		}
		out = append(out, j)
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiShare(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := s.Journey.Share(r.Context(), a, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) apiUnshare(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := s.Journey.Unshare(r.Context(), a, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type sharedJSON struct {
	BookingID  string                    `json:"bookingId"`
	MemberName string                    `json:"memberName"`
	Start      time.Time                 `json:"start"`
	SharedAt   time.Time                 `json:"sharedAt"`
	UpdatedAt  time.Time                 `json:"updatedAt"`
	Items      []tsunagari.InventoryItem `json:"items"`
}

func (s *Server) apiSharedInventory(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	sh, err := s.Journey.SharedInventory(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, sharedJSON{BookingID: sh.Booking.ID, MemberName: sh.MemberName, Start: sh.Booking.Start,
		SharedAt: sh.SharedAt, UpdatedAt: sh.Inventory.UpdatedAt, Items: nonNil(sh.Inventory.Items)})
}

type sharedEntryJSON struct {
	BookingID  string    `json:"bookingId"`
	MemberName string    `json:"memberName"`
	Start      time.Time `json:"start"`
	SharedAt   time.Time `json:"sharedAt"`
}

func (s *Server) apiSharedInventories(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	list, err := s.Journey.SharedWithMe(r.Context(), a)
	if err != nil {
		return err
	}
	out := []sharedEntryJSON{}
	for _, sh := range list {
		out = append(out, sharedEntryJSON{BookingID: sh.Booking.ID, MemberName: sh.MemberName, Start: sh.Booking.Start, SharedAt: sh.SharedAt})
	}
	return writeJSON(w, http.StatusOK, out)
}

// The timeline.

type timelineItemJSON struct {
	At             time.Time               `json:"at"`
	Kind           journey.ItemKind        `json:"kind"`
	InstrumentID   string                  `json:"instrumentId,omitempty"`
	Title          *tsunagari.Text         `json:"title,omitempty"`
	Scores         []tsunagari.Score       `json:"scores,omitempty"`
	BookingID      string                  `json:"bookingId,omitempty"`
	ConsultantName string                  `json:"consultantName,omitempty"`
	Status         tsunagari.BookingStatus `json:"status,omitempty"`
	Upcoming       bool                    `json:"upcoming,omitempty"`
	CommunityID    string                  `json:"communityId,omitempty"`
	CommunityName  string                  `json:"communityName,omitempty"`
}

type timelineJSON struct {
	Next   journey.Step             `json:"next"`
	Link   string                   `json:"link"`
	Counts map[journey.ItemKind]int `json:"counts"`
	Items  []timelineItemJSON       `json:"items"`
}

func (s *Server) apiTimeline(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	tl, err := s.Journey.Timeline(r.Context(), a)
	if err != nil {
		return err
	}
	out := timelineJSON{Next: tl.Next, Link: stepLinks[tl.Next], Counts: tl.Counts, Items: []timelineItemJSON{}}
	for _, it := range tl.Items {
		j := timelineItemJSON{At: it.At, Kind: it.Kind, Upcoming: it.Upcoming}
		switch {
		case it.Response != nil:
			title := it.Instrument.Title
			j.InstrumentID, j.Title, j.Scores = it.Instrument.ID, &title, it.Response.Scores
		case it.Booking != nil:
			j.BookingID, j.ConsultantName, j.Status = it.Booking.ID, it.Consultant, it.Booking.Status
		case it.Community != nil:
			j.CommunityID, j.CommunityName = it.Community.ID, it.Community.Name
		}
		out.Items = append(out.Items, j)
	}
	return writeJSON(w, http.StatusOK, out)
}
