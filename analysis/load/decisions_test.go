package load

import (
	"context"
	"testing"

	"github.com/journeyworkbench/workbench/analysis/ingest"
)

func decRow(line int64, key string, ts int64, action string, ids ...ingest.Identifier) ingest.Record {
	return ingest.Record{Kind: ingest.KindDecision, Line: line, IDs: ids, DedupKey: key, Time: ts,
		Decision: &ingest.Decision{Trigger: "lapse", Context: map[string]string{"region": "North"}, Action: action, Propensity: 0.5}}
}

// TestDecisionsOfStoredAndNewIdentities loads a decision log whose first
// rows belong to identities stored before it (inserted while the file is
// read, with their stored customers) and whose later rows link two of
// those customers and bring a new identity (spooled until stitching).
// Every decision must end with the customer of its identity after the
// file's stitching, as the consistency check and the profiles say.
func TestDecisionsOfStoredAndNewIdentities(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	dir := t.TempDir()
	crmf := writeFile(dir, "crm.csv", "crm")
	webf := writeFile(dir, "web.jsonl", "web")
	decf := writeFile(dir, "decisions.csv", "decisions")
	ff := fakeFiles{
		crmf: {
			prof(2, 10, "crm row", nil, nil, id(crm, "C1"), id(email, "a@x.com")),
			prof(3, 10, "crm row", nil, nil, id(crm, "C3")),
		},
		webf: {
			ev(1, "m1", 50, "web", "page", id(anon, "k1")), // a customer of its own
		},
		decf: {
			decRow(2, "d1", 100, "email", id(anon, "k1")),                     // stored identity: customer k1, for now
			decRow(3, "d2", 200, "none", id(crm, "C3")),                       // stored, unaffected
			decRow(4, "d3", 300, "sms", id(anon, "k1"), id(email, "a@x.com")), // links k1 to C1: k1's rows move
			decRow(5, "d4", 400, "push", id(crm, "C9"), id(anon, "k1")),       // a new identity, joined to them
		},
	}
	l := New(st)
	l.Open = ff.open
	for _, f := range []string{crmf, webf, decf} {
		if _, err := l.Load(ctx, f, ingest.Options{}, nil); err != nil {
			t.Fatalf("load %s: %v", f, err)
		}
	}
	checkConsistent(t, st)
	want := map[string]int{"C1": 3, "k1": 3, "C9": 3, "C3": 1}
	for who, n := range want {
		p, err := st.Profile(ctx, who, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Decisions) != n {
			t.Errorf("%s: %d decisions, want %d", who, len(p.Decisions), n)
		}
	}
}
