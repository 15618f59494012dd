package sqlite

import (
	"context"
	"database/sql"
	"time"

	"tsunagari"
)

// mfaStore implements tsunagari.MFAStore.
type mfaStore struct{ db *DB }

var _ tsunagari.MFAStore = (*mfaStore)(nil)

// SetTOTP replaces the account's authenticator with an unconfirmed one.
func (s *mfaStore) SetTOTP(ctx context.Context, t *tsunagari.TOTP) error {
	t.CreatedAt, t.ConfirmedAt, t.LastStep = s.db.orNow(t.CreatedAt), nil, 0
	_, err := s.db.write.ExecContext(ctx, `
		INSERT INTO mfa_totp (account_id, secret, created_at, confirmed_at, last_step)
		VALUES (?, ?, ?, NULL, 0)
		ON CONFLICT (account_id) DO UPDATE
		SET secret = excluded.secret, created_at = excluded.created_at, confirmed_at = NULL, last_step = 0`,
		t.AccountID, t.Secret, t.CreatedAt.Unix())
	return translate(err)
}

func (s *mfaStore) FindTOTP(ctx context.Context, accountID string) (*tsunagari.TOTP, error) {
	var (
		t         = tsunagari.TOTP{AccountID: accountID}
		created   int64
		confirmed sql.NullInt64
	)
	err := s.db.read.QueryRowContext(ctx,
		`SELECT secret, created_at, confirmed_at, last_step FROM mfa_totp WHERE account_id = ?`, accountID,
	).Scan(&t.Secret, &created, &confirmed, &t.LastStep)
	if err != nil {
		return nil, translate(err)
	}
	t.CreatedAt, t.ConfirmedAt = unixTime(created), timePtr(confirmed)
	return &t, nil
}

func (s *mfaStore) ConfirmTOTP(ctx context.Context, accountID string, step int64, at time.Time, codeHashes []string) error {
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `
			UPDATE mfa_totp SET confirmed_at = ?, last_step = ?
			WHERE account_id = ? AND confirmed_at IS NULL`, stamp(at).Unix(), step, accountID)
		if err != nil {
			return err
		}
		if err := checkAffected(res); err != nil {
			return err
		}
		return replaceCodes(ctx, tx, accountID, codeHashes)
	})
}

func replaceCodes(ctx context.Context, tx *sql.Tx, accountID string, codeHashes []string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM mfa_recovery_codes WHERE account_id = ?`, accountID); err != nil {
		return err
	}
	for _, h := range codeHashes {
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO mfa_recovery_codes (account_id, code_hash) VALUES (?, ?)`, accountID, h); err != nil {
			return err
		}
	}
	return nil
}

// UseTOTPStep advances last_step in one statement, so that two requests
// with the same code cannot both succeed.
func (s *mfaStore) UseTOTPStep(ctx context.Context, accountID string, step int64) error {
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `
			UPDATE mfa_totp SET last_step = ?
			WHERE account_id = ? AND confirmed_at IS NOT NULL AND last_step < ?`, step, accountID, step)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return err
		}
		var confirmed int
		if err := tx.QueryRowContext(ctx,
			`SELECT count(*) FROM mfa_totp WHERE account_id = ? AND confirmed_at IS NOT NULL`, accountID,
		).Scan(&confirmed); err != nil {
			return err
		}
		if confirmed == 0 {
			return tsunagari.ErrNotFound
		}
		return tsunagari.ErrConflict
	})
}

func (s *mfaStore) DeleteTOTP(ctx context.Context, accountID string) error {
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM mfa_recovery_codes WHERE account_id = ?`, accountID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM mfa_totp WHERE account_id = ?`, accountID)
		return err
	})
}

func (s *mfaStore) ReplaceRecoveryCodes(ctx context.Context, accountID string, codeHashes []string) error {
	return s.db.inTx(ctx, func(tx *sql.Tx) error { return replaceCodes(ctx, tx, accountID, codeHashes) })
}

func (s *mfaStore) UseRecoveryCode(ctx context.Context, accountID, codeHash string, at time.Time) error {
	res, err := s.db.write.ExecContext(ctx, `
		UPDATE mfa_recovery_codes SET used_at = ?
		WHERE account_id = ? AND code_hash = ? AND used_at IS NULL`, stamp(at).Unix(), accountID, codeHash)
	if err != nil {
		return translate(err)
	}
	return checkAffected(res)
}

func (s *mfaStore) CountRecoveryCodes(ctx context.Context, accountID string) (int, error) {
	var n int
	err := s.db.read.QueryRowContext(ctx,
		`SELECT count(*) FROM mfa_recovery_codes WHERE account_id = ? AND used_at IS NULL`, accountID).Scan(&n)
	return n, translate(err)
}

func (s *mfaStore) ResealTOTP(ctx context.Context, fn func(accountID, sealed string) (string, error)) (int, error) {
	rows, err := s.db.read.QueryContext(ctx, `SELECT account_id, secret FROM mfa_totp ORDER BY account_id`)
	if err != nil {
		return 0, translate(err)
	}
	type rec struct{ id, secret string }
	var recs []rec
	for rows.Next() {
		var r rec
		if err := rows.Scan(&r.id, &r.secret); err != nil {
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
		sealed, err := fn(r.id, r.secret)
		if err != nil {
			return n, err
		}
		if sealed == "" || sealed == r.secret {
			continue
		}
		res, err := s.db.write.ExecContext(ctx, `UPDATE mfa_totp SET secret = ? WHERE account_id = ? AND secret = ?`, sealed, r.id, r.secret)
		if err != nil {
			return n, translate(err)
		}
		if k, _ := res.RowsAffected(); k == 1 {
			n++
		}
	}
	return n, nil
}
