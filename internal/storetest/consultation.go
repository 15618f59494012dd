package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"tsunagari"
)

// consultant returns a valid profile for the account.
func consultant(accountID, number string) *tsunagari.Consultant {
	return &tsunagari.Consultant{
		AccountID: accountID, DisplayName: "田中 恵子", RegistrationNumber: number, YearsOfPractice: 12,
		Industries: []string{"it_telecom", "finance"}, JobFamilies: []string{"hr", "legal"}, AgeBand: "40s", Gender: "female",
		Themes: []string{"job_change", "care_balance"}, Values: []tsunagari.Score{{Dimension: "autonomy", Value: 80, Items: 3}},
		Message: "傾聴を大切にしています。", Languages: []string{"ja", "en"}, Online: true, InPerson: true, Area: "13",
		FeeYen: 5500, AutoAccept: true, MeetingURL: "https://meet.example.jp/tanaka", CreatedAt: t0, UpdatedAt: t0,
	}
}

func mustSaveConsultant(t *testing.T, s tsunagari.Stores, c *tsunagari.Consultant) *tsunagari.Consultant {
	t.Helper()
	if err := c.Validate(); err != nil {
		t.Fatalf("Validate(%s) = %v", c.RegistrationNumber, err)
	}
	if err := s.Consultation.SaveConsultant(context.Background(), c); err != nil {
		t.Fatalf("SaveConsultant(%s) error = %v", c.RegistrationNumber, err)
	}
	return c
}

// newConsultant creates an account with a verified consultant profile,
// available 9:00–18:00 Tokyo time every day, 60-minute sessions.
func newConsultant(t *testing.T, s tsunagari.Stores, email, number string) *tsunagari.Consultant {
	t.Helper()
	a := mustCreateAccount(t, s, account(email, tsunagari.RoleMember, tsunagari.RoleConsultant))
	c := mustSaveConsultant(t, s, consultant(a.ID, number))
	if err := s.Consultation.VerifyConsultant(context.Background(), a.ID, "", t0); err != nil {
		t.Fatal(err)
	}
	av := tsunagari.DefaultAvailability(a.ID)
	for d := time.Sunday; d <= time.Saturday; d++ {
		av.Weekly = append(av.Weekly, tsunagari.WeeklyWindow{Weekday: d, Window: tsunagari.Window{Start: 9 * 60, End: 18 * 60}})
	}
	av.WeeklyMax = 40
	if err := s.Consultation.SaveAvailability(context.Background(), av); err != nil {
		t.Fatal(err)
	}
	return c
}

// booking returns an active booking of memberID with c at start, of one
// hour, confirmed.
func booking(c *tsunagari.Consultant, memberID string, start time.Time) *tsunagari.Booking {
	return &tsunagari.Booking{ConsultantID: c.AccountID, MemberID: memberID, Start: start, End: start.Add(time.Hour),
		BlockedUntil: start.Add(time.Hour), Status: tsunagari.BookingConfirmed, Themes: []string{"job_change"},
		CreatedAt: t0, ConfirmedAt: &t0}
}

// noCap is a weekly cap that never binds.
var noCap = tsunagari.WeekCap{}

func testConsultants(t *testing.T, open func(t *testing.T) Backend) {
	ctx := context.Background()

	t.Run("SaveFindVerify", func(t *testing.T) {
		b := open(t)
		s := b.Stores()
		a := mustCreateAccount(t, s, account("consultant@example.jp", tsunagari.RoleMember, tsunagari.RoleConsultant))
		_, err := s.Consultation.FindConsultant(ctx, a.ID)
		wantErr(t, "FindConsultant before SaveConsultant", err, tsunagari.ErrNotFound)

		c := mustSaveConsultant(t, s, consultant(a.ID, "16012345"))
		got, err := s.Consultation.FindConsultant(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Verified() || got.DisplayName != c.DisplayName || got.RegistrationNumber != "16012345" ||
			!slices.Equal(got.Themes, c.Themes) || !slices.Equal(got.Languages, []string{"ja", "en"}) ||
			!slices.Equal(got.Industries, c.Industries) || !slices.Equal(got.JobFamilies, c.JobFamilies) ||
			len(got.Values) != 1 || got.Values[0] != c.Values[0] || !got.Online || !got.InPerson || got.Area != "13" ||
			got.FeeYen != 5500 || !got.AutoAccept || got.MeetingURL != c.MeetingURL || got.Gender != "female" ||
			got.AgeBand != "40s" || got.YearsOfPractice != 12 || got.Message != c.Message || !sameTime(got.CreatedAt, t0) {
			t.Errorf("FindConsultant = %+v, want %+v, unverified", got, c)
		}

		op := mustCreateAccount(t, s, account("operator@example.jp", tsunagari.RoleOperator))
		at := t0.Add(time.Hour)
		if err := s.Consultation.VerifyConsultant(ctx, a.ID, op.ID, at); err != nil {
			t.Fatal(err)
		}
		got, _ = s.Consultation.FindConsultant(ctx, a.ID)
		if !got.Verified() || !sameTime(*got.VerifiedAt, at) || got.VerifiedBy != op.ID {
			t.Errorf("after VerifyConsultant = %v by %q, want %v by %s", got.VerifiedAt, got.VerifiedBy, at, op.ID)
		}

		// Saving the profile keeps the verification, whatever it says.
		c.Message, c.VerifiedAt, c.UpdatedAt = "更新しました。", nil, t0.Add(2*time.Hour)
		mustSaveConsultant(t, s, c)
		got, _ = s.Consultation.FindConsultant(ctx, a.ID)
		if !got.Verified() || got.Message != "更新しました。" || !sameTime(got.CreatedAt, t0) || !sameTime(got.UpdatedAt, t0.Add(2*time.Hour)) {
			t.Errorf("after an edit = %+v, want verified, new message, created at t0", got)
		}
		// A new registration number must be checked again.
		c.RegistrationNumber = "16099999"
		mustSaveConsultant(t, s, c)
		if got, _ = s.Consultation.FindConsultant(ctx, a.ID); got.Verified() || got.VerifiedBy != "" {
			t.Errorf("after a new registration number = %v by %q, want unverified", got.VerifiedAt, got.VerifiedBy)
		}
		if err := s.Consultation.VerifyConsultant(ctx, a.ID, op.ID, at); err != nil {
			t.Fatal(err)
		}
		if err := s.Consultation.VerifyConsultant(ctx, a.ID, op.ID, time.Time{}); err != nil {
			t.Fatal(err)
		}
		if got, _ = s.Consultation.FindConsultant(ctx, a.ID); got.Verified() {
			t.Errorf("after withdrawing = %v, want unverified", got.VerifiedAt)
		}
		wantErr(t, "VerifyConsultant(no profile)", s.Consultation.VerifyConsultant(ctx, op.ID, op.ID, at), tsunagari.ErrNotFound)
	})

	t.Run("Conflicts", func(t *testing.T) {
		b := open(t)
		s := b.Stores()
		a := mustCreateAccount(t, s, account("a@example.jp", tsunagari.RoleConsultant))
		other := mustCreateAccount(t, s, account("b@example.jp", tsunagari.RoleConsultant))
		mustSaveConsultant(t, s, consultant(a.ID, "11111111"))
		fp := fingerprint(t, b)
		err := s.Consultation.SaveConsultant(ctx, consultant(other.ID, "11111111"))
		wantErr(t, "SaveConsultant(same registration number)", err, tsunagari.ErrConflict)
		err = s.Consultation.SaveConsultant(ctx, consultant(tsunagari.NewID(), "22222222"))
		wantErr(t, "SaveConsultant(no account)", err, tsunagari.ErrNotFound)
		unchanged(t, b, fp, "refused SaveConsultant")
	})

	t.Run("FindConsultants", func(t *testing.T) {
		s := open(t).Stores()
		var ids []string
		for i, name := range []string{"渡辺 誠", "伊藤 陽子", "Adams Kate"} {
			a := mustCreateAccount(t, s, account(fmt.Sprintf("c%d@example.jp", i), tsunagari.RoleConsultant))
			c := consultant(a.ID, fmt.Sprintf("3000000%d", i))
			c.DisplayName = name
			if i == 1 {
				c.Themes = []string{"side_job"}
			}
			mustSaveConsultant(t, s, c)
			ids = append(ids, a.ID)
		}
		if err := s.Consultation.VerifyConsultant(ctx, ids[0], "", t0); err != nil {
			t.Fatal(err)
		}
		if err := s.Consultation.VerifyConsultant(ctx, ids[1], "", t0); err != nil {
			t.Fatal(err)
		}
		names := func(cs []*tsunagari.Consultant) []string {
			var out []string
			for _, c := range cs {
				out = append(out, c.DisplayName)
			}
			return out
		}
		for _, tc := range []struct {
			f     tsunagari.ConsultantFilter
			want  []string
			total int
		}{
			{tsunagari.ConsultantFilter{}, []string{"Adams Kate", "伊藤 陽子", "渡辺 誠"}, 3},
			{tsunagari.ConsultantFilter{Verified: true}, []string{"伊藤 陽子", "渡辺 誠"}, 2},
			{tsunagari.ConsultantFilter{Unverified: true}, []string{"Adams Kate"}, 1},
			{tsunagari.ConsultantFilter{Theme: "side_job"}, []string{"伊藤 陽子"}, 1},
			{tsunagari.ConsultantFilter{Theme: "job_change", Verified: true}, []string{"渡辺 誠"}, 1},
			{tsunagari.ConsultantFilter{Limit: 1, Offset: 1}, []string{"伊藤 陽子"}, 3},
		} {
			got, total, err := s.Consultation.FindConsultants(ctx, tc.f)
			if err != nil || !slices.Equal(names(got), tc.want) || total != tc.total {
				t.Errorf("FindConsultants(%+v) = %v, %d, %v; want %v, %d", tc.f, names(got), total, err, tc.want, tc.total)
			}
		}
	})

	t.Run("Availability", func(t *testing.T) {
		b := open(t)
		s := b.Stores()
		a := mustCreateAccount(t, s, account("av@example.jp", tsunagari.RoleConsultant))
		_, err := s.Consultation.FindAvailability(ctx, a.ID)
		wantErr(t, "FindAvailability without a profile", err, tsunagari.ErrNotFound)
		fp := fingerprint(t, b)
		wantErr(t, "SaveAvailability without a profile",
			s.Consultation.SaveAvailability(ctx, tsunagari.DefaultAvailability(a.ID)), tsunagari.ErrNotFound)
		unchanged(t, b, fp, "refused SaveAvailability")
		mustSaveConsultant(t, s, consultant(a.ID, "44444444"))

		got, err := s.Consultation.FindAvailability(ctx, a.ID)
		if err != nil || got.SessionMinutes != 60 || got.WeeklyMax != tsunagari.DefaultWeeklyMax || len(got.Weekly) != 0 {
			t.Errorf("FindAvailability before any save = %+v, %v; want the default", got, err)
		}
		av := &tsunagari.Availability{ConsultantID: a.ID, TimeZone: "Asia/Tokyo", SessionMinutes: 50, BufferMinutes: 10,
			WeeklyMax: 8, ClosedOnHolidays: true, UpdatedAt: t0,
			Weekly: []tsunagari.WeeklyWindow{
				{Weekday: time.Monday, Window: tsunagari.Window{Start: 10 * 60, End: 12 * 60}},
				{Weekday: time.Monday, Window: tsunagari.Window{Start: 13 * 60, End: 17 * 60}},
				{Weekday: time.Saturday, Window: tsunagari.Window{Start: 9 * 60, End: 11 * 60}},
			},
			Exceptions: []tsunagari.Exception{
				{Date: "2026-11-09"},
				{Date: "2026-11-14", Windows: []tsunagari.Window{{Start: 14 * 60, End: 15 * 60}, {Start: 16 * 60, End: 18 * 60}}},
			},
		}
		if err := av.Validate(); err != nil {
			t.Fatal(err)
		}
		if err := s.Consultation.SaveAvailability(ctx, av); err != nil {
			t.Fatal(err)
		}
		got, err = s.Consultation.FindAvailability(ctx, a.ID)
		if err != nil || fmt.Sprint(got) != fmt.Sprint(av) || !sameTime(got.UpdatedAt, t0) {
			t.Errorf("FindAvailability = %+v, %v\nwant %+v", got, err, av)
		}
		// Saving replaces everything.
		av.Weekly, av.Exceptions = av.Weekly[:1], nil
		if err := s.Consultation.SaveAvailability(ctx, av); err != nil {
			t.Fatal(err)
		}
		if got, _ = s.Consultation.FindAvailability(ctx, a.ID); len(got.Weekly) != 1 || len(got.Exceptions) != 0 {
			t.Errorf("after a second save = %+v, want one window and no exceptions", got)
		}
	})
}

func testBookings(t *testing.T, open func(t *testing.T) Backend) {
	ctx := context.Background()
	at := func(h, m int) time.Time { return time.Date(2026, 11, 10, h, m, 0, 0, time.UTC) }

	t.Run("CreateFind", func(t *testing.T) {
		b := open(t)
		s := b.Stores()
		c := newConsultant(t, s, "c@example.jp", "50000001")
		m := mustCreateAccount(t, s, account("m@example.jp"))
		bk := booking(c, m.ID, at(1, 0))
		bk.IdempotencyKey, bk.MeetingURL = "key-00000001", "https://meet.example.jp/x"
		mail := &tsunagari.Mail{To: m.Email, Subject: "予約", Body: "確定", Kind: "booking_confirmed"}
		got, err := s.Consultation.CreateBooking(ctx, bk, noCap, []*tsunagari.Mail{mail})
		if err != nil || got != bk || !tsunagari.ValidID(bk.ID) {
			t.Fatalf("CreateBooking = %v, %v; want the booking with an ID", got, err)
		}
		found, err := s.Consultation.FindBooking(ctx, bk.ID)
		if err != nil || found.ConsultantID != c.AccountID || found.MemberID != m.ID || !sameTime(found.Start, at(1, 0)) ||
			!sameTime(found.End, at(2, 0)) || !sameTime(found.BlockedUntil, at(2, 0)) || found.Status != tsunagari.BookingConfirmed ||
			!slices.Equal(found.Themes, []string{"job_change"}) || len(found.ConfirmedThemes) != 0 ||
			found.IdempotencyKey != "key-00000001" || found.MeetingURL != bk.MeetingURL || !sameTime(*found.ConfirmedAt, t0) ||
			found.CancelledAt != nil || found.RemindedAt != nil {
			t.Errorf("FindBooking = %+v, %v; want %+v", found, err, bk)
		}
		ms, _ := s.Outbox.FindMail(ctx, tsunagari.MailFilter{To: m.Email})
		if len(ms) != 1 || ms[0].Kind != "booking_confirmed" {
			t.Errorf("outbox = %v, want the confirmation", ms)
		}
		_, err = s.Consultation.FindBooking(ctx, tsunagari.NewID())
		wantErr(t, "FindBooking(unknown)", err, tsunagari.ErrNotFound)

		// The same key again returns the same booking and stores nothing.
		fp := fingerprint(t, b)
		again := booking(c, m.ID, at(1, 0))
		again.IdempotencyKey = "key-00000001"
		got, err = s.Consultation.CreateBooking(ctx, again, noCap, []*tsunagari.Mail{{To: m.Email, Subject: "s", Body: "b", Kind: "k"}})
		if err != nil || got.ID != bk.ID {
			t.Errorf("CreateBooking(same key) = %v, %v; want booking %s", got, err, bk.ID)
		}
		unchanged(t, b, fp, "a replayed CreateBooking")
		// The same key for another slot is a mistake.
		other := booking(c, m.ID, at(5, 0))
		other.IdempotencyKey = "key-00000001"
		_, err = s.Consultation.CreateBooking(ctx, other, noCap, nil)
		wantErr(t, "CreateBooking(same key, other slot)", err, tsunagari.ErrKeyReused)
		wantErr(t, "CreateBooking(same key, other slot)", err, tsunagari.ErrConflict)
		// Another member's key is theirs.
		m2 := mustCreateAccount(t, s, account("m2@example.jp"))
		theirs := booking(c, m2.ID, at(5, 0))
		theirs.IdempotencyKey = "key-00000001"
		if _, err := s.Consultation.CreateBooking(ctx, theirs, noCap, nil); err != nil {
			t.Errorf("CreateBooking(another member, same key) error = %v", err)
		}
		unknown := booking(&tsunagari.Consultant{AccountID: tsunagari.NewID()}, m.ID, at(7, 0))
		_, err = s.Consultation.CreateBooking(ctx, unknown, noCap, nil)
		wantErr(t, "CreateBooking(unknown consultant)", err, tsunagari.ErrNotFound)
	})

	t.Run("Overlaps", func(t *testing.T) {
		b := open(t)
		s := b.Stores()
		c := newConsultant(t, s, "c@example.jp", "50000002")
		c2 := newConsultant(t, s, "c2@example.jp", "50000003")
		m := mustCreateAccount(t, s, account("m@example.jp"))
		if _, err := s.Consultation.CreateBooking(ctx, booking(c, m.ID, at(1, 0)), noCap, nil); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name  string
			b     *tsunagari.Booking
			want  error
			after func(*tsunagari.Booking)
		}{
			{"same slot", booking(c, m.ID, at(1, 0)), tsunagari.ErrOverlap, nil},
			{"starts inside", booking(c, m.ID, at(1, 30)), tsunagari.ErrOverlap, nil},
			{"ends inside", booking(c, m.ID, at(0, 30)), tsunagari.ErrOverlap, nil},
			{"adjacent after", booking(c, m.ID, at(2, 0)), nil, nil},
			{"adjacent before", booking(c, m.ID, at(0, 0)), nil, nil},
			{"another consultant", booking(c2, m.ID, at(1, 0)), nil, nil},
		} {
			fp := fingerprint(t, b)
			_, err := s.Consultation.CreateBooking(ctx, tc.b, noCap, []*tsunagari.Mail{{To: "x@example.jp", Subject: "s", Body: "b", Kind: "k"}})
			wantErr(t, "CreateBooking("+tc.name+")", err, tc.want)
			if tc.want != nil {
				wantErr(t, "CreateBooking("+tc.name+")", err, tsunagari.ErrConflict)
				unchanged(t, b, fp, "a refused CreateBooking ("+tc.name+")")
			}
		}
		// The buffer holds the time after a session.
		buffered := booking(c, m.ID, at(3, 0))
		buffered.BlockedUntil = at(4, 15)
		if _, err := s.Consultation.CreateBooking(ctx, buffered, noCap, nil); err != nil {
			t.Fatal(err)
		}
		_, err := s.Consultation.CreateBooking(ctx, booking(c, m.ID, at(4, 0)), noCap, nil)
		wantErr(t, "CreateBooking(inside the buffer)", err, tsunagari.ErrOverlap)
		if _, err := s.Consultation.CreateBooking(ctx, booking(c, m.ID, at(4, 15)), noCap, nil); err != nil {
			t.Errorf("CreateBooking(right after the buffer) error = %v", err)
		}
		// A cancelled booking frees its time; a pending one holds it.
		first, _ := s.Consultation.FindBookings(ctx, tsunagari.BookingFilter{ConsultantID: c.AccountID, From: at(1, 0), To: at(1, 1)})
		if len(first) != 1 {
			t.Fatalf("FindBookings(1:00) = %v", first)
		}
		if err := s.Consultation.CancelBooking(ctx, first[0].ID, tsunagari.Cancellation{By: m.ID, At: t0}, nil); err != nil {
			t.Fatal(err)
		}
		pending := booking(c, m.ID, at(1, 0))
		pending.Status, pending.ConfirmedAt = tsunagari.BookingPending, nil
		if _, err := s.Consultation.CreateBooking(ctx, pending, noCap, nil); err != nil {
			t.Errorf("CreateBooking(a cancelled booking's time) error = %v", err)
		}
		_, err = s.Consultation.CreateBooking(ctx, booking(c, m.ID, at(1, 0)), noCap, nil)
		wantErr(t, "CreateBooking(a pending booking's time)", err, tsunagari.ErrOverlap)
	})

	t.Run("WeeklyMax", func(t *testing.T) {
		b := open(t)
		s := b.Stores()
		c := newConsultant(t, s, "c@example.jp", "50000004")
		m := mustCreateAccount(t, s, account("m@example.jp"))
		weekStart, weekEnd := tsunagari.WeekOf(at(1, 0), tsunagari.Tokyo)
		cap := tsunagari.WeekCap{Start: weekStart, End: weekEnd, Max: 2}
		for h := range 2 {
			if _, err := s.Consultation.CreateBooking(ctx, booking(c, m.ID, at(h, 0)), cap, nil); err != nil {
				t.Fatal(err)
			}
		}
		fp := fingerprint(t, b)
		_, err := s.Consultation.CreateBooking(ctx, booking(c, m.ID, at(5, 0)), cap, nil)
		wantErr(t, "CreateBooking(over the weekly maximum)", err, tsunagari.ErrWeekFull)
		unchanged(t, b, fp, "a refused CreateBooking over the weekly maximum")
		// The next week is free.
		next := tsunagari.WeekCap{Start: weekEnd, End: weekEnd.AddDate(0, 0, 7), Max: 2}
		if _, err := s.Consultation.CreateBooking(ctx, booking(c, m.ID, weekEnd.Add(time.Hour)), next, nil); err != nil {
			t.Errorf("CreateBooking(next week) error = %v", err)
		}
	})

	t.Run("ConfirmCancelReschedule", func(t *testing.T) {
		b := open(t)
		s := b.Stores()
		c := newConsultant(t, s, "c@example.jp", "50000005")
		m := mustCreateAccount(t, s, account("m@example.jp"))
		p := booking(c, m.ID, at(1, 0))
		p.Status, p.ConfirmedAt = tsunagari.BookingPending, nil
		if _, err := s.Consultation.CreateBooking(ctx, p, noCap, nil); err != nil {
			t.Fatal(err)
		}
		ok := t0.Add(time.Minute)
		if err := s.Consultation.ConfirmBooking(ctx, p.ID, ok, []*tsunagari.Mail{{To: m.Email, Subject: "s", Body: "b", Kind: "booking_confirmed"}}); err != nil {
			t.Fatal(err)
		}
		got, _ := s.Consultation.FindBooking(ctx, p.ID)
		if got.Status != tsunagari.BookingConfirmed || !sameTime(*got.ConfirmedAt, ok) {
			t.Errorf("after ConfirmBooking = %s at %v", got.Status, got.ConfirmedAt)
		}
		wantErr(t, "ConfirmBooking twice", s.Consultation.ConfirmBooking(ctx, p.ID, ok, nil), tsunagari.ErrNotFound)

		// Reschedule to an overlapping later time: the old time is free.
		nb := booking(c, m.ID, at(1, 30))
		moved, err := s.Consultation.RescheduleBooking(ctx, p.ID, tsunagari.Cancellation{By: m.ID, At: ok}, nb, noCap, nil)
		if err != nil || moved.RescheduledFrom != p.ID {
			t.Fatalf("RescheduleBooking = %v, %v", moved, err)
		}
		old, _ := s.Consultation.FindBooking(ctx, p.ID)
		if old.Status != tsunagari.BookingRescheduled || old.RescheduledTo != nb.ID || old.CancelledBy != m.ID {
			t.Errorf("old booking after RescheduleBooking = %+v", old)
		}
		fp := fingerprint(t, b)
		_, err = s.Consultation.RescheduleBooking(ctx, p.ID, tsunagari.Cancellation{By: m.ID, At: ok}, booking(c, m.ID, at(6, 0)), noCap, nil)
		wantErr(t, "RescheduleBooking(an ended booking)", err, tsunagari.ErrNotFound)
		unchanged(t, b, fp, "a refused RescheduleBooking of an ended booking")
		// A reschedule onto a taken time changes nothing.
		other := booking(c, m.ID, at(4, 0))
		if _, err := s.Consultation.CreateBooking(ctx, other, noCap, nil); err != nil {
			t.Fatal(err)
		}
		fp = fingerprint(t, b)
		_, err = s.Consultation.RescheduleBooking(ctx, nb.ID, tsunagari.Cancellation{By: m.ID, At: ok}, booking(c, m.ID, at(4, 30)), noCap, nil)
		wantErr(t, "RescheduleBooking(onto a taken time)", err, tsunagari.ErrOverlap)
		unchanged(t, b, fp, "a refused RescheduleBooking")

		late := tsunagari.Cancellation{By: c.AccountID, At: ok, Late: true}
		if err := s.Consultation.CancelBooking(ctx, nb.ID, late, nil); err != nil {
			t.Fatal(err)
		}
		got, _ = s.Consultation.FindBooking(ctx, nb.ID)
		if got.Status != tsunagari.BookingCancelled || !got.LateCancel || got.CancelledBy != c.AccountID || !sameTime(*got.CancelledAt, ok) {
			t.Errorf("after CancelBooking = %+v", got)
		}
		wantErr(t, "CancelBooking twice", s.Consultation.CancelBooking(ctx, nb.ID, late, nil), tsunagari.ErrNotFound)

		if err := s.Consultation.SetMeetingURL(ctx, other.ID, "https://meet.example.jp/new"); err != nil {
			t.Fatal(err)
		}
		if got, _ = s.Consultation.FindBooking(ctx, other.ID); got.MeetingURL != "https://meet.example.jp/new" {
			t.Errorf("MeetingURL = %q", got.MeetingURL)
		}
		wantErr(t, "SetMeetingURL(cancelled)", s.Consultation.SetMeetingURL(ctx, nb.ID, "https://x.example"), tsunagari.ErrNotFound)
	})

	t.Run("FindBookingsAndReminders", func(t *testing.T) {
		s := open(t).Stores()
		c := newConsultant(t, s, "c@example.jp", "50000006")
		m := mustCreateAccount(t, s, account("m@example.jp"))
		m2 := mustCreateAccount(t, s, account("m2@example.jp"))
		var ids []string
		for i, who := range []string{m.ID, m2.ID, m.ID} {
			bk := booking(c, who, at(2*i, 0))
			if _, err := s.Consultation.CreateBooking(ctx, bk, noCap, nil); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, bk.ID)
		}
		if err := s.Consultation.CancelBooking(ctx, ids[2], tsunagari.Cancellation{By: m.ID, At: t0}, nil); err != nil {
			t.Fatal(err)
		}
		idsOf := func(bs []*tsunagari.Booking) []string {
			var out []string
			for _, b := range bs {
				out = append(out, b.ID)
			}
			return out
		}
		for _, tc := range []struct {
			name string
			f    tsunagari.BookingFilter
			want []string
		}{
			{"member", tsunagari.BookingFilter{MemberID: m.ID}, []string{ids[0], ids[2]}},
			{"member active", tsunagari.BookingFilter{MemberID: m.ID, Active: true}, []string{ids[0]}},
			{"consultant", tsunagari.BookingFilter{ConsultantID: c.AccountID}, ids},
			{"window", tsunagari.BookingFilter{From: at(1, 0), To: at(3, 0)}, []string{ids[1]}},
			{"limit", tsunagari.BookingFilter{ConsultantID: c.AccountID, Limit: 1}, ids[:1]},
		} {
			got, err := s.Consultation.FindBookings(ctx, tc.f)
			if err != nil || !slices.Equal(idsOf(got), tc.want) {
				t.Errorf("FindBookings(%s) = %v, %v; want %v", tc.name, idsOf(got), err, tc.want)
			}
		}
		if _, err := s.Consultation.FindBookings(ctx, tsunagari.BookingFilter{}); err == nil {
			t.Error("FindBookings(empty filter) succeeded, want an error")
		}
		mail := []*tsunagari.Mail{{To: m.Email, Subject: "s", Body: "b", Kind: "booking_reminder"}}
		if err := s.Consultation.MarkReminded(ctx, ids[0], t0, mail); err != nil {
			t.Fatal(err)
		}
		wantErr(t, "MarkReminded twice", s.Consultation.MarkReminded(ctx, ids[0], t0, mail), tsunagari.ErrConflict)
		wantErr(t, "MarkReminded(cancelled)", s.Consultation.MarkReminded(ctx, ids[2], t0, mail), tsunagari.ErrNotFound)
		got, _ := s.Consultation.FindBookings(ctx, tsunagari.BookingFilter{From: at(0, 0), To: at(23, 0), Active: true, NotReminded: true})
		if !slices.Equal(idsOf(got), ids[1:2]) {
			t.Errorf("FindBookings(not reminded) = %v, want %v", idsOf(got), ids[1:2])
		}
		if ms, _ := s.Outbox.FindMail(ctx, tsunagari.MailFilter{To: m.Email}); len(ms) != 1 {
			t.Errorf("outbox holds %d reminders, want 1", len(ms))
		}
	})

	t.Run("Races", func(t *testing.T) {
		s := open(t).Stores()
		c := newConsultant(t, s, "c@example.jp", "50000007")
		const n = 200
		members := make([]*tsunagari.Account, n)
		batch := make([]*tsunagari.Account, n)
		for i := range members {
			members[i] = account(fmt.Sprintf("m%d@example.jp", i))
			batch[i] = members[i]
		}
		if err := s.Accounts.CreateAccounts(ctx, batch); err != nil {
			t.Fatal(err)
		}
		// n members at once, each for a different slot overlapping all
		// the others: starts a minute apart within the first half hour.
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i, m := range members {
			wg.Go(func() {
				_, err := s.Consultation.CreateBooking(ctx, booking(c, m.ID, at(1, i%30)), noCap, nil)
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		won := 0
		for err := range errs {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, tsunagari.ErrOverlap):
				t.Errorf("CreateBooking error = %v, want nil or ErrOverlap", err)
			}
		}
		if won != 1 {
			t.Errorf("%d of %d overlapping bookings succeeded, want 1", won, n)
		}
		// One member retrying one request many times at once: one booking.
		var got sync.Map
		for range n {
			wg.Go(func() {
				bk := booking(c, members[0].ID, at(5, 0))
				bk.IdempotencyKey = "retry-key-1"
				out, err := s.Consultation.CreateBooking(ctx, bk, noCap, nil)
				if err != nil {
					t.Errorf("retried CreateBooking error = %v", err)
					return
				}
				got.Store(out.ID, true)
			})
		}
		wg.Wait()
		count := 0
		got.Range(func(any, any) bool { count++; return true })
		if count != 1 {
			t.Errorf("retries of one request made %d bookings, want 1", count)
		}
		// The weekly maximum holds under concurrency too.
		weekStart, weekEnd := tsunagari.WeekOf(at(12, 0), tsunagari.Tokyo)
		cap := tsunagari.WeekCap{Start: weekStart, End: weekEnd, Max: 4}
		var ok sync.WaitGroup
		var okCount sync.Map
		for i := range 10 {
			ok.Go(func() {
				if _, err := s.Consultation.CreateBooking(ctx, booking(c, members[i].ID, weekStart.Add(time.Duration(24+i)*time.Hour)), cap, nil); err == nil {
					okCount.Store(i, true)
				} else if !errors.Is(err, tsunagari.ErrWeekFull) {
					t.Errorf("CreateBooking under the cap error = %v", err)
				}
			})
		}
		ok.Wait()
		active, _ := s.Consultation.FindBookings(ctx, tsunagari.BookingFilter{ConsultantID: c.AccountID, Active: true, From: weekStart, To: weekEnd})
		if len(active) != 4 {
			t.Errorf("%d active bookings in the week, want the maximum of 4", len(active))
		}
	})
}

func testRecords(t *testing.T, open func(t *testing.T) Backend) {
	ctx := context.Background()
	b := open(t)
	s := b.Stores()
	c := newConsultant(t, s, "c@example.jp", "60000001")
	other := newConsultant(t, s, "c2@example.jp", "60000002")
	m := mustCreateAccount(t, s, account("m@example.jp"))
	bk := booking(c, m.ID, t0.Add(time.Hour))
	if _, err := s.Consultation.CreateBooking(ctx, bk, noCap, nil); err != nil {
		t.Fatal(err)
	}
	_, err := s.Consultation.FindNote(ctx, bk.ID)
	wantErr(t, "FindNote before SaveNote", err, tsunagari.ErrNotFound)
	fp := fingerprint(t, b)
	wantErr(t, "SaveNote(another consultant)", s.Consultation.SaveNote(ctx,
		&tsunagari.Note{BookingID: bk.ID, ConsultantID: other.AccountID, Body: "sealed"}, nil), tsunagari.ErrNotFound)
	wantErr(t, "SaveReflection(another member)", s.Consultation.SaveReflection(ctx,
		&tsunagari.Reflection{BookingID: bk.ID, MemberID: c.AccountID, Body: "sealed"}), tsunagari.ErrNotFound)
	unchanged(t, b, fp, "refused records")

	n := &tsunagari.Note{BookingID: bk.ID, ConsultantID: c.AccountID, Body: "v1.sealed-note", UpdatedAt: t0}
	if err := s.Consultation.SaveNote(ctx, n, []string{"job_change", "learning"}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Consultation.FindNote(ctx, bk.ID)
	if err != nil || got.Body != n.Body || got.ConsultantID != c.AccountID || !sameTime(got.UpdatedAt, t0) {
		t.Errorf("FindNote = %+v, %v", got, err)
	}
	found, _ := s.Consultation.FindBooking(ctx, bk.ID)
	if !slices.Equal(found.ConfirmedThemes, []string{"job_change", "learning"}) {
		t.Errorf("ConfirmedThemes = %v", found.ConfirmedThemes)
	}
	n.Body, n.UpdatedAt = "v1.sealed-note-2", t0.Add(time.Minute)
	if err := s.Consultation.SaveNote(ctx, n, []string{"learning"}); err != nil {
		t.Fatal(err)
	}
	if got, _ = s.Consultation.FindNote(ctx, bk.ID); got.Body != "v1.sealed-note-2" {
		t.Errorf("FindNote after an edit = %q", got.Body)
	}

	r := &tsunagari.Reflection{BookingID: bk.ID, MemberID: m.ID, Body: "v1.sealed-reflection", Rating: 4, ShareRating: true,
		Shared: []string{"next_step"}, UpdatedAt: t0}
	if err := s.Consultation.SaveReflection(ctx, r); err != nil {
		t.Fatal(err)
	}
	gr, err := s.Consultation.FindReflection(ctx, bk.ID)
	if err != nil || gr.Body != r.Body || gr.MemberID != m.ID || gr.Rating != 4 || !gr.ShareRating ||
		!slices.Equal(gr.Shared, []string{"next_step"}) || !sameTime(gr.UpdatedAt, t0) {
		t.Errorf("FindReflection = %+v, %v", gr, err)
	}

	// Re-sealing replaces what fn returns, and only that.
	seen := map[string]bool{}
	k, err := s.Consultation.Reseal(ctx, func(rec tsunagari.SealedRecord) (string, error) {
		seen[rec.Kind+":"+rec.OwnerID] = true
		if rec.Kind == "note" {
			return "v1.resealed", nil
		}
		return "", nil
	})
	if err != nil || k != 1 || !seen["note:"+c.AccountID] || !seen["reflection:"+m.ID] {
		t.Errorf("Reseal = %d, %v, saw %v; want 1 replaced of a note and a reflection", k, err, seen)
	}
	if got, _ = s.Consultation.FindNote(ctx, bk.ID); got.Body != "v1.resealed" {
		t.Errorf("note after Reseal = %q", got.Body)
	}
	if gr, _ = s.Consultation.FindReflection(ctx, bk.ID); gr.Body != r.Body {
		t.Errorf("reflection after Reseal = %q, want unchanged", gr.Body)
	}
}
