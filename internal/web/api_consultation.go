package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"tsunagari"
	"tsunagari/internal/consulting"
)

// consultantJSON is a consultant's public profile. The registration
// number stays with the consultant and the operator; "verified" says
// that the operator checked it.
type consultantJSON struct {
	ID              string            `json:"id"`
	DisplayName     string            `json:"displayName"`
	Verified        bool              `json:"verified"`
	YearsOfPractice int               `json:"yearsOfPractice"`
	Industries      []string          `json:"industries"`
	JobFamilies     []string          `json:"jobFamilies"`
	AgeBand         string            `json:"ageBand"`
	Gender          string            `json:"gender"`
	Themes          []string          `json:"themes"`
	Values          []tsunagari.Score `json:"values"`
	Message         string            `json:"message"`
	Languages       []string          `json:"languages"`
	Online          bool              `json:"online"`
	InPerson        bool              `json:"inPerson"`
	Area            string            `json:"area"`
	FeeYen          int               `json:"feeYen"`
	EmployerPaid    bool              `json:"employerPaid"`
}

func consultantOf(c *tsunagari.Consultant) consultantJSON {
	return consultantJSON{ID: c.AccountID, DisplayName: c.DisplayName, Verified: c.Verified(), YearsOfPractice: c.YearsOfPractice,
		Industries: nonNil(c.Industries), JobFamilies: nonNil(c.JobFamilies), AgeBand: c.AgeBand, Gender: c.Gender,
		Themes: nonNil(c.Themes), Values: nonNil(c.Values), Message: c.Message, Languages: nonNil(c.Languages), Online: c.Online,
		InPerson: c.InPerson, Area: c.Area, FeeYen: c.FeeYen, EmployerPaid: c.EmployerPaid}
}

// bookingJSON is a booking as one of its sides sees it. The member's name
// is given to the consultant only.
type bookingJSON struct {
	ID              string                  `json:"id"`
	ConsultantID    string                  `json:"consultantId,omitempty"` // "" once the consultant left
	ConsultantName  string                  `json:"consultantName"`
	MemberName      string                  `json:"memberName,omitempty"`
	ConsultantLeft  bool                    `json:"consultantLeft,omitempty"`
	MemberLeft      bool                    `json:"memberLeft,omitempty"`
	Role            string                  `json:"role"` // "member" or "consultant": the viewer's side
	Status          tsunagari.BookingStatus `json:"status"`
	Start           time.Time               `json:"start"`
	End             time.Time               `json:"end"`
	Themes          []string                `json:"themes"`
	ConfirmedThemes []string                `json:"confirmedThemes"`
	MeetingURL      string                  `json:"meetingUrl"`
	LateCancel      bool                    `json:"lateCancel"`
	RescheduledFrom string                  `json:"rescheduledFrom,omitempty"`
	RescheduledTo   string                  `json:"rescheduledTo,omitempty"`
	CreatedAt       time.Time               `json:"createdAt"`
}

func bookingOf(v *consulting.View) bookingJSON {
	b := bookingJSON{ID: v.ID, ConsultantID: v.ConsultantID, ConsultantName: v.Consultant.DisplayName, Role: "member",
		Status: v.Status, Start: v.Start, End: v.End, Themes: nonNil(v.Themes), ConfirmedThemes: nonNil(v.ConfirmedThemes),
		MeetingURL: v.MeetingURL, LateCancel: v.LateCancel, RescheduledFrom: v.RescheduledFrom,
		RescheduledTo: v.RescheduledTo, CreatedAt: v.CreatedAt, ConsultantLeft: v.ConsultantLeft}
	if v.AsConsultant {
		b.Role, b.MemberName, b.MemberLeft = "consultant", v.MemberName, v.MemberLeft
	}
	return b
}

func (s *Server) apiConsultants(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	q := r.URL.Query()
	limit, offset := 50, 0
	if v := q.Get("limit"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n >= 1 && n <= 200 {
			limit = n
		} else {
			return tsunagari.Invalid("limit", "consultation.limit_invalid")
		}
	}
	if v := q.Get("offset"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n >= 0 {
			offset = n
		} else {
			return tsunagari.Invalid("offset", "consultation.limit_invalid")
		}
	}
	cs, _, err := s.Consulting.Consultants(r.Context(), a, q.Get("theme"), limit, offset)
	if err != nil {
		return err
	}
	out := make([]consultantJSON, len(cs))
	for i, c := range cs {
		out[i] = consultantOf(c)
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiConsultant(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	c, err := s.Consulting.Consultant(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, consultantOf(c))
}

// apiSlots lists free slots in [from, to), by default the next four
// weeks.
func (s *Server) apiSlots(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	now := time.Now()
	from, to := now, now.AddDate(0, 0, 7*slotWeeks)
	q := r.URL.Query()
	var err error
	if v := q.Get("from"); v != "" {
		if from, err = parseSlot("from", v); err != nil {
			return err
		}
	}
	if v := q.Get("to"); v != "" {
		if to, err = parseSlot("to", v); err != nil {
			return err
		}
	}
	slots, err := s.Consulting.Slots(r.Context(), a, r.PathValue("id"), from, to)
	if err != nil {
		return err
	}
	if slots == nil {
		slots = []tsunagari.Slot{}
	}
	return writeJSON(w, http.StatusOK, slots)
}

func (s *Server) apiBookings(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	var (
		views []*consulting.View
		err   error
	)
	switch r.URL.Query().Get("as") {
	case "", "member":
		views, err = s.Consulting.MyBookings(r.Context(), a)
	case "consultant":
		now := time.Now()
		views, err = s.Consulting.Schedule(r.Context(), a, now.AddDate(-1, 0, 0), now.Add(tsunagari.BookingHorizon))
	default:
		return tsunagari.Invalid("as", "consultation.as_invalid")
	}
	if err != nil {
		return err
	}
	out := make([]bookingJSON, len(views))
	for i, v := range views {
		out[i] = bookingOf(v)
	}
	return writeJSON(w, http.StatusOK, out)
}

type bookingRequest struct {
	ConsultantID   string   `json:"consultantId"`
	Start          string   `json:"start"`
	Themes         []string `json:"themes"`
	IdempotencyKey string   `json:"idempotencyKey,omitempty"`
}

// apiCreateBooking books a slot. The idempotency key comes in the
// Idempotency-Key header or the body; a retry with the same key answers
// 200 with the booking the first request made.
func (s *Server) apiCreateBooking(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := requireAccount(a); err != nil {
		return err
	}
	var in bookingRequest
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	key := strings.TrimSpace(r.Header.Get("Idempotency-Key"))
	if key == "" {
		key = in.IdempotencyKey
	}
	if key != "" && !tsunagari.ValidIdempotencyKey(key) {
		return tsunagari.Invalid("idempotencyKey", "consultation.idempotency_key_invalid", tsunagari.MinIdempotencyKeyLen, tsunagari.MaxIdempotencyKeyLen)
	}
	start, err := parseSlot("start", in.Start)
	if err != nil {
		return err
	}
	b, made, err := s.Consulting.Book(r.Context(), a, consulting.BookingRequest{ConsultantID: in.ConsultantID, Start: start,
		Themes: in.Themes, IdempotencyKey: key})
	if err != nil {
		return err
	}
	v, err := s.Consulting.Booking(r.Context(), a, b.ID)
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if !made {
		status = http.StatusOK
	}
	w.Header().Set("Location", "/api/v1/bookings/"+b.ID)
	return writeJSON(w, status, bookingOf(v))
}

func (s *Server) apiBooking(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	v, err := s.Consulting.Booking(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, bookingOf(v))
}

// writeBooking answers with the booking id as the actor now sees it.
func (s *Server) writeBooking(w http.ResponseWriter, r *http.Request, a *tsunagari.Account, id string) error {
	v, err := s.Consulting.Booking(r.Context(), a, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, bookingOf(v))
}

func (s *Server) apiCancelBooking(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if _, err := s.Consulting.Cancel(r.Context(), a, r.PathValue("id")); err != nil {
		return err
	}
	return s.writeBooking(w, r, a, r.PathValue("id"))
}

func (s *Server) apiConfirmBooking(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := s.Consulting.Confirm(r.Context(), a, r.PathValue("id")); err != nil {
		return err
	}
	return s.writeBooking(w, r, a, r.PathValue("id"))
}

type rescheduleRequest struct {
	Start string `json:"start"`
}

func (s *Server) apiRescheduleBooking(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := requireAccount(a); err != nil {
		return err
	}
	var in rescheduleRequest
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	start, err := parseSlot("start", in.Start)
	if err != nil {
		return err
	}
	b, err := s.Consulting.Reschedule(r.Context(), a, r.PathValue("id"), start)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/bookings/"+b.ID)
	v, err := s.Consulting.Booking(r.Context(), a, b.ID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, bookingOf(v))
}

type noteRequest struct {
	Text            string   `json:"text"`
	ConfirmedThemes []string `json:"confirmedThemes"`
}

func (s *Server) apiNote(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	n, err := s.Consulting.Note(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, n)
}

func (s *Server) apiWriteNote(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := requireAccount(a); err != nil {
		return err
	}
	var in noteRequest
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if err := s.Consulting.WriteNote(r.Context(), a, r.PathValue("id"), in.Text, in.ConfirmedThemes); err != nil {
		return err
	}
	return s.apiNote(w, r, a)
}

// reflectionJSON is a member's own reflection.
type reflectionJSON struct {
	Items       []tsunagari.ReflectionItem `json:"items"`
	Rating      int                        `json:"rating"`
	ShareRating bool                       `json:"shareRating"`
	UpdatedAt   *time.Time                 `json:"updatedAt,omitempty"`
}

func reflectionOf(rf *tsunagari.Reflection) reflectionJSON {
	out := reflectionJSON{Items: rf.Items, Rating: rf.Rating, ShareRating: rf.ShareRating}
	if out.Items == nil {
		out.Items = []tsunagari.ReflectionItem{}
	}
	if !rf.UpdatedAt.IsZero() {
		out.UpdatedAt = &rf.UpdatedAt
	}
	return out
}

func (s *Server) apiReflection(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	rf, err := s.Consulting.Reflection(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, reflectionOf(rf))
}

type reflectionRequest struct {
	Items       []tsunagari.ReflectionItem `json:"items"`
	Rating      int                        `json:"rating"`
	ShareRating bool                       `json:"shareRating"`
}

func (s *Server) apiWriteReflection(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := requireAccount(a); err != nil {
		return err
	}
	var in reflectionRequest
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	rf := &tsunagari.Reflection{Items: in.Items, Rating: in.Rating, ShareRating: in.ShareRating}
	if err := s.Consulting.WriteReflection(r.Context(), a, r.PathValue("id"), rf); err != nil {
		return err
	}
	return s.apiReflection(w, r, a)
}
