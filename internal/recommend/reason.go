package recommend

import (
	"slices"

	"tsunagari"
)

// Reason is one plain-words reason for a recommendation, with its
// figures. Code names the sentence; the other fields fill it. Package web
// words it in the member's language ("recommend.reason.<code>").
type Reason struct {
	Code string `json:"code"`
	// Percent is a share of the community's members.
	Percent int `json:"percent,omitempty"`
	// JobFamily, Industry, AgeBand and Prefecture are codes of the
	// vocabularies; GivenUp names a given-up challenge.
	JobFamily  string `json:"jobFamily,omitempty"`
	Industry   string `json:"industry,omitempty"`
	AgeBand    string `json:"ageBand,omitempty"`
	Prefecture string `json:"prefecture,omitempty"`
	GivenUp    string `json:"givenUp,omitempty"`
	// Terms are words the member's wish shares with the community.
	Terms []string `json:"terms,omitempty"`
	// Trait, Mean and Raters say how members rate one trait; Traits are
	// the traits organisers declare.
	Trait  tsunagari.Trait   `json:"trait,omitempty"`
	Mean   float64           `json:"mean,omitempty"`
	Raters int               `json:"raters,omitempty"`
	Traits []tsunagari.Trait `json:"traits,omitempty"`
	// Hours and Fee are what taking part costs, per month.
	Hours int `json:"hours,omitempty"`
	Fee   int `json:"fee,omitempty"`
}

// Reason codes.
const (
	ReasonHomeCommunity  = "home_community"   // a regional alumni community of the member's home prefecture
	ReasonHomeShare      = "home_share"       // N% of members come from the member's home prefecture
	ReasonForJobFamily   = "for_job_family"   // a community for the member's job family
	ReasonJobShare       = "job_share"        // N% of members share the member's job family
	ReasonForIndustry    = "for_industry"     // a community for the member's industry
	ReasonIndustryShare  = "industry_share"   // N% of members share the member's industry
	ReasonAgeShare       = "age_share"        // N% of members are of the member's age band
	ReasonPrefShare      = "prefecture_share" // N% of members live in the member's prefecture
	ReasonMeetsNearby    = "meets_nearby"     // it meets in the member's prefecture
	ReasonOnline         = "online"           // one can take part online
	ReasonWish           = "wish"             // its purpose shares words with the member's wish
	ReasonGivenUp        = "given_up"         // it suits a challenge the member gave up
	ReasonValues         = "values"           // its members' values are close to the member's
	ReasonRatedTrait     = "rated_trait"      // members rate one of its traits highly
	ReasonDeclaredTraits = "declared_traits"  // its organisers declare these traits
	ReasonEffort         = "effort"           // hours and fee a month
)

// ReasonCodes lists every reason code.
var ReasonCodes = []string{
	ReasonHomeCommunity, ReasonHomeShare, ReasonForJobFamily, ReasonJobShare, ReasonForIndustry, ReasonIndustryShare,
	ReasonAgeShare, ReasonPrefShare, ReasonMeetsNearby, ReasonOnline, ReasonWish, ReasonGivenUp, ReasonValues,
	ReasonRatedTrait, ReasonDeclaredTraits, ReasonEffort,
}

// Thresholds for giving a reason.
const (
	// minSharePercent is the smallest share worth naming.
	minSharePercent = 10
	// minRatedMean is the smallest mean rating worth naming.
	minRatedMean = 3.5
	// minReasonWeight is the smallest weighted signal worth explaining.
	minReasonWeight = 0.1
	// minGivenUpFit is the smallest fit to a given-up challenge worth
	// naming.
	minGivenUpFit = 0.3
	// maxReasons is how many reasons are given besides the effort.
	maxReasons = 3
)

// reasons explains the recommendation of slot i: the strongest weighted
// signals, in plain words with figures where the membership is large
// enough to show them, then what taking part costs.
func (x *Index) reasons(i int32, p *prepared, q *Query, sig [nSignals]float32) []Reason {
	d := x.details[i]
	c := d.community
	m := &q.Member
	shown := d.members >= MinGroup
	type weighed struct {
		r Reason
		w float32
	}
	var list []weighed
	add := func(s int, r Reason) {
		if w := p.w[s] * sig[s]; w >= minReasonWeight {
			list = append(list, weighed{r, w})
		}
	}
	shareReason := func(s int, a attribute, v uint8, r Reason) {
		if pc := d.share(a, v); shown && pc >= minSharePercent {
			r.Percent = pc
			add(s, r)
		}
	}

	if h := &x.hot[i]; h.home != 0 && h.home == p.home {
		add(sigHome, Reason{Code: ReasonHomeCommunity, Prefecture: c.HomePrefecture})
	} else {
		shareReason(sigHome, attrHome, p.home, Reason{Code: ReasonHomeShare, Prefecture: m.HomePrefecture})
	}
	if h := &x.hot[i]; h.jobFor != 0 && h.jobFor == p.job {
		add(sigJob, Reason{Code: ReasonForJobFamily, JobFamily: c.JobFamily})
	} else {
		shareReason(sigJob, attrJob, p.job, Reason{Code: ReasonJobShare, JobFamily: m.JobFamily})
	}
	if h := &x.hot[i]; h.indFor != 0 && h.indFor == p.ind {
		add(sigIndustry, Reason{Code: ReasonForIndustry, Industry: c.Industry})
	} else {
		shareReason(sigIndustry, attrIndustry, p.ind, Reason{Code: ReasonIndustryShare, Industry: m.Industry})
	}
	shareReason(sigAge, attrAge, ageCodes[m.AgeBand], Reason{Code: ReasonAgeShare, AgeBand: m.AgeBand})
	shareReason(sigPrefecture, attrPrefecture, p.pref, Reason{Code: ReasonPrefShare, Prefecture: m.Prefecture})
	if sig[sigArea] == 1 {
		add(sigArea, Reason{Code: ReasonMeetsNearby, Prefecture: c.Prefecture})
	} else if c.Online {
		add(sigArea, Reason{Code: ReasonOnline})
	}
	if sig[sigWish] > 0 {
		add(sigWish, Reason{Code: ReasonWish, Terms: sharedTerms(displayFold(m.Wish), d.text, 3)})
	}
	if sig[sigGivenUp] >= minGivenUpFit {
		add(sigGivenUp, Reason{Code: ReasonGivenUp, GivenUp: x.givenUpWhy(i, p, m)})
	}
	if sig[sigValues] > 0 {
		add(sigValues, Reason{Code: ReasonValues})
	}
	if best := bestRated(d.ratings); best != nil {
		add(sigRated, Reason{Code: ReasonRatedTrait, Trait: best.Trait, Mean: best.Mean, Raters: best.Raters})
	}
	if len(c.Traits) >= 2 {
		add(sigDeclared, Reason{Code: ReasonDeclaredTraits, Traits: slices.Clone(c.Traits)})
	}

	slices.SortStableFunc(list, func(a, b weighed) int {
		switch {
		case a.w > b.w:
			return -1
		case a.w < b.w:
			return 1
		}
		return 0
	})
	var out []Reason
	for _, r := range list[:min(len(list), maxReasons)] {
		out = append(out, r.r)
	}
	return append(out, Reason{Code: ReasonEffort, Hours: c.HoursPerMonth, Fee: c.MonthlyFee})
}

// givenUpWhy names the given-up challenge that makes slot i fit: a U-turn
// for the member's home region first, then the one whose kinds or words
// fit best.
func (x *Index) givenUpWhy(i int32, p *prepared, m *Member) string {
	if p.uTurn && x.hot[i].home == p.home {
		return "u_turn"
	}
	if why := p.givenKindWhy[x.hot[i].kind]; why != "" {
		return why
	}
	d := x.details[i]
	for _, g := range givenUpOrder {
		if !slices.Contains(m.GivenUp, g) {
			continue
		}
		for _, w := range wishGrams(givenUpWords[g]) {
			if _, ok := slices.BinarySearch(d.grams, w.gram); ok {
				return g
			}
		}
	}
	for _, g := range givenUpOrder {
		if slices.Contains(m.GivenUp, g) {
			return g
		}
	}
	return ""
}

// bestRated returns the trait members rate highest, among those rated by
// at least tsunagari.MinTraitRaters with a mean of minRatedMean or more.
func bestRated(ratings []tsunagari.TraitScore) *tsunagari.TraitScore {
	var best *tsunagari.TraitScore
	for k := range ratings {
		r := &ratings[k]
		if r.Raters >= tsunagari.MinTraitRaters && r.Mean >= minRatedMean && (best == nil || r.Mean > best.Mean) {
			best = r
		}
	}
	return best
}
