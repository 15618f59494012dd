package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"tsunagari"
	"tsunagari/internal/sqlite"
)

// consultantSeq numbers the registration numbers of test consultants.
var consultantSeq atomic.Int64

// consultant creates an account with the consultant role and a verified
// profile, available every day around the clock in 60-minute sessions, so
// that free slots exist whenever the test runs. It is enrolled for
// two-step sign-in, as its role requires.
func (e *testEnv) consultant(email string, autoAccept bool) *tsunagari.Account {
	e.t.Helper()
	a := e.account(email, "", tsunagari.RoleConsultant)
	e.enrol(a)
	e.consultantProfile(a, autoAccept)
	return a
}

// consultantProfile gives a a verified profile and round-the-clock
// availability, directly in the store.
func (e *testEnv) consultantProfile(a *tsunagari.Account, autoAccept bool) {
	e.t.Helper()
	ctx := context.Background()
	c := &tsunagari.Consultant{AccountID: a.ID, DisplayName: "相談 員子", RegistrationNumber: fmt.Sprintf("%08d", 20000000+consultantSeq.Add(1)),
		Languages: []string{"ja"}, Online: true, AutoAccept: autoAccept, Themes: []string{"job_change", "care_balance"},
		Message: "傾聴を大切にしています。"}
	if err := c.Validate(); err != nil {
		e.t.Fatal(err)
	}
	if err := e.stores.Consultation.SaveConsultant(ctx, c); err != nil {
		e.t.Fatal(err)
	}
	if err := e.stores.Consultation.VerifyConsultant(ctx, a.ID, "", time.Now()); err != nil {
		e.t.Fatal(err)
	}
	av := &tsunagari.Availability{ConsultantID: a.ID, SessionMinutes: 60, WeeklyMax: tsunagari.MaxWeeklyMax}
	for d := time.Sunday; d <= time.Saturday; d++ {
		av.Weekly = append(av.Weekly, tsunagari.WeeklyWindow{Weekday: d, Window: tsunagari.Window{Start: 0, End: 24 * 60}})
	}
	if err := e.stores.Consultation.SaveAvailability(ctx, av); err != nil {
		e.t.Fatal(err)
	}
}

// freeSlot returns the n-th free slot of a consultant from a day ahead.
func (e *testEnv) freeSlot(consultantID string, n int) time.Time {
	e.t.Helper()
	viewer := &tsunagari.Account{ID: tsunagari.NewID(), Roles: []tsunagari.Role{tsunagari.RoleMember}}
	from := time.Now().Add(25 * time.Hour)
	slots, err := e.consulting.Slots(context.Background(), viewer, consultantID, from, from.AddDate(0, 0, 14))
	if err != nil || len(slots) <= n {
		e.t.Fatalf("free slots of %s: %d, %v", consultantID, len(slots), err)
	}
	return slots[n].Start
}

// pastSession stores a confirmed booking of member with consultant that
// began an hour ago: records may be written for it.
func (e *testEnv) pastSession(memberID, consultantID string) *tsunagari.Booking {
	e.t.Helper()
	start := time.Now().Add(-time.Hour).UTC().Truncate(time.Hour)
	for {
		now := time.Now()
		b := &tsunagari.Booking{ConsultantID: consultantID, MemberID: memberID, Start: start, End: start.Add(time.Hour),
			BlockedUntil: start.Add(time.Hour), Status: tsunagari.BookingConfirmed, Themes: []string{"job_change"},
			CreatedAt: now.Add(-48 * time.Hour), ConfirmedAt: &now}
		_, err := e.stores.Consultation.CreateBooking(context.Background(), b, tsunagari.WeekCap{}, nil)
		switch {
		case err == nil:
			return b
		case tsunagari.IsBookingConflict(err):
			start = start.Add(-time.Hour) // that hour is taken: one earlier
		default:
			e.t.Fatal(err)
		}
	}
}

// bookJSON is the body of createBooking for a slot of a consultant.
func bookJSON(consultantID string, start time.Time, key string) string {
	body := fmt.Sprintf(`{"consultantId":%q,"start":%q,"themes":["job_change"]`, consultantID, start.UTC().Format(time.RFC3339))
	if key != "" {
		body += fmt.Sprintf(`,"idempotencyKey":%q`, key)
	}
	return body + "}"
}

type bookingBody struct {
	ID, Status, ConsultantID string
	MemberName               string
	Start                    time.Time
}

// consultationScenario drives every consultation operation through the
// API, checking each request and answer against the document.
func consultationScenario(t *testing.T, e *testEnv, v *apiValidator) {
	cons := e.consultant("consultant@example.jp", false)
	e.account("c-member@example.jp", "")
	other := e.account("c-other@example.jp", "")
	member := e.signIn("c-member@example.jp")
	consultant := e.signIn("consultant@example.jp")
	stranger := e.client()
	e.startSession(stranger, other)
	anon := e.client()

	v.call(anon, "listConsultants", "GET", "/api/v1/consultants", "", 401)
	v.call(member, "listConsultants", "GET", "/api/v1/consultants", "", 200)
	v.call(member, "listConsultants", "GET", "/api/v1/consultants?theme=care_balance&limit=5", "", 200)
	v.call(member, "listConsultants", "GET", "/api/v1/consultants?theme=astrology", "", 422)
	v.call(member, "getConsultant", "GET", "/api/v1/consultants/"+cons.ID, "", 200)
	v.call(member, "getConsultant", "GET", "/api/v1/consultants/"+other.ID, "", 404)
	slots := decode[[]tsunagari.Slot](t, v.call(member, "listSlots", "GET", "/api/v1/consultants/"+cons.ID+"/slots", "", 200))
	if len(slots) < 48 {
		t.Fatalf("listSlots gave %d slots, want a round-the-clock day at least", len(slots))
	}
	v.call(member, "listSlots", "GET", "/api/v1/consultants/"+cons.ID+"/slots?from=yesterday", "", 422)
	v.call(member, "listSlots", "GET", "/api/v1/consultants/"+other.ID+"/slots", "", 404)

	first := e.freeSlot(cons.ID, 0)
	b := decode[bookingBody](t, v.call(member, "createBooking", "POST", "/api/v1/bookings", bookJSON(cons.ID, first, ""), 201,
		"Idempotency-Key", "scenario-key-1"))
	if b.Status != "pending" {
		t.Errorf("createBooking with a consultant who confirms = %s, want pending", b.Status)
	}
	again := decode[bookingBody](t, v.call(member, "createBooking", "POST", "/api/v1/bookings", bookJSON(cons.ID, first, ""), 200,
		"Idempotency-Key", "scenario-key-1"))
	if again.ID != b.ID {
		t.Errorf("retried createBooking = %s, want %s", again.ID, b.ID)
	}
	v.call(stranger, "createBooking", "POST", "/api/v1/bookings", bookJSON(cons.ID, first, ""), 409)
	v.call(member, "createBooking", "POST", "/api/v1/bookings", bookJSON(cons.ID, time.Now().Add(-time.Hour), ""), 422)
	v.call(member, "createBooking", "POST", "/api/v1/bookings", bookJSON(other.ID, first, ""), 404)
	v.call(member, "createBooking", "POST", "/api/v1/bookings", `{"consultantId":"`+cons.ID+`"}`, 422)

	v.call(member, "listBookings", "GET", "/api/v1/bookings", "", 200)
	v.call(member, "listBookings", "GET", "/api/v1/bookings?as=consultant", "", 404)
	v.call(consultant, "listBookings", "GET", "/api/v1/bookings?as=consultant", "", 200)
	v.call(member, "getBooking", "GET", "/api/v1/bookings/"+b.ID, "", 200)
	if got := decode[bookingBody](t, v.call(consultant, "getBooking", "GET", "/api/v1/bookings/"+b.ID, "", 200)); got.MemberName != "山田 花子" {
		t.Errorf("getBooking for the consultant: memberName %q", got.MemberName)
	}
	v.call(stranger, "getBooking", "GET", "/api/v1/bookings/"+b.ID, "", 404)

	v.call(member, "confirmBooking", "POST", "/api/v1/bookings/"+b.ID+"/confirm", "", 404)
	v.call(consultant, "confirmBooking", "POST", "/api/v1/bookings/"+b.ID+"/confirm", "", 200)
	v.call(consultant, "confirmBooking", "POST", "/api/v1/bookings/"+b.ID+"/confirm", "", 409)

	second := e.freeSlot(cons.ID, 3)
	moved := decode[bookingBody](t, v.call(member, "rescheduleBooking", "POST", "/api/v1/bookings/"+b.ID+"/reschedule",
		`{"start":"`+second.Format(time.RFC3339)+`"}`, 201))
	v.call(member, "rescheduleBooking", "POST", "/api/v1/bookings/"+b.ID+"/reschedule", `{"start":"`+second.Format(time.RFC3339)+`"}`, 409)
	v.call(member, "rescheduleBooking", "POST", "/api/v1/bookings/"+moved.ID+"/reschedule", `{"start":"soon"}`, 422)
	v.call(consultant, "rescheduleBooking", "POST", "/api/v1/bookings/"+moved.ID+"/reschedule", `{"start":"`+first.Format(time.RFC3339)+`"}`, 404)
	v.call(member, "cancelBooking", "POST", "/api/v1/bookings/"+moved.ID+"/cancel", "", 200)
	v.call(member, "cancelBooking", "POST", "/api/v1/bookings/"+moved.ID+"/cancel", "", 409)
	v.call(stranger, "cancelBooking", "POST", "/api/v1/bookings/"+b.ID+"/cancel", "", 404)

	past := e.pastSession(e.mustAccount("c-member@example.jp").ID, cons.ID)
	v.call(consultant, "getNote", "GET", "/api/v1/bookings/"+past.ID+"/note", "", 200)
	v.call(consultant, "writeNote", "PUT", "/api/v1/bookings/"+past.ID+"/note", `{"text":"転職の迷い。次回は棚卸し。","confirmedThemes":["job_change"]}`, 200)
	v.call(consultant, "writeNote", "PUT", "/api/v1/bookings/"+past.ID+"/note", `{"text":"`+strings.Repeat("あ", 10001)+`"}`, 422)
	v.call(consultant, "writeNote", "PUT", "/api/v1/bookings/"+moved.ID+"/note", `{"text":"まだ"}`, 409)
	v.call(member, "getNote", "GET", "/api/v1/bookings/"+past.ID+"/note", "", 404)
	v.call(member, "writeNote", "PUT", "/api/v1/bookings/"+past.ID+"/note", `{"text":"x"}`, 404)
	v.call(member, "getReflection", "GET", "/api/v1/bookings/"+past.ID+"/reflection", "", 200)
	v.call(member, "writeReflection", "PUT", "/api/v1/bookings/"+past.ID+"/reflection",
		`{"items":[{"id":"realised","text":"話すと整理できた","share":false},{"id":"next_step","text":"上司と面談","share":true}],"rating":5,"shareRating":true}`, 200)
	v.call(member, "writeReflection", "PUT", "/api/v1/bookings/"+past.ID+"/reflection", `{"rating":9}`, 422)
	v.call(consultant, "getReflection", "GET", "/api/v1/bookings/"+past.ID+"/reflection", "", 404)
	v.call(stranger, "writeReflection", "PUT", "/api/v1/bookings/"+past.ID+"/reflection", `{"rating":3}`, 404)
}

// mustAccount finds an account by email.
func (e *testEnv) mustAccount(email string) *tsunagari.Account {
	e.t.Helper()
	a, err := e.stores.Accounts.FindAccountByEmail(context.Background(), email)
	if err != nil {
		e.t.Fatal(err)
	}
	return a
}

// TestBookingRace sends many bookings of one slot at once, from as many
// members, and many of two adjacent slots: exactly one wins each slot,
// every other request gets a clear, localised 409, and nothing fails.
func TestBookingRace(t *testing.T) {
	onBoth(t, func(t *testing.T, open func(testing.TB) backend) {
		e := newTestEnvOn(t, open(t))
		cons := e.consultant("race-consultant@example.jp", true)
		const n = 200
		clients := make([]*http.Client, n)
		for i := range clients {
			a := e.account(fmt.Sprintf("racer%d@example.jp", i), "")
			clients[i] = e.client()
			e.startSession(clients[i], a)
		}
		slot := e.freeSlot(cons.ID, 0)
		adjacent := [2]time.Time{e.freeSlot(cons.ID, 5), e.freeSlot(cons.ID, 6)}
		if !adjacent[1].Equal(adjacent[0].Add(time.Hour)) {
			t.Fatalf("slots %v and %v are not adjacent", adjacent[0], adjacent[1])
		}

		race := func(name string, start func(i int) time.Time, wantWinners int) {
			t.Helper()
			var (
				wg      sync.WaitGroup
				mu      sync.Mutex
				status  = map[int]int{}
				winners []string
			)
			gate := make(chan struct{})
			for i, c := range clients {
				wg.Go(func() {
					<-gate
					res := e.api(c, "POST", "/api/v1/bookings", bookJSON(cons.ID, start(i), ""))
					mu.Lock()
					defer mu.Unlock()
					status[res.StatusCode]++
					switch res.StatusCode {
					case http.StatusCreated:
						var b bookingBody
						json.Unmarshal([]byte(res.body), &b)
						winners = append(winners, b.ID)
					case http.StatusConflict:
						if !strings.Contains(res.body, `"message":"この枠はすでに予約されています。別の枠を選んでください。"`) {
							t.Errorf("%s: a 409 without the localised message: %s", name, res.body)
						}
					default:
						t.Errorf("%s: status %d: %s", name, res.StatusCode, res.body)
					}
				})
			}
			close(gate)
			wg.Wait()
			if len(winners) != wantWinners || status[http.StatusConflict] != n-wantWinners {
				t.Errorf("%s: answers %v; want %d × 201 and %d × 409", name, status, wantWinners, n-wantWinners)
			}
		}
		race("one slot", func(int) time.Time { return slot }, 1)
		race("two adjacent slots", func(i int) time.Time { return adjacent[i%2] }, 2)

		// No two confirmed bookings of the consultant overlap.
		bs, err := e.stores.Consultation.FindBookings(context.Background(), tsunagari.BookingFilter{ConsultantID: cons.ID, Active: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(bs) != 3 {
			t.Errorf("%d active bookings, want 3", len(bs))
		}
		for i := range bs {
			for j := i + 1; j < len(bs); j++ {
				if bs[i].Overlaps(bs[j].Start, bs[j].BlockedUntil) {
					t.Errorf("bookings %s and %s overlap", bs[i].ID, bs[j].ID)
				}
			}
		}

		// One member retrying one request at once: one booking.
		retry := e.freeSlot(cons.ID, 10)
		var (
			wg  sync.WaitGroup
			ids sync.Map
		)
		for range 20 {
			wg.Go(func() {
				res := e.api(clients[0], "POST", "/api/v1/bookings", bookJSON(cons.ID, retry, "the-same-request-1"))
				if res.StatusCode != http.StatusCreated && res.StatusCode != http.StatusOK {
					t.Errorf("retried request: %d %s", res.StatusCode, res.body)
					return
				}
				var b bookingBody
				json.Unmarshal([]byte(res.body), &b)
				ids.Store(b.ID, true)
			})
		}
		wg.Wait()
		count := 0
		ids.Range(func(any, any) bool { count++; return true })
		if count != 1 {
			t.Errorf("20 retries of one request made %d bookings, want 1", count)
		}
	})
}

// TestConsultationConfidentiality: the member's HR, another consultant and
// another member get 404 for the booking, its note and its reflection,
// exactly as for a booking that does not exist; and the database file
// holds no note or reflection text in the clear.
func TestConsultationConfidentiality(t *testing.T) {
	path := filepath.Join(t.TempDir(), "confidential.db")
	db, err := sqlite.Open(context.Background(), path, sqlite.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	e := newTestEnvOn(t, db)
	acme, _ := e.org("守秘商事")
	memberAcc := e.account("confidential-member@example.jp", acme.ID)
	hrAcc := e.account("confidential-hr@example.jp", acme.ID, tsunagari.RoleHRAdmin)
	e.enrol(hrAcc)
	cons := e.consultant("confidential-consultant@example.jp", true)
	e.consultant("other-consultant@example.jp", true)
	e.account("other-member@example.jp", acme.ID)

	// Public text in the clear, to show the file search would find text.
	const publicCanary = "公開プロフィールのカナリア"
	c, _ := e.stores.Consultation.FindConsultant(context.Background(), cons.ID)
	c.Message = publicCanary
	if err := e.stores.Consultation.SaveConsultant(context.Background(), c); err != nil {
		t.Fatal(err)
	}

	past := e.pastSession(memberAcc.ID, cons.ID)
	member := e.signIn("confidential-member@example.jp")
	consultant := e.signIn("confidential-consultant@example.jp")
	const noteCanary, reflectionCanary = "NOTECANARY-面談メモ-祖母の介護と転職", "REFLCANARY-振り返り-本当は辞めたい"
	if res := e.api(consultant, "PUT", "/api/v1/bookings/"+past.ID+"/note", `{"text":"`+noteCanary+`"}`); res.StatusCode != 200 {
		t.Fatalf("writeNote: %d %s", res.StatusCode, res.body)
	}
	if res := e.api(member, "PUT", "/api/v1/bookings/"+past.ID+"/reflection",
		`{"items":[{"id":"realised","text":"`+reflectionCanary+`","share":false}],"rating":4}`); res.StatusCode != 200 {
		t.Fatalf("writeReflection: %d %s", res.StatusCode, res.body)
	}

	others := map[string]*http.Client{
		"HR of the member's employer": e.signIn("confidential-hr@example.jp"),
		"another consultant":          e.signIn("other-consultant@example.jp"),
		"another member":              e.signIn("other-member@example.jp"),
	}
	missing := tsunagari.NewID()
	paths := []string{"/bookings/%s", "/bookings/%s/ics", "/api/v1/bookings/%s", "/api/v1/bookings/%s/note", "/api/v1/bookings/%s/reflection"}
	for who, c := range others {
		for _, p := range paths {
			res, absent := e.get(c, fmt.Sprintf(p, past.ID)), e.get(c, fmt.Sprintf(p, missing))
			if res.StatusCode != http.StatusNotFound || strings.ReplaceAll(res.body, past.ID, missing) != absent.body {
				t.Errorf("%s: GET %s = %d, want the 404 of a missing booking:\n%.300s", who, fmt.Sprintf(p, "…"), res.StatusCode, res.body)
			}
			if strings.Contains(res.body, "CANARY") {
				t.Errorf("%s: GET %s shows a record", who, p)
			}
		}
		for _, p := range []string{"/bookings/%s/note", "/bookings/%s/reflection", "/bookings/%s/cancel"} {
			res := e.post(c, fmt.Sprintf(p, past.ID), url.Values{"note": {"x"}, "realised": {"x"}})
			if res.StatusCode != http.StatusNotFound {
				t.Errorf("%s: POST %s = %d, want 404", who, p, res.StatusCode)
			}
		}
	}
	// Each side reads its own record only.
	for _, tc := range []struct {
		c    *http.Client
		path string
		want int
	}{
		{member, "/api/v1/bookings/%s/note", 404}, {consultant, "/api/v1/bookings/%s/reflection", 404},
		{consultant, "/api/v1/bookings/%s/note", 200}, {member, "/api/v1/bookings/%s/reflection", 200},
	} {
		if res := e.get(tc.c, fmt.Sprintf(tc.path, past.ID)); res.StatusCode != tc.want {
			t.Errorf("GET %s = %d, want %d", tc.path, res.StatusCode, tc.want)
		}
	}
	if res := e.get(consultant, "/bookings/"+past.ID); !strings.Contains(res.body, noteCanary) || strings.Contains(res.body, reflectionCanary) {
		t.Error("the consultant's booking page should show the note and not the reflection")
	}
	if res := e.get(member, "/bookings/"+past.ID); strings.Contains(res.body, noteCanary) || !strings.Contains(res.body, reflectionCanary) {
		t.Error("the member's booking page should show the reflection and not the note")
	}

	// The database files: the public text is there, the records are not.
	var files bytes.Buffer
	for _, suffix := range []string{"", "-wal"} {
		b, err := os.ReadFile(path + suffix)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		files.Write(b)
	}
	if !bytes.Contains(files.Bytes(), []byte(publicCanary)) {
		t.Fatal("the public canary is not in the database files: the search cannot be trusted")
	}
	for _, canary := range []string{"NOTECANARY", "REFLCANARY", "祖母の介護と転職", "本当は辞めたい"} {
		if bytes.Contains(files.Bytes(), []byte(canary)) {
			t.Errorf("the database files hold %q in the clear", canary)
		}
	}
}

// TestConsultationBadInput: every refused request answers with a clear,
// localised message and changes nothing.
func TestConsultationBadInput(t *testing.T) {
	e := newTestEnv(t)
	cons := e.consultant("bad-consultant@example.jp", true)
	owner := e.account("bad-member@example.jp", "")
	e.account("bad-other@example.jp", "")
	member := e.signIn("bad-member@example.jp")
	other := e.signIn("bad-other@example.jp")
	consultant := e.signIn("bad-consultant@example.jp")
	past := e.pastSession(owner.ID, cons.ID)

	// A consultant who takes at most one session a week, booked already.
	full := e.consultant("full-consultant@example.jp", true)
	ctx := context.Background()
	av, _ := e.stores.Consultation.FindAvailability(ctx, full.ID)
	av.WeeklyMax = 1
	if err := e.stores.Consultation.SaveAvailability(ctx, av); err != nil {
		t.Fatal(err)
	}
	taken := e.freeSlot(full.ID, 0)
	if res := e.api(member, "POST", "/api/v1/bookings", bookJSON(full.ID, taken, "")); res.StatusCode != 201 {
		t.Fatalf("first booking of the week: %d %s", res.StatusCode, res.body)
	}
	// Another slot of the same week: the next hour, or the one before
	// when the next is in the next week.
	week, _ := tsunagari.WeekOf(taken, tsunagari.Tokyo)
	sameWeek := taken.Add(time.Hour)
	if next, _ := tsunagari.WeekOf(sameWeek, tsunagari.Tokyo); !next.Equal(week) {
		sameWeek = taken.Add(-time.Hour)
	}

	slot := e.freeSlot(cons.ID, 2)
	for _, tc := range []struct {
		name         string
		c            *http.Client
		method, path string
		body         string
		status       int
		message      string
	}{
		{"a slot in the past", member, "POST", "/api/v1/bookings", bookJSON(cons.ID, time.Now().Add(-2*time.Hour).Truncate(time.Hour), ""),
			422, "過去の日時は予約できません。"},
		{"outside availability", member, "POST", "/api/v1/bookings", bookJSON(cons.ID, slot.Add(20*time.Minute), ""),
			422, "その日時は受付時間外です。空き枠から選んでください。"},
		{"too far ahead", member, "POST", "/api/v1/bookings", bookJSON(cons.ID, slot.AddDate(0, 6, 0), ""),
			422, "その日時は受付時間外です。空き枠から選んでください。"},
		{"over the weekly maximum", member, "POST", "/api/v1/bookings", bookJSON(full.ID, sameWeek, ""),
			409, "この週の予約は上限に達しています。別の週を選んでください。"},
		{"no theme", member, "POST", "/api/v1/bookings", `{"consultantId":"` + cons.ID + `","start":"` + slot.Format(time.RFC3339) + `","themes":[]}`,
			422, "相談テーマを1つ以上選んでください。"},
		{"a bad idempotency key", member, "POST", "/api/v1/bookings", bookJSON(cons.ID, slot, "short"),
			422, "冪等キーは8〜100文字の半角英数記号で指定してください。"},
		{"a note over the length limit", consultant, "PUT", "/api/v1/bookings/" + past.ID + "/note", `{"text":"` + strings.Repeat("長", tsunagari.MaxNoteLen+1) + `"}`,
			422, "10000文字以内で入力してください。"},
		{"a reflection by someone else", other, "PUT", "/api/v1/bookings/" + past.ID + "/reflection", `{"items":[{"id":"realised","text":"x","share":true}]}`,
			404, "見つかりません。"},
		{"a reflection item that does not exist", member, "PUT", "/api/v1/bookings/" + past.ID + "/reflection", `{"items":[{"id":"diary","text":"x","share":true}]}`,
			422, "振り返りの項目が正しくありません。"},
	} {
		fp := e.fingerprint()
		res := e.api(tc.c, tc.method, tc.path, tc.body)
		var eb struct{ Message string }
		json.Unmarshal([]byte(res.body), &eb)
		if res.StatusCode != tc.status || eb.Message != tc.message {
			t.Errorf("%s: %d %s; want %d %q", tc.name, res.StatusCode, res.body, tc.status, tc.message)
		}
		if e.fingerprint() != fp {
			t.Errorf("%s changed the database", tc.name)
		}
	}

	// The HTML forms say the same on the page, in the field's place.
	fp := e.fingerprint()
	res := e.post(member, "/consultants/"+cons.ID+"/book", url.Values{"start": {slot.Add(20 * time.Minute).Format(time.RFC3339)},
		"themes": {"job_change"}, "key": {"form-key-000001"}})
	if res.StatusCode != 422 || !strings.Contains(res.body, "その日時は受付時間外です。") {
		t.Errorf("booking form outside availability: %d", res.StatusCode)
	}
	res = e.post(consultant, "/consultant/availability", url.Values{"weekly_1": {"10:00-09:00"}, "sessionMinutes": {"60"}, "weeklyMax": {"5"}})
	if res.StatusCode != 422 || !strings.Contains(res.body, "受付時間帯が正しくありません") {
		t.Errorf("availability form with a backwards window: %d", res.StatusCode)
	}
	res = e.post(consultant, "/consultant/profile", url.Values{"displayName": {"相談 員子"}, "registrationNumber": {"12-34"},
		"languages": {"ja"}, "online": {"on"}})
	if res.StatusCode != 422 || !strings.Contains(res.body, "キャリアコンサルタント登録番号は8桁の数字で入力してください。") {
		t.Errorf("profile form with a short registration number: %d", res.StatusCode)
	}
	if e.fingerprint() != fp {
		t.Error("refused forms changed the database")
	}
}

// TestBookingInTheBrowserFlow walks the HTML pages: a member opens a
// consultant, books a slot with the form, gets the confirmation in the
// outbox, and the consultant sees the booking on their schedule, confirms
// nothing (auto-accept), and can download the calendar file.
func TestBookingPagesFlow(t *testing.T) {
	e := newTestEnv(t)
	cons := e.consultant("pages-consultant@example.jp", true)
	e.account("pages-member@example.jp", "")
	member := e.signIn("pages-member@example.jp")

	list := e.get(member, "/consultants?theme=care_balance")
	if list.StatusCode != 200 || !strings.Contains(list.body, "/consultants/"+cons.ID) {
		t.Fatalf("consultant list: %d, lacks the consultant", list.StatusCode)
	}
	page := e.get(member, "/consultants/"+cons.ID)
	if page.StatusCode != 200 || !strings.Contains(page.body, `id="verified-badge"`) || !strings.Contains(page.body, `name="start"`) {
		t.Fatalf("consultant page: %d, want the verified badge and the slot picker", page.StatusCode)
	}
	slot := e.freeSlot(cons.ID, 1)
	if !strings.Contains(page.body, `value="`+slot.Format(time.RFC3339)+`"`) {
		t.Fatalf("the slot picker lacks the free slot %s", slot)
	}
	form := url.Values{"start": {slot.Format(time.RFC3339)}, "themes": {"job_change", "care_balance"}, "key": {"page-flow-key-01"}}
	res := e.post(member, "/consultants/"+cons.ID+"/book", form)
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/bookings/") {
		t.Fatalf("book: %d %s", res.StatusCode, res.body)
	}
	bookingPath := res.Header.Get("Location")
	// The form sent again (a double click, a reload) books nothing more.
	if again := e.post(member, "/consultants/"+cons.ID+"/book", form); again.Header.Get("Location") != bookingPath {
		t.Errorf("the same form again went to %q, want %q", again.Header.Get("Location"), bookingPath)
	}
	detail := e.get(member, bookingPath)
	if !strings.Contains(detail.body, "確定") || !strings.Contains(detail.body, "/ics") {
		t.Errorf("booking page lacks the status or the calendar link")
	}
	mails, _ := e.stores.Outbox.FindMail(context.Background(), tsunagari.MailFilter{To: "pages-member@example.jp"})
	if len(mails) != 1 || mails[0].Kind != "booking_booked" || !strings.Contains(mails[0].Body, bookingPath) {
		t.Errorf("the member's outbox = %+v, want one confirmation", mails)
	}
	consultant := e.signIn("pages-consultant@example.jp")
	sched := e.get(consultant, "/consultant/schedule")
	if !strings.Contains(sched.body, bookingPath) || !strings.Contains(sched.body, "山田 花子") {
		t.Errorf("the consultant's schedule lacks the booking")
	}
	ics := e.get(consultant, bookingPath+"/ics")
	if ics.StatusCode != 200 || !strings.HasPrefix(ics.Header.Get("Content-Type"), "text/calendar") ||
		!strings.Contains(ics.body, "DTSTART:"+slot.UTC().Format("20060102T150405Z")) {
		t.Errorf("ics: %d %s\n%s", ics.StatusCode, ics.Header.Get("Content-Type"), ics.body)
	}
	if res := e.post(member, bookingPath+"/cancel", nil); res.StatusCode != http.StatusSeeOther {
		t.Errorf("cancel: %d", res.StatusCode)
	}
	if d := e.get(member, bookingPath); !strings.Contains(d.body, "キャンセル") {
		t.Errorf("cancelled booking page lacks the status")
	}

	// The consultant edits the profile and availability with the forms.
	res = e.post(consultant, "/consultant/availability", url.Values{"weekly_1": {"１０：００〜１２：００, 13:00-17:00"},
		"exceptions": {"2026-12-29 off\n2026-12-26 10:00-12:00"}, "sessionMinutes": {"50"}, "bufferMinutes": {"10"}, "weeklyMax": {"8"},
		"closedOnHolidays": {"on"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save availability: %d %s", res.StatusCode, res.body)
	}
	av, _ := e.stores.Consultation.FindAvailability(context.Background(), cons.ID)
	if len(av.Weekly) != 2 || av.Weekly[0].Start != 600 || len(av.Exceptions) != 2 || av.SessionMinutes != 50 || !av.ClosedOnHolidays {
		t.Errorf("availability after the form = %+v", av)
	}
	if f := e.get(consultant, "/consultant/availability"); !strings.Contains(f.body, "10:00-12:00, 13:00-17:00") {
		t.Errorf("the availability form does not show the saved windows")
	}
}
