package tsunagari

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"time"
)

// Audit actions: what was done. They are stable identifiers, stored and
// exported as they are; the UI labels them through "audit.action.<id>".
const (
	AuditSignIn               = "auth.sign_in"                // password step; failure for unknown accounts has no actor
	AuditSignInMFA            = "auth.mfa"                    // second step: a one-time or recovery code
	AuditSignOut              = "auth.sign_out"               // a browser session ended by its owner
	AuditPasswordChange       = "auth.password_change"        // with the current password
	AuditPasswordResetRequest = "auth.password_reset_request" // a reset link mailed to a known account
	AuditPasswordReset        = "auth.password_reset"         // a new password set with a reset link
	AuditMFAEnrol             = "auth.mfa_enrol"              // an authenticator confirmed
	AuditMFADisable           = "auth.mfa_disable"            // two-step sign-in turned off
	AuditRecoveryCodes        = "auth.recovery_codes"         // a new set of recovery codes issued
	AuditTokenCreate          = "api_token.create"
	AuditTokenRevoke          = "api_token.revoke"
	AuditRoleGrant            = "account.role_grant" // a role given to an account
	AuditInvitationSend       = "invitation.send"
	AuditInvitationAccept     = "invitation.accept"
	AuditOrgCreate            = "org.create"
	AuditDepartmentCreate     = "department.create"
	AuditOutboxRead           = "outbox.read"  // an operator read the mail outbox
	AuditAuditRead            = "audit.read"   // an operator read the audit trail
	AuditAuditExport          = "audit.export" // an operator exported it
	AuditAccessDenied         = "access.denied"
	AuditDataExport           = "personal_data.export"   // a person downloaded or viewed their copy
	AuditAccountErase         = "account.erase"          // a person deleted their account and its data
	AuditConsultantVerify     = "consultant.verify"      // an operator checked a registration number, or withdrew that
	AuditEventCancel          = "event.cancel"           // an organiser cancelled an event or one occurrence
	AuditLotteryDraw          = "event.lottery_draw"     // a lottery drawn, with its seed in the detail
	AuditTeamConfirm          = "probono.team_confirm"   // an organiser confirmed a pro-bono team
	AuditProbonoAnswered      = "probono.answer_overdue" // open applications answered "not this time" at their deadline
	AuditRecommendWeights     = "recommend.weights"      // an operator set the weights of the community recommender
	AuditMatchWeights         = "match.weights"          // an operator changed the shortlist's weights
)

// AuditActions lists every action, for filters and labels.
var AuditActions = []string{
	AuditSignIn, AuditSignInMFA, AuditSignOut, AuditPasswordChange, AuditPasswordResetRequest,
	AuditPasswordReset, AuditMFAEnrol, AuditMFADisable, AuditRecoveryCodes, AuditTokenCreate,
	AuditTokenRevoke, AuditRoleGrant, AuditInvitationSend, AuditInvitationAccept, AuditOrgCreate,
	AuditDepartmentCreate, AuditOutboxRead, AuditAuditRead, AuditAuditExport, AuditAccessDenied,
	AuditDataExport, AuditAccountErase,
	AuditConsultantVerify,
	AuditCommunityCreate, AuditCommunityHide, AuditCommunityShow, AuditCommunityImport,
	AuditEventCancel, AuditLotteryDraw, AuditTeamConfirm, AuditProbonoAnswered, AuditIdeaConvert,
	AuditRecommendWeights,
	AuditMatchWeights,
}

// Outcome says how an audited attempt ended.
type Outcome string

const (
	OutcomeSuccess Outcome = "success"
	OutcomeFailure Outcome = "failure" // wrong credentials, an invalid code
	OutcomeDenied  Outcome = "denied"  // not allowed, or not there: the actor was told "not found"
)

// AuditEvent is one entry of the audit trail: who did what to which
// object, when and with what outcome. It never holds what anyone wrote or
// answered, nor any secret: targets are named by type and ID only, and
// Detail is a short machine-readable note chosen by the code.
//
// Entries form a hash chain: Hash covers every other field, PrevHash
// included, so changing, removing or reordering an entry breaks the
// chain from that entry on.
type AuditEvent struct {
	Seq        int64     `json:"seq"` // position in the chain, from 1; set by the store
	At         time.Time `json:"at"`  // UTC, whole seconds
	ActorID    string    `json:"actorId,omitempty"`
	Action     string    `json:"action"`
	Outcome    Outcome   `json:"outcome"`
	TargetType string    `json:"targetType,omitempty"` // "account", "org", "department", "invitation", "api_token", "route"
	TargetID   string    `json:"targetId,omitempty"`
	OrgID      string    `json:"orgId,omitempty"` // the tenant concerned, if any
	IP         string    `json:"ip,omitempty"`
	Detail     string    `json:"detail,omitempty"`
	PrevHash   string    `json:"prevHash"` // "" for the first entry
	Hash       string    `json:"hash"`
}

// ChainHash returns the hash e must carry: SHA-256, in hex, over a
// length-prefixed encoding of every field but Hash.
func (e *AuditEvent) ChainHash() string {
	h := sha256.New()
	var buf []byte
	num := func(v int64) { buf = binary.BigEndian.AppendUint64(buf, uint64(v)) }
	str := func(s string) { num(int64(len(s))); buf = append(buf, s...) }
	str("tsunagari audit v1")
	num(e.Seq)
	num(e.At.Unix())
	for _, s := range []string{e.ActorID, e.Action, string(e.Outcome), e.TargetType, e.TargetID,
		e.OrgID, e.IP, e.Detail, e.PrevHash} {
		str(s)
	}
	h.Write(buf)
	return hex.EncodeToString(h.Sum(nil))
}

// AuditChainError names the first entry at which an audit trail stops
// being a valid chain.
type AuditChainError struct {
	Seq     int64  // the entry at which the chain breaks
	Problem string // what is wrong there
}

func (e *AuditChainError) Error() string {
	return fmt.Sprintf("audit trail broken at entry %d: %s", e.Seq, e.Problem)
}

// Follows checks that e is a valid successor of prev in the chain; prev
// is nil for the first entry. It returns an *AuditChainError if not.
func (e *AuditEvent) Follows(prev *AuditEvent) error {
	wantSeq, wantPrev := int64(1), ""
	if prev != nil {
		wantSeq, wantPrev = prev.Seq+1, prev.Hash
	}
	switch {
	case e.Seq > wantSeq:
		return &AuditChainError{Seq: e.Seq, Problem: fmt.Sprintf("entries %d to %d are missing", wantSeq, e.Seq-1)}
	case e.Seq < wantSeq:
		return &AuditChainError{Seq: e.Seq, Problem: fmt.Sprintf("entry %d appears out of order after entry %d", e.Seq, wantSeq-1)}
	case e.Hash != e.ChainHash():
		return &AuditChainError{Seq: e.Seq, Problem: "its content does not match its hash: it was changed or moved"}
	case e.PrevHash != wantPrev:
		return &AuditChainError{Seq: e.Seq, Problem: "it does not follow the entry before it: entries were changed, removed or reordered"}
	}
	return nil
}

// AuditFilter selects audit entries. Zero fields do not filter.
type AuditFilter struct {
	ActorID string
	Action  string
	Before  int64 // only entries with Seq < Before
	Limit   int
}

// AuditStore persists the audit trail. It only appends: there is no way
// to change or remove an entry, and the databases refuse it too.
type AuditStore interface {
	// AppendAudit appends events in order, in one transaction that is
	// serialised with every other append, so that concurrent requests
	// still make one chain. It sets each event's Seq, PrevHash and Hash,
	// and At to the current time if zero.
	AppendAudit(ctx context.Context, events ...*AuditEvent) error
	// FindAuditEvents returns matching entries, newest first.
	FindAuditEvents(ctx context.Context, f AuditFilter) ([]*AuditEvent, error)
	// AuditChain returns at most limit entries with Seq > after, in
	// chain order, exactly as stored.
	AuditChain(ctx context.Context, after int64, limit int) ([]*AuditEvent, error)
}
