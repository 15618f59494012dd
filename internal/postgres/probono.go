package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"tsunagari"
	"tsunagari/internal/search"
)

// ProbonoStore implements tsunagari.ProbonoStore. Answers to applications
// lock the project's row, so a team confirmation and the deadline job
// never answer the same application twice, in one process or many.
type ProbonoStore struct {
	db *DB
}

var _ tsunagari.ProbonoStore = (*ProbonoStore)(nil)

const docProject = "probono_project"

var projectColumns = []string{"id", "community_id", "title", "deliverable", "description", "roles", "team_size", "hours_per_week",
	"duration_months", "starts_on", "starts_at", "ends_at", "answer_by", "status", "created_by", "created_at", "team_confirmed_at"}

const projectSelect = `SELECT p.id, p.community_id, p.title, p.deliverable, p.description, p.roles, p.team_size, p.hours_per_week,
	p.duration_months, p.starts_on, p.answer_by, p.status, p.created_by, p.created_at, p.team_confirmed_at,
	c.name, c.kind, c.hidden_at IS NOT NULL
	FROM probono_projects p JOIN communities c ON c.id = p.community_id`

func scanProject(row scanner) (*tsunagari.ProbonoProject, error) {
	var (
		p         tsunagari.ProbonoProject
		roles     []byte
		createdBy *string
	)
	if err := row.Scan(&p.ID, &p.CommunityID, &p.Title, &p.Deliverable, &p.Description, &roles, &p.TeamSize, &p.HoursPerWeek,
		&p.DurationMonths, &p.StartsOn, &p.AnswerBy, &p.Status, &createdBy, &p.CreatedAt, &p.TeamConfirmedAt,
		&p.Community.Name, &p.Community.Kind, &p.Community.Hidden); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(roles, &p.Roles); err != nil {
		return nil, fmt.Errorf("read project %s: %w", p.ID, err)
	}
	p.AnswerBy, p.CreatedAt, p.TeamConfirmedAt = p.AnswerBy.UTC(), p.CreatedAt.UTC(), utcPtr(p.TeamConfirmedAt)
	p.CreatedBy = nullEmpty(createdBy)
	return &p, nil
}

func findProjects(ctx context.Context, q querier, query string, args ...any) ([]*tsunagari.ProbonoProject, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (*tsunagari.ProbonoProject, error) { return scanProject(row) })
}

// CreateProject stores p and indexes it.
func (s *ProbonoStore) CreateProject(ctx context.Context, p *tsunagari.ProbonoProject) error {
	if p.ID == "" {
		p.ID = tsunagari.NewID()
	}
	p.CreatedAt, p.AnswerBy = s.db.orNow(p.CreatedAt), stamp(p.AnswerBy)
	p.Status, p.TeamConfirmedAt = tsunagari.ProbonoRecruiting, nil
	roles, err := json.Marshal(p.Roles)
	if err != nil {
		return err
	}
	return wrap("create project", s.db.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, insertSQL("probono_projects", projectColumns),
			p.ID, p.CommunityID, p.Title, p.Deliverable, p.Description, string(roles), p.TeamSize, p.HoursPerWeek,
			p.DurationMonths, p.StartsOn, p.Start(), p.End(), p.AnswerBy, string(p.Status), emptyNull(p.CreatedBy),
			p.CreatedAt, nil); err != nil {
			return err
		}
		var name string
		if err := tx.QueryRow(ctx, `SELECT name FROM communities WHERE id = $1`, p.CommunityID).Scan(&name); err != nil {
			return err
		}
		title, tags, body := p.SearchText(name)
		return indexDoc(ctx, tx, docProject, p.ID, search.NewDoc(title, tags, body...))
	}))
}

// FindProjectByID returns ErrNotFound if there is no such project.
func (s *ProbonoStore) FindProjectByID(ctx context.Context, id string) (*tsunagari.ProbonoProject, error) {
	list, err := findProjects(ctx, s.db.pool, projectSelect+` WHERE p.id = $1`, id)
	if err != nil {
		return nil, wrap("find project", err)
	}
	if len(list) == 0 {
		return nil, tsunagari.ErrNotFound
	}
	return list[0], nil
}

// FindProjects returns matching projects.
func (s *ProbonoStore) FindProjects(ctx context.Context, f tsunagari.ProbonoFilter) ([]*tsunagari.ProbonoProject, error) {
	var p params
	from, order := projectSelect, ` ORDER BY p.answer_by, p.id`
	if q := search.Parse(f.Query); !q.Empty() {
		from += ` JOIN (` + matchedDocs(&p, docProject, q) + `) m ON m.doc_id = p.id`
		order = ` ORDER BY m.score DESC, p.answer_by, p.id`
	}
	where := []string{"true"}
	if f.CommunityID != "" {
		where = append(where, `p.community_id = `+p.add(f.CommunityID))
	}
	if f.Status != "" {
		where = append(where, `p.status = `+p.add(string(f.Status)))
	}
	if !f.IncludeHidden {
		where = append(where, `c.hidden_at IS NULL`)
	}
	list, err := findProjects(ctx, s.db.pool, from+` WHERE `+strings.Join(where, " AND ")+order+limitOffset(f.Limit, 0), p.args...)
	return list, wrap("find projects", err)
}

// CreateApplication stores a volunteer's application.
func (s *ProbonoStore) CreateApplication(ctx context.Context, a *tsunagari.ProbonoApplication) error {
	if a.ID == "" {
		a.ID = tsunagari.NewID()
	}
	a.CreatedAt = s.db.orNow(a.CreatedAt)
	a.Status, a.Role, a.AnsweredAt, a.Automatic = tsunagari.ApplicationOpen, "", nil, false
	return wrap("create application", s.db.inTx(ctx, func(tx pgx.Tx) error {
		var (
			status   tsunagari.ProbonoStatus
			answerBy time.Time
		)
		// FOR SHARE: a team confirmation or the deadline job waits for
		// the application to be in, and answers it.
		if err := tx.QueryRow(ctx, `SELECT status, answer_by FROM probono_projects WHERE id = $1 FOR SHARE`, a.ProjectID).
			Scan(&status, &answerBy); err != nil {
			return err
		}
		if status != tsunagari.ProbonoRecruiting || !a.CreatedAt.Before(answerBy) {
			return tsunagari.ErrStarted
		}
		_, err := tx.Exec(ctx, `
			INSERT INTO probono_applications (id, project_id, account_id, skills, hours_per_week, motivation, status, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			a.ID, a.ProjectID, a.AccountID, nonNil(a.Skills), a.HoursPerWeek, a.Motivation, string(a.Status), a.CreatedAt)
		return err
	}))
}

const applicationSelect = `SELECT x.id, x.project_id, x.account_id, x.skills, x.hours_per_week, x.motivation, x.status, x.role,
	x.created_at, x.answered_at, x.automatic, a.name, a.email, a.locale, a.job_family, a.industry, a.age_band
	FROM probono_applications x JOIN accounts a ON a.id = x.account_id`

func findApplications(ctx context.Context, q querier, where string, args ...any) ([]*tsunagari.ProbonoApplication, error) {
	rows, err := q.Query(ctx, applicationSelect+` WHERE `+where+` ORDER BY x.created_at, x.id`, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (*tsunagari.ProbonoApplication, error) {
		var x tsunagari.ProbonoApplication
		if err := row.Scan(&x.ID, &x.ProjectID, &x.AccountID, &x.Skills, &x.HoursPerWeek, &x.Motivation, &x.Status, &x.Role,
			&x.CreatedAt, &x.AnsweredAt, &x.Automatic, &x.Name, &x.Email, &x.Locale, &x.JobFamily, &x.Industry, &x.AgeBand); err != nil {
			return nil, err
		}
		x.Skills, x.CreatedAt, x.AnsweredAt = nonNil(x.Skills), x.CreatedAt.UTC(), utcPtr(x.AnsweredAt)
		return &x, nil
	})
}

// FindApplications returns a project's applications, or an account's.
func (s *ProbonoStore) FindApplications(ctx context.Context, projectID, accountID string) ([]*tsunagari.ProbonoApplication, error) {
	var p params
	where := []string{"true"}
	if projectID != "" {
		where = append(where, `x.project_id = `+p.add(projectID))
	}
	if accountID != "" {
		where = append(where, `x.account_id = `+p.add(accountID))
	}
	list, err := findApplications(ctx, s.db.pool, strings.Join(where, " AND "), p.args...)
	return list, wrap("find applications", err)
}

// Commitments returns the hours per week accounts have promised to other
// confirmed teams overlapping [from, to).
func (s *ProbonoStore) Commitments(ctx context.Context, accountIDs []string, from, to time.Time, exceptProject string) (map[string]int, error) {
	out := map[string]int{}
	if len(accountIDs) == 0 {
		return out, nil
	}
	rows, err := s.db.pool.Query(ctx, `
		SELECT x.account_id, sum(p.hours_per_week) FROM probono_applications x JOIN probono_projects p ON p.id = x.project_id
		WHERE x.status = 'accepted' AND p.status = 'team_confirmed' AND p.ends_at > $1 AND p.starts_at < $2 AND p.id <> $3
			AND x.account_id = ANY ($4)
		GROUP BY x.account_id`, from, to, exceptProject, accountIDs)
	if err != nil {
		return nil, wrap("commitments", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id    string
			hours int
		)
		if err := rows.Scan(&id, &hours); err != nil {
			return nil, wrap("commitments", err)
		}
		out[id] = hours
	}
	return out, wrap("commitments", rows.Err())
}

// answer gives an open application its answer and tells the applicant.
func (db *DB) answer(ctx context.Context, tx pgx.Tx, p *tsunagari.ProbonoProject, x *tsunagari.ProbonoApplication,
	status tsunagari.ApplicationStatus, role string, automatic bool, at time.Time, notify tsunagari.ApplicationNotify) error {
	x.Status, x.Role, x.Automatic, x.AnsweredAt = status, role, automatic, &at
	if _, err := tx.Exec(ctx, `UPDATE probono_applications SET status = $2, role = $3, automatic = $4, answered_at = $5 WHERE id = $1`,
		x.ID, string(status), role, automatic, at); err != nil {
		return err
	}
	if notify == nil {
		return nil
	}
	if m := notify(p, x); m != nil {
		return db.insertMail(ctx, tx, m)
	}
	return nil
}

// ConfirmTeam accepts the team and answers everyone else.
func (s *ProbonoStore) ConfirmTeam(ctx context.Context, projectID string, team []tsunagari.TeamMember, at time.Time, notify tsunagari.ApplicationNotify) error {
	at = stamp(at)
	return wrap("confirm team", s.db.inTx(ctx, func(tx pgx.Tx) error {
		list, err := findProjects(ctx, tx, projectSelect+` WHERE p.id = $1 FOR UPDATE OF p`, projectID)
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
		open, err := findApplications(ctx, tx, `x.project_id = $1 AND x.status = 'applied'`, projectID)
		if err != nil {
			return err
		}
		byID := map[string]bool{}
		for _, x := range open {
			byID[x.ID] = true
		}
		roles := map[string]string{}
		for _, m := range team {
			if !byID[m.ApplicationID] {
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
		_, err = tx.Exec(ctx, `UPDATE probono_projects SET status = 'team_confirmed', team_confirmed_at = $2 WHERE id = $1`, projectID, at)
		return err
	}))
}

// AnswerOverdue answers every open application past its deadline.
func (s *ProbonoStore) AnswerOverdue(ctx context.Context, now time.Time, notify tsunagari.ApplicationNotify) (int, error) {
	now = stamp(now)
	answered := 0
	err := s.db.inTx(ctx, func(tx pgx.Tx) error {
		answered = 0
		// Locking the due projects makes a second process wait here and
		// then find them closed: it answers nobody twice.
		due, err := findProjects(ctx, tx, projectSelect+
			` WHERE p.status = 'recruiting' AND p.answer_by <= $1 ORDER BY p.answer_by, p.id FOR UPDATE OF p`, now)
		if err != nil {
			return err
		}
		for _, p := range due {
			var status tsunagari.ProbonoStatus
			// Re-read under the lock: another process may have closed it.
			if err := tx.QueryRow(ctx, `SELECT status FROM probono_projects WHERE id = $1`, p.ID).Scan(&status); err != nil {
				return err
			}
			if status != tsunagari.ProbonoRecruiting {
				continue
			}
			open, err := findApplications(ctx, tx, `x.project_id = $1 AND x.status = 'applied'`, p.ID)
			if err != nil {
				return err
			}
			for _, x := range open {
				if err := s.db.answer(ctx, tx, p, x, tsunagari.ApplicationNotSelected, "", true, now, notify); err != nil {
					return err
				}
				answered++
			}
			if _, err := tx.Exec(ctx, `UPDATE probono_projects SET status = 'closed' WHERE id = $1`, p.ID); err != nil {
				return err
			}
		}
		return nil
	})
	return answered, wrap("answer overdue", err)
}
