// Package mail delivers the outbox. Every message is written to the outbox
// in the transaction that caused it; a Sender sends them over SMTP when one
// is configured. Without SMTP (for example in demo mode) messages stay in
// the outbox, where the operator reads them.
package mail

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net"
	"net/smtp"
	"strings"
	"time"

	"tsunagari"
	"tsunagari/internal/audit"
)

// SMTP is an outgoing mail server.
type SMTP struct {
	Addr     string // host:port
	From     string
	Username string
	Password string
}

// Sender sends unsent outbox mail.
type Sender struct {
	Outbox tsunagari.OutboxStore
	SMTP   SMTP
	Logger *slog.Logger
	Now    func() time.Time
	// Send delivers one message; it defaults to SMTP.
	Send func(ctx context.Context, m *tsunagari.Mail) error
}

// maxAttempts is how often a message is tried before it is left for the
// operator to look at.
const maxAttempts = 5

// ClaimFor is how long a sender holds a message it is sending. The
// message is taken again once the claim lapses: if delivery failed, or
// if its sender stopped before it could record the outcome.
const ClaimFor = 10 * time.Minute

// maxPerFlush bounds the messages one Flush sends.
const maxPerFlush = 100

// Flush sends pending messages, oldest first, each once. It claims every
// message before sending it, so that several servers may flush one outbox
// at the same time without sending a message twice.
func (s *Sender) Flush(ctx context.Context) error {
	send := s.Send
	if send == nil {
		send = s.sendSMTP
	}
	for range maxPerFlush {
		now := s.Now().UTC()
		m, err := s.Outbox.ClaimMail(ctx, tsunagari.MailClaim{Now: now, Until: now.Add(ClaimFor), MaxAttempts: maxAttempts})
		if errors.Is(err, tsunagari.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := send(ctx, m); err != nil {
			s.Logger.WarnContext(ctx, "mail not delivered", "mail_id", m.ID, "kind", m.Kind, "err", err)
			if err := s.Outbox.MarkMailFailed(ctx, m.ID, err.Error()); err != nil {
				return err
			}
			continue
		}
		if err := s.Outbox.MarkMailSent(ctx, m.ID, s.Now().UTC()); err != nil {
			return err
		}
	}
	return nil
}

func (s *Sender) sendSMTP(ctx context.Context, m *tsunagari.Mail) error {
	host, _, err := net.SplitHostPort(s.SMTP.Addr)
	if err != nil {
		return fmt.Errorf("smtp address: %w", err)
	}
	var a smtp.Auth
	if s.SMTP.Username != "" {
		a = smtp.PlainAuth("", s.SMTP.Username, s.SMTP.Password, host)
	}
	return smtp.SendMail(s.SMTP.Addr, a, s.SMTP.From, []string{m.To}, Compose(s.SMTP.From, m))
}

// Compose renders m as a MIME message in UTF-8.
func Compose(from string, m *tsunagari.Mail) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\n", from)
	fmt.Fprintf(&b, "To: %s\r\n", m.To)
	fmt.Fprintf(&b, "Subject: %s\r\n", mime.BEncoding.Encode("UTF-8", m.Subject))
	fmt.Fprintf(&b, "Date: %s\r\n", m.CreatedAt.Format(time.RFC1123Z))
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
	b.WriteString(strings.ReplaceAll(m.Body, "\n", "\r\n"))
	return []byte(b.String())
}

// Service shows the outbox to the operator.
type Service struct {
	Outbox tsunagari.OutboxStore
	// Audit records every read of the outbox: its messages carry
	// personal data and, until sent, secret links.
	Audit *audit.Service
	// Accounts, if set, names the account whose address a read was
	// filtered by, so that the trail holds an ID rather than the address.
	Accounts tsunagari.AccountStore
}

func operator(actor *tsunagari.Account) error {
	if actor == nil {
		return tsunagari.NewError(tsunagari.CodeUnauthorized, "auth.sign_in_required")
	}
	if !actor.Has(tsunagari.RoleOperator) {
		return tsunagari.NewError(tsunagari.CodeNotFound, "error.not_found")
	}
	return nil
}

// Mail lists outbox messages, newest first; operators only. The read is
// recorded in the audit trail with what it was filtered by: the account
// with that address, or else a hash of the address. The trail never holds
// an address itself, which would outlive the erasure of its owner.
func (s *Service) Mail(ctx context.Context, actor *tsunagari.Account, f tsunagari.MailFilter) ([]*tsunagari.Mail, error) {
	if err := operator(actor); err != nil {
		return nil, err
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 200
	}
	e := &tsunagari.AuditEvent{ActorID: actor.ID, Action: tsunagari.AuditOutboxRead, Outcome: tsunagari.OutcomeSuccess}
	if f.To != "" {
		e.TargetType, e.TargetID = "email", addressHash(f.To)
		if s.Accounts != nil {
			if a, err := s.Accounts.FindAccountByEmail(ctx, tsunagari.NormalizeEmail(f.To)); err == nil {
				e.TargetType, e.TargetID = "account", a.ID
			}
		}
	}
	if f.Unsent {
		e.Detail = "unsent"
	}
	if err := s.Audit.Record(ctx, e); err != nil {
		return nil, err
	}
	return s.Outbox.FindMail(ctx, f)
}

// addressHash names an address in the audit trail without spelling it:
// the first 16 hex digits of the SHA-256 of its normalised form.
func addressHash(addr string) string {
	sum := sha256.Sum256([]byte(tsunagari.NormalizeEmail(addr)))
	return "sha256:" + hex.EncodeToString(sum[:8])
}

// Pending counts unsent messages, up to 500, without reading them;
// operators only.
func (s *Service) Pending(ctx context.Context, actor *tsunagari.Account) (int, error) {
	if err := operator(actor); err != nil {
		return 0, err
	}
	list, err := s.Outbox.FindMail(ctx, tsunagari.MailFilter{Unsent: true, Limit: 500})
	return len(list), err
}
