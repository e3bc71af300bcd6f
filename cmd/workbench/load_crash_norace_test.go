//go:build !race

package main

const crashSampleCustomers = 5000
