package web

import (
	"net/http"
	"time"

	"tsunagari"
	"tsunagari/internal/auth"
	"tsunagari/internal/org"
)

// The wire types of /api/v1. Types that carry personal data are spelled
// out here, so a field added to a domain type never leaks by accident.

type meJSON struct {
	ID             string           `json:"id"`
	Email          string           `json:"email"`
	Name           string           `json:"name"`
	Roles          []tsunagari.Role `json:"roles"`
	Locale         string           `json:"locale"`
	TimeZone       string           `json:"timeZone"`
	JobFamily      string           `json:"jobFamily"`
	Industry       string           `json:"industry"`
	Prefecture     string           `json:"prefecture"`
	HomePrefecture string           `json:"homePrefecture"`
	AgeBand        string           `json:"ageBand"`
	OrgID          string           `json:"orgId,omitempty"`
	DepartmentID   string           `json:"departmentId,omitempty"`
	CreatedAt      time.Time        `json:"createdAt"`
}

func meOf(a *tsunagari.Account) meJSON {
	m := meJSON{ID: a.ID, Email: a.Email, Name: a.Name, Roles: a.Roles, Locale: a.Locale, TimeZone: a.TimeZone,
		JobFamily: a.JobFamily, Industry: a.Industry, Prefecture: a.Prefecture, HomePrefecture: a.HomePrefecture,
		AgeBand: a.AgeBand, CreatedAt: a.CreatedAt}
	if e := a.Employment; e != nil {
		m.OrgID, m.DepartmentID = e.OrgID, e.DepartmentID
	}
	return m
}

type orgJSON struct {
	ID                string             `json:"id"`
	Name              string             `json:"name"`
	Industry          string             `json:"industry"`
	DeclaredEmployees int                `json:"declaredEmployees"`
	SizeBand          tsunagari.SizeBand `json:"sizeBand"`
	MinGroupSize      int                `json:"minGroupSize"`
	CreatedAt         time.Time          `json:"createdAt"`
}

func orgOf(o *tsunagari.Org) orgJSON {
	return orgJSON{ID: o.ID, Name: o.Name, Industry: o.Industry, DeclaredEmployees: o.DeclaredEmployees,
		SizeBand: o.SizeBand(), MinGroupSize: o.MinGroupSize, CreatedAt: o.CreatedAt}
}

type departmentJSON struct {
	ID        string    `json:"id"`
	ParentID  string    `json:"parentId,omitempty"`
	Name      string    `json:"name"`
	Path      string    `json:"path,omitempty"`
	Depth     int       `json:"depth"`
	CreatedAt time.Time `json:"createdAt"`
}

func departmentOf(n org.TreeNode) departmentJSON {
	return departmentJSON{ID: n.ID, ParentID: n.ParentID, Name: n.Name, Path: n.Path, Depth: n.Depth, CreatedAt: n.CreatedAt}
}

type invitationJSON struct {
	ID           string         `json:"id"`
	Email        string         `json:"email"`
	DepartmentID string         `json:"departmentId,omitempty"`
	Role         tsunagari.Role `json:"role"`
	CreatedAt    time.Time      `json:"createdAt"`
	ExpiresAt    time.Time      `json:"expiresAt"`
}

func invitationOf(inv *tsunagari.Invitation) invitationJSON {
	return invitationJSON{ID: inv.ID, Email: inv.Email, DepartmentID: inv.DepartmentID, Role: inv.Role,
		CreatedAt: inv.CreatedAt, ExpiresAt: inv.ExpiresAt}
}

func requireAccount(a *tsunagari.Account) error {
	if a == nil {
		return tsunagari.NewError(tsunagari.CodeUnauthorized, "auth.sign_in_required")
	}
	return nil
}

func (s *Server) apiOpenAPI(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(s.openapi)
	return nil
}

type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	// Code is the one-time or recovery code of an account with two-step
	// sign-in, given with the password.
	Code string `json:"code,omitempty"`
}

// apiLogin signs in and sets the session cookie, for browser scripts and
// API clients that keep cookies; scripts can also use personal tokens.
func (s *Server) apiLogin(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	var in loginRequest
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	res, err := s.Auth.SignIn(r.Context(), in.Email, in.Password, client(r))
	if err != nil {
		return err
	}
	token, acc := res.Token, res.Account
	if res.MFAPending {
		if in.Code == "" {
			_ = s.Auth.AbandonSignIn(r.Context(), res.Token)
			return tsunagari.NewError(tsunagari.CodeUnauthorized, "auth.mfa_code_required")
		}
		step, err := s.Auth.CompleteSignIn(r.Context(), res.Token, in.Code, client(r))
		if err != nil {
			_ = s.Auth.AbandonSignIn(r.Context(), res.Token)
			return err
		}
		token = step.Token
	}
	if old := s.sessionToken(r); old != "" {
		_ = s.Auth.SignOut(r.Context(), old)
	}
	s.setSessionCookie(w, token, acc)
	return writeJSON(w, http.StatusOK, meOf(acc))
}

func (s *Server) apiLogout(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if token := s.sessionToken(r); token != "" {
		if err := s.Auth.SignOut(r.Context(), token); err != nil {
			return err
		}
	}
	s.clearSessionCookie(w)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type signUpRequest struct {
	Email    string `json:"email"`
	Name     string `json:"name"`
	Password string `json:"password"`
	Locale   string `json:"locale"`
}

func (s *Server) apiSignUp(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	var in signUpRequest
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	token, acc, err := s.Auth.SignUp(r.Context(), auth.SignUp(in), client(r))
	if err != nil {
		return err
	}
	s.setSessionCookie(w, token, acc)
	return writeJSON(w, http.StatusCreated, meOf(acc))
}

func (s *Server) apiRequestReset(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	var in struct {
		Email string `json:"email"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if err := s.Auth.RequestPasswordReset(r.Context(), in.Email, lang(r, a), client(r)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusAccepted)
	return nil
}

func (s *Server) apiReset(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	var in struct {
		Token    string `json:"token"`
		Password string `json:"password"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if err := s.Auth.ResetPassword(r.Context(), in.Token, in.Password); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) apiMe(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := requireAccount(a); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, meOf(a))
}

type meUpdate struct {
	Name           *string `json:"name"`
	Locale         *string `json:"locale"`
	TimeZone       *string `json:"timeZone"`
	JobFamily      *string `json:"jobFamily"`
	Industry       *string `json:"industry"`
	Prefecture     *string `json:"prefecture"`
	HomePrefecture *string `json:"homePrefecture"`
	AgeBand        *string `json:"ageBand"`
}

func (s *Server) apiUpdateMe(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := requireAccount(a); err != nil {
		return err
	}
	var in meUpdate
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	acc, err := s.Auth.UpdateSettings(r.Context(), a, tsunagari.AccountUpdate(in))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, meOf(acc))
}

func (s *Server) apiChangePassword(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := requireAccount(a); err != nil {
		return err
	}
	var in struct {
		CurrentPassword string `json:"currentPassword"`
		NewPassword     string `json:"newPassword"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	// A browser keeps a fresh session; a script with a token signs in again.
	browser := s.sessionToken(r) != ""
	token, err := s.Auth.ChangePassword(r.Context(), a, in.CurrentPassword, in.NewPassword, client(r), browser)
	if err != nil {
		return err
	}
	if browser {
		s.setSessionCookie(w, token, a)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type tokenJSON struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	CreatedAt  time.Time  `json:"createdAt"`
	LastUsedAt *time.Time `json:"lastUsedAt,omitempty"`
	ExpiresAt  time.Time  `json:"expiresAt"`
	// Token is set only in the answer that creates it.
	Token string `json:"token,omitempty"`
}

func tokenOf(t *tsunagari.APIToken) tokenJSON {
	return tokenJSON{ID: t.ID, Name: t.Name, CreatedAt: t.CreatedAt, LastUsedAt: t.LastUsedAt, ExpiresAt: t.ExpiresAt}
}

func (s *Server) apiTokens(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	list, err := s.Auth.APITokens(r.Context(), a)
	if err != nil {
		return err
	}
	out := make([]tokenJSON, len(list))
	for i, t := range list {
		out[i] = tokenOf(t)
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiCreateToken(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := requireAccount(a); err != nil {
		return err
	}
	var in struct {
		Name string `json:"name"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	token, t, err := s.Auth.CreateAPIToken(r.Context(), a, in.Name)
	if err != nil {
		return err
	}
	out := tokenOf(t)
	out.Token = token
	return writeJSON(w, http.StatusCreated, out)
}

func (s *Server) apiDeleteToken(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := s.Auth.RevokeAPIToken(r.Context(), a, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) apiMyOrg(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	ov, err := s.Orgs.Overview(r.Context(), a)
	if err != nil {
		return err
	}
	out := struct {
		orgJSON
		Departments int  `json:"departments"`
		Registered  *int `json:"registeredEmployees"` // null when below the minimum group size
	}{orgJSON: orgOf(ov.Org), Departments: ov.Departments}
	if ov.Registered.Shown {
		out.Registered = &ov.Registered.Value
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiDepartments(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	tree, err := s.Orgs.Departments(r.Context(), a)
	if err != nil {
		return err
	}
	out := make([]departmentJSON, len(tree))
	for i, n := range tree {
		out[i] = departmentOf(n)
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiDepartment(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	n, err := s.Orgs.Department(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, departmentOf(*n))
}

func (s *Server) apiCreateDepartment(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := requireAccount(a); err != nil {
		return err
	}
	var in struct {
		Name     string `json:"name"`
		ParentID string `json:"parentId"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	d := &tsunagari.Department{Name: in.Name, ParentID: in.ParentID}
	if err := s.Orgs.CreateDepartment(r.Context(), a, d); err != nil {
		return err
	}
	n, err := s.Orgs.Department(r.Context(), a, d.ID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, departmentOf(*n))
}

func (s *Server) apiInvitations(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	list, err := s.Orgs.Invitations(r.Context(), a, 1000)
	if err != nil {
		return err
	}
	out := make([]invitationJSON, len(list))
	for i, inv := range list {
		out[i] = invitationOf(inv)
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiInvitation(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	inv, err := s.Orgs.Invitation(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, invitationOf(inv))
}

// apiInvite invites a list of people; like the CSV upload, all or none.
func (s *Server) apiInvite(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := requireAccount(a); err != nil {
		return err
	}
	var in struct {
		Invitations []org.Invite `json:"invitations"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	invs, err := s.Orgs.Invite(r.Context(), a, in.Invitations)
	if err != nil {
		return err
	}
	out := make([]invitationJSON, len(invs))
	for i, inv := range invs {
		out[i] = invitationOf(inv)
	}
	return writeJSON(w, http.StatusCreated, out)
}

func (s *Server) apiAcceptInvitation(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := s.Orgs.AcceptInvitation(r.Context(), a, r.PathValue("token")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) apiOrgs(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	list, err := s.Orgs.Orgs(r.Context(), a)
	if err != nil {
		return err
	}
	out := make([]orgJSON, len(list))
	for i, o := range list {
		out[i] = orgOf(o)
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiOrg(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := requireAccount(a); err != nil {
		return err
	}
	if !tsunagari.ValidID(r.PathValue("id")) {
		return tsunagari.NewError(tsunagari.CodeNotFound, "error.not_found")
	}
	o, err := s.Orgs.Org(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, orgOf(o))
}

func (s *Server) apiCreateOrg(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := requireAccount(a); err != nil {
		return err
	}
	var in struct {
		Name              string `json:"name"`
		Industry          string `json:"industry"`
		DeclaredEmployees int    `json:"declaredEmployees"`
		MinGroupSize      int    `json:"minGroupSize"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	o := &tsunagari.Org{Name: in.Name, Industry: in.Industry, DeclaredEmployees: in.DeclaredEmployees, MinGroupSize: in.MinGroupSize}
	if err := s.Orgs.CreateOrg(r.Context(), a, o); err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, orgOf(o))
}

func (s *Server) apiOutbox(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	list, err := s.Mail.Mail(r.Context(), a, tsunagari.MailFilter{To: tsunagari.NormalizeEmail(r.URL.Query().Get("to"))})
	if err != nil {
		return err
	}
	if list == nil {
		list = []*tsunagari.Mail{} // an empty list, never null
	}
	return writeJSON(w, http.StatusOK, list)
}
