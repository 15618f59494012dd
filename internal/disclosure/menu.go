package disclosure

import (
	"fmt"
	"slices"
	"strings"
)

// Dimension is a way to split people into groups. Reports offer only
// these: a free choice of filters would let a report single anyone out
// (Denning's tracker).
type Dimension string

const (
	Department Dimension = "department"
	AgeBand    Dimension = "age_band"
	TenureBand Dimension = "tenure_band"
	JobFamily  Dimension = "job_family"
)

// Dimensions lists the dimensions in menu order.
var Dimensions = []Dimension{Department, AgeBand, TenureBand, JobFamily}

// MaxDimensions is how many dimensions a breakdown may combine.
const MaxDimensions = 2

// Unspecified is the group of people whose value of a dimension is not
// known: no department, or an age band they did not give.
const Unspecified = "unspecified"

// Breakdown is a choice of up to MaxDimensions dimensions, in menu order.
// The empty breakdown is the total.
type Breakdown []Dimension

// Key names the breakdown, such as "department+age_band", or "total".
func (b Breakdown) Key() string {
	if len(b) == 0 {
		return "total"
	}
	parts := make([]string, len(b))
	for i, d := range b {
		parts[i] = string(d)
	}
	return strings.Join(parts, "+")
}

// Has reports whether b splits by d.
func (b Breakdown) Has(d Dimension) bool { return slices.Contains(b, d) }

// Menu lists every allowed breakdown: the total, each dimension alone, and
// each pair, in a fixed order.
func Menu() []Breakdown {
	out := []Breakdown{{}}
	for _, d := range Dimensions {
		out = append(out, Breakdown{d})
	}
	for i, a := range Dimensions {
		for _, b := range Dimensions[i+1:] {
			out = append(out, Breakdown{a, b})
		}
	}
	return out
}

// ErrNotOnMenu is returned for a breakdown the menu does not offer.
var ErrNotOnMenu = fmt.Errorf("disclosure: breakdown not on the menu")

// ParseBreakdown reads a breakdown written as its Key or as dimensions
// separated by commas or plus signs, in any order. "" and "total" are the
// total.
func ParseBreakdown(s string) (Breakdown, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "total" {
		return Breakdown{}, nil
	}
	var b Breakdown
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '+' || r == ' ' }) {
		d := Dimension(part)
		if !slices.Contains(Dimensions, d) || b.Has(d) {
			return nil, ErrNotOnMenu
		}
		b = append(b, d)
	}
	if len(b) > MaxDimensions {
		return nil, ErrNotOnMenu
	}
	slices.SortFunc(b, func(x, y Dimension) int { return slices.Index(Dimensions, x) - slices.Index(Dimensions, y) })
	return b, nil
}
