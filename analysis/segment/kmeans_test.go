package segment

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func TestARIReferenceValues(t *testing.T) {
	// Values from scikit-learn's adjusted_rand_score documentation and user
	// guide; tolerance 1e-12.
	cases := []struct {
		a, b []int
		want float64
	}{
		{[]int{0, 0, 1, 1}, []int{0, 0, 1, 1}, 1},
		{[]int{0, 0, 1, 1}, []int{1, 1, 0, 0}, 1},
		{[]int{0, 0, 1, 2}, []int{0, 0, 1, 1}, 0.5714285714285715},
		{[]int{0, 0, 1, 1}, []int{0, 0, 1, 2}, 0.5714285714285715},
		{[]int{0, 0, 0, 0}, []int{0, 1, 2, 3}, 0},
		{[]int{0, 0, 0, 1, 1, 1}, []int{0, 0, 1, 1, 2, 2}, 0.24242424242424246},
		{[]int{0, 0, 1, 1}, []int{0, 1, 0, 1}, -0.5},
		// trivial partitions equal to each other: 1 by convention
		{[]int{3, 3, 3}, []int{7, 7, 7}, 1},
		{[]int{0, 1, 2}, []int{5, 4, 3}, 1},
		// arbitrary label values
		{[]int{-5, -5, 100, 100}, []int{9, 9, 2, 2}, 1},
	}
	for _, c := range cases {
		if got := ARI(c.a, c.b); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("ARI(%v, %v) = %.17g, want %.17g", c.a, c.b, got, c.want)
		}
	}
}

func TestARIHandComputed(t *testing.T) {
	// a = [0 0 0 1 1 2], b = [0 0 1 1 2 2]:
	// contingency {(0,0):2, (0,1):1, (1,1):1, (1,2):1, (2,2):1}: index = 1.
	// Σ C(a_i) = C(3)+C(2)+C(1) = 3+1 = 4; Σ C(b_j) = 1+1+1 = 3; C(6) = 15.
	// expected = 12/15 = 0.8; max = 3.5; ARI = 0.2 / 2.7.
	got := ARI([]int{0, 0, 0, 1, 1, 2}, []int{0, 0, 1, 1, 2, 2})
	if want := 0.2 / 2.7; math.Abs(got-want) > 1e-12 {
		t.Errorf("ARI = %.17g, want %.17g (tolerance 1e-12)", got, want)
	}
}

func TestSilhouetteHandComputed(t *testing.T) {
	// Points 0, 1, 10, 11 on a line in clusters {0,1} and {10,11}:
	// s(0) = (10.5 − 1)/10.5, s(1) = (9.5 − 1)/9.5, and symmetrically.
	x := mat.NewDense(4, 1, []float64{0, 1, 10, 11})
	got := Silhouette(x, []int{0, 0, 1, 1})
	want := (9.5/10.5 + 8.5/9.5) / 2
	if math.Abs(got-want) > 1e-12 {
		t.Errorf("silhouette = %.17g, want %.17g (tolerance 1e-12)", got, want)
	}
	// A singleton cluster contributes s = 0: points 0, 1, 10 in {0,1},{10}.
	// s(0) = (10 − 1)/10, s(1) = (9 − 1)/9, s(10) = 0.
	got = Silhouette(mat.NewDense(3, 1, []float64{0, 1, 10}), []int{0, 0, 1})
	want = (0.9 + 8.0/9) / 3
	if math.Abs(got-want) > 1e-12 {
		t.Errorf("silhouette with singleton = %.17g, want %.17g", got, want)
	}
}

// blobs draws n points around each centre with standard deviation sd.
func blobs(centres [][]float64, n int, sd float64, seed uint64) (*mat.Dense, []int) {
	rng := rand.New(rand.NewPCG(seed, 1))
	d := len(centres[0])
	x := mat.NewDense(n*len(centres), d, nil)
	truth := make([]int, n*len(centres))
	for i := 0; i < n*len(centres); i++ {
		c := i % len(centres) // interleaved so that order carries no information
		truth[i] = c
		for j := 0; j < d; j++ {
			x.Set(i, j, centres[c][j]+sd*rng.NormFloat64())
		}
	}
	return x, truth
}

func TestKMeansRecoversBlobs(t *testing.T) {
	centres := [][]float64{{0, 0, 0}, {10, 0, 100}, {0, 10, 50}, {10, 10, 0}}
	x, truth := blobs(centres, 150, 1, 7)
	res, err := KMeans(x, KMeansOptions{K: 4, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if ari := ARI(truth, res.Assign); ari != 1 {
		t.Errorf("ARI = %v, want exactly 1 on well-separated blobs", ari)
	}
	for _, s := range res.Sizes {
		if s != 150 {
			t.Errorf("sizes %v, want 150 each", res.Sizes)
			break
		}
	}
	// Centroids in original units are near the true centres (each is a
	// mean of 150 N(0,1) draws: sd 0.08 per coordinate; tolerance 0.4).
	for c, cen := range res.CentroidsOriginal {
		tc := truth[indexOf(res.Assign, c)]
		for j := range cen {
			if math.Abs(cen[j]-centres[tc][j]) > 0.4 {
				t.Errorf("centroid %d = %v, want near %v", c, cen, centres[tc])
				break
			}
		}
	}
	// Same seed, same answer.
	again, _ := KMeans(x, KMeansOptions{K: 4, Seed: 1})
	if again.Inertia != res.Inertia || ARI(again.Assign, res.Assign) != 1 {
		t.Error("k-means is not reproducible from its seed")
	}
}

func indexOf(xs []int, v int) int {
	for i, x := range xs {
		if x == v {
			return i
		}
	}
	return -1
}

func TestKMeansChoosesKBySilhouette(t *testing.T) {
	for _, tc := range []struct {
		name    string
		centres [][]float64
	}{
		{"3 blobs", [][]float64{{0, 0}, {12, 0}, {6, 10}}},
		{"5 blobs", [][]float64{{0, 0}, {20, 0}, {0, 20}, {20, 20}, {10, 10}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x, truth := blobs(tc.centres, 100, 1, 3)
			res, err := KMeans(x, KMeansOptions{K: 0, KMax: 8, NInit: 4, Seed: 2})
			if err != nil {
				t.Fatal(err)
			}
			if res.K != len(tc.centres) {
				t.Errorf("chose k = %d, want %d; scores %+v", res.K, len(tc.centres), res.Scores)
			}
			if len(res.Scores) != 7 {
				t.Errorf("%d scores, want one per k in 2..8", len(res.Scores))
			}
			if ari := ARI(truth, res.Assign); ari != 1 {
				t.Errorf("ARI = %v, want 1", ari)
			}
		})
	}
}

func TestKMeansKnown1D(t *testing.T) {
	// Rows 1,2,3 and 10,11,12: k = 2 gives centroids 2 and 11. Mean 6.5,
	// population sd = sqrt(Σ(x−6.5)²/6) = sqrt(125.5/6); inertia in z units
	// = (4 · 1) / var = 4 / (125.5/6).
	x := mat.NewDense(6, 1, []float64{1, 2, 3, 10, 11, 12})
	res, err := KMeans(x, KMeansOptions{K: 2, Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	got := []float64{res.CentroidsOriginal[0][0], res.CentroidsOriginal[1][0]}
	sort.Float64s(got)
	if math.Abs(got[0]-2) > 1e-12 || math.Abs(got[1]-11) > 1e-12 {
		t.Errorf("centroids %v, want [2 11] (tolerance 1e-12)", got)
	}
	if want := 4 / (125.5 / 6); math.Abs(res.Inertia-want) > 1e-12 {
		t.Errorf("inertia %v, want %v", res.Inertia, want)
	}
	if math.Abs(res.SD[0]-math.Sqrt(125.5/6)) > 1e-12 || res.Mean[0] != 6.5 {
		t.Errorf("mean %v sd %v, want 6.5 and the population sd", res.Mean, res.SD)
	}
}

func TestKMeansDegenerateInputs(t *testing.T) {
	// Fewer distinct rows than clusters, and a constant column: no panic,
	// every row assigned, inertia 0.
	x := mat.NewDense(5, 2, []float64{1, 7, 1, 7, 1, 7, 2, 7, 2, 7})
	res, err := KMeans(x, KMeansOptions{K: 3, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, s := range res.Sizes {
		total += s
	}
	if total != 5 || res.Inertia != 0 || res.SD[1] != 0 || res.CentroidsOriginal[0][1] != 7 {
		t.Errorf("sizes %v inertia %v sd %v centroids %v", res.Sizes, res.Inertia, res.SD, res.CentroidsOriginal)
	}
	if res.Assign[0] != res.Assign[1] || res.Assign[3] != res.Assign[4] || res.Assign[0] == res.Assign[3] {
		t.Errorf("assign %v: identical rows split or distinct rows merged", res.Assign)
	}
}

func TestKMeansErrors(t *testing.T) {
	if _, err := KMeans(mat.NewDense(3, 1, []float64{1, math.NaN(), 2}), KMeansOptions{K: 2}); err == nil {
		t.Error("NaN input accepted")
	}
	if _, err := KMeans(mat.NewDense(3, 1, []float64{1, 2, 3}), KMeansOptions{K: 4}); err == nil {
		t.Error("k > n accepted")
	}
	if _, err := KMeans(mat.NewDense(2, 1, []float64{1, 2}), KMeansOptions{}); err == nil {
		t.Error("choosing k on 2 rows accepted")
	}
	if _, err := FeatureMatrix([]Features{{}}, []string{"bogus"}); err == nil {
		t.Error("unknown column accepted")
	}
}

func TestSilhouetteSampleApproximatesExact(t *testing.T) {
	// Beyond SilhouetteSample rows the silhouette is estimated on a
	// sample; on 3,000 rows of 3 blobs a 600-row sample is within 0.02 of
	// the exact value.
	x, _ := blobs([][]float64{{0, 0}, {6, 0}, {3, 5}}, 1000, 1.2, 11)
	exact, err := KMeans(x, KMeansOptions{K: 3, Seed: 4, NInit: 2, SilhouetteSample: 3000})
	if err != nil {
		t.Fatal(err)
	}
	sampled, _ := KMeans(x, KMeansOptions{K: 3, Seed: 4, NInit: 2, SilhouetteSample: 600})
	if math.Abs(exact.Silhouette-sampled.Silhouette) > 0.02 {
		t.Errorf("sampled silhouette %v, exact %v: differ by more than 0.02", sampled.Silhouette, exact.Silhouette)
	}
	z, _, _ := Standardize(x)
	if direct := Silhouette(z, exact.Assign); math.Abs(direct-exact.Silhouette) > 1e-12 {
		t.Errorf("Silhouette() = %v, KMeans exact = %v", direct, exact.Silhouette)
	}
}

func ExampleARI() {
	fmt.Println(ARI([]int{0, 0, 1, 1}, []int{1, 1, 0, 0}))
	fmt.Printf("%.4f\n", ARI([]int{0, 0, 1, 2}, []int{0, 0, 1, 1}))
	// Output:
	// 1
	// 0.5714
}

func ExampleClusterFeatures() {
	// Six customers: three frequent big spenders, three one-off small ones.
	var fs []Features
	for i, o := range []struct {
		orders   int64
		monetary float64
	}{{9, 900}, {8, 850}, {10, 990}, {1, 20}, {1, 25}, {2, 30}} {
		fs = append(fs, Features{Customer: int64(i), Orders: o.orders, Monetary: o.monetary})
	}
	c, err := ClusterFeatures(fs, []string{"orders", "monetary"}, KMeansOptions{K: 2, Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.Assign[0] == c.Assign[1] && c.Assign[1] == c.Assign[2], c.Assign[3] == c.Assign[4] && c.Assign[4] == c.Assign[5], c.Assign[0] != c.Assign[3])
	big := c.Assign[0]
	fmt.Printf("big spenders: %d customers, centroid orders %.0f, monetary %.0f\n", c.Sizes[big], c.CentroidsOriginal[big][0], c.CentroidsOriginal[big][1])
	// Output:
	// true true true
	// big spenders: 3 customers, centroid orders 9, monetary 913
}
