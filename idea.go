package tsunagari

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// An idea (問題意識) is a concern or wish a member posts, such as
// 「介護の現場でマネジメントを学べる場がほしい」, for others to join with
// "me too" (supporting it) and a role they may take. When as many people
// as the poster's threshold support it, the poster may turn it into a
// community of a kind they choose: the supporters are invited to it, never
// made members without their own act.

// Limits on ideas.
const (
	MaxIdeaTitleLen       = 120
	MaxIdeaDescriptionLen = 2000
	MaxIdeaTags           = 8
	MinIdeaThreshold      = 2
	MaxIdeaThreshold      = 50
	DefaultIdeaThreshold  = 5
)

// IdeaOnline is the area of an idea about taking part online rather than
// in one prefecture.
const IdeaOnline = "online"

// IdeaRole is a role a supporter offers to take.
type IdeaRole string

const (
	IdeaRoleOrganise   IdeaRole = "organise"    // 運営
	IdeaRoleSpeak      IdeaRole = "speak"       // 登壇・話題提供
	IdeaRoleVenue      IdeaRole = "venue"       // 会場提供
	IdeaRoleOnlineHost IdeaRole = "online_host" // オンライン配信
)

// IdeaRoles lists the roles a supporter may offer, in display order.
var IdeaRoles = []IdeaRole{IdeaRoleOrganise, IdeaRoleSpeak, IdeaRoleVenue, IdeaRoleOnlineHost}

// Valid reports whether r is a known role; "" (no role) is valid too.
func (r IdeaRole) Valid() bool { return r == "" || slices.Contains(IdeaRoles, r) }

// Idea is a concern a member posted.
type Idea struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Description string   `json:"description"`
	Tags        []string `json:"tags"`
	// Area is a prefecture's JIS X 0401 code, or IdeaOnline.
	Area string `json:"area"`
	// Threshold is how many supporters the poster waits for before
	// turning the idea into a community.
	Threshold int `json:"threshold"`
	// SupporterCount is how many people said "me too"; the store keeps it.
	SupporterCount int    `json:"supporterCount"`
	PosterID       string `json:"-"`
	// CommunityID is the community the idea became, once converted.
	CommunityID string     `json:"communityId,omitempty"`
	ConvertedAt *time.Time `json:"convertedAt,omitempty"`
	CreatedAt   time.Time  `json:"createdAt"`
}

// Converted reports whether the idea has become a community.
func (i *Idea) Converted() bool { return i.ConvertedAt != nil }

// Ready reports whether the idea has enough supporters to be converted.
func (i *Idea) Ready() bool { return !i.Converted() && i.SupporterCount >= i.Threshold }

// Clean trims i's text and tidies its tags, before validation.
func (i *Idea) Clean() {
	i.Title = strings.TrimSpace(i.Title)
	i.Description = strings.TrimSpace(strings.ReplaceAll(i.Description, "\r\n", "\n"))
	i.Tags = tidyList(i.Tags, func(s string) string { return strings.TrimPrefix(strings.TrimSpace(s), "#") })
	i.Area = strings.TrimSpace(i.Area)
	if i.Threshold == 0 {
		i.Threshold = DefaultIdeaThreshold
	}
}

// Validate checks i's fields.
func (i *Idea) Validate() error {
	if err := checkText("title", i.Title, MaxIdeaTitleLen, "idea.title_required", "idea.title_too_long"); err != nil {
		return err
	}
	if utf8.RuneCountInString(i.Description) > MaxIdeaDescriptionLen {
		return Invalid("description", "idea.description_too_long", MaxIdeaDescriptionLen)
	}
	if strings.ContainsFunc(i.Description, func(r rune) bool { return r != '\n' && r != '\t' && isControl(r) }) {
		return Invalid("description", "error.control_characters")
	}
	if len(i.Tags) > MaxIdeaTags {
		return Invalid("tags", "idea.too_many_tags", MaxIdeaTags)
	}
	for _, tag := range i.Tags {
		if tag == "" || utf8.RuneCountInString(tag) > MaxTagLen || strings.ContainsFunc(tag, isControl) {
			return Invalid("tags", "community.tag_invalid", MaxTagLen)
		}
	}
	if i.Area != IdeaOnline && PrefectureByCode(i.Area) == nil {
		return Invalid("area", "idea.area_invalid")
	}
	if i.Threshold < MinIdeaThreshold || i.Threshold > MaxIdeaThreshold {
		return Invalid("threshold", "idea.threshold_invalid", MinIdeaThreshold, MaxIdeaThreshold)
	}
	return nil
}

// SearchText returns the text by which i is found: its title, its tags,
// and the rest (description and the area's names). Both stores index
// exactly this.
func (i *Idea) SearchText() (title string, tags []string, body []string) {
	body = []string{i.Description}
	if p := PrefectureByCode(i.Area); p != nil {
		body = append(body, p.Name, p.En)
	} else {
		body = append(body, "オンライン online")
	}
	return i.Title, i.Tags, body
}

// SuggestKind returns the kind of community an idea most likely makes,
// from words in its text; the poster chooses in the end.
func (i *Idea) SuggestKind() CommunityKind {
	text := strings.ToLower(i.Title + " " + i.Description + " " + strings.Join(i.Tags, " "))
	for _, k := range []struct {
		kind  CommunityKind
		words []string
	}{
		{CommunityUnion, []string{"組合", "労働条件", "union"}},
		{CommunityWorkerCoop, []string{"協同労働", "ワーカーズ", "co-op", "coop"}},
		{CommunityNPO, []string{"npo", "ボランティア", "支援", "地域課題"}},
		{CommunityCorporateAlumni, []string{"アルムナイ", "退職者", "alumni", "ob会", "og会"}},
		{CommunityRegionalAlumni, []string{"県人会", "uターン", "地元", "出身"}},
	} {
		for _, w := range k.words {
			if strings.Contains(text, w) {
				return k.kind
			}
		}
	}
	return CommunityOccupational
}

// IdeaSupport is one person's "me too" for an idea, with the role they
// offer. InvitedAt is set when the idea becomes a community: the
// supporter is then invited to it.
type IdeaSupport struct {
	IdeaID    string     `json:"ideaId"`
	AccountID string     `json:"-"`
	Role      IdeaRole   `json:"role"`
	CreatedAt time.Time  `json:"createdAt"`
	InvitedAt *time.Time `json:"invitedAt,omitempty"`
	// Name, Email and Locale are the supporter's, filled by the stores'
	// reads, for the poster's page and the invitation mail.
	Name   string `json:"-"`
	Email  string `json:"-"`
	Locale string `json:"-"`
}

// IdeaInvite returns the message that invites supporter s to community
// c, which idea i became, or nil. ConvertIdea calls it in its
// transaction, for the supporters the idea has then.
type IdeaInvite func(i *Idea, c *Community, s *IdeaSupport) *Mail

// IdeaFilter selects ideas. Zero fields do not filter.
type IdeaFilter struct {
	// Query is text as typed, read as package search reads it.
	Query string
	// PosterID selects the account's own ideas.
	PosterID string
	// SupporterID selects ideas the account supports.
	SupporterID string
	// Converted selects converted ideas (true) or open ones (false).
	Converted *bool
	Limit     int
}

// IdeaStore persists ideas and their supports, and indexes ideas for
// search. It does no authorization; package idea does.
type IdeaStore interface {
	// CreateIdea stores i, setting ID and CreatedAt if empty, and indexes
	// it. ErrNotFound if the poster does not exist.
	CreateIdea(ctx context.Context, i *Idea) error
	// FindIdeaByID returns ErrNotFound if there is no such idea.
	FindIdeaByID(ctx context.Context, id string) (*Idea, error)
	// FindIdeas returns matching ideas: by rank when there is a query,
	// otherwise the most supported first, then the newest.
	FindIdeas(ctx context.Context, f IdeaFilter) ([]*Idea, error)
	// AddSupport stores s and keeps the supporter count. ErrConflict if
	// the account supports the idea already or the idea is converted,
	// ErrNotFound if the idea or the account does not exist.
	AddSupport(ctx context.Context, s *IdeaSupport) error
	// RemoveSupport takes the account's support back and keeps the
	// count. ErrNotFound if there is none, ErrConflict if the idea is
	// converted.
	RemoveSupport(ctx context.Context, ideaID, accountID string) error
	// FindSupport returns ErrNotFound if the account does not support
	// the idea.
	FindSupport(ctx context.Context, ideaID, accountID string) (*IdeaSupport, error)
	// FindSupports returns the idea's supports with the supporters'
	// names, in order of arrival.
	FindSupports(ctx context.Context, ideaID string) ([]*IdeaSupport, error)
	// ConvertIdea, in one transaction, creates c as CreateCommunity does,
	// links the idea to it at at, and invites every supporter, storing
	// the mail invite returns for each. ErrConflict if the idea is
	// converted already or has fewer supporters than its threshold,
	// ErrNotFound if there is no such idea.
	ConvertIdea(ctx context.Context, ideaID string, c *Community, at time.Time, invite IdeaInvite) error
}

// Audit actions of ideas.
const AuditIdeaConvert = "idea.convert" // a poster turned an idea into a community
