package main

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"tsunagari"
	"tsunagari/internal/audit"
	"tsunagari/internal/insight"
	"tsunagari/internal/insight/insighttest"
	"tsunagari/internal/mail"
	"tsunagari/internal/postgres/pgtest"
)

// startNode runs a tsunagari server on dsn, on a free loopback port,
// until the test ends.
func startNode(t *testing.T, dsn string) *Main {
	t.Helper()
	m := NewMain()
	m.Config = Config{Addr: "127.0.0.1:0", DB: dsn, Migrate: true, LogLevel: "error", LogFormat: "text",
		ShutdownGrace: time.Second, SecretKey: base64.StdEncoding.EncodeToString(make([]byte, 32))}
	m.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// TestThreeNodes runs three servers on one PostgreSQL database, as a site
// behind a load balancer does, and checks that they behave as one: a
// session works on every node, a change made through one node shows in
// the recommendations of another within two seconds, and the background
// jobs, run by all three at the same moment, do their work once.
func TestThreeNodes(t *testing.T) {
	if !pgtest.Enabled() {
		t.Skip(pgtest.DSNEnv + " is not set")
	}
	dsn := pgtest.MustCreateSchema(t)
	var nodes []*Main
	for range 3 {
		nodes = append(nodes, startNode(t, dsn))
	}
	t.Run("Sessions", func(t *testing.T) { testSessionsAcrossNodes(t, nodes) })
	t.Run("Recommendations", func(t *testing.T) { testFreshAcrossServers(t, nodes[0], nodes[2]) })
	t.Run("JobsOnce", func(t *testing.T) { testJobsOnce(t, nodes) })
}

// testSessionsAcrossNodes signs in on the first node, uses the session on
// the others, signs out on the second and finds the session over on the
// first.
func testSessionsAcrossNodes(t *testing.T, nodes []*Main) {
	call := func(n *Main, cookies []*http.Cookie, method, path, body string) (int, string, []*http.Cookie) {
		t.Helper()
		req, _ := http.NewRequest(method, n.URL()+path, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		for _, c := range cookies {
			req.AddCookie(c)
		}
		res, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		out, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(out), res.Cookies()
	}
	const who = `{"email":"nodes@example.jp","password":"tsunagari-e2e-password"}`
	if code, body, _ := call(nodes[0], nil, "POST", "/api/v1/signup", `{"email":"nodes@example.jp","name":"三台 太郎","password":"tsunagari-e2e-password"}`); code != 201 {
		t.Fatalf("signup on node 1: %d %s", code, body)
	}
	code, body, set := call(nodes[0], nil, "POST", "/api/v1/login", who)
	if code != 200 || len(set) == 0 {
		t.Fatalf("sign-in on node 1: %d %s, cookies %v", code, body, set)
	}
	jar, _ := cookiejar.New(nil)
	u, _ := url.Parse(nodes[0].URL())
	jar.SetCookies(u, set)
	session := jar.Cookies(u) // what a browser sends back
	for i, n := range nodes {
		if code, body, _ := call(n, session, "GET", "/api/v1/me", ""); code != 200 || !strings.Contains(body, "nodes@example.jp") {
			t.Fatalf("GET /api/v1/me on node %d with node 1's session: %d %s; want 200 and the account", i+1, code, body)
		}
	}
	if code, body, _ := call(nodes[1], session, "POST", "/api/v1/logout", ""); code != 204 {
		t.Fatalf("sign-out on node 2: %d %s", code, body)
	}
	for i, n := range nodes {
		if code, body, _ := call(n, session, "GET", "/api/v1/me", ""); code != 401 {
			t.Errorf("GET /api/v1/me on node %d after signing out on node 2: %d %s; want 401", i+1, code, body)
		}
	}
}

// testJobsOnce lays out work that is due (a booking to remind, a lottery
// to draw, applications to answer at their deadline, closed pulse rounds
// and quarters to publish), then runs every job of every node, the three
// nodes at the same instant, three times over. Each piece of work is done
// once. Then three mail senders, one per node, flush the outbox at once:
// each message is delivered once.
func testJobsOnce(t *testing.T, nodes []*Main) {
	ctx := context.Background()
	st := nodes[0].db.Stores()
	now := time.Now().UTC().Truncate(time.Second)
	mustAccount := func(email string, roles ...tsunagari.Role) *tsunagari.Account {
		t.Helper()
		a := &tsunagari.Account{Email: email, Name: "利用者", Roles: append([]tsunagari.Role{tsunagari.RoleMember}, roles...),
			Locale: "ja", CreatedAt: now.Add(-72 * time.Hour)}
		if err := st.Accounts.CreateAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
		return a
	}

	// A confirmed consultation in two hours: the reminder is due.
	ca := mustAccount("consultant@example.jp", tsunagari.RoleConsultant)
	c := &tsunagari.Consultant{AccountID: ca.ID, DisplayName: "田中 恵子", RegistrationNumber: "50000001", YearsOfPractice: 12,
		Themes: []string{"job_change"}, Languages: []string{"ja"}, Online: true, Area: "13", AutoAccept: true,
		MeetingURL: "https://meet.example.jp/tanaka", CreatedAt: now, UpdatedAt: now}
	if err := st.Consultation.SaveConsultant(ctx, c); err != nil {
		t.Fatal(err)
	}
	if err := st.Consultation.VerifyConsultant(ctx, ca.ID, "", now); err != nil {
		t.Fatal(err)
	}
	client := mustAccount("client@example.jp")
	start := now.Add(2 * time.Hour)
	confirmed := now.Add(-time.Hour)
	if _, err := st.Consultation.CreateBooking(ctx, &tsunagari.Booking{ConsultantID: ca.ID, MemberID: client.ID, Start: start,
		End: start.Add(time.Hour), BlockedUntil: start.Add(time.Hour), Status: tsunagari.BookingConfirmed,
		Themes: []string{"job_change"}, CreatedAt: confirmed, ConfirmedAt: &confirmed}, tsunagari.WeekCap{}, nil); err != nil {
		t.Fatal(err)
	}

	// An event with two seats by lottery, four entries, and a lottery
	// that closed half an hour ago.
	lead := mustAccount("lead@example.jp")
	cm := &tsunagari.Community{Kind: tsunagari.CommunityRegionalAlumni, Name: "新潟県人会", Purpose: "集まる", Description: "説明",
		Tags: []string{}, Styles: []tsunagari.ActivityStyle{tsunagari.StyleEvents}, Prefecture: "13", HomePrefecture: "15",
		Languages: []string{"ja"}, JoinPolicy: tsunagari.JoinOpen, Traits: []tsunagari.Trait{}, CreatedAt: now.Add(-72 * time.Hour),
		Organisers: []tsunagari.Organiser{{AccountID: lead.ID, Role: tsunagari.CommunityOrganiser}}}
	if err := st.Communities.CreateCommunity(ctx, cm); err != nil {
		t.Fatal(err)
	}
	evStart := now.Add(30 * time.Minute)
	ev := &tsunagari.Event{CommunityID: cm.ID, Title: "新潟の酒と語る夜", Description: "説明", StartsAt: evStart,
		EndsAt: evStart.Add(2 * time.Hour), Venue: "新潟市民プラザ", Prefecture: "15", Capacity: 2, LotteryHours: 1,
		Exceptions: []string{}, CreatedBy: lead.ID, CreatedAt: now.Add(-48 * time.Hour)}
	if err := st.Events.CreateEvent(ctx, ev); err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		a := mustAccount(fmt.Sprintf("entrant%d@example.jp", i))
		r := &tsunagari.RSVP{EventID: ev.ID, StartsAt: ev.StartsAt, AccountID: a.ID, RequestedAt: now.Add(-2 * time.Hour)}
		if err := st.Events.CreateRSVP(ctx, r); err != nil || r.Status != tsunagari.RSVPEntered {
			t.Fatalf("CreateRSVP = %v, status %s; want an entry", err, r.Status)
		}
	}

	// A pro-bono project whose answer deadline passed a minute ago, with
	// three open applications.
	p := &tsunagari.ProbonoProject{CommunityID: cm.ID, Title: "寄付サイト", Deliverable: "寄付を募るウェブサイト", Description: "説明",
		Roles:    []tsunagari.ProbonoRole{{Name: "エンジニア", Skills: []string{"Go"}}},
		TeamSize: 2, HoursPerWeek: 5, DurationMonths: 3, StartsOn: now.Format("2006-01-02"), AnswerBy: now.Add(-time.Minute),
		CreatedAt: now.Add(-48 * time.Hour)}
	if err := st.Probono.CreateProject(ctx, p); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		a := mustAccount(fmt.Sprintf("applicant%d@example.jp", i))
		if err := st.Probono.CreateApplication(ctx, &tsunagari.ProbonoApplication{ProjectID: p.ID, AccountID: a.ID,
			Skills: []string{"Go"}, HoursPerWeek: 5, Motivation: "力になりたい", CreatedAt: now.Add(-24 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}

	// An employer of two years with two closed pulse rounds: two rounds
	// and Backfill quarters to publish.
	w, err := insighttest.Build(ctx, st, insighttest.Spec{Name: "みなと精機", Departments: 4, MinSize: 5, MaxSize: 8, K: 5,
		Rounds: 2, Respond: 0.9, Seed: 1, Now: now.Add(-time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	wantReleases := 2 + insight.Backfill

	// Every job of every node, the nodes released together, three rounds.
	jobs := len(nodes[0].jobs)
	counts := make([][]int, jobs) // by job, then node
	for j := range counts {
		counts[j] = make([]int, len(nodes))
	}
	for range 3 {
		var wg sync.WaitGroup
		ready := make(chan struct{})
		for i, n := range nodes {
			for j, job := range n.jobs {
				wg.Go(func() {
					<-ready
					c, err := job.run(ctx)
					if err != nil {
						t.Errorf("node %d, job %q: %v", i+1, job.name, err)
					}
					counts[j][i] += c
				})
			}
		}
		close(ready)
		wg.Wait()
	}
	done := map[string]int{}
	for j, job := range nodes[0].jobs {
		for _, c := range counts[j] {
			done[job.name] += c
		}
		t.Logf("job %q did, by node: %v", job.name, counts[j])
	}

	// What happened, from the database.
	outbox, err := st.Outbox.FindMail(ctx, tsunagari.MailFilter{})
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, m := range outbox {
		kinds[m.Kind]++
	}
	auditCount := func(action string) int {
		t.Helper()
		list, err := st.Audit.FindAuditEvents(ctx, tsunagari.AuditFilter{Action: action})
		if err != nil {
			t.Fatal(err)
		}
		return len(list)
	}
	releases := 0
	for _, kind := range []tsunagari.ReleaseKind{tsunagari.ReleasePulse, tsunagari.ReleasePeriod} {
		list, err := st.Releases.FindReleases(ctx, w.Org.ID, kind)
		if err != nil {
			t.Fatal(err)
		}
		releases += len(list)
	}
	checks := []struct {
		what      string
		got, want int
	}{
		{"reminder mails (client and consultant)", kinds["booking_reminder"], 2},
		{"lottery draws in the audit trail", auditCount(tsunagari.AuditLotteryDraw), 1},
		{"lottery results mailed (2 won, 2 not selected)", kinds["event_won"] + kinds["event_not_selected"], 4},
		{"deadline answers in the audit trail", auditCount(tsunagari.AuditProbonoAnswered), 1},
		{"deadline answers mailed", kinds["probono_not_selected"], 3},
		{"releases in the ledger", releases, wantReleases},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: %d, want %d", c.what, c.got, c.want)
		}
	}
	// What the jobs say they did: never more than happened. (A job's
	// first run at start-up may have done some of it.)
	for name, happened := range map[string]int{"booking reminders": 1, "draw lotteries": 1,
		"answer overdue applications": 3, "publish reports": wantReleases} {
		if done[name] > happened {
			t.Errorf("job %q reports %d done across the nodes; only %d happened", name, done[name], happened)
		}
	}
	if _, err := audit.Verify(ctx, st.Audit); err != nil {
		t.Errorf("the audit trail, written by three nodes at once: %v", err)
	}

	// Three senders, one per node, flush the outbox at once.
	unsent, err := st.Outbox.FindMail(ctx, tsunagari.MailFilter{Unsent: true})
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu        sync.Mutex
		delivered = map[string]int{}
		wg        sync.WaitGroup
	)
	for _, n := range nodes {
		s := &mail.Sender{Outbox: n.db.Stores().Outbox, Logger: n.Logger, Now: time.Now,
			Send: func(ctx context.Context, m *tsunagari.Mail) error {
				time.Sleep(time.Millisecond) // as slow as a nearby SMTP server, so that the senders overlap
				mu.Lock()
				defer mu.Unlock()
				delivered[m.ID]++
				return nil
			}}
		wg.Go(func() {
			if err := s.Flush(ctx); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	for _, m := range unsent {
		if delivered[m.ID] != 1 {
			t.Errorf("mail %s (%s) delivered %d times, want once", m.ID, m.Kind, delivered[m.ID])
		}
	}
	if len(delivered) != len(unsent) {
		t.Errorf("%d messages delivered, want the %d that were waiting", len(delivered), len(unsent))
	}
	if left, err := st.Outbox.FindMail(ctx, tsunagari.MailFilter{Unsent: true}); err != nil || len(left) != 0 {
		t.Errorf("after the flush %d messages are unsent, %v; want none", len(left), err)
	}
}
