package event_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tsunagari"
	"tsunagari/internal/audit"
	"tsunagari/internal/event"
	"tsunagari/internal/i18n"
	"tsunagari/internal/sqlite"
)

// clock is a settable time for the service.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

type fixture struct {
	svc    *event.Service
	stores tsunagari.Stores
	clock  *clock
	lead   *tsunagari.Account
	c      *tsunagari.Community
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "event.db"), sqlite.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	catalog, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{stores: db.Stores(), clock: &clock{t: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}}
	f.svc = &event.Service{Store: f.stores.Events, Communities: f.stores.Communities, Catalog: catalog, BaseURL: "https://tsunagari.example",
		Now: f.clock.now, Audit: &audit.Service{Store: f.stores.Audit, Now: f.clock.now}, Seed: func() uint64 { return 42 }}
	f.lead = f.account("lead@example.jp", "ja")
	f.c = &tsunagari.Community{Kind: tsunagari.CommunityOccupational, Name: "介護職の対話カフェ", Purpose: "語り合う", Online: true,
		Languages: []string{"ja"}, JoinPolicy: tsunagari.JoinOpen, Organisers: []tsunagari.Organiser{{AccountID: f.lead.ID, Role: tsunagari.CommunityOrganiser}}}
	if err := f.stores.Communities.CreateCommunity(ctx, f.c); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) account(email, locale string) *tsunagari.Account {
	a := &tsunagari.Account{Email: email, Name: strings.Split(email, "@")[0], PasswordHash: "x", Roles: []tsunagari.Role{tsunagari.RoleMember}, Locale: locale}
	if err := f.stores.Accounts.CreateAccount(context.Background(), a); err != nil {
		panic(err)
	}
	return a
}

func code(err error) tsunagari.Code { return tsunagari.ErrorCode(err) }

func key(err error) string {
	var e *tsunagari.Error
	if errors.As(err, &e) {
		return e.Key
	}
	return ""
}

func TestLotteryIsDrawnAtTheDeadline(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	start := f.clock.t.Add(10 * 24 * time.Hour)
	e := &tsunagari.Event{CommunityID: f.c.ID, Title: "人気の勉強会", StartsAt: start, EndsAt: start.Add(2 * time.Hour), Online: true,
		Capacity: 2, Waitlist: true, LotteryHours: 72}
	if err := f.svc.Create(ctx, f.lead, e); err != nil {
		t.Fatal(err)
	}
	var people []*tsunagari.Account
	for i, email := range []string{"a@example.jp", "b@example.jp", "c@example.jp", "d@example.jp"} {
		p := f.account(email, []string{"ja", "en", "", "ja"}[i])
		people = append(people, p)
		r, err := f.svc.RSVP(ctx, p, e.ID, time.Time{}, false)
		if err != nil || r.Status != tsunagari.RSVPEntered {
			t.Fatalf("RSVP = %v, %v; want an entry", r, err)
		}
	}
	if n, err := f.svc.DrawDue(ctx); err != nil || n != 0 {
		t.Fatalf("DrawDue before the deadline = %d, %v", n, err)
	}
	f.clock.t = e.LotteryClosesAt(start)
	// Two processes run the job at once: the lottery is drawn once.
	done := make(chan int, 2)
	for range 2 {
		go func() {
			n, err := f.svc.DrawDue(ctx)
			if err != nil {
				t.Error(err)
			}
			done <- n
		}()
	}
	if n := <-done + <-done; n != 1 {
		t.Fatalf("two processes' DrawDue drew %d lotteries together, want 1", n)
	}
	mails, _ := f.stores.Outbox.FindMail(ctx, tsunagari.MailFilter{})
	if len(mails) != 4 {
		t.Fatalf("%d mails after the draw, want 4", len(mails))
	}
	order := tsunagari.DrawOrder(42, 4)
	for rank, i := range order {
		want := "event_won"
		if rank >= 2 {
			want = "event_drawn_queued"
		}
		var got *tsunagari.Mail
		for _, m := range mails {
			if m.To == people[i].Email {
				got = m
			}
		}
		if got == nil || got.Kind != want {
			t.Errorf("%s drawn %d got %+v, want %s", people[i].Email, rank, got, want)
			continue
		}
		// In the person's language, or both when they chose none.
		ja, en := strings.Contains(got.Body, "さん\n"), strings.Contains(got.Body, "Dear ")
		switch people[i].Locale {
		case "ja":
			if !ja || en {
				t.Errorf("mail to a Japanese reader: %q", got.Body)
			}
		case "en":
			if ja || !en {
				t.Errorf("mail to an English reader: %q", got.Body)
			}
		default:
			if !ja || !en {
				t.Errorf("mail to a reader without a language: %q", got.Body)
			}
		}
		if !strings.Contains(got.Body, "https://tsunagari.example/events/"+e.ID+"?at=") {
			t.Errorf("mail lacks the link: %q", got.Body)
		}
	}
	events, err := f.stores.Audit.FindAuditEvents(ctx, tsunagari.AuditFilter{Action: tsunagari.AuditLotteryDraw})
	if err != nil || len(events) != 1 || !strings.Contains(events[0].Detail, "seed=000000000000002a") {
		t.Errorf("audit of the draw = %+v, %v", events, err)
	}
	d, err := f.svc.Event(ctx, people[0], e.ID, time.Time{})
	if err != nil || d.Selected.State.LotterySeed != 42 || d.Selected.State.Confirmed != 2 {
		t.Errorf("occurrence after the draw = %+v, %v", d.Selected, err)
	}
}

func TestRSVPRefusals(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	start := f.clock.t.Add(24 * time.Hour)
	one := &tsunagari.Event{CommunityID: f.c.ID, Title: "少人数の相談会", StartsAt: start, EndsAt: start.Add(time.Hour), Online: true, Capacity: 1}
	if err := f.svc.Create(ctx, f.lead, one); err != nil {
		t.Fatal(err)
	}
	a, b := f.account("a@example.jp", ""), f.account("b@example.jp", "")
	if _, err := f.svc.RSVP(ctx, a, one.ID, time.Time{}, false); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.RSVP(ctx, b, one.ID, time.Time{}, false); code(err) != tsunagari.CodeConflict || key(err) != "event.full" {
		t.Errorf("RSVP to a full event without waitlist = %v", err)
	}
	if _, err := f.svc.RSVP(ctx, nil, one.ID, time.Time{}, false); code(err) != tsunagari.CodeUnauthorized {
		t.Errorf("RSVP signed out = %v", err)
	}
	if _, err := f.svc.RSVP(ctx, b, one.ID, start.Add(time.Minute), false); code(err) != tsunagari.CodeNotFound || key(err) != "event.no_such_occurrence" {
		t.Errorf("RSVP to a time it does not take place = %v", err)
	}
	f.clock.t = start
	if _, err := f.svc.RSVP(ctx, b, one.ID, time.Time{}, false); code(err) != tsunagari.CodeInvalid || key(err) != "event.past" {
		t.Errorf("RSVP to a past event = %v", err)
	}
	if err := f.svc.Create(ctx, f.lead, &tsunagari.Event{CommunityID: f.c.ID, Title: "昨日", StartsAt: start.Add(-time.Hour),
		EndsAt: start, Online: true}); key(err) != "event.starts_in_past" {
		t.Errorf("Create in the past = %v", err)
	}
	if err := f.svc.Create(ctx, a, &tsunagari.Event{CommunityID: f.c.ID, Title: "乗っ取り", StartsAt: start.Add(time.Hour),
		EndsAt: start.Add(2 * time.Hour), Online: true}); code(err) != tsunagari.CodeNotFound {
		t.Errorf("Create by a non-organiser = %v", err)
	}
}

// TestMailKeysExist checks that every change a store reports has its
// message, in both languages.
func TestMailKeysExist(t *testing.T) {
	catalog, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []tsunagari.RSVPChange{tsunagari.ChangePromoted, tsunagari.ChangeApproved, tsunagari.ChangeApprovedQueued,
		tsunagari.ChangeDeclined, tsunagari.ChangeWon, tsunagari.ChangeDrawnQueued, tsunagari.ChangeNotSelected, tsunagari.ChangeCancelled} {
		for _, lang := range i18n.Languages {
			p := catalog.Printer(lang)
			for _, part := range []string{".subject", ".body"} {
				k := event.MailKey(c) + part
				if !p.Has(k) {
					t.Errorf("%s has no %s", lang, k)
				}
				if got := p.T(k, "名前", "題", "日時", "https://x", 3, "理由"); strings.Contains(got, "%!") {
					t.Errorf("%s %s formats badly: %q", lang, k, got)
				}
			}
		}
	}
}
