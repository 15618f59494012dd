package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"tsunagari"
)

// OrgStore implements tsunagari.OrgStore.
type OrgStore struct {
	db *DB
}

var _ tsunagari.OrgStore = (*OrgStore)(nil)

// orgColumns are the columns of orgs, in the order of orgValues and
// scanOrg.
var orgColumns = []string{"id", "name", "industry", "declared_employees", "min_group_size", "created_at"}

var orgSelect = `SELECT ` + prefixed("", orgColumns) + ` FROM orgs`

func orgValues(o *tsunagari.Org) []any {
	return []any{o.ID, o.Name, o.Industry, o.DeclaredEmployees, o.MinGroupSize, o.CreatedAt}
}

func scanOrg(row scanner) (*tsunagari.Org, error) {
	var o tsunagari.Org
	if err := row.Scan(&o.ID, &o.Name, &o.Industry, &o.DeclaredEmployees, &o.MinGroupSize, &o.CreatedAt); err != nil {
		return nil, err
	}
	o.CreatedAt = o.CreatedAt.UTC()
	return &o, nil
}

// CreateOrg stores o, setting o.ID unless preset and o.CreatedAt if zero.
// It returns ErrConflict if the ID is taken.
func (s *OrgStore) CreateOrg(ctx context.Context, o *tsunagari.Org) error {
	if o.ID == "" {
		o.ID = tsunagari.NewID()
	}
	o.CreatedAt = s.db.orNow(o.CreatedAt)
	_, err := s.db.pool.Exec(ctx, insertSQL("orgs", orgColumns), orgValues(o)...)
	return wrap("create org", err)
}

// FindOrgByID returns ErrNotFound if there is no such org.
func (s *OrgStore) FindOrgByID(ctx context.Context, id string) (*tsunagari.Org, error) {
	o, err := scanOrg(s.db.pool.QueryRow(ctx, orgSelect+` WHERE id = $1`, id))
	return o, wrap("find org", err)
}

// FindOrgs returns every org, by name.
func (s *OrgStore) FindOrgs(ctx context.Context) ([]*tsunagari.Org, error) {
	rows, err := s.db.pool.Query(ctx, orgSelect+` ORDER BY name, id`)
	if err != nil {
		return nil, wrap("find orgs", err)
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*tsunagari.Org, error) {
		return scanOrg(row)
	})
	return list, wrap("find orgs", err)
}

// UpdateOrg saves o's fields except its ID and CreatedAt; ErrNotFound if
// there is no such org.
func (s *OrgStore) UpdateOrg(ctx context.Context, o *tsunagari.Org) error {
	err := affectedOne(s.db.pool.Exec(ctx, `
		UPDATE orgs SET name = $2, industry = $3, declared_employees = $4, min_group_size = $5
		WHERE id = $1`,
		o.ID, o.Name, o.Industry, o.DeclaredEmployees, o.MinGroupSize))
	return wrap("update org", err)
}

// departmentColumns are the columns of departments, in the order of
// departmentValues and scanDepartment.
var departmentColumns = []string{"id", "org_id", "parent_id", "name", "created_at"}

var departmentSelect = `SELECT ` + prefixed("", departmentColumns) + ` FROM departments`

func departmentValues(d *tsunagari.Department) []any {
	return []any{d.ID, d.OrgID, emptyNull(d.ParentID), d.Name, d.CreatedAt}
}

func scanDepartment(row scanner) (*tsunagari.Department, error) {
	var d tsunagari.Department
	var parent *string
	if err := row.Scan(&d.ID, &d.OrgID, &parent, &d.Name, &d.CreatedAt); err != nil {
		return nil, err
	}
	d.ParentID, d.CreatedAt = nullEmpty(parent), d.CreatedAt.UTC()
	return &d, nil
}

// CreateDepartment stores d, setting d.ID unless preset and d.CreatedAt if
// zero. It returns ErrNotFound if the org does not exist or d.ParentID is
// set but is not a department of d.OrgID, and ErrConflict if a sibling
// has the same name.
func (s *OrgStore) CreateDepartment(ctx context.Context, d *tsunagari.Department) error {
	if d.ID == "" {
		d.ID = tsunagari.NewID()
	}
	d.CreatedAt = s.db.orNow(d.CreatedAt)
	err := s.db.inTx(ctx, func(tx pgx.Tx) error {
		if d.ParentID != "" {
			var one int
			if err := tx.QueryRow(ctx,
				`SELECT 1 FROM departments WHERE id = $1 AND org_id = $2`,
				d.ParentID, d.OrgID).Scan(&one); err != nil {
				return fmt.Errorf("parent department: %w", translate(err))
			}
		}
		_, err := tx.Exec(ctx, insertSQL("departments", departmentColumns), departmentValues(d)...)
		return err
	})
	return wrap("create department", err)
}

// FindDepartment returns ErrNotFound unless id is a department of orgID.
func (s *OrgStore) FindDepartment(ctx context.Context, orgID, id string) (*tsunagari.Department, error) {
	d, err := scanDepartment(s.db.pool.QueryRow(ctx,
		departmentSelect+` WHERE org_id = $1 AND id = $2`, orgID, id))
	return d, wrap("find department", err)
}

// FindDepartments returns the org's departments ordered by name.
func (s *OrgStore) FindDepartments(ctx context.Context, orgID string) ([]*tsunagari.Department, error) {
	rows, err := s.db.pool.Query(ctx, departmentSelect+` WHERE org_id = $1 ORDER BY name, id`, orgID)
	if err != nil {
		return nil, wrap("find departments", err)
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*tsunagari.Department, error) {
		return scanDepartment(row)
	})
	return list, wrap("find departments", err)
}

// CountEmployees returns the number of current employees of the org.
func (s *OrgStore) CountEmployees(ctx context.Context, orgID string) (int, error) {
	var n int
	err := s.db.pool.QueryRow(ctx,
		`SELECT count(*) FROM employments WHERE org_id = $1 AND ended_at IS NULL`, orgID).Scan(&n)
	return n, wrap("count employees", err)
}

// EndEmployment ends the account's current employment at the given time;
// ErrNotFound if it has none.
func (s *OrgStore) EndEmployment(ctx context.Context, accountID string, at time.Time) error {
	err := affectedOne(s.db.pool.Exec(ctx,
		`UPDATE employments SET ended_at = $2 WHERE account_id = $1 AND ended_at IS NULL`,
		accountID, stamp(at)))
	return wrap("end employment", err)
}

// invitationColumns are the columns of invitations, in the order of
// invitationValues and scanInvitation.
var invitationColumns = []string{
	"id", "org_id", "department_id", "email", "role", "token_hash",
	"invited_by", "created_at", "expires_at", "accepted_at",
}

var invitationSelect = `SELECT ` + prefixed("", invitationColumns) + ` FROM invitations`

func invitationValues(inv *tsunagari.Invitation) []any {
	return []any{
		inv.ID, inv.OrgID, emptyNull(inv.DepartmentID), inv.Email, string(inv.Role), inv.TokenHash,
		emptyNull(inv.InvitedBy), inv.CreatedAt, inv.ExpiresAt, inv.AcceptedAt,
	}
}

func scanInvitation(row scanner) (*tsunagari.Invitation, error) {
	var inv tsunagari.Invitation
	var dept, invitedBy *string
	var role string
	if err := row.Scan(&inv.ID, &inv.OrgID, &dept, &inv.Email, &role, &inv.TokenHash,
		&invitedBy, &inv.CreatedAt, &inv.ExpiresAt, &inv.AcceptedAt); err != nil {
		return nil, err
	}
	inv.DepartmentID, inv.InvitedBy, inv.Role = nullEmpty(dept), nullEmpty(invitedBy), tsunagari.Role(role)
	inv.CreatedAt, inv.ExpiresAt, inv.AcceptedAt = inv.CreatedAt.UTC(), inv.ExpiresAt.UTC(), utcPtr(inv.AcceptedAt)
	return &inv, nil
}

// CreateInvitations stores invitations and the mails that carry them in
// one transaction: all or none. It sets each invitation's ID unless preset
// and its CreatedAt if zero, and the mails' as EnqueueMail does. It
// returns ErrConflict if any address already has a pending (unaccepted,
// unexpired at the new invitation's CreatedAt) invitation to the same org,
// whether stored or earlier in invs, and ErrNotFound if an org or
// department does not exist.
func (s *OrgStore) CreateInvitations(ctx context.Context, invs []*tsunagari.Invitation, mails []*tsunagari.Mail) error {
	if len(invs) == 0 && len(mails) == 0 {
		return nil
	}
	var orgIDs []string
	for _, inv := range invs {
		if inv.ID == "" {
			inv.ID = tsunagari.NewID()
		}
		inv.CreatedAt = s.db.orNow(inv.CreatedAt)
		inv.ExpiresAt, inv.AcceptedAt = stamp(inv.ExpiresAt), stampPtr(inv.AcceptedAt)
		if !slices.Contains(orgIDs, inv.OrgID) {
			orgIDs = append(orgIDs, inv.OrgID)
		}
	}
	if err := pendingWithin(invs); err != nil {
		return wrap("create invitations", err)
	}
	slices.Sort(orgIDs)
	err := s.db.inTx(ctx, func(tx pgx.Tx) error {
		if len(invs) > 0 {
			// Locking the orgs, always in the same order, serialises
			// invitations to each org, so two concurrent batches cannot
			// both invite one address.
			rows, err := tx.Query(ctx,
				`SELECT id FROM orgs WHERE id = ANY($1) ORDER BY id FOR NO KEY UPDATE`, orgIDs)
			if err != nil {
				return err
			}
			locked, err := pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil {
				return err
			}
			if len(locked) != len(orgIDs) {
				return fmt.Errorf("org: %w", tsunagari.ErrNotFound)
			}
			if err := pendingStored(ctx, tx, invs); err != nil {
				return err
			}
			rowValues := make([][]any, len(invs))
			for i, inv := range invs {
				rowValues[i] = invitationValues(inv)
			}
			if _, err := tx.CopyFrom(ctx, pgx.Identifier{"invitations"}, invitationColumns, pgx.CopyFromRows(rowValues)); err != nil {
				return err
			}
		}
		return s.db.insertMails(ctx, tx, mails)
	})
	return wrap("create invitations", err)
}

// pendingWithin returns ErrConflict if an invitation in invs is pending at
// the CreatedAt of a later one to the same org and address.
func pendingWithin(invs []*tsunagari.Invitation) error {
	type key struct{ org, email string }
	earlier := make(map[key][]*tsunagari.Invitation)
	for _, inv := range invs {
		k := key{inv.OrgID, inv.Email}
		for _, e := range earlier[k] {
			if e.AcceptedAt == nil && e.ExpiresAt.After(inv.CreatedAt) {
				return fmt.Errorf("%w: %s is invited twice", tsunagari.ErrConflict, inv.Email)
			}
		}
		earlier[k] = append(earlier[k], inv)
	}
	return nil
}

// pendingStored returns ErrConflict if a stored invitation to the same org
// and address as one of invs is pending at that one's CreatedAt.
func pendingStored(ctx context.Context, tx pgx.Tx, invs []*tsunagari.Invitation) error {
	orgs, emails, created := make([]string, len(invs)), make([]string, len(invs)), make([]time.Time, len(invs))
	for i, inv := range invs {
		orgs[i], emails[i], created[i] = inv.OrgID, inv.Email, inv.CreatedAt
	}
	var email string
	err := tx.QueryRow(ctx, `
		SELECT i.email
		FROM invitations i
		JOIN unnest($1::text[], $2::text[], $3::timestamptz[]) AS n (org_id, email, created_at)
		  ON i.org_id = n.org_id AND i.email = n.email
		WHERE i.accepted_at IS NULL AND i.expires_at > n.created_at
		LIMIT 1`, orgs, emails, created).Scan(&email)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil
	case err != nil:
		return err
	}
	return fmt.Errorf("%w: %s has a pending invitation", tsunagari.ErrConflict, email)
}

// FindInvitation returns ErrNotFound unless id is an invitation of orgID.
func (s *OrgStore) FindInvitation(ctx context.Context, orgID, id string) (*tsunagari.Invitation, error) {
	inv, err := scanInvitation(s.db.pool.QueryRow(ctx,
		invitationSelect+` WHERE org_id = $1 AND id = $2`, orgID, id))
	return inv, wrap("find invitation", err)
}

// FindInvitationByToken returns ErrNotFound if there is no such token.
func (s *OrgStore) FindInvitationByToken(ctx context.Context, tokenHash string) (*tsunagari.Invitation, error) {
	inv, err := scanInvitation(s.db.pool.QueryRow(ctx,
		invitationSelect+` WHERE token_hash = $1`, tokenHash))
	return inv, wrap("find invitation", err)
}

// FindInvitations returns the org's invitations, newest first; a limit of
// zero or less returns all of them.
func (s *OrgStore) FindInvitations(ctx context.Context, orgID string, limit int) ([]*tsunagari.Invitation, error) {
	rows, err := s.db.pool.Query(ctx,
		invitationSelect+` WHERE org_id = $1 ORDER BY created_at DESC, seq DESC`+limitOffset(limit, 0), orgID)
	if err != nil {
		return nil, wrap("find invitations", err)
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*tsunagari.Invitation, error) {
		return scanInvitation(row)
	})
	return list, wrap("find invitations", err)
}

// AcceptInvitation marks the invitation accepted by the account, ends any
// current employment the account has in another org, starts employment
// in the invitation's org and department and grants its role, in one
// transaction. An account already employed by the invitation's org keeps
// that employment, moved to the invitation's department if it names one.
// The invitation is consumed by a single conditional UPDATE, so of two
// concurrent acceptances only one succeeds. It returns ErrNotFound if the
// invitation is unknown, accepted or expired at now, or if the account
// does not exist.
func (s *OrgStore) AcceptInvitation(ctx context.Context, tokenHash, accountID string, now time.Time) error {
	now = stamp(now)
	err := s.db.inTx(ctx, func(tx pgx.Tx) error {
		var orgID, role string
		var deptID *string
		if err := tx.QueryRow(ctx, `
			UPDATE invitations SET accepted_at = $2, accepted_by = $3
			WHERE token_hash = $1 AND accepted_at IS NULL AND expires_at > $2
			RETURNING org_id, department_id, role`,
			tokenHash, now, accountID).Scan(&orgID, &deptID, &role); err != nil {
			return fmt.Errorf("invitation: %w", translate(err))
		}
		// Locking the account serialises changes to its employment.
		var one int
		if err := tx.QueryRow(ctx,
			`SELECT 1 FROM accounts WHERE id = $1 FOR NO KEY UPDATE`, accountID).Scan(&one); err != nil {
			return fmt.Errorf("account: %w", translate(err))
		}
		if _, err := tx.Exec(ctx, `
			UPDATE employments SET ended_at = $2
			WHERE account_id = $1 AND ended_at IS NULL AND org_id <> $3`,
			accountID, now, orgID); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `
			UPDATE employments SET department_id = coalesce($3, department_id)
			WHERE account_id = $1 AND ended_at IS NULL AND org_id = $2`,
			accountID, orgID, deptID)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			e := &tsunagari.Employment{
				ID: tsunagari.NewID(), AccountID: accountID, OrgID: orgID,
				DepartmentID: nullEmpty(deptID), StartedAt: now,
			}
			if _, err := tx.Exec(ctx, insertSQL("employments", employmentColumns), employmentValues(e)...); err != nil {
				return err
			}
		}
		return insertRoles(ctx, tx, accountID, []tsunagari.Role{tsunagari.Role(role)})
	})
	return wrap("accept invitation", err)
}
