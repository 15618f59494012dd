// Package ical writes iCalendar (RFC 5545) files: one event per file or a
// feed of many, with CRLF line endings, lines folded at 75 octets without
// splitting a character, text escaped, and every time in UTC so that no
// time zone definition is needed.
package ical

import (
	"bufio"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// Calendar is a calendar file.
type Calendar struct {
	// Name is shown by calendar apps for a subscribed feed.
	Name   string
	Events []Event
}

// Event is a VEVENT: an event, a recurring series, or one occurrence of a
// series (with RecurrenceID).
type Event struct {
	// UID is the same in every file that mentions the event.
	UID string
	// RecurrenceID names the occurrence of a series this entry is about;
	// zero for a whole event or series.
	RecurrenceID time.Time
	Start, End   time.Time
	Summary      string
	Description  string
	Location     string
	URL          string
	// RRule is a recurrence rule without the "RRULE:" prefix; ExDates
	// are the starts of occurrences that do not take place.
	RRule   string
	ExDates []time.Time
	// Status is CONFIRMED, TENTATIVE or CANCELLED.
	Status string
	// Stamp is when the entry was written (DTSTAMP).
	Stamp time.Time
}

const layout = "20060102T150405Z"

func utc(t time.Time) string { return t.UTC().Format(layout) }

// Write writes c to w.
func Write(w io.Writer, c Calendar) error {
	bw := bufio.NewWriter(w)
	line := func(name, value string) { writeFolded(bw, name+":"+value) }
	line("BEGIN", "VCALENDAR")
	line("VERSION", "2.0")
	line("PRODID", "-//tsunagari//tsunagari//JA")
	line("CALSCALE", "GREGORIAN")
	if c.Name != "" {
		line("X-WR-CALNAME", Escape(c.Name))
	}
	for _, e := range c.Events {
		line("BEGIN", "VEVENT")
		line("UID", Escape(e.UID))
		line("DTSTAMP", utc(e.Stamp))
		if !e.RecurrenceID.IsZero() {
			line("RECURRENCE-ID", utc(e.RecurrenceID))
		}
		line("DTSTART", utc(e.Start))
		line("DTEND", utc(e.End))
		if e.RRule != "" {
			line("RRULE", e.RRule)
		}
		if len(e.ExDates) > 0 {
			dates := make([]string, len(e.ExDates))
			for i, d := range e.ExDates {
				dates[i] = utc(d)
			}
			line("EXDATE", strings.Join(dates, ","))
		}
		line("SUMMARY", Escape(e.Summary))
		if e.Description != "" {
			line("DESCRIPTION", Escape(e.Description))
		}
		if e.Location != "" {
			line("LOCATION", Escape(e.Location))
		}
		if e.URL != "" {
			line("URL", e.URL)
		}
		if e.Status != "" {
			line("STATUS", e.Status)
		}
		line("END", "VEVENT")
	}
	line("END", "VCALENDAR")
	return bw.Flush()
}

// Escape writes s as an iCalendar TEXT value: backslashes, semicolons and
// commas escaped, new lines as \n, other control characters dropped.
func Escape(s string) string {
	var b strings.Builder
	for _, r := range strings.ReplaceAll(s, "\r\n", "\n") {
		switch {
		case r == '\\' || r == ';' || r == ',':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r < 0x20 || r == 0x7f:
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// writeFolded writes one content line, folded so that no line exceeds 75
// octets: continuation lines start with a space, and a character is never
// split between lines.
func writeFolded(w *bufio.Writer, s string) {
	limit := 75
	for len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		w.WriteString(s[:cut])
		w.WriteString("\r\n ")
		s = s[cut:]
		limit = 74 // the leading space counts
	}
	w.WriteString(s)
	w.WriteString("\r\n")
}
