package event

import (
	"context"
	"strings"

	"tsunagari"
	"tsunagari/internal/i18n"
)

// notifier returns the Notify that writes the mail about changes to
// requests for e: in the person's language, or in Japanese and English
// when they have chosen none.
func (s *Service) notifier(e *tsunagari.Event) tsunagari.Notify {
	return func(r *tsunagari.RSVP, change tsunagari.RSVPChange) *tsunagari.Mail {
		link := s.BaseURL + "/events/" + e.ID + "?at=" + tsunagari.OccurrenceKey(r.StartsAt)
		reason := e.CancelReason
		key := MailKey(change)
		var subjects, bodies []string
		for _, p := range s.printers(r.Locale) {
			when := p.DateTime(r.StartsAt, tsunagari.Tokyo)
			subjects = append(subjects, p.T(key+".subject", e.Title))
			bodies = append(bodies, p.T(key+".body", r.Name, e.Title, when, link, r.Position, reason))
		}
		return &tsunagari.Mail{To: r.Email, Kind: "event_" + string(change),
			Subject: strings.Join(subjects, " / "), Body: strings.Join(bodies, "\n\n----\n\n")}
	}
}

// MailKey is the prefix of the message keys of the mail about change:
// "<key>.subject" and "<key>.body".
func MailKey(change tsunagari.RSVPChange) string { return "mail.event." + string(change) }

// printers returns the printers a message to someone with locale is
// written with.
func (s *Service) printers(locale string) []i18n.Printer {
	switch locale {
	case "ja", "en":
		return []i18n.Printer{s.Catalog.Printer(locale)}
	}
	return []i18n.Printer{s.Catalog.Printer("ja"), s.Catalog.Printer("en")}
}

// Notifier returns the Notify for changes to requests of any event, for
// store writes that free seats outside this service: the erasure of an
// account (see tsunagari.WithNotify). It reads each request's event as it
// writes; a request whose event cannot be read gets no mail.
func (s *Service) Notifier() tsunagari.Notify {
	return func(r *tsunagari.RSVP, change tsunagari.RSVPChange) *tsunagari.Mail {
		e, err := s.Store.FindEventByID(context.Background(), r.EventID)
		if err != nil {
			return nil
		}
		return s.notifier(e)(r, change)
	}
}
