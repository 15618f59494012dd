package tsunagari

import (
	"context"
	"time"
)

// Mail is a message to send by email. Every message is written to the
// outbox first, in the same transaction as the change that caused it where
// possible, and sent from there; in demo mode, or without SMTP, operators
// read it in the outbox.
type Mail struct {
	ID        string     `json:"id"`
	To        string     `json:"to"`
	Subject   string     `json:"subject"`
	Body      string     `json:"body"`
	Kind      string     `json:"kind"` // e.g. "password_reset", "invitation"
	CreatedAt time.Time  `json:"createdAt"`
	SentAt    *time.Time `json:"sentAt,omitempty"`
	Attempts  int        `json:"attempts"`
	LastError string     `json:"lastError,omitempty"`
}

// MailFilter selects outbox messages.
type MailFilter struct {
	To     string
	Unsent bool
	Limit  int
}

// OutboxStore persists outgoing mail.
type OutboxStore interface {
	EnqueueMail(ctx context.Context, m *Mail) error
	// FindMail returns messages newest first.
	FindMail(ctx context.Context, f MailFilter) ([]*Mail, error)
	// MarkMailSent records delivery and erases the body, which may carry a
	// secret link that must not outlive its delivery. Attempts is unchanged.
	MarkMailSent(ctx context.Context, id string, at time.Time) error
	// MarkMailFailed counts a failed delivery attempt and keeps its error.
	MarkMailFailed(ctx context.Context, id string, errText string) error
}
