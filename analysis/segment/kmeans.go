package segment

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
)

// FeatureMatrix returns the n × len(cols) matrix of the numeric features
// cols (names as in Features.Value) of customers fs, one row per customer.
func FeatureMatrix(fs []Features, cols []string) (*mat.Dense, error) {
	if len(fs) == 0 || len(cols) == 0 {
		return nil, errors.New("segment: no customers or no feature columns to build a matrix from")
	}
	for _, c := range cols {
		if _, ok := (&Features{}).Value(c); !ok {
			return nil, fmt.Errorf("segment: unknown feature column %q; use one of recency_days, tenure_days, frequency, orders, sessions, monetary, aov, days_active, carts_abandoned, channels_used, events:<channel>, share:<channel>, uses:<channel>, first_channel:<channel>, last_channel:<channel>, or log1p(<column>)", c)
		}
	}
	data := make([]float64, len(fs)*len(cols))
	for i := range fs {
		row := data[i*len(cols) : (i+1)*len(cols)]
		for j, c := range cols {
			row[j], _ = fs[i].Value(c)
		}
	}
	return mat.NewDense(len(fs), len(cols), data), nil
}

// Standardize returns the z-scores z_ij = (x_ij − mean_j) / sd_j of each
// column of x, and the column means and standard deviations. sd_j is the
// population standard deviation sqrt(Σ_i (x_ij − mean_j)² / n), dividing by
// n as scikit-learn's StandardScaler does. A constant column (sd_j = 0)
// becomes all zeros and its sd is reported as 0.
func Standardize(x *mat.Dense) (z *mat.Dense, mean, sd []float64) {
	n, d := x.Dims()
	z = mat.NewDense(n, d, nil)
	mean = make([]float64, d)
	sd = make([]float64, d)
	col := make([]float64, n)
	for j := 0; j < d; j++ {
		mat.Col(col, j, x)
		mean[j], sd[j] = stat.PopMeanStdDev(col, nil)
		if sd[j] == 0 || math.IsNaN(sd[j]) {
			sd[j] = 0
			continue
		}
		for i := range col {
			col[i] = (col[i] - mean[j]) / sd[j]
		}
		z.SetCol(j, col)
	}
	return z, mean, sd
}

// KMeansOptions configure KMeans. Zero values take the stated defaults.
type KMeansOptions struct {
	// K is the number of clusters; 0 chooses k in [2, KMax] by the best
	// silhouette (ties go to the smaller k).
	K int
	// KMax bounds the search when K = 0 (default 10, and at most n − 1).
	KMax int
	// NInit is the number of k-means++ restarts per k; the run with the
	// lowest inertia is kept (default 10).
	NInit int
	// MaxIter bounds the Lloyd iterations of one run (default 300).
	MaxIter int
	// Tol stops a run when the total squared centroid shift of an
	// iteration, Σ_c ‖μ_c(new) − μ_c(old)‖², is at most Tol (default
	// 1e-4). Features are standardised to unit variance, so this is
	// scikit-learn's tolerance (tol × mean feature variance).
	Tol float64
	// Seed makes the run reproducible: restarts and the silhouette sample
	// draw from PCG streams derived from it.
	Seed uint64
	// SilhouetteSample is the largest n for which the silhouette is exact;
	// beyond it the silhouette is computed on a seeded uniform random
	// sample of this many points (without replacement), distances taken
	// within the sample, as scikit-learn's silhouette_score(sample_size=)
	// does (default 2000).
	SilhouetteSample int
}

func (o KMeansOptions) withDefaults(n int) KMeansOptions {
	if o.KMax <= 0 {
		o.KMax = 10
	}
	if o.KMax > n-1 {
		o.KMax = n - 1
	}
	if o.NInit <= 0 {
		o.NInit = 10
	}
	if o.MaxIter <= 0 {
		o.MaxIter = 300
	}
	if o.Tol <= 0 {
		o.Tol = 1e-4
	}
	if o.SilhouetteSample <= 0 {
		o.SilhouetteSample = 2000
	}
	return o
}

// KScore is the quality of the best k-means run for one k.
type KScore struct {
	K          int     `json:"k"`
	Inertia    float64 `json:"inertia"`
	Silhouette float64 `json:"silhouette"`
}

// Clustering is the result of KMeans.
type Clustering struct {
	K int `json:"k"`
	// Columns names the feature columns when the clustering was made by
	// ClusterFeatures.
	Columns []string `json:"columns,omitempty"`
	// Mean and SD are the column means and population standard
	// deviations used to standardise (see Standardize).
	Mean []float64 `json:"mean"`
	SD   []float64 `json:"sd"`
	// Centroids are the cluster means in standardised units (z-scores);
	// CentroidsOriginal the same points in the input's units,
	// mean_j + sd_j · z_cj.
	Centroids         [][]float64 `json:"centroids"`
	CentroidsOriginal [][]float64 `json:"centroids_original"`
	// Sizes[c] is the number of rows assigned to cluster c.
	Sizes []int `json:"sizes"`
	// Assign[i] is the cluster (0..K−1) of row i.
	Assign []int `json:"assign"`
	// Inertia is Σ_i ‖z_i − μ_{Assign[i]}‖² in standardised units.
	Inertia float64 `json:"inertia"`
	// Silhouette is the mean silhouette (b − a) / max(a, b) over the rows
	// (or the sample; see KMeansOptions.SilhouetteSample), with Euclidean
	// distances in standardised units.
	Silhouette float64 `json:"silhouette"`
	// Iterations is the number of Lloyd iterations of the kept run.
	Iterations int `json:"iterations"`
	// Scores has one entry per k tried (one when K was given).
	Scores []KScore `json:"scores"`
}

// KMeans clusters the rows of x (n customers × d numeric features): it
// standardises each column to z-scores (Standardize), then for each k runs
// NInit times k-means++ seeding (the first centre uniform, each next one
// drawn with probability proportional to the squared distance to the
// nearest centre chosen so far) followed by Lloyd iterations (assign each
// row to its nearest centroid, move each centroid to the mean of its rows;
// an emptied cluster takes the row farthest from its centroid), keeps the
// run with the lowest inertia Σ_i ‖z_i − μ_c(i)‖², and scores it with the
// silhouette. With K = 0 it tries every k in [2, KMax] and returns the one
// with the highest silhouette.
func KMeans(x *mat.Dense, opt KMeansOptions) (*Clustering, error) {
	n, d := x.Dims()
	if n < 2 || d < 1 {
		return nil, fmt.Errorf("segment: k-means needs at least 2 rows and 1 column, got %d × %d", n, d)
	}
	for i := 0; i < n; i++ {
		for j := 0; j < d; j++ {
			if v := x.At(i, j); math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("segment: k-means input row %d column %d is %v; drop or impute it first", i, j, v)
			}
		}
	}
	if opt.K < 0 || opt.K > n {
		return nil, fmt.Errorf("segment: k = %d clusters is impossible with %d rows; choose 1..%d, or 0 to choose by silhouette", opt.K, n, n)
	}
	opt = opt.withDefaults(n)
	if opt.K == 0 && opt.KMax < 2 {
		return nil, fmt.Errorf("segment: choosing k by silhouette needs at least 3 rows and KMax ≥ 2, got %d rows and KMax %d; give K explicitly", n, opt.KMax)
	}
	zm, mean, sd := Standardize(x)
	z := zm.RawMatrix().Data // row-major n × d (Standardize builds a fresh, unstrided matrix)

	sampleIdx := silhouetteSample(n, opt.SilhouetteSample, opt.Seed)
	ks := []int{opt.K}
	if opt.K == 0 {
		ks = ks[:0]
		for k := 2; k <= opt.KMax; k++ {
			ks = append(ks, k)
		}
	}
	var best *Clustering
	var scores []KScore
	for _, k := range ks {
		r := bestOfRuns(z, n, d, k, opt)
		sil := silhouette(z, d, r.assign, k, sampleIdx)
		scores = append(scores, KScore{K: k, Inertia: r.inertia, Silhouette: sil})
		if best == nil || sil > best.Silhouette || (math.IsNaN(best.Silhouette) && !math.IsNaN(sil)) {
			best = &Clustering{K: k, Mean: mean, SD: sd, Assign: r.assign, Inertia: r.inertia,
				Silhouette: sil, Iterations: r.iter, Sizes: r.sizes}
			best.Centroids = make([][]float64, k)
			best.CentroidsOriginal = make([][]float64, k)
			for c := 0; c < k; c++ {
				best.Centroids[c] = append([]float64(nil), r.centroids[c*d:(c+1)*d]...)
				orig := make([]float64, d)
				for j := range orig {
					orig[j] = mean[j] + sd[j]*r.centroids[c*d+j]
				}
				best.CentroidsOriginal[c] = orig
			}
		}
	}
	best.Scores = scores
	return best, nil
}

// ClusterFeatures clusters customers by k-means on the feature columns
// cols (see Features.Value): FeatureMatrix, then KMeans. Assign[i] is the
// cluster of fs[i].
func ClusterFeatures(fs []Features, cols []string, opt KMeansOptions) (*Clustering, error) {
	x, err := FeatureMatrix(fs, cols)
	if err != nil {
		return nil, err
	}
	c, err := KMeans(x, opt)
	if err != nil {
		return nil, err
	}
	c.Columns = append([]string(nil), cols...)
	return c, nil
}

type run struct {
	centroids []float64 // k × d
	assign    []int
	sizes     []int
	inertia   float64
	iter      int
}

// bestOfRuns runs k-means NInit times and keeps the lowest inertia.
// Restarts run on up to GOMAXPROCS goroutines; each draws from its own
// seeded stream and ties go to the earlier restart, so the result does not
// depend on scheduling.
func bestOfRuns(z []float64, n, d, k int, opt KMeansOptions) run {
	runs := make([]run, opt.NInit)
	var wg sync.WaitGroup
	sem := make(chan struct{}, max(1, runtime.GOMAXPROCS(0)))
	for r := range runs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			rng := rand.New(rand.NewPCG(opt.Seed, uint64(k)<<32|uint64(r)))
			runs[r] = lloyd(z, n, d, k, opt, rng)
		}()
	}
	wg.Wait()
	best := runs[0]
	for _, cur := range runs[1:] {
		if cur.inertia < best.inertia {
			best = cur
		}
	}
	return best
}

// seedPlusPlus picks k initial centres by k-means++ (Arthur & Vassilvitskii
// 2007) into cent (k × d); dist is scratch of length n.
func seedPlusPlus(z []float64, n, d, k int, rng *rand.Rand, cent, dist []float64) {
	first := rng.IntN(n)
	copy(cent[:d], z[first*d:(first+1)*d])
	for i := 0; i < n; i++ {
		dist[i] = sqDist(z[i*d:(i+1)*d], cent[:d])
	}
	for c := 1; c < k; c++ {
		total := floats.Sum(dist)
		pick := -1
		if total > 0 {
			u := rng.Float64() * total
			acc := 0.0
			for i := 0; i < n; i++ {
				if dist[i] == 0 {
					continue
				}
				pick = i // the last row with positive weight, should rounding leave acc ≤ u
				acc += dist[i]
				if acc > u {
					break
				}
			}
		} else {
			pick = rng.IntN(n) // every row coincides with a centre
		}
		cc := cent[c*d : (c+1)*d]
		copy(cc, z[pick*d:(pick+1)*d])
		for i := 0; i < n; i++ {
			if dd := sqDist(z[i*d:(i+1)*d], cc); dd < dist[i] {
				dist[i] = dd
			}
		}
	}
}

func sqDist(a, b []float64) float64 {
	s := 0.0
	for j := range a {
		t := a[j] - b[j]
		s += t * t
	}
	return s
}

// lloyd runs one k-means++ seeding and Lloyd iterations.
func lloyd(z []float64, n, d, k int, opt KMeansOptions, rng *rand.Rand) run {
	cent := make([]float64, k*d)
	next := make([]float64, k*d)
	dist := make([]float64, n)
	assign := make([]int, n)
	sizes := make([]int, k)
	seedPlusPlus(z, n, d, k, rng, cent, dist)

	assignAll := func() (changed bool, inertia float64) {
		for i := 0; i < n; i++ {
			row := z[i*d : (i+1)*d : (i+1)*d]
			bc, bd := 0, math.Inf(1)
			for c := 0; c < k; c++ {
				cc := cent[c*d : (c+1)*d : (c+1)*d]
				cc = cc[:len(row)]
				dd := 0.0
				for j, v := range row {
					t := v - cc[j]
					dd += t * t
				}
				if dd < bd {
					bc, bd = c, dd
				}
			}
			if assign[i] != bc {
				changed = true
				assign[i] = bc
			}
			dist[i] = bd
			inertia += bd
		}
		return changed, inertia
	}

	var inertia float64
	iter := 0
	for iter < opt.MaxIter {
		iter++
		var changed bool
		changed, inertia = assignAll()
		if !changed && iter > 1 {
			break
		}
		// Update step.
		clear(next)
		clear(sizes)
		for i := 0; i < n; i++ {
			c := assign[i]
			sizes[c]++
			floats.Add(next[c*d:(c+1)*d], z[i*d:(i+1)*d])
		}
		for c := 0; c < k; c++ {
			if sizes[c] == 0 {
				// Re-seed an empty cluster at the row farthest from its centroid.
				far := floats.MaxIdx(dist)
				copy(next[c*d:(c+1)*d], z[far*d:(far+1)*d])
				dist[far] = 0
				continue
			}
			floats.Scale(1/float64(sizes[c]), next[c*d:(c+1)*d])
		}
		shift := 0.0
		for c := 0; c < k; c++ {
			shift += sqDist(cent[c*d:(c+1)*d], next[c*d:(c+1)*d])
		}
		cent, next = next, cent
		if shift <= opt.Tol {
			_, inertia = assignAll()
			break
		}
	}
	clear(sizes)
	for _, c := range assign {
		sizes[c]++
	}
	return run{centroids: cent, assign: assign, sizes: sizes, inertia: inertia, iter: iter}
}

// silhouetteSample returns the row indices the silhouette is computed on:
// all rows when n ≤ size, else size rows drawn uniformly without
// replacement (a partial Fisher–Yates shuffle seeded by seed).
func silhouetteSample(n, size int, seed uint64) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	if n <= size {
		return idx
	}
	rng := rand.New(rand.NewPCG(seed, 0x5111))
	for i := 0; i < size; i++ {
		j := i + rng.IntN(n-i)
		idx[i], idx[j] = idx[j], idx[i]
	}
	return idx[:size]
}

// silhouette returns the mean silhouette coefficient over the rows idx of
// z (row-major, d columns) with cluster labels assign in 0..k−1, distances
// taken among the rows of idx only. For row i in cluster A,
// a(i) = mean distance to the other rows of A, b(i) = min over clusters
// B ≠ A of the mean distance to the rows of B, s(i) = (b − a) / max(a, b),
// and s(i) = 0 when i is alone in A (Rousseeuw 1987; scikit-learn's
// convention). Distances are Euclidean. It is NaN when the rows of idx
// fall in fewer than 2 clusters.
func silhouette(z []float64, d int, assign []int, k int, idx []int) float64 {
	m := len(idx)
	sums := make([]float64, m*k) // sums[p*k+c] = Σ distance from idx[p] to rows of cluster c
	counts := make([]int, k)
	for _, i := range idx {
		counts[assign[i]]++
	}
	present := 0
	for _, c := range counts {
		if c > 0 {
			present++
		}
	}
	if present < 2 {
		return math.NaN()
	}
	for p := 0; p < m; p++ {
		rp := z[idx[p]*d : (idx[p]+1)*d]
		cp := assign[idx[p]]
		for q := p + 1; q < m; q++ {
			dd := math.Sqrt(sqDist(rp, z[idx[q]*d:(idx[q]+1)*d]))
			sums[p*k+assign[idx[q]]] += dd
			sums[q*k+cp] += dd
		}
	}
	total := 0.0
	for p := 0; p < m; p++ {
		own := assign[idx[p]]
		if counts[own] <= 1 {
			continue // s = 0
		}
		a := sums[p*k+own] / float64(counts[own]-1)
		b := math.Inf(1)
		for c := 0; c < k; c++ {
			if c == own || counts[c] == 0 {
				continue
			}
			if v := sums[p*k+c] / float64(counts[c]); v < b {
				b = v
			}
		}
		if den := math.Max(a, b); den > 0 {
			total += (b - a) / den
		}
	}
	return total / float64(m)
}

// Silhouette returns the mean silhouette coefficient of the labelling
// assign (labels 0..k−1) of the rows of x, exactly over all rows, with
// Euclidean distances in x's own units (standardise first if the columns
// have different scales). See KMeans for the definition.
func Silhouette(x *mat.Dense, assign []int) float64 {
	n, d := x.Dims()
	data := make([]float64, n*d)
	for i := 0; i < n; i++ {
		mat.Row(data[i*d:(i+1)*d], i, x)
	}
	ids, k := compact(assign)
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return silhouette(data, d, ids, k, idx)
}
