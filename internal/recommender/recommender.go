// Package recommender recommends third communities to members: it keeps
// package recommend's index of community vectors fresh as people join and
// leave in any process that serves the database, reads each member's own
// profile, wish, filters, diagnoses and marks on their own request, and
// lets operators set the weights. Every method takes the acting account.
package recommender

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"tsunagari"
	"tsunagari/internal/audit"
	"tsunagari/internal/event"
	"tsunagari/internal/recommend"
	"tsunagari/internal/survey"
)

// Service implements recommendations.
type Service struct {
	Store       tsunagari.RecommendStore
	Communities tsunagari.CommunityStore
	// Surveys gives a member's own latest values diagnosis and isolation
	// check.
	Surveys tsunagari.SurveyStore
	Audit   *audit.Service
	Logger  *slog.Logger
	Now     func() time.Time
	// Events, if set, gives the next open event of each recommended
	// community that welcomes a trial visit.
	Events *event.Service

	index   atomic.Pointer[recommend.Index]
	weights atomic.Pointer[tsunagari.RecommendWeights]
	// applied counts the batches of changes applied, for tests.
	applied atomic.Int64
	mu      sync.Mutex // serialises applying changes
}

// TrialEvent is an upcoming event of a community where newcomers may come
// and look (見学歓迎).
type TrialEvent struct {
	ID       string    `json:"id"`
	Title    string    `json:"title"`
	StartsAt time.Time `json:"startsAt"`
	Online   bool      `json:"online"`
}

// maxRefresh is the number of changed communities above which the whole
// index is rebuilt rather than refreshed one by one.
const maxRefresh = 2000

// retryWatch is how long the service waits before watching again after
// the watch failed.
var retryWatch = time.Second

var (
	errSignIn   = tsunagari.NewError(tsunagari.CodeUnauthorized, "auth.sign_in_required")
	errNotFound = tsunagari.NewError(tsunagari.CodeNotFound, "error.not_found")
	errNotReady = tsunagari.NewError(tsunagari.CodeUnavailable, "recommend.not_ready")
)

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now().UTC().Truncate(time.Second)
	}
	return s.Now().UTC().Truncate(time.Second)
}

func (s *Service) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}

// Start builds the index and keeps it fresh until ctx is done. It returns
// once the index is built, or with the error that kept it from being
// built.
func (s *Service) Start(ctx context.Context) error {
	first := make(chan error, 1)
	var once sync.Once
	go func() {
		for {
			err := s.Store.WatchRecommendChanges(ctx, func(cs []tsunagari.RecommendChange) error {
				err := s.apply(ctx, cs)
				once.Do(func() { first <- err })
				if err != nil && ctx.Err() == nil {
					// Watch again: the next watch starts by reading
					// everything, which repairs whatever this missed.
					return fmt.Errorf("apply changes: %w", err)
				}
				return nil
			})
			if ctx.Err() != nil {
				once.Do(func() { first <- ctx.Err() })
				return
			}
			once.Do(func() { first <- err })
			s.logger().Error("recommendations: watching changes failed; watching again", "err", err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(retryWatch):
			}
		}
	}()
	return <-first
}

// Ready reports whether the index has been built.
func (s *Service) Ready() bool { return s.index.Load() != nil }

// Indexed reports whether the community is among those that may be
// recommended now.
func (s *Service) Indexed(id string) bool {
	x := s.index.Load()
	return x != nil && x.Has(id)
}

// Applied returns how many batches of changes the service has applied.
func (s *Service) Applied() int64 { return s.applied.Load() }

// apply brings the index up to date with cs.
func (s *Service) apply(ctx context.Context, cs []tsunagari.RecommendChange) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.applied.Add(1)
	rebuild, weights := s.index.Load() == nil, false
	communities := map[string]bool{}
	var accounts []string
	for _, c := range cs {
		switch {
		case c.All:
			rebuild = true
		case c.Weights:
			weights = true
		case c.CommunityID != "":
			communities[c.CommunityID] = true
		case c.AccountID != "":
			accounts = append(accounts, c.AccountID)
		}
	}
	if rebuild {
		return s.rebuild(ctx)
	}
	if weights {
		if err := s.loadWeights(ctx); err != nil {
			return err
		}
	}
	if len(accounts) > 0 {
		// A member's profile or values changed: so did the aggregates of
		// every community they belong to.
		ids, err := s.Store.AccountCommunities(ctx, accounts)
		if err != nil {
			return err
		}
		for _, id := range ids {
			communities[id] = true
		}
	}
	if len(communities) == 0 {
		return nil
	}
	if len(communities) > maxRefresh {
		return s.rebuild(ctx)
	}
	ids := make([]string, 0, len(communities))
	for id := range communities {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	x := s.index.Load()
	seen := map[string]bool{}
	if err := s.Store.EachCommunitySignals(ctx, ids, func(sig *tsunagari.CommunitySignals) error {
		x.Put(sig)
		seen[sig.Community.ID] = true
		return nil
	}); err != nil {
		return err
	}
	for _, id := range ids {
		if !seen[id] {
			x.Remove(id) // hidden, or gone
		}
	}
	return nil
}

// rebuild reads every community into a new index and puts it in place of
// the old one, and reads the weights.
func (s *Service) rebuild(ctx context.Context) error {
	start := time.Now()
	x := recommend.NewIndex()
	if err := s.Store.EachCommunitySignals(ctx, nil, func(sig *tsunagari.CommunitySignals) error {
		x.Put(sig)
		return nil
	}); err != nil {
		return fmt.Errorf("build recommendation index: %w", err)
	}
	if err := s.loadWeights(ctx); err != nil {
		return err
	}
	s.index.Store(x)
	s.logger().Debug("recommendation index built", "communities", x.Len(), "ms", time.Since(start).Milliseconds())
	return nil
}

func (s *Service) loadWeights(ctx context.Context) error {
	w, err := s.Store.FindRecommendWeights(ctx)
	switch {
	case errors.Is(err, tsunagari.ErrNotFound):
		d := tsunagari.DefaultRecommendWeights()
		w = &d
	case err != nil:
		return fmt.Errorf("read recommendation weights: %w", err)
	}
	s.weights.Store(w)
	return nil
}

// currentWeights returns the weights in force.
func (s *Service) currentWeights() tsunagari.RecommendWeights {
	if w := s.weights.Load(); w != nil {
		return *w
	}
	return tsunagari.DefaultRecommendWeights()
}

// Options shape one request for recommendations.
type Options struct {
	// Limit is the number wanted; recommend.DefaultLimit if 0.
	Limit int
	// Filter, if set, replaces the member's saved filters for this
	// request; its wish is not read.
	Filter *tsunagari.RecommendPrefs
}

// Item is one recommendation as a member sees it.
type Item struct {
	recommend.Recommendation
	// NextTrial is the next event that welcomes a trial visit, if known.
	NextTrial *TrialEvent
}

// Result is a member's recommendations with what they rest on.
type Result struct {
	Items []Item
	// Prefs are the member's saved wish and filters; Filter the filters
	// applied.
	Prefs  *tsunagari.RecommendPrefs
	Filter tsunagari.RecommendPrefs
	// GivenUp are the challenges of the member's latest isolation check;
	// HasValues is true if they have taken the values diagnosis.
	GivenUp   []string
	HasValues bool
	// Missing lists the profile fields ("jobFamily", "homePrefecture",
	// ...) that would make recommendations better.
	Missing []string
}

// Recommend ranks communities for actor, from their own profile, wish,
// filters, diagnoses and marks, and the current members of each
// community.
func (s *Service) Recommend(ctx context.Context, actor *tsunagari.Account, opt Options) (*Result, error) {
	if actor == nil {
		return nil, errSignIn
	}
	x := s.index.Load()
	if x == nil {
		return nil, errNotReady
	}
	if opt.Limit < 0 || opt.Limit > recommend.MaxLimit {
		return nil, tsunagari.Invalid("limit", "recommend.limit_invalid", recommend.MaxLimit)
	}
	prefs, err := s.Preferences(ctx, actor)
	if err != nil {
		return nil, err
	}
	res := &Result{Prefs: prefs, Filter: *prefs}
	if opt.Filter != nil {
		f := *opt.Filter
		f.Clean()
		f.Wish = ""
		if err := f.Validate(); err != nil {
			return nil, err
		}
		res.Filter = f
	}
	m := recommend.Member{JobFamily: actor.JobFamily, Industry: actor.Industry, AgeBand: actor.AgeBand,
		Prefecture: actor.Prefecture, HomePrefecture: actor.HomePrefecture, Wish: prefs.Wish}
	for _, f := range []struct{ name, value string }{
		{"jobFamily", actor.JobFamily}, {"industry", actor.Industry}, {"ageBand", actor.AgeBand},
		{"prefecture", actor.Prefecture}, {"homePrefecture", actor.HomePrefecture},
	} {
		if f.value == "" {
			res.Missing = append(res.Missing, f.name)
		}
	}
	mine, err := s.Communities.FindMemberships(ctx, tsunagari.MembershipFilter{AccountID: actor.ID})
	if err != nil {
		return nil, err
	}
	for _, ms := range mine {
		m.Exclude = append(m.Exclude, ms.CommunityID)
	}
	marks, err := s.Store.FindCommunityMarks(ctx, actor.ID)
	if err != nil {
		return nil, err
	}
	for _, mk := range marks {
		switch mk.Mark {
		case tsunagari.MarkDismiss:
			m.Dismissed = append(m.Dismissed, mk.CommunityID)
		case tsunagari.MarkBookmark:
			m.Bookmarked = append(m.Bookmarked, mk.CommunityID)
		}
	}
	if m.Values, err = latest(ctx, s, actor, survey.ValuesDiagnosis, func(r *tsunagari.Response) []tsunagari.Score { return r.Scores }); err != nil {
		return nil, err
	}
	res.HasValues = m.Values != nil
	if m.GivenUp, err = latest(ctx, s, actor, survey.IsolationCheck, givenUp); err != nil {
		return nil, err
	}
	res.GivenUp = m.GivenUp

	recs := x.Rank(recommend.Query{Member: m, Filter: res.Filter, Weights: s.currentWeights(), Limit: opt.Limit})
	res.Items = make([]Item, len(recs))
	ids := make([]string, len(recs))
	for i, r := range recs {
		res.Items[i].Recommendation = r
		ids[i] = r.Community.ID
	}
	if s.Events != nil {
		for i, id := range ids {
			l, ok, err := s.Events.NextTrial(ctx, actor, id)
			if err != nil {
				return nil, fmt.Errorf("next trial event of %s: %w", id, err)
			}
			if ok && l.Next != nil && l.Next.Open {
				e := l.Event.Event
				res.Items[i].NextTrial = &TrialEvent{ID: e.ID, Title: e.Title, StartsAt: l.Next.StartsAt, Online: e.Online}
			}
		}
	}
	return res, nil
}

// latest reads actor's own latest response to an instrument with read;
// the zero value if they have not answered it.
func latest[T any](ctx context.Context, s *Service, actor *tsunagari.Account, instrument string, read func(*tsunagari.Response) T) (T, error) {
	var zero T
	rs, err := s.Surveys.FindResponses(ctx, tsunagari.ResponseFilter{AccountID: actor.ID, InstrumentID: instrument, Limit: 1})
	if err != nil || len(rs) == 0 {
		return zero, err
	}
	return read(rs[0]), nil
}

// givenUp returns the given-up challenges of an isolation check.
func givenUp(r *tsunagari.Response) []string {
	var out []string
	for _, a := range r.Answers {
		if a.Item != "given_up" {
			continue
		}
		for _, c := range a.Choices {
			if slices.Contains(survey.GivenUp, c) {
				out = append(out, c)
			}
		}
	}
	return out
}

// Preferences returns actor's own wish and filters; empty ones if they
// have saved none.
func (s *Service) Preferences(ctx context.Context, actor *tsunagari.Account) (*tsunagari.RecommendPrefs, error) {
	if actor == nil {
		return nil, errSignIn
	}
	p, err := s.Store.FindRecommendPrefs(ctx, actor.ID)
	if errors.Is(err, tsunagari.ErrNotFound) {
		return &tsunagari.RecommendPrefs{AccountID: actor.ID}, nil
	}
	return p, err
}

// SavePreferences changes actor's own wish and filters. Invalid input
// changes nothing.
func (s *Service) SavePreferences(ctx context.Context, actor *tsunagari.Account, upd tsunagari.RecommendPrefsUpdate) (*tsunagari.RecommendPrefs, error) {
	p, err := s.Preferences(ctx, actor)
	if err != nil {
		return nil, err
	}
	upd.Apply(p)
	p.Clean()
	if err := p.Validate(); err != nil {
		return nil, err
	}
	p.UpdatedAt = s.now()
	if err := s.Store.SaveRecommendPrefs(ctx, p); err != nil {
		return nil, fmt.Errorf("save preferences: %w", err)
	}
	return p, nil
}

// visible returns the community if it exists and is not hidden; not
// found otherwise, alike.
func (s *Service) visible(ctx context.Context, id string) (*tsunagari.Community, error) {
	if !tsunagari.ValidID(id) {
		return nil, errNotFound
	}
	c, err := s.Communities.FindCommunityByID(ctx, id)
	switch {
	case errors.Is(err, tsunagari.ErrNotFound):
		return nil, errNotFound
	case err != nil:
		return nil, err
	case c.Hidden():
		return nil, errNotFound
	}
	return c, nil
}

// Mark bookmarks or dismisses a community for actor, in place of an
// earlier mark.
func (s *Service) Mark(ctx context.Context, actor *tsunagari.Account, communityID string, mark tsunagari.Mark) (*tsunagari.CommunityMark, error) {
	if actor == nil {
		return nil, errSignIn
	}
	if !mark.Valid() {
		return nil, tsunagari.Invalid("mark", "recommend.mark_invalid")
	}
	if _, err := s.visible(ctx, communityID); err != nil {
		return nil, err
	}
	m := &tsunagari.CommunityMark{AccountID: actor.ID, CommunityID: communityID, Mark: mark, MarkedAt: s.now()}
	switch err := s.Store.SetCommunityMark(ctx, m); {
	case errors.Is(err, tsunagari.ErrNotFound):
		return nil, errNotFound
	case err != nil:
		return nil, fmt.Errorf("mark community: %w", err)
	}
	return m, nil
}

// Unmark removes actor's mark of a community.
func (s *Service) Unmark(ctx context.Context, actor *tsunagari.Account, communityID string) error {
	if actor == nil {
		return errSignIn
	}
	if !tsunagari.ValidID(communityID) {
		return errNotFound
	}
	switch err := s.Store.DeleteCommunityMark(ctx, actor.ID, communityID); {
	case errors.Is(err, tsunagari.ErrNotFound):
		return errNotFound
	case err != nil:
		return fmt.Errorf("unmark community: %w", err)
	}
	return nil
}

// Marked is a community actor marked.
type Marked struct {
	Community *tsunagari.Community
	Mark      *tsunagari.CommunityMark
}

// Marks returns actor's marks with their communities, newest first,
// leaving out communities that are hidden now.
func (s *Service) Marks(ctx context.Context, actor *tsunagari.Account) ([]Marked, error) {
	if actor == nil {
		return nil, errSignIn
	}
	marks, err := s.Store.FindCommunityMarks(ctx, actor.ID)
	if err != nil {
		return nil, err
	}
	out := make([]Marked, 0, len(marks))
	for _, m := range marks {
		c, err := s.visible(ctx, m.CommunityID)
		if tsunagari.ErrorCode(err) == tsunagari.CodeNotFound {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, Marked{Community: c, Mark: m})
	}
	return out, nil
}

// operator returns errNotFound unless actor is an operator: the weights
// are no one else's business.
func operator(actor *tsunagari.Account) error {
	switch {
	case actor == nil:
		return errSignIn
	case !actor.Has(tsunagari.RoleOperator):
		return errNotFound
	}
	return nil
}

// Weights returns the weights in force, for an operator.
func (s *Service) Weights(ctx context.Context, actor *tsunagari.Account) (*tsunagari.RecommendWeights, error) {
	if err := operator(actor); err != nil {
		return nil, err
	}
	w, err := s.Store.FindRecommendWeights(ctx)
	if errors.Is(err, tsunagari.ErrNotFound) {
		d := tsunagari.DefaultRecommendWeights()
		return &d, nil
	}
	return w, err
}

// SaveWeights sets the weights, for an operator. They take effect in
// every process at once.
func (s *Service) SaveWeights(ctx context.Context, actor *tsunagari.Account, w *tsunagari.RecommendWeights) error {
	if err := operator(actor); err != nil {
		return err
	}
	if err := w.Validate(); err != nil {
		return err
	}
	w.UpdatedAt, w.UpdatedBy = s.now(), actor.ID
	if err := s.Store.SaveRecommendWeights(ctx, w); err != nil {
		return fmt.Errorf("save weights: %w", err)
	}
	c := *w
	s.weights.Store(&c)
	return s.Audit.Record(ctx, &tsunagari.AuditEvent{ActorID: actor.ID, Action: tsunagari.AuditRecommendWeights,
		Outcome: tsunagari.OutcomeSuccess, TargetType: "recommend_weights"})
}
