package demo

import (
	"math/rand/v2"
	"slices"

	"tsunagari"
)

// wv is a value and its relative weight.
type wv struct {
	v string
	w int
}

// chooser draws items with probability proportional to their weights.
// Items of weight 0 are never drawn.
type chooser[T any] struct {
	items []T
	cum   []int // running totals of the weights
}

func newChooser[T any](items []T, weights []int) *chooser[T] {
	c := &chooser[T]{items: items, cum: make([]int, len(weights))}
	total := 0
	for i, w := range weights {
		total += max(w, 0)
		c.cum[i] = total
	}
	return c
}

// choose returns a chooser over weighted strings.
func choose(ws []wv) *chooser[string] {
	items, weights := make([]string, len(ws)), make([]int, len(ws))
	for i, x := range ws {
		items[i], weights[i] = x.v, x.w
	}
	return newChooser(items, weights)
}

func (c *chooser[T]) pick(r *rand.Rand) T {
	n := r.IntN(c.cum[len(c.cum)-1]) + 1
	i, _ := slices.BinarySearch(c.cum, n) // the first running total ≥ n
	return c.items[i]
}

// allocate splits total into parts proportional to weights, by largest
// remainder, so every share is as fair as whole people allow.
func allocate(total int, weights []int) []int {
	sum := 0
	for _, w := range weights {
		sum += w
	}
	out := make([]int, len(weights))
	if sum == 0 || total <= 0 {
		return out
	}
	rem := make([]int, len(weights))
	given := 0
	for i, w := range weights {
		out[i] = total * w / sum
		rem[i] = total * w % sum
		given += out[i]
	}
	order := make([]int, len(weights))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return rem[b] - rem[a] })
	for _, i := range order[:total-given] {
		out[i]++
	}
	return out
}

// population holds the weight of each prefecture among people who use
// tsunagari: roughly its population in hundred thousands, with the big
// cities weighted up because a career platform is used more there.
var population = map[string]int{
	"01": 51, "02": 12, "03": 12, "04": 23, "05": 9, "06": 10, "07": 18,
	"08": 28, "09": 19, "10": 19, "11": 73, "12": 63, "13": 280, "14": 120,
	"15": 21, "16": 10, "17": 11, "18": 7, "19": 8, "20": 20, "21": 19,
	"22": 36, "23": 95, "24": 17, "25": 14, "26": 25, "27": 115, "28": 54,
	"29": 13, "30": 9, "31": 5, "32": 6, "33": 18, "34": 27, "35": 13,
	"36": 7, "37": 9, "38": 13, "39": 7, "40": 70, "41": 8, "42": 13,
	"43": 17, "44": 11, "45": 10, "46": 16, "47": 15,
}

// cities are the prefectures people move to for work. People living
// there were often born elsewhere.
var cities = map[string]bool{
	"11": true, "12": true, "13": true, "14": true, "23": true,
	"26": true, "27": true, "28": true, "40": true,
}

// commute says where people who work in a prefecture live: Tokyo's
// offices fill from Kanagawa, Saitama and Chiba, Osaka's from Hyogo,
// Kyoto and Nara, and so on. Prefectures not listed house their own.
var commute = map[string][]wv{
	"13": {{"13", 55}, {"14", 18}, {"11", 15}, {"12", 12}},
	"14": {{"14", 80}, {"13", 20}},
	"11": {{"11", 85}, {"13", 15}},
	"12": {{"12", 85}, {"13", 15}},
	"27": {{"27", 65}, {"28", 20}, {"26", 8}, {"29", 7}},
	"28": {{"28", 80}, {"27", 20}},
	"26": {{"26", 75}, {"25", 15}, {"27", 10}},
	"23": {{"23", 85}, {"21", 8}, {"24", 7}},
	"40": {{"40", 90}, {"41", 5}, {"43", 5}},
}

// hqWeights say where synthetic employers have their head office.
var hqWeights = []wv{
	{"13", 40}, {"27", 14}, {"23", 10}, {"40", 6}, {"14", 5}, {"01", 3},
	{"34", 3}, {"28", 3}, {"22", 3}, {"04", 2}, {"26", 2}, {"15", 2},
	{"11", 2}, {"20", 1}, {"12", 1}, {"33", 1}, {"43", 1}, {"47", 1},
	{"08", 1}, {"10", 1}, {"37", 1},
}

// geography draws where people live and where they come from.
type geography struct {
	lives   *chooser[string]            // anyone, nationwide
	origins *chooser[string]            // birthplaces of people who moved
	commute map[string]*chooser[string] // by workplace prefecture
	hq      *chooser[string]
}

func newGeography() *geography {
	codes := make([]string, len(tsunagari.Prefectures))
	lives, origins := make([]int, len(codes)), make([]int, len(codes))
	for i, p := range tsunagari.Prefectures {
		codes[i] = p.Code
		lives[i] = population[p.Code]
		// People who left home mostly left the regions, not the cities.
		origins[i] = population[p.Code] * 3
		if cities[p.Code] {
			origins[i] = population[p.Code]
		}
	}
	g := &geography{
		lives:   newChooser(codes, lives),
		origins: newChooser(codes, origins),
		commute: make(map[string]*chooser[string], len(commute)),
		hq:      choose(hqWeights),
	}
	for code, ws := range commute {
		g.commute[code] = choose(ws)
	}
	return g
}

// near returns where someone working in prefecture work lives. A few
// work remotely from anywhere.
func (g *geography) near(r *rand.Rand, work string) string {
	if work == "" || r.IntN(100) < 4 {
		return g.lives.pick(r)
	}
	if c := g.commute[work]; c != nil {
		return c.pick(r)
	}
	return work
}

// home returns the home prefecture (出身地) of someone living in lives.
// Half the people in the big cities come from elsewhere; elsewhere, most
// people live where they grew up.
func (g *geography) home(r *rand.Rand, lives string) string {
	stay := 80
	switch {
	case lives == "13":
		stay = 40
	case cities[lives]:
		stay = 55
	}
	if r.IntN(100) < stay {
		return lives
	}
	return g.origins.pick(r)
}
