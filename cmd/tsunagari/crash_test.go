package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"tsunagari"
	"tsunagari/internal/audit"
	"tsunagari/internal/postgres"
	"tsunagari/internal/postgres/pgtest"
	"tsunagari/internal/sqlite"
	"tsunagari/internal/survey"
)

// The crash test (TRUST.md §6 R3): the real binary serves while clients
// write to it, and is killed with SIGKILL at a random moment; then the
// database is checked and the server started again on it. Every write the
// server acknowledged must be there, no write may be there in part, and
// the database must pass its integrity check and the audit chain verify.
//
//	go test ./cmd/tsunagari -run TestCrashRecovery -crash.trials=200 -v
//
// runs the full 200 kill-and-restart trials per database; plain go test
// runs a few.

var crashTrials = flag.Int("crash.trials", 4, "kill-and-restart trials per database in TestCrashRecovery")

// crashDB is a database the crash test runs on.
type crashDB interface {
	Stores() tsunagari.Stores
	TableCounts(ctx context.Context) (map[string]int, error)
	Close() error
}

// ledger is what the server acknowledged, which must survive any crash.
type ledger struct {
	mu       sync.Mutex
	accounts map[string]string               // email of each sign-up
	personal map[string]int                  // email → personal answers acknowledged
	pooled   map[string]bool                 // email → anonymous answer acknowledged
	rsvps    map[string]tsunagari.RSVPStatus // RSVP ID → the status it was acknowledged with
	bookings map[string]string               // booking ID → the member's email
	writes   int
}

func (l *ledger) ack(f func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f()
	l.writes++
}

// crashWorkload is one kind of write the clients make, and the check that
// every acknowledged one survived.
type crashWorkload struct {
	name  string
	check func(t *testing.T, db crashDB, l *ledger, fx *crashFixture) int // returns the writes it checked
}

// crashFixture is what every trial's clients write to.
type crashFixture struct {
	standing, anonymous string   // round IDs
	items               []string // the five powers' items
	// events have a few seats each and a waitlist; consultants, by
	// account ID, take sessions of an hour at any hour and confirm them
	// at once.
	events      []string
	consultants map[string]string // account ID → email
}

// Seats of each event of the crash test, and how many events there are.
const (
	crashSeats  = 3
	crashEvents = 60
)

var crashWorkloads = []crashWorkload{
	{"sign-ups", func(t *testing.T, db crashDB, l *ledger, _ *crashFixture) int {
		ctx := context.Background()
		accounts, _, err := db.Stores().Accounts.FindAccounts(ctx, tsunagari.AccountFilter{})
		if err != nil {
			t.Fatal(err)
		}
		found := map[string]bool{}
		for _, a := range accounts {
			found[a.Email] = true
			if len(a.Roles) == 0 {
				t.Errorf("account %s is half there: it has no role", a.Email)
			}
		}
		for email := range l.accounts {
			if !found[email] {
				t.Errorf("the acknowledged sign-up of %s is lost", email)
			}
		}
		return len(l.accounts)
	}},
	{"personal answers", func(t *testing.T, db crashDB, l *ledger, fx *crashFixture) int {
		ctx := context.Background()
		n := 0
		for email, acked := range l.personal {
			a, err := db.Stores().Accounts.FindAccountByEmail(ctx, email)
			if err != nil {
				t.Errorf("%s: %v", email, err)
				continue
			}
			rs, err := db.Stores().Surveys.FindResponses(ctx, tsunagari.ResponseFilter{AccountID: a.ID, RoundID: fx.standing})
			if err != nil {
				t.Fatal(err)
			}
			if len(rs) < acked {
				t.Errorf("%s: %d personal answers stored, %d acknowledged", email, len(rs), acked)
			}
			for _, r := range rs {
				if len(r.Answers) != len(fx.items) || len(r.Scores) == 0 {
					t.Errorf("%s: a personal answer is half there: %d answers, %d scores", email, len(r.Answers), len(r.Scores))
				}
			}
			n += acked
		}
		return n
	}},
	{"anonymous answers", func(t *testing.T, db crashDB, l *ledger, fx *crashFixture) int {
		ctx := context.Background()
		for email := range l.pooled {
			a, err := db.Stores().Accounts.FindAccountByEmail(ctx, email)
			if err != nil {
				t.Errorf("%s: %v", email, err)
				continue
			}
			if ok, err := db.Stores().Surveys.Participated(ctx, fx.anonymous, a.ID); err != nil || !ok {
				t.Errorf("the acknowledged anonymous answer of %s is lost (%v)", email, err)
			}
		}
		// Participation and answers are written together: one without the
		// other is half an answer.
		counts, err := db.TableCounts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if p, a := counts["survey_participation"], counts["survey_pooled_answers"]; p != a {
			t.Errorf("%d participations but %d anonymous answers: an answer is half there", p, a)
		}
		return len(l.pooled)
	}},
	{"RSVPs", func(t *testing.T, db crashDB, l *ledger, fx *crashFixture) int {
		ctx := context.Background()
		ev := db.Stores().Events
		stored := map[string]tsunagari.RSVPStatus{}
		for _, id := range fx.events {
			rs, err := ev.FindRSVPs(ctx, tsunagari.RSVPFilter{EventID: id})
			if err != nil {
				t.Fatal(err)
			}
			// Each occurrence's count of seats taken agrees with the RSVPs
			// holding one and never passes the seats there are; each RSVP
			// has a place in the queue of its own.
			confirmed, seqs := map[int64]int{}, map[int64]map[int]bool{}
			for _, r := range rs {
				stored[r.ID] = r.Status
				at := r.StartsAt.Unix()
				if r.Status == tsunagari.RSVPConfirmed {
					confirmed[at]++
				}
				if seqs[at] == nil {
					seqs[at] = map[int]bool{}
				}
				if seqs[at][r.Seq] {
					t.Errorf("event %s: two RSVPs have place %d in the queue", id, r.Seq)
				}
				seqs[at][r.Seq] = true
			}
			occs, err := ev.FindOccurrences(ctx, id, time.Time{}, time.Now().AddDate(1, 0, 0))
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range occs {
				at := o.StartsAt.Unix()
				if o.Confirmed != confirmed[at] || o.Confirmed > o.Capacity {
					t.Errorf("event %s: %d seats taken by its count, %d RSVPs hold one, of %d seats", id, o.Confirmed, confirmed[at], o.Capacity)
				}
				delete(confirmed, at)
			}
			for at, n := range confirmed {
				t.Errorf("event %s: %d RSVPs hold a seat at %v, which has no occurrence", id, n, time.Unix(at, 0))
			}
		}
		// Nobody cancels, so every acknowledged RSVP keeps its status.
		for id, acked := range l.rsvps {
			switch got, ok := stored[id]; {
			case !ok:
				t.Errorf("the acknowledged RSVP %s is lost", id)
			case got != acked:
				t.Errorf("RSVP %s is %s; it was acknowledged as %s", id, got, acked)
			}
		}
		return len(l.rsvps)
	}},
	{"bookings", func(t *testing.T, db crashDB, l *ledger, fx *crashFixture) int {
		ctx := context.Background()
		st := db.Stores()
		// The confirmations sent, by booking and address.
		ms, err := st.Outbox.FindMail(ctx, tsunagari.MailFilter{})
		if err != nil {
			t.Fatal(err)
		}
		mailed := map[string]map[string]bool{}
		for _, m := range ms {
			_, id, ok := strings.Cut(m.Body, "/bookings/")
			if m.Kind != "booking_booked" || !ok {
				continue
			}
			id = id[:min(len(id), len(tsunagari.NewID()))]
			if mailed[id] == nil {
				mailed[id] = map[string]bool{}
			}
			mailed[id][m.To] = true
		}
		accounts, _, err := st.Accounts.FindAccounts(ctx, tsunagari.AccountFilter{})
		if err != nil {
			t.Fatal(err)
		}
		emails := map[string]string{} // account ID → email
		for _, a := range accounts {
			emails[a.ID] = a.Email
		}
		// Every booking there, acknowledged or not, came with both
		// confirmations; no two confirmed sessions of one consultant
		// overlap.
		stored := map[string]*tsunagari.Booking{}
		for cid, cemail := range fx.consultants {
			bs, err := st.Consultation.FindBookings(ctx, tsunagari.BookingFilter{ConsultantID: cid})
			if err != nil {
				t.Fatal(err)
			}
			for _, b := range bs {
				stored[b.ID] = b
				if email := emails[b.MemberID]; !mailed[b.ID][email] || !mailed[b.ID][cemail] {
					t.Errorf("booking %s is half there: confirmation to the member %v, to the consultant %v",
						b.ID, mailed[b.ID][email], mailed[b.ID][cemail])
				}
			}
			bs = slices.DeleteFunc(bs, func(b *tsunagari.Booking) bool { return b.Status != tsunagari.BookingConfirmed })
			slices.SortFunc(bs, func(a, b *tsunagari.Booking) int { return a.Start.Compare(b.Start) })
			for i := 1; i < len(bs); i++ {
				if bs[i].Start.Before(bs[i-1].End) {
					t.Errorf("consultant %s: confirmed bookings %s and %s overlap", cid, bs[i-1].ID, bs[i].ID)
				}
			}
		}
		for id, email := range l.bookings {
			switch b := stored[id]; {
			case b == nil:
				t.Errorf("the acknowledged booking %s is lost", id)
			case b.Status != tsunagari.BookingConfirmed:
				t.Errorf("booking %s is %s; it was acknowledged as confirmed", id, b.Status)
			case emails[b.MemberID] != email:
				t.Errorf("booking %s is %s's; it was acknowledged to %s", id, emails[b.MemberID], email)
			}
		}
		return len(l.bookings)
	}},
}

// crashMember is a member the clients write as; their session survives
// restarts, as sessions are kept in the database.
type crashMember struct {
	email string
	c     *http.Client
	asked atomic.Int32 // events asked at for a seat, in the order of fx.events
}

// post sends a JSON request and returns the status, or an error when the
// server went away.
func (m *crashMember) post(base, path string, body any) (int, error) {
	b, _ := json.Marshal(body)
	res, err := m.c.Post(base+path, "application/json", bytes.NewReader(b))
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode, nil
}

func (fx *crashFixture) answers(v int) map[string]any {
	var as []map[string]any
	for _, it := range fx.items {
		as = append(as, map[string]any{"item": it, "value": v})
	}
	return map[string]any{"answers": as}
}

// signUp signs a new member up and has them answer the anonymous round;
// it returns nil if the server did not acknowledge the sign-up.
func signUp(base string, n int, fx *crashFixture, l *ledger) *crashMember {
	jar, _ := cookiejar.New(nil)
	m := &crashMember{email: fmt.Sprintf("crash-%d-%d@example.jp", time.Now().UnixNano(), n),
		c: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
	status, err := m.post(base, "/api/v1/signup", map[string]string{"email": m.email, "name": "クラッシュ 試験", "password": "crash test passphrase"})
	if err != nil || status != http.StatusCreated {
		return nil // killed, or throttled: nothing acknowledged
	}
	l.ack(func() { l.accounts[m.email] = "" })
	if status, err := m.post(base, "/api/v1/rounds/"+fx.anonymous+"/responses", fx.answers(3)); err == nil && status == http.StatusCreated {
		l.ack(func() { l.pooled[m.email] = true })
	}
	return m
}

// answer has m answer the five powers check-in again and again until
// the server goes away.
func answer(base string, m *crashMember, fx *crashFixture, l *ledger) {
	for i := 0; ; i++ {
		status, err := m.post(base, "/api/v1/rounds/"+fx.standing+"/responses", fx.answers(1+i%5))
		if err != nil {
			return
		}
		if status == http.StatusCreated {
			l.ack(func() { l.personal[m.email]++ })
		}
	}
}

// postJSON is post that also decodes the answer into out.
func (m *crashMember) postJSON(base, path string, body, out any) (int, error) {
	b, _ := json.Marshal(body)
	res, err := m.c.Post(base+path, "application/json", bytes.NewReader(b))
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	if err := json.NewDecoder(res.Body).Decode(out); err != nil && res.StatusCode < 300 {
		return 0, err // cut off mid-answer: not acknowledged
	}
	return res.StatusCode, nil
}

// rsvp has m ask for a seat at the events they have not asked at yet,
// one after another, until there is none left or the server goes away.
func rsvp(base string, m *crashMember, fx *crashFixture, l *ledger) {
	for {
		n := int(m.asked.Add(1)) - 1
		if n >= len(fx.events) {
			return
		}
		var r struct {
			ID     string               `json:"id"`
			Status tsunagari.RSVPStatus `json:"status"`
		}
		status, err := m.postJSON(base, "/api/v1/events/"+fx.events[n]+"/rsvp", map[string]any{}, &r)
		if err != nil {
			return
		}
		if status == http.StatusCreated {
			l.ack(func() { l.rsvps[r.ID] = r.Status })
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// book has m book a session at a random hour with a random consultant
// again and again, until the server goes away. Hours already taken are
// refused.
func book(base string, m *crashMember, fx *crashFixture, l *ledger) {
	var ids []string
	for id := range fx.consultants {
		ids = append(ids, id)
	}
	for {
		start := time.Now().Add(3*time.Hour + time.Duration(rand.IntN(50*24))*time.Hour).UTC().Truncate(time.Hour)
		var b struct {
			ID     string                  `json:"id"`
			Status tsunagari.BookingStatus `json:"status"`
		}
		status, err := m.postJSON(base, "/api/v1/bookings", map[string]any{"consultantId": ids[rand.IntN(len(ids))],
			"start": start.Format(time.RFC3339), "themes": []string{"job_change"}}, &b)
		if err != nil {
			return
		}
		if status == http.StatusCreated {
			l.ack(func() { l.bookings[b.ID] = m.email })
		}
		time.Sleep(30 * time.Millisecond)
	}
}

// server is one run of the binary.
type server struct {
	cmd  *exec.Cmd
	base string
	logs *syncBuffer
}

func startBinary(t *testing.T, bin, dsn, key string) *server {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--db", dsn, "--log-level", "warn")
	cmd.Env = append(os.Environ(), "TSUNAGARI_SECRET_KEY="+key)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, logs: &syncBuffer{}}
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(s.logs, line)
			if url, ok := strings.CutPrefix(line, "tsunagari: serving on "); ok {
				ready <- url
			}
		}
	}()
	select {
	case s.base = <-ready:
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("the server did not start:\n%s", s.logs.String())
	}
	return s
}

// kill ends the server with SIGKILL: no shutdown, no flush, no goodbye.
func (s *server) kill() {
	s.cmd.Process.Signal(syscall.SIGKILL)
	s.cmd.Wait()
}

// crashPeople sets up what the clients ask for seats at and book: an
// organiser's community with events of a few seats and a waitlist, and
// verified consultants who take a session at any hour and confirm it at
// once.
func crashPeople(t *testing.T, db crashDB, fx *crashFixture) {
	t.Helper()
	ctx, st, now := context.Background(), db.Stores(), time.Now()
	account := func(email string, role tsunagari.Role) *tsunagari.Account {
		a := &tsunagari.Account{Email: email, Name: "クラッシュ 試験", Roles: []tsunagari.Role{tsunagari.RoleMember, role},
			PasswordChangedAt: now}
		if err := st.Accounts.CreateAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
		return a
	}
	lead, op := account("crash-organiser@example.jp", tsunagari.RoleOrganiser), account("crash-operator@example.jp", tsunagari.RoleOperator)
	c := &tsunagari.Community{Kind: tsunagari.CommunityOccupational, Name: "クラッシュ試験の勉強会", Purpose: "席の取り合いを試す",
		Online: true, Languages: []string{"ja"}, JoinPolicy: tsunagari.JoinOpen, Tags: []string{},
		Styles: []tsunagari.ActivityStyle{tsunagari.StyleEvents}, Traits: []tsunagari.Trait{tsunagari.TraitFreeExit},
		Organisers: []tsunagari.Organiser{{AccountID: lead.ID, Role: tsunagari.CommunityOrganiser}}}
	if err := st.Communities.CreateCommunity(ctx, c); err != nil {
		t.Fatal(err)
	}
	for i := range crashEvents {
		start := now.AddDate(0, 1, 0).Add(time.Duration(i) * time.Hour).Truncate(time.Minute)
		e := &tsunagari.Event{CommunityID: c.ID, Title: fmt.Sprintf("勉強会 %d", i+1), StartsAt: start, EndsAt: start.Add(time.Hour),
			Online: true, Capacity: crashSeats, Waitlist: true, CreatedBy: lead.ID}
		if err := e.Validate(); err != nil {
			t.Fatal(err)
		}
		if err := st.Events.CreateEvent(ctx, e); err != nil {
			t.Fatal(err)
		}
		fx.events = append(fx.events, e.ID)
	}
	fx.consultants = map[string]string{}
	for i := range 3 {
		a := account(fmt.Sprintf("crash-consultant-%d@example.jp", i), tsunagari.RoleConsultant)
		p := &tsunagari.Consultant{AccountID: a.ID, DisplayName: fmt.Sprintf("相談 員%d", i), RegistrationNumber: fmt.Sprintf("1234567%d", i),
			YearsOfPractice: 10, Industries: []string{"manufacturing"}, JobFamilies: []string{"hr"}, Themes: []string{"job_change"},
			Languages: []string{"ja"}, Online: true, AutoAccept: true, CreatedAt: now, UpdatedAt: now}
		if err := p.Validate(); err != nil {
			t.Fatal(err)
		}
		if err := st.Consultation.SaveConsultant(ctx, p); err != nil {
			t.Fatal(err)
		}
		if err := st.Consultation.VerifyConsultant(ctx, a.ID, op.ID, now); err != nil {
			t.Fatal(err)
		}
		av := &tsunagari.Availability{ConsultantID: a.ID, SessionMinutes: 60, WeeklyMax: tsunagari.MaxWeeklyMax, UpdatedAt: now}
		for d := range 7 {
			av.Weekly = append(av.Weekly, tsunagari.WeeklyWindow{Weekday: time.Weekday(d), Window: tsunagari.Window{Start: 0, End: 24 * 60}})
		}
		if err := av.Validate(); err != nil {
			t.Fatal(err)
		}
		if err := st.Consultation.SaveAvailability(ctx, av); err != nil {
			t.Fatal(err)
		}
		fx.consultants[a.ID] = a.Email
	}
}

func TestCrashRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("the crash test builds and runs the binary")
	}
	bin := filepath.Join(t.TempDir(), "tsunagari")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	backends := []struct {
		name string
		dsn  func(t *testing.T) string
		open func(t *testing.T, dsn string) crashDB
	}{
		{"sqlite",
			func(t *testing.T) string { return filepath.Join(t.TempDir(), "crash.db") },
			func(t *testing.T, dsn string) crashDB {
				db, err := sqlite.Open(context.Background(), dsn, sqlite.Options{})
				if err != nil {
					t.Fatal(err)
				}
				if err := db.CheckIntegrity(context.Background()); err != nil {
					t.Error(err)
				}
				return db
			}},
		{"postgres",
			func(t *testing.T) string { return pgtest.MustCreateSchema(t) },
			func(t *testing.T, dsn string) crashDB {
				db, err := postgres.Open(context.Background(), dsn, postgres.Options{})
				if err != nil {
					t.Fatal(err)
				}
				return db
			}},
	}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			if b.name == "postgres" && !pgtest.Enabled() {
				t.Skip(pgtest.DSNEnv + " is not set")
			}
			ctx := context.Background()
			dsn, key := b.dsn(t), testKey()

			// A first run migrates and installs the questionnaires; then an
			// anonymous round goes out to every member.
			startBinary(t, bin, dsn, key).kill()
			db := b.open(t, dsn)
			fx := &crashFixture{}
			in, err := db.Stores().Surveys.FindInstrument(ctx, survey.FivePowers, 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range in.Items() {
				fx.items = append(fx.items, it.ID)
			}
			standing := true
			rs, err := db.Stores().Surveys.FindRounds(ctx, tsunagari.RoundFilter{InstrumentID: survey.FivePowers, Standing: &standing})
			if err != nil || len(rs) == 0 {
				t.Fatalf("no standing round of the five powers: %v", err)
			}
			fx.standing = rs[0].ID
			r := &tsunagari.Round{InstrumentID: in.ID, InstrumentVersion: in.Version, Mode: tsunagari.ModeAnonymous,
				OpensAt: time.Now().Add(-time.Hour)}
			if err := db.Stores().Surveys.CreateRound(ctx, r); err != nil {
				t.Fatal(err)
			}
			fx.anonymous = r.ID
			crashPeople(t, db, fx)
			db.Close()

			l := &ledger{accounts: map[string]string{}, personal: map[string]int{}, pooled: map[string]bool{},
				rsvps: map[string]tsunagari.RSVPStatus{}, bookings: map[string]string{}}
			var members []*crashMember
			var mu sync.Mutex
			// Members who signed up before the crashes begin: their sessions
			// outlive every restart. Signing up hashes a password on
			// purpose slowly, which a short trial might never see end.
			warm := startBinary(t, bin, dsn, key)
			for n := range 4 {
				m := signUp(warm.base, n, fx, l)
				if m == nil {
					t.Fatalf("sign-up before the trials failed:\n%s", warm.logs.String())
				}
				members = append(members, m)
			}
			warm.kill()

			start := time.Now()
			for trial := 1; trial <= *crashTrials; trial++ {
				s := startBinary(t, bin, dsn, key)
				var wg sync.WaitGroup
				// Two new members sign up, answer anonymously and keep
				// answering.
				for n := range 2 {
					wg.Go(func() {
						if m := signUp(s.base, trial*10+n, fx, l); m != nil {
							mu.Lock()
							members = append(members, m)
							mu.Unlock()
							answer(s.base, m, fx, l)
						}
					})
				}
				// Three who signed up before keep answering, two ask for
				// seats at the events they have not asked at yet, and two
				// book sessions.
				mu.Lock()
				for range 3 {
					m := members[rand.IntN(len(members))]
					wg.Go(func() { answer(s.base, m, fx, l) })
				}
				asking := slices.DeleteFunc(slices.Clone(members), func(m *crashMember) bool { return int(m.asked.Load()) >= len(fx.events) })
				for range min(2, len(asking)) {
					m := asking[rand.IntN(len(asking))]
					wg.Go(func() { rsvp(s.base, m, fx, l) })
				}
				for range 2 {
					m := members[rand.IntN(len(members))]
					wg.Go(func() { book(s.base, m, fx, l) })
				}
				mu.Unlock()
				// Most kills come within 800 ms; one in four later, up to 3 s,
				// so that sign-ups, which hash a password slowly on purpose,
				// are acknowledged too.
				wait := time.Duration(50+rand.IntN(750)) * time.Millisecond
				if rand.IntN(4) == 0 {
					wait = time.Duration(800+rand.IntN(2200)) * time.Millisecond
				}
				time.Sleep(wait)
				s.kill()
				wg.Wait()

				db := b.open(t, dsn)
				for _, w := range crashWorkloads {
					w.check(t, db, l, fx)
				}
				if _, err := audit.Verify(ctx, db.Stores().Audit); err != nil {
					t.Errorf("trial %d: the audit trail: %v", trial, err)
				}
				db.Close()
				if t.Failed() {
					t.Fatalf("trial %d (killed after %v) failed; server log:\n%s", trial, wait, s.logs.String())
				}
			}
			// A last start shows the server comes up on what the crashes left.
			s := startBinary(t, bin, dsn, key)
			res, err := http.Get(s.base + "/readyz")
			if err != nil || res.StatusCode != http.StatusOK {
				t.Errorf("after the crashes /readyz = %v, %v", res, err)
			}
			s.cmd.Process.Signal(syscall.SIGTERM)
			if err := s.cmd.Wait(); err != nil && !errors.Is(err, os.ErrProcessDone) {
				t.Logf("shutdown: %v", err)
			}
			db = b.open(t, dsn)
			checked := map[string]int{}
			for _, w := range crashWorkloads {
				checked[w.name] = w.check(t, db, l, fx)
			}
			db.Close()
			t.Logf("%s: %d kill-and-restart trials in %v; %d writes acknowledged (%v), 0 lost, nothing half-applied, integrity and audit chain intact",
				b.name, *crashTrials, time.Since(start).Round(time.Second), l.writes, checked)
		})
	}
}
