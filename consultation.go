package tsunagari

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// External career consultation (社外1on1, PRODUCT.md §6): certified career
// consultants (国家資格キャリアコンサルタント) publish a profile and their
// availability; a member books a free slot; after the session the
// consultant keeps private notes and the member a private reflection.
// Neither record is ever readable by the member's employer, and both are
// stored sealed with the server's key.

// Theme is a consultation theme (相談テーマ): what people bring to a
// consultation, drawn from what employees say (PRODUCT.md §7).
type Theme struct {
	ID    string `json:"id"`
	Label Text   `json:"label"`
}

// Themes is the controlled list of consultation themes, in display order.
var Themes = []Theme{
	{"market_value", Text{"自分の市場価値を知りたい", "Knowing my market value"}},
	{"what_i_want", Text{"やりたいことがわからない", "Finding what I want"}},
	{"my_options", Text{"自分の選択肢を知りたい", "Seeing my options"}},
	{"nobody_to_consult", Text{"相談できる相手がいない", "Nobody to consult"}},
	{"concrete_steps", Text{"具体的に何をすればいいか", "What to do concretely"}},
	{"too_busy", Text{"忙しくて考える時間がない", "Too busy to think about my career"}},
	{"transfer", Text{"異動・配置の希望", "Transfer wishes"}},
	{"job_change", Text{"転職", "Changing jobs"}},
	{"side_job", Text{"副業", "A side job"}},
	{"independence", Text{"独立・フリーランス", "Going independent"}},
	{"startup", Text{"起業", "Starting a business"}},
	{"learning", Text{"学び直し・リスキリング", "Learning and reskilling"}},
	{"u_turn", Text{"Uターン・地方での仕事", "U-turn and regional work"}},
	{"care_balance", Text{"育児・介護との両立", "Balancing childcare or caregiving"}},
	{"relations_at_work", Text{"職場の人間関係", "Relationships at work"}},
	{"evaluation", Text{"評価・昇進", "Evaluation and promotion"}},
	{"return_from_leave", Text{"休職・育休からの復帰", "Returning from leave"}},
	{"senior_career", Text{"シニアのキャリア・定年後", "Senior career and after retirement"}},
	{"womens_career", Text{"女性のキャリア", "Women's careers"}},
	{"health_and_work", Text{"健康と仕事", "Health and work"}},
	{"management", Text{"管理職・マネジメント", "Becoming a manager"}},
}

// ThemeByID returns the theme with the given ID, or nil.
func ThemeByID(id string) *Theme {
	for i := range Themes {
		if Themes[i].ID == id {
			return &Themes[i]
		}
	}
	return nil
}

// MaxBookingThemes is how many themes a member may pick for one booking.
const MaxBookingThemes = 5

// CleanThemes checks a list of theme IDs and returns it without
// duplicates, in the order of Themes.
func CleanThemes(field string, ids []string, max int) ([]string, error) {
	var out []string
	for _, t := range Themes {
		if slices.Contains(ids, t.ID) {
			out = append(out, t.ID)
		}
	}
	for _, id := range ids {
		if ThemeByID(id) == nil {
			return nil, Invalid(field, "consultation.theme_unknown")
		}
	}
	if max > 0 && len(out) > max {
		return nil, Invalid(field, "consultation.too_many_themes", max)
	}
	return out, nil
}

// Genders a consultant may give on their profile; giving none is fine.
var Genders = []string{"female", "male", "other"}

// ConsultationLanguages are the languages a consultation can be held in,
// by ISO 639-1 code. Labels live in the i18n catalogues as
// "language.<code>".
var ConsultationLanguages = []string{"ja", "en", "zh", "ko", "vi", "pt", "es", "fr", "de", "tl", "ne", "id"}

// Limits on consultant profiles. Lengths are counted in runes.
const (
	MaxConsultantMessageLen = 2000
	MaxYearsOfPractice      = 60
	MaxFeeYen               = 1_000_000
	MaxMeetingURLLen        = 500
	MaxAreaLen              = 60
	DefaultSessionMinutes   = 60
	MinSessionMinutes       = 15
	MaxSessionMinutes       = 180
	MaxBufferMinutes        = 120
	DefaultWeeklyMax        = 10
	MaxWeeklyMax            = 60
)

// Consultant is a career consultant's public profile. Its ID is the ID of
// the consultant's account.
type Consultant struct {
	AccountID   string `json:"id"`
	DisplayName string `json:"displayName"`
	// RegistrationNumber is the national registration number of the
	// キャリアコンサルタント: eight digits. The operator checks it against
	// the public register and marks the profile verified. Changing the
	// number takes the verification away.
	RegistrationNumber string     `json:"-"`
	VerifiedAt         *time.Time `json:"verifiedAt,omitempty"`
	VerifiedBy         string     `json:"-"`
	YearsOfPractice    int        `json:"yearsOfPractice"`
	// The consultant's own career background.
	Industries  []string `json:"industries"`
	JobFamilies []string `json:"jobFamilies"`
	AgeBand     string   `json:"ageBand,omitempty"`
	Gender      string   `json:"gender,omitempty"` // optional: one of Genders or ""
	// Themes are the consultation themes the consultant is strong in.
	Themes []string `json:"themes"`
	// Values are the consultant's own values diagnosis scores (0–100 per
	// dimension of the values_diagnosis instrument).
	Values    []Score  `json:"values"`
	Message   string   `json:"message"`
	Languages []string `json:"languages"`
	Online    bool     `json:"online"`
	InPerson  bool     `json:"inPerson"`
	// Area is the prefecture (JIS X 0401 code) where the consultant
	// meets in person.
	Area string `json:"area,omitempty"`
	// FeeYen is the fee of one session for a member who pays; with
	// EmployerPaid, the session is paid by the member's employer's
	// programme instead.
	FeeYen       int  `json:"feeYen"`
	EmployerPaid bool `json:"employerPaid"`
	// AutoAccept confirms bookings at once; otherwise the consultant
	// confirms each.
	AutoAccept bool `json:"autoAccept"`
	// MeetingURL is the default online meeting link of new bookings.
	MeetingURL string    `json:"-"`
	CreatedAt  time.Time `json:"createdAt"`
	UpdatedAt  time.Time `json:"updatedAt"`
}

// Verified reports whether the operator has checked the registration
// number.
func (c *Consultant) Verified() bool { return c != nil && c.VerifiedAt != nil }

// NormalizeRegistrationNumber turns full-width digits into ASCII and drops
// spaces, hyphens and the 第…号 around the number, as people type it.
func NormalizeRegistrationNumber(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '０' && r <= '９':
			b.WriteRune('0' + (r - '０'))
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '　' || r == '-' || r == 'ー' || r == '－' || r == '第' || r == '号':
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// ValidRegistrationNumber reports whether s, normalised, has the shape of
// a registration number: eight digits.
func ValidRegistrationNumber(s string) bool {
	if len(s) != 8 {
		return false
	}
	return strings.Trim(s, "0123456789") == ""
}

// ValidMeetingURL reports whether s is an http(s) URL with a host.
func ValidMeetingURL(s string) bool {
	if s == "" || utf8.RuneCountInString(s) > MaxMeetingURLLen || strings.ContainsFunc(s, isControl) {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" && u.User == nil
}

// Validate checks c's fields and puts its lists in canonical order.
func (c *Consultant) Validate() error {
	if err := validateName("displayName", c.DisplayName); err != nil {
		return err
	}
	c.RegistrationNumber = NormalizeRegistrationNumber(c.RegistrationNumber)
	if !ValidRegistrationNumber(c.RegistrationNumber) {
		return Invalid("registrationNumber", "consultation.registration_number_invalid")
	}
	if c.YearsOfPractice < 0 || c.YearsOfPractice > MaxYearsOfPractice {
		return Invalid("yearsOfPractice", "consultation.years_invalid", MaxYearsOfPractice)
	}
	var err error
	if c.Industries, err = onlyListed("industries", c.Industries, Industries, "account.industry_invalid"); err != nil {
		return err
	}
	if c.JobFamilies, err = onlyListed("jobFamilies", c.JobFamilies, JobFamilies, "account.job_family_invalid"); err != nil {
		return err
	}
	if c.Languages, err = onlyListed("languages", c.Languages, ConsultationLanguages, "consultation.language_invalid"); err != nil {
		return err
	}
	if len(c.Languages) == 0 {
		return Invalid("languages", "consultation.language_required")
	}
	if c.Themes, err = CleanThemes("themes", c.Themes, 0); err != nil {
		return err
	}
	switch {
	case c.AgeBand != "" && !slices.Contains(AgeBands, c.AgeBand):
		return Invalid("ageBand", "account.age_band_invalid")
	case c.Gender != "" && !slices.Contains(Genders, c.Gender):
		return Invalid("gender", "consultation.gender_invalid")
	case !c.Online && !c.InPerson:
		return Invalid("online", "consultation.mode_required")
	case c.InPerson && PrefectureByCode(c.Area) == nil:
		return Invalid("area", "consultation.area_required")
	case !c.InPerson && c.Area != "" && PrefectureByCode(c.Area) == nil:
		return Invalid("area", "account.prefecture_invalid")
	case c.FeeYen < 0 || c.FeeYen > MaxFeeYen:
		return Invalid("feeYen", "consultation.fee_invalid")
	case c.MeetingURL != "" && !ValidMeetingURL(c.MeetingURL):
		return Invalid("meetingUrl", "consultation.meeting_url_invalid")
	}
	c.Message = strings.TrimSpace(strings.ReplaceAll(c.Message, "\r\n", "\n"))
	if n := utf8.RuneCountInString(c.Message); n > MaxConsultantMessageLen {
		return Invalid("message", "consultation.text_too_long", MaxConsultantMessageLen)
	}
	if strings.ContainsFunc(c.Message, func(r rune) bool { return r != '\n' && r != '\t' && isControl(r) }) {
		return Invalid("message", "error.control_characters")
	}
	seen := map[string]bool{}
	for _, s := range c.Values {
		if !validSurveyID(s.Dimension) || seen[s.Dimension] || s.Value < 0 || s.Value > 100 {
			return Invalid("values", "consultation.values_invalid")
		}
		seen[s.Dimension] = true
	}
	return nil
}

// cleanList checks that every entry of list is in allowed and returns the
// entries without duplicates, in the order of allowed.
func onlyListed(field string, list, allowed []string, key string) ([]string, error) {
	for _, v := range list {
		if !slices.Contains(allowed, v) {
			return nil, Invalid(field, key)
		}
	}
	out := []string{}
	for _, v := range allowed {
		if slices.Contains(list, v) {
			out = append(out, v)
		}
	}
	return out, nil
}

// ConsultantFilter selects consultant profiles. Zero fields do not filter.
type ConsultantFilter struct {
	// Verified selects only profiles whose registration the operator has
	// checked: what members see.
	Verified bool
	// Unverified selects only profiles waiting for the operator.
	Unverified bool
	Theme      string
	Limit      int
	Offset     int
}

// Clock is a time of day in minutes after midnight, 0–1440.
type Clock int

// String writes c as 15:04.
func (c Clock) String() string { return fmt.Sprintf("%02d:%02d", int(c)/60, int(c)%60) }

// ParseClock reads "9:00" or "09:30"; "24:00" is the end of a day.
func ParseClock(s string) (Clock, bool) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok || len(h) < 1 || len(h) > 2 || len(m) != 2 {
		return 0, false
	}
	hh, mm := 0, 0
	for _, r := range h {
		if r < '0' || r > '9' {
			return 0, false
		}
		hh = hh*10 + int(r-'0')
	}
	for _, r := range m {
		if r < '0' || r > '9' {
			return 0, false
		}
		mm = mm*10 + int(r-'0')
	}
	c := Clock(hh*60 + mm)
	if mm > 59 || c > 24*60 {
		return 0, false
	}
	return c, true
}

// Window is a span of a day, in the consultant's time zone, when they
// take sessions: [Start, End).
type Window struct {
	Start Clock `json:"start"`
	End   Clock `json:"end"`
}

// WeeklyWindow is a window on one day of every week.
type WeeklyWindow struct {
	Weekday time.Weekday `json:"weekday"`
	Window
}

// Exception replaces the weekly windows of one date: no Windows means the
// consultant takes no sessions that day.
type Exception struct {
	Date    string   `json:"date"` // 2006-01-02, in the consultant's time zone
	Windows []Window `json:"windows,omitempty"`
}

// Limits on availability.
const (
	MaxWeeklyWindows          = 50
	MaxAvailabilityExceptions = 400
	// BookingHorizon is how far ahead a member can book.
	BookingHorizon = 8 * 7 * 24 * time.Hour
	// MinBookingLead is how soon before its start a slot can still be
	// booked.
	MinBookingLead = 2 * time.Hour
	// FreeCancellation is how long before the start a member may cancel
	// or reschedule free of charge; later cancellations are marked late,
	// and later rescheduling is refused.
	FreeCancellation = 24 * time.Hour
	// ReminderLead is how long before the start reminders are sent.
	ReminderLead = 24 * time.Hour
)

// Availability is when a consultant takes sessions and how many.
type Availability struct {
	ConsultantID string `json:"-"`
	// TimeZone of the windows and exception dates; "" means Asia/Tokyo.
	TimeZone   string         `json:"timeZone"`
	Weekly     []WeeklyWindow `json:"weekly"`
	Exceptions []Exception    `json:"exceptions"`
	// ClosedOnHolidays takes no sessions on Japanese public holidays
	// unless an exception for the date says otherwise.
	ClosedOnHolidays bool `json:"closedOnHolidays"`
	SessionMinutes   int  `json:"sessionMinutes"`
	BufferMinutes    int  `json:"bufferMinutes"`
	// WeeklyMax is the most sessions the consultant takes in one week,
	// Monday to Sunday in their time zone.
	WeeklyMax int       `json:"weeklyMax"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// DefaultAvailability is what a consultant starts with: no windows yet.
func DefaultAvailability(consultantID string) *Availability {
	return &Availability{ConsultantID: consultantID, SessionMinutes: DefaultSessionMinutes, WeeklyMax: DefaultWeeklyMax,
		ClosedOnHolidays: true}
}

// Location returns the time zone of av.
func (av *Availability) Location() *time.Location {
	if av.TimeZone != "" {
		if loc, err := time.LoadLocation(av.TimeZone); err == nil {
			return loc
		}
	}
	return Tokyo
}

// Session returns the length of one session.
func (av *Availability) Session() time.Duration {
	return time.Duration(av.SessionMinutes) * time.Minute
}

// Buffer returns the free time kept after each session.
func (av *Availability) Buffer() time.Duration { return time.Duration(av.BufferMinutes) * time.Minute }

// Validate checks av and sorts its windows and exceptions.
func (av *Availability) Validate() error {
	switch {
	case av.TimeZone != "" && !validTimeZone(av.TimeZone):
		return Invalid("timeZone", "account.time_zone_invalid")
	case av.SessionMinutes < MinSessionMinutes || av.SessionMinutes > MaxSessionMinutes || av.SessionMinutes%5 != 0:
		return Invalid("sessionMinutes", "consultation.session_minutes_invalid", MinSessionMinutes, MaxSessionMinutes)
	case av.BufferMinutes < 0 || av.BufferMinutes > MaxBufferMinutes || av.BufferMinutes%5 != 0:
		return Invalid("bufferMinutes", "consultation.buffer_minutes_invalid", MaxBufferMinutes)
	case av.WeeklyMax < 1 || av.WeeklyMax > MaxWeeklyMax:
		return Invalid("weeklyMax", "consultation.weekly_max_invalid", MaxWeeklyMax)
	case len(av.Weekly) > MaxWeeklyWindows:
		return Invalid("weekly", "consultation.too_many_windows", MaxWeeklyWindows)
	case len(av.Exceptions) > MaxAvailabilityExceptions:
		return Invalid("exceptions", "consultation.too_many_exceptions", MaxAvailabilityExceptions)
	}
	for _, w := range av.Weekly {
		if w.Weekday < time.Sunday || w.Weekday > time.Saturday {
			return Invalid("weekly", "consultation.window_invalid")
		}
		if err := w.Window.validate("weekly"); err != nil {
			return err
		}
	}
	slices.SortFunc(av.Weekly, func(a, b WeeklyWindow) int {
		if a.Weekday != b.Weekday {
			return int(a.Weekday) - int(b.Weekday)
		}
		return int(a.Start) - int(b.Start)
	})
	for i := 1; i < len(av.Weekly); i++ {
		if av.Weekly[i].Weekday == av.Weekly[i-1].Weekday && av.Weekly[i].Start < av.Weekly[i-1].End {
			return Invalid("weekly", "consultation.windows_overlap")
		}
	}
	dates := map[string]bool{}
	for i := range av.Exceptions {
		ex := &av.Exceptions[i]
		if _, err := time.Parse(time.DateOnly, ex.Date); err != nil || dates[ex.Date] {
			return Invalid("exceptions", "consultation.exception_date_invalid")
		}
		dates[ex.Date] = true
		slices.SortFunc(ex.Windows, func(a, b Window) int { return int(a.Start) - int(b.Start) })
		for j, w := range ex.Windows {
			if err := w.validate("exceptions"); err != nil {
				return err
			}
			if j > 0 && w.Start < ex.Windows[j-1].End {
				return Invalid("exceptions", "consultation.windows_overlap")
			}
		}
	}
	slices.SortFunc(av.Exceptions, func(a, b Exception) int { return strings.Compare(a.Date, b.Date) })
	return nil
}

func (w Window) validate(field string) error {
	if w.Start < 0 || w.End > 24*60 || w.End <= w.Start || w.Start%5 != 0 || w.End%5 != 0 {
		return Invalid(field, "consultation.window_invalid")
	}
	return nil
}

// WindowsOn returns the windows of the civil date (year, month, day) in
// av's time zone: the exception for the date if there is one, else none
// on a public holiday when ClosedOnHolidays, else the weekly windows of
// its weekday.
func (av *Availability) WindowsOn(date time.Time) []Window {
	key := date.Format(time.DateOnly)
	for _, ex := range av.Exceptions {
		if ex.Date == key {
			return ex.Windows
		}
	}
	if av.ClosedOnHolidays && JapaneseHoliday(date) {
		return nil
	}
	var out []Window
	for _, w := range av.Weekly {
		if w.Weekday == date.Weekday() {
			out = append(out, w.Window)
		}
	}
	return out
}

// Slot is a time a session can take place: [Start, End), in UTC.
type Slot struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// Slots returns the session starts av offers in [from, to): each window
// is cut into sessions of SessionMinutes, one after another with
// BufferMinutes between them. It does not look at bookings.
func (av *Availability) Slots(from, to time.Time) []Slot {
	loc := av.Location()
	session, step := av.Session(), av.Session()+av.Buffer()
	if session <= 0 {
		return nil
	}
	var out []Slot
	day := time.Date(from.In(loc).Year(), from.In(loc).Month(), from.In(loc).Day(), 0, 0, 0, 0, loc)
	for ; day.Before(to); day = day.AddDate(0, 0, 1) {
		for _, w := range av.WindowsOn(day) {
			start := atClock(day, w.Start)
			end := atClock(day, w.End)
			for t := start; !t.Add(session).After(end); t = t.Add(step) {
				if !t.Before(from) && t.Before(to) {
					out = append(out, Slot{Start: t.UTC(), End: t.Add(session).UTC()})
				}
			}
		}
	}
	return out
}

// Offers reports whether av offers a session starting at start.
func (av *Availability) Offers(start time.Time) bool {
	day := start.In(av.Location())
	for _, s := range av.Slots(time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, av.Location()), start.Add(time.Second)) {
		if s.Start.Equal(start) {
			return true
		}
	}
	return false
}

// atClock returns the instant of clock c on the civil date of day, in
// day's location. Across a daylight-saving change the wall clock wins.
func atClock(day time.Time, c Clock) time.Time {
	return time.Date(day.Year(), day.Month(), day.Day(), int(c)/60, int(c)%60, 0, 0, day.Location())
}

// WeekOf returns the week (Monday 00:00 to the next Monday 00:00) in loc
// that holds t.
func WeekOf(t time.Time, loc *time.Location) (start, end time.Time) {
	l := t.In(loc)
	offset := (int(l.Weekday()) + 6) % 7 // days since Monday
	start = time.Date(l.Year(), l.Month(), l.Day()-offset, 0, 0, 0, 0, loc)
	return start.UTC(), start.AddDate(0, 0, 7).UTC()
}

// BookingStatus is where a booking stands.
type BookingStatus string

const (
	// BookingPending waits for the consultant to confirm; it holds its
	// time already.
	BookingPending BookingStatus = "pending"
	// BookingConfirmed will take place, or has.
	BookingConfirmed BookingStatus = "confirmed"
	// BookingCancelled was cancelled by either side or declined.
	BookingCancelled BookingStatus = "cancelled"
	// BookingRescheduled was moved: RescheduledTo names the booking that
	// replaced it.
	BookingRescheduled BookingStatus = "rescheduled"
)

// Active reports whether a booking of status s holds its time.
func (s BookingStatus) Active() bool { return s == BookingPending || s == BookingConfirmed }

// Limits on bookings.
const (
	MaxIdempotencyKeyLen = 100
	MinIdempotencyKeyLen = 8
	// MaxBookingSpan bounds the time one booking holds, session and
	// buffer: the databases rely on it to check overlaps quickly.
	MaxBookingSpan = 24 * time.Hour
)

// Booking is a member's booking of a consultant's slot. Times are UTC.
// The consultant's time is held from Start until End plus the buffer:
// BlockedUntil. No two active bookings of one consultant ever overlap in
// [Start, BlockedUntil); bookings that merely touch are fine.
//
// A side that deletes their account leaves the booking: ConsultantID is
// "" once the consultant has left (the booking stays the member's, and
// an upcoming one is cancelled), MemberID is "" once the member has left
// (the booking stays only if the consultant wrote a note on it, as the
// consultant's record, until NoteRetentionYears after the session).
type Booking struct {
	ID           string        `json:"id"`
	ConsultantID string        `json:"consultantId"`
	MemberID     string        `json:"-"`
	Start        time.Time     `json:"start"`
	End          time.Time     `json:"end"`
	BlockedUntil time.Time     `json:"-"`
	Status       BookingStatus `json:"status"`
	// Themes the member picked when booking; ConfirmedThemes those the
	// consultant confirmed after the session.
	Themes          []string `json:"themes"`
	ConfirmedThemes []string `json:"confirmedThemes"`
	MeetingURL      string   `json:"meetingUrl,omitempty"`
	// IdempotencyKey is the member's key of the request that made the
	// booking: a retried request with the same key gets this booking
	// back instead of a second one.
	IdempotencyKey string     `json:"-"`
	CreatedAt      time.Time  `json:"createdAt"`
	ConfirmedAt    *time.Time `json:"confirmedAt,omitempty"`
	CancelledAt    *time.Time `json:"cancelledAt,omitempty"`
	// CancelledBy is the account that cancelled, declined or moved it.
	CancelledBy string `json:"-"`
	// LateCancel marks a cancellation by the member inside
	// FreeCancellation.
	LateCancel      bool       `json:"lateCancel,omitempty"`
	RescheduledFrom string     `json:"rescheduledFrom,omitempty"`
	RescheduledTo   string     `json:"rescheduledTo,omitempty"`
	RemindedAt      *time.Time `json:"-"`
}

// ValidIdempotencyKey reports whether k is usable as an idempotency key:
// 8–100 printable ASCII characters.
func ValidIdempotencyKey(k string) bool {
	if len(k) < MinIdempotencyKeyLen || len(k) > MaxIdempotencyKeyLen {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] <= ' ' || k[i] > '~' {
			return false
		}
	}
	return true
}

// Validate checks b's own fields; the service checks it against the
// consultant's availability and the store against other bookings.
func (b *Booking) Validate() error {
	var err error
	switch {
	case !ValidID(b.ConsultantID):
		return Invalid("consultantId", "error.not_found")
	case b.Start.IsZero() || !b.End.After(b.Start) || b.BlockedUntil.Before(b.End) || b.BlockedUntil.Sub(b.Start) > MaxBookingSpan:
		return Invalid("start", "consultation.slot_invalid")
	case b.IdempotencyKey != "" && !ValidIdempotencyKey(b.IdempotencyKey):
		return Invalid("idempotencyKey", "consultation.idempotency_key_invalid", MinIdempotencyKeyLen, MaxIdempotencyKeyLen)
	case b.MeetingURL != "" && !ValidMeetingURL(b.MeetingURL):
		return Invalid("meetingUrl", "consultation.meeting_url_invalid")
	}
	if b.Themes, err = CleanThemes("themes", b.Themes, MaxBookingThemes); err != nil {
		return err
	}
	if len(b.Themes) == 0 {
		return Invalid("themes", "consultation.theme_required")
	}
	return nil
}

// Overlaps reports whether b holds any of the time [start, until).
func (b *Booking) Overlaps(start, until time.Time) bool {
	return b.Start.Before(until) && start.Before(b.BlockedUntil)
}

// BookingFilter selects bookings. Zero fields do not filter; a filter
// needs ConsultantID or MemberID, or From and To for background jobs.
type BookingFilter struct {
	ConsultantID string
	MemberID     string
	// Active selects pending and confirmed bookings only.
	Active bool
	// From and To select bookings starting in [From, To).
	From, To time.Time
	// NotReminded selects bookings no reminder was sent for.
	NotReminded bool
	Limit       int
}

// WeekCap is the weekly maximum a new booking must respect: at most Max
// active bookings of the consultant starting in [Start, End).
type WeekCap struct {
	Start, End time.Time
	Max        int
}

// Cancellation records who ends a booking, when, and whether late.
type Cancellation struct {
	By   string
	At   time.Time
	Late bool
}

// Errors of booking writes. Both are ErrConflict too.
var (
	// ErrOverlap: the time is held by another active booking.
	ErrOverlap = fmt.Errorf("booking overlaps another: %w", ErrConflict)
	// ErrWeekFull: the consultant's weekly maximum is reached.
	ErrWeekFull = fmt.Errorf("consultant's week is full: %w", ErrConflict)
	// ErrKeyReused: an idempotency key came back with another request.
	ErrKeyReused = fmt.Errorf("idempotency key used for another booking: %w", ErrConflict)
)

// IsBookingConflict reports whether err is one of the booking conflicts.
func IsBookingConflict(err error) bool {
	return errors.Is(err, ErrOverlap) || errors.Is(err, ErrWeekFull) || errors.Is(err, ErrKeyReused)
}

// Limits on records.
const (
	MaxNoteLen           = 10_000
	MaxReflectionItemLen = 2_000
	MinRating, MaxRating = 1, 5
)

// Note is a consultant's private note on a booking. Only the consultant
// who held the session reads it. Body is sealed with the server's key, as
// stored: never the text.
type Note struct {
	BookingID    string
	ConsultantID string
	Body         string
	UpdatedAt    time.Time
}

// ReflectionItems are the questions of a member's reflection after a
// session, in order.
var ReflectionItems = []Theme{
	{"realised", Text{"話してみて気づいたこと", "What I realised by talking"}},
	{"next_step", Text{"次の一歩", "My next step"}},
	{"feeling", Text{"いまの気持ち", "How I feel now"}},
}

// ReflectionItem is the member's answer to one reflection question, with
// the member's own choice whether it may count, anonymised, in
// statistics.
type ReflectionItem struct {
	ID    string `json:"id"`
	Text  string `json:"text"`
	Share bool   `json:"share"`
}

// Reflection is a member's private record of a session. Only the member
// reads it; items they chose to share count in anonymised statistics and
// nowhere else. Body is the sealed form of Items, as stored.
type Reflection struct {
	BookingID string
	MemberID  string
	Items     []ReflectionItem
	Body      string
	// Rating is the member's rating of the session, 1–5, or 0 for none;
	// ShareRating lets it count in anonymised statistics.
	Rating      int
	ShareRating bool
	// Shared lists the IDs of items the member lets count, as stored in
	// the clear so that statistics need no key to choose what to read.
	Shared    []string
	UpdatedAt time.Time
}

// ValidateNote checks the text of a note.
func ValidateNote(text string) (string, error) {
	text = strings.TrimSpace(strings.ReplaceAll(text, "\r\n", "\n"))
	if n := utf8.RuneCountInString(text); n > MaxNoteLen {
		return "", Invalid("note", "consultation.text_too_long", MaxNoteLen)
	}
	if strings.ContainsFunc(text, func(r rune) bool { return r != '\n' && r != '\t' && isControl(r) }) {
		return "", Invalid("note", "error.control_characters")
	}
	return text, nil
}

// Validate checks the items and rating of r, cleans them and fills Shared.
func (r *Reflection) Validate() error {
	seen := map[string]bool{}
	var items []ReflectionItem
	for _, it := range r.Items {
		if !slices.ContainsFunc(ReflectionItems, func(t Theme) bool { return t.ID == it.ID }) || seen[it.ID] {
			return Invalid("items", "consultation.reflection_item_unknown")
		}
		seen[it.ID] = true
		text := strings.TrimSpace(strings.ReplaceAll(it.Text, "\r\n", "\n"))
		if utf8.RuneCountInString(text) > MaxReflectionItemLen {
			return Invalid(it.ID, "consultation.text_too_long", MaxReflectionItemLen)
		}
		if strings.ContainsFunc(text, func(r rune) bool { return r != '\n' && r != '\t' && isControl(r) }) {
			return Invalid(it.ID, "error.control_characters")
		}
		items = append(items, ReflectionItem{ID: it.ID, Text: text, Share: it.Share && text != ""})
	}
	if r.Rating != 0 && (r.Rating < MinRating || r.Rating > MaxRating) {
		return Invalid("rating", "consultation.rating_invalid", MinRating, MaxRating)
	}
	slices.SortFunc(items, func(a, b ReflectionItem) int {
		return slices.IndexFunc(ReflectionItems, func(t Theme) bool { return t.ID == a.ID }) -
			slices.IndexFunc(ReflectionItems, func(t Theme) bool { return t.ID == b.ID })
	})
	r.Items, r.Shared = items, nil
	for _, it := range items {
		if it.Share {
			r.Shared = append(r.Shared, it.ID)
		}
	}
	r.ShareRating = r.ShareRating && r.Rating != 0
	return nil
}

// SealedRecord is one sealed text of the consultation store, for
// re-sealing under a new key.
type SealedRecord struct {
	Kind      string // "note" or "reflection"
	BookingID string
	OwnerID   string // the consultant of a note, the member of a reflection
	Sealed    string
}

// ConsultationStore persists consultant profiles, availability, bookings
// and the records of sessions. It does no authorization; package
// consulting does. Notes and reflections arrive sealed and leave sealed.
type ConsultationStore interface {
	// SaveConsultant creates or updates the profile of c.AccountID. A
	// changed registration number clears the verification; the stored
	// verification is otherwise kept whatever c says. It returns
	// ErrConflict if another profile has the registration number, and
	// ErrNotFound if the account does not exist.
	SaveConsultant(ctx context.Context, c *Consultant) error
	// FindConsultant returns ErrNotFound if the account has no profile.
	FindConsultant(ctx context.Context, accountID string) (*Consultant, error)
	// FindConsultants returns matching profiles ordered by display name
	// and ID, and the number of matches ignoring Limit and Offset.
	FindConsultants(ctx context.Context, f ConsultantFilter) ([]*Consultant, int, error)
	// VerifyConsultant records that operatorID checked the registration
	// number at at, or, with at zero, withdraws the verification. It
	// returns ErrNotFound if there is no such profile.
	VerifyConsultant(ctx context.Context, accountID, operatorID string, at time.Time) error

	// SaveAvailability replaces the consultant's availability, in one
	// transaction; ErrNotFound if the consultant has no profile.
	SaveAvailability(ctx context.Context, av *Availability) error
	// FindAvailability returns the consultant's availability, or
	// DefaultAvailability if none was saved; ErrNotFound if the
	// consultant has no profile.
	FindAvailability(ctx context.Context, consultantID string) (*Availability, error)

	// CreateBooking stores b, setting its ID and CreatedAt if empty, and
	// the mails that announce it, in one transaction, and returns it. If
	// the member has a booking with b.IdempotencyKey already, it returns
	// that booking and stores nothing, or ErrKeyReused if that booking
	// is for another consultant or time. It returns ErrOverlap if an
	// active booking of the consultant overlaps [b.Start,
	// b.BlockedUntil), ErrWeekFull if the consultant has cap.Max active
	// bookings starting in the week already, and ErrNotFound if the
	// consultant has no profile. Under any concurrency, no two active
	// bookings of a consultant overlap.
	CreateBooking(ctx context.Context, b *Booking, cap WeekCap, mails []*Mail) (*Booking, error)
	// FindBooking returns ErrNotFound if there is no such booking.
	FindBooking(ctx context.Context, id string) (*Booking, error)
	// FindBookings returns matching bookings by start time.
	FindBookings(ctx context.Context, f BookingFilter) ([]*Booking, error)
	// ConfirmBooking confirms a pending booking and stores the mails, in
	// one transaction; ErrNotFound if it is not pending.
	ConfirmBooking(ctx context.Context, id string, at time.Time, mails []*Mail) error
	// CancelBooking cancels an active booking and stores the mails, in
	// one transaction; ErrNotFound if it is not active.
	CancelBooking(ctx context.Context, id string, c Cancellation, mails []*Mail) error
	// RescheduleBooking marks the active booking oldID rescheduled and
	// creates nb in its place, as CreateBooking does but without an
	// idempotency replay, in one transaction. The old booking's time is
	// free for nb.
	RescheduleBooking(ctx context.Context, oldID string, c Cancellation, nb *Booking, cap WeekCap, mails []*Mail) (*Booking, error)
	// SetMeetingURL changes the meeting link of an active booking.
	SetMeetingURL(ctx context.Context, id, meetingURL string) error
	// MarkReminded records that the reminder of an active booking was
	// written to the outbox, with the mails, in one transaction. It
	// returns ErrConflict if a reminder was recorded already.
	MarkReminded(ctx context.Context, id string, at time.Time, mails []*Mail) error

	// SaveNote creates or replaces the note of a booking, and sets the
	// booking's confirmed themes, in one transaction.
	SaveNote(ctx context.Context, n *Note, confirmedThemes []string) error
	// FindNote returns ErrNotFound if the booking has no note.
	FindNote(ctx context.Context, bookingID string) (*Note, error)
	// SaveReflection creates or replaces the reflection of a booking.
	SaveReflection(ctx context.Context, r *Reflection) error
	// FindReflection returns ErrNotFound if the booking has no reflection.
	FindReflection(ctx context.Context, bookingID string) (*Reflection, error)
	// Reseal calls fn with every note and reflection; if fn returns
	// a new sealed text, it replaces the old one unless the record
	// changed meanwhile. It returns how many were replaced.
	Reseal(ctx context.Context, fn func(SealedRecord) (string, error)) (int, error)
	// PurgeKeptNotes deletes the bookings whose member has left and
	// which ended before endedBefore, with the notes kept on them, and
	// returns how many it deleted.
	PurgeKeptNotes(ctx context.Context, endedBefore time.Time) (int, error)
}

// NoteRetentionYears is how long a consultant's note on a session is kept
// after the member deleted their account: until this many years after
// the session ended, sealed, readable by the consultant only and linked
// to no one. No statute sets a period for a キャリアコンサルタント's
// records; the note is the consultant's professional record, which they
// may need to answer for the session, and claims about a session, which
// the member knows of from the day it took place, lapse after five years
// (民法 166条1項1号). SECURITY.md explains.
const NoteRetentionYears = 5
