package tsunagari

import "time"

// JapaneseHoliday reports whether the civil date of t (its year, month and
// day, in whatever location t is in) is a national holiday of Japan
// (国民の祝日) under the rules in force since 2020: fixed days, the Happy
// Monday days, the equinoxes by the usual approximation (valid 1980–2099),
// substitute holidays (振替休日) and days between two holidays (国民の休日).
// The one-off moves of the 2020 and 2021 Olympic years are not modelled.
func JapaneseHoliday(t time.Time) bool {
	d := time.Date(t.Year(), t.Month(), t.Day(), 12, 0, 0, 0, time.UTC)
	if statutoryHoliday(d) {
		return true
	}
	// 振替休日: the first day after a holiday on a Sunday that is not a
	// holiday itself.
	for k := 1; k <= 7; k++ {
		prev := d.AddDate(0, 0, -k)
		if !statutoryHoliday(prev) {
			break
		}
		if prev.Weekday() == time.Sunday {
			return true
		}
	}
	// 国民の休日: a weekday between two holidays.
	return d.Weekday() != time.Sunday && statutoryHoliday(d.AddDate(0, 0, -1)) && statutoryHoliday(d.AddDate(0, 0, 1))
}

// statutoryHoliday reports whether d is one of the days the holiday law
// names, before substitutes.
func statutoryHoliday(d time.Time) bool {
	y, m, day := d.Year(), d.Month(), d.Day()
	nthMonday := func(n int) bool { return d.Weekday() == time.Monday && (day-1)/7 == n-1 }
	switch m {
	case time.January:
		return day == 1 || nthMonday(2)
	case time.February:
		return day == 11 || day == 23
	case time.March:
		return day == equinoxDay(y, 20.8431)
	case time.April:
		return day == 29
	case time.May:
		return day >= 3 && day <= 5
	case time.July:
		return nthMonday(3)
	case time.August:
		return day == 11
	case time.September:
		return nthMonday(3) || day == equinoxDay(y, 23.2488)
	case time.October:
		return nthMonday(2)
	case time.November:
		return day == 3 || day == 23
	}
	return false
}

// equinoxDay approximates the day of the vernal (base 20.8431) or
// autumnal (base 23.2488) equinox in Japan.
func equinoxDay(y int, base float64) int {
	return int(base+0.242194*float64(y-1980)) - (y-1980)/4
}
