package chart

import (
	"fmt"
	"math"
	"strings"
)

// Categorical holds the colours of the categories of a cross-tabulation,
// in order. They keep a contrast of at least 4.5:1 against white, so that
// white figures printed on them stay readable.
var Categorical = []string{"#1f6f63", "#a8431b", "#3148a6", "#8c2754", "#5636a0", "#5e5210", "#0f5d7d", "#7a3b0c", "#44575f", "#6b2d7a"}

// textWidth estimates the width of s at font size px: East Asian wide
// characters take a full em, others about 0.6 of one. The browser lays
// the text out; this only keeps labels from running into each other.
func textWidth(s string, px float64) float64 {
	w := 0.0
	for _, r := range s {
		if r >= 0x2E80 && r <= 0xFFEF {
			w += px
		} else {
			w += px * 0.6
		}
	}
	return w
}

// Stacked is a stacked 100% bar chart: one bar per row, such as one per
// company size, divided into its categories by their shares. A row
// without shares is drawn empty with the Hidden note, for groups that are
// too small to show.
type Stacked struct {
	ID, Title, Desc string
	Rows            []string
	Categories      []string
	// Shares holds, per row, the percentage of each category; nil for a
	// hidden row.
	Shares [][]float64
	Hidden string
}

// SVG renders the chart.
func (c Stacked) SVG() string {
	const w, row, barH, fontPx = 680, 34, 22.0, 13.0
	labelW := 120.0
	for _, r := range c.Rows {
		labelW = math.Max(labelW, math.Min(textWidth(r, fontPx)+16, 220))
	}
	plot := float64(w) - labelW - 16
	legendTop := 8 + row*len(c.Rows) + 10
	legend, legendH := legendRows(c.Categories, float64(w)-24, 12)
	h := legendTop + legendH + 8
	var b strings.Builder
	open(&b, c.ID, "stacked", w, h, c.Title, c.Desc)
	// Gridlines at every quarter, and their labels under the bars.
	b.WriteString(`<g class="grid" stroke="#d9e0e4" stroke-width="1">`)
	for q := 0; q <= 4; q++ {
		x := labelW + plot*float64(q)/4
		fmt.Fprintf(&b, `<line x1="%.1f" y1="4" x2="%.1f" y2="%d"/>`, x, x, 8+row*len(c.Rows))
	}
	b.WriteString(`</g>`)
	for i, label := range c.Rows {
		y := float64(8 + row*i)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="end">%s</text>`, labelW-8, y+barH-6, esc(label))
		var shares []float64
		if i < len(c.Shares) {
			shares = c.Shares[i]
		}
		if shares == nil {
			fmt.Fprintf(&b, `<rect class="hidden-row" x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#f4f6f7" stroke="#9aa6ad" stroke-dasharray="4 3"/>`,
				labelW, y, plot, barH)
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" fill="#5b6770" font-size="12">%s</text>`, labelW+8, y+barH-7, esc(c.Hidden))
			continue
		}
		x := labelW
		for ci, share := range shares {
			if ci >= len(c.Categories) || share <= 0 {
				continue
			}
			sw := plot * math.Min(share, 100) / 100
			color := Categorical[ci%len(Categorical)]
			fmt.Fprintf(&b, `<rect class="segment category-%d" x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s" stroke="#ffffff" stroke-width="1"/>`,
				ci, x, y, sw, barH, color)
			if text := num(math.Round(share)) + "%"; sw >= textWidth(text, 11)+6 {
				fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle" fill="#ffffff" font-size="11" font-weight="700">%s</text>`,
					x+sw/2, y+barH-7, text)
			}
			x += sw
		}
	}
	fmt.Fprintf(&b, `<g class="scale" font-size="10" fill="#5b6770" text-anchor="middle">`)
	for q := 0; q <= 4; q++ {
		fmt.Fprintf(&b, `<text x="%.1f" y="%d">%d%%</text>`, labelW+plot*float64(q)/4, 8+row*len(c.Rows)+8, q*25)
	}
	b.WriteString(`</g>`)
	b.WriteString(`<g class="legend" font-size="12">`)
	for _, item := range legend {
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="12" height="12" fill="%s"/><text x="%.1f" y="%.1f">%s</text>`,
			12+item.x, float64(legendTop)+item.y, Categorical[item.index%len(Categorical)], 12+item.x+17, float64(legendTop)+item.y+11, esc(item.label))
	}
	b.WriteString(`</g></svg>`)
	return b.String()
}

type legendItem struct {
	index int
	label string
	x, y  float64
}

// legendRows lays out swatch legends left to right, wrapping within width,
// and returns where each goes and the height they take.
func legendRows(labels []string, width, px float64) ([]legendItem, int) {
	var out []legendItem
	x, y := 0.0, 0.0
	for i, l := range labels {
		w := 17 + textWidth(l, px) + 18
		if x > 0 && x+w > width {
			x, y = 0, y+20
		}
		out = append(out, legendItem{index: i, label: l, x: x, y: y})
		x += w
	}
	if len(labels) == 0 {
		return nil, 0
	}
	return out, int(y) + 20
}

// Grouped is a horizontal bar chart of percentages with one bar per
// series in each row: for a multiple-choice item, one row per option and
// one bar per group, since people may choose several options and the
// shares need not add up to 100.
type Grouped struct {
	ID, Title, Desc string
	Rows            []string
	Series          []Series // values are percentages, one per row
}

// SVG renders the chart.
func (c Grouped) SVG() string {
	const w, barH, gap, fontPx = 680, 11.0, 10.0, 13.0
	labelW := 140.0
	for _, r := range c.Rows {
		labelW = math.Max(labelW, math.Min(textWidth(r, fontPx)+16, 240))
	}
	plot := float64(w) - labelW - 56
	n := max(len(c.Series), 1)
	rowH := float64(n)*barH + gap
	legendTop := int(8+rowH*float64(len(c.Rows))) + 14
	names := make([]string, len(c.Series))
	for i, s := range c.Series {
		names[i] = s.Name
	}
	legend, legendH := legendRows(names, float64(w)-24, 12)
	h := legendTop + legendH + 8
	var b strings.Builder
	open(&b, c.ID, "grouped", w, h, c.Title, c.Desc)
	b.WriteString(`<g class="grid" stroke="#d9e0e4" stroke-width="1">`)
	for q := 0; q <= 4; q++ {
		x := labelW + plot*float64(q)/4
		fmt.Fprintf(&b, `<line x1="%.1f" y1="4" x2="%.1f" y2="%.1f"/>`, x, x, 8+rowH*float64(len(c.Rows)))
	}
	b.WriteString(`</g>`)
	for i, label := range c.Rows {
		y := 8 + rowH*float64(i)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="end">%s</text>`, labelW-8, y+float64(n)*barH/2+4, esc(label))
		for si, s := range c.Series {
			v := 0.0
			if i < len(s.Values) {
				v = math.Max(0, math.Min(s.Values[i], 100))
			}
			by := y + float64(si)*barH
			fmt.Fprintf(&b, `<rect class="bar series-%d" x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>`,
				si, labelW, by, plot*v/100, barH-1, Categorical[si%len(Categorical)])
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="10">%s%%</text>`, labelW+plot*v/100+4, by+barH-2, num(math.Round(v)))
		}
	}
	fmt.Fprintf(&b, `<g class="scale" font-size="10" fill="#5b6770" text-anchor="middle">`)
	for q := 0; q <= 4; q++ {
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f">%d%%</text>`, labelW+plot*float64(q)/4, 8+rowH*float64(len(c.Rows))+10, q*25)
	}
	b.WriteString(`</g><g class="legend" font-size="12">`)
	for _, item := range legend {
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="12" height="12" fill="%s"/><text x="%.1f" y="%.1f">%s</text>`,
			12+item.x, float64(legendTop)+item.y, Categorical[item.index%len(Categorical)], 12+item.x+17, float64(legendTop)+item.y+11, esc(item.label))
	}
	b.WriteString(`</g></svg>`)
	return b.String()
}
