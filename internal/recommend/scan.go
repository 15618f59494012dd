package recommend

// ScanLowerBound reads the same vectors as Rank does for every community
// and sums the weighted signals, and nothing else: one thread, no
// filters, no text, no top-k, no variety, no reasons. It returns the best
// sum. It is the floor of a brute-force scan over these vectors, which
// Rank is compared with by the benchmarks.
func (x *Index) ScanLowerBound(q *Query) float32 {
	x.mu.RLock()
	defer x.mu.RUnlock()
	m := &q.Member
	w := q.Weights
	jobCol := x.shares[attrJob][jobCodes[m.JobFamily]]
	indCol := x.shares[attrIndustry][indCodes[m.Industry]]
	ageCol := x.shares[attrAge][ageCodes[m.AgeBand]]
	prefCol := x.shares[attrPrefecture][prefCodes[m.Prefecture]]
	homeCol := x.shares[attrHome][prefCodes[m.HomePrefecture]]
	var u [nDims]int32
	if v, ok := valueVector(m.Values); ok {
		if f, ok := unit(v[:]); ok {
			for k := range nDims {
				u[k] = int32(valueScale * f[k])
			}
		}
	}
	const by = 1.0 / 255
	wj, wi, wa, wp, wh := float32(w.JobFamily)*by, float32(w.Industry)*by, float32(w.AgeBand)*by, float32(w.Prefecture)*by, float32(w.HomePrefecture)*by
	wv, wr := float32(w.Values)/(valueScale*valueScale), float32(w.RatedTraits)*by
	best := float32(0)
	hs := x.hot
	n := len(hs)
	jobCol, indCol, ageCol, prefCol, homeCol = jobCol[:n], indCol[:n], ageCol[:n], prefCol[:n], homeCol[:n]
	for i := range hs {
		s := wj*float32(jobCol[i]) + wi*float32(indCol[i]) + wa*float32(ageCol[i]) + wp*float32(prefCol[i]) +
			wh*float32(homeCol[i]) + wr*float32(hs[i].rated)
		vs := x.values[i*nDims : i*nDims+nDims : i*nDims+nDims]
		dot := int32(vs[0])*u[0] + int32(vs[1])*u[1] + int32(vs[2])*u[2] + int32(vs[3])*u[3] +
			int32(vs[4])*u[4] + int32(vs[5])*u[5] + int32(vs[6])*u[6] + int32(vs[7])*u[7]
		s += wv * float32(dot)
		best = max(best, s)
	}
	return best
}
