package ingest_test

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/journeyworkbench/workbench/analysis/ingest"
)

// benchRows builds n rows in the format of a sample export.
func benchRows(kind string, n int) []byte {
	var b bytes.Buffer
	ts := func(i int) string {
		return fmt.Sprintf("2026-%02d-%02dT%02d:%02d:%02d", 1+i%6, 1+i%28, i%24, i%60, (i*7)%60)
	}
	switch kind {
	case "crm":
		b.WriteString("\xEF\xBB\xBFcrm_id,email,phone,first_name,last_name,region,loyalty_tier,loyalty_card,signup_date,consent_email,consent_sms,consent_push,consent_call,updated_at\r\n")
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, "C%07d, Person%d@Example.com ,+4477009%05d,Jane,\"Doe, Jr\",London,gold,LC%010d,2025-03-04,true,false,,true,%sZ\r\n", i, i, i%100000, i, ts(i))
		}
	case "segment":
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, `{"type":"page","messageId":"%08x-8c1f-4c4e-9d3f-6b0a4f1d2e3a","anonymousId":"0b5b8f3c-8c1f-4c4e-9d3f-%012x","userId":"C%07d","name":"Product","properties":{"path":"/product/P123","url":"https://shop.example.com/product/P123","referrer":"https://shop.example.com/category/sofas"},"context":{"channel":"web","campaign":{"name":"spring","source":"email"},"userAgent":"Mozilla/5.0","ip":"203.0.113.9","library":{"name":"analytics.js","version":"5.2.0"}},"timestamp":"%s.000+01:00","originalTimestamp":"%s.000+01:00","sentAt":"%s.120Z","receivedAt":"%s.180Z"}`+"\n",
				i, i, i%300000, ts(i), ts(i), ts(i), ts(i))
		}
	case "email":
		b.WriteString("event_id,timestamp,email,campaign_id,event,url\n")
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, "E%09d,%s.789Z,person%d@example.com,spring_sale,click,https://shop.example.com/p\n", i, ts(i), i%300000)
		}
	case "sms":
		b.WriteString("message_sid;to;campaign;status;date_created\n")
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, "SM%032x;+4477009%05d;spring;delivered;%d\n", i, i%100000, 1767225600+i*37)
		}
	case "push":
		b.WriteString("device_token\tcampaign\tevent\tts_ms\n")
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, "dev-%016x\tspring\topened\t%d\n", i%300000, int64(1767225600000)+int64(i)*37123)
		}
	case "call_centre":
		b.WriteString("call_id,phone,started_at,duration_s,reason,outcome,agent_id\n")
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, "K%08d,07700 9%05d,%02d/%02d/2026 %02d:%02d,300,returns,resolved,A%03d\n", i, i%100000, 1+i%28, 1+i%6, 8+i%10, i%60, i%200)
		}
	case "store":
		b.WriteString("receipt_id,store_id,timestamp,loyalty_card,email,amount,currency,items\n")
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, "R%09d,S%02d,%s +0100,LC%010d,person%d@example.com,%d.99,GBP,3\n", i, i%40, strings.Replace(ts(i), "T", " ", 1), i%300000, i%300000, 10+i%90)
		}
	case "decisions":
		b.WriteString("decision_id,customer_id,timestamp,trigger,ctx_recency_days,ctx_orders_90d,ctx_cart_value,ctx_loyalty_tier,ctx_region,ctx_last_channel,ctx_consent_email,ctx_consent_sms,ctx_consent_push,ctx_consent_call,action,propensity,converted,revenue,cost,reward\n")
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, "D%09d,C%07d,%sZ,cart_abandon,3,2,59.90,gold,London,web,true,true,false,false,sms_discount,0.25,1,59.90,6.39,53.51\n", i, i%300000, ts(i))
		}
	case "eventlog":
		b.WriteString("case:concept:name,concept:name,org:resource,time:timestamp\n")
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, "%d,examine casually,Mike,%s+01:00\n", i/8, strings.Replace(ts(i), "T", " ", 1))
		}
	}
	return b.Bytes()
}

// BenchmarkReaders measures each reader's throughput in rows per second
// on 50,000 synthetic rows in the sample's formats.
func BenchmarkReaders(b *testing.B) {
	const n = 50000
	for _, kind := range []string{"crm", "segment", "email", "sms", "push", "call_centre", "store", "decisions", "eventlog"} {
		data := benchRows(kind, n)
		b.Run(kind, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			rows := 0
			for i := 0; i < b.N; i++ {
				r, _, err := ingest.NewReader(bytes.NewReader(data), kind, ingest.Options{})
				if err != nil {
					b.Fatal(err)
				}
				for {
					_, err := r.Next()
					if err == io.EOF {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
					rows++
				}
			}
			b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

func BenchmarkParseTimeISO(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if _, err := ingest.ParseTime("2026-02-03T04:05:06.789+01:00", ingest.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
