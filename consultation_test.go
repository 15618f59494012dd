package tsunagari_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"tsunagari"
)

func TestJapaneseHolidays2026(t *testing.T) {
	// The holidays of 2026 as the Cabinet Office lists them, including a
	// substitute holiday (May 6) and a day between two holidays (Sep 22).
	want := []string{
		"2026-01-01", "2026-01-12", "2026-02-11", "2026-02-23", "2026-03-20", "2026-04-29",
		"2026-05-03", "2026-05-04", "2026-05-05", "2026-05-06", "2026-07-20", "2026-08-11",
		"2026-09-21", "2026-09-22", "2026-09-23", "2026-10-12", "2026-11-03", "2026-11-23",
	}
	var got []string
	for d := time.Date(2026, 1, 1, 0, 0, 0, 0, tsunagari.Tokyo); d.Year() == 2026; d = d.AddDate(0, 0, 1) {
		if tsunagari.JapaneseHoliday(d) {
			got = append(got, d.Format(time.DateOnly))
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("holidays of 2026 = %v\nwant %v", got, want)
	}
	// 2025: Feb 24 and Nov 24 are substitutes for Sunday holidays.
	for _, d := range []string{"2025-02-24", "2025-03-20", "2025-09-23", "2025-11-24", "2027-03-21", "2027-03-22"} {
		day, _ := time.Parse(time.DateOnly, d)
		if !tsunagari.JapaneseHoliday(day) {
			t.Errorf("JapaneseHoliday(%s) = false, want true", d)
		}
	}
	for _, d := range []string{"2025-02-25", "2026-05-07", "2026-12-31", "2026-09-24"} {
		day, _ := time.Parse(time.DateOnly, d)
		if tsunagari.JapaneseHoliday(day) {
			t.Errorf("JapaneseHoliday(%s) = true, want false", d)
		}
	}
}

func weekdays(start, end tsunagari.Clock) []tsunagari.WeeklyWindow {
	var out []tsunagari.WeeklyWindow
	for d := time.Monday; d <= time.Friday; d++ {
		out = append(out, tsunagari.WeeklyWindow{Weekday: d, Window: tsunagari.Window{Start: start, End: end}})
	}
	return out
}

func TestSlots(t *testing.T) {
	jst := func(day, h, m int) time.Time { return time.Date(2026, 11, day, h, m, 0, 0, tsunagari.Tokyo) }
	av := &tsunagari.Availability{SessionMinutes: 60, BufferMinutes: 15, WeeklyMax: 10, ClosedOnHolidays: true,
		Weekly: weekdays(10*60, 12*60+30),
		Exceptions: []tsunagari.Exception{
			{Date: "2026-11-10"}, // a day off
			{Date: "2026-11-14", Windows: []tsunagari.Window{{Start: 9 * 60, End: 10 * 60}}}, // a Saturday opened
		}}
	if err := av.Validate(); err != nil {
		t.Fatal(err)
	}
	// Monday 9 Nov to Monday 16 Nov. Tuesday 10 is off, Saturday 14
	// open for one session; Monday 23 Nov is a holiday.
	got := av.Slots(jst(9, 0, 0), jst(16, 0, 0))
	var starts []string
	for _, s := range got {
		if s.Start.Location() != time.UTC || s.End.Sub(s.Start) != time.Hour {
			t.Errorf("slot %v–%v: want one hour in UTC", s.Start, s.End)
		}
		starts = append(starts, s.Start.In(tsunagari.Tokyo).Format("01-02 15:04"))
	}
	want := []string{
		"11-09 10:00", "11-09 11:15",
		"11-11 10:00", "11-11 11:15",
		"11-12 10:00", "11-12 11:15",
		"11-13 10:00", "11-13 11:15",
		"11-14 09:00",
	}
	if !slices.Equal(starts, want) {
		t.Errorf("Slots = %v\nwant %v", starts, want)
	}
	if n := len(av.Slots(jst(23, 0, 0), jst(24, 0, 0))); n != 0 {
		t.Errorf("Slots on a holiday = %d, want 0", n)
	}
	av.ClosedOnHolidays = false
	if n := len(av.Slots(jst(23, 0, 0), jst(24, 0, 0))); n != 2 {
		t.Errorf("Slots on a holiday when open on holidays = %d, want 2", n)
	}
	if !av.Offers(jst(9, 11, 15)) || av.Offers(jst(9, 11, 0)) || av.Offers(jst(10, 10, 0)) {
		t.Error("Offers disagrees with Slots")
	}
	// A consultant elsewhere: windows are in their zone.
	ny := &tsunagari.Availability{TimeZone: "America/New_York", SessionMinutes: 60, WeeklyMax: 5,
		Weekly: []tsunagari.WeeklyWindow{{Weekday: time.Monday, Window: tsunagari.Window{Start: 9 * 60, End: 10 * 60}}}}
	s := ny.Slots(time.Date(2026, 11, 9, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 10, 12, 0, 0, 0, time.UTC))
	if len(s) != 1 || !s[0].Start.Equal(time.Date(2026, 11, 9, 14, 0, 0, 0, time.UTC)) {
		t.Errorf("New York slots = %v, want Monday 14:00 UTC", s)
	}
}

func TestWeekOf(t *testing.T) {
	// Sunday 15 Nov 2026, 23:30 in Tokyo is still the week of Monday 9.
	start, end := tsunagari.WeekOf(time.Date(2026, 11, 15, 14, 30, 0, 0, time.UTC), tsunagari.Tokyo)
	if !start.Equal(time.Date(2026, 11, 8, 15, 0, 0, 0, time.UTC)) || !end.Equal(start.AddDate(0, 0, 7)) {
		t.Errorf("WeekOf = %v–%v, want Monday 9 Nov 00:00 JST for a week", start, end)
	}
}

func validConsultant() *tsunagari.Consultant {
	return &tsunagari.Consultant{AccountID: tsunagari.NewID(), DisplayName: "田中 恵子", RegistrationNumber: "第１６０１２３４５号",
		Languages: []string{"en", "ja", "ja"}, Themes: []string{"side_job", "job_change"}, Online: true,
		Industries: []string{"finance", "it_telecom"}}
}

func TestConsultantValidate(t *testing.T) {
	c := validConsultant()
	if err := c.Validate(); err != nil {
		t.Fatalf("Validate() = %v", err)
	}
	if c.RegistrationNumber != "16012345" || !slices.Equal(c.Languages, []string{"ja", "en"}) ||
		!slices.Equal(c.Themes, []string{"job_change", "side_job"}) || !slices.Equal(c.Industries, []string{"it_telecom", "finance"}) {
		t.Errorf("after Validate = %+v; want the number normalised and lists in canonical order", c)
	}
	for _, tc := range []struct {
		field string
		edit  func(c *tsunagari.Consultant)
		key   string
	}{
		{"registrationNumber", func(c *tsunagari.Consultant) { c.RegistrationNumber = "1234567" }, "consultation.registration_number_invalid"},
		{"registrationNumber", func(c *tsunagari.Consultant) { c.RegistrationNumber = "1234567a" }, "consultation.registration_number_invalid"},
		{"displayName", func(c *tsunagari.Consultant) { c.DisplayName = " " }, "account.name_required"},
		{"themes", func(c *tsunagari.Consultant) { c.Themes = []string{"astrology"} }, "consultation.theme_unknown"},
		{"languages", func(c *tsunagari.Consultant) { c.Languages = nil }, "consultation.language_required"},
		{"languages", func(c *tsunagari.Consultant) { c.Languages = []string{"xx"} }, "consultation.language_invalid"},
		{"online", func(c *tsunagari.Consultant) { c.Online = false }, "consultation.mode_required"},
		{"area", func(c *tsunagari.Consultant) { c.InPerson = true }, "consultation.area_required"},
		{"meetingUrl", func(c *tsunagari.Consultant) { c.MeetingURL = "javascript:alert(1)" }, "consultation.meeting_url_invalid"},
		{"meetingUrl", func(c *tsunagari.Consultant) { c.MeetingURL = "https://user:pw@example.jp/" }, "consultation.meeting_url_invalid"},
		{"feeYen", func(c *tsunagari.Consultant) { c.FeeYen = -1 }, "consultation.fee_invalid"},
		{"gender", func(c *tsunagari.Consultant) { c.Gender = "x" }, "consultation.gender_invalid"},
		{"yearsOfPractice", func(c *tsunagari.Consultant) { c.YearsOfPractice = 61 }, "consultation.years_invalid"},
		{"message", func(c *tsunagari.Consultant) { c.Message = string(make([]rune, 2001)) }, "consultation.text_too_long"},
		{"values", func(c *tsunagari.Consultant) {
			c.Values = []tsunagari.Score{{Dimension: "autonomy", Value: 101}}
		}, "consultation.values_invalid"},
	} {
		c := validConsultant()
		tc.edit(c)
		err := c.Validate()
		var e *tsunagari.Error
		if !errors.As(err, &e) || e.Key != tc.key || e.Details[0].Field != tc.field {
			t.Errorf("Validate with a bad %s = %v, want %s on %s", tc.field, err, tc.key, tc.field)
		}
	}
}

func TestAvailabilityValidate(t *testing.T) {
	base := func() *tsunagari.Availability {
		return &tsunagari.Availability{SessionMinutes: 60, WeeklyMax: 5, Weekly: weekdays(9*60, 12*60)}
	}
	if err := base().Validate(); err != nil {
		t.Fatal(err)
	}
	for i, edit := range []func(av *tsunagari.Availability){
		func(av *tsunagari.Availability) { av.SessionMinutes = 10 },
		func(av *tsunagari.Availability) { av.SessionMinutes = 62 },
		func(av *tsunagari.Availability) { av.BufferMinutes = -5 },
		func(av *tsunagari.Availability) { av.WeeklyMax = 0 },
		func(av *tsunagari.Availability) { av.TimeZone = "Mars/Olympus" },
		func(av *tsunagari.Availability) { av.Weekly[0].End = av.Weekly[0].Start },
		func(av *tsunagari.Availability) { av.Weekly[0].End = 24*60 + 5 },
		func(av *tsunagari.Availability) { av.Weekly[0].Weekday = 7 },
		func(av *tsunagari.Availability) { av.Weekly = append(av.Weekly, av.Weekly[0]) },
		func(av *tsunagari.Availability) { av.Exceptions = []tsunagari.Exception{{Date: "2026-02-30"}} },
		func(av *tsunagari.Availability) {
			av.Exceptions = []tsunagari.Exception{{Date: "2026-02-03"}, {Date: "2026-02-03"}}
		},
	} {
		av := base()
		edit(av)
		if err := av.Validate(); tsunagari.ErrorCode(err) != tsunagari.CodeInvalid {
			t.Errorf("case %d: Validate() = %v, want invalid", i, err)
		}
	}
}

func TestReflectionValidate(t *testing.T) {
	r := &tsunagari.Reflection{Rating: 5, ShareRating: true, Items: []tsunagari.ReflectionItem{
		{ID: "next_step", Text: " 上司に異動希望を伝える ", Share: true},
		{ID: "realised", Text: "本当は人を育てたい", Share: false},
		{ID: "feeling", Text: "", Share: true},
	}}
	if err := r.Validate(); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(r.Items) != "[{realised 本当は人を育てたい false} {next_step 上司に異動希望を伝える true} {feeling  false}]" ||
		!slices.Equal(r.Shared, []string{"next_step"}) || !r.ShareRating {
		t.Errorf("after Validate = %+v", r)
	}
	for _, bad := range []*tsunagari.Reflection{
		{Rating: 6},
		{Items: []tsunagari.ReflectionItem{{ID: "diary"}}},
		{Items: []tsunagari.ReflectionItem{{ID: "realised"}, {ID: "realised"}}},
		{Items: []tsunagari.ReflectionItem{{ID: "realised", Text: string(make([]rune, 2001))}}},
	} {
		if err := bad.Validate(); tsunagari.ErrorCode(err) != tsunagari.CodeInvalid {
			t.Errorf("Validate(%+v) = %v, want invalid", bad, err)
		}
	}
	if _, err := tsunagari.ValidateNote(string(make([]rune, tsunagari.MaxNoteLen+1))); tsunagari.ErrorCode(err) != tsunagari.CodeInvalid {
		t.Errorf("ValidateNote(too long) = %v, want invalid", err)
	}
}

func TestBookingConflictErrors(t *testing.T) {
	for _, err := range []error{tsunagari.ErrOverlap, tsunagari.ErrWeekFull, tsunagari.ErrKeyReused} {
		if !errors.Is(err, tsunagari.ErrConflict) || tsunagari.ErrorCode(err) != tsunagari.CodeConflict || !tsunagari.IsBookingConflict(err) {
			t.Errorf("%v is not a conflict", err)
		}
	}
}
