package web

import (
	"net/http"
	"strconv"
	"time"

	"tsunagari"
)

// The survey endpoints of /api/v1. Instrument definitions are sent as they
// are: they hold no personal data. Responses are spelled out here.

type offerJSON struct {
	ID          string                `json:"id"`
	Version     int                   `json:"version"`
	Title       tsunagari.Text        `json:"title"`
	SelfService bool                  `json:"selfService"`
	Minutes     int                   `json:"minutes,omitempty"`
	Items       int                   `json:"items"`
	RoundID     string                `json:"roundId"`
	Mode        tsunagari.PrivacyMode `json:"mode"`
	ClosesAt    *time.Time            `json:"closesAt,omitempty"`
	Answered    bool                  `json:"answered"`
	Taken       int                   `json:"taken"`
	LastTakenAt *time.Time            `json:"lastTakenAt,omitempty"`
}

func (s *Server) apiInstruments(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	offers, err := s.Surveys.Instruments(r.Context(), a)
	if err != nil {
		return err
	}
	out := make([]offerJSON, 0, len(offers))
	for _, o := range offers {
		j := offerJSON{ID: o.Instrument.ID, Version: o.Instrument.Version, Title: o.Instrument.Title,
			SelfService: o.Round.Standing, Minutes: o.Instrument.Minutes, Items: len(o.Instrument.Items()),
			RoundID: o.Round.ID, Mode: o.Round.Mode, Answered: o.Answered, Taken: o.Taken}
		if !o.Round.ClosesAt.IsZero() {
			t := o.Round.ClosesAt
			j.ClosesAt = &t
		}
		if !o.LastTaken.IsZero() {
			t := o.LastTaken
			j.LastTakenAt = &t
		}
		out = append(out, j)
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiInstrument(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	version := 0
	if v := r.URL.Query().Get("version"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return tsunagari.Invalid("version", "survey.version_invalid")
		}
		version = n
	}
	in, err := s.Surveys.Instrument(r.Context(), a, r.PathValue("id"), version)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, in)
}

type resultJSON struct {
	ID                string             `json:"id"`
	RoundID           string             `json:"roundId"`
	InstrumentVersion int                `json:"instrumentVersion"`
	SubmittedAt       time.Time          `json:"submittedAt"`
	Answers           []tsunagari.Answer `json:"answers"`
	Scores            []tsunagari.Score  `json:"scores"`
}

type myResultsJSON struct {
	InstrumentID string       `json:"instrumentId"`
	Version      int          `json:"version"`
	Results      []resultJSON `json:"results"`
}

func (s *Server) apiMyResults(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	in, results, err := s.Surveys.MyResults(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	out := myResultsJSON{InstrumentID: in.ID, Version: in.Version, Results: []resultJSON{}}
	for _, res := range results {
		out.Results = append(out.Results, resultJSON{ID: res.ID, RoundID: res.RoundID, InstrumentVersion: res.InstrumentVersion,
			SubmittedAt: res.SubmittedAt, Answers: res.Answers, Scores: nonNil(res.Scores)})
	}
	return writeJSON(w, http.StatusOK, out)
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

type submitRequest struct {
	Answers []tsunagari.Answer `json:"answers"`
}

// submittedJSON answers a submission. Only a personal response has an ID
// and a time; the others are stored without either.
type submittedJSON struct {
	Mode        tsunagari.PrivacyMode `json:"mode"`
	ID          string                `json:"id,omitempty"`
	SubmittedAt *time.Time            `json:"submittedAt,omitempty"`
	Scores      []tsunagari.Score     `json:"scores"`
}

func (s *Server) apiSubmitResponse(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := requireAccount(a); err != nil {
		return err
	}
	var in submitRequest
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	round, _, err := s.Surveys.Round(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	resp, err := s.Surveys.Respond(r.Context(), a, round.ID, in.Answers)
	if err != nil {
		return err
	}
	out := submittedJSON{Mode: round.Mode, Scores: nonNil(resp.Scores)}
	if round.Mode.Linked() {
		out.ID, out.SubmittedAt = resp.ID, &resp.SubmittedAt
	}
	return writeJSON(w, http.StatusCreated, out)
}

type createRoundRequest struct {
	InstrumentID      string                `json:"instrumentId"`
	InstrumentVersion int                   `json:"instrumentVersion"`
	Mode              tsunagari.PrivacyMode `json:"mode"`
	OrgID             string                `json:"orgId"`
	OpensAt           *time.Time            `json:"opensAt"`
	ClosesAt          *time.Time            `json:"closesAt"`
	Audience          tsunagari.Role        `json:"audience"`
}

type roundJSON struct {
	ID                string                `json:"id"`
	InstrumentID      string                `json:"instrumentId"`
	InstrumentVersion int                   `json:"instrumentVersion"`
	Mode              tsunagari.PrivacyMode `json:"mode"`
	OrgID             string                `json:"orgId,omitempty"`
	OpensAt           time.Time             `json:"opensAt"`
	ClosesAt          *time.Time            `json:"closesAt,omitempty"`
	CreatedAt         time.Time             `json:"createdAt"`
	Audience          tsunagari.Role        `json:"audience,omitempty"`
}

func (s *Server) apiCreateRound(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := requireAccount(a); err != nil {
		return err
	}
	var in createRoundRequest
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	round := &tsunagari.Round{InstrumentID: in.InstrumentID, InstrumentVersion: in.InstrumentVersion,
		Mode: in.Mode, OrgID: in.OrgID, Audience: in.Audience}
	if in.OpensAt != nil {
		round.OpensAt = *in.OpensAt
	}
	if in.ClosesAt != nil {
		round.ClosesAt = *in.ClosesAt
	}
	if err := s.Surveys.CreateRound(r.Context(), a, round); err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, newRoundJSON(round))
}
