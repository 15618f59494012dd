package postgres

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"tsunagari"
)

// SurveyStore implements tsunagari.SurveyStore.
type SurveyStore struct {
	db *DB
}

var _ tsunagari.SurveyStore = (*SurveyStore)(nil)

// Instruments.

// SaveInstrument stores a version of an instrument; the same definition
// again is a no-op, another definition under its ID and version is
// ErrConflict.
func (s *SurveyStore) SaveInstrument(ctx context.Context, in *tsunagari.Instrument, at time.Time) error {
	def, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("save instrument: %w", err)
	}
	err = s.db.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `
			INSERT INTO survey_instruments (id, version, definition, created_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (id, version) DO NOTHING`,
			in.ID, in.Version, json.RawMessage(def), s.db.orNow(at)); err != nil {
			return err
		}
		var stored []byte
		if err := tx.QueryRow(ctx,
			`SELECT definition FROM survey_instruments WHERE id = $1 AND version = $2`, in.ID, in.Version).Scan(&stored); err != nil {
			return err
		}
		return sameDefinition(stored, def)
	})
	return wrap("save instrument", err)
}

// sameDefinition returns ErrConflict unless the stored definition says
// what def says. jsonb reorders keys, so both are compared as Go values
// encoded the same way.
func sameDefinition(stored, def []byte) error {
	in, err := decodeInstrument(stored)
	if err != nil {
		return err
	}
	again, err := json.Marshal(in)
	if err != nil {
		return err
	}
	if !bytes.Equal(again, def) {
		return fmt.Errorf("%w: instrument %s version %d is already stored with another definition",
			tsunagari.ErrConflict, in.ID, in.Version)
	}
	return nil
}

func decodeInstrument(def []byte) (*tsunagari.Instrument, error) {
	var in tsunagari.Instrument
	if err := json.Unmarshal(def, &in); err != nil {
		return nil, fmt.Errorf("read stored instrument: %w", err)
	}
	return &in, nil
}

var instrumentSelect = `SELECT definition, org_id, created_by FROM survey_instruments`

func scanInstrument(row scanner) (*tsunagari.Instrument, error) {
	var (
		def              []byte
		orgID, createdBy *string
	)
	if err := row.Scan(&def, &orgID, &createdBy); err != nil {
		return nil, err
	}
	in, err := decodeInstrument(def)
	if err != nil {
		return nil, err
	}
	in.OrgID, in.CreatedBy = nullEmpty(orgID), nullEmpty(createdBy)
	return in, nil
}

// FindInstrument returns one version, or the latest if version is 0.
func (s *SurveyStore) FindInstrument(ctx context.Context, id string, version int) (*tsunagari.Instrument, error) {
	var row pgx.Row
	if version > 0 {
		row = s.db.pool.QueryRow(ctx, instrumentSelect+` WHERE id = $1 AND version = $2`, id, version)
	} else {
		row = s.db.pool.QueryRow(ctx, instrumentSelect+` WHERE id = $1 ORDER BY version DESC LIMIT 1`, id)
	}
	in, err := scanInstrument(row)
	if err != nil {
		return nil, wrap("find instrument", err)
	}
	return in, nil
}

// FindInstruments returns the latest version of every instrument the
// filter selects, by ID.
func (s *SurveyStore) FindInstruments(ctx context.Context, f tsunagari.InstrumentFilter) ([]*tsunagari.Instrument, error) {
	var (
		owners []string
		args   []any
	)
	if !f.All {
		if f.Platform {
			owners = append(owners, `org_id IS NULL`)
		}
		if f.OrgID != "" {
			args = append(args, f.OrgID)
			owners = append(owners, `org_id = $1`)
		}
		if len(owners) == 0 {
			return nil, nil
		}
	}
	where := ``
	if len(owners) > 0 {
		where = ` WHERE ` + strings.Join(owners, ` OR `)
	}
	rows, err := s.db.pool.Query(ctx, `
		SELECT definition, org_id, created_by FROM (
			SELECT DISTINCT ON (id) id, definition, org_id, created_by FROM survey_instruments ORDER BY id, version DESC
		) latest`+where+` ORDER BY id COLLATE "C"`, args...)
	if err != nil {
		return nil, wrap("find instruments", err)
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*tsunagari.Instrument, error) { return scanInstrument(row) })
	return list, wrap("find instruments", err)
}

// AddInstrumentVersion stores in as the next version of its ID, unless it
// says what the latest says.
func (s *SurveyStore) AddInstrumentVersion(ctx context.Context, in *tsunagari.Instrument, at time.Time) (bool, error) {
	added := false
	err := s.db.inTx(ctx, func(tx pgx.Tx) error {
		// Authors of one ID take turns, so that two new versions cannot
		// both become the next one.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('survey_instruments ' || $1))`, in.ID); err != nil {
			return err
		}
		latest, err := scanInstrument(tx.QueryRow(ctx, instrumentSelect+` WHERE id = $1 ORDER BY version DESC LIMIT 1`, in.ID))
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			in.Version = 1
		case err != nil:
			return err
		case latest.OrgID != in.OrgID:
			return fmt.Errorf("%w: instrument %s belongs to another owner", tsunagari.ErrConflict, in.ID)
		default:
			in.Version = latest.Version
			a, err := json.Marshal(latest)
			if err != nil {
				return err
			}
			b, err := json.Marshal(in)
			if err != nil {
				return err
			}
			if bytes.Equal(a, b) {
				return nil
			}
			in.Version = latest.Version + 1
		}
		def, err := json.Marshal(in)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `
			INSERT INTO survey_instruments (id, version, definition, created_at, org_id, created_by)
			VALUES ($1, $2, $3, $4, $5, $6)`,
			in.ID, in.Version, json.RawMessage(def), s.db.orNow(at), emptyNull(in.OrgID), emptyNull(in.CreatedBy)); err != nil {
			return err
		}
		added = true
		return nil
	})
	return added, wrap("add instrument version", err)
}

// Rounds.

var roundColumns = []string{"id", "instrument_id", "instrument_version", "mode", "standing", "org_id",
	"opens_at", "closes_at", "created_by", "created_at", "audience", "subject_kind", "subject_id", "phase"}

var roundSelect = `SELECT ` + prefixed("", roundColumns) + ` FROM survey_rounds`

func scanRound(row scanner) (*tsunagari.Round, error) {
	var (
		r                      tsunagari.Round
		mode, audience         string
		orgID, createdBy       *string
		subjectKind, subjectID *string
		phase                  *string
		closes                 *time.Time
	)
	if err := row.Scan(&r.ID, &r.InstrumentID, &r.InstrumentVersion, &mode, &r.Standing, &orgID,
		&r.OpensAt, &closes, &createdBy, &r.CreatedAt, &audience, &subjectKind, &subjectID, &phase); err != nil {
		return nil, err
	}
	r.Mode, r.Audience, r.Phase = tsunagari.PrivacyMode(mode), tsunagari.Role(audience), tsunagari.Phase(nullEmpty(phase))
	r.OrgID, r.CreatedBy = nullEmpty(orgID), nullEmpty(createdBy)
	r.OpensAt, r.ClosesAt, r.CreatedAt = r.OpensAt.UTC(), nullZero(closes), r.CreatedAt.UTC()
	if subjectKind != nil {
		r.Subject = &tsunagari.Subject{Kind: *subjectKind, ID: nullEmpty(subjectID)}
	}
	return &r, nil
}

// CreateRound stores r, setting its ID if empty.
func (s *SurveyStore) CreateRound(ctx context.Context, r *tsunagari.Round) error {
	return s.CreateRounds(ctx, []*tsunagari.Round{r})
}

// CreateRounds stores rounds in one transaction.
func (s *SurveyStore) CreateRounds(ctx context.Context, rs []*tsunagari.Round) error {
	err := s.db.inTx(ctx, func(tx pgx.Tx) error {
		for _, r := range rs {
			if r.ID == "" {
				r.ID = tsunagari.NewID()
			}
			r.CreatedAt = s.db.orNow(r.CreatedAt)
			r.OpensAt = stamp(r.OpensAt)
			if !r.ClosesAt.IsZero() {
				r.ClosesAt = stamp(r.ClosesAt)
			}
			var subjectKind, subjectID *string
			if r.Subject != nil {
				subjectKind, subjectID = emptyNull(r.Subject.Kind), emptyNull(r.Subject.ID)
			}
			if _, err := tx.Exec(ctx, insertSQL("survey_rounds", roundColumns),
				r.ID, r.InstrumentID, r.InstrumentVersion, string(r.Mode), r.Standing, emptyNull(r.OrgID),
				r.OpensAt, zeroNull(r.ClosesAt), emptyNull(r.CreatedBy), r.CreatedAt,
				string(r.Audience), subjectKind, subjectID, emptyNull(string(r.Phase))); err != nil {
				return err
			}
		}
		return nil
	})
	return wrap("create round", err)
}

// FindRound returns ErrNotFound if there is no such round.
func (s *SurveyStore) FindRound(ctx context.Context, id string) (*tsunagari.Round, error) {
	r, err := scanRound(s.db.pool.QueryRow(ctx, roundSelect+` WHERE id = $1`, id))
	return r, wrap("find round", err)
}

// FindRounds returns matching rounds, newest first.
func (s *SurveyStore) FindRounds(ctx context.Context, f tsunagari.RoundFilter) ([]*tsunagari.Round, error) {
	var (
		conds []string
		args  []any
	)
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if f.InstrumentID != "" {
		conds = append(conds, `instrument_id = `+arg(f.InstrumentID))
	}
	if f.Version > 0 {
		conds = append(conds, `instrument_version = `+arg(f.Version))
	}
	if f.Standing != nil {
		conds = append(conds, `standing = `+arg(*f.Standing))
	}
	switch {
	case f.OrgID != "" && f.Everyone:
		conds = append(conds, `(org_id = `+arg(f.OrgID)+` OR org_id IS NULL)`)
	case f.OrgID != "":
		conds = append(conds, `org_id = `+arg(f.OrgID))
	case f.Everyone:
		conds = append(conds, `org_id IS NULL`)
	}
	if !f.OpenAt.IsZero() {
		t := arg(f.OpenAt)
		conds = append(conds, `opens_at <= `+t+` AND (closes_at IS NULL OR closes_at > `+t+`)`)
	}
	if f.Subject != nil {
		conds = append(conds, `subject_kind = `+arg(f.Subject.Kind)+` AND subject_id = `+arg(f.Subject.ID))
	}
	query := roundSelect
	if len(conds) > 0 {
		query += ` WHERE ` + strings.Join(conds, ` AND `)
	}
	rows, err := s.db.pool.Query(ctx, query+` ORDER BY created_at DESC, id COLLATE "C"`, args...)
	if err != nil {
		return nil, wrap("find rounds", err)
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*tsunagari.Round, error) { return scanRound(row) })
	return list, wrap("find rounds", err)
}

// Responses.

func encodeAnswers(resp *tsunagari.Response) (answers, scores json.RawMessage, err error) {
	if answers, err = json.Marshal(resp.Answers); err != nil {
		return nil, nil, err
	}
	if scores, err = json.Marshal(resp.Scores); err != nil {
		return nil, nil, err
	}
	return answers, scores, nil
}

// roundMode reads the stored mode of a round inside tx: the store, not the
// caller, decides where answers go.
func roundMode(ctx context.Context, tx pgx.Tx, roundID string) (tsunagari.PrivacyMode, error) {
	var mode string
	err := tx.QueryRow(ctx, `SELECT mode FROM survey_rounds WHERE id = $1`, roundID).Scan(&mode)
	return tsunagari.PrivacyMode(mode), err
}

// SubmitResponse stores a response as its round's mode demands, in one
// transaction.
func (s *SurveyStore) SubmitResponse(ctx context.Context, resp *tsunagari.Response) error {
	if resp.AccountID == "" {
		return errors.New("submit response: no respondent")
	}
	err := s.db.inTx(ctx, func(tx pgx.Tx) error {
		mode, err := roundMode(ctx, tx, resp.RoundID)
		if err != nil {
			return err
		}
		if !mode.Linked() {
			resp.ID = tsunagari.NewID() // pooled answers are keyed by the store alone
		}
		rows, err := s.responseRows(mode, resp)
		if err != nil {
			return err
		}
		return rows.insert(ctx, tx)
	})
	return wrap("submit response", err)
}

// responseSets are the rows of some responses, by table.
type responseSets struct {
	personal, participation, pooled [][]any
}

var (
	personalColumns      = []string{"id", "round_id", "account_id", "submitted_at", "answers", "scores"}
	participationColumns = []string{"round_id", "account_id"}
	pooledColumns        = []string{"round_id", "id", "size_band", "industry", "department_id", "age_band", "job_family", "answers", "scores", "pair_key", "tenure_band"}
)

// responseRows returns the rows that store resp as mode demands. A
// personal response gets an ID unless it has one; pooled answers are keyed
// by resp.ID, which must be a fresh random ID, and resp.ID and
// resp.SubmittedAt are then cleared.
func (s *SurveyStore) responseRows(mode tsunagari.PrivacyMode, resp *tsunagari.Response) (*responseSets, error) {
	var sets responseSets
	return &sets, sets.add(s.db, mode, resp)
}

func (sets *responseSets) add(db *DB, mode tsunagari.PrivacyMode, resp *tsunagari.Response) error {
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
		resp.SubmittedAt = db.orNow(resp.SubmittedAt)
		sets.personal = append(sets.personal, []any{resp.ID, resp.RoundID, resp.AccountID, resp.SubmittedAt, answers, scores})
		return nil
	}
	// Attributed or anonymous: participation and answers go to two
	// tables that share nothing but the round.
	key := resp.ID
	if !tsunagari.ValidID(key) {
		key = tsunagari.NewID()
	}
	resp.ID, resp.SubmittedAt = "", time.Time{}
	if resp.AccountID != "" {
		sets.participation = append(sets.participation, []any{resp.RoundID, resp.AccountID})
	}
	seg, pairKey := resp.Segments, resp.PairKey
	if mode == tsunagari.ModeAnonymous {
		seg, pairKey = tsunagari.Segments{}, ""
	}
	sets.pooled = append(sets.pooled, []any{resp.RoundID, key, string(seg.SizeBand), seg.Industry, seg.DepartmentID,
		seg.AgeBand, seg.JobFamily, answers, scores, pairKey, seg.TenureBand})
	return nil
}

// insert writes the rows: one statement for a single row, COPY for many.
func (sets *responseSets) insert(ctx context.Context, tx pgx.Tx) error {
	for _, t := range []struct {
		table   string
		columns []string
		rows    [][]any
	}{
		{"survey_responses", personalColumns, sets.personal},
		{"survey_participation", participationColumns, sets.participation},
		{"survey_pooled_answers", pooledColumns, sets.pooled},
	} {
		switch len(t.rows) {
		case 0:
		case 1:
			if _, err := tx.Exec(ctx, insertSQL(t.table, t.columns), t.rows[0]...); err != nil {
				return err
			}
		default:
			if _, err := tx.CopyFrom(ctx, pgx.Identifier{t.table}, t.columns, pgx.CopyFromRows(t.rows)); err != nil {
				return err
			}
		}
	}
	return nil
}

// ImportResponses stores many responses as their rounds' modes demand,
// all or none.
func (s *SurveyStore) ImportResponses(ctx context.Context, rs []*tsunagari.Response) error {
	if len(rs) == 0 {
		return nil
	}
	err := s.db.inTx(ctx, func(tx pgx.Tx) error {
		modes := map[string]tsunagari.PrivacyMode{}
		var sets responseSets
		for i, resp := range rs {
			mode, ok := modes[resp.RoundID]
			if !ok {
				var err error
				if mode, err = roundMode(ctx, tx, resp.RoundID); err != nil {
					return err
				}
				modes[resp.RoundID] = mode
			}
			if err := sets.add(s.db, mode, resp); err != nil {
				return fmt.Errorf("response %d of %d: %w", i+1, len(rs), err)
			}
		}
		// Pooled rows go in by key, not in the order they came.
		slices.SortFunc(sets.pooled, func(a, b []any) int { return strings.Compare(a[1].(string), b[1].(string)) })
		return sets.insert(ctx, tx)
	})
	return wrap("import responses", err)
}

// FindResponses returns the personal responses of f.AccountID, newest
// first.
func (s *SurveyStore) FindResponses(ctx context.Context, f tsunagari.ResponseFilter) ([]*tsunagari.Response, error) {
	if f.AccountID == "" {
		return nil, tsunagari.ErrNotFound
	}
	conds, args := []string{`p.account_id = $1`}, []any{f.AccountID}
	if f.InstrumentID != "" {
		args = append(args, f.InstrumentID)
		conds = append(conds, fmt.Sprintf(`r.instrument_id = $%d`, len(args)))
	}
	if f.RoundID != "" {
		args = append(args, f.RoundID)
		conds = append(conds, fmt.Sprintf(`p.round_id = $%d`, len(args)))
	}
	rows, err := s.db.pool.Query(ctx, `
		SELECT p.id, p.round_id, r.instrument_id, r.instrument_version, p.account_id, p.submitted_at, p.answers, p.scores
		FROM survey_responses p JOIN survey_rounds r ON r.id = p.round_id
		WHERE `+strings.Join(conds, ` AND `)+`
		ORDER BY p.submitted_at DESC, p.id COLLATE "C"`+limitOffset(f.Limit, 0), args...)
	if err != nil {
		return nil, wrap("find responses", err)
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*tsunagari.Response, error) {
		var (
			resp            tsunagari.Response
			answers, scores []byte
		)
		if err := row.Scan(&resp.ID, &resp.RoundID, &resp.InstrumentID, &resp.InstrumentVersion, &resp.AccountID,
			&resp.SubmittedAt, &answers, &scores); err != nil {
			return nil, err
		}
		resp.SubmittedAt = resp.SubmittedAt.UTC()
		if err := json.Unmarshal(answers, &resp.Answers); err != nil {
			return nil, fmt.Errorf("read stored answers: %w", err)
		}
		if err := json.Unmarshal(scores, &resp.Scores); err != nil {
			return nil, fmt.Errorf("read stored scores: %w", err)
		}
		return &resp, nil
	})
	return list, wrap("find responses", err)
}

// Participated reports whether the account has answered the round.
func (s *SurveyStore) Participated(ctx context.Context, roundID, accountID string) (bool, error) {
	var ok bool
	err := s.db.pool.QueryRow(ctx, `
		SELECT EXISTS (SELECT 1 FROM survey_participation WHERE round_id = $1 AND account_id = $2)
		    OR EXISTS (SELECT 1 FROM survey_responses WHERE round_id = $1 AND account_id = $2)`,
		roundID, accountID).Scan(&ok)
	return ok, wrap("participated", err)
}

// EachAnswerSet yields the pooled answers of a round, ordered by their
// random keys.
func (s *SurveyStore) EachAnswerSet(ctx context.Context, roundID string, fn func(tsunagari.Segments, []tsunagari.Answer) error) error {
	rows, err := s.db.pool.Query(ctx, `
		SELECT size_band, industry, department_id, age_band, job_family, tenure_band, answers
		FROM survey_pooled_answers WHERE round_id = $1 ORDER BY id COLLATE "C"`, roundID)
	if err != nil {
		return wrap("read answers", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			seg      tsunagari.Segments
			sizeBand string
			answers  []byte
		)
		if err := rows.Scan(&sizeBand, &seg.Industry, &seg.DepartmentID, &seg.AgeBand, &seg.JobFamily, &seg.TenureBand, &answers); err != nil {
			return wrap("read answers", err)
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
	return wrap("read answers", rows.Err())
}

// EachAnswerPair yields the pooled answers of the people who answered both
// rounds, paired by their keys, ordered by the later answer's random key.
func (s *SurveyStore) EachAnswerPair(ctx context.Context, preRoundID, postRoundID string, fn func(seg tsunagari.Segments, pre, post []tsunagari.Answer) error) error {
	if preRoundID == postRoundID {
		return nil
	}
	rows, err := s.db.pool.Query(ctx, `
		SELECT b.size_band, b.industry, b.department_id, b.age_band, b.job_family, b.tenure_band, a.answers, b.answers
		FROM survey_pooled_answers a
		JOIN survey_pooled_answers b ON b.round_id = $2 AND b.pair_key = a.pair_key
		WHERE a.round_id = $1 AND a.pair_key <> ''
		ORDER BY b.id COLLATE "C"`, preRoundID, postRoundID)
	if err != nil {
		return wrap("read answer pairs", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			seg       tsunagari.Segments
			sizeBand  string
			pre, post []byte
		)
		if err := rows.Scan(&sizeBand, &seg.Industry, &seg.DepartmentID, &seg.AgeBand, &seg.JobFamily, &seg.TenureBand, &pre, &post); err != nil {
			return wrap("read answer pairs", err)
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
	return wrap("read answer pairs", rows.Err())
}

// CountParticipants returns how many people have answered the round.
func (s *SurveyStore) CountParticipants(ctx context.Context, roundID string) (int, error) {
	var n int
	err := s.db.pool.QueryRow(ctx, `
		SELECT (SELECT count(*) FROM survey_participation WHERE round_id = $1)
		     + (SELECT count(DISTINCT account_id) FROM survey_responses WHERE round_id = $1)`, roundID).Scan(&n)
	return n, wrap("count participants", err)
}
