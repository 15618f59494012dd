package web

import (
	"net/http"
	"time"

	"tsunagari"
	"tsunagari/internal/programme"
)

type createProgrammeRequest struct {
	Kind        tsunagari.ProgrammeKind `json:"kind"`
	Name        string                  `json:"name"`
	Description string                  `json:"description"`
	Sessions    int                     `json:"sessions"`
	Departments []string                `json:"departments"`
	StartsOn    string                  `json:"startsOn"` // 2026-04-01
	EndsOn      string                  `json:"endsOn"`
}

// apiCreateProgramme answers createProgramme.
func (s *Server) apiCreateProgramme(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := requireAccount(a); err != nil {
		return err
	}
	var in createProgrammeRequest
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	p := &tsunagari.Programme{Kind: in.Kind, Name: in.Name, Description: in.Description, Sessions: in.Sessions,
		Departments: in.Departments, StartsOn: parseDate(in.StartsOn), EndsOn: parseDate(in.EndsOn)}
	if err := s.Programmes.Create(r.Context(), a, p); err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, programme.Offer{Programme: p, Open: true})
}

// apiProgrammes answers listProgrammes: every programme of an HR
// administrator's org, or those open to an employee.
func (s *Server) apiProgrammes(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := requireAccount(a); err != nil {
		return err
	}
	ps, err := s.Programmes.Programmes(r.Context(), a)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"programmes": ps})
}

// apiEnrol answers enrolProgramme.
func (s *Server) apiEnrol(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := requireAccount(a); err != nil {
		return err
	}
	if err := s.Programmes.Enrol(r.Context(), a, r.PathValue("id")); err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, map[string]bool{"enrolled": true})
}

type createPulseRequest struct {
	OpensAt  *time.Time `json:"opensAt"`
	ClosesAt *time.Time `json:"closesAt"`
}

// apiCreatePulseRound answers createPulseRound.
func (s *Server) apiCreatePulseRound(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := requireAccount(a); err != nil {
		return err
	}
	var in createPulseRequest
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	var opens, closes time.Time
	if in.OpensAt != nil {
		opens = *in.OpensAt
	}
	if in.ClosesAt != nil {
		closes = *in.ClosesAt
	}
	round, err := s.Programmes.CreatePulseRound(r.Context(), a, opens, closes)
	if err != nil {
		return err
	}
	out := roundJSON{ID: round.ID, InstrumentID: round.InstrumentID, InstrumentVersion: round.InstrumentVersion,
		Mode: round.Mode, OrgID: round.OrgID, OpensAt: round.OpensAt, CreatedAt: round.CreatedAt}
	t := round.ClosesAt
	out.ClosesAt = &t
	return writeJSON(w, http.StatusCreated, out)
}
