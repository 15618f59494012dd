package tsunagari

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// SizeBand is an organisation's size segment as used in reports and the HR
// survey: ≤300, 301–1,000 and 1,001+ employees.
type SizeBand string

const (
	SizeSmall SizeBand = "size_small"
	SizeMid   SizeBand = "size_mid"
	SizeLarge SizeBand = "size_large"
)

// SizeBandOf returns the band for a declared number of employees.
func SizeBandOf(employees int) SizeBand {
	switch {
	case employees <= 300:
		return SizeSmall
	case employees <= 1000:
		return SizeMid
	}
	return SizeLarge
}

// Disclosure defaults (see PRODUCT.md §10). An org may raise its minimum
// group size but never lower it below MinMinGroupSize.
const (
	DefaultMinGroupSize = 5
	MinMinGroupSize     = 3
	MaxOrgNameLen       = 100
	MaxDepartmentLen    = 100
	MaxDepartmentDepth  = 6
)

// Org is an employer: a tenant of the platform.
type Org struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Industry string `json:"industry"`
	// DeclaredEmployees is the headcount the employer states, which sets
	// its size band; it is not the number of accounts on the platform.
	DeclaredEmployees int       `json:"declaredEmployees"`
	MinGroupSize      int       `json:"minGroupSize"`
	CreatedAt         time.Time `json:"createdAt"`
}

// SizeBand returns the org's size segment.
func (o *Org) SizeBand() SizeBand { return SizeBandOf(o.DeclaredEmployees) }

// Validate checks o's fields.
func (o *Org) Validate() error {
	switch n := utf8.RuneCountInString(strings.TrimSpace(o.Name)); {
	case n == 0:
		return Invalid("name", "org.name_required")
	case n > MaxOrgNameLen:
		return Invalid("name", "org.name_too_long", MaxOrgNameLen)
	case o.Industry != "" && !contains(Industries, o.Industry):
		return Invalid("industry", "account.industry_invalid")
	case o.DeclaredEmployees < 1 || o.DeclaredEmployees > 1_000_000:
		return Invalid("declaredEmployees", "org.employees_invalid")
	case o.MinGroupSize < MinMinGroupSize:
		return Invalid("minGroupSize", "org.min_group_size_too_small", MinMinGroupSize)
	}
	return nil
}

// Department is a node of an org's department tree.
type Department struct {
	ID        string    `json:"id"`
	OrgID     string    `json:"-"`
	ParentID  string    `json:"parentId,omitempty"` // "" for a top-level department
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"createdAt"`
}

// Validate checks d's own fields; the store checks the parent.
func (d *Department) Validate() error {
	switch n := utf8.RuneCountInString(strings.TrimSpace(d.Name)); {
	case n == 0:
		return Invalid("name", "department.name_required")
	case n > MaxDepartmentLen:
		return Invalid("name", "department.name_too_long", MaxDepartmentLen)
	}
	if strings.ContainsFunc(d.Name, isControl) {
		return Invalid("name", "error.control_characters")
	}
	return nil
}

// Employment links an account to its employer. A person has at most one
// current employment and keeps their account when it ends.
type Employment struct {
	ID           string     `json:"-"`
	AccountID    string     `json:"-"`
	OrgID        string     `json:"orgId"`
	DepartmentID string     `json:"departmentId,omitempty"`
	StartedAt    time.Time  `json:"startedAt"`
	EndedAt      *time.Time `json:"endedAt,omitempty"`
}

// Invitation asks a person, by email, to join an org's tsunagari as an
// employee. The token is emailed; only its hash is stored.
type Invitation struct {
	ID           string     `json:"id"`
	OrgID        string     `json:"-"`
	DepartmentID string     `json:"departmentId,omitempty"`
	Email        string     `json:"email"`
	Role         Role       `json:"role"` // member or hr_admin
	TokenHash    string     `json:"-"`
	InvitedBy    string     `json:"-"`
	CreatedAt    time.Time  `json:"createdAt"`
	ExpiresAt    time.Time  `json:"expiresAt"`
	AcceptedAt   *time.Time `json:"-"`
}

// OrgStore persists organisations, their department trees, employment and
// invitations. Every lookup of an org's object takes the org's ID, so a
// caller cannot reach another tenant's object by its ID alone.
type OrgStore interface {
	CreateOrg(ctx context.Context, o *Org) error
	// FindOrgByID returns ErrNotFound if there is no such org.
	FindOrgByID(ctx context.Context, id string) (*Org, error)
	FindOrgs(ctx context.Context) ([]*Org, error)
	UpdateOrg(ctx context.Context, o *Org) error

	// CreateDepartment returns ErrNotFound if d.ParentID is set but is not
	// a department of d.OrgID, and ErrConflict if a sibling has the same name.
	CreateDepartment(ctx context.Context, d *Department) error
	// FindDepartment returns ErrNotFound unless id is a department of orgID.
	FindDepartment(ctx context.Context, orgID, id string) (*Department, error)
	// FindDepartments returns the org's departments ordered by name.
	FindDepartments(ctx context.Context, orgID string) ([]*Department, error)
	// CountEmployees returns the number of current employees of the org.
	CountEmployees(ctx context.Context, orgID string) (int, error)

	// EndEmployment ends the account's current employment at the given
	// time; ErrNotFound if it has none.
	EndEmployment(ctx context.Context, accountID string, at time.Time) error

	// CreateInvitations stores invitations and the mails that carry them
	// in one transaction: all or none. It returns ErrConflict if any address
	// already has a pending (unaccepted, unexpired at its CreatedAt)
	// invitation to the same org.
	CreateInvitations(ctx context.Context, invs []*Invitation, mails []*Mail) error
	// FindInvitation returns ErrNotFound unless id is an invitation of orgID.
	FindInvitation(ctx context.Context, orgID, id string) (*Invitation, error)
	// FindInvitationByToken returns ErrNotFound if there is no such token.
	FindInvitationByToken(ctx context.Context, tokenHash string) (*Invitation, error)
	// FindInvitations returns the org's invitations, newest first.
	FindInvitations(ctx context.Context, orgID string, limit int) ([]*Invitation, error)
	// AcceptInvitation marks the invitation accepted by the account, ends
	// any current employment the account has elsewhere, starts employment in
	// the invitation's org and department and grants its role, in one
	// transaction. It returns ErrNotFound if the invitation is unknown,
	// accepted or expired at now.
	AcceptInvitation(ctx context.Context, tokenHash, accountID string, now time.Time) error
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
