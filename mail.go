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
	// A claim on the message stands: it is tried again when that lapses.
	MarkMailFailed(ctx context.Context, id string, errText string) error
	// ClaimMail claims the oldest unsent message that failed fewer than
	// c.MaxAttempts times and that nobody holds a claim on, until c.Until,
	// and returns it; ErrNotFound if there is none. Whoever sends mail
	// claims each message first: two servers sharing one database never
	// hold the same message, so neither sends what the other does.
	ClaimMail(ctx context.Context, c MailClaim) (*Mail, error)
}

// MailClaim asks for a message to send.
type MailClaim struct {
	// Now is the time of the claim: claims that lasted until Now or
	// earlier have lapsed.
	Now time.Time
	// Until is when this claim lapses, should its sender never mark the
	// message sent or failed.
	Until       time.Time
	MaxAttempts int
}
