package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"tsunagari"
)

func testOrgs(t *testing.T, open func(t *testing.T) Backend) {
	ctx := context.Background()

	t.Run("CreateFindUpdate", func(t *testing.T) {
		s := open(t).Stores()
		o := mustCreateOrg(t, s, "みなと精機株式会社")
		if !tsunagari.ValidID(o.ID) {
			t.Fatalf("CreateOrg set ID %q", o.ID)
		}
		got, err := s.Orgs.FindOrgByID(ctx, o.ID)
		if err != nil || got.Name != o.Name || got.Industry != "manufacturing" || got.DeclaredEmployees != 1200 ||
			got.MinGroupSize != 5 || !sameTime(got.CreatedAt, t0) {
			t.Fatalf("FindOrgByID = %+v, %v; want %+v", got, err, o)
		}
		got.MinGroupSize, got.Name = 8, "みなと精機"
		if err := s.Orgs.UpdateOrg(ctx, got); err != nil {
			t.Fatal(err)
		}
		if again, _ := s.Orgs.FindOrgByID(ctx, o.ID); again.MinGroupSize != 8 || again.Name != "みなと精機" {
			t.Errorf("after UpdateOrg = %+v", again)
		}
		mustCreateOrg(t, s, "さくら介護サービス")
		if all, err := s.Orgs.FindOrgs(ctx); err != nil || len(all) != 2 {
			t.Errorf("FindOrgs = %d orgs, %v; want 2", len(all), err)
		}
		_, err = s.Orgs.FindOrgByID(ctx, tsunagari.NewID())
		wantErr(t, "FindOrgByID(unknown)", err, tsunagari.ErrNotFound)
		wantErr(t, "UpdateOrg(unknown)", s.Orgs.UpdateOrg(ctx, &tsunagari.Org{ID: tsunagari.NewID(), Name: "x", DeclaredEmployees: 1, MinGroupSize: 5}), tsunagari.ErrNotFound)
	})

	t.Run("DepartmentTree", func(t *testing.T) {
		b := open(t)
		s := b.Stores()
		a, other := mustCreateOrg(t, s, "A社"), mustCreateOrg(t, s, "B社")
		sales := mustCreateDepartment(t, s, a.ID, "", "営業本部")
		east := mustCreateDepartment(t, s, a.ID, sales.ID, "東日本営業部")
		mustCreateDepartment(t, s, a.ID, "", "人事部")
		foreign := mustCreateDepartment(t, s, other.ID, "", "営業本部") // same name, other org: fine

		got, err := s.Orgs.FindDepartment(ctx, a.ID, east.ID)
		if err != nil || got.ParentID != sales.ID || got.Name != "東日本営業部" || got.OrgID != a.ID {
			t.Errorf("FindDepartment = %+v, %v; want child of %s", got, err, sales.ID)
		}
		_, err = s.Orgs.FindDepartment(ctx, a.ID, foreign.ID)
		wantErr(t, "FindDepartment(other org's department)", err, tsunagari.ErrNotFound)

		list, err := s.Orgs.FindDepartments(ctx, a.ID)
		if err != nil || len(list) != 3 {
			t.Fatalf("FindDepartments = %d, %v; want 3", len(list), err)
		}
		for _, d := range list {
			if d.OrgID != a.ID {
				t.Errorf("FindDepartments(A) returned %+v of another org", d)
			}
		}

		fp := fingerprint(t, b)
		err = s.Orgs.CreateDepartment(ctx, &tsunagari.Department{OrgID: a.ID, ParentID: foreign.ID, Name: "潜入課", CreatedAt: t0})
		wantErr(t, "CreateDepartment(parent in another org)", err, tsunagari.ErrNotFound)
		err = s.Orgs.CreateDepartment(ctx, &tsunagari.Department{OrgID: a.ID, ParentID: tsunagari.NewID(), Name: "幽霊課", CreatedAt: t0})
		wantErr(t, "CreateDepartment(unknown parent)", err, tsunagari.ErrNotFound)
		err = s.Orgs.CreateDepartment(ctx, &tsunagari.Department{OrgID: a.ID, ParentID: sales.ID, Name: "東日本営業部", CreatedAt: t0})
		wantErr(t, "CreateDepartment(same name as a sibling)", err, tsunagari.ErrConflict)
		err = s.Orgs.CreateDepartment(ctx, &tsunagari.Department{OrgID: a.ID, Name: "人事部", CreatedAt: t0})
		wantErr(t, "CreateDepartment(same name as a top-level sibling)", err, tsunagari.ErrConflict)
		unchanged(t, b, fp, "rejected CreateDepartment calls")

		// The same name under another parent is fine.
		mustCreateDepartment(t, s, a.ID, east.ID, "人事部")
	})

	t.Run("Employment", func(t *testing.T) {
		b := open(t)
		s := b.Stores()
		o := mustCreateOrg(t, s, "A社")
		a := account("worker@example.jp")
		a.Employment = &tsunagari.Employment{OrgID: o.ID, StartedAt: t0}
		mustCreateAccount(t, s, a)
		if n, err := s.Orgs.CountEmployees(ctx, o.ID); err != nil || n != 1 {
			t.Fatalf("CountEmployees = %d, %v; want 1", n, err)
		}
		at := t0.Add(30 * 24 * time.Hour)
		if err := s.Orgs.EndEmployment(ctx, a.ID, at); err != nil {
			t.Fatalf("EndEmployment error = %v", err)
		}
		got, err := s.Accounts.FindAccountByID(ctx, a.ID)
		if err != nil || got.Employment != nil {
			t.Errorf("after EndEmployment, account = %+v, %v; want it kept with no employment", got, err)
		}
		if n, _ := s.Orgs.CountEmployees(ctx, o.ID); n != 0 {
			t.Errorf("CountEmployees after leaving = %d, want 0", n)
		}
		if list, total, _ := s.Accounts.FindAccounts(ctx, tsunagari.AccountFilter{OrgID: o.ID}); len(list) != 0 || total != 0 {
			t.Errorf("FindAccounts(org) after leaving = %d, want 0", total)
		}
		fp := fingerprint(t, b)
		wantErr(t, "EndEmployment(no current employment)", s.Orgs.EndEmployment(ctx, a.ID, at), tsunagari.ErrNotFound)
		unchanged(t, b, fp, "a failed EndEmployment")
	})
}

func invitation(orgID, email string, role tsunagari.Role, hash string) *tsunagari.Invitation {
	return &tsunagari.Invitation{OrgID: orgID, Email: email, Role: role, TokenHash: hash,
		CreatedAt: t0, ExpiresAt: t0.Add(14 * 24 * time.Hour)}
}

func inviteMail(email string) *tsunagari.Mail {
	return &tsunagari.Mail{To: email, Subject: "招待", Body: "https://example.jp/invite/x", Kind: "invitation", CreatedAt: t0}
}

func testInvitations(t *testing.T, open func(t *testing.T) Backend) {
	ctx := context.Background()

	t.Run("CreateFindAccept", func(t *testing.T) {
		s := open(t).Stores()
		o := mustCreateOrg(t, s, "A社")
		dept := mustCreateDepartment(t, s, o.ID, "", "開発部")
		inv := invitation(o.ID, "new@example.jp", tsunagari.RoleHRAdmin, "inv-1")
		inv.DepartmentID = dept.ID
		if err := s.Orgs.CreateInvitations(ctx, []*tsunagari.Invitation{inv}, []*tsunagari.Mail{inviteMail(inv.Email)}); err != nil {
			t.Fatalf("CreateInvitations error = %v", err)
		}
		if !tsunagari.ValidID(inv.ID) {
			t.Fatalf("CreateInvitations set ID %q", inv.ID)
		}
		got, err := s.Orgs.FindInvitation(ctx, o.ID, inv.ID)
		if err != nil || got.Email != inv.Email || got.Role != tsunagari.RoleHRAdmin || got.DepartmentID != dept.ID || got.AcceptedAt != nil {
			t.Fatalf("FindInvitation = %+v, %v", got, err)
		}
		if byTok, err := s.Orgs.FindInvitationByToken(ctx, "inv-1"); err != nil || byTok.ID != inv.ID {
			t.Fatalf("FindInvitationByToken = %+v, %v", byTok, err)
		}
		if mails, _ := s.Outbox.FindMail(ctx, tsunagari.MailFilter{To: inv.Email}); len(mails) != 1 {
			t.Fatalf("outbox for invitee = %d mails, want 1", len(mails))
		}

		// The invitee already works elsewhere; accepting moves them.
		prev := mustCreateOrg(t, s, "前職株式会社")
		a := account("new@example.jp")
		a.Employment = &tsunagari.Employment{OrgID: prev.ID, StartedAt: t0.Add(-365 * 24 * time.Hour)}
		mustCreateAccount(t, s, a)
		now := t0.Add(time.Hour)
		if err := s.Orgs.AcceptInvitation(ctx, "inv-1", a.ID, now); err != nil {
			t.Fatalf("AcceptInvitation error = %v", err)
		}
		got2, _ := s.Accounts.FindAccountByID(ctx, a.ID)
		if e := got2.Employment; e == nil || e.OrgID != o.ID || e.DepartmentID != dept.ID || !sameTime(e.StartedAt, now) {
			t.Errorf("employment after AcceptInvitation = %+v, want org %s dept %s from %v", e, o.ID, dept.ID, now)
		}
		if !got2.Has(tsunagari.RoleHRAdmin) || !got2.Has(tsunagari.RoleMember) {
			t.Errorf("roles after AcceptInvitation = %v, want member and hr_admin", got2.Roles)
		}
		if n, _ := s.Orgs.CountEmployees(ctx, prev.ID); n != 0 {
			t.Errorf("previous employer still counts %d employees", n)
		}
		if acc, _ := s.Orgs.FindInvitation(ctx, o.ID, inv.ID); acc.AcceptedAt == nil || !sameTime(*acc.AcceptedAt, now) {
			t.Errorf("AcceptedAt = %v, want %v", acc.AcceptedAt, now)
		}
		err = s.Orgs.AcceptInvitation(ctx, "inv-1", a.ID, now.Add(time.Minute))
		wantErr(t, "AcceptInvitation(twice)", err, tsunagari.ErrNotFound)
	})

	t.Run("TenantScoped", func(t *testing.T) {
		s := open(t).Stores()
		a, b := mustCreateOrg(t, s, "A社"), mustCreateOrg(t, s, "B社")
		inv := invitation(b.ID, "x@example.jp", tsunagari.RoleMember, "inv-b")
		if err := s.Orgs.CreateInvitations(ctx, []*tsunagari.Invitation{inv}, nil); err != nil {
			t.Fatal(err)
		}
		_, err := s.Orgs.FindInvitation(ctx, a.ID, inv.ID)
		wantErr(t, "FindInvitation(other org's invitation)", err, tsunagari.ErrNotFound)
		if list, _ := s.Orgs.FindInvitations(ctx, a.ID, 100); len(list) != 0 {
			t.Errorf("FindInvitations(A) = %d, want 0", len(list))
		}
	})

	t.Run("ExpiredCannotBeAccepted", func(t *testing.T) {
		b := open(t)
		s := b.Stores()
		o := mustCreateOrg(t, s, "A社")
		inv := invitation(o.ID, "late@example.jp", tsunagari.RoleMember, "inv-late")
		if err := s.Orgs.CreateInvitations(ctx, []*tsunagari.Invitation{inv}, nil); err != nil {
			t.Fatal(err)
		}
		a := mustCreateAccount(t, s, account("late@example.jp"))
		fp := fingerprint(t, b)
		err := s.Orgs.AcceptInvitation(ctx, "inv-late", a.ID, inv.ExpiresAt)
		wantErr(t, "AcceptInvitation(expired)", err, tsunagari.ErrNotFound)
		err = s.Orgs.AcceptInvitation(ctx, "inv-unknown", a.ID, t0)
		wantErr(t, "AcceptInvitation(unknown)", err, tsunagari.ErrNotFound)
		unchanged(t, b, fp, "a rejected AcceptInvitation")
	})

	t.Run("BatchAllOrNothing", func(t *testing.T) {
		b := open(t)
		s := b.Stores()
		o := mustCreateOrg(t, s, "A社")
		if err := s.Orgs.CreateInvitations(ctx, []*tsunagari.Invitation{invitation(o.ID, "p@example.jp", tsunagari.RoleMember, "h0")}, nil); err != nil {
			t.Fatal(err)
		}
		fp := fingerprint(t, b)
		var invs []*tsunagari.Invitation
		var mails []*tsunagari.Mail
		for i, email := range []string{"q@example.jp", "r@example.jp", "p@example.jp"} {
			invs = append(invs, invitation(o.ID, email, tsunagari.RoleMember, fmt.Sprintf("h%d", i+1)))
			mails = append(mails, inviteMail(email))
		}
		err := s.Orgs.CreateInvitations(ctx, invs, mails)
		wantErr(t, "CreateInvitations(with a pending duplicate)", err, tsunagari.ErrConflict)
		unchanged(t, b, fp, "a rejected batch of invitations")

		// Another org may invite the same address.
		other := mustCreateOrg(t, s, "B社")
		if err := s.Orgs.CreateInvitations(ctx, []*tsunagari.Invitation{invitation(other.ID, "p@example.jp", tsunagari.RoleMember, "hb")}, nil); err != nil {
			t.Errorf("CreateInvitations(same address, other org) error = %v", err)
		}
		list, err := s.Orgs.FindInvitations(ctx, o.ID, 10)
		if err != nil || len(list) != 1 {
			t.Errorf("FindInvitations = %d, %v; want 1", len(list), err)
		}
	})

	t.Run("NewestFirst", func(t *testing.T) {
		s := open(t).Stores()
		o := mustCreateOrg(t, s, "A社")
		for i := range 3 {
			inv := invitation(o.ID, fmt.Sprintf("n%d@example.jp", i), tsunagari.RoleMember, fmt.Sprintf("n%d", i))
			inv.CreatedAt = t0.Add(time.Duration(i) * time.Hour)
			if err := s.Orgs.CreateInvitations(ctx, []*tsunagari.Invitation{inv}, nil); err != nil {
				t.Fatal(err)
			}
		}
		list, _ := s.Orgs.FindInvitations(ctx, o.ID, 2)
		var got []string
		for _, inv := range list {
			got = append(got, inv.Email)
		}
		if want := []string{"n2@example.jp", "n1@example.jp"}; !slices.Equal(got, want) {
			t.Errorf("FindInvitations(limit 2) = %v, want %v", got, want)
		}
	})
}

func testOutbox(t *testing.T, open func(t *testing.T) Backend) {
	ctx := context.Background()
	s := open(t).Stores()
	for i := range 3 {
		m := &tsunagari.Mail{To: fmt.Sprintf("m%d@example.jp", i%2), Subject: "件名", Body: "本文 https://example.jp/secret", Kind: "invitation",
			CreatedAt: t0.Add(time.Duration(i) * time.Minute)}
		if err := s.Outbox.EnqueueMail(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	all, err := s.Outbox.FindMail(ctx, tsunagari.MailFilter{})
	if err != nil || len(all) != 3 || !all[0].CreatedAt.After(all[1].CreatedAt) {
		t.Fatalf("FindMail = %d mails, %v; want 3, newest first", len(all), err)
	}
	if got, _ := s.Outbox.FindMail(ctx, tsunagari.MailFilter{To: "m0@example.jp"}); len(got) != 2 {
		t.Errorf("FindMail(To m0) = %d, want 2", len(got))
	}
	if got, _ := s.Outbox.FindMail(ctx, tsunagari.MailFilter{Limit: 1}); len(got) != 1 {
		t.Errorf("FindMail(Limit 1) = %d, want 1", len(got))
	}
	first := all[0]
	if err := s.Outbox.MarkMailFailed(ctx, first.ID, "connection refused"); err != nil {
		t.Fatal(err)
	}
	at := t0.Add(time.Hour)
	if err := s.Outbox.MarkMailSent(ctx, first.ID, at); err != nil {
		t.Fatal(err)
	}
	unsent, _ := s.Outbox.FindMail(ctx, tsunagari.MailFilter{Unsent: true})
	if len(unsent) != 2 {
		t.Errorf("FindMail(Unsent) = %d, want 2", len(unsent))
	}
	all, _ = s.Outbox.FindMail(ctx, tsunagari.MailFilter{})
	for _, m := range all {
		if m.ID != first.ID {
			continue
		}
		if m.SentAt == nil || !sameTime(*m.SentAt, at) || m.Body != "" || m.Attempts != 1 || m.LastError != "connection refused" {
			t.Errorf("sent mail = %+v; want SentAt %v, body erased, 1 attempt with its error", m, at)
		}
	}
}

// testOutboxClaims checks that a claim takes the oldest message free to
// send, that a claimed, sent or given-up message is not claimed again
// until the claim lapses, and that senders claiming at the same time never
// share a message.
func testOutboxClaims(t *testing.T, open func(t *testing.T) Backend) {
	ctx := context.Background()
	s := open(t).Stores()
	var ids []string
	for i := range 4 {
		m := &tsunagari.Mail{To: "m@example.jp", Subject: "件名", Body: "本文", Kind: "reminder",
			CreatedAt: t0.Add(time.Duration(i) * time.Minute)}
		if err := s.Outbox.EnqueueMail(ctx, m); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, m.ID)
	}
	now := t0.Add(time.Hour)
	claim := func(at time.Time) (*tsunagari.Mail, error) {
		return s.Outbox.ClaimMail(ctx, tsunagari.MailClaim{Now: at, Until: at.Add(10 * time.Minute), MaxAttempts: 2})
	}
	for i, want := range ids {
		m, err := claim(now)
		if err != nil || m.ID != want || m.Body != "本文" {
			t.Fatalf("claim %d = %+v, %v; want message %d with its body", i, m, err, i)
		}
	}
	if m, err := claim(now.Add(time.Minute)); !errors.Is(err, tsunagari.ErrNotFound) {
		t.Fatalf("claim while all are claimed = %+v, %v; want ErrNotFound", m, err)
	}
	// Message 0 is sent; message 1 fails twice, which is as often as it
	// may; message 2 fails once.
	if err := s.Outbox.MarkMailSent(ctx, ids[0], now); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{ids[1], ids[1], ids[2]} {
		if err := s.Outbox.MarkMailFailed(ctx, id, "451 try again later"); err != nil {
			t.Fatal(err)
		}
	}
	if m, err := claim(now.Add(5 * time.Minute)); !errors.Is(err, tsunagari.ErrNotFound) {
		t.Fatalf("claim before the claims lapse = %+v, %v; want ErrNotFound: a failed message waits for its claim", m, err)
	}
	later := now.Add(10 * time.Minute)
	for _, want := range []string{ids[2], ids[3]} {
		if m, err := claim(later); err != nil || m.ID != want {
			t.Fatalf("claim after the claims lapsed = %+v, %v; want %s", m, err, want)
		}
	}
	if m, err := claim(later); !errors.Is(err, tsunagari.ErrNotFound) {
		t.Fatalf("claim of a sent or given-up message = %+v, %v; want ErrNotFound", m, err)
	}

	// Eight senders claim 40 new messages at once: each is claimed once.
	for i := range 40 {
		if err := s.Outbox.EnqueueMail(ctx, &tsunagari.Mail{To: fmt.Sprintf("r%d@example.jp", i), Subject: "件名", Body: "本文",
			Kind: "reminder", CreatedAt: later}); err != nil {
			t.Fatal(err)
		}
	}
	at := later.Add(time.Hour)
	var (
		mu      sync.Mutex
		claimed = map[string]int{}
		wg      sync.WaitGroup
	)
	for range 8 {
		wg.Go(func() {
			for {
				m, err := claim(at)
				if errors.Is(err, tsunagari.ErrNotFound) {
					return
				}
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				claimed[m.ID]++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(claimed) != 42 { // the 40, and messages 2 and 3 whose claims lapsed again
		t.Errorf("concurrent senders claimed %d messages, want 42", len(claimed))
	}
	for id, n := range claimed {
		if n != 1 {
			t.Errorf("message %s claimed %d times, want once", id, n)
		}
	}
}
