package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"tsunagari"
)

// Personal data: every store that keeps rows about accounts implements
// personalPart, and through it tsunagari.PersonalData. personalStore runs
// every store's part at once: the export in one snapshot, the erasure in
// one transaction. A store added to Stores takes part as soon as it
// implements personalPart.
//
// Erased values do not linger in the file: the connections run with
// secure_delete, which overwrites deleted content with zeros; the indexes
// of every table an erasure changed are rebuilt in the same transaction,
// because an index keeps copies of keys (an address, say) in its inner
// pages after the entry itself is gone; and an erasure ends with a
// checkpoint that empties the write-ahead log.

// personalPart is a store's share of a person's copy of their data and of
// its erasure.
type personalPart interface {
	exportPersonal(ctx context.Context, q querier, accountID string) ([]tsunagari.PersonalRecord, error)
	erasePersonal(ctx context.Context, e *eraser) error
}

// eraser runs the statements of one erasure and notes the tables they
// changed, whose indexes are rebuilt at the end.
type eraser struct {
	tx        *sql.Tx
	accountID string
	// at is when the erasure happens, for what it ends.
	at      time.Time
	changed map[string]bool
}

// exec runs statements that take the account ID as their every argument.
func (e *eraser) exec(ctx context.Context, stmts ...string) error {
	for _, s := range stmts {
		args := make([]any, strings.Count(s, "?"))
		for i := range args {
			args[i] = e.accountID
		}
		if err := e.run(ctx, s, args...); err != nil {
			return err
		}
	}
	return nil
}

// noteReferences notes every table with a row that refers to the account
// through a foreign key.
func (e *eraser) noteReferences(ctx context.Context) error {
	refs, err := accountReferences(ctx, e.tx)
	if err != nil {
		return err
	}
	for table, cols := range refs {
		for _, col := range cols {
			var found int
			err := e.tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM `+quoteIdent(table)+
				` WHERE `+quoteIdent(col)+` = ?)`, e.accountID).Scan(&found)
			if err != nil {
				return fmt.Errorf("references of %s: %w", table, err)
			}
			if found == 1 {
				e.changed[table] = true
			}
		}
	}
	return nil
}

// run runs one statement with its own arguments.
func (e *eraser) run(ctx context.Context, stmt string, args ...any) error {
	res, err := e.tx.ExecContext(ctx, stmt, args...)
	if err != nil {
		return fmt.Errorf("%s: %w", strings.Fields(stmt)[0], err)
	}
	if n, err := res.RowsAffected(); err == nil && n > 0 {
		e.changed[statementTable(stmt)] = true
	}
	return nil
}

// statementTable returns the table of a DELETE FROM or UPDATE statement.
func statementTable(s string) string {
	f := strings.Fields(s)
	if len(f) > 2 && strings.EqualFold(f[0], "DELETE") {
		return f[2]
	}
	if len(f) > 1 {
		return f[1]
	}
	return ""
}

// erase runs fn as an erasure at at in tx and rebuilds the indexes of
// every table it changed.
func erase(ctx context.Context, tx *sql.Tx, accountID string, at time.Time, fn func(e *eraser) error) error {
	e := &eraser{tx: tx, accountID: accountID, at: at, changed: map[string]bool{}}
	if err := fn(e); err != nil {
		return err
	}
	for _, table := range slices.Sorted(maps.Keys(e.changed)) {
		if _, err := tx.ExecContext(ctx, `REINDEX `+quoteIdent(table)); err != nil {
			return fmt.Errorf("reindex %s: %w", table, err)
		}
	}
	return nil
}

// personalStore implements tsunagari.PersonalStore for the whole
// database.
type personalStore struct{ db *DB }

var _ tsunagari.PersonalStore = (*personalStore)(nil)

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
	return append(parts, &accountStore{db})
}

func (s *personalStore) ExportPersonalData(ctx context.Context, accountID string) ([]tsunagari.PersonalRecord, error) {
	tx, err := s.db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var out []tsunagari.PersonalRecord
	for _, p := range s.db.personalParts() {
		recs, err := p.exportPersonal(ctx, tx, accountID)
		if err != nil {
			return nil, fmt.Errorf("export personal data (%T): %w", p, err)
		}
		out = append(out, recs...)
	}
	return out, nil
}

func (s *personalStore) ErasePersonalData(ctx context.Context, accountID string) error {
	return s.EraseAccount(ctx, accountID, nil)
}

func (s *personalStore) EraseAccount(ctx context.Context, accountID string, mails []*tsunagari.Mail) error {
	err := s.db.inTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM accounts WHERE id = ?`, accountID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return tsunagari.ErrNotFound
		}
		err := erase(ctx, tx, accountID, s.db.now(), func(e *eraser) error {
			// Rows that go with the account by a cascading foreign key are
			// changes too, whose indexes must be rebuilt.
			if err := e.noteReferences(ctx); err != nil {
				return err
			}
			for _, p := range s.db.personalParts() {
				if err := p.erasePersonal(ctx, e); err != nil {
					return fmt.Errorf("erase personal data (%T): %w", p, err)
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		return s.db.enqueueMails(ctx, tx, mails)
	})
	if err != nil {
		return err
	}
	return s.db.checkpoint(ctx)
}

// checkpoint copies the write-ahead log into the database file and
// empties it, so that content erased in the file does not live on in the
// log. A reader in the middle of a long transaction can keep the log from
// being emptied for a while: checkpoint waits for readers briefly, tries a
// few times, and otherwise leaves the log to a later checkpoint.
func (db *DB) checkpoint(ctx context.Context) error {
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `PRAGMA busy_timeout = 250`); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA busy_timeout = 10000`)
	for try := 0; ; try++ {
		var busy, logFrames, done int
		err := conn.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logFrames, &done)
		if err != nil {
			return fmt.Errorf("checkpoint: %w", err)
		}
		if busy == 0 || try == 3 {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Checkpoint empties the write-ahead log into the database file.
func (db *DB) Checkpoint(ctx context.Context) error { return db.checkpoint(ctx) }

// exportRows runs a query whose columns are named as the record's fields
// and returns one record of kind per row. Columns named "at" or ending in
// "At" hold Unix times and become times; NULLs are left out.
func exportRows(ctx context.Context, q querier, kind, query string, args ...any) ([]tsunagari.PersonalRecord, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var out []tsunagari.PersonalRecord
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		fields := make(map[string]any, len(cols))
		for i, c := range cols {
			switch v := vals[i].(type) {
			case nil:
			case int64:
				if c == "at" || strings.HasSuffix(c, "At") {
					fields[c] = unixTime(v)
				} else {
					fields[c] = v
				}
			case []byte:
				fields[c] = string(v)
			default:
				fields[c] = v
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

// ownExport and ownErase give a store's part the two methods of
// tsunagari.PersonalData, on its own.
func ownExport(ctx context.Context, db *DB, p personalPart, accountID string) ([]tsunagari.PersonalRecord, error) {
	return p.exportPersonal(ctx, db.read, accountID)
}

func ownErase(ctx context.Context, db *DB, p personalPart, accountID string) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		return erase(ctx, tx, accountID, db.now(), func(e *eraser) error { return p.erasePersonal(ctx, e) })
	})
	if err != nil {
		return err
	}
	return db.checkpoint(ctx)
}

// emailOf is the subquery that finds the account's address.
const emailOf = `(SELECT email FROM accounts WHERE id = ?)`

// Accounts.

func (s *accountStore) exportPersonal(ctx context.Context, q querier, id string) ([]tsunagari.PersonalRecord, error) {
	return exportAll(
		func() ([]tsunagari.PersonalRecord, error) {
			return exportRows(ctx, q, tsunagari.PersonalAccount, `
				SELECT id, email, name, locale, time_zone AS timeZone, job_family AS jobFamily,
				       industry, prefecture, home_prefecture AS homePrefecture, age_band AS ageBand,
				       created_at AS createdAt, password_changed_at AS passwordChangedAt, disabled_at AS disabledAt
				FROM accounts WHERE id = ?`, id)
		},
		func() ([]tsunagari.PersonalRecord, error) {
			return exportRows(ctx, q, tsunagari.PersonalRole,
				`SELECT role FROM account_roles WHERE account_id = ? ORDER BY role`, id)
		})
}

func (s *accountStore) erasePersonal(ctx context.Context, e *eraser) error {
	return e.exec(ctx,
		`DELETE FROM account_roles WHERE account_id = ?`,
		`DELETE FROM accounts WHERE id = ?`)
}

func (s *accountStore) ExportPersonalData(ctx context.Context, id string) ([]tsunagari.PersonalRecord, error) {
	return ownExport(ctx, s.db, s, id)
}

// ErasePersonalData deletes the account itself; what other stores hold
// about it goes with it where the schema cascades.
func (s *accountStore) ErasePersonalData(ctx context.Context, id string) error {
	return ownErase(ctx, s.db, s, id)
}

// Sessions, API tokens and password resets.

func (s *sessionStore) exportPersonal(ctx context.Context, q querier, id string) ([]tsunagari.PersonalRecord, error) {
	return exportAll(
		func() ([]tsunagari.PersonalRecord, error) {
			return exportRows(ctx, q, tsunagari.PersonalSession, `
				SELECT created_at AS createdAt, last_seen_at AS lastSeenAt, expires_at AS expiresAt,
				       user_agent AS userAgent, ip
				FROM sessions WHERE account_id = ? ORDER BY created_at`, id)
		},
		func() ([]tsunagari.PersonalRecord, error) {
			return exportRows(ctx, q, tsunagari.PersonalAPIToken, `
				SELECT id, name, created_at AS createdAt, last_used_at AS lastUsedAt, expires_at AS expiresAt
				FROM api_tokens WHERE account_id = ? ORDER BY created_at`, id)
		},
		func() ([]tsunagari.PersonalRecord, error) {
			return exportRows(ctx, q, tsunagari.PersonalPasswordReset, `
				SELECT created_at AS createdAt, expires_at AS expiresAt, used_at AS usedAt
				FROM password_resets WHERE account_id = ? ORDER BY created_at`, id)
		})
}

func (s *sessionStore) erasePersonal(ctx context.Context, e *eraser) error {
	return e.exec(ctx,
		`DELETE FROM sessions WHERE account_id = ?`,
		`DELETE FROM api_tokens WHERE account_id = ?`,
		`DELETE FROM password_resets WHERE account_id = ?`)
}

func (s *sessionStore) ExportPersonalData(ctx context.Context, id string) ([]tsunagari.PersonalRecord, error) {
	return ownExport(ctx, s.db, s, id)
}

func (s *sessionStore) ErasePersonalData(ctx context.Context, id string) error {
	return ownErase(ctx, s.db, s, id)
}

// Two-step sign-in.

func (s *mfaStore) exportPersonal(ctx context.Context, q querier, id string) ([]tsunagari.PersonalRecord, error) {
	return exportAll(
		func() ([]tsunagari.PersonalRecord, error) {
			return exportRows(ctx, q, tsunagari.PersonalAuthenticator, `
				SELECT created_at AS createdAt, confirmed_at AS confirmedAt
				FROM mfa_totp WHERE account_id = ?`, id)
		},
		func() ([]tsunagari.PersonalRecord, error) {
			return exportRows(ctx, q, tsunagari.PersonalRecoveryCode, `
				SELECT used_at AS usedAt
				FROM mfa_recovery_codes WHERE account_id = ? ORDER BY used_at`, id)
		})
}

func (s *mfaStore) erasePersonal(ctx context.Context, e *eraser) error {
	return e.exec(ctx,
		`DELETE FROM mfa_recovery_codes WHERE account_id = ?`,
		`DELETE FROM mfa_totp WHERE account_id = ?`)
}

func (s *mfaStore) ExportPersonalData(ctx context.Context, id string) ([]tsunagari.PersonalRecord, error) {
	return ownExport(ctx, s.db, s, id)
}

func (s *mfaStore) ErasePersonalData(ctx context.Context, id string) error {
	return ownErase(ctx, s.db, s, id)
}

// Employment and invitations. Invitations to the person's address go;
// those the person sent as HR stay with their org, without the sender.

func (s *orgStore) exportPersonal(ctx context.Context, q querier, id string) ([]tsunagari.PersonalRecord, error) {
	return exportAll(
		func() ([]tsunagari.PersonalRecord, error) {
			return exportRows(ctx, q, tsunagari.PersonalEmployment, `
				SELECT e.org_id AS orgId, o.name AS orgName, e.department_id AS departmentId,
				       d.name AS departmentName, e.started_at AS startedAt, e.ended_at AS endedAt
				FROM employments e
				JOIN orgs o ON o.id = e.org_id
				LEFT JOIN departments d ON d.id = e.department_id
				WHERE e.account_id = ? ORDER BY e.started_at`, id)
		},
		func() ([]tsunagari.PersonalRecord, error) {
			return exportRows(ctx, q, tsunagari.PersonalInvitation, `
				SELECT i.id, i.org_id AS orgId, o.name AS orgName, i.email, i.role,
				       i.created_at AS createdAt, i.expires_at AS expiresAt, i.accepted_at AS acceptedAt
				FROM invitations i JOIN orgs o ON o.id = i.org_id
				WHERE i.email = `+emailOf+` OR i.accepted_by = ? ORDER BY i.created_at`, id, id)
		},
		func() ([]tsunagari.PersonalRecord, error) {
			// Whom the person invited is the invitee's to know: not here.
			return exportRows(ctx, q, tsunagari.PersonalInvitationSent, `
				SELECT id, org_id AS orgId, role, created_at AS createdAt
				FROM invitations WHERE invited_by = ? ORDER BY created_at`, id)
		})
}

func (s *orgStore) erasePersonal(ctx context.Context, e *eraser) error {
	return e.exec(ctx,
		`DELETE FROM employments WHERE account_id = ?`,
		`DELETE FROM invitations WHERE email = `+emailOf+` OR accepted_by = ?`,
		`UPDATE invitations SET invited_by = NULL WHERE invited_by = ?`)
}

func (s *orgStore) ExportPersonalData(ctx context.Context, id string) ([]tsunagari.PersonalRecord, error) {
	return ownExport(ctx, s.db, s, id)
}

func (s *orgStore) ErasePersonalData(ctx context.Context, id string) error {
	return ownErase(ctx, s.db, s, id)
}

// Mail to the person's address.

func (s *outboxStore) exportPersonal(ctx context.Context, q querier, id string) ([]tsunagari.PersonalRecord, error) {
	// The body is left out: until it is sent it may hold a live link.
	return exportRows(ctx, q, tsunagari.PersonalMail, `
		SELECT id, kind, subject, created_at AS createdAt, sent_at AS sentAt
		FROM outbox WHERE to_address = `+emailOf+` ORDER BY created_at`, id)
}

func (s *outboxStore) erasePersonal(ctx context.Context, e *eraser) error {
	return e.exec(ctx, `DELETE FROM outbox WHERE to_address = `+emailOf)
}

func (s *outboxStore) ExportPersonalData(ctx context.Context, id string) ([]tsunagari.PersonalRecord, error) {
	return ownExport(ctx, s.db, s, id)
}

func (s *outboxStore) ErasePersonalData(ctx context.Context, id string) error {
	return ownErase(ctx, s.db, s, id)
}

// Surveys. Personal answers are the person's and go; attributed and
// anonymous answers were never linked to anyone and stay, so aggregates
// do not move. Who took part in those rounds goes. Rounds the person sent
// and instruments they wrote stay with their org, without the author.

func (s *surveyStore) exportPersonal(ctx context.Context, q querier, id string) ([]tsunagari.PersonalRecord, error) {
	return exportAll(
		func() ([]tsunagari.PersonalRecord, error) {
			recs, err := exportRows(ctx, q, tsunagari.PersonalResponse, `
				SELECT p.id, p.round_id AS roundId, r.instrument_id AS instrumentId,
				       r.instrument_version AS instrumentVersion, p.submitted_at AS submittedAt,
				       p.answers, p.scores
				FROM survey_responses p JOIN survey_rounds r ON r.id = p.round_id
				WHERE p.account_id = ? ORDER BY p.submitted_at`, id)
			if err != nil {
				return nil, err
			}
			return recs, decodeJSONFields(recs, "answers", "scores")
		},
		func() ([]tsunagari.PersonalRecord, error) {
			return exportRows(ctx, q, tsunagari.PersonalParticipation, `
				SELECT p.round_id AS roundId, r.instrument_id AS instrumentId, r.mode
				FROM survey_participation p JOIN survey_rounds r ON r.id = p.round_id
				WHERE p.account_id = ? ORDER BY r.created_at`, id)
		},
		func() ([]tsunagari.PersonalRecord, error) {
			return exportRows(ctx, q, tsunagari.PersonalRoundSent, `
				SELECT id, instrument_id AS instrumentId, instrument_version AS instrumentVersion, mode,
				       org_id AS orgId, opens_at AS opensAt, closes_at AS closesAt, created_at AS createdAt
				FROM survey_rounds WHERE created_by = ? ORDER BY created_at`, id)
		},
		func() ([]tsunagari.PersonalRecord, error) {
			// An instrument stays with its org when its author leaves.
			return exportRows(ctx, q, tsunagari.PersonalInstrument, `
				SELECT i.id AS instrumentId, i.version AS instrumentVersion, i.org_id AS orgId, o.name AS orgName,
				       i.created_at AS createdAt
				FROM survey_instruments i LEFT JOIN orgs o ON o.id = i.org_id
				WHERE i.created_by = ? ORDER BY i.created_at, i.id, i.version`, id)
		})
}

// decodeJSONFields turns fields stored as JSON text into values.
func decodeJSONFields(recs []tsunagari.PersonalRecord, names ...string) error {
	for _, r := range recs {
		for _, name := range names {
			if s, ok := r.Fields[name].(string); ok {
				var v any
				if err := json.Unmarshal([]byte(s), &v); err != nil {
					return fmt.Errorf("read stored %s: %w", name, err)
				}
				r.Fields[name] = v
			}
		}
	}
	return nil
}

// boolFields turns fields stored as 0 or 1 into booleans.
func boolFields(recs []tsunagari.PersonalRecord, names ...string) {
	for _, r := range recs {
		for _, name := range names {
			if v, ok := r.Fields[name].(int64); ok {
				r.Fields[name] = v != 0
			}
		}
	}
}

// sealedFields marks fields that hold text sealed with the server's key:
// the service that holds the key opens them for the person's copy.
func sealedFields(recs []tsunagari.PersonalRecord, names ...string) {
	for _, r := range recs {
		for _, name := range names {
			if v, ok := r.Fields[name].(string); ok {
				r.Fields[name] = tsunagari.Sealed(v)
			}
		}
	}
}

func (s *surveyStore) erasePersonal(ctx context.Context, e *eraser) error {
	return e.exec(ctx,
		`DELETE FROM survey_responses WHERE account_id = ?`,
		`DELETE FROM survey_participation WHERE account_id = ?`,
		`UPDATE survey_rounds SET created_by = NULL WHERE created_by = ?`,
		`UPDATE survey_instruments SET created_by = NULL WHERE created_by = ?`)
}

func (s *surveyStore) ExportPersonalData(ctx context.Context, id string) ([]tsunagari.PersonalRecord, error) {
	return ownExport(ctx, s.db, s, id)
}

func (s *surveyStore) ErasePersonalData(ctx context.Context, id string) error {
	return ownErase(ctx, s.db, s, id)
}

// The audit trail. The person's own entries, and entries about their
// account, are in their copy (who else acted is not); erasure keeps them,
// as the security record, naming the account by its random ID only.

func (s *auditStore) exportPersonal(ctx context.Context, q querier, id string) ([]tsunagari.PersonalRecord, error) {
	return exportAll(
		func() ([]tsunagari.PersonalRecord, error) {
			return exportRows(ctx, q, tsunagari.PersonalAuditEvent, `
				SELECT seq, at, action, outcome, target_type AS targetType, target_id AS targetId,
				       org_id AS orgId, ip, detail
				FROM audit_events WHERE actor_id = ? ORDER BY seq`, id)
		},
		func() ([]tsunagari.PersonalRecord, error) {
			return exportRows(ctx, q, tsunagari.PersonalAuditEvent, `
				SELECT seq, at, action, outcome, target_type AS targetType, target_id AS targetId
				FROM audit_events
				WHERE target_type = 'account' AND target_id = ? AND (actor_id IS NULL OR actor_id <> ?)
				ORDER BY seq`, id, id)
		})
}

func (s *auditStore) erasePersonal(ctx context.Context, e *eraser) error { return nil }

func (s *auditStore) ExportPersonalData(ctx context.Context, id string) ([]tsunagari.PersonalRecord, error) {
	return ownExport(ctx, s.db, s, id)
}

// ErasePersonalData keeps the trail: it is append-only, and its entries
// hold no name, address or content, only the account's random ID.
func (s *auditStore) ErasePersonalData(ctx context.Context, id string) error { return nil }

// AccountReferences returns, by table, the columns whose foreign keys
// refer to accounts: the rows that say something about an account. The
// personal-data contract checks that erasure empties every one of them.
func (db *DB) AccountReferences(ctx context.Context) (map[string][]string, error) {
	return accountReferences(ctx, db.read)
}

func accountReferences(ctx context.Context, q querier) (map[string][]string, error) {
	rows, err := q.QueryContext(ctx, `
		SELECT m.name, p."from"
		FROM sqlite_master m, pragma_foreign_key_list(m.name) p
		WHERE m.type = 'table' AND p."table" = 'accounts'
		ORDER BY m.name, p."from"`)
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

// Consultation. As a member, the person's reflections and bookings go,
// except a held session the consultant wrote a note on: that booking
// stays as the consultant's record, unlinked from the person and without
// the themes they picked, until tsunagari.NoteRetentionYears after the
// session (PurgeKeptNotes). As a consultant, their profile, hours and
// notes go (their copy holds the notes); their clients' bookings stay the
// clients', without the consultant, and those still to come are
// cancelled. A booking that neither side is left on goes.

func (s *consultationStore) exportPersonal(ctx context.Context, q querier, id string) ([]tsunagari.PersonalRecord, error) {
	return exportAll(
		func() ([]tsunagari.PersonalRecord, error) {
			recs, err := exportRows(ctx, q, tsunagari.PersonalConsultant, `
				SELECT c.display_name AS displayName, c.registration_number AS registrationNumber,
				       c.verified_at AS verifiedAt, c.years_of_practice AS yearsOfPractice, c.industries,
				       c.job_families AS jobFamilies, c.age_band AS ageBand, c.gender, c.themes,
				       c.value_scores AS "values", c.message, c.languages, c.online, c.in_person AS inPerson, c.area,
				       c.fee_yen AS feeYen, c.employer_paid AS employerPaid, c.auto_accept AS autoAccept,
				       c.meeting_url AS meetingUrl, c.created_at AS createdAt, c.updated_at AS updatedAt,
				       a.time_zone AS timeZone, a.session_minutes AS sessionMinutes, a.buffer_minutes AS bufferMinutes,
				       a.weekly_max AS weeklyMax, a.closed_on_holidays AS closedOnHolidays,
				       (SELECT json_group_array(json_object('weekday', weekday, 'start', start_minute, 'end', end_minute))
				        FROM (SELECT * FROM availability_windows WHERE consultant_id = c.account_id
				              ORDER BY weekday, start_minute)) AS weekly,
				       (SELECT json_group_array(json_object('date', date, 'start', start_minute, 'end', end_minute))
				        FROM (SELECT * FROM availability_exceptions WHERE consultant_id = c.account_id
				              ORDER BY date, start_minute)) AS exceptions
				FROM consultants c LEFT JOIN availabilities a ON a.consultant_id = c.account_id
				WHERE c.account_id = ?`, id)
			if err != nil {
				return nil, err
			}
			boolFields(recs, "online", "inPerson", "employerPaid", "autoAccept", "closedOnHolidays")
			return recs, decodeJSONFields(recs, "industries", "jobFamilies", "themes", "values", "languages", "weekly", "exceptions")
		},
		func() ([]tsunagari.PersonalRecord, error) {
			// With whom: the consultant's public name. Whether the
			// consultant keeps a note is said, never what it says.
			recs, err := exportRows(ctx, q, tsunagari.PersonalBooking, `
				SELECT b.id, b.consultant_id AS consultantId, c.display_name AS consultantName,
				       b.starts_at AS startsAt, b.ends_at AS endsAt, b.status, b.themes,
				       b.confirmed_themes AS confirmedThemes, b.meeting_url AS meetingUrl, b.created_at AS createdAt,
				       b.confirmed_at AS confirmedAt, b.cancelled_at AS cancelledAt, b.late_cancel AS lateCancel,
				       b.rescheduled_from AS rescheduledFrom, b.rescheduled_to AS rescheduledTo,
				       EXISTS (SELECT 1 FROM consultation_notes n WHERE n.booking_id = b.id) AS consultantNote
				FROM bookings b LEFT JOIN consultants c ON c.account_id = b.consultant_id
				WHERE b.member_id = ? ORDER BY b.starts_at, b.id`, id)
			if err != nil {
				return nil, err
			}
			boolFields(recs, "lateCancel", "consultantNote")
			return recs, decodeJSONFields(recs, "themes", "confirmedThemes")
		},
		func() ([]tsunagari.PersonalRecord, error) {
			recs, err := exportRows(ctx, q, tsunagari.PersonalReflection, `
				SELECT r.booking_id AS bookingId, b.starts_at AS startsAt, r.body AS items, r.rating,
				       r.share_rating AS shareRating, r.shared, r.updated_at AS updatedAt
				FROM consultation_reflections r JOIN bookings b ON b.id = r.booking_id
				WHERE r.member_id = ? ORDER BY b.starts_at, r.booking_id`, id)
			if err != nil {
				return nil, err
			}
			boolFields(recs, "shareRating")
			sealedFields(recs, "items")
			return recs, decodeJSONFields(recs, "shared")
		},
		func() ([]tsunagari.PersonalRecord, error) {
			// Sessions held as the consultant; who the member was is the
			// member's to know, and not here.
			recs, err := exportRows(ctx, q, tsunagari.PersonalConsultation, `
				SELECT id, starts_at AS startsAt, ends_at AS endsAt, status, confirmed_themes AS confirmedThemes,
				       meeting_url AS meetingUrl, created_at AS createdAt, confirmed_at AS confirmedAt,
				       cancelled_at AS cancelledAt
				FROM bookings WHERE consultant_id = ? ORDER BY starts_at, id`, id)
			if err != nil {
				return nil, err
			}
			return recs, decodeJSONFields(recs, "confirmedThemes")
		},
		func() ([]tsunagari.PersonalRecord, error) {
			recs, err := exportRows(ctx, q, tsunagari.PersonalNote, `
				SELECT n.booking_id AS bookingId, b.starts_at AS startsAt, n.body AS text, n.updated_at AS updatedAt
				FROM consultation_notes n JOIN bookings b ON b.id = n.booking_id
				WHERE n.consultant_id = ? ORDER BY b.starts_at, n.booking_id`, id)
			sealedFields(recs, "text")
			return recs, err
		})
}

func (s *consultationStore) erasePersonal(ctx context.Context, e *eraser) error {
	// As a member.
	err := e.exec(ctx,
		`DELETE FROM consultation_reflections WHERE member_id = ?`,
		`UPDATE bookings SET rescheduled_from = NULL, rescheduled_to = NULL
		 WHERE member_id = ? AND (rescheduled_from IS NOT NULL OR rescheduled_to IS NOT NULL)`,
		`DELETE FROM bookings
		 WHERE member_id = ? AND NOT EXISTS (SELECT 1 FROM consultation_notes n WHERE n.booking_id = bookings.id)`,
		`UPDATE bookings SET member_id = NULL, themes = '[]', idempotency_key = NULL, cancelled_by = NULL
		 WHERE member_id = ?`,
		// As a consultant.
		`DELETE FROM consultation_notes WHERE consultant_id = ?`)
	if err != nil {
		return err
	}
	at := e.at.Unix()
	if err := e.run(ctx, `
		UPDATE bookings SET status = 'cancelled', cancelled_at = ?, cancelled_by = NULL, late_cancel = 0
		WHERE consultant_id = ? AND status IN ('pending', 'confirmed') AND starts_at > ?`, at, e.accountID, at); err != nil {
		return err
	}
	return e.exec(ctx,
		`UPDATE bookings SET cancelled_by = NULL WHERE cancelled_by = ?`,
		`UPDATE bookings SET consultant_id = NULL, meeting_url = '' WHERE consultant_id = ?`,
		`DELETE FROM bookings WHERE member_id IS NULL AND consultant_id IS NULL`,
		`DELETE FROM availability_exceptions WHERE consultant_id = ?`,
		`DELETE FROM availability_windows WHERE consultant_id = ?`,
		`DELETE FROM availabilities WHERE consultant_id = ?`,
		`UPDATE consultants SET verified_by = NULL WHERE verified_by = ?`,
		`DELETE FROM consultants WHERE account_id = ?`)
}

func (s *consultationStore) ExportPersonalData(ctx context.Context, id string) ([]tsunagari.PersonalRecord, error) {
	return ownExport(ctx, s.db, s, id)
}

func (s *consultationStore) ErasePersonalData(ctx context.Context, id string) error {
	return ownErase(ctx, s.db, s, id)
}
