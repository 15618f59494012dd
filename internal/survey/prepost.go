package survey

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"fmt"
	"time"

	"tsunagari"
	"tsunagari/internal/disclosure"
)

// Before and after. A consultation, an event or a programme (a subject)
// can have a pair of rounds: the same instrument before and after. Each
// person's two answers are stored apart from the person, like any
// attributed answer, but under one pair key: a keyed hash of the subject
// and the person. Nothing stored leads from the key back to the person,
// and the key of one subject says nothing about another, yet the change
// within each person can be measured. Features that own a subject attach
// its pair with AttachPrePost and read the effect with Effect.

// PairKey returns the key that pairs the before and after answers of
// account to subject, keyed by secret.
func PairKey(secret []byte, subject tsunagari.Subject, accountID string) string {
	m := hmac.New(sha256.New, secret)
	fmt.Fprintf(m, "tsunagari survey pair\x00%s\x00%s\x00%s", subject.Kind, subject.ID, accountID)
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(m.Sum(nil))
}

// Pair describes the before and after rounds of a subject.
type Pair struct {
	Subject tsunagari.Subject
	// InstrumentID is the instrument both rounds ask, PrePost if empty;
	// both ask its latest version.
	InstrumentID string
	// Mode is ModeAttributed if empty. Pairs are never anonymous.
	Mode tsunagari.PrivacyMode
	// OrgID limits both rounds to one org's employees; an HR
	// administrator's own org if empty.
	OrgID                          string
	PreOpens, PreCloses, PostOpens time.Time
	PostCloses                     time.Time
}

// AttachPrePost creates the before and after rounds of a subject, both or
// neither. Operators may attach pairs for any audience, HR administrators
// for their own org's employees. A subject has one pair: a second is a
// conflict.
func (s *Service) AttachPrePost(ctx context.Context, actor *tsunagari.Account, p Pair) (pre, post *tsunagari.Round, err error) {
	if err := s.mayRun(actor, &p.OrgID); err != nil {
		return nil, nil, err
	}
	if !p.Subject.Valid() {
		return nil, nil, tsunagari.Invalid("subject", "survey.subject_invalid")
	}
	if p.InstrumentID == "" {
		p.InstrumentID = PrePost
	}
	if p.Mode == "" {
		p.Mode = tsunagari.ModeAttributed
	}
	in, err := s.Store.FindInstrument(ctx, p.InstrumentID, 0)
	switch {
	case errors.Is(err, tsunagari.ErrNotFound):
		return nil, nil, tsunagari.Invalid("instrumentId", "survey.instrument_unknown")
	case err != nil:
		return nil, nil, err
	case !mayRead(actor, in) || in.OrgID != "" && in.OrgID != p.OrgID:
		return nil, nil, tsunagari.Invalid("instrumentId", "survey.instrument_unknown")
	}
	now := s.now()
	subject := p.Subject
	round := func(phase tsunagari.Phase, opens, closes time.Time) *tsunagari.Round {
		if opens.IsZero() {
			opens = now
		}
		return &tsunagari.Round{InstrumentID: in.ID, InstrumentVersion: in.Version, Mode: p.Mode, OrgID: p.OrgID,
			OpensAt: opens, ClosesAt: closes, CreatedBy: actor.ID, CreatedAt: now, Subject: &subject, Phase: phase}
	}
	pre, post = round(tsunagari.PhasePre, p.PreOpens, p.PreCloses), round(tsunagari.PhasePost, p.PostOpens, p.PostCloses)
	for _, r := range []*tsunagari.Round{pre, post} {
		if err := r.Validate(); err != nil {
			return nil, nil, err
		}
	}
	if post.OpensAt.Before(pre.OpensAt) {
		return nil, nil, tsunagari.Invalid("postOpensAt", "survey.round_times_invalid")
	}
	switch err := s.Store.CreateRounds(ctx, []*tsunagari.Round{pre, post}); {
	case errors.Is(err, tsunagari.ErrConflict):
		return nil, nil, tsunagari.NewError(tsunagari.CodeConflict, "survey.pair_exists")
	case errors.Is(err, tsunagari.ErrNotFound):
		return nil, nil, tsunagari.Invalid("orgId", "survey.org_unknown")
	case err != nil:
		return nil, nil, fmt.Errorf("attach before/after rounds: %w", err)
	}
	return pre, post, nil
}

// mayRun checks that actor may send rounds to the org *orgID, which
// becomes an HR administrator's own org if empty.
func (s *Service) mayRun(actor *tsunagari.Account, orgID *string) error {
	switch {
	case actor == nil:
		return errSignIn
	case actor.Has(tsunagari.RoleOperator):
		return nil
	case actor.Has(tsunagari.RoleHRAdmin) && actor.OrgID() != "":
		if *orgID == "" {
			*orgID = actor.OrgID()
		}
		if *orgID != actor.OrgID() {
			return errNotFound
		}
		return nil
	}
	return tsunagari.NewError(tsunagari.CodeForbidden, "error.forbidden")
}

// Effect is what a subject's pair of rounds shows once the after round
// has closed: the mean scores of the people who answered both, before and
// after, released only for at least disclosure.MinPairedGroupSize people.
type Effect struct {
	Subject    tsunagari.Subject
	Pre, Post  *tsunagari.Round
	Instrument *tsunagari.Instrument
	// Closed is false while the after round is open; nothing else is
	// filled then.
	Closed        bool
	Before, After disclosure.MeanTable
}

// Effect returns the effect of a subject for actor: an operator, or an HR
// administrator of the org its rounds went to.
func (s *Service) Effect(ctx context.Context, actor *tsunagari.Account, subject tsunagari.Subject) (*Effect, error) {
	if actor == nil {
		return nil, errSignIn
	}
	if !subject.Valid() {
		return nil, errNotFound
	}
	rounds, err := s.Store.FindRounds(ctx, tsunagari.RoundFilter{Subject: &subject})
	if err != nil {
		return nil, err
	}
	e := &Effect{Subject: subject}
	for _, r := range rounds {
		switch r.Phase {
		case tsunagari.PhasePre:
			e.Pre = r
		case tsunagari.PhasePost:
			e.Post = r
		}
	}
	if e.Pre == nil || e.Post == nil || !mayReport(actor, e.Post) {
		return nil, errNotFound
	}
	if e.Instrument, err = s.Store.FindInstrument(ctx, e.Post.InstrumentID, e.Post.InstrumentVersion); err != nil {
		return nil, fmt.Errorf("instrument of round %s: %w", e.Post.ID, err)
	}
	if e.Closed = e.Post.ClosedAt(s.now()); !e.Closed {
		return e, nil
	}
	k, err := s.minGroupSize(ctx, e.Post)
	if err != nil {
		return nil, err
	}
	k = max(k, disclosure.MinPairedGroupSize)
	in := e.Instrument
	before, after := tsunagari.NewScoreTally(in, "", nil), tsunagari.NewScoreTally(in, "", nil)
	err = s.Store.EachAnswerPair(ctx, e.Pre.ID, e.Post.ID, func(seg tsunagari.Segments, pre, post []tsunagari.Answer) error {
		// Only dimensions scored both times count, so that before and
		// after rest on the same people.
		a, b := in.Score(pre), in.Score(post)
		var keepA, keepB []tsunagari.Answer
		for _, d := range in.Dimensions {
			_, okA := tsunagari.ScoreOf(a, d.ID)
			_, okB := tsunagari.ScoreOf(b, d.ID)
			if okA && okB {
				keepA, keepB = append(keepA, answersOf(in, d.ID, pre)...), append(keepB, answersOf(in, d.ID, post)...)
			}
		}
		before.Add(seg, keepA)
		after.Add(seg, keepB)
		return nil
	})
	if err != nil {
		return nil, err
	}
	e.Before, e.After = disclosure.Means(meanTally(before), k), disclosure.Means(meanTally(after), k)
	return e, nil
}

// answersOf returns the answers to the items of one dimension.
func answersOf(in *tsunagari.Instrument, dimension string, answers []tsunagari.Answer) []tsunagari.Answer {
	var out []tsunagari.Answer
	for _, a := range answers {
		if it := in.Item(a.Item); it != nil && it.Dimension == dimension {
			out = append(out, a)
		}
	}
	return out
}
