package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"tsunagari"
	"tsunagari/internal/demo"
	"tsunagari/internal/sqlite"
)

// reflection is a questionnaire with free text, sent to every member: the
// person's canary goes into a personal answer and, as a second canary,
// into an anonymous one.
func reflection() *tsunagari.Instrument {
	t := func(ja, en string) tsunagari.Text { return tsunagari.Text{Ja: ja, En: en} }
	return &tsunagari.Instrument{
		ID: "weekly_reflection", Version: 1, Title: t("今週のふりかえり", "Weekly reflection"),
		Sections: []tsunagari.Section{{ID: "s1", Title: t("今週", "This week"), Items: []tsunagari.Item{
			{ID: "mood", Kind: tsunagari.KindLikert, Points: 5, Required: true, Text: t("気分", "Mood"),
				Low: t("低い", "Low"), High: t("高い", "High")},
			{ID: "note", Kind: tsunagari.KindText, Text: t("ひとこと", "A note")},
		}}},
	}
}

// signedInClient signs a demo account in through the sign-in form.
func signedInClient(t *testing.T, base, email string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.PostForm(base+"/signin", url.Values{"email": {email}, "password": {demo.Password}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || strings.HasPrefix(res.Header.Get("Location"), "/signin") {
		t.Fatalf("sign in as %s: %s to %s", email, res.Status, res.Header.Get("Location"))
	}
	return c
}

// TestBrowserPersonalDataExportAndDeletion walks a member through their
// rights in a real browser: sign up, answer, read their copy, download it,
// delete the account. Afterwards their canary is in no page that anyone
// (the operator, HR, another member, a visitor) can open, nor in the
// SQLite file, while an anonymous answer they gave is still there.
func TestBrowserPersonalDataExportAndDeletion(t *testing.T) {
	browserCtx := newBrowser(t)
	m := startServe(t)
	ctx := context.Background()
	db := m.db.(*sqlite.DB)
	stores := db.Stores()
	base := m.URL()
	j := &journey{t: t, browser: browserCtx, base: base}

	const (
		canary     = "カナリア翠7Q"
		textCanary = "転職の悩みカナリアQ7"
		anonCanary = "匿名のままカナリアZ9"
		email      = "canary7q@example.jp"
		password   = "canary passphrase 7q"
	)
	if err := stores.Surveys.SaveInstrument(ctx, reflection(), time.Now()); err != nil {
		t.Fatal(err)
	}
	personal := &tsunagari.Round{InstrumentID: "weekly_reflection", InstrumentVersion: 1, Mode: tsunagari.ModePersonal,
		OpensAt: time.Now().Add(-time.Hour)}
	anonymous := &tsunagari.Round{InstrumentID: "weekly_reflection", InstrumentVersion: 1, Mode: tsunagari.ModeAnonymous,
		OpensAt: time.Now().Add(-time.Hour)}
	for _, r := range []*tsunagari.Round{personal, anonymous} {
		if err := stores.Surveys.CreateRound(ctx, r); err != nil {
			t.Fatal(err)
		}
	}

	j.step("sign up", func(ctx context.Context) error {
		if err := chromedp.Do(ctx, chromedp.Navigate(base+"/signup"), chromedp.WaitVisible(chromedp.ID("email"))); err != nil {
			return err
		}
		if err := chromedp.Do(ctx,
			chromedp.SendKeys(chromedp.ID("email"), email),
			chromedp.SendKeys(chromedp.ID("name"), canary),
			chromedp.SendKeys(chromedp.ID("password"), password),
		); err != nil {
			return err
		}
		return j.click(ctx, chromedp.ID("signup-submit"), "/dashboard")
	})
	answer := func(round *tsunagari.Round, note string) func(ctx context.Context) error {
		return func(ctx context.Context) error {
			if err := chromedp.Do(ctx, chromedp.Navigate(base+"/rounds/"+round.ID), chromedp.WaitVisible(chromedp.ID("in-note"))); err != nil {
				return err
			}
			if err := chromedp.Do(ctx,
				chromedp.Click(chromedp.CSS(`input[name="mood"][value="4"]`)),
				chromedp.SendKeys(chromedp.ID("in-note"), note),
			); err != nil {
				return err
			}
			_, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.ID("submit-survey")))
			return err
		}
	}
	j.step("answer the personal reflection", answer(personal, textCanary))
	j.step("answer the anonymous reflection", answer(anonymous, anonCanary))

	// A reset link mailed to the person, and the operator reading the
	// mail to their address: both leave traces that erasure must reach.
	res, err := http.PostForm(base+"/password/forgot", url.Values{"email": {email}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	for _, a := range demo.DemoAccounts() {
		if a.Role == tsunagari.RoleOperator {
			res, err := signedInClient(t, base, a.Email).Get(base + "/operator/outbox?to=" + url.QueryEscape(email))
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if !bytes.Contains(b, []byte(email)) {
				t.Fatalf("the operator's outbox shows no mail to %s:\n%.500s", email, b)
			}
		}
	}

	j.step("read the copy", func(ctx context.Context) error {
		if err := chromedp.Do(ctx, chromedp.Navigate(base+"/settings")); err != nil {
			return err
		}
		if err := j.click(ctx, chromedp.ID("data-link"), "/settings/data"); err != nil {
			return err
		}
		if err := wantText(ctx, chromedp.CSS("main"), canary, email, textCanary); err != nil {
			return err
		}
		body, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
		if err != nil {
			return err
		}
		if strings.Contains(body, anonCanary) {
			return errors.New("the copy shows the anonymous answer, which must be linked to nobody")
		}
		return nil
	})

	dir := t.TempDir()
	j.step("download the copy", func(ctx context.Context) error {
		progress := chromedp.Events(ctx, browser.DownloadProgress)
		if err := chromedp.Do(ctx,
			chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
				_, err := chromedp.Call(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
					Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dir, EventsEnabled: new(true)})
				return err
			}),
			chromedp.Click(chromedp.ID("download-data")),
		); err != nil {
			return err
		}
		for ev, err := range progress {
			if err != nil {
				return err
			}
			if ev.State == browser.DownloadProgressStateCanceled {
				return errors.New("the download was cancelled")
			}
			if ev.State != browser.DownloadProgressStateCompleted {
				continue
			}
			b, err := os.ReadFile(filepath.Join(dir, ev.GUID))
			if err != nil {
				return err
			}
			var x tsunagari.PersonalExport
			if err := json.Unmarshal(b, &x); err != nil {
				return fmt.Errorf("the download is not a copy: %v", err)
			}
			for _, want := range []string{canary, email, textCanary} {
				if !bytes.Contains(b, []byte(want)) {
					return fmt.Errorf("the downloaded copy lacks %q", want)
				}
			}
			t.Logf("downloaded copy: %d bytes, %d kinds of record", len(b), len(x.Records))
			return nil
		}
		return errors.New("no download")
	})

	j.step("delete the account", func(ctx context.Context) error {
		if err := chromedp.Do(ctx, chromedp.Navigate(base+"/settings/data")); err != nil {
			return err
		}
		if err := j.click(ctx, chromedp.ID("delete-link"), "/settings/delete"); err != nil {
			return err
		}
		if err := chromedp.Do(ctx,
			chromedp.SendKeys(chromedp.ID("password"), password),
			chromedp.Click(chromedp.ID("confirm")),
		); err != nil {
			return err
		}
		if err := j.click(ctx, chromedp.ID("delete-submit"), "/"); err != nil {
			return err
		}
		return wantText(ctx, chromedp.CSS("p.flash"), "削除しました")
	})

	// Every page anyone can open: the canary is on none of them.
	var routes []string
	for _, p := range m.server.Routes() {
		method, path, _ := strings.Cut(p, " ")
		path = strings.TrimSuffix(path, "{$}")
		if method != "GET" || strings.Contains(path, "{") || strings.HasSuffix(path, "/") && path != "/" {
			continue
		}
		routes = append(routes, path)
	}
	routes = append(routes, "/rounds/"+personal.ID, "/rounds/"+anonymous.ID, "/surveys/weekly_reflection",
		"/surveys/five_powers", "/api/v1/instruments/weekly_reflection", "/api/v1/audit-events?limit=100",
		"/api/v1/outbox?to="+url.QueryEscape(email), "/operator/audit?action=account.erase")
	viewers := map[string]*http.Client{"visitor": {}}
	for _, a := range demo.DemoAccounts() {
		viewers[a.Email] = signedInClient(t, base, a.Email)
	}
	pages := 0
	for who, c := range viewers {
		for _, path := range routes {
			res, err := c.Get(base + path)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			pages++
			if res.StatusCode >= 500 {
				t.Errorf("GET %s as %s = %d after the deletion", path, who, res.StatusCode)
			}
			for _, s := range []string{canary, textCanary, email} {
				if bytes.Contains(b, []byte(s)) {
					t.Errorf("GET %s as %s (%d) shows %q after the deletion", path, who, res.StatusCode, s)
				}
			}
		}
	}

	// The file, as the erasure left it: the canary is gone from the
	// database and its log; the anonymous answer is still there, which
	// shows that a string in the file would be found.
	var file []byte
	for _, suffix := range []string{"", "-wal", "-shm"} {
		b, err := os.ReadFile(m.Config.DB + suffix)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		for _, s := range []string{canary, textCanary, email} {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("%s%s still holds %q", filepath.Base(m.Config.DB), suffix, s)
			}
		}
		file = append(file, b...)
	}
	if !bytes.Contains(file, []byte(anonCanary)) {
		t.Errorf("the anonymous answer %q is not in the database file; it must stay", anonCanary)
	}
	t.Logf("after the deletion: %d pages opened by %d viewers, %d bytes of database scanned; no canary", pages, len(viewers), len(file))
}
