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

// Personal data: every store that keeps rows about accounts implements
// personalPart, and through it tsunagari.PersonalData. PersonalStore runs
// every store's part at once: the export in one snapshot, the erasure in
// one transaction. A store added to Stores takes part as soon as it
// implements personalPart.
//
// PostgreSQL keeps deleted row versions in its files until VACUUM reuses
// the space; SECURITY.md says how operators make erasure physical.

// personalPart is a store's share of a person's copy of their data and of
// its erasure.
type personalPart interface {
	exportPersonal(ctx context.Context, q querier, accountID string) ([]tsunagari.PersonalRecord, error)
	erasePersonal(ctx context.Context, tx pgx.Tx, accountID string) error
}

// PersonalStore implements tsunagari.PersonalData for the whole database.
type PersonalStore struct {
	db *DB
}

var _ tsunagari.PersonalData = (*PersonalStore)(nil)

// personalParts returns every store's part in a fixed order, the account
// store last: the others may need the account's address to find rows.
func (db *DB) personalParts() []personalPart {
	stores := db.Stores().All()
	names := make([]string, 0, len(stores))
	for name := range stores {
		names = append(names, name)
	}
	slices.Sort(names)
	var parts []personalPart
	for _, name := range names {
		if p, ok := stores[name].(personalPart); ok && name != "Accounts" {
			parts = append(parts, p)
		}
	}
	return append(parts, &AccountStore{db: db})
}

func (s *PersonalStore) ExportPersonalData(ctx context.Context, accountID string) ([]tsunagari.PersonalRecord, error) {
	var out []tsunagari.PersonalRecord
	err := s.db.snapshot(ctx, func(tx pgx.Tx) error {
		for _, p := range s.db.personalParts() {
			recs, err := p.exportPersonal(ctx, tx, accountID)
			if err != nil {
				return fmt.Errorf("export personal data (%T): %w", p, err)
			}
			out = append(out, recs...)
		}
		return nil
	})
	return out, err
}

func (s *PersonalStore) ErasePersonalData(ctx context.Context, accountID string) error {
	return s.db.inTx(ctx, func(tx pgx.Tx) error {
		// Lock the account first: nothing about it may be added while it
		// is being erased.
		var id string
		if err := tx.QueryRow(ctx, `SELECT id FROM accounts WHERE id = $1 FOR UPDATE`, accountID).Scan(&id); err != nil {
			return translate(err)
		}
		for _, p := range s.db.personalParts() {
			if err := p.erasePersonal(ctx, tx, accountID); err != nil {
				return fmt.Errorf("erase personal data (%T): %w", p, translate(err))
			}
		}
		return nil
	})
}

// exportRows runs a query whose columns are named as the record's fields
// and returns one record of kind per row. NULLs are left out and times
// are UTC.
func exportRows(ctx context.Context, q querier, kind, query string, args ...any) ([]tsunagari.PersonalRecord, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []tsunagari.PersonalRecord
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return nil, err
		}
		fields := make(map[string]any, len(vals))
		for i, fd := range rows.FieldDescriptions() {
			switch v := vals[i].(type) {
			case nil:
			case time.Time:
				fields[fd.Name] = v.UTC()
			case int32:
				fields[fd.Name] = int64(v)
			default:
				fields[fd.Name] = v
			}
		}
		out = append(out, tsunagari.PersonalRecord{Kind: kind, Fields: fields})
	}
	return out, rows.Err()
}

// exportAll runs several exports and joins their records.
func exportAll(parts ...func() ([]tsunagari.PersonalRecord, error)) ([]tsunagari.PersonalRecord, error) {
	var out []tsunagari.PersonalRecord
	for _, p := range parts {
		recs, err := p()
		if err != nil {
			return nil, err
		}
		out = append(out, recs...)
	}
	return out, nil
}

// execAll runs statements that take the account ID as $1.
func execAll(ctx context.Context, tx pgx.Tx, accountID string, stmts ...string) error {
	for _, s := range stmts {
		if _, err := tx.Exec(ctx, s, accountID); err != nil {
			return fmt.Errorf("%s: %w", strings.Fields(s)[0], err)
		}
	}
	return nil
}

// ownExport and ownErase give a store's part the two methods of
// tsunagari.PersonalData, on its own.
func ownExport(ctx context.Context, db *DB, p personalPart, accountID string) ([]tsunagari.PersonalRecord, error) {
	return p.exportPersonal(ctx, db.pool, accountID)
}

func ownErase(ctx context.Context, db *DB, p personalPart, accountID string) error {
	return db.inTx(ctx, func(tx pgx.Tx) error { return p.erasePersonal(ctx, tx, accountID) })
}

// emailOf is the subquery that finds the account's address.
const emailOf = `(SELECT email FROM accounts WHERE id = $1)`

// Accounts.

func (s *AccountStore) exportPersonal(ctx context.Context, q querier, id string) ([]tsunagari.PersonalRecord, error) {
	return exportAll(
		func() ([]tsunagari.PersonalRecord, error) {
			return exportRows(ctx, q, tsunagari.PersonalAccount, `
				SELECT id, email, name, locale, time_zone AS "timeZone", job_family AS "jobFamily",
				       industry, prefecture, home_prefecture AS "homePrefecture", age_band AS "ageBand",
				       created_at AS "createdAt", password_changed_at AS "passwordChangedAt", disabled_at AS "disabledAt"
				FROM accounts WHERE id = $1`, id)
		},
		func() ([]tsunagari.PersonalRecord, error) {
			return exportRows(ctx, q, tsunagari.PersonalRole,
				`SELECT role FROM account_roles WHERE account_id = $1 ORDER BY role COLLATE "C"`, id)
		})
}

func (s *AccountStore) erasePersonal(ctx context.Context, tx pgx.Tx, id string) error {
	return execAll(ctx, tx, id,
		`DELETE FROM account_roles WHERE account_id = $1`,
		`DELETE FROM accounts WHERE id = $1`)
}

// ExportPersonalData returns the account and its roles.
func (s *AccountStore) ExportPersonalData(ctx context.Context, id string) ([]tsunagari.PersonalRecord, error) {
	return ownExport(ctx, s.db, s, id)
}

// ErasePersonalData deletes the account itself; what other stores hold
// about it goes with it where the schema cascades.
func (s *AccountStore) ErasePersonalData(ctx context.Context, id string) error {
	return ownErase(ctx, s.db, s, id)
}

// Sessions, API tokens and password resets.

func (s *SessionStore) exportPersonal(ctx context.Context, q querier, id string) ([]tsunagari.PersonalRecord, error) {
	return exportAll(
		func() ([]tsunagari.PersonalRecord, error) {
			return exportRows(ctx, q, tsunagari.PersonalSession, `
				SELECT created_at AS "createdAt", last_seen_at AS "lastSeenAt", expires_at AS "expiresAt",
				       user_agent AS "userAgent", ip
				FROM sessions WHERE account_id = $1 ORDER BY created_at`, id)
		},
		func() ([]tsunagari.PersonalRecord, error) {
			return exportRows(ctx, q, tsunagari.PersonalAPIToken, `
				SELECT id, name, created_at AS "createdAt", last_used_at AS "lastUsedAt", expires_at AS "expiresAt"
				FROM api_tokens WHERE account_id = $1 ORDER BY created_at`, id)
		},
		func() ([]tsunagari.PersonalRecord, error) {
			return exportRows(ctx, q, tsunagari.PersonalPasswordReset, `
				SELECT created_at AS "createdAt", expires_at AS "expiresAt", used_at AS "usedAt"
				FROM password_resets WHERE account_id = $1 ORDER BY created_at`, id)
		})
}

func (s *SessionStore) erasePersonal(ctx context.Context, tx pgx.Tx, id string) error {
	return execAll(ctx, tx, id,
		`DELETE FROM sessions WHERE account_id = $1`,
		`DELETE FROM api_tokens WHERE account_id = $1`,
		`DELETE FROM password_resets WHERE account_id = $1`)
}

// ExportPersonalData returns the account's sessions, API tokens and
// password resets, without their secrets.
func (s *SessionStore) ExportPersonalData(ctx context.Context, id string) ([]tsunagari.PersonalRecord, error) {
	return ownExport(ctx, s.db, s, id)
}

// ErasePersonalData deletes them.
func (s *SessionStore) ErasePersonalData(ctx context.Context, id string) error {
	return ownErase(ctx, s.db, s, id)
}

// Two-step sign-in.

func (s *MFAStore) exportPersonal(ctx context.Context, q querier, id string) ([]tsunagari.PersonalRecord, error) {
	return exportAll(
		func() ([]tsunagari.PersonalRecord, error) {
			return exportRows(ctx, q, tsunagari.PersonalAuthenticator, `
				SELECT created_at AS "createdAt", confirmed_at AS "confirmedAt"
				FROM mfa_totp WHERE account_id = $1`, id)
		},
		func() ([]tsunagari.PersonalRecord, error) {
			return exportRows(ctx, q, tsunagari.PersonalRecoveryCode, `
				SELECT used_at AS "usedAt"
				FROM mfa_recovery_codes WHERE account_id = $1 ORDER BY used_at`, id)
		})
}

func (s *MFAStore) erasePersonal(ctx context.Context, tx pgx.Tx, id string) error {
	return execAll(ctx, tx, id,
		`DELETE FROM mfa_recovery_codes WHERE account_id = $1`,
		`DELETE FROM mfa_totp WHERE account_id = $1`)
}

// ExportPersonalData says whether the account has an authenticator and
// recovery codes, never what they are.
func (s *MFAStore) ExportPersonalData(ctx context.Context, id string) ([]tsunagari.PersonalRecord, error) {
	return ownExport(ctx, s.db, s, id)
}

// ErasePersonalData deletes them.
func (s *MFAStore) ErasePersonalData(ctx context.Context, id string) error {
	return ownErase(ctx, s.db, s, id)
}

// Employment and invitations. Invitations to the person's address go;
// those the person sent as HR stay with their org, without the sender.

func (s *OrgStore) exportPersonal(ctx context.Context, q querier, id string) ([]tsunagari.PersonalRecord, error) {
	return exportAll(
		func() ([]tsunagari.PersonalRecord, error) {
			return exportRows(ctx, q, tsunagari.PersonalEmployment, `
				SELECT e.org_id AS "orgId", o.name AS "orgName", e.department_id AS "departmentId",
				       d.name AS "departmentName", e.started_at AS "startedAt", e.ended_at AS "endedAt"
				FROM employments e
				JOIN orgs o ON o.id = e.org_id
				LEFT JOIN departments d ON d.id = e.department_id
				WHERE e.account_id = $1 ORDER BY e.started_at`, id)
		},
		func() ([]tsunagari.PersonalRecord, error) {
			return exportRows(ctx, q, tsunagari.PersonalInvitation, `
				SELECT i.id, i.org_id AS "orgId", o.name AS "orgName", i.email, i.role,
				       i.created_at AS "createdAt", i.expires_at AS "expiresAt", i.accepted_at AS "acceptedAt"
				FROM invitations i JOIN orgs o ON o.id = i.org_id
				WHERE i.email = `+emailOf+` OR i.accepted_by = $1 ORDER BY i.created_at`, id)
		},
		func() ([]tsunagari.PersonalRecord, error) {
			// Whom the person invited is the invitee's to know: not here.
			return exportRows(ctx, q, tsunagari.PersonalInvitationSent, `
				SELECT id, org_id AS "orgId", role, created_at AS "createdAt"
				FROM invitations WHERE invited_by = $1 ORDER BY created_at`, id)
		})
}

func (s *OrgStore) erasePersonal(ctx context.Context, tx pgx.Tx, id string) error {
	return execAll(ctx, tx, id,
		`DELETE FROM employments WHERE account_id = $1`,
		`DELETE FROM invitations WHERE email = `+emailOf+` OR accepted_by = $1`,
		`UPDATE invitations SET invited_by = NULL WHERE invited_by = $1`)
}

// ExportPersonalData returns the account's employment, the invitations
// to its address and those it sent.
func (s *OrgStore) ExportPersonalData(ctx context.Context, id string) ([]tsunagari.PersonalRecord, error) {
	return ownExport(ctx, s.db, s, id)
}

// ErasePersonalData deletes the employment and the invitations to the
// address, and unlinks the account from the invitations it sent.
func (s *OrgStore) ErasePersonalData(ctx context.Context, id string) error {
	return ownErase(ctx, s.db, s, id)
}

// Mail to the person's address.

func (s *OutboxStore) exportPersonal(ctx context.Context, q querier, id string) ([]tsunagari.PersonalRecord, error) {
	// The body is left out: until it is sent it may hold a live link.
	return exportRows(ctx, q, tsunagari.PersonalMail, `
		SELECT id, kind, subject, created_at AS "createdAt", sent_at AS "sentAt"
		FROM outbox WHERE recipient = `+emailOf+` ORDER BY created_at`, id)
}

func (s *OutboxStore) erasePersonal(ctx context.Context, tx pgx.Tx, id string) error {
	return execAll(ctx, tx, id, `DELETE FROM outbox WHERE recipient = `+emailOf)
}

// ExportPersonalData returns the mail to the account's address, without
// bodies.
func (s *OutboxStore) ExportPersonalData(ctx context.Context, id string) ([]tsunagari.PersonalRecord, error) {
	return ownExport(ctx, s.db, s, id)
}

// ErasePersonalData deletes it.
func (s *OutboxStore) ErasePersonalData(ctx context.Context, id string) error {
	return ownErase(ctx, s.db, s, id)
}

// Surveys. Personal answers are the person's and go; attributed and
// anonymous answers were never linked to anyone and stay, so aggregates
// do not move. Who took part in those rounds goes.

func (s *SurveyStore) exportPersonal(ctx context.Context, q querier, id string) ([]tsunagari.PersonalRecord, error) {
	return exportAll(
		func() ([]tsunagari.PersonalRecord, error) {
			return exportRows(ctx, q, tsunagari.PersonalResponse, `
				SELECT p.id, p.round_id AS "roundId", r.instrument_id AS "instrumentId",
				       r.instrument_version AS "instrumentVersion", p.submitted_at AS "submittedAt",
				       p.answers, p.scores
				FROM survey_responses p JOIN survey_rounds r ON r.id = p.round_id
				WHERE p.account_id = $1 ORDER BY p.submitted_at`, id)
		},
		func() ([]tsunagari.PersonalRecord, error) {
			return exportRows(ctx, q, tsunagari.PersonalParticipation, `
				SELECT p.round_id AS "roundId", r.instrument_id AS "instrumentId", r.mode
				FROM survey_participation p JOIN survey_rounds r ON r.id = p.round_id
				WHERE p.account_id = $1 ORDER BY r.created_at`, id)
		},
		func() ([]tsunagari.PersonalRecord, error) {
			return exportRows(ctx, q, tsunagari.PersonalRoundSent, `
				SELECT id, instrument_id AS "instrumentId", instrument_version AS "instrumentVersion", mode,
				       org_id AS "orgId", opens_at AS "opensAt", closes_at AS "closesAt", created_at AS "createdAt"
				FROM survey_rounds WHERE created_by = $1 ORDER BY created_at`, id)
		})
}

func (s *SurveyStore) erasePersonal(ctx context.Context, tx pgx.Tx, id string) error {
	return execAll(ctx, tx, id,
		`DELETE FROM survey_responses WHERE account_id = $1`,
		`DELETE FROM survey_participation WHERE account_id = $1`,
		`UPDATE survey_rounds SET created_by = NULL WHERE created_by = $1`)
}

// ExportPersonalData returns the account's personal answers, the rounds
// it took part in and the rounds it sent.
func (s *SurveyStore) ExportPersonalData(ctx context.Context, id string) ([]tsunagari.PersonalRecord, error) {
	return ownExport(ctx, s.db, s, id)
}

// ErasePersonalData deletes the personal answers and the participations,
// and unlinks the account from the rounds it sent. Pooled answers stay.
func (s *SurveyStore) ErasePersonalData(ctx context.Context, id string) error {
	return ownErase(ctx, s.db, s, id)
}

// The audit trail. The person's own entries, and entries about their
// account, are in their copy (who else acted is not); erasure keeps them,
// as the security record, naming the account by its random ID only.

func (s *AuditStore) exportPersonal(ctx context.Context, q querier, id string) ([]tsunagari.PersonalRecord, error) {
	return exportAll(
		func() ([]tsunagari.PersonalRecord, error) {
			return exportRows(ctx, q, tsunagari.PersonalAuditEvent, `
				SELECT seq, at, action, outcome, target_type AS "targetType", target_id AS "targetId",
				       org_id AS "orgId", ip, detail
				FROM audit_events WHERE actor_id = $1 ORDER BY seq`, id)
		},
		func() ([]tsunagari.PersonalRecord, error) {
			return exportRows(ctx, q, tsunagari.PersonalAuditEvent, `
				SELECT seq, at, action, outcome, target_type AS "targetType", target_id AS "targetId"
				FROM audit_events
				WHERE target_type = 'account' AND target_id = $1 AND actor_id IS DISTINCT FROM $1
				ORDER BY seq`, id)
		})
}

func (s *AuditStore) erasePersonal(ctx context.Context, tx pgx.Tx, id string) error { return nil }

// ExportPersonalData returns the account's own entries and those about it.
func (s *AuditStore) ExportPersonalData(ctx context.Context, id string) ([]tsunagari.PersonalRecord, error) {
	return ownExport(ctx, s.db, s, id)
}

// ErasePersonalData keeps the trail: it is append-only, and its entries
// hold no name, address or content, only the account's random ID.
func (s *AuditStore) ErasePersonalData(ctx context.Context, id string) error { return nil }

// AccountReferences returns, by table, the columns whose foreign keys
// refer to accounts: the rows that say something about an account. The
// personal-data contract checks that erasure empties every one of them.
func (db *DB) AccountReferences(ctx context.Context) (map[string][]string, error) {
	rows, err := db.pool.Query(ctx, `
		SELECT t.relname, a.attname
		FROM pg_constraint c
		JOIN pg_class t ON t.oid = c.conrelid
		JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
		WHERE c.contype = 'f'
		  AND c.confrelid = to_regclass(quote_ident(current_schema()) || '.accounts')
		ORDER BY t.relname COLLATE "C", a.attname COLLATE "C"`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	refs := map[string][]string{}
	for rows.Next() {
		var table, column string
		if err := rows.Scan(&table, &column); err != nil {
			return nil, err
		}
		refs[table] = append(refs[table], column)
	}
	return refs, rows.Err()
}
