package i18n_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"tsunagari"
	"tsunagari/internal/disclosure"
	"tsunagari/internal/i18n"
)

func TestCataloguesAgree(t *testing.T) {
	c, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	ja, en := c.Keys("ja"), c.Keys("en")
	if strings.Join(ja, "\n") != strings.Join(en, "\n") {
		t.Errorf("ja.json has %d keys and en.json %d; they must have the same keys", len(ja), len(en))
	}
	verbs := regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z%]`)
	for _, k := range ja {
		a, b := verbs.FindAllString(c.Printer("ja").T(k), -1), verbs.FindAllString(c.Printer("en").T(k), -1)
		if strings.Join(a, " ") != strings.Join(b, " ") {
			t.Errorf("%s: ja has verbs %v, en has %v", k, a, b)
		}
	}
}

// TestEveryKeyExists finds the message keys written in Go code and in
// templates and checks that both catalogues have them, and that every
// vocabulary value has a label.
func TestEveryKeyExists(t *testing.T) {
	c, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	goKey := regexp.MustCompile(`(?:NewError\([^,]+, |Invalid\("[^"]*", |\.T\(|Key: |setFlash\(w, |redirect\(w, r, "[^"]*", |render\(w, r, [a-z]+, [^,]+, "[a-z_]+", )"([a-z_]+\.[a-z_.0-9]+)"`)
	tmplKey := regexp.MustCompile(`\.T "([a-z_]+\.[a-z_.0-9]+)"`)
	used := map[string]string{}
	root := filepath.Join("..", "..")
	err = filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(path, "_test.go") {
			return err
		}
		var re *regexp.Regexp
		switch filepath.Ext(path) {
		case ".go":
			re = goKey
		case ".tmpl":
			re = tmplKey
		default:
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			used[m[1]] = path
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(used) < 100 {
		t.Fatalf("found only %d keys in use; the patterns no longer match the code", len(used))
	}
	for _, v := range tsunagari.JobFamilies {
		used["job_family."+v] = "tsunagari.JobFamilies"
	}
	for _, v := range tsunagari.Industries {
		used["industry."+v] = "tsunagari.Industries"
	}
	for _, v := range tsunagari.AgeBands {
		used["age_band."+v] = "tsunagari.AgeBands"
	}
	for _, r := range tsunagari.Roles {
		used["role."+string(r)] = "tsunagari.Roles"
	}
	for _, a := range tsunagari.AuditActions {
		used["audit.action."+a] = "tsunagari.AuditActions"
	}
	for _, o := range []tsunagari.Outcome{tsunagari.OutcomeSuccess, tsunagari.OutcomeFailure, tsunagari.OutcomeDenied} {
		used["audit.outcome."+string(o)] = "tsunagari.Outcome"
	}
	for _, k := range tsunagari.PersonalKinds {
		used["personal.kind."+k] = "tsunagari.PersonalKinds"
	}
	for _, b := range []tsunagari.SizeBand{tsunagari.SizeSmall, tsunagari.SizeMid, tsunagari.SizeLarge} {
		used["size."+string(b)] = "tsunagari.SizeBand"
	}
	for _, k := range tsunagari.CommunityKinds {
		used["community.kind."+string(k)] = "tsunagari.CommunityKinds"
	}
	for _, tr := range tsunagari.Traits {
		used["community.trait."+string(tr)] = "tsunagari.Traits"
		used["community.trait."+string(tr)+".hint"] = "tsunagari.Traits"
	}
	for _, st := range tsunagari.ActivityStyles {
		used["community.style."+string(st)] = "tsunagari.ActivityStyles"
	}
	for _, v := range tsunagari.Involvements {
		used["community.involvement."+string(v)] = "tsunagari.Involvements"
	}
	for _, r := range tsunagari.CommunityRoles {
		used["community.role."+string(r)] = "tsunagari.CommunityRoles"
	}
	for _, p := range []tsunagari.JoinPolicy{tsunagari.JoinOpen, tsunagari.JoinApproval} {
		used["community.join_policy."+string(p)] = "tsunagari.JoinPolicy"
	}
	for _, st := range tsunagari.RSVPStatuses {
		used["rsvp.status."+string(st)] = "tsunagari.RSVPStatuses"
		used["rsvp.mine."+string(st)] = "tsunagari.RSVPStatuses"
	}
	for _, c := range []tsunagari.RSVPChange{tsunagari.ChangePromoted, tsunagari.ChangeApproved, tsunagari.ChangeApprovedQueued,
		tsunagari.ChangeDeclined, tsunagari.ChangeWon, tsunagari.ChangeDrawnQueued, tsunagari.ChangeNotSelected, tsunagari.ChangeCancelled} {
		used["mail.event."+string(c)+".subject"] = "tsunagari.RSVPChange"
		used["mail.event."+string(c)+".body"] = "tsunagari.RSVPChange"
	}
	for _, st := range []tsunagari.ProbonoStatus{tsunagari.ProbonoRecruiting, tsunagari.ProbonoTeamed, tsunagari.ProbonoClosed} {
		used["probono.status."+string(st)] = "tsunagari.ProbonoStatus"
	}
	for _, st := range []tsunagari.ApplicationStatus{tsunagari.ApplicationOpen, tsunagari.ApplicationAccepted, tsunagari.ApplicationNotSelected} {
		used["probono.application."+string(st)] = "tsunagari.ApplicationStatus"
		used["probono.mine."+string(st)] = "tsunagari.ApplicationStatus"
	}
	for _, k := range []string{"accepted", "not_selected", "not_selected_deadline"} {
		used["mail.probono."+k+".subject"] = "probono mail"
		used["mail.probono."+k+".body"] = "probono mail"
	}
	for _, o := range []string{"none", "weekly", "biweekly", "monthly_weekday", "monthly_day", "custom"} {
		used["event.repeat."+o] = "event_new.tmpl"
	}
	for _, o := range []string{"first", "lottery", "approval"} {
		used["event.seats_mode."+o] = "event_new.tmpl"
	}
	for _, v := range tsunagari.TenureBands {
		used["tenure_band."+v] = "tsunagari.TenureBands"
	}
	for _, v := range tsunagari.FunnelStageIDs {
		used["funnel."+v] = "tsunagari.FunnelStageIDs"
	}
	for _, r := range tsunagari.IdeaRoles {
		used["idea.role."+string(r)] = "tsunagari.IdeaRoles"
	}
	for _, k := range tsunagari.ProgrammeKinds {
		used["programme.kind."+string(k)] = "tsunagari.ProgrammeKinds"
	}
	for _, b := range disclosure.Menu() {
		used["orgreport.breakdown."+b.Key()] = "disclosure.Menu"
	}
	for _, d := range disclosure.Dimensions {
		used["orgreport.dim."+string(d)] = "disclosure.Dimensions"
	}
	for key, where := range used {
		for _, lang := range i18n.Languages {
			if !c.Printer(lang).Has(key) {
				t.Errorf("%s uses %q, missing from %s.json", where, key, lang)
			}
		}
	}
}

func TestMatch(t *testing.T) {
	tests := []struct{ header, want string }{
		{"", "ja"},
		{"en-US,en;q=0.9", "en"},
		{"ja,en-US;q=0.8", "ja"},
		{"fr-FR,fr;q=0.9,en;q=0.5", "en"},
		{"fr-FR", "ja"},
		{"en;q=0.4,ja;q=0.6", "ja"},
		{"EN-gb", "en"},
		{"en;q=0", "ja"},
	}
	for _, tt := range tests {
		if got := i18n.Match(tt.header); got != tt.want {
			t.Errorf("Match(%q) = %q, want %q", tt.header, got, tt.want)
		}
	}
}

func TestPrinterFormats(t *testing.T) {
	c, _ := i18n.New()
	ja, en := c.Printer("ja"), c.Printer("en")
	if got := ja.Number(1234567); got != "1,234,567" {
		t.Errorf("ja.Number = %q", got)
	}
	if got := ja.T("no.such.key"); got != "no.such.key" {
		t.Errorf("missing key renders %q, want the key", got)
	}
	if got := c.Printer("fr").Lang; got != "ja" {
		t.Errorf("Printer(fr).Lang = %q, want ja", got)
	}
	if got := en.T("count.about", 170); got != "about 170" {
		t.Errorf("en count.about = %q", got)
	}
}

func TestDateTime(t *testing.T) {
	c, _ := i18n.New()
	at := time.Date(2026, 11, 21, 1, 30, 0, 0, time.UTC) // 10:30 in Tokyo, a Saturday
	if got, want := c.Printer("ja").DateTime(at, tsunagari.Tokyo), "2026年11月21日(土) 10:30"; got != want {
		t.Errorf("ja DateTime = %q, want %q", got, want)
	}
	if got, want := c.Printer("en").DateTime(at, tsunagari.Tokyo), "Sat, 21 Nov 2026 10:30"; got != want {
		t.Errorf("en DateTime = %q, want %q", got, want)
	}
}
