package web_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"tsunagari"
	"tsunagari/internal/audit"
	"tsunagari/internal/auth"
)

// trail returns every audit entry in chain order, after checking the chain.
func (e *testEnv) trail() []*tsunagari.AuditEvent {
	e.t.Helper()
	ctx := context.Background()
	if _, err := audit.Verify(ctx, e.stores.Audit); err != nil {
		e.t.Fatalf("audit.Verify: %v", err)
	}
	all, err := e.stores.Audit.AuditChain(ctx, 0, 0)
	if err != nil {
		e.t.Fatal(err)
	}
	return all
}

// findEvent returns the first entry matching want's non-zero fields.
func findEvent(all []*tsunagari.AuditEvent, want tsunagari.AuditEvent) *tsunagari.AuditEvent {
	for _, e := range all {
		if (want.Action == "" || e.Action == want.Action) && (want.ActorID == "" || e.ActorID == want.ActorID) &&
			(want.Outcome == "" || e.Outcome == want.Outcome) && (want.TargetType == "" || e.TargetType == want.TargetType) &&
			(want.TargetID == "" || e.TargetID == want.TargetID) && (want.OrgID == "" || e.OrgID == want.OrgID) &&
			(want.Detail == "" || e.Detail == want.Detail) {
			return e
		}
	}
	return nil
}

// TestAuditTrailRecordsSecurityEvents drives the server through every
// audited action and checks what the trail says: who, when, what and how
// it ended, and never a secret.
func TestAuditTrailRecordsSecurityEvents(t *testing.T) {
	onBoth(t, func(t *testing.T, open func(testing.TB) backend) {
		e := newTestEnvOn(t, open(t))
		ctx := context.Background()
		start := time.Now().UTC().Add(-time.Second)
		orgA, deptA := e.org("A社")
		_, deptB := e.org("B社")
		hr := e.account("hr@a.example", orgA.ID, tsunagari.RoleHRAdmin)
		member := e.account("member@a.example", orgA.ID)
		op := e.account("op@example.jp", "", tsunagari.RoleOperator)
		e.enrol(hr)
		e.enrol(op)
		anon := e.client()

		// Sign-ins that fail, and one that succeeds.
		e.post(anon, "/signin", url.Values{"email": {"nobody@example.jp"}, "password": {"secret-typed-by-nobody"}})
		e.post(anon, "/signin", url.Values{"email": {member.Email}, "password": {"wrong-password-typed"}})
		m := e.signIn(member.Email)

		// Tokens, a password change and a sign-out.
		res := e.api(m, "POST", "/api/v1/tokens", `{"name":"監査テスト"}`)
		var tok struct{ ID, Token string }
		json.Unmarshal([]byte(res.body), &tok)
		e.api(m, "DELETE", "/api/v1/tokens/"+tok.ID, "")
		e.post(m, "/settings/password", url.Values{"currentPassword": {"not it"}, "newPassword": {"a brand new password"}})
		e.post(m, "/settings/password", url.Values{"currentPassword": {testPassword}, "newPassword": {"a brand new password"}})
		e.post(m, "/signout", nil)

		// A password reset by mail.
		e.post(anon, "/password/forgot", url.Values{"email": {hr.Email}})
		mails, _ := e.stores.Outbox.FindMail(ctx, tsunagari.MailFilter{To: hr.Email})
		resetToken := strings.Fields(mails[0].Body[strings.Index(mails[0].Body, "token=")+len("token="):])[0]
		e.post(anon, "/password/reset", url.Values{"token": {resetToken}, "password": {testPassword + "!"}})
		e.post(anon, "/password/reset", url.Values{"token": {resetToken}, "password": {testPassword + "?"}})

		// HR administration, and a refusal across tenants.
		h := e.client()
		e.startSession(h, hr)
		e.post(h, "/hr/departments", url.Values{"name": {"監査課"}})
		e.post(h, "/hr/invitations", url.Values{"email": {"new-hr@a.example"}, "role": {"hr_admin"}})
		e.get(h, "/hr/departments/"+deptB.ID)
		invMails, _ := e.stores.Outbox.FindMail(ctx, tsunagari.MailFilter{To: "new-hr@a.example"})
		inviteToken := strings.Fields(invMails[0].Body[strings.Index(invMails[0].Body, "/invite/")+len("/invite/"):])[0]
		newcomer := e.client()
		e.post(newcomer, "/invite/"+inviteToken, url.Values{"name": {"新任 人事"}, "password": {testPassword}})
		newHR, err := e.stores.Accounts.FindAccountByEmail(ctx, "new-hr@a.example")
		if err != nil {
			t.Fatal(err)
		}

		// A member probing HR pages; the operator at work.
		m2 := e.client()
		e.startSession(m2, member)
		e.get(m2, "/hr/departments/"+deptA.ID)
		e.get(m2, "/hr/invitations/not-an-id")
		o := e.client()
		e.startSession(o, op)
		e.post(o, "/operator/orgs", url.Values{"name": {"C社"}, "declaredEmployees": {"80"}})
		e.get(o, "/operator/outbox?to="+url.QueryEscape(hr.Email))

		all := e.trail()
		for _, want := range []tsunagari.AuditEvent{
			{Action: tsunagari.AuditSignIn, Outcome: tsunagari.OutcomeFailure, Detail: "unknown_account"},
			{Action: tsunagari.AuditSignIn, Outcome: tsunagari.OutcomeFailure, ActorID: member.ID, Detail: "wrong_password"},
			{Action: tsunagari.AuditSignIn, Outcome: tsunagari.OutcomeSuccess, ActorID: member.ID},
			{Action: tsunagari.AuditTokenCreate, ActorID: member.ID, TargetType: "api_token", TargetID: tok.ID},
			{Action: tsunagari.AuditTokenRevoke, ActorID: member.ID, TargetType: "api_token", TargetID: tok.ID},
			{Action: tsunagari.AuditPasswordChange, ActorID: member.ID, Outcome: tsunagari.OutcomeFailure},
			{Action: tsunagari.AuditPasswordChange, ActorID: member.ID, Outcome: tsunagari.OutcomeSuccess},
			{Action: tsunagari.AuditSignOut, ActorID: member.ID},
			{Action: tsunagari.AuditPasswordResetRequest, ActorID: hr.ID},
			{Action: tsunagari.AuditPasswordReset, ActorID: hr.ID, Outcome: tsunagari.OutcomeSuccess},
			{Action: tsunagari.AuditPasswordReset, Outcome: tsunagari.OutcomeFailure, Detail: "invalid_link"},
			{Action: tsunagari.AuditDepartmentCreate, ActorID: hr.ID, TargetType: "department", OrgID: orgA.ID},
			{Action: tsunagari.AuditInvitationSend, ActorID: hr.ID, TargetType: "invitation", OrgID: orgA.ID, Detail: "role=hr_admin"},
			{Action: tsunagari.AuditAccessDenied, ActorID: hr.ID, Outcome: tsunagari.OutcomeDenied, TargetID: "GET /hr/departments/{id}", Detail: "id=" + deptB.ID},
			{Action: tsunagari.AuditInvitationAccept, ActorID: newHR.ID, TargetType: "invitation", OrgID: orgA.ID},
			{Action: tsunagari.AuditRoleGrant, ActorID: hr.ID, TargetType: "account", TargetID: newHR.ID, Detail: "role=hr_admin via=invitation"},
			{Action: tsunagari.AuditAccessDenied, ActorID: member.ID, Outcome: tsunagari.OutcomeDenied, Detail: "id=" + deptA.ID},
			{Action: tsunagari.AuditAccessDenied, ActorID: member.ID, Outcome: tsunagari.OutcomeDenied, TargetID: "GET /hr/invitations/{id}", Detail: "id=malformed"},
			{Action: tsunagari.AuditOrgCreate, ActorID: op.ID, TargetType: "org"},
			{Action: tsunagari.AuditOutboxRead, ActorID: op.ID, TargetType: "account", TargetID: hr.ID},
		} {
			if findEvent(all, want) == nil {
				t.Errorf("no audit entry like %+v", want)
			}
		}
		for _, ev := range all {
			if ev.At.Before(start) || ev.At.After(time.Now().Add(time.Second)) || ev.At.Location() != time.UTC {
				t.Errorf("entry %d at %v, want the time of the test in UTC", ev.Seq, ev.At)
			}
			if ev.IP != "127.0.0.1" {
				t.Errorf("entry %d (%s) IP = %q, want 127.0.0.1", ev.Seq, ev.Action, ev.IP)
			}
		}
		// Secrets and what people typed never reach the trail.
		dump, _ := json.Marshal(all)
		for _, secret := range []string{testPassword, "secret-typed-by-nobody", "wrong-password-typed", "a brand new password",
			"nobody@example.jp", tok.Token, resetToken, inviteToken, auth.HashToken(inviteToken), "監査テスト", "監査課"} {
			if strings.Contains(string(dump), secret) {
				t.Errorf("the audit trail contains %q", secret)
			}
		}
	})
}

// TestOperatorReadsAuditTrail: the page, its filter and paging, the CSV
// export and the API, for operators only.
func TestOperatorReadsAuditTrail(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	op := e.account("op@example.jp", "", tsunagari.RoleOperator)
	e.enrol(op)
	member := e.account("member@example.jp", "")
	var events []*tsunagari.AuditEvent
	for i := range 130 {
		events = append(events, &tsunagari.AuditEvent{ActorID: member.ID, Action: tsunagari.AuditSignIn,
			Outcome: tsunagari.OutcomeFailure, Detail: "wrong_password", IP: fmt.Sprintf("192.0.2.%d", i%250)})
	}
	events[0].Detail, events[0].TargetType, events[0].TargetID = "=HYPERLINK(\"http://evil\")", "email", "+81@example.jp"
	if err := e.stores.Audit.AppendAudit(ctx, events...); err != nil {
		t.Fatal(err)
	}
	c := e.client()
	e.startSession(c, op)

	page := e.get(c, "/operator/audit")
	if page.StatusCode != http.StatusOK || !strings.Contains(page.body, "監査ログ") || !strings.Contains(page.body, "ログイン") ||
		!strings.Contains(page.body, member.Email) || !strings.Contains(page.body, "失敗") {
		t.Fatalf("GET /operator/audit = %d:\n%.2000s", page.StatusCode, page.body)
	}
	if n := strings.Count(page.body, "<tr class=\"outcome-"); n != audit.PageSize {
		t.Errorf("first page shows %d entries, want %d", n, audit.PageSize)
	}
	if !strings.Contains(page.body, `href="/operator/audit?before=`) {
		t.Errorf("first page has no link to older entries")
	}
	older := e.get(c, "/operator/audit?before=30")
	if n := strings.Count(older.body, "<tr class=\"outcome-"); n != 29 || strings.Contains(older.body, "rel=\"next\"") {
		t.Errorf("page before entry 30 shows %d entries (want 29) or links further", n)
	}
	filtered := e.get(c, "/operator/audit?action=audit.read")
	if n := strings.Count(filtered.body, "<tr class=\"outcome-"); n < 3 || strings.Contains(filtered.body, "192.0.2.") {
		t.Errorf("filter by action shows %d entries, or other actions", n)
	}
	if bad := e.get(c, "/operator/audit?before=x"); bad.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(bad.body, "ページの指定が正しくありません。") {
		t.Errorf("bad filter = %d", bad.StatusCode)
	}

	// The export: UTF-8 with a BOM, every entry in chain order, a chain
	// that checks out from the file alone, and no formulas.
	res := e.get(c, "/operator/audit.csv")
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/csv; charset=utf-8" ||
		!strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment;") {
		t.Fatalf("GET /operator/audit.csv = %d %v", res.StatusCode, res.Header)
	}
	if !strings.HasPrefix(res.body, "\ufeffseq,at,actor_id,action,outcome,") {
		t.Fatalf("export does not start with a BOM and the header: %.80q", res.body)
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(res.body, "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	all := e.trail()
	if len(rows)-1 != len(all) || all[len(all)-1].Action != tsunagari.AuditAuditExport {
		t.Fatalf("export has %d rows, the trail %d entries ending in %s", len(rows)-1, len(all), all[len(all)-1].Action)
	}
	var prev *tsunagari.AuditEvent
	for i, row := range rows[1:] {
		seq, _ := strconv.ParseInt(row[0], 10, 64)
		at, _ := time.Parse(time.RFC3339, row[1])
		ev := &tsunagari.AuditEvent{Seq: seq, At: at, ActorID: row[2], Action: row[3], Outcome: tsunagari.Outcome(row[4]),
			TargetType: row[5], TargetID: row[6], OrgID: row[7], IP: row[8], Detail: row[9], PrevHash: row[10], Hash: row[11]}
		if i == 0 {
			if row[9] != `'=HYPERLINK("http://evil")` || row[6] != "'+81@example.jp" {
				t.Errorf("first row = %q, want formula-like cells prefixed with '", row)
			}
			ev.Detail, ev.TargetID = all[0].Detail, all[0].TargetID
		}
		if err := ev.Follows(prev); err != nil {
			t.Fatalf("chain from the export: %v", err)
		}
		prev = ev
	}

	// The API, paged by "next".
	var got struct {
		Events []struct {
			Seq    int64  `json:"seq"`
			Action string `json:"action"`
			Hash   string `json:"hash"`
		} `json:"events"`
		Next *int64 `json:"next"`
	}
	res = e.get(c, "/api/v1/audit-events?limit=50&action=auth.sign_in")
	if err := json.Unmarshal([]byte(res.body), &got); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/v1/audit-events = %d %s", res.StatusCode, res.body)
	}
	if len(got.Events) != 50 || got.Events[0].Seq != 130 || got.Next == nil || *got.Next != 81 {
		t.Errorf("API page: %d events from %d, next %v; want 50 from 130, next 81", len(got.Events), got.Events[0].Seq, got.Next)
	}
	res = e.get(c, "/api/v1/audit-events?limit=50&action=auth.sign_in&before=31")
	got.Next = nil
	json.Unmarshal([]byte(res.body), &got)
	if len(got.Events) != 30 || got.Next != nil {
		t.Errorf("last API page: %d events, next %v; want 30 and null", len(got.Events), got.Next)
	}
	for _, q := range []string{"limit=0", "limit=101", "action=drop", "actor=x", "before=-1"} {
		if res := e.get(c, "/api/v1/audit-events?"+q); res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("GET /api/v1/audit-events?%s = %d, want 422", q, res.StatusCode)
		}
	}
	// Members learn nothing, not even that their filter was wrong.
	mc := e.client()
	e.startSession(mc, member)
	for _, p := range []string{"/operator/audit", "/operator/audit?before=x", "/operator/audit.csv", "/api/v1/audit-events", "/api/v1/audit-events?limit=0"} {
		if res := e.get(mc, p); res.StatusCode != http.StatusNotFound {
			t.Errorf("member GET %s = %d, want 404", p, res.StatusCode)
		}
	}
	// Every read by the operator is in the trail.
	reads := 0
	for _, ev := range e.trail() {
		if ev.ActorID == op.ID && (ev.Action == tsunagari.AuditAuditRead || ev.Action == tsunagari.AuditAuditExport) {
			reads++
		}
	}
	// The page, the older page, the filtered page, the export and two
	// API pages; refused filters read nothing.
	if reads != 6 {
		t.Errorf("%d reads of the trail recorded, want 6", reads)
	}
}

// TestConcurrentRequestsMakeOneChain: entries written by many requests at
// once still form one valid chain, on both databases.
func TestConcurrentRequestsMakeOneChain(t *testing.T) {
	onBoth(t, func(t *testing.T, open func(testing.TB) backend) {
		e := newTestEnvOn(t, open(t))
		hr := e.account("hr@a.example", "", tsunagari.RoleHRAdmin)
		e.enrol(hr)
		clients := make([]*http.Client, 8)
		for i := range clients {
			clients[i] = e.client()
			e.startSession(clients[i], hr)
		}
		const each = 5
		var wg sync.WaitGroup
		for i, c := range clients {
			wg.Go(func() {
				for j := range each {
					// A failed sign-in and a refused page: two entries.
					e.api(e.client(), "POST", "/api/v1/login", fmt.Sprintf(`{"email":"ghost%d-%d@example.jp","password":"x"}`, i, j))
					e.get(c, "/api/v1/org/departments/"+tsunagari.NewID())
				}
			})
		}
		wg.Wait()
		all := e.trail()
		if len(all) != 2*len(clients)*each {
			t.Errorf("trail holds %d entries, want %d", len(all), 2*len(clients)*each)
		}
		seqs := make([]int64, len(all))
		for i, ev := range all {
			seqs[i] = ev.Seq
		}
		if !slices.IsSorted(seqs) || (len(seqs) > 0 && seqs[len(seqs)-1] != int64(len(seqs))) {
			t.Errorf("seqs %v are not 1..n", seqs)
		}
	})
}
