package web_test

import (
	"context"
	"fmt"
	"maps"
	"net/url"
	"sync"
	"time"

	"tsunagari"
)

// The consultation routes in the authorization matrix. A booking is
// known to two people only: its member ("own") and its consultant
// ("consulted"); a colleague's booking ("other") and another tenant's
// ("tenant") must look, to everyone else, like bookings that do not exist.

const (
	kindConsultant     objectKind = "consultant"      // a consultant's profile
	kindBooking        objectKind = "booking"         // a confirmed booking a day or more ahead
	kindPendingBooking objectKind = "pending_booking" // a booking waiting for the consultant
	kindSession        objectKind = "session"         // a confirmed booking whose session has begun

	relConsulted = "consulted" // a booking whose consultant is the actor
)

// consultationRelations lists the relations of the consultation kinds.
func consultationRelations(k objectKind) ([]string, bool) {
	switch k {
	case kindConsultant:
		// The actor's own profile, or another consultant's: profiles
		// belong to no tenant.
		return []string{relOwn, relOther}, true
	case kindBooking, kindPendingBooking, kindSession:
		return []string{relOwn, relConsulted, relOther, relTenant}, true
	}
	return nil, false
}

// lastConsultant remembers, per world, the consultant of the object made
// last, for request bodies that name one of their free slots.
var lastConsultant sync.Map // *world → string

func (w *world) consultantOfLast() string {
	id, _ := lastConsultant.Load(w)
	s, _ := id.(string)
	return s
}

// freshConsultant makes a new verified consultant with no org.
func (w *world) freshConsultant() *tsunagari.Account {
	a := w.e.account("consultant-obj"+w.seq()+"@free.example", "", tsunagari.RoleConsultant)
	w.e.consultantProfile(a, true)
	return a
}

// profileOf gives a, once, a verified profile of its own.
func (w *world) profileOf(a *tsunagari.Account) {
	if _, err := w.e.stores.Consultation.FindConsultant(context.Background(), a.ID); err == nil {
		return
	}
	w.e.consultantProfile(a, true)
}

// consultationObject makes an object of a consultation kind for one cell.
func (w *world) consultationObject(kind objectKind, rel string, a *actor) (string, bool) {
	if _, ok := consultationRelations(kind); !ok {
		return "", false
	}
	member := w.actors[0].acc // replaced below; the anonymous actor has none
	for _, x := range w.actors {
		if x.role == "member" {
			member = x.acc
		}
	}
	self := a.acc
	if self == nil {
		self = member // anonymous requests use a member's objects
	}
	if kind == kindConsultant {
		c := self
		if rel == relOther {
			c = w.freshConsultant()
		} else {
			w.profileOf(c)
		}
		lastConsultant.Store(w, c.ID)
		return c.ID, true
	}
	var memberID, consultantID string
	switch rel {
	case relOwn:
		memberID, consultantID = self.ID, w.freshConsultant().ID
	case relConsulted:
		w.profileOf(self)
		memberID, consultantID = w.freshMember().ID, self.ID
	case relOther:
		memberID, consultantID = a.colleague.ID, w.freshConsultant().ID
	case relTenant:
		memberID, consultantID = a.stranger.ID, w.freshConsultant().ID
	}
	lastConsultant.Store(w, consultantID)
	if kind == kindSession {
		return w.e.pastSession(memberID, consultantID).ID, true
	}
	b := w.futureBooking(memberID, consultantID, kind == kindPendingBooking)
	return b.ID, true
}

func (w *world) freshMember() *tsunagari.Account {
	return w.e.account("member-obj"+w.seq()+"@free.example", "")
}

// futureBooking stores a booking in a free slot of the consultant, two
// days ahead or later.
func (w *world) futureBooking(memberID, consultantID string, pending bool) *tsunagari.Booking {
	ctx := context.Background()
	start := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Hour)
	for {
		now := time.Now()
		b := &tsunagari.Booking{ConsultantID: consultantID, MemberID: memberID, Start: start, End: start.Add(time.Hour),
			BlockedUntil: start.Add(time.Hour), Status: tsunagari.BookingConfirmed, Themes: []string{"job_change"},
			CreatedAt: now, ConfirmedAt: &now}
		if pending {
			b.Status, b.ConfirmedAt = tsunagari.BookingPending, nil
		}
		_, err := w.e.stores.Consultation.CreateBooking(ctx, b, tsunagari.WeekCap{}, nil)
		switch {
		case err == nil:
			return b
		case tsunagari.IsBookingConflict(err):
			start = start.Add(time.Hour)
		default:
			w.e.t.Fatal(err)
		}
	}
}

// slotOfLast returns a free slot of the consultant of the last object,
// or, when no object was made (a request for a missing one), a time
// two days ahead.
func (w *world) slotOfLast() string {
	if w.consultantOfLast() == "" {
		return time.Now().Add(48 * time.Hour).UTC().Truncate(time.Hour).Format(time.RFC3339)
	}
	return w.e.freeSlot(w.consultantOfLast(), 2).Format(time.RFC3339)
}

var consultationRequests = map[string]request{
	"GET /consultants":      {method: "GET", path: "/consultants"},
	"GET /consultants/{id}": {method: "GET", path: "/consultants/{}", kind: kindConsultant},
	"POST /consultants/{id}/book": {method: "POST", path: "/consultants/{}/book", kind: kindConsultant, body: func(w *world, _ *actor) (string, string) {
		return form(url.Values{"start": {w.slotOfLast()}, "themes": {"job_change"}, "key": {"matrix-key-" + w.seq()}})
	}},
	"GET /bookings":               {method: "GET", path: "/bookings"},
	"GET /bookings/{id}":          {method: "GET", path: "/bookings/{}", kind: kindBooking},
	"GET /bookings/{id}/ics":      {method: "GET", path: "/bookings/{}/ics", kind: kindBooking},
	"POST /bookings/{id}/cancel":  {method: "POST", path: "/bookings/{}/cancel", kind: kindBooking},
	"POST /bookings/{id}/confirm": {method: "POST", path: "/bookings/{}/confirm", kind: kindPendingBooking},
	"POST /bookings/{id}/reschedule": {method: "POST", path: "/bookings/{}/reschedule", kind: kindBooking, body: func(w *world, _ *actor) (string, string) {
		return form(url.Values{"start": {w.slotOfLast()}})
	}},
	"POST /bookings/{id}/meeting-url": {method: "POST", path: "/bookings/{}/meeting-url", kind: kindBooking, body: func(*world, *actor) (string, string) {
		return form(url.Values{"meetingUrl": {"https://meet.example.jp/room"}})
	}},
	"POST /bookings/{id}/note": {method: "POST", path: "/bookings/{}/note", kind: kindSession, body: func(*world, *actor) (string, string) {
		return form(url.Values{"note": {"面談メモ"}, "confirmedThemes": {"job_change"}})
	}},
	"POST /bookings/{id}/reflection": {method: "POST", path: "/bookings/{}/reflection", kind: kindSession, body: func(*world, *actor) (string, string) {
		return form(url.Values{"realised": {"気づき"}, "share_realised": {"on"}, "rating": {"4"}})
	}},
	"GET /consultant/schedule": {method: "GET", path: "/consultant/schedule"},
	"GET /consultant/profile":  {method: "GET", path: "/consultant/profile"},
	"POST /consultant/profile": {method: "POST", path: "/consultant/profile", body: func(w *world, _ *actor) (string, string) {
		w.seq()
		return form(url.Values{"displayName": {"相談 員子"}, "registrationNumber": {fmt.Sprintf("%08d", 31000000+w.n)},
			"languages": {"ja"}, "online": {"on"}, "themes": {"job_change"}})
	}},
	"GET /consultant/availability": {method: "GET", path: "/consultant/availability"},
	"POST /consultant/availability": {method: "POST", path: "/consultant/availability", body: func(*world, *actor) (string, string) {
		return form(url.Values{"weekly_1": {"10:00-12:00"}, "sessionMinutes": {"60"}, "weeklyMax": {"5"}})
	}},
	"GET /operator/consultants": {method: "GET", path: "/operator/consultants"},
	"POST /operator/consultants/{id}/verify": {method: "POST", path: "/operator/consultants/{}/verify", kind: kindConsultant, body: func(*world, *actor) (string, string) {
		return form(url.Values{"action": {"verify"}})
	}},

	"GET /api/v1/consultants":            {method: "GET", path: "/api/v1/consultants"},
	"GET /api/v1/consultants/{id}":       {method: "GET", path: "/api/v1/consultants/{}", kind: kindConsultant},
	"GET /api/v1/consultants/{id}/slots": {method: "GET", path: "/api/v1/consultants/{}/slots", kind: kindConsultant},
	"GET /api/v1/bookings":               {method: "GET", path: "/api/v1/bookings"},
	"POST /api/v1/bookings": {method: "POST", path: "/api/v1/bookings", body: func(w *world, _ *actor) (string, string) {
		c := w.freshConsultant()
		return jsonBody(bookJSON(c.ID, w.e.freeSlot(c.ID, 0), ""))
	}},
	"GET /api/v1/bookings/{id}":          {method: "GET", path: "/api/v1/bookings/{}", kind: kindBooking},
	"POST /api/v1/bookings/{id}/cancel":  {method: "POST", path: "/api/v1/bookings/{}/cancel", kind: kindBooking},
	"POST /api/v1/bookings/{id}/confirm": {method: "POST", path: "/api/v1/bookings/{}/confirm", kind: kindPendingBooking},
	"POST /api/v1/bookings/{id}/reschedule": {method: "POST", path: "/api/v1/bookings/{}/reschedule", kind: kindBooking, body: func(w *world, _ *actor) (string, string) {
		return jsonBody(`{"start":"` + w.slotOfLast() + `"}`)
	}},
	"GET /api/v1/bookings/{id}/note": {method: "GET", path: "/api/v1/bookings/{}/note", kind: kindSession},
	"PUT /api/v1/bookings/{id}/note": {method: "PUT", path: "/api/v1/bookings/{}/note", kind: kindSession, body: func(*world, *actor) (string, string) {
		return jsonBody(`{"text":"面談メモ","confirmedThemes":["job_change"]}`)
	}},
	"GET /api/v1/bookings/{id}/reflection": {method: "GET", path: "/api/v1/bookings/{}/reflection", kind: kindSession},
	"PUT /api/v1/bookings/{id}/reflection": {method: "PUT", path: "/api/v1/bookings/{}/reflection", kind: kindSession, body: func(*world, *actor) (string, string) {
		return jsonBody(`{"items":[{"id":"realised","text":"気づき","share":true}],"rating":4,"shareRating":false}`)
	}},
}

func init() { maps.Copy(requests, consultationRequests) }
