package web

import (
	"net/http"
	"strings"
	"time"

	"tsunagari"
	"tsunagari/internal/event"
	"tsunagari/internal/probono"
)

// The events and pro-bono part of /api/v1, with its wire types. Who comes
// to an event, and who applied to a project, is shown to organisers only.

type occurrenceJSON struct {
	Key             string     `json:"key"`
	StartsAt        time.Time  `json:"startsAt"`
	EndsAt          time.Time  `json:"endsAt"`
	Capacity        int        `json:"capacity"`
	Confirmed       int        `json:"confirmed"`
	Waitlisted      int        `json:"waitlisted"`
	Requests        int        `json:"requests"`
	Cancelled       bool       `json:"cancelled"`
	CancelReason    string     `json:"cancelReason,omitempty"`
	LotteryClosesAt *time.Time `json:"lotteryClosesAt,omitempty"`
	LotteryDrawnAt  *time.Time `json:"lotteryDrawnAt,omitempty"`
	// LotterySeed, once drawn, lets anyone check the draw.
	LotterySeed string    `json:"lotterySeed,omitempty"`
	Mine        *rsvpJSON `json:"mine,omitempty"`
}

func occurrenceOf(o *event.Occurrence) occurrenceJSON {
	j := occurrenceJSON{Key: tsunagari.OccurrenceKey(o.StartsAt), StartsAt: o.StartsAt, EndsAt: o.EndsAt, Capacity: o.State.Capacity,
		Confirmed: o.State.Confirmed, Waitlisted: o.State.Waitlisted, Requests: o.State.Requests, Cancelled: o.Cancelled(),
		CancelReason: o.State.CancelReason, LotteryDrawnAt: o.State.LotteryDrawnAt}
	if !o.LotteryClosesAt.IsZero() {
		t := o.LotteryClosesAt
		j.LotteryClosesAt = &t
	}
	if o.State.LotteryDrawnAt != nil {
		j.LotterySeed = seedHex(o.State.LotterySeed)
	}
	if o.Mine != nil {
		m := rsvpOf(o.Mine)
		j.Mine = &m
	}
	return j
}

func seedHex(seed uint64) string {
	const digits = "0123456789abcdef"
	b := make([]byte, 16)
	for i := 15; i >= 0; i-- {
		b[i] = digits[seed&15]
		seed >>= 4
	}
	return string(b)
}

type eventJSON struct {
	ID            string                  `json:"id"`
	CommunityID   string                  `json:"communityId"`
	CommunityName string                  `json:"communityName"`
	CommunityKind tsunagari.CommunityKind `json:"communityKind"`
	Title         string                  `json:"title"`
	Description   string                  `json:"description"`
	StartsAt      time.Time               `json:"startsAt"`
	EndsAt        time.Time               `json:"endsAt"`
	Recurrence    string                  `json:"recurrence,omitempty"`
	Exceptions    []string                `json:"exceptions"`
	Online        bool                    `json:"online"`
	Venue         string                  `json:"venue,omitempty"`
	Prefecture    string                  `json:"prefecture,omitempty"`
	// OnlineURL is given to organisers and to people with a seat.
	OnlineURL    string     `json:"onlineUrl,omitempty"`
	Capacity     int        `json:"capacity"`
	Waitlist     bool       `json:"waitlist"`
	LotteryHours int        `json:"lotteryHours"`
	Approval     bool       `json:"approval"`
	TrialWelcome bool       `json:"trialWelcome"`
	CancelledAt  *time.Time `json:"cancelledAt,omitempty"`
	CancelReason string     `json:"cancelReason,omitempty"`
	// Organiser says the caller organises the event.
	Organiser bool `json:"organiser"`
	// Occurrences are the upcoming ones (getEvent); Next, the next one
	// (listEvents).
	Occurrences []occurrenceJSON `json:"occurrences,omitempty"`
	Next        *occurrenceJSON  `json:"next,omitempty"`
}

func eventOf(d *event.Details) eventJSON {
	e := d.Event
	j := eventJSON{ID: e.ID, CommunityID: e.CommunityID, CommunityName: e.Community.Name, CommunityKind: e.Community.Kind,
		Title: e.Title, Description: e.Description, StartsAt: e.StartsAt, EndsAt: e.EndsAt, Exceptions: e.Exceptions,
		Online: e.Online, Venue: e.Venue, Prefecture: e.Prefecture, Capacity: e.Capacity, Waitlist: e.Waitlist,
		LotteryHours: e.LotteryHours, Approval: e.Approval, TrialWelcome: e.TrialWelcome, CancelledAt: e.CancelledAt,
		CancelReason: e.CancelReason, Organiser: d.Runs}
	if e.Recurrence != nil {
		j.Recurrence = e.Recurrence.String()
	}
	if d.ShowsLink() {
		j.OnlineURL = e.OnlineURL
	}
	for _, o := range d.Upcoming {
		j.Occurrences = append(j.Occurrences, occurrenceOf(o))
	}
	return j
}

type rsvpJSON struct {
	ID          string               `json:"id"`
	EventID     string               `json:"eventId"`
	Occurrence  string               `json:"occurrence"`
	StartsAt    time.Time            `json:"startsAt"`
	Status      tsunagari.RSVPStatus `json:"status"`
	Position    int                  `json:"position,omitempty"`
	Trial       bool                 `json:"trial"`
	RequestedAt time.Time            `json:"requestedAt"`
	CheckedInAt *time.Time           `json:"checkedInAt,omitempty"`
}

func rsvpOf(r *tsunagari.RSVP) rsvpJSON {
	return rsvpJSON{ID: r.ID, EventID: r.EventID, Occurrence: tsunagari.OccurrenceKey(r.StartsAt), StartsAt: r.StartsAt,
		Status: r.Status, Position: r.Position, Trial: r.Trial, RequestedAt: r.RequestedAt, CheckedInAt: r.CheckedInAt}
}

// attendeeJSON is a request as its event's organisers see it.
type attendeeJSON struct {
	rsvpJSON
	Name string `json:"name"`
}

type attendeesJSON struct {
	Occurrence occurrenceJSON `json:"occurrence"`
	Attendees  []attendeeJSON `json:"attendees"`
}

func (s *Server) apiListEvents(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	q := r.URL.Query()
	list, err := s.Events.List(r.Context(), a, event.ListFilter{CommunityID: q.Get("community"), TrialOnly: q.Get("trial") == "true",
		Query: q.Get("q"), Limit: 100})
	if err != nil {
		return err
	}
	out := make([]eventJSON, 0, len(list))
	for _, l := range list {
		j := eventOf(l.Event)
		n := occurrenceOf(l.Next)
		j.Next = &n
		out = append(out, j)
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiGetEvent(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	at, err := occurrenceParam(r.URL.Query().Get("occurrence"))
	if err != nil {
		return err
	}
	d, err := s.Events.Event(r.Context(), a, r.PathValue("id"), at)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, eventOf(d))
}

type eventRequest struct {
	Title        string    `json:"title"`
	Description  string    `json:"description"`
	StartsAt     time.Time `json:"startsAt"`
	EndsAt       time.Time `json:"endsAt"`
	Recurrence   string    `json:"recurrence"`
	Exceptions   []string  `json:"exceptions"`
	Online       bool      `json:"online"`
	Venue        string    `json:"venue"`
	Prefecture   string    `json:"prefecture"`
	OnlineURL    string    `json:"onlineUrl"`
	Capacity     int       `json:"capacity"`
	Waitlist     bool      `json:"waitlist"`
	LotteryHours int       `json:"lotteryHours"`
	Approval     bool      `json:"approval"`
	TrialWelcome bool      `json:"trialWelcome"`
}

func (s *Server) apiCreateEvent(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := requireAccount(a); err != nil {
		return err
	}
	var in eventRequest
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	e := &tsunagari.Event{CommunityID: r.PathValue("id"), Title: in.Title, Description: in.Description, StartsAt: in.StartsAt,
		EndsAt: in.EndsAt, Online: in.Online, Venue: in.Venue, Prefecture: in.Prefecture, OnlineURL: in.OnlineURL,
		Capacity: in.Capacity, Waitlist: in.Waitlist, LotteryHours: in.LotteryHours, Approval: in.Approval, TrialWelcome: in.TrialWelcome}
	if strings.TrimSpace(in.Recurrence) != "" {
		rule, err := tsunagari.ParseRecurrence(in.Recurrence)
		if err != nil {
			return err
		}
		e.Recurrence = rule
		dates, err := tsunagari.ParseDates("exceptions", strings.Join(in.Exceptions, ","))
		if err != nil {
			return err
		}
		e.Exceptions = dates
	} else if len(in.Exceptions) > 0 {
		return tsunagari.Invalid("exceptions", "event.exceptions_without_rule")
	}
	if err := s.Events.Create(r.Context(), a, e); err != nil {
		return err
	}
	d, err := s.Events.Event(r.Context(), a, e.ID, time.Time{})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, eventOf(d))
}

type rsvpRequest struct {
	// Occurrence is an occurrence key; empty for the next occurrence.
	Occurrence string `json:"occurrence"`
	Trial      bool   `json:"trial"`
}

// decodeOptionalJSON reads a JSON body into v if there is one.
func decodeOptionalJSON(w http.ResponseWriter, r *http.Request, v any) error {
	if r.ContentLength == 0 {
		return nil
	}
	return decodeJSON(w, r, v)
}

func (s *Server) apiRSVP(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := requireAccount(a); err != nil {
		return err
	}
	var in rsvpRequest
	if err := decodeOptionalJSON(w, r, &in); err != nil {
		return err
	}
	at, err := occurrenceParam(in.Occurrence)
	if err != nil {
		return err
	}
	rv, err := s.Events.RSVP(r.Context(), a, r.PathValue("id"), at, in.Trial)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, rsvpOf(rv))
}

func (s *Server) apiCancelRSVP(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := requireAccount(a); err != nil {
		return err
	}
	at, err := occurrenceParam(r.URL.Query().Get("occurrence"))
	if err != nil {
		return err
	}
	rv, err := s.Events.CancelRSVP(r.Context(), a, r.PathValue("id"), at)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, rsvpOf(rv))
}

type cancelRequest struct {
	// Occurrence is an occurrence key; empty cancels the whole event.
	Occurrence string `json:"occurrence"`
	Reason     string `json:"reason"`
}

func (s *Server) apiCancelEvent(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := requireAccount(a); err != nil {
		return err
	}
	var in cancelRequest
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	at, err := occurrenceParam(in.Occurrence)
	if err != nil {
		return err
	}
	if err := s.Events.Cancel(r.Context(), a, r.PathValue("id"), at, in.Reason); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) apiAttendees(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := requireAccount(a); err != nil {
		return err
	}
	at, err := occurrenceParam(r.URL.Query().Get("occurrence"))
	if err != nil {
		return err
	}
	occ, list, _, err := s.Events.Attendees(r.Context(), a, r.PathValue("id"), at)
	if err != nil {
		return err
	}
	out := attendeesJSON{Occurrence: occurrenceOf(occ), Attendees: []attendeeJSON{}}
	for _, rv := range list {
		out.Attendees = append(out.Attendees, attendeeJSON{rsvpJSON: rsvpOf(rv), Name: rv.Name})
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiExportAttendees(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := requireAccount(a); err != nil {
		return err
	}
	at, err := occurrenceParam(r.URL.Query().Get("occurrence"))
	if err != nil {
		return err
	}
	occ, list, e, err := s.Events.Attendees(r.Context(), a, r.PathValue("id"), at)
	if err != nil {
		return err
	}
	writeAttendeesCSV(w, s.printer(r, a), a.Location(), e, occ, list)
	return nil
}

func (s *Server) apiCheckIn(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := requireAccount(a); err != nil {
		return err
	}
	rv, err := s.Events.CheckIn(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, rsvpOf(rv))
}

type decisionRequest struct {
	Approve bool `json:"approve"`
}

func (s *Server) apiDecideRSVP(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := requireAccount(a); err != nil {
		return err
	}
	var in decisionRequest
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	rv, err := s.Events.Decide(r.Context(), a, r.PathValue("id"), in.Approve)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, rsvpOf(rv))
}

// Calendar feeds.

type feedJSON struct {
	CreatedAt time.Time `json:"createdAt"`
	// URL is given once, when the feed is made.
	URL string `json:"url,omitempty"`
}

func (s *Server) apiGetFeed(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	f, err := s.Events.Feed(r.Context(), a)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, feedJSON{CreatedAt: f.CreatedAt})
}

func (s *Server) apiCreateFeed(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	token, err := s.Events.CreateFeed(r.Context(), a)
	if err != nil {
		return err
	}
	f, err := s.Events.Feed(r.Context(), a)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, feedJSON{CreatedAt: f.CreatedAt, URL: s.feedURL(r, token)})
}

func (s *Server) apiRevokeFeed(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := s.Events.RevokeFeed(r.Context(), a); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// Pro-bono projects.

type projectJSON struct {
	ID             string                  `json:"id"`
	CommunityID    string                  `json:"communityId"`
	CommunityName  string                  `json:"communityName"`
	CommunityKind  tsunagari.CommunityKind `json:"communityKind"`
	Title          string                  `json:"title"`
	Deliverable    string                  `json:"deliverable"`
	Description    string                  `json:"description"`
	Roles          []tsunagari.ProbonoRole `json:"roles"`
	TeamSize       int                     `json:"teamSize"`
	HoursPerWeek   int                     `json:"hoursPerWeek"`
	DurationMonths int                     `json:"durationMonths"`
	StartsOn       string                  `json:"startsOn"`
	AnswerBy       time.Time               `json:"answerBy"`
	Status         tsunagari.ProbonoStatus `json:"status"`
	// Open says it takes applications now.
	Open      bool             `json:"open"`
	Organiser bool             `json:"organiser"`
	Mine      *applicationJSON `json:"mine,omitempty"`
}

func projectOf(p *tsunagari.ProbonoProject) projectJSON {
	return projectJSON{ID: p.ID, CommunityID: p.CommunityID, CommunityName: p.Community.Name, CommunityKind: p.Community.Kind,
		Title: p.Title, Deliverable: p.Deliverable, Description: p.Description, Roles: p.Roles, TeamSize: p.TeamSize,
		HoursPerWeek: p.HoursPerWeek, DurationMonths: p.DurationMonths, StartsOn: p.StartsOn, AnswerBy: p.AnswerBy, Status: p.Status}
}

type applicationJSON struct {
	ID           string                      `json:"id"`
	ProjectID    string                      `json:"projectId"`
	Skills       []string                    `json:"skills"`
	HoursPerWeek int                         `json:"hoursPerWeek"`
	Motivation   string                      `json:"motivation"`
	Status       tsunagari.ApplicationStatus `json:"status"`
	Role         string                      `json:"role,omitempty"`
	CreatedAt    time.Time                   `json:"createdAt"`
	AnsweredAt   *time.Time                  `json:"answeredAt,omitempty"`
	Automatic    bool                        `json:"automatic"`
}

func applicationOf(x *tsunagari.ProbonoApplication) applicationJSON {
	return applicationJSON{ID: x.ID, ProjectID: x.ProjectID, Skills: x.Skills, HoursPerWeek: x.HoursPerWeek, Motivation: x.Motivation,
		Status: x.Status, Role: x.Role, CreatedAt: x.CreatedAt, AnsweredAt: x.AnsweredAt, Automatic: x.Automatic}
}

// applicantJSON is an application as the project's organisers see it.
type applicantJSON struct {
	applicationJSON
	Name      string   `json:"name"`
	JobFamily string   `json:"jobFamily,omitempty"`
	Industry  string   `json:"industry,omitempty"`
	AgeBand   string   `json:"ageBand,omitempty"`
	Available int      `json:"available"`
	Fits      []string `json:"fits"`
}

type proposalJSON struct {
	Members   []tsunagari.TeamMember `json:"members"`
	Uncovered []string               `json:"uncovered"`
	Diversity int                    `json:"diversity"`
	Exact     bool                   `json:"exact"`
}

type teamJSON struct {
	Applicants []applicantJSON `json:"applicants"`
	Proposal   proposalJSON    `json:"proposal"`
}

func (s *Server) apiListProjects(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	q := r.URL.Query()
	list, err := s.Probono.List(r.Context(), a, q.Get("community"), q.Get("q"))
	if err != nil {
		return err
	}
	out := make([]projectJSON, 0, len(list))
	for _, p := range list {
		j := projectOf(p)
		j.Open = p.Status == tsunagari.ProbonoRecruiting && s.Probono.Now().Before(p.AnswerBy)
		out = append(out, j)
	}
	return writeJSON(w, http.StatusOK, out)
}

func projectDetails(d *probono.Details) projectJSON {
	j := projectOf(d.Project)
	j.Open, j.Organiser = d.Open, d.Runs
	if d.Mine != nil {
		m := applicationOf(d.Mine)
		j.Mine = &m
	}
	return j
}

func (s *Server) apiGetProject(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	d, err := s.Probono.Project(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, projectDetails(d))
}

type projectRequest struct {
	Title          string                  `json:"title"`
	Deliverable    string                  `json:"deliverable"`
	Description    string                  `json:"description"`
	Roles          []tsunagari.ProbonoRole `json:"roles"`
	TeamSize       int                     `json:"teamSize"`
	HoursPerWeek   int                     `json:"hoursPerWeek"`
	DurationMonths int                     `json:"durationMonths"`
	StartsOn       string                  `json:"startsOn"`
	AnswerBy       time.Time               `json:"answerBy"`
}

func (s *Server) apiCreateProject(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := requireAccount(a); err != nil {
		return err
	}
	var in projectRequest
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	p := &tsunagari.ProbonoProject{CommunityID: r.PathValue("id"), Title: in.Title, Deliverable: in.Deliverable,
		Description: in.Description, Roles: in.Roles, TeamSize: in.TeamSize, HoursPerWeek: in.HoursPerWeek,
		DurationMonths: in.DurationMonths, StartsOn: in.StartsOn, AnswerBy: in.AnswerBy}
	if err := s.Probono.Create(r.Context(), a, p); err != nil {
		return err
	}
	d, err := s.Probono.Project(r.Context(), a, p.ID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, projectDetails(d))
}

type applicationRequest struct {
	Skills       []string `json:"skills"`
	HoursPerWeek int      `json:"hoursPerWeek"`
	Motivation   string   `json:"motivation"`
}

func (s *Server) apiApply(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := requireAccount(a); err != nil {
		return err
	}
	var in applicationRequest
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	x := &tsunagari.ProbonoApplication{Skills: in.Skills, HoursPerWeek: in.HoursPerWeek, Motivation: in.Motivation}
	if err := s.Probono.Apply(r.Context(), a, r.PathValue("id"), x); err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, applicationOf(x))
}

func (s *Server) apiProposeTeam(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := requireAccount(a); err != nil {
		return err
	}
	t, err := s.Probono.Team(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	out := teamJSON{Applicants: []applicantJSON{}, Proposal: proposalJSON{Members: []tsunagari.TeamMember{},
		Uncovered: t.Proposal.Uncovered, Diversity: t.Proposal.Diversity, Exact: t.Proposal.Exact}}
	if out.Proposal.Uncovered == nil {
		out.Proposal.Uncovered = []string{}
	}
	for _, m := range t.Proposal.Members {
		out.Proposal.Members = append(out.Proposal.Members, tsunagari.TeamMember{ApplicationID: m.ID, Role: m.Role})
	}
	for _, ap := range t.Applicants {
		fits := ap.Fits
		if fits == nil {
			fits = []string{}
		}
		out.Applicants = append(out.Applicants, applicantJSON{applicationJSON: applicationOf(ap.ProbonoApplication), Name: ap.Name,
			JobFamily: ap.JobFamily, Industry: ap.Industry, AgeBand: ap.AgeBand, Available: ap.Available, Fits: fits})
	}
	return writeJSON(w, http.StatusOK, out)
}

type teamRequest struct {
	Members []tsunagari.TeamMember `json:"members"`
}

func (s *Server) apiConfirmTeam(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := requireAccount(a); err != nil {
		return err
	}
	var in teamRequest
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if err := s.Probono.Confirm(r.Context(), a, r.PathValue("id"), in.Members); err != nil {
		return err
	}
	d, err := s.Probono.Project(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, projectDetails(d))
}
