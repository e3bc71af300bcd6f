package load

import (
	"context"
	"errors"
	"testing"

	"github.com/journeyworkbench/workbench/analysis/ingest"
	"github.com/journeyworkbench/workbench/analysis/store"
)

// TestErase erases one of two persons sharing a household email: the
// report counts what went, the tables shrink by exactly that, the person
// cannot be found any more, and after re-stitching the email belongs to
// the remaining person alone.
func TestErase(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	dir := t.TempDir()
	crmf := writeFile(dir, "crm.csv", "crm")
	web := writeFile(dir, "web.jsonl", "web")
	bad := writeFile(dir, "bad.csv", "bad")
	ff := fakeFiles{
		crmf: {
			prof(2, 10, "crm row", map[string]string{"first_name": "Ann"}, map[string]bool{"email": true}, id(crm, "C1"), id(email, "home@x.com"), id(phone, "+441")),
			prof(3, 10, "crm row", map[string]string{"first_name": "Bob"}, nil, id(crm, "C2"), id(email, "home@x.com"), id(phone, "+442")),
		},
		web: {
			ev(1, "m1", 1000, "web", "page", id(anon, "k1")),
			ingest.Record{Kind: ingest.KindLink, Line: 2, IDs: []ingest.Identifier{id(crm, "C1"), id(anon, "k1")}, LinkReason: "identify", Time: 1500},
			ev(3, "m3", 2000, "web", "page", id(crm, "C2")),
			ev(4, "m4", 2500, "email", "open", id(email, "home@x.com")),
		},
		bad: {&ingest.RowError{Line: 2, Reason: "bad amount", Raw: "R1,+441,12,99€"}},
	}
	l := New(st)
	l.Open = ff.open
	for _, f := range []string{crmf, web, bad} {
		if _, err := l.Load(ctx, f, ingest.Options{}, nil); err != nil {
			t.Fatal(err)
		}
	}
	before, _ := st.Totals(ctx)
	dry, err := st.Erase(ctx, "07 441", true) // not a stored phone
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("erase of an unknown phone: %v %+v", err, dry)
	}
	dry, err = st.Erase(ctx, "+441", true)
	if err != nil {
		t.Fatal(err)
	}
	if after, _ := st.Totals(ctx); after != before {
		t.Errorf("dry run changed the store")
	}
	rep, err := st.Erase(ctx, "+441", false)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Identifiers) != 3 || rep.Events != 1 || rep.ProfileRows != 2 || rep.Consents != 1 || rep.Rejects != 1 {
		t.Errorf("erase report %+v: want 3 identifiers (crm, phone, cookie), 1 event, 2 profile rows (crm, identify), 1 consent, 1 reject", rep)
	}
	dry.DryRun = false
	if dry.Customer != rep.Customer || dry.Events != rep.Events || len(dry.Identifiers) != len(rep.Identifiers) {
		t.Errorf("dry run %+v differs from the erase %+v", dry, rep)
	}
	after, _ := st.Totals(ctx)
	if after.Identities != before.Identities-3 || after.Events != before.Events-rep.Events || after.Rejects != before.Rejects-1 ||
		after.Links != before.Links-rep.Links || after.ProfileRows != before.ProfileRows-2 {
		t.Errorf("totals %+v -> %+v do not match the report %+v", before, after, rep)
	}
	for _, x := range []string{"C1", "k1", "+441"} {
		if _, err := st.Profile(ctx, x, 0); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("profile %s after erase: %v", x, err)
		}
	}
	if _, err := Restitch(ctx, st); err != nil {
		t.Fatal(err)
	}
	p, err := st.Profile(ctx, "home@x.com", 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := idSet(p); got != "crm_id:C2 email:home@x.com phone:+442" {
		t.Errorf("after erase and re-stitch the household email's customer is %q, want C2's", got)
	}
	if p.Events != 2 {
		t.Errorf("C2 events = %d, want 2 (own page view and the household email open)", p.Events)
	}
	checkConsistent(t, st)
}
