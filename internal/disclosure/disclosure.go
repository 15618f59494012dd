// Package disclosure is the only road from individual data to what an
// employer's HR administrators see. It releases numbers about groups of
// people only when the group is large enough, and coarsens them so that
// watching a number change does not single anyone out.
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
	v := (n + CountRounding/2) / CountRounding * CountRounding
	return Count{Shown: true, Value: max(v, k)}
}
