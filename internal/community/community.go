// Package community runs the directory of third communities: finding
// them, joining at the depth one chooses and leaving at once, rating their
// traits after a month, and the organisers' and operators' work on them.
// Every method takes the acting account.
//
// What a person may not see answers "not found", the same as what does
// not exist: a hidden community is not found by anyone but operators and
// its own organisers, and the members of a community are known only to
// its organisers.
package community

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"tsunagari"
	"tsunagari/internal/audit"
	"tsunagari/internal/search"
)

// Service implements the directory.
type Service struct {
	Store tsunagari.CommunityStore
	// Accounts and Orgs check the organisers (by email) and companies
	// that an import names.
	Accounts tsunagari.AccountStore
	Orgs     tsunagari.OrgStore
	// Audit records communities created, hidden, shown and imported.
	Audit *audit.Service
	Now   func() time.Time
}

func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Second) }

var (
	errSignIn   = tsunagari.NewError(tsunagari.CodeUnauthorized, "auth.sign_in_required")
	errNotFound = tsunagari.NewError(tsunagari.CodeNotFound, "community.not_found")
)

// PageSize is the number of communities on one page of results.
const PageSize = 20

// Results is one page of a search.
type Results struct {
	Communities []*tsunagari.Community
	Total       int
	// Query is the query as it was read; Query.TooShort() means the
	// person typed something too short to look for, and the results are
	// the directory as if nothing had been typed.
	Query  search.Query
	Offset int
	Limit  int
}

// Search finds communities for actor. Hidden ones are left out except for
// operators who ask for them.
func (s *Service) Search(ctx context.Context, actor *tsunagari.Account, f tsunagari.CommunitySearch) (*Results, error) {
	if actor == nil {
		return nil, errSignIn
	}
	if f.IncludeHidden && !actor.Has(tsunagari.RoleOperator) {
		f.IncludeHidden = false
	}
	f.MemberID, f.OrganiserID = "", ""
	if f.Limit <= 0 || f.Limit > 100 {
		f.Limit = PageSize
	}
	f.Offset = max(0, min(f.Offset, 10_000))
	if err := checkFilter(f); err != nil {
		return nil, err
	}
	list, total, err := s.Store.SearchCommunities(ctx, f)
	if err != nil {
		return nil, err
	}
	return &Results{Communities: list, Total: total, Query: search.Parse(f.Query), Offset: f.Offset, Limit: f.Limit}, nil
}

// checkFilter rejects filters that name unknown values.
func checkFilter(f tsunagari.CommunitySearch) error {
	for _, k := range f.Kinds {
		if !k.Valid() {
			return tsunagari.Invalid("kind", "community.kind_invalid")
		}
	}
	for _, t := range f.Traits {
		if !t.Valid() {
			return tsunagari.Invalid("trait", "community.trait_invalid")
		}
	}
	switch {
	case f.Prefecture != "" && tsunagari.PrefectureByCode(f.Prefecture) == nil:
		return tsunagari.Invalid("prefecture", "community.prefecture_invalid")
	case f.MaxFee != nil && *f.MaxFee < 0:
		return tsunagari.Invalid("maxFee", "community.fee_invalid", tsunagari.MaxMonthlyFee)
	case f.MaxHours != nil && *f.MaxHours < 0:
		return tsunagari.Invalid("maxHours", "community.hours_invalid", tsunagari.MaxHoursPerMonth)
	}
	return nil
}

// Mine lists the communities actor belongs to or has asked to join,
// hidden ones too, so that they can always leave.
func (s *Service) Mine(ctx context.Context, actor *tsunagari.Account) ([]*tsunagari.Community, map[string]*tsunagari.Membership, error) {
	if actor == nil {
		return nil, nil, errSignIn
	}
	list, _, err := s.Store.SearchCommunities(ctx, tsunagari.CommunitySearch{MemberID: actor.ID, IncludeHidden: true})
	if err != nil {
		return nil, nil, err
	}
	ms, err := s.Store.FindMemberships(ctx, tsunagari.MembershipFilter{AccountID: actor.ID})
	if err != nil {
		return nil, nil, err
	}
	byID := make(map[string]*tsunagari.Membership, len(ms))
	for _, m := range ms {
		byID[m.CommunityID] = m
	}
	return list, byID, nil
}

// View is a community as one account sees it.
type View struct {
	Community *tsunagari.Community
	// Membership is the viewer's, or nil.
	Membership *tsunagari.Membership
	// Traits pairs what organisers declare with what members say.
	Traits []TraitView
	// MyRating is the viewer's own rating, or nil.
	MyRating *tsunagari.TraitRating
	// MayRate says whether the viewer may rate now; RateFrom is when an
	// active member may start.
	MayRate  bool
	RateFrom time.Time
	// Runs says whether the viewer organises the community, Leads whether
	// they are its organiser rather than a co-organiser.
	Runs, Leads bool
	// Moderates says whether the viewer is an operator.
	Moderates bool
	// Pending counts join requests waiting, for organisers.
	Pending int
}

// TraitView is one trait as declared and as rated. Members' ratings are
// shown only once at least tsunagari.MinTraitRaters have rated.
type TraitView struct {
	Trait    tsunagari.Trait
	Declared bool
	Raters   int
	Mean     float64
	Shown    bool
}

// see returns the community actor may see: any visible one, and a hidden
// one only to operators and its organisers.
func (s *Service) see(ctx context.Context, actor *tsunagari.Account, id string) (*tsunagari.Community, *tsunagari.Membership, error) {
	if actor == nil {
		return nil, nil, errSignIn
	}
	if !tsunagari.ValidID(id) {
		return nil, nil, errNotFound
	}
	c, err := s.Store.FindCommunityByID(ctx, id)
	if errors.Is(err, tsunagari.ErrNotFound) {
		return nil, nil, errNotFound
	}
	if err != nil {
		return nil, nil, err
	}
	m, err := s.Store.FindMembership(ctx, id, actor.ID)
	switch {
	case errors.Is(err, tsunagari.ErrNotFound):
		m = nil
	case err != nil:
		return nil, nil, err
	}
	if c.Hidden() && !actor.Has(tsunagari.RoleOperator) && (m == nil || !m.Role.Runs()) {
		return nil, nil, errNotFound
	}
	return c, m, nil
}

// Community returns community id as actor sees it.
func (s *Service) Community(ctx context.Context, actor *tsunagari.Account, id string) (*View, error) {
	c, m, err := s.see(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	v := &View{Community: c, Membership: m, Moderates: actor.Has(tsunagari.RoleOperator)}
	scores, err := s.Store.TraitScores(ctx, id)
	if err != nil {
		return nil, err
	}
	for _, sc := range scores {
		tv := TraitView{Trait: sc.Trait, Declared: c.Has(sc.Trait)}
		if sc.Raters >= tsunagari.MinTraitRaters {
			tv.Raters, tv.Mean, tv.Shown = sc.Raters, sc.Mean, true
		}
		v.Traits = append(v.Traits, tv)
	}
	if m != nil {
		v.Runs, v.Leads = m.Role.Runs(), m.Role == tsunagari.CommunityOrganiser
		if m.Status == tsunagari.MembershipActive {
			v.RateFrom = m.JoinedAt.AddDate(0, 0, tsunagari.MinMembershipDaysToRate)
			v.MayRate = m.MayRate(s.now())
			r, err := s.Store.FindTraitRating(ctx, id, actor.ID)
			switch {
			case err == nil:
				v.MyRating = r
			case !errors.Is(err, tsunagari.ErrNotFound):
				return nil, err
			}
		}
	}
	if v.Runs {
		pending, err := s.Store.FindMemberships(ctx, tsunagari.MembershipFilter{CommunityID: id, Status: tsunagari.MembershipPending})
		if err != nil {
			return nil, err
		}
		v.Pending = len(pending)
	}
	return v, nil
}

// MayCreate reports whether actor may start communities: organisers and
// operators.
func MayCreate(actor *tsunagari.Account) bool {
	return actor.Has(tsunagari.RoleOrganiser) || actor.Has(tsunagari.RoleOperator)
}

// Create starts community c with actor as its organiser.
func (s *Service) Create(ctx context.Context, actor *tsunagari.Account, c *tsunagari.Community) error {
	if actor == nil {
		return errSignIn
	}
	if !MayCreate(actor) {
		return errNotFound
	}
	c.ID, c.HiddenAt, c.HiddenReason, c.MemberCount = "", nil, "", 0
	c.Clean()
	if err := c.Validate(); err != nil {
		return err
	}
	c.CreatedAt, c.UpdatedAt = s.now(), time.Time{}
	c.Organisers = []tsunagari.Organiser{{AccountID: actor.ID, Name: actor.Name, Role: tsunagari.CommunityOrganiser}}
	if err := s.Store.CreateCommunity(ctx, c); err != nil {
		if errors.Is(err, tsunagari.ErrNotFound) {
			return tsunagari.Invalid("orgId", "community.org_unknown")
		}
		return err
	}
	return s.Audit.Record(ctx, &tsunagari.AuditEvent{ActorID: actor.ID, Action: tsunagari.AuditCommunityCreate,
		Outcome: tsunagari.OutcomeSuccess, TargetType: "community", TargetID: c.ID})
}

// running returns the community id and actor's membership if actor runs
// it, and "not found" otherwise.
func (s *Service) running(ctx context.Context, actor *tsunagari.Account, id string) (*tsunagari.Community, *tsunagari.Membership, error) {
	c, m, err := s.see(ctx, actor, id)
	if err != nil {
		return nil, nil, err
	}
	if m == nil || !m.Role.Runs() {
		return nil, nil, errNotFound
	}
	return c, m, nil
}

// Update saves the editable fields of upd onto community upd.ID; its
// organisers only.
func (s *Service) Update(ctx context.Context, actor *tsunagari.Account, upd *tsunagari.Community) (*tsunagari.Community, error) {
	c, _, err := s.running(ctx, actor, upd.ID)
	if err != nil {
		return nil, err
	}
	upd.Clean()
	c.Kind, c.Name, c.Purpose, c.Description, c.Tags, c.Styles = upd.Kind, upd.Name, upd.Purpose, upd.Description, upd.Tags, upd.Styles
	c.Prefecture, c.Online, c.HomePrefecture, c.OrgID = upd.Prefecture, upd.Online, upd.HomePrefecture, upd.OrgID
	c.JobFamily, c.Industry, c.MonthlyFee, c.HoursPerMonth = upd.JobFamily, upd.Industry, upd.MonthlyFee, upd.HoursPerMonth
	c.Languages, c.JoinPolicy, c.Traits = upd.Languages, upd.JoinPolicy, upd.Traits
	if err := c.Validate(); err != nil {
		return nil, err
	}
	c.UpdatedAt = s.now()
	if err := s.Store.UpdateCommunity(ctx, c); err != nil {
		if errors.Is(err, tsunagari.ErrNotFound) {
			return nil, tsunagari.Invalid("orgId", "community.org_unknown")
		}
		return nil, err
	}
	return c, nil
}

// Join makes actor a member of community id at the chosen involvement:
// at once if the community is open, or once an organiser approves.
func (s *Service) Join(ctx context.Context, actor *tsunagari.Account, id string, involvement tsunagari.Involvement) (*tsunagari.Membership, error) {
	c, m, err := s.see(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if c.Hidden() {
		// Organisers and operators see it, but nobody joins it.
		return nil, tsunagari.NewError(tsunagari.CodeConflict, "community.hidden_no_join")
	}
	if m != nil {
		return nil, tsunagari.NewError(tsunagari.CodeConflict, "community.already_member")
	}
	if involvement == "" {
		involvement = tsunagari.InvolvementObserver
	}
	if !involvement.Valid() {
		return nil, tsunagari.Invalid("involvement", "community.involvement_invalid")
	}
	m = &tsunagari.Membership{CommunityID: id, AccountID: actor.ID, Name: actor.Name, Involvement: involvement,
		Role: tsunagari.CommunityMember, Status: tsunagari.MembershipActive, RequestedAt: s.now()}
	if c.JoinPolicy == tsunagari.JoinApproval {
		m.Status = tsunagari.MembershipPending
	} else {
		m.JoinedAt = m.RequestedAt
	}
	switch err := s.Store.CreateMembership(ctx, m); {
	case errors.Is(err, tsunagari.ErrConflict):
		return nil, tsunagari.NewError(tsunagari.CodeConflict, "community.already_member")
	case errors.Is(err, tsunagari.ErrNotFound):
		return nil, errNotFound
	case err != nil:
		return nil, err
	}
	return m, nil
}

// Leave ends actor's membership of community id at once, or withdraws
// their request to join. Nothing is asked. Members of a hidden community
// can leave it too. The organiser must first hand the community over.
func (s *Service) Leave(ctx context.Context, actor *tsunagari.Account, id string) error {
	if actor == nil {
		return errSignIn
	}
	if !tsunagari.ValidID(id) {
		return errNotFound
	}
	switch err := s.Store.DeleteMembership(ctx, id, actor.ID); {
	case errors.Is(err, tsunagari.ErrNotFound):
		return tsunagari.NewError(tsunagari.CodeNotFound, "community.not_member")
	case errors.Is(err, tsunagari.ErrConflict):
		return tsunagari.NewError(tsunagari.CodeConflict, "community.last_organiser")
	case err != nil:
		return err
	}
	return nil
}

// SetInvolvement changes how deeply actor takes part in community id.
func (s *Service) SetInvolvement(ctx context.Context, actor *tsunagari.Account, id string, involvement tsunagari.Involvement) error {
	_, m, err := s.see(ctx, actor, id)
	if err != nil {
		return err
	}
	if m == nil {
		return tsunagari.NewError(tsunagari.CodeConflict, "community.not_member")
	}
	if !involvement.Valid() {
		return tsunagari.Invalid("involvement", "community.involvement_invalid")
	}
	if m.Role.Runs() && involvement != tsunagari.InvolvementCore {
		return tsunagari.Invalid("involvement", "community.organisers_are_core")
	}
	m.Involvement = involvement
	return s.Store.UpdateMembership(ctx, m)
}

// Rate replaces actor's rating of community id's traits; members of at
// least tsunagari.MinMembershipDaysToRate days only.
func (s *Service) Rate(ctx context.Context, actor *tsunagari.Account, id string, scores map[tsunagari.Trait]int) error {
	_, m, err := s.see(ctx, actor, id)
	if err != nil {
		return err
	}
	if m == nil || m.Status != tsunagari.MembershipActive {
		return tsunagari.NewError(tsunagari.CodeConflict, "community.not_member")
	}
	if !m.MayRate(s.now()) {
		return tsunagari.NewError(tsunagari.CodeConflict, "community.rate_too_soon", tsunagari.MinMembershipDaysToRate)
	}
	r := &tsunagari.TraitRating{CommunityID: id, AccountID: actor.ID, Scores: scores, RatedAt: s.now()}
	if err := r.Validate(); err != nil {
		return err
	}
	return s.Store.RateTraits(ctx, r)
}

// Members lists the members and join requests of community id, for its
// organisers.
func (s *Service) Members(ctx context.Context, actor *tsunagari.Account, id string) (*tsunagari.Community, []*tsunagari.Membership, *tsunagari.Membership, error) {
	c, me, err := s.running(ctx, actor, id)
	if err != nil {
		return nil, nil, nil, err
	}
	list, err := s.Store.FindMemberships(ctx, tsunagari.MembershipFilter{CommunityID: id})
	return c, list, me, err
}

// member returns the membership of accountID in a community actor runs.
func (s *Service) member(ctx context.Context, actor *tsunagari.Account, id, accountID string) (*tsunagari.Membership, *tsunagari.Membership, error) {
	_, me, err := s.running(ctx, actor, id)
	if err != nil {
		return nil, nil, err
	}
	if !tsunagari.ValidID(accountID) {
		return nil, nil, tsunagari.NewError(tsunagari.CodeNotFound, "community.member_not_found")
	}
	m, err := s.Store.FindMembership(ctx, id, accountID)
	if errors.Is(err, tsunagari.ErrNotFound) {
		return nil, nil, tsunagari.NewError(tsunagari.CodeNotFound, "community.member_not_found")
	}
	return m, me, err
}

// Approve lets a waiting request in; organisers only.
func (s *Service) Approve(ctx context.Context, actor *tsunagari.Account, id, accountID string) error {
	m, _, err := s.member(ctx, actor, id, accountID)
	if err != nil {
		return err
	}
	if m.Status != tsunagari.MembershipPending {
		return tsunagari.NewError(tsunagari.CodeConflict, "community.not_pending")
	}
	m.Status, m.JoinedAt = tsunagari.MembershipActive, s.now()
	return s.Store.UpdateMembership(ctx, m)
}

// Remove declines a waiting request or removes a member; organisers
// only. Organisers and co-organisers are not removed this way: the
// organiser first makes them members again.
func (s *Service) Remove(ctx context.Context, actor *tsunagari.Account, id, accountID string) error {
	m, _, err := s.member(ctx, actor, id, accountID)
	if err != nil {
		return err
	}
	if m.Role.Runs() {
		return tsunagari.NewError(tsunagari.CodeConflict, "community.remove_organiser")
	}
	return s.Store.DeleteMembership(ctx, id, accountID)
}

// SetRole makes a member a co-organiser, a co-organiser a member again,
// or hands the community over to another member, who becomes its
// organiser while actor becomes a co-organiser. Only the organiser does
// this.
func (s *Service) SetRole(ctx context.Context, actor *tsunagari.Account, id, accountID string, role tsunagari.CommunityRole) error {
	m, me, err := s.member(ctx, actor, id, accountID)
	if err != nil {
		return err
	}
	switch {
	case me.Role != tsunagari.CommunityOrganiser:
		return tsunagari.NewError(tsunagari.CodeForbidden, "community.organiser_only")
	case !role.Valid():
		return tsunagari.Invalid("role", "community.role_invalid")
	case m.Status != tsunagari.MembershipActive:
		return tsunagari.NewError(tsunagari.CodeConflict, "community.not_active")
	case m.AccountID == actor.ID:
		return tsunagari.NewError(tsunagari.CodeConflict, "community.own_role")
	}
	if role == tsunagari.CommunityOrganiser {
		// Hand over: the new organiser first, so the community always has one.
		m.Role, m.Involvement = tsunagari.CommunityOrganiser, tsunagari.InvolvementCore
		if err := s.Store.UpdateMembership(ctx, m); err != nil {
			return err
		}
		me.Role = tsunagari.CommunityCoOrganiser
		return s.Store.UpdateMembership(ctx, me)
	}
	m.Role = role
	if role.Runs() {
		m.Involvement = tsunagari.InvolvementCore
	}
	return s.Store.UpdateMembership(ctx, m)
}

// Hide hides community id from everyone but operators and its
// organisers, with a reason its organisers see; operators only.
func (s *Service) Hide(ctx context.Context, actor *tsunagari.Account, id, reason string) error {
	if err := operator(actor); err != nil {
		return err
	}
	reason = strings.TrimSpace(reason)
	switch n := utf8.RuneCountInString(reason); {
	case n == 0:
		return tsunagari.Invalid("reason", "community.hide_reason_required")
	case n > tsunagari.MaxHiddenReasonLen:
		return tsunagari.Invalid("reason", "community.hide_reason_too_long", tsunagari.MaxHiddenReasonLen)
	}
	at := s.now()
	if err := s.setHidden(ctx, id, &at, reason); err != nil {
		return err
	}
	return s.Audit.Record(ctx, &tsunagari.AuditEvent{ActorID: actor.ID, Action: tsunagari.AuditCommunityHide,
		Outcome: tsunagari.OutcomeSuccess, TargetType: "community", TargetID: id})
}

// Show shows a hidden community again; operators only.
func (s *Service) Show(ctx context.Context, actor *tsunagari.Account, id string) error {
	if err := operator(actor); err != nil {
		return err
	}
	if err := s.setHidden(ctx, id, nil, ""); err != nil {
		return err
	}
	return s.Audit.Record(ctx, &tsunagari.AuditEvent{ActorID: actor.ID, Action: tsunagari.AuditCommunityShow,
		Outcome: tsunagari.OutcomeSuccess, TargetType: "community", TargetID: id})
}

func (s *Service) setHidden(ctx context.Context, id string, at *time.Time, reason string) error {
	if !tsunagari.ValidID(id) {
		return errNotFound
	}
	err := s.Store.SetCommunityHidden(ctx, id, at, reason)
	if errors.Is(err, tsunagari.ErrNotFound) {
		return errNotFound
	}
	return err
}

func operator(actor *tsunagari.Account) error {
	switch {
	case actor == nil:
		return errSignIn
	case !actor.Has(tsunagari.RoleOperator):
		return tsunagari.NewError(tsunagari.CodeNotFound, "error.not_found")
	}
	return nil
}
