package disclosure

import (
	"cmp"
	"slices"
)

// DepartmentNode is one department of a release's tree. Its name is
// frozen with the release, so renaming a department later changes no
// published report.
type DepartmentNode struct {
	ID       string `json:"id"`
	ParentID string `json:"parentId,omitempty"`
	Name     string `json:"name"`
	Depth    int    `json:"depth"`
}

// Tree is an org's department tree, in display order: depth first,
// siblings by name.
type Tree struct {
	Nodes []DepartmentNode

	index    map[string]int
	children [][]int // by node; top-level nodes under -1 are in top
	top      []int
	parent   []int
}

// NewTree orders nodes into a tree. A node whose parent is unknown, or
// that sits on a cycle, becomes a top-level node; a repeated ID is
// dropped.
func NewTree(nodes []DepartmentNode) *Tree {
	byID := map[string]DepartmentNode{}
	var ids []string
	for _, n := range nodes {
		if n.ID == "" || n.ID == Unspecified {
			continue
		}
		if _, dup := byID[n.ID]; dup {
			continue
		}
		byID[n.ID] = n
		ids = append(ids, n.ID)
	}
	kids := map[string][]string{}
	for _, id := range ids {
		p := byID[id].ParentID
		if _, ok := byID[p]; !ok || p == id {
			p = ""
		}
		kids[p] = append(kids[p], id)
	}
	byName := func(a, b string) int {
		return cmp.Or(cmp.Compare(byID[a].Name, byID[b].Name), cmp.Compare(a, b))
	}
	t := &Tree{index: map[string]int{}}
	var walk func(id, parent string, depth int)
	walk = func(id, parent string, depth int) {
		if _, seen := t.index[id]; seen {
			return
		}
		n := byID[id]
		t.index[id] = len(t.Nodes)
		t.Nodes = append(t.Nodes, DepartmentNode{ID: id, ParentID: parent, Name: n.Name, Depth: depth})
		cs := slices.Clone(kids[id])
		slices.SortFunc(cs, byName)
		for _, c := range cs {
			walk(c, id, depth+1)
		}
	}
	roots := slices.Clone(kids[""])
	slices.SortFunc(roots, byName)
	for _, r := range roots {
		walk(r, "", 0)
	}
	// Nodes on a cycle were never reached from a root.
	rest := slices.DeleteFunc(slices.Clone(ids), func(id string) bool { _, ok := t.index[id]; return ok })
	slices.SortFunc(rest, byName)
	for _, r := range rest {
		walk(r, "", 0)
	}
	t.children = make([][]int, len(t.Nodes))
	t.parent = make([]int, len(t.Nodes))
	for i, n := range t.Nodes {
		if n.ParentID == "" {
			t.parent[i] = -1
			t.top = append(t.top, i)
			continue
		}
		p := t.index[n.ParentID]
		t.parent[i] = p
		t.children[p] = append(t.children[p], i)
	}
	return t
}

// Has reports whether id is a department of the tree.
func (t *Tree) Has(id string) bool {
	_, ok := t.index[id]
	return ok
}

// Name returns the name of department id, or "".
func (t *Tree) Name(id string) string {
	if i, ok := t.index[id]; ok {
		return t.Nodes[i].Name
	}
	return ""
}

// path returns the node indices from id up to its top-level department.
func (t *Tree) path(id string) []int {
	i, ok := t.index[id]
	if !ok {
		return nil
	}
	var out []int
	for ; i >= 0; i = t.parent[i] {
		out = append(out, i)
	}
	return out
}
