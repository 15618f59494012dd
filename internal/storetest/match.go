package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"tsunagari"
)

func testMatch(t *testing.T, open func(t *testing.T) Backend) {
	ctx := context.Background()

	t.Run("Weights", func(t *testing.T) {
		b := open(t)
		s := b.Stores()
		got, err := s.Match.FindMatchWeights(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if def := tsunagari.DefaultMatchWeights(); *got != *def {
			t.Errorf("FindMatchWeights before any save = %+v, want the defaults %+v", got, def)
		}
		op := mustCreateAccount(t, s, account("operator@example.jp", tsunagari.RoleOperator))
		w := &tsunagari.MatchWeights{Values: 10, Themes: 20, Background: 30, Experience: 0, Diversity: 55,
			ViewsPerSession: 4, UpdatedAt: t0, UpdatedBy: op.ID}
		if err := s.Match.SaveMatchWeights(ctx, w); err != nil {
			t.Fatal(err)
		}
		if got, err = s.Match.FindMatchWeights(ctx); err != nil || got.Values != 10 || got.Themes != 20 ||
			got.Background != 30 || got.Experience != 0 || got.Diversity != 55 || got.ViewsPerSession != 4 ||
			!sameTime(got.UpdatedAt, t0) || got.UpdatedBy != op.ID {
			t.Errorf("FindMatchWeights = %+v, %v; want %+v", got, err, w)
		}
		w2 := *w
		w2.Values, w2.UpdatedAt, w2.UpdatedBy = 90, time.Time{}, ""
		if err := s.Match.SaveMatchWeights(ctx, &w2); err != nil {
			t.Fatal(err)
		}
		if w2.UpdatedAt.IsZero() {
			t.Error("SaveMatchWeights left UpdatedAt zero")
		}
		if got, _ = s.Match.FindMatchWeights(ctx); got.Values != 90 || got.UpdatedBy != "" || !sameTime(got.UpdatedAt, w2.UpdatedAt) {
			t.Errorf("after a second save = %+v, want values 90, no author, updated at %v", got, w2.UpdatedAt)
		}
	})

	t.Run("VersionMoves", func(t *testing.T) {
		b := open(t)
		s := b.Stores()
		version := func() int64 {
			t.Helper()
			v, err := s.Match.MatchVersion(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		v0 := version()
		if v := version(); v != v0 {
			t.Errorf("MatchVersion moved with nothing changed: %d, then %d", v0, v)
		}
		member := mustCreateAccount(t, s, account("member@example.jp"))
		if v := version(); v != v0 {
			t.Errorf("MatchVersion moved when an account was created: %d, then %d", v0, v)
		}
		c2 := newConsultant(t, s, "c2@example.jp", "16000002")
		steps := []struct {
			what string
			do   func() error
		}{
			{"a consultant saved", func() error {
				a := mustCreateAccount(t, s, account("c@example.jp", tsunagari.RoleConsultant))
				return s.Consultation.SaveConsultant(ctx, consultant(a.ID, "16000001"))
			}},
			{"a consultant verified", func() error {
				a, _ := s.Accounts.FindAccountByEmail(ctx, "c@example.jp")
				return s.Consultation.VerifyConsultant(ctx, a.ID, "", t0)
			}},
			{"availability saved", func() error {
				a, _ := s.Accounts.FindAccountByEmail(ctx, "c@example.jp")
				av := tsunagari.DefaultAvailability(a.ID)
				av.Weekly = []tsunagari.WeeklyWindow{{Weekday: time.Monday, Window: tsunagari.Window{Start: 600, End: 720}}}
				return s.Consultation.SaveAvailability(ctx, av)
			}},
			{"a booking made", func() error {
				_, err := s.Consultation.CreateBooking(ctx, booking(c2, member.ID, t0.Add(48*time.Hour)), noCap, nil)
				return err
			}},
			{"a booking cancelled", func() error {
				bs, err := s.Consultation.FindBookings(ctx, tsunagari.BookingFilter{MemberID: member.ID})
				if err != nil || len(bs) != 1 {
					t.Fatalf("FindBookings = %v, %v", bs, err)
				}
				return s.Consultation.CancelBooking(ctx, bs[0].ID, tsunagari.Cancellation{By: member.ID, At: t0}, nil)
			}},
		}
		prev := version()
		for _, st := range steps {
			if err := st.do(); err != nil {
				t.Fatalf("%s: %v", st.what, err)
			}
			v := version()
			if v == prev {
				t.Errorf("MatchVersion did not move when %s", st.what)
			}
			prev = v
		}
	})

	t.Run("Roster", func(t *testing.T) {
		b := open(t)
		s := b.Stores()
		c1 := newConsultant(t, s, "c1@example.jp", "16000011")
		c2 := newConsultant(t, s, "c2@example.jp", "16000012")
		// An unverified profile is not on the roster.
		a3 := mustCreateAccount(t, s, account("c3@example.jp", tsunagari.RoleConsultant))
		mustSaveConsultant(t, s, consultant(a3.ID, "16000013"))
		// c2 takes no sessions on a date and has a short day on another.
		av, err := s.Consultation.FindAvailability(ctx, c2.AccountID)
		if err != nil {
			t.Fatal(err)
		}
		av.TimeZone, av.BufferMinutes, av.WeeklyMax = "Asia/Tokyo", 15, 7
		av.Exceptions = []tsunagari.Exception{{Date: "2026-11-03"}, {Date: "2026-11-04", Windows: []tsunagari.Window{{Start: 600, End: 660}}}}
		if err := s.Consultation.SaveAvailability(ctx, av); err != nil {
			t.Fatal(err)
		}

		// Past clients: two people in their 40s in legal and one in her
		// 30s in care saw c1; a cancelled booking and a session still to
		// come do not count, and someone with no age band is left out.
		person := func(email, age, job string) *tsunagari.Account {
			a := account(email)
			a.AgeBand, a.JobFamily = age, job
			return mustCreateAccount(t, s, a)
		}
		legal1, legal2 := person("l1@example.jp", "40s", "legal"), person("l2@example.jp", "40s", "legal")
		carer, nobody := person("carer@example.jp", "30s", "care"), person("nobody@example.jp", "", "legal")
		future := person("future@example.jp", "50s", "sales")
		cancelled := person("cancelled@example.jp", "20s", "it")
		past := t0.Add(-10 * 24 * time.Hour)
		mk := func(c *tsunagari.Consultant, m *tsunagari.Account, start time.Time) *tsunagari.Booking {
			t.Helper()
			bk, err := s.Consultation.CreateBooking(ctx, booking(c, m.ID, start), noCap, nil)
			if err != nil {
				t.Fatalf("CreateBooking(%s at %v) = %v", m.Email, start, err)
			}
			return bk
		}
		mk(c1, legal1, past)
		mk(c1, legal1, past.Add(24*time.Hour)) // a second session of the same client counts once
		mk(c1, legal2, past.Add(48*time.Hour))
		mk(c1, carer, past.Add(72*time.Hour))
		mk(c1, nobody, past.Add(96*time.Hour))
		gone := mk(c1, cancelled, past.Add(120*time.Hour))
		if err := s.Consultation.CancelBooking(ctx, gone.ID, tsunagari.Cancellation{By: cancelled.ID, At: past}, nil); err != nil {
			t.Fatal(err)
		}
		soon := t0.Add(30 * time.Hour)
		mk(c1, future, soon)
		mk(c2, future, soon)
		mk(c2, future, t0.Add(30*24*time.Hour)) // outside the window asked for

		day := tsunagari.Day(t0)
		if err := s.Match.RecordShown(ctx, day-20, []string{c1.AccountID}); err != nil { // too long ago
			t.Fatal(err)
		}
		if err := s.Match.RecordShown(ctx, day-1, []string{c1.AccountID, c2.AccountID, c1.AccountID}); err != nil {
			t.Fatal(err)
		}
		if err := s.Match.RecordShown(ctx, day, []string{c1.AccountID, tsunagari.NewID()}); err != nil {
			t.Fatalf("RecordShown with an unknown consultant = %v, want it skipped", err)
		}

		roster, err := s.Match.Roster(ctx, tsunagari.RosterQuery{HeldFrom: t0, HeldTo: t0.Add(14 * 24 * time.Hour),
			ClientsBefore: t0, ShownSince: day - 13})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, e := range roster {
			ids = append(ids, e.Consultant.AccountID)
		}
		want := []string{c1.AccountID, c2.AccountID}
		slices.Sort(want)
		if !slices.Equal(ids, want) {
			t.Fatalf("Roster IDs = %v, want the verified %v in order", ids, want)
		}
		byID := map[string]*tsunagari.RosterEntry{}
		for _, e := range roster {
			byID[e.Consultant.AccountID] = e
		}
		e1, e2 := byID[c1.AccountID], byID[c2.AccountID]
		if e1.Consultant.DisplayName != c1.DisplayName || !slices.Equal(e1.Consultant.Themes, c1.Themes) ||
			len(e1.Consultant.Values) != 1 || !e1.Consultant.Verified() {
			t.Errorf("roster profile = %+v, want %+v, verified", e1.Consultant, c1)
		}
		wantClients := []tsunagari.ClientGroup{{AgeBand: "30s", JobFamily: "care", Clients: 1}, {AgeBand: "40s", JobFamily: "legal", Clients: 2}}
		if !slices.Equal(e1.Clients, wantClients) {
			t.Errorf("c1 clients = %+v, want %+v", e1.Clients, wantClients)
		}
		if len(e2.Clients) != 0 {
			t.Errorf("c2 clients = %+v, want none", e2.Clients)
		}
		if len(e1.Held) != 1 || !sameTime(e1.Held[0].Start, soon) || !sameTime(e1.Held[0].End, soon.Add(time.Hour)) {
			t.Errorf("c1 held = %+v, want the one session at %v", e1.Held, soon)
		}
		if len(e2.Held) != 1 {
			t.Errorf("c2 held = %+v, want one session in the window", e2.Held)
		}
		if e1.Shown != 2 || e2.Shown != 1 {
			t.Errorf("shown = %d and %d, want 2 (the repeat once, the old day not at all) and 1", e1.Shown, e2.Shown)
		}
		a2 := e2.Availability
		if a2.TimeZone != "Asia/Tokyo" || a2.BufferMinutes != 15 || a2.WeeklyMax != 7 || len(a2.Weekly) != 7 ||
			len(a2.Exceptions) != 2 || len(a2.Exceptions[0].Windows) != 0 || len(a2.Exceptions[1].Windows) != 1 ||
			a2.Exceptions[1].Windows[0] != (tsunagari.Window{Start: 600, End: 660}) {
			t.Errorf("c2 availability = %+v", a2)
		}
		if got := e1.Availability; len(got.Weekly) != 7 || got.Weekly[0].Weekday != time.Sunday || got.Weekly[0].Start != 9*60 {
			t.Errorf("c1 availability = %+v, want every day 9:00–18:00", got)
		}

		// A consultant without a saved availability gets the default.
		a4 := mustCreateAccount(t, s, account("c4@example.jp", tsunagari.RoleConsultant))
		mustSaveConsultant(t, s, consultant(a4.ID, "16000014"))
		if err := s.Consultation.VerifyConsultant(ctx, a4.ID, "", t0); err != nil {
			t.Fatal(err)
		}
		roster, _ = s.Match.Roster(ctx, tsunagari.RosterQuery{HeldFrom: t0, HeldTo: t0.Add(time.Hour), ClientsBefore: t0, ShownSince: day})
		for _, e := range roster {
			if e.Consultant.AccountID == a4.ID && (e.Availability == nil || len(e.Availability.Weekly) != 0 ||
				e.Availability.SessionMinutes != tsunagari.DefaultSessionMinutes) {
				t.Errorf("availability of a consultant who saved none = %+v, want the default", e.Availability)
			}
		}
	})

	t.Run("Marks", func(t *testing.T) {
		b := open(t)
		s := b.Stores()
		member := mustCreateAccount(t, s, account("member@example.jp"))
		other := mustCreateAccount(t, s, account("other@example.jp"))
		c1 := newConsultant(t, s, "c1@example.jp", "16000021")
		c2 := newConsultant(t, s, "c2@example.jp", "16000022")

		if marks, err := s.Match.FindMarks(ctx, member.ID); err != nil || len(marks) != 0 {
			t.Errorf("FindMarks before any = %v, %v; want none", marks, err)
		}
		set := func(m *tsunagari.ConsultantMark) {
			t.Helper()
			if err := s.Match.SetMark(ctx, m); err != nil {
				t.Fatalf("SetMark(%+v) = %v", m, err)
			}
		}
		set(&tsunagari.ConsultantMark{MemberID: member.ID, ConsultantID: c1.AccountID, Kind: tsunagari.ConsultantBookmark, CreatedAt: t0})
		set(&tsunagari.ConsultantMark{MemberID: member.ID, ConsultantID: c2.AccountID, Kind: tsunagari.ConsultantIgnore, CreatedAt: t0.Add(time.Minute)})
		set(&tsunagari.ConsultantMark{MemberID: other.ID, ConsultantID: c2.AccountID, Kind: tsunagari.ConsultantBookmark, CreatedAt: t0})
		marks, err := s.Match.FindMarks(ctx, member.ID)
		if err != nil || len(marks) != 2 || marks[0].ConsultantID != c2.AccountID || marks[0].Kind != tsunagari.ConsultantIgnore ||
			marks[1].ConsultantID != c1.AccountID || marks[1].Kind != tsunagari.ConsultantBookmark || !sameTime(marks[1].CreatedAt, t0) ||
			marks[0].MemberID != member.ID {
			t.Fatalf("FindMarks = %+v, %v; want the ignore of c2, then the bookmark of c1", marks, err)
		}
		// Marking again replaces.
		set(&tsunagari.ConsultantMark{MemberID: member.ID, ConsultantID: c2.AccountID, Kind: tsunagari.ConsultantBookmark, CreatedAt: t0.Add(time.Hour)})
		if marks, _ = s.Match.FindMarks(ctx, member.ID); len(marks) != 2 || marks[0].Kind != tsunagari.ConsultantBookmark {
			t.Errorf("after marking again = %+v, want c2 bookmarked", marks)
		}

		fp := fingerprint(t, b)
		wantErr(t, "SetMark of an unknown consultant",
			s.Match.SetMark(ctx, &tsunagari.ConsultantMark{MemberID: member.ID, ConsultantID: tsunagari.NewID(), Kind: tsunagari.ConsultantBookmark}),
			tsunagari.ErrNotFound)
		wantErr(t, "SetMark of an unknown member",
			s.Match.SetMark(ctx, &tsunagari.ConsultantMark{MemberID: tsunagari.NewID(), ConsultantID: c1.AccountID, Kind: tsunagari.ConsultantBookmark}),
			tsunagari.ErrNotFound)
		wantErr(t, "DeleteMark of another member's mark", s.Match.DeleteMark(ctx, other.ID, c1.AccountID), tsunagari.ErrNotFound)
		unchanged(t, b, fp, "refused marks")

		if err := s.Match.DeleteMark(ctx, member.ID, c1.AccountID); err != nil {
			t.Fatal(err)
		}
		wantErr(t, "DeleteMark twice", s.Match.DeleteMark(ctx, member.ID, c1.AccountID), tsunagari.ErrNotFound)
		if marks, _ = s.Match.FindMarks(ctx, member.ID); len(marks) != 1 || marks[0].ConsultantID != c2.AccountID {
			t.Errorf("after DeleteMark = %+v, want only c2", marks)
		}
		if marks, _ = s.Match.FindMarks(ctx, other.ID); len(marks) != 1 {
			t.Errorf("the other member's marks = %+v, want their one bookmark untouched", marks)
		}
	})
}

func testInventory(t *testing.T, open func(t *testing.T) Backend) {
	ctx := context.Background()

	t.Run("SaveFindDelete", func(t *testing.T) {
		b := open(t)
		s := b.Stores()
		member := mustCreateAccount(t, s, account("member@example.jp"))
		_, err := s.Inventory.FindInventory(ctx, member.ID)
		wantErr(t, "FindInventory before any save", err, tsunagari.ErrNotFound)
		if ups, err := s.Inventory.FindInventoryUpdates(ctx, member.ID, 0); err != nil || len(ups) != 0 {
			t.Errorf("FindInventoryUpdates before any save = %v, %v", ups, err)
		}

		save := func(body string, at time.Time) *tsunagari.Inventory {
			t.Helper()
			inv := &tsunagari.Inventory{MemberID: member.ID, Body: body, UpdatedAt: at}
			if err := s.Inventory.SaveInventory(ctx, inv); err != nil {
				t.Fatal(err)
			}
			return inv
		}
		save("v1.sealed-one", t0)
		inv := save("v1.sealed-two", t0.Add(time.Hour))
		if !sameTime(inv.CreatedAt, t0) {
			t.Errorf("second save: CreatedAt = %v, want the first save's %v", inv.CreatedAt, t0)
		}
		got, err := s.Inventory.FindInventory(ctx, member.ID)
		if err != nil || got.Body != "v1.sealed-two" || !sameTime(got.CreatedAt, t0) || !sameTime(got.UpdatedAt, t0.Add(time.Hour)) ||
			got.MemberID != member.ID {
			t.Errorf("FindInventory = %+v, %v; want the second body, created at t0", got, err)
		}
		now := save("v1.sealed-three", time.Time{})
		if now.UpdatedAt.IsZero() {
			t.Error("SaveInventory left UpdatedAt zero")
		}
		ups, err := s.Inventory.FindInventoryUpdates(ctx, member.ID, 2)
		if err != nil || len(ups) != 2 || !sameTime(ups[0], now.UpdatedAt) || !sameTime(ups[1], t0.Add(time.Hour)) {
			t.Errorf("FindInventoryUpdates(limit 2) = %v, %v; want the last two saves, newest first", ups, err)
		}
		if all, _ := s.Inventory.FindInventoryUpdates(ctx, member.ID, 0); len(all) != 3 {
			t.Errorf("FindInventoryUpdates(no limit) = %v, want three", all)
		}

		fp := fingerprint(t, b)
		wantErr(t, "SaveInventory of an unknown member",
			s.Inventory.SaveInventory(ctx, &tsunagari.Inventory{MemberID: tsunagari.NewID(), Body: "v1.x", UpdatedAt: t0}), tsunagari.ErrNotFound)
		other := tsunagari.NewID()
		wantErr(t, "DeleteInventory of someone without one", s.Inventory.DeleteInventory(ctx, other), tsunagari.ErrNotFound)
		unchanged(t, b, fp, "refused inventory writes")

		if err := s.Inventory.DeleteInventory(ctx, member.ID); err != nil {
			t.Fatal(err)
		}
		_, err = s.Inventory.FindInventory(ctx, member.ID)
		wantErr(t, "FindInventory after DeleteInventory", err, tsunagari.ErrNotFound)
		if ups, _ := s.Inventory.FindInventoryUpdates(ctx, member.ID, 0); len(ups) != 0 {
			t.Errorf("updates after DeleteInventory = %v, want none", ups)
		}
	})

	t.Run("Shares", func(t *testing.T) {
		b := open(t)
		s := b.Stores()
		member := mustCreateAccount(t, s, account("member@example.jp"))
		c := newConsultant(t, s, "c@example.jp", "16000031")
		bk1, err := s.Consultation.CreateBooking(ctx, booking(c, member.ID, t0.Add(48*time.Hour)), noCap, nil)
		if err != nil {
			t.Fatal(err)
		}
		bk2, err := s.Consultation.CreateBooking(ctx, booking(c, member.ID, t0.Add(96*time.Hour)), noCap, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Inventory.SaveInventory(ctx, &tsunagari.Inventory{MemberID: member.ID, Body: "v1.x", UpdatedAt: t0}); err != nil {
			t.Fatal(err)
		}
		_, err = s.Inventory.FindInventoryShare(ctx, bk1.ID)
		wantErr(t, "FindInventoryShare before sharing", err, tsunagari.ErrNotFound)

		share := func(bk *tsunagari.Booking, at time.Time) {
			t.Helper()
			if err := s.Inventory.ShareInventory(ctx, &tsunagari.InventoryShare{BookingID: bk.ID, MemberID: member.ID,
				ConsultantID: c.AccountID, SharedAt: at}); err != nil {
				t.Fatal(err)
			}
		}
		share(bk1, t0)
		share(bk2, t0.Add(time.Minute))
		share(bk1, t0.Add(time.Hour)) // again: the first share stays
		got, err := s.Inventory.FindInventoryShare(ctx, bk1.ID)
		if err != nil || got.MemberID != member.ID || got.ConsultantID != c.AccountID || !sameTime(got.SharedAt, t0) {
			t.Errorf("FindInventoryShare = %+v, %v; want the first share", got, err)
		}
		list, err := s.Inventory.FindInventoryShares(ctx, member.ID)
		if err != nil || len(list) != 2 || list[0].BookingID != bk2.ID || list[1].BookingID != bk1.ID {
			t.Errorf("FindInventoryShares = %+v, %v; want bk2 then bk1", list, err)
		}
		with, err := s.Inventory.FindSharesWith(ctx, c.AccountID)
		if err != nil || len(with) != 2 || with[0].BookingID != bk2.ID || with[1].MemberID != member.ID {
			t.Errorf("FindSharesWith = %+v, %v; want bk2 then bk1", with, err)
		}
		if with, err := s.Inventory.FindSharesWith(ctx, member.ID); err != nil || len(with) != 0 {
			t.Errorf("FindSharesWith(someone no one shared with) = %+v, %v", with, err)
		}

		fp := fingerprint(t, b)
		wantErr(t, "ShareInventory of an unknown booking",
			s.Inventory.ShareInventory(ctx, &tsunagari.InventoryShare{BookingID: tsunagari.NewID(), MemberID: member.ID,
				ConsultantID: c.AccountID, SharedAt: t0}), tsunagari.ErrNotFound)
		wantErr(t, "DeleteInventoryShare of an unshared booking", s.Inventory.DeleteInventoryShare(ctx, tsunagari.NewID()), tsunagari.ErrNotFound)
		unchanged(t, b, fp, "refused share writes")

		if err := s.Inventory.DeleteInventoryShare(ctx, bk1.ID); err != nil {
			t.Fatal(err)
		}
		_, err = s.Inventory.FindInventoryShare(ctx, bk1.ID)
		wantErr(t, "FindInventoryShare after taking it back", err, tsunagari.ErrNotFound)

		// Deleting the inventory takes every share with it.
		if err := s.Inventory.DeleteInventory(ctx, member.ID); err != nil {
			t.Fatal(err)
		}
		if list, _ := s.Inventory.FindInventoryShares(ctx, member.ID); len(list) != 0 {
			t.Errorf("shares after DeleteInventory = %+v, want none", list)
		}
	})

	t.Run("Reseal", func(t *testing.T) {
		b := open(t)
		s := b.Stores()
		m1 := mustCreateAccount(t, s, account("m1@example.jp"))
		m2 := mustCreateAccount(t, s, account("m2@example.jp"))
		for _, m := range []*tsunagari.Account{m1, m2} {
			if err := s.Inventory.SaveInventory(ctx, &tsunagari.Inventory{MemberID: m.ID, Body: "old-" + m.ID, UpdatedAt: t0}); err != nil {
				t.Fatal(err)
			}
		}
		var seen []string
		n, err := s.Inventory.ResealInventories(ctx, func(memberID, sealed string) (string, error) {
			seen = append(seen, memberID)
			if sealed != "old-"+memberID {
				t.Errorf("ResealInventories gave %q for %s", sealed, memberID)
			}
			if memberID == m2.ID {
				return "", nil // already under the current key
			}
			return "new-" + memberID, nil
		})
		if err != nil || n != 1 || len(seen) != 2 {
			t.Errorf("ResealInventories = %d, %v after %v; want 1 of 2 replaced", n, err, seen)
		}
		got1, _ := s.Inventory.FindInventory(ctx, m1.ID)
		got2, _ := s.Inventory.FindInventory(ctx, m2.ID)
		if got1.Body != "new-"+m1.ID || got2.Body != "old-"+m2.ID {
			t.Errorf("after ResealInventories: %q and %q", got1.Body, got2.Body)
		}
		if !sameTime(got1.UpdatedAt, t0) {
			t.Errorf("resealing changed UpdatedAt to %v", got1.UpdatedAt)
		}
	})
}
