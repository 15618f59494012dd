package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"tsunagari"
)

// AccountStore implements tsunagari.AccountStore.
type AccountStore struct {
	db *DB
}

var _ tsunagari.AccountStore = (*AccountStore)(nil)

// accountColumns are the columns of accounts, in the order of
// accountValues.
var accountColumns = []string{
	"id", "email", "name", "password_hash", "locale", "time_zone",
	"job_family", "industry", "prefecture", "home_prefecture", "age_band",
	"created_at", "password_changed_at", "disabled_at",
}

func accountValues(a *tsunagari.Account) []any {
	return []any{
		a.ID, a.Email, a.Name, a.PasswordHash, a.Locale, a.TimeZone,
		a.JobFamily, a.Industry, a.Prefecture, a.HomePrefecture, a.AgeBand,
		a.CreatedAt, zeroNull(a.PasswordChangedAt), a.DisabledAt,
	}
}

// accountSelect reads an account with its roles and current employment,
// in the order scanAccount expects. Queries add WHERE and ORDER BY.
var accountSelect = `
	SELECT ` + prefixed("a.", accountColumns) + `,
		ARRAY(SELECT r.role FROM account_roles r WHERE r.account_id = a.id),
		e.id, e.org_id, e.department_id, e.started_at
	FROM accounts a
	LEFT JOIN employments e ON e.account_id = a.id AND e.ended_at IS NULL`

// scanAccount reads one row of accountSelect.
func scanAccount(row scanner) (*tsunagari.Account, error) {
	var (
		a                      tsunagari.Account
		changed                *time.Time
		roles                  []string
		empID, empOrg, empDept *string
		empStarted             *time.Time
	)
	err := row.Scan(
		&a.ID, &a.Email, &a.Name, &a.PasswordHash, &a.Locale, &a.TimeZone,
		&a.JobFamily, &a.Industry, &a.Prefecture, &a.HomePrefecture, &a.AgeBand,
		&a.CreatedAt, &changed, &a.DisabledAt,
		&roles,
		&empID, &empOrg, &empDept, &empStarted,
	)
	if err != nil {
		return nil, err
	}
	a.CreatedAt = a.CreatedAt.UTC()
	a.PasswordChangedAt = nullZero(changed)
	a.DisabledAt = utcPtr(a.DisabledAt)
	a.Roles = make([]tsunagari.Role, len(roles))
	for i, r := range roles {
		a.Roles[i] = tsunagari.Role(r)
	}
	sortRoles(a.Roles)
	if empID != nil {
		a.Employment = &tsunagari.Employment{
			ID:           *empID,
			AccountID:    a.ID,
			OrgID:        nullEmpty(empOrg),
			DepartmentID: nullEmpty(empDept),
			StartedAt:    nullZero(empStarted),
		}
	}
	return &a, nil
}

// sortRoles puts roles in display order, unknown ones last.
func sortRoles(roles []tsunagari.Role) {
	rank := func(r tsunagari.Role) int {
		if i := slices.Index(tsunagari.Roles, r); i >= 0 {
			return i
		}
		return len(tsunagari.Roles)
	}
	slices.SortStableFunc(roles, func(a, b tsunagari.Role) int { return rank(a) - rank(b) })
}

// employmentColumns are the columns of employments, in the order of
// employmentValues. Reads of employment go through scanAccount.
var employmentColumns = []string{"id", "account_id", "org_id", "department_id", "started_at", "ended_at"}

func employmentValues(e *tsunagari.Employment) []any {
	return []any{e.ID, e.AccountID, e.OrgID, emptyNull(e.DepartmentID), e.StartedAt, e.EndedAt}
}

// prepareAccount sets the ID and times the store owns and normalises the
// others as stored.
func (db *DB) prepareAccount(a *tsunagari.Account) {
	if a.ID == "" {
		a.ID = tsunagari.NewID()
	}
	a.CreatedAt = db.orNow(a.CreatedAt)
	if !a.PasswordChangedAt.IsZero() {
		a.PasswordChangedAt = stamp(a.PasswordChangedAt)
	}
	a.DisabledAt = stampPtr(a.DisabledAt)
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
	}
}

// uniqueRoles returns roles without repeats, as strings.
func uniqueRoles(roles []tsunagari.Role) []string {
	out := make([]string, 0, len(roles))
	for _, r := range roles {
		if !slices.Contains(out, string(r)) {
			out = append(out, string(r))
		}
	}
	return out
}

// CreateAccount stores a with its roles and employment in one
// transaction. It sets a.ID unless preset and a.CreatedAt if zero, and
// returns ErrConflict if the email or the ID is taken.
func (s *AccountStore) CreateAccount(ctx context.Context, a *tsunagari.Account) error {
	s.db.prepareAccount(a)
	err := s.db.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, insertSQL("accounts", accountColumns), accountValues(a)...); err != nil {
			return err
		}
		if err := insertRoles(ctx, tx, a.ID, a.Roles); err != nil {
			return err
		}
		if e := a.Employment; e != nil {
			if _, err := tx.Exec(ctx, insertSQL("employments", employmentColumns), employmentValues(e)...); err != nil {
				return err
			}
		}
		return nil
	})
	return wrap("create account", err)
}

// insertRoles grants roles to an account; roles it holds already are kept.
func insertRoles(ctx context.Context, q querier, accountID string, roles []tsunagari.Role) error {
	if len(roles) == 0 {
		return nil
	}
	_, err := q.Exec(ctx, `
		INSERT INTO account_roles (account_id, role)
		SELECT $1, unnest($2::text[])
		ON CONFLICT DO NOTHING`,
		accountID, uniqueRoles(roles))
	return err
}

// CreateAccounts stores many accounts, with their roles and employment,
// in one transaction: all or none. Rows are sent with COPY, so batches of
// thousands are fast. It returns ErrConflict if any email or ID is taken,
// including twice within the batch.
func (s *AccountStore) CreateAccounts(ctx context.Context, as []*tsunagari.Account) error {
	if len(as) == 0 {
		return nil
	}
	var accounts, roles, employments [][]any
	for _, a := range as {
		s.db.prepareAccount(a)
		accounts = append(accounts, accountValues(a))
		for _, r := range uniqueRoles(a.Roles) {
			roles = append(roles, []any{a.ID, r})
		}
		if e := a.Employment; e != nil {
			employments = append(employments, employmentValues(e))
		}
	}
	err := s.db.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"accounts"}, accountColumns, pgx.CopyFromRows(accounts)); err != nil {
			return err
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"account_roles"}, []string{"account_id", "role"}, pgx.CopyFromRows(roles)); err != nil {
			return err
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"employments"}, employmentColumns, pgx.CopyFromRows(employments)); err != nil {
			return err
		}
		return nil
	})
	return wrap("create accounts", err)
}

// FindAccountByID returns ErrNotFound if there is no such account.
func (s *AccountStore) FindAccountByID(ctx context.Context, id string) (*tsunagari.Account, error) {
	a, err := findAccount(ctx, s.db.pool, `a.id = $1`, id)
	return a, wrap("find account", err)
}

// FindAccountByEmail returns ErrNotFound if there is no such account.
func (s *AccountStore) FindAccountByEmail(ctx context.Context, email string) (*tsunagari.Account, error) {
	a, err := findAccount(ctx, s.db.pool, `a.email = $1`, email)
	return a, wrap("find account", err)
}

// findAccount returns the one account matching where.
func findAccount(ctx context.Context, q querier, where string, args ...any) (*tsunagari.Account, error) {
	return scanAccount(q.QueryRow(ctx, accountSelect+` WHERE `+where, args...))
}

// FindAccounts returns matching accounts ordered by email, and the number
// of matches ignoring Limit and Offset. A filter by org matches its
// current employees only.
func (s *AccountStore) FindAccounts(ctx context.Context, f tsunagari.AccountFilter) ([]*tsunagari.Account, int, error) {
	where, args := []string{"TRUE"}, []any{}
	add := func(cond string, arg any) {
		args = append(args, arg)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if f.OrgID != "" {
		add(`e.org_id = $%d`, f.OrgID)
	}
	if f.Role != "" {
		add(`EXISTS (SELECT 1 FROM account_roles r WHERE r.account_id = a.id AND r.role = $%d)`, string(f.Role))
	}
	if f.Email != "" {
		add(`a.email = $%d`, f.Email)
	}
	cond := strings.Join(where, " AND ")

	// The count and the page are read from one snapshot, so they agree.
	var (
		list  []*tsunagari.Account
		total int
	)
	err := s.db.snapshot(ctx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `
			SELECT count(*) FROM accounts a
			LEFT JOIN employments e ON e.account_id = a.id AND e.ended_at IS NULL
			WHERE `+cond, args...).Scan(&total); err != nil {
			return err
		}
		rows, err := tx.Query(ctx,
			accountSelect+` WHERE `+cond+` ORDER BY a.email, a.id`+limitOffset(f.Limit, f.Offset), args...)
		if err != nil {
			return err
		}
		list, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (*tsunagari.Account, error) {
			return scanAccount(row)
		})
		return err
	})
	if err != nil {
		return nil, 0, wrap("find accounts", err)
	}
	return list, total, nil
}

// UpdateAccount applies upd and returns the updated account, or
// ErrNotFound if there is no such account.
func (s *AccountStore) UpdateAccount(ctx context.Context, id string, upd tsunagari.AccountUpdate) (*tsunagari.Account, error) {
	var a *tsunagari.Account
	err := s.db.inTx(ctx, func(tx pgx.Tx) error {
		// A NULL parameter leaves its column alone.
		if err := affectedOne(tx.Exec(ctx, `
			UPDATE accounts SET
				name            = coalesce($2, name),
				locale          = coalesce($3, locale),
				time_zone       = coalesce($4, time_zone),
				job_family      = coalesce($5, job_family),
				industry        = coalesce($6, industry),
				prefecture      = coalesce($7, prefecture),
				home_prefecture = coalesce($8, home_prefecture),
				age_band        = coalesce($9, age_band)
			WHERE id = $1`,
			id, upd.Name, upd.Locale, upd.TimeZone, upd.JobFamily,
			upd.Industry, upd.Prefecture, upd.HomePrefecture, upd.AgeBand,
		)); err != nil {
			return err
		}
		var err error
		a, err = findAccount(ctx, tx, `a.id = $1`, id)
		return err
	})
	if err != nil {
		return nil, wrap("update account", err)
	}
	return a, nil
}

// SetPassword replaces the password hash, records when, and deletes every
// session and API token of the account, in one transaction.
func (s *AccountStore) SetPassword(ctx context.Context, id, hash string, at time.Time) error {
	err := s.db.inTx(ctx, func(tx pgx.Tx) error {
		return setPassword(ctx, tx, id, hash, stamp(at))
	})
	return wrap("set password", err)
}

// setPassword replaces the password hash of an account and ends its
// sessions, API tokens and unused reset links; ErrNotFound if there is no
// such account.
func setPassword(ctx context.Context, tx pgx.Tx, id, hash string, at time.Time) error {
	if err := affectedOne(tx.Exec(ctx,
		`UPDATE accounts SET password_hash = $2, password_changed_at = $3 WHERE id = $1`,
		id, hash, at)); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE account_id = $1`, id); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM api_tokens WHERE account_id = $1`, id); err != nil {
		return err
	}
	// Reset links sent before the change must not undo it.
	_, err := tx.Exec(ctx, `DELETE FROM password_resets WHERE account_id = $1 AND used_at IS NULL`, id)
	return err
}

// SetRoles replaces the account's roles; ErrNotFound if there is no such
// account.
func (s *AccountStore) SetRoles(ctx context.Context, id string, roles []tsunagari.Role) error {
	err := s.db.inTx(ctx, func(tx pgx.Tx) error {
		// Locking the account serialises concurrent changes of its roles.
		var one int
		if err := tx.QueryRow(ctx,
			`SELECT 1 FROM accounts WHERE id = $1 FOR NO KEY UPDATE`, id).Scan(&one); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM account_roles WHERE account_id = $1`, id); err != nil {
			return err
		}
		return insertRoles(ctx, tx, id, roles)
	})
	return wrap("set roles", err)
}

// insertSQL returns an INSERT of one row into table.
func insertSQL(table string, columns []string) string {
	params := make([]string, len(columns))
	for i := range columns {
		params[i] = fmt.Sprintf("$%d", i+1)
	}
	return `INSERT INTO ` + table + ` (` + strings.Join(columns, ", ") +
		`) VALUES (` + strings.Join(params, ", ") + `)`
}

// prefixed returns columns qualified by prefix, separated by commas.
func prefixed(prefix string, columns []string) string {
	out := make([]string, len(columns))
	for i, c := range columns {
		out[i] = prefix + c
	}
	return strings.Join(out, ", ")
}
