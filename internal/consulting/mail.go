package consulting

import (
	"context"
	"fmt"
	"strings"
	"time"

	"tsunagari"
	"tsunagari/internal/i18n"
)

// What a booking mail announces. Each has the message keys
// mail.booking_<kind>.subject and mail.booking_<kind>.body.
type mailKind string

const (
	mailBooked      mailKind = "booked"      // a new booking, confirmed or waiting for the consultant
	mailConfirmed   mailKind = "confirmed"   // the consultant confirmed a pending booking
	mailCancelled   mailKind = "cancelled"   // either side cancelled
	mailRescheduled mailKind = "rescheduled" // the member moved the booking
	mailReminder    mailKind = "reminder"    // the session is within a day
)

// bookingMails writes the mails of an event of b to its member and its
// consultant, each in the recipient's language and time zone. Mails name
// neither side nor any theme: the outbox is read by the operator, and the
// link leads to the details behind sign-in.
// known are accounts the caller holds already, such as the actor: they
// are not looked up again.
func (s *Service) bookingMails(ctx context.Context, b *tsunagari.Booking, kind mailKind, known ...*tsunagari.Account) ([]*tsunagari.Mail, error) {
	find := func(id string) (*tsunagari.Account, error) {
		for _, a := range known {
			if a != nil && a.ID == id {
				return a, nil
			}
		}
		a, err := s.Accounts.FindAccountByID(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("booking mail: %w", err)
		}
		return a, nil
	}
	member, err := find(b.MemberID)
	if err != nil {
		return nil, err
	}
	consultant, err := find(b.ConsultantID)
	if err != nil {
		return nil, err
	}
	link := s.BaseURL + "/bookings/" + b.ID
	var mails []*tsunagari.Mail
	for _, to := range []*tsunagari.Account{member, consultant} {
		if kind == mailConfirmed && to == consultant {
			continue // the consultant confirmed it themself
		}
		p := s.printer(to)
		statusKey, subjectKey, bodyKey := StatusKey(b.Status), "mail.booking_"+string(kind)+".subject", "mail.booking_"+string(kind)+".body"
		when := p.DateTime(b.Start, to.Location()) + "–" + b.End.In(to.Location()).Format("15:04")
		mails = append(mails, &tsunagari.Mail{
			To:      to.Email,
			Kind:    "booking_" + string(kind),
			Subject: p.T(subjectKey, when),
			Body:    p.T(bodyKey, when, zoneName(to.Location()), p.T(statusKey), link),
		})
	}
	return mails, nil
}

// Whose leaving cancels an upcoming session.
type leftKind int

const (
	memberLeft     leftKind = iota // the member deleted their account
	consultantLeft                 // the consultant deleted their account
)

// leftMail tells to, the side who stays, that the session b is cancelled
// because the other side deleted their account. Like every booking mail,
// it names neither side: the member's booking is gone for the consultant,
// and the member may choose another consultant.
func (s *Service) leftMail(b *tsunagari.Booking, to *tsunagari.Account, kind leftKind) *tsunagari.Mail {
	p := s.printer(to)
	when := p.DateTime(b.Start, to.Location()) + "–" + b.End.In(to.Location()).Format("15:04")
	m := &tsunagari.Mail{To: to.Email, Kind: "booking_member_left",
		Subject: p.T("mail.booking_member_left.subject", when),
		Body:    p.T("mail.booking_member_left.body", when, zoneName(to.Location()))}
	if kind == consultantLeft {
		m.Kind = "booking_consultant_left"
		m.Subject = p.T("mail.booking_consultant_left.subject", when)
		m.Body = p.T("mail.booking_consultant_left.body", when, zoneName(to.Location()), s.BaseURL+"/bookings/"+b.ID,
			s.BaseURL+"/consultants")
	}
	return m
}

// StatusKey is the message key of a booking status.
func StatusKey(s tsunagari.BookingStatus) string { return "consultation.status." + string(s) }

// printer returns the catalogue in a's language; Japanese unless a chose
// English.
func (s *Service) printer(a *tsunagari.Account) i18n.Printer {
	lang := "ja"
	if a.Locale == "en" {
		lang = "en"
	}
	return s.Catalog.Printer(lang)
}

// zoneName names a time zone for a reader: Asia/Tokyo as JST.
func zoneName(loc *time.Location) string {
	if loc == tsunagari.Tokyo {
		return "JST"
	}
	return loc.String()
}

// ICS returns the booking as an iCalendar file (RFC 5545) for actor, its
// member or consultant, in actor's language. Times are written in UTC, so
// the file needs no time zone definition.
func (s *Service) ICS(ctx context.Context, actor *tsunagari.Account, id string) ([]byte, error) {
	b, err := s.booking(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	p := s.printer(actor)
	status := map[tsunagari.BookingStatus]string{
		tsunagari.BookingPending: "TENTATIVE", tsunagari.BookingConfirmed: "CONFIRMED",
	}[b.Status]
	if status == "" {
		status = "CANCELLED"
	}
	link := s.BaseURL + "/bookings/" + b.ID
	desc := p.T("consultation.ics_description", link)
	if b.MeetingURL != "" {
		desc += "\n" + p.T("consultation.meeting_url") + ": " + b.MeetingURL
	}
	sequence := 0
	switch {
	case b.ConfirmedAt != nil && b.CancelledAt != nil:
		sequence = 2
	case b.ConfirmedAt != nil || b.CancelledAt != nil:
		sequence = 1
	}
	lines := []string{
		"BEGIN:VCALENDAR",
		"VERSION:2.0",
		"PRODID:-//tsunagari//consultation//JA",
		"CALSCALE:GREGORIAN",
		"METHOD:PUBLISH",
		"BEGIN:VEVENT",
		"UID:" + b.ID + "@tsunagari",
		"DTSTAMP:" + icsTime(s.now()),
		"DTSTART:" + icsTime(b.Start),
		"DTEND:" + icsTime(b.End),
		"SEQUENCE:" + fmt.Sprint(sequence),
		"STATUS:" + status,
		"SUMMARY:" + icsText(p.T("consultation.ics_summary")),
		"DESCRIPTION:" + icsText(desc),
		"URL:" + icsText(link),
	}
	if b.MeetingURL != "" {
		lines = append(lines, "LOCATION:"+icsText(b.MeetingURL))
	}
	lines = append(lines, "END:VEVENT", "END:VCALENDAR")
	var out strings.Builder
	for _, l := range lines {
		out.WriteString(foldLine(l))
	}
	return []byte(out.String()), nil
}

func icsTime(t time.Time) string { return t.UTC().Format("20060102T150405Z") }

// icsText escapes a TEXT value: backslash, semicolon, comma and newline.
func icsText(s string) string {
	return strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`).Replace(s)
}

// foldLine ends a content line with CRLF, folded so that no physical line
// is longer than 75 octets, never inside a UTF-8 character.
func foldLine(l string) string {
	var b strings.Builder
	width := 0
	for _, r := range l {
		n := len(string(r))
		if width+n > 75 {
			b.WriteString("\r\n ")
			width = 1
		}
		b.WriteRune(r)
		width += n
	}
	b.WriteString("\r\n")
	return b.String()
}
