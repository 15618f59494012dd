// Package disclosure is the only road from individual data to what an
// employer's HR administrators see. Every number, chart, word and CSV cell
// of an HR report passes through it. It is pure: it takes people and
// their groups, and returns what may be released about those groups.
//
// It enforces, in this order:
//
//   - a minimum group size k for numbers (Policy.K: default 5, set per
//     org, never below 3) and k_text for anything derived from free text
//     (Policy.KText: default 10);
//   - a fixed menu of breakdowns: at most two of department, age band,
//     tenure band and job family at once (Menu);
//   - for counts of people who did something, such as consulting, a
//     count is not shown when fewer than k of its base group did not (so
//     that no count says "everyone here did it");
//   - the release ledger: groups are admitted one at a time in a fixed
//     order, and a group whose people differ from an admitted group's by
//     1 to k−1 is refused; this is the remainder rule for every filter
//     and breakdown (department minus an age band, a parent minus its
//     child);
//   - complementary suppression: totals, margins and the department tree
//     are equations between groups, and whatever can be solved from the
//     shown groups is treated as shown; when the hidden groups of an
//     equation hold between 1 and k−1 people together, more groups are
//     hidden until they hold none or at least k;
//   - counts of people are rounded (to 5) and shown from k upwards, with
//     optional Laplace noise under a per-release ε budget.
//
// Results are computed once, when a round or period closes, and then
// frozen: a Release is stored as it is and read back byte for byte.
package disclosure

// CountRounding is the base participation counts are rounded to.
const CountRounding = 5

// Count is a released head count.
type Count struct {
	// Shown is false when the group is smaller than the minimum group size;
	// Value is then 0 and must not be displayed.
	Shown bool
	// Value is the count rounded to the nearest CountRounding, never below k.
	Value int
}

// ReleaseCount releases a participation count n under minimum group size
// k: hidden below k, otherwise rounded to the nearest 5 and never shown
// as less than k.
func ReleaseCount(n, k int) Count {
	if n < k || n <= 0 {
		return Count{}
	}
	return Count{Shown: true, Value: roundCount(n, k)}
}

// roundCount rounds n to the nearest CountRounding, and never below k.
func roundCount(n, k int) int {
	v := (n + CountRounding/2) / CountRounding * CountRounding
	return max(v, k)
}
