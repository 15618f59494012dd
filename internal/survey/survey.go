// Package survey runs every questionnaire of tsunagari on one engine: the
// built-in instruments (values diagnosis, isolation check, five powers),
// rounds that an operator or an HR administrator sends to an audience,
// and the answers people give. Every method takes the acting account.
// Personal answers are read only by the person who gave them; answers of
// attributed and anonymous rounds are stored so that nobody can read them
// by person at all.
package survey

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"tsunagari"
)

// Service implements surveys.
type Service struct {
	Store tsunagari.SurveyStore
	// Orgs gives the size band and industry of a respondent's employer
	// for the segments of attributed rounds.
	Orgs tsunagari.OrgStore
	Now  func() time.Time
	// PairSecret keys the hash that pairs a person's before and after
	// answers (see PairKey). Keep it apart from the database: with both,
	// a person's pooled answers to a pair can be found. Without it,
	// attributed before/after rounds cannot be answered.
	PairSecret []byte
}

func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Second) }

var (
	errSignIn   = tsunagari.NewError(tsunagari.CodeUnauthorized, "auth.sign_in_required")
	errNotFound = tsunagari.NewError(tsunagari.CodeNotFound, "error.not_found")
)

// Install saves the built-in instruments and their standing rounds.
func (s *Service) Install(ctx context.Context) error {
	return Install(ctx, s.Store, tsunagari.NewID, s.now())
}

// Offer is something actor can answer now: a self-service instrument
// through its standing round, or a round sent to them.
type Offer struct {
	Instrument *tsunagari.Instrument
	Round      *tsunagari.Round
	// Taken counts the actor's own results of a self-service instrument,
	// and LastTaken is when they last answered it.
	Taken     int
	LastTaken time.Time
	// Answered is true once the actor has answered a round that takes
	// one answer per person.
	Answered bool
}

// Instruments lists what actor may answer: the self-service instruments,
// then the open rounds sent to everyone or to actor's employer.
func (s *Service) Instruments(ctx context.Context, actor *tsunagari.Account) ([]Offer, error) {
	if actor == nil {
		return nil, errSignIn
	}
	standing, err := s.standingRounds(ctx)
	if err != nil {
		return nil, err
	}
	var offers []Offer
	for _, r := range standing {
		in, err := s.Store.FindInstrument(ctx, r.InstrumentID, r.InstrumentVersion)
		if err != nil {
			return nil, fmt.Errorf("instrument of round %s: %w", r.ID, err)
		}
		mine, err := s.Store.FindResponses(ctx, tsunagari.ResponseFilter{AccountID: actor.ID, InstrumentID: in.ID})
		if err != nil {
			return nil, err
		}
		o := Offer{Instrument: in, Round: r, Taken: len(mine)}
		if len(mine) > 0 {
			o.LastTaken = mine[0].SubmittedAt
		}
		offers = append(offers, o)
	}
	notStanding := false
	rounds, err := s.Store.FindRounds(ctx, tsunagari.RoundFilter{Standing: &notStanding, OrgID: actor.OrgID(),
		Everyone: true, OpenAt: s.now()})
	if err != nil {
		return nil, err
	}
	for _, r := range rounds {
		if !inAudience(actor, r) {
			continue
		}
		in, err := s.Store.FindInstrument(ctx, r.InstrumentID, r.InstrumentVersion)
		if err != nil {
			return nil, fmt.Errorf("instrument of round %s: %w", r.ID, err)
		}
		answered, err := s.Store.Participated(ctx, r.ID, actor.ID)
		if err != nil {
			return nil, err
		}
		offers = append(offers, Offer{Instrument: in, Round: r, Answered: answered && !r.Mode.Linked()})
	}
	return offers, nil
}

// standingRounds returns the standing round of the latest version of each
// self-service instrument, in the order of Builtins and then by ID.
func (s *Service) standingRounds(ctx context.Context) ([]*tsunagari.Round, error) {
	yes := true
	all, err := s.Store.FindRounds(ctx, tsunagari.RoundFilter{Standing: &yes})
	if err != nil {
		return nil, err
	}
	latest := map[string]*tsunagari.Round{}
	for _, r := range all {
		if cur := latest[r.InstrumentID]; cur == nil || r.InstrumentVersion > cur.InstrumentVersion {
			latest[r.InstrumentID] = r
		}
	}
	order := []string{ValuesDiagnosis, IsolationCheck, FivePowers}
	var ids []string
	for id := range latest {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b string) int {
		ra, rb := slices.Index(order, a), slices.Index(order, b)
		if ra < 0 {
			ra = len(order)
		}
		if rb < 0 {
			rb = len(order)
		}
		if ra != rb {
			return ra - rb
		}
		if a < b {
			return -1
		}
		return 1
	})
	out := make([]*tsunagari.Round, len(ids))
	for i, id := range ids {
		out[i] = latest[id]
	}
	return out, nil
}

// inAudience reports whether actor is among those a round asks, beyond
// its org: a round for HR departments asks HR administrators only.
func inAudience(actor *tsunagari.Account, r *tsunagari.Round) bool {
	return r.Audience == "" || actor.Has(r.Audience)
}

// Instrument returns one version of an instrument, or the latest if
// version is 0. The platform's definitions are not secret, but only
// members read them; an instrument authored for an org is read by its
// employees and the operators only.
func (s *Service) Instrument(ctx context.Context, actor *tsunagari.Account, id string, version int) (*tsunagari.Instrument, error) {
	if actor == nil {
		return nil, errSignIn
	}
	in, err := s.Store.FindInstrument(ctx, id, version)
	switch {
	case errors.Is(err, tsunagari.ErrNotFound):
		return nil, errNotFound
	case err != nil:
		return nil, err
	case !mayRead(actor, in):
		return nil, errNotFound
	}
	return in, nil
}

// mayRead reports whether actor may read the definition of in.
func mayRead(actor *tsunagari.Account, in *tsunagari.Instrument) bool {
	return in.OrgID == "" || in.OrgID == actor.OrgID() || actor.Has(tsunagari.RoleOperator)
}

// Round returns a round actor may answer, with the instrument version it
// asks. Rounds of another employer are "not found".
func (s *Service) Round(ctx context.Context, actor *tsunagari.Account, id string) (*tsunagari.Round, *tsunagari.Instrument, error) {
	if actor == nil {
		return nil, nil, errSignIn
	}
	if !tsunagari.ValidID(id) {
		return nil, nil, errNotFound
	}
	r, err := s.Store.FindRound(ctx, id)
	switch {
	case errors.Is(err, tsunagari.ErrNotFound):
		return nil, nil, errNotFound
	case err != nil:
		return nil, nil, err
	}
	if r.OrgID != "" && r.OrgID != actor.OrgID() || !inAudience(actor, r) {
		return nil, nil, errNotFound
	}
	in, err := s.Store.FindInstrument(ctx, r.InstrumentID, r.InstrumentVersion)
	if err != nil {
		return nil, nil, fmt.Errorf("instrument of round %s: %w", r.ID, err)
	}
	return r, in, nil
}

// StandingRound returns the standing round of the latest version of a
// self-service instrument.
func (s *Service) StandingRound(ctx context.Context, actor *tsunagari.Account, instrumentID string) (*tsunagari.Round, *tsunagari.Instrument, error) {
	if actor == nil {
		return nil, nil, errSignIn
	}
	rounds, err := s.standingRounds(ctx)
	if err != nil {
		return nil, nil, err
	}
	for _, r := range rounds {
		if r.InstrumentID == instrumentID {
			return s.Round(ctx, actor, r.ID)
		}
	}
	return nil, nil, errNotFound
}

// Respond checks actor's answers to a round and stores them as the
// round's privacy mode demands. Invalid answers come back as one
// CodeInvalid error with a Detail per item; a round that is not open, or
// a second answer to a round that takes one per person, as CodeConflict.
// Nothing is stored unless everything is accepted.
func (s *Service) Respond(ctx context.Context, actor *tsunagari.Account, roundID string, answers []tsunagari.Answer) (*tsunagari.Response, error) {
	r, in, err := s.Round(ctx, actor, roundID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	if !r.OpenAt(now) {
		return nil, tsunagari.NewError(tsunagari.CodeConflict, "survey.round_closed")
	}
	if !r.Mode.Linked() {
		// Refuse a second answer before looking at it; the store refuses
		// it again inside its transaction.
		done, err := s.Store.Participated(ctx, r.ID, actor.ID)
		if err != nil {
			return nil, err
		}
		if done {
			return nil, errAlreadyAnswered
		}
	}
	clean, err := in.Check(answers)
	if err != nil {
		return nil, err
	}
	resp := &tsunagari.Response{RoundID: r.ID, InstrumentID: in.ID, InstrumentVersion: in.Version,
		AccountID: actor.ID, Answers: clean, Scores: in.Score(clean)}
	if r.Mode.Linked() {
		resp.SubmittedAt = now
	}
	if r.Mode == tsunagari.ModeAttributed {
		if resp.Segments, err = s.segments(ctx, actor); err != nil {
			return nil, err
		}
	}
	if r.Subject != nil && !r.Mode.Linked() {
		if len(s.PairSecret) == 0 {
			return nil, tsunagari.NewError(tsunagari.CodeUnavailable, "survey.pairing_unavailable")
		}
		resp.PairKey = PairKey(s.PairSecret, *r.Subject, actor.ID)
	}
	switch err := s.Store.SubmitResponse(ctx, resp); {
	case errors.Is(err, tsunagari.ErrConflict):
		return nil, errAlreadyAnswered
	case err != nil:
		return nil, fmt.Errorf("submit response: %w", err)
	}
	return resp, nil
}

var errAlreadyAnswered = tsunagari.NewError(tsunagari.CodeConflict, "survey.already_answered")

// segments snapshots the groups actor belongs to now.
func (s *Service) segments(ctx context.Context, actor *tsunagari.Account) (tsunagari.Segments, error) {
	seg := tsunagari.Segments{AgeBand: actor.AgeBand, JobFamily: actor.JobFamily, Industry: actor.Industry}
	if e := actor.Employment; e != nil {
		seg.DepartmentID = e.DepartmentID
		seg.TenureBand = tsunagari.TenureBandOf(e.StartedAt, s.now())
		o, err := s.Orgs.FindOrgByID(ctx, e.OrgID)
		if err != nil {
			return seg, fmt.Errorf("employer of respondent: %w", err)
		}
		seg.SizeBand = o.SizeBand()
		if o.Industry != "" {
			seg.Industry = o.Industry
		}
	}
	return seg, nil
}

// Result is one of a person's own responses with the instrument version
// it was given on.
type Result struct {
	*tsunagari.Response
	Instrument *tsunagari.Instrument
}

// MaxHistory is how many earlier results MyResults returns.
const MaxHistory = 50

// MyResults returns actor's own results of an instrument, newest first,
// each with the version it was answered on, and the instrument's latest
// version.
func (s *Service) MyResults(ctx context.Context, actor *tsunagari.Account, instrumentID string) (*tsunagari.Instrument, []Result, error) {
	if actor == nil {
		return nil, nil, errSignIn
	}
	latest, err := s.Store.FindInstrument(ctx, instrumentID, 0)
	switch {
	case errors.Is(err, tsunagari.ErrNotFound):
		return nil, nil, errNotFound
	case err != nil:
		return nil, nil, err
	}
	rs, err := s.Store.FindResponses(ctx, tsunagari.ResponseFilter{AccountID: actor.ID, InstrumentID: instrumentID, Limit: MaxHistory})
	if err != nil {
		return nil, nil, err
	}
	versions := map[int]*tsunagari.Instrument{latest.Version: latest}
	out := make([]Result, 0, len(rs))
	for _, resp := range rs {
		in := versions[resp.InstrumentVersion]
		if in == nil {
			if in, err = s.Store.FindInstrument(ctx, instrumentID, resp.InstrumentVersion); err != nil {
				return nil, nil, fmt.Errorf("instrument version %d: %w", resp.InstrumentVersion, err)
			}
			versions[in.Version] = in
		}
		out = append(out, Result{Response: resp, Instrument: in})
	}
	return latest, out, nil
}

// CreateRound sends an instrument to an audience. Operators may address
// every member or any org; an HR administrator only their own org's
// employees, which is the audience when r.OrgID is empty. The latest
// version is sent when r.InstrumentVersion is 0.
func (s *Service) CreateRound(ctx context.Context, actor *tsunagari.Account, r *tsunagari.Round) error {
	if err := s.mayRun(actor, &r.OrgID); err != nil {
		return err
	}
	switch {
	case r.Subject != nil || r.Phase != "":
		// Before/after rounds come in pairs: AttachPrePost.
		return tsunagari.Invalid("subject", "survey.subject_invalid")
	case r.Audience != "" && !actor.Has(tsunagari.RoleOperator):
		return tsunagari.Invalid("audience", "survey.audience_invalid")
	}
	in, err := s.Store.FindInstrument(ctx, r.InstrumentID, r.InstrumentVersion)
	switch {
	case errors.Is(err, tsunagari.ErrNotFound):
		return tsunagari.Invalid("instrumentId", "survey.instrument_unknown")
	case err != nil:
		return err
	case !mayRead(actor, in) || in.OrgID != "" && in.OrgID != r.OrgID:
		// An org's own instrument goes to that org's employees only.
		return tsunagari.Invalid("instrumentId", "survey.instrument_unknown")
	}
	now := s.now()
	r.ID, r.Standing, r.InstrumentVersion = "", false, in.Version
	r.CreatedBy, r.CreatedAt = actor.ID, now
	if r.OpensAt.IsZero() {
		r.OpensAt = now
	}
	if err := r.Validate(); err != nil {
		return err
	}
	if !r.ClosesAt.IsZero() && !r.ClosesAt.After(now) {
		return tsunagari.Invalid("closesAt", "survey.round_times_invalid")
	}
	switch err := s.Store.CreateRound(ctx, r); {
	case errors.Is(err, tsunagari.ErrNotFound):
		return tsunagari.Invalid("orgId", "survey.org_unknown")
	case err != nil:
		return fmt.Errorf("create round: %w", err)
	}
	return nil
}
