package sample

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	defaultOnce  sync.Once
	defaultDir   string
	defaultStats Stats
	defaultErr   error
	tempRoot     string

	scanOnce sync.Once
	scanned  *scan

	truthOnce sync.Once
	truthVal  *Truth
	truthErr  error
)

// defaultTruth reads the default sample's truth once.
func defaultTruth(t *testing.T) *Truth {
	t.Helper()
	dir, _ := defaultSample(t)
	truthOnce.Do(func() { truthVal, truthErr = ReadTruth(dir) })
	if truthErr != nil {
		t.Fatal(truthErr)
	}
	return truthVal
}

// defaultScan reads the default sample's exports once.
func defaultScan(t *testing.T) (string, Stats, *scan) {
	dir, st := defaultSample(t)
	scanOnce.Do(func() { scanned = scanExports(t, dir) })
	if scanned == nil {
		t.Fatal("scanning the exports failed")
	}
	return dir, st, scanned
}

func TestMain(m *testing.M) {
	var err error
	tempRoot, err = os.MkdirTemp("", "sampletest")
	if err != nil {
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(tempRoot)
	os.Exit(code)
}

// defaultSample generates the default sample (5,000 customers, seed 42)
// once for every test that reads it.
func defaultSample(t *testing.T) (string, Stats) {
	t.Helper()
	defaultOnce.Do(func() {
		defaultDir = filepath.Join(tempRoot, "default")
		defaultStats, defaultErr = Generate(context.Background(), defaultDir, DefaultOptions(), nil)
	})
	if defaultErr != nil {
		t.Fatal(defaultErr)
	}
	return defaultDir, defaultStats
}

func allFiles() []string { return append(ExportFiles(), TruthFiles()...) }

func TestDeterminism(t *testing.T) {
	gen := func(name string, seed int64) string {
		dir := filepath.Join(t.TempDir(), name)
		if _, err := Generate(context.Background(), dir, Options{Customers: 700, Seed: seed}, nil); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	a, b, c := gen("a", 7), gen("b", 7), gen("c", 8)
	for _, f := range allFiles() {
		fa, err := os.ReadFile(filepath.Join(a, f))
		if err != nil {
			t.Fatal(err)
		}
		fb, _ := os.ReadFile(filepath.Join(b, f))
		fc, _ := os.ReadFile(filepath.Join(c, f))
		if !bytes.Equal(fa, fb) {
			t.Errorf("%s: same seed gave different bytes", f)
		}
		if f != "truth/response_model.json" && bytes.Equal(fa, fc) {
			t.Errorf("%s: seeds 7 and 8 gave identical bytes", f)
		}
		if f != "truth/response_model.json" && f != "truth/malformed.csv" && len(fa) < 200 {
			t.Errorf("%s: only %d bytes at 700 customers", f, len(fa))
		}
	}
}

func TestGenerateCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Generate(ctx, t.TempDir(), Options{Customers: 50000, Seed: 1}, nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	if _, err := Generate(context.Background(), t.TempDir(), Options{Customers: 0}, nil); err == nil {
		t.Fatal("0 customers: want an error")
	}
}

// --- an independent reader of every export -------------------------------

// idRef is one identifier seen on a row of an export.
type idRef struct{ typ, val string }

// rowIDs is the set of identifiers on one valid row: they must all belong
// to one person (a household email to several, one of whom is the row's).
type rowIDs struct {
	file string
	line int
	ids  []idRef
}

type scan struct {
	malformed map[string]string // "file:line" → kind
	rows      []rowIDs
	malText   []string // raw text of malformed rows
	segment   map[string]int
	messageID map[string]bool
	decisions [][]string
	decHead   map[string]int
}

var (
	reCRM   = regexp.MustCompile(`^C\d{7}$`)
	reE164  = regexp.MustCompile(`^\+447\d{9}$`)
	reUKNat = regexp.MustCompile(`^07\d{3} \d{6}$`)
	reCard  = regexp.MustCompile(`^LC\d{10}$`)
	reUUID  = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	reDev   = regexp.MustCompile(`^dev-[0-9a-f]{16}$`)
	reEmail = regexp.MustCompile(`^[A-Za-z0-9.]+@[A-Za-z0-9.]+$`)
	reTill  = regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d[+-]\d{4}$`)
	reCall  = regexp.MustCompile(`^(\d\d)/(\d\d)/(\d{4}) (\d\d):(\d\d)$`)
)

// segWire is a Segment message as the test reads it; pointer fields tell
// a missing field from an empty one.
type segWire struct {
	Type              string            `json:"type"`
	MessageID         string            `json:"messageId"`
	AnonymousID       string            `json:"anonymousId"`
	UserID            string            `json:"userId"`
	PreviousID        string            `json:"previousId"`
	Name              string            `json:"name"`
	Event             string            `json:"event"`
	Properties        map[string]any    `json:"properties"`
	Traits            map[string]string `json:"traits"`
	Timestamp         *string           `json:"timestamp"`
	OriginalTimestamp *string           `json:"originalTimestamp"`
	SentAt            string            `json:"sentAt"`
	ReceivedAt        *string           `json:"receivedAt"`
	Context           struct {
		Channel string `json:"channel"`
		Device  struct {
			ID string `json:"id"`
		} `json:"device"`
	} `json:"context"`
}

func oneOf(v string, set ...string) bool {
	for _, s := range set {
		if v == s {
			return true
		}
	}
	return false
}

// readCSVFile parses a file with encoding/csv and calls fn with the 1-based
// physical line of each record.
func readCSVFile(t *testing.T, path string, comma rune, fn func(line int, rec []string)) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.Comma = comma
	head, err := r.Read()
	if err != nil {
		t.Fatalf("%s: header: %v", path, err)
	}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return head
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		line, _ := r.FieldPos(0)
		fn(line, rec)
	}
}

func parseISO(s string) (time.Time, error) { return time.Parse(time.RFC3339Nano, s) }

func scanExports(t *testing.T, dir string) *scan {
	t.Helper()
	sc := &scan{malformed: map[string]string{}, segment: map[string]int{}, messageID: map[string]bool{}}
	bad := func(file string, line int, format string, a ...any) {
		t.Errorf("%s:%d: unexpected malformed row: %s", file, line, fmt.Sprintf(format, a...))
	}
	mal := func(file string, line int, kind, raw string) {
		sc.malformed[file+":"+strconv.Itoa(line)] = kind
		sc.malText = append(sc.malText, raw)
	}
	add := func(file string, line int, ids ...idRef) {
		var keep []idRef
		for _, id := range ids {
			if id.val != "" {
				keep = append(keep, id)
			}
		}
		sc.rows = append(sc.rows, rowIDs{file, line, keep})
	}

	// CRM: BOM, CRLF, 14 columns.
	raw, err := os.ReadFile(filepath.Join(dir, "crm_customers.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(raw, []byte("\xef\xbb\xbf")) {
		t.Error("crm_customers.csv: no UTF-8 BOM")
	}
	if n, m := bytes.Count(raw, []byte("\n")), bytes.Count(raw, []byte("\r\n")); n != m || n == 0 {
		t.Errorf("crm_customers.csv: %d LF but %d CRLF", n, m)
	}
	head := readCSVFile(t, filepath.Join(dir, "crm_customers.csv"), ',', func(line int, r []string) {
		f := "crm_customers.csv"
		if len(r) != 14 {
			bad(f, line, "%d fields", len(r))
			return
		}
		email := strings.TrimSpace(r[1])
		_, dErr := time.Parse("2006-01-02", r[8])
		_, uErr := time.Parse(time.RFC3339, r[13])
		switch {
		case !reCRM.MatchString(r[0]):
			bad(f, line, "crm_id %q", r[0])
		case email != "" && !reEmail.MatchString(email):
			bad(f, line, "email %q", r[1])
		case r[2] != "" && !reE164.MatchString(r[2]):
			bad(f, line, "phone %q", r[2])
		case !oneOf(r[5], regions...):
			bad(f, line, "region %q", r[5])
		case !oneOf(r[6], tiers...) || (r[6] == "") != (r[7] == "") || r[7] != "" && !reCard.MatchString(r[7]):
			bad(f, line, "tier %q card %q", r[6], r[7])
		case dErr != nil || uErr != nil:
			bad(f, line, "dates %q %q", r[8], r[13])
		}
		for _, c := range r[9:13] {
			if !oneOf(c, "true", "false", "") {
				bad(f, line, "consent %q", c)
			}
		}
		add(f, line, idRef{"crm_id", r[0]}, idRef{"email", r[1]}, idRef{"phone", r[2]}, idRef{"loyalty_card", r[7]})
	})
	if strings.Join(head, ",") != "\ufeffcrm_id,email,phone,first_name,last_name,region,loyalty_tier,loyalty_card,signup_date,consent_email,consent_sms,consent_push,consent_call,updated_at" {
		t.Errorf("crm header %q", head)
	}

	// Segment JSON Lines.
	for _, f := range []string{"web_events.jsonl", "app_events.jsonl"} {
		fh, err := os.Open(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		s := bufio.NewScanner(fh)
		s.Buffer(make([]byte, 1<<20), 1<<20)
		line := 0
		for s.Scan() {
			line++
			var m segWire
			if err := json.Unmarshal(s.Bytes(), &m); err != nil {
				mal(f, line, MalTruncatedJSON, s.Text())
				continue
			}
			typ := m.Type
			if m.Timestamp == nil {
				if m.OriginalTimestamp == nil && m.ReceivedAt == nil {
					mal(f, line, MalMissingTimestamp, s.Text())
					continue
				}
				bad(f, line, "timestamp missing alone")
				continue
			}
			if m.OriginalTimestamp == nil || m.ReceivedAt == nil {
				bad(f, line, "originalTimestamp or receivedAt missing")
				continue
			}
			ts, e1 := parseISO(*m.Timestamp)
			ot, e2 := parseISO(*m.OriginalTimestamp)
			sa, e3 := parseISO(m.SentAt)
			ra, e4 := parseISO(*m.ReceivedAt)
			if err := errors.Join(e1, e2, e3, e4); err != nil {
				bad(f, line, "time: %v", err)
				continue
			}
			if !strings.HasSuffix(m.SentAt, "Z") || !strings.HasSuffix(*m.ReceivedAt, "Z") || strings.HasSuffix(*m.Timestamp, "Z") {
				bad(f, line, "offsets: timestamp %s sentAt %s receivedAt %s", *m.Timestamp, m.SentAt, *m.ReceivedAt)
			}
			if got := ra.Add(-sa.Sub(ot)); !got.Equal(ts) {
				bad(f, line, "timestamp %v != receivedAt − (sentAt − originalTimestamp) = %v", ts, got)
			}
			if ts.Before(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)) || !ts.Before(time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC)) {
				bad(f, line, "timestamp %v outside the period", ts)
			}
			id := m.MessageID
			if !reUUID.MatchString(id) || sc.messageID[id] {
				bad(f, line, "messageId %q missing or repeated", id)
			}
			sc.messageID[id] = true
			anon, user := m.AnonymousID, m.UserID
			ok := anon != "" || user != ""
			switch typ {
			case "page":
				ok = ok && f == "web_events.jsonl" && m.Name != "" && m.Properties["path"] != nil && m.Properties["url"] != nil
			case "screen":
				ok = ok && f == "app_events.jsonl" && oneOf(m.Name, "Home", "Category", "Product", "Cart", "Checkout")
			case "track":
				ok = ok && oneOf(m.Event, "Product Viewed", "Product Added", "Checkout Started", "Order Completed", "Coupon Applied")
				if m.Event == "Order Completed" {
					_, isNum := m.Properties["revenue"].(float64)
					ok = ok && isNum && m.Properties["currency"] == "GBP" && m.Properties["order_id"] != nil
				}
			case "identify":
				// With userId at a login or recognition; without one when a
				// visitor who cannot log in gives an email.
				ok = ok && anon != "" && m.Traits != nil && m.Traits["email"] != ""
			case "alias":
				ok = m.PreviousID != "" && user != ""
			default:
				ok = false
			}
			if !ok || (user != "" && !reCRM.MatchString(user)) || (anon != "" && !reUUID.MatchString(anon)) {
				bad(f, line, "not a valid Segment %s message: %s", typ, s.Text())
				continue
			}
			if wantCh := strings.TrimSuffix(f, "_events.jsonl"); m.Context.Channel != wantCh {
				bad(f, line, "context.channel %q", m.Context.Channel)
				continue
			}
			sc.segment[typ]++
			ids := []idRef{{"anonymous_id", anon}, {"crm_id", user}}
			if typ == "alias" {
				ids = append(ids, idRef{"anonymous_id", m.PreviousID})
			}
			if typ == "identify" {
				ids = append(ids, idRef{"email", m.Traits["email"]}, idRef{"phone", m.Traits["phone"]})
			}
			if f == "app_events.jsonl" {
				if !reDev.MatchString(m.Context.Device.ID) {
					bad(f, line, "device id %q", m.Context.Device.ID)
				}
				ids = append(ids, idRef{"device_id", m.Context.Device.ID})
			}
			add(f, line, ids...)
		}
		if err := s.Err(); err != nil {
			t.Fatal(err)
		}
		fh.Close()
	}

	readCSVFile(t, filepath.Join(dir, "email_events.csv"), ',', func(line int, r []string) {
		f := "email_events.csv"
		if len(r) != 6 {
			bad(f, line, "%d fields", len(r))
			return
		}
		if r[1] == "N/A" {
			mal(f, line, MalBadTimestamp, strings.Join(r, ","))
			return
		}
		if _, err := time.Parse("2006-01-02T15:04:05.000Z", r[1]); err != nil {
			bad(f, line, "timestamp %q", r[1])
		}
		if !oneOf(r[4], "sent", "delivered", "open", "click", "unsubscribe", "bounce") || !reEmail.MatchString(r[2]) || (r[4] == "click") != (r[5] != "") {
			bad(f, line, "%q", r)
		}
		add(f, line, idRef{"email", r[2]})
	})
	readCSVFile(t, filepath.Join(dir, "sms_events.csv"), ';', func(line int, r []string) {
		f := "sms_events.csv"
		if len(r) != 5 || !reE164.MatchString(r[1]) || !oneOf(r[3], "sent", "delivered", "clicked", "opted_out", "failed") {
			bad(f, line, "%q", r)
			return
		}
		if s, err := strconv.ParseInt(r[4], 10, 64); err != nil || s < 1767225600 || s > 1767225600+200*86400 {
			bad(f, line, "date_created %q", r[4])
		}
		add(f, line, idRef{"phone", r[1]})
	})
	readCSVFile(t, filepath.Join(dir, "push_events.tsv"), '\t', func(line int, r []string) {
		f := "push_events.tsv"
		if len(r) != 4 || !reDev.MatchString(r[0]) || !oneOf(r[2], "sent", "delivered", "opened", "disabled") {
			bad(f, line, "%q", r)
			return
		}
		if ms, err := strconv.ParseInt(r[3], 10, 64); err != nil || ms < 1767225600000 || ms > (1767225600+200*86400)*1000 {
			bad(f, line, "ts_ms %q", r[3])
		}
		add(f, line, idRef{"device_id", r[0]})
	})
	london, _ := time.LoadLocation("Europe/London")
	readCSVFile(t, filepath.Join(dir, "call_centre.csv"), ',', func(line int, r []string) {
		f := "call_centre.csv"
		if len(r) != 9 {
			bad(f, line, "%d fields", len(r))
			return
		}
		if r[1] == "" {
			if r[7] != "" || r[8] != "" {
				bad(f, line, "no phone but customer_id %q email %q", r[7], r[8])
			}
			mal(f, line, MalMissingPhone, strings.Join(r, ","))
			return
		}
		if r[7] != "" && !reCRM.MatchString(r[7]) || r[8] != "" && !reEmail.MatchString(r[8]) || r[7] != "" && r[8] != "" {
			bad(f, line, "caller: customer_id %q email %q", r[7], r[8])
		}
		m := reCall.FindStringSubmatch(r[2])
		_, dErr := strconv.Atoi(r[3])
		if !reUKNat.MatchString(r[1]) || m == nil || dErr != nil || !oneOf(r[4], "delivery", "returns", "product_question", "complaint", "order_by_phone") ||
			!oneOf(r[5], "resolved", "escalated", "order_placed", "callback_scheduled") {
			bad(f, line, "%q", r)
			return
		}
		if london != nil {
			if _, err := time.ParseInLocation("02/01/2006 15:04", r[2], london); err != nil {
				bad(f, line, "started_at %q: %v", r[2], err)
			}
		}
		add(f, line, idRef{"phone", r[1]}, idRef{"crm_id", r[7]}, idRef{"email", r[8]})
	})
	readCSVFile(t, filepath.Join(dir, "store_transactions.csv"), ',', func(line int, r []string) {
		f := "store_transactions.csv"
		if len(r) != 8 {
			bad(f, line, "%d fields", len(r))
			return
		}
		if _, err := strconv.ParseFloat(r[5], 64); err != nil {
			mal(f, line, MalBadAmount, strings.Join(r, ","))
			return
		}
		if !reTill.MatchString(r[2]) || r[3] == "" && r[4] == "" || r[3] != "" && !reCard.MatchString(r[3]) || r[6] != "GBP" {
			bad(f, line, "%q", r)
		}
		if _, err := time.Parse("2006-01-02 15:04:05-0700", r[2]); err != nil {
			bad(f, line, "timestamp %q", r[2])
		}
		add(f, line, idRef{"loyalty_card", r[3]}, idRef{"email", r[4]})
	})
	sc.decHead = map[string]int{}
	head = readCSVFile(t, filepath.Join(dir, "decisions.csv"), ',', func(line int, r []string) {
		sc.decisions = append(sc.decisions, append([]string(nil), r...))
		add("decisions.csv", line, idRef{"crm_id", r[1]})
	})
	for i, h := range head {
		sc.decHead[h] = i
	}
	return sc
}

// TestExportsParseAndMalformedExactlyAsPlanted reads every export with
// its own format (encoding/csv with the file's delimiter; JSON Lines as
// Segment messages), validates every field, and compares the rows it finds
// malformed with truth/malformed.csv: the two sets must be equal, and every
// planted kind must occur at the default size.
func TestExportsParseAndMalformedExactlyAsPlanted(t *testing.T) {
	_, st, sc := defaultScan(t)
	tr := defaultTruth(t)
	planted := map[string]string{}
	kinds := map[string]int{}
	for _, m := range tr.Malformed {
		planted[m.File+":"+strconv.FormatInt(m.Line, 10)] = m.Kind
		kinds[m.Kind]++
	}
	if len(planted) != st.Malformed || len(planted) != len(tr.Malformed) {
		t.Errorf("malformed.csv has %d rows (%d distinct), Stats say %d", len(tr.Malformed), len(planted), st.Malformed)
	}
	for k, kind := range planted {
		if sc.malformed[k] != kind {
			t.Errorf("planted %s %s: the checker found %q", k, kind, sc.malformed[k])
		}
	}
	for k, kind := range sc.malformed {
		if planted[k] != kind {
			t.Errorf("found malformed %s %s that is not planted", k, kind)
		}
	}
	for _, k := range []string{MalTruncatedJSON, MalMissingTimestamp, MalBadTimestamp, MalBadAmount, MalMissingPhone} {
		if kinds[k] == 0 {
			t.Errorf("no %s row planted at the default size", k)
		}
	}
	// Planted rates are those documented, within 4 binomial standard errors.
	rates := map[string]struct {
		file string
		rate float64
	}{
		MalTruncatedJSON: {"web_events.jsonl", rateMalWeb}, MalMissingTimestamp: {"app_events.jsonl", rateMalApp},
		MalBadTimestamp: {"email_events.csv", rateMalEmail}, MalBadAmount: {"store_transactions.csv", rateMalStore},
		MalMissingPhone: {"call_centre.csv", rateMalCall},
	}
	for k, r := range rates {
		n := float64(st.Rows[r.file])
		if got, se := float64(kinds[k]), math.Sqrt(n*r.rate*(1-r.rate)); math.Abs(got-n*r.rate) > 4*se+1 {
			t.Errorf("%s: %v planted in %v rows, expected %.1f", k, got, n, n*r.rate)
		}
	}
	for _, typ := range []string{"page", "screen", "track", "identify", "alias"} {
		if sc.segment[typ] == 0 {
			t.Errorf("no Segment %s message", typ)
		}
	}
	t.Logf("rows: %v; malformed %v; segment types %v", st.Rows, kinds, sc.segment)
}

// TestTruthConsistentWithExports checks the ground truth against the
// exports. Every identifier on every valid row must be listed in
// truth/identities.csv. An identifier that maps to more than one person
// must be an email flagged shared=true on every one of its rows, and its
// persons must be exactly the members of one household; every other
// identifier maps to exactly one person and is flagged shared=false. All
// identifiers on one row must belong to one person: the persons of the
// row's unshared identifiers must be a single person, who must be among
// the persons of a shared email on the row. Conversely every identifier the
// truth lists appears in some export.
func TestTruthConsistentWithExports(t *testing.T) {
	dir, _, sc := defaultScan(t)
	tr := defaultTruth(t)
	shared := map[string]bool{}
	for _, id := range tr.Identities {
		k := id.Type + "\x00" + id.Value
		if prev, ok := shared[k]; ok && prev != id.Shared {
			t.Errorf("%s %s: shared flag differs between rows", id.Type, id.Value)
		}
		shared[k] = id.Shared
	}
	seen := map[string]bool{}
	sharedEmails := 0
	for _, row := range sc.rows {
		var single string
		var groups [][]string
		for _, id := range row.ids {
			v := NormalizeID(id.typ, id.val)
			k := id.typ + "\x00" + v
			seen[k] = true
			ps := tr.PersonOf(id.typ, id.val)
			switch {
			case len(ps) == 0:
				t.Errorf("%s:%d: %s %q is not in the truth", row.file, row.line, id.typ, id.val)
				continue
			case len(ps) == 1:
				if shared[k] {
					t.Errorf("%s %s: one person but flagged shared", id.typ, v)
				}
				if single != "" && single != ps[0] {
					t.Errorf("%s:%d: identifiers of %s and %s on one row", row.file, row.line, single, ps[0])
				}
				single = ps[0]
			default:
				if id.typ != "email" || !shared[k] {
					t.Errorf("%s %s maps to %v but is not a shared email", id.typ, v, ps)
				}
				hh := map[string]bool{}
				for _, p := range ps {
					pp, _ := tr.Person(p)
					hh[pp.HouseholdID] = true
				}
				if len(hh) != 1 {
					t.Errorf("shared email %s spans households %v", v, hh)
				}
				groups = append(groups, ps)
				sharedEmails++
			}
		}
		for _, g := range groups {
			if single != "" && !oneOf(single, g...) {
				t.Errorf("%s:%d: person %s is not among the owners %v of the row's shared email", row.file, row.line, single, g)
			}
		}
	}
	if sharedEmails == 0 {
		t.Error("no row carries a shared household email")
	}
	for _, id := range tr.Identities {
		k := id.Type + "\x00" + id.Value
		if seen[k] {
			continue
		}
		found := false
		for _, raw := range sc.malText {
			if strings.Contains(raw, id.Value) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("truth lists %s %s (%s) but no export carries it", id.Type, id.Value, id.PersonID)
		}
	}
	// Households sharing an email: members listed with shared=true.
	members := map[string][]string{}
	for _, p := range tr.Persons {
		members[p.HouseholdID] = append(members[p.HouseholdID], p.ID)
	}
	for _, id := range tr.Identities {
		if id.Shared {
			p, _ := tr.Person(id.PersonID)
			if got := tr.PersonOf("email", id.Value); len(got) != len(members[p.HouseholdID]) || len(got) < 2 {
				t.Errorf("shared email %s: persons %v, household %v", id.Value, got, members[p.HouseholdID])
			}
		}
	}
	// Decisions: the CRM id is the person's; the segment is the person's.
	for _, d := range tr.Decisions {
		p, ok := tr.Person(d.PersonID)
		if !ok || p.CRMID != d.CustomerID || p.Segment != d.Segment {
			t.Fatalf("decision %s: customer %s, person %+v, segment %s", d.ID, d.CustomerID, p, d.Segment)
		}
	}
	// Noise the loaders must handle is present.
	upper, spaced := 0, 0
	readCSVFile(t, filepath.Join(dir, "crm_customers.csv"), ',', func(_ int, r []string) {
		if strings.ToLower(r[1]) != r[1] {
			upper++
		}
		if strings.TrimSpace(r[1]) != r[1] {
			spaced++
		}
	})
	if upper == 0 || spaced == 0 {
		t.Errorf("CRM emails: %d with capitals, %d with spaces; want some of each", upper, spaced)
	}
}

// TestDecisionLog checks the logged decisions against the truth: each
// propensity equals the logging policy's probability for the logged
// consents exactly, cost and reward follow the documented formula, and the
// mean logged reward agrees with the true value of the logging policy
// within 4 standard errors.
func TestDecisionLog(t *testing.T) {

	tr := defaultTruth(t)
	if len(tr.Decisions) < 2000 {
		t.Fatalf("only %d decisions at the default size", len(tr.Decisions))
	}
	m := tr.Model
	var rewards []float64
	trueLogged := tr.PolicyValue(func(d *DecisionTruth) map[string]float64 {
		allowed := map[string]bool{}
		for _, a := range Actions {
			allowed[a] = d.Allowed(a)
		}
		out := map[string]float64{}
		for _, a := range Actions {
			out[a] = m.LoggingPropensity(d.Trigger, a, allowed)
		}
		return out
	})
	for _, d := range tr.Decisions {
		allowed := map[string]bool{}
		for _, a := range Actions {
			allowed[a] = d.Allowed(a)
		}
		if !d.Allowed(d.Action) {
			t.Fatalf("decision %s: action %s without consent", d.ID, d.Action)
		}
		if p := m.LoggingPropensity(d.Trigger, d.Action, allowed); p != d.Propensity || p <= 0 {
			t.Fatalf("decision %s: propensity %v, logging policy gives %v", d.ID, d.Propensity, p)
		}
		if math.Abs(d.Cost-m.Cost(d.Action, d.Revenue)) > 5e-4 || math.Abs(d.Reward-(d.Revenue-d.Cost)) > 1e-9 {
			t.Fatalf("decision %s: revenue %v cost %v reward %v", d.ID, d.Revenue, d.Cost, d.Reward)
		}
		if d.Converted != (d.Revenue > 0) {
			t.Fatalf("decision %s: converted %v revenue %v", d.ID, d.Converted, d.Revenue)
		}
		if d.Trigger == TriggerCart {
			cart, _ := strconv.ParseFloat(d.Context["cart_value"], 64)
			want := m.ExpectedRewardAt(d.Segment, d.Trigger, ActionEmail, d.RecentContacts, cart)
			if math.Abs(d.ExpectedReward[ActionEmail]-want) > 1e-9 {
				t.Fatalf("decision %s: expected reward %v, model gives %v", d.ID, d.ExpectedReward[ActionEmail], want)
			}
			if d.Converted && d.Revenue != cart {
				t.Fatalf("decision %s: converted at %v, cart %v", d.ID, d.Revenue, cart)
			}
		} else if want := m.ExpectedReward(d.Segment, d.Trigger, ActionSMS, d.RecentContacts); math.Abs(d.ExpectedReward[ActionSMS]-want) > 1e-9 {
			t.Fatalf("decision %s: expected reward %v, model gives %v", d.ID, d.ExpectedReward[ActionSMS], want)
		}
		rewards = append(rewards, d.Reward)
	}
	mean, se := meanSE(rewards)
	if math.Abs(mean-trueLogged) > 4*se {
		t.Errorf("mean logged reward %.3f, true value of the logging policy %.3f (se %.3f)", mean, trueLogged, se)
	}
	t.Logf("%d decisions; mean logged reward %.3f ± %.3f; true logging-policy value %.3f", len(rewards), mean, se, trueLogged)
}

func meanSE(x []float64) (mean, se float64) {
	for _, v := range x {
		mean += v
	}
	mean /= float64(len(x))
	ss := 0.0
	for _, v := range x {
		ss += (v - mean) * (v - mean)
	}
	return mean, math.Sqrt(ss / float64(len(x)-1) / float64(len(x)))
}

// targeted is a decision table over the visible context only (no truth):
// a big cart gets a call, an app user a push, a lapsed non-buyer nothing,
// a loyalty member an email, anyone else with SMS consent a discount.
func targeted(d *DecisionTruth) string {
	cart, _ := strconv.ParseFloat(d.Context["cart_value"], 64)
	recency, _ := strconv.Atoi(d.Context["recency_days"])
	tier := d.Context["loyalty_tier"]
	switch {
	case cart >= 200 && d.Allowed(ActionCall):
		return ActionCall
	case d.Context["last_channel"] == "app" && d.Allowed(ActionPush):
		return ActionPush
	case d.Trigger == TriggerLapse && recency > 150:
		return ActionNone
	case (tier == "gold" || tier == "silver") && d.Allowed(ActionEmail):
		return ActionEmail
	case d.Allowed(ActionSMS):
		return ActionSMS
	case d.Allowed(ActionEmail):
		return ActionEmail
	}
	return ActionNone
}

// TestTargetedPolicyBeatsEverySingleAction shows that the world rewards
// targeting: on the logged decisions of the default sample, the context
// rule targeted has a higher true value than the best single-action policy
// ("always a if allowed, else none"), and the paired 95% interval of the
// per-decision difference in expected reward, mean ± 1.96·sd/√n, excludes
// zero. The segment oracle (best allowed action per decision from the
// truth) bounds both from above.
func TestTargetedPolicyBeatsEverySingleAction(t *testing.T) {

	tr := defaultTruth(t)
	single := func(a string) func(*DecisionTruth) string {
		return func(d *DecisionTruth) string {
			if d.Allowed(a) {
				return a
			}
			return ActionNone
		}
	}
	det := func(f func(*DecisionTruth) string) func(*DecisionTruth) map[string]float64 {
		return func(d *DecisionTruth) map[string]float64 { return map[string]float64{f(d): 1} }
	}
	best, bestV := "", math.Inf(-1)
	for _, a := range Actions {
		v := tr.PolicyValue(det(single(a)))
		t.Logf("always %-13s %8.3f", a, v)
		if v > bestV {
			best, bestV = a, v
		}
	}
	vt := tr.PolicyValue(det(targeted))
	oracle := tr.PolicyValue(det(func(d *DecisionTruth) string {
		b := ActionNone
		for _, a := range Actions {
			if d.Allowed(a) && d.ExpectedReward[a] > d.ExpectedReward[b] {
				b = a
			}
		}
		return b
	}))
	diffs := make([]float64, len(tr.Decisions))
	for i := range tr.Decisions {
		d := &tr.Decisions[i]
		diffs[i] = d.ExpectedReward[targeted(d)] - d.ExpectedReward[single(best)(d)]
	}
	mean, se := meanSE(diffs)
	lo, hi := mean-1.96*se, mean+1.96*se
	t.Logf("targeted %.3f, best single (%s) %.3f, oracle %.3f; paired difference %.3f, 95%% CI [%.3f, %.3f], n=%d",
		vt, best, bestV, oracle, mean, lo, hi, len(diffs))
	if math.Abs(mean-(vt-bestV)) > 1e-9 {
		t.Fatalf("paired mean %v != difference of values %v", mean, vt-bestV)
	}
	if lo <= 0 {
		t.Errorf("targeted policy does not beat always-%s: 95%% CI [%.3f, %.3f]", best, lo, hi)
	}
	if oracle < vt || oracle < bestV {
		t.Errorf("oracle %.3f below targeted %.3f or best single %.3f", oracle, vt, bestV)
	}
}

// TestSegmentsShowInBehaviour checks that segments are visible in the
// exports: per segment, app share of Segment messages and cart value of
// cart_abandon decisions differ in the documented directions.
func TestSegmentsShowInBehaviour(t *testing.T) {

	tr := defaultTruth(t)
	cart := map[string][]float64{}
	for _, d := range tr.Decisions {
		if d.Trigger == TriggerCart {
			v, _ := strconv.ParseFloat(d.Context["cart_value"], 64)
			cart[d.Segment] = append(cart[d.Segment], v)
		}
	}
	avg := func(x []float64) float64 { m, _ := meanSE(x); return m }
	if !(avg(cart["high_value"]) > 3*avg(cart["deal_seeker"])) {
		t.Errorf("mean cart value: high_value %.1f, deal_seeker %.1f", avg(cart["high_value"]), avg(cart["deal_seeker"]))
	}
	lastApp := map[string][2]int{}
	for _, d := range tr.Decisions {
		c := lastApp[d.Segment]
		c[1]++
		if d.Context["last_channel"] == "app" {
			c[0]++
		}
		lastApp[d.Segment] = c
	}
	share := func(s string) float64 { return float64(lastApp[s][0]) / float64(lastApp[s][1]) }
	for _, s := range []string{"deal_seeker", "loyal", "high_value", "dormant"} {
		if share("app_native") < 2*share(s) {
			t.Errorf("last channel app: app_native %.2f, %s %.2f", share("app_native"), s, share(s))
		}
	}
	segs := map[string]int{}
	for _, p := range tr.Persons {
		segs[p.Segment]++
	}
	keys := make([]string, 0, len(segs))
	for k := range segs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		want := tr.Model.Response[k].Share * float64(len(tr.Persons))
		if math.Abs(float64(segs[k])-want) > 4*math.Sqrt(want) {
			t.Errorf("segment %s: %d persons, expected %.0f", k, segs[k], want)
		}
	}
}

// TestIdentifiersLinkable checks that the exports carry the evidence
// identity stitching needs. Two identifiers are linked when one valid row
// carries both (a CRM row, a Segment message's userId, anonymousId, device
// id and identify traits, a till receipt's card and email, a call's phone
// and verified customer); a household's shared email links nothing (a
// stitcher must not merge on it). Over the truth's single-person
// identifiers, with n_p the identifiers of person p and n_pc those of p in
// linked component c:
//
//	linkable = Σ_{p,c} C(n_pc, 2) / Σ_p C(n_p, 2)
//
// is the best recall any stitcher can reach from the exports alone. It must
// be at least 0.99 (the stitching requirement's recall), and no component
// may join two persons (no row carries two persons' identifiers). A row
// that links a household's shared email to other identifiers must also
// carry the person's CRM id or loyalty card, so that the shared email is
// seen next to each member's anchor and a guard can keep it out of
// merging.
func TestIdentifiersLinkable(t *testing.T) {
	_, _, sc := defaultScan(t)
	tr := defaultTruth(t)
	parent := map[string]string{}
	var find func(k string) string
	find = func(k string) string {
		p, ok := parent[k]
		if !ok || p == k {
			return k
		}
		r := find(p)
		parent[k] = r
		return r
	}
	single := func(id idRef) (string, bool) {
		v := NormalizeID(id.typ, id.val)
		ps := tr.PersonOf(id.typ, v)
		return id.typ + "\x00" + v, len(ps) == 1
	}
	sharedUnanchored := 0
	for _, row := range sc.rows {
		var first string
		hasShared, hasAnchor := false, false
		for _, id := range row.ids {
			k, ok := single(id)
			hasShared = hasShared || !ok
			hasAnchor = hasAnchor || id.typ == "crm_id" || id.typ == "loyalty_card"
			if !ok {
				continue
			}
			if first == "" {
				first = find(k)
				continue
			}
			if r := find(k); r != first {
				parent[r] = first
			}
		}
		if hasShared && len(row.ids) > 1 && !hasAnchor {
			if sharedUnanchored == 0 {
				t.Errorf("%s:%d: a household's shared email linked to %v without the person's CRM id or card", row.file, row.line, row.ids)
			}
			sharedUnanchored++
		}
	}
	if sharedUnanchored > 0 {
		t.Errorf("%d rows link a shared email without an anchor: a guard could not tell the household apart", sharedUnanchored)
	}
	perPerson := map[string]int{}
	perComp := map[string]int{}
	compPerson := map[string]string{}
	byType := map[string]int{}
	n := 0
	for _, id := range tr.Identities {
		if id.Shared {
			continue
		}
		k := id.Type + "\x00" + id.Value
		c := find(k)
		perPerson[id.PersonID]++
		perComp[id.PersonID+"|"+c]++
		if p, ok := compPerson[c]; ok && p != id.PersonID {
			t.Errorf("identifiers of %s and %s are linked", p, id.PersonID)
		}
		compPerson[c] = id.PersonID
		byType[id.Type]++
		n++
	}
	pairs := func(m map[string]int) (s float64) {
		for _, n := range m {
			s += float64(n) * float64(n-1) / 2
		}
		return s
	}
	// The main component of each person is its largest; identifiers outside
	// it are stranded, counted by type for the log.
	main := map[string]int{}
	for pc, n := range perComp {
		p := pc[:strings.IndexByte(pc, '|')]
		if n > main[p] {
			main[p] = n
		}
	}
	stranded := 0
	for p, n := range perPerson {
		stranded += n - main[p]
	}
	all, linked := pairs(perPerson), pairs(perComp)
	frac := linked / all
	t.Logf("%d single-person identifiers %v; %d outside their person's largest linked component; %.0f of %.0f true pairs linkable (%.5f)",
		n, byType, stranded, linked, all, frac)
	if frac < 0.99 {
		t.Errorf("only %.5f of true same-person pairs are linked by some export row; want ≥ 0.99", frac)
	}
}

// TestLinkEvidenceChangesNoBehaviour generates the same world twice, the
// second time with the linking evidence drawn from another stream, and
// requires that only the linking rows differ: the decision log, its truth,
// the persons and every export other than the Segment files and the call
// log are byte-identical; the Segment files are identical once identify
// messages are removed (the logins among them, those with a phone trait,
// unchanged in number); and the call log is identical in its first seven columns. So
// the off-policy evaluation and simulation tests, which depend on the
// decision log's draws, do not move when the linking evidence does.
func TestLinkEvidenceChangesNoBehaviour(t *testing.T) {
	gen := func(name string) string {
		dir := filepath.Join(t.TempDir(), name)
		if _, err := Generate(context.Background(), dir, Options{Customers: 700, Seed: 11}, nil); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	a := gen("a")
	linkStream = 99
	b := gen("b")
	linkStream = streamLink
	read := func(dir, f string) []byte {
		raw, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	for _, f := range []string{"decisions.csv", "truth/decisions_truth.csv", "truth/persons.csv", "truth/response_model.json",
		"crm_customers.csv", "email_events.csv", "sms_events.csv", "push_events.tsv", "store_transactions.csv"} {
		if !bytes.Equal(read(a, f), read(b, f)) {
			t.Errorf("%s depends on the linking evidence's draws", f)
		}
	}
	// withoutIdentify drops identify lines and returns the rest and the
	// number of identifies with a phone trait (only logins send one).
	withoutIdentify := func(raw []byte) ([]byte, int) {
		var out []byte
		phones := 0
		for _, line := range bytes.SplitAfter(raw, []byte("\n")) {
			if bytes.HasPrefix(line, []byte(`{"type":"identify"`)) {
				if bytes.Contains(line, []byte(`"phone":`)) {
					phones++
				}
				continue
			}
			out = append(out, line...)
		}
		return out, phones
	}
	differ := false
	for _, f := range []string{"web_events.jsonl", "app_events.jsonl"} {
		ra, rb := read(a, f), read(b, f)
		differ = differ || !bytes.Equal(ra, rb)
		xa, pa := withoutIdentify(ra)
		xb, pb := withoutIdentify(rb)
		if !bytes.Equal(xa, xb) || pa != pb {
			t.Errorf("%s: rows other than the linking identifies depend on their draws", f)
		}
	}
	cols := func(raw []byte) []byte {
		var out []byte
		for _, line := range bytes.SplitAfter(raw, []byte("\n")) {
			f := bytes.SplitN(line, []byte(","), 8)
			if len(f) == 8 {
				line = bytes.Join(f[:7], []byte(","))
			}
			out = append(out, line...)
			out = append(out, '\n')
		}
		return out
	}
	ca, cb := read(a, "call_centre.csv"), read(b, "call_centre.csv")
	if !bytes.Equal(cols(ca), cols(cb)) {
		t.Error("call_centre.csv: the calls themselves depend on the linking evidence's draws")
	}
	if !differ || bytes.Equal(ca, cb) {
		t.Error("another link stream changed no linking row: the test does not exercise it")
	}
}
