package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"tsunagari"
	"tsunagari/internal/search"
)

// probonoStore implements tsunagari.ProbonoStore.
type probonoStore struct{ db *DB }

var _ tsunagari.ProbonoStore = (*probonoStore)(nil)

const projectColumns = `p.id, p.community_id, p.title, p.deliverable, p.description, p.roles, p.team_size, p.hours_per_week,
	p.duration_months, p.starts_on, p.answer_by, p.status, p.created_by, p.created_at, p.team_confirmed_at,
	c.name, c.kind, c.hidden_at IS NOT NULL`

const projectFrom = ` FROM probono_projects p JOIN communities c ON c.id = p.community_id`

func scanProject(row rowScanner) (*tsunagari.ProbonoProject, error) {
	var (
		p                   tsunagari.ProbonoProject
		roles               string
		answerBy, createdAt int64
		createdBy           sql.NullString
		teamed              sql.NullInt64
	)
	if err := row.Scan(&p.ID, &p.CommunityID, &p.Title, &p.Deliverable, &p.Description, &roles, &p.TeamSize, &p.HoursPerWeek,
		&p.DurationMonths, &p.StartsOn, &answerBy, &p.Status, &createdBy, &createdAt, &teamed,
		&p.Community.Name, &p.Community.Kind, &p.Community.Hidden); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(roles), &p.Roles); err != nil {
		return nil, fmt.Errorf("read project %s: %w", p.ID, err)
	}
	p.AnswerBy, p.CreatedAt, p.TeamConfirmedAt = unixTime(answerBy), unixTime(createdAt), timePtr(teamed)
	p.CreatedBy = createdBy.String
	return &p, nil
}

func findProjects(ctx context.Context, q querier, query string, args ...any) ([]*tsunagari.ProbonoProject, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var list []*tsunagari.ProbonoProject
	for rows.Next() {
		p, err := scanProject(rows)
		if err != nil {
			return nil, err
		}
		list = append(list, p)
	}
	return list, rows.Err()
}

func (s *probonoStore) CreateProject(ctx context.Context, p *tsunagari.ProbonoProject) error {
	if p.ID == "" {
		p.ID = tsunagari.NewID()
	}
	p.CreatedAt, p.AnswerBy = s.db.orNow(p.CreatedAt), stamp(p.AnswerBy)
	p.Status, p.TeamConfirmedAt = tsunagari.ProbonoRecruiting, nil
	roles, err := json.Marshal(p.Roles)
	if err != nil {
		return err
	}
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO probono_projects (id, community_id, title, deliverable, description, roles, team_size, hours_per_week,
				duration_months, starts_on, starts_at, ends_at, answer_by, status, created_by, created_at)
			VALUES (`+placeholders(16)+`)`,
			p.ID, p.CommunityID, p.Title, p.Deliverable, p.Description, string(roles), p.TeamSize, p.HoursPerWeek,
			p.DurationMonths, p.StartsOn, p.Start().Unix(), p.End().Unix(), p.AnswerBy.Unix(), string(p.Status),
			nullString(p.CreatedBy), p.CreatedAt.Unix()); err != nil {
			return err
		}
		var name string
		if err := tx.QueryRowContext(ctx, `SELECT name FROM communities WHERE id = ?`, p.CommunityID).Scan(&name); err != nil {
			return err
		}
		title, tags, body := p.SearchText(name)
		return indexDoc(ctx, tx, docProject, p.ID, search.NewDoc(title, tags, body...))
	})
}

func (s *probonoStore) FindProjectByID(ctx context.Context, id string) (*tsunagari.ProbonoProject, error) {
	list, err := findProjects(ctx, s.db.read, `SELECT `+projectColumns+projectFrom+` WHERE p.id = ?`, id)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, tsunagari.ErrNotFound
	}
	return list[0], nil
}

func (s *probonoStore) FindProjects(ctx context.Context, f tsunagari.ProbonoFilter) ([]*tsunagari.ProbonoProject, error) {
	where, args := []string{"1 = 1"}, []any{}
	if f.CommunityID != "" {
		where, args = append(where, `p.community_id = ?`), append(args, f.CommunityID)
	}
	if f.Status != "" {
		where, args = append(where, `p.status = ?`), append(args, string(f.Status))
	}
	if !f.IncludeHidden {
		where = append(where, `c.hidden_at IS NULL`)
	}
	cond := ` WHERE ` + strings.Join(where, " AND ")
	q := search.Parse(f.Query)
	if q.Empty() {
		return findProjects(ctx, s.db.read, `SELECT `+projectColumns+projectFrom+cond+` ORDER BY p.answer_by, p.id`+
			limitClause(f.Limit, 0), args...)
	}
	matched, margs := matchedDocs(projectBase, q)
	return findProjects(ctx, s.db.read, `SELECT `+projectColumns+projectFrom+` JOIN (`+matched+`) m ON p.seq = m.r - ?`+cond+
		` ORDER BY m.score DESC, p.answer_by, p.id`+limitClause(f.Limit, 0), append(append(margs, projectBase), args...)...)
}

func (s *probonoStore) CreateApplication(ctx context.Context, a *tsunagari.ProbonoApplication) error {
	if a.ID == "" {
		a.ID = tsunagari.NewID()
	}
	a.CreatedAt = s.db.orNow(a.CreatedAt)
	a.Status, a.Role, a.AnsweredAt, a.Automatic = tsunagari.ApplicationOpen, "", nil, false
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		var (
			status   tsunagari.ProbonoStatus
			answerBy int64
		)
		if err := tx.QueryRowContext(ctx, `SELECT status, answer_by FROM probono_projects WHERE id = ?`, a.ProjectID).
			Scan(&status, &answerBy); err != nil {
			return err
		}
		if status != tsunagari.ProbonoRecruiting || a.CreatedAt.Unix() >= answerBy {
			return tsunagari.ErrStarted
		}
		_, err := tx.ExecContext(ctx, `
			INSERT INTO probono_applications (id, project_id, account_id, skills, hours_per_week, motivation, status, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			a.ID, a.ProjectID, a.AccountID, jsonList(a.Skills), a.HoursPerWeek, a.Motivation, string(a.Status), a.CreatedAt.Unix())
		return err
	})
}

const applicationColumns = `x.id, x.project_id, x.account_id, x.skills, x.hours_per_week, x.motivation, x.status, x.role,
	x.created_at, x.answered_at, x.automatic, a.name, a.email, a.locale, a.job_family, a.industry, a.age_band`

func findApplications(ctx context.Context, q querier, where string, args ...any) ([]*tsunagari.ProbonoApplication, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+applicationColumns+`
		FROM probono_applications x JOIN accounts a ON a.id = x.account_id
		WHERE `+where+` ORDER BY x.created_at, x.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var list []*tsunagari.ProbonoApplication
	for rows.Next() {
		var (
			x         tsunagari.ProbonoApplication
			skills    string
			createdAt int64
			answered  sql.NullInt64
		)
		if err := rows.Scan(&x.ID, &x.ProjectID, &x.AccountID, &skills, &x.HoursPerWeek, &x.Motivation, &x.Status, &x.Role,
			&createdAt, &answered, &x.Automatic, &x.Name, &x.Email, &x.Locale, &x.JobFamily, &x.Industry, &x.AgeBand); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(skills), &x.Skills); err != nil {
			return nil, fmt.Errorf("read application %s: %w", x.ID, err)
		}
		x.CreatedAt, x.AnsweredAt = unixTime(createdAt), timePtr(answered)
		list = append(list, &x)
	}
	return list, rows.Err()
}

func (s *probonoStore) FindApplications(ctx context.Context, projectID, accountID string) ([]*tsunagari.ProbonoApplication, error) {
	where, args := []string{"1 = 1"}, []any{}
	if projectID != "" {
		where, args = append(where, `x.project_id = ?`), append(args, projectID)
	}
	if accountID != "" {
		where, args = append(where, `x.account_id = ?`), append(args, accountID)
	}
	return findApplications(ctx, s.db.read, strings.Join(where, " AND "), args...)
}

func (s *probonoStore) Commitments(ctx context.Context, accountIDs []string, from, to time.Time, exceptProject string) (map[string]int, error) {
	out := map[string]int{}
	if len(accountIDs) == 0 {
		return out, nil
	}
	args := []any{from.Unix(), to.Unix(), exceptProject}
	for _, id := range accountIDs {
		args = append(args, id)
	}
	rows, err := s.db.read.QueryContext(ctx, `
		SELECT x.account_id, sum(p.hours_per_week) FROM probono_applications x JOIN probono_projects p ON p.id = x.project_id
		WHERE x.status = 'accepted' AND p.status = 'team_confirmed' AND p.ends_at > ? AND p.starts_at < ? AND p.id <> ?
			AND x.account_id IN (`+placeholders(len(accountIDs))+`)
		GROUP BY x.account_id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id    string
			hours int
		)
		if err := rows.Scan(&id, &hours); err != nil {
			return nil, err
		}
		out[id] = hours
	}
	return out, rows.Err()
}

// answer gives an open application its answer and tells the applicant.
func (db *DB) answer(ctx context.Context, tx *sql.Tx, p *tsunagari.ProbonoProject, x *tsunagari.ProbonoApplication,
	status tsunagari.ApplicationStatus, role string, automatic bool, at time.Time, notify tsunagari.ApplicationNotify) error {
	x.Status, x.Role, x.Automatic, x.AnsweredAt = status, role, automatic, &at
	if _, err := tx.ExecContext(ctx, `UPDATE probono_applications SET status = ?, role = ?, automatic = ?, answered_at = ? WHERE id = ?`,
		string(status), role, automatic, at.Unix(), x.ID); err != nil {
		return err
	}
	if notify == nil {
		return nil
	}
	if m := notify(p, x); m != nil {
		return db.enqueueMail(ctx, tx, m)
	}
	return nil
}

func (s *probonoStore) ConfirmTeam(ctx context.Context, projectID string, team []tsunagari.TeamMember, at time.Time, notify tsunagari.ApplicationNotify) error {
	at = stamp(at)
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		list, err := findProjects(ctx, tx, `SELECT `+projectColumns+projectFrom+` WHERE p.id = ?`, projectID)
		if err != nil {
			return err
		}
		if len(list) == 0 {
			return tsunagari.ErrNotFound
		}
		p := list[0]
		if p.Status != tsunagari.ProbonoRecruiting || !at.Before(p.AnswerBy) {
			return tsunagari.ErrStarted
		}
		open, err := findApplications(ctx, tx, `x.project_id = ? AND x.status = 'applied'`, projectID)
		if err != nil {
			return err
		}
		byID := map[string]*tsunagari.ProbonoApplication{}
		for _, x := range open {
			byID[x.ID] = x
		}
		roles := map[string]string{}
		for _, m := range team {
			if byID[m.ApplicationID] == nil {
				return fmt.Errorf("%w: application %s is not open", tsunagari.ErrNotFound, m.ApplicationID)
			}
			roles[m.ApplicationID] = m.Role
		}
		for _, x := range open {
			status, role := tsunagari.ApplicationNotSelected, ""
			if r, ok := roles[x.ID]; ok {
				status, role = tsunagari.ApplicationAccepted, r
			}
			if err := s.db.answer(ctx, tx, p, x, status, role, false, at, notify); err != nil {
				return err
			}
		}
		p.Status, p.TeamConfirmedAt = tsunagari.ProbonoTeamed, &at
		_, err = tx.ExecContext(ctx, `UPDATE probono_projects SET status = 'team_confirmed', team_confirmed_at = ? WHERE id = ?`,
			at.Unix(), projectID)
		return err
	})
}

func (s *probonoStore) AnswerOverdue(ctx context.Context, now time.Time, notify tsunagari.ApplicationNotify) (int, error) {
	now = stamp(now)
	answered := 0
	err := s.db.inTx(ctx, func(tx *sql.Tx) error {
		answered = 0
		due, err := findProjects(ctx, tx, `SELECT `+projectColumns+projectFrom+
			` WHERE p.status = 'recruiting' AND p.answer_by <= ? ORDER BY p.answer_by, p.id`, now.Unix())
		if err != nil {
			return err
		}
		for _, p := range due {
			open, err := findApplications(ctx, tx, `x.project_id = ? AND x.status = 'applied'`, p.ID)
			if err != nil {
				return err
			}
			for _, x := range open {
				if err := s.db.answer(ctx, tx, p, x, tsunagari.ApplicationNotSelected, "", true, now, notify); err != nil {
					return err
				}
				answered++
			}
			p.Status = tsunagari.ProbonoClosed
			if _, err := tx.ExecContext(ctx, `UPDATE probono_projects SET status = 'closed' WHERE id = ?`, p.ID); err != nil {
				return err
			}
		}
		return nil
	})
	return answered, err
}
