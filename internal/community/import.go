package community

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"tsunagari"
)

// Limits of an import file.
const (
	MaxImportLines   = 10_000
	MaxImportLineLen = 64 << 10
)

// ImportLine is one line of an import file: a JSON object describing one
// community. Prefectures may be given by code ("15") or name ("新潟県",
// "新潟", "Niigata"). Organisers are the email addresses of existing
// accounts: the first becomes the organiser, the others co-organisers.
// Unknown fields are errors, so that a misspelt field is not silently
// lost.
type ImportLine struct {
	Kind           string   `json:"kind"`
	Name           string   `json:"name"`
	Purpose        string   `json:"purpose"`
	Description    string   `json:"description"`
	Tags           []string `json:"tags"`
	Styles         []string `json:"styles"`
	Prefecture     string   `json:"prefecture"`
	Online         bool     `json:"online"`
	HomePrefecture string   `json:"homePrefecture"`
	OrgID          string   `json:"orgId"`
	JobFamily      string   `json:"jobFamily"`
	Industry       string   `json:"industry"`
	MonthlyFee     int      `json:"monthlyFee"`
	HoursPerMonth  int      `json:"hoursPerMonth"`
	Languages      []string `json:"languages"`
	JoinPolicy     string   `json:"joinPolicy"`
	Traits         []string `json:"traits"`
	Organisers     []string `json:"organisers"`
}

// Imported is a line that parsed: the community it describes and the
// addresses of its organisers.
type Imported struct {
	Line       int
	Community  *tsunagari.Community
	Organisers []string
}

// ParseImport reads an import file: one JSON object per line, blank lines
// ignored. It checks every line on its own (syntax, known fields and
// values, each community's validity) and reports every bad line at once,
// as a CodeInvalid error with one Detail per problem, whose Line is the
// line number from 1.
func ParseImport(r io.Reader) ([]Imported, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), MaxImportLineLen)
	var (
		out     []Imported
		details []tsunagari.Detail
	)
	add := func(line int, field, key string, args ...any) {
		details = append(details, tsunagari.Detail{Line: line, Field: field, Key: key, Args: args})
	}
	n := 0
	for sc.Scan() {
		n++
		raw := bytes.TrimSpace(sc.Bytes())
		if n == 1 {
			raw = bytes.TrimPrefix(raw, []byte("\uFEFF")) // a byte-order mark from a spreadsheet
		}
		if len(raw) == 0 {
			continue
		}
		if len(out)+countLines(details) >= MaxImportLines {
			add(n, "", "community.import_too_many", MaxImportLines)
			break
		}
		item, field, key, args := parseLine(raw)
		if key != "" {
			add(n, field, key, args...)
			continue
		}
		item.Line = n
		out = append(out, item)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			add(n+1, "", "community.import_line_too_long", MaxImportLineLen/1024)
		} else {
			return nil, err
		}
	}
	if len(details) > 0 {
		return nil, importError(details)
	}
	if len(out) == 0 {
		return nil, tsunagari.NewError(tsunagari.CodeInvalid, "community.import_empty")
	}
	return out, nil
}

func countLines(details []tsunagari.Detail) int {
	lines := map[int]bool{}
	for _, d := range details {
		lines[d.Line] = true
	}
	return len(lines)
}

func importError(details []tsunagari.Detail) error {
	return &tsunagari.Error{Code: tsunagari.CodeInvalid, Key: "community.import_invalid",
		Args: []any{countLines(details)}, Details: details}
}

// parseLine reads one non-blank line, or returns the field, message key
// and arguments of what is wrong with it.
func parseLine(raw []byte) (Imported, string, string, []any) {
	var in ImportLine
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		var typeErr *json.UnmarshalTypeError
		switch {
		case errors.As(err, &typeErr):
			return Imported{}, typeErr.Field, "community.import_wrong_type", []any{typeErr.Field}
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			return Imported{}, field, "community.import_unknown_field", []any{field}
		}
		return Imported{}, "", "community.import_bad_json", nil
	}
	if _, err := dec.Token(); err != io.EOF {
		return Imported{}, "", "community.import_bad_json", nil
	}
	c := &tsunagari.Community{
		Kind: tsunagari.CommunityKind(in.Kind), Name: in.Name, Purpose: in.Purpose, Description: in.Description,
		Tags: in.Tags, Online: in.Online, OrgID: in.OrgID, JobFamily: in.JobFamily, Industry: in.Industry,
		MonthlyFee: in.MonthlyFee, HoursPerMonth: in.HoursPerMonth, Languages: in.Languages,
		JoinPolicy: tsunagari.JoinPolicy(in.JoinPolicy), Styles: []tsunagari.ActivityStyle{}, Traits: []tsunagari.Trait{},
	}
	if c.JoinPolicy == "" {
		c.JoinPolicy = tsunagari.JoinOpen
	}
	if len(in.Languages) == 0 {
		c.Languages = []string{"ja"}
	}
	for _, s := range in.Styles {
		c.Styles = append(c.Styles, tsunagari.ActivityStyle(s))
	}
	for _, t := range in.Traits {
		c.Traits = append(c.Traits, tsunagari.Trait(t))
	}
	var ok bool
	if c.Prefecture, ok = PrefectureCode(in.Prefecture); !ok {
		return Imported{}, "prefecture", "community.prefecture_unknown", []any{in.Prefecture}
	}
	if c.HomePrefecture, ok = PrefectureCode(in.HomePrefecture); !ok {
		return Imported{}, "homePrefecture", "community.prefecture_unknown", []any{in.HomePrefecture}
	}
	if !c.Kind.Valid() {
		return Imported{}, "kind", "community.kind_unknown", []any{in.Kind}
	}
	c.Clean()
	if err := c.Validate(); err != nil {
		var e *tsunagari.Error
		if errors.As(err, &e) && len(e.Details) > 0 {
			return Imported{}, e.Details[0].Field, e.Key, e.Args
		}
		return Imported{}, "", "community.import_bad_json", nil
	}
	var organisers []string
	for _, email := range in.Organisers {
		email = tsunagari.NormalizeEmail(email)
		if err := tsunagari.ValidateEmail("organisers", email); err != nil {
			return Imported{}, "organisers", "community.organiser_email_invalid", []any{email}
		}
		organisers = append(organisers, email)
	}
	return Imported{Community: c, Organisers: organisers}, "", "", nil
}

// PrefectureCode reads a prefecture given by code or name, in Japanese
// (with or without 都, 府 or 県) or English. "" stays "".
func PrefectureCode(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", true
	}
	for _, p := range tsunagari.Prefectures {
		short := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(p.Name, "県"), "府"), "都")
		if p.Name == "北海道" {
			short = p.Name
		}
		if s == p.Code || s == p.Name || s == short || strings.EqualFold(s, p.En) {
			return p.Code, true
		}
	}
	return "", false
}

// Import checks an import file as a whole and stores its communities only
// if every line is good: all or none. Operators only. It returns how many
// communities it imported.
func (s *Service) Import(ctx context.Context, actor *tsunagari.Account, r io.Reader) (int, error) {
	if err := operator(actor); err != nil {
		return 0, err
	}
	items, err := ParseImport(r)
	if err != nil {
		return 0, err
	}
	var details []tsunagari.Detail
	add := func(line int, field, key string, args ...any) {
		details = append(details, tsunagari.Detail{Line: line, Field: field, Key: key, Args: args})
	}
	seen := map[string]int{}
	accounts := map[string]*tsunagari.Account{}
	now := s.now()
	var cs []*tsunagari.Community
	for _, it := range items {
		c := it.Community
		key := string(c.Kind) + "\x00" + c.Name
		if first, dup := seen[key]; dup {
			add(it.Line, "name", "community.import_duplicate", first)
			continue
		}
		seen[key] = it.Line
		if c.OrgID != "" {
			if _, err := s.Orgs.FindOrgByID(ctx, c.OrgID); errors.Is(err, tsunagari.ErrNotFound) {
				add(it.Line, "orgId", "community.org_unknown")
				continue
			} else if err != nil {
				return 0, err
			}
		}
		c.Organisers = nil
		bad := false
		for i, email := range it.Organisers {
			a, ok := accounts[email]
			if !ok {
				a, err = s.Accounts.FindAccountByEmail(ctx, email)
				if errors.Is(err, tsunagari.ErrNotFound) {
					a = nil
				} else if err != nil {
					return 0, err
				}
				accounts[email] = a
			}
			if a == nil {
				add(it.Line, "organisers", "community.organiser_unknown", email)
				bad = true
				break
			}
			role := tsunagari.CommunityCoOrganiser
			if i == 0 {
				role = tsunagari.CommunityOrganiser
			}
			if !containsAccount(c.Organisers, a.ID) {
				c.Organisers = append(c.Organisers, tsunagari.Organiser{AccountID: a.ID, Name: a.Name, Role: role})
			}
		}
		if bad {
			continue
		}
		c.CreatedAt = now
		cs = append(cs, c)
	}
	if len(details) > 0 {
		return 0, importError(details)
	}
	if err := s.Store.ImportCommunities(ctx, cs); err != nil {
		return 0, fmt.Errorf("import communities: %w", err)
	}
	err = s.Audit.Record(ctx, &tsunagari.AuditEvent{ActorID: actor.ID, Action: tsunagari.AuditCommunityImport,
		Outcome: tsunagari.OutcomeSuccess, TargetType: "community", Detail: fmt.Sprintf("n=%d", len(cs))})
	return len(cs), err
}

func containsAccount(list []tsunagari.Organiser, id string) bool {
	for _, o := range list {
		if o.AccountID == id {
			return true
		}
	}
	return false
}
