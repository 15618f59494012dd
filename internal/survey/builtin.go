package survey

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"time"

	"tsunagari"
)

//go:embed instruments/*.json
var instrumentFS embed.FS

// The built-in instruments, by ID.
const (
	ValuesDiagnosis = "values_diagnosis"
	FivePowers      = "five_powers"
	IsolationCheck  = "isolation_check"
	// FiveSupports is the pulse of the five supports an employer runs by
	// department; PrePost the before/after pair around a consultation, an
	// event or a programme; HRAutonomySurvey the survey of HR departments
	// an operator runs across organisations.
	FiveSupports     = "five_supports"
	PrePost          = "pre_post"
	HRAutonomySurvey = "hr_autonomy_survey"
)

// builtinIDs are the IDs of the instruments shipped in the binary, which
// no author may take.
var builtinIDs = []string{ValuesDiagnosis, FivePowers, IsolationCheck, FiveSupports, PrePost, HRAutonomySurvey}

// IsBuiltin reports whether id names an instrument shipped in the binary.
func IsBuiltin(id string) bool { return slices.Contains(builtinIDs, id) }

// Builtins returns the instruments shipped in the binary, checked, in a
// fixed order: values diagnosis, isolation check, five powers, then any
// other by ID.
func Builtins() ([]*tsunagari.Instrument, error) {
	paths, err := fs.Glob(instrumentFS, "instruments/*.json")
	if err != nil {
		return nil, err
	}
	var out []*tsunagari.Instrument
	for _, p := range paths {
		b, err := instrumentFS.ReadFile(p)
		if err != nil {
			return nil, err
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		var in tsunagari.Instrument
		if err := dec.Decode(&in); err != nil {
			return nil, fmt.Errorf("instrument %s: %w", p, err)
		}
		if err := in.Validate(); err != nil {
			return nil, fmt.Errorf("instrument %s: %w%s", p, err, problemList(err))
		}
		if !IsBuiltin(in.ID) {
			return nil, fmt.Errorf("instrument %s: %s is not listed as built in", p, in.ID)
		}
		out = append(out, &in)
	}
	rank := func(id string) int {
		if i := slices.Index([]string{ValuesDiagnosis, IsolationCheck, FivePowers}, id); i >= 0 {
			return i
		}
		return 3
	}
	slices.SortFunc(out, func(a, b *tsunagari.Instrument) int {
		if d := rank(a.ID) - rank(b.ID); d != 0 {
			return d
		}
		return bytes.Compare([]byte(a.ID), []byte(b.ID))
	})
	return out, nil
}

// Install saves the built-in instruments and gives each self-service one
// its standing round, unless they are there already. It is safe to run
// at every start and from several processes at once. newID makes the IDs
// of new rounds.
func Install(ctx context.Context, store tsunagari.SurveyStore, newID func() string, now time.Time) error {
	ins, err := Builtins()
	if err != nil {
		return err
	}
	standing := true
	for _, in := range ins {
		if err := store.SaveInstrument(ctx, in, now); err != nil {
			return fmt.Errorf("install %s version %d: %w", in.ID, in.Version, err)
		}
		if !in.SelfService {
			continue
		}
		rounds, err := store.FindRounds(ctx, tsunagari.RoundFilter{InstrumentID: in.ID, Version: in.Version, Standing: &standing})
		if err != nil {
			return err
		}
		if len(rounds) > 0 {
			continue
		}
		r := &tsunagari.Round{ID: newID(), InstrumentID: in.ID, InstrumentVersion: in.Version,
			Mode: tsunagari.ModePersonal, Standing: true, OpensAt: now, CreatedAt: now}
		if err := store.CreateRound(ctx, r); err != nil && !errors.Is(err, tsunagari.ErrConflict) {
			return fmt.Errorf("install the standing round of %s: %w", in.ID, err)
		}
	}
	return nil
}

// problemList spells out the problems of a Validate error, for messages
// to developers.
func problemList(err error) string {
	var e *tsunagari.Error
	if !errors.As(err, &e) {
		return ""
	}
	var b strings.Builder
	for _, d := range e.Details {
		fmt.Fprintf(&b, "; %s: %s %v", d.Field, d.Key, d.Args)
	}
	return b.String()
}
