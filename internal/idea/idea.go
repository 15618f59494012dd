// Package idea runs ideas and concerns (問題意識): a member posts one,
// others say "me too" and offer a role, and once as many have joined as
// the poster asked for, the poster turns it into a community of the kind
// they choose. The supporters are invited to it, by mail too; they join,
// or not, by their own act. Every signed-in member sees ideas and how many support
// them; who supports an idea is for its poster alone to see.
package idea

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"tsunagari"
	"tsunagari/internal/audit"
	"tsunagari/internal/i18n"
)

// Service implements ideas.
type Service struct {
	Store tsunagari.IdeaStore
	// Catalog writes the invitations; BaseURL is the site's address, for
	// links in them.
	Catalog *i18n.Catalog
	BaseURL string
	// Audit records conversions into communities.
	Audit *audit.Service
	Now   func() time.Time
}

// PageSize is how many ideas a list shows.
const PageSize = 50

func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Second) }

var (
	errSignIn   = tsunagari.NewError(tsunagari.CodeUnauthorized, "auth.sign_in_required")
	errNotFound = tsunagari.NewError(tsunagari.CodeNotFound, "idea.not_found")
	errOwn      = tsunagari.NewError(tsunagari.CodeConflict, "idea.support_own")
	errTwice    = tsunagari.NewError(tsunagari.CodeConflict, "idea.support_twice")
	errNotYet   = tsunagari.NewError(tsunagari.CodeConflict, "idea.not_supported")
	errDone     = tsunagari.NewError(tsunagari.CodeConflict, "idea.converted")
)

// find returns the idea, or "not found" for a malformed or unknown ID.
func (s *Service) find(ctx context.Context, actor *tsunagari.Account, id string) (*tsunagari.Idea, error) {
	if actor == nil {
		return nil, errSignIn
	}
	if !tsunagari.ValidID(id) {
		return nil, errNotFound
	}
	i, err := s.Store.FindIdeaByID(ctx, id)
	if errors.Is(err, tsunagari.ErrNotFound) {
		return nil, errNotFound
	}
	return i, err
}

// Create posts an idea of actor's.
func (s *Service) Create(ctx context.Context, actor *tsunagari.Account, i *tsunagari.Idea) error {
	if actor == nil {
		return errSignIn
	}
	i.Clean()
	if err := i.Validate(); err != nil {
		return err
	}
	i.ID, i.PosterID, i.CreatedAt = "", actor.ID, s.now()
	if err := s.Store.CreateIdea(ctx, i); err != nil {
		return fmt.Errorf("create idea: %w", err)
	}
	return nil
}

// Search returns ideas matching f: by rank with a query, otherwise the
// most supported first.
func (s *Service) Search(ctx context.Context, actor *tsunagari.Account, f tsunagari.IdeaFilter) ([]*tsunagari.Idea, error) {
	if actor == nil {
		return nil, errSignIn
	}
	if f.Limit <= 0 || f.Limit > PageSize {
		f.Limit = PageSize
	}
	return s.Store.FindIdeas(ctx, f)
}

// Invitations returns the ideas actor supported that became communities:
// actor is invited to each.
func (s *Service) Invitations(ctx context.Context, actor *tsunagari.Account) ([]*tsunagari.Idea, error) {
	if actor == nil {
		return nil, errSignIn
	}
	converted := true
	return s.Store.FindIdeas(ctx, tsunagari.IdeaFilter{SupporterID: actor.ID, Converted: &converted, Limit: PageSize})
}

// Details is an idea as its page shows it to one person.
type Details struct {
	Idea *tsunagari.Idea
	// Mine says actor posted it.
	Mine bool
	// Support is actor's own "me too", if any; its InvitedAt says actor
	// is invited to the community the idea became.
	Support *tsunagari.IdeaSupport
	// Supports are everyone's, for the poster only.
	Supports []*tsunagari.IdeaSupport
	// Suggested is the kind of community the poster is offered first.
	Suggested tsunagari.CommunityKind
}

// Idea returns the idea as actor may see it.
func (s *Service) Idea(ctx context.Context, actor *tsunagari.Account, id string) (*Details, error) {
	i, err := s.find(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	d := &Details{Idea: i, Mine: i.PosterID == actor.ID, Suggested: i.SuggestKind()}
	if sup, err := s.Store.FindSupport(ctx, i.ID, actor.ID); err == nil {
		d.Support = sup
	} else if !errors.Is(err, tsunagari.ErrNotFound) {
		return nil, err
	}
	if d.Mine {
		if d.Supports, err = s.Store.FindSupports(ctx, i.ID); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// Support says "me too" for actor, offering role ("" for none).
func (s *Service) Support(ctx context.Context, actor *tsunagari.Account, id string, role tsunagari.IdeaRole) (*tsunagari.IdeaSupport, error) {
	i, err := s.find(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	switch {
	case !role.Valid():
		return nil, tsunagari.Invalid("role", "idea.role_invalid")
	case i.PosterID == actor.ID:
		return nil, errOwn
	case i.Converted():
		return nil, errDone
	}
	sup := &tsunagari.IdeaSupport{IdeaID: i.ID, AccountID: actor.ID, Role: role, CreatedAt: s.now()}
	err = s.Store.AddSupport(ctx, sup)
	switch {
	case errors.Is(err, tsunagari.ErrConflict):
		if _, ferr := s.Store.FindSupport(ctx, i.ID, actor.ID); ferr == nil {
			return nil, errTwice
		}
		return nil, errDone
	case errors.Is(err, tsunagari.ErrNotFound):
		return nil, errNotFound
	case err != nil:
		return nil, err
	}
	return sup, nil
}

// Withdraw takes actor's "me too" back, while the idea is still an idea.
func (s *Service) Withdraw(ctx context.Context, actor *tsunagari.Account, id string) error {
	i, err := s.find(ctx, actor, id)
	if err != nil {
		return err
	}
	if i.Converted() {
		return errDone
	}
	err = s.Store.RemoveSupport(ctx, i.ID, actor.ID)
	switch {
	case errors.Is(err, tsunagari.ErrNotFound):
		return errNotYet
	case errors.Is(err, tsunagari.ErrConflict):
		return errDone
	}
	return err
}

// Conversion is what the poster decides when turning an idea into a
// community. Zero fields take the idea's own.
type Conversion struct {
	Kind    tsunagari.CommunityKind
	Name    string
	Purpose string
}

// truncate cuts s to n runes.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// Community returns the community the idea makes with cv: the idea's
// tags, area and description, the poster as its organiser, open to join.
func Community(i *tsunagari.Idea, poster *tsunagari.Account, cv Conversion) *tsunagari.Community {
	c := &tsunagari.Community{Kind: cv.Kind, Name: strings.TrimSpace(cv.Name), Purpose: strings.TrimSpace(cv.Purpose),
		Description: i.Description, Tags: i.Tags, Languages: []string{"ja"}, JoinPolicy: tsunagari.JoinOpen,
		Organisers: []tsunagari.Organiser{{AccountID: poster.ID, Name: poster.Name, Role: tsunagari.CommunityOrganiser}}}
	if c.Kind == "" {
		c.Kind = i.SuggestKind()
	}
	if c.Name == "" {
		c.Name = truncate(i.Title, tsunagari.MaxCommunityNameLen)
	}
	if c.Purpose == "" {
		c.Purpose = truncate(i.Title, tsunagari.MaxPurposeLen)
	}
	if i.Area == tsunagari.IdeaOnline {
		c.Online = true
	} else {
		c.Prefecture = i.Area
		if c.Kind == tsunagari.CommunityRegionalAlumni {
			c.HomePrefecture = i.Area
		}
	}
	return c
}

// Convert turns actor's idea into a community once it has enough
// supporters, inviting them, in one transaction. Only the poster may;
// to anyone else the idea answers as one that does not exist.
func (s *Service) Convert(ctx context.Context, actor *tsunagari.Account, id string, cv Conversion) (*tsunagari.Community, error) {
	i, err := s.find(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	switch {
	case i.PosterID != actor.ID:
		return nil, errNotFound
	case i.Converted():
		return nil, errDone
	case i.SupporterCount < i.Threshold:
		return nil, tsunagari.NewError(tsunagari.CodeConflict, "idea.below_threshold", i.Threshold, i.SupporterCount)
	case cv.Kind != "" && !cv.Kind.Valid():
		return nil, tsunagari.Invalid("kind", "community.kind_invalid")
	}
	c := Community(i, actor, cv)
	c.Clean()
	if err := c.Validate(); err != nil {
		return nil, err
	}
	c.CreatedAt = s.now()
	err = s.Store.ConvertIdea(ctx, i.ID, c, c.CreatedAt, s.invitation)
	switch {
	case errors.Is(err, tsunagari.ErrConflict):
		// Someone took their support back, or the idea converted, in
		// the meantime.
		if now, ferr := s.Store.FindIdeaByID(ctx, i.ID); ferr == nil && !now.Converted() {
			return nil, tsunagari.NewError(tsunagari.CodeConflict, "idea.below_threshold", now.Threshold, now.SupporterCount)
		}
		return nil, errDone
	case err != nil:
		return nil, fmt.Errorf("convert idea: %w", err)
	}
	if err := s.Audit.Record(ctx, &tsunagari.AuditEvent{ActorID: actor.ID, Action: tsunagari.AuditIdeaConvert,
		Outcome: tsunagari.OutcomeSuccess, TargetType: "community", TargetID: c.ID}); err != nil {
		return nil, err
	}
	return c, nil
}

// invitation writes the mail that invites a supporter to the community
// the idea became, in their language or in Japanese and English.
func (s *Service) invitation(i *tsunagari.Idea, c *tsunagari.Community, x *tsunagari.IdeaSupport) *tsunagari.Mail {
	if s.Catalog == nil || x.Email == "" {
		return nil
	}
	printers := []i18n.Printer{s.Catalog.Printer("ja"), s.Catalog.Printer("en")}
	if x.Locale == "ja" || x.Locale == "en" {
		printers = []i18n.Printer{s.Catalog.Printer(x.Locale)}
	}
	link := s.BaseURL + "/communities/" + c.ID
	var subjects, bodies []string
	for _, p := range printers {
		subjects = append(subjects, p.T("mail.idea.invited.subject", c.Name))
		bodies = append(bodies, p.T("mail.idea.invited.body", x.Name, i.Title, c.Name, link))
	}
	return &tsunagari.Mail{To: x.Email, Kind: "idea_invitation", Subject: strings.Join(subjects, " / "),
		Body: strings.Join(bodies, "\n\n----\n\n")}
}
