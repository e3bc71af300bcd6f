package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// Seeds: real rows in the sample's formats (sample/FORMATS.md) and the
// pm4py running example.
var csvSeeds = []string{
	"\xEF\xBB\xBFcrm_id,email,phone,first_name,last_name,region,loyalty_tier,loyalty_card,signup_date,consent_email,consent_sms,consent_push,consent_call,updated_at\r\n" +
		"C0000001, Jane.Doe@Example.com ,+447700900123,Jane,\"Doe, Jr\",London,gold,LC0000000001,2025-03-04,true,false,,true,2026-02-03T04:05:06Z\r\n",
	"event_id,timestamp,email,campaign_id,event,url\nE1,2026-02-03T04:05:06.789Z,jane@x.com,spring,click,https://x.test/y\nE2,N/A,jane@x.com,spring,open,\n",
	"message_sid;to;campaign;status;date_created\nSM1;+447700900123;spring;delivered;1770091506\n",
	"device_token\tcampaign\tevent\tts_ms\ndev-0123456789abcdef\tspring\topened\t1770091506789\n",
	"call_id,phone,started_at,duration_s,reason,outcome,agent_id\nK1,07700 900123,13/02/2026 10:00,300,returns,resolved,A1\nK2,,03/02/2026 10:00,60,delivery,resolved,A2\n",
	"receipt_id,store_id,timestamp,loyalty_card,email,amount,currency,items\nR1,S01,2026-02-03 04:05:06 +0100,LC0000000001,jane@x.com,59.99,GBP,3\nR2,S01,2026-02-03 04:05:06 +0000,,jane@x.com,\"12,99€\",GBP,1\n",
	"customer_id,timestamp,event,note\r\nC1,2026-01-01,a,\"two\r\nlines\"\r\nC2,2026-01-01,b,\"x\"\"y\"\r\n",
	"cust|when|what\nC1|02/13/2026 3:04 PM|x\n",
}

var decisionSeeds = []string{
	"decision_id,customer_id,timestamp,trigger,ctx_recency_days,ctx_orders_90d,ctx_cart_value,ctx_loyalty_tier,ctx_region,ctx_last_channel,ctx_consent_email,ctx_consent_sms,ctx_consent_push,ctx_consent_call,action,propensity,converted,revenue,cost,reward\n" +
		"D1,C0000001,2026-02-03T04:05:06Z,cart_abandon,3,2,59.90,gold,London,web,true,true,false,false,sms_discount,0.25,1,59.90,6.39,53.51\n" +
		"D2,jane@x.com,2026-02-03T04:05:06Z,lapse,40,0,0,,North,email,true,false,false,false,none,1,0,0,0,0\n",
	"customer_id,timestamp,action,propensity,reward\n+447700900123,1770091506,email_offer,0.5,-0.1\n",
}

var segmentSeeds = []string{
	`{"type":"page","messageId":"m1","anonymousId":"0b5b8f3c-8c1f-4c4e-9d3f-6b0a4f1d2e3a","name":"Product","properties":{"path":"/product/P123","url":"https://shop.test/product/P123","referrer":""},"context":{"channel":"web","campaign":{"name":"spring","source":"email"}},"timestamp":"2026-02-03T05:05:06.000+01:00","originalTimestamp":"2026-02-03T05:05:06.000+01:00","sentAt":"2026-02-03T04:05:07.000Z","receivedAt":"2026-02-03T04:05:07.000Z"}`,
	`{"type":"track","messageId":"m2","userId":"C0000001","anonymousId":"0b5b8f3c-8c1f-4c4e-9d3f-6b0a4f1d2e3a","event":"Order Completed","properties":{"revenue":59.99,"order_id":"O1","currency":"GBP","items":[{"sku":"P1"}]},"context":{"channel":"app","device":{"id":"dev-0123456789abcdef"},"os":{"name":"iOS"}},"timestamp":"2026-02-03T00:00:00Z","originalTimestamp":"2026-02-03T05:05:06.000+01:00","sentAt":"2026-02-03T04:05:16.000Z","receivedAt":"2026-02-03T04:05:07.000Z"}`,
	`{"type":"identify","messageId":"m3","userId":"C0000001","anonymousId":"a","traits":{"email":" Jane@X.com","phone":"07700 900123","plan":"g\u00f6ld \ud83d\ude00"},"timestamp":"2026-02-03T04:05:06Z"}`,
	`{"type":"alias","messageId":"m4","userId":"C0000001","previousId":"1c6c9f4d-9d2a-4d5f-8e4a-7c1b5a2e3f4b","timestamp":"2026-02-03T04:05:06Z"}`,
	`{"type":"screen","messageId":"m5","anonymousId":"x","name":"Cart","context":{"device":{"id":"dev-0123456789abcdef"}},"originalTimestamp":"2026-02-03T04:05:06Z"}`,
	`{"type":"group","userId":"u","groupId":"G1","traits":{"n":1e3,"ok":true,"none":null},"timestamp":"2026-02-03T04:05:06Z"}`,
	`{"type":"track","messageId":"m2","anonymousId":"a","ev`,
}

func pm4pySeeds() []string {
	var out []string
	for _, f := range []string{"running-example.csv", "running_example_broken.csv"} {
		for _, dir := range []string{"../../../shared/reference/pm4py-running-example/", "/work/shared/reference/pm4py-running-example/"} {
			if b, err := os.ReadFile(dir + f); err == nil {
				out = append(out, string(b))
				break
			}
		}
	}
	return out
}

// readAllFuzz drains a reader, checking that it never panics, that rows
// read = records + rejects, and that every record is well formed: at
// least one identifier, times inside [1970, 2100) except on profiles and
// links without a time, propensities in (0, 1].
func readAllFuzz(t *testing.T, data []byte, opt Options) {
	r, _, err := NewReader(bytes.NewReader(data), "fuzz", opt)
	if err != nil {
		if err.Error() == "" {
			t.Fatal("empty error message")
		}
		return
	}
	var recs, rejects int64
	for i := 0; ; i++ {
		if i > len(data)+10 {
			t.Fatalf("more results than bytes: the reader does not advance")
		}
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		var re *RowError
		if errors.As(err, &re) {
			if re.Reason == "" || re.Line < 1 {
				t.Fatalf("reject without reason or line: %+v", re)
			}
			rejects++
			continue
		}
		if err != nil {
			t.Fatalf("fatal error on an in-memory input: %v", err)
		}
		recs++
		if len(rec.IDs) == 0 || rec.Line < 1 {
			t.Fatalf("record without identifier or line: %+v", rec)
		}
		for _, id := range rec.IDs {
			if id.Value == "" || id.Type == "" {
				t.Fatalf("empty identifier: %+v", rec)
			}
		}
		if (rec.Kind == KindEvent || rec.Kind == KindDecision) && (rec.Time < minTimeMS || rec.Time >= maxTimeMS) {
			t.Fatalf("time out of range: %+v", rec)
		}
		if rec.Kind == KindDecision && !(rec.Decision.Propensity > 0 && rec.Decision.Propensity <= 1) {
			t.Fatalf("propensity out of range: %+v", rec.Decision)
		}
		if rec.HasRevenue && !(rec.Revenue >= 0) {
			t.Fatalf("negative revenue: %+v", rec)
		}
	}
	if recs+rejects != r.RowsRead() {
		t.Fatalf("%d records + %d rejects != %d rows read", recs, rejects, r.RowsRead())
	}
}

func FuzzCSV(f *testing.F) {
	for _, s := range csvSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		readAllFuzz(t, data, Options{MaxRowBytes: 1 << 10})
		readAllFuzz(t, data, Options{Kind: KindCSV, DateOrder: "dmy"})
	})
}

func FuzzEventLog(f *testing.F) {
	for _, s := range pm4pySeeds() {
		f.Add([]byte(s))
	}
	f.Add([]byte("case;activity;timestamp\n1;a;2026-01-01T00:00:00+01:00\n1;b;2026-01-01 00:10:00\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		readAllFuzz(t, data, Options{Kind: KindEventLog})
		readAllFuzz(t, data, Options{})
	})
}

func FuzzDecisions(f *testing.F) {
	for _, s := range decisionSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		readAllFuzz(t, data, Options{Kind: KindDecisions})
	})
}

// FuzzSegment reads the input as Segment JSON Lines and checks the JSON
// scanner against encoding/json: a valid-UTF-8 line is accepted exactly
// when json.Valid accepts it as an object (nesting up to the depth
// limit).
func FuzzSegment(f *testing.F) {
	for _, s := range segmentSeeds {
		f.Add([]byte(s))
	}
	f.Add([]byte(strings.Join(segmentSeeds, "\n")))
	f.Fuzz(func(t *testing.T, data []byte) {
		readAllFuzz(t, data, Options{Kind: KindSegment})
		if bytes.IndexByte(data, '\n') >= 0 || !utf8.Valid(data) {
			return
		}
		var js jsonScanner
		var sink leafSink
		reason := js.scanObject(string(data), &sink)
		trimmed := bytes.TrimLeft(data, " \t\r")
		want := json.Valid(data) && len(trimmed) > 0 && trimmed[0] == '{'
		if strings.Contains(reason, "nested deeper") {
			return
		}
		if (reason == "") != want {
			t.Fatalf("scanner says %q, json.Valid says %v for %q", reason, want, data)
		}
		if want {
			var m map[string]any
			dec := json.NewDecoder(bytes.NewReader(data))
			dec.UseNumber() // numbers such as 1e700 are valid JSON but overflow float64
			if err := dec.Decode(&m); err != nil {
				t.Fatal(err)
			}
			for path, v := range sink.leaves {
				if strings.Contains(path, ".") {
					continue
				}
				if s, ok := m[path].(string); ok && s != v {
					t.Fatalf("key %q: scanner %q, encoding/json %q", path, v, s)
				}
			}
		}
	})
}

type leafSink struct{ leaves map[string]string }

func (l *leafSink) leaf(path []byte, v string, k jsonKind) {
	if l.leaves == nil {
		l.leaves = map[string]string{}
	}
	l.leaves[string(path)] = v
}

// FuzzParseTime: no input panics; an accepted time is inside [1970, 2100);
// on RFC 3339 input it agrees with time.Parse (to the millisecond).
func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"2026-02-03T04:05:06.789Z", "2026-02-03 04:05:06 +0100", "13/02/2026 10:00", "02/13/2026 3:04 PM",
		"1770091506", "1770091506789", "2010-12-30 14:32:00+01:00", "Tue, 03 Feb 2026 04:05:06 +0000", "2026-02-03", "N/A", "13.02.2026"} {
		f.Add(s, uint8(0))
	}
	london, _ := time.LoadLocation("Europe/London")
	f.Fuzz(func(t *testing.T, s string, o uint8) {
		order := []byte{0, 'd', 'm'}[o%3]
		var loc *time.Location
		if o&4 != 0 {
			loc = london
		}
		ms, err := parseTime(s, order, loc)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error")
			}
			return
		}
		if ms < minTimeMS || ms >= maxTimeMS {
			t.Fatalf("parseTime(%q) = %d outside the range", s, ms)
		}
		if tm, err := time.Parse(time.RFC3339Nano, s); err == nil && strings.ContainsAny(s, "Zz+") {
			if want := tm.UnixMilli(); want != ms {
				t.Fatalf("parseTime(%q) = %d, time.Parse = %d", s, ms, want)
			}
		}
	})
}
