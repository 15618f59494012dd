package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"tsunagari"
)

func idea(poster *tsunagari.Account, title string, threshold int) *tsunagari.Idea {
	return &tsunagari.Idea{PosterID: poster.ID, Title: title, Description: "現場で働きながら学び合える場を作りたい",
		Tags: []string{"介護", "マネジメント"}, Area: "15", Threshold: threshold, CreatedAt: t0}
}

func mustCreateIdea(t *testing.T, s tsunagari.Stores, i *tsunagari.Idea) *tsunagari.Idea {
	t.Helper()
	if err := s.Ideas.CreateIdea(context.Background(), i); err != nil {
		t.Fatalf("CreateIdea(%s) error = %v", i.Title, err)
	}
	return i
}

func mustSupport(t *testing.T, s tsunagari.Stores, i *tsunagari.Idea, a *tsunagari.Account, role tsunagari.IdeaRole) {
	t.Helper()
	if err := s.Ideas.AddSupport(context.Background(), &tsunagari.IdeaSupport{IdeaID: i.ID, AccountID: a.ID, Role: role, CreatedAt: t0}); err != nil {
		t.Fatalf("AddSupport(%s, %s) error = %v", i.Title, a.Email, err)
	}
}

func ideaTitles(list []*tsunagari.Idea) []string {
	var out []string
	for _, i := range list {
		out = append(out, i.Title)
	}
	return out
}

func testIdeas(t *testing.T, open func(t *testing.T) Backend) {
	ctx := context.Background()

	t.Run("CreateFindSearch", func(t *testing.T) {
		b := open(t)
		s := b.Stores()
		poster := mustCreateAccount(t, s, account("poster@example.jp"))
		care := mustCreateIdea(t, s, idea(poster, "介護の現場でマネジメントを学べる場がほしい", 5))
		online := idea(poster, "地方在住エンジニアのもくもく会", 3)
		online.Tags, online.Area, online.Description = []string{"Go"}, tsunagari.IdeaOnline, ""
		mustCreateIdea(t, s, online)

		got, err := s.Ideas.FindIdeaByID(ctx, care.ID)
		if err != nil {
			t.Fatalf("FindIdeaByID error = %v", err)
		}
		if got.Title != care.Title || got.PosterID != poster.ID || !slices.Equal(got.Tags, care.Tags) || got.Area != "15" ||
			got.Threshold != 5 || got.SupporterCount != 0 || got.Converted() || !sameTime(got.CreatedAt, t0) {
			t.Errorf("FindIdeaByID = %+v, want %+v", got, care)
		}
		_, err = s.Ideas.FindIdeaByID(ctx, tsunagari.NewID())
		wantErr(t, "FindIdeaByID(unknown)", err, tsunagari.ErrNotFound)
		wantErr(t, "CreateIdea(unknown poster)", s.Ideas.CreateIdea(ctx, idea(&tsunagari.Account{ID: tsunagari.NewID()}, "誰か", 5)),
			tsunagari.ErrNotFound)

		// Two-character queries find ideas by title, tags and area.
		for q, want := range map[string][]string{
			"介護":    {care.Title},
			"新潟":    {care.Title},
			"go":    {online.Title},
			"オンライン": {online.Title},
			"介":     {care.Title},
			"ない何か":  nil,
		} {
			list, err := s.Ideas.FindIdeas(ctx, tsunagari.IdeaFilter{Query: q})
			if err != nil {
				t.Fatalf("FindIdeas(%q) error = %v", q, err)
			}
			if got := ideaTitles(list); !slices.Equal(got, want) {
				t.Errorf("FindIdeas(%q) = %v, want %v", q, got, want)
			}
		}
		list, err := s.Ideas.FindIdeas(ctx, tsunagari.IdeaFilter{PosterID: poster.ID})
		if err != nil || len(list) != 2 {
			t.Errorf("FindIdeas(poster) = %v, %v; want both", ideaTitles(list), err)
		}
	})

	t.Run("SupportAndConvert", func(t *testing.T) {
		b := open(t)
		s := b.Stores()
		poster := mustCreateAccount(t, s, account("poster@example.jp"))
		var fans []*tsunagari.Account
		for n := range 3 {
			fans = append(fans, mustCreateAccount(t, s, account(fmt.Sprintf("fan%d@example.jp", n))))
		}
		i := mustCreateIdea(t, s, idea(poster, "介護の現場でマネジメントを学べる場がほしい", 2))
		// The invitation names the community and goes to each supporter
		// the idea has when it converts.
		invite := func(i *tsunagari.Idea, c *tsunagari.Community, x *tsunagari.IdeaSupport) *tsunagari.Mail {
			return &tsunagari.Mail{To: x.Email, Subject: "招待: " + c.Name, Body: x.Name + "さん " + i.Title + " " + c.ID, Kind: "idea_invitation"}
		}
		other := mustCreateIdea(t, s, idea(poster, "別の問題意識", 2))

		mustSupport(t, s, i, fans[0], tsunagari.IdeaRoleOrganise)
		wantErr(t, "AddSupport(twice)", s.Ideas.AddSupport(ctx, &tsunagari.IdeaSupport{IdeaID: i.ID, AccountID: fans[0].ID}), tsunagari.ErrConflict)
		wantErr(t, "AddSupport(unknown idea)", s.Ideas.AddSupport(ctx, &tsunagari.IdeaSupport{IdeaID: tsunagari.NewID(), AccountID: fans[0].ID}),
			tsunagari.ErrNotFound)

		// Below the threshold nothing converts.
		fp := fingerprint(t, b)
		c := community(tsunagari.CommunityOccupational, "介護マネジメント研究会", poster)
		wantErr(t, "ConvertIdea(below threshold)", s.Ideas.ConvertIdea(ctx, i.ID, c, t0, invite), tsunagari.ErrConflict)
		unchanged(t, b, fp, "converting below the threshold")

		// Taking support back and giving it again.
		mustSupport(t, s, i, fans[1], tsunagari.IdeaRoleVenue)
		mustSupport(t, s, i, fans[2], "")
		if err := s.Ideas.RemoveSupport(ctx, i.ID, fans[2].ID); err != nil {
			t.Fatalf("RemoveSupport error = %v", err)
		}
		wantErr(t, "RemoveSupport(again)", s.Ideas.RemoveSupport(ctx, i.ID, fans[2].ID), tsunagari.ErrNotFound)
		if got, _ := s.Ideas.FindIdeaByID(ctx, i.ID); got.SupporterCount != 2 || !got.Ready() {
			t.Errorf("SupporterCount = %d, ready %v; want 2, ready", got.SupporterCount, got.Ready())
		}
		sup, err := s.Ideas.FindSupport(ctx, i.ID, fans[1].ID)
		if err != nil || sup.Role != tsunagari.IdeaRoleVenue || sup.InvitedAt != nil {
			t.Errorf("FindSupport = %+v, %v; want venue, not invited", sup, err)
		}
		list, err := s.Ideas.FindIdeas(ctx, tsunagari.IdeaFilter{SupporterID: fans[0].ID})
		if err != nil || !slices.Equal(ideaTitles(list), []string{i.Title}) {
			t.Errorf("FindIdeas(supporter) = %v, %v", ideaTitles(list), err)
		}

		at := t0.Add(time.Hour)
		c = community(tsunagari.CommunityOccupational, "介護マネジメント研究会", poster)
		if err := s.Ideas.ConvertIdea(ctx, i.ID, c, at, invite); err != nil {
			t.Fatalf("ConvertIdea error = %v", err)
		}
		got, err := s.Ideas.FindIdeaByID(ctx, i.ID)
		if err != nil || got.CommunityID != c.ID || got.ConvertedAt == nil || !sameTime(*got.ConvertedAt, at) {
			t.Fatalf("converted idea = %+v, %v; want linked to %s at %v", got, err, c.ID, at)
		}
		// The community exists with the poster as its organiser, and the
		// supporters invited, not members.
		if n := memberCount(t, s, c.ID); n != 1 {
			t.Errorf("member count = %d, want the organiser only", n)
		}
		for _, f := range fans[:2] {
			if _, err := s.Communities.FindMembership(ctx, c.ID, f.ID); err == nil {
				t.Errorf("supporter %s became a member without their own act", f.Email)
			}
			sup, err := s.Ideas.FindSupport(ctx, i.ID, f.ID)
			if err != nil || sup.InvitedAt == nil || !sameTime(*sup.InvitedAt, at) {
				t.Errorf("support of %s = %+v, %v; want invited at %v", f.Email, sup, err, at)
			}
		}
		sups, err := s.Ideas.FindSupports(ctx, i.ID)
		if err != nil || len(sups) != 2 || sups[0].Name == "" || sups[0].Email == "" {
			t.Errorf("FindSupports = %v, %v; want two with names and addresses", sups, err)
		}
		for n, f := range fans {
			mails, err := s.Outbox.FindMail(ctx, tsunagari.MailFilter{To: f.Email})
			want := 1
			if n == 2 { // took their support back before the conversion
				want = 0
			}
			if err != nil || len(mails) != want || want == 1 && (mails[0].Kind != "idea_invitation" || !strings.Contains(mails[0].Body, c.ID) ||
				!sameTime(mails[0].CreatedAt, at)) {
				t.Errorf("mail to %s = %+v, %v; want %d invitation to %s at %v", f.Email, mails, err, want, c.ID, at)
			}
		}
		converted := true
		if list, _ := s.Ideas.FindIdeas(ctx, tsunagari.IdeaFilter{Converted: &converted}); !slices.Equal(ideaTitles(list), []string{i.Title}) {
			t.Errorf("FindIdeas(converted) = %v", ideaTitles(list))
		}

		// An idea converts once, and supports of a converted idea stay.
		fp = fingerprint(t, b)
		wantErr(t, "ConvertIdea(again)", s.Ideas.ConvertIdea(ctx, i.ID, community(tsunagari.CommunityNPO, "二つ目", poster), at, invite),
			tsunagari.ErrConflict)
		wantErr(t, "AddSupport(converted)", s.Ideas.AddSupport(ctx, &tsunagari.IdeaSupport{IdeaID: i.ID, AccountID: fans[2].ID}),
			tsunagari.ErrConflict)
		wantErr(t, "RemoveSupport(converted)", s.Ideas.RemoveSupport(ctx, i.ID, fans[0].ID), tsunagari.ErrConflict)
		wantErr(t, "ConvertIdea(unknown)", s.Ideas.ConvertIdea(ctx, tsunagari.NewID(), community(tsunagari.CommunityNPO, "三つ目", poster), at, invite),
			tsunagari.ErrNotFound)
		unchanged(t, b, fp, "refused writes to a converted idea")
		if got, _ := s.Ideas.FindIdeaByID(ctx, other.ID); got.Converted() {
			t.Error("another idea converted too")
		}
	})
}
