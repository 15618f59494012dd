package storetest

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"tsunagari"
	"tsunagari/internal/search"
)

// community returns a valid community of kind run by organiser.
func community(kind tsunagari.CommunityKind, name string, organiser *tsunagari.Account) *tsunagari.Community {
	c := &tsunagari.Community{Kind: kind, Name: name, Purpose: name + "の目的", Description: "説明",
		Tags: []string{}, Styles: []tsunagari.ActivityStyle{tsunagari.StyleEvents}, Prefecture: "13",
		Languages: []string{"ja"}, JoinPolicy: tsunagari.JoinOpen, Traits: []tsunagari.Trait{}, CreatedAt: t0}
	if kind == tsunagari.CommunityRegionalAlumni {
		c.HomePrefecture = "15"
	}
	if organiser != nil {
		c.Organisers = []tsunagari.Organiser{{AccountID: organiser.ID, Role: tsunagari.CommunityOrganiser}}
	}
	return c
}

func mustCreateCommunity(t *testing.T, s tsunagari.Stores, c *tsunagari.Community) *tsunagari.Community {
	t.Helper()
	if err := s.Communities.CreateCommunity(context.Background(), c); err != nil {
		t.Fatalf("CreateCommunity(%s) error = %v", c.Name, err)
	}
	return c
}

func mustJoin(t *testing.T, s tsunagari.Stores, c *tsunagari.Community, a *tsunagari.Account, status tsunagari.MembershipStatus, at time.Time) {
	t.Helper()
	m := &tsunagari.Membership{CommunityID: c.ID, AccountID: a.ID, Involvement: tsunagari.InvolvementRegular,
		Role: tsunagari.CommunityMember, Status: status, RequestedAt: at}
	if err := s.Communities.CreateMembership(context.Background(), m); err != nil {
		t.Fatalf("CreateMembership(%s, %s) error = %v", c.Name, a.Email, err)
	}
}

func memberCount(t *testing.T, s tsunagari.Stores, id string) int {
	t.Helper()
	c, err := s.Communities.FindCommunityByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return c.MemberCount
}

func testCommunities(t *testing.T, open func(t *testing.T) Backend) {
	ctx := context.Background()

	t.Run("CreateFindUpdate", func(t *testing.T) {
		b := open(t)
		s := b.Stores()
		org := mustCreateOrg(t, s, "みなと精機株式会社")
		lead := mustCreateAccount(t, s, account("lead@example.jp", tsunagari.RoleMember, tsunagari.RoleOrganiser))
		co := mustCreateAccount(t, s, account("co@example.jp"))
		c := community(tsunagari.CommunityCorporateAlumni, "みなと精機アルムナイ", lead)
		c.OrgID, c.Tags, c.Styles = org.ID, []string{"再雇用", "アルムナイ"}, []tsunagari.ActivityStyle{tsunagari.StyleOnlineGroup, tsunagari.StyleEvents}
		c.Prefecture, c.Online, c.MonthlyFee, c.HoursPerMonth = "23", true, 500, 2
		c.Languages, c.JoinPolicy = []string{"ja", "en"}, tsunagari.JoinApproval
		c.Traits = []tsunagari.Trait{tsunagari.TraitMemberRun, tsunagari.TraitFreeExit}
		c.JobFamily, c.Industry = "engineering", "manufacturing"
		c.Organisers = append(c.Organisers, tsunagari.Organiser{AccountID: co.ID, Role: tsunagari.CommunityCoOrganiser})
		mustCreateCommunity(t, s, c)
		if !tsunagari.ValidID(c.ID) || !sameTime(c.UpdatedAt, t0) || c.MemberCount != 2 {
			t.Fatalf("CreateCommunity set ID %q, UpdatedAt %v, MemberCount %d", c.ID, c.UpdatedAt, c.MemberCount)
		}
		got, err := s.Communities.FindCommunityByID(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := *c
		want.Organisers = []tsunagari.Organiser{{AccountID: lead.ID, Name: lead.Name, Role: tsunagari.CommunityOrganiser},
			{AccountID: co.ID, Name: co.Name, Role: tsunagari.CommunityCoOrganiser}}
		if fmt.Sprintf("%+v", *got) != fmt.Sprintf("%+v", want) || !sameTime(got.CreatedAt, t0) {
			t.Errorf("FindCommunityByID =\n%+v\nwant\n%+v", *got, want)
		}

		got.Name, got.Tags, got.Traits, got.OrgID = "みなと精機OB・OG会", []string{}, []tsunagari.Trait{tsunagari.TraitNewcomerSupport}, ""
		got.UpdatedAt = t0.Add(time.Hour)
		if err := s.Communities.UpdateCommunity(ctx, got); err != nil {
			t.Fatal(err)
		}
		again, _ := s.Communities.FindCommunityByID(ctx, c.ID)
		if again.Name != "みなと精機OB・OG会" || len(again.Tags) != 0 || !slices.Equal(again.Traits, got.Traits) || again.OrgID != "" ||
			!sameTime(again.UpdatedAt, t0.Add(time.Hour)) || !sameTime(again.CreatedAt, t0) || again.MemberCount != 2 {
			t.Errorf("after UpdateCommunity = %+v", again)
		}

		_, err = s.Communities.FindCommunityByID(ctx, tsunagari.NewID())
		wantErr(t, "FindCommunityByID(unknown)", err, tsunagari.ErrNotFound)
		missing := community(tsunagari.CommunityUnion, "幽霊", nil)
		missing.ID = tsunagari.NewID()
		wantErr(t, "UpdateCommunity(unknown)", s.Communities.UpdateCommunity(ctx, missing), tsunagari.ErrNotFound)

		fp := fingerprint(t, b)
		bad := community(tsunagari.CommunityCorporateAlumni, "存在しない会社のアルムナイ", lead)
		bad.OrgID = tsunagari.NewID()
		wantErr(t, "CreateCommunity(unknown org)", s.Communities.CreateCommunity(ctx, bad), tsunagari.ErrNotFound)
		wantErr(t, "CreateCommunity(unknown organiser)", s.Communities.CreateCommunity(ctx,
			community(tsunagari.CommunityUnion, "誰もいない組合", &tsunagari.Account{ID: tsunagari.NewID()})), tsunagari.ErrNotFound)
		wantErr(t, "ImportCommunities(one with an unknown org)", s.Communities.ImportCommunities(ctx, []*tsunagari.Community{
			community(tsunagari.CommunityNPO, "よいNPO", lead), bad}), tsunagari.ErrNotFound)
		unchanged(t, b, fp, "rejected community creations")

		if err := s.Communities.ImportCommunities(ctx, []*tsunagari.Community{
			community(tsunagari.CommunityNPO, "よいNPO", lead), community(tsunagari.CommunityWorkerCoop, "よい協同労働", nil)}); err != nil {
			t.Fatalf("ImportCommunities error = %v", err)
		}
		if _, n, err := s.Communities.SearchCommunities(ctx, tsunagari.CommunitySearch{}); err != nil || n != 3 {
			t.Errorf("SearchCommunities after import = %d, %v; want 3", n, err)
		}
	})

	t.Run("Memberships", func(t *testing.T) {
		b := open(t)
		s := b.Stores()
		lead := mustCreateAccount(t, s, account("lead@example.jp"))
		ann := mustCreateAccount(t, s, account("ann@example.jp"))
		ben := mustCreateAccount(t, s, account("ben@example.jp"))
		c := mustCreateCommunity(t, s, community(tsunagari.CommunityOccupational, "介護職の対話カフェ", lead))
		mustJoin(t, s, c, ann, tsunagari.MembershipActive, t0.Add(time.Hour))
		mustJoin(t, s, c, ben, tsunagari.MembershipPending, t0.Add(2*time.Hour))
		if n := memberCount(t, s, c.ID); n != 2 {
			t.Errorf("member count with one pending = %d, want 2", n)
		}
		m, err := s.Communities.FindMembership(ctx, c.ID, ann.ID)
		if err != nil || m.Status != tsunagari.MembershipActive || !sameTime(m.JoinedAt, t0.Add(time.Hour)) ||
			!sameTime(m.RequestedAt, t0.Add(time.Hour)) || m.Name != ann.Name || m.Involvement != tsunagari.InvolvementRegular {
			t.Errorf("FindMembership(ann) = %+v, %v", m, err)
		}
		pending, _ := s.Communities.FindMembership(ctx, c.ID, ben.ID)
		if pending == nil || !pending.JoinedAt.IsZero() || pending.Status != tsunagari.MembershipPending {
			t.Errorf("FindMembership(ben) = %+v; want pending without JoinedAt", pending)
		}

		fp := fingerprint(t, b)
		err = s.Communities.CreateMembership(ctx, &tsunagari.Membership{CommunityID: c.ID, AccountID: ann.ID,
			Involvement: tsunagari.InvolvementCore, Role: tsunagari.CommunityMember, Status: tsunagari.MembershipActive})
		wantErr(t, "CreateMembership(again)", err, tsunagari.ErrConflict)
		err = s.Communities.CreateMembership(ctx, &tsunagari.Membership{CommunityID: tsunagari.NewID(), AccountID: ann.ID,
			Involvement: tsunagari.InvolvementCore, Role: tsunagari.CommunityMember, Status: tsunagari.MembershipActive})
		wantErr(t, "CreateMembership(unknown community)", err, tsunagari.ErrNotFound)
		err = s.Communities.CreateMembership(ctx, &tsunagari.Membership{CommunityID: c.ID, AccountID: tsunagari.NewID(),
			Involvement: tsunagari.InvolvementCore, Role: tsunagari.CommunityMember, Status: tsunagari.MembershipActive})
		wantErr(t, "CreateMembership(unknown account)", err, tsunagari.ErrNotFound)
		wantErr(t, "DeleteMembership(the only organiser)", s.Communities.DeleteMembership(ctx, c.ID, lead.ID), tsunagari.ErrConflict)
		demote, _ := s.Communities.FindMembership(ctx, c.ID, lead.ID)
		demote.Role = tsunagari.CommunityCoOrganiser
		wantErr(t, "UpdateMembership(demote the only organiser)", s.Communities.UpdateMembership(ctx, demote), tsunagari.ErrConflict)
		wantErr(t, "DeleteMembership(not a member)", s.Communities.DeleteMembership(ctx, c.ID, tsunagari.NewID()), tsunagari.ErrNotFound)
		wantErr(t, "UpdateMembership(not a member)", s.Communities.UpdateMembership(ctx, &tsunagari.Membership{CommunityID: c.ID,
			AccountID: tsunagari.NewID(), Involvement: tsunagari.InvolvementCore, Role: tsunagari.CommunityMember,
			Status: tsunagari.MembershipActive, JoinedAt: t0}), tsunagari.ErrNotFound)
		unchanged(t, b, fp, "rejected membership changes")

		// Approve ben, make ann co-organiser, hand the community over.
		pending.Status, pending.JoinedAt = tsunagari.MembershipActive, t0.Add(3*time.Hour)
		if err := s.Communities.UpdateMembership(ctx, pending); err != nil {
			t.Fatal(err)
		}
		if n := memberCount(t, s, c.ID); n != 3 {
			t.Errorf("member count after approval = %d, want 3", n)
		}
		m.Role, m.Involvement = tsunagari.CommunityOrganiser, tsunagari.InvolvementCore
		if err := s.Communities.UpdateMembership(ctx, m); err != nil {
			t.Fatal(err)
		}
		list, err := s.Communities.FindMemberships(ctx, tsunagari.MembershipFilter{CommunityID: c.ID})
		var order []string
		for _, m := range list {
			order = append(order, m.AccountID)
		}
		if err != nil || !slices.Equal(order, []string{lead.ID, ann.ID, ben.ID}) {
			t.Errorf("FindMemberships = %v, %v; want lead, ann, ben", order, err)
		}
		if running, _ := s.Communities.FindMemberships(ctx, tsunagari.MembershipFilter{CommunityID: c.ID, Running: true}); len(running) != 2 {
			t.Errorf("FindMemberships(Running) = %d, want 2", len(running))
		}
		if mine, _ := s.Communities.FindMemberships(ctx, tsunagari.MembershipFilter{AccountID: ben.ID}); len(mine) != 1 || mine[0].CommunityID != c.ID {
			t.Errorf("FindMemberships(ben) = %v", mine)
		}
		if err := s.Communities.DeleteMembership(ctx, c.ID, lead.ID); err != nil {
			t.Errorf("DeleteMembership(one of two organisers) error = %v", err)
		}
		if err := s.Communities.DeleteMembership(ctx, c.ID, ben.ID); err != nil {
			t.Fatal(err)
		}
		if n := memberCount(t, s, c.ID); n != 1 {
			t.Errorf("member count after two left = %d, want 1", n)
		}
		_, err = s.Communities.FindMembership(ctx, c.ID, ben.ID)
		wantErr(t, "FindMembership(left)", err, tsunagari.ErrNotFound)
		got, _ := s.Communities.FindCommunityByID(ctx, c.ID)
		if len(got.Organisers) != 1 || got.Organisers[0].AccountID != ann.ID {
			t.Errorf("organisers after hand-over = %+v, want ann", got.Organisers)
		}
		// A community imported without organisers can lose every member.
		orphan := mustCreateCommunity(t, s, community(tsunagari.CommunityUnion, "運営者のいない組合", nil))
		mustJoin(t, s, orphan, ben, tsunagari.MembershipActive, t0)
		if err := s.Communities.DeleteMembership(ctx, orphan.ID, ben.ID); err != nil {
			t.Errorf("DeleteMembership(member of a community without organisers) error = %v", err)
		}
	})

	t.Run("TraitRatings", func(t *testing.T) {
		b := open(t)
		s := b.Stores()
		lead := mustCreateAccount(t, s, account("lead@example.jp"))
		c := mustCreateCommunity(t, s, community(tsunagari.CommunityRegionalAlumni, "にいがた県人会", lead))
		var raters []*tsunagari.Account
		for i, scores := range []map[tsunagari.Trait]int{
			{tsunagari.TraitFreeExit: 5, tsunagari.TraitMemberRun: 4},
			{tsunagari.TraitFreeExit: 4},
			{tsunagari.TraitFreeExit: 4, tsunagari.TraitNewcomerSupport: 2},
		} {
			a := mustCreateAccount(t, s, account(fmt.Sprintf("r%d@example.jp", i)))
			mustJoin(t, s, c, a, tsunagari.MembershipActive, t0)
			raters = append(raters, a)
			if err := s.Communities.RateTraits(ctx, &tsunagari.TraitRating{CommunityID: c.ID, AccountID: a.ID, Scores: scores, RatedAt: t0.Add(time.Hour)}); err != nil {
				t.Fatal(err)
			}
		}
		// A second rating replaces the first.
		if err := s.Communities.RateTraits(ctx, &tsunagari.TraitRating{CommunityID: c.ID, AccountID: raters[2].ID,
			Scores: map[tsunagari.Trait]int{tsunagari.TraitFreeExit: 3}, RatedAt: t0.Add(2 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
		r, err := s.Communities.FindTraitRating(ctx, c.ID, raters[2].ID)
		if err != nil || len(r.Scores) != 1 || r.Scores[tsunagari.TraitFreeExit] != 3 || !sameTime(r.RatedAt, t0.Add(2*time.Hour)) {
			t.Errorf("FindTraitRating = %+v, %v", r, err)
		}
		scores, err := s.Communities.TraitScores(ctx, c.ID)
		want := []tsunagari.TraitScore{{Trait: tsunagari.TraitMemberRun, Raters: 1, Mean: 4}, {Trait: tsunagari.TraitPurposeFit},
			{Trait: tsunagari.TraitFlexibleIntensity}, {Trait: tsunagari.TraitFreeExit, Raters: 3, Mean: 4}, {Trait: tsunagari.TraitNewcomerSupport}}
		if err != nil || !slices.Equal(scores, want) {
			t.Errorf("TraitScores = %v, %v; want %v", scores, err, want)
		}
		stranger := mustCreateAccount(t, s, account("stranger@example.jp"))
		fp := fingerprint(t, b)
		err = s.Communities.RateTraits(ctx, &tsunagari.TraitRating{CommunityID: c.ID, AccountID: stranger.ID,
			Scores: map[tsunagari.Trait]int{tsunagari.TraitFreeExit: 1}})
		wantErr(t, "RateTraits(not a member)", err, tsunagari.ErrNotFound)
		unchanged(t, b, fp, "a rating by a non-member")

		// Leaving takes the member's rating with it.
		if err := s.Communities.DeleteMembership(ctx, c.ID, raters[0].ID); err != nil {
			t.Fatal(err)
		}
		_, err = s.Communities.FindTraitRating(ctx, c.ID, raters[0].ID)
		wantErr(t, "FindTraitRating(after leaving)", err, tsunagari.ErrNotFound)
		scores, _ = s.Communities.TraitScores(ctx, c.ID)
		if scores[3] != (tsunagari.TraitScore{Trait: tsunagari.TraitFreeExit, Raters: 2, Mean: 3.5}) || scores[0].Raters != 0 {
			t.Errorf("TraitScores after leaving = %v", scores)
		}
	})

	t.Run("Hidden", func(t *testing.T) {
		b := open(t)
		s := b.Stores()
		lead := mustCreateAccount(t, s, account("lead@example.jp"))
		c := mustCreateCommunity(t, s, community(tsunagari.CommunityUnion, "キャリア相談のできるユニオン", lead))
		mustCreateCommunity(t, s, community(tsunagari.CommunityUnion, "もうひとつのユニオン", lead))
		at := t0.Add(time.Hour)
		if err := s.Communities.SetCommunityHidden(ctx, c.ID, &at, "勧誘目的の投稿が続いたため"); err != nil {
			t.Fatal(err)
		}
		got, _ := s.Communities.FindCommunityByID(ctx, c.ID)
		if got == nil || !got.Hidden() || !sameTime(*got.HiddenAt, at) || got.HiddenReason != "勧誘目的の投稿が続いたため" {
			t.Errorf("after hiding = %+v", got)
		}
		for _, f := range []tsunagari.CommunitySearch{{}, {Query: "ユニオン"}} {
			list, n, err := s.Communities.SearchCommunities(ctx, f)
			if err != nil || n != 1 || len(list) != 1 || list[0].ID == c.ID {
				t.Errorf("SearchCommunities(%q) with one hidden = %d, %d, %v; want the other one", f.Query, len(list), n, err)
			}
			f.IncludeHidden = true
			if _, n, _ := s.Communities.SearchCommunities(ctx, f); n != 2 {
				t.Errorf("SearchCommunities(%q, IncludeHidden) = %d; want 2", f.Query, n)
			}
		}
		if err := s.Communities.SetCommunityHidden(ctx, c.ID, nil, "ignored"); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Communities.FindCommunityByID(ctx, c.ID); got.Hidden() || got.HiddenReason != "" {
			t.Errorf("after showing again = %+v", got)
		}
		wantErr(t, "SetCommunityHidden(unknown)", s.Communities.SetCommunityHidden(ctx, tsunagari.NewID(), &at, "x"), tsunagari.ErrNotFound)
	})

	t.Run("Search", func(t *testing.T) { testCommunitySearch(t, open) })
}

// directory is the fixed set of communities the search contract runs on,
// each with a number of extra members (which orders ties).
var directory = []struct {
	kind    tsunagari.CommunityKind
	name    string
	tags    []string
	purpose string
	pref    string // "" online only
	home    string
	fee     int
	hours   int
	traits  []tsunagari.Trait
	members int
}{
	{tsunagari.CommunityOccupational, "介護職のための対話カフェ", []string{"介護", "ケア"}, "毎月第2土曜、介護職と看護職が語り合う。", "13", "", 500, 2,
		[]tsunagari.Trait{tsunagari.TraitFreeExit, tsunagari.TraitNewcomerSupport}, 3},
	{tsunagari.CommunityOccupational, "ケアマネ勉強会・横浜", []string{"ケアマネージャー"}, "ケアプランの事例検討。", "14", "", 0, 4, nil, 1},
	{tsunagari.CommunityRegionalAlumni, "にいがた県人会 in 東京", []string{"Uターン"}, "新潟出身・ゆかりの20〜30代がSNSでつながる。", "13", "15", 0, 1,
		[]tsunagari.Trait{tsunagari.TraitFreeExit}, 4},
	{tsunagari.CommunityRegionalAlumni, "新潟Uターン就職を考える会", []string{"転職", "Uターン"}, "地元で働く選択肢を一緒に探す。", "", "15", 0, 2, nil, 0},
	{tsunagari.CommunityOccupational, "ＩＴエンジニア転職勉強会", []string{"転職", "IT"}, "転職活動の情報交換と模擬面接。Web3.0やe-ラーニングも。", "", "", 1000, 3,
		[]tsunagari.Trait{tsunagari.TraitNewcomerSupport}, 2},
	{tsunagari.CommunityCorporateAlumni, "みなと精機アルムナイ", []string{"アルムナイ", "再雇用"}, "元社員のつながり。転職後も。", "23", "", 0, 1, nil, 2},
	{tsunagari.CommunityWorkerCoop, "ワーカーズコープ・みどり農園", []string{"農業", "協同労働"}, "みんなで出資し、みんなで働く農園。", "20", "", 3000, 20,
		[]tsunagari.Trait{tsunagari.TraitMemberRun, tsunagari.TraitPurposeFit, tsunagari.TraitFreeExit}, 1},
	{tsunagari.CommunityUnion, "フリーランス協会", []string{"フリーランス", "保険"}, "独立して働く人の学びと保障。IT職も多い。", "", "", 1000, 0, nil, 5},
	{tsunagari.CommunityNPO, "プロボノで地域を支える会", []string{"プロボノ"}, "週5時間、専門性を地域のNPOに。介護施設の広報支援も。", "15", "", 0, 20, nil, 0},
}

func testCommunitySearch(t *testing.T, open func(t *testing.T) Backend) {
	ctx := context.Background()
	b := open(t)
	s := b.Stores()
	lead := mustCreateAccount(t, s, account("lead@example.jp"))
	type entry struct {
		c   *tsunagari.Community
		doc search.Doc
	}
	var all []entry
	n := 0
	for _, d := range directory {
		c := community(d.kind, d.name, lead)
		c.Tags, c.Purpose, c.Prefecture, c.HomePrefecture, c.MonthlyFee, c.HoursPerMonth = d.tags, d.purpose, d.pref, d.home, d.fee, d.hours
		c.Online = d.pref == "" || d.members%2 == 0
		if d.traits != nil {
			c.Traits = d.traits
		}
		mustCreateCommunity(t, s, c)
		for range d.members {
			n++
			mustJoin(t, s, c, mustCreateAccount(t, s, account(fmt.Sprintf("m%d@example.jp", n))), tsunagari.MembershipActive, t0)
		}
		c.MemberCount = 1 + d.members
		title, tags, body := c.SearchText("")
		all = append(all, entry{c, search.NewDoc(title, tags, body...)})
	}
	byName := func(names ...string) []string { return names }
	names := func(list []*tsunagari.Community) []string {
		var out []string
		for _, c := range list {
			out = append(out, c.Name)
		}
		return out
	}
	// reference ranks the directory by package search's rules, with the
	// stores' tie-breaks: more members first, then ID.
	reference := func(f tsunagari.CommunitySearch) []string {
		q := search.Parse(f.Query)
		type hit struct {
			c     *tsunagari.Community
			score int
		}
		var hits []hit
		for _, e := range all {
			c := e.c
			score := 0
			if !q.Empty() {
				var ok bool
				if score, ok = q.Score(e.doc); !ok {
					continue
				}
			}
			switch {
			case len(f.Kinds) > 0 && !slices.Contains(f.Kinds, c.Kind),
				f.Prefecture != "" && c.Prefecture != f.Prefecture && c.HomePrefecture != f.Prefecture,
				f.Online && !c.Online,
				f.MaxFee != nil && c.MonthlyFee > *f.MaxFee,
				f.MaxHours != nil && c.HoursPerMonth > *f.MaxHours,
				slices.ContainsFunc(f.Traits, func(t tsunagari.Trait) bool { return !c.Has(t) }):
				continue
			}
			hits = append(hits, hit{c, score})
		}
		slices.SortFunc(hits, func(a, b hit) int {
			return cmp.Or(b.score-a.score, b.c.MemberCount-a.c.MemberCount, cmp.Compare(a.c.ID, b.c.ID))
		})
		var out []string
		for _, h := range hits {
			out = append(out, h.c.Name)
		}
		return out
	}
	intp := func(v int) *int { return &v }
	tests := []struct {
		f    tsunagari.CommunitySearch
		want []string // nil: only compare with the reference
	}{
		// Two-character queries, which a trigram index cannot answer.
		{tsunagari.CommunitySearch{Query: "転職"}, byName("ＩＴエンジニア転職勉強会", "新潟Uターン就職を考える会", "みなと精機アルムナイ")},
		{tsunagari.CommunitySearch{Query: "介護"}, byName("介護職のための対話カフェ", "プロボノで地域を支える会")},
		{tsunagari.CommunitySearch{Query: "新潟"}, byName("新潟Uターン就職を考える会", "にいがた県人会 in 東京", "プロボノで地域を支える会")},
		// Full-width and half-width, upper and lower case are the same.
		{tsunagari.CommunitySearch{Query: "ＩＴ"}, byName("ＩＴエンジニア転職勉強会", "フリーランス協会")},
		{tsunagari.CommunitySearch{Query: "it"}, byName("ＩＴエンジニア転職勉強会", "フリーランス協会")},
		// Katakana and hiragana are the same.
		{tsunagari.CommunitySearch{Query: "けあまね"}, byName("ケアマネ勉強会・横浜")},
		{tsunagari.CommunitySearch{Query: "ニイガタ"}, byName("にいがた県人会 in 東京")},
		// One kanji finds the words it is in; one kana is too short to
		// search and lists everything, as if nothing were typed.
		{tsunagari.CommunitySearch{Query: "農"}, byName("ワーカーズコープ・みどり農園")},
		{tsunagari.CommunitySearch{Query: "の"}, nil},
		{tsunagari.CommunitySearch{Query: "転職 勉強会"}, byName("ＩＴエンジニア転職勉強会")},
		// Terms with punctuation inside are confirmed against the text.
		{tsunagari.CommunitySearch{Query: "ｗｅｂ３．０"}, byName("ＩＴエンジニア転職勉強会")},
		{tsunagari.CommunitySearch{Query: "転職 e-ラーニング"}, byName("ＩＴエンジニア転職勉強会")},
		{tsunagari.CommunitySearch{Query: "e-ラーニング"}, byName("ＩＴエンジニア転職勉強会")},
		{tsunagari.CommunitySearch{Query: "web3.1"}, []string{}},
		{tsunagari.CommunitySearch{Query: "転職 介護"}, []string{}},
		{tsunagari.CommunitySearch{Query: "存在しない言葉"}, []string{}},
		// Filters, with and without a query.
		{tsunagari.CommunitySearch{Query: "転職", Kinds: []tsunagari.CommunityKind{tsunagari.CommunityOccupational}}, byName("ＩＴエンジニア転職勉強会")},
		{tsunagari.CommunitySearch{Prefecture: "15"}, nil}, // three, two of them tied
		{tsunagari.CommunitySearch{Online: true}, nil},
		{tsunagari.CommunitySearch{MaxFee: intp(0)}, nil},
		{tsunagari.CommunitySearch{MaxHours: intp(2), Query: "会"}, nil},
		{tsunagari.CommunitySearch{Traits: []tsunagari.Trait{tsunagari.TraitFreeExit}}, byName("にいがた県人会 in 東京", "介護職のための対話カフェ", "ワーカーズコープ・みどり農園")},
		{tsunagari.CommunitySearch{Traits: []tsunagari.Trait{tsunagari.TraitFreeExit, tsunagari.TraitNewcomerSupport}}, byName("介護職のための対話カフェ")},
		{tsunagari.CommunitySearch{Kinds: []tsunagari.CommunityKind{tsunagari.CommunityUnion, tsunagari.CommunityNPO}, MaxFee: intp(1000)}, byName("フリーランス協会", "プロボノで地域を支える会")},
		{tsunagari.CommunitySearch{}, nil},
	}
	for _, tt := range tests {
		list, total, err := s.Communities.SearchCommunities(ctx, tt.f)
		if err != nil {
			t.Errorf("SearchCommunities(%+v) error = %v", tt.f, err)
			continue
		}
		got, ref := names(list), reference(tt.f)
		if total != len(ref) || !slices.Equal(got, ref) {
			t.Errorf("SearchCommunities(%+v) = %q (%d); the reference ranking is %q", tt.f, got, total, ref)
		}
		if tt.want != nil && !slices.Equal(got, tt.want) && !(len(got) == 0 && len(tt.want) == 0) {
			t.Errorf("SearchCommunities(%+v) = %q; want %q", tt.f, got, tt.want)
		}
	}

	// Pages.
	page, total, err := s.Communities.SearchCommunities(ctx, tsunagari.CommunitySearch{Limit: 4, Offset: 4})
	if ref := reference(tsunagari.CommunitySearch{}); err != nil || total != len(directory) || !slices.Equal(names(page), ref[4:8]) {
		t.Errorf("SearchCommunities(page 2 of 4) = %q, %d, %v; want %q", names(page), total, err, ref[4:8])
	}
	page, total, _ = s.Communities.SearchCommunities(ctx, tsunagari.CommunitySearch{Query: "会", Limit: 2, Offset: 1})
	if ref := reference(tsunagari.CommunitySearch{Query: "会"}); total != len(ref) || !slices.Equal(names(page), ref[1:3]) {
		t.Errorf("SearchCommunities(会, page) = %q, %d; want %q of %d", names(page), total, ref[1:3], len(ref))
	}
	if page, total, _ = s.Communities.SearchCommunities(ctx, tsunagari.CommunitySearch{Query: "転職", Limit: 2, Offset: 10}); len(page) != 0 || total != 3 {
		t.Errorf("SearchCommunities(転職, past the end) = %d results of %d; want 0 of 3", len(page), total)
	}
	// Member and organiser views.
	mine, total, _ := s.Communities.SearchCommunities(ctx, tsunagari.CommunitySearch{MemberID: lead.ID})
	if total != len(directory) || len(mine) != len(directory) {
		t.Errorf("SearchCommunities(MemberID: organiser of all) = %d", total)
	}
	if _, total, _ := s.Communities.SearchCommunities(ctx, tsunagari.CommunitySearch{OrganiserID: lead.ID, Query: "介護"}); total != 2 {
		t.Errorf("SearchCommunities(OrganiserID, 介護) = %d; want 2", total)
	}

	// Editing a community re-indexes it.
	c := all[0].c
	c.Name, c.Tags = "福祉職のための対話カフェ", []string{"福祉"}
	c.Purpose = "毎月第2土曜、福祉の仕事をする人が語り合う。"
	if err := s.Communities.UpdateCommunity(ctx, c); err != nil {
		t.Fatal(err)
	}
	if list, _, _ := s.Communities.SearchCommunities(ctx, tsunagari.CommunitySearch{Query: "介護"}); slices.Contains(names(list), c.Name) {
		t.Errorf("after renaming, 介護 still finds %q", c.Name)
	}
	if list, _, _ := s.Communities.SearchCommunities(ctx, tsunagari.CommunitySearch{Query: "福祉"}); len(list) != 1 || list[0].ID != c.ID {
		t.Errorf("after renaming, 福祉 = %q; want the renamed community", names(list))
	}
}
