package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"tsunagari"
	"tsunagari/internal/demo"
)

// startServe runs the serve command in-process with demo data on a fresh
// SQLite file and a free port, as `tsunagari serve --demo` would, and
// stops it when the test ends.
func startServe(t *testing.T) *Main {
	t.Helper()
	m := NewMain()
	args := []string{"--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "e2e.db"), "--demo"}
	if err := m.ParseFlags(args, func(string) string { return "" }); err != nil {
		t.Fatalf("ParseFlags(%q): %v", args, err)
	}
	m.Logger = slog.New(slog.NewTextHandler(t.Output(), nil))
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	if err := m.Run(t.Context()); err != nil {
		t.Fatalf("Run: %v", err)
	}
	return m
}

// TestServeAnswersQuickly starts the server with demo data on an empty
// database and waits for the home page, the first thing a visitor of
// `go run ./cmd/tsunagari serve --demo` sees.
func TestServeAnswersQuickly(t *testing.T) {
	start := time.Now()
	m := startServe(t)
	ran := time.Since(start)

	client := &http.Client{Timeout: 10 * time.Second}
	deadline := time.Now().Add(30 * time.Second)
	for {
		res, err := client.Get(m.URL() + "/")
		if err == nil {
			body, rerr := io.ReadAll(res.Body)
			res.Body.Close()
			if rerr == nil && res.StatusCode == http.StatusOK {
				if !bytes.Contains(body, []byte(`<html lang="ja">`)) {
					t.Fatalf("GET / is not Japanese by default:\n%.600s", body)
				}
				if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
					t.Errorf("GET / Content-Type = %q, want text/html", ct)
				}
				break
			}
			err = rerr
			if err == nil {
				err = errors.New(res.Status)
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET / never answered 200: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("serve --demo on a fresh SQLite file: Run returned after %v, first 200 for GET / after %v",
		ran.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
}

// browserEnv is the variable that makes a missing browser a failure
// instead of a skip.
const browserEnv = "TSUNAGARI_TEST_BROWSER"

// newBrowser starts headless Chromium for the test and returns its
// context, which has no deadline: derive per-step timeouts from it. The
// test is skipped when Chromium is not installed, unless
// TSUNAGARI_TEST_BROWSER=1 says browser tests are mandatory.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv(browserEnv) == "1" {
			t.Fatalf("%s=1 but Chromium is not installed: %v", browserEnv, err)
		}
		t.Skipf("Chromium is not installed (set %s=1 to make this a failure): %v", browserEnv, err)
	}
	dir := t.TempDir()
	var output syncBuffer
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		// A Japanese visitor: the site must speak Japanese to them.
		chromedp.Flag("lang", "ja"),
		chromedp.Flag("accept-lang", "ja"),
		chromedp.WindowSize(1280, 900),
		chromedp.UserDataDir(filepath.Join(dir, "profile")),
		chromedp.Env("TMPDIR="+dir),
		chromedp.CombinedOutput(&output),
	)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() {
		cancel()
		cancelAlloc() // waits for the browser to exit before its directory goes
		if t.Failed() && output.Len() > 0 {
			t.Logf("browser output:\n%s", output.String())
		}
	})
	start := time.Now()
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting %s: %v\n%s", path, err, output.String())
	}
	t.Logf("browser %s started in %v", path, time.Since(start).Round(time.Millisecond))
	return ctx
}

// syncBuffer collects the browser's output, written from another goroutine.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Len()
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// stepTimeout bounds each step of a browser journey.
const stepTimeout = 20 * time.Second

// journey runs the steps of one browser session, each with its own
// timeout, and shows the page a failed step was on.
type journey struct {
	t       *testing.T
	browser context.Context
	base    string
}

func (j *journey) step(name string, f func(ctx context.Context) error) {
	j.t.Helper()
	ctx, cancel := context.WithTimeout(j.browser, stepTimeout)
	defer cancel()
	start := time.Now()
	if err := f(ctx); err != nil {
		j.t.Fatalf("step %q: %v%s", name, err, j.page())
	}
	j.t.Logf("step %q: %v", name, time.Since(start).Round(time.Millisecond))
}

// page describes the page the browser is on, for failure messages.
func (j *journey) page() string {
	ctx, cancel := context.WithTimeout(j.browser, 5*time.Second)
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return ""
	}
	text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	if r := []rune(text); len(r) > 1000 {
		text = string(r[:1000]) + "…"
	}
	return "\non " + loc + ":\n" + text
}

// click clicks the element and waits for the page it leads to, which must
// answer 200 at the path want.
func (j *journey) click(ctx context.Context, sel chromedp.ID, want string) error {
	res, err := chromedp.RunResponse(ctx, chromedp.Click(sel))
	if err != nil {
		return err
	}
	if res == nil {
		return errors.New("no response")
	}
	u, err := url.Parse(res.URL)
	if err != nil {
		return err
	}
	if res.Status != http.StatusOK || u.Path != want {
		return fmt.Errorf("landed on %s with status %d; want 200 at %s", res.URL, res.Status, want)
	}
	return nil
}

// pageLang returns the language of the page: the lang attribute of <html>.
func pageLang(ctx context.Context) (string, error) {
	return chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.lang`))
}

// wantText checks that the element's visible text contains every part.
func wantText[S chromedp.Selectable](ctx context.Context, sel S, parts ...string) error {
	text, err := chromedp.Run(ctx, chromedp.Text(sel))
	if err != nil {
		return err
	}
	for _, p := range parts {
		if !strings.Contains(text, p) {
			return fmt.Errorf("text %q lacks %q", text, p)
		}
	}
	return nil
}

// memberAccount is the demo account of an ordinary member, as the README
// and the sign-in page list it.
func memberAccount(t *testing.T) demo.DemoAccount {
	t.Helper()
	for _, a := range demo.DemoAccounts() {
		if a.Role == tsunagari.RoleMember {
			return a
		}
	}
	t.Fatal("demo.DemoAccounts() has no member account")
	return demo.DemoAccount{}
}

// TestBrowserMemberJourney walks a Japanese member through the site in a
// real browser: home page, sign-in, dashboard, switch to English,
// screenshot, sign-out.
func TestBrowserMemberJourney(t *testing.T) {
	browser := newBrowser(t)
	m := startServe(t)
	member := memberAccount(t)
	j := &journey{t: t, browser: browser, base: m.URL()}

	j.step("home page is Japanese", func(ctx context.Context) error {
		if err := chromedp.Do(ctx, chromedp.Navigate(j.base+"/")); err != nil {
			return err
		}
		if langs, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`navigator.languages`)); err == nil {
			t.Logf("the browser asks for languages %q", langs)
		}
		if l, err := pageLang(ctx); err != nil || l != "ja" {
			return errors.Join(err, fmt.Errorf(`<html lang=%q>, want "ja"`, l))
		}
		return wantText(ctx, chromedp.CSS("main h1"), "第3の居場所")
	})

	j.step("open the sign-in page", func(ctx context.Context) error {
		if err := j.click(ctx, chromedp.ID("signin-link"), "/signin"); err != nil {
			return err
		}
		return chromedp.Do(ctx, chromedp.WaitVisible(chromedp.ID("email")))
	})

	j.step("sign in as "+member.Email, func(ctx context.Context) error {
		if err := chromedp.Do(ctx,
			chromedp.SendKeys(chromedp.ID("email"), member.Email),
			chromedp.SendKeys(chromedp.ID("password"), demo.Password),
		); err != nil {
			return err
		}
		return j.click(ctx, chromedp.ID("signin-submit"), "/dashboard")
	})

	j.step("dashboard greets in Japanese", func(ctx context.Context) error {
		if l, err := pageLang(ctx); err != nil || l != "ja" {
			return errors.Join(err, fmt.Errorf(`<html lang=%q>, want "ja"`, l))
		}
		return wantText(ctx, chromedp.ID("dashboard-title"), member.Name, "こんにちは")
	})

	j.step("switch to English", func(ctx context.Context) error {
		if err := j.click(ctx, chromedp.ID("lang-switch"), "/dashboard"); err != nil {
			return err
		}
		if l, err := pageLang(ctx); err != nil || l != "en" {
			return errors.Join(err, fmt.Errorf(`<html lang=%q>, want "en"`, l))
		}
		if err := wantText(ctx, chromedp.ID("dashboard-title"), "Hello", member.Name); err != nil {
			return err
		}
		return wantText(ctx, chromedp.ID("lang-switch"), "日本語")
	})

	j.step("full-page screenshot", func(ctx context.Context) error {
		shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			return err
		}
		if !bytes.HasPrefix(shot, []byte("\x89PNG\r\n\x1a\n")) {
			return errors.New("the screenshot is not a PNG")
		}
		if len(shot) < 20<<10 {
			return fmt.Errorf("the screenshot has only %d bytes", len(shot))
		}
		cfg, err := png.DecodeConfig(bytes.NewReader(shot))
		if err != nil {
			return err
		}
		if cfg.Width < 1000 || cfg.Height < 600 {
			return fmt.Errorf("the screenshot is %d×%d pixels; want at least 1000×600", cfg.Width, cfg.Height)
		}
		path := filepath.Join(t.TempDir(), "dashboard-en.png")
		if err := os.WriteFile(path, shot, 0o644); err != nil {
			return err
		}
		t.Logf("screenshot: %s (%d×%d, %d bytes)", path, cfg.Width, cfg.Height, len(shot))
		return nil
	})

	j.step("sign out", func(ctx context.Context) error {
		if err := j.click(ctx, chromedp.ID("signout"), "/"); err != nil {
			return err
		}
		if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.ID("signin-link"))); err != nil {
			return err
		}
		return chromedp.Do(ctx, chromedp.WaitNotPresent(chromedp.ID("signout")))
	})

	j.step("the dashboard now asks to sign in", func(ctx context.Context) error {
		res, err := chromedp.Run(ctx, chromedp.NavigateResponse(j.base+"/dashboard"))
		if err != nil {
			return err
		}
		u, err := url.Parse(res.URL)
		if err != nil {
			return err
		}
		if u.Path != "/signin" || u.Query().Get("next") != "/dashboard" {
			return fmt.Errorf("GET /dashboard led to %s, want /signin?next=%%2Fdashboard", res.URL)
		}
		return chromedp.Do(ctx, chromedp.WaitVisible(chromedp.ID("signin-submit")))
	})
}
