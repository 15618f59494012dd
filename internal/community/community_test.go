package community_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tsunagari"
	"tsunagari/internal/audit"
	"tsunagari/internal/community"
	"tsunagari/internal/sqlite"
)

// env is a community service on a real SQLite database with a clock the
// test moves.
type env struct {
	t   *testing.T
	db  *sqlite.DB
	st  tsunagari.Stores
	svc *community.Service
	now time.Time
}

func newEnv(t *testing.T) *env {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "c.db"), sqlite.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	e := &env{t: t, db: db, st: db.Stores(), now: time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)}
	clock := func() time.Time { return e.now }
	e.svc = &community.Service{Store: e.st.Communities, Accounts: e.st.Accounts, Orgs: e.st.Orgs,
		Audit: &audit.Service{Store: e.st.Audit, Now: clock}, Now: clock}
	return e
}

func (e *env) account(email string, roles ...tsunagari.Role) *tsunagari.Account {
	e.t.Helper()
	a := &tsunagari.Account{Email: email, Name: email[:strings.IndexByte(email, '@')], Roles: append([]tsunagari.Role{tsunagari.RoleMember}, roles...), CreatedAt: e.now}
	if err := e.st.Accounts.CreateAccount(context.Background(), a); err != nil {
		e.t.Fatal(err)
	}
	return a
}

func (e *env) fingerprint() string {
	e.t.Helper()
	fp, err := e.db.DataFingerprint(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return fp
}

func (e *env) create(organiser *tsunagari.Account, name string, policy tsunagari.JoinPolicy) *tsunagari.Community {
	e.t.Helper()
	c := &tsunagari.Community{Kind: tsunagari.CommunityOccupational, Name: name, Purpose: "介護職が語り合う",
		Prefecture: "13", JoinPolicy: policy, Languages: []string{"ja"}}
	if err := e.svc.Create(context.Background(), organiser, c); err != nil {
		e.t.Fatal(err)
	}
	return c
}

// code returns the code and message key of err.
func code(err error) (tsunagari.Code, string) {
	var e *tsunagari.Error
	if errors.As(err, &e) {
		return e.Code, e.Key
	}
	return tsunagari.ErrorCode(err), ""
}

func wantCode(t *testing.T, what string, err error, want tsunagari.Code, key string) {
	t.Helper()
	if c, k := code(err); c != want || (key != "" && k != key) {
		t.Errorf("%s error = %v; want %s %s", what, err, want, key)
	}
}

func TestCreateAndSee(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	org := e.account("org@example.jp", tsunagari.RoleOrganiser)
	member := e.account("member@example.jp")
	op := e.account("op@example.jp", tsunagari.RoleOperator)

	wantCode(t, "Create by a member", e.svc.Create(ctx, member, &tsunagari.Community{}), tsunagari.CodeNotFound, "")
	wantCode(t, "Create signed out", e.svc.Create(ctx, nil, &tsunagari.Community{}), tsunagari.CodeUnauthorized, "")
	fp := e.fingerprint()
	wantCode(t, "Create with no name", e.svc.Create(ctx, org, &tsunagari.Community{Kind: tsunagari.CommunityUnion, Purpose: "x",
		Prefecture: "13", JoinPolicy: tsunagari.JoinOpen}), tsunagari.CodeInvalid, "community.name_required")
	wantCode(t, "Create with an unknown org", e.svc.Create(ctx, org, &tsunagari.Community{Kind: tsunagari.CommunityCorporateAlumni,
		Name: "x", Purpose: "x", Prefecture: "13", JoinPolicy: tsunagari.JoinOpen, OrgID: tsunagari.NewID()}), tsunagari.CodeInvalid, "community.org_unknown")
	if e.fingerprint() != fp {
		t.Error("rejected creations changed the database")
	}

	c := e.create(org, "介護職の対話カフェ", tsunagari.JoinOpen)
	v, err := e.svc.Community(ctx, member, c.ID)
	if err != nil || v.Community.Name != c.Name || v.Membership != nil || v.Runs {
		t.Fatalf("Community(member) = %+v, %v", v, err)
	}
	if v, _ := e.svc.Community(ctx, org, c.ID); !v.Runs || !v.Leads || v.Membership.Involvement != tsunagari.InvolvementCore {
		t.Errorf("Community(organiser) = %+v", v)
	}
	_, err = e.svc.Community(ctx, member, "junk")
	wantCode(t, "Community(junk)", err, tsunagari.CodeNotFound, "community.not_found")

	// Hidden: not found for members, even through search, but seen by
	// its organisers and operators; nobody joins it; members still leave.
	wantCode(t, "Hide by the organiser", e.svc.Hide(ctx, org, c.ID, "理由"), tsunagari.CodeNotFound, "")
	if _, err := e.svc.Join(ctx, member, c.ID, tsunagari.InvolvementObserver); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "Hide without a reason", e.svc.Hide(ctx, op, c.ID, " "), tsunagari.CodeInvalid, "community.hide_reason_required")
	if err := e.svc.Hide(ctx, op, c.ID, "勧誘目的の投稿が続いたため"); err != nil {
		t.Fatal(err)
	}
	other := e.account("other@example.jp")
	_, err = e.svc.Community(ctx, other, c.ID)
	wantCode(t, "Community(hidden) for a member", err, tsunagari.CodeNotFound, "community.not_found")
	_, missing := e.svc.Community(ctx, other, tsunagari.NewID())
	if err.Error() != missing.Error() {
		t.Errorf("a hidden community answers %v, a missing one %v", err, missing)
	}
	fp = e.fingerprint()
	_, err = e.svc.Join(ctx, other, c.ID, tsunagari.InvolvementRegular)
	wantCode(t, "Join(hidden)", err, tsunagari.CodeNotFound, "community.not_found")
	_, err = e.svc.Join(ctx, op, c.ID, tsunagari.InvolvementRegular)
	wantCode(t, "Join(hidden) by an operator", err, tsunagari.CodeConflict, "community.hidden_no_join")
	if e.fingerprint() != fp {
		t.Error("joining a hidden community changed the database")
	}
	if v, err := e.svc.Community(ctx, org, c.ID); err != nil || !v.Community.Hidden() || v.Community.HiddenReason == "" {
		t.Errorf("Community(hidden) for its organiser = %+v, %v", v, err)
	}
	if _, err := e.svc.Community(ctx, op, c.ID); err != nil {
		t.Errorf("Community(hidden) for an operator error = %v", err)
	}
	if res, _ := e.svc.Search(ctx, member, tsunagari.CommunitySearch{Query: "介護", IncludeHidden: true}); res.Total != 0 {
		t.Errorf("a member's search finds %d hidden communities", res.Total)
	}
	if res, _ := e.svc.Search(ctx, op, tsunagari.CommunitySearch{Query: "介護", IncludeHidden: true}); res.Total != 1 {
		t.Errorf("an operator's search with hidden ones = %d; want 1", res.Total)
	}
	mine, _, err := e.svc.Mine(ctx, member)
	if err != nil || len(mine) != 1 {
		t.Errorf("Mine(member of a hidden community) = %d, %v; want it listed", len(mine), err)
	}
	if err := e.svc.Leave(ctx, member, c.ID); err != nil {
		t.Errorf("Leave(hidden) error = %v", err)
	}
	if err := e.svc.Show(ctx, op, c.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Community(ctx, other, c.ID); err != nil {
		t.Errorf("after Show: %v", err)
	}
}

func TestJoinLeaveAndApproval(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	org := e.account("org@example.jp", tsunagari.RoleOrganiser)
	ann := e.account("ann@example.jp")
	ben := e.account("ben@example.jp")
	open := e.create(org, "開かれた会", tsunagari.JoinOpen)
	closed := e.create(org, "承認制の会", tsunagari.JoinApproval)

	m, err := e.svc.Join(ctx, ann, open.ID, tsunagari.InvolvementObserver)
	if err != nil || m.Status != tsunagari.MembershipActive || m.Involvement != tsunagari.InvolvementObserver {
		t.Fatalf("Join(open) = %+v, %v", m, err)
	}
	_, err = e.svc.Join(ctx, ann, open.ID, tsunagari.InvolvementRegular)
	wantCode(t, "Join twice", err, tsunagari.CodeConflict, "community.already_member")
	_, err = e.svc.Join(ctx, ben, open.ID, "fan")
	wantCode(t, "Join as a fan", err, tsunagari.CodeInvalid, "community.involvement_invalid")
	if err := e.svc.SetInvolvement(ctx, ann, open.ID, tsunagari.InvolvementCore); err != nil {
		t.Errorf("SetInvolvement error = %v", err)
	}
	wantCode(t, "organiser as observer", e.svc.SetInvolvement(ctx, org, open.ID, tsunagari.InvolvementObserver), tsunagari.CodeInvalid, "")

	m, err = e.svc.Join(ctx, ben, closed.ID, tsunagari.InvolvementRegular)
	if err != nil || m.Status != tsunagari.MembershipPending {
		t.Fatalf("Join(approval) = %+v, %v", m, err)
	}
	// Only organisers see members, and approve.
	_, _, _, err = e.svc.Members(ctx, ann, closed.ID)
	wantCode(t, "Members by a non-member", err, tsunagari.CodeNotFound, "")
	wantCode(t, "Approve by a member", e.svc.Approve(ctx, ben, closed.ID, ben.ID), tsunagari.CodeNotFound, "")
	_, list, _, err := e.svc.Members(ctx, org, closed.ID)
	if err != nil || len(list) != 2 || list[1].Status != tsunagari.MembershipPending {
		t.Fatalf("Members = %v, %v", list, err)
	}
	if v, _ := e.svc.Community(ctx, org, closed.ID); v.Pending != 1 {
		t.Errorf("Pending = %d; want 1", v.Pending)
	}
	if err := e.svc.Approve(ctx, org, closed.ID, ben.ID); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "Approve twice", e.svc.Approve(ctx, org, closed.ID, ben.ID), tsunagari.CodeConflict, "community.not_pending")

	// Co-organisers run it too, but only the organiser changes roles.
	if err := e.svc.SetRole(ctx, org, closed.ID, ben.ID, tsunagari.CommunityCoOrganiser); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := e.svc.Members(ctx, ben, closed.ID); err != nil {
		t.Errorf("Members by a co-organiser error = %v", err)
	}
	wantCode(t, "SetRole by a co-organiser", e.svc.SetRole(ctx, ben, closed.ID, org.ID, tsunagari.CommunityMember), tsunagari.CodeForbidden, "")
	wantCode(t, "Remove a co-organiser", e.svc.Remove(ctx, org, closed.ID, ben.ID), tsunagari.CodeConflict, "community.remove_organiser")
	wantCode(t, "the organiser leaves", e.svc.Leave(ctx, org, closed.ID), tsunagari.CodeConflict, "community.last_organiser")
	// Hand over, then leave.
	if err := e.svc.SetRole(ctx, org, closed.ID, ben.ID, tsunagari.CommunityOrganiser); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Leave(ctx, org, closed.ID); err != nil {
		t.Errorf("Leave after handing over error = %v", err)
	}
	c, _ := e.st.Communities.FindCommunityByID(ctx, closed.ID)
	if len(c.Organisers) != 1 || c.Organisers[0].AccountID != ben.ID || c.MemberCount != 1 {
		t.Errorf("after hand-over and leaving: %+v, %d members", c.Organisers, c.MemberCount)
	}

	// Leaving is at once and asks nothing; a second time, nothing to leave.
	if err := e.svc.Leave(ctx, ann, open.ID); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "Leave twice", e.svc.Leave(ctx, ann, open.ID), tsunagari.CodeNotFound, "community.not_member")
	if c, _ := e.st.Communities.FindCommunityByID(ctx, open.ID); c.MemberCount != 1 {
		t.Errorf("member count after leaving = %d; want 1", c.MemberCount)
	}
}

func TestRateAfterThirtyDays(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	org := e.account("org@example.jp", tsunagari.RoleOrganiser)
	c := e.create(org, "県人会", tsunagari.JoinOpen)
	var members []*tsunagari.Account
	for _, email := range []string{"a@example.jp", "b@example.jp", "c@example.jp"} {
		a := e.account(email)
		if _, err := e.svc.Join(ctx, a, c.ID, tsunagari.InvolvementRegular); err != nil {
			t.Fatal(err)
		}
		members = append(members, a)
	}
	scores := map[tsunagari.Trait]int{tsunagari.TraitFreeExit: 5, tsunagari.TraitNewcomerSupport: 4}
	fp := e.fingerprint()
	e.now = e.now.AddDate(0, 0, 29)
	wantCode(t, "Rate after 29 days", e.svc.Rate(ctx, members[0], c.ID, scores), tsunagari.CodeConflict, "community.rate_too_soon")
	if e.fingerprint() != fp {
		t.Error("a rating refused changed the database")
	}
	e.now = e.now.AddDate(0, 0, 1)
	wantCode(t, "Rate 6", e.svc.Rate(ctx, members[0], c.ID, map[tsunagari.Trait]int{tsunagari.TraitFreeExit: 6}), tsunagari.CodeInvalid, "")
	stranger := e.account("x@example.jp")
	wantCode(t, "Rate by a non-member", e.svc.Rate(ctx, stranger, c.ID, scores), tsunagari.CodeConflict, "community.not_member")
	for i, a := range members[:2] {
		if err := e.svc.Rate(ctx, a, c.ID, map[tsunagari.Trait]int{tsunagari.TraitFreeExit: 4 + i}); err != nil {
			t.Fatal(err)
		}
	}
	// Two raters: not shown yet. Three: shown.
	v, _ := e.svc.Community(ctx, members[0], c.ID)
	if !v.MayRate || v.MyRating == nil || v.Traits[3].Shown {
		t.Errorf("with two raters: MayRate %v, MyRating %v, free_exit %+v", v.MayRate, v.MyRating, v.Traits[3])
	}
	if err := e.svc.Rate(ctx, members[2], c.ID, map[tsunagari.Trait]int{tsunagari.TraitFreeExit: 3}); err != nil {
		t.Fatal(err)
	}
	v, _ = e.svc.Community(ctx, stranger, c.ID)
	if ft := v.Traits[3]; !ft.Shown || ft.Raters != 3 || ft.Mean != 4 || v.MayRate {
		t.Errorf("with three raters, a stranger sees free_exit %+v, MayRate %v", ft, v.MayRate)
	}
}
