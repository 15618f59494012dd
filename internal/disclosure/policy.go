package disclosure

// Limits of the disclosure policy. An org may raise its minimum group
// size but never lower it below MinK; text-derived items always need at
// least MinKText people, and never fewer than numbers do.
const (
	DefaultK     = 5
	MinK         = 3
	DefaultKText = 10
	MinKText     = 10
	// MaxK keeps a mistyped setting from hiding everything.
	MaxK = 100
)

// Policy is how much an org's reports may say.
type Policy struct {
	// K is the minimum number of distinct people behind any released
	// number.
	K int
	// KText is the minimum number of distinct people behind anything
	// derived from free text, such as a word of a word cloud.
	KText int
	// Epsilon, when above zero, adds Laplace noise of scale 1/Epsilon to
	// every released count; each table of counts then spends Epsilon of
	// Budget, the most one release may spend. Thresholds and suppression
	// apply whether or not noise is added.
	Epsilon float64
	Budget  float64
	// Noise is the source of noise; nil means crypto/rand. Tests set a
	// seeded source.
	Noise *Noise
}

// NewPolicy returns the policy for an org's settings: k and kText are
// raised to their minimums (0 means the default) and capped at MaxK.
// Noise is off unless epsilon and budget are both above zero.
func NewPolicy(k, kText int, epsilon, budget float64) Policy {
	if k == 0 {
		k = DefaultK
	}
	if kText == 0 {
		kText = DefaultKText
	}
	k = min(max(k, MinK), MaxK)
	kText = min(max(kText, MinKText, k), MaxK)
	p := Policy{K: k, KText: kText}
	if epsilon > 0 && budget > 0 {
		p.Epsilon, p.Budget = epsilon, budget
	}
	return p
}

// Noisy reports whether the policy adds noise.
func (p Policy) Noisy() bool { return p.Epsilon > 0 && p.Budget > 0 }

// k returns K, at least MinK, so that a zero Policy is still safe.
func (p Policy) k() int { return max(p.K, MinK) }

// kText returns KText, at least MinKText and K.
func (p Policy) kText() int { return max(p.KText, MinKText, p.k()) }
