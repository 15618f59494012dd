package web

import (
	"bytes"
	"net/http"
	"time"

	"tsunagari"
	"tsunagari/internal/event"
	"tsunagari/internal/ical"
)

// iCalendar files: one per event, and the feeds a member subscribes to
// with the secret address of their calendar feed.

// icalUID names an event in every calendar file.
func icalUID(e *tsunagari.Event) string { return e.ID + "@tsunagari" }

// icalEvent is the calendar entry of one occurrence of e (or, with a
// zero at, of e as a whole).
func (s *Server) icalEvent(r *http.Request, e *tsunagari.Event, start, end time.Time, status string) ical.Event {
	where := e.Venue
	if p := tsunagari.PrefectureByCode(e.Prefecture); p != nil && where != "" {
		where = p.Name + " " + where
	}
	if e.Online {
		if where != "" {
			where += " / "
		}
		where += "オンライン (Online)"
	}
	return ical.Event{UID: icalUID(e), Start: start, End: end, Summary: e.Title, Description: e.Description,
		Location: where, URL: s.siteURL(r) + eventURL(e.ID, time.Time{}), Status: status, Stamp: s.Events.Now()}
}

// writeICal sends c as a calendar file named name.
func writeICal(w http.ResponseWriter, name string, c ical.Calendar) error {
	var b bytes.Buffer
	if err := ical.Write(&b, c); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Content-Disposition", `inline; filename="`+name+`"`)
	_, _ = b.WriteTo(w)
	return nil
}

// eventICal is the calendar file of one event: a recurring event as one
// series, its cancelled occurrences left out.
func (s *Server) eventICal(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	e, cancelled, err := s.Events.Cancelled(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	status := "CONFIRMED"
	if e.CancelledAt != nil {
		status = "CANCELLED"
	}
	ev := s.icalEvent(r, e, e.StartsAt, e.EndsAt, status)
	if e.Recurrence != nil {
		ev.RRule = e.Recurrence.String()
		for _, d := range e.Exceptions {
			day, _ := time.ParseInLocation(time.DateOnly, d, tsunagari.Tokyo)
			local := e.StartsAt.In(tsunagari.Tokyo)
			ev.ExDates = append(ev.ExDates, time.Date(day.Year(), day.Month(), day.Day(), local.Hour(), local.Minute(), local.Second(), 0, tsunagari.Tokyo))
		}
		ev.ExDates = append(ev.ExDates, cancelled...)
	}
	if first, ok := e.First(); ok && e.Recurrence != nil {
		ev.Start, ev.End = first, first.Add(e.Duration())
	}
	return writeICal(w, "event-"+e.ID+".ics", ical.Calendar{Events: []ical.Event{ev}})
}

// feedEvents turns calendar entries into one entry per occurrence.
func (s *Server) feedEvents(r *http.Request, entries []event.Entry) []ical.Event {
	var out []ical.Event
	for _, en := range entries {
		status := "CONFIRMED"
		switch {
		case en.Cancelled:
			status = "CANCELLED"
		case en.Status != "" && en.Status != tsunagari.RSVPConfirmed:
			status = "TENTATIVE"
		}
		ev := s.icalEvent(r, en.Event, en.StartsAt, en.EndsAt, status)
		if en.Event.Recurrence != nil {
			ev.UID = en.Event.ID + "-" + tsunagari.OccurrenceKey(en.StartsAt) + "@tsunagari"
		}
		ev.URL = s.siteURL(r) + eventURL(en.Event.ID, en.StartsAt)
		out = append(out, ev)
	}
	return out
}

// memberFeed is a member's calendar: the occurrences they asked for.
func (s *Server) memberFeed(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	entries, err := s.Events.MemberCalendar(r.Context(), r.PathValue("token"))
	if err != nil {
		return err
	}
	return writeICal(w, "tsunagari.ics", ical.Calendar{Name: "つながり", Events: s.feedEvents(r, entries)})
}

// communityFeed is the calendar of a community's upcoming events.
func (s *Server) communityFeed(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	c, entries, err := s.Events.CommunityCalendar(r.Context(), r.PathValue("token"), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeICal(w, "community-"+c.ID+".ics", ical.Calendar{Name: c.Name, Events: s.feedEvents(r, entries)})
}
