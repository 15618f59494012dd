package tsunagari

import (
	"context"
	"time"
)

// TOTP is an account's authenticator for two-step sign-in (RFC 6238).
// Secret is the shared secret sealed with the server's key, as stored:
// never the secret itself.
type TOTP struct {
	AccountID string
	Secret    string
	CreatedAt time.Time
	// ConfirmedAt is nil while enrolment waits for a first valid code.
	ConfirmedAt *time.Time
	// LastStep is the highest time step a code was accepted for. A code
	// is accepted only for a later step, so each code works once.
	LastStep int64
}

// Enabled reports whether t is a confirmed authenticator.
func (t *TOTP) Enabled() bool { return t != nil && t.ConfirmedAt != nil }

// NumRecoveryCodes is how many single-use recovery codes an account gets.
const NumRecoveryCodes = 10

// MFAStore persists authenticators and recovery codes. Recovery codes are
// stored as hashes only.
type MFAStore interface {
	// SetTOTP makes t the account's authenticator, replacing any other,
	// as not yet confirmed and with no step used. Recovery codes are kept
	// until ConfirmTOTP replaces them.
	SetTOTP(ctx context.Context, t *TOTP) error
	// FindTOTP returns ErrNotFound if the account has no authenticator.
	FindTOTP(ctx context.Context, accountID string) (*TOTP, error)
	// ConfirmTOTP confirms the account's pending authenticator at at,
	// records step as used and replaces the account's recovery codes with
	// codeHashes, in one transaction. It returns ErrNotFound unless the
	// account has an authenticator that is not confirmed yet.
	ConfirmTOTP(ctx context.Context, accountID string, step int64, at time.Time, codeHashes []string) error
	// UseTOTPStep records that a code of step was used. It returns
	// ErrConflict if a code of this step or a later one was used already,
	// and ErrNotFound if there is no confirmed authenticator.
	UseTOTPStep(ctx context.Context, accountID string, step int64) error
	// DeleteTOTP removes the account's authenticator and recovery codes.
	DeleteTOTP(ctx context.Context, accountID string) error
	// ReplaceRecoveryCodes replaces every recovery code of the account.
	ReplaceRecoveryCodes(ctx context.Context, accountID string, codeHashes []string) error
	// UseRecoveryCode marks an unused code of the account used at at. It
	// returns ErrNotFound if the account has no such unused code.
	UseRecoveryCode(ctx context.Context, accountID, codeHash string, at time.Time) error
	// CountRecoveryCodes returns how many unused codes the account has.
	CountRecoveryCodes(ctx context.Context, accountID string) (int, error)
	// ResealTOTP calls fn with the sealed secret of every authenticator;
	// if fn returns a new sealed text, it replaces the old one unless the
	// authenticator changed meanwhile. It returns how many were replaced.
	// It serves the rotation of the server's key.
	ResealTOTP(ctx context.Context, fn func(accountID, sealed string) (string, error)) (int, error)
}
