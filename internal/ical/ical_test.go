package ical

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// unfold joins folded lines back, as a calendar app reads them.
func unfold(s string) []string {
	return strings.Split(strings.TrimSuffix(strings.ReplaceAll(s, "\r\n ", ""), "\r\n"), "\r\n")
}

func TestWrite(t *testing.T) {
	start := time.Date(2026, 12, 12, 5, 0, 0, 0, time.UTC)
	long := strings.Repeat("介護職の対話カフェ、月に一度の語り合い。", 8)
	c := Calendar{Name: "つながり: 予定", Events: []Event{
		{UID: "abc@tsunagari", Start: start, End: start.Add(2 * time.Hour), Summary: "対話カフェ; 第2土曜, 新潟",
			Description: long + "\n二行目\\", Location: "新潟市民プラザ", URL: "https://example.jp/events/abc",
			RRule: "FREQ=MONTHLY;BYDAY=2SA", ExDates: []time.Time{start.AddDate(0, 1, 0)}, Status: "CONFIRMED", Stamp: start},
		{UID: "abc@tsunagari", RecurrenceID: start.AddDate(0, 2, 0), Start: start.AddDate(0, 2, 0), End: start.AddDate(0, 2, 0).Add(time.Hour),
			Summary: "中止", Status: "CANCELLED", Stamp: start},
	}}
	var b bytes.Buffer
	if err := Write(&b, c); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if !strings.HasSuffix(out, "END:VCALENDAR\r\n") || strings.Contains(strings.ReplaceAll(out, "\r\n", ""), "\n") {
		t.Errorf("lines do not all end in CRLF:\n%q", out)
	}
	for _, l := range strings.Split(strings.TrimSuffix(out, "\r\n"), "\r\n") {
		if len(l) > 75 || !utf8.ValidString(l) {
			t.Errorf("line of %d octets, or splitting a character: %q", len(l), l)
		}
	}
	lines := unfold(out)
	for _, want := range []string{
		"BEGIN:VCALENDAR", "VERSION:2.0", "X-WR-CALNAME:つながり: 予定", "UID:abc@tsunagari", "DTSTART:20261212T050000Z",
		"DTEND:20261212T070000Z", "RRULE:FREQ=MONTHLY;BYDAY=2SA", "EXDATE:20270112T050000Z",
		`SUMMARY:対話カフェ\; 第2土曜\, 新潟`, `DESCRIPTION:` + long + `\n二行目\\`,
		"LOCATION:新潟市民プラザ", "URL:https://example.jp/events/abc", "STATUS:CONFIRMED",
		"RECURRENCE-ID:20270212T050000Z", "STATUS:CANCELLED", "END:VCALENDAR",
	} {
		found := false
		for _, l := range lines {
			found = found || l == want
		}
		if !found {
			t.Errorf("no line %q in\n%s", want, strings.Join(lines, "\n"))
		}
	}
	if got := strings.Count(out, "BEGIN:VEVENT"); got != 2 {
		t.Errorf("%d events, want 2", got)
	}
}

func TestEscape(t *testing.T) {
	for in, want := range map[string]string{
		"a,b;c\\d":   `a\,b\;c\\d`,
		"一行目\r\n二行目": `一行目\n二行目`,
		"bell\x07":   "bell",
	} {
		if got := Escape(in); got != want {
			t.Errorf("Escape(%q) = %q, want %q", in, got, want)
		}
	}
}
