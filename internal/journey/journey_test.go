package journey_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tsunagari"
	"tsunagari/internal/auth"
	"tsunagari/internal/journey"
	"tsunagari/internal/postgres/pgtest"
	"tsunagari/internal/sqlite"
	"tsunagari/internal/survey"
)

type database interface {
	Stores() tsunagari.Stores
	DataFingerprint(ctx context.Context) (string, error)
}

// env is a journey service on a real database.
type env struct {
	t       *testing.T
	db      database
	path    string // the SQLite file, or ""
	s       tsunagari.Stores
	now     time.Time
	svc     *journey.Service
	surveys *survey.Service
	n       int
}

func onBoth(t *testing.T, f func(t *testing.T, e *env)) {
	t.Run("sqlite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "j.db")
		db, err := sqlite.Open(context.Background(), path, sqlite.Options{Migrate: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		e := newEnv(t, db)
		e.path = path
		f(t, e)
	})
	t.Run("postgres", func(t *testing.T) {
		if !pgtest.Enabled() {
			t.Skip(pgtest.DSNEnv + " is not set")
		}
		f(t, newEnv(t, pgtest.MustOpenDB(t)))
	})
}

func sealer(t *testing.T, seed byte) *auth.Sealer {
	t.Helper()
	s, err := auth.NewSealer(bytes.Repeat([]byte{seed}, auth.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func newEnv(t *testing.T, db database) *env {
	t.Helper()
	s := db.Stores()
	e := &env{t: t, db: db, s: s, now: time.Date(2026, 11, 9, 1, 0, 0, 0, time.UTC)}
	clock := func() time.Time { return e.now }
	e.surveys = &survey.Service{Store: s.Surveys, Orgs: s.Orgs, Now: clock}
	if err := e.surveys.Install(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.svc = &journey.Service{Store: s.Inventory, Accounts: s.Accounts, Consultation: s.Consultation, Surveys: s.Surveys,
		Communities: s.Communities, Sealer: sealer(t, 7), Now: clock}
	return e
}

func (e *env) account(name, orgID string, roles ...tsunagari.Role) *tsunagari.Account {
	e.t.Helper()
	e.n++
	a := &tsunagari.Account{Email: fmt.Sprintf("a%d@example.jp", e.n), Name: name, PasswordHash: "x",
		Roles: append([]tsunagari.Role{tsunagari.RoleMember}, roles...), CreatedAt: e.now}
	if orgID != "" {
		a.Employment = &tsunagari.Employment{OrgID: orgID, StartedAt: e.now}
	}
	if err := e.s.Accounts.CreateAccount(context.Background(), a); err != nil {
		e.t.Fatal(err)
	}
	return a
}

func (e *env) consultant(name string) *tsunagari.Account {
	e.t.Helper()
	a := e.account(name, "", tsunagari.RoleConsultant)
	c := &tsunagari.Consultant{AccountID: a.ID, DisplayName: name, RegistrationNumber: fmt.Sprintf("%08d", 17000000+e.n),
		Languages: []string{"ja"}, Online: true}
	if err := c.Validate(); err != nil {
		e.t.Fatal(err)
	}
	if err := e.s.Consultation.SaveConsultant(context.Background(), c); err != nil {
		e.t.Fatal(err)
	}
	return a
}

// book stores an active booking of member with consultant, starting at
// start.
func (e *env) book(member, consultant *tsunagari.Account, start time.Time) *tsunagari.Booking {
	e.t.Helper()
	b, err := e.s.Consultation.CreateBooking(context.Background(), &tsunagari.Booking{ConsultantID: consultant.ID,
		MemberID: member.ID, Start: start, End: start.Add(time.Hour), BlockedUntil: start.Add(time.Hour),
		Status: tsunagari.BookingConfirmed, Themes: []string{"job_change"}, CreatedAt: e.now}, tsunagari.WeekCap{}, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return b
}

func (e *env) fingerprint() string {
	e.t.Helper()
	fp, err := e.db.DataFingerprint(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return fp
}

func code(err error) tsunagari.Code { return tsunagari.ErrorCode(err) }

// canary is a text that must never be in the database in the clear.
const canary = "カナリア転職先は株式会社ツグミ"

func TestInventory(t *testing.T) {
	onBoth(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		member := e.account("佐藤 花子", "")
		inv, err := e.svc.Inventory(ctx, member)
		if err != nil || !inv.UpdatedAt.IsZero() || len(inv.Items) != 0 {
			t.Fatalf("Inventory before any = %+v, %v; want an empty one", inv, err)
		}
		items := []tsunagari.InventoryItem{
			{ID: "want", Text: "  " + canary + "\r\n人の役に立つ仕事  "},
			{ID: "experiences", Text: "営業10年、法務5年"},
			{ID: "strengths", Text: ""},
		}
		if _, err := e.svc.SaveInventory(ctx, member, items); err != nil {
			t.Fatal(err)
		}
		got, err := e.svc.Inventory(ctx, member)
		if err != nil || len(got.Items) != 2 || got.Items[0].ID != "experiences" || got.Items[1].ID != "want" ||
			got.Text("want") != canary+"\n人の役に立つ仕事" || !got.UpdatedAt.Equal(e.now) {
			t.Errorf("Inventory = %+v, %v; want experiences then want, trimmed, empty ones dropped", got, err)
		}

		// Sealed at rest: no text in any row, nor in the file.
		raw, err := e.s.Inventory.FindInventory(ctx, member.ID)
		if err != nil || strings.Contains(raw.Body, "営業") || !strings.HasPrefix(raw.Body, "v1.") {
			t.Errorf("stored body = %q, %v; want a sealed value", raw.Body, err)
		}
		if e.path != "" {
			for _, f := range []string{e.path, e.path + "-wal"} {
				b, err := os.ReadFile(f)
				if err != nil && !os.IsNotExist(err) {
					t.Fatal(err)
				}
				if bytes.Contains(b, []byte(canary)) || bytes.Contains(b, []byte("営業10年")) {
					t.Errorf("%s holds the inventory's text in the clear", filepath.Base(f))
				}
			}
		}
		// A body copied to another member does not open.
		other := e.account("他人", "")
		if err := e.s.Inventory.SaveInventory(ctx, &tsunagari.Inventory{MemberID: other.ID, Body: raw.Body, UpdatedAt: e.now}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Inventory(ctx, other); err == nil {
			t.Error("another member's copy of a sealed inventory opened")
		}

		fp := e.fingerprint()
		for _, bad := range [][]tsunagari.InventoryItem{
			{{ID: "salary", Text: "x"}},
			{{ID: "want", Text: "a"}, {ID: "want", Text: "b"}},
			{{ID: "can", Text: strings.Repeat("あ", tsunagari.MaxInventoryItemLen+1)}},
			{{ID: "can", Text: "bell\x07"}},
		} {
			if _, err := e.svc.SaveInventory(ctx, member, bad); code(err) != tsunagari.CodeInvalid {
				t.Errorf("SaveInventory(%.40v) = %v; want invalid", bad, err)
			}
		}
		if _, err := e.svc.SaveInventory(ctx, nil, items); code(err) != tsunagari.CodeUnauthorized {
			t.Errorf("SaveInventory signed out = %v", err)
		}
		if e.fingerprint() != fp {
			t.Error("refused inventories changed the database")
		}

		if err := e.svc.DeleteInventory(ctx, member); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.DeleteInventory(ctx, member); code(err) != tsunagari.CodeNotFound {
			t.Errorf("DeleteInventory twice = %v; want not found", err)
		}
		if inv, _ := e.svc.Inventory(ctx, member); len(inv.Items) != 0 {
			t.Errorf("after DeleteInventory = %+v", inv)
		}
	})
}

func TestSharing(t *testing.T) {
	onBoth(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		o := &tsunagari.Org{Name: "つながり商事", DeclaredEmployees: 500, MinGroupSize: 5}
		if err := e.s.Orgs.CreateOrg(ctx, o); err != nil {
			t.Fatal(err)
		}
		member := e.account("佐藤 花子", o.ID)
		hr := e.account("人事 担当", o.ID, tsunagari.RoleHRAdmin)
		colleague := e.account("同僚", o.ID)
		op := e.account("運営", "", tsunagari.RoleOperator)
		c := e.consultant("田中 相談員")
		c2 := e.consultant("別の 相談員")
		b := e.book(member, c, e.now.Add(48*time.Hour))
		theirs := e.book(colleague, c, e.now.Add(72*time.Hour))

		if err := e.svc.Share(ctx, member, b.ID); code(err) != tsunagari.CodeConflict {
			t.Errorf("Share before writing an inventory = %v; want a conflict", err)
		}
		if _, err := e.svc.SaveInventory(ctx, member, []tsunagari.InventoryItem{{ID: "want", Text: canary}}); err != nil {
			t.Fatal(err)
		}
		shares, err := e.svc.Shares(ctx, member)
		if err != nil || len(shares) != 1 || shares[0].Shared || !shares[0].Open || shares[0].Consultant != "田中 相談員" {
			t.Fatalf("Shares before sharing = %+v, %v", shares, err)
		}
		// Nobody reads it before it is shared.
		if _, err := e.svc.SharedInventory(ctx, c, b.ID); code(err) != tsunagari.CodeNotFound {
			t.Errorf("the consultant reads an unshared inventory: %v", err)
		}
		if err := e.svc.Share(ctx, member, b.ID); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.Share(ctx, member, b.ID); err != nil {
			t.Errorf("sharing twice = %v; want it kept", err)
		}
		got, err := e.svc.SharedInventory(ctx, c, b.ID)
		if err != nil || got.Inventory.Text("want") != canary || got.MemberName != "佐藤 花子" {
			t.Fatalf("SharedInventory as the consultant = %+v, %v", got, err)
		}
		if list, err := e.svc.SharedWithMe(ctx, c); err != nil || len(list) != 1 || list[0].Booking.ID != b.ID || list[0].MemberName != "佐藤 花子" {
			t.Errorf("SharedWithMe as the consultant = %+v, %v", list, err)
		}
		if list, err := e.svc.SharedWithMe(ctx, c2); err != nil || len(list) != 0 {
			t.Errorf("SharedWithMe as another consultant = %+v, %v", list, err)
		}
		if _, err := e.svc.SharedWithMe(ctx, hr); code(err) != tsunagari.CodeNotFound {
			t.Errorf("SharedWithMe as HR = %v; want not found", err)
		}
		// Everyone else: not found, as for a booking that does not exist.
		for _, who := range []*tsunagari.Account{hr, colleague, op, c2, member} {
			if _, err := e.svc.SharedInventory(ctx, who, b.ID); code(err) != tsunagari.CodeNotFound {
				t.Errorf("SharedInventory as %s = %v; want not found", who.Name, err)
			}
		}
		if _, err := e.svc.SharedInventory(ctx, c, tsunagari.NewID()); code(err) != tsunagari.CodeNotFound {
			t.Errorf("SharedInventory of no booking = %v", err)
		}
		// Only the member shares and unshares their own bookings.
		fp := e.fingerprint()
		for _, tc := range []struct {
			name string
			err  error
		}{
			{"a colleague shares it", e.svc.Share(ctx, colleague, b.ID)},
			{"the consultant unshares it", e.svc.Unshare(ctx, c, b.ID)},
			{"HR unshares it", e.svc.Unshare(ctx, hr, b.ID)},
			{"the member shares someone else's booking", e.svc.Share(ctx, member, theirs.ID)},
			{"a junk ID", e.svc.Share(ctx, member, "junk")},
		} {
			if code(tc.err) != tsunagari.CodeNotFound {
				t.Errorf("%s: %v; want not found", tc.name, tc.err)
			}
		}
		if e.fingerprint() != fp {
			t.Error("refused shares changed the database")
		}

		// Taking it back ends the consultant's access at once.
		if err := e.svc.Unshare(ctx, member, b.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.SharedInventory(ctx, c, b.ID); code(err) != tsunagari.CodeNotFound {
			t.Errorf("after Unshare the consultant still reads it: %v", err)
		}
		if err := e.svc.Unshare(ctx, member, b.ID); code(err) != tsunagari.CodeNotFound {
			t.Errorf("Unshare twice = %v", err)
		}

		// A cancelled booking reads nothing, and cannot be shared.
		if err := e.svc.Share(ctx, member, b.ID); err != nil {
			t.Fatal(err)
		}
		if err := e.s.Consultation.CancelBooking(ctx, b.ID, tsunagari.Cancellation{By: member.ID, At: e.now}, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.SharedInventory(ctx, c, b.ID); code(err) != tsunagari.CodeNotFound {
			t.Errorf("the consultant reads the inventory of a cancelled booking: %v", err)
		}
		if list, _ := e.svc.SharedWithMe(ctx, c); len(list) != 0 {
			t.Errorf("SharedWithMe lists a cancelled booking: %+v", list)
		}
		b2 := e.book(member, c, e.now.Add(96*time.Hour))
		if err := e.svc.Share(ctx, member, b.ID); code(err) != tsunagari.CodeConflict {
			t.Errorf("Share of a cancelled booking = %v; want a conflict", err)
		}
		// Once the session has started, it is too late to share.
		e.now = b2.Start.Add(time.Minute)
		if err := e.svc.Share(ctx, member, b2.ID); code(err) != tsunagari.CodeConflict {
			t.Errorf("Share after the start = %v; want a conflict", err)
		}
	})
}

func TestReseal(t *testing.T) {
	onBoth(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		member := e.account("佐藤 花子", "")
		if _, err := e.svc.SaveInventory(ctx, member, []tsunagari.InventoryItem{{ID: "can", Text: canary}}); err != nil {
			t.Fatal(err)
		}
		old, fresh := sealer(t, 7), sealer(t, 9)
		both, err := auth.NewSealer(bytes.Repeat([]byte{9}, auth.KeySize), bytes.Repeat([]byte{7}, auth.KeySize))
		if err != nil {
			t.Fatal(err)
		}
		e.svc.Sealer = both // the new key, and the old one it replaced
		n, err := e.svc.Reseal(ctx)
		if err != nil || n != 1 {
			t.Fatalf("Reseal = %d, %v; want 1", n, err)
		}
		if n, err := e.svc.Reseal(ctx); err != nil || n != 0 {
			t.Errorf("Reseal again = %d, %v; want nothing left to move", n, err)
		}
		e.svc.Sealer = fresh // the old key is gone
		if inv, err := e.svc.Inventory(ctx, member); err != nil || inv.Text("can") != canary {
			t.Errorf("after Reseal, under the new key alone = %+v, %v", inv, err)
		}
		e.svc.Sealer = old
		if _, err := e.svc.Inventory(ctx, member); err == nil {
			t.Error("the old key still opens the inventory after Reseal")
		}
	})
}

func TestTimeline(t *testing.T) {
	onBoth(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		member := e.account("佐藤 花子", "")
		next := func(want journey.Step) *journey.Timeline {
			t.Helper()
			tl, err := e.svc.Timeline(ctx, member)
			if err != nil {
				t.Fatal(err)
			}
			if tl.Next != want {
				t.Errorf("next step = %s; want %s", tl.Next, want)
			}
			return tl
		}
		next(journey.StepDiagnosis)

		answer := func(instrument string, v float64) {
			t.Helper()
			round, in, err := e.surveys.StandingRound(ctx, member, instrument)
			if err != nil {
				t.Fatal(err)
			}
			var answers []tsunagari.Answer
			for _, it := range in.Items() {
				if it.Kind == tsunagari.KindLikert {
					answers = append(answers, tsunagari.Answer{Item: it.ID, Value: tsunagari.Float(v)})
				}
			}
			if _, err := e.surveys.Respond(ctx, member, round.ID, answers); err != nil {
				t.Fatal(err)
			}
		}
		answer(survey.ValuesDiagnosis, 4)
		next(journey.StepBook)

		c := e.consultant("田中 相談員")
		past := e.book(member, c, e.now.Add(-30*24*time.Hour))
		b := e.book(member, c, e.now.Add(48*time.Hour))
		next(journey.StepInventory)
		e.now = e.now.Add(time.Hour)
		if _, err := e.svc.SaveInventory(ctx, member, []tsunagari.InventoryItem{{ID: "want", Text: "学び直し"}}); err != nil {
			t.Fatal(err)
		}
		next(journey.StepShare)
		if err := e.svc.Share(ctx, member, b.ID); err != nil {
			t.Fatal(err)
		}
		next(journey.StepCommunity)

		org := e.account("運営者", "", tsunagari.RoleOrganiser)
		com := &tsunagari.Community{Kind: tsunagari.CommunityOccupational, Name: "介護職の対話カフェ", Purpose: "月に一度、職種を越えて話す",
			Styles: []tsunagari.ActivityStyle{tsunagari.StyleEvents}, Online: true, Languages: []string{"ja"},
			JoinPolicy: tsunagari.JoinOpen, Organisers: []tsunagari.Organiser{{AccountID: org.ID, Role: tsunagari.CommunityOrganiser}}}
		if err := com.Validate(); err != nil {
			t.Fatal(err)
		}
		if err := e.s.Communities.CreateCommunity(ctx, com); err != nil {
			t.Fatal(err)
		}
		joinedAt := e.now.Add(-2 * 24 * time.Hour)
		if err := e.s.Communities.CreateMembership(ctx, &tsunagari.Membership{CommunityID: com.ID, AccountID: member.ID,
			Involvement: tsunagari.InvolvementRegular, Role: tsunagari.CommunityMember, Status: tsunagari.MembershipActive,
			RequestedAt: joinedAt, JoinedAt: joinedAt}); err != nil {
			t.Fatal(err)
		}
		next(journey.StepCheckIn)
		answer(survey.FivePowers, 3)
		tl := next(journey.StepKeepGoing)

		kinds := map[journey.ItemKind]int{journey.ItemDiagnosis: 1, journey.ItemCheckIn: 1, journey.ItemInventory: 1,
			journey.ItemConsultation: 2, journey.ItemCommunity: 1}
		if fmt.Sprint(tl.Counts) != fmt.Sprint(kinds) {
			t.Errorf("counts = %v; want %v", tl.Counts, kinds)
		}
		if first := tl.Items[0]; first.Kind != journey.ItemConsultation || !first.Upcoming || first.Booking.ID != b.ID ||
			first.Consultant != "田中 相談員" {
			t.Errorf("first item = %+v; want the coming session", first)
		}
		if last := tl.Items[len(tl.Items)-1]; last.Booking == nil || last.Booking.ID != past.ID || last.Upcoming {
			t.Errorf("last item = %+v; want the session of a month ago", last)
		}
		for i := 2; i < len(tl.Items); i++ {
			if tl.Items[i].At.After(tl.Items[i-1].At) {
				t.Errorf("items %d and %d are out of order: %v, %v", i-1, i, tl.Items[i-1].At, tl.Items[i].At)
			}
		}
		// Half a year on, the diagnosis is due again (after a check-in).
		e.now = e.now.Add(journey.RediagnoseAfter)
		answer(survey.FivePowers, 4)
		next(journey.StepRediagnose)

		// Someone else's timeline holds none of it.
		other := e.account("別の 会員", "")
		tl2, err := e.svc.Timeline(ctx, other)
		if err != nil || len(tl2.Items) != 0 || tl2.Next != journey.StepDiagnosis {
			t.Errorf("another member's timeline = %+v, %v; want empty", tl2, err)
		}
		if _, err := e.svc.Timeline(ctx, nil); code(err) != tsunagari.CodeUnauthorized {
			t.Errorf("Timeline signed out = %v", err)
		}
	})
}
