package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"tsunagari"
)

// surveyStore implements tsunagari.SurveyStore.
type surveyStore struct{ db *DB }

var _ tsunagari.SurveyStore = (*surveyStore)(nil)

// Instruments.

func (s *surveyStore) SaveInstrument(ctx context.Context, in *tsunagari.Instrument, at time.Time) error {
	def, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("save instrument: %w", err)
	}
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		var stored string
		err := tx.QueryRowContext(ctx,
			`SELECT definition FROM survey_instruments WHERE id = ? AND version = ?`, in.ID, in.Version).Scan(&stored)
		switch {
		case err == nil:
			return sameDefinition(stored, def)
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		_, err = tx.ExecContext(ctx,
			`INSERT INTO survey_instruments (id, version, definition, created_at) VALUES (?, ?, ?, ?)`,
			in.ID, in.Version, string(def), s.db.orNow(at).Unix())
		return err
	})
}

// sameDefinition returns ErrConflict unless the stored definition says
// what def says.
func sameDefinition(stored string, def []byte) error {
	var in tsunagari.Instrument
	if err := json.Unmarshal([]byte(stored), &in); err != nil {
		return fmt.Errorf("read stored instrument: %w", err)
	}
	again, err := json.Marshal(&in)
	if err != nil {
		return err
	}
	if !bytes.Equal(again, def) {
		return fmt.Errorf("%w: instrument %s version %d is already stored with another definition",
			tsunagari.ErrConflict, in.ID, in.Version)
	}
	return nil
}

func decodeInstrument(def string) (*tsunagari.Instrument, error) {
	var in tsunagari.Instrument
	if err := json.Unmarshal([]byte(def), &in); err != nil {
		return nil, fmt.Errorf("read stored instrument: %w", err)
	}
	return &in, nil
}

const instrumentColumns = `definition, org_id, created_by`

func scanInstrument(row interface{ Scan(...any) error }) (*tsunagari.Instrument, error) {
	var (
		def              string
		orgID, createdBy sql.NullString
	)
	if err := row.Scan(&def, &orgID, &createdBy); err != nil {
		return nil, err
	}
	in, err := decodeInstrument(def)
	if err != nil {
		return nil, err
	}
	in.OrgID, in.CreatedBy = orgID.String, createdBy.String
	return in, nil
}

func (s *surveyStore) FindInstrument(ctx context.Context, id string, version int) (*tsunagari.Instrument, error) {
	var row *sql.Row
	if version > 0 {
		row = s.db.read.QueryRowContext(ctx,
			`SELECT `+instrumentColumns+` FROM survey_instruments WHERE id = ? AND version = ?`, id, version)
	} else {
		row = s.db.read.QueryRowContext(ctx,
			`SELECT `+instrumentColumns+` FROM survey_instruments WHERE id = ? ORDER BY version DESC LIMIT 1`, id)
	}
	in, err := scanInstrument(row)
	if err != nil {
		return nil, translate(err)
	}
	return in, nil
}

func (s *surveyStore) FindInstruments(ctx context.Context, f tsunagari.InstrumentFilter) ([]*tsunagari.Instrument, error) {
	var (
		owners []string
		args   []any
	)
	if !f.All {
		if f.Platform {
			owners = append(owners, `i.org_id IS NULL`)
		}
		if f.OrgID != "" {
			owners, args = append(owners, `i.org_id = ?`), append(args, f.OrgID)
		}
		if len(owners) == 0 {
			return nil, nil
		}
	}
	where := ``
	if len(owners) > 0 {
		where = ` AND (` + strings.Join(owners, ` OR `) + `)`
	}
	rows, err := s.db.read.QueryContext(ctx, `
		SELECT i.definition, i.org_id, i.created_by FROM survey_instruments i
		WHERE i.version = (SELECT max(version) FROM survey_instruments WHERE id = i.id)`+where+`
		ORDER BY i.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*tsunagari.Instrument
	for rows.Next() {
		in, err := scanInstrument(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, in)
	}
	return out, rows.Err()
}

func (s *surveyStore) AddInstrumentVersion(ctx context.Context, in *tsunagari.Instrument, at time.Time) (bool, error) {
	added := false
	err := s.db.inTx(ctx, func(tx *sql.Tx) error {
		latest, err := scanInstrument(tx.QueryRowContext(ctx,
			`SELECT `+instrumentColumns+` FROM survey_instruments WHERE id = ? ORDER BY version DESC LIMIT 1`, in.ID))
		switch {
		case errors.Is(err, sql.ErrNoRows):
			in.Version = 1
		case err != nil:
			return err
		case latest.OrgID != in.OrgID:
			return fmt.Errorf("%w: instrument %s belongs to another owner", tsunagari.ErrConflict, in.ID)
		default:
			in.Version = latest.Version
			if same, err := sameInstrument(latest, in); err != nil || same {
				return err
			}
			in.Version = latest.Version + 1
		}
		def, err := json.Marshal(in)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO survey_instruments (id, version, definition, created_at, org_id, created_by)
			VALUES (?, ?, ?, ?, ?, ?)`,
			in.ID, in.Version, string(def), s.db.orNow(at).Unix(), nullString(in.OrgID), nullString(in.CreatedBy)); err != nil {
			return err
		}
		added = true
		return nil
	})
	return added, err
}

// sameInstrument reports whether two instruments of one version say the
// same, as their definitions encode them.
func sameInstrument(a, b *tsunagari.Instrument) (bool, error) {
	x, err := json.Marshal(a)
	if err != nil {
		return false, err
	}
	y, err := json.Marshal(b)
	if err != nil {
		return false, err
	}
	return bytes.Equal(x, y), nil
}

// Rounds.

const roundColumns = `id, instrument_id, instrument_version, mode, standing, org_id, opens_at, closes_at, created_by, created_at,
	audience, subject_kind, subject_id, phase`

func scanRound(row interface{ Scan(...any) error }) (*tsunagari.Round, error) {
	var (
		r                      tsunagari.Round
		orgID, createdBy       sql.NullString
		subjectKind, subjectID sql.NullString
		phase                  sql.NullString
		opens, created         int64
		closes                 sql.NullInt64
		mode, audience         string
		standing               int
	)
	if err := row.Scan(&r.ID, &r.InstrumentID, &r.InstrumentVersion, &mode, &standing, &orgID,
		&opens, &closes, &createdBy, &created, &audience, &subjectKind, &subjectID, &phase); err != nil {
		return nil, err
	}
	r.Mode, r.Standing = tsunagari.PrivacyMode(mode), standing == 1
	r.OrgID, r.CreatedBy = orgID.String, createdBy.String
	r.OpensAt, r.ClosesAt, r.CreatedAt = unixTime(opens), timeOrZero(closes), unixTime(created)
	r.Audience, r.Phase = tsunagari.Role(audience), tsunagari.Phase(phase.String)
	if subjectKind.Valid {
		r.Subject = &tsunagari.Subject{Kind: subjectKind.String, ID: subjectID.String}
	}
	return &r, nil
}

func (s *surveyStore) CreateRound(ctx context.Context, r *tsunagari.Round) error {
	return s.CreateRounds(ctx, []*tsunagari.Round{r})
}

func (s *surveyStore) CreateRounds(ctx context.Context, rs []*tsunagari.Round) error {
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		for _, r := range rs {
			if err := s.insertRound(ctx, tx, r); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *surveyStore) insertRound(ctx context.Context, tx *sql.Tx, r *tsunagari.Round) error {
	if r.ID == "" {
		r.ID = tsunagari.NewID()
	}
	r.CreatedAt = s.db.orNow(r.CreatedAt)
	r.OpensAt = stamp(r.OpensAt)
	if !r.ClosesAt.IsZero() {
		r.ClosesAt = stamp(r.ClosesAt)
	}
	standing := 0
	if r.Standing {
		standing = 1
	}
	var subjectKind, subjectID sql.NullString
	if r.Subject != nil {
		subjectKind, subjectID = nullString(r.Subject.Kind), nullString(r.Subject.ID)
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO survey_rounds (`+roundColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.InstrumentID, r.InstrumentVersion, string(r.Mode), standing, nullString(r.OrgID),
		r.OpensAt.Unix(), zeroNullUnix(r.ClosesAt), nullString(r.CreatedBy), r.CreatedAt.Unix(),
		string(r.Audience), subjectKind, subjectID, nullString(string(r.Phase)))
	return err
}

func (s *surveyStore) FindRound(ctx context.Context, id string) (*tsunagari.Round, error) {
	r, err := scanRound(s.db.read.QueryRowContext(ctx, `SELECT `+roundColumns+` FROM survey_rounds WHERE id = ?`, id))
	return r, translate(err)
}

func (s *surveyStore) FindRounds(ctx context.Context, f tsunagari.RoundFilter) ([]*tsunagari.Round, error) {
	var (
		conds []string
		args  []any
	)
	if f.InstrumentID != "" {
		conds, args = append(conds, `instrument_id = ?`), append(args, f.InstrumentID)
	}
	if f.Version > 0 {
		conds, args = append(conds, `instrument_version = ?`), append(args, f.Version)
	}
	if f.Standing != nil {
		conds = append(conds, `standing = ?`)
		args = append(args, map[bool]int{false: 0, true: 1}[*f.Standing])
	}
	switch {
	case f.OrgID != "" && f.Everyone:
		conds, args = append(conds, `(org_id = ? OR org_id IS NULL)`), append(args, f.OrgID)
	case f.OrgID != "":
		conds, args = append(conds, `org_id = ?`), append(args, f.OrgID)
	case f.Everyone:
		conds = append(conds, `org_id IS NULL`)
	}
	if !f.OpenAt.IsZero() {
		t := f.OpenAt.Unix()
		conds = append(conds, `opens_at <= ? AND (closes_at IS NULL OR closes_at > ?)`)
		args = append(args, t, t)
	}
	if f.Subject != nil {
		conds = append(conds, `subject_kind = ? AND subject_id = ?`)
		args = append(args, f.Subject.Kind, f.Subject.ID)
	}
	query := `SELECT ` + roundColumns + ` FROM survey_rounds`
	if len(conds) > 0 {
		query += ` WHERE ` + strings.Join(conds, ` AND `)
	}
	rows, err := s.db.read.QueryContext(ctx, query+` ORDER BY created_at DESC, id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*tsunagari.Round
	for rows.Next() {
		r, err := scanRound(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Responses.

func encodeAnswers(resp *tsunagari.Response) (answers, scores string, err error) {
	a, err := json.Marshal(resp.Answers)
	if err != nil {
		return "", "", err
	}
	sc, err := json.Marshal(resp.Scores)
	if err != nil {
		return "", "", err
	}
	return string(a), string(sc), nil
}

func (s *surveyStore) SubmitResponse(ctx context.Context, resp *tsunagari.Response) error {
	if resp.AccountID == "" {
		return errors.New("submit response: no respondent")
	}
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		mode, err := roundMode(ctx, tx, resp.RoundID)
		if err != nil {
			return err
		}
		if !mode.Linked() {
			resp.ID = tsunagari.NewID() // pooled answers are keyed by the store alone
		}
		return s.insertResponse(ctx, tx, mode, resp)
	})
}

// roundMode reads the stored mode of a round inside tx: the store, not the
// caller, decides where answers go.
func roundMode(ctx context.Context, tx *sql.Tx, roundID string) (tsunagari.PrivacyMode, error) {
	var mode string
	err := tx.QueryRowContext(ctx, `SELECT mode FROM survey_rounds WHERE id = ?`, roundID).Scan(&mode)
	return tsunagari.PrivacyMode(mode), err
}

// insertResponse writes resp as mode demands. A personal response gets an
// ID unless it has one; pooled answers are keyed by resp.ID, which must be
// a fresh random ID, and resp.ID and resp.SubmittedAt are then cleared.
func (s *surveyStore) insertResponse(ctx context.Context, tx *sql.Tx, mode tsunagari.PrivacyMode, resp *tsunagari.Response) error {
	answers, scores, err := encodeAnswers(resp)
	if err != nil {
		return err
	}
	if mode.Linked() {
		if resp.AccountID == "" {
			return errors.New("a personal response needs its respondent")
		}
		if resp.ID == "" {
			resp.ID = tsunagari.NewID()
		}
		resp.SubmittedAt = s.db.orNow(resp.SubmittedAt)
		_, err := tx.ExecContext(ctx, `
			INSERT INTO survey_responses (id, round_id, account_id, submitted_at, answers, scores)
			VALUES (?, ?, ?, ?, ?, ?)`,
			resp.ID, resp.RoundID, resp.AccountID, resp.SubmittedAt.Unix(), answers, scores)
		return err
	}
	// Attributed or anonymous: participation and answers go to two
	// tables that share nothing but the round.
	key := resp.ID
	if !tsunagari.ValidID(key) {
		key = tsunagari.NewID()
	}
	resp.ID, resp.SubmittedAt = "", time.Time{}
	if resp.AccountID != "" {
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO survey_participation (round_id, account_id) VALUES (?, ?)`,
			resp.RoundID, resp.AccountID); err != nil {
			return err
		}
	}
	seg := resp.Segments
	if mode == tsunagari.ModeAnonymous {
		seg = tsunagari.Segments{}
	}
	pairKey := resp.PairKey
	if mode == tsunagari.ModeAnonymous {
		pairKey = ""
	}
	_, err = tx.ExecContext(ctx, `
		INSERT INTO survey_pooled_answers
			(round_id, id, size_band, industry, department_id, age_band, job_family, answers, scores, pair_key, tenure_band)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		resp.RoundID, key, string(seg.SizeBand), seg.Industry, seg.DepartmentID,
		seg.AgeBand, seg.JobFamily, answers, scores, pairKey, seg.TenureBand)
	return err
}

func (s *surveyStore) ImportResponses(ctx context.Context, rs []*tsunagari.Response) error {
	if len(rs) == 0 {
		return nil
	}
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		modes := map[string]tsunagari.PrivacyMode{}
		for i, resp := range rs {
			mode, ok := modes[resp.RoundID]
			if !ok {
				var err error
				if mode, err = roundMode(ctx, tx, resp.RoundID); err != nil {
					return err
				}
				modes[resp.RoundID] = mode
			}
			if err := s.insertResponse(ctx, tx, mode, resp); err != nil {
				return fmt.Errorf("response %d of %d: %w", i+1, len(rs), translate(err))
			}
		}
		return nil
	})
}

func (s *surveyStore) FindResponses(ctx context.Context, f tsunagari.ResponseFilter) ([]*tsunagari.Response, error) {
	if f.AccountID == "" {
		return nil, tsunagari.ErrNotFound
	}
	conds, args := []string{`p.account_id = ?`}, []any{f.AccountID}
	if f.InstrumentID != "" {
		conds, args = append(conds, `r.instrument_id = ?`), append(args, f.InstrumentID)
	}
	if f.RoundID != "" {
		conds, args = append(conds, `p.round_id = ?`), append(args, f.RoundID)
	}
	rows, err := s.db.read.QueryContext(ctx, `
		SELECT p.id, p.round_id, r.instrument_id, r.instrument_version, p.account_id, p.submitted_at, p.answers, p.scores
		FROM survey_responses p JOIN survey_rounds r ON r.id = p.round_id
		WHERE `+strings.Join(conds, ` AND `)+`
		ORDER BY p.submitted_at DESC, p.id`+limitClause(f.Limit, 0), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*tsunagari.Response
	for rows.Next() {
		var (
			resp            tsunagari.Response
			at              int64
			answers, scores string
		)
		if err := rows.Scan(&resp.ID, &resp.RoundID, &resp.InstrumentID, &resp.InstrumentVersion, &resp.AccountID,
			&at, &answers, &scores); err != nil {
			return nil, err
		}
		resp.SubmittedAt = unixTime(at)
		if err := decodeAnswers(answers, scores, &resp.Answers, &resp.Scores); err != nil {
			return nil, err
		}
		out = append(out, &resp)
	}
	return out, rows.Err()
}

func decodeAnswers(answers, scores string, a *[]tsunagari.Answer, s *[]tsunagari.Score) error {
	if err := json.Unmarshal([]byte(answers), a); err != nil {
		return fmt.Errorf("read stored answers: %w", err)
	}
	if s != nil {
		if err := json.Unmarshal([]byte(scores), s); err != nil {
			return fmt.Errorf("read stored scores: %w", err)
		}
	}
	return nil
}

func (s *surveyStore) Participated(ctx context.Context, roundID, accountID string) (bool, error) {
	var n int
	err := s.db.read.QueryRowContext(ctx, `
		SELECT (SELECT count(*) FROM survey_participation WHERE round_id = ? AND account_id = ?)
		     + (SELECT count(*) FROM survey_responses WHERE round_id = ? AND account_id = ?)`,
		roundID, accountID, roundID, accountID).Scan(&n)
	return n > 0, err
}

func (s *surveyStore) EachAnswerSet(ctx context.Context, roundID string, fn func(tsunagari.Segments, []tsunagari.Answer) error) error {
	// Ordered by the random key: the order says nothing about who
	// answered when.
	rows, err := s.db.read.QueryContext(ctx, `
		SELECT size_band, industry, department_id, age_band, job_family, tenure_band, answers
		FROM survey_pooled_answers WHERE round_id = ? ORDER BY id`, roundID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			seg      tsunagari.Segments
			sizeBand string
			answers  []byte
		)
		if err := rows.Scan(&sizeBand, &seg.Industry, &seg.DepartmentID, &seg.AgeBand, &seg.JobFamily, &seg.TenureBand, &answers); err != nil {
			return err
		}
		seg.SizeBand = tsunagari.SizeBand(sizeBand)
		var as []tsunagari.Answer
		if err := json.Unmarshal(answers, &as); err != nil {
			return fmt.Errorf("read stored answers: %w", err)
		}
		if err := fn(seg, as); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (s *surveyStore) EachAnswerPair(ctx context.Context, preRoundID, postRoundID string, fn func(seg tsunagari.Segments, pre, post []tsunagari.Answer) error) error {
	if preRoundID == postRoundID {
		return nil
	}
	// Ordered by the later answer's random key, like EachAnswerSet.
	rows, err := s.db.read.QueryContext(ctx, `
		SELECT b.size_band, b.industry, b.department_id, b.age_band, b.job_family, b.tenure_band, a.answers, b.answers
		FROM survey_pooled_answers a
		JOIN survey_pooled_answers b ON b.round_id = ? AND b.pair_key = a.pair_key
		WHERE a.round_id = ? AND a.pair_key <> ''
		ORDER BY b.id`, postRoundID, preRoundID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			seg       tsunagari.Segments
			sizeBand  string
			pre, post []byte
		)
		if err := rows.Scan(&sizeBand, &seg.Industry, &seg.DepartmentID, &seg.AgeBand, &seg.JobFamily, &seg.TenureBand, &pre, &post); err != nil {
			return err
		}
		seg.SizeBand = tsunagari.SizeBand(sizeBand)
		var a, b []tsunagari.Answer
		if err := json.Unmarshal(pre, &a); err != nil {
			return fmt.Errorf("read stored answers: %w", err)
		}
		if err := json.Unmarshal(post, &b); err != nil {
			return fmt.Errorf("read stored answers: %w", err)
		}
		if err := fn(seg, a, b); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (s *surveyStore) CountParticipants(ctx context.Context, roundID string) (int, error) {
	var n int
	err := s.db.read.QueryRowContext(ctx, `
		SELECT (SELECT count(*) FROM survey_participation WHERE round_id = ?)
		     + (SELECT count(DISTINCT account_id) FROM survey_responses WHERE round_id = ?)`,
		roundID, roundID).Scan(&n)
	return n, err
}
