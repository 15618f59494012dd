package tsunagari_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"tsunagari"
)

func validCommunity() *tsunagari.Community {
	return &tsunagari.Community{Kind: tsunagari.CommunityRegionalAlumni, Name: "にいがた県人会 in 東京",
		Purpose: "新潟にゆかりのある人がつながる", Tags: []string{"Uターン"}, Styles: []tsunagari.ActivityStyle{tsunagari.StyleOnlineGroup},
		Prefecture: "13", HomePrefecture: "15", Online: true, Languages: []string{"ja"}, JoinPolicy: tsunagari.JoinOpen,
		Traits: []tsunagari.Trait{tsunagari.TraitFreeExit}}
}

func TestCommunityValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(c *tsunagari.Community)
		field  string // "" for valid
	}{
		{"valid", func(c *tsunagari.Community) {}, ""},
		{"unknown kind", func(c *tsunagari.Community) { c.Kind = "club" }, "kind"},
		{"no name", func(c *tsunagari.Community) { c.Name = "  " }, "name"},
		{"long name", func(c *tsunagari.Community) { c.Name = strings.Repeat("会", tsunagari.MaxCommunityNameLen+1) }, "name"},
		{"name of 80 kanji", func(c *tsunagari.Community) { c.Name = strings.Repeat("会", tsunagari.MaxCommunityNameLen) }, ""},
		{"no purpose", func(c *tsunagari.Community) { c.Purpose = "" }, "purpose"},
		{"control character", func(c *tsunagari.Community) { c.Name = "会\x07" }, "name"},
		{"description with lines", func(c *tsunagari.Community) { c.Description = "一行目\n二行目\tタブ" }, ""},
		{"unknown prefecture", func(c *tsunagari.Community) { c.Prefecture = "48" }, "prefecture"},
		{"online only", func(c *tsunagari.Community) { c.Prefecture = "" }, ""},
		{"nowhere", func(c *tsunagari.Community) { c.Prefecture, c.Online = "", false }, "prefecture"},
		{"regional without home", func(c *tsunagari.Community) { c.HomePrefecture = "" }, "homePrefecture"},
		{"unknown home", func(c *tsunagari.Community) { c.HomePrefecture = "00" }, "homePrefecture"},
		{"home on another kind", func(c *tsunagari.Community) { c.Kind = tsunagari.CommunityUnion }, "homePrefecture"},
		{"org on another kind", func(c *tsunagari.Community) { c.OrgID = tsunagari.NewID() }, "orgId"},
		{"negative fee", func(c *tsunagari.Community) { c.MonthlyFee = -1 }, "monthlyFee"},
		{"free", func(c *tsunagari.Community) { c.MonthlyFee = 0 }, ""},
		{"too many hours", func(c *tsunagari.Community) { c.HoursPerMonth = tsunagari.MaxHoursPerMonth + 1 }, "hoursPerMonth"},
		{"unknown style", func(c *tsunagari.Community) { c.Styles = []tsunagari.ActivityStyle{"parties"} }, "styles"},
		{"repeated trait", func(c *tsunagari.Community) {
			c.Traits = []tsunagari.Trait{tsunagari.TraitFreeExit, tsunagari.TraitFreeExit}
		}, "traits"},
		{"unknown trait", func(c *tsunagari.Community) { c.Traits = []tsunagari.Trait{"loyalty"} }, "traits"},
		{"bad language", func(c *tsunagari.Community) { c.Languages = []string{"japanese"} }, "languages"},
		{"too many tags", func(c *tsunagari.Community) { c.Tags = strings.Split("a b c d e f g h i j k", " ") }, "tags"},
		{"long tag", func(c *tsunagari.Community) { c.Tags = []string{strings.Repeat("タ", tsunagari.MaxTagLen+1)} }, "tags"},
		{"unknown job family", func(c *tsunagari.Community) { c.JobFamily = "wizard" }, "jobFamily"},
		{"no join policy", func(c *tsunagari.Community) { c.JoinPolicy = "" }, "joinPolicy"},
	}
	for _, tt := range tests {
		c := validCommunity()
		tt.change(c)
		err := c.Validate()
		var e *tsunagari.Error
		switch {
		case tt.field == "" && err != nil:
			t.Errorf("%s: Validate() = %v; want nil", tt.name, err)
		case tt.field != "" && (!errors.As(err, &e) || e.Code != tsunagari.CodeInvalid || e.Details[0].Field != tt.field):
			t.Errorf("%s: Validate() = %v; want invalid %s", tt.name, err, tt.field)
		}
	}
}

func TestCommunityClean(t *testing.T) {
	c := &tsunagari.Community{Name: " 会 ", Tags: []string{" #介護 ", "", "介護", "ケア"}, Languages: []string{"JA", "ja", " en"}}
	c.Clean()
	if c.Name != "会" || strings.Join(c.Tags, ",") != "介護,ケア" || strings.Join(c.Languages, ",") != "ja,en" {
		t.Errorf("Clean() = %q %q %q", c.Name, c.Tags, c.Languages)
	}
}

func TestMayRate(t *testing.T) {
	joined := time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)
	m := &tsunagari.Membership{Status: tsunagari.MembershipActive, JoinedAt: joined}
	for _, tt := range []struct {
		now  time.Time
		want bool
	}{
		{joined.AddDate(0, 0, 29), false},
		{joined.AddDate(0, 0, 30).Add(-time.Second), false},
		{joined.AddDate(0, 0, 30), true},
	} {
		if got := m.MayRate(tt.now); got != tt.want {
			t.Errorf("MayRate(%v) for a member since %v = %v; want %v", tt.now, joined, got, tt.want)
		}
	}
	pending := &tsunagari.Membership{Status: tsunagari.MembershipPending}
	if pending.MayRate(joined.AddDate(1, 0, 0)) {
		t.Error("a pending member may rate")
	}
}

func TestTraitRatingValidate(t *testing.T) {
	for _, tt := range []struct {
		scores map[tsunagari.Trait]int
		ok     bool
	}{
		{map[tsunagari.Trait]int{tsunagari.TraitFreeExit: 5}, true},
		{map[tsunagari.Trait]int{}, false},
		{map[tsunagari.Trait]int{tsunagari.TraitFreeExit: 6}, false},
		{map[tsunagari.Trait]int{tsunagari.TraitFreeExit: 0}, false},
		{map[tsunagari.Trait]int{"loyalty": 3}, false},
	} {
		r := &tsunagari.TraitRating{Scores: tt.scores}
		if err := r.Validate(); (err == nil) != tt.ok {
			t.Errorf("Validate(%v) = %v; want ok %v", tt.scores, err, tt.ok)
		}
	}
}

func TestMeanScore(t *testing.T) {
	if got := tsunagari.MeanScore(11, 3); got != 3.7 {
		t.Errorf("MeanScore(11, 3) = %v; want 3.7", got)
	}
	if got := tsunagari.MeanScore(0, 0); got != 0 {
		t.Errorf("MeanScore(0, 0) = %v; want 0", got)
	}
}
