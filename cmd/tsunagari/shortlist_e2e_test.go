package main

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"tsunagari"
)

// TestBrowserShortlistJourney, in headless Chromium on the demo: a new
// member signs up, gives their background, takes the values diagnosis,
// gets ten consultants each with reasons in their own terms, opens one,
// books a free slot, writes a career inventory and shares it with that
// consultant, and finds it all on their timeline with the next step.
func TestBrowserShortlistJourney(t *testing.T) {
	browser := newBrowser(t)
	m := startServe(t)
	j := &journey{t: t, browser: browser, base: m.URL()}
	ctx := context.Background()
	stores := m.db.Stores()
	count := func(ctx context.Context, css string) (int, error) {
		return chromedp.Run(ctx, chromedp.Evaluate[int](fmt.Sprintf(`document.querySelectorAll(%q).length`, css)))
	}

	j.step("sign up", func(ctx context.Context) error {
		return chromedp.Do(ctx,
			chromedp.Navigate(j.base+"/signup"),
			chromedp.WaitVisible(chromedp.ID("name")),
			chromedp.SendKeys(chromedp.ID("name"), "森 早苗"),
			chromedp.SendKeys(chromedp.ID("email"), "sanae@example.jp"),
			chromedp.SendKeys(chromedp.ID("password"), "tsunagari-shortlist-e2e"),
			chromedp.Submit(chromedp.ID("password")),
			chromedp.WaitVisible(chromedp.ID("dashboard-title")),
		)
	})
	j.step("give an age band and a job family", func(ctx context.Context) error {
		return chromedp.Do(ctx,
			chromedp.Navigate(j.base+"/settings"),
			chromedp.WaitVisible(chromedp.ID("ageBand")),
			chromedp.SetValue(chromedp.ID("ageBand"), "40s"),
			chromedp.SetValue(chromedp.ID("jobFamily"), "legal"),
			chromedp.Click(chromedp.ID("save-settings")),
			chromedp.WaitVisible(chromedp.CSS("p.flash")),
		)
	})
	j.step("take the values diagnosis", func(ctx context.Context) error {
		return chromedp.Do(ctx,
			chromedp.Navigate(j.base+"/dashboard"),
			chromedp.Click(chromedp.ID("step-values")),
			chromedp.WaitVisible(chromedp.CSS("a.button[href^='/rounds/']")),
			chromedp.Click(chromedp.CSS("a.button[href^='/rounds/']")),
			chromedp.WaitVisible(chromedp.ID("survey-form")),
			// Autonomy and contribution first: agree with their items,
			// disagree with their reverse-scored one, and stay in the
			// middle elsewhere.
			answerAll(func(name string) int {
				switch name {
				case "va1", "va2", "vk1", "vk2", "vk3":
					return 5
				case "va3":
					return 1
				}
				return 3
			}),
			chromedp.Click(chromedp.ID("submit-survey")),
			chromedp.WaitVisible(chromedp.ID("top-values")),
		)
	})
	j.step("open the shortlist from the dashboard", func(ctx context.Context) error {
		return chromedp.Do(ctx,
			chromedp.Navigate(j.base+"/dashboard"),
			chromedp.Click(chromedp.ID("step-shortlist")),
			chromedp.WaitVisible(chromedp.ID("shortlist-form")),
		)
	})
	j.step("choose a theme and get ten consultants with reasons", func(ctx context.Context) error {
		// The list of the page before is there too: wait for the new
		// page to load.
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`input[name=theme][value=care_balance]`))); err != nil {
			return err
		}
		if err := j.click(ctx, chromedp.ID("shortlist-submit"), "/shortlist"); err != nil {
			return err
		}
		if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.ID("shortlist")), screenshot("shortlist")); err != nil {
			return err
		}
		if checked, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector('input[name=theme][value=care_balance]').checked`)); err != nil || !checked {
			return fmt.Errorf("the page after choosing does not keep the theme (%v, %v)", checked, err)
		}
		n, err := count(ctx, "#shortlist > li.consultant")
		if err != nil {
			return err
		}
		if n != tsunagari.ShortlistSize {
			return fmt.Errorf("%d consultants on the shortlist, want %d", n, tsunagari.ShortlistSize)
		}
		without, err := count(ctx, "#shortlist > li.consultant:not(:has(ul.reasons li))")
		if err != nil {
			return err
		}
		if without > 0 {
			return fmt.Errorf("%d of the ten have no reasons", without)
		}
		reasons, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("shortlist")))
		if err != nil {
			return err
		}
		for _, want := range []string{"あなたが大切にする『", "『育児・介護との両立』が得意"} {
			if !strings.Contains(reasons, want) {
				return fmt.Errorf("no reason on the shortlist says %q", want)
			}
		}
		if took, err := count(ctx, "#take-diagnosis"); err != nil || took != 0 {
			return fmt.Errorf("the shortlist still asks for the diagnosis (%d, %v)", took, err)
		}
		return nil
	})
	var consultantID string
	j.step("open the first consultant", func(ctx context.Context) error {
		id, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#shortlist > li.consultant').id.replace('consultant-', '')`))
		if err != nil {
			return err
		}
		consultantID = id
		return chromedp.Do(ctx,
			chromedp.Click(chromedp.CSS(`#consultant-`+id+` a.consultant-link`)),
			chromedp.WaitVisible(chromedp.ID("why")),
			chromedp.WaitVisible(chromedp.ID("consultant-message")),
			screenshot("shortlist-consultant"),
		)
	})
	j.step("book a free slot", func(ctx context.Context) error {
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("book-link")), chromedp.WaitVisible(chromedp.ID("book-form"))); err != nil {
			return err
		}
		return chromedp.Do(ctx,
			chromedp.Click(chromedp.CSS(`#book-form input[name=start]`)),
			chromedp.Click(chromedp.ID("theme-care_balance")),
			chromedp.Click(chromedp.ID("book-submit")),
			chromedp.WaitVisible(chromedp.ID("booking-status")),
		)
	})
	member, err := stores.Accounts.FindAccountByEmail(ctx, "sanae@example.jp")
	if err != nil {
		t.Fatal(err)
	}
	bookings, err := stores.Consultation.FindBookings(ctx, tsunagari.BookingFilter{MemberID: member.ID})
	if err != nil || len(bookings) != 1 || bookings[0].ConsultantID != consultantID {
		t.Fatalf("bookings of the member = %v, %v; want one with %s", bookings, err, consultantID)
	}
	b := bookings[0]

	j.step("write the career inventory", func(ctx context.Context) error {
		return chromedp.Do(ctx,
			chromedp.Navigate(j.base+"/inventory"),
			chromedp.WaitVisible(chromedp.ID("inventory-form")),
			chromedp.SendKeys(chromedp.ID("inv-want"), "育児と両立しながら、法務の経験を活かせる道を探したい"),
			chromedp.SendKeys(chromedp.ID("inv-strengths"), "契約書を読み解く力"),
			chromedp.Click(chromedp.ID("save-inventory")),
			chromedp.WaitVisible(chromedp.ID("inventory-updated")),
		)
	})
	j.step("share it with the consultant before the session", func(ctx context.Context) error {
		if err := chromedp.Do(ctx,
			chromedp.Click(chromedp.CSS(`#share-`+b.ID+` button.share-button`)),
			chromedp.WaitVisible(chromedp.CSS(`#share-`+b.ID+` button.unshare`)),
			screenshot("inventory-shared"),
		); err != nil {
			return err
		}
		if _, err := stores.Inventory.FindInventoryShare(ctx, b.ID); err != nil {
			return fmt.Errorf("the share is not stored: %w", err)
		}
		return nil
	})
	j.step("the timeline holds it all", func(ctx context.Context) error {
		if err := chromedp.Do(ctx,
			chromedp.Navigate(j.base+"/dashboard"),
			chromedp.Click(chromedp.ID("nav-journey")),
			chromedp.WaitVisible(chromedp.ID("timeline")),
			screenshot("journey"),
		); err != nil {
			return err
		}
		if err := wantText(ctx, chromedp.ID("timeline"), "価値観診断", "キャリアの棚卸しを更新", "さんとのキャリア面談"); err != nil {
			return err
		}
		// Diagnosed, booked, inventory written and shared: a community
		// is next.
		return wantText(ctx, chromedp.ID("next-step"), "第3のコミュニティに参加する")
	})
}
