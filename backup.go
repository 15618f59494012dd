package tsunagari

import (
	"maps"
	"slices"
)

// TableSum is what a backup and a restore compare of one table: how many
// rows it holds and a SHA-256, in hex, of their contents.
type TableSum struct {
	Rows   int64  `json:"rows"`
	SHA256 string `json:"sha256"`
}

// TableSums holds the sums of every table of a database, by table name.
type TableSums map[string]TableSum

// SumMismatch is a table whose sums differ between two databases. Want or
// Got is nil when only one of them has the table.
type SumMismatch struct {
	Table     string
	Want, Got *TableSum
}

// Compare returns, in table name order, the tables whose sums in got
// differ from those in want, including tables only one of them has.
func (want TableSums) Compare(got TableSums) []SumMismatch {
	var out []SumMismatch
	names := slices.Sorted(maps.Keys(want))
	for name := range got {
		if _, ok := want[name]; !ok {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	for _, name := range names {
		w, wok := want[name]
		g, gok := got[name]
		if wok && gok && w == g {
			continue
		}
		m := SumMismatch{Table: name}
		if wok {
			m.Want = &w
		}
		if gok {
			m.Got = &g
		}
		out = append(out, m)
	}
	return out
}

// Tables returns the table names of s in order.
func (s TableSums) Tables() []string { return slices.Sorted(maps.Keys(s)) }
