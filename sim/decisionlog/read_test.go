package decisionlog

import (
	"bytes"
	"cmp"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/journeyworkbench/workbench/sim/policy"
)

// partsCSV writes a decision log with what joining parts must get right:
// decision ids repeated within and across parts (duplicates), customers
// whose decisions spread over several parts, rows the reader rejects
// (bad propensity, bad time, empty action), text values first seen in a
// later part, and decisions out of time order.
func partsCSV(n int, slash bool) string {
	r := rand.New(rand.NewPCG(5, 6))
	var b strings.Builder
	b.WriteString("decision_id,customer_id,timestamp,trigger,ctx_cart_value,ctx_tier,ctx_consent_sms,action,propensity,converted,revenue,cost,reward\n")
	actions := []string{"none", "email_offer", "sms_discount"}
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("D%d", i)
		if i%97 == 13 {
			id = fmt.Sprintf("D%d", r.IntN(i)) // a duplicate of an earlier id
		}
		if i%211 == 7 {
			id = ""
		}
		ts := fmt.Sprintf("2026-%02d-%02dT%02d:00:00Z", 1+r.IntN(6), 1+r.IntN(28), r.IntN(24))
		if slash {
			ts = fmt.Sprintf("%02d/%02d/2026 %02d:00", 1+r.IntN(28), 1+r.IntN(12), r.IntN(24))
		}
		prop := fmt.Sprint(0.1 + 0.8*r.Float64())
		switch i % 173 {
		case 5:
			prop = "1.5"
		case 9:
			ts = "yesterday"
		}
		action := actions[r.IntN(3)]
		if i%331 == 3 {
			action = ""
		}
		tier := []string{"", "gold", "silver"}[r.IntN(3)]
		if i > n*2/3 && i%5 == 0 {
			tier = fmt.Sprintf("late%d", i%7) // text first seen late
		}
		cart := fmt.Sprintf("%.2f", 300*r.Float64())
		if i%19 == 0 {
			cart = ""
		}
		fmt.Fprintf(&b, "%s,C%04d,%s,%s,%s,%s,%t,%s,%s,%d,%.2f,%.2f,%.2f\n", id, r.IntN(n/4+1), ts,
			[]string{"cart_abandon", "lapse"}[r.IntN(2)], cart, tier, r.IntN(2) == 0, action, prop, r.IntN(2), 10.0, 1.0, 9.0)
	}
	return b.String()
}

// TestReadPartsEqualsSerial checks that reading a log in 2, 3 and 7 parts
// gives exactly the log of one pass: the same decisions, ids, customers,
// times, actions, propensities, rewards, features of every decision,
// duplicate and reject counts, reject messages with their file line
// numbers, and the same state (contacts, logged choice) for every
// decision after Finish; for ISO and for day-first slash dates.
func TestReadPartsEqualsSerial(t *testing.T) {
	for _, slash := range []bool{false, true} {
		path := filepath.Join(t.TempDir(), "decisions.csv")
		if err := os.WriteFile(path, []byte(partsCSV(3000, slash)), 0o644); err != nil {
			t.Fatal(err)
		}
		want, err := readSerial(path, policy.DefaultActions())
		if err != nil {
			t.Fatal(err)
		}
		if want.Duplicates == 0 || want.Rejected == 0 {
			t.Fatalf("the test log should have duplicates and rejects: %d, %d", want.Duplicates, want.Rejected)
		}
		data, _ := os.ReadFile(path)
		for _, parts := range []int{2, 3, 7} {
			got, ok := readParts(path, data, policy.DefaultActions(), parts)
			if !ok {
				t.Fatalf("slash=%v parts=%d: not read in parts", slash, parts)
			}
			if err := got.Finish(); err != nil {
				t.Fatal(err)
			}
			name := fmt.Sprintf("slash=%v parts=%d", slash, parts)
			if got.Rejected != want.Rejected || got.Duplicates != want.Duplicates || !reflect.DeepEqual(got.FirstRejects, want.FirstRejects) {
				t.Errorf("%s: rejected %d dup %d %q, want %d %d %q", name, got.Rejected, got.Duplicates, got.FirstRejects, want.Rejected, want.Duplicates, want.FirstRejects)
			}
			for _, f := range []struct {
				n    string
				a, b any
			}{{"ID", got.ID, want.ID}, {"Customer", got.Customer, want.Customer}, {"Time", got.Time, want.Time},
				{"Action", got.Action, want.Action}, {"Propensity", got.Propensity, want.Propensity},
				{"Reward", got.Reward, want.Reward}, {"Converted", got.Converted, want.Converted},
				{"Features", got.Features(), want.Features()}} {
				if !reflect.DeepEqual(f.a, f.b) {
					t.Errorf("%s: %s differs", name, f.n)
				}
			}
			var sg, sw policy.State
			for i := 0; i < want.N() && i < got.N(); i++ {
				got.State(i, &sg)
				want.State(i, &sw)
				if !reflect.DeepEqual(sg.Features, sw.Features) || !reflect.DeepEqual(sg.Contacts, sw.Contacts) || sg.Time != sw.Time || *sg.Logged != *sw.Logged {
					t.Fatalf("%s: state of decision %d differs:\n%+v\n%+v", name, i, sg, sw)
				}
			}
		}
	}
}

// TestReadPartsFallsBack checks that a file with a double quote is not
// cut into parts (a quoted field may hold a line end).
func TestReadPartsFallsBack(t *testing.T) {
	csv := partsCSV(500, false)
	csv = strings.Replace(csv, "cart_abandon", `"cart_abandon"`, 1)
	if _, ok := readParts("x.csv", []byte(csv), policy.DefaultActions(), 2); ok {
		t.Error("a file with quotes was read in parts")
	}
}

// TestSortByTime checks sortByTime against the standard library's stable
// sort on times with many ties, for lengths 0…9 and 10,001.
func TestSortByTime(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, n := range []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10_001} {
		tm := make([]int64, n)
		for i := range tm {
			tm[i] = int64(r.IntN(50))
		}
		got, want := make([]int32, n), make([]int32, n)
		for i := range got {
			got[i], want[i] = int32(i), int32(i)
		}
		sortByTime(got, tm)
		slices.SortStableFunc(want, func(x, y int32) int { return cmp.Compare(tm[x], tm[y]) })
		if !slices.Equal(got, want) {
			t.Errorf("n=%d: sortByTime %v, stable sort %v", n, got[:min(n, 10)], want[:min(n, 10)])
		}
	}
}

// TestFastRowsAgree checks that the documented layout is recognised,
// that the fast conversion of the first rows agrees with the ingest
// reader (fastAgrees, the check readParts makes before using it), and
// fastRow's verdict on single rows: plain ones converted with the values
// the ingest reader gives, anything unusual left to the reader.
func TestFastRowsAgree(t *testing.T) {
	csv := partsCSV(400, false)
	nl := strings.IndexByte(csv, '\n')
	f := newFastLayout([]byte(csv[:nl]))
	if f == nil {
		t.Fatal("the documented layout was not recognised")
	}
	f.header = []byte(csv[:nl+1])
	if !fastAgrees(f, []byte(csv), "x.csv", policy.DefaultActions(), "") {
		t.Fatal("the fast conversion disagrees with the ingest reader on the test log")
	}
	if newFastLayout([]byte("decision_id,customer_id,timestamp,trigger,action,propensity,converted,revenue,cost,reward,email")) != nil {
		t.Error("a layout with an extra non-context column was taken as the documented one")
	}
	base := []string{"D1", "C0001", "2026-03-01T10:00:00Z", "lapse", "12.5", "gold", "true", "sms_discount", "0.25", "1", "10.00", "1.00", "9.00"}
	var r fastRec
	if _, ok := f.fastRow(strings.Join(base, ","), nil, &r); !ok || r.time != 1772359200000 || r.prop != 0.25 || r.reward != 9 || !r.conv || r.cust != "C0001" || r.ctx[0] != "12.5" {
		t.Errorf("plain row: ok=%v %+v", ok, r)
	}
	for _, c := range []struct {
		i int
		v string
	}{{1, "c0001"}, {2, "2026-02-30T10:00:00Z"}, {2, "2026-03-01 10:00:00"}, {8, "1.5"}, {8, "0"}, {9, "yes"},
		{10, "-1"}, {11, "1e3"}, {12, " 9"}, {7, ""}, {4, "caf\xe9"}} {
		i, v := c.i, c.v
		row := append([]string(nil), base...)
		row[i] = v
		if _, ok := f.fastRow(strings.Join(row, ","), nil, &r); ok {
			t.Errorf("column %d = %q: fastRow took the row, it must go to the ingest reader", i, v)
		}
	}
}

// readWhole gives the file's bytes, whatever the number of ranges,
// including more ranges than bytes.
func TestReadWhole(t *testing.T) {
	path := filepath.Join(t.TempDir(), "decisions.csv")
	want := []byte(partsCSV(500, false))
	if err := os.WriteFile(path, want, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, parts := range []int{1, 2, 3, 7} {
		got, err := readWhole(path, parts)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("%d parts: %d bytes (%v), want the file's %d", parts, len(got), err, len(want))
		}
	}
	small := filepath.Join(t.TempDir(), "small.csv")
	if err := os.WriteFile(small, []byte("ab"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := readWhole(small, 5); err != nil || string(got) != "ab" {
		t.Fatalf("2-byte file in 5 ranges: %q, %v", got, err)
	}
	if _, err := readWhole(filepath.Join(t.TempDir(), "missing.csv"), 2); err == nil {
		t.Fatal("no error for a missing file")
	}
}
