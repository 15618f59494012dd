package storetest

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"tsunagari"
)

// valuesLike is an instrument with the ID of the values diagnosis and two
// of its dimensions, which is all the recommender reads of it.
func valuesLike() *tsunagari.Instrument {
	t := func(s string) tsunagari.Text { return tsunagari.Text{Ja: s, En: s} }
	return &tsunagari.Instrument{ID: "values_diagnosis", Version: 1, Title: t("価値観診断"), SelfService: true,
		Dimensions: []tsunagari.Dimension{{ID: "expertise", Label: t("専門性")}, {ID: "contribution", Label: t("社会貢献")}},
		Sections: []tsunagari.Section{{ID: "s", Title: t("s"), Items: []tsunagari.Item{
			{ID: "q1", Kind: tsunagari.KindLikert, Points: 5, Dimension: "expertise", Text: t("q1")},
			{ID: "q2", Kind: tsunagari.KindLikert, Points: 5, Dimension: "contribution", Text: t("q2")},
		}}}}
}

// mustTakeValues stores a personal values diagnosis of a with the given
// scores, at.
func mustTakeValues(t testing.TB, s tsunagari.Stores, round *tsunagari.Round, a *tsunagari.Account, at time.Time, expertise, contribution float64) {
	t.Helper()
	resp := &tsunagari.Response{RoundID: round.ID, InstrumentID: "values_diagnosis", InstrumentVersion: 1, AccountID: a.ID,
		SubmittedAt: at, Answers: []tsunagari.Answer{{Item: "q1", Value: tsunagari.Float(3)}},
		Scores: []tsunagari.Score{{Dimension: "expertise", Value: expertise, Items: 1}, {Dimension: "contribution", Value: contribution, Items: 1}}}
	if err := s.Surveys.SubmitResponse(context.Background(), resp); err != nil {
		t.Fatalf("SubmitResponse(values of %s) error = %v", a.Email, err)
	}
}

func testRecommend(t *testing.T, open func(t *testing.T) Backend) {
	ctx := context.Background()

	t.Run("Preferences", func(t *testing.T) {
		b := open(t)
		s := b.Stores()
		a := mustCreateAccount(t, s, account("wish@example.jp"))
		_, err := s.Recommend.FindRecommendPrefs(ctx, a.ID)
		wantErr(t, "FindRecommendPrefs(none saved)", err, tsunagari.ErrNotFound)

		fee, hours := 3000, 0
		p := &tsunagari.RecommendPrefs{AccountID: a.ID, Wish: "新潟に帰って\n地元の役に立ちたい", MaxFee: &fee, MaxHours: &hours,
			Prefecture: "13", UpdatedAt: t0}
		if err := s.Recommend.SaveRecommendPrefs(ctx, p); err != nil {
			t.Fatal(err)
		}
		got, err := s.Recommend.FindRecommendPrefs(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Wish != p.Wish || *got.MaxFee != 3000 || *got.MaxHours != 0 || got.Online || got.Prefecture != "13" ||
			!sameTime(got.UpdatedAt, t0) || got.AccountID != a.ID {
			t.Errorf("FindRecommendPrefs = %+v, want %+v", got, p)
		}

		p2 := &tsunagari.RecommendPrefs{AccountID: a.ID, Wish: "介護の仲間", Online: true, UpdatedAt: t0.Add(time.Hour)}
		if err := s.Recommend.SaveRecommendPrefs(ctx, p2); err != nil {
			t.Fatal(err)
		}
		got, err = s.Recommend.FindRecommendPrefs(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Wish != "介護の仲間" || got.MaxFee != nil || got.MaxHours != nil || !got.Online || got.Prefecture != "" ||
			!sameTime(got.UpdatedAt, t0.Add(time.Hour)) {
			t.Errorf("FindRecommendPrefs after saving again = %+v", got)
		}

		fp := fingerprint(t, b)
		err = s.Recommend.SaveRecommendPrefs(ctx, &tsunagari.RecommendPrefs{AccountID: tsunagari.NewID(), UpdatedAt: t0})
		wantErr(t, "SaveRecommendPrefs(unknown account)", err, tsunagari.ErrNotFound)
		unchanged(t, b, fp, "SaveRecommendPrefs(unknown account)")
	})

	t.Run("Marks", func(t *testing.T) {
		b := open(t)
		s := b.Stores()
		a := mustCreateAccount(t, s, account("marks@example.jp"))
		other := mustCreateAccount(t, s, account("other@example.jp"))
		c1 := mustCreateCommunity(t, s, community(tsunagari.CommunityOccupational, "介護の対話カフェ", nil))
		c2 := mustCreateCommunity(t, s, community(tsunagari.CommunityUnion, "ユニオン", nil))

		marks, err := s.Recommend.FindCommunityMarks(ctx, a.ID)
		if err != nil || len(marks) != 0 {
			t.Fatalf("FindCommunityMarks(none) = %v, %v; want none", marks, err)
		}
		set := func(c *tsunagari.Community, m tsunagari.Mark, at time.Time) {
			t.Helper()
			if err := s.Recommend.SetCommunityMark(ctx, &tsunagari.CommunityMark{AccountID: a.ID, CommunityID: c.ID, Mark: m, MarkedAt: at}); err != nil {
				t.Fatalf("SetCommunityMark(%s, %s) error = %v", c.Name, m, err)
			}
		}
		set(c1, tsunagari.MarkBookmark, t0)
		set(c2, tsunagari.MarkBookmark, t0.Add(time.Minute))
		set(c1, tsunagari.MarkDismiss, t0.Add(2*time.Minute))
		marks, err = s.Recommend.FindCommunityMarks(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(marks) != 2 || marks[0].CommunityID != c1.ID || marks[0].Mark != tsunagari.MarkDismiss ||
			!sameTime(marks[0].MarkedAt, t0.Add(2*time.Minute)) || marks[1].CommunityID != c2.ID || marks[1].Mark != tsunagari.MarkBookmark {
			t.Errorf("FindCommunityMarks = %+v, want c1 dismissed, then c2 bookmarked", marks)
		}
		if theirs, _ := s.Recommend.FindCommunityMarks(ctx, other.ID); len(theirs) != 0 {
			t.Errorf("another account's marks = %+v, want none", theirs)
		}

		fp := fingerprint(t, b)
		err = s.Recommend.SetCommunityMark(ctx, &tsunagari.CommunityMark{AccountID: a.ID, CommunityID: tsunagari.NewID(), Mark: tsunagari.MarkBookmark})
		wantErr(t, "SetCommunityMark(unknown community)", err, tsunagari.ErrNotFound)
		err = s.Recommend.DeleteCommunityMark(ctx, other.ID, c1.ID)
		wantErr(t, "DeleteCommunityMark(another's)", err, tsunagari.ErrNotFound)
		unchanged(t, b, fp, "refused marks")

		if err := s.Recommend.DeleteCommunityMark(ctx, a.ID, c2.ID); err != nil {
			t.Fatal(err)
		}
		marks, _ = s.Recommend.FindCommunityMarks(ctx, a.ID)
		if len(marks) != 1 || marks[0].CommunityID != c1.ID {
			t.Errorf("after DeleteCommunityMark, marks = %+v, want c1 only", marks)
		}
	})

	t.Run("Weights", func(t *testing.T) {
		b := open(t)
		s := b.Stores()
		op := mustCreateAccount(t, s, account("op@example.jp", tsunagari.RoleMember, tsunagari.RoleOperator))
		_, err := s.Recommend.FindRecommendWeights(ctx)
		wantErr(t, "FindRecommendWeights(none saved)", err, tsunagari.ErrNotFound)
		w := tsunagari.DefaultRecommendWeights()
		w.HomePrefecture, w.Variety, w.UpdatedBy, w.UpdatedAt = 4.5, 0.5, op.ID, t0
		if err := s.Recommend.SaveRecommendWeights(ctx, &w); err != nil {
			t.Fatal(err)
		}
		w.JobFamily, w.UpdatedAt = 0.25, t0.Add(time.Hour)
		if err := s.Recommend.SaveRecommendWeights(ctx, &w); err != nil {
			t.Fatal(err)
		}
		got, err := s.Recommend.FindRecommendWeights(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !sameTime(got.UpdatedAt, t0.Add(time.Hour)) {
			t.Errorf("UpdatedAt = %v, want %v", got.UpdatedAt, t0.Add(time.Hour))
		}
		got.UpdatedAt = w.UpdatedAt
		if *got != w {
			t.Errorf("FindRecommendWeights = %+v, want %+v", *got, w)
		}
	})

	t.Run("Signals", func(t *testing.T) { testSignals(t, open(t)) })
	t.Run("Watch", func(t *testing.T) { testWatch(t, open(t)) })
}

func testSignals(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Stores()
	mustSaveInstrument(t, s, valuesLike())
	round := mustCreateRound(t, s, &tsunagari.Round{InstrumentID: "values_diagnosis", InstrumentVersion: 1,
		Mode: tsunagari.ModePersonal, Standing: true})
	lead := mustCreateAccount(t, s, account("lead@example.jp"))
	care := mustCreateAccount(t, s, account("care@example.jp"))
	it := account("it@example.jp")
	it.JobFamily, it.Industry, it.Prefecture, it.HomePrefecture, it.AgeBand = "it", "it_telecom", "27", "", "40s"
	mustCreateAccount(t, s, it)
	waiting := mustCreateAccount(t, s, account("waiting@example.jp"))

	cafe := community(tsunagari.CommunityOccupational, "介護の対話カフェ", lead)
	cafe.Tags, cafe.JobFamily, cafe.MonthlyFee, cafe.HoursPerMonth = []string{"介護", "対話"}, "care", 500, 2
	cafe.Traits = []tsunagari.Trait{tsunagari.TraitFreeExit, tsunagari.TraitNewcomerSupport}
	mustCreateCommunity(t, s, cafe)
	niigata := mustCreateCommunity(t, s, community(tsunagari.CommunityRegionalAlumni, "にいがた県人会", lead))
	hidden := mustCreateCommunity(t, s, community(tsunagari.CommunityUnion, "非表示のユニオン", lead))
	if err := s.Communities.SetCommunityHidden(ctx, hidden.ID, &t0, "規約違反"); err != nil {
		t.Fatal(err)
	}
	mustJoin(t, s, cafe, care, tsunagari.MembershipActive, t0)
	mustJoin(t, s, cafe, it, tsunagari.MembershipActive, t0)
	mustJoin(t, s, cafe, waiting, tsunagari.MembershipPending, t0)
	mustTakeValues(t, s, round, care, t0, 20, 30)
	mustTakeValues(t, s, round, care, t0.Add(time.Hour), 80, 90) // the latest counts
	if err := s.Communities.RateTraits(ctx, &tsunagari.TraitRating{CommunityID: cafe.ID, AccountID: care.ID,
		Scores: map[tsunagari.Trait]int{tsunagari.TraitNewcomerSupport: 5}, RatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	if err := s.Communities.RateTraits(ctx, &tsunagari.TraitRating{CommunityID: cafe.ID, AccountID: it.ID,
		Scores: map[tsunagari.Trait]int{tsunagari.TraitNewcomerSupport: 4, tsunagari.TraitFreeExit: 2}, RatedAt: t0}); err != nil {
		t.Fatal(err)
	}

	read := func(ids []string) map[string]*tsunagari.CommunitySignals {
		t.Helper()
		out := map[string]*tsunagari.CommunitySignals{}
		var order []string
		if err := s.Recommend.EachCommunitySignals(ctx, ids, func(sig *tsunagari.CommunitySignals) error {
			out[sig.Community.ID] = sig
			order = append(order, sig.Community.ID)
			return nil
		}); err != nil {
			t.Fatalf("EachCommunitySignals(%v) error = %v", ids, err)
		}
		if !slices.IsSorted(order) {
			t.Errorf("EachCommunitySignals(%v) order = %v, want by ID", ids, order)
		}
		return out
	}
	all := read(nil)
	if len(all) != 2 || all[cafe.ID] == nil || all[niigata.ID] == nil {
		t.Fatalf("EachCommunitySignals(all) gave %d communities, want the café and the 県人会 (not the hidden union)", len(all))
	}
	sig := all[cafe.ID]
	if sig.Community.Name != cafe.Name || sig.Community.JobFamily != "care" || sig.Community.HoursPerMonth != 2 ||
		!slices.Equal(sig.Community.Tags, cafe.Tags) || !sig.Community.Has(tsunagari.TraitNewcomerSupport) || sig.Community.MemberCount != 3 {
		t.Errorf("café signals community = %+v", sig.Community)
	}
	// Active members only: the organiser, the care worker and the IT
	// engineer, not the one waiting for approval.
	if len(sig.Members) != 3 {
		t.Fatalf("café members = %+v, want 3 active", sig.Members)
	}
	var gotCare, gotIT *tsunagari.MemberSignals
	for i, m := range sig.Members {
		switch {
		case m.JobFamily == "it":
			gotIT = &sig.Members[i]
		case m.Values != nil:
			gotCare = &sig.Members[i]
		}
	}
	if gotIT == nil || gotIT.Industry != "it_telecom" || gotIT.Prefecture != "27" || gotIT.HomePrefecture != "" || gotIT.AgeBand != "40s" || gotIT.Values != nil {
		t.Errorf("IT member signals = %+v", gotIT)
	}
	if gotCare == nil || gotCare.HomePrefecture != "15" {
		t.Fatalf("care member signals = %+v", gotCare)
	}
	if v, _ := tsunagari.ScoreOf(gotCare.Values, "expertise"); v != 80 {
		t.Errorf("care member's values = %+v, want the latest diagnosis (expertise 80)", gotCare.Values)
	}
	want := []tsunagari.TraitScore{{Trait: tsunagari.TraitMemberRun}, {Trait: tsunagari.TraitPurposeFit},
		{Trait: tsunagari.TraitFlexibleIntensity}, {Trait: tsunagari.TraitFreeExit, Raters: 1, Mean: 2},
		{Trait: tsunagari.TraitNewcomerSupport, Raters: 2, Mean: 4.5}}
	if !slices.Equal(sig.Ratings, want) {
		t.Errorf("café ratings = %+v, want %+v", sig.Ratings, want)
	}
	if n := all[niigata.ID]; len(n.Members) != 1 || len(n.Ratings) != len(tsunagari.Traits) || n.Ratings[0].Raters != 0 {
		t.Errorf("県人会 signals = %+v members, %+v ratings", n.Members, n.Ratings)
	}

	some := read([]string{niigata.ID, hidden.ID, tsunagari.NewID()})
	if len(some) != 1 || some[niigata.ID] == nil {
		t.Errorf("EachCommunitySignals(県人会, hidden, unknown) = %d communities, want the 県人会 only", len(some))
	}
	if none := read([]string{}); len(none) != 0 {
		t.Errorf("EachCommunitySignals(no IDs) = %d communities, want none", len(none))
	}

	ids, err := s.Recommend.AccountCommunities(ctx, []string{lead.ID, waiting.ID})
	want2 := []string{cafe.ID, niigata.ID, hidden.ID}
	slices.Sort(want2)
	if err != nil || !slices.Equal(ids, want2) {
		t.Errorf("AccountCommunities(lead, waiting) = %v, %v; want %v", ids, err, want2)
	}
	if ids, _ := s.Recommend.AccountCommunities(ctx, []string{waiting.ID}); len(ids) != 0 {
		t.Errorf("AccountCommunities(pending only) = %v, want none", ids)
	}
}

// watcher collects what WatchRecommendChanges reports.
type watcher struct {
	mu      sync.Mutex
	changes []tsunagari.RecommendChange
	stop    context.CancelFunc
	done    chan error
}

func watch(t *testing.T, s tsunagari.RecommendStore) *watcher {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	w := &watcher{stop: cancel, done: make(chan error, 1)}
	go func() {
		w.done <- s.WatchRecommendChanges(ctx, func(cs []tsunagari.RecommendChange) error {
			w.mu.Lock()
			w.changes = append(w.changes, cs...)
			w.mu.Unlock()
			return nil
		})
	}()
	t.Cleanup(func() {
		cancel()
		<-w.done
	})
	return w
}

// await waits up to two seconds for a change that ok accepts, forgets it
// and the changes before it, and returns those.
func (w *watcher) await(t *testing.T, what string, ok func(tsunagari.RecommendChange) bool) []tsunagari.RecommendChange {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for {
		w.mu.Lock()
		seen := slices.Clone(w.changes)
		i := slices.IndexFunc(w.changes, ok)
		if i >= 0 {
			w.changes = w.changes[i+1:]
		}
		w.mu.Unlock()
		if i >= 0 {
			return seen[:i]
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: no change reported within 2s; saw %+v", what, seen)
		}
		select {
		case err := <-w.done:
			t.Fatalf("%s: the watch ended: %v", what, err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func testWatch(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Stores()
	mustSaveInstrument(t, s, valuesLike())
	round := mustCreateRound(t, s, &tsunagari.Round{InstrumentID: "values_diagnosis", InstrumentVersion: 1,
		Mode: tsunagari.ModePersonal, Standing: true})
	lead := mustCreateAccount(t, s, account("lead@example.jp"))
	a := mustCreateAccount(t, s, account("joiner@example.jp"))

	w := watch(t, s.Recommend)
	w.await(t, "start", func(c tsunagari.RecommendChange) bool { return c.All })

	c := mustCreateCommunity(t, s, community(tsunagari.CommunityOccupational, "介護の対話カフェ", lead))
	w.await(t, "CreateCommunity", func(ch tsunagari.RecommendChange) bool { return ch.CommunityID == c.ID })

	mustJoin(t, s, c, a, tsunagari.MembershipActive, t0)
	w.await(t, "CreateMembership", func(ch tsunagari.RecommendChange) bool { return ch.CommunityID == c.ID && ch.AccountID == a.ID })

	if err := s.Communities.DeleteMembership(ctx, c.ID, a.ID); err != nil {
		t.Fatal(err)
	}
	// An ended membership names its community; it need not name the
	// person, who may be erasing their account.
	w.await(t, "DeleteMembership", func(ch tsunagari.RecommendChange) bool { return ch.CommunityID == c.ID })

	job := "it"
	if _, err := s.Accounts.UpdateAccount(ctx, a.ID, tsunagari.AccountUpdate{JobFamily: &job}); err != nil {
		t.Fatal(err)
	}
	w.await(t, "UpdateAccount(job family)", func(ch tsunagari.RecommendChange) bool { return ch.AccountID == a.ID && ch.CommunityID == "" })

	mustTakeValues(t, s, round, a, t0, 50, 50)
	w.await(t, "values diagnosis", func(ch tsunagari.RecommendChange) bool { return ch.AccountID == a.ID && ch.CommunityID == "" })

	if err := s.Communities.SetCommunityHidden(ctx, c.ID, &t0, "規約違反"); err != nil {
		t.Fatal(err)
	}
	w.await(t, "SetCommunityHidden", func(ch tsunagari.RecommendChange) bool { return ch.CommunityID == c.ID && ch.AccountID == "" })

	wt := tsunagari.DefaultRecommendWeights()
	if err := s.Recommend.SaveRecommendWeights(ctx, &wt); err != nil {
		t.Fatal(err)
	}
	w.await(t, "SaveRecommendWeights", func(ch tsunagari.RecommendChange) bool { return ch.Weights })

	// A name change of the account is no change of its signals.
	name := "新しい 名前"
	if _, err := s.Accounts.UpdateAccount(ctx, lead.ID, tsunagari.AccountUpdate{Name: &name}); err != nil {
		t.Fatal(err)
	}
	mustJoin(t, s, c, a, tsunagari.MembershipActive, t0) // a marker after it
	before := w.await(t, "marker", func(ch tsunagari.RecommendChange) bool { return ch.AccountID == a.ID && ch.CommunityID == c.ID })
	for _, ch := range before {
		if ch.AccountID == lead.ID && ch.CommunityID == "" {
			t.Errorf("a change of name was reported as a change of signals: %+v", ch)
		}
	}
}
