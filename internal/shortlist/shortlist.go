// Package shortlist proposes consultants to a member: the shortlist of
// ten verified consultants with reasons in the member's own terms,
// keyword search over profiles and messages, bookmarks and ignores, and
// the operator's weights. Every method takes the acting account.
//
// The ranking itself is package match, over an in-memory index of the
// roster of verified consultants. The index is rebuilt when the roster
// changes: a request looks at the store's match version at most every
// CheckEvery, and a new version, a new day or an index older than MaxAge
// makes a new index. Rosters up to SyncRoster consultants are rebuilt
// within the request; larger ones in the background while requests go on
// with the current index.
//
// Nothing here tells anyone but the member whom they were shown, marked
// or looked for. What is stored of a shortlist is a count per consultant
// and day.
package shortlist

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
	"tsunagari/internal/i18n"
	"tsunagari/internal/match"
	"tsunagari/internal/search"
	"tsunagari/internal/survey"
)

// Defaults of the refresh policy.
const (
	DefaultCheckEvery = time.Second
	DefaultMaxAge     = 10 * time.Minute
	// DefaultSyncRoster is the largest roster rebuilt within the request
	// that finds it changed (a few milliseconds); larger ones are
	// rebuilt in the background.
	DefaultSyncRoster = 500
	// MaxSearchPage is the largest page of search results.
	MaxSearchPage = 50
)

// Service implements the shortlist.
type Service struct {
	Store   tsunagari.MatchStore
	Surveys tsunagari.SurveyStore
	// Catalog labels job families and industries in the text a
	// consultant is found by.
	Catalog *i18n.Catalog
	Audit   *audit.Service
	Logger  *slog.Logger
	Now     func() time.Time
	// CheckEvery is how often, at most, requests look whether the roster
	// changed; MaxAge how old an index may grow even when nothing seems
	// to. Zero means the defaults.
	CheckEvery time.Duration
	MaxAge     time.Duration
	// SyncRoster is the largest roster rebuilt within a request; 0 means
	// DefaultSyncRoster, and a negative number rebuilds every roster in
	// the background.
	SyncRoster int

	snap      atomic.Pointer[snapshot]
	build     sync.Mutex // one build at a time
	mu        sync.Mutex // guards what follows
	lastCheck time.Time
	building  bool
	day       int
	seen      map[string]map[string]bool // member → consultants shown to them today
}

// snapshot is an index with what it was built from.
type snapshot struct {
	ix      *match.Index
	version int64
	built   time.Time
	day     int
}

var (
	errSignIn   = tsunagari.NewError(tsunagari.CodeUnauthorized, "auth.sign_in_required")
	errNotFound = tsunagari.NewError(tsunagari.CodeNotFound, "error.not_found")
)

func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Second) }

func (s *Service) checkEvery() time.Duration {
	if s.CheckEvery > 0 {
		return s.CheckEvery
	}
	return DefaultCheckEvery
}

func (s *Service) maxAge() time.Duration {
	if s.MaxAge > 0 {
		return s.MaxAge
	}
	return DefaultMaxAge
}

// Refresh builds a new index of the roster now.
func (s *Service) Refresh(ctx context.Context) error {
	s.build.Lock()
	defer s.build.Unlock()
	_, err := s.buildLocked(ctx)
	return err
}

// rebuild builds a new index in place of stale, unless another request
// did so while this one waited.
func (s *Service) rebuild(ctx context.Context, stale *snapshot) (*snapshot, error) {
	s.build.Lock()
	defer s.build.Unlock()
	if cur := s.snap.Load(); cur != nil && cur != stale {
		return cur, nil
	}
	return s.buildLocked(ctx)
}

// buildLocked builds an index of the roster; s.build is held.
func (s *Service) buildLocked(ctx context.Context) (*snapshot, error) {
	start := time.Now()
	now := s.now()
	// The version is read before the roster: a change that lands while
	// the roster is read moves it again, and the next check rebuilds.
	version, err := s.Store.MatchVersion(ctx)
	if err != nil {
		return nil, fmt.Errorf("match version: %w", err)
	}
	day := tsunagari.Day(now)
	roster, err := s.Store.Roster(ctx, tsunagari.RosterQuery{
		// Whole weeks around the horizon, for the weekly maximum.
		HeldFrom: now.Add(-7 * 24 * time.Hour), HeldTo: now.Add(tsunagari.CapacityHorizon + 7*24*time.Hour),
		ClientsBefore: now, ShownSince: day - tsunagari.ExposureWindow + 1,
	})
	if err != nil {
		return nil, fmt.Errorf("roster: %w", err)
	}
	var dims []string
	in, err := s.Surveys.FindInstrument(ctx, survey.ValuesDiagnosis, 0)
	switch {
	case err == nil:
		for _, d := range in.Dimensions {
			dims = append(dims, d.ID)
		}
	case !errors.Is(err, tsunagari.ErrNotFound):
		return nil, err
	}
	ix := match.Build(roster, match.Config{Dims: dims, Now: now, Doc: s.doc})
	snap := &snapshot{ix: ix, version: version, built: now, day: day}
	if s.Logger != nil {
		s.Logger.Debug("shortlist roster built", "consultants", ix.Len(), "ms", time.Since(start).Milliseconds())
	}
	s.snap.Store(snap)
	return snap, nil
}

// doc is the text a consultant is found by: their name; their themes, job
// families, industries and languages in both languages; their message and
// area.
func (s *Service) doc(c *tsunagari.Consultant) search.Doc {
	var tags, body []string
	for _, id := range c.Themes {
		if t := tsunagari.ThemeByID(id); t != nil {
			tags = append(tags, t.Label.Ja, t.Label.En)
		}
	}
	label := func(key string) {
		if s.Catalog != nil {
			for _, lang := range i18n.Languages {
				if p := s.Catalog.Printer(lang); p.Has(key) {
					tags = append(tags, p.T(key))
				}
			}
		}
	}
	for _, j := range c.JobFamilies {
		label("job_family." + j)
	}
	for _, ind := range c.Industries {
		label("industry." + ind)
	}
	for _, l := range c.Languages {
		label("language." + l)
	}
	body = append(body, c.Message)
	if p := tsunagari.PrefectureByCode(c.Area); p != nil && c.InPerson {
		body = append(body, p.Name, p.En)
	}
	return search.NewDoc(c.DisplayName, tags, body...)
}

// index returns the current index, building the first one, and builds a
// new one when the roster changed: at once for a small roster, in the
// background for a large one.
func (s *Service) index(ctx context.Context) (*snapshot, error) {
	snap := s.snap.Load()
	if snap == nil {
		return s.rebuild(ctx, nil)
	}
	// Checks are paced by the real clock, whatever Now says.
	s.mu.Lock()
	due := !s.building && time.Since(s.lastCheck) >= s.checkEvery()
	if due {
		s.lastCheck = time.Now()
	}
	s.mu.Unlock()
	now := s.now()
	if !due {
		return snap, nil
	}
	stale := tsunagari.Day(now) != snap.day || now.Sub(snap.built) >= s.maxAge()
	if !stale {
		v, err := s.Store.MatchVersion(ctx)
		if err != nil {
			return nil, err
		}
		stale = v != snap.version
	}
	if !stale {
		return snap, nil
	}
	limit := s.SyncRoster
	if limit == 0 {
		limit = DefaultSyncRoster
	}
	if snap.ix.Len() <= limit {
		return s.rebuild(ctx, snap)
	}
	s.mu.Lock()
	if s.building {
		s.mu.Unlock()
		return snap, nil
	}
	s.building = true
	s.mu.Unlock()
	go func() {
		defer func() {
			s.mu.Lock()
			s.building = false
			s.mu.Unlock()
		}()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := s.rebuild(ctx, snap); err != nil && s.Logger != nil {
			s.Logger.Error("rebuild the shortlist's roster", "err", err)
		}
	}()
	return snap, nil
}

// Request is what a member asks a shortlist for: themes, which score, and
// hard constraints, which exclude.
type Request struct {
	Themes []string
	// Mode is "" (online or in person), "online" or "in_person"; Area is
	// the prefecture of an in-person session.
	Mode     string
	Area     string
	Gender   string
	Language string
}

// validate checks r and returns its filter.
func (r *Request) validate() (match.Filter, error) {
	var err error
	if r.Themes, err = tsunagari.CleanThemes("themes", r.Themes, tsunagari.MaxBookingThemes); err != nil {
		return match.Filter{}, err
	}
	switch {
	case r.Mode != "" && r.Mode != match.ModeOnline && r.Mode != match.ModeInPerson:
		return match.Filter{}, tsunagari.Invalid("mode", "shortlist.mode_invalid")
	case r.Area != "" && tsunagari.PrefectureByCode(r.Area) == nil:
		return match.Filter{}, tsunagari.Invalid("area", "account.prefecture_invalid")
	case r.Gender != "" && !slices.Contains(tsunagari.Genders, r.Gender):
		return match.Filter{}, tsunagari.Invalid("gender", "consultation.gender_invalid")
	case r.Language != "" && !slices.Contains(tsunagari.ConsultationLanguages, r.Language):
		return match.Filter{}, tsunagari.Invalid("language", "consultation.language_invalid")
	}
	area := r.Area
	if r.Mode != match.ModeInPerson {
		area = ""
	}
	return match.Filter{Mode: r.Mode, Area: area, Gender: r.Gender, Language: r.Language}, nil
}

// Result is a member's shortlist.
type Result struct {
	Picks []match.Pick
	// Diagnosed is false when the member has not taken the values
	// diagnosis: the list rests on the rest alone.
	Diagnosed bool
	// Roster is how many verified consultants there are.
	Roster int
}

// profile returns what the ranking knows of actor, and whether they have
// a values diagnosis.
func (s *Service) profile(ctx context.Context, actor *tsunagari.Account, themes []string) (match.Profile, bool, error) {
	p := match.Profile{Themes: themes, AgeBand: actor.AgeBand, JobFamily: actor.JobFamily, Industry: actor.Industry}
	rs, err := s.Surveys.FindResponses(ctx, tsunagari.ResponseFilter{AccountID: actor.ID, InstrumentID: survey.ValuesDiagnosis, Limit: 1})
	if err != nil {
		return p, false, err
	}
	if len(rs) > 0 {
		p.Values = rs[0].Scores
	}
	return p, len(rs) > 0, nil
}

// marks returns actor's marks by consultant.
func (s *Service) marks(ctx context.Context, actor *tsunagari.Account) (map[string]tsunagari.MarkKind, error) {
	ms, err := s.Store.FindMarks(ctx, actor.ID)
	if err != nil {
		return nil, err
	}
	out := make(map[string]tsunagari.MarkKind, len(ms))
	for _, m := range ms {
		out[m.ConsultantID] = m.Kind
	}
	return out, nil
}

// Recommend returns actor's shortlist of ten: consultants who meet the
// request's constraints, have free time to serve them, and are not
// ignored by actor, ranked for relevance and variety with the operator's
// weights. Each appearance counts against the consultant's budget once
// per member and day.
func (s *Service) Recommend(ctx context.Context, actor *tsunagari.Account, req Request) (*Result, error) {
	if actor == nil {
		return nil, errSignIn
	}
	f, err := req.validate()
	if err != nil {
		return nil, err
	}
	snap, err := s.index(ctx)
	if err != nil {
		return nil, err
	}
	w, err := s.Store.FindMatchWeights(ctx)
	if err != nil {
		return nil, err
	}
	p, diagnosed, err := s.profile(ctx, actor, req.Themes)
	if err != nil {
		return nil, err
	}
	marks, err := s.marks(ctx, actor)
	if err != nil {
		return nil, err
	}
	f.Exclude = map[string]bool{actor.ID: true}
	for id, k := range marks {
		if k == tsunagari.ConsultantIgnore {
			f.Exclude[id] = true
		}
	}
	day := tsunagari.Day(s.now())
	seen := s.seenBy(actor.ID, day)
	picks := snap.ix.Shortlist(p, f, w, tsunagari.ShortlistSize, seen)
	var reserved []string
	for _, pk := range picks {
		if pk.Reserved {
			reserved = append(reserved, pk.Consultant.AccountID)
		}
	}
	if err := s.Store.RecordShown(ctx, day, reserved); err != nil {
		snap.ix.Release(reserved)
		return nil, fmt.Errorf("record shown: %w", err)
	}
	s.markSeen(actor.ID, day, picks)
	return &Result{Picks: picks, Diagnosed: diagnosed, Roster: snap.ix.Len()}, nil
}

// seenBy returns a copy of the consultants shown to member on day.
func (s *Service) seenBy(member string, day int) map[string]bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.day != day {
		s.day, s.seen = day, map[string]map[string]bool{}
	}
	out := make(map[string]bool, len(s.seen[member]))
	for id := range s.seen[member] {
		out[id] = true
	}
	return out
}

func (s *Service) markSeen(member string, day int, picks []match.Pick) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.day != day {
		return // the day turned meanwhile; tomorrow counts afresh
	}
	m := s.seen[member]
	if m == nil {
		m = map[string]bool{}
		s.seen[member] = m
	}
	for _, pk := range picks {
		m[pk.Consultant.AccountID] = true
	}
}

// Match is one consultant as a member sees them: the profile, why they
// may suit the member, their free time, and the member's mark.
type Match struct {
	match.Pick
	Mark tsunagari.MarkKind
}

// Consultant returns one verified consultant with the reasons they may
// suit actor, who may name the themes they want to talk about; others
// are "not found".
func (s *Service) Consultant(ctx context.Context, actor *tsunagari.Account, id string, themes []string) (*Match, error) {
	if actor == nil {
		return nil, errSignIn
	}
	if !tsunagari.ValidID(id) {
		return nil, errNotFound
	}
	themes, err := tsunagari.CleanThemes("themes", themes, tsunagari.MaxBookingThemes)
	if err != nil {
		return nil, err
	}
	snap, err := s.index(ctx)
	if err != nil {
		return nil, err
	}
	w, err := s.Store.FindMatchWeights(ctx)
	if err != nil {
		return nil, err
	}
	p, _, err := s.profile(ctx, actor, themes)
	if err != nil {
		return nil, err
	}
	pk, ok := snap.ix.Explain(id, p, w)
	if !ok {
		return nil, errNotFound
	}
	marks, err := s.marks(ctx, actor)
	if err != nil {
		return nil, err
	}
	return &Match{Pick: pk, Mark: marks[id]}, nil
}

// SearchRequest is a keyword search with the shortlist's constraints.
type SearchRequest struct {
	Query string
	Request
	Limit, Offset int
}

// SearchResult is one page of a search.
type SearchResult struct {
	Matches []Match
	// Total counts every match, on all pages.
	Total int
	// TooShort is true when every word typed was too short to look up:
	// the member should type a little more.
	TooShort bool
	// Terms are the words looked for, normalised.
	Terms []string
}

// Search finds verified consultants by their profile and message, with
// the same Japanese text rules as community search: text is normalised
// (full width, case, katakana and hiragana) and two-character words are
// found. Consultants actor ignores come last.
func (s *Service) Search(ctx context.Context, actor *tsunagari.Account, req SearchRequest) (*SearchResult, error) {
	if actor == nil {
		return nil, errSignIn
	}
	f, err := req.validate()
	if err != nil {
		return nil, err
	}
	if req.Limit <= 0 || req.Limit > MaxSearchPage {
		req.Limit = 20
	}
	req.Offset = max(req.Offset, 0)
	snap, err := s.index(ctx)
	if err != nil {
		return nil, err
	}
	w, err := s.Store.FindMatchWeights(ctx)
	if err != nil {
		return nil, err
	}
	p, _, err := s.profile(ctx, actor, req.Themes)
	if err != nil {
		return nil, err
	}
	marks, err := s.marks(ctx, actor)
	if err != nil {
		return nil, err
	}
	f.Exclude = map[string]bool{actor.ID: true}
	sink := map[string]bool{}
	for id, k := range marks {
		if k == tsunagari.ConsultantIgnore {
			sink[id] = true
		}
	}
	q := search.Parse(req.Query)
	out := &SearchResult{TooShort: q.TooShort(), Terms: q.Terms}
	if out.TooShort {
		return out, nil
	}
	hits := snap.ix.Search(q, f, sink)
	out.Total = len(hits)
	for _, h := range hits[min(req.Offset, len(hits)):min(req.Offset+req.Limit, len(hits))] {
		pk, _ := snap.ix.Explain(h.Consultant.AccountID, p, w)
		out.Matches = append(out.Matches, Match{Pick: pk, Mark: marks[h.Consultant.AccountID]})
	}
	return out, nil
}

// Mark records actor's bookmark or ignore of a verified consultant.
func (s *Service) Mark(ctx context.Context, actor *tsunagari.Account, consultantID string, kind tsunagari.MarkKind) error {
	if actor == nil {
		return errSignIn
	}
	if !kind.Valid() {
		return tsunagari.Invalid("mark", "shortlist.mark_invalid")
	}
	snap, err := s.index(ctx)
	if err != nil {
		return err
	}
	if !snap.ix.Has(consultantID) || consultantID == actor.ID {
		return errNotFound
	}
	err = s.Store.SetMark(ctx, &tsunagari.ConsultantMark{MemberID: actor.ID, ConsultantID: consultantID, Kind: kind, CreatedAt: s.now()})
	if errors.Is(err, tsunagari.ErrNotFound) {
		return errNotFound
	}
	return err
}

// Unmark removes actor's mark of a consultant.
func (s *Service) Unmark(ctx context.Context, actor *tsunagari.Account, consultantID string) error {
	if actor == nil {
		return errSignIn
	}
	if !tsunagari.ValidID(consultantID) {
		return errNotFound
	}
	err := s.Store.DeleteMark(ctx, actor.ID, consultantID)
	if errors.Is(err, tsunagari.ErrNotFound) {
		return errNotFound
	}
	return err
}

// Marked is one of a member's marks with the consultant, if they are
// still on the roster.
type Marked struct {
	tsunagari.ConsultantMark
	Match *Match
}

// Marks returns actor's marks, newest first.
func (s *Service) Marks(ctx context.Context, actor *tsunagari.Account) ([]Marked, error) {
	if actor == nil {
		return nil, errSignIn
	}
	ms, err := s.Store.FindMarks(ctx, actor.ID)
	if err != nil {
		return nil, err
	}
	if len(ms) == 0 {
		return nil, nil
	}
	snap, err := s.index(ctx)
	if err != nil {
		return nil, err
	}
	w, err := s.Store.FindMatchWeights(ctx)
	if err != nil {
		return nil, err
	}
	p, _, err := s.profile(ctx, actor, nil)
	if err != nil {
		return nil, err
	}
	out := make([]Marked, 0, len(ms))
	for _, m := range ms {
		mk := Marked{ConsultantMark: *m}
		if pk, ok := snap.ix.Explain(m.ConsultantID, p, w); ok {
			mk.Match = &Match{Pick: pk, Mark: m.Kind}
		}
		out = append(out, mk)
	}
	return out, nil
}

// requireOperator returns errNotFound unless actor is an operator: to
// anyone else the settings do not exist.
func requireOperator(actor *tsunagari.Account) error {
	if actor == nil {
		return errSignIn
	}
	if !actor.Has(tsunagari.RoleOperator) {
		return errNotFound
	}
	return nil
}

// Stats describe the roster for the operator: how many consultants are on
// it, how many have free time, and how many have spent their budget of
// appearances. They name nobody.
type Stats struct {
	Roster      int
	WithTime    int
	BudgetSpent int
	Built       time.Time
}

// Weights returns the shortlist's weights and the roster's stats, for the
// operator.
func (s *Service) Weights(ctx context.Context, actor *tsunagari.Account) (*tsunagari.MatchWeights, *Stats, error) {
	if err := requireOperator(actor); err != nil {
		return nil, nil, err
	}
	w, err := s.Store.FindMatchWeights(ctx)
	if err != nil {
		return nil, nil, err
	}
	snap, err := s.index(ctx)
	if err != nil {
		return nil, nil, err
	}
	st := &Stats{Roster: snap.ix.Len(), Built: snap.built}
	for _, id := range snap.ix.IDs() {
		shown, budget, _ := snap.ix.Shown(id, w)
		if budget > 0 {
			st.WithTime++
			if shown >= budget {
				st.BudgetSpent++
			}
		}
	}
	return w, st, nil
}

// SaveWeights replaces the shortlist's weights; operators only.
func (s *Service) SaveWeights(ctx context.Context, actor *tsunagari.Account, w *tsunagari.MatchWeights) error {
	if err := requireOperator(actor); err != nil {
		return err
	}
	if err := w.Validate(); err != nil {
		return err
	}
	w.UpdatedAt, w.UpdatedBy = s.now(), actor.ID
	if err := s.Store.SaveMatchWeights(ctx, w); err != nil {
		return err
	}
	return s.Audit.Record(ctx, &tsunagari.AuditEvent{ActorID: actor.ID, Action: tsunagari.AuditMatchWeights,
		Outcome: tsunagari.OutcomeSuccess, TargetType: "match_weights",
		Detail: fmt.Sprintf("values=%d themes=%d background=%d experience=%d diversity=%d views=%d",
			w.Values, w.Themes, w.Background, w.Experience, w.Diversity, w.ViewsPerSession)})
}
