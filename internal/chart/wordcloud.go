package chart

import (
	"fmt"
	"math"
	"strings"
)

// Word is a word of a word cloud and its weight, such as the number of
// people who used it.
type Word struct {
	Text   string
	Weight float64
	// Title is the word's tooltip and accessible description, such as
	// "転職: 約40人".
	Title string
}

// WordCloud draws words sized by their weight, the heaviest in the middle,
// placed along a spiral so that none overlaps another. Words that find no
// room are left out; the table beside the chart lists them all.
type WordCloud struct {
	ID, Title, Desc string
	Words           []Word // heaviest first
}

// SVG renders the chart.
func (c WordCloud) SVG() string {
	const w, h = 720.0, 420.0
	const minPx, maxPx = 12.0, 40.0
	var b strings.Builder
	open(&b, c.ID, "wordcloud", int(w), int(h), c.Title, c.Desc)
	maxW, minW := 0.0, math.Inf(1)
	for _, wd := range c.Words {
		maxW, minW = math.Max(maxW, wd.Weight), math.Min(minW, wd.Weight)
	}
	type box struct{ x0, y0, x1, y1 float64 }
	var placed []box
	overlaps := func(r box) bool {
		if r.x0 < 4 || r.y0 < 4 || r.x1 > w-4 || r.y1 > h-4 {
			return true
		}
		for _, p := range placed {
			if r.x0 < p.x1 && p.x0 < r.x1 && r.y0 < p.y1 && p.y0 < r.y1 {
				return true
			}
		}
		return false
	}
	b.WriteString(`<g class="words" text-anchor="middle">`)
	for i, wd := range c.Words {
		if maxW <= 0 || wd.Text == "" {
			continue
		}
		// Sizes span the weights from lightest to heaviest.
		rel := 1.0
		if maxW > minW {
			rel = (wd.Weight - minW) / (maxW - minW)
		}
		px := minPx + (maxPx-minPx)*math.Sqrt(rel)
		tw, th := textWidth(wd.Text, px)+4, px*1.15
		// An Archimedean spiral from the centre, wider than tall like the
		// canvas.
		for step := 0; step < 4000; step++ {
			t := float64(step) * 0.06
			cx, cy := w/2+2.2*t*math.Cos(t), h/2+1.3*t*math.Sin(t)
			r := box{cx - tw/2, cy - th/2, cx + tw/2, cy + th/2}
			if overlaps(r) {
				continue
			}
			placed = append(placed, r)
			title := wd.Title
			if title == "" {
				title = wd.Text
			}
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="%.1f" font-weight="%d" fill="%s"><title>%s</title>%s</text>`,
				cx, cy+px*0.35, px, map[bool]int{true: 700, false: 500}[i < 5], Categorical[i%len(Categorical)], esc(title), esc(wd.Text))
			break
		}
	}
	b.WriteString(`</g></svg>`)
	return b.String()
}
