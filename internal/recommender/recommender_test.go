package recommender_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"tsunagari"
	"tsunagari/internal/audit"
	"tsunagari/internal/postgres"
	"tsunagari/internal/postgres/pgtest"
	"tsunagari/internal/recommend"
	"tsunagari/internal/recommender"
	"tsunagari/internal/sqlite"
	"tsunagari/internal/survey"
)

// db is one handle on a database: what a tsunagari process opens.
type db interface {
	Stores() tsunagari.Stores
	DataFingerprint(ctx context.Context) (string, error)
	Close() error
}

// opener returns a function that opens a new handle on one fresh,
// migrated database each time it is called, as another process would.
type opener func(t *testing.T) func() db

func sqliteDB(t *testing.T) func() db {
	path := filepath.Join(t.TempDir(), "r.db")
	return func() db {
		d, err := sqlite.Open(context.Background(), path, sqlite.Options{Migrate: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		return d
	}
}

func postgresDB(t *testing.T) func() db {
	dsn := pgtest.MustCreateSchema(t)
	return func() db {
		d, err := postgres.Open(context.Background(), dsn, postgres.Options{Migrate: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		return d
	}
}

func onBoth(t *testing.T, f func(t *testing.T, open opener)) {
	t.Run("sqlite", func(t *testing.T) { f(t, sqliteDB) })
	t.Run("postgres", func(t *testing.T) {
		if !pgtest.Enabled() {
			t.Skip(pgtest.DSNEnv + " is not set")
		}
		f(t, postgresDB)
	})
}

// start runs a recommender on d until the test ends.
func start(t *testing.T, d db) *recommender.Service {
	t.Helper()
	st := d.Stores()
	ctx, cancel := context.WithCancel(context.Background())
	s := &recommender.Service{Store: st.Recommend, Communities: st.Communities, Surveys: st.Surveys,
		Audit: &audit.Service{Store: st.Audit, Accounts: st.Accounts}}
	if err := s.Start(ctx); err != nil {
		cancel()
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(cancel)
	return s
}

// world is a small directory: a Niigata 県人会, a care café, a union and an
// IT study group, and the people in them.
type world struct {
	st                          tsunagari.Stores
	lead                        *tsunagari.Account
	niigata, care, union, it    *tsunagari.Community
	hanako, taro, careWorker    *tsunagari.Account
	operator                    *tsunagari.Account
	valuesRound, isolationRound string
}

func person(t *testing.T, st tsunagari.Stores, email, job, lives, home string, roles ...tsunagari.Role) *tsunagari.Account {
	t.Helper()
	a := &tsunagari.Account{Email: email, Name: "山田 花子", Roles: append([]tsunagari.Role{tsunagari.RoleMember}, roles...),
		JobFamily: job, Industry: "services", Prefecture: lives, HomePrefecture: home, AgeBand: "30s"}
	if err := st.Accounts.CreateAccount(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	return a
}

func newWorld(t *testing.T, st tsunagari.Stores) *world {
	t.Helper()
	ctx := context.Background()
	if err := survey.Install(ctx, st.Surveys, tsunagari.NewID, time.Now()); err != nil {
		t.Fatal(err)
	}
	w := &world{st: st}
	yes := true
	rounds, err := st.Surveys.FindRounds(ctx, tsunagari.RoundFilter{Standing: &yes})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rounds {
		switch r.InstrumentID {
		case survey.ValuesDiagnosis:
			w.valuesRound = r.ID
		case survey.IsolationCheck:
			w.isolationRound = r.ID
		}
	}
	w.lead = person(t, st, "lead@example.jp", "marketing", "13", "15", tsunagari.RoleOrganiser)
	mk := func(kind tsunagari.CommunityKind, name, purpose string, edit func(c *tsunagari.Community)) *tsunagari.Community {
		c := &tsunagari.Community{Kind: kind, Name: name, Purpose: purpose, Tags: []string{}, Prefecture: "13", Online: true,
			Styles: []tsunagari.ActivityStyle{tsunagari.StyleEvents}, Languages: []string{"ja"}, JoinPolicy: tsunagari.JoinOpen,
			HoursPerMonth: 2, Traits: []tsunagari.Trait{tsunagari.TraitFreeExit},
			Organisers: []tsunagari.Organiser{{AccountID: w.lead.ID, Role: tsunagari.CommunityOrganiser}}}
		if edit != nil {
			edit(c)
		}
		if err := st.Communities.CreateCommunity(ctx, c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	w.niigata = mk(tsunagari.CommunityRegionalAlumni, "にいがた県人会 in 東京", "新潟にゆかりのある人が東京でつながる",
		func(c *tsunagari.Community) { c.HomePrefecture = "15" })
	w.care = mk(tsunagari.CommunityOccupational, "介護職の対話カフェ", "介護の現場で働く人が悩みを話し合う",
		func(c *tsunagari.Community) { c.Tags = []string{"介護"} })
	w.union = mk(tsunagari.CommunityUnion, "つながるユニオン", "キャリア相談と転職支援", nil)
	w.it = mk(tsunagari.CommunityOccupational, "IT勉強会", "エンジニアの学び直し", nil)
	w.hanako = person(t, st, "hanako@example.jp", "public", "13", "15")
	w.taro = person(t, st, "taro@example.jp", "sales", "27", "27")
	w.careWorker = person(t, st, "care@example.jp", "care", "11", "11")
	w.operator = person(t, st, "op@example.jp", "", "13", "", tsunagari.RoleOperator)
	return w
}

func join(t *testing.T, st tsunagari.Stores, c *tsunagari.Community, a *tsunagari.Account) {
	t.Helper()
	if err := st.Communities.CreateMembership(context.Background(), &tsunagari.Membership{CommunityID: c.ID, AccountID: a.ID,
		Involvement: tsunagari.InvolvementRegular, Role: tsunagari.CommunityMember, Status: tsunagari.MembershipActive}); err != nil {
		t.Fatal(err)
	}
}

func names(res *recommender.Result) []string {
	var out []string
	for _, it := range res.Items {
		out = append(out, it.Community.Name)
	}
	return out
}

func item(res *recommender.Result, id string) *recommender.Item {
	for i := range res.Items {
		if res.Items[i].Community.ID == id {
			return &res.Items[i]
		}
	}
	return nil
}

func hasReason(it *recommender.Item, code string) *recommend.Reason {
	if it == nil {
		return nil
	}
	for i := range it.Reasons {
		if it.Reasons[i].Code == code {
			return &it.Reasons[i]
		}
	}
	return nil
}

// eventually retries cond for up to two seconds, the freshness promised,
// and returns how long it took.
func eventually(t *testing.T, what string, cond func() (bool, string)) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		ok, state := cond()
		if ok {
			return time.Since(start)
		}
		if time.Since(start) > 2*time.Second {
			t.Fatalf("%s: not within 2s; %s", what, state)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestRecommendForMembers(t *testing.T) {
	onBoth(t, func(t *testing.T, open opener) {
		ctx := context.Background()
		d := open(t)()
		w := newWorld(t, d.Stores())
		s := start(t, d)

		// Hanako, from Niigata and living in Tokyo, gave up a U-turn.
		resp := &tsunagari.Response{RoundID: w.isolationRound, InstrumentID: survey.IsolationCheck, InstrumentVersion: 1,
			AccountID: w.hanako.ID, SubmittedAt: time.Now(), Answers: []tsunagari.Answer{
				{Item: "given_up", Choices: []string{"u_turn", "none_such"}}, {Item: "supporters", Choices: []string{"nobody"}}}}
		if err := w.st.Surveys.SubmitResponse(ctx, resp); err != nil {
			t.Fatal(err)
		}
		res, err := s.Recommend(ctx, w.hanako, recommender.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(res.GivenUp, []string{"u_turn"}) {
			t.Errorf("GivenUp = %v, want [u_turn]", res.GivenUp)
		}
		if len(res.Items) == 0 || res.Items[0].Community.ID != w.niigata.ID {
			t.Fatalf("Hanako's recommendations = %v, want the 県人会 first", names(res))
		}
		if r := hasReason(&res.Items[0], recommend.ReasonHomeCommunity); r == nil || r.Prefecture != "15" {
			t.Errorf("reasons = %+v, want home_community 15", res.Items[0].Reasons)
		}

		// Once she has joined, it is no longer recommended to her.
		join(t, w.st, w.niigata, w.hanako)
		res, err = s.Recommend(ctx, w.hanako, recommender.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if item(res, w.niigata.ID) != nil {
			t.Errorf("after joining, the 県人会 is still recommended: %v", names(res))
		}

		// The care worker finds the care café: by its declaration, or by its
		// members.
		for _, a := range []string{"a", "b", "c", "d", "e"} {
			join(t, w.st, w.care, person(t, w.st, "care-"+a+"@example.jp", "care", "13", "13"))
		}
		eventually(t, "care workers joining the café", func() (bool, string) {
			res, err := s.Recommend(ctx, w.careWorker, recommender.Options{})
			if err != nil {
				t.Fatal(err)
			}
			r := hasReason(item(res, w.care.ID), recommend.ReasonJobShare)
			return len(res.Items) > 0 && res.Items[0].Community.ID == w.care.ID && r != nil && r.Percent == 83,
				fmt.Sprintf("got %v, reasons %+v", names(res), item(res, w.care.ID))
		})

		// Filters: online only keeps every one of these; a prefecture far
		// away keeps the online ones; an hour a month keeps none.
		hour := 1
		res, err = s.Recommend(ctx, w.taro, recommender.Options{Filter: &tsunagari.RecommendPrefs{MaxHours: &hour}})
		if err != nil || len(res.Items) != 0 {
			t.Errorf("with at most 1 hour a month: %v, %v; want none", names(res), err)
		}
		bad := "99"
		_, err = s.Recommend(ctx, w.taro, recommender.Options{Filter: &tsunagari.RecommendPrefs{Prefecture: bad}})
		if tsunagari.ErrorCode(err) != tsunagari.CodeInvalid {
			t.Errorf("filter prefecture 99: error %v, want invalid", err)
		}
		if _, err := s.Recommend(ctx, nil, recommender.Options{}); tsunagari.ErrorCode(err) != tsunagari.CodeUnauthorized {
			t.Errorf("signed out: error %v, want unauthorized", err)
		}
	})
}

func TestPreferencesAndMarks(t *testing.T) {
	onBoth(t, func(t *testing.T, open opener) {
		ctx := context.Background()
		d := open(t)()
		w := newWorld(t, d.Stores())
		s := start(t, d)
		fp := func() string {
			t.Helper()
			f, err := d.DataFingerprint(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return f
		}

		p, err := s.Preferences(ctx, w.taro)
		if err != nil || p.Wish != "" || p.MaxFee != nil {
			t.Fatalf("Preferences(none saved) = %+v, %v", p, err)
		}
		wish, fee := "  転職の相談ができる仲間がほしい\r\n", 1000
		if p, err = s.SavePreferences(ctx, w.taro, tsunagari.RecommendPrefsUpdate{Wish: &wish, MaxFee: &fee}); err != nil {
			t.Fatal(err)
		}
		if p.Wish != "転職の相談ができる仲間がほしい" || *p.MaxFee != 1000 {
			t.Errorf("SavePreferences = %+v", p)
		}
		online := true
		if p, err = s.SavePreferences(ctx, w.taro, tsunagari.RecommendPrefsUpdate{Online: &online, ClearMaxFee: true}); err != nil {
			t.Fatal(err)
		}
		if p.Wish == "" || p.MaxFee != nil || !p.Online {
			t.Errorf("a second, partial save = %+v; want the wish kept, the fee bound gone, online on", p)
		}
		res, err := s.Recommend(ctx, w.taro, recommender.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Items) == 0 || res.Items[0].Community.ID != w.union.ID || hasReason(&res.Items[0], recommend.ReasonWish) == nil {
			t.Errorf("with the wish 転職の相談: %v, want the union first for its purpose", names(res))
		}

		before := fp()
		long := string(make([]rune, tsunagari.MaxWishLen+1))
		for _, upd := range []tsunagari.RecommendPrefsUpdate{{Wish: &long}, {Prefecture: new("48")}, {MaxHours: new(-1)}} {
			if _, err := s.SavePreferences(ctx, w.taro, upd); tsunagari.ErrorCode(err) != tsunagari.CodeInvalid {
				t.Errorf("SavePreferences(%+v) error = %v, want invalid", upd, err)
			}
		}
		if _, err := s.Mark(ctx, w.taro, w.union.ID, "love"); tsunagari.ErrorCode(err) != tsunagari.CodeInvalid {
			t.Errorf("Mark(love) error = %v, want invalid", err)
		}
		for _, id := range []string{tsunagari.NewID(), "junk"} {
			if _, err := s.Mark(ctx, w.taro, id, tsunagari.MarkBookmark); tsunagari.ErrorCode(err) != tsunagari.CodeNotFound {
				t.Errorf("Mark(%s) error = %v, want not found", id, err)
			}
		}
		if err := s.Unmark(ctx, w.taro, w.union.ID); tsunagari.ErrorCode(err) != tsunagari.CodeNotFound {
			t.Errorf("Unmark(never marked) error = %v, want not found", err)
		}
		if got := fp(); got != before {
			t.Error("refused input changed the database")
		}

		// Dismissed, the union sinks to the end; bookmarked, the café is
		// marked, and listed.
		if _, err := s.Mark(ctx, w.taro, w.union.ID, tsunagari.MarkDismiss); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Mark(ctx, w.taro, w.care.ID, tsunagari.MarkBookmark); err != nil {
			t.Fatal(err)
		}
		res, err = s.Recommend(ctx, w.taro, recommender.Options{})
		if err != nil {
			t.Fatal(err)
		}
		last := res.Items[len(res.Items)-1]
		if last.Community.ID != w.union.ID || !last.Dismissed {
			t.Errorf("after dismissing the union: %v, want it last", names(res))
		}
		if it := item(res, w.care.ID); it == nil || !it.Bookmarked {
			t.Errorf("the bookmarked café = %+v", it)
		}
		marks, err := s.Marks(ctx, w.taro)
		if err != nil || len(marks) != 2 {
			t.Fatalf("Marks = %+v, %v", marks, err)
		}
		if theirs, _ := s.Marks(ctx, w.hanako); len(theirs) != 0 {
			t.Errorf("another member sees marks %+v", theirs)
		}
		// A hidden community cannot be marked, and leaves the lists.
		now := time.Now()
		if err := w.st.Communities.SetCommunityHidden(ctx, w.care.ID, &now, "規約違反"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Mark(ctx, w.taro, w.care.ID, tsunagari.MarkBookmark); tsunagari.ErrorCode(err) != tsunagari.CodeNotFound {
			t.Errorf("Mark(hidden) error = %v, want not found", err)
		}
		if marks, _ := s.Marks(ctx, w.taro); len(marks) != 1 || marks[0].Community.ID != w.union.ID {
			t.Errorf("Marks after hiding the café = %+v, want the union only", marks)
		}
		eventually(t, "hiding the café", func() (bool, string) {
			res, err := s.Recommend(ctx, w.careWorker, recommender.Options{})
			if err != nil {
				t.Fatal(err)
			}
			return item(res, w.care.ID) == nil, fmt.Sprint(names(res))
		})
		if err := s.Unmark(ctx, w.taro, w.union.ID); err != nil {
			t.Fatal(err)
		}
	})
}

func TestWeightsForOperators(t *testing.T) {
	onBoth(t, func(t *testing.T, open opener) {
		ctx := context.Background()
		d := open(t)()
		w := newWorld(t, d.Stores())
		s := start(t, d)
		if _, err := s.Weights(ctx, w.taro); tsunagari.ErrorCode(err) != tsunagari.CodeNotFound {
			t.Errorf("Weights as a member: error %v, want not found", err)
		}
		got, err := s.Weights(ctx, w.operator)
		if err != nil || *got != tsunagari.DefaultRecommendWeights() {
			t.Fatalf("Weights(none saved) = %+v, %v; want the defaults", got, err)
		}
		nw := tsunagari.DefaultRecommendWeights()
		nw.JobFamily = -1
		if err := s.SaveWeights(ctx, w.operator, &nw); tsunagari.ErrorCode(err) != tsunagari.CodeInvalid {
			t.Errorf("SaveWeights(negative) error = %v, want invalid", err)
		}
		nw = tsunagari.RecommendWeights{}
		if err := s.SaveWeights(ctx, w.operator, &nw); tsunagari.ErrorCode(err) != tsunagari.CodeInvalid {
			t.Errorf("SaveWeights(all zero) error = %v, want invalid", err)
		}
		if err := s.SaveWeights(ctx, w.taro, &nw); tsunagari.ErrorCode(err) != tsunagari.CodeNotFound {
			t.Errorf("SaveWeights as a member: error %v, want not found", err)
		}
		// Only the wish counts now, and Hanako's home prefecture no longer
		// explains anything.
		nw = tsunagari.RecommendWeights{Wish: 1}
		if err := s.SaveWeights(ctx, w.operator, &nw); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Weights(ctx, w.operator); got.Wish != 1 || got.HomePrefecture != 0 || got.UpdatedBy != w.operator.ID {
			t.Errorf("Weights after saving = %+v", got)
		}
		res, err := s.Recommend(ctx, w.hanako, recommender.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if hasReason(item(res, w.niigata.ID), recommend.ReasonHomeCommunity) != nil {
			t.Errorf("with the home prefecture weighing nothing, the 県人会 is still explained by it: %+v", item(res, w.niigata.ID))
		}
		events, err := w.st.Audit.FindAuditEvents(ctx, tsunagari.AuditFilter{Action: tsunagari.AuditRecommendWeights})
		if err != nil || len(events) != 1 || events[0].ActorID != w.operator.ID {
			t.Errorf("audit trail of weights = %+v, %v; want one entry by the operator", events, err)
		}
	})
}

// TestFreshAcrossProcesses runs two recommenders on two handles of one
// database, as two tsunagari processes would, and changes the data
// through the first: the second reflects each change within two seconds.
func TestFreshAcrossProcesses(t *testing.T) {
	onBoth(t, func(t *testing.T, open opener) {
		ctx := context.Background()
		handle := open(t)
		one, two := handle(), handle()
		w := newWorld(t, one.Stores())
		first, second := start(t, one), start(t, two)
		_ = first

		share := func(s *recommender.Service) (int, string) {
			res, err := s.Recommend(ctx, w.careWorker, recommender.Options{})
			if err != nil {
				t.Fatal(err)
			}
			r := hasReason(item(res, w.it.ID), recommend.ReasonJobShare)
			if r == nil {
				return 0, fmt.Sprintf("%v: %+v", names(res), item(res, w.it.ID))
			}
			return r.Percent, ""
		}
		var joined []*tsunagari.Account
		for i := range 5 {
			a := person(t, w.st, fmt.Sprintf("it-care-%d@example.jp", i), "care", "13", "13")
			join(t, w.st, w.it, a)
			joined = append(joined, a)
		}
		took := eventually(t, "five care workers joining, seen by the second process", func() (bool, string) {
			pc, state := share(second)
			return pc == 83, fmt.Sprintf("share %d%% %s", pc, state) // 5 of 6 with the organiser
		})
		t.Logf("join seen by the other process after %v", took)

		if err := w.st.Communities.DeleteMembership(ctx, w.it.ID, joined[0].ID); err != nil {
			t.Fatal(err)
		}
		took = eventually(t, "one leaving, seen by the second process", func() (bool, string) {
			pc, state := share(second)
			return pc == 80, fmt.Sprintf("share %d%% %s", pc, state) // 4 of 5
		})
		t.Logf("leave seen by the other process after %v", took)

		job := "care"
		if _, err := w.st.Accounts.UpdateAccount(ctx, w.lead.ID, tsunagari.AccountUpdate{JobFamily: &job}); err != nil {
			t.Fatal(err)
		}
		eventually(t, "the organiser's new job family, seen by the second process", func() (bool, string) {
			pc, state := share(second)
			return pc == 100, fmt.Sprintf("share %d%% %s", pc, state)
		})

		nw := tsunagari.RecommendWeights{Area: 1, Variety: 0}
		if err := first.SaveWeights(ctx, w.operator, &nw); err != nil {
			t.Fatal(err)
		}
		eventually(t, "new weights, seen by the second process", func() (bool, string) {
			got, err := second.Weights(ctx, w.operator)
			if err != nil {
				t.Fatal(err)
			}
			pc, _ := share(second)
			return got.JobFamily == 0 && pc == 0, fmt.Sprintf("weights %+v, share %d", got, pc)
		})

		c := &tsunagari.Community{Kind: tsunagari.CommunityNPO, Name: "新しいNPO", Purpose: "新しい目的", Prefecture: "11",
			JoinPolicy: tsunagari.JoinOpen, Tags: []string{}, Styles: []tsunagari.ActivityStyle{}, Languages: []string{}, Traits: []tsunagari.Trait{}}
		if err := w.st.Communities.CreateCommunity(ctx, c); err != nil {
			t.Fatal(err)
		}
		eventually(t, "a new community, seen by the second process", func() (bool, string) {
			res, err := second.Recommend(ctx, w.careWorker, recommender.Options{})
			if err != nil {
				t.Fatal(err)
			}
			return item(res, c.ID) != nil, fmt.Sprint(names(res))
		})
	})
}

func TestNotReady(t *testing.T) {
	s := &recommender.Service{}
	_, err := s.Recommend(context.Background(), &tsunagari.Account{ID: tsunagari.NewID()}, recommender.Options{})
	if tsunagari.ErrorCode(err) != tsunagari.CodeUnavailable {
		t.Errorf("Recommend before Start: error %v, want unavailable", err)
	}
	var e *tsunagari.Error
	if !errors.As(err, &e) || e.Key != "recommend.not_ready" {
		t.Errorf("error = %v, want recommend.not_ready", err)
	}
}

// TestValueDimensions keeps the index's list of values dimensions in step
// with the built-in values diagnosis.
func TestValueDimensions(t *testing.T) {
	ins, err := survey.Builtins()
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range ins {
		if in.ID != survey.ValuesDiagnosis {
			continue
		}
		var dims []string
		for _, d := range in.Dimensions {
			dims = append(dims, d.ID)
		}
		if !slices.Equal(dims, recommend.ValueDimensions) {
			t.Errorf("values diagnosis dimensions = %v, recommend.ValueDimensions = %v", dims, recommend.ValueDimensions)
		}
		return
	}
	t.Fatal("no built-in values diagnosis")
}
