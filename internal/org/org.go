// Package org runs organisations (tenants): their department trees and
// the invitations through which HR brings employees onto the platform.
// Every method takes the acting account; an HR admin reaches only their own
// org, and anything of another org answers "not found".
package org

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"tsunagari"
	"tsunagari/internal/audit"
	"tsunagari/internal/disclosure"
	"tsunagari/internal/i18n"
)

// InvitationLifetime is how long an emailed invitation stays valid.
const InvitationLifetime = 14 * 24 * time.Hour

// Service implements org administration.
type Service struct {
	Store    tsunagari.OrgStore
	Accounts tsunagari.AccountStore
	Catalog  *i18n.Catalog
	BaseURL  string
	Now      func() time.Time
	// Audit records orgs and departments created and invitations sent
	// and accepted.
	Audit *audit.Service
}

// record writes one audit event of a successful change.
func (s *Service) record(ctx context.Context, actor *tsunagari.Account, action, targetType, targetID, orgID, detail string) error {
	return s.Audit.Record(ctx, &tsunagari.AuditEvent{ActorID: actor.ID, Action: action, Outcome: tsunagari.OutcomeSuccess,
		TargetType: targetType, TargetID: targetID, OrgID: orgID, Detail: detail})
}

func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Second) }

var (
	errSignIn   = tsunagari.NewError(tsunagari.CodeUnauthorized, "auth.sign_in_required")
	errNotFound = tsunagari.NewError(tsunagari.CodeNotFound, "error.not_found")
)

// hrOrg returns the org actor administers, or an error that reveals
// nothing about orgID when actor may not administer it.
func (s *Service) hrOrg(ctx context.Context, actor *tsunagari.Account, orgID string) (*tsunagari.Org, error) {
	if actor == nil {
		return nil, errSignIn
	}
	if !actor.Has(tsunagari.RoleHRAdmin) || actor.OrgID() == "" || (orgID != "" && orgID != actor.OrgID()) {
		return nil, errNotFound
	}
	return s.Store.FindOrgByID(ctx, actor.OrgID())
}

// Org returns the org actor administers (HR) or any org (operator).
func (s *Service) Org(ctx context.Context, actor *tsunagari.Account, id string) (*tsunagari.Org, error) {
	if actor.Has(tsunagari.RoleOperator) {
		return s.Store.FindOrgByID(ctx, id)
	}
	return s.hrOrg(ctx, actor, id)
}

// MyOrg returns the org actor administers as HR.
func (s *Service) MyOrg(ctx context.Context, actor *tsunagari.Account) (*tsunagari.Org, error) {
	return s.hrOrg(ctx, actor, "")
}

// Orgs lists every org; operators only.
func (s *Service) Orgs(ctx context.Context, actor *tsunagari.Account) ([]*tsunagari.Org, error) {
	if actor == nil {
		return nil, errSignIn
	}
	if !actor.Has(tsunagari.RoleOperator) {
		return nil, errNotFound
	}
	return s.Store.FindOrgs(ctx)
}

// CreateOrg registers a new employer; operators only. Others are told
// "not found", as for every operator page.
func (s *Service) CreateOrg(ctx context.Context, actor *tsunagari.Account, o *tsunagari.Org) error {
	if actor == nil {
		return errSignIn
	}
	if !actor.Has(tsunagari.RoleOperator) {
		return errNotFound
	}
	o.ID, o.Name = "", strings.TrimSpace(o.Name)
	if o.MinGroupSize == 0 {
		o.MinGroupSize = tsunagari.DefaultMinGroupSize
	}
	if err := o.Validate(); err != nil {
		return err
	}
	o.CreatedAt = s.now()
	if err := s.Store.CreateOrg(ctx, o); err != nil {
		return err
	}
	return s.record(ctx, actor, tsunagari.AuditOrgCreate, "org", o.ID, o.ID, "")
}

// Departments lists the department tree of actor's org in display order:
// each department followed by its children, with depths.
func (s *Service) Departments(ctx context.Context, actor *tsunagari.Account) ([]TreeNode, error) {
	o, err := s.hrOrg(ctx, actor, "")
	if err != nil {
		return nil, err
	}
	list, err := s.Store.FindDepartments(ctx, o.ID)
	if err != nil {
		return nil, err
	}
	return Tree(list), nil
}

// Department returns one department of actor's org with its place in the
// tree. A department of another org is not found.
func (s *Service) Department(ctx context.Context, actor *tsunagari.Account, id string) (*TreeNode, error) {
	o, err := s.hrOrg(ctx, actor, "")
	if err != nil {
		return nil, err
	}
	if !tsunagari.ValidID(id) {
		return nil, errNotFound
	}
	all, err := s.Store.FindDepartments(ctx, o.ID)
	if err != nil {
		return nil, err
	}
	for _, n := range Tree(all) {
		if n.ID == id {
			return &n, nil
		}
	}
	return nil, errNotFound
}

// CreateDepartment adds a department to actor's org.
func (s *Service) CreateDepartment(ctx context.Context, actor *tsunagari.Account, d *tsunagari.Department) error {
	o, err := s.hrOrg(ctx, actor, "")
	if err != nil {
		return err
	}
	d.ID, d.OrgID, d.Name = "", o.ID, strings.TrimSpace(d.Name)
	if err := d.Validate(); err != nil {
		return err
	}
	if d.ParentID != "" {
		all, err := s.Store.FindDepartments(ctx, o.ID)
		if err != nil {
			return err
		}
		depth, ok := depthOf(all, d.ParentID)
		if !ok {
			return tsunagari.Invalid("parentId", "department.parent_unknown")
		}
		if depth+1 >= tsunagari.MaxDepartmentDepth {
			return tsunagari.Invalid("parentId", "department.too_deep", tsunagari.MaxDepartmentDepth)
		}
	}
	d.CreatedAt = s.now()
	switch err := s.Store.CreateDepartment(ctx, d); {
	case errors.Is(err, tsunagari.ErrNotFound):
		return tsunagari.Invalid("parentId", "department.parent_unknown")
	case errors.Is(err, tsunagari.ErrConflict):
		return tsunagari.Invalid("name", "department.name_taken")
	case err != nil:
		return fmt.Errorf("create department: %w", err)
	}
	return s.record(ctx, actor, tsunagari.AuditDepartmentCreate, "department", d.ID, o.ID, "")
}

// TreeNode is a department with its depth in the tree and its full path.
type TreeNode struct {
	*tsunagari.Department
	Depth int
	Path  string // 営業本部 / 東日本営業部
}

// PathSeparator joins department names into a path, in CSV files too.
const PathSeparator = " / "

// Tree orders departments depth-first, children by name.
func Tree(list []*tsunagari.Department) []TreeNode {
	children := make(map[string][]*tsunagari.Department)
	for _, d := range list {
		children[d.ParentID] = append(children[d.ParentID], d)
	}
	var out []TreeNode
	var walk func(parent string, depth int, path string)
	walk = func(parent string, depth int, path string) {
		for _, d := range children[parent] { // FindDepartments orders by name
			p := d.Name
			if path != "" {
				p = path + PathSeparator + d.Name
			}
			out = append(out, TreeNode{Department: d, Depth: depth, Path: p})
			if depth < tsunagari.MaxDepartmentDepth {
				walk(d.ID, depth+1, p)
			}
		}
	}
	walk("", 0, "")
	return out
}

func depthOf(all []*tsunagari.Department, id string) (int, bool) {
	for _, n := range Tree(all) {
		if n.ID == id {
			return n.Depth, true
		}
	}
	return 0, false
}

// Overview is what HR sees of its own org at a glance.
type Overview struct {
	Org         *tsunagari.Org
	Departments int
	// Registered is the number of employees on the platform, released
	// through the disclosure package: rounded, and hidden below k.
	Registered disclosure.Count
}

// Overview summarises actor's org for its HR administrators.
func (s *Service) Overview(ctx context.Context, actor *tsunagari.Account) (*Overview, error) {
	o, err := s.hrOrg(ctx, actor, "")
	if err != nil {
		return nil, err
	}
	depts, err := s.Store.FindDepartments(ctx, o.ID)
	if err != nil {
		return nil, err
	}
	n, err := s.Store.CountEmployees(ctx, o.ID)
	if err != nil {
		return nil, err
	}
	return &Overview{Org: o, Departments: len(depts), Registered: disclosure.ReleaseCount(n, o.MinGroupSize)}, nil
}
