package sqlite

import (
	"context"

	"tsunagari"
)

// Personal data of recommendations, the shortlist, the career inventory
// and employers' programmes.

// Recommendations. The person's wish, filters and marks go. The weights
// they set as an operator stay, without them; and the change log, which
// other processes read to refresh their recommendations, forgets them:
// a change to a membership still names its community, a change to the
// account names nobody and refreshes nothing.

func (s *recommendStore) exportPersonal(ctx context.Context, q querier, id string) ([]tsunagari.PersonalRecord, error) {
	return exportAll(
		func() ([]tsunagari.PersonalRecord, error) {
			return exportRows(ctx, q, tsunagari.PersonalRecommendPrefs, `
				SELECT wish, max_fee AS maxFee, max_hours AS maxHours, online, prefecture, updated_at AS updatedAt
				FROM recommend_preferences WHERE account_id = ?`, id)
		},
		func() ([]tsunagari.PersonalRecord, error) {
			return exportRows(ctx, q, tsunagari.PersonalCommunityMark, `
				SELECT m.community_id AS communityId, c.name AS communityName, m.mark, m.marked_at AS markedAt
				FROM community_marks m JOIN communities c ON c.id = m.community_id
				WHERE m.account_id = ? ORDER BY m.marked_at, m.community_id`, id)
		})
}

func (s *recommendStore) erasePersonal(ctx context.Context, e *eraser) error {
	return e.exec(ctx,
		`DELETE FROM recommend_preferences WHERE account_id = ?`,
		`DELETE FROM community_marks WHERE account_id = ?`,
		`UPDATE recommend_weights SET updated_by = NULL WHERE updated_by = ?`,
		`UPDATE recommend_changes SET account_id = '' WHERE account_id = ?`)
}

// ExportPersonalData returns the account's wish, filters and marks.
func (s *recommendStore) ExportPersonalData(ctx context.Context, id string) ([]tsunagari.PersonalRecord, error) {
	return ownExport(ctx, s.db, s, id)
}

// ErasePersonalData deletes the wish, filters and marks and unlinks the
// account from the weights and the change log.
func (s *recommendStore) ErasePersonalData(ctx context.Context, id string) error {
	return ownErase(ctx, s.db, s, id)
}

// The shortlist. The person's bookmarks and ignores go; the weights they
// set as an operator stay, without them. How often they were shown as a
// consultant goes with their profile (Consultation).

func (s *matchStore) exportPersonal(ctx context.Context, q querier, id string) ([]tsunagari.PersonalRecord, error) {
	return exportRows(ctx, q, tsunagari.PersonalConsultantMark, `
		SELECT m.consultant_id AS consultantId, c.display_name AS consultantName, m.mark, m.created_at AS createdAt
		FROM consultant_marks m JOIN consultants c ON c.account_id = m.consultant_id
		WHERE m.member_id = ? ORDER BY m.created_at, m.consultant_id`, id)
}

func (s *matchStore) erasePersonal(ctx context.Context, e *eraser) error {
	return e.exec(ctx,
		`DELETE FROM consultant_marks WHERE member_id = ?`,
		`UPDATE match_weights SET updated_by = NULL WHERE updated_by = ?`)
}

// ExportPersonalData returns the consultants the account bookmarked or
// ignored.
func (s *matchStore) ExportPersonalData(ctx context.Context, id string) ([]tsunagari.PersonalRecord, error) {
	return ownExport(ctx, s.db, s, id)
}

// ErasePersonalData deletes the marks and unlinks the account from the
// weights.
func (s *matchStore) ErasePersonalData(ctx context.Context, id string) error {
	return ownErase(ctx, s.db, s, id)
}

// The career inventory. It goes, with the times it was saved and its
// shares; so do the shares other members made with the person as their
// consultant, who can no longer read them.

func (s *inventoryStore) exportPersonal(ctx context.Context, q querier, id string) ([]tsunagari.PersonalRecord, error) {
	return exportAll(
		func() ([]tsunagari.PersonalRecord, error) {
			recs, err := exportRows(ctx, q, tsunagari.PersonalInventory, `
				SELECT body AS items, created_at AS createdAt, updated_at AS updatedAt
				FROM career_inventories WHERE member_id = ?`, id)
			sealedFields(recs, "items")
			return recs, err
		},
		func() ([]tsunagari.PersonalRecord, error) {
			return exportRows(ctx, q, tsunagari.PersonalInventorySaved, `
				SELECT updated_at AS at FROM career_inventory_updates WHERE member_id = ? ORDER BY updated_at`, id)
		},
		func() ([]tsunagari.PersonalRecord, error) {
			return exportRows(ctx, q, tsunagari.PersonalInventoryShare, `
				SELECT booking_id AS bookingId, consultant_id AS consultantId, shared_at AS sharedAt
				FROM inventory_shares WHERE member_id = ? ORDER BY shared_at, booking_id`, id)
		})
}

func (s *inventoryStore) erasePersonal(ctx context.Context, e *eraser) error {
	return e.exec(ctx,
		`DELETE FROM inventory_shares WHERE member_id = ? OR consultant_id = ?`,
		`DELETE FROM career_inventory_updates WHERE member_id = ?`,
		`DELETE FROM career_inventories WHERE member_id = ?`)
}

// ExportPersonalData returns the account's inventory, sealed, when it
// was saved, and the consultations it was shared with.
func (s *inventoryStore) ExportPersonalData(ctx context.Context, id string) ([]tsunagari.PersonalRecord, error) {
	return ownExport(ctx, s.db, s, id)
}

// ErasePersonalData deletes the inventory, its history and its shares.
func (s *inventoryStore) ErasePersonalData(ctx context.Context, id string) error {
	return ownErase(ctx, s.db, s, id)
}

// Programmes. The person's enrolments go; programmes they created as HR
// stay with their org, without the creator.

func (s *programmeStore) exportPersonal(ctx context.Context, q querier, id string) ([]tsunagari.PersonalRecord, error) {
	return exportAll(
		func() ([]tsunagari.PersonalRecord, error) {
			return exportRows(ctx, q, tsunagari.PersonalEnrolment, `
				SELECT e.programme_id AS programmeId, p.name AS programmeName, e.enrolled_at AS enrolledAt
				FROM programme_enrolments e JOIN programmes p ON p.id = e.programme_id
				WHERE e.account_id = ? ORDER BY e.enrolled_at, e.programme_id`, id)
		},
		func() ([]tsunagari.PersonalRecord, error) {
			return exportRows(ctx, q, tsunagari.PersonalProgrammeCreated, `
				SELECT id, org_id AS orgId, kind, name, created_at AS createdAt
				FROM programmes WHERE created_by = ? ORDER BY created_at, id`, id)
		})
}

func (s *programmeStore) erasePersonal(ctx context.Context, e *eraser) error {
	return e.exec(ctx,
		`DELETE FROM programme_enrolments WHERE account_id = ?`,
		`UPDATE programmes SET created_by = NULL WHERE created_by = ?`)
}

// ExportPersonalData returns the account's enrolments and the programmes
// it created.
func (s *programmeStore) ExportPersonalData(ctx context.Context, id string) ([]tsunagari.PersonalRecord, error) {
	return ownExport(ctx, s.db, s, id)
}

// ErasePersonalData deletes the enrolments and unlinks the account from
// the programmes it created.
func (s *programmeStore) ErasePersonalData(ctx context.Context, id string) error {
	return ownErase(ctx, s.db, s, id)
}

// Releases and insights hold nothing about any one person: a release is
// an aggregate published under the disclosure rules, and the insight
// store only reads. They implement tsunagari.PersonalData to say so, and
// have no part in the erasure of the whole database.

// ExportPersonalData returns nothing: releases are aggregates.
func (s *releaseStore) ExportPersonalData(context.Context, string) ([]tsunagari.PersonalRecord, error) {
	return nil, nil
}

// ErasePersonalData does nothing: releases are aggregates, and a
// published release never changes.
func (s *releaseStore) ErasePersonalData(context.Context, string) error { return nil }

// ExportPersonalData returns nothing: the insight store only reads.
func (s *insightStore) ExportPersonalData(context.Context, string) ([]tsunagari.PersonalRecord, error) {
	return nil, nil
}

// ErasePersonalData does nothing: the insight store only reads.
func (s *insightStore) ErasePersonalData(context.Context, string) error { return nil }
