// Package demo fills an empty database with a believable tsunagari: three
// employers of different sizes with their department trees, a few hundred
// employees, freelancers, people between jobs and parents on leave, the
// shared-password accounts a visitor signs in with, and their own results
// of the values diagnosis, the isolation check and the five powers.
//
// It is the one demo-data generator of the product. Each capability adds
// a Step that builds on what the earlier steps created, so the demo grows
// with the product. The same Seed and Now always give the same database,
// and each step draws from its own random stream, so adding a step leaves
// what the others create unchanged.
package demo

import (
	"context"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"iter"
	"log/slog"
	"math/rand/v2"
	"time"

	"tsunagari"
	"tsunagari/internal/consulting"
)

// Password is the password of every demo account.
const Password = "tsunagari-demo"

// BatchSize is the number of accounts written per transaction.
const BatchSize = 1000

// sampleSize bounds how many accounts of each employer, and how many
// independent members, a large demo keeps in memory.
const sampleSize = 500

// Generator creates the demo data.
type Generator struct {
	Stores tsunagari.Stores
	// Seed selects the demo: the same Seed and Now give the same data.
	Seed int64
	// Scale 0 or 1 is the normal demo. N > 1 creates N×1,000 employees
	// over max(3, N/10) employers, for benchmarks.
	Scale int
	// Now is the moment the demo is set at; times are derived from it.
	// Zero means the current time.
	Now time.Time
	// PasswordHash is the stored hash of Password, computed once and
	// shared by every demo account so that loading stays fast.
	PasswordHash string
	// Logger receives progress; nil discards it.
	Logger *slog.Logger
	// Steps run in order; nil means DefaultSteps.
	Steps []Step
	// Sealer seals the records of past consultations with the server's
	// key; nil leaves the demo's past sessions without notes.
	Sealer consulting.Sealer
}

// Step is one capability's part of the demo.
type Step struct {
	Name string
	Run  func(ctx context.Context, p *Population) error
}

// DefaultSteps returns the steps of the demo: employers first, then
// people. Capabilities append their own.
func DefaultSteps() []Step {
	return []Step{
		{Name: "orgs", Run: createOrgs},
		{Name: "people", Run: createPeople},
		{Name: "surveys", Run: createSurveys},
		{Name: "hr_survey", Run: createHRSurvey},
		{Name: "pulses", Run: createPulses},
		{Name: "consultation", Run: createConsultation},
		{Name: "communities", Run: createCommunities},
		{Name: "events", Run: createEvents},
		{Name: "ideas", Run: createIdeas},
		{Name: "insights", Run: createInsights},
	}
}

// Run runs the steps in order and returns what they created.
func (g *Generator) Run(ctx context.Context) (*Population, error) {
	if g.Stores.Accounts == nil || g.Stores.Orgs == nil {
		return nil, errors.New("demo: missing account or org store")
	}
	if g.PasswordHash == "" {
		return nil, errors.New("demo: missing password hash")
	}
	now := g.Now
	if now.IsZero() {
		now = time.Now()
	}
	logger := g.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	steps := g.Steps
	if steps == nil {
		steps = DefaultSteps()
	}
	seen := map[string]bool{}
	for _, s := range steps {
		// A step's name seeds its random stream: two steps of one name
		// would draw the same IDs.
		if s.Name == "" || seen[s.Name] {
			return nil, fmt.Errorf("demo: step name %q is empty or not unique", s.Name)
		}
		seen[s.Name] = true
	}
	p := &Population{
		Stores:       g.Stores,
		Now:          now.UTC().Truncate(time.Second),
		Scale:        max(g.Scale, 1),
		PasswordHash: g.PasswordHash,
		Logger:       logger,
		Sealer:       g.Sealer,
		Personas:     map[string]*tsunagari.Account{},
		Sampled:      g.Scale > 1,
		byOrg:        map[string]*Employer{},
		mailSeq:      map[string]int{},
		names:        newNameBook(),
		geo:          newGeography(),
	}
	for _, s := range steps {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		// Each step draws from its own stream, named after it.
		h := fnv.New64a()
		h.Write([]byte(s.Name))
		p.Rand = rand.New(rand.NewPCG(uint64(g.Seed), h.Sum64()))
		start := time.Now()
		if err := s.Run(ctx, p); err != nil {
			return nil, fmt.Errorf("demo step %s: %w", s.Name, err)
		}
		logger.InfoContext(ctx, "demo step done", "step", s.Name,
			"accounts", p.AccountCount, "elapsed", time.Since(start).Round(time.Millisecond))
	}
	return p, nil
}

// Population is what the steps have created so far. Later steps read it
// to build on earlier ones and add to it as they create accounts.
type Population struct {
	Stores tsunagari.Stores
	// Rand is the random stream of the running step. Draw everything
	// from it, IDs included, so that the demo stays reproducible.
	Rand *rand.Rand
	// Now is the moment the demo is set at, in UTC, to the second.
	Now          time.Time
	Scale        int // 1 for the normal demo
	PasswordHash string
	Logger       *slog.Logger
	// Sealer seals consultation records; nil if the generator has none.
	Sealer consulting.Sealer

	// Employers are the organisations in creation order. The first three
	// are always the large manufacturer, the mid-size care company and the
	// small design studio: Employers[Large], [Mid] and [Small].
	Employers []*Employer
	// Personas are the shared-password accounts of DemoAccounts, by email.
	Personas map[string]*tsunagari.Account
	// Members are the accounts without an employer on the platform:
	// freelancers, people between jobs, parents on leave, and those
	// personas who are not employees.
	Members []*tsunagari.Account
	// MemberCount counts every account without an employer.
	MemberCount int
	// AccountCount counts every account created.
	AccountCount int
	// Sampled is true when Members and each Employer's Employees hold a
	// sample of the accounts rather than all of them (Scale > 1).
	Sampled bool

	byOrg   map[string]*Employer
	mailSeq map[string]int // last number handed out per mail domain
	names   *nameBook
	geo     *geography
	planned int // accounts the people step means to create, for progress
	logged  int // accounts at the last progress message
}

// Employer is an organisation with its departments and employees.
type Employer struct {
	Org *tsunagari.Org
	// Domain is the mail domain of its employees.
	Domain string
	// HQ is the prefecture code of its head office.
	HQ string
	// Departments lists the department tree, parents before children.
	Departments []*tsunagari.Department
	// Employees holds its employee accounts: all of them, or a sample if
	// the population is Sampled.
	Employees []*tsunagari.Account
	// EmployeeCount counts every employee account created.
	EmployeeCount int

	plan   int         // employee accounts the people step creates
	units  []workplace // departments that people are placed in
	ages   *chooser[string]
	byPath map[string]*tsunagari.Department
}

// workplace is a department people are placed in, with what they do there
// and where.
type workplace struct {
	dept   *tsunagari.Department
	weight int
	jobs   *chooser[string]
	pref   string
}

// The three employers every demo has, by their index in Employers.
const (
	Large = 0 // 相和精機工業: manufacturing, about 2,400 employees
	Mid   = 1 // ひだまりケア: care services, about 640 employees
	Small = 2 // ミナモデザイン: web and design, about 50 employees
)

// Opened returns when this tsunagari opened: the operator's account is
// the first, and every time in the demo lies between Opened and Now.
func (p *Population) Opened() time.Time { return p.Now.Add(-Lifetime) }

// Employer returns the employer with the given org ID, or nil.
func (p *Population) Employer(orgID string) *Employer { return p.byOrg[orgID] }

// NewID returns an ID of the same shape as tsunagari.NewID, drawn from
// Rand.
func (p *Population) NewID() string {
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], p.Rand.Uint64())
	binary.LittleEndian.PutUint64(b[8:], p.Rand.Uint64())
	return idEncoding.EncodeToString(b[:])
}

var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// Between returns a time drawn uniformly from [from, to), to the second.
// It returns from if to is not after it.
func (p *Population) Between(from, to time.Time) time.Time {
	from = from.UTC().Truncate(time.Second)
	span := int64(to.Sub(from) / time.Second)
	if span <= 0 {
		return from
	}
	return from.Add(time.Duration(p.Rand.Int64N(span)) * time.Second)
}

// Accounts yields every account held: each employer's employees, then the
// members. Each account appears once.
func (p *Population) Accounts() iter.Seq[*tsunagari.Account] {
	return func(yield func(*tsunagari.Account) bool) {
		for _, e := range p.Employers {
			for _, a := range e.Employees {
				if !yield(a) {
					return
				}
			}
		}
		for _, a := range p.Members {
			if !yield(a) {
				return
			}
		}
	}
}

// WithRole returns the accounts held that have role r.
func (p *Population) WithRole(r tsunagari.Role) []*tsunagari.Account {
	var out []*tsunagari.Account
	for a := range p.Accounts() {
		if a.Has(r) {
			out = append(out, a)
		}
	}
	return out
}

// CreateAccounts validates and stores accounts, BatchSize per transaction,
// and records them: employees with their employer, the others as members.
func (p *Population) CreateAccounts(ctx context.Context, as []*tsunagari.Account) error {
	for _, a := range as {
		if err := a.Validate(); err != nil {
			return fmt.Errorf("account %s: %w", a.Email, err)
		}
		if org := a.OrgID(); org != "" && p.byOrg[org] == nil {
			return fmt.Errorf("account %s: employer %s is not in the demo", a.Email, org)
		}
	}
	for len(as) > 0 {
		n := min(len(as), BatchSize)
		if err := p.Stores.Accounts.CreateAccounts(ctx, as[:n]); err != nil {
			return fmt.Errorf("create accounts: %w", err)
		}
		for _, a := range as[:n] {
			p.record(a)
		}
		as = as[n:]
		if p.Scale > 1 && p.AccountCount-p.logged >= 10*BatchSize {
			p.logged = p.AccountCount
			p.Logger.InfoContext(ctx, "demo accounts created",
				"accounts", p.AccountCount, "planned", p.planned)
		}
	}
	return nil
}

func (p *Population) record(a *tsunagari.Account) {
	p.AccountCount++
	_, persona := personaByEmail[a.Email]
	if persona {
		p.Personas[a.Email] = a
	}
	if e := p.byOrg[a.OrgID()]; e != nil {
		e.EmployeeCount++
		if persona || !p.Sampled || len(e.Employees) < sampleSize {
			e.Employees = append(e.Employees, a)
		}
		return
	}
	p.MemberCount++
	if persona || !p.Sampled || len(p.Members) < sampleSize {
		p.Members = append(p.Members, a)
	}
}
