package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"tsunagari"
)

// Personal data of communities, events and pro-bono projects.

// Communities. The person's memberships and ratings go. A community they
// organise stays with its other organisers; if they were its only
// organiser, its longest-standing co-organiser takes it over, and without
// one it is hidden (tsunagari.OrganiserLeftReason) with its members.

func (s *CommunityStore) exportPersonal(ctx context.Context, q querier, id string) ([]tsunagari.PersonalRecord, error) {
	return exportAll(
		func() ([]tsunagari.PersonalRecord, error) {
			return exportRows(ctx, q, tsunagari.PersonalMembership, `
				SELECT m.community_id AS "communityId", c.name AS "communityName", m.role AS "communityRole",
				       m.involvement, m.status, m.requested_at AS "requestedAt", m.joined_at AS "joinedAt"
				FROM community_members m JOIN communities c ON c.id = m.community_id
				WHERE m.account_id = $1 ORDER BY m.requested_at, m.community_id COLLATE "C"`, id)
		},
		func() ([]tsunagari.PersonalRecord, error) {
			return exportRows(ctx, q, tsunagari.PersonalTraitRating, `
				SELECT r.community_id AS "communityId", c.name AS "communityName", r.trait, r.score, r.rated_at AS "ratedAt"
				FROM community_trait_ratings r JOIN communities c ON c.id = r.community_id
				WHERE r.account_id = $1 ORDER BY r.community_id COLLATE "C", r.trait COLLATE "C"`, id)
		})
}

func (s *CommunityStore) erasePersonal(ctx context.Context, tx pgx.Tx, id string) error {
	// Lock the person's communities, in one order, as membership
	// changes do, so that nobody becomes or stops being an organiser
	// meanwhile.
	joined, err := columnStrings(ctx, tx, `
		SELECT c.id FROM communities c
		WHERE c.id IN (SELECT community_id FROM community_members WHERE account_id = $1)
		ORDER BY c.id COLLATE "C" FOR UPDATE OF c`, id)
	if err != nil {
		return err
	}
	alone, err := columnStrings(ctx, tx, `
		SELECT m.community_id FROM community_members m
		WHERE m.account_id = $1 AND m.role = 'organiser' AND NOT EXISTS (
			SELECT 1 FROM community_members o
			WHERE o.community_id = m.community_id AND o.role = 'organiser' AND o.account_id <> m.account_id)
		ORDER BY m.community_id COLLATE "C"`, id)
	if err != nil {
		return err
	}
	for _, c := range alone {
		var next string
		err := tx.QueryRow(ctx, `
			SELECT account_id FROM community_members
			WHERE community_id = $1 AND role = 'co_organiser' AND status = 'active'
			ORDER BY joined_at, account_id COLLATE "C" LIMIT 1`, c).Scan(&next)
		switch {
		case err == nil:
			_, err = tx.Exec(ctx, `UPDATE community_members SET role = 'organiser' WHERE community_id = $1 AND account_id = $2`, c, next)
		case errors.Is(err, pgx.ErrNoRows):
			_, err = tx.Exec(ctx, `UPDATE communities SET hidden_at = $2, hidden_reason = $3 WHERE id = $1 AND hidden_at IS NULL`,
				c, s.db.now(), tsunagari.OrganiserLeftReason)
		}
		if err != nil {
			return err
		}
	}
	if err := execAll(ctx, tx, id,
		`DELETE FROM community_trait_ratings WHERE account_id = $1`,
		`DELETE FROM community_members WHERE account_id = $1`); err != nil {
		return err
	}
	for _, c := range joined {
		if err := countMembers(ctx, tx, c); err != nil {
			return err
		}
	}
	return nil
}

// ExportPersonalData returns the account's memberships, the communities
// it organises among them, and its ratings.
func (s *CommunityStore) ExportPersonalData(ctx context.Context, id string) ([]tsunagari.PersonalRecord, error) {
	return ownExport(ctx, s.db, s, id)
}

// ErasePersonalData deletes the memberships and ratings, and hands on or
// hides the communities the account was the only organiser of.
func (s *CommunityStore) ErasePersonalData(ctx context.Context, id string) error {
	return ownErase(ctx, s.db, s, id)
}

// Events. The person's requests and calendar feed go; a seat they held
// at an occurrence still to come goes to the waitlist as on a
// cancellation, and the people promoted are told through the Notify the
// context carries (tsunagari.WithNotify). Events they created stay with
// their community, without the creator.

func (s *EventStore) exportPersonal(ctx context.Context, q querier, id string) ([]tsunagari.PersonalRecord, error) {
	return exportAll(
		func() ([]tsunagari.PersonalRecord, error) {
			return exportRows(ctx, q, tsunagari.PersonalRSVP, `
				SELECT r.id, r.event_id AS "eventId", e.title AS "eventTitle", r.starts_at AS "startsAt", r.status,
				       r.trial, r.requested_at AS "requestedAt", r.updated_at AS "updatedAt", r.checked_in_at AS "checkedInAt"
				FROM event_rsvps r JOIN events e ON e.id = r.event_id
				WHERE r.account_id = $1 ORDER BY r.starts_at, r.id COLLATE "C"`, id)
		},
		func() ([]tsunagari.PersonalRecord, error) {
			return exportRows(ctx, q, tsunagari.PersonalCalendarFeed,
				`SELECT created_at AS "createdAt" FROM calendar_feeds WHERE account_id = $1`, id)
		},
		func() ([]tsunagari.PersonalRecord, error) {
			return exportRows(ctx, q, tsunagari.PersonalEventCreated, `
				SELECT id, community_id AS "communityId", title, starts_at AS "startsAt", created_at AS "createdAt"
				FROM events WHERE created_by = $1 ORDER BY created_at, id COLLATE "C"`, id)
		})
}

func (s *EventStore) erasePersonal(ctx context.Context, tx pgx.Tx, id string) error {
	rows, err := tx.Query(ctx, `SELECT event_id, starts_at FROM event_rsvps WHERE account_id = $1 AND status = 'confirmed'
		ORDER BY event_id COLLATE "C", starts_at`, id)
	if err != nil {
		return err
	}
	var held []tsunagari.OccurrenceRef
	for rows.Next() {
		var ref tsunagari.OccurrenceRef
		if err := rows.Scan(&ref.EventID, &ref.StartsAt); err != nil {
			rows.Close()
			return err
		}
		ref.StartsAt = ref.StartsAt.UTC()
		held = append(held, ref)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	// Lock each occurrence whose seat is freed, as a cancellation does,
	// before the seat goes.
	type freed struct {
		ref  tsunagari.OccurrenceRef
		open bool
	}
	now := s.db.now()
	var seats []freed
	for _, ref := range held {
		ev, err := loadRules(ctx, tx, ref.EventID, "FOR SHARE")
		if err != nil {
			return err
		}
		o, err := lockOccurrence(ctx, tx, ref, ev.capacity)
		if err != nil {
			return err
		}
		seats = append(seats, freed{ref, !ev.cancelled && !o.cancelled && now.Before(ref.StartsAt)})
	}
	if err := execAll(ctx, tx, id,
		`DELETE FROM event_rsvps WHERE account_id = $1`,
		`DELETE FROM calendar_feeds WHERE account_id = $1`,
		`UPDATE events SET created_by = NULL WHERE created_by = $1`); err != nil {
		return err
	}
	notify := tsunagari.NotifyFrom(ctx)
	for _, f := range seats {
		if err := seat(ctx, tx, f.ref, -1); err != nil {
			return err
		}
		if !f.open {
			continue // a cancelled or started occurrence gives no seats
		}
		if err := s.db.promote(ctx, tx, f.ref, now, notify); err != nil {
			return err
		}
	}
	return nil
}

// ExportPersonalData returns the account's requests for seats, whether
// it has a calendar feed (never its address) and the events it created.
func (s *EventStore) ExportPersonalData(ctx context.Context, id string) ([]tsunagari.PersonalRecord, error) {
	return ownExport(ctx, s.db, s, id)
}

// ErasePersonalData deletes the requests and the feed, gives the seats
// held to the waitlist, and unlinks the account from the events it
// created.
func (s *EventStore) ErasePersonalData(ctx context.Context, id string) error {
	return ownErase(ctx, s.db, s, id)
}

// Pro-bono projects. The person's applications go; projects they created
// stay with their community, without the creator.

func (s *ProbonoStore) exportPersonal(ctx context.Context, q querier, id string) ([]tsunagari.PersonalRecord, error) {
	return exportAll(
		func() ([]tsunagari.PersonalRecord, error) {
			return exportRows(ctx, q, tsunagari.PersonalApplication, `
				SELECT a.id, a.project_id AS "projectId", p.title AS "projectTitle", a.skills,
				       a.hours_per_week AS "hoursPerWeek", a.motivation, a.status, a.role AS "teamRole",
				       a.automatic, a.created_at AS "createdAt", a.answered_at AS "answeredAt"
				FROM probono_applications a JOIN probono_projects p ON p.id = a.project_id
				WHERE a.account_id = $1 ORDER BY a.created_at, a.id COLLATE "C"`, id)
		},
		func() ([]tsunagari.PersonalRecord, error) {
			return exportRows(ctx, q, tsunagari.PersonalProjectCreated, `
				SELECT id, community_id AS "communityId", title, status, created_at AS "createdAt"
				FROM probono_projects WHERE created_by = $1 ORDER BY created_at, id COLLATE "C"`, id)
		})
}

func (s *ProbonoStore) erasePersonal(ctx context.Context, tx pgx.Tx, id string) error {
	return execAll(ctx, tx, id,
		`DELETE FROM probono_applications WHERE account_id = $1`,
		`UPDATE probono_projects SET created_by = NULL WHERE created_by = $1`)
}

// ExportPersonalData returns the account's applications and the projects
// it created.
func (s *ProbonoStore) ExportPersonalData(ctx context.Context, id string) ([]tsunagari.PersonalRecord, error) {
	return ownExport(ctx, s.db, s, id)
}

// ErasePersonalData deletes the applications and unlinks the account
// from the projects it created.
func (s *ProbonoStore) ErasePersonalData(ctx context.Context, id string) error {
	return ownErase(ctx, s.db, s, id)
}

// columnStrings returns the one column of the rows of query.
func columnStrings(ctx context.Context, q querier, query string, args ...any) ([]string, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}
