package org

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/transform"

	"tsunagari"
	"tsunagari/internal/auth"
)

// Limits on invitations.
const (
	MaxCSVBytes = 1 << 20
	MaxCSVRows  = 5000
)

// Invite is one person HR wants to bring onto the platform.
type Invite struct {
	Email        string         `json:"email"`
	DepartmentID string         `json:"departmentId,omitempty"`
	Role         tsunagari.Role `json:"role,omitempty"` // member (default) or hr_admin
	Line         int            `json:"-"`              // line in an uploaded file, for errors
}

// Invite creates invitations for actor's org and queues their mails, all
// in one transaction. Every problem is reported; nothing is stored unless
// every invite is valid.
func (s *Service) Invite(ctx context.Context, actor *tsunagari.Account, invites []Invite) ([]*tsunagari.Invitation, error) {
	o, err := s.hrOrg(ctx, actor, "")
	if err != nil {
		return nil, err
	}
	for i := range invites {
		invites[i].Line = i + 1
	}
	return s.invite(ctx, actor, o, invites, nil)
}

// InviteCSV invites everyone in a CSV file (see ParseCSV), or nobody:
// every problem of every line is reported at once.
func (s *Service) InviteCSV(ctx context.Context, actor *tsunagari.Account, data []byte) ([]*tsunagari.Invitation, error) {
	o, err := s.hrOrg(ctx, actor, "")
	if err != nil {
		return nil, err
	}
	depts, err := s.Store.FindDepartments(ctx, o.ID)
	if err != nil {
		return nil, err
	}
	invites, details, err := ParseCSV(data, Tree(depts))
	if err != nil {
		return nil, err
	}
	return s.invite(ctx, actor, o, invites, details)
}

func (s *Service) invite(ctx context.Context, actor *tsunagari.Account, o *tsunagari.Org, invites []Invite, details []tsunagari.Detail) ([]*tsunagari.Invitation, error) {
	if len(invites) == 0 && len(details) == 0 {
		return nil, tsunagari.Invalid("email", "invite.none")
	}
	if len(invites) > MaxCSVRows {
		return nil, tsunagari.NewError(tsunagari.CodeInvalid, "invite.too_many", MaxCSVRows)
	}
	depts, err := s.Store.FindDepartments(ctx, o.ID)
	if err != nil {
		return nil, err
	}
	known := make(map[string]bool, len(depts))
	for _, d := range depts {
		known[d.ID] = true
	}
	pending, err := s.pendingEmails(ctx, o.ID)
	if err != nil {
		return nil, err
	}

	bad := func(inv Invite, field, key string, args ...any) {
		details = append(details, tsunagari.Detail{Line: inv.Line, Field: field, Key: key, Args: args})
	}
	seen := make(map[string]int)
	now := s.now()
	var invs []*tsunagari.Invitation
	for i := range invites {
		inv := &invites[i]
		inv.Email = tsunagari.NormalizeEmail(inv.Email)
		if inv.Role == "" {
			inv.Role = tsunagari.RoleMember
		}
		if err := tsunagari.ValidateEmail("email", inv.Email); err != nil {
			var e *tsunagari.Error
			errors.As(err, &e)
			bad(*inv, "email", e.Key, e.Args...)
			continue
		}
		if prev, dup := seen[inv.Email]; dup {
			bad(*inv, "email", "invite.duplicate", prev)
			continue
		}
		seen[inv.Email] = inv.Line
		switch {
		case inv.Role != tsunagari.RoleMember && inv.Role != tsunagari.RoleHRAdmin:
			bad(*inv, "role", "invite.role_invalid")
		case inv.DepartmentID != "" && !known[inv.DepartmentID]:
			bad(*inv, "department", "department.unknown")
		case pending[inv.Email]:
			bad(*inv, "email", "invite.pending")
		default:
			if a, err := s.Accounts.FindAccountByEmail(ctx, inv.Email); err == nil && a.OrgID() == o.ID {
				bad(*inv, "email", "invite.already_employee")
				continue
			} else if err != nil && !errors.Is(err, tsunagari.ErrNotFound) {
				return nil, err
			}
			invs = append(invs, &tsunagari.Invitation{
				OrgID: o.ID, DepartmentID: inv.DepartmentID, Email: inv.Email, Role: inv.Role,
				InvitedBy: actor.ID, CreatedAt: now, ExpiresAt: now.Add(InvitationLifetime),
			})
		}
	}
	if len(details) > 0 {
		slices.SortStableFunc(details, func(a, b tsunagari.Detail) int { return a.Line - b.Line })
		return nil, &tsunagari.Error{Code: tsunagari.CodeInvalid, Key: "invite.rejected", Args: []any{len(details)}, Details: details}
	}

	mails := make([]*tsunagari.Mail, len(invs))
	ja, en := s.Catalog.Printer("ja"), s.Catalog.Printer("en")
	for i, inv := range invs {
		token := tsunagari.NewSecret("tsi_")
		inv.TokenHash = auth.HashToken(token)
		link := s.BaseURL + "/invite/" + token
		days := int(InvitationLifetime.Hours() / 24)
		mails[i] = &tsunagari.Mail{
			To: inv.Email, Kind: "invitation", CreatedAt: now,
			Subject: ja.T("mail.invite.subject", o.Name) + " / " + en.T("mail.invite.subject", o.Name),
			Body:    ja.T("mail.invite.body", o.Name, link, days) + "\n\n----\n\n" + en.T("mail.invite.body", o.Name, link, days),
		}
	}
	switch err := s.Store.CreateInvitations(ctx, invs, mails); {
	case errors.Is(err, tsunagari.ErrConflict): // a concurrent invite of the same address
		return nil, tsunagari.NewError(tsunagari.CodeConflict, "invite.pending")
	case err != nil:
		return nil, fmt.Errorf("invite: %w", err)
	}
	events := make([]*tsunagari.AuditEvent, len(invs))
	for i, inv := range invs {
		events[i] = &tsunagari.AuditEvent{ActorID: actor.ID, Action: tsunagari.AuditInvitationSend, Outcome: tsunagari.OutcomeSuccess,
			TargetType: "invitation", TargetID: inv.ID, OrgID: o.ID, Detail: "role=" + string(inv.Role)}
	}
	if err := s.Audit.Record(ctx, events...); err != nil {
		return nil, err
	}
	return invs, nil
}

func (s *Service) pendingEmails(ctx context.Context, orgID string) (map[string]bool, error) {
	list, err := s.Store.FindInvitations(ctx, orgID, 1_000_000)
	if err != nil {
		return nil, err
	}
	now := s.now()
	pending := make(map[string]bool)
	for _, inv := range list {
		if inv.AcceptedAt == nil && now.Before(inv.ExpiresAt) {
			pending[inv.Email] = true
		}
	}
	return pending, nil
}

// Invitations lists the invitations of actor's org, newest first. Whether
// an invitee accepted is not shown: joining is the employee's own business.
func (s *Service) Invitations(ctx context.Context, actor *tsunagari.Account, limit int) ([]*tsunagari.Invitation, error) {
	o, err := s.hrOrg(ctx, actor, "")
	if err != nil {
		return nil, err
	}
	return s.Store.FindInvitations(ctx, o.ID, limit)
}

// ParseCSV reads invitations from a CSV file with a header line naming the
// columns email (メールアドレス), department (部署) and role (役割); only
// email is required. Departments are given by their path, such as
// "営業本部 / 東日本営業部". The file may be UTF-8 (with or without a BOM) or
// Shift_JIS, as Japanese Excel saves it. Problems of single lines are
// returned as details; err is for a file that cannot be read at all.
func ParseCSV(data []byte, depts []TreeNode) (invites []Invite, details []tsunagari.Detail, err error) {
	if len(data) > MaxCSVBytes {
		return nil, nil, tsunagari.NewError(tsunagari.CodeTooLarge, "invite.csv_too_large", MaxCSVBytes/1024)
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	if !utf8.Valid(data) {
		decoded, _, err := transform.Bytes(japanese.ShiftJIS.NewDecoder(), data)
		if err != nil || !utf8.Valid(decoded) {
			return nil, nil, tsunagari.NewError(tsunagari.CodeInvalid, "invite.csv_encoding")
		}
		data = decoded
	}
	byPath := make(map[string]string, len(depts))
	for _, d := range depts {
		byPath[normalizePath(d.Path)] = d.ID
	}

	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	header, err := r.Read()
	if err == io.EOF {
		return nil, nil, tsunagari.NewError(tsunagari.CodeInvalid, "invite.csv_empty")
	}
	if err != nil {
		return nil, nil, csvSyntaxError(err)
	}
	cols := map[string]int{"email": -1, "department": -1, "role": -1}
	for i, h := range header {
		if name, ok := headerNames[strings.ToLower(strings.TrimSpace(h))]; ok {
			cols[name] = i
		}
	}
	if cols["email"] < 0 {
		return nil, nil, tsunagari.NewError(tsunagari.CodeInvalid, "invite.csv_no_email_column")
	}

	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, csvSyntaxError(err)
		}
		line, _ := r.FieldPos(0)
		if len(invites)+len(details) >= MaxCSVRows {
			return nil, nil, tsunagari.NewError(tsunagari.CodeInvalid, "invite.too_many", MaxCSVRows)
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // blank line
		}
		field := func(name string) string {
			if i := cols[name]; i >= 0 && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		inv := Invite{Email: field("email"), Line: line}
		if p := field("department"); p != "" {
			id, ok := byPath[normalizePath(p)]
			if !ok {
				details = append(details, tsunagari.Detail{Line: line, Field: "department", Key: "invite.department_unknown", Args: []any{p}})
				continue
			}
			inv.DepartmentID = id
		}
		role, ok := roleNames[strings.ToLower(field("role"))]
		if !ok {
			details = append(details, tsunagari.Detail{Line: line, Field: "role", Key: "invite.role_invalid"})
			continue
		}
		inv.Role = role
		invites = append(invites, inv)
	}
	if len(invites) == 0 && len(details) == 0 {
		return nil, nil, tsunagari.NewError(tsunagari.CodeInvalid, "invite.csv_empty")
	}
	return invites, details, nil
}

var headerNames = map[string]string{
	"email": "email", "e-mail": "email", "メールアドレス": "email", "メール": "email",
	"department": "department", "部署": "department", "所属": "department",
	"role": "role", "役割": "role", "権限": "role",
}

var roleNames = map[string]tsunagari.Role{
	"": tsunagari.RoleMember, "member": tsunagari.RoleMember, "一般": tsunagari.RoleMember, "従業員": tsunagari.RoleMember,
	"hr_admin": tsunagari.RoleHRAdmin, "hr": tsunagari.RoleHRAdmin, "人事": tsunagari.RoleHRAdmin, "人事管理者": tsunagari.RoleHRAdmin,
}

func normalizePath(p string) string {
	p = strings.NewReplacer("／", "/", ">", "/", "＞", "/").Replace(p)
	parts := strings.Split(p, "/")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return strings.Join(parts, "/")
}

func csvSyntaxError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &tsunagari.Error{Code: tsunagari.CodeInvalid, Key: "invite.rejected", Args: []any{1},
			Details: []tsunagari.Detail{{Line: pe.Line, Key: "invite.csv_syntax"}}, Err: err}
	}
	return tsunagari.NewError(tsunagari.CodeInvalid, "invite.csv_syntax")
}

// PendingInvitation is what the holder of an invitation link may see.
type PendingInvitation struct {
	Invitation *tsunagari.Invitation
	Org        *tsunagari.Org
}

// InvitationByToken returns the pending invitation of an emailed token.
// Whoever holds the token may see it; used or expired tokens are not found.
func (s *Service) InvitationByToken(ctx context.Context, token string) (*PendingInvitation, error) {
	if !strings.HasPrefix(token, "tsi_") || len(token) > 80 {
		return nil, tsunagari.NewError(tsunagari.CodeNotFound, "invite.invalid")
	}
	inv, err := s.Store.FindInvitationByToken(ctx, auth.HashToken(token))
	if errors.Is(err, tsunagari.ErrNotFound) || (err == nil && (inv.AcceptedAt != nil || !s.now().Before(inv.ExpiresAt))) {
		return nil, tsunagari.NewError(tsunagari.CodeNotFound, "invite.invalid")
	}
	if err != nil {
		return nil, err
	}
	o, err := s.Store.FindOrgByID(ctx, inv.OrgID)
	if err != nil {
		return nil, err
	}
	return &PendingInvitation{Invitation: inv, Org: o}, nil
}

// AcceptInvitation makes actor an employee of the inviting org. The
// invitation must be addressed to actor's email.
func (s *Service) AcceptInvitation(ctx context.Context, actor *tsunagari.Account, token string) error {
	if actor == nil {
		return errSignIn
	}
	p, err := s.InvitationByToken(ctx, token)
	if err != nil {
		return err
	}
	if p.Invitation.Email != actor.Email {
		return tsunagari.NewError(tsunagari.CodeForbidden, "invite.wrong_account")
	}
	switch err := s.Store.AcceptInvitation(ctx, auth.HashToken(token), actor.ID, s.now()); {
	case errors.Is(err, tsunagari.ErrNotFound):
		return tsunagari.NewError(tsunagari.CodeNotFound, "invite.invalid")
	case err != nil:
		return fmt.Errorf("accept invitation: %w", err)
	}
	inv := p.Invitation
	events := []*tsunagari.AuditEvent{{ActorID: actor.ID, Action: tsunagari.AuditInvitationAccept, Outcome: tsunagari.OutcomeSuccess,
		TargetType: "invitation", TargetID: inv.ID, OrgID: inv.OrgID}}
	if !actor.Has(inv.Role) {
		events = append(events, &tsunagari.AuditEvent{ActorID: inv.InvitedBy, Action: tsunagari.AuditRoleGrant,
			Outcome: tsunagari.OutcomeSuccess, TargetType: "account", TargetID: actor.ID, OrgID: inv.OrgID,
			Detail: "role=" + string(inv.Role) + " via=invitation"})
	}
	return s.Audit.Record(ctx, events...)
}

// Invitation returns one invitation of actor's org.
func (s *Service) Invitation(ctx context.Context, actor *tsunagari.Account, id string) (*tsunagari.Invitation, error) {
	o, err := s.hrOrg(ctx, actor, "")
	if err != nil {
		return nil, err
	}
	if !tsunagari.ValidID(id) {
		return nil, errNotFound
	}
	return s.Store.FindInvitation(ctx, o.ID, id)
}
