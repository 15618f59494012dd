package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"tsunagari"
)

// inventoryStore implements tsunagari.InventoryStore. Bodies arrive
// sealed and leave sealed.
type inventoryStore struct{ db *DB }

var _ tsunagari.InventoryStore = (*inventoryStore)(nil)

func (s *inventoryStore) SaveInventory(ctx context.Context, inv *tsunagari.Inventory) error {
	inv.UpdatedAt = s.db.orNow(inv.UpdatedAt)
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		var created sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT created_at FROM career_inventories WHERE member_id = ?`, inv.MemberID).Scan(&created)
		switch {
		case err == nil:
			inv.CreatedAt = unixTime(created.Int64)
		case errors.Is(err, sql.ErrNoRows):
			inv.CreatedAt = inv.UpdatedAt
		default:
			return err
		}
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO career_inventories (member_id, body, created_at, updated_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (member_id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at`,
			inv.MemberID, inv.Body, inv.CreatedAt.Unix(), inv.UpdatedAt.Unix()); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO career_inventory_updates (member_id, updated_at) VALUES (?, ?)`,
			inv.MemberID, inv.UpdatedAt.Unix())
		return err
	})
}

func (s *inventoryStore) FindInventory(ctx context.Context, memberID string) (*tsunagari.Inventory, error) {
	inv := &tsunagari.Inventory{MemberID: memberID}
	var created, updated int64
	err := s.db.read.QueryRowContext(ctx, `
		SELECT body, created_at, updated_at FROM career_inventories WHERE member_id = ?`, memberID,
	).Scan(&inv.Body, &created, &updated)
	if err != nil {
		return nil, translate(err)
	}
	inv.CreatedAt, inv.UpdatedAt = unixTime(created), unixTime(updated)
	return inv, nil
}

func (s *inventoryStore) FindInventoryUpdates(ctx context.Context, memberID string, limit int) ([]time.Time, error) {
	rows, err := s.db.read.QueryContext(ctx, `
		SELECT updated_at FROM career_inventory_updates WHERE member_id = ?
		ORDER BY updated_at DESC`+limitClause(limit, 0), memberID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []time.Time
	for rows.Next() {
		var at int64
		if err := rows.Scan(&at); err != nil {
			return nil, err
		}
		out = append(out, unixTime(at))
	}
	return out, rows.Err()
}

func (s *inventoryStore) DeleteInventory(ctx context.Context, memberID string) error {
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM career_inventories WHERE member_id = ?`, memberID)
		if err != nil {
			return err
		}
		if err := checkAffected(res); err != nil {
			return err
		}
		for _, table := range []string{"career_inventory_updates", "inventory_shares"} {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE member_id = ?`, memberID); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *inventoryStore) ShareInventory(ctx context.Context, sh *tsunagari.InventoryShare) error {
	sh.SharedAt = s.db.orNow(sh.SharedAt)
	_, err := s.db.write.ExecContext(ctx, `
		INSERT INTO inventory_shares (booking_id, member_id, consultant_id, shared_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (booking_id) DO NOTHING`,
		sh.BookingID, sh.MemberID, sh.ConsultantID, sh.SharedAt.Unix())
	return translate(err)
}

func (s *inventoryStore) DeleteInventoryShare(ctx context.Context, bookingID string) error {
	res, err := s.db.write.ExecContext(ctx, `DELETE FROM inventory_shares WHERE booking_id = ?`, bookingID)
	if err != nil {
		return translate(err)
	}
	return checkAffected(res)
}

const shareColumns = `booking_id, member_id, consultant_id, shared_at`

func scanShare(row interface{ Scan(...any) error }) (*tsunagari.InventoryShare, error) {
	var (
		sh tsunagari.InventoryShare
		at int64
	)
	if err := row.Scan(&sh.BookingID, &sh.MemberID, &sh.ConsultantID, &at); err != nil {
		return nil, err
	}
	sh.SharedAt = unixTime(at)
	return &sh, nil
}

func (s *inventoryStore) FindInventoryShare(ctx context.Context, bookingID string) (*tsunagari.InventoryShare, error) {
	sh, err := scanShare(s.db.read.QueryRowContext(ctx,
		`SELECT `+shareColumns+` FROM inventory_shares WHERE booking_id = ?`, bookingID))
	return sh, translate(err)
}

func (s *inventoryStore) FindInventoryShares(ctx context.Context, memberID string) ([]*tsunagari.InventoryShare, error) {
	rows, err := s.db.read.QueryContext(ctx, `SELECT `+shareColumns+` FROM inventory_shares WHERE member_id = ?
		ORDER BY shared_at DESC, booking_id`, memberID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*tsunagari.InventoryShare
	for rows.Next() {
		sh, err := scanShare(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, sh)
	}
	return out, rows.Err()
}

func (s *inventoryStore) FindSharesWith(ctx context.Context, consultantID string) ([]*tsunagari.InventoryShare, error) {
	rows, err := s.db.read.QueryContext(ctx, `SELECT `+shareColumns+` FROM inventory_shares WHERE consultant_id = ?
		ORDER BY shared_at DESC, booking_id`, consultantID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*tsunagari.InventoryShare
	for rows.Next() {
		sh, err := scanShare(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, sh)
	}
	return out, rows.Err()
}

func (s *inventoryStore) ResealInventories(ctx context.Context, fn func(memberID, sealed string) (string, error)) (int, error) {
	type record struct{ member, sealed string }
	rows, err := s.db.read.QueryContext(ctx, `SELECT member_id, body FROM career_inventories ORDER BY member_id`)
	if err != nil {
		return 0, err
	}
	var recs []record
	for rows.Next() {
		var r record
		if err := rows.Scan(&r.member, &r.sealed); err != nil {
			rows.Close()
			return 0, err
		}
		recs = append(recs, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	n := 0
	for _, r := range recs {
		sealed, err := fn(r.member, r.sealed)
		if err != nil {
			return n, err
		}
		if sealed == "" || sealed == r.sealed {
			continue
		}
		res, err := s.db.write.ExecContext(ctx, `UPDATE career_inventories SET body = ? WHERE member_id = ? AND body = ?`,
			sealed, r.member, r.sealed)
		if err != nil {
			return n, translate(err)
		}
		if k, _ := res.RowsAffected(); k == 1 {
			n++
		}
	}
	return n, nil
}
