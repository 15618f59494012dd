package match

import (
	"time"

	"tsunagari"
)

// FreeSessions counts the sessions a consultant can still take that start
// in [from, to): the slots their availability offers there whose time,
// with the buffer after it, no held booking overlaps, and in each week no
// more than the weekly maximum leaves room for. held must hold every
// active booking starting in the weeks that [from, to) touches, so that
// the weekly maximum is measured against whole weeks.
func FreeSessions(av *tsunagari.Availability, held []tsunagari.Slot, from, to time.Time) int {
	if av == nil || !from.Before(to) {
		return 0
	}
	loc := av.Location()
	buffer := av.Buffer()
	// Free slots per week, keyed by the week's start.
	free := map[time.Time]int{}
	ends := map[time.Time]time.Time{}
	var weeks []time.Time
	for _, s := range av.Slots(from, to) {
		blocked := s.End.Add(buffer)
		taken := false
		for _, h := range held {
			if h.Start.Before(blocked) && s.Start.Before(h.End) {
				taken = true
				break
			}
		}
		if taken {
			continue
		}
		week, end := tsunagari.WeekOf(s.Start, loc)
		if _, ok := free[week]; !ok {
			weeks = append(weeks, week)
			ends[week] = end
		}
		free[week]++
	}
	total := 0
	for _, week := range weeks {
		end := ends[week]
		booked := 0
		for _, h := range held {
			if !h.Start.Before(week) && h.Start.Before(end) {
				booked++
			}
		}
		total += max(0, min(free[week], av.WeeklyMax-booked))
	}
	return total
}
