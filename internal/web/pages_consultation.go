package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"tsunagari"
	"tsunagari/internal/consulting"
	"tsunagari/internal/i18n"
)

// slotDays groups slots by their calendar day in loc, for the slot picker.
type slotDay struct {
	Day   time.Time
	Slots []tsunagari.Slot
}

func groupSlots(slots []tsunagari.Slot, loc *time.Location) []slotDay {
	var out []slotDay
	for _, sl := range slots {
		l := sl.Start.In(loc)
		day := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, loc)
		if n := len(out); n == 0 || !out[n-1].Day.Equal(day) {
			out = append(out, slotDay{Day: day})
		}
		out[len(out)-1].Slots = append(out[len(out)-1].Slots, sl)
	}
	return out
}

// slotValue is how a slot travels in a form: its start in RFC 3339, UTC.
func slotValue(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// parseSlot reads a slot's start from a form or query value.
func parseSlot(field, v string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, strings.TrimSpace(v))
	if err != nil {
		return time.Time{}, tsunagari.Invalid(field, "consultation.slot_invalid")
	}
	return t.UTC(), nil
}

// slotWeeks is how far ahead the slot picker shows free slots.
const slotWeeks = 4

type consultantsPage struct {
	Consultants []*tsunagari.Consultant
	Theme       string
	Total       int
}

func (s *Server) consultants(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	theme := r.URL.Query().Get("theme")
	cs, total, err := s.Consulting.Consultants(r.Context(), a, theme, 200, 0)
	if err != nil {
		return err
	}
	return s.render(w, r, a, http.StatusOK, "consultants", "consultants.title", consultantsPage{Consultants: cs, Theme: theme, Total: total})
}

type consultantPage struct {
	Consultant *tsunagari.Consultant
	Days       []slotDay
	Form       *form
	// Key is a fresh idempotency key: a form sent twice books once.
	Key string
	// Own is true when the consultant looks at their own profile.
	Own bool
}

func (s *Server) consultantPage(w http.ResponseWriter, r *http.Request, a *tsunagari.Account, status int, f *form) error {
	c, err := s.Consulting.Consultant(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	p := consultantPage{Consultant: c, Form: f, Key: tsunagari.NewID(), Own: c.AccountID == a.ID}
	if c.Verified() && !p.Own {
		now := time.Now()
		slots, err := s.Consulting.Slots(r.Context(), a, c.AccountID, now, now.AddDate(0, 0, 7*slotWeeks))
		if err != nil {
			return err
		}
		p.Days = groupSlots(slots, a.Location())
	}
	if p.Form == nil {
		p.Form = &form{Values: url.Values{}}
	}
	if k := p.Form.Values.Get("key"); tsunagari.ValidIdempotencyKey(k) {
		p.Key = k // the same request, tried again
	}
	return s.renderPage(w, r, a, status, "consultant", page{Title: "consultant.title", TitleText: c.DisplayName, Data: p})
}

func (s *Server) consultant(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	return s.consultantPage(w, r, a, http.StatusOK, nil)
}

func (s *Server) book(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	req := consulting.BookingRequest{ConsultantID: r.PathValue("id"), Themes: r.PostForm["themes"],
		IdempotencyKey: r.PostForm.Get("key")}
	start, err := parseSlot("start", r.PostForm.Get("start"))
	if err == nil {
		req.Start = start
		var b *tsunagari.Booking
		if b, _, err = s.Consulting.Book(r.Context(), a, req); err == nil {
			return s.redirect(w, r, "/bookings/"+b.ID, "flash.booked")
		}
	}
	f, status, ferr := s.formError(r, a, err)
	if ferr != nil {
		return ferr
	}
	return s.consultantPage(w, r, a, status, f)
}

type bookingsPage struct {
	Upcoming, Past []*consulting.View
}

func splitViews(views []*consulting.View, now time.Time) (upcoming, past []*consulting.View) {
	for _, v := range views {
		if v.End.After(now) && v.Status.Active() {
			upcoming = append(upcoming, v)
		} else {
			past = append(past, v)
		}
	}
	slices.Reverse(past)
	return upcoming, past
}

func (s *Server) bookings(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	views, err := s.Consulting.MyBookings(r.Context(), a)
	if err != nil {
		return err
	}
	var p bookingsPage
	p.Upcoming, p.Past = splitViews(views, time.Now())
	return s.render(w, r, a, http.StatusOK, "bookings", "bookings.title", p)
}

type schedulePage struct {
	Upcoming, Past []*consulting.View
	Consultant     *tsunagari.Consultant
}

func (s *Server) schedule(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	now := time.Now()
	views, err := s.Consulting.Schedule(r.Context(), a, now.AddDate(0, 0, -28), now.Add(tsunagari.BookingHorizon))
	if err != nil {
		return err
	}
	c, err := s.Consulting.MyProfile(r.Context(), a)
	if err != nil {
		return err
	}
	var p schedulePage
	p.Upcoming, p.Past = splitViews(views, now)
	p.Consultant = c
	return s.render(w, r, a, http.StatusOK, "schedule", "schedule.title", p)
}

type bookingPage struct {
	View *consulting.View
	// Held is true once the session has started: records can be kept.
	Held       bool
	Note       *consulting.NoteText
	Reflection *tsunagari.Reflection
	// Items pairs each reflection question with the member's answer.
	Items []reflectionRow
	// Days are free slots to move the booking to (member, upcoming).
	Days []slotDay
	Form *form
	// FreeUntil is when cancelling stops being free.
	FreeUntil time.Time
	// RetentionYears is how long a note is kept after the member left.
	RetentionYears int
}

type reflectionRow struct {
	ID    string
	Label tsunagari.Text
	Item  tsunagari.ReflectionItem
}

func (s *Server) bookingPage(w http.ResponseWriter, r *http.Request, a *tsunagari.Account, status int, f *form) error {
	ctx := r.Context()
	v, err := s.Consulting.Booking(ctx, a, r.PathValue("id"))
	if err != nil {
		return err
	}
	now := time.Now()
	p := bookingPage{View: v, Form: f, Held: v.Status == tsunagari.BookingConfirmed && !v.Start.After(now),
		FreeUntil: v.Start.Add(-tsunagari.FreeCancellation), RetentionYears: tsunagari.NoteRetentionYears}
	if p.Form == nil {
		p.Form = &form{Values: url.Values{}}
	}
	if v.AsConsultant {
		if p.Note, err = s.Consulting.Note(ctx, a, v.ID); err != nil {
			return err
		}
	} else {
		if p.Reflection, err = s.Consulting.Reflection(ctx, a, v.ID); err != nil {
			return err
		}
		for _, q := range tsunagari.ReflectionItems {
			row := reflectionRow{ID: q.ID, Label: q.Label, Item: tsunagari.ReflectionItem{ID: q.ID}}
			for _, it := range p.Reflection.Items {
				if it.ID == q.ID {
					row.Item = it
				}
			}
			p.Items = append(p.Items, row)
		}
		if v.Status.Active() && v.Start.Sub(now) >= tsunagari.FreeCancellation {
			slots, err := s.Consulting.Slots(ctx, a, v.ConsultantID, now, now.AddDate(0, 0, 7*slotWeeks))
			if err == nil {
				p.Days = groupSlots(slots, a.Location())
			}
		}
	}
	return s.render(w, r, a, status, "booking", "booking.title", p)
}

func (s *Server) booking(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	return s.bookingPage(w, r, a, http.StatusOK, nil)
}

// bookingAction runs one change of a booking from its page: back to the
// page with a notice, or the page again with the error.
func (s *Server) bookingAction(w http.ResponseWriter, r *http.Request, a *tsunagari.Account, flash string, do func(id string) (string, error)) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id := r.PathValue("id")
	to, err := do(id)
	if err == nil {
		if to == "" {
			to = id
		}
		return s.redirect(w, r, "/bookings/"+to, flash)
	}
	f, status, ferr := s.formError(r, a, err)
	if ferr != nil {
		return ferr
	}
	return s.bookingPage(w, r, a, status, f)
}

func (s *Server) cancelBooking(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	return s.bookingAction(w, r, a, "flash.booking_cancelled", func(id string) (string, error) {
		_, err := s.Consulting.Cancel(r.Context(), a, id)
		return "", err
	})
}

func (s *Server) confirmBooking(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	return s.bookingAction(w, r, a, "flash.booking_confirmed", func(id string) (string, error) {
		return "", s.Consulting.Confirm(r.Context(), a, id)
	})
}

func (s *Server) rescheduleBooking(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	return s.bookingAction(w, r, a, "flash.booking_moved", func(id string) (string, error) {
		start, err := parseSlot("start", r.PostForm.Get("start"))
		if err != nil {
			return "", err
		}
		b, err := s.Consulting.Reschedule(r.Context(), a, id, start)
		if err != nil {
			return "", err
		}
		return b.ID, nil
	})
}

func (s *Server) setMeetingURL(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	return s.bookingAction(w, r, a, "flash.saved", func(id string) (string, error) {
		return "", s.Consulting.SetMeetingURL(r.Context(), a, id, strings.TrimSpace(r.PostForm.Get("meetingUrl")))
	})
}

func (s *Server) writeNote(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	return s.bookingAction(w, r, a, "flash.saved", func(id string) (string, error) {
		return "", s.Consulting.WriteNote(r.Context(), a, id, r.PostForm.Get("note"), r.PostForm["confirmedThemes"])
	})
}

func (s *Server) writeReflection(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	return s.bookingAction(w, r, a, "flash.saved", func(id string) (string, error) {
		refl := &tsunagari.Reflection{ShareRating: r.PostForm.Get("shareRating") != ""}
		if v := r.PostForm.Get("rating"); v != "" {
			refl.Rating = atoiOr(v, -1)
		}
		for _, q := range tsunagari.ReflectionItems {
			refl.Items = append(refl.Items, tsunagari.ReflectionItem{ID: q.ID, Text: r.PostForm.Get(q.ID),
				Share: r.PostForm.Get("share_"+q.ID) != ""})
		}
		return "", s.Consulting.WriteReflection(r.Context(), a, id, refl)
	})
}

func (s *Server) bookingICS(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	ics, err := s.Consulting.ICS(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="tsunagari-`+r.PathValue("id")+`.ics"`)
	_, _ = w.Write(ics)
	return nil
}

// The consultant's own profile and availability.

type profilePage struct {
	Consultant *tsunagari.Consultant
	Form       *form
	HasValues  bool
}

func (s *Server) profilePage(w http.ResponseWriter, r *http.Request, a *tsunagari.Account, status int, f *form) error {
	c, err := s.Consulting.MyProfile(r.Context(), a)
	if err != nil {
		return err
	}
	if f == nil {
		f = &form{Values: profileValues(c)}
	}
	_, results, err := s.Surveys.MyResults(r.Context(), a, "values_diagnosis")
	if err != nil {
		return err
	}
	return s.render(w, r, a, status, "consultant_profile", "consultant_profile.title",
		profilePage{Consultant: c, Form: f, HasValues: len(results) > 0})
}

// profileValues writes a profile as the values of its form.
func profileValues(c *tsunagari.Consultant) url.Values {
	v := url.Values{
		"displayName": {c.DisplayName}, "registrationNumber": {c.RegistrationNumber},
		"yearsOfPractice": {strconv.Itoa(c.YearsOfPractice)}, "ageBand": {c.AgeBand}, "gender": {c.Gender},
		"message": {c.Message}, "area": {c.Area}, "feeYen": {strconv.Itoa(c.FeeYen)}, "meetingUrl": {c.MeetingURL},
		"industries": c.Industries, "jobFamilies": c.JobFamilies, "themes": c.Themes, "languages": c.Languages,
	}
	for name, on := range map[string]bool{"online": c.Online, "inPerson": c.InPerson, "employerPaid": c.EmployerPaid, "autoAccept": c.AutoAccept} {
		if on {
			v.Set(name, "on")
		}
	}
	return v
}

func (s *Server) profile(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	return s.profilePage(w, r, a, http.StatusOK, nil)
}

func (s *Server) saveProfile(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	old, err := s.Consulting.MyProfile(r.Context(), a)
	if err != nil {
		return err
	}
	pf := r.PostForm
	c := &tsunagari.Consultant{
		DisplayName: strings.TrimSpace(pf.Get("displayName")), RegistrationNumber: pf.Get("registrationNumber"),
		YearsOfPractice: atoiOr(pf.Get("yearsOfPractice"), 0), AgeBand: pf.Get("ageBand"), Gender: pf.Get("gender"),
		Message: pf.Get("message"), Area: pf.Get("area"), FeeYen: atoiOr(pf.Get("feeYen"), 0),
		MeetingURL: strings.TrimSpace(pf.Get("meetingUrl")), Industries: pf["industries"], JobFamilies: pf["jobFamilies"],
		Themes: pf["themes"], Languages: pf["languages"], Online: pf.Get("online") != "", InPerson: pf.Get("inPerson") != "",
		EmployerPaid: pf.Get("employerPaid") != "", AutoAccept: pf.Get("autoAccept") != "", Values: old.Values,
	}
	if pf.Get("useValues") != "" {
		_, results, err := s.Surveys.MyResults(r.Context(), a, "values_diagnosis")
		if err != nil {
			return err
		}
		if len(results) > 0 {
			c.Values = results[0].Scores
		}
	}
	if err := s.Consulting.SaveProfile(r.Context(), a, c); err != nil {
		f, status, ferr := s.formError(r, a, err)
		if ferr != nil {
			return ferr
		}
		return s.profilePage(w, r, a, status, f)
	}
	return s.redirect(w, r, "/consultant/profile", "flash.saved")
}

type availabilityPage struct {
	Form     *form
	Weekdays []time.Weekday
}

// availabilityValues writes availability as the values of its form: one
// line of windows per weekday, one line per exception.
func availabilityValues(av *tsunagari.Availability) url.Values {
	v := url.Values{"sessionMinutes": {strconv.Itoa(av.SessionMinutes)}, "bufferMinutes": {strconv.Itoa(av.BufferMinutes)},
		"weeklyMax": {strconv.Itoa(av.WeeklyMax)}, "timeZone": {av.TimeZone}}
	if av.ClosedOnHolidays {
		v.Set("closedOnHolidays", "on")
	}
	days := map[time.Weekday][]string{}
	for _, w := range av.Weekly {
		days[w.Weekday] = append(days[w.Weekday], w.Start.String()+"-"+w.End.String())
	}
	for d, list := range days {
		v.Set("weekly_"+strconv.Itoa(int(d)), strings.Join(list, ", "))
	}
	var lines []string
	for _, ex := range av.Exceptions {
		line := ex.Date
		if len(ex.Windows) == 0 {
			line += " off"
		}
		for _, w := range ex.Windows {
			line += " " + w.Start.String() + "-" + w.End.String()
		}
		lines = append(lines, line)
	}
	v.Set("exceptions", strings.Join(lines, "\n"))
	return v
}

// parseWindows reads "10:00-12:00, 13:00-17:00" (full-width digits, 〜
// and ～ too) into windows.
func parseWindows(field, text string) ([]tsunagari.Window, error) {
	text = normalizeDigits(strings.NewReplacer("〜", "-", "～", "-", "–", "-", "−", "-", "：", ":", "、", ",", "，", ",").Replace(text))
	var out []tsunagari.Window
	for _, part := range strings.FieldsFunc(text, func(r rune) bool { return r == ',' || r == ' ' || r == '\u3000' }) {
		from, to, ok := strings.Cut(part, "-")
		start, ok1 := tsunagari.ParseClock(from)
		end, ok2 := tsunagari.ParseClock(to)
		if !ok || !ok1 || !ok2 {
			return nil, tsunagari.Invalid(field, "consultation.window_format")
		}
		out = append(out, tsunagari.Window{Start: start, End: end})
	}
	return out, nil
}

// parseAvailability reads the availability form.
func parseAvailability(pf url.Values) (*tsunagari.Availability, error) {
	av := &tsunagari.Availability{TimeZone: strings.TrimSpace(pf.Get("timeZone")),
		SessionMinutes: atoiOr(pf.Get("sessionMinutes"), tsunagari.DefaultSessionMinutes),
		BufferMinutes:  atoiOr(pf.Get("bufferMinutes"), 0), WeeklyMax: atoiOr(pf.Get("weeklyMax"), tsunagari.DefaultWeeklyMax),
		ClosedOnHolidays: pf.Get("closedOnHolidays") != ""}
	if av.TimeZone == "Asia/Tokyo" {
		av.TimeZone = ""
	}
	for d := time.Sunday; d <= time.Saturday; d++ {
		field := "weekly_" + strconv.Itoa(int(d))
		ws, err := parseWindows(field, pf.Get(field))
		if err != nil {
			return nil, err
		}
		for _, w := range ws {
			av.Weekly = append(av.Weekly, tsunagari.WeeklyWindow{Weekday: d, Window: w})
		}
	}
	for line := range strings.Lines(pf.Get("exceptions")) {
		line = strings.TrimSpace(normalizeDigits(line))
		if line == "" {
			continue
		}
		date, rest, _ := strings.Cut(line, " ")
		rest = strings.TrimSpace(rest)
		ex := tsunagari.Exception{Date: strings.ReplaceAll(date, "/", "-")}
		switch strings.ToLower(rest) {
		case "", "off", "休", "休み":
		default:
			ws, err := parseWindows("exceptions", rest)
			if err != nil {
				return nil, err
			}
			ex.Windows = ws
		}
		av.Exceptions = append(av.Exceptions, ex)
	}
	return av, nil
}

func (s *Server) availabilityPage(w http.ResponseWriter, r *http.Request, a *tsunagari.Account, status int, f *form) error {
	if f == nil {
		av, err := s.Consulting.MyAvailability(r.Context(), a)
		if err != nil {
			return err
		}
		f = &form{Values: availabilityValues(av)}
	}
	days := []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}
	return s.render(w, r, a, status, "availability", "availability.title", availabilityPage{Form: f, Weekdays: days})
}

func (s *Server) availability(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	return s.availabilityPage(w, r, a, http.StatusOK, nil)
}

func (s *Server) saveAvailability(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	av, err := parseAvailability(r.PostForm)
	if err == nil {
		err = s.Consulting.SaveAvailability(r.Context(), a, av)
	}
	if err != nil {
		f, status, ferr := s.formError(r, a, err)
		if ferr != nil {
			return ferr
		}
		return s.availabilityPage(w, r, a, status, f)
	}
	return s.redirect(w, r, "/consultant/availability", "flash.saved")
}

// The operator's verification of registration numbers.

type verificationPage struct {
	Pending, Verified []*tsunagari.Consultant
}

func (s *Server) verification(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	pending, verified, err := s.Consulting.ForVerification(r.Context(), a)
	if err != nil {
		return err
	}
	return s.render(w, r, a, http.StatusOK, "verification", "verification.title", verificationPage{Pending: pending, Verified: verified})
}

func (s *Server) verify(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	yes := r.PostForm.Get("action") != "withdraw"
	if err := s.Consulting.Verify(r.Context(), a, r.PathValue("id"), yes); err != nil {
		return err
	}
	flash := "flash.verified"
	if !yes {
		flash = "flash.verification_withdrawn"
	}
	return s.redirect(w, r, "/operator/consultants", flash)
}

// themeLabel names a theme in the page's language.
func themeLabel(l i18n.Printer, id string) string {
	if t := tsunagari.ThemeByID(id); t != nil {
		return t.Label.In(l.Lang)
	}
	return id
}
