package recommend

import (
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"

	"tsunagari"
)

// Member is the person recommendations are for, as the ranker sees them:
// their profile, their latest values diagnosis, what they want, what they
// gave up, and what they have done with communities already.
type Member struct {
	JobFamily      string
	Industry       string
	AgeBand        string
	Prefecture     string
	HomePrefecture string
	Values         []tsunagari.Score
	// Wish is what they want, in their own words.
	Wish string
	// GivenUp are the challenges they gave up, from the isolation check.
	GivenUp []string
	// Exclude are communities not to recommend: those they belong to or
	// have asked to join.
	Exclude []string
	// Dismissed sink to the end; Bookmarked are marked as such.
	Dismissed  []string
	Bookmarked []string
}

// Query asks for recommendations.
type Query struct {
	Member Member
	// Filter holds the filters every recommendation must pass; its wish
	// is not read (Member.Wish is).
	Filter  tsunagari.RecommendPrefs
	Weights tsunagari.RecommendWeights
	// Limit is the number of recommendations; DefaultLimit if 0.
	Limit int
}

// Limits on Query.Limit.
const (
	DefaultLimit = 10
	MaxLimit     = 50
)

// Recommendation is one recommended community with the reasons for it.
type Recommendation struct {
	// Community is the community as indexed: without its description and
	// organisers.
	Community  *tsunagari.Community
	Score      float64
	Reasons    []Reason
	Bookmarked bool
	Dismissed  bool
}

// The signals of a community for a member, each from 0 to 1.
const (
	sigJob = iota
	sigIndustry
	sigAge
	sigPrefecture
	sigHome
	sigValues
	sigWish
	sigGivenUp
	sigArea
	sigDeclared
	sigRated
	nSignals
)

// sizeWeight is the weight of a community's size, which breaks ties
// between communities that are otherwise alike in favour of the one more
// people found worth joining.
const sizeWeight = 0.05

// dismissedPenalty is taken from the score of a dismissed community: more
// than any other community can score, so that dismissed ones come last.
const dismissedPenalty = 1000

// forFamilyMatch is the job family (or industry) signal of a community
// declared to be for the member's job family (or industry).
const forFamilyMatch = 0.8

// areaOnline is the area signal of a community one can join online that
// does not meet where the member lives.
const areaOnline = 0.5

// Given-up challenges: which kinds of community suit someone who gave one
// up, and words to look for in a community's purpose.
var (
	givenUpKinds = map[string]map[tsunagari.CommunityKind]float32{
		"job_change":   {tsunagari.CommunityOccupational: 0.5, tsunagari.CommunityCorporateAlumni: 0.6, tsunagari.CommunityUnion: 0.5},
		"side_job":     {tsunagari.CommunityNPO: 0.7, tsunagari.CommunityWorkerCoop: 0.5, tsunagari.CommunityOccupational: 0.3},
		"independence": {tsunagari.CommunityWorkerCoop: 0.6, tsunagari.CommunityOccupational: 0.5},
		"startup":      {tsunagari.CommunityWorkerCoop: 0.6, tsunagari.CommunityOccupational: 0.4, tsunagari.CommunityCorporateAlumni: 0.3},
		"learning":     {tsunagari.CommunityOccupational: 0.7, tsunagari.CommunityUnion: 0.3},
		// Alumni of the member's own region count fully (see Rank); of
		// another region, a little.
		"u_turn": {tsunagari.CommunityRegionalAlumni: 0.2},
	}
	givenUpWords = map[string]string{
		"job_change":   "転職 キャリアチェンジ キャリア相談 job change",
		"side_job":     "副業 複業 プロボノ side job pro bono",
		"independence": "独立 フリーランス 個人事業 freelance",
		"startup":      "起業 創業 スタートアップ startup",
		"learning":     "学び直し 勉強会 リスキリング 学習 learning",
		"u_turn":       "Uターン 移住 地元 帰郷 地方",
	}
)

// givenUpOrder is the order in which given-up challenges are tried.
var givenUpOrder = []string{"u_turn", "job_change", "side_job", "independence", "startup", "learning"}

// scratch is per-query working memory the size of the index, returned to
// a pool with every entry zero.
type scratch struct {
	wish, given []float32
	flag        []uint8
	touched     []int32
}

var scratchPool sync.Pool

func getScratch(n int) *scratch {
	s, _ := scratchPool.Get().(*scratch)
	if s == nil || len(s.flag) < n {
		s = &scratch{wish: make([]float32, n), given: make([]float32, n), flag: make([]uint8, n)}
	}
	return s
}

// Flags of a slot in scratch.flag.
const (
	flagExcluded = 1 << iota
	flagDismissed
	flagBookmarked
)

// prepared is a query with everything that does not depend on the
// community worked out once. Weights of signals kept as bytes are divided
// by 255 here, so that the scan multiplies only.
type prepared struct {
	w                 [nSignals]float32
	job, ind          uint8
	pref, home        uint8
	jobCol, indCol    []uint8
	ageCol, prefCol   []uint8
	homeCol           []uint8
	values            [nDims]int32 // the member's unit vector times valueScale
	hasValues         bool
	hasWish, hasGiven bool
	givenKind         [8]float32 // by kind code
	givenKindWhy      [8]string
	uTurn             bool
	maxFee            int32
	maxHours          int32
	online            bool
	area              uint8
	declared          [32]float32
}

func (x *Index) prepare(q *Query, sc *scratch) *prepared {
	p := &prepared{maxFee: -1, maxHours: -1}
	w := q.Weights
	for i, v := range []float64{w.JobFamily, w.Industry, w.AgeBand, w.Prefecture, w.HomePrefecture, w.Values,
		w.Wish, w.GivenUp, w.Area, w.DeclaredTraits, w.RatedTraits} {
		p.w[i] = float32(v)
	}
	m := &q.Member
	p.job, p.ind = jobCodes[m.JobFamily], indCodes[m.Industry]
	p.pref, p.home = prefCodes[m.Prefecture], prefCodes[m.HomePrefecture]
	col := func(a attribute, v uint8) []uint8 {
		if v == 0 {
			return nil
		}
		return x.shares[a][v]
	}
	p.jobCol, p.indCol = col(attrJob, p.job), col(attrIndustry, p.ind)
	p.ageCol = col(attrAge, ageCodes[m.AgeBand])
	p.prefCol, p.homeCol = col(attrPrefecture, p.pref), col(attrHome, p.home)
	if v, ok := valueVector(m.Values); ok {
		if u, ok := unit(v[:]); ok {
			for k := range nDims {
				p.values[k] = int32(math.Round(valueScale * float64(u[k])))
			}
			p.hasValues = true
		}
	}
	for _, g := range m.GivenUp {
		for kind, aff := range givenUpKinds[g] {
			k := kindCodes[string(kind)]
			if aff > p.givenKind[k] {
				p.givenKind[k], p.givenKindWhy[k] = aff, g
			}
		}
		if g == "u_turn" && p.home != 0 {
			p.uTurn = true
		}
	}
	f := &q.Filter
	if f.MaxFee != nil {
		p.maxFee = int32(min(*f.MaxFee, math.MaxInt32))
	}
	if f.MaxHours != nil {
		p.maxHours = int32(min(*f.MaxHours, math.MaxInt16))
	}
	p.online, p.area = f.Online, prefCodes[f.Prefecture]
	for b := range p.declared {
		p.declared[b] = declaredSignal(uint8(b))
	}

	p.hasWish = x.textScores(wishGrams(m.Wish), sc.wish, sc)
	var words []string
	for _, g := range m.GivenUp {
		if s, ok := givenUpWords[g]; ok {
			words = append(words, s)
		}
		if g == "u_turn" {
			if pr := tsunagari.PrefectureByCode(m.HomePrefecture); pr != nil {
				words = append(words, pr.Name)
			}
		}
	}
	p.hasGiven = len(m.GivenUp) > 0
	x.textScores(wishGrams(strings.Join(words, " ")), sc.given, sc)
	return p
}

// textScores adds, into acc, how well each community's text fits the
// bigrams gs: the share of their weight (each bigram weighted by its
// rarity) that the community has, scaled so that the best fit is 1 when
// it is at least minFit. It reports whether any community fits at all.
func (x *Index) textScores(gs []wishGram, acc []float32, sc *scratch) bool {
	if len(gs) == 0 {
		return false
	}
	n := float64(len(x.slot))
	start := len(sc.touched)
	total := 0.0
	for _, g := range gs {
		list := x.postings[g.gram]
		idf := math.Log1p(n / math.Max(float64(len(list)), 0.5))
		wt := idf * g.weight
		total += wt
		if n >= commonGramFloor && float64(len(list)) > n/3 {
			continue // too common to tell communities apart, and costly
		}
		for _, i := range list {
			if acc[i] == 0 {
				sc.touched = append(sc.touched, i)
			}
			acc[i] += float32(wt)
		}
	}
	touched := sc.touched[start:]
	if total == 0 || len(touched) == 0 {
		return false
	}
	best := float32(0)
	for _, i := range touched {
		acc[i] /= float32(total)
		best = max(best, acc[i])
	}
	scale := 1 / max(best, minFit)
	for _, i := range touched {
		acc[i] = min(1, acc[i]*scale)
	}
	return true
}

// commonGramFloor is the index size from which bigrams found in more than
// a third of the communities are left out of the fit.
const commonGramFloor = 1000

// minFit is the fit below which the best-fitting community is not
// scaled up to 1: a wish that fits nothing well fits nothing well.
const minFit = 0.2

// parallelFloor is the index size from which Rank scans in parallel, one
// part per processor.
const parallelFloor = 20_000

// Rank returns the best communities for q.Member, spread across kinds,
// with the reasons for each. Communities that fail the filter or that the
// member belongs to are left out; dismissed ones come last.
func (x *Index) Rank(q Query) []Recommendation {
	limit := q.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	limit = min(limit, MaxLimit)
	keep := max(limit*5, 50)

	x.mu.RLock()
	defer x.mu.RUnlock()
	n := len(x.ids)
	sc := getScratch(n)
	defer x.release(sc, &q.Member)
	x.setFlags(sc, &q.Member)
	p := x.prepare(&q, sc)

	h := newTopK(keep)
	parts := min(runtime.GOMAXPROCS(0), 4)
	if n < parallelFloor || parts < 2 {
		x.scan(0, n, p, sc, h)
	} else {
		heaps := make([]*topK, parts)
		var wg sync.WaitGroup
		for k := range parts {
			heaps[k] = newTopK(keep)
			lo, hi := n*k/parts, n*(k+1)/parts
			wg.Go(func() { x.scan(lo, hi, p, sc, heaps[k]) })
		}
		wg.Wait()
		for _, part := range heaps {
			for _, c := range part.heap {
				h.offer(c.score, c.slot, x.ids)
			}
		}
	}
	picks := h.diverse(limit, float32(q.Weights.Variety), x.hot, x.ids)
	out := make([]Recommendation, len(picks))
	for k, c := range picks {
		i := c.slot
		comp := x.signals(i, p, sc)
		out[k] = Recommendation{Community: x.details[i].community, Score: float64(c.score),
			Bookmarked: sc.flag[i]&flagBookmarked != 0, Dismissed: sc.flag[i]&flagDismissed != 0,
			Reasons: x.reasons(i, p, &q, comp)}
	}
	return out
}

// scan scores the slots lo..hi-1 and offers them to h. It is the hot
// loop: what it adds up is what signals explains, term by term.
func (x *Index) scan(lo, hi int, p *prepared, sc *scratch, h *topK) {
	hs := x.hot[lo:hi]
	flags := sc.flag[lo:hi]
	wish, given := sc.wish[lo:hi], sc.given[lo:hi]
	values := x.values[lo*nDims : hi*nDims]
	col := func(c []uint8) []uint8 {
		if c == nil {
			return nil
		}
		return c[lo:hi]
	}
	jobCol, indCol, ageCol, prefCol, homeCol := col(p.jobCol), col(p.indCol), col(p.ageCol), col(p.prefCol), col(p.homeCol)
	const b = 1.0 / 255
	wJob, wInd, wAge, wPref, wHome := p.w[sigJob]*b, p.w[sigIndustry]*b, p.w[sigAge]*b, p.w[sigPrefecture]*b, p.w[sigHome]*b
	wJobFor, wIndFor := p.w[sigJob]*forFamilyMatch, p.w[sigIndustry]*forFamilyMatch
	wValues := p.w[sigValues] / (valueScale * valueScale)
	wRated, wSize, wArea, wOnline := p.w[sigRated]*b, float32(sizeWeight*b), p.w[sigArea], p.w[sigArea]*areaOnline
	var declared [32]float32
	for k, v := range p.declared {
		declared[k] = p.w[sigDeclared] * v
	}
	for j := range hs {
		c := &hs[j]
		if c.bits&bitLive == 0 || flags[j]&flagExcluded != 0 {
			continue
		}
		if (p.maxFee >= 0 && c.fee > p.maxFee) || (p.maxHours >= 0 && int32(c.hours) > p.maxHours) ||
			(p.online && c.bits&bitOnline == 0) || (p.area != 0 && c.pref != p.area && c.bits&bitOnline == 0) {
			continue
		}
		s := wSize*float32(c.size) + wRated*float32(c.rated) + declared[c.declared&31]
		if jobCol != nil {
			v := wJob * float32(jobCol[j])
			if c.jobFor == p.job {
				v = max(v, wJobFor)
			}
			s += v
		}
		if indCol != nil {
			v := wInd * float32(indCol[j])
			if c.indFor == p.ind {
				v = max(v, wIndFor)
			}
			s += v
		}
		if ageCol != nil {
			s += wAge * float32(ageCol[j])
		}
		if prefCol != nil {
			s += wPref * float32(prefCol[j])
		}
		if homeCol != nil {
			if c.home == p.home {
				s += p.w[sigHome]
			} else {
				s += wHome * float32(homeCol[j])
			}
		}
		if p.hasValues {
			vs := values[j*nDims : j*nDims+nDims : j*nDims+nDims]
			dot := int32(vs[0])*p.values[0] + int32(vs[1])*p.values[1] + int32(vs[2])*p.values[2] + int32(vs[3])*p.values[3] +
				int32(vs[4])*p.values[4] + int32(vs[5])*p.values[5] + int32(vs[6])*p.values[6] + int32(vs[7])*p.values[7]
			if dot > 0 {
				s += wValues * float32(dot)
			}
		}
		if p.hasWish {
			s += p.w[sigWish] * wish[j]
		}
		if p.hasGiven {
			v := max(p.givenKind[c.kind], given[j])
			if p.uTurn && c.home == p.home {
				v = 1
			}
			s += p.w[sigGivenUp] * v
		}
		switch {
		case p.pref != 0 && c.pref == p.pref:
			s += wArea
		case c.bits&bitOnline != 0:
			s += wOnline
		}
		if flags[j]&flagDismissed != 0 {
			s -= dismissedPenalty
		}
		if len(h.heap) == h.k && s < h.heap[0].score {
			continue // below the k kept so far: most communities end here
		}
		h.offer(s, int32(lo+j), x.ids)
	}
}

// signals returns the signals of slot i for the prepared query, each
// from 0 to 1, before weighting: the terms scan adds up, for explaining
// them.
func (x *Index) signals(i int32, p *prepared, sc *scratch) [nSignals]float32 {
	var v [nSignals]float32
	c := &x.hot[i]
	if p.jobCol != nil {
		v[sigJob] = float32(p.jobCol[i]) / 255
		if c.jobFor == p.job {
			v[sigJob] = max(v[sigJob], forFamilyMatch)
		}
	}
	if p.indCol != nil {
		v[sigIndustry] = float32(p.indCol[i]) / 255
		if c.indFor == p.ind {
			v[sigIndustry] = max(v[sigIndustry], forFamilyMatch)
		}
	}
	if p.ageCol != nil {
		v[sigAge] = float32(p.ageCol[i]) / 255
	}
	if p.prefCol != nil {
		v[sigPrefecture] = float32(p.prefCol[i]) / 255
	}
	if p.homeCol != nil {
		v[sigHome] = float32(p.homeCol[i]) / 255
		if c.home == p.home {
			v[sigHome] = 1
		}
	}
	if p.hasValues {
		var dot int32
		for k := range nDims {
			dot += int32(x.values[int(i)*nDims+k]) * p.values[k]
		}
		v[sigValues] = max(float32(dot)/(valueScale*valueScale), 0)
	}
	v[sigWish] = sc.wish[i]
	if p.hasGiven {
		v[sigGivenUp] = max(p.givenKind[c.kind], sc.given[i])
		if p.uTurn && c.home == p.home {
			v[sigGivenUp] = 1
		}
	}
	switch {
	case p.pref != 0 && c.pref == p.pref:
		v[sigArea] = 1
	case c.bits&bitOnline != 0:
		v[sigArea] = areaOnline
	}
	v[sigDeclared], v[sigRated] = p.declared[c.declared&31], float32(c.rated)/255
	return v
}

// setFlags marks the member's own, dismissed and bookmarked communities in
// sc.flag.
func (x *Index) setFlags(sc *scratch, m *Member) {
	for _, set := range []struct {
		ids  []string
		flag uint8
	}{{m.Exclude, flagExcluded}, {m.Dismissed, flagDismissed}, {m.Bookmarked, flagBookmarked}} {
		for _, id := range set.ids {
			if i, ok := x.slot[id]; ok {
				sc.flag[i] |= set.flag
			}
		}
	}
}

// release zeroes what a query wrote in sc and returns it to the pool.
func (x *Index) release(sc *scratch, m *Member) {
	for _, i := range sc.touched {
		sc.wish[i], sc.given[i] = 0, 0
	}
	sc.touched = sc.touched[:0]
	for _, list := range [][]string{m.Exclude, m.Dismissed, m.Bookmarked} {
		for _, id := range list {
			if i, ok := x.slot[id]; ok {
				sc.flag[i] = 0
			}
		}
	}
	scratchPool.Put(sc)
}

// candidate is a scored slot.
type candidate struct {
	score float32
	slot  int32
}

// topK keeps the k best candidates seen, in a min-heap. Equal scores are
// ordered by community ID, so that rankings are reproducible.
type topK struct {
	k    int
	heap []candidate
}

func newTopK(k int) *topK { return &topK{k: k, heap: make([]candidate, 0, k)} }

// worse reports whether a ranks below b.
func worse(a, b candidate, ids []string) bool {
	if a.score != b.score {
		return a.score < b.score
	}
	return ids[a.slot] > ids[b.slot]
}

func (h *topK) offer(score float32, slot int32, ids []string) {
	c := candidate{score, slot}
	if len(h.heap) < h.k {
		h.heap = append(h.heap, c)
		for j := len(h.heap) - 1; j > 0; {
			parent := (j - 1) / 2
			if !worse(h.heap[j], h.heap[parent], ids) {
				break
			}
			h.heap[j], h.heap[parent] = h.heap[parent], h.heap[j]
			j = parent
		}
		return
	}
	if !worse(h.heap[0], c, ids) {
		return
	}
	h.heap[0] = c
	for j := 0; ; {
		l, r, least := 2*j+1, 2*j+2, j
		if l < len(h.heap) && worse(h.heap[l], h.heap[least], ids) {
			least = l
		}
		if r < len(h.heap) && worse(h.heap[r], h.heap[least], ids) {
			least = r
		}
		if least == j {
			break
		}
		h.heap[j], h.heap[least] = h.heap[least], h.heap[j]
		j = least
	}
}

// diverse picks up to limit of the kept candidates, best first, each time
// lowering the candidates of a kind by the factor (1 − variety) for every
// one of that kind already picked, so that the list spans kinds unless one
// kind is far better. Scores below zero (dismissed communities) are
// lowered by subtraction instead, so that they stay below the rest.
func (h *topK) diverse(limit int, variety float32, hs []hot, ids []string) []candidate {
	rest := slices.Clone(h.heap)
	slices.SortFunc(rest, func(a, b candidate) int {
		if worse(b, a, ids) {
			return -1
		}
		if worse(a, b, ids) {
			return 1
		}
		return 0
	})
	var picked [8]int
	var out []candidate
	for len(out) < limit && len(rest) > 0 {
		best, bestScore := -1, float32(0)
		for j, c := range rest {
			s := c.score
			if n := picked[hs[c.slot].kind]; n > 0 {
				if s > 0 {
					s *= float32(math.Pow(float64(1-variety), float64(n)))
				} else {
					s -= float32(n)
				}
			}
			if best < 0 || s > bestScore {
				best, bestScore = j, s
			}
		}
		c := rest[best]
		picked[hs[c.slot].kind]++
		out = append(out, c)
		rest = slices.Delete(rest, best, best+1)
	}
	return out
}
