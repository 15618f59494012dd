package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"tsunagari"
	"tsunagari/internal/demo"
)

// hrAccount is the demo HR administrator of the large employer.
func hrAccount(t *testing.T) demo.DemoAccount {
	t.Helper()
	for _, a := range demo.DemoAccounts() {
		if a.Role == tsunagari.RoleHRAdmin {
			return a
		}
	}
	t.Fatal("demo.DemoAccounts() has no HR administrator")
	return demo.DemoAccount{}
}

// TestBrowserHRReport signs in as the demo HR administrator in a real
// browser and reads the anonymised report in Japanese: charts with their
// tables, a group too small to show, another breakdown, the CSV export
// and a programme's effect.
func TestBrowserHRReport(t *testing.T) {
	browser := newBrowser(t)
	m := startServe(t)
	hr := hrAccount(t)
	j := &journey{t: t, browser: browser, base: m.URL()}
	eval := func(ctx context.Context, expr string) (int, error) {
		return chromedp.Run(ctx, chromedp.Evaluate[int](expr))
	}

	j.step("sign in as "+hr.Email, func(ctx context.Context) error {
		if err := chromedp.Do(ctx, chromedp.Navigate(j.base+"/signin"), chromedp.WaitVisible(chromedp.ID("email")),
			chromedp.SendKeys(chromedp.ID("email"), hr.Email), chromedp.SendKeys(chromedp.ID("password"), demo.Password)); err != nil {
			return err
		}
		return j.click(ctx, chromedp.ID("signin-submit"), "/dashboard")
	})

	j.step("open the report from the dashboard", func(ctx context.Context) error {
		if err := j.click(ctx, chromedp.ID("hr-report-link"), "/hr/report"); err != nil {
			return err
		}
		if l, err := pageLang(ctx); err != nil || l != "ja" {
			return errors.Join(err, fmt.Errorf(`<html lang=%q>, want "ja"`, l))
		}
		return wantText(ctx, chromedp.CSS("main h1"), "匿名集計レポート")
	})

	j.step("charts and their tables", func(ctx context.Context) error {
		for _, c := range []struct{ expr, what string }{
			{`document.querySelectorAll('#funnel svg.chart rect.bar').length`, "funnel bars"},
			{`document.querySelectorAll('#funnel-table tbody tr').length`, "funnel table rows"},
			{`document.querySelectorAll('#pulse svg.radar').length`, "five supports radar"},
			{`document.querySelectorAll('#pulse svg.bars rect.bar').length`, "five supports bars"},
			{`document.querySelectorAll('#pulse-table tbody tr').length`, "five supports table rows"},
			{`document.querySelectorAll('#pulse svg.line').length`, "five supports trend"},
		} {
			n, err := eval(ctx, c.expr)
			if err != nil {
				return err
			}
			if n == 0 {
				return fmt.Errorf("no %s", c.what)
			}
		}
		if err := chromedp.Do(ctx, screenshot("hr-report")); err != nil {
			return err
		}
		return wantText(ctx, chromedp.ID("pulse"), "安全道路", "未来展望", "回答者")
	})

	j.step("a group too small is hidden, and says so", func(ctx context.Context) error {
		n, err := eval(ctx, `Array.from(document.querySelectorAll('span.suppressed')).filter(s => s.textContent.includes('5人未満のため非表示')).length`)
		if err != nil {
			return err
		}
		if n == 0 {
			return errors.New(`no "5人未満のため非表示" on the report`)
		}
		j.t.Logf("%d cells say 5人未満のため非表示", n)
		return nil
	})

	j.step("break down by department and age band", func(ctx context.Context) error {
		if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.ID("breakdown"), "department+age_band")); err != nil {
			return err
		}
		res, err := chromedp.RunResponse(ctx, chromedp.Submit(chromedp.ID("breakdown")))
		if err != nil {
			return err
		}
		if res == nil || res.Status != 200 || !strings.Contains(res.URL, "breakdown=department%2Bage_band") {
			return fmt.Errorf("submitting the breakdown led to %+v", res)
		}
		cols, err := eval(ctx, `document.querySelectorAll('#funnel-breakdown thead th').length`)
		if err != nil {
			return err
		}
		if cols != 2+6 {
			return fmt.Errorf("the funnel by department and age band has %d columns, want 8", cols)
		}
		return wantText(ctx, chromedp.CSS("#funnel-breakdown thead"), "部署", "年代", "招待", "登録")
	})

	j.step("export CSV", func(ctx context.Context) error {
		// The browser fetches the export link with its session, as a click
		// would, and reads the bytes.
		got, err := chromedp.Run(ctx, chromedp.Evaluate[[]int](`fetch(document.getElementById('csv-export').href)
			.then(r => r.arrayBuffer()).then(b => Array.from(new Uint8Array(b)))`, chromedp.EvalAwaitPromise))
		if err != nil {
			return err
		}
		if len(got) < 100 || got[0] != 0xEF || got[1] != 0xBB || got[2] != 0xBF {
			return fmt.Errorf("the CSV (%d bytes) does not start with a UTF-8 byte order mark", len(got))
		}
		b := make([]byte, len(got))
		for i, v := range got {
			b[i] = byte(v)
		}
		text := string(b[3:])
		for _, want := range []string{"区分,期間・回,部署,年代,在籍年数,職種,項目,値,注記\r\n", "参加ファネル", "5つの支援", "5人未満のため非表示"} {
			if !strings.Contains(text, want) {
				return fmt.Errorf("the CSV lacks %q:\n%.400s", want, text)
			}
		}
		return nil
	})

	j.step("a programme's effect", func(ctx context.Context) error {
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#programmes a")), chromedp.WaitVisible(chromedp.ID("effect-table"))); err != nil {
			return err
		}
		rows, err := eval(ctx, `document.querySelectorAll('#effect-table tbody tr').length`)
		if err != nil {
			return err
		}
		if rows != 7 {
			return fmt.Errorf("the effect table has %d rows, want 7 measures", rows)
		}
		if err := chromedp.Do(ctx, screenshot("hr-effect")); err != nil {
			return err
		}
		return wantText(ctx, chromedp.ID("effect-table"), "事前", "事後", "95％信頼区間", "効果量")
	})
}
