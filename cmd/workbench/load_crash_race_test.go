//go:build race

package main

// crashSampleCustomers is smaller under the race detector, which slows the
// in-process sample generation.
const crashSampleCustomers = 2500
