package tsunagari_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"tsunagari"
)

func validEvent() *tsunagari.Event {
	start := jst("2026-12-12 14:00")
	return &tsunagari.Event{CommunityID: tsunagari.NewID(), Title: "介護職の対話カフェ", StartsAt: start, EndsAt: start.Add(2 * time.Hour),
		Venue: "新潟市民プラザ", Prefecture: "15", Capacity: 20, Waitlist: true, Exceptions: []string{}}
}

func TestEventValidate(t *testing.T) {
	weekly, _ := tsunagari.ParseRecurrence("FREQ=WEEKLY")
	ended, _ := tsunagari.ParseRecurrence("FREQ=WEEKLY;UNTIL=20261201")
	tests := []struct {
		name       string
		edit       func(e *tsunagari.Event)
		field, key string
	}{
		{"no title", func(e *tsunagari.Event) { e.Title = " " }, "title", "event.title_required"},
		{"long title", func(e *tsunagari.Event) { e.Title = strings.Repeat("あ", 101) }, "title", "event.title_too_long"},
		{"control in description", func(e *tsunagari.Event) { e.Description = "a\x07b" }, "description", "error.control_characters"},
		{"no start", func(e *tsunagari.Event) { e.StartsAt = time.Time{} }, "startsAt", "event.start_required"},
		{"ends before it starts", func(e *tsunagari.Event) { e.EndsAt = e.StartsAt }, "endsAt", "event.ends_before_start"},
		{"eight days", func(e *tsunagari.Event) { e.EndsAt = e.StartsAt.Add(8 * 24 * time.Hour) }, "endsAt", "event.too_long"},
		{"nowhere", func(e *tsunagari.Event) { e.Venue, e.Prefecture = "", "" }, "venue", "event.place_required"},
		{"venue without prefecture", func(e *tsunagari.Event) { e.Prefecture = "" }, "prefecture", "event.prefecture_required"},
		{"prefecture 48", func(e *tsunagari.Event) { e.Prefecture = "48" }, "prefecture", "event.prefecture_required"},
		{"prefecture without venue", func(e *tsunagari.Event) { e.Venue, e.Online = "", true }, "prefecture", "event.prefecture_without_venue"},
		{"link but not online", func(e *tsunagari.Event) { e.OnlineURL = "https://meet.example.jp/x" }, "onlineUrl", "event.url_without_online"},
		{"javascript link", func(e *tsunagari.Event) { e.Online, e.OnlineURL = true, "javascript:alert(1)" }, "onlineUrl", "event.url_invalid"},
		{"link with a space", func(e *tsunagari.Event) { e.Online, e.OnlineURL = true, "https://example.jp/a b" }, "onlineUrl", "event.url_invalid"},
		{"negative seats", func(e *tsunagari.Event) { e.Capacity = -1 }, "capacity", "event.capacity_invalid"},
		{"lottery without seats", func(e *tsunagari.Event) { e.Capacity, e.LotteryHours = 0, 24 }, "lotteryHours", "event.lottery_needs_capacity"},
		{"lottery and approval", func(e *tsunagari.Event) { e.LotteryHours, e.Approval = 24, true }, "lotteryHours", "event.lottery_and_approval"},
		{"lottery too long before", func(e *tsunagari.Event) { e.LotteryHours = 721 }, "lotteryHours", "event.lottery_hours_invalid"},
		{"exceptions of a one-off event", func(e *tsunagari.Event) { e.Exceptions = []string{"2026-12-19"} }, "exceptions", "event.exceptions_without_rule"},
		{"malformed exception", func(e *tsunagari.Event) { e.Recurrence, e.Exceptions = weekly, []string{"2026/12/19"} }, "exceptions", "event.date_invalid"},
		{"a rule with no occurrence", func(e *tsunagari.Event) { e.Recurrence = ended }, "recurrence", "event.rule_no_occurrence"},
	}
	if err := validEvent().Validate(); err != nil {
		t.Fatalf("valid event: %v", err)
	}
	for _, tt := range tests {
		e := validEvent()
		tt.edit(e)
		err := e.Validate()
		var te *tsunagari.Error
		if !errors.As(err, &te) || te.Key != tt.key || te.Details[0].Field != tt.field {
			t.Errorf("%s: Validate() = %v, want %s on %s", tt.name, err, tt.key, tt.field)
		}
	}
	online := validEvent()
	online.Venue, online.Prefecture, online.Online, online.OnlineURL = "", "", true, "https://meet.example.jp/abc?pwd=1"
	if err := online.Validate(); err != nil {
		t.Errorf("online event: %v", err)
	}
	clean := validEvent()
	clean.Capacity, clean.Waitlist, clean.Title = 0, true, "  勉強会  "
	clean.Clean()
	if clean.Waitlist || clean.Title != "勉強会" {
		t.Errorf("Clean() left waitlist %v, title %q", clean.Waitlist, clean.Title)
	}
}

func TestEventOccurrences(t *testing.T) {
	e := validEvent()
	if got := e.Between(e.StartsAt.Add(-time.Hour), e.StartsAt.Add(time.Hour), 10); len(got) != 1 || !got[0].Equal(e.StartsAt) {
		t.Errorf("one-off Between = %v", got)
	}
	if next, ok := e.Next(e.EndsAt.Add(-time.Minute)); !ok || !next.Equal(e.StartsAt) {
		t.Errorf("Next while it runs = %v, %v", next, ok)
	}
	if _, ok := e.Next(e.EndsAt); ok {
		t.Error("Next after the end found an occurrence")
	}
	if last, ok := e.Last(); !ok || !last.Equal(e.StartsAt) {
		t.Errorf("one-off Last = %v, %v", last, ok)
	}

	e.Recurrence, _ = tsunagari.ParseRecurrence("FREQ=MONTHLY;BYDAY=2SA")
	e.Exceptions = []string{"2027-01-09"}
	if err := e.Validate(); err != nil {
		t.Fatal(err)
	}
	got := e.Between(jst("2026-12-12 15:00"), jst("2027-04-01 00:00"), 10)
	var s []string
	for _, o := range got {
		s = append(s, o.In(tsunagari.Tokyo).Format("01-02 15:04"))
	}
	// 12-12 is still running at 15:00; 01-09 is an exception.
	if want := []string{"12-12 14:00", "02-13 14:00", "03-13 14:00"}; !slices.Equal(s, want) {
		t.Errorf("Between = %q, want %q", s, want)
	}
	if _, ok := e.Last(); ok {
		t.Error("a rule without end has a last occurrence")
	}
	if !e.Occurs(jst("2027-02-13 14:00")) || e.Occurs(jst("2027-01-09 14:00")) || e.Occurs(jst("2027-02-13 14:01")) {
		t.Error("Occurs is wrong about February, the exception, or a minute off")
	}
	next, ok := e.Next(jst("2026-12-20 00:00"))
	if !ok || !next.Equal(jst("2027-02-13 14:00")) {
		t.Errorf("Next over an exception = %v", next)
	}
	now := time.Now()
	e.CancelledAt = &now
	if _, ok := e.Next(e.StartsAt); ok {
		t.Error("a cancelled event has a next occurrence")
	}
	if k := tsunagari.OccurrenceKey(jst("2026-12-12 14:00")); k != "20261212T050000Z" {
		t.Errorf("OccurrenceKey = %s", k)
	}
	for _, k := range []string{"20261212T050000Z", "2026-12-12T14:00:00+09:00"} {
		if at, ok := tsunagari.ParseOccurrenceKey(k); !ok || !at.Equal(jst("2026-12-12 14:00")) {
			t.Errorf("ParseOccurrenceKey(%s) = %v, %v", k, at, ok)
		}
	}
	if _, ok := tsunagari.ParseOccurrenceKey("next week"); ok {
		t.Error("ParseOccurrenceKey read junk")
	}
}

// TestDrawOrder pins the lottery's algorithm: a recorded seed must draw
// the same order in every future version, and every order must be as
// likely as any other.
func TestDrawOrder(t *testing.T) {
	if got, want := tsunagari.DrawOrder(1, 10), []int{5, 0, 3, 8, 1, 6, 4, 7, 2, 9}; !slices.Equal(got, want) {
		t.Errorf("DrawOrder(1, 10) = %v; it must stay %v so that recorded draws can be checked", got, want)
	}
	for _, n := range []int{0, 1, 2, 57} {
		got := slices.Clone(tsunagari.DrawOrder(42, n))
		slices.Sort(got)
		for i := range got {
			if got[i] != i {
				t.Fatalf("DrawOrder(42, %d) is not a permutation", n)
			}
		}
	}
	// Each of the 6 orders of 3 entries comes up about 1/6 of the time.
	const draws = 60000
	counts := map[string]int{}
	for seed := range uint64(draws) {
		counts[fmt.Sprint(tsunagari.DrawOrder(seed, 3))]++
	}
	if len(counts) != 6 {
		t.Fatalf("orders drawn: %v", counts)
	}
	for order, n := range counts {
		if n < draws/6*95/100 || n > draws/6*105/100 {
			t.Errorf("order %s drawn %d times of %d, want about %d", order, n, draws, draws/6)
		}
	}
}
