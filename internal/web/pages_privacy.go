package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"tsunagari"
	"tsunagari/internal/i18n"
	"tsunagari/internal/privacy"
)

// A person's own data: the copy of everything tsunagari holds about them,
// as a page and as a JSON download, and the deletion of their account.

// personalFields are the fields of personal records that have a label,
// as "personal.field.<name>"; others are shown by their name.
var personalFields = []string{
	"id", "email", "name", "locale", "timeZone", "jobFamily", "industry", "prefecture", "homePrefecture",
	"ageBand", "createdAt", "passwordChangedAt", "disabledAt", "role", "orgId", "orgName", "departmentId",
	"departmentName", "startedAt", "endedAt", "lastSeenAt", "expiresAt", "userAgent", "ip", "lastUsedAt",
	"usedAt", "confirmedAt", "acceptedAt", "roundId", "instrumentId", "instrumentVersion", "submittedAt",
	"answers", "scores", "mode", "opensAt", "closesAt", "kind", "subject", "sentAt", "seq", "at", "action",
	"outcome", "targetType", "targetId", "detail",
	"displayName", "registrationNumber", "verifiedAt", "yearsOfPractice", "industries", "jobFamilies", "gender",
	"themes", "values", "message", "languages", "online", "inPerson", "area", "feeYen", "employerPaid", "autoAccept",
	"meetingUrl", "updatedAt", "sessionMinutes", "bufferMinutes", "weeklyMax", "closedOnHolidays", "weekly",
	"exceptions", "bookingId", "consultantId", "consultantName", "startsAt", "endsAt", "status", "confirmedThemes",
	"cancelledAt", "lateCancel", "rescheduledFrom", "rescheduledTo", "consultantNote", "items", "rating",
	"shareRating", "shared", "text",
}

type personalField struct{ Label, Value string }

type personalSection struct {
	Kind    string // for the section's id
	Title   string
	Records [][]personalField
}

type personalPage struct {
	ExportedAt time.Time
	Sections   []personalSection
}

// personalView lays a copy out for reading: one section per kind, in the
// order of tsunagari.PersonalKinds, then any other kind.
func personalView(x *tsunagari.PersonalExport, p i18n.Printer, loc *time.Location) personalPage {
	kinds := slices.Clone(tsunagari.PersonalKinds)
	for k := range x.Records {
		if !slices.Contains(kinds, k) {
			kinds = append(kinds, k)
		}
	}
	page := personalPage{ExportedAt: x.ExportedAt}
	for _, kind := range kinds {
		recs := x.Records[kind]
		if len(recs) == 0 {
			continue
		}
		title := "personal.kind." + kind
		sec := personalSection{Kind: kind, Title: p.T(title)}
		for _, fields := range recs {
			var names []string
			for _, f := range personalFields {
				if _, ok := fields[f]; ok {
					names = append(names, f)
				}
			}
			var extra []string
			for name := range fields {
				if !slices.Contains(personalFields, name) {
					extra = append(extra, name)
				}
			}
			slices.Sort(extra)
			var rec []personalField
			for _, name := range append(names, extra...) {
				label := name
				if slices.Contains(personalFields, name) {
					key := "personal.field." + name
					label = p.T(key)
				}
				rec = append(rec, personalField{Label: label, Value: personalValue(p, loc, name, fields[name])})
			}
			sec.Records = append(sec.Records, rec)
		}
		page.Sections = append(page.Sections, sec)
	}
	return page
}

// personalValue writes one value for reading.
func personalValue(p i18n.Printer, loc *time.Location, name string, v any) string {
	switch v := v.(type) {
	case time.Time:
		return p.DateTime(v, loc)
	case string:
		// Vocabulary is shown in words, as the settings page shows it.
		var key string
		switch {
		case name == "role" && tsunagari.Role(v).Valid():
			key = "role." + v
		case name == "action" && slices.Contains(tsunagari.AuditActions, v):
			key = "audit.action." + v
		case name == "mode" && tsunagari.PrivacyMode(v).Valid():
			key = "survey.mode." + v
		case name == "status" && slices.Contains([]tsunagari.BookingStatus{tsunagari.BookingPending, tsunagari.BookingConfirmed,
			tsunagari.BookingCancelled, tsunagari.BookingRescheduled}, tsunagari.BookingStatus(v)):
			key = "consultation.status." + v
		case name == "jobFamily" && slices.Contains(tsunagari.JobFamilies, v):
			key = "job_family." + v
		case name == "industry" && slices.Contains(tsunagari.Industries, v):
			key = "industry." + v
		case name == "ageBand" && slices.Contains(tsunagari.AgeBands, v):
			key = "age_band." + v
		case name == "prefecture" || name == "homePrefecture":
			if pref := tsunagari.PrefectureByCode(v); pref != nil {
				if p.Lang == "en" {
					return pref.En
				}
				return pref.Name
			}
		}
		if key != "" {
			return p.T(key)
		}
		return v
	case nil:
		return ""
	case bool:
		if v {
			return p.T("personal.value.yes")
		}
		return p.T("personal.value.no")
	case int64, int, float64:
		return fmt.Sprint(v)
	case []tsunagari.ReflectionItem:
		// A reflection reads as its questions and answers.
		var b strings.Builder
		for _, it := range v {
			for _, q := range tsunagari.ReflectionItems {
				if q.ID == it.ID {
					fmt.Fprintf(&b, "%s: ", q.Label.In(p.Lang))
				}
			}
			b.WriteString(it.Text)
			if it.Share {
				b.WriteString(" (" + p.T("booking.share_item") + ")")
			}
			b.WriteString("\n")
		}
		return strings.TrimSuffix(b.String(), "\n")
	case []any:
		if name == "themes" || name == "confirmedThemes" {
			var labels []string
			for _, id := range v {
				if t := tsunagari.ThemeByID(fmt.Sprint(id)); t != nil {
					labels = append(labels, t.Label.In(p.Lang))
				}
			}
			return strings.Join(labels, "、")
		}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func (s *Server) myData(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	x, err := s.Privacy.Export(r.Context(), a)
	if err != nil {
		return err
	}
	return s.render(w, r, a, http.StatusOK, "personal_data", "personal.title", personalView(x, s.printer(r, a), a.Location()))
}

// writeCopy sends a copy as a JSON file to keep.
func writeCopy(w http.ResponseWriter, x *tsunagari.PersonalExport) error {
	name := "tsunagari-data-" + x.ExportedAt.Format("20060102") + ".json"
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	b, err := json.MarshalIndent(x, "", "  ")
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(append(b, '\n'))
	return nil
}

func (s *Server) myDataJSON(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	x, err := s.Privacy.Export(r.Context(), a)
	if err != nil {
		return err
	}
	return writeCopy(w, x)
}

type deleteAccountPage struct {
	Form *form
	// Operator is set for operators, who are told that the instance
	// keeps at least one.
	Operator bool
	// Consultant is set for consultants, who are told what becomes of
	// their profile, notes and clients' bookings.
	Consultant bool
	// Notices is how many people would be told by mail that a session
	// with the person is cancelled.
	Notices int
	// RetentionYears is how long a consultant keeps a note on a past
	// session of the person.
	RetentionYears int
}

func (s *Server) deleteAccountPage(w http.ResponseWriter, r *http.Request, a *tsunagari.Account, status int, f *form) error {
	if f == nil {
		f = &form{Values: url.Values{}, Fields: map[string]string{}}
	}
	notices, err := s.Privacy.Notices(r.Context(), a)
	if err != nil {
		return err
	}
	return s.render(w, r, a, status, "delete_account", "delete.title",
		deleteAccountPage{Form: f, Operator: a.Has(tsunagari.RoleOperator), Consultant: a.Has(tsunagari.RoleConsultant),
			Notices: len(notices), RetentionYears: tsunagari.NoteRetentionYears})
}

func (s *Server) deleteAccountForm(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	return s.deleteAccountPage(w, r, a, http.StatusOK, nil)
}

func (s *Server) deleteAccount(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	in := privacy.Erasure{Password: r.PostForm.Get("password"), Confirm: r.PostForm.Get("confirm") == "yes"}
	if err := s.Privacy.Erase(r.Context(), a, in, client(r)); err != nil {
		f, status, err := s.formError(r, a, err)
		if err != nil {
			return err
		}
		return s.deleteAccountPage(w, r, a, status, f)
	}
	s.clearSessionCookie(w)
	// The page after this one speaks as nobody: the account is gone.
	return s.redirect(w, r, "/", "flash.account_deleted")
}

// JSON API.

func (s *Server) apiMyData(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	x, err := s.Privacy.Export(r.Context(), a)
	if err != nil {
		return err
	}
	return writeCopy(w, x)
}

type deleteMeRequest struct {
	Password string `json:"password"`
	Confirm  bool   `json:"confirm"`
}

func (s *Server) apiDeleteMe(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := requireAccount(a); err != nil {
		return err
	}
	var req deleteMeRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if err := s.Privacy.Erase(r.Context(), a, privacy.Erasure{Password: req.Password, Confirm: req.Confirm}, client(r)); err != nil {
		return err
	}
	if s.sessionToken(r) != "" {
		s.clearSessionCookie(w)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
