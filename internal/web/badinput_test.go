package web_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"tsunagari"
	"tsunagari/internal/auth"
)

// Every rejected request must answer with a clear, localised message and
// leave the database exactly as it was.

func TestUnknownEmailAndWrongPasswordAnswerIdentically(t *testing.T) {
	e := newTestEnv(t)
	e.account("known@example.jp", "")
	fp := e.fingerprint()

	form := func(email string) response {
		return e.post(e.client(), "/signin", url.Values{"email": {email}, "password": {"not the password"}})
	}
	known, unknown := form("known@example.jp"), form("unknown@example.jp")
	if known.StatusCode != http.StatusUnauthorized || known.StatusCode != unknown.StatusCode {
		t.Fatalf("sign-in statuses: known %d, unknown %d; want 401 for both", known.StatusCode, unknown.StatusCode)
	}
	if a, b := strings.ReplaceAll(known.body, "known@example.jp", "X"), strings.ReplaceAll(unknown.body, "unknown@example.jp", "X"); a != b {
		t.Errorf("sign-in pages differ between a known and an unknown address")
	}
	if !strings.Contains(known.body, "メールアドレスまたはパスワードが正しくありません。") {
		t.Errorf("sign-in page lacks the Japanese message:\n%s", known.body)
	}

	api := func(email string) response {
		return e.api(e.client(), "POST", "/api/v1/login", `{"email":"`+email+`","password":"not the password"}`)
	}
	known, unknown = api("known@example.jp"), api("unknown@example.jp")
	if known.StatusCode != http.StatusUnauthorized || known.body != unknown.body || known.StatusCode != unknown.StatusCode {
		t.Errorf("API login: known %d %s; unknown %d %s; want identical 401s", known.StatusCode, known.body, unknown.StatusCode, unknown.body)
	}
	if want := `{"code":"unauthorized","message":"メールアドレスまたはパスワードが正しくありません。"}`; strings.TrimSpace(known.body) != want {
		t.Errorf("API login body = %s, want %s", known.body, want)
	}
	if fp != e.fingerprint() {
		t.Error("failed sign-ins changed the database")
	}
}

func TestSignInThrottledPerAccount(t *testing.T) {
	e := newTestEnv(t)
	e.account("target@example.jp", "")
	var last response
	for i := range 12 {
		last = e.api(e.client(), "POST", "/api/v1/login", `{"email":"target@example.jp","password":"guess`+string(rune('a'+i))+`"}`)
	}
	if last.StatusCode != http.StatusTooManyRequests || last.Header.Get("Retry-After") == "" {
		t.Fatalf("12th wrong password: %d %s; want 429 with Retry-After", last.StatusCode, last.body)
	}
	// The right password is refused too while throttled, and unknown
	// addresses are throttled the same way.
	if res := e.api(e.client(), "POST", "/api/v1/login", `{"email":"target@example.jp","password":"`+testPassword+`"}`); res.StatusCode != http.StatusTooManyRequests {
		t.Errorf("correct password while throttled: %d, want 429", res.StatusCode)
	}
	for i := range 12 {
		last = e.api(e.client(), "POST", "/api/v1/login", `{"email":"ghost@example.jp","password":"guess`+string(rune('a'+i))+`"}`)
	}
	if last.StatusCode != http.StatusTooManyRequests {
		t.Errorf("12th attempt for an unknown address: %d, want 429", last.StatusCode)
	}
}

func TestExpiredResetTokenChangesNothing(t *testing.T) {
	e := newTestEnv(t)
	a := e.account("reset@example.jp", "")
	ctx := context.Background()
	token := "tsr_" + strings.Repeat("a", 52)
	past := time.Now().Add(-2 * time.Hour).UTC().Truncate(time.Second)
	r := &tsunagari.PasswordReset{TokenHash: auth.HashToken(token), AccountID: a.ID, CreatedAt: past, ExpiresAt: past.Add(time.Hour)}
	if err := e.stores.Sessions.CreatePasswordReset(ctx, r, &tsunagari.Mail{To: a.Email, Subject: "s", Body: "b", Kind: "password_reset", CreatedAt: past}); err != nil {
		t.Fatal(err)
	}
	fp := e.fingerprint()
	for name, tok := range map[string]string{"expired": token, "unknown": "tsr_" + strings.Repeat("b", 52), "malformed": "<script>"} {
		res := e.post(e.client(), "/password/reset", url.Values{"token": {tok}, "password": {"a brand new password"}})
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.body, "このリンクは有効期限が切れているか、すでに使われています。") {
			t.Errorf("%s reset token: %d, want 422 with the Japanese explanation:\n%s", name, res.StatusCode, res.body)
		}
	}
	res := e.api(e.client(), "POST", "/api/v1/password-resets/confirm", `{"token":"`+token+`","password":"a brand new password"}`)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.body, `"code":"invalid"`) {
		t.Errorf("API reset with an expired token: %d %s", res.StatusCode, res.body)
	}
	if fp != e.fingerprint() {
		t.Error("rejected password resets changed the database")
	}
	// The old password still works.
	e.signIn("reset@example.jp")
}

func TestPasswordResetFlow(t *testing.T) {
	e := newTestEnv(t)
	e.account("forgetful@example.jp", "")
	c := e.client()
	// Known and unknown addresses get the same answer.
	for _, email := range []string{"forgetful@example.jp", "nobody@example.jp"} {
		if res := e.post(c, "/password/forgot", url.Values{"email": {email}}); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/signin" {
			t.Fatalf("forgot(%s) = %d %s", email, res.StatusCode, res.Header.Get("Location"))
		}
	}
	mails, _ := e.stores.Outbox.FindMail(context.Background(), tsunagari.MailFilter{})
	if len(mails) != 1 || mails[0].To != "forgetful@example.jp" {
		t.Fatalf("outbox = %+v, want one mail to the known address", mails)
	}
	i := strings.Index(mails[0].Body, "token=")
	token := strings.Fields(mails[0].Body[i+len("token="):])[0]
	res := e.post(c, "/password/reset", url.Values{"token": {token}, "password": {"my new long password"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("reset = %d:\n%s", res.StatusCode, res.body)
	}
	ok := e.post(e.client(), "/signin", url.Values{"email": {"forgetful@example.jp"}, "password": {"my new long password"}})
	if ok.StatusCode != http.StatusSeeOther {
		t.Errorf("sign in with the new password = %d", ok.StatusCode)
	}
	again := e.post(c, "/password/reset", url.Values{"token": {token}, "password": {"another password!"}})
	if again.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("second use of a reset token = %d, want 422", again.StatusCode)
	}
}

func TestOversizedFieldsRejected(t *testing.T) {
	e := newTestEnv(t)
	e.account("long@example.jp", "")
	c := e.signIn("long@example.jp")
	fp := e.fingerprint()

	long := strings.Repeat("あ", tsunagari.MaxNameLen+1)
	res := e.post(c, "/settings", url.Values{"name": {long}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.body, "お名前は100文字以内で入力してください。") {
		t.Errorf("101-character name: %d, want 422 with the limit in Japanese:\n%s", res.StatusCode, res.body)
	}
	res = e.post(e.client(), "/signup", url.Values{"name": {"x"}, "email": {strings.Repeat("a", 250) + "@example.jp"}, "password": {testPassword}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.body, "254文字以内") {
		t.Errorf("overlong email at sign-up: %d", res.StatusCode)
	}
	huge := strings.Repeat("x", 100<<10)
	res = e.post(c, "/settings", url.Values{"name": {huge}})
	if res.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(res.body, "送信された内容が大きすぎます。") {
		t.Errorf("100 KiB form: %d, want 413 with a Japanese message", res.StatusCode)
	}
	res = e.api(c, "PATCH", "/api/v1/me", `{"name":"`+strings.Repeat("x", 2<<20)+`"}`)
	if res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("2 MiB JSON: %d, want 413", res.StatusCode)
	}
	res = e.api(c, "PATCH", "/api/v1/me", `{"name":"`+long+`"}`)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.body, `"field":"name"`) {
		t.Errorf("API overlong name: %d %s", res.StatusCode, res.body)
	}
	res = e.api(c, "PATCH", "/api/v1/me", `{"nickname":"x"}`)
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("API unknown field: %d %s", res.StatusCode, res.body)
	}
	if fp != e.fingerprint() {
		t.Error("rejected input changed the database")
	}
}

func TestCrossSitePostForbidden(t *testing.T) {
	e := newTestEnv(t)
	e.account("victim@example.jp", "")
	c := e.signIn("victim@example.jp")
	fp := e.fingerprint()
	for _, path := range []string{"/settings", "/signout", "/settings/tokens", "/lang"} {
		req, _ := http.NewRequest("POST", e.ts.URL+path, strings.NewReader("name=attacker&lang=en"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		res := e.do(c, req)
		if res.StatusCode != http.StatusForbidden || !strings.Contains(res.body, "ほかのサイトからの送信は受け付けられません。") {
			t.Errorf("cross-site POST %s = %d, want 403 with a Japanese message", path, res.StatusCode)
		}
	}
	req, _ := http.NewRequest("PATCH", e.ts.URL+"/api/v1/me", strings.NewReader(`{"name":"attacker"}`))
	req.Header.Set("Origin", "https://evil.example")
	req.Header.Set("Content-Type", "application/json")
	if res := e.do(c, req); res.StatusCode != http.StatusForbidden {
		t.Errorf("cross-origin PATCH /api/v1/me = %d, want 403", res.StatusCode)
	}
	if fp != e.fingerprint() {
		t.Error("cross-site requests changed the database")
	}
	// Still signed in: the cross-site sign-out did nothing.
	if res := e.get(c, "/dashboard"); res.StatusCode != http.StatusOK {
		t.Errorf("after cross-site sign-out attempt, /dashboard = %d", res.StatusCode)
	}
}

func TestMalformedCSVInvitesNobody(t *testing.T) {
	e := newTestEnv(t)
	o, _ := e.org("みなと精機")
	hr := e.account("hr@minato.example", o.ID, tsunagari.RoleHRAdmin)
	e.enrol(hr)
	e.account("already@minato.example", o.ID)
	c := e.signIn(hr.Email)
	fp := e.fingerprint()

	csv := "email,department,role\n" +
		"ok1@minato.example,人事部,member\n" +
		"not-an-email,人事部,member\n" +
		"ok2@minato.example,存在しない部,member\n" +
		"ok3@minato.example,,superuser\n" +
		"ok1@minato.example,,member\n" +
		"already@minato.example,,member\n"
	res := uploadCSV(e, c, []byte(csv))
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("malformed CSV: %d, want 422", res.StatusCode)
	}
	for _, want := range []string{"3行目", "4行目", "5行目", "6行目", "7行目", "部署「存在しない部」が見つかりません。", "誰も招待していません"} {
		if !strings.Contains(res.body, want) {
			t.Errorf("CSV error page lacks %q", want)
		}
	}
	if strings.Contains(res.body, "2行目: ") {
		t.Error("CSV error page reports the good line 2")
	}
	for name, data := range map[string][]byte{
		"no header":     []byte("ok@minato.example\n"),
		"unclosed":      []byte("email\n\"ok@minato.example\n"),
		"empty":         {},
		"binary":        {0xff, 0xfe, 0x00, 0x01, 0x80},
		"too large":     bytes.Repeat([]byte("a"), 1<<20+10),
		"only a header": []byte("email,department\n"),
	} {
		if res := uploadCSV(e, c, data); res.StatusCode < 400 || res.StatusCode >= 500 || !strings.Contains(res.body, "error-summary") {
			t.Errorf("CSV %s: %d, want a 4xx with an explanation", name, res.StatusCode)
		}
	}
	if fp != e.fingerprint() {
		t.Error("rejected CSV uploads changed the database")
	}

	// A clean file in Shift_JIS, as Japanese Excel saves it, goes through whole.
	sjis := []byte("email,\x95\x94\x8f\x90\n" + "a@minato.example,\x90\x6c\x8e\x96\x95\x94\n" + "b@minato.example,\n") // 部署 / 人事部
	res = uploadCSV(e, c, sjis)
	if res.StatusCode != http.StatusCreated || !strings.Contains(res.body, "2人に招待メールを送りました。") {
		t.Fatalf("Shift_JIS CSV: %d:\n%s", res.StatusCode, res.body)
	}
}

func uploadCSV(e *testEnv, c *http.Client, data []byte) response {
	e.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	fw, _ := w.CreateFormFile("file", "employees.csv")
	fw.Write(data)
	w.Close()
	req, _ := http.NewRequest("POST", e.ts.URL+"/hr/invitations/csv", &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return e.do(c, req)
}
