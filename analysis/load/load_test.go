package load

import (
	"context"
	"errors"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/journeyworkbench/workbench/analysis/ingest"
	"github.com/journeyworkbench/workbench/analysis/store"
)

func openStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "w.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

const (
	crm   = ingest.IDCRM
	email = ingest.IDEmail
	phone = ingest.IDPhone
	anon  = ingest.IDAnonymous
	card  = ingest.IDLoyaltyCard
)

// TestLoadStitchAndAccounting loads three small files: web events where a
// cookie becomes known at login, a CRM file that links crm id, email and
// phone (two persons sharing a household email), and an SMS log loaded
// last. It checks the row accounting of every source, the customers, the
// guard, and the moves of earlier events.
func TestLoadStitchAndAccounting(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	dir := t.TempDir()
	web := writeFile(dir, "web.jsonl", "web")
	crmf := writeFile(dir, "crm.csv", "crm")
	sms := writeFile(dir, "sms.csv", "sms")
	ff := fakeFiles{
		web: {
			ev(1, "m1", 1000, "web", "page", id(anon, "k1")),
			ev(2, "m2", 2000, "web", "page", id(anon, "k1")),
			ingest.Record{Kind: ingest.KindProfile, Line: 3, IDs: []ingest.Identifier{id(crm, "C1"), id(anon, "k1"), id(email, "home@x.com")}, LinkReason: "identify", Time: 3000},
			ev(4, "m4", 4000, "web", "Order Completed", id(crm, "C1"), id(anon, "k1")),
			ev(5, "m4", 4000, "web", "Order Completed", id(crm, "C1"), id(anon, "k1")), // duplicate messageId
			&ingest.RowError{Line: 6, Reason: "truncated JSON", Raw: `{"type":"pa`},
			ev(7, "m7", 5000, "web", "page", id(anon, "k2")),
		},
		crmf: {
			prof(2, 10, "crm row", map[string]string{"first_name": "Ann", "region": "North"}, map[string]bool{"email": true, "sms": false},
				id(crm, "C1"), id(email, "home@x.com"), id(phone, "+441")),
			prof(3, 10, "crm row", map[string]string{"first_name": "Bob"}, map[string]bool{"sms": true},
				id(crm, "C2"), id(email, "home@x.com"), id(phone, "+442")),
			&ingest.RowError{Line: 4, Reason: "bad row", Raw: "x,y"},
		},
		sms: {
			ev(2, "s1", 6000, "sms", "delivered", id(phone, "+442")),
			ev(3, "s2", 7000, "sms", "delivered", id(phone, "+443")),
		},
	}
	l := New(st)
	l.Open = ff.open
	for _, f := range []string{web, crmf, sms} {
		rep, err := l.Load(ctx, f, ingest.Options{}, nil)
		if err != nil {
			t.Fatalf("load %s: %v", f, err)
		}
		s := rep.Source
		if s.Read != s.Loaded+s.Rejected+s.Duplicate {
			t.Errorf("%s: read %d != %d+%d+%d", f, s.Read, s.Loaded, s.Rejected, s.Duplicate)
		}
	}
	srcs, err := st.Sources(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := [][4]int64{{7, 5, 1, 1}, {3, 2, 1, 0}, {2, 2, 0, 0}}
	for i, s := range srcs {
		got := [4]int64{s.Read, s.Loaded, s.Rejected, s.Duplicate}
		if got != want[i] {
			t.Errorf("source %s: read/loaded/rejected/dup = %v, want %v", s.Name, got, want[i])
		}
	}
	// C1 owns k1 and its pre-login events; the household email is shared
	// and does not merge C1 with C2; +442 belongs to C2.
	p1, err := st.Profile(ctx, "C1", 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := idSet(p1); got != "anonymous_id:k1 crm_id:C1 phone:+441" {
		t.Errorf("C1 identities = %q", got)
	}
	if p1.Events != 3 {
		t.Errorf("C1 events = %d, want 3 (two before login, one order)", p1.Events)
	}
	p2, err := st.Profile(ctx, "07 2", 0) // no such phone
	if err == nil || !errors.Is(err, store.ErrNotFound) {
		t.Errorf("profile of unknown phone: err = %v, want ErrNotFound (got %+v)", err, p2)
	}
	p2, err = st.Profile(ctx, "+442", 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := idSet(p2); got != "crm_id:C2 phone:+442" {
		t.Errorf("C2 identities = %q", got)
	}
	if p2.Events != 1 {
		t.Errorf("C2 events = %d, want 1 (the SMS)", p2.Events)
	}
	sh, err := st.SharedIdentities(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(sh) != 1 || sh[0].Value != "home@x.com" {
		t.Errorf("shared = %+v, want the household email", sh)
	}
	// Traits and consents.
	if len(p1.Traits) != 2 || p1.Traits[0].Key != "first_name" || p1.Traits[0].Value != "Ann" {
		t.Errorf("C1 traits = %+v", p1.Traits)
	}
	if len(p1.Consents) != 2 {
		t.Errorf("C1 consents = %+v", p1.Consents)
	}
	// A second load of the same files adds nothing.
	before, _ := st.Totals(ctx)
	for _, f := range []string{web, crmf, sms} {
		rep, err := l.Load(ctx, f, ingest.Options{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !rep.AlreadyLoaded {
			t.Errorf("%s: second load not reported as already loaded", f)
		}
	}
	after, _ := st.Totals(ctx)
	if before != after {
		t.Errorf("second load changed totals: %+v -> %+v", before, after)
	}
	// The same rows under another file name: all duplicates.
	web2 := writeFile(dir, "web-copy.jsonl", "web copy")
	ff[web2] = ff[web]
	rep, err := l.Load(ctx, web2, ingest.Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s := rep.Source; s.Loaded != 0 || s.Duplicate != 7 || s.Rejected != 0 {
		t.Errorf("copy of web: %+v, want 7 duplicates", s)
	}
	after2, _ := st.Totals(ctx)
	after.Sources++
	if after != after2 {
		t.Errorf("loading a copy changed totals: %+v -> %+v", after, after2)
	}
	checkConsistent(t, st)
}

// idSet lists a profile's identifiers as sorted "type:value" words.
func idSet(p *store.Profile) string {
	var s []string
	for _, x := range p.Identities {
		s = append(s, x.Type+":"+x.Value)
	}
	sort.Strings(s)
	return strings.Join(s, " ")
}

// checkConsistent verifies that every event's customer is the customer of
// its identity, and that the customers table matches the identities.
func checkConsistent(t *testing.T, st *store.Store) {
	t.Helper()
	bad, err := st.CheckConsistency(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if bad != "" {
		t.Errorf("inconsistent store: %s", bad)
	}
}
