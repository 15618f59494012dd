package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"tsunagari"
)

// Personal data of recommendations, the shortlist, the career inventory
// and employers' programmes.

// Recommendations. The person's wish, filters and marks go; the weights
// they set as an operator stay, without them. Changes reach other
// processes as notifications, which keep nothing.

func (s *RecommendStore) exportPersonal(ctx context.Context, q querier, id string) ([]tsunagari.PersonalRecord, error) {
	return exportAll(
		func() ([]tsunagari.PersonalRecord, error) {
			return exportRows(ctx, q, tsunagari.PersonalRecommendPrefs, `
				SELECT wish, max_fee AS "maxFee", max_hours AS "maxHours", online, prefecture, updated_at AS "updatedAt"
				FROM recommend_preferences WHERE account_id = $1`, id)
		},
		func() ([]tsunagari.PersonalRecord, error) {
			return exportRows(ctx, q, tsunagari.PersonalCommunityMark, `
				SELECT m.community_id AS "communityId", c.name AS "communityName", m.mark, m.marked_at AS "markedAt"
				FROM community_marks m JOIN communities c ON c.id = m.community_id
				WHERE m.account_id = $1 ORDER BY m.marked_at, m.community_id COLLATE "C"`, id)
		})
}

func (s *RecommendStore) erasePersonal(ctx context.Context, tx pgx.Tx, id string) error {
	return execAll(ctx, tx, id,
		`DELETE FROM recommend_preferences WHERE account_id = $1`,
		`DELETE FROM community_marks WHERE account_id = $1`,
		`UPDATE recommend_weights SET updated_by = NULL WHERE updated_by = $1`)
}

// ExportPersonalData returns the account's wish, filters and marks.
func (s *RecommendStore) ExportPersonalData(ctx context.Context, id string) ([]tsunagari.PersonalRecord, error) {
	return ownExport(ctx, s.db, s, id)
}

// ErasePersonalData deletes the wish, filters and marks and unlinks the
// account from the weights.
func (s *RecommendStore) ErasePersonalData(ctx context.Context, id string) error {
	return ownErase(ctx, s.db, s, id)
}

// The shortlist. The person's bookmarks and ignores go; the weights they
// set as an operator stay, without them. How often they were shown as a
// consultant goes with their profile (Consultation).

func (s *MatchStore) exportPersonal(ctx context.Context, q querier, id string) ([]tsunagari.PersonalRecord, error) {
	return exportRows(ctx, q, tsunagari.PersonalConsultantMark, `
		SELECT m.consultant_id AS "consultantId", c.display_name AS "consultantName", m.mark, m.created_at AS "createdAt"
		FROM consultant_marks m JOIN consultants c ON c.account_id = m.consultant_id
		WHERE m.member_id = $1 ORDER BY m.created_at, m.consultant_id COLLATE "C"`, id)
}

func (s *MatchStore) erasePersonal(ctx context.Context, tx pgx.Tx, id string) error {
	return execAll(ctx, tx, id,
		`DELETE FROM consultant_marks WHERE member_id = $1`,
		`UPDATE match_weights SET updated_by = NULL WHERE updated_by = $1`)
}

// ExportPersonalData returns the consultants the account bookmarked or
// ignored.
func (s *MatchStore) ExportPersonalData(ctx context.Context, id string) ([]tsunagari.PersonalRecord, error) {
	return ownExport(ctx, s.db, s, id)
}

// ErasePersonalData deletes the marks and unlinks the account from the
// weights.
func (s *MatchStore) ErasePersonalData(ctx context.Context, id string) error {
	return ownErase(ctx, s.db, s, id)
}

// The career inventory. It goes, with the times it was saved and its
// shares; so do the shares other members made with the person as their
// consultant, who can no longer read them.

func (s *InventoryStore) exportPersonal(ctx context.Context, q querier, id string) ([]tsunagari.PersonalRecord, error) {
	return exportAll(
		func() ([]tsunagari.PersonalRecord, error) {
			recs, err := exportRows(ctx, q, tsunagari.PersonalInventory, `
				SELECT body AS items, created_at AS "createdAt", updated_at AS "updatedAt"
				FROM career_inventories WHERE member_id = $1`, id)
			sealedFields(recs, "items")
			return recs, err
		},
		func() ([]tsunagari.PersonalRecord, error) {
			return exportRows(ctx, q, tsunagari.PersonalInventorySaved, `
				SELECT updated_at AS at FROM career_inventory_updates WHERE member_id = $1 ORDER BY updated_at`, id)
		},
		func() ([]tsunagari.PersonalRecord, error) {
			return exportRows(ctx, q, tsunagari.PersonalInventoryShare, `
				SELECT booking_id AS "bookingId", consultant_id AS "consultantId", shared_at AS "sharedAt"
				FROM inventory_shares WHERE member_id = $1 ORDER BY shared_at, booking_id COLLATE "C"`, id)
		})
}

func (s *InventoryStore) erasePersonal(ctx context.Context, tx pgx.Tx, id string) error {
	return execAll(ctx, tx, id,
		`DELETE FROM inventory_shares WHERE member_id = $1 OR consultant_id = $1`,
		`DELETE FROM career_inventory_updates WHERE member_id = $1`,
		`DELETE FROM career_inventories WHERE member_id = $1`)
}

// ExportPersonalData returns the account's inventory, sealed, when it
// was saved, and the consultations it was shared with.
func (s *InventoryStore) ExportPersonalData(ctx context.Context, id string) ([]tsunagari.PersonalRecord, error) {
	return ownExport(ctx, s.db, s, id)
}

// ErasePersonalData deletes the inventory, its history and its shares.
func (s *InventoryStore) ErasePersonalData(ctx context.Context, id string) error {
	return ownErase(ctx, s.db, s, id)
}

// Programmes. The person's enrolments go; programmes they created as HR
// stay with their org, without the creator.

func (s *ProgrammeStore) exportPersonal(ctx context.Context, q querier, id string) ([]tsunagari.PersonalRecord, error) {
	return exportAll(
		func() ([]tsunagari.PersonalRecord, error) {
			return exportRows(ctx, q, tsunagari.PersonalEnrolment, `
				SELECT e.programme_id AS "programmeId", p.name AS "programmeName", e.enrolled_at AS "enrolledAt"
				FROM programme_enrolments e JOIN programmes p ON p.id = e.programme_id
				WHERE e.account_id = $1 ORDER BY e.enrolled_at, e.programme_id COLLATE "C"`, id)
		},
		func() ([]tsunagari.PersonalRecord, error) {
			return exportRows(ctx, q, tsunagari.PersonalProgrammeCreated, `
				SELECT id, org_id AS "orgId", kind, name, created_at AS "createdAt"
				FROM programmes WHERE created_by = $1 ORDER BY created_at, id COLLATE "C"`, id)
		})
}

func (s *ProgrammeStore) erasePersonal(ctx context.Context, tx pgx.Tx, id string) error {
	return execAll(ctx, tx, id,
		`DELETE FROM programme_enrolments WHERE account_id = $1`,
		`UPDATE programmes SET created_by = NULL WHERE created_by = $1`)
}

// ExportPersonalData returns the account's enrolments and the programmes
// it created.
func (s *ProgrammeStore) ExportPersonalData(ctx context.Context, id string) ([]tsunagari.PersonalRecord, error) {
	return ownExport(ctx, s.db, s, id)
}

// ErasePersonalData deletes the enrolments and unlinks the account from
// the programmes it created.
func (s *ProgrammeStore) ErasePersonalData(ctx context.Context, id string) error {
	return ownErase(ctx, s.db, s, id)
}

// Releases and insights hold nothing about any one person: a release is
// an aggregate published under the disclosure rules, and the insight
// store only reads. They implement tsunagari.PersonalData to say so, and
// have no part in the erasure of the whole database.

// ExportPersonalData returns nothing: releases are aggregates.
func (s *ReleaseStore) ExportPersonalData(context.Context, string) ([]tsunagari.PersonalRecord, error) {
	return nil, nil
}

// ErasePersonalData does nothing: releases are aggregates, and a
// published release never changes.
func (s *ReleaseStore) ErasePersonalData(context.Context, string) error { return nil }

// ExportPersonalData returns nothing: the insight store only reads.
func (s *InsightStore) ExportPersonalData(context.Context, string) ([]tsunagari.PersonalRecord, error) {
	return nil, nil
}

// ErasePersonalData does nothing: the insight store only reads.
func (s *InsightStore) ErasePersonalData(context.Context, string) error { return nil }
