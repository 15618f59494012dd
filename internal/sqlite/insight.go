package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"tsunagari"
)

// programmeStore implements tsunagari.ProgrammeStore.
type programmeStore struct{ db *DB }

var _ tsunagari.ProgrammeStore = (*programmeStore)(nil)

const programmeColumns = `id, org_id, kind, name, description, sessions, starts_on, ends_on, created_by, created_at`

func (s *programmeStore) CreateProgramme(ctx context.Context, p *tsunagari.Programme) error {
	if p.ID == "" {
		p.ID = tsunagari.NewID()
	}
	p.CreatedAt = s.db.orNow(p.CreatedAt)
	p.StartsOn, p.EndsOn = stamp(p.StartsOn), stamp(p.EndsOn)
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		if err := orgExists(ctx, tx, p.OrgID); err != nil {
			return err
		}
		for _, d := range p.Departments {
			if err := departmentExists(ctx, tx, p.OrgID, d); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO programmes (`+programmeColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			p.ID, p.OrgID, string(p.Kind), p.Name, p.Description, p.Sessions, p.StartsOn.Unix(), p.EndsOn.Unix(),
			nullString(p.CreatedBy), p.CreatedAt.Unix()); err != nil {
			return err
		}
		for _, d := range p.Departments {
			if _, err := tx.ExecContext(ctx,
				`INSERT INTO programme_departments (programme_id, org_id, department_id) VALUES (?, ?, ?)`,
				p.ID, p.OrgID, d); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *programmeStore) DeleteProgramme(ctx context.Context, orgID, id string) error {
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		var enrolled bool
		if err := tx.QueryRowContext(ctx,
			`SELECT EXISTS (SELECT 1 FROM programme_enrolments WHERE programme_id = ?)`, id).Scan(&enrolled); err != nil {
			return err
		}
		if enrolled {
			return tsunagari.ErrConflict
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM programmes WHERE id = ? AND org_id = ?`, id, orgID)
		if err != nil {
			return err
		}
		return checkAffected(res)
	})
}

func (s *programmeStore) findProgrammes(ctx context.Context, where string, args ...any) ([]*tsunagari.Programme, error) {
	rows, err := s.db.read.QueryContext(ctx, `SELECT `+programmeColumns+` FROM programmes WHERE `+where+
		` ORDER BY starts_on DESC, created_at DESC, id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*tsunagari.Programme
	byID := map[string]*tsunagari.Programme{}
	for rows.Next() {
		var (
			p                               tsunagari.Programme
			kind                            string
			createdBy                       sql.NullString
			startsOn, endsOn, createdAtUnix int64
		)
		if err := rows.Scan(&p.ID, &p.OrgID, &kind, &p.Name, &p.Description, &p.Sessions, &startsOn, &endsOn,
			&createdBy, &createdAtUnix); err != nil {
			return nil, err
		}
		p.Kind = tsunagari.ProgrammeKind(kind)
		p.StartsOn, p.EndsOn, p.CreatedAt = unixTime(startsOn), unixTime(endsOn), unixTime(createdAtUnix)
		p.CreatedBy = createdBy.String
		p.Departments = []string{}
		out = append(out, &p)
		byID[p.ID] = &p
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return out, nil
	}
	drows, err := s.db.read.QueryContext(ctx, `SELECT programme_id, department_id FROM programme_departments
		WHERE programme_id IN (SELECT id FROM programmes WHERE `+where+`) ORDER BY programme_id, department_id`, args...)
	if err != nil {
		return nil, err
	}
	defer drows.Close()
	for drows.Next() {
		var pid, did string
		if err := drows.Scan(&pid, &did); err != nil {
			return nil, err
		}
		if p := byID[pid]; p != nil {
			p.Departments = append(p.Departments, did)
		}
	}
	return out, drows.Err()
}

func (s *programmeStore) FindProgramme(ctx context.Context, orgID, id string) (*tsunagari.Programme, error) {
	ps, err := s.findProgrammes(ctx, `id = ? AND org_id = ?`, id, orgID)
	if err != nil {
		return nil, err
	}
	if len(ps) == 0 {
		return nil, tsunagari.ErrNotFound
	}
	return ps[0], nil
}

func (s *programmeStore) FindProgrammes(ctx context.Context, orgID string) ([]*tsunagari.Programme, error) {
	return s.findProgrammes(ctx, `org_id = ?`, orgID)
}

func (s *programmeStore) Enrol(ctx context.Context, programmeID, accountID string, at time.Time) error {
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO programme_enrolments (programme_id, account_id, enrolled_at) VALUES (?, ?, ?)`,
			programmeID, accountID, s.db.orNow(at).Unix())
		return err
	})
}

func (s *programmeStore) Enrolled(ctx context.Context, programmeID, accountID string) (bool, error) {
	var ok bool
	err := s.db.read.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM programme_enrolments WHERE programme_id = ? AND account_id = ?)`,
		programmeID, accountID).Scan(&ok)
	return ok, err
}

// releaseStore implements tsunagari.ReleaseStore.
type releaseStore struct{ db *DB }

var _ tsunagari.ReleaseStore = (*releaseStore)(nil)

const releaseColumns = `id, org_id, kind, subject, published_at, k, epsilon, body`

func (s *releaseStore) PublishRelease(ctx context.Context, r *tsunagari.Release, audit []byte) error {
	if r.ID == "" {
		r.ID = tsunagari.NewID()
	}
	r.PublishedAt = s.db.orNow(r.PublishedAt)
	if audit == nil {
		audit = []byte{}
	}
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO releases (`+releaseColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			r.ID, r.OrgID, string(r.Kind), r.Subject, r.PublishedAt.Unix(), r.K, r.Epsilon, r.Body); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO release_audits (release_id, audit) VALUES (?, ?)`, r.ID, audit)
		return err
	})
}

func (s *releaseStore) findReleases(ctx context.Context, where string, args ...any) ([]*tsunagari.Release, error) {
	return s.selectReleases(ctx, releaseColumns, where, args...)
}

// selectReleases reads releases, with their bodies if columns name them
// and an empty body column otherwise.
func (s *releaseStore) selectReleases(ctx context.Context, columns, where string, args ...any) ([]*tsunagari.Release, error) {
	rows, err := s.db.read.QueryContext(ctx, `SELECT `+columns+` FROM releases WHERE `+where+
		` ORDER BY published_at DESC, subject DESC, id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*tsunagari.Release
	for rows.Next() {
		var (
			r    tsunagari.Release
			kind string
			at   int64
		)
		if err := rows.Scan(&r.ID, &r.OrgID, &kind, &r.Subject, &at, &r.K, &r.Epsilon, &r.Body); err != nil {
			return nil, err
		}
		r.Kind, r.PublishedAt = tsunagari.ReleaseKind(kind), unixTime(at)
		out = append(out, &r)
	}
	return out, rows.Err()
}

func (s *releaseStore) FindRelease(ctx context.Context, orgID string, kind tsunagari.ReleaseKind, subject string) (*tsunagari.Release, error) {
	rs, err := s.findReleases(ctx, `org_id = ? AND kind = ? AND subject = ?`, orgID, string(kind), subject)
	if err != nil {
		return nil, err
	}
	if len(rs) == 0 {
		return nil, tsunagari.ErrNotFound
	}
	return rs[0], nil
}

func (s *releaseStore) FindReleases(ctx context.Context, orgID string, kind tsunagari.ReleaseKind) ([]*tsunagari.Release, error) {
	return s.findReleases(ctx, `org_id = ? AND kind = ?`, orgID, string(kind))
}

func (s *releaseStore) ListReleases(ctx context.Context, orgID string, kind tsunagari.ReleaseKind) ([]*tsunagari.Release, error) {
	rs, err := s.selectReleases(ctx, `id, org_id, kind, subject, published_at, k, epsilon, NULL`, `org_id = ? AND kind = ?`, orgID, string(kind))
	for _, r := range rs {
		r.Body = nil
	}
	return rs, err
}

func (s *releaseStore) ReleaseAudits(ctx context.Context, orgID string, kind tsunagari.ReleaseKind) (map[string][]byte, error) {
	rows, err := s.db.read.QueryContext(ctx, `SELECT r.subject, a.audit FROM releases r JOIN release_audits a ON a.release_id = r.id
		WHERE r.org_id = ? AND r.kind = ?`, orgID, string(kind))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]byte{}
	for rows.Next() {
		var subject string
		var audit []byte
		if err := rows.Scan(&subject, &audit); err != nil {
			return nil, err
		}
		out[subject] = audit
	}
	return out, rows.Err()
}

func (s *releaseStore) DisclosureSettings(ctx context.Context, orgID string) (*tsunagari.DisclosureSettings, error) {
	if err := orgExists(ctx, s.db.read, orgID); err != nil {
		return nil, err
	}
	ds := &tsunagari.DisclosureSettings{OrgID: orgID}
	var at int64
	err := s.db.read.QueryRowContext(ctx, `SELECT min_text_group_size, noise_epsilon, epsilon_budget, updated_at
		FROM disclosure_settings WHERE org_id = ?`, orgID).Scan(&ds.MinTextGroupSize, &ds.NoiseEpsilon, &ds.EpsilonBudget, &at)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return ds, nil
	case err != nil:
		return nil, err
	}
	ds.UpdatedAt = unixTime(at)
	return ds, nil
}

func (s *releaseStore) SaveDisclosureSettings(ctx context.Context, ds *tsunagari.DisclosureSettings) error {
	ds.UpdatedAt = s.db.orNow(ds.UpdatedAt)
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		if err := orgExists(ctx, tx, ds.OrgID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO disclosure_settings (org_id, min_text_group_size, noise_epsilon, epsilon_budget, updated_at)
			VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (org_id) DO UPDATE SET min_text_group_size = excluded.min_text_group_size,
				noise_epsilon = excluded.noise_epsilon, epsilon_budget = excluded.epsilon_budget, updated_at = excluded.updated_at`,
			ds.OrgID, ds.MinTextGroupSize, ds.NoiseEpsilon, ds.EpsilonBudget, ds.UpdatedAt.Unix())
		return err
	})
}

// insightStore implements tsunagari.InsightStore.
type insightStore struct{ db *DB }

var _ tsunagari.InsightStore = (*insightStore)(nil)

// funnelQuery lists the org's employees at a time with the stages they
// had reached: ?1 the org, ?2 the time.
const funnelQuery = `
	SELECT coalesce(e.department_id, ''), a.age_band, a.job_family, e.started_at,
		EXISTS (
			SELECT 1 FROM survey_responses r JOIN survey_rounds sr ON sr.id = r.round_id
			WHERE r.account_id = a.id AND sr.instrument_id = 'values_diagnosis' AND r.submitted_at <= ?2
		),
		EXISTS (
			SELECT 1 FROM community_members m
			WHERE m.account_id = a.id AND m.status = 'active' AND m.joined_at <= ?2
		),
		EXISTS (
			SELECT 1 FROM event_rsvps v
			WHERE v.account_id = a.id AND v.checked_in_at IS NOT NULL AND v.checked_in_at <= ?2
		)
	FROM employments e JOIN accounts a ON a.id = e.account_id
	WHERE e.org_id = ?1 AND e.started_at <= ?2 AND (e.ended_at IS NULL OR e.ended_at > ?2)
	ORDER BY 1, 2, 3, 4`

// stages returns the funnel stages past registration that a person
// reached.
func stages(diagnosed, joined, attended bool) tsunagari.FunnelStages {
	var st tsunagari.FunnelStages
	if diagnosed {
		st |= tsunagari.StageDiagnosed
	}
	if joined {
		st |= tsunagari.StageJoined
	}
	if attended {
		st |= tsunagari.StageAttended
	}
	return st
}

// invitedQuery lists, once per address, the department of everyone
// invited to the org by a time who had not registered by then.
const invitedQuery = `
	SELECT coalesce(i.department_id, ''), max(i.created_at)
	FROM invitations i
	WHERE i.org_id = ?1 AND i.created_at <= ?2 AND (i.accepted_at IS NULL OR i.accepted_at > ?2)
		AND NOT EXISTS (
			SELECT 1 FROM accounts a JOIN employments e ON e.account_id = a.id
			WHERE a.email = i.email AND e.org_id = i.org_id AND e.started_at <= ?2
				AND (e.ended_at IS NULL OR e.ended_at > ?2)
		)
	GROUP BY i.email
	ORDER BY 1`

func (s *insightStore) Funnel(ctx context.Context, orgID string, at time.Time) ([]tsunagari.FunnelPerson, error) {
	t := at.Unix()
	rows, err := s.db.read.QueryContext(ctx, funnelQuery, orgID, t)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []tsunagari.FunnelPerson
	for rows.Next() {
		var (
			p                           tsunagari.FunnelPerson
			started                     int64
			diagnosed, joined, attended bool
		)
		if err := rows.Scan(&p.DepartmentID, &p.AgeBand, &p.JobFamily, &started, &diagnosed, &joined, &attended); err != nil {
			return nil, err
		}
		p.StartedAt = unixTime(started)
		p.Stages = tsunagari.StageInvited | tsunagari.StageRegistered | stages(diagnosed, joined, attended)
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	irows, err := s.db.read.QueryContext(ctx, invitedQuery, orgID, t)
	if err != nil {
		return nil, err
	}
	defer irows.Close()
	for irows.Next() {
		var p tsunagari.FunnelPerson
		var created int64
		if err := irows.Scan(&p.DepartmentID, &created); err != nil {
			return nil, err
		}
		p.Stages = tsunagari.StageInvited
		out = append(out, p)
	}
	return out, irows.Err()
}

func (s *insightStore) PulseRoundsToPublish(ctx context.Context, instrumentID string, at time.Time) ([]*tsunagari.Round, error) {
	rows, err := s.db.read.QueryContext(ctx, `SELECT `+prefixColumns("r.", roundColumns)+` FROM survey_rounds r
		WHERE r.instrument_id = ? AND r.mode = 'attributed' AND r.org_id IS NOT NULL AND r.subject_kind IS NULL
			AND r.closes_at IS NOT NULL AND r.closes_at <= ?
			AND NOT EXISTS (SELECT 1 FROM releases l WHERE l.org_id = r.org_id AND l.kind = 'pulse' AND l.subject = r.id)
		ORDER BY r.closes_at, r.id`, instrumentID, at.Unix())
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

// prefixColumns qualifies each of a comma-separated list of columns.
func prefixColumns(prefix, columns string) string {
	parts := strings.Split(columns, ",")
	for i, p := range parts {
		parts[i] = prefix + strings.TrimSpace(p)
	}
	return strings.Join(parts, ", ")
}
