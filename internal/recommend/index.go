// Package recommend ranks third communities for a member, and says why.
// It is pure: no database, no HTTP, no clock. An Index keeps, for every
// listed community, an aggregate vector of its current members (how many
// share each job family, industry, age band, prefecture and home
// prefecture; the mean of their values diagnoses), its traits as
// organisers declare them and members rate them, its practical facts (fee,
// hours, where it meets) and the bigrams of its name, purpose and tags.
// Rank scores every community against one member in a single pass over
// those vectors, keeps the best, spreads them across kinds, and explains
// each in figures.
//
// Nothing about an individual member of a community leaves the index:
// figures are shares of the whole membership, shown only for communities
// of at least tsunagari.DefaultMinGroupSize members, and the values
// signal is used only when that many members have taken the diagnosis.
package recommend

import (
	"math"
	"math/bits"
	"slices"
	"strings"
	"sync"

	"tsunagari"
	"tsunagari/internal/search"
)

// ValueDimensions are the dimensions of the values diagnosis, in the
// order the index keeps their means.
var ValueDimensions = []string{"expertise", "autonomy", "stability", "challenge", "contribution", "balance", "creating", "leading"}

const nDims = 8

// MinGroup is the smallest membership, and the smallest number of
// diagnosed members, whose aggregates the index shows or uses.
const MinGroup = tsunagari.DefaultMinGroupSize

// smoothing is added to a community's member count when a share is
// scored, so that one matching member of two counts less than forty of
// eighty: share = matching / (members + smoothing).
const smoothing = 2

// codes maps each value of a vocabulary to 1..len; 0 is "not given".
type codes map[string]uint8

func codesOf(list []string) codes {
	m := make(codes, len(list))
	for i, v := range list {
		m[v] = uint8(i + 1)
	}
	return m
}

func prefectureCodes() []string {
	out := make([]string, len(tsunagari.Prefectures))
	for i, p := range tsunagari.Prefectures {
		out[i] = p.Code
	}
	return out
}

var (
	jobCodes  = codesOf(tsunagari.JobFamilies)
	indCodes  = codesOf(tsunagari.Industries)
	ageCodes  = codesOf(tsunagari.AgeBands)
	prefCodes = codesOf(prefectureCodes())
	kindCodes = func() codes {
		list := make([]string, len(tsunagari.CommunityKinds))
		for i, k := range tsunagari.CommunityKinds {
			list[i] = string(k)
		}
		return codesOf(list)
	}()
)

// attribute is one of the member attributes the index counts.
type attribute int

const (
	attrJob attribute = iota
	attrIndustry
	attrAge
	attrPrefecture
	attrHome
	nAttrs
)

func (a attribute) codes() codes {
	return [...]codes{jobCodes, indCodes, ageCodes, prefCodes, prefCodes}[a]
}

func (a attribute) of(m *tsunagari.MemberSignals) string {
	return [...]string{m.JobFamily, m.Industry, m.AgeBand, m.Prefecture, m.HomePrefecture}[a]
}

// count is how many members have one value of an attribute.
type count struct {
	value uint8
	n     uint32
}

// detail is what the index keeps of a community beyond its hot vector:
// what ranking does not read, but explaining does.
type detail struct {
	community *tsunagari.Community // without description or organisers
	members   int
	counts    [nAttrs][]count
	ratings   []tsunagari.TraitScore
	diagnosed int
	grams     []string // the bigrams indexed for it
	text      string   // name, purpose and tags, normalised for display
}

// share returns the exact share of members with value v of attribute a,
// in percent.
func (d *detail) share(a attribute, v uint8) int {
	if d.members == 0 || v == 0 {
		return 0
	}
	for _, c := range d.counts[a] {
		if c.value == v {
			return int(math.Round(float64(c.n) * 100 / float64(d.members)))
		}
	}
	return 0
}

// hot is what Rank reads of every community, packed into 16 bytes so
// that a scan over all of them touches as little memory as it can.
type hot struct {
	fee      int32
	hours    int16
	kind     uint8
	pref     uint8 // where it meets in person; 0 online only
	home     uint8 // the region of a regional alumni community
	jobFor   uint8 // the job family it is for, if any
	indFor   uint8 // the industry it is for, if any
	declared uint8 // bit i: organisers declare tsunagari.Traits[i]
	rated    uint8 // members' ratings, 0..255; 0 when too few rated
	size     uint8 // 0..255, grows with the membership
	bits     uint8 // bitLive, bitOnline
}

const (
	bitLive = 1 << iota
	bitOnline
)

// valueScale is what a unit vector of values is multiplied by to be kept
// as int8.
const valueScale = 127

// Index holds the vectors of the communities that may be recommended. It
// is safe for concurrent use: Rank reads under a shared lock; Put and
// Remove take it alone, briefly.
type Index struct {
	mu   sync.RWMutex
	slot map[string]int32
	free []int32

	ids []string
	hot []hot
	// values holds nDims per slot: the direction of the members' mean
	// values, times valueScale; zeros when unknown.
	values []int8
	// shares[a][v] holds, per slot, round(255 × matching/(members+smoothing))
	// for value v of attribute a.
	shares [nAttrs][][]uint8

	details []*detail

	// postings lists, for each bigram, the slots whose text has it.
	postings map[string][]int32
}

// NewIndex returns an empty index.
func NewIndex() *Index {
	x := &Index{slot: map[string]int32{}, postings: map[string][]int32{}}
	for a := range nAttrs {
		x.shares[a] = make([][]uint8, len(a.codes())+1)
	}
	return x
}

// Len returns the number of communities in the index.
func (x *Index) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.slot)
}

// Has reports whether the community is in the index.
func (x *Index) Has(id string) bool {
	x.mu.RLock()
	defer x.mu.RUnlock()
	_, ok := x.slot[id]
	return ok
}

// Put adds a community, or replaces what the index holds of it. A hidden
// community is removed instead.
func (x *Index) Put(sig *tsunagari.CommunitySignals) {
	c := sig.Community
	if c.Hidden() {
		x.Remove(c.ID)
		return
	}
	d, vec := summarise(sig)
	grams, text := communityGrams(c)
	d.grams, d.text = grams, text
	h := hot{fee: int32(min(c.MonthlyFee, math.MaxInt32)), hours: int16(min(c.HoursPerMonth, math.MaxInt16)),
		kind: kindCodes[string(c.Kind)], pref: prefCodes[c.Prefecture], home: prefCodes[c.HomePrefecture],
		jobFor: jobCodes[c.JobFamily], indFor: indCodes[c.Industry], bits: bitLive,
		rated: uint8(math.Round(255 * float64(ratedSignal(sig.Ratings)))),
		size:  uint8(math.Round(255 * math.Min(1, math.Log1p(float64(d.members))/math.Log1p(1000))))}
	if c.Online {
		h.bits |= bitOnline
	}
	for b, t := range tsunagari.Traits {
		if c.Has(t) {
			h.declared |= 1 << b
		}
	}

	x.mu.Lock()
	defer x.mu.Unlock()
	i, ok := x.slot[c.ID]
	if ok {
		x.unpost(i)
	} else {
		i = x.alloc()
		x.slot[c.ID] = i
	}
	x.ids[i], x.hot[i] = c.ID, h
	for k := range nDims {
		x.values[int(i)*nDims+k] = int8(math.Round(valueScale * float64(vec[k])))
	}
	for a := range nAttrs {
		for _, col := range x.shares[a] {
			col[i] = 0
		}
		for _, cnt := range d.counts[a] {
			x.shares[a][cnt.value][i] = uint8(math.Round(255 * float64(cnt.n) / float64(d.members+smoothing)))
		}
	}
	x.details[i] = d
	for _, g := range grams {
		x.postings[g] = append(x.postings[g], i)
	}
}

// Remove takes a community out of the index, if it is there.
func (x *Index) Remove(id string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	i, ok := x.slot[id]
	if !ok {
		return
	}
	x.unpost(i)
	delete(x.slot, id)
	x.hot[i], x.ids[i], x.details[i] = hot{}, "", nil
	x.free = append(x.free, i)
}

// alloc returns a free slot, growing every per-slot array if none is.
func (x *Index) alloc() int32 {
	if n := len(x.free); n > 0 {
		i := x.free[n-1]
		x.free = x.free[:n-1]
		return i
	}
	i := int32(len(x.ids))
	x.ids = append(x.ids, "")
	x.hot = append(x.hot, hot{})
	x.values = append(x.values, make([]int8, nDims)...)
	for a := range nAttrs {
		for v := range x.shares[a] {
			x.shares[a][v] = append(x.shares[a][v], 0)
		}
	}
	x.details = append(x.details, nil)
	return i
}

// unpost removes slot i from the postings of its bigrams.
func (x *Index) unpost(i int32) {
	d := x.details[i]
	if d == nil {
		return
	}
	for _, g := range d.grams {
		list := x.postings[g]
		if k := slices.Index(list, i); k >= 0 {
			list = slices.Delete(list, k, k+1)
		}
		if len(list) == 0 {
			delete(x.postings, g)
		} else {
			x.postings[g] = list
		}
	}
}

// summarise counts the members of sig by attribute and returns the
// direction of their mean values, or zeros if fewer than MinGroup of them
// have taken the values diagnosis or their mean has no clear direction.
func summarise(sig *tsunagari.CommunitySignals) (*detail, [nDims]float32) {
	c := *sig.Community
	c.Description, c.Organisers = "", nil
	d := &detail{community: &c, members: len(sig.Members), ratings: slices.Clone(sig.Ratings)}
	var tally [nAttrs]map[uint8]uint32
	var sum [nDims]float64
	for mi := range sig.Members {
		m := &sig.Members[mi]
		for a := range nAttrs {
			v := a.codes()[a.of(m)]
			if v == 0 {
				continue
			}
			if tally[a] == nil {
				tally[a] = map[uint8]uint32{}
			}
			tally[a][v]++
		}
		if vec, ok := valueVector(m.Values); ok {
			d.diagnosed++
			for k := range nDims {
				sum[k] += vec[k]
			}
		}
	}
	for a := range nAttrs {
		for v, n := range tally[a] {
			d.counts[a] = append(d.counts[a], count{value: v, n: n})
		}
		slices.SortFunc(d.counts[a], func(p, q count) int { return int(p.value) - int(q.value) })
	}
	var out [nDims]float32
	if d.diagnosed >= MinGroup {
		var mean [nDims]float64
		for k := range nDims {
			mean[k] = sum[k] / float64(d.diagnosed)
		}
		if u, ok := unit(mean[:]); ok {
			out = u
		}
	}
	return d, out
}

// valueVector returns scores as deviations from the middle of the scale,
// in the order of ValueDimensions, and false unless every dimension is
// there.
func valueVector(scores []tsunagari.Score) ([nDims]float64, bool) {
	var v [nDims]float64
	if len(scores) == 0 {
		return v, false
	}
	for k, dim := range ValueDimensions {
		s, ok := tsunagari.ScoreOf(scores, dim)
		if !ok {
			return v, false
		}
		v[k] = s - 50
	}
	return v, true
}

// minValueSpread is the length below which a vector of deviations has no
// clear direction: a person, or a group, near the middle on everything.
const minValueSpread = 5

// unit returns v scaled to length 1, and false if v is too short to have
// a direction.
func unit(v []float64) ([nDims]float32, bool) {
	var out [nDims]float32
	norm := 0.0
	for _, x := range v {
		norm += x * x
	}
	norm = math.Sqrt(norm)
	if norm < minValueSpread {
		return out, false
	}
	for k, x := range v {
		out[k] = float32(x / norm)
	}
	return out, true
}

// ratedSignal is the mean, over the traits at least
// tsunagari.MinTraitRaters members rated, of their mean rating on a 0..1
// scale; 0 when no trait was rated by that many.
func ratedSignal(ratings []tsunagari.TraitScore) float32 {
	total, n := 0.0, 0
	for _, r := range ratings {
		if r.Raters >= tsunagari.MinTraitRaters {
			total += (r.Mean - 1) / 4
			n++
		}
	}
	if n == 0 {
		return 0
	}
	return float32(total / float64(n))
}

// declaredSignal is the share of the five traits organisers declare.
func declaredSignal(bitsSet uint8) float32 {
	return float32(bits.OnesCount8(bitsSet)) / float32(len(tsunagari.Traits))
}

// communityGrams returns the bigrams by which a wish finds c, sorted and
// distinct, and c's text as shown, normalised for finding the words a
// wish shares with it.
func communityGrams(c *tsunagari.Community) ([]string, string) {
	text := c.Name + " " + c.Purpose + " " + strings.Join(c.Tags, " ")
	if p := tsunagari.PrefectureByCode(c.HomePrefecture); p != nil {
		text += " " + p.Name + " " + p.En
	}
	var out []string
	for _, g := range search.Grams(search.Normalize(text)) {
		if len([]rune(g)) == 2 {
			out = append(out, g)
		}
	}
	return out, displayFold(text)
}
