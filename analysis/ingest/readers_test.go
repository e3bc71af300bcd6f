package ingest_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/journeyworkbench/workbench/analysis/ingest"
)

// Reference instants (UTC ms): 2026-02-03T04:05:06Z and 2026-07-13.
const (
	feb3t040506 = int64(1770091506000)
	jul13       = int64(1767225600000 + 193*86400000)
)

const crmCSV = "\xEF\xBB\xBFcrm_id,email,phone,first_name,last_name,region,loyalty_tier,loyalty_card,signup_date,consent_email,consent_sms,consent_push,consent_call,updated_at\r\n" +
	"C0000001, Jane.Doe@Example.com ,+447700900123,Jane,\"Doe, Jr\",London,gold,LC0000000001,2025-03-04,true,false,,true,2026-02-03T04:05:06Z\r\n" +
	"C0000002,,,\"Bob \"\"B\"\"\",Smith,Wales,,,2025-05-06,false,false,false,false,2026-02-03T04:05:06Z\r\n" +
	"C0000003,not-an-email,,Al,Ng,North,,,2025-05-06,,,,,2026-02-03T04:05:06Z\r\n" +
	"C0000004,a@b.com,,Al,Ng,North,,,2025-05-06,maybe,,,,2026-02-03T04:05:06Z\r\n"

func TestCRM(t *testing.T) {
	res := mustRead(t, "crm_customers.csv", crmCSV, ingest.Options{})
	if res.det.Kind != ingest.KindCRM || res.det.Delimiter != ',' {
		t.Fatalf("detected %+v", res.det)
	}
	if len(res.recs) != 2 || len(res.rejects) != 2 {
		t.Fatalf("%d records, %d rejects: %v", len(res.recs), len(res.rejects), res.rejects)
	}
	r := res.recs[0]
	if r.Kind != ingest.KindProfile || r.Line != 2 || r.LinkReason != "crm record" || r.Time != feb3t040506 {
		t.Errorf("record 1: %+v", r)
	}
	if got, want := ids(r), "crm_id=C0000001 email=jane.doe@example.com phone=+447700900123 loyalty_card=LC0000000001"; got != want {
		t.Errorf("ids %q, want %q", got, want)
	}
	if r.Traits["last_name"] != "Doe, Jr" || r.Traits["loyalty_tier"] != "gold" || r.Traits["signup_date"] != "2025-03-04" || r.Traits["region"] != "London" {
		t.Errorf("traits %v", r.Traits)
	}
	if len(r.Consents) != 3 || !r.Consents["email"] || r.Consents["sms"] || !r.Consents["call"] {
		t.Errorf("consents %v (push is unknown and must be absent)", r.Consents)
	}
	if _, ok := r.Consents["push"]; ok {
		t.Errorf("empty consent_push recorded")
	}
	if r2 := res.recs[1]; ids(r2) != "crm_id=C0000002" || r2.Traits["first_name"] != `Bob "B"` || r2.Line != 3 {
		t.Errorf("record 2: %+v", r2)
	}
	if !strings.Contains(res.rejects[0].Reason, "invalid email") || res.rejects[0].Line != 4 {
		t.Errorf("reject 1: %+v", res.rejects[0])
	}
	if !strings.Contains(res.rejects[1].Reason, "consent_email") || res.rejects[1].Line != 5 {
		t.Errorf("reject 2: %+v", res.rejects[1])
	}
}

func TestSampleEventExports(t *testing.T) {
	tests := []struct {
		name, content, kind string
		delim               rune
		want                []string // per record: line|ids|time|channel|type|campaign|revenue|dedup
		rejects             []string // per reject: line|reason substring
	}{
		{
			name: "email_events.csv", kind: ingest.KindEmail, delim: ',',
			content: "event_id,timestamp,email,campaign_id,event,url\n" +
				"E1,2026-02-03T04:05:06.789Z,Jane@X.com,spring,click,https://x.test/y\n" +
				"E2,N/A,jane@x.com,spring,open,\n",
			want:    []string{"2|email=jane@x.com|1770091506789|email|click|spring|-|E1"},
			rejects: []string{`3|timestamp: date-time "N/A": not a recognised date-time`},
		},
		{
			name: "sms_events.csv", kind: ingest.KindSMS, delim: ';',
			content: "message_sid;to;campaign;status;date_created\n" +
				"SM1;+447700900123;spring;delivered;1770091506\n" +
				"SM2;;spring;sent;1770091506\n",
			want:    []string{"2|phone=+447700900123|1770091506000|sms|delivered|spring|-|SM1"},
			rejects: []string{"3|no customer identifier: to is empty"},
		},
		{
			name: "push_events.tsv", kind: ingest.KindPush, delim: '\t',
			content: "device_token\tcampaign\tevent\tts_ms\n" +
				"dev-0123456789abcdef\tspring\topened\t1770091506789\n",
			want: []string{"2|device_id=dev-0123456789abcdef|1770091506789|push|opened|spring|-|"},
		},
		{
			name: "call_centre.csv", kind: ingest.KindCallCentre, delim: ',',
			content: "call_id,phone,started_at,duration_s,reason,outcome,agent_id\n" +
				"K1,07700 900123,03/02/2026 04:05,300,returns,resolved,A1\n" +
				"K2,,14/02/2026 09:00,60,delivery,resolved,A2\n" +
				"K3,07700 900124,13/07/2026 10:00,120,complaint,escalated,A1\n",
			want: []string{
				"2|phone=+447700900123|1770091500000|call_centre|call||-|K1",
				fmt.Sprintf("4|phone=+447700900124|%d|call_centre|call||-|K3", jul13+9*3600000),
			},
			rejects: []string{"3|no customer identifier: phone is empty"},
		},
		{
			name: "store_transactions.csv", kind: ingest.KindStore, delim: ',',
			content: "receipt_id,store_id,timestamp,loyalty_card,email,amount,currency,items\n" +
				"R1,S01,2026-02-03 04:05:06 +0100,LC0000000001,Jane@x.com,59.99,GBP,3\n" +
				"R2,S01,2026-02-03 04:05:06 +0000,,jane@x.com,\"12,99€\",GBP,1\n" +
				"R3,S01,2026-02-03 04:05:06 +0000,LC0000000001,,-5.00,GBP,1\n" +
				"R4,S02,2026-02-03 04:05:06 +0000,,,10.00,GBP,1\n" +
				"R5,S02,2026-02-03 04:05:06 +0000,,jane@x.com,0.00,GBP,1\n",
			want: []string{
				"2|loyalty_card=LC0000000001 email=jane@x.com|1770087906000|store|purchase||59.99|R1",
				"6|email=jane@x.com|1770091506000|store|purchase||0|R5",
			},
			rejects: []string{`3|amount "12,99€" is not a number`, `4|amount "-5.00" is negative`, "5|no customer identifier: loyalty_card, email are all empty"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := mustRead(t, tc.name, tc.content, ingest.Options{})
			if res.det.Kind != tc.kind || res.det.Delimiter != tc.delim {
				t.Fatalf("detected kind %q delimiter %q, want %q %q", res.det.Kind, res.det.Delimiter, tc.kind, tc.delim)
			}
			var got []string
			for _, r := range res.recs {
				rev := "-"
				if r.HasRevenue {
					rev = fmt.Sprint(r.Revenue)
				}
				if r.Kind != ingest.KindEvent {
					t.Errorf("kind %v", r.Kind)
				}
				got = append(got, fmt.Sprintf("%d|%s|%d|%s|%s|%s|%s|%s", r.Line, ids(r), r.Time, r.Channel, r.Type, r.Campaign, rev, r.DedupKey))
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("records:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
			if len(res.rejects) != len(tc.rejects) {
				t.Fatalf("rejects %v, want %v", res.rejects, tc.rejects)
			}
			for i, re := range res.rejects {
				line, reason, _ := strings.Cut(tc.rejects[i], "|")
				if fmt.Sprint(re.Line) != line || !strings.Contains(re.Reason, reason) || re.File != tc.name || re.Raw == "" {
					t.Errorf("reject %+v, want line %s reason containing %q", re, line, reason)
				}
			}
		})
	}
}

func TestCallCentreProps(t *testing.T) {
	res := mustRead(t, "call_centre.csv", "call_id,phone,started_at,duration_s,reason,outcome,agent_id\nK1,07700 900123,13/02/2026 10:00,300,returns,resolved,A1\n", ingest.Options{})
	p := res.recs[0].Props
	if p["reason"] != "returns" || p["outcome"] != "resolved" || p["duration_s"] != "300" || p["agent_id"] != "A1" || len(p) != 4 {
		t.Errorf("props %v", p)
	}
	if len(res.det.Notes) == 0 {
		t.Errorf("no note about Europe/London or the date order")
	}
}

func TestCallCentreAmbiguousDates(t *testing.T) {
	in := "call_id,phone,started_at,duration_s,reason,outcome,agent_id\nK1,07700 900123,03/02/2026 10:00,300,returns,resolved,A1\n"
	_, err := readAll(t, "calls.csv", in, ingest.Options{})
	if err == nil || !strings.Contains(err.Error(), "ambiguous date order in column started_at") || !strings.Contains(err.Error(), "--date-order dmy or mdy") {
		t.Fatalf("want an ambiguous date order error, got %v", err)
	}
	res := mustRead(t, "calls.csv", in, ingest.Options{DateOrder: "mdy"})
	// 2 March 2026 10:00 GMT.
	if res.recs[0].Time != 1767225600000+60*86400000+10*3600000 {
		t.Errorf("mdy time %d", res.recs[0].Time)
	}
}

const decisionsHeader = "decision_id,customer_id,timestamp,trigger,ctx_recency_days,ctx_orders_90d,ctx_cart_value,ctx_loyalty_tier,ctx_region,ctx_last_channel,ctx_consent_email,ctx_consent_sms,ctx_consent_push,ctx_consent_call,action,propensity,converted,revenue,cost,reward\n"

func TestDecisions(t *testing.T) {
	in := decisionsHeader +
		"D1,C0000001,2026-02-03T04:05:06Z,cart_abandon,3,2,59.90,gold,London,web,true,true,false,false,sms_discount,0.25,1,59.90,6.39,53.51\n" +
		"D2,jane@x.com,2026-02-03T04:05:06Z,lapse,40,0,0,,North,email,true,false,false,false,none,1,0,0,0,0\n" +
		"D3,C0000002,2026-02-03T04:05:06Z,lapse,40,0,0,,North,email,true,false,false,false,email_offer,1.5,0,0,0.10,-0.10\n" +
		"D4,C0000002,2026-02-03T04:05:06Z,lapse,40,0,0,,North,email,true,false,false,false,email_offer,0,0,0,0.10,-0.10\n" +
		"D5,C0000002,2026-02-03T04:05:06Z,lapse,40,0,0,,North,email,true,false,false,false,email_offer,0.5,0,0,0.10,abc\n" +
		"D6,C0000002,2026-02-03T04:05:06Z,lapse,40,0,0,,North,email,true,false,false,false,email_offer,0.5,0,0,0.10,-0.10\n"
	res := mustRead(t, "decisions.csv", in, ingest.Options{})
	if res.det.Kind != ingest.KindDecisions {
		t.Fatalf("kind %q", res.det.Kind)
	}
	if len(res.recs) != 3 || len(res.rejects) != 3 {
		t.Fatalf("%d records %d rejects %v", len(res.recs), len(res.rejects), res.rejects)
	}
	r := res.recs[0]
	d := r.Decision
	if r.Kind != ingest.KindDecision || ids(r) != "crm_id=C0000001" || r.DedupKey != "D1" || r.Time != feb3t040506 {
		t.Errorf("record %+v", r)
	}
	if d.Action != "sms_discount" || d.Propensity != 0.25 || !d.Converted || d.Revenue != 59.90 || d.Cost != 6.39 || d.Reward != 53.51 || d.Trigger != "cart_abandon" {
		t.Errorf("decision %+v", d)
	}
	if len(d.Context) != 10 || d.Context["loyalty_tier"] != "gold" || d.Context["cart_value"] != "59.90" {
		t.Errorf("context %v", d.Context)
	}
	if ids(res.recs[1]) != "email=jane@x.com" {
		t.Errorf("customer_id type by shape: %s", ids(res.recs[1]))
	}
	if res.recs[2].Decision.Reward != -0.10 {
		t.Errorf("negative reward must load: %+v", res.recs[2].Decision)
	}
	for i, want := range []string{"outside (0, 1]", "outside (0, 1]", `reward "abc" is not a number`} {
		if !strings.Contains(res.rejects[i].Reason, want) {
			t.Errorf("reject %d: %q, want %q", i, res.rejects[i].Reason, want)
		}
	}
}

func TestDecisionsMissingColumn(t *testing.T) {
	_, err := readAll(t, "d.csv", "customer_id,timestamp,action,propensity\nC1,2026-01-01,none,1\n", ingest.Options{})
	if err == nil || !strings.Contains(err.Error(), "no reward column") || !strings.Contains(err.Error(), "--map reward=COLUMN") {
		t.Fatalf("err = %v", err)
	}
}

const (
	segPage = `{"type":"page","messageId":"m1","anonymousId":"0b5b8f3c-8c1f-4c4e-9d3f-6b0a4f1d2e3a","name":"Product","properties":{"path":"/product/P123","url":"https://shop.test/product/P123","referrer":""},"context":{"channel":"web","campaign":{"name":"spring","source":"email"}},"timestamp":"2026-02-03T05:05:06.000+01:00","originalTimestamp":"2026-02-03T05:05:06.000+01:00","sentAt":"2026-02-03T04:05:07.000Z","receivedAt":"2026-02-03T04:05:07.000Z"}`
	// The device clock is 10 s fast: sentAt says 04:05:16 but the server
	// received it at 04:05:07, so the event happened at 04:04:57Z; the
	// timestamp field is deliberately wrong to prove the rule is used.
	segTrackSkew = `{"type":"track","messageId":"m2","userId":"C0000001","anonymousId":"0b5b8f3c-8c1f-4c4e-9d3f-6b0a4f1d2e3a","event":"Order Completed","properties":{"revenue":59.99,"order_id":"O1","currency":"GBP"},"context":{"channel":"app","device":{"id":"dev-0123456789abcdef"},"os":{"name":"iOS"}},"timestamp":"2026-02-03T00:00:00Z","originalTimestamp":"2026-02-03T05:05:06.000+01:00","sentAt":"2026-02-03T04:05:16.000Z","receivedAt":"2026-02-03T04:05:07.000Z"}`
	segIdentify  = `{"type":"identify","messageId":"m3","userId":"C0000001","anonymousId":"0b5b8f3c-8c1f-4c4e-9d3f-6b0a4f1d2e3a","traits":{"email":" Jane@X.com","phone":"07700 900123","plan":"gold"},"timestamp":"2026-02-03T04:05:06Z"}`
	segAlias     = `{"type":"alias","messageId":"m4","userId":"C0000001","previousId":"1c6c9f4d-9d2a-4d5f-8e4a-7c1b5a2e3f4b","timestamp":"2026-02-03T04:05:06Z"}`
	segScreen    = `{"type":"screen","messageId":"m5","anonymousId":"1c6c9f4d-9d2a-4d5f-8e4a-7c1b5a2e3f4b","name":"Cart","context":{"device":{"id":"dev-0123456789abcdef"}},"originalTimestamp":"2026-02-03T04:05:06Z"}`
	segGroup     = `{"type":"group","messageId":"m6","userId":"C0000001","groupId":"G1","traits":{"name":"Acme"},"timestamp":"2026-02-03T04:05:06Z"}`
)

func TestSegment(t *testing.T) {
	in := segPage + "\n" + segTrackSkew + "\r\n" + segIdentify + "\n\n" + segAlias + "\n" + segScreen + "\n" + segGroup + "\n" +
		segPage[:80] + "\n" + // truncated
		`{"type":"track","messageId":"m7","anonymousId":"a1","event":"X","context":{"channel":"app"}}` + "\n" +
		`{"type":"track","messageId":"m8","anonymousId":"a1","event":"Order Completed","properties":{"revenue":"12,99"},"timestamp":"2026-02-03T04:05:06Z"}` + "\n" +
		`{"type":"flush","messageId":"m9","anonymousId":"a1","timestamp":"2026-02-03T04:05:06Z"}` + "\n" +
		`{"type":"page","messageId":"m10","timestamp":"2026-02-03T04:05:06Z"}` + "\n" +
		`[1,2]` + "\n"
	res := mustRead(t, "web_events.jsonl", in, ingest.Options{})
	if res.det.Kind != ingest.KindSegment {
		t.Fatalf("kind %q", res.det.Kind)
	}
	if len(res.recs) != 6 {
		t.Fatalf("%d records: %+v; rejects %v", len(res.recs), res.recs, res.rejects)
	}
	p := res.recs[0]
	if p.Kind != ingest.KindEvent || p.Type != "page_view" || p.Channel != "web" || p.Campaign != "spring" || p.DedupKey != "m1" ||
		p.Props["name"] != "Product" || p.Props["path"] != "/product/P123" || p.Props["campaign_source"] != "email" || p.Time != feb3t040506 {
		t.Errorf("page %+v", p)
	}
	if ids(p) != "anonymous_id=0b5b8f3c-8c1f-4c4e-9d3f-6b0a4f1d2e3a" {
		t.Errorf("page ids %s", ids(p))
	}
	tr := res.recs[1]
	if tr.Time != feb3t040506-9000 || tr.Line != 2 {
		t.Errorf("skew rule: time %d line %d, want %d line 2", tr.Time, tr.Line, feb3t040506-9000)
	}
	if tr.Type != "Order Completed" || !tr.HasRevenue || tr.Revenue != 59.99 || tr.Channel != "app" || tr.Props["order_id"] != "O1" || tr.Props["os"] != "iOS" {
		t.Errorf("track %+v", tr)
	}
	if ids(tr) != "crm_id=C0000001 anonymous_id=0b5b8f3c-8c1f-4c4e-9d3f-6b0a4f1d2e3a device_id=dev-0123456789abcdef" || tr.LinkReason == "" {
		t.Errorf("track ids %s (%s)", ids(tr), tr.LinkReason)
	}
	id := res.recs[2]
	if id.Kind != ingest.KindProfile || id.LinkReason != "identify" || id.Traits["plan"] != "gold" || len(id.Traits) != 1 || id.Line != 3 {
		t.Errorf("identify %+v", id)
	}
	if ids(id) != "crm_id=C0000001 anonymous_id=0b5b8f3c-8c1f-4c4e-9d3f-6b0a4f1d2e3a email=jane@x.com phone=+447700900123" {
		t.Errorf("identify ids %s", ids(id))
	}
	al := res.recs[3]
	if al.Kind != ingest.KindLink || al.LinkReason != "alias" || ids(al) != "crm_id=C0000001 anonymous_id=1c6c9f4d-9d2a-4d5f-8e4a-7c1b5a2e3f4b" || al.Line != 5 {
		t.Errorf("alias %+v", al)
	}
	sc := res.recs[4]
	if sc.Type != "screen_view" || sc.Channel != "app" || sc.Props["name"] != "Cart" || sc.Time != feb3t040506 {
		t.Errorf("screen %+v", sc)
	}
	if g := res.recs[5]; g.Kind != ingest.KindProfile || g.Traits["group_id"] != "G1" || g.Traits["group.name"] != "Acme" {
		t.Errorf("group %+v", g)
	}
	wantRejects := []struct {
		line   int64
		reason string
	}{
		{8, "truncated"},
		{9, "no timestamp, originalTimestamp or receivedAt"},
		{10, `properties.revenue "12,99" is not a number`},
		{11, `type "flush" is not a Segment message type`},
		{12, "no userId or anonymousId"},
		{13, "not a JSON object"},
	}
	if len(res.rejects) != len(wantRejects) {
		t.Fatalf("rejects %v", res.rejects)
	}
	for i, w := range wantRejects {
		if re := res.rejects[i]; re.Line != w.line || !strings.Contains(re.Reason, w.reason) {
			t.Errorf("reject %d = %d %q, want %d %q", i, re.Line, re.Reason, w.line, w.reason)
		}
	}
}

// TestSegmentTimestampFallback: without sentAt the timestamp field is used.
func TestSegmentTimestampFallback(t *testing.T) {
	in := `{"type":"track","event":"E","anonymousId":"a","timestamp":"2026-02-03T04:05:06Z","originalTimestamp":"2026-02-03T04:00:00Z","receivedAt":"2026-02-03T04:10:00Z"}` + "\n" +
		`{"type":"track","event":"E","anonymousId":"a","receivedAt":"2026-02-03T04:05:06Z"}` + "\n"
	res := mustRead(t, "s.jsonl", in, ingest.Options{})
	if len(res.recs) != 2 || res.recs[0].Time != feb3t040506 || res.recs[1].Time != feb3t040506 {
		t.Fatalf("%+v %v", res.recs, res.rejects)
	}
}

// TestPM4PyRunningExample loads the pm4py running example (comma) and its
// broken variant (semicolon) with no options as event logs: 42 events in
// 6 cases for the first, the first event of case 3 at
// 2010-12-30T13:32:00Z (14:32+01:00), rows in file order.
func TestPM4PyRunningExample(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "shared", "reference", "pm4py-running-example")
	if _, err := os.Stat(dir); err != nil {
		dir = "/work/shared/reference/pm4py-running-example"
	}
	for _, tc := range []struct {
		file          string
		events, cases int
		delim         rune
	}{{"running-example.csv", 42, 6, ','}, {"running_example_broken.csv", 34, 6, ';'}} {
		r, det, err := ingest.Open(filepath.Join(dir, tc.file), ingest.Options{})
		if err != nil {
			t.Fatal(err)
		}
		res, err := drain(t, r, det)
		if err != nil {
			t.Fatal(err)
		}
		if det.Kind != ingest.KindEventLog || det.Delimiter != tc.delim {
			t.Errorf("%s: detected %+v", tc.file, det)
		}
		if len(res.recs) != tc.events || len(res.rejects) != 0 {
			t.Fatalf("%s: %d events %d rejects", tc.file, len(res.recs), len(res.rejects))
		}
		cases := map[string]bool{}
		for i, rec := range res.recs {
			if rec.Line != int64(i+2) || rec.Channel != "process" || len(rec.IDs) != 1 || rec.IDs[0].Type != ingest.IDCase {
				t.Fatalf("%s: record %d: %+v", tc.file, i, rec)
			}
			cases[rec.IDs[0].Value] = true
		}
		if len(cases) != tc.cases {
			t.Errorf("%s: %d cases", tc.file, len(cases))
		}
		first := res.recs[0]
		if first.IDs[0].Value != "3" || first.Type != "register request" || first.Time != 1293715920000 {
			t.Errorf("%s: first event %+v", tc.file, first)
		}
	}
}

func TestSniffDelimiter(t *testing.T) {
	tests := []struct {
		in   string
		want rune
	}{
		{"customer_id,timestamp,event\nC1,2026-01-01,a\n", ','},
		{"customer_id;timestamp;event\nC1;2026-01-01;a,b\nC2;2026-01-01;c,d,e\n", ';'},
		{"customer_id\ttimestamp\tevent\nC1\t2026-01-01\t\"a;b;c\"\n", '\t'},
		{"customer_id|timestamp|event\nC1|2026-01-01|\"x,y\"\n", '|'},
		{"customer_id,timestamp,event\nC1,2026-01-01,\"a;b\nc;d\"\nC2,2026-01-01,e\n", ','},
	}
	for _, tc := range tests {
		res := mustRead(t, "x.csv", tc.in, ingest.Options{})
		if res.det.Delimiter != tc.want {
			t.Errorf("%q: delimiter %q, want %q", tc.in, res.det.Delimiter, tc.want)
		}
		if len(res.rejects) != 0 {
			t.Errorf("%q: rejects %v", tc.in, res.rejects)
		}
	}
}

func TestQuotedNewlineLine(t *testing.T) {
	in := "customer_id,timestamp,event,note\r\nC1,2026-01-01,a,\"two\r\nlines\"\r\nC2,2026-01-01,b,x\r\n"
	res := mustRead(t, "x.csv", in, ingest.Options{})
	if len(res.recs) != 2 || res.recs[0].Props["note"] != "two\nlines" || res.recs[1].Line != 4 {
		t.Fatalf("%+v %v", res.recs, res.rejects)
	}
}

func TestGenericRoles(t *testing.T) {
	in := "User_ID;Email;Event Time;Event_Type;Channel;UTM_Campaign;Amount;Message_ID;sku\n" +
		"C0000001;jane@x.com;2026-02-03T04:05:06Z;purchase;web;spring;10.50;M1;A\n" +
		"U-77;;2026-02-03T04:05:06Z;view;app;;;M2;\n"
	res := mustRead(t, "orders.csv", in, ingest.Options{})
	if res.det.Kind != ingest.KindCSV {
		t.Fatalf("kind %q", res.det.Kind)
	}
	want := map[string]string{"customer": "", "user_id": "User_ID", "email": "Email", "time": "Event Time", "type": "Event_Type", "channel": "Channel", "campaign": "UTM_Campaign", "revenue": "Amount", "event_id": "Message_ID"}
	for role, col := range want {
		if col != "" && res.det.Columns[role] != col {
			t.Errorf("role %s -> %q, want %q (%v)", role, res.det.Columns[role], col, res.det.Columns)
		}
	}
	if len(res.recs) != 2 {
		t.Fatalf("%v", res.rejects)
	}
	r := res.recs[0]
	if ids(r) != "crm_id=C0000001 email=jane@x.com" || r.Type != "purchase" || r.Channel != "web" || r.Campaign != "spring" || r.Revenue != 10.5 || r.DedupKey != "M1" || r.Props["sku"] != "A" || len(r.Props) != 1 {
		t.Errorf("%+v", r)
	}
	if ids(res.recs[1]) != "user_id=U-77" || res.recs[1].HasRevenue || res.recs[1].Props != nil {
		t.Errorf("%+v", res.recs[1])
	}
}

func TestGenericDefaultChannel(t *testing.T) {
	in := "email,date,activity\njane@x.com,2026-02-03,signup\n"
	res := mustRead(t, "/data/newsletter.csv", in, ingest.Options{Kind: "csv"})
	if res.recs[0].Channel != "newsletter" {
		t.Errorf("channel %q", res.recs[0].Channel)
	}
	res = mustRead(t, "/data/newsletter.csv", in, ingest.Options{Kind: "csv", Channel: "email"})
	if res.recs[0].Channel != "email" || res.recs[0].Type != "signup" {
		t.Errorf("%+v", res.recs[0])
	}
}

func TestMapping(t *testing.T) {
	in := "cust,EventDate,src,what,ref\nC0000009,13/02/2026 10:00,shop,visit,r1\nC0000010,14/02/2026 10:00,shop,visit,r2\n"
	opt := ingest.Options{Map: map[string]string{"customer": "cust", "time": "EventDate", "channel": "src", "activity": "what", "event_id": "ref"}}
	res := mustRead(t, "x.csv", in, opt)
	r := res.recs[0]
	if ids(r) != "crm_id=C0000009" || r.Channel != "shop" || r.Type != "visit" || r.DedupKey != "r1" || r.Time != 1767225600000+43*86400000+10*3600000 {
		t.Errorf("%+v", r)
	}
	// The same through a mapping file, with a custom identifier type.
	mf := filepath.Join(t.TempDir(), "map.txt")
	os.WriteFile(mf, []byte("# columns of the shop export\ncustomer = cust\ntime: EventDate\nchannel=src\nactivity=what\nid.shop_ref=ref\ndate_order=dmy\n"), 0o644)
	res = mustRead(t, "x.csv", in, ingest.Options{MapFile: mf})
	if r2 := res.recs[1]; ids(r2) != "crm_id=C0000010 shop_ref=r2" || r2.Type != "visit" || r2.Channel != "shop" {
		t.Errorf("%+v", r2)
	}
	// Errors that say what to do.
	for _, tc := range []struct {
		opt  ingest.Options
		want string
	}{
		{ingest.Options{Map: map[string]string{"time": "When"}}, `column "When" (mapped to role time) is not in the header`},
		{ingest.Options{Map: map[string]string{"colour": "src"}}, `role "colour" is not known`},
		{ingest.Options{Kind: "parquet"}, `kind "parquet" is not known`},
		{ingest.Options{DateOrder: "ymd"}, "use dmy"},
		{ingest.Options{MapFile: filepath.Join(t.TempDir(), "missing.txt")}, "mapping file"},
	} {
		_, err := readAll(t, "x.csv", in, tc.opt)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: err %v, want %q", tc.opt, err, tc.want)
		}
	}
}

func TestNormalizeID(t *testing.T) {
	tests := []struct {
		typ       ingest.IDType
		in, want  string
		wantError bool
	}{
		{ingest.IDEmail, "  Jane.Doe@Example.COM ", "jane.doe@example.com", false},
		{ingest.IDEmail, "jane@localhost", "", true},
		{ingest.IDEmail, "a@b@c.com", "", true},
		{ingest.IDEmail, "jane doe@x.com", "", true},
		{ingest.IDPhone, "07700 900123", "+447700900123", false},
		{ingest.IDPhone, "+44 7700 900123", "+447700900123", false},
		{ingest.IDPhone, "0044 (7700) 900-123", "+447700900123", false},
		{ingest.IDPhone, "+1 415 555 0100", "+14155550100", false},
		{ingest.IDPhone, "+44 (0)7700 900123", "+447700900123", false},
		{ingest.IDPhone, "0712345", "", true},
		{ingest.IDPhone, "12ab", "", true},
		{ingest.IDPhone, "+44", "", true},
		{ingest.IDCRM, " C0001234 ", "C0001234", false},
		{ingest.IDDevice, "   ", "", true},
	}
	for _, tc := range tests {
		got, err := ingest.NormalizeID(tc.typ, tc.in)
		if (err != nil) != tc.wantError || got != tc.want {
			t.Errorf("NormalizeID(%s, %q) = %q, %v", tc.typ, tc.in, got, err)
		}
	}
}

func TestDetectIDType(t *testing.T) {
	for in, want := range map[string]ingest.IDType{
		"C0001234": ingest.IDCRM, "jane@x.com": ingest.IDEmail, "+447700900123": ingest.IDPhone, "07700 900123": ingest.IDPhone,
		"LC0123456789": ingest.IDLoyaltyCard, "dev-0123456789abcdef": ingest.IDDevice, "0b5b8f3c-8c1f-4c4e-9d3f-6b0a4f1d2e3a": ingest.IDAnonymous,
		"U-77": ingest.IDUser, "12345": ingest.IDUser,
	} {
		if got := ingest.DetectIDType(in, ingest.IDUser); got != want {
			t.Errorf("DetectIDType(%q) = %s, want %s", in, got, want)
		}
	}
}

func ExampleNormalizeID() {
	v, _ := ingest.NormalizeID(ingest.IDPhone, "07700 900123")
	e, _ := ingest.NormalizeID(ingest.IDEmail, " Jane.Doe@Example.com")
	fmt.Println(v, e)
	// Output: +447700900123 jane.doe@example.com
}

func ExampleNewReader() {
	in := "customer_id;timestamp;event\nC0000001;2026-02-03 04:05:06+0100;signup\n"
	r, det, err := ingest.NewReader(strings.NewReader(in), "signups.csv", ingest.Options{Channel: "web"})
	if err != nil {
		fmt.Println(err)
		return
	}
	rec, _ := r.Next()
	fmt.Println(det.Kind, string(det.Delimiter), rec.IDs[0].Type, rec.IDs[0].Value, rec.Time, rec.Channel, rec.Type)
	// Output: csv ; crm_id C0000001 1770087906000 web signup
}

func TestSegmentTopLevelChannel(t *testing.T) {
	in := `{"type":"track","event":"E","anonymousId":"a","channel":"mobile","timestamp":"2026-02-03T04:05:06Z"}` + "\n" +
		`{"type":"track","event":"E","anonymousId":"a","channel":"browser","context":{"channel":"kiosk"},"timestamp":"2026-02-03T04:05:06Z"}` + "\n" +
		`{"type":"track","event":"E","anonymousId":"a","timestamp":"2026-02-03T04:05:06Z"}` + "\n"
	res := mustRead(t, "s.jsonl", in, ingest.Options{})
	var got []string
	for _, r := range res.recs {
		got = append(got, r.Channel)
	}
	if strings.Join(got, ",") != "app,kiosk,web" {
		t.Errorf("channels %v, want app,kiosk,web", got)
	}
}

// TestMappedColumnNotReused: a column mapped to one role is not also
// taken by another role's default names.
func TestMappedColumnNotReused(t *testing.T) {
	in := "event,timestamp,kind\nC0000001,2026-02-03T04:05:06Z,visit\n"
	res := mustRead(t, "x.csv", in, ingest.Options{Map: map[string]string{"customer": "event", "type": "kind"}})
	if r := res.recs[0]; ids(r) != "crm_id=C0000001" || r.Type != "visit" {
		t.Errorf("%+v", r)
	}
}
