package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"tsunagari"
)

// orgStore implements tsunagari.OrgStore.
type orgStore struct{ db *DB }

var _ tsunagari.OrgStore = (*orgStore)(nil)

// Orgs.

const orgColumns = `id, name, industry, declared_employees, min_group_size, created_at`

func scanOrg(rows *sql.Rows) (*tsunagari.Org, error) {
	var (
		o         tsunagari.Org
		createdAt int64
	)
	if err := rows.Scan(&o.ID, &o.Name, &o.Industry, &o.DeclaredEmployees, &o.MinGroupSize, &createdAt); err != nil {
		return nil, err
	}
	o.CreatedAt = unixTime(createdAt)
	return &o, nil
}

// findOrgs returns the orgs matching where (which may be empty), by name.
func findOrgs(ctx context.Context, q querier, where string, args ...any) ([]*tsunagari.Org, error) {
	query := `SELECT ` + orgColumns + ` FROM orgs`
	if where != "" {
		query += ` WHERE ` + where
	}
	rows, err := q.QueryContext(ctx, query+` ORDER BY name, id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var orgs []*tsunagari.Org
	for rows.Next() {
		o, err := scanOrg(rows)
		if err != nil {
			return nil, err
		}
		orgs = append(orgs, o)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return orgs, nil
}

// CreateOrg stores o, setting its ID and CreatedAt if they are empty.
func (s *orgStore) CreateOrg(ctx context.Context, o *tsunagari.Org) error {
	if o.ID == "" {
		o.ID = tsunagari.NewID()
	}
	o.CreatedAt = s.db.orNow(o.CreatedAt)
	_, err := s.db.write.ExecContext(ctx, `
		INSERT INTO orgs (`+orgColumns+`) VALUES (?, ?, ?, ?, ?, ?)`,
		o.ID, o.Name, o.Industry, o.DeclaredEmployees, o.MinGroupSize, o.CreatedAt.Unix())
	return translate(err)
}

func (s *orgStore) FindOrgByID(ctx context.Context, id string) (*tsunagari.Org, error) {
	orgs, err := findOrgs(ctx, s.db.read, `id = ?`, id)
	if err != nil {
		return nil, err
	}
	if len(orgs) == 0 {
		return nil, tsunagari.ErrNotFound
	}
	return orgs[0], nil
}

// FindOrgs returns every org, by name.
func (s *orgStore) FindOrgs(ctx context.Context) ([]*tsunagari.Org, error) {
	return findOrgs(ctx, s.db.read, "")
}

// UpdateOrg saves o's fields but its ID and CreatedAt; ErrNotFound if
// there is no such org.
func (s *orgStore) UpdateOrg(ctx context.Context, o *tsunagari.Org) error {
	res, err := s.db.write.ExecContext(ctx, `
		UPDATE orgs SET name = ?, industry = ?, declared_employees = ?, min_group_size = ?
		WHERE id = ?`,
		o.Name, o.Industry, o.DeclaredEmployees, o.MinGroupSize, o.ID)
	if err != nil {
		return translate(err)
	}
	return checkAffected(res)
}

// Departments.

const departmentColumns = `id, org_id, parent_id, name, created_at`

func scanDepartment(rows *sql.Rows) (*tsunagari.Department, error) {
	var (
		d         tsunagari.Department
		parentID  sql.NullString
		createdAt int64
	)
	if err := rows.Scan(&d.ID, &d.OrgID, &parentID, &d.Name, &createdAt); err != nil {
		return nil, err
	}
	d.ParentID = parentID.String
	d.CreatedAt = unixTime(createdAt)
	return &d, nil
}

// findDepartments returns the departments matching where, by name.
func findDepartments(ctx context.Context, q querier, where string, args ...any) ([]*tsunagari.Department, error) {
	rows, err := q.QueryContext(ctx,
		`SELECT `+departmentColumns+` FROM departments WHERE `+where+` ORDER BY name, id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ds []*tsunagari.Department
	for rows.Next() {
		d, err := scanDepartment(rows)
		if err != nil {
			return nil, err
		}
		ds = append(ds, d)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return ds, nil
}

// CreateDepartment stores d, setting its ID and CreatedAt if they are
// empty.
func (s *orgStore) CreateDepartment(ctx context.Context, d *tsunagari.Department) error {
	if d.ID == "" {
		d.ID = tsunagari.NewID()
	}
	d.CreatedAt = s.db.orNow(d.CreatedAt)
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		if err := orgExists(ctx, tx, d.OrgID); err != nil {
			return err
		}
		if d.ParentID != "" {
			if err := departmentExists(ctx, tx, d.OrgID, d.ParentID); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `
			INSERT INTO departments (`+departmentColumns+`) VALUES (?, ?, ?, ?, ?)`,
			d.ID, d.OrgID, nullString(d.ParentID), d.Name, d.CreatedAt.Unix())
		return err
	})
}

// orgExists returns ErrNotFound if there is no org id.
func orgExists(ctx context.Context, q querier, id string) error {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM orgs WHERE id = ?`, id).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("org: %w", tsunagari.ErrNotFound)
	}
	return nil
}

// departmentExists returns ErrNotFound unless id is a department of orgID.
func departmentExists(ctx context.Context, q querier, orgID, id string) error {
	var n int
	if err := q.QueryRowContext(ctx,
		`SELECT count(*) FROM departments WHERE id = ? AND org_id = ?`, id, orgID).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("department: %w", tsunagari.ErrNotFound)
	}
	return nil
}

func (s *orgStore) FindDepartment(ctx context.Context, orgID, id string) (*tsunagari.Department, error) {
	ds, err := findDepartments(ctx, s.db.read, `org_id = ? AND id = ?`, orgID, id)
	if err != nil {
		return nil, err
	}
	if len(ds) == 0 {
		return nil, tsunagari.ErrNotFound
	}
	return ds[0], nil
}

func (s *orgStore) FindDepartments(ctx context.Context, orgID string) ([]*tsunagari.Department, error) {
	return findDepartments(ctx, s.db.read, `org_id = ?`, orgID)
}

// Employment.

func (s *orgStore) CountEmployees(ctx context.Context, orgID string) (int, error) {
	var n int
	err := s.db.read.QueryRowContext(ctx,
		`SELECT count(*) FROM employments WHERE org_id = ? AND ended_at IS NULL`, orgID).Scan(&n)
	return n, err
}

func (s *orgStore) EndEmployment(ctx context.Context, accountID string, at time.Time) error {
	res, err := s.db.write.ExecContext(ctx,
		`UPDATE employments SET ended_at = ? WHERE account_id = ? AND ended_at IS NULL`,
		at.Unix(), accountID)
	if err != nil {
		return translate(err)
	}
	return checkAffected(res)
}

// Invitations.

const invitationColumns = `
	id, org_id, department_id, email, role, token_hash, invited_by,
	created_at, expires_at, accepted_at`

func scanInvitation(rows *sql.Rows) (*tsunagari.Invitation, error) {
	var (
		inv                  tsunagari.Invitation
		deptID, invitedBy    sql.NullString
		createdAt, expiresAt int64
		acceptedAt           sql.NullInt64
	)
	if err := rows.Scan(
		&inv.ID, &inv.OrgID, &deptID, &inv.Email, &inv.Role, &inv.TokenHash, &invitedBy,
		&createdAt, &expiresAt, &acceptedAt,
	); err != nil {
		return nil, err
	}
	inv.DepartmentID = deptID.String
	inv.InvitedBy = invitedBy.String
	inv.CreatedAt = unixTime(createdAt)
	inv.ExpiresAt = unixTime(expiresAt)
	inv.AcceptedAt = timePtr(acceptedAt)
	return &inv, nil
}

// findInvitations returns matching invitations, newest first, followed by
// tail (LIMIT).
func findInvitations(ctx context.Context, q querier, where, tail string, args ...any) ([]*tsunagari.Invitation, error) {
	rows, err := q.QueryContext(ctx,
		`SELECT `+invitationColumns+` FROM invitations WHERE `+where+
			` ORDER BY created_at DESC, rowid DESC`+tail, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var invs []*tsunagari.Invitation
	for rows.Next() {
		inv, err := scanInvitation(rows)
		if err != nil {
			return nil, err
		}
		invs = append(invs, inv)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return invs, nil
}

func findInvitation(ctx context.Context, q querier, where string, args ...any) (*tsunagari.Invitation, error) {
	invs, err := findInvitations(ctx, q, where, "", args...)
	if err != nil {
		return nil, err
	}
	if len(invs) == 0 {
		return nil, tsunagari.ErrNotFound
	}
	return invs[0], nil
}

// CreateInvitations stores invs and mails, setting their IDs and
// CreatedAt where empty.
func (s *orgStore) CreateInvitations(ctx context.Context, invs []*tsunagari.Invitation, mails []*tsunagari.Mail) error {
	if len(invs) == 0 && len(mails) == 0 {
		return nil
	}
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		pending, err := tx.PrepareContext(ctx, `
			SELECT count(*) FROM invitations
			WHERE org_id = ? AND email = ? AND accepted_at IS NULL AND expires_at > ?`)
		if err != nil {
			return err
		}
		defer pending.Close()
		insert, err := tx.PrepareContext(ctx, `
			INSERT INTO invitations (`+invitationColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)`)
		if err != nil {
			return err
		}
		defer insert.Close()

		for i, inv := range invs {
			if inv.ID == "" {
				inv.ID = tsunagari.NewID()
			}
			inv.CreatedAt = s.db.orNow(inv.CreatedAt)
			inv.ExpiresAt = stamp(inv.ExpiresAt)
			inv.AcceptedAt = nil
			var n int
			if err := pending.QueryRowContext(ctx, inv.OrgID, inv.Email, inv.CreatedAt.Unix()).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return fmt.Errorf("invitation %d: already pending: %w", i+1, tsunagari.ErrConflict)
			}
			if _, err := insert.ExecContext(ctx,
				inv.ID, inv.OrgID, nullString(inv.DepartmentID), inv.Email, string(inv.Role),
				inv.TokenHash, nullString(inv.InvitedBy), inv.CreatedAt.Unix(), inv.ExpiresAt.Unix(),
			); err != nil {
				return fmt.Errorf("invitation %d: %w", i+1, translate(err))
			}
		}
		for _, m := range mails {
			if err := s.db.enqueueMail(ctx, tx, m); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *orgStore) FindInvitation(ctx context.Context, orgID, id string) (*tsunagari.Invitation, error) {
	return findInvitation(ctx, s.db.read, `org_id = ? AND id = ?`, orgID, id)
}

func (s *orgStore) FindInvitationByToken(ctx context.Context, tokenHash string) (*tsunagari.Invitation, error) {
	return findInvitation(ctx, s.db.read, `token_hash = ?`, tokenHash)
}

// FindInvitations returns the org's invitations, newest first; limit 0
// means all.
func (s *orgStore) FindInvitations(ctx context.Context, orgID string, limit int) ([]*tsunagari.Invitation, error) {
	return findInvitations(ctx, s.db.read, `org_id = ?`, limitClause(limit, 0), orgID)
}

// AcceptInvitation also covers an account already employed by the
// invitation's org: that employment continues, moved to the invitation's
// department if it names one.
func (s *orgStore) AcceptInvitation(ctx context.Context, tokenHash, accountID string, now time.Time) error {
	now = stamp(now)
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		inv, err := findInvitation(ctx, tx,
			`token_hash = ? AND accepted_at IS NULL AND expires_at > ?`, tokenHash, now.Unix())
		if err != nil {
			return fmt.Errorf("invitation: %w", err)
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM accounts WHERE id = ?`, accountID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("account: %w", tsunagari.ErrNotFound)
		}

		if _, err := tx.ExecContext(ctx,
			`UPDATE invitations SET accepted_at = ?, accepted_by = ? WHERE id = ?`,
			now.Unix(), accountID, inv.ID); err != nil {
			return err
		}

		// End a current employment elsewhere.
		if _, err := tx.ExecContext(ctx, `
			UPDATE employments SET ended_at = ?
			WHERE account_id = ? AND ended_at IS NULL AND org_id <> ?`,
			now.Unix(), accountID, inv.OrgID); err != nil {
			return err
		}
		// Continue one in the same org, or start one.
		res, err := tx.ExecContext(ctx, `
			UPDATE employments SET department_id = coalesce(?, department_id)
			WHERE account_id = ? AND ended_at IS NULL AND org_id = ?`,
			nullString(inv.DepartmentID), accountID, inv.OrgID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			if _, err := tx.ExecContext(ctx, `
				INSERT INTO employments (id, account_id, org_id, department_id, started_at)
				VALUES (?, ?, ?, ?, ?)`,
				tsunagari.NewID(), accountID, inv.OrgID, nullString(inv.DepartmentID), now.Unix()); err != nil {
				return err
			}
		}

		if inv.Role != "" {
			if _, err := tx.ExecContext(ctx,
				`INSERT OR IGNORE INTO account_roles (account_id, role) VALUES (?, ?)`,
				accountID, string(inv.Role)); err != nil {
				return err
			}
		}
		return nil
	})
}
