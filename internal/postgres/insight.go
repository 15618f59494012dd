package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"tsunagari"
)

// ReportRole is the database role HR reports are read under: it may read
// the release ledger and nothing else. Migration 0012 creates it.
const ReportRole = "tsunagari_report"

// asReporter runs fn in a read-only transaction under ReportRole, so that
// whatever fn asks, the database answers only from the release ledger.
func (db *DB) asReporter(ctx context.Context, fn func(tx pgx.Tx) error) error {
	return pgx.BeginTxFunc(ctx, db.pool, pgx.TxOptions{AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SET LOCAL ROLE `+ReportRole); err != nil {
			return err
		}
		return fn(tx)
	})
}

// ProgrammeStore implements tsunagari.ProgrammeStore.
type ProgrammeStore struct{ db *DB }

var _ tsunagari.ProgrammeStore = (*ProgrammeStore)(nil)

var programmeColumns = []string{"id", "org_id", "kind", "name", "description", "sessions", "starts_on", "ends_on", "created_by", "created_at"}

func (s *ProgrammeStore) CreateProgramme(ctx context.Context, p *tsunagari.Programme) error {
	if p.ID == "" {
		p.ID = tsunagari.NewID()
	}
	p.CreatedAt = s.db.orNow(p.CreatedAt)
	p.StartsOn, p.EndsOn = stamp(p.StartsOn), stamp(p.EndsOn)
	err := s.db.inTx(ctx, func(tx pgx.Tx) error {
		var one int
		if err := tx.QueryRow(ctx, `SELECT 1 FROM orgs WHERE id = $1`, p.OrgID).Scan(&one); err != nil {
			return err
		}
		for _, d := range p.Departments {
			if err := tx.QueryRow(ctx, `SELECT 1 FROM departments WHERE id = $1 AND org_id = $2`, d, p.OrgID).Scan(&one); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, insertSQL("programmes", programmeColumns), p.ID, p.OrgID, string(p.Kind), p.Name,
			p.Description, p.Sessions, p.StartsOn, p.EndsOn, emptyNull(p.CreatedBy), p.CreatedAt); err != nil {
			return err
		}
		for _, d := range p.Departments {
			if _, err := tx.Exec(ctx, `INSERT INTO programme_departments (programme_id, org_id, department_id) VALUES ($1, $2, $3)`,
				p.ID, p.OrgID, d); err != nil {
				return err
			}
		}
		return nil
	})
	return wrap("create programme", err)
}

func (s *ProgrammeStore) DeleteProgramme(ctx context.Context, orgID, id string) error {
	err := s.db.inTx(ctx, func(tx pgx.Tx) error {
		var enrolled bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM programme_enrolments WHERE programme_id = $1)`, id).Scan(&enrolled); err != nil {
			return err
		}
		if enrolled {
			return tsunagari.ErrConflict
		}
		return affectedOne(tx.Exec(ctx, `DELETE FROM programmes WHERE id = $1 AND org_id = $2`, id, orgID))
	})
	return wrap("delete programme", err)
}

func (s *ProgrammeStore) findProgrammes(ctx context.Context, where string, args ...any) ([]*tsunagari.Programme, error) {
	rows, err := s.db.pool.Query(ctx, `SELECT `+prefixed("", programmeColumns)+`,
			coalesce((SELECT array_agg(department_id ORDER BY department_id) FROM programme_departments d WHERE d.programme_id = p.id), '{}')
		FROM programmes p WHERE `+where+` ORDER BY starts_on DESC, created_at DESC, id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*tsunagari.Programme
	for rows.Next() {
		var (
			p         tsunagari.Programme
			kind      string
			createdBy *string
		)
		if err := rows.Scan(&p.ID, &p.OrgID, &kind, &p.Name, &p.Description, &p.Sessions, &p.StartsOn, &p.EndsOn,
			&createdBy, &p.CreatedAt, &p.Departments); err != nil {
			return nil, err
		}
		p.Kind, p.CreatedBy = tsunagari.ProgrammeKind(kind), nullEmpty(createdBy)
		p.StartsOn, p.EndsOn, p.CreatedAt = p.StartsOn.UTC(), p.EndsOn.UTC(), p.CreatedAt.UTC()
		if p.Departments == nil {
			p.Departments = []string{}
		}
		out = append(out, &p)
	}
	return out, rows.Err()
}

func (s *ProgrammeStore) FindProgramme(ctx context.Context, orgID, id string) (*tsunagari.Programme, error) {
	ps, err := s.findProgrammes(ctx, `id = $1 AND org_id = $2`, id, orgID)
	if err != nil {
		return nil, wrap("find programme", err)
	}
	if len(ps) == 0 {
		return nil, tsunagari.ErrNotFound
	}
	return ps[0], nil
}

func (s *ProgrammeStore) FindProgrammes(ctx context.Context, orgID string) ([]*tsunagari.Programme, error) {
	ps, err := s.findProgrammes(ctx, `org_id = $1`, orgID)
	return ps, wrap("find programmes", err)
}

func (s *ProgrammeStore) Enrol(ctx context.Context, programmeID, accountID string, at time.Time) error {
	_, err := s.db.pool.Exec(ctx, `INSERT INTO programme_enrolments (programme_id, account_id, enrolled_at) VALUES ($1, $2, $3)`,
		programmeID, accountID, s.db.orNow(at))
	return wrap("enrol", err)
}

func (s *ProgrammeStore) Enrolled(ctx context.Context, programmeID, accountID string) (bool, error) {
	var ok bool
	err := s.db.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM programme_enrolments WHERE programme_id = $1 AND account_id = $2)`,
		programmeID, accountID).Scan(&ok)
	return ok, wrap("enrolled", err)
}

// ReleaseStore implements tsunagari.ReleaseStore.
type ReleaseStore struct{ db *DB }

var _ tsunagari.ReleaseStore = (*ReleaseStore)(nil)

var releaseColumns = []string{"id", "org_id", "kind", "subject", "published_at", "k", "epsilon", "body"}

func (s *ReleaseStore) PublishRelease(ctx context.Context, r *tsunagari.Release, audit []byte) error {
	if r.ID == "" {
		r.ID = tsunagari.NewID()
	}
	r.PublishedAt = s.db.orNow(r.PublishedAt)
	if audit == nil {
		audit = []byte{}
	}
	err := s.db.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, insertSQL("releases", releaseColumns), r.ID, r.OrgID, string(r.Kind), r.Subject,
			r.PublishedAt, r.K, r.Epsilon, r.Body); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO release_audits (release_id, audit) VALUES ($1, $2)`, r.ID, audit)
		return err
	})
	return wrap("publish release", err)
}

// findReleases reads releases as ReportRole.
func (s *ReleaseStore) findReleases(ctx context.Context, where string, args ...any) ([]*tsunagari.Release, error) {
	return s.selectReleases(ctx, prefixed("", releaseColumns), where, args...)
}

// selectReleases reads releases as ReportRole, with their bodies if
// columns name them and an empty body column otherwise.
func (s *ReleaseStore) selectReleases(ctx context.Context, columns, where string, args ...any) ([]*tsunagari.Release, error) {
	var out []*tsunagari.Release
	err := s.db.asReporter(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+columns+` FROM releases WHERE `+where+
			` ORDER BY published_at DESC, subject DESC, id`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				r    tsunagari.Release
				kind string
			)
			if err := rows.Scan(&r.ID, &r.OrgID, &kind, &r.Subject, &r.PublishedAt, &r.K, &r.Epsilon, &r.Body); err != nil {
				return err
			}
			r.Kind, r.PublishedAt = tsunagari.ReleaseKind(kind), r.PublishedAt.UTC()
			out = append(out, &r)
		}
		return rows.Err()
	})
	return out, err
}

func (s *ReleaseStore) FindRelease(ctx context.Context, orgID string, kind tsunagari.ReleaseKind, subject string) (*tsunagari.Release, error) {
	rs, err := s.findReleases(ctx, `org_id = $1 AND kind = $2 AND subject = $3`, orgID, string(kind), subject)
	if err != nil {
		return nil, wrap("find release", err)
	}
	if len(rs) == 0 {
		return nil, tsunagari.ErrNotFound
	}
	return rs[0], nil
}

func (s *ReleaseStore) FindReleases(ctx context.Context, orgID string, kind tsunagari.ReleaseKind) ([]*tsunagari.Release, error) {
	rs, err := s.findReleases(ctx, `org_id = $1 AND kind = $2`, orgID, string(kind))
	return rs, wrap("find releases", err)
}

func (s *ReleaseStore) ListReleases(ctx context.Context, orgID string, kind tsunagari.ReleaseKind) ([]*tsunagari.Release, error) {
	rs, err := s.selectReleases(ctx, `id, org_id, kind, subject, published_at, k, epsilon, NULL::bytea`, `org_id = $1 AND kind = $2`, orgID, string(kind))
	for _, r := range rs {
		r.Body = nil
	}
	return rs, wrap("list releases", err)
}

func (s *ReleaseStore) ReleaseAudits(ctx context.Context, orgID string, kind tsunagari.ReleaseKind) (map[string][]byte, error) {
	rows, err := s.db.pool.Query(ctx, `SELECT r.subject, a.audit FROM releases r JOIN release_audits a ON a.release_id = r.id
		WHERE r.org_id = $1 AND r.kind = $2`, orgID, string(kind))
	if err != nil {
		return nil, wrap("read audits", err)
	}
	defer rows.Close()
	out := map[string][]byte{}
	for rows.Next() {
		var subject string
		var audit []byte
		if err := rows.Scan(&subject, &audit); err != nil {
			return nil, wrap("read audits", err)
		}
		out[subject] = audit
	}
	return out, wrap("read audits", rows.Err())
}

func (s *ReleaseStore) DisclosureSettings(ctx context.Context, orgID string) (*tsunagari.DisclosureSettings, error) {
	var one int
	if err := s.db.pool.QueryRow(ctx, `SELECT 1 FROM orgs WHERE id = $1`, orgID).Scan(&one); err != nil {
		return nil, wrap("disclosure settings", err)
	}
	ds := &tsunagari.DisclosureSettings{OrgID: orgID}
	err := s.db.pool.QueryRow(ctx, `SELECT min_text_group_size, noise_epsilon, epsilon_budget, updated_at
		FROM disclosure_settings WHERE org_id = $1`, orgID).Scan(&ds.MinTextGroupSize, &ds.NoiseEpsilon, &ds.EpsilonBudget, &ds.UpdatedAt)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return ds, nil
	case err != nil:
		return nil, wrap("disclosure settings", err)
	}
	ds.UpdatedAt = ds.UpdatedAt.UTC()
	return ds, nil
}

func (s *ReleaseStore) SaveDisclosureSettings(ctx context.Context, ds *tsunagari.DisclosureSettings) error {
	ds.UpdatedAt = s.db.orNow(ds.UpdatedAt)
	_, err := s.db.pool.Exec(ctx, `INSERT INTO disclosure_settings (org_id, min_text_group_size, noise_epsilon, epsilon_budget, updated_at)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (org_id) DO UPDATE SET min_text_group_size = excluded.min_text_group_size,
			noise_epsilon = excluded.noise_epsilon, epsilon_budget = excluded.epsilon_budget, updated_at = excluded.updated_at`,
		ds.OrgID, ds.MinTextGroupSize, ds.NoiseEpsilon, ds.EpsilonBudget, ds.UpdatedAt)
	return wrap("save disclosure settings", err)
}

// InsightStore implements tsunagari.InsightStore.
type InsightStore struct{ db *DB }

var _ tsunagari.InsightStore = (*InsightStore)(nil)

// funnelQuery lists the org's employees at a time with the stages they
// had reached: $1 the org, $2 the time.
const funnelQuery = `
	SELECT coalesce(e.department_id, ''), a.age_band, a.job_family, e.started_at,
		EXISTS (
			SELECT 1 FROM survey_responses r JOIN survey_rounds sr ON sr.id = r.round_id
			WHERE r.account_id = a.id AND sr.instrument_id = 'values_diagnosis' AND r.submitted_at <= $2
		),
		EXISTS (
			SELECT 1 FROM community_members m
			WHERE m.account_id = a.id AND m.status = 'active' AND m.joined_at <= $2
		),
		EXISTS (
			SELECT 1 FROM event_rsvps v
			WHERE v.account_id = a.id AND v.checked_in_at IS NOT NULL AND v.checked_in_at <= $2
		)
	FROM employments e JOIN accounts a ON a.id = e.account_id
	WHERE e.org_id = $1 AND e.started_at <= $2 AND (e.ended_at IS NULL OR e.ended_at > $2)
	ORDER BY 1, 2, 3, 4`

// invitedQuery lists, once per address, the department of everyone
// invited to the org by a time who had not registered by then.
const invitedQuery = `
	SELECT DISTINCT ON (i.email) coalesce(i.department_id, '')
	FROM invitations i
	WHERE i.org_id = $1 AND i.created_at <= $2 AND (i.accepted_at IS NULL OR i.accepted_at > $2)
		AND NOT EXISTS (
			SELECT 1 FROM accounts a JOIN employments e ON e.account_id = a.id
			WHERE a.email = i.email AND e.org_id = i.org_id AND e.started_at <= $2
				AND (e.ended_at IS NULL OR e.ended_at > $2)
		)
	ORDER BY i.email, i.created_at DESC`

func (s *InsightStore) Funnel(ctx context.Context, orgID string, at time.Time) ([]tsunagari.FunnelPerson, error) {
	at = stamp(at)
	rows, err := s.db.pool.Query(ctx, funnelQuery, orgID, at)
	if err != nil {
		return nil, wrap("read funnel", err)
	}
	defer rows.Close()
	var out []tsunagari.FunnelPerson
	for rows.Next() {
		var (
			p                           tsunagari.FunnelPerson
			diagnosed, joined, attended bool
		)
		if err := rows.Scan(&p.DepartmentID, &p.AgeBand, &p.JobFamily, &p.StartedAt, &diagnosed, &joined, &attended); err != nil {
			return nil, wrap("read funnel", err)
		}
		p.StartedAt = p.StartedAt.UTC()
		p.Stages = tsunagari.StageInvited | tsunagari.StageRegistered
		for _, st := range []struct {
			ok    bool
			stage tsunagari.FunnelStages
		}{{diagnosed, tsunagari.StageDiagnosed}, {joined, tsunagari.StageJoined}, {attended, tsunagari.StageAttended}} {
			if st.ok {
				p.Stages |= st.stage
			}
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("read funnel", err)
	}
	irows, err := s.db.pool.Query(ctx, invitedQuery, orgID, at)
	if err != nil {
		return nil, wrap("read invitations", err)
	}
	defer irows.Close()
	for irows.Next() {
		p := tsunagari.FunnelPerson{Stages: tsunagari.StageInvited}
		if err := irows.Scan(&p.DepartmentID); err != nil {
			return nil, wrap("read invitations", err)
		}
		out = append(out, p)
	}
	return out, wrap("read invitations", irows.Err())
}

func (s *InsightStore) PulseRoundsToPublish(ctx context.Context, instrumentID string, at time.Time) ([]*tsunagari.Round, error) {
	rows, err := s.db.pool.Query(ctx, `SELECT `+prefixed("r.", roundColumns)+` FROM survey_rounds r
		WHERE r.instrument_id = $1 AND r.mode = 'attributed' AND r.org_id IS NOT NULL AND r.subject_kind IS NULL
			AND r.closes_at IS NOT NULL AND r.closes_at <= $2
			AND NOT EXISTS (SELECT 1 FROM releases l WHERE l.org_id = r.org_id AND l.kind = 'pulse' AND l.subject = r.id)
		ORDER BY r.closes_at, r.id`, instrumentID, stamp(at))
	if err != nil {
		return nil, wrap("rounds to publish", err)
	}
	defer rows.Close()
	var out []*tsunagari.Round
	for rows.Next() {
		r, err := scanRound(rows)
		if err != nil {
			return nil, wrap("rounds to publish", err)
		}
		out = append(out, r)
	}
	return out, wrap("rounds to publish", rows.Err())
}
