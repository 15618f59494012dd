package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"tsunagari"
)

// MFAStore implements tsunagari.MFAStore.
type MFAStore struct {
	db *DB
}

var _ tsunagari.MFAStore = (*MFAStore)(nil)

// SetTOTP replaces the account's authenticator with an unconfirmed one.
func (s *MFAStore) SetTOTP(ctx context.Context, t *tsunagari.TOTP) error {
	t.CreatedAt, t.ConfirmedAt, t.LastStep = s.db.orNow(t.CreatedAt), nil, 0
	_, err := s.db.pool.Exec(ctx, `
		INSERT INTO mfa_totp (account_id, secret, created_at, confirmed_at, last_step)
		VALUES ($1, $2, $3, NULL, 0)
		ON CONFLICT (account_id) DO UPDATE
		SET secret = excluded.secret, created_at = excluded.created_at, confirmed_at = NULL, last_step = 0`,
		t.AccountID, t.Secret, t.CreatedAt)
	return wrap("set totp", err)
}

func (s *MFAStore) FindTOTP(ctx context.Context, accountID string) (*tsunagari.TOTP, error) {
	t := tsunagari.TOTP{AccountID: accountID}
	err := s.db.pool.QueryRow(ctx,
		`SELECT secret, created_at, confirmed_at, last_step FROM mfa_totp WHERE account_id = $1`, accountID,
	).Scan(&t.Secret, &t.CreatedAt, &t.ConfirmedAt, &t.LastStep)
	if err != nil {
		return nil, wrap("find totp", err)
	}
	t.CreatedAt, t.ConfirmedAt = t.CreatedAt.UTC(), utcPtr(t.ConfirmedAt)
	return &t, nil
}

func (s *MFAStore) ConfirmTOTP(ctx context.Context, accountID string, step int64, at time.Time, codeHashes []string) error {
	err := s.db.inTx(ctx, func(tx pgx.Tx) error {
		if err := affectedOne(tx.Exec(ctx, `
			UPDATE mfa_totp SET confirmed_at = $2, last_step = $3
			WHERE account_id = $1 AND confirmed_at IS NULL`, accountID, stamp(at), step)); err != nil {
			return err
		}
		return replaceCodes(ctx, tx, accountID, codeHashes)
	})
	return wrap("confirm totp", err)
}

func replaceCodes(ctx context.Context, tx pgx.Tx, accountID string, codeHashes []string) error {
	if _, err := tx.Exec(ctx, `DELETE FROM mfa_recovery_codes WHERE account_id = $1`, accountID); err != nil {
		return err
	}
	for _, h := range codeHashes {
		if _, err := tx.Exec(ctx,
			`INSERT INTO mfa_recovery_codes (account_id, code_hash) VALUES ($1, $2)`, accountID, h); err != nil {
			return err
		}
	}
	return nil
}

// UseTOTPStep advances last_step in one conditional UPDATE. Of two
// requests with the same code, the second waits for the first row lock,
// then finds the step taken.
func (s *MFAStore) UseTOTPStep(ctx context.Context, accountID string, step int64) error {
	err := s.db.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `
			UPDATE mfa_totp SET last_step = $2
			WHERE account_id = $1 AND confirmed_at IS NOT NULL AND last_step < $2`, accountID, step)
		if err != nil || tag.RowsAffected() == 1 {
			return err
		}
		var confirmed bool
		if err := tx.QueryRow(ctx,
			`SELECT EXISTS (SELECT 1 FROM mfa_totp WHERE account_id = $1 AND confirmed_at IS NOT NULL)`, accountID,
		).Scan(&confirmed); err != nil {
			return err
		}
		if !confirmed {
			return tsunagari.ErrNotFound
		}
		return tsunagari.ErrConflict
	})
	return wrap("use totp step", err)
}

func (s *MFAStore) DeleteTOTP(ctx context.Context, accountID string) error {
	err := s.db.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM mfa_recovery_codes WHERE account_id = $1`, accountID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM mfa_totp WHERE account_id = $1`, accountID)
		return err
	})
	return wrap("delete totp", err)
}

func (s *MFAStore) ReplaceRecoveryCodes(ctx context.Context, accountID string, codeHashes []string) error {
	err := s.db.inTx(ctx, func(tx pgx.Tx) error { return replaceCodes(ctx, tx, accountID, codeHashes) })
	return wrap("replace recovery codes", err)
}

func (s *MFAStore) UseRecoveryCode(ctx context.Context, accountID, codeHash string, at time.Time) error {
	err := affectedOne(s.db.pool.Exec(ctx, `
		UPDATE mfa_recovery_codes SET used_at = $3
		WHERE account_id = $1 AND code_hash = $2 AND used_at IS NULL`, accountID, codeHash, stamp(at)))
	return wrap("use recovery code", err)
}

func (s *MFAStore) CountRecoveryCodes(ctx context.Context, accountID string) (int, error) {
	var n int
	err := s.db.pool.QueryRow(ctx,
		`SELECT count(*) FROM mfa_recovery_codes WHERE account_id = $1 AND used_at IS NULL`, accountID).Scan(&n)
	return n, wrap("count recovery codes", err)
}

func (s *MFAStore) ResealTOTP(ctx context.Context, fn func(accountID, sealed string) (string, error)) (int, error) {
	rows, err := s.db.pool.Query(ctx, `SELECT account_id, secret FROM mfa_totp ORDER BY account_id COLLATE "C"`)
	if err != nil {
		return 0, wrap("reseal totp", err)
	}
	type rec struct{ id, secret string }
	var (
		recs []rec
		r    rec
	)
	if _, err := pgx.ForEachRow(rows, []any{&r.id, &r.secret}, func() error {
		recs = append(recs, r)
		return nil
	}); err != nil {
		return 0, wrap("reseal totp", err)
	}
	n := 0
	for _, r := range recs {
		sealed, err := fn(r.id, r.secret)
		if err != nil {
			return n, err
		}
		if sealed == "" || sealed == r.secret {
			continue
		}
		tag, err := s.db.pool.Exec(ctx, `UPDATE mfa_totp SET secret = $1 WHERE account_id = $2 AND secret = $3`, sealed, r.id, r.secret)
		if err != nil {
			return n, wrap("reseal totp", err)
		}
		if tag.RowsAffected() == 1 {
			n++
		}
	}
	return n, nil
}
