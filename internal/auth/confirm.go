package auth

import (
	"context"

	"tsunagari"
)

// ConfirmPassword checks actor's password before a grave step, such as
// deleting the account. Attempts count against the account's sign-in
// throttle, and a wrong password is recorded under action.
func (s *Service) ConfirmPassword(ctx context.Context, actor *tsunagari.Account, password, action string, c Client) error {
	if actor == nil {
		return tsunagari.NewError(tsunagari.CodeUnauthorized, "auth.sign_in_required")
	}
	return s.checkPassword(ctx, actor, password, action, c)
}
