// Package match ranks consultants for a member: the shortlist of ten
// (PRODUCT.md §6) and keyword search over consultant profiles. It is pure:
// no I/O, no stores, no clock. An Index holds every verified consultant
// as a small vector, built once from the roster and shared read-only by
// every request; only the appearance counters in it change, atomically.
//
// # Relevance
//
// A consultant's relevance to a member is a weighted mean, with the
// operator's weights, of four scores between 0 and 1:
//
//   - values: how the consultant's own values diagnosis matches the
//     member's: 60% the correlation of the two profiles (mapped from
//     [-1, 1] to [0, 1]), 40% the share of the member's strongest values
//     that the consultant holds strongly too;
//   - themes: the share of the member's chosen themes the consultant is
//     strong in;
//   - background: experience with people like the member (past clients of
//     the member's age band and job family, or of the job family at least)
//     and the consultant's own career in the member's job family and
//     industry;
//   - experience: years of practice, up to 20.
//
// A score the member gives nothing for (no diagnosis, no themes chosen,
// no background given) drops out of the mean instead of counting as zero.
//
// # Variety
//
// The ten are chosen by maximal marginal relevance: each next pick
// maximises λ·relevance − (1−λ)·(its greatest similarity to a consultant
// already picked), with λ = 1 − Diversity/100. Similarity between two
// consultants mixes their values profiles, themes and job families, so
// that the ten are not copies of one profile.
//
// # Fairness: exposure capped by capacity
//
// A consultant is proposed only while their free time can serve the
// members who see them. Their capacity is the number of sessions they
// still have free in the next two weeks (FreeSessions). Each appearance
// in someone's shortlist counts against a budget of ViewsPerSession
// appearances per free session, over the last two weeks (the horizon the
// capacity is measured over). With the default of 10, and a member
// choosing one of the ten they see, a consultant expects about as many
// requests as they have free sessions, not ten times more.
//
//   - No free session in the next two weeks: budget zero, never proposed
//     (they can still be found by keyword search).
//   - Budget spent: not proposed until bookings, new availability or the
//     passing days change the count. The roster is rebuilt then, and the
//     consultant's budget is measured again.
//   - A member who has seen a consultant today sees them again without
//     spending more of the budget (seen), so reloading a page costs
//     nothing.
//
// Appearances are reserved atomically while the ten are picked, so that
// concurrent requests never push a consultant past the budget.
package match

import (
	"math"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"tsunagari"
	"tsunagari/internal/search"
)

// Tuning that is not the operator's to change.
const (
	// MinClients is how many distinct past clients of a group make
	// "experience with people like you". Below it the group is too small
	// to mention to anyone.
	MinClients = 3
	// MaxReasons is how many reasons a pick carries at most.
	MaxReasons = 3
	// ExperienceYears are the years of practice that count fully.
	ExperienceYears = 20
	// valuedScore is the lowest score that counts as a value a person
	// holds strongly, among their top three.
	valuedScore = 50
	// poolFactor sizes the pool MMR picks from: poolFactor times the
	// number of picks asked for, and at least minPool.
	poolFactor = 5
	minPool    = 50
)

// themeIDs are the IDs of tsunagari.Themes, in order.
var themeIDs = func() []string {
	out := make([]string, len(tsunagari.Themes))
	for i, t := range tsunagari.Themes {
		out[i] = t.ID
	}
	return out
}()

// Config says how to build an Index.
type Config struct {
	// Dims are the dimensions of the values diagnosis, in order.
	Dims []string
	// Now is when the index is built: capacity counts from it.
	Now time.Time
	// Doc returns the text a consultant is found by; nil indexes the
	// display name and message only.
	Doc func(*tsunagari.Consultant) search.Doc
}

// maxDims bounds the dimensions of the values diagnosis the index holds.
const maxDims = 16

// vector is the part of a consultant that every ranking reads, kept small
// and free of pointers so that a pass over ten thousand stays in cache.
type vector struct {
	norm       [maxDims]float32 // centred values, unit length; zero without values
	hasNorm    bool
	online     bool
	inPerson   bool
	gender     uint8  // 1 + index in tsunagari.Genders, 0 for none
	area       uint8  // prefecture code as a number, 0 for none
	valued     uint32 // bit i: dims[i] is among the strongly held values
	themes     uint32 // bit i: tsunagari.Themes[i]
	jobs       uint32 // bit i: tsunagari.JobFamilies[i]
	industries uint32 // bit i: tsunagari.Industries[i]
	languages  uint32 // bit i: tsunagari.ConsultationLanguages[i]
	clientJobs uint32 // bit i: has past clients in tsunagari.JobFamilies[i]
	clientAges uint32 // bit i: has past clients in tsunagari.AgeBands[i]
	experience float32
	capacity   int32
}

// candidate is the rest of a consultant, read for the few picked.
type candidate struct {
	c       *tsunagari.Consultant
	raw     []float64 // scores 0–100 by dims, -1 if missing
	clients []clientGroup
	doc     search.Doc
}

type clientGroup struct {
	age, job int
	n        int
}

// Index is the in-memory roster of verified consultants. It is safe for
// concurrent use.
type Index struct {
	dims  []string
	vecs  []vector
	cands []candidate
	byID  map[string]int
	// shown counts each consultant's appearances in the exposure window,
	// from the roster and then from reservations.
	shown []atomic.Int32
	// grams maps each index term to the candidates whose text has it,
	// in increasing order, with the fields that have it.
	grams map[string][]posting
	// byName ranks the candidates by display name, then ID.
	byName []int32
	built  time.Time
}

// Build makes an Index of the roster. Entries must be verified
// consultants; their order is kept for ties.
func Build(roster []*tsunagari.RosterEntry, cfg Config) *Index {
	ix := &Index{dims: slices.Clone(cfg.Dims), byID: make(map[string]int, len(roster)),
		shown: make([]atomic.Int32, len(roster)), grams: map[string][]posting{}, built: cfg.Now}
	if len(ix.dims) > maxDims {
		ix.dims = ix.dims[:maxDims]
	}
	from := cfg.Now.Add(tsunagari.MinBookingLead)
	to := cfg.Now.Add(tsunagari.CapacityHorizon)
	ix.vecs = make([]vector, len(roster))
	ix.cands = make([]candidate, len(roster))
	for i, e := range roster {
		c := e.Consultant
		v := &ix.vecs[i]
		*v = vector{online: c.Online, inPerson: c.InPerson,
			gender: uint8(slices.Index(tsunagari.Genders, c.Gender) + 1), area: prefectureNumber(c.Area),
			themes: mask(themeIDs, c.Themes), jobs: mask(tsunagari.JobFamilies, c.JobFamilies),
			industries: mask(tsunagari.Industries, c.Industries), languages: mask(tsunagari.ConsultationLanguages, c.Languages),
			experience: float32(math.Min(float64(c.YearsOfPractice), ExperienceYears) / ExperienceYears)}
		cand := &ix.cands[i]
		cand.c = c
		var norm []float64
		cand.raw, norm, v.valued = valueVector(ix.dims, c.Values)
		if norm != nil {
			v.hasNorm = true
			for k, x := range norm {
				v.norm[k] = float32(x)
			}
		}
		for _, g := range e.Clients {
			age, job := slices.Index(tsunagari.AgeBands, g.AgeBand), slices.Index(tsunagari.JobFamilies, g.JobFamily)
			if age >= 0 && job >= 0 && g.Clients > 0 {
				cand.clients = append(cand.clients, clientGroup{age: age, job: job, n: g.Clients})
				v.clientJobs |= 1 << job
				v.clientAges |= 1 << age
			}
		}
		v.capacity = int32(min(FreeSessions(e.Availability, e.Held, from, to), math.MaxInt32))
		if cfg.Doc != nil {
			cand.doc = cfg.Doc(c)
		} else {
			cand.doc = search.NewDoc(c.DisplayName, nil, c.Message)
		}
		ix.byID[c.AccountID] = i
		ix.shown[i].Store(int32(min(e.Shown, math.MaxInt32)))
		fields := map[string]uint8{}
		for f, text := range []string{cand.doc.Title, cand.doc.Tags, cand.doc.Body} {
			for _, g := range search.Grams(text) {
				fields[g] |= 1 << f
			}
		}
		for g, m := range fields {
			ix.grams[g] = append(ix.grams[g], posting{doc: int32(i), fields: m})
		}
	}
	order := make([]int, len(roster))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		ca, cb := ix.cands[a].c, ix.cands[b].c
		if c := strings.Compare(ca.DisplayName, cb.DisplayName); c != 0 {
			return c
		}
		return strings.Compare(ca.AccountID, cb.AccountID)
	})
	ix.byName = make([]int32, len(roster))
	for rank, i := range order {
		ix.byName[i] = int32(rank)
	}
	return ix
}

// posting is one candidate having an index term: in which of the fields
// title, tags and body (bits 0, 1 and 2).
type posting struct {
	doc    int32
	fields uint8
}

// fieldWeights are the weights of the fields, by bit, as package search
// scores them.
var fieldWeights = [3]int{search.WeightTitle, search.WeightTags, search.WeightBody}

// prefectureNumber returns the JIS code "01".."47" as 1..47, or 0.
func prefectureNumber(code string) uint8 {
	if len(code) != 2 || code[0] < '0' || code[0] > '4' || code[1] < '0' || code[1] > '9' {
		return 0
	}
	n := (code[0]-'0')*10 + code[1] - '0'
	if n < 1 || n > 47 {
		return 0
	}
	return n
}

// Len returns the number of consultants in ix.
func (ix *Index) Len() int { return len(ix.cands) }

// Has reports whether the consultant is in ix.
func (ix *Index) Has(id string) bool {
	_, ok := ix.byID[id]
	return ok
}

// IDs returns the IDs of the consultants in ix, in roster order.
func (ix *Index) IDs() []string {
	out := make([]string, len(ix.cands))
	for i, c := range ix.cands {
		out[i] = c.c.AccountID
	}
	return out
}

// Built returns when ix was built.
func (ix *Index) Built() time.Time { return ix.built }

// mask sets bit i for each allowed[i] in list.
func mask(allowed, list []string) uint32 {
	var m uint32
	for _, v := range list {
		if i := slices.Index(allowed, v); i >= 0 && i < 32 {
			m |= 1 << i
		}
	}
	return m
}

// valueVector lays scores out by dims and returns them raw (-1 where
// missing), centred to unit length (nil unless every dimension is there
// and they are not all equal), and the mask of strongly held values.
func valueVector(dims []string, scores []tsunagari.Score) (raw, norm []float64, valued uint32) {
	if len(dims) == 0 {
		return nil, nil, 0
	}
	raw = make([]float64, len(dims))
	complete := true
	for i, d := range dims {
		v, ok := tsunagari.ScoreOf(scores, d)
		if !ok {
			raw[i], complete = -1, false
			continue
		}
		raw[i] = v
	}
	valued = strongValues(raw)
	if !complete {
		return raw, nil, valued
	}
	mean := 0.0
	for _, v := range raw {
		mean += v
	}
	mean /= float64(len(raw))
	norm = make([]float64, len(raw))
	sum := 0.0
	for i, v := range raw {
		norm[i] = v - mean
		sum += norm[i] * norm[i]
	}
	if sum == 0 {
		return raw, nil, valued
	}
	l := math.Sqrt(sum)
	for i := range norm {
		norm[i] /= l
	}
	return raw, norm, valued
}

// strongValues returns the mask of the top three scores of raw that reach
// valuedScore; ties keep the earlier dimension.
func strongValues(raw []float64) uint32 {
	var m uint32
	for k := 0; k < 3; k++ {
		best := -1
		for i, v := range raw {
			if m&(1<<i) != 0 || v < valuedScore {
				continue
			}
			if best < 0 || v > raw[best] {
				best = i
			}
		}
		if best < 0 {
			break
		}
		m |= 1 << best
	}
	return m
}

// Profile is what the ranking knows of the member.
type Profile struct {
	// Values are the member's latest values diagnosis; nil if none.
	Values    []tsunagari.Score
	Themes    []string
	AgeBand   string
	JobFamily string
	Industry  string
}

// Filter holds the member's hard constraints: a consultant who fails one
// is left out, whatever their score.
type Filter struct {
	// Mode is "" (either), "online" or "in_person".
	Mode string
	// Area is the prefecture of an in-person session.
	Area string
	// Gender is the consultant's gender the member prefers, or "".
	Gender string
	// Language the session must be held in, or "".
	Language string
	// Exclude leaves out consultants, such as those the member ignores
	// and the member's own profile.
	Exclude map[string]bool
}

// Modes of Filter.Mode.
const (
	ModeOnline   = "online"
	ModeInPerson = "in_person"
)

// member is a Profile prepared for scoring.
type member struct {
	p       Profile
	raw     []float64
	norm    [maxDims]float32
	hasNorm bool
	valued  uint32
	themes  uint32
	nTheme  int
	age     int
	job     int
	ind     int
}

func (ix *Index) prepare(p Profile) member {
	m := member{p: p, themes: mask(themeIDs, p.Themes), age: slices.Index(tsunagari.AgeBands, p.AgeBand),
		job: slices.Index(tsunagari.JobFamilies, p.JobFamily), ind: slices.Index(tsunagari.Industries, p.Industry)}
	m.nTheme = popcount(m.themes)
	if len(p.Values) > 0 {
		var norm []float64
		m.raw, norm, m.valued = valueVector(ix.dims, p.Values)
		for k, x := range norm {
			m.norm[k], m.hasNorm = float32(x), true
		}
	}
	return m
}

func popcount(m uint32) int {
	n := 0
	for ; m != 0; m &= m - 1 {
		n++
	}
	return n
}

// filter is a Filter prepared for the hot loop.
type filter struct {
	mode     string
	area     uint8
	gender   uint8
	language uint32
	exclude  map[int]bool
}

func (ix *Index) prepareFilter(f Filter) filter {
	pf := filter{mode: f.Mode, area: prefectureNumber(f.Area)}
	if f.Gender != "" {
		pf.gender = uint8(slices.Index(tsunagari.Genders, f.Gender) + 1)
		if pf.gender == 0 {
			pf.gender = math.MaxUint8 // nobody has an unknown gender
		}
	}
	if f.Language != "" {
		if pf.language = mask(tsunagari.ConsultationLanguages, []string{f.Language}); pf.language == 0 {
			pf.language = 1 << 31 // nobody speaks an unknown language
		}
	}
	for id, ex := range f.Exclude {
		if i, ok := ix.byID[id]; ok && ex {
			if pf.exclude == nil {
				pf.exclude = map[int]bool{}
			}
			pf.exclude[i] = true
		}
	}
	return pf
}

// passes reports whether candidate i meets f.
func (ix *Index) passes(i int, f *filter) bool {
	v := &ix.vecs[i]
	switch {
	case f.mode == ModeOnline && !v.online:
		return false
	case f.mode == ModeInPerson && (!v.inPerson || (f.area != 0 && v.area != f.area)):
		return false
	case f.gender != 0 && v.gender != f.gender:
		return false
	case f.language != 0 && v.languages&f.language == 0:
		return false
	case f.exclude != nil && f.exclude[i]:
		return false
	}
	return true
}

// Scores are the parts of a consultant's relevance, each 0–1, or -1 when
// the member gave nothing for it.
type Scores struct {
	Values, Themes, Background, Experience float64
}

// score returns candidate i's relevance to m under w, and its parts.
func (ix *Index) score(i int, m *member, w *tsunagari.MatchWeights) (float64, Scores) {
	v := &ix.vecs[i]
	s := Scores{Values: -1, Themes: -1, Background: -1, Experience: float64(v.experience)}
	if m.raw != nil {
		// A profile that cannot be correlated, such as one with a
		// dimension missing, counts as an average match.
		s.Values = 0.6 * 0.5
		if m.hasNorm && v.hasNorm {
			var r float32
			for k := range m.norm {
				r += m.norm[k] * v.norm[k]
			}
			s.Values = 0.6 * (float64(r) + 1) / 2
		}
		if n := popcount(m.valued); n > 0 {
			s.Values += 0.4 * float64(popcount(m.valued&v.valued)) / float64(n)
		} else {
			s.Values += 0.4 * 0.5
		}
	}
	if m.nTheme > 0 {
		s.Themes = float64(popcount(m.themes&v.themes)) / float64(m.nTheme)
	}
	if m.job >= 0 || m.ind >= 0 || m.age >= 0 {
		exp := 0.0
		if (m.job >= 0 && v.clientJobs&(1<<m.job) != 0) || (m.age >= 0 && v.clientAges&(1<<m.age) != 0) {
			for _, g := range ix.cands[i].clients {
				switch {
				case g.job == m.job && g.age == m.age:
					exp = math.Max(exp, math.Min(float64(g.n)/MinClients, 1))
				case g.job == m.job:
					exp = math.Max(exp, 0.7*math.Min(float64(g.n)/MinClients, 1))
				case g.age == m.age:
					exp = math.Max(exp, 0.3*math.Min(float64(g.n)/MinClients, 1))
				}
			}
		}
		s.Background = 0.6 * exp
		if m.job >= 0 && v.jobs&(1<<m.job) != 0 {
			s.Background += 0.25
		}
		if m.ind >= 0 && v.industries&(1<<m.ind) != 0 {
			s.Background += 0.15
		}
	}
	total, weight := 0.0, 0.0
	add := func(x float64, wt int) {
		if x >= 0 && wt > 0 {
			total += x * float64(wt)
			weight += float64(wt)
		}
	}
	add(s.Values, w.Values)
	add(s.Themes, w.Themes)
	add(s.Background, w.Background)
	add(s.Experience, w.Experience)
	if weight == 0 {
		return 0, s
	}
	return total / weight, s
}

// similarity of two consultants, 0–1: their values profiles, themes and
// job families.
func (ix *Index) similarity(a, b int) float64 {
	va, vb := &ix.vecs[a], &ix.vecs[b]
	var r float32
	if va.hasNorm && vb.hasNorm {
		for k := range va.norm {
			r += va.norm[k] * vb.norm[k]
		}
	}
	return 0.5*math.Max(float64(r), 0) + 0.3*jaccard(va.themes, vb.themes) + 0.2*jaccard(va.jobs, vb.jobs)
}

func jaccard(a, b uint32) float64 {
	u := popcount(a | b)
	if u == 0 {
		return 0
	}
	return float64(popcount(a&b)) / float64(u)
}

// Pick is one consultant of a shortlist.
type Pick struct {
	Consultant *tsunagari.Consultant
	// Relevance is the consultant's weighted score, 0–1.
	Relevance float64
	Scores    Scores
	Reasons   []Reason
	// Capacity is how many sessions the consultant has free in the next
	// two weeks.
	Capacity int
	// Reserved is true when this pick spent one appearance of the
	// consultant's budget, which the caller records.
	Reserved bool
}

// Shortlist picks up to n consultants for the member: those who pass f
// and have budget left (or were seen by the member already), chosen for
// relevance and variety as the package comment says. seen holds the
// consultants the member was shown already in this budget period; it may
// be nil.
func (ix *Index) Shortlist(p Profile, f Filter, w *tsunagari.MatchWeights, n int, seen map[string]bool) []Pick {
	if n <= 0 || len(ix.cands) == 0 {
		return nil
	}
	m := ix.prepare(p)
	pf := ix.prepareFilter(f)
	seenIdx := make(map[int]bool, len(seen))
	for id, ok := range seen {
		if i, in := ix.byID[id]; in && ok {
			seenIdx[i] = true
		}
	}
	views := int64(max(w.ViewsPerSession, 1))

	// The pool: the most relevant eligible consultants.
	size := max(poolFactor*n, minPool)
	pool := make(scoredHeap, 0, size+1)
	for i := range ix.vecs {
		capacity := int64(ix.vecs[i].capacity)
		if capacity <= 0 || !ix.passes(i, &pf) {
			continue
		}
		if int64(ix.shown[i].Load()) >= views*capacity && !seenIdx[i] {
			continue
		}
		rel, _ := ix.score(i, &m, w)
		pool.offer(scored{i: i, rel: rel}, size)
	}
	items := pool.sorted()

	lambda := 1 - float64(w.Diversity)/100
	maxSim := make([]float64, len(items))
	taken := make([]bool, len(items))
	var out []Pick
	for len(out) < n {
		best, bestScore := -1, math.Inf(-1)
		for k, it := range items {
			if taken[k] {
				continue
			}
			s := lambda*it.rel - (1-lambda)*maxSim[k]
			if s > bestScore {
				best, bestScore = k, s
			}
		}
		if best < 0 {
			break
		}
		taken[best] = true
		i := items[best].i
		reserved := false
		if !seenIdx[i] {
			if !ix.reserve(i, ix.budget(i, w)) {
				continue // another request spent the last of the budget
			}
			reserved = true
		}
		rel, parts := ix.score(i, &m, w)
		out = append(out, Pick{Consultant: ix.cands[i].c, Relevance: rel, Scores: parts, Reasons: ix.reasons(i, &m),
			Capacity: int(ix.vecs[i].capacity), Reserved: reserved})
		for k, it := range items {
			if !taken[k] {
				maxSim[k] = math.Max(maxSim[k], ix.similarity(i, it.i))
			}
		}
	}
	return out
}

// budget is how many appearances candidate i may have under w.
func (ix *Index) budget(i int, w *tsunagari.MatchWeights) int32 {
	return int32(min(int64(max(w.ViewsPerSession, 1))*int64(ix.vecs[i].capacity), math.MaxInt32))
}

// reserve spends one appearance of candidate i if its budget allows.
func (ix *Index) reserve(i int, budget int32) bool {
	for {
		cur := ix.shown[i].Load()
		if cur >= budget {
			return false
		}
		if ix.shown[i].CompareAndSwap(cur, cur+1) {
			return true
		}
	}
}

// Release gives back appearances reserved for consultants that were not
// shown after all, such as when recording them failed.
func (ix *Index) Release(ids []string) {
	for _, id := range ids {
		if i, ok := ix.byID[id]; ok {
			ix.shown[i].Add(-1)
		}
	}
}

// Explain returns the member's view of one consultant: relevance, reasons
// and capacity, as a Pick that reserves nothing. ok is false if the
// consultant is not in the index.
func (ix *Index) Explain(id string, p Profile, w *tsunagari.MatchWeights) (Pick, bool) {
	i, ok := ix.byID[id]
	if !ok {
		return Pick{}, false
	}
	m := ix.prepare(p)
	rel, parts := ix.score(i, &m, w)
	return Pick{Consultant: ix.cands[i].c, Relevance: rel, Scores: parts, Reasons: ix.reasons(i, &m),
		Capacity: int(ix.vecs[i].capacity)}, true
}

// Shown returns how many appearances of the consultant the index counts,
// and the budget they have under w; ok is false if the consultant is not
// in the index.
func (ix *Index) Shown(id string, w *tsunagari.MatchWeights) (shown, budget int, ok bool) {
	i, ok := ix.byID[id]
	if !ok {
		return 0, 0, false
	}
	return int(ix.shown[i].Load()), int(ix.budget(i, w)), true
}

// scored is a candidate with its relevance.
type scored struct {
	i   int
	rel float64
}

// better orders by relevance, then by position in the roster.
func (a scored) better(b scored) bool {
	if a.rel != b.rel {
		return a.rel > b.rel
	}
	return a.i < b.i
}

// scoredHeap keeps the best few: a min-heap whose root is the worst kept.
type scoredHeap []scored

func (h *scoredHeap) offer(s scored, size int) {
	if len(*h) < size {
		*h = append(*h, s)
		h.up(len(*h) - 1)
		return
	}
	if !s.better((*h)[0]) {
		return
	}
	(*h)[0] = s
	h.down(0)
}

func (h scoredHeap) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !h[p].better(h[i]) {
			break
		}
		h[p], h[i] = h[i], h[p]
		i = p
	}
}

func (h scoredHeap) down(i int) {
	for {
		l, worst := 2*i+1, i
		if l < len(h) && h[worst].better(h[l]) {
			worst = l
		}
		if r := l + 1; r < len(h) && h[worst].better(h[r]) {
			worst = r
		}
		if worst == i {
			return
		}
		h[i], h[worst] = h[worst], h[i]
		i = worst
	}
}

// sorted returns the kept items, best first.
func (h scoredHeap) sorted() []scored {
	out := slices.Clone(h)
	slices.SortFunc(out, func(a, b scored) int {
		if a.better(b) {
			return -1
		}
		return 1
	})
	return out
}

// Hit is one consultant found by keyword search. Explain gives the
// reasons of the few a page shows.
type Hit struct {
	Consultant *tsunagari.Consultant
	// Score is how well the text matched (search.Query.Score); 0 when
	// the query was empty.
	Score    int
	Capacity int
	// Sunk is true for consultants the member ignores: they come last.
	Sunk bool
	rank int32
}

// Search returns the consultants passing f whose text matches q, best
// match first, then by display name; with an empty query, every
// consultant passing f by display name. Those in sink come after all
// others.
func (ix *Index) Search(q search.Query, f Filter, sink map[string]bool) []Hit {
	pf := ix.prepareFilter(f)
	var hits []Hit
	add := func(i, score int) {
		if !ix.passes(i, &pf) {
			return
		}
		c := ix.cands[i].c
		hits = append(hits, Hit{Consultant: c, Score: score, Capacity: int(ix.vecs[i].capacity), Sunk: sink[c.AccountID],
			rank: ix.byName[i]})
	}
	if q.Empty() {
		for i := range ix.cands {
			add(i, 0)
		}
	} else {
		ix.lookup(q, add)
	}
	slices.SortFunc(hits, func(a, b Hit) int {
		switch {
		case a.Sunk != b.Sunk:
			if a.Sunk {
				return 1
			}
			return -1
		case a.Score != b.Score:
			return b.Score - a.Score
		}
		return int(a.rank - b.rank)
	})
	return hits
}

// lookup calls found, in index order, with every candidate whose text
// contains each term of q, and its score as q.Score gives it. The
// candidates having all of q's grams are checked against the text; a term
// that is one index term itself (two letters, or a kanji alone) needs no
// check, as its postings say which fields hold it.
func (ix *Index) lookup(q search.Query, found func(i, score int)) {
	lists := make([][]posting, 0, len(q.Grams))
	for _, g := range q.Grams {
		l := ix.grams[g]
		if len(l) == 0 {
			return
		}
		lists = append(lists, l)
	}
	slices.SortFunc(lists, func(a, b []posting) int { return len(a) - len(b) })
	// exact[t] holds the postings of term t when the term is an index
	// term of its own.
	exact := make([][]posting, len(q.Terms))
	for t, term := range q.Terms {
		if gs := search.Parse(term).Grams; len(gs) == 1 && gs[0] == term {
			exact[t] = ix.grams[term]
		}
	}
	for _, p := range lists[0] {
		all := true
		for _, l := range lists[1:] {
			if _, ok := find(l, p.doc); !ok {
				all = false
				break
			}
		}
		if !all {
			continue
		}
		doc := &ix.cands[p.doc].doc
		total := 0
		for t, term := range q.Terms {
			var fields uint8
			if exact[t] != nil {
				k, _ := find(exact[t], p.doc)
				fields = exact[t][k].fields
			} else {
				for f, text := range []string{doc.Title, doc.Tags, doc.Body} {
					if strings.Contains(text, term) {
						fields |= 1 << f
					}
				}
			}
			if fields == 0 {
				total = 0
				break
			}
			for f, w := range fieldWeights {
				if fields&(1<<f) != 0 {
					total += w
				}
			}
		}
		if total > 0 {
			found(int(p.doc), total)
		}
	}
}

// find returns the position of doc in l, sorted by doc.
func find(l []posting, doc int32) (int, bool) {
	return slices.BinarySearchFunc(l, doc, func(p posting, d int32) int { return int(p.doc - d) })
}
