package demo

import (
	"context"
	"fmt"
	"time"

	"tsunagari"
)

// ideaPlans are the demo's ideas and concerns (問題意識): what people
// wish existed, with how many have said "me too" so far. The first is the
// member persona's own and has reached its goal, so that the demo shows
// the offer to turn it into a community.
var ideaPlans = []struct {
	title, description string
	tags               []string
	area               string
	threshold, fans    int
}{
	{"介護の現場でマネジメントを学べる場がほしい", "主任になったが、人の育て方やシフトの組み方を相談できる相手がいない。現場の人どうしで学び合いたい。",
		[]string{"介護", "マネジメント"}, "15", 5, 6},
	{"育休から復帰したエンジニアどうしで話したい", "時短勤務で技術の追いつき方やキャリアの悩みを話せる場がほしい。",
		[]string{"育児", "エンジニア"}, tsunagari.IdeaOnline, 5, 3},
	{"地方の中小企業で副業人材を受け入れたい", "新潟の製造業で、都市部の副業人材と一緒に仕事をする方法を学びたい。",
		[]string{"副業", "中小企業"}, "15", 8, 4},
	{"50代からの学び直しの仲間がほしい", "定年後も働き続けるために、同世代で学び直しを続けられる集まり。",
		[]string{"学び直し", "ミドルシニア"}, "13", 5, 2},
	{"非正規でも入れる組合がほしい", "契約社員でも相談できて、一緒に労働条件を話し合える場がほしい。",
		[]string{"労働条件", "非正規"}, "27", 10, 5},
}

// createIdeas posts the planned ideas by people of the demo and has
// others say "me too", some offering a role.
func createIdeas(ctx context.Context, p *Population) error {
	if p.Stores.Ideas == nil {
		return fmt.Errorf("missing idea store")
	}
	var people []*tsunagari.Account
	for a := range p.Accounts() {
		if !memberPersonas[a.Email] && a.Email != "operator@tsunagari.example" {
			people = append(people, a)
		}
	}
	if len(people) < 20 {
		return nil
	}
	for n, pl := range ideaPlans {
		poster := people[p.Rand.IntN(len(people))]
		if me := p.Personas["member@tsunagari.example"]; n == 0 && me != nil {
			poster = me
		}
		posted := p.Between(p.Now.Add(-60*day), p.Now.Add(-7*day))
		i := &tsunagari.Idea{ID: p.NewID(), PosterID: poster.ID, Title: pl.title, Description: pl.description, Tags: pl.tags,
			Area: pl.area, Threshold: pl.threshold, CreatedAt: posted}
		if err := p.Stores.Ideas.CreateIdea(ctx, i); err != nil {
			return fmt.Errorf("idea %s: %w", pl.title, err)
		}
		seen := map[string]bool{poster.ID: true}
		for len(seen) <= pl.fans {
			a := people[p.Rand.IntN(len(people))]
			if seen[a.ID] {
				continue
			}
			seen[a.ID] = true
			var role tsunagari.IdeaRole
			if k := p.Rand.IntN(len(tsunagari.IdeaRoles) * 2); k < len(tsunagari.IdeaRoles) {
				role = tsunagari.IdeaRoles[k]
			}
			at := p.Between(posted.Add(time.Hour), p.Now)
			if err := p.Stores.Ideas.AddSupport(ctx, &tsunagari.IdeaSupport{IdeaID: i.ID, AccountID: a.ID, Role: role, CreatedAt: at}); err != nil {
				return fmt.Errorf("idea %s: %w", pl.title, err)
			}
		}
	}
	return nil
}
