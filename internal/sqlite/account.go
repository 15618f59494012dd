package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"tsunagari"
)

// accountStore implements tsunagari.AccountStore.
type accountStore struct{ db *DB }

var _ tsunagari.AccountStore = (*accountStore)(nil)

// accountColumns and accountFrom are the one place that lists how an
// account is read: its row, its current employment and its roles.
const (
	accountColumns = `
		a.id, a.email, a.name, a.password_hash, a.locale, a.time_zone,
		a.job_family, a.industry, a.prefecture, a.home_prefecture, a.age_band,
		a.created_at, a.password_changed_at, a.disabled_at,
		e.id, e.org_id, e.department_id, e.started_at,
		(SELECT group_concat(r.role, ',') FROM account_roles r WHERE r.account_id = a.id)`
	accountFrom = `
		accounts a
		LEFT JOIN employments e ON e.account_id = a.id AND e.ended_at IS NULL`
)

func scanAccount(rows *sql.Rows) (*tsunagari.Account, error) {
	var (
		a                         tsunagari.Account
		createdAt                 int64
		passwordChanged, disabled sql.NullInt64
		empID, empOrg, empDept    sql.NullString
		empStarted                sql.NullInt64
		roles                     sql.NullString
	)
	if err := rows.Scan(
		&a.ID, &a.Email, &a.Name, &a.PasswordHash, &a.Locale, &a.TimeZone,
		&a.JobFamily, &a.Industry, &a.Prefecture, &a.HomePrefecture, &a.AgeBand,
		&createdAt, &passwordChanged, &disabled,
		&empID, &empOrg, &empDept, &empStarted,
		&roles,
	); err != nil {
		return nil, err
	}
	a.CreatedAt = unixTime(createdAt)
	a.PasswordChangedAt = timeOrZero(passwordChanged)
	a.DisabledAt = timePtr(disabled)
	if empID.Valid {
		a.Employment = &tsunagari.Employment{
			ID:           empID.String,
			AccountID:    a.ID,
			OrgID:        empOrg.String,
			DepartmentID: empDept.String,
			StartedAt:    unixTime(empStarted.Int64),
		}
	}
	if roles.String != "" {
		for _, r := range strings.Split(roles.String, ",") {
			a.Roles = append(a.Roles, tsunagari.Role(r))
		}
		sortRoles(a.Roles)
	}
	return &a, nil
}

// findAccounts returns the accounts matching where (which may be empty),
// followed by tail (ORDER BY, LIMIT).
func findAccounts(ctx context.Context, q querier, where, tail string, args ...any) ([]*tsunagari.Account, error) {
	query := `SELECT ` + accountColumns + ` FROM ` + accountFrom
	if where != "" {
		query += ` WHERE ` + where
	}
	rows, err := q.QueryContext(ctx, query+tail, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var as []*tsunagari.Account
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, err
		}
		as = append(as, a)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return as, nil
}

// findAccount returns the one account matching where, or ErrNotFound.
func findAccount(ctx context.Context, q querier, where string, args ...any) (*tsunagari.Account, error) {
	as, err := findAccounts(ctx, q, where, "", args...)
	if err != nil {
		return nil, err
	}
	if len(as) == 0 {
		return nil, tsunagari.ErrNotFound
	}
	return as[0], nil
}

// accountInserter inserts accounts with their roles and employment through
// statements prepared once per transaction.
type accountInserter struct {
	db                        *DB
	account, role, employment *sql.Stmt
}

func (db *DB) prepareAccountInserter(ctx context.Context, tx *sql.Tx) (*accountInserter, error) {
	ins := &accountInserter{db: db}
	var err error
	if ins.account, err = tx.PrepareContext(ctx, `
		INSERT INTO accounts (
			id, email, name, password_hash, locale, time_zone,
			job_family, industry, prefecture, home_prefecture, age_band,
			created_at, password_changed_at, disabled_at
		) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`); err != nil {
		return nil, err
	}
	if ins.role, err = tx.PrepareContext(ctx,
		`INSERT OR IGNORE INTO account_roles (account_id, role) VALUES (?, ?)`); err != nil {
		ins.close()
		return nil, err
	}
	if ins.employment, err = tx.PrepareContext(ctx, `
		INSERT INTO employments (id, account_id, org_id, department_id, started_at, ended_at)
		VALUES (?, ?, ?, ?, ?, ?)`); err != nil {
		ins.close()
		return nil, err
	}
	return ins, nil
}

func (ins *accountInserter) close() {
	for _, s := range []*sql.Stmt{ins.account, ins.role, ins.employment} {
		if s != nil {
			s.Close()
		}
	}
}

// insert stores a, setting its ID and CreatedAt if they are empty, and
// its employment's ID, AccountID and StartedAt likewise.
func (ins *accountInserter) insert(ctx context.Context, a *tsunagari.Account) error {
	if a.ID == "" {
		a.ID = tsunagari.NewID()
	}
	a.CreatedAt = ins.db.orNow(a.CreatedAt)
	if !a.PasswordChangedAt.IsZero() {
		a.PasswordChangedAt = stamp(a.PasswordChangedAt)
	}
	a.DisabledAt = stampPtr(a.DisabledAt)
	if _, err := ins.account.ExecContext(ctx,
		a.ID, a.Email, a.Name, a.PasswordHash, a.Locale, a.TimeZone,
		a.JobFamily, a.Industry, a.Prefecture, a.HomePrefecture, a.AgeBand,
		a.CreatedAt.Unix(), zeroNullUnix(a.PasswordChangedAt), nullUnix(a.DisabledAt),
	); err != nil {
		return fmt.Errorf("insert account: %w", translate(err))
	}
	for _, r := range a.Roles {
		if _, err := ins.role.ExecContext(ctx, a.ID, string(r)); err != nil {
			return fmt.Errorf("insert role: %w", translate(err))
		}
	}
	if e := a.Employment; e != nil {
		if e.ID == "" {
			e.ID = tsunagari.NewID()
		}
		e.AccountID = a.ID
		if e.StartedAt.IsZero() {
			e.StartedAt = a.CreatedAt
		}
		e.StartedAt = stamp(e.StartedAt)
		e.EndedAt = stampPtr(e.EndedAt)
		if _, err := ins.employment.ExecContext(ctx,
			e.ID, a.ID, e.OrgID, nullString(e.DepartmentID), e.StartedAt.Unix(), nullUnix(e.EndedAt),
		); err != nil {
			return fmt.Errorf("insert employment: %w", translate(err))
		}
	}
	return nil
}

func (s *accountStore) CreateAccount(ctx context.Context, a *tsunagari.Account) error {
	return s.CreateAccounts(ctx, []*tsunagari.Account{a})
}

func (s *accountStore) CreateAccounts(ctx context.Context, as []*tsunagari.Account) error {
	if len(as) == 0 {
		return nil
	}
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		ins, err := s.db.prepareAccountInserter(ctx, tx)
		if err != nil {
			return err
		}
		defer ins.close()
		for i, a := range as {
			if err := ins.insert(ctx, a); err != nil {
				if len(as) > 1 {
					return fmt.Errorf("account %d of %d: %w", i+1, len(as), err)
				}
				return err
			}
		}
		return nil
	})
}

func (s *accountStore) FindAccountByID(ctx context.Context, id string) (*tsunagari.Account, error) {
	return findAccount(ctx, s.db.read, `a.id = ?`, id)
}

func (s *accountStore) FindAccountByEmail(ctx context.Context, email string) (*tsunagari.Account, error) {
	return findAccount(ctx, s.db.read, `a.email = ?`, email)
}

func (s *accountStore) FindAccounts(ctx context.Context, f tsunagari.AccountFilter) ([]*tsunagari.Account, int, error) {
	var (
		conds []string
		args  []any
	)
	if f.OrgID != "" {
		conds, args = append(conds, `e.org_id = ?`), append(args, f.OrgID)
	}
	if f.Role != "" {
		conds = append(conds,
			`EXISTS (SELECT 1 FROM account_roles r WHERE r.account_id = a.id AND r.role = ?)`)
		args = append(args, string(f.Role))
	}
	if f.Email != "" {
		conds, args = append(conds, `a.email = ?`), append(args, f.Email)
	}
	where := strings.Join(conds, ` AND `)

	// The page and the total come from one snapshot.
	tx, err := s.db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, 0, err
	}
	defer tx.Rollback()

	count := `SELECT count(*) FROM ` + accountFrom
	if where != "" {
		count += ` WHERE ` + where
	}
	var total int
	if err := tx.QueryRowContext(ctx, count, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count accounts: %w", err)
	}
	as, err := findAccounts(ctx, tx, where, ` ORDER BY a.email`+limitClause(f.Limit, f.Offset), args...)
	if err != nil {
		return nil, 0, fmt.Errorf("find accounts: %w", err)
	}
	return as, total, nil
}

func (s *accountStore) UpdateAccount(ctx context.Context, id string, upd tsunagari.AccountUpdate) (*tsunagari.Account, error) {
	var (
		sets []string
		args []any
	)
	for _, f := range []struct {
		column string
		value  *string
	}{
		{"name", upd.Name},
		{"locale", upd.Locale},
		{"time_zone", upd.TimeZone},
		{"job_family", upd.JobFamily},
		{"industry", upd.Industry},
		{"prefecture", upd.Prefecture},
		{"home_prefecture", upd.HomePrefecture},
		{"age_band", upd.AgeBand},
	} {
		if f.value != nil {
			sets, args = append(sets, f.column+` = ?`), append(args, *f.value)
		}
	}
	var a *tsunagari.Account
	err := s.db.inTx(ctx, func(tx *sql.Tx) error {
		if len(sets) > 0 {
			res, err := tx.ExecContext(ctx,
				`UPDATE accounts SET `+strings.Join(sets, `, `)+` WHERE id = ?`, append(args, id)...)
			if err != nil {
				return err
			}
			if err := checkAffected(res); err != nil {
				return err
			}
		}
		var err error
		a, err = findAccount(ctx, tx, `a.id = ?`, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

func (s *accountStore) SetPassword(ctx context.Context, id, hash string, at time.Time) error {
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		return setPassword(ctx, tx, id, hash, stamp(at))
	})
}

// setPassword replaces the account's password hash and signs it out
// everywhere: its sessions, API tokens and unused reset links are deleted.
func setPassword(ctx context.Context, tx *sql.Tx, id, hash string, at time.Time) error {
	res, err := tx.ExecContext(ctx,
		`UPDATE accounts SET password_hash = ?, password_changed_at = ? WHERE id = ?`,
		hash, at.Unix(), id)
	if err != nil {
		return err
	}
	if err := checkAffected(res); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE account_id = ?`, id); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM api_tokens WHERE account_id = ?`, id); err != nil {
		return err
	}
	// Reset links sent before the change must not undo it.
	_, err = tx.ExecContext(ctx, `DELETE FROM password_resets WHERE account_id = ? AND used_at IS NULL`, id)
	return err
}

func (s *accountStore) SetRoles(ctx context.Context, id string, roles []tsunagari.Role) error {
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM accounts WHERE id = ?`, id).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return tsunagari.ErrNotFound
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM account_roles WHERE account_id = ?`, id); err != nil {
			return err
		}
		for _, r := range roles {
			if _, err := tx.ExecContext(ctx,
				`INSERT OR IGNORE INTO account_roles (account_id, role) VALUES (?, ?)`, id, string(r)); err != nil {
				return err
			}
		}
		return nil
	})
}
