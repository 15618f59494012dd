package chart_test

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"testing"

	"tsunagari/internal/chart"
)

// parse checks that svg is well-formed XML and returns its elements by
// name and the text of its title and desc.
func parse(t *testing.T, svg string) (map[string]int, string, string) {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(svg))
	elems := map[string]int{}
	var title, desc, in string
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed: %v\n%s", err, svg)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			elems[tok.Name.Local]++
			in = tok.Name.Local
			for _, a := range tok.Attr {
				if a.Name.Local == "style" {
					t.Errorf("<%s> has a style attribute, which the CSP forbids", tok.Name.Local)
				}
			}
		case xml.CharData:
			switch in {
			case "title":
				title += string(tok)
			case "desc":
				desc += string(tok)
			}
		case xml.EndElement:
			in = ""
		}
	}
	return elems, title, desc
}

func accessible(t *testing.T, svg, title, desc string) map[string]int {
	t.Helper()
	elems, gotTitle, gotDesc := parse(t, svg)
	if !strings.HasPrefix(svg, "<svg ") || !strings.Contains(svg, `role="img"`) || !strings.Contains(svg, `aria-labelledby="`) {
		t.Errorf("chart is not an accessible image: %.200s", svg)
	}
	if gotTitle != title || gotDesc != desc {
		t.Errorf("title, desc = %q, %q; want %q, %q", gotTitle, gotDesc, title, desc)
	}
	return elems
}

func TestRadar(t *testing.T) {
	c := chart.Radar{ID: "values", Title: "価値観 <診断>", Desc: "8つの価値観のスコア",
		Axes: []string{"専門性", "自律", "安定", "挑戦", "社会貢献", "生活との調和", "創造・起業", "人を率いる"},
		Series: []chart.Series{
			{Name: "今回", Values: []float64{80, 60, 40, 100, 20, 55.5, 0, 70}},
			{Name: "前回", Values: []float64{70, 60, 50, 90, 30, 50, 10, 60}},
		}}
	svg := c.SVG()
	elems := accessible(t, svg, "価値観 <診断>", "8つの価値観のスコア")
	// 4 rings and 2 series.
	if elems["polygon"] != 6 {
		t.Errorf("%d polygons, want 6", elems["polygon"])
	}
	for _, want := range []string{"生活との調和", ">56<", "今回", "前回", `&lt;診断&gt;`} {
		if !strings.Contains(svg, want) {
			t.Errorf("radar lacks %q", want)
		}
	}
	// One series needs no legend.
	c.Series = c.Series[:1]
	if strings.Contains(c.SVG(), "legend") {
		t.Error("a radar with one series has a legend")
	}
	// Too few axes draw an empty chart rather than nonsense.
	accessible(t, chart.Radar{ID: "x", Title: "t", Desc: "d", Axes: []string{"a", "b"}}.SVG(), "t", "d")
}

func TestLine(t *testing.T) {
	c := chart.Line{ID: "powers", Title: "5つのパワーの推移", Desc: "3回の結果",
		Labels: []string{"2026/9", "2026/10", "2026/11"},
		Series: []chart.Series{
			{Name: "人とのつながり", Values: []float64{25, 50, 75}},
			{Name: "視野の拡大", Values: []float64{30, -1, 60}}, // missing in October
		}}
	svg := c.SVG()
	elems := accessible(t, svg, "5つのパワーの推移", "3回の結果")
	if elems["path"] != 2 || elems["circle"] != 5 {
		t.Errorf("%d paths and %d points, want 2 and 5", elems["path"], elems["circle"])
	}
	if strings.Count(svg, "M") < 3 {
		t.Error("a missing value does not break the line")
	}
	for _, want := range []string{"2026/10", "人とのつながり", "視野の拡大"} {
		if !strings.Contains(svg, want) {
			t.Errorf("line chart lacks %q", want)
		}
	}
	// A single point is drawn in the middle.
	accessible(t, chart.Line{ID: "one", Title: "t", Desc: "d", Labels: []string{"今日"},
		Series: []chart.Series{{Name: "a", Values: []float64{50}}}}.SVG(), "t", "d")
}

func TestBars(t *testing.T) {
	c := chart.Bars{ID: "iso", Title: "孤立感", Desc: "0〜100", Labels: []string{"孤立感", "つながり"},
		Values: []float64{62.5, 130}, Unit: "点"}
	svg := c.SVG()
	elems := accessible(t, svg, "孤立感", "0〜100")
	if elems["rect"] != 4 {
		t.Errorf("%d rects, want a track and a bar per value", elems["rect"])
	}
	if !strings.Contains(svg, "63点") || !strings.Contains(svg, "130点") {
		t.Errorf("bars lack their values: %s", svg)
	}
	if strings.Contains(svg, `width="-`) {
		t.Error("a bar has a negative width")
	}
}

func BenchmarkRadar(b *testing.B) {
	c := chart.Radar{ID: "v", Title: "t", Desc: "d", Axes: []string{"a", "b", "c", "d", "e", "f", "g", "h"},
		Series: []chart.Series{{Name: "1", Values: []float64{1, 2, 3, 4, 5, 6, 7, 8}}, {Name: "2", Values: []float64{8, 7, 6, 5, 4, 3, 2, 1}}}}
	for b.Loop() {
		c.SVG()
	}
}

func TestStacked(t *testing.T) {
	c := chart.Stacked{ID: "ct", Title: "関心 × 企業規模", Desc: "企業規模ごとの回答の割合",
		Rows:       []string{"300名以下", "301〜1,000名", "1,001名以上", "全体"},
		Categories: []string{"強く感じる", "ある程度感じる", "あまり感じない", "まったく感じない"},
		Shares:     [][]float64{{10.2, 42.9, 30.6, 16.3}, nil, {30, 35, 25, 10}, {19.1, 39.0, 28.5, 13.4}},
		Hidden:     "5人未満のため非表示"}
	svg := c.SVG()
	elems := accessible(t, svg, c.Title, c.Desc)
	// 3 shown rows × 4 categories, one hidden row, 4 legend swatches.
	if got := strings.Count(svg, `class="segment `); got != 12 {
		t.Errorf("Stacked drew %d segments, want 12", got)
	}
	if got := strings.Count(svg, `class="hidden-row"`); got != 1 || !strings.Contains(svg, "5人未満のため非表示") {
		t.Errorf("Stacked drew %d hidden rows, want 1 with its note", got)
	}
	if elems["rect"] != 12+1+4 {
		t.Errorf("Stacked has %d rects, want 17", elems["rect"])
	}
	for _, want := range []string{">30%<", ">43%<", "1,001名以上", "まったく感じない", ">100%<"} {
		if !strings.Contains(svg, want) {
			t.Errorf("Stacked lacks %q", want)
		}
	}
	// Each bar spans the plot: the widths of a row's segments add up to
	// the same total for every shown row.
	widths := rowWidths(t, svg)
	if len(widths) != 3 {
		t.Fatalf("rows with segments = %d, want 3", len(widths))
	}
	for i := 1; i < len(widths); i++ {
		if d := widths[i] - widths[0]; d > 0.5 || d < -0.5 {
			t.Errorf("row %d spans %.1f, row 0 %.1f; a 100%% bar must span the plot", i, widths[i], widths[0])
		}
	}
}

// rowWidths adds up the widths of the segments of each row, by y.
func rowWidths(t *testing.T, svg string) []float64 {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(svg))
	byY := map[string]float64{}
	var order []string
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		el, ok := tok.(xml.StartElement)
		if !ok || el.Name.Local != "rect" {
			continue
		}
		var class, y string
		var w float64
		for _, a := range el.Attr {
			switch a.Name.Local {
			case "class":
				class = a.Value
			case "y":
				y = a.Value
			case "width":
				fmt.Sscan(a.Value, &w)
			}
		}
		if strings.HasPrefix(class, "segment") {
			if _, seen := byY[y]; !seen {
				order = append(order, y)
			}
			byY[y] += w
		}
	}
	var out []float64
	for _, y := range order {
		out = append(out, byY[y])
	}
	return out
}

func TestGrouped(t *testing.T) {
	c := chart.Grouped{ID: "g", Title: "施策 × 企業規模", Desc: "選んだ人の割合",
		Rows:   []string{"キャリア研修", "社内公募・FA制度", "キャリア面談"},
		Series: []chart.Series{{Name: "300名以下", Values: []float64{60, 20, 44}}, {Name: "1,001名以上", Values: []float64{81.3, 55, 120}}}}
	svg := c.SVG()
	elems := accessible(t, svg, c.Title, c.Desc)
	if got := strings.Count(svg, `class="bar series-`); got != 6 {
		t.Errorf("Grouped drew %d bars, want 6", got)
	}
	if elems["rect"] != 6+2 {
		t.Errorf("Grouped has %d rects, want 8 (bars and legend)", elems["rect"])
	}
	for _, want := range []string{">81%<", ">100%<", "社内公募・FA制度", "1,001名以上"} {
		if !strings.Contains(svg, want) {
			t.Errorf("Grouped lacks %q", want)
		}
	}
}
