//go:build race

package chart

// raceEnabled is true under the race detector, where rasterising PNGs is
// some thirty times slower; the PNG goldens then run for a subset of the
// charts (rasterising has no concurrency for the detector to check).
const raceEnabled = true
