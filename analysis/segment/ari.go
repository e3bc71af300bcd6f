package segment

// ARI returns the adjusted Rand index of two labelings a and b of the same
// n items (Hubert & Arabie, 1985), the measure scikit-learn's
// adjusted_rand_score computes. With the contingency table
// n_ij = #{items with a = i and b = j}, row sums a_i, column sums b_j and
// C(m) = m(m−1)/2 the number of pairs among m items:
//
//	index    = Σ_ij C(n_ij)
//	expected = Σ_i C(a_i) · Σ_j C(b_j) / C(n)
//	max      = ½ (Σ_i C(a_i) + Σ_j C(b_j))
//	ARI      = (index − expected) / (max − expected)
//
// ARI is 1 for identical partitions (whatever the label names), about 0 for
// independent ones, and can be negative. The denominator is 0 only when both
// labelings are the same trivial partition (one cluster, or every item
// alone); ARI is then 1, as in scikit-learn. Labels are any integers. ARI
// panics if the lengths differ, and is 1 for fewer than two items.
func ARI(a, b []int) float64 {
	if len(a) != len(b) {
		panic("segment.ARI: labelings of different lengths")
	}
	n := len(a)
	if n < 2 {
		return 1
	}
	ai, na := compact(a)
	bi, nb := compact(b)
	cont := make([]int64, na*nb)
	rows := make([]int64, na)
	cols := make([]int64, nb)
	for k := 0; k < n; k++ {
		cont[ai[k]*nb+bi[k]]++
		rows[ai[k]]++
		cols[bi[k]]++
	}
	pairs := func(m int64) float64 { return float64(m) * float64(m-1) / 2 }
	var index, sa, sb float64
	for _, c := range cont {
		index += pairs(c)
	}
	for _, c := range rows {
		sa += pairs(c)
	}
	for _, c := range cols {
		sb += pairs(c)
	}
	expected := sa * sb / pairs(int64(n))
	maxIndex := (sa + sb) / 2
	if maxIndex == expected {
		return 1
	}
	return (index - expected) / (maxIndex - expected)
}

// compact renumbers labels to 0..k−1 in order of first appearance.
func compact(x []int) ([]int, int) {
	ids := make(map[int]int)
	out := make([]int, len(x))
	for i, v := range x {
		id, ok := ids[v]
		if !ok {
			id = len(ids)
			ids[v] = id
		}
		out[i] = id
	}
	return out, len(ids)
}
