package tsunagari

import (
	"context"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// A third community (第3のコミュニティ) is a group outside family and
// workplace where a working person finds people like them and a shared
// purpose. tsunagari lists six kinds of them, lets members take part at the
// depth they choose and leave at once, and shows both what organisers
// declare and what members say about the five traits of a good one.

// CommunityKind is one of the six forms of career mutual aid.
type CommunityKind string

const (
	CommunityOccupational    CommunityKind = "occupational"     // 職業コミュニティ
	CommunityCorporateAlumni CommunityKind = "corporate_alumni" // 企業アルムナイ
	CommunityRegionalAlumni  CommunityKind = "regional_alumni"  // 地域アルムナイ / 県人会
	CommunityUnion           CommunityKind = "union"            // 労働組合
	CommunityNPO             CommunityKind = "npo"              // NPO, pro-bono
	CommunityWorkerCoop      CommunityKind = "worker_coop"      // 協同労働
)

// CommunityKinds lists the kinds in display order. Labels live in the i18n
// catalogues as "community.kind.<id>".
var CommunityKinds = []CommunityKind{
	CommunityOccupational, CommunityCorporateAlumni, CommunityRegionalAlumni,
	CommunityUnion, CommunityNPO, CommunityWorkerCoop,
}

// Valid reports whether k is a known kind.
func (k CommunityKind) Valid() bool { return slices.Contains(CommunityKinds, k) }

// Involvement is how deeply a member takes part (かかわり方の濃淡). A
// member chooses it and can change it at any time.
type Involvement string

const (
	InvolvementObserver Involvement = "observer" // 見学: looking, listening
	InvolvementRegular  Involvement = "regular"  // 参加: taking part
	InvolvementCore     Involvement = "core"     // 運営: helping run it
)

// Involvements lists the levels from lightest to deepest.
var Involvements = []Involvement{InvolvementObserver, InvolvementRegular, InvolvementCore}

// Valid reports whether v is a known level.
func (v Involvement) Valid() bool { return slices.Contains(Involvements, v) }

// Trait is one of the five traits of a good third community.
type Trait string

const (
	TraitMemberRun         Trait = "member_run"         // members help run it, by choice
	TraitPurposeFit        Trait = "purpose_fit"        // members share its purpose
	TraitFlexibleIntensity Trait = "flexible_intensity" // you choose how deeply to take part
	TraitFreeExit          Trait = "free_exit"          // no loyalty demanded; leave freely
	TraitNewcomerSupport   Trait = "newcomer_support"   // newcomers are helped, as equals
)

// Traits lists the five traits in display order.
var Traits = []Trait{TraitMemberRun, TraitPurposeFit, TraitFlexibleIntensity, TraitFreeExit, TraitNewcomerSupport}

// Valid reports whether t is a known trait.
func (t Trait) Valid() bool { return slices.Contains(Traits, t) }

// ActivityStyle is how a community meets.
type ActivityStyle string

const (
	StyleStudySessions ActivityStyle = "study_sessions" // 勉強会
	StyleOnlineGroup   ActivityStyle = "online_group"   // an SNS or chat group
	StyleEvents        ActivityStyle = "events"         // gatherings, cafés, meet-ups
	StyleProjects      ActivityStyle = "projects"       // pro-bono or joint work
)

// ActivityStyles lists the styles in display order.
var ActivityStyles = []ActivityStyle{StyleStudySessions, StyleOnlineGroup, StyleEvents, StyleProjects}

// Valid reports whether s is a known style.
func (s ActivityStyle) Valid() bool { return slices.Contains(ActivityStyles, s) }

// JoinPolicy says whether joining takes effect at once or waits for an
// organiser. Leaving never waits.
type JoinPolicy string

const (
	JoinOpen     JoinPolicy = "open"
	JoinApproval JoinPolicy = "approval"
)

// Valid reports whether p is a known policy.
func (p JoinPolicy) Valid() bool { return p == JoinOpen || p == JoinApproval }

// Limits on community fields. Lengths are counted in runes.
const (
	MaxCommunityNameLen   = 80
	MaxPurposeLen         = 200
	MaxDescriptionLen     = 4000
	MaxCommunityTags      = 10
	MaxTagLen             = 30
	MaxCommunityLanguages = 5
	MaxMonthlyFee         = 1_000_000
	MaxHoursPerMonth      = 200
	MaxHiddenReasonLen    = 500
	// MinMembershipDaysToRate is how long a member takes part before
	// rating the community's traits.
	MinMembershipDaysToRate = 30
	// MinTraitRaters is how many members must rate a trait before its
	// rating is shown, so that no one's rating can be singled out.
	MinTraitRaters = 3
)

// Community is a third community as listed on tsunagari.
type Community struct {
	ID          string          `json:"id"`
	Kind        CommunityKind   `json:"kind"`
	Name        string          `json:"name"`
	Purpose     string          `json:"purpose"`
	Description string          `json:"description"`
	Tags        []string        `json:"tags"`
	Styles      []ActivityStyle `json:"styles"`
	// Prefecture is where it meets in person (JIS X 0401 code); "" for a
	// community that meets online only.
	Prefecture string `json:"prefecture,omitempty"`
	// Online means one can take part online.
	Online bool `json:"online"`
	// HomePrefecture is the region a regional alumni community is about;
	// only that kind has one.
	HomePrefecture string `json:"homePrefecture,omitempty"`
	// OrgID links a corporate alumni community to its company when the
	// company is an org on tsunagari; only that kind has one.
	OrgID string `json:"orgId,omitempty"`
	// JobFamily and Industry say whom an occupational community (or any)
	// is for; "" for all.
	JobFamily string `json:"jobFamily,omitempty"`
	Industry  string `json:"industry,omitempty"`
	// MonthlyFee is in yen; 0 is free.
	MonthlyFee int `json:"monthlyFee"`
	// HoursPerMonth is the time a regular member can expect to give; 0
	// means as much or as little as one likes.
	HoursPerMonth int `json:"hoursPerMonth"`
	// Languages are ISO 639-1 codes, such as "ja" and "en".
	Languages  []string   `json:"languages"`
	JoinPolicy JoinPolicy `json:"joinPolicy"`
	// Traits are the traits its organisers declare it has.
	Traits []Trait `json:"traits"`
	// Organisers run it. The stores fill it on reads; CreateCommunity and
	// ImportCommunities store the ones given as active core members.
	Organisers []Organiser `json:"organisers,omitempty"`
	// MemberCount is the number of active members, organisers included;
	// the store keeps it.
	MemberCount int `json:"memberCount"`
	// HiddenAt is set when an operator has hidden the community for
	// breaking the rules; HiddenReason says why, for organisers.
	HiddenAt     *time.Time `json:"-"`
	HiddenReason string     `json:"-"`
	CreatedAt    time.Time  `json:"createdAt"`
	UpdatedAt    time.Time  `json:"updatedAt"`
}

// Organiser is an account that runs a community.
type Organiser struct {
	AccountID string        `json:"-"`
	Name      string        `json:"name"`
	Role      CommunityRole `json:"role"`
}

// Hidden reports whether an operator has hidden c.
func (c *Community) Hidden() bool { return c.HiddenAt != nil }

// OrganiserLeftReason is the HiddenReason of a community hidden because
// its only organiser deleted their account and no co-organiser was there
// to take it over (see PersonalData and SECURITY.md), until an operator
// decides what becomes of it.
const OrganiserLeftReason = "主催者がアカウントを削除し、引き継ぐ共同主催者がいないため非公開になりました。" +
	" / Hidden: its only organiser deleted their account and no co-organiser was there to take it over."

// Has reports whether c's organisers declare trait t.
func (c *Community) Has(t Trait) bool { return slices.Contains(c.Traits, t) }

// Clean trims c's text fields and drops empty and repeated tags and
// languages, before validation.
func (c *Community) Clean() {
	c.Name = strings.TrimSpace(c.Name)
	c.Purpose = strings.TrimSpace(c.Purpose)
	c.Description = strings.TrimSpace(strings.ReplaceAll(c.Description, "\r\n", "\n"))
	c.Tags = tidyList(c.Tags, func(s string) string { return strings.TrimPrefix(strings.TrimSpace(s), "#") })
	c.Languages = tidyList(c.Languages, func(s string) string { return strings.ToLower(strings.TrimSpace(s)) })
	c.Prefecture = strings.TrimSpace(c.Prefecture)
	c.HomePrefecture = strings.TrimSpace(c.HomePrefecture)
}

func tidyList(list []string, clean func(string) string) []string {
	out := []string{}
	for _, s := range list {
		if s = clean(s); s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// Validate checks c's fields. Whether a linked org exists is for the store.
func (c *Community) Validate() error {
	if !c.Kind.Valid() {
		return Invalid("kind", "community.kind_invalid")
	}
	if err := checkText("name", c.Name, MaxCommunityNameLen, "community.name_required", "community.name_too_long"); err != nil {
		return err
	}
	if err := checkText("purpose", c.Purpose, MaxPurposeLen, "community.purpose_required", "community.purpose_too_long"); err != nil {
		return err
	}
	if utf8.RuneCountInString(c.Description) > MaxDescriptionLen {
		return Invalid("description", "community.description_too_long", MaxDescriptionLen)
	}
	if strings.ContainsFunc(c.Description, func(r rune) bool { return r != '\n' && r != '\t' && isControl(r) }) {
		return Invalid("description", "error.control_characters")
	}
	if len(c.Tags) > MaxCommunityTags {
		return Invalid("tags", "community.too_many_tags", MaxCommunityTags)
	}
	for _, tag := range c.Tags {
		if utf8.RuneCountInString(tag) > MaxTagLen || strings.ContainsFunc(tag, isControl) || tag != strings.TrimSpace(tag) || tag == "" {
			return Invalid("tags", "community.tag_invalid", MaxTagLen)
		}
	}
	if hasInvalidOrRepeated(c.Styles) {
		return Invalid("styles", "community.style_invalid")
	}
	if hasInvalidOrRepeated(c.Traits) {
		return Invalid("traits", "community.trait_invalid")
	}
	switch {
	case c.Prefecture != "" && PrefectureByCode(c.Prefecture) == nil:
		return Invalid("prefecture", "community.prefecture_invalid")
	case c.Prefecture == "" && !c.Online:
		return Invalid("prefecture", "community.area_required")
	case c.HomePrefecture != "" && PrefectureByCode(c.HomePrefecture) == nil:
		return Invalid("homePrefecture", "community.prefecture_invalid")
	case c.Kind == CommunityRegionalAlumni && c.HomePrefecture == "":
		return Invalid("homePrefecture", "community.home_prefecture_required")
	case c.Kind != CommunityRegionalAlumni && c.HomePrefecture != "":
		return Invalid("homePrefecture", "community.home_prefecture_only_regional")
	case c.OrgID != "" && c.Kind != CommunityCorporateAlumni:
		return Invalid("orgId", "community.org_only_corporate")
	case c.OrgID != "" && !ValidID(c.OrgID):
		return Invalid("orgId", "community.org_unknown")
	case c.JobFamily != "" && !slices.Contains(JobFamilies, c.JobFamily):
		return Invalid("jobFamily", "account.job_family_invalid")
	case c.Industry != "" && !slices.Contains(Industries, c.Industry):
		return Invalid("industry", "account.industry_invalid")
	case c.MonthlyFee < 0 || c.MonthlyFee > MaxMonthlyFee:
		return Invalid("monthlyFee", "community.fee_invalid", MaxMonthlyFee)
	case c.HoursPerMonth < 0 || c.HoursPerMonth > MaxHoursPerMonth:
		return Invalid("hoursPerMonth", "community.hours_invalid", MaxHoursPerMonth)
	case len(c.Languages) > MaxCommunityLanguages:
		return Invalid("languages", "community.language_invalid")
	case !c.JoinPolicy.Valid():
		return Invalid("joinPolicy", "community.join_policy_invalid")
	}
	for _, l := range c.Languages {
		if len(l) != 2 || strings.Trim(l, "abcdefghijklmnopqrstuvwxyz") != "" {
			return Invalid("languages", "community.language_invalid")
		}
	}
	return nil
}

func checkText(field, s string, limit int, required, tooLong string) error {
	switch n := utf8.RuneCountInString(strings.TrimSpace(s)); {
	case n == 0:
		return Invalid(field, required)
	case n > limit:
		return Invalid(field, tooLong, limit)
	}
	if strings.ContainsFunc(s, isControl) {
		return Invalid(field, "error.control_characters")
	}
	return nil
}

func hasInvalidOrRepeated[T interface {
	~string
	Valid() bool
}](list []T) bool {
	for i, v := range list {
		if !v.Valid() || slices.Contains(list[:i], v) {
			return true
		}
	}
	return false
}

// CommunityRole is what a member does in running a community. The
// organiser founded or took over the community and decides who else helps
// run it; co-organisers run it with them.
type CommunityRole string

const (
	CommunityMember      CommunityRole = "member"
	CommunityOrganiser   CommunityRole = "organiser"
	CommunityCoOrganiser CommunityRole = "co_organiser"
)

// CommunityRoles lists the roles, the plain member first.
var CommunityRoles = []CommunityRole{CommunityMember, CommunityCoOrganiser, CommunityOrganiser}

// Valid reports whether r is a known role.
func (r CommunityRole) Valid() bool { return slices.Contains(CommunityRoles, r) }

// Runs reports whether r may manage the community: an organiser or a
// co-organiser.
func (r CommunityRole) Runs() bool { return r == CommunityOrganiser || r == CommunityCoOrganiser }

// MembershipStatus says whether a membership is in effect.
type MembershipStatus string

const (
	MembershipActive  MembershipStatus = "active"
	MembershipPending MembershipStatus = "pending" // waiting for an organiser's approval
)

// Membership is an account's place in a community.
type Membership struct {
	CommunityID string           `json:"communityId"`
	AccountID   string           `json:"-"`
	Involvement Involvement      `json:"involvement"`
	Role        CommunityRole    `json:"role"`
	Status      MembershipStatus `json:"status"`
	RequestedAt time.Time        `json:"requestedAt"`
	// JoinedAt is when the membership took effect; zero while pending.
	JoinedAt time.Time `json:"joinedAt,omitzero"`
	// Name is the member's name, filled by the stores' reads.
	Name string `json:"-"`
}

// Validate checks m's fields.
func (m *Membership) Validate() error {
	switch {
	case !m.Involvement.Valid():
		return Invalid("involvement", "community.involvement_invalid")
	case !m.Role.Valid():
		return Invalid("role", "community.role_invalid")
	case m.Status != MembershipActive && m.Status != MembershipPending:
		return Invalid("status", "community.status_invalid")
	case m.Status == MembershipPending && m.Role.Runs():
		return Invalid("role", "community.role_invalid")
	}
	return nil
}

// MayRate reports whether the member may rate the community's traits at
// now: after MinMembershipDaysToRate days of active membership.
func (m *Membership) MayRate(now time.Time) bool {
	return m.Status == MembershipActive && !m.JoinedAt.IsZero() &&
		!now.Before(m.JoinedAt.AddDate(0, 0, MinMembershipDaysToRate))
}

// TraitRating is one member's view of a community: a score of 1 (not at
// all) to 5 (very much) for each trait they chose to rate.
type TraitRating struct {
	CommunityID string
	AccountID   string
	Scores      map[Trait]int
	RatedAt     time.Time
}

// Validate checks r's scores.
func (r *TraitRating) Validate() error {
	if len(r.Scores) == 0 {
		return Invalid("scores", "community.rating_empty")
	}
	for t, v := range r.Scores {
		if !t.Valid() || v < 1 || v > 5 {
			return Invalid(string(t), "community.rating_invalid")
		}
	}
	return nil
}

// TraitScore is what members say about one trait: how many rated it and
// their mean score.
type TraitScore struct {
	Trait  Trait   `json:"trait"`
	Raters int     `json:"raters"`
	Mean   float64 `json:"mean"`
}

// CommunitySearch selects communities. Zero fields do not filter.
type CommunitySearch struct {
	// Query is text as a person typed it; see package search for how it
	// is read. Results are ranked by how well they match; without a query,
	// by number of members.
	Query string
	Kinds []CommunityKind
	// Prefecture selects communities that meet in it or, for regional
	// alumni, are about it.
	Prefecture string
	// Online selects communities one can take part in online.
	Online bool
	// MaxFee and MaxHours bound the monthly fee and expected hours.
	MaxFee   *int
	MaxHours *int
	// Traits selects communities whose organisers declare all of them.
	Traits []Trait
	// MemberID selects communities the account belongs to or has asked
	// to join.
	MemberID string
	// OrganiserID selects communities the account runs.
	OrganiserID string
	// IncludeHidden also returns hidden communities.
	IncludeHidden bool
	Limit         int
	Offset        int
}

// MembershipFilter selects memberships. Zero fields do not filter.
type MembershipFilter struct {
	CommunityID string
	AccountID   string
	Status      MembershipStatus
	// Running selects organisers and co-organisers only.
	Running bool
}

// CommunityStore persists communities, memberships and trait ratings, and
// indexes communities for search. It does no authorization; package
// community does.
type CommunityStore interface {
	// CreateCommunity stores c, setting its ID, CreatedAt and UpdatedAt
	// if they are empty, with each of c.Organisers as an active core
	// member in their role, and indexes it, in one transaction. It returns
	// ErrNotFound if c.OrgID or an organiser's account does not exist.
	CreateCommunity(ctx context.Context, c *Community) error
	// ImportCommunities creates many communities as CreateCommunity does,
	// in one transaction: all or none.
	ImportCommunities(ctx context.Context, cs []*Community) error
	// FindCommunityByID returns the community with its organisers, hidden
	// or not; ErrNotFound if there is none.
	FindCommunityByID(ctx context.Context, id string) (*Community, error)
	// UpdateCommunity saves c's editable fields (all but its ID,
	// organisers, member count, hidden state and CreatedAt), sets
	// UpdatedAt if zero, and re-indexes it; ErrNotFound if there is no
	// such community.
	UpdateCommunity(ctx context.Context, c *Community) error
	// SetCommunityHidden hides the community at the given time with a
	// reason, or shows it again when at is nil.
	SetCommunityHidden(ctx context.Context, id string, at *time.Time, reason string) error
	// SearchCommunities returns one page of matching communities, ranked,
	// with their organisers, and the number of matches.
	SearchCommunities(ctx context.Context, f CommunitySearch) ([]*Community, int, error)

	// CreateMembership stores m and keeps the member count. It returns
	// ErrConflict if the account already has a membership of the
	// community, and ErrNotFound if either does not exist.
	CreateMembership(ctx context.Context, m *Membership) error
	// FindMembership returns ErrNotFound if the account has no membership
	// of the community.
	FindMembership(ctx context.Context, communityID, accountID string) (*Membership, error)
	// FindMemberships returns matching memberships with members' names:
	// organisers first, then by when they asked to join.
	FindMemberships(ctx context.Context, f MembershipFilter) ([]*Membership, error)
	// UpdateMembership saves m's involvement, role, status and JoinedAt
	// and keeps the member count. It returns ErrNotFound if there is no
	// such membership, and ErrConflict if the change would leave a
	// community that has an organiser without one.
	UpdateMembership(ctx context.Context, m *Membership) error
	// DeleteMembership ends a membership at once, with the member's trait
	// ratings, and keeps the member count. It returns ErrNotFound if there
	// is no such membership, and ErrConflict if it is the community's last
	// organiser.
	DeleteMembership(ctx context.Context, communityID, accountID string) error

	// RateTraits replaces the account's rating of the community's traits;
	// ErrNotFound if the account is not a member.
	RateTraits(ctx context.Context, r *TraitRating) error
	// FindTraitRating returns the account's own rating; ErrNotFound if it
	// has none.
	FindTraitRating(ctx context.Context, communityID, accountID string) (*TraitRating, error)
	// TraitScores returns, for each trait in order, how many current
	// members rated it and their mean score.
	TraitScores(ctx context.Context, communityID string) ([]TraitScore, error)
}

// SearchText returns the text by which c is found: its name, its tags,
// and the rest (purpose, description, the names of its prefectures and of
// its linked company, orgName). Both stores index exactly this.
func (c *Community) SearchText(orgName string) (title string, tags []string, body []string) {
	body = []string{c.Purpose, c.Description}
	for _, code := range []string{c.Prefecture, c.HomePrefecture} {
		if p := PrefectureByCode(code); p != nil {
			body = append(body, p.Name, p.En)
		}
	}
	if orgName != "" {
		body = append(body, orgName)
	}
	return c.Name, c.Tags, body
}

// MeanScore returns total/n rounded to one decimal, 0 when n is 0, so
// that both stores report the same mean.
func MeanScore(total, n int) float64 {
	if n == 0 {
		return 0
	}
	return math.Round(float64(total)*10/float64(n)) / 10
}

// Audit actions of communities. Joining and leaving are never audited:
// which communities a person belongs to is theirs alone.
const (
	AuditCommunityCreate = "community.create"
	AuditCommunityHide   = "community.hide"   // an operator hid a community that breaks the rules
	AuditCommunityShow   = "community.show"   // and showed it again
	AuditCommunityImport = "community.import" // an operator imported a directory; Detail counts the communities
)
