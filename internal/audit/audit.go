// Package audit writes and reads tsunagari's audit trail: who did what,
// when (UTC), to which object and with what outcome, for sign-ins and
// their failures, credential and role changes, org administration,
// operator reads of mail and of the trail itself, and refused access. The
// trail is append-only and hash-chained (see tsunagari.AuditEvent); Verify
// walks the chain and names the first entry that breaks it.
//
// Entries never carry what a person wrote or answered, nor passwords,
// tokens or codes: objects are named by type and ID only.
package audit

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"tsunagari"
)

// Service records audit events and shows them to operators.
type Service struct {
	Store tsunagari.AuditStore
	// Accounts, if set, names the actors of the entries an operator reads.
	Accounts tsunagari.AccountStore
	Now      func() time.Time
}

type clientKey struct{}

// WithClient returns ctx carrying the address a request comes from;
// Record stamps events that name none with it.
func WithClient(ctx context.Context, ip string) context.Context {
	return context.WithValue(ctx, clientKey{}, ip)
}

// ClientIP returns the address WithClient put in ctx, or "".
func ClientIP(ctx context.Context) string {
	ip, _ := ctx.Value(clientKey{}).(string)
	return ip
}

// Limits of recorded text, in runes.
const (
	maxIP     = 64
	maxDetail = 200
)

// Record appends events to the trail in one transaction. Events without
// a time get the current one, and those without an address get the
// request's. A nil Service records nothing, for tests of other packages.
func (s *Service) Record(ctx context.Context, events ...*tsunagari.AuditEvent) error {
	if s == nil || len(events) == 0 {
		return nil
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	at := now().UTC().Truncate(time.Second)
	ip := ClientIP(ctx)
	for _, e := range events {
		if e.At.IsZero() {
			e.At = at
		}
		if e.IP == "" {
			e.IP = ip
		}
		e.IP, e.Detail = clip(e.IP, maxIP), clip(e.Detail, maxDetail)
	}
	if err := s.Store.AppendAudit(ctx, events...); err != nil {
		return fmt.Errorf("record audit event: %w", err)
	}
	return nil
}

// clip shortens s to n runes and replaces control characters, so that no
// recorded value can forge a line of a log or an export.
func clip(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	if utf8.RuneCountInString(s) > n {
		s = string([]rune(s)[:n])
	}
	return s
}

var (
	errSignIn   = tsunagari.NewError(tsunagari.CodeUnauthorized, "auth.sign_in_required")
	errNotFound = tsunagari.NewError(tsunagari.CodeNotFound, "error.not_found")
)

// MayRead returns nil if actor may read the trail (operators), and
// otherwise the error to answer with.
func (s *Service) MayRead(actor *tsunagari.Account) error { return operator(actor) }

func operator(actor *tsunagari.Account) error {
	switch {
	case actor == nil:
		return errSignIn
	case !actor.Has(tsunagari.RoleOperator):
		return errNotFound
	}
	return nil
}

// PageSize bounds one page of Events.
const PageSize = 100

// Events returns a page of entries, newest first; operators only. The
// read is itself recorded.
func (s *Service) Events(ctx context.Context, actor *tsunagari.Account, f tsunagari.AuditFilter) ([]*tsunagari.AuditEvent, error) {
	if err := operator(actor); err != nil {
		return nil, err
	}
	if f.Action != "" && !validAction(f.Action) {
		return nil, tsunagari.Invalid("action", "audit.action_invalid")
	}
	if f.ActorID != "" && !tsunagari.ValidID(f.ActorID) {
		return nil, tsunagari.Invalid("actor", "audit.actor_invalid")
	}
	if f.Limit <= 0 || f.Limit > PageSize {
		f.Limit = PageSize
	}
	if err := s.Record(ctx, &tsunagari.AuditEvent{ActorID: actor.ID, Action: tsunagari.AuditAuditRead,
		Outcome: tsunagari.OutcomeSuccess, Detail: describe(f)}); err != nil {
		return nil, err
	}
	return s.Store.FindAuditEvents(ctx, f)
}

// Emails returns the addresses of the actors of events that still have
// an account, by account ID.
func (s *Service) Emails(ctx context.Context, events []*tsunagari.AuditEvent) (map[string]string, error) {
	out := make(map[string]string)
	if s.Accounts == nil {
		return out, nil
	}
	for _, e := range events {
		if e.ActorID == "" {
			continue
		}
		if _, done := out[e.ActorID]; done {
			continue
		}
		a, err := s.Accounts.FindAccountByID(ctx, e.ActorID)
		switch {
		case errors.Is(err, tsunagari.ErrNotFound):
			out[e.ActorID] = ""
		case err != nil:
			return nil, err
		default:
			out[e.ActorID] = a.Email
		}
	}
	return out, nil
}

func validAction(a string) bool {
	for _, v := range tsunagari.AuditActions {
		if v == a {
			return true
		}
	}
	return false
}

func describe(f tsunagari.AuditFilter) string {
	var parts []string
	if f.Action != "" {
		parts = append(parts, "action="+f.Action)
	}
	if f.ActorID != "" {
		parts = append(parts, "actor="+f.ActorID)
	}
	if f.Before > 0 {
		parts = append(parts, fmt.Sprintf("before=%d", f.Before))
	}
	return strings.Join(parts, " ")
}

// exportPage is how many entries Export and Verify read at a time.
const exportPage = 1000

// Export calls fn with every entry in chain order; operators only. The
// export is recorded first, so it appears in what it exports.
func (s *Service) Export(ctx context.Context, actor *tsunagari.Account, fn func(*tsunagari.AuditEvent) error) error {
	if err := operator(actor); err != nil {
		return err
	}
	if err := s.Record(ctx, &tsunagari.AuditEvent{ActorID: actor.ID, Action: tsunagari.AuditAuditExport,
		Outcome: tsunagari.OutcomeSuccess}); err != nil {
		return err
	}
	return walk(ctx, s.Store, fn)
}

// walk calls fn with every entry in chain order, a page at a time.
func walk(ctx context.Context, store tsunagari.AuditStore, fn func(*tsunagari.AuditEvent) error) error {
	var after int64
	for {
		page, err := store.AuditChain(ctx, after, exportPage)
		if err != nil {
			return err
		}
		for _, e := range page {
			if err := fn(e); err != nil {
				return err
			}
		}
		if len(page) < exportPage {
			return nil
		}
		after = page[len(page)-1].Seq
	}
}

// Report is the result of a verification that found the chain intact.
type Report struct {
	Entries int64
	// Head is the hash of the last entry. Writing it down somewhere else
	// lets a later verification notice entries removed from the end,
	// which a chain alone cannot show.
	Head string
}

// Verify walks the whole trail and checks every link. A broken chain is
// reported as a *tsunagari.AuditChainError naming the first bad entry.
func Verify(ctx context.Context, store tsunagari.AuditStore) (Report, error) {
	var (
		r    Report
		prev *tsunagari.AuditEvent
	)
	err := walk(ctx, store, func(e *tsunagari.AuditEvent) error {
		if err := e.Follows(prev); err != nil {
			return err
		}
		prev = e
		r.Entries++
		r.Head = e.Hash
		return nil
	})
	var ce *tsunagari.AuditChainError
	if err != nil && !errors.As(err, &ce) {
		return r, fmt.Errorf("verify audit trail: %w", err)
	}
	return r, err
}
