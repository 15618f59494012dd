package main

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// surveyBrowser returns a headless Chromium context, or skips the test
// when no browser is installed. TSUNAGARI_TEST_BROWSER=1 makes a missing
// browser a failure instead.
func surveyBrowser(t *testing.T) context.Context {
	t.Helper()
	var path string
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless_shell"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		if os.Getenv("TSUNAGARI_TEST_BROWSER") == "1" {
			t.Fatal("TSUNAGARI_TEST_BROWSER=1 but no Chromium was found")
		}
		t.Skip("no Chromium installed")
	}
	opts := append(slices.Clone(chromedp.DefaultExecAllocatorOptions[:]), chromedp.ExecPath(path), chromedp.NoSandbox,
		chromedp.WindowSize(1100, 1400), chromedp.Flag("lang", "ja"), chromedp.Flag("accept-lang", "ja-JP,ja"))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	ctx, cancel = context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// surveyServer runs the tsunagari command on a fresh SQLite file.
func surveyServer(t *testing.T) *Main {
	t.Helper()
	m := NewMain()
	m.Config = Config{Addr: "127.0.0.1:0", DB: filepath.Join(t.TempDir(), "e2e.db"), Migrate: true,
		LogLevel: "error", LogFormat: "text", ShutdownGrace: time.Second,
		SecretKey: base64.StdEncoding.EncodeToString(make([]byte, 32))}
	m.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// screenshot saves the page when TSUNAGARI_TEST_SCREENSHOTS names a
// directory, to look at the charts by eye.
func screenshot(name string) chromedp.Action[chromedp.Void] {
	dir := os.Getenv("TSUNAGARI_TEST_SCREENSHOTS")
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		if dir == "" {
			return nil
		}
		png, err := chromedp.FullScreenshot(100)(ctx, t)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644)
	})
}

// answerAll clicks, for every Likert item of the form, the point that
// pick returns for the item's name.
func answerAll(pick func(name string) int) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		names, err := chromedp.Evaluate[[]string](`Array.from(new Set(Array.from(document.querySelectorAll(
			'fieldset.item-likert input[type=radio]')).map(i => i.name)))`)(ctx, t)
		if err != nil {
			return err
		}
		if len(names) == 0 {
			return fmt.Errorf("no Likert items on the page")
		}
		for _, n := range names {
			sel := fmt.Sprintf(`input[name=%q][value="%d"]`, n, pick(n))
			if _, err := chromedp.Click(chromedp.CSS(sel))(ctx, t); err != nil {
				return fmt.Errorf("click %s: %w", sel, err)
			}
		}
		return nil
	})
}

// TestValuesDiagnosisInChromium signs up in a real browser, takes the
// values diagnosis, reads the radar chart and the top three values, takes
// it again and finds the history; then checks that the isolation check
// shows its follow-up question only when it applies.
func TestValuesDiagnosisInChromium(t *testing.T) {
	ctx := surveyBrowser(t)
	m := surveyServer(t)
	base := m.URL()
	eval := func(expr string) int {
		t.Helper()
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](expr))
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		return n
	}
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}

	do("sign up",
		chromedp.Navigate(base+"/signup"),
		chromedp.SendKeys(chromedp.ID("name"), "高橋 健太"),
		chromedp.SendKeys(chromedp.ID("email"), "kenta@example.jp"),
		chromedp.SendKeys(chromedp.ID("password"), "tsunagari-e2e-password"),
		chromedp.Submit(chromedp.ID("password")),
		chromedp.WaitVisible(chromedp.ID("dashboard-title")),
	)
	do("open the values diagnosis",
		chromedp.Navigate(base+"/surveys"),
		chromedp.Click(chromedp.CSS("#offer-values_diagnosis a.button")),
		chromedp.WaitVisible(chromedp.ID("survey-form")),
		chromedp.WaitVisible(chromedp.ID("privacy-notice")),
	)
	// Expertise first: agree with its statements and disagree with the
	// reverse-scored one; contribution second; a middling 3 elsewhere.
	do("answer and send",
		answerAll(func(name string) int {
			switch name {
			case "ve1", "ve2":
				return 5
			case "ve3":
				return 1
			case "vk1", "vk2", "vk3":
				return 4
			}
			return 3
		}),
		screenshot("values-form"),
		chromedp.Click(chromedp.ID("submit-survey")),
		chromedp.WaitVisible(chromedp.ID("top-values")),
		screenshot("values-result"),
	)
	if axes := eval(`document.querySelectorAll('svg.radar text.axis').length`); axes != 8 {
		t.Errorf("the radar has %d axes, want 8", axes)
	}
	if n := eval(`document.querySelectorAll('#top-values li').length`); n != 3 {
		t.Errorf("%d top values, want 3", n)
	}
	top, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#top-values li")))
	if err != nil || !strings.Contains(top, "専門性") {
		t.Errorf("first top value = %q, %v; want 専門性", top, err)
	}

	do("take it again",
		chromedp.Click(chromedp.ID("retake")),
		chromedp.WaitVisible(chromedp.ID("survey-form")),
		answerAll(func(string) int { return 4 }),
		chromedp.Click(chromedp.ID("submit-survey")),
		chromedp.WaitVisible(chromedp.CSS("#history table")),
		screenshot("values-history"),
	)
	if rows := eval(`document.querySelectorAll('#history tbody tr').length`); rows != 2 {
		t.Errorf("history has %d rows after a retake, want 2", rows)
	}

	do("open the isolation check",
		chromedp.Navigate(base+"/surveys"),
		chromedp.Click(chromedp.CSS("#offer-isolation_check a.button")),
		chromedp.WaitVisible(chromedp.ID("survey-form")),
	)
	if hidden := eval(`document.getElementById('item-reasons').hidden ? 1 : 0`); hidden != 1 {
		t.Error("the follow-up question shows before any challenge is chosen")
	}
	do("choose a challenge", chromedp.Click(chromedp.CSS(`input[name="given_up"][value="u_turn"]`)))
	if hidden := eval(`document.getElementById('item-reasons').hidden ? 1 : 0`); hidden != 0 {
		t.Error("the follow-up question stays hidden after a challenge is chosen")
	}
}
