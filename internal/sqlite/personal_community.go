package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"tsunagari"
)

// Personal data of communities, events and pro-bono projects.

// Communities. The person's memberships and ratings go. A community they
// organise stays with its other organisers; if they were its only
// organiser, its longest-standing co-organiser takes it over, and without
// one it is hidden (tsunagari.OrganiserLeftReason) with its members.

func (s *communityStore) exportPersonal(ctx context.Context, q querier, id string) ([]tsunagari.PersonalRecord, error) {
	return exportAll(
		func() ([]tsunagari.PersonalRecord, error) {
			return exportRows(ctx, q, tsunagari.PersonalMembership, `
				SELECT m.community_id AS communityId, c.name AS communityName, m.role AS communityRole,
				       m.involvement, m.status, m.requested_at AS requestedAt, m.joined_at AS joinedAt
				FROM community_members m JOIN communities c ON c.id = m.community_id
				WHERE m.account_id = ? ORDER BY m.requested_at, m.community_id`, id)
		},
		func() ([]tsunagari.PersonalRecord, error) {
			return exportRows(ctx, q, tsunagari.PersonalTraitRating, `
				SELECT r.community_id AS communityId, c.name AS communityName, r.trait, r.score, r.rated_at AS ratedAt
				FROM community_trait_ratings r JOIN communities c ON c.id = r.community_id
				WHERE r.account_id = ? ORDER BY r.community_id, r.trait`, id)
		})
}

func (s *communityStore) erasePersonal(ctx context.Context, e *eraser) error {
	alone, err := columnStrings(ctx, e.tx, `
		SELECT m.community_id FROM community_members m
		WHERE m.account_id = ? AND m.role = 'organiser' AND NOT EXISTS (
			SELECT 1 FROM community_members o
			WHERE o.community_id = m.community_id AND o.role = 'organiser' AND o.account_id <> m.account_id)
		ORDER BY m.community_id`, e.accountID)
	if err != nil {
		return err
	}
	for _, c := range alone {
		var next string
		err := e.tx.QueryRowContext(ctx, `
			SELECT account_id FROM community_members
			WHERE community_id = ? AND role = 'co_organiser' AND status = 'active'
			ORDER BY joined_at, account_id LIMIT 1`, c).Scan(&next)
		switch {
		case err == nil:
			_, err = e.tx.ExecContext(ctx, `UPDATE community_members SET role = 'organiser' WHERE community_id = ? AND account_id = ?`, c, next)
		case errors.Is(err, sql.ErrNoRows):
			_, err = e.tx.ExecContext(ctx, `UPDATE communities SET hidden_at = ?, hidden_reason = ? WHERE id = ? AND hidden_at IS NULL`,
				s.db.now().Unix(), tsunagari.OrganiserLeftReason, c)
		}
		if err != nil {
			return err
		}
	}
	joined, err := columnStrings(ctx, e.tx, `SELECT community_id FROM community_members WHERE account_id = ? ORDER BY community_id`, e.accountID)
	if err != nil {
		return err
	}
	if err := e.exec(ctx,
		`DELETE FROM community_trait_ratings WHERE account_id = ?`,
		`DELETE FROM community_members WHERE account_id = ?`); err != nil {
		return err
	}
	for _, c := range joined {
		if err := countMembers(ctx, e.tx, c); err != nil {
			return err
		}
	}
	return nil
}

// ExportPersonalData returns the account's memberships, the communities
// it organises among them, and its ratings.
func (s *communityStore) ExportPersonalData(ctx context.Context, id string) ([]tsunagari.PersonalRecord, error) {
	return ownExport(ctx, s.db, s, id)
}

// ErasePersonalData deletes the memberships and ratings, and hands on or
// hides the communities the account was the only organiser of.
func (s *communityStore) ErasePersonalData(ctx context.Context, id string) error {
	return ownErase(ctx, s.db, s, id)
}

// Events. The person's requests and calendar feed go; a seat they held
// at an occurrence still to come goes to the waitlist as on a
// cancellation, and the people promoted are told through the Notify the
// context carries (tsunagari.WithNotify). Events they created stay with
// their community, without the creator.

func (s *eventStore) exportPersonal(ctx context.Context, q querier, id string) ([]tsunagari.PersonalRecord, error) {
	return exportAll(
		func() ([]tsunagari.PersonalRecord, error) {
			return exportRows(ctx, q, tsunagari.PersonalRSVP, `
				SELECT r.id, r.event_id AS eventId, e.title AS eventTitle, r.starts_at AS startsAt, r.status,
				       r.trial, r.requested_at AS requestedAt, r.updated_at AS updatedAt, r.checked_in_at AS checkedInAt
				FROM event_rsvps r JOIN events e ON e.id = r.event_id
				WHERE r.account_id = ? ORDER BY r.starts_at, r.id`, id)
		},
		func() ([]tsunagari.PersonalRecord, error) {
			return exportRows(ctx, q, tsunagari.PersonalCalendarFeed,
				`SELECT created_at AS createdAt FROM calendar_feeds WHERE account_id = ?`, id)
		},
		func() ([]tsunagari.PersonalRecord, error) {
			return exportRows(ctx, q, tsunagari.PersonalEventCreated, `
				SELECT id, community_id AS communityId, title, starts_at AS startsAt, created_at AS createdAt
				FROM events WHERE created_by = ? ORDER BY created_at, id`, id)
		})
}

func (s *eventStore) erasePersonal(ctx context.Context, e *eraser) error {
	rows, err := e.tx.QueryContext(ctx, `SELECT event_id, starts_at FROM event_rsvps WHERE account_id = ? AND status = 'confirmed' ORDER BY event_id, starts_at`,
		e.accountID)
	if err != nil {
		return err
	}
	var held []tsunagari.OccurrenceRef
	for rows.Next() {
		var ref tsunagari.OccurrenceRef
		var at int64
		if err := rows.Scan(&ref.EventID, &at); err != nil {
			rows.Close()
			return err
		}
		ref.StartsAt = unixTime(at)
		held = append(held, ref)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if err := e.exec(ctx,
		`DELETE FROM event_rsvps WHERE account_id = ?`,
		`DELETE FROM calendar_feeds WHERE account_id = ?`,
		`UPDATE events SET created_by = NULL WHERE created_by = ?`); err != nil {
		return err
	}
	now, notify := s.db.now(), tsunagari.NotifyFrom(ctx)
	for _, ref := range held {
		if err := seat(ctx, e.tx, ref, -1); err != nil {
			return err
		}
		switch err := occurrenceOpen(ctx, e.tx, ref, now); {
		case errors.Is(err, tsunagari.ErrCancelled), errors.Is(err, tsunagari.ErrStarted):
			continue // no seats to give
		case err != nil:
			return err
		}
		if err := s.db.promote(ctx, e.tx, ref, now, notify); err != nil {
			return err
		}
	}
	return nil
}

// ExportPersonalData returns the account's requests for seats, whether
// it has a calendar feed (never its address) and the events it created.
func (s *eventStore) ExportPersonalData(ctx context.Context, id string) ([]tsunagari.PersonalRecord, error) {
	return ownExport(ctx, s.db, s, id)
}

// ErasePersonalData deletes the requests and the feed, gives the seats
// held to the waitlist, and unlinks the account from the events it
// created.
func (s *eventStore) ErasePersonalData(ctx context.Context, id string) error {
	return ownErase(ctx, s.db, s, id)
}

// Pro-bono projects. The person's applications go; projects they created
// stay with their community, without the creator.

func (s *probonoStore) exportPersonal(ctx context.Context, q querier, id string) ([]tsunagari.PersonalRecord, error) {
	return exportAll(
		func() ([]tsunagari.PersonalRecord, error) {
			return exportRows(ctx, q, tsunagari.PersonalApplication, `
				SELECT a.id, a.project_id AS projectId, p.title AS projectTitle, a.skills,
				       a.hours_per_week AS hoursPerWeek, a.motivation, a.status, a.role AS teamRole,
				       a.automatic, a.created_at AS createdAt, a.answered_at AS answeredAt
				FROM probono_applications a JOIN probono_projects p ON p.id = a.project_id
				WHERE a.account_id = ? ORDER BY a.created_at, a.id`, id)
		},
		func() ([]tsunagari.PersonalRecord, error) {
			return exportRows(ctx, q, tsunagari.PersonalProjectCreated, `
				SELECT id, community_id AS communityId, title, status, created_at AS createdAt
				FROM probono_projects WHERE created_by = ? ORDER BY created_at, id`, id)
		})
}

func (s *probonoStore) erasePersonal(ctx context.Context, e *eraser) error {
	return e.exec(ctx,
		`DELETE FROM probono_applications WHERE account_id = ?`,
		`UPDATE probono_projects SET created_by = NULL WHERE created_by = ?`)
}

// ExportPersonalData returns the account's applications and the projects
// it created.
func (s *probonoStore) ExportPersonalData(ctx context.Context, id string) ([]tsunagari.PersonalRecord, error) {
	return ownExport(ctx, s.db, s, id)
}

// ErasePersonalData deletes the applications and unlinks the account
// from the projects it created.
func (s *probonoStore) ErasePersonalData(ctx context.Context, id string) error {
	return ownErase(ctx, s.db, s, id)
}

// columnStrings returns the one column of the rows of query.
func columnStrings(ctx context.Context, q querier, query string, args ...any) ([]string, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
