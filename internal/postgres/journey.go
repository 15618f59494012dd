package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"tsunagari"
)

// InventoryStore implements tsunagari.InventoryStore. Bodies arrive sealed
// and leave sealed.
type InventoryStore struct {
	db *DB
}

var _ tsunagari.InventoryStore = (*InventoryStore)(nil)

func (s *InventoryStore) SaveInventory(ctx context.Context, inv *tsunagari.Inventory) error {
	inv.UpdatedAt = s.db.orNow(inv.UpdatedAt)
	err := s.db.inTx(ctx, func(tx pgx.Tx) error {
		// The row is locked first, so that two saves of one inventory
		// agree on when it was created.
		err := tx.QueryRow(ctx, `SELECT created_at FROM career_inventories WHERE member_id = $1 FOR UPDATE`,
			inv.MemberID).Scan(&inv.CreatedAt)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			inv.CreatedAt = inv.UpdatedAt
		case err != nil:
			return err
		}
		inv.CreatedAt = inv.CreatedAt.UTC()
		if _, err := tx.Exec(ctx, `
			INSERT INTO career_inventories (member_id, body, created_at, updated_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (member_id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at`,
			inv.MemberID, inv.Body, inv.CreatedAt, inv.UpdatedAt); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO career_inventory_updates (member_id, updated_at) VALUES ($1, $2)`,
			inv.MemberID, inv.UpdatedAt)
		return err
	})
	return wrap("save inventory", err)
}

func (s *InventoryStore) FindInventory(ctx context.Context, memberID string) (*tsunagari.Inventory, error) {
	inv := &tsunagari.Inventory{MemberID: memberID}
	err := s.db.pool.QueryRow(ctx, `
		SELECT body, created_at, updated_at FROM career_inventories WHERE member_id = $1`, memberID,
	).Scan(&inv.Body, &inv.CreatedAt, &inv.UpdatedAt)
	if err != nil {
		return nil, wrap("find inventory", err)
	}
	inv.CreatedAt, inv.UpdatedAt = inv.CreatedAt.UTC(), inv.UpdatedAt.UTC()
	return inv, nil
}

func (s *InventoryStore) FindInventoryUpdates(ctx context.Context, memberID string, limit int) ([]time.Time, error) {
	rows, err := s.db.pool.Query(ctx, `
		SELECT updated_at FROM career_inventory_updates WHERE member_id = $1
		ORDER BY updated_at DESC`+limitOffset(limit, 0), memberID)
	if err != nil {
		return nil, wrap("find inventory updates", err)
	}
	var (
		out []time.Time
		at  time.Time
	)
	if _, err := pgx.ForEachRow(rows, []any{&at}, func() error {
		out = append(out, at.UTC())
		return nil
	}); err != nil {
		return nil, wrap("find inventory updates", err)
	}
	return out, nil
}

func (s *InventoryStore) DeleteInventory(ctx context.Context, memberID string) error {
	return wrap("delete inventory", s.db.inTx(ctx, func(tx pgx.Tx) error {
		if err := affectedOne(tx.Exec(ctx, `DELETE FROM career_inventories WHERE member_id = $1`, memberID)); err != nil {
			return err
		}
		for _, table := range []string{"career_inventory_updates", "inventory_shares"} {
			if _, err := tx.Exec(ctx, `DELETE FROM `+table+` WHERE member_id = $1`, memberID); err != nil {
				return err
			}
		}
		return nil
	}))
}

func (s *InventoryStore) ShareInventory(ctx context.Context, sh *tsunagari.InventoryShare) error {
	sh.SharedAt = s.db.orNow(sh.SharedAt)
	_, err := s.db.pool.Exec(ctx, `
		INSERT INTO inventory_shares (booking_id, member_id, consultant_id, shared_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (booking_id) DO NOTHING`,
		sh.BookingID, sh.MemberID, sh.ConsultantID, sh.SharedAt)
	return wrap("share inventory", err)
}

func (s *InventoryStore) DeleteInventoryShare(ctx context.Context, bookingID string) error {
	return wrap("delete inventory share", affectedOne(s.db.pool.Exec(ctx,
		`DELETE FROM inventory_shares WHERE booking_id = $1`, bookingID)))
}

const shareSelect = `SELECT booking_id, member_id, consultant_id, shared_at FROM inventory_shares`

func scanShare(row scanner) (*tsunagari.InventoryShare, error) {
	var sh tsunagari.InventoryShare
	if err := row.Scan(&sh.BookingID, &sh.MemberID, &sh.ConsultantID, &sh.SharedAt); err != nil {
		return nil, err
	}
	sh.SharedAt = sh.SharedAt.UTC()
	return &sh, nil
}

func (s *InventoryStore) FindInventoryShare(ctx context.Context, bookingID string) (*tsunagari.InventoryShare, error) {
	sh, err := scanShare(s.db.pool.QueryRow(ctx, shareSelect+` WHERE booking_id = $1`, bookingID))
	if err != nil {
		return nil, wrap("find inventory share", err)
	}
	return sh, nil
}

func (s *InventoryStore) FindInventoryShares(ctx context.Context, memberID string) ([]*tsunagari.InventoryShare, error) {
	rows, err := s.db.pool.Query(ctx, shareSelect+` WHERE member_id = $1 ORDER BY shared_at DESC, booking_id COLLATE "C"`, memberID)
	if err != nil {
		return nil, wrap("find inventory shares", err)
	}
	defer rows.Close()
	var out []*tsunagari.InventoryShare
	for rows.Next() {
		sh, err := scanShare(rows)
		if err != nil {
			return nil, wrap("find inventory shares", err)
		}
		out = append(out, sh)
	}
	return out, wrap("find inventory shares", rows.Err())
}

func (s *InventoryStore) FindSharesWith(ctx context.Context, consultantID string) ([]*tsunagari.InventoryShare, error) {
	rows, err := s.db.pool.Query(ctx, shareSelect+` WHERE consultant_id = $1 ORDER BY shared_at DESC, booking_id COLLATE "C"`, consultantID)
	if err != nil {
		return nil, wrap("find shares with", err)
	}
	defer rows.Close()
	var out []*tsunagari.InventoryShare
	for rows.Next() {
		sh, err := scanShare(rows)
		if err != nil {
			return nil, wrap("find shares with", err)
		}
		out = append(out, sh)
	}
	return out, wrap("find shares with", rows.Err())
}

func (s *InventoryStore) ResealInventories(ctx context.Context, fn func(memberID, sealed string) (string, error)) (int, error) {
	type record struct{ member, sealed string }
	rows, err := s.db.pool.Query(ctx, `SELECT member_id, body FROM career_inventories ORDER BY member_id COLLATE "C"`)
	if err != nil {
		return 0, wrap("reseal inventories", err)
	}
	var (
		recs []record
		r    record
	)
	if _, err := pgx.ForEachRow(rows, []any{&r.member, &r.sealed}, func() error {
		recs = append(recs, r)
		return nil
	}); err != nil {
		return 0, wrap("reseal inventories", err)
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
		tag, err := s.db.pool.Exec(ctx, `UPDATE career_inventories SET body = $1 WHERE member_id = $2 AND body = $3`,
			sealed, r.member, r.sealed)
		if err != nil {
			return n, wrap("reseal inventories", err)
		}
		if tag.RowsAffected() == 1 {
			n++
		}
	}
	return n, nil
}
