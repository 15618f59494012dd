package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"tsunagari"
)

// TestTenantIsolation: an HR admin of org A gets 404 for every object of
// org B, answered exactly as for an ID that does not exist at all.
func TestTenantIsolation(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	orgA, _ := e.org("A社")
	orgB, deptB := e.org("B社")
	hrA := e.account("hr@a.example", orgA.ID, tsunagari.RoleHRAdmin)
	e.enrol(hrA)
	e.enrol(e.account("hr@b.example", orgB.ID, tsunagari.RoleHRAdmin))
	memberA := e.account("member@a.example", orgA.ID)
	now := time.Now().UTC().Truncate(time.Second)
	invB := &tsunagari.Invitation{OrgID: orgB.ID, Email: "new@b.example", Role: tsunagari.RoleMember, TokenHash: "h-b",
		CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	if err := e.stores.Orgs.CreateInvitations(ctx, []*tsunagari.Invitation{invB}, nil); err != nil {
		t.Fatal(err)
	}
	missing := tsunagari.NewID()

	paths := []struct{ other, missing string }{
		{"/hr/departments/" + deptB.ID, "/hr/departments/" + missing},
		{"/hr/invitations/" + invB.ID, "/hr/invitations/" + missing},
		{"/api/v1/org/departments/" + deptB.ID, "/api/v1/org/departments/" + missing},
		{"/api/v1/org/invitations/" + invB.ID, "/api/v1/org/invitations/" + missing},
		{"/api/v1/orgs/" + orgB.ID, "/api/v1/orgs/" + missing},
	}
	for _, who := range []*tsunagari.Account{hrA, memberA} {
		c := e.signIn(who.Email)
		for _, p := range paths {
			other, absent := e.get(c, p.other), e.get(c, p.missing)
			if other.StatusCode != http.StatusNotFound {
				t.Errorf("%s GET %s = %d, want 404", who.Email, p.other, other.StatusCode)
			}
			// Pages link back to themselves, so compare with the path swapped.
			if other.StatusCode != absent.StatusCode || strings.ReplaceAll(other.body, p.other, p.missing) != absent.body {
				t.Errorf("%s: %s answers differently from a missing ID:\n%s\n---\n%s", who.Email, p.other, other.body, absent.body)
			}
			if strings.Contains(other.body, "B社") || strings.Contains(other.body, "new@b.example") {
				t.Errorf("%s: %s leaks org B's data", who.Email, p.other)
			}
		}
	}

	// HR of A sees only A in lists.
	c := e.signIn(hrA.Email)
	for _, path := range []string{"/hr/departments", "/hr/invitations", "/api/v1/org/departments", "/api/v1/org/invitations", "/api/v1/org"} {
		res := e.get(c, path)
		if res.StatusCode != http.StatusOK {
			t.Errorf("HR A GET %s = %d, want 200", path, res.StatusCode)
		}
		if strings.Contains(res.body, deptB.ID) || strings.Contains(res.body, invB.ID) || strings.Contains(res.body, "B社") {
			t.Errorf("HR A GET %s shows org B's data", path)
		}
	}
	// Creating under org B's department is refused like an unknown parent,
	// and inviting into it like an unknown department.
	fp := e.fingerprint()
	res := e.api(c, "POST", "/api/v1/org/departments", `{"name":"潜入課","parentId":"`+deptB.ID+`"}`)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.body, `"field":"parentId"`) {
		t.Errorf("department under org B's parent: %d %s", res.StatusCode, res.body)
	}
	res = e.api(c, "POST", "/api/v1/org/invitations", `{"invitations":[{"email":"x@a.example","departmentId":"`+deptB.ID+`"}]}`)
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("invitation into org B's department: %d %s", res.StatusCode, res.body)
	}
	if fp != e.fingerprint() {
		t.Error("refused cross-tenant writes changed the database")
	}

	// Members without the HR role see no HR pages at all.
	m := e.signIn(memberA.Email)
	for _, path := range []string{"/hr/departments", "/hr/invitations", "/api/v1/org", "/api/v1/org/departments", "/api/v1/orgs", "/operator/orgs", "/operator/outbox", "/api/v1/outbox"} {
		if res := e.get(m, path); res.StatusCode != http.StatusNotFound {
			t.Errorf("member GET %s = %d, want 404", path, res.StatusCode)
		}
	}
}

func TestSignedOutGetsSignInOr401(t *testing.T) {
	e := newTestEnv(t)
	c := e.client()
	for _, path := range []string{"/dashboard", "/settings", "/hr/departments", "/operator/orgs"} {
		res := e.get(c, path)
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/signin?next=") {
			t.Errorf("signed-out GET %s = %d %s, want a redirect to sign in", path, res.StatusCode, res.Header.Get("Location"))
		}
	}
	for _, path := range []string{"/api/v1/me", "/api/v1/org", "/api/v1/tokens", "/api/v1/orgs"} {
		res := e.get(c, path)
		if res.StatusCode != http.StatusUnauthorized || !strings.Contains(res.body, `"code":"unauthorized"`) {
			t.Errorf("signed-out GET %s = %d %s, want 401 JSON", path, res.StatusCode, res.body)
		}
	}
}
