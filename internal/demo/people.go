package demo

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"tsunagari"
)

// DemoAccount is an account that signs in with Password, for the README
// and the sign-in page. Each is one of the people of PRODUCT.md §9.
type DemoAccount struct {
	Email string
	Name  string
	// Role is the role the account is there to show.
	Role  tsunagari.Role
	Roles []tsunagari.Role
	// Description says who the person is, in Japanese and in English.
	Description   string
	DescriptionEn string
}

// DemoAccounts lists the shared-password accounts.
func DemoAccounts() []DemoAccount {
	out := make([]DemoAccount, len(personas))
	for i, ps := range personas {
		out[i] = ps.DemoAccount
		out[i].Roles = slices.Clone(ps.Roles)
	}
	return out
}

// persona is a demo account with the profile behind it.
type persona struct {
	DemoAccount
	job, industry, lives, home, age string
	employer                        int      // Large, Mid, Small, or -1 for none
	dept                            []string // department path at the employer
	// joined is when the account was created: after the employer's org
	// for employees, after the instance opened for the others.
	joined time.Duration
}

var (
	member     = []tsunagari.Role{tsunagari.RoleMember}
	consultant = []tsunagari.Role{tsunagari.RoleMember, tsunagari.RoleConsultant}
	organiser  = []tsunagari.Role{tsunagari.RoleMember, tsunagari.RoleOrganiser}
	hrAdmin    = []tsunagari.Role{tsunagari.RoleMember, tsunagari.RoleHRAdmin}
	operator   = []tsunagari.Role{tsunagari.RoleMember, tsunagari.RoleOperator}
)

var personas = []persona{{
	DemoAccount: DemoAccount{
		Email: "member@tsunagari.example", Name: "高橋 健太",
		Role: tsunagari.RoleMember, Roles: member,
		Description:   "相和精機工業（従業員約2,400名）の設計エンジニア、30代。新潟県出身・東京都在住で、Uターンや社外での挑戦を考えている。",
		DescriptionEn: "Design engineer in his 30s at Sowa Seiki, a manufacturer of about 2,400 people. Born in Niigata and living in Tokyo, he is weighing a U-turn or a first step outside his company.",
	},
	job: "engineering", industry: "manufacturing", lives: "13", home: "15", age: "30s",
	employer: Large, dept: []string{"開発本部", "製品開発部", "第一設計課"}, joined: 14 * day,
}, {
	DemoAccount: DemoAccount{
		Email: "member2@tsunagari.example", Name: "中村 真由美",
		Role: tsunagari.RoleMember, Roles: member,
		Description:   "埼玉県のグループホームで施設長を務める40代。勤め先はtsunagariを導入しておらず、個人で登録した。職場の外で、同じ悩みを話せる仲間を探している。",
		DescriptionEn: "Manager of a group home for older people in Saitama, in her 40s. Her employer is not on tsunagari; she signed up on her own to find peers outside her workplace.",
	},
	job: "care", industry: "healthcare_welfare", lives: "11", home: "07", age: "40s",
	employer: -1, joined: 220 * day,
}, {
	DemoAccount: DemoAccount{
		Email: "consultant@tsunagari.example", Name: "山口 直子",
		Role: tsunagari.RoleConsultant, Roles: consultant,
		Description:   "国家資格キャリアコンサルタント、50代、神奈川県在住。メーカーの人事を20年経験した後に独立し、会社の外から1on1を行っている。",
		DescriptionEn: "Certified career consultant in her 50s, living in Kanagawa. After twenty years in a manufacturer's HR she went independent and offers one-on-ones from outside the client's company.",
	},
	job: "consulting", industry: "services", lives: "14", home: "14", age: "50s",
	employer: -1, joined: 40 * day,
}, {
	DemoAccount: DemoAccount{
		Email: "organiser@tsunagari.example", Name: "松本 翔太",
		Role: tsunagari.RoleOrganiser, Roles: organiser,
		Description:   "コミュニティ運営者。東京都在住・新潟県出身の30代のWebマーケターで、新潟にゆかりのある人の集まりや勉強会を企画している。",
		DescriptionEn: "Community organiser: a web marketer in his 30s who lives in Tokyo, grew up in Niigata, and runs meet-ups and study sessions for people with ties to Niigata.",
	},
	job: "marketing", industry: "it_telecom", lives: "13", home: "15", age: "30s",
	employer: -1, joined: 60 * day,
}, {
	DemoAccount: DemoAccount{
		Email: "hr@tsunagari.example", Name: "渡辺 裕子",
		Role: tsunagari.RoleHRAdmin, Roles: hrAdmin,
		Description:   "相和精機工業（従業員約2,400名）人事部人材開発課の担当者、40代。キャリア研修と社内公募を運営し、その効果を匿名集計レポートで確かめたい。",
		DescriptionEn: "HR administrator in her 40s in the career development section of Sowa Seiki (about 2,400 employees). She runs career training and internal job postings and wants anonymised reports to show whether they work.",
	},
	job: "hr", industry: "manufacturing", lives: "14", home: "14", age: "40s",
	employer: Large, dept: []string{"管理本部", "人事部", "人材開発課"}, joined: 30 * time.Minute,
}, {
	DemoAccount: DemoAccount{
		Email: "hr-mid@tsunagari.example", Name: "岡田 誠",
		Role: tsunagari.RoleHRAdmin, Roles: hrAdmin,
		Description:   "ひだまりケア（従業員約640名）の人事担当、50代。介護職員の定着がいちばんの課題。",
		DescriptionEn: "HR administrator in his 50s at Hidamari Care, a care-services company of about 640 people whose first concern is keeping its care staff.",
	},
	job: "hr", industry: "healthcare_welfare", lives: "27", home: "27", age: "50s",
	employer: Mid, dept: []string{"法人本部", "人事部", "採用・研修課"}, joined: 30 * time.Minute,
}, {
	DemoAccount: DemoAccount{
		Email: "hr-small@tsunagari.example", Name: "木下 彩",
		Role: tsunagari.RoleHRAdmin, Roles: hrAdmin,
		Description:   "ミナモデザイン（従業員約50名、福岡市）の管理部員、30代。総務・経理と兼務で人事も担当している。",
		DescriptionEn: "Works in the administration team of Minamo Design, a web and design studio of about 50 people in Fukuoka, and handles HR alongside general affairs and accounting.",
	},
	job: "hr", industry: "it_telecom", lives: "40", home: "44", age: "30s",
	employer: Small, dept: []string{"管理部"}, joined: 30 * time.Minute,
}, {
	DemoAccount: DemoAccount{
		Email: "operator@tsunagari.example", Name: "石井 亮",
		Role: tsunagari.RoleOperator, Roles: operator,
		Description:   "このtsunagariの運営者。アンケートの配信、投稿のモデレーション、インスタンスの管理を担当している。",
		DescriptionEn: "Operator of this tsunagari: runs the survey programmes, moderates posts and administers the instance.",
	},
	job: "it", industry: "it_telecom", lives: "13", home: "13", age: "30s",
	employer: -1,
}}

var personaByEmail = func() map[string]int {
	m := make(map[string]int, len(personas))
	for i, ps := range personas {
		m[ps.Email] = i
	}
	return m
}()

// femaleShare is the percentage of women in each job family, roughly as
// in Japan's workforce.
var femaleShare = map[string]int{
	"sales": 35, "marketing": 50, "engineering": 20, "it": 25, "design": 55,
	"research": 30, "manufacturing": 25, "logistics": 25, "finance": 50,
	"legal": 45, "hr": 60, "admin": 65, "management": 20, "consulting": 45,
	"care": 75, "medical": 80, "education": 50, "public": 40, "retail": 55,
	"hospitality": 60, "creative": 50, "other": 50,
}

// archetype is a kind of person who uses tsunagari without an employer
// on the platform.
type archetype struct {
	weight int
	female int // percentage of women; -1 to follow femaleShare
	ages   []wv
	jobs   []wv
	// industries are of their work, or of their last employer.
	industries []wv
}

// archetypes are the independent members of the demo (PRODUCT.md §9): 40
// of them in the normal demo, in these proportions.
var archetypes = []archetype{
	{ // isolated freelancers: designers, engineers, writers
		weight: 10, female: -1,
		ages:       []wv{{"20s", 2}, {"30s", 4}, {"40s", 3}, {"50s", 1}},
		jobs:       []wv{{"design", 3}, {"engineering", 3}, {"creative", 3}, {"marketing", 2}, {"consulting", 1}},
		industries: []wv{{"services", 3}, {"it_telecom", 3}, {"media", 3}, {"other", 1}},
	},
	{ // mothers on childcare leave who want to return
		weight: 4, female: 100,
		ages:       []wv{{"20s", 1}, {"30s", 4}, {"40s", 1}},
		jobs:       []wv{{"admin", 2}, {"sales", 2}, {"marketing", 1}, {"engineering", 1}, {"finance", 1}, {"hr", 1}},
		industries: []wv{{"finance", 2}, {"retail", 2}, {"services", 2}, {"manufacturing", 1}, {"it_telecom", 1}},
	},
	{ // people between jobs
		weight: 6, female: -1,
		ages:       []wv{{"20s", 2}, {"30s", 3}, {"40s", 2}, {"50s", 2}},
		jobs:       []wv{{"sales", 2}, {"admin", 2}, {"it", 1}, {"manufacturing", 1}, {"retail", 1}, {"logistics", 1}, {"hospitality", 1}},
		industries: []wv{{"retail", 2}, {"services", 2}, {"manufacturing", 2}, {"logistics", 1}, {"it_telecom", 1}, {"other", 1}},
	},
	{ // care workers and nurses whose employer is not on tsunagari
		weight: 6, female: -1,
		ages:       []wv{{"20s", 1}, {"30s", 2}, {"40s", 3}, {"50s", 2}, {"60s", 1}},
		jobs:       []wv{{"care", 3}, {"medical", 2}},
		industries: []wv{{"healthcare_welfare", 1}},
	},
	{ // local government officials
		weight: 2, female: -1,
		ages:       []wv{{"20s", 1}, {"30s", 2}, {"40s", 2}, {"50s", 1}},
		jobs:       []wv{{"public", 1}},
		industries: []wv{{"public_sector", 1}},
	},
	{ // teachers
		weight: 2, female: -1,
		ages:       []wv{{"20s", 1}, {"30s", 2}, {"40s", 2}, {"50s", 1}},
		jobs:       []wv{{"education", 1}},
		industries: []wv{{"education", 1}},
	},
	{ // NPO staff
		weight: 3, female: -1,
		ages:       []wv{{"20s", 2}, {"30s", 2}, {"40s", 1}, {"50s", 1}},
		jobs:       []wv{{"admin", 2}, {"management", 1}, {"other", 1}},
		industries: []wv{{"npo", 1}},
	},
	{ // employees elsewhere who want a side job or to start something
		weight: 5, female: -1,
		ages:       []wv{{"20s", 2}, {"30s", 3}, {"40s", 2}, {"50s", 1}},
		jobs:       []wv{{"sales", 2}, {"it", 2}, {"engineering", 1}, {"finance", 1}, {"marketing", 1}, {"legal", 1}},
		industries: []wv{{"finance", 2}, {"it_telecom", 2}, {"manufacturing", 2}, {"retail", 1}, {"construction", 1}, {"logistics", 1}, {"energy", 1}, {"media", 1}},
	},
	{ // people past sixty looking for a second career
		weight: 2, female: -1,
		ages:       []wv{{"50s", 1}, {"60s", 4}},
		jobs:       []wv{{"management", 2}, {"consulting", 1}, {"other", 1}},
		industries: []wv{{"manufacturing", 1}, {"services", 1}, {"other", 1}},
	},
}

// kind is an archetype ready to draw from.
type kind struct {
	female                 int
	ages, jobs, industries *chooser[string]
}

var (
	kinds, kindWeights = compile(archetypes)
	kindChooser        = newChooser(kinds, kindWeights)
)

func compile(as []archetype) ([]*kind, []int) {
	ks, ws := make([]*kind, len(as)), make([]int, len(as))
	for i, a := range as {
		ks[i] = &kind{female: a.female, ages: choose(a.ages), jobs: choose(a.jobs), industries: choose(a.industries)}
		ws[i] = a.weight
	}
	return ks, ws
}

// personalDomain draws where members without an employer get their mail.
var personalDomain = choose([]wv{{"mail.example", 5}, {"hikari-mail.example", 3}, {"sakura-net.example", 2}})

// managerAges draws the age band of people whose job is management.
var managerAges = choose(agesManager)

// Lifetime is how long the demo tsunagari has been running at Now.
const Lifetime = 420 * day

// createPeople is the step that creates the demo personas, every
// employer's employees and the independent members.
func createPeople(ctx context.Context, p *Population) error {
	if len(p.Employers) < 3 {
		return errors.New("the orgs step must run first")
	}
	independents := 40
	if p.Scale > 1 {
		independents = p.Scale * 100
	}
	p.planned = p.AccountCount + independents
	for _, ps := range personas {
		if ps.employer < 0 {
			p.planned++
		}
	}
	for _, e := range p.Employers {
		p.planned += e.plan
	}

	as := make([]*tsunagari.Account, len(personas))
	for i, ps := range personas {
		a, err := p.persona(ps)
		if err != nil {
			return fmt.Errorf("%s: %w", ps.Email, err)
		}
		as[i] = a
	}
	if err := p.CreateAccounts(ctx, as); err != nil {
		return err
	}

	b := &batch{p: p}
	for _, e := range p.Employers {
		if err := p.createEmployees(ctx, e, b); err != nil {
			return fmt.Errorf("%s: %w", e.Org.Name, err)
		}
	}
	counts := allocate(independents, kindWeights)
	for left := independents; left > 0; left-- {
		k := drawWithout(p.Rand.IntN, counts, left)
		if err := b.add(ctx, p.member(kinds[k])); err != nil {
			return err
		}
	}
	return b.flush(ctx)
}

func (p *Population) persona(ps persona) (*tsunagari.Account, error) {
	a := &tsunagari.Account{
		ID:             p.NewID(),
		Email:          ps.Email,
		Name:           ps.Name,
		PasswordHash:   p.PasswordHash,
		Roles:          slices.Clone(ps.Roles),
		Locale:         "ja",
		JobFamily:      ps.job,
		Industry:       ps.industry,
		Prefecture:     ps.lives,
		HomePrefecture: ps.home,
		AgeBand:        ps.age,
		CreatedAt:      p.Opened().Add(ps.joined),
	}
	if ps.employer >= 0 {
		e := p.Employers[ps.employer]
		d := e.Department(ps.dept...)
		if d == nil {
			return nil, fmt.Errorf("no department %v at %s", ps.dept, e.Org.Name)
		}
		a.CreatedAt = e.Org.CreatedAt.Add(ps.joined)
		a.Employment = &tsunagari.Employment{
			ID: p.NewID(), AccountID: a.ID, OrgID: e.Org.ID, DepartmentID: d.ID, StartedAt: a.CreatedAt,
		}
	}
	a.PasswordChangedAt = a.CreatedAt
	return a, nil
}

// createEmployees creates e's employees: each department gets its share
// of the people, in random order so that any prefix is a fair sample.
func (p *Population) createEmployees(ctx context.Context, e *Employer, b *batch) error {
	n := e.plan - e.EmployeeCount // the personas are already in
	weights := make([]int, len(e.units))
	for i, u := range e.units {
		weights[i] = u.weight
	}
	counts := allocate(n, weights)
	for left := n; left > 0; left-- {
		u := &e.units[drawWithout(p.Rand.IntN, counts, left)]
		job := u.jobs.pick(p.Rand)
		ages := e.ages
		if job == "management" {
			ages = managerAges
		}
		a := p.person(e.Domain, job, e.Org.Industry, ages.pick(p.Rand), p.geo.near(p.Rand, u.pref), -1)
		a.CreatedAt = p.joined(e.Org.CreatedAt)
		a.PasswordChangedAt = a.CreatedAt
		a.Employment = &tsunagari.Employment{
			ID: p.NewID(), AccountID: a.ID, OrgID: e.Org.ID, DepartmentID: u.dept.ID, StartedAt: a.CreatedAt,
		}
		if err := b.add(ctx, a); err != nil {
			return err
		}
	}
	return nil
}

// joined returns when an employee signed up: most in the first month
// after HR invited everyone, the rest since.
func (p *Population) joined(orgCreated time.Time) time.Time {
	wave := orgCreated.Add(30 * day)
	if p.Rand.IntN(100) < 60 {
		return p.Between(orgCreated.Add(day), wave)
	}
	return p.Between(wave, p.Now.Add(-time.Hour))
}

// NewMember returns an unsaved account of a person with no employer on
// the platform, drawn like the demo's independent members. Steps adjust
// it and pass it to CreateAccounts.
func (p *Population) NewMember() *tsunagari.Account {
	return p.member(kindChooser.pick(p.Rand))
}

func (p *Population) member(k *kind) *tsunagari.Account {
	r := p.Rand
	lives := p.geo.lives.pick(r)
	a := p.person(personalDomain.pick(r), k.jobs.pick(r), k.industries.pick(r),
		k.ages.pick(r), lives, k.female)
	a.CreatedAt = p.Between(p.Opened().Add(day), p.Now.Add(-time.Hour))
	a.PasswordChangedAt = a.CreatedAt
	return a
}

// person returns an unsaved member account with a Japanese name and an
// address like misaki.sato.0123@domain. female is the percentage chance
// of a woman, or -1 to follow the job family.
func (p *Population) person(domain, job, industry, age, lives string, female int) *tsunagari.Account {
	r := p.Rand
	if female < 0 {
		female = femaleShare[job]
	}
	fam, giv := p.names.name(r, r.IntN(100) < female, age)
	locale := "ja"
	if r.IntN(100) < 4 {
		locale = "en"
	}
	return &tsunagari.Account{
		ID:             p.NewID(),
		Email:          fmt.Sprintf("%s.%s.%04d@%s", giv.ro, fam.ro, p.mailNumber(domain), domain),
		Name:           fam.ja + " " + giv.ja,
		PasswordHash:   p.PasswordHash,
		Roles:          []tsunagari.Role{tsunagari.RoleMember},
		Locale:         locale,
		JobFamily:      job,
		Industry:       industry,
		Prefecture:     lives,
		HomePrefecture: p.geo.home(r, lives),
		AgeBand:        age,
	}
}

// mailNumber returns the next number for an address at domain, like an
// employee number: rising, with small gaps, never repeated.
func (p *Population) mailNumber(domain string) int {
	n, ok := p.mailSeq[domain]
	if !ok {
		n = p.Rand.IntN(40)
	}
	n += 1 + p.Rand.IntN(3)
	p.mailSeq[domain] = n
	return n
}

// drawWithout draws an index with probability proportional to counts,
// whose sum is left, and takes one from it: drawing without replacement.
func drawWithout(intN func(int) int, counts []int, left int) int {
	k := intN(left)
	i := 0
	for k >= counts[i] {
		k -= counts[i]
		i++
	}
	counts[i]--
	return i
}

// batch gathers accounts and writes them BatchSize at a time.
type batch struct {
	p   *Population
	buf []*tsunagari.Account
}

func (b *batch) add(ctx context.Context, a *tsunagari.Account) error {
	b.buf = append(b.buf, a)
	if len(b.buf) < BatchSize {
		return nil
	}
	return b.flush(ctx)
}

func (b *batch) flush(ctx context.Context) error {
	err := b.p.CreateAccounts(ctx, b.buf)
	clear(b.buf)
	b.buf = b.buf[:0]
	return err
}
