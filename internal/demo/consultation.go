package demo

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"tsunagari"
	"tsunagari/internal/consulting"
)

// The consultation step gives the demo its certified career consultants:
// people of varied careers before consulting (HR at a manufacturer, a
// nurse, a sales manager, a public servant…), each with the themes they
// are strong in, their own values diagnosis, a message in their own
// words, the way they work (online or in person, fee or paid by the
// employer's programme) and their hours over the coming weeks, some of
// them nearly full. Two wait for the operator's verification. Members have
// booked sessions ahead, and have had sessions in the past months, with
// the consultant's sealed notes and the member's sealed reflections. The
// personas member@ and member2@ have a history of their own.

// ConsultantCount is how many consultants the demo has, the persona
// consultant@ included.
const ConsultantCount = 36

// consultantBackground is a career a consultant had before consulting.
type consultantBackground struct {
	industries []string
	jobs       []string
	ages       []string
	female     int // percentage chance of a woman
	themes     []string
	// values leans the consultant's own values diagnosis.
	values map[string]float64
	// before is how the message describes the earlier career.
	before, beforeEn string
}

var backgrounds = []consultantBackground{
	{[]string{"manufacturing"}, []string{"hr"}, []string{"50s", "60s"}, 50,
		[]string{"evaluation", "transfer", "senior_career", "management", "market_value"},
		map[string]float64{"stability": 70, "leading": 65, "contribution": 60},
		"メーカーの人事部で採用・評価・異動を20年担当しました", "I spent twenty years in a manufacturer's HR, on hiring, evaluation and transfers"},
	{[]string{"healthcare_welfare"}, []string{"medical", "care"}, []string{"40s", "50s"}, 85,
		[]string{"health_and_work", "care_balance", "return_from_leave", "relations_at_work"},
		map[string]float64{"contribution": 85, "balance": 70},
		"看護師として病院と訪問看護で働いてきました", "I worked as a nurse in hospitals and home care"},
	{[]string{"it_telecom"}, []string{"engineering", "it"}, []string{"30s", "40s"}, 30,
		[]string{"job_change", "side_job", "independence", "learning", "market_value"},
		map[string]float64{"expertise": 80, "autonomy": 75, "challenge": 65},
		"IT企業でエンジニアとプロジェクトマネージャーを経験しました", "I was an engineer and a project manager at IT companies"},
	{[]string{"retail", "services"}, []string{"sales", "management"}, []string{"40s", "50s"}, 40,
		[]string{"management", "relations_at_work", "evaluation", "concrete_steps"},
		map[string]float64{"leading": 75, "challenge": 60},
		"小売チェーンで店長とエリアマネージャーを務めました", "I managed stores and then an area for a retail chain"},
	{[]string{"public_sector"}, []string{"public", "admin"}, []string{"40s", "50s", "60s"}, 45,
		[]string{"u_turn", "my_options", "senior_career", "nobody_to_consult"},
		map[string]float64{"stability": 75, "contribution": 75},
		"県庁で地域振興と人事の仕事をしてきました", "I worked in regional development and personnel at a prefectural government"},
	{[]string{"finance"}, []string{"finance", "sales"}, []string{"40s", "50s"}, 40,
		[]string{"market_value", "job_change", "senior_career", "too_busy"},
		map[string]float64{"stability": 65, "expertise": 70},
		"銀行で法人営業と研修企画を担当しました", "I was in corporate banking and then planned training at a bank"},
	{[]string{"services"}, []string{"legal", "admin"}, []string{"40s", "50s"}, 50,
		[]string{"market_value", "what_i_want", "job_change", "womens_career"},
		map[string]float64{"expertise": 85, "autonomy": 60},
		"企業の法務部で契約とコンプライアンスを担当しました", "I handled contracts and compliance in a company's legal department"},
	{[]string{"education"}, []string{"education"}, []string{"30s", "40s", "50s"}, 60,
		[]string{"learning", "what_i_want", "my_options", "nobody_to_consult"},
		map[string]float64{"contribution": 80, "expertise": 60},
		"高校の教員と大学のキャリアセンターで若い人の進路に関わってきました", "I taught at a high school and then advised students at a university career centre"},
	{[]string{"media", "it_telecom"}, []string{"creative", "design", "marketing"}, []string{"30s", "40s"}, 55,
		[]string{"independence", "side_job", "startup", "what_i_want"},
		map[string]float64{"creating": 80, "autonomy": 80, "challenge": 60},
		"広告制作会社を経てフリーランスのデザイナーとして働いています", "after an advertising agency I have worked as a freelance designer"},
	{[]string{"npo", "services"}, []string{"management", "consulting"}, []string{"30s", "40s"}, 65,
		[]string{"side_job", "my_options", "nobody_to_consult", "care_balance"},
		map[string]float64{"contribution": 85, "balance": 65},
		"NPOの事務局長としてプロボノや地域の活動を支えてきました", "I ran an NPO's secretariat, supporting pro-bono and local projects"},
	{[]string{"manufacturing", "logistics"}, []string{"manufacturing", "logistics"}, []string{"50s", "60s"}, 20,
		[]string{"senior_career", "transfer", "health_and_work", "concrete_steps"},
		map[string]float64{"stability": 70, "expertise": 65},
		"工場の生産管理と物流の現場で30年働きました", "I worked thirty years in production control and logistics"},
	{[]string{"services", "it_telecom"}, []string{"hr", "consulting"}, []string{"30s", "40s"}, 75,
		[]string{"womens_career", "return_from_leave", "care_balance", "too_busy", "evaluation"},
		map[string]float64{"balance": 75, "autonomy": 60},
		"人材会社で転職支援をし、自分も育休から復帰しました", "I supported job changers at a recruitment firm and came back from parental leave myself"},
}

// themeWords are how a consultant's message speaks of a theme.
var themeWords = map[string][2]string{
	"market_value":      {"「自分の市場価値がわからない」という方と、経験を棚卸しして言葉にするところから始めます。", "With people unsure of their market value, I start by taking stock of their experience and putting it into words."},
	"what_i_want":       {"やりたいことが見えないときは、これまで夢中になれた場面を一緒にたどります。", "When you cannot see what you want, we trace together the moments you were absorbed in."},
	"my_options":        {"社内外にどんな選択肢があるのか、情報を整理しながら考えます。", "We look at the options inside and outside your company, sorting out the information."},
	"nobody_to_consult": {"身近に相談できる人がいない方こそ、気軽に話しに来てください。", "If there is nobody around you to talk to, that is exactly when to come."},
	"concrete_steps":    {"考えを「明日からできる一歩」に落とし込むお手伝いをします。", "I help turn your thinking into a first step you can take tomorrow."},
	"too_busy":          {"忙しくてキャリアを考える余裕がない方と、30分でも立ち止まる時間をつくります。", "For people too busy to think about their career, we make time to pause, even briefly."},
	"transfer":          {"異動の希望をどう伝えるか、社内でのキャリアの広げ方もご相談ください。", "Ask me too about voicing transfer wishes and growing your career inside your company."},
	"job_change":        {"転職するかどうか迷っている段階からお話を伺います。", "I am glad to talk while you are still unsure whether to change jobs."},
	"side_job":          {"副業やプロボノで社外に一歩出てみたい方を応援しています。", "I support people who want a first step outside their company through a side job or pro bono."},
	"independence":      {"独立・フリーランスという働き方の現実も、経験からお話しできます。", "I can speak from experience about the realities of going independent."},
	"startup":           {"起業を考え始めた方の、不安と期待の両方を聴きます。", "For people starting to think about founding something, I listen to both hopes and worries."},
	"learning":          {"学び直しの計画を、仕事や生活と両立できる形にしていきます。", "We shape a plan for learning that fits your work and life."},
	"u_turn":            {"Uターンや地方での仕事を考えている方の相談も多く受けています。", "Many people consult me about a U-turn or work in the regions."},
	"care_balance":      {"育児や介護と仕事の両立に悩む方の話を、たくさん聴いてきました。", "I have listened to many people balancing childcare or caregiving with work."},
	"relations_at_work": {"職場の人間関係のモヤモヤも、言葉にすると整理できることがあります。", "Unease about relationships at work often becomes clearer once it is put into words."},
	"evaluation":        {"評価や昇進への納得感について、人事の視点も交えて考えます。", "We think about evaluation and promotion, with an HR perspective too."},
	"return_from_leave": {"休職や育休からの復帰に向けた不安を、一つずつほどいていきます。", "We untangle, one by one, the worries of returning from leave."},
	"senior_career":     {"50代・60代からのキャリア、定年後の働き方もご相談ください。", "Ask me about careers from your fifties and sixties and about work after retirement."},
	"womens_career":     {"女性のキャリアの悩みに、同じ立場を経験した者として寄り添います。", "I stand by women facing career questions, having been there myself."},
	"health_and_work":   {"体調や治療と仕事の両立についても、安心して話せる場にします。", "You can talk safely here about balancing health or treatment with work."},
	"management":        {"管理職になった・なりたい方の迷いにも向き合います。", "I also work with the doubts of new and would-be managers."},
}

// closings end a message: how the consultant works.
var closings = [][2]string{
	{"アドバイスよりも、あなたが自分の言葉で話せる時間を大切にしています。", "More than advice, I value time in which you can speak in your own words."},
	{"会社の外の立場だからこそ話せることがあります。安心してお話しください。", "Some things can be said only to someone outside your company. Please speak freely."},
	{"結論を急がず、一緒に考える伴走者でありたいと思っています。", "I would like to walk alongside you, without hurrying to conclusions."},
	{"話しながら気持ちが整理されていく時間を一緒につくりましょう。", "Let us make time in which your thoughts sort themselves out as you talk."},
}

// Notes and reflections of past sessions, by the first theme booked.
var pastNotes = []string{
	"異動希望をどう伝えるかで迷っている。上司との関係は悪くない。次回までに、やってみたい仕事を3つ書き出してもらう。",
	"育児との両立で時短勤務中。評価への不安が強い。できていることの棚卸しを一緒に行った。",
	"転職サイトに登録したが動けていない。市場価値を知りたいというより、今の仕事の意味を確かめたい様子。",
	"地元（新潟）へのUターンを検討。家族の状況も含めて選択肢を整理。地域の仕事の情報源を紹介。",
	"副業に興味。会社の規程を確認することから。プロボノという形も選択肢として紹介した。",
	"職場の人間関係で疲れている。まずは話して整理できたと本人。無理に結論を出さない。",
}

var pastReflections = [][2]string{
	{"話してみて、自分が本当は人を育てる仕事をしたいのだとわかった。", "上司との1on1で、やってみたい仕事を伝える。"},
	{"焦っていたのは、比べる相手を間違えていたからかもしれない。", "できたことを毎週一つ書き留める。"},
	{"社外の人に話すと、会社では言えないことも言えた。", "気になっている勉強会に一度参加してみる。"},
	{"Uターンは「逃げ」ではなく選択肢の一つだと思えた。", "地元の求人とコミュニティを調べる。"},
	{"副業は思ったより身近な選択肢だった。", "就業規則を読んで、人事に確認する。"},
	{"すぐに結論を出さなくてもいいと言われて楽になった。", "1か月後にもう一度話す。"},
}

func createConsultation(ctx context.Context, p *Population) error {
	st := p.Stores.Consultation
	if st == nil {
		return fmt.Errorf("missing consultation store")
	}
	operator := p.Personas["operator@tsunagari.example"]
	consultants, err := p.createConsultants(ctx)
	if err != nil {
		return err
	}
	for i, c := range consultants {
		acc, prof := c.acc, c.prof
		if err := prof.Validate(); err != nil {
			return fmt.Errorf("consultant %s: %w", acc.Email, err)
		}
		if err := st.SaveConsultant(ctx, prof); err != nil {
			return fmt.Errorf("consultant %s: %w", acc.Email, err)
		}
		// The last two wait for the operator.
		if i < len(consultants)-2 && operator != nil {
			if err := st.VerifyConsultant(ctx, acc.ID, operator.ID, p.Between(prof.CreatedAt, prof.CreatedAt.Add(3*day))); err != nil {
				return err
			}
		}
		if err := c.av.Validate(); err != nil {
			return fmt.Errorf("availability of %s: %w", acc.Email, err)
		}
		if err := st.SaveAvailability(ctx, c.av); err != nil {
			return err
		}
	}
	bookable := consultants[:len(consultants)-2]
	return p.createBookings(ctx, bookable)
}

// demoConsultant is one consultant as the step builds it.
type demoConsultant struct {
	acc  *tsunagari.Account
	prof *tsunagari.Consultant
	av   *tsunagari.Availability
	bg   consultantBackground
	// female is the consultant's sex as their name was drawn.
	female bool
}

func (p *Population) createConsultants(ctx context.Context) ([]*demoConsultant, error) {
	r := p.Rand
	var (
		out   []*demoConsultant
		fresh []*tsunagari.Account
	)
	persona := p.Personas["consultant@tsunagari.example"]
	for i := range ConsultantCount {
		bg := backgrounds[i%len(backgrounds)]
		c := &demoConsultant{bg: bg, female: true}
		if i == 0 && persona != nil {
			c.acc = persona // 山口 直子: twenty years in a manufacturer's HR
		} else {
			c.female = r.IntN(100) < bg.female
			chance := 0
			if c.female {
				chance = 100
			}
			age := bg.ages[r.IntN(len(bg.ages))]
			c.acc = p.person(personalDomain.pick(r), "consulting", bg.industries[0], age, p.geo.lives.pick(r), chance)
			c.acc.Roles = []tsunagari.Role{tsunagari.RoleMember, tsunagari.RoleConsultant}
			c.acc.CreatedAt = p.Between(p.Opened().Add(day), p.Now.Add(-30*day))
			c.acc.PasswordChangedAt = c.acc.CreatedAt
			fresh = append(fresh, c.acc)
		}
		out = append(out, c)
	}
	if err := p.CreateAccounts(ctx, fresh); err != nil {
		return nil, err
	}
	for i, c := range out {
		c.prof = p.consultantProfile(i, c)
		c.av = p.consultantHours(i, c.acc.ID)
	}
	return out, nil
}

// consultantProfile draws the profile of the i-th consultant.
func (p *Population) consultantProfile(i int, dc *demoConsultant) *tsunagari.Consultant {
	r := p.Rand
	acc, bg := dc.acc, dc.bg
	themes := slices.Clone(bg.themes)
	r.Shuffle(len(themes), func(a, b int) { themes[a], themes[b] = themes[b], themes[a] })
	themes = themes[:3+r.IntN(len(themes)-2)]
	// Everyone also takes one theme outside their background.
	extra := tsunagari.Themes[r.IntN(len(tsunagari.Themes))].ID
	if !slices.Contains(themes, extra) {
		themes = append(themes, extra)
	}
	gender := "male"
	switch {
	case r.IntN(10) == 0:
		gender = "" // some leave it out
	case dc.female:
		gender = "female"
	}
	var values []tsunagari.Score
	for _, d := range []string{"expertise", "autonomy", "stability", "challenge", "contribution", "balance", "creating", "leading"} {
		v := 45 + r.NormFloat64()*12
		if lean, ok := bg.values[d]; ok {
			v = lean + r.NormFloat64()*8
		}
		values = append(values, tsunagari.Score{Dimension: d, Value: math.Round(min(100, max(0, v))*10) / 10, Items: 3})
	}
	years := 2 + r.IntN(18)
	if acc.AgeBand == "30s" {
		years = 1 + r.IntN(6)
	}
	var msg []string
	msg = append(msg, bg.before+"。")
	for _, t := range themes[:2] {
		msg = append(msg, themeWords[t][0])
	}
	msg = append(msg, closings[r.IntN(len(closings))][0])
	languages := []string{"ja"}
	switch r.IntN(8) {
	case 0:
		languages = append(languages, "en")
	case 1:
		languages = append(languages, []string{"zh", "ko", "vi", "pt"}[r.IntN(4)])
	}
	c := &tsunagari.Consultant{
		AccountID: acc.ID, DisplayName: acc.Name, RegistrationNumber: fmt.Sprintf("%02d%06d", 16+r.IntN(9), 100000+i*7919%900000),
		YearsOfPractice: years, Industries: bg.industries, JobFamilies: bg.jobs, AgeBand: acc.AgeBand, Gender: gender,
		Themes: themes, Values: values, Message: strings.Join(msg, ""), Languages: languages,
		Online: r.IntN(10) > 0, InPerson: r.IntN(3) == 0, Area: acc.Prefecture,
		AutoAccept: r.IntN(4) > 0, MeetingURL: fmt.Sprintf("https://meet.example.jp/%s", acc.ID[:10]),
		CreatedAt: acc.CreatedAt.Add(time.Hour), UpdatedAt: acc.CreatedAt.Add(2 * time.Hour),
	}
	if !c.Online {
		c.InPerson = true
	}
	if i == 0 {
		// The persona consultant@ confirms bookings at once and meets
		// online, so that a visitor can try booking with her.
		c.AutoAccept, c.Online = true, true
	}
	switch r.IntN(3) {
	case 0:
		c.EmployerPaid = true
	case 1:
		c.FeeYen = 3000 + 1000*r.IntN(10)
	}
	return c
}

// Weekly patterns of hours: weekday daytime, evenings after work,
// weekends, or a mix.
var hourPatterns = [][]tsunagari.WeeklyWindow{
	weekdayWindows(10*60, 12*60, 13*60, 17*60),
	weekdayWindows(19*60, 22*60),
	{{Weekday: time.Saturday, Window: tsunagari.Window{Start: 9 * 60, End: 17 * 60}},
		{Weekday: time.Sunday, Window: tsunagari.Window{Start: 10 * 60, End: 16 * 60}}},
	append(weekdayWindows(18*60+30, 21*60), tsunagari.WeeklyWindow{Weekday: time.Saturday, Window: tsunagari.Window{Start: 10 * 60, End: 15 * 60}}),
}

func weekdayWindows(bounds ...tsunagari.Clock) []tsunagari.WeeklyWindow {
	var out []tsunagari.WeeklyWindow
	for d := time.Monday; d <= time.Friday; d++ {
		for i := 0; i+1 < len(bounds); i += 2 {
			out = append(out, tsunagari.WeeklyWindow{Weekday: d, Window: tsunagari.Window{Start: bounds[i], End: bounds[i+1]}})
		}
	}
	return out
}

// consultantHours draws the availability of the i-th consultant.
func (p *Population) consultantHours(i int, id string) *tsunagari.Availability {
	r := p.Rand
	av := &tsunagari.Availability{ConsultantID: id, ClosedOnHolidays: r.IntN(5) > 0,
		SessionMinutes: []int{60, 60, 60, 45, 50, 90}[r.IntN(6)], BufferMinutes: []int{0, 10, 15, 30}[r.IntN(4)],
		WeeklyMax: 3 + r.IntN(10), UpdatedAt: p.Now.Add(-7 * day)}
	pattern := hourPatterns[i%len(hourPatterns)]
	// Not every day of a pattern: drop one or two at random.
	for _, w := range pattern {
		if r.IntN(5) > 0 {
			av.Weekly = append(av.Weekly, w)
		}
	}
	if len(av.Weekly) == 0 {
		av.Weekly = pattern[:1]
	}
	// A week off, or single days, in the coming weeks.
	today := p.Now.In(tsunagari.Tokyo)
	for range r.IntN(3) {
		d := today.AddDate(0, 0, 3+r.IntN(40))
		date := d.Format(time.DateOnly)
		if !slices.ContainsFunc(av.Exceptions, func(e tsunagari.Exception) bool { return e.Date == date }) {
			av.Exceptions = append(av.Exceptions, tsunagari.Exception{Date: date})
		}
	}
	return av
}

// createBookings books sessions: past ones with notes and reflections,
// and future ones that fill some consultants' coming weeks.
func (p *Population) createBookings(ctx context.Context, consultants []*demoConsultant) error {
	r := p.Rand
	st := p.Stores.Consultation
	members := p.WithRole(tsunagari.RoleMember)
	members = slices.DeleteFunc(members, func(a *tsunagari.Account) bool { return len(a.Roles) > 1 })
	if len(members) == 0 {
		return nil
	}
	themeOf := func(c *demoConsultant) []string {
		t := c.prof.Themes
		n := 1 + r.IntN(min(3, len(t)))
		return slices.Clone(t[:n])
	}
	book := func(c *demoConsultant, member *tsunagari.Account, start time.Time, themes []string) (*tsunagari.Booking, error) {
		created := start.Add(-time.Duration(2+r.IntN(10)) * day)
		if start.After(p.Now) {
			created = p.Between(p.Now.Add(-10*day), p.Now.Add(-time.Hour))
		}
		b := &tsunagari.Booking{ID: p.NewID(), ConsultantID: c.acc.ID, MemberID: member.ID, Start: start,
			End: start.Add(c.av.Session()), BlockedUntil: start.Add(c.av.Session() + c.av.Buffer()),
			Status: tsunagari.BookingConfirmed, Themes: themes, MeetingURL: c.prof.MeetingURL, CreatedAt: created, ConfirmedAt: &created}
		if start.After(p.Now) && !c.prof.AutoAccept && r.IntN(2) == 0 {
			b.Status, b.ConfirmedAt = tsunagari.BookingPending, nil
		}
		out, err := st.CreateBooking(ctx, b, tsunagari.WeekCap{}, nil)
		if tsunagari.IsBookingConflict(err) {
			return nil, nil
		}
		return out, err
	}
	record := func(c *demoConsultant, member *tsunagari.Account, b *tsunagari.Booking, k int) error {
		confirmed := slices.Clone(b.Themes)
		if extra := c.prof.Themes[r.IntN(len(c.prof.Themes))]; !slices.Contains(confirmed, extra) && r.IntN(2) == 0 {
			confirmed = append(confirmed, extra)
		}
		if p.Sealer == nil {
			return nil
		}
		n := &tsunagari.Note{BookingID: b.ID, ConsultantID: c.acc.ID, UpdatedAt: b.End.Add(30 * time.Minute),
			Body: consulting.SealNote(p.Sealer, b.ID, c.acc.ID, pastNotes[k%len(pastNotes)])}
		if err := st.SaveNote(ctx, n, cleanThemes(confirmed)); err != nil {
			return err
		}
		if r.IntN(3) == 0 {
			return nil // not everyone writes a reflection
		}
		rf := pastReflections[k%len(pastReflections)]
		refl := &tsunagari.Reflection{BookingID: b.ID, MemberID: member.ID, UpdatedAt: b.End.Add(2 * time.Hour),
			Rating: 3 + r.IntN(3), ShareRating: r.IntN(3) > 0,
			Items: []tsunagari.ReflectionItem{{ID: "realised", Text: rf[0], Share: r.IntN(2) == 0}, {ID: "next_step", Text: rf[1], Share: r.IntN(2) == 0}}}
		if err := refl.Validate(); err != nil {
			return err
		}
		var err error
		if refl.Body, err = consulting.SealReflection(p.Sealer, b.ID, member.ID, refl.Items); err != nil {
			return err
		}
		return st.SaveReflection(ctx, refl)
	}
	// slotsOf returns the session starts c offers in [from, to).
	slotsOf := func(c *demoConsultant, from, to time.Time) []time.Time {
		var out []time.Time
		for _, s := range c.av.Slots(from, to) {
			out = append(out, s.Start)
		}
		return out
	}

	// The personas' own history: member@ met two consultants and has a
	// third session coming; member2@ met one and booked another.
	histories := []struct {
		email  string
		themes [][]string
		past   int
	}{
		{"member@tsunagari.example", [][]string{{"u_turn", "my_options"}, {"transfer", "what_i_want"}, {"u_turn", "concrete_steps"}}, 2},
		{"member2@tsunagari.example", [][]string{{"nobody_to_consult", "relations_at_work"}, {"care_balance"}}, 1},
	}
	k := 0
	for _, h := range histories {
		m := p.Personas[h.email]
		if m == nil {
			continue
		}
		for j, themes := range h.themes {
			c := consultants[(3*j+len(h.email))%len(consultants)]
			var when []time.Time
			if j < h.past {
				when = slotsOf(c, p.Now.Add(-time.Duration(60-25*j)*day), p.Now.Add(-time.Duration(40-25*j)*day))
			} else {
				when = slotsOf(c, p.Now.Add(3*day), p.Now.Add(14*day))
			}
			if len(when) == 0 {
				continue
			}
			b, err := book(c, m, when[r.IntN(len(when))], cleanThemes(themes))
			if err != nil {
				return err
			}
			if b != nil && b.End.Before(p.Now) {
				if err := record(c, m, b, k); err != nil {
					return err
				}
				k++
			}
		}
	}

	// Other members: past sessions over the last five months, and
	// bookings over the coming four weeks. A few consultants after the
	// persona are in demand and nearly full.
	for i, c := range consultants {
		past := slotsOf(c, p.Now.Add(-150*day), p.Now.Add(-time.Hour))
		for range min(len(past), 2+r.IntN(6)) {
			m := members[r.IntN(len(members))]
			b, err := book(c, m, past[r.IntN(len(past))], themeOf(c))
			if err != nil {
				return err
			}
			if b != nil {
				if err := record(c, m, b, k); err != nil {
					return err
				}
				k++
			}
		}
		future := slotsOf(c, p.Now.Add(3*time.Hour), p.Now.Add(28*day))
		share := 0.15
		if i >= 1 && i <= 4 {
			share = 0.9 // in demand: the coming weeks are nearly full
		}
		for _, start := range future {
			if r.Float64() >= share {
				continue
			}
			week, _ := tsunagari.WeekOf(start, c.av.Location())
			if n, err := countWeek(ctx, st, c.acc.ID, week); err != nil {
				return err
			} else if n >= c.av.WeeklyMax {
				continue
			}
			if _, err := book(c, members[r.IntN(len(members))], start, themeOf(c)); err != nil {
				return err
			}
		}
	}
	return nil
}

// countWeek counts a consultant's active bookings of a week.
func countWeek(ctx context.Context, st tsunagari.ConsultationStore, id string, weekStart time.Time) (int, error) {
	bs, err := st.FindBookings(ctx, tsunagari.BookingFilter{ConsultantID: id, Active: true, From: weekStart, To: weekStart.AddDate(0, 0, 7)})
	return len(bs), err
}

// cleanThemes orders theme IDs as tsunagari.Themes does.
func cleanThemes(ids []string) []string {
	out, err := tsunagari.CleanThemes("themes", ids, 0)
	if err != nil {
		panic(err) // the demo's own theme IDs are known
	}
	return out
}
