package tsunagari

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// A recurring event repeats by a rule in the style of iCalendar's RRULE
// (RFC 5545), limited to what a community needs: weekly or monthly, every
// so many weeks or months, on given weekdays or days of the month, a
// number of times or until a date. Occurrences fall at the local time of
// the event's first start in Japan (Asia/Tokyo), and exception dates drop
// single occurrences. Organisers may type the rule by hand, so it is read
// generously: in any case, with full-width letters, spaces, an "RRULE:"
// prefix and stray semicolons.

// Frequency is how often a rule repeats.
type Frequency string

const (
	FreqWeekly  Frequency = "WEEKLY"
	FreqMonthly Frequency = "MONTHLY"
)

// Limits on recurrence rules.
const (
	MaxRecurrenceLen   = 300 // runes of rule text
	MaxInterval        = 12  // every 12 weeks or 12 months at most
	MaxRecurrenceCount = 200 // occurrences of a rule with COUNT
	MaxEventExceptions = 100 // exception dates of one event
	// maxPeriods bounds how many weeks or months an expansion walks, so
	// that no rule can make it run long.
	maxPeriods = 5000
)

// WeekdayNum is a BYDAY value: a weekday, and for monthly rules an
// ordinal, so that {2, Saturday} is the second Saturday of the month and
// {-1, Friday} the last Friday. N is 0 for every such weekday.
type WeekdayNum struct {
	N   int
	Day time.Weekday
}

// Recurrence is a parsed rule. Build it with ParseRecurrence; the zero
// value is not a valid rule.
type Recurrence struct {
	Freq     Frequency
	Interval int          // 1 or more
	ByDay    []WeekdayNum // in the order of the week (ordinals in order)
	ByMonth  []int        // BYMONTHDAY: 1..31 and -31..-1, sorted
	Count    int          // 0 for no limit by count
	// Until is the last instant an occurrence may start; zero for no
	// limit by date. A date given without a time means the end of that
	// day in Japan.
	Until time.Time
}

var weekdayCodes = [...]string{"SU", "MO", "TU", "WE", "TH", "FR", "SA"}

// weekOrder sorts weekdays from Monday, as iCalendar's default WKST does.
func weekOrder(d time.Weekday) int { return (int(d) + 6) % 7 }

// foldASCII turns full-width ASCII into ASCII and every kind of space
// into a plain one, so that text typed with a Japanese input method reads
// the same as ASCII.
func foldASCII(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '！' && r <= '～':
			return r - ('！' - '!')
		case unicode.IsSpace(r):
			return ' '
		case r == '、' || r == '，':
			return ','
		case r == '；':
			return ';'
		}
		return r
	}, s)
}

func ruleError(key string, args ...any) error { return Invalid("recurrence", key, args...) }

// ParseRecurrence reads a rule such as "FREQ=WEEKLY;BYDAY=TU" or
// "rrule: freq=monthly; byday=2sa; until=2027-03-31". It returns a
// CodeInvalid error naming what it cannot read.
func ParseRecurrence(s string) (*Recurrence, error) {
	if utf8.RuneCountInString(s) > MaxRecurrenceLen {
		return nil, ruleError("event.rule_too_long", MaxRecurrenceLen)
	}
	if strings.ContainsFunc(s, func(r rune) bool { return isControl(r) && r != '\n' && r != '\r' && r != '\t' }) {
		return nil, ruleError("error.control_characters")
	}
	s = strings.ToUpper(strings.TrimSpace(foldASCII(s)))
	if rest, ok := strings.CutPrefix(s, "RRULE"); ok {
		if rest, ok = strings.CutPrefix(strings.TrimSpace(rest), ":"); ok {
			s = rest
		}
	}
	r := &Recurrence{}
	seen := map[string]bool{}
	for _, part := range strings.Split(s, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, value, ok := strings.Cut(part, "=")
		name, value = strings.TrimSpace(name), strings.ReplaceAll(strings.TrimSpace(value), " ", "")
		if !ok || name == "" || value == "" {
			return nil, ruleError("event.rule_part_unreadable", clip(part))
		}
		if seen[name] {
			return nil, ruleError("event.rule_part_repeated", clip(name))
		}
		seen[name] = true
		var err error
		switch name {
		case "FREQ":
			switch Frequency(value) {
			case FreqWeekly, FreqMonthly:
				r.Freq = Frequency(value)
			default:
				err = ruleError("event.rule_freq")
			}
		case "INTERVAL":
			r.Interval, err = ruleNumber(value, 1, MaxInterval, "event.rule_interval")
		case "COUNT":
			r.Count, err = ruleNumber(value, 1, MaxRecurrenceCount, "event.rule_count")
		case "UNTIL":
			r.Until, err = parseUntil(value)
		case "BYDAY":
			r.ByDay, err = parseByDay(value)
		case "BYMONTHDAY":
			r.ByMonth, err = parseByMonthDay(value)
		case "WKST":
			if value != "MO" {
				err = ruleError("event.rule_part_unsupported", "WKST")
			}
		default:
			err = ruleError("event.rule_part_unsupported", clip(name))
		}
		if err != nil {
			return nil, err
		}
	}
	if r.Interval == 0 {
		r.Interval = 1
	}
	switch {
	case r.Freq == "":
		return nil, ruleError("event.rule_freq")
	case r.Count > 0 && !r.Until.IsZero():
		return nil, ruleError("event.rule_count_and_until")
	case r.Freq == FreqWeekly && len(r.ByMonth) > 0:
		return nil, ruleError("event.rule_bymonthday_weekly")
	case r.Freq == FreqWeekly && slices.ContainsFunc(r.ByDay, func(d WeekdayNum) bool { return d.N != 0 }):
		return nil, ruleError("event.rule_byday_ordinal_weekly")
	}
	return r, nil
}

// clip shortens a piece of rule text quoted back in an error message.
func clip(s string) string {
	if r := []rune(s); len(r) > 20 {
		return string(r[:20]) + "…"
	}
	return s
}

func ruleNumber(s string, lo, hi int, key string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, ruleError(key, hi)
	}
	return n, nil
}

// parseUntil reads 20270331, 2027-03-31, 2027/3/31 or 20270331T150000Z.
func parseUntil(s string) (time.Time, error) {
	if t, err := time.Parse("20060102T150405Z", s); err == nil {
		return t.UTC(), nil
	}
	if d, ok := parseDate(s); ok {
		t, _ := time.ParseInLocation(time.DateOnly, d, Tokyo)
		return t.AddDate(0, 0, 1).Add(-time.Second).UTC(), nil
	}
	return time.Time{}, ruleError("event.rule_until")
}

func parseByDay(s string) ([]WeekdayNum, error) {
	var out []WeekdayNum
	for _, v := range strings.Split(s, ",") {
		if len(v) < 2 {
			return nil, ruleError("event.rule_byday", clip(v))
		}
		code, num := v[len(v)-2:], v[:len(v)-2]
		day := slices.Index(weekdayCodes[:], code)
		n := 0
		if num != "" {
			var err error
			n, err = strconv.Atoi(num)
			if err != nil || n == 0 || n < -5 || n > 5 || (num[0] != '+' && num[0] != '-' && (num[0] < '0' || num[0] > '9')) {
				return nil, ruleError("event.rule_byday", clip(v))
			}
		}
		if day < 0 {
			return nil, ruleError("event.rule_byday", clip(v))
		}
		w := WeekdayNum{N: n, Day: time.Weekday(day)}
		if slices.Contains(out, w) {
			return nil, ruleError("event.rule_byday", clip(v))
		}
		out = append(out, w)
	}
	slices.SortFunc(out, func(a, b WeekdayNum) int {
		if a.N != b.N {
			return ordinalRank(a.N) - ordinalRank(b.N)
		}
		return weekOrder(a.Day) - weekOrder(b.Day)
	})
	return out, nil
}

// ordinalRank orders BYDAY ordinals: every (0), then 1..5, then -5..-1.
func ordinalRank(n int) int {
	if n < 0 {
		return 20 + n
	}
	return n
}

func parseByMonthDay(s string) ([]int, error) {
	var out []int
	for _, v := range strings.Split(s, ",") {
		n, err := strconv.Atoi(v)
		if err != nil || n == 0 || n < -31 || n > 31 || slices.Contains(out, n) {
			return nil, ruleError("event.rule_bymonthday", clip(v))
		}
		out = append(out, n)
	}
	slices.Sort(out)
	return out, nil
}

// String returns the rule in canonical RRULE form, without the "RRULE:"
// prefix; ParseRecurrence reads it back as the same rule.
func (r *Recurrence) String() string {
	parts := []string{"FREQ=" + string(r.Freq)}
	if r.Interval > 1 {
		parts = append(parts, "INTERVAL="+strconv.Itoa(r.Interval))
	}
	if len(r.ByDay) > 0 {
		days := make([]string, len(r.ByDay))
		for i, d := range r.ByDay {
			days[i] = weekdayCodes[d.Day]
			if d.N != 0 {
				days[i] = strconv.Itoa(d.N) + days[i]
			}
		}
		parts = append(parts, "BYDAY="+strings.Join(days, ","))
	}
	if len(r.ByMonth) > 0 {
		days := make([]string, len(r.ByMonth))
		for i, d := range r.ByMonth {
			days[i] = strconv.Itoa(d)
		}
		parts = append(parts, "BYMONTHDAY="+strings.Join(days, ","))
	}
	if r.Count > 0 {
		parts = append(parts, "COUNT="+strconv.Itoa(r.Count))
	}
	if !r.Until.IsZero() {
		parts = append(parts, "UNTIL="+r.Until.UTC().Format("20060102T150405Z"))
	}
	return strings.Join(parts, ";")
}

// Occurrences calls yield with the start of each occurrence of the rule
// anchored at start, in order, until yield returns false or the rule
// ends. The first occurrence is the first match at or after start;
// later ones keep start's local time of day in Japan. Dates in except
// (YYYY-MM-DD, in Japan) are skipped but still count towards COUNT, as in
// iCalendar.
func (r *Recurrence) Occurrences(start time.Time, except []string, yield func(time.Time) bool) {
	local := start.In(Tokyo)
	hh, mm, ss := local.Clock()
	at := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, hh, mm, ss, 0, Tokyo) }
	count := 0
	// emit handles one candidate and reports whether to go on.
	emit := func(t time.Time) bool {
		if t.Before(start) {
			return true
		}
		if !r.Until.IsZero() && t.After(r.Until) {
			return false
		}
		count++
		if r.Count > 0 && count > r.Count {
			return false
		}
		if slices.Contains(except, t.Format(time.DateOnly)) {
			return true
		}
		return yield(t.UTC())
	}
	switch r.Freq {
	case FreqWeekly:
		days := r.ByDay
		if len(days) == 0 {
			days = []WeekdayNum{{Day: local.Weekday()}}
		}
		monday := local.AddDate(0, 0, -weekOrder(local.Weekday()))
		for p := 0; p < maxPeriods; p++ {
			week := monday.AddDate(0, 0, 7*r.Interval*p)
			for _, d := range days {
				day := week.AddDate(0, 0, weekOrder(d.Day))
				if !emit(at(day.Year(), day.Month(), day.Day())) {
					return
				}
			}
		}
	case FreqMonthly:
		first := time.Date(local.Year(), local.Month(), 1, 0, 0, 0, 0, Tokyo)
		for p := 0; p < maxPeriods; p++ {
			month := first.AddDate(0, r.Interval*p, 0)
			for _, d := range r.monthDays(month, local.Day()) {
				if !emit(at(month.Year(), month.Month(), d)) {
					return
				}
			}
		}
	}
}

// monthDays returns the days of the month starting at first that the rule
// selects, in order; day is the anchor's day for rules that name none.
func (r *Recurrence) monthDays(first time.Time, day int) []int {
	n := daysIn(first)
	var days []int
	add := func(d int) {
		if d >= 1 && d <= n && !slices.Contains(days, d) {
			days = append(days, d)
		}
	}
	if len(r.ByMonth) == 0 && len(r.ByDay) == 0 {
		add(day)
	}
	for _, d := range r.ByMonth {
		if d < 0 {
			d = n + d + 1
		}
		add(d)
	}
	for _, w := range r.ByDay {
		firstOfDay := 1 + (int(w.Day)-int(first.Weekday())+7)%7
		switch {
		case w.N == 0:
			for d := firstOfDay; d <= n; d += 7 {
				add(d)
			}
		case w.N > 0:
			add(firstOfDay + 7*(w.N-1))
		default:
			last := firstOfDay + 7*((n-firstOfDay)/7)
			if d := last + 7*(w.N+1); d >= firstOfDay {
				add(d)
			}
		}
	}
	slices.Sort(days)
	return days
}

func daysIn(first time.Time) int {
	return first.AddDate(0, 1, -1).Day()
}

// ParseDate reads a calendar date written 2026-12-24, 20261224,
// 2026/12/24 or 2026年12月24日, with full-width digits too, and returns
// it as 2026-12-24; a CodeInvalid error about field if it cannot.
func ParseDate(field, s string) (string, error) {
	d, ok := parseDate(s)
	if !ok {
		return "", Invalid(field, "event.date_invalid", clip(strings.TrimSpace(s)))
	}
	return d, nil
}

func parseDate(s string) (string, bool) {
	s = strings.TrimSpace(foldASCII(s))
	s = strings.NewReplacer("年", "-", "月", "-", "日", "", "/", "-", ".", "-").Replace(s)
	if len(s) == 8 && strings.Trim(s, "0123456789") == "" {
		s = s[:4] + "-" + s[4:6] + "-" + s[6:]
	}
	parts := strings.Split(s, "-")
	if len(parts) != 3 {
		return "", false
	}
	var n [3]int
	for i, p := range parts {
		if p == "" || len(p) > 4 || strings.Trim(p, "0123456789") != "" {
			return "", false
		}
		n[i], _ = strconv.Atoi(p)
	}
	t := time.Date(n[0], time.Month(n[1]), n[2], 0, 0, 0, 0, time.UTC)
	if n[0] < 2000 || n[0] > 2200 || t.Month() != time.Month(n[1]) || t.Day() != n[2] {
		return "", false
	}
	return t.Format(time.DateOnly), true
}

// ParseDates reads a list of dates separated by commas, spaces or new
// lines, and returns them as ParseDate does: sorted, each once.
func ParseDates(field, s string) ([]string, error) {
	fields := strings.FieldsFunc(foldASCII(s), func(r rune) bool { return r == ',' || r == ' ' || r == ';' })
	out := []string{}
	for _, f := range fields {
		d, err := ParseDate(field, f)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	if len(out) > MaxEventExceptions {
		return nil, Invalid(field, "event.too_many_exceptions", MaxEventExceptions)
	}
	slices.Sort(out)
	return out, nil
}

// String returns w as BYDAY writes it: TU, 2SA, -1FR.
func (w WeekdayNum) String() string {
	if w.N == 0 {
		return weekdayCodes[w.Day]
	}
	return fmt.Sprintf("%d%s", w.N, weekdayCodes[w.Day])
}
