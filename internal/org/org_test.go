package org_test

import (
	"strings"
	"testing"

	"tsunagari"
	"tsunagari/internal/org"
)

func departments() []org.TreeNode {
	sales := &tsunagari.Department{ID: "sales", Name: "営業本部"}
	east := &tsunagari.Department{ID: "east", ParentID: "sales", Name: "東日本営業部"}
	first := &tsunagari.Department{ID: "first", ParentID: "east", Name: "第一営業課"}
	hr := &tsunagari.Department{ID: "hr", Name: "人事部"}
	return org.Tree([]*tsunagari.Department{hr, sales, east, first})
}

func TestTree(t *testing.T) {
	var got []string
	for _, n := range departments() {
		got = append(got, strings.Repeat("-", n.Depth)+n.Path)
	}
	want := []string{"人事部", "営業本部", "-営業本部 / 東日本営業部", "--営業本部 / 東日本営業部 / 第一営業課"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("Tree = %q, want %q", got, want)
	}
}

func TestParseCSV(t *testing.T) {
	tests := []struct {
		name  string
		data  string
		want  string // email:department:role per invite
		lines []int  // lines with problems
	}{
		{"english header", "email,department,role\na@x.jp,営業本部 / 東日本営業部,member\nb@x.jp,,hr_admin\n",
			"a@x.jp:east:member b@x.jp::hr_admin", nil},
		{"japanese header, other separators, BOM", "\ufeffメールアドレス,部署,役割\na@x.jp,営業本部/東日本営業部/第一営業課,一般\nb@x.jp,人事部,人事\n",
			"a@x.jp:first:member b@x.jp:hr:hr_admin", nil},
		{"columns in any order, extra columns ignored", "氏名,role,email\n山田,member,a@x.jp\n",
			"a@x.jp::member", nil},
		{"blank lines skipped", "email\n\na@x.jp\n\n", "a@x.jp::member", nil},
		{"bad lines reported by number", "email,department,role\na@x.jp,営業本部,member\nb@x.jp,経理部,member\nc@x.jp,,owner\n",
			"a@x.jp:sales:member", []int{3, 4}},
	}
	for _, tt := range tests {
		invites, details, err := org.ParseCSV([]byte(tt.data), departments())
		if err != nil {
			t.Errorf("%s: ParseCSV error = %v", tt.name, err)
			continue
		}
		var got []string
		for _, inv := range invites {
			got = append(got, inv.Email+":"+inv.DepartmentID+":"+string(inv.Role))
		}
		if strings.Join(got, " ") != tt.want {
			t.Errorf("%s: ParseCSV = %q, want %q", tt.name, strings.Join(got, " "), tt.want)
		}
		var lines []int
		for _, d := range details {
			lines = append(lines, d.Line)
		}
		if len(lines) != len(tt.lines) || (len(lines) > 0 && lines[0] != tt.lines[0]) {
			t.Errorf("%s: problems on lines %v, want %v", tt.name, lines, tt.lines)
		}
	}
	for name, data := range map[string]string{"no email column": "name\nx\n", "empty": "", "header only": "email\n", "unclosed quote": "email\n\"a@x.jp\n"} {
		if _, _, err := org.ParseCSV([]byte(data), nil); tsunagari.ErrorCode(err) != tsunagari.CodeInvalid {
			t.Errorf("%s: ParseCSV error = %v, want invalid", name, err)
		}
	}
	big := "email\n" + strings.Repeat("a@x.jp\n", org.MaxCSVBytes/7+1)
	if _, _, err := org.ParseCSV([]byte(big), nil); tsunagari.ErrorCode(err) != tsunagari.CodeTooLarge {
		t.Errorf("oversized file: error = %v, want too_large", err)
	}
}

func FuzzParseCSV(f *testing.F) {
	f.Add([]byte("email,department,role\na@x.jp,営業本部 / 東日本営業部,member\n"))
	f.Add([]byte("\ufeffメールアドレス,部署\n\"a,b\"@x.jp,人事部\n"))
	f.Add([]byte{0x82, 0xa0, 0x0a, 0xff})
	depts := departments()
	f.Fuzz(func(t *testing.T, data []byte) {
		invites, details, err := org.ParseCSV(data, depts)
		if err != nil && (invites != nil || details != nil) {
			t.Fatalf("ParseCSV returned invites or details with an error")
		}
		for _, d := range details {
			if d.Line < 1 || d.Key == "" {
				t.Fatalf("problem without a line or message: %+v", d)
			}
		}
	})
}
