package web_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"tsunagari"
	"tsunagari/internal/i18n"
	"tsunagari/internal/survey"
	"tsunagari/internal/web"
)

// memberWithData signs up a member through the site, with a profile, an
// answered five powers check-in, an API token and an anonymous answer to
// their org's round, and returns the account and a signed-in client.
func (e *testEnv) memberWithData(email, name string, o *tsunagari.Org) (*tsunagari.Account, *http.Client) {
	e.t.Helper()
	ctx := context.Background()
	c := e.client()
	res := e.post(c, "/signup", url.Values{"email": {email}, "name": {name}, "password": {testPassword}})
	if res.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("sign up %s: %d %s", email, res.StatusCode, res.body)
	}
	a, err := e.stores.Accounts.FindAccountByEmail(ctx, email)
	if err != nil {
		e.t.Fatal(err)
	}
	if o != nil {
		dept, _ := e.stores.Orgs.FindDepartments(ctx, o.ID)
		inv := &tsunagari.Invitation{OrgID: o.ID, DepartmentID: dept[0].ID, Email: email, Role: tsunagari.RoleMember,
			TokenHash: "h-" + email, CreatedAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour)}
		if err := e.stores.Orgs.CreateInvitations(ctx, []*tsunagari.Invitation{inv}, nil); err != nil {
			e.t.Fatal(err)
		}
		if err := e.stores.Orgs.AcceptInvitation(ctx, inv.TokenHash, a.ID, time.Now()); err != nil {
			e.t.Fatal(err)
		}
	}
	if res := e.post(c, "/settings", url.Values{"name": {name}, "prefecture": {"15"}, "ageBand": {"30s"}}); res.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("settings: %d", res.StatusCode)
	}
	round, in := e.standing(a, survey.FivePowers)
	v := url.Values{}
	for _, it := range in.Items() {
		v.Set(it.ID, "4")
	}
	if res := e.post(c, "/rounds/"+round.ID, v); res.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("five powers: %d %s", res.StatusCode, res.body)
	}
	if res := e.post(c, "/settings/tokens", url.Values{"name": {"家計簿スクリプト"}}); res.StatusCode != http.StatusCreated {
		e.t.Fatalf("token: %d", res.StatusCode)
	}
	a, err = e.stores.Accounts.FindAccountByEmail(ctx, email)
	if err != nil {
		e.t.Fatal(err)
	}
	return a, c
}

// anonymousRound sends the five powers, anonymously, to an org.
func (e *testEnv) anonymousRound(o *tsunagari.Org) *tsunagari.Round {
	e.t.Helper()
	ctx := context.Background()
	in, err := e.stores.Surveys.FindInstrument(ctx, survey.FivePowers, 0)
	if err != nil {
		e.t.Fatal(err)
	}
	r := &tsunagari.Round{InstrumentID: in.ID, InstrumentVersion: in.Version, Mode: tsunagari.ModeAnonymous, OrgID: o.ID,
		OpensAt: time.Now().Add(-time.Hour)}
	if err := e.stores.Surveys.CreateRound(ctx, r); err != nil {
		e.t.Fatal(err)
	}
	return r
}

func (e *testEnv) answerAll(c *http.Client, r *tsunagari.Round, value string) {
	e.t.Helper()
	in, _ := e.stores.Surveys.FindInstrument(context.Background(), r.InstrumentID, r.InstrumentVersion)
	v := url.Values{}
	for _, it := range in.Items() {
		v.Set(it.ID, value)
	}
	if res := e.post(c, "/rounds/"+r.ID, v); res.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("answer round: %d %s", res.StatusCode, res.body)
	}
}

func TestPersonalDataCopy(t *testing.T) {
	onBoth(t, func(t *testing.T, open func(testing.TB) backend) {
		e := newTestEnvOn(t, open(t))
		o, _ := e.org("みなと精機")
		me, c := e.memberWithData("misaki@example.jp", "佐藤 美咲カナリア", o)
		other, _ := e.memberWithData("other@example.jp", "他人 太郎", o)

		page := e.get(c, "/settings/data")
		if page.StatusCode != http.StatusOK {
			t.Fatalf("GET /settings/data = %d", page.StatusCode)
		}
		for _, want := range []string{"佐藤 美咲カナリア", "misaki@example.jp", "みなと精機", "家計簿スクリプト", "新潟県",
			`id="section-survey_response"`, `id="section-api_token"`, `id="section-session"`, "作成日時", "/settings/data.json"} {
			if !strings.Contains(page.body, want) {
				t.Errorf("the copy page lacks %q", want)
			}
		}
		dl := e.get(c, "/settings/data.json")
		if dl.StatusCode != http.StatusOK || !strings.HasPrefix(dl.Header.Get("Content-Disposition"), `attachment; filename="tsunagari-data-`) {
			t.Fatalf("GET /settings/data.json = %d, Content-Disposition %q", dl.StatusCode, dl.Header.Get("Content-Disposition"))
		}
		var x tsunagari.PersonalExport
		if err := json.Unmarshal([]byte(dl.body), &x); err != nil {
			t.Fatal(err)
		}
		if x.Format != tsunagari.PersonalExportFormat || x.AccountID != me.ID {
			t.Errorf("the download is %q for %q, want %q for %q", x.Format, x.AccountID, tsunagari.PersonalExportFormat, me.ID)
		}
		for _, kind := range []string{"account", "role", "employment", "survey_response", "session", "api_token", "invitation"} {
			if len(x.Records[kind]) == 0 {
				t.Errorf("the download has no %s records", kind)
			}
		}
		for _, body := range []string{page.body, dl.body} {
			for _, never := range []string{me.PasswordHash, other.Email, other.Name, other.ID, "tss_", "tsu_"} {
				if strings.Contains(body, never) {
					t.Errorf("the copy holds %q", never)
				}
			}
		}
		if ev := findEvent(e.trail(), tsunagari.AuditEvent{Action: tsunagari.AuditDataExport, ActorID: me.ID}); ev == nil {
			t.Error("the copy was not recorded in the audit trail")
		}
		// Signed out, there is no copy.
		if res := e.get(e.client(), "/settings/data.json"); res.StatusCode != http.StatusSeeOther {
			t.Errorf("GET /settings/data.json signed out = %d, want a redirect to sign in", res.StatusCode)
		}
	})
}

func TestDeleteAccount(t *testing.T) {
	onBoth(t, func(t *testing.T, open func(testing.TB) backend) {
		ctx := context.Background()
		e := newTestEnvOn(t, open(t))
		o, _ := e.org("みなと精機")
		round := e.anonymousRound(o)
		me, c := e.memberWithData("leaver@example.jp", "去る カナリア", o)
		_, stay := e.memberWithData("stayer@example.jp", "残る 人", o)
		e.answerAll(c, round, "2")
		e.answerAll(stay, round, "5")
		pooled := func() []string {
			var out []string
			e.stores.Surveys.EachAnswerSet(ctx, round.ID, func(_ tsunagari.Segments, as []tsunagari.Answer) error {
				b, _ := json.Marshal(as)
				out = append(out, string(b))
				return nil
			})
			return out
		}
		before := pooled()

		form := e.get(c, "/settings/delete")
		for _, want := range []string{"消去されるもの", "残るもの", "匿名", "監査ログ", `id="delete-submit"`} {
			if !strings.Contains(form.body, want) {
				t.Errorf("the delete page lacks %q", want)
			}
		}
		// Wrong password, or no confirmation: refused, nothing changes.
		fp := e.fingerprint()
		for _, v := range []url.Values{
			{"password": {"wrong password"}, "confirm": {"yes"}},
			{"password": {testPassword}},
			{"confirm": {"yes"}},
		} {
			res := e.post(c, "/settings/delete", v)
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.body, `class="error-summary"`) {
				t.Errorf("POST /settings/delete %v = %d, want 422 with the form again", v, res.StatusCode)
			}
			if strings.Contains(res.body, testPassword) {
				t.Error("the form echoes the password")
			}
		}
		if e.fingerprint() != fp {
			t.Error("a refused deletion changed the database")
		}

		res := e.post(c, "/settings/delete", url.Values{"password": {testPassword}, "confirm": {"yes"}})
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
			t.Fatalf("POST /settings/delete = %d to %q, want 303 to /", res.StatusCode, res.Header.Get("Location"))
		}
		home := e.get(c, "/")
		if !strings.Contains(home.body, "アカウントとあなたのデータを削除しました") {
			t.Error("the home page does not say the account was deleted")
		}
		if res := e.get(c, "/dashboard"); res.StatusCode != http.StatusSeeOther {
			t.Errorf("GET /dashboard after deletion = %d, want a redirect to sign in", res.StatusCode)
		}
		if res := e.post(e.client(), "/signin", url.Values{"email": {"leaver@example.jp"}, "password": {testPassword}}); res.StatusCode == http.StatusSeeOther {
			t.Error("the deleted account can still sign in")
		}
		dump, err := e.db.(interface {
			Dump(context.Context) (map[string][][]string, error)
		}).Dump(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for table, rows := range dump {
			for _, row := range rows[1:] {
				for _, cell := range row {
					if strings.Contains(cell, "leaver@example.jp") || strings.Contains(cell, "去る カナリア") {
						t.Errorf("table %s still holds %q", table, cell)
					}
				}
			}
		}
		if got := pooled(); strings.Join(got, "|") != strings.Join(before, "|") || len(got) != 2 {
			t.Errorf("the anonymous answers changed: %v, want %v", got, before)
		}
		if ev := findEvent(e.trail(), tsunagari.AuditEvent{Action: tsunagari.AuditAccountErase, ActorID: me.ID, Outcome: tsunagari.OutcomeSuccess}); ev == nil {
			t.Error("the deletion was not recorded in the audit trail")
		}
		if ev := findEvent(e.trail(), tsunagari.AuditEvent{Action: tsunagari.AuditAccountErase, ActorID: me.ID, Outcome: tsunagari.OutcomeFailure}); ev == nil {
			t.Error("the wrong password was not recorded in the audit trail")
		}
		if n, _ := e.stores.Orgs.CountEmployees(ctx, o.ID); n != 1 {
			t.Errorf("the org counts %d employees, want the one who stayed", n)
		}
		// The one who stayed still has everything.
		if res := e.get(stay, "/settings/data"); res.StatusCode != http.StatusOK || !strings.Contains(res.body, "残る 人") {
			t.Errorf("the member who stayed lost their data: %d", res.StatusCode)
		}
	})
}

func TestDeleteAccountAPIAndLastOperator(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	op1 := e.account("op1@example.jp", "", tsunagari.RoleOperator)
	e.enrol(op1)
	c := e.signIn("op1@example.jp")
	body := `{"password":"` + testPassword + `","confirm":true}`
	if res := e.api(c, "DELETE", "/api/v1/me", body); res.StatusCode != http.StatusConflict || !strings.Contains(res.body, "運営者") {
		t.Errorf("the only operator's deletion = %d %s, want 409", res.StatusCode, res.body)
	}
	if _, err := e.stores.Accounts.FindAccountByID(ctx, op1.ID); err != nil {
		t.Fatalf("the only operator is gone: %v", err)
	}
	e.account("op2@example.jp", "", tsunagari.RoleOperator)
	if res := e.api(c, "DELETE", "/api/v1/me", body); res.StatusCode != http.StatusNoContent {
		t.Errorf("an operator's deletion with another operator left = %d %s, want 204", res.StatusCode, res.body)
	}
	if res := e.api(c, "GET", "/api/v1/me", ""); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("after deletion GET /api/v1/me = %d, want 401", res.StatusCode)
	}

	// An API token alone does not delete an account: the password does.
	member := e.account("scripted@example.jp", "")
	mc := e.client()
	e.startSession(mc, member)
	created := e.api(mc, "POST", "/api/v1/tokens", `{"name":"script"}`)
	var tok struct{ Token string }
	json.Unmarshal([]byte(created.body), &tok)
	req, _ := http.NewRequest("DELETE", e.ts.URL+"/api/v1/me", strings.NewReader(`{"password":"","confirm":true}`))
	req.Header.Set("Authorization", "Bearer "+tok.Token)
	req.Header.Set("Content-Type", "application/json")
	if res := e.do(http.DefaultClient, req); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("DELETE /api/v1/me with a token and no password = %d, want 422", res.StatusCode)
	}
	req, _ = http.NewRequest("DELETE", e.ts.URL+"/api/v1/me", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+tok.Token)
	req.Header.Set("Content-Type", "application/json")
	if res := e.do(http.DefaultClient, req); res.StatusCode != http.StatusNoContent {
		t.Errorf("DELETE /api/v1/me with a token and the password = %d %s, want 204", res.StatusCode, res.body)
	}
	req, _ = http.NewRequest("GET", e.ts.URL+"/api/v1/me", nil)
	req.Header.Set("Authorization", "Bearer "+tok.Token)
	if res := e.do(http.DefaultClient, req); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("the deleted account's token still works: %d", res.StatusCode)
	}
}

// TestPersonalFieldLabels checks that every labelled field of a copy has
// its label in both languages.
func TestPersonalFieldLabels(t *testing.T) {
	c, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range web.PersonalFields {
		for _, lang := range i18n.Languages {
			if !c.Printer(lang).Has("personal.field." + f) {
				t.Errorf("personal.field.%s is missing from %s.json", f, lang)
			}
		}
	}
}

// TestOutboxReadsRecordNoAddress checks that an operator's read of the
// outbox filtered by an address names the account, or a hash, in the
// audit trail, never the address, which would outlive its owner's
// erasure.
func TestOutboxReadsRecordNoAddress(t *testing.T) {
	e := newTestEnv(t)
	e.enrol(e.account("op@example.jp", "", tsunagari.RoleOperator))
	known := e.account("known@example.jp", "")
	c := e.signIn("op@example.jp")
	for _, to := range []string{"known@example.jp", "Stranger@Example.jp"} {
		if res := e.get(c, "/operator/outbox?to="+url.QueryEscape(to)); res.StatusCode != http.StatusOK {
			t.Fatalf("GET /operator/outbox?to=%s = %d", to, res.StatusCode)
		}
	}
	all := e.trail()
	if findEvent(all, tsunagari.AuditEvent{Action: tsunagari.AuditOutboxRead, TargetType: "account", TargetID: known.ID}) == nil {
		t.Error("a read filtered by a member's address does not name the member's account")
	}
	hashed := findEvent(all, tsunagari.AuditEvent{Action: tsunagari.AuditOutboxRead, TargetType: "email"})
	if hashed == nil || !strings.HasPrefix(hashed.TargetID, "sha256:") {
		t.Errorf("a read filtered by an unknown address is recorded as %+v, want a hash", hashed)
	}
	for _, ev := range all {
		if strings.Contains(ev.TargetID+ev.Detail, "@") {
			t.Errorf("the audit trail holds an address: %+v", ev)
		}
	}
}

// TestDeleteAccountWithConsultations: a member's copy holds their
// bookings and their own reflections, opened for them; deleting the
// account cancels their upcoming session with a mail to the consultant,
// who keeps the note on the past session, unlinked. A consultant who
// leaves takes their notes in their copy; their client keeps the
// booking history and the reflection, and is told of the cancelled
// session.
func TestDeleteAccountWithConsultations(t *testing.T) {
	onBoth(t, func(t *testing.T, open func(testing.TB) backend) {
		ctx := context.Background()
		e := newTestEnvOn(t, open(t))
		v := newAPIValidator(t, e)
		cons := e.consultant("keeps-notes@example.jp", true)
		consultant := e.signIn("keeps-notes@example.jp")
		leaver := e.account("leaving-member@example.jp", "")
		member := e.signIn("leaving-member@example.jp")
		if res := e.post(member, "/settings", url.Values{"name": {"去る 相談者カナリア"}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("settings: %d %s", res.StatusCode, res.body)
		}

		const noteText, reflectionText = "記録カナリア: 転職の迷い", "ふりかえりカナリア: 話して整理できた"
		past := e.pastSession(leaver.ID, cons.ID)
		if res := e.post(consultant, "/bookings/"+past.ID+"/note", url.Values{"note": {noteText}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("write note: %d %s", res.StatusCode, res.body)
		}
		if res := e.post(member, "/bookings/"+past.ID+"/reflection", url.Values{"realised": {reflectionText}, "rating": {"5"}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("write reflection: %d %s", res.StatusCode, res.body)
		}
		coming := decode[bookingBody](t, v.call(member, "createBooking", "POST", "/api/v1/bookings",
			bookJSON(cons.ID, e.freeSlot(cons.ID, 0), "leaver-booking-1"), 201))

		// The member's copy: both bookings, the reflection opened, the
		// note said to exist but not what it says.
		var x tsunagari.PersonalExport
		dl := v.call(member, "exportMyData", "GET", "/api/v1/me/data", "", 200)
		if err := json.Unmarshal([]byte(dl.body), &x); err != nil {
			t.Fatal(err)
		}
		if n := len(x.Records[tsunagari.PersonalBooking]); n != 2 {
			t.Errorf("the member's copy has %d bookings, want 2", n)
		}
		if !strings.Contains(dl.body, reflectionText) || strings.Contains(dl.body, "(sealed)") {
			t.Errorf("the member's copy does not show their reflection opened:\n%s", dl.body)
		}
		if strings.Contains(dl.body, noteText) || !strings.Contains(dl.body, `"consultantNote": true`) {
			t.Errorf("the member's copy must say that the consultant keeps a note, never what it says")
		}
		if page := e.get(member, "/settings/data"); !strings.Contains(page.body, "話して整理できた") || !strings.Contains(page.body, `id="section-booking"`) {
			t.Errorf("the copy page lacks the reflection or the bookings")
		}

		// The deletion page says what leaves and who is told.
		form := e.get(member, "/settings/delete")
		for _, want := range []string{"これからの相談 1 件", "5年間", "ふりかえり"} {
			if !strings.Contains(form.body, want) {
				t.Errorf("the delete page lacks %q", want)
			}
		}
		if res := e.post(member, "/settings/delete", url.Values{"password": {testPassword}, "confirm": {"yes"}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("delete: %d %s", res.StatusCode, res.body)
		}
		mails, _ := e.stores.Outbox.FindMail(ctx, tsunagari.MailFilter{To: "keeps-notes@example.jp"})
		var told *tsunagari.Mail
		for _, m := range mails {
			if m.Kind == "booking_member_left" {
				told = m
			}
		}
		if told == nil || strings.Contains(told.Body+told.Subject, "去る") || !strings.Contains(told.Body, "アカウントを削除") {
			t.Errorf("the consultant was not told of the cancelled session, or the mail names the member: %+v", told)
		}
		if _, err := e.stores.Consultation.FindBooking(ctx, coming.ID); !errors.Is(err, tsunagari.ErrNotFound) {
			t.Errorf("the member's upcoming booking = %v, want it gone", err)
		}
		// The consultant keeps the note, on a booking of nobody.
		kept := e.get(consultant, "/bookings/"+past.ID)
		if kept.StatusCode != http.StatusOK || !strings.Contains(kept.body, noteText) || !strings.Contains(kept.body, "退会した相談者") ||
			!strings.Contains(kept.body, `id="note-kept"`) || strings.Contains(kept.body, "去る") {
			t.Errorf("the consultant's page of the past session = %d; want the note kept, the member gone", kept.StatusCode)
		}
		if sched := e.get(consultant, "/consultant/schedule"); sched.StatusCode != http.StatusOK || strings.Contains(sched.body, coming.ID) {
			t.Errorf("the consultant's schedule = %d, still showing the cancelled session", sched.StatusCode)
		}
		left := decode[map[string]any](t, v.call(consultant, "getBooking", "GET", "/api/v1/bookings/"+past.ID, "", 200))
		if left["memberLeft"] != true || left["memberName"] != nil {
			t.Errorf("getBooking of the kept session = %v, want memberLeft and no name", left)
		}

		// Now the consultant leaves, with a client who stays.
		stayer := e.account("staying-member@example.jp", "")
		staying := e.signIn("staying-member@example.jp")
		held := e.pastSession(stayer.ID, cons.ID)
		if res := e.post(staying, "/bookings/"+held.ID+"/reflection", url.Values{"next_step": {"残るふりかえり"}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("write reflection: %d", res.StatusCode)
		}
		if res := e.post(consultant, "/bookings/"+held.ID+"/note", url.Values{"note": {"去るコンサルタントの記録"}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("write note: %d", res.StatusCode)
		}
		upcoming := decode[bookingBody](t, v.call(staying, "createBooking", "POST", "/api/v1/bookings",
			bookJSON(cons.ID, e.freeSlot(cons.ID, 0), "stayer-booking-1"), 201))
		mine := e.get(consultant, "/settings/data.json")
		for _, want := range []string{"去るコンサルタントの記録", noteText, `"consultation_held"`, `"consultant_profile"`} {
			if !strings.Contains(mine.body, want) {
				t.Errorf("the consultant's copy lacks %q", want)
			}
		}
		for _, never := range []string{stayer.ID, stayer.Email, "残るふりかえり"} {
			if strings.Contains(mine.body, never) {
				t.Errorf("the consultant's copy holds %q, which is their client's", never)
			}
		}
		if form := e.get(consultant, "/settings/delete"); !strings.Contains(form.body, "これからの相談 1 件") || !strings.Contains(form.body, "相談者のものとして残り") {
			t.Errorf("the consultant's delete page does not say what becomes of their clients' sessions")
		}
		if res := e.post(consultant, "/settings/delete", url.Values{"password": {testPassword}, "confirm": {"yes"}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("delete the consultant: %d %s", res.StatusCode, res.body)
		}
		mails, _ = e.stores.Outbox.FindMail(ctx, tsunagari.MailFilter{To: "staying-member@example.jp"})
		told = nil
		for _, m := range mails {
			if m.Kind == "booking_consultant_left" {
				told = m
			}
		}
		if told == nil || !strings.Contains(told.Body, "/bookings/"+upcoming.ID) || strings.Contains(told.Body, "相談 員子") {
			t.Errorf("the client was not told that the consultant left, or the mail names them: %+v", told)
		}
		if _, err := e.stores.Consultation.FindBooking(ctx, past.ID); !errors.Is(err, tsunagari.ErrNotFound) {
			t.Errorf("the kept note of the member who left = %v; it goes with its consultant", err)
		}
		page := e.get(staying, "/bookings/"+held.ID)
		if page.StatusCode != http.StatusOK || !strings.Contains(page.body, "残るふりかえり") || !strings.Contains(page.body, "退会したキャリアコンサルタント") {
			t.Errorf("the client's past session = %d; want their reflection kept and the consultant gone", page.StatusCode)
		}
		list := decode[[]map[string]any](t, v.call(staying, "listBookings", "GET", "/api/v1/bookings", "", 200))
		for _, b := range list {
			if b["consultantLeft"] != true || b["consultantId"] != nil {
				t.Errorf("listBookings after the consultant left = %v, want consultantLeft and no consultantId", b)
			}
			if b["id"] == upcoming.ID && b["status"] != "cancelled" {
				t.Errorf("the client's upcoming session is %v, want cancelled", b["status"])
			}
		}
		if mine := e.get(staying, "/bookings"); mine.StatusCode != http.StatusOK || !strings.Contains(mine.body, "退会したキャリアコンサルタント") {
			t.Errorf("the client's bookings page = %d, want the consultant shown as gone", mine.StatusCode)
		}
		dump, err := e.db.(interface {
			Dump(context.Context) (map[string][][]string, error)
		}).Dump(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for table, rows := range dump {
			for _, row := range rows[1:] {
				for _, cell := range row {
					for _, gone := range []string{"leaving-member@example.jp", "去る 相談者カナリア", "keeps-notes@example.jp", leaver.ID, cons.ID} {
						if strings.Contains(cell, gone) && table != "audit_events" {
							t.Errorf("table %s still holds %q", table, gone)
						}
					}
				}
			}
		}
	})
}
