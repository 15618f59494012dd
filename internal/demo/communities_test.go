package demo

import (
	"context"
	"slices"
	"testing"

	"tsunagari"
)

func TestDemoCommunities(t *testing.T) {
	ctx := context.Background()
	db, p := mustGenerate(t, 1, 0)
	st := db.Stores().Communities

	all, total, err := st.SearchCommunities(ctx, tsunagari.CommunitySearch{IncludeHidden: true})
	if err != nil {
		t.Fatal(err)
	}
	if total < 60 || total != len(communityPlans) {
		t.Fatalf("%d communities; want every plan, at least 60", total)
	}
	kinds, prefs := map[tsunagari.CommunityKind]int{}, map[string]bool{}
	hidden := 0
	for _, c := range all {
		kinds[c.Kind]++
		prefs[c.Prefecture], prefs[c.HomePrefecture] = true, true
		if c.Hidden() {
			hidden++
		}
		if err := c.Validate(); err != nil {
			t.Errorf("%s: %v", c.Name, err)
		}
		if len(c.Organisers) == 0 {
			t.Errorf("%s has no organiser", c.Name)
		}
	}
	for _, k := range tsunagari.CommunityKinds {
		if kinds[k] < 4 {
			t.Errorf("%d communities of kind %s; want at least 4", kinds[k], k)
		}
	}
	delete(prefs, "")
	if len(prefs) < 15 {
		t.Errorf("communities in or about %d prefectures; want many", len(prefs))
	}
	if hidden != 1 {
		t.Errorf("%d hidden communities; want the one the operator hid", hidden)
	}

	// Members are drawn from the people: the Niigata alumni are from
	// Niigata, the care workers' café has care workers.
	people := map[string]*tsunagari.Account{}
	for a := range p.Accounts() {
		people[a.ID] = a
	}
	find := func(name string) (*tsunagari.Community, []*tsunagari.Membership) {
		t.Helper()
		for _, c := range all {
			if c.Name == name {
				ms, err := st.FindMemberships(ctx, tsunagari.MembershipFilter{CommunityID: c.ID, Status: tsunagari.MembershipActive})
				if err != nil {
					t.Fatal(err)
				}
				return c, ms
			}
		}
		t.Fatalf("no community %q", name)
		return nil, nil
	}
	niigata, ms := find("にいがた県人会 in 東京（SNS）")
	if niigata.HomePrefecture != "15" || len(ms) < 8 || niigata.Organisers[0].Name != "松本 翔太" {
		t.Errorf("Niigata alumni: home %s, %d members, run by %+v", niigata.HomePrefecture, len(ms), niigata.Organisers)
	}
	for _, m := range ms {
		if a := people[m.AccountID]; a != nil && a.HomePrefecture != "15" {
			t.Errorf("Niigata alumni member %s comes from %s", a.Name, a.HomePrefecture)
		}
	}
	_, ms = find("介護職の対話カフェ（月1回・土曜午後）")
	care := 0
	for _, m := range ms {
		if a := people[m.AccountID]; a != nil && slices.Contains([]string{"care", "medical"}, a.JobFamily) {
			care++
		}
	}
	if len(ms) < 10 || care < len(ms)-1 {
		t.Errorf("care café: %d members, %d of them care or medical workers", len(ms), care)
	}
	sowa, ms := find("相和精機アルムナイ・ネットワーク")
	if sowa.OrgID != p.Employers[Large].Org.ID || sowa.Organisers[0].Name != "渡辺 裕子" || len(ms) < 3 {
		t.Errorf("Sowa alumni: org %s, organisers %+v, %d members", sowa.OrgID, sowa.Organisers, len(ms))
	}

	// Some wait for approval; some traits have enough ratings to show.
	pending, err := st.FindMemberships(ctx, tsunagari.MembershipFilter{CommunityID: sowa.ID, Status: tsunagari.MembershipPending})
	if err != nil || len(pending) == 0 {
		t.Errorf("Sowa alumni pending requests = %d, %v; want some", len(pending), err)
	}
	shown := 0
	for _, c := range all {
		scores, err := st.TraitScores(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range scores {
			if s.Raters >= tsunagari.MinTraitRaters {
				shown++
			}
		}
	}
	if shown < 20 {
		t.Errorf("%d trait ratings with enough raters to show; want many", shown)
	}

	// The member personas are left for what tsunagari suggests to them.
	for email := range memberPersonas {
		mine, err := st.FindMemberships(ctx, tsunagari.MembershipFilter{AccountID: p.Personas[email].ID})
		if err != nil || len(mine) != 0 {
			t.Errorf("%s belongs to %d communities; want none", email, len(mine))
		}
	}
	// A two-character search finds the Niigata groups.
	if _, n, _ := st.SearchCommunities(ctx, tsunagari.CommunitySearch{Query: "新潟"}); n < 4 {
		t.Errorf("新潟 finds %d communities; want the Niigata groups", n)
	}
}
