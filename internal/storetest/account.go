package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"tsunagari"
)

func testAccounts(t *testing.T, open func(t *testing.T) Backend) {
	ctx := context.Background()

	t.Run("CreateAndFind", func(t *testing.T) {
		b := open(t)
		s := b.Stores()
		org := mustCreateOrg(t, s, "みなと精機株式会社")
		dept := mustCreateDepartment(t, s, org.ID, "", "人事部")
		a := account("misaki@example.jp", tsunagari.RoleMember, tsunagari.RoleHRAdmin)
		a.Employment = &tsunagari.Employment{OrgID: org.ID, DepartmentID: dept.ID, StartedAt: t0}
		mustCreateAccount(t, s, a)
		if !tsunagari.ValidID(a.ID) {
			t.Fatalf("CreateAccount set ID %q, want a valid ID", a.ID)
		}
		for name, find := range map[string]func() (*tsunagari.Account, error){
			"ByID":    func() (*tsunagari.Account, error) { return s.Accounts.FindAccountByID(ctx, a.ID) },
			"ByEmail": func() (*tsunagari.Account, error) { return s.Accounts.FindAccountByEmail(ctx, "misaki@example.jp") },
		} {
			got, err := find()
			if err != nil {
				t.Fatalf("FindAccount%s error = %v", name, err)
			}
			if got.ID != a.ID || got.Email != a.Email || got.Name != a.Name || got.PasswordHash != a.PasswordHash ||
				got.Locale != "ja" || got.TimeZone != "Asia/Tokyo" || got.JobFamily != "care" ||
				got.Industry != "healthcare_welfare" || got.Prefecture != "13" || got.HomePrefecture != "15" || got.AgeBand != "30s" {
				t.Errorf("FindAccount%s = %+v, want %+v", name, got, a)
			}
			slices.Sort(got.Roles)
			if !slices.Equal(got.Roles, []tsunagari.Role{tsunagari.RoleHRAdmin, tsunagari.RoleMember}) {
				t.Errorf("FindAccount%s roles = %v, want hr_admin, member", name, got.Roles)
			}
			if !sameTime(got.CreatedAt, t0) || !sameTime(got.PasswordChangedAt, t0) {
				t.Errorf("FindAccount%s times = %v, %v; want %v in UTC", name, got.CreatedAt, got.PasswordChangedAt, t0)
			}
			if got.DisabledAt != nil {
				t.Errorf("FindAccount%s DisabledAt = %v, want nil", name, got.DisabledAt)
			}
			e := got.Employment
			if e == nil || e.OrgID != org.ID || e.DepartmentID != dept.ID || !sameTime(e.StartedAt, t0) || e.EndedAt != nil {
				t.Errorf("FindAccount%s employment = %+v, want org %s dept %s", name, e, org.ID, dept.ID)
			}
		}
	})

	t.Run("PresetIDKept", func(t *testing.T) {
		s := open(t).Stores()
		a := account("preset@example.jp")
		a.ID = tsunagari.NewID()
		want := a.ID
		mustCreateAccount(t, s, a)
		if _, err := s.Accounts.FindAccountByID(ctx, want); err != nil || a.ID != want {
			t.Errorf("CreateAccount with preset ID: ID = %q, find error = %v; want %q kept", a.ID, err, want)
		}
	})

	t.Run("NotFound", func(t *testing.T) {
		s := open(t).Stores()
		_, err := s.Accounts.FindAccountByID(ctx, tsunagari.NewID())
		wantErr(t, "FindAccountByID(unknown)", err, tsunagari.ErrNotFound)
		_, err = s.Accounts.FindAccountByEmail(ctx, "nobody@example.jp")
		wantErr(t, "FindAccountByEmail(unknown)", err, tsunagari.ErrNotFound)
		_, err = s.Accounts.UpdateAccount(ctx, tsunagari.NewID(), tsunagari.AccountUpdate{})
		wantErr(t, "UpdateAccount(unknown)", err, tsunagari.ErrNotFound)
		err = s.Accounts.SetPassword(ctx, tsunagari.NewID(), "h", t0)
		wantErr(t, "SetPassword(unknown)", err, tsunagari.ErrNotFound)
		err = s.Accounts.SetRoles(ctx, tsunagari.NewID(), []tsunagari.Role{tsunagari.RoleMember})
		wantErr(t, "SetRoles(unknown)", err, tsunagari.ErrNotFound)
	})

	t.Run("DuplicateEmailConflicts", func(t *testing.T) {
		b := open(t)
		s := b.Stores()
		mustCreateAccount(t, s, account("same@example.jp"))
		fp := fingerprint(t, b)
		err := s.Accounts.CreateAccount(ctx, account("same@example.jp", tsunagari.RoleMember, tsunagari.RoleOperator))
		wantErr(t, "CreateAccount(duplicate email)", err, tsunagari.ErrConflict)
		unchanged(t, b, fp, "a conflicting CreateAccount")
	})

	t.Run("TakenIDConflicts", func(t *testing.T) {
		b := open(t)
		s := b.Stores()
		org := mustCreateOrg(t, s, "A社")
		a := account("emp@example.jp")
		a.Employment = &tsunagari.Employment{OrgID: org.ID, StartedAt: t0}
		mustCreateAccount(t, s, a)
		// A preset ID that is already taken must fail as a whole.
		fp := fingerprint(t, b)
		dup := account("other@example.jp")
		dup.ID = a.ID
		wantErr(t, "CreateAccount(taken ID)", s.Accounts.CreateAccount(ctx, dup), tsunagari.ErrConflict)
		unchanged(t, b, fp, "CreateAccount with a taken ID")
	})

	t.Run("CreateAccountsAllOrNothing", func(t *testing.T) {
		b := open(t)
		s := b.Stores()
		org := mustCreateOrg(t, s, "B社")
		var batch []*tsunagari.Account
		for i := range 50 {
			a := account(fmt.Sprintf("bulk%02d@example.jp", i))
			a.Employment = &tsunagari.Employment{OrgID: org.ID, StartedAt: t0}
			batch = append(batch, a)
		}
		if err := s.Accounts.CreateAccounts(ctx, batch); err != nil {
			t.Fatalf("CreateAccounts(50) error = %v", err)
		}
		if n, err := s.Orgs.CountEmployees(ctx, org.ID); err != nil || n != 50 {
			t.Errorf("CountEmployees = %d, %v; want 50", n, err)
		}
		fp := fingerprint(t, b)
		bad := []*tsunagari.Account{account("fresh1@example.jp"), account("bulk07@example.jp"), account("fresh2@example.jp")}
		wantErr(t, "CreateAccounts(with a duplicate)", s.Accounts.CreateAccounts(ctx, bad), tsunagari.ErrConflict)
		unchanged(t, b, fp, "a failed CreateAccounts")
	})

	t.Run("FindAccounts", func(t *testing.T) {
		s := open(t).Stores()
		orgA, orgB := mustCreateOrg(t, s, "A社"), mustCreateOrg(t, s, "B社")
		for i, spec := range []struct {
			org  string
			role tsunagari.Role
		}{{orgA.ID, tsunagari.RoleMember}, {orgA.ID, tsunagari.RoleHRAdmin}, {orgA.ID, tsunagari.RoleMember}, {orgB.ID, tsunagari.RoleMember}, {"", tsunagari.RoleConsultant}} {
			a := account(fmt.Sprintf("p%d@example.jp", 5-i), tsunagari.RoleMember, spec.role)
			if spec.org != "" {
				a.Employment = &tsunagari.Employment{OrgID: spec.org, StartedAt: t0}
			}
			mustCreateAccount(t, s, a)
		}
		tests := []struct {
			name      string
			f         tsunagari.AccountFilter
			want      []string
			wantTotal int
		}{
			{"all", tsunagari.AccountFilter{}, []string{"p1", "p2", "p3", "p4", "p5"}, 5},
			{"org A", tsunagari.AccountFilter{OrgID: orgA.ID}, []string{"p3", "p4", "p5"}, 3},
			{"org A page", tsunagari.AccountFilter{OrgID: orgA.ID, Limit: 2, Offset: 1}, []string{"p4", "p5"}, 3},
			{"role", tsunagari.AccountFilter{Role: tsunagari.RoleConsultant}, []string{"p1"}, 1},
			{"org and role", tsunagari.AccountFilter{OrgID: orgA.ID, Role: tsunagari.RoleHRAdmin}, []string{"p4"}, 1},
			{"email", tsunagari.AccountFilter{Email: "p2@example.jp"}, []string{"p2"}, 1},
			{"none", tsunagari.AccountFilter{OrgID: tsunagari.NewID()}, nil, 0},
		}
		for _, tt := range tests {
			got, total, err := s.Accounts.FindAccounts(ctx, tt.f)
			if err != nil {
				t.Fatalf("FindAccounts(%s) error = %v", tt.name, err)
			}
			var names []string
			for _, a := range got {
				names = append(names, a.Email[:2])
			}
			if !slices.Equal(names, tt.want) || total != tt.wantTotal {
				t.Errorf("FindAccounts(%s) = %v, %d; want %v, %d", tt.name, names, total, tt.want, tt.wantTotal)
			}
		}
	})

	t.Run("UpdateAccount", func(t *testing.T) {
		s := open(t).Stores()
		a := mustCreateAccount(t, s, account("upd@example.jp"))
		name, loc := "鈴木 美咲", "en"
		got, err := s.Accounts.UpdateAccount(ctx, a.ID, tsunagari.AccountUpdate{Name: &name, Locale: &loc})
		if err != nil {
			t.Fatalf("UpdateAccount error = %v", err)
		}
		if got.Name != name || got.Locale != loc || got.TimeZone != "Asia/Tokyo" || got.Prefecture != "13" {
			t.Errorf("UpdateAccount = %+v, want name %s locale %s, other fields kept", got, name, loc)
		}
		again, _ := s.Accounts.FindAccountByID(ctx, a.ID)
		if again.Name != name || again.Locale != loc {
			t.Errorf("after UpdateAccount, FindAccountByID = %+v", again)
		}
	})

	t.Run("SetPasswordEndsSessionsAndTokens", func(t *testing.T) {
		s := open(t).Stores()
		a := mustCreateAccount(t, s, account("pw@example.jp"))
		other := mustCreateAccount(t, s, account("other@example.jp"))
		for _, id := range []string{a.ID, other.ID} {
			mustCreateSession(t, s, id, "s-"+id)
			if err := s.Sessions.CreateAPIToken(ctx, &tsunagari.APIToken{AccountID: id, Name: "cli", TokenHash: "t-" + id, CreatedAt: t0, ExpiresAt: t0.Add(24 * time.Hour)}); err != nil {
				t.Fatal(err)
			}
		}
		r := &tsunagari.PasswordReset{TokenHash: "r-" + a.ID, AccountID: a.ID, CreatedAt: t0, ExpiresAt: t0.Add(2 * time.Hour)}
		if err := s.Sessions.CreatePasswordReset(ctx, r, &tsunagari.Mail{To: a.Email, Subject: "s", Body: "b", Kind: "password_reset", CreatedAt: t0}); err != nil {
			t.Fatal(err)
		}
		at := t0.Add(time.Hour)
		if err := s.Accounts.SetPassword(ctx, a.ID, "$argon2id$new", at); err != nil {
			t.Fatalf("SetPassword error = %v", err)
		}
		got, _ := s.Accounts.FindAccountByID(ctx, a.ID)
		if got.PasswordHash != "$argon2id$new" || !sameTime(got.PasswordChangedAt, at) {
			t.Errorf("after SetPassword: hash %q changed %v; want new hash at %v", got.PasswordHash, got.PasswordChangedAt, at)
		}
		_, err := s.Sessions.FindSession(ctx, "s-"+a.ID)
		wantErr(t, "FindSession after SetPassword", err, tsunagari.ErrNotFound)
		_, err = s.Sessions.FindAPIToken(ctx, "t-"+a.ID)
		wantErr(t, "FindAPIToken after SetPassword", err, tsunagari.ErrNotFound)
		_, err = s.Sessions.ResetPassword(ctx, "r-"+a.ID, "$argon2id$undo", at.Add(time.Minute))
		wantErr(t, "ResetPassword with a link sent before SetPassword", err, tsunagari.ErrNotFound)
		if _, err := s.Sessions.FindSession(ctx, "s-"+other.ID); err != nil {
			t.Errorf("another account's session was deleted: %v", err)
		}
		if _, err := s.Sessions.FindAPIToken(ctx, "t-"+other.ID); err != nil {
			t.Errorf("another account's token was deleted: %v", err)
		}
	})

	t.Run("SetRoles", func(t *testing.T) {
		s := open(t).Stores()
		a := mustCreateAccount(t, s, account("roles@example.jp"))
		want := []tsunagari.Role{tsunagari.RoleConsultant, tsunagari.RoleMember}
		if err := s.Accounts.SetRoles(ctx, a.ID, want); err != nil {
			t.Fatal(err)
		}
		got, _ := s.Accounts.FindAccountByID(ctx, a.ID)
		slices.Sort(got.Roles)
		if !slices.Equal(got.Roles, want) {
			t.Errorf("roles after SetRoles = %v, want %v", got.Roles, want)
		}
	})
}
