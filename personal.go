package tsunagari

import (
	"context"
	"reflect"
	"time"
)

// Personal data rights (APPI 開示・利用停止・消去). A person may download
// everything tsunagari holds about them and delete their account. Both go
// through one interface that every store keeping data about accounts
// implements, so that a new store takes part by implementing it, and the
// contract tests in internal/storetest fail for a store that keeps rows
// about an account after erasure.

// PersonalRecord is one thing tsunagari holds about a person, as it goes
// into their copy of their data.
type PersonalRecord struct {
	// Kind names what the record is, such as "account" or "session"; the
	// UI labels it "personal.kind.<kind>". PersonalKinds lists them.
	Kind string `json:"kind"`
	// Fields are the record's values by name. Times are UTC.
	Fields map[string]any `json:"fields"`
}

// Kinds of personal record.
const (
	PersonalAccount        = "account"         // the account and its profile
	PersonalRole           = "role"            // a role the account holds
	PersonalEmployment     = "employment"      // current and past employment
	PersonalSession        = "session"         // a signed-in browser
	PersonalAPIToken       = "api_token"       // a personal API token (never the token)
	PersonalPasswordReset  = "password_reset"  // a password reset link sent (never the link)
	PersonalAuthenticator  = "authenticator"   // two-step sign-in (never the secret)
	PersonalRecoveryCode   = "recovery_code"   // a recovery code (never the code)
	PersonalInvitation     = "invitation"      // an invitation to the person's address
	PersonalInvitationSent = "invitation_sent" // an invitation the person sent as HR
	PersonalRoundSent      = "round_sent"      // a survey round the person sent
	PersonalResponse       = "survey_response" // personal answers, with their scores
	PersonalParticipation  = "participation"   // taking part in an attributed or anonymous round
	PersonalMail           = "mail"            // a message to the person's address
	PersonalAuditEvent     = "audit_event"     // an audit entry the person caused or that concerns them

	PersonalMembership     = "community_membership" // a place in a community, organising it included
	PersonalTraitRating    = "community_rating"     // a rating of a community's traits
	PersonalRSVP           = "event_rsvp"           // a request for a seat at an event
	PersonalCalendarFeed   = "calendar_feed"        // a calendar feed (never its address)
	PersonalEventCreated   = "event_created"        // an event the person created for a community
	PersonalProjectCreated = "project_created"      // a pro-bono project the person created
	PersonalApplication    = "probono_application"  // an application to a pro-bono project
	PersonalIdea           = "idea"                 // an idea or concern the person posted
	PersonalIdeaSupport    = "idea_support"         // the person's "me too" for an idea, with the role offered
)

// Kinds of personal record of surveys authored and of consultation.
const (
	PersonalInstrument   = "instrument_authored"     // a survey instrument the person wrote as HR
	PersonalConsultant   = "consultant_profile"      // the person's profile and hours as a consultant
	PersonalBooking      = "booking"                 // a consultation the person booked
	PersonalReflection   = "consultation_reflection" // the person's own reflection on a consultation
	PersonalConsultation = "consultation_held"       // a consultation the person held as its consultant
	PersonalNote         = "consultation_note"       // the person's note, as consultant, on a consultation
)

// Kinds of personal record of recommendations, the shortlist, the career
// inventory and employers' programmes.
const (
	PersonalRecommendPrefs   = "recommend_preferences"  // the person's wish and the filters of their recommendations
	PersonalCommunityMark    = "community_mark"         // a community the person saved or set aside
	PersonalConsultantMark   = "consultant_mark"        // a consultant the person bookmarked or set aside
	PersonalInventory        = "career_inventory"       // the person's career inventory
	PersonalInventorySaved   = "career_inventory_saved" // a time the person saved their inventory
	PersonalInventoryShare   = "inventory_share"        // a consultation the person shared their inventory with
	PersonalEnrolment        = "programme_enrolment"    // an employer's programme the person enrolled in
	PersonalProgrammeCreated = "programme_created"      // a programme the person created as HR
)

// PersonalKinds lists every kind in the order a copy shows them.
var PersonalKinds = []string{
	PersonalAccount, PersonalRole, PersonalEmployment, PersonalResponse, PersonalParticipation,
	PersonalInvitation, PersonalInvitationSent, PersonalRoundSent, PersonalSession, PersonalAPIToken,
	PersonalPasswordReset, PersonalAuthenticator, PersonalRecoveryCode, PersonalMail, PersonalAuditEvent,
	PersonalInstrument, PersonalConsultant, PersonalBooking, PersonalReflection, PersonalConsultation, PersonalNote,
	PersonalMembership, PersonalTraitRating, PersonalRSVP, PersonalCalendarFeed, PersonalEventCreated,
	PersonalProjectCreated, PersonalApplication, PersonalIdea, PersonalIdeaSupport, PersonalRecommendPrefs, PersonalCommunityMark,
	PersonalConsultantMark, PersonalInventory, PersonalInventorySaved, PersonalInventoryShare,
	PersonalEnrolment, PersonalProgrammeCreated,
}

// PersonalData is implemented by every store that keeps data about
// accounts, and by Stores.Personal, which runs every store's part at once.
//
// Erasure removes what identifies the person or was said by them. What a
// store keeps after it must not lead back to the person: anonymous and
// attributed answers (never linked to anyone), published aggregates, the
// audit trail, whose entries name the account by its random ID only and
// are kept as the security record the law expects, and a consultant's
// sealed note on a session the person had, unlinked from them and kept
// for the consultant until NoteRetentionYears after the session (see
// SECURITY.md).
type PersonalData interface {
	// ExportPersonalData returns everything the store holds about the
	// account, for the person's own copy. Secrets are left out: that a
	// password, a token or an authenticator exists is said, never its
	// value or hash. Unknown accounts have no records.
	ExportPersonalData(ctx context.Context, accountID string) ([]PersonalRecord, error)
	// ErasePersonalData erases what the store holds about the account, in
	// one transaction of its own. Erasing what is not there is no error.
	// Stores.Personal erases every store's part in one transaction, the
	// account itself last, and returns ErrNotFound for an unknown account.
	ErasePersonalData(ctx context.Context, accountID string) error
}

// PersonalStore is Stores.Personal: every store's part at once.
type PersonalStore interface {
	PersonalData
	// EraseAccount erases as ErasePersonalData does and, in the same
	// transaction, stores mails that tell other people what ends with the
	// account: the other side of each upcoming consultation. The mails
	// must not name the person.
	EraseAccount(ctx context.Context, accountID string, mails []*Mail) error
}

// Sealed is a value a store holds sealed with the server's key, such as a
// note or a reflection: the store cannot read it and puts it into a
// record as it is. The service that holds the key opens it before the
// copy reaches the person (privacy.Part), and a copy that still holds a
// Sealed value is refused. Its JSON never shows the ciphertext.
type Sealed string

// MarshalJSON writes a placeholder instead of the ciphertext.
func (Sealed) MarshalJSON() ([]byte, error) { return []byte(`"(sealed)"`), nil }

// PersonalExport is a person's copy of their data: what they download as
// JSON and read as a page.
type PersonalExport struct {
	Format     string    `json:"format"`
	AccountID  string    `json:"accountId"`
	ExportedAt time.Time `json:"exportedAt"`
	// Records holds the records by kind, each kind in the order of
	// PersonalKinds, and kinds with no records left out.
	Records map[string][]map[string]any `json:"records"`
}

// PersonalExportFormat names the format of PersonalExport.
const PersonalExportFormat = "tsunagari-personal-data/1"

// NewPersonalExport groups records by kind.
func NewPersonalExport(accountID string, at time.Time, records []PersonalRecord) *PersonalExport {
	x := &PersonalExport{Format: PersonalExportFormat, AccountID: accountID, ExportedAt: at.UTC(),
		Records: map[string][]map[string]any{}}
	for _, r := range records {
		x.Records[r.Kind] = append(x.Records[r.Kind], r.Fields)
	}
	return x
}

// All returns every store of s, Personal included, by field name, for
// code that must treat each store alike.
func (s Stores) All() map[string]any {
	out := map[string]any{}
	v := reflect.ValueOf(s)
	for i := range v.NumField() {
		f := v.Field(i)
		if (f.Kind() == reflect.Interface || f.Kind() == reflect.Pointer) && f.IsNil() {
			continue
		}
		out[v.Type().Field(i).Name] = f.Interface()
	}
	return out
}
