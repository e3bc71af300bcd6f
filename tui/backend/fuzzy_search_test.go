package backend_test

import (
	"context"
	"strings"
	"testing"

	"github.com/journeyworkbench/workbench/sample"
	"github.com/journeyworkbench/workbench/tui/backend/backendtest"
)

// A query that is only a subsequence of a customer's email (every other
// letter of its local part dropped) finds that customer, and the same
// email typed in full (upper case) is the first row.
func TestSearchCustomersFuzzySubsequence(t *testing.T) {
	b := backendtest.Open(t)
	sd, _ := backendtest.Fixture(t)
	truth, err := sample.ReadTruth(sd)
	if err != nil {
		t.Fatal(err)
	}
	var email string
	for _, id := range truth.Identities {
		if id.Type == "email" && !id.Shared && strings.Index(id.Value, "@") >= 8 {
			email = id.Value
			break
		}
	}
	if email == "" {
		t.Fatal("no email in the fixture")
	}
	local := email[:strings.Index(email, "@")]
	var q strings.Builder
	for i, r := range local {
		if i%2 == 0 {
			q.WriteRune(r)
		}
	}
	query := q.String()
	if strings.Contains(email, query) {
		t.Fatalf("query %q is a substring of %q; the test needs a subsequence", query, email)
	}
	rows, err := b.SearchCustomers(context.Background(), query, 50)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range rows {
		if r.Matched == "email:"+email {
			found = true
		}
	}
	if !found {
		t.Fatalf("subsequence %q of %s did not find it among %d rows", query, email, len(rows))
	}
	// The exact email still comes first when searched in full.
	rows, err = b.SearchCustomers(context.Background(), strings.ToUpper(email), 50)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 || rows[0].Matched != "email:"+email {
		t.Fatalf("exact email: first row %+v, want email:%s", rows, email)
	}
}
