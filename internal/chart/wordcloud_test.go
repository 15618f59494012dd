package chart

import (
	"fmt"
	"html"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func TestWordCloud(t *testing.T) {
	var words []Word
	for i := 0; i < 60; i++ {
		words = append(words, Word{Text: fmt.Sprintf("言葉%d", i), Weight: 1000 / float64(i+10), Title: fmt.Sprintf("言葉%d: 約%d人", i, 1000/(i+10))})
	}
	words = append(words, Word{Text: "<script>", Weight: 1})
	svg := WordCloud{ID: "wc", Title: "ワードクラウド", Desc: "説明", Words: words}.SVG()
	if strings.Contains(svg, "<script>") {
		t.Fatalf("word not escaped: %s", svg)
	}
	re := regexp.MustCompile(`<text x="([\d.]+)" y="([\d.]+)" font-size="([\d.]+)"[^>]*><title>[^<]*</title>([^<]*)</text>`)
	type box struct{ x0, y0, x1, y1 float64 }
	var boxes []box
	for _, m := range re.FindAllStringSubmatch(svg, -1) {
		x, _ := strconv.ParseFloat(m[1], 64)
		y, _ := strconv.ParseFloat(m[2], 64)
		px, _ := strconv.ParseFloat(m[3], 64)
		w := textWidth(html.UnescapeString(m[4]), px)
		b := box{x - w/2, y - px, x + w/2, y}
		for _, o := range boxes {
			if b.x0 < o.x1-0.5 && o.x0 < b.x1-0.5 && b.y0 < o.y1-0.5 && o.y0 < b.y1-0.5 {
				t.Errorf("word %q overlaps another", m[4])
			}
		}
		boxes = append(boxes, b)
	}
	if len(boxes) < 55 {
		t.Errorf("placed %d of %d words", len(boxes), len(words))
	}
	if !strings.Contains(svg, `<title>言葉0: 約100人</title>`) || !strings.Contains(svg, `role="img"`) {
		t.Errorf("the cloud lacks its titles or role")
	}
}
