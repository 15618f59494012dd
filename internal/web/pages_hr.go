package web

import (
	"errors"
	"io"
	"net/http"
	"net/url"

	"tsunagari"
	"tsunagari/internal/org"
)

type departmentsPage struct {
	Org  *tsunagari.Org
	Tree []org.TreeNode
	Form *form
}

func (s *Server) departmentsPage(w http.ResponseWriter, r *http.Request, a *tsunagari.Account, status int, f *form) error {
	o, err := s.Orgs.MyOrg(r.Context(), a)
	if err != nil {
		return err
	}
	tree, err := s.Orgs.Departments(r.Context(), a)
	if err != nil {
		return err
	}
	if f == nil {
		f = &form{Values: url.Values{}}
	}
	return s.render(w, r, a, status, "departments", "departments.title", departmentsPage{Org: o, Tree: tree, Form: f})
}

func (s *Server) departments(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	return s.departmentsPage(w, r, a, http.StatusOK, nil)
}

func (s *Server) createDepartment(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	d := &tsunagari.Department{Name: r.PostForm.Get("name"), ParentID: r.PostForm.Get("parentId")}
	if err := s.Orgs.CreateDepartment(r.Context(), a, d); err != nil {
		f, status, err := s.formError(r, a, err)
		if err != nil {
			return err
		}
		return s.departmentsPage(w, r, a, status, f)
	}
	return s.redirect(w, r, "/hr/departments", "flash.department_created")
}

type departmentPage struct {
	Department *org.TreeNode
	Children   []org.TreeNode
}

func (s *Server) department(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	d, err := s.Orgs.Department(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	tree, err := s.Orgs.Departments(r.Context(), a)
	if err != nil {
		return err
	}
	p := departmentPage{Department: d}
	for _, n := range tree {
		if n.ParentID == d.ID {
			p.Children = append(p.Children, n)
		}
	}
	return s.render(w, r, a, http.StatusOK, "department", "department.title", p)
}

type invitationsPage struct {
	Org         *tsunagari.Org
	Invitations []*tsunagari.Invitation
	Tree        []org.TreeNode
	Form        *form
	CSV         *form
	Sent        int
}

func (s *Server) invitationsPage(w http.ResponseWriter, r *http.Request, a *tsunagari.Account, status int, p invitationsPage) error {
	o, err := s.Orgs.MyOrg(r.Context(), a)
	if err != nil {
		return err
	}
	invs, err := s.Orgs.Invitations(r.Context(), a, 200)
	if err != nil {
		return err
	}
	tree, err := s.Orgs.Departments(r.Context(), a)
	if err != nil {
		return err
	}
	p.Org, p.Invitations, p.Tree = o, invs, tree
	if p.Form == nil {
		p.Form = &form{Values: url.Values{}}
	}
	if p.CSV == nil {
		p.CSV = &form{Values: url.Values{}}
	}
	return s.render(w, r, a, status, "invitations", "invitations.title", p)
}

func (s *Server) invitations(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	return s.invitationsPage(w, r, a, http.StatusOK, invitationsPage{})
}

func (s *Server) invite(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	in := org.Invite{Email: r.PostForm.Get("email"), DepartmentID: r.PostForm.Get("departmentId"),
		Role: tsunagari.Role(r.PostForm.Get("role"))}
	if _, err := s.Orgs.Invite(r.Context(), a, []org.Invite{in}); err != nil {
		f, status, err := s.formError(r, a, err)
		if err != nil {
			return err
		}
		return s.invitationsPage(w, r, a, status, invitationsPage{Form: f})
	}
	return s.redirect(w, r, "/hr/invitations", "flash.invitation_sent")
}

// inviteCSV invites everyone in an uploaded CSV file, or nobody: every bad
// line is listed with its number and nothing is stored until all are good.
func (s *Server) inviteCSV(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxUploadBytes)
	data, err := readUpload(r, "file", org.MaxCSVBytes)
	if err == nil {
		var sent []*tsunagari.Invitation
		if sent, err = s.Orgs.InviteCSV(r.Context(), a, data); err == nil {
			return s.invitationsPage(w, r, a, http.StatusCreated, invitationsPage{Sent: len(sent)})
		}
	}
	f, status, err := s.formError(r, a, err)
	if err != nil {
		return err
	}
	return s.invitationsPage(w, r, a, status, invitationsPage{CSV: f})
}

// readUpload reads an uploaded file of at most limit bytes; one byte more
// is read so the caller can tell that it was too large.
func readUpload(r *http.Request, field string, limit int) ([]byte, error) {
	file, _, err := r.FormFile(field)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, err
		}
		return nil, tsunagari.Invalid(field, "invite.csv_missing")
	}
	defer file.Close()
	return io.ReadAll(io.LimitReader(file, int64(limit)+1))
}

func (s *Server) invitationDetail(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	inv, err := s.Orgs.Invitation(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	return s.render(w, r, a, http.StatusOK, "invitation_detail", "invitations.title", inv)
}
