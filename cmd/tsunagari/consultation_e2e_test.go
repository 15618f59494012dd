package main

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"tsunagari"
	"tsunagari/internal/demo"
)

// TestBrowserBookingJourney, in headless Chromium on the demo: a member
// opens a consultant's profile, sees the verified badge, books the first
// free slot with the slot picker, lands on the booking, finds the
// confirmation in the outbox; then the consultant signs in and sees the
// booking on their schedule.
func TestBrowserBookingJourney(t *testing.T) {
	browser := newBrowser(t)
	m := startServe(t)
	j := &journey{t: t, browser: browser, base: m.URL()}
	ctx := context.Background()
	stores := m.db.Stores()
	const memberEmail, consultantEmail = "member2@tsunagari.example", "consultant@tsunagari.example"
	member, err := stores.Accounts.FindAccountByEmail(ctx, memberEmail)
	if err != nil {
		t.Fatal(err)
	}
	consultant, err := stores.Accounts.FindAccountByEmail(ctx, consultantEmail)
	if err != nil {
		t.Fatal(err)
	}
	signIn := func(email string) {
		j.step("sign in as "+email, func(ctx context.Context) error {
			if err := chromedp.Do(ctx,
				chromedp.Navigate(j.base+"/signin"),
				chromedp.WaitVisible(chromedp.ID("email")),
				chromedp.SendKeys(chromedp.ID("email"), email),
				chromedp.SendKeys(chromedp.ID("password"), demo.Password),
			); err != nil {
				return err
			}
			return j.click(ctx, chromedp.ID("signin-submit"), "/dashboard")
		})
	}

	signIn(memberEmail)
	j.step("find the consultant in the list", func(ctx context.Context) error {
		if err := chromedp.Do(ctx, chromedp.Navigate(j.base+"/consultants"), chromedp.WaitVisible(chromedp.ID("consultant-list"))); err != nil {
			return err
		}
		return chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#consultant-list a[href="/consultants/`+consultant.ID+`"]`)),
			chromedp.WaitVisible(chromedp.ID("verified-badge")), screenshot("consultant-profile"))
	})
	var slot string
	j.step("pick the first free slot and a theme, and book", func(ctx context.Context) error {
		var err error
		slot, err = chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#book-form input[name=start]').value`))
		if err != nil || slot == "" {
			return fmt.Errorf("no free slot on the profile: %q, %v", slot, err)
		}
		return chromedp.Do(ctx,
			chromedp.Click(chromedp.CSS(`#book-form input[name=start]`)),
			chromedp.Click(chromedp.ID("theme-care_balance")),
			chromedp.Click(chromedp.ID("book-submit")),
			chromedp.WaitVisible(chromedp.ID("booking-status")),
			screenshot("booking-member"),
		)
	})
	var bookingURL string
	j.step("the booking is confirmed", func(ctx context.Context) error {
		loc, err := chromedp.Run(ctx, chromedp.Location())
		if err != nil {
			return err
		}
		bookingURL = loc
		if !strings.Contains(loc, "/bookings/") {
			return fmt.Errorf("landed on %s, want a booking", loc)
		}
		return wantText(ctx, chromedp.ID("booking-status"), "確定")
	})
	bookingPath := bookingURL[strings.Index(bookingURL, "/bookings/"):]

	// The confirmation waits in the outbox for both sides.
	for _, to := range []string{memberEmail, consultantEmail} {
		mails, err := stores.Outbox.FindMail(ctx, tsunagari.MailFilter{To: to})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, ml := range mails {
			found = found || ml.Kind == "booking_booked" && strings.Contains(ml.Body, bookingPath)
		}
		if !found {
			t.Errorf("no confirmation of %s in the outbox for %s", bookingPath, to)
		}
	}

	j.step("sign out", func(ctx context.Context) error {
		return chromedp.Do(ctx, chromedp.Click(chromedp.ID("signout")), chromedp.WaitVisible(chromedp.ID("signin-link")))
	})
	signIn(consultantEmail)
	j.step("the consultant sees the booking on the schedule", func(ctx context.Context) error {
		if err := chromedp.Do(ctx, chromedp.Navigate(j.base+"/consultant/schedule"), chromedp.WaitVisible(chromedp.ID("schedule-upcoming"))); err != nil {
			return err
		}
		if err := wantText(ctx, chromedp.ID("schedule-upcoming"), member.Name); err != nil {
			return err
		}
		return chromedp.Do(ctx, screenshot("consultant-schedule"), chromedp.Click(chromedp.CSS(`#schedule-upcoming a[href="`+bookingPath+`"]`)),
			chromedp.WaitVisible(chromedp.ID("booking-member")), screenshot("booking-consultant"))
	})
	j.step("the booking page names the member", func(ctx context.Context) error {
		return wantText(ctx, chromedp.ID("booking-member"), member.Name)
	})
	if _, err := stores.Consultation.FindBooking(ctx, strings.TrimPrefix(bookingPath, "/bookings/")); err != nil {
		t.Errorf("the booking is not stored: %v", err)
	}
}
