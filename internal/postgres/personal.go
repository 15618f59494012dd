package postgres

import (
	"context"
	"encoding/json"
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

// PersonalStore implements tsunagari.PersonalStore for the whole
// database.
type PersonalStore struct {
	db *DB
}

var _ tsunagari.PersonalStore = (*PersonalStore)(nil)

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

// ErasePersonalData erases everything about the account, the account
// itself last, in one transaction.
func (s *PersonalStore) ErasePersonalData(ctx context.Context, accountID string) error {
	return s.EraseAccount(ctx, accountID, nil)
}

// EraseAccount erases as ErasePersonalData does and stores the mails in
// the same transaction.
func (s *PersonalStore) EraseAccount(ctx context.Context, accountID string, mails []*tsunagari.Mail) error {
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
		return s.db.insertMails(ctx, tx, mails)
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
// do not move. Who took part in those rounds goes. Rounds the person sent
// and instruments they wrote stay with their org, without the author.

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
		},
		func() ([]tsunagari.PersonalRecord, error) {
			// An instrument stays with its org when its author leaves.
			return exportRows(ctx, q, tsunagari.PersonalInstrument, `
				SELECT i.id AS "instrumentId", i.version AS "instrumentVersion", i.org_id AS "orgId", o.name AS "orgName",
				       i.created_at AS "createdAt"
				FROM survey_instruments i LEFT JOIN orgs o ON o.id = i.org_id
				WHERE i.created_by = $1 ORDER BY i.created_at, i.id COLLATE "C", i.version`, id)
		})
}

func (s *SurveyStore) erasePersonal(ctx context.Context, tx pgx.Tx, id string) error {
	return execAll(ctx, tx, id,
		`DELETE FROM survey_responses WHERE account_id = $1`,
		`DELETE FROM survey_participation WHERE account_id = $1`,
		`UPDATE survey_rounds SET created_by = NULL WHERE created_by = $1`,
		`UPDATE survey_instruments SET created_by = NULL WHERE created_by = $1`)
}

// ExportPersonalData returns the account's personal answers, the rounds
// it took part in, the rounds it sent and the instruments it wrote.
func (s *SurveyStore) ExportPersonalData(ctx context.Context, id string) ([]tsunagari.PersonalRecord, error) {
	return ownExport(ctx, s.db, s, id)
}

// ErasePersonalData deletes the personal answers and the participations,
// and unlinks the account from the rounds it sent and the instruments it
// wrote. Pooled answers stay.
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

// Consultation. As a member, the person's reflections and bookings go,
// except a held session the consultant wrote a note on: that booking
// stays as the consultant's record, unlinked from the person and without
// the themes they picked, until tsunagari.NoteRetentionYears after the
// session (PurgeKeptNotes). As a consultant, their profile, hours and
// notes go (their copy holds the notes); their clients' bookings stay the
// clients', without the consultant, and those still to come are
// cancelled. A booking that neither side is left on goes.

func (s *ConsultationStore) exportPersonal(ctx context.Context, q querier, id string) ([]tsunagari.PersonalRecord, error) {
	return exportAll(
		func() ([]tsunagari.PersonalRecord, error) {
			recs, err := exportRows(ctx, q, tsunagari.PersonalConsultant, `
				SELECT c.display_name AS "displayName", c.registration_number AS "registrationNumber",
				       c.verified_at AS "verifiedAt", c.years_of_practice AS "yearsOfPractice", c.industries,
				       c.job_families AS "jobFamilies", c.age_band AS "ageBand", c.gender, c.themes,
				       c.value_scores AS "values", c.message, c.languages, c.online, c.in_person AS "inPerson", c.area,
				       c.fee_yen AS "feeYen", c.employer_paid AS "employerPaid", c.auto_accept AS "autoAccept",
				       c.meeting_url AS "meetingUrl", c.created_at AS "createdAt", c.updated_at AS "updatedAt",
				       a.time_zone AS "timeZone", a.session_minutes AS "sessionMinutes", a.buffer_minutes AS "bufferMinutes",
				       a.weekly_max AS "weeklyMax", a.closed_on_holidays AS "closedOnHolidays",
				       (SELECT COALESCE(json_agg(json_build_object('weekday', weekday, 'start', start_minute, 'end', end_minute)
				                                 ORDER BY weekday, start_minute), '[]')
				        FROM availability_windows WHERE consultant_id = c.account_id) AS weekly,
				       (SELECT COALESCE(json_agg(json_build_object('date', date, 'start', start_minute, 'end', end_minute)
				                                 ORDER BY date COLLATE "C", start_minute), '[]')
				        FROM availability_exceptions WHERE consultant_id = c.account_id) AS exceptions
				FROM consultants c LEFT JOIN availabilities a ON a.consultant_id = c.account_id
				WHERE c.account_id = $1`, id)
			if err != nil {
				return nil, err
			}
			return recs, decodeJSONFields(recs, "industries", "jobFamilies", "themes", "values", "languages")
		},
		func() ([]tsunagari.PersonalRecord, error) {
			// With whom: the consultant's public name. Whether the
			// consultant keeps a note is said, never what it says.
			recs, err := exportRows(ctx, q, tsunagari.PersonalBooking, `
				SELECT b.id, b.consultant_id AS "consultantId", c.display_name AS "consultantName",
				       b.starts_at AS "startsAt", b.ends_at AS "endsAt", b.status, b.themes,
				       b.confirmed_themes AS "confirmedThemes", b.meeting_url AS "meetingUrl", b.created_at AS "createdAt",
				       b.confirmed_at AS "confirmedAt", b.cancelled_at AS "cancelledAt", b.late_cancel AS "lateCancel",
				       b.rescheduled_from AS "rescheduledFrom", b.rescheduled_to AS "rescheduledTo",
				       EXISTS (SELECT 1 FROM consultation_notes n WHERE n.booking_id = b.id) AS "consultantNote"
				FROM bookings b LEFT JOIN consultants c ON c.account_id = b.consultant_id
				WHERE b.member_id = $1 ORDER BY b.starts_at, b.id COLLATE "C"`, id)
			if err != nil {
				return nil, err
			}
			return recs, decodeJSONFields(recs, "themes", "confirmedThemes")
		},
		func() ([]tsunagari.PersonalRecord, error) {
			recs, err := exportRows(ctx, q, tsunagari.PersonalReflection, `
				SELECT r.booking_id AS "bookingId", b.starts_at AS "startsAt", r.body AS items, r.rating,
				       r.share_rating AS "shareRating", r.shared, r.updated_at AS "updatedAt"
				FROM consultation_reflections r JOIN bookings b ON b.id = r.booking_id
				WHERE r.member_id = $1 ORDER BY b.starts_at, r.booking_id COLLATE "C"`, id)
			if err != nil {
				return nil, err
			}
			sealedFields(recs, "items")
			return recs, decodeJSONFields(recs, "shared")
		},
		func() ([]tsunagari.PersonalRecord, error) {
			// Sessions held as the consultant; who the member was is the
			// member's to know, and not here.
			recs, err := exportRows(ctx, q, tsunagari.PersonalConsultation, `
				SELECT id, starts_at AS "startsAt", ends_at AS "endsAt", status, confirmed_themes AS "confirmedThemes",
				       meeting_url AS "meetingUrl", created_at AS "createdAt", confirmed_at AS "confirmedAt",
				       cancelled_at AS "cancelledAt"
				FROM bookings WHERE consultant_id = $1 ORDER BY starts_at, id COLLATE "C"`, id)
			if err != nil {
				return nil, err
			}
			return recs, decodeJSONFields(recs, "confirmedThemes")
		},
		func() ([]tsunagari.PersonalRecord, error) {
			recs, err := exportRows(ctx, q, tsunagari.PersonalNote, `
				SELECT n.booking_id AS "bookingId", b.starts_at AS "startsAt", n.body AS text, n.updated_at AS "updatedAt"
				FROM consultation_notes n JOIN bookings b ON b.id = n.booking_id
				WHERE n.consultant_id = $1 ORDER BY b.starts_at, n.booking_id COLLATE "C"`, id)
			sealedFields(recs, "text")
			return recs, err
		})
}

func (s *ConsultationStore) erasePersonal(ctx context.Context, tx pgx.Tx, id string) error {
	// As a member.
	err := execAll(ctx, tx, id,
		`DELETE FROM consultation_reflections WHERE member_id = $1`,
		`UPDATE bookings SET rescheduled_from = NULL, rescheduled_to = NULL
		 WHERE member_id = $1 AND (rescheduled_from IS NOT NULL OR rescheduled_to IS NOT NULL)`,
		`DELETE FROM bookings
		 WHERE member_id = $1 AND NOT EXISTS (SELECT 1 FROM consultation_notes n WHERE n.booking_id = bookings.id)`,
		`UPDATE bookings SET member_id = NULL, themes = '[]', idempotency_key = NULL, cancelled_by = NULL
		 WHERE member_id = $1`,
		// As a consultant.
		`DELETE FROM consultation_notes WHERE consultant_id = $1`)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `
		UPDATE bookings SET status = 'cancelled', cancelled_at = $2, cancelled_by = NULL, late_cancel = false
		WHERE consultant_id = $1 AND status IN ('pending', 'confirmed') AND starts_at > $2`, id, s.db.now()); err != nil {
		return fmt.Errorf("UPDATE: %w", err)
	}
	if err := execAll(ctx, tx, id,
		`UPDATE bookings SET cancelled_by = NULL WHERE cancelled_by = $1`,
		`UPDATE bookings SET consultant_id = NULL, meeting_url = '' WHERE consultant_id = $1`); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM bookings WHERE member_id IS NULL AND consultant_id IS NULL`); err != nil {
		return fmt.Errorf("DELETE: %w", err)
	}
	return execAll(ctx, tx, id,
		`DELETE FROM availability_exceptions WHERE consultant_id = $1`,
		`DELETE FROM availability_windows WHERE consultant_id = $1`,
		`DELETE FROM availabilities WHERE consultant_id = $1`,
		`UPDATE consultants SET verified_by = NULL WHERE verified_by = $1`,
		`DELETE FROM consultants WHERE account_id = $1`)
}

// ExportPersonalData returns the account's consultant profile and hours,
// its bookings and reflections as a member, and the sessions it held and
// the notes it wrote as a consultant; sealed texts stay sealed.
func (s *ConsultationStore) ExportPersonalData(ctx context.Context, id string) ([]tsunagari.PersonalRecord, error) {
	return ownExport(ctx, s.db, s, id)
}

// ErasePersonalData erases them, keeping a held session's note sealed
// for its consultant, unlinked from the member.
func (s *ConsultationStore) ErasePersonalData(ctx context.Context, id string) error {
	return ownErase(ctx, s.db, s, id)
}
