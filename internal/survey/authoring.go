package survey

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"tsunagari"
)

// Authoring. Operators write instruments for the whole platform, HR
// administrators for their own org's employees. An instrument is never
// changed in place: saving a changed definition stores the next version,
// and answers keep the version they were given on. The built-in
// instruments are not anyone's to change.

// Authorable lists the instruments actor may change, latest versions by
// ID: an operator's are the platform's own but the built-in ones, an HR
// administrator's those of their org.
func (s *Service) Authorable(ctx context.Context, actor *tsunagari.Account) ([]*tsunagari.Instrument, error) {
	owner, err := authorOrg(actor)
	if err != nil {
		return nil, err
	}
	f := tsunagari.InstrumentFilter{OrgID: owner, Platform: owner == ""}
	ins, err := s.Store.FindInstruments(ctx, f)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(ins, func(in *tsunagari.Instrument) bool { return IsBuiltin(in.ID) }), nil
}

// Schedulable lists the instruments actor may send in a round: the
// platform's, and an HR administrator's org's own.
func (s *Service) Schedulable(ctx context.Context, actor *tsunagari.Account) ([]*tsunagari.Instrument, error) {
	owner, err := authorOrg(actor)
	if err != nil {
		return nil, err
	}
	f := tsunagari.InstrumentFilter{Platform: true, OrgID: owner}
	if owner == "" {
		f = tsunagari.InstrumentFilter{All: true}
	}
	ins, err := s.Store.FindInstruments(ctx, f)
	if err != nil {
		return nil, err
	}
	// The built-in ones first, in their own order.
	builtin := func(in *tsunagari.Instrument) int {
		if i := slices.Index(builtinIDs, in.ID); i >= 0 {
			return i
		}
		return len(builtinIDs)
	}
	slices.SortStableFunc(ins, func(a, b *tsunagari.Instrument) int { return builtin(a) - builtin(b) })
	return ins, nil
}

// authorOrg returns the org actor authors for: "" for an operator, the
// employer of an HR administrator.
func authorOrg(actor *tsunagari.Account) (string, error) {
	switch {
	case actor == nil:
		return "", errSignIn
	case actor.Has(tsunagari.RoleOperator):
		return "", nil
	case actor.Has(tsunagari.RoleHRAdmin) && actor.OrgID() != "":
		return actor.OrgID(), nil
	}
	return "", tsunagari.NewError(tsunagari.CodeForbidden, "error.forbidden")
}

// Author saves in, written by actor: as version 1 of a new instrument, or
// as the next version of one actor may change. It reports whether a
// version was added: saving what the latest version already says adds
// none. Every problem of the definition comes back at once, each with its
// place in the definition. in.Version is set to the stored version.
func (s *Service) Author(ctx context.Context, actor *tsunagari.Account, in *tsunagari.Instrument) (bool, error) {
	owner, err := authorOrg(actor)
	if err != nil {
		return false, err
	}
	in.OrgID, in.CreatedBy = owner, actor.ID
	in.Version = 1 // the store numbers versions; 1 passes validation
	err = in.Validate()
	var details []tsunagari.Detail
	var e *tsunagari.Error
	if errors.As(err, &e) {
		details = e.Details
	} else if err != nil {
		return false, err
	}
	if IsBuiltin(in.ID) {
		details = append([]tsunagari.Detail{{Field: "id", Key: "instrument.builtin", Args: []any{in.ID}}}, details...)
	}
	if in.SelfService {
		details = append(details, tsunagari.Detail{Field: "selfService", Key: "instrument.self_service"})
	}
	if len(details) > 0 {
		return false, &tsunagari.Error{Code: tsunagari.CodeInvalid, Key: "instrument.invalid", Args: []any{len(details)}, Details: details}
	}
	added, err := s.Store.AddInstrumentVersion(ctx, in, s.now())
	switch {
	case errors.Is(err, tsunagari.ErrConflict):
		// The ID is another org's, or the platform's: say so without
		// saying whose.
		return false, tsunagari.Invalid("id", "instrument.id_taken", in.ID)
	case err != nil:
		return false, fmt.Errorf("author instrument: %w", err)
	}
	return added, nil
}
