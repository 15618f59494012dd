package disclosure

import (
	"crypto/rand"
	"encoding/binary"
	"io"
	"math"
	"sync"
)

// Noise draws the noise of differentially private counts. Counts are
// whole numbers, so the noise is the discrete Laplace (two-sided
// geometric) distribution: P(x) ∝ exp(−ε|x|). Being whole numbers, its
// draws leak nothing through the low bits of floating point numbers.
type Noise struct {
	mu  sync.Mutex
	src io.Reader
}

// NewNoise returns noise drawn from src, or from crypto/rand if src is
// nil.
func NewNoise(src io.Reader) *Noise {
	if src == nil {
		src = rand.Reader
	}
	return &Noise{src: src}
}

// uniform returns a number in (0, 1].
func (n *Noise) uniform() float64 {
	var b [8]byte
	n.mu.Lock()
	_, err := io.ReadFull(n.src, b[:])
	n.mu.Unlock()
	if err != nil {
		panic("disclosure: no randomness: " + err.Error())
	}
	return float64(binary.LittleEndian.Uint64(b[:])>>11+1) / (1 << 53)
}

// geometric draws the number of failures before a success of
// probability 1−α.
func (n *Noise) geometric(alpha float64) int {
	return int(math.Floor(math.Log(n.uniform()) / math.Log(alpha)))
}

// Laplace returns noise for a count of sensitivity 1 under privacy
// parameter epsilon: the difference of two geometric draws with
// α = exp(−epsilon).
func (n *Noise) Laplace(epsilon float64) int {
	if epsilon <= 0 {
		return 0
	}
	alpha := math.Exp(-epsilon)
	up := n.geometric(alpha)
	down := n.geometric(alpha)
	return up - down
}

// LaplacePMF is the probability of noise x under epsilon.
func LaplacePMF(x int, epsilon float64) float64 {
	alpha := math.Exp(-epsilon)
	return (1 - alpha) / (1 + alpha) * math.Pow(alpha, math.Abs(float64(x)))
}
