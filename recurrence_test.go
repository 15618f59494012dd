package tsunagari_test

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"tsunagari"
)

// jst is a time in Japan, for readable expectations.
func jst(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, tsunagari.Tokyo)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

// expand returns up to n occurrences of rule from start, as JST strings.
func expand(t *testing.T, rule, start string, except []string, n int) []string {
	t.Helper()
	r, err := tsunagari.ParseRecurrence(rule)
	if err != nil {
		t.Fatalf("ParseRecurrence(%q) error = %v", rule, err)
	}
	var out []string
	r.Occurrences(jst(start), except, func(o time.Time) bool {
		out = append(out, o.In(tsunagari.Tokyo).Format("2006-01-02 15:04 Mon"))
		return len(out) < n
	})
	return out
}

func TestRecurrenceOccurrences(t *testing.T) {
	tests := []struct {
		name, rule, start string
		except            []string
		n                 int
		want              []string
	}{
		{"weekly on the start's weekday", "FREQ=WEEKLY;COUNT=3", "2026-11-24 19:00", nil, 10,
			[]string{"2026-11-24 19:00 Tue", "2026-12-01 19:00 Tue", "2026-12-08 19:00 Tue"}},
		{"every other week, two days, from a Monday", "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH,TU;COUNT=4", "2026-11-23 10:00", nil, 10,
			[]string{"2026-11-24 10:00 Tue", "2026-11-26 10:00 Thu", "2026-12-08 10:00 Tue", "2026-12-10 10:00 Thu"}},
		{"second Saturday", "FREQ=MONTHLY;BYDAY=2SA", "2026-11-14 14:00", nil, 3,
			[]string{"2026-11-14 14:00 Sat", "2026-12-12 14:00 Sat", "2027-01-09 14:00 Sat"}},
		{"a start before the first match", "FREQ=MONTHLY;BYDAY=2SA", "2026-11-20 14:00", nil, 2,
			[]string{"2026-12-12 14:00 Sat", "2027-01-09 14:00 Sat"}},
		{"last Friday", "FREQ=MONTHLY;BYDAY=-1FR", "2026-11-01 19:30", nil, 4,
			[]string{"2026-11-27 19:30 Fri", "2026-12-25 19:30 Fri", "2027-01-29 19:30 Fri", "2027-02-26 19:30 Fri"}},
		{"the 31st skips short months", "FREQ=MONTHLY;BYMONTHDAY=31", "2026-10-31 09:00", nil, 4,
			[]string{"2026-10-31 09:00 Sat", "2026-12-31 09:00 Thu", "2027-01-31 09:00 Sun", "2027-03-31 09:00 Wed"}},
		{"the last day of the month", "FREQ=MONTHLY;BYMONTHDAY=-1", "2026-11-01 09:00", nil, 4,
			[]string{"2026-11-30 09:00 Mon", "2026-12-31 09:00 Thu", "2027-01-31 09:00 Sun", "2027-02-28 09:00 Sun"}},
		{"monthly on the start's day", "FREQ=MONTHLY;INTERVAL=3", "2027-01-31 09:00", nil, 3,
			[]string{"2027-01-31 09:00 Sun", "2027-07-31 09:00 Sat", "2027-10-31 09:00 Sun"}},
		{"every Saturday of the month", "FREQ=MONTHLY;BYDAY=SA;COUNT=5", "2026-12-01 10:00", nil, 10,
			[]string{"2026-12-05 10:00 Sat", "2026-12-12 10:00 Sat", "2026-12-19 10:00 Sat", "2026-12-26 10:00 Sat", "2027-01-02 10:00 Sat"}},
		{"until a date includes that day in Japan", "FREQ=WEEKLY;UNTIL=20261208", "2026-11-24 23:30", nil, 10,
			[]string{"2026-11-24 23:30 Tue", "2026-12-01 23:30 Tue", "2026-12-08 23:30 Tue"}},
		{"exceptions are skipped and still counted", "FREQ=WEEKLY;COUNT=4", "2026-12-17 19:00", []string{"2026-12-31"}, 10,
			[]string{"2026-12-17 19:00 Thu", "2026-12-24 19:00 Thu", "2027-01-07 19:00 Thu"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := expand(t, tt.rule, tt.start, tt.except, tt.n); !slices.Equal(got, tt.want) {
				t.Errorf("%s from %s = %q, want %q", tt.rule, tt.start, got, tt.want)
			}
		})
	}
}

func TestParseRecurrenceReadsGenerously(t *testing.T) {
	tests := []struct{ in, want string }{
		{"FREQ=WEEKLY", "FREQ=WEEKLY"},
		{"rrule: freq=weekly; byday=th, tu;", "FREQ=WEEKLY;BYDAY=TU,TH"},
		{"RRULE:FREQ=WEEKLY;INTERVAL=1;WKST=MO", "FREQ=WEEKLY"},
		{"ＦＲＥＱ＝ＭＯＮＴＨＬＹ；ＢＹＤＡＹ＝２ＳＡ", "FREQ=MONTHLY;BYDAY=2SA"},
		{" FREQ = MONTHLY ;\tBYDAY = -1FR , +1MO ; COUNT = 12 ", "FREQ=MONTHLY;BYDAY=1MO,-1FR;COUNT=12"},
		{"freq=monthly;bymonthday=-1,15,1", "FREQ=MONTHLY;BYMONTHDAY=-1,1,15"},
		{"FREQ=MONTHLY;UNTIL=2027-03-31", "FREQ=MONTHLY;UNTIL=20270331T145959Z"},
		{"FREQ=WEEKLY;UNTIL=2027年3月31日", "FREQ=WEEKLY;UNTIL=20270331T145959Z"},
		{"FREQ=WEEKLY;UNTIL=20270331T100000Z", "FREQ=WEEKLY;UNTIL=20270331T100000Z"},
		{"FREQ=WEEKLY\n;INTERVAL=2", "FREQ=WEEKLY;INTERVAL=2"},
	}
	for _, tt := range tests {
		r, err := tsunagari.ParseRecurrence(tt.in)
		if err != nil {
			t.Errorf("ParseRecurrence(%q) error = %v", tt.in, err)
			continue
		}
		if got := r.String(); got != tt.want {
			t.Errorf("ParseRecurrence(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestParseRecurrenceRefuses(t *testing.T) {
	tests := []struct{ in, key string }{
		{"", "event.rule_freq"},
		{"BYDAY=TU", "event.rule_freq"},
		{"FREQ=DAILY", "event.rule_freq"},
		{"FREQ=WEEKLY;FREQ=MONTHLY", "event.rule_part_repeated"},
		{"FREQ", "event.rule_part_unreadable"},
		{"FREQ=", "event.rule_part_unreadable"},
		{"FREQ=WEEKLY;BYHOUR=9", "event.rule_part_unsupported"},
		{"FREQ=WEEKLY;WKST=SU", "event.rule_part_unsupported"},
		{"FREQ=WEEKLY;COUNT=0", "event.rule_count"},
		{"FREQ=WEEKLY;COUNT=201", "event.rule_count"},
		{"FREQ=WEEKLY;COUNT=1.5", "event.rule_count"},
		{"FREQ=WEEKLY;INTERVAL=13", "event.rule_interval"},
		{"FREQ=WEEKLY;INTERVAL=-1", "event.rule_interval"},
		{"FREQ=WEEKLY;BYDAY=XX", "event.rule_byday"},
		{"FREQ=WEEKLY;BYDAY=TU,TU", "event.rule_byday"},
		{"FREQ=MONTHLY;BYDAY=6SA", "event.rule_byday"},
		{"FREQ=MONTHLY;BYDAY=0SA", "event.rule_byday"},
		{"FREQ=MONTHLY;BYDAY=S", "event.rule_byday"},
		{"FREQ=WEEKLY;BYDAY=2SA", "event.rule_byday_ordinal_weekly"},
		{"FREQ=WEEKLY;BYMONTHDAY=1", "event.rule_bymonthday_weekly"},
		{"FREQ=MONTHLY;BYMONTHDAY=32", "event.rule_bymonthday"},
		{"FREQ=MONTHLY;BYMONTHDAY=0", "event.rule_bymonthday"},
		{"FREQ=MONTHLY;UNTIL=20270230", "event.rule_until"},
		{"FREQ=MONTHLY;UNTIL=tomorrow", "event.rule_until"},
		{"FREQ=MONTHLY;COUNT=3;UNTIL=20270331", "event.rule_count_and_until"},
		{"FREQ=WEEKLY;" + strings.Repeat(" ", 300), "event.rule_too_long"},
		{"FREQ=WEEKLY\x00", "error.control_characters"},
	}
	for _, tt := range tests {
		_, err := tsunagari.ParseRecurrence(tt.in)
		var e *tsunagari.Error
		if !errors.As(err, &e) || e.Code != tsunagari.CodeInvalid || e.Key != tt.key || len(e.Details) != 1 || e.Details[0].Field != "recurrence" {
			t.Errorf("ParseRecurrence(%q) error = %v, want invalid %s on recurrence", tt.in, err, tt.key)
		}
	}
}

func TestParseDates(t *testing.T) {
	got, err := tsunagari.ParseDates("exceptions", "2026/12/31, 2027-01-07\n２０２７年１月１４日 20261231、20270121")
	if want := []string{"2026-12-31", "2027-01-07", "2027-01-14", "2027-01-21"}; err != nil || !slices.Equal(got, want) {
		t.Errorf("ParseDates = %q, %v; want %q", got, err, want)
	}
	if got, err := tsunagari.ParseDates("exceptions", "  "); err != nil || len(got) != 0 {
		t.Errorf("ParseDates(blank) = %q, %v", got, err)
	}
	for _, bad := range []string{"2027-02-29", "2027-13-01", "1999-01-01", "2027-1-1-1", "12/31", "-2027-01-01", "2027-01-+1", "明日"} {
		_, err := tsunagari.ParseDates("exceptions", bad)
		var e *tsunagari.Error
		if !errors.As(err, &e) || e.Key != "event.date_invalid" || e.Details[0].Field != "exceptions" {
			t.Errorf("ParseDates(%q) error = %v, want event.date_invalid on exceptions", bad, err)
		}
	}
	many := strings.Repeat("2027-01-01,", 1) + func() string {
		var b strings.Builder
		d := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
		for range tsunagari.MaxEventExceptions + 1 {
			d = d.AddDate(0, 0, 1)
			b.WriteString(d.Format(time.DateOnly) + " ")
		}
		return b.String()
	}()
	if _, err := tsunagari.ParseDates("exceptions", many); tsunagari.ErrorCode(err) != tsunagari.CodeInvalid {
		t.Errorf("ParseDates(%d dates) error = %v", tsunagari.MaxEventExceptions+2, err)
	}
}

// FuzzParseRecurrence feeds the parser anything. It must never panic; a
// rule it accepts reads back from its canonical form as the same rule;
// and its occurrences come in strict order, from the start on, at the
// start's time of day in Japan, never on an exception date, and never
// beyond COUNT or UNTIL.
func FuzzParseRecurrence(f *testing.F) {
	for _, seed := range []string{
		"FREQ=WEEKLY", "FREQ=WEEKLY;BYDAY=TU,TH;INTERVAL=2", "rrule: freq=monthly; byday=2sa",
		"FREQ=MONTHLY;BYDAY=-1FR;COUNT=12", "FREQ=MONTHLY;BYMONTHDAY=31,-1;UNTIL=20271231",
		"ＦＲＥＱ＝ＷＥＥＫＬＹ；ＢＹＤＡＹ＝ＭＯ", "FREQ=WEEKLY;UNTIL=20270331T100000Z", "FREQ=MONTHLY;BYDAY=SA,SU;INTERVAL=12",
		"FREQ=DAILY", "FREQ=WEEKLY;;;COUNT=200", "FREQ=MONTHLY;BYDAY=+5MO", "FREQ=WEEKLY;UNTIL=2000-01-01",
		";", "=", "FREQ=WEEKLY;BYDAY=,", "FREQ=MONTHLY;BYMONTHDAY=-31",
	} {
		f.Add(seed, int64(1795000000), "2026-12-31")
	}
	f.Fuzz(func(t *testing.T, rule string, startUnix int64, except string) {
		r, err := tsunagari.ParseRecurrence(rule)
		if err != nil {
			if tsunagari.ErrorCode(err) != tsunagari.CodeInvalid {
				t.Fatalf("ParseRecurrence(%q) error = %v, not a CodeInvalid", rule, err)
			}
			return
		}
		again, err := tsunagari.ParseRecurrence(r.String())
		if err != nil || !reflect.DeepEqual(r, again) {
			t.Fatalf("ParseRecurrence(%q) = %s, which reads back as %+v, %v", rule, r, again, err)
		}
		dates, err := tsunagari.ParseDates("exceptions", except)
		if err != nil {
			dates = nil
		}
		start := time.Unix(1700000000+startUnix%400000000, 0).UTC() // 2023 to 2036
		local := start.In(tsunagari.Tokyo)
		var prev time.Time
		n := 0
		r.Occurrences(start, dates, func(o time.Time) bool {
			lo := o.In(tsunagari.Tokyo)
			switch {
			case o.Before(start):
				t.Fatalf("%s from %v: occurrence %v before the start", r, start, o)
			case !prev.IsZero() && !o.After(prev):
				t.Fatalf("%s from %v: occurrence %v not after %v", r, start, o, prev)
			case lo.Hour() != local.Hour() || lo.Minute() != local.Minute() || lo.Second() != local.Second():
				t.Fatalf("%s from %v: occurrence %v at another time of day", r, start, lo)
			case !r.Until.IsZero() && o.After(r.Until):
				t.Fatalf("%s: occurrence %v after UNTIL", r, o)
			case slices.Contains(dates, lo.Format(time.DateOnly)):
				t.Fatalf("%s: occurrence %v on an exception date", r, lo)
			}
			prev = o
			n++
			return n < 60
		})
		if r.Count > 0 && n > r.Count {
			t.Fatalf("%s: %d occurrences", r, n)
		}
	})
}
