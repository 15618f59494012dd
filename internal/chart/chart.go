// Package chart draws the charts of survey results as SVG on the server:
// a radar for the values diagnosis, lines for a trend over time, and
// horizontal bars. No script runs in the browser and nothing is styled
// inline (the content security policy forbids it): colours and sizes are
// SVG presentation attributes, and the page's stylesheet may refine them
// through the class names. Every chart is an image with a title and a
// description for screen readers; pages show the same numbers in a table
// beside it.
package chart

import (
	"fmt"
	"html"
	"math"
	"strings"
)

// Series is one line or polygon: a name and a value per axis or point. A
// negative value is missing.
type Series struct {
	Name   string
	Values []float64
}

// Palette holds the series colours, in order. They keep a contrast of at
// least 3:1 against white.
var Palette = []string{"#1f7a6d", "#b4441c", "#3451b2", "#9c2b5c", "#5b3fb0", "#6b5d12"}

// dashes tell series apart without colour.
var dashes = []string{"", "6 4", "2 3", "8 3 2 3", "1 4", "10 4"}

// fontFamily prefers Japanese fonts so that labels in Japanese render
// with proper glyphs.
const fontFamily = `Noto Sans JP, Hiragino Sans, Hiragino Kaku Gothic ProN, Yu Gothic, Meiryo, IPAexGothic, sans-serif`

// esc escapes text for SVG content and attribute values.
func esc(s string) string { return html.EscapeString(s) }

func num(v float64) string {
	s := fmt.Sprintf("%.1f", v)
	return strings.TrimSuffix(s, ".0")
}

// open writes the root element with its accessible name and description.
func open(b *strings.Builder, id, class string, w, h int, title, desc string) {
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart %s" viewBox="0 0 %d %d" width="100%%" role="img" aria-labelledby="%s-title %s-desc" font-family="%s" font-size="13" fill="#1f2a30">`,
		esc(class), w, h, esc(id), esc(id), esc(fontFamily))
	fmt.Fprintf(b, `<title id="%s-title">%s</title><desc id="%s-desc">%s</desc>`, esc(id), esc(title), esc(id), esc(desc))
}

// Radar is a radar (spider) chart of scores on 0..Max: one axis per
// dimension, one polygon per series. The first series is drawn filled and
// on top; later ones, such as earlier results, are outlines.
type Radar struct {
	ID, Title, Desc string
	Axes            []string
	Series          []Series
	Max             float64 // 0 means 100
}

// SVG renders the chart.
func (c Radar) SVG() string {
	const w, h, cx, cy, r = 600, 420, 300.0, 215.0, 128.0
	max := c.Max
	if max <= 0 {
		max = 100
	}
	n := len(c.Axes)
	var b strings.Builder
	open(&b, c.ID, "radar", w, h, c.Title, c.Desc)
	if n < 3 {
		b.WriteString(`</svg>`)
		return b.String()
	}
	point := func(i int, v float64) (float64, float64) {
		a := -math.Pi/2 + 2*math.Pi*float64(i)/float64(n)
		d := r * math.Max(0, math.Min(v, max)) / max
		return cx + d*math.Cos(a), cy + d*math.Sin(a)
	}
	// Rings at quarters, and the axes.
	b.WriteString(`<g class="grid" fill="none" stroke="#c9d2d7" stroke-width="1">`)
	for q := 1; q <= 4; q++ {
		var pts []string
		for i := range n {
			x, y := point(i, max*float64(q)/4)
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x, y))
		}
		fmt.Fprintf(&b, `<polygon points="%s"/>`, strings.Join(pts, " "))
	}
	for i := range n {
		x, y := point(i, max)
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f"/>`, cx, cy, x, y)
	}
	b.WriteString(`</g>`)
	fmt.Fprintf(&b, `<g class="scale" font-size="10" fill="#5b6770">`)
	// The outer ring is the maximum; only the inner rings are labelled, so
	// no number sits on the top axis label.
	for q := 1; q <= 3; q++ {
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" dx="3">%s</text>`, cx, cy-r*float64(q)/4, num(max*float64(q)/4))
	}
	b.WriteString(`</g>`)
	// Later series first, so the first is on top.
	for si := len(c.Series) - 1; si >= 0; si-- {
		s := c.Series[si]
		color := Palette[si%len(Palette)]
		var pts []string
		for i := range n {
			v := 0.0
			if i < len(s.Values) && s.Values[i] > 0 {
				v = s.Values[i]
			}
			x, y := point(i, v)
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x, y))
		}
		if si == 0 {
			fmt.Fprintf(&b, `<polygon class="series series-0" points="%s" fill="%s" fill-opacity="0.22" stroke="%s" stroke-width="2.5"/>`,
				strings.Join(pts, " "), color, color)
		} else {
			fmt.Fprintf(&b, `<polygon class="series series-%d" points="%s" fill="none" stroke="%s" stroke-width="1.5" stroke-dasharray="%s"/>`,
				si, strings.Join(pts, " "), color, dashes[si%len(dashes)])
		}
		if si == 0 {
			for _, p := range pts {
				x, y, _ := strings.Cut(p, ",")
				fmt.Fprintf(&b, `<circle cx="%s" cy="%s" r="3.5" fill="%s"/>`, x, y, color)
			}
		}
	}
	// Axis labels with the first series' value.
	for i, label := range c.Axes {
		x, y := point(i, max*1.12)
		anchor := "middle"
		switch {
		case x > cx+8:
			anchor = "start"
		case x < cx-8:
			anchor = "end"
		}
		value := ""
		if len(c.Series) > 0 && i < len(c.Series[0].Values) && c.Series[0].Values[i] >= 0 {
			value = fmt.Sprintf("%.0f", math.Round(c.Series[0].Values[i])) // as the table beside it shows
		}
		switch {
		case y > cy+8: // below the centre: clear of the polygon
			y += 8
		case y < cy-8 && value != "": // above: both lines above the vertex
			y -= 12
		}
		fmt.Fprintf(&b, `<text class="axis" x="%.1f" y="%.1f" text-anchor="%s">%s`, x, y, anchor, esc(label))
		if value != "" {
			fmt.Fprintf(&b, `<tspan x="%.1f" dy="1.2em" font-weight="700" fill="%s">%s</tspan>`, x, Palette[0], value)
		}
		b.WriteString(`</text>`)
	}
	legend(&b, c.Series, 12, h-12-18*(len(c.Series)-1), true)
	b.WriteString(`</svg>`)
	return b.String()
}

// legend lists series names with their colour and dash, one per line,
// from (x, y). Charts with one series need none.
func legend(b *strings.Builder, series []Series, x, y int, polygon bool) {
	if len(series) < 2 {
		return
	}
	b.WriteString(`<g class="legend" font-size="12">`)
	for i, s := range series {
		color := Palette[i%len(Palette)]
		ly := y + 18*i
		width := "2.5"
		if polygon && i > 0 {
			width = "1.5"
		}
		fmt.Fprintf(b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="%s"`, x, ly-4, x+24, ly-4, color, width)
		if d := dashes[i%len(dashes)]; d != "" && (!polygon || i > 0) {
			fmt.Fprintf(b, ` stroke-dasharray="%s"`, d)
		}
		fmt.Fprintf(b, `/><text x="%d" y="%d">%s</text>`, x+30, ly, esc(s.Name))
	}
	b.WriteString(`</g>`)
}

// Line is a line chart of scores on 0..Max over points in time, one line
// per series; a missing value breaks its line.
type Line struct {
	ID, Title, Desc string
	// Labels name the points on the x axis, such as dates.
	Labels []string
	Series []Series
	Max    float64 // 0 means 100
}

// SVG renders the chart.
func (c Line) SVG() string {
	const w, h = 680, 320
	const left, right, top, bottom = 44.0, 170.0, 16.0, 48.0
	max := c.Max
	if max <= 0 {
		max = 100
	}
	pw, ph := w-left-right, h-top-bottom
	n := len(c.Labels)
	var b strings.Builder
	open(&b, c.ID, "line", w, h, c.Title, c.Desc)
	x := func(i int) float64 {
		if n <= 1 {
			return left + pw/2
		}
		return left + pw*float64(i)/float64(n-1)
	}
	y := func(v float64) float64 { return top + ph*(1-math.Max(0, math.Min(v, max))/max) }
	b.WriteString(`<g class="grid" stroke="#d9e0e4" stroke-width="1">`)
	for q := 0; q <= 4; q++ {
		v := max * float64(q) / 4
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f"/>`, left, y(v), left+pw, y(v))
	}
	b.WriteString(`</g><g class="scale" font-size="11" fill="#5b6770" text-anchor="end">`)
	for q := 0; q <= 4; q++ {
		v := max * float64(q) / 4
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f">%s</text>`, left-6, y(v)+4, num(v))
	}
	b.WriteString(`</g><g class="labels" font-size="11" fill="#5b6770" text-anchor="middle">`)
	step := 1
	if n > 8 {
		step = (n + 7) / 8
	}
	for i, l := range c.Labels {
		if i%step == 0 || i == n-1 {
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f">%s</text>`, x(i), h-bottom+18, esc(l))
		}
	}
	b.WriteString(`</g>`)
	for si, s := range c.Series {
		color := Palette[si%len(Palette)]
		var path strings.Builder
		pen := false
		for i := 0; i < n && i < len(s.Values); i++ {
			if s.Values[i] < 0 {
				pen = false
				continue
			}
			cmd := "L"
			if !pen {
				cmd = "M"
			}
			fmt.Fprintf(&path, "%s%.1f %.1f ", cmd, x(i), y(s.Values[i]))
			pen = true
		}
		if path.Len() > 0 {
			fmt.Fprintf(&b, `<path class="series series-%d" d="%s" fill="none" stroke="%s" stroke-width="2.5" stroke-linejoin="round"`,
				si, strings.TrimSpace(path.String()), color)
			if d := dashes[si%len(dashes)]; d != "" {
				fmt.Fprintf(&b, ` stroke-dasharray="%s"`, d)
			}
			b.WriteString(`/>`)
		}
		for i := 0; i < n && i < len(s.Values); i++ {
			if s.Values[i] >= 0 {
				fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3.5" fill="%s"/>`, x(i), y(s.Values[i]), color)
			}
		}
	}
	legend(&b, c.Series, int(left+pw+16), int(top+12), false)
	b.WriteString(`</svg>`)
	return b.String()
}

// Bars is a horizontal bar chart: one labelled bar per value, on 0..Max.
type Bars struct {
	ID, Title, Desc string
	Labels          []string
	Values          []float64
	Max             float64 // 0 means 100
	// Unit follows each value, such as "%" or "点".
	Unit string
	// Hidden marks values that are not shown, such as groups too small
	// to report: no bar, and HiddenText instead of the value.
	Hidden     []bool
	HiddenText string
}

// SVG renders the chart.
func (c Bars) SVG() string {
	const w, labelW, row, barH = 600, 170.0, 30, 18.0
	max := c.Max
	if max <= 0 {
		max = 100
	}
	h := row*len(c.Labels) + 12
	var b strings.Builder
	open(&b, c.ID, "bars", w, h, c.Title, c.Desc)
	plot := float64(w) - labelW - 70
	for i, l := range c.Labels {
		v := 0.0
		if i < len(c.Values) {
			v = math.Max(0, math.Min(c.Values[i], max))
		}
		y := float64(6 + row*i)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="end">%s</text>`, labelW-8, y+barH-4, esc(l))
		if i < len(c.Hidden) && c.Hidden[i] {
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#f3f5f6" stroke="#d9e0e4" stroke-dasharray="4 3"/>`, labelW, y, plot, barH)
			fmt.Fprintf(&b, `<text class="hidden-value" x="%.1f" y="%.1f" fill="#5b6770">%s</text>`, labelW+8, y+barH-4, esc(c.HiddenText))
			continue
		}
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#e4ecee"/>`, labelW, y, plot, barH)
		fmt.Fprintf(&b, `<rect class="bar" x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>`, labelW, y, plot*v/max, barH, Palette[0])
		value := ""
		if i < len(c.Values) {
			value = fmt.Sprintf("%.0f", math.Round(c.Values[i])) + c.Unit // as the table beside it shows
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-weight="700">%s</text>`, labelW+plot+8, y+barH-4, esc(value))
	}
	b.WriteString(`</svg>`)
	return b.String()
}
