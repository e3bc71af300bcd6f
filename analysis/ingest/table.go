package ingest

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// idCol is a column holding an identifier.
type idCol struct {
	col    int
	typ    IDType
	detect bool // type told by the value's shape (DetectIDType), typ the fallback
}

// spec is a resolved layout: which column plays which role, and what the
// kind fixes.
type spec struct {
	kind                                         string
	ids                                          []idCol
	time, channel, typ, campaign, revenue, evID  int
	fixedChannel, fixedType, linkReason, revName string
	props                                        []int
	order                                        byte
	loc                                          *time.Location

	// crm
	traits   []int
	consents []int // consent_<channel> columns
	// decisions
	action, propensity, reward, trigger, converted, cost, decRevenue int
	ctx                                                              []int
}

// tableReader reads a delimited file with a header.
type tableReader struct {
	closer
	sc   *csvScanner
	file string
	hdr  []string
	sp   *spec
	conv func(*tableReader, []string, *Record) string
	rows int64
	bom  int64

	queue []csvRow // rows read ahead (date-order inference)
	done  bool
}

// RowsRead counts the data rows read so far (records and rejects).
func (t *tableReader) RowsRead() int64 { return t.rows }

// BytesRead is the number of bytes consumed from the file.
func (t *tableReader) BytesRead() int64 { return t.sc.lr.bytes + t.bom }

func (t *tableReader) nextRow() (csvRow, error) {
	if len(t.queue) > 0 {
		r := t.queue[0]
		t.queue = t.queue[1:]
		return r, nil
	}
	return t.sc.next()
}

// Next returns the next record, a *RowError for a rejected row, io.EOF at
// the end, or a fatal read error.
func (t *tableReader) Next() (Record, error) {
	if t.done {
		return Record{}, io.EOF
	}
	row, err := t.nextRow()
	if err != nil {
		t.done = true
		t.Close()
		if err == io.EOF {
			return Record{}, io.EOF
		}
		return Record{}, fmt.Errorf("%s: read: %w", t.file, err)
	}
	t.rows++
	if row.bad != "" {
		return Record{}, &RowError{File: t.file, Line: row.line, Reason: row.bad, Raw: rawText(row.raw)}
	}
	rec := Record{Line: row.line}
	if reason := t.conv(t, row.fields, &rec); reason != "" {
		return Record{}, &RowError{File: t.file, Line: row.line, Reason: reason, Raw: rawText(row.raw)}
	}
	return rec, nil
}

// normName is a header name compared case-insensitively with spaces and
// dashes as underscores.
func normName(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return '_'
		}
		return r
	}, s)
}

// header is the header row with a lookup by normalised name.
type header struct {
	names []string
	norm  map[string]int
	used  []bool
	cols  map[string]string // role -> column, for Detected
}

func (h *header) find(cands ...string) int {
	for _, c := range cands {
		if i, ok := h.norm[normName(c)]; ok {
			return i
		}
	}
	return -1
}

// resolve returns the column of role: the mapped column if opt.Map names
// one (an error if it is not in the header), else the first candidate
// present that no other role has taken, else -1.
func (h *header) resolve(m map[string]string, role string, cands ...string) (int, error) {
	if col, ok := m[role]; ok {
		i := -1
		for k, n := range h.names {
			if n == col {
				i = k
				break
			}
		}
		if i < 0 {
			i = h.find(col)
		}
		if i < 0 {
			return -1, fmt.Errorf("column %q (mapped to role %s) is not in the header; the columns are: %s", col, role, strings.Join(h.names, ", "))
		}
		h.take(role, i)
		return i, nil
	}
	for _, c := range cands {
		if i, ok := h.norm[normName(c)]; ok && !h.used[i] {
			h.take(role, i)
			return i, nil
		}
	}
	return -1, nil
}

func (h *header) take(role string, i int) {
	h.used[i] = true
	h.cols[role] = h.names[i]
}

// Candidate column names of each role in a generic file (compared by
// normName).
var (
	timeNames     = []string{"timestamp", "time:timestamp", "event_time", "event_timestamp", "time", "datetime", "date_time", "date", "event_date", "created_at", "occurred_at", "started_at", "date_created", "ts", "ts_ms"}
	caseNames     = []string{"case:concept:name", "case_id", "case", "caseid", "case_concept_name"}
	activityNames = []string{"concept:name", "activity", "event_type", "event_name", "event", "type", "status"}
	channelNames  = []string{"channel", "source", "medium", "utm_medium"}
	campaignNames = []string{"campaign", "utm_campaign", "campaign_id", "campaign_name"}
	revenueNames  = []string{"revenue", "amount", "value", "order_value"}
	eventIDNames  = []string{"event_id", "message_id", "messageid", "eventid"}
	genericIDs    = []struct {
		typ    IDType
		detect bool
		names  []string
	}{
		{IDUser, true, []string{"customer_id", "customer", "user_id", "userid", "customerid", "client_id", "person_id", "contact_id", "member_id", "visitor_id"}},
		{IDCRM, false, []string{"crm_id"}},
		{IDEmail, false, []string{"email", "email_address", "e_mail", "mail"}},
		{IDPhone, false, []string{"phone", "phone_number", "mobile", "msisdn", "telephone"}},
		{IDLoyaltyCard, false, []string{"loyalty_card", "loyalty_card_number", "card_number"}},
		{IDAnonymous, false, []string{"anonymous_id", "anonymousid", "cookie_id"}},
		{IDDevice, false, []string{"device_id", "device_token", "deviceid"}},
	}
)

// detectKind names the sample export (or generic kind) a header belongs
// to.
func detectKind(h *header) string {
	has := func(n string) bool { _, ok := h.norm[n]; return ok }
	switch {
	case has("message_sid") && has("date_created"):
		return KindSMS
	case has("device_token") && has("ts_ms"):
		return KindPush
	case has("call_id") && has("started_at"):
		return KindCallCentre
	case has("receipt_id") && has("amount"):
		return KindStore
	case has("crm_id") && (has("consent_email") || has("signup_date")):
		return KindCRM
	case has("action") && has("propensity"):
		return KindDecisions
	case has("event_id") && has("campaign_id") && has("event") && has("email"):
		return KindEmail
	case h.find(caseNames...) >= 0 && h.find(activityNames...) >= 0:
		return KindEventLog
	}
	return KindCSV
}

func newTableReader(br *bufio.Reader, sample []byte, complete bool, name string, opt Options, order byte) (*tableReader, *Detected, error) {
	det := &Detected{Columns: map[string]string{}}
	var delim byte
	if opt.Delimiter != 0 {
		if opt.Delimiter > 127 || opt.Delimiter == '"' || opt.Delimiter == '\n' || opt.Delimiter == '\r' {
			return nil, nil, fmt.Errorf("%s: delimiter %q cannot be used: choose a single ASCII character other than a quote or line end", name, opt.Delimiter)
		}
		delim = byte(opt.Delimiter)
	} else {
		d, width, cons, rows := sniffDelimiter(sample, complete)
		if d == 0 {
			return nil, nil, fmt.Errorf("%s: cannot find the delimiter: the first line does not split on comma, semicolon, tab or pipe; a CSV file needs a header row naming at least a customer identifier and a time column", name)
		}
		if rows >= 2 && cons*2 < rows {
			return nil, nil, fmt.Errorf("%s: the header splits into %d columns on %q but only %d of the first %d rows do: the rows use another delimiter or the file mixes delimiters; use one delimiter throughout the file", name, width, string(d), cons, rows)
		}
		delim = d
	}
	det.Delimiter = rune(delim)
	lr := newLineReader(br, opt.MaxRowBytes)
	sc := &csvScanner{lr: lr, delim: delim}
	hrow, err := sc.next()
	if err == io.EOF {
		return nil, nil, fmt.Errorf("%s: %w", name, ErrEmpty)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("%s: read: %w", name, err)
	}
	if hrow.bad != "" {
		return nil, nil, fmt.Errorf("%s:%d: cannot read the header: %s", name, hrow.line, hrow.bad)
	}
	h := &header{norm: map[string]int{}, cols: det.Columns}
	for i, f := range hrow.fields {
		n := strings.TrimSpace(f)
		if n == "" {
			n = "column" + strconv.Itoa(i+1)
		}
		if j, dup := h.norm[normName(n)]; dup {
			return nil, nil, fmt.Errorf("%s: column %q appears twice in the header (columns %d and %d): rename one so that each column has one name", name, n, j+1, i+1)
		}
		h.norm[normName(n)] = i
		h.names = append(h.names, n)
	}
	h.used = make([]bool, len(h.names))
	sc.width = len(h.names)

	kind := opt.Kind
	if kind == "" {
		kind = detectKind(h)
	}
	det.Kind = kind
	sp, conv, err := buildSpec(kind, h, name, opt, det)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	sp.order = order
	t := &tableReader{sc: sc, file: name, hdr: h.names, sp: sp, conv: conv}
	if sp.time >= 0 && order == 0 {
		if err := t.inferDateOrder(det); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	return t, det, nil
}

// lookahead bounds for date-order inference.
const (
	lookaheadRows  = 5000
	lookaheadBytes = 8 << 20
)

// inferDateOrder reads up to lookaheadRows rows ahead; if the time
// column holds slash dates it sets the order from the first rows whose
// first (dmy) or second (mdy) component exceeds 12.
func (t *tableReader) inferDateOrder(det *Detected) error {
	col := t.sp.time
	slash := false
	dmy, mdy := 0, 0
	size := 0
	for len(t.queue) < lookaheadRows && size < lookaheadBytes {
		row, err := t.sc.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("read: %w", err)
		}
		if row.fields != nil {
			row.fields = append([]string(nil), row.fields...)
		}
		t.queue = append(t.queue, row)
		size += len(row.raw)
		if row.bad != "" || col >= len(row.fields) || isBlank(row.fields[col]) {
			continue
		}
		a, b, ok := slashParts(row.fields[col])
		if !ok {
			if !slash {
				break // the column does not hold slash dates
			}
			continue
		}
		slash = true
		if a > 12 && b <= 12 {
			dmy++
		} else if b > 12 && a <= 12 {
			mdy++
		}
	}
	if !slash {
		return nil
	}
	colName := t.hdr[col]
	switch {
	case dmy > 0 && mdy > 0:
		return fmt.Errorf("column %s mixes day-first dates (%d rows) and month-first dates (%d rows) in the first rows: fix the file, or pass --date-order dmy or mdy to reject the rows that do not fit", colName, dmy, mdy)
	case dmy > 0:
		t.sp.order = 'd'
		det.Notes = append(det.Notes, "dates in "+colName+" read day-first (DD/MM/YYYY), as the data shows")
	case mdy > 0:
		t.sp.order = 'm'
		det.Notes = append(det.Notes, "dates in "+colName+" read month-first (MM/DD/YYYY), as the data shows")
	default:
		return fmt.Errorf("ambiguous date order in column %s: no day above 12 in the first %d rows, so DD/MM and MM/DD both fit; pass --date-order dmy or mdy", colName, len(t.queue))
	}
	return nil
}

// slashParts returns the first two components of a slash date A/B/YYYY.
func slashParts(s string) (a, b int, ok bool) {
	s = strings.TrimSpace(s)
	i := strings.IndexByte(s, '/')
	if i < 1 || i > 2 {
		return 0, 0, false
	}
	j := strings.IndexByte(s[i+1:], '/')
	if j < 1 || j > 2 {
		return 0, 0, false
	}
	a, ok1 := digits(s, 0, i)
	b, ok2 := digits(s, i+1, j)
	if !ok1 || !ok2 || len(s) < i+1+j+5 {
		return 0, 0, false
	}
	if _, ok := digits(s, i+j+2, 4); !ok {
		return 0, 0, false
	}
	return a, b, true
}

func need(i int, kind, role string, cands ...string) error {
	if i >= 0 {
		return nil
	}
	return fmt.Errorf("no %s column for this %s file: expected one of %s; name it with --map %s=COLUMN or a mapping file", role, kind, strings.Join(cands, ", "), role)
}

// buildSpec resolves the roles of kind against the header.
func buildSpec(kind string, h *header, name string, opt Options, det *Detected) (*spec, func(*tableReader, []string, *Record) string, error) {
	m := opt.Map
	sp := &spec{kind: kind, time: -1, channel: -1, typ: -1, campaign: -1, revenue: -1, evID: -1,
		action: -1, propensity: -1, reward: -1, trigger: -1, converted: -1, cost: -1, decRevenue: -1, loc: opt.Location, linkReason: "same row"}
	var err error
	res := func(role string, cands ...string) int {
		if err != nil {
			return -1
		}
		var i int
		i, err = h.resolve(m, role, cands...)
		return i
	}
	addID := func(typ IDType, detect bool, cands ...string) {
		i := res(string(typ), cands...)
		if i >= 0 {
			sp.ids = append(sp.ids, idCol{col: i, typ: typ, detect: detect})
		}
	}
	// Identifier roles given explicitly replace the kind's defaults.
	mapped := false
	for role := range m {
		if role == "customer" || strings.HasPrefix(role, "id.") || isIDRole(role) {
			mapped = true
		}
	}
	if mapped {
		if i := res("customer"); i >= 0 {
			sp.ids = append(sp.ids, idCol{col: i, typ: IDUser, detect: true})
		}
		for _, t := range idRoles {
			if _, ok := m[string(t)]; ok {
				addID(t, false)
			}
		}
		var custom []string
		for role := range m {
			if strings.HasPrefix(role, "id.") {
				custom = append(custom, role)
			}
		}
		sortStrings(custom)
		for _, role := range custom {
			if i := res(role); i >= 0 {
				sp.ids = append(sp.ids, idCol{col: i, typ: IDType(role[3:])})
			}
		}
	}
	conv := convEvent
	switch kind {
	case KindCRM:
		if !mapped {
			addID(IDCRM, false, "crm_id")
			addID(IDEmail, false, "email")
			addID(IDPhone, false, "phone")
			addID(IDLoyaltyCard, false, "loyalty_card")
		}
		sp.time = res("time", "updated_at")
		for _, n := range []string{"first_name", "last_name", "region", "loyalty_tier", "signup_date"} {
			if i := h.find(n); i >= 0 && !h.used[i] {
				h.used[i] = true
				sp.traits = append(sp.traits, i)
			}
		}
		for _, n := range []string{"consent_email", "consent_sms", "consent_push", "consent_call"} {
			if i := h.find(n); i >= 0 && !h.used[i] {
				h.used[i] = true
				sp.consents = append(sp.consents, i)
			}
		}
		sp.linkReason = "crm record"
		conv = convCRM
	case KindEmail:
		if !mapped {
			addID(IDEmail, false, "email")
		}
		sp.time = res("time", "timestamp")
		sp.typ = res("type", "event")
		sp.campaign = res("campaign", "campaign_id")
		sp.evID = res("event_id", "event_id")
		sp.fixedChannel = "email"
	case KindSMS:
		if !mapped {
			addID(IDPhone, false, "to")
		}
		sp.time = res("time", "date_created")
		sp.typ = res("type", "status")
		sp.campaign = res("campaign", "campaign")
		sp.evID = res("event_id", "message_sid")
		sp.fixedChannel = "sms"
	case KindPush:
		if !mapped {
			addID(IDDevice, false, "device_token")
		}
		sp.time = res("time", "ts_ms")
		sp.typ = res("type", "event")
		sp.campaign = res("campaign", "campaign")
		sp.evID = res("event_id")
		sp.fixedChannel = "push"
	case KindCallCentre:
		if !mapped {
			addID(IDPhone, false, "phone")
			// What the agent captured about the caller: a verified
			// customer number (typed by its shape) or an email.
			addID(IDUser, true, "customer_id")
			addID(IDEmail, false, "email")
		}
		sp.linkReason = "call"
		sp.time = res("time", "started_at")
		sp.typ = res("type")
		sp.campaign = res("campaign")
		sp.evID = res("event_id", "call_id")
		sp.fixedChannel = "call_centre"
		sp.fixedType = "call"
		if sp.loc == nil {
			sp.loc, _ = time.LoadLocation("Europe/London")
			det.Notes = append(det.Notes, "call-centre times have no offset: read as Europe/London local time")
		}
	case KindStore:
		if !mapped {
			addID(IDLoyaltyCard, false, "loyalty_card")
			addID(IDEmail, false, "email")
		}
		sp.time = res("time", "timestamp")
		sp.revenue = res("revenue", "amount")
		sp.revName = "amount"
		sp.evID = res("event_id", "receipt_id")
		sp.typ = res("type")
		sp.campaign = res("campaign")
		sp.fixedChannel = "store"
		sp.fixedType = "purchase"
		sp.linkReason = "till receipt"
	case KindDecisions:
		if !mapped {
			addID(IDUser, true, "customer_id", "customer", "user_id")
			if len(sp.ids) > 0 {
				sp.ids[0].detect = true
			}
		}
		sp.time = res("time", "timestamp", "time", "decided_at", "decision_time")
		sp.action = res("action", "action", "action_id", "chosen_action")
		sp.propensity = res("propensity", "propensity", "probability", "action_prob", "pscore")
		sp.reward = res("reward", "reward", "outcome_value")
		sp.trigger = res("trigger", "trigger")
		sp.converted = res("converted", "converted")
		sp.decRevenue = res("revenue", "revenue")
		sp.cost = res("cost", "cost")
		sp.evID = res("event_id", "decision_id")
		for i, n := range h.names {
			if !h.used[i] && strings.HasPrefix(strings.ToLower(n), "ctx_") {
				h.used[i] = true
				sp.ctx = append(sp.ctx, i)
			}
		}
		for _, r := range []struct {
			i    int
			role string
			c    string
		}{{sp.action, "action", "action"}, {sp.propensity, "propensity", "propensity"}, {sp.reward, "reward", "reward"}} {
			if err == nil {
				err = need(r.i, kind, r.role, r.c)
			}
		}
		conv = convDecision
	case KindEventLog, KindCSV:
		if kind == KindEventLog && !mapped {
			addID(IDCase, false, caseNames...)
		}
		if !mapped && kind == KindCSV {
			for _, g := range genericIDs {
				addID(g.typ, g.detect, g.names...)
			}
		}
		sp.time = res("time", timeNames...)
		sp.typ = res("type", activityNames...)
		sp.channel = res("channel", channelNames...)
		sp.campaign = res("campaign", campaignNames...)
		sp.revenue = res("revenue", revenueNames...)
		sp.revName = "revenue"
		if sp.revenue >= 0 {
			sp.revName = h.names[sp.revenue]
		}
		sp.evID = res("event_id", eventIDNames...)
		if sp.channel < 0 {
			switch {
			case opt.Channel != "":
				sp.fixedChannel = opt.Channel
			case kind == KindEventLog:
				sp.fixedChannel = "process"
				det.Notes = append(det.Notes, "no channel column: events get channel \"process\" (set one with --channel)")
			default:
				sp.fixedChannel = baseName(name)
				det.Notes = append(det.Notes, "no channel column: events get channel "+strconv.Quote(sp.fixedChannel)+", the file's name (set one with --channel or --map channel=COLUMN)")
			}
		}
		if sp.typ < 0 {
			if kind == KindEventLog && err == nil {
				err = need(-1, kind, "type", activityNames...)
			}
			sp.fixedType = "event"
			det.Notes = append(det.Notes, "no event type column: every row gets type \"event\" (name one with --map type=COLUMN)")
		}
	default:
		return nil, nil, fmt.Errorf("kind %q cannot be read as CSV", kind)
	}
	if err != nil {
		return nil, nil, err
	}
	if len(sp.ids) == 0 {
		var cands []string
		switch kind {
		case KindEventLog:
			cands = caseNames
		case KindCSV:
			for _, g := range genericIDs {
				cands = append(cands, g.names...)
			}
		default:
			cands = []string{"(the " + kind + " export's identifier columns)"}
		}
		return nil, nil, fmt.Errorf("no customer identifier column for this %s file: expected one of %s; name it with --map customer=COLUMN (or --map email=COLUMN, phone=, crm_id=, case_id=, …)", kind, strings.Join(cands, ", "))
	}
	if kind != KindCRM {
		if err := need(sp.time, kind, "time", timeNames...); err != nil {
			return nil, nil, err
		}
	}
	if sp.fixedChannel != "" {
		det.Columns["channel"] = "(" + sp.fixedChannel + ")"
	}
	for i := range h.names {
		if !h.used[i] {
			sp.props = append(sp.props, i)
		}
	}
	return sp, conv, nil
}

func isIDRole(role string) bool {
	for _, t := range idRoles {
		if role == string(t) {
			return true
		}
	}
	return false
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// readIDs fills rec.IDs from the identifier columns (empty cells
// skipped); it returns a reject reason or "".
func (t *tableReader) readIDs(f []string, rec *Record) string {
	sp := t.sp
	for _, ic := range sp.ids {
		v := f[ic.col]
		if isBlank(v) {
			continue
		}
		typ := ic.typ
		if ic.detect {
			typ = DetectIDType(v, ic.typ)
		}
		nv, err := NormalizeID(typ, v)
		if err != nil {
			return err.Error()
		}
		if rec.IDs == nil {
			rec.IDs = make([]Identifier, 0, len(sp.ids))
		}
		rec.IDs = append(rec.IDs, Identifier{Type: typ, Value: nv})
	}
	if len(rec.IDs) == 0 {
		names := make([]string, len(sp.ids))
		for i, ic := range sp.ids {
			names[i] = t.hdr[ic.col]
		}
		if len(names) == 1 {
			return "no customer identifier: " + names[0] + " is empty"
		}
		return "no customer identifier: " + strings.Join(names, ", ") + " are all empty"
	}
	if len(rec.IDs) > 1 {
		rec.LinkReason = sp.linkReason
	}
	return ""
}

func isBlank(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] != ' ' && s[i] != '\t' {
			return false
		}
	}
	return true
}

// readTime parses the time column into rec.Time.
func (t *tableReader) readTime(f []string, rec *Record) string {
	v := f[t.sp.time]
	if isBlank(v) {
		return t.hdr[t.sp.time] + " is empty"
	}
	ms, err := parseTime(v, t.sp.order, t.sp.loc)
	if err != nil {
		return t.hdr[t.sp.time] + ": " + err.Error()
	}
	rec.Time = ms
	return ""
}

// parseAmount reads a non-negative decimal amount.
func parseAmount(name, v string) (float64, string) {
	v = strings.TrimSpace(v)
	x, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
		return 0, name + " " + strconv.Quote(v) + " is not a number (write it like 12.99, with a dot and no currency sign)"
	}
	if x < 0 {
		return 0, name + " " + strconv.Quote(v) + " is negative"
	}
	return x, ""
}

func parseNumber(name, v string) (float64, string) {
	v = strings.TrimSpace(v)
	x, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
		return 0, name + " " + strconv.Quote(v) + " is not a number"
	}
	return x, ""
}

func (t *tableReader) readProps(f []string) map[string]string {
	var p map[string]string
	for _, i := range t.sp.props {
		v := f[i]
		if v == "" {
			continue
		}
		if p == nil {
			p = make(map[string]string, len(t.sp.props))
		}
		p[t.hdr[i]] = v
	}
	return p
}

func field(f []string, i int) string {
	if i < 0 {
		return ""
	}
	return strings.TrimSpace(f[i])
}

// convEvent turns a row of an event export into a KindEvent record.
func convEvent(t *tableReader, f []string, rec *Record) string {
	sp := t.sp
	rec.Kind = KindEvent
	if r := t.readIDs(f, rec); r != "" {
		return r
	}
	if r := t.readTime(f, rec); r != "" {
		return r
	}
	rec.Channel = sp.fixedChannel
	if sp.channel >= 0 {
		rec.Channel = field(f, sp.channel)
		if rec.Channel == "" {
			if t.sp.fixedChannel == "" {
				return t.hdr[sp.channel] + " (the channel) is empty"
			}
			rec.Channel = t.sp.fixedChannel
		}
	}
	if rec.Channel == "" {
		rec.Channel = t.sp.fixedChannel
	}
	rec.Type = sp.fixedType
	if sp.typ >= 0 {
		rec.Type = field(f, sp.typ)
		if rec.Type == "" {
			if sp.fixedType == "" {
				return t.hdr[sp.typ] + " (the event type) is empty"
			}
			rec.Type = sp.fixedType
		}
	}
	rec.Campaign = field(f, sp.campaign)
	rec.DedupKey = field(f, sp.evID)
	if sp.revenue >= 0 && !isBlank(f[sp.revenue]) {
		x, r := parseAmount(sp.revName, f[sp.revenue])
		if r != "" {
			return r
		}
		rec.Revenue, rec.HasRevenue = x, true
	}
	rec.Props = t.readProps(f)
	return ""
}

// convCRM turns a CRM row into a KindProfile record: identifiers crm_id,
// email, phone, loyalty_card (in that order, empty ones skipped) linked
// with reason "crm record"; traits; consents.
func convCRM(t *tableReader, f []string, rec *Record) string {
	sp := t.sp
	rec.Kind = KindProfile
	if r := t.readIDs(f, rec); r != "" {
		return r
	}
	rec.LinkReason = sp.linkReason
	if sp.time >= 0 && !isBlank(f[sp.time]) {
		if r := t.readTime(f, rec); r != "" {
			return r
		}
	}
	for _, i := range sp.traits {
		if v := strings.TrimSpace(f[i]); v != "" {
			if rec.Traits == nil {
				rec.Traits = make(map[string]string, len(sp.traits)+len(sp.props))
			}
			rec.Traits[t.hdr[i]] = v
		}
	}
	for _, i := range sp.props {
		if v := strings.TrimSpace(f[i]); v != "" {
			if rec.Traits == nil {
				rec.Traits = make(map[string]string, len(sp.traits)+len(sp.props))
			}
			rec.Traits[t.hdr[i]] = v
		}
	}
	for _, i := range sp.consents {
		v := strings.TrimSpace(f[i])
		if v == "" {
			continue
		}
		b, ok := parseBool(v)
		if !ok {
			return t.hdr[i] + " " + strconv.Quote(v) + " is not true or false"
		}
		if rec.Consents == nil {
			rec.Consents = make(map[string]bool, 4)
		}
		ch := strings.ToLower(t.hdr[i])
		ch = strings.TrimPrefix(ch, "consent_")
		rec.Consents[ch] = b
	}
	return ""
}

func parseBool(v string) (bool, bool) {
	switch strings.ToLower(v) {
	case "true", "t", "yes", "y", "1":
		return true, true
	case "false", "f", "no", "n", "0":
		return false, true
	}
	return false, false
}

// convDecision turns a decision-log row into a KindDecision record:
// propensity must lie in (0, 1], reward must be a number, revenue and
// cost non-negative numbers, converted 0/1 or true/false.
func convDecision(t *tableReader, f []string, rec *Record) string {
	sp := t.sp
	rec.Kind = KindDecision
	if r := t.readIDs(f, rec); r != "" {
		return r
	}
	if r := t.readTime(f, rec); r != "" {
		return r
	}
	d := &Decision{Action: field(f, sp.action), Trigger: field(f, sp.trigger)}
	if d.Action == "" {
		return t.hdr[sp.action] + " (the action) is empty"
	}
	p, r := parseNumber(t.hdr[sp.propensity], f[sp.propensity])
	if r != "" {
		return r
	}
	if !(p > 0 && p <= 1) {
		return t.hdr[sp.propensity] + " " + strconv.Quote(strings.TrimSpace(f[sp.propensity])) + " is outside (0, 1]: a propensity is the probability of the logged action"
	}
	d.Propensity = p
	if d.Reward, r = parseNumber(t.hdr[sp.reward], f[sp.reward]); r != "" {
		return r
	}
	if sp.converted >= 0 && !isBlank(f[sp.converted]) {
		b, ok := parseBool(strings.TrimSpace(f[sp.converted]))
		if !ok {
			return t.hdr[sp.converted] + " " + strconv.Quote(f[sp.converted]) + " is not 0/1 or true/false"
		}
		d.Converted = b
	}
	if sp.decRevenue >= 0 && !isBlank(f[sp.decRevenue]) {
		if d.Revenue, r = parseAmount(t.hdr[sp.decRevenue], f[sp.decRevenue]); r != "" {
			return r
		}
		rec.Revenue, rec.HasRevenue = d.Revenue, true
	}
	if sp.cost >= 0 && !isBlank(f[sp.cost]) {
		if d.Cost, r = parseAmount(t.hdr[sp.cost], f[sp.cost]); r != "" {
			return r
		}
	}
	if len(sp.ctx) > 0 {
		d.Context = make(map[string]string, len(sp.ctx))
		for _, i := range sp.ctx {
			d.Context[t.hdr[i][4:]] = f[i]
		}
	}
	rec.Type = d.Action
	rec.DedupKey = field(f, sp.evID)
	rec.Props = t.readProps(f)
	rec.Decision = d
	return ""
}
