package tsunagari

import (
	"context"
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Role is what an account may do on the platform. An account holds one or
// more roles; every account that signs up is a member.
type Role string

const (
	RoleMember     Role = "member"
	RoleConsultant Role = "consultant"
	RoleOrganiser  Role = "organiser"
	RoleHRAdmin    Role = "hr_admin"
	RoleOperator   Role = "operator"
)

// Roles lists every role in display order.
var Roles = []Role{RoleMember, RoleConsultant, RoleOrganiser, RoleHRAdmin, RoleOperator}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// Privileged reports whether r reaches other people's data or the whole
// instance. Privileged sessions time out sooner.
func (r Role) Privileged() bool {
	return r == RoleConsultant || r == RoleHRAdmin || r == RoleOperator
}

// Limits on account fields, counted in runes.
const (
	MaxEmailLen    = 254
	MaxNameLen     = 100
	MinPasswordLen = 8
	MaxPasswordLen = 256
)

// Account is a person's sign-in and the attributes they give about
// themselves. The attributes feed matching and, through the disclosure
// package only, anonymised reports.
type Account struct {
	ID           string `json:"id"`
	Email        string `json:"email"`
	Name         string `json:"name"`
	PasswordHash string `json:"-"`
	Roles        []Role `json:"roles"`
	// Locale is "ja", "en", or "" to follow the browser.
	Locale string `json:"locale"`
	// TimeZone is an IANA name; "" means Asia/Tokyo.
	TimeZone       string `json:"timeZone"`
	JobFamily      string `json:"jobFamily,omitempty"`
	Industry       string `json:"industry,omitempty"`
	Prefecture     string `json:"prefecture,omitempty"`     // JIS X 0401 code, "01".."47"
	HomePrefecture string `json:"homePrefecture,omitempty"` // JIS X 0401 code
	AgeBand        string `json:"ageBand,omitempty"`        // "20s".."60s"
	// Employment is the account's current employer, if any.
	Employment        *Employment `json:"employment,omitempty"`
	CreatedAt         time.Time   `json:"createdAt"`
	PasswordChangedAt time.Time   `json:"-"`
	DisabledAt        *time.Time  `json:"-"`
}

// Has reports whether a holds role r.
func (a *Account) Has(r Role) bool { return a != nil && slices.Contains(a.Roles, r) }

// Privileged reports whether any of a's roles is privileged.
func (a *Account) Privileged() bool {
	return a != nil && slices.ContainsFunc(a.Roles, Role.Privileged)
}

// OrgID returns the ID of a's current employer, or "".
func (a *Account) OrgID() string {
	if a == nil || a.Employment == nil {
		return ""
	}
	return a.Employment.OrgID
}

// Location returns the time zone a wants times shown in.
func (a *Account) Location() *time.Location {
	if a != nil && a.TimeZone != "" {
		if loc, err := time.LoadLocation(a.TimeZone); err == nil {
			return loc
		}
	}
	return Tokyo
}

// Tokyo is the default time zone for display. Times are stored in UTC.
var Tokyo = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		return time.FixedZone("JST", 9*60*60)
	}
	return loc
}()

// NormalizeEmail trims and lower-cases an address so that one person has
// one account whatever case they type.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// ValidateEmail checks an already normalised address.
func ValidateEmail(field, email string) error {
	switch {
	case email == "":
		return Invalid(field, "account.email_required")
	case utf8.RuneCountInString(email) > MaxEmailLen:
		return Invalid(field, "account.email_too_long", MaxEmailLen)
	}
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Address != email || !strings.Contains(email[strings.LastIndexByte(email, '@'):], ".") {
		return Invalid(field, "account.email_invalid")
	}
	return nil
}

// ValidatePassword checks a new password. There are no composition rules:
// length is what matters, and pasting is allowed.
func ValidatePassword(field, pw string) error {
	n := utf8.RuneCountInString(pw)
	switch {
	case n < MinPasswordLen:
		return Invalid(field, "account.password_too_short", MinPasswordLen)
	case n > MaxPasswordLen:
		return Invalid(field, "account.password_too_long", MaxPasswordLen)
	}
	return nil
}

// Validate checks the fields a person sets on their own account.
func (a *Account) Validate() error {
	if err := ValidateEmail("email", a.Email); err != nil {
		return err
	}
	if err := validateName("name", a.Name); err != nil {
		return err
	}
	for _, r := range a.Roles {
		if !r.Valid() {
			return Invalid("roles", "account.role_invalid")
		}
	}
	switch {
	case a.Locale != "" && a.Locale != "ja" && a.Locale != "en":
		return Invalid("locale", "account.locale_invalid")
	case a.TimeZone != "" && !validTimeZone(a.TimeZone):
		return Invalid("timeZone", "account.time_zone_invalid")
	case a.Prefecture != "" && PrefectureByCode(a.Prefecture) == nil:
		return Invalid("prefecture", "account.prefecture_invalid")
	case a.HomePrefecture != "" && PrefectureByCode(a.HomePrefecture) == nil:
		return Invalid("homePrefecture", "account.prefecture_invalid")
	case a.AgeBand != "" && !slices.Contains(AgeBands, a.AgeBand):
		return Invalid("ageBand", "account.age_band_invalid")
	case a.JobFamily != "" && !slices.Contains(JobFamilies, a.JobFamily):
		return Invalid("jobFamily", "account.job_family_invalid")
	case a.Industry != "" && !slices.Contains(Industries, a.Industry):
		return Invalid("industry", "account.industry_invalid")
	}
	return nil
}

func validateName(field, name string) error {
	switch n := utf8.RuneCountInString(strings.TrimSpace(name)); {
	case n == 0:
		return Invalid(field, "account.name_required")
	case n > MaxNameLen:
		return Invalid(field, "account.name_too_long", MaxNameLen)
	}
	if strings.ContainsFunc(name, isControl) {
		return Invalid(field, "error.control_characters")
	}
	return nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

func validTimeZone(name string) bool {
	if name == "UTC" || name == "Local" {
		return name == "UTC"
	}
	_, err := time.LoadLocation(name)
	return err == nil && strings.Contains(name, "/")
}

// AccountFilter selects accounts. Zero fields do not filter.
type AccountFilter struct {
	OrgID  string // current employees of this org
	Role   Role
	Email  string
	Limit  int
	Offset int
}

// AccountUpdate changes the fields a person may edit on their own account.
// Nil fields are left alone.
type AccountUpdate struct {
	Name           *string
	Locale         *string
	TimeZone       *string
	JobFamily      *string
	Industry       *string
	Prefecture     *string
	HomePrefecture *string
	AgeBand        *string
}

// Apply copies the set fields of u onto a.
func (u AccountUpdate) Apply(a *Account) {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&a.Name, u.Name)
	set(&a.Locale, u.Locale)
	set(&a.TimeZone, u.TimeZone)
	set(&a.JobFamily, u.JobFamily)
	set(&a.Industry, u.Industry)
	set(&a.Prefecture, u.Prefecture)
	set(&a.HomePrefecture, u.HomePrefecture)
	set(&a.AgeBand, u.AgeBand)
}

// AccountStore persists accounts. Implementations do not check
// permissions; services do. Emails are stored as given (already normalised).
type AccountStore interface {
	// CreateAccount stores a with its roles and, if a.Employment is set,
	// its employment, in one transaction. It returns ErrConflict if the
	// email is taken.
	CreateAccount(ctx context.Context, a *Account) error
	// CreateAccounts stores many accounts in one transaction: all or none.
	CreateAccounts(ctx context.Context, as []*Account) error
	// FindAccountByID returns ErrNotFound if there is no such account.
	FindAccountByID(ctx context.Context, id string) (*Account, error)
	// FindAccountByEmail returns ErrNotFound if there is no such account.
	FindAccountByEmail(ctx context.Context, email string) (*Account, error)
	// FindAccounts returns matching accounts ordered by email, and the
	// number of matches ignoring Limit and Offset.
	FindAccounts(ctx context.Context, f AccountFilter) ([]*Account, int, error)
	// UpdateAccount applies upd and returns the updated account.
	UpdateAccount(ctx context.Context, id string, upd AccountUpdate) (*Account, error)
	// SetPassword replaces the password hash, records when, and deletes
	// every session, API token and unused password reset of the account, in
	// one transaction.
	SetPassword(ctx context.Context, id, hash string, at time.Time) error
	// SetRoles replaces the account's roles.
	SetRoles(ctx context.Context, id string, roles []Role) error
}

// Session is a signed-in browser or API login. The token itself is never
// stored: TokenHash is its SHA-256.
type Session struct {
	TokenHash  string
	AccountID  string
	CreatedAt  time.Time
	LastSeenAt time.Time
	// ExpiresAt is the absolute limit; idle expiry is LastSeenAt + IdleTimeout.
	ExpiresAt   time.Time
	IdleTimeout time.Duration
	UserAgent   string
	IP          string
	// MFAPending marks a sign-in whose password was right but whose
	// second step is still to come. Such a session reaches nothing but
	// the second step.
	MFAPending bool
}

// Expired reports whether s is no longer valid at now.
func (s *Session) Expired(now time.Time) bool {
	return !now.Before(s.ExpiresAt) || !now.Before(s.LastSeenAt.Add(s.IdleTimeout))
}

// APIToken is a personal token for scripts calling /api/v1.
type APIToken struct {
	ID         string     `json:"id"`
	AccountID  string     `json:"-"`
	Name       string     `json:"name"`
	TokenHash  string     `json:"-"`
	CreatedAt  time.Time  `json:"createdAt"`
	LastUsedAt *time.Time `json:"lastUsedAt,omitempty"`
	ExpiresAt  time.Time  `json:"expiresAt"`
}

// MaxTokenNameLen limits APIToken.Name, in runes.
const MaxTokenNameLen = 60

// PasswordReset is a single-use emailed token that lets a person set a new
// password.
type PasswordReset struct {
	TokenHash string
	AccountID string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// SessionStore persists sessions, API tokens and password resets.
type SessionStore interface {
	CreateSession(ctx context.Context, s *Session) error
	// FindSession returns ErrNotFound if there is no such session.
	FindSession(ctx context.Context, tokenHash string) (*Session, error)
	// TouchSession records activity on a session.
	TouchSession(ctx context.Context, tokenHash string, at time.Time) error
	DeleteSession(ctx context.Context, tokenHash string) error
	// DeleteSessions deletes every session of an account.
	DeleteSessions(ctx context.Context, accountID string) error
	// DeleteExpiredSessions deletes sessions past their absolute expiry or
	// idle timeout at now and reports how many.
	DeleteExpiredSessions(ctx context.Context, now time.Time) (int, error)

	CreateAPIToken(ctx context.Context, t *APIToken) error
	// FindAPIToken returns ErrNotFound if there is no such token.
	FindAPIToken(ctx context.Context, tokenHash string) (*APIToken, error)
	FindAPITokens(ctx context.Context, accountID string) ([]*APIToken, error)
	TouchAPIToken(ctx context.Context, id string, at time.Time) error
	// DeleteAPIToken deletes the account's token; ErrNotFound if the
	// account has no token with that ID.
	DeleteAPIToken(ctx context.Context, accountID, id string) error

	// CreatePasswordReset stores r and the mail that carries its token in
	// one transaction.
	CreatePasswordReset(ctx context.Context, r *PasswordReset, m *Mail) error
	// ResetPassword consumes a reset token that is unused and unexpired at
	// now, sets the account's password hash, and deletes all of the
	// account's sessions, API tokens and other reset tokens, in one
	// transaction. It returns the account ID, or ErrNotFound if the token is
	// unknown, used or expired.
	ResetPassword(ctx context.Context, tokenHash, passwordHash string, now time.Time) (string, error)
}
