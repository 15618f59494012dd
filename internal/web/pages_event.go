package web

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"tsunagari"
	"tsunagari/internal/event"
	"tsunagari/internal/i18n"
)

// Event pages: the list of upcoming events, an event with its dates and
// the visitor's own request, the organisers' form, attendee list, check-in
// and CSV export.

// occurrenceParam reads the occurrence a request names in "at": zero if
// none, "not found" if it is not a time.
func occurrenceParam(v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	at, ok := tsunagari.ParseOccurrenceKey(v)
	if !ok {
		return time.Time{}, tsunagari.NewError(tsunagari.CodeNotFound, "event.no_such_occurrence")
	}
	return at, nil
}

// eventURL is the page of one occurrence of an event.
func eventURL(eventID string, at time.Time) string {
	u := "/events/" + eventID
	if !at.IsZero() {
		u += "?at=" + tsunagari.OccurrenceKey(at)
	}
	return u
}

type eventsPage struct {
	// Mine are the signed-in visitor's own upcoming requests.
	Mine        []event.Entry
	Listings    []event.Listing
	Query       string
	CommunityID string
	Trial       bool
}

func (s *Server) eventsList(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	q := r.URL.Query()
	p := eventsPage{Query: q.Get("q"), CommunityID: q.Get("community"), Trial: q.Get("trial") == "1"}
	list, err := s.Events.List(r.Context(), a, event.ListFilter{CommunityID: p.CommunityID, TrialOnly: p.Trial, Query: p.Query, Limit: 100})
	if err != nil {
		return err
	}
	p.Listings = list
	if a != nil {
		if p.Mine, err = s.Events.Mine(r.Context(), a); err != nil {
			return err
		}
	}
	return s.render(w, r, a, http.StatusOK, "events", "events.title", p)
}

type eventPage struct {
	*event.Details
	Form *form
	Key  string // the selected occurrence's key
}

func (s *Server) eventView(w http.ResponseWriter, r *http.Request, a *tsunagari.Account, status int, at time.Time, f *form) error {
	d, err := s.Events.Event(r.Context(), a, r.PathValue("id"), at)
	if err != nil {
		return err
	}
	if f == nil {
		f = &form{Values: url.Values{}}
	}
	p := eventPage{Details: d, Form: f}
	if d.Selected != nil {
		p.Key = tsunagari.OccurrenceKey(d.Selected.StartsAt)
	}
	return s.renderPage(w, r, a, status, "event", page{Title: "event.title", TitleText: d.Event.Title, Data: p})
}

func (s *Server) eventShow(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	at, err := occurrenceParam(r.URL.Query().Get("at"))
	if err != nil {
		return err
	}
	return s.eventView(w, r, a, http.StatusOK, at, nil)
}

// rsvpFlash is the notice shown after a request, by where it stands.
var rsvpFlash = map[tsunagari.RSVPStatus]string{
	tsunagari.RSVPConfirmed:  "flash.rsvp_confirmed",
	tsunagari.RSVPWaitlisted: "flash.rsvp_waitlisted",
	tsunagari.RSVPPending:    "flash.rsvp_pending",
	tsunagari.RSVPEntered:    "flash.rsvp_entered",
}

func (s *Server) eventRSVP(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	at, err := occurrenceParam(r.PostForm.Get("at"))
	if err != nil {
		return err
	}
	rsvp, err := s.Events.RSVP(r.Context(), a, r.PathValue("id"), at, r.PostForm.Get("trial") == "1")
	if err != nil {
		f, status, err := s.formError(r, a, err)
		if err != nil {
			return err
		}
		return s.eventView(w, r, a, status, at, f)
	}
	return s.redirect(w, r, eventURL(rsvp.EventID, rsvp.StartsAt), rsvpFlash[rsvp.Status])
}

func (s *Server) eventRSVPCancel(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	at, err := occurrenceParam(r.PostForm.Get("at"))
	if err != nil {
		return err
	}
	rsvp, err := s.Events.CancelRSVP(r.Context(), a, r.PathValue("id"), at)
	if err != nil {
		f, status, err := s.formError(r, a, err)
		if err != nil {
			return err
		}
		return s.eventView(w, r, a, status, at, f)
	}
	return s.redirect(w, r, eventURL(rsvp.EventID, rsvp.StartsAt), "flash.rsvp_cancelled")
}

func (s *Server) eventCancel(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	at, err := occurrenceParam(r.PostForm.Get("at"))
	if err != nil {
		return err
	}
	if r.PostForm.Get("scope") == "event" {
		at = time.Time{}
	}
	if err := s.Events.Cancel(r.Context(), a, r.PathValue("id"), at, r.PostForm.Get("reason")); err != nil {
		f, status, err := s.formError(r, a, err)
		if err != nil {
			return err
		}
		return s.eventView(w, r, a, status, at, f)
	}
	return s.redirect(w, r, eventURL(r.PathValue("id"), at), "flash.event_cancelled")
}

// The organisers' form.

type eventFormPage struct {
	Community   *tsunagari.Community
	Form        *form
	Prefectures []tsunagari.Prefecture
}

func (s *Server) eventFormView(w http.ResponseWriter, r *http.Request, a *tsunagari.Account, status int, f *form) error {
	c, err := s.Events.Community(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	if f == nil {
		f = &form{Values: url.Values{"capacity": {"20"}, "waitlist": {"1"}, "seats": {"first"}, "lotteryHours": {"72"}}}
	}
	return s.render(w, r, a, status, "event_new", "event.new.title", eventFormPage{Community: c, Form: f, Prefectures: tsunagari.Prefectures})
}

func (s *Server) eventNew(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	return s.eventFormView(w, r, a, http.StatusOK, nil)
}

// localTime reads a datetime-local value ("2026-12-12T14:00") in loc.
func localTime(field, v string, loc *time.Location) (time.Time, error) {
	v = strings.TrimSpace(v)
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, v, loc); err == nil {
			return t.UTC(), nil
		}
	}
	if v == "" {
		return time.Time{}, tsunagari.Invalid(field, "event.start_required")
	}
	return time.Time{}, tsunagari.Invalid(field, "event.time_invalid")
}

// formRule builds the recurrence rule the form's "repeat" choice names,
// for an event starting at start (in loc).
func formRule(v url.Values, start time.Time, loc *time.Location) (*tsunagari.Recurrence, error) {
	local := start.In(loc)
	until := ""
	if u := strings.TrimSpace(v.Get("until")); u != "" {
		d, err := tsunagari.ParseDate("until", u)
		if err != nil {
			return nil, err
		}
		until = ";UNTIL=" + strings.ReplaceAll(d, "-", "")
	}
	var rule string
	switch v.Get("repeat") {
	case "":
		return nil, nil
	case "weekly":
		rule = "FREQ=WEEKLY"
	case "biweekly":
		rule = "FREQ=WEEKLY;INTERVAL=2"
	case "monthly_weekday":
		rule = fmt.Sprintf("FREQ=MONTHLY;BYDAY=%d%s", (local.Day()-1)/7+1, strings.ToUpper(local.Weekday().String()[:2]))
	case "monthly_day":
		rule = "FREQ=MONTHLY"
	case "custom":
		return tsunagari.ParseRecurrence(v.Get("rule"))
	default:
		return nil, tsunagari.Invalid("repeat", "event.rule_freq")
	}
	return tsunagari.ParseRecurrence(rule + until)
}

// eventFromForm reads the organisers' form.
func eventFromForm(v url.Values, communityID string, loc *time.Location) (*tsunagari.Event, error) {
	e := &tsunagari.Event{CommunityID: communityID, Title: v.Get("title"), Description: v.Get("description"),
		Online: v.Get("online") == "1", Venue: v.Get("venue"), Prefecture: v.Get("prefecture"), OnlineURL: v.Get("onlineUrl"),
		Waitlist: v.Get("waitlist") == "1", TrialWelcome: v.Get("trialWelcome") == "1", Approval: v.Get("seats") == "approval"}
	var err error
	if e.StartsAt, err = localTime("startsAt", v.Get("startsAt"), loc); err != nil {
		return nil, err
	}
	if e.EndsAt, err = localTime("endsAt", v.Get("endsAt"), loc); err != nil {
		return nil, err
	}
	if e.Capacity, err = formNumber(v, "capacity", "event.capacity_invalid", tsunagari.MaxCapacity); err != nil {
		return nil, err
	}
	if v.Get("seats") == "lottery" {
		if e.LotteryHours, err = formNumber(v, "lotteryHours", "event.lottery_hours_invalid", tsunagari.MaxLotteryHours); err != nil {
			return nil, err
		}
		if e.LotteryHours == 0 {
			return nil, tsunagari.Invalid("lotteryHours", "event.lottery_hours_invalid", tsunagari.MaxLotteryHours)
		}
	}
	if e.Recurrence, err = formRule(v, e.StartsAt, loc); err != nil {
		return nil, err
	}
	if e.Recurrence != nil {
		if e.Exceptions, err = tsunagari.ParseDates("exceptions", v.Get("exceptions")); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// formNumber reads a whole number field; empty is 0. A field that is not
// a number is refused with the message key and its args.
func formNumber(v url.Values, field, key string, args ...any) (int, error) {
	s := strings.TrimSpace(foldDigits(v.Get(field)))
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, tsunagari.Invalid(field, key, args...)
	}
	return n, nil
}

// foldDigits turns full-width digits into ASCII.
func foldDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '０' && r <= '９' {
			return r - '０' + '0'
		}
		return r
	}, s)
}

func (s *Server) eventCreate(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	// Only an organiser of the community gets as far as the form's errors.
	if _, err := s.Events.Community(r.Context(), a, r.PathValue("id")); err != nil {
		return err
	}
	e, err := eventFromForm(r.PostForm, r.PathValue("id"), a.Location())
	if err == nil {
		err = s.Events.Create(r.Context(), a, e)
	}
	if err != nil {
		f, status, err := s.formError(r, a, err)
		if err != nil {
			return err
		}
		return s.eventFormView(w, r, a, status, f)
	}
	return s.redirect(w, r, "/events/"+e.ID, "flash.event_created")
}

// Attendees, check-in and export.

type attendeesPage struct {
	Event      *tsunagari.Event
	Occurrence *event.Occurrence
	Key        string
	RSVPs      []*tsunagari.RSVP
	CheckedIn  int
}

func (s *Server) eventAttendees(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	at, err := occurrenceParam(r.URL.Query().Get("at"))
	if err != nil {
		return err
	}
	occ, list, e, err := s.Events.Attendees(r.Context(), a, r.PathValue("id"), at)
	if err != nil {
		return err
	}
	p := attendeesPage{Event: e, Occurrence: occ, Key: tsunagari.OccurrenceKey(occ.StartsAt), RSVPs: list}
	for _, rv := range list {
		if rv.CheckedInAt != nil {
			p.CheckedIn++
		}
	}
	return s.renderPage(w, r, a, http.StatusOK, "attendees", page{Title: "attendees.title", Data: p})
}

// attendeesCSV writes the requests for one occurrence as CSV in UTF-8
// with a byte order mark, so that Excel in Japan reads it as it is.
func (s *Server) attendeesCSV(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	at, err := occurrenceParam(r.URL.Query().Get("at"))
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

func writeAttendeesCSV(w http.ResponseWriter, p i18n.Printer, loc *time.Location, e *tsunagari.Event, occ *event.Occurrence, list []*tsunagari.RSVP) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="attendees-`+e.ID+"-"+tsunagari.OccurrenceKey(occ.StartsAt)+`.csv"`)
	_, _ = w.Write([]byte("\ufeff"))
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	cw.Write([]string{p.T("attendees.col.name"), p.T("attendees.col.status"), p.T("attendees.col.position"),
		p.T("attendees.col.trial"), p.T("attendees.col.requested"), p.T("attendees.col.checked_in")})
	stamp := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.In(loc).Format("2006-01-02 15:04")
	}
	for _, rv := range list {
		if rv.Status == tsunagari.RSVPCancelled {
			continue
		}
		position, trial := "", ""
		if rv.Position > 0 {
			position = strconv.Itoa(rv.Position)
		}
		if rv.Trial {
			trial = p.T("attendees.trial")
		}
		status := "rsvp.status." + string(rv.Status)
		cw.Write([]string{csvCell(rv.Name), p.T(status), position, trial,
			stamp(&rv.RequestedAt), stamp(rv.CheckedInAt)})
	}
	cw.Flush()
}

// rsvpAction runs an organiser's action on a request and goes back to the
// attendee list.
func (s *Server) rsvpAction(do func(r *http.Request, a *tsunagari.Account) (*tsunagari.RSVP, error), flash string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
		if err := parseForm(w, r); err != nil {
			return err
		}
		rv, err := do(r, a)
		if err != nil {
			return err
		}
		return s.redirect(w, r, "/events/"+rv.EventID+"/attendees?at="+tsunagari.OccurrenceKey(rv.StartsAt), flash)
	}
}

func (s *Server) rsvpCheckIn(r *http.Request, a *tsunagari.Account) (*tsunagari.RSVP, error) {
	return s.Events.CheckIn(r.Context(), a, r.PathValue("id"))
}

func (s *Server) rsvpApprove(r *http.Request, a *tsunagari.Account) (*tsunagari.RSVP, error) {
	return s.Events.Decide(r.Context(), a, r.PathValue("id"), true)
}

func (s *Server) rsvpDecline(r *http.Request, a *tsunagari.Account) (*tsunagari.RSVP, error) {
	return s.Events.Decide(r.Context(), a, r.PathValue("id"), false)
}

// Calendar feed settings.

type calendarPage struct {
	Feed *tsunagari.CalendarFeed
	// URL is the feed's address, shown once, right after it is made.
	URL string
}

func (s *Server) calendarSettings(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	f, err := s.Events.Feed(r.Context(), a)
	if err != nil && tsunagari.ErrorCode(err) != tsunagari.CodeNotFound {
		return err
	}
	return s.render(w, r, a, http.StatusOK, "calendar", "calendar.title", calendarPage{Feed: f})
}

func (s *Server) calendarCreate(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	token, err := s.Events.CreateFeed(r.Context(), a)
	if err != nil {
		return err
	}
	f, err := s.Events.Feed(r.Context(), a)
	if err != nil {
		return err
	}
	return s.render(w, r, a, http.StatusCreated, "calendar", "calendar.title", calendarPage{Feed: f, URL: s.feedURL(r, token)})
}

func (s *Server) calendarRevoke(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := s.Events.RevokeFeed(r.Context(), a); err != nil {
		return err
	}
	return s.redirect(w, r, "/settings/calendar", "flash.calendar_revoked")
}

// feedURL is the address of a member's calendar feed.
func (s *Server) feedURL(r *http.Request, token string) string {
	return s.siteURL(r) + "/feeds/" + token + "/member.ics"
}

// siteURL is the site's address: the configured one, else the request's.
func (s *Server) siteURL(r *http.Request) string {
	if s.Events.BaseURL != "" {
		return strings.TrimSuffix(s.Events.BaseURL, "/")
	}
	scheme := "http"
	if r.TLS != nil || s.SecureCookies {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
