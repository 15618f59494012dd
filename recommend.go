package tsunagari

import (
	"context"
	"math"
	"strings"
	"time"
	"unicode/utf8"
)

// Recommending third communities. For a member, tsunagari ranks the
// communities they might take a first step into: by how similar the
// current members are to them, how well the community's purpose fits what
// they want and the challenges they have given up, its five traits, and
// the filters they set; and it says why, for each one. A member keeps a
// wish (やりたいこと) and filters, and can bookmark a community or dismiss
// it. Operators set how much each signal weighs.

// MaxWishLen limits RecommendPrefs.Wish, in runes.
const MaxWishLen = 400

// RecommendPrefs is what a member tells the recommender about themselves
// beyond their profile: what they want, in their own words, and the
// filters every recommendation must pass. Only the member reads them.
type RecommendPrefs struct {
	AccountID string `json:"-"`
	// Wish is what the member wants to do or find (やりたいこと), in
	// their own words.
	Wish string `json:"wish"`
	// MaxFee and MaxHours, when set, bound the monthly fee in yen and the
	// hours a month a community expects.
	MaxFee   *int `json:"maxFee"`
	MaxHours *int `json:"maxHours"`
	// Online keeps only communities one can take part in online.
	Online bool `json:"online"`
	// Prefecture, when set, keeps only communities that meet in that
	// prefecture or that one can join online.
	Prefecture string    `json:"prefecture"`
	UpdatedAt  time.Time `json:"updatedAt,omitzero"`
}

// Clean trims the wish and keeps its line breaks as \n, before validation.
func (p *RecommendPrefs) Clean() {
	p.Wish = strings.TrimSpace(strings.ReplaceAll(p.Wish, "\r\n", "\n"))
	p.Prefecture = strings.TrimSpace(p.Prefecture)
}

// Validate checks p's fields.
func (p *RecommendPrefs) Validate() error {
	switch {
	case utf8.RuneCountInString(p.Wish) > MaxWishLen:
		return Invalid("wish", "recommend.wish_too_long", MaxWishLen)
	case strings.ContainsFunc(p.Wish, func(r rune) bool { return r != '\n' && r != '\t' && isControl(r) }):
		return Invalid("wish", "error.control_characters")
	case p.MaxFee != nil && (*p.MaxFee < 0 || *p.MaxFee > MaxMonthlyFee):
		return Invalid("maxFee", "community.fee_invalid", MaxMonthlyFee)
	case p.MaxHours != nil && (*p.MaxHours < 0 || *p.MaxHours > MaxHoursPerMonth):
		return Invalid("maxHours", "community.hours_invalid", MaxHoursPerMonth)
	case p.Prefecture != "" && PrefectureByCode(p.Prefecture) == nil:
		return Invalid("prefecture", "community.prefecture_invalid")
	}
	return nil
}

// Admits reports whether c passes p's filters.
func (p *RecommendPrefs) Admits(c *Community) bool {
	switch {
	case p.MaxFee != nil && c.MonthlyFee > *p.MaxFee:
		return false
	case p.MaxHours != nil && c.HoursPerMonth > *p.MaxHours:
		return false
	case p.Online && !c.Online:
		return false
	case p.Prefecture != "" && c.Prefecture != p.Prefecture && !c.Online:
		return false
	}
	return true
}

// RecommendPrefsUpdate changes a member's preferences. Nil fields are
// left alone; ClearMaxFee and ClearMaxHours remove those filters.
type RecommendPrefsUpdate struct {
	Wish          *string
	MaxFee        *int
	ClearMaxFee   bool
	MaxHours      *int
	ClearMaxHours bool
	Online        *bool
	Prefecture    *string
}

// Apply copies the set fields of u onto p.
func (u RecommendPrefsUpdate) Apply(p *RecommendPrefs) {
	if u.Wish != nil {
		p.Wish = *u.Wish
	}
	switch {
	case u.ClearMaxFee:
		p.MaxFee = nil
	case u.MaxFee != nil:
		v := *u.MaxFee
		p.MaxFee = &v
	}
	switch {
	case u.ClearMaxHours:
		p.MaxHours = nil
	case u.MaxHours != nil:
		v := *u.MaxHours
		p.MaxHours = &v
	}
	if u.Online != nil {
		p.Online = *u.Online
	}
	if u.Prefecture != nil {
		p.Prefecture = *u.Prefecture
	}
}

// Mark is what a member did with a recommended community.
type Mark string

const (
	// MarkBookmark keeps a community to come back to.
	MarkBookmark Mark = "bookmark"
	// MarkDismiss says "not for me": the community sinks to the end of
	// the member's recommendations.
	MarkDismiss Mark = "dismiss"
)

// Valid reports whether m is a known mark.
func (m Mark) Valid() bool { return m == MarkBookmark || m == MarkDismiss }

// CommunityMark is a member's bookmark or dismissal of a community. Only
// the member reads it.
type CommunityMark struct {
	AccountID   string    `json:"-"`
	CommunityID string    `json:"communityId"`
	Mark        Mark      `json:"mark"`
	MarkedAt    time.Time `json:"markedAt"`
}

// RecommendWeights say how much each signal counts when communities are
// ranked for a member. Each signal is a number from 0 to 1 for a
// community; its weight multiplies it. Operators set them.
type RecommendWeights struct {
	// Similarity of the current members to the member.
	JobFamily      float64 `json:"jobFamily"`
	Industry       float64 `json:"industry"`
	AgeBand        float64 `json:"ageBand"`
	Prefecture     float64 `json:"prefecture"`
	HomePrefecture float64 `json:"homePrefecture"`
	Values         float64 `json:"values"`
	// Fit of the community's purpose to the member's wish, and to the
	// challenges they gave up in the isolation check.
	Wish    float64 `json:"wish"`
	GivenUp float64 `json:"givenUp"`
	// Area rewards communities that meet where the member lives, or
	// online.
	Area float64 `json:"area"`
	// The five traits, as organisers declare them and as members rate
	// them.
	DeclaredTraits float64 `json:"declaredTraits"`
	RatedTraits    float64 `json:"ratedTraits"`
	// Variety is how much each earlier recommendation of the same kind
	// lowers the next one of that kind, from 0 (not at all) to
	// MaxVariety.
	Variety   float64   `json:"variety"`
	UpdatedAt time.Time `json:"updatedAt,omitzero"`
	UpdatedBy string    `json:"-"`
}

// Limits on RecommendWeights.
const (
	MaxRecommendWeight = 10
	MaxVariety         = 0.9
)

// DefaultRecommendWeights are the weights until an operator sets others.
func DefaultRecommendWeights() RecommendWeights {
	return RecommendWeights{
		JobFamily: 3, Industry: 1.5, AgeBand: 1, Prefecture: 1, HomePrefecture: 3, Values: 1.5,
		Wish: 3, GivenUp: 2, Area: 1, DeclaredTraits: 0.5, RatedTraits: 1, Variety: 0.35,
	}
}

// Fields returns pointers to every signal weight, by its JSON name, in
// display order. Variety is not among them.
func (w *RecommendWeights) Fields() []WeightField {
	return []WeightField{
		{"jobFamily", &w.JobFamily}, {"industry", &w.Industry}, {"ageBand", &w.AgeBand},
		{"prefecture", &w.Prefecture}, {"homePrefecture", &w.HomePrefecture}, {"values", &w.Values},
		{"wish", &w.Wish}, {"givenUp", &w.GivenUp}, {"area", &w.Area},
		{"declaredTraits", &w.DeclaredTraits}, {"ratedTraits", &w.RatedTraits},
	}
}

// WeightField is one weight of RecommendWeights, by name.
type WeightField struct {
	Name  string
	Value *float64
}

// Validate checks that every weight is a number from 0 to
// MaxRecommendWeight, at least one is above 0, and Variety is from 0 to
// MaxVariety.
func (w *RecommendWeights) Validate() error {
	total := 0.0
	for _, f := range w.Fields() {
		v := *f.Value
		if math.IsNaN(v) || v < 0 || v > MaxRecommendWeight {
			return Invalid(f.Name, "recommend.weight_invalid", MaxRecommendWeight)
		}
		total += v
	}
	if total == 0 {
		return Invalid("", "recommend.weights_all_zero")
	}
	if math.IsNaN(w.Variety) || w.Variety < 0 || w.Variety > MaxVariety {
		return Invalid("variety", "recommend.variety_invalid", MaxVariety)
	}
	return nil
}

// CommunitySignals is what the recommender reads about one community: the
// community, what its members say about its traits, and what its active
// members are like. It stays inside the recommender, which keeps only
// aggregates of the members.
type CommunitySignals struct {
	// Community is the community without its organisers.
	Community *Community
	// Ratings are the members' trait ratings, one per trait in the order
	// of Traits.
	Ratings []TraitScore
	// Members are the active members, organisers included.
	Members []MemberSignals
}

// MemberSignals is the profile of one active member of a community.
type MemberSignals struct {
	JobFamily      string
	Industry       string
	AgeBand        string
	Prefecture     string
	HomePrefecture string
	// Values are the scores of the member's latest values diagnosis; nil
	// if they have taken none.
	Values []Score
}

// RecommendChange is something that changed what recommendations should
// say: a membership, a community, an account's profile or values
// diagnosis, or the weights.
type RecommendChange struct {
	// All means anything may have changed: read everything again. It is
	// the first change a watch reports, and it follows any gap in what the
	// watch saw.
	All bool
	// CommunityID is set when the community or one of its memberships
	// changed.
	CommunityID string
	// AccountID is set when the account's membership of CommunityID, or,
	// without CommunityID, its profile or values diagnosis, changed. A
	// membership that ended may leave it empty: its community is what
	// changed.
	AccountID string
	// Weights is set when an operator changed the weights.
	Weights bool
}

// RecommendStore persists what members tell the recommender and what
// operators set, and feeds the recommender the signals it ranks by. It
// does no authorization; package recommender does.
type RecommendStore interface {
	// EachCommunitySignals calls fn with the signals of each community in
	// ids, or of every community when ids is nil, read in one snapshot.
	// Hidden communities and those that do not exist are left out. It
	// stops at fn's first error.
	EachCommunitySignals(ctx context.Context, ids []string, fn func(*CommunitySignals) error) error
	// AccountCommunities returns the IDs of the communities the accounts
	// are active members of.
	AccountCommunities(ctx context.Context, accountIDs []string) ([]string, error)
	// WatchRecommendChanges reports, until ctx is done, what changes in
	// any process that uses the same database. It calls fn first with
	// {All: true} once it is watching, then with each batch of changes
	// soon after they are committed, and again with {All: true} after any
	// gap in what it saw. It returns ctx's error, fn's first error, or
	// the error that stopped it reading changes; the caller may watch
	// again.
	WatchRecommendChanges(ctx context.Context, fn func([]RecommendChange) error) error

	// FindRecommendPrefs returns the account's preferences; ErrNotFound
	// if it has saved none.
	FindRecommendPrefs(ctx context.Context, accountID string) (*RecommendPrefs, error)
	// SaveRecommendPrefs stores p, setting UpdatedAt if zero; ErrNotFound
	// if the account does not exist.
	SaveRecommendPrefs(ctx context.Context, p *RecommendPrefs) error

	// SetCommunityMark stores m, replacing the account's earlier mark of
	// the community, and sets MarkedAt if zero. It returns ErrNotFound if
	// the account or the community does not exist.
	SetCommunityMark(ctx context.Context, m *CommunityMark) error
	// DeleteCommunityMark removes the account's mark of the community;
	// ErrNotFound if there is none.
	DeleteCommunityMark(ctx context.Context, accountID, communityID string) error
	// FindCommunityMarks returns the account's marks, newest first.
	FindCommunityMarks(ctx context.Context, accountID string) ([]*CommunityMark, error)

	// FindRecommendWeights returns the weights an operator saved last;
	// ErrNotFound if none has.
	FindRecommendWeights(ctx context.Context) (*RecommendWeights, error)
	// SaveRecommendWeights stores w, setting UpdatedAt if zero.
	SaveRecommendWeights(ctx context.Context, w *RecommendWeights) error
}
