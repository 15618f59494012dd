package storetest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"tsunagari"
)

// event returns a valid one-off event of community c, starting in a week
// from t0, for two hours, with seats seats (0 for no limit).
func event(c *tsunagari.Community, title string, seats int, waitlist bool) *tsunagari.Event {
	start := t0.Add(7 * 24 * time.Hour)
	return &tsunagari.Event{CommunityID: c.ID, Title: title, Description: "説明", StartsAt: start, EndsAt: start.Add(2 * time.Hour),
		Venue: "新潟市民プラザ", Prefecture: "15", Capacity: seats, Waitlist: waitlist, Exceptions: []string{}, CreatedAt: t0}
}

func mustCreateEvent(t *testing.T, s tsunagari.Stores, e *tsunagari.Event) *tsunagari.Event {
	t.Helper()
	if err := s.Events.CreateEvent(context.Background(), e); err != nil {
		t.Fatalf("CreateEvent(%s) error = %v", e.Title, err)
	}
	return e
}

// rsvp asks for a seat for a at e's first occurrence, at time at.
func rsvp(t *testing.T, s tsunagari.Stores, e *tsunagari.Event, a *tsunagari.Account, at time.Time) (*tsunagari.RSVP, error) {
	t.Helper()
	r := &tsunagari.RSVP{EventID: e.ID, StartsAt: e.StartsAt, AccountID: a.ID, RequestedAt: at}
	err := s.Events.CreateRSVP(context.Background(), r)
	return r, err
}

func mustRSVP(t *testing.T, s tsunagari.Stores, e *tsunagari.Event, a *tsunagari.Account, at time.Time) *tsunagari.RSVP {
	t.Helper()
	r, err := rsvp(t, s, e, a, at)
	if err != nil {
		t.Fatalf("CreateRSVP(%s, %s) error = %v", e.Title, a.Email, err)
	}
	return r
}

// notify writes a message whose subject is the change and whose body is
// the request's ID, so tests can read from the outbox who was told what.
func notify(r *tsunagari.RSVP, change tsunagari.RSVPChange) *tsunagari.Mail {
	return &tsunagari.Mail{To: r.Email, Subject: string(change), Body: r.ID, Kind: "event_" + string(change)}
}

// told returns "to:subject" of every message in the outbox, oldest first.
func told(t *testing.T, s tsunagari.Stores) []string {
	t.Helper()
	ms, err := s.Outbox.FindMail(context.Background(), tsunagari.MailFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i := len(ms) - 1; i >= 0; i-- {
		out = append(out, ms[i].To+":"+ms[i].Subject)
	}
	return out
}

// people creates n member accounts, <prefix>0@… to <prefix><n-1>@…, a
// thousand per transaction.
func people(t testing.TB, s tsunagari.Stores, prefix string, n int) []*tsunagari.Account {
	t.Helper()
	as := make([]*tsunagari.Account, n)
	for i := range as {
		as[i] = account(fmt.Sprintf("%s%d@example.jp", prefix, i))
		as[i].Name = fmt.Sprintf("参加者 %d", i)
	}
	for rest := as; len(rest) > 0; {
		batch := rest[:min(len(rest), 1000)]
		if err := s.Accounts.CreateAccounts(context.Background(), batch); err != nil {
			t.Fatal(err)
		}
		rest = rest[len(batch):]
	}
	return as
}

func occurrenceOf(t *testing.T, s tsunagari.Stores, e *tsunagari.Event) *tsunagari.Occurrence {
	t.Helper()
	list, err := s.Events.FindOccurrences(context.Background(), e.ID, e.StartsAt, e.StartsAt.Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 {
		t.Fatalf("FindOccurrences(%s) = %d occurrences, want 1", e.Title, len(list))
	}
	return list[0]
}

func statusOf(t *testing.T, s tsunagari.Stores, id string) (tsunagari.RSVPStatus, int) {
	t.Helper()
	r, err := s.Events.FindRSVP(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return r.Status, r.Position
}

func testEvents(t *testing.T, open func(t *testing.T) Backend) {
	ctx := context.Background()
	at := t0.Add(time.Hour)

	t.Run("CreateFind", func(t *testing.T) {
		b := open(t)
		s := b.Stores()
		lead := mustCreateAccount(t, s, account("lead@example.jp"))
		c := mustCreateCommunity(t, s, community(tsunagari.CommunityRegionalAlumni, "新潟県人会 in 東京", lead))
		e := event(c, "新潟の酒と語る夜", 30, true)
		e.Online, e.OnlineURL, e.TrialWelcome, e.CreatedBy = true, "https://meet.example.jp/niigata", true, lead.ID
		mustCreateEvent(t, s, e)
		if !tsunagari.ValidID(e.ID) {
			t.Fatalf("CreateEvent set ID %q", e.ID)
		}
		got, err := s.Events.FindEventByID(ctx, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := *e
		want.Community = tsunagari.EventCommunity{Name: c.Name, Kind: c.Kind}
		if fmt.Sprintf("%+v", *got) != fmt.Sprintf("%+v", want) || !sameTime(got.StartsAt, e.StartsAt) || !sameTime(got.CreatedAt, t0) {
			t.Errorf("FindEventByID =\n%+v\nwant\n%+v", *got, want)
		}

		rule, err := tsunagari.ParseRecurrence("FREQ=MONTHLY;BYDAY=2SA;COUNT=6")
		if err != nil {
			t.Fatal(err)
		}
		monthly := event(c, "月例 勉強会", 0, false)
		monthly.StartsAt = time.Date(2026, 11, 14, 1, 0, 0, 0, time.UTC) // the second Saturday, 10:00 in Japan
		monthly.EndsAt = monthly.StartsAt.Add(2 * time.Hour)
		monthly.Recurrence, monthly.Exceptions = rule, []string{"2027-01-09"}
		mustCreateEvent(t, s, monthly)
		got, err = s.Events.FindEventByID(ctx, monthly.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Recurrence == nil || got.Recurrence.String() != rule.String() || !slices.Equal(got.Exceptions, monthly.Exceptions) {
			t.Errorf("recurring event read back with rule %v, exceptions %v", got.Recurrence, got.Exceptions)
		}

		past := event(c, "先月の交流会", 0, false)
		past.StartsAt, past.EndsAt = t0.Add(-30*24*time.Hour), t0.Add(-30*24*time.Hour+time.Hour)
		mustCreateEvent(t, s, past)
		ids := func(f tsunagari.EventFilter) []string {
			t.Helper()
			list, err := s.Events.FindEvents(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, e := range list {
				out = append(out, e.Title)
			}
			return out
		}
		if got := ids(tsunagari.EventFilter{CommunityID: c.ID}); !slices.Equal(got, []string{"先月の交流会", "新潟の酒と語る夜", "月例 勉強会"}) {
			t.Errorf("FindEvents(community) = %q", got)
		}
		if got := ids(tsunagari.EventFilter{EndsAfter: t0}); !slices.Equal(got, []string{"新潟の酒と語る夜", "月例 勉強会"}) {
			t.Errorf("FindEvents(upcoming) = %q", got)
		}
		// The monthly rule's last occurrence is in April 2027.
		if got := ids(tsunagari.EventFilter{EndsAfter: time.Date(2027, 5, 1, 0, 0, 0, 0, time.UTC)}); len(got) != 0 {
			t.Errorf("FindEvents(after the last occurrence) = %q", got)
		}
		if got := ids(tsunagari.EventFilter{TrialWelcome: true}); !slices.Equal(got, []string{"新潟の酒と語る夜"}) {
			t.Errorf("FindEvents(trial) = %q", got)
		}
		for q, want := range map[string][]string{"勉強会": {"月例 勉強会"}, "新潟": {"新潟の酒と語る夜", "先月の交流会", "月例 勉強会"}, "酒": {"新潟の酒と語る夜"}} {
			if got := ids(tsunagari.EventFilter{Query: q}); !slices.Equal(got, want) {
				t.Errorf("FindEvents(query %q) = %q, want %q", q, got, want)
			}
		}

		hidden := time.Now()
		if err := s.Communities.SetCommunityHidden(ctx, c.ID, &hidden, "規約違反"); err != nil {
			t.Fatal(err)
		}
		if got := ids(tsunagari.EventFilter{}); len(got) != 0 {
			t.Errorf("FindEvents of a hidden community = %q", got)
		}
		if got := ids(tsunagari.EventFilter{IncludeHidden: true}); len(got) != 3 {
			t.Errorf("FindEvents(IncludeHidden) = %q", got)
		}
		got, _ = s.Events.FindEventByID(ctx, e.ID)
		if !got.Community.Hidden {
			t.Error("FindEventByID does not say the community is hidden")
		}

		_, err = s.Events.FindEventByID(ctx, tsunagari.NewID())
		wantErr(t, "FindEventByID(unknown)", err, tsunagari.ErrNotFound)
		fp := fingerprint(t, b)
		wantErr(t, "CreateEvent(unknown community)", s.Events.CreateEvent(ctx, event(&tsunagari.Community{ID: tsunagari.NewID()}, "幽霊", 0, false)),
			tsunagari.ErrNotFound)
		unchanged(t, b, fp, "CreateEvent(unknown community)")
	})

	t.Run("SeatsAndWaitlist", func(t *testing.T) {
		b := open(t)
		s := b.Stores()
		lead := mustCreateAccount(t, s, account("lead@example.jp"))
		c := mustCreateCommunity(t, s, community(tsunagari.CommunityOccupational, "介護職の対話カフェ", lead))
		e := mustCreateEvent(t, s, event(c, "月例対話カフェ", 2, true))
		ps := people(t, s, "p", 4)
		a, bb, cc, d := mustRSVP(t, s, e, ps[0], at), mustRSVP(t, s, e, ps[1], at.Add(time.Second)),
			mustRSVP(t, s, e, ps[2], at.Add(2*time.Second)), mustRSVP(t, s, e, ps[3], at.Add(3*time.Second))
		for _, c := range []struct {
			r        *tsunagari.RSVP
			status   tsunagari.RSVPStatus
			seq, pos int
		}{{a, tsunagari.RSVPConfirmed, 1, 0}, {bb, tsunagari.RSVPConfirmed, 2, 0}, {cc, tsunagari.RSVPWaitlisted, 3, 1}, {d, tsunagari.RSVPWaitlisted, 4, 2}} {
			if c.r.Status != c.status || c.r.Seq != c.seq || c.r.Position != c.pos || !tsunagari.ValidID(c.r.ID) {
				t.Errorf("CreateRSVP = %s seq %d position %d, want %s seq %d position %d", c.r.Status, c.r.Seq, c.r.Position, c.status, c.seq, c.pos)
			}
		}
		if o := occurrenceOf(t, s, e); o.Capacity != 2 || o.Confirmed != 2 || o.Waitlisted != 2 || o.Free() != 0 {
			t.Errorf("occurrence = %+v", o)
		}

		fp := fingerprint(t, b)
		_, err := rsvp(t, s, e, ps[0], at.Add(time.Minute))
		wantErr(t, "CreateRSVP(twice)", err, tsunagari.ErrConflict)
		_, err = rsvp(t, s, e, &tsunagari.Account{ID: tsunagari.NewID()}, at)
		wantErr(t, "CreateRSVP(unknown account)", err, tsunagari.ErrNotFound)
		_, err = s.Events.CancelRSVP(ctx, tsunagari.OccurrenceRef{EventID: e.ID, StartsAt: e.StartsAt}, lead.ID, at, notify)
		wantErr(t, "CancelRSVP(no request)", err, tsunagari.ErrNotFound)
		_, err = s.Events.CancelRSVP(ctx, tsunagari.OccurrenceRef{EventID: e.ID, StartsAt: e.StartsAt}, ps[0].ID, e.StartsAt, notify)
		wantErr(t, "CancelRSVP(at the start)", err, tsunagari.ErrStarted)
		unchanged(t, b, fp, "rejected requests")

		// A seat frees: the first on the waitlist takes it and is told.
		gone, err := s.Events.CancelRSVP(ctx, tsunagari.OccurrenceRef{EventID: e.ID, StartsAt: e.StartsAt}, ps[0].ID, at.Add(time.Hour), notify)
		if err != nil || gone.ID != a.ID || gone.Status != tsunagari.RSVPCancelled {
			t.Fatalf("CancelRSVP = %+v, %v", gone, err)
		}
		if st, _ := statusOf(t, s, cc.ID); st != tsunagari.RSVPConfirmed {
			t.Errorf("first on the waitlist is %s after a seat freed, want confirmed", st)
		}
		if st, pos := statusOf(t, s, d.ID); st != tsunagari.RSVPWaitlisted || pos != 1 {
			t.Errorf("second on the waitlist is %s at %d, want waitlisted at 1", st, pos)
		}
		if got := told(t, s); !slices.Equal(got, []string{"p2@example.jp:promoted"}) {
			t.Errorf("outbox = %q, want one message to p2 about the promotion", got)
		}
		// Cancelling a waitlisted request frees no seat and tells nobody.
		if _, err := s.Events.CancelRSVP(ctx, tsunagari.OccurrenceRef{EventID: e.ID, StartsAt: e.StartsAt}, ps[3].ID, at.Add(time.Hour), notify); err != nil {
			t.Fatal(err)
		}
		if o := occurrenceOf(t, s, e); o.Confirmed != 2 || o.Waitlisted != 0 || len(told(t, s)) != 1 {
			t.Errorf("after a waitlisted request withdrew: %+v, outbox %q", o, told(t, s))
		}
		// Asking again joins the end of the queue.
		again := mustRSVP(t, s, e, ps[0], at.Add(2*time.Hour))
		if again.ID != a.ID || again.Status != tsunagari.RSVPWaitlisted || again.Seq != 5 || again.Position != 1 {
			t.Errorf("asking again = %+v, want the same request waitlisted at seq 5, position 1", again)
		}

		list, err := s.Events.FindRSVPs(ctx, tsunagari.RSVPFilter{EventID: e.ID, StartsAt: e.StartsAt,
			Statuses: []tsunagari.RSVPStatus{tsunagari.RSVPConfirmed, tsunagari.RSVPWaitlisted}})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range list {
			got = append(got, fmt.Sprintf("%s:%s:%d", r.Email, r.Status, r.Position))
		}
		if want := []string{"p1@example.jp:confirmed:0", "p2@example.jp:confirmed:0", "p0@example.jp:waitlisted:1"}; !slices.Equal(got, want) {
			t.Errorf("FindRSVPs = %q, want %q", got, want)
		}
		mine, err := s.Events.FindRSVPs(ctx, tsunagari.RSVPFilter{AccountID: ps[2].ID, EndsAfter: t0})
		if err != nil || len(mine) != 1 || mine[0].Name != ps[2].Name {
			t.Errorf("FindRSVPs(account) = %v, %v", mine, err)
		}
		if mine, _ := s.Events.FindRSVPs(ctx, tsunagari.RSVPFilter{AccountID: ps[2].ID, EndsAfter: e.EndsAt}); len(mine) != 0 {
			t.Errorf("FindRSVPs(account, after the end) = %v", mine)
		}
	})

	t.Run("FullWithoutWaitlist", func(t *testing.T) {
		b := open(t)
		s := b.Stores()
		lead := mustCreateAccount(t, s, account("lead@example.jp"))
		c := mustCreateCommunity(t, s, community(tsunagari.CommunityUnion, "ユニオン キャリア相談会", lead))
		e := mustCreateEvent(t, s, event(c, "少人数の相談会", 1, false))
		ps := people(t, s, "p", 2)
		mustRSVP(t, s, e, ps[0], at)
		fp := fingerprint(t, b)
		_, err := rsvp(t, s, e, ps[1], at)
		wantErr(t, "CreateRSVP(full, no waitlist)", err, tsunagari.ErrFull)
		_, err = rsvp(t, s, e, ps[1], e.StartsAt)
		wantErr(t, "CreateRSVP(at the start)", err, tsunagari.ErrStarted)
		unchanged(t, b, fp, "refused requests")

		open := mustCreateEvent(t, s, event(c, "誰でも", 0, false))
		for _, p := range ps {
			if r := mustRSVP(t, s, open, p, at); r.Status != tsunagari.RSVPConfirmed {
				t.Errorf("an event without a limit gave %s", r.Status)
			}
		}
	})

	t.Run("Approval", func(t *testing.T) {
		b := open(t)
		s := b.Stores()
		lead := mustCreateAccount(t, s, account("lead@example.jp"))
		c := mustCreateCommunity(t, s, community(tsunagari.CommunityCorporateAlumni, "相和精機アルムナイ", lead))
		e := event(c, "アルムナイ交流会", 1, true)
		e.Approval = true
		mustCreateEvent(t, s, e)
		ps := people(t, s, "p", 3)
		r0, r1, r2 := mustRSVP(t, s, e, ps[0], at), mustRSVP(t, s, e, ps[1], at.Add(time.Second)), mustRSVP(t, s, e, ps[2], at.Add(2*time.Second))
		if r0.Status != tsunagari.RSVPPending || r1.Status != tsunagari.RSVPPending {
			t.Fatalf("requests to an event with approval are %s, %s; want pending", r0.Status, r1.Status)
		}
		// Approved in reverse order, the waitlist still goes by arrival.
		if got, err := s.Events.DecideRSVP(ctx, r2.ID, true, at.Add(time.Hour), notify); err != nil || got.Status != tsunagari.RSVPConfirmed {
			t.Fatalf("approve = %v, %v; want confirmed", got, err)
		}
		if got, err := s.Events.DecideRSVP(ctx, r1.ID, true, at.Add(time.Hour), notify); err != nil || got.Status != tsunagari.RSVPWaitlisted || got.Position != 1 {
			t.Fatalf("approve when full = %+v, %v; want waitlisted at 1", got, err)
		}
		if got, err := s.Events.DecideRSVP(ctx, r0.ID, true, at.Add(2*time.Hour), notify); err != nil || got.Position != 1 {
			t.Fatalf("approve the first to arrive = %+v, %v; want waitlisted at 1", got, err)
		}
		if _, pos := statusOf(t, s, r1.ID); pos != 2 {
			t.Errorf("later arrival is at %d, want 2", pos)
		}
		fp := fingerprint(t, b)
		_, err := s.Events.DecideRSVP(ctx, r0.ID, false, at.Add(3*time.Hour), notify)
		wantErr(t, "DecideRSVP(not pending)", err, tsunagari.ErrConflict)
		_, err = s.Events.DecideRSVP(ctx, tsunagari.NewID(), true, at, notify)
		wantErr(t, "DecideRSVP(unknown)", err, tsunagari.ErrNotFound)
		unchanged(t, b, fp, "refused decisions")

		other := mustCreateAccount(t, s, account("other@example.jp"))
		r3 := mustRSVP(t, s, e, other, at)
		if got, err := s.Events.DecideRSVP(ctx, r3.ID, false, at.Add(time.Hour), notify); err != nil || got.Status != tsunagari.RSVPDeclined {
			t.Fatalf("decline = %v, %v", got, err)
		}
		_, err = rsvp(t, s, e, other, at.Add(2*time.Hour))
		wantErr(t, "CreateRSVP(after a decline)", err, tsunagari.ErrConflict)
		want := []string{"p2@example.jp:approved", "p1@example.jp:approved_queued", "p0@example.jp:approved_queued", "other@example.jp:declined"}
		if got := told(t, s); !slices.Equal(got, want) {
			t.Errorf("outbox = %q, want %q", got, want)
		}
	})

	t.Run("CheckIn", func(t *testing.T) {
		b := open(t)
		s := b.Stores()
		lead := mustCreateAccount(t, s, account("lead@example.jp"))
		c := mustCreateCommunity(t, s, community(tsunagari.CommunityOccupational, "看護師の勉強会", lead))
		e := mustCreateEvent(t, s, event(c, "勉強会", 1, true))
		ps := people(t, s, "p", 2)
		r0, r1 := mustRSVP(t, s, e, ps[0], at), mustRSVP(t, s, e, ps[1], at)
		arrive := e.StartsAt.Add(-10 * time.Minute)
		got, err := s.Events.CheckIn(ctx, r0.ID, arrive)
		if err != nil || got.CheckedInAt == nil || !sameTime(*got.CheckedInAt, arrive) {
			t.Fatalf("CheckIn = %+v, %v", got, err)
		}
		if got, _ := s.Events.CheckIn(ctx, r0.ID, arrive.Add(time.Minute)); got == nil || !sameTime(*got.CheckedInAt, arrive) {
			t.Errorf("a second check-in changed the time to %v", got.CheckedInAt)
		}
		fp := fingerprint(t, b)
		_, err = s.Events.CheckIn(ctx, r1.ID, arrive)
		wantErr(t, "CheckIn(waitlisted)", err, tsunagari.ErrConflict)
		_, err = s.Events.CheckIn(ctx, tsunagari.NewID(), arrive)
		wantErr(t, "CheckIn(unknown)", err, tsunagari.ErrNotFound)
		unchanged(t, b, fp, "refused check-ins")
	})

	t.Run("Cancel", func(t *testing.T) {
		b := open(t)
		s := b.Stores()
		lead := mustCreateAccount(t, s, account("lead@example.jp"))
		c := mustCreateCommunity(t, s, community(tsunagari.CommunityNPO, "子ども食堂ネット", lead))
		rule, _ := tsunagari.ParseRecurrence("FREQ=WEEKLY")
		e := event(c, "毎週の食堂ボランティア", 2, true)
		e.Recurrence = rule
		mustCreateEvent(t, s, e)
		second := e.StartsAt.AddDate(0, 0, 7)
		ps := people(t, s, "p", 3)
		for _, p := range ps {
			mustRSVP(t, s, e, p, at)
		}
		if err := s.Events.CreateRSVP(ctx, &tsunagari.RSVP{EventID: e.ID, StartsAt: second, AccountID: ps[0].ID, RequestedAt: at}); err != nil {
			t.Fatal(err)
		}
		ref := tsunagari.OccurrenceRef{EventID: e.ID, StartsAt: e.StartsAt}
		if err := s.Events.CancelOccurrence(ctx, ref, at.Add(time.Hour), "台風のため", notify); err != nil {
			t.Fatal(err)
		}
		want := []string{"p0@example.jp:event_cancelled", "p1@example.jp:event_cancelled", "p2@example.jp:event_cancelled"}
		if got := told(t, s); !slices.Equal(got, want) {
			t.Errorf("outbox after cancelling an occurrence = %q, want %q", got, want)
		}
		if o := occurrenceOf(t, s, e); o.CancelledAt == nil || o.CancelReason != "台風のため" {
			t.Errorf("occurrence after cancelling = %+v", o)
		}
		fp := fingerprint(t, b)
		wantErr(t, "CancelOccurrence(twice)", s.Events.CancelOccurrence(ctx, ref, at.Add(time.Hour), "", notify), tsunagari.ErrCancelled)
		_, err := rsvp(t, s, e, lead, at.Add(time.Hour))
		wantErr(t, "CreateRSVP(cancelled occurrence)", err, tsunagari.ErrCancelled)
		wantErr(t, "CancelOccurrence(started)", s.Events.CancelOccurrence(ctx, tsunagari.OccurrenceRef{EventID: e.ID, StartsAt: second},
			second, "", notify), tsunagari.ErrStarted)
		unchanged(t, b, fp, "refused cancellations")
		// Withdrawing from a cancelled occurrence gives nobody a seat.
		if _, err := s.Events.CancelRSVP(ctx, ref, ps[0].ID, at.Add(2*time.Hour), notify); err != nil {
			t.Fatal(err)
		}
		if got := told(t, s); len(got) != 3 {
			t.Errorf("withdrawing from a cancelled occurrence told %q", got)
		}

		if err := s.Events.CancelEvent(ctx, e.ID, at.Add(3*time.Hour), "活動終了", notify); err != nil {
			t.Fatal(err)
		}
		if got := told(t, s); len(got) != 4 || got[3] != "p0@example.jp:event_cancelled" {
			t.Errorf("outbox after cancelling the event = %q", got)
		}
		got, _ := s.Events.FindEventByID(ctx, e.ID)
		if got.CancelledAt == nil || got.CancelReason != "活動終了" {
			t.Errorf("event after CancelEvent = %+v", got)
		}
		if list, _ := s.Events.FindEvents(ctx, tsunagari.EventFilter{}); len(list) != 0 {
			t.Errorf("FindEvents lists a cancelled event")
		}
		wantErr(t, "CancelEvent(twice)", s.Events.CancelEvent(ctx, e.ID, at.Add(4*time.Hour), "", notify), tsunagari.ErrCancelled)
		err = s.Events.CreateRSVP(ctx, &tsunagari.RSVP{EventID: e.ID, StartsAt: second.AddDate(0, 0, 7), AccountID: ps[1].ID, RequestedAt: at})
		wantErr(t, "CreateRSVP(cancelled event)", err, tsunagari.ErrCancelled)
	})

	t.Run("Lottery", func(t *testing.T) {
		b := open(t)
		s := b.Stores()
		lead := mustCreateAccount(t, s, account("lead@example.jp"))
		c := mustCreateCommunity(t, s, community(tsunagari.CommunityOccupational, "起業家の集い", lead))
		e := event(c, "スタートアップ・ウィークエンド", 2, true)
		e.LotteryHours = 48
		mustCreateEvent(t, s, e)
		ps := people(t, s, "p", 5)
		var entries []*tsunagari.RSVP
		for i, p := range ps {
			r := mustRSVP(t, s, e, p, at.Add(time.Duration(i)*time.Second))
			if r.Status != tsunagari.RSVPEntered || r.Seq != i+1 {
				t.Fatalf("lottery entry = %s seq %d", r.Status, r.Seq)
			}
			entries = append(entries, r)
		}
		closes := e.LotteryClosesAt(e.StartsAt)
		if due, err := s.Events.DueLotteries(ctx, closes.Add(-time.Second)); err != nil || len(due) != 0 {
			t.Errorf("DueLotteries before the deadline = %v, %v", due, err)
		}
		due, err := s.Events.DueLotteries(ctx, closes)
		if err != nil || len(due) != 1 || due[0].EventID != e.ID || !due[0].StartsAt.Equal(e.StartsAt) {
			t.Fatalf("DueLotteries at the deadline = %v, %v", due, err)
		}
		late := mustCreateAccount(t, s, account("late@example.jp"))
		fp := fingerprint(t, b)
		_, err = rsvp(t, s, e, late, closes)
		wantErr(t, "CreateRSVP(lottery closed, not drawn)", err, tsunagari.ErrStarted)
		_, err = s.Events.DrawLottery(ctx, due[0], 1, closes.Add(-time.Second), notify)
		wantErr(t, "DrawLottery(before the deadline)", err, tsunagari.ErrConflict)
		unchanged(t, b, fp, "refused lottery requests")

		// Several processes draw at once, each with its own seed: one
		// draws, the others find it drawn.
		const first = 0x5eed
		var (
			wg    sync.WaitGroup
			mu    sync.Mutex
			drawn []uint64
		)
		for i := range 4 {
			wg.Go(func() {
				sd := uint64(first + i)
				drew, err := s.Events.DrawLottery(ctx, due[0], sd, closes.Add(time.Minute), notify)
				if err != nil {
					t.Error(err)
				}
				if drew {
					mu.Lock()
					drawn = append(drawn, sd)
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if len(drawn) != 1 {
			t.Fatalf("%d of 4 concurrent draws drew, want 1", len(drawn))
		}
		// Whichever drew, the draw follows its seed.
		seed := drawn[0]
		order := tsunagari.DrawOrder(seed, 5)
		var want []string
		for rank, i := range order {
			r, err := s.Events.FindRSVP(ctx, entries[i].ID)
			if err != nil {
				t.Fatal(err)
			}
			status, change, pos := tsunagari.RSVPConfirmed, "won", 0
			if rank >= 2 {
				status, change, pos = tsunagari.RSVPWaitlisted, "drawn_queued", rank-1
			}
			if r.Status != status || r.Seq != rank+1 || r.Position != pos {
				t.Errorf("entry %d drawn %d: %s seq %d position %d; want %s seq %d position %d", i, rank, r.Status, r.Seq, r.Position, status, rank+1, pos)
			}
			want = append(want, fmt.Sprintf("p%d@example.jp:%s", i, change))
		}
		if got := told(t, s); !slices.Equal(got, want) {
			t.Errorf("outbox after the draw = %q, want %q", got, want)
		}
		o := occurrenceOf(t, s, e)
		if o.LotteryDrawnAt == nil || o.LotterySeed != seed || o.Confirmed != 2 || o.Waitlisted != 3 {
			t.Errorf("occurrence after the draw = %+v", o)
		}
		if drew, err := s.Events.DrawLottery(ctx, due[0], 99, closes.Add(time.Hour), notify); err != nil || drew {
			t.Errorf("DrawLottery again = %v, %v; want false, nil", drew, err)
		}
		if due, _ := s.Events.DueLotteries(ctx, closes.Add(time.Hour)); len(due) != 0 {
			t.Errorf("DueLotteries after the draw = %v", due)
		}
		// After the draw, the queue is first come, behind the drawn.
		if r := mustRSVP(t, s, e, late, closes.Add(time.Hour)); r.Status != tsunagari.RSVPWaitlisted || r.Position != 4 {
			t.Errorf("a request after the draw = %s at %d, want waitlisted at 4", r.Status, r.Position)
		}
	})

	t.Run("CalendarFeeds", func(t *testing.T) {
		b := open(t)
		s := b.Stores()
		a := mustCreateAccount(t, s, account("a@example.jp"))
		_, err := s.Events.FindCalendarFeed(ctx, "", a.ID)
		wantErr(t, "FindCalendarFeed(none)", err, tsunagari.ErrNotFound)
		wantErr(t, "DeleteCalendarFeed(none)", s.Events.DeleteCalendarFeed(ctx, a.ID), tsunagari.ErrNotFound)
		if err := s.Events.SetCalendarFeed(ctx, &tsunagari.CalendarFeed{AccountID: a.ID, TokenHash: "h1", CreatedAt: t0}); err != nil {
			t.Fatal(err)
		}
		if err := s.Events.SetCalendarFeed(ctx, &tsunagari.CalendarFeed{AccountID: a.ID, TokenHash: "h2", CreatedAt: at}); err != nil {
			t.Fatal(err)
		}
		_, err = s.Events.FindCalendarFeed(ctx, "h1", "")
		wantErr(t, "FindCalendarFeed(replaced token)", err, tsunagari.ErrNotFound)
		f, err := s.Events.FindCalendarFeed(ctx, "h2", "")
		if err != nil || f.AccountID != a.ID || !sameTime(f.CreatedAt, at) {
			t.Errorf("FindCalendarFeed = %+v, %v", f, err)
		}
		if f, err := s.Events.FindCalendarFeed(ctx, "", a.ID); err != nil || f.TokenHash != "h2" {
			t.Errorf("FindCalendarFeed(account) = %+v, %v", f, err)
		}
		if err := s.Events.DeleteCalendarFeed(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
		_, err = s.Events.FindCalendarFeed(ctx, "h2", "")
		wantErr(t, "FindCalendarFeed(revoked)", err, tsunagari.ErrNotFound)
	})

	t.Run("Race", func(t *testing.T) { testRSVPRace(t, open) })
}

// testRSVPRace sends 200 requests at once for 20 seats. Exactly 20 get a
// seat and 180 a waitlist place, in the order the store took them, and
// that order agrees with real time: a request answered before another
// was sent stands ahead of it. Then seats free, concurrently too, and
// the waitlist moves up in order, each person promoted being told.
func testRSVPRace(t *testing.T, open func(t *testing.T) Backend) {
	const n, seats = 200, 20
	ctx := context.Background()
	b := open(t)
	s := b.Stores()
	lead := mustCreateAccount(t, s, account("lead@example.jp"))
	c := mustCreateCommunity(t, s, community(tsunagari.CommunityRegionalAlumni, "新潟県人会", lead))
	e := mustCreateEvent(t, s, event(c, "人気の交流会", seats, true))
	ps := people(t, s, "p", n)

	type result struct {
		r          *tsunagari.RSVP
		sent, back time.Time
		err        error
	}
	results := make([]result, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			r := &tsunagari.RSVP{EventID: e.ID, StartsAt: e.StartsAt, AccountID: ps[i].ID, RequestedAt: t0}
			sent := time.Now()
			err := s.Events.CreateRSVP(ctx, r)
			results[i] = result{r: r, sent: sent, back: time.Now(), err: err}
		})
	}
	close(start)
	wg.Wait()

	bySeq := map[int]*result{}
	confirmed, waitlisted := 0, 0
	for i := range results {
		res := &results[i]
		if res.err != nil {
			t.Fatalf("request %d: %v", i, res.err)
		}
		r := res.r
		if bySeq[r.Seq] != nil || r.Seq < 1 || r.Seq > n {
			t.Fatalf("request %d has seq %d, repeated or out of 1..%d", i, r.Seq, n)
		}
		bySeq[r.Seq] = res
		switch {
		case r.Seq <= seats && r.Status == tsunagari.RSVPConfirmed && r.Position == 0:
			confirmed++
		case r.Seq > seats && r.Status == tsunagari.RSVPWaitlisted && r.Position == r.Seq-seats:
			waitlisted++
		default:
			t.Errorf("request with seq %d is %s at position %d", r.Seq, r.Status, r.Position)
		}
	}
	if confirmed != seats || waitlisted != n-seats {
		t.Fatalf("%d confirmed and %d waitlisted, want %d and %d", confirmed, waitlisted, seats, n-seats)
	}
	for _, a := range results {
		for _, b := range results {
			if a.back.Before(b.sent) && a.r.Seq > b.r.Seq {
				t.Fatalf("seq %d was answered before seq %d was sent, yet stands behind it", a.r.Seq, b.r.Seq)
			}
		}
	}
	if o := occurrenceOf(t, s, e); o.Confirmed != seats || o.Waitlisted != n-seats {
		t.Fatalf("occurrence = %+v", o)
	}
	// What the store says now agrees with what it answered.
	list, err := s.Events.FindRSVPs(ctx, tsunagari.RSVPFilter{EventID: e.ID, StartsAt: e.StartsAt})
	if err != nil || len(list) != n {
		t.Fatalf("FindRSVPs = %d, %v", len(list), err)
	}
	for i, r := range list {
		if r.Seq != i+1 || r.ID != bySeq[i+1].r.ID || r.Status != bySeq[i+1].r.Status || r.Position != bySeq[i+1].r.Position {
			t.Fatalf("FindRSVPs[%d] = %+v, want %+v", i, r, bySeq[i+1].r)
		}
	}

	// One seat frees: the first on the waitlist gets it, and an email.
	ref := tsunagari.OccurrenceRef{EventID: e.ID, StartsAt: e.StartsAt}
	if _, err := s.Events.CancelRSVP(ctx, ref, bySeq[5].r.AccountID, t0, notify); err != nil {
		t.Fatal(err)
	}
	first := bySeq[seats+1].r
	if st, _ := statusOf(t, s, first.ID); st != tsunagari.RSVPConfirmed {
		t.Fatalf("first on the waitlist is %s after a seat freed", st)
	}
	if _, pos := statusOf(t, s, bySeq[seats+2].r.ID); pos != 1 {
		t.Errorf("second on the waitlist is now at %d, want 1", pos)
	}
	mails, err := s.Outbox.FindMail(ctx, tsunagari.MailFilter{})
	if err != nil || len(mails) != 1 || mails[0].To != fmt.Sprintf("p%d@example.jp", slices.IndexFunc(ps, func(a *tsunagari.Account) bool {
		return a.ID == first.AccountID
	})) || mails[0].Body != first.ID || mails[0].Kind != "event_promoted" {
		t.Fatalf("outbox after a seat freed = %+v, %v", mails, err)
	}

	// Ten more seats free at once: the next ten on the waitlist move up.
	wg = sync.WaitGroup{}
	errs := make(chan error, 10)
	for seq := 6; seq < 16; seq++ {
		wg.Go(func() {
			_, err := s.Events.CancelRSVP(ctx, ref, bySeq[seq].r.AccountID, t0, notify)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for seq := seats + 1; seq <= n; seq++ {
		st, pos := statusOf(t, s, bySeq[seq].r.ID)
		if seq <= seats+11 && st != tsunagari.RSVPConfirmed || seq > seats+11 && (st != tsunagari.RSVPWaitlisted || pos != seq-seats-11) {
			t.Errorf("seq %d is %s at %d after 11 seats freed", seq, st, pos)
		}
	}
	if o := occurrenceOf(t, s, e); o.Confirmed != seats || o.Waitlisted != n-seats-11 {
		t.Errorf("occurrence after 11 seats freed = %+v", o)
	}
	if mails, _ := s.Outbox.FindMail(ctx, tsunagari.MailFilter{}); len(mails) != 11 {
		t.Errorf("%d messages after 11 promotions, want 11", len(mails))
	}
}
