package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"tsunagari"
)

var (
	secretRe = regexp.MustCompile(`id="mfa-secret">([A-Z2-7]+)<`)
	codesRe  = regexp.MustCompile(`<li><code>([a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4})</code></li>`)
)

// TestMFABrowserFlow: an HR administrator without an authenticator is
// held at enrolment, enrols, signs in with a code, loses the phone,
// signs in with a recovery code and enrols a new authenticator.
func TestMFABrowserFlow(t *testing.T) {
	onBoth(t, func(t *testing.T, open func(testing.TB) backend) {
		e := newTestEnvOn(t, open(t))
		ctx := context.Background()
		o, _ := e.org("A社")
		hr := e.account("hr@a.example", o.ID, tsunagari.RoleHRAdmin)

		// The password alone signs in, but leads only to enrolment.
		c := e.signIn(hr.Email)
		for _, p := range []string{"/dashboard", "/hr/departments", "/settings", "/operator/audit", "/"} {
			if res := e.get(c, p); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/settings/mfa" {
				t.Errorf("unenrolled HR GET %s = %d %s, want a redirect to /settings/mfa", p, res.StatusCode, res.Header.Get("Location"))
			}
		}
		if res := e.get(c, "/api/v1/org"); res.StatusCode != http.StatusForbidden || !strings.Contains(res.body, "二段階認証を設定するまで") {
			t.Errorf("unenrolled HR GET /api/v1/org = %d %s, want 403", res.StatusCode, res.body)
		}
		page := e.get(c, "/settings/mfa")
		if page.StatusCode != http.StatusOK || !strings.Contains(page.body, "二段階認証が必須です") || !strings.Contains(page.body, `id="mfa-start"`) {
			t.Fatalf("GET /settings/mfa = %d:\n%s", page.StatusCode, page.body)
		}

		// Enrolment: the secret as text and as an otpauth URI, confirmed
		// with a code; ten recovery codes, shown once.
		if res := e.post(c, "/settings/mfa", nil); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("POST /settings/mfa = %d", res.StatusCode)
		}
		page = e.get(c, "/settings/mfa")
		m := secretRe.FindStringSubmatch(page.body)
		if m == nil || !strings.Contains(page.body, "otpauth://totp/tsunagari:hr@a.example?") {
			t.Fatalf("enrolment page shows no secret or URI:\n%s", page.body)
		}
		secret := m[1]
		stored, err := e.stores.MFA.FindTOTP(ctx, hr.ID)
		if err != nil || strings.Contains(strings.ToUpper(stored.Secret), secret[:10]) {
			t.Errorf("stored secret %q, %v: not sealed", stored.Secret, err)
		}
		if res := e.post(c, "/settings/mfa/confirm", url.Values{"code": {"000000"}}); res.StatusCode != http.StatusUnprocessableEntity ||
			!strings.Contains(res.body, "コードが正しくないか") {
			t.Errorf("confirm with a wrong code = %d", res.StatusCode)
		}
		res := e.post(c, "/settings/mfa/confirm", url.Values{"code": {e.code(secret)}})
		codes := codesRe.FindAllStringSubmatch(res.body, -1)
		if res.StatusCode != http.StatusOK || len(codes) != tsunagari.NumRecoveryCodes {
			t.Fatalf("confirm = %d with %d recovery codes:\n%s", res.StatusCode, len(codes), res.body)
		}
		if strings.Contains(e.get(c, "/settings/mfa").body, codes[0][1]) {
			t.Error("recovery codes are shown again")
		}
		if res := e.get(c, "/dashboard"); res.StatusCode != http.StatusOK {
			t.Errorf("GET /dashboard after enrolment = %d", res.StatusCode)
		}

		// Signing in now takes a code; the waiting sign-in opens nothing.
		e.post(c, "/signout", nil)
		c = e.client()
		res = e.post(c, "/signin", url.Values{"email": {hr.Email}, "password": {testPassword}, "next": {"/hr/departments"}})
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/signin/mfa?next=%2Fhr%2Fdepartments" {
			t.Fatalf("sign-in = %d %s, want the second step", res.StatusCode, res.Header.Get("Location"))
		}
		if res := e.get(c, "/dashboard"); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/signin?") {
			t.Errorf("GET /dashboard before the second step = %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		if res := e.get(c, "/signin/mfa?next=%2Fhr%2Fdepartments"); res.StatusCode != http.StatusOK || !strings.Contains(res.body, `autocomplete="one-time-code"`) {
			t.Errorf("GET /signin/mfa = %d", res.StatusCode)
		}
		if res := e.post(c, "/signin/mfa", url.Values{"code": {"000000"}}); res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("wrong code = %d, want 422", res.StatusCode)
		}
		e.advance()
		used := e.code(secret)
		res = e.post(c, "/signin/mfa", url.Values{"code": {used}, "next": {"/hr/departments"}})
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/hr/departments" {
			t.Fatalf("right code = %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		if res := e.get(c, "/hr/departments"); res.StatusCode != http.StatusOK {
			t.Errorf("GET /hr/departments after the second step = %d", res.StatusCode)
		}

		// The API takes the code with the password.
		api := func(body string) response { return e.api(e.client(), "POST", "/api/v1/login", body) }
		if res := api(fmt.Sprintf(`{"email":%q,"password":%q}`, hr.Email, testPassword)); res.StatusCode != http.StatusUnauthorized ||
			!strings.Contains(res.body, "二段階認証のコードを入力してください。") {
			t.Errorf("API login without a code = %d %s", res.StatusCode, res.body)
		}
		if res := api(fmt.Sprintf(`{"email":%q,"password":%q,"code":%q}`, hr.Email, testPassword, used)); res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("API login with a used code = %d %s", res.StatusCode, res.body)
		}
		e.advance()
		if res := api(fmt.Sprintf(`{"email":%q,"password":%q,"code":%q}`, hr.Email, testPassword, e.code(secret))); res.StatusCode != http.StatusOK {
			t.Errorf("API login with a code = %d %s", res.StatusCode, res.body)
		}

		// Lost phone: a recovery code, then a new authenticator.
		c = e.client()
		e.post(c, "/signin", url.Values{"email": {hr.Email}, "password": {testPassword}})
		res = e.post(c, "/signin/mfa", url.Values{"code": {strings.ToUpper(codes[0][1])}})
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/settings/mfa" {
			t.Fatalf("recovery code = %d %s, want /settings/mfa", res.StatusCode, res.Header.Get("Location"))
		}
		page = e.get(c, "/settings/mfa")
		if !strings.Contains(page.body, "リカバリーコードでログインしました") || !strings.Contains(page.body, "残り9個") {
			t.Errorf("page after a recovery code does not say so:\n%s", page.body)
		}
		if res := e.post(c, "/settings/mfa", url.Values{"password": {"wrong"}}); res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("re-enrolment with a wrong password = %d", res.StatusCode)
		}
		e.post(c, "/settings/mfa", url.Values{"password": {testPassword}})
		page = e.get(c, "/settings/mfa")
		m = secretRe.FindStringSubmatch(page.body)
		if m == nil || m[1] == secret || !strings.Contains(page.body, "二段階認証が必須です") {
			t.Fatalf("re-enrolment page:\n%s", page.body)
		}
		if res := e.get(c, "/dashboard"); res.StatusCode != http.StatusSeeOther {
			t.Errorf("GET /dashboard while re-enrolling = %d, want the way to enrolment", res.StatusCode)
		}
		e.advance()
		if res := e.post(c, "/settings/mfa/confirm", url.Values{"code": {e.code(m[1])}}); len(codesRe.FindAllString(res.body, -1)) != tsunagari.NumRecoveryCodes {
			t.Errorf("confirming the new authenticator = %d", res.StatusCode)
		}
		if res := e.get(c, "/dashboard"); res.StatusCode != http.StatusOK {
			t.Errorf("GET /dashboard after re-enrolment = %d", res.StatusCode)
		}

		// The trail tells the story, without codes or secrets.
		all := e.trail()
		for _, want := range []tsunagari.AuditEvent{
			{Action: tsunagari.AuditMFAEnrol, ActorID: hr.ID, Outcome: tsunagari.OutcomeSuccess},
			{Action: tsunagari.AuditMFAEnrol, ActorID: hr.ID, Outcome: tsunagari.OutcomeFailure},
			{Action: tsunagari.AuditSignIn, ActorID: hr.ID, Detail: "second_step_pending"},
			{Action: tsunagari.AuditSignInMFA, ActorID: hr.ID, Outcome: tsunagari.OutcomeFailure, Detail: "wrong_code"},
			{Action: tsunagari.AuditSignInMFA, ActorID: hr.ID, Outcome: tsunagari.OutcomeSuccess, Detail: "totp"},
			{Action: tsunagari.AuditSignInMFA, ActorID: hr.ID, Outcome: tsunagari.OutcomeSuccess, Detail: "recovery_code"},
			{Action: tsunagari.AuditRecoveryCodes, ActorID: hr.ID},
			{Action: tsunagari.AuditAccessDenied, ActorID: hr.ID, TargetID: "GET /api/v1/org"},
		} {
			if findEvent(all, want) == nil {
				t.Errorf("no audit entry like %+v", want)
			}
		}
		dump, _ := json.Marshal(all)
		for _, s := range []string{secret, m[1], codes[0][1], codes[1][1], used} {
			if strings.Contains(string(dump), s) {
				t.Errorf("the audit trail contains %q", s)
			}
		}
	})
}

// TestEnrolmentGateCoversEveryRoute: an account whose role requires two-
// step sign-in and has none reaches enrolment, sign-out and the language
// switch, and nothing else, whatever route it asks for.
func TestEnrolmentGateCoversEveryRoute(t *testing.T) {
	w := newWorld(t, openSQLite(t))
	e := w.e
	op := &actor{role: "operator", acc: e.account("new-operator@example.jp", "", tsunagari.RoleOperator),
		home: w.a, foreign: w.b, client: e.client()}
	op.colleague, op.stranger = w.bystander, w.bystander
	// Routes outside the session adapters.
	outside := map[string]bool{"GET /healthz": true, "GET /readyz": true, "GET /metrics": true, "GET /static/": true, "GET /favicon.ico": true}
	allowed := map[string]bool{"GET /settings/mfa": true, "POST /settings/mfa": true, "POST /settings/mfa/confirm": true,
		"POST /signout": true, "POST /api/v1/logout": true, "POST /lang": true}
	for _, route := range e.srv.Routes() {
		if outside[route] {
			continue
		}
		rq := requests[route]
		e.startSession(op.client, op.acc)
		obj := ""
		if rq.kind != noObject {
			obj = missing(rq.kind)
		}
		res := w.do(op, rq, obj)
		gated := res.StatusCode == http.StatusSeeOther && res.Header.Get("Location") == "/settings/mfa" ||
			res.StatusCode == http.StatusForbidden && strings.Contains(res.body, `"code":"forbidden"`) && strings.Contains(res.body, "/settings/mfa")
		if route == "POST /settings/mfa" {
			// Starting enrolment leads to the enrolment page too.
			gated = res.StatusCode != http.StatusSeeOther
		}
		if gated == allowed[route] {
			t.Errorf("%s as an operator without an authenticator = %d %s; gated %v, want %v",
				route, res.StatusCode, res.Header.Get("Location"), gated, !allowed[route])
		}
	}
	// The demo exemption lets the shared demo accounts through, and only
	// them.
	demo := e.account("operator@tsunagari.example", "", tsunagari.RoleOperator)
	e.auth.MFAExempt = func(a *tsunagari.Account) bool { return a.Email == "operator@tsunagari.example" }
	c := e.client()
	e.startSession(c, demo)
	if res := e.get(c, "/operator/orgs"); res.StatusCode != http.StatusOK {
		t.Errorf("exempt demo operator GET /operator/orgs = %d", res.StatusCode)
	}
	if res := e.get(c, "/settings/mfa"); !strings.Contains(res.body, "デモモードのため") {
		t.Errorf("the exempt account's MFA page does not say it is exempt")
	}
	e.startSession(op.client, op.acc)
	if res := e.get(op.client, "/operator/orgs"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("non-demo operator GET /operator/orgs = %d, want the way to enrolment", res.StatusCode)
	}
}
