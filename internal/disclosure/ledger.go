package disclosure

import "errors"

// ErrTooClose is returned by Ledger.Admit for a group whose people differ
// from an admitted group's by 1 to k−1: releasing both would single out
// the difference.
var ErrTooClose = errors.New("disclosure: group differs from a released group by fewer than k people")

// Ledger is the memory of one release: every group admitted so far, as
// the sorted indices of its people. A new group is admitted only if it
// equals each admitted group or differs from it by at least k people.
//
// Two groups that differ by fewer than k people share most of their
// people: if A differs from B by fewer than k, at least one of A's first
// k people is in B (else A alone would hold k people B does not). So the
// ledger indexes each admitted group by its people and compares a new
// group only with the groups holding one of its first k people, and with
// the few groups smaller than k.
type Ledger struct {
	k        int
	groups   [][]int32
	byPerson map[int32][]int // person → groups that hold them
	small    []int           // groups of fewer than k people
	mark     []int           // per group, the last check that looked at it
	check    int
}

// NewLedger returns an empty ledger for minimum group size k.
func NewLedger(k int) *Ledger {
	return &Ledger{k: max(k, 1), byPerson: map[int32][]int{}}
}

// Len returns how many groups the ledger admitted.
func (l *Ledger) Len() int { return len(l.groups) }

// Admit admits members, sorted person indices, or returns ErrTooClose.
func (l *Ledger) Admit(members []int32) error {
	if err := l.Check(members); err != nil {
		return err
	}
	i := len(l.groups)
	l.groups = append(l.groups, members)
	l.mark = append(l.mark, 0)
	if len(members) < l.k {
		l.small = append(l.small, i)
	}
	for _, p := range members {
		l.byPerson[p] = append(l.byPerson[p], i)
	}
	return nil
}

// Check reports, without admitting it, whether members could be admitted.
func (l *Ledger) Check(members []int32) error {
	l.check++
	too := func(i int) bool {
		if l.mark[i] == l.check {
			return false
		}
		l.mark[i] = l.check
		other := l.groups[i]
		if abs(len(other)-len(members)) >= l.k {
			return false
		}
		d := symmetricDifference(members, other, l.k)
		return d > 0 && d < l.k
	}
	for _, i := range l.small {
		if too(i) {
			return ErrTooClose
		}
	}
	for _, p := range members[:min(l.k, len(members))] {
		for _, i := range l.byPerson[p] {
			if too(i) {
				return ErrTooClose
			}
		}
	}
	return nil
}

// symmetricDifference counts the people in exactly one of a and b, both
// sorted, stopping once it reaches limit.
func symmetricDifference(a, b []int32, limit int) int {
	d, i, j := 0, 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] == b[j]:
			i++
			j++
			continue
		case a[i] < b[j]:
			i++
		default:
			j++
		}
		d++
		if d >= limit {
			return d
		}
	}
	return d + (len(a) - i) + (len(b) - j)
}

// difference counts the people of a, sorted, who are not in b, sorted.
func difference(a, b []int32) int {
	d, j := 0, 0
	for _, x := range a {
		for j < len(b) && b[j] < x {
			j++
		}
		if j < len(b) && b[j] == x {
			continue
		}
		d++
	}
	return d
}
