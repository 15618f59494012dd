package main

import (
	"context"
	"encoding/base64"
	"io"
	"log/slog"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"tsunagari/internal/demo"
)

// TestCommunitiesInChromium signs in as the demo's Niigata-born engineer
// in a real browser, finds the Niigata alumni with a two-character query,
// reads the five traits as declared and as rated, joins as an observer,
// leaves in one click, and sees that one kana is too short to search.
func TestCommunitiesInChromium(t *testing.T) {
	ctx := surveyBrowser(t)
	m := NewMain()
	m.Config = Config{Addr: "127.0.0.1:0", DB: filepath.Join(t.TempDir(), "e2e.db"), Migrate: true, Demo: true, Seed: 1,
		LogLevel: "error", LogFormat: "text", ShutdownGrace: time.Second,
		SecretKey: base64.StdEncoding.EncodeToString(make([]byte, 32))}
	m.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	base := m.URL()
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	text := func(id string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID(id)))
		if err != nil {
			t.Fatalf("text of #%s: %v", id, err)
		}
		return s
	}

	do("sign in",
		chromedp.Navigate(base+"/signin"),
		chromedp.SendKeys(chromedp.ID("email"), "member@tsunagari.example"),
		chromedp.SendKeys(chromedp.ID("password"), demo.Password),
		chromedp.Submit(chromedp.ID("password")),
		chromedp.WaitVisible(chromedp.ID("dashboard-title")),
	)
	do("search 新潟",
		chromedp.Click(chromedp.ID("nav-communities")),
		chromedp.WaitVisible(chromedp.ID("community-search")),
		chromedp.SendKeys(chromedp.ID("q"), "新潟"),
		chromedp.Click(chromedp.ID("search-button")),
		// The directory lists communities before any search too: wait for
		// the list of this search.
		chromedp.WaitVisible(chromedp.CSS(`#results[data-query="新潟"]`)),
		screenshot("communities-search"),
	)
	if got := text("results"); !strings.Contains(got, "にいがた県人会 in 東京（SNS）") || !strings.Contains(got, "新潟Uターン・地域しごと勉強会") {
		t.Errorf("results for 新潟 lack the Niigata groups:\n%s", got)
	}
	do("open the Niigata alumni",
		chromedp.Click(chromedp.CSS(`#results a[href^="/communities/"]`)),
		chromedp.WaitVisible(chromedp.ID("community-name")),
	)
	if name := text("community-name"); !strings.Contains(name, "新潟") && !strings.Contains(name, "にいがた") {
		t.Fatalf("the first result is %q; want a Niigata group first", name)
	}
	if got := text("trait-free_exit"); !strings.Contains(got, "出入り自由") || !strings.Contains(got, "掲げている") {
		t.Errorf("the free-exit row reads %q; want it declared", got)
	}
	before := text("member-count")

	do("join as an observer",
		chromedp.Click(chromedp.ID("join")),
		chromedp.WaitVisible(chromedp.ID("member-since")),
		screenshot("community-joined"),
	)
	if got := text("member-since"); !strings.Contains(got, "見学") {
		t.Errorf("after joining: %q; want observer", got)
	}
	if after := text("member-count"); after == before {
		t.Errorf("member count stayed %s after joining", after)
	}
	do("leave in one click",
		chromedp.Click(chromedp.ID("leave")),
		chromedp.WaitVisible(chromedp.ID("join-form")),
	)
	if after := text("member-count"); after != before {
		t.Errorf("member count %s after leaving; want %s again", after, before)
	}
	do("one kana is too short",
		chromedp.Navigate(base+"/communities?q="+url.QueryEscape("の")),
		chromedp.WaitVisible(chromedp.ID("too-short")),
	)
}
