// Package privacy serves a person's rights over their own data (APPI
// 開示・利用停止・消去): a copy of everything tsunagari holds about them,
// to read and to download, and the deletion of their account with that
// data. Every store takes part through tsunagari.PersonalData; this
// package decides who may ask and records each request in the audit
// trail.
package privacy

import (
	"context"
	"fmt"
	"time"

	"tsunagari"
	"tsunagari/internal/audit"
	"tsunagari/internal/auth"
)

// Service answers data-subject requests.
type Service struct {
	// Store is the whole database's personal data (Stores.Personal).
	Store    tsunagari.PersonalStore
	Accounts tsunagari.AccountStore
	// Auth confirms the password before an erasure.
	Auth  *auth.Service
	Audit *audit.Service
	// Parts are the services that hold what the stores cannot do alone:
	// the key that opens sealed records, and the mail to people whose
	// sessions end with the person (consulting.Service).
	Parts []Part
	Now   func() time.Time
	// Notify writes the mail to people promoted from a waitlist when
	// an erasure frees a seat (event.Service.Notifier); nil sends none.
	Notify tsunagari.Notify
}

// Part is a service's share in data-subject requests.
type Part interface {
	// OpenPersonalRecords replaces, in accountID's own copy, the
	// tsunagari.Sealed values of the records it knows with what they
	// say.
	OpenPersonalRecords(ctx context.Context, accountID string, recs []tsunagari.PersonalRecord) error
	// ErasureNotices returns the mails that tell other people what ends
	// when a deletes their account. They are stored in the erasure's
	// transaction and must not name a.
	ErasureNotices(ctx context.Context, a *tsunagari.Account) ([]*tsunagari.Mail, error)
}

var errSignIn = tsunagari.NewError(tsunagari.CodeUnauthorized, "auth.sign_in_required")

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now().UTC().Truncate(time.Second)
	}
	return s.Now().UTC().Truncate(time.Second)
}

// Export returns actor's copy of everything tsunagari holds about them.
// Only the person themselves may have it: no role reads another's copy.
func (s *Service) Export(ctx context.Context, actor *tsunagari.Account) (*tsunagari.PersonalExport, error) {
	if actor == nil {
		return nil, errSignIn
	}
	recs, err := s.Store.ExportPersonalData(ctx, actor.ID)
	if err != nil {
		return nil, fmt.Errorf("export personal data: %w", err)
	}
	for _, p := range s.Parts {
		if err := p.OpenPersonalRecords(ctx, actor.ID, recs); err != nil {
			return nil, fmt.Errorf("export personal data: %w", err)
		}
	}
	// A sealed value nobody opened would be useless to the person: a
	// store that seals must have its Part.
	for _, r := range recs {
		for name, v := range r.Fields {
			if _, ok := v.(tsunagari.Sealed); ok {
				return nil, fmt.Errorf("export personal data: %s.%s is sealed and no part opens it", r.Kind, name)
			}
		}
	}
	x := tsunagari.NewPersonalExport(actor.ID, s.now(), recs)
	if err := s.Audit.Record(ctx, &tsunagari.AuditEvent{ActorID: actor.ID, Action: tsunagari.AuditDataExport,
		Outcome: tsunagari.OutcomeSuccess, TargetType: "account", TargetID: actor.ID}); err != nil {
		return nil, err
	}
	return x, nil
}

// Erasure is what a person gives to delete their account.
type Erasure struct {
	Password string
	// Confirm says the person has read what is erased and what stays.
	Confirm bool
}

// Notices returns the mails that erasing actor's account would send now:
// the deletion page says how many people are told.
func (s *Service) Notices(ctx context.Context, actor *tsunagari.Account) ([]*tsunagari.Mail, error) {
	if actor == nil {
		return nil, errSignIn
	}
	var mails []*tsunagari.Mail
	for _, p := range s.Parts {
		m, err := p.ErasureNotices(ctx, actor)
		if err != nil {
			return nil, fmt.Errorf("erasure notices: %w", err)
		}
		mails = append(mails, m...)
	}
	return mails, nil
}

// Erase deletes actor's account and everything about it, after checking
// their password, and tells the people whose sessions end with it, in
// the same transaction. The last operator of the instance cannot leave:
// someone must be able to run it. What stays (anonymous answers, the
// audit trail, a consultant's sealed note on a past session) identifies
// nobody; SECURITY.md lists it.
func (s *Service) Erase(ctx context.Context, actor *tsunagari.Account, in Erasure, c auth.Client) error {
	if actor == nil {
		return errSignIn
	}
	if in.Password == "" {
		return tsunagari.Invalid("password", "privacy.password_required")
	}
	if !in.Confirm {
		return tsunagari.Invalid("confirm", "privacy.confirm_required")
	}
	if err := s.Auth.ConfirmPassword(ctx, actor, in.Password, tsunagari.AuditAccountErase, c); err != nil {
		return err
	}
	if actor.Has(tsunagari.RoleOperator) {
		_, n, err := s.Accounts.FindAccounts(ctx, tsunagari.AccountFilter{Role: tsunagari.RoleOperator, Limit: 1})
		if err != nil {
			return fmt.Errorf("erase account: %w", err)
		}
		if n <= 1 {
			return tsunagari.NewError(tsunagari.CodeConflict, "privacy.last_operator")
		}
	}
	mails, err := s.Notices(ctx, actor)
	if err != nil {
		return err
	}
	if s.Notify != nil {
		ctx = tsunagari.WithNotify(ctx, s.Notify)
	}
	if err := s.Store.EraseAccount(ctx, actor.ID, mails); err != nil {
		return fmt.Errorf("erase account: %w", err)
	}
	// The entry names the account by its ID only, which now leads
	// nowhere; it is the proof that the request was carried out.
	return s.Audit.Record(ctx, &tsunagari.AuditEvent{ActorID: actor.ID, Action: tsunagari.AuditAccountErase,
		Outcome: tsunagari.OutcomeSuccess, TargetType: "account", TargetID: actor.ID, IP: c.IP})
}
