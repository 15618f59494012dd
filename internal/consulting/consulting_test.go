package consulting_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"tsunagari"
	"tsunagari/internal/auth"
	"tsunagari/internal/consulting"
	"tsunagari/internal/i18n"
	"tsunagari/internal/sqlite"
	"tsunagari/internal/storetest"
)

// env is a consulting service on a real SQLite database with a clock the
// test moves.
type env struct {
	t      *testing.T
	db     *sqlite.DB
	st     tsunagari.Stores
	svc    *consulting.Service
	clock  atomic.Int64 // Unix seconds
	seq    int
	ctx    context.Context
	sealer *auth.Sealer
}

// monday10 is Monday 9 Nov 2026 10:00 in Tokyo.
var monday10 = time.Date(2026, 11, 9, 10, 0, 0, 0, tsunagari.Tokyo)

func newEnv(t *testing.T) *env {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "c.db"), sqlite.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	catalog, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	sealer, err := auth.NewSealer([]byte("consulting tests: a 32-byte key!"))
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, db: db, st: db.Stores(), ctx: context.Background(), sealer: sealer}
	e.set(monday10.AddDate(0, 0, -7)) // a week before
	e.svc = &consulting.Service{Store: e.st.Consultation, Accounts: e.st.Accounts, Sealer: sealer, Catalog: catalog,
		BaseURL: "https://tsunagari.example", Now: e.now}
	return e
}

func (e *env) now() time.Time  { return time.Unix(e.clock.Load(), 0).UTC() }
func (e *env) set(t time.Time) { e.clock.Store(t.Unix()) }
func (e *env) fingerprint() string {
	e.t.Helper()
	fp, err := e.db.Fingerprint(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	return fp
}

func (e *env) account(roles ...tsunagari.Role) *tsunagari.Account {
	e.t.Helper()
	e.seq++
	a := &tsunagari.Account{Email: "p" + string(rune('a'+e.seq)) + "@example.jp", Name: "山田 花子",
		Roles: append([]tsunagari.Role{tsunagari.RoleMember}, roles...), CreatedAt: e.now()}
	if err := e.st.Accounts.CreateAccount(e.ctx, a); err != nil {
		e.t.Fatal(err)
	}
	return a
}

// consultant returns a verified consultant available on weekdays
// 10:00–12:00 Tokyo time, 60-minute sessions with no buffer.
func (e *env) consultant(autoAccept bool, weeklyMax int) *tsunagari.Account {
	e.t.Helper()
	a := e.account(tsunagari.RoleConsultant)
	c := &tsunagari.Consultant{DisplayName: "相談 員", RegistrationNumber: "1600000" + string(rune('0'+e.seq%10)),
		Languages: []string{"ja"}, Online: true, AutoAccept: autoAccept, Themes: []string{"job_change"}}
	if err := e.svc.SaveProfile(e.ctx, a, c); err != nil {
		e.t.Fatal(err)
	}
	op := e.account(tsunagari.RoleOperator)
	if err := e.svc.Verify(e.ctx, op, a.ID, true); err != nil {
		e.t.Fatal(err)
	}
	av := &tsunagari.Availability{SessionMinutes: 60, WeeklyMax: weeklyMax}
	for d := time.Monday; d <= time.Friday; d++ {
		av.Weekly = append(av.Weekly, tsunagari.WeeklyWindow{Weekday: d, Window: tsunagari.Window{Start: 10 * 60, End: 12 * 60}})
	}
	if err := e.svc.SaveAvailability(e.ctx, a, av); err != nil {
		e.t.Fatal(err)
	}
	return a
}

func (e *env) book(member, consultant *tsunagari.Account, start time.Time) (*tsunagari.Booking, error) {
	b, _, err := e.svc.Book(e.ctx, member, consulting.BookingRequest{ConsultantID: consultant.ID, Start: start,
		Themes: []string{"job_change"}})
	return b, err
}

func wantKey(t *testing.T, what string, err error, code tsunagari.Code, key string) {
	t.Helper()
	var e *tsunagari.Error
	if !errors.As(err, &e) || e.Code != code || e.Key != key {
		t.Errorf("%s error = %v, want %s %s", what, err, code, key)
	}
}

func TestBookingRules(t *testing.T) {
	e := newEnv(t)
	c := e.consultant(true, 3)
	m := e.account()

	// Free slots: weekdays 10:00 and 11:00, from two hours ahead.
	slots, err := e.svc.Slots(e.ctx, m, c.ID, monday10, monday10.AddDate(0, 0, 7))
	if err != nil || len(slots) != 10 || !slots[0].Start.Equal(monday10) {
		t.Fatalf("Slots = %v, %v; want 10 slots from Monday 10:00", slots, err)
	}

	b, err := e.book(m, c, monday10)
	if err != nil || b.Status != tsunagari.BookingConfirmed || !b.End.Equal(monday10.Add(time.Hour)) {
		t.Fatalf("Book = %+v, %v; want a confirmed hour", b, err)
	}
	mails, _ := e.st.Outbox.FindMail(e.ctx, tsunagari.MailFilter{})
	if len(mails) != 2 {
		t.Fatalf("outbox holds %d mails after booking, want one to each side", len(mails))
	}
	for _, ml := range mails {
		if !strings.Contains(ml.Body, "/bookings/"+b.ID) || !strings.Contains(ml.Body, "2026年11月9日(月) 10:00–11:00") ||
			strings.Contains(ml.Body, "相談 員") || strings.Contains(ml.Body, "転職") {
			t.Errorf("mail to %s:\n%s\nwant the time and link, and neither name nor theme", ml.To, ml.Body)
		}
	}
	// The slot is gone from the free ones; the adjacent 11:00 is free.
	slots, _ = e.svc.Slots(e.ctx, m, c.ID, monday10, monday10.Add(24*time.Hour))
	if len(slots) != 1 || !slots[0].Start.Equal(monday10.Add(time.Hour)) {
		t.Errorf("Slots after booking 10:00 = %v, want only 11:00", slots)
	}
	if _, err := e.book(e.account(), c, monday10.Add(time.Hour)); err != nil {
		t.Errorf("booking the adjacent 11:00 = %v", err)
	}

	fp := e.fingerprint()
	for _, tc := range []struct {
		name  string
		start time.Time
		code  tsunagari.Code
		key   string
	}{
		{"taken", monday10, tsunagari.CodeConflict, "consultation.slot_taken"},
		{"in the past", e.now().Add(-time.Hour), tsunagari.CodeInvalid, "consultation.slot_past"},
		{"too soon", e.now().Add(time.Hour), tsunagari.CodeInvalid, "consultation.slot_too_soon"},
		{"outside availability", monday10.Add(-time.Hour), tsunagari.CodeInvalid, "consultation.slot_unavailable"},
		{"off the grid", monday10.Add(30 * time.Minute), tsunagari.CodeInvalid, "consultation.slot_unavailable"},
		{"beyond the horizon", monday10.AddDate(0, 3, 0), tsunagari.CodeInvalid, "consultation.slot_unavailable"},
	} {
		_, err := e.book(m, c, tc.start)
		wantKey(t, "Book("+tc.name+")", err, tc.code, tc.key)
	}
	_, _, err = e.svc.Book(e.ctx, m, consulting.BookingRequest{ConsultantID: c.ID, Start: monday10.AddDate(0, 0, 1)})
	wantKey(t, "Book(no theme)", err, tsunagari.CodeInvalid, "consultation.theme_required")
	_, err = e.book(c, c, monday10.AddDate(0, 0, 1))
	wantKey(t, "Book(oneself)", err, tsunagari.CodeInvalid, "consultation.own_booking")
	_, err = e.book(m, m, monday10.AddDate(0, 0, 1))
	wantKey(t, "Book(not a consultant)", err, tsunagari.CodeNotFound, "error.not_found")
	if e.fingerprint() != fp {
		t.Error("refused bookings changed the database")
	}

	// The weekly maximum of 3: one more this week, then the week is full.
	if _, err := e.book(m, c, monday10.AddDate(0, 0, 2)); err != nil {
		t.Fatal(err)
	}
	fp = e.fingerprint()
	_, err = e.book(m, c, monday10.AddDate(0, 0, 3))
	wantKey(t, "Book(over the weekly maximum)", err, tsunagari.CodeConflict, "consultation.week_full")
	if got := e.fingerprint(); got != fp {
		t.Error("a refused booking changed the database")
	}
	if slots, _ := e.svc.Slots(e.ctx, m, c.ID, monday10, monday10.AddDate(0, 0, 5)); len(slots) != 0 {
		t.Errorf("Slots in a full week = %v, want none", slots)
	}
	if _, err := e.book(m, c, monday10.AddDate(0, 0, 7)); err != nil {
		t.Errorf("booking next week = %v", err)
	}
}

func TestIdempotentRetry(t *testing.T) {
	e := newEnv(t)
	c := e.consultant(true, 10)
	m := e.account()
	req := consulting.BookingRequest{ConsultantID: c.ID, Start: monday10, Themes: []string{"side_job"}, IdempotencyKey: "req-0001-abcd"}
	first, made, err := e.svc.Book(e.ctx, m, req)
	if err != nil || !made {
		t.Fatalf("Book = %v, %v, %v", first, made, err)
	}
	fp := e.fingerprint()
	again, made, err := e.svc.Book(e.ctx, m, req)
	if err != nil || made || again.ID != first.ID {
		t.Errorf("retried Book = %v, made %v, %v; want booking %s again", again, made, err, first.ID)
	}
	if e.fingerprint() != fp {
		t.Error("a retried request changed the database (a second booking or mail)")
	}
	req.Start = monday10.Add(time.Hour)
	_, _, err = e.svc.Book(e.ctx, m, req)
	wantKey(t, "Book(same key, other slot)", err, tsunagari.CodeConflict, "consultation.idempotency_key_reused")
}

func TestConfirmCancelReschedule(t *testing.T) {
	e := newEnv(t)
	c := e.consultant(false, 10)
	m := e.account()
	b, err := e.book(m, c, monday10)
	if err != nil || b.Status != tsunagari.BookingPending {
		t.Fatalf("Book with a consultant who confirms = %+v, %v; want pending", b, err)
	}
	// Only the consultant confirms.
	wantKey(t, "Confirm by the member", e.svc.Confirm(e.ctx, m, b.ID), tsunagari.CodeNotFound, "error.not_found")
	if err := e.svc.Confirm(e.ctx, c, b.ID); err != nil {
		t.Fatal(err)
	}
	wantKey(t, "Confirm twice", e.svc.Confirm(e.ctx, c, b.ID), tsunagari.CodeConflict, "consultation.not_pending")

	// The member moves it a day later: the new booking waits for the
	// consultant again.
	moved, err := e.svc.Reschedule(e.ctx, m, b.ID, monday10.AddDate(0, 0, 1))
	if err != nil || moved.Status != tsunagari.BookingPending || moved.RescheduledFrom != b.ID {
		t.Fatalf("Reschedule = %+v, %v", moved, err)
	}
	old, _ := e.svc.Booking(e.ctx, m, b.ID)
	if old.Status != tsunagari.BookingRescheduled || old.RescheduledTo != moved.ID {
		t.Errorf("old booking = %+v", old.Booking)
	}
	_, err = e.svc.Reschedule(e.ctx, c, moved.ID, monday10.AddDate(0, 0, 2))
	wantKey(t, "Reschedule by the consultant", err, tsunagari.CodeNotFound, "error.not_found")

	// Inside 24 hours: no more moving; a cancellation is late.
	e.set(monday10.AddDate(0, 0, 1).Add(-5 * time.Hour))
	_, err = e.svc.Reschedule(e.ctx, m, moved.ID, monday10.AddDate(0, 0, 2))
	wantKey(t, "Reschedule inside 24h", err, tsunagari.CodeConflict, "consultation.reschedule_too_late")
	cancelled, err := e.svc.Cancel(e.ctx, m, moved.ID)
	if err != nil || !cancelled.LateCancel || cancelled.Status != tsunagari.BookingCancelled {
		t.Errorf("late Cancel = %+v, %v; want a late cancellation", cancelled, err)
	}
	_, err = e.svc.Cancel(e.ctx, m, moved.ID)
	wantKey(t, "Cancel twice", err, tsunagari.CodeConflict, "consultation.not_active")

	// A consultant's decline is never late; a started session is fixed.
	b2, _ := e.book(m, c, monday10.AddDate(0, 0, 2))
	if got, err := e.svc.Cancel(e.ctx, c, b2.ID); err != nil || got.LateCancel {
		t.Errorf("Cancel by the consultant = %+v, %v", got, err)
	}
	b3, _ := e.book(m, c, monday10.AddDate(0, 0, 3))
	e.set(monday10.AddDate(0, 0, 3).Add(time.Minute))
	_, err = e.svc.Cancel(e.ctx, m, b3.ID)
	wantKey(t, "Cancel after the start", err, tsunagari.CodeConflict, "consultation.already_started")
}

func TestRecordsArePrivateAndSealed(t *testing.T) {
	e := newEnv(t)
	c := e.consultant(true, 10)
	other := e.consultant(true, 10)
	m := e.account()
	stranger := e.account()
	hr := e.account(tsunagari.RoleHRAdmin)
	op := e.account(tsunagari.RoleOperator)
	b, err := e.book(m, c, monday10)
	if err != nil {
		t.Fatal(err)
	}
	const canary = "カナリア-面談メモ-7f3a"
	fp := e.fingerprint()
	wantKey(t, "WriteNote before the session", e.svc.WriteNote(e.ctx, c, b.ID, canary, nil),
		tsunagari.CodeConflict, "consultation.session_not_yet")
	e.set(monday10.Add(70 * time.Minute))
	wantKey(t, "WriteNote too long", e.svc.WriteNote(e.ctx, c, b.ID, strings.Repeat("あ", tsunagari.MaxNoteLen+1), nil),
		tsunagari.CodeInvalid, "consultation.text_too_long")
	wantKey(t, "WriteNote by the member", e.svc.WriteNote(e.ctx, m, b.ID, canary, nil), tsunagari.CodeNotFound, "error.not_found")
	refl := &tsunagari.Reflection{Items: []tsunagari.ReflectionItem{{ID: "realised", Text: canary}}}
	wantKey(t, "WriteReflection by someone else", e.svc.WriteReflection(e.ctx, stranger, b.ID, refl),
		tsunagari.CodeNotFound, "error.not_found")
	wantKey(t, "WriteReflection by the consultant", e.svc.WriteReflection(e.ctx, c, b.ID, refl),
		tsunagari.CodeNotFound, "error.not_found")
	if e.fingerprint() != fp {
		t.Fatal("refused records changed the database")
	}

	if err := e.svc.WriteNote(e.ctx, c, b.ID, canary, []string{"job_change", "learning"}); err != nil {
		t.Fatal(err)
	}
	refl = &tsunagari.Reflection{Rating: 5, ShareRating: true, Items: []tsunagari.ReflectionItem{
		{ID: "realised", Text: canary + " 内省"}, {ID: "next_step", Text: "上司と話す", Share: true}}}
	if err := e.svc.WriteReflection(e.ctx, m, b.ID, refl); err != nil {
		t.Fatal(err)
	}
	if n, err := e.svc.Note(e.ctx, c, b.ID); err != nil || n.Text != canary {
		t.Errorf("Note for its consultant = %+v, %v", n, err)
	}
	if r, err := e.svc.Reflection(e.ctx, m, b.ID); err != nil || len(r.Items) != 2 || r.Items[0].Text != canary+" 内省" ||
		!slices.Equal(r.Shared, []string{"next_step"}) || r.Rating != 5 {
		t.Errorf("Reflection for its member = %+v, %v", r, err)
	}
	// Everyone else: not found, for the booking, the note and the reflection.
	for name, who := range map[string]*tsunagari.Account{"another consultant": other, "another member": stranger, "HR": hr, "operator": op} {
		_, err := e.svc.Booking(e.ctx, who, b.ID)
		wantKey(t, "Booking as "+name, err, tsunagari.CodeNotFound, "error.not_found")
		_, err = e.svc.Note(e.ctx, who, b.ID)
		wantKey(t, "Note as "+name, err, tsunagari.CodeNotFound, "error.not_found")
		_, err = e.svc.Reflection(e.ctx, who, b.ID)
		wantKey(t, "Reflection as "+name, err, tsunagari.CodeNotFound, "error.not_found")
		_, err = e.svc.ICS(e.ctx, who, b.ID)
		wantKey(t, "ICS as "+name, err, tsunagari.CodeNotFound, "error.not_found")
	}
	_, err = e.svc.Note(e.ctx, m, b.ID)
	wantKey(t, "Note as the member", err, tsunagari.CodeNotFound, "error.not_found")
	_, err = e.svc.Reflection(e.ctx, c, b.ID)
	wantKey(t, "Reflection as the consultant", err, tsunagari.CodeNotFound, "error.not_found")

	// Nothing of either record is in the database in the clear.
	dump, err := e.db.Dump(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	for table, rows := range dump {
		for _, row := range rows {
			if strings.Contains(strings.Join(row, "\x00"), "カナリア") {
				t.Errorf("table %s holds the canary in the clear: %v", table, row)
			}
		}
	}
	found, _ := e.svc.Booking(e.ctx, c, b.ID)
	if !slices.Equal(found.ConfirmedThemes, []string{"job_change", "learning"}) || found.MemberName != "山田 花子" {
		t.Errorf("booking for the consultant = %+v, member %q", found.Booking, found.MemberName)
	}
}

func TestKeyRotation(t *testing.T) {
	e := newEnv(t)
	c := e.consultant(true, 10)
	m := e.account()
	b, _ := e.book(m, c, monday10)
	e.set(monday10.Add(2 * time.Hour))
	if err := e.svc.WriteNote(e.ctx, c, b.ID, "旧鍵のメモ", nil); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.WriteReflection(e.ctx, m, b.ID, &tsunagari.Reflection{Items: []tsunagari.ReflectionItem{{ID: "feeling", Text: "すっきり"}}}); err != nil {
		t.Fatal(err)
	}
	oldKey := []byte("consulting tests: a 32-byte key!")
	newKey := []byte("consulting tests: the next key!!")
	rotated, _ := auth.NewSealer(newKey, oldKey)
	e.svc.Sealer = rotated
	if n, err := e.svc.Note(e.ctx, c, b.ID); err != nil || n.Text != "旧鍵のメモ" {
		t.Fatalf("Note after rotation, before Reseal = %+v, %v", n, err)
	}
	if n, err := e.svc.Reseal(e.ctx); err != nil || n != 2 {
		t.Fatalf("Reseal = %d, %v; want 2 moved", n, err)
	}
	if n, err := e.svc.Reseal(e.ctx); err != nil || n != 0 {
		t.Errorf("Reseal again = %d, %v; want 0", n, err)
	}
	e.svc.Sealer, _ = auth.NewSealer(newKey)
	if n, err := e.svc.Note(e.ctx, c, b.ID); err != nil || n.Text != "旧鍵のメモ" {
		t.Errorf("Note with the new key alone = %+v, %v", n, err)
	}
	if r, err := e.svc.Reflection(e.ctx, m, b.ID); err != nil || r.Items[0].Text != "すっきり" {
		t.Errorf("Reflection with the new key alone = %+v, %v", r, err)
	}
}

func TestRemindersAndICS(t *testing.T) {
	e := newEnv(t)
	c := e.consultant(true, 10)
	m := e.account()
	b, _ := e.book(m, c, monday10)
	later, _ := e.book(m, c, monday10.AddDate(0, 0, 3))
	e.set(monday10.Add(-20 * time.Hour))
	before, _ := e.st.Outbox.FindMail(e.ctx, tsunagari.MailFilter{})
	if n, err := e.svc.SendReminders(e.ctx); err != nil || n != 1 {
		t.Fatalf("SendReminders = %d, %v; want 1", n, err)
	}
	if n, _ := e.svc.SendReminders(e.ctx); n != 0 {
		t.Errorf("SendReminders again = %d, want 0", n)
	}
	after, _ := e.st.Outbox.FindMail(e.ctx, tsunagari.MailFilter{})
	if len(after)-len(before) != 2 || after[0].Kind != "booking_reminder" {
		t.Errorf("reminders in the outbox: %d new, kind %s; want 2", len(after)-len(before), after[0].Kind)
	}
	_ = later

	ics, err := e.svc.ICS(e.ctx, m, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	text := string(ics)
	for _, want := range []string{"BEGIN:VCALENDAR\r\n", "UID:" + b.ID + "@tsunagari\r\n", "DTSTART:20261109T010000Z\r\n",
		"DTEND:20261109T020000Z\r\n", "STATUS:CONFIRMED\r\n", "END:VCALENDAR\r\n"} {
		if !strings.Contains(text, want) {
			t.Errorf("ICS lacks %q:\n%s", want, text)
		}
	}
	for _, line := range strings.Split(strings.TrimSuffix(text, "\r\n"), "\r\n") {
		if len(line) > 75 || strings.Contains(line, "\n") || !utf8Valid(line) {
			t.Errorf("ICS line of %d octets or broken: %q", len(line), line)
		}
	}
	if _, err := e.svc.ICS(e.ctx, c, b.ID); err != nil {
		t.Errorf("ICS for the consultant: %v", err)
	}
}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "\uFFFD") == s }

// BenchmarkBook books distinct free slots through the service on SQLite,
// from many members at once: the profile and availability lookups, the
// idempotency check, the slot rules, both mails, and the store's group
// commit. It reports bookings per second.
func BenchmarkBook(b *testing.B) {
	db, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"), sqlite.Options{Migrate: true})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	catalog, _ := i18n.New()
	sealer, _ := auth.NewSealer([]byte("consulting bench: a 32-byte key!"))
	st := db.Stores()
	ctx := context.Background()
	now := monday10.AddDate(0, 0, -7)
	svc := &consulting.Service{Store: st.Consultation, Accounts: st.Accounts, Sealer: sealer, Catalog: catalog,
		BaseURL: "https://tsunagari.example", Now: func() time.Time { return now }}
	const consultants = 200
	var ids []string
	var members []*tsunagari.Account
	for i := range consultants {
		c := &tsunagari.Account{Email: fmt.Sprintf("c%d@example.jp", i), Name: "相談 員", Roles: []tsunagari.Role{tsunagari.RoleMember, tsunagari.RoleConsultant}}
		m := &tsunagari.Account{Email: fmt.Sprintf("m%d@example.jp", i), Name: "相談 者", Roles: []tsunagari.Role{tsunagari.RoleMember}}
		if err := st.Accounts.CreateAccounts(ctx, []*tsunagari.Account{c, m}); err != nil {
			b.Fatal(err)
		}
		if err := st.Consultation.SaveConsultant(ctx, &tsunagari.Consultant{AccountID: c.ID, DisplayName: "相談 員",
			RegistrationNumber: fmt.Sprintf("%08d", 80000000+i), Languages: []string{"ja"}, Online: true, AutoAccept: true}); err != nil {
			b.Fatal(err)
		}
		if err := st.Consultation.VerifyConsultant(ctx, c.ID, "", now); err != nil {
			b.Fatal(err)
		}
		av := &tsunagari.Availability{ConsultantID: c.ID, SessionMinutes: 60, WeeklyMax: tsunagari.MaxWeeklyMax}
		for d := time.Sunday; d <= time.Saturday; d++ {
			av.Weekly = append(av.Weekly, tsunagari.WeeklyWindow{Weekday: d, Window: tsunagari.Window{Start: 0, End: 24 * 60}})
		}
		if err := st.Consultation.SaveAvailability(ctx, av); err != nil {
			b.Fatal(err)
		}
		ids, members = append(ids, c.ID), append(members, m)
	}
	// Slot k of a consultant: the k%60-th hour of week k/60 from Monday
	// 9 November, so that no week goes over the maximum of 60.
	var next atomic.Int64
	b.ResetTimer()
	cpu := storetest.CPUTime()
	defer func() { storetest.ReportCPU(b, cpu) }()
	b.SetParallelism(16)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n := next.Add(1) - 1
			c, k := int(n%consultants), int(n/consultants)
			if k >= 60*7 {
				b.Error("out of slots: lower -benchtime")
				return
			}
			week, _ := tsunagari.WeekOf(monday10, tsunagari.Tokyo)
			start := week.AddDate(0, 0, 7*(k/60)).Add(time.Duration(k%60) * time.Hour)
			_, made, err := svc.Book(ctx, members[(c+1)%consultants], consulting.BookingRequest{ConsultantID: ids[c], Start: start,
				Themes: []string{"job_change"}, IdempotencyKey: fmt.Sprintf("benchmark-%d", n)})
			if err != nil || !made {
				b.Errorf("Book(%v) = %v, %v", start, made, err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "bookings/s")
}

// TestLeaving: when a side deletes their account, the other side of each
// upcoming session, and only of those, is told; the member's own copy
// opens their reflection; and the consultant's note on a past session of
// a member who left is kept for NoteRetentionYears after it, no longer.
func TestLeaving(t *testing.T) {
	e := newEnv(t)
	c := e.consultant(true, 10)
	m := e.account()
	held, err := e.book(m, c, monday10)
	if err != nil {
		t.Fatal(err)
	}
	coming, err := e.book(m, c, monday10.AddDate(0, 0, 1))
	if err != nil {
		t.Fatal(err)
	}
	cancelled, err := e.book(m, c, monday10.AddDate(0, 0, 2))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Cancel(e.ctx, m, cancelled.ID); err != nil {
		t.Fatal(err)
	}
	e.set(held.End.Add(time.Minute))
	if err := e.svc.WriteNote(e.ctx, c, held.ID, "記録: 育児との両立", nil); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.WriteReflection(e.ctx, m, held.ID, &tsunagari.Reflection{
		Items: []tsunagari.ReflectionItem{{ID: "realised", Text: "話して気づいた"}}}); err != nil {
		t.Fatal(err)
	}

	for _, tt := range []struct {
		who      *tsunagari.Account
		to, kind string
		link     bool
	}{
		{m, c.Email, "booking_member_left", false},
		{c, m.Email, "booking_consultant_left", true},
	} {
		mails, err := e.svc.ErasureNotices(e.ctx, tt.who)
		if err != nil || len(mails) != 1 || mails[0].To != tt.to || mails[0].Kind != tt.kind ||
			strings.Contains(mails[0].Body, "/bookings/"+coming.ID) != tt.link || strings.Contains(mails[0].Body, "山田") {
			t.Fatalf("ErasureNotices(%s) = %+v, %v; want one %s to %s for the coming session only, naming nobody",
				tt.who.Email, mails, err, tt.kind, tt.to)
		}
	}

	recs, err := e.st.Personal.ExportPersonalData(e.ctx, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.svc.OpenPersonalRecords(e.ctx, m.ID, recs); err != nil {
		t.Fatal(err)
	}
	opened := 0
	for _, r := range recs {
		if items, ok := r.Fields["items"].([]tsunagari.ReflectionItem); ok && r.Kind == tsunagari.PersonalReflection &&
			len(items) == 1 && items[0].Text == "話して気づいた" {
			opened++
		}
	}
	if opened != 1 {
		t.Errorf("the member's copy has %d opened reflections, want 1", opened)
	}
	// Sealed for its owner, it does not open for anybody else.
	theirs, _ := e.st.Personal.ExportPersonalData(e.ctx, m.ID)
	if err := e.svc.OpenPersonalRecords(e.ctx, c.ID, theirs); err == nil {
		t.Error("the member's reflection opened for the consultant")
	}

	if err := e.st.Personal.ErasePersonalData(e.ctx, m.ID); err != nil {
		t.Fatal(err)
	}
	e.set(held.End.AddDate(tsunagari.NoteRetentionYears, 0, 0).Add(-time.Minute))
	if n, err := e.svc.PurgeKeptNotes(e.ctx); err != nil || n != 0 {
		t.Errorf("PurgeKeptNotes before the time is up = %d, %v", n, err)
	}
	if note, err := e.svc.Note(e.ctx, c, held.ID); err != nil || note.Text != "記録: 育児との両立" {
		t.Errorf("the kept note = %+v, %v; want it readable by its consultant", note, err)
	}
	e.set(held.End.AddDate(tsunagari.NoteRetentionYears, 0, 0).Add(time.Second))
	if n, err := e.svc.PurgeKeptNotes(e.ctx); err != nil || n != 1 {
		t.Errorf("PurgeKeptNotes when the time is up = %d, %v; want the one session", n, err)
	}
	_, err = e.svc.Note(e.ctx, c, held.ID)
	wantKey(t, "Note(purged)", err, tsunagari.CodeNotFound, "error.not_found")
}
