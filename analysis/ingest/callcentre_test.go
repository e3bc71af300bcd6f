package ingest_test

import (
	"testing"

	"github.com/journeyworkbench/workbench/analysis/ingest"
)

// TestCallCentreCaller checks the call-centre export's caller columns: a
// verified customer number (typed crm_id by its shape) or the email the
// caller gave is linked to the phone ("call"); the phone stays the row's
// primary identifier; a row with no phone, number or email is rejected
// naming all three columns.
func TestCallCentreCaller(t *testing.T) {
	head := "call_id,phone,started_at,duration_s,reason,outcome,agent_id,customer_id,email\n"
	cases := []struct {
		name, row string
		ids       []ingest.Identifier
		reason    string
		reject    string
	}{
		{"verified customer", "K1,07700 900123,13/02/2026 04:05,300,returns,resolved,A1,C0000042,\n",
			[]ingest.Identifier{{Type: ingest.IDPhone, Value: "+447700900123"}, {Type: ingest.IDCRM, Value: "C0000042"}}, "call", ""},
		{"email given", "K2,07700 900124,14/02/2026 09:00,60,order_by_phone,order_placed,A2,,Jane.Doe1@Example.com\n",
			[]ingest.Identifier{{Type: ingest.IDPhone, Value: "+447700900124"}, {Type: ingest.IDEmail, Value: "jane.doe1@example.com"}}, "call", ""},
		{"phone only", "K3,07700 900125,14/02/2026 09:00,60,delivery,resolved,A2,,\n",
			[]ingest.Identifier{{Type: ingest.IDPhone, Value: "+447700900125"}}, "", ""},
		{"nothing", "K4,,14/02/2026 09:00,60,delivery,resolved,A2,,\n",
			nil, "", "no customer identifier: phone, customer_id, email are all empty"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := mustRead(t, "call_centre.csv", head+c.row, ingest.Options{})
			if c.reject != "" {
				if len(res.recs) != 0 || len(res.rejects) != 1 || res.rejects[0].Reason != c.reject {
					t.Fatalf("records %v rejects %v, want one reject %q", res.recs, res.rejects, c.reject)
				}
				return
			}
			if len(res.recs) != 1 {
				t.Fatalf("records %v rejects %v", res.recs, res.rejects)
			}
			r := res.recs[0]
			if len(r.IDs) != len(c.ids) {
				t.Fatalf("IDs %v, want %v", r.IDs, c.ids)
			}
			for i := range c.ids {
				if r.IDs[i] != c.ids[i] {
					t.Errorf("ID %d = %v, want %v", i, r.IDs[i], c.ids[i])
				}
			}
			if r.LinkReason != c.reason {
				t.Errorf("link reason %q, want %q", r.LinkReason, c.reason)
			}
			if _, ok := r.Props["customer_id"]; ok {
				t.Errorf("customer_id kept as a prop: %v", r.Props)
			}
		})
	}
}
