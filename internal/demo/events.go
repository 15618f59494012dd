package demo

import (
	"context"
	"fmt"
	"slices"
	"time"

	"tsunagari"
)

// The events step gives the demo's communities their calendars: upcoming
// gatherings written like real ones, many welcoming first-time visitors,
// a few already full with people on the waitlist, one drawn by lottery,
// one by approval; and two pro-bono projects that recruit, with their
// first applications. It works on the communities earlier steps stored,
// whichever they are, and does nothing if there are none.

// eventPlan is an event a community of some kind holds.
type eventPlan struct {
	title, description string
	// rule repeats it; "" for once.
	rule string
	// inDays is how many days ahead it first takes place, at hour:minute
	// in Japan, for hours.
	inDays, hour, minute, hours int
	online, venue, trial        bool
	seats                       int
	approval                    bool
	lotteryHours                int
}

var eventPlans = map[tsunagari.CommunityKind][]eventPlan{
	tsunagari.CommunityOccupational: {
		{title: "月例 対話カフェ", description: "同じ仕事をする仲間と、日々の悩みや工夫を安心して話せる場です。話すだけ・聞くだけの参加も歓迎します。",
			rule: "FREQ=MONTHLY;BYDAY=2SA", inDays: 5, hour: 14, hours: 2, venue: true, online: true, trial: true, seats: 20},
		{title: "事例を持ち寄る勉強会", description: "一人10分で現場の事例を紹介し、みんなで意見を出し合います。初めての方は聞くだけでも大丈夫です。",
			inDays: 9, hour: 19, minute: 30, hours: 2, online: true, trial: true, seats: 30},
	},
	tsunagari.CommunityCorporateAlumni: {
		{title: "アルムナイ交流会", description: "退職した仲間と現役社員が近況を語り合う会です。再入社や協業の相談もできます。",
			inDays: 16, hour: 19, hours: 2, venue: true, seats: 40},
	},
	tsunagari.CommunityRegionalAlumni: {
		{title: "ふるさとを語る夕べ", description: "同郷の人と地元の話で盛り上がる気軽な集まりです。Uターン・移住の経験者の話も聞けます。",
			inDays: 12, hour: 18, minute: 30, hours: 2, venue: true, trial: true, seats: 30},
		{title: "オンライン県人会", description: "全国どこからでも参加できるオンラインの県人会です。地元の最新情報を共有します。",
			rule: "FREQ=MONTHLY;BYDAY=-1FR", inDays: 3, hour: 20, hours: 1, online: true, trial: true},
	},
	tsunagari.CommunityUnion: {
		{title: "キャリア相談会（組合員以外も可）", description: "転職・異動・副業の悩みを、組合のキャリア相談員に個別に相談できます。秘密は守られます。",
			inDays: 7, hour: 18, minute: 30, hours: 2, online: true, trial: true, seats: 8},
	},
	tsunagari.CommunityNPO: {
		{title: "活動説明会・見学会", description: "私たちの活動と、プロボノやボランティアでの関わり方をご紹介します。見学だけでもどうぞ。",
			rule: "FREQ=MONTHLY;BYDAY=1SA", inDays: 4, hour: 10, hours: 2, venue: true, online: true, trial: true, seats: 25},
	},
	tsunagari.CommunityWorkerCoop: {
		{title: "協同労働を知る見学会", description: "みんなで出資し、経営し、働く。協同労働の現場を見学し、メンバーと話せます。",
			inDays: 10, hour: 13, hours: 3, venue: true, trial: true, seats: 12},
	},
}

// probonoPlan is a project an NPO or worker cooperative recruits for.
type probonoPlan struct {
	kind               tsunagari.CommunityKind
	title, deliverable string
	description        string
	roles              []tsunagari.ProbonoRole
	teamSize, hours    int
	months, answerDays int
}

var probonoPlans = []probonoPlan{{
	kind: tsunagari.CommunityNPO, title: "寄付サイトのリニューアル", deliverable: "スマートフォンから1分で寄付できるウェブサイト",
	description: "毎月の寄付者を増やすため、寄付の申し込みまでの流れを見直し、サイトを作り直します。週1回のオンライン定例と、チャットでのやり取りで進めます。",
	roles: []tsunagari.ProbonoRole{{Name: "デザイナー", Skills: []string{"UIデザイン", "Figma"}},
		{Name: "エンジニア", Skills: []string{"HTML/CSS", "JavaScript", "Go"}}, {Name: "広報", Skills: []string{"文章", "SNS"}}},
	teamSize: 4, hours: 5, months: 3, answerDays: 10,
}, {
	kind: tsunagari.CommunityWorkerCoop, title: "事業計画と会計のしくみづくり", deliverable: "3年分の事業計画と、毎月の会計を回す手順書",
	description: "組合員みんなで経営を判断できるよう、数字の見える化に取り組みます。経理や企画の経験を活かしたい方を歓迎します。",
	roles:       []tsunagari.ProbonoRole{{Name: "経理", Skills: []string{"会計", "簿記"}}, {Name: "事業企画", Skills: []string{"事業計画", "Excel"}}},
	teamSize:    3, hours: 4, months: 4, answerDays: 14,
}}

// skillsOf are skills a person of a job family might offer.
var skillsOf = map[string][]string{
	"design": {"UIデザイン", "Figma", "Illustrator"}, "engineering": {"Go", "JavaScript", "HTML/CSS"}, "it": {"JavaScript", "HTML/CSS", "SQL"},
	"marketing": {"SNS", "文章", "広告運用"}, "creative": {"文章", "写真", "編集"}, "finance": {"会計", "簿記", "Excel"},
	"admin": {"Excel", "事務", "簿記"}, "management": {"事業計画", "Excel", "マネジメント"}, "consulting": {"事業計画", "Excel", "ファシリテーション"},
	"sales": {"営業", "SNS", "Excel"}, "hr": {"採用", "研修", "文章"}, "legal": {"契約", "法務"}, "education": {"文章", "研修"},
}

// at returns the moment inDays days after now, at hour:minute in Japan.
func at(now time.Time, inDays, hour, minute int) time.Time {
	d := now.In(tsunagari.Tokyo).AddDate(0, 0, inDays)
	return time.Date(d.Year(), d.Month(), d.Day(), hour, minute, 0, 0, tsunagari.Tokyo).UTC()
}

// Limits of the events step, so that large demos stay quick.
const (
	maxDemoCommunities = 300
	demoFull           = 3 // events that are full, with a waitlist
)

func createEvents(ctx context.Context, p *Population) error {
	communities, _, err := p.Stores.Communities.SearchCommunities(ctx, tsunagari.CommunitySearch{Limit: maxDemoCommunities})
	if err != nil {
		return err
	}
	if len(communities) == 0 {
		p.Logger.InfoContext(ctx, "demo events: no communities to hold them")
		return nil
	}
	// The people who ask for seats and apply: anyone but the personas, so
	// that a visitor signing in as one finds their own page untouched.
	var people []*tsunagari.Account
	for a := range p.Accounts() {
		if _, persona := personaByEmail[a.Email]; !persona {
			people = append(people, a)
		}
	}
	p.Rand.Shuffle(len(people), func(i, j int) { people[i], people[j] = people[j], people[i] })
	next := 0
	someone := func() *tsunagari.Account {
		a := people[next%len(people)]
		next++
		return a
	}

	var events []*tsunagari.Event
	for _, c := range communities {
		if len(c.Organisers) == 0 {
			continue
		}
		plans := eventPlans[c.Kind]
		for i, pl := range plans {
			if i > 0 && p.Rand.IntN(2) == 0 {
				continue // not every community has a second kind of gathering
			}
			e, err := p.event(ctx, c, pl, p.Rand.IntN(5))
			if err != nil {
				return fmt.Errorf("event %s of %s: %w", pl.title, c.Name, err)
			}
			events = append(events, e)
		}
	}
	if len(people) == 0 {
		return nil
	}

	// A few in-person events are full, with people on the waitlist.
	full := 0
	for _, e := range events {
		if full == demoFull || e.Venue == "" || e.Recurrence != nil {
			continue
		}
		for k := range e.Capacity + 2 + full {
			r := &tsunagari.RSVP{ID: p.NewID(), EventID: e.ID, StartsAt: e.StartsAt, AccountID: someone().ID, Trial: p.Rand.IntN(3) == 0,
				RequestedAt: arrival(e, k, p.Now)}
			if err := p.Stores.Events.CreateRSVP(ctx, r); err != nil && !isConflict(err) {
				return fmt.Errorf("request for %s: %w", e.Title, err)
			}
		}
		full++
	}
	// Others have a few people coming.
	for _, e := range events {
		if e.Capacity > 0 && e.Capacity <= 12 {
			continue
		}
		for k := range p.Rand.IntN(6) {
			r := &tsunagari.RSVP{ID: p.NewID(), EventID: e.ID, StartsAt: e.StartsAt, AccountID: someone().ID, RequestedAt: arrival(e, k, p.Now)}
			if err := p.Stores.Events.CreateRSVP(ctx, r); err != nil && !isConflict(err) {
				return fmt.Errorf("request for %s: %w", e.Title, err)
			}
		}
	}

	// The largest community holds a popular course drawn by lottery, and
	// a corporate alumni network meets by approval.
	course, err := p.event(ctx, communities[0], eventPlan{title: "人気講座：キャリアの棚卸しワークショップ（抽選）",
		description: "自分の経験と強みを言葉にするワークショップです。応募が多いため、締切（開催の3日前）の後に抽選します。申し込みの早さは結果に影響しません。",
		inDays:      14, hour: 13, hours: 3, online: true, trial: true, seats: 12, lotteryHours: 72}, 0)
	if err != nil {
		return err
	}
	for k := range 20 {
		r := &tsunagari.RSVP{ID: p.NewID(), EventID: course.ID, StartsAt: course.StartsAt, AccountID: someone().ID, RequestedAt: arrival(course, k, p.Now)}
		if err := p.Stores.Events.CreateRSVP(ctx, r); err != nil && !isConflict(err) {
			return fmt.Errorf("lottery entry: %w", err)
		}
	}
	if i := slices.IndexFunc(communities, func(c *tsunagari.Community) bool {
		return c.Kind == tsunagari.CommunityCorporateAlumni && len(c.Organisers) > 0
	}); i >= 0 {
		if _, err := p.event(ctx, communities[i], eventPlan{title: "OB・OG限定 事業相談会（承認制）",
			description: "協業や再入社のご相談を、運営メンバーが確認のうえお受けします。", inDays: 20, hour: 15, hours: 2, online: true,
			seats: 10, approval: true}, 0); err != nil {
			return err
		}
	}
	return p.probono(ctx, communities, someone)
}

// arrival is when the k-th request for e came: a few minutes apart after
// it was announced, never after now.
func arrival(e *tsunagari.Event, k int, now time.Time) time.Time {
	t := e.CreatedAt.Add(time.Duration(k+1) * 7 * time.Minute)
	if t.After(now) {
		return now
	}
	return t
}

func isConflict(err error) bool { return tsunagari.ErrorCode(err) == tsunagari.CodeConflict }

// event stores an event of c from plan pl, shifted by shift days.
func (p *Population) event(ctx context.Context, c *tsunagari.Community, pl eventPlan, shift int) (*tsunagari.Event, error) {
	start := at(p.Now, pl.inDays+shift, pl.hour, pl.minute)
	e := &tsunagari.Event{ID: p.NewID(), CommunityID: c.ID, Title: pl.title, Description: pl.description, StartsAt: start,
		EndsAt: start.Add(time.Duration(pl.hours) * time.Hour), Online: pl.online, TrialWelcome: pl.trial, Capacity: pl.seats,
		Waitlist: pl.seats > 0, CreatedBy: c.Organisers[0].AccountID, CreatedAt: p.Between(p.Now.AddDate(0, 0, -20), p.Now.Add(-time.Hour)),
		Exceptions: []string{}}
	if pl.venue {
		e.Prefecture = c.Prefecture
		if e.Prefecture == "" {
			e.Prefecture = "13"
		}
		e.Venue = tsunagari.PrefectureByCode(e.Prefecture).Name + "内の市民交流センター 会議室"
	}
	if !pl.venue && !pl.online {
		e.Online = true
	}
	if e.Online {
		e.OnlineURL = "https://meet.example.jp/" + e.ID
	}
	if pl.rule != "" {
		r, err := tsunagari.ParseRecurrence(pl.rule)
		if err != nil {
			return nil, err
		}
		e.Recurrence = r
		if first, ok := e.First(); ok {
			e.StartsAt, e.EndsAt = first, first.Add(time.Duration(pl.hours)*time.Hour)
		}
	}
	e.Approval, e.LotteryHours = pl.approval, pl.lotteryHours
	e.Clean()
	if err := e.Validate(); err != nil {
		return nil, err
	}
	return e, p.Stores.Events.CreateEvent(ctx, e)
}

// probono has an NPO and a worker cooperative recruit pro-bono teams.
func (p *Population) probono(ctx context.Context, communities []*tsunagari.Community, someone func() *tsunagari.Account) error {
	for _, pl := range probonoPlans {
		i := slices.IndexFunc(communities, func(c *tsunagari.Community) bool { return c.Kind == pl.kind && len(c.Organisers) > 0 })
		if i < 0 {
			continue
		}
		c := communities[i]
		answer := at(p.Now, pl.answerDays, 23, 59)
		proj := &tsunagari.ProbonoProject{ID: p.NewID(), CommunityID: c.ID, Title: pl.title, Deliverable: pl.deliverable, Description: pl.description,
			Roles: pl.roles, TeamSize: pl.teamSize, HoursPerWeek: pl.hours, DurationMonths: pl.months,
			StartsOn: p.Now.In(tsunagari.Tokyo).AddDate(0, 0, pl.answerDays+14).Format(time.DateOnly), AnswerBy: answer,
			CreatedBy: c.Organisers[0].AccountID, CreatedAt: p.Now.AddDate(0, 0, -5)}
		proj.Clean()
		if err := proj.Validate(); err != nil {
			return fmt.Errorf("project %s: %w", pl.title, err)
		}
		if err := p.Stores.Probono.CreateProject(ctx, proj); err != nil {
			return err
		}
		applied := 0
		for tries := 0; applied < 5 && tries < 200; tries++ {
			a := someone()
			skills := skillsOf[a.JobFamily]
			if len(skills) == 0 {
				continue
			}
			x := &tsunagari.ProbonoApplication{ID: p.NewID(), ProjectID: proj.ID, AccountID: a.ID, Skills: skills[:1+p.Rand.IntN(len(skills))],
				HoursPerWeek: 3 + p.Rand.IntN(6), Motivation: "本業で培った経験を、地域の役に立てたいと思い応募しました。",
				CreatedAt: p.Between(proj.CreatedAt, p.Now)}
			if err := p.Stores.Probono.CreateApplication(ctx, x); err != nil {
				if isConflict(err) {
					continue
				}
				return fmt.Errorf("application to %s: %w", pl.title, err)
			}
			applied++
		}
	}
	return nil
}
