package idea_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tsunagari"
	"tsunagari/internal/audit"
	"tsunagari/internal/i18n"
	"tsunagari/internal/idea"
	"tsunagari/internal/sqlite"
)

type fixture struct {
	db     *sqlite.DB
	svc    *idea.Service
	stores tsunagari.Stores
	poster *tsunagari.Account
	n      int
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "idea.db"), sqlite.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	now := func() time.Time { return time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC) }
	f := &fixture{db: db, stores: db.Stores()}
	catalog, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	f.svc = &idea.Service{Store: f.stores.Ideas, Catalog: catalog, BaseURL: "https://tsunagari.example",
		Audit: &audit.Service{Store: f.stores.Audit, Now: now}, Now: now}
	f.poster = f.account(t)
	return f
}

func (f *fixture) account(t *testing.T) *tsunagari.Account {
	t.Helper()
	f.n++
	a := &tsunagari.Account{Email: fmt.Sprintf("p%d@example.jp", f.n), Name: fmt.Sprintf("支援者%d", f.n), PasswordHash: "x",
		Roles: []tsunagari.Role{tsunagari.RoleMember}}
	if err := f.stores.Accounts.CreateAccount(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	return a
}

func (f *fixture) fingerprint(t *testing.T) string {
	t.Helper()
	fp, err := f.db.Fingerprint(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return fp
}

// refused checks err's code and key, and that nothing changed.
func (f *fixture) refused(t *testing.T, what, before string, err error, code tsunagari.Code, key string) {
	t.Helper()
	var e *tsunagari.Error
	if tsunagari.ErrorCode(err) != code || !errors.As(err, &e) || e.Key != key {
		t.Errorf("%s error = %v, want %s %s", what, err, code, key)
	}
	if f.fingerprint(t) != before {
		t.Errorf("%s changed the database", what)
	}
}

func (f *fixture) post(t *testing.T, threshold int) *tsunagari.Idea {
	t.Helper()
	i := &tsunagari.Idea{Title: "介護の現場でマネジメントを学べる場がほしい", Tags: []string{"介護", "マネジメント"}, Area: "15", Threshold: threshold}
	if err := f.svc.Create(context.Background(), f.poster, i); err != nil {
		t.Fatalf("Create error = %v", err)
	}
	return i
}

// The acceptance: an idea reaching its threshold becomes a community with
// its supporters invited, not made members.
func TestIdeaBecomesCommunity(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	i := f.post(t, 0)
	if i.Threshold != tsunagari.DefaultIdeaThreshold {
		t.Fatalf("default threshold = %d, want %d", i.Threshold, tsunagari.DefaultIdeaThreshold)
	}
	var fans []*tsunagari.Account
	for n := range tsunagari.DefaultIdeaThreshold {
		a := f.account(t)
		fans = append(fans, a)
		role := tsunagari.IdeaRoles[n%len(tsunagari.IdeaRoles)]
		if _, err := f.svc.Support(ctx, a, i.ID, role); err != nil {
			t.Fatalf("Support error = %v", err)
		}
	}
	d, err := f.svc.Idea(ctx, f.poster, i.ID)
	if err != nil || !d.Idea.Ready() || len(d.Supports) != 5 || d.Suggested != tsunagari.CommunityOccupational {
		t.Fatalf("Idea = %+v, %v; want ready with 5 supporters, occupational suggested", d, err)
	}
	c, err := f.svc.Convert(ctx, f.poster, i.ID, idea.Conversion{Kind: tsunagari.CommunityNPO, Name: "介護マネジメントの学び場"})
	if err != nil {
		t.Fatalf("Convert error = %v", err)
	}
	got, err := f.stores.Communities.FindCommunityByID(ctx, c.ID)
	if err != nil || got.Kind != tsunagari.CommunityNPO || got.Name != "介護マネジメントの学び場" || got.Prefecture != "15" ||
		got.MemberCount != 1 || len(got.Organisers) != 1 || got.Organisers[0].AccountID != f.poster.ID {
		t.Fatalf("community = %+v, %v; want an NPO in Niigata run by the poster alone", got, err)
	}
	for _, a := range fans {
		if _, err := f.stores.Communities.FindMembership(ctx, c.ID, a.ID); err == nil {
			t.Errorf("%s is a member without their own act", a.Name)
		}
		inv, err := f.svc.Invitations(ctx, a)
		if err != nil || len(inv) != 1 || inv[0].CommunityID != c.ID {
			t.Errorf("Invitations(%s) = %v, %v; want the new community", a.Name, inv, err)
		}
		mails, err := f.stores.Outbox.FindMail(ctx, tsunagari.MailFilter{To: a.Email})
		if err != nil || len(mails) != 1 || !strings.Contains(mails[0].Body, "https://tsunagari.example/communities/"+c.ID) ||
			!strings.Contains(mails[0].Body, a.Name) {
			t.Errorf("mail to %s = %v, %v; want one invitation with the community's link", a.Name, mails, err)
		}
		d, err := f.svc.Idea(ctx, a, i.ID)
		if err != nil || d.Support == nil || d.Support.InvitedAt == nil || d.Supports != nil {
			t.Errorf("Idea as supporter = %+v, %v; want own support invited, nobody else's", d, err)
		}
	}
	// Converting again changes nothing.
	fp := f.fingerprint(t)
	_, err = f.svc.Convert(ctx, f.poster, i.ID, idea.Conversion{})
	f.refused(t, "Convert(again)", fp, err, tsunagari.CodeConflict, "idea.converted")
}

func TestIdeaBadInput(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	i := f.post(t, 2)
	fan, stranger := f.account(t), f.account(t)
	if _, err := f.svc.Support(ctx, fan, i.ID, ""); err != nil {
		t.Fatal(err)
	}
	fp := f.fingerprint(t)

	for _, c := range []struct {
		what string
		in   tsunagari.Idea
		key  string
	}{
		{"empty", tsunagari.Idea{Title: "  ", Area: "13"}, "idea.title_required"},
		{"too long", tsunagari.Idea{Title: strings.Repeat("あ", tsunagari.MaxIdeaTitleLen+1), Area: "13"}, "idea.title_too_long"},
		{"unknown area", tsunagari.Idea{Title: "学び場", Area: "48"}, "idea.area_invalid"},
		{"no area", tsunagari.Idea{Title: "学び場"}, "idea.area_invalid"},
		{"threshold low", tsunagari.Idea{Title: "学び場", Area: "online", Threshold: 1}, "idea.threshold_invalid"},
		{"threshold high", tsunagari.Idea{Title: "学び場", Area: "online", Threshold: 51}, "idea.threshold_invalid"},
		{"long description", tsunagari.Idea{Title: "学び場", Area: "online", Description: strings.Repeat("あ", 2001)}, "idea.description_too_long"},
	} {
		in := c.in
		f.refused(t, "Create("+c.what+")", fp, f.svc.Create(ctx, f.poster, &in), tsunagari.CodeInvalid, c.key)
	}
	_, err := f.svc.Support(ctx, stranger, i.ID, "juggling")
	f.refused(t, "Support(unknown role)", fp, err, tsunagari.CodeInvalid, "idea.role_invalid")
	_, err = f.svc.Support(ctx, f.poster, i.ID, "")
	f.refused(t, "Support(own)", fp, err, tsunagari.CodeConflict, "idea.support_own")
	_, err = f.svc.Support(ctx, fan, i.ID, tsunagari.IdeaRoleSpeak)
	f.refused(t, "Support(twice)", fp, err, tsunagari.CodeConflict, "idea.support_twice")
	f.refused(t, "Withdraw(not supporting)", fp, f.svc.Withdraw(ctx, stranger, i.ID), tsunagari.CodeConflict, "idea.not_supported")
	_, err = f.svc.Convert(ctx, f.poster, i.ID, idea.Conversion{})
	f.refused(t, "Convert(below threshold)", fp, err, tsunagari.CodeConflict, "idea.below_threshold")
	_, err = f.svc.Support(ctx, f.account(t), tsunagari.NewID(), "")
	fp = f.fingerprint(t) // the account made just above
	f.refused(t, "Support(unknown idea)", fp, err, tsunagari.CodeNotFound, "idea.not_found")

	if _, err := f.svc.Support(ctx, stranger, i.ID, tsunagari.IdeaRoleVenue); err != nil {
		t.Fatal(err)
	}
	fp = f.fingerprint(t)
	_, err = f.svc.Convert(ctx, fan, i.ID, idea.Conversion{})
	f.refused(t, "Convert(someone else's)", fp, err, tsunagari.CodeNotFound, "idea.not_found")
	_, err = f.svc.Convert(ctx, f.poster, i.ID, idea.Conversion{Kind: "guild"})
	f.refused(t, "Convert(unknown kind)", fp, err, tsunagari.CodeInvalid, "community.kind_invalid")
	_, err = f.svc.Convert(ctx, f.poster, i.ID, idea.Conversion{Name: strings.Repeat("名", 81)})
	f.refused(t, "Convert(long name)", fp, err, tsunagari.CodeInvalid, "community.name_too_long")

	// Taking support back drops below the threshold again.
	if err := f.svc.Withdraw(ctx, stranger, i.ID); err != nil {
		t.Fatalf("Withdraw error = %v", err)
	}
	if d, _ := f.svc.Idea(ctx, f.poster, i.ID); d.Idea.SupporterCount != 1 {
		t.Errorf("SupporterCount after withdrawal = %d, want 1", d.Idea.SupporterCount)
	}
}

func TestSuggestKind(t *testing.T) {
	for text, want := range map[string]tsunagari.CommunityKind{
		"介護の現場でマネジメントを学べる場がほしい": tsunagari.CommunityOccupational,
		"新潟出身で東京にいる人の集まり":       tsunagari.CommunityRegionalAlumni,
		"子ども食堂を支援したい":           tsunagari.CommunityNPO,
		"非正規でも入れる組合がほしい":        tsunagari.CommunityUnion,
	} {
		i := &tsunagari.Idea{Title: text}
		if got := i.SuggestKind(); got != want {
			t.Errorf("SuggestKind(%q) = %s, want %s", text, got, want)
		}
	}
}
